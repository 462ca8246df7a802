#!/usr/bin/env bash
# A built wheel, as a user gets it: installs into a fresh venv with no compiler on PATH, imports,
# trains, runs the benchmark harness; and on x86-64, under an emulated 2009 CPU (qemu-user's
# Nehalem: SSE4.2, no AVX), loads the baseline level and trains to the same weights as the
# native baseline level, while forcing a level that CPU lacks is an ImportError, not SIGILL.
#
#   tools/check_wheel.sh wheelhouse/fastnn-*.whl
#
# qemu's TCG cannot emulate AVX-512, so the v4 level is checked natively, by the tests, where
# the CPU has it. Needs qemu-x86_64 (Debian's qemu-user) for the emulated part: without it that
# part is reported as not run and the script fails, unless FASTNN_SKIP_QEMU=1 says why not.
set -euo pipefail
if [ $# -ne 1 ] || [[ "$1" != *.whl ]] || [ ! -f "$1" ]; then
  echo "usage: tools/check_wheel.sh WHEEL (one existing .whl file; got: ${*:-nothing})" >&2
  exit 2
fi
wheel=$(realpath "$1")
cd "$(dirname "$0")/.."

venv=build/wheel-check
rm -rf "$venv"
python3 -m venv "$venv"
venv=$(cd "$venv" && pwd)
# PATH holds the venv and nothing else: no compiler can be found, so nothing can be built.
# Variables for the command go in as run NAME=VALUE ... (env -i clears the rest).
run() { env -i HOME="$HOME" PATH="$venv/bin" "$@"; }
run python -m pip install --quiet --upgrade pip
run python -m pip install --quiet --only-binary=:all: "$wheel"

echo "== import and train, no compiler on PATH"
run python tools/wheel_smoke.py --no-compiler
echo "== benchmarks/compare.py --quick"
run python benchmarks/compare.py --quick --workloads tiny,inference --peers fastnn,numpy --repeats 1 \
  | tail -n 12

if [ "$(uname -m)" != x86_64 ]; then
  echo "== not x86-64: no emulated old CPU to check"
  exit 0
fi
qemu=$(command -v qemu-x86_64 || true)
if [ -z "$qemu" ]; then
  if [ "${FASTNN_SKIP_QEMU:-}" = 1 ]; then
    echo "== emulated Nehalem: NOT RUN (FASTNN_SKIP_QEMU=1: qemu-x86_64 is not installed)"
    exit 0
  fi
  echo "check_wheel: qemu-x86_64 not found (apt-get install qemu-user), or set FASTNN_SKIP_QEMU=1" >&2
  exit 1
fi
echo "== emulated Nehalem (qemu-x86_64 -cpu Nehalem)"
out=$(mktemp -d)
# The v2 library calls libm's exp, log and pow, and glibc picks their code by the CPU (FMA
# versions where FMA exists, SSE2 ones on Nehalem), which moved the weights by ~2e-15. Natively,
# with those versions masked (GLIBC_TUNABLES; fastnn's own CPU detection does not read it),
# every instruction that computes matches the emulated run's, and so must every bit. Measured:
# emulated Haswell also matches the unmasked native run exactly.
run FASTNN_ISA=v2 GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX,-AVX2,-FMA,-FMA4 \
  python tools/wheel_smoke.py --json "$out/native_v2.json"
start=$(date +%s)
run "$qemu" -cpu Nehalem "$venv/bin/python" tools/wheel_smoke.py --json "$out/nehalem.json"
echo "   (emulated run: $(($(date +%s) - start)) s)"
run python - "$out/native_v2.json" "$out/nehalem.json" <<'PY'
import json
import sys

native, emulated = (json.load(open(p)) for p in sys.argv[1:3])
assert emulated["isa"] == "v2", f"the emulated Nehalem loaded {emulated['isa']}, not v2"
# JSON round-trips float64 exactly, so equal lists are equal bits.
if native["weights"] != emulated["weights"]:
    worst = max(
        abs(x - y)
        for a, b in zip(native["weights"], emulated["weights"], strict=True)
        for x, y in zip(a, b, strict=True)
    )
    sys.exit(f"check_wheel: emulated Nehalem's weights differ from native v2's by up to {worst:.1e}")
print("   native v2 (libm without FMA) and emulated Nehalem: the same weights, bit for bit")
PY
set +e
msg=$(run FASTNN_ISA=v3 "$qemu" -cpu Nehalem "$venv/bin/python" -c "import fastnn" 2>&1)
code=$?
set -e
if [ "$code" -ne 1 ] || ! grep -q "ImportError: FASTNN_ISA='v3': this CPU cannot run it" <<< "$msg"; then
  echo "check_wheel: FASTNN_ISA=v3 on Nehalem: exit $code, expected an ImportError:" >&2
  echo "$msg" >&2
  exit 1
fi
echo "   FASTNN_ISA=v3 on Nehalem: $(tail -n 1 <<< "$msg")"
echo "check_wheel: $wheel installs, imports, trains and benchmarks without a compiler; v2 on Nehalem"
