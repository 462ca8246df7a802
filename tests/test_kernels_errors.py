"""Bad input to the kernels: a clear TypeError/ValueError that names the argument, what was
expected and what came; awkward but valid input (non-contiguous, empty, NaN) handled right."""

from __future__ import annotations

import numpy as np
import pytest

import fastnn.kernels as K
from fastnn import reference as ref

from conftest import DTYPES
from kernel_specs import SPEC_IDS, SPECS


def build(spec, rng, dtype=np.float64, batch=5, width=4):
    return spec.make(rng, dtype, batch, width)


def call(module, spec, args):
    return getattr(module, spec.name)(*[args[n] for n in spec.arg_names], **spec.kwargs)


def each_arg(spec):
    return [pytest.param(spec, i, id=f"{spec.id}-{n}") for i, n in enumerate(spec.arg_names)]


ARG_CASES = [case for spec in SPECS for case in each_arg(spec)]


@pytest.mark.parametrize(("spec", "index"), ARG_CASES)
def test_not_an_array_is_a_type_error(rng, spec, index):
    args = build(spec, rng)
    name = spec.arg_names[index]
    args[name] = args[name].tolist()
    with pytest.raises(TypeError, match=rf"{spec.name}\(\): {name} must be a numpy.ndarray.*list"):
        call(K, spec, args)


@pytest.mark.parametrize("bad_dtype", [np.int64, np.int32, np.bool_, object, np.float16])
@pytest.mark.parametrize(("spec", "index"), ARG_CASES)
def test_non_float_dtype_is_a_type_error(rng, spec, index, bad_dtype):
    args = build(spec, rng)
    name = spec.arg_names[index]
    args[name] = args[name].astype(bad_dtype)
    with pytest.raises(
        TypeError, match=rf"{name} must have dtype float.*got {np.dtype(bad_dtype)}"
    ):
        call(K, spec, args)


@pytest.mark.parametrize(("spec", "index"), [c for c in ARG_CASES if c.values[1] > 0])
def test_mixed_float_dtypes_are_a_type_error(rng, spec, index):
    for first, other in ((np.float32, np.float64), (np.float64, np.float32)):
        args = build(spec, rng, dtype=first)
        name = spec.arg_names[index]
        args[name] = args[name].astype(other)
        first_name = spec.arg_names[0]
        with pytest.raises(
            TypeError,
            match=rf"{name} must have dtype {np.dtype(first)} like {first_name}, "
            rf"got {np.dtype(other)}.*never casts",
        ):
            call(K, spec, args)


@pytest.mark.parametrize(("spec", "index"), ARG_CASES)
def test_wrong_ndim_is_a_value_error(rng, spec, index):
    args = build(spec, rng)
    name = spec.arg_names[index]
    arr = args[name]
    for wrong in (arr[None], arr.reshape(-1) if arr.ndim == 2 else arr[:, None], np.float64(1.0)):
        args[name] = np.asarray(wrong)
        with pytest.raises(ValueError, match=rf"{spec.name}\(\): {name} must .*got .*\("):
            call(K, spec, args)


@pytest.mark.parametrize(("spec", "index"), [c for c in ARG_CASES if c.values[1] > 0])
def test_mismatched_shape_is_a_value_error(rng, spec, index):
    args = build(spec, rng)
    name = spec.arg_names[index]
    arr = args[name]
    # One entry too many along the axis the earlier arguments fix: W's rows follow X's columns.
    axis = 0 if name == "W" else -1
    grown = np.concatenate([arr, np.take(arr, [0], axis=axis)], axis=axis)
    args[name] = grown
    shape = ", ".join(map(str, grown.shape)) + ("," if grown.ndim == 1 else "")
    with pytest.raises(ValueError, match=rf"{name} must .*shape.*got .*\({shape}\)"):
        call(K, spec, args)


@pytest.mark.parametrize("layout", ["fortran", "strided", "transposed_view", "readonly"])
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_non_contiguous_inputs_give_the_contiguous_result(rng, spec, layout):
    args = build(spec, rng, batch=6, width=5)
    expected = call(K, spec, args)
    odd = {}
    for name, arr in args.items():
        if layout == "fortran":
            odd[name] = np.asfortranarray(arr)
        elif layout == "strided":
            doubled = np.repeat(arr, 2, axis=-1)
            odd[name] = doubled[..., ::2]
        elif layout == "transposed_view":
            odd[name] = np.ascontiguousarray(arr.T).T if arr.ndim == 2 else arr
        else:
            odd[name] = arr.copy()
            odd[name].flags.writeable = False
    got = call(K, spec, odd)
    for g, e in zip(
        got if isinstance(got, tuple) else (got,),
        expected if isinstance(expected, tuple) else (expected,),
        strict=True,
    ):
        # Not bitwise: Eigen's small products vectorise by the buffers' alignment, which a
        # copy may change; the order of a sum can differ in the last bit.
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)
        if isinstance(g, np.ndarray):
            assert g.flags.c_contiguous


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_empty_batch_gives_an_empty_result(rng, spec, dtype):
    args = build(spec, rng, dtype=dtype, batch=0)
    got = call(K, spec, args)
    expected = call(ref, spec, args)
    if spec.returns_scalar:
        assert np.isnan(got) and np.isnan(expected)  # the mean of nothing
        return
    for g, e in zip(
        got if isinstance(got, tuple) else (got,),
        expected if isinstance(expected, tuple) else (expected,),
        strict=True,
    ):
        assert g.shape == e.shape and g.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(g, e)  # dense_backward's dW and db are zeros


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_nan_and_inf_give_what_the_reference_gives(rng, spec, bad):
    args = build(spec, rng)
    first = spec.arg_names[0]
    args[first] = args[first].copy()
    args[first][1, 2] = bad
    with np.errstate(all="ignore"):
        expected = call(ref, spec, args)
    got = call(K, spec, args)
    for g, e in zip(
        got if isinstance(got, tuple) else (got,),
        expected if isinstance(expected, tuple) else (expected,),
        strict=True,
    ):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)  # NaN must meet NaN


@pytest.mark.parametrize("name", K.ACTIVATIONS)
def test_nan_propagates_through_every_activation(name):
    Z = np.array([[np.nan, 1.0, -1.0]])
    A = getattr(K, f"{name}_forward")(Z)
    assert np.isnan(A[0, 0])
    if name != "softmax":  # softmax mixes the row: the others stay finite
        assert np.all(np.isfinite(A[0, 1:]))


def test_messages_say_what_was_expected_and_what_came():
    X = np.zeros((4, 3), np.float32)
    W = np.zeros((2, 5), np.float32)
    with pytest.raises(ValueError) as info:
        K.dense_forward(X, W)
    message = str(info.value)
    assert "W" in message and "X.shape[1] = 3" in message and "(2, 5)" in message
