"""The chapter's running example: a perceptron decides whether a day is sunny or rainy.

Each day has a temperature (C) and an air pressure (hPa). The weather follows a hidden linear
rule, sunny when warm and high pressure; the perceptron has to find that line from examples.

    python examples/perceptron_weather.py
"""

import numpy as np

from fastnn import Perceptron

rng = np.random.default_rng(2024)


def make_days(n: int) -> tuple[np.ndarray, np.ndarray]:
    """n days, sunny (1) when temperature + pressure > 1028, none within 1.5 of that line."""
    temperature = rng.uniform(-5, 35, 3 * n)
    pressure = rng.uniform(990, 1040, 3 * n)
    margin = temperature + pressure - 1028
    keep = np.flatnonzero(np.abs(margin) > 1.5)[:n]  # a gap between the classes
    X = np.column_stack([temperature, pressure])[keep]
    return X, (margin[keep] > 0).astype(int)


X_train, y_train = make_days(300)
X_test, y_test = make_days(200)

# Standardise with the training days' statistics: hPa and degrees on one scale, so that
# neither feature dominates the weighted sum while the rule is learned.
mean, std = X_train.mean(axis=0), X_train.std(axis=0)
model = Perceptron(max_epochs=200, seed=0).fit((X_train - mean) / std, y_train)

w, b = model.coef_, model.intercept_
print(f"learned weights: temperature {w[0]:.3f}, pressure {w[1]:.3f} (standardised units)")
print(f"bias: {b:.3f}, so the neuron fires when w.x > threshold = -bias = {-b:.3f}")

# w.(x - mean)/std + b = 0 in original units: w_orig.x + b_orig = 0.
w_orig = w / std
b_orig = b - w_orig @ mean
slope = -w_orig[0] / w_orig[1]
print(
    f"decision boundary: pressure = {-b_orig / w_orig[1]:.1f} {'-' if slope < 0 else '+'} "
    f"{abs(slope):.3f} * temperature (sunny above; hidden rule: 1028 - 1 * temperature)"
)
print(f"epochs: {model.n_epochs_}, converged: {model.converged_}, mistakes: {model.errors_}")
print(f"test accuracy: {model.score((X_test - mean) / std, y_test):.3f}")
