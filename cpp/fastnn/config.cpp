#include "fastnn/config.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <atomic>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace fastnn {

namespace {
// 0: follow OpenMP (see config.hpp). A product's team is sized from this at every call, never
// by OpenMP itself: each parallel region names its thread count.
std::atomic<int> g_num_threads{0};
}  // namespace

void set_num_threads(int n) {
  g_num_threads = std::max(n, 0);
}

int num_threads_setting() {
  return g_num_threads;
}

int get_num_threads() {
  const int n = g_num_threads;
  if (n > 0) return n;
#ifdef _OPENMP
  return std::max(omp_get_max_threads(), 1);
#else
  return 1;
#endif
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
  info.level = FASTNN_LEVEL_NAME;
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
