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

}  // namespace fastnn
