"""The optimizer kernels: C++ against the NumPy twin, both against PyTorch's rules worked out
by hand, and the argument checks."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from fastnn import kernels, reference

# At every instruction-set level this machine runs (conftest.py).
pytestmark = pytest.mark.usefixtures("isa_level")

# C++ against fastnn.reference, per dtype (to move into tests/conftest.py). Measured over every
# case below: 0 differing values in either dtype. optimizers.cpp is built with
# -ffp-contract=off, so both sides do the same IEEE operations in the same order, each rounded
# once (sqrt and / included), with the same hyper-parameters rounded to the dtype once: the
# results are bit for bit equal. Any slack would hide a change of formula or order; for scale,
# letting GCC contract a*b + c into FMAs gave differences, relative to max(|value|, 1e-3), up
# to 8e-13 (float64) and 6e-4 (float32) after 10 steps.
TOL = {
    np.float32: dict(rtol=0.0, atol=0.0),  # bit-identical: same operations, same order
    np.float64: dict(rtol=0.0, atol=0.0),  # bit-identical: same operations, same order
}
# The kernels against PyTorch's formulas evaluated by hand in Python floats (float64), values
# between 0.5 and 2. Measured: float64 0 (the hand formulas are PyTorch's, in its order);
# float32 at most 1.04e-7 relative (one float32 ulp, from hyper-parameters such as 0.9 that
# float32 rounds), so 4 ulps.
HAND_TOL = {
    np.float64: dict(rtol=1e-14, atol=0.0),  # a few float64 ulps: room for reordered formulas
    np.float32: dict(rtol=5e-7, atol=0.0),  # 4 float32 ulps; measured 1 ulp
}

DTYPES = [np.float32, np.float64]
SHAPES = [(1, 1), (3,), (17, 7), (129, 64)]
STATE_NAMES = {
    "sgd": ("momentum_buffer",),
    "adagrad": ("state_sum",),
    "adadelta": ("square_avg", "acc_delta"),
    "rmsprop": ("square_avg", "momentum_buffer", "grad_avg"),
    "adam": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
    "adamw": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
}

# Every optimizer with its flags on and off; learning rates large enough that 10 steps move
# the parameters well away from where they started.
CASES = [
    ("sgd", dict(learning_rate=0.1)),
    ("sgd", dict(learning_rate=0.1, weight_decay=0.05)),
    ("sgd", dict(learning_rate=0.1, momentum=0.9)),
    ("sgd", dict(learning_rate=0.1, momentum=0.9, weight_decay=0.05)),
    ("sgd", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    ("sgd", dict(learning_rate=0.1, momentum=0.5, nesterov=True, weight_decay=0.05)),
    ("adagrad", dict(learning_rate=0.1)),
    ("adagrad", dict(learning_rate=0.1, eps=1e-6, weight_decay=0.05)),
    ("adadelta", dict(learning_rate=1.0)),
    ("adadelta", dict(learning_rate=0.5, rho=0.5, eps=1e-4, weight_decay=0.05)),
    ("rmsprop", dict(learning_rate=0.01)),
    ("rmsprop", dict(learning_rate=0.01, weight_decay=0.05)),
    ("rmsprop", dict(learning_rate=0.01, momentum=0.9)),
    ("rmsprop", dict(learning_rate=0.01, centered=True)),
    ("rmsprop", dict(learning_rate=0.01, centered=True, momentum=0.9, weight_decay=0.05)),
    ("rmsprop", dict(learning_rate=0.01, rho=0.0, centered=True)),
    ("adam", dict(learning_rate=0.01)),
    ("adam", dict(learning_rate=0.01, weight_decay=0.05)),
    ("adam", dict(learning_rate=0.01, amsgrad=True)),
    ("adam", dict(learning_rate=0.01, beta_1=0.5, beta_2=0.9, amsgrad=True, weight_decay=0.05)),
    ("adamw", dict(learning_rate=0.01)),
    ("adamw", dict(learning_rate=0.01, weight_decay=0.0)),
    ("adamw", dict(learning_rate=0.01, amsgrad=True)),
    ("adamw", dict(learning_rate=0.01, beta_1=0.5, beta_2=0.9, amsgrad=True, weight_decay=0.1)),
]


def case_id(case: tuple[str, dict]) -> str:
    name, hyper = case
    flags = [f"{k}={v}" for k, v in hyper.items() if k != "learning_rate"]
    return "-".join([name, *flags])


def update(module, name: str):
    return getattr(module, f"{name}_update")


def gradients(rng: np.random.Generator, shape, dtype, steps: int) -> list[np.ndarray]:
    # Large gradients first, then small ones: the second moments then fall, so that amsgrad's
    # running max differs from exp_avg_sq.
    return [
        (rng.standard_normal(shape) * (2.0 if k < 3 else 0.1)).astype(dtype) for k in range(steps)
    ]


# ---- C++ against the reference ------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_kernel_matches_reference(case, dtype, shape):
    name, hyper = case
    rng = np.random.default_rng(len(shape) * 1000 + shape[0])
    param = rng.standard_normal(shape).astype(dtype)
    states = [np.zeros(shape, dtype) for _ in STATE_NAMES[name]]
    param_ref, states_ref = param.copy(), [s.copy() for s in states]
    for step, grad in enumerate(gradients(rng, shape, dtype, 10), start=1):
        assert update(kernels, name)(param, grad, *states, **hyper, step=step) is None
        update(reference, name)(param_ref, grad, *states_ref, **hyper, step=step)
        np.testing.assert_allclose(param, param_ref, **TOL[dtype], err_msg=f"param, step {step}")
        for state_name, s, s_ref in zip(STATE_NAMES[name], states, states_ref, strict=True):
            np.testing.assert_allclose(s, s_ref, **TOL[dtype], err_msg=f"{state_name}, step {step}")
    assert param.dtype == dtype and all(s.dtype == dtype for s in states)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_parameters_move(case):
    # Guards the comparison above against two kernels that agree by both doing nothing.
    name, hyper = case
    rng = np.random.default_rng(5)
    param = rng.standard_normal((4, 3))
    start = param.copy()
    states = [np.zeros_like(param) for _ in STATE_NAMES[name]]
    for step, grad in enumerate(gradients(rng, param.shape, np.float64, 3), start=1):
        update(kernels, name)(param, grad, *states, **hyper, step=step)
    assert np.all(param != start)
    assert np.all(np.isfinite(param))


@pytest.mark.parametrize("module", [kernels, reference], ids=["kernels", "reference"])
@pytest.mark.parametrize(
    ("name", "hyper", "unused"),
    [
        ("sgd", dict(learning_rate=0.1), ["momentum_buffer"]),
        ("sgd", dict(learning_rate=0.1, weight_decay=0.1), ["momentum_buffer"]),
        ("rmsprop", dict(learning_rate=0.01), ["momentum_buffer", "grad_avg"]),
        ("rmsprop", dict(learning_rate=0.01, momentum=0.9), ["grad_avg"]),
        ("rmsprop", dict(learning_rate=0.01, centered=True), ["momentum_buffer"]),
        ("adam", dict(learning_rate=0.01), ["max_exp_avg_sq"]),
        ("adamw", dict(learning_rate=0.01), ["max_exp_avg_sq"]),
    ],
)
def test_unused_state_is_neither_read_nor_written(module, name, hyper, unused):
    rng = np.random.default_rng(2)
    param = rng.standard_normal(5)
    states = {
        s: np.full_like(param, np.nan) if s in unused else np.zeros_like(param)
        for s in STATE_NAMES[name]
    }
    for step in (1, 2, 3):
        update(module, name)(param, rng.standard_normal(5), *states.values(), **hyper, step=step)
    assert np.all(np.isfinite(param))
    for s in unused:
        assert np.all(np.isnan(states[s])), s


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_nan_in_grad_spreads_as_in_reference(case, dtype):
    # A NaN gradient poisons its own parameter and state, as in PyTorch (amsgrad's max keeps it,
    # as torch.maximum does), and nothing else.
    name, hyper = case
    rng = np.random.default_rng(3)
    param = rng.standard_normal(6).astype(dtype)
    states = [np.zeros_like(param) for _ in STATE_NAMES[name]]
    param_ref, states_ref = param.copy(), [s.copy() for s in states]
    for step in (1, 2, 3):
        grad = rng.standard_normal(6).astype(dtype)
        if step == 2:
            grad[4] = np.nan
        update(kernels, name)(param, grad, *states, **hyper, step=step)
        update(reference, name)(param_ref, grad, *states_ref, **hyper, step=step)
    np.testing.assert_allclose(param, param_ref, **TOL[dtype])
    for s, s_ref in zip(states, states_ref, strict=True):
        np.testing.assert_allclose(s, s_ref, **TOL[dtype])
    assert np.isnan(param[4]) and np.all(np.isfinite(np.delete(param, 4)))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_centered_rmsprop_with_rho_zero_has_zero_variance_not_nan(dtype):
    # With rho = 0, square_avg = g^2 and grad_avg = g: the variance g^2 - g^2 is exactly 0. A
    # fused multiply-add makes it minus the rounding error of g^2, and sqrt of that NaN.
    rng = np.random.default_rng(4)
    param = rng.standard_normal(1000).astype(dtype)
    grad = rng.standard_normal(1000).astype(dtype)
    square_avg, buf, grad_avg = (np.zeros_like(param) for _ in range(3))
    expected = param - dtype(0.01) * grad / dtype(1e-8)  # avg = sqrt(0) + eps
    kernels.rmsprop_update(
        param, grad, square_avg, buf, grad_avg, learning_rate=0.01, rho=0.0, centered=True, step=1
    )
    np.testing.assert_array_equal(param, expected)


def test_non_contiguous_grad_is_read_through_a_copy():
    rng = np.random.default_rng(6)
    grad = np.asfortranarray(rng.standard_normal((5, 4)))
    params = [np.ones((5, 4)) for _ in range(2)]
    states = [[np.zeros((5, 4)) for _ in range(3)] for _ in range(2)]
    kernels.adam_update(params[0], grad, *states[0], learning_rate=0.1, step=1)
    kernels.adam_update(
        params[1], np.ascontiguousarray(grad), *states[1], learning_rate=0.1, step=1
    )
    np.testing.assert_array_equal(params[0], params[1])
    np.testing.assert_array_equal(states[0][1], states[1][1])


def test_empty_arrays_are_fine():
    param = np.zeros((0, 3), np.float32)
    kernels.sgd_update(param, param.copy(), param.copy(), learning_rate=0.1, momentum=0.9, step=1)


# ---- PyTorch's rules, worked out by hand ---------------------------------------------------
#
# Each test follows torch.optim's pseudo-code and single-tensor implementation, in scalar
# Python floats, over three parameters and two steps; the numbers in the comments are the
# first element's. The same two-step runs go through the C++ kernels and the reference.

P0 = [1.0, -2.0, 0.5]
G1 = [0.5, 1.5, -2.0]
G2 = [-0.25, 2.5, 0.5]  # |g| falls for two elements and rises for one: amsgrad's max matters


def two_steps(module, name, dtype, **hyper):
    """param after step 1 and after step 2, as lists of floats."""
    param = np.array(P0, dtype)
    states = [np.zeros_like(param) for _ in STATE_NAMES[name]]
    update(module, name)(param, np.array(G1, dtype), *states, **hyper, step=1)
    after_1 = param.tolist()
    update(module, name)(param, np.array(G2, dtype), *states, **hyper, step=2)
    return after_1, param.tolist()


def check_by_hand(name, dtype, module, expected_1, expected_2, **hyper):
    got_1, got_2 = two_steps(module, name, dtype, **hyper)
    np.testing.assert_allclose(got_1, expected_1, **HAND_TOL[dtype], err_msg="step 1")
    np.testing.assert_allclose(got_2, expected_2, **HAND_TOL[dtype], err_msg="step 2")


by_hand = pytest.mark.parametrize(
    ("module", "dtype"),
    [(m, d) for m in (kernels, reference) for d in DTYPES],
    ids=[f"{m}-{d}" for m in ("kernels", "reference") for d in ("float32", "float64")],
)


@by_hand
def test_sgd_by_hand(module, dtype):
    lr = 0.1
    # No momentum: p -= lr g.  1 - 0.1 * 0.5 = 0.95, then 0.95 + 0.025 = 0.975.
    e1 = [p - lr * g1 for p, g1 in zip(P0, G1, strict=True)]
    e2 = [p - lr * g2 for p, g2 in zip(e1, G2, strict=True)]
    assert e1[0] == 0.95 and e2[0] == 0.975
    check_by_hand("sgd", dtype, module, e1, e2, learning_rate=lr)

    # Momentum 0.9: buf = g on step 1 (not 0.1 g), then buf = 0.9 buf + g.
    # 1 - 0.1 * 0.5 = 0.95; buf = 0.45 - 0.25 = 0.2; 0.95 - 0.02 = 0.93.
    mu = 0.9
    e1, e2 = [], []
    for p, g1, g2 in zip(P0, G1, G2, strict=True):
        buf = g1
        p = p - lr * buf
        e1.append(p)
        buf = mu * buf + g2
        e2.append(p - lr * buf)
    assert math.isclose(e1[0], 0.95) and math.isclose(e2[0], 0.93)
    check_by_hand("sgd", dtype, module, e1, e2, learning_rate=lr, momentum=mu)

    # Nesterov with weight decay: d = g + wd p; buf as above; p -= lr (d + mu buf).
    wd = 0.1
    e1, e2 = [], []
    for p, g1, g2 in zip(P0, G1, G2, strict=True):
        d = g1 + wd * p
        buf = d
        p = p - lr * (d + mu * buf)
        e1.append(p)
        d = g2 + wd * p
        buf = mu * buf + d
        e2.append(p - lr * (d + mu * buf))
    check_by_hand(
        "sgd", dtype, module, e1, e2, learning_rate=lr, momentum=mu, nesterov=True, weight_decay=wd
    )


@by_hand
def test_adagrad_by_hand(module, dtype):
    # sum += g^2; p -= lr g / (sqrt(sum) + eps), eps outside the root.
    # 1 - 0.1 * 0.5 / (0.5 + 1e-10); sum = 0.3125; then + 0.1 * 0.25 / (sqrt(0.3125) + 1e-10).
    lr, eps = 0.1, 1e-10
    for wd in (0.0, 0.2):
        e1, e2 = [], []
        for p, g1, g2 in zip(P0, G1, G2, strict=True):
            g = g1 + wd * p
            s = g * g
            p = p - lr * g / (math.sqrt(s) + eps)
            e1.append(p)
            g = g2 + wd * p
            s = s + g * g
            e2.append(p - lr * g / (math.sqrt(s) + eps))
        if wd == 0.0:
            assert math.isclose(e1[0], 0.9) and math.isclose(e2[0], 0.9 + 0.025 / math.sqrt(0.3125))
        check_by_hand("adagrad", dtype, module, e1, e2, learning_rate=lr, weight_decay=wd)


@by_hand
def test_adadelta_by_hand(module, dtype):
    # eps inside both roots: delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) g.
    # Step 1: square_avg = 0.1 * 0.25 = 0.025, delta = sqrt(1e-6) / sqrt(0.025 + 1e-6) * 0.5
    # ~ 0.00316; acc_delta = 0.1 delta^2.
    lr, rho, eps = 1.0, 0.9, 1e-6
    for wd in (0.0, 0.2):
        e1, e2 = [], []
        for p, g1, g2 in zip(P0, G1, G2, strict=True):
            sq, acc = 0.0, 0.0
            for k, g in enumerate((g1, g2)):
                g = g + wd * p
                sq = rho * sq + (1 - rho) * g * g
                delta = math.sqrt(acc + eps) / math.sqrt(sq + eps) * g
                acc = rho * acc + (1 - rho) * delta * delta
                p = p - lr * delta
                (e1 if k == 0 else e2).append(p)
        if wd == 0.0:
            assert math.isclose(e1[0], 1 - math.sqrt(1e-6 / 0.025001) * 0.5)
        check_by_hand("adadelta", dtype, module, e1, e2, learning_rate=lr, weight_decay=wd)


@by_hand
def test_rmsprop_by_hand(module, dtype):
    # PyTorch's alpha is rho here. eps outside the root; plain step 1:
    # square_avg = 0.01 * 0.25, p = 1 - 0.01 * 0.5 / (0.05 + 1e-8) ~ 0.9.
    lr, rho, eps = 0.01, 0.99, 1e-8
    e1 = [p - lr * g / (math.sqrt((1 - rho) * g * g) + eps) for p, g in zip(P0, G1, strict=True)]
    e2 = []
    for p, g1, g2 in zip(e1, G1, G2, strict=True):
        sq = rho * (1 - rho) * g1 * g1 + (1 - rho) * g2 * g2
        e2.append(p - lr * g2 / (math.sqrt(sq) + eps))
    assert math.isclose(e1[0], 1 - 0.01 * 0.5 / (0.05 + 1e-8))
    check_by_hand("rmsprop", dtype, module, e1, e2, learning_rate=lr)

    # Centered, with momentum (its buffer starts at 0) and weight decay.
    mu, wd = 0.9, 0.1
    e1, e2 = [], []
    for p, g1, g2 in zip(P0, G1, G2, strict=True):
        sq, gavg, buf = 0.0, 0.0, 0.0
        for k, g in enumerate((g1, g2)):
            g = g + wd * p
            sq = rho * sq + (1 - rho) * g * g
            gavg = rho * gavg + (1 - rho) * g
            avg = math.sqrt(sq - gavg * gavg) + eps
            buf = mu * buf + g / avg
            p = p - lr * buf
            (e1 if k == 0 else e2).append(p)
    check_by_hand(
        "rmsprop",
        dtype,
        module,
        e1,
        e2,
        learning_rate=lr,
        centered=True,
        momentum=mu,
        weight_decay=wd,
    )


def adam_by_hand(lr, b1, b2, eps, amsgrad, wd, decoupled):
    """PyTorch's Adam/AdamW, non-capturable: step_size = lr / (1 - b1^t),
    denom = sqrt(v) / sqrt(1 - b2^t) + eps, p -= step_size m / denom."""
    e1, e2 = [], []
    for p, g1, g2 in zip(P0, G1, G2, strict=True):
        m = v = vmax = 0.0
        for t, g in ((1, g1), (2, g2)):
            if decoupled:
                p = p * (1 - lr * wd)
            else:
                g = g + wd * p
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            vmax = max(vmax, v)
            denom = math.sqrt(vmax if amsgrad else v) / math.sqrt(1 - b2**t) + eps
            p = p - lr / (1 - b1**t) * m / denom
            (e1 if t == 1 else e2).append(p)
    return e1, e2


@by_hand
def test_adam_by_hand(module, dtype):
    # Step 1: m = 0.1 g, v = 0.001 g^2, the corrections undo both factors:
    # p = 1 - 0.01 * 0.5 / (0.5 + 1e-8) ~ 0.99, whatever the gradient's scale.
    e1, e2 = adam_by_hand(0.01, 0.9, 0.999, 1e-8, False, 0.0, False)
    assert math.isclose(e1[0], 1 - 0.01 * 0.5 / (0.5 + 1e-8))
    check_by_hand("adam", dtype, module, e1, e2, learning_rate=0.01)
    # amsgrad with beta_2 = 0.5 so that v falls on step 2 for two of the three elements
    # (v2 = 0.25 g1^2 + 0.5 g2^2 < 0.5 g1^2): their denominators use step 1's v.
    e1, e2 = adam_by_hand(0.01, 0.9, 0.5, 1e-8, True, 0.1, False)
    assert e2 != adam_by_hand(0.01, 0.9, 0.5, 1e-8, False, 0.1, False)[1]
    check_by_hand(
        "adam",
        dtype,
        module,
        e1,
        e2,
        learning_rate=0.01,
        beta_2=0.5,
        amsgrad=True,
        weight_decay=0.1,
    )


@by_hand
def test_adamw_by_hand(module, dtype):
    # p *= 1 - lr wd before Adam's step, which then sees the raw gradient.
    # Step 1: 1 * (1 - 0.01 * 0.01) - 0.01 * 0.5 / (0.5 + 1e-8) ~ 0.9899.
    e1, e2 = adam_by_hand(0.01, 0.9, 0.999, 1e-8, False, 0.01, True)
    assert math.isclose(e1[0], (1 - 0.01 * 0.01) - 0.01 * 0.5 / (0.5 + 1e-8))
    check_by_hand("adamw", dtype, module, e1, e2, learning_rate=0.01)  # weight_decay 0.01
    e1, e2 = adam_by_hand(0.05, 0.8, 0.5, 1e-8, True, 0.5, True)
    check_by_hand(
        "adamw",
        dtype,
        module,
        e1,
        e2,
        learning_rate=0.05,
        beta_1=0.8,
        beta_2=0.5,
        amsgrad=True,
        weight_decay=0.5,
    )


def test_adam_bias_correction_for_large_steps():
    # 0.9^step underflows to 0: the corrections are then exactly 1, as in PyTorch.
    param = np.ones(2)
    m, v, vmax = np.full(2, 0.5), np.full(2, 0.25), np.zeros(2)
    grad = np.full(2, 0.5)
    kernels.adam_update(param, grad, m, v, vmax, learning_rate=0.01, step=10**12)
    np.testing.assert_allclose(param, 1 - 0.01 * 0.5 / (0.5 + 1e-8), rtol=1e-15)


# ---- bad input -----------------------------------------------------------------------------


def arrays(name: str, shape=(4, 3), dtype=np.float64) -> list[np.ndarray]:
    """param, grad and the state arrays of `name`, all zeros."""
    return [np.zeros(shape, dtype) for _ in range(2 + len(STATE_NAMES[name]))]


ALL_NAMES = list(STATE_NAMES)


def call(name, args, **hyper):
    hyper.setdefault("learning_rate", 0.01)
    hyper.setdefault("step", 1)
    return update(kernels, name)(*args, **hyper)


def arg_names(name: str) -> list[str]:
    return ["param", "grad", *STATE_NAMES[name]]


@pytest.mark.parametrize("name", ALL_NAMES)
def test_dtype_mismatch_names_the_argument(name):
    # param sets the dtype; every other array must follow it.
    for i, arg in enumerate(arg_names(name)[1:], start=1):
        args = arrays(name)
        args[i] = args[i].astype(np.float32)
        with pytest.raises(TypeError, match=rf"{name}_update\(\): {arg} must have dtype float64 "):
            call(name, args)
    args = [a.astype(np.float32) for a in arrays(name)]
    args[0] = args[0].astype(np.float64)
    with pytest.raises(TypeError, match=r"grad must have dtype float64 like param, got float32"):
        call(name, args)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_non_float_or_non_array_param_is_a_type_error(name):
    args = arrays(name)
    args[0] = args[0].astype(np.int64)
    with pytest.raises(TypeError, match=r"param must have dtype float32 or float64, got int64"):
        call(name, args)
    args = arrays(name)
    args[-1] = args[-1].tolist()
    last = arg_names(name)[-1]
    with pytest.raises(TypeError, match=rf"{last} must be a numpy.ndarray"):
        call(name, args)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_shape_mismatch_names_the_argument(name):
    for i, arg in enumerate(arg_names(name)[1:], start=1):
        args = arrays(name)
        args[i] = np.zeros((3, 4))
        with pytest.raises(ValueError, match=rf"{arg} must have shape param.shape = \(4, 3\)"):
            call(name, args)
    args = arrays(name)
    args[1] = np.zeros(12)  # same size, other shape
    with pytest.raises(
        ValueError, match=r"grad must have shape param.shape = \(4, 3\), got \(12,\)"
    ):
        call(name, args)


@pytest.mark.parametrize("name", ALL_NAMES)
@pytest.mark.parametrize("shape", [(), (2, 2, 2)], ids=["0-D", "3-D"])
def test_param_must_be_1d_or_2d(name, shape):
    with pytest.raises(ValueError, match=r"param must be a 1-D or 2-D array"):
        call(name, arrays(name, shape))


@pytest.mark.parametrize("name", ALL_NAMES)
def test_in_place_arrays_must_be_c_contiguous(name):
    for i, arg in enumerate(arg_names(name)):
        if arg == "grad":
            continue  # read only: a copy is fine
        args = arrays(name)
        args[i] = np.zeros((4, 6))[:, ::2]
        with pytest.raises(ValueError, match=rf"{arg} is updated in place, so it must be C-contig"):
            call(name, args)
        args = arrays(name)
        args[i] = np.asfortranarray(args[i])
        with pytest.raises(ValueError, match=rf"{arg} is updated in place, so it must be C-contig"):
            call(name, args)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_in_place_arrays_must_be_writable(name):
    for i, arg in enumerate(arg_names(name)):
        args = arrays(name)
        args[i].flags.writeable = False
        if arg == "grad":
            call(name, args)  # read only: fine
            continue
        with pytest.raises(ValueError, match=rf"{arg} is updated in place, so it must be writable"):
            call(name, args)


def test_in_place_arrays_must_have_native_byte_order():
    args = arrays("sgd")
    args[0] = args[0].astype(args[0].dtype.newbyteorder())
    with pytest.raises(ValueError, match=r"param is updated in place, so it must have native byte"):
        call("sgd", args)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_arrays_must_not_share_memory(name):
    names = arg_names(name)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            args = arrays(name)
            args[j] = args[i]
            with pytest.raises(ValueError, match=rf"{names[i]} and {names[j]} share memory"):
                call(name, args)
    # Overlapping, not identical.
    args = arrays(name, (4,))
    buffer = np.zeros(6)
    args[0], args[-1] = buffer[:4], buffer[2:]
    with pytest.raises(ValueError, match=rf"param and {names[-1]} share memory"):
        call(name, args)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_step_must_be_an_int_from_1(name):
    for step in (0, -1, 2**63):
        with pytest.raises(ValueError, match=rf"{name}_update\(\): step must be an int in \[1,"):
            call(name, arrays(name), step=step)
    for step in (1.0, 1.5, True, "1", None):
        with pytest.raises(TypeError, match=r"step must be an int >= 1"):
            call(name, arrays(name), step=step)
    call(name, arrays(name), step=np.int64(3))


HYPER_BOUNDS = {
    # name: [(keyword, a bad value, the range the message states)]
    "sgd": [
        ("learning_rate", -0.1, ">= 0"),
        ("momentum", -0.5, "in \\[0, 1\\]"),
        ("weight_decay", -1, ">= 0"),
    ],
    "adagrad": [
        ("learning_rate", -1e-3, ">= 0"),
        ("eps", 0.0, "> 0"),
        ("weight_decay", -1, ">= 0"),
    ],
    "adadelta": [
        ("learning_rate", -1.0, ">= 0"),
        ("rho", 1.0, "in \\[0, 1\\)"),
        ("eps", -1e-6, "> 0"),
    ],
    "rmsprop": [
        ("learning_rate", -0.01, ">= 0"),
        ("rho", -0.1, "in \\[0, 1\\)"),
        ("eps", 0.0, "> 0"),
        ("momentum", -0.9, "in \\[0, 1\\]"),
        ("weight_decay", -0.1, ">= 0"),
    ],
    "adam": [
        ("learning_rate", -0.01, ">= 0"),
        ("beta_1", 1.0, "in \\[0, 1\\)"),
        ("beta_2", -0.5, "in \\[0, 1\\)"),
        ("eps", 0.0, "> 0"),
        ("weight_decay", -0.1, ">= 0"),
    ],
    "adamw": [
        ("learning_rate", -0.01, ">= 0"),
        ("beta_1", 1.5, "in \\[0, 1\\)"),
        ("beta_2", 1.0, "in \\[0, 1\\)"),
        ("eps", -1.0, "> 0"),
        ("weight_decay", -0.01, ">= 0"),
    ],
}


@pytest.mark.parametrize(
    ("name", "keyword", "value", "rule"),
    [(n, *bound) for n, bounds in HYPER_BOUNDS.items() for bound in bounds],
)
def test_hyper_parameter_out_of_range_names_it(name, keyword, value, rule):
    args = arrays(name)
    before = [a.copy() for a in args]
    with pytest.raises(
        ValueError, match=rf"{name}_update\(\): {keyword} must be a finite number {rule}, got"
    ):
        call(name, args, **{keyword: value})
    for a, b in zip(args, before, strict=True):
        np.testing.assert_array_equal(a, b)  # nothing was written


@pytest.mark.parametrize("name", ALL_NAMES)
@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_learning_rate_must_be_finite(name, value):
    with pytest.raises(ValueError, match=r"learning_rate must be a finite number >= 0"):
        call(name, arrays(name), learning_rate=value)


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError, match=r"sgd_update\(\): nesterov=True needs momentum > 0"):
        call("sgd", arrays("sgd"), nesterov=True)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_hyper_parameters_are_keyword_only(name):
    with pytest.raises(TypeError):
        update(kernels, name)(*arrays(name), 0.01, step=1)
    with pytest.raises(TypeError):
        update(kernels, name)(*arrays(name), step=1)  # learning_rate is required
    with pytest.raises(TypeError):
        update(kernels, name)(*arrays(name), learning_rate=0.01)  # and so is step


PYTORCH_DEFAULTS = {
    "sgd": dict(momentum=0.0, nesterov=False, weight_decay=0.0),
    "adagrad": dict(eps=1e-10, weight_decay=0.0),
    "adadelta": dict(rho=0.9, eps=1e-6, weight_decay=0.0),
    "rmsprop": dict(rho=0.99, eps=1e-8, momentum=0.0, centered=False, weight_decay=0.0),
    "adam": dict(beta_1=0.9, beta_2=0.999, eps=1e-8, amsgrad=False, weight_decay=0.0),
    "adamw": dict(beta_1=0.9, beta_2=0.999, eps=1e-8, amsgrad=False, weight_decay=0.01),
}


@pytest.mark.parametrize("name", ALL_NAMES)
def test_defaults_are_pytorchs(name):
    # torch.optim's defaults (lr aside): adagrad's eps 1e-10, adadelta's 1e-6, rmsprop's alpha
    # 0.99, adamw's weight decay 1e-2. The reference states them; the kernel's, given the
    # bit-for-bit agreement above, show in its results.
    parameters = inspect.signature(update(reference, name)).parameters.values()
    defaults = {p.name: p.default for p in parameters if p.default is not p.empty}
    assert defaults == PYTORCH_DEFAULTS[name]
    runs = []
    for hyper in ({}, PYTORCH_DEFAULTS[name]):
        param = np.linspace(-1, 1, 8)
        states = [np.zeros_like(param) for _ in STATE_NAMES[name]]
        for step in (1, 2):
            grad = np.random.default_rng(step).standard_normal(8)
            update(kernels, name)(param, grad, *states, learning_rate=0.1, **hyper, step=step)
        runs.append(param)
    np.testing.assert_array_equal(runs[0], runs[1])
