"""Activation functions by name: the table the layers look names up in.

Each name has a ``<name>_forward`` / ``<name>_backward`` kernel pair in :mod:`fastnn.kernels`
and its NumPy twin in :mod:`fastnn.reference`; docs/kernels.md has the formulas.
"""

from __future__ import annotations

#: name -> the keyword parameter it takes (alpha) and its default, or None.
ACTIVATIONS: dict[str, float | None] = {
    "step": None,
    "linear": None,
    "sigmoid": None,
    "tanh": None,
    "relu": None,
    "leaky_relu": 0.01,
    "elu": 1.0,
    "softplus": None,
    "softmax": None,
}


def get(name: str | None) -> str:
    """The canonical activation name for `name` (None means linear); ValueError if unknown."""
    if name is None:
        return "linear"
    if not isinstance(name, str):
        raise TypeError(f"activation must be a string such as 'relu', got {type(name).__name__}")
    key = name.lower()
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    return key
