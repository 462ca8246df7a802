"""fastnn.Sequential: training works and is reproducible, metrics and History hold what they
say, callbacks, NaN handling, progress output, input checks, dtypes, weights, optimizers and
schedules. The C++ loop against its NumPy twin is in test_training_parity.py, save/load in
test_io.py."""

from __future__ import annotations

import json
import math
import pickle
import re
import threading
import warnings
import zipfile
from typing import ClassVar

import numpy as np
import pytest

import fastnn as fnn
from fastnn import callbacks, models, optimizers, regularizers

# Metrics recomputed in NumPy from model.predict, against History and evaluate, float64. Both
# sides sum the same per-sample terms in a different order (per batch in the loop, all at once
# in NumPy), and the loop's bce/ce come from the logits, NumPy's from the probabilities:
# measured differences <= 1e-15 relative (5 ulps); 1e-12 is a ~1000x margin, and a wrong mean
# (per row instead of per element, a missed partial batch) would be off by > 1e-2.
METRIC_TOL = dict(rtol=1e-12, atol=1e-14)


def xor_data(n=400, seed=1, dtype=np.float64):
    """XOR-like 2-D data: the class is the sign of x0 * x1; no line separates it."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2)).astype(dtype)
    return X, (X[:, 0] * X[:, 1] > 0).astype(np.int64)


def blobs(n=90, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    centers = rng.normal(scale=3, size=(classes, 4))
    return centers[labels] + rng.normal(size=(n, 4)), labels


def small_model(dtype="float32", seed=3, backend="cpp", out=1, out_activation="sigmoid"):
    model = fnn.Sequential(
        [fnn.Dense(5, "tanh", input_dim=4), fnn.Dense(out, out_activation)],
        dtype=dtype,
        seed=seed,
        backend=backend,
    )
    return model


def binary_data(n=97, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, (X[:, 0] - X[:, 1] + 0.5 * rng.normal(size=n) > 0).astype(float)


def assert_weights_equal(a, b):
    assert len(a) == len(b)
    for wa, wb in zip(a, b, strict=True):
        np.testing.assert_array_equal(wa, wb)


# ---- learning -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_float32_net_learns_xor(seed):
    X, y = xor_data(dtype=np.float32)
    model = fnn.Sequential([fnn.Dense(8, "tanh", input_dim=2), fnn.Dense(1, "sigmoid")], seed=seed)
    assert model.dtype == np.float32
    model.compile(optimizers.Adam(0.03), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=100, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    assert history.history["accuracy"][-1] >= 0.95
    loss, accuracy = model.evaluate(X, y)
    assert accuracy >= 0.95 and loss < 0.2
    assert model.get_weights()[0].dtype == np.float32
    assert model.predict(X).dtype == np.float32


def test_perceptron_fails_xor_where_a_hidden_layer_solves_it():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    perceptron = fnn.Perceptron(max_epochs=200, seed=0).fit(X, y)
    assert not perceptron.converged_
    assert perceptron.score(X, y) <= 0.75  # a line gets at most 3 of the 4 points right
    model = fnn.Sequential([fnn.Dense(8, "tanh", input_dim=2), fnn.Dense(1, "sigmoid")], seed=0)
    model.compile(optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    model.fit(X, y, epochs=300, batch_size=4, verbose=0)
    np.testing.assert_array_equal(model.predict(X)[:, 0] > 0.5, y == 1)
    assert model.evaluate(X, y)[1] == 1.0


def test_softmax_classifier_learns_blobs():
    X, labels = blobs()
    model = fnn.Sequential(
        [fnn.Dense(8, "relu", input_dim=4), fnn.Dense(3, "softmax")], dtype="float64", seed=0
    )
    model.compile(optimizers.SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy", ["acc"])
    model.fit(X, labels, epochs=30, batch_size=10, verbose=0)
    assert model.evaluate(X, labels)[1] >= 0.95
    np.testing.assert_allclose(model.predict(X).sum(axis=1), 1.0, rtol=1e-12)


# ---- reproducibility ------------------------------------------------------------------------


def at_offset(A, offset_bytes):
    """A C-contiguous copy of A starting `offset_bytes` past a 64-byte boundary."""
    buffer = np.empty(A.nbytes + 128, np.uint8)
    start = -buffer.ctypes.data % 64 + offset_bytes
    out = buffer[start : start + A.nbytes].view(A.dtype).reshape(A.shape)
    out[...] = A
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shuffle", [True, False])
def test_same_seed_same_run_bit_for_bit(dtype, shuffle):
    # Runs between which the heap moves (other allocations, X at another address): the
    # results must not depend on where anything landed in memory.
    X, y = binary_data()
    runs = []
    for run, seed in enumerate((5, 5, 5, 5, 6)):
        ballast = [np.empty(7 * run + 1) for _ in range(run)]  # shifts the next allocations
        model = fnn.Sequential(
            [fnn.Dense(9, "tanh", input_dim=4), fnn.Dense(3, "elu"), fnn.Dense(1, "sigmoid")],
            dtype=dtype,
            seed=seed,
        )
        model.compile(optimizers.Adam(0.01), "binary_crossentropy", ["accuracy", "mae"])
        X_run = at_offset(X.astype(dtype), 8 * run)
        history = model.fit(
            X_run, y, epochs=4, batch_size=10, shuffle=shuffle, validation_split=0.2, verbose=0
        )
        runs.append((model.get_weights(), history.history, model.predict(X_run)))
        del ballast
    for weights, history, predictions in runs[1:4]:
        assert_weights_equal(weights, runs[0][0])
        assert history == runs[0][1]  # every float equal
        np.testing.assert_array_equal(predictions, runs[0][2])
    other_weights, other_history, _ = runs[4]
    assert not np.array_equal(other_weights[0], runs[0][0][0])
    assert other_history["loss"] != runs[0][1]["loss"]


def test_seed_fixes_the_batch_order_too():
    # Same initial weights (set by hand), different seeds: the shuffled order differs.
    X, y = binary_data()
    a, b = small_model("float64", seed=1), small_model("float64", seed=2)
    b.set_weights(a.get_weights())
    for model in (a, b):
        model.compile(optimizers.SGD(0.1), "binary_crossentropy")
        model.fit(X, y, epochs=1, batch_size=8, verbose=0)
    assert not np.array_equal(a.get_weights()[0], b.get_weights()[0])
    # ... while shuffle=False makes the seed irrelevant to training
    c, d = small_model("float64", seed=1), small_model("float64", seed=2)
    d.set_weights(c.get_weights())
    for model in (c, d):
        model.compile(optimizers.SGD(0.1), "binary_crossentropy")
        model.fit(X, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    assert_weights_equal(c.get_weights(), d.get_weights())


def test_seed_none_draws_one():
    a, b = small_model(seed=None), small_model(seed=None)
    assert isinstance(a.seed, int) and a.seed != b.seed
    assert not np.array_equal(a.get_weights()[0], b.get_weights()[0])


# ---- metrics and History --------------------------------------------------------------------


def numpy_metrics(P, T, loss):
    """Loss, accuracy, mae, mse of predictions P (n, k) against targets T (n, k), in NumPy."""
    if loss == "mse":
        value = np.mean((P - T) ** 2)
    elif loss == "binary_crossentropy":
        value = -np.mean(T * np.log(P) + (1 - T) * np.log(1 - P))
    else:
        value = -np.mean(np.sum(T * np.log(P), axis=1))
    if P.shape[1] == 1 or loss == "binary_crossentropy":
        accuracy = np.mean((P > 0.5) == (T > 0.5))
    else:
        accuracy = np.mean(P.argmax(axis=1) == T.argmax(axis=1))
    return {
        "loss": value,
        "accuracy": accuracy,
        "mae": np.mean(np.abs(P - T)),
        "mse": np.mean((P - T) ** 2),
    }


METRIC_CASES = {
    # loss, output units, output activation, targets from (X, labels)
    "bce_sigmoid_1": ("binary_crossentropy", 1, "sigmoid"),
    "bce_sigmoid_3": ("binary_crossentropy", 3, "sigmoid"),
    "bce_softmax": ("binary_crossentropy", 3, "softmax"),
    "cce": ("categorical_crossentropy", 3, "softmax"),
    "sparse_cce": ("sparse_categorical_crossentropy", 3, "softmax"),
    "mse_1": ("mse", 1, "linear"),
    "mse_3": ("mse", 3, "sigmoid"),
}


@pytest.mark.parametrize("case", METRIC_CASES)
@pytest.mark.parametrize("backend", ["cpp", "reference"])
def test_metrics_match_numpy(case, backend):
    loss, units, activation = METRIC_CASES[case]
    X, labels = blobs(n=93)  # 93 = 9 * 10 + 3: a partial last batch
    onehot = np.eye(3)[labels]
    if units == 1:
        T = (labels == 1).astype(float)[:, None]
        if loss == "mse":
            T = T * 2 - 0.3  # targets either side of the 0.5 threshold, not probabilities
    else:
        T = onehot
    y = labels if loss == "sparse_categorical_crossentropy" else T
    model = fnn.Sequential(
        [fnn.Dense(6, "tanh", input_dim=4), fnn.Dense(units, activation)],
        dtype="float64",
        seed=4,
        backend=backend,
    )
    # learning rate 0: the weights stay put during the epoch, so the epoch's running metrics
    # are those of the final model on the whole training set
    model.compile(optimizers.SGD(0.0), loss, metrics=["accuracy", "mae", "mse"])
    X_val, labels_val = blobs(n=31, seed=9)
    T_val = np.eye(3)[labels_val] if units == 3 else (labels_val == 1).astype(float)[:, None]
    y_val = labels_val if loss == "sparse_categorical_crossentropy" else T_val
    history = model.fit(
        X, y, epochs=2, batch_size=10, validation_data=(X_val, y_val), verbose=0
    ).history
    expected = numpy_metrics(model.predict(X), T, loss)
    expected_val = numpy_metrics(model.predict(X_val), T_val, loss)
    assert 0 < expected["accuracy"] < 1  # the check can tell right from wrong answers
    assert set(history) == {*expected, *(f"val_{k}" for k in expected)}
    for key, value in expected.items():
        assert len(history[key]) == 2  # (the epochs sum the batches in other orders)
        np.testing.assert_allclose(history[key], [value, value], **METRIC_TOL, err_msg=key)
        np.testing.assert_allclose(
            history[f"val_{key}"][-1], expected_val[key], **METRIC_TOL, err_msg=f"val_{key}"
        )
    evaluated = model.evaluate(X, y, return_dict=True)
    for key, value in expected.items():
        np.testing.assert_allclose(evaluated[key], value, **METRIC_TOL, err_msg=key)
    assert model.evaluate(X, y) == [evaluated[k] for k in ("loss", "accuracy", "mae", "mse")]


def test_metric_aliases_and_evaluate_without_metrics():
    X, y = binary_data()
    model = small_model("float64")
    model.compile("sgd", "binary_crossentropy", metrics=["acc", "mean_absolute_error", "MSE"])
    assert model.metrics == ["accuracy", "mae", "mse"]
    model.compile("sgd", "binary_crossentropy")
    loss = model.evaluate(X, y)
    assert isinstance(loss, float) and loss > 0
    assert model.fit(X, y, epochs=1, verbose=0).history.keys() == {"loss"}


def test_validation_split_holds_out_the_last_samples():
    X, y = binary_data(n=100)
    model = small_model("float64")
    model.compile(optimizers.SGD(0.0), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=3, validation_split=0.25, verbose=0)
    assert history.epoch == [0, 1, 2]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(history.history[key]) == 3
    # the last 25 samples, not a random quarter, before any shuffling
    val_loss, val_accuracy = model.evaluate(X[75:], y[75:])
    assert history.history["val_loss"][-1] == pytest.approx(val_loss, rel=1e-12)
    assert history.history["val_accuracy"][-1] == val_accuracy
    train_loss, _ = model.evaluate(X[:75], y[:75])
    assert history.history["loss"][-1] == pytest.approx(train_loss, rel=1e-12)
    assert model.history is history


def test_loss_decreases_and_history_is_per_epoch():
    X, y = binary_data()
    model = small_model("float64")
    model.compile(optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=6, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 6 and all(isinstance(v, float) for v in losses)
    assert losses[-1] < losses[0]
    assert history.stopped_reason == ""


# ---- callbacks ------------------------------------------------------------------------------


class Recorder(callbacks.Callback):
    def __init__(self, calls):
        super().__init__()
        self.calls = calls

    def set_model(self, model):
        super().set_model(model)
        self.calls.append(("set_model",))

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end",))


def test_callback_hooks_in_order():
    X, y = binary_data()
    model = small_model()
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    calls = []
    recorder = Recorder(calls)
    model.fit(
        X, y, epochs=5, initial_epoch=2, validation_split=0.1, callbacks=[recorder], verbose=0
    )
    keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert calls == [
        ("set_model",),
        ("train_begin",),
        ("epoch_begin", 2),
        ("epoch_end", 2, keys),
        ("epoch_begin", 3),
        ("epoch_end", 3, keys),
        ("epoch_begin", 4),
        ("epoch_end", 4, keys),
        ("train_end",),
    ]
    assert recorder.model is model
    assert model.history.epoch == [2, 3, 4]


def test_callback_can_stop_training():
    class StopAt(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    X, y = binary_data()
    model = small_model()
    model.compile("adam", "binary_crossentropy")
    assert model.fit(X, y, epochs=10, callbacks=[StopAt()], verbose=0).epoch == [0, 1]


def test_callbacks_must_be_callbacks():
    X, y = binary_data()
    model = small_model()
    model.compile("adam", "binary_crossentropy")
    with pytest.raises(TypeError, match="Callback instances, got function"):
        model.fit(X, y, callbacks=[lambda epoch: None], verbose=0)


class Script(callbacks.Callback):
    """Replaces the monitored value with a scripted sequence and snapshots the weights, so that
    EarlyStopping (after it in the list) sees known values."""

    def __init__(self, values, key="val_loss"):
        super().__init__()
        self.values, self.key, self.weights = values, key, []

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]
        self.weights.append(self.model.get_weights())


@pytest.mark.parametrize(
    ("values", "kwargs", "stopped", "best"),
    [
        # best at epoch 1; 2 epochs without improvement, then stop after epoch 3
        ([1.0, 0.5, 0.6, 0.55, 0.1, 0.1], dict(patience=2), 3, 1),
        # patience 0: stop at the first epoch that does not improve
        ([1.0, 0.9, 0.95, 0.1, 0.1, 0.1], dict(patience=0), 2, 1),
        # min_delta: 0.95 and 0.9 are not improvements by more than 0.1 over 1.0
        ([1.0, 0.95, 0.9, 0.85, 0.1, 0.1], dict(patience=2, min_delta=0.1), 2, 0),
        # an accuracy is maximised (mode "auto")
        ([0.5, 0.7, 0.6, 0.65, 0.9, 0.9], dict(patience=2, monitor="val_accuracy"), 3, 1),
        # never stops when it keeps improving
        ([6.0, 5.0, 4.0, 3.0, 2.0, 1.0], dict(patience=1), None, 5),
    ],
)
def test_early_stopping(values, kwargs, stopped, best):
    X, y = binary_data()
    model = small_model("float64")
    model.compile(optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    key = kwargs.get("monitor", "val_loss")
    script = Script(values, key)
    stopper = callbacks.EarlyStopping(restore_best_weights=True, **kwargs)
    history = model.fit(
        X, y, epochs=6, validation_split=0.2, callbacks=[script, stopper], verbose=0
    )
    last = 5 if stopped is None else stopped
    assert history.epoch == list(range(last + 1))
    assert stopper.best_epoch == best and stopper.best == values[best]
    assert stopper.stopped_epoch == (stopped or 0)
    assert ("did not improve" in history.stopped_reason) == (stopped is not None)
    assert_weights_equal(model.get_weights(), script.weights[best])  # restored
    if best != last:
        assert not np.array_equal(script.weights[best][0], script.weights[last][0])


def test_early_stopping_on_a_rising_val_loss():
    # Validation targets are the opposite of the training targets: the better the model
    # fits, the worse val_loss gets, from the first epoch on.
    X, y = binary_data()
    model = small_model("float64")
    model.compile(optimizers.SGD(0.5), "binary_crossentropy")
    initial = model.get_weights()
    stopper = callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(X, y, epochs=20, validation_data=(X, 1 - y), callbacks=[stopper], verbose=0)
    val = history.history["val_loss"]
    assert history.epoch == [0, 1, 2] and val[0] < val[1] < val[2]
    assert stopper.best_epoch == 0
    # restored: the weights after one epoch, as a separate 1-epoch run gives them
    one_epoch = small_model("float64")
    one_epoch.compile(optimizers.SGD(0.5), "binary_crossentropy")
    one_epoch.fit(X, y, epochs=1, verbose=0)
    assert_weights_equal(model.get_weights(), one_epoch.get_weights())
    assert not np.array_equal(model.get_weights()[0], initial[0])


def test_early_stopping_without_restoring_keeps_the_last_weights():
    X, y = binary_data()
    model = small_model("float64")
    model.compile(optimizers.SGD(0.5), "binary_crossentropy")
    script = Script([1.0, 2.0, 3.0])
    stopper = callbacks.EarlyStopping(patience=1)
    model.fit(X, y, epochs=3, validation_split=0.2, callbacks=[script, stopper], verbose=0)
    assert model.history.epoch == [0, 1]
    assert_weights_equal(model.get_weights(), script.weights[1])


def test_early_stopping_on_a_missing_monitor_warns_once():
    X, y = binary_data()
    model = small_model()
    model.compile("adam", "binary_crossentropy")
    stopper = callbacks.EarlyStopping(monitor="val_loss", patience=0)
    with pytest.warns(RuntimeWarning, match="'val_loss' is not in the logs") as record:
        history = model.fit(X, y, epochs=3, callbacks=[stopper], verbose=0)
    assert len([w for w in record if "EarlyStopping" in str(w.message)]) == 1
    assert history.epoch == [0, 1, 2]  # nothing monitored: no stop


def test_early_stopping_arguments():
    with pytest.raises(ValueError, match="mode must be"):
        callbacks.EarlyStopping(mode="up")
    with pytest.raises(ValueError, match="patience must be an int >= 0"):
        callbacks.EarlyStopping(patience=-1)
    assert callbacks.EarlyStopping(monitor="val_accuracy").mode == "max"
    assert callbacks.EarlyStopping(monitor="val_mae").mode == "min"


# ---- NaN and inf ----------------------------------------------------------------------------


def unnormalised_regression():
    rng = np.random.default_rng(0)
    X = 100 * rng.normal(size=(64, 3))
    return X, X @ np.array([1.0, 2.0, 3.0])


def linear_model(**kwargs):
    model = fnn.Sequential([fnn.Dense(1, input_dim=3)], dtype="float64", seed=1, **kwargs)
    model.compile(optimizers.SGD(1e10), "mse")
    return model


@pytest.mark.parametrize("backend", ["cpp", "reference"])
def test_nan_loss_stops_training_and_keeps_the_last_finite_weights(tmp_path, backend):
    X, y = unnormalised_regression()
    model = linear_model(backend=backend)
    with (
        np.errstate(over="ignore", invalid="ignore"),  # NumPy's own, from the reference loop
        pytest.warns(RuntimeWarning, match=r"NaN or infinite in epoch 2\b.*after epoch 1"),
    ):
        history = model.fit(X, y, epochs=5, batch_size=8, shuffle=False, verbose=0)
    assert history.epoch == [0]
    assert len(history.history["loss"]) == 1 and math.isfinite(history.history["loss"][0])
    assert "epoch 2" in history.stopped_reason
    # a separate run for the one finite epoch
    reference = linear_model(backend=backend)
    reference_history = reference.fit(X, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert history.history == reference_history.history
    assert_weights_equal(model.get_weights(), reference.get_weights())
    assert all(np.isfinite(w).all() for w in model.get_weights())
    # the optimizer's update count went back too: the saved training state is the same
    model.save(tmp_path / "a.fnn")
    reference.save(tmp_path / "b.fnn")
    headers = []
    for name in ("a.fnn", "b.fnn"):
        with zipfile.ZipFile(tmp_path / name) as zf:
            headers.append(json.loads(zf.read("fastnn.json"))["training"])
    assert headers[0] == headers[1] == {"step": 8, "epochs_done": 1}


def test_nan_in_the_first_epoch_keeps_the_initial_weights():
    X, y = unnormalised_regression()
    model = fnn.Sequential([fnn.Dense(1, input_dim=3)], seed=1)  # float32 overflows sooner
    model.compile(optimizers.SGD(1e10), "mse")
    initial = model.get_weights()
    with pytest.warns(RuntimeWarning, match="in epoch 1;"):
        history = model.fit(X, y, epochs=3, batch_size=8, verbose=0)
    assert history.epoch == [] and history.history == {}
    assert_weights_equal(model.get_weights(), initial)


@pytest.mark.parametrize("backend", ["cpp", "reference"])
def test_weights_that_overflow_in_the_last_update_are_not_kept(backend):
    # float32 weights, float64 loss sums: after the first update the weights are ~1e30, the
    # second batch's loss (~1e60) is still finite in float64, and its update overflows the
    # float32 weights to inf. Every loss was finite before its update, yet the fit must not end
    # on those weights: it keeps the last finite ones and says which epoch they are from.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5])).astype(np.float32)
    model = fnn.Sequential([fnn.Dense(1, input_dim=3)], seed=1, backend=backend)
    model.compile(optimizers.SGD(1e30), "mse")
    initial = model.get_weights()
    with (
        np.errstate(over="ignore", invalid="ignore"),  # NumPy's own, from the reference loop
        pytest.warns(RuntimeWarning, match=r"the weights became NaN or infinite in epoch 1;"),
    ):
        history = model.fit(X, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    assert history.epoch == []
    assert_weights_equal(model.get_weights(), initial)


def test_training_goes_on_after_a_nan_as_after_the_last_finite_epoch():
    # Adam's state and its step count (its bias correction) go back to those after the last
    # finite epoch: going on with a sane rate equals going on from a separate 1-epoch run.
    X, y = unnormalised_regression()
    runs = []
    for epochs in (4, 1):
        model = fnn.Sequential([fnn.Dense(1, input_dim=3)], dtype="float64", seed=1)
        # epoch 0 at 1e-3, epoch 1 at 1e200: the loss overflows in epoch 2
        optimizer = optimizers.Adam(optimizers.StepDecay(1e-3, drop=1e203, epochs_per_drop=1))
        model.compile(optimizer, "mse")
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            model.fit(X, y, epochs=epochs, batch_size=8, verbose=0)
        assert len(record) == (epochs > 1)
        optimizer.learning_rate = 1e-3
        model.fit(X, y, epochs=3, initial_epoch=1, batch_size=8, verbose=0)
        runs.append(model.get_weights())
    assert_weights_equal(*runs)


# ---- progress output ------------------------------------------------------------------------


@pytest.mark.parametrize("verbose", [0, 1, 2])
def test_verbose(capsys, verbose):
    X, y = binary_data()
    model = small_model()
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(X, y, epochs=5, batch_size=16, verbose=verbose)
    captured = capsys.readouterr()
    out = captured.out + captured.err
    if verbose == 0:
        assert out == ""
    elif verbose == 1:
        assert "epoch" in out and "loss" in out
    else:
        lines = out.strip().splitlines()
        assert len(lines) == 5
        for i, line in enumerate(lines):
            assert re.match(rf"Epoch {i + 1}/5 - loss: \d+\.\d{{4}} - accuracy: \d\.\d{{4}}$", line)


def test_evaluate_verbose_prints_the_logs(capsys):
    X, y = binary_data()
    model = small_model()
    model.compile("adam", "binary_crossentropy", metrics=["mae"])
    model.evaluate(X, y)
    assert capsys.readouterr().out == ""
    model.evaluate(X, y, verbose=1)
    assert re.match(r"loss: \d+\.\d{4} - mae: \d\.\d{4}\n$", capsys.readouterr().out)


# ---- input checks ---------------------------------------------------------------------------


@pytest.fixture
def compiled():
    model = small_model()
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def test_fit_before_compile():
    model = small_model()
    X, y = binary_data()
    with pytest.raises(RuntimeError, match=r"fit: compile the model first"):
        model.fit(X, y)
    with pytest.raises(RuntimeError, match=r"evaluate: compile the model first"):
        model.evaluate(X, y)
    assert model.predict(X).shape == (len(X), 1)  # predict needs no compile


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (
            np.zeros((10, 4, 1)),
            np.zeros(10),
            r"X must be 2-D \(samples, features\), got shape \(10, 4, 1\)",
        ),
        (np.zeros(10), np.zeros(10), r"X must be 2-D"),
        (np.zeros((10, 3)), np.zeros(10), r"X has 3 features but the model takes 4"),
        (np.zeros((10, 4)), np.zeros(9), r"X has 10 samples but y has 9"),
        (
            np.zeros((10, 4)),
            np.zeros((10, 2)),
            r"y must have shape \(10, 1\) for a model with 1 outputs",
        ),
        (
            np.zeros((10, 4)),
            np.full(10, 1.5),
            r"binary_crossentropy needs targets in \[0, 1\], got y\[0, 0\] = 1.5",
        ),
        (np.zeros((10, 4)), np.r_[np.zeros(7), -1, 0, 0], r"got y\[7, 0\] = -1"),
        (np.zeros((10, 4)), np.r_[np.zeros(7), np.nan, 0, 0], r"y\[7, 0\] is nan"),
        (np.array(list("abcdefghij") * 4).reshape(10, 4), np.zeros(10), r"X must hold numbers"),
        (np.zeros((10, 4)), np.array(list("abcdefghij")), r"y must hold numbers"),
        ("not an array", np.zeros(10), r"X must be a numpy array"),
    ],
)
def test_fit_checks_x_and_y(compiled, X, y, message):
    with pytest.raises((ValueError, TypeError), match=f"^fit: .*{message}"):
        compiled.fit(X, y, verbose=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_x_names_the_index(compiled, bad):
    X, y = binary_data()
    X[41, 2] = bad
    with pytest.raises(ValueError, match=rf"fit: X\[41, 2\] is {bad}; inputs must be finite"):
        compiled.fit(X, y, verbose=0)
    # predict does not scan its input (one sample costs ~1 us): a NaN comes out in its own row
    # (an inf may saturate to a finite output), and the other rows are untouched.
    out = compiled.predict(X)
    clean = np.delete(X, 41, axis=0)
    np.testing.assert_array_equal(np.delete(out, 41, axis=0), compiled.predict(clean))
    if np.isnan(bad):
        assert np.isnan(out[41]).all()
    with pytest.raises(ValueError, match=r"evaluate: X\[41, 2\]"):
        compiled.evaluate(X, y)


def test_validation_data_is_checked(compiled):
    X, y = binary_data()
    with pytest.raises(ValueError, match=r"fit\(validation_data\): X has 2 features"):
        compiled.fit(X, y, validation_data=(X[:, :2], y), verbose=0)
    with pytest.raises(ValueError, match=r"fit\(validation_data\): X has 97 samples but y has 3"):
        compiled.fit(X, y, validation_data=(X, y[:3]), verbose=0)
    with pytest.raises(ValueError, match=r"validation_data must be a pair"):
        compiled.fit(X, y, validation_data=(X,), verbose=0)
    with pytest.raises(ValueError, match=r"fit\(validation_data\): sample_weight must have one"):
        compiled.fit(X, y, validation_data=(X, y, y[:5]), verbose=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(epochs=-1), r"epochs must be an int >= 0, got -1"),
        (dict(epochs=2.5), r"epochs must be an int >= 0, got 2.5"),
        (dict(epochs=True), r"epochs must be an int >= 0, got True"),
        (dict(batch_size=0), r"batch_size must be an int >= 1, got 0"),
        (dict(batch_size=8.0), r"batch_size must be an int >= 1, got 8.0"),
        (dict(validation_split=1.0), r"validation_split must be in \[0, 1\), got 1.0"),
        (dict(validation_split=-0.1), r"validation_split must be in \[0, 1\)"),
        (dict(validation_split="0.2"), r"validation_split must be in \[0, 1\)"),
        (
            dict(validation_split=0.999),
            r"validation_split=0.999 leaves no training or no validation",
        ),
        (dict(verbose=3), r"verbose must be 0, 1 or 2, got 3"),
        (dict(initial_epoch=-1), r"initial_epoch must be an int >= 0, got -1"),
        (dict(initial_epoch=1.5), r"initial_epoch must be an int >= 0, got 1.5"),
    ],
)
def test_fit_checks_its_arguments(compiled, kwargs, message):
    X, y = binary_data()
    with pytest.raises(ValueError, match=f"^fit: {message}"):
        compiled.fit(X, y, **{"verbose": 0, **kwargs})


def test_epochs_zero_and_batch_size_none(compiled):
    X, y = binary_data()
    before = compiled.get_weights()
    assert compiled.fit(X, y, epochs=0, verbose=0).epoch == []
    assert_weights_equal(before, compiled.get_weights())
    compiled.fit(X, y, epochs=1, batch_size=None, verbose=0)  # None: Keras' default 32
    assert not np.array_equal(before[0], compiled.get_weights()[0])


def sparse_model():
    model = fnn.Sequential([fnn.Dense(3, "softmax", input_dim=2)], seed=0)
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    return model


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.array([0, 1, 2, 3, 0]), r"y\[3\] = 3 is not a class label in \[0, 3\) for 3 outputs"),
        (np.array([0, 1, -1, 2, 0]), r"y\[2\] = -1 is not a class label in \[0, 3\)"),
        (np.array([0, 1, 2, 0.5, 0]), r"y\[3\] = 0.5 is not a whole class label"),
        (np.array([0, 1, np.nan, 0, 0]), r"y\[2\] = nan is not a whole class label"),
        (np.eye(3)[[0, 1, 2, 0, 1]], r"integer labels of shape \(n,\), got shape \(5, 3\)"),
        (np.array(["a", "b", "c", "a", "b"]), r"y must hold class labels \(integers\)"),
    ],
)
def test_sparse_labels_are_checked(y, message):
    with pytest.raises((ValueError, TypeError), match=f"^fit: .*{message}"):
        sparse_model().fit(np.zeros((5, 2)), y, verbose=0)


def test_sparse_labels_accepted_forms():
    X = np.random.default_rng(0).normal(size=(6, 2))
    weights = []
    for y in ([0, 1, 2, 0, 1, 2], np.array([0.0, 1, 2, 0, 1, 2]), np.array([[0], [1], [2]] * 2)):
        model = sparse_model()
        model.fit(X, y, epochs=2, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    assert_weights_equal(weights[0], weights[1])
    assert_weights_equal(weights[0], weights[2])


def test_categorical_targets_are_checked():
    model = fnn.Sequential([fnn.Dense(3, "softmax", input_dim=2)], seed=0)
    model.compile("adam", "categorical_crossentropy")
    with pytest.raises(
        ValueError, match=r"y must have shape \(5, 3\) .*one-hot rows; or use sparse"
    ):
        model.fit(np.zeros((5, 2)), np.array([0, 1, 2, 0, 1]), verbose=0)
    with pytest.raises(ValueError, match=r"needs targets in \[0, 1\], got y\[1, 2\] = 2"):
        model.fit(np.zeros((2, 2)), np.array([[0, 0, 1], [0, 0, 2]]), verbose=0)


def test_compile_checks():
    model = fnn.Sequential([fnn.Dense(4, "relu", input_dim=2), fnn.Dense(3, "sigmoid")], seed=0)
    for loss in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        with pytest.raises(
            ValueError, match=rf"loss '{loss}' needs a softmax output layer.*'sigmoid'"
        ):
            model.compile("sgd", loss)
    linear = fnn.Sequential([fnn.Dense(1, input_dim=2)], seed=0)
    with pytest.warns(RuntimeWarning, match="binary_crossentropy expects probabilities"):
        linear.compile("sgd", "binary_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.compile("sgd", "binary_crossentropy")  # sigmoid output: no warning
    with pytest.raises(
        ValueError, match=r"unknown loss 'cosine_similarity'; expected one of mse, binary"
    ):
        model.compile("sgd", "cosine_similarity")
    with pytest.raises(ValueError, match=r"unknown optimizer 'lion'; expected one of sgd"):
        model.compile("lion", "mse")
    with pytest.raises(ValueError, match=r"unknown metric 'logcosh'; expected one of accuracy"):
        model.compile("sgd", "mse", metrics=["logcosh"])
    with pytest.raises(ValueError, match=r"metric 'auc' does not fit this model: .* 3 output"):
        model.compile("sgd", "mse", metrics=["auc"])  # tests/test_metrics.py: the rest
    with pytest.raises(TypeError, match="optimizer must be an Optimizer"):
        model.compile(3, "mse")
    with pytest.raises(ValueError, match="no layers"):
        fnn.Sequential().compile("sgd", "mse")


def test_layer_and_model_arguments_are_checked():
    with pytest.raises(ValueError, match=r"unknown activation 'maxout'; expected one of step"):
        fnn.Dense(3, "maxout")
    with pytest.raises(ValueError, match=r"unknown initializer 'orthogonal'"):
        fnn.Dense(3, kernel_initializer="orthogonal")
    with pytest.raises(ValueError, match=r"unknown initializer 'nope'"):
        fnn.Dense(3, bias_initializer="nope")
    with pytest.raises(ValueError, match="kernel_regularizer must be"):
        fnn.Dense(3, kernel_regularizer="l3")
    with pytest.raises(ValueError, match="units must be an int >= 1"):
        fnn.Dense(0)
    with pytest.raises(ValueError, match="alpha applies to leaky_relu and elu, not relu"):
        fnn.Dense(3, "relu", alpha=0.1)
    with pytest.raises(ValueError, match="the first layer needs input_dim"):
        fnn.Sequential([fnn.Dense(3)])
    with pytest.raises(ValueError, match="input_dim=5 but the layer before gives 3"):
        fnn.Sequential([fnn.Dense(3, input_dim=2), fnn.Dense(2, input_dim=5)])
    with pytest.raises(
        TypeError, match=r"expected a fastnn Dense, Dropout, BatchNormalization or Activation layer"
    ):
        fnn.Sequential().add("dense")
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64'"):
        fnn.Sequential(dtype="float16")
    with pytest.raises(ValueError, match="backend must be 'cpp' or 'reference'"):
        fnn.Sequential(backend="torch")
    for seed in (-1, 2**64):
        with pytest.raises(ValueError, match=r"seed must be an int in \[0, 2\*\*64\)"):
            fnn.Sequential(seed=seed)


# ---- dtypes and input conversion ------------------------------------------------------------


def test_dtype_defaults_to_float32_and_inputs_are_converted():
    X, y = binary_data()
    model = small_model(seed=0)
    assert model.dtype == np.float32
    assert all(w.dtype == np.float32 for w in model.get_weights())
    model.compile(optimizers.SGD(0.1), "binary_crossentropy")
    model.fit(X, y, epochs=2, verbose=0)  # float64 X and y into a float32 model
    same = small_model(seed=0)
    same.compile(optimizers.SGD(0.1), "binary_crossentropy")
    same.fit(X.astype(np.float32), y.astype(np.float32), epochs=2, verbose=0)
    assert_weights_equal(model.get_weights(), same.get_weights())
    # ints, lists, Fortran order: all converted
    assert model.predict(X).dtype == np.float32
    np.testing.assert_array_equal(model.predict(X.tolist()), model.predict(X))
    np.testing.assert_array_equal(model.predict(np.asfortranarray(X)), model.predict(X))
    assert model.predict(np.arange(8).reshape(2, 4)).shape == (2, 1)
    assert isinstance(model.evaluate(X, y.tolist()), float)


def test_one_feature_accepts_a_vector():
    model = fnn.Sequential([fnn.Dense(1, input_dim=1)], dtype="float64", seed=0)
    x = np.linspace(-1, 1, 11)
    np.testing.assert_array_equal(model.predict(x), model.predict(x[:, None]))


class SpyNetwork(fnn._core.Network):
    """The C++ network, recording the X each train_epoch call receives."""

    seen: ClassVar[list] = []

    def train_epoch(self, X, Y, **kwargs):
        SpyNetwork.seen.append(X)
        return super().train_epoch(X, Y, **kwargs)


def test_float32_c_contiguous_x_is_not_copied(monkeypatch):
    monkeypatch.setitem(models._BACKENDS, "cpp", SpyNetwork)
    SpyNetwork.seen = []
    X, y = binary_data()
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    model = small_model(seed=0)
    model.compile("sgd", "binary_crossentropy")
    model.fit(X32, y, epochs=2, validation_split=0.2, verbose=0)
    assert len(SpyNetwork.seen) == 2
    for seen in SpyNetwork.seen:  # the training rows of X32 themselves, no copy
        assert seen.dtype == np.float32 and np.shares_memory(seen, X32)
        assert seen.shape == (77, 4) and seen.__array_interface__["data"][0] == X32.ctypes.data
    SpyNetwork.seen = []
    model.fit(X, y, epochs=1, verbose=0)  # float64: converted, necessarily a copy
    assert not np.shares_memory(SpyNetwork.seen[0], X)


def test_fit_on_a_memmap(tmp_path):
    X, y = binary_data(n=200)
    path = tmp_path / "X.f32"
    X.astype(np.float32).tofile(path)
    X_map = np.memmap(path, dtype=np.float32, mode="r", shape=X.shape)
    trained = []
    for data in (X_map, X.astype(np.float32)):
        model = small_model(seed=0)
        model.compile(optimizers.Adam(0.01), "binary_crossentropy", ["accuracy"])
        history = model.fit(data, y, epochs=3, batch_size=16, validation_split=0.1, verbose=0)
        trained.append((model.get_weights(), history.history, model.predict(data)))
    assert_weights_equal(trained[0][0], trained[1][0])
    assert trained[0][1] == trained[1][1]
    np.testing.assert_array_equal(trained[0][2], trained[1][2])
    del X_map


# ---- weights and summary --------------------------------------------------------------------


def test_get_weights_layout():
    model = fnn.Sequential(
        [
            fnn.Dense(5, "relu", input_dim=3),
            fnn.Dense(4, "tanh", use_bias=False),
            fnn.Dense(2, "softmax", bias_initializer="ones"),
        ],
        seed=0,
    )
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 5), (5,), (5, 4), (4, 2), (2,)]
    np.testing.assert_array_equal(weights[1], 0)  # bias_initializer zeros
    np.testing.assert_array_equal(weights[4], 1)
    assert model.count_params() == 3 * 5 + 5 + 5 * 4 + 4 * 2 + 2
    # copies: changing them does not change the model
    weights[0][...] = 7
    assert not np.any(model.get_weights()[0] == 7)
    # W is (in, out), applied as X @ W + b: predict is NumPy's forward pass on these arrays
    X = np.random.default_rng(0).normal(size=(6, 3))
    W1, b1, W2, W3, b3 = model.get_weights()
    Z = np.tanh(np.maximum(X @ W1 + b1, 0) @ W2) @ W3 + b3
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    # a float32 model against NumPy on its float32 weights: a few float32 ulps (1.2e-7 each)
    np.testing.assert_allclose(model.predict(X), P / P.sum(axis=1, keepdims=True), rtol=1e-5)


def test_set_weights():
    model = small_model("float64")
    new = [np.full(w.shape, 0.1 * (i + 1)) for i, w in enumerate(model.get_weights())]
    model.set_weights(new)
    assert_weights_equal(model.get_weights(), new)
    with pytest.raises(ValueError, match="expected 4 arrays, got 3"):
        model.set_weights(new[:3])
    with pytest.raises(ValueError, match=r"array 2 must have shape \(5, 1\), got \(1, 5\)"):
        model.set_weights([new[0], new[1], new[2].T, new[3]])
    assert_weights_equal(model.get_weights(), new)  # a failed set changed nothing


def test_set_weights_then_train_uses_them():
    X, y = binary_data()
    a, b = small_model("float64", seed=1), small_model("float64", seed=2)
    b.set_weights(a.get_weights())
    for model in (a, b):
        model.compile(optimizers.Adam(0.01), "binary_crossentropy")
        model.fit(X, y, epochs=2, shuffle=False, verbose=0)
    assert_weights_equal(a.get_weights(), b.get_weights())


def test_summary(capsys):
    model = fnn.Sequential(
        [fnn.Dense(16, "relu", input_dim=10, name="hidden"), fnn.Dense(3, "softmax")], seed=0
    )
    model.summary()
    out = capsys.readouterr().out
    assert re.search(r"hidden\s+\(None, 16\)\s+relu\s+176\n", out)
    assert re.search(r"dense_1\s+\(None, 3\)\s+softmax\s+51\n", out)
    assert "Total params: 227 (float32)" in out
    assert "Optimizer" not in out
    model.compile(optimizers.Adam(0.01), "categorical_crossentropy")
    model.summary()
    assert "Optimizer: Adam(learning_rate=0.01" in capsys.readouterr().out


# ---- optimizers and schedules ---------------------------------------------------------------

OPTIMIZER_INSTANCES = [
    optimizers.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    optimizers.Adagrad(0.1, initial_accumulator_value=0.2, eps=1e-7, weight_decay=0.1),
    optimizers.Adadelta(0.5, rho=0.8, eps=1e-5),
    optimizers.RMSprop(0.002, rho=0.8, eps=1e-6, momentum=0.5, centered=True),
    optimizers.Adam(0.003, beta_1=0.8, beta_2=0.99, eps=1e-7, amsgrad=True),
    optimizers.AdamW(optimizers.StepDecay(0.1, drop=0.25, epochs_per_drop=3), weight_decay=0.2),
    optimizers.SGD(optimizers.ExponentialDecay(0.1, 0.5, decay_epochs=2.0, staircase=True)),
]


@pytest.mark.parametrize("optimizer", OPTIMIZER_INSTANCES, ids=repr)
def test_optimizer_config_round_trips(optimizer):
    config = optimizer.get_config()
    again = optimizers.get(json.loads(json.dumps(config)))  # as a saved file holds it
    assert type(again) is type(optimizer)
    assert again.get_config() == config
    assert again.slots == optimizer.slots
    for epoch in range(8):
        assert again.learning_rate_at(epoch) == optimizer.learning_rate_at(epoch)


def test_optimizers_by_name_and_errors():
    for name, cls in optimizers.OPTIMIZERS.items():
        assert type(optimizers.get(name)) is cls
        assert type(optimizers.get(name.upper())) is cls
    instance = optimizers.Adam()
    assert optimizers.get(instance) is instance
    with pytest.raises(ValueError, match="unknown optimizer kind 'nadam'"):
        optimizers.get({"kind": "nadam"})
    with pytest.raises(ValueError, match="unknown learning-rate schedule 'Cosine'"):
        optimizers.get({"kind": "sgd", "learning_rate": {"name": "Cosine"}})
    with pytest.raises(ValueError, match="SGD: learning_rate must be a finite number >= 0"):
        optimizers.SGD(-0.1)
    with pytest.raises(ValueError, match="SGD: nesterov=True needs momentum > 0"):
        optimizers.SGD(0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"Adam: beta_1 must be a finite number in \[0, 1\)"):
        optimizers.Adam(beta_1=1.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'rho'"):
        optimizers.get({"kind": "sgd", "rho": 0.9})


def test_step_decay_values():
    schedule = optimizers.StepDecay(0.1, drop=0.5, epochs_per_drop=2)
    expected = [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]
    assert [schedule(e) for e in range(7)] == pytest.approx(expected, rel=1e-15)
    with pytest.raises(ValueError, match="epochs_per_drop must be an int >= 1"):
        optimizers.StepDecay(0.1, epochs_per_drop=0)


def test_exponential_decay_values():
    smooth = optimizers.ExponentialDecay(0.1, decay_rate=0.5, decay_epochs=2.0)
    assert [smooth(e) for e in range(5)] == pytest.approx(
        [0.1, 0.1 * 0.5**0.5, 0.05, 0.05 * 0.5**0.5, 0.025], rel=1e-15
    )
    stairs = optimizers.ExponentialDecay(0.1, decay_rate=0.5, decay_epochs=2.0, staircase=True)
    assert [stairs(e) for e in range(5)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025], rel=1e-15)
    with pytest.raises(ValueError, match="decay_rate must be a number > 0"):
        optimizers.ExponentialDecay(0.1, decay_rate=0)


@pytest.mark.parametrize(
    "schedule",
    [
        optimizers.StepDecay(0.05, drop=0.5, epochs_per_drop=2),
        optimizers.ExponentialDecay(0.05, decay_rate=0.7, decay_epochs=1.5),
    ],
    ids=["step", "exponential"],
)
@pytest.mark.parametrize("kind", [optimizers.SGD, optimizers.Adam])
def test_model_uses_the_schedule_per_epoch(schedule, kind):
    # One fit with the schedule == one fit per epoch with that epoch's constant rate (same
    # optimizer object, so its state and step carry over): bit for bit.
    X, y = binary_data()
    scheduled = small_model("float64", seed=2)
    scheduled.compile(kind(schedule), "binary_crossentropy")
    scheduled.fit(X, y, epochs=5, batch_size=16, verbose=0)
    manual = small_model("float64", seed=2)
    optimizer = kind(1.0)
    manual.compile(optimizer, "binary_crossentropy")
    for epoch in range(5):
        optimizer.learning_rate = schedule(epoch)
        manual.fit(X, y, epochs=epoch + 1, initial_epoch=epoch, batch_size=16, verbose=0)
    assert_weights_equal(scheduled.get_weights(), manual.get_weights())
    # and a constant rate gives other weights
    constant = small_model("float64", seed=2)
    constant.compile(kind(schedule(0)), "binary_crossentropy")
    constant.fit(X, y, epochs=5, batch_size=16, verbose=0)
    assert not np.array_equal(constant.get_weights()[0], scheduled.get_weights()[0])


def test_regularizer_arguments():
    assert regularizers.get("l2") == regularizers.l2(0.01)
    assert regularizers.get({"l1": 0.1, "l2": 0.0}) == regularizers.l1(0.1)
    with pytest.raises(ValueError, match="regularizer l1 must be a number >= 0"):
        regularizers.l1(-1)


# ---- several threads, copies ----------------------------------------------------------------


def test_fit_from_several_threads_takes_turns():
    # Each fit runs whole: four concurrent fits end where four fits one after another do.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(96, 4))
    y = (X[:, 0] > 0).astype(float)

    def make():
        model = fnn.Sequential(
            [fnn.Dense(8, "tanh", input_dim=4), fnn.Dense(1, "sigmoid")], dtype="float64", seed=3
        )
        model.compile(optimizers.SGD(0.05, momentum=0.9), "binary_crossentropy")
        return model

    shared, serial = make(), make()
    threads = [
        threading.Thread(
            target=shared.fit, args=(X, y), kwargs=dict(epochs=3, batch_size=8, verbose=0)
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for _ in range(4):
        serial.fit(X, y, epochs=3, batch_size=8, verbose=0)
    assert shared.optimizer.iterations == serial.optimizer.iterations == 4 * 3 * 12
    assert_weights_equal(shared.get_weights(), serial.get_weights())


def test_a_model_pickles_after_predict():
    # The cached core network is not part of the copy; the copy makes its own.
    X, y = xor_data(n=64, dtype=np.float32)
    model = fnn.Sequential([fnn.Dense(4, "tanh", input_dim=2), fnn.Dense(1, "sigmoid")], seed=0)
    model.compile(optimizers.Adam(0.05), "binary_crossentropy")
    model.fit(X, y, epochs=2, verbose=0)
    expected = model.predict(X)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict(X), expected)
    copy.fit(X, y, epochs=1, verbose=0)  # and trains, with a lock of its own


def test_evaluate_on_no_samples_and_fit_on_a_scalar_target_say_so():
    model = small_model()
    model.compile(optimizers.SGD(0.1), "binary_crossentropy")
    with pytest.raises(ValueError, match="evaluate: X has no samples"):
        model.evaluate(np.zeros((0, 4), np.float32), np.zeros(0, np.float32))
    with pytest.raises(ValueError, match=r"fit: y must have one entry per sample of X \(3\)"):
        model.fit(np.zeros((3, 4), np.float32), np.array(1.0), verbose=0)
