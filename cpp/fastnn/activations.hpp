// Activations: <name>_forward(A, Z) computes A = g(Z); <name>_backward(dZ, Z, A, dA) computes
// the vector-Jacobian product dZ = dA * g'(Z). Every buffer is (rows, cols), row-major.
//
// The elementwise ones treat the buffer as flat; softmax works row by row. NaN in Z
// propagates to A (no comparison swallows it), and no finite Z overflows.
//
// kActivations below is THE table of activations: the bindings register one kernel pair per
// row and export the rows as fastnn._core.ACTIVATIONS, which fastnn.activations, Dense and
// fastnn.reference read. This header holds no Eigen, so the bindings can include it.
#pragma once

#include "fastnn/types.hpp"

namespace fastnn {

struct ActivationInfo {
  const char* name;
  Activation id;
  const Parameter* alpha;  // its one parameter (leaky_relu, elu), or null
  const char* forward;     // the formula, for docstrings and docs
  const char* backward;
  const char* alias = nullptr;  // Keras' other name for it
};

// alpha is any finite number: Keras and PyTorch allow a negative slope or scale too.
inline constexpr Parameter kLeakyReluAlpha =
    real_param("alpha", 0.01, -kInf, kInf, true, true, "the slope below 0");
inline constexpr Parameter kEluAlpha =
    real_param("alpha", 1.0, -kInf, kInf, true, true, "the scale of exp(Z) - 1 below 0");

inline constexpr ActivationInfo kActivations[] = {
    {"step", Activation::step, nullptr, "Heaviside step: 1 where Z > 0, else 0",
     "dZ = 0: the step's derivative is 0 wherever it exists"},
    {"linear", Activation::linear, nullptr, "identity: A = Z", "dZ = dA"},
    {"sigmoid", Activation::sigmoid, nullptr, "logistic sigmoid 1 / (1 + exp(-Z)), overflow-free",
     "dZ = dA * A * (1 - A)"},
    {"tanh", Activation::tanh, nullptr, "hyperbolic tangent", "dZ = dA * (1 - A**2)"},
    {"relu", Activation::relu, nullptr, "max(Z, 0)", "dZ = dA where Z > 0, else 0 (relu'(0) = 0)"},
    {"leaky_relu", Activation::leaky_relu, &kLeakyReluAlpha,
     "leaky ReLU: Z where Z >= 0, alpha * Z below", "dZ = dA where Z > 0, alpha * dA elsewhere"},
    {"elu", Activation::elu, &kEluAlpha, "ELU: Z where Z >= 0, alpha * (exp(Z) - 1) below",
     "dZ = dA where Z > 0, dA * alpha * exp(Z) elsewhere"},
    {"softplus", Activation::softplus, nullptr, "log(1 + exp(Z)), overflow-free",
     "dZ = dA * sigmoid(Z)"},
    {"softmax", Activation::softmax, nullptr, "row-wise softmax: each row of A sums to 1",
     "dZ = A * (dA - sum(dA * A, row))"},
    {"gelu", Activation::gelu, nullptr, "GELU, exact: Z * Phi(Z) = Z / 2 * (1 + erf(Z / sqrt(2)))",
     "dZ = dA * (Phi(Z) + Z * phi(Z)), phi the standard normal density"},
    {"gelu_tanh", Activation::gelu_tanh, nullptr,
     "GELU, tanh approximation: Z / 2 * (1 + tanh(sqrt(2 / pi) * (Z + 0.044715 Z**3)))",
     "dZ = dA * the derivative of that expression"},
    {"swish", Activation::swish, nullptr, "swish (SiLU): Z * sigmoid(Z)",
     "dZ = dA * sigmoid(Z) * (1 + Z * (1 - sigmoid(Z)))", "silu"},
    {"selu", Activation::selu, nullptr,
     "SELU: scale * Z where Z > 0, scale * alpha * (exp(Z) - 1) elsewhere (alpha "
     "1.6732632423543772, scale 1.0507009873554805)",
     "dZ = dA * scale where Z > 0, dA * scale * alpha * exp(Z) elsewhere"},
    {"hard_sigmoid", Activation::hard_sigmoid, nullptr,
     "hard sigmoid, as Keras 3: relu6(Z + 3) / 6 = clip(Z / 6 + 1/2, 0, 1)",
     "dZ = dA / 6 where -3 < Z < 3, else 0"},
    {"mish", Activation::mish, nullptr, "mish: Z * tanh(softplus(Z))",
     "dZ = dA * (tanh(softplus(Z)) + Z * (1 - tanh(softplus(Z))**2) * sigmoid(Z))"},
};

constexpr const ActivationInfo& activation_info(Activation id) {
  for (const ActivationInfo& a : kActivations) {
    if (a.id == id) return a;
  }
  return kActivations[0];  // unreachable: every Activation has a row (activations.cpp checks)
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

// GELU (exact, and Keras' and PyTorch's tanh approximation), swish (SiLU), SELU (its constants
// fixed, as Keras and PyTorch), hard sigmoid (Keras 3's relu6(z + 3) / 6; its derivative is 0
// at the kinks -3 and 3) and mish.
template <typename T>
void gelu_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void gelu_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);
template <typename T>
void gelu_tanh_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void gelu_tanh_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);
template <typename T>
void swish_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void swish_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);
template <typename T>
void selu_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void selu_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);
template <typename T>
void hard_sigmoid_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void hard_sigmoid_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);
template <typename T>
void mish_forward(T* A, const T* Z, Index rows, Index cols);
template <typename T>
void mish_backward(T* dZ, const T* Z, const T* A, const T* dA, Index rows, Index cols);

// One entry point for code that holds the activation as data (the bindings, the network).
// alpha is read by leaky_relu and elu only.
template <typename T>
void activation_forward(Activation act, T* A, const T* Z, Index rows, Index cols, T alpha);
template <typename T>
void activation_backward(Activation act, T* dZ, const T* Z, const T* A, const T* dA, Index rows,
                         Index cols, T alpha);

}  // namespace fastnn
