"""Guide, page 4: the learning rate, and the optimizers that adapt it (docs/guide/04_learning_rate.md).

python examples/guide/04_learning_rate.py [out_dir]     # pictures to docs/guide/images/
"""

from __future__ import annotations

from pathlib import Path

# [page] setup
import numpy as np
from _common import out_dir_from_argv, save, weather

import fastnn as fnn

START = (-2.0, 4.0)  # (w, b): every run starts here
EPOCHS = 100
# [/page]


def main(out_dir: Path) -> dict:
    import matplotlib.pyplot as plt

    # [page] one neuron, two weights, trained by fit
    X, y = weather(n_days=100)
    x = X[:, :1] / 10  # the temperature in tens of degrees: not centred, on purpose

    class Path(fnn.callbacks.Callback):
        """Records (w, b) before training and after every epoch."""

        def on_train_begin(self, logs=None):
            self.points = [np.concatenate([p.ravel() for p in self.model.get_weights()])]

        def on_epoch_end(self, epoch, logs=None):
            self.points.append(np.concatenate([p.ravel() for p in self.model.get_weights()]))

    def train(optimizer):
        """sigmoid(w x + b) on the days, MSE, one full batch per epoch, from START."""
        model = fnn.Sequential([fnn.Dense(1, "sigmoid", input_dim=1)], dtype="float64", seed=0)
        model.compile(optimizer, loss="mse")
        model.set_weights([np.array([[START[0]]]), np.array([START[1]])])
        path = Path()
        history = model.fit(x, y, epochs=EPOCHS, batch_size=len(x), verbose=0, callbacks=[path])
        return history.history["loss"], np.array(path.points)

    # [/page]

    # [page] too small, right, too large
    rates = {"too small": 0.2, "right": 4.0, "too large": 100.0}
    by_rate = {name: train(fnn.optimizers.SGD(lr)) for name, lr in rates.items()}
    for name, (losses, _) in by_rate.items():
        print(f"SGD, learning rate {rates[name]:>5} ({name}): loss {losses[-1]:.3f}, "
              f"lowest {min(losses):.3f}")  # fmt: skip
    # [/page]

    # [page] the race
    optimizers = {
        "SGD": fnn.optimizers.SGD(4.0),
        "Momentum": fnn.optimizers.SGD(1.0, momentum=0.9),
        "Nesterov": fnn.optimizers.SGD(1.0, momentum=0.9, nesterov=True),
        "Adagrad": fnn.optimizers.Adagrad(1.0),
        "Adadelta": fnn.optimizers.Adadelta(1.0),
        "RMSprop": fnn.optimizers.RMSprop(0.1),
        "Adam": fnn.optimizers.Adam(0.3),
    }
    race = {name: train(optimizer) for name, optimizer in optimizers.items()}
    for name, (losses, _) in race.items():
        there = [epoch for epoch, loss in enumerate(losses, 1) if loss < 0.168]
        when = f"first below 0.168 at epoch {there[0]}" if there else "never below 0.168"
        print(f"{name:>8}: loss {losses[-1]:.4f} after {EPOCHS} epochs, {when}")
    # [/page]

    # -- the pictures -----------------------------------------------------------------------
    def loss_surface(runs):
        """J(w, b) over a grid holding every path (and at least w in [-4, 6], b in [-8, 7])."""
        points = np.concatenate([p for _, p in runs.values()])
        low = np.minimum(points.min(axis=0), (-4, -8))
        high = np.maximum(points.max(axis=0), (6, 7))
        pad = 0.03 * (high - low)
        w, b = np.meshgrid(
            *(np.linspace(lo - p, hi + p, 181) for lo, hi, p in zip(low, high, pad, strict=True))
        )
        Y = fnn.kernels.sigmoid_forward(x * w.ravel() + b.ravel())  # (days, grid points)
        return w, b, ((Y - y[:, None]) ** 2).mean(axis=0).reshape(w.shape)

    def panels(runs, name):
        w, b, J = loss_surface(runs)
        fig, (surface, curves) = plt.subplots(1, 2, figsize=(10, 4), width_ratios=[1.1, 1])
        shown = surface.contourf(w, b, J, levels=24, cmap="viridis")
        fig.colorbar(shown, ax=surface, label="J(w, b) = MSE")
        colours = plt.cm.tab10.colors
        for i, ((label, (losses, points)), colour) in enumerate(
            zip(runs.items(), colours, strict=False)
        ):
            on_top = len(runs) - i  # the first run's path on top: the others may retrace it
            surface.plot(points[:, 0], points[:, 1], "-", color=colour, lw=1.6, zorder=on_top,
                         label=label)  # fmt: skip
            surface.plot(points[-1, 0], points[-1, 1], "o", color=colour, ms=4, zorder=on_top)
            curves.plot(range(1, EPOCHS + 1), losses, color=colour, lw=1.8, label=label)
        surface.plot(*START, "o", color="white", mec="black", ms=7)
        surface.set_xlim(w.min(), w.max())
        surface.set_ylim(b.min(), b.max())
        surface.legend(fontsize=7, loc="lower left", framealpha=0.8)
        surface.set_xlabel("w (weight of the temperature)")
        surface.set_ylabel("b (bias)")
        curves.set_xlabel("epoch")
        curves.set_ylabel("loss (MSE)")
        curves.grid(alpha=0.3)
        fig.tight_layout()
        save(fig, out_dir, name)

    panels({f"lr {rates[k]} ({k})": v for k, v in by_rate.items()}, "04_learning_rates.png")
    panels(race, "04_race.png")

    return {
        "rates": rates,
        "by_rate": {k: v[0] for k, v in by_rate.items()},
        "race": {k: v[0] for k, v in race.items()},
        "surface_min": float(loss_surface(race)[2].min()),
    }


if __name__ == "__main__":
    main(out_dir_from_argv())
