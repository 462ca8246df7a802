// Process-wide settings of the core: the thread count, and what the build was made with.
#pragma once

#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "fastnn/common.hpp"

namespace fastnn {

// Threads used by the kernels that parallelise (Eigen's matrix products). n >= 1.
void set_num_threads(int n);
int get_num_threads();

// True inside an OpenMP parallel region: work split there must not split again.
bool omp_in_parallel_region();

// This thread's number in its team (0 outside a parallel region).
inline int omp_thread_index() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

// This thread's contiguous share [lo, hi) of n items, inside a parallel region (the whole range
// outside one): shares differ in size by at most one item.
inline void team_share(Index n, Index* lo, Index* hi) {
#ifdef _OPENMP
  const Index t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
  const Index t = 0, nt = 1;
#endif
  *lo = n * t / nt;
  *hi = n * (t + 1) / nt;
}

// Runs body(lo, hi) over [0, n) in `threads` contiguous shares, one per thread, with no
// synchronisation but the region's end. With one thread, or inside a region already, the
// calling thread does it all.
template <typename Body>
void for_each_share(Index n, int threads, Body&& body) {
  if (threads <= 1 || omp_in_parallel_region()) {
    body(Index(0), n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    Index lo, hi;
    team_share(n, &lo, &hi);
    body(lo, hi);
  }
}

struct BuildInfo {
  std::string version;
  std::string compiler;
  std::string arch;  // the -march value, "" for the compiler's default
  std::string eigen_version;
  std::string simd;  // Eigen's SIMD instruction sets in use
  bool openmp;
};
BuildInfo build_info();

}  // namespace fastnn
