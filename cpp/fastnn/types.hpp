// The core's vocabulary without Eigen: sizes, the names of activations, losses and optimizers,
// and the plain structs that cross from the bindings into a level of the core.
//
// The bindings are compiled once, for the baseline instruction set, and reach the core only
// through kernel_table.hpp; so nothing here may include Eigen or any header whose inline code
// depends on the instruction set the core is built for.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace fastnn {

using Index = std::ptrdiff_t;

// ---- activations -----------------------------------------------------------------------

enum class Activation { step, linear, sigmoid, tanh, relu, leaky_relu, elu, softplus, softmax };

// ---- optimizers ------------------------------------------------------------------------

enum class OptimizerKind { sgd, adagrad, adadelta, rmsprop, adam, adamw };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::sgd;
  double learning_rate = 0.01;
  double momentum = 0.0;                // sgd, rmsprop
  bool nesterov = false;                // sgd
  double rho = 0.9;                     // adadelta; rmsprop's smoothing (PyTorch calls it alpha)
  double beta_1 = 0.9, beta_2 = 0.999;  // adam, adamw
  double eps = 1e-8;
  bool centered = false;      // rmsprop
  bool amsgrad = false;       // adam, adamw
  double weight_decay = 0.0;  // added to the gradient; decoupled (p *= 1 - lr*wd) for adamw
  double initial_accumulator_value = 0.0;  // adagrad
};

// State arrays (each n values) the kind keeps, laid one after another in one buffer:
// sgd 1 (momentum_buffer), adagrad 1 (sum), adadelta 2 (square_avg, acc_delta),
// rmsprop 3 (square_avg, momentum_buffer, grad_avg), adam/adamw 3 (exp_avg, exp_avg_sq,
// max_exp_avg_sq). Every slot is kept whatever the flags, so the layout depends on the kind
// alone (an unused slot, e.g. max_exp_avg_sq without amsgrad, is never read or written).
inline int optimizer_state_slots(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd:
    case OptimizerKind::adagrad:
      return 1;
    case OptimizerKind::adadelta:
      return 2;
    case OptimizerKind::rmsprop:
    case OptimizerKind::adam:
    case OptimizerKind::adamw:
      return 3;
  }
  return 0;
}

// ---- network ---------------------------------------------------------------------------

// The loss the network is trained on. With a sigmoid output, binary_crossentropy runs through
// the fused sigmoid_binary_crossentropy kernel on the logits; the two categorical losses need a
// softmax output and run through softmax_crossentropy on the logits. The sparse one takes
// integer class labels instead of one-hot rows.
enum class LossKind {
  mse,
  binary_crossentropy,
  categorical_crossentropy,
  sparse_categorical_crossentropy
};

struct LayerSpec {
  Index in = 0, out = 0;
  Activation activation = Activation::linear;
  double alpha = 0.0;  // leaky_relu's slope, elu's scale
  bool use_bias = true;
  double l1 = 0.0, l2 = 0.0;  // kernel regularization: l1 sum|W| + l2 sum W^2 added to the loss
};

// Where the parameters live: per layer W (in, out), b (out,) or null, and their optimizer state
// (optimizer_state_slots(kind) arrays of the parameter's size, one after another).
template <typename T>
struct Parameters {
  std::vector<T*> weights, biases, weight_states, bias_states;
};

// Sums over the samples seen by one call; the caller divides. Losses are per-sample means
// weighted by batch rows, so that sums over chunks of an epoch add up.
struct Sums {
  double loss = 0;            // data loss, sum over batches of batch mean * rows
  double regularization = 0;  // penalty, sum over batches of penalty * rows
  double samples = 0;
  double correct = 0, judged = 0;                         // accuracy = correct / judged
  double abs_error = 0, squared_error = 0, elements = 0;  // on the output probabilities
  bool finite = true;  // false: a batch's loss was NaN or inf, and training stopped there
  Index batches = 0;
};

// ---- build -----------------------------------------------------------------------------

// What one build of the core was made with.
struct BuildInfo {
  std::string version;
  std::string level;  // the instruction-set level: v2, v3, v4, or generic off x86-64
  std::string compiler;
  std::string arch;  // the -march value, "" for the compiler's default
  std::string eigen_version;
  std::string simd;  // Eigen's SIMD instruction sets in use
  bool openmp;
};

}  // namespace fastnn
