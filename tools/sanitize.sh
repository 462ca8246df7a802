#!/usr/bin/env bash
# Build the core (baseline level v2 only), _core and _cpuid with AddressSanitizer and
# UndefinedBehaviorSanitizer at -O1 into build-sanitize/, then run the kernel and training tests
# against that build with libasan preloaded into Python.
#
#   tools/sanitize.sh              build (incrementally) and run the default test files
#   tools/sanitize.sh tests/x.py   build and run only the given pytest arguments
#
# Leak detection is off (CPython keeps objects alive until exit by design), and an allocation
# too large to make returns NULL (a MemoryError, as without ASan) instead of stopping the run;
# any other ASan report or any UBSan finding stops the run with a non-zero status. The fuzz
# tests run 200 examples per property here (FASTNN_FUZZ_EXAMPLES). Needs cmake, ninja, g++ (or the
# compiler CXX names) with libasan and libubsan, and pybind11 and Eigen where the normal build
# finds them (pip install ".[test]").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$here/build-sanitize"
pkg="$build/pkg"
python="${PYTHON:-python}"

site="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
pybind11_dir="$("$python" -c 'import pybind11; print(pybind11.get_cmake_dir())')"

start=$(date +%s)
cmake -S "$here" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE= \
  -DSKBUILD_PROJECT_VERSION=0.0.0 \
  -DFASTNN_SANITIZE=ON \
  -DFASTNN_LEVELS=v2 \
  -DPython_EXECUTABLE="$(command -v "$python")" \
  -Dpybind11_DIR="$pybind11_dir" \
  -DCMAKE_PREFIX_PATH="$site" >/dev/null
cmake --build "$build" --target fastnn_core_v2 _core _cpuid
built=$(date +%s)
echo "sanitize.sh: built in $((built - start)) s"

# A copy of the Python package holding only the sanitized libraries.
rm -rf "$pkg"
mkdir -p "$pkg"
cp -r "$here/python/fastnn" "$pkg/fastnn"
find "$pkg/fastnn" \( -name '*.so' -o -name '__pycache__' \) -prune -exec rm -rf {} +
cp "$build"/cpp/libfastnn_core_v2.so "$build"/cpp/_core*.so "$build"/cpp/_cpuid*.so "$pkg/fastnn/"

cxx="${CXX:-g++}"
libasan="$("$cxx" -print-file-name=libasan.so)"
libubsan="$("$cxx" -print-file-name=libubsan.so)"
if [ $# -eq 0 ]; then
  set -- tests/test_kernels_errors.py tests/test_kernels_optimizers.py tests/test_kernels_parity.py \
    tests/test_training_parity.py tests/test_predict.py tests/test_perceptron.py tests/test_io.py \
    tests/test_core_lifetime.py tests/test_io_damaged.py tests/test_threads.py tests/test_fuzz.py \
    tests/test_dropout_batchnorm.py
  export FASTNN_FUZZ_EXAMPLES="${FASTNN_FUZZ_EXAMPLES:-200}"
fi
cd "$here"
status=0
LD_PRELOAD="$libasan $libubsan" \
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_init_order=1:allocator_may_return_null=1" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
  FASTNN_ISA=v2 FASTNN_SANITIZED=1 PYTHONPATH="$pkg" \
  "$python" -m pytest -q -p no:cacheprovider "$@" || status=$?
echo "sanitize.sh: tests exited with $status after $(($(date +%s) - start)) s in all"
exit $status
