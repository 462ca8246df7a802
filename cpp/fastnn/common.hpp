// Shared vocabulary of the core: index type and Eigen views over caller-owned memory.
//
// Every kernel takes raw pointers to C-contiguous (row-major) buffers plus their sizes,
// llm.c style: outputs first, then inputs, then sizes. The core never allocates the
// arrays it is handed and never checks them: the bindings did.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>

#include "fastnn/types.hpp"

namespace fastnn {

template <typename T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using MatrixMap = Eigen::Map<RowMatrix<T>>;
template <typename T>
using ConstMatrixMap = Eigen::Map<const RowMatrix<T>>;
template <typename T>
using RowVectorMap = Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>;
template <typename T>
using ConstRowVectorMap = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>;

// Flat views for elementwise work: Eigen evaluates exp, tanh, select in SIMD registers.
template <typename T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// out[i] = f(in)[i] for i < n, where f maps an Eigen array expression elementwise (exp, tanh,
// ...). Eigen evaluates a Map of run-time length in whole SIMD packets and the rest one
// scalar at a time; for the short rows of small layers (8 values are half an AVX-512 packet)
// the rest is everything, and Eigen's scalar tanh cost about four times its packet code per
// value (perf, 2-8-8-1 at batch 1, Zen 4). So a tail of a quarter packet or more goes through
// one zero-padded packet on the stack; a shorter one stays scalar (one value through a whole
// packet of exp and log1p measured slower than libm's scalar call). out may be in.
template <typename T, typename F>
void packet_map(T* out, const T* in, Index n, F&& f) {
  using Flat = Eigen::Array<T, Eigen::Dynamic, 1>;
  constexpr Index P = Eigen::internal::packet_traits<T>::size;
  const Index bulk = (n * 4 >= P) ? n / P * P : n;
  if (bulk > 0) Eigen::Map<Flat>(out, bulk) = f(Eigen::Map<const Flat>(in, bulk));
  if (bulk < n) {
    Eigen::Array<T, P, 1> pad = Eigen::Array<T, P, 1>::Zero();
    std::copy(in + bulk, in + n, pad.data());
    const Eigen::Array<T, P, 1> result = f(pad);
    std::copy(result.data(), result.data() + (n - bulk), out + bulk);
  }
}

}  // namespace fastnn
