"""Layers. fastnn's networks are stacks of :class:`Dense` layers, each optionally followed by
a :class:`BatchNormalization`, an :class:`Activation` and a :class:`Dropout` of its outputs, in
that order (Keras' layers of those names), which the fused C++ loop runs as part of the Dense
layer before them."""

from __future__ import annotations

import os

import numpy as np

from fastnn import activations, initializers, kernels, regularizers, tables


class Dense:
    """A fully connected layer: ``A = activation(X W + b)``, W of shape (in, out).

    Parameters follow Keras: ``units`` neurons, an ``activation`` name (None = linear),
    ``input_dim`` for the first layer, ``use_bias``, the initializers' names and an optional
    ``kernel_regularizer`` (``fastnn.regularizers.l1/l2/l1_l2``).
    """

    def __init__(
        self,
        units: int,
        activation: str | None = None,
        input_dim: int | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        kernel_regularizer=None,
        alpha: float | None = None,
        name: str | None = None,
    ) -> None:
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"Dense: units must be an int >= 1, got {units!r}")
        if input_dim is not None and (
            isinstance(input_dim, bool)
            or not isinstance(input_dim, (int, np.integer))
            or input_dim < 1
        ):
            raise ValueError(f"Dense: input_dim must be an int >= 1 or None, got {input_dim!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.alpha = _checked_alpha(self.activation, alpha, "Dense")
        self.input_dim = None if input_dim is None else int(input_dim)
        self.use_bias = bool(use_bias)
        initializers.get(kernel_initializer)
        initializers.get(bias_initializer)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.name = name
        self.kernel: np.ndarray | None = None
        self.bias: np.ndarray | None = None

    @property
    def built(self) -> bool:
        """True once the weights exist."""
        return self.kernel is not None

    def build(self, input_dim: int, rng: np.random.Generator, dtype: np.dtype) -> None:
        """Create the weights: kernel (input_dim, units), bias (units,)."""
        if self.input_dim is not None and self.input_dim != input_dim:
            raise ValueError(
                f"Dense {self.name}: input_dim={self.input_dim} but the layer before gives {input_dim}"
            )
        need = (input_dim + 1) * self.units * np.dtype(dtype).itemsize
        if need > _memory_bytes():
            raise ValueError(
                f"Dense {self.name}: a {input_dim} x {self.units} layer needs {need:,} bytes, more"
                f" than this machine's {_memory_bytes():,} bytes of memory"
            )
        self.input_dim = input_dim
        self.kernel = initializers.get(self.kernel_initializer)(rng, (input_dim, self.units), dtype)
        self.bias = (
            initializers.get(self.bias_initializer)(rng, (self.units,), dtype)
            if self.use_bias
            else None
        )

    def count_params(self) -> int:
        """Number of weights and biases."""
        if self.input_dim is None:
            return 0
        return self.input_dim * self.units + (self.units if self.use_bias else 0)

    def spec(self) -> dict:
        """What the C++ core needs to know about this layer."""
        reg = self.kernel_regularizer
        return {
            "in": self.input_dim,
            "out": self.units,
            "activation": self.activation,
            "alpha": self.alpha,
            "use_bias": self.use_bias,
            "l1": reg.l1 if reg else 0.0,
            "l2": reg.l2 if reg else 0.0,
        }

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """This layer's forward pass, A = activation(X @ kernel + bias), for X (batch, in) of
        the layer's dtype (through the C++ kernels)."""
        if self.kernel is None:
            raise ValueError(f"Dense {self.name or ''}: not built yet; add it to a model first")
        if not isinstance(X, np.ndarray):
            raise TypeError(f"Dense: X must be a numpy array, got {type(X).__name__}")
        if X.ndim != 2 or X.shape[1] != self.kernel.shape[0]:
            raise ValueError(
                f"Dense: X must have shape (batch, {self.kernel.shape[0]}), got {X.shape}"
            )
        if X.dtype != self.kernel.dtype:
            raise TypeError(
                f"Dense: X must have dtype {self.kernel.dtype} like the layer's weights, got "
                f"{X.dtype} (convert with .astype())"
            )
        Z = kernels.dense_forward(X, self.kernel, self.bias if self.use_bias else None)
        return _activate(self.activation, self.alpha, Z)

    @staticmethod
    def arrays_of(config: dict, inputs: int) -> dict[str, list[int]]:
        """The shapes of the arrays a layer of this config saves, after `inputs` values."""
        shapes = {"kernel": [inputs, config["units"]]}
        if config.get("use_bias", True):
            shapes["bias"] = [config["units"]]
        return shapes

    def get_config(self) -> dict:
        """The constructor's arguments, for saving."""
        return {
            "units": self.units,
            "activation": self.activation,
            "input_dim": self.input_dim,
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "kernel_regularizer": self.kernel_regularizer.get_config()
            if self.kernel_regularizer
            else None,
            "alpha": self.alpha if activations.ACTIVATIONS[self.activation] is not None else None,
            "name": self.name,
        }

    def __repr__(self) -> str:
        return f"Dense({self.units}, activation={self.activation!r})"


def _checked_alpha(activation: str, alpha: float | None, where: str) -> float:
    """The activation's alpha checked by its row (its default for None), 0.0 for an activation
    without one (where alpha is refused)."""
    row = tables.ACTIVATIONS[activation].alpha
    if alpha is not None and row is None:
        takers = " and ".join(n for n, r in tables.ACTIVATIONS.items() if r.alpha)
        raise ValueError(f"{where}: alpha applies to {takers}, not {activation}")
    if row is None:
        return 0.0
    return row.check(row.default if alpha is None else alpha, where)


def _activate(activation: str, alpha: float, Z: np.ndarray) -> np.ndarray:
    """The activation's C++ kernel on Z (with alpha where it takes one)."""
    forward = getattr(kernels, f"{activation}_forward")
    if tables.ACTIVATIONS[activation].alpha is not None:
        return forward(Z, alpha=alpha)
    return forward(Z)


class _Weightless:
    """A layer without weights that keeps the width of the layer before it (Dropout,
    Activation): built when added to a model, saving no arrays."""

    units: int | None

    @property
    def built(self) -> bool:
        """True once added to a model."""
        return self.units is not None

    def build(self, units: int, dtype: np.dtype) -> None:
        """Take the layer before's width (nothing to allocate)."""
        self.units = int(units)

    def count_params(self) -> int:
        """0: no weights."""
        return 0

    @staticmethod
    def arrays_of(config: dict, inputs: int) -> dict[str, list[int]]:
        """None: no arrays to save."""
        return {}


class Dropout(_Weightless):
    """Inverted dropout, Keras' ``Dropout``: in ``fit``, each output of the layer before is set
    to 0 with probability ``rate`` and the others are divided by ``1 - rate``; ``predict`` and
    ``evaluate`` pass the values through. It follows a Dense layer (or its BatchNormalization).

    The masks come from the model's seed, the update's number and ``seed`` (None: the layer's
    position), drawn in the C++ core by the generator that shuffles the batches, so the same
    seed trains to the same weights, and the NumPy loop draws the same masks.

    As a model's first layer, with ``input_dim``, it drops the inputs themselves.
    """

    def __init__(
        self,
        rate: float,
        seed: int | None = None,
        input_dim: int | None = None,
        name: str | None = None,
    ) -> None:
        self.rate = tables.DROPOUT["rate"].check(rate, "Dropout")
        self.seed = None if seed is None else tables.DROPOUT["seed"].check(seed, "Dropout")
        if input_dim is not None and (
            isinstance(input_dim, bool)
            or not isinstance(input_dim, (int, np.integer))
            or input_dim < 1
        ):
            raise ValueError(f"Dropout: input_dim must be an int >= 1 or None, got {input_dim!r}")
        self.input_dim = None if input_dim is None else int(input_dim)
        self.name = name
        self.units: int | None = None  # the layer before's, once added

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Inference: X itself (dropout acts in fit only)."""
        return X

    def get_config(self) -> dict:
        """The constructor's arguments, for saving."""
        return {
            "class_name": "Dropout",
            "rate": self.rate,
            "seed": self.seed,
            "input_dim": self.input_dim,
            "name": self.name,
        }

    def __repr__(self) -> str:
        return f"Dropout({self.rate!r})"


class BatchNormalization:
    """Keras' ``BatchNormalization`` of the outputs of the Dense layer before it.

    In ``fit`` each feature is normalized by the batch's mean and variance, then scaled by a
    trained ``gamma`` (``scale``) and shifted by a trained ``beta`` (``center``); the moving
    mean and variance follow the batches' (``moving = moving * momentum + batch * (1 -
    momentum)``) and stand in for them in ``predict`` and ``evaluate``. Defaults and ranges are
    the core's table (:data:`fastnn.tables.BATCH_NORM`).
    """

    def __init__(
        self,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        name: str | None = None,
    ) -> None:
        rows = tables.BATCH_NORM
        self.momentum = rows["momentum"].check(momentum, "BatchNormalization")
        self.epsilon = rows["epsilon"].check(epsilon, "BatchNormalization")
        self.center = rows["center"].check(center, "BatchNormalization")
        self.scale = rows["scale"].check(scale, "BatchNormalization")
        self.name = name
        self.units: int | None = None
        self.gamma: np.ndarray | None = None
        self.beta: np.ndarray | None = None
        self.moving_mean: np.ndarray | None = None
        self.moving_variance: np.ndarray | None = None

    @property
    def built(self) -> bool:
        """True once the arrays exist."""
        return self.moving_mean is not None

    def build(self, units: int, dtype: np.dtype) -> None:
        """Create gamma (ones), beta (zeros), the moving mean (zeros) and variance (ones)."""
        if self.units is not None and self.units != units:
            raise ValueError(
                f"BatchNormalization {self.name}: it normalizes {self.units} values, but the "
                f"layer before gives {units}"
            )
        self.units = int(units)
        self.gamma = np.ones(units, dtype) if self.scale else None
        self.beta = np.zeros(units, dtype) if self.center else None
        self.moving_mean = np.zeros(units, dtype)
        self.moving_variance = np.ones(units, dtype)

    def count_params(self) -> int:
        """gamma and beta (trained) and the moving mean and variance (not), as Keras counts."""
        if self.units is None:
            return 0
        return self.units * (2 + int(self.scale) + int(self.center))

    @staticmethod
    def arrays_of(config: dict, inputs: int) -> dict[str, list[int]]:
        """The shapes of the arrays a layer of this config saves, after `inputs` values."""
        names = ["moving_mean", "moving_variance"]
        names += ["gamma"] if config.get("scale", True) else []
        names += ["beta"] if config.get("center", True) else []
        return {name: [inputs] for name in names}

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Inference: X normalized by the moving statistics (the C++ kernel)."""
        if not self.built:
            raise ValueError(f"BatchNormalization {self.name or ''}: not built yet; add it first")
        return kernels.batch_norm_inference(
            X, self.gamma, self.beta, self.moving_mean, self.moving_variance, epsilon=self.epsilon
        )

    def get_config(self) -> dict:
        """The constructor's arguments, for saving."""
        return {
            "class_name": "BatchNormalization",
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "name": self.name,
        }

    def __repr__(self) -> str:
        return f"BatchNormalization(momentum={self.momentum!r}, epsilon={self.epsilon!r})"


class Activation(_Weightless):
    """Keras' ``Activation`` layer: an activation (any of the core's table) of the values
    before it. After a BatchNormalization it acts on the normalized values (Keras' "Dense,
    BatchNormalization, Activation" pattern); right after a Dense layer without activation of
    its own it is that layer's activation (``Dense(10)``, ``Activation("softmax")`` trains
    through the fused softmax cross-entropy as ``Dense(10, "softmax")`` does)."""

    def __init__(self, activation: str, alpha: float | None = None, name: str | None = None):
        self.activation = activations.get(activation)
        self.alpha = _checked_alpha(self.activation, alpha, "Activation")
        self.name = name
        self.units: int | None = None

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """The activation of X (through the C++ kernel)."""
        return _activate(self.activation, self.alpha, X)

    def get_config(self) -> dict:
        """The constructor's arguments, for saving."""
        has_alpha = tables.ACTIVATIONS[self.activation].alpha is not None
        return {
            "class_name": "Activation",
            "activation": self.activation,
            "alpha": self.alpha if has_alpha else None,
            "name": self.name,
        }

    def __repr__(self) -> str:
        return f"Activation({self.activation!r})"


#: The layer classes a model file's config names (``class_name``; Dense when absent).
LAYER_CLASSES = {
    "Dense": Dense,
    "Dropout": Dropout,
    "BatchNormalization": BatchNormalization,
    "Activation": Activation,
}


def from_config(config: dict) -> Dense | Dropout | BatchNormalization | Activation:
    """A layer from its get_config()."""
    config = dict(config)
    name = config.pop("class_name", "Dense")
    if name not in LAYER_CLASSES:
        raise ValueError(
            f"unknown layer class {name!r}; expected one of {', '.join(LAYER_CLASSES)}"
        )
    return LAYER_CLASSES[name](**config)


def _memory_bytes() -> int:
    """The machine's physical memory (2**40 where the system does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return 2**40
