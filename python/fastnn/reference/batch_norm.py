"""The twin of ``cpp/fastnn/batch_norm.hpp``: Keras' BatchNormalization on (batch, features)."""

from __future__ import annotations

import numpy as np

from fastnn import tables

_MOMENTUM = tables.BATCH_NORM["momentum"].default
_EPSILON = tables.BATCH_NORM["epsilon"].default


def batch_norm_forward(
    A: np.ndarray,
    gamma: np.ndarray | None,
    beta: np.ndarray | None,
    moving_mean: np.ndarray,
    moving_variance: np.ndarray,
    *,
    momentum: float = _MOMENTUM,
    epsilon: float = _EPSILON,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training: (out, H, inv_std); the moving statistics updated in place.

    mean and the biased variance of each column in float64, H = (A - mean) * inv_std rounded
    to A's dtype once, out = gamma * H + beta in A's dtype."""
    momentum = tables.BATCH_NORM["momentum"].check(momentum, "batch_norm_forward()")
    epsilon = tables.BATCH_NORM["epsilon"].check(epsilon, "batch_norm_forward()")
    if A.shape[0] < 1:
        raise ValueError(
            "batch_norm_forward(): A must have at least one row: a batch's statistics need one"
        )
    A64 = A.astype(np.float64)
    mean = A64.mean(axis=0)
    var = ((A64 - mean) ** 2).mean(axis=0)
    moving_mean[...] = moving_mean.astype(np.float64) * momentum + mean * (1.0 - momentum)
    moving_variance[...] = moving_variance.astype(np.float64) * momentum + var * (1.0 - momentum)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    H = ((A64 - mean) * inv_std).astype(A.dtype)
    return _affine(H, gamma, beta), H, inv_std


def batch_norm_inference(
    A: np.ndarray,
    gamma: np.ndarray | None,
    beta: np.ndarray | None,
    moving_mean: np.ndarray,
    moving_variance: np.ndarray,
    *,
    epsilon: float = _EPSILON,
) -> np.ndarray:
    """Predict and evaluate: the moving statistics in place of the batch's."""
    epsilon = tables.BATCH_NORM["epsilon"].check(epsilon, "batch_norm_inference()")
    inv = 1.0 / np.sqrt(moving_variance.astype(np.float64) + epsilon)
    H = ((A.astype(np.float64) - moving_mean.astype(np.float64)) * inv).astype(A.dtype)
    return _affine(H, gamma, beta)


def batch_norm_backward(
    dout: np.ndarray, H: np.ndarray, inv_std: np.ndarray, gamma: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dA, dgamma, dbeta) from the gradient of the training forward's output: the chain rule
    through the batch's mean and variance,
    dA = gamma * inv_std / n * (n * dout - sum(dout) - H * sum(dout * H))."""
    n = dout.shape[0]
    d64, H64 = dout.astype(np.float64), H.astype(np.float64)
    sum_g = d64.sum(axis=0)
    sum_gh = (d64 * H64).sum(axis=0)
    g = 1.0 if gamma is None else gamma.astype(np.float64)
    dA = (g * inv_std / n * (n * d64 - sum_g - H64 * sum_gh)).astype(dout.dtype)
    return dA, sum_gh.astype(dout.dtype), sum_g.astype(dout.dtype)


def _affine(H: np.ndarray, gamma: np.ndarray | None, beta: np.ndarray | None) -> np.ndarray:
    out = H * gamma if gamma is not None else H.copy()
    return out + beta if beta is not None else out
