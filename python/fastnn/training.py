"""The training loop of :meth:`Sequential.fit <fastnn.models.Sequential.fit>`.

The C++ core runs whole epochs (or, for the progress bar, up to 20 chunks of one): batch
order, forward, loss, backward, regularization and update, with no Python in between. This
module is what happens around those calls: checking the arguments, splitting off validation
data, the callbacks, the logs, and keeping the last finite weights when training diverges.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from fastnn import data, metrics
from fastnn.callbacks import Callback, CallbackList, History, ProgbarLogger

if TYPE_CHECKING:
    from fastnn.models import Sequential

#: The metrics compile takes, each computed from the sums the fused loop keeps as it trains.
METRICS = ("accuracy", "mae", "mse", "precision", "recall", "r2")
METRIC_ALIASES = {
    "acc": "accuracy",
    "mean_absolute_error": "mae",
    "mean_squared_error": "mse",
    "r2_score": "r2",
}


def _int_at_least(value, low: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"fit: {name} must be an int >= {low}, got {value!r}")
    return int(value)


def fit(
    model: Sequential,
    X: ArrayLike,
    y: ArrayLike,
    *,
    epochs: int,
    batch_size: int | None,
    shuffle: bool,
    validation_split: float,
    validation_data: tuple | None,
    callbacks: Sequence[Callback] | None,
    verbose: int,
    initial_epoch: int,
    sample_weight: ArrayLike | None,
    class_weight: dict[int, float] | None,
) -> History:
    """Sequential.fit's body; see its docstring."""
    model._require_layers()
    model._require_compiled("fit")
    epochs = _int_at_least(epochs, 0, "epochs")
    if epochs > 2**62:  # the model file counts epochs in [0, 2**62]
        raise ValueError(f"fit: epochs must be at most 2**62, got {epochs}")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"fit: shuffle must be True or False, got {type(shuffle).__name__}")
    batch_size = _int_at_least(32 if batch_size is None else batch_size, 1, "batch_size")
    initial_epoch = _int_at_least(initial_epoch, 0, "initial_epoch")
    if (
        isinstance(validation_split, bool)
        or not isinstance(validation_split, (int, float, np.integer, np.floating))
        or not 0.0 <= validation_split < 1.0
    ):
        raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split!r}")
    if verbose not in (0, 1, 2):
        raise ValueError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
    X = model._prepare_x(X, "fit")
    y = model._prepare_y(y, X.shape[0], "fit")
    weights = data.prepare_sample_weight(
        sample_weight, class_weight, y, model.output_dim, model.loss, model.dtype, "fit"
    )
    w_val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError(
                "fit: validation_data must be a pair (X_val, y_val) or a triple with weights"
            )
        X_val = model._prepare_x(validation_data[0], "fit(validation_data)")
        y_val = model._prepare_y(validation_data[1], X_val.shape[0], "fit(validation_data)")
        if len(validation_data) == 3:
            w_val = data.prepare_sample_weight(
                validation_data[2],
                None,
                y_val,
                model.output_dim,
                model.loss,
                model.dtype,
                "fit(validation_data)",
            )
    elif validation_split > 0:
        n_train = int(X.shape[0] * (1 - validation_split))
        if n_train == 0 or n_train == X.shape[0]:
            raise ValueError(
                f"fit: validation_split={validation_split} leaves no training or no validation "
                f"samples of {X.shape[0]}"
            )
        X, X_val = X[:n_train], X[n_train:]  # views: rows stay contiguous, nothing is copied
        y, y_val = y[:n_train], y[n_train:]
        if weights is not None:
            weights, w_val = weights[:n_train], weights[n_train:]
    else:
        X_val = y_val = None
    n = X.shape[0]
    if n == 0:
        raise ValueError("fit: X has no samples")
    batch_size = min(batch_size, n)

    model.history = History()
    num_batches = -(-n // batch_size)
    bar = ProgbarLogger(epochs - initial_epoch, num_batches) if verbose == 1 else None
    callback_list = CallbackList(
        [*([bar] if bar else []), *(callbacks or []), model.history], model=model
    )
    model.stop_training = False
    network = model._network(batch_size)
    # The progress bar needs a few updates per epoch; a chunk is a call into the core.
    chunks = min(num_batches, 20) if bar is not None and num_batches >= 40 else 1
    chunk_bounds = list(
        itertools.pairwise(np.linspace(0, num_batches, chunks + 1).round().astype(int).tolist())
    )

    callback_list.on_train_begin({})
    last_finite, last_finite_step = model._snapshot(), model.optimizer.iterations
    try:
        for epoch in range(initial_epoch, epochs):
            callback_list.on_epoch_begin(epoch, {})
            learning_rate = model.optimizer.learning_rate_at(epoch)
            sums = None
            for first, last in chunk_bounds:
                part = network.train_epoch(
                    X,
                    y,
                    batch_size=batch_size,
                    shuffle=bool(shuffle),
                    seed=model.seed,
                    epoch=epoch,
                    learning_rate=learning_rate,
                    first_batch=int(first),
                    last_batch=int(last),
                    metrics=bool(model.metrics),
                    sample_weight=weights,
                )
                sums = part if sums is None else add_sums(sums, part)
                if not part["finite"]:
                    break
                if bar is not None:
                    callback_list.on_batches_end(epoch, int(last - first), logs(model, sums, y))
            model.optimizer.iterations = network.step
            # The core checks each batch's loss before its update; the epoch's last update
            # can still overflow the weights (SGD at 1e30) with every loss finite.
            weights_finite = sums["finite"] and all(map(_finite, model._trained_arrays()))
            if not weights_finite:
                what = "the loss" if not sums["finite"] else "the weights"
                model._restore(last_finite)
                model.optimizer.iterations = last_finite_step  # the count goes back too
                network = model._network(batch_size)
                message = (
                    f"fit: {what} became NaN or infinite in epoch {epoch + 1}; training stopped "
                    f"and the weights are those after epoch {epoch} (the last finite one). "
                    "Try a smaller learning rate."
                )
                model.history.stopped_reason = message
                warnings.warn(message, RuntimeWarning, stacklevel=4)
                break
            epoch_logs = logs(model, sums, y)
            if X_val is not None:
                val = model._inference_network().evaluate(X_val, y_val, sample_weight=w_val)
                epoch_logs.update({f"val_{k}": v for k, v in logs(model, val, y_val).items()})
            model._epochs_done = epoch + 1
            last_finite, last_finite_step = model._snapshot(), model.optimizer.iterations
            if verbose == 2:
                print(f"Epoch {epoch + 1}/{epochs} - " + format_logs(epoch_logs), flush=True)
            callback_list.on_epoch_end(epoch, epoch_logs)
            if model.stop_training:
                break
    finally:
        if bar is not None:
            bar.close()
    callback_list.on_train_end({})
    return model.history


def _finite(a: np.ndarray) -> bool:
    # A sum is finite only if every value is (NaN and inf survive it), so one reduction
    # answers the common case; an overflow of the sum alone is told apart by the full check.
    return math.isfinite(np.add.reduce(a, axis=None)) or bool(np.isfinite(a).all())


def logs(model: Sequential, sums: dict, y: np.ndarray) -> dict:
    """The loss and the compiled metrics from the core's sums over the targets `y`."""
    samples = max(sums["samples"], 1)
    out = {"loss": (sums["loss"] + sums["regularization"]) / samples}
    for metric in model.metrics:
        if metric == "accuracy":
            out["accuracy"] = sums["correct"] / max(sums["judged"], 1)
        elif metric == "mae":
            out["mae"] = sums["abs_error"] / max(sums["elements"], 1)
        elif metric == "mse":
            out["mse"] = sums["squared_error"] / max(sums["elements"], 1)
        elif metric == "precision":
            tp, fp = sums["true_positives"], sums["false_positives"]
            out["precision"] = tp / (tp + fp) if tp + fp else 0.0
        elif metric == "recall":
            tp, fn = sums["true_positives"], sums["false_negatives"]
            out["recall"] = tp / (tp + fn) if tp + fn else 0.0
        else:  # r2, over the samples the sums saw (a whole epoch's or a chunk's: all of y)
            out["r2"] = metrics.r2_from_sums(sums["squared_error"], y)
    return out


def add_sums(a: dict, b: dict) -> dict:
    """The sums of two chunks of an epoch."""
    out = {k: a[k] + b[k] for k in a if k != "finite"}
    out["finite"] = a["finite"] and b["finite"]
    return out


def format_logs(values: dict) -> str:
    """``loss: 0.1234 - accuracy: 0.9000``."""
    return " - ".join(f"{k}: {v:.4f}" for k, v in values.items())


__all__ = ["METRICS", "METRIC_ALIASES", "add_sums", "fit", "format_logs", "logs"]
