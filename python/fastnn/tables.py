"""The core's tables, as Python reads them: each concept's facts, written once in C++.

The C++ core declares one table per concept next to its kernels (``cpp/fastnn/activations.hpp``,
``losses.hpp``, ``optimizers.hpp``, ``perceptron.hpp``): the names, each hyper-parameter's
default and valid range, the optimizers' state arrays, which loss fuses with which output
activation. The bindings check their arguments by those rows and export them
(``fastnn._core.ACTIVATIONS``, ...); this module wraps them, and :mod:`fastnn.reference`, the
optimizer classes, :class:`~fastnn.Perceptron`, :class:`~fastnn.layers.Dense` and the loss and
activation lookups read them from here. :meth:`Parameter.check` is the same rule as the
bindings' check, with the same message, so every entry point refuses the same values.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from fastnn import _core


@dataclass(frozen=True)
class Parameter:
    """One argument's row: its name, type ('real', 'flag' or 'integer'), default and range."""

    name: str
    type: str
    default: Any
    low: float
    high: float
    low_open: bool
    high_open: bool
    range: str
    doc: str
    needs_positive: str | None = None
    update_argument: bool = True

    def contains(self, value: Any) -> bool:
        """Whether `value` (already of the right type) lies in the range."""
        if self.type == "flag":
            return value in (True, False)
        if self.type == "real" and not math.isfinite(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return bool(above and below)

    def check(self, value: Any, where: str) -> Any:
        """`value` as a float, bool or int, or TypeError/ValueError naming the parameter.

        `where` starts the message (``"SGD"``, ``"sgd_update()"``), as the bindings' name does.
        """
        kind = type(value).__name__
        if self.type == "flag":
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{where}: {self.name} must be True or False, got {kind}")
            return bool(value)
        if self.type == "integer":
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
                raise TypeError(f"{where}: {self.name} must be an int, got {kind}")
            if not self.contains(int(value)):
                raise ValueError(
                    f"{where}: {self.name} must be an int {self.range}, got {int(value)}"
                )
            return int(value)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{where}: {self.name} must be a number, got {kind}")
        try:
            number = float(value)
        except OverflowError:  # an int beyond the doubles
            number = math.inf
        if not self.contains(number):
            raise ValueError(
                f"{where}: {self.name} must be a finite number {self.range}, got {value!r}"
            )
        return number


def _parameter(row: Mapping) -> Parameter:
    return Parameter(**dict(row))


@dataclass(frozen=True)
class Activation:
    """An activation's row: its kernel pair's formulas and its parameters (alpha or none)."""

    name: str
    forward: str
    backward: str
    parameters: tuple[Parameter, ...]
    alias: str | None = None  # Keras' other name for it

    @property
    def alpha(self) -> Parameter | None:
        """Its one parameter, alpha (leaky_relu, elu), or None."""
        return self.parameters[0] if self.parameters else None


@dataclass(frozen=True)
class Loss:
    """A loss a network trains on: the kernel it runs, and with which output it fuses."""

    name: str
    alias: str | None
    kernel: str | None  # on the output's values; None: only fused
    fused_with: str | None  # the output activation it fuses with
    fused_kernel: str | None  # the kernel it then runs on the logits
    labels: bool  # targets are integer class labels
    doc: str

    def fuses(self, output_activation: str) -> bool:
        """Whether a network with this output activation trains through the fused kernel."""
        return self.fused_with == output_activation


@dataclass(frozen=True)
class Optimizer:
    """An optimizer's row: its hyper-parameters (learning_rate first) and its state arrays."""

    name: str
    class_name: str
    parameters: Mapping[str, Parameter]
    state: tuple[str, ...]
    doc: str
    update_arguments: tuple[str, ...] = field(default=())

    @property
    def slots(self) -> int:
        """How many state arrays (each the parameter's size) it keeps."""
        return len(self.state)

    @property
    def defaults(self) -> dict[str, Any]:
        """Every hyper-parameter's default."""
        return {name: p.default for name, p in self.parameters.items()}

    def check(self, values: Mapping[str, Any], where: str) -> dict[str, Any]:
        """The hyper-parameters `values` (missing ones take their defaults), each checked by
        its row, unknown names refused, and a flag needing another parameter > 0 (nesterov)
        checked once both are known."""
        for name in values:
            if name not in self.parameters:
                raise TypeError(f"{where}: the optimizer {self.name} has no parameter {name!r}")
        out = {}
        for name, p in self.parameters.items():
            out[name] = p.check(values[name], where) if name in values else p.default
        for name, p in self.parameters.items():
            if p.needs_positive and out[name] and not out[p.needs_positive] > 0:
                raise ValueError(
                    f"{where}: {name}=True needs {p.needs_positive} > 0, "
                    f"got {p.needs_positive} = {out[p.needs_positive]}"
                )
        return out


#: name -> Activation, in the core's order.
ACTIVATIONS: Mapping[str, Activation] = MappingProxyType(
    {
        name: Activation(
            name,
            row["forward"],
            row["backward"],
            tuple(map(_parameter, row["parameters"])),
            row["alias"],
        )
        for name, row in _core.ACTIVATIONS.items()
    }
)

#: name -> the loss kernel pair's description.
LOSS_KERNELS: Mapping[str, str] = MappingProxyType(
    {name: row["doc"] for name, row in _core.LOSS_KERNELS.items()}
)

#: name -> Loss, the losses a network trains on.
LOSSES: Mapping[str, Loss] = MappingProxyType(
    {name: Loss(name, **dict(row)) for name, row in _core.LOSSES.items()}
)

#: name -> Optimizer.
OPTIMIZERS: Mapping[str, Optimizer] = MappingProxyType(
    {
        name: Optimizer(
            name,
            row["class_name"],
            MappingProxyType({p: _parameter(r) for p, r in row["parameters"].items()}),
            tuple(row["state"]),
            row["doc"],
            tuple(p for p, r in row["parameters"].items() if r["update_argument"]),
        )
        for name, row in _core.OPTIMIZERS.items()
    }
)

#: Gradient clipping, taken by every optimizer: clipnorm, clipvalue, global_clipnorm (0: off).
CLIPPING: Mapping[str, Parameter] = MappingProxyType(
    {name: _parameter(row) for name, row in _core.CLIPPING.items()}
)


def check_clipping(values: Mapping[str, Any], where: str) -> dict[str, float]:
    """The gradient clipping ``{clipnorm, clipvalue, global_clipnorm}`` from `values` (absent
    or None: 0, off), each checked by its row; at most one set, as Keras allows."""
    out = {}
    for name, row in CLIPPING.items():
        value = values.get(name)
        out[name] = row.default if value is None else row.check(value, where)
    given = [f"{k}={v!r}" for k, v in out.items() if v > 0]
    if len(given) > 1:
        raise ValueError(
            f"{where}: set at most one of clipnorm, clipvalue and global_clipnorm, got "
            + " and ".join(given)
        )
    return out


#: Dropout's arguments: rate, seed.
DROPOUT: Mapping[str, Parameter] = MappingProxyType(
    {name: _parameter(row) for name, row in _core.DROPOUT.items()}
)

#: BatchNormalization's arguments: momentum, epsilon, center, scale.
BATCH_NORM: Mapping[str, Parameter] = MappingProxyType(
    {name: _parameter(row) for name, row in _core.BATCH_NORM.items()}
)

#: The perceptron's parameters: learning_rate, max_epochs, shuffle, seed.
PERCEPTRON: Mapping[str, Parameter] = MappingProxyType(
    {name: _parameter(row) for name, row in _core.PERCEPTRON["parameters"].items()}
)

__all__ = [
    "ACTIVATIONS",
    "BATCH_NORM",
    "CLIPPING",
    "DROPOUT",
    "LOSSES",
    "LOSS_KERNELS",
    "OPTIMIZERS",
    "PERCEPTRON",
    "Activation",
    "Loss",
    "Optimizer",
    "Parameter",
]
