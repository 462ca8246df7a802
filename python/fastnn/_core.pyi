"""Type stub for fastnn._core, the compiled kernels (see fastnn.kernels for the docs).

Written by tools/gen_core_stub.py from the built module; tests/test_stubs.py checks it.
"""

from typing import Any

import numpy as np
import numpy.typing as npt

_Array = npt.NDArray[np.floating]

ACTIVATIONS: dict[str, Any]
BATCH_NORM: dict[str, Any]
CLIPPING: dict[str, Any]
DROPOUT: dict[str, Any]
LOSSES: dict[str, Any]
LOSS_KERNELS: dict[str, Any]
OPTIMIZERS: dict[str, Any]
PERCEPTRON: dict[str, Any]

def _level() -> str:
    """The instruction-set level in use, '' before one is loaded."""
def _load_level(path: str) -> str:
    """Load the core built for one instruction-set level (a path from fastnn._isa) and use it from
    now on. Returns the level's name.
    """
def adadelta_update(
    param: _Array,
    grad: _Array,
    square_avg: _Array,
    acc_delta: _Array,
    *,
    learning_rate: float,
    rho: float = 0.9,
    eps: float = 1e-06,
    weight_decay: float = 0.0,
    step: int,
) -> None:
    """One Adadelta step. Adadelta as torch.optim.Adadelta: square_avg = rho * square_avg + (1 -
    rho) * g**2; delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g; acc_delta = rho *
    acc_delta + (1 - rho) * delta**2; param -= learning_rate * delta. param and every state
    array are updated in place and must be C-contiguous and writable; all arrays share param's
    shape (1-D or 2-D) and dtype. step is the 1-based number of this update. Returns None.
    """
def adagrad_update(
    param: _Array,
    grad: _Array,
    state_sum: _Array,
    *,
    learning_rate: float,
    eps: float = 1e-10,
    weight_decay: float = 0.0,
    step: int,
) -> None:
    """One Adagrad step. Adagrad as torch.optim.Adagrad (lr_decay 0): state_sum += g**2; param -=
    learning_rate * g / (sqrt(state_sum) + eps). param and every state array are updated in
    place and must be C-contiguous and writable; all arrays share param's shape (1-D or 2-D) and
    dtype. step is the 1-based number of this update. Returns None.
    """
def adam_update(
    param: _Array,
    grad: _Array,
    exp_avg: _Array,
    exp_avg_sq: _Array,
    max_exp_avg_sq: _Array,
    *,
    learning_rate: float,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    eps: float = 1e-08,
    amsgrad: bool = False,
    weight_decay: float = 0.0,
    step: int,
) -> None:
    """One Adam step. Adam as torch.optim.Adam: g += weight_decay * param; exp_avg = beta_1 *
    exp_avg + (1 - beta_1) * g; exp_avg_sq = beta_2 * exp_avg_sq + (1 - beta_2) * g**2 (amsgrad:
    max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq), used below in its place); param -=
    learning_rate / (1 - beta_1**step) * exp_avg / (sqrt(exp_avg_sq) / sqrt(1 - beta_2**step) +
    eps). param and every state array are updated in place and must be C-contiguous and
    writable; all arrays share param's shape (1-D or 2-D) and dtype. step is the 1-based number
    of this update. Returns None.
    """
def adamw_update(
    param: _Array,
    grad: _Array,
    exp_avg: _Array,
    exp_avg_sq: _Array,
    max_exp_avg_sq: _Array,
    *,
    learning_rate: float,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    eps: float = 1e-08,
    amsgrad: bool = False,
    weight_decay: float = 0.01,
    step: int,
) -> None:
    """One AdamW step. AdamW as torch.optim.AdamW: param *= 1 - learning_rate * weight_decay
    (decoupled weight decay), then the Adam step without weight decay. param and every state
    array are updated in place and must be C-contiguous and writable; all arrays share param's
    shape (1-D or 2-D) and dtype. step is the 1-based number of this update. Returns None.
    """
def batch_norm_backward(
    dout: float,
    H: float,
    inv_std: float,
    gamma: float,
) -> tuple[_Array, _Array, _Array]:
    """The gradients through batch_norm_forward: (dA, dgamma, dbeta), dgamma = sum(dout * H) and
    dbeta = sum(dout) over the rows, dA = gamma * inv_std / n * (n * dout - sum(dout) - H *
    sum(dout * H)).
    """
def batch_norm_forward(
    A: _Array,
    gamma: float,
    beta: float,
    moving_mean: float,
    moving_variance: float,
    *,
    momentum: float = 0.99,
    epsilon: float = 0.001,
) -> tuple[_Array, _Array, _Array]:
    """Batch normalization in training: (out, H, inv_std). Each column of A (batch, features) is
    normalized by the batch's mean and biased variance (summed in double), H = (A - mean) *
    inv_std with inv_std = 1 / sqrt(var + epsilon) (float64), out = gamma * H + beta (gamma,
    beta: None or (features,)); moving_mean and moving_variance (features,) move in place:
    moving = moving * momentum + batch * (1 - momentum).
    """
def batch_norm_inference(
    A: _Array,
    gamma: float,
    beta: float,
    moving_mean: float,
    moving_variance: float,
    *,
    epsilon: float = 0.001,
) -> _Array:
    """Batch normalization in predict and evaluate: gamma * (A - moving_mean) /
    sqrt(moving_variance + epsilon) + beta.
    """
def binary_crossentropy_backward(Y: _Array, T: _Array) -> _Array:
    """Loss gradient dLoss/dY of binary_crossentropy_forward (binary cross-entropy of probabilities
    Y (clipped to [1e-7, 1 - 1e-7]), mean over every element).
    """
def binary_crossentropy_forward(Y: _Array, T: _Array) -> float:
    """Loss value: binary cross-entropy of probabilities Y (clipped to [1e-7, 1 - 1e-7]), mean over
    every element. Returns a float.
    """
def build_info() -> dict[str, Any]:
    """What this build of the core was made with."""
def clip_gradients(
    grads: list[Any],
    *,
    clipnorm: float | None = None,
    clipvalue: float | None = None,
    global_clipnorm: float | None = None,
) -> None:
    """Clip the gradients of one update in place, Keras' way (at most one of the three set; None or
    0 is off): clipnorm scales each gradient whose L2 norm exceeds it to that norm,
    global_clipnorm scales them all by one factor when their joint norm exceeds it, clipvalue
    clamps every value to [-clipvalue, clipvalue]. Norms are summed in double. grads: a list of
    C-contiguous writable arrays of one dtype. Returns None.
    """
def dense_backward(X: _Array, W: _Array, dZ: _Array) -> tuple[_Array, _Array, _Array]:
    """Dense layer backward: returns (dX, dW, db) = (dZ @ W.T, X.T @ dZ, dZ.sum(0))."""
def dense_forward(X: _Array, W: _Array, b: _Array | None = None) -> _Array:
    """Dense layer forward: Z = X @ W + b.

    X (batch, in), W (in, out), b (out,) or None; returns Z (batch, out).
    """
def dropout_backward(dout: float, mask: float, *, rate: float) -> _Array:
    """The gradient through dropout_forward: dout / (1 - rate) where mask is 1, else 0."""
def dropout_forward(
    A: _Array,
    *,
    rate: float,
    key: float,
    row0: float = 0,
) -> tuple[_Array, _Array, _Array]:
    """Inverted dropout of A (batch, features) in training: (out, mask). Element i (row-major, row
    r being row row0 + r of the batch) is kept, divided by 1 - rate, when the top 53 bits of
    draw i of SplitMix64(key) are >= rate * 2**53, else set to 0; mask is 1 where kept, 0 where
    dropped, in A's dtype.
    """
def dropout_key(seed: int, step: int, stream: float) -> int:
    """The key of one batch's dropout masks for one layer: SplitMix64 of the model's seed, the
    1-based number of the update and the layer's stream. Returns an int.
    """
def elu_backward(Z: _Array, A: _Array, dA: _Array, alpha: float = 1.0) -> _Array:
    """Activation backward of elu: dZ = dA where Z > 0, dA * alpha * exp(Z) elsewhere (A = g(Z)).
    """
def elu_forward(Z: _Array, alpha: float = 1.0) -> _Array:
    """Activation forward, ELU: Z where Z >= 0, alpha * (exp(Z) - 1) below. Returns A = g(Z)."""
def gelu_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of gelu: dZ = dA * (Phi(Z) + Z * phi(Z)), phi the standard normal
    density (A = g(Z)).
    """
def gelu_forward(Z: _Array) -> _Array:
    """Activation forward, GELU, exact: Z * Phi(Z) = Z / 2 * (1 + erf(Z / sqrt(2))). Returns A =
    g(Z).
    """
def gelu_tanh_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of gelu_tanh: dZ = dA * the derivative of that expression (A = g(Z))."""
def gelu_tanh_forward(Z: _Array) -> _Array:
    """Activation forward, GELU, tanh approximation: Z / 2 * (1 + tanh(sqrt(2 / pi) * (Z + 0.044715
    Z**3))). Returns A = g(Z).
    """
def get_num_threads() -> int:
    """The number of threads a kernel called from this thread would use now."""
def hard_sigmoid_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of hard_sigmoid: dZ = dA / 6 where -3 < Z < 3, else 0 (A = g(Z))."""
def hard_sigmoid_forward(Z: _Array) -> _Array:
    """Activation forward, hard sigmoid, as Keras 3: relu6(Z + 3) / 6 = clip(Z / 6 + 1/2, 0, 1).
    Returns A = g(Z).
    """
def hinge_backward(Y: _Array, T: _Array) -> _Array:
    """Loss gradient dLoss/dY of hinge_forward (hinge loss, mean(max(1 - T * Y, 0)) over every
    element, targets -1/1 (0 is read as -1, as Keras does)).
    """
def hinge_forward(Y: _Array, T: _Array) -> float:
    """Loss value: hinge loss, mean(max(1 - T * Y, 0)) over every element, targets -1/1 (0 is read
    as -1, as Keras does). Returns a float.
    """
def huber_backward(Y: _Array, T: _Array) -> _Array:
    """Loss gradient dLoss/dY of huber_forward (Huber loss with delta 1 (Keras' default): e**2 / 2
    where |e| <= 1, |e| - 1/2 beyond, e = Y - T, mean over every element).
    """
def huber_forward(Y: _Array, T: _Array) -> float:
    """Loss value: Huber loss with delta 1 (Keras' default): e**2 / 2 where |e| <= 1, |e| - 1/2
    beyond, e = Y - T, mean over every element. Returns a float.
    """
def kl_divergence_backward(Y: _Array, T: _Array) -> _Array:
    """Loss gradient dLoss/dY of kl_divergence_forward (Kullback-Leibler divergence sum(T * log(T /
    Y)) of each row, Y and T clipped to [1e-7, 1], mean over the batch).
    """
def kl_divergence_forward(Y: _Array, T: _Array) -> float:
    """Loss value: Kullback-Leibler divergence sum(T * log(T / Y)) of each row, Y and T clipped to
    [1e-7, 1], mean over the batch. Returns a float.
    """
def leaky_relu_backward(Z: _Array, A: _Array, dA: _Array, alpha: float = 0.01) -> _Array:
    """Activation backward of leaky_relu: dZ = dA where Z > 0, alpha * dA elsewhere (A = g(Z))."""
def leaky_relu_forward(Z: _Array, alpha: float = 0.01) -> _Array:
    """Activation forward, leaky ReLU: Z where Z >= 0, alpha * Z below. Returns A = g(Z)."""
def linear_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of linear: dZ = dA (A = g(Z))."""
def linear_forward(Z: _Array) -> _Array:
    """Activation forward, identity: A = Z. Returns A = g(Z)."""
def mae_backward(Y: _Array, T: _Array) -> _Array:
    """Loss gradient dLoss/dY of mae_forward (mean absolute error, mean(|Y - T|) over every
    element).
    """
def mae_forward(Y: _Array, T: _Array) -> float:
    """Loss value: mean absolute error, mean(|Y - T|) over every element. Returns a float."""
def mish_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of mish: dZ = dA * (tanh(softplus(Z)) + Z * (1 - tanh(softplus(Z))**2) *
    sigmoid(Z)) (A = g(Z)).
    """
def mish_forward(Z: _Array) -> _Array:
    """Activation forward, mish: Z * tanh(softplus(Z)). Returns A = g(Z)."""
def mse_backward(Y: _Array, T: _Array) -> _Array:
    """Loss gradient dLoss/dY of mse_forward (mean squared error, mean((Y - T)**2) over every
    element).
    """
def mse_forward(Y: _Array, T: _Array) -> float:
    """Loss value: mean squared error, mean((Y - T)**2) over every element. Returns a float."""
def num_threads_setting() -> int:
    """The count set_num_threads was given last; 0 while following OpenMP."""
def perceptron_epoch(
    X: _Array,
    y: _Array,
    w: _Array,
    b: _Array | None,
    order: npt.NDArray[np.integer] | None = None,
    *,
    learning_rate: float = 1.0,
) -> int:
    """One pass of Rosenblatt's perceptron rule over the samples in `order` (None: 0..n-1),
    updating w and b in place: on a mistake w += lr (y - y_hat) x, b += lr (y - y_hat). Returns
    the number of mistakes.
    """
def perceptron_fit(
    X: _Array,
    y: _Array,
    w: _Array,
    b: _Array | None,
    *,
    learning_rate: float = 1.0,
    max_epochs: int = 100,
    shuffle: bool = True,
    seed: int = 0,
) -> _Array:
    """Rosenblatt's perceptron rule, epoch after epoch, updating w and b in place.

    X (n, d), y (n,) of labels 0/1, w (d,) and b (1,) C-contiguous and writeable, all of one
    dtype. Each epoch visits the samples in permutation(n, seed, epoch) when shuffle, else in
    order; stops after the first epoch without a mistake or after max_epochs. Returns the
    mistakes of each epoch run (int64).
    """
def permutation(n: int, seed: int, epoch: int) -> npt.NDArray[np.int64]:
    """The batch order of one epoch: a permutation of range(n) drawn from (seed, epoch) by
    SplitMix64 and Fisher-Yates, the same the training loops use.
    """
def relu_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of relu: dZ = dA where Z > 0, else 0 (relu'(0) = 0) (A = g(Z))."""
def relu_forward(Z: _Array) -> _Array:
    """Activation forward, max(Z, 0). Returns A = g(Z)."""
def rmsprop_update(
    param: _Array,
    grad: _Array,
    square_avg: _Array,
    momentum_buffer: _Array,
    grad_avg: _Array,
    *,
    learning_rate: float,
    rho: float = 0.99,
    eps: float = 1e-08,
    momentum: float = 0.0,
    centered: bool = False,
    weight_decay: float = 0.0,
    step: int,
) -> None:
    """One RMSprop step. RMSprop as torch.optim.RMSprop (rho is its alpha): square_avg = rho *
    square_avg + (1 - rho) * g**2; avg = sqrt(square_avg) + eps (centered: sqrt(square_avg -
    grad_avg**2) + eps, grad_avg the same average of g); with momentum, buf = momentum * buf + g
    / avg and param -= learning_rate * buf, else param -= learning_rate * g / avg. param and
    every state array are updated in place and must be C-contiguous and writable; all arrays
    share param's shape (1-D or 2-D) and dtype. step is the 1-based number of this update.
    Returns None.
    """
def selu_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of selu: dZ = dA * scale where Z > 0, dA * scale * alpha * exp(Z)
    elsewhere (A = g(Z)).
    """
def selu_forward(Z: _Array) -> _Array:
    """Activation forward, SELU: scale * Z where Z > 0, scale * alpha * (exp(Z) - 1) elsewhere
    (alpha 1.6732632423543772, scale 1.0507009873554805). Returns A = g(Z).
    """
def set_num_threads(n: int) -> None:
    """Set the number of threads the kernels may use (n >= 1), or 0 to follow OpenMP's setting
    (OMP_NUM_THREADS, threadpoolctl).
    """
def sgd_update(
    param: _Array,
    grad: _Array,
    momentum_buffer: _Array,
    *,
    learning_rate: float,
    momentum: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    step: int,
) -> None:
    """One SGD step. SGD as torch.optim.SGD (no dampening): g += weight_decay * param; with
    momentum, buf = g on step 1, else momentum * buf + g, and g = buf (nesterov: g + momentum *
    buf); param -= learning_rate * g. param and every state array are updated in place and must
    be C-contiguous and writable; all arrays share param's shape (1-D or 2-D) and dtype. step is
    the 1-based number of this update. Returns None.
    """
def sigmoid_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of sigmoid: dZ = dA * A * (1 - A) (A = g(Z))."""
def sigmoid_binary_crossentropy_backward(Y: _Array, T: _Array) -> _Array:
    """Loss gradient dLoss/dY of sigmoid_binary_crossentropy_forward (binary cross-entropy of
    sigmoid(Y) for logits Y, in the stable fused form).
    """
def sigmoid_binary_crossentropy_forward(Y: _Array, T: _Array) -> float:
    """Loss value: binary cross-entropy of sigmoid(Y) for logits Y, in the stable fused form.
    Returns a float.
    """
def sigmoid_forward(Z: _Array) -> _Array:
    """Activation forward, logistic sigmoid 1 / (1 + exp(-Z)), overflow-free. Returns A = g(Z)."""
def softmax_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of softmax: dZ = A * (dA - sum(dA * A, row)) (A = g(Z))."""
def softmax_crossentropy_backward(Y: _Array, T: _Array) -> _Array:
    """Loss gradient dLoss/dY of softmax_crossentropy_forward (cross-entropy of softmax(Y) for
    logits Y against one-hot (or distribution) rows T, mean over the batch).
    """
def softmax_crossentropy_forward(Y: _Array, T: _Array) -> float:
    """Loss value: cross-entropy of softmax(Y) for logits Y against one-hot (or distribution) rows
    T, mean over the batch. Returns a float.
    """
def softmax_forward(Z: _Array) -> _Array:
    """Activation forward, row-wise softmax: each row of A sums to 1. Returns A = g(Z)."""
def softplus_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of softplus: dZ = dA * sigmoid(Z) (A = g(Z))."""
def softplus_forward(Z: _Array) -> _Array:
    """Activation forward, log(1 + exp(Z)), overflow-free. Returns A = g(Z)."""
def step_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of step: dZ = 0: the step's derivative is 0 wherever it exists (A =
    g(Z)).
    """
def step_forward(Z: _Array) -> _Array:
    """Activation forward, Heaviside step: 1 where Z > 0, else 0. Returns A = g(Z)."""
def swish_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of swish: dZ = dA * sigmoid(Z) * (1 + Z * (1 - sigmoid(Z))) (A = g(Z)).
    """
def swish_forward(Z: _Array) -> _Array:
    """Activation forward, swish (SiLU): Z * sigmoid(Z). Returns A = g(Z)."""
def tanh_backward(Z: _Array, A: _Array, dA: _Array) -> _Array:
    """Activation backward of tanh: dZ = dA * (1 - A**2) (A = g(Z))."""
def tanh_forward(Z: _Array) -> _Array:
    """Activation forward, hyperbolic tangent. Returns A = g(Z)."""

class Network:
    """A stack of dense layers with its fused C++ training loop. It trains the given NumPy weights
    and optimizer state in place.
    """
    def __init__(
        self,
        layers: list[Any],
        loss: str,
        optimizer: dict[str, Any],
        weights: list[Any],
        biases: list[Any],
        weight_states: list[Any],
        bias_states: list[Any],
        max_batch: int,
        *,
        trainable: bool = True,
        batch_norm: list[dict[str, Any] | None] | None = None,
        top_k: int = 0,
        auc: bool = False,
    ) -> None:
        """trainable=False makes a network for predict and evaluate only: its arrays may then be
        read-only (train_epoch refuses). A layer dict may have 'batch_norm' (None or a dict of
        BATCH_NORM's parameters), 'dropout' (the rate, DROPOUT's) and 'dropout_stream';
        batch_norm then lists, per layer, None or a dict of its arrays (gamma, beta,
        gamma_state, beta_state, moving_mean, moving_variance), trained in place. The optimizer
        dict may have CLIPPING's parameters. top_k > 0 counts the rows whose target class is
        among the top_k outputs (top_k_correct); auc adds AUC's histograms of a one-output
        network to the sums (auc_positives, auc_negatives: 200 buckets).
        """
    def checkpoint(self) -> bool:
        """If every trained value (weights, biases, gamma, beta, their optimizer states, the moving
        statistics) is finite, copy them all aside and return True; else copy nothing and return
        False.
        """
    def data_parallel_threads(self, batch_size: int) -> int:
        """How many threads train batches of batch_size rows data-parallel now (1: one thread runs
        the batch loop; its largest products may still split).
        """
    def evaluate(
        self,
        X: _Array,
        Y: _Array,
        sample_weight: _Array | None = None,
    ) -> dict[str, Any]:
        """Loss (with the regularization penalty) and metric sums over X, no update; sample_weight
        weighs the loss as in train_epoch.
        """
    @property
    def level(self) -> str:
        """The instruction-set level whose code this network runs: the one loaded when it was made,
        even after fastnn._isa.load() switches.
        """
    def predict(self, X: _Array) -> _Array:
        """The network's output for X."""
    def restore_checkpoint(self) -> None:
        """Copy the last checkpoint's values back into the trained arrays (nothing before the first
        checkpoint).
        """
    @property
    def step(self) -> int:
        """The optimizer's update count."""
    @step.setter
    def step(self, value: int) -> None: ...
    def train_epoch(
        self,
        X: _Array,
        Y: _Array,
        *,
        batch_size: int,
        shuffle: bool,
        seed: int,
        epoch: int,
        learning_rate: float,
        first_batch: int = 0,
        last_batch: int = -1,
        metrics: bool = True,
        sample_weight: _Array | None = None,
    ) -> dict[str, Any]:
        """Train batches [first_batch, last_batch) of one epoch; returns the sums of loss and
        metrics over the samples seen. sample_weight (n,) scales each sample's loss and gradient
        (Keras' weighted mean: divided by the rows, not by the weights' sum).
        """
