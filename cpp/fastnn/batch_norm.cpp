#include "fastnn/batch_norm.hpp"

#include <cmath>

namespace fastnn {

template <typename T>
void batch_norm_sums(double* sum, const T* A, Index rows, Index cols) {
  for (Index c = 0; c < cols; ++c) sum[c] = 0;
  for (Index r = 0; r < rows; ++r) {
    for (Index c = 0; c < cols; ++c) sum[c] += double(A[r * cols + c]);
  }
}

template <typename T>
void batch_norm_squares(double* sq, const T* A, const double* mean, Index rows, Index cols) {
  for (Index c = 0; c < cols; ++c) sq[c] = 0;
  for (Index r = 0; r < rows; ++r) {
    for (Index c = 0; c < cols; ++c) {
      const double d = double(A[r * cols + c]) - mean[c];
      sq[c] += d * d;
    }
  }
}

template <typename T>
void batch_norm_normalize(T* out, T* H, const T* A, const double* mean, const double* inv_std,
                          const T* gamma, const T* beta, Index rows, Index cols) {
  for (Index r = 0; r < rows; ++r) {
    for (Index c = 0; c < cols; ++c) {
      const Index i = r * cols + c;
      const T h = T((double(A[i]) - mean[c]) * inv_std[c]);
      H[i] = h;
      T y = gamma != nullptr ? gamma[c] * h : h;
      if (beta != nullptr) y += beta[c];
      out[i] = y;
    }
  }
}

template <typename T>
void batch_norm_forward(T* out, T* H, double* mean, double* inv_std, T* moving_mean,
                        T* moving_variance, const T* A, const T* gamma, const T* beta, Index rows,
                        Index cols, double momentum, double epsilon) {
  // Two passes over the rows (mean, then the squared deviations from it): the one-pass
  // E[a^2] - E[a]^2 cancels catastrophically for features far from 0.
  batch_norm_sums(mean, A, rows, cols);
  for (Index c = 0; c < cols; ++c) mean[c] /= double(rows);
  batch_norm_squares(inv_std, A, mean, rows, cols);  // the variance's sum, for now
  for (Index c = 0; c < cols; ++c) {
    const double var = inv_std[c] / double(rows);
    moving_mean[c] = T(double(moving_mean[c]) * momentum + mean[c] * (1.0 - momentum));
    moving_variance[c] = T(double(moving_variance[c]) * momentum + var * (1.0 - momentum));
    inv_std[c] = 1.0 / std::sqrt(var + epsilon);
  }
  batch_norm_normalize(out, H, A, mean, inv_std, gamma, beta, rows, cols);
}

template <typename T>
void batch_norm_inference(T* out, const T* A, const T* moving_mean, const T* moving_variance,
                          const T* gamma, const T* beta, Index rows, Index cols, double epsilon) {
  for (Index r = 0; r < rows; ++r) {
    for (Index c = 0; c < cols; ++c) {
      const Index i = r * cols + c;
      const double inv = 1.0 / std::sqrt(double(moving_variance[c]) + epsilon);
      const T h = T((double(A[i]) - double(moving_mean[c])) * inv);
      T y = gamma != nullptr ? gamma[c] * h : h;
      if (beta != nullptr) y += beta[c];
      out[i] = y;
    }
  }
}

template <typename T>
void batch_norm_gradient_sums(double* sums, const T* dout, const T* H, Index rows, Index cols) {
  double* sum_g = sums;
  double* sum_gh = sums + cols;
  for (Index c = 0; c < cols; ++c) sum_g[c] = 0, sum_gh[c] = 0;
  for (Index r = 0; r < rows; ++r) {
    for (Index c = 0; c < cols; ++c) {
      const Index i = r * cols + c;
      sum_g[c] += double(dout[i]);
      sum_gh[c] += double(dout[i]) * double(H[i]);
    }
  }
}

template <typename T>
void batch_norm_gradient(T* dA, const T* dout, const T* H, const double* inv_std, const T* gamma,
                         const double* sums, double n, Index rows, Index cols) {
  const double* sum_g = sums;
  const double* sum_gh = sums + cols;
  for (Index r = 0; r < rows; ++r) {
    for (Index c = 0; c < cols; ++c) {
      const Index i = r * cols + c;
      const double g = gamma != nullptr ? double(gamma[c]) : 1.0;
      dA[i] = T(g * inv_std[c] / n * (n * double(dout[i]) - sum_g[c] - double(H[i]) * sum_gh[c]));
    }
  }
}

template <typename T>
void batch_norm_backward(T* dA, T* dgamma, T* dbeta, double* sums, const T* dout, const T* H,
                         const double* inv_std, const T* gamma, Index rows, Index cols) {
  // Column sums in double, over the rows, before dA (which may be dout) is written.
  batch_norm_gradient_sums(sums, dout, H, rows, cols);
  for (Index c = 0; c < cols; ++c) {
    if (dbeta != nullptr) dbeta[c] = T(sums[c]);
    if (dgamma != nullptr) dgamma[c] = T(sums[cols + c]);
  }
  batch_norm_gradient(dA, dout, H, inv_std, gamma, sums, double(rows), rows, cols);
}

#define FASTNN_INSTANTIATE(T)                                                                  \
  template void batch_norm_forward<T>(T*, T*, double*, double*, T*, T*, const T*, const T*,    \
                                      const T*, Index, Index, double, double);                 \
  template void batch_norm_inference<T>(T*, const T*, const T*, const T*, const T*, const T*,  \
                                        Index, Index, double);                                 \
  template void batch_norm_backward<T>(T*, T*, T*, double*, const T*, const T*, const double*, \
                                       const T*, Index, Index);
FASTNN_INSTANTIATE(float)
FASTNN_INSTANTIATE(double)
#undef FASTNN_INSTANTIATE

#define FASTNN_INSTANTIATE_PARTS(T)                                                               \
  template void batch_norm_sums<T>(double*, const T*, Index, Index);                              \
  template void batch_norm_squares<T>(double*, const T*, const double*, Index, Index);            \
  template void batch_norm_normalize<T>(T*, T*, const T*, const double*, const double*, const T*, \
                                        const T*, Index, Index);                                  \
  template void batch_norm_gradient_sums<T>(double*, const T*, const T*, Index, Index);           \
  template void batch_norm_gradient<T>(T*, const T*, const T*, const double*, const T*,           \
                                       const double*, double, Index, Index);
FASTNN_INSTANTIATE_PARTS(float)
FASTNN_INSTANTIATE_PARTS(double)
#undef FASTNN_INSTANTIATE_PARTS

}  // namespace fastnn
