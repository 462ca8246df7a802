// Batch normalization, Keras' BatchNormalization on a dense layer's output (batch, features):
// in training each feature is normalized by the batch's mean and (biased) variance,
//   H = (A - mean) / sqrt(var + epsilon),   out = gamma * H + beta,
// and the moving statistics follow them,
//   moving_mean = moving_mean * momentum + mean * (1 - momentum)   (moving_variance alike);
// in predict and evaluate the moving statistics stand in for the batch's. gamma (scale) and beta
// (center) are trained like weights; without scale gamma is 1, without center beta is 0.
//
// Statistics are summed in double over the rows and rounded to T once; H is formed in double
// and rounded once: the NumPy twin does the same. Nothing here allocates. No Eigen.
#pragma once

#include "fastnn/types.hpp"

namespace fastnn {

// THE table of BatchNormalization's arguments (Keras' defaults); the bindings check them by it,
// fastnn.layers.BatchNormalization reads it as fastnn._core.BATCH_NORM.
inline constexpr Parameter kBatchNormParameters[] = {
    real_param("momentum", 0.99, 0, 1, false, false, "the moving statistics' decay"),
    real_param("epsilon", 1e-3, 0, kInf, true, false, "added to the variance, for stability"),
    flag_param("center", true, "add a trained offset beta"),
    flag_param("scale", true, "multiply by a trained factor gamma"),
};

// Training: out (rows, cols) and H (the normalized values, for the backward) from A; mean and
// inv_std (cols,) in double, the batch's mean and 1 / sqrt(var + epsilon); the moving statistics
// updated. gamma and beta may be null (1 and 0). rows >= 1.
template <typename T>
void batch_norm_forward(T* out, T* H, double* mean, double* inv_std, T* moving_mean,
                        T* moving_variance, const T* A, const T* gamma, const T* beta, Index rows,
                        Index cols, double momentum, double epsilon);

// Inference: out = gamma * (A - moving_mean) / sqrt(moving_variance + epsilon) + beta.
template <typename T>
void batch_norm_inference(T* out, const T* A, const T* moving_mean, const T* moving_variance,
                          const T* gamma, const T* beta, Index rows, Index cols, double epsilon);

// From dout, the gradient of the training forward's out: dgamma = sum(dout * H) and dbeta =
// sum(dout) over the rows (cols,) (each may be null: not wanted), and dA (rows, cols), the
// gradient through the batch's statistics:
//   dA = gamma * inv_std / rows * (rows * dout - sum(dout) - H * sum(dout * H)).
// dA may be dout. sums: 2 * cols doubles of scratch.
template <typename T>
void batch_norm_backward(T* dA, T* dgamma, T* dbeta, double* sums, const T* dout, const T* H,
                         const double* inv_std, const T* gamma, Index rows, Index cols);

// The same two passes in pieces, for threads that each hold some rows of the batch (the
// network's data-parallel loop): each sums its rows, the sums are added up, and each goes on
// with the batch's statistics. The serial kernels above are these in a row.
//   sum[c] = Σ_r A[r, c]                       (assigned; rows may be 0)
template <typename T>
void batch_norm_sums(double* sum, const T* A, Index rows, Index cols);
//   sq[c] = Σ_r (A[r, c] - mean[c])^2          (assigned)
template <typename T>
void batch_norm_squares(double* sq, const T* A, const double* mean, Index rows, Index cols);
//   H = (A - mean) * inv_std, out = gamma H + beta
template <typename T>
void batch_norm_normalize(T* out, T* H, const T* A, const double* mean, const double* inv_std,
                          const T* gamma, const T* beta, Index rows, Index cols);
//   sums[c] = Σ_r dout[r, c], sums[cols + c] = Σ_r dout[r, c] H[r, c]   (assigned)
template <typename T>
void batch_norm_gradient_sums(double* sums, const T* dout, const T* H, Index rows, Index cols);
//   dA = gamma inv_std / n (n dout - sums[c] - H sums[cols + c]), n the whole batch's rows
template <typename T>
void batch_norm_gradient(T* dA, const T* dout, const T* H, const double* inv_std, const T* gamma,
                         const double* sums, double n, Index rows, Index cols);

}  // namespace fastnn
