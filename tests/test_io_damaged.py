"""Hostile and damaged model files: each a ModelFileError, found before anything large is read.

A zip bomb, a header that declares a huge array, a configuration of a million units, bytes
after an array, members that climb out of the folder, truncation at every length class, and
random bit flips. Memory is measured with tracemalloc (NumPy reports its allocations to it):
a bound that a wrong order of checks (inflate first, check after) would break by far.
"""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

import fastnn as fnn
from fastnn.io import ModelFileError

MB = 1 << 20


@pytest.fixture
def saved(tmp_path):
    model = fnn.Sequential(
        [fnn.Dense(6, activation="tanh", input_dim=3), fnn.Dense(2, activation="softmax")], seed=3
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    model.fit(X, np.eye(2, dtype=np.float32)[np.arange(20) % 2], epochs=2, verbose=0)
    path = tmp_path / "m.fnn"
    model.save(path)
    return model, path


def entries_of(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write(path, entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def npy(array) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def peak_mb_of_load(path) -> float:
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError) as info:
            fnn.load_model(path)
        return tracemalloc.get_traced_memory()[1] / MB, str(info.value)
    finally:
        tracemalloc.stop()


def test_a_zip_bomb_is_refused_before_it_inflates(saved, tmp_path):
    # 600 MB of zeros in one member compress to about 600 KB.
    _, path = saved
    entries = entries_of(path)
    entries["arrays/layer0.kernel.npy"] = b"\0" * (600 * MB)
    bomb = tmp_path / "bomb.fnn"
    write(bomb, entries)
    assert bomb.stat().st_size < 2 * MB
    peak, message = peak_mb_of_load(bomb)
    assert "layer0.kernel" in message and "declares" in message
    assert peak < 20, f"loading the bomb allocated {peak:.0f} MB"


def test_a_member_that_lies_about_its_size_is_read_no_further(saved, tmp_path):
    # The declared size fits the manifest, the data inflates past it: the bounded read stops.
    _, path = saved
    entries = entries_of(path)
    good = entries["arrays/layer0.kernel.npy"]
    bomb = tmp_path / "liar.fnn"
    # Write the member with 50 MB of extra zeros, then patch its declared size in both headers
    # back to the original's.
    entries["arrays/layer0.kernel.npy"] = good + b"\0" * (50 * MB)
    write(bomb, entries)
    raw = bytearray(bomb.read_bytes())
    with zipfile.ZipFile(bomb) as zf:
        info = zf.getinfo("arrays/layer0.kernel.npy")
    true_size = (len(good) + 50 * MB).to_bytes(4, "little")
    fake_size = len(good).to_bytes(4, "little")
    raw = raw.replace(true_size, fake_size)  # in the local and the central header
    bomb.write_bytes(bytes(raw))
    assert info.file_size == len(good) + 50 * MB
    peak, message = peak_mb_of_load(bomb)
    assert "layer0.kernel" in message
    assert peak < 20, f"loading allocated {peak:.0f} MB"


def test_an_npy_header_declaring_ten_billion_values(saved, tmp_path):
    _, path = saved
    entries = entries_of(path)
    header = json.loads(entries["fastnn.json"])
    header["arrays"]["layer0.kernel"]["shape"] = [100000, 100000]
    entries["fastnn.json"] = json.dumps(header).encode()
    small = npy(np.zeros(1, np.float32))
    entries["arrays/layer0.kernel.npy"] = small.replace(b"(1,)", b"(100000, 100000)")
    bad = tmp_path / "huge.fnn"
    write(bad, entries)
    peak, message = peak_mb_of_load(bad)
    assert "layer0.kernel" in message
    assert peak < 20


def test_a_config_of_a_million_units_builds_nothing(saved, tmp_path):
    _, path = saved
    entries = entries_of(path)
    header = json.loads(entries["fastnn.json"])
    header["model"]["layers"][0]["units"] = 10**6
    entries["fastnn.json"] = json.dumps(header).encode()
    bad = tmp_path / "wide.fnn"
    write(bad, entries)
    peak, message = peak_mb_of_load(bad)
    assert "layer 0 of the configuration needs [3, 1000000]" in message
    assert peak < 20


def test_bytes_after_an_array_are_an_error(saved, tmp_path):
    _, path = saved
    entries = entries_of(path)
    entries["arrays/layer1.bias.npy"] += b"\0\0\0\0"
    bad = tmp_path / "trailing.fnn"
    write(bad, entries)
    with pytest.raises(ModelFileError, match=r"'layer1\.bias' has bytes after"):
        fnn.load_model(bad)


@pytest.mark.parametrize(
    "name", ["../evil.npy", "/etc/passwd", "arrays/../../x.npy", "C:\\x.npy", "arrays\\x.npy"]
)
def test_members_with_unsafe_names(saved, tmp_path, name):
    _, path = saved
    entries = entries_of(path)
    entries[name] = b"x"
    bad = tmp_path / "unsafe.fnn"
    write(bad, entries)
    with pytest.raises(ModelFileError, match="unsafe name"):
        fnn.load_model(bad)


def test_a_member_the_manifest_does_not_list(saved, tmp_path):
    _, path = saved
    entries = entries_of(path)
    entries["arrays/extra.npy"] = npy(np.zeros(2))
    bad = tmp_path / "extra.fnn"
    write(bad, entries)
    with pytest.raises(ModelFileError, match="does not list"):
        fnn.load_model(bad)


def test_a_fortran_order_array_is_refused(saved, tmp_path):
    _, path = saved
    entries = entries_of(path)
    kernel = np.lib.format.read_array(io.BytesIO(entries["arrays/layer0.kernel.npy"]))
    entries["arrays/layer0.kernel.npy"] = npy(np.asfortranarray(kernel))
    bad = tmp_path / "fortran.fnn"
    write(bad, entries)
    with pytest.raises(ModelFileError, match="Fortran order"):
        fnn.load_model(bad)


def test_a_big_endian_array_loads_as_native(saved, tmp_path):
    model, path = saved
    entries = entries_of(path)
    kernel = np.lib.format.read_array(io.BytesIO(entries["arrays/layer0.kernel.npy"]))
    entries["arrays/layer0.kernel.npy"] = npy(kernel.astype(">f4"))
    other = tmp_path / "big.fnn"
    write(other, entries)
    loaded = fnn.load_model(other)
    assert loaded.layers[0].kernel.dtype == np.float32
    assert loaded.layers[0].kernel.dtype.isnative
    np.testing.assert_array_equal(loaded.layers[0].kernel, model.layers[0].kernel)


def test_truncation_at_every_length_class(saved, tmp_path):
    # Cut the file at every length up to 64 bytes, then every 7th: each is refused.
    _, path = saved
    raw = path.read_bytes()
    cuts = [*range(0, 64), *range(64, len(raw), 7)]
    for cut in cuts:
        bad = tmp_path / "cut.fnn"
        bad.write_bytes(raw[:cut])
        with pytest.raises(ModelFileError):
            fnn.load_model(bad)


def test_random_bit_flips_are_refused_or_harmless(saved, tmp_path):
    # A flip in a compressed member fails its CRC; one in a ZIP header field fails the archive's
    # checks; one in padding may change nothing. Either ModelFileError or the same model.
    model, path = saved
    raw = bytearray(path.read_bytes())
    rng = np.random.default_rng(7)
    X = np.random.default_rng(1).normal(size=(4, 3)).astype(np.float32)
    expected = model.predict(X)
    outcomes = {"refused": 0, "same": 0}
    for position in rng.integers(0, len(raw) * 8, 300):
        flipped = bytearray(raw)
        flipped[position // 8] ^= 1 << (position % 8)
        bad = tmp_path / "flip.fnn"
        bad.write_bytes(bytes(flipped))
        try:
            loaded = fnn.load_model(bad)
        except ModelFileError:
            outcomes["refused"] += 1
            continue
        np.testing.assert_array_equal(loaded.predict(X), expected)
        outcomes["same"] += 1
    assert outcomes["refused"] > 200  # most flips land in checked data


@pytest.fixture
def saved_with_norm(tmp_path):
    model = fnn.Sequential(
        [
            fnn.Dense(6, activation="relu", input_dim=3),
            fnn.BatchNormalization(),
            fnn.Dropout(0.5),
            fnn.Dense(2, activation="softmax"),
        ],
        seed=3,
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    model.fit(X, np.eye(2, dtype=np.float32)[np.arange(20) % 2], epochs=2, verbose=0)
    path = tmp_path / "norm.fnn"
    model.save(path)
    return path


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda h, e: e.pop("arrays/layer1.moving_variance.npy"), "moving_variance"),
        (lambda h, e: h["model"]["layers"][1].update(scale=False), "this model has"),
        (lambda h, e: h["model"]["layers"][1].update(class_name="Conv2D"), "unknown class"),
        (lambda h, e: h["model"]["layers"][1].update(momentum=2.0), "momentum must be"),
        (lambda h, e: h["model"]["layers"][2].update(rate=1.0), "rate must be"),
        (
            lambda h, e: h["model"]["layers"].insert(0, {"class_name": "Dropout", "rate": 0.1}),
            "layer 0 is Dropout",
        ),
    ],
    ids=["missing-array", "gamma-not-in-config", "unknown-class", "momentum", "rate", "first"],
)
def test_damaged_normalization_and_dropout_configs(saved_with_norm, tmp_path, edit, expected):
    entries = entries_of(saved_with_norm)
    header = json.loads(entries["fastnn.json"])
    edit(header, entries)
    entries["fastnn.json"] = json.dumps(header).encode()
    bad = tmp_path / "bad.fnn"
    write(bad, entries)
    with pytest.raises(ModelFileError, match=expected):
        fnn.load_model(bad)
