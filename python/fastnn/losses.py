"""Loss names a model compiles with, and how each reaches the kernels.

* ``mse``: mean squared error of the output.
* ``binary_crossentropy``: targets in [0, 1]; with a sigmoid output the model trains through
  the fused ``sigmoid_binary_crossentropy`` kernel on the logits (stable where the sigmoid
  saturates), otherwise through ``binary_crossentropy`` on the output.
* ``categorical_crossentropy``: one-hot targets; needs a softmax output, and trains through
  the fused ``softmax_crossentropy`` kernel on the logits.
* ``sparse_categorical_crossentropy``: the same with integer class labels.

``predict`` always returns the output activation's values (probabilities for sigmoid and
softmax outputs), whatever the loss computed internally.
"""

from __future__ import annotations

from fastnn import tables

#: The loss names, from the core's table (:data:`fastnn.tables.LOSSES` has each one's kernel
#: and the output activation it fuses with).
LOSSES = tuple(tables.LOSSES)

_ALIASES = {row.alias: name for name, row in tables.LOSSES.items() if row.alias}


def get(name: str) -> str:
    """The canonical loss name for `name`; ValueError if unknown."""
    if not isinstance(name, str):
        raise TypeError(f"loss must be a string such as 'mse', got {type(name).__name__}")
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}")
    return key
