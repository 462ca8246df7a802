"""Sample weights in the fused loop: the C++ Network against its NumPy twin, step for step.

Keras' semantics: each sample's loss (and so its gradient) is multiplied by its weight, and
the batch's loss is the sum of those over the batch's rows (not over the weights' sum).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import fastnn
from fastnn import _core, reference, tables

LOSS_CASES = [
    # (loss, output activation): the fused kernels and the plain ones
    ("mse", "linear"),
    ("mse", "tanh"),
    ("binary_crossentropy", "sigmoid"),
    ("binary_crossentropy", "softplus"),
    ("categorical_crossentropy", "softmax"),
    ("sparse_categorical_crossentropy", "softmax"),
    ("huber", "linear"),
    ("mae", "linear"),
    ("hinge", "tanh"),
    ("kl_divergence", "softmax"),
]


def networks(loss, output, sizes, optimizer="adam", dtype=np.float64, seed=0):
    """The same network twice (the core's, the twin's), with equal copies of the arrays."""
    rng = np.random.default_rng(seed)
    layers, arrays = [], []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        act = output if i == len(sizes) - 2 else "tanh"
        layers.append({"in": n_in, "out": n_out, "activation": act})
        arrays.append(
            (
                (rng.normal(size=(n_in, n_out)) / np.sqrt(n_in)).astype(dtype),
                (rng.normal(size=n_out) * 0.1).astype(dtype),
            )
        )
    slots = tables.OPTIMIZERS[optimizer].slots
    built = []
    for module in (_core, reference):
        W = [w.copy() for w, _ in arrays]
        b = [bb.copy() for _, bb in arrays]
        states = [np.zeros((slots, *w.shape), dtype) for w in W]
        bias_states = [np.zeros((slots, *bb.shape), dtype) for bb in b]
        net = module.Network(layers, loss, {"kind": optimizer}, W, b, states, bias_states, 256)
        built.append((net, W, b))
    return built


def data(loss, n, n_in, n_out, dtype=np.float64, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in)).astype(dtype)
    if tables.LOSSES[loss].labels:
        Y = rng.integers(0, n_out, size=n).astype(np.int64)
    elif loss in ("mse", "huber", "mae"):
        Y = (rng.normal(size=(n, n_out)) * 2).astype(dtype)
    elif loss == "hinge":
        Y = rng.choice([-1.0, 1.0], size=(n, n_out)).astype(dtype)
    elif loss == "kl_divergence":
        Y = rng.uniform(size=(n, n_out))
        Y = (Y / Y.sum(axis=1, keepdims=True)).astype(dtype)
    else:
        Y = np.eye(n_out, dtype=dtype)[rng.integers(0, n_out, size=n)]
        if loss == "binary_crossentropy":
            Y = (rng.random((n, n_out)) < 0.5).astype(dtype)
    weights = rng.uniform(0, 3, size=n).astype(dtype)
    weights[::5] = 0  # zero weights: the sample counts for nothing
    return X, Y, weights


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize(("loss", "output"), LOSS_CASES)
def test_weighted_training_matches_the_twin(loss, output, shuffle):
    (core, Wc, bc), (twin, Wr, br) = networks(loss, output, [3, 5, 4])
    X, Y, w = data(loss, 37, 3, 4)
    for epoch in range(3):
        kwargs = dict(batch_size=8, shuffle=shuffle, seed=5, epoch=epoch, learning_rate=0.01)
        sums = [net.train_epoch(X, Y, sample_weight=w, **kwargs) for net in (core, twin)]
        assert sums[0]["loss"] == pytest.approx(sums[1]["loss"], rel=1e-12)
    # float64 over 15 steps of Adam: the two differ only in the order of a few sums.
    for a, b in zip(Wc + bc, Wr + br, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)
    evaluated = [net.evaluate(X, Y, sample_weight=w) for net in (core, twin)]
    assert evaluated[0]["loss"] == pytest.approx(evaluated[1]["loss"], rel=1e-12)


def test_weights_of_one_train_as_no_weights_bit_for_bit():
    runs = []
    for weights in (None, np.ones(37)):
        (core, W, b), _ = networks("mse", "linear", [3, 5, 4])
        X, Y, _ = data("mse", 37, 3, 4)
        for epoch in range(2):
            core.train_epoch(
                X,
                Y,
                batch_size=8,
                shuffle=True,
                seed=2,
                epoch=epoch,
                learning_rate=0.01,
                sample_weight=weights,
            )
        runs.append(W + b)
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_weighted_loss_by_hand():
    # Two samples, weights 3 and 0: the batch loss is 3 * (the first one's loss) / 2 rows, and
    # evaluate's sums hold it times the rows.
    (core, W, b), _ = networks("mse", "linear", [2, 1], optimizer="sgd")
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    Y = np.array([[1.0], [-1.0]])
    pred = X @ W[0] + b[0]
    batch_loss = 3.0 * float((pred[0, 0] - Y[0, 0]) ** 2) / 2
    sums = core.evaluate(X, Y, sample_weight=np.array([3.0, 0.0]))
    assert sums["loss"] == pytest.approx(batch_loss * 2, rel=1e-14)


def test_data_parallel_batches_weigh_like_the_serial_loop():
    # A batch large enough to split between threads (fastnn.set_num_threads(2)) trains to the
    # twin's weights with sample weights too.
    previous = fastnn.get_num_threads()
    fastnn.set_num_threads(2)
    try:
        (core, Wc, bc), (twin, Wr, br) = networks(
            "categorical_crossentropy", "softmax", [64, 256, 10], optimizer="sgd"
        )
        if core.data_parallel_threads(128) < 2:
            pytest.skip("one core only: the data-parallel loop needs two threads")
        X, Y, w = data("categorical_crossentropy", 256, 64, 10, seed=3)
        for net in (core, twin):
            net.train_epoch(
                X,
                Y,
                batch_size=128,
                shuffle=True,
                seed=1,
                epoch=0,
                learning_rate=0.05,
                sample_weight=w,
            )
        for a, b in zip(Wc + bc, Wr + br, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    finally:
        fastnn.set_num_threads(previous)


@pytest.mark.parametrize("module", [_core, reference])
def test_the_float32_network_takes_float32_weights(module):
    (net, W, _), _ = networks("mse", "linear", [3, 2], dtype=np.float32)
    X, Y, w = data("mse", 9, 3, 2, dtype=np.float32)
    net.train_epoch(
        X, Y, batch_size=4, shuffle=False, seed=0, epoch=0, learning_rate=0.1, sample_weight=w
    )
    assert W[0].dtype == np.float32 and np.isfinite(W[0]).all()


@pytest.mark.parametrize(
    ("weights", "error", "message"),
    [
        (np.ones(5), ValueError, r"sample_weight must be a 1-D array of shape \(n,\) with n = "),
        (np.ones((9, 1)), ValueError, "sample_weight must be a 1-D array"),
        (np.ones(9, np.float32), TypeError, "sample_weight must have dtype float64 like X"),
        (np.r_[np.ones(8), -1.0], ValueError, r"sample_weight\[8\] = -1 is not a finite weight"),
        (np.r_[np.nan, np.ones(8)], ValueError, r"sample_weight\[0\] = nan is not a finite"),
        ([1.0] * 9, TypeError, "sample_weight must be a numpy.ndarray"),
    ],
)
def test_bad_sample_weights_are_refused_before_training(weights, error, message):
    (core, W, _), _ = networks("mse", "linear", [3, 2])
    before = W[0].copy()
    X, Y, _ = data("mse", 9, 3, 2)
    with pytest.raises(error, match=message):
        core.train_epoch(
            X,
            Y,
            batch_size=4,
            shuffle=False,
            seed=0,
            epoch=0,
            learning_rate=0.1,
            sample_weight=weights,
        )
    with pytest.raises(error, match=message):
        core.evaluate(X, Y, sample_weight=weights)
    np.testing.assert_array_equal(W[0], before)
