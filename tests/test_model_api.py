"""The Keras model API of issue 14, item 5: model(x) and layer(x), train_on_batch /
test_on_batch / predict_on_batch, save_weights / load_weights, to_json / model_from_json,
predict on one 1-D sample, History.params (in test_batch_callbacks.py)."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

import fastnn as fnn
from fastnn import reference
from fastnn.io import ModelFileError
from fastnn.models import model_from_json


def model_of(seed=0, dtype="float32", backend="cpp", hidden=5, compile_=True, **layer):
    model = fnn.Sequential(
        [fnn.Dense(hidden, "tanh", input_dim=4, **layer), fnn.Dense(3, "softmax")],
        seed=seed,
        dtype=dtype,
        backend=backend,
    )
    if compile_:
        model.compile(fnn.optimizers.Adam(0.01), "categorical_crossentropy", metrics=["accuracy"])
    return model


def data(n=40, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(dtype)
    return X, np.eye(3, dtype=dtype)[rng.integers(0, 3, n)]


def same_weights(a, b):
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)


# ---- forward ---------------------------------------------------------------------------------


def test_model_and_layer_calls_are_the_forward_pass():
    model = model_of()
    X, _ = data()
    np.testing.assert_array_equal(model(X), model.predict(X))
    A = X
    for layer in model.layers:
        A = layer(A)
    np.testing.assert_allclose(model(X), A, rtol=1e-6)
    twin = reference.dense_forward(
        X.astype(np.float64), *(w.astype(np.float64) for w in model.get_weights()[:2])
    )
    np.testing.assert_allclose(
        model.layers[0](X), reference.tanh_forward(twin), rtol=1e-5, atol=1e-6
    )


def test_predict_of_one_1d_sample_says_how_to_make_it_a_batch():
    model = model_of()
    X, _ = data()
    for call in (model.predict, model, model.predict_on_batch):
        with pytest.raises(
            ValueError,
            match=r"shape \(4,\), one sample.*\(samples, 4\).*X\[None, :\] or X\.reshape\(1, -1\)",
        ):
            call(X[0])
    np.testing.assert_array_equal(model.predict(X[0][None, :]), model.predict(X[:1]))
    np.testing.assert_array_equal(model.predict(X[0].reshape(1, -1)), model.predict(X[:1]))
    with pytest.raises(ValueError, match=r"must be 2-D \(samples, features\), got shape \(5,\)"):
        model.predict(np.zeros(5, np.float32))  # not one sample of this model either
    one_input = fnn.Sequential([fnn.Dense(2, input_dim=1)], seed=0)
    assert one_input.predict(np.arange(3.0)).shape == (3, 2)  # (n,) is n samples of one value


# ---- one batch -------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["cpp", "reference"])
def test_train_on_batch_is_one_unshuffled_step_of_fit(backend):
    X, Y = data()
    stepped, fitted = model_of(backend=backend), model_of(backend=backend)
    results = [stepped.train_on_batch(X, Y) for _ in range(3)]
    fitted.fit(X, Y, epochs=3, batch_size=len(X), shuffle=False, verbose=0)
    same_weights(stepped, fitted)
    assert stepped.optimizer.iterations == fitted.optimizer.iterations == 3
    assert isinstance(results[0], list) and len(results[0]) == 2
    assert results[0][0] == pytest.approx(fitted.history.history["loss"][0], rel=1e-6)
    assert results[2][1] == pytest.approx(fitted.history.history["accuracy"][2])


def test_train_on_batch_returns_like_keras_and_weighs_like_fit():
    X, Y = data()
    plain = model_of()
    plain.compile("sgd", "categorical_crossentropy")
    loss = plain.train_on_batch(X, Y)
    assert isinstance(loss, float)
    logs = model_of().train_on_batch(X, Y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    w = np.linspace(0.5, 1.5, len(X))
    a, b = model_of(), model_of()
    a.train_on_batch(X, Y, sample_weight=w, class_weight={0: 2.0, 1: 1.0, 2: 0.5})
    b.fit(
        X,
        Y,
        batch_size=len(X),
        shuffle=False,
        verbose=0,
        sample_weight=w,
        class_weight={0: 2.0, 1: 1.0, 2: 0.5},
    )
    same_weights(a, b)


def test_train_on_batch_of_labels_and_a_nan_loss():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 4)).astype(np.float32)
    labels = rng.integers(0, 3, 20)
    model = model_of(compile_=False)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    fitted = model_of(compile_=False)
    fitted.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.train_on_batch(X, labels)
    fitted.fit(X, labels, batch_size=20, shuffle=False, verbose=0)
    same_weights(model, fitted)
    with pytest.raises(RuntimeError, match="compile the model first"):
        model_of(compile_=False).train_on_batch(X, labels)
    with pytest.raises(ValueError, match="x has no samples"):
        model.train_on_batch(X[:0], labels[:0])
    regression = fnn.Sequential([fnn.Dense(1, input_dim=4)], seed=0)
    regression.compile(fnn.optimizers.SGD(1e30), "mse", metrics=["mae"])
    y = np.ones(20, np.float32)
    for _ in range(2):  # updates of 1e30 and then 1e60: the weights overflow float32
        regression.train_on_batch(X, y)
    assert not np.isfinite(regression.get_weights()[0]).all()
    before = regression.get_weights()
    with pytest.warns(RuntimeWarning, match="update was skipped"):
        out = regression.train_on_batch(X, y, return_dict=True)
    assert all(np.isnan(v) for v in out.values())
    for a, b in zip(before, regression.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_test_and_predict_on_batch_are_evaluate_and_predict():
    X, Y = data()
    model = model_of()
    assert model.test_on_batch(X, Y) == model.evaluate(X, Y)
    assert model.test_on_batch(X, Y, return_dict=True) == model.evaluate(X, Y, return_dict=True)
    w = np.linspace(0, 1, len(X))
    assert model.test_on_batch(X, Y, sample_weight=w) == model.evaluate(X, Y, sample_weight=w)
    np.testing.assert_array_equal(model.predict_on_batch(X), model.predict(X))
    before = model.get_weights()
    model.test_on_batch(X, Y)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# ---- weights files ---------------------------------------------------------------------------


def test_save_and_load_weights_round_trip(tmp_path):
    X, Y = data()
    model = model_of()
    model.fit(X, Y, epochs=2, verbose=0)
    model.save_weights(tmp_path / "w.weights")
    other = model_of(seed=9)
    other.load_weights(tmp_path / "w.weights")
    same_weights(model, other)
    np.testing.assert_array_equal(other.predict(X), model.predict(X))
    buffer = io.BytesIO()
    model.save_weights(buffer)
    buffer.seek(0)
    third = model_of(seed=5, compile_=False)
    third.load_weights(buffer)
    same_weights(model, third)
    with zipfile.ZipFile(tmp_path / "w.weights") as zf:
        header = json.loads(zf.read("fastnn.json"))
        assert header["format"] == "fastnn-weights"
        assert sorted(zf.namelist()) == [
            "arrays/layer0.bias.npy",
            "arrays/layer0.kernel.npy",
            "arrays/layer1.bias.npy",
            "arrays/layer1.kernel.npy",
            "fastnn.json",
        ]
    # a whole model file's weights load too (its optimizer state is not read)
    model.save(tmp_path / "m.fnn")
    fourth = model_of(seed=6)
    fourth.load_weights(tmp_path / "m.fnn")
    same_weights(model, fourth)


def test_load_weights_refuses_another_model_before_changing_anything(tmp_path):
    model_of().save_weights(tmp_path / "w.weights")
    for other, message in [
        (
            model_of(hidden=6),
            r"layer0.kernel is float32 \(4, 5\) in the file, the model's is float32 \(4, 6\)",
        ),
        (
            model_of(dtype="float64"),
            r"layer0.kernel is float32 \(4, 5\) in the file, the model's is float64 \(4, 5\)",
        ),
        (model_of(use_bias=False), r"the file holds the weights .*'layer0.bias'.*this model has"),
        (
            fnn.Sequential([fnn.Dense(3, input_dim=4)], seed=0),
            r"the file holds the weights \['layer0.bias', 'layer0.kernel', 'layer1.bias'",
        ),
    ]:
        before = other.get_weights()
        with pytest.raises(ValueError, match=message):
            other.load_weights(tmp_path / "w.weights")
        for a, b in zip(before, other.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(FileNotFoundError, match="load_weights: no such file"):
        model_of().load_weights(tmp_path / "nope")


def rewrite(path, target, edit):
    """Copy the archive at `path` to `target`, `edit(name, data) -> (name, data) | None` per
    member (None drops it)."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            out = edit(info.filename, src.read(info))
            if out is not None:
                dst.writestr(out[0], out[1])


def test_damaged_and_hostile_weights_files_are_model_file_errors(tmp_path):
    source = tmp_path / "w.weights"
    model_of().save_weights(source)

    def header_edit(change):
        def edit(name, data):
            if name != "fastnn.json":
                return name, data
            header = json.loads(data)
            change(header)
            return name, json.dumps(header)

        return edit

    def pickled(name, data):
        if name != "arrays/layer0.bias.npy":
            return name, data
        buffer = io.BytesIO()
        np.save(buffer, np.array([object()] * 5, dtype=object), allow_pickle=True)
        return name, buffer.getvalue()

    cases = [
        (lambda n, d: ("../x" if n == "arrays/layer0.bias.npy" else n, d), "unsafe name"),
        (header_edit(lambda h: h.update(format="keras")), "does not name the fastnn-weights"),
        (
            header_edit(lambda h: h["arrays"]["layer0.kernel"].update(shape=[2**20, 2**20])),
            "declares 1099511627776 values",
        ),
        (
            lambda n, d: None if n == "arrays/layer1.kernel.npy" else (n, d),
            "'layer1.kernel' is missing",
        ),
        (lambda n, d: (n, d[:-7]) if n == "arrays/layer1.kernel.npy" else (n, d), "truncated"),
        (pickled, "layer0.bias"),
    ]
    model = model_of(seed=3)
    before = model.get_weights()
    for i, (edit, message) in enumerate(cases):
        target = tmp_path / f"bad{i}.weights"
        rewrite(source, target, edit)
        with pytest.raises(ModelFileError, match=message):
            model.load_weights(target)
    (tmp_path / "junk").write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match="not a readable ZIP archive"):
        model.load_weights(tmp_path / "junk")
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# ---- JSON ------------------------------------------------------------------------------------


def test_to_json_and_model_from_json_round_trip():
    model = fnn.Sequential(
        [
            fnn.Dense(
                5,
                "leaky_relu",
                input_dim=4,
                alpha=0.2,
                kernel_regularizer=fnn.regularizers.l2(0.01),
            ),
            fnn.Dense(2, "sigmoid", use_bias=False, kernel_initializer="he_normal"),
        ],
        dtype="float64",
        seed=11,
        name="net",
    )
    text = model.to_json()
    document = json.loads(text)
    assert document["class_name"] == "Sequential" and document["config"] == model.get_config()
    rebuilt = model_from_json(text)
    assert rebuilt.get_config() == model.get_config()
    assert rebuilt.optimizer is None  # uncompiled, as Keras'
    same_weights(rebuilt, model)  # the same seed draws the same initial weights
    assert model_from_json(model.to_json(indent=2).encode()).get_config() == model.get_config()


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("{", ValueError, "not valid JSON"),
        ("[]", ValueError, "expected {'class_name': 'Sequential'"),
        ('{"class_name": "Functional", "config": {}}', ValueError, "'class_name': 'Sequential'"),
        ('{"class_name": "Sequential", "config": {"layers": 3}}', ValueError, "no list of layers"),
        (
            '{"class_name": "Sequential", "config": {"dtype": "float32", "seed": 0, "layers": [{"units": 2, "evil": 1}]}}',
            ValueError,
            "does not describe a model .*evil",
        ),
        (
            '{"class_name": "Sequential", "config": {"dtype": "float32", "seed": 0, "layers": [{"units": 2}]}}',
            ValueError,
            "first layer needs input_dim",
        ),
        ('{"class_name": "Sequential", "config": {"layers": []}}', ValueError, "KeyError"),
        ("x" * (2**20 + 1), ValueError, "at most"),
        (3, TypeError, "expected a JSON string"),
    ],
)
def test_model_from_json_refuses_what_is_not_a_model(text, error, message):
    with pytest.raises(error, match=message):
        model_from_json(text)


def test_model_checkpoint_can_save_the_weights_alone(tmp_path):
    X, Y = data()
    model = model_of()
    checkpoint = fnn.callbacks.ModelCheckpoint(
        tmp_path / "w-{epoch}.weights", save_weights_only=True
    )
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[checkpoint])
    with zipfile.ZipFile(tmp_path / "w-2.weights") as zf:
        assert json.loads(zf.read("fastnn.json"))["format"] == "fastnn-weights"
    restored = model_of(seed=4)
    restored.load_weights(tmp_path / "w-2.weights")
    same_weights(model, restored)


def test_one_batch_and_weights_files_with_dropout_and_batch_norm(tmp_path):
    def build(seed=0):
        model = fnn.Sequential(
            [
                fnn.Dense(8, "relu", input_dim=4),
                fnn.BatchNormalization(),
                fnn.Dropout(0.25),
                fnn.Dense(3, "softmax"),
            ],
            seed=seed,
        )
        model.compile("adam", "categorical_crossentropy", metrics=["categorical_accuracy"])
        return model

    X, Y = data()
    stepped, fitted = build(), build()
    for _ in range(3):
        stepped.train_on_batch(X, Y)
    fitted.fit(X, Y, epochs=3, batch_size=len(X), shuffle=False, verbose=0)
    state = stepped.get_state()["weights"]
    assert "layer1.moving_mean" in state  # the normalization's arrays are weights too
    for name, a in state.items():
        np.testing.assert_array_equal(a, fitted.get_state()["weights"][name], err_msg=name)
    stepped.save_weights(tmp_path / "bn.weights")
    other = build(seed=7)
    other.load_weights(tmp_path / "bn.weights")
    for name, a in state.items():
        np.testing.assert_array_equal(a, other.get_state()["weights"][name], err_msg=name)
    np.testing.assert_array_equal(other.predict(X), stepped.predict(X))
    assert model_from_json(stepped.to_json()).get_config() == stepped.get_config()
    with pytest.raises(ValueError, match="the file holds the weights"):
        model_of().load_weights(tmp_path / "bn.weights")
