// Losses: <name>_forward(Y, T) -> mean loss, <name>_backward(dY, Y, T) -> d(mean loss)/dY.
//
// Y is the network's output, T the target, both (rows, cols). The reduction is the mean,
// as PyTorch's default: over every element for the elementwise losses, over the rows for
// softmax cross-entropy (each row is one sample's distribution). The values are summed in
// double whatever T is, so a float32 loss over a large batch does not drift.
// An empty batch has no mean: the value is NaN (as numpy.mean of nothing), the gradient empty;
// so is softmax cross-entropy over zero classes.
//
// Two tables: kLossKernels, one row per kernel pair (the bindings register them from it), and
// kLosses, one row per loss a network trains on, saying which kernel it runs and when it fuses
// with the output activation (the network, fastnn.reference's Network and Sequential.compile
// all read that rule from here, through fastnn._core.LOSSES). No Eigen in this header.
#pragma once

#include "fastnn/types.hpp"

namespace fastnn {

struct LossKernelInfo {
  const char* name;  // <name>_forward / <name>_backward
  LossKernel id;
  const char* doc;
};

inline constexpr LossKernelInfo kLossKernels[] = {
    {"mse", LossKernel::mse, "mean squared error, mean((Y - T)**2) over every element"},
    {"binary_crossentropy", LossKernel::binary_crossentropy,
     "binary cross-entropy of probabilities Y (clipped to [1e-7, 1 - 1e-7]), mean over every "
     "element"},
    {"sigmoid_binary_crossentropy", LossKernel::sigmoid_binary_crossentropy,
     "binary cross-entropy of sigmoid(Y) for logits Y, in the stable fused form"},
    {"softmax_crossentropy", LossKernel::softmax_crossentropy,
     "cross-entropy of softmax(Y) for logits Y against one-hot (or distribution) rows T, mean "
     "over the batch"},
    {"huber", LossKernel::huber,
     "Huber loss with delta 1 (Keras' default): e**2 / 2 where |e| <= 1, |e| - 1/2 beyond, "
     "e = Y - T, mean over every element"},
    {"mae", LossKernel::mae, "mean absolute error, mean(|Y - T|) over every element"},
    {"hinge", LossKernel::hinge,
     "hinge loss, mean(max(1 - T * Y, 0)) over every element, targets -1/1 (0 is read as -1, "
     "as Keras does)"},
    {"kl_divergence", LossKernel::kl_divergence,
     "Kullback-Leibler divergence sum(T * log(T / Y)) of each row, Y and T clipped to [1e-7, "
     "1], mean over the batch"},
};
static_assert(std::size(kLossKernels) == kLossKernelCount);

struct LossInfo {
  const char* name;
  LossKind id;
  const char* alias;  // Keras' other name for it, or null
  // The kernel on the output activation's values, or -1: the loss needs `fused_with`.
  int kernel;
  // With this output activation (or -1: none), the loss runs `fused_kernel` on the logits
  // instead: stable where the activation saturates, and cheaper.
  int fused_with;
  int fused_kernel;
  bool labels;  // targets are int64 class labels (n,), not rows (n, outputs)
  const char* doc;
};

inline constexpr LossInfo kLosses[] = {
    {"mse", LossKind::mse, "mean_squared_error", int(LossKernel::mse), -1, -1, false,
     "mean squared error of the output"},
    {"binary_crossentropy", LossKind::binary_crossentropy, nullptr,
     int(LossKernel::binary_crossentropy), int(Activation::sigmoid),
     int(LossKernel::sigmoid_binary_crossentropy), false,
     "targets in [0, 1]; fused with a sigmoid output"},
    {"categorical_crossentropy", LossKind::categorical_crossentropy, nullptr, -1,
     int(Activation::softmax), int(LossKernel::softmax_crossentropy), false,
     "one-hot (or distribution) target rows; needs a softmax output"},
    {"sparse_categorical_crossentropy", LossKind::sparse_categorical_crossentropy, nullptr, -1,
     int(Activation::softmax), int(LossKernel::softmax_crossentropy), true,
     "integer class labels; needs a softmax output"},
    {"huber", LossKind::huber, "huber_loss", int(LossKernel::huber), -1, -1, false,
     "robust regression: squared near the target, linear far from it"},
    {"mae", LossKind::mae, "mean_absolute_error", int(LossKernel::mae), -1, -1, false,
     "mean absolute error of the output"},
    {"hinge", LossKind::hinge, nullptr, int(LossKernel::hinge), -1, -1, false,
     "max-margin classification: targets -1/1 (or 0/1), a linear or tanh output"},
    {"kl_divergence", LossKind::kl_divergence, "kld", int(LossKernel::kl_divergence), -1, -1, false,
     "distribution rows against a probability output (softmax)"},
};

constexpr const LossInfo& loss_info(LossKind id) {
  for (const LossInfo& l : kLosses) {
    if (l.id == id) return l;
  }
  return kLosses[0];  // unreachable: every LossKind has a row
}

// Whether a network with this output activation trains `loss` through its fused kernel.
constexpr bool fuses(LossKind loss, Activation output) {
  return loss_info(loss).fused_with == int(output);
}

// binary_crossentropy clips Y to [bce_clip_eps, 1 - bce_clip_eps] before the logs, as Keras.
constexpr double bce_clip_eps = 1e-7;

template <typename T>
double mse_forward(const T* Y, const T* Tg, Index rows, Index cols);
template <typename T>
void mse_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols);

// Y and T are probabilities. The gradient is that of the clipped expression: 0 where Y was
// clipped (a network should reach this loss through sigmoid_binary_crossentropy instead).
template <typename T>
double binary_crossentropy_forward(const T* Y, const T* Tg, Index rows, Index cols);
template <typename T>
void binary_crossentropy_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols);

// Y are logits: the loss of sigmoid(Y) against T, computed without forming sigmoid(Y),
// so it stays exact where sigmoid saturates. The gradient is (sigmoid(Y) - T) / n.
template <typename T>
double sigmoid_binary_crossentropy_forward(const T* Y, const T* Tg, Index rows, Index cols);
template <typename T>
void sigmoid_binary_crossentropy_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols);

// Y are logits, each row of T a distribution (one-hot for hard labels): the cross-entropy of
// softmax(Y), through log-sum-exp. The gradient is (softmax(Y) * sum(T_row) - T) / rows.
template <typename T>
double softmax_crossentropy_forward(const T* Y, const T* Tg, Index rows, Index cols);
template <typename T>
void softmax_crossentropy_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols);

// Huber (delta 1), mean absolute error and hinge: elementwise means, as mse. Their gradients at
// a kink (|e| = 1 for Huber is smooth; e = 0 for mae, T Y = 1 for hinge) take 0, as PyTorch's
// sign(0) = 0 and Keras' hinge.
template <typename T>
double huber_forward(const T* Y, const T* Tg, Index rows, Index cols);
template <typename T>
void huber_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols);
template <typename T>
double mae_forward(const T* Y, const T* Tg, Index rows, Index cols);
template <typename T>
void mae_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols);
template <typename T>
double hinge_forward(const T* Y, const T* Tg, Index rows, Index cols);
template <typename T>
void hinge_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols);

// Kullback-Leibler divergence of rows, Keras' form: both clipped to [1e-7, 1], summed over each
// row, mean over the rows. The gradient is -T / Y / rows where Y was not clipped, 0 where it was.
template <typename T>
double kl_divergence_forward(const T* Y, const T* Tg, Index rows, Index cols);
template <typename T>
void kl_divergence_backward(T* dY, const T* Y, const T* Tg, Index rows, Index cols);

// One entry point for code that holds the loss kernel as data (the network, the bindings).
template <typename T>
double loss_forward(LossKernel k, const T* Y, const T* Tg, Index rows, Index cols);
template <typename T>
void loss_backward(LossKernel k, T* dY, const T* Y, const T* Tg, Index rows, Index cols);

}  // namespace fastnn
