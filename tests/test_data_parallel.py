"""Data-parallel batches: each thread trains its own rows of a batch, and the gradients are summed.

Large enough batches (Network::data_parallel_threads: 2^20 multiply-adds forward, 16 rows per
thread) run forward and backward on each thread's rows into gradients of its own; the threads
then sum them and each updates its own range of every parameter. The result must be the
NumPy twin's training, as for the serial loop: only the order of the gradient sums differs
(the threads' partial sums, then their sum) and the loss gradient is scaled by rows/batch
after the loss kernel divided by the thread's rows, a rounding or two per value.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastnn as fnn
from fastnn import optimizers, regularizers

# float64 weights after EPOCHS epochs: measured differences to the reference <= 2e-15 over
# these cases (the serial loop's measure, test_training_parity.py); the same margins.
PARITY_TOL = dict(rtol=1e-12, atol=1e-13)
EPOCHS = 3
IN, HIDDEN, OUT = 64, (128, 64), 3
BATCH = 64  # 64 x (64*128 + 128*64 + 64*3) = 1.06M multiply-adds: just data-parallel
N = BATCH * 3 + 1  # the last batch has one row: one thread trains it, the other has none


@pytest.fixture(autouse=True)
def two_threads():
    """Two threads whatever the machine has (OpenMP runs them on one core if need be)."""
    fnn.set_num_threads(2)
    yield
    fnn.set_num_threads(None)


def make_data(loss: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, IN))
    score = X[:, :3] @ np.array([1.0, -0.5, 0.25]) + 0.5 * X[:, 3] * X[:, 4]
    if loss == "mse":
        return X, np.stack([np.sin(score), np.cos(score), score / 3], axis=1)
    classes = np.digitize(score, [-0.5, 0.5])
    if loss == "sparse_categorical_crossentropy":
        return X, classes
    if loss == "binary_crossentropy":
        return X, np.eye(OUT)[classes]  # three independent yes/no outputs
    return X, np.eye(OUT)[classes]


def make_model(backend: str, loss: str, optimizer, activation="relu", regularizer=None):
    out_activation = {"mse": "linear", "binary_crossentropy": "sigmoid"}.get(loss, "softmax")
    model = fnn.Sequential(
        [
            fnn.Dense(HIDDEN[0], activation, input_dim=IN, kernel_regularizer=regularizer),
            fnn.Dense(HIDDEN[1], activation, use_bias=False),
            fnn.Dense(OUT, out_activation),
        ],
        dtype="float64",
        seed=3,
        backend=backend,
    )
    model.compile(optimizer(), loss, metrics=["accuracy", "mae", "mse"])
    return model


def train_both(loss, optimizer, fit_kwargs=None, **model_kwargs):
    X, y = make_data(loss)
    kwargs = {"epochs": EPOCHS, "batch_size": BATCH, "verbose": 0, **(fit_kwargs or {})}
    cpp = make_model("cpp", loss, optimizer, **model_kwargs)
    ref = make_model("reference", loss, optimizer, **model_kwargs)
    initial = cpp.get_weights()
    return cpp, cpp.fit(X, y, **kwargs), ref, ref.fit(X, y, **kwargs), initial


def assert_same(cpp, cpp_history, ref, ref_history, initial):
    for i, (a, b) in enumerate(zip(cpp.get_weights(), ref.get_weights(), strict=True)):
        np.testing.assert_allclose(a, b, **PARITY_TOL, err_msg=f"weights[{i}]")
    moved = max(np.abs(w - w0).max() for w, w0 in zip(cpp.get_weights(), initial, strict=True))
    assert moved > 1e-3
    for key, values in cpp_history.history.items():
        np.testing.assert_allclose(values, ref_history.history[key], **PARITY_TOL, err_msg=key)


def test_these_batches_train_data_parallel_and_small_ones_do_not():
    model = make_model("cpp", "mse", lambda: optimizers.SGD(0.01))
    network = model._network(BATCH)
    assert network.data_parallel_threads(BATCH) == 2
    assert network.data_parallel_threads(8) == 1  # too little work: the serial loop
    fnn.set_num_threads(1)
    assert network.data_parallel_threads(BATCH) == 1
    fnn.set_num_threads(2)
    # Over 2^20 parameters each thread's own gradients cost more than the barriers they save.
    wide = fnn.Sequential([fnn.Dense(1024, "relu", input_dim=1024), fnn.Dense(3)], seed=0)
    wide.compile(optimizers.SGD(0.01), "mse")
    assert wide._network(BATCH).data_parallel_threads(BATCH) == 1


OPTIMIZERS = {
    "sgd_momentum": lambda: optimizers.SGD(0.02, momentum=0.9),
    "sgd_nesterov_decay": lambda: optimizers.SGD(
        0.02, momentum=0.9, nesterov=True, weight_decay=0.01
    ),
    "adagrad": lambda: optimizers.Adagrad(0.02),
    "adadelta": lambda: optimizers.Adadelta(1.0),
    "rmsprop_centered": lambda: optimizers.RMSprop(0.002, centered=True, momentum=0.5),
    "adam_amsgrad": lambda: optimizers.Adam(0.002, amsgrad=True),
    "adamw": lambda: optimizers.AdamW(0.002, weight_decay=0.1),
}


@pytest.mark.parametrize("optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
@pytest.mark.parametrize(
    "loss",
    ["mse", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"],
)
def test_data_parallel_training_matches_the_reference(loss, optimizer):
    assert_same(*train_both(loss, optimizer, fit_kwargs={"validation_split": 0.1}))


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "elu"])
def test_activations_and_order(activation, shuffle):
    result = train_both(
        "categorical_crossentropy",
        OPTIMIZERS["adam_amsgrad"],
        fit_kwargs={"shuffle": shuffle},
        activation=activation,
    )
    assert_same(*result)


def test_regularization_penalty_and_gradient():
    result = train_both(
        "mse", OPTIMIZERS["sgd_momentum"], regularizer=regularizers.l1_l2(0.001, 0.01)
    )
    assert_same(*result)


def test_one_thread_and_two_train_alike():
    # Not bit for bit (the gradient sums go in another order), but to a few ulps.
    X, y = make_data("categorical_crossentropy")
    weights = []
    for threads in (1, 2):
        fnn.set_num_threads(threads)
        model = make_model("cpp", "categorical_crossentropy", OPTIMIZERS["sgd_momentum"])
        model.fit(X, y, epochs=EPOCHS, batch_size=BATCH, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_allclose(a, b, **PARITY_TOL)


def test_a_nan_loss_stops_before_the_update():
    # The serial loop's rule: a batch whose loss is not finite ends the call before its update,
    # so the weights are those after the batches before it.
    X, y = make_data("mse")
    X[BATCH + 5, 0] = np.nan  # a row of the second batch (not shuffled)
    runs = []
    for data in ((X, y), (X[:BATCH], y[:BATCH])):
        model = make_model("cpp", "mse", OPTIMIZERS["sgd_momentum"])
        network = model._network(BATCH)
        assert network.data_parallel_threads(BATCH) == 2
        sums = network.train_epoch(
            *data, batch_size=BATCH, shuffle=False, seed=0, epoch=0, learning_rate=0.02
        )
        runs.append((sums, model.get_weights()))
    (stopped, weights), (one_batch, expected) = runs
    assert stopped["finite"] is False and stopped["batches"] == 1
    assert one_batch["finite"] is True and one_batch["batches"] == 1
    assert stopped["loss"] == one_batch["loss"]
    for a, b in zip(weights, expected, strict=True):
        np.testing.assert_array_equal(a, b)  # the same operations on the same rows
