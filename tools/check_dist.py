"""Check a release wheel and sdist hold what a user needs and nothing else.

    python tools/check_dist.py WHEEL [SDIST]

Exits non-zero, naming every problem, when something is missing or stray. Called by
tools/build_wheels.sh after auditwheel's repair.
"""

from __future__ import annotations

import re
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import PurePosixPath

PYTHONS = ("3.10", "3.11", "3.12", "3.13")
# Never in a distribution: merge and patch leftovers, build trees, caches, environments.
STRAY = re.compile(r"(\.orig|\.rej|\.bak|\.pyc)$|(^|/)(__pycache__|CMakeFiles|\.venv|\.git)(/|$)")


def check_wheel(path: str) -> list[str]:
    problems: list[str] = []
    name = PurePosixPath(path).name
    arch = "x86_64" if "x86_64" in name else ("aarch64" if "aarch64" in name else None)
    if not re.search(r"-manylinux_\d+_\d+_(x86_64|aarch64)", name):
        problems.append(f"{name}: not a manylinux wheel (run auditwheel repair)")
    with zipfile.ZipFile(path) as z:
        files = z.namelist()
        levels = ["v2", "v3", "v4"] if arch == "x86_64" else ["generic"]
        wanted = [
            "fastnn/__init__.py",
            "fastnn/_isa.py",
            "fastnn/py.typed",
            "fastnn/_core.pyi",
            # The page of `fastnn playground --serve`.
            "fastnn/playground/static/index.html",
            "fastnn/playground/static/app.js",
            "fastnn/playground/static/style.css",
            *[f"fastnn/libfastnn_core_{lv}.so" for lv in levels],
        ]
        for w in wanted:
            if w not in files:
                problems.append(f"missing {w}")
        for module in ("_core", "_cpuid"):
            if not any(re.fullmatch(rf"fastnn/{module}\.cpython-.*\.so", f) for f in files):
                problems.append(f"missing the extension fastnn/{module}")
        if not any(re.fullmatch(r"fastnn\.libs/libgomp[-.\w]*\.so[.\d]*", f) for f in files):
            problems.append("libgomp is not bundled (fastnn.libs/libgomp-*.so)")
        if not any(f.endswith("LICENSE") and ".dist-info/" in f for f in files):
            problems.append("no LICENSE in the .dist-info")
        for f in files:
            if STRAY.search(f):
                problems.append(f"stray file {f}")
            top = f.split("/")[0]
            if not (top in ("fastnn", "fastnn.libs") or top.endswith(".dist-info")):
                problems.append(f"file outside the package: {f}")
        meta_name = next((f for f in files if f.endswith(".dist-info/METADATA")), None)
        if meta_name is None:
            problems.append("no METADATA")
        else:
            meta = Parser().parsestr(z.read(meta_name).decode())
            classifiers = meta.get_all("Classifier") or []
            for py in PYTHONS:
                if f"Programming Language :: Python :: {py}" not in classifiers:
                    problems.append(f"no classifier for Python {py}")
            if not (meta.get("License") or meta.get("License-Expression")):
                problems.append("no License in METADATA")
    return problems


def check_sdist(path: str) -> list[str]:
    problems: list[str] = []
    with tarfile.open(path) as t:
        names = [n.split("/", 1)[1] for n in t.getnames() if "/" in n]
    for wanted in (
        "pyproject.toml",
        "CMakeLists.txt",
        "LICENSE",
        "README.md",
        "cpp/fastnn/kernel_table.hpp",
        "cpp/fastnn/level.map",
        "cpp/bindings/module.cpp",
        "cpp/bindings/checks.hpp",
        "cpp/bindings/network.cpp",
        "cpp/bindings/module.map",
        "cpp/bindings/cpuid.cpp",
        "python/fastnn/__init__.py",
    ):
        if wanted not in names:
            problems.append(f"sdist: missing {wanted}")
    for n in names:
        if STRAY.search(n) or n.startswith(("build/", "dist/", "wheelhouse/")):
            problems.append(f"sdist: stray file {n}")
    return problems


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check_wheel(argv[0]) + (check_sdist(argv[1]) if len(argv) == 2 else [])
    for p in problems:
        print(f"check_dist: {p}", file=sys.stderr)
    if not problems:
        print(f"check_dist: {', '.join(argv)}: complete, nothing stray")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
