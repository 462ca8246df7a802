"""The ``fastnn`` command line; ``fastnn playground`` trains a network as TensorFlow Playground
does and draws it.

    fastnn playground --dataset spiral --hidden 8,8 --features x1,x2,sin_x1,sin_x2 --out spiral.png
    fastnn playground --data my.csv --hidden 16,16 --activation relu --optimizer adam
    python -m fastnn playground --help

Errors are one line on stderr: exit status 2 for a bad command line, 1 for data that cannot be
used (a bad file, a failed picture). docs/playground.md describes every option.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import warnings
from dataclasses import dataclass
from typing import NoReturn

import numpy as np

from fastnn import tables as _tables
from fastnn.playground import HIDDEN_ACTIVATIONS

__all__ = ["main", "playground"]

_PROG = "fastnn"
# The hidden layers' activations on offer (the page offers the same).
_ACTIVATIONS = HIDDEN_ACTIVATIONS
_OPTIMIZERS = tuple(_tables.OPTIMIZERS)
# Sizes that fit: the network's weights (with an optimizer's three state copies, float64) and a
# generated data set stay within a few hundred MB, far past what a picture of the plane needs.
MAX_PARAMETERS = 10_000_000
MAX_SAMPLES = 1_000_000
# Playground offers learning and regularization rates up to 10; past that a step only diverges.
MAX_RATE = 10.0
# Playground's numbers of samples: 500 to classify, 1200 for regression.
_SAMPLES = {"classification": 500, "regression": 1200}
# Above this many classes a whole-number label is more likely a quantity than a class.
_MANY_CLASSES = 20


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line ("fastnn playground: error: ...")."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _Failure(Exception):
    """A problem with the data or the files: reported on one line, exit status 1."""


def main(argv: list[str] | None = None) -> int:
    """Run ``fastnn COMMAND ...``; returns the exit status."""
    parser = _Parser(
        prog=_PROG,
        description="fastnn: train and understand small neural networks on the CPU.",
    )
    from fastnn import __version__

    parser.add_argument("--version", action="version", version=f"fastnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers = {"playground": _add_playground(commands)}
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said by the command they were given to: "fastnn playground: error: ..."
        subparsers.get(args.command, parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    return args.run(args)


# ---- fastnn playground -----------------------------------------------------------------------


def _add_playground(commands) -> argparse.ArgumentParser:
    from fastnn import datasets

    p = commands.add_parser(
        "playground",
        help="train a network on a Playground data set or a CSV file and draw it",
        description=(
            "Train a network as TensorFlow Playground does (by default its network: inputs "
            "x1, x2; hidden layers 4,2 tanh; learning rate 0.03; batch size 10; half of the "
            "data for training) and write a picture of it. No limits on depth or width; your "
            "own CSV file and more than two classes welcome."
        ),
        epilog=(
            "A CSV file's label is its last column (or --target): words (cat, dog) or whole "
            "numbers make a classification problem (any number of classes, in sorted order), "
            "other numbers regression; --problem overrides. docs/playground.md has the details."
        ),
    )
    p.set_defaults(run=playground)
    data = p.add_mutually_exclusive_group()
    data.add_argument(
        "--dataset",
        choices=datasets.DATASETS,
        metavar="NAME",
        help=f"a generated data set: {', '.join(datasets.DATASETS)} (default: circle)",
    )
    data.add_argument(
        "--data",
        metavar="FILE.csv",
        help="your own data: a CSV file of numeric inputs and a label (numbers or words)",
    )
    p.add_argument(
        "--target",
        metavar="COLUMN",
        help="the CSV's label column, a name from its header or an index (default: the last)",
    )
    p.add_argument(
        "--problem",
        choices=("classification", "regression"),
        help="override the problem type guessed from the labels",
    )
    p.add_argument(
        "--hidden",
        type=_hidden,
        default=(4, 2),
        metavar="N,N,...",
        help="neurons per hidden layer, e.g. 8,8 ('' or none: no hidden layer; default: 4,2)",
    )
    p.add_argument(
        "--activation",
        choices=_ACTIVATIONS,
        default="tanh",
        metavar="NAME",
        help=f"of the hidden layers: {', '.join(_ACTIVATIONS)} (default: tanh)",
    )
    p.add_argument(
        "--learning-rate", type=_positive_float, default=0.03, metavar="R", help="(default: 0.03)"
    )
    p.add_argument(
        "--optimizer",
        choices=_OPTIMIZERS,
        default="sgd",
        metavar="NAME",
        help=f"{', '.join(_OPTIMIZERS)} (default: sgd, as Playground)",
    )
    p.add_argument(
        "--batch-size", type=_positive_int, default=10, metavar="N", help="(default: 10)"
    )
    p.add_argument(
        "--epochs", type=_positive_int, default=1000, metavar="N", help="(default: 1000)"
    )
    p.add_argument(
        "--noise",
        type=_noise,
        default=0.0,
        metavar="0-50",
        help="noise of a generated data set, Playground's scale (default: 0)",
    )
    p.add_argument(
        "--samples",
        type=_samples,
        metavar="N",
        help="size of a generated data set (default: 500, 1200 for regression, as Playground)",
    )
    p.add_argument(
        "--train-ratio",
        type=_ratio,
        default=0.5,
        metavar="R",
        help="the share of the data to train on, the rest tests (default: 0.5)",
    )
    p.add_argument(
        "--features",
        type=_features,
        metavar="F,F,...",
        help=(
            f"the network's inputs for data of 2 columns, from {', '.join(datasets.FEATURES)} "
            "(default: the data's own columns, x1,x2)"
        ),
    )
    p.add_argument(
        "--regularization",
        choices=("none", "l1", "l2"),
        default="none",
        help="a penalty on every layer's weights (default: none)",
    )
    p.add_argument(
        "--reg-rate",
        type=_non_negative_float,
        default=0.001,
        metavar="R",
        help="its factor (default: 0.001)",
    )
    p.add_argument(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=(
            "scale each input column to mean 0 and standard deviation 1 (training data's); "
            "default: on for a CSV file and weather, off for Playground's data sets"
        ),
    )
    p.add_argument(
        "--seed",
        type=_seed,
        metavar="N",
        help="for the data, the weights and the batch order (default: a random one, printed)",
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="the picture: .png, .svg or .pdf (default: <data set>.png)",
    )
    p.add_argument("--no-plot", action="store_true", help="train and report, draw nothing")
    p.add_argument(
        "--discretize", action="store_true", help="paint each region with its class alone"
    )
    p.add_argument(
        "--plane",
        metavar="A,B",
        help=(
            "for data of more than 2 inputs: the two shown on the plane, by name or 1-based "
            "column (default: the first two; the others are held at their means)"
        ),
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    web = p.add_argument_group("the page in the browser (docs/web.md)")
    web.add_argument(
        "--serve",
        action="store_true",
        help="serve the interactive page instead, opened on the other options given",
    )
    web.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    web.add_argument("--port", type=_port, default=0, metavar="N", help="(default: 0, a free one)")
    web.add_argument("--no-browser", action="store_true", help="print the URL, open no browser")
    p.prog = f"{_PROG} playground"
    return p


def playground(args: argparse.Namespace) -> int:
    """The body of ``fastnn playground``; returns the exit status."""
    prog = f"{_PROG} playground"
    try:
        if args.serve:
            from fastnn.playground.server import serve

            fragment = _serve_fragment(args)
            return serve(args.host, args.port, open_browser=not args.no_browser, fragment=fragment)
        _check_options(args)
        return _playground(args)
    except _Usage as error:
        print(f"{prog}: error: {error} (see {prog} --help)", file=sys.stderr)
        return 2
    except (_Failure, ValueError, TypeError, ImportError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        print(f"{prog}: error: {error.strerror or error}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("FASTNN_DEBUG"):
            raise
        print(
            f"{prog}: internal error: {type(error).__name__}: {error} "
            "(set FASTNN_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


class _Usage(Exception):
    """Options that do not go together: exit status 2, as argparse's own errors."""


def _check_options(args) -> None:
    for flag, given in (
        ("--host", args.host != "127.0.0.1"),
        ("--port", args.port != 0),
        ("--no-browser", args.no_browser),
    ):
        if given:
            raise _Usage(f"{flag} applies to the page (--serve)")
    _check_data_options(args)
    if args.no_plot and args.out is not None:
        raise _Usage("--out and --no-plot contradict each other")
    if args.out is not None:
        from fastnn.playground import SUFFIXES

        suffix = os.path.splitext(args.out)[1].lower()
        if suffix not in SUFFIXES:
            raise _Usage(
                f"--out {args.out!r}: the picture's name must end with {', '.join(SUFFIXES)}"
            )
        folder = os.path.dirname(os.path.abspath(args.out))
        if not os.path.isdir(folder):
            raise _Usage(f"--out {args.out!r}: the folder {folder} does not exist")


def _check_data_options(args) -> None:
    if args.data is None:
        if args.target is not None:
            raise _Usage("--target applies to a CSV file (--data)")
    else:
        if args.noise:
            raise _Usage("--noise applies to a generated data set (--dataset), not to --data")
        if args.samples is not None:
            raise _Usage("--samples applies to a generated data set (--dataset), not to --data")


def _serve_fragment(args) -> str:
    """The page's settings for ``--serve`` (its URL's fragment, as the page writes it) from the
    options given with it; an option the page has no use for is refused, not ignored."""
    from urllib.parse import urlencode

    from fastnn.playground import server

    for flag, given in (
        ("--out", args.out is not None),
        ("--no-plot", args.no_plot),
        ("--standardize" if args.standardize else "--no-standardize", args.standardize is not None),
    ):
        if given:
            raise _Usage(
                f"{flag} applies to the command line's run, not to the page (--serve): the page "
                "draws and downloads its own picture and standardizes a CSV file's columns"
            )
    _check_data_options(args)
    config: dict = {}
    if args.dataset is not None:
        if args.dataset not in server.BUILTIN:
            raise _Usage(
                f"--serve: the page has no data set {args.dataset!r}; it has "
                f"{', '.join(server.BUILTIN)} and your CSV file (--data)"
            )
        config["dataset"] = args.dataset
    if args.plane is not None and args.data is None:
        raise _Usage("--plane applies to a CSV file (--data) of more than 2 inputs")
    # What differs from the defaults (Playground's, the page's too) goes in the link.
    if tuple(args.hidden) != (4, 2):
        config["hidden"] = list(args.hidden)
    for key, default in (
        ("activation", "tanh"),
        ("learning_rate", 0.03),
        ("optimizer", "sgd"),
        ("batch_size", 10),
        ("noise", 0.0),
    ):
        if getattr(args, key) != default:
            config[key] = getattr(args, key)
    if args.samples is not None:
        config["samples"] = args.samples
    if args.train_ratio != 0.5:
        percent = args.train_ratio * 100
        if abs(percent - round(percent)) > 1e-9:
            raise _Usage(
                f"--serve: the page takes --train-ratio in whole percents, not {percent:g}"
            )
        config["train_ratio"] = round(percent)
    if args.features is not None:
        config["features"] = list(args.features)
    if args.regularization != "none":
        config["regularization"] = args.regularization
        config["reg_rate"] = args.reg_rate
    if args.seed is not None:
        config["seed"] = args.seed
    if args.epochs != 1000:
        config["stop_epoch"] = args.epochs  # the page trains until stopped
    if args.problem is not None:
        config["problem"] = args.problem
    extra: dict = {}
    if args.data is not None:
        # The file goes in the link, as the page's own links carry a small file.
        with open(args.data, "rb") as f:
            data = f.read()
        name = os.path.basename(args.data)
        try:
            upload = server.parse_csv(data, args.target, name)
        except server.ApiError as error:
            raise _Failure(f"{args.data}: {error.message}") from None
        if upload["link"] is None:
            raise _Failure(
                f"{args.data} packs into {upload['packed_size']:,} characters, more than the "
                f"page's link carries ({server.MAX_LINK_CSV:,}); start --serve without --data "
                "and upload the file on the page"
            )
        table = upload["table"]
        config["dataset"] = "csv"
        config.setdefault("problem", server.default_problem(upload))
        if args.plane is not None:
            config["plane"] = _plane(args.plane, table.input_names)
        extra = {"csv_name": name, "csv_target": str(table.column), "csv": upload["link"]}
    try:
        checked = server.validate_config(config)
    except server.ApiError as error:
        raise _Usage(f"--serve: the page refuses the settings: {error.message}") from None
    if args.data is not None:  # the labels fit the problem, and the plane the columns
        try:
            server._csv_dataset(upload, checked)
        except server.ApiError as error:
            raise _Failure(f"{args.data}: {error.message}") from None
    params = {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in config.items()}
    if args.discretize:
        params["discretize"] = "1"
    return urlencode({**params, **extra})


@dataclass
class _Data:
    """The data to learn, in the user's units, and what the command knows about it."""

    name: str  # the data set's name, or the CSV file's without its suffix
    X: np.ndarray
    y: np.ndarray  # class indices 0..k-1, or the regression values
    problem: str  # "classification" or "regression"
    class_labels: list[str]  # the classes' names, in the order of their indices
    input_names: list[str]
    target_name: str
    domain: tuple | None  # the picture's square, None for the data's own range
    standardize: bool


def _load_data(args, seed: int) -> _Data:
    from fastnn import datasets

    if args.data is None:
        name = args.dataset or "circle"
        problem = "regression" if name in datasets.REGRESSION else "classification"
        if args.problem is not None and args.problem != problem:
            raise _Usage(
                f"--dataset {name} is a {problem} data set; --problem {args.problem} does not fit it"
            )
        X, y = datasets.make_playground(name, args.samples or _SAMPLES[problem], args.noise, seed)
        weather = name == "weather"
        if problem == "regression":
            class_labels = []
        else:
            class_labels = ["rainy", "sunny"] if weather else ["0", "1"]
        return _Data(
            name=name,
            X=X,
            y=y,
            problem=problem,
            class_labels=class_labels,
            input_names=["temperature (°C)", "air pressure (hPa)"] if weather else ["x1", "x2"],
            target_name="y",
            domain=None if weather else datasets.PLAYGROUND_DOMAIN,
            standardize=weather if args.standardize is None else args.standardize,
        )

    # --target as given: a header's name, else an index (the reader's rule, as the page's).
    X, y, input_names, target_name = datasets.load_csv(
        args.data, target=-1 if args.target is None else args.target, return_names=True
    )
    words = y.dtype.kind != "f"  # labels that are not all numbers: class names
    problem = args.problem or datasets.guess_problem(y)
    class_labels = []
    if problem == "classification":
        if not words and not _whole(y):
            bad = int(np.flatnonzero(y != np.round(y))[0])
            raise _Failure(
                f"{args.data}: --problem classification needs whole-number labels, but "
                f"data row {bad + 1} has {target_name} = {y[bad]:g}"
            )
        y, class_labels = datasets.label_classes(y)
        if len(class_labels) < 2:
            raise _Failure(
                f"{args.data}: every sample has the label {class_labels[0]}; "
                "classification needs at least 2 classes"
            )
        if words:
            numbers = [label for label in class_labels if _is_number(label)]
            if numbers:
                print(
                    f"note: the label {target_name} holds numbers ({numbers[0]}) and words; "
                    "each distinct text is a class"
                )
    elif words:
        bad = next(i for i, label in enumerate(y) if not _is_number(label))
        raise _Failure(
            f"{args.data}: --problem regression needs numeric labels, but data row {bad + 1} "
            f"has {target_name} = {str(y[bad])!r}"
        )
    if not args.no_plot and X.shape[1] < 2:
        raise _Failure(
            f"the picture needs 2 or more input columns, {args.data} has {X.shape[1]} besides "
            "the label (use --no-plot to train without a picture)"
        )
    return _Data(
        name=os.path.splitext(os.path.basename(args.data))[0] or "data",
        X=X,
        y=y,
        problem=problem,
        class_labels=class_labels,
        input_names=input_names,
        target_name=target_name,
        domain=None,
        standardize=True if args.standardize is None else args.standardize,
    )


def _build_model(args, input_dim: int, data: _Data, seed: int):
    """The network the options describe, compiled; returns it and the metric to report."""
    import fastnn as fnn

    widths = [input_dim, *args.hidden, max(len(data.class_labels), 1)]
    parameters = sum(a * b + b for a, b in itertools.pairwise(widths))
    if parameters > MAX_PARAMETERS:
        raise _Failure(
            f"--hidden {','.join(map(str, args.hidden))}: a network of {parameters:,} weights is "
            f"more than this command trains (at most {MAX_PARAMETERS:,}); use fewer or narrower "
            "hidden layers"
        )

    regularizer = None
    if args.regularization != "none":
        regularizer = getattr(fnn.regularizers, args.regularization)(args.reg_rate)
    n_classes = len(data.class_labels)
    if data.problem == "regression":
        units, activation, loss, metric = 1, "linear", "mse", "mae"
    elif n_classes == 2:
        units, activation, loss, metric = 1, "sigmoid", "binary_crossentropy", "accuracy"
    else:
        units, activation = n_classes, "softmax"
        loss, metric = "sparse_categorical_crossentropy", "accuracy"
    sizes = [*args.hidden, units]
    model = fnn.Sequential(seed=seed)
    for index, size in enumerate(sizes):
        model.add(
            fnn.Dense(
                size,
                activation=args.activation if index < len(args.hidden) else activation,
                input_dim=input_dim if index == 0 else None,
                kernel_regularizer=regularizer,
            )
        )
    model.compile(
        optimizer=fnn.optimizers.get({"kind": args.optimizer, "learning_rate": args.learning_rate}),
        loss=loss,
        metrics=[metric],
    )
    return model, metric


def _playground(args) -> int:
    from fastnn import datasets

    seed = args.seed if args.seed is not None else int(np.random.default_rng().integers(2**31))
    if not args.no_plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise _Failure(
                'drawing the picture needs matplotlib: pip install "fastnn[plot]" '
                "(or pass --no-plot)"
            ) from None
    data = _load_data(args, seed)
    # The picture's options, checked before any training.
    if args.discretize and data.problem == "regression":
        raise _Failure(
            f"--discretize paints classes, and {data.name} is a regression problem: drop it"
        )
    plane = _plane(args.plane, data.input_names)
    # The split draws from its own stream: the seed's first numbers drew the data.
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        data.X, data.y, test_ratio=1.0 - args.train_ratio, seed=np.random.default_rng((seed, 1))
    )

    # The network sees the standardised columns, or Playground's features of them.
    features = args.features
    columns = data.X.shape[1]
    if features is not None and columns != 2:
        raise _Failure(
            f"--features computes Playground's features of 2 inputs, but the data has "
            f"{columns} input columns"
        )
    mean = X_train.mean(axis=0) if data.standardize else np.zeros(columns)
    std = X_train.std(axis=0) if data.standardize else np.ones(columns)
    std[std == 0] = 1.0

    def transform(points: np.ndarray) -> np.ndarray:
        return (points - mean) / std

    def inputs(points: np.ndarray) -> np.ndarray:
        scaled = transform(points)
        return datasets.playground_features(scaled, features) if features else scaled

    input_dim = len(features) if features else columns
    model, metric = _build_model(args, input_dim, data, seed)

    # What is about to happen.
    n_classes = len(data.class_labels)
    if data.problem == "classification":
        kind = f"{n_classes} classes ({_class_list(data.class_labels)})"
    else:
        kind = f"regression of {data.target_name}"
    shape = " → ".join(str(n) for n in [input_dim, *args.hidden, model.output_dim])
    print(
        f"{data.name}: {len(X_train)} training and {len(X_test)} test samples, {kind}"
        + (", inputs standardized" if data.standardize else "")
    )
    print(
        f"network {shape} ({args.activation if args.hidden else 'no hidden layer'}; "
        f"inputs {', '.join(features or data.input_names)}), {model.count_params()} parameters; "
        f"{args.optimizer}, learning rate {args.learning_rate:g}, batch size {args.batch_size}, "
        f"{args.epochs} epochs, seed {seed}"
    )
    if n_classes > _MANY_CLASSES and all(_is_number(c) for c in data.class_labels):
        print(
            f"note: {n_classes} classes; if the label is a quantity rather than a class, "
            "use --problem regression"
        )

    # Training, with fit's warnings (a NaN loss) as one line each.
    train_inputs, test_inputs = inputs(X_train), inputs(X_test)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(
            train_inputs,
            y_train,
            epochs=args.epochs,
            batch_size=args.batch_size,
            validation_data=(test_inputs, y_test),
            verbose=0 if args.quiet else 1,
        )
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    train = model.evaluate(train_inputs, y_train, return_dict=True)
    test = model.evaluate(test_inputs, y_test, return_dict=True)
    for label, logs in (("train", train), ("test", test)):
        print(f"{label + ':':<7}loss {logs['loss']:.4f}  {metric} {logs[metric]:.4f}")

    if args.no_plot:
        return 0
    from fastnn.playground import plot

    path = args.out or f"{data.name}.png"
    title = (
        f"{data.name} · network {shape}{', ' + args.activation if args.hidden else ''} · "
        f"{len(history.epoch)} epochs · test loss {test['loss']:.4f}"
        + (f" · test accuracy {test['accuracy']:.3f}" if metric == "accuracy" else "")
    )
    plot(
        model,
        X_train,
        y_train,
        X_test,
        y_test,
        history,
        path,
        features=features,
        transform=transform if data.standardize else None,
        domain=data.domain,
        input_names=data.input_names,
        class_names=data.class_labels or None,
        title=title,
        discretize=args.discretize,
        plane=plane,
    )
    print(f"wrote {path}")
    return 0


def _plane(text: str | None, names: list[str]) -> list[int] | None:
    """--plane's two columns as 0-based indices into the inputs, by name or 1-based number."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or parts[0] == parts[1]:
        raise _Failure(f"--plane {text!r}: name two different input columns, e.g. --plane x1,x3")
    out = []
    for part in parts:
        if part in names:
            out.append(names.index(part))
        elif part.isdigit() and 1 <= int(part) <= len(names):
            out.append(int(part) - 1)
        else:
            raise _Failure(
                f"--plane {text!r}: {part!r} is not an input; the inputs are {', '.join(names)} "
                f"(or their numbers 1-{len(names)})"
            )
    return out


# ---- option values ---------------------------------------------------------------------------


def _hidden(text: str) -> tuple[int, ...]:
    text = text.strip()
    if text.lower() in ("", "none", "0"):
        return ()
    sizes = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise argparse.ArgumentTypeError(
                f"{text!r}: give the neurons per hidden layer as whole numbers >= 1, e.g. 8,8"
            )
        sizes.append(int(part))
    return tuple(sizes)


def _features(text: str) -> list[str]:
    from fastnn import datasets

    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one feature, e.g. x1,x2")
    for name in names:
        if name not in datasets.FEATURES:
            raise argparse.ArgumentTypeError(
                f"unknown feature {name!r}; choose from {', '.join(datasets.FEATURES)}"
            )
        if names.count(name) > 1:
            raise argparse.ArgumentTypeError(f"feature {name!r} is listed twice")
    return names


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _positive_float(text: str) -> float:
    value = _number(text)
    if not 0 < value <= MAX_RATE:
        raise argparse.ArgumentTypeError(f"{text} must be in (0, {MAX_RATE:g}]")
    return value


def _non_negative_float(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= MAX_RATE:
        raise argparse.ArgumentTypeError(f"{text} must be in [0, {MAX_RATE:g}]")
    return value


def _noise(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= 50:
        raise argparse.ArgumentTypeError(f"{text} is not on Playground's noise scale, 0 to 50")
    return value


def _ratio(text: str) -> float:
    value = _number(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be between 0 and 1, e.g. 0.5")
    return value


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _integer(text: str, low: int, what: str) -> int:
    if not _is_int(text) or int(text) < low:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return int(text)


def _positive_int(text: str) -> int:
    return _integer(text, 1, "a whole number >= 1")


def _samples(text: str) -> int:
    value = _integer(text, 4, "a whole number >= 4")
    if value > MAX_SAMPLES:
        raise argparse.ArgumentTypeError(
            f"{text} samples is more than this command generates (at most {MAX_SAMPLES:,}); "
            "train on your own data with --data"
        )
    return value


def _port(text: str) -> int:
    value = _integer(text, 0, "a port number, 0 to 65535")
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number, 0 to 65535")
    return value


def _seed(text: str) -> int:
    return _integer(text, 0, "a whole number >= 0")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _whole(y: np.ndarray) -> bool:
    return bool(np.all(y == np.round(y)))


def _class_list(labels: list[str]) -> str:
    return ", ".join(labels[:6]) + (", ..." if len(labels) > 6 else "")


if __name__ == "__main__":
    sys.exit(main())
