"""Metrics of predictions against targets, in NumPy: what ``compile(metrics=[...])`` reports.

The fused training loop keeps the sums these are made of (correct answers by threshold and by
argmax, top-k hits, true and false positives, squared errors, AUC's histogram) as it trains,
so every compiled metric costs no extra pass over the data; the functions here compute the
same numbers from arrays, for use after ``predict``. ``roc_auc`` is the exact area from ranks
(a function only); ``auc`` is Keras' 200-threshold approximation that ``compile`` reports.

Binary conventions are Keras': a probability counts as a positive prediction above 0.5, a
target counts as positive above 0.5, and multi-output arrays are counted element by element.
Each function returns the mean over the samples (Keras' functions return one value per sample).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def _pair(y_true: ArrayLike, y_pred: ArrayLike, where: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.shape != p.shape:
        raise ValueError(
            f"{where}: y_true and y_pred must have one shape, got {t.shape} and {p.shape}"
        )
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.dtype.kind not in "biuf":
            raise TypeError(f"{where}: {name} must hold numbers, got dtype {a.dtype}")
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ValueError(f"{where}: {name} holds NaN or infinity")
    return t, p


def _counts(y_true: ArrayLike, y_pred: ArrayLike, where: str) -> tuple[int, int, int, int]:
    t, p = _pair(y_true, y_pred, where)
    truth, predicted = t > 0.5, p > 0.5
    tp = int(np.sum(predicted & truth))
    fp = int(np.sum(predicted & ~truth))
    fn = int(np.sum(~predicted & truth))
    tn = int(np.sum(~predicted & ~truth))
    return tp, fp, fn, tn


def precision(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """tp / (tp + fp) of probabilities thresholded at 0.5 (0.0 when nothing is predicted
    positive, as Keras and scikit-learn's zero_division=0)."""
    tp, fp, _, _ = _counts(y_true, y_pred, "precision")
    return tp / (tp + fp) if tp + fp else 0.0


def recall(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """tp / (tp + fn) of probabilities thresholded at 0.5 (0.0 when there is no positive)."""
    tp, _, fn, _ = _counts(y_true, y_pred, "recall")
    return tp / (tp + fn) if tp + fn else 0.0


def r2(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """The coefficient of determination, 1 - SSE / SST, over every element (outputs pooled
    around each output's own mean). 1 is perfect, 0 is the mean's score; constant targets
    give 1.0 for a perfect prediction and 0.0 otherwise, as scikit-learn's r2_score."""
    t, p = _pair(y_true, y_pred, "r2")
    t64 = t.astype(np.float64).reshape(len(t), -1) if t.ndim else t.astype(np.float64)
    p64 = p.astype(np.float64).reshape(t64.shape)
    sse = float(((t64 - p64) ** 2).sum())
    sst = float(((t64 - t64.mean(axis=0)) ** 2).sum())
    if sst == 0:
        return 1.0 if sse == 0 else 0.0
    return 1.0 - sse / sst


def binary_accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """The fraction of elements where prediction and target lie on one side of 0.5."""
    t, p = _pair(y_true, y_pred, "binary_accuracy")
    return float(np.mean((p > 0.5) == (t > 0.5))) if t.size else 0.0


def _rows(y: np.ndarray, where: str, name: str) -> np.ndarray:
    if y.ndim != 2 or y.shape[1] < 2:
        raise ValueError(
            f"{where}: {name} must be (samples, classes) with at least 2 classes, got {y.shape}"
        )
    return y


def categorical_accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """The fraction of rows whose largest prediction is at the target row's largest value
    (one-hot targets; ties go to the first, as numpy's and Keras' argmax)."""
    t, p = _pair(y_true, y_pred, "categorical_accuracy")
    _rows(p, "categorical_accuracy", "y_pred")
    return float(np.mean(p.argmax(axis=1) == t.argmax(axis=1))) if len(t) else 0.0


def _labels(y_true: ArrayLike, y_pred: ArrayLike, where: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if p.dtype.kind not in "biuf":
        raise TypeError(f"{where}: y_pred must hold numbers, got dtype {p.dtype}")
    _rows(p, where, "y_pred")
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.shape != (len(p),) or t.dtype.kind not in "biuf" or (t != np.round(t)).any():
        raise ValueError(
            f"{where}: y_true must be {len(p)} whole class labels (shape ({len(p)},)), got "
            f"{t.dtype} of shape {t.shape}"
        )
    if ((t < 0) | (t >= p.shape[1])).any():
        raise ValueError(f"{where}: y_true holds labels outside [0, {p.shape[1]})")
    return t.astype(np.int64), p


def sparse_categorical_accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """categorical_accuracy with integer class labels as targets."""
    t, p = _labels(y_true, y_pred, "sparse_categorical_accuracy")
    return float(np.mean(p.argmax(axis=1) == t)) if len(t) else 0.0


def _top_k(labels: np.ndarray, p: np.ndarray, k, where: str) -> float:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{where}: k must be an int >= 1, got {k!r}")
    if not len(labels):
        return 0.0
    # In the top k: fewer than k classes score above the target's (ties are in, as
    # tf.math.in_top_k and Keras count them).
    above = (p > p[np.arange(len(p)), labels][:, None]).sum(axis=1)
    return float(np.mean(above < k))


def top_k_categorical_accuracy(y_true: ArrayLike, y_pred: ArrayLike, k: int = 5) -> float:
    """The fraction of rows whose target class (the one-hot row's argmax) is among the k
    largest predictions."""
    t, p = _pair(y_true, y_pred, "top_k_categorical_accuracy")
    _rows(p, "top_k_categorical_accuracy", "y_pred")
    return _top_k(t.argmax(axis=1), p, k, "top_k_categorical_accuracy")


def sparse_top_k_categorical_accuracy(y_true: ArrayLike, y_pred: ArrayLike, k: int = 5) -> float:
    """top_k_categorical_accuracy with integer class labels as targets."""
    t, p = _labels(y_true, y_pred, "sparse_top_k_categorical_accuracy")
    return _top_k(t, p, k, "sparse_top_k_categorical_accuracy")


#: Keras' AUC thresholds: i / 199 for i in 0..199 (the fused loop's histogram has a bucket each).
AUC_THRESHOLDS = 200


def auc(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Keras' AUC (the ROC curve at 200 thresholds i / 199, the trapezoid rule) of
    probabilities ``y_pred`` in [0, 1] against binary targets (positive above 0.5): what
    ``compile(metrics=["auc"])`` reports. :func:`roc_auc` is the exact area from the ranks."""
    t, p = _pair(y_true, y_pred, "auc")
    t, p = t.ravel(), p.astype(np.float64).ravel()
    if ((p < 0) | (p > 1)).any():
        raise ValueError("auc: y_pred must be probabilities in [0, 1]")
    positives, negatives = auc_histograms(t > 0.5, p)
    return auc_from_histograms(positives, negatives)


def auc_histograms(positive: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts of the positives' and the negatives' outputs per bucket max(ceil(p * 199) - 1, 0):
    those above threshold i / 199 are in buckets i and up."""
    at = np.ceil(np.asarray(p, dtype=np.float64) * (AUC_THRESHOLDS - 1)) - 1
    buckets = np.where(at > 0, np.minimum(at, AUC_THRESHOLDS - 1), 0).astype(np.int64)
    positive = np.asarray(positive, dtype=bool)
    return (
        np.bincount(buckets[positive], minlength=AUC_THRESHOLDS).astype(np.float64),
        np.bincount(buckets[~positive], minlength=AUC_THRESHOLDS).astype(np.float64),
    )


def auc_from_histograms(positives: ArrayLike, negatives: ArrayLike) -> float:
    """The ROC AUC of the fused loop's histograms, as Keras' AUC computes it: true and false
    positive rates at each threshold, trapezoids between them. 0.0 without a positive or
    without a negative (Keras' divide_no_nan)."""
    pos, neg = np.asarray(positives, np.float64), np.asarray(negatives, np.float64)
    tp = np.cumsum(pos[::-1])[::-1]  # samples above threshold i: buckets i and up
    fp = np.cumsum(neg[::-1])[::-1]
    tpr = tp / tp[0] if tp[0] else np.zeros_like(tp)
    fpr = fp / fp[0] if fp[0] else np.zeros_like(fp)
    return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))


def total_squares(y: np.ndarray) -> float:
    """r2's total sum of squares: of each output's targets around their own mean, summed."""
    t64 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    return float(((t64 - t64.mean(axis=0)) ** 2).sum())


def r2_from_sums(squared_error: float, y: np.ndarray, sst: float | None = None) -> float:
    """r2 from the fused loop's sum of squared errors and the targets it was measured on
    (`sst`: their :func:`total_squares`, if already computed)."""
    sst = total_squares(y) if sst is None else sst
    if sst == 0:
        return 1.0 if squared_error == 0 else 0.0
    return 1.0 - squared_error / sst


def roc_auc(y_true: ArrayLike, y_score: ArrayLike) -> float:
    """The area under the ROC curve of binary targets (0/1) and scores: the probability that
    a random positive scores above a random negative, ties counting one half (exact, from the
    ranks; Keras' AUC approximates it with 200 thresholds)."""
    t, s = _pair(y_true, y_score, "roc_auc")
    t, s = t.ravel(), s.astype(np.float64).ravel()
    if not np.isin(t, (0, 1)).all():
        raise ValueError("roc_auc: y_true must hold the labels 0 and 1 only")
    positives = int(t.sum())
    negatives = t.size - positives
    if positives == 0 or negatives == 0:
        raise ValueError("roc_auc: y_true needs both a positive and a negative sample")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(s.size, dtype=np.float64)
    sorted_scores = s[order]
    # Average ranks (1-based) over runs of equal scores.
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], s.size]
    for lo, hi in zip(starts, ends, strict=True):
        ranks[order[lo:hi]] = (lo + 1 + hi) / 2
    rank_sum = float(ranks[t == 1].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def confusion_matrix(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None
) -> np.ndarray:
    """counts[i, j]: samples of class labels[i] predicted as labels[j] (int64).

    y_true and y_pred are class labels (any sortable values, 1-D); labels defaults to the
    sorted union of both. For probabilities, pass ``model.predict(X).argmax(axis=1)`` (or
    ``> 0.5`` for one sigmoid output) as y_pred.
    """
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.ndim != 1 or p.shape != t.shape:
        raise ValueError(
            f"confusion_matrix: y_true and y_pred must be 1-D label arrays of one length, got "
            f"shapes {t.shape} and {p.shape}"
        )
    classes = np.unique(np.concatenate([t, p])) if labels is None else np.asarray(labels)
    if classes.ndim != 1 or len(np.unique(classes)) != len(classes):
        raise ValueError("confusion_matrix: labels must be a 1-D array of distinct labels")
    index = {label: i for i, label in enumerate(classes.tolist())}
    out = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for a, b in zip(t.tolist(), p.tolist(), strict=True):
        if a in index and b in index:
            out[index[a], index[b]] += 1
    return out


class TopKCategoricalAccuracy:
    """``compile(metrics=[TopKCategoricalAccuracy(k=3)])``: top-k accuracy with another k than
    the string name's 5 (one k per model). Reported as ``top_k_categorical_accuracy``."""

    name = "top_k_categorical_accuracy"

    def __init__(self, k: int = 5) -> None:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"{type(self).__name__}: k must be an int >= 1, got {k!r}")
        self.k = int(k)

    def __call__(self, y_true: ArrayLike, y_pred: ArrayLike) -> float:
        return top_k_categorical_accuracy(y_true, y_pred, self.k)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(k={self.k})"


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    """As :class:`TopKCategoricalAccuracy`, for integer class labels (the sparse loss)."""

    name = "sparse_top_k_categorical_accuracy"

    def __call__(self, y_true: ArrayLike, y_pred: ArrayLike) -> float:
        return sparse_top_k_categorical_accuracy(y_true, y_pred, self.k)


__all__ = [
    "AUC_THRESHOLDS",
    "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "auc",
    "auc_from_histograms",
    "auc_histograms",
    "binary_accuracy",
    "categorical_accuracy",
    "confusion_matrix",
    "precision",
    "r2",
    "r2_from_sums",
    "recall",
    "roc_auc",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
    "total_squares",
]
