"""The NumPy twin of every kernel in :mod:`fastnn.kernels`: same names, same signatures.

Written for reading, not speed: each function is the formula in ``docs/kernels.md`` in a few
lines of NumPy, one module per file of the C++ core (``cpp/fastnn/<name>.hpp`` ->
``fastnn/reference/<name>.py``). The tests prove these by finite differences in float64 and
then hold the C++ kernels to them. The conventions match the C++ ones exactly, down to the edge
cases: ``relu'(0) = 0``, ``leaky_relu'(0) = alpha``, ``step(NaN) = NaN``, losses are means
(NaN for an empty batch), and binary cross-entropy clips to ``[1e-7, 1 - 1e-7]``. Names,
defaults and ranges come from the core's tables (:mod:`fastnn.tables`), so a twin refuses what
its kernel refuses.
"""

from __future__ import annotations

from fastnn.reference.activations import (
    elu_backward,
    elu_forward,
    gelu_backward,
    gelu_forward,
    gelu_tanh_backward,
    gelu_tanh_forward,
    hard_sigmoid_backward,
    hard_sigmoid_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    linear_backward,
    linear_forward,
    mish_backward,
    mish_forward,
    relu_backward,
    relu_forward,
    selu_backward,
    selu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax_backward,
    softmax_forward,
    softplus_backward,
    softplus_forward,
    step_backward,
    step_forward,
    swish_backward,
    swish_forward,
    tanh_backward,
    tanh_forward,
)
from fastnn.reference.batch_norm import (
    batch_norm_backward,
    batch_norm_forward,
    batch_norm_inference,
)
from fastnn.reference.dense import (
    dense_backward,
    dense_forward,
)
from fastnn.reference.dropout import (
    dropout_backward,
    dropout_forward,
)
from fastnn.reference.losses import (
    BCE_CLIP_EPS,
    KL_CLIP_EPS,
    binary_crossentropy_backward,
    binary_crossentropy_forward,
    hinge_backward,
    hinge_forward,
    huber_backward,
    huber_forward,
    kl_divergence_backward,
    kl_divergence_forward,
    mae_backward,
    mae_forward,
    mse_backward,
    mse_forward,
    sigmoid_binary_crossentropy_backward,
    sigmoid_binary_crossentropy_forward,
    softmax_crossentropy_backward,
    softmax_crossentropy_forward,
)
from fastnn.reference.network import (
    Network,
)
from fastnn.reference.optimizers import (
    adadelta_update,
    adagrad_update,
    adam_update,
    adamw_update,
    clip_gradients,
    optimizer_update,
    rmsprop_update,
    sgd_update,
)
from fastnn.reference.perceptron import (
    perceptron_epoch,
    perceptron_fit,
)
from fastnn.reference.random import (
    SplitMix64,
    dropout_key,
    permutation,
)

__all__ = [
    "BCE_CLIP_EPS",
    "KL_CLIP_EPS",
    "Network",
    "SplitMix64",
    "adadelta_update",
    "adagrad_update",
    "adam_update",
    "adamw_update",
    "batch_norm_backward",
    "batch_norm_forward",
    "batch_norm_inference",
    "binary_crossentropy_backward",
    "binary_crossentropy_forward",
    "clip_gradients",
    "dense_backward",
    "dense_forward",
    "dropout_backward",
    "dropout_forward",
    "dropout_key",
    "elu_backward",
    "elu_forward",
    "gelu_backward",
    "gelu_forward",
    "gelu_tanh_backward",
    "gelu_tanh_forward",
    "hard_sigmoid_backward",
    "hard_sigmoid_forward",
    "hinge_backward",
    "hinge_forward",
    "huber_backward",
    "huber_forward",
    "kl_divergence_backward",
    "kl_divergence_forward",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "linear_backward",
    "linear_forward",
    "mae_backward",
    "mae_forward",
    "mish_backward",
    "mish_forward",
    "mse_backward",
    "mse_forward",
    "optimizer_update",
    "perceptron_epoch",
    "perceptron_fit",
    "permutation",
    "relu_backward",
    "relu_forward",
    "rmsprop_update",
    "selu_backward",
    "selu_forward",
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
    "swish_backward",
    "swish_forward",
    "tanh_backward",
    "tanh_forward",
]
