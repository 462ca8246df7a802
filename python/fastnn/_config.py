"""Threads and build configuration."""

from __future__ import annotations

import os
import sys

from fastnn import _core


def set_num_threads(n: int) -> None:
    """Set how many threads the kernels may use (``n >= 1``).

    Only large matrix products split across threads (Eigen starts one thread per ~50k
    multiply-adds at most). The default is 1, or ``FASTNN_NUM_THREADS`` from the environment:
    on a shared machine, threads that wait on a descheduled sibling can make a product several
    times slower than one thread, so more threads are an opt-in.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads(): n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"set_num_threads(): n must be >= 1, got {n}")
    _core.set_num_threads(n)


def get_num_threads() -> int:
    """The number of threads the kernels may use."""
    return int(_core.get_num_threads())


def build_info() -> dict[str, object]:
    """What the C++ core was built with: version, compiler, arch, Eigen, SIMD, OpenMP."""
    return dict(_core.build_info())


def show_config(file=None) -> None:
    """Print the version, compiler, instruction set, Eigen, OpenMP and thread count."""
    info = build_info()
    import numpy as np

    lines = [
        f"fastnn {info['version']}",
        f"  compiler:        {info['compiler']}",
        f"  instruction set: {info['arch'] or 'compiler default'} (Eigen SIMD: {info['simd']})",
        f"  Eigen:           {info['eigen_version']}",
        f"  OpenMP:          {'yes' if info['openmp'] else 'no'}",
        f"  threads:         {get_num_threads()}",
        f"  python:          {sys.version.split()[0]}, numpy {np.__version__}",
    ]
    print("\n".join(lines), file=file if file is not None else sys.stdout)


def _init_threads_from_env() -> None:
    value = os.environ.get("FASTNN_NUM_THREADS")
    if value is None:
        return
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"FASTNN_NUM_THREADS must be a whole number >= 1, got {value!r}") from None
    set_num_threads(n)


_init_threads_from_env()
