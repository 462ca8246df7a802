"""Per-batch callbacks (issue 14, item 6): the fused loop hands back to Python after every batch
only when some callback overrides a per-batch hook, trains to the same weights bit for bit when
it does, and reports Keras' running logs; evaluate's and predict's batch hooks are called too."""

from __future__ import annotations

import numpy as np
import pytest

import fastnn as fnn
from fastnn import callbacks


class Recorder(callbacks.Callback):
    """Records every hook it sees, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("train_begin", batch, dict(logs or {})))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("train_end", batch, dict(logs or {})))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, dict(logs or {})))


class EpochOnly(callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        pass


def data(n=203, features=6, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, features)).astype(np.float32)
    return X, (X[:, 0] + X[:, 1] > 0).astype(np.int64) + 2 * (X[:, 2] > 0) % classes


def model_of(hidden=(8,), seed=1, inputs=6, backend="cpp", dtype="float32"):
    layers = [fnn.Dense(hidden[0], "tanh", input_dim=inputs)]
    layers += [fnn.Dense(h, "relu") for h in hidden[1:]]
    layers.append(fnn.Dense(4, "softmax"))
    model = fnn.Sequential(layers, seed=seed, backend=backend, dtype=dtype)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class CountingNetwork:
    """Wraps a core network and counts the calls into train_epoch."""

    def __init__(self, network, counter):
        self._network, self._counter = network, counter

    def train_epoch(self, *args, **kwargs):
        self._counter.append((kwargs["first_batch"], kwargs["last_batch"]))
        return self._network.train_epoch(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._network, name)


def count_calls(model, monkeypatch):
    calls: list = []
    make = model._network
    monkeypatch.setattr(model, "_network", lambda b: CountingNetwork(make(b), calls))
    return calls


@pytest.mark.parametrize(
    ("hidden", "batch_size", "extra"),
    [
        ((8,), 16, {}),
        ((8,), 16, {"shuffle": False}),
        ((8,), 7, {"sample_weight": np.linspace(0.1, 2.0, 203)}),
        ((8,), 16, {"verbose": 1}),  # the progress bar's chunks and the batch hooks together
        ((512, 256), 128, {}),  # data-parallel batches on 2 or more threads
    ],
)
def test_batch_hooks_train_to_the_same_weights_bit_for_bit(hidden, batch_size, extra, capsys):
    X, y = data()
    plain, hooked = model_of(hidden), model_of(hidden)
    kwargs = {"epochs": 3, "batch_size": batch_size, "verbose": 0, **extra}
    h1 = plain.fit(X, y, **kwargs)
    recorder = Recorder()
    h2 = hooked.fit(X, y, callbacks=[recorder], **kwargs)
    for a, b in zip(plain.get_weights(), hooked.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # the epoch's loss sums the batches' in another order (one by one in Python): rounding
    assert h1.history["accuracy"] == h2.history["accuracy"]
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-13)
    assert plain.optimizer.iterations == hooked.optimizer.iterations
    batches = -(-203 // batch_size)
    train_ends = [c for c in recorder.calls if c[0] == "train_end"]
    assert len(train_ends) == 3 * batches
    assert [c[1] for c in train_ends] == list(range(batches)) * 3
    # the last batch's running logs are the epoch's
    epoch_ends = [c for c in recorder.calls if c[0] == "epoch_end"]
    ends_of_epochs = train_ends[batches - 1 :: batches]
    for (_, _, batch_logs), (_, _, epoch_logs) in zip(ends_of_epochs, epoch_ends, strict=True):
        assert batch_logs == epoch_logs
    capsys.readouterr()


def test_running_logs_are_the_mean_over_the_epochs_batches_so_far():
    """Keras' batch logs: the loss averaged over the samples of the batches so far (weighted by
    batch size), the metrics over the same samples; checked against one batch at a time through
    the NumPy twin."""
    X, y = data(n=50)
    recorder = Recorder()
    model = model_of(dtype="float64")
    model.fit(X, y, epochs=1, batch_size=16, shuffle=False, verbose=0, callbacks=[recorder])
    twin = model_of(backend="reference", dtype="float64")
    losses, correct, seen = [], 0, 0
    for b, start in enumerate(range(0, 50, 16)):
        rows = slice(start, start + 16)
        logs = twin.train_on_batch(X[rows], y[rows], return_dict=True)
        n = len(X[rows])
        losses.append(logs["loss"] * n)
        correct += logs["accuracy"] * n
        seen += n
        got = [c for c in recorder.calls if c[0] == "train_end"][b][2]
        assert got["loss"] == pytest.approx(sum(losses) / seen, rel=1e-12)
        assert got["accuracy"] == pytest.approx(correct / seen, rel=1e-12)


def test_no_batch_hook_means_one_call_per_epoch(monkeypatch):
    X, y = data()
    model = model_of()
    calls = count_calls(model, monkeypatch)
    model.fit(X, y, epochs=2, batch_size=16, verbose=0, callbacks=[EpochOnly()])
    assert calls == [(0, 13), (0, 13)]
    model = model_of()
    calls = count_calls(model, monkeypatch)
    model.fit(X, y, epochs=1, batch_size=16, verbose=0, callbacks=[Recorder()])
    assert calls == [(b, b + 1) for b in range(13)]


def test_a_hook_set_on_the_instance_counts_too(monkeypatch):
    X, y = data()
    model = model_of()
    calls = count_calls(model, monkeypatch)
    seen = []
    cb = callbacks.Callback()
    cb.on_train_batch_end = lambda batch, logs=None: seen.append(batch)
    model.fit(X, y, epochs=1, batch_size=64, verbose=0, callbacks=[cb])
    assert seen == [0, 1, 2, 3] and len(calls) == 4


def test_stop_training_in_a_batch_hook_ends_the_epoch_there():
    class StopAfter(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                self.model.stop_training = True

    X, y = data()
    recorder = Recorder()
    model = model_of()
    history = model.fit(X, y, epochs=5, batch_size=16, verbose=0, callbacks=[StopAfter(), recorder])
    assert model.optimizer.iterations == 3
    assert len(history.history["loss"]) == 1 and history.epoch == [0]
    assert [c[0] for c in recorder.calls][-1] == "epoch_end"


def test_a_learning_rate_set_in_a_batch_hook_applies_from_that_batch():
    class Freeze(callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 2:
                self.model.optimizer.learning_rate = 0.0

    X, y = data()
    frozen = model_of()
    frozen.compile(fnn.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    frozen.fit(X, y, epochs=1, batch_size=16, shuffle=False, verbose=0, callbacks=[Freeze()])
    two = model_of()
    two.compile(fnn.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    two.fit(X[:32], y[:32], epochs=1, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(frozen.get_weights(), two.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert frozen.optimizer.iterations == 13  # the steps still count (SGD at rate 0)


class EvaluateRecorder(callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list = []

    def on_test_begin(self, logs=None):
        self.calls.append(("begin",))

    def on_test_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_test_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, dict(logs)))

    def on_test_end(self, logs=None):
        self.calls.append(("end", dict(logs)))


def test_evaluate_and_validation_call_the_test_hooks():
    X, y = data()
    model = model_of(dtype="float64")
    recorder = EvaluateRecorder()
    plain = model.evaluate(X, y, return_dict=True)
    logs = model.evaluate(X, y, return_dict=True, batch_size=50, callbacks=[recorder])
    assert logs == pytest.approx(plain, rel=1e-12)
    assert [c[0] for c in recorder.calls] == ["begin", *["batch_begin", "batch_end"] * 5, "end"]
    assert recorder.calls[-2][2] == logs and recorder.calls[-1][1] == logs
    first = recorder.calls[2][2]
    assert first == pytest.approx(model.evaluate(X[:50], y[:50], return_dict=True), rel=1e-12)
    recorder.calls.clear()
    history = model.fit(
        X, y, epochs=2, batch_size=64, verbose=0, validation_data=(X, y), callbacks=[recorder]
    )
    assert [c[0] for c in recorder.calls].count("begin") == 2
    assert [c[0] for c in recorder.calls].count("batch_end") == 2 * 4
    assert history.history["val_loss"][-1] == pytest.approx(recorder.calls[-1][1]["loss"])


def test_predict_calls_the_predict_hooks():
    class PredictRecorder(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.calls = []

        def on_predict_begin(self, logs=None):
            self.calls.append("begin")

        def on_predict_batch_end(self, batch, logs=None):
            self.calls.append((batch, logs["outputs"].shape))

        def on_predict_end(self, logs=None):
            self.calls.append("end")

    X, _ = data()
    model = model_of()
    recorder = PredictRecorder()
    out = model.predict(X, batch_size=100, callbacks=[recorder])
    np.testing.assert_array_equal(out, model.predict(X))
    assert recorder.calls == ["begin", (0, (100, 4)), (1, (100, 4)), (2, (3, 4)), "end"]
    begin_end_only = callbacks.Callback()
    np.testing.assert_array_equal(model.predict(X, callbacks=[begin_end_only]), out)


def test_history_params_are_keras():
    X, y = data()
    model = model_of()
    recorder = Recorder()
    history = model.fit(X, y, epochs=3, batch_size=50, verbose=0, callbacks=[recorder])
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 5}
    assert recorder.params == history.params


def test_keras_older_batch_hook_names_are_called_too():
    class Old(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_batch_begin(self, batch, logs=None):
            self.seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            self.seen.append(("end", batch, sorted(logs)))

    X, y = data()
    old = Old()
    model_of().fit(X, y, epochs=1, batch_size=128, verbose=0, callbacks=[old])
    assert old.seen == [
        ("begin", 0),
        ("end", 0, ["accuracy", "loss"]),
        ("begin", 1),
        ("end", 1, ["accuracy", "loss"]),
    ]


@pytest.mark.parametrize(
    ("hidden", "normalize", "clipnorm"),
    [((8,), True, 1.0), ((512, 256), True, None), ((512, 256), False, None)],
)
def test_batch_hooks_with_dropout_batch_norm_and_clipping_train_alike(hidden, normalize, clipnorm):
    """Dropout's masks come from the update step, BatchNormalization's moving statistics from
    each batch: one batch per call into the core changes neither. (Normalization and clipping
    train on the serial loop; dropout alone, on the large net, data-parallel.)"""

    def build():
        layers = [fnn.Dense(hidden[0], "relu", input_dim=6)]
        layers += [fnn.BatchNormalization()] if normalize else []
        layers.append(fnn.Dropout(0.3))
        for h in hidden[1:]:
            layers += [fnn.Dense(h, "relu"), fnn.Dropout(0.2)]
        model = fnn.Sequential([*layers, fnn.Dense(4, "softmax")], seed=3)
        model.compile(
            fnn.optimizers.Adam(0.01, clipnorm=clipnorm),
            "sparse_categorical_crossentropy",
            metrics=["sparse_categorical_accuracy"],
        )
        return model

    X, y = data()
    plain, hooked = build(), build()
    if not normalize and hidden[0] > 8:
        assert plain._network(32).data_parallel_threads(32) > 1 or fnn.get_num_threads() == 1
    plain.fit(X, y, epochs=2, batch_size=32, verbose=0)
    recorder = Recorder()
    hooked.fit(X, y, epochs=2, batch_size=32, verbose=0, callbacks=[recorder])
    for a, b in zip(plain.get_weights(), hooked.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for name, a in plain.get_state()["weights"].items():
        np.testing.assert_array_equal(a, hooked.get_state()["weights"][name], err_msg=name)
    assert len([c for c in recorder.calls if c[0] == "train_end"]) == 2 * 7
