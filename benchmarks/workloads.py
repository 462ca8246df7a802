"""The benchmark workloads: one definition shared by compare.py and bench_training.py.

A workload fixes the network, the loss, the optimizer, the batch size, the number of samples
and epochs, and how its data are made. Everything that must be the same for every framework
is made here, with NumPy, once:

* the data (float32), from ``numpy.random.default_rng(SEED)`` (tiny: the playground's
  spirals, ``fastnn.datasets.make_playground``);
* the initial weights: Glorot-uniform kernels and zero biases, drawn from
  ``default_rng(SEED)`` layer by layer, kernels shaped (in, out);
* the batch order of every epoch: ``fastnn.kernels.permutation(n, SEED, epoch)``, the order
  that ``Sequential(seed=SEED).fit(..., shuffle=True)`` itself uses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

SEED = 0


@dataclass(frozen=True)
class Workload:
    """A network and how it is trained.

    ``layers`` are (units, activation) after the input; the last activation is "sigmoid"
    (binary cross-entropy, labels 0/1) or "softmax" (cross-entropy, integer labels).
    ``momentum`` 0 means plain SGD. ``batch_norm`` puts a BatchNormalization (Keras'
    momentum 0.99 and epsilon 1e-3, gamma 1 and beta 0 at the start) after each hidden layer's
    activation, and ``dropout`` > 0 a Dropout of that rate after it.
    """

    name: str
    input_dim: int
    layers: tuple[tuple[int, str], ...]
    learning_rate: float
    momentum: float
    batch_size: int
    samples: int
    epochs: int
    batch_norm: bool = False
    dropout: float = 0.0

    @property
    def loss(self) -> str:
        """fastnn's name of the loss."""
        if self.layers[-1][1] == "sigmoid":
            return "binary_crossentropy"
        return "sparse_categorical_crossentropy"

    @property
    def classes(self) -> int:
        """Number of classes (2 for a sigmoid output)."""
        return 2 if self.layers[-1][1] == "sigmoid" else self.layers[-1][0]

    @property
    def sizes(self) -> list[int]:
        """Layer widths from the input to the output: [input_dim, units...]."""
        return [self.input_dim] + [units for units, _ in self.layers]

    @property
    def hidden_activation(self) -> str:
        """The activation of the hidden layers (the same in each workload)."""
        (activation,) = {act for _, act in self.layers[:-1]}
        return activation

    def with_size(self, samples: int, epochs: int) -> Workload:
        """The same workload on fewer samples or epochs (smoke tests)."""
        return dataclasses.replace(self, samples=samples, epochs=epochs)


WORKLOADS = {
    # The playground's scale: two spirals, a 2-8-8-1 tanh network.
    "tiny": Workload(
        "tiny", 2, ((8, "tanh"), (8, "tanh"), (1, "sigmoid")), 0.03, 0.0, 10, 1000, 50
    ),
    "mnist": Workload(
        "mnist", 784, ((256, "relu"), (128, "relu"), (10, "softmax")), 0.01, 0.9, 128, 20000, 3
    ),
    "wide": Workload(
        "wide", 1024, ((1024, "relu"), (1024, "relu"), (10, "softmax")), 0.01, 0.9, 256, 8192, 2
    ),
}
# mnist's network with BatchNormalization and Dropout(0.2) after both hidden layers: fastnn's
# lead over the fastest peer here is held to its lead on mnist itself (compare.py's targets).
WORKLOADS["mnist-bn"] = dataclasses.replace(
    WORKLOADS["mnist"], name="mnist-bn", batch_norm=True, dropout=0.2
)

# --quick and CI: the same networks on a little data.
QUICK = {"tiny": (200, 5), "mnist": (512, 1), "wide": (512, 1), "mnist-bn": (512, 1)}


def workload(name: str, quick: bool = False) -> Workload:
    """The workload called `name`, shrunk for smoke tests when `quick`."""
    w = WORKLOADS[name]
    return w.with_size(*QUICK[name]) if quick else w


# ---- data ----------------------------------------------------------------------------------


def two_spirals(n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The playground's two spirals (noise 10 of its 50): X (n, 2) float32, y (n,) labels 0/1."""
    from fastnn.datasets import make_playground

    X, y = make_playground("spiral", n, noise=10, seed=seed)
    return X.astype(np.float32), y


def blobs(n: int, dim: int, classes: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs around `classes` random centres, standardised: X (n, dim) float32, y (n,).

    The centres lie close enough (0.06 noise sd per feature apart) that three epochs leave a
    loss well above zero, so that the final losses of two frameworks are a meaningful check.
    """
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((classes, dim), dtype=np.float32) * np.float32(0.06)
    y = rng.integers(0, classes, n)
    X = rng.standard_normal((n, dim), dtype=np.float32)
    X += centres[y]
    X -= X.mean(axis=0)
    X /= X.std(axis=0)
    return X, y.astype(np.int64)


def make_data(w: Workload, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The workload's training data: X (samples, input_dim) float32, y (samples,) int64."""
    if w.input_dim == 2:
        return two_spirals(w.samples, seed)
    return blobs(w.samples, w.input_dim, w.classes, seed)


def initial_weights(w: Workload, seed: int = SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(W, b), ...] float32: W (in, out) Glorot-uniform, b zeros, drawn from `seed`."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(w.sizes[:-1], w.sizes[1:], strict=True):
        limit = np.sqrt(6.0 / (n_in + n_out))
        W = rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32)
        params.append((W, np.zeros(n_out, np.float32)))
    return params


def batch_orders(n: int, epochs: int, seed: int = SEED) -> list[np.ndarray]:
    """The sample order of each epoch, as fastnn's fit(shuffle=True, seed=seed) visits them."""
    from fastnn.kernels import permutation

    return [np.asarray(permutation(n, seed, epoch), dtype=np.int64) for epoch in range(epochs)]


# ---- fastnn --------------------------------------------------------------------------------


def fastnn_model(w: Workload, init: list[tuple[np.ndarray, np.ndarray]], seed: int = SEED):
    """A compiled fastnn Sequential for `w`, its weights set to `init`."""
    import fastnn

    layers = []
    for i, (units, activation) in enumerate(w.layers):
        layers.append(
            fastnn.Dense(units, activation=activation, input_dim=w.input_dim if i == 0 else None)
        )
        if i + 1 < len(w.layers) and w.batch_norm:
            layers.append(fastnn.BatchNormalization())
        if i + 1 < len(w.layers) and w.dropout:
            layers.append(fastnn.Dropout(w.dropout))
    model = fastnn.Sequential(layers, dtype="float32", seed=seed)
    model.compile(
        optimizer=fastnn.optimizers.SGD(learning_rate=w.learning_rate, momentum=w.momentum),
        loss=w.loss,
    )
    dense = [layer for layer in model.layers if isinstance(layer, fastnn.Dense)]
    for layer, (W, b) in zip(dense, init, strict=True):
        layer.kernel[...] = W
        layer.bias[...] = b
    return model


def fastnn_targets(w: Workload, y: np.ndarray) -> np.ndarray:
    """y as fastnn's loss takes it: float32 (n, 1) for a sigmoid output, int labels otherwise."""
    return y.astype(np.float32).reshape(-1, 1) if w.classes == 2 and w.layers[-1][0] == 1 else y
