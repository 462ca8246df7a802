"""How long the core takes to build for one instruction-set level and for all of them.

    python benchmarks/build_time.py                  # v3 only, then all levels; -j nproc
    python benchmarks/build_time.py --jobs 2 --json build.json
    python benchmarks/build_time.py --quick          # configure both, build one small target

Each build runs CMake directly (no pip, no wheel) in a new, empty build directory, so nothing
is reused between the two: ``cmake -G Ninja -DCMAKE_BUILD_TYPE=Release -DFASTNN_LEVELS=...``,
then ``cmake --build DIR -j N``. The locations that scikit-build-core would pass come from this
Python: its executable, pybind11's CMake directory and its site-packages on CMAKE_PREFIX_PATH,
where CMakeLists.txt looks for cmeel-eigen's Eigen (``<site-packages>/cmeel.prefix``); so the
script works in any environment where ``pip install --no-build-isolation .`` would. A compiler
launcher (ccache) from the environment is switched off: a cached second build would not be a
build. The target of issue 9: building every level costs at most 2x building one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_LEVEL = "v3"  # the developer's quick build (FASTNN_LEVELS=v3), against a release's "all"
QUICK_TARGET = "_cpuid"  # one small file: --quick proves the commands, not the time
TARGET_RATIO = 2.0


def project_version() -> str:
    """pyproject.toml's version, which scikit-build-core hands CMake as SKBUILD_PROJECT_VERSION."""
    text = (ROOT / "pyproject.toml").read_text()
    match = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise SystemExit("build_time.py: no version in pyproject.toml")
    return match.group(1)


def prefix_path() -> str:
    """This Python's site-packages, where pybind11 and cmeel-eigen install their CMake files."""
    paths = dict.fromkeys(sysconfig.get_path(name) for name in ("purelib", "platlib"))
    return ";".join(p for p in paths if p)


def configure_command(build_dir: Path, levels: str) -> list[str]:
    import pybind11

    ninja = shutil.which("ninja")
    if ninja is None:
        try:
            import ninja as ninja_package  # the pip package, as scikit-build-core would use

            ninja = str(Path(ninja_package.BIN_DIR) / "ninja")
        except ImportError:
            raise SystemExit("build_time.py: needs ninja (pip install ninja)") from None
    return [
        *("cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja"),
        f"-DCMAKE_MAKE_PROGRAM={ninja}",
        "-DCMAKE_BUILD_TYPE=Release",
        f"-DFASTNN_LEVELS={levels}",
        f"-DSKBUILD_PROJECT_VERSION={project_version()}",
        f"-DPython_EXECUTABLE={sys.executable}",
        f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
        f"-DCMAKE_PREFIX_PATH={prefix_path()}",
        "-DCMAKE_CXX_COMPILER_LAUNCHER=",
    ]


def _run(command: list[str], env: dict) -> float:
    """Wall seconds of `command`; its output is kept only for an error."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise SystemExit(f"build_time.py: {' '.join(command)} failed ({done.returncode}):\n{tail}")
    return seconds


def build(levels: str, jobs: int, quick: bool, env: dict) -> dict:
    """Configure and build FASTNN_LEVELS=levels in a new directory; the wall times."""
    with tempfile.TemporaryDirectory(prefix=f"fastnn-build-{levels}-") as tmp:
        build_dir = Path(tmp)
        configure = _run(configure_command(build_dir, levels), env)
        command = ["cmake", "--build", str(build_dir), "-j", str(jobs)]
        if quick:
            command += ["--target", QUICK_TARGET]
        seconds = _run(command, env)
        # The libraries land beside their CMakeLists.txt's build directory (cpp/ for the core).
        built = sorted(p.name for p in build_dir.rglob("*.so") if "CMakeFiles" not in p.parts)
    return {
        "levels": levels,
        "configure_seconds": configure,
        "build_seconds": seconds,
        "total_seconds": configure + seconds,
        "built": built,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cmake --build -j N")
    p.add_argument("--json", metavar="PATH", help="also write the times to PATH")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"configure both, build only {QUICK_TARGET}: checks the commands, measures nothing",
    )
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs must be >= 1")
    if shutil.which("cmake") is None:
        raise SystemExit("build_time.py: needs cmake on PATH (pip install cmake)")
    env = {k: v for k, v in os.environ.items() if k != "CMAKE_CXX_COMPILER_LAUNCHER"}
    builds = []
    for levels in (ONE_LEVEL, "all"):
        print(f"[build] FASTNN_LEVELS={levels}, -j {args.jobs} ...", file=sys.stderr, flush=True)
        builds.append(build(levels, args.jobs, args.quick, env))
    ratio = builds[1]["build_seconds"] / builds[0]["build_seconds"]
    report = {
        "status": "ok",
        "quick": args.quick,
        "jobs": args.jobs,
        "builds": builds,
        "ratio": ratio,
        "target": TARGET_RATIO,
        "met": ratio <= TARGET_RATIO,
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "load_average_start": os.getloadavg(),
        },
    }
    for b in builds:
        print(
            f"FASTNN_LEVELS={b['levels']:<4} configure {b['configure_seconds']:6.1f} s  "
            f"build {b['build_seconds']:6.1f} s  ({', '.join(b['built']) or 'nothing'})"
        )
    verdict = "met" if report["met"] else "NOT met"
    print(f"all levels / {ONE_LEVEL}: {ratio:.2f} (target <= {TARGET_RATIO}: {verdict})")
    if args.quick:
        print("(--quick: one small target built; the times say nothing about the core)")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
