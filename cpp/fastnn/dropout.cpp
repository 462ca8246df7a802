#include "fastnn/dropout.hpp"

namespace fastnn {

template <typename T>
void dropout_forward(T* out, T* mask, const T* A, Index rows, Index cols, Index row0, double rate,
                     std::uint64_t key) {
  const std::uint64_t threshold = dropout_threshold(rate);
  // Keras divides each kept value by 1 - rate (rounded to T once), rather than multiplying by
  // its inverse: the same rounding as the twin's A / q.
  const T q = T(1.0 - rate);
  const std::uint64_t first = std::uint64_t(row0) * std::uint64_t(cols);
  for (Index i = 0; i < rows * cols; ++i) {
    const bool keep = (splitmix_at(key, first + std::uint64_t(i)) >> 11) >= threshold;
    mask[i] = keep ? T(1) : T(0);
    out[i] = keep ? A[i] / q : T(0);
  }
}

template <typename T>
void dropout_backward(T* dA, const T* mask, const T* dout, Index n, double rate) {
  const T q = T(1.0 - rate);
  for (Index i = 0; i < n; ++i) dA[i] = mask[i] != T(0) ? dout[i] / q : T(0);
}

template void dropout_forward<float>(float*, float*, const float*, Index, Index, Index, double,
                                     std::uint64_t);
template void dropout_forward<double>(double*, double*, const double*, Index, Index, Index, double,
                                      std::uint64_t);
template void dropout_backward<float>(float*, const float*, const float*, Index, double);
template void dropout_backward<double>(double*, const double*, const double*, Index, double);

}  // namespace fastnn
