"""Threads and build configuration."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from fastnn import _core, _isa

#: The most threads set_num_threads takes (OpenMP's count is a C int; no machine has more).
MAX_THREADS = 4096


def set_num_threads(n: int | None) -> None:
    """Set how many threads the kernels may use (``n >= 1``), or ``None`` for the default.

    The default follows OpenMP's own setting, as NumPy/OpenBLAS do: ``OMP_NUM_THREADS``, or a
    limit set with ``threadpoolctl.threadpool_limits`` (joblib and Dask workers set these to
    stop oversubscription), else every CPU this process may run on. ``FASTNN_NUM_THREADS`` in
    the environment and this call win over both.

    Only work that pays for it is split: products of over ~1M multiply-adds (by batch rows,
    or by columns of the weight gradient), optimizer updates of over 64k parameters, and
    activations of over 128k values. Each thread gets one contiguous share, and waiting
    threads spin only briefly before they sleep (``GOMP_SPINCOUNT=300``,
    ``OMP_WAIT_POLICY=PASSIVE`` while fastnn loads libgomp, unless you set either), so a core
    taken by another process costs its share of speed, not a collapse. Results do not depend
    on the thread count beyond rounding.
    """
    if n is None:
        _core.set_num_threads(0)
        return
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads(): n must be an int or None, got {type(n).__name__}")
    if not 1 <= n <= MAX_THREADS:
        raise ValueError(f"set_num_threads(): n must be >= 1 and <= {MAX_THREADS}, got {n}")
    _core.set_num_threads(n)


def get_num_threads() -> int:
    """The number of threads a kernel called from this thread would use now."""
    return int(_core.get_num_threads())


def build_info() -> dict[str, object]:
    """What the C++ core was built with and which build of it runs.

    Keys: ``version``, ``compiler``, ``eigen_version``, ``simd``, ``openmp``; ``isa`` (the
    instruction-set level loaded), ``isa_reason`` (why), ``isa_levels`` (the levels this
    installation holds), ``cpu_levels`` (those this CPU runs) and ``arch`` (the loaded
    level's ``-march`` value).
    """
    info = dict(_core.build_info())
    level, reason = _isa.loaded()
    info["isa"] = info.pop("level", level)
    info["isa_reason"] = reason
    info["isa_levels"] = _isa.present_levels()
    info["cpu_levels"] = _isa.cpu_levels()
    return info


def show_config(file: TextIO | None = None) -> None:
    """Print the version, compiler, instruction-set levels, Eigen, OpenMP and thread count."""
    info = build_info()
    import numpy as np

    setting = int(_core.num_threads_setting())
    threads = f"{get_num_threads()} ({'set' if setting else 'following OpenMP'})"
    lines = [
        f"fastnn {info['version']}",
        f"  compiler:        {info['compiler']}",
        f"  instruction set: {info['isa']} ({info['isa_reason']}; -march={info['arch'] or 'default'}, Eigen SIMD: {info['simd']})",
        f"  levels built:    {', '.join(info['isa_levels'])}",
        f"  CPU runs:        {', '.join(info['cpu_levels']) or 'none'}",
        f"  Eigen:           {info['eigen_version']}",
        f"  OpenMP:          {'yes' if info['openmp'] else 'no'}",
        f"  threads:         {threads}",
        f"  python:          {sys.version.split()[0]}, numpy {np.__version__}",
    ]
    print("\n".join(lines), file=file if file is not None else sys.stdout)


def _init_threads_from_env() -> None:
    value = os.environ.get("FASTNN_NUM_THREADS")
    if value is None:
        return  # follow OpenMP (OMP_NUM_THREADS, threadpoolctl)
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"FASTNN_NUM_THREADS must be a whole number >= 1, got {value!r}") from None
    set_num_threads(n)


_init_threads_from_env()
