// The core's vocabulary without Eigen: sizes, the names of activations, losses and optimizers,
// and the plain structs that cross from the bindings into a level of the core.
//
// The bindings are compiled once, for the baseline instruction set, and reach the core only
// through kernel_table.hpp; so nothing here may include Eigen or any header whose inline code
// depends on the instruction set the core is built for.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace fastnn {

using Index = std::ptrdiff_t;

// ---- tables ----------------------------------------------------------------------------

// A concept's facts live in one table next to its kernels (activations.hpp, losses.hpp,
// optimizers.hpp, perceptron.hpp): one row per activation, loss or optimizer, and one
// Parameter row per argument it takes. The bindings check arguments by these rows and export
// them (fastnn._core.ACTIVATIONS, ...); fastnn.reference and the Python classes read them from
// there, so a default or a range is written once.
enum class ParamType { real, flag, integer };

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kRequired = std::numeric_limits<double>::quiet_NaN();  // no default

struct Parameter {
  const char* name;  // as Python spells it
  ParamType type;
  double default_value;  // kRequired: the caller must give it
  double low, high;      // the valid range (real and integer), with its ends open or closed
  bool low_open, high_open;
  const char* doc;
  // A flag that is true only when this other (real) parameter is > 0 (nesterov needs momentum).
  const char* needs_positive = nullptr;
};

constexpr Parameter real_param(const char* name, double default_value, double low, double high,
                               bool low_open, bool high_open, const char* doc) {
  return {name, ParamType::real, default_value, low, high, low_open, high_open, doc};
}
constexpr Parameter flag_param(const char* name, bool default_value, const char* doc,
                               const char* needs_positive = nullptr) {
  return {name, ParamType::flag, default_value ? 1.0 : 0.0, 0, 1, false, false,
          doc,  needs_positive};
}
// An integer in [low, high] (or [low, high) when high_open: 2**64 is a double, 2**64 - 1 not).
constexpr Parameter int_param(const char* name, double default_value, double low, double high,
                              bool high_open, const char* doc) {
  return {name, ParamType::integer, default_value, low, high, false, high_open, doc};
}

// Whether `value` is a valid value of `p` (NaN never is; a real must also be finite).
inline bool in_range(const Parameter& p, double value) {
  if (p.type == ParamType::flag) return value == 0 || value == 1;
  if (std::isnan(value) || (p.type == ParamType::real && !std::isfinite(value))) return false;
  const bool above = p.low_open ? value > p.low : value >= p.low;
  const bool below = p.high_open ? value < p.high : value <= p.high;
  return above && below;
}

// The range as a message says it: "in [0, 1)", ">= 0", "> 0".
inline std::string range_text(const Parameter& p) {
  auto num = [](double v) {
    if (v == std::ldexp(1.0, 64)) return std::string("2**64");
    if (v == std::ldexp(1.0, 63)) return std::string("2**63");
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  if (p.type == ParamType::flag) return "True or False";
  const std::string low = num(p.low);
  if (p.high == kInf) return std::string(p.low_open ? "> " : ">= ") + low;
  return std::string("in ") + (p.low_open ? "(" : "[") + low + ", " + num(p.high) +
         (p.high_open ? ")" : "]");
}

template <std::size_t N>
constexpr const Parameter* find_param(const Parameter (&rows)[N], std::string_view name) {
  for (const Parameter& p : rows) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

// ---- activations -----------------------------------------------------------------------

// The table of activations (names, formulas, parameters) is kActivations in activations.hpp.
enum class Activation {
  step,
  linear,
  sigmoid,
  tanh,
  relu,
  leaky_relu,
  elu,
  softplus,
  softmax,
  gelu,
  gelu_tanh,
  swish,
  selu,
  hard_sigmoid,
  mish  // the last: activations.cpp checks the table has a row for each
};

// ---- optimizers ------------------------------------------------------------------------

// The table of optimizers (hyper-parameters, defaults, ranges, state slots) is kOptimizers in
// optimizers.hpp; optimizer_config() there fills a config from it.
enum class OptimizerKind { sgd, adagrad, adadelta, rmsprop, adam, adamw };

// Every field a kind reads is set from its table row (the defaults here are never used as
// hyper-parameter defaults: they only make a config that no row filled well defined).
struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::sgd;
  double learning_rate = 0;
  double momentum = 0;            // sgd, rmsprop
  bool nesterov = false;          // sgd
  double rho = 0;                 // adadelta; rmsprop's smoothing (PyTorch calls it alpha)
  double beta_1 = 0, beta_2 = 0;  // adam, adamw
  double eps = 0;
  bool centered = false;    // rmsprop
  bool amsgrad = false;     // adam, adamw
  double weight_decay = 0;  // added to the gradient; decoupled (p *= 1 - lr*wd) for adamw
  double initial_accumulator_value = 0;  // adagrad
  // Gradient clipping before the update, Keras' (kClipParameters in optimizers.hpp; 0: off; at
  // most one of the three is set).
  double clipnorm = 0, clipvalue = 0, global_clipnorm = 0;
};

// ---- network ---------------------------------------------------------------------------

// The four loss kernel pairs of losses.hpp (their table is kLossKernels there).
enum class LossKernel {
  mse,
  binary_crossentropy,
  sigmoid_binary_crossentropy,
  softmax_crossentropy,
  huber,
  mae,
  hinge,
  kl_divergence
};
constexpr int kLossKernelCount = 8;

// The loss the network is trained on (its table is kLosses in losses.hpp). With a sigmoid output,
// binary_crossentropy runs through the fused sigmoid_binary_crossentropy kernel on the logits; the
// two categorical losses need a softmax output and run through softmax_crossentropy on the logits.
// The sparse one takes integer class labels instead of one-hot rows.
enum class LossKind {
  mse,
  binary_crossentropy,
  categorical_crossentropy,
  sparse_categorical_crossentropy,
  huber,
  mae,
  hinge,
  kl_divergence
};

struct LayerSpec {
  Index in = 0, out = 0;
  Activation activation = Activation::linear;
  double alpha = 0.0;  // leaky_relu's slope, elu's scale
  bool use_bias = true;
  double l1 = 0.0, l2 = 0.0;  // kernel regularization: l1 sum|W| + l2 sum W^2 added to the loss
  // What follows the activation, in this order (dropout.hpp and batch_norm.hpp have their
  // tables): Keras' BatchNormalization, an activation of the normalized values (Keras'
  // Activation layer after the normalization: linear is none), then inverted dropout of rate
  // `dropout` (in training only), its masks drawn from stream `dropout_stream` of the seed.
  bool batch_norm = false;
  double bn_momentum = 0.99, bn_epsilon = 1e-3;
  bool bn_center = true, bn_scale = true;
  Activation norm_activation = Activation::linear;
  double norm_alpha = 0.0;
  double dropout = 0.0;
  std::uint64_t dropout_stream = 0;
  // The first layer only: dropout of the network's inputs (Keras' Dropout before the first
  // Dense layer), in training.
  double input_dropout = 0.0;
  std::uint64_t input_dropout_stream = 0;
};

// Where the parameters live: per layer W (in, out), b (out,) or null, and their optimizer state
// (optimizer_state_slots(kind) arrays of the parameter's size, one after another).
// A layer with batch normalization also has gamma (out,) (null without scale), beta (out,) (null
// without center), their optimizer states, and its moving mean and variance (out,); all null
// for a layer without.
template <typename T>
struct Parameters {
  std::vector<T*> weights, biases, weight_states, bias_states;
  std::vector<T*> gammas, betas, gamma_states, beta_states, moving_means, moving_variances;
};

// What a network counts beyond its usual metric sums, for the metrics compiled (a network's
// whole life): top-k hits when top_k > 0, AUC's histograms of a one-output network when auc.
struct MetricOptions {
  Index top_k = 0;
  bool auc = false;
};

// Sums over the samples seen by one call; the caller divides. Losses are per-sample means
// weighted by batch rows, so that sums over chunks of an epoch add up.
struct Sums {
  double loss = 0;            // data loss, sum over batches of batch mean * rows
  double regularization = 0;  // penalty, sum over batches of penalty * rows
  double samples = 0;
  double correct = 0, judged = 0;  // accuracy = correct / judged
  // Outputs thresholded at 0.5 against targets > 0.5: precision tp / (tp + fp), recall
  // tp / (tp + fn).
  double true_positives = 0, false_positives = 0, false_negatives = 0;
  double abs_error = 0, squared_error = 0, elements = 0;  // on the output probabilities
  bool finite = true;  // false: a batch's loss was NaN or inf, and training stopped there
  Index batches = 0;
  // Whatever the loss: rows whose output's argmax is the target's (categorical accuracy),
  // elements with output and target on one side of 0.5 (binary accuracy), and rows whose
  // target class (its argmax) has fewer than top_k outputs above its own (top-k accuracy, ties
  // counted in as tf.math.in_top_k does; 0 unless the network was made with a top_k).
  double argmax_correct = 0, threshold_correct = 0, top_k_correct = 0;
  // AUC of a one-output network, Keras' way (200 thresholds i / 199): each output p counted in
  // bucket max(ceil(p * 199) - 1, 0) of the positives (target > 0.5) or of the negatives. The
  // samples above threshold i are those of buckets i and up. Plain arrays: no allocation.
  // Zero unless the network was made with MetricOptions::auc.
  static constexpr int kAucThresholds = 200;
  double auc_positives[kAucThresholds] = {}, auc_negatives[kAucThresholds] = {};

  // Adds o's metric counts (not the loss, samples or batches) to these.
  void add_metrics(const Sums& o) {
    correct += o.correct;
    judged += o.judged;
    true_positives += o.true_positives;
    false_positives += o.false_positives;
    false_negatives += o.false_negatives;
    abs_error += o.abs_error;
    squared_error += o.squared_error;
    elements += o.elements;
    argmax_correct += o.argmax_correct;
    threshold_correct += o.threshold_correct;
    top_k_correct += o.top_k_correct;
    for (int i = 0; i < kAucThresholds; ++i) {
      auc_positives[i] += o.auc_positives[i];
      auc_negatives[i] += o.auc_negatives[i];
    }
  }
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
