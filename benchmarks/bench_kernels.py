"""Dense kernels, fastnn against its NumPy twin (which calls NumPy's BLAS), float32.

Run:  pytest benchmarks/bench_kernels.py --benchmark-enable --benchmark-group-by=param:shape
The test run (CI) collects these with --benchmark-disable: each runs once, as a smoke test
that also checks fastnn's answer against the reference's. Nothing here asserts a time.
Each benchmark's extra_info carries GFLOP/s from the median, for the JSON report.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastnn.kernels as K
from fastnn import reference as ref

SHAPES = [(10, 8, 8), (128, 784, 256), (256, 1024, 1024)]  # (batch, in, out)
IMPLEMENTATIONS = {"fastnn": K, "numpy": ref}


def _inputs(batch, n_in, n_out):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, n_in), dtype=np.float32)
    W = (rng.standard_normal((n_in, n_out), dtype=np.float32) / np.sqrt(n_in)).astype(np.float32)
    b = rng.standard_normal(n_out, dtype=np.float32)
    dZ = rng.standard_normal((batch, n_out), dtype=np.float32)
    return X, W, b, dZ


def _record_gflops(benchmark, flops):
    stats = getattr(benchmark, "stats", None)
    if stats is not None and stats.stats.median > 0:
        benchmark.extra_info["gflops"] = round(flops / stats.stats.median / 1e9, 2)


@pytest.mark.parametrize("impl", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_dense_forward(benchmark, shape, impl):
    X, W, b, _ = _inputs(*shape)
    module = IMPLEMENTATIONS[impl]
    benchmark.group = f"dense_forward {shape}"
    Z = benchmark(module.dense_forward, X, W, b)
    np.testing.assert_allclose(Z, ref.dense_forward(X, W, b), rtol=1e-4, atol=1e-4)
    _record_gflops(benchmark, 2 * np.prod(shape))


@pytest.mark.parametrize("impl", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_dense_backward(benchmark, shape, impl):
    X, W, _, dZ = _inputs(*shape)
    module = IMPLEMENTATIONS[impl]
    benchmark.group = f"dense_backward {shape}"
    dX, dW, db = benchmark(module.dense_backward, X, W, dZ)
    for got, want in zip((dX, dW, db), ref.dense_backward(X, W, dZ), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)
    _record_gflops(benchmark, 4 * np.prod(shape))  # two products of the forward's size
