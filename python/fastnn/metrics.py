"""Metrics of predictions against targets, in NumPy: what ``compile(metrics=[...])`` reports.

The fused training loop keeps the sums these are made of (correct answers, true and false
positives, squared errors) as it trains, so ``accuracy``, ``precision``, ``recall``, ``mae``,
``mse`` and ``r2`` cost nothing extra per epoch; the functions here compute the same numbers
from arrays, for use after ``predict``. ``roc_auc`` needs every score ranked, so it is a
function only.

Binary conventions are Keras': a probability counts as a positive prediction above 0.5, a
target counts as positive above 0.5, and multi-output arrays are counted element by element.
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


def r2_from_sums(squared_error: float, y: np.ndarray) -> float:
    """r2 from the fused loop's sum of squared errors and the targets it was measured on."""
    t64 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    sst = float(((t64 - t64.mean(axis=0)) ** 2).sum())
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


__all__ = ["confusion_matrix", "precision", "r2", "r2_from_sums", "recall", "roc_auc"]
