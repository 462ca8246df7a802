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
  array has its shape and dtype;
* the perceptron kernels update the weights ``w`` and the bias ``b`` (of X's dtype).
"""

from fastnn import tables as _tables
from fastnn._core import (
    adadelta_update,
    adagrad_update,
    adam_update,
    adamw_update,
    binary_crossentropy_backward,
    binary_crossentropy_forward,
    dense_backward,
    dense_forward,
    elu_backward,
    elu_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    linear_backward,
    linear_forward,
    mse_backward,
    mse_forward,
    perceptron_epoch,
    perceptron_fit,
    permutation,
    relu_backward,
    relu_forward,
    rmsprop_update,
    sgd_update,
    sigmoid_backward,
    sigmoid_binary_crossentropy_backward,
    sigmoid_binary_crossentropy_forward,
    sigmoid_forward,
    softmax_backward,
    softmax_crossentropy_backward,
    softmax_crossentropy_forward,
    softmax_forward,
    softplus_backward,
    softplus_forward,
    step_backward,
    step_forward,
    tanh_backward,
    tanh_forward,
)

#: Activation names, each with a ``<name>_forward`` / ``<name>_backward`` pair (the core's table).
ACTIVATIONS = tuple(_tables.ACTIVATIONS)
#: Loss names, each with a ``<name>_forward`` / ``<name>_backward`` pair.
LOSSES = tuple(_tables.LOSS_KERNELS)
#: Optimizer names, each with a ``<name>_update`` that updates its arguments in place.
OPTIMIZERS = tuple(_tables.OPTIMIZERS)

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "OPTIMIZERS",
    "adadelta_update",
    "adagrad_update",
    "adam_update",
    "adamw_update",
    "binary_crossentropy_backward",
    "binary_crossentropy_forward",
    "dense_backward",
    "dense_forward",
    "elu_backward",
    "elu_forward",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "linear_backward",
    "linear_forward",
    "mse_backward",
    "mse_forward",
    "perceptron_epoch",
    "perceptron_fit",
    "permutation",
    "relu_backward",
    "relu_forward",
    "rmsprop_update",
    "sgd_update",
    "sigmoid_backward",
    "sigmoid_binary_crossentropy_backward",
    "sigmoid_binary_crossentropy_forward",
    "sigmoid_forward",
    "softmax_backward",
    "softmax_crossentropy_backward",
    "softmax_crossentropy_forward",
    "softmax_forward",
    "softplus_backward",
    "softplus_forward",
    "step_backward",
    "step_forward",
    "tanh_backward",
    "tanh_forward",
]
