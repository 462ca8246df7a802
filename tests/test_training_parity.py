"""Sequential trained by the fused C++ loop (backend "cpp") against its NumPy twin
(backend "reference"): the same model, the same initial weights (same seed), the same data,
several epochs, for every optimizer, loss, activation and option of the loop.

The two loops do the same operations in the same order, batch for batch; what differs is the
summation order inside the GEMMs (Eigen's blocking against NumPy's BLAS) and libm's exp/log/tanh
against NumPy's. So in float64 they agree to a few ulps per batch, and the difference grows
slowly with the updates.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastnn as fnn
from fastnn import optimizers, regularizers, tables

# At every instruction-set level this machine runs (conftest.py).
pytestmark = pytest.mark.usefixtures("isa_level")

# Weights and History of the two backends after EPOCHS epochs, float64. Measured over every
# case in this file: weights differ by at most 3e-15 absolute (weights are O(1), so ~10 ulps),
# History entries by at most 2e-15 relative. atol 1e-13 / rtol 1e-12 leave a >30x margin (for
# other BLAS builds and thread counts) and are still ~1e9x tighter than any real bug: a wrong
# sign, a missing term or a batch in another order moves the weights by 1e-4 or more.
PARITY_TOL = dict(rtol=1e-12, atol=1e-13)

EPOCHS = 5
N_SAMPLES = 103  # not a multiple of BATCH_SIZE: every epoch ends with a partial batch
BATCH_SIZE = 16
N_FEATURES = 4

# Every optimizer, with its flags, and weight decay on; learning rates that move the weights
# well away from their start in EPOCHS epochs without blowing up.
OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(0.05),
    "sgd_momentum": lambda: optimizers.SGD(0.05, momentum=0.9),
    "sgd_nesterov": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "sgd_momentum_decay": lambda: optimizers.SGD(0.05, momentum=0.5, weight_decay=0.01),
    "adagrad": lambda: optimizers.Adagrad(0.05, initial_accumulator_value=0.1),
    "adagrad_decay": lambda: optimizers.Adagrad(0.05, weight_decay=0.01),
    "adadelta": lambda: optimizers.Adadelta(1.0),
    "adadelta_decay": lambda: optimizers.Adadelta(0.5, rho=0.8, weight_decay=0.01),
    "rmsprop": lambda: optimizers.RMSprop(0.01),
    "rmsprop_centered": lambda: optimizers.RMSprop(0.01, centered=True),
    "rmsprop_momentum": lambda: optimizers.RMSprop(0.005, momentum=0.9),
    "rmsprop_all": lambda: optimizers.RMSprop(
        0.005, momentum=0.5, centered=True, weight_decay=0.01
    ),
    "adam": lambda: optimizers.Adam(0.01),
    "adam_amsgrad": lambda: optimizers.Adam(0.01, amsgrad=True),
    "adam_decay": lambda: optimizers.Adam(0.01, weight_decay=0.01),
    "adamw": lambda: optimizers.AdamW(0.01),
    "adamw_amsgrad": lambda: optimizers.AdamW(0.01, amsgrad=True, weight_decay=0.1),
}

# (loss, output units, output activation): bce with a sigmoid output runs the fused
# sigmoid_binary_crossentropy kernel, with a 2-unit softmax output (probabilities, which
# compile allows without a warning) the unfused binary_crossentropy + softmax backward.
LOSSES = {
    "mse": ("mse", 2, "linear"),
    "mse_sigmoid": ("mse", 1, "sigmoid"),
    "bce_sigmoid": ("binary_crossentropy", 1, "sigmoid"),
    "bce_softmax": ("binary_crossentropy", 2, "softmax"),
    "cce": ("categorical_crossentropy", 3, "softmax"),
    "sparse_cce": ("sparse_categorical_crossentropy", 3, "softmax"),
}

# Every activation of the core's table as the hidden layers', and those with a parameter at
# another setting too.
HIDDEN_ACTIVATIONS = [(name, None) for name in tables.ACTIVATIONS] + [
    ("leaky_relu", 0.2),
    ("elu", 0.5),
]


def make_data(loss: str, seed: int = 0, n: int = N_SAMPLES):
    """Unit-scale features and targets that suit `loss`, from a fixed generator."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_FEATURES))
    _, units, _ = LOSSES[loss]
    if loss == "mse":
        y = np.stack([np.sin(X[:, 0] + X[:, 1]), X[:, 2] * X[:, 3]], axis=1)
    elif units == 1:
        y = (X[:, 0] * X[:, 1] + 0.3 * X[:, 2] > 0).astype(float)
    else:
        classes = (X[:, 0] > 0).astype(int) + (X[:, 1] * X[:, 2] > 0).astype(int)
        classes = np.minimum(classes, units - 1)
        y = classes if loss == "sparse_cce" else np.eye(units)[classes]
    return X, y


def make_model(
    backend: str,
    loss: str,
    optimizer,
    hidden=("tanh", None),
    use_bias=(True, False, True),
    regularizer=None,
    seed: int = 7,
):
    """input -> 8 (hidden activation) -> 5 relu -> output, float64."""
    loss_name, units, out_activation = LOSSES[loss]
    activation, alpha = hidden
    model = fnn.Sequential(
        [
            fnn.Dense(
                8,
                activation,
                input_dim=N_FEATURES,
                alpha=alpha,
                use_bias=use_bias[0],
                kernel_regularizer=regularizer,
            ),
            fnn.Dense(5, "relu", use_bias=use_bias[1], kernel_regularizer=regularizer),
            fnn.Dense(units, out_activation, use_bias=use_bias[2]),
        ],
        dtype="float64",
        seed=seed,
        backend=backend,
    )
    model.compile(optimizer(), loss_name, metrics=["accuracy", "mae", "mse"])
    return model


def train_both(loss: str, optimizer, fit_kwargs=None, **model_kwargs):
    """Train the C++ and the reference model alike; returns both models and histories."""
    X, y = make_data(loss)
    fit_kwargs = {"epochs": EPOCHS, "batch_size": BATCH_SIZE, "verbose": 0, **(fit_kwargs or {})}
    out = []
    for backend in ("cpp", "reference"):
        model = make_model(backend, loss, optimizer, **model_kwargs)
        initial = model.get_weights()
        history = model.fit(X, y, **fit_kwargs)
        out.append((model, history, initial))
    (cpp, cpp_history, cpp_initial), (ref, ref_history, ref_initial) = out
    for a, b in zip(cpp_initial, ref_initial, strict=True):
        np.testing.assert_array_equal(a, b)  # same seed, same start
    return cpp, cpp_history, ref, ref_history, cpp_initial


def assert_same_training(cpp, cpp_history, ref, ref_history, initial):
    cpp_weights, ref_weights = cpp.get_weights(), ref.get_weights()
    assert len(cpp_weights) == len(ref_weights)
    for i, (a, b) in enumerate(zip(cpp_weights, ref_weights, strict=True)):
        assert a.dtype == b.dtype == np.float64 and a.shape == b.shape
        np.testing.assert_allclose(a, b, **PARITY_TOL, err_msg=f"weights[{i}]")
    # The comparison means something only if training moved the weights.
    moved = max(np.max(np.abs(w - w0)) for w, w0 in zip(cpp_weights, initial, strict=True))
    assert moved > 1e-3
    assert cpp_history.history.keys() == ref_history.history.keys()
    assert cpp_history.epoch == ref_history.epoch
    for key, values in cpp_history.history.items():
        assert len(values) == len(cpp_history.epoch)
        assert np.all(np.isfinite(values)), key
        np.testing.assert_allclose(values, ref_history.history[key], **PARITY_TOL, err_msg=key)


@pytest.mark.parametrize("optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
@pytest.mark.parametrize("loss", LOSSES)
def test_every_optimizer_and_loss(loss, optimizer):
    # shuffled, a partial last batch, a layer without bias, a validation split
    result = train_both(loss, optimizer, fit_kwargs={"validation_split": 0.2})
    assert_same_training(*result)
    history = result[1].history
    assert set(history) == {"loss", "accuracy", "mae", "mse"} | {
        f"val_{k}" for k in ("loss", "accuracy", "mae", "mse")
    }


@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS, ids=lambda h: f"{h[0]}-{h[1]}")
@pytest.mark.parametrize("loss", ["mse", "bce_sigmoid", "sparse_cce"])
def test_every_hidden_activation(hidden, loss):
    result = train_both(loss, OPTIMIZERS["adam"], hidden=hidden)
    assert_same_training(*result)


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("batch_size", [1, 10, 16, N_SAMPLES, 500])
def test_shuffle_and_batch_sizes(shuffle, batch_size):
    # 103 = 10 * 10 + 3 = 16 * 6 + 7: partial last batches; 103 and 500: one whole batch
    # A gentle rate: with batch_size 1, SGD(0.05, momentum=0.9) makes 515 violent updates
    # that amplify the rounding differences to ~2e-12 (measured), past PARITY_TOL's atol.
    result = train_both(
        "bce_sigmoid",
        lambda: optimizers.SGD(0.01, momentum=0.5),
        fit_kwargs={"shuffle": shuffle, "batch_size": batch_size},
    )
    assert_same_training(*result)


@pytest.mark.parametrize(
    "regularizer",
    [regularizers.l1(0.01), regularizers.l2(0.01), regularizers.l1_l2(0.005, 0.02)],
    ids=["l1", "l2", "l1_l2"],
)
@pytest.mark.parametrize("loss", ["mse", "cce"])
def test_regularizers(regularizer, loss):
    result = train_both(loss, OPTIMIZERS["rmsprop"], regularizer=regularizer)
    assert_same_training(*result)


def test_regularization_is_in_the_loss():
    # The history's loss includes the penalty l1 sum|W| + l2 sum W^2 of the regularized
    # kernels: with learning rate 0 (constant weights) it is the plain model's loss plus that.
    X, y = make_data("mse")
    no_update = lambda: optimizers.SGD(0.0)  # noqa: E731
    plain = make_model("cpp", "mse", no_update).fit(X, y, epochs=1, verbose=0)
    model = make_model("cpp", "mse", no_update, regularizer=regularizers.l1_l2(0.01, 0.02))
    penalized = model.fit(X, y, epochs=1, verbose=0)
    # kernel_regularizer is on the first two layers only (see make_model)
    kernels = [layer.kernel for layer in model.layers[:2]]
    expected = sum(0.01 * np.abs(W).sum() + 0.02 * (W * W).sum() for W in kernels)
    assert expected > 0.05
    # float64 sums of ~50 terms each, and a difference of two O(1) losses: 1e-12 is ~1000 ulps
    np.testing.assert_allclose(
        penalized.history["loss"][0] - plain.history["loss"][0], expected, rtol=1e-12
    )


@pytest.mark.parametrize("use_bias", [(False, False, False), (True, True, False)])
def test_layers_without_bias(use_bias):
    result = train_both("sparse_cce", OPTIMIZERS["adam_amsgrad"], use_bias=use_bias)
    assert_same_training(*result)
    assert len(result[0].get_weights()) == 3 + sum(use_bias)


def test_validation_data_and_initial_epoch():
    X_val, y_val = make_data("cce", seed=1, n=40)
    result = train_both(
        "cce",
        OPTIMIZERS["sgd_nesterov"],
        fit_kwargs={"validation_data": (X_val, y_val), "initial_epoch": 2, "epochs": 6},
    )
    assert_same_training(*result)
    assert result[1].epoch == [2, 3, 4, 5]
    assert len(result[1].history["val_accuracy"]) == 4


def test_learning_rate_schedule():
    schedule = lambda: optimizers.Adam(  # noqa: E731
        optimizers.StepDecay(0.02, drop=0.5, epochs_per_drop=2)
    )
    result = train_both("mse", schedule)
    assert_same_training(*result)


def test_progress_bar_chunks(capsys):
    # verbose=1 hands the core an epoch in chunks (>= 40 batches); the shuffled order and the
    # updates must be those of one call per epoch, on both backends.
    fit_kwargs = {"batch_size": 2, "epochs": 2}
    one_call = train_both("mse", OPTIMIZERS["adam"], fit_kwargs=fit_kwargs)
    chunked = train_both("mse", OPTIMIZERS["adam"], fit_kwargs={**fit_kwargs, "verbose": 1})
    assert "epoch" in capsys.readouterr().out
    assert_same_training(*chunked)
    for a, b in zip(one_call[0].get_weights(), chunked[0].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # the same C++ operations: bit for bit
    for a, b in zip(one_call[2].get_weights(), chunked[2].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_evaluate_and_predict_agree():
    cpp, _, ref, _, _ = train_both("cce", OPTIMIZERS["adam"])
    X, y = make_data("cce", seed=3, n=57)
    np.testing.assert_allclose(cpp.predict(X), ref.predict(X), **PARITY_TOL)
    np.testing.assert_allclose(
        cpp.evaluate(X, y), ref.evaluate(X, y), **PARITY_TOL
    )  # [loss, accuracy, mae, mse]
