"""Kernel regularizers: a penalty on a layer's weights added to the training loss.

``l1(r)`` adds r * sum|W|, ``l2(r)`` adds r * sum W^2 (Keras' convention: no 1/2), and
``l1_l2(l1, l2)`` both. The C++ loop adds their gradients (r * sign(W), 2 r W) to dW.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Regularizer:
    """A penalty l1 * sum|W| + l2 * sum W^2 on a layer's kernel."""

    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self) -> None:
        for name in ("l1", "l2"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"regularizer {name} must be a number >= 0, got {value!r}")

    def get_config(self) -> dict:
        """The factors, for saving."""
        return {"l1": float(self.l1), "l2": float(self.l2)}


def l1(l1: float = 0.01) -> Regularizer:
    """Penalty l1 * sum|W|."""
    return Regularizer(l1=l1)


def l2(l2: float = 0.01) -> Regularizer:
    """Penalty l2 * sum W^2."""
    return Regularizer(l2=l2)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> Regularizer:
    """Penalty l1 * sum|W| + l2 * sum W^2."""
    return Regularizer(l1=l1, l2=l2)


def get(value: Regularizer | str | dict | None) -> Regularizer | None:
    """A Regularizer from None, a Regularizer, 'l1'/'l2'/'l1_l2' (factor 0.01) or a config."""
    if value is None or isinstance(value, Regularizer):
        return value
    if isinstance(value, dict):
        return Regularizer(**value)
    if isinstance(value, str) and value in ("l1", "l2", "l1_l2"):
        return {"l1": l1, "l2": l2, "l1_l2": l1_l2}[value]()
    raise ValueError(
        f"kernel_regularizer must be None, 'l1', 'l2', 'l1_l2' or a Regularizer, got {value!r}"
    )
