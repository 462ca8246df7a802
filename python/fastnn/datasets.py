"""Data sets to play with: TensorFlow Playground's generators, its input features, and the
user's own data.

* :func:`make_playground` draws one of Playground's 2-D data sets with its own formulas
  (``tensorflow/playground``, ``src/dataset.ts``), and the chapter's weather example;
* :func:`playground_features` computes Playground's input features (``x1``, ``x1^2``,
  ``sin_x1``, ...) from the two coordinates;
* :func:`train_test_split`, :func:`load_csv` (and :func:`parse_csv`, the one CSV reader) and
  :func:`label_classes` prepare data of one's own.

docs/playground.md writes out every generator's formulas.
"""

from __future__ import annotations

import csv
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "CLASSIFICATION",
    "DATASETS",
    "FEATURES",
    "PLAYGROUND_DOMAIN",
    "REGRESSION",
    "CSVTable",
    "CSVTooLarge",
    "guess_problem",
    "label_classes",
    "load_csv",
    "make_playground",
    "parse_csv",
    "playground_features",
    "train_test_split",
]

#: The data sets with class labels 0/1.
CLASSIFICATION = ("circle", "xor", "gauss", "spiral", "weather")
#: The data sets with continuous labels.
REGRESSION = ("plane", "multi_gauss")
#: Every name :func:`make_playground` knows.
DATASETS = CLASSIFICATION + REGRESSION
#: Playground's names for its regression sets, accepted as aliases.
_ALIASES = {"reg-plane": "plane", "reg-gauss": "multi_gauss"}
#: The square Playground draws its data sets in, for both coordinates.
PLAYGROUND_DOMAIN = (-6.0, 6.0)

#: Playground's input features: name -> (formula of the coordinates x1, x2, label for plots).
FEATURES = {
    "x1": (lambda x1, x2: x1, "x1"),
    "x2": (lambda x1, x2: x2, "x2"),
    "x1^2": (lambda x1, x2: x1 * x1, "x1²"),
    "x2^2": (lambda x1, x2: x2 * x2, "x2²"),
    "x1x2": (lambda x1, x2: x1 * x2, "x1·x2"),
    "sin_x1": (lambda x1, x2: np.sin(x1), "sin(x1)"),
    "sin_x2": (lambda x1, x2: np.sin(x2), "sin(x2)"),
}

# The weather: a day's temperature (C) and air pressure (hPa), sunny when they add up to more
# than this; the ranges the days are drawn from.
_WEATHER_THRESHOLD = 1028.0
_WEATHER_TEMPERATURE = (-5.0, 35.0)
_WEATHER_PRESSURE = (990.0, 1040.0)


# ---- Playground's generators -----------------------------------------------------------------


def make_playground(
    name: str, n_samples: int = 500, noise: float = 0, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A TensorFlow Playground data set: ``X`` of shape (n_samples, 2) and its labels ``y``.

    Classification (``y`` int64, 0 or 1; Playground's -1 is 0 here): ``circle``, ``xor``,
    ``gauss``, ``spiral``, and ``weather`` (columns temperature in C and air pressure in hPa,
    1 = sunny). Regression (``y`` float64): ``plane``, ``multi_gauss`` (Playground's
    ``reg-plane`` and ``reg-gauss``, accepted too).

    ``noise`` is Playground's slider, 0 to 50: the generators use ``noise / 100`` as Playground
    does. ``seed`` (an int >= 0, a ``numpy.random.Generator`` or None for a fresh one) fixes
    the draw. The samples come shuffled, as Playground shuffles them before it splits them.
    Half of the samples (rounded up) are drawn for label 1, where a generator draws per class.
    docs/playground.md has every formula.
    """
    if not isinstance(name, str):
        raise TypeError(f"make_playground: name must be a string, got {type(name).__name__}")
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in DATASETS:
        raise ValueError(
            f"make_playground: unknown data set {name!r}; expected one of {', '.join(DATASETS)}"
        )
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ValueError(f"make_playground: n_samples must be an int >= 2, got {n_samples!r}")
    if (
        isinstance(noise, bool)
        or not isinstance(noise, (int, float, np.integer, np.floating))
        or not 0 <= noise <= 50
    ):
        raise ValueError(
            f"make_playground: noise must be a number in [0, 50] (Playground's scale), got {noise!r}"
        )
    rng = _rng(seed, "make_playground")
    X, y = _GENERATORS[key](int(n_samples), float(noise) / 100.0, rng)
    order = rng.permutation(X.shape[0])
    X = np.ascontiguousarray(X[order], dtype=np.float64)
    y = y[order]
    y = y.astype(np.int64) if key in CLASSIFICATION else y.astype(np.float64)
    return X, y


def _rng(seed, what: str) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise ValueError(f"{what}: seed must be an int >= 0, a Generator or None, got {seed!r}")
    return np.random.default_rng(seed)


def _halves(n: int) -> tuple[int, int]:
    """Samples for label 1 and for label 0: Playground draws n/2 of each."""
    return n - n // 2, n // 2


def _circle(n: int, noise: float, rng: np.random.Generator):
    radius = 5.0
    n_in, n_out = _halves(n)
    r = np.concatenate(
        [rng.uniform(0, radius * 0.5, n_in), rng.uniform(radius * 0.7, radius, n_out)]
    )
    angle = rng.uniform(0, 2 * math.pi, n)
    x1, x2 = r * np.sin(angle), r * np.cos(angle)
    noise1 = rng.uniform(-radius, radius, n) * noise
    noise2 = rng.uniform(-radius, radius, n) * noise
    y = np.hypot(x1 + noise1, x2 + noise2) < radius * 0.5
    return np.column_stack([x1, x2]), y


def _xor(n: int, noise: float, rng: np.random.Generator):
    padding = 0.3
    x1, x2 = rng.uniform(-5, 5, n), rng.uniform(-5, 5, n)
    x1 += np.where(x1 > 0, padding, -padding)
    x2 += np.where(x2 > 0, padding, -padding)
    noise1 = rng.uniform(-5, 5, n) * noise
    noise2 = rng.uniform(-5, 5, n) * noise
    y = (x1 + noise1) * (x2 + noise2) >= 0
    return np.column_stack([x1, x2]), y


def _gauss(n: int, noise: float, rng: np.random.Generator):
    variance = 0.5 + noise * (4.0 - 0.5) / 0.5  # Playground: noise 0..0.5 -> variance 0.5..4
    n_pos, n_neg = _halves(n)
    centers = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [n_pos, n_neg], axis=0)
    X = centers + math.sqrt(variance) * rng.standard_normal((n, 2))
    y = np.repeat([True, False], [n_pos, n_neg])
    return X, y


def _spiral(n: int, noise: float, rng: np.random.Generator):
    arms = []
    for count, delta, label in zip(_halves(n), (0.0, math.pi), (True, False), strict=True):
        i = np.arange(count)
        r = i / count * 5
        t = 1.75 * i / count * 2 * math.pi + delta
        x1 = r * np.sin(t) + rng.uniform(-1, 1, count) * noise
        x2 = r * np.cos(t) + rng.uniform(-1, 1, count) * noise
        arms.append((np.column_stack([x1, x2]), np.full(count, label)))
    return np.concatenate([a[0] for a in arms]), np.concatenate([a[1] for a in arms])


def _plane(n: int, noise: float, rng: np.random.Generator):
    radius = 6.0
    x1, x2 = rng.uniform(-radius, radius, n), rng.uniform(-radius, radius, n)
    noise1 = rng.uniform(-radius, radius, n) * noise
    noise2 = rng.uniform(-radius, radius, n) * noise
    y = ((x1 + noise1) + (x2 + noise2)) / 10.0  # Playground: [-10, 10] -> [-1, 1], unclamped
    return np.column_stack([x1, x2]), y


# (center x1, center x2, sign) of the six bumps of Playground's regressGaussian.
_BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
)


def _multi_gauss(n: int, noise: float, rng: np.random.Generator):
    radius = 6.0
    x1, x2 = rng.uniform(-radius, radius, n), rng.uniform(-radius, radius, n)
    noise1 = rng.uniform(-radius, radius, n) * noise
    noise2 = rng.uniform(-radius, radius, n) * noise
    px, py = x1 + noise1, x2 + noise2
    # Each bump: sign * clamp(1 - distance / 2, 0, 1); the label is the one largest in |.|,
    # the first of equals (Playground's strict ">" in its loop).
    dist = np.hypot(px[:, None] - _BUMPS[:, 0], py[:, None] - _BUMPS[:, 1])
    values = _BUMPS[:, 2] * np.clip(1.0 - dist / 2.0, 0.0, 1.0)
    y = values[np.arange(n), np.argmax(np.abs(values), axis=1)]
    return np.column_stack([x1, x2]), y


def _weather(n: int, noise: float, rng: np.random.Generator):
    (t_low, t_high), (p_low, p_high) = _WEATHER_TEMPERATURE, _WEATHER_PRESSURE
    temperature, pressure = rng.uniform(t_low, t_high, n), rng.uniform(p_low, p_high, n)
    # Noise as Playground's: up to +-half of each range, times noise / 100.
    noise_t = rng.uniform(-1, 1, n) * (t_high - t_low) / 2 * noise
    noise_p = rng.uniform(-1, 1, n) * (p_high - p_low) / 2 * noise
    y = (temperature + noise_t) + (pressure + noise_p) > _WEATHER_THRESHOLD
    return np.column_stack([temperature, pressure]), y


_GENERATORS = {
    "circle": _circle,
    "xor": _xor,
    "gauss": _gauss,
    "spiral": _spiral,
    "weather": _weather,
    "plane": _plane,
    "multi_gauss": _multi_gauss,
}


# ---- input features --------------------------------------------------------------------------


def playground_features(X: ArrayLike, names: Sequence[str] | str) -> np.ndarray:
    """Playground's input features of the points ``X`` (n, 2): one column per name, in order.

    Names: ``x1``, ``x2``, ``x1^2``, ``x2^2``, ``x1x2``, ``sin_x1``, ``sin_x2`` (a list, or one
    comma-separated string). The result has X's dtype when it is floating, else float64.
    """
    if isinstance(names, str):
        names = [part.strip() for part in names.split(",") if part.strip()]
    names = list(names)
    if not names:
        raise ValueError(
            "playground_features: names is empty; give at least one, e.g. ['x1', 'x2']"
        )
    for name in names:
        if name not in FEATURES:
            raise ValueError(
                f"playground_features: unknown feature {name!r}; expected some of {', '.join(FEATURES)}"
            )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"playground_features: feature {repeated[0]!r} is listed twice")
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"playground_features: X must have shape (n, 2), the points' two coordinates, got {X.shape}"
        )
    if X.dtype.kind not in "fiub":
        raise TypeError(f"playground_features: X must hold numbers, got dtype {X.dtype}")
    dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)
    X = X.astype(dtype, copy=False)
    x1, x2 = X[:, 0], X[:, 1]
    out = np.empty((X.shape[0], len(names)), dtype=dtype)
    for j, name in enumerate(names):
        out[:, j] = FEATURES[name][0](x1, x2)
    return out


# ---- the user's own data ---------------------------------------------------------------------


def train_test_split(
    X: ArrayLike, y: ArrayLike, test_ratio: float = 0.5, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the samples and split them: returns ``X_train, X_test, y_train, y_test``.

    The training part gets ``floor(n * (1 - test_ratio))`` samples, as Playground's "ratio of
    training to test data" does; both parts must be non-empty.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("train_test_split: X and y must be arrays of samples")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"train_test_split: X has {X.shape[0]} samples but y has {y.shape[0]}")
    if (
        isinstance(test_ratio, bool)
        or not isinstance(test_ratio, (int, float, np.integer, np.floating))
        or not 0 < test_ratio < 1
    ):
        raise ValueError(f"train_test_split: test_ratio must be in (0, 1), got {test_ratio!r}")
    n = X.shape[0]
    n_train = math.floor(n * (1.0 - test_ratio) + 1e-9)
    if n_train < 1 or n_train >= n:
        raise ValueError(
            f"train_test_split: test_ratio={test_ratio} leaves no training or no test samples of {n}"
        )
    order = _rng(seed, "train_test_split").permutation(n)
    train, test = order[:n_train], order[n_train:]
    return X[train], X[test], y[train], y[test]


@dataclass
class CSVTable:
    """A CSV file read by :func:`parse_csv`: the inputs, the labels and where they came from."""

    #: The input columns, (rows, columns - 1) float64.
    X: np.ndarray
    #: The label column: float64 when every label is a number, else the labels' text (str).
    y: np.ndarray
    #: The input columns' names (``x1, x2, ...`` without a header) and the label's.
    input_names: list[str]
    target_name: str
    #: The label's column, 0-based, among all columns.
    column: int
    has_header: bool
    delimiter: str
    #: Each data row's line number in the file (1-based), for messages.
    lines: list[int]


class CSVTooLarge(ValueError):
    """A CSV file past a limit given to :func:`parse_csv` (rows or columns)."""


def parse_csv(
    data: bytes | str,
    target: int | str | None = -1,
    *,
    source: str = "the CSV file",
    max_rows: int | None = None,
    max_inputs: int | None = None,
) -> CSVTable:
    """Read CSV text (bytes are decoded as UTF-8): numeric input columns and a label column.

    The one CSV reader of fastnn: :func:`load_csv`, ``fastnn playground --data`` and the
    playground page's upload all read files with it. The label is the column ``target``: an
    index (negative from the end; None or -1: the last) or a header's column name; a string
    of digits is an index unless the header has a column of that name. The labels may be
    numbers or words (``cat``, ``dog``); every other field must be a finite number.

    The first row is a header when one of its fields is not a number where the row below has
    a number (a label column of words is words throughout), or when it is the only row and
    holds no number. Fields are separated by commas, or by semicolons or
    tabs when the first row has no comma; blank lines and lines starting with ``#`` are
    skipped; a UTF-8 byte-order mark is fine; each line is parsed on its own (a quote left open
    does not swallow the lines after it).

    Raises ``ValueError`` naming ``source``, the line and the column for a file that is not
    like that, and :class:`CSVTooLarge` past ``max_rows`` data rows or ``max_inputs`` input
    columns.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{source}: not UTF-8 text (byte {error.start} is {error.object[error.start]:#04x}); "
                "save the file as UTF-8 (or ASCII) CSV"
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise ValueError(f"{source}: no data (the file is empty)")
    if max_rows is not None and len(lines) > max_rows + 1:
        raise CSVTooLarge(f"{source}: over {max_rows:,} rows; at most {max_rows:,}")
    first = lines[0][1]
    delimiter = ","
    if "," not in first:
        delimiter = next((d for d in (";", "\t") if d in first), ",")

    def fields_of(number: int, line: str) -> list[str]:
        # Line by line: a quote left open must not swallow the lines after it.
        try:
            fields = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error as error:
            raise ValueError(f"{source}, line {number}: {error}") from None
        return [field.strip() for field in fields]

    rows = [fields_of(number, line) for number, line in lines]
    width = len(rows[0])
    if width < 2:
        raise ValueError(
            f"{source}, line {lines[0][0]}: found 1 column; need at least two columns, the "
            "inputs and a label (separated by commas)"
        )
    if max_inputs is not None and width - 1 > max_inputs:
        raise CSVTooLarge(
            f"{source}: {width - 1} input columns besides the label; at most {max_inputs}"
        )
    second = rows[1] if len(rows) > 1 else None
    has_header = (
        second is not None
        and any(
            _number(a) is None and _number(b) is not None
            for a, b in zip(rows[0], second, strict=False)
        )
    ) or (second is None and all(_number(f) is None for f in rows[0]))
    header = rows[0] if has_header else None
    names = header or [f"x{j}" for j in range(1, width)] + ["y"]
    column = _target_column(target, names, has_header, width, source)
    body = list(zip((n for n, _ in lines), rows, strict=True))[1 if has_header else 0 :]
    if not body:
        raise ValueError(f"{source}: no data rows after the header (line {lines[0][0]})")
    if max_rows is not None and len(body) > max_rows:
        raise CSVTooLarge(f"{source}: over {max_rows:,} rows; at most {max_rows:,}")
    X = np.empty((len(body), width - 1), dtype=np.float64)
    labels: list[str] = []
    label_values: list[float | None] = []
    for r, (number, fields) in enumerate(body):
        if len(fields) != width:
            raise ValueError(
                f"{source}, line {number}: expected {width} fields, found {len(fields)}"
            )
        k = 0
        for j, field in enumerate(fields):
            value = _number(field)
            if j == column:
                if field == "":
                    raise ValueError(f"{source}, line {number}, column {j + 1}: the label is empty")
                if value is not None and not math.isfinite(value):
                    raise ValueError(
                        f"{source}, line {number}, column {j + 1}: {field!r} is not a finite number"
                    )
                labels.append(field)
                label_values.append(value)
                continue
            if value is None or not math.isfinite(value):
                what = "a number" if value is None else "a finite number"
                raise ValueError(
                    f"{source}, line {number}, column {j + 1}: {field!r} is not {what}"
                )
            X[r, k] = value
            k += 1
    if all(v is not None for v in label_values):
        y = np.array(label_values, dtype=np.float64)
    else:
        y = np.array(labels, dtype=str)
    return CSVTable(
        X=X,
        y=y,
        input_names=[name for j, name in enumerate(names) if j != column],
        target_name=names[column],
        column=column,
        has_header=has_header,
        delimiter=delimiter,
        lines=[number for number, _ in body],
    )


def load_csv(
    path: str | os.PathLike, target: int | str = -1, return_names: bool = False
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, list[str], str]:
    """Read a CSV file: returns ``(X, y)``, X float64, y the ``target`` column.

    ``y`` is float64 when every label is a number, else the labels' text (a NumPy str array:
    ``cat``, ``dog``); :func:`label_classes` turns either into class indices and names.
    ``target`` is a column index (negative counts from the end; the default is the last
    column) or, when the file has a header, a column name. The header is optional: a first row
    with a word above a number is one. Fields are separated by commas (or semicolons or tabs,
    when the first row has no comma); blank lines and lines starting with ``#`` are skipped.
    With ``return_names=True`` also returns the feature names and the target's name (``x1``,
    ``x2``, ..., ``y`` without a header). :func:`parse_csv` is the reader, and says more.

    A file that is not like that raises ``ValueError`` naming the file and the line.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    table = parse_csv(data, target, source=path)
    if return_names:
        return table.X, table.y, table.input_names, table.target_name
    return table.X, table.y


def label_classes(y: ArrayLike) -> tuple[np.ndarray, list[str]]:
    """Class indices ``0..k-1`` (int64) of labels ``y`` and the ``k`` classes' names.

    The order is fixed by the labels' values alone: numbers in increasing order, named as
    ``%g`` (``-1``, ``1``, ``2.5``); labels that are not all numbers (words such as ``cat``,
    ``dog``) in sorted text order. The same labels always give the same classes.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"label_classes: y must be one label per sample, got shape {y.shape}")
    if y.dtype.kind in "fiub":
        values, indices = np.unique(y.astype(np.float64), return_inverse=True)
        return indices.astype(np.int64), [f"{v:g}" for v in values]
    names, indices = np.unique(y.astype(str), return_inverse=True)
    return indices.astype(np.int64), [str(name) for name in names]


def guess_problem(y: ArrayLike, max_classes: int | None = None) -> str:
    """``classification`` for labels that are words or whole numbers (at most ``max_classes``
    distinct ones, when given), else ``regression``."""
    y = np.asarray(y)
    if y.dtype.kind not in "fiub":
        return "classification"
    whole = bool(np.all(y == np.round(y)))
    if whole and (max_classes is None or len(np.unique(y)) <= max_classes):
        return "classification"
    return "regression"


def _is_index(text: str) -> bool:
    return re.fullmatch(r"[+-]?\d+", text.strip()) is not None


def _number(field: str) -> float | None:
    try:
        return float(field)
    except ValueError:
        return None


def _target_column(target, names: list[str], has_header: bool, width: int, source: str) -> int:
    if target is None:
        return width - 1
    if isinstance(target, str):
        if has_header and target in names:
            return names.index(target)
        if _is_index(target):
            target = int(target)
        elif not has_header:
            raise ValueError(f"target {target!r} is a column name, but {source} has no header row")
        else:
            raise ValueError(f"{source} has no column {target!r}; its columns: {', '.join(names)}")
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)):
        raise TypeError(f"target must be a column index or name, got {type(target).__name__}")
    if not -width <= target < width:
        raise ValueError(f"target={target} is not a column of {source}'s {width} columns")
    return int(target) % width
