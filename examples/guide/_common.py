"""What the guide's scripts share: where the pictures go, how they are saved, the weather data.

Every script in examples/guide/ runs on its own (``python examples/guide/01_perceptron.py``,
pictures to docs/guide/images/) or with a directory to write to instead
(``python examples/guide/01_perceptron.py /tmp/guide``); ``main(out_dir)`` returns the facts
its page states, which tests/test_guide.py checks.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window

import matplotlib.pyplot as plt
import numpy as np

from fastnn.datasets import make_playground

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "guide" / "images"

#: Playground's colours: orange for class 0 (rainy), blue for class 1 (sunny).
RAINY, SUNNY = "#f59322", "#0877bd"


def out_dir_from_argv(default: Path = IMAGES) -> Path:
    """The directory given on the command line, else ``default``."""
    return Path(sys.argv[1]) if len(sys.argv) > 1 else default


def save(fig, out_dir: Path, name: str, dpi: int = 80) -> Path:
    """Write ``fig`` as a small PNG (a 256-colour palette) and close it."""
    from PIL import Image

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", bbox_inches="tight")
    plt.close(fig)
    buffer.seek(0)
    with Image.open(buffer) as image:
        image.convert("RGB").quantize(colors=256).save(path, format="PNG", optimize=True)
    return path


def weather(n_days: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The chapter's days: X = (temperature in C, air pressure in hPa), y = 1 sunny, 0 rainy.

    Sunny when temperature + pressure > 1028 (``make_playground("weather")``, no noise).
    """
    return make_playground("weather", n_samples=n_days, noise=0, seed=seed)


def standardise(X: np.ndarray, like: np.ndarray | None = None) -> np.ndarray:
    """``(X - mean) / std`` with the statistics of ``like`` (default X): one scale for both."""
    like = X if like is None else like
    return (X - like.mean(axis=0)) / like.std(axis=0)


def scatter_days(ax, X: np.ndarray, y: np.ndarray, size: float = 18) -> None:
    """The days in the (temperature, pressure) plane, sunny blue, rainy orange."""
    for label, colour, name in ((1, SUNNY, "sunny"), (0, RAINY, "rainy")):
        days = X[y == label]
        ax.scatter(days[:, 0], days[:, 1], s=size, c=colour, edgecolors="white", lw=0.5,
                   label=name, zorder=3)  # fmt: skip
    ax.set_xlabel("temperature (°C)")
    ax.set_ylabel("air pressure (hPa)")
