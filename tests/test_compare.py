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


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def test_gemm_and_per_sample_rows_and_targets(tmp_path):
    out = tmp_path / "out.json"
    shapes = [(8, 16, 32), (33, 17, 9)]
    args = ["--quick", "--workloads", "gemm,per-sample", "--peers", "numpy", "--repeats", "1"]
    done = compare(*args, "--gemm-shapes", "8x16x32,33x17x9", "--json", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())

    threads = [1, 2] if _cpus() >= 2 else [1]
    expected = {(s, op, t) for s in shapes for op in ("forward", "backward") for t in threads}
    for peer in ("fastnn", "numpy"):
        got = rows(report, "gemm", peer)
        assert {(tuple(r["shape"]), r["op"], r["threads"]) for r in got} == expected
        for r in got:
            assert r["status"] == "ok", r
            assert math.isfinite(r["gflops"]["median"]) and r["gflops"]["min"] > 0
            batch, n_in, n_out = r["shape"]
            products = 1 if r["op"] == "forward" else 2
            assert r["flops"] == products * 2 * batch * n_in * n_out
            assert r["kernel"] and r["version"]
    for r in rows(report, "gemm", "fastnn"):
        assert r["best_peer"] == "numpy" and r["ratio"] > 0
    (gemm,) = [t for t in report["targets"] if t["what"].startswith("dense products")]
    worst = min(r["ratio"] for r in rows(report, "gemm", "fastnn"))
    assert gemm["value"] == worst and gemm["met"] == (worst >= 0.85)
    assert f"worst of {len(expected)}" in gemm["what"]

    per_sample = {r["batch_size"]: r for r in report["per_sample"]}
    assert set(per_sample) == {1, 16}
    assert all(
        r["status"] == "ok" and r["samples_per_s"]["median"] > 0 for r in per_sample.values()
    )
    (target,) = [t for t in report["targets"] if "at batch 1 / at batch 16" in t["what"]]
    ratio = per_sample[1]["samples_per_s"]["median"] / per_sample[16]["samples_per_s"]["median"]
    assert target["value"] == pytest.approx(ratio) and target["met"] == (ratio >= 0.4)
    assert "Dense products" in done.stdout and "Per-sample training" in done.stdout


def test_the_ceiling_of_mnist_comes_from_the_gemm_peak(tmp_path):
    out = tmp_path / "out.json"
    args = ["--quick", "--workloads", "gemm,mnist", "--peers", "numpy", "--repeats", "1"]
    done = compare(*args, "--gemm-shapes", "32x64x64", "--json", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    (row,) = [t for t in report["targets"] if t.get("kind") == "ceiling"]
    assert row["what"].startswith("mnist")
    # 784-256-128-10: forward and dW everywhere, dX for all but the first layer
    assert row["flops_per_sample"] == 2 * (2 * 784 * 256 + 3 * 256 * 128 + 3 * 128 * 10)
    same_threads = [r for r in report["gemm"] if r["threads"] == row["gemm_threads"]]
    assert row["gemm_peak_gflops"] == max(r["gflops"]["median"] for r in same_threads)
    assert row["ceiling_samples_per_s"] == pytest.approx(
        row["gemm_peak_gflops"] * 1e9 / row["flops_per_sample"]
    )
    (fastnn,) = rows(report, "training", "fastnn")
    assert row["value"] == pytest.approx(
        fastnn["samples_per_s"]["median"] / row["ceiling_samples_per_s"]
    )
    assert row["reachable"] == (row["needed_samples_per_s"] <= row["ceiling_samples_per_s"])
    assert "ceiling" in done.stdout


def test_workers_run_without_the_openblas_core_override(monkeypatch):
    sys.path.insert(0, str(COMPARE.parent))
    try:
        import compare as module
    finally:
        sys.path.remove(str(COMPARE.parent))
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "524288")
    env = module.worker_env(2)
    assert "OPENBLAS_CORETYPE" not in env and "OPENBLAS_L2_SIZE" not in env
    assert env["OPENBLAS_NUM_THREADS"] == "2"


def test_a_bad_gemm_shape_is_an_error():
    done = compare("--workloads", "gemm", "--gemm-shapes", "128x512")
    assert done.returncode == 2 and "BATCHxINxOUT" in done.stderr


def _build_tools_missing() -> str | None:
    import importlib.util
    import shutil
    import sysconfig

    if shutil.which("cmake") is None:
        return "cmake is not on PATH"
    if shutil.which("ninja") is None and importlib.util.find_spec("ninja") is None:
        return "ninja is not installed"
    if importlib.util.find_spec("pybind11") is None:
        return "pybind11 (a build requirement) is not installed here"
    eigen = [Path(sysconfig.get_path("purelib"), "cmeel.prefix"), Path("/usr/include/eigen3")]
    if not any(p.exists() for p in eigen):
        return "no Eigen (cmeel-eigen or the system's)"
    return None


def test_build_time_smoke(tmp_path):
    # Configures both build dirs for real and builds one small target: the commands work.
    if missing := _build_tools_missing():
        pytest.skip(f"build tools: {missing}")
    out = tmp_path / "out.json"
    args = ["--quick", "--workloads", "tiny", "--peers", "fastnn", "--repeats", "1"]
    done = compare(*args, "--build-time", "--json", str(out))
    assert done.returncode == 0, done.stderr
    build = json.loads(out.read_text())["build_time"]
    assert build["status"] == "ok", build
    assert [b["levels"] for b in build["builds"]] == ["v3", "all"]
    for b in build["builds"]:
        assert b["configure_seconds"] > 0 and b["build_seconds"] > 0
        assert any(name.startswith("_cpuid") for name in b["built"])
    ratio = build["builds"][1]["build_seconds"] / build["builds"][0]["build_seconds"]
    assert build["ratio"] == pytest.approx(ratio)
    (target,) = [t for t in json.loads(out.read_text())["targets"] if t["what"].startswith("build")]
    assert target["value"] == build["ratio"] and target["met"] == (ratio <= 2.0)
    assert "Build time" in done.stdout


def test_mnist_with_batch_norm_and_dropout_runs_and_peers_without_them_say_so(tmp_path):
    out = tmp_path / "out.json"
    args = ["--quick", "--workloads", "mnist-bn", "--peers", "numpy,sklearn", "--repeats", "1"]
    done = compare(*args, "--json", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    (fastnn,) = rows(report, "training", "fastnn")
    assert fastnn["status"] == "ok" and math.isfinite(fastnn["final_loss"])
    assert report["workloads"]["mnist-bn"]["batch_norm"] is True
    (numpy,) = rows(report, "training", "numpy")
    assert numpy["status"] == "skipped" and "no BatchNormalization or Dropout" in numpy["reason"]
    # Without a peer that ran, there is no lead to hold against mnist's.
    assert not [t for t in report["targets"] if t["what"].startswith("mnist-bn")]
