"""Pictures of a trained network in the spirit of TensorFlow Playground.

:func:`plot` draws one figure: the network laid out layer by layer, every neuron a small
heatmap of what it computes over the plane of the data, the links between neurons as wide as
their weights are large (blue positive, orange negative); the output's decision regions with
the training and test points; and the training and test loss per epoch.

matplotlib is needed only here and is imported when :func:`plot` runs (``pip install
"fastnn[plot]"``); ``import fastnn`` does not load it. The command line, ``fastnn
playground``, lives in :mod:`fastnn.playground.cli`.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from fastnn import datasets
from fastnn import tables as _tables

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from fastnn.callbacks import History
    from fastnn.models import Sequential

__all__ = [
    "CLASS_COLORS",
    "HIDDEN_ACTIVATIONS",
    "MAX_NEURONS_SHOWN",
    "SUFFIXES",
    "network_values",
    "plot",
]

#: The activations a hidden layer can learn with, for the command line and the page: every one
#: of the core's table but step (no gradient) and softmax (it couples a layer's neurons into one
#: distribution).
HIDDEN_ACTIVATIONS = tuple(n for n in _tables.ACTIVATIONS if n not in ("step", "softmax"))

#: The classes' colours, shared by the picture and the page (the server hands them to it):
#: Playground's orange for class 0 (and negative values) and blue for class 1 (and positive
#: values); then tab10's others but its grey (grey is zero, or "unsure", here), and three
#: more that stay apart from those: 12 in all, the most classes the page shows. The picture takes
#: matplotlib's tab20 colours past them.
CLASS_COLORS = (
    "#f59322",  # orange
    "#0877bd",  # blue
    "#2ca02c",  # green
    "#d62728",  # red
    "#9467bd",  # purple
    "#8c564b",  # brown
    "#e377c2",  # pink
    "#17becf",  # cyan
    "#bcbd22",  # olive
    "#283593",  # navy
    "#ffc400",  # gold
    "#7a1f3d",  # wine
)
_NEUTRAL = "#e8eaeb"
#: The file types :func:`plot` writes, chosen by the path's suffix.
SUFFIXES = (".png", ".svg", ".pdf")
#: Neurons drawn per layer; a wider layer shows its first ones and says how many more it has.
MAX_NEURONS_SHOWN = 16

# Playground draws a link 1 to 10 pixels wide for |w| from 0 to 5 (clamped); in points:
_LINK_WIDTH = (0.3, 4.5)
_LINK_CLAMP = 5.0


def plot(
    model: Sequential,
    X: ArrayLike,
    y: ArrayLike,
    X_test: ArrayLike | None = None,
    y_test: ArrayLike | None = None,
    history: History | None = None,
    path: str | os.PathLike | None = None,
    *,
    features: Sequence[str] | str | None = None,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
    domain: tuple[float, float] | None = None,
    input_names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    discretize: bool = False,
    plane: Sequence[int] | None = None,
    resolution: int = 100,
    dpi: int = 90,
) -> Figure:
    """Draw `model` and its data in one figure; write it to `path` (PNG, SVG or PDF by suffix).

    ``X`` holds the points (n, d) in the plane the picture shows: its columns ``plane``
    (default ``(0, 1)``, the first two) are the axes; with d > 2 the picture is the slice
    through the training mean of the other columns, and the output's title names them. The model's inputs are ``playground_features(transform(X), features)``, each
    step skipped when None: so ``X`` stays in the user's units while the model sees
    standardised values or Playground's features (``x1^2``, ``sin_x1``, ...).

    ``y`` (and ``y_test``) are class labels 0..k-1 for a classifier (a sigmoid output with one
    unit, or a softmax output of k units) and values for a regression model (any other single
    output). ``history`` is the :class:`~fastnn.callbacks.History` of ``fit`` (or its
    ``.history`` dict): its ``loss`` and ``val_loss`` are drawn as the training and test loss.

    ``domain`` is ``(low, high)`` for both axes or ``((x1_low, x1_high), (x2_low, x2_high))``;
    by default the data's range with a 5% margin. ``input_names`` label the axes,
    ``class_names`` the classes. ``discretize`` paints each region with its class alone, as
    Playground's "Discretize output". The heatmaps are computed on a ``resolution`` x
    ``resolution`` grid.

    A PNG is written with a palette of 256 colours, a quarter of the size of a full-colour
    one. Returns the matplotlib ``Figure``. Needs matplotlib (``pip install "fastnn[plot]"``).
    """
    mpl = _matplotlib()
    model_layers = _check_model(model)
    kind, n_classes = _problem(model)
    X = _points(X, "X")
    y = _labels(y, X.shape[0], kind, n_classes, "y")
    if (X_test is None) != (y_test is None):
        raise ValueError("plot: give both X_test and y_test, or neither")
    if X_test is not None:
        X_test = _points(X_test, "X_test")
        if X_test.shape[1] != X.shape[1]:
            raise ValueError(f"plot: X_test has {X_test.shape[1]} columns but X has {X.shape[1]}")
        y_test = _labels(y_test, X_test.shape[0], kind, n_classes, "y_test")
    if isinstance(features, str):
        features = [part.strip() for part in features.split(",") if part.strip()]
    if transform is not None and not callable(transform):
        raise TypeError(f"plot: transform must be callable, got {type(transform).__name__}")
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, (int, np.integer))
        or not 2 <= resolution <= 1000
    ):
        raise ValueError(f"plot: resolution must be an int in [2, 1000], got {resolution!r}")
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float, np.integer)) or not dpi > 0:
        raise ValueError(f"plot: dpi must be a number > 0, got {dpi!r}")
    suffix = None
    if path is not None:
        path = os.fspath(path)
        suffix = os.path.splitext(path)[1].lower()
        if suffix not in SUFFIXES:
            raise ValueError(
                f"plot: cannot tell the picture's format from {path!r}; end it with "
                f"{', '.join(SUFFIXES)}"
            )
    loss_curves = _loss_curves(history)
    plane = _plane(plane, X.shape[1])
    everything = X if X_test is None else np.concatenate([X, X_test])
    (x_low, x_high), (y_low, y_high) = _domain(domain, everything[:, plane])
    names = list(input_names) if input_names is not None else ["x1", "x2"]
    if len(names) < 2:
        raise ValueError("plot: input_names needs a name for each of the two axes")
    column_names = names + [f"x{j + 1}" for j in range(len(names), X.shape[1])]
    axis_names = [column_names[j] for j in plane] if max(plane) < len(column_names) else names

    # One forward pass over the grid gives every neuron's heatmap.
    xs = np.linspace(x_low, x_high, resolution)
    ys = np.linspace(y_low, y_high, resolution)
    gx, gy = np.meshgrid(xs, ys)  # row i is ys[i]: images are drawn with origin="lower"
    grid = np.empty((resolution * resolution, X.shape[1]))
    grid[:] = X.mean(axis=0)  # the slice through the mean when there are more than 2 columns
    grid[:, plane[0]], grid[:, plane[1]] = gx.ravel(), gy.ravel()
    inputs = _model_inputs(grid, transform, features, model)
    values = network_values(model, inputs)
    input_labels = (
        [datasets.FEATURES[f][1] for f in features]
        if features
        else list(names[: inputs.shape[1]])
        + [f"x{j + 1}" for j in range(len(names), inputs.shape[1])]
    )

    if class_names is None:
        class_names = [str(c) for c in range(max(n_classes, 2))]
    class_names = [str(c) for c in class_names]
    if kind != "regression" and len(class_names) < max(n_classes, 2):
        raise ValueError(
            f"plot: class_names needs {max(n_classes, 2)} names, got {len(class_names)}"
        )
    if kind == "regression":
        target = y if y_test is None else np.concatenate([y, y_test])
        low, high = float(target.min()), float(target.max())
        center, half = (low + high) / 2, (high - low) / 2 or 1.0
        value_range = (center - half, center + half)
    else:
        value_range = (0.0, 1.0)

    scene = _Scene(
        mpl=mpl,
        cmap=mpl.colors.LinearSegmentedColormap.from_list(
            "playground", [CLASS_COLORS[0], _NEUTRAL, CLASS_COLORS[1]]
        ),
        kind=kind,
        n_classes=n_classes,
        class_names=class_names,
        value_range=value_range,
        resolution=resolution,
        discretize=bool(discretize),
    )
    fig = mpl.Figure(figsize=(12.5, 6.4), dpi=dpi)
    mpl.FigureCanvasAgg(fig)
    grid_spec = fig.add_gridspec(
        2, 2, width_ratios=(1.5, 1.0), height_ratios=(2.3, 1.0),
        left=0.01, right=0.86, bottom=0.08, top=0.9, wspace=0.12, hspace=0.35,
    )  # fmt: skip
    _draw_network(
        fig.add_subplot(grid_spec[:, 0]), scene, model_layers, inputs, values, input_labels
    )
    output_ax = fig.add_subplot(grid_spec[0, 1] if loss_curves else grid_spec[:, 1])
    _draw_output(
        output_ax, scene, values[-1], model_layers[-1], (X[:, plane], y),
        (None if X_test is None else X_test[:, plane], y_test),
        (x_low, x_high, y_low, y_high), axis_names,
    )  # fmt: skip
    if X.shape[1] > 2:
        others = [j for j in range(X.shape[1]) if j not in plane]
        mean = X.mean(axis=0)
        held = ", ".join(f"{column_names[j]} = {mean[j]:.3g}" for j in others[:3])
        held += ", …" if len(others) > 3 else ""
        output_ax.set_title(
            f"output (the other input at its mean: {held})"
            if len(others) == 1
            else f"output (the other {len(others)} inputs at their means: {held})",
            fontsize=9,
            wrap=True,
        )
    if loss_curves:
        _draw_loss(fig.add_subplot(grid_spec[1, 1]), loss_curves)
    fig.suptitle(
        title if title is not None else _default_title(model, history), fontsize=10.5, wrap=True
    )
    if path is not None:
        _save(fig, path, suffix, dpi)
    return fig


@dataclass
class _Scene:
    """What every part of the picture needs to know: colours, the problem, the grid."""

    mpl: SimpleNamespace
    cmap: object
    kind: str
    n_classes: int
    class_names: list[str]
    value_range: tuple[float, float]
    resolution: int
    discretize: bool

    def signed_rgb(self, signed: np.ndarray) -> np.ndarray:
        """Colours of values on the [-1, 1] scale: orange, the neutral grey at 0, blue."""
        unit = (np.clip(signed, -1, 1) + 1) / 2  # the colour map spans 0..1
        return self.cmap(unit.reshape(self.resolution, self.resolution))[..., :3]

    def neuron_rgb(self, column: np.ndarray, activation: str, role: str) -> np.ndarray:
        """A neuron's heatmap. The output: a probability with 0.5 neutral, or a regression
        value on the labels' range. Others: tanh as it is, a sigmoid's 0..1 with 0.5 neutral,
        anything unbounded (inputs, ReLU, linear, ...) divided by its largest |value|."""
        values = column.astype(np.float64)
        if role == "output" and self.kind == "multiclass":
            raise AssertionError("softmax outputs are drawn per class")
        if role == "output" and self.kind == "binary":
            signed = 2 * values - 1
            if self.discretize:
                signed = np.where(signed >= 0, 1.0, -1.0)
        elif role == "output":
            low, high = self.value_range
            signed = (values - (low + high) / 2) / ((high - low) / 2)
        elif activation == "tanh":
            signed = values
        elif activation in ("sigmoid", "step"):
            signed = 2 * values - 1
        else:
            peak = np.max(np.abs(values)) if values.size else 0.0
            signed = values / peak if peak > 0 else values
        return self.signed_rgb(signed)

    def class_probability_rgb(self, column: np.ndarray, c: int) -> np.ndarray:
        """One softmax output: white where its class is improbable, its colour where sure."""
        color = np.array(self.mpl.colors.to_rgb(_class_color(c)))
        p = np.clip(column.astype(np.float64), 0, 1).reshape(self.resolution, self.resolution, 1)
        return 1 - p * (1 - color)

    def multiclass_rgb(self, probabilities: np.ndarray) -> np.ndarray:
        """Each point in its most probable class's colour, paler where the model is less sure."""
        k = probabilities.shape[1]
        palette = np.array([self.mpl.colors.to_rgb(_class_color(c)) for c in range(k)])
        best = np.argmax(probabilities, axis=1)
        if self.discretize:
            confidence = np.ones(len(best))
        else:
            top = probabilities[np.arange(len(best)), best].astype(np.float64)
            confidence = np.clip((top - 1 / k) / (1 - 1 / k), 0, 1) ** 0.7
        rgb = 1 - confidence[:, None] * (1 - palette[best])
        return rgb.reshape(self.resolution, self.resolution, 3)


def _draw_network(ax, scene, layers, inputs, values, input_labels) -> None:
    """The inputs, the hidden layers and the output as columns of small heatmaps, joined by
    links as wide as their weights are large, each neuron's bias a small square beside it."""
    spacing_x, spacing_y, box = 2.8, 1.3, 1.0
    columns = [("inputs", None, inputs)]
    for index, (layer, layer_values) in enumerate(zip(layers, values, strict=True)):
        header = (
            f"output\n{layer.activation}"
            if index == len(layers) - 1
            else f"hidden {index + 1}\n{layer.units} {layer.activation}"
        )
        columns.append((header, layer, layer_values))
    positions = []
    for c, (_, _, column_values) in enumerate(columns):
        shown = min(column_values.shape[1], MAX_NEURONS_SHOWN)
        positions.append([(c * spacing_x, ((shown - 1) / 2 - k) * spacing_y) for k in range(shown)])
    top = (max(len(p) for p in positions) - 1) / 2 * spacing_y + box / 2

    segments, link_colors, widths = [], [], []
    for c in range(1, len(columns)):
        kernel = columns[c][1].kernel
        for i, (sx, sy) in enumerate(positions[c - 1]):
            for j, (tx, ty) in enumerate(positions[c]):
                w = float(kernel[i, j])
                segments.append([(sx + box / 2, sy), (tx - box / 2, ty)])
                link_colors.append(CLASS_COLORS[1] if w >= 0 else CLASS_COLORS[0])
                strength = min(abs(w), _LINK_CLAMP) / _LINK_CLAMP
                widths.append(_LINK_WIDTH[0] + strength * (_LINK_WIDTH[1] - _LINK_WIDTH[0]))
    ax.add_collection(
        scene.mpl.LineCollection(
            segments, colors=link_colors, linewidths=widths, alpha=0.75, zorder=1
        )
    )

    last = len(columns) - 1
    for c, (header, layer, column_values) in enumerate(columns):
        for k, (cx, cy) in enumerate(positions[c]):
            if c == last and scene.kind == "multiclass":
                image = scene.class_probability_rgb(column_values[:, k], k)
            else:
                activation = "input" if layer is None else layer.activation
                image = scene.neuron_rgb(
                    column_values[:, k], activation, "output" if c == last else "hidden"
                )
            ax.imshow(
                image,
                extent=(cx - box / 2, cx + box / 2, cy - box / 2, cy + box / 2),
                origin="lower",
                interpolation="bilinear",
                zorder=2,
            )
            ax.add_patch(
                scene.mpl.Rectangle(
                    (cx - box / 2, cy - box / 2), box, box,
                    fill=False, linewidth=0.6, edgecolor="#9a9a9a", zorder=3,
                )
            )  # fmt: skip
            if layer is not None and layer.use_bias:
                # Playground's bias square: its colour on the links' scale, clamped at |b| = 1.
                bias = float(np.clip(layer.bias[k], -1, 1))
                ax.add_patch(
                    scene.mpl.Rectangle(
                        (cx - box / 2 - 0.2, cy - box / 2), 0.16, 0.16,
                        facecolor=scene.cmap((bias + 1) / 2), edgecolor="#9a9a9a",
                        linewidth=0.4, zorder=3,
                    )
                )  # fmt: skip
            if layer is None:
                ax.text(cx - box / 2 - 0.12, cy, input_labels[k], ha="right", va="center",
                        fontsize=8)  # fmt: skip
            elif c == last and scene.kind == "multiclass":
                ax.text(cx + box / 2 + 0.12, cy, scene.class_names[k], ha="left", va="center",
                        fontsize=8)  # fmt: skip
        ax.text(c * spacing_x, top + 0.25, header, ha="center", va="bottom", fontsize=8.5)
        not_shown = column_values.shape[1] - len(positions[c])
        if not_shown > 0:
            ax.text(c * spacing_x, -top - 0.2, f"+{not_shown} more", ha="center", va="top",
                    fontsize=8, color="#555555")  # fmt: skip
    # Room on the left for the inputs' names (about 0.12 boxes per character).
    label_room = 0.4 + 0.12 * max(len(label) for label in input_labels)
    ax.set_xlim(-box / 2 - label_room, last * spacing_x + box / 2 + 0.9)
    ax.set_ylim(-top - 0.9, top + 1.4)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _draw_output(ax, scene, output_values, output_layer, train, test, extent, names) -> None:
    """The output over the plane, the training points (white rims) and test points (black)."""
    if scene.kind == "multiclass":
        background = scene.multiclass_rgb(output_values)
    else:
        background = scene.neuron_rgb(output_values[:, 0], output_layer.activation, "output")
    ax.imshow(
        background, extent=extent, origin="lower", interpolation="bilinear", aspect="auto",
        alpha=0.65,
    )  # fmt: skip
    shown = sum(len(X) for X, _ in (train, test) if X is not None)
    # Many points would hide the regions under their rims: smaller dots, thinner rims.
    size = 16.0 if shown <= 400 else max(4.0, 16.0 * math.sqrt(400 / shown))
    for (X, y), edge in ((train, "white"), (test, "black")):
        if X is None:
            continue
        rim = 0.6 if shown <= 400 else 0.3
        if scene.kind == "regression":
            ax.scatter(X[:, 0], X[:, 1], c=y, cmap=scene.cmap, vmin=scene.value_range[0],
                       vmax=scene.value_range[1], s=size, edgecolors=edge, linewidths=rim,
                       zorder=3)  # fmt: skip
        else:
            ax.scatter(X[:, 0], X[:, 1], c=[_class_color(int(c)) for c in y], s=size,
                       edgecolors=edge, linewidths=rim, zorder=3)  # fmt: skip
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_box_aspect(1)
    ax.set_xlabel(names[0], fontsize=9, labelpad=2)
    ax.set_ylabel(names[1], fontsize=9, labelpad=2)
    ax.tick_params(labelsize=7)
    ax.set_title("output", fontsize=9)
    Line2D = scene.mpl.Line2D
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=6, markerfacecolor="#bbbbbb",
               markeredgecolor=edge, label=label)
        for label, edge in (("train", "white"), ("test", "black"))
    ]  # fmt: skip
    if scene.kind == "regression":
        low, high = scene.value_range
        mappable = scene.mpl.ScalarMappable(norm=scene.mpl.Normalize(low, high), cmap=scene.cmap)
        bar = ax.figure.colorbar(mappable, ax=ax, fraction=0.046, pad=0.03)
        bar.ax.tick_params(labelsize=7)
        bar.set_label("value", fontsize=8)
    else:
        for c in range(max(scene.n_classes, 2)):
            handles.append(
                Line2D([], [], marker="s", linestyle="", markersize=7,
                       markerfacecolor=_class_color(c), markeredgecolor="none",
                       label=_class_label(scene.class_names[c]))
            )  # fmt: skip
    ax.legend(
        handles=handles, loc="upper left", fontsize=8, frameon=False, borderaxespad=0.0,
        bbox_to_anchor=(1.25 if scene.kind == "regression" else 1.02, 1.0),
    )  # fmt: skip


def _draw_loss(ax, loss_curves) -> None:
    """The training and the test loss per epoch; on a log scale when they fall by decades."""
    for label, curve, color in loss_curves:
        epochs = np.arange(1, len(curve) + 1)
        ax.plot(epochs, curve, color=color, linewidth=1.3, label=f"{label} {curve[-1]:.4g}")
    low = min(min(curve) for _, curve, _ in loss_curves)
    high = max(max(curve) for _, curve, _ in loss_curves)
    if low > 0 and high / low > 100:
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
    ax.set_xlim(1, max(2, max(len(curve) for _, curve, _ in loss_curves)))
    ax.set_xlabel("epoch", fontsize=8, labelpad=1)
    ax.set_ylabel("loss", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _save(fig, path: str, suffix: str, dpi: int) -> None:
    if suffix != ".png":
        fig.savefig(path, format=suffix[1:], dpi=dpi, facecolor="white")
        return
    # A PNG with a palette of 256 colours: about a quarter of the size, and the heatmaps' few
    # hues need no more. Pillow comes with matplotlib.
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    buffer.seek(0)
    with Image.open(buffer) as image:
        image.convert("RGB").quantize(colors=256).save(path, format="PNG", optimize=True)


# ---- the network's values over the grid ------------------------------------------------------


def network_values(model: Sequential, inputs: np.ndarray) -> list[np.ndarray]:
    """Every layer's activations for ``inputs`` (the model's input features), first to last.

    The model's own :meth:`~fastnn.Sequential.layer_outputs` (each layer's forward pass
    through the C++ kernels) in the model's dtype; the last entry is what ``model.predict``
    returns.
    """
    _check_model(model)
    return model.layer_outputs(np.ascontiguousarray(inputs, dtype=model.dtype))


def _model_inputs(grid, transform, features, model) -> np.ndarray:
    points = grid
    if transform is not None:
        points = np.asarray(transform(points))
    if features:
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(
                f"plot: features take points with 2 columns, got {points.shape[1]} "
                "(after transform)"
            )
        points = datasets.playground_features(points, features)
    if points.ndim != 2 or points.shape[1] != model.input_dim:
        raise ValueError(
            f"plot: the model takes {model.input_dim} inputs but the points give "
            f"{points.shape[1]}; pass the features (and transform) the model was trained on"
        )
    return points


# ---- colours ---------------------------------------------------------------------------------


def _class_label(name: str) -> str:
    """A legend entry: "class 1" for a number, the name itself for a word ("sunny")."""
    try:
        float(name)
    except ValueError:
        return name
    return f"class {name}"


def _class_color(c: int):
    if c < len(CLASS_COLORS):
        return CLASS_COLORS[c]
    import matplotlib

    return matplotlib.colormaps["tab20"]((c - len(CLASS_COLORS)) % 20)


# ---- checks ----------------------------------------------------------------------------------


def _matplotlib():
    """The parts of matplotlib the picture uses; a clear ImportError when it is missing."""
    try:
        from matplotlib import colors
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.cm import ScalarMappable
        from matplotlib.collections import LineCollection
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patches import Rectangle
    except ImportError:
        raise ImportError(
            'fastnn.playground.plot needs matplotlib: pip install "fastnn[plot]" '
            "(or pip install matplotlib)"
        ) from None
    return SimpleNamespace(
        colors=colors,
        Figure=Figure,
        FigureCanvasAgg=FigureCanvasAgg,
        LineCollection=LineCollection,
        Line2D=Line2D,
        Normalize=colors.Normalize,
        Rectangle=Rectangle,
        ScalarMappable=ScalarMappable,
    )


def _check_model(model) -> list:
    layers = getattr(model, "layers", None)
    if not layers or not all(getattr(layer, "kernel", None) is not None for layer in layers):
        raise ValueError("plot: model must be a built fastnn.Sequential with at least one layer")
    return layers


def _problem(model) -> tuple[str, int]:
    """("binary", 2), ("multiclass", k) or ("regression", 1), from the output layer."""
    last = model.layers[-1]
    if last.activation == "softmax":
        return "multiclass", last.units
    if last.units != 1:
        raise ValueError(
            f"plot: draws a model with one output or a softmax output; this one has "
            f"{last.units} {last.activation} outputs"
        )
    loss = getattr(model, "loss", None)
    if loss == "binary_crossentropy" or (loss is None and last.activation == "sigmoid"):
        return "binary", 2
    return "regression", 1


def _points(X, name: str) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(
            f"plot: {name} must have shape (n, d) with d >= 2 (the picture's plane is its first "
            f"two columns), got {X.shape}"
        )
    if X.dtype.kind not in "fiub" or X.shape[0] == 0:
        raise ValueError(f"plot: {name} must hold at least one row of numbers")
    X = X.astype(np.float64)
    if not np.isfinite(X).all():
        raise ValueError(f"plot: {name} has NaN or infinite values")
    return X


def _labels(y, n: int, kind: str, n_classes: int, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"plot: {name} must have shape ({n},), got {y.shape}")
    if y.dtype.kind not in "fiub":
        raise ValueError(f"plot: {name} must hold numbers, got dtype {y.dtype}")
    y = y.astype(np.float64)
    if not np.isfinite(y).all():
        raise ValueError(f"plot: {name} has NaN or infinite values")
    if kind == "regression":
        return y
    bad = (y != np.round(y)) | (y < 0) | (y >= n_classes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"plot: {name}[{i}] = {y[i]:g} is not a class label in 0..{n_classes - 1} "
            f"for this {kind} model"
        )
    return y.astype(np.int64)


def _plane(plane, columns: int) -> list[int]:
    """The two columns of X on the axes: (0, 1) by default."""
    if plane is None:
        return [0, 1]
    try:
        pair = [int(j) for j in plane]
        whole = all(int(j) == j and not isinstance(j, bool) for j in plane)
    except (TypeError, ValueError):
        pair, whole = [], False
    if len(pair) != 2 or not whole or pair[0] == pair[1] or not all(0 <= j < columns for j in pair):
        raise ValueError(
            f"plot: plane must be two different column indices of X (0 to {columns - 1}), "
            f"got {plane!r}"
        )
    return pair


def _domain(domain, points: np.ndarray):
    if domain is None:
        bounds = []
        for j in (0, 1):
            low, high = float(points[:, j].min()), float(points[:, j].max())
            margin = 0.05 * (high - low) if high > low else 1.0
            bounds.append((low - margin, high + margin))
        return bounds
    try:
        array = np.asarray(domain, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.empty(0)
    if array.shape == (2,):
        array = np.stack([array, array])
    if array.shape != (2, 2) or not np.isfinite(array).all() or (array[:, 0] >= array[:, 1]).any():
        raise ValueError(
            f"plot: domain must be (low, high) or ((x1_low, x1_high), (x2_low, x2_high)) with "
            f"low < high, got {domain!r}"
        )
    return [tuple(map(float, row)) for row in array]


def _loss_curves(history):
    if history is None:
        return []
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(
            f"plot: history must be a fastnn History or its .history dict, got {type(history).__name__}"
        )
    curves = []
    for key, label, color in (("loss", "train", "#8a8a8a"), ("val_loss", "test", "#111111")):
        curve = [float(v) for v in logs.get(key, [])]
        if curve and all(math.isfinite(v) for v in curve):
            curves.append((label, curve, color))
    return curves


def _default_title(model, history) -> str:
    shape = " → ".join([str(model.input_dim), *(str(layer.units) for layer in model.layers)])
    hidden = {layer.activation for layer in model.layers[:-1]}
    title = f"network {shape}"
    if hidden:
        title += f", {'/'.join(sorted(hidden))}"
    logs = getattr(history, "history", history) if history is not None else None
    if isinstance(logs, dict) and logs.get("loss"):
        title += f"; {len(logs['loss'])} epochs, training loss {logs['loss'][-1]:.4g}"
        if logs.get("val_loss"):
            title += f", test loss {logs['val_loss'][-1]:.4g}"
    return title
