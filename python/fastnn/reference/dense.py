"""The twin of ``cpp/fastnn/dense.hpp``: a dense layer's forward and backward pass."""

from __future__ import annotations

import numpy as np


def dense_forward(X: np.ndarray, W: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Z = X W + b, with X (batch, in), W (in, out), b (out,) or None."""
    Z = X @ W
    return Z if b is None else Z + b


def dense_backward(
    X: np.ndarray, W: np.ndarray, dZ: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dX, dW, db) = (dZ W^T, X^T dZ, column sums of dZ)."""
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)
