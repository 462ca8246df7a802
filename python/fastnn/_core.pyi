"""Type stub for fastnn._core, the compiled kernels (see fastnn.kernels for the docs)."""

import numpy as np
import numpy.typing as npt

_Array = npt.NDArray[np.floating]

def dense_forward(X: _Array, W: _Array, b: _Array | None = None) -> _Array: ...
def dense_backward(X: _Array, W: _Array, dZ: _Array) -> tuple[_Array, _Array, _Array]: ...
def step_forward(Z: _Array) -> _Array: ...
def step_backward(Z: _Array, A: _Array, dA: _Array) -> _Array: ...
def linear_forward(Z: _Array) -> _Array: ...
def linear_backward(Z: _Array, A: _Array, dA: _Array) -> _Array: ...
def sigmoid_forward(Z: _Array) -> _Array: ...
def sigmoid_backward(Z: _Array, A: _Array, dA: _Array) -> _Array: ...
def tanh_forward(Z: _Array) -> _Array: ...
def tanh_backward(Z: _Array, A: _Array, dA: _Array) -> _Array: ...
def relu_forward(Z: _Array) -> _Array: ...
def relu_backward(Z: _Array, A: _Array, dA: _Array) -> _Array: ...
def leaky_relu_forward(Z: _Array, alpha: float = 0.01) -> _Array: ...
def leaky_relu_backward(Z: _Array, A: _Array, dA: _Array, alpha: float = 0.01) -> _Array: ...
def elu_forward(Z: _Array, alpha: float = 1.0) -> _Array: ...
def elu_backward(Z: _Array, A: _Array, dA: _Array, alpha: float = 1.0) -> _Array: ...
def softplus_forward(Z: _Array) -> _Array: ...
def softplus_backward(Z: _Array, A: _Array, dA: _Array) -> _Array: ...
def softmax_forward(Z: _Array) -> _Array: ...
def softmax_backward(Z: _Array, A: _Array, dA: _Array) -> _Array: ...
def mse_forward(Y: _Array, T: _Array) -> float: ...
def mse_backward(Y: _Array, T: _Array) -> _Array: ...
def binary_crossentropy_forward(Y: _Array, T: _Array) -> float: ...
def binary_crossentropy_backward(Y: _Array, T: _Array) -> _Array: ...
def sigmoid_binary_crossentropy_forward(Y: _Array, T: _Array) -> float: ...
def sigmoid_binary_crossentropy_backward(Y: _Array, T: _Array) -> _Array: ...
def softmax_crossentropy_forward(Y: _Array, T: _Array) -> float: ...
def softmax_crossentropy_backward(Y: _Array, T: _Array) -> _Array: ...
def perceptron_fit(
    X: _Array,
    y: _Array,
    w: _Array,
    b: _Array,
    *,
    learning_rate: float = 1.0,
    max_epochs: int = 100,
    shuffle: bool = True,
    seed: int = 0,
) -> npt.NDArray[np.int64]: ...
def perceptron_epoch(
    X: _Array,
    y: _Array,
    w: _Array,
    b: _Array,
    order: npt.NDArray[np.integer] | None = None,
    *,
    learning_rate: float = 1.0,
) -> int: ...
def permutation(n: int, seed: int, epoch: int) -> npt.NDArray[np.int64]: ...
def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
def build_info() -> dict[str, str | bool]: ...
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
) -> None: ...
def adagrad_update(
    param: _Array,
    grad: _Array,
    state_sum: _Array,
    *,
    learning_rate: float,
    eps: float = 1e-10,
    weight_decay: float = 0.0,
    step: int,
) -> None: ...
def adadelta_update(
    param: _Array,
    grad: _Array,
    square_avg: _Array,
    acc_delta: _Array,
    *,
    learning_rate: float,
    rho: float = 0.9,
    eps: float = 1e-6,
    weight_decay: float = 0.0,
    step: int,
) -> None: ...
def rmsprop_update(
    param: _Array,
    grad: _Array,
    square_avg: _Array,
    momentum_buffer: _Array,
    grad_avg: _Array,
    *,
    learning_rate: float,
    rho: float = 0.99,
    eps: float = 1e-8,
    momentum: float = 0.0,
    centered: bool = False,
    weight_decay: float = 0.0,
    step: int,
) -> None: ...
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
    eps: float = 1e-8,
    amsgrad: bool = False,
    weight_decay: float = 0.0,
    step: int,
) -> None: ...
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
    eps: float = 1e-8,
    amsgrad: bool = False,
    weight_decay: float = 0.01,
    step: int,
) -> None: ...

class Network:
    """A stack of dense layers with its fused C++ training loop (see fastnn.reference.Network)."""

    step: int
    @property
    def level(self) -> str:
        """The instruction-set level whose code this network runs (the one loaded at its making)."""
    def __init__(
        self,
        layers: list[dict],
        loss: str,
        optimizer: dict,
        weights: list[_Array],
        biases: list[_Array],
        weight_states: list[_Array],
        bias_states: list[_Array],
        max_batch: int,
    ) -> None: ...
    def train_epoch(
        self,
        X: _Array,
        Y: npt.NDArray,
        *,
        batch_size: int,
        shuffle: bool,
        seed: int,
        epoch: int,
        learning_rate: float,
        first_batch: int = 0,
        last_batch: int = -1,
        metrics: bool = True,
    ) -> dict[str, float | bool | int]: ...
    def evaluate(self, X: _Array, Y: npt.NDArray) -> dict[str, float | bool | int]: ...
    def predict(self, X: _Array) -> _Array: ...
    def data_parallel_threads(self, batch_size: int) -> int: ...

def _load_level(path: str) -> str:
    """Load the core built for one instruction-set level (see fastnn._isa); returns its name."""

def _level() -> str:
    """The instruction-set level in use, '' before one is loaded."""

def num_threads_setting() -> int:
    """The count set_num_threads was given last; 0 while following OpenMP."""
