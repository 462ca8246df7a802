"""The twin of ``cpp/fastnn/random.hpp``: SplitMix64, the batch order it draws and the dropout
masks' draws (counter-based: element i of a stream is computed directly)."""

from __future__ import annotations

import numpy as np

_MASK64 = (1 << 64) - 1


class SplitMix64:
    """SplitMix64, exactly as ``cpp/fastnn/random.hpp``: a 64-bit state, one output per step."""

    def __init__(self, state: int) -> None:
        self.state = state & _MASK64

    def next(self) -> int:
        """The next 64-bit output."""
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)


def permutation(n: int, seed: int, epoch: int) -> np.ndarray:
    """The batch order of one epoch: Fisher-Yates over range(n) from SplitMix64(seed, epoch)."""
    mix = SplitMix64(seed)
    rng = SplitMix64(mix.next() ^ ((epoch * 0xD1B54A32D192ED03) & _MASK64))
    idx = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.next() % (i + 1)
        idx[i], idx[j] = idx[j], idx[i]
    return np.array(idx, dtype=np.int64)


_GOLDEN = 0x9E3779B97F4A7C15


def splitmix_at(key: int, index: np.ndarray) -> np.ndarray:
    """The index-th draws (0-based, uint64) of SplitMix64(key), as ``splitmix_at`` in C++."""
    with np.errstate(over="ignore"):
        z = np.uint64(key) + (index.astype(np.uint64) + np.uint64(1)) * np.uint64(_GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def dropout_key(seed: int, step: int, stream: int) -> int:
    """The key of one batch's masks for one layer: (seed, the 1-based update, the stream)."""
    a = SplitMix64(seed ^ 0x6A09E667F3BCC909)
    b = SplitMix64(a.next() ^ ((step * 0xD1B54A32D192ED03) & _MASK64))
    c = SplitMix64(b.next() ^ ((stream * 0x8CB92BA72F3D8DD7) & _MASK64))
    return c.next()
