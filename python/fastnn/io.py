"""Saving and loading models: one file, a documented format, nothing executed on load.

A ``.fnn`` file is a ZIP archive (see docs/file_format.md) holding:

* ``fastnn.json``: the format name and version, the model's configuration (layers, dtype,
  seed, loss, metrics, optimizer with its hyper-parameters), the training progress (optimizer
  step, epochs done) and a manifest of the arrays with their shapes and dtypes;
* ``arrays/<name>.npy``: each array in NumPy's .npy format, read with ``allow_pickle=False``.

Loading checks every entry against the manifest and the configuration, so a damaged,
truncated or foreign file raises :class:`ModelFileError` (a ValueError) that says what is
wrong, instead of building a broken model.
"""

from __future__ import annotations

import contextlib
import io as _io
import json
import math
import os
import uuid
import zipfile
import zlib
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from fastnn import layers

if TYPE_CHECKING:
    from fastnn.models import Sequential

FORMAT_NAME = "fastnn-model"
FORMAT_VERSION = 1
#: save_weights' files: the same archive with the weights alone (no configuration, no
#: optimizer state), their header naming this format.
WEIGHTS_FORMAT_NAME = "fastnn-weights"
_HEADER = "fastnn.json"
# What zipfile raises for a damaged archive: a bad CRC (BadZipFile), damaged deflate data
# (zlib.error), flipped header fields naming an unknown compression method or zip version
# (NotImplementedError) or an encryption flag (RuntimeError), short reads (EOFError, OSError).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    OSError,
    ValueError,
    EOFError,
)


class ModelFileError(ValueError):
    """A file that is not a valid fastnn model (damaged, truncated, foreign or inconsistent)."""


def save_model(model: Sequential, path: str | os.PathLike | BinaryIO) -> None:
    """Write `model` to `path` (written to a temporary file first, then renamed), or to a
    binary file object (a BytesIO: pickling the scikit-learn estimators goes through it)."""
    state = model.get_state()
    arrays = dict(state["weights"])
    optimizer = state["optimizer"]
    if optimizer is not None:
        arrays.update({f"optimizer.{name}": a for name, a in optimizer["states"].items()})
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "model": state["config"],
        "compile": state["compile"],
        "training": {
            "step": int(optimizer["iterations"]) if optimizer is not None else 0,
            "epochs_done": int(state["epochs_done"]),
        },
        "arrays": {
            name: {"shape": list(a.shape), "dtype": a.dtype.name} for name, a in arrays.items()
        },
    }
    _write(path, header, arrays)


def _write(path, header: dict, arrays: dict) -> None:
    if hasattr(path, "write"):
        _write_zip(path, header, arrays)
        return
    path = os.fspath(path)
    # Atomic: the whole file goes to a temporary name in the same folder, reaches the disk
    # (fsync), and only then takes the real name, so a save killed at any point leaves the old
    # file as it was. The name is unique per call: two threads saving to one path each write
    # their own and the last rename wins, whole.
    tmp = f"{path}.tmp-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as f:
            _write_zip(f, header, arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_folder(os.path.dirname(os.path.abspath(path)))  # the rename itself, durable
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _write_zip(f, header: dict, arrays: dict) -> None:
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_HEADER, json.dumps(header, indent=2))
        for name, array in arrays.items():
            buffer = _io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            zf.writestr(f"arrays/{name}.npy", buffer.getvalue())


def _count(value, name: str, bad) -> int:
    """A count from the header (an update step, epochs): an int in [0, 2**62], else bad(...)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**62:
        raise bad(f"{name} must be an int in [0, 2**62], got {value!r}")
    return value


def _fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a folder that cannot be opened (some platforms): the rename stands
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# Limits that keep a damaged or hostile file from costing more than its model would: the
# header is JSON of a few KB, an .npy header is at most a few hundred bytes, and one array holds
# at most 2**31 values (8 GB of float32, more than fastnn trains).
_MAX_HEADER_BYTES = 1 << 20
_MAX_NPY_HEADER_BYTES = 1 << 16
_MAX_ARRAY_VALUES = 1 << 31
_DTYPES = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}


def save_weights(model: Sequential, path: str | os.PathLike | BinaryIO) -> None:
    """Write `model`'s weights alone (``layer<i>.kernel``, ``layer<i>.bias``) to `path` or a
    binary file object: the model file's archive, atomic like it, its header naming the
    ``fastnn-weights`` format and listing each layer's shapes."""
    weights = model.get_state()["weights"]
    header = {
        "format": WEIGHTS_FORMAT_NAME,
        "version": FORMAT_VERSION,
        "arrays": {
            name: {"shape": list(a.shape), "dtype": a.dtype.name} for name, a in weights.items()
        },
    }
    _write(path, header, weights)


def load_weights(model: Sequential, path: str | os.PathLike | BinaryIO) -> None:
    """Copy the weights of a :func:`save_weights` file (or of a model file) into `model`.

    The file is checked as :func:`load_model` checks one (ModelFileError for a damaged or
    hostile file); its arrays' names, shapes and dtypes must then be the model's, else a
    ValueError names the first that differs. Both are checked before anything large is read
    and before any weight changes."""
    where = "load_weights"
    with _open_archive(path, where) as (zf, members, bad):
        header = _read_header(zf, members, bad, formats=(WEIGHTS_FORMAT_NAME, FORMAT_NAME))
        manifest = _manifest(header, members, bad)
        expected = model.get_state()["weights"]
        names = {n for n in manifest if not n.startswith("optimizer.")}
        if names != set(expected):
            raise ValueError(
                f"{where}: the file holds the weights {sorted(names)}, this model has "
                f"{sorted(expected)} (a model of other layers?)"
            )
        for name, target in expected.items():
            meta = manifest[name]
            if tuple(meta["shape"]) != target.shape or meta["dtype"] != target.dtype.name:
                raise ValueError(
                    f"{where}: {name} is {meta['dtype']} {tuple(meta['shape'])} in the file, "
                    f"the model's is {target.dtype.name} {target.shape}"
                )
        arrays = {
            name: _read_array(zf, members[f"arrays/{name}.npy"], name, manifest[name], bad)
            for name in expected
        }
    for name, target in expected.items():
        target[...] = arrays[name]  # in place: a running core keeps pointing at these arrays


@contextlib.contextmanager
def _open_archive(path, where: str, kind: str = "fastnn file"):
    """``with _open_archive(path, where) as (zf, members, bad)``: the archive opened and its
    member names checked; bad(reason) makes the ModelFileError that names the file."""
    if hasattr(path, "read"):  # a binary file object
        source, name = path, getattr(path, "name", "<file object>")
    else:
        name = source = os.fspath(path)
        if not os.path.exists(name):
            raise FileNotFoundError(f"{where}: no such file: {name}")

    def bad(reason: str) -> ModelFileError:
        return ModelFileError(f"{where}: {name} is not a valid {kind}: {reason}")

    try:
        zf = zipfile.ZipFile(source)
    except _ZIP_ERRORS as exc:
        raise bad(f"not a readable ZIP archive ({exc})") from None
    with zf:
        yield zf, _members(zf, bad), bad


def load_model(path: str | os.PathLike | BinaryIO) -> Sequential:
    """Read a model written by :func:`save_model` from a path or a binary file object; raises
    ModelFileError for a bad file.

    Nothing is inflated before its size is checked: every member's declared size must be what
    the manifest's shape and dtype make it, each array is read into an array of that size and
    no further (trailing bytes are an error), and the configuration's layer sizes must match
    the manifest before any layer is built.
    """
    from fastnn.models import Sequential

    with _open_archive(path, "load_model", "fastnn model file") as (zf, members, bad):
        header = _read_header(zf, members, bad)
        manifest = _manifest(header, members, bad)
        _check_layers_against_manifest(header, manifest, bad)
        arrays = {
            name: _read_array(zf, members[f"arrays/{name}.npy"], name, meta, bad)
            for name, meta in manifest.items()
        }

    try:
        compiled = header.get("compile")
        training = header.get("training", {})
        if not isinstance(training, dict):
            raise bad(f"training must be a dict, got {training!r}")
        optimizer = None
        if compiled is not None and any(n.startswith("optimizer.") for n in arrays):
            optimizer = {
                "iterations": _count(training.get("step"), "training.step", bad),
                "states": {
                    n[len("optimizer.") :]: a
                    for n, a in arrays.items()
                    if n.startswith("optimizer.")
                },
            }
        state = {
            "config": header["model"],
            "compile": compiled,
            "weights": {n: a for n, a in arrays.items() if not n.startswith("optimizer.")},
            "optimizer": optimizer,
            "epochs_done": _count(training.get("epochs_done", 0), "training.epochs_done", bad),
        }
        return Sequential.from_state(state)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise bad(
            f"its configuration does not describe a model ({type(exc).__name__}: {exc})"
        ) from None


def _members(zf: zipfile.ZipFile, bad) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by name: each name plain (no folder climbing, no absolute path),
    none twice."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or ":" in name or "\\" in name:
            raise bad(f"it holds a member with an unsafe name: {name!r}")
        if name in members:
            raise bad(f"it holds the member {name!r} twice")
        members[name] = info
    return members


def _read_header(
    zf: zipfile.ZipFile, members: dict, bad, formats: tuple[str, ...] = (FORMAT_NAME,)
) -> dict:
    info = members.get(_HEADER)
    if info is None:
        raise bad(f"it has no {_HEADER}")
    if info.file_size > _MAX_HEADER_BYTES:
        raise bad(
            f"{_HEADER} declares {info.file_size} bytes; a header is at most {_MAX_HEADER_BYTES}"
        )
    try:
        with zf.open(info) as f:
            raw = f.read(_MAX_HEADER_BYTES + 1)
        header = json.loads(raw)
    except _ZIP_ERRORS as exc:
        raise bad(f"{_HEADER} is damaged ({exc})") from None
    if not isinstance(header, dict) or header.get("format") not in formats:
        raise bad(f"its header does not name the {' or '.join(formats)} format")
    if header.get("version") != FORMAT_VERSION:
        raise bad(
            f"format version {header.get('version')!r}; this fastnn reads version {FORMAT_VERSION}"
        )
    return header


def _manifest(header: dict, members: dict, bad) -> dict[str, dict]:
    """The manifest, checked: every entry a float32/float64 shape of bounded size, with its
    member present; no member outside it."""
    manifest = header.get("arrays")
    if not isinstance(manifest, dict):
        raise bad("the header has no array manifest")
    for name, meta in manifest.items():
        if not isinstance(meta, dict):
            raise bad(f"the manifest entry of array {name!r} is not a dict: {meta!r}")
        shape, dtype = meta.get("shape"), meta.get("dtype")
        if (
            not isinstance(shape, list)
            or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
            or dtype not in _DTYPES
        ):
            raise bad(
                f"the manifest entry of array {name!r} is not a float32/float64 shape: {meta}"
            )
        if math.prod(shape) > _MAX_ARRAY_VALUES:
            raise bad(
                f"array {name!r} declares {math.prod(shape)} values; at most {_MAX_ARRAY_VALUES}"
            )
        if f"arrays/{name}.npy" not in members:
            raise bad(f"array {name!r} is missing")
    expected = {_HEADER, *(f"arrays/{name}.npy" for name in manifest)}
    extra = sorted(set(members) - expected)
    if extra:
        raise bad(f"it holds members the manifest does not list: {extra}")
    return manifest


def _check_layers_against_manifest(header: dict, manifest: dict, bad) -> None:
    """The layers the config describes must have the manifest's shapes: checked before any
    layer is built, so a config of 10**6 units costs nothing unless its arrays are there."""
    config = header.get("model")
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise bad("its configuration does not describe a model (no layer list)")
    inputs = None
    for i, layer in enumerate(config["layers"]):
        if not isinstance(layer, dict):
            raise bad(f"layer {i}'s config is not a dict: {layer!r}")
        cls = layers.LAYER_CLASSES.get(layer.get("class_name", "Dense"))
        if cls is None:
            raise bad(f"layer {i} has an unknown class {layer.get('class_name')!r}")
        if cls is layers.Dense:
            units = layer.get("units")
            if i == 0:
                inputs = layer.get("input_dim")
        elif i == 0 and cls is layers.Dropout and layer.get("input_dim") is not None:
            inputs = units = layer.get("input_dim")  # a dropout of the inputs
        elif i == 0:
            raise bad(f"layer 0 is {layer['class_name']}; a model starts with a Dense layer")
        else:
            units = inputs  # normalization and dropout keep the width
        for what, value in (("units", units), ("input_dim", inputs)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise bad(f"layer {i}'s {what} must be an int >= 1, got {value!r}")
        wanted = {f"layer{i}.{name}": shape for name, shape in cls.arrays_of(layer, inputs).items()}
        for name, shape in wanted.items():
            meta = manifest.get(name)
            if meta is None:
                raise bad(f"array {name!r} is missing")
            if meta["shape"] != shape:
                raise bad(
                    f"array {name!r} is {meta['shape']} in the manifest, but layer {i} of the "
                    f"configuration needs {shape}"
                )
        inputs = units


def _read_array(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, meta: dict, bad):
    """One .npy member, read into an array of the manifest's shape and dtype and no larger."""
    dtype, shape = _DTYPES[meta["dtype"]], tuple(meta["shape"])
    nbytes = math.prod(shape) * dtype.itemsize
    if not nbytes <= info.file_size <= nbytes + _MAX_NPY_HEADER_BYTES:
        raise bad(
            f"array {name!r} declares {info.file_size} bytes, but {meta['dtype']} {list(shape)} "
            f"takes {nbytes} and a header"
        )
    try:
        with zf.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                file_shape, fortran, file_dtype = np.lib.format.read_array_header_1_0(
                    f, max_header_size=_MAX_NPY_HEADER_BYTES
                )
            elif version in ((2, 0), (3, 0)):
                file_shape, fortran, file_dtype = np.lib.format.read_array_header_2_0(
                    f, max_header_size=_MAX_NPY_HEADER_BYTES
                )
            else:
                raise bad(f"array {name!r} has .npy format {version}")
            if (
                file_shape != shape
                or file_dtype.kind != "f"
                or file_dtype.itemsize != dtype.itemsize
            ):
                raise bad(
                    f"array {name!r} is {file_dtype} {list(file_shape)}, the manifest says {meta}"
                )
            if fortran and len(shape) > 1:
                raise bad(f"array {name!r} is in Fortran order; fastnn writes C order")
            array = np.empty(shape, dtype=file_dtype)
            view = memoryview(array).cast("B") if array.size else memoryview(b"")
            got = f.readinto(view) if array.size else 0
            if got != nbytes:
                raise bad(f"array {name!r} is truncated: {got} of {nbytes} bytes")
            if f.read(1):
                raise bad(f"array {name!r} has bytes after its {nbytes} bytes of data")
    except ModelFileError:
        raise
    except _ZIP_ERRORS as exc:
        raise bad(f"array {name!r} is damaged ({exc})") from None
    return array.astype(dtype, copy=False)  # native byte order
