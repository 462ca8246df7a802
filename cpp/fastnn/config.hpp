// Process-wide settings of the core: the thread count, and what the build was made with.
#pragma once

#include <string>

namespace fastnn {

// Threads used by the kernels that parallelise (Eigen's matrix products). n >= 1.
void set_num_threads(int n);
int get_num_threads();

// True inside an OpenMP parallel region: work split there must not split again.
bool omp_in_parallel_region();

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
