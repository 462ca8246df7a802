"""The C++ kernels under their public names.

Every name here has a NumPy twin of the same name and signature in :mod:`fastnn.reference`.
Arrays are 2-D ``(batch, features)``, weights ``(in, out)``, biases ``(out,)``; float32 or
float64, the output in the input's dtype. Mixed dtypes raise ``TypeError`` (no silent cast);
non-contiguous inputs are read through a contiguous copy. The GIL is released while a kernel
runs, so kernels called from several Python threads run at the same time.

Two families are the exception to "the output is a new array" and update arrays in place, which
must therefore be C-contiguous and writeable (``ValueError`` otherwise):

* the optimizers' ``<name>_update`` kernels (torch.optim's rules, ``docs/optimizers.md``) update
  ``param`` and their state arrays and return ``None``; ``param`` is 1-D or 2-D and every other
  array has its shape and dtype; ``clip_gradients`` clips a list of gradients in place;
* the perceptron kernels update the weights ``w`` and the bias ``b`` (of X's dtype).
"""

from fastnn import _core
from fastnn import tables as _tables

#: Activation names, each with a ``<name>_forward`` / ``<name>_backward`` pair (the core's table).
ACTIVATIONS = tuple(_tables.ACTIVATIONS)
#: Loss names, each with a ``<name>_forward`` / ``<name>_backward`` pair.
LOSSES = tuple(_tables.LOSS_KERNELS)
#: Optimizer names, each with a ``<name>_update`` that updates its arguments in place.
OPTIMIZERS = tuple(_tables.OPTIMIZERS)

# The kernels are the core's functions under their own names; the families come from the
# core's tables, so a new row's kernels appear here without an edit (``_core.pyi`` types them).
__all__ = sorted(
    [
        "ACTIVATIONS",
        "LOSSES",
        "OPTIMIZERS",
        "dense_forward",
        "dense_backward",
        *(f"{name}_{way}" for name in ACTIVATIONS for way in ("forward", "backward")),
        *(f"{name}_{way}" for name in LOSSES for way in ("forward", "backward")),
        *(f"{name}_update" for name in OPTIMIZERS),
        "clip_gradients",
        "dropout_forward",
        "dropout_backward",
        "dropout_key",
        "batch_norm_forward",
        "batch_norm_inference",
        "batch_norm_backward",
        "perceptron_epoch",
        "perceptron_fit",
        "permutation",
    ]
)
globals().update({name: getattr(_core, name) for name in __all__ if name not in globals()})


def __dir__() -> list[str]:
    return list(__all__)
