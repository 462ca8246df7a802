"""Guide, page 5: from one neuron to a layer and a hidden layer (docs/guide/05_layers.md).

python examples/guide/05_layers.py [out_dir]     # pictures to docs/guide/images/
"""

from __future__ import annotations

from pathlib import Path

# [page] setup
import numpy as np
from _common import out_dir_from_argv, save, scatter_days, weather

import fastnn as fnn
from fastnn.datasets import train_test_split
from fastnn.playground import plot

# [/page]


def main(out_dir: Path) -> dict:
    import matplotlib.pyplot as plt

    # [page] one neuron
    X, y = weather(n_days=400, seed=1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_ratio=0.5, seed=0)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)

    def scaled(X):
        return (X - mean) / std  # the training days' scale, for every day

    neuron = fnn.Sequential([fnn.Dense(1, "sigmoid", input_dim=2)], seed=0)  # z = w.x + b, g(z)
    neuron.compile(fnn.optimizers.SGD(0.5), "binary_crossentropy", metrics=["accuracy"])
    neuron.fit(scaled(X_train), y_train, epochs=100, batch_size=10, verbose=0)
    w, b = neuron.get_weights()  # w (2, 1): one weight per input; b (1,)
    print(f"one neuron: w {w.shape}, b {b.shape}, "
          f"test accuracy {neuron.evaluate(scaled(X_test), y_test)[1]:.3f}")  # fmt: skip
    # [/page]

    # [page] a layer: neurons side by side
    targets = np.column_stack([y_train, X_train[:, 0] > 20, X_train[:, 1] > 1020])  # 3 questions
    layer = fnn.Sequential([fnn.Dense(3, "sigmoid", input_dim=2)], seed=0)  # 3 neurons
    layer.compile(fnn.optimizers.SGD(0.5), "binary_crossentropy")
    layer.fit(scaled(X_train), targets.astype(np.float32), epochs=200, batch_size=10, verbose=0)
    W, b = layer.get_weights()  # W (2, 3): column j is neuron j's weights; b (3,)
    days = scaled(X_test).astype(np.float32)
    together = layer.predict(days)  # Z = X W + b, Y = g(Z): all three at once
    one_by_one = [fnn.kernels.sigmoid_forward(days @ W[:, [j]] + b[j]) for j in range(3)]
    print(f"a layer: W {W.shape}, b {b.shape}; "
          f"all at once == one by one: {np.allclose(together, np.hstack(one_by_one), atol=1e-6)}")  # fmt: skip
    # [/page]

    # [page] a hidden layer, two output neurons
    network = fnn.Sequential(
        [fnn.Dense(4, "tanh", input_dim=2), fnn.Dense(2, "softmax")], seed=0
    )  # 2 inputs -> 4 hidden neurons -> 2 outputs: P(rainy), P(sunny)
    network.compile(
        fnn.optimizers.Adam(0.02), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = network.fit(scaled(X_train), y_train, epochs=200, batch_size=10, verbose=0,
                          validation_data=(scaled(X_test), y_test))  # fmt: skip
    print("weights:", [p.shape for p in network.get_weights()])
    _, accuracy = network.evaluate(scaled(X_test), y_test)
    print(f"hidden layer: test accuracy {accuracy:.3f}")
    probabilities = network.predict(scaled(np.array([[25.0, 1020.0], [5.0, 1000.0]])))
    print(f"25 C, 1020 hPa: P(sunny) {probabilities[0, 1]:.2f}; "
          f"5 C, 1000 hPa: P(sunny) {probabilities[1, 1]:.2f}")  # fmt: skip
    # [/page]

    # -- the pictures -----------------------------------------------------------------------
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharey=True)
    names = ["sunny", "warm: t > 20 °C", "high pressure: p > 1020 hPa"]
    t = np.linspace(X[:, 0].min(), X[:, 0].max(), 2)
    for j, ax in enumerate(axes):
        scatter_days(ax, X_train, targets[:, j].astype(int), size=8)
        w_orig = W[:, j] / std  # w.(x - mean)/std + b = 0 in degrees and hPa
        b_orig = b[j] - w_orig @ mean
        ax.plot(t, -(b_orig + w_orig[0] * t) / w_orig[1], "k-", lw=2)
        ax.set_ylim(X[:, 1].min() - 2, X[:, 1].max() + 2)
        ax.set_title(f"neuron {j + 1}: {names[j]}", fontsize=10)
        ax.legend().remove()
        if j:
            ax.set_ylabel("")
    fig.tight_layout()
    save(fig, out_dir, "05_layer.png")

    plot(
        network,
        X_train,
        y_train,
        X_test,
        y_test,
        history,
        out_dir / "05_hidden_layer.png",
        transform=scaled,
        input_names=["temperature", "pressure"],
        class_names=["rainy", "sunny"],
        title=f"the weather, 2-4-2, test accuracy {accuracy:.3f}",
        dpi=80,
    )

    return {
        "neuron_accuracy": neuron.evaluate(scaled(X_test), y_test)[1],
        "layer_shapes": (W.shape, b.shape),
        "layer_equal": np.allclose(together, np.hstack(one_by_one), atol=1e-6),
        "layer_accuracies": [
            float(np.mean((together[:, j] > 0.5) == targets_test))
            for j, targets_test in enumerate(
                np.column_stack([y_test, X_test[:, 0] > 20, X_test[:, 1] > 1020]).T
            )
        ],
        "shapes": [p.shape for p in network.get_weights()],
        "accuracy": accuracy,
        "probabilities": probabilities,
    }


if __name__ == "__main__":
    main(out_dir_from_argv())
