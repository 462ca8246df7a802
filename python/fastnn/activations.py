"""Activation functions by name, as the core's table lists them.

Each name has a ``<name>_forward`` / ``<name>_backward`` kernel pair in :mod:`fastnn.kernels`
and its NumPy twin in :mod:`fastnn.reference`; docs/kernels.md has the formulas.
"""

from __future__ import annotations

from fastnn import tables

#: name -> the default of the one parameter it takes (alpha), or None; read from the core's
#: table (:data:`fastnn.tables.ACTIVATIONS`, which also has each one's formulas).
ACTIVATIONS: dict[str, float | None] = {
    name: (row.alpha.default if row.alpha else None) for name, row in tables.ACTIVATIONS.items()
}

_ALIASES = {row.alias: name for name, row in tables.ACTIVATIONS.items() if row.alias}


def get(name: str | None) -> str:
    """The canonical activation name for `name` (None means linear); ValueError if unknown."""
    if name is None:
        return "linear"
    if not isinstance(name, str):
        raise TypeError(f"activation must be a string such as 'relu', got {type(name).__name__}")
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    return key
