"""The NumPy twin of every kernel in :mod:`fastnn.kernels`: same names, same signatures.

Written for reading, not speed: each function is the formula in ``docs/kernels.md`` in a few
lines of NumPy. The tests prove these by finite differences in float64 and then hold the C++
kernels to them. The conventions match the C++ ones exactly, down to the edge cases:
``relu'(0) = 0``, ``leaky_relu'(0) = alpha``, ``step(NaN) = NaN``, losses are means
(NaN for an empty batch), and binary cross-entropy clips to ``[1e-7, 1 - 1e-7]``.
"""

from __future__ import annotations

import math

import numpy as np

#: binary_crossentropy clips its probabilities to [BCE_CLIP_EPS, 1 - BCE_CLIP_EPS].
BCE_CLIP_EPS = 1e-7


# ---- dense ---------------------------------------------------------------------------------


def dense_forward(X: np.ndarray, W: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Z = X W + b, with X (batch, in), W (in, out), b (out,) or None."""
    Z = X @ W
    return Z if b is None else Z + b


def dense_backward(
    X: np.ndarray, W: np.ndarray, dZ: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dX, dW, db) = (dZ W^T, X^T dZ, column sums of dZ)."""
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


# ---- activations ---------------------------------------------------------------------------


def _sigmoid(Z: np.ndarray) -> np.ndarray:
    # exp of a non-positive number only: no overflow for any finite Z.
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + E), E / (1 + E)).astype(Z.dtype, copy=False)


def step_forward(Z: np.ndarray) -> np.ndarray:
    """Heaviside step: 1 where Z > 0, 0 where Z <= 0, NaN where Z is NaN."""
    return np.where(Z > 0, 1, np.where(Z <= 0, 0, Z)).astype(Z.dtype, copy=False)


def step_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """The step's derivative is 0 (NaN/inf in dA still show through 0 * dA)."""
    return dA * 0


def linear_forward(Z: np.ndarray) -> np.ndarray:
    """Identity: A = Z."""
    return Z.copy()


def linear_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA."""
    return dA.copy()


def sigmoid_forward(Z: np.ndarray) -> np.ndarray:
    """A = 1 / (1 + exp(-Z))."""
    return _sigmoid(Z)


def sigmoid_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA A (1 - A)."""
    return dA * A * (1 - A)


def tanh_forward(Z: np.ndarray) -> np.ndarray:
    """A = tanh(Z)."""
    return np.tanh(Z)


def tanh_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA (1 - A^2)."""
    return dA * (1 - A * A)


def relu_forward(Z: np.ndarray) -> np.ndarray:
    """A = max(Z, 0) (NaN stays NaN)."""
    return np.where(Z < 0, 0, Z).astype(Z.dtype, copy=False)


def relu_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA where Z > 0, else 0."""
    return np.where(Z > 0, dA, 0).astype(Z.dtype, copy=False)


def leaky_relu_forward(Z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """A = Z where Z >= 0, alpha Z below."""
    return np.where(Z < 0, Z.dtype.type(alpha) * Z, Z)


def leaky_relu_backward(
    Z: np.ndarray, A: np.ndarray, dA: np.ndarray, alpha: float = 0.01
) -> np.ndarray:
    """dZ = dA where Z > 0, alpha dA elsewhere."""
    return np.where(Z > 0, dA, Z.dtype.type(alpha) * dA)


def elu_forward(Z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """A = Z where Z >= 0, alpha (exp(Z) - 1) below."""
    return np.where(Z < 0, Z.dtype.type(alpha) * np.expm1(np.minimum(Z, 0)), Z)


def elu_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """dZ = dA where Z > 0, dA alpha exp(Z) elsewhere."""
    return np.where(Z > 0, dA, dA * Z.dtype.type(alpha) * np.exp(np.minimum(Z, 0)))


def softplus_forward(Z: np.ndarray) -> np.ndarray:
    """A = log(1 + exp(Z)) = max(Z, 0) + log1p(exp(-|Z|))."""
    return np.where(Z > 0, Z, 0).astype(Z.dtype, copy=False) + np.log1p(np.exp(-np.abs(Z)))


def softplus_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = dA sigmoid(Z)."""
    return dA * _sigmoid(Z)


def softmax_forward(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by each row's max so that exp never overflows."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True)) if Z.size else Z.copy()
    return E / E.sum(axis=1, keepdims=True)


def softmax_backward(Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dZ = A (dA - <dA, A>) per row: the Jacobian diag(A) - A A^T applied to dA."""
    return A * (dA - (dA * A).sum(axis=1, keepdims=True))


# ---- losses --------------------------------------------------------------------------------


def _mean(values: np.ndarray, count: int) -> float:
    # The mean of nothing is NaN, without NumPy's warning; sums in float64 like the C++.
    return float(values.sum(dtype=np.float64) / count) if count else float("nan")


def mse_forward(Y: np.ndarray, T: np.ndarray) -> float:
    """mean((Y - T)^2) over every element."""
    D = Y.astype(np.float64) - T
    return _mean(D * D, Y.size)


def mse_backward(Y: np.ndarray, T: np.ndarray) -> np.ndarray:
    """2 (Y - T) / Y.size."""
    return (Y.dtype.type(2) / Y.dtype.type(max(Y.size, 1))) * (Y - T)


def binary_crossentropy_forward(Y: np.ndarray, T: np.ndarray) -> float:
    """-mean(T log Y + (1 - T) log(1 - Y)), Y clipped to [1e-7, 1 - 1e-7]."""
    # Clipped in Y's own precision, as Keras does: in float32, 1 - 1e-7 rounds to 1 - 2**-23.
    lo, hi = Y.dtype.type(BCE_CLIP_EPS), Y.dtype.type(1) - Y.dtype.type(BCE_CLIP_EPS)
    Yc = np.clip(Y, lo, hi).astype(np.float64)
    return _mean(-(T * np.log(Yc) + (1 - T) * np.log1p(-Yc)), Y.size)


def binary_crossentropy_backward(Y: np.ndarray, T: np.ndarray) -> np.ndarray:
    """(Y - T) / (Y (1 - Y)) / Y.size inside the clip range, 0 where Y was clipped."""
    dtype = Y.dtype.type
    lo, hi = dtype(BCE_CLIP_EPS), dtype(1) - dtype(BCE_CLIP_EPS)
    inside = (Y >= lo) & (Y <= hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = (dtype(1) / dtype(max(Y.size, 1))) * (Y - T) / (Y * (1 - Y))
    return np.where(inside, grad, np.where(np.isnan(Y), Y, 0)).astype(Y.dtype, copy=False)


def sigmoid_binary_crossentropy_forward(Y: np.ndarray, T: np.ndarray) -> float:
    """Binary cross-entropy of sigmoid(Y) for logits Y: mean(max(Y,0) - Y T + log1p(e^-|Y|))."""
    Y64 = Y.astype(np.float64)
    return _mean(np.maximum(Y64, 0) - Y64 * T + np.log1p(np.exp(-np.abs(Y64))), Y.size)


def sigmoid_binary_crossentropy_backward(Y: np.ndarray, T: np.ndarray) -> np.ndarray:
    """(sigmoid(Y) - T) / Y.size."""
    return (Y.dtype.type(1) / Y.dtype.type(max(Y.size, 1))) * (_sigmoid(Y) - T)


def softmax_crossentropy_forward(Y: np.ndarray, T: np.ndarray) -> float:
    """Cross-entropy of softmax(Y) against rows T, mean over the batch (rows)."""
    if Y.shape[0] == 0:
        return float("nan")
    Y64 = Y.astype(np.float64)
    ymax = Y64.max(axis=1, keepdims=True)
    lse = ymax + np.log(np.exp(Y64 - ymax).sum(axis=1, keepdims=True))
    # Classes with T = 0 cost nothing, even where their logit is -inf.
    terms = np.where(T != 0, T * (lse - Y64), 0.0)
    return _mean(terms, Y.shape[0])


def softmax_crossentropy_backward(Y: np.ndarray, T: np.ndarray) -> np.ndarray:
    """(softmax(Y) * sum(T_row) - T) / batch."""
    scale = Y.dtype.type(1) / Y.dtype.type(max(Y.shape[0], 1))
    return scale * (softmax_forward(Y) * T.sum(axis=1, keepdims=True) - T)


# ---- optimizers ----------------------------------------------------------------------------
#
# torch.optim's update rules (docs/optimizers.md), one step each, in place on param and the
# state arrays; step is the 1-based number of the update. Every hyper-parameter, and every
# quantity formed from them in Python floats (1 - beta, lr / bias_correction1, ...), is turned
# into the arrays' dtype once, as PyTorch does, so float32 arrays are updated in float32. The
# operations are PyTorch's, in its order: each product and sum rounded on its own.


def sgd_update(
    param: np.ndarray,
    grad: np.ndarray,
    momentum_buffer: np.ndarray,
    *,
    learning_rate: float,
    momentum: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    step: int,
) -> None:
    """SGD: g = grad + wd p; buf = g (step 1) or momentum buf + g; p -= lr (nesterov ? g +
    momentum buf : buf). Without momentum p -= lr g, and the buffer is left alone."""
    t = param.dtype.type
    g = grad
    if weight_decay != 0:
        g = g + t(weight_decay) * param
    if momentum != 0:
        if step == 1:
            momentum_buffer[...] = g
        else:
            momentum_buffer[...] = momentum_buffer * t(momentum) + g
        g = g + t(momentum) * momentum_buffer if nesterov else momentum_buffer
    param -= t(learning_rate) * g


def adagrad_update(
    param: np.ndarray,
    grad: np.ndarray,
    state_sum: np.ndarray,
    *,
    learning_rate: float,
    eps: float = 1e-10,
    weight_decay: float = 0.0,
    step: int,
) -> None:
    """Adagrad: sum += g^2; p -= lr g / (sqrt(sum) + eps). No lr_decay, so step is unused."""
    t = param.dtype.type
    g = grad
    if weight_decay != 0:
        g = g + t(weight_decay) * param
    state_sum += g * g
    param -= t(learning_rate) * g / (np.sqrt(state_sum) + t(eps))


def adadelta_update(
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    acc_delta: np.ndarray,
    *,
    learning_rate: float,
    rho: float = 0.9,
    eps: float = 1e-6,
    weight_decay: float = 0.0,
    step: int,
) -> None:
    """Adadelta: E[g^2] = rho E[g^2] + (1 - rho) g^2; delta = sqrt(E[dx^2] + eps) /
    sqrt(E[g^2] + eps) g; E[dx^2] = rho E[dx^2] + (1 - rho) delta^2; p -= lr delta."""
    t = param.dtype.type
    g = grad
    if weight_decay != 0:
        g = g + t(weight_decay) * param
    square_avg[...] = square_avg * t(rho) + t(1 - rho) * g * g
    delta = np.sqrt(acc_delta + t(eps)) / np.sqrt(square_avg + t(eps)) * g
    acc_delta[...] = acc_delta * t(rho) + t(1 - rho) * delta * delta
    param -= t(learning_rate) * delta


def rmsprop_update(
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    momentum_buffer: np.ndarray,
    grad_avg: np.ndarray,
    *,
    learning_rate: float,
    rho: float = 0.99,
    eps: float = 1e-8,
    momentum: float = 0.0,
    centered: bool = False,
    weight_decay: float = 0.0,
    step: int,
) -> None:
    """RMSprop (rho is PyTorch's alpha): v = rho v + (1 - rho) g^2; avg = sqrt(v) + eps, or
    sqrt(v - gbar^2) + eps centered (gbar = rho gbar + (1 - rho) g); with momentum
    buf = momentum buf + g / avg and p -= lr buf, else p -= lr g / avg."""
    t = param.dtype.type
    g = grad
    if weight_decay != 0:
        g = g + t(weight_decay) * param
    square_avg[...] = square_avg * t(rho) + t(1 - rho) * g * g
    if centered:
        grad_avg[...] = grad_avg * t(rho) + t(1 - rho) * g
        avg = np.sqrt(square_avg - grad_avg * grad_avg) + t(eps)
    else:
        avg = np.sqrt(square_avg) + t(eps)
    if momentum > 0:
        momentum_buffer[...] = momentum_buffer * t(momentum) + g / avg
        param -= t(learning_rate) * momentum_buffer
    else:
        param -= t(learning_rate) * g / avg


def _adam_moments_and_step(
    param: np.ndarray,
    g: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray,
    learning_rate: float,
    beta_1: float,
    beta_2: float,
    eps: float,
    amsgrad: bool,
    step: int,
) -> None:
    # Adam's update once the weight decay is dealt with; shared by Adam and AdamW.
    t = param.dtype.type
    exp_avg[...] = exp_avg * t(beta_1) + t(1 - beta_1) * g
    exp_avg_sq[...] = exp_avg_sq * t(beta_2) + t(1 - beta_2) * g * g
    bias_correction1 = 1 - beta_1**step
    bias_correction2 = 1 - beta_2**step
    step_size = t(learning_rate / bias_correction1)
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        v = max_exp_avg_sq
    else:
        v = exp_avg_sq
    denom = np.sqrt(v) / t(math.sqrt(bias_correction2)) + t(eps)
    param -= step_size * exp_avg / denom


def adam_update(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray,
    *,
    learning_rate: float,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    eps: float = 1e-8,
    amsgrad: bool = False,
    weight_decay: float = 0.0,
    step: int,
) -> None:
    """Adam: g = grad + wd p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2 (amsgrad: use
    vmax = max(vmax, v)); p -= lr / (1 - b1^step) m / (sqrt(v) / sqrt(1 - b2^step) + eps)."""
    t = param.dtype.type
    g = grad
    if weight_decay != 0:
        g = g + t(weight_decay) * param
    _adam_moments_and_step(
        param,
        g,
        exp_avg,
        exp_avg_sq,
        max_exp_avg_sq,
        learning_rate,
        beta_1,
        beta_2,
        eps,
        amsgrad,
        step,
    )


def adamw_update(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray,
    *,
    learning_rate: float,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    eps: float = 1e-8,
    amsgrad: bool = False,
    weight_decay: float = 0.01,
    step: int,
) -> None:
    """AdamW: p *= 1 - lr wd (decoupled weight decay), then Adam's step on grad itself."""
    param *= param.dtype.type(1 - learning_rate * weight_decay)
    _adam_moments_and_step(
        param,
        grad,
        exp_avg,
        exp_avg_sq,
        max_exp_avg_sq,
        learning_rate,
        beta_1,
        beta_2,
        eps,
        amsgrad,
        step,
    )


# ---- random order --------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1


class SplitMix64:
    """SplitMix64, exactly as ``cpp/fastnn/random.hpp``: a 64-bit state, one output per step."""

    def __init__(self, state: int) -> None:
        self.state = state & _MASK64

    def next(self) -> int:
        """The next 64-bit output."""
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)


def permutation(n: int, seed: int, epoch: int) -> np.ndarray:
    """The batch order of one epoch: Fisher-Yates over range(n) from SplitMix64(seed, epoch)."""
    mix = SplitMix64(seed)
    rng = SplitMix64(mix.next() ^ ((epoch * 0xD1B54A32D192ED03) & _MASK64))
    idx = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.next() % (i + 1)
        idx[i], idx[j] = idx[j], idx[i]
    return np.array(idx, dtype=np.int64)


# ---- perceptron ----------------------------------------------------------------------------


def perceptron_epoch(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    order: np.ndarray | None = None,
    *,
    learning_rate: float = 1.0,
) -> int:
    """One pass of Rosenblatt's rule over the samples in ``order`` (None: 0..n-1), in place.

    ``y_hat = step(w.x + b)``, 1 where ``w.x + b > 0``, else 0; on a mistake
    ``w += lr (y - y_hat) x`` and ``b += lr (y - y_hat)``. Returns the number of mistakes.
    """
    dtype = X.dtype.type
    lr = dtype(learning_rate)
    mistakes = 0
    for i in range(X.shape[0]) if order is None else order:
        x = X[i]
        # Left to right in X's dtype, as the C++ loop: np.dot adds in another order, and one
        # rounding apart at w.x + b = 0 would flip a decision and send the runs apart.
        z = dtype(0)
        for j in range(X.shape[1]):
            z += w[j] * x[j]
        z += b[0]
        y_hat = dtype(1) if z > 0 else dtype(0)
        if y_hat != y[i]:
            mistakes += 1
            delta = lr * (y[i] - y_hat)
            w += delta * x
            b += delta
    return mistakes


def perceptron_fit(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    *,
    learning_rate: float = 1.0,
    max_epochs: int = 100,
    shuffle: bool = True,
    seed: int = 0,
) -> np.ndarray:
    """Epochs of :func:`perceptron_epoch` until one makes no mistake or ``max_epochs`` ran.

    ``w`` and ``b`` are updated in place, from wherever the caller started them. Epoch ``e``
    visits the samples in ``permutation(n, seed, e)`` when ``shuffle``, else in order.
    Returns the mistakes of each epoch run (int64).
    """
    errors = []
    for epoch in range(max_epochs):
        order = permutation(X.shape[0], seed, epoch) if shuffle else None
        errors.append(perceptron_epoch(X, y, w, b, order, learning_rate=learning_rate))
        if errors[-1] == 0:
            break
    return np.array(errors, dtype=np.int64)


# ---- the training loop ---------------------------------------------------------------------

_ALPHA_ACTIVATIONS = ("leaky_relu", "elu")
_CATEGORICAL = ("categorical_crossentropy", "sparse_categorical_crossentropy")

#: How many state arrays (each the parameter's size) each optimizer keeps.
OPTIMIZER_STATE_SLOTS = {"sgd": 1, "adagrad": 1, "adadelta": 2, "rmsprop": 3, "adam": 3, "adamw": 3}

_OPTIMIZER_HYPERPARAMETERS = {
    "sgd": ("momentum", "nesterov", "weight_decay"),
    "adagrad": ("eps", "weight_decay"),
    "adadelta": ("rho", "eps", "weight_decay"),
    "rmsprop": ("rho", "eps", "momentum", "centered", "weight_decay"),
    "adam": ("beta_1", "beta_2", "eps", "amsgrad", "weight_decay"),
    "adamw": ("beta_1", "beta_2", "eps", "amsgrad", "weight_decay"),
}


def optimizer_update(
    config: dict, param: np.ndarray, grad: np.ndarray, state: np.ndarray, step: int
) -> None:
    """One update of `param` in place by the optimizer `config` (a dict with "kind" and its
    hyper-parameters); `state[k]` is the optimizer's k-th state array for this parameter."""
    kind = config["kind"]
    update = globals()[f"{kind}_update"]
    hyper = {k: config[k] for k in _OPTIMIZER_HYPERPARAMETERS[kind] if k in config}
    slots = [state[k] for k in range(OPTIMIZER_STATE_SLOTS[kind])]
    update(param, grad, *slots, learning_rate=config["learning_rate"], step=step, **hyper)


def _empty_sums() -> dict:
    return {
        "loss": 0.0,
        "regularization": 0.0,
        "samples": 0.0,
        "correct": 0.0,
        "judged": 0.0,
        "abs_error": 0.0,
        "squared_error": 0.0,
        "elements": 0.0,
        "finite": True,
        "batches": 0,
    }


class Network:
    """The NumPy twin of ``fastnn._core.Network``: the same layers, the same batch order, the
    same update rules, step for step, for testing the fused C++ loop against.

    It trains the given arrays in place: ``weights[l]`` (in, out), ``biases[l]`` (out,) or
    None, and the optimizer states (``slots`` arrays of the parameter's size each).
    """

    def __init__(
        self,
        layers: list[dict],
        loss: str,
        optimizer: dict,
        weights: list[np.ndarray],
        biases: list[np.ndarray | None],
        weight_states: list[np.ndarray],
        bias_states: list[np.ndarray | None],
        max_batch: int,
    ) -> None:
        self.layers = [dict(layer) for layer in layers]
        self.loss = loss
        self.optimizer = dict(optimizer)
        self.weights, self.biases = list(weights), list(biases)
        self.weight_states, self.bias_states = list(weight_states), list(bias_states)
        self.max_batch = max_batch
        self.step = 0
        last = self.layers[-1]["activation"]
        self.fused = (loss == "binary_crossentropy" and last == "sigmoid") or loss in _CATEGORICAL

    def _activation(self, spec: dict, suffix: str, *arrays):
        kwargs = {"alpha": spec["alpha"]} if spec["activation"] in _ALPHA_ACTIVATIONS else {}
        return globals()[f"{spec['activation']}_{suffix}"](*arrays, **kwargs)

    def _forward(self, Xb):
        Zs, As, inputs = [], [], Xb
        for W, b, spec in zip(self.weights, self.biases, self.layers, strict=True):
            Z = dense_forward(inputs, W, b if spec.get("use_bias", True) else None)
            inputs = self._activation(spec, "forward", Z)
            Zs.append(Z)
            As.append(inputs)
        return Zs, As

    def _output_loss(self, Z, A, T, sums):
        """The batch's data loss and dZ of the last layer; adds the metrics to `sums`."""
        if self.loss == "mse":
            loss, dA = mse_forward(A, T), mse_backward(A, T)
        elif self.loss == "binary_crossentropy" and self.fused:
            loss, dZ = (
                sigmoid_binary_crossentropy_forward(Z, T),
                sigmoid_binary_crossentropy_backward(Z, T),
            )
        elif self.loss == "binary_crossentropy":
            loss, dA = binary_crossentropy_forward(A, T), binary_crossentropy_backward(A, T)
        else:
            loss, dZ = softmax_crossentropy_forward(Z, T), softmax_crossentropy_backward(Z, T)
        if not self.fused:
            dZ = self._activation(self.layers[-1], "backward", Z, A, dA)
        rows, cols = A.shape
        if cols == 1 or self.loss == "binary_crossentropy":
            sums["correct"] += float(np.sum((A > 0.5) == (T > 0.5)))
            sums["judged"] += rows * cols
        else:
            sums["correct"] += float(np.sum(A.argmax(axis=1) == T.argmax(axis=1)))
            sums["judged"] += rows
        D = A.astype(np.float64) - T
        sums["abs_error"] += float(np.abs(D).sum())
        sums["squared_error"] += float((D * D).sum())
        sums["elements"] += rows * cols
        return loss, dZ

    def _regularization(self, grads=None) -> float:
        penalty = 0.0
        for l, (W, spec) in enumerate(zip(self.weights, self.layers, strict=True)):
            l1, l2 = spec.get("l1", 0.0), spec.get("l2", 0.0)
            if l1 == 0 and l2 == 0:
                continue
            W64 = W.astype(np.float64)
            penalty += l1 * np.abs(W64).sum() + l2 * (W64 * W64).sum()
            if grads is not None:
                grads[l] += W.dtype.type(l1) * np.sign(W) + W.dtype.type(2 * l2) * W
        return float(penalty)

    def _targets(self, Y, rows):
        if self.loss == "sparse_categorical_crossentropy":
            width = self.layers[-1]["out"]
            return np.eye(width, dtype=self.weights[0].dtype)[Y[rows]]
        return Y[rows]

    def train_epoch(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        batch_size: int,
        shuffle: bool,
        seed: int,
        epoch: int,
        learning_rate: float,
        first_batch: int = 0,
        last_batch: int = -1,
        metrics: bool = True,
    ) -> dict:
        """Train batches [first_batch, last_batch) of one epoch; the sums of loss and metrics
        (with ``metrics=False`` the accuracy and error sums stay 0)."""
        n = X.shape[0]
        num_batches = -(-n // batch_size)
        last_batch = num_batches if last_batch < 0 else min(last_batch, num_batches)
        order = permutation(n, seed, epoch) if shuffle else np.arange(n)
        config = dict(self.optimizer, learning_rate=learning_rate)
        sums = _empty_sums()
        for b in range(first_batch, last_batch):
            rows = order[b * batch_size : min((b + 1) * batch_size, n)]
            Xb, Tb = X[rows], self._targets(Y, rows)
            Zs, As = self._forward(Xb)
            loss, dZ = self._output_loss(Zs[-1], As[-1], Tb, sums if metrics else _empty_sums())
            dWs, dbs = [None] * len(self.layers), [None] * len(self.layers)
            for l in range(len(self.layers) - 1, -1, -1):  # the chain rule, last layer first
                inputs = Xb if l == 0 else As[l - 1]
                dX, dWs[l], dbs[l] = dense_backward(inputs, self.weights[l], dZ)
                if l > 0:
                    dZ = self._activation(self.layers[l - 1], "backward", Zs[l - 1], As[l - 1], dX)
            penalty = self._regularization(dWs)
            if not np.isfinite(loss + penalty):
                sums["finite"] = False
                return sums
            sums["loss"] += loss * len(rows)
            sums["regularization"] += penalty * len(rows)
            sums["samples"] += len(rows)
            sums["batches"] += 1
            self.step += 1
            for l, spec in enumerate(self.layers):
                optimizer_update(config, self.weights[l], dWs[l], self.weight_states[l], self.step)
                if spec.get("use_bias", True):
                    optimizer_update(config, self.biases[l], dbs[l], self.bias_states[l], self.step)
        return sums

    def evaluate(self, X: np.ndarray, Y: np.ndarray) -> dict:
        """Loss (with the regularization penalty) and metric sums over X, no update."""
        sums = _empty_sums()
        n = X.shape[0]
        if n == 0:
            return sums
        Zs, As = self._forward(X)
        loss, _ = self._output_loss(Zs[-1], As[-1], self._targets(Y, np.arange(n)), sums)
        sums["loss"] = loss * n
        sums["regularization"] = self._regularization() * n
        sums["samples"] = n
        sums["batches"] = -(-n // self.max_batch)
        sums["finite"] = bool(np.isfinite(sums["loss"] + sums["regularization"]))
        return sums

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The network's output for X."""
        return self._forward(X)[1][-1]
