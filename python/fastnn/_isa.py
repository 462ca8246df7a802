"""Pick and load the build of the C++ core for this CPU's instruction-set level.

The core is compiled once per x86-64 micro-architecture level (``v2``: SSE4.2, ``v3``: AVX2 +
FMA, ``v4``: AVX-512), each into its own ``libfastnn_core_<level>`` library beside this file;
off x86-64 there is one, ``generic``. :func:`load` loads the best level present that the CPU
runs, or the one ``FASTNN_ISA`` names, into the bindings (``fastnn._core``), before any kernel
runs. A level the CPU lacks is never loaded, so an old CPU gets an ImportError, not SIGILL.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable

from fastnn import _core, _cpuid

#: Each level and the features it needs beyond the one before (GCC's names; the psABI's
#: x86-64 micro-architecture levels).
LEVEL_FEATURES: dict[str, tuple[str, ...]] = {
    "v2": ("cmpxchg16b", "lahf_lm", "popcnt", "sse3", "ssse3", "sse4.1", "sse4.2"),
    "v3": ("avx", "avx2", "bmi", "bmi2", "f16c", "fma", "lzcnt", "movbe", "xsave"),
    "v4": ("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"),
}
#: All levels, slowest first.
LEVELS = ("v2", "v3", "v4", "generic")

_HERE = os.path.dirname(os.path.abspath(__file__))
_loaded: dict[str, str] = {"level": "", "reason": ""}
# Called after a switch to another level: a core Network keeps running the level that made it
# (its code and workspaces live in that library), so whoever caches one must drop it then.
_switch_callbacks: list[Callable[[], None]] = []


def library_path(level: str) -> str:
    """Where the core built for `level` lives (it may be absent)."""
    for suffix in (".so", ".dylib"):
        path = os.path.join(_HERE, f"libfastnn_core_{level}{suffix}")
        if os.path.exists(path):
            return path
    return os.path.join(_HERE, f"libfastnn_core_{level}.so")


def present_levels() -> list[str]:
    """The levels this installation holds, slowest first."""
    found = {
        os.path.basename(p).split("libfastnn_core_")[1].split(".")[0]
        for p in glob.glob(os.path.join(_HERE, "libfastnn_core_*"))
    }
    return [lv for lv in LEVELS if lv in found]


def cpu_levels() -> list[str]:
    """The levels this CPU (and its OS) can run, slowest first."""
    vendor, _, _ = _cpuid.identity()
    if not vendor:  # not x86-64: the compiler's default is all there is
        return ["generic"]
    have = set(_cpuid.features())
    levels: list[str] = []
    for level in ("v2", "v3", "v4"):
        if not set(LEVEL_FEATURES[level]) <= have:
            break
        levels.append(level)
    return levels


def missing_features(level: str) -> list[str]:
    """The features `level` needs (with the levels below it) that this CPU lacks."""
    have = set(_cpuid.features())
    needed: list[str] = []
    for lv in ("v2", "v3", "v4"):
        needed += LEVEL_FEATURES[lv]
        if lv == level:
            break
    return [f for f in needed if f not in have]


def choose(requested: str | None, present: list[str], cpu: list[str]) -> tuple[str, str]:
    """(level, reason): `requested` (FASTNN_ISA) if given and runnable, else the best present."""
    if requested:
        if requested not in LEVELS:
            raise ImportError(
                f"FASTNN_ISA={requested!r} is not a level; expected one of "
                f"{', '.join(LEVELS[:-1])} (levels in this installation: {', '.join(present) or 'none'}; "
                f"this CPU runs: {', '.join(cpu) or 'none'})"
            )
        if requested not in present:
            raise ImportError(
                f"FASTNN_ISA={requested!r}: this installation holds no such build "
                f"(it has {', '.join(present) or 'none'}; this CPU runs {', '.join(cpu) or 'none'})"
            )
        if requested not in cpu:
            raise ImportError(
                f"FASTNN_ISA={requested!r}: this CPU cannot run it (it lacks "
                f"{', '.join(missing_features(requested))}; it runs {', '.join(cpu) or 'none'}; "
                f"this installation holds {', '.join(present)})"
            )
        return requested, "FASTNN_ISA"
    usable = [lv for lv in present if lv in cpu]
    if not usable:
        lacking = missing_features(present[0]) if present and present[0] != "generic" else []
        raise ImportError(
            "fastnn: no build of the core in this installation runs on this CPU "
            f"(installation: {', '.join(present) or 'none'}; CPU runs: {', '.join(cpu) or 'none'}"
            + (f"; it lacks {', '.join(lacking)}" if lacking else "")
            + "). Reinstall from source: pip install --no-binary fastnn fastnn"
        )
    # The highest level wins, AVX-512 included. Where AVX-512 is double-pumped (AMD Zen 4) the
    # issue's measurement found the v4 build no faster than v3, and not slower either; on
    # Zen 5 and on Intel Xeons with two 512-bit FMA units it doubles the products. So no
    # known-CPU rule is needed: FASTNN_ISA=v3 remains for whoever measures otherwise.
    return usable[-1], "best level of this CPU"


def load(level: str | None = None) -> str:
    """Load the core for `level` (default: FASTNN_ISA, else the best); returns its name.

    Libraries once loaded stay loaded, so tests may switch levels in one process.
    """
    present, cpu = present_levels(), cpu_levels()
    if level is None:
        chosen, reason = choose(os.environ.get("FASTNN_ISA") or None, present, cpu)
    else:
        chosen, reason = choose(level, present, cpu)
        reason = "fastnn._isa.load"
    before = _loaded["level"]
    _with_omp_wait_policy(lambda: _core._load_level(library_path(chosen)))
    _loaded.update(level=chosen, reason=reason)
    if before and before != chosen:
        for callback in _switch_callbacks:
            callback()
    return chosen


def on_switch(callback: Callable[[], None]) -> Callable[[], None]:
    """Have `callback()` called after each switch to another level (usable as a decorator)."""
    _switch_callbacks.append(callback)
    return callback


def loaded() -> tuple[str, str]:
    """(level, why it was chosen) of the core in use."""
    return _loaded["level"], _loaded["reason"]


def _with_omp_wait_policy(fn):
    """Run fn with libgomp's wait settings in the environment, then take them out again.

    How OpenMP threads wait between the pieces of a batch: spinning collapses when another
    process holds a core (2-thread training fell from 143k to 6k samples/s); sleeping at once
    costs a wake-up per piece. A short spin (300 turns) before sleeping measured best on
    mnist-like training, 2 threads: idle 127k samples/s (sleeping at once 115k, 1000 turns
    148k), with one core busy elsewhere 82k (0 turns 84k, 1000 turns 70k, below half of idle).
    libgomp reads these once, when the first level library loads it; values the user set win,
    and nothing is left in os.environ for child processes to inherit.
    """
    added = {}
    if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        added = {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "300"}
    os.environ.update(added)
    try:
        return fn()
    finally:
        for key in added:
            os.environ.pop(key, None)
