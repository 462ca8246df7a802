"""Initializers draw from the distributions Keras documents, reproducibly."""

from __future__ import annotations

import numpy as np
import pytest

from fastnn import initializers

SHAPE = (400, 300)  # 120k draws: sample moments within ~1% of the true ones


def draw(name, dtype=np.float64, seed=0):
    return initializers.get(name)(np.random.default_rng(seed), SHAPE, np.dtype(dtype))


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("glorot_uniform", np.sqrt(6 / 700)),
        ("he_uniform", np.sqrt(6 / 400)),
        ("random_uniform", 0.05),
    ],
)
def test_uniform_initializers_fill_their_interval(name, limit):
    W = draw(name)
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.99 * limit  # the whole interval, not a part of it
    np.testing.assert_allclose(W.std(), limit / np.sqrt(3), rtol=0.02)


@pytest.mark.parametrize(
    ("name", "stddev"),
    [
        ("glorot_normal", np.sqrt(2 / 700)),
        ("he_normal", np.sqrt(2 / 400)),
        ("lecun_normal", np.sqrt(1 / 400)),
    ],
)
def test_truncated_normals_have_the_intended_spread(name, stddev):
    W = draw(name)
    # Truncated at 2 sd of the scaled normal, rescaled so that the sd is the intended one.
    assert np.abs(W).max() <= 2 * stddev / 0.87962566103423978 + 1e-12
    np.testing.assert_allclose(W.std(), stddev, rtol=0.02)
    assert abs(W.mean()) < 0.02 * stddev * 10


def test_zeros_dtype_and_reproducibility():
    assert not draw("zeros").any()
    assert draw("glorot_uniform", np.float32).dtype == np.float32
    np.testing.assert_array_equal(draw("he_normal", seed=3), draw("he_normal", seed=3))
    assert not np.array_equal(draw("he_normal", seed=3), draw("he_normal", seed=4))


def test_unknown_initializer_is_named():
    with pytest.raises(ValueError, match=r"unknown initializer 'glorot'.*glorot_uniform"):
        initializers.get("glorot")
