"""Dropout, BatchNormalization and gradient clipping (issue 14 items 1, 2, 4).

The NumPy twins are proven first (finite differences in float64, the masks' statistics), then
the fused C++ loop is held to the NumPy loop that uses them: the same masks (drawn bit for bit
from the same counter-based generator), the same normalization, the same clipping. Tolerances
are test_training_parity's (PARITY_TOL, float64), for the reasons written there.
"""

from __future__ import annotations

import inspect
import io

import numpy as np
import pytest

import fastnn as fnn
from fastnn import _core, kernels, optimizers, reference, tables
from fastnn.reference.batch_norm import (
    batch_norm_backward,
    batch_norm_forward,
    batch_norm_inference,
)
from fastnn.reference.dropout import dropout_backward, dropout_forward, dropout_mask
from fastnn.reference.random import dropout_key

pytestmark = pytest.mark.usefixtures("isa_level")

PARITY_TOL = dict(rtol=1e-12, atol=1e-13)


# ---- the twins, proven -----------------------------------------------------------------------


@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (True, False)])
@pytest.mark.parametrize("rows", [1, 2, 7])
def test_batch_norm_backward_is_the_gradient_of_its_forward(center, scale, rows):
    # Finite differences of L = sum(out * R) in float64: central, h = 1e-6, so the truncation
    # error is ~h^2 = 1e-12 and the rounding ~1e-16 / h = 1e-10; rtol 1e-6 is far above both
    # and far below any missing term (which is O(1) relative).
    rng = np.random.default_rng(rows)
    A = rng.normal(size=(rows, 5)) * 3 + 1
    gamma = rng.normal(size=5) if scale else None
    beta = rng.normal(size=5) if center else None
    R = rng.normal(size=(rows, 5))

    def loss(A_, gamma_=gamma, beta_=beta):
        out, _, _ = batch_norm_forward(A_, gamma_, beta_, np.zeros(5), np.ones(5), momentum=0.9)
        return float(np.sum(out * R))

    _, H, inv_std = batch_norm_forward(A, gamma, beta, np.zeros(5), np.ones(5), momentum=0.9)
    dA, dgamma, dbeta = batch_norm_backward(R, H, inv_std, gamma)
    h = 1e-6

    def numeric(f, x):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            up, down = x.copy(), x.copy()
            up[i] += h
            down[i] -= h
            g[i] = (f(up) - f(down)) / (2 * h)
        return g

    np.testing.assert_allclose(dA, numeric(loss, A), rtol=1e-6, atol=1e-8)
    if scale:
        np.testing.assert_allclose(
            dgamma, numeric(lambda g: loss(A, g, beta), gamma), rtol=1e-6, atol=1e-8
        )
    if center:
        np.testing.assert_allclose(
            dbeta, numeric(lambda b: loss(A, gamma, b), beta), rtol=1e-6, atol=1e-8
        )


def test_batch_norm_forward_normalizes_and_moves_the_statistics():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(50, 3)) * [1, 10, 0.1] + [5, -2, 0]
    mean, var = np.zeros(3), np.ones(3)
    out, _, _ = batch_norm_forward(A, None, None, mean, var, momentum=0.9, epsilon=1e-3)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), A.var(axis=0) / (A.var(axis=0) + 1e-3))
    np.testing.assert_allclose(mean, 0.1 * A.mean(axis=0))
    np.testing.assert_allclose(var, 0.9 + 0.1 * A.var(axis=0))  # Keras: the biased variance
    inferred = batch_norm_inference(A, None, None, mean, var, epsilon=1e-3)
    np.testing.assert_allclose(inferred, (A - mean) / np.sqrt(var + 1e-3))


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.5, 0.9])
def test_dropout_masks_keep_one_minus_rate_and_scale_the_rest(rate):
    mask = dropout_mask(1000, 100, 0, rate, dropout_key(1, 1, 0))
    # 10**5 draws: the kept fraction's standard deviation is <= 0.0016; 0.01 is > 6 sigma.
    assert abs(mask.mean() - (1 - rate)) < 0.01
    A = np.ones((1000, 100))
    out, kept = dropout_forward(A, rate=rate, key=dropout_key(1, 1, 0))
    np.testing.assert_array_equal(kept, mask)
    np.testing.assert_array_equal(out[mask], 1 / (1 - rate))
    np.testing.assert_array_equal(out[~mask], 0)
    np.testing.assert_array_equal(dropout_backward(A, kept, rate=rate), out)
    # Rows of a batch are a window of one stream: a thread's rows draw what one thread draws.
    np.testing.assert_array_equal(
        dropout_mask(10, 100, 990, rate, dropout_key(1, 1, 0)), mask[990:]
    )


def test_dropout_streams_differ_by_seed_step_and_layer():
    base = dropout_mask(64, 64, 0, 0.5, dropout_key(1, 1, 0))
    for key in (dropout_key(2, 1, 0), dropout_key(1, 2, 0), dropout_key(1, 1, 1)):
        assert (dropout_mask(64, 64, 0, 0.5, key) != base).mean() > 0.4


# ---- clip_gradients: the kernel against its twin ---------------------------------------------


CLIPS = [{"clipnorm": 0.5}, {"clipvalue": 0.01}, {"global_clipnorm": 0.7}, {"clipnorm": 1e6}, {}]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("clip", CLIPS, ids=[str(c) for c in CLIPS])
def test_clip_gradients_kernel_equals_its_twin(dtype, clip):
    rng = np.random.default_rng(0)
    shapes = [(1,), (3, 5), (17,), (64, 33)]
    grads = [rng.normal(size=s).astype(dtype) for s in shapes]
    ours, twins = [g.copy() for g in grads], [g.copy() for g in grads]
    kernels.clip_gradients(ours, **clip)
    reference.clip_gradients(twins, **clip)
    # float64 sums of squares in both, in other orders: a few ulps of the dtype.
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    for a, b in zip(ours, twins, strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0)
    if "clipnorm" in clip and clip["clipnorm"] < 1:
        assert all(np.linalg.norm(g) <= 0.5 * (1 + 1e-6) for g in ours)
    if "global_clipnorm" in clip:
        total = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in ours))
        assert total == pytest.approx(0.7, rel=1e-6)
    if "clipvalue" in clip:
        assert max(np.max(np.abs(g)) for g in ours) == pytest.approx(0.01)
    if clip in ({}, {"clipnorm": 1e6}):
        for a, g in zip(ours, grads, strict=True):
            np.testing.assert_array_equal(a, g)


@pytest.mark.parametrize("module", [kernels, reference], ids=["kernel", "twin"])
def test_clip_gradients_refuses_bad_limits(module):
    g = [np.ones(3)]
    with pytest.raises(ValueError, match="at most one of clipnorm, clipvalue and global_clipnorm"):
        module.clip_gradients(g, clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="clipnorm must be a finite number >= 0"):
        module.clip_gradients(g, clipnorm=-1.0)
    with pytest.raises(ValueError, match="clipvalue must be a finite number >= 0"):
        module.clip_gradients(g, clipvalue=float("nan"))
    with pytest.raises(TypeError, match="global_clipnorm must be a number"):
        module.clip_gradients(g, global_clipnorm="1")


def test_clip_gradients_kernel_refuses_arrays_it_cannot_write():
    with pytest.raises(TypeError, match=r"grads\[1\] must have dtype float64"):
        kernels.clip_gradients([np.ones(2), np.ones(2, np.float32)], clipnorm=1.0)
    read_only = np.ones(3)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match=r"grads\[0\] must be C-contiguous, writable"):
        kernels.clip_gradients([read_only], clipnorm=1.0)
    with pytest.raises(ValueError, match=r"grads\[0\] must be C-contiguous, writable"):
        kernels.clip_gradients([np.ones((4, 4))[:, ::2]], clipnorm=1.0)


def test_optimizer_update_and_apply_gradients_clip():
    p, g = np.zeros(2), np.array([3.0, 4.0])  # norm 5
    opt = optimizers.SGD(1.0, clipnorm=1.0)
    opt.update(p, g, opt.init_state(p), step=1)
    np.testing.assert_allclose(p, [-0.6, -0.8])
    np.testing.assert_array_equal(g, [3.0, 4.0])  # the caller's gradient is not touched
    W, b = np.zeros(2), np.zeros(1)
    opt = optimizers.SGD(1.0, global_clipnorm=1.0)
    opt.apply_gradients([(np.array([3.0, 4.0]), W), (np.array([12.0]), b)])  # joint norm 13
    np.testing.assert_allclose(np.concatenate([W, b]), -np.array([3, 4, 12]) / 13)
    assert opt.iterations == 1
    assert opt.get_config()["global_clipnorm"] == 1.0 and opt.global_clipnorm == 1.0
    assert optimizers.get(opt.get_config()).clipping == opt.clipping
    with pytest.raises(ValueError, match="Adam: set at most one"):
        optimizers.Adam(clipnorm=1.0, global_clipnorm=1.0)


# ---- the fused loop against the NumPy loop ---------------------------------------------------


def _data(n=103, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, features)) * 2 + 0.5
    y = ((X[:, 0] > 0.5).astype(int) + (X[:, 1] * X[:, 2] > 0).astype(int)) % classes
    return X, y


def _model(backend, layers, optimizer=None, loss="sparse_categorical_crossentropy", seed=5):
    model = fnn.Sequential(layers(), dtype="float64", seed=seed, backend=backend)
    model.compile(optimizer() if optimizer else optimizers.Adam(0.01), loss, ["accuracy"])
    return model


ARCHITECTURES = {
    "bn": lambda: [
        fnn.Dense(12, "relu", input_dim=6),
        fnn.BatchNormalization(),
        fnn.Dense(3, "softmax"),
    ],
    "dropout": lambda: [
        fnn.Dense(12, "tanh", input_dim=6),
        fnn.Dropout(0.4),
        fnn.Dense(3, "softmax"),
    ],
    "bn_dropout_both_layers": lambda: [
        fnn.Dense(16, "relu", input_dim=6),
        fnn.BatchNormalization(momentum=0.9),
        fnn.Dropout(0.3),
        fnn.Dense(8, "elu", use_bias=False),
        fnn.BatchNormalization(center=False, epsilon=1e-2),
        fnn.Dropout(0.2, seed=11),
        fnn.Dense(3, "softmax"),
    ],
    # Keras' "Dense, BatchNormalization, Activation" pattern (no bias before a normalization:
    # its gradient is 0 up to rounding, which Adam would turn into steps of noise), and an
    # output Activation standing for the Dense layer's own.
    "bn_then_activation": lambda: [
        fnn.Dense(12, input_dim=6, use_bias=False),
        fnn.BatchNormalization(),
        fnn.Activation("relu"),
        fnn.Dropout(0.2),
        fnn.Dense(8, use_bias=False),
        fnn.BatchNormalization(scale=False),
        fnn.Activation("leaky_relu", alpha=0.1),
        fnn.Dense(3),
        fnn.Activation("softmax"),
    ],
    # Keras' Dropout of the inputs, before the first Dense layer.
    "input_dropout": lambda: [
        fnn.Dropout(0.25, input_dim=6),
        fnn.Dense(12, "tanh"),
        fnn.Dropout(0.1),
        fnn.Dense(3, "softmax"),
    ],
    "bn_without_scale": lambda: [
        fnn.Dense(10, "sigmoid", input_dim=6),
        fnn.BatchNormalization(scale=False, momentum=0.5),
        fnn.Dense(3, "softmax"),
    ],
}


def _train_both(layers, optimizer=None, epochs=4, batch_size=16, shuffle=True, loss=None, y=None):
    X, labels = _data()
    loss = loss or "sparse_categorical_crossentropy"
    target = labels if y is None else y
    out = []
    for backend in ("cpp", "reference"):
        model = _model(backend, layers, optimizer, loss)
        start = model.get_weights()
        history = model.fit(
            X, target, epochs=epochs, batch_size=batch_size, shuffle=shuffle, verbose=0
        )
        out.append((model, history, start))
    return X, target, out


def _assert_same(out):
    (cpp, cpp_h, start), (ref, ref_h, _) = out
    for i, (a, b) in enumerate(zip(cpp.get_weights(), ref.get_weights(), strict=True)):
        np.testing.assert_allclose(a, b, **PARITY_TOL, err_msg=f"weights[{i}]")
    moved = max(np.max(np.abs(a - b)) for a, b in zip(cpp.get_weights(), start, strict=True))
    assert moved > 1e-3  # training moved the weights: the comparison means something
    for key, values in cpp_h.history.items():
        np.testing.assert_allclose(values, ref_h.history[key], **PARITY_TOL, err_msg=key)


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=ARCHITECTURES.keys())
@pytest.mark.parametrize("batch_size", [1, 16, 103])
def test_fused_loop_equals_numpy_loop(arch, batch_size):
    X, y, out = _train_both(ARCHITECTURES[arch], batch_size=batch_size, epochs=2)
    _assert_same(out)
    (cpp, _, _), (ref, _, _) = out
    # predict and evaluate: moving statistics, no dropout.
    np.testing.assert_allclose(cpp.predict(X), ref.predict(X), **PARITY_TOL)
    np.testing.assert_allclose(cpp.evaluate(X, y), ref.evaluate(X, y), **PARITY_TOL)


OPTIMIZERS = {
    "sgd_momentum": lambda: optimizers.SGD(0.05, momentum=0.9),
    "rmsprop": lambda: optimizers.RMSprop(0.005),
    "adamw": lambda: optimizers.AdamW(0.01),
    "adam_clipnorm": lambda: optimizers.Adam(0.05, clipnorm=0.1),
    "sgd_clipvalue": lambda: optimizers.SGD(0.1, clipvalue=0.01),
    "adagrad_global_clipnorm": lambda: optimizers.Adagrad(0.1, global_clipnorm=0.2),
}


@pytest.mark.parametrize("optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_every_kind_of_update_trains_gamma_and_beta_alike(optimizer):
    _, _, out = _train_both(ARCHITECTURES["bn_dropout_both_layers"], optimizer)
    _assert_same(out)


@pytest.mark.parametrize("clip", CLIPS[:3], ids=[str(c) for c in CLIPS[:3]])
def test_clipping_in_the_loop_equals_the_numpy_loop_and_changes_training(clip):
    def plain():
        return [fnn.Dense(16, "tanh", input_dim=6), fnn.Dense(3, "softmax")]

    _, _, clipped = _train_both(plain, lambda: optimizers.SGD(0.5, **clip))
    _assert_same(clipped)
    _, _, unclipped = _train_both(plain, lambda: optimizers.SGD(0.5))
    difference = max(
        np.max(np.abs(a - b))
        for a, b in zip(clipped[0][0].get_weights(), unclipped[0][0].get_weights(), strict=True)
    )
    assert difference > 1e-3


@pytest.mark.parametrize(
    ("batch_norm", "n", "clip"),
    [
        (False, 600, {}),
        (False, 513, {}),
        (True, 600, {}),
        (True, 513, {}),
        (True, 513, {"clipnorm": 0.05}),
        (True, 600, {"global_clipnorm": 0.1}),
        (True, 600, {"clipvalue": 0.001}),
        ("inputs", 513, {}),
    ],
    ids=[
        "dropout",
        "dropout-513",
        "bn",
        "bn-513",
        "bn-clipnorm",
        "bn-global",
        "bn-clipvalue",
        "input-dropout",
    ],
)
def test_data_parallel_training_equals_the_numpy_loop(batch_norm, n, clip):
    # 64-256-256-10 at batch 256 is past the data-parallel threshold (network.cpp): its threads
    # draw their rows' masks from the same stream as one thread, and add up their rows'
    # normalization sums and gradient norms (clipping) between barriers, so the result is the
    # NumPy loop's. n = 513 ends each epoch with a batch of 1 row: fewer rows than threads,
    # which thread 0 trains alone. The clipping limits are below the gradients' norms.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, 64))
    y = rng.integers(0, 10, size=n)

    def layers():
        norm = [fnn.BatchNormalization(), fnn.Activation("tanh")] if batch_norm else []
        inputs = [fnn.Dropout(0.2, input_dim=64)] if batch_norm == "inputs" else []
        return [
            *inputs,
            fnn.Dense(256, "relu", input_dim=None if inputs else 64),
            *norm,
            fnn.Dropout(0.5),
            fnn.Dense(256, "relu"),
            *([fnn.BatchNormalization(center=False)] if batch_norm else []),
            fnn.Dropout(0.25),
            fnn.Dense(10, "softmax"),
        ]

    previous = fnn.get_num_threads()
    fnn.set_num_threads(2)
    try:
        models = []
        for backend in ("cpp", "reference"):
            model = _model(backend, layers, lambda: optimizers.SGD(0.05, **clip))
            model.fit(X, y, epochs=2, batch_size=256, verbose=0)
            models.append(model)
        assert models[0]._network(256).data_parallel_threads(256) == 2
    finally:
        fnn.set_num_threads(previous)
    for a, b in zip(models[0].get_weights(), models[1].get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12)


def test_float32_loop_follows_the_numpy_loop():
    X, y = _data()
    weights = []
    for backend in ("cpp", "reference"):
        model = fnn.Sequential(ARCHITECTURES["bn_dropout_both_layers"](), seed=3, backend=backend)
        model.compile(optimizers.Adam(0.01, clipnorm=1.0), "sparse_categorical_crossentropy")
        model.fit(X, y, epochs=3, batch_size=16, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights, strict=True):
        assert a.dtype == np.float32
        # float32 through 21 updates: differences of a few float32 ulps grow to ~1e-5.
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


# ---- semantics -------------------------------------------------------------------------------


def test_dropout_is_off_in_predict_and_evaluate_and_on_in_fit():
    X, y = _data()
    model = _model("cpp", ARCHITECTURES["dropout"])
    np.testing.assert_array_equal(model.predict(X), model.predict(X))
    no_dropout = fnn.Sequential(
        [fnn.Dense(12, "tanh", input_dim=6), fnn.Dense(3, "softmax")], dtype="float64", seed=5
    )
    no_dropout.compile(optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    np.testing.assert_allclose(model.predict(X), no_dropout.predict(X))  # same weights
    model.fit(X, y, epochs=1, verbose=0)
    no_dropout.fit(X, y, epochs=1, verbose=0)
    assert not np.allclose(model.get_weights()[0], no_dropout.get_weights()[0])


def test_dropout_seed_and_model_seed_choose_the_masks():
    X, y = _data()

    def trained(dropout_seed, model_seed=5):
        model = _model(
            "cpp",
            lambda: [
                fnn.Dense(12, "tanh", input_dim=6),
                fnn.Dropout(0.5, seed=dropout_seed),
                fnn.Dense(3, "softmax"),
            ],
            seed=model_seed,
        )
        model.set_weights(_model("cpp", ARCHITECTURES["dropout"]).get_weights())
        model.fit(X, y, epochs=1, verbose=0)
        return model.get_weights()[0]

    np.testing.assert_array_equal(trained(7), trained(7))
    assert not np.allclose(trained(7), trained(8))
    assert not np.allclose(trained(7, 5), trained(7, 6))


def test_batch_norm_moving_statistics_follow_keras():
    X, y = _data()
    model = _model("cpp", ARCHITECTURES["bn"], lambda: optimizers.SGD(0.0))
    W, b = model.layers[0].kernel.copy(), model.layers[0].bias.copy()
    model.fit(X, y, epochs=1, batch_size=len(X), verbose=0)  # one batch, no update (lr 0)
    A = np.maximum(X @ W + b, 0)
    bn = model.layers[1]
    np.testing.assert_allclose(bn.moving_mean, 0.01 * A.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.moving_variance, 0.99 + 0.01 * A.var(axis=0), rtol=1e-12)
    # predict normalizes by the moving statistics.
    expected = (A - bn.moving_mean) / np.sqrt(bn.moving_variance + bn.epsilon)
    expected = expected * bn.gamma + bn.beta
    Z = expected @ model.layers[2].kernel + model.layers[2].bias
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(model.predict(X), P / P.sum(axis=1, keepdims=True), rtol=1e-10)
    outputs = model.layer_outputs(X)
    assert [o.shape for o in outputs] == [(103, 12), (103, 12), (103, 3)]
    np.testing.assert_allclose(outputs[-1], model.predict(X), rtol=1e-10)


def test_save_load_and_continue_training_is_seamless():
    X, y = _data()
    model = _model("cpp", ARCHITECTURES["bn_dropout_both_layers"])
    model.fit(X, y, epochs=2, verbose=0)
    buffer = io.BytesIO()
    model.save(buffer)
    buffer.seek(0)
    loaded = fnn.load_model(buffer)
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(X), loaded.predict(X))
    # The optimizer's state of gamma and beta came along: one more epoch is the same epoch.
    model.fit(X, y, epochs=1, verbose=0)
    loaded.fit(X, y, epochs=1, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_weights_count_and_summary_include_the_normalization():
    model = _model("cpp", ARCHITECTURES["bn_dropout_both_layers"])
    shapes = [w.shape for w in model.get_weights()]
    # Dense 6x16 + b, BN gamma beta mean var; Dense 16x8 (no bias), BN gamma mean var; Dense.
    first = [(6, 16), (16,), (16,), (16,), (16,), (16,)]
    assert shapes == [*first, (16, 8), (8,), (8,), (8,), (8, 3), (3,)]
    assert model.count_params() == 6 * 16 + 16 + 4 * 16 + 16 * 8 + 3 * 8 + 8 * 3 + 3
    new = [w + 1 for w in model.get_weights()]
    model.set_weights(new)
    for a, b in zip(model.get_weights(), new, strict=True):
        np.testing.assert_array_equal(a, b)
    text = io.StringIO()
    model.summary(file=text)
    assert "batch_normalization_1" in text.getvalue() and "dropout_2" in text.getvalue()


# ---- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [1.0, -0.1, float("nan"), 1.5])
def test_dropout_rate_outside_0_1_is_refused(rate):
    with pytest.raises(ValueError, match=r"Dropout: rate must be a finite number in \[0, 1\)"):
        fnn.Dropout(rate)


def test_batch_norm_arguments_are_checked_by_the_table():
    assert tables.BATCH_NORM["momentum"].default == 0.99
    with pytest.raises(ValueError, match=r"BatchNormalization: momentum must be .* in \[0, 1\]"):
        fnn.BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match=r"BatchNormalization: epsilon must be .* > 0"):
        fnn.BatchNormalization(epsilon=0.0)
    with pytest.raises(TypeError, match="BatchNormalization: center must be True or False"):
        fnn.BatchNormalization(center=1)


def test_misplaced_layers_are_refused_by_name():
    model = fnn.Sequential()
    with pytest.raises(
        ValueError,
        match=r"Dropout 'first' cannot come before the first Dense layer .a Dropout of the inputs",
    ):
        model.add(fnn.Dropout(0.5, name="first"))
    model.add(fnn.Dense(4, "relu", input_dim=2))
    model.add(fnn.Dropout(0.5, name="drop"))
    with pytest.raises(ValueError, match="BatchNormalization 'late' after Dropout 'drop'"):
        model.add(fnn.BatchNormalization(name="late"))
    with pytest.raises(ValueError, match="Dropout 'again' follows Dropout 'drop'"):
        model.add(fnn.Dropout(0.1, name="again"))
    with pytest.raises(ValueError, match="compile: the output layer is followed by Dropout 'drop'"):
        model.compile("sgd", "mse")
    bn = fnn.BatchNormalization(name="shared")
    fnn.Sequential([fnn.Dense(4, input_dim=2), bn])
    with pytest.raises(ValueError, match="BatchNormalization shared: it normalizes 4 values, but"):
        fnn.Sequential([fnn.Dense(5, input_dim=2), bn])


def test_core_network_refuses_normalizing_or_dropping_the_output():
    for module in (_core, reference):
        with pytest.raises(ValueError, match=r"the output layer .0. cannot have batch"):
            module.Network(
                [{"in": 2, "out": 1, "activation": "linear", "dropout": 0.5}],
                "mse",
                {"kind": "sgd"},
                [np.zeros((2, 1))],
                [np.zeros(1)],
                [np.zeros((1, 2, 1))],
                [np.zeros((1, 1))],
                4,
            )


def test_an_output_activation_layer_is_the_dense_layers_own():
    X, y = _data()
    weights = []
    for layers in (
        lambda: [fnn.Dense(8, "tanh", input_dim=6), fnn.Dense(3), fnn.Activation("softmax")],
        lambda: [fnn.Dense(8, "tanh", input_dim=6), fnn.Dense(3, "softmax")],
    ):
        model = _model("cpp", layers)
        model.fit(X, y, epochs=2, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_activation_layers_save_and_load():
    X, y = _data()
    model = _model("cpp", ARCHITECTURES["bn_then_activation"])
    model.fit(X, y, epochs=1, verbose=0)
    buffer = io.BytesIO()
    model.save(buffer)
    buffer.seek(0)
    loaded = fnn.load_model(buffer)
    assert [type(layer).__name__ for layer in loaded.layers].count("Activation") == 3
    assert loaded.layers[6].alpha == 0.1
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    outputs = model.layer_outputs(X)
    np.testing.assert_allclose(outputs[2], np.maximum(outputs[1], 0))
    np.testing.assert_allclose(outputs[-1], model.predict(X), rtol=1e-12)


def test_misplaced_activations_are_refused_by_name():
    with pytest.raises(ValueError, match="Activation 'a' cannot come before the first Dense layer"):
        fnn.Sequential([fnn.Activation("relu", name="a")])
    with pytest.raises(ValueError, match="Activation 'a' after Dense 'd', which already applies"):
        fnn.Sequential(
            [fnn.Dense(4, "tanh", input_dim=2, name="d"), fnn.Activation("relu", name="a")]
        )
    with pytest.raises(ValueError, match="Activation 'b' follows Activation 'a'"):
        fnn.Sequential(
            [
                fnn.Dense(4, input_dim=2),
                fnn.Activation("relu", name="a"),
                fnn.Activation("tanh", name="b"),
            ]
        )
    with pytest.raises(ValueError, match="Activation 'a' after Dropout 'x'"):
        fnn.Sequential(
            [
                fnn.Dense(4, input_dim=2),
                fnn.Dropout(0.1, name="x"),
                fnn.Activation("relu", name="a"),
            ]
        )
    with pytest.raises(ValueError, match="alpha applies to leaky_relu and elu, not relu"):
        fnn.Activation("relu", alpha=0.1)
    model = fnn.Sequential(
        [fnn.Dense(4, input_dim=2), fnn.BatchNormalization(), fnn.Activation("sigmoid", name="s")]
    )
    with pytest.raises(ValueError, match="the output layer is followed by BatchNormalization"):
        model.compile("sgd", "mse")


@pytest.mark.parametrize("backend", ["cpp", "reference"])
def test_checkpoint_keeps_and_restores_every_trained_array(backend):
    # fit's guard against an epoch ending in NaN: the network's checkpoint covers the weights,
    # biases, gamma, beta, their optimizer states and the moving statistics.
    X, y = _data()
    model = _model(backend, ARCHITECTURES["bn_dropout_both_layers"], lambda: optimizers.Adam(0.01))
    model.fit(X, y, epochs=1, verbose=0)
    network = model._network(16)

    def trained():
        return model.get_weights() + [s for s in model.optimizer.states if s is not None]

    before = [a.copy() for a in trained()]
    assert network.checkpoint()
    network.train_epoch(X, y, batch_size=16, shuffle=True, seed=1, epoch=5, learning_rate=0.01)
    moved = trained()
    assert any(not np.array_equal(a, b) for a, b in zip(moved, before, strict=True))
    model.layers[0].kernel[0, 0] = np.nan  # a weight gone bad: no checkpoint taken
    assert not network.checkpoint()
    network.restore_checkpoint()
    for a, b in zip(trained(), before, strict=True):
        np.testing.assert_array_equal(a, b)


# ---- the kernels against their twins, one by one ---------------------------------------------
# float64: the same formulas in the same order; what differs is the order of the column sums
# (NumPy's pairwise sum against a running sum) and a fused multiply-add the compiler may form
# for gamma * H + beta: a few ulps, so rtol 1e-12. float32: H is rounded to float32 from the
# same double value (equal or one ulp apart), then gamma * H + beta in float32: rtol 1e-5.
# dropout: the same draws and one IEEE division: equal bit for bit in both dtypes.

SHAPES = [(1, 1), (1, 7), (7, 5), (128, 33)]
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def _signatures_agree(name):
    kernel = getattr(kernels, name).__doc__.splitlines()[0]
    inside = kernel[kernel.index("(") + 1 : kernel.rindex(") ->")]
    names = [p.split(":")[0] for p in inside.split(", ") if p not in ("*", "/")]
    return names == list(inspect.signature(getattr(reference, name)).parameters)


@pytest.mark.parametrize(
    "name",
    [
        "dropout_forward",
        "dropout_backward",
        "dropout_key",
        "batch_norm_forward",
        "batch_norm_inference",
        "batch_norm_backward",
    ],
)
def test_the_layer_kernels_and_twins_share_names_and_signatures(name):
    assert _signatures_agree(name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("rate", [0.0, 0.3, 0.999])
def test_dropout_kernels_equal_their_twins(dtype, shape, rate):
    rng = np.random.default_rng(1)
    A = rng.normal(size=shape).astype(dtype)
    key = kernels.dropout_key(7, 3, 2)
    assert key == reference.dropout_key(7, 3, 2)
    for row0 in (0, 5):
        out, mask = kernels.dropout_forward(A, rate=rate, key=key, row0=row0)
        twin_out, twin_mask = reference.dropout_forward(A, rate=rate, key=key, row0=row0)
        assert out.dtype == mask.dtype == dtype
        np.testing.assert_array_equal(mask, twin_mask)
        np.testing.assert_array_equal(out, twin_out)
        dout = rng.normal(size=shape).astype(dtype)
        np.testing.assert_array_equal(
            kernels.dropout_backward(dout, mask, rate=rate),
            reference.dropout_backward(dout, mask, rate=rate),
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", ["both", "none", "gamma"])
def test_batch_norm_kernels_equal_their_twins(dtype, shape, affine):
    rng = np.random.default_rng(2)
    _, cols = shape
    A = (rng.normal(size=shape) * 3 + 2).astype(dtype)
    gamma = rng.normal(size=cols).astype(dtype) if affine != "none" else None
    beta = rng.normal(size=cols).astype(dtype) if affine == "both" else None
    stats = [
        (rng.normal(size=cols).astype(dtype), rng.uniform(0.5, 2, size=cols).astype(dtype))
        for _ in range(2)
    ]
    stats[1] = (stats[0][0].copy(), stats[0][1].copy())
    got = kernels.batch_norm_forward(A, gamma, beta, *stats[0], momentum=0.9, epsilon=1e-3)
    want = reference.batch_norm_forward(A, gamma, beta, *stats[1], momentum=0.9, epsilon=1e-3)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, **TOL[dtype])
    for g, w in zip(stats[0], stats[1], strict=True):  # the moving statistics, moved alike
        np.testing.assert_allclose(g, w, **TOL[dtype])
    np.testing.assert_allclose(
        kernels.batch_norm_inference(A, gamma, beta, *stats[0], epsilon=1e-2),
        reference.batch_norm_inference(A, gamma, beta, *stats[0], epsilon=1e-2),
        **TOL[dtype],
    )
    dout = rng.normal(size=shape).astype(dtype)
    _, H, inv_std = want
    for g, w in zip(
        kernels.batch_norm_backward(dout, H, inv_std, gamma),
        reference.batch_norm_backward(dout, H, inv_std, gamma),
        strict=True,
    ):
        assert g.dtype == dtype
        # dA of a batch of one row is 0 up to rounding in both: compare absolutely.
        np.testing.assert_allclose(g, w, rtol=TOL[dtype]["rtol"], atol=TOL[dtype]["atol"] * 10)


@pytest.mark.parametrize("module", [kernels, reference], ids=["kernel", "twin"])
def test_the_layer_kernels_refuse_bad_arguments(module):
    A = np.ones((4, 3))
    with pytest.raises(ValueError, match=r"rate must be a finite number in \[0, 1\)"):
        module.dropout_forward(A, rate=1.0, key=1)
    with pytest.raises(ValueError, match=r"key must be an int in \[0, 2\*\*64\)"):
        module.dropout_forward(A, rate=0.5, key=-1)
    with pytest.raises(ValueError, match="momentum must be a finite number"):
        module.batch_norm_forward(A, None, None, np.zeros(3), np.ones(3), momentum=2.0)
    with pytest.raises(ValueError, match="at least one row"):
        module.batch_norm_forward(np.ones((0, 3)), None, None, np.zeros(3), np.ones(3))


def test_the_layer_kernels_refuse_shapes_and_dtypes_by_name():
    A = np.ones((4, 3))
    with pytest.raises(ValueError, match=r"gamma must be a 1-D array of shape \(3,\)"):
        kernels.batch_norm_forward(A, np.ones(4), None, np.zeros(3), np.ones(3))
    with pytest.raises(TypeError, match="moving_mean must have dtype float64"):
        kernels.batch_norm_forward(A, None, None, np.zeros(3, np.float32), np.ones(3))
    read_only = np.zeros(3)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="moving_mean is updated in place, so it must be writ"):
        kernels.batch_norm_forward(A, None, None, read_only, np.ones(3))
    with pytest.raises(ValueError, match=r"mask must have shape dout.shape = \(4, 3\)"):
        kernels.dropout_backward(A, np.ones((3, 4)), rate=0.5)
    with pytest.raises(TypeError, match="inv_std must have dtype float64"):
        kernels.batch_norm_backward(A, A, np.ones(3, np.float32), None)


def test_input_dropout_drops_inputs_and_is_saved():
    X, y = _data()
    model = _model("cpp", ARCHITECTURES["input_dropout"])
    assert model.input_dim == 6 and model.count_params() == 6 * 12 + 12 + 12 * 3 + 3
    plain = _model("cpp", lambda: [fnn.Dense(12, "tanh", input_dim=6), fnn.Dense(3, "softmax")])
    plain.set_weights(model.get_weights())
    np.testing.assert_array_equal(model.predict(X), plain.predict(X))  # off in predict
    model.fit(X, y, epochs=1, verbose=0)
    buffer = io.BytesIO()
    model.save(buffer)
    buffer.seek(0)
    loaded = fnn.load_model(buffer)
    assert isinstance(loaded.layers[0], fnn.Dropout) and loaded.layers[0].input_dim == 6
    model.fit(X, y, epochs=1, verbose=0)
    loaded.fit(X, y, epochs=1, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="BatchNormalization 'n' cannot come before the first"):
        fnn.Sequential([fnn.Dropout(0.1, input_dim=2), fnn.BatchNormalization(name="n")])
    with pytest.raises(ValueError, match="input_dim must be an int >= 1 or None"):
        fnn.Dropout(0.1, input_dim=0)
