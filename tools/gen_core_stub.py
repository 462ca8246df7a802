"""Write python/fastnn/_core.pyi from the built extension: its signatures and docstrings.

    python tools/gen_core_stub.py            # rewrite the stub
    python tools/gen_core_stub.py --check    # exit 1 if the committed stub differs

The bindings take their numbers as Python objects (so that they can check them by the core's
tables and name what is wrong); the stub gives them the types a caller passes, by the
argument's name. tests/test_stubs.py runs the check, so a kernel added to the core's tables
cannot ship without its stub.
"""

from __future__ import annotations

import argparse
import inspect
import pathlib
import re
import sys
import textwrap

STUB = pathlib.Path(__file__).resolve().parents[1] / "python" / "fastnn" / "_core.pyi"

_ARRAYS = {
    "X", "W", "b", "dZ", "Z", "A", "dA", "Y", "T", "param", "grad", "w", "y", "sample_weight",
}  # fmt: skip
_INTS = {"n", "seed", "epoch", "step", "max_epochs", "batch_size", "first_batch", "last_batch",
         "max_batch", "top_k"}  # fmt: skip
_FLAGS = {"nesterov", "centered", "amsgrad", "shuffle", "metrics", "trainable", "auc"}
_RETURNS = {"object": "object", "numpy.ndarray": "_Array", "dict": "dict[str, Any]",
            "tuple": "tuple[_Array, _Array, _Array]", "float": "float", "int": "int",
            "str": "str", "None": "None", "bool": "bool"}  # fmt: skip


def _type_of(name: str, given: str, state_names: set[str]) -> str:
    if given not in ("object", "handle"):
        return {"list": "list[Any]", "dict": "dict[str, Any]"}.get(given, given)
    if name == "order":
        return "npt.NDArray[np.integer] | None"
    if name in _ARRAYS or name in state_names:
        return "_Array | None" if name in ("b", "sample_weight") else "_Array"
    if name in _INTS:
        return "int"
    if name in _FLAGS:
        return "bool"
    if name == "batch_norm":
        return "list[dict[str, Any] | None] | None"
    if name in ("clipnorm", "clipvalue", "global_clipnorm"):
        return "float | None"
    return "float"


def _signature(line: str, state_names: set[str], method: bool) -> tuple[list[str], str]:
    """(parameters, return type) of a pybind11 signature line, typed for the stub."""
    match = re.fullmatch(r"\w+\((.*)\) -> (.+)", line)
    assert match, line
    inside, returns = match.groups()
    params = []
    for part in re.split(r", (?![^\[]*\])", inside) if inside else []:
        if part in ("*", "/"):
            params.append(part)
            continue
        head, _, default = part.partition(" = ")
        name, _, given = head.partition(": ")
        if method and name == "self":
            params.append("self")
            continue
        typed = f"{name}: {_type_of(name, given, state_names)}"
        params.append(f"{typed} = {default}" if default else typed)
    returns = _RETURNS.get(returns, returns)
    return params, returns.replace("numpy.typing.", "npt.").replace("numpy.", "np.")


def _doc(obj) -> str:
    lines = (obj.__doc__ or "").strip().splitlines()
    body = "\n".join(lines[1:]).strip() if lines and "(" in lines[0] and "->" in lines[0] else ""
    return body or (obj.__doc__ or "").strip()


def _docstring(text: str, indent: str) -> str:
    text = text.replace("\\", "\\\\").replace('"""', "'''")
    width = 99 - len(indent)
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        if lines:
            lines.append("")
        lines += textwrap.wrap(" ".join(paragraph.split()), width - 3) or [""]
    if len(lines) == 1 and len(lines[0]) <= width - 6:
        return f'{indent}"""{lines[0]}"""'
    body = "\n".join(f"{indent}{line}" if line else "" for line in lines)
    return f'{indent}"""' + body[len(indent) :] + f'\n{indent}"""'


def _function(name: str, fn, state_names: set[str], indent: str = "", method=False) -> str:
    first = (fn.__doc__ or "").strip().splitlines()[0]
    params, returns = _signature(first, state_names, method)
    head = f"{indent}def {name}({', '.join(params)}) -> {returns}:"
    if len(head) > 99:
        inner = ",\n".join(f"{indent}    {p}" for p in params)
        head = f"{indent}def {name}(\n{inner},\n{indent}) -> {returns}:"
    return head + "\n" + _docstring(_doc(fn), indent + "    ")


def render() -> str:
    from fastnn import _core

    state_names = {s for row in _core.OPTIMIZERS.values() for s in row["state"]}
    out = [
        '"""Type stub for fastnn._core, the compiled kernels (see fastnn.kernels for the docs).',
        "",
        "Written by tools/gen_core_stub.py from the built module; tests/test_stubs.py checks it.",
        '"""',
        "",
        "from typing import Any",
        "",
        "import numpy as np",
        "import numpy.typing as npt",
        "",
        "_Array = npt.NDArray[np.floating]",
        "",
    ]
    tables = sorted(n for n in dir(_core) if n.isupper())
    for name in tables:
        out.append(f"{name}: dict[str, Any]")
    out.append("")
    for name in sorted(n for n in dir(_core) if not n.startswith("__") and not n.isupper()):
        obj = getattr(_core, name)
        if inspect.isclass(obj):
            continue
        out.append(_function(name, obj, state_names))
    net = _core.Network
    out += ["", "class Network:", _docstring(net.__doc__ or "", "    ")]
    init_doc = net.__init__.__doc__.strip().splitlines()
    params, _ = _signature(init_doc[0].replace("__init__(", "__init__("), state_names, True)
    init = f"    def __init__({', '.join(params)}) -> None:"
    if len(init) > 99:
        inner = ",\n".join(f"        {p}" for p in params)
        init = f"    def __init__(\n{inner},\n    ) -> None:"
    out.append(init + "\n" + _docstring("\n".join(init_doc[1:]).strip(), "        "))
    for name in sorted(n for n in dir(net) if not n.startswith("_")):
        attr = getattr(net, name)
        if isinstance(attr, property):
            writable = attr.fset is not None
            kind = "str" if name == "level" else "int"
            out.append(f"    @property\n    def {name}(self) -> {kind}:")
            out.append(_docstring(attr.__doc__ or "", "        "))
            if writable:
                out.append(f"    @{name}.setter\n    def {name}(self, value: {kind}) -> None: ...")
        else:
            out.append(_function(name, attr, state_names, indent="    ", method=True))
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if STUB.read_text() != text:
            print(f"{STUB} is out of date: run python tools/gen_core_stub.py", file=sys.stderr)
            return 1
        return 0
    STUB.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
