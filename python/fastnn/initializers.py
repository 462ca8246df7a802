"""Weight initializers, as Keras defines them. Each maps (rng, shape, dtype) to an array.

fan_in and fan_out are the rows and columns of a (in, out) kernel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import DTypeLike

Initializer = Callable[[np.random.Generator, tuple[int, ...], np.dtype], np.ndarray]


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 1:
        return shape[0], shape[0]
    return shape[0], shape[1]


def glorot_uniform(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: DTypeLike
) -> np.ndarray:
    """U(-l, l), l = sqrt(6 / (fan_in + fan_out)): Glorot & Bengio (2010); Keras' default."""
    fan_in, fan_out = _fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(dtype)


def glorot_normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: DTypeLike) -> np.ndarray:
    """Truncated normal (at 2 sd), sd = sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(shape)
    return _truncated_normal(rng, shape, np.sqrt(2.0 / (fan_in + fan_out))).astype(dtype)


def he_uniform(rng: np.random.Generator, shape: tuple[int, ...], dtype: DTypeLike) -> np.ndarray:
    """U(-l, l), l = sqrt(6 / fan_in): He et al. (2015), for ReLU layers."""
    fan_in, _ = _fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, shape).astype(dtype)


def he_normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: DTypeLike) -> np.ndarray:
    """Truncated normal (at 2 sd), sd = sqrt(2 / fan_in)."""
    fan_in, _ = _fans(shape)
    return _truncated_normal(rng, shape, np.sqrt(2.0 / fan_in)).astype(dtype)


def lecun_normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: DTypeLike) -> np.ndarray:
    """Truncated normal (at 2 sd), sd = sqrt(1 / fan_in): for SELU-like units."""
    fan_in, _ = _fans(shape)
    return _truncated_normal(rng, shape, np.sqrt(1.0 / fan_in)).astype(dtype)


def zeros(rng: np.random.Generator, shape: tuple[int, ...], dtype: DTypeLike) -> np.ndarray:
    """All zeros (the default for biases)."""
    return np.zeros(shape, dtype=dtype)


def ones(rng: np.random.Generator, shape: tuple[int, ...], dtype: DTypeLike) -> np.ndarray:
    """All ones."""
    return np.ones(shape, dtype=dtype)


def random_uniform(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: DTypeLike
) -> np.ndarray:
    """U(-0.05, 0.05), Keras' RandomUniform default."""
    return rng.uniform(-0.05, 0.05, shape).astype(dtype)


def random_normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: DTypeLike) -> np.ndarray:
    """N(0, 0.05^2), Keras' RandomNormal default."""
    return rng.normal(0.0, 0.05, shape).astype(dtype)


def _truncated_normal(rng, shape, stddev):
    # Keras divides by .87962566103423978, the sd of a unit normal truncated at 2, so that
    # the truncated draw has the intended variance.
    scale = stddev / 0.87962566103423978
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return out * scale


INITIALIZERS: dict[str, Initializer] = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "lecun_normal": lecun_normal,
    "zeros": zeros,
    "ones": ones,
    "random_uniform": random_uniform,
    "random_normal": random_normal,
}


def get(name: str) -> Initializer:
    """The initializer called `name`; ValueError if unknown."""
    if not isinstance(name, str) or name.lower() not in INITIALIZERS:
        raise ValueError(f"unknown initializer {name!r}; expected one of {', '.join(INITIALIZERS)}")
    return INITIALIZERS[name.lower()]
