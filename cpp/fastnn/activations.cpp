#include "fastnn/activations.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include "fastnn/config.hpp"

namespace fastnn {

// The table lists the activations in the enum's order, one row each, so a row can be found by
// the enum's value.
constexpr bool rows_follow_the_enum() {
  for (std::size_t i = 0; i < std::size(kActivations); ++i) {
    if (kActivations[i].id != Activation(i)) return false;
  }
  return std::size(kActivations) == std::size_t(Activation::mish) + 1;
}
static_assert(rows_follow_the_enum(), "kActivations: one row per Activation, in its order");

namespace {

// Large activations are split by rows between threads (every activation is elementwise or,
// for softmax, per row, so the result does not depend on the split). Returns false, having
// done nothing, when the work is too small to pay for waking a thread.
template <typename Body>
bool split_rows(Index rows, Index cols, Body&& body) {
  constexpr Index kParallelElements = Index(1) << 17;
  // The size first: small layers, the common case, never ask OpenMP anything.
  if (rows < 2 || rows * cols < kParallelElements || omp_in_parallel_region()) return false;
  const int threads = get_num_threads();
  if (threads == 1) return false;
  for_each_share(rows, threads, body);
  return true;
}

}  // namespace

template <typename T>
void step_forward(T* A, const T* Z, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) {
    const T z = Z[i];
    A[i] = z > T(0) ? T(1) : (z <= T(0) ? T(0) : z);  // the last branch keeps NaN
  }
}

template <typename T>
void step_backward(T* dZ, const T*, const T*, const T* dA, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) dZ[i] = dA[i] * T(0);  // 0, but NaN/inf in dA still show
}

template <typename T>
void linear_forward(T* A, const T* Z, Index rows, Index cols) {
  std::copy(Z, Z + rows * cols, A);
}

template <typename T>
void linear_backward(T* dZ, const T*, const T*, const T* dA, Index rows, Index cols) {
  std::copy(dA, dA + rows * cols, dZ);
}

template <typename T>
void sigmoid_forward(T* A, const T* Z, Index rows, Index cols) {
  // The stable form, e = exp(-|z|); z >= 0: 1 / (1 + e), else e / (1 + e). Eigen computes the
  // exponentials in SIMD registers (libm's expf is a call per element); the rest is a plain
  // loop the compiler vectorizes. (Eigen 3.4 does not vectorize select(), hence two passes.)
  const Index n = rows * cols;
  // Eigen's SIMD exp clamps its argument where the result leaves the normal range, so e for
  // z = -800 comes out as a tiny denormal instead of 0: below log(smallest normal) e is set to 0
  // (sigmoid saturates to exactly 0 and 1, as libm's exp gives it).
  packet_map(A, Z, n, [](const auto& z) { return (-z.abs()).exp(); });
  const T underflow = std::log(std::numeric_limits<T>::min());
  for (Index i = 0; i < n; ++i) {
    const T e = -std::abs(Z[i]) < underflow ? T(0) : A[i];
    A[i] = (Z[i] >= T(0) ? T(1) : e) / (T(1) + e);
  }
}

template <typename T>
void sigmoid_backward(T* dZ, const T*, const T* A, const T* dA, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) dZ[i] = dA[i] * A[i] * (T(1) - A[i]);
}

template <typename T>
void tanh_forward(T* A, const T* Z, Index rows, Index cols) {
  // Eigen's float tanh is a SIMD rational approximation (a few ulp); libm's tanhf, a call per
  // element, dominated the training of small networks. Its clamp to [-8, 8] turns NaN into
  // +-1, so NaN is put back.
  const Index n = rows * cols;
  packet_map(A, Z, n, [](const auto& z) { return z.tanh(); });
  for (Index i = 0; i < n; ++i) A[i] = Z[i] == Z[i] ? A[i] : Z[i];
}

template <typename T>
void tanh_backward(T* dZ, const T*, const T* A, const T* dA, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) dZ[i] = dA[i] * (T(1) - A[i] * A[i]);
}

template <typename T>
void relu_forward(T* A, const T* Z, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) A[i] = Z[i] < T(0) ? T(0) : Z[i];
}

template <typename T>
void relu_backward(T* dZ, const T* Z, const T*, const T* dA, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) dZ[i] = Z[i] > T(0) ? dA[i] : T(0);
}

template <typename T>
void leaky_relu_forward(T* A, const T* Z, Index rows, Index cols, T alpha) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) A[i] = Z[i] < T(0) ? alpha * Z[i] : Z[i];
}

template <typename T>
void leaky_relu_backward(T* dZ, const T* Z, const T*, const T* dA, Index rows, Index cols,
                         T alpha) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) dZ[i] = Z[i] > T(0) ? dA[i] : alpha * dA[i];
}

template <typename T>
void elu_forward(T* A, const T* Z, Index rows, Index cols, T alpha) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) A[i] = Z[i] < T(0) ? alpha * std::expm1(Z[i]) : Z[i];
}

template <typename T>
void elu_backward(T* dZ, const T* Z, const T*, const T* dA, Index rows, Index cols, T alpha) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) dZ[i] = Z[i] > T(0) ? dA[i] : dA[i] * alpha * std::exp(Z[i]);
}

template <typename T>
void softplus_forward(T* A, const T* Z, Index rows, Index cols) {
  // log(1 + e^z) = max(z, 0) + log1p(e^-|z|): exact, and finite for every finite z.
  const Index n = rows * cols;
  packet_map(A, Z, n, [](const auto& z) { return (-z.abs()).exp().log1p(); });
  for (Index i = 0; i < n; ++i) A[i] += Z[i] > T(0) ? Z[i] : T(0);
}

template <typename T>
void softplus_backward(T* dZ, const T* Z, const T*, const T* dA, Index rows, Index cols) {
  sigmoid_forward(dZ, Z, rows, cols);
  ArrayMap<T>(dZ, rows * cols) *= ConstArrayMap<T>(dA, rows * cols);
}

template <typename T>
void softmax_forward(T* A, const T* Z, Index rows, Index cols) {
  for (Index r = 0; r < rows; ++r) {
    const T* z = Z + r * cols;
    T* a = A + r * cols;
    T zmax = -INFINITY;
    for (Index c = 0; c < cols; ++c) zmax = std::max(zmax, z[c]);
    T sum = 0;
    for (Index c = 0; c < cols; ++c) {
      a[c] = std::exp(z[c] - zmax);  // <= 1: the shift keeps exp from overflowing
      sum += a[c];
    }
    const T inv = T(1) / sum;
    for (Index c = 0; c < cols; ++c) a[c] *= inv;
  }
}

template <typename T>
void softmax_backward(T* dZ, const T*, const T* A, const T* dA, Index rows, Index cols) {
  // The Jacobian is diag(a) - a a^T, so dz = a * (da - <da, a>): no cols x cols matrix.
  for (Index r = 0; r < rows; ++r) {
    const T* a = A + r * cols;
    const T* da = dA + r * cols;
    T* dz = dZ + r * cols;
    T dot = 0;
    for (Index c = 0; c < cols; ++c) dot += da[c] * a[c];
    for (Index c = 0; c < cols; ++c) dz[c] = a[c] * (da[c] - dot);
  }
}

// ---- smooth modern activations: plain loops, in T, with libm's functions ---------------------

constexpr double kSqrt2 = 1.4142135623730951;
constexpr double kInvSqrt2Pi = 0.3989422804014327;   // 1 / sqrt(2 pi)
constexpr double kSqrt2OverPi = 0.7978845608028654;  // sqrt(2 / pi)
constexpr double kGeluCubic = 0.044715;
constexpr double kSeluAlpha = 1.6732632423543772;
constexpr double kSeluScale = 1.0507009873554805;

template <typename T>
void gelu_forward(T* A, const T* Z, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) {
    const T z = Z[i];
    A[i] = T(0.5) * z * (T(1) + std::erf(z / T(kSqrt2)));
  }
}

template <typename T>
void gelu_backward(T* dZ, const T* Z, const T*, const T* dA, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) {
    const T z = Z[i];
    const T cdf = T(0.5) * (T(1) + std::erf(z / T(kSqrt2)));
    const T pdf = T(kInvSqrt2Pi) * std::exp(T(-0.5) * z * z);
    dZ[i] = dA[i] * (cdf + z * pdf);
  }
}

template <typename T>
void gelu_tanh_forward(T* A, const T* Z, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) {
    const T z = Z[i];
    const T u = T(kSqrt2OverPi) * (z + T(kGeluCubic) * z * z * z);
    A[i] = T(0.5) * z * (T(1) + std::tanh(u));
  }
}

template <typename T>
void gelu_tanh_backward(T* dZ, const T* Z, const T*, const T* dA, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) {
    const T z = Z[i];
    const T u = T(kSqrt2OverPi) * (z + T(kGeluCubic) * z * z * z);
    const T t = std::tanh(u);
    const T du = T(kSqrt2OverPi) * (T(1) + T(3 * kGeluCubic) * z * z);
    dZ[i] = dA[i] * (T(0.5) * (T(1) + t) + T(0.5) * z * (T(1) - t * t) * du);
  }
}

template <typename T>
void swish_forward(T* A, const T* Z, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) A[i] = Z[i] * stable_sigmoid(Z[i]);
}

template <typename T>
void swish_backward(T* dZ, const T* Z, const T*, const T* dA, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) {
    const T s = stable_sigmoid(Z[i]);
    dZ[i] = dA[i] * s * (T(1) + Z[i] * (T(1) - s));
  }
}

template <typename T>
void selu_forward(T* A, const T* Z, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) {
    A[i] = Z[i] < T(0) ? T(kSeluScale * kSeluAlpha) * std::expm1(Z[i]) : T(kSeluScale) * Z[i];
  }
}

template <typename T>
void selu_backward(T* dZ, const T* Z, const T*, const T* dA, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) {
    dZ[i] =
        Z[i] > T(0) ? dA[i] * T(kSeluScale) : dA[i] * T(kSeluScale * kSeluAlpha) * std::exp(Z[i]);
  }
}

template <typename T>
void hard_sigmoid_forward(T* A, const T* Z, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) {
    const T z = Z[i];
    // The comparisons are false for NaN, which falls through to the last branch and stays.
    A[i] = z <= T(-3) ? T(0) : (z >= T(3) ? T(1) : z / T(6) + T(0.5));
  }
}

template <typename T>
void hard_sigmoid_backward(T* dZ, const T* Z, const T*, const T* dA, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) {
    dZ[i] = Z[i] > T(-3) && Z[i] < T(3) ? dA[i] / T(6) : dA[i] * T(0);
  }
}

template <typename T>
void mish_forward(T* A, const T* Z, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) {
    const T z = Z[i];
    const T softplus = (z > T(0) ? z : T(0)) + std::log1p(std::exp(-std::abs(z)));
    A[i] = z * std::tanh(softplus);
  }
}

template <typename T>
void mish_backward(T* dZ, const T* Z, const T*, const T* dA, Index rows, Index cols) {
  const Index n = rows * cols;
  for (Index i = 0; i < n; ++i) {
    const T z = Z[i];
    const T softplus = (z > T(0) ? z : T(0)) + std::log1p(std::exp(-std::abs(z)));
    const T t = std::tanh(softplus);
    dZ[i] = dA[i] * (t + z * (T(1) - t * t) * stable_sigmoid(z));
  }
}

template <typename T>
void activation_forward(Activation act, T* A, const T* Z, Index rows, Index cols, T alpha) {
  if (split_rows(rows, cols, [&](Index lo, Index hi) {
        activation_forward(act, A + lo * cols, Z + lo * cols, hi - lo, cols, alpha);
      }))
    return;
  switch (act) {
    case Activation::step:
      return step_forward(A, Z, rows, cols);
    case Activation::linear:
      return linear_forward(A, Z, rows, cols);
    case Activation::sigmoid:
      return sigmoid_forward(A, Z, rows, cols);
    case Activation::tanh:
      return tanh_forward(A, Z, rows, cols);
    case Activation::relu:
      return relu_forward(A, Z, rows, cols);
    case Activation::leaky_relu:
      return leaky_relu_forward(A, Z, rows, cols, alpha);
    case Activation::elu:
      return elu_forward(A, Z, rows, cols, alpha);
    case Activation::softplus:
      return softplus_forward(A, Z, rows, cols);
    case Activation::softmax:
      return softmax_forward(A, Z, rows, cols);
    case Activation::gelu:
      return gelu_forward(A, Z, rows, cols);
    case Activation::gelu_tanh:
      return gelu_tanh_forward(A, Z, rows, cols);
    case Activation::swish:
      return swish_forward(A, Z, rows, cols);
    case Activation::selu:
      return selu_forward(A, Z, rows, cols);
    case Activation::hard_sigmoid:
      return hard_sigmoid_forward(A, Z, rows, cols);
    case Activation::mish:
      return mish_forward(A, Z, rows, cols);
  }
}

template <typename T>
void activation_backward(Activation act, T* dZ, const T* Z, const T* A, const T* dA, Index rows,
                         Index cols, T alpha) {
  if (split_rows(rows, cols, [&](Index lo, Index hi) {
        const Index at = lo * cols;
        activation_backward(act, dZ + at, Z + at, A + at, dA + at, hi - lo, cols, alpha);
      }))
    return;
  switch (act) {
    case Activation::step:
      return step_backward(dZ, Z, A, dA, rows, cols);
    case Activation::linear:
      return linear_backward(dZ, Z, A, dA, rows, cols);
    case Activation::sigmoid:
      return sigmoid_backward(dZ, Z, A, dA, rows, cols);
    case Activation::tanh:
      return tanh_backward(dZ, Z, A, dA, rows, cols);
    case Activation::relu:
      return relu_backward(dZ, Z, A, dA, rows, cols);
    case Activation::leaky_relu:
      return leaky_relu_backward(dZ, Z, A, dA, rows, cols, alpha);
    case Activation::elu:
      return elu_backward(dZ, Z, A, dA, rows, cols, alpha);
    case Activation::softplus:
      return softplus_backward(dZ, Z, A, dA, rows, cols);
    case Activation::softmax:
      return softmax_backward(dZ, Z, A, dA, rows, cols);
    case Activation::gelu:
      return gelu_backward(dZ, Z, A, dA, rows, cols);
    case Activation::gelu_tanh:
      return gelu_tanh_backward(dZ, Z, A, dA, rows, cols);
    case Activation::swish:
      return swish_backward(dZ, Z, A, dA, rows, cols);
    case Activation::selu:
      return selu_backward(dZ, Z, A, dA, rows, cols);
    case Activation::hard_sigmoid:
      return hard_sigmoid_backward(dZ, Z, A, dA, rows, cols);
    case Activation::mish:
      return mish_backward(dZ, Z, A, dA, rows, cols);
  }
}

#define FASTNN_PLAIN(T, name)                                  \
  template void name##_forward<T>(T*, const T*, Index, Index); \
  template void name##_backward<T>(T*, const T*, const T*, const T*, Index, Index);
#define FASTNN_ALPHA(T, name)                                     \
  template void name##_forward<T>(T*, const T*, Index, Index, T); \
  template void name##_backward<T>(T*, const T*, const T*, const T*, Index, Index, T);
#define FASTNN_INSTANTIATE(T)                                                                      \
  FASTNN_PLAIN(T, step)                                                                            \
  FASTNN_PLAIN(T, linear)                                                                          \
  FASTNN_PLAIN(T, sigmoid)                                                                         \
  FASTNN_PLAIN(T, tanh)                                                                            \
  FASTNN_PLAIN(T, relu)                                                                            \
  FASTNN_ALPHA(T, leaky_relu)                                                                      \
  FASTNN_ALPHA(T, elu)                                                                             \
  FASTNN_PLAIN(T, softplus)                                                                        \
  FASTNN_PLAIN(T, softmax)                                                                         \
  FASTNN_PLAIN(T, gelu)                                                                            \
  FASTNN_PLAIN(T, gelu_tanh)                                                                       \
  FASTNN_PLAIN(T, swish)                                                                           \
  FASTNN_PLAIN(T, selu)                                                                            \
  FASTNN_PLAIN(T, hard_sigmoid)                                                                    \
  FASTNN_PLAIN(T, mish)                                                                            \
  template void activation_forward<T>(Activation, T*, const T*, Index, Index, T);                  \
  template void activation_backward<T>(Activation, T*, const T*, const T*, const T*, Index, Index, \
                                       T);
FASTNN_INSTANTIATE(float)
FASTNN_INSTANTIATE(double)
#undef FASTNN_PLAIN
#undef FASTNN_ALPHA
#undef FASTNN_INSTANTIATE

}  // namespace fastnn
