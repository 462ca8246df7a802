"""The first link of the chain of trust: fastnn.reference's backward kernels are the true
derivatives of its forward kernels, by central finite differences in float64.

Each backward is a vector-Jacobian product, so it is checked on the scalar L = sum(G * f(x))
for a random G: dL/dx must equal backward(..., G). Central differences with h = 1e-6 have a
truncation error of O(h^2) ~ 1e-12 and a rounding error of O(eps / h) ~ 1e-10, so a relative
error below 1e-6 is a wide margin for a correct derivative and far below any wrong one.
Where the derivative itself is tiny (tanh at |z| = 5 has slope 2e-4) the rounding error of
the difference quotient, eps * |L| / h ~ 1e-10 * |L|, dominates: an absolute 1e-9 allows it.
"""

from __future__ import annotations

import numpy as np
import pytest

from fastnn import reference as ref
from fastnn import tables

H = 1e-6
MAX_REL_ERROR = 1e-6
ABS_NOISE = 1e-9


def numerical_gradient(f, x: np.ndarray) -> np.ndarray:
    """d f / d x by central differences, one element at a time."""
    grad = np.zeros_like(x)
    flat, g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + H
        up = f()
        flat[i] = saved - H
        down = f()
        flat[i] = saved
        g[i] = (up - down) / (2 * H)
    return grad


def assert_gradients_equal(analytic: np.ndarray, numeric: np.ndarray) -> None:
    error = np.abs(analytic - numeric)
    allowed = MAX_REL_ERROR * (np.abs(analytic) + np.abs(numeric)) + ABS_NOISE
    worst = np.argmax(error - allowed)
    assert np.all(error <= allowed), (
        f"gradient mismatch: analytic {analytic.flat[worst]!r}, numeric {numeric.flat[worst]!r}"
    )


@pytest.fixture
def shapes():
    return [(1, 1), (3, 4), (5, 2)]


def test_dense_backward_is_the_gradient_of_dense_forward(rng, shapes):
    for batch, n_in in shapes:
        n_out = n_in + 1
        X = rng.standard_normal((batch, n_in))
        W = rng.standard_normal((n_in, n_out))
        b = rng.standard_normal(n_out)
        G = rng.standard_normal((batch, n_out))

        def loss():
            return float((G * ref.dense_forward(X, W, b)).sum())

        dX, dW, db = ref.dense_backward(X, W, G)
        assert_gradients_equal(dX, numerical_gradient(loss, X))
        assert_gradients_equal(dW, numerical_gradient(loss, W))
        assert_gradients_equal(db, numerical_gradient(loss, b))


# Every activation of the core's table, and the ones with a parameter at another setting too.
ACTIVATIONS = [(name, {}) for name in tables.ACTIVATIONS] + [
    ("leaky_relu", {"alpha": 0.3}),
    ("elu", {"alpha": 0.5}),
]


@pytest.mark.parametrize(("name", "kwargs"), ACTIVATIONS, ids=[f"{n}{k}" for n, k in ACTIVATIONS])
def test_activation_backward_is_the_vjp_of_forward(rng, shapes, name, kwargs):
    forward = getattr(ref, f"{name}_forward")
    backward = getattr(ref, f"{name}_backward")
    for shape in shapes:
        # Off the kinks at 0 (relu, step, ...), where only a convention defines the derivative.
        # (and hard_sigmoid's at -3 and 3).
        Z = rng.standard_normal(shape) * 2
        for kink in (0.0, -3.0, 3.0):
            Z = np.where(np.abs(Z - kink) < 0.05, kink + 0.05, Z)
        G = rng.standard_normal(shape)

        def loss():
            return float((G * forward(Z, **kwargs)).sum())

        analytic = backward(Z, forward(Z, **kwargs), G, **kwargs)
        assert_gradients_equal(analytic, numerical_gradient(loss, Z))


def _loss_inputs(rng, name, shape):
    if name in ("mse", "huber", "mae"):
        return rng.standard_normal(shape) * 2, rng.standard_normal(shape)
    if name == "hinge":
        return rng.standard_normal(shape) * 2, rng.choice([-1.0, 1.0], shape)
    if name == "kl_divergence":
        T = rng.uniform(0, 1, shape)
        return rng.uniform(0.05, 0.95, shape), T / T.sum(axis=1, keepdims=True)
    if name == "binary_crossentropy":
        return rng.uniform(0.05, 0.95, shape), rng.integers(0, 2, shape).astype(float)
    if name == "sigmoid_binary_crossentropy":
        return rng.standard_normal(shape) * 3, rng.uniform(0, 1, shape)  # soft targets too
    T = rng.uniform(0, 1, shape)
    return rng.standard_normal(shape) * 3, T / T.sum(axis=1, keepdims=True)


LOSSES = list(tables.LOSS_KERNELS)  # every loss kernel of the core's table


@pytest.mark.parametrize("name", LOSSES)
def test_loss_backward_is_the_gradient_of_forward(rng, shapes, name):
    forward = getattr(ref, f"{name}_forward")
    backward = getattr(ref, f"{name}_backward")
    for shape in shapes:
        Y, T = _loss_inputs(rng, name, shape)
        assert_gradients_equal(backward(Y, T), numerical_gradient(lambda: forward(Y, T), Y))


def test_softmax_crossentropy_with_unnormalised_targets(rng):
    # The gradient (softmax * sum(T) - T) / batch holds for any T, not only distributions.
    Y = rng.standard_normal((4, 3))
    T = rng.uniform(0, 2, (4, 3))
    grad = ref.softmax_crossentropy_backward(Y, T)
    num = numerical_gradient(lambda: ref.softmax_crossentropy_forward(Y, T), Y)
    assert_gradients_equal(grad, num)


def test_fused_losses_equal_their_unfused_compositions(rng):
    # sigmoid_bce(logits) == bce(sigmoid(logits)) and softmax_ce(logits) == -mean log softmax,
    # away from the clipping range.
    Y = rng.standard_normal((6, 3))
    T = rng.integers(0, 2, (6, 3)).astype(float)
    np.testing.assert_allclose(
        ref.sigmoid_binary_crossentropy_forward(Y, T),
        ref.binary_crossentropy_forward(ref.sigmoid_forward(Y), T),
        rtol=1e-12,
    )
    labels = rng.integers(0, 3, 6)
    one_hot = np.eye(3)[labels]
    expected = -np.mean(np.log(ref.softmax_forward(Y)[np.arange(6), labels]))
    np.testing.assert_allclose(ref.softmax_crossentropy_forward(Y, one_hot), expected, rtol=1e-12)


def test_the_gradcheck_catches_a_wrong_derivative(rng):
    # The check itself must be able to fail: a sigmoid backward missing its (1 - A) factor.
    Z = rng.standard_normal((3, 4))
    G = rng.standard_normal((3, 4))
    wrong = G * ref.sigmoid_forward(Z)
    num = numerical_gradient(lambda: float((G * ref.sigmoid_forward(Z)).sum()), Z)
    with pytest.raises(AssertionError):
        assert_gradients_equal(wrong, num)
