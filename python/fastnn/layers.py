"""Layers. fastnn's networks are stacks of :class:`Dense` layers."""

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
        alpha_row = tables.ACTIVATIONS[self.activation].alpha
        if alpha is not None and alpha_row is None:
            takers = " and ".join(n for n, row in tables.ACTIVATIONS.items() if row.alpha)
            raise ValueError(f"Dense: alpha applies to {takers}, not {self.activation}")
        if alpha_row is None:
            self.alpha = 0.0
        else:
            self.alpha = alpha_row.check(alpha_row.default if alpha is None else alpha, "Dense")
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
        forward = getattr(kernels, f"{self.activation}_forward")
        if tables.ACTIVATIONS[self.activation].alpha is not None:
            return forward(Z, alpha=self.alpha)
        return forward(Z)

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


def _memory_bytes() -> int:
    """The machine's physical memory (2**40 where the system does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return 2**40
