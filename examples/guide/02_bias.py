"""Guide, page 2: the bias shifts the sigmoid, the weight steepens it (docs/guide/02_bias.md).

python examples/guide/02_bias.py [out_dir]     # pictures to docs/guide/images/
"""

from __future__ import annotations

from pathlib import Path

# [page] setup
import numpy as np
from _common import out_dir_from_argv, save

import fastnn as fnn

# [/page]


def main(out_dir: Path) -> dict:
    import matplotlib.pyplot as plt

    # [page] one input, one weight, one bias
    x = np.linspace(-6, 6, 601)[:, None]  # one input, 601 values of it

    def neuron(w: float, b: float) -> np.ndarray:
        """sigmoid(w x + b): a neuron with one input."""
        z = fnn.kernels.dense_forward(x, np.array([[w]]), np.array([b]))
        return fnn.kernels.sigmoid_forward(z)[:, 0]

    shifted = {b: neuron(1.0, b) for b in (-2.0, 0.0, 2.0)}  # the bias moves it
    steepened = {w: neuron(w, 0.0) for w in (0.5, 1.0, 3.0)}  # the weight steepens it
    for b, y in shifted.items():
        middle = x[np.argmin(np.abs(y - 0.5)), 0]  # where the output crosses 0.5
        print(f"w = 1, b = {b:g}: crosses 0.5 at x = {middle:+.2f}")
    for w, y in steepened.items():
        slope = np.gradient(y, x[:, 0])[300]  # the slope at x = 0
        print(f"w = {w}, b = 0: slope at x = 0 is {slope:.3f}")
    # [/page]

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
    for b, y in shifted.items():
        (line,) = left.plot(x, y, lw=2, label=f"b = {b:g}")
        left.axvline(-b, color=line.get_color(), ls=":", lw=1)
    left.set_title("w = 1: the bias shifts it (to x = -b / w)", fontsize=10)
    for w, y in steepened.items():
        right.plot(x, y, lw=2, label=f"w = {w}")
    right.set_title("b = 0: the weight steepens it (slope w / 4)", fontsize=10)
    left.set_ylabel("sigmoid(w x + b)")
    for ax in (left, right):
        ax.axhline(0.5, color="grey", lw=0.5)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.legend(frameon=False, loc="upper left")
    fig.tight_layout()
    save(fig, out_dir, "02_bias.png")

    return {
        "middles": {b: float(x[np.argmin(np.abs(y - 0.5)), 0]) for b, y in shifted.items()},
        "slopes": {w: float(np.gradient(y, x[:, 0])[300]) for w, y in steepened.items()},
    }


if __name__ == "__main__":
    main(out_dir_from_argv())
