"""Build configuration, the CPU check and the import surface."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import fastnn
import fastnn.kernels as K
from fastnn import reference as ref


def test_show_config_reports_the_build():
    out = io.StringIO()
    fastnn.show_config(file=out)
    text = out.getvalue()
    info = fastnn._config.build_info()
    assert text.startswith(f"fastnn {fastnn.__version__}")
    for needle in (
        "compiler:",
        "instruction set:",
        "levels built:",
        "CPU runs:",
        "Eigen:",
        "OpenMP:",
        "threads:",
    ):
        assert needle in text
    assert info["eigen_version"].startswith("3.")
    assert info["eigen_version"] in text
    assert info["version"] == fastnn.__version__


def test_every_kernel_has_a_reference_twin_with_the_same_signature():
    import inspect

    for name in K.__all__:
        if name.isupper():
            continue
        assert hasattr(ref, name), f"fastnn.reference lacks {name}"
        cpp_params = _pybind_params(getattr(K, name))
        ref_params = list(inspect.signature(getattr(ref, name)).parameters)
        assert cpp_params == ref_params, f"{name}: kernel {cpp_params} != reference {ref_params}"


def _pybind_params(fn) -> list[str]:
    # pybind11 puts the signature on the docstring's first line: name(a: T, b: T = ...) -> R
    first = fn.__doc__.splitlines()[0]
    inside = first[first.index("(") + 1 : first.rindex(") ->")]
    params, depth, current = [], 0, ""
    for ch in inside:
        depth += ch in "[("
        depth -= ch in "])"
        if ch == "," and depth == 0:
            params.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        params.append(current)
    return [p.split(":")[0].strip().lstrip("*") for p in params if p.strip() not in ("*", "/")]


def test_env_var_sets_the_thread_count():
    env = dict(os.environ, FASTNN_NUM_THREADS="2")
    code = "import fastnn; print(fastnn.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "2", out.stderr
    env["FASTNN_NUM_THREADS"] = "lots"
    bad = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "FASTNN_NUM_THREADS must be a whole number" in bad.stderr
