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


# ---- issue 14's metrics: the functions, the loop's sums, compile --------------------------------


def keras_auc_by_thresholds(y, p, n=200):
    """Keras' AUC written out as its definition: the true and false positive rates at the
    thresholds [-eps, 1/199, ..., 198/199, 1 + eps] (a sample counts above a threshold when
    strictly greater), trapezoids between consecutive points."""
    thresholds = np.r_[-1e-7, np.arange(1, n - 1) / (n - 1), 1 + 1e-7]
    pos, neg = y > 0.5, y <= 0.5
    tpr = np.array([np.sum(pos & (p > t)) for t in thresholds]) / max(pos.sum(), 1)
    fpr = np.array([np.sum(neg & (p > t)) for t in thresholds]) / max(neg.sum(), 1)
    return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))


def test_accuracies_match_sklearn():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 5, 200)
    P = rng.random((200, 5))
    T = np.eye(5)[labels]
    assert metrics.categorical_accuracy(T, P) == pytest.approx(
        sk.accuracy_score(labels, P.argmax(axis=1)), rel=1e-15
    )
    assert metrics.sparse_categorical_accuracy(labels, P) == metrics.categorical_accuracy(T, P)
    assert metrics.sparse_categorical_accuracy(labels[:, None], P) == metrics.categorical_accuracy(
        T, P
    )
    for k in (1, 2, 3, 4):
        expected = sk.top_k_accuracy_score(labels, P, k=k, labels=range(5))
        assert metrics.top_k_categorical_accuracy(T, P, k=k) == pytest.approx(expected)
        assert metrics.sparse_top_k_categorical_accuracy(labels, P, k=k) == pytest.approx(expected)
        assert metrics.TopKCategoricalAccuracy(k)(T, P) == pytest.approx(expected)
    assert metrics.top_k_categorical_accuracy(T, P, k=1) == metrics.categorical_accuracy(T, P)
    y = rng.integers(0, 2, (200, 3)).astype(float)
    p = rng.random((200, 3))
    assert metrics.binary_accuracy(y, p) == pytest.approx(
        sk.accuracy_score(y.ravel(), p.ravel() > 0.5), rel=1e-15
    )


def test_top_k_counts_ties_in_and_accuracies_by_hand():
    T = np.eye(3)[[0, 1, 2]]
    P = np.array([[0.5, 0.5, 0.0], [0.2, 0.2, 0.6], [0.1, 0.3, 0.6]])
    # row 0: the target ties for first (in the top 1); row 1: second (tied); row 2: first.
    assert metrics.top_k_categorical_accuracy(T, P, k=1) == pytest.approx(2 / 3)
    assert metrics.top_k_categorical_accuracy(T, P, k=2) == 1.0
    assert metrics.categorical_accuracy(T, P) == pytest.approx(2 / 3)  # argmax: the first max
    assert metrics.binary_accuracy([[1.0], [0.0]], [[0.7], [0.5]]) == 1.0  # 0.5 is negative


def test_auc_is_keras_thresholds_and_close_to_the_exact_area():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    for trial in range(10):
        y = rng.integers(0, 2, 300).astype(float)
        p = np.clip(0.5 + 0.3 * (y - 0.5) + 0.25 * rng.normal(size=300), 0, 1)
        if trial == 0:
            p = np.round(p, 2)  # ties, and values on the thresholds
        value = metrics.auc(y, p)
        assert value == pytest.approx(keras_auc_by_thresholds(y, p), abs=1e-12)
        assert value == pytest.approx(sk.roc_auc_score(y, p), abs=5e-3)
        assert value == pytest.approx(metrics.roc_auc(y, p), abs=5e-3)
    assert metrics.auc([1.0, 0.0], [1.0, 0.0]) == 1.0
    assert metrics.auc([1.0, 1.0], [0.3, 0.6]) == 0.0  # no negative: Keras' divide_no_nan
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        metrics.auc([1.0, 0.0], [1.5, 0.0])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: metrics.categorical_accuracy([[1.0]], [[1.0]]), ValueError, "at least 2 classes"),
        (lambda: metrics.sparse_categorical_accuracy([0.5], [[1.0, 0.0]]), ValueError, "whole"),
        (lambda: metrics.sparse_categorical_accuracy([2], [[1.0, 0.0]]), ValueError, "outside"),
        (lambda: metrics.top_k_categorical_accuracy([[1, 0]], [[1, 0]], k=0), ValueError, "k must"),
        (lambda: metrics.TopKCategoricalAccuracy(k=1.5), ValueError, "k must be an int"),
        (lambda: metrics.binary_accuracy([1.0], [1.0, 0.0]), ValueError, "one shape"),
    ],
)
def test_bad_input_of_the_new_metrics(call, error, message):
    with pytest.raises(error, match=message):
        call()


def _net(module, width, activation, loss, *, top_k=0, auc=False, hidden=None, seed=0):
    rng = np.random.default_rng(seed)
    sizes = [5, *(hidden or []), width]
    layers, W, b = [], [], []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        last = i == len(sizes) - 2
        layers.append({"in": n_in, "out": n_out, "activation": activation if last else "tanh"})
        W.append(rng.normal(size=(n_in, n_out)) / np.sqrt(n_in))
        b.append(rng.normal(size=n_out) * 0.1)
    net = module.Network(
        layers,
        loss,
        {"kind": "sgd"},
        W,
        b,
        [np.zeros((1, *w.shape)) for w in W],
        [np.zeros((1, *x.shape)) for x in b],
        128,
        top_k=top_k,
        auc=auc,
    )
    return net


NEW_SUMS = ("argmax_correct", "threshold_correct", "top_k_correct")


@pytest.mark.parametrize("module", [_core, reference])
@pytest.mark.parametrize(
    ("loss", "output", "width", "top_k"),
    [
        ("binary_crossentropy", "sigmoid", 1, 0),
        ("binary_crossentropy", "sigmoid", 3, 2),
        ("categorical_crossentropy", "softmax", 6, 3),
        ("sparse_categorical_crossentropy", "softmax", 6, 1),
        ("mse", "linear", 4, 2),
    ],
)
def test_the_new_sums_are_the_metrics_of_predict(module, loss, output, width, top_k):
    net = _net(module, width, output, loss, top_k=top_k, auc=width == 1)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(301, 5))
    labels = rng.integers(0, width, 301)
    Y = np.eye(width)[labels] if width > 1 else (rng.random((301, 1)) < 0.4).astype(float)
    sums = net.evaluate(X, labels if loss.startswith("sparse") else Y)
    P = net.predict(X)
    assert sums["threshold_correct"] == np.sum((P > 0.5) == (Y > 0.5))
    assert sums["argmax_correct"] == np.sum(P.argmax(axis=1) == Y.argmax(axis=1))
    if top_k:
        above = (P > P[np.arange(301), Y.argmax(axis=1)][:, None]).sum(axis=1)
        assert sums["top_k_correct"] == np.sum(above < top_k)
        if width > 2:
            assert sums["top_k_correct"] / 301 == pytest.approx(
                metrics.top_k_categorical_accuracy(Y, P, k=top_k), rel=1e-15
            )
    else:
        assert sums["top_k_correct"] == 0
    if width == 1:
        pos, neg = metrics.auc_histograms(Y[:, 0] > 0.5, P[:, 0])
        np.testing.assert_array_equal(sums["auc_positives"], pos)
        np.testing.assert_array_equal(sums["auc_negatives"], neg)
        assert metrics.auc_from_histograms(pos, neg) == pytest.approx(
            keras_auc_by_thresholds(Y[:, 0], P[:, 0]), abs=1e-12
        )
    else:
        assert "auc_positives" not in sums


@pytest.mark.parametrize("shuffle", [False, True])
def test_the_loops_new_sums_equal_the_twins_while_training(shuffle):
    """The C++ loop and its NumPy twin count the same while they train (float64, 3 epochs)."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(203, 5))
    labels = rng.integers(0, 4, 203)
    nets = [
        _net(m, 4, "softmax", "sparse_categorical_crossentropy", top_k=2, hidden=[7])
        for m in (_core, reference)
    ]
    for epoch in range(3):
        sums = [
            net.train_epoch(
                X, labels, batch_size=16, shuffle=shuffle, seed=5, epoch=epoch, learning_rate=0.3
            )
            for net in nets
        ]
        for key in (*NEW_SUMS, "correct", "true_positives"):
            assert sums[0][key] == sums[1][key], key
        assert sums[0]["top_k_correct"] > sums[0]["argmax_correct"] > 0
    one = [
        _net(m, 1, "sigmoid", "binary_crossentropy", auc=True, hidden=[6], seed=3)
        for m in (_core, reference)
    ]
    y = (X[:, :1] > 0).astype(float)
    for epoch in range(3):
        sums = [
            net.train_epoch(
                X, y, batch_size=10, shuffle=shuffle, seed=5, epoch=epoch, learning_rate=0.5
            )
            for net in one
        ]
        np.testing.assert_array_equal(sums[0]["auc_positives"], sums[1]["auc_positives"])
        np.testing.assert_array_equal(sums[0]["auc_negatives"], sums[1]["auc_negatives"])
        assert sums[0]["auc_positives"].sum() + sums[0]["auc_negatives"].sum() == 203


def test_data_parallel_batches_sum_every_threads_counts():
    """A network the core trains data-parallel: with learning rate 0 the weights stay put, so
    one epoch's counts are those of evaluate on the same samples, whichever thread saw them."""
    net = _net(_core, 10, "softmax", "categorical_crossentropy", top_k=3, hidden=[512, 256])
    if net.data_parallel_threads(128) < 2:
        pytest.skip("one thread here: no data-parallel batches to check")
    rng = np.random.default_rng(4)
    X = rng.normal(size=(700, 5))
    Y = np.eye(10)[rng.integers(0, 10, 700)]
    trained = net.train_epoch(
        X, Y, batch_size=128, shuffle=True, seed=1, epoch=0, learning_rate=0.0
    )
    evaluated = net.evaluate(X, Y)
    for key in (*NEW_SUMS, "correct", "judged", "true_positives", "false_negatives", "elements"):
        assert trained[key] == evaluated[key], key
    one = _net(_core, 1, "sigmoid", "binary_crossentropy", auc=True, hidden=[512, 256])
    y = (rng.random((700, 1)) < 0.5).astype(float)
    trained = one.train_epoch(
        X, y, batch_size=128, shuffle=True, seed=1, epoch=0, learning_rate=0.0
    )
    evaluated = one.evaluate(X, y)
    np.testing.assert_array_equal(trained["auc_positives"], evaluated["auc_positives"])
    np.testing.assert_array_equal(trained["auc_negatives"], evaluated["auc_negatives"])


def test_the_top_k_argument_is_checked():
    with pytest.raises(ValueError, match=r"top_k must be an int in \[0, 2\*\*62\], got -1"):
        _net(_core, 3, "softmax", "categorical_crossentropy", top_k=-1)
    with pytest.raises(ValueError, match="top_k must be an int"):
        _net(reference, 3, "softmax", "categorical_crossentropy", top_k=-1)


# ---- compile(metrics=[...]): fit, evaluate, train_on_batch report them --------------------------

COMPILE_CASES = {
    # loss, outputs, output activation, metrics
    "binary": (
        "binary_crossentropy",
        1,
        "sigmoid",
        ["binary_accuracy", "auc", "precision", "recall", "accuracy"],
    ),
    "multilabel": ("binary_crossentropy", 3, "sigmoid", ["binary_accuracy", "precision"]),
    "categorical": (
        "categorical_crossentropy",
        7,
        "softmax",
        ["categorical_accuracy", "top_k_categorical_accuracy", "binary_accuracy", "accuracy"],
    ),
    "sparse": (
        "sparse_categorical_crossentropy",
        5,
        "softmax",
        ["sparse_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy(k=2)],
    ),
    "regression": ("mse", 2, "linear", ["r2", "mae", "mse"]),
}


def expected_metrics(name, P, T, labels, k):
    return {
        "accuracy": metrics.binary_accuracy(T, P)
        if P.shape[1] == 1 or name == "binary"
        else metrics.categorical_accuracy(T, P),
        "binary_accuracy": metrics.binary_accuracy(T, P),
        "categorical_accuracy": metrics.categorical_accuracy(T, P) if P.shape[1] > 1 else None,
        "sparse_categorical_accuracy": metrics.sparse_categorical_accuracy(labels, P)
        if P.shape[1] > 1
        else None,
        "top_k_categorical_accuracy": metrics.top_k_categorical_accuracy(T, P, k)
        if P.shape[1] > k
        else None,
        "sparse_top_k_categorical_accuracy": metrics.sparse_top_k_categorical_accuracy(labels, P, k)
        if P.shape[1] > k
        else None,
        "auc": metrics.auc(T, P) if P.shape[1] == 1 else None,
        "precision": metrics.precision(T, P),
        "recall": metrics.recall(T, P),
        "r2": metrics.r2(T, P),
        "mae": float(np.mean(np.abs(P - T))),
        "mse": float(np.mean((P - T) ** 2)),
    }


@pytest.mark.parametrize("case", COMPILE_CASES)
@pytest.mark.parametrize("backend", ["cpp", "reference"])
def test_compiled_metrics_are_the_functions_of_predict(case, backend):
    import fastnn as fnn

    loss, outputs, activation, wanted = COMPILE_CASES[case]
    rng = np.random.default_rng(6)
    X = rng.normal(size=(97, 4))
    labels = rng.integers(0, outputs, 97)
    if loss == "mse":
        T = X[:, :outputs] * 2 + 0.3 * rng.normal(size=(97, outputs))
    elif outputs == 1:
        T = (X[:, :1] + 0.8 * rng.normal(size=(97, 1)) > 0).astype(float)
    elif case == "multilabel":
        T = (rng.random((97, outputs)) < 0.4).astype(float)
    else:
        T = np.eye(outputs)[labels]
    y = labels if loss.startswith("sparse") else T
    model = fnn.Sequential(
        [fnn.Dense(6, "tanh", input_dim=4), fnn.Dense(outputs, activation)],
        dtype="float64",
        seed=2,
        backend=backend,
    )
    # learning rate 0: the epoch's running metrics are those of the final model
    model.compile(fnn.optimizers.SGD(0.0), loss, metrics=wanted)
    names = model.metrics
    k = model.top_k or 5
    expected = expected_metrics(case, model.predict(X), T, labels, k)
    history = model.fit(X, y, epochs=1, batch_size=10, verbose=0, validation_data=(X, y)).history
    evaluated = model.evaluate(X, y, return_dict=True)
    on_batch = model.train_on_batch(X, y, return_dict=True)
    assert list(evaluated) == ["loss", *dict.fromkeys(names)]
    for name in names:
        for got in (history[name][0], history[f"val_{name}"][0], evaluated[name], on_batch[name]):
            assert got == pytest.approx(expected[name], rel=1e-12, abs=1e-14), name


def test_top_k_is_saved_with_the_model(tmp_path):
    import fastnn as fnn

    model = fnn.Sequential([fnn.Dense(6, "softmax", input_dim=3)], seed=0)
    model.compile("sgd", "categorical_crossentropy", metrics=[metrics.TopKCategoricalAccuracy(3)])
    assert model.get_state()["compile"]["top_k"] == 3
    model.save(tmp_path / "m.fnn")
    loaded = fnn.load_model(tmp_path / "m.fnn")
    assert loaded.top_k == 3 and loaded.metrics == ["top_k_categorical_accuracy"]
    model.compile("sgd", "categorical_crossentropy", metrics=["top_k_categorical_accuracy"])
    assert model.top_k == 5
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    assert model.top_k == 0 and "top_k" not in model.get_state()["compile"]


@pytest.mark.parametrize(
    ("layers", "loss", "metric", "message"),
    [
        ([(3, "sigmoid")], "mse", "auc", r"'auc' does not fit .* 3 output\(s\)"),
        ([(1, "linear")], "mse", "auc", r"'auc' does not fit .* activation 'linear'"),
        (
            [(1, "sigmoid")],
            "mse",
            "top_k_categorical_accuracy",
            "'top_k_categorical_accuracy' does",
        ),
        ([(3, "softmax")], "categorical_crossentropy", "top_k_categorical_accuracy", "k=5 but"),
        ([(1, "sigmoid")], "mse", "categorical_accuracy", "compares classes"),
        ([(3, "softmax")], "sparse_categorical_crossentropy", "categorical_accuracy", "sparse_cat"),
        ([(3, "softmax")], "categorical_crossentropy", "sparse_categorical_accuracy", "labels"),
        ([(3, "softmax")], "sparse_categorical_crossentropy", "binary_accuracy", "class labels"),
        ([(3, "softmax")], "categorical_crossentropy", "r2", "r2 is a regression metric"),
        ([(3, "softmax")], "sparse_categorical_crossentropy", "r2", "r2 is a regression metric"),
    ],
)
def test_a_metric_that_does_not_fit_is_refused_at_compile(layers, loss, metric, message):
    import fastnn as fnn

    model = fnn.Sequential([fnn.Dense(u, a, input_dim=4) for u, a in layers], seed=0)
    with pytest.raises(ValueError, match=message) as info:
        model.compile("sgd", loss, metrics=[metric])
    assert f"compile: metric '{metric}'" in str(info.value)


def test_one_k_per_model():
    import fastnn as fnn

    model = fnn.Sequential([fnn.Dense(8, "softmax", input_dim=4)], seed=0)
    with pytest.raises(ValueError, match="one k per model: k=5 and k=3"):
        model.compile(
            "sgd",
            "categorical_crossentropy",
            metrics=["top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy(3)],
        )
