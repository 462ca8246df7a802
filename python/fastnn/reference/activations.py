"""The twin of ``cpp/fastnn/activations.hpp``: ``<name>_forward`` / ``<name>_backward``.

One pair per row of the core's table (:data:`fastnn.tables.ACTIVATIONS`); the defaults of
``alpha`` are held equal to the table's by ``tests/test_tables.py``.
"""

from __future__ import annotations

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
