"""The twin of ``cpp/fastnn/dropout.hpp``: inverted dropout with the core's counter-based masks."""

from __future__ import annotations

import numpy as np

from fastnn import tables
from fastnn.reference.random import splitmix_at


def dropout_mask(rows: int, cols: int, row0: int, rate: float, key: int) -> np.ndarray:
    """(rows, cols) bool, True where kept: the top 53 bits of draw (row0 + r) * cols + c of
    stream `key` are >= rate * 2**53 (exact, truncated), as the core draws them."""
    threshold = np.uint64(int(rate * 2.0**53))
    index = np.arange(row0 * cols, (row0 + rows) * cols, dtype=np.uint64)
    return ((splitmix_at(key, index) >> np.uint64(11)) >= threshold).reshape(rows, cols)


def dropout_forward(
    A: np.ndarray, *, rate: float, key: int, row0: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(out, mask): A / (1 - rate) where kept (the divisor rounded to A's dtype once), else 0;
    mask 1 where kept, 0 where dropped, in A's dtype."""
    rate = tables.DROPOUT["rate"].check(rate, "dropout_forward()")
    _check_uint64(key, "key", "dropout_forward()")
    kept = dropout_mask(A.shape[0], A.shape[1], row0, rate, key)
    q = A.dtype.type(1.0 - rate)
    return np.where(kept, A / q, A.dtype.type(0)), kept.astype(A.dtype)


def dropout_backward(dout: np.ndarray, mask: np.ndarray, *, rate: float) -> np.ndarray:
    """dout / (1 - rate) where mask is 1, else 0."""
    rate = tables.DROPOUT["rate"].check(rate, "dropout_backward()")
    q = dout.dtype.type(1.0 - rate)
    return np.where(mask != 0, dout / q, dout.dtype.type(0))


def _check_uint64(value, name: str, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__}")
    if not 0 <= int(value) < 2**64:
        raise ValueError(f"{where}: {name} must be an int in [0, 2**64), got {value}")
