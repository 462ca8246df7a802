"""Sequential: a Keras-like model of Dense layers, trained by the fused C++ loop.

``fit`` hands the C++ core whole epochs (or, for the progress bar, chunks of one): batch
order, forward, loss, backward, regularization and update run without Python in between.
The same model can train through :class:`fastnn.reference.Network` (``backend="reference"``),
the plain NumPy loop the C++ one is tested against.
"""

from __future__ import annotations

import functools
import itertools
import sys
import threading
import warnings
import weakref
from collections.abc import Sequence

import numpy as np

from fastnn import _core, _isa, losses
from fastnn import optimizers as optimizers_module
from fastnn import reference as reference_module
from fastnn.callbacks import Callback, History
from fastnn.layers import Dense

METRICS = ("accuracy", "mae", "mse")
_METRIC_ALIASES = {"acc": "accuracy", "mean_absolute_error": "mae", "mean_squared_error": "mse"}
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
    def serialised(self, *args, **kwargs):
        with self._training_lock:
            return method(self, *args, **kwargs)

    return serialised


class Sequential:
    """A stack of :class:`~fastnn.layers.Dense` layers.

    ``dtype`` ("float32" or "float64") is the dtype of the weights and of every computation;
    ``fit``/``evaluate``/``predict`` convert their inputs to it. ``seed`` fixes the initial
    weights and the batch order: the same seed, data and thread count give the same weights
    and history. ``backend`` "cpp" trains with the fused C++ loop, "reference" with the NumPy
    twin of it (slow; for checking and teaching).
    """

    def __init__(
        self,
        layers: Sequence[Dense] | None = None,
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
        self.layers: list[Dense] = []
        self.optimizer: optimizers_module.Optimizer | None = None
        self.loss: str | None = None
        self.metrics: list[str] = []
        self.history = History()
        self.stop_training = False
        self._weight_states: list[np.ndarray] = []
        self._bias_states: list[np.ndarray | None] = []
        self._step = 0
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

    def add(self, layer: Dense) -> None:
        """Append a layer; the first needs ``input_dim``."""
        if not isinstance(layer, Dense):
            raise TypeError(
                f"Sequential.add: expected a fastnn.Dense layer, got {type(layer).__name__}"
            )
        if layer.name is None:
            layer.name = f"dense_{len(self.layers)}"
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
        self._weight_states, self._bias_states = [], []  # the optimizer state no longer fits
        self._predictor = None  # it points at the old list of weights

    @property
    def input_dim(self) -> int:
        """Number of input features."""
        self._require_layers()
        return self.layers[0].input_dim

    @property
    def output_dim(self) -> int:
        """Number of outputs."""
        self._require_layers()
        return self.layers[-1].units

    def count_params(self) -> int:
        """Number of weights and biases."""
        return sum(layer.count_params() for layer in self.layers)

    def _require_layers(self) -> None:
        if not self.layers:
            raise ValueError("Sequential: the model has no layers; add Dense layers first")

    # ---- compiling -----------------------------------------------------------------------

    def compile(
        self, optimizer="sgd", loss: str = "mse", metrics: Sequence[str] | None = None
    ) -> None:
        """Choose the optimizer (an instance or a name), the loss and the metrics to report."""
        self._require_layers()
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = losses.get(loss)
        last = self.layers[-1]
        if (
            self.loss in ("categorical_crossentropy", "sparse_categorical_crossentropy")
            and last.activation != "softmax"
        ):
            raise ValueError(
                f"compile: loss {self.loss!r} needs a softmax output layer, but the last layer's "
                f"activation is {last.activation!r}: use Dense({last.units}, activation='softmax')"
            )
        if self.loss == "binary_crossentropy" and last.activation not in ("sigmoid", "softmax"):
            warnings.warn(
                f"compile: binary_crossentropy expects probabilities, but the last layer's "
                f"activation is {last.activation!r}; use 'sigmoid'",
                RuntimeWarning,
                stacklevel=2,
            )
        self.metrics = []
        for metric in metrics or []:
            key = _METRIC_ALIASES.get(str(metric).lower(), str(metric).lower())
            if key not in METRICS:
                raise ValueError(
                    f"compile: unknown metric {metric!r}; expected one of {', '.join(METRICS)}"
                )
            self.metrics.append(key)
        self._weight_states, self._bias_states = [], []
        self._step = 0

    def _require_compiled(self, what: str) -> None:
        if self.optimizer is None or self.loss is None:
            raise RuntimeError(
                f"{what}: compile the model first, e.g. model.compile(optimizer='sgd', loss='mse')"
            )

    def _ensure_optimizer_state(self) -> None:
        if len(self._weight_states) != len(self.layers):
            self._weight_states = [self.optimizer.init_state(layer.kernel) for layer in self.layers]
            self._bias_states = [
                self.optimizer.init_state(layer.bias) if layer.use_bias else None
                for layer in self.layers
            ]
            self._step = 0

    # ---- the network the core trains -----------------------------------------------------

    def _network(self, max_batch: int):
        self._ensure_optimizer_state()
        # The core wants an array per layer even where there is no bias; it never reads them.
        placeholder = np.zeros((self.optimizer.slots, 1), dtype=self.dtype)
        network = _BACKENDS[self.backend](
            [layer.spec() for layer in self.layers],
            self.loss,
            self.optimizer.core_config(self._epochs_done),
            [layer.kernel for layer in self.layers],
            [layer.bias if layer.use_bias else placeholder[0] for layer in self.layers],
            self._weight_states,
            [s if s is not None else placeholder for s in self._bias_states],
            max_batch,
        )
        network.step = self._step
        return network

    def _inference_network(self):
        # Predict and evaluate update nothing: the core gets a zero SGD state (one slot) that
        # it never touches, shaped as both backends read it.
        def unused_state(param: np.ndarray) -> np.ndarray:
            return np.zeros((1, *param.shape), dtype=self.dtype)

        biases = [
            layer.bias if layer.use_bias else np.zeros(layer.units, self.dtype)
            for layer in self.layers
        ]
        return _BACKENDS[self.backend](
            [layer.spec() for layer in self.layers],
            self.loss or "mse",
            {"kind": "sgd", "learning_rate": 0.0},
            [layer.kernel for layer in self.layers],
            biases,
            [unused_state(layer.kernel) for layer in self.layers],
            [unused_state(b) for b in biases],
            _INFERENCE_ROWS,
            trainable=False,  # reads the weights only: read-only ones (joblib's memmaps) do
        )

    # ---- data ----------------------------------------------------------------------------

    def _prepare_x(self, X, what: str, check_finite: bool = True) -> np.ndarray:
        if isinstance(X, (list, tuple)):
            X = np.asarray(X)
        if not isinstance(X, np.ndarray):
            raise TypeError(
                f"{what}: X must be a numpy array (or a list of rows), got {type(X).__name__}"
            )
        if X.ndim == 1 and self.input_dim == 1:
            X = X.reshape(-1, 1)
        if X.ndim != 2:
            raise ValueError(f"{what}: X must be 2-D (samples, features), got shape {X.shape}")
        if X.shape[1] != self.input_dim:
            raise ValueError(
                f"{what}: X has {X.shape[1]} features but the model takes {self.input_dim} (input_dim)"
            )
        if X.dtype.kind not in "fiub":
            raise TypeError(f"{what}: X must hold numbers, got dtype {X.dtype}")
        X = np.ascontiguousarray(X, dtype=self.dtype)  # no copy when already right
        if check_finite:
            _check_finite(X, "X", what)
        return X

    def _prepare_y(self, y, n: int, what: str) -> np.ndarray:
        if isinstance(y, (list, tuple)):
            y = np.asarray(y)
        if not isinstance(y, np.ndarray):
            raise TypeError(f"{what}: y must be a numpy array, got {type(y).__name__}")
        if y.ndim == 0:
            raise ValueError(f"{what}: y must have one entry per sample of X ({n}), got a scalar")
        if y.shape[0] != n:
            raise ValueError(f"{what}: X has {n} samples but y has {y.shape[0]}")
        outputs = self.output_dim
        if self.loss == "sparse_categorical_crossentropy":
            if y.ndim == 2 and y.shape[1] == 1:
                y = y[:, 0]
            if y.ndim != 1:
                raise ValueError(
                    f"{what}: sparse_categorical_crossentropy takes integer labels of shape (n,), got shape {y.shape}"
                )
            if y.dtype.kind == "f":
                if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
                    bad = int(np.flatnonzero(~np.isfinite(y) | (y != np.round(y)))[0])
                    raise ValueError(f"{what}: y[{bad}] = {y[bad]} is not a whole class label")
            elif y.dtype.kind not in "iub":
                raise TypeError(f"{what}: y must hold class labels (integers), got dtype {y.dtype}")
            labels = y.astype(np.int64)
            out_of_range = (labels < 0) | (labels >= outputs)
            if out_of_range.any():
                bad = int(np.flatnonzero(out_of_range)[0])
                raise ValueError(
                    f"{what}: y[{bad}] = {labels[bad]} is not a class label in [0, {outputs}) for {outputs} outputs"
                )
            return np.ascontiguousarray(labels)
        if y.dtype.kind not in "fiub":
            raise TypeError(f"{what}: y must hold numbers, got dtype {y.dtype}")
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != outputs:
            hint = (
                " (one-hot rows; or use sparse_categorical_crossentropy for labels)"
                if self.loss == "categorical_crossentropy"
                else ""
            )
            raise ValueError(
                f"{what}: y must have shape ({n}, {outputs}) for a model with {outputs} outputs{hint}, got {y.shape}"
            )
        y = np.ascontiguousarray(y, dtype=self.dtype)
        _check_finite(y, "y", what)
        if (
            self.loss in ("binary_crossentropy", "categorical_crossentropy")
            and ((y < 0) | (y > 1)).any()
        ):
            bad = tuple(int(i) for i in np.argwhere((y < 0) | (y > 1))[0])
            raise ValueError(
                f"{what}: {self.loss} needs targets in [0, 1], got y{list(bad)} = {y[bad]}"
            )
        return y

    # ---- training ------------------------------------------------------------------------

    @_one_at_a_time
    def fit(
        self,
        X,
        y,
        epochs: int = 1,
        batch_size: int | None = 32,
        shuffle: bool = True,
        validation_split: float = 0.0,
        validation_data: tuple | None = None,
        callbacks: Sequence[Callback] | None = None,
        verbose: int = 1,
        initial_epoch: int = 0,
    ) -> History:
        """Train for `epochs` epochs; returns the History (also ``model.history``).

        ``validation_split`` holds out the last fraction of the samples (before shuffling), as
        Keras does. ``verbose`` 1 shows a progress bar, 2 a line per epoch, 0 nothing.
        """
        self._require_layers()
        self._require_compiled("fit")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
        if batch_size is None:
            batch_size = 32
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1
        ):
            raise ValueError(f"fit: batch_size must be an int >= 1, got {batch_size!r}")
        if (
            isinstance(initial_epoch, bool)
            or not isinstance(initial_epoch, (int, np.integer))
            or initial_epoch < 0
        ):
            raise ValueError(f"fit: initial_epoch must be an int >= 0, got {initial_epoch!r}")
        if (
            isinstance(validation_split, bool)
            or not isinstance(validation_split, (int, float, np.integer, np.floating))
            or not 0.0 <= validation_split < 1.0
        ):
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split!r}")
        if verbose not in (0, 1, 2):
            raise ValueError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
        X = self._prepare_x(X, "fit")
        y = self._prepare_y(y, X.shape[0], "fit")
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("fit: validation_data must be a pair (X_val, y_val)")
            X_val = self._prepare_x(validation_data[0], "fit(validation_data)")
            y_val = self._prepare_y(validation_data[1], X_val.shape[0], "fit(validation_data)")
        elif validation_split > 0:
            n_train = int(X.shape[0] * (1 - validation_split))
            if n_train == 0 or n_train == X.shape[0]:
                raise ValueError(
                    f"fit: validation_split={validation_split} leaves no training or no validation samples of {X.shape[0]}"
                )
            X, X_val = X[:n_train], X[n_train:]  # views: rows stay contiguous, nothing is copied
            y, y_val = y[:n_train], y[n_train:]
        else:
            X_val = y_val = None
        n = X.shape[0]
        if n == 0:
            raise ValueError("fit: X has no samples")
        batch_size = int(min(batch_size, n))

        self.history = History()
        # History last, as Keras: it records what the other callbacks added to the logs.
        callback_list = [*(callbacks or []), self.history]
        for cb in callback_list:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"fit: callbacks must be fastnn.callbacks.Callback instances, got {type(cb).__name__}"
                )
            cb.set_model(self)
        self.stop_training = False
        network = self._network(batch_size)
        num_batches = -(-n // batch_size)
        # The progress bar needs a few updates per epoch; a chunk is a call into the core.
        chunks = min(num_batches, 20) if verbose == 1 and num_batches >= 40 else 1
        bar = _ProgressBar(epochs - initial_epoch, num_batches) if verbose == 1 else None

        for cb in callback_list:
            cb.on_train_begin({})
        last_finite, last_finite_step = self._snapshot(), self._step
        try:
            for epoch in range(initial_epoch, epochs):
                for cb in callback_list:
                    cb.on_epoch_begin(epoch, {})
                learning_rate = self.optimizer.learning_rate_at(epoch)
                sums = None
                bounds = np.linspace(0, num_batches, chunks + 1).round().astype(int)
                for first, last in itertools.pairwise(bounds):
                    part = network.train_epoch(
                        X,
                        y,
                        batch_size=batch_size,
                        shuffle=bool(shuffle),
                        seed=self.seed,
                        epoch=epoch,
                        learning_rate=learning_rate,
                        first_batch=int(first),
                        last_batch=int(last),
                        metrics=bool(self.metrics),
                    )
                    sums = part if sums is None else _add_sums(sums, part)
                    if not part["finite"]:
                        break
                    if bar is not None:
                        bar.update(epoch, int(last - first), self._logs(sums))
                self._step = network.step
                # The core checks each batch's loss before its update; the epoch's last update
                # can still overflow the weights (SGD at 1e30) with every loss finite.
                weights_finite = sums["finite"] and all(
                    np.isfinite(w).all() for w in self._trained_arrays()
                )
                if not weights_finite:
                    what = "the loss" if not sums["finite"] else "the weights"
                    self._restore(last_finite)
                    self._step = last_finite_step  # the update count goes back with the state
                    network = self._network(batch_size)
                    message = (
                        f"fit: {what} became NaN or infinite in epoch {epoch + 1}; training stopped "
                        f"and the weights are those after epoch {epoch} (the last finite one). "
                        "Try a smaller learning rate."
                    )
                    self.history.stopped_reason = message
                    warnings.warn(message, RuntimeWarning, stacklevel=3)
                    break
                logs = self._logs(sums)
                if X_val is not None:
                    val = self._inference_network().evaluate(X_val, y_val)
                    logs.update({f"val_{k}": v for k, v in self._logs(val).items()})
                self._epochs_done = epoch + 1
                last_finite, last_finite_step = self._snapshot(), self._step
                if bar is not None:
                    bar.end_epoch(logs)
                elif verbose == 2:
                    print(f"Epoch {epoch + 1}/{epochs} - " + _format_logs(logs), flush=True)
                for cb in callback_list:
                    cb.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        finally:
            if bar is not None:
                bar.close()
        for cb in callback_list:
            cb.on_train_end({})
        return self.history

    def _logs(self, sums: dict) -> dict:
        samples = max(sums["samples"], 1)
        logs = {"loss": (sums["loss"] + sums["regularization"]) / samples}
        for metric in self.metrics:
            if metric == "accuracy":
                logs["accuracy"] = sums["correct"] / max(sums["judged"], 1)
            elif metric == "mae":
                logs["mae"] = sums["abs_error"] / max(sums["elements"], 1)
            else:
                logs["mse"] = sums["squared_error"] / max(sums["elements"], 1)
        return logs

    def _snapshot(self) -> list:
        return [np.copy(a) for a in self._trained_arrays()]

    def _restore(self, snapshot: list) -> None:
        for target, saved in zip(self._trained_arrays(), snapshot, strict=True):
            target[...] = saved

    def _trained_arrays(self) -> list[np.ndarray]:
        arrays = []
        for i, layer in enumerate(self.layers):
            arrays.append(layer.kernel)
            if layer.use_bias:
                arrays.append(layer.bias)
            if i < len(self._weight_states):
                arrays.append(self._weight_states[i])
                if self._bias_states[i] is not None:
                    arrays.append(self._bias_states[i])
        return arrays

    # ---- inference -----------------------------------------------------------------------

    def evaluate(self, X, y, verbose: int = 0, return_dict: bool = False):
        """The loss (with regularization) and the compiled metrics on (X, y).

        Returns the loss alone when no metrics were compiled, else [loss, *metrics]; a dict
        with ``return_dict=True``.
        """
        self._require_layers()
        self._require_compiled("evaluate")
        X = self._prepare_x(X, "evaluate")
        if X.shape[0] == 0:  # no mean over no samples (fit refuses them alike)
            raise ValueError("evaluate: X has no samples")
        y = self._prepare_y(y, X.shape[0], "evaluate")
        logs = self._logs(self._inference_network().evaluate(X, y))
        if verbose:
            print(_format_logs(logs))
        if return_dict:
            return logs
        return (
            logs["loss"] if not self.metrics else [logs["loss"], *(logs[m] for m in self.metrics)]
        )

    def predict(self, X, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        """The output layer's values for X: probabilities for sigmoid and softmax outputs.

        NaN or inf in X give NaN or inf in the rows they are in (predict does not scan its
        input, so that one sample costs about a microsecond).
        """
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
            predictor = self._predictor = self._inference_network()
            _PREDICTOR_HOLDERS.add(self)
        return predictor.predict(X)

    # ---- weights -------------------------------------------------------------------------

    def get_weights(self) -> list[np.ndarray]:
        """Copies of [W1, b1, W2, b2, ...], W as (in, out); a layer without bias has no b."""
        out = []
        for layer in self.layers:
            out.append(layer.kernel.copy())
            if layer.use_bias:
                out.append(layer.bias.copy())
        return out

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Set the weights from a list shaped like :meth:`get_weights` (copied in place)."""
        expected = []
        for layer in self.layers:
            expected.append(layer.kernel)
            if layer.use_bias:
                expected.append(layer.bias)
        if len(weights) != len(expected):
            raise ValueError(f"set_weights: expected {len(expected)} arrays, got {len(weights)}")
        for i, (target, value) in enumerate(zip(expected, weights, strict=True)):
            value = np.asarray(value)
            if value.shape != target.shape:
                raise ValueError(
                    f"set_weights: array {i} must have shape {target.shape}, got {value.shape}"
                )
            target[...] = value  # in place: a running core keeps pointing at these arrays

    def summary(self, file=None) -> None:
        """Print the layers, their output shapes and parameter counts."""
        out = file if file is not None else sys.stdout
        lines = [
            f'Model: "{self.name}"',
            f"{'Layer':<22}{'Output shape':<18}{'Activation':<12}{'Params':>10}",
        ]
        lines.append("=" * 62)
        for layer in self.layers:
            lines.append(
                f"{layer.name:<22}{f'(None, {layer.units})':<18}{layer.activation:<12}{layer.count_params():>10,}"
            )
        lines.append("=" * 62)
        lines.append(f"Total params: {self.count_params():,} ({self.dtype.name})")
        if self.optimizer is not None:
            lines.append(f"Optimizer: {self.optimizer!r}; loss: {self.loss}")
        print("\n".join(lines), file=out)

    def save(self, path) -> None:
        """Write the configuration, weights and optimizer state to one file (see docs/file_format.md)."""
        from fastnn import io

        io.save_model(self, path)

    def __repr__(self) -> str:
        return f"Sequential({self.layers!r}, dtype={self.dtype.name!r})"


def _check_finite(a: np.ndarray, name: str, what: str) -> None:
    # In blocks of rows: a full isfinite mask of a 1 GiB input would cost 256 MiB.
    rows = max(1, (1 << 22) // max(a.shape[1] if a.ndim == 2 else 1, 1))
    for start in range(0, a.shape[0], rows):
        block = a[start : start + rows]
        if not np.isfinite(block).all():
            where = np.argwhere(~np.isfinite(block))[0]
            index = (int(where[0]) + start, *map(int, where[1:]))
            raise ValueError(f"{what}: {name}{list(index)} is {a[index]}; inputs must be finite")


def _add_sums(a: dict, b: dict) -> dict:
    out = {k: a[k] + b[k] for k in a if k != "finite"}
    out["finite"] = a["finite"] and b["finite"]
    return out


def _format_logs(logs: dict) -> str:
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


class _ProgressBar:
    """tqdm over the batches of all epochs, with the running loss and metrics."""

    def __init__(self, epochs: int, batches_per_epoch: int) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(
            total=epochs * batches_per_epoch,
            unit="batch",
            dynamic_ncols=True,
            file=sys.stdout,
            mininterval=0.2,
        )
        self.epochs = epochs

    def update(self, epoch: int, batches: int, logs: dict) -> None:
        self.bar.set_description(f"epoch {epoch + 1}", refresh=False)
        self.bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=False)
        self.bar.update(batches)

    def end_epoch(self, logs: dict) -> None:
        self.bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=False)

    def close(self) -> None:
        self.bar.close()


def load_model(path) -> Sequential:
    """Read a model written by :meth:`Sequential.save`. Nothing in the file is executed."""
    from fastnn import io

    return io.load_model(path)


__all__ = ["METRICS", "Sequential", "load_model"]
