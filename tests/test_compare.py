"""benchmarks/compare.py runs end to end in its smoke mode and reports what it measured.

These need only NumPy: PyTorch, JAX and scikit-learn, absent in CI, give skipped rows.
Nothing here asserts a time.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

COMPARE = Path(__file__).resolve().parent.parent / "benchmarks" / "compare.py"


def compare(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(COMPARE), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def rows(report: dict, section: str, peer: str) -> list[dict]:
    return [r for r in report[section] if r["peer"] == peer]


def test_fastnn_and_numpy_train_the_same_model(tmp_path):
    out = tmp_path / "out.json"
    args = ["--quick", "--workloads", "tiny,inference", "--peers", "numpy", "--repeats", "1"]
    done = compare(*args, "--json", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())

    (fastnn,), (numpy,) = rows(report, "training", "fastnn"), rows(report, "training", "numpy")
    for row in (fastnn, numpy):
        assert row["status"] == "ok", row
        assert math.isfinite(row["final_loss"]) and row["samples_per_s"]["median"] > 0
        assert row["version"] and row["threads"]
    assert numpy["final_loss"] == pytest.approx(fastnn["final_loss"], rel=0.10)
    assert numpy["ratio"] > 0 and "loss_vs_fastnn" in numpy

    for peer in ("fastnn", "numpy"):
        cases = {r["case"]: r for r in rows(report, "inference", peer)}
        assert set(cases) == {"tiny, batch 1", "mnist, batch 1", "mnist, batch 1024"}
        assert all(r["latency_us"]["median"] > 0 for r in cases.values())

    assert report["machine"]["cpu_count"] >= 1
    assert "tiny" in done.stdout and "numpy" in done.stdout  # the printed table


def test_a_peer_that_cannot_be_imported_gives_a_skipped_row(tmp_path):
    # A "torch" that fails on import stands for one that is missing or broken.
    fake = tmp_path / "site" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('torch is broken here')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "site"))
    out = tmp_path / "out.json"
    args = ["--quick", "--workloads", "tiny", "--peers", "torch,torch-compile", "--repeats", "1"]
    done = compare(*args, "--json", str(out), env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    for peer in ("torch", "torch-compile"):
        (row,) = rows(report, "training", peer)
        assert row["status"] == "skipped" and "torch" in row["reason"], row
    assert rows(report, "training", "fastnn")[0]["status"] == "ok"
    assert "skipped: cannot import: torch is broken here" in done.stdout


def test_an_unknown_peer_is_an_error_that_lists_the_known_ones():
    done = compare("--peers", "numpy,tensorflow")
    assert done.returncode == 2
    assert "unknown peer tensorflow" in done.stderr and "torch-compile" in done.stderr


def test_memory_smoke(tmp_path):
    out = tmp_path / "out.json"
    done = compare(
        "--quick", "--workloads", "tiny", "--peers", "fastnn", "--memory", "--json", str(out)
    )
    assert done.returncode == 0, done.stderr
    memory = json.loads(out.read_text())["memory"]
    if memory["status"] == "skipped":
        pytest.skip(memory["reason"])
    assert memory["status"] == "ok", memory
    # fit reads every row of the memmap, so its pages are resident at the peak
    assert memory["peak_rss"] - memory["baseline_rss"] >= 0.9 * memory["data_bytes"]
    assert math.isfinite(memory["loss"])
