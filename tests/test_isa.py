"""Instruction-set levels: which build of the core loads, the errors, and parity at every level.

The core is built once per level (fastnn/_isa.py); these tests check the choice logic against
stand-in CPUs, that each library exports only its entry point, that FASTNN_ISA is obeyed or
refused clearly, and that every level this machine can run gives the reference's results.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import fastnn
import fastnn.kernels as K
from fastnn import _core, _isa
from fastnn import reference as ref

from conftest import RUNNABLE_LEVELS as RUNNABLE


def _run(code: str, **env_changes: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )


def test_the_best_runnable_level_is_loaded():
    level, reason = _isa.loaded()
    assert fastnn.build_info()["isa"] == level
    if "FASTNN_ISA" in os.environ:  # a run of the whole suite at a forced level
        assert (level, reason) == (os.environ["FASTNN_ISA"], "FASTNN_ISA")
    else:
        assert (level, reason) == (RUNNABLE[-1], "best level of this CPU")


def test_a_release_build_holds_every_level_of_its_architecture():
    present = _isa.present_levels()
    if os.environ.get("FASTNN_LEVELS", "all") != "all":
        pytest.skip(f"a developer build of FASTNN_LEVELS={os.environ['FASTNN_LEVELS']} only")
    vendor = fastnn._cpuid.identity()[0]
    assert present == (["v2", "v3", "v4"] if vendor else ["generic"])


def test_choose_picks_the_best_level_both_have():
    assert _isa.choose(None, ["v2", "v3", "v4"], ["v2", "v3"]) == ("v3", "best level of this CPU")
    assert _isa.choose(None, ["v2", "v3"], ["v2", "v3", "v4"]) == ("v3", "best level of this CPU")
    assert _isa.choose("v2", ["v2", "v3"], ["v2", "v3"]) == ("v2", "FASTNN_ISA")


@pytest.mark.parametrize(
    ("requested", "present", "cpu", "words"),
    [
        ("v9", ["v2", "v3"], ["v2", "v3"], ["'v9' is not a level", "v2, v3"]),
        ("v4", ["v2", "v3", "v4"], ["v2", "v3"], ["cannot run it", "runs v2, v3"]),
        ("v4", ["v2", "v3"], ["v2", "v3", "v4"], ["holds no such build", "has v2, v3"]),
        (None, ["v2", "v3"], [], ["no build of the core", "installation: v2, v3"]),
    ],
)
def test_choose_refuses_with_the_value_and_both_lists(requested, present, cpu, words):
    with pytest.raises(ImportError) as err:
        _isa.choose(requested, present, cpu)
    for w in words:
        assert w in str(err.value)


def test_fastnn_isa_forces_a_level_and_a_bad_value_is_an_import_error():
    out = _run("import fastnn; print(fastnn.build_info()['isa'])", FASTNN_ISA=RUNNABLE[0])
    assert out.stdout.strip() == RUNNABLE[0], out.stderr
    bad = _run("import fastnn", FASTNN_ISA="avx9000")
    assert bad.returncode == 1 and "ImportError" in bad.stderr and "'avx9000'" in bad.stderr


def _fake_cpu(tmp_path, features: list[str]) -> dict[str, str | None]:
    # A stand-in _cpuid that reports another CPU; the real libraries are still the ones loaded.
    (tmp_path / "sitecustomize.py").write_text(
        "import sys, types\n"
        "m = types.ModuleType('fastnn._cpuid')\n"
        f"m.features = lambda: {features!r}\n"
        "m.identity = lambda: ('GenuineIntel', 6, 26)\n"
        "sys.modules['fastnn._cpuid'] = m\n"
    )
    return {"PYTHONPATH": str(tmp_path), "FASTNN_ISA": None}  # the choice is the test's


@pytest.mark.skipif("v2" not in RUNNABLE, reason="needs the v2 build and an x86-64-v2 CPU")
def test_a_cpu_without_avx2_gets_the_baseline_level(tmp_path):
    env = _fake_cpu(tmp_path, list(_isa.LEVEL_FEATURES["v2"]))
    code = (
        "import numpy as np, fastnn\n"
        "print(fastnn.build_info()['isa'])\n"
        "print(fastnn.kernels.dense_forward(np.ones((2, 3)), np.ones((3, 4)))[0, 0])\n"
    )
    out = _run(code, **env)
    assert out.stdout.split() == ["v2", "3.0"], out.stderr


def test_a_cpu_below_every_level_gets_an_import_error_not_sigill(tmp_path):
    env = _fake_cpu(tmp_path, ["sse3", "ssse3"])
    out = _run("import fastnn", **env)
    assert out.returncode == 1, out.stderr  # a SIGILL would be -4
    assert "no build of the core" in out.stderr and "sse4.2" in out.stderr


def test_each_library_exports_only_its_entry_point():
    elftools = pytest.importorskip("elftools.elf.elffile", reason="pyelftools (the test extra)")
    import glob

    here = os.path.dirname(fastnn.__file__)
    expected = {"libfastnn_core_": {"fastnn_kernel_table"}, "_core.": {"PyInit__core"}}
    expected["_cpuid."] = {"PyInit__cpuid"}
    checked = 0
    for path in glob.glob(os.path.join(here, "*.so")):
        name = os.path.basename(path)
        want = next(v for k, v in expected.items() if name.startswith(k))
        with open(path, "rb") as f:
            dynsym = elftools.ELFFile(f).get_section_by_name(".dynsym")
            exported = {
                s.name
                for s in dynsym.iter_symbols()
                if s["st_shndx"] != "SHN_UNDEF"
                and s["st_info"]["bind"] in ("STB_GLOBAL", "STB_WEAK", "STB_GNU_UNIQUE")
                and s.name
            }
        assert exported == want, f"{name} exports {sorted(exported - want)[:10]}"
        checked += 1
    assert checked == len(_isa.present_levels()) + 2


def test_import_leaves_no_openmp_settings_in_the_environment():
    code = "import os, fastnn; print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('GOMP_SPINCOUNT'))"
    out = _run(code, OMP_WAIT_POLICY=None, GOMP_SPINCOUNT=None)
    assert out.stdout.split() == ["None", "None"], out.stderr
    kept = _run(code, OMP_WAIT_POLICY="ACTIVE", GOMP_SPINCOUNT=None)
    assert kept.stdout.split() == ["ACTIVE", "None"], kept.stderr


def test_threads_follow_omp_num_threads_and_fastnn_num_threads_wins():
    code = "import fastnn; print(fastnn.get_num_threads())"
    assert _run(code, OMP_NUM_THREADS="1", FASTNN_NUM_THREADS=None).stdout.strip() == "1"
    assert _run(code, OMP_NUM_THREADS="3", FASTNN_NUM_THREADS=None).stdout.strip() == "3"
    assert _run(code, OMP_NUM_THREADS="1", FASTNN_NUM_THREADS="2").stdout.strip() == "2"


def test_threads_follow_threadpoolctl_until_set_explicitly():
    threadpoolctl = pytest.importorskip("threadpoolctl", reason="threadpoolctl (the test extra)")
    fastnn.set_num_threads(None)
    try:
        default = fastnn.get_num_threads()
        with threadpoolctl.threadpool_limits(1, user_api="openmp"):
            assert fastnn.get_num_threads() == 1
        assert fastnn.get_num_threads() == default
        fastnn.set_num_threads(2)
        with threadpoolctl.threadpool_limits(1, user_api="openmp"):
            assert fastnn.get_num_threads() == 2
    finally:
        fastnn.set_num_threads(None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_match_the_reference_at_every_level(isa_level, dtype, rng):
    tol = {np.float32: 2e-5, np.float64: 1e-12}[dtype]  # as conftest: a few ulps of the sums
    for batch, n_in, n_out in [(1, 3, 7), (17, 64, 129), (256, 512, 256)]:
        X = rng.standard_normal((batch, n_in)).astype(dtype)
        W = rng.standard_normal((n_in, n_out)).astype(dtype)
        b = rng.standard_normal(n_out).astype(dtype)
        dZ = rng.standard_normal((batch, n_out)).astype(dtype)
        scale = np.sqrt(n_in)
        np.testing.assert_allclose(
            K.dense_forward(X, W, b), ref.dense_forward(X, W, b), rtol=tol, atol=tol * scale
        )
        for got, want in zip(K.dense_backward(X, W, dZ), ref.dense_backward(X, W, dZ), strict=True):
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.sqrt(max(batch, n_out)))
        Z = rng.standard_normal((batch, n_out)).astype(dtype) * 4
        for act in ("sigmoid", "tanh", "softmax", "elu"):
            np.testing.assert_allclose(
                getattr(K, f"{act}_forward")(Z),
                getattr(ref, f"{act}_forward")(Z),
                rtol=tol * 10,
                atol=tol,
            )


def test_training_matches_the_reference_loop_at_every_level(isa_level):
    X0 = np.random.default_rng(3).standard_normal((96, 5))
    y = (X0[:, 0] * X0[:, 1] > 0).astype(np.float64).reshape(-1, 1)
    results = []
    for net_class in (fastnn._core.Network, ref.Network):
        data = np.random.default_rng(3)  # the same draws for both
        X = data.standard_normal((96, 5))
        w = [data.standard_normal((5, 8)) * 0.5, data.standard_normal((8, 1)) * 0.5]
        b = [np.zeros(8), np.zeros(1)]
        ws = [np.zeros((3, 5, 8)), np.zeros((3, 8, 1))]
        bs = [np.zeros((3, 8)), np.zeros((3, 1))]
        layers = [
            {"in": 5, "out": 8, "activation": "tanh"},
            {"in": 8, "out": 1, "activation": "sigmoid"},
        ]
        opt = {"kind": "adam", "learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.999, "eps": 1e-8}
        net = net_class(layers, "binary_crossentropy", opt, w, b, ws, bs, 16)
        for epoch in range(5):
            net.train_epoch(
                X, y, batch_size=16, shuffle=True, seed=7, epoch=epoch, learning_rate=0.01
            )
        results.append(w + b)
    for got, want in zip(*results, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)


def test_the_level_of_each_parametrized_test_is_the_one_that_runs(isa_level):
    # What the parity suites rely on: inside a test of level L, everything runs L's library.
    assert fastnn.build_info()["isa"] == isa_level == _core._level()
    assert _isa.loaded() == (isa_level, "fastnn._isa.load")
    model = fastnn.Sequential([fastnn.Dense(2, "tanh", input_dim=3)], seed=0)
    model.predict(np.zeros((1, 3), np.float32))
    assert model._predictor.level == isa_level


@pytest.mark.skipif(len(RUNNABLE) < 2, reason="one runnable level: nothing to switch to")
def test_a_switch_drops_cached_predictors_and_old_networks_keep_their_level(rng):
    default = _isa.loaded()[0]
    model = fastnn.Sequential(
        [fastnn.Dense(8, "tanh", input_dim=3), fastnn.Dense(2, "softmax")], seed=0
    )
    X = rng.standard_normal((64, 3)).astype(np.float32)
    expected = model.predict(X)
    cached = model._predictor
    assert cached.level == default
    try:
        for level in (lv for lv in RUNNABLE if lv != default):
            _isa.load(level)
            np.testing.assert_allclose(model.predict(X), expected, rtol=1e-5, atol=1e-6)
            assert model._predictor is not cached and model._predictor.level == level
            # A core Network made before the switch still runs (its library stays loaded),
            # on its own level: only holders of such objects can tell, hence the registry.
            assert cached.level == default
            np.testing.assert_array_equal(cached.predict(X), expected)
    finally:
        _isa.load()
    assert _isa.loaded()[0] == default
    model.predict(X)
    assert model._predictor.level == default


def test_the_baseline_builds_hold_no_avx_instruction():
    # An AVX instruction in the v2 library or in the bindings would be SIGILL on a CPU of that
    # level; count the instructions that name a ymm/zmm register.
    import glob
    import shutil

    objdump = shutil.which("objdump")
    if objdump is None:
        pytest.skip("objdump (binutils) is not installed")
    here = os.path.dirname(fastnn.__file__)
    paths = glob.glob(os.path.join(here, "_core.*.so")) + glob.glob(
        os.path.join(here, "_cpuid.*.so")
    )
    if "v2" in _isa.present_levels():
        paths.append(_isa.library_path("v2"))
    if "v3" in _isa.present_levels():  # the counter must be able to see AVX where it is
        v3 = subprocess.run(
            [objdump, "-d", _isa.library_path("v3")], capture_output=True, text=True
        )
        assert "ymm" in v3.stdout
    for path in paths:
        text = subprocess.run([objdump, "-d", path], capture_output=True, text=True).stdout
        assert text and "ymm" not in text and "zmm" not in text, path
