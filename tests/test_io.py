"""model.save / fastnn.load_model: the same model back, training resumes where it stopped,
and any file that is not a valid model raises fastnn.io.ModelFileError without executing
anything from the file."""

from __future__ import annotations

import io
import json
import pickle
import threading
import zipfile

import numpy as np
import pytest

import fastnn as fnn
from fastnn import optimizers, regularizers
from fastnn.io import ModelFileError


def make_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    return X, y


def make_model(dtype="float32", optimizer=None, seed=11):
    model = fnn.Sequential(
        [
            fnn.Dense(6, "elu", input_dim=3, alpha=0.5, kernel_regularizer=regularizers.l2(1e-3)),
            fnn.Dense(4, "leaky_relu", use_bias=False, kernel_initializer="he_normal"),
            fnn.Dense(2, "softmax", bias_initializer="ones"),
        ],
        dtype=dtype,
        seed=seed,
        name="saved",
    )
    model.compile(
        optimizer
        or optimizers.Adam(optimizers.StepDecay(0.02, drop=0.5, epochs_per_drop=2), amsgrad=True),
        "sparse_categorical_crossentropy",
        metrics=["accuracy", "mae"],
    )
    return model


@pytest.fixture
def saved(tmp_path):
    """A trained model and the file it was saved to."""
    X, y = make_data()
    model = make_model()
    model.fit(X, y, epochs=2, batch_size=16, verbose=0)
    path = tmp_path / "model.fnn"
    model.save(path)
    return model, path


def read_entries(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_entries(path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def npy_bytes(array, allow_pickle=False) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def rewrite(src, dst, edit_header=None, edit_arrays=None):
    """Copy a model file, changing its header (a dict) and/or its entries (name -> bytes)."""
    entries = read_entries(src)
    header = json.loads(entries["fastnn.json"])
    if edit_header is not None:
        edit_header(header)
    entries["fastnn.json"] = json.dumps(header).encode()
    if edit_arrays is not None:
        edit_arrays(entries)
    write_entries(dst, entries)
    return dst


def assert_same_model(a, b):
    assert a.name == b.name and a.dtype == b.dtype and a.seed == b.seed
    assert [layer.get_config() for layer in a.layers] == [layer.get_config() for layer in b.layers]
    assert (a.loss, a.metrics) == (b.loss, b.metrics)
    assert type(a.optimizer) is type(b.optimizer)
    assert a.optimizer.get_config() == b.optimizer.get_config()
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        assert wa.dtype == wb.dtype
        np.testing.assert_array_equal(wa, wb)


# ---- round trips ----------------------------------------------------------------------------


def test_load_gives_the_same_model(saved):
    model, path = saved
    loaded = fnn.load_model(path)
    assert_same_model(model, loaded)
    X, y = make_data(n=50, seed=5)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.evaluate(X, y) == model.evaluate(X, y)
    # the file holds what docs/file_format.md says
    header = json.loads(read_entries(path)["fastnn.json"])
    assert header["format"] == "fastnn-model" and header["version"] == 1
    assert header["training"] == {"step": 2 * 8, "epochs_done": 2}  # 120 samples / 16 = 8 batches
    assert header["compile"]["optimizer"]["learning_rate"]["name"] == "StepDecay"
    assert header["arrays"]["optimizer.layer0.kernel"]["shape"] == [3, 3, 6]  # Adam: 3 slots
    assert "layer1.bias" not in header["arrays"]  # use_bias=False


def test_save_accepts_str_and_pathlike(saved, tmp_path):
    model, _ = saved
    model.save(str(tmp_path / "as_str.fnn"))
    assert_same_model(model, fnn.load_model(str(tmp_path / "as_str.fnn")))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["as_str.fnn", "model.fnn"]  # no temp


def test_threads_saving_to_one_path_each_write_a_whole_file(saved, tmp_path):
    # Each save has a temporary name of its own: the file that stays is one whole model, and no
    # temporary file is left behind.
    model, _ = saved
    path = tmp_path / "shared.fnn"
    errors: list[BaseException] = []

    def save_many():
        try:
            for _ in range(5):
                model.save(path)
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=save_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert_same_model(model, fnn.load_model(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.fnn", "shared.fnn"]


def test_a_failed_save_leaves_the_old_file_and_no_temporary(saved, tmp_path, monkeypatch):
    model, path = saved
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", broken)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.fnn"]


def test_uncompiled_and_untrained_models_round_trip(tmp_path):
    model = fnn.Sequential([fnn.Dense(3, "relu", input_dim=2), fnn.Dense(1)], dtype="float64")
    model.save(tmp_path / "raw.fnn")
    loaded = fnn.load_model(tmp_path / "raw.fnn")
    assert loaded.optimizer is None and loaded.loss is None
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        assert b.dtype == np.float64
        np.testing.assert_array_equal(a, b)
    model.compile("sgd", "mse")  # compiled, never trained: no optimizer state yet
    model.save(tmp_path / "compiled.fnn")
    loaded = fnn.load_model(tmp_path / "compiled.fnn")
    assert loaded.loss == "mse" and type(loaded.optimizer) is optimizers.SGD
    X = np.ones((4, 2))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize("backend", ["cpp", "reference"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_resumed_training_equals_one_run(tmp_path, dtype, backend):
    # 3 epochs, save, load, 2 more == 5 epochs in one go: the batch order depends on
    # (seed, epoch), the learning rate schedule on the epoch, Adam's bias correction on the
    # step: all of it is in the file. Same operations on the same numbers: bit for bit.
    X, y = make_data()
    one_run = make_model(dtype)
    one_run.backend = backend
    history = one_run.fit(X, y, epochs=5, batch_size=16, verbose=0)

    first = make_model(dtype)
    first.backend = backend
    first.fit(X, y, epochs=3, batch_size=16, verbose=0)
    first.save(tmp_path / "3.fnn")
    resumed = fnn.load_model(tmp_path / "3.fnn")
    resumed.backend = backend
    rest = resumed.fit(X, y, epochs=5, initial_epoch=3, batch_size=16, verbose=0)

    assert rest.epoch == [3, 4]
    assert rest.history["loss"] == history.history["loss"][3:]
    assert rest.history["accuracy"] == history.history["accuracy"][3:]
    for a, b in zip(one_run.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_resuming_without_the_optimizer_state_differs(tmp_path, saved):
    # The check above means something: dropping Adam's state from the file changes the result.
    _, path = saved
    X, y = make_data()
    stateless = rewrite(
        path,
        tmp_path / "stateless.fnn",
        edit_header=lambda h: [
            h["arrays"].pop(k) for k in list(h["arrays"]) if k.startswith("optimizer.")
        ],
        edit_arrays=lambda e: [e.pop(k) for k in list(e) if k.startswith("arrays/optimizer.")],
    )
    with_state, without = fnn.load_model(path), fnn.load_model(stateless)
    with_state.fit(X, y, epochs=3, initial_epoch=2, batch_size=16, verbose=0)
    without.fit(X, y, epochs=3, initial_epoch=2, batch_size=16, verbose=0)
    assert not np.array_equal(with_state.get_weights()[0], without.get_weights()[0])


# ---- bad files ------------------------------------------------------------------------------


def test_model_file_error_is_a_value_error():
    assert issubclass(ModelFileError, ValueError)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        fnn.load_model(tmp_path / "nothing.fnn")


def test_every_damaged_byte_is_caught_or_harmless(saved, tmp_path):
    # Flip each byte in turn (every 3rd, for time): the load either raises ModelFileError or,
    # where the byte is an unchecked zip field (a timestamp, "version made by"), gives the very
    # same model. Never another exception, never other weights: the entries' CRCs catch the rest.
    model, path = saved
    raw = path.read_bytes()
    damaged = tmp_path / "damaged.fnn"
    raised = 0
    for position in range(0, len(raw), 3):
        data = bytearray(raw)
        data[position] ^= 0xFF
        damaged.write_bytes(bytes(data))
        try:
            loaded = fnn.load_model(damaged)
        except ModelFileError as exc:
            assert str(damaged) in str(exc) and "not a valid fastnn model file" in str(exc)
            raised += 1
            continue
        assert_same_model(model, loaded)
    assert raised > 0.8 * len(raw) / 3


def test_flipped_bytes_in_the_middle_of_each_array(saved, tmp_path):
    # The deflated data of every entry, damaged in its middle: a CRC or inflate error.
    _, path = saved
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    for info in infos:
        # local header: 30 bytes + file name + extra field, then the compressed data
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        data = bytearray(raw)
        middle = start + info.compress_size // 2
        data[middle : middle + 4] = bytes(b ^ 0x5A for b in data[middle : middle + 4])
        damaged = tmp_path / f"damaged_{info.filename.replace('/', '_')}"
        damaged.write_bytes(bytes(data))
        with pytest.raises(ModelFileError, match=r"damaged|not a readable ZIP"):
            fnn.load_model(damaged)


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.9, 0.99])
def test_truncated_file(saved, tmp_path, fraction):
    _, path = saved
    raw = path.read_bytes()
    truncated = tmp_path / "truncated.fnn"
    truncated.write_bytes(raw[: int(len(raw) * fraction)])
    with pytest.raises(ModelFileError, match="not a readable ZIP archive"):
        fnn.load_model(truncated)


def test_random_bytes(tmp_path):
    path = tmp_path / "random.fnn"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(ModelFileError, match="not a readable ZIP archive"):
        fnn.load_model(path)


def test_foreign_zip(tmp_path):
    path = tmp_path / "foreign.zip"
    write_entries(path, {"readme.txt": b"hello", "data.npy": npy_bytes(np.arange(3))})
    with pytest.raises(ModelFileError, match=r"has no fastnn\.json"):
        fnn.load_model(path)


def test_header_not_json(saved, tmp_path):
    _, path = saved
    entries = read_entries(path)
    entries["fastnn.json"] = b"\x80\x81 not json {"
    write_entries(tmp_path / "bad.fnn", entries)
    with pytest.raises(ModelFileError, match=r"fastnn\.json is damaged"):
        fnn.load_model(tmp_path / "bad.fnn")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h: h.update(format="keras"), "does not name the fastnn-model format"),
        (lambda h: h.update(version=2), "format version 2; this fastnn reads version 1"),
        (lambda h: h.pop("arrays"), "has no array manifest"),
        (lambda h: h["arrays"].update({"layer0.kernel": [3, 6]}), "manifest entry"),
        (lambda h: h["model"].update(dtype="float16"), "does not describe a model"),
        (lambda h: h["model"]["layers"][0].update(activation="maxout"), "unknown activation"),
        (lambda h: h["model"].pop("layers"), "does not describe a model"),
        (lambda h: h.update(training=[]), "training must be a dict"),
        # counts and seeds the core cannot take: refused on load, not at the next fit
        (
            lambda h: h["training"].update(step=-1),
            r"training\.step must be an int in \[0, 2\*\*62\]",
        ),
        (lambda h: h["training"].update(step=2**70), r"training\.step must be an int"),
        (lambda h: h["training"].update(step=1.5), r"training\.step must be an int"),
        (lambda h: h["training"].update(epochs_done=-3), r"training\.epochs_done must be"),
        (lambda h: h["model"].update(seed=2**70), r"seed must be an int in \[0, 2\*\*64\)"),
        (lambda h: h["compile"].update(loss="cosine_similarity"), "unknown loss"),
        (lambda h: h["compile"]["optimizer"].update(kind="lion"), "unknown optimizer kind"),
        # consistent manifest, but the configuration needs other shapes
        (lambda h: h["model"]["layers"][2].update(units=3), "of the configuration needs"),
        (lambda h: h["model"]["layers"][1].update(use_bias=True), "'layer1.bias' is missing"),
        # the manifest names an entry the archive lacks
        (lambda h: h["arrays"].update({"extra": {"shape": [1], "dtype": "float32"}}), "missing"),
    ],
)
def test_inconsistent_header(saved, tmp_path, edit, message):
    _, path = saved
    bad = rewrite(path, tmp_path / "bad.fnn", edit_header=edit)
    with pytest.raises(ModelFileError, match=message):
        fnn.load_model(bad)


def test_array_differs_from_manifest(saved, tmp_path):
    _, path = saved

    def edit(entries):
        entries["arrays/layer0.kernel.npy"] = npy_bytes(np.zeros((6, 3), np.float32))

    bad = rewrite(path, tmp_path / "bad.fnn", edit_arrays=edit)
    with pytest.raises(ModelFileError, match=r"'layer0.kernel' is float32 \[6, 3\], the manifest"):
        fnn.load_model(bad)

    def edit_dtype(entries):
        entries["arrays/layer0.bias.npy"] = npy_bytes(np.zeros(6, np.float64))

    bad = rewrite(path, tmp_path / "bad2.fnn", edit_arrays=edit_dtype)
    with pytest.raises(ModelFileError, match=r"'layer0.bias' is float64"):
        fnn.load_model(bad)


def test_array_entry_is_not_npy(saved, tmp_path):
    _, path = saved

    def edit(entries):
        entries["arrays/layer2.bias.npy"] = b"not an npy file at all"

    bad = rewrite(path, tmp_path / "bad.fnn", edit_arrays=edit)
    with pytest.raises(ModelFileError, match=r"'layer2\.bias' is damaged"):
        fnn.load_model(bad)


EXECUTED = []


def _record_execution():
    EXECUTED.append(True)
    return np.zeros(3, np.float32)


class _Payload:
    """Unpickling this object calls _record_execution: proof that a pickle was executed."""

    def __reduce__(self):
        return (_record_execution, ())


@pytest.mark.parametrize("manifest_says", ["object", "float64"])
@pytest.mark.parametrize("how", ["object_npy", "raw_pickle"])
def test_pickle_inside_is_never_unpickled(saved, tmp_path, how, manifest_says):
    _, path = saved
    payload = np.empty(3, dtype=object)
    payload[:] = [_Payload(), _Payload(), _Payload()]
    if how == "object_npy":  # an .npy of dtype object: its data is a pickle
        data = npy_bytes(payload, allow_pickle=True)
        np.lib.format.read_array(io.BytesIO(data), allow_pickle=True)
    else:  # a plain pickle where an .npy should be
        data = pickle.dumps(payload)
        pickle.loads(data)
    assert EXECUTED == [True] * 3  # the payload does run when unpickled
    EXECUTED.clear()

    def edit_header(h):
        h["arrays"]["layer2.bias"]["dtype"] = manifest_says

    def edit(entries):
        entries["arrays/layer2.bias.npy"] = data

    # Refused by the manifest (no object arrays) or, where the manifest lies, by the member's
    # own header or size: never read with pickle.
    bad = rewrite(path, tmp_path / "pickled.fnn", edit_header=edit_header, edit_arrays=edit)
    with pytest.raises(ModelFileError, match=r"layer2\.bias"):
        fnn.load_model(bad)
    assert not EXECUTED
