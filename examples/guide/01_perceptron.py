"""Guide, page 1: the perceptron on the weather example (docs/guide/01_perceptron.md).

python examples/guide/01_perceptron.py [out_dir]     # pictures to docs/guide/images/
"""

from __future__ import annotations

from pathlib import Path

# [page] setup
import numpy as np
from _common import out_dir_from_argv, save, scatter_days, standardise, weather

import fastnn as fnn

SEED = 0
# [/page]


def main(out_dir: Path) -> dict:
    import matplotlib.pyplot as plt

    # [page] the days
    X, y = weather(n_days=60, seed=2)  # temperature (C), air pressure (hPa); y: 1 sunny, 0 rainy
    Xs = standardise(X)  # one scale for both inputs
    print(f"day 0: {X[0, 0]:.1f} C, {X[0, 1]:.1f} hPa, {'sunny' if y[0] else 'rainy'}")
    # [/page]

    # [page] the weighted sum
    w = np.array([0.8, 0.6])  # one weight per input
    b = np.array([-0.1])  # the bias
    z = Xs[0] @ w + b[0]  # one day: the dot product of its features and the weights, plus b
    Z = fnn.kernels.dense_forward(Xs, w[:, None], b)  # every day at once: X W + b, (60, 1)
    print(f"z of day 0: {z:.3f} by hand, {Z[0, 0]:.3f} by dense_forward")
    fires = fnn.kernels.step_forward(Z)  # 1 where z > 0: the perceptron's answer
    probability = fnn.kernels.sigmoid_forward(Z)  # 1 / (1 + exp(-z)), between 0 and 1
    # [/page]
    assert np.isclose(z, Z[0, 0])

    # [page] Rosenblatt's rule
    w, b = np.zeros(2), np.zeros(1)
    labels = y.astype(Xs.dtype)
    history = []  # (w, b, mistakes) after each epoch
    for epoch in range(100):
        order = fnn.kernels.permutation(len(Xs), SEED, epoch)  # a new order of the days
        mistakes = fnn.kernels.perceptron_epoch(Xs, labels, w, b, order)  # updates w, b
        history.append((w.copy(), b.copy(), mistakes))
        print(f"epoch {epoch + 1}: mistakes {mistakes}")
        if mistakes == 0:  # a whole pass without a mistake: every day is right
            break
    model = fnn.Perceptron(seed=SEED).fit(Xs, y)  # the same epochs, in one call
    print(f"Perceptron: {model.n_epochs_} epochs, converged {model.converged_}")
    # [/page]

    # -- the pictures ---------------------------------------------------------------------
    fig, ax = plt.subplots(figsize=(6, 2.6))
    grid = np.linspace(-4, 4, 401)[:, None]
    ax.plot(grid, fnn.kernels.step_forward(grid), label="step: fires when z > 0", lw=2)
    ax.plot(grid, fnn.kernels.sigmoid_forward(grid), label="sigmoid: 1 / (1 + exp(-z))", lw=2)
    ax.set_xlabel("z = w · x + b")
    ax.set_ylabel("output")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", frameon=False)
    save(fig, out_dir, "01_activations.png")

    mean, std = X.mean(axis=0), X.std(axis=0)
    fig, (ax, bars) = plt.subplots(1, 2, figsize=(9, 3.8), width_ratios=[2, 1])
    scatter_days(ax, X, y)
    t = np.array([X[:, 0].min() - 1, X[:, 0].max() + 1])
    colours = plt.cm.viridis(np.linspace(0.15, 0.85, len(history)))
    for epoch, ((w_e, b_e, _), colour) in enumerate(zip(history, colours, strict=True), 1):
        # w.(x - mean)/std + b = 0, solved for the pressure in hPa
        w_orig = w_e / std
        b_orig = b_e[0] - w_orig @ mean
        ax.plot(t, -(b_orig + w_orig[0] * t) / w_orig[1], color=colour, lw=1.5,
                label=f"after epoch {epoch}")  # fmt: skip
    ax.plot(t, 1028 - t, "k--", lw=1, label="the hidden rule t + p = 1028")
    ax.set_xlim(t)
    ax.set_ylim(X[:, 1].min() - 2, X[:, 1].max() + 2)
    ax.legend(fontsize=7, loc="lower left", ncol=2, framealpha=0.9)
    ax.set_title("the decision line under Rosenblatt's rule", fontsize=10)
    drawn = bars.bar(range(1, len(history) + 1), [m for *_, m in history], color=colours)
    bars.bar_label(drawn)
    bars.set_xlabel("epoch")
    bars.set_ylabel("mistakes")
    bars.set_xticks(range(1, len(history) + 1))
    fig.tight_layout()
    save(fig, out_dir, "01_perceptron_lines.png")

    return {
        "z_by_hand": float(z),
        "z_by_kernel": float(Z[0, 0]),
        "fires": fires[:, 0].tolist(),
        "probability": probability[:, 0].tolist(),
        "z": Z[:, 0].tolist(),
        "mistakes": [m for *_, m in history],
        "w": w,
        "b": float(b[0]),
        "perceptron_coef": model.coef_,
        "perceptron_intercept": model.intercept_,
        "perceptron_epochs": model.n_epochs_,
        "perceptron_converged": model.converged_,
        "accuracy": model.score(Xs, y),
    }


if __name__ == "__main__":
    main(out_dir_from_argv())
