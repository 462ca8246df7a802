// Shared vocabulary of the core: index type and Eigen views over caller-owned memory.
//
// Every kernel takes raw pointers to C-contiguous (row-major) buffers plus their sizes,
// llm.c style: outputs first, then inputs, then sizes. The core never allocates the
// arrays it is handed and never checks them: the bindings did.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

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

// A workspace starts on a packet boundary. Where a destination is not aligned, Eigen peels its
// head (or each row's) off into scalar code whose sums round differently from its packet code
// (a plain sum instead of a pairwise one, a*b + c instead of an FMA), so a workspace at
// malloc's 16-byte alignment would make the results depend on where it happened to land:
// not the same from one run to the next.
template <typename T>
using Workspace = std::vector<T, Eigen::aligned_allocator<T>>;

// Flat views for elementwise work: Eigen evaluates exp, tanh, select in SIMD registers.
template <typename T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// dst[0, n) = src[0, n), inline: the rows a batch gathers are often a few values, where a call
// to memcpy costs more than the copy.
template <typename T>
inline void copy_row(T* dst, const T* src, Index n) {
  Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>(dst, n) =
      Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(src, n);
}

// The tail of packet_map: m values through a zero-padded array of Q (half a packet, where it
// holds them: Eigen then uses the half-width packet, which costs half on CPUs that split
// 512-bit work in two, such as AMD's Zen 4) or 2 Q values.
template <typename T, int Q, typename F>
void packet_map_tail(T* out, const T* in, Index m, F& f) {
  using Flat = Eigen::Array<T, Eigen::Dynamic, 1>;
  if (m <= Q) {
    Eigen::Array<T, Q, 1> pad = Eigen::Array<T, Q, 1>::Zero();
    pad.head(m) = Eigen::Map<const Flat>(in, m);
    const Eigen::Array<T, Q, 1> result = f(pad);
    Eigen::Map<Flat>(out, m) = result.head(m);
  } else {
    Eigen::Array<T, 2 * Q, 1> pad = Eigen::Array<T, 2 * Q, 1>::Zero();
    pad.head(m) = Eigen::Map<const Flat>(in, m);
    const Eigen::Array<T, 2 * Q, 1> result = f(pad);
    Eigen::Map<Flat>(out, m) = result.head(m);
  }
}

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
  if (bulk < n) packet_map_tail<T, (P > 4 ? P / 2 : P)>(out + bulk, in + bulk, n - bulk, f);
}

// Sigmoid without overflow: exp is only ever taken of a non-positive number. Shared by the
// sigmoid and softplus activations and the fused sigmoid cross-entropy.
template <typename T>
inline T stable_sigmoid(T z) {
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

}  // namespace fastnn
