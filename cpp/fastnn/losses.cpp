#include "fastnn/losses.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fastnn/activations.hpp"
#include "fastnn/common.hpp"

namespace fastnn {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T>
inline T clip_probability(T y) {
  const T lo = T(bce_clip_eps), hi = T(1) - T(bce_clip_eps);
  return y < lo ? lo : (y > hi ? hi : y);
}

}  // namespace

template <typename T>
double mse_forward(const T* Y, const T* Tg, Index rows, Index cols) {
  const Index n = rows * cols;
  if (n == 0) return kNaN;
  double sum = 0;
  for (Index i = 0; i < n; ++i) {
    const double d = double(Y[i]) - double(Tg[i]);
    sum += d * d;
  }
  return sum / double(n);
}

template <typename T>
void mse_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols) {
  const Index n = rows * cols;
  const T scale = T(2) / T(n);
  for (Index i = 0; i < n; ++i) dY[i] = scale * (Y[i] - Tg[i]);
}

template <typename T>
double binary_crossentropy_forward(const T* Y, const T* Tg, Index rows, Index cols) {
  const Index n = rows * cols;
  if (n == 0) return kNaN;
  double sum = 0;
  for (Index i = 0; i < n; ++i) {
    const double y = clip_probability(Y[i]), t = Tg[i];
    sum -= t * std::log(y) + (1.0 - t) * std::log1p(-y);
  }
  return sum / double(n);
}

template <typename T>
void binary_crossentropy_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols) {
  const Index n = rows * cols;
  const T lo = T(bce_clip_eps), hi = T(1) - T(bce_clip_eps);
  const T inv_n = T(1) / T(n);
  for (Index i = 0; i < n; ++i) {
    const T y = Y[i], t = Tg[i];
    // d/dy of -(t log y + (1-t) log(1-y)) = (y - t) / (y (1 - y)); the clip is flat outside.
    const bool inside = y >= lo && y <= hi;
    dY[i] = inside ? inv_n * (y - t) / (y * (T(1) - y)) : (y == y ? T(0) : y);
  }
}

template <typename T>
double sigmoid_binary_crossentropy_forward(const T* Y, const T* Tg, Index rows, Index cols) {
  const Index n = rows * cols;
  if (n == 0) return kNaN;
  // -(t log s(y) + (1-t) log(1-s(y))) = max(y, 0) - y t + log1p(e^-|y|). The transcendental
  // part is computed in T by Eigen's SIMD exp and log1p, a block at a time on the stack; the
  // terms are summed in double.
  constexpr Index kBlock = 64;
  Eigen::Array<T, kBlock, 1> soft;
  double sum = 0;
  for (Index start = 0; start < n; start += kBlock) {
    const Index m = std::min(kBlock, n - start);
    packet_map(soft.data(), Y + start, m, [](const auto& y) { return (-y.abs()).exp().log1p(); });
    for (Index k = 0; k < m; ++k) {
      const double y = Y[start + k], t = Tg[start + k];
      sum += std::max(y, 0.0) - y * t + double(soft[k]);
    }
  }
  return sum / double(n);
}

template <typename T>
void sigmoid_binary_crossentropy_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols) {
  const Index n = rows * cols;
  const T inv_n = T(1) / T(n);
  sigmoid_forward(dY, Y, rows, cols);
  for (Index i = 0; i < n; ++i) dY[i] = inv_n * (dY[i] - Tg[i]);
}

template <typename T>
double softmax_crossentropy_forward(const T* Y, const T* Tg, Index rows, Index cols) {
  if (rows == 0 || cols == 0) return kNaN;  // no samples, or a distribution over no classes
  double total = 0;
  for (Index r = 0; r < rows; ++r) {
    const T* y = Y + r * cols;
    const T* t = Tg + r * cols;
    double ymax = -INFINITY;
    for (Index c = 0; c < cols; ++c) ymax = std::max(ymax, double(y[c]));
    double sum = 0;
    for (Index c = 0; c < cols; ++c) sum += std::exp(double(y[c]) - ymax);
    const double lse = ymax + std::log(sum);
    // -sum t (y - lse); terms with t = 0 are skipped so a -inf logit of a class the sample
    // is not in costs nothing instead of 0 * inf = NaN.
    for (Index c = 0; c < cols; ++c)
      if (t[c] != T(0)) total += double(t[c]) * (lse - double(y[c]));
  }
  return total / double(rows);
}

template <typename T>
void softmax_crossentropy_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols) {
  const T inv_rows = T(1) / T(rows);
  for (Index r = 0; r < rows; ++r) {
    const T* y = Y + r * cols;
    const T* t = Tg + r * cols;
    T* dy = dY + r * cols;
    T ymax = -INFINITY, tsum = 0;
    for (Index c = 0; c < cols; ++c) {
      ymax = std::max(ymax, y[c]);
      tsum += t[c];
    }
    T sum = 0;
    for (Index c = 0; c < cols; ++c) {
      dy[c] = std::exp(y[c] - ymax);
      sum += dy[c];
    }
    const T scale = tsum / sum;
    for (Index c = 0; c < cols; ++c) dy[c] = inv_rows * (dy[c] * scale - t[c]);
  }
}

// ---- huber, mae, hinge, kl_divergence ------------------------------------------------------

namespace {
// hinge's target: 0/1 labels are read as -1/1 (Keras converts them the same way).
template <typename T>
inline T signed_target(T t) {
  return t == T(0) ? T(-1) : t;
}
}  // namespace

template <typename T>
double huber_forward(const T* Y, const T* Tg, Index rows, Index cols) {
  const Index n = rows * cols;
  if (n == 0) return kNaN;
  double sum = 0;
  for (Index i = 0; i < n; ++i) {
    const double e = std::abs(double(Y[i]) - double(Tg[i]));
    sum += e <= 1.0 ? 0.5 * e * e : e - 0.5;
  }
  return sum / double(n);
}

template <typename T>
void huber_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols) {
  const Index n = rows * cols;
  const T inv_n = T(1) / T(n);
  for (Index i = 0; i < n; ++i) {
    const T e = Y[i] - Tg[i];
    const T clipped = e > T(1) ? T(1) : (e < T(-1) ? T(-1) : e);
    dY[i] = inv_n * clipped;
  }
}

template <typename T>
double mae_forward(const T* Y, const T* Tg, Index rows, Index cols) {
  const Index n = rows * cols;
  if (n == 0) return kNaN;
  double sum = 0;
  for (Index i = 0; i < n; ++i) sum += std::abs(double(Y[i]) - double(Tg[i]));
  return sum / double(n);
}

template <typename T>
void mae_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols) {
  const Index n = rows * cols;
  const T inv_n = T(1) / T(n);
  for (Index i = 0; i < n; ++i) {
    const T e = Y[i] - Tg[i];
    dY[i] = e > T(0) ? inv_n : (e < T(0) ? -inv_n : e * T(0));  // NaN stays NaN
  }
}

template <typename T>
double hinge_forward(const T* Y, const T* Tg, Index rows, Index cols) {
  const Index n = rows * cols;
  if (n == 0) return kNaN;
  double sum = 0;
  for (Index i = 0; i < n; ++i) {
    sum += std::max(1.0 - double(signed_target(Tg[i])) * double(Y[i]), 0.0);
  }
  return sum / double(n);
}

template <typename T>
void hinge_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols) {
  const Index n = rows * cols;
  const T inv_n = T(1) / T(n);
  for (Index i = 0; i < n; ++i) {
    const T t = signed_target(Tg[i]);
    dY[i] = T(1) - t * Y[i] > T(0) ? -t * inv_n : T(0);
  }
}

template <typename T>
double kl_divergence_forward(const T* Y, const T* Tg, Index rows, Index cols) {
  if (rows == 0 || cols == 0) return kNaN;
  double sum = 0;
  for (Index i = 0; i < rows * cols; ++i) {
    const double y = std::clamp(double(Y[i]), bce_clip_eps, 1.0);
    const double t = std::clamp(double(Tg[i]), bce_clip_eps, 1.0);
    sum += t * std::log(t / y);
  }
  return sum / double(rows);
}

template <typename T>
void kl_divergence_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols) {
  const T inv_rows = T(1) / T(rows);
  const T lo = T(bce_clip_eps);
  for (Index i = 0; i < rows * cols; ++i) {
    const T y = Y[i];
    const T t = Tg[i] < lo ? lo : (Tg[i] > T(1) ? T(1) : Tg[i]);
    dY[i] = y > lo && y < T(1) ? -inv_rows * t / y : T(0);
  }
}

template <typename T>
double loss_forward(LossKernel k, const T* Y, const T* Tg, Index rows, Index cols) {
  switch (k) {
    case LossKernel::mse:
      return mse_forward(Y, Tg, rows, cols);
    case LossKernel::binary_crossentropy:
      return binary_crossentropy_forward(Y, Tg, rows, cols);
    case LossKernel::sigmoid_binary_crossentropy:
      return sigmoid_binary_crossentropy_forward(Y, Tg, rows, cols);
    case LossKernel::softmax_crossentropy:
      return softmax_crossentropy_forward(Y, Tg, rows, cols);
    case LossKernel::huber:
      return huber_forward(Y, Tg, rows, cols);
    case LossKernel::mae:
      return mae_forward(Y, Tg, rows, cols);
    case LossKernel::hinge:
      return hinge_forward(Y, Tg, rows, cols);
    case LossKernel::kl_divergence:
      return kl_divergence_forward(Y, Tg, rows, cols);
  }
  return 0;
}

template <typename T>
void loss_backward(LossKernel k, T* dY, const T* Y, const T* Tg, Index rows, Index cols) {
  switch (k) {
    case LossKernel::mse:
      return mse_backward(dY, Y, Tg, rows, cols);
    case LossKernel::binary_crossentropy:
      return binary_crossentropy_backward(dY, Y, Tg, rows, cols);
    case LossKernel::sigmoid_binary_crossentropy:
      return sigmoid_binary_crossentropy_backward(dY, Y, Tg, rows, cols);
    case LossKernel::softmax_crossentropy:
      return softmax_crossentropy_backward(dY, Y, Tg, rows, cols);
    case LossKernel::huber:
      return huber_backward(dY, Y, Tg, rows, cols);
    case LossKernel::mae:
      return mae_backward(dY, Y, Tg, rows, cols);
    case LossKernel::hinge:
      return hinge_backward(dY, Y, Tg, rows, cols);
    case LossKernel::kl_divergence:
      return kl_divergence_backward(dY, Y, Tg, rows, cols);
  }
}

#define FASTNN_INSTANTIATE(T, name)                                    \
  template double name##_forward<T>(const T*, const T*, Index, Index); \
  template void name##_backward<T>(T*, const T*, const T*, Index, Index);
#define FASTNN_INSTANTIATE_ALL(T)                    \
  FASTNN_INSTANTIATE(T, mse)                         \
  FASTNN_INSTANTIATE(T, binary_crossentropy)         \
  FASTNN_INSTANTIATE(T, sigmoid_binary_crossentropy) \
  FASTNN_INSTANTIATE(T, softmax_crossentropy)        \
  FASTNN_INSTANTIATE(T, huber)                       \
  FASTNN_INSTANTIATE(T, mae)                         \
  FASTNN_INSTANTIATE(T, hinge)                       \
  FASTNN_INSTANTIATE(T, kl_divergence)
FASTNN_INSTANTIATE_ALL(float)
FASTNN_INSTANTIATE_ALL(double)
template double loss_forward<float>(LossKernel, const float*, const float*, Index, Index);
template double loss_forward<double>(LossKernel, const double*, const double*, Index, Index);
template void loss_backward<float>(LossKernel, float*, const float*, const float*, Index, Index);
template void loss_backward<double>(LossKernel, double*, const double*, const double*, Index,
                                    Index);
#undef FASTNN_INSTANTIATE_ALL
#undef FASTNN_INSTANTIATE

}  // namespace fastnn
