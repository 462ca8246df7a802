"""How to call each kernel: valid arguments for a dtype and shape, for the table-driven tests.

Each spec names a kernel and builds its positional arrays and keywords; the tests call the
C++ kernel (fastnn.kernels) and its twin (fastnn.reference) by that name with the same
arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from fastnn import reference as ref
from fastnn import tables


@dataclass(frozen=True)
class Spec:
    """One kernel: `make(rng, dtype, batch, width)` returns its positional arrays by name."""

    name: str
    arg_names: tuple[str, ...]
    make: Callable[[np.random.Generator, type, int, int], dict[str, np.ndarray]]
    kwargs: dict = field(default_factory=dict)
    returns_scalar: bool = False

    @property
    def id(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in self.kwargs.items())
        return f"{self.name}[{extra}]" if extra else self.name


def _normal(rng, dtype, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def _away_from_zero(rng, dtype, *shape, scale=2.0):
    # Kinked activations (relu, step at 0, hard_sigmoid at -3 and 3) differ by convention only
    # at their kinks: keep inputs off them.
    Z = rng.standard_normal(shape) * scale
    for kink in (0.0, -3.0, 3.0):
        Z = np.where(np.abs(Z - kink) < 1e-3, kink + 1e-3, Z)
    return Z.astype(dtype)


def _dense_forward(rng, dtype, batch, width):
    n_in = width
    n_out = max(1, (width * 3) // 2 - 1)  # out != in, so a transposed W cannot pass
    return {
        "X": _normal(rng, dtype, batch, n_in),
        "W": _normal(rng, dtype, n_in, n_out, scale=1 / np.sqrt(n_in)),
        "b": _normal(rng, dtype, n_out),
    }


def _dense_backward(rng, dtype, batch, width):
    args = _dense_forward(rng, dtype, batch, width)
    n_out = args["W"].shape[1]
    return {"X": args["X"], "W": args["W"], "dZ": _normal(rng, dtype, batch, n_out)}


def _activation_forward(rng, dtype, batch, width):
    return {"Z": _away_from_zero(rng, dtype, batch, width)}


def _activation_backward_of(name: str, kwargs: dict):
    forward = getattr(ref, f"{name}_forward")

    def make(rng, dtype, batch, width):
        Z = _away_from_zero(rng, dtype, batch, width)
        return {"Z": Z, "A": forward(Z, **kwargs), "dA": _normal(rng, dtype, batch, width)}

    return make


def _probabilities(rng, dtype, *shape):
    return rng.uniform(0.02, 0.98, shape).astype(dtype)


def _one_hot(rng, dtype, batch, width):
    T = np.zeros((batch, width), dtype=dtype)
    T[np.arange(batch), rng.integers(0, width, batch)] = 1
    return T


def _loss_args(kind: str):
    def make(rng, dtype, batch, width):
        if kind == "mse":
            return {"Y": _normal(rng, dtype, batch, width), "T": _normal(rng, dtype, batch, width)}
        if kind == "bce":
            return {
                "Y": _probabilities(rng, dtype, batch, width),
                "T": rng.integers(0, 2, (batch, width)).astype(dtype),
            }
        if kind == "logits_binary":
            return {
                "Y": _normal(rng, dtype, batch, width, scale=3.0),
                "T": rng.integers(0, 2, (batch, width)).astype(dtype),
            }
        if kind == "hinge":
            return {
                "Y": _normal(rng, dtype, batch, width, scale=2.0),
                "T": rng.choice([-1.0, 0.0, 1.0], (batch, width)).astype(dtype),
            }
        if kind == "distributions":
            T = rng.uniform(0, 1, (batch, width))
            return {
                "Y": _probabilities(rng, dtype, batch, width),
                "T": (T / T.sum(axis=1, keepdims=True)).astype(dtype),
            }
        return {
            "Y": _normal(rng, dtype, batch, width, scale=3.0),
            "T": _one_hot(rng, dtype, batch, width),
        }

    return make


# Every activation of the core's table with its defaults, and more settings of those that take
# a parameter.
ACTIVATION_PARAMS = {name: [{}] for name in tables.ACTIVATIONS}
ACTIVATION_PARAMS["leaky_relu"] += [{"alpha": 0.2}, {"alpha": 0.0}, {"alpha": 1.5}]
ACTIVATION_PARAMS["elu"] += [{"alpha": 0.5}, {"alpha": 2.0}]

# The kind of valid input each loss kernel of the core's table takes (a new row needs one here:
# the KeyError says so).
_INPUT_KIND = {
    "mse": "mse",
    "binary_crossentropy": "bce",
    "sigmoid_binary_crossentropy": "logits_binary",
    "softmax_crossentropy": "softmax",
    "huber": "mse",
    "mae": "mse",
    "hinge": "hinge",
    "kl_divergence": "distributions",
}
LOSS_KINDS = {name: _INPUT_KIND[name] for name in tables.LOSS_KERNELS}


def all_specs() -> list[Spec]:
    """Every kernel of fastnn.kernels (forward and backward), with each parameter setting."""
    specs = [
        Spec("dense_forward", ("X", "W", "b"), _dense_forward),
        Spec("dense_backward", ("X", "W", "dZ"), _dense_backward),
    ]
    for name, settings in ACTIVATION_PARAMS.items():
        for kw in settings:
            specs.append(Spec(f"{name}_forward", ("Z",), _activation_forward, kw))
            specs.append(
                Spec(f"{name}_backward", ("Z", "A", "dA"), _activation_backward_of(name, kw), kw)
            )
    for name, kind in LOSS_KINDS.items():
        specs.append(Spec(f"{name}_forward", ("Y", "T"), _loss_args(kind), returns_scalar=True))
        specs.append(Spec(f"{name}_backward", ("Y", "T"), _loss_args(kind)))
    return specs


SPECS = all_specs()
SPEC_IDS = [s.id for s in SPECS]
