"""The type stubs say what the compiled modules are: same names, same parameters, same docs.

``_core.pyi`` is written by tools/gen_core_stub.py from the built module; this test reruns it
and compares, so a kernel added to the core's tables (or an argument renamed) cannot ship
with a stale stub. ``_cpuid.pyi`` is written by hand: its names and parameters are compared
with the module by introspection.

The Python layer is held to the same: every public function and method typed, every public
name documented (an override may inherit its base's docstring).
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import pathlib

import pytest

import fastnn
from fastnn import _core, _cpuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = pathlib.Path(fastnn.__file__).parent


def _generator():
    path = ROOT / "tools" / "gen_core_stub.py"
    if not path.exists():
        pytest.skip("tools/ is not beside this installed fastnn (a wheel's test run)")
    spec = importlib.util.spec_from_file_location("gen_core_stub", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_core_stub_is_what_the_module_says():
    committed = (PACKAGE / "_core.pyi").read_text()
    assert committed == _generator().render(), "run: python tools/gen_core_stub.py"


def _stub_functions(path: pathlib.Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(path.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_the_core_stub_names_every_public_name_once():
    tree = ast.parse((PACKAGE / "_core.pyi").read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    public = {n for n in dir(_core) if not n.startswith("__")} - {"_pybind11_conduit_v1_"}
    assert names - {"_Array"} == public
    for name, fn in _stub_functions(PACKAGE / "_core.pyi").items():
        assert ast.get_docstring(fn), f"_core.pyi: {name} has no docstring"


def test_the_cpuid_stub_matches_the_module():
    stub = _stub_functions(PACKAGE / "_cpuid.pyi")
    public = {n for n in dir(_cpuid) if not n.startswith("_")}
    assert set(stub) == public
    for name, fn in stub.items():
        assert ast.get_docstring(fn), f"_cpuid.pyi: {name} has no docstring"
        stub_params = [a.arg for a in fn.args.args]
        try:
            module_params = list(inspect.signature(getattr(_cpuid, name)).parameters)
        except (TypeError, ValueError):  # a C function without a text signature takes none
            module_params = []
        assert stub_params == module_params, name


def test_the_public_python_api_is_annotated():
    # Every public function and method of the Python layer (not the twins in reference/, whose
    # signatures are the kernels') has a type for each argument and its return.
    import ast as _ast

    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "reference" in path.parts:
            continue
        for node in _ast.walk(_ast.parse(path.read_text())):
            if isinstance(node, _ast.FunctionDef) and not node.name.startswith("_"):
                args = node.args.args + node.args.kwonlyargs
                untyped = [
                    a.arg for a in args if a.annotation is None and a.arg not in ("self", "cls")
                ]
                if untyped or node.returns is None:
                    missing.append(f"{path.name}:{node.lineno} {node.name} {untyped}")
    assert not missing, "\n".join(missing)


def _public_python_modules():
    import pkgutil

    names = ["fastnn"] + [m.name for m in pkgutil.walk_packages(fastnn.__path__, "fastnn.")]
    for name in names:
        last = name.rsplit(".", 1)[-1]
        # the compiled modules are checked above through their stubs; libfastnn_core_v* are the
        # per-ISA cores (no Python module in them)
        if not last.startswith(("_", "lib")) and "._" not in name:
            yield importlib.import_module(name)


def _undocumented(module) -> list[str]:
    missing = [] if inspect.getdoc(module) else [module.__name__]
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if not inspect.getdoc(obj):
            missing.append(f"{module.__name__}.{name}")
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                elif isinstance(member, property):
                    member = member.fget
                # an override without its own docstring inherits its base's (inspect.getdoc)
                if not attr.startswith("_") and inspect.isfunction(member):
                    if not inspect.getdoc(getattr(obj, attr)):
                        missing.append(f"{module.__name__}.{name}.{attr}")
    return missing


def test_every_public_python_name_has_a_docstring():
    modules = list(_public_python_modules())
    assert {"fastnn.models", "fastnn.training", "fastnn.playground.server"} <= {
        m.__name__ for m in modules
    }
    missing = [name for module in modules for name in _undocumented(module)]
    assert not missing, "no docstring: " + ", ".join(missing)
