"""Callbacks: hooks into ``fit``, ``evaluate`` and ``predict``, with Keras' names.

The fused C++ loop runs whole epochs (or chunks of one) without returning to Python. Only when
some callback overrides a per-batch hook (``on_train_batch_begin``/``_end``, and alike for
test and predict) does the loop hand back to Python after every batch, so that the hooks see
each one; the weights come out bit for bit the same as without them. Callbacks that define
only the epoch hooks cost nothing per batch.
"""

from __future__ import annotations

import csv
import math
import os
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


class Callback:
    """Base class: override the hooks you need. ``self.model`` is set before training starts;
    set ``self.model.stop_training = True`` to stop after the current epoch."""

    def __init__(self) -> None:
        self.model = None
        self.params: dict = {}

    def set_model(self, model: Any) -> None:
        """Called by fit before on_train_begin."""
        self.model = model

    def set_params(self, params: dict) -> None:
        """Called by fit before on_train_begin with Keras' ``{'verbose', 'epochs', 'steps'}``
        (steps: batches per epoch)."""
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Before the first epoch."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """After the last epoch (also when training stopped early)."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Before epoch `epoch` (0-based)."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """After epoch `epoch`; `logs` holds loss, the metrics and their val_ versions."""

    # Per-batch hooks. Overriding one makes fit (evaluate, predict) call into the core one batch
    # at a time: the results are the same, only slower for very small batches.

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before batch `batch` (0-based within the epoch) of fit. Setting the optimizer's
        learning_rate here applies from this batch on. (Calls on_batch_begin, Keras' older
        name, which may be overridden instead.)"""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After batch `batch`'s update; `logs`: the loss and metrics averaged over the
        epoch's batches so far, as Keras reports them. ``model.stop_training = True`` ends the
        epoch here (its on_epoch_end still runs). (Calls on_batch_end, Keras' older name.)"""
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Keras' older name of on_train_batch_begin (called by it)."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Keras' older name of on_train_batch_end (called by it)."""

    def on_test_begin(self, logs: dict | None = None) -> None:
        """Before evaluate, and before fit's validation pass each epoch."""

    def on_test_end(self, logs: dict | None = None) -> None:
        """After evaluate or fit's validation pass; `logs` holds its loss and metrics."""

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before batch `batch` of evaluate (or of fit's validation pass)."""

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After batch `batch` of evaluate; `logs`: loss and metrics over its batches so far."""

    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Before predict."""

    def on_predict_end(self, logs: dict | None = None) -> None:
        """After predict."""

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before batch `batch` of predict."""

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After batch `batch` of predict; ``logs["outputs"]`` holds its predictions."""


def overrides(callback: Callback, hook: str) -> bool:
    """Whether `callback` defines `hook` itself (in its class or on the instance) rather than
    inheriting the base class's empty one."""
    return hook in vars(callback) or getattr(type(callback), hook) is not getattr(Callback, hook)


class History(Callback):
    """Records every epoch's logs: ``history["loss"]`` is the list of epoch losses."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        #: why training ended before the last epoch ("" if it did not)
        self.stopped_reason = ""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class CallbackList(Callback):
    """Several callbacks called as one, in order: what ``fit`` talks to.

    ``fit`` builds one from its ``callbacks``, the progress bar (:class:`ProgbarLogger`, for
    ``verbose=1``) first and the model's :class:`History` last, as Keras orders them, so
    History records what the others added to the logs.
    """

    def __init__(self, callbacks: Iterable[Callback] = (), model: Any = None) -> None:
        super().__init__()
        self.callbacks: list[Callback] = []
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    "fit: callbacks must be fastnn.callbacks.Callback instances, got "
                    f"{type(cb).__name__}"
                )
            self.callbacks.append(cb)
        if model is not None:
            self.set_model(model)

    def set_model(self, model: Any) -> None:
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict) -> None:
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def on_train_begin(self, logs: dict | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def wants(self, *hooks: str) -> bool:
        """Whether some callback overrides one of `hooks` (per-batch hooks cost a return to
        Python per batch, so the loops ask first)."""
        return any(overrides(cb, hook) for cb in self.callbacks for hook in hooks)

    def _each(self, hook: str, *args) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._each("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._each("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._each("on_test_begin", logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        self._each("on_test_end", logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._each("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._each("on_test_batch_end", batch, logs)

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._each("on_predict_begin", logs)

    def on_predict_end(self, logs: dict | None = None) -> None:
        self._each("on_predict_end", logs)

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._each("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._each("on_predict_batch_end", batch, logs)

    def on_batches_end(self, epoch: int, batches: int, logs: dict) -> None:
        """After a chunk of `batches` batches of `epoch` (the fused loop runs an epoch in up
        to 20 chunks when a progress bar shows it): for the progress bar only."""
        for cb in self.callbacks:
            if isinstance(cb, ProgbarLogger):
                cb.on_batches_end(epoch, batches, logs)

    def __iter__(self):
        return iter(self.callbacks)


class ProgbarLogger(Callback):
    """The progress bar of ``verbose=1`` (tqdm over the batches of all epochs, with the running
    loss and metrics); ``fit`` adds it itself."""

    def __init__(self, epochs: int, batches_per_epoch: int) -> None:
        super().__init__()
        self.epochs = epochs
        self.batches_per_epoch = batches_per_epoch
        self.bar = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        import sys

        from tqdm.auto import tqdm

        self.bar = tqdm(
            total=self.epochs * self.batches_per_epoch,
            unit="batch",
            dynamic_ncols=True,
            file=sys.stdout,
            mininterval=0.2,
        )

    def on_batches_end(self, epoch: int, batches: int, logs: dict) -> None:
        """After a chunk of batches: advance the bar, show the running logs."""
        self.bar.set_description(f"epoch {epoch + 1}", refresh=False)
        self.bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=False)
        self.bar.update(batches)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.bar.set_postfix({k: f"{v:.4f}" for k, v in (logs or {}).items()}, refresh=False)

    def on_train_end(self, logs: dict | None = None) -> None:
        self.close()

    def close(self) -> None:
        """Close the bar (also when training fails: fit calls this in its cleanup)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    ``mode`` "auto" minimises losses and errors and maximises accuracy. With
    ``restore_best_weights`` the model ends with the weights of its best epoch.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
        baseline: float | None = None,
        verbose: int = 0,
    ) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self.baseline = baseline
        self.verbose = verbose
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.mode = mode
        self.stopped_epoch = 0
        self.best_epoch = 0

    def _improved(self, value: float, reference: float) -> bool:
        if self.mode == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = (
            self.baseline
            if self.baseline is not None
            else (math.inf if self.mode == "min" else -math.inf)
        )
        self.best_weights = None
        self.best_epoch = 0
        self._warned = False

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is None:
            if not self._warned:
                available = ", ".join(sorted(logs or {}))
                warnings.warn(
                    f"EarlyStopping: '{self.monitor}' is not in the logs ({available}); "
                    "nothing is monitored (validation_split or validation_data gives val_ entries)",
                    RuntimeWarning,
                    stacklevel=2,
                )
                self._warned = True
            return
        if self._improved(value, self.best):
            self.best = value
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = [np.copy(w) for w in self.model.get_weights()]
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            self.model.history.stopped_reason = (
                f"EarlyStopping: {self.monitor} did not improve for {self.wait} epochs "
                f"(best {self.best:.6g} at epoch {self.best_epoch + 1})"
            )

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


# ---- Keras' other standard callbacks ---------------------------------------------------------


def _mode(where: str, monitor: str, mode: str) -> str:
    """'min' or 'max' for `monitor`; 'auto' maximises accuracies, precision, recall and r2."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{where}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    maximised = ("acc", "precision", "recall", "auc", "r2")
    return "max" if any(word in monitor for word in maximised) else "min"


def _monitored(callback: Callback, where: str, logs: dict | None, monitor: str) -> float | None:
    """logs[monitor], or None with one warning per fit naming what the logs hold."""
    value = (logs or {}).get(monitor)
    if value is None and not getattr(callback, "_warned", False):
        warnings.warn(
            f"{where}: '{monitor}' is not in the logs ({', '.join(sorted(logs or {}))}); "
            "nothing is monitored (validation_split or validation_data gives val_ entries)",
            RuntimeWarning,
            stacklevel=3,
        )
        callback._warned = True
    return value


def _fixed_learning_rate(model, where: str) -> float:
    from fastnn.optimizers import LearningRateSchedule

    lr = model.optimizer.learning_rate
    if isinstance(lr, LearningRateSchedule):
        raise TypeError(
            f"{where}: the optimizer's learning rate is a schedule ({type(lr).__name__}); "
            "this callback sets a number (compile with a number, or drop the callback)"
        )
    return float(lr)


class ModelCheckpoint(Callback):
    """Save the model after every epoch, or only when `monitor` improved (``save_best_only``).

    ``filepath`` may hold Keras' format fields, filled from the epoch (1-based) and the logs:
    ``"model-{epoch:02d}-{val_loss:.3f}.fnn"``. Every write goes through ``model.save``: a
    temporary file in the same folder, flushed to disk and renamed, so a crash mid-save leaves
    the previous checkpoint whole. It saves whole models (architecture, weights and the
    optimizer's state), which ``fastnn.load_model`` reads back, or with ``save_weights_only``
    the weights alone (``model.save_weights``; ``model.load_weights`` reads them).

    ``save_freq`` is ``"epoch"`` or, as in Keras, an int N: save after every N-th batch
    (counted across epochs; ``filepath`` may then use ``{batch}``, 1-based within the epoch, and
    the running logs). Only then does ``fit`` hand back to Python after each batch.
    """

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__()
        every_batches = (
            isinstance(save_freq, (int, np.integer))
            and not isinstance(save_freq, bool)
            and save_freq >= 1
        )
        if save_freq != "epoch" and not every_batches:
            raise ValueError(
                "ModelCheckpoint: save_freq must be 'epoch' or an int >= 1 (a number of "
                f"batches), got {save_freq!r}"
            )
        self.save_freq = int(save_freq) if every_batches else "epoch"
        if every_batches:
            # On the instance, so that only such a checkpoint makes fit go batch by batch.
            self.on_train_batch_end = self._batch_end
        self._epoch = 0
        self._batches_seen = 0
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.mode = _mode("ModelCheckpoint", monitor, mode)
        self.initial_value_threshold = initial_value_threshold
        self.best: float | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self.initial_value_threshold is not None:
            self.best = float(self.initial_value_threshold)
        self._warned = False

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def _batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._epoch, logs, batch=batch + 1)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, logs)

    def _save(self, epoch: int, logs: dict | None, **fields) -> None:
        logs = dict(logs or {})
        try:
            path = self.filepath.format(epoch=epoch + 1, **fields, **logs)
        except (KeyError, IndexError, ValueError) as e:
            names = ", ".join(sorted(["epoch", *fields, *logs]))
            raise ValueError(
                f"ModelCheckpoint: cannot fill filepath {self.filepath!r} from {names}: {e}"
            ) from None
        if self.save_best_only:
            value = _monitored(self, "ModelCheckpoint", logs, self.monitor)
            if value is None or not math.isfinite(value):
                return
            better = (
                self.best is None
                or (self.mode == "min" and value < self.best)
                or (self.mode == "max" and value > self.best)
            )
            if not better:
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved to {value:.5g}, saving {path}")
            self.best = value
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` when `monitor` has not improved by more than
    `min_delta` for `patience` epochs; then wait `cooldown` epochs; never below `min_lr`.

    The new rate applies from the next epoch (the fused loop reads it once per epoch). The
    logs carry ``learning_rate``, the rate the epoch ran with.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        super().__init__()
        if not 0.0 < factor < 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor!r}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"ReduceLROnPlateau: {name} must be an int >= 0, got {value!r}")
        if not min_lr >= 0:
            raise ValueError(f"ReduceLROnPlateau: min_lr must be >= 0, got {min_lr!r}")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = patience
        self.verbose = verbose
        self.mode = _mode("ReduceLROnPlateau", monitor, mode)
        self.min_delta = abs(float(min_delta))
        self.cooldown = cooldown
        self.min_lr = float(min_lr)

    def on_train_begin(self, logs: dict | None = None) -> None:
        _fixed_learning_rate(self.model, "ReduceLROnPlateau")
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0
        self.cooldown_counter = 0
        self._warned = False

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        lr = _fixed_learning_rate(self.model, "ReduceLROnPlateau")
        if logs is not None:
            logs["learning_rate"] = lr
        value = _monitored(self, "ReduceLROnPlateau", logs, self.monitor)
        if value is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        improved = (
            value < self.best - self.min_delta
            if self.mode == "min"
            else value > self.best + self.min_delta
        )
        if improved:
            self.best = value
            self.wait = 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait >= self.patience and lr > self.min_lr:
            new_lr = max(lr * self.factor, self.min_lr)
            self.model.optimizer.learning_rate = new_lr
            if self.verbose:
                print(
                    f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr:.6g}"
                )
            self.cooldown_counter = self.cooldown
            self.wait = 0


class LearningRateScheduler(Callback):
    """Set the learning rate before every epoch to ``schedule(epoch, lr)`` (or
    ``schedule(epoch)``), epoch 0-based and lr the current rate, as Keras does."""

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler: schedule must be callable, got {type(schedule).__name__}"
            )
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        lr = _fixed_learning_rate(self.model, "LearningRateScheduler")
        try:
            new_lr = self.schedule(epoch, lr)
        except TypeError:
            new_lr = self.schedule(epoch)
        if isinstance(new_lr, bool) or not isinstance(new_lr, (int, float, np.floating)):
            raise TypeError(
                f"LearningRateScheduler: the schedule must return a number, got "
                f"{type(new_lr).__name__}"
            )
        if not (math.isfinite(new_lr) and new_lr >= 0):
            raise ValueError(
                f"LearningRateScheduler: the schedule returned {new_lr!r} for epoch {epoch}; "
                "a learning rate is a finite number >= 0"
            )
        self.model.optimizer.learning_rate = float(new_lr)
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {new_lr:.6g}")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file: ``epoch`` then the log keys, sorted.

    Each row is appended and the file closed again, so it can be read while training runs
    and nothing stays open if training fails. With ``append`` the rows go after an existing
    file's (its header is kept); without, the file starts afresh at each fit.
    """

    def __init__(
        self, filename: str | os.PathLike, separator: str = ",", append: bool = False
    ) -> None:
        super().__init__()
        self.filename = os.fspath(filename)
        self.separator = separator
        self.append = bool(append)
        self._keys: list[str] | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._keys = None
        if self.append and os.path.exists(self.filename) and os.path.getsize(self.filename):
            with open(self.filename, newline="", encoding="utf-8") as f:
                header = next(csv.reader(f, delimiter=self.separator), None)
            self._keys = header[1:] if header else None
        else:
            with open(self.filename, "w", encoding="utf-8"):
                pass

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        with open(self.filename, "a", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, delimiter=self.separator)
            if self._keys is None:
                self._keys = sorted(logs)
                writer.writerow(["epoch", *self._keys])
            writer.writerow([epoch, *(logs.get(k, "") for k in self._keys)])


class TerminateOnNaN(Callback):
    """Stop training when the epoch's loss is NaN or infinite.

    fit already stops at the first non-finite batch and keeps the last finite weights; this
    callback also stops on a non-finite value that only the logs show, and records why.
    """

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.model.stop_training = True
            self.model.history.stopped_reason = (
                f"TerminateOnNaN: the loss of epoch {epoch + 1} is {loss}"
            )
