"""The twin of ``cpp/fastnn/random.hpp``: SplitMix64 and the batch order it draws."""

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
