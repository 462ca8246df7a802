"""The twin of ``cpp/fastnn/losses.hpp``: ``<name>_forward`` (the mean loss) and
``<name>_backward`` (its gradient) for every loss kernel.
"""

from __future__ import annotations

import numpy as np

from fastnn.reference.activations import _sigmoid, softmax_forward

#: binary_crossentropy clips its probabilities to [BCE_CLIP_EPS, 1 - BCE_CLIP_EPS].
BCE_CLIP_EPS = 1e-7


def _mean(values: np.ndarray, count: int) -> float:
    # The mean of nothing is NaN, without NumPy's warning; sums in float64 like the C++.
    return float(values.sum(dtype=np.float64) / count) if count else float("nan")


def mse_forward(Y: np.ndarray, T: np.ndarray) -> float:
    """mean((Y - T)^2) over every element."""
    D = Y.astype(np.float64) - T
    return _mean(D * D, Y.size)


def mse_backward(Y: np.ndarray, T: np.ndarray) -> np.ndarray:
    """2 (Y - T) / Y.size."""
    return (Y.dtype.type(2) / Y.dtype.type(max(Y.size, 1))) * (Y - T)


def binary_crossentropy_forward(Y: np.ndarray, T: np.ndarray) -> float:
    """-mean(T log Y + (1 - T) log(1 - Y)), Y clipped to [1e-7, 1 - 1e-7]."""
    # Clipped in Y's own precision, as Keras does: in float32, 1 - 1e-7 rounds to 1 - 2**-23.
    lo, hi = Y.dtype.type(BCE_CLIP_EPS), Y.dtype.type(1) - Y.dtype.type(BCE_CLIP_EPS)
    Yc = np.clip(Y, lo, hi).astype(np.float64)
    return _mean(-(T * np.log(Yc) + (1 - T) * np.log1p(-Yc)), Y.size)


def binary_crossentropy_backward(Y: np.ndarray, T: np.ndarray) -> np.ndarray:
    """(Y - T) / (Y (1 - Y)) / Y.size inside the clip range, 0 where Y was clipped."""
    dtype = Y.dtype.type
    lo, hi = dtype(BCE_CLIP_EPS), dtype(1) - dtype(BCE_CLIP_EPS)
    inside = (Y >= lo) & (Y <= hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = (dtype(1) / dtype(max(Y.size, 1))) * (Y - T) / (Y * (1 - Y))
    return np.where(inside, grad, np.where(np.isnan(Y), Y, 0)).astype(Y.dtype, copy=False)


def sigmoid_binary_crossentropy_forward(Y: np.ndarray, T: np.ndarray) -> float:
    """Binary cross-entropy of sigmoid(Y) for logits Y: mean(max(Y,0) - Y T + log1p(e^-|Y|))."""
    Y64 = Y.astype(np.float64)
    return _mean(np.maximum(Y64, 0) - Y64 * T + np.log1p(np.exp(-np.abs(Y64))), Y.size)


def sigmoid_binary_crossentropy_backward(Y: np.ndarray, T: np.ndarray) -> np.ndarray:
    """(sigmoid(Y) - T) / Y.size."""
    return (Y.dtype.type(1) / Y.dtype.type(max(Y.size, 1))) * (_sigmoid(Y) - T)


def softmax_crossentropy_forward(Y: np.ndarray, T: np.ndarray) -> float:
    """Cross-entropy of softmax(Y) against rows T, mean over the batch (rows)."""
    if Y.shape[0] == 0 or Y.shape[1] == 0:  # no samples, or a distribution over no classes
        return float("nan")
    Y64 = Y.astype(np.float64)
    ymax = Y64.max(axis=1, keepdims=True)
    lse = ymax + np.log(np.exp(Y64 - ymax).sum(axis=1, keepdims=True))
    # Classes with T = 0 cost nothing, even where their logit is -inf.
    terms = np.where(T != 0, T * (lse - Y64), 0.0)
    return _mean(terms, Y.shape[0])


def softmax_crossentropy_backward(Y: np.ndarray, T: np.ndarray) -> np.ndarray:
    """(softmax(Y) * sum(T_row) - T) / batch."""
    scale = Y.dtype.type(1) / Y.dtype.type(max(Y.shape[0], 1))
    return scale * (softmax_forward(Y) * T.sum(axis=1, keepdims=True) - T)


# ---- huber, mae, hinge, kl_divergence --------------------------------------------------------

#: kl_divergence clips both its arguments to [KL_CLIP_EPS, 1], as Keras does.
KL_CLIP_EPS = 1e-7


def huber_forward(Y: np.ndarray, T: np.ndarray) -> float:
    """mean(e^2 / 2 where |e| <= 1, else |e| - 1/2), e = Y - T (Keras' delta 1)."""
    e = np.abs(Y.astype(np.float64) - T)
    return _mean(np.where(e <= 1, 0.5 * e * e, e - 0.5), Y.size)


def huber_backward(Y: np.ndarray, T: np.ndarray) -> np.ndarray:
    """clip(Y - T, -1, 1) / Y.size."""
    t = Y.dtype.type
    return (t(1) / t(max(Y.size, 1))) * np.clip(Y - T, t(-1), t(1))


def mae_forward(Y: np.ndarray, T: np.ndarray) -> float:
    """mean(|Y - T|) over every element."""
    return _mean(np.abs(Y.astype(np.float64) - T), Y.size)


def mae_backward(Y: np.ndarray, T: np.ndarray) -> np.ndarray:
    """sign(Y - T) / Y.size, 0 where Y == T."""
    t = Y.dtype.type
    return (t(1) / t(max(Y.size, 1))) * np.sign(Y - T)


def _signed(T: np.ndarray) -> np.ndarray:
    return np.where(T == 0, T.dtype.type(-1), T)  # 0/1 labels read as -1/1, as Keras


def hinge_forward(Y: np.ndarray, T: np.ndarray) -> float:
    """mean(max(1 - T Y, 0)) over every element, targets -1/1 (0 read as -1)."""
    return _mean(np.maximum(1 - _signed(T).astype(np.float64) * Y, 0), Y.size)


def hinge_backward(Y: np.ndarray, T: np.ndarray) -> np.ndarray:
    """-T / Y.size where 1 - T Y > 0, else 0."""
    t = Y.dtype.type
    S = _signed(T)
    return np.where(t(1) - S * Y > 0, -S * (t(1) / t(max(Y.size, 1))), t(0)).astype(Y.dtype)


def kl_divergence_forward(Y: np.ndarray, T: np.ndarray) -> float:
    """mean over rows of sum(T log(T / Y)), both clipped to [1e-7, 1]."""
    if Y.shape[0] == 0 or Y.shape[1] == 0:
        return float("nan")
    y = np.clip(Y.astype(np.float64), KL_CLIP_EPS, 1)
    t = np.clip(T.astype(np.float64), KL_CLIP_EPS, 1)
    return _mean(t * np.log(t / y), Y.shape[0])


def kl_divergence_backward(Y: np.ndarray, T: np.ndarray) -> np.ndarray:
    """-clip(T) / Y / rows where Y lies inside the clip range, 0 where it was clipped."""
    dtype = Y.dtype.type
    lo = dtype(KL_CLIP_EPS)
    t = np.clip(T, lo, dtype(1))
    inside = (Y > lo) & (Y < 1)
    safe = np.where(inside, Y, dtype(1))
    inv_rows = dtype(1) / dtype(max(Y.shape[0], 1))
    return np.where(inside, -inv_rows * t / safe, dtype(0)).astype(Y.dtype)
