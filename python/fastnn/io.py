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

import io as _io
import json
import os
import uuid
import zipfile
import zlib

import numpy as np

FORMAT_NAME = "fastnn-model"
FORMAT_VERSION = 1
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


def _arrays_of(model) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    for i, layer in enumerate(model.layers):
        arrays[f"layer{i}.kernel"] = layer.kernel
        if layer.use_bias:
            arrays[f"layer{i}.bias"] = layer.bias
    for i, state in enumerate(model._weight_states):
        arrays[f"optimizer.layer{i}.kernel"] = state
        if model._bias_states[i] is not None:
            arrays[f"optimizer.layer{i}.bias"] = model._bias_states[i]
    return arrays


def save_model(model, path) -> None:
    """Write `model` to `path` (written to a temporary file first, then renamed)."""
    arrays = _arrays_of(model)
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "model": {
            "class": "Sequential",
            "name": model.name,
            "dtype": model.dtype.name,
            "seed": model.seed,
            "layers": [layer.get_config() for layer in model.layers],
        },
        "compile": None
        if model.optimizer is None
        else {
            "optimizer": model.optimizer.get_config(),
            "loss": model.loss,
            "metrics": list(model.metrics),
        },
        "training": {"step": int(model._step), "epochs_done": int(model._epochs_done)},
        "arrays": {
            name: {"shape": list(a.shape), "dtype": a.dtype.name} for name, a in arrays.items()
        },
    }
    path = os.fspath(path)
    # Atomic: the whole file goes to a temporary name in the same folder, reaches the disk
    # (fsync), and only then takes the real name, so a save killed at any point leaves the old
    # file as it was. The name is unique per call: two threads saving to one path each write
    # their own and the last rename wins, whole.
    tmp = f"{path}.tmp-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(_HEADER, json.dumps(header, indent=2))
                for name, array in arrays.items():
                    buffer = _io.BytesIO()
                    np.lib.format.write_array(
                        buffer, np.ascontiguousarray(array), allow_pickle=False
                    )
                    zf.writestr(f"arrays/{name}.npy", buffer.getvalue())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_folder(os.path.dirname(os.path.abspath(path)))  # the rename itself, durable
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


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


def load_model(path):
    """Read a model written by :func:`save_model`; raises ModelFileError for a bad file."""
    from fastnn.layers import Dense
    from fastnn.models import Sequential

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_model: no such file: {path}")

    def bad(reason: str) -> ModelFileError:
        return ModelFileError(f"load_model: {path} is not a valid fastnn model file: {reason}")

    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        raise bad(f"not a readable ZIP archive ({exc})") from None
    with zf:
        try:
            header = json.loads(zf.read(_HEADER))
        except KeyError:
            raise bad(f"it has no {_HEADER}") from None
        except _ZIP_ERRORS as exc:
            raise bad(f"{_HEADER} is damaged ({exc})") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
            raise bad("its header does not name the fastnn-model format")
        if header.get("version") != FORMAT_VERSION:
            raise bad(
                f"format version {header.get('version')!r}; this fastnn reads version {FORMAT_VERSION}"
            )
        manifest = header.get("arrays")
        if not isinstance(manifest, dict):
            raise bad("the header has no array manifest")
        arrays = {}
        for name, meta in manifest.items():
            if not isinstance(meta, dict):
                raise bad(f"the manifest entry of array {name!r} is not a dict: {meta!r}")
            try:
                raw = zf.read(f"arrays/{name}.npy")
                array = np.lib.format.read_array(_io.BytesIO(raw), allow_pickle=False)
            except KeyError:
                raise bad(f"array {name!r} is missing") from None
            except _ZIP_ERRORS as exc:
                raise bad(f"array {name!r} is damaged ({exc})") from None
            if list(array.shape) != meta.get("shape") or array.dtype.name != meta.get("dtype"):
                raise bad(
                    f"array {name!r} is {array.dtype.name} {list(array.shape)}, the manifest says {meta}"
                )
            arrays[name] = array

    try:
        config = header["model"]
        model = Sequential(dtype=config["dtype"], seed=config["seed"], name=config.get("name"))
        for layer_config in config["layers"]:
            model.add(Dense(**layer_config))
        for i, layer in enumerate(model.layers):
            _fill(layer.kernel, arrays, f"layer{i}.kernel", bad)
            if layer.use_bias:
                _fill(layer.bias, arrays, f"layer{i}.bias", bad)
        compiled = header.get("compile")
        if compiled is not None:
            model.compile(
                optimizer=compiled["optimizer"], loss=compiled["loss"], metrics=compiled["metrics"]
            )
            if "optimizer.layer0.kernel" in arrays:
                model._ensure_optimizer_state()
                for i in range(len(model.layers)):
                    _fill(model._weight_states[i], arrays, f"optimizer.layer{i}.kernel", bad)
                    if model._bias_states[i] is not None:
                        _fill(model._bias_states[i], arrays, f"optimizer.layer{i}.bias", bad)
                model._step = _count(header["training"]["step"], "training.step", bad)
        model._epochs_done = _count(
            header.get("training", {}).get("epochs_done", 0), "training.epochs_done", bad
        )
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise bad(
            f"its configuration does not describe a model ({type(exc).__name__}: {exc})"
        ) from None
    return model


def _fill(target: np.ndarray, arrays: dict, name: str, bad) -> None:
    if name not in arrays:
        raise bad(f"array {name!r} is missing")
    source = arrays[name]
    if source.shape != target.shape or source.dtype != target.dtype:
        raise bad(
            f"array {name!r} is {source.dtype} {source.shape}, the model needs {target.dtype} {target.shape}"
        )
    target[...] = source
