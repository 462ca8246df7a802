"""Fuzzing with hypothesis: every kernel, fit/predict, the model-file loader and the CSV reader.

Each case ends in a result equal to the NumPy twin's, or in a ValueError/TypeError that
names the function (never pybind11's generic "incompatible function arguments", an
OverflowError, a crash, a hang or a huge allocation). The runs are derandomized (the same
cases every time, so CI is reproducible) and sized to take about a minute on two cores;
CASES counts what ran, and the last test checks the count (it is also in docs/kernels.md).
"""

from __future__ import annotations

import io
import math
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastnn as fnn
from fastnn import datasets, kernels, reference, tables
from fastnn.io import ModelFileError

CASES: dict[str, int] = {}
FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def _count(family: str) -> None:
    CASES[family] = CASES.get(family, 0) + 1


def _clear_error(error: BaseException, name: str) -> None:
    """The error a bad argument may end in: a ValueError or TypeError of this kernel's own."""
    assert isinstance(error, (ValueError, TypeError)), f"{name}: {type(error).__name__}: {error}"
    assert not isinstance(error, OverflowError), f"{name}: {error}"
    message = str(error)
    assert "incompatible function arguments" not in message, f"{name}: {message}"
    assert name in message, f"{name}: the message does not name it: {message}"


# ---- strategies ------------------------------------------------------------------------------

DTYPES = [np.float32, np.float64]
ODD_DTYPES = [np.float16, np.int64, np.bool_, np.complex64, np.dtype(">f8"), object]
# Numbers for hyper-parameters and counts: small ones, edge floats, and integers far out of any
# range (a valid but huge count, 10**8 epochs or samples, is slow rather than wrong: not here).
NUMBERS = st.one_of(
    st.floats(-5, 5),
    st.sampled_from([0.0, 1.0, -1.0, 1e-300, 1e300, math.inf, -math.inf, math.nan]),
    st.integers(-5, 5),
    st.sampled_from([-(2**70), -(2**63), 2**63, 2**64, 2**70, 2**28 + 1]),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
)


@st.composite
def arrays(draw, shape, dtype=None, finite=True):
    """An array of `shape` (sometimes Fortran-ordered or a strided view) of a float dtype."""
    dtype = dtype or draw(st.sampled_from(DTYPES))
    values = draw(
        st.lists(
            st.floats(-30, 30, width=32) if finite else st.floats(allow_nan=True, width=32),
            min_size=math.prod(shape),
            max_size=math.prod(shape),
        )
    )
    a = np.array(values, dtype=np.float64).reshape(shape).astype(dtype)
    layout = draw(st.sampled_from(["C", "F", "strided"]))
    if layout == "F":
        a = np.asfortranarray(a)
    elif layout == "strided" and a.ndim == 2:
        wide = np.zeros((shape[0], shape[1] * 2), dtype=dtype)
        wide[:, ::2] = a
        a = wide[:, ::2]
    return a


def _mangle(draw, a: np.ndarray):
    """Sometimes a wrong argument in place of `a`: another dtype, rank or shape, or no array."""
    kind = draw(st.sampled_from(["same"] * 6 + ["dtype", "rank", "shape", "list", "scalar"]))
    if kind == "dtype":
        return a.astype(draw(st.sampled_from(ODD_DTYPES)))
    if kind == "rank":
        return a.reshape(-1) if a.ndim == 2 else a.reshape(1, -1)
    if kind == "shape":
        return np.zeros((a.shape[0] + 1, *a.shape[1:]), dtype=a.dtype)
    if kind == "list":
        return a.tolist()
    if kind == "scalar":
        return 1.0
    return a


def _agree(got, want, dtype) -> None:
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)
    if isinstance(want, tuple):
        for g, w in zip(got, want, strict=True):
            _agree(g, w, dtype)
        return
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(want, np.float64),
                               equal_nan=True, **tol)  # fmt: skip


def _run(name: str, args: list, kwargs: dict, dtype, compare: bool = True) -> None:
    """Call the kernel; a result must equal the twin's, an error must be a clear one."""
    _count(name.rsplit("_", 1)[-1] if name.endswith(("forward", "backward")) else name)
    kernel, twin = getattr(kernels, name), getattr(reference, name)
    try:
        got = kernel(*[a.copy() if isinstance(a, np.ndarray) else a for a in args], **kwargs)
    except BaseException as error:
        _clear_error(error, name)
        return
    if not compare:
        return
    with np.errstate(all="ignore"):
        want = twin(*[np.ascontiguousarray(a) if isinstance(a, np.ndarray) else a for a in args],
                    **kwargs)  # fmt: skip
    _agree(got, want, dtype)


# ---- kernels ---------------------------------------------------------------------------------

SHAPES = st.tuples(st.integers(0, 5), st.integers(0, 5))


@FUZZ
@given(st.data(), st.sampled_from(list(tables.ACTIVATIONS)), SHAPES)
def test_activations(data, name, shape):
    row = tables.ACTIVATIONS[name]
    dtype = data.draw(st.sampled_from(DTYPES))
    Z = data.draw(arrays(shape, dtype))
    kwargs = {}
    if row.alpha is not None and data.draw(st.booleans()):
        kwargs["alpha"] = data.draw(NUMBERS)
    clean = all(isinstance(v, float) and abs(v) < 10 for v in kwargs.values())
    Zm = _mangle(data.draw, Z)
    _run(f"{name}_forward", [Zm], kwargs, dtype, compare=clean and Zm is Z)
    A = reference.__dict__[f"{name}_forward"](np.ascontiguousarray(Z), **(kwargs if clean else {}))
    dA = data.draw(arrays(shape, dtype))
    args = [Z, A, _mangle(data.draw, dA)]
    _run(f"{name}_backward", args, kwargs, dtype, compare=clean and args[2] is dA)


@FUZZ
@given(st.data(), st.sampled_from(list(tables.LOSS_KERNELS)), SHAPES)
def test_losses(data, name, shape):
    dtype = data.draw(st.sampled_from(DTYPES))
    Y = data.draw(arrays(shape, dtype))
    T = np.abs(data.draw(arrays(shape, dtype))) % 1  # targets in [0, 1): valid for every loss
    if name in ("binary_crossentropy", "kl_divergence"):
        Y = (np.abs(Y) % 1).astype(dtype)
    Tm = _mangle(data.draw, T)
    for way in ("forward", "backward"):
        _run(f"{name}_{way}", [Y, Tm], {}, dtype, compare=Tm is T)


@FUZZ
@given(st.data(), st.integers(0, 5), st.integers(1, 5), st.integers(1, 5))
def test_dense(data, batch, n_in, n_out):
    dtype = data.draw(st.sampled_from(DTYPES))
    X = data.draw(arrays((batch, n_in), dtype))
    W = data.draw(arrays((n_in, n_out), dtype))
    b = data.draw(st.one_of(st.none(), arrays((n_out,), dtype)))
    Wm = _mangle(data.draw, W)
    _run("dense_forward", [X, Wm, b], {}, dtype, compare=Wm is W)
    dZ = data.draw(arrays((batch, n_out), dtype))
    dZm = _mangle(data.draw, dZ)
    _run("dense_backward", [X, W, dZm], {}, dtype, compare=dZm is dZ)


@settings(FUZZ, max_examples=150)
@given(st.data(), SHAPES)
def test_dropout(data, shape):
    dtype = data.draw(st.sampled_from(DTYPES))
    A = data.draw(arrays(shape, dtype))
    rate = data.draw(st.one_of(st.floats(0, 0.99), NUMBERS))
    key = data.draw(st.one_of(st.integers(0, 2**64 - 1), NUMBERS))
    Am = _mangle(data.draw, A)
    clean = isinstance(rate, float) and 0 <= rate < 1 and isinstance(key, int) and key >= 0
    _run("dropout_forward", [Am], {"rate": rate, "key": key}, dtype, compare=clean and Am is A)
    mask = (data.draw(arrays(shape, dtype)) > 0).astype(dtype)
    dout = data.draw(arrays(shape, dtype))
    dm = _mangle(data.draw, dout)
    _run("dropout_backward", [dm, mask], {"rate": rate}, dtype, compare=clean and dm is dout)


@settings(FUZZ, max_examples=150)
@given(st.data(), SHAPES)
def test_batch_norm(data, shape):
    dtype = data.draw(st.sampled_from(DTYPES))
    cols = shape[1]
    A = data.draw(arrays(shape, dtype))
    gamma = data.draw(st.one_of(st.none(), arrays((cols,), dtype)))
    beta = data.draw(st.one_of(st.none(), arrays((cols,), dtype)))
    mean, var = np.zeros(cols, dtype), np.ones(cols, dtype)
    kwargs = {}
    if data.draw(st.booleans()):
        kwargs["momentum"] = data.draw(st.one_of(st.floats(0, 1), NUMBERS))
    Am = _mangle(data.draw, A)
    clean = all(isinstance(v, float) and 0 <= v <= 1 for v in kwargs.values())
    _run("batch_norm_forward", [Am, gamma, beta, mean, var], kwargs, dtype,
         compare=clean and Am is A)  # fmt: skip
    _run("batch_norm_inference", [Am, gamma, beta, mean, var], {}, dtype, compare=Am is A)
    if shape[0] == 0:
        return
    _, H, inv_std = reference.batch_norm_forward(np.ascontiguousarray(A), gamma, beta, mean.copy(),
                                                 var.copy())  # fmt: skip
    dout = data.draw(arrays(shape, dtype))
    dm = _mangle(data.draw, dout)
    _run("batch_norm_backward", [dm, H, inv_std, gamma], {}, dtype, compare=dm is dout)


@FUZZ
@given(st.data(), st.sampled_from(list(tables.OPTIMIZERS)), st.integers(1, 6))
def test_optimizer_updates(data, name, size):
    row = tables.OPTIMIZERS[name]
    dtype = data.draw(st.sampled_from(DTYPES))
    param = data.draw(arrays((size,), dtype))
    grad = data.draw(arrays((size,), dtype))
    states = [np.zeros(size, dtype) for _ in row.state]
    kwargs = {"learning_rate": data.draw(st.one_of(st.floats(0, 1), NUMBERS))}
    for p in row.update_arguments[1:]:
        if data.draw(st.booleans()):
            kwargs[p] = data.draw(st.one_of(st.floats(0, 0.99), NUMBERS))
    step = data.draw(st.one_of(st.integers(1, 5), st.integers(-(2**70), 2**70), NUMBERS))
    if isinstance(kwargs["learning_rate"], float) and kwargs["learning_rate"] > 1e6:
        kwargs["learning_rate"] = 1.0  # valid, but it only overflows both to inf
    if data.draw(st.booleans()):
        grad = _mangle(data.draw, grad)
    args_k = [param.copy(), grad, *(s.copy() for s in states)]
    args_t = [param.copy(), grad, *(s.copy() for s in states)]
    _count("update")
    try:
        getattr(kernels, f"{name}_update")(*args_k, step=step, **kwargs)
    except BaseException as error:
        _clear_error(error, f"{name}_update")
        # Its twin refuses the same hyper-parameters and step (same table, same message).
        if not isinstance(grad, np.ndarray) or grad.shape != param.shape or grad.dtype != dtype:
            return
        with pytest.raises((ValueError, TypeError)):
            getattr(reference, f"{name}_update")(*args_t, step=step, **kwargs)
        return
    getattr(reference, f"{name}_update")(*args_t, step=step, **kwargs)
    with np.errstate(all="ignore"):
        _agree(args_k[0], args_t[0], dtype)


@FUZZ
@given(st.data(), st.integers(0, 6), st.integers(1, 3))
def test_perceptron_and_permutation(data, n, d):
    dtype = data.draw(st.sampled_from(DTYPES))
    X = data.draw(arrays((n, d), dtype))
    y = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)), dtype)
    kwargs = {}
    for p in tables.PERCEPTRON:
        if data.draw(st.booleans()):
            kwargs[p] = data.draw(st.one_of(st.integers(0, 5), NUMBERS))
    w_k, w_t = np.zeros(d, dtype), np.zeros(d, dtype)
    b_k, b_t = np.zeros(1, dtype), np.zeros(1, dtype)
    _count("perceptron")
    try:
        errors = kernels.perceptron_fit(X, y, w_k, b_k, **kwargs)
    except BaseException as error:
        _clear_error(error, "perceptron_fit")
        with pytest.raises((ValueError, TypeError)):
            reference.perceptron_fit(np.ascontiguousarray(X), y, w_t, b_t, **kwargs)
    else:
        want = reference.perceptron_fit(np.ascontiguousarray(X), y, w_t, b_t, **kwargs)
        np.testing.assert_array_equal(errors, want)
        np.testing.assert_array_equal(w_k, w_t)
    n_arg = data.draw(st.one_of(st.integers(0, 50), NUMBERS))
    seed = data.draw(st.one_of(st.integers(0, 2**64 - 1), NUMBERS))
    _count("permutation")
    try:
        order = kernels.permutation(n_arg, seed, 0)
    except BaseException as error:
        _clear_error(error, "permutation")
    else:
        np.testing.assert_array_equal(order, reference.permutation(n_arg, seed, 0))


# ---- fit, predict, the loader, the CSV reader ------------------------------------------------

# With a BatchNormalization and a Dropout, so that their configs and arrays are in the file the
# loader tests mutate, and fit runs them on every batch size down to 1.
_MODEL = fnn.Sequential(
    [
        fnn.Dense(4, activation="tanh", input_dim=3),
        fnn.BatchNormalization(),
        fnn.Dropout(0.25),
        fnn.Dense(2),
    ],
    seed=1,
)
_MODEL.compile(fnn.optimizers.SGD(clipnorm=1.0), "mse")


@settings(FUZZ, max_examples=150)
@given(st.data())
def test_fit_and_predict(data):
    n = data.draw(st.integers(0, 6))
    X = data.draw(st.one_of(arrays((n, 3), finite=False), arrays((n, 2)), st.just([[1, 2, 3]]),
                            st.just("text"), st.just(np.zeros((n, 3), dtype=object))))  # fmt: skip
    y = data.draw(st.one_of(arrays((n, 2)), arrays((n,)), st.just(np.array(1.0)),
                            st.just(np.zeros((n + 1, 2)))))  # fmt: skip
    _count("fit/predict")
    for call in (
        lambda: _MODEL.predict(X),
        lambda: _MODEL.fit(X, y, epochs=1, verbose=0),
        lambda: _MODEL.evaluate(X, y),
        lambda: _MODEL.train_on_batch(X, y),
        lambda: _MODEL.test_on_batch(X, y),
    ):
        try:
            call()
        except (ValueError, TypeError) as error:
            assert "incompatible function arguments" not in str(error)


_SAVED = io.BytesIO()
_MODEL.save(_SAVED)


@settings(FUZZ, max_examples=150)
@given(st.lists(st.tuples(st.integers(0, len(_SAVED.getvalue()) - 1), st.integers(0, 255)),
                min_size=1, max_size=4))  # fmt: skip
def test_the_loader_on_mutated_files(edits):
    raw = bytearray(_SAVED.getvalue())
    for position, value in edits:
        raw[position] = value
    _count("loader")
    try:
        model = fnn.load_model(io.BytesIO(bytes(raw)))
    except ModelFileError:
        return
    assert model.predict(np.zeros((1, 3), np.float32)).shape == (1, 2)


@settings(FUZZ, max_examples=100)
@given(st.lists(st.tuples(st.sampled_from(sorted(zipfile.ZipFile(_SAVED).namelist())),
                          st.binary(max_size=64)), max_size=2))  # fmt: skip
def test_the_loader_on_replaced_members(replacements):
    with zipfile.ZipFile(io.BytesIO(_SAVED.getvalue())) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    entries.update(dict(replacements))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    _count("loader")
    try:
        fnn.load_model(io.BytesIO(out.getvalue()))
    except ModelFileError:
        pass


_WEIGHTS = io.BytesIO()
_MODEL.save_weights(_WEIGHTS)


@settings(FUZZ, max_examples=150)
@given(st.lists(st.tuples(st.integers(0, len(_WEIGHTS.getvalue()) - 1), st.integers(0, 255)),
                min_size=1, max_size=4))  # fmt: skip
def test_load_weights_on_mutated_files(edits):
    raw = bytearray(_WEIGHTS.getvalue())
    for position, value in edits:
        raw[position] = value
    _count("weights loader")
    model = fnn.Sequential([fnn.Dense(4, activation="tanh", input_dim=3), fnn.Dense(2)], seed=2)
    before = model.get_weights()
    try:
        model.load_weights(io.BytesIO(bytes(raw)))
    except ValueError:  # ModelFileError, or names/shapes/dtypes not the model's
        for a, b in zip(before, model.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)  # nothing changed
        return
    assert model.predict(np.zeros((1, 3), np.float32)).shape == (1, 2)


@settings(FUZZ, max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("0123456789.,;-e\n\t #abcxy\"'")), max_size=80))
def test_the_csv_reader(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("csv") / "data.csv"
    path.write_text(text)
    _count("csv")
    try:
        X, y = datasets.load_csv(path)
    except ValueError as error:
        assert str(path) in str(error)
        return
    assert X.ndim == 2 and y.shape == (X.shape[0],) and np.isfinite(X).all()


@settings(FUZZ, max_examples=150)
@given(
    st.binary(max_size=80)
    | st.text(alphabet=st.sampled_from(list('01.,;-\n#ab\xe9"')), max_size=60)
)
def test_the_shared_csv_reader_on_bytes(data):
    # The reader behind load_csv, the command line and the page's upload: any input is a table
    # or a ValueError (CSVTooLarge is one) naming the source, never another exception.
    _count("csv")
    try:
        table = datasets.parse_csv(data, source="up.csv", max_rows=5, max_inputs=3)
    except ValueError as error:
        assert "up.csv" in str(error)
        return
    n = len(table.lines)
    assert table.X.shape == (n, len(table.input_names)) and table.y.shape == (n,)
    assert np.isfinite(table.X).all() and 1 <= n <= 5 and table.X.shape[1] <= 3
    assert table.y.dtype.kind in "fU"


def test_the_case_count():
    # The fuzz tests above ran (they run first, in this file's order) and how many cases each.
    total = sum(CASES.values())
    print(f"\nfuzz cases: {total} ({', '.join(f'{k} {v}' for k, v in sorted(CASES.items()))})")
    assert total >= 3000, CASES
