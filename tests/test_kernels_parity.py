"""The second link of the chain of trust: every C++ kernel equals its NumPy twin.

Table-driven over tests/kernel_specs.py: every kernel of fastnn.kernels, both dtypes, batch
sizes from 1 to 1000 and widths from 1 to 257, every keyword setting. Tolerances come from
conftest.py, where their sizes are explained.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastnn.kernels as K
from fastnn import activations as fnn_activations
from fastnn import reference as ref

from conftest import DTYPES, assert_matches, loss_tolerance
from kernel_specs import SPEC_IDS, SPECS

# At every instruction-set level this machine runs (conftest.py).
pytestmark = pytest.mark.usefixtures("isa_level")

BATCHES = (1, 3, 17, 129, 1000)
WIDTHS = (1, 2, 7, 64, 257)


def call(module, spec, args):
    return getattr(module, spec.name)(*[args[n] for n in spec.arg_names], **spec.kwargs)


def summed_length(spec, args) -> float:
    """The longest sum behind one output entry: atol grows with sqrt of it (conftest.py)."""
    if spec.name == "dense_forward":
        return args["X"].shape[1]
    if spec.name == "dense_backward":
        return max(args["X"].shape[0], args["W"].shape[1])
    if spec.name.startswith("softmax"):
        return args[spec.arg_names[0]].shape[1]
    return 1


def assert_same_result(spec, dtype, got, expected, args):
    if spec.returns_scalar:
        assert isinstance(got, float)
        np.testing.assert_allclose(got, expected, **loss_tolerance(dtype))
        return
    scale = np.sqrt(summed_length(spec, args))
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            assert_matches(g, e.astype(dtype, copy=False), dtype, scale)
    else:
        assert_matches(got, expected, dtype, scale)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_kernel_matches_reference(rng, spec, dtype, batch, width):
    args = spec.make(rng, dtype, batch, width)
    assert_same_result(spec, dtype, call(K, spec, args), call(ref, spec, args), args)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_kernel_is_finite_for_large_inputs(rng, spec, dtype):
    # |z| up to 1e3, where exp overflows float32 (at 88) and float64 (at 709): the stable
    # forms must stay finite wherever the math is finite, and still match the twin.
    args = spec.make(rng, dtype, 64, 7)
    first = spec.arg_names[0]
    big = rng.uniform(-1e3, 1e3, args[first].shape)
    big.flat[:2] = [-1e3, 1e3]
    if spec.name.startswith("binary_crossentropy"):
        big = (big > 0).astype(float)  # probabilities at the clip bounds, the worst case
    args[first] = big.astype(dtype)
    if spec.name.endswith("_backward") and "A" in args:
        forward = getattr(ref, spec.name.replace("_backward", "_forward"))
        args["A"] = forward(args["Z"], **spec.kwargs)
    got = call(K, spec, args)
    for part in got if isinstance(got, tuple) else (got,):
        assert np.all(np.isfinite(part)), f"{spec.name} produced inf/NaN from finite input"
    assert_same_result(spec, dtype, got, call(ref, spec, args), args)


def test_parity_tests_can_fail(rng):
    # A kernel that differed by one ulp-scale bug (bias dropped) must be caught.
    X = rng.standard_normal((3, 4)).astype(np.float32)
    W = rng.standard_normal((4, 2)).astype(np.float32)
    b = np.full(2, 1e-3, dtype=np.float32)
    with pytest.raises(AssertionError):
        assert_matches(K.dense_forward(X, W), ref.dense_forward(X, W, b), np.float32)


def test_dense_forward_without_bias(rng):
    for dtype in DTYPES:
        X = rng.standard_normal((5, 3)).astype(dtype)
        W = rng.standard_normal((3, 2)).astype(dtype)
        assert_matches(K.dense_forward(X, W), X @ W, dtype)
        assert_matches(K.dense_forward(X, W, None), X @ W, dtype)


def test_softmax_rows_sum_to_one(rng):
    for dtype in DTYPES:
        Z = (rng.standard_normal((50, 9)) * 30).astype(dtype)
        A = K.softmax_forward(Z)
        np.testing.assert_allclose(A.sum(axis=1), 1, rtol=1e-6 if dtype == np.float32 else 1e-14)
        assert np.all(A >= 0)


def test_edge_conventions(rng):
    # The derivative at a kink is a convention; fastnn follows PyTorch and says so.
    Z = np.array([[-1.0, 0.0, 2.0]])
    ones = np.ones_like(Z)
    np.testing.assert_array_equal(K.relu_backward(Z, K.relu_forward(Z), ones), [[0, 0, 1]])
    np.testing.assert_array_equal(
        K.leaky_relu_backward(Z, K.leaky_relu_forward(Z), ones, alpha=0.1), [[0.1, 0.1, 1]]
    )
    np.testing.assert_array_equal(K.step_forward(Z), [[0, 0, 1]])
    np.testing.assert_array_equal(K.step_backward(Z, K.step_forward(Z), ones), [[0, 0, 0]])
    np.testing.assert_allclose(K.elu_forward(Z, alpha=2.0), [[2 * np.expm1(-1), 0, 2]])
    # Saturation: 0 and 1 up to the smallest normal float. Where a SIMD packet computes it
    # (v2's 2-double packets reach this 3-wide row; v3/v4 only rows of 8 and more), Eigen's
    # vectorised exp clamps its argument at about -709.78, so sigmoid(-800) = exp(-709.78)
    # = 5.6e-309 there instead of the scalar path's 0.
    saturated = K.sigmoid_forward(np.array([[0.0, -800.0, 800.0]]))
    np.testing.assert_allclose(saturated, [[0.5, 0, 1]], atol=np.finfo(np.float64).tiny)
    np.testing.assert_allclose(K.softplus_forward(np.array([[0.0, 800.0]])), [[np.log(2), 800]])


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0)])
def test_empty_batches_and_empty_rows_agree_with_the_twins(shape):
    # No samples, or rows of no columns: the loss is NaN (a mean of nothing, a distribution
    # over no classes), every gradient and activation an empty array of the input's shape.
    # softmax cross-entropy over zero classes once returned 0.0 here and crashed its twin.
    Y = np.zeros(shape)
    for name in K.LOSSES:
        for module in (K, ref):
            assert np.isnan(getattr(module, f"{name}_forward")(Y, Y.copy())), (name, module)
            assert getattr(module, f"{name}_backward")(Y, Y.copy()).shape == shape
    for name in K.ACTIVATIONS:
        for module in (K, ref):
            A = getattr(module, f"{name}_forward")(Y)
            assert A.shape == shape
            assert getattr(module, f"{name}_backward")(Y, A, Y.copy()).shape == shape


@pytest.mark.parametrize("name", K.ACTIVATIONS)
def test_nan_in_z_stays_nan_in_a(name):
    # No comparison or clamp may swallow a NaN: it must show where it came in (softmax: its row).
    Z = np.array([[0.5, np.nan, -2.0], [1.0, 2.0, 3.0]])
    for module in (K, ref):
        A = getattr(module, f"{name}_forward")(Z)
        assert np.isnan(A[0, 1]), (name, module.__name__)
        assert np.isfinite(A[1]).all(), (name, module.__name__)


def test_silu_is_swish_and_selu_keeps_its_constants():
    assert fnn_activations.get("silu") == "swish"
    Z = np.array([[-1.0, 0.0, 1.0]])
    scale, alpha = 1.0507009873554805, 1.6732632423543772
    np.testing.assert_allclose(
        K.selu_forward(Z), [[scale * alpha * np.expm1(-1.0), 0.0, scale]], rtol=1e-15
    )
    np.testing.assert_array_equal(
        K.hard_sigmoid_forward(np.array([[-4.0, 0.0, 4.0]])), [[0, 0.5, 1]]
    )
