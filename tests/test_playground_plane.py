"""plot's ``plane``: which two columns of a wider X the picture shows, the rest held at their
means and named in the title; and the points' rims kept thin when there are many."""

from __future__ import annotations

import numpy as np
import pytest

import fastnn as fnn
from fastnn.playground import plot

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def only_x3():
    """A linear model of 3 inputs that reads the third alone: y = x3."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (120, 3)) + np.array([0.0, 0.5, 0.0])
    model = fnn.Sequential([fnn.Dense(1, input_dim=3)], seed=0)
    model.compile("sgd", "mse")
    model.set_weights([np.array([[0.0], [0.0], [1.0]]), np.zeros(1)])
    return model, X, X[:, 2].copy()


def output_image(figure) -> np.ndarray:
    return np.asarray(figure.axes[1].get_images()[0].get_array(), dtype=float)


def test_the_plane_chooses_the_columns_on_the_axes(only_x3):
    model, X, y = only_x3
    names = ["width", "height", "depth"]
    flat = plot(model, X, y, input_names=names, resolution=20)
    across = plot(model, X, y, input_names=names, plane=(0, 2), resolution=20)
    # x3 held at its mean: one colour; x3 on the vertical axis: it changes from row to row.
    assert np.ptp(output_image(flat), axis=(0, 1)).max() < 1e-6
    image = output_image(across)
    assert np.ptp(image[:, 0, :3], axis=0).max() > 0.1  # along the vertical axis
    assert np.ptp(image[0, :, :3], axis=0).max() < 1e-6  # not along the horizontal one
    ax = across.axes[1]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("width", "depth")
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), X[:, [0, 2]])
    mean = X[:, 1].mean()
    assert f"height = {mean:.3g}" in ax.get_title()
    assert "the other input at its mean" in ax.get_title()


@pytest.mark.parametrize("plane", [(0, 0), (0, 3), (1,), ("a", "b"), (0.5, 1), (True, 2)])
def test_bad_planes(only_x3, plane):
    model, X, y = only_x3
    with pytest.raises(ValueError, match="plane must be two different column indices"):
        plot(model, X, y, plane=plane)


def test_many_points_get_small_dots_and_thin_rims(only_x3):
    model, X, y = only_x3
    few = plot(model, X, y, resolution=10).axes[1].collections[0]
    rng = np.random.default_rng(1)
    X_many = rng.uniform(-1, 1, (1200, 3))
    many = plot(model, X_many, X_many[:, 2], resolution=10).axes[1].collections[0]
    assert many.get_sizes()[0] < few.get_sizes()[0]
    assert many.get_linewidths()[0] < few.get_linewidths()[0]
