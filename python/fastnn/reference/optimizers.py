"""The twin of ``cpp/fastnn/optimizers.hpp``: one ``<name>_update`` per optimizer.

Each checks its hyper-parameters by the core's table (:data:`fastnn.tables.OPTIMIZERS`), as
the kernel does, so both refuse the same values with the same message.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers

import numpy as np

from fastnn import tables


def _check_step(step, where: str) -> None:
    if isinstance(step, (bool, np.bool_)) or not isinstance(step, numbers.Integral):
        raise TypeError(
            f"{where}: step must be an int >= 1 (1 on the first update), got {type(step).__name__}"
        )
    if not 1 <= step < 2**63:
        raise ValueError(
            f"{where}: step must be an int in [1, 2**63 - 1] (1 on the first update), got {step}"
        )


def _checked_by_table(update):
    """`update` with its hyper-parameters checked by its row of the core's table, and its step,
    before anything is written: the same rule and message as the kernel's."""
    row = tables.OPTIMIZERS[update.__name__.removesuffix("_update")]
    where = f"{update.__name__}()"
    signature = inspect.signature(update)

    @functools.wraps(update)
    def checked(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        row.check({k: bound.arguments[k] for k in row.update_arguments}, where)
        _check_step(bound.arguments["step"], where)
        update(*args, **kwargs)

    return checked


#
# torch.optim's update rules (docs/optimizers.md), one step each, in place on param and the
# state arrays; step is the 1-based number of the update. Every hyper-parameter, and every
# quantity formed from them in Python floats (1 - beta, lr / bias_correction1, ...), is turned
# into the arrays' dtype once, as PyTorch does, so float32 arrays are updated in float32. The
# operations are PyTorch's, in its order: each product and sum rounded on its own.


@_checked_by_table
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


@_checked_by_table
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


@_checked_by_table
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


@_checked_by_table
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


@_checked_by_table
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


@_checked_by_table
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


def optimizer_update(
    config: dict, param: np.ndarray, grad: np.ndarray, state: np.ndarray, step: int
) -> None:
    """One update of `param` in place by the optimizer `config` (a dict with "kind", the
    learning rate and its hyper-parameters); `state[k]` is its k-th state array for `param`."""
    row = tables.OPTIMIZERS[config["kind"]]
    update = globals()[f"{row.name}_update"]
    hyper = {k: config[k] for k in row.update_arguments if k in config}
    update(param, grad, *state[: row.slots], step=step, **hyper)


def clip_gradients(
    grads: list[np.ndarray],
    *,
    clipnorm: float | None = None,
    clipvalue: float | None = None,
    global_clipnorm: float | None = None,
) -> None:
    """The twin of ``clip_gradients``: the gradients of one update clipped in place, Keras' way
    (at most one of the three set; None or 0 is off). Norms are summed in float64; a gradient
    is scaled only when its norm exceeds the limit, by limit / norm rounded to its dtype."""
    values = tables.check_clipping(
        {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm},
        "clip_gradients()",
    )
    clipnorm, clipvalue, global_clipnorm = (
        values["clipnorm"],
        values["clipvalue"],
        values["global_clipnorm"],
    )
    if clipnorm > 0:
        for g in grads:
            norm = np.sqrt(np.sum(g.astype(np.float64) ** 2))
            if norm > clipnorm:
                g *= g.dtype.type(clipnorm / norm)
    elif global_clipnorm > 0:
        norm = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads))
        if norm > global_clipnorm:
            for g in grads:
                g *= g.dtype.type(global_clipnorm / norm)
    elif clipvalue > 0:
        for g in grads:
            v = g.dtype.type(clipvalue)
            np.clip(g, -v, v, out=g)
