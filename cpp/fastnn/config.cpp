#include "fastnn/config.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <atomic>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace fastnn {

namespace {
// One thread unless the user asks for more. On a shared 2-core machine Eigen's 2-thread
// GEMM fell from ~190 to ~15 GFLOP/s when another process kept a core busy (its OpenMP
// threads wait on each other while descheduled); a single thread never collapses.
std::atomic<int> g_num_threads{1};
}  // namespace

void set_num_threads(int n) {
  n = std::max(n, 1);
  g_num_threads = n;
  // The kernels split their work between threads themselves (see dense.cpp); Eigen's own
  // products always run on the calling thread.
  Eigen::setNbThreads(1);
}

int get_num_threads() {
  return g_num_threads;
}

bool omp_in_parallel_region() {
#ifdef _OPENMP
  return omp_in_parallel() != 0;
#else
  return false;
#endif
}

BuildInfo build_info() {
  BuildInfo info;
  info.version = FASTNN_VERSION;
#if defined(__clang__)
  info.compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  info.compiler = std::string("gcc ") + __VERSION__;
#elif defined(_MSC_VER)
  info.compiler = "msvc " + std::to_string(_MSC_VER);
#else
  info.compiler = "unknown";
#endif
  info.arch = FASTNN_ARCH_NAME;
  info.eigen_version = std::to_string(EIGEN_WORLD_VERSION) + "." +
                       std::to_string(EIGEN_MAJOR_VERSION) + "." +
                       std::to_string(EIGEN_MINOR_VERSION);
  // Eigen's own list stops at "AVX"; name the extensions the compiler was allowed to use.
  info.simd = Eigen::SimdInstructionSetsInUse();
#ifdef __AVX2__
  info.simd += ", AVX2";
#endif
#ifdef __FMA__
  info.simd += ", FMA";
#endif
#ifdef __AVX512F__
  info.simd += ", AVX512F";
#endif
#ifdef _OPENMP
  info.openmp = true;
#else
  info.openmp = false;
#endif
  return info;
}

}  // namespace fastnn
