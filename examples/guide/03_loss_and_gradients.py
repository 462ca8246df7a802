"""Guide, page 3: the loss, gradient descent and backpropagation (docs/guide/03_loss.md).

python examples/guide/03_loss_and_gradients.py [out_dir]     # pictures to docs/guide/images/
"""

from __future__ import annotations

from pathlib import Path

# [page] setup
import numpy as np
from _common import out_dir_from_argv, save, standardise, weather

import fastnn.kernels as K
import fastnn.reference as R

START = (-2.0, -3.0)  # the weights gradient descent starts from
LEARNING_RATE = 2.0
STEPS = 100
# [/page]


def loss_surface(X: np.ndarray, T: np.ndarray, w1: np.ndarray, w2: np.ndarray) -> np.ndarray:
    """J(w1, w2) = mean((sigmoid(X w) - T)^2) over a grid of weights (columns of X @ W)."""
    W = np.stack([w1.ravel(), w2.ravel()])  # (2, grid points): one weight pair per column
    Y = K.sigmoid_forward(X @ W)  # (days, grid points)
    return ((Y - T) ** 2).mean(axis=0).reshape(w1.shape)


def main(out_dir: Path) -> dict:
    import matplotlib.pyplot as plt

    # [page] gradient descent on one neuron
    X, y = weather(n_days=100)
    X = standardise(X)  # (100, 2): temperature and pressure on one scale
    T = y[:, None].astype(np.float64)  # the targets, (100, 1)
    w = np.array([START]).T  # the two weights, (2, 1); no bias on this page

    path, losses = [w[:, 0].copy()], []
    for _ in range(STEPS):
        Z = K.dense_forward(X, w)  # forward: z = x . w for every day
        Y = K.sigmoid_forward(Z)  # y_hat
        losses.append(K.mse_forward(Y, T))  # J = mean((y_hat - y)^2)
        dY = K.mse_backward(Y, T)  # backward: dJ/dy_hat
        dZ = K.sigmoid_backward(Z, Y, dY)  # dJ/dz = dJ/dy_hat * y_hat (1 - y_hat)
        _, dW, _ = K.dense_backward(X, w, dZ)  # dJ/dw = X^T dJ/dz
        w -= LEARNING_RATE * dW  # a step downhill
        path.append(w[:, 0].copy())
    print(f"loss {losses[0]:.3f} at the start, {losses[-1]:.3f} after {STEPS} steps")
    # [/page]

    # [page] backpropagation through a hidden layer
    rng = np.random.default_rng(0)
    Xb, Tb = X[:8], T[:8]  # eight days
    params = [rng.normal(size=(2, 3)), np.zeros(3), rng.normal(size=(3, 1)), np.zeros(1)]
    names = ["W1", "b1", "W2", "b2"]

    def loss(params, k):
        W1, b1, W2, b2 = params
        A1 = k.tanh_forward(k.dense_forward(Xb, W1, b1))  # the hidden layer, (8, 3)
        return k.mse_forward(k.sigmoid_forward(k.dense_forward(A1, W2, b2)), Tb)

    def gradients(params, k):
        """The chain rule, layer by layer from the output back, with k's kernels."""
        W1, b1, W2, b2 = params
        Z1 = k.dense_forward(Xb, W1, b1)
        A1 = k.tanh_forward(Z1)
        Z2 = k.dense_forward(A1, W2, b2)
        Y = k.sigmoid_forward(Z2)
        dZ2 = k.sigmoid_backward(Z2, Y, k.mse_backward(Y, Tb))  # dJ/dz2
        dA1, dW2, db2 = k.dense_backward(A1, W2, dZ2)  # dJ/dtheta2, and dJ/da1 to go on
        dZ1 = k.tanh_backward(Z1, A1, dA1)  # one more factor through the hidden layer
        _, dW1, db1 = k.dense_backward(Xb, W1, dZ1)  # dJ/dtheta1
        return [dW1, db1, dW2, db2]

    def finite_differences(params, eps=1e-6):
        """(J(theta + eps) - J(theta - eps)) / (2 eps), one weight at a time."""
        grads = []
        for p in params:
            g = np.zeros_like(p)
            for i in np.ndindex(p.shape):
                keep = p[i]
                p[i] = keep + eps
                up = loss(params, R)
                p[i] = keep - eps
                down = loss(params, R)
                p[i] = keep
                g[i] = (up - down) / (2 * eps)
            grads.append(g)
        return grads

    def relative_error(a, b):
        return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))

    by_kernels, by_reference = gradients(params, K), gradients(params, R)
    by_differences = finite_differences(params)
    for name, k, r, d in zip(names, by_kernels, by_reference, by_differences, strict=True):
        print(f"d{name}: kernels vs reference {relative_error(k, r):.1e}, "
              f"reference vs finite differences {relative_error(r, d):.1e}")  # fmt: skip
    # [/page]

    # -- the picture ------------------------------------------------------------------------
    path = np.array(path)
    w1, w2 = np.meshgrid(np.linspace(-4, 8, 161), np.linspace(-4, 8, 161))
    J = loss_surface(X, T, w1, w2)
    fig, (ax, curve) = plt.subplots(1, 2, figsize=(9, 3.9), width_ratios=[1.15, 1])
    shown = ax.contourf(w1, w2, J, levels=20, cmap="viridis")
    ax.contour(w1, w2, J, levels=20, colors="white", linewidths=0.3, alpha=0.5)
    fig.colorbar(shown, ax=ax, label="J(w) = MSE")
    ax.plot(path[:, 0], path[:, 1], "o-", color="#f59322", ms=2.5, lw=1.2,
            label=f"gradient descent, lr {LEARNING_RATE}")  # fmt: skip
    ax.plot(*path[0], "o", color="white", mec="black", ms=7, label="start")
    ax.set_xlabel("w1 (temperature)")
    ax.set_ylabel("w2 (air pressure)")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("the loss over two weights", fontsize=10)
    curve.plot(range(1, STEPS + 1), losses, color="#f59322", lw=2)
    curve.set_xlabel("step")
    curve.set_ylabel("J (MSE)")
    curve.grid(alpha=0.3)
    curve.set_title("the loss along the path", fontsize=10)
    fig.tight_layout()
    save(fig, out_dir, "03_descent.png")

    return {
        "losses": losses,
        "path": path,
        "surface_min": float(J.min()),
        "names": names,
        "kernel_vs_reference": [
            relative_error(k, r) for k, r in zip(by_kernels, by_reference, strict=True)
        ],
        "reference_vs_differences": [
            relative_error(r, d) for r, d in zip(by_reference, by_differences, strict=True)
        ],
        "kernel_vs_differences": [
            relative_error(k, d) for k, d in zip(by_kernels, by_differences, strict=True)
        ],
    }


if __name__ == "__main__":
    main(out_dir_from_argv())
