"""fastnn.metrics: hand-worked cases, brute-force definitions, and the fused loop's sums."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from fastnn import _core, metrics, reference


def test_precision_and_recall_by_hand():
    y = np.array([1, 1, 0, 0, 1])
    p = np.array([0.9, 0.2, 0.7, 0.1, 0.6])  # tp 2, fp 1, fn 1
    assert metrics.precision(y, p) == pytest.approx(2 / 3)
    assert metrics.recall(y, p) == pytest.approx(2 / 3)
    assert metrics.precision(y, np.zeros(5)) == 0.0  # nothing predicted positive
    assert metrics.recall(np.zeros(5), p) == 0.0  # no positive to find


def test_r2_by_hand_and_its_ends():
    y = np.array([[1.0], [2.0], [3.0], [4.0]])
    assert metrics.r2(y, y) == 1.0
    assert metrics.r2(y, np.full_like(y, y.mean())) == 0.0
    p = y + np.array([[0.5], [-0.5], [0.5], [-0.5]])
    assert metrics.r2(y, p) == pytest.approx(1 - 1.0 / 5.0)
    assert metrics.r2(np.ones(3), np.ones(3)) == 1.0
    assert metrics.r2(np.ones(3), np.zeros(3)) == 0.0
    assert metrics.r2_from_sums(1.0, y) == pytest.approx(metrics.r2(y, p))


def test_roc_auc_is_the_pairwise_probability():
    rng = np.random.default_rng(4)
    for _ in range(20):
        y = rng.integers(0, 2, 40)
        y[:2] = (0, 1)
        s = np.round(rng.random(40), 1)  # rounding makes ties
        pos, neg = s[y == 1], s[y == 0]
        pairs = [(a > b) + 0.5 * (a == b) for a, b in itertools.product(pos, neg)]
        assert metrics.roc_auc(y, s) == pytest.approx(np.mean(pairs), rel=1e-12)
    with pytest.raises(ValueError, match="needs both a positive and a negative"):
        metrics.roc_auc(np.ones(3), np.arange(3.0))
    with pytest.raises(ValueError, match="labels 0 and 1 only"):
        metrics.roc_auc(np.array([0, 2]), np.arange(2.0))


def test_confusion_matrix_by_hand():
    y = np.array(["cat", "dog", "dog", "bird", "cat"])
    p = np.array(["cat", "cat", "dog", "bird", "bird"])
    m = metrics.confusion_matrix(y, p)
    # labels sorted: bird, cat, dog
    np.testing.assert_array_equal(m, [[1, 0, 0], [1, 1, 0], [0, 1, 1]])
    m = metrics.confusion_matrix(y, p, labels=["dog", "cat"])
    np.testing.assert_array_equal(m, [[1, 1], [0, 1]])
    assert metrics.confusion_matrix(y, p).sum() == len(y)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: metrics.precision([1, 0], [1.0]), ValueError, "must have one shape"),
        (lambda: metrics.r2([1.0, np.nan], [1.0, 1.0]), ValueError, "y_true holds NaN"),
        (lambda: metrics.recall(["a"], [1.0]), TypeError, "y_true must hold numbers"),
        (lambda: metrics.confusion_matrix([[1]], [[1]]), ValueError, "1-D label arrays"),
        (lambda: metrics.confusion_matrix([1], [1], labels=[1, 1]), ValueError, "distinct"),
    ],
)
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("module", [_core, reference])
@pytest.mark.parametrize(
    ("loss", "output", "width"),
    [
        ("binary_crossentropy", "sigmoid", 3),
        ("categorical_crossentropy", "softmax", 4),
        ("mse", "linear", 2),
    ],
)
def test_the_loops_counts_are_the_metrics_of_predict(module, loss, output, width):
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(5, width)), rng.normal(size=width)
    net = module.Network(
        [{"in": 5, "out": width, "activation": output}],
        loss,
        {"kind": "sgd"},
        [W],
        [b],
        [np.zeros((1, 5, width))],
        [np.zeros((1, width))],
        16,
    )
    X = rng.normal(size=(41, 5))
    Y = (rng.random((41, width)) < 0.4).astype(np.float64)
    if loss == "categorical_crossentropy":
        Y = np.eye(width)[rng.integers(0, width, 41)]
    sums = net.evaluate(X, Y)
    P = net.predict(X)
    tp, fp = sums["true_positives"], sums["false_positives"]
    fn = sums["false_negatives"]
    assert tp / (tp + fp) == pytest.approx(metrics.precision(Y, P), rel=1e-15)
    assert tp / (tp + fn) == pytest.approx(metrics.recall(Y, P), rel=1e-15)
    assert metrics.r2_from_sums(sums["squared_error"], Y) == pytest.approx(
        metrics.r2(Y, P), rel=1e-12
    )
