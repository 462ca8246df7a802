"""Keras' standard callbacks on Sequential.fit: checkpoints, the learning rate, CSV logs, NaN."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

import fastnn
from fastnn import callbacks, optimizers


def model_and_data(lr=0.05, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(64, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]))[:, None] + 0.1 * rng.normal(size=(64, 1))
    model = fastnn.Sequential(
        [fastnn.Dense(8, activation="tanh", input_dim=3), fastnn.Dense(1)], seed=seed
    )
    model.compile(optimizer=optimizers.SGD(lr), loss="mse")
    return model, X, y


class RecordLR(callbacks.Callback):
    """The learning rate each epoch ran with (read in on_epoch_end, after the scheduler)."""

    def on_train_begin(self, logs=None):
        self.rates = []

    def on_epoch_begin(self, epoch, logs=None):
        self.pending = self.model.optimizer.learning_rate_at(epoch)

    def on_epoch_end(self, epoch, logs=None):
        self.rates.append(self.pending)


def test_model_checkpoint_saves_every_epoch_with_formatted_names(tmp_path):
    model, X, y = model_and_data()
    path = tmp_path / "m-{epoch:02d}-{loss:.3f}.fnn"
    history = model.fit(X, y, epochs=3, verbose=0, callbacks=[callbacks.ModelCheckpoint(path)])
    saved = sorted(p.name for p in tmp_path.iterdir())
    expected = [f"m-{e + 1:02d}-{loss:.3f}.fnn" for e, loss in enumerate(history.history["loss"])]
    assert saved == expected
    last = fastnn.load_model(tmp_path / expected[-1])
    np.testing.assert_array_equal(last.predict(X), model.predict(X))
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]  # atomic: no leftovers


def test_model_checkpoint_best_only_keeps_the_best_epoch(tmp_path):
    model, X, y = model_and_data(lr=0.02)
    path = tmp_path / "best.fnn"
    saved_at = []

    class Spy(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if path.exists():
                saved_at.append((epoch, path.stat().st_mtime_ns, logs["val_loss"]))

    cb = callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    history = model.fit(X, y, epochs=6, validation_split=0.25, verbose=0, callbacks=[cb, Spy()])
    losses = history.history["val_loss"]
    assert cb.best == min(losses)
    best = fastnn.load_model(path)
    assert best.evaluate(X[48:], y[48:]) == pytest.approx(min(losses), rel=1e-9)


def test_model_checkpoint_refuses_what_it_cannot_do(tmp_path):
    for bad in ("batch", 0, True, 2.5):
        with pytest.raises(ValueError, match="save_freq must be 'epoch' or an int >= 1"):
            callbacks.ModelCheckpoint(tmp_path / "m.fnn", save_freq=bad)
    model, X, y = model_and_data()
    with pytest.raises(ValueError, match="cannot fill filepath"):
        model.fit(
            X, y, epochs=1, verbose=0, callbacks=[callbacks.ModelCheckpoint(tmp_path / "{acc}")]
        )


def test_reduce_lr_on_plateau_cuts_the_rate_after_patience():
    model, X, y = model_and_data()

    class Flat(callbacks.Callback):  # a monitored value that never improves
        def on_epoch_end(self, epoch, logs=None):
            logs["flat"] = 1.0

    record = RecordLR()
    cb = callbacks.ReduceLROnPlateau(monitor="flat", factor=0.5, patience=2, min_lr=0.01)
    history = model.fit(X, y, epochs=8, verbose=0, callbacks=[Flat(), cb, record])
    # Epoch 0 sets best; epochs 1, 2 wait: cut after 2 (to 0.025), then after 4 (0.0125), then
    # after 6 to the floor 0.01.
    assert record.rates == pytest.approx([0.05, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.01])
    assert history.history["learning_rate"] == pytest.approx(record.rates)


def test_reduce_lr_on_plateau_refuses_a_schedule():
    model, X, y = model_and_data()
    model.compile(optimizer=optimizers.SGD(optimizers.StepDecay(0.1)), loss="mse")
    with pytest.raises(TypeError, match="learning rate is a schedule"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[callbacks.ReduceLROnPlateau()])


def test_learning_rate_scheduler_sets_each_epochs_rate():
    model, X, y = model_and_data()
    record = RecordLR()
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    history = model.fit(X, y, epochs=4, verbose=0, callbacks=[sched, record])
    assert record.rates == pytest.approx([0.05, 0.025, 0.0125, 0.00625])
    assert history.history["learning_rate"] == pytest.approx(record.rates)
    # One-argument schedules work too, and the training is the one an SGD at those rates gives.
    model2, _, _ = model_and_data()
    one_arg = callbacks.LearningRateScheduler(lambda epoch: 0.05 * 0.5**epoch)
    model2.fit(X, y, epochs=4, verbose=0, callbacks=[one_arg])
    for a, b in zip(model.get_weights(), model2.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("schedule", "error", "message"),
    [
        (lambda e, lr: "fast", TypeError, "must return a number"),
        (lambda e, lr: -1.0, ValueError, "returned -1.0 for epoch 0"),
        (lambda e, lr: math.nan, ValueError, "returned nan"),
    ],
)
def test_learning_rate_scheduler_refuses_bad_rates(schedule, error, message):
    model, X, y = model_and_data()
    with pytest.raises(error, match=message):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(schedule)])
    with pytest.raises(TypeError, match="must be callable"):
        callbacks.LearningRateScheduler(0.1)


def test_csv_logger_writes_a_row_per_epoch_and_appends(tmp_path):
    model, X, y = model_and_data()
    path = tmp_path / "log.csv"
    history = model.fit(
        X, y, epochs=3, validation_split=0.25, verbose=0, callbacks=[callbacks.CSVLogger(path)]
    )
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2]
    assert [float(r[1]) for r in rows[1:]] == pytest.approx(history.history["loss"])
    model.fit(
        X,
        y,
        epochs=5,
        initial_epoch=3,
        validation_split=0.25,
        verbose=0,
        callbacks=[callbacks.CSVLogger(path, append=True)],
    )
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2, 3, 4] and rows[0][0] == "epoch"
    model.fit(X, y, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(path, separator=";")])
    assert path.read_text().splitlines()[0] == "epoch;loss"


def test_terminate_on_nan_stops_and_says_why():
    model, X, y = model_and_data()

    class Poison(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                logs["loss"] = math.nan

    history = model.fit(X, y, epochs=5, verbose=0, callbacks=[Poison(), callbacks.TerminateOnNaN()])
    assert history.epoch == [0, 1]
    assert "TerminateOnNaN: the loss of epoch 2 is nan" in history.stopped_reason


def test_model_checkpoint_every_n_batches(tmp_path):
    # 48 samples in batches of 8: 6 batches an epoch, 12 in two epochs; every 5th is saved
    # (batches 5 and 10, counted across epochs: epoch 1 batch 5, epoch 2 batch 4), and the
    # batch-by-batch loop this needs trains to the same weights as one call per epoch.
    model, X, y = model_and_data()
    start = model.get_weights()
    cb = callbacks.ModelCheckpoint(tmp_path / "m-{epoch}-{batch}.fnn", save_freq=5)
    model.fit(X[:48], y[:48], epochs=2, batch_size=8, shuffle=True, verbose=0, callbacks=[cb])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-1-5.fnn", "m-2-4.fnn"]
    assert not callbacks.overrides(callbacks.ModelCheckpoint(tmp_path / "x"), "on_train_batch_end")
    plain, _, _ = model_and_data()
    plain.set_weights(start)
    plain.fit(X[:48], y[:48], epochs=2, batch_size=8, shuffle=True, verbose=0)
    for a, b in zip(model.get_weights(), plain.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    saved = fastnn.load_model(tmp_path / "m-2-4.fnn")
    assert saved.optimizer.iterations == 10
