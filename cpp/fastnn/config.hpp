// Process-wide settings of the core: the thread count, and what the build was made with.
#pragma once

#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "fastnn/common.hpp"

namespace fastnn {

// Threads the kernels that parallelise may use. n >= 1 fixes the count (fastnn.set_num_threads,
// FASTNN_NUM_THREADS); n = 0, the default, follows OpenMP's own setting for the calling thread
// (omp_get_max_threads: OMP_NUM_THREADS, or a limit threadpoolctl set), as NumPy/OpenBLAS
// users expect, so that joblib's and Dask's limits against oversubscription hold.
void set_num_threads(int n);
// The value set_num_threads was last given (0: following OpenMP).
int num_threads_setting();
// The count in force for a kernel called from this thread now.
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

BuildInfo build_info();

}  // namespace fastnn
