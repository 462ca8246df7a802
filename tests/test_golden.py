"""Frozen numbers: a tiny network's weights and losses after ten SGD steps, committed as values.

llm.c's habit: every other test compares two implementations with each other, so a change that
moves both alike (an optimizer's default, a loss's reduction, the batch order) would pass them
all. These numbers only change when someone decides they should: regenerate them with the
script in GOLDEN's comment and say why in the commit.

2 -> 3 tanh -> 1 sigmoid, float64, XOR's four points, batches of 2 in order, binary
cross-entropy (the fused sigmoid path), SGD with lr 0.5 and momentum 0.9, 5 epochs from the
weights below. Both backends and every instruction-set level must give them: the runs differ
only in rounding (<= 1e-15 measured), so rtol 1e-12 (~4500 ulps) is tight enough that any
change of formula, default or order fails it.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastnn as fnn

pytestmark = pytest.mark.usefixtures("isa_level")

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([0.0, 1.0, 1.0, 0.0])
INITIAL = [
    np.array([[0.5, -0.3, 0.8], [-0.6, 0.9, 0.2]]),
    np.array([0.1, -0.1, 0.0]),
    np.array([[0.7], [-0.4], [0.5]]),
    np.array([0.05]),
]
# Made by the reference backend (NumPy) on 2026-12-04:
#   model.set_weights(INITIAL); model.fit(X, Y, epochs=5, batch_size=2, shuffle=False)
#   [w.tolist() for w in model.get_weights()], history.history["loss"]
GOLDEN_WEIGHTS = [
    [[0.038951653965232175, -0.1979790735581854, 0.9315799631329873],
     [-0.4857948529934584, 0.8007926424301546, 1.0807156545897958]],
    [-0.5323683904433331, 0.25393862269757755, 0.09388984865901387],
    [[0.050455778399908335], [-0.003020886592052907], [0.6368676401192407]],
    [-0.3154584884871839],
]  # fmt: skip
GOLDEN_LOSSES = [
    0.7461386409422659,
    0.7143877011810544,
    0.6981134307818151,
    0.6906073386329314,
    0.6805816477921117,
]
TOL = dict(rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("backend", ["cpp", "reference"])
def test_ten_steps_give_the_committed_numbers(backend):
    model = fnn.Sequential(
        [fnn.Dense(3, "tanh", input_dim=2), fnn.Dense(1, "sigmoid")],
        dtype="float64",
        backend=backend,
    )
    model.compile(fnn.optimizers.SGD(0.5, momentum=0.9), "binary_crossentropy")
    model.set_weights(INITIAL)
    history = model.fit(X, Y, epochs=5, batch_size=2, shuffle=False, verbose=0)
    assert model.optimizer.iterations == 10  # 5 epochs of 2 batches
    for got, want in zip(model.get_weights(), GOLDEN_WEIGHTS, strict=True):
        np.testing.assert_allclose(got, np.array(want), **TOL)
    np.testing.assert_allclose(history.history["loss"], GOLDEN_LOSSES, **TOL)
