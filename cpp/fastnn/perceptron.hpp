// Rosenblatt's perceptron: one neuron with a Heaviside step, learned by its own rule rather
// than by gradient descent (the step's derivative is 0 wherever it exists).
//
// X is (n, d) row-major, y (n,) holds labels 0 or 1, w is (d,), b a single value. The
// prediction is y_hat = step(w.x + b): 1 where w.x + b > 0, else 0. On a mistake the rule
// moves the boundary towards the sample: w += lr (y - y_hat) x, b += lr (y - y_hat).
//
// Every sum runs left to right in T, and perceptron.cpp is compiled without contraction into
// fused multiply-adds, so that fastnn.reference repeats each decision bit for bit: one
// rounding apart at w.x + b = 0 would flip a prediction and send the runs apart.
#pragma once

#include <cstdint>

#include "fastnn/random.hpp"
#include "fastnn/types.hpp"

namespace fastnn {

// THE table of the perceptron's parameters: perceptron_fit/perceptron_epoch check by it, the
// Perceptron class and fastnn.reference read it (fastnn._core.PERCEPTRON). max_epochs is capped
// because the kernel keeps one mistake count per epoch: 10**6 of them take 8 MB.
inline constexpr Parameter kPerceptronParameters[] = {
    real_param("learning_rate", 1.0, 0, kInf, true, false, "the size of each correction"),
    int_param("max_epochs", 100, 1, 1e6, false, "stop after this many passes over the data"),
    flag_param("shuffle", true, "visit the samples in a new random order each epoch"),
    kSeed,
};

// One pass over the samples, in `order` (n indices into X; null visits 0..n-1). Updates w and
// b in place and returns the number of mistakes made during the pass.
template <typename T>
Index perceptron_epoch(T* w, T* b, const T* X, const T* y, const Index* order, Index n, Index d,
                       T learning_rate);

// Epochs of perceptron_epoch until one makes no mistake (converged) or max_epochs have run.
// w and b are not reset: the caller starts them (at zero, for the textbook rule). Epoch e
// (0-based) visits the samples in shuffle_indices(seed, e) when shuffle, else in order.
// errors_per_epoch has room for max_epochs counts; *epochs_run says how many were written.
template <typename T>
void perceptron_fit(T* w, T* b, Index* errors_per_epoch, Index* epochs_run, const T* X, const T* y,
                    Index n, Index d, T learning_rate, Index max_epochs, bool shuffle,
                    std::uint64_t seed);

}  // namespace fastnn
