"""The twin of ``cpp/fastnn/dropout.hpp``: inverted dropout with the core's counter-based masks."""

from __future__ import annotations

import numpy as np

from fastnn.reference.random import splitmix_at


def dropout_mask(rows: int, cols: int, row0: int, rate: float, key: int) -> np.ndarray:
    """(rows, cols) bool, True where kept: the top 53 bits of draw (row0 + r) * cols + c of
    stream `key` are >= rate * 2**53 (exact, truncated), as the core draws them."""
    threshold = np.uint64(int(rate * 2.0**53))
    index = np.arange(row0 * cols, (row0 + rows) * cols, dtype=np.uint64)
    return ((splitmix_at(key, index) >> np.uint64(11)) >= threshold).reshape(rows, cols)


def dropout_forward(A: np.ndarray, mask: np.ndarray, rate: float) -> np.ndarray:
    """A / (1 - rate) where kept, else 0 (the divisor rounded to A's dtype once)."""
    q = A.dtype.type(1.0 - rate)
    return np.where(mask, A / q, A.dtype.type(0))


def dropout_backward(dout: np.ndarray, mask: np.ndarray, rate: float) -> np.ndarray:
    """dout / (1 - rate) where kept, else 0."""
    q = dout.dtype.type(1.0 - rate)
    return np.where(mask, dout / q, dout.dtype.type(0))
