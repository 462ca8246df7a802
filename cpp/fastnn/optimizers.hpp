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
#pragma once

#include <cstdint>

#include "fastnn/common.hpp"

namespace fastnn {

// The state before the first update: zeros, except adagrad's sum, which starts at
// cfg.initial_accumulator_value. state holds optimizer_state_slots(cfg.kind) * n values.
template <typename T>
void optimizer_init_state(const OptimizerConfig& cfg, T* state, Index n);

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
