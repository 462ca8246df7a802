"""predict's fast path: a cached core network, shared safely, never stale."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import fastnn as fnn
from fastnn import reference as ref

# At every instruction-set level this machine runs (conftest.py).
pytestmark = pytest.mark.usefixtures("isa_level")


def forward_by_hand(model, X):
    A = X.astype(model.dtype)
    for layer in model.layers:
        Z = ref.dense_forward(A, layer.kernel, layer.bias)
        A = getattr(ref, f"{layer.activation}_forward")(Z)
    return A


def small_model(dtype="float32", seed=0):
    return fnn.Sequential(
        [fnn.Dense(8, activation="tanh", input_dim=3), fnn.Dense(2, activation="softmax")],
        dtype=dtype,
        seed=seed,
    )


def test_predict_follows_weight_changes(rng):
    model = small_model()
    X = rng.standard_normal((5, 3)).astype(np.float32)
    before = model.predict(X)
    np.testing.assert_allclose(before, forward_by_hand(model, X), rtol=1e-5, atol=1e-6)
    weights = model.get_weights()
    weights[0] = weights[0] * 2
    model.set_weights(weights)
    after = model.predict(X)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, forward_by_hand(model, X), rtol=1e-5, atol=1e-6)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model.fit(X, np.eye(2, dtype=np.float32)[[0, 1, 0, 1, 0]], epochs=3, verbose=0)
    np.testing.assert_allclose(model.predict(X), forward_by_hand(model, X), rtol=1e-5, atol=1e-6)


def test_predict_after_adding_a_layer_uses_the_new_network(rng):
    model = fnn.Sequential([fnn.Dense(4, activation="relu", input_dim=3)], seed=1)
    X = rng.standard_normal((2, 3)).astype(np.float32)
    assert model.predict(X).shape == (2, 4)
    model.add(fnn.Dense(1, activation="sigmoid"))
    out = model.predict(X)
    assert out.shape == (2, 1)
    np.testing.assert_allclose(out, forward_by_hand(model, X), rtol=1e-5, atol=1e-6)


def test_predict_slow_path_converts_and_checks(rng):
    model = small_model()
    X64 = rng.standard_normal((4, 3))
    np.testing.assert_allclose(model.predict(X64), model.predict(X64.astype(np.float32)))
    np.testing.assert_allclose(model.predict(X64.tolist()), model.predict(X64.astype(np.float32)))
    fortran = np.asfortranarray(X64.astype(np.float32))
    np.testing.assert_allclose(model.predict(fortran), model.predict(X64.astype(np.float32)))
    with pytest.raises(ValueError, match="3"):
        model.predict(np.zeros((2, 4), np.float32))  # the fast path lets the core check it
    with pytest.raises(ValueError, match="X has 4 features but the model takes 3"):
        model.predict(np.zeros((2, 4)))


def test_nan_input_gives_nan_output_in_its_row():
    model = small_model()
    X = np.zeros((3, 3), np.float32)
    X[1, 0] = np.nan
    out = model.predict(X)
    assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2]]).all()


def test_predict_from_several_threads_at_once(rng):
    model = small_model(dtype="float64")
    inputs = [rng.standard_normal((n, 3)) for n in (1, 7, 300, 2000)]
    expected = [forward_by_hand(model, X) for X in inputs]
    errors = []

    def worker(i):
        try:
            for _ in range(50):
                np.testing.assert_allclose(model.predict(inputs[i]), expected[i], rtol=1e-12)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[0]


@pytest.mark.parametrize("backend", ["cpp", "reference"])
def test_read_only_weights_predict_and_evaluate_but_do_not_train(backend):
    # joblib loads arrays as read-only memmaps: inference must take them; training must not.
    model = small_model("float64", seed=3)
    model.backend = backend
    model.compile(optimizer="sgd", loss="mse")
    X = np.random.default_rng(1).normal(size=(9, model.input_dim))
    y = np.random.default_rng(2).normal(size=(9, model.output_dim))
    expected, expected_loss = model.predict(X), model.evaluate(X, y)
    for layer in model.layers:
        layer.kernel.setflags(write=False)
        layer.bias.setflags(write=False)
    model._predictor = None  # built afresh from the read-only arrays
    np.testing.assert_array_equal(model.predict(X), expected)
    assert model.evaluate(X, y) == expected_loss
    with pytest.raises(ValueError, match=r"weights\[0\] must be C-contiguous and writable"):
        model.fit(X, y, epochs=1, verbose=0)


@pytest.mark.parametrize("module", [fnn._core, ref])
def test_an_inference_network_refuses_to_train(module):
    W = np.ones((2, 1))
    W.setflags(write=False)
    net = module.Network(
        [{"in": 2, "out": 1, "activation": "linear"}],
        "mse",
        {"kind": "sgd"},
        [W],
        [np.zeros(1)],
        [np.zeros((1, 2, 1))],
        [np.zeros((1, 1))],
        4,
        trainable=False,
    )
    X = np.ones((3, 2))
    np.testing.assert_array_equal(net.predict(X), [[2.0], [2.0], [2.0]])
    with pytest.raises(ValueError, match=r"made for inference \(trainable=False\)"):
        net.train_epoch(
            X, np.ones((3, 1)), batch_size=2, shuffle=False, seed=0, epoch=0, learning_rate=0.1
        )


def test_the_core_network_refuses_swapped_bytes_and_keeps_its_arrays():
    def network(W):
        return fnn._core.Network(
            [{"in": 2, "out": 1, "activation": "linear"}],
            "mse",
            {"kind": "sgd"},
            W,
            [np.zeros(1)],
            [np.zeros((1, 2, 1))],
            [np.zeros((1, 1))],
            4,
        )

    with pytest.raises(ValueError, match=r"weights\[0\] must have native byte order"):
        network([np.ones((2, 1), dtype=">f8")])
    # The network holds the arrays themselves: replacing the list's item after construction
    # leaves it training (and reading) the array it was given, which stays alive.
    weights = [np.ones((2, 1))]
    net = network(weights)
    original = weights[0]
    weights[0] = np.zeros((2, 1))
    del original
    np.testing.assert_array_equal(net.predict(np.ones((1, 2))), [[2.0]])
