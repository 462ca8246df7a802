"""``fastnn playground --serve``: TensorFlow Playground in the browser, trained on fastnn's core.

A standard-library HTTP server (:class:`http.server.ThreadingHTTPServer`): the page
(``static/``), a small JSON API under ``/api/`` and a Server-Sent Events stream of frames per
run. Every run (a browser tab) has its own model, data and training thread; the thread keeps
only the latest frame, so a slow browser skips frames and nothing queues up. docs/web.md
describes the API.

    from fastnn.playground.server import make_server
    server = make_server(port=0)          # 127.0.0.1, a free port
    print(server.url); server.serve_forever()
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import secrets
import socket
import tempfile
import threading
import time
import warnings
import zlib
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np

from fastnn import datasets as _datasets
from fastnn import tables as _tables
from fastnn.playground import HIDDEN_ACTIVATIONS

__all__ = ["DEFAULTS", "ApiError", "FrameSlot", "Run", "make_multiclass", "make_server", "serve"]

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")

# ---- limits and choices ----------------------------------------------------------------------

BUILTIN = ("circle", "xor", "gauss", "spiral", "plane", "multi_gauss")
REGRESSION_SETS = ("plane", "multi_gauss")
MULTICLASS_SETS = ("gauss", "spiral")  # these can draw 3 or more classes
FEATURES = tuple(_datasets.FEATURES)  # Playground's order
# Every activation a hidden layer can learn with (the command line's too), Playground's four
# first; every optimizer of the core's table, SGD (Playground's) first.
_PLAYGROUND_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
ACTIVATIONS = _PLAYGROUND_ACTIVATIONS + tuple(
    a for a in HIDDEN_ACTIVATIONS if a not in _PLAYGROUND_ACTIVATIONS
)
OPTIMIZERS = ("sgd", *(o for o in _tables.OPTIMIZERS if o != "sgd"))
# The losses that fit an output: for regression (a linear unit) mse, mae and huber; for two
# classes (a sigmoid unit) binary cross-entropy or mse; for more (softmax) sparse categorical
# cross-entropy. categorical_crossentropy and kl_divergence are that one on one-hot labels;
# hinge wants a tanh unit and labels -1/1, not the probability the page draws.
LOSSES_FOR = {
    "regression": ("mse", "mae", "huber"),
    "binary": ("binary_crossentropy", "mse"),
    "multiclass": ("sparse_categorical_crossentropy",),
}
LOSSES = ("auto", "mse", "mae", "huber", "binary_crossentropy", "sparse_categorical_crossentropy")
# Settings a running network takes on as it is (Playground's learning rate and batch size);
# any other change builds the network anew.
# The fields that make other data; any other change keeps the points unless asked.
DATA_FIELDS = ("dataset", "classes", "noise", "train_ratio", "samples", "seed", "plane", "problem")
LIVE_FIELDS = {"learning_rate", "batch_size", "epochs_per_frame", "stop_epoch", "stop_test_loss"}
MAX_LAYERS = 8  # Playground stops at 6 hidden layers of 8 neurons
MAX_UNITS = 32
# Classes on the page: as many as it has distinct colours (fastnn.playground.CLASS_COLORS,
# 12), and a confusion matrix that still fits its column.
MAX_CLASSES = 12
MAX_RUNS = 32
MAX_JSON_BYTES = 64 * 1024
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 20000
MAX_CSV_COLUMNS = 64  # input columns, besides the label
# The page's link carries an uploaded CSV packed (deflate + base64url) up to this many
# characters, so that the whole link stays under 8,000 (RFC 9110 asks every URL handler to take
# that many); a larger file is left out of the link, and the page says so.
MAX_LINK_CSV = 7000
MAX_POINTS = 20000
NEURON_GRID = 24  # the neurons' pictures, NEURON_GRID x NEURON_GRID samples of the plane
OUTPUT_GRID = 64  # the output's decision regions
PIECE_SECONDS = 0.05  # training runs in calls of fit this long (the run's lock is held)
FRAME_SECONDS = 0.25  # and a frame's training stops starting new ones after this long
MAX_FPS = 30.0  # frames a second while playing, at most (the page draws at most this many)
HISTORY_POINTS = 2000  # loss-chart points kept per run (thinned by halves beyond)

DEFAULTS = {
    "dataset": "circle",
    "classes": 2,
    "noise": 0,
    "train_ratio": 50,
    "samples": 500,
    "batch_size": 10,
    "features": ["x1", "x2"],
    "hidden": [4, 2],
    "activation": "tanh",
    "learning_rate": 0.03,
    "optimizer": "sgd",
    "loss": "auto",
    "regularization": "none",
    "reg_rate": 0.0,
    "problem": "classification",
    "seed": 1,
    "plane": [0, 1],
    "epochs_per_frame": 5,
    "stop_epoch": 0,
    "stop_test_loss": 0.0,
}


class ApiError(Exception):
    """A request the API refuses: an HTTP status (4xx) and a message for the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


# ---- validating a configuration --------------------------------------------------------------


def _int(raw, name: str, low: int, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != int(raw):
        raise _bad(f"{name} must be a whole number, got {raw!r}")
    value = int(raw)
    if not low <= value <= high:
        raise _bad(f"{name} must be between {low} and {high}, got {value}")
    return value


def _float(raw, name: str, low: float, high: float, low_open: bool = False) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise _bad(f"{name} must be a finite number, got {raw!r}")
    value = float(raw)
    if value < low or value > high or (low_open and value == low):
        bracket = "(" if low_open else "["
        raise _bad(f"{name} must be in {bracket}{low:g}, {high:g}], got {value:g}")
    return value


def _choice(raw, name: str, choices) -> str:
    if raw not in choices:
        raise _bad(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def validate_config(raw: object, base: dict | None = None) -> dict:
    """A complete configuration from ``raw`` (fields over ``base``, else DEFAULTS); ApiError if bad."""
    if not isinstance(raw, dict):
        raise _bad("the configuration must be a JSON object")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise _bad(f"unknown field {unknown[0]!r}; the fields are {', '.join(DEFAULTS)}")
    c = dict(base or DEFAULTS)
    c.update(raw)
    out = {
        "dataset": _choice(c["dataset"], "dataset", (*BUILTIN, "csv")),
        "classes": _int(c["classes"], "classes", 2, MAX_CLASSES),
        "noise": _float(c["noise"], "noise", 0, 50),
        "train_ratio": _int(c["train_ratio"], "train_ratio", 10, 90),
        "samples": _int(c["samples"], "samples", 20, 5000),
        "batch_size": _int(c["batch_size"], "batch_size", 1, 500),
        "activation": _choice(c["activation"], "activation", ACTIVATIONS),
        "learning_rate": _float(c["learning_rate"], "learning_rate", 0, 10, low_open=True),
        "optimizer": _choice(c["optimizer"], "optimizer", OPTIMIZERS),
        "loss": _choice(c["loss"], "loss", LOSSES),
        "regularization": _choice(c["regularization"], "regularization", ("none", "l1", "l2")),
        "reg_rate": _float(c["reg_rate"], "reg_rate", 0, 10),
        "problem": _choice(c["problem"], "problem", ("classification", "regression")),
        "seed": _int(c["seed"], "seed", 0, 2**31 - 1),
        "epochs_per_frame": _int(c["epochs_per_frame"], "epochs_per_frame", 1, 1000),
        "stop_epoch": _int(c["stop_epoch"], "stop_epoch", 0, 10**7),
        "stop_test_loss": _float(c["stop_test_loss"], "stop_test_loss", 0, 1e6),
    }
    features = c["features"]
    if not isinstance(features, list) or not features:
        raise _bad("features must be a non-empty list, e.g. ['x1', 'x2']")
    for f in features:
        _choice(f, "a feature", FEATURES)
    if len(set(features)) != len(features):
        raise _bad("features lists a feature twice")
    out["features"] = [f for f in FEATURES if f in features]  # Playground's order
    hidden = c["hidden"]
    if not isinstance(hidden, list) or len(hidden) > MAX_LAYERS:
        raise _bad(f"hidden must be a list of at most {MAX_LAYERS} layer sizes")
    out["hidden"] = [_int(h, "a hidden layer's size", 1, MAX_UNITS) for h in hidden]
    plane = c["plane"]
    if not isinstance(plane, list) or len(plane) != 2:
        raise _bad("plane must be a pair of input column indices, e.g. [0, 1]")
    out["plane"] = [_int(p, "plane", 0, MAX_CSV_COLUMNS) for p in plane]
    if out["plane"][0] == out["plane"][1]:
        raise _bad("plane needs two different columns")
    if out["dataset"] in BUILTIN:
        kind = "regression" if out["dataset"] in REGRESSION_SETS else "classification"
        if "problem" in raw and raw["problem"] != kind:
            raise _bad(f"{out['dataset']} is a {kind} data set, not {raw['problem']}")
        out["problem"] = kind
        if out["classes"] > 2 and out["dataset"] not in MULTICLASS_SETS:
            if "classes" in raw:
                raise _bad(
                    f"classes > 2 needs one of the data sets {', '.join(MULTICLASS_SETS)}, "
                    f"not {out['dataset']}"
                )
            out["classes"] = 2
        if kind == "regression":
            out["classes"] = 2
    return out


# ---- data ------------------------------------------------------------------------------------


def make_multiclass(
    name: str, classes: int, n_samples: int, noise: float, seed: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Gauss or spiral with ``classes`` classes (labels 0..classes-1), Playground's scale.

    Gauss: one blob per class, their centres on a circle of radius 3.5; the variance grows
    with the noise as Playground's (0.5 at noise 0, 4 at 50). Spiral: one arm per class,
    turned by 2π/classes from the last, Playground's arm formula.
    """
    rng = np.random.default_rng(seed)
    counts = [n_samples // classes + (c < n_samples % classes) for c in range(classes)]
    parts, labels = [], []
    for c, count in enumerate(counts):
        if name == "gauss":
            angle = 2 * math.pi * c / classes
            variance = 0.5 + noise / 100 * (4.0 - 0.5) / 0.5
            center = 3.5 * np.array([math.cos(angle), math.sin(angle)])
            parts.append(center + math.sqrt(variance) * rng.standard_normal((count, 2)))
        elif name == "spiral":
            i = np.arange(count)
            r = i / count * 5
            t = 1.75 * i / count * 2 * math.pi + 2 * math.pi * c / classes
            x1 = r * np.sin(t) + rng.uniform(-1, 1, count) * noise / 100
            x2 = r * np.cos(t) + rng.uniform(-1, 1, count) * noise / 100
            parts.append(np.column_stack([x1, x2]))
        else:
            raise ValueError(f"make_multiclass: {name!r} is not gauss or spiral")
        labels.append(np.full(count, c))
    X, y = np.concatenate(parts), np.concatenate(labels)
    order = rng.permutation(len(X))
    return np.ascontiguousarray(X[order]), y[order].astype(np.int64)


class Dataset:
    """Points in the user's units, their labels, and how to show them."""

    def __init__(self, X, y, problem, class_labels, input_names, domain, standardize, name):
        self.X = np.asarray(X, dtype=np.float64)
        self.y = np.asarray(y)
        self.problem = problem
        self.class_labels = class_labels
        self.input_names = input_names
        self.domain = domain  # per plane axis (low, high), None: from the data
        self.standardize = standardize
        self.name = name


def _builtin(config: dict) -> Dataset:
    from fastnn import datasets

    name = config["dataset"]
    n, noise, seed = config["samples"], config["noise"], config["seed"]
    if config["classes"] > 2:
        X, y = make_multiclass(name, config["classes"], n, noise, seed)
    else:
        X, y = datasets.make_playground(name, n, noise, seed)
    problem = "regression" if name in REGRESSION_SETS else "classification"
    labels = [str(c) for c in range(config["classes"])] if problem == "classification" else []
    domain = datasets.PLAYGROUND_DOMAIN
    return Dataset(X, y, problem, labels, ["x1", "x2"], domain, False, name)


def parse_csv(data: bytes, target: str | None = None, name: str | None = None) -> dict:
    """An uploaded CSV, read by :func:`fastnn.datasets.parse_csv` (the reader ``load_csv`` and
    the command line use): numeric input columns and a label column (words or numbers).

    The label is the last column unless ``target`` names another (a header name or an index).
    Returns the table, the file's bytes, its name and the link's packed copy (None when over
    MAX_LINK_CSV characters); ApiError 400 (413 past a limit) with the line for bad data.
    """
    from fastnn import datasets

    if len(data) > MAX_CSV_BYTES:
        raise ApiError(413, f"the CSV file is over {MAX_CSV_BYTES // 1024} KiB")
    try:
        table = datasets.parse_csv(
            data,
            None if target in (None, "") else target,
            max_rows=MAX_CSV_ROWS,
            max_inputs=MAX_CSV_COLUMNS,
        )
    except datasets.CSVTooLarge as error:
        raise ApiError(413, str(error)) from None
    except (ValueError, TypeError) as error:
        raise _bad(str(error)) from None
    if len(table.y) < 4:
        raise _bad("the CSV file needs at least 4 data rows")
    packed = pack_csv(data)
    return {
        "table": table,
        "data": data,
        "name": name,
        "link": packed if len(packed) <= MAX_LINK_CSV else None,
        "packed_size": len(packed),
    }


def pack_csv(data: bytes) -> str:
    """A CSV file as the page's link carries it: deflated (zlib), then base64url, no padding."""
    return base64.urlsafe_b64encode(zlib.compress(data, 9)).decode().rstrip("=")


def unpack_csv(text: bytes) -> bytes:
    """The CSV file of a link's :func:`pack_csv` text; ApiError for damaged or oversized data.
    Inflates at most MAX_CSV_BYTES (a small text cannot expand into a huge file)."""
    if len(text) > 4 * MAX_LINK_CSV:
        raise ApiError(413, f"the link's CSV data is over {4 * MAX_LINK_CSV} characters")
    try:
        raw = base64.urlsafe_b64decode(text.strip() + b"=" * (-len(text.strip()) % 4))
        inflate = zlib.decompressobj()
        data = inflate.decompress(raw, MAX_CSV_BYTES + 1)
    except (ValueError, zlib.error):
        raise _bad("the link's CSV data is damaged (copy the whole link)") from None
    if len(data) > MAX_CSV_BYTES or inflate.unconsumed_tail:
        raise ApiError(413, f"the link's CSV file is over {MAX_CSV_BYTES // 1024} KiB")
    if not inflate.eof:
        raise _bad("the link's CSV data is cut short (copy the whole link)")
    return data


def _csv_dataset(upload: dict, config: dict) -> Dataset:
    from fastnn import datasets

    table = upload["table"]
    problem = config["problem"]
    if problem == "classification":
        y, class_labels = datasets.label_classes(table.y)
        if len(class_labels) < 2:
            raise _bad("classification needs at least 2 classes; the label column has one value")
        if len(class_labels) > MAX_CLASSES:
            hint = " (or choose problem type regression)" if table.y.dtype.kind == "f" else ""
            raise _bad(
                f"the label column has {len(class_labels)} classes; the page shows at most "
                f"{MAX_CLASSES}{hint}"
            )
    else:
        if table.y.dtype.kind != "f":
            numbers = [_maybe_float(v) for v in table.y]
            bad = next(i for i, v in enumerate(numbers) if v is None)
            raise _bad(
                f"regression needs a numeric label column; line {table.lines[bad]} has "
                f"{str(table.y[bad])!r}"
            )
        y = table.y
        class_labels = []
    X = table.X
    columns = X.shape[1]
    i, j = config["plane"] if columns >= 2 else (0, 0)
    if columns >= 2 and max(i, j) >= columns:
        raise _bad(f"plane {[i, j]}: the CSV file has {columns} input columns (0 to {columns - 1})")
    return Dataset(X, y, problem, class_labels, table.input_names, None, True, "csv")


def _maybe_float(text: str):
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def default_problem(upload: dict) -> str:
    """Classification for words or whole-number labels of at most MAX_CLASSES values, else
    regression (:func:`fastnn.datasets.guess_problem`)."""
    from fastnn import datasets

    return datasets.guess_problem(upload["table"].y, max_classes=MAX_CLASSES)


# ---- frames ----------------------------------------------------------------------------------


class FrameSlot:
    """The latest frame of a run and its number: a queue of one. Publishing replaces the frame;
    a reader asks for a frame newer than the last it saw and gets the newest, skipping the rest.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.seq = 0
        self.text = None  # the frame, serialised once for every reader
        self.closed = False

    def publish(self, text: str) -> int:
        """Make ``text`` the newest frame, wake the readers; its number."""
        with self._cond:
            self.seq += 1
            self.text = text
            self._cond.notify_all()
            return self.seq

    def close(self) -> None:
        """No more frames: readers waiting in :meth:`next_after` return."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def next_after(self, seq: int, timeout: float) -> tuple[int, str | None]:
        """The newest frame after ``seq`` (waiting up to ``timeout`` s): (its seq, text) or
        (seq, None) when none came or the run closed."""
        with self._cond:
            self._cond.wait_for(lambda: self.seq > seq or self.closed, timeout)
            if self.seq > seq and self.text is not None:
                return self.seq, self.text
            return seq, None


def _encode(values: np.ndarray, scale: float = 1.0) -> str:
    """Values in [-scale, scale] as base64 bytes 0..255 (0 -> 127.5, clipped beyond)."""
    unit = np.clip(np.nan_to_num(values / scale), -1.0, 1.0)
    return base64.b64encode(np.round((unit + 1.0) * 127.5).astype(np.uint8).tobytes()).decode()


def _network_values(model, inputs: np.ndarray) -> list[np.ndarray]:
    from fastnn.playground import network_values

    return network_values(model, inputs)


_FIT_LOCK = threading.Lock()  # warnings.catch_warnings is process-wide: one fit at a time


class Run:
    """One page's training: a configuration, its data and model, and a thread that trains."""

    def __init__(self, run_id: str, config: dict, upload: dict | None = None) -> None:
        self.id = run_id
        self.lock = threading.RLock()
        self.wake = threading.Condition(self.lock)
        self.slot = FrameSlot()
        self.upload = upload
        self.playing = False
        self.steps = 0  # single epochs asked for by "step"
        self.closed = False
        self.touched = time.monotonic()
        self.max_fps = MAX_FPS
        self.reset(config)
        self.thread = threading.Thread(target=self._loop, name=f"fastnn-run-{run_id}", daemon=True)
        self.thread.start()

    # ---- building ------------------------------------------------------------------------

    def reset(self, config: dict, regenerate: bool = True) -> None:
        """New weights (from the seed) for ``config``; new data too when ``regenerate``."""
        with self.lock:
            if config["dataset"] == "csv":
                if self.upload is None:
                    raise _bad("dataset csv: upload a CSV file first (POST .../csv)")
                data = _csv_dataset(self.upload, config)
            else:
                data = _builtin(config)
            _output_kind(config, data)  # a loss that does not fit: refused before any change
            old = getattr(self, "config", None)
            if old is None or any(config[k] != old[k] for k in DATA_FIELDS):
                regenerate = True  # other data: the points (and added ones) cannot stay
            self.config = config
            if regenerate:
                self.data = data
                self._split()
            self._build_model()
            self.epoch = 0
            self.changed_while_training = False
            self.history = []  # [epoch, train loss, test loss]
            self.stopped = None
            self.playing = False
            self.steps = 0
            self._publish()

    def _split(self) -> None:
        from fastnn import datasets

        d = self.data
        ratio = self.config["train_ratio"] / 100
        X_train, X_test, y_train, y_test = datasets.train_test_split(
            d.X, d.y, test_ratio=1.0 - ratio, seed=np.random.default_rng((self.config["seed"], 1))
        )
        self.X_train, self.X_test, self.y_train, self.y_test = X_train, X_test, y_train, y_test
        columns = d.X.shape[1]
        self.mean = X_train.mean(axis=0) if d.standardize else np.zeros(columns)
        std = X_train.std(axis=0) if d.standardize else np.ones(columns)
        std[std == 0] = 1.0
        self.std = std
        self.plane = list(self.config["plane"]) if columns > 2 else [0, 1][:columns]
        # The square the plane shows: Playground's, or the data's range with a margin.
        if d.domain is not None:
            self.extent = [list(d.domain), list(d.domain)]
        else:
            self.extent = []
            for j in self.plane:
                low, high = float(d.X[:, j].min()), float(d.X[:, j].max())
                pad = 0.05 * (high - low) or 1.0
                self.extent.append([low - pad, high + pad])
            if len(self.plane) == 1:  # one input column: the plane's height is no input
                self.extent.append([0.0, 1.0])
        if d.problem == "regression":
            self.y_scale = max(1.0, float(np.abs(d.y).max()))
        else:
            self.y_scale = 1.0

    def uses_features(self) -> bool:
        """Whether the data has two inputs, so the network sees Playground's features of them."""
        return self.data.X.shape[1] == 2

    def inputs(self, points: np.ndarray) -> np.ndarray:
        """The model's inputs for points in the user's units."""
        from fastnn import datasets

        scaled = (points - self.mean) / self.std
        if self.uses_features():
            return datasets.playground_features(scaled, self.config["features"])
        return scaled

    def input_names(self) -> list[str]:
        """The names of the network's inputs: the chosen features, or the data's columns."""
        return list(self.config["features"]) if self.uses_features() else self.data.input_names

    def _grid(self, n: int) -> np.ndarray:
        """n x n points over the plane, row 0 at the top (largest second coordinate)."""
        (x_low, x_high), (y_low, y_high) = self.extent
        xs = np.linspace(x_low, x_high, n)
        ys = np.linspace(y_high, y_low, n)
        gx, gy = np.meshgrid(xs, ys)
        points = np.tile(self.mean, (n * n, 1))  # the other columns at their mean
        if len(self.plane) == 2:
            points[:, self.plane[0]] = gx.ravel()
            points[:, self.plane[1]] = gy.ravel()
        else:
            points[:, 0] = gx.ravel()
        return self.inputs(points)

    def output_kind(self) -> tuple[int, str, str]:
        """Units, activation and loss of the output layer."""
        return _output_kind(self.config, self.data)

    def _build_model(self) -> None:
        import fastnn as fnn

        c = self.config
        units, out_activation, loss = self.output_kind()
        regularizer = None
        if c["regularization"] != "none" and c["reg_rate"] > 0:
            regularizer = getattr(fnn.regularizers, c["regularization"])(c["reg_rate"])
        model = fnn.Sequential(seed=c["seed"])
        input_dim = len(self.input_names())
        sizes = [*c["hidden"], units]
        for index, size in enumerate(sizes):
            last = index == len(sizes) - 1
            model.add(
                fnn.Dense(
                    size,
                    activation=out_activation if last else c["activation"],
                    input_dim=input_dim if index == 0 else None,
                    kernel_regularizer=regularizer,
                )
            )
        metric = "mae" if self.data.problem == "regression" else "accuracy"
        model.compile(
            optimizer=fnn.optimizers.get(
                {"kind": c["optimizer"], "learning_rate": c["learning_rate"]}
            ),
            loss=loss,
            metrics=[metric],
        )
        self.model, self.metric, self.loss = model, metric, loss
        self.train_inputs = self.inputs(self.X_train)
        self.test_inputs = self.inputs(self.X_test)
        self._grids = {n: self._grid(n) for n in (NEURON_GRID, OUTPUT_GRID)}

    # ---- training ------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self.wake:
                self.wake.wait_for(lambda: self.closed or self.playing or self.steps > 0)
                if self.closed:
                    return
                started = time.monotonic()
                if self.playing:
                    epochs = self.config["epochs_per_frame"]
                else:
                    epochs, self.steps = 1, self.steps - 1
                try:
                    self._train(epochs)
                except Exception as error:  # never kill the thread: say it on the page
                    self.playing = False
                    self.stopped = f"training failed: {type(error).__name__}: {error}"
                self._publish()
                pace = 1.0 / self.max_fps if self.playing and self.max_fps else 0.0
            rest = pace - (time.monotonic() - started)
            if rest > 0:
                time.sleep(rest)

    def _train(self, epochs: int) -> None:
        c = self.config
        if c["stop_epoch"]:
            epochs = max(0, min(epochs, c["stop_epoch"] - self.epoch))
        # In pieces sized to take about PIECE_SECONDS, and no more pieces past FRAME_SECONDS:
        # a big network or file makes a frame hold fewer epochs, never block the run's lock
        # (pause, set a weight) for long.
        deadline = time.monotonic() + FRAME_SECONDS
        piece = 1
        while epochs > 0:
            started = time.monotonic()
            with _FIT_LOCK, warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self.model.fit(
                    self.train_inputs,
                    self.y_train,
                    epochs=self.epoch + piece,
                    initial_epoch=self.epoch,
                    batch_size=c["batch_size"],
                    verbose=0,
                )
            done = len(self.model.history.epoch)
            self.epoch += done
            epochs -= done
            if done < piece or any(issubclass(w.category, RuntimeWarning) for w in caught):
                reason = getattr(self.model.history, "stopped_reason", None)
                self.stopped = reason or "training stopped: the loss became NaN or infinite"
                self.playing = False
                return
            now = time.monotonic()
            if now > deadline:
                break
            per_epoch = max((now - started) / done, 1e-6)
            piece = max(1, min(epochs, int(PIECE_SECONDS / per_epoch)))
        if c["stop_epoch"] and self.epoch >= c["stop_epoch"]:
            self.stopped = f"stopped at epoch {self.epoch} (the stop condition)"
            self.playing = False

    def _losses(self) -> dict:
        m = self.model
        train = m.evaluate(self.train_inputs, self.y_train, return_dict=True)
        test = m.evaluate(self.test_inputs, self.y_test, return_dict=True)
        return {
            "train_loss": train["loss"],
            "test_loss": test["loss"],
            "train_" + self.metric: train[self.metric],
            "test_" + self.metric: test[self.metric],
        }

    def _confusion(self) -> list[list[int]] | None:
        if self.data.problem != "classification":
            return None
        k = len(self.data.class_labels)
        p = self.model.predict(self.test_inputs)
        predicted = (p[:, 0] > 0.5).astype(int) if p.shape[1] == 1 else p.argmax(axis=1)
        matrix = np.zeros((k, k), dtype=int)
        np.add.at(matrix, (self.y_test.astype(int), predicted), 1)
        return matrix.tolist()

    def frame(self) -> dict:
        """What the page draws: losses, weights, every neuron's picture over the plane."""
        with self.lock:
            logs = self._losses()
            if (
                self.config["stop_test_loss"]
                and logs["test_loss"] <= self.config["stop_test_loss"]
                and self.epoch > 0
                and self.stopped is None
            ):
                self.stopped = f"stopped at epoch {self.epoch}: test loss {logs['test_loss']:.4f} <= {self.config['stop_test_loss']:g}"
                self.playing = False
            if not self.history or self.history[-1][0] != self.epoch:
                self.history.append([self.epoch, logs["train_loss"], logs["test_loss"]])
                if len(self.history) > HISTORY_POINTS:
                    self.history = self.history[::2]
            small = _network_values(self.model, self._grids[NEURON_GRID])
            big = _network_values(self.model, self._grids[OUTPUT_GRID])
            grid_inputs = self._grids[NEURON_GRID]
            scale = np.abs(grid_inputs).max(axis=0)
            scale[scale == 0] = 1.0
            heatmaps = [[_encode(grid_inputs[:, i], scale[i]) for i in range(grid_inputs.shape[1])]]
            for values in small[:-1]:
                heatmaps.append([_encode(values[:, j]) for j in range(values.shape[1])])
            out = big[-1]
            if self.data.problem == "regression":
                output = [_encode(out[:, 0], self.y_scale)]
            elif out.shape[1] == 1:
                output = [_encode(2 * out[:, 0] - 1)]  # the probability of class 1, as -1..1
            else:
                output = [_encode(2 * out[:, j] - 1) for j in range(out.shape[1])]
            return {
                "seq": self.slot.seq + 1,
                "epoch": self.epoch,
                "playing": self.playing,
                "stopped": self.stopped,
                **{k: _finite(v) for k, v in logs.items()},
                "metric": self.metric,
                "confusion": self._confusion(),
                "weights": [_rounded(layer.kernel) for layer in self.model.layers],
                "biases": [_rounded(layer.bias) for layer in self.model.layers],
                "heatmaps": heatmaps,
                "output": output,
                "point": self.history[-1],
            }

    def _publish(self) -> None:
        self.slot.publish(json.dumps(self.frame(), allow_nan=False))

    # ---- controls ------------------------------------------------------------------------

    def play(self, playing: bool) -> None:
        """Start or pause training; playing past a reached stop epoch is a 409."""
        with self.lock:
            if playing and self.stopped and self.stopped.startswith("stopped at epoch"):
                self.stopped = None  # play again past a stop condition
                if self.config["stop_epoch"] and self.epoch >= self.config["stop_epoch"]:
                    raise ApiError(
                        409, f"the run reached its stop epoch {self.epoch}; raise it or reset"
                    )
            self.playing = playing
            if not playing:
                self._publish()
            self.wake.notify_all()

    def update_live(self, config: dict) -> None:
        """Settings of LIVE_FIELDS, applied from the next epoch on; the weights stay."""
        with self.lock:
            if self.epoch > 0 and any(
                config[k] != self.config[k] for k in ("learning_rate", "batch_size")
            ):
                self.changed_while_training = True
            self.config = config
            self.model.optimizer.learning_rate = config["learning_rate"]
            if self.stopped and self.stopped.startswith("stopped at epoch"):
                self.stopped = None  # a new stop condition is judged afresh
            self._publish()

    def step(self) -> None:
        """Pause, and train one more epoch (steps asked for add up, at most 100)."""
        with self.lock:
            self.playing = False
            self.steps = min(self.steps + 1, 100)
            self.wake.notify_all()

    def set_weight(self, body: dict) -> None:
        """Set one weight or bias from ``{layer, from, to, value}`` (``from`` an input index or
        "bias"); 400 names a field out of range."""
        _only(body, ("layer", "from", "to", "value"))
        with self.lock:
            layers = self.model.layers
            layer = _int(body.get("layer"), "layer", 0, len(layers) - 1)
            kernel = layers[layer].kernel
            to = _int(body.get("to"), "to", 0, kernel.shape[1] - 1)
            value = _float(body.get("value"), "value", -100, 100)
            source = body.get("from")
            if source == "bias":
                layers[layer].bias[to] = value
            else:
                kernel[_int(source, "from", 0, kernel.shape[0] - 1), to] = value
            self._publish()

    def add_point(self, body: dict) -> None:
        """Add a point ``{x, y, label, set}`` on the plane to the training or the test set (the
        other columns at their means); 409 past MAX_POINTS."""
        _only(body, ("x", "y", "label", "set"))
        with self.lock:
            d = self.data
            if len(self.X_train) + len(self.X_test) >= MAX_POINTS:
                raise ApiError(409, f"the run has {MAX_POINTS} points, the most it takes")
            x = _float(body.get("x"), "x", -1e9, 1e9)
            y = _float(body.get("y"), "y", -1e9, 1e9)
            if d.problem == "classification":
                label = _int(body.get("label"), "label", 0, len(d.class_labels) - 1)
            else:
                label = _float(body.get("label"), "label", -1e6, 1e6)
            point = self.mean.copy()
            if len(self.plane) != 2:
                raise _bad("this data has one input column: there is no plane to click")
            point[self.plane[0]], point[self.plane[1]] = x, y
            which = _choice(body.get("set", "train"), "set", ("train", "test"))
            if which == "train":
                self.X_train = np.vstack([self.X_train, point])
                self.y_train = np.append(self.y_train, label).astype(self.y_train.dtype)
                self.train_inputs = self.inputs(self.X_train)
            else:
                self.X_test = np.vstack([self.X_test, point])
                self.y_test = np.append(self.y_test, label).astype(self.y_test.dtype)
                self.test_inputs = self.inputs(self.X_test)
            self._publish()

    def close(self) -> None:
        """Stop the run for good: its training thread ends and its readers return."""
        with self.lock:
            self.closed = True
            self.playing = False
            self.wake.notify_all()
        self.slot.close()

    # ---- state and downloads -------------------------------------------------------------

    def state(self) -> dict:
        """Everything the page needs to draw the run: its settings, data, points, history and
        latest frame, as JSON-ready values."""
        with self.lock:
            d = self.data

            def points(X: np.ndarray, y: np.ndarray) -> list:
                coords = X[:, self.plane] if len(self.plane) == 2 else X[:, :1]
                return [
                    [round(float(a), 5) for a in row] + [_label(v)]
                    for row, v in zip(coords, y, strict=True)
                ]

            return {
                "id": self.id,
                "config": self.config,
                "problem": d.problem,
                "class_labels": d.class_labels,
                "input_names": self.input_names(),
                "columns": d.input_names,
                "plane": self.plane,
                "extent": self.extent,
                "means": [round(float(m), 5) for m in self.mean] if d.standardize else None,
                "y_scale": self.y_scale,
                "uses_features": self.uses_features(),
                "layer_sizes": [len(self.input_names())]
                + [layer.units for layer in self.model.layers],
                "activation": self.config["activation"],
                "output_activation": self.model.layers[-1].activation,
                "loss": self.loss,
                "train": points(self.X_train, self.y_train),
                "test": points(self.X_test, self.y_test),
                "history": self.history,
                "upload": None if self.upload is None else _upload_state(self.upload),
                "neuron_grid": NEURON_GRID,
                "output_grid": OUTPUT_GRID,
                "frame": json.loads(self.slot.text) if self.slot.text else None,
                "feature_pictures": self._feature_pictures(),
            }

    def _feature_pictures(self) -> dict | None:
        """Every Playground feature over the plane (the page shows the unused ones dimmed)."""
        from fastnn import datasets

        if not self.uses_features():
            return None
        n = NEURON_GRID
        (x_low, x_high), (y_low, y_high) = self.extent
        gx, gy = np.meshgrid(np.linspace(x_low, x_high, n), np.linspace(y_high, y_low, n))
        points = (np.column_stack([gx.ravel(), gy.ravel()]) - self.mean) / self.std
        values = datasets.playground_features(points, list(FEATURES))
        scale = np.abs(values).max(axis=0)
        scale[scale == 0] = 1.0
        return {name: _encode(values[:, j], scale[j]) for j, name in enumerate(FEATURES)}

    def model_bytes(self) -> bytes:
        """The trained model as a fastnn model file (what :func:`fastnn.load_model` reads)."""
        with self.lock, tempfile.TemporaryDirectory(prefix="fastnn-web-") as folder:
            path = os.path.join(folder, "model.fnn")
            self.model.save(path)
            with open(path, "rb") as f:
                return f.read()

    def code(self) -> str:
        """A Python script that builds the same data, network and training, and trains it."""
        with self.lock:
            return _code(self)


def _upload_state(upload: dict) -> dict:
    table = upload["table"]
    return {
        "rows": len(table.y),
        "columns": table.input_names,
        "target": table.target_name,
        "column": table.column,
        "name": upload["name"],
        "bytes": len(upload["data"]),
        "link": upload["link"],
        "packed_size": upload["packed_size"],
        "max_link": MAX_LINK_CSV,
    }


def _output_kind(c: dict, d: Dataset) -> tuple[int, str, str]:
    if d.problem == "regression":
        kind, units, activation, auto = "regression", 1, "linear", "mse"
        what = "regression"
    elif len(d.class_labels) == 2:
        kind, units, activation, auto = "binary", 1, "sigmoid", "binary_crossentropy"
        what = "2 classes"
    else:
        kind, units, activation = "multiclass", len(d.class_labels), "softmax"
        auto, what = "sparse_categorical_crossentropy", f"{len(d.class_labels)} classes"
    fits = LOSSES_FOR[kind]
    if c["loss"] not in ("auto", *fits):
        raise _bad(f"loss {c['loss']} does not fit {what}; use {' or '.join(fits)}")
    return units, activation, auto if c["loss"] == "auto" else c["loss"]


def _label(v):
    return int(v) if isinstance(v, (np.integer, int)) else round(float(v), 5)


def _finite(v: float):
    return float(v) if math.isfinite(v) else None


def _rounded(a: np.ndarray) -> list:
    return np.round(np.nan_to_num(a.astype(np.float64)), 5).tolist()


def _only(body, allowed) -> None:
    if not isinstance(body, dict):
        raise _bad("the request body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise _bad(f"unknown field {unknown[0]!r}; expected {', '.join(allowed)}")


def _code(run: Run) -> str:
    c, d = run.config, run.data
    units, out_activation, loss = run.output_kind()
    lines = [
        '"""Rebuild and train the network of the fastnn playground page."""',
        "",
        "import numpy as np",
        "",
        "import fastnn as fnn",
        "from fastnn import datasets",
        "",
    ]
    if c["dataset"] == "csv":
        table = run.upload["table"]
        name = run.upload["name"] or "the uploaded CSV file"
        lines += [
            f"# {name}: save it next to this script as data.csv.",
            f"X, y = datasets.load_csv('data.csv', target={table.column})  # {table.target_name!r}",
        ]
        if d.problem == "classification":
            lines += [
                "y, classes = datasets.label_classes(y)",
                f"assert classes == {d.class_labels!r}",
            ]
    elif c["classes"] > 2:
        lines += [
            "from fastnn.playground.server import make_multiclass",
            "",
            f"X, y = make_multiclass({c['dataset']!r}, {c['classes']}, {c['samples']}, {c['noise']!r}, seed={c['seed']})",
        ]
    else:
        lines += [
            f"X, y = datasets.make_playground({c['dataset']!r}, {c['samples']}, {c['noise']!r}, seed={c['seed']})"
        ]
    if run.changed_while_training:
        lines += [
            "# The learning rate or batch size changed during training on the page: this script",
            "# trains with the last ones throughout, so its weights differ from the page's.",
        ]
    lines += [
        "X_train, X_test, y_train, y_test = datasets.train_test_split(",
        f"    X, y, test_ratio={1 - c['train_ratio'] / 100:.2f}, seed=np.random.default_rng(({c['seed']}, 1))",
        ")",
    ]
    if d.standardize:
        lines += [
            "mean, std = X_train.mean(axis=0), X_train.std(axis=0)",
            "std[std == 0] = 1.0",
            "X_train, X_test = (X_train - mean) / std, (X_test - mean) / std",
        ]
    if run.uses_features():
        lines += [
            f"features = {c['features']!r}",
            "X_train = datasets.playground_features(X_train, features)",
            "X_test = datasets.playground_features(X_test, features)",
        ]
    reg = "None"
    if c["regularization"] != "none" and c["reg_rate"] > 0:
        reg = f"fnn.regularizers.{c['regularization']}({c['reg_rate']!r})"
    lines += [
        "",
        f"model = fnn.Sequential(seed={c['seed']})",
        f"regularizer = {reg}",
    ]
    sizes = [*c["hidden"], units]
    for i, size in enumerate(sizes):
        act = out_activation if i == len(sizes) - 1 else c["activation"]
        first = f", input_dim={len(run.input_names())}" if i == 0 else ""
        lines.append(
            f"model.add(fnn.Dense({size}, activation={act!r}{first}, kernel_regularizer=regularizer))"
        )
    lines += [
        "model.compile(",
        f"    optimizer=fnn.optimizers.get({{'kind': {c['optimizer']!r}, 'learning_rate': {c['learning_rate']!r}}}),",
        f"    loss={loss!r},",
        f"    metrics=[{run.metric!r}],",
        ")",
        f"model.fit(X_train, y_train, epochs={max(run.epoch, 1)}, batch_size={c['batch_size']}, verbose=0)",
        "print('test:', model.evaluate(X_test, y_test, return_dict=True))",
        "model.save('playground.fnn')",
        "",
    ]
    return "\n".join(lines)


# ---- the HTTP server -------------------------------------------------------------------------

_STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_RUN_PATH = re.compile(r"^/api/runs/([A-Za-z0-9_-]{1,64})(?:/([a-z_.]+))?$")


class PlaygroundServer(ThreadingHTTPServer):
    """The runs, keyed by id, and the static files."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, quiet: bool = True) -> None:
        # Before the bind: a failed bind calls server_close, which reads them.
        self.runs: dict[str, Run] = {}
        self.runs_lock = threading.Lock()
        self.quiet = quiet
        self.errors: list[str] = []  # what escaped a handler (none should): for the tests
        super().__init__(address, _Handler)
        self.static = {
            name: os.path.join(STATIC_DIR, name)
            for name in os.listdir(STATIC_DIR)
            if os.path.splitext(name)[1] in _STATIC_TYPES
        }

    @property
    def url(self) -> str:
        """The address the server answers at (an IPv6 host in brackets)."""
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    def handle_error(self, request: object, client_address: object) -> None:
        import sys
        import traceback

        self.errors.append(traceback.format_exc())
        del self.errors[:-20]
        if not self.quiet:
            super().handle_error(request, client_address)
        elif not isinstance(sys.exc_info()[1], OSError):  # a bug, said even when quiet
            print(f"fastnn playground: {self.errors[-1]}", file=sys.stderr)

    def new_run(self, config: dict, upload: dict | None = None) -> Run:
        """Start a run of ``config`` (on an uploaded CSV's data if given); past MAX_RUNS the
        least recently used paused run is forgotten (503 when all are playing)."""
        with self.runs_lock:
            if len(self.runs) >= MAX_RUNS:  # forget the least recently used paused run
                idle = [r for r in self.runs.values() if not r.playing]
                if not idle:
                    raise ApiError(503, f"{MAX_RUNS} runs are playing; pause or close one")
                oldest = min(idle, key=lambda r: r.touched)
                self.runs.pop(oldest.id).close()
            run = Run(secrets.token_urlsafe(9), config, upload)
            self.runs[run.id] = run
            return run

    def get_run(self, run_id: str) -> Run:
        """The run called ``run_id``, marked as just used; 404 when there is none."""
        with self.runs_lock:
            run = self.runs.get(run_id)
        if run is None:
            raise ApiError(
                404, f"no run {run_id!r} (the server may have restarted: reload the page)"
            )
        run.touched = time.monotonic()
        return run

    def drop_run(self, run_id: str) -> None:
        """Close and forget the run called ``run_id``; 404 when there is none."""
        with self.runs_lock:
            run = self.runs.pop(run_id, None)
        if run is None:
            raise ApiError(404, f"no run {run_id!r}")
        run.close()

    def server_close(self) -> None:
        with self.runs_lock:
            runs, self.runs = list(self.runs.values()), {}
        for run in runs:
            run.close()
        super().server_close()


class _Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    protocol_version = "HTTP/1.1"
    server_version = "fastnn-playground"
    timeout = 60  # seconds a socket may stall (a body never sent, a page that stopped reading)

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    # ---- dispatch ------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        try:
            self._check_host()
            url = urlsplit(self.path)
            self.query = parse_qs(url.query)
            path = url.path
            if path.startswith("/api/"):
                self._api(method, path)
            elif method == "GET":
                self._static(path)
            else:
                raise ApiError(405, f"{method} {path}: only GET serves files")
        except ApiError as error:
            self._error(error.status, error.message)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True  # the client went away: nobody to answer
        except Exception as error:  # a bug: still an answer, and the server keeps serving
            self._error(500, f"internal error: {type(error).__name__}: {error}")

    def _error(self, status: int, message: str) -> None:
        try:
            self._json({"error": message}, status)
        except OSError:
            self.close_connection = True

    def _check_host(self) -> None:
        # A page on another site must not drive a loopback server through DNS rebinding.
        host = self.server.server_address[0]
        if host not in ("127.0.0.1", "::1", "localhost"):
            return
        name = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        if name not in _LOOPBACK:
            raise ApiError(403, f"Host {self.headers.get('Host')!r} is not this local server")
        # Nor may another site's page send requests here (the browser names it in Origin).
        origin = self.headers.get("Origin")
        if origin is not None and urlsplit(origin).hostname not in _LOOPBACK:
            raise ApiError(403, f"requests from {origin} are not served")

    def _static(self, path: str) -> None:
        name = (
            "index.html"
            if path == "/"
            else path[len("/static/") :]
            if path.startswith("/static/")
            else None
        )
        file = self.server.static.get(name) if name else None
        if file is None:
            raise ApiError(404, f"no file {path}")
        with open(file, "rb") as f:
            body = f.read()
        self._send(200, body, _STATIC_TYPES[os.path.splitext(file)[1]])

    def _api(self, method: str, path: str) -> None:
        if path == "/api/options" and method == "GET":
            return self._json(_options())
        if path == "/api/runs" and method == "POST":
            body = self._body_json(empty_ok=True)
            _only(body, ("config",))
            run = self.server.new_run(validate_config(body.get("config", {})))
            return self._json(run.state(), 201)
        match = _RUN_PATH.match(path)
        if not match:
            raise ApiError(404, f"no API {method} {path}")
        run_id, action = match.groups()
        if action is None:
            if method == "GET":
                return self._json(self.server.get_run(run_id).state())
            if method == "DELETE":
                self.server.drop_run(run_id)
                return self._json({"deleted": run_id})
            raise ApiError(405, f"{method} {path}: use GET or DELETE")
        run = self.server.get_run(run_id)
        handler = _ACTIONS.get((method, action))
        if handler is None:
            allowed = [m for (m, a) in _ACTIONS if a == action]
            if allowed:
                raise ApiError(405, f"{method} {path}: use {' or '.join(allowed)}")
            raise ApiError(404, f"no API {method} {path}")
        handler(self, run)

    # ---- actions on a run ----------------------------------------------------------------

    def _config(self, run: Run) -> None:
        body = self._body_json()
        _only(body, ("config", "regenerate"))
        config = validate_config(body.get("config", {}), run.config)
        regenerate = body.get("regenerate", True)
        if not isinstance(regenerate, bool):
            raise _bad("regenerate must be true or false")
        old = run.config
        changed = {key for key in config if config[key] != old[key]}
        if changed <= LIVE_FIELDS:  # as Playground: these apply to the running network
            run.update_live(config)
            return self._json(run.state())
        try:
            run.reset(config, regenerate=regenerate)
        except Exception:
            run.reset(old)  # the page keeps its run as it was
            raise
        self._json(run.state())

    def _reset(self, run: Run) -> None:
        _only(self._body_json(empty_ok=True), ())
        run.reset(run.config, regenerate=False)  # as Playground: new weights, the same points
        self._json(run.state())

    def _play(self, run: Run) -> None:
        _only(self._body_json(empty_ok=True), ())
        run.play(True)
        self._json({"playing": True})

    def _pause(self, run: Run) -> None:
        _only(self._body_json(empty_ok=True), ())
        run.play(False)
        self._json({"playing": False})

    def _step(self, run: Run) -> None:
        _only(self._body_json(empty_ok=True), ())
        run.step()
        self._json({"playing": False})

    def _weight(self, run: Run) -> None:
        run.set_weight(self._body_json())
        self._json(json.loads(run.slot.text))

    def _point(self, run: Run) -> None:
        run.add_point(self._body_json())
        self._json(run.state())

    def _csv(self, run: Run) -> None:
        data = self._body(MAX_CSV_BYTES)
        query = {key: values[0] for key, values in self.query.items()}
        _only(query, ("target", "problem", "name", "packed"))
        packed = _choice(query.get("packed", "0"), "packed", ("0", "1")) == "1"
        if packed:  # a link's copy of the file (pack_csv)
            data = unpack_csv(data)
        name = query.get("name")
        if name is not None:
            name = re.sub(r"[\x00-\x1f\x7f]", "", os.path.basename(name.replace("\\", "/")))[:100]
        upload = parse_csv(data, query.get("target"), name or None)
        old = run.upload
        run.upload = upload
        problem = query.get("problem") or default_problem(upload)
        base = dict(run.config, dataset="csv", problem=problem, plane=[0, 1], features=["x1", "x2"])
        try:
            run.reset(validate_config({}, base))
        except ApiError:
            run.upload = old
            raise
        self._json(run.state())

    def _events(self, run: Run) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        # A reconnecting EventSource says the last frame it got in Last-Event-ID.
        after = (self.query.get("after") or [self.headers.get("Last-Event-ID") or "0"])[0]
        seq = int(after) if after.isdigit() and len(after) < 18 else 0
        try:
            while not run.closed:
                seq, text = run.slot.next_after(seq, timeout=10.0)
                message = (
                    f"id: {seq}\nevent: frame\ndata: {text}\n\n" if text else ": keep-alive\n\n"
                )
                self.wfile.write(message.encode())
                self.wfile.flush()
        except OSError:  # the page went away, or stopped reading for `timeout` seconds
            return

    def _model(self, run: Run) -> None:
        self._send(
            200,
            run.model_bytes(),
            "application/octet-stream",
            {"Content-Disposition": 'attachment; filename="playground.fnn"'},
        )

    def _code(self, run: Run) -> None:
        self._send(
            200,
            run.code().encode(),
            "text/x-python; charset=utf-8",
            {"Content-Disposition": 'attachment; filename="playground.py"'},
        )

    # ---- bodies and answers --------------------------------------------------------------

    def _body(self, limit: int) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _bad("Content-Length is not a number") from None
        if length < 0:
            raise _bad("Content-Length is negative")
        if length > limit:
            # Read a body up to a few times the limit and drop it, so that the client, still
            # sending, gets the answer; past that, answer and close without reading.
            if length <= 8 * limit:
                while length > 0:
                    chunk = self.rfile.read(min(length, 1 << 16))
                    if not chunk:
                        break
                    length -= len(chunk)
            self.close_connection = True
            raise ApiError(413, f"the request body is over {limit} bytes")
        return self.rfile.read(length)

    def _body_json(self, empty_ok: bool = False):
        data = self._body(MAX_JSON_BYTES)
        if not data.strip():
            if empty_ok:
                return {}
            raise _bad("the request needs a JSON body")
        try:
            body = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise _bad(f"the body is not valid JSON: {error}") from None
        if not isinstance(body, dict):
            raise _bad("the request body must be a JSON object")
        return body

    def _json(self, payload, status: int = 200) -> None:
        self._send(status, json.dumps(payload, allow_nan=False).encode(), "application/json")

    def _send(self, status: int, body: bytes, kind: str, headers: dict | None = None) -> None:
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


_ACTIONS = {
    ("PUT", "config"): _Handler._config,
    ("POST", "reset"): _Handler._reset,
    ("POST", "play"): _Handler._play,
    ("POST", "pause"): _Handler._pause,
    ("POST", "step"): _Handler._step,
    ("POST", "weight"): _Handler._weight,
    ("POST", "points"): _Handler._point,
    ("POST", "csv"): _Handler._csv,
    ("GET", "events"): _Handler._events,
    ("GET", "model.fnn"): _Handler._model,
    ("GET", "code.py"): _Handler._code,
}


def _options() -> dict:
    return {
        "defaults": DEFAULTS,
        "datasets": list(BUILTIN),
        "regression_sets": list(REGRESSION_SETS),
        "multiclass_sets": list(MULTICLASS_SETS),
        "features": list(FEATURES),
        "activations": list(ACTIVATIONS),
        "optimizers": list(OPTIMIZERS),
        "losses": list(LOSSES),
        "max_layers": MAX_LAYERS,
        "max_units": MAX_UNITS,
        "max_classes": MAX_CLASSES,
        "class_colors": list(_class_colors()),
        "max_link_csv": MAX_LINK_CSV,
        "max_csv_bytes": MAX_CSV_BYTES,
        "thumbnails": _thumbnails(),
    }


def _class_colors() -> tuple[str, ...]:
    from fastnn.playground import CLASS_COLORS  # one colour per class (tests hold 12 >= MAX)

    return CLASS_COLORS[:MAX_CLASSES]


_THUMBNAILS: dict | None = None


def _thumbnails() -> dict:
    """200 points of each built-in set, noise 0 (the data buttons' pictures): [x1, x2, label]."""
    global _THUMBNAILS
    if _THUMBNAILS is None:
        from fastnn import datasets

        out = {}
        for name in BUILTIN:
            X, y = datasets.make_playground(name, 200, 0, 0)
            out[name] = np.round(np.column_stack([X, y]), 2).tolist()
        _THUMBNAILS = out
    return _THUMBNAILS


class _PlaygroundServer6(PlaygroundServer):
    address_family = socket.AF_INET6


def make_server(host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> PlaygroundServer:
    """A server bound to ``host:port`` (port 0: a free one; an IPv6 host such as ``::1`` too);
    call ``serve_forever``."""
    kind = _PlaygroundServer6 if ":" in host else PlaygroundServer
    return kind((host, port), quiet=quiet)


def serve(
    host: str = "127.0.0.1", port: int = 0, open_browser: bool = True, fragment: str = ""
) -> int:
    """``fastnn playground --serve``: print the URL, open the browser, serve until Ctrl-C.
    ``fragment`` is the page's settings (``dataset=spiral&hidden=8,8``, as its URL has them)."""
    server = make_server(host, port, quiet=True)
    url = server.url + (f"#{fragment}" if fragment else "")
    if host in ("0.0.0.0", "::", ""):
        print(f"note: listening on every interface ({host}); anyone who can reach it can use it")
    print(f"fastnn playground: {url} (Ctrl-C stops)", flush=True)
    if open_browser:
        import webbrowser

        threading.Timer(0.3, webbrowser.open, (url,)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("fastnn playground: stopped")
    finally:
        server.server_close()
    return 0
