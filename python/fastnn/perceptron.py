"""Rosenblatt's perceptron as a scikit-learn style estimator.

One neuron with a Heaviside step: ``y_hat = 1`` where ``w.x + b > 0``, else 0, learned by the
perceptron rule (``docs/perceptron.md``). The epochs run in the C++ core,
:func:`fastnn.kernels.perceptron_fit`; :func:`fastnn.reference.perceptron_fit` is its twin.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from fastnn import kernels, tables

__all__ = ["NotFittedError", "Perceptron"]


class NotFittedError(ValueError, AttributeError):
    """A Perceptron was asked to predict before :meth:`Perceptron.fit`.

    A ``ValueError`` and an ``AttributeError``, as scikit-learn's exception of the same name,
    so code written for either catches it.
    """


class Perceptron:
    """A single neuron with a step activation, trained by Rosenblatt's perceptron rule.

    The weights and bias start at zero. Each epoch visits the samples (in a fresh random order
    when ``shuffle``) and, on every mistake, moves the boundary towards the sample:
    ``w += learning_rate * (y - y_hat) * x`` and ``b += learning_rate * (y - y_hat)``.
    Training stops after the first epoch without a mistake, or after ``max_epochs``.
    On linearly separable data that first clean epoch always comes; on data no line
    separates (XOR) it never does.

    Parameters
    ----------
    learning_rate:
        The step size, a finite number > 0. From zero weights it only scales ``coef_`` and
        ``intercept_``: up to rounding, the predictions are the same for any value.
    max_epochs:
        The most passes over the data, >= 1.
    shuffle:
        Visit the samples in a new order each epoch (``fastnn.kernels.permutation``).
    seed:
        The seed of that order, an int in ``[0, 2**64)``. None draws one from NumPy's
        ``default_rng()``, so that runs differ; the seed used is kept in ``seed_``.

    Attributes
    ----------
    coef_ : numpy.ndarray of shape (n_features,)
        The weights ``w``, float32 when ``fit`` saw float32 features, else float64.
    intercept_ : float
        The bias ``b``; the neuron fires when ``w.x`` exceeds the threshold ``-b``.
    errors_ : list of int
        The mistakes made in each epoch.
    converged_ : bool
        True when the last epoch made no mistake: every training sample is classified right.
    n_epochs_ : int
        The epochs run.
    n_features_in_ : int
        The number of features ``fit`` saw.
    seed_ : int
        The seed the sample order was drawn from.
    """

    def __init__(
        self,
        learning_rate: float = 1.0,
        max_epochs: int = 100,
        shuffle: bool = True,
        seed: int | None = None,
    ) -> None:
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.shuffle = shuffle
        self.seed = seed

    def __repr__(self) -> str:
        return (
            f"Perceptron(learning_rate={self.learning_rate!r}, max_epochs={self.max_epochs!r}, "
            f"shuffle={self.shuffle!r}, seed={self.seed!r})"
        )

    def fit(self, X: ArrayLike, y: ArrayLike) -> Perceptron:
        """Learn ``coef_`` and ``intercept_`` from zero.

        Parameters
        ----------
        X:
            Features, shape (n_samples, n_features), finite numbers. float32 stays float32;
            any other numeric dtype is trained in float64.
        y:
            Labels 0 or 1, shape (n_samples,).

        Returns
        -------
        Perceptron
            self, fitted.
        """
        learning_rate, max_epochs, shuffle, seed = self._checked_params()
        X = _features(X, "fit", None)
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(
                "Perceptron.fit(): X must have at least one sample and one feature, "
                f"got shape {X.shape}"
            )
        y = _labels(y, "fit", X)
        w = np.zeros(X.shape[1], dtype=X.dtype)
        b = np.zeros(1, dtype=X.dtype)
        errors = kernels.perceptron_fit(
            X,
            y,
            w,
            b,
            learning_rate=learning_rate,
            max_epochs=max_epochs,
            shuffle=shuffle,
            seed=seed,
        )
        self.coef_ = w
        self.intercept_ = float(b[0])
        self.errors_ = [int(e) for e in errors]
        self.converged_ = bool(self.errors_[-1] == 0)
        self.n_epochs_ = len(self.errors_)
        self.n_features_in_ = X.shape[1]
        self.seed_ = seed
        return self

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """The neuron's input ``w.x + b`` for each sample, shape (n_samples,).

        Positive means class 1. Computed in the dtype of ``coef_``.
        """
        return self._decision(self._checked_features(X, "decision_function"))

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The class of each sample: 1 where ``w.x + b > 0``, else 0 (int64, shape (n_samples,))."""
        return (self._decision(self._checked_features(X, "predict")) > 0).astype(np.int64)

    def score(self, X: ArrayLike, y: ArrayLike) -> float:
        """The accuracy on (X, y): the fraction of samples whose predicted label equals y."""
        X = self._checked_features(X, "score")
        y = _labels(y, "score", X)
        if X.shape[0] == 0:
            raise ValueError("Perceptron.score(): X has no samples, so there is no accuracy")
        return float(np.mean((self._decision(X) > 0) == (y == 1)))

    def _decision(self, X: np.ndarray) -> np.ndarray:
        return X @ self.coef_ + self.coef_.dtype.type(self.intercept_)

    # ---- checks ----------------------------------------------------------------------------

    def _checked_features(self, X: ArrayLike, where: str) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise NotFittedError(
                f"Perceptron.{where}(): this Perceptron is not fitted yet; call fit(X, y) first"
            )
        X = _features(X, where, self.coef_.dtype)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"Perceptron.{where}(): X has {X.shape[1]} features, but the Perceptron was "
                f"fitted with {self.n_features_in_}"
            )
        return X

    def _checked_params(self) -> tuple[float, int, bool, int]:
        # By the core's table, as the kernel checks them; seed None draws one.
        rows = tables.PERCEPTRON
        lr = rows["learning_rate"].check(self.learning_rate, "Perceptron")
        epochs = rows["max_epochs"].check(self.max_epochs, "Perceptron")
        shuffle = rows["shuffle"].check(self.shuffle, "Perceptron")
        seed = self.seed
        if seed is None:
            seed = int(np.random.default_rng().integers(0, 2**64, dtype=np.uint64))
        seed = rows["seed"].check(seed, "Perceptron")
        return lr, epochs, shuffle, seed


def _features(X: ArrayLike, where: str, dtype: np.dtype | None) -> np.ndarray:
    # The training dtype: float32 stays float32 (half the memory), everything else float64.
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise TypeError(f"Perceptron.{where}(): X must hold numbers, got dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(
            f"Perceptron.{where}(): X must be a 2-D array of shape (n_samples, n_features), "
            f"got a {X.ndim}-D array of shape {X.shape}"
        )
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        row, col = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(
            f"Perceptron.{where}(): X must be finite, got X[{row}, {col}] = {X[row, col]}"
        )
    if dtype is None:
        dtype = np.float32 if X.dtype == np.float32 else np.float64
    return np.ascontiguousarray(X, dtype=dtype)


def _labels(y: ArrayLike, where: str, X: np.ndarray) -> np.ndarray:
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise TypeError(
            f"Perceptron.{where}(): y must hold the labels 0 and 1 as numbers, got dtype {y.dtype}"
        )
    if y.ndim != 1:
        raise ValueError(
            f"Perceptron.{where}(): y must be a 1-D array of shape (n_samples,), "
            f"got a {y.ndim}-D array of shape {y.shape}"
        )
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"Perceptron.{where}(): y has {y.shape[0]} labels but X has {X.shape[0]} samples"
        )
    wrong = (y != 0) & (y != 1)
    if wrong.any():
        found = ", ".join(str(v) for v in np.unique(y[wrong])[:5])
        raise ValueError(f"Perceptron.{where}(): y must hold the labels 0 and 1 only, got {found}")
    return np.ascontiguousarray(y, dtype=X.dtype)
