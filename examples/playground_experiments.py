"""The chapter's four TensorFlow Playground experiments, 1000 epochs each, on the circle.

    python examples/playground_experiments.py                 # writes docs/images/experiment_*.png
    python examples/playground_experiments.py --out-dir /tmp  # somewhere else

Playground's circle data set (a disc of one class inside a ring of the other, 500 points,
half for training) and its training: plain SGD, batches of 10. Only the hidden layers change:

1. one hidden layer of 2 sigmoid neurons;
2. two hidden sigmoid layers, 4 and 2 neurons (Playground's default shape);
3. one hidden layer of 2 ReLU neurons;
4. one hidden layer of 3 ReLU neurons.

The learning rate is 0.1 for all four: sigmoid neurons learn slowly at Playground's 0.03.
"""

import argparse
from pathlib import Path

import fastnn as fnn
from fastnn.datasets import PLAYGROUND_DOMAIN, make_playground, train_test_split
from fastnn.playground import plot

EXPERIMENTS = [
    ("1_sigmoid_2", "one hidden layer of 2 sigmoid neurons", (2,), "sigmoid"),
    ("2_sigmoid_4_2", "two hidden sigmoid layers of 4 and 2 neurons", (4, 2), "sigmoid"),
    ("3_relu_2", "one hidden layer of 2 ReLU neurons", (2,), "relu"),
    ("4_relu_3", "one hidden layer of 3 ReLU neurons", (3,), "relu"),
]
SEED = 0


def run(out_dir: Path, epochs: int = 1000) -> list[dict]:
    """Train the four networks, draw each to ``out_dir/experiment_<tag>.png``; returns each
    run's description, test loss and accuracy, and picture (examples/guide/06_playground.py
    shows them)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    X, y = make_playground("circle", n_samples=500, noise=0, seed=SEED)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_ratio=0.5, seed=SEED)
    results = []
    for number, (tag, description, hidden, activation) in enumerate(EXPERIMENTS, start=1):
        model = fnn.Sequential(seed=SEED)
        for i, units in enumerate(hidden):
            model.add(fnn.Dense(units, activation=activation, input_dim=2 if i == 0 else None))
        model.add(fnn.Dense(1, activation="sigmoid"))
        model.compile(
            optimizer=fnn.optimizers.SGD(learning_rate=0.1),
            loss="binary_crossentropy",
            metrics=["accuracy"],
        )
        history = model.fit(
            X_train,
            y_train,
            epochs=epochs,
            batch_size=10,
            validation_data=(X_test, y_test),
            verbose=0,
        )
        loss, accuracy = model.evaluate(X_test, y_test)
        path = out_dir / f"experiment_{tag}.png"
        plot(
            model,
            X_train,
            y_train,
            X_test,
            y_test,
            history,
            path,
            domain=PLAYGROUND_DOMAIN,
            title=(
                f"Experiment {number}: {description} · circle · {epochs} epochs · "
                f"test accuracy {accuracy:.3f}"
            ),
            dpi=80,
        )
        print(f"experiment {number}: {description}: test loss {loss:.4f}, accuracy {accuracy:.3f}")
        print(f"  wrote {path}")
        results.append(
            {"description": description, "loss": loss, "accuracy": accuracy, "path": path}
        )
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out-dir", type=Path, default=Path(__file__).parent.parent / "docs/images"
    )
    parser.add_argument("--epochs", type=int, default=1000)
    args = parser.parse_args()
    run(args.out_dir, args.epochs)
