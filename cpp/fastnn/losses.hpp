// Losses: <name>_forward(Y, T) -> mean loss, <name>_backward(dY, Y, T) -> d(mean loss)/dY.
//
// Y is the network's output, T the target, both (rows, cols). The reduction is the mean,
// as PyTorch's default: over every element for the elementwise losses, over the rows for
// softmax cross-entropy (each row is one sample's distribution). The values are summed in
// double whatever T is, so a float32 loss over a large batch does not drift.
// An empty batch has no mean: the value is NaN (as numpy.mean of nothing), the gradient empty.
#pragma once

#include "fastnn/common.hpp"

namespace fastnn {

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

}  // namespace fastnn
