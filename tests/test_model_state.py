"""The model's and the optimizer's state as data, one layer's forward pass, every layer's
outputs, the callback list, weights in fit, the sum-based metrics, and pandas input."""

from __future__ import annotations

import io

import numpy as np
import pytest

import fastnn as fnn
from fastnn import callbacks, metrics, optimizers, reference


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.float32)[:, None]
    return X, y


def model(seed=1, optimizer="adam"):
    m = fnn.Sequential(
        [
            fnn.Dense(6, activation="elu", input_dim=3, alpha=0.5),
            fnn.Dense(5, activation="swish", use_bias=False),
            fnn.Dense(1, activation="sigmoid"),
        ],
        seed=seed,
    )
    m.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return m


def test_the_optimizer_owns_its_state():
    m = model()
    X, y = data()
    m.fit(X, y, epochs=2, batch_size=16, verbose=0)
    opt = m.optimizer
    assert opt.iterations == 8
    state = opt.get_state()
    assert [s is None for s in state["states"]] == [False, False, False, True, False, False]
    assert state["states"][0].shape == (opt.slots, 3, 6)
    fresh = optimizers.Adam()
    fresh.build(m._params())
    fresh.set_state(state)
    assert fresh.iterations == 8
    for a, b in zip(fresh.states, opt.states, strict=True):
        assert (a is None and b is None) or np.array_equal(a, b)
    with pytest.raises(ValueError, match="expected 6 state entries"):
        fresh.set_state({"iterations": 1, "states": state["states"][:2]})
    with pytest.raises(ValueError, match=r"entry 0 is float32 \(2, 3, 6\), expected"):
        fresh.set_state({"iterations": 1, "states": [np.zeros((2, 3, 6), np.float32)] * 6})
    with pytest.raises(ValueError, match=r"iterations must be in \[0, 2\*\*62\]"):
        fresh.set_state({"iterations": -1, "states": state["states"]})


def test_a_state_round_trip_trains_as_if_never_interrupted():
    X, y = data()
    straight = model()
    straight.fit(X, y, epochs=4, batch_size=16, verbose=0)
    first = model()
    first.fit(X, y, epochs=2, batch_size=16, verbose=0)
    resumed = fnn.Sequential.from_state(first.get_state())
    assert resumed.optimizer.iterations == first.optimizer.iterations
    resumed.fit(X, y, epochs=4, initial_epoch=2, batch_size=16, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_set_state_refuses_another_architecture():
    a, b = model(), fnn.Sequential([fnn.Dense(2, input_dim=3)])
    with pytest.raises(ValueError, match="the weights are"):
        b.set_state(a.get_state())
    state = a.get_state()
    state["weights"]["layer0.kernel"] = np.zeros((3, 7), np.float32)
    with pytest.raises(ValueError, match=r"weights\['layer0.kernel'\] is float32 \(3, 7\)"):
        model().set_state(state)


def test_save_and_load_through_file_objects_and_the_io_attribute():
    m = model()
    X, y = data()
    m.fit(X, y, epochs=1, verbose=0)
    buffer = io.BytesIO()
    fnn.io.save_model(m, buffer)
    loaded = fnn.load_model(io.BytesIO(buffer.getvalue()))
    np.testing.assert_array_equal(loaded.predict(X), m.predict(X))
    assert loaded.optimizer.iterations == m.optimizer.iterations


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_dense_layer_runs_its_own_forward_pass(dtype):
    m = fnn.Sequential([fnn.Dense(4, activation="leaky_relu", alpha=0.3, input_dim=3)], dtype=dtype)
    layer = m.layers[0]
    X = np.random.default_rng(2).normal(size=(5, 3)).astype(dtype)
    expected = reference.leaky_relu_forward(
        reference.dense_forward(X, layer.kernel, layer.bias), alpha=0.3
    )
    np.testing.assert_allclose(layer(X), expected, rtol=1e-6 if dtype == "float32" else 1e-14)
    with pytest.raises(ValueError, match=r"X must have shape \(batch, 3\)"):
        layer(X[:, :2])
    other = "float64" if dtype == "float32" else "float32"
    with pytest.raises(TypeError, match=f"X must have dtype {dtype}"):
        layer(X.astype(other))
    with pytest.raises(ValueError, match="not built yet"):
        fnn.Dense(3)(X)


def test_layer_outputs_are_every_layers_activations():
    m = model()
    X, _ = data(9)
    outputs = m.layer_outputs(X)
    assert [o.shape for o in outputs] == [(9, 6), (9, 5), (9, 1)]
    np.testing.assert_allclose(outputs[-1], m.predict(X), rtol=1e-6)
    np.testing.assert_allclose(outputs[0], m.layers[0](X), rtol=0)
    assert (outputs[-1] > 0).all() and (outputs[-1] < 1).all()


def test_the_callback_list_calls_in_order_and_history_last():
    calls = []

    class Spy(callbacks.Callback):
        def __init__(self, tag):
            super().__init__()
            self.tag = tag

        def on_epoch_end(self, epoch, logs=None):
            calls.append((self.tag, epoch, "history" in str(self.model.history.history)))
            logs[f"seen_by_{self.tag}"] = 1.0

    m = model()
    X, y = data()
    history = m.fit(X, y, epochs=2, verbose=0, callbacks=[Spy("a"), Spy("b")])
    assert [c[:2] for c in calls] == [("a", 0), ("b", 0), ("a", 1), ("b", 1)]
    assert history.history["seen_by_a"] == [1.0, 1.0] and history.history["seen_by_b"] == [1.0, 1.0]
    with pytest.raises(TypeError, match=r"callbacks must be fastnn\.callbacks\.Callback"):
        m.fit(X, y, epochs=1, verbose=0, callbacks=[print])


def test_class_weight_is_the_sample_weight_of_each_class():
    X, y = data(80)
    by_class, by_sample = model(), model()
    by_class.fit(X, y, epochs=2, batch_size=16, verbose=0, class_weight={0: 0.5, 1: 3.0})
    weights = np.where(y[:, 0] > 0.5, 3.0, 0.5)
    by_sample.fit(X, y, epochs=2, batch_size=16, verbose=0, sample_weight=weights)
    for a, b in zip(by_class.get_weights(), by_sample.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    plain = model()
    plain.fit(X, y, epochs=2, batch_size=16, verbose=0)
    assert not np.array_equal(plain.get_weights()[0], by_class.get_weights()[0])


def test_sparse_and_one_hot_class_weights():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    labels = rng.integers(0, 3, 40)
    runs = []
    for loss, y in (
        ("sparse_categorical_crossentropy", labels),
        ("categorical_crossentropy", np.eye(3)[labels]),
    ):
        m = fnn.Sequential([fnn.Dense(3, activation="softmax", input_dim=3)], seed=5)
        m.compile("sgd", loss)
        m.fit(X, y, epochs=2, batch_size=8, verbose=0, class_weight={2: 4.0})
        runs.append(m.get_weights()[0])
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"sample_weight": np.ones(5)},
            r"sample_weight must have one weight per sample, shape \(64,\)",
        ),
        ({"sample_weight": -np.ones(64)}, r"sample_weight\[0\] = -1.0 is not a finite weight"),
        (
            {"class_weight": {2: 1.0}},
            r"class_weight names class 2, but this model's classes are 0..1",
        ),
        ({"class_weight": {0: -1.0}}, r"class_weight\[0\] = -1.0 is not a finite weight"),
        ({"class_weight": [1.0, 2.0]}, "class_weight must be a dict"),
    ],
)
def test_bad_weights_are_refused_before_training(kwargs, message):
    m = model()
    X, y = data()
    before = m.get_weights()[0]
    with pytest.raises((ValueError, TypeError), match=message):
        m.fit(X, y, epochs=1, verbose=0, **kwargs)
    np.testing.assert_array_equal(m.get_weights()[0], before)


def test_precision_recall_and_r2_come_from_the_loops_sums():
    X, y = data(100)
    m = model()
    m.compile("adam", "binary_crossentropy", metrics=["precision", "recall", "accuracy"])
    m.fit(X, y, epochs=3, verbose=0)
    logs = m.evaluate(X, y, return_dict=True)
    P = m.predict(X)
    assert logs["precision"] == pytest.approx(metrics.precision(y, P), rel=1e-12)
    assert logs["recall"] == pytest.approx(metrics.recall(y, P), rel=1e-12)
    reg = fnn.Sequential([fnn.Dense(1, input_dim=3)], seed=2)
    reg.compile("sgd", "mse", metrics=["r2"])
    target = X @ np.array([[1.0], [2.0], [-1.0]], np.float32)
    reg.fit(X, target, epochs=5, verbose=0)
    r2 = reg.evaluate(X, target, return_dict=True)["r2"]
    assert r2 == pytest.approx(metrics.r2(target, reg.predict(X)), rel=1e-6)
    with pytest.raises(ValueError, match="r2 is a regression metric"):
        clf = fnn.Sequential([fnn.Dense(2, activation="softmax", input_dim=3)])
        clf.compile("sgd", "sparse_categorical_crossentropy", metrics=["r2"])


def test_pandas_frames_and_series_are_accepted():
    pd = pytest.importorskip("pandas", reason="pandas is in the test extra; absent, no frames")
    X, y = data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    series = pd.Series(y[:, 0])
    a, b = model(), model()
    a.fit(X, y, epochs=1, verbose=0)
    b.fit(frame, series, epochs=1, verbose=0)
    np.testing.assert_array_equal(a.predict(X), b.predict(frame))


def test_fit_and_predict_refuse_absurd_arguments():
    m = model()
    X, y = data()
    before = m.get_weights()[0]
    with pytest.raises(ValueError, match=r"epochs must be at most 2\*\*62"):
        m.fit(X, y, epochs=2**63, verbose=0)
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        m.fit(X, y, epochs=1, shuffle="x", verbose=0)
    for bad in (-1, 0, 2**64, 1.5):
        with pytest.raises(ValueError, match="batch_size must be an int >= 1 or None"):
            m.predict(X, batch_size=bad)
    np.testing.assert_array_equal(m.get_weights()[0], before)
    with pytest.raises(ValueError, match=r"layer needs [\d,]+ bytes, more than this machine"):
        fnn.Sequential([fnn.Dense(10**6, input_dim=10**6)])
