"""Threads and build configuration."""

from __future__ import annotations

import os
import sys

from fastnn import _core


def set_num_threads(n: int) -> None:
    """Set how many threads the kernels may use (``n >= 1``).

    Only work that pays for it is split: products of over ~1M multiply-adds (by batch rows,
    or by columns of the weight gradient), optimizer updates of over 64k parameters, and
    activations of over 128k values. Each thread gets one contiguous share, and waiting
    threads spin only briefly before they sleep (``GOMP_SPINCOUNT=300``,
    ``OMP_WAIT_POLICY=PASSIVE`` unless you set either), so a core taken by another process
    costs its share of speed, not a collapse. The default is
    the number of CPUs this process may run on, or ``FASTNN_NUM_THREADS`` from the
    environment. Results do not depend on the thread count beyond rounding.
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


def _default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def _init_threads_from_env() -> None:
    value = os.environ.get("FASTNN_NUM_THREADS")
    if value is None:
        set_num_threads(_default_threads())
        return
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"FASTNN_NUM_THREADS must be a whole number >= 1, got {value!r}") from None
    set_num_threads(n)


_init_threads_from_env()
