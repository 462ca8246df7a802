"""Shared fixtures and the tolerances every parity test uses.

The C++ kernels and their NumPy twins compute the same formulas, but not in the same order:
Eigen's GEMM blocks and vectorises its sums, NumPy's BLAS blocks them differently, and the
C++ code calls libm where NumPy calls its own SIMD exp/log/tanh. So results agree to a few
units in the last place per operation, times the length of the sums involved.
"""

from __future__ import annotations

import numpy as np
import pytest

from fastnn import _core, _isa

DTYPES = (np.float32, np.float64)

# Per dtype: (rtol, atol). Why these sizes:
#  * float64, eps = 2.2e-16: a dot product of length K in another order differs by about
#    sqrt(K) * eps * sum|x_i w_i|; with K <= 1000 and unit-scale data that is < 1e-13 of the
#    result, so rtol 1e-11 leaves a 100x margin; atol 1e-12 covers entries that cancel to ~0.
#  * float32, eps = 1.2e-7: the same bound gives ~4e-6 relative for K = 1000, and libm's and
#    NumPy's float32 exp/tanh differ by up to ~2 ulp; rtol 2e-5 / atol 1e-5 covers both with
#    a margin of ~5x, and is still 1000x tighter than any real bug (a wrong sign or a missing
#    term moves results by O(1)).
TOLERANCES = {
    np.dtype(np.float32): (2e-5, 1e-5),
    np.dtype(np.float64): (1e-11, 1e-12),
}

# Scalar losses are summed in float64 on both sides; a float32 input only changes the rounding
# of the per-element terms (float32 softmax/log inside), so relative 1e-5 holds for float32.
LOSS_TOLERANCES = {
    np.dtype(np.float32): (1e-5, 1e-6),
    np.dtype(np.float64): (1e-11, 1e-12),
}


def tolerance(dtype) -> dict[str, float]:
    """`rtol`/`atol` keywords for np.testing.assert_allclose at `dtype`."""
    rtol, atol = TOLERANCES[np.dtype(dtype)]
    return {"rtol": rtol, "atol": atol}


def loss_tolerance(dtype) -> dict[str, float]:
    """`rtol`/`atol` for comparing scalar losses computed from `dtype` inputs."""
    rtol, atol = LOSS_TOLERANCES[np.dtype(dtype)]
    return {"rtol": rtol, "atol": atol}


def assert_matches(actual: np.ndarray, expected: np.ndarray, dtype, scale: float = 1.0) -> None:
    """C++ result `actual` equals the reference's `expected`: same dtype, shape and values.

    `scale` widens atol for results whose entries are sums of many terms of size ~scale
    (a GEMM's absolute error grows with the magnitude of what it sums, not of its result).
    """
    assert actual.dtype == np.dtype(dtype), f"dtype {actual.dtype}, expected {np.dtype(dtype)}"
    assert actual.shape == expected.shape, f"shape {actual.shape}, expected {expected.shape}"
    tol = tolerance(dtype)
    np.testing.assert_allclose(actual, expected, rtol=tol["rtol"], atol=tol["atol"] * scale)


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed generator, so every failure reproduces."""
    return np.random.default_rng(20261129)


# ---- instruction-set levels ------------------------------------------------------------------
#
# The core is built once per level (fastnn/_isa.py) and import loads the best one; the levels
# below it run on the same machine only if a test loads them. A module that sets
#     pytestmark = pytest.mark.usefixtures("isa_level")
# runs each of its tests once per level this machine can execute (v2, v3, v4 on an AVX-512
# CPU; one level on a FASTNN_LEVELS=v3 build), with "isa-<level>" in the test id. The parity
# suites do (kernels, optimizers, the training loop, predict, the perceptron), the full grid
# at each level with no sampling: ~2700 tests, ~8 s a level. Whatever a test makes (arrays, models, core Networks) is made
# after its level is loaded; a core Network keeps the level that made it, which is why
# Sequential drops its cached predictor on a switch (tests/test_isa.py checks both).

#: The levels this installation holds and this CPU runs, slowest first; import loads the last
#: unless FASTNN_ISA names another.
RUNNABLE_LEVELS = [lv for lv in _isa.present_levels() if lv in _isa.cpu_levels()]


def pytest_generate_tests(metafunc):
    if "isa_level" in metafunc.fixturenames:
        metafunc.parametrize(
            "isa_level", RUNNABLE_LEVELS, indirect=True, ids=[f"isa-{lv}" for lv in RUNNABLE_LEVELS]
        )


@pytest.fixture
def isa_level(request):
    """Load the level of this test's parameter for the test, and the one before it after."""
    before, reason = _isa.loaded()
    level = _isa.load(request.param)
    assert _core._level() == level == request.param
    yield level
    # load() without a level chooses as import did, and says why as import did.
    _isa.load(before if reason == "fastnn._isa.load" else None)
    assert _isa.loaded() == (before, reason)
