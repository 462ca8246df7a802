"""Sequential: a Keras-like model of Dense layers (each optionally followed by a
BatchNormalization and a Dropout), trained by the fused C++ loop.

``fit`` hands the C++ core whole epochs (or, for the progress bar, chunks of one): batch
order, forward, loss, backward, regularization and update run without Python in between.
The same model can train through :class:`fastnn.reference.Network` (``backend="reference"``),
the plain NumPy loop the C++ one is tested against.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import threading
import warnings
import weakref
from collections.abc import Sequence
from typing import Any, BinaryIO, TextIO

import numpy as np
from numpy.typing import ArrayLike

from fastnn import _core, _isa, data, losses, tables, training
from fastnn import layers as layers_module
from fastnn import metrics as fastnn_metrics
from fastnn import optimizers as optimizers_module
from fastnn import reference as reference_module
from fastnn.callbacks import Callback, CallbackList, History
from fastnn.layers import Activation, BatchNormalization, Dense, Dropout

Layer = Dense | Dropout | BatchNormalization | Activation
_LAYER_PREFIX = {
    Dense: "dense",
    Dropout: "dropout",
    BatchNormalization: "batch_normalization",
    Activation: "activation",
}


class _Block:
    """A Dense layer and what follows it, as the core runs them as one layer: an Activation
    standing for the Dense layer's own (``activation``), a BatchNormalization (``norm``), an
    Activation of the normalized values (``after_norm``), a Dropout (``dropout``)."""

    def __init__(self, position: int, dense: Dense) -> None:
        self.position, self.dense = position, dense
        self.activation: Activation | None = None
        self.norm: BatchNormalization | None = None
        self.after_norm: Activation | None = None
        self.dropout: Dropout | None = None

    @property
    def output_activation(self) -> tuple[str, float]:
        """The activation (and alpha) of the Dense layer's values."""
        if self.activation is not None:
            return self.activation.activation, self.activation.alpha
        return self.dense.activation, self.dense.alpha

    def add(self, layer: Layer) -> None:
        """Place `layer` after what is there, or ValueError naming it and why not."""
        name = f"{type(layer).__name__} {layer.name!r}"
        if isinstance(layer, Dropout) and self.dropout is not None:
            raise ValueError(
                f"Sequential.add: {name} follows Dropout {self.dropout.name!r}; use one Dropout "
                "with the combined rate 1 - (1 - a) * (1 - b)"
            )
        if self.dropout is not None:
            raise ValueError(
                f"Sequential.add: {name} after Dropout {self.dropout.name!r}: fastnn drops a "
                "Dense layer's outputs last; add it before the Dropout"
            )
        if isinstance(layer, Dropout):
            self.dropout = layer
        elif isinstance(layer, BatchNormalization):
            if self.norm is not None:
                raise ValueError(
                    f"Sequential.add: {name} follows another one ({self.norm.name!r}) on the "
                    "same Dense layer's outputs"
                )
            self.norm = layer
        elif self.norm is not None:
            if self.after_norm is not None:
                raise ValueError(
                    f"Sequential.add: {name} follows Activation {self.after_norm.name!r}; use one"
                )
            self.after_norm = layer
        else:
            if self.activation is not None:
                raise ValueError(
                    f"Sequential.add: {name} follows Activation {self.activation.name!r}; use one"
                )
            if self.dense.activation != "linear":
                raise ValueError(
                    f"Sequential.add: {name} after Dense {self.dense.name!r}, which already "
                    f"applies {self.dense.activation!r}: give the Dense layer no activation"
                )
            self.activation = layer


METRICS = training.METRICS
_BACKENDS = {"cpp": _core.Network, "reference": reference_module.Network}
_DTYPES = {"float32": np.float32, "float64": np.float64}
# Rows per forward pass in predict/evaluate: large enough for GEMM speed, small enough to keep
# the workspaces (rows x widest layer) in cache-friendly sizes.
_INFERENCE_ROWS = 1024
# The models that hold a cached predictor. A core Network runs the instruction-set level that
# made it, so a switch of level (fastnn._isa.load) drops them all: the next predict builds one
# on the level loaded then. A registry, not a check in predict, keeps the fast path as it was.
_PREDICTOR_HOLDERS: weakref.WeakSet = weakref.WeakSet()


@_isa.on_switch
def _drop_cached_predictors() -> None:
    for model in list(_PREDICTOR_HOLDERS):
        model._predictor = None
    _PREDICTOR_HOLDERS.clear()


def _one_at_a_time(method):
    """Run `method` under the model's training lock: calls from several threads take turns."""

    @functools.wraps(method)
    def serialised(self: Sequential, *args: Any, **kwargs: Any) -> Any:
        with self._training_lock:
            return method(self, *args, **kwargs)

    return serialised


class Sequential:
    """A stack of :class:`~fastnn.layers.Dense` layers; after each but the last, optionally a
    :class:`~fastnn.layers.BatchNormalization` and then a :class:`~fastnn.layers.Dropout`.

    ``dtype`` ("float32" or "float64") is the dtype of the weights and of every computation;
    ``fit``/``evaluate``/``predict`` convert their inputs to it. ``seed`` fixes the initial
    weights and the batch order: the same seed, data and thread count give the same weights
    and history. ``backend`` "cpp" trains with the fused C++ loop, "reference" with the NumPy
    twin of it (slow; for checking and teaching).
    """

    def __init__(
        self,
        layers: Sequence[Layer] | None = None,
        dtype: str = "float32",
        seed: int | None = None,
        backend: str = "cpp",
        name: str | None = None,
    ) -> None:
        dtype_name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
        if dtype_name not in _DTYPES:
            raise ValueError(f"Sequential: dtype must be 'float32' or 'float64', got {dtype!r}")
        if backend not in _BACKENDS:
            raise ValueError(f"Sequential: backend must be 'cpp' or 'reference', got {backend!r}")
        if seed is not None and (
            isinstance(seed, bool)
            or not isinstance(seed, (int, np.integer))
            or not 0 <= seed < 2**64  # the core's seed is a 64-bit unsigned integer
        ):
            raise ValueError(f"Sequential: seed must be an int in [0, 2**64) or None, got {seed!r}")
        self.dtype = np.dtype(_DTYPES[dtype_name])
        self.seed = int(seed) if seed is not None else int(np.random.default_rng().integers(2**63))
        self.backend = backend
        self.name = name or "sequential"
        self.layers: list[Layer] = []
        self.optimizer: optimizers_module.Optimizer | None = None
        self.loss: str | None = None
        self.metrics: list[str] = []
        self.top_k = 0  # the k of a compiled top-k metric
        self.history = History()
        self.stop_training = False
        self._epochs_done = 0
        self._init_rng = np.random.default_rng(self.seed)
        # The core network predict() runs through: it points at the layers' weight arrays,
        # which training and set_weights change in place, so it lives until a layer is added.
        self._predictor = None
        # fit from several Python threads at once takes turns: each fit runs whole, as if
        # called one after the other (unserialised, they raced on the step count).
        self._training_lock = threading.RLock()
        for layer in layers or []:
            self.add(layer)

    def __getstate__(self) -> dict:
        # The lock and the cached core network are this process's: a copy makes its own.
        state = self.__dict__.copy()
        state.pop("_training_lock", None)
        state["_predictor"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._training_lock = threading.RLock()

    # ---- building ------------------------------------------------------------------------

    def add(self, layer: Layer) -> None:
        """Append a layer; the first is a Dense layer with ``input_dim``. A BatchNormalization
        and a Dropout act on the outputs of the Dense layer before them, in that order."""
        if not isinstance(layer, (Dense, Dropout, BatchNormalization, Activation)):
            raise TypeError(
                "Sequential.add: expected a fastnn Dense, Dropout, BatchNormalization or "
                f"Activation layer, got {type(layer).__name__}"
            )
        if layer.name is None:
            layer.name = f"{_LAYER_PREFIX[type(layer)]}_{len(self.layers)}"
        if not isinstance(layer, Dense):
            self._add_after_dense(layer)
            return
        if self.layers:
            layer_input = self.layers[-1].units
        elif layer.input_dim is not None:
            layer_input = layer.input_dim
        else:
            raise ValueError(
                "Sequential: the first layer needs input_dim, e.g. Dense(8, input_dim=2)"
            )
        layer.build(layer_input, self._init_rng, self.dtype)
        self.layers.append(layer)
        self._predictor = None  # it points at the old list of weights
        # The optimizer's state no longer fits the parameters: the next fit builds it afresh.

    def _add_after_dense(self, layer: Dropout | BatchNormalization | Activation) -> None:
        kind = type(layer).__name__
        if not self.layers and isinstance(layer, Dropout) and layer.input_dim is not None:
            layer.build(layer.input_dim, self.dtype)  # dropout of the inputs themselves
            self.layers.append(layer)
            self._predictor = None
            return
        blocks = self._blocks()
        if not blocks:
            hint = (
                " (a Dropout of the inputs takes input_dim)" if isinstance(layer, Dropout) else ""
            )
            raise ValueError(
                f"Sequential.add: {kind} {layer.name!r} cannot come before the first Dense layer"
                f"{hint}: it acts on a Dense layer's outputs"
            )
        blocks[-1].add(layer)  # ValueError if it cannot go there
        layer.build(self.layers[-1].units, self.dtype)
        self.layers.append(layer)
        self._predictor = None

    def _blocks(self) -> list[_Block]:
        """Each Dense layer with what follows it: what the core runs as one layer."""
        blocks: list[_Block] = []
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Dense):
                blocks.append(_Block(i, layer))
            elif blocks:
                blocks[-1].add(layer)
            # else: the Dropout of the inputs (add() lets nothing else come first)
        return blocks

    def _dense_layers(self) -> list[Dense]:
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    def _require_dense_last(self, what: str) -> None:
        last = self._blocks()[-1]
        for layer in (last.norm, last.after_norm, last.dropout):
            if layer is not None:
                raise ValueError(
                    f"{what}: the output layer is followed by {type(layer).__name__} "
                    f"{layer.name!r}; the model must end with a Dense layer (or its Activation): "
                    "the loss reads its activations"
                )

    def _output_layer(self) -> Dense | Activation:
        """The layer whose values the model outputs: the last Dense, or its Activation."""
        last = self._blocks()[-1]
        return last.activation if last.activation is not None else last.dense

    @property
    def input_dim(self) -> int:
        """Number of input features."""
        self._require_layers()
        return self.layers[0].input_dim

    @property
    def output_dim(self) -> int:
        """Number of outputs."""
        self._require_layers()
        return self._dense_layers()[-1].units

    def count_params(self) -> int:
        """Number of weights and biases."""
        return sum(layer.count_params() for layer in self.layers)

    def _require_layers(self) -> None:
        if not self.layers:
            raise ValueError("Sequential: the model has no layers; add Dense layers first")

    # ---- compiling -----------------------------------------------------------------------

    def compile(
        self,
        optimizer: str | dict | optimizers_module.Optimizer = "sgd",
        loss: str = "mse",
        metrics: Sequence[str | fastnn_metrics.TopKCategoricalAccuracy] | None = None,
    ) -> None:
        """Choose the optimizer (an instance or a name), the loss and the metrics to report.

        Metrics (fastnn.training.METRICS): ``accuracy`` (binary or categorical by the loss, as
        Keras' string), ``binary_accuracy``, ``categorical_accuracy``,
        ``sparse_categorical_accuracy``, ``top_k_categorical_accuracy`` and its sparse twin
        (k=5, or ``fastnn.metrics.TopKCategoricalAccuracy(k=3)``; one k per model), ``auc``
        (one sigmoid output; Keras' 200 thresholds), ``precision``, ``recall``, ``mae``,
        ``mse``, ``r2``. One that does not fit the loss or the output is a ValueError naming it.
        """
        self._require_layers()
        self._require_dense_last("compile")
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = losses.get(loss)
        last = self._output_layer()
        row = tables.LOSSES[self.loss]
        if row.kernel is None and not row.fuses(last.activation):
            raise ValueError(
                f"compile: loss {self.loss!r} needs a {row.fused_with} output layer, but the last "
                f"layer's activation is {last.activation!r}: use Dense({last.units}, "
                f"activation={row.fused_with!r})"
            )
        if self.loss == "binary_crossentropy" and last.activation not in ("sigmoid", "softmax"):
            warnings.warn(
                f"compile: binary_crossentropy expects probabilities, but the last layer's "
                f"activation is {last.activation!r}; use 'sigmoid'",
                RuntimeWarning,
                stacklevel=2,
            )
        self.metrics, self.top_k = training.check_metrics(self, metrics)
        self.optimizer.build(self._params())

    def _require_compiled(self, what: str) -> None:
        if self.optimizer is None or self.loss is None:
            raise RuntimeError(
                f"{what}: compile the model first, e.g. model.compile(optimizer='sgd', loss='mse')"
            )

    def _params(self) -> list[np.ndarray | None]:
        """[W1, b1, (gamma1, beta1,) W2, b2, ...], None for a layer without bias (or gamma,
        beta): the optimizer's parameters, named by :meth:`_param_names`."""
        out: list[np.ndarray | None] = []
        for layer in self.layers:
            if isinstance(layer, Dense):
                out += [layer.kernel, layer.bias if layer.use_bias else None]
            elif isinstance(layer, BatchNormalization):
                out += [layer.gamma, layer.beta]
        return out

    def _param_names(self) -> list[str]:
        """The names of :meth:`_params`, as the model file names them."""
        names = []
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Dense):
                names += [f"layer{i}.kernel", f"layer{i}.bias"]
            elif isinstance(layer, BatchNormalization):
                names += [f"layer{i}.gamma", f"layer{i}.beta"]
        return names

    def _ensure_optimizer_state(self) -> None:
        if not self.optimizer.fits(self._params()):
            self.optimizer.build(self._params())

    # ---- the network the core trains -----------------------------------------------------

    def _core_arrays(self, state_of) -> dict[str, list]:
        """The core's view of the model: one layer dict per Dense layer (with its
        normalization and dropout), the weights, biases, their states and the normalizations'
        arrays; state_of(name, param) gives a parameter's optimizer state."""
        self._require_dense_last("Sequential")
        out: dict[str, list] = {k: [] for k in ("specs", "W", "b", "W_state", "b_state", "bn")}
        for block in self._blocks():
            i, dense, bn, dropout = block.position, block.dense, block.norm, block.dropout
            spec = dense.spec()
            spec["activation"], spec["alpha"] = block.output_activation
            if block.after_norm is not None:
                spec["norm_activation"] = block.after_norm.activation
                spec["norm_alpha"] = block.after_norm.alpha
            # The core wants a bias per layer even where there is none; it never reads it.
            bias = dense.bias if dense.use_bias else np.zeros(dense.units, self.dtype)
            out["W"].append(dense.kernel)
            out["b"].append(bias)
            out["W_state"].append(state_of(f"layer{i}.kernel", dense.kernel))
            out["b_state"].append(state_of(f"layer{i}.bias", bias))
            arrays = None
            if bn is not None:
                j = self.layers.index(bn)
                spec["batch_norm"] = {
                    "momentum": bn.momentum,
                    "epsilon": bn.epsilon,
                    "center": bn.center,
                    "scale": bn.scale,
                }
                arrays = {"moving_mean": bn.moving_mean, "moving_variance": bn.moving_variance}
                if bn.scale:
                    arrays["gamma"] = bn.gamma
                    arrays["gamma_state"] = state_of(f"layer{j}.gamma", bn.gamma)
                if bn.center:
                    arrays["beta"] = bn.beta
                    arrays["beta_state"] = state_of(f"layer{j}.beta", bn.beta)
            if dropout is not None:
                spec["dropout"] = dropout.rate
                # Each Dropout's own stream: its seed, else its position in the model.
                position = self.layers.index(dropout)
                spec["dropout_stream"] = dropout.seed if dropout.seed is not None else position
            if i == 1 and isinstance(self.layers[0], Dropout):  # the inputs' dropout
                first = self.layers[0]
                spec["input_dropout"] = first.rate
                spec["input_dropout_stream"] = first.seed if first.seed is not None else 0
            out["specs"].append(spec)
            out["bn"].append(arrays)
        return out

    def _network(self, max_batch: int):
        self._ensure_optimizer_state()
        states = dict(zip(self._param_names(), self.optimizer.states, strict=True))
        slots = self.optimizer.slots

        def state_of(name: str, param: np.ndarray) -> np.ndarray:
            s = states.get(name)  # trained in place; a missing bias's is never read
            return s if s is not None else np.zeros((slots, *param.shape), self.dtype)

        core = self._core_arrays(state_of)
        network = _BACKENDS[self.backend](
            core["specs"],
            self.loss,
            self.optimizer.core_config(self._epochs_done),
            core["W"],
            core["b"],
            core["W_state"],
            core["b_state"],
            max_batch,
            batch_norm=core["bn"],
            **self._metric_options(),
        )
        network.step = self.optimizer.iterations
        return network

    def _metric_options(self) -> dict:
        """What the core network must count for the compiled metrics beyond its usual sums."""
        return {"top_k": self.top_k, "auc": "auc" in self.metrics}

    def _inference_network(self, metric_options: bool = True):
        # Predict and evaluate update nothing: the core gets a zero SGD state (one slot) that
        # it never touches, shaped as both backends read it.
        def unused_state(name: str, param: np.ndarray) -> np.ndarray:
            return np.zeros((1, *param.shape), dtype=self.dtype)

        core = self._core_arrays(unused_state)
        return _BACKENDS[self.backend](
            core["specs"],
            self.loss or "mse",
            {"kind": "sgd", "learning_rate": 0.0},
            core["W"],
            core["b"],
            core["W_state"],
            core["b_state"],
            _INFERENCE_ROWS,
            trainable=False,  # reads the weights only: read-only ones (joblib's memmaps) do
            batch_norm=core["bn"],
            **(self._metric_options() if metric_options else {}),
        )

    # ---- data ----------------------------------------------------------------------------

    def _prepare_x(self, X, what: str, check_finite: bool = True) -> np.ndarray:
        self._require_layers()
        return data.prepare_x(X, self.input_dim, self.dtype, what, check_finite)

    def _prepare_y(self, y, n: int, what: str) -> np.ndarray:
        return data.prepare_y(y, n, self.output_dim, self.loss, self.dtype, what)

    # ---- training ------------------------------------------------------------------------

    @_one_at_a_time
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        epochs: int = 1,
        batch_size: int | None = 32,
        shuffle: bool = True,
        validation_split: float = 0.0,
        validation_data: tuple | None = None,
        callbacks: Sequence[Callback] | None = None,
        verbose: int = 1,
        initial_epoch: int = 0,
        sample_weight: ArrayLike | None = None,
        class_weight: dict[int, float] | None = None,
    ) -> History:
        """Train for `epochs` epochs; returns the History (also ``model.history``).

        ``validation_split`` holds out the last fraction of the samples (before shuffling), as
        Keras does; ``validation_data`` is ``(X_val, y_val)`` or ``(X_val, y_val, weights)``.
        ``sample_weight`` (one per sample) and ``class_weight`` (``{class: weight}``; the class
        of a one-hot row is its argmax, of one output its 0/1 value) multiply each sample's
        loss, Keras' way: the batch's loss is the sum of weighted losses over its rows.
        ``verbose`` 1 shows a progress bar, 2 a line per epoch, 0 nothing. The loop itself is
        in :mod:`fastnn.training`.
        """
        return training.fit(
            self,
            X,
            y,
            epochs=epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            validation_split=validation_split,
            validation_data=validation_data,
            callbacks=callbacks,
            verbose=verbose,
            initial_epoch=initial_epoch,
            sample_weight=sample_weight,
            class_weight=class_weight,
        )

    # ---- inference -----------------------------------------------------------------------

    def evaluate(
        self,
        X: ArrayLike,
        y: ArrayLike,
        verbose: int = 0,
        return_dict: bool = False,
        sample_weight: ArrayLike | None = None,
        batch_size: int | None = None,
        callbacks: Sequence[Callback] | None = None,
    ) -> float | list[float] | dict[str, float]:
        """The loss (with regularization) and the compiled metrics on (X, y).

        Returns the loss alone when no metrics were compiled, else [loss, *metrics]; a dict
        with ``return_dict=True``. ``sample_weight`` weighs the loss as in ``fit``.
        ``callbacks`` get on_test_begin/end and, if they override them, on_test_batch_begin/end
        around batches of ``batch_size`` rows (default 32; without such hooks the core
        evaluates everything in one call and batch_size changes nothing).
        """
        self._require_layers()
        self._require_compiled("evaluate")
        batch_size = _batch_size(batch_size, "evaluate")
        X = self._prepare_x(X, "evaluate")
        if X.shape[0] == 0:  # no mean over no samples (fit refuses them alike)
            raise ValueError("evaluate: X has no samples")
        y = self._prepare_y(y, X.shape[0], "evaluate")
        weights = data.prepare_sample_weight(
            sample_weight, None, y, self.output_dim, self.loss, self.dtype, "evaluate"
        )
        if callbacks:
            callback_list = CallbackList(callbacks, model=self)
            logs = training.evaluate_with_callbacks(
                self, X, y, weights, batch_size or 32, callback_list
            )
        else:
            logs = training.logs(self, self._inference_network().evaluate(X, y, weights), y)
        if verbose:
            print(training.format_logs(logs))
        return self._results(logs, return_dict)

    def _results(self, logs: dict, return_dict: bool) -> float | list[float] | dict[str, float]:
        """Keras' return value: the dict, or the loss alone without metrics, else a list."""
        if return_dict:
            return logs
        return (
            logs["loss"] if not self.metrics else [logs["loss"], *(logs[m] for m in self.metrics)]
        )

    # ---- one batch -----------------------------------------------------------------------

    @_one_at_a_time
    def train_on_batch(
        self,
        x: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        class_weight: dict[int, float] | None = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """One optimizer step on the batch (x, y), through the fused loop (the whole batch at
        once, in its order); returns the batch's loss and metrics as ``evaluate`` does, measured
        before the update, as ``fit`` measures them. The learning rate is the optimizer's at
        the epochs done so far (its schedule is per epoch). A NaN or infinite loss skips the
        update, warns, and returns NaN."""
        self._require_layers()
        self._require_compiled("train_on_batch")
        x = self._prepare_x(x, "train_on_batch")
        if x.shape[0] == 0:
            raise ValueError("train_on_batch: x has no samples")
        y = self._prepare_y(y, x.shape[0], "train_on_batch")
        weights = data.prepare_sample_weight(
            sample_weight, class_weight, y, self.output_dim, self.loss, self.dtype, "train_on_batch"
        )
        network = self._network(x.shape[0])
        sums = network.train_epoch(
            x,
            y,
            batch_size=x.shape[0],
            shuffle=False,
            seed=self.seed,
            epoch=self._epochs_done,
            learning_rate=self.optimizer.learning_rate_at(self._epochs_done),
            metrics=bool(self.metrics),
            sample_weight=weights,
        )
        self.optimizer.iterations = network.step
        logs = training.logs(self, sums, y)
        if not sums["finite"]:
            logs = dict.fromkeys(logs, math.nan)
            warnings.warn(
                "train_on_batch: the loss is NaN or infinite; the update was skipped (the weights "
                "are as they were). Try a smaller learning rate.",
                RuntimeWarning,
                stacklevel=3,
            )
        return self._results(logs, return_dict)

    def test_on_batch(
        self,
        x: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """The loss and metrics of one batch, no update: ``evaluate`` on (x, y)."""
        return self.evaluate(x, y, sample_weight=sample_weight, return_dict=return_dict)

    def predict_on_batch(self, x: ArrayLike) -> np.ndarray:
        """The outputs for one batch: ``predict(x)``."""
        return self.predict(x)

    def __call__(self, x: ArrayLike) -> np.ndarray:
        """The forward pass, ``model(x)``: the outputs for x (batch, features), as ``predict``."""
        return self.predict(x)

    def predict(
        self,
        X: ArrayLike,
        batch_size: int | None = None,
        verbose: int = 0,
        callbacks: Sequence[Callback] | None = None,
    ) -> np.ndarray:
        """The output layer's values for X (samples, features): probabilities for sigmoid and
        softmax outputs.

        NaN or inf in X give NaN or inf in the rows they are in (predict does not scan its
        input, so that one sample costs about a microsecond). One sample is a row too:
        ``predict(x[None, :])`` or ``predict(x.reshape(1, -1))``; a 1-D x is a ValueError that
        says so, as in Keras (except for a one-input model, whose 1-D X is one value per
        sample). ``callbacks`` get on_predict_begin/end and, if they override them,
        on_predict_batch_begin/end around batches of ``batch_size`` rows (default 32).
        """
        batch_size = _batch_size(batch_size, "predict")
        if callbacks:
            return self._predict_with_callbacks(X, batch_size or 32, callbacks)
        predictor = self._predictor
        if (
            predictor is not None
            and type(X) is np.ndarray
            and X.dtype == self.dtype
            and X.ndim == 2
            and X.flags.c_contiguous
        ):
            return predictor.predict(X)  # the core checks the shape
        self._require_layers()
        X = self._prepare_x(X, "predict", check_finite=False)
        predictor = self._predictor
        if predictor is None:
            predictor = self._predictor = self._inference_network(metric_options=False)
            _PREDICTOR_HOLDERS.add(self)
        return predictor.predict(X)

    def _predict_with_callbacks(
        self, X: ArrayLike, batch_size: int, callbacks: Sequence[Callback]
    ) -> np.ndarray:
        callback_list = CallbackList(callbacks, model=self)
        X = self._prepare_x(X, "predict", check_finite=False)
        callback_list.on_predict_begin({})
        if not callback_list.wants("on_predict_batch_begin", "on_predict_batch_end"):
            out = self.predict(X)
        else:
            parts = []
            for batch, start in enumerate(range(0, X.shape[0], batch_size)):
                callback_list.on_predict_batch_begin(batch, {})
                parts.append(self.predict(X[start : start + batch_size]))
                callback_list.on_predict_batch_end(batch, {"outputs": parts[-1]})
            out = (
                np.concatenate(parts) if parts else np.empty((0, self.output_dim), dtype=self.dtype)
            )
        callback_list.on_predict_end({})
        return out

    def layer_outputs(self, X: ArrayLike) -> list[np.ndarray]:
        """Every layer's activations for X, first layer first: what each neuron computes (the
        playground draws them). The last equals ``predict(X)``."""
        self._require_layers()
        A = self._prepare_x(X, "layer_outputs", check_finite=False)
        outputs = []
        for layer in self.layers:
            A = layer(A)
            outputs.append(A)
        return outputs

    # ---- state ---------------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        """The architecture: name, dtype, seed and each layer's config."""
        return {
            "class": "Sequential",
            "name": self.name,
            "dtype": self.dtype.name,
            "seed": self.seed,
            "layers": [layer.get_config() for layer in self.layers],
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        """A new model of this architecture (fresh weights, drawn from its seed)."""
        model = cls(dtype=config["dtype"], seed=config["seed"], name=config.get("name"))
        for layer_config in config["layers"]:
            model.add(layers_module.from_config(layer_config))
        return model

    def get_state(self) -> dict[str, Any]:
        """Everything the model is, as plain data: ``config`` (get_config), ``compile`` (the
        optimizer's config, loss and metrics, or None), ``weights`` (name -> array: the layers'
        own arrays, ``layer<i>.kernel`` and ``layer<i>.bias``), ``optimizer`` (its
        ``iterations`` and ``states``, name -> array, or None) and ``epochs_done``.
        fastnn.io writes exactly this; :meth:`from_state` reads it back."""
        weights = {}
        for i, layer in enumerate(self.layers):
            for name, array in _layer_arrays(layer).items():
                weights[f"layer{i}.{name}"] = array
        compiled = None
        optimizer_state = None
        if self.optimizer is not None:
            compiled = {
                "optimizer": self.optimizer.get_config(),
                "loss": self.loss,
                "metrics": list(self.metrics),
            }
            if self.top_k:  # the k of the top-k metric (absent without one)
                compiled["top_k"] = self.top_k
            if self.optimizer.fits(self._params()):
                names = self._param_names()
                raw = self.optimizer.get_state()
                optimizer_state = {
                    "iterations": raw["iterations"],
                    "states": {
                        n: a for n, a in zip(names, raw["states"], strict=True) if a is not None
                    },
                }
        return {
            "config": self.get_config(),
            "compile": compiled,
            "weights": weights,
            "optimizer": optimizer_state,
            "epochs_done": self._epochs_done,
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Copy a state of this architecture (from :meth:`get_state`) into this model: its
        weights, and the optimizer's state and progress when both have them. The model must be
        compiled alike first if the state has an optimizer's. ValueError names what does not fit."""
        where = "Sequential.set_state"
        weights = state.get("weights", {})
        expected = self.get_state()["weights"]
        if set(weights) != set(expected):
            raise ValueError(
                f"{where}: the weights are {sorted(weights)}, this model has {sorted(expected)}"
            )
        for name, target in expected.items():
            _copy_into(target, weights[name], f"{where}: weights[{name!r}]")
        opt = state.get("optimizer")
        if opt is not None:
            if self.optimizer is None:
                raise ValueError(f"{where}: the state has an optimizer's state; compile first")
            self._ensure_optimizer_state()
            names = self._param_names()
            states = opt.get("states", {})
            params = self._params()
            if set(states) != {n for n, p in zip(names, params, strict=True) if p is not None}:
                raise ValueError(
                    f"{where}: the optimizer's states are for {sorted(states)}, this model's "
                    f"parameters are {sorted(n for n, p in zip(names, params, strict=True) if p is not None)}"
                )
            self.optimizer.set_state(
                {
                    "iterations": opt.get("iterations"),
                    "states": [
                        states.get(n) if p is not None else None
                        for n, p in zip(names, params, strict=True)
                    ],
                }
            )
        epochs_done = state.get("epochs_done", 0)
        if (
            isinstance(epochs_done, bool)
            or not isinstance(epochs_done, (int, np.integer))
            or not 0 <= epochs_done <= 2**62
        ):
            raise ValueError(
                f"{where}: epochs_done must be an int in [0, 2**62], got {epochs_done!r}"
            )
        self._epochs_done = int(epochs_done)

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Sequential:
        """The model a :meth:`get_state` describes: built from its config, compiled as it was,
        its weights and optimizer state copied in."""
        model = cls.from_config(state["config"])
        compiled = state.get("compile")
        if compiled is not None:
            metrics = list(compiled["metrics"])
            if "top_k" in compiled:
                k = compiled["top_k"]
                metrics = [
                    fastnn_metrics.SparseTopKCategoricalAccuracy(k)
                    if m == "sparse_top_k_categorical_accuracy"
                    else fastnn_metrics.TopKCategoricalAccuracy(k)
                    if m == "top_k_categorical_accuracy"
                    else m
                    for m in metrics
                ]
            model.compile(optimizer=compiled["optimizer"], loss=compiled["loss"], metrics=metrics)
        model.set_state(state)
        return model

    # ---- weights -------------------------------------------------------------------------

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every layer's arrays in order, Keras' way: [W1, b1, W2, b2, ...], W as
        (in, out), a layer without bias has no b; a BatchNormalization's gamma, beta (each if
        it has it), moving mean and moving variance."""
        return [a.copy() for layer in self.layers for a in _layer_arrays(layer).values()]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Set the weights from a list shaped like :meth:`get_weights` (copied in place)."""
        expected = [a for layer in self.layers for a in _layer_arrays(layer).values()]
        if len(weights) != len(expected):
            raise ValueError(f"set_weights: expected {len(expected)} arrays, got {len(weights)}")
        for i, (target, value) in enumerate(zip(expected, weights, strict=True)):
            value = np.asarray(value)
            if value.shape != target.shape:
                raise ValueError(
                    f"set_weights: array {i} must have shape {target.shape}, got {value.shape}"
                )
            target[...] = value  # in place: a running core keeps pointing at these arrays

    def summary(self, file: TextIO | None = None) -> None:
        """Print the layers, their output shapes and parameter counts."""
        out = file if file is not None else sys.stdout
        lines = [
            f'Model: "{self.name}"',
            f"{'Layer':<22}{'Output shape':<18}{'Activation':<12}{'Params':>10}",
        ]
        lines.append("=" * 62)
        for layer in self.layers:
            activation = getattr(layer, "activation", "")
            lines.append(
                f"{layer.name:<22}{f'(None, {layer.units})':<18}{activation:<12}{layer.count_params():>10,}"
            )
        lines.append("=" * 62)
        lines.append(f"Total params: {self.count_params():,} ({self.dtype.name})")
        if self.optimizer is not None:
            lines.append(f"Optimizer: {self.optimizer!r}; loss: {self.loss}")
        print("\n".join(lines), file=out)

    def save(self, path: str | os.PathLike | BinaryIO) -> None:
        """Write the configuration, weights and optimizer state to one file (see docs/file_format.md)."""
        from fastnn import io

        io.save_model(self, path)

    def save_weights(self, path: str | os.PathLike | BinaryIO) -> None:
        """Write the weights alone (no configuration, no optimizer state) to one file: the
        model file's format, no pickle (docs/file_format.md)."""
        from fastnn import io

        io.save_weights(self, path)

    def load_weights(self, path: str | os.PathLike | BinaryIO) -> None:
        """Copy weights from a :meth:`save_weights` file (or a :meth:`save` file's weights) into
        this model, which must have the same layers: a ValueError names the first array whose
        shape or dtype differs, before any weight changes. A damaged or hostile file is a
        :class:`fastnn.io.ModelFileError`."""
        from fastnn import io

        io.load_weights(self, path)

    def to_json(self, **kwargs: Any) -> str:
        """The architecture (:meth:`get_config`) as JSON, as Keras' ``to_json``; no weights.
        :func:`model_from_json` builds the model back (its weights drawn afresh from the seed).
        ``kwargs`` go to ``json.dumps`` (``indent=2``)."""
        import json

        return json.dumps(
            {"class_name": "Sequential", "config": self.get_config(), "fastnn_version": _version()},
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"Sequential({self.layers!r}, dtype={self.dtype.name!r})"


def _layer_arrays(layer: Layer) -> dict[str, np.ndarray]:
    """A layer's arrays by name, in Keras' order of get_weights."""
    if isinstance(layer, Dense):
        return {"kernel": layer.kernel, **({"bias": layer.bias} if layer.use_bias else {})}
    if isinstance(layer, BatchNormalization):
        arrays = {"gamma": layer.gamma, "beta": layer.beta}
        return {
            **{k: v for k, v in arrays.items() if v is not None},
            "moving_mean": layer.moving_mean,
            "moving_variance": layer.moving_variance,
        }
    return {}


def _copy_into(target: np.ndarray, value, what: str) -> None:
    value = np.asarray(value)
    if value.shape != target.shape or value.dtype != target.dtype:
        raise ValueError(
            f"{what} is {value.dtype} {value.shape}, the model needs {target.dtype} {target.shape}"
        )
    target[...] = value  # in place: a running core keeps pointing at these arrays


def _version() -> str:
    from importlib import metadata

    return metadata.version("fastnn")


def _batch_size(batch_size, where: str) -> int | None:
    if batch_size is not None and (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or not 1 <= batch_size <= 2**62
    ):
        raise ValueError(f"{where}: batch_size must be an int >= 1 or None, got {batch_size!r}")
    return None if batch_size is None else int(batch_size)


#: The longest JSON model_from_json reads: a configuration is a few KB.
_MAX_JSON_CHARS = 1 << 20


def model_from_json(json_string: str | bytes) -> Sequential:
    """The model :meth:`Sequential.to_json` describes, uncompiled, its weights drawn from its
    seed (load them with ``load_weights``). Nothing in the string is executed; one that does
    not describe a model is a ValueError saying why."""
    import json

    where = "model_from_json"
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise TypeError(f"{where}: expected a JSON string, got {type(json_string).__name__}")
    if len(json_string) > _MAX_JSON_CHARS:
        raise ValueError(
            f"{where}: {len(json_string)} characters; a model's JSON is at most {_MAX_JSON_CHARS}"
        )
    try:
        document = json.loads(json_string)
    except ValueError as exc:
        raise ValueError(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("class_name") != "Sequential":
        raise ValueError(f"{where}: expected {{'class_name': 'Sequential', 'config': ...}}")
    config = document.get("config")
    if (
        not isinstance(config, dict)
        or not isinstance(config.get("layers"), list)
        or not all(isinstance(layer, dict) for layer in config["layers"])
    ):
        raise ValueError(f"{where}: the config does not describe a model (no list of layers)")
    try:
        return Sequential.from_config(config)
    except (KeyError, TypeError) as exc:
        raise ValueError(
            f"{where}: the config does not describe a model ({type(exc).__name__}: {exc})"
        ) from None


def load_model(path: str | os.PathLike | BinaryIO) -> Sequential:
    """Read a model written by :meth:`Sequential.save`. Nothing in the file is executed."""
    from fastnn import io

    return io.load_model(path)


__all__ = ["METRICS", "Sequential", "load_model", "model_from_json"]
