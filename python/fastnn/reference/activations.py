"""The twin of ``cpp/fastnn/activations.hpp``: ``<name>_forward`` / ``<name>_backward``.

One pair per row of the core's table (:data:`fastnn.tables.ACTIVATIONS`); the defaults of
``alpha`` are held equal to the table's by ``tests/test_tables.py``.
"""

from __future__ import annotations

import math

import numpy as np


def _sigmoid(Z: np.ndarray) -> np.ndarray:
    # exp of a non-positive number only: no overflow for any finite Z.
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + E), E / (1 + E)).astype(Z.dtype, copy=False)


def step_forward(Z: np.ndarray) -> np.ndarray:
    """Heaviside step: 1 where Z > 0, 0 where Z <= 0, NaN where Z is NaN."""
    return np.where(Z > 0, 1, np.where(Z <= 0, 0, Z)).astype(Z.dtype, copy=False)


def step_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """The step's derivative is 0 (NaN/inf in dA still show through 0 * dA)."""
    return dA * 0


def linear_forward(Z: np.ndarray) -> np.ndarray:
    """Identity: A = Z."""
    return Z.copy()


def linear_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA."""
    return dA.copy()


def sigmoid_forward(Z: np.ndarray) -> np.ndarray:
    """A = 1 / (1 + exp(-Z))."""
    return _sigmoid(Z)


def sigmoid_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA A (1 - A)."""
    return dA * A * (1 - A)


def tanh_forward(Z: np.ndarray) -> np.ndarray:
    """A = tanh(Z)."""
    return np.tanh(Z)


def tanh_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA (1 - A^2)."""
    return dA * (1 - A * A)


def relu_forward(Z: np.ndarray) -> np.ndarray:
    """A = max(Z, 0) (NaN stays NaN)."""
    return np.where(Z < 0, 0, Z).astype(Z.dtype, copy=False)


def relu_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA where Z > 0, else 0."""
    return np.where(Z > 0, dA, 0).astype(Z.dtype, copy=False)


def leaky_relu_forward(Z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """A = Z where Z >= 0, alpha Z below."""
    return np.where(Z < 0, Z.dtype.type(alpha) * Z, Z)


def leaky_relu_backward(
    Z: np.ndarray, A: np.ndarray, dA: np.ndarray, alpha: float = 0.01
) -> np.ndarray:
    """dZ = dA where Z > 0, alpha dA elsewhere."""
    return np.where(Z > 0, dA, Z.dtype.type(alpha) * dA)


def elu_forward(Z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """A = Z where Z >= 0, alpha (exp(Z) - 1) below."""
    return np.where(Z < 0, Z.dtype.type(alpha) * np.expm1(np.minimum(Z, 0)), Z)


def elu_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """dZ = dA where Z > 0, dA alpha exp(Z) elsewhere."""
    return np.where(Z > 0, dA, dA * Z.dtype.type(alpha) * np.exp(np.minimum(Z, 0)))


def softplus_forward(Z: np.ndarray) -> np.ndarray:
    """A = log(1 + exp(Z)) = max(Z, 0) + log1p(exp(-|Z|))."""
    return np.where(Z > 0, Z, 0).astype(Z.dtype, copy=False) + np.log1p(np.exp(-np.abs(Z)))


def softplus_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA sigmoid(Z)."""
    return dA * _sigmoid(Z)


def softmax_forward(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by each row's max so that exp never overflows."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True)) if Z.size else Z.copy()
    return E / E.sum(axis=1, keepdims=True)


def softmax_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = A (dA - <dA, A>) per row: the Jacobian diag(A) - A A^T applied to dA."""
    return A * (dA - (dA * A).sum(axis=1, keepdims=True))


# ---- smooth modern activations ---------------------------------------------------------------
# Computed in float64 and rounded to Z's dtype once: the twin is the exact value the C++
# kernel (which computes in Z's dtype) approximates.

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_CUBIC = 0.044715


def _erf(x: np.ndarray) -> np.ndarray:
    return np.array([math.erf(v) for v in x.ravel()], dtype=np.float64).reshape(x.shape)


def _sigmoid64(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _softplus64(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def gelu_forward(Z: np.ndarray) -> np.ndarray:
    """Z Phi(Z) = Z / 2 (1 + erf(Z / sqrt(2)))."""
    z = Z.astype(np.float64)
    return (0.5 * z * (1 + _erf(z / math.sqrt(2)))).astype(Z.dtype)


def gelu_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA (Phi(Z) + Z phi(Z))."""
    z = Z.astype(np.float64)
    cdf = 0.5 * (1 + _erf(z / math.sqrt(2)))
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return (dA * (cdf + z * pdf)).astype(Z.dtype)


def gelu_tanh_forward(Z: np.ndarray) -> np.ndarray:
    """Z / 2 (1 + tanh(sqrt(2 / pi) (Z + 0.044715 Z^3)))."""
    z = Z.astype(np.float64)
    return (0.5 * z * (1 + np.tanh(_SQRT_2_OVER_PI * (z + _GELU_CUBIC * z**3)))).astype(Z.dtype)


def gelu_tanh_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA (1/2 (1 + t) + Z/2 (1 - t^2) sqrt(2/pi) (1 + 3 0.044715 Z^2)), t the tanh."""
    z = Z.astype(np.float64)
    t = np.tanh(_SQRT_2_OVER_PI * (z + _GELU_CUBIC * z**3))
    du = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * z * z)
    return (dA * (0.5 * (1 + t) + 0.5 * z * (1 - t * t) * du)).astype(Z.dtype)


def swish_forward(Z: np.ndarray) -> np.ndarray:
    """Z sigmoid(Z) (Keras also calls it silu)."""
    z = Z.astype(np.float64)
    return (z * _sigmoid64(z)).astype(Z.dtype)


def swish_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA s (1 + Z (1 - s)), s = sigmoid(Z)."""
    z = Z.astype(np.float64)
    s = _sigmoid64(z)
    return (dA * s * (1 + z * (1 - s))).astype(Z.dtype)


def selu_forward(Z: np.ndarray) -> np.ndarray:
    """scale Z where Z >= 0, scale alpha (exp(Z) - 1) below (the fixed SELU constants)."""
    z = Z.astype(np.float64)
    return np.where(
        z < 0, _SELU_SCALE * _SELU_ALPHA * np.expm1(np.minimum(z, 0)), _SELU_SCALE * z
    ).astype(Z.dtype)


def selu_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA scale where Z > 0, dA scale alpha exp(Z) elsewhere."""
    z = Z.astype(np.float64)
    slope = np.where(z > 0, _SELU_SCALE, _SELU_SCALE * _SELU_ALPHA * np.exp(np.minimum(z, 0)))
    return (dA * slope).astype(Z.dtype)


def hard_sigmoid_forward(Z: np.ndarray) -> np.ndarray:
    """clip(Z / 6 + 1/2, 0, 1) = relu6(Z + 3) / 6, as Keras 3; NaN stays NaN."""
    z = Z.astype(np.float64)
    out = np.where(z <= -3, 0.0, np.where(z >= 3, 1.0, z / 6 + 0.5))
    return np.where(np.isnan(z), z, out).astype(Z.dtype)


def hard_sigmoid_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA / 6 where -3 < Z < 3, else 0 (0 at the kinks)."""
    inside = (Z > -3) & (Z < 3)
    return np.where(inside, dA / Z.dtype.type(6), dA * Z.dtype.type(0)).astype(Z.dtype)


def mish_forward(Z: np.ndarray) -> np.ndarray:
    """Z tanh(softplus(Z))."""
    z = Z.astype(np.float64)
    return (z * np.tanh(_softplus64(z))).astype(Z.dtype)


def mish_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA (t + Z (1 - t^2) sigmoid(Z)), t = tanh(softplus(Z))."""
    z = Z.astype(np.float64)
    t = np.tanh(_softplus64(z))
    return (dA * (t + z * (1 - t * t) * _sigmoid64(z))).astype(Z.dtype)
