"""The guide (docs/guide/) cannot rot: every page's code is a section of its script in
examples/guide/, which runs here; the pages show that code and its output, what they claim
is asserted, and every picture they show exists and is small."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib (the test and plot extras) draws the guide")

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "docs" / "guide"

_spec = importlib.util.spec_from_file_location(
    "guide_make_all", ROOT / "examples/guide/make_all.py"
)
make_all = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_all)

SCRIPTS = make_all.SCRIPTS
_TEXT_BLOCK = re.compile(r"^```text\n(.*?)^```$", re.S | re.M)
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
# Rounding errors printed in e-notation (2.3e-17) differ from machine to machine; the
# tolerances they must meet are asserted below instead.
_TINY = re.compile(r"\d\.\de-\d\d")


@pytest.fixture(scope="module")
def guide(tmp_path_factory):
    """Every script run once, its pictures to a temporary directory: stem -> (facts, stdout)."""
    out = tmp_path_factory.mktemp("guide")
    runs = {}
    for script in SCRIPTS:
        module = make_all.load(script)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            facts = module.main(out)
        runs[script.stem] = (facts, printed.getvalue())
    return out, runs


def facts(guide, stem):
    return guide[1][stem][0]


def test_one_page_per_script_and_the_index_links_each():
    assert [s.stem for s in SCRIPTS] == [
        "01_perceptron",
        "02_bias",
        "03_loss_and_gradients",
        "04_learning_rate",
        "05_layers",
        "06_playground",
    ]
    index = (PAGES / "README.md").read_text()
    for script in SCRIPTS:
        assert make_all.page_of(script).exists(), script.name
        assert f"]({script.stem}.md)" in index, script.stem
    assert "python examples/guide/make_all.py" in index


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.stem)
def test_the_page_shows_its_scripts_code(script):
    shown = make_all.python_blocks(make_all.page_of(script))
    assert shown == make_all.sections(script), (
        f"{make_all.page_of(script).name} differs from {script.name}: run "
        "python examples/guide/make_all.py"
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.stem)
def test_the_page_shows_its_scripts_output(guide, script):
    printed = _TINY.sub("<tiny>", guide[1][script.stem][1]).splitlines()
    blocks = _TEXT_BLOCK.findall(make_all.page_of(script).read_text())
    assert blocks
    for block in blocks:
        for line in _TINY.sub("<tiny>", block).splitlines():
            assert line in printed, (
                f"{script.stem}: the page shows {line!r}, the script printed\n" + "\n".join(printed)
            )


def test_every_picture_exists_is_small_and_is_made_by_a_script(guide):
    out, _ = guide
    shown = set()
    for page in sorted(PAGES.glob("*.md")):
        for target in _IMAGE.findall(page.read_text()):
            path = (page.parent / target).resolve()
            assert path.is_file(), f"{page.name} shows {target}, which does not exist"
            assert path.stat().st_size < 150_000, f"{target}: keep pictures small"
            shown.add(path.name)
    made = {p.name for p in out.glob("*.png")}
    assert shown == made, f"shown but not made: {shown - made}; made but not shown: {made - shown}"
    committed = {p.name for p in (PAGES / "images").glob("*.png")}
    assert committed <= shown, f"pictures no page shows: {committed - shown}"


def test_readme_links_the_guide_first():
    readme = (ROOT / "README.md").read_text()
    assert 0 <= readme.index("docs/guide/") < readme.index("## Two commands")


# ---- what the pages claim --------------------------------------------------------------------


def test_1_the_perceptron_separates_the_weather(guide):
    f = facts(guide, "01_perceptron")
    assert f["z_by_hand"] == pytest.approx(f["z_by_kernel"], rel=1e-12)
    z = np.array(f["z"])
    assert np.array_equal(f["fires"], (z > 0).astype(float))  # the step: 1 where z > 0
    np.testing.assert_allclose(f["probability"], 1 / (1 + np.exp(-z)), rtol=1e-12)
    assert f["mistakes"][-1] == 0 and all(m > 0 for m in f["mistakes"][:-1])
    assert f["mistakes"][3] > f["mistakes"][2]  # "epoch 4 makes more than epoch 3"
    # The epoch loop over the kernel is what Perceptron.fit runs, to the bit.
    assert f["perceptron_converged"] and f["perceptron_epochs"] == len(f["mistakes"])
    assert np.array_equal(f["perceptron_coef"], f["w"])
    assert f["perceptron_intercept"] == f["b"]
    assert f["accuracy"] == 1.0


def test_2_the_bias_shifts_and_the_weight_steepens(guide):
    f = facts(guide, "02_bias")
    for b, middle in f["middles"].items():
        assert middle == pytest.approx(-b, abs=0.02)  # x = -b / w with w = 1, on a 0.02 grid
    for w, slope in f["slopes"].items():
        assert slope == pytest.approx(w / 4, rel=1e-3)


def test_3_descent_and_backpropagation(guide):
    f = facts(guide, "03_loss_and_gradients")
    losses = np.array(f["losses"])
    assert losses[-1] < losses[0] / 10
    assert np.all(np.diff(losses) < 0)  # every step went downhill
    assert losses[-1] < f["surface_min"] + 0.01  # near the floor of the drawn surface
    # The start is a plateau: the first 10 steps gain less than the next 10.
    assert losses[0] - losses[10] < losses[10] - losses[20]
    assert max(f["kernel_vs_reference"]) < 1e-11  # tests/conftest.py's float64 tolerance
    assert max(f["reference_vs_differences"]) < 1e-6
    assert max(f["kernel_vs_differences"]) < 1e-6


def test_4_learning_rates_and_the_race(guide):
    f = facts(guide, "04_learning_rate")
    small, right, large = (np.array(f["by_rate"][k]) for k in ("too small", "right", "too large"))
    assert small[-1] > 0.4  # still on the plateau
    assert right[-1] < 0.168 and right[-1] < f["surface_min"] + 1e-3  # at the valley's floor
    assert large.min() > 0.19 and np.max(np.diff(large)) > 0.05  # never the floor; jumps up
    race = {k: np.array(v) for k, v in f["race"].items()}

    def arrival(name):
        below = np.flatnonzero(race[name] < 0.168)
        return below[0] + 1 if below.size else None

    arrived = {k: arrival(k) for k in race if arrival(k) is not None}
    assert set(arrived) == {"SGD", "Nesterov", "Adagrad", "RMSprop", "Adam"}
    fastest = sorted(arrived, key=arrived.get)
    assert set(fastest[:2]) == {"Adagrad", "RMSprop"} and fastest[-1] == "Adam"
    assert arrived["Nesterov"] < arrived["SGD"]
    assert race["Momentum"][-1] > 0.168 and np.max(np.diff(race["Momentum"][-30:])) > 0
    assert race["Adadelta"][-1] > 0.4


def test_5_one_neuron_a_layer_a_hidden_layer(guide):
    f = facts(guide, "05_layers")
    assert f["neuron_accuracy"] >= 0.98
    assert f["layer_equal"] and f["layer_shapes"] == ((2, 3), (3,))
    assert min(f["layer_accuracies"]) >= 0.95  # each neuron learned its own line
    assert f["shapes"] == [(2, 4), (4,), (4, 2), (2,)]
    assert f["accuracy"] >= 0.98
    probabilities = f["probabilities"]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    assert probabilities[0, 1] > 0.9 and probabilities[1, 1] < 0.1


def test_6_the_playground_experiments_and_the_commands(guide):
    f = facts(guide, "06_playground")
    accuracy = [r["accuracy"] for r in f["results"]]
    assert accuracy[0] < 0.9 and accuracy[2] < 0.9  # two lines cannot close the circle
    assert accuracy[1] >= 0.95 and accuracy[3] >= 0.95
    assert f["statuses"] == [0, 0]
    module = make_all.load(ROOT / "examples/guide/06_playground.py")
    page = (PAGES / "06_playground.md").read_text()
    shown = [
        line for line in re.findall(r"^fastnn playground.*$", page, re.M) if "--serve" not in line
    ]
    assert sorted(shown) == sorted(module.COMMANDS)  # every command the page shows ran
    for command in module.COMMANDS:
        assert shlex.split(command)[0] == "fastnn"
