"""Optimizers: small classes with one ``update`` method, PyTorch's update rules, Keras' names.

Each optimizer describes itself as a config dict (``get_config``) that the fused C++ loop
reads, and can also update one parameter from Python (``update``), through the same C++
kernel. docs/optimizers.md has every rule's formulas.

The learning rate is a number or a schedule (:class:`StepDecay`, :class:`ExponentialDecay`),
evaluated once per epoch.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Iterable, Sequence

import numpy as np

from fastnn import kernels, tables

# ---- learning-rate schedules ---------------------------------------------------------------


class LearningRateSchedule(abc.ABC):
    """A learning rate that depends on the epoch (0-based)."""

    @abc.abstractmethod
    def __call__(self, epoch: int) -> float:
        """The learning rate for `epoch`."""

    @abc.abstractmethod
    def get_config(self) -> dict:
        """The schedule's name and parameters, for saving."""


class StepDecay(LearningRateSchedule):
    """lr = initial_learning_rate * drop ** floor(epoch / epochs_per_drop)."""

    def __init__(self, initial_learning_rate: float, drop: float = 0.5, epochs_per_drop: int = 10):
        _check_positive("initial_learning_rate", initial_learning_rate)
        _check_positive("drop", drop)
        if not isinstance(epochs_per_drop, int) or epochs_per_drop < 1:
            raise ValueError(f"epochs_per_drop must be an int >= 1, got {epochs_per_drop!r}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.drop = float(drop)
        self.epochs_per_drop = epochs_per_drop

    def __call__(self, epoch: int) -> float:
        return self.initial_learning_rate * self.drop ** (epoch // self.epochs_per_drop)

    def get_config(self) -> dict:
        return {
            "name": "StepDecay",
            "initial_learning_rate": self.initial_learning_rate,
            "drop": self.drop,
            "epochs_per_drop": self.epochs_per_drop,
        }


class ExponentialDecay(LearningRateSchedule):
    """lr = initial_learning_rate * decay_rate ** (epoch / decay_epochs) (floored if staircase)."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_rate: float = 0.96,
        decay_epochs: float = 1.0,
        staircase: bool = False,
    ):
        _check_positive("initial_learning_rate", initial_learning_rate)
        _check_positive("decay_rate", decay_rate)
        _check_positive("decay_epochs", decay_epochs)
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_rate = float(decay_rate)
        self.decay_epochs = float(decay_epochs)
        self.staircase = bool(staircase)

    def __call__(self, epoch: int) -> float:
        exponent = epoch / self.decay_epochs
        if self.staircase:
            exponent = math.floor(exponent)
        return self.initial_learning_rate * self.decay_rate**exponent

    def get_config(self) -> dict:
        return {
            "name": "ExponentialDecay",
            "initial_learning_rate": self.initial_learning_rate,
            "decay_rate": self.decay_rate,
            "decay_epochs": self.decay_epochs,
            "staircase": self.staircase,
        }


SCHEDULES = {"StepDecay": StepDecay, "ExponentialDecay": ExponentialDecay}


def _check_positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")


def _check_range(name: str, value, low: float, high: float, high_open: bool = True) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and low <= value and (value < high if high_open else value <= high)
    if not ok:
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must be a number in [{low}, {high}{bracket}, got {value!r}")


# ---- optimizers ----------------------------------------------------------------------------


class Optimizer:
    """The base: a learning rate (number or schedule) and the hyper-parameters of its kind.

    Each kind's hyper-parameters, their defaults, ranges and state arrays are the rows of the
    core's table (:data:`fastnn.tables.OPTIMIZERS`); the constructors check their arguments by
    them, as the kernels and :mod:`fastnn.reference` do. ``tests/test_tables.py`` holds the
    signatures' defaults equal to the table's.
    """

    kind: str = ""

    def __init__(self, learning_rate, clipping: dict | None = None, **hyperparameters) -> None:
        row = tables.OPTIMIZERS[self.kind]
        where = type(self).__name__
        #: Keras' gradient clipping (:data:`fastnn.tables.CLIPPING`): name -> limit, 0 off
        self.clipping = tables.check_clipping(clipping or {}, where)
        if isinstance(learning_rate, LearningRateSchedule):
            self.learning_rate = learning_rate
        else:
            self.learning_rate = row.parameters["learning_rate"].check(learning_rate, where)
        for name, value in row.check(hyperparameters, where).items():
            if name != "learning_rate":
                setattr(self, name, value)
        #: the state arrays of each parameter it updates (None for a missing parameter, such as
        #: a layer without bias), made by :meth:`build`; the fused loop updates them in place
        self.states: list[np.ndarray | None] = []
        #: how many updates it has made: PyTorch's step, Keras' iterations
        self.iterations = 0

    @property
    def slots(self) -> int:
        """State arrays per parameter, laid (slots, *param.shape), as the C++ core lays them."""
        return tables.OPTIMIZERS[self.kind].slots

    def learning_rate_at(self, epoch: int) -> float:
        """The learning rate for `epoch` (0-based)."""
        if isinstance(self.learning_rate, LearningRateSchedule):
            return float(self.learning_rate(epoch))
        return self.learning_rate

    def hyperparameters(self) -> dict:
        """The hyper-parameters the update rule reads, besides the learning rate."""
        row = tables.OPTIMIZERS[self.kind]
        return {k: getattr(self, k) for k in row.update_arguments if k != "learning_rate"}

    @property
    def clipnorm(self) -> float | None:
        """Each gradient's largest L2 norm, or None."""
        return self.clipping["clipnorm"] or None

    @property
    def clipvalue(self) -> float | None:
        """Each gradient value's largest magnitude, or None."""
        return self.clipping["clipvalue"] or None

    @property
    def global_clipnorm(self) -> float | None:
        """The largest L2 norm of all gradients together, or None."""
        return self.clipping["global_clipnorm"] or None

    def get_config(self) -> dict:
        """kind, learning_rate (a number or a schedule's config), every hyper-parameter, and
        the clipping that is set."""
        lr = self.learning_rate
        lr = lr.get_config() if isinstance(lr, LearningRateSchedule) else lr
        row = tables.OPTIMIZERS[self.kind]
        hyper = {k: getattr(self, k) for k in row.parameters if k != "learning_rate"}
        clipping = {k: v for k, v in self.clipping.items() if v > 0}
        return {"kind": self.kind, "learning_rate": lr, **hyper, **clipping}

    def core_config(self, epoch: int = 0) -> dict:
        """The config the C++ loop and the reference loop read: the learning rate a number."""
        return {
            "kind": self.kind,
            "learning_rate": self.learning_rate_at(epoch),
            **self.hyperparameters(),
            **self.clipping,
        }

    def init_state(self, param: np.ndarray) -> np.ndarray:
        """The state of one parameter before its first update: zeros, (slots, *shape)."""
        return np.zeros((self.slots, *param.shape), dtype=param.dtype)

    # ---- its state -------------------------------------------------------------------------

    def build(self, params: Sequence[np.ndarray | None]) -> None:
        """Make a fresh state for each of `params` (None: no parameter there, no state) and
        start counting updates from 0."""
        self.states = [None if p is None else self.init_state(p) for p in params]
        self.iterations = 0

    def fits(self, params: Sequence[np.ndarray | None]) -> bool:
        """Whether the state was built for parameters of these shapes and dtypes."""
        if len(self.states) != len(params):
            return False
        for state, p in zip(self.states, params, strict=True):
            if (state is None) != (p is None):
                return False
            if p is not None and (state.shape[1:] != p.shape or state.dtype != p.dtype):
                return False
        return True

    def get_state(self) -> dict:
        """``{"iterations": int, "states": [array or None, ...]}``: the arrays themselves (the
        fused loop updates them in place), in the order of the parameters given to build."""
        return {"iterations": self.iterations, "states": list(self.states)}

    def set_state(self, state: dict) -> None:
        """Copy a state from :meth:`get_state` (of an optimizer of this kind, built for the same
        parameters) into this one's arrays, in place. ValueError naming what does not fit."""
        where = f"{type(self).__name__}.set_state"
        iterations = state.get("iterations")
        if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)):
            raise TypeError(f"{where}: iterations must be an int, got {iterations!r}")
        if not 0 <= iterations <= 2**62:
            raise ValueError(f"{where}: iterations must be in [0, 2**62], got {iterations}")
        states = state.get("states")
        if not isinstance(states, (list, tuple)) or len(states) != len(self.states):
            got = len(states) if isinstance(states, (list, tuple)) else type(states).__name__
            raise ValueError(
                f"{where}: expected {len(self.states)} state entries (build the optimizer for "
                f"the model's parameters first), got {got}"
            )
        for i, (target, value) in enumerate(zip(self.states, states, strict=True)):
            if (target is None) != (value is None):
                raise ValueError(f"{where}: entry {i} is {value!r}, expected {target!r}")
            if target is None:
                continue
            value = np.asarray(value)
            if value.shape != target.shape or value.dtype != target.dtype:
                raise ValueError(
                    f"{where}: entry {i} is {value.dtype} {value.shape}, expected "
                    f"{target.dtype} {target.shape}"
                )
            target[...] = value
        self.iterations = int(iterations)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: np.ndarray, step: int, epoch: int = 0
    ) -> None:
        """One update of `param` in place from `grad`; `step` is 1 on the first update.

        With clipping set, a clipped copy of `grad` is used (global_clipnorm then sees this
        gradient alone: :meth:`apply_gradients` clips all of an update's gradients together)."""
        if any(v > 0 for v in self.clipping.values()):
            grad = np.array(grad, copy=True, order="C")
            kernels.clip_gradients([grad], **self.clipping)
        self._rule(param, grad, state, step, epoch)

    def apply_gradients(
        self, grads_and_vars: Iterable[tuple[np.ndarray, np.ndarray]], epoch: int = 0
    ) -> None:
        """Keras' one step: `grads_and_vars` is ``[(grad, param), ...]``; the gradients (copied)
        are clipped together, ``iterations`` counts the step, each param updates in place. The
        state is built at the first call (or when the parameters change)."""
        pairs = list(grads_and_vars)
        params = [p for _, p in pairs]
        grads = [np.array(g, copy=True, order="C") for g, _ in pairs]
        if not self.fits(params):
            self.build(params)
        kernels.clip_gradients(grads, **self.clipping)
        self.iterations += 1
        for param, grad, state in zip(params, grads, self.states, strict=True):
            self._rule(param, grad, state, self.iterations, epoch)

    def _rule(
        self, param: np.ndarray, grad: np.ndarray, state: np.ndarray, step: int, epoch: int
    ) -> None:
        update = getattr(kernels, f"{self.kind}_update")
        update(
            param,
            grad,
            *state,
            learning_rate=self.learning_rate_at(epoch),
            step=step,
            **self.hyperparameters(),
        )

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "kind")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum; PyTorch's rule."""

    kind = "sgd"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        super().__init__(
            learning_rate,
            momentum=momentum,
            nesterov=nesterov,
            weight_decay=weight_decay,
            clipping={
                "clipnorm": clipnorm,
                "clipvalue": clipvalue,
                "global_clipnorm": global_clipnorm,
            },
        )


class Adagrad(Optimizer):
    """Adagrad: per-weight steps shrinking with the sum of squared gradients."""

    kind = "adagrad"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.01,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        weight_decay: float = 0.0,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        super().__init__(
            learning_rate,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            weight_decay=weight_decay,
            clipping={
                "clipnorm": clipnorm,
                "clipvalue": clipvalue,
                "global_clipnorm": global_clipnorm,
            },
        )

    def init_state(self, param: np.ndarray) -> np.ndarray:
        """The sum of squares starts at ``initial_accumulator_value``."""
        return np.full((1, *param.shape), self.initial_accumulator_value, dtype=param.dtype)


class Adadelta(Optimizer):
    """Adadelta: steps scaled by running averages of squared gradients and squared steps."""

    kind = "adadelta"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        super().__init__(
            learning_rate,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            clipping={
                "clipnorm": clipnorm,
                "clipvalue": clipvalue,
                "global_clipnorm": global_clipnorm,
            },
        )


class RMSprop(Optimizer):
    """RMSprop: steps divided by a running root-mean-square of the gradients."""

    kind = "rmsprop"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.01,
        rho: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        centered: bool = False,
        weight_decay: float = 0.0,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        super().__init__(
            learning_rate,
            rho=rho,
            eps=eps,
            momentum=momentum,
            centered=centered,
            weight_decay=weight_decay,
            clipping={
                "clipnorm": clipnorm,
                "clipvalue": clipvalue,
                "global_clipnorm": global_clipnorm,
            },
        )


class Adam(Optimizer):
    """Adam: bias-corrected running averages of the gradient and its square."""

    kind = "adam"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        eps: float = 1e-8,
        amsgrad: bool = False,
        weight_decay: float = 0.0,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        super().__init__(
            learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            eps=eps,
            amsgrad=amsgrad,
            weight_decay=weight_decay,
            clipping={
                "clipnorm": clipnorm,
                "clipvalue": clipvalue,
                "global_clipnorm": global_clipnorm,
            },
        )


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr * weight_decay."""

    kind = "adamw"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        eps: float = 1e-8,
        amsgrad: bool = False,
        weight_decay: float = 0.01,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        super().__init__(
            learning_rate,
            beta_1,
            beta_2,
            eps,
            amsgrad,
            weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
        )


OPTIMIZERS = {
    "sgd": SGD,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}


def get(value: Optimizer | str | dict) -> Optimizer:
    """An optimizer from an instance, a name ('sgd', 'adam', ...) with its defaults, or a config."""
    if isinstance(value, Optimizer):
        return value
    if isinstance(value, str):
        key = value.lower()
        if key not in OPTIMIZERS:
            raise ValueError(
                f"unknown optimizer {value!r}; expected one of {', '.join(OPTIMIZERS)}"
            )
        return OPTIMIZERS[key]()
    if isinstance(value, dict):
        config = dict(value)
        kind = config.pop("kind", None)
        if kind not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer kind {kind!r} in {value!r}")
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            schedule = dict(lr)
            name = schedule.pop("name", None)
            if name not in SCHEDULES:
                raise ValueError(f"unknown learning-rate schedule {name!r}")
            config["learning_rate"] = SCHEDULES[name](**schedule)
        return OPTIMIZERS[kind](**config)
    raise TypeError(
        f"optimizer must be an Optimizer, a name or a config dict, got {type(value).__name__}"
    )
