"""The data a model is given, checked and converted before the C++ core sees it.

``fit``, ``evaluate`` and ``predict`` take NumPy arrays, lists of rows, or anything NumPy can
read as an array (pandas DataFrames and Series). Inputs become C-contiguous arrays of the
model's dtype (no copy when they already are one), targets take the shape the loss needs
(class labels as int64 for the sparse loss), and sample and class weights become one weight
per sample. Every mistake is a ValueError or TypeError naming the argument, before training.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from fastnn import tables


def as_array(value: ArrayLike, name: str, what: str) -> np.ndarray:
    """`value` as an ndarray: lists and tuples of rows, pandas objects and other array-likes."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (list, tuple)) or hasattr(value, "__array__"):
        return np.asarray(value)
    raise TypeError(
        f"{what}: {name} must be a numpy array (or a list of rows, or a pandas object), got "
        f"{type(value).__name__}"
    )


def check_finite(a: np.ndarray, name: str, what: str) -> None:
    """ValueError naming the first NaN or infinity of `a`."""
    # In blocks of rows: a full isfinite mask of a 1 GiB input would cost 256 MiB.
    rows = max(1, (1 << 22) // max(a.shape[1] if a.ndim == 2 else 1, 1))
    for start in range(0, a.shape[0], rows):
        block = a[start : start + rows]
        if not np.isfinite(block).all():
            where = np.argwhere(~np.isfinite(block))[0]
            index = (int(where[0]) + start, *map(int, where[1:]))
            raise ValueError(f"{what}: {name}{list(index)} is {a[index]}; inputs must be finite")


def prepare_x(
    X: ArrayLike, input_dim: int, dtype: np.dtype, what: str, check_finite_values: bool = True
) -> np.ndarray:
    """X as a C-contiguous (n, input_dim) array of `dtype`."""
    X = as_array(X, "X", what)
    if X.ndim == 1 and input_dim == 1:
        X = X.reshape(-1, 1)
    if X.ndim == 1 and X.shape[0] == input_dim:
        raise ValueError(
            f"{what}: X has shape {X.shape}, one sample; the model takes a batch of shape "
            f"(samples, {input_dim}): pass X[None, :] or X.reshape(1, -1)"
        )
    if X.ndim != 2:
        raise ValueError(f"{what}: X must be 2-D (samples, features), got shape {X.shape}")
    if X.shape[1] != input_dim:
        raise ValueError(
            f"{what}: X has {X.shape[1]} features but the model takes {input_dim} (input_dim)"
        )
    if X.dtype.kind not in "fiub":
        raise TypeError(f"{what}: X must hold numbers, got dtype {X.dtype}")
    X = np.ascontiguousarray(X, dtype=dtype)  # no copy when already right
    if check_finite_values:
        check_finite(X, "X", what)
    return X


def prepare_y(
    y: ArrayLike, n: int, outputs: int, loss: str, dtype: np.dtype, what: str
) -> np.ndarray:
    """y as the loss needs it: int64 labels (n,) for a loss that takes labels, else a
    C-contiguous (n, outputs) array of `dtype` (a 1-D y is one output)."""
    y = as_array(y, "y", what)
    if y.ndim == 0:
        raise ValueError(f"{what}: y must have one entry per sample of X ({n}), got a scalar")
    if y.shape[0] != n:
        raise ValueError(f"{what}: X has {n} samples but y has {y.shape[0]}")
    if tables.LOSSES[loss].labels:
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(
                f"{what}: {loss} takes integer labels of shape (n,), got shape {y.shape}"
            )
        if y.dtype.kind == "f":
            if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
                bad = int(np.flatnonzero(~np.isfinite(y) | (y != np.round(y)))[0])
                raise ValueError(f"{what}: y[{bad}] = {y[bad]} is not a whole class label")
        elif y.dtype.kind not in "iub":
            raise TypeError(f"{what}: y must hold class labels (integers), got dtype {y.dtype}")
        labels = y.astype(np.int64)
        out_of_range = (labels < 0) | (labels >= outputs)
        if out_of_range.any():
            bad = int(np.flatnonzero(out_of_range)[0])
            raise ValueError(
                f"{what}: y[{bad}] = {labels[bad]} is not a class label in [0, {outputs}) for "
                f"{outputs} outputs"
            )
        return np.ascontiguousarray(labels)
    if y.dtype.kind not in "fiub":
        raise TypeError(f"{what}: y must hold numbers, got dtype {y.dtype}")
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != outputs:
        hint = (
            " (one-hot rows; or use sparse_categorical_crossentropy for labels)"
            if loss == "categorical_crossentropy"
            else ""
        )
        raise ValueError(
            f"{what}: y must have shape ({n}, {outputs}) for a model with {outputs} outputs"
            f"{hint}, got {y.shape}"
        )
    y = np.ascontiguousarray(y, dtype=dtype)
    check_finite(y, "y", what)
    if loss in ("binary_crossentropy", "categorical_crossentropy") and ((y < 0) | (y > 1)).any():
        bad = tuple(int(i) for i in np.argwhere((y < 0) | (y > 1))[0])
        raise ValueError(f"{what}: {loss} needs targets in [0, 1], got y{list(bad)} = {y[bad]}")
    return y


def class_of_each_sample(y: np.ndarray, loss: str) -> np.ndarray:
    """The class of each sample of a prepared y, as Keras reads it for class_weight: the label
    (sparse loss), the argmax of a one-hot row, or the 0/1 value of a single output."""
    if tables.LOSSES[loss].labels:
        return y
    if y.shape[1] == 1:
        return (y[:, 0] > 0.5).astype(np.int64)
    return y.argmax(axis=1).astype(np.int64)


def prepare_sample_weight(
    sample_weight: ArrayLike | None,
    class_weight: Mapping[int, float] | None,
    y: np.ndarray,
    outputs: int,
    loss: str,
    dtype: np.dtype,
    what: str,
) -> np.ndarray | None:
    """One weight per sample (None without either): sample_weight times class_weight[class],
    as Keras combines them; each finite and >= 0."""
    n = y.shape[0]
    weights = None
    if sample_weight is not None:
        w = as_array(sample_weight, "sample_weight", what)
        if w.ndim == 2 and w.shape[1] == 1:
            w = w[:, 0]
        if w.ndim != 1 or w.shape[0] != n:
            raise ValueError(
                f"{what}: sample_weight must have one weight per sample, shape ({n},), got "
                f"{w.shape}"
            )
        if w.dtype.kind not in "fiub":
            raise TypeError(f"{what}: sample_weight must hold numbers, got dtype {w.dtype}")
        weights = np.array(w, dtype=dtype)  # a copy of its own: the core reads it as it trains
        bad = ~np.isfinite(weights) | (weights < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{what}: sample_weight[{i}] = {weights[i]} is not a finite weight >= 0"
            )
    if class_weight is not None:
        if not isinstance(class_weight, Mapping):
            raise TypeError(
                f"{what}: class_weight must be a dict {{class: weight}}, got "
                f"{type(class_weight).__name__}"
            )
        # One output (a binary problem) has the classes 0 and 1; several outputs, one each.
        n_classes = 2 if outputs == 1 else outputs
        table = np.ones(n_classes)
        for key, value in class_weight.items():
            if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
                raise ValueError(
                    f"{what}: class_weight keys must be class indices (ints), got {key!r}"
                )
            if not 0 <= key < n_classes:
                raise ValueError(
                    f"{what}: class_weight names class {key}, but this model's classes are "
                    f"0..{n_classes - 1}"
                )
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float, np.integer, np.floating))
                or not (np.isfinite(value) and value >= 0)
            ):
                raise ValueError(
                    f"{what}: class_weight[{key}] = {value!r} is not a finite weight >= 0"
                )
            table[key] = value
        per_sample = table[class_of_each_sample(y, loss)].astype(dtype)
        weights = per_sample if weights is None else weights * per_sample
    return weights


__all__ = [
    "as_array",
    "check_finite",
    "class_of_each_sample",
    "prepare_sample_weight",
    "prepare_x",
    "prepare_y",
]
