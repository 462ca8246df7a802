// Optimizers: <name>_update(param, state..., grad, n, hyper-parameters, step) applies one
// update to n parameters in place, exactly as torch.optim's single-tensor (non-capturable,
// non-fused) implementation of the same name: same formulas, same defaults' meaning, same
// place for eps, same bias correction, same momentum-buffer start. docs/optimizers.md has the
// formulas.
//
// The buffers are flat: param, every state array and grad hold n values each, in the same
// order (any shape, C-contiguous). grad may be the gradient buffer the backward wrote; it is
// only read. step is the 1-based number of this update: 1 on the first call for a set of
// parameters. The hyper-parameters arrive as double and each quantity derived from them
// (1 - beta, lr / bias_correction, ...) is formed in double and rounded to T once, as PyTorch
// turns its Python floats into the tensor's dtype; the per-element work is all in T.
// Nothing here allocates.
//
// kOptimizers below is THE table of optimizers: each one's hyper-parameters with their
// defaults and ranges, and its state arrays. The bindings build their keyword arguments and
// check them by it and export it as fastnn._core.OPTIMIZERS; the optimizer classes and
// fastnn.reference read it from there. This header holds no Eigen.
#pragma once

#include <cstdint>
#include <string_view>

#include "fastnn/types.hpp"

namespace fastnn {

// Rows shared by several optimizers.
inline constexpr Parameter kWeightDecay = real_param(
    "weight_decay", 0.0, 0, kInf, false, false, "L2 penalty added to the gradient: g += wd * p");
inline constexpr Parameter kMomentum =
    real_param("momentum", 0.0, 0, 1, false, false, "the momentum factor");
inline constexpr Parameter kEps8 =
    real_param("eps", 1e-8, 0, kInf, true, false, "added to the denominator, for stability");

constexpr Parameter learning_rate_param(double default_value) {
  return real_param("learning_rate", default_value, 0, kInf, false, false,
                    "the step size (the classes also take a schedule)");
}

inline constexpr Parameter kSgdParameters[] = {
    learning_rate_param(0.01),
    kMomentum,
    flag_param("nesterov", false, "Nesterov momentum: step along g + momentum * buf", "momentum"),
    kWeightDecay,
};
inline constexpr Parameter kAdagradParameters[] = {
    learning_rate_param(0.01),
    real_param("initial_accumulator_value", 0.0, 0, kInf, false, false,
               "the sum of squares' starting value (read when the state is made)"),
    real_param("eps", 1e-10, 0, kInf, true, false, "added to the denominator, for stability"),
    kWeightDecay,
};
inline constexpr Parameter kAdadeltaParameters[] = {
    learning_rate_param(1.0),
    real_param("rho", 0.9, 0, 1, false, true, "the running averages' decay"),
    real_param("eps", 1e-6, 0, kInf, true, false, "inside both square roots"),
    kWeightDecay,
};
inline constexpr Parameter kRmspropParameters[] = {
    learning_rate_param(0.01),
    real_param("rho", 0.99, 0, 1, false, true, "the squared gradients' decay (PyTorch's alpha)"),
    kEps8,
    kMomentum,
    flag_param("centered", false,
               "divide by the gradient's estimated variance, not its mean square"),
    kWeightDecay,
};
inline constexpr Parameter kAdamParametersHead[] = {
    real_param("beta_1", 0.9, 0, 1, false, true, "the gradient average's decay"),
    real_param("beta_2", 0.999, 0, 1, false, true, "the squared gradient average's decay"),
    kEps8,
    flag_param("amsgrad", false, "use the largest squared-gradient average seen so far"),
};
inline constexpr Parameter kAdamParameters[] = {
    learning_rate_param(0.001), kAdamParametersHead[0], kAdamParametersHead[1],
    kAdamParametersHead[2],     kAdamParametersHead[3], kWeightDecay,
};
inline constexpr Parameter kAdamwParameters[] = {
    learning_rate_param(0.001),
    kAdamParametersHead[0],
    kAdamParametersHead[1],
    kAdamParametersHead[2],
    kAdamParametersHead[3],
    real_param("weight_decay", 0.01, 0, kInf, false, false,
               "decoupled weight decay: p *= 1 - lr * wd before the step"),
};

inline constexpr const char* kSgdState[] = {"momentum_buffer"};
inline constexpr const char* kAdagradState[] = {"state_sum"};
inline constexpr const char* kAdadeltaState[] = {"square_avg", "acc_delta"};
inline constexpr const char* kRmspropState[] = {"square_avg", "momentum_buffer", "grad_avg"};
inline constexpr const char* kAdamState[] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

// Gradient clipping, Keras' three kinds, taken by every optimizer; 0 is off, and at most one
// may be set. Applied to the gradients of one update (the penalty's gradient included) before
// the rule: clipnorm scales each parameter's gradient to norm <= clipnorm, global_clipnorm
// scales them all by one factor to a joint norm <= global_clipnorm, clipvalue clamps each value
// to [-clipvalue, clipvalue].
inline constexpr Parameter kClipParameters[] = {
    real_param("clipnorm", 0.0, 0, kInf, false, false,
               "each gradient's largest L2 norm (0: no clipping)"),
    real_param("clipvalue", 0.0, 0, kInf, false, false,
               "each gradient value's largest magnitude (0: no clipping)"),
    real_param("global_clipnorm", 0.0, 0, kInf, false, false,
               "the largest L2 norm of all gradients together (0: no clipping)"),
};

struct OptimizerInfo {
  const char* name;  // <name>_update, and the name a model compiles with
  OptimizerKind id;
  const char* class_name;  // in fastnn.optimizers
  // Its hyper-parameters, learning_rate first. The update kernels take every one but those
  // read only when the state is made (initial_accumulator_value) as keyword arguments, and
  // take learning_rate without a default; the classes take them all, with these defaults.
  const Parameter* parameters;
  std::size_t parameter_count;
  // The state arrays it keeps per parameter, each of the parameter's size, laid one after
  // another in one buffer. Every slot is kept whatever the flags, so the layout depends on
  // the kind alone (an unused slot, e.g. max_exp_avg_sq without amsgrad, is never touched).
  const char* const* state;
  int slots;
  const char* doc;
};

#define FASTNN_ROWS(a) a, std::size(a)
inline constexpr OptimizerInfo kOptimizers[] = {
    {"sgd", OptimizerKind::sgd, "SGD", FASTNN_ROWS(kSgdParameters), FASTNN_ROWS(kSgdState),
     "SGD as torch.optim.SGD (no dampening): g += weight_decay * param; with momentum, buf = g "
     "on step 1, else momentum * buf + g, and g = buf (nesterov: g + momentum * buf); param -= "
     "learning_rate * g"},
    {"adagrad", OptimizerKind::adagrad, "Adagrad", FASTNN_ROWS(kAdagradParameters),
     FASTNN_ROWS(kAdagradState),
     "Adagrad as torch.optim.Adagrad (lr_decay 0): state_sum += g**2; param -= learning_rate * "
     "g / (sqrt(state_sum) + eps)"},
    {"adadelta", OptimizerKind::adadelta, "Adadelta", FASTNN_ROWS(kAdadeltaParameters),
     FASTNN_ROWS(kAdadeltaState),
     "Adadelta as torch.optim.Adadelta: square_avg = rho * square_avg + (1 - rho) * g**2; "
     "delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g; acc_delta = rho * acc_delta "
     "+ (1 - rho) * delta**2; param -= learning_rate * delta"},
    {"rmsprop", OptimizerKind::rmsprop, "RMSprop", FASTNN_ROWS(kRmspropParameters),
     FASTNN_ROWS(kRmspropState),
     "RMSprop as torch.optim.RMSprop (rho is its alpha): square_avg = rho * square_avg + (1 - "
     "rho) * g**2; avg = sqrt(square_avg) + eps (centered: sqrt(square_avg - grad_avg**2) + "
     "eps, grad_avg the same average of g); with momentum, buf = momentum * buf + g / avg and "
     "param -= learning_rate * buf, else param -= learning_rate * g / avg"},
    {"adam", OptimizerKind::adam, "Adam", FASTNN_ROWS(kAdamParameters), FASTNN_ROWS(kAdamState),
     "Adam as torch.optim.Adam: g += weight_decay * param; exp_avg = beta_1 * exp_avg + (1 - "
     "beta_1) * g; exp_avg_sq = beta_2 * exp_avg_sq + (1 - beta_2) * g**2 (amsgrad: "
     "max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq), used below in its place); param -= "
     "learning_rate / (1 - beta_1**step) * exp_avg / (sqrt(exp_avg_sq) / sqrt(1 - beta_2**step) "
     "+ eps)"},
    {"adamw", OptimizerKind::adamw, "AdamW", FASTNN_ROWS(kAdamwParameters), FASTNN_ROWS(kAdamState),
     "AdamW as torch.optim.AdamW: param *= 1 - learning_rate * weight_decay (decoupled weight "
     "decay), then the Adam step without weight decay"},
};
#undef FASTNN_ROWS

constexpr const OptimizerInfo& optimizer_info(OptimizerKind id) {
  for (const OptimizerInfo& o : kOptimizers) {
    if (o.id == id) return o;
  }
  return kOptimizers[0];  // unreachable: every OptimizerKind has a row
}

// How many state arrays (each n values) the kind keeps.
constexpr int optimizer_state_slots(OptimizerKind kind) {
  return optimizer_info(kind).slots;
}

// Whether the update kernel takes this parameter (the rest are read when the state is made).
constexpr bool is_update_argument(const Parameter& p) {
  return std::string_view(p.name) != "initial_accumulator_value";
}

// Sets the config's field for the parameter `name` (a table name; flags as 0 or 1).
inline void set_hyperparameter(OptimizerConfig& c, std::string_view name, double value) {
  if (name == "learning_rate") c.learning_rate = value;
  if (name == "momentum") c.momentum = value;
  if (name == "nesterov") c.nesterov = value != 0;
  if (name == "rho") c.rho = value;
  if (name == "beta_1") c.beta_1 = value;
  if (name == "beta_2") c.beta_2 = value;
  if (name == "eps") c.eps = value;
  if (name == "centered") c.centered = value != 0;
  if (name == "amsgrad") c.amsgrad = value != 0;
  if (name == "weight_decay") c.weight_decay = value;
  if (name == "initial_accumulator_value") c.initial_accumulator_value = value;
  if (name == "clipnorm") c.clipnorm = value;
  if (name == "clipvalue") c.clipvalue = value;
  if (name == "global_clipnorm") c.global_clipnorm = value;
}

inline bool clips(const OptimizerConfig& c) {
  return c.clipnorm > 0 || c.clipvalue > 0 || c.global_clipnorm > 0;
}

// The `count` gradients grads[k] (sizes[k] values each) of one update, clipped in place by the
// config's clipnorm, global_clipnorm or clipvalue (kClipParameters). Norms are summed in double;
// a gradient is scaled only when its norm exceeds the limit, by limit / norm rounded to T once.
// A NaN gradient stays NaN.
template <typename T>
void clip_gradients(double clipnorm, double clipvalue, double global_clipnorm, T* const* grads,
                    const Index* sizes, Index count);

// One update of n parameters in place; step is the 1-based number of this update (1 on the
// first call). Dispatches to the <name>_update below, slot k of state at state + k * n.
template <typename T>
void optimizer_update(const OptimizerConfig& cfg, T* param, const T* grad, T* state, Index n,
                      std::int64_t step);

// The same update on the elements [lo, hi) of the n parameters only (slot k of state at
// state + k * n, as above). Every rule is elementwise, so ranges that cover [0, n) give
// bit-identical results to one whole update: threads may update ranges of their own.
template <typename T>
void optimizer_update_range(const OptimizerConfig& cfg, T* param, const T* grad, T* state, Index n,
                            Index lo, Index hi, std::int64_t step);

// SGD. With momentum the buffer starts as the first gradient (step 1: buf = g) and then
// buf = momentum buf + g (no dampening); nesterov steps along g + momentum buf. With
// momentum 0 the buffer is not touched.
template <typename T>
void sgd_update(T* param, T* momentum_buffer, const T* grad, Index n, double learning_rate,
                double momentum, bool nesterov, double weight_decay, std::int64_t step);

// Adagrad without learning-rate decay: sum += g^2, p -= lr g / (sqrt(sum) + eps).
template <typename T>
void adagrad_update(T* param, T* state_sum, const T* grad, Index n, double learning_rate,
                    double eps, double weight_decay, std::int64_t step);

// Adadelta: eps inside both square roots, the step scaled by learning_rate (PyTorch's lr).
template <typename T>
void adadelta_update(T* param, T* square_avg, T* acc_delta, const T* grad, Index n,
                     double learning_rate, double rho, double eps, double weight_decay,
                     std::int64_t step);

// RMSprop: eps outside the square root; rho is PyTorch's alpha. grad_avg is used when
// centered, momentum_buffer when momentum > 0 (it starts at zero).
template <typename T>
void rmsprop_update(T* param, T* square_avg, T* momentum_buffer, T* grad_avg, const T* grad,
                    Index n, double learning_rate, double rho, double eps, double momentum,
                    bool centered, double weight_decay, std::int64_t step);

// Adam with L2 weight decay added to the gradient; max_exp_avg_sq is used with amsgrad only.
template <typename T>
void adam_update(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, Index n,
                 double learning_rate, double beta_1, double beta_2, double eps, bool amsgrad,
                 double weight_decay, std::int64_t step);

// AdamW: p *= 1 - lr weight_decay (decoupled), then Adam without weight decay.
template <typename T>
void adamw_update(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, Index n,
                  double learning_rate, double beta_1, double beta_2, double eps, bool amsgrad,
                  double weight_decay, std::int64_t step);

}  // namespace fastnn
