"""The training loop of :meth:`Sequential.fit <fastnn.models.Sequential.fit>`.

The C++ core runs whole epochs (or, for the progress bar, up to 20 chunks of one): batch
order, forward, loss, backward, regularization and update, with no Python in between. This
module is what happens around those calls: checking the arguments, splitting off validation
data, the callbacks, the logs, and keeping the last finite weights when training diverges.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from fastnn import data, metrics, tables
from fastnn import metrics as metrics_module
from fastnn.callbacks import Callback, CallbackList, History, ProgbarLogger

if TYPE_CHECKING:
    from fastnn.models import Sequential

#: The metrics compile takes, each computed from the sums the fused loop keeps as it trains.
METRICS = (
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "auc",
    "mae",
    "mse",
    "precision",
    "recall",
    "r2",
)
METRIC_ALIASES = {
    "acc": "accuracy",
    "mean_absolute_error": "mae",
    "mean_squared_error": "mse",
    "r2_score": "r2",
    "top_k": "top_k_categorical_accuracy",
    "sparse_top_k": "sparse_top_k_categorical_accuracy",
}
#: Keras' k of the top-k metrics named by string.
DEFAULT_TOP_K = 5
# Output activations whose values are probabilities in [0, 1]: what auc ranks.
_PROBABILITY_OUTPUTS = ("sigmoid", "hard_sigmoid")


def check_metrics(
    model: Sequential, metrics: Sequence | str | None, where: str = "compile"
) -> tuple[list[str], int]:
    """The metric names `metrics` asks for (strings, aliases, or the top-k metric classes of
    fastnn.metrics) and the k of the top-k ones (0 without): ValueError naming a metric that
    is unknown or does not fit the model's loss and output."""
    if isinstance(metrics, str):
        metrics = [metrics]
    names, top_k = [], 0
    loss, last = model.loss, model._output_layer()
    sparse = tables.LOSSES[loss].labels
    outputs, activation = last.units, last.activation
    for metric in metrics or []:
        k = None
        if isinstance(metric, metrics_module.TopKCategoricalAccuracy):
            key, k = metric.name, metric.k
        else:
            key = METRIC_ALIASES.get(str(metric).lower(), str(metric).lower())
        if key not in METRICS:
            raise ValueError(
                f"{where}: unknown metric {metric!r}; expected one of {', '.join(METRICS)}"
            )

        def refuse(why: str, key: str = key) -> None:
            raise ValueError(f"{where}: metric {key!r} does not fit this model: {why}")

        if key in ("categorical_accuracy", "top_k_categorical_accuracy") and sparse:
            refuse(f"{loss} takes class labels; use 'sparse_{key}'")
        if key.startswith("sparse_") and not sparse:
            refuse(
                f"it takes class labels, which only sparse_categorical_crossentropy does; with "
                f"the loss {loss} use {key[len('sparse_') :]!r}"
            )
        if key == "binary_accuracy" and sparse:
            refuse(f"{loss} takes class labels; use 'sparse_categorical_accuracy'")
        if "categorical" in key and outputs < 2:
            refuse(f"it compares classes, and the model has {outputs} output")
        if "top_k" in key:
            k = DEFAULT_TOP_K if k is None else k
            if k >= outputs:
                refuse(
                    f"k={k} but the model has {outputs} outputs: every answer would be in the "
                    f"top {k} (use TopKCategoricalAccuracy(k=...) with k < {outputs})"
                )
            if top_k and k != top_k:
                refuse(f"one k per model: k={top_k} and k={k} both asked for")
            top_k = k
        if key == "auc" and (outputs != 1 or activation not in _PROBABILITY_OUTPUTS):
            refuse(
                f"it is the binary AUC of one probability output (Dense(1, activation="
                f"'sigmoid')); the model has {outputs} output(s) with activation {activation!r}"
            )
        if key == "r2" and (
            sparse or activation == "softmax" or tables.LOSSES[loss].fused_with == "softmax"
        ):
            refuse(
                f"r2 is a regression metric; the model predicts classes ({loss}, {activation} output)"
            )
        names.append(key)
    return names, top_k


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
    callback_list.set_params({"verbose": verbose, "epochs": epochs, "steps": num_batches})
    model.stop_training = False
    network = model._network(batch_size)
    # A callback with per-batch hooks gets the core one batch at a time (the same batches in
    # the same order: the same weights); else the progress bar needs a few updates per epoch,
    # and a chunk is a call into the core.
    per_batch = callback_list.wants(
        "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"
    )
    if per_batch:
        chunk_bounds = [(b, b + 1) for b in range(num_batches)]
    else:
        chunks = min(num_batches, 20) if bar is not None and num_batches >= 40 else 1
        chunk_bounds = list(
            itertools.pairwise(np.linspace(0, num_batches, chunks + 1).round().astype(int).tolist())
        )
    sst = _total_squares(model, y)
    sst_val = _total_squares(model, y_val) if X_val is not None else None

    callback_list.on_train_begin({})
    # The core keeps a copy of the weights after the last finite epoch (and of the optimizer
    # state and moving statistics) to go back to, refreshed as each epoch ends finite.
    network.checkpoint()
    last_finite_step = model.optimizer.iterations
    try:
        for epoch in range(initial_epoch, epochs):
            callback_list.on_epoch_begin(epoch, {})
            learning_rate = model.optimizer.learning_rate_at(epoch)
            sums = None
            for first, last in chunk_bounds:
                if per_batch:
                    callback_list.on_train_batch_begin(int(first), {})
                    learning_rate = model.optimizer.learning_rate_at(epoch)  # a hook may set it
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
                if bar is not None or per_batch:
                    running = logs(model, sums, y, sst)
                    if bar is not None:
                        callback_list.on_batches_end(epoch, int(last - first), running)
                    if per_batch:
                        model.optimizer.iterations = network.step
                        callback_list.on_train_batch_end(int(first), running)
                        if model.stop_training:
                            break
            model.optimizer.iterations = network.step
            # The core checks each batch's loss before its update; the epoch's last update
            # can still overflow the weights (SGD at 1e30) with every loss finite.
            weights_finite = sums["finite"] and network.checkpoint()
            if not weights_finite:
                what = "the loss" if not sums["finite"] else "the weights"
                network.restore_checkpoint()
                model.optimizer.iterations = last_finite_step  # the count goes back too
                message = (
                    f"fit: {what} became NaN or infinite in epoch {epoch + 1}; training stopped "
                    f"and the weights are those after epoch {epoch} (the last finite one). "
                    "Try a smaller learning rate."
                )
                model.history.stopped_reason = message
                warnings.warn(message, RuntimeWarning, stacklevel=4)
                break
            epoch_logs = logs(model, sums, y, sst)
            if X_val is not None:
                val_logs = evaluate_with_callbacks(
                    model, X_val, y_val, w_val, batch_size, callback_list, sst_val
                )
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            model._epochs_done = epoch + 1
            last_finite_step = model.optimizer.iterations
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


def _total_squares(model: Sequential, y: np.ndarray) -> float | None:
    """r2's total sum of squares of the targets, once per fit (None without r2)."""
    return metrics.total_squares(y) if "r2" in model.metrics else None


def evaluate_with_callbacks(
    model: Sequential,
    X: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None,
    batch_size: int,
    callback_list: CallbackList,
    sst: float | None = None,
) -> dict:
    """The logs of evaluating (X, y): one call into the core, or, when a callback overrides
    on_test_batch_begin/end, one call per batch of `batch_size` rows with the hooks around
    each (the sums add up to the same counts). on_test_begin/end around it all."""
    callback_list.on_test_begin({})
    network = model._inference_network()
    if not callback_list.wants("on_test_batch_begin", "on_test_batch_end"):
        result = logs(model, network.evaluate(X, y, sample_weight=weights), y, sst)
    else:
        sst = metrics.total_squares(y) if "r2" in model.metrics and sst is None else sst
        sums = None
        for batch, start in enumerate(range(0, X.shape[0], batch_size)):
            callback_list.on_test_batch_begin(batch, {})
            rows = slice(start, start + batch_size)
            part = network.evaluate(
                X[rows], y[rows], sample_weight=None if weights is None else weights[rows]
            )
            sums = part if sums is None else add_sums(sums, part)
            result = logs(model, sums, y, sst)
            callback_list.on_test_batch_end(batch, result)
    callback_list.on_test_end(result)
    return result


def logs(model: Sequential, sums: dict, y: np.ndarray, sst: float | None = None) -> dict:
    """The loss and the compiled metrics from the core's sums over the targets `y` (`sst`:
    r2's total sum of squares of y, when already computed)."""
    samples = max(sums["samples"], 1)
    out = {"loss": (sums["loss"] + sums["regularization"]) / samples}
    rows = max(sums["elements"] / model.output_dim, 1)  # the rows the metrics saw
    for metric in model.metrics:
        if metric == "accuracy":
            out["accuracy"] = sums["correct"] / max(sums["judged"], 1)
        elif metric == "binary_accuracy":
            out[metric] = sums["threshold_correct"] / max(sums["elements"], 1)
        elif metric in ("categorical_accuracy", "sparse_categorical_accuracy"):
            out[metric] = sums["argmax_correct"] / rows
        elif metric in ("top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"):
            out[metric] = sums["top_k_correct"] / rows
        elif metric == "auc":
            out["auc"] = metrics.auc_from_histograms(sums["auc_positives"], sums["auc_negatives"])
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
            out["r2"] = metrics.r2_from_sums(sums["squared_error"], y, sst)
    return out


def add_sums(a: dict, b: dict) -> dict:
    """The sums of two chunks of an epoch."""
    out = {k: a[k] + b[k] for k in a if k != "finite"}  # (AUC's histograms: arrays)
    out["finite"] = a["finite"] and b["finite"]
    return out


def format_logs(values: dict) -> str:
    """``loss: 0.1234 - accuracy: 0.9000``."""
    return " - ".join(f"{k}: {v:.4f}" for k, v in values.items())


__all__ = [
    "METRICS",
    "METRIC_ALIASES",
    "add_sums",
    "check_metrics",
    "evaluate_with_callbacks",
    "fit",
    "format_logs",
    "logs",
]
