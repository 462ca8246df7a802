// Activations: <name>_forward(A, Z) computes A = g(Z); <name>_backward(dZ, Z, A, dA) computes
// the vector-Jacobian product dZ = dA * g'(Z). Every buffer is (rows, cols), row-major.
//
// The elementwise ones treat the buffer as flat; softmax works row by row. NaN in Z
// propagates to A (no comparison swallows it), and no finite Z overflows.
#pragma once

#include <cmath>

#include "fastnn/common.hpp"

namespace fastnn {

// Sigmoid without overflow: exp is only ever taken of a non-positive number. Shared by the
// sigmoid and softplus activations and the fused sigmoid cross-entropy.
template <typename T>
inline T stable_sigmoid(T z) {
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}


// Heaviside: 1 where z > 0, else 0. Its derivative is 0 everywhere it exists: a network of
// steps cannot learn by gradient descent, which is why the perceptron has its own rule.
template <typename T>
void step_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void step_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);

template <typename T>
void linear_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void linear_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);

template <typename T>
void sigmoid_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void sigmoid_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);

template <typename T>
void tanh_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void tanh_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);

// relu'(0) = 0, as PyTorch.
template <typename T>
void relu_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void relu_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);

template <typename T>
void leaky_relu_forward(T* A, const T* Z, Index rows, Index cols, T alpha);
template <typename T>
void leaky_relu_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols,
                         T alpha);

template <typename T>
void elu_forward(T* A, const T* Z, Index rows, Index cols, T alpha);
template <typename T>
void elu_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols, T alpha);

template <typename T>
void softplus_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void softplus_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);

// Row-wise: each row of A sums to 1.
template <typename T>
void softmax_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void softmax_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);

// One entry point for code that holds the activation as data (the bindings, the network).
// alpha is read by leaky_relu and elu only.
template <typename T>
void activation_forward(Activation act, T* A, const T* Z, Index rows, Index cols, T alpha);
template <typename T>
void activation_backward(Activation act, T* dZ, const T* Z, const T* A, const T* dA, Index rows,
                         Index cols, T alpha);

}  // namespace fastnn
