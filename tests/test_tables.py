"""One source of truth per concept: the core's tables == fastnn.reference == the Python classes.

The C++ core declares each concept's facts once (cpp/fastnn/{activations,losses,optimizers,
perceptron}.hpp) and exports them (fastnn._core.ACTIVATIONS, ...). These tests hold every other
place that names them to the same rows: the kernels' keyword defaults, the twins' signatures,
the classes' signatures, and, for every range, that the kernel, its twin and its class accept
and refuse the same values with a message naming the parameter.
"""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pytest

import fastnn
from fastnn import _core, activations, initializers, kernels, losses, optimizers, reference, tables
from fastnn.layers import BatchNormalization, Dense, Dropout
from fastnn.perceptron import Perceptron


def kernel_signature(fn) -> dict[str, str | None]:
    """A pybind11 function's parameters from its docstring's first line: name -> default text
    (None: no default)."""
    first = fn.__doc__.splitlines()[0]
    inside = first[first.index("(") + 1 : first.rindex(") ->")]
    out = {}
    for part in inside.split(", "):
        if part in ("*", "/"):
            continue
        name, _, default = part.partition(" = ")
        out[name.split(":")[0]] = default or None
    return out


def python_defaults(fn) -> dict[str, object]:
    return {
        name: (None if p.default is inspect.Parameter.empty else p.default)
        for name, p in inspect.signature(fn).parameters.items()
    }


# ---- activations -----------------------------------------------------------------------------


def test_every_activation_has_a_kernel_pair_a_twin_pair_and_a_name():
    assert list(activations.ACTIVATIONS) == list(_core.ACTIVATIONS)
    assert kernels.ACTIVATIONS == tuple(_core.ACTIVATIONS)
    for name, row in tables.ACTIVATIONS.items():
        for suffix in ("forward", "backward"):
            kernel = getattr(kernels, f"{name}_{suffix}")
            twin = getattr(reference, f"{name}_{suffix}")
            assert list(kernel_signature(kernel)) == list(inspect.signature(twin).parameters)
        assert activations.get(name.upper()) == name
        assert activations.ACTIVATIONS[name] == (row.alpha.default if row.alpha else None)


@pytest.mark.parametrize("name", [n for n, r in tables.ACTIVATIONS.items() if r.alpha])
def test_alpha_defaults_agree(name):
    row = tables.ACTIVATIONS[name].alpha
    for suffix in ("forward", "backward"):
        assert float(kernel_signature(getattr(kernels, f"{name}_{suffix}"))["alpha"]) == row.default
        twin = inspect.signature(getattr(reference, f"{name}_{suffix}"))
        assert twin.parameters["alpha"].default == row.default
    assert Dense(3, activation=name).alpha == row.default
    Z = np.array([[-2.0, 3.0]])
    np.testing.assert_array_equal(
        getattr(kernels, f"{name}_forward")(Z), getattr(reference, f"{name}_forward")(Z)
    )


def test_alpha_is_refused_where_an_activation_has_none_and_checked_where_it_has():
    with pytest.raises(ValueError, match="alpha applies to leaky_relu and elu, not relu"):
        Dense(3, activation="relu", alpha=0.1)
    with pytest.raises(ValueError, match="Dense: alpha must be a finite number"):
        Dense(3, activation="elu", alpha=math.nan)
    with pytest.raises(ValueError, match=r"leaky_relu_forward\(\): alpha must be a finite number"):
        kernels.leaky_relu_forward(np.zeros((1, 1)), alpha=math.inf)
    with pytest.raises(TypeError, match=r"elu_backward\(\): alpha must be a number, got str"):
        z = np.zeros((1, 1))
        kernels.elu_backward(z, z, z, alpha="1")


# ---- losses ----------------------------------------------------------------------------------


def test_every_loss_kernel_has_a_pair_and_a_twin():
    assert kernels.LOSSES == tuple(_core.LOSS_KERNELS)
    for name in tables.LOSS_KERNELS:
        for suffix in ("forward", "backward"):
            kernel = getattr(kernels, f"{name}_{suffix}")
            twin = getattr(reference, f"{name}_{suffix}")
            assert list(kernel_signature(kernel)) == list(inspect.signature(twin).parameters)


def test_every_loss_names_kernels_that_exist():
    assert losses.LOSSES == tuple(_core.LOSSES)
    for name, row in tables.LOSSES.items():
        assert losses.get(name) == name
        if row.alias:
            assert losses.get(row.alias) == name
        assert row.kernel is not None or row.fused_with is not None
        for kernel in (row.kernel, row.fused_kernel):
            assert kernel is None or kernel in tables.LOSS_KERNELS
        assert row.fused_with is None or row.fused_with in tables.ACTIVATIONS


def _tiny_network(module, loss: str, output: str):
    layers = [dict(**{"in": 2, "out": 3, "activation": output, "use_bias": True})]
    W, b = np.full((2, 3), 0.1), np.zeros(3)
    return module.Network(
        layers, loss, {"kind": "sgd"}, [W], [b], [np.zeros((1, 2, 3))], [np.zeros((1, 3))], 8
    )


@pytest.mark.parametrize("loss", list(tables.LOSSES))
@pytest.mark.parametrize("output", list(tables.ACTIVATIONS))
def test_the_fused_loss_rule_is_the_same_in_the_core_and_its_twin(loss, output):
    row = tables.LOSSES[loss]
    if row.kernel is None and not row.fuses(output):
        for module in (_core, reference):
            with pytest.raises(ValueError, match=f"needs a {row.fused_with} output layer"):
                _tiny_network(module, loss, output)
        return
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    Y = np.array([0, 2]) if row.labels else np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    sums = [_tiny_network(m, loss, output).evaluate(X, Y) for m in (_core, reference)]
    assert sums[0]["loss"] == pytest.approx(sums[1]["loss"], rel=1e-12, abs=1e-12, nan_ok=True)


# ---- optimizers ------------------------------------------------------------------------------


def test_every_optimizer_has_a_kernel_a_twin_and_a_class():
    assert kernels.OPTIMIZERS == tuple(_core.OPTIMIZERS)
    assert list(optimizers.OPTIMIZERS) == list(_core.OPTIMIZERS)
    for name, row in tables.OPTIMIZERS.items():
        cls = optimizers.OPTIMIZERS[name]
        assert cls.__name__ == row.class_name and cls.kind == name
        assert cls().slots == row.slots
        kernel = kernel_signature(getattr(kernels, f"{name}_update"))
        twin = python_defaults(getattr(reference, f"{name}_update"))
        expected = ["param", "grad", *row.state, *row.update_arguments, "step"]
        assert list(kernel) == expected
        assert list(twin) == expected


@pytest.mark.parametrize("name", list(tables.OPTIMIZERS))
def test_optimizer_defaults_agree(name):
    row = tables.OPTIMIZERS[name]
    kernel = kernel_signature(getattr(kernels, f"{name}_update"))
    twin = python_defaults(getattr(reference, f"{name}_update"))
    cls = python_defaults(optimizers.OPTIMIZERS[name])
    # The row's hyper-parameters, then the clipping every optimizer takes (None: off, the
    # row's 0).
    assert list(cls) == [*row.parameters, *tables.CLIPPING]
    for p in tables.CLIPPING.values():
        assert cls[p.name] is None and p.default == 0
    for p in row.parameters.values():
        assert cls[p.name] == p.default, f"{row.class_name}({p.name}=...)"
        if not p.update_argument:
            continue
        if p.name == "learning_rate":  # the kernels and twins ask for it every call
            assert kernel[p.name] is None and twin[p.name] is None
            continue
        given = kernel[p.name]
        if p.type == "flag":
            assert given == str(p.default)
        else:
            assert float(given) == p.default
        assert twin[p.name] == p.default, f"reference.{name}_update({p.name}=...)"
    instance = optimizers.OPTIMIZERS[name]()
    assert instance.get_config() == {"kind": name, **row.defaults}


def test_core_and_reference_networks_take_the_same_defaults():
    # The drift this table ended: rmsprop's rho defaulted to 0.9 in one, 0.99 in the other.
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(16, 2)), rng.normal(size=(16, 3))
    for name in tables.OPTIMIZERS:
        weights = []
        for module in (_core, reference):
            W, b = np.full((2, 3), 0.1), np.zeros(3)
            slots = tables.OPTIMIZERS[name].slots
            net = module.Network(
                [{"in": 2, "out": 3, "activation": "tanh"}],
                "mse",
                {"kind": name},
                [W],
                [b],
                [np.zeros((slots, 2, 3))],
                [np.zeros((slots, 3))],
                8,
            )
            for epoch in range(3):
                net.train_epoch(
                    X, Y, batch_size=8, shuffle=True, seed=1, epoch=epoch, learning_rate=0.05
                )
            weights.append(W)
        np.testing.assert_allclose(weights[0], weights[1], rtol=1e-12, atol=1e-14, err_msg=name)


def _outside(p: tables.Parameter) -> list:
    """Values just outside the row's range (and NaN, for reals)."""
    if p.type == "flag":
        return []
    out = [math.nan] if p.type == "real" else []
    if math.isfinite(p.low):
        out.append(p.low if p.low_open else (p.low - 1 if p.type == "integer" else -1e-12 + p.low))
    if math.isfinite(p.high):
        out.append(p.high if p.high_open else p.high + (1 if p.type == "integer" else 1e-9))
    return out


def _inside(p: tables.Parameter) -> list:
    """The closed ends of the range, and the default."""
    out = [p.default]
    if math.isfinite(p.low) and not p.low_open:
        out.append(p.low)
    if math.isfinite(p.high) and not p.high_open:
        out.append(p.high)
    return out


def _optimizer_cases():
    for name, row in tables.OPTIMIZERS.items():
        for p in row.parameters.values():
            if p.type != "flag":
                yield name, p.name


def _update_call(module, name, **hyper):
    row = tables.OPTIMIZERS[name]
    param, grad = np.ones(3), np.full(3, 0.5)
    state = [np.zeros(3) for _ in row.state]
    hyper.setdefault("learning_rate", 0.01)
    update = getattr(module, f"{name}_update")
    update(param, grad, *state, step=1, **hyper)
    return param


@pytest.mark.parametrize(("name", "parameter"), list(_optimizer_cases()))
def test_kernel_twin_and_class_refuse_and_accept_the_same_values(name, parameter):
    row = tables.OPTIMIZERS[name]
    p = row.parameters[parameter]
    cls = optimizers.OPTIMIZERS[name]
    for bad in _outside(p):
        message = rf"{parameter} must be a finite number {re.escape(p.range)}, got"
        with pytest.raises(ValueError, match=rf"^{row.class_name}: {message}"):
            cls(**{parameter: bad})
        if p.update_argument:
            for module in (kernels, reference):
                with pytest.raises(ValueError, match=rf"^{name}_update\(\): {message}"):
                    _update_call(module, name, **{parameter: bad})
    for good in _inside(p):
        cls(**{parameter: good})
        if p.update_argument:
            np.testing.assert_allclose(
                _update_call(kernels, name, **{parameter: good}),
                _update_call(reference, name, **{parameter: good}),
                rtol=1e-12,
            )


@pytest.mark.parametrize("name", list(tables.OPTIMIZERS))
def test_kernel_twin_and_class_refuse_a_non_number(name):
    row = tables.OPTIMIZERS[name]
    for p in row.parameters.values():
        wrong = "yes" if p.type == "real" else 1  # a flag must be a bool, not 1
        kind = "a number" if p.type == "real" else "True or False"
        with pytest.raises(TypeError, match=f"{p.name} must be {kind}, got"):
            optimizers.OPTIMIZERS[name](**{p.name: wrong})
        if p.update_argument:
            for module in (kernels, reference):
                with pytest.raises(TypeError, match=f"{p.name} must be {kind}, got"):
                    _update_call(module, name, **{p.name: wrong})


def test_nesterov_needs_momentum_everywhere():
    message = "nesterov=True needs momentum > 0"
    with pytest.raises(ValueError, match=f"^SGD: {message}"):
        optimizers.SGD(nesterov=True)
    for module in (kernels, reference):
        with pytest.raises(ValueError, match=rf"^sgd_update\(\): {message}"):
            _update_call(module, "sgd", nesterov=True)
    for module in (_core, reference):
        with pytest.raises(ValueError, match=message):
            module.Network(
                [{"in": 1, "out": 1, "activation": "linear"}],
                "mse",
                {"kind": "sgd", "nesterov": True},
                [np.zeros((1, 1))],
                [np.zeros(1)],
                [np.zeros((1, 1, 1))],
                [np.zeros((1, 1))],
                1,
            )


# ---- perceptron ------------------------------------------------------------------------------


def test_perceptron_defaults_agree():
    kernel = kernel_signature(kernels.perceptron_fit)
    twin = python_defaults(reference.perceptron_fit)
    cls = python_defaults(Perceptron)
    for p in tables.PERCEPTRON.values():
        assert twin[p.name] == p.default
        assert kernel[p.name] == str(p.default)
        if p.name != "seed":  # the class draws a seed when given None
            assert cls[p.name] == p.default
    assert python_defaults(reference.perceptron_epoch)["learning_rate"] == (
        tables.PERCEPTRON["learning_rate"].default
    )


@pytest.mark.parametrize("parameter", [n for n, p in tables.PERCEPTRON.items() if p.type != "flag"])
def test_perceptron_kernel_twin_and_class_refuse_the_same_values(parameter):
    p = tables.PERCEPTRON[parameter]
    X, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, 0.0])
    kind = "an int" if p.type == "integer" else "a finite number"
    for bad in _outside(p):
        message = rf"{parameter} must be {kind} {re.escape(p.range)}, got"
        with pytest.raises(ValueError, match=rf"^Perceptron: {message}"):
            Perceptron(**{parameter: bad}).fit(X, y)
        for module in (kernels, reference):
            with pytest.raises(ValueError, match=rf"^perceptron_fit\(\): {message}"):
                module.perceptron_fit(X, y, np.zeros(2), np.zeros(1), **{parameter: bad})
    for good in _inside(p):
        w = [np.zeros(2), np.zeros(2)]
        for module, wm in zip((kernels, reference), w, strict=True):
            module.perceptron_fit(X, y, wm, np.zeros(1), **{parameter: good})
        np.testing.assert_array_equal(w[0], w[1])


# ---- initializers ----------------------------------------------------------------------------


def test_initializers_are_one_table_that_dense_reads():
    # Initializers have no kernel: they are NumPy draws, and fastnn.initializers.INITIALIZERS is
    # their one table. Every name in it builds a layer; a name outside it is refused.
    rng = np.random.default_rng(0)
    for name in initializers.INITIALIZERS:
        layer = Dense(4, kernel_initializer=name, bias_initializer=name)
        layer.build(3, rng, np.dtype(np.float64))
        assert layer.kernel.shape == (3, 4) and layer.bias.shape == (4,)
        assert np.isfinite(layer.kernel).all()
    with pytest.raises(ValueError, match="unknown initializer 'orthogonal'"):
        Dense(4, kernel_initializer="orthogonal")


def test_the_tables_are_exported_once():
    # fastnn.tables wraps the core's dicts; nothing else in the package copies them.
    assert fastnn.tables is tables
    assert set(tables.OPTIMIZERS) == set(_core.OPTIMIZERS)
    with pytest.raises(TypeError):
        tables.OPTIMIZERS["sgd"] = None  # read-only


# ---- the layers' and clipping's rows ----------------------------------------------------------


def _network_with(module, spec_extra: dict, optimizer_extra: dict | None = None):
    bn = spec_extra.get("batch_norm")
    arrays = None
    if bn is not None:
        arrays = {
            "gamma": np.ones(3),
            "beta": np.zeros(3),
            "gamma_state": np.zeros((1, 3)),
            "beta_state": np.zeros((1, 3)),
            "moving_mean": np.zeros(3),
            "moving_variance": np.ones(3),
        }
    return module.Network(
        [
            {"in": 2, "out": 3, "activation": "tanh", **spec_extra},
            {"in": 3, "out": 1, "activation": "linear"},
        ],
        "mse",
        {"kind": "sgd", **(optimizer_extra or {})},
        [np.zeros((2, 3)), np.zeros((3, 1))],
        [np.zeros(3), np.zeros(1)],
        [np.zeros((1, 2, 3)), np.zeros((1, 3, 1))],
        [np.zeros((1, 3)), np.zeros((1, 1))],
        4,
        batch_norm=[arrays, None],
    )


def _layer_row_cases():
    for p in tables.DROPOUT.values():
        yield "dropout", p
    for p in tables.BATCH_NORM.values():
        yield "batch_norm", p
    for p in tables.CLIPPING.values():
        yield "clipping", p


@pytest.mark.parametrize(
    ("kind", "p"), list(_layer_row_cases()), ids=[f"{k}-{p.name}" for k, p in _layer_row_cases()]
)
def test_layer_and_clipping_rows_refuse_and_accept_alike_everywhere(kind, p):
    def build(value):
        """The class, the core's network and its twin, each given `value` for `p`."""
        if kind == "dropout":
            name = {"rate": "dropout", "seed": "dropout_stream"}[p.name]
            args = {"rate": 0.5, p.name: value}
            calls = [lambda: Dropout(**args)]
            calls += [lambda m=m: _network_with(m, {name: value}) for m in (_core, reference)]
        elif kind == "batch_norm":
            calls = [lambda: BatchNormalization(**{p.name: value})]
            calls += [
                lambda m=m: _network_with(m, {"batch_norm": {p.name: value}})
                for m in (_core, reference)
            ]
        else:
            calls = [lambda: optimizers.SGD(**{p.name: value})]
            calls += [lambda m=m: m.clip_gradients([np.ones(2)], **{p.name: value})
                      for m in (kernels, reference)]  # fmt: skip
            calls += [lambda m=m: _network_with(m, {}, {p.name: value}) for m in (_core, reference)]
        return calls

    for bad in _outside(p):
        for call in build(bad):
            with pytest.raises(ValueError, match=rf"{p.name} must be .*{re.escape(p.range)}"):
                call()
    if p.type == "flag":
        inside = [True, False]
    else:
        inside = _inside(p) if p.default is not None else [p.low]
    for good in inside:
        for call in build(good):
            call()
    if p.type == "flag":
        for call in build(1):
            with pytest.raises(TypeError, match=f"{p.name} must be True or False"):
                call()
