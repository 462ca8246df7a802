"""The twin of ``cpp/fastnn/perceptron.hpp``: Rosenblatt's rule, bit for bit."""

from __future__ import annotations

import numpy as np

from fastnn import tables
from fastnn.reference.random import permutation


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
    tables.PERCEPTRON["learning_rate"].check(learning_rate, "perceptron_epoch()")
    dtype = X.dtype.type
    lr = _in_precision(learning_rate, dtype, "perceptron_epoch()")
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
    given = dict(learning_rate=learning_rate, max_epochs=max_epochs, shuffle=shuffle, seed=seed)
    for name, value in given.items():
        tables.PERCEPTRON[name].check(value, "perceptron_fit()")
    _in_precision(learning_rate, X.dtype.type, "perceptron_fit()")
    errors = []
    for epoch in range(max_epochs):
        order = permutation(X.shape[0], seed, epoch) if shuffle else None
        errors.append(perceptron_epoch(X, y, w, b, order, learning_rate=learning_rate))
        if errors[-1] == 0:
            break
    return np.array(errors, dtype=np.int64)


def _in_precision(learning_rate: float, dtype: type, where: str):
    """The learning rate in X's dtype, which must keep it finite and > 0 (1e-50 is 0 in
    float32, 1e300 infinite), as the kernel checks it."""
    with np.errstate(over="ignore", under="ignore"):
        lr = dtype(learning_rate)
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(
            f"{where}: learning_rate must be a finite number > 0 in {np.dtype(dtype).name}, "
            f"got {learning_rate}"
        )
    return lr
