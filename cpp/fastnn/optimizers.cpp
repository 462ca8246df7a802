#include "fastnn/optimizers.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <cmath>

#include "fastnn/config.hpp"

// This file is compiled with -ffp-contract=off (CMakeLists.txt). Each formula below is PyTorch's
// sequence of tensor ops, each rounded on its own; a fused multiply-add would round once where
// PyTorch (and the NumPy twin) round twice, and in centered RMSprop with rho = 0 it turns
// square_avg - grad_avg^2, exactly 0, into minus the rounding error of g^2: sqrt of that is NaN.

namespace fastnn {

namespace {
// NaN wins, as torch.maximum and numpy.maximum: std::max would keep the old value.
template <typename T>
inline T nan_max(T a, T b) {
  return (std::isnan(b) || b > a) ? b : a;
}

// Adam and AdamW differ only in where the weight decay goes. The flags are template
// parameters, as in sgd_loop, so that the loop vectorizes.
template <typename T, bool decoupled, bool l2, bool amsgrad>
void adam_loop(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, Index n,
               double learning_rate, double beta_1, double beta_2, double eps, double weight_decay,
               std::int64_t step) {
  // The bias corrections in double, as PyTorch forms them from Python floats; then rounded
  // to T once. beta^step underflows to 0 for large steps: the correction is then 1, exactly.
  const double bias_correction1 = 1.0 - std::pow(beta_1, double(step));
  const double bias_correction2 = 1.0 - std::pow(beta_2, double(step));
  const T step_size = T(learning_rate / bias_correction1);
  const T bias_correction2_sqrt = T(std::sqrt(bias_correction2));
  const T b1 = T(beta_1), one_minus_b1 = T(1.0 - beta_1);
  const T b2 = T(beta_2), one_minus_b2 = T(1.0 - beta_2);
  const T e = T(eps), wd = T(weight_decay), decay = T(1.0 - learning_rate * weight_decay);
  for (Index i = 0; i < n; ++i) {
    T g = grad[i];
    T p = param[i];
    if constexpr (decoupled) p *= decay;
    if constexpr (l2) g += wd * p;
    const T m = exp_avg[i] * b1 + one_minus_b1 * g;
    const T v = exp_avg_sq[i] * b2 + one_minus_b2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    T v_used = v;
    if constexpr (amsgrad) {
      v_used = nan_max(max_exp_avg_sq[i], v);
      max_exp_avg_sq[i] = v_used;
    }
    const T denom = std::sqrt(v_used) / bias_correction2_sqrt + e;
    param[i] = p - step_size * m / denom;
  }
}

template <typename T>
void adam_like(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, Index n,
               double learning_rate, double beta_1, double beta_2, double eps, bool amsgrad,
               double weight_decay, bool decoupled, std::int64_t step) {
  const bool l2 = !decoupled && weight_decay != 0;
  auto loop =
      decoupled ? (amsgrad ? &adam_loop<T, true, false, true> : &adam_loop<T, true, false, false>)
      : l2 ? (amsgrad ? &adam_loop<T, false, true, true> : &adam_loop<T, false, true, false>)
           : (amsgrad ? &adam_loop<T, false, false, true> : &adam_loop<T, false, false, false>);
  loop(param, exp_avg, exp_avg_sq, max_exp_avg_sq, grad, n, learning_rate, beta_1, beta_2, eps,
       weight_decay, step);
}
}  // namespace

template <typename T>
void optimizer_update_range(const OptimizerConfig& cfg, T* param, const T* grad, T* state, Index n,
                            Index lo, Index hi, std::int64_t step) {
  T* p = param + lo;
  const T* g = grad + lo;
  T* s0 = state + lo;
  T* s1 = state + n + lo;
  T* s2 = state + 2 * n + lo;
  const Index m = hi - lo;
  switch (cfg.kind) {
    case OptimizerKind::sgd:
      return sgd_update(p, s0, g, m, cfg.learning_rate, cfg.momentum, cfg.nesterov,
                        cfg.weight_decay, step);
    case OptimizerKind::adagrad:
      return adagrad_update(p, s0, g, m, cfg.learning_rate, cfg.eps, cfg.weight_decay, step);
    case OptimizerKind::adadelta:
      return adadelta_update(p, s0, s1, g, m, cfg.learning_rate, cfg.rho, cfg.eps, cfg.weight_decay,
                             step);
    case OptimizerKind::rmsprop:
      return rmsprop_update(p, s0, s1, s2, g, m, cfg.learning_rate, cfg.rho, cfg.eps, cfg.momentum,
                            cfg.centered, cfg.weight_decay, step);
    case OptimizerKind::adam:
      return adam_update(p, s0, s1, s2, g, m, cfg.learning_rate, cfg.beta_1, cfg.beta_2, cfg.eps,
                         cfg.amsgrad, cfg.weight_decay, step);
    case OptimizerKind::adamw:
      return adamw_update(p, s0, s1, s2, g, m, cfg.learning_rate, cfg.beta_1, cfg.beta_2, cfg.eps,
                          cfg.amsgrad, cfg.weight_decay, step);
  }
}

template <typename T>
void optimizer_update(const OptimizerConfig& cfg, T* param, const T* grad, T* state, Index n,
                      std::int64_t step) {
  // Large parameters are split between threads with bit-identical results (the update streams
  // through three to five arrays, and one core alone cannot keep the memory bus busy).
  constexpr Index kParallelUpdate = Index(1) << 16;
  if (n < kParallelUpdate) return optimizer_update_range(cfg, param, grad, state, n, 0, n, step);
  for_each_share(n, get_num_threads(), [&](Index lo, Index hi) {
    optimizer_update_range(cfg, param, grad, state, n, lo, hi, step);
  });
}

namespace {
// The flags as template parameters, so that each loop has no branch and vectorizes (GCC 12
// leaves a loop with run-time flag branches scalar).
template <typename T, bool decay, bool with_momentum, bool nesterov>
void sgd_loop(T* param, T* momentum_buffer, const T* grad, Index n, T lr, T mu, T wd, bool first) {
  for (Index i = 0; i < n; ++i) {
    T g = grad[i];
    if constexpr (decay) g += wd * param[i];
    if constexpr (with_momentum) {
      const T buf = first ? g : momentum_buffer[i] * mu + g;
      momentum_buffer[i] = buf;
      g = nesterov ? g + mu * buf : buf;
    }
    param[i] -= lr * g;
  }
}
}  // namespace

template <typename T>
void sgd_update(T* param, T* momentum_buffer, const T* grad, Index n, double learning_rate,
                double momentum, bool nesterov, double weight_decay, std::int64_t step) {
  const T lr = T(learning_rate), mu = T(momentum), wd = T(weight_decay);
  // PyTorch creates the buffer from the first gradient it sees, so the first step is a
  // plain gradient step rather than one damped by a zero buffer.
  const bool first = step == 1;
  const bool decay = weight_decay != 0;
  auto loop =
      momentum == 0 ? (decay ? &sgd_loop<T, true, false, false> : &sgd_loop<T, false, false, false>)
      : nesterov    ? (decay ? &sgd_loop<T, true, true, true> : &sgd_loop<T, false, true, true>)
                    : (decay ? &sgd_loop<T, true, true, false> : &sgd_loop<T, false, true, false>);
  loop(param, momentum_buffer, grad, n, lr, mu, wd, first);
}

template <typename T>
void adagrad_update(T* param, T* state_sum, const T* grad, Index n, double learning_rate,
                    double eps, double weight_decay, std::int64_t) {
  // PyTorch's clr = lr / (1 + (step - 1) lr_decay) is lr itself without lr_decay, so step is
  // not needed.
  const T lr = T(learning_rate), e = T(eps), wd = T(weight_decay);
  for (Index i = 0; i < n; ++i) {
    T g = grad[i];
    if (weight_decay != 0) g += wd * param[i];
    const T sum = state_sum[i] + g * g;
    state_sum[i] = sum;
    param[i] -= lr * g / (std::sqrt(sum) + e);
  }
}

template <typename T>
void adadelta_update(T* param, T* square_avg, T* acc_delta, const T* grad, Index n,
                     double learning_rate, double rho, double eps, double weight_decay,
                     std::int64_t) {
  const T lr = T(learning_rate), r = T(rho), one_minus_r = T(1.0 - rho), e = T(eps);
  const T wd = T(weight_decay);
  for (Index i = 0; i < n; ++i) {
    T g = grad[i];
    if (weight_decay != 0) g += wd * param[i];
    const T s = square_avg[i] * r + one_minus_r * g * g;
    square_avg[i] = s;
    // The ratio of the two RMS values gives the step its units; acc_delta is the one of the
    // previous steps, so it is read before it is updated.
    const T delta = std::sqrt(acc_delta[i] + e) / std::sqrt(s + e) * g;
    acc_delta[i] = acc_delta[i] * r + one_minus_r * delta * delta;
    param[i] -= lr * delta;
  }
}

namespace {
// The flags as template parameters: with three run-time branches in the loop GCC 12 leaves
// it scalar; with these two fixed it vectorizes.
template <typename T, bool centered, bool with_momentum>
void rmsprop_loop(T* param, T* square_avg, T* momentum_buffer, T* grad_avg, const T* grad, Index n,
                  double learning_rate, double rho, double eps, double momentum,
                  double weight_decay) {
  const T lr = T(learning_rate), a = T(rho), one_minus_a = T(1.0 - rho), e = T(eps);
  const T mu = T(momentum), wd = T(weight_decay);
  for (Index i = 0; i < n; ++i) {
    T g = grad[i];
    if (weight_decay != 0) g += wd * param[i];
    const T s = square_avg[i] * a + one_minus_a * g * g;
    square_avg[i] = s;
    T avg;
    if constexpr (centered) {
      // s - ga^2 estimates the gradient's variance rather than its raw second moment.
      const T ga = grad_avg[i] * a + one_minus_a * g;
      grad_avg[i] = ga;
      avg = std::sqrt(s - ga * ga) + e;
    } else {
      avg = std::sqrt(s) + e;
    }
    if constexpr (with_momentum) {
      const T buf = momentum_buffer[i] * mu + g / avg;
      momentum_buffer[i] = buf;
      param[i] -= lr * buf;
    } else {
      param[i] -= lr * g / avg;
    }
  }
}
}  // namespace

template <typename T>
void rmsprop_update(T* param, T* square_avg, T* momentum_buffer, T* grad_avg, const T* grad,
                    Index n, double learning_rate, double rho, double eps, double momentum,
                    bool centered, double weight_decay, std::int64_t) {
  auto loop = centered
                  ? (momentum > 0 ? &rmsprop_loop<T, true, true> : &rmsprop_loop<T, true, false>)
                  : (momentum > 0 ? &rmsprop_loop<T, false, true> : &rmsprop_loop<T, false, false>);
  loop(param, square_avg, momentum_buffer, grad_avg, grad, n, learning_rate, rho, eps, momentum,
       weight_decay);
}

template <typename T>
void adam_update(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, Index n,
                 double learning_rate, double beta_1, double beta_2, double eps, bool amsgrad,
                 double weight_decay, std::int64_t step) {
  adam_like(param, exp_avg, exp_avg_sq, max_exp_avg_sq, grad, n, learning_rate, beta_1, beta_2, eps,
            amsgrad, weight_decay, false, step);
}

template <typename T>
void adamw_update(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, Index n,
                  double learning_rate, double beta_1, double beta_2, double eps, bool amsgrad,
                  double weight_decay, std::int64_t step) {
  adam_like(param, exp_avg, exp_avg_sq, max_exp_avg_sq, grad, n, learning_rate, beta_1, beta_2, eps,
            amsgrad, weight_decay, true, step);
}

namespace {
template <typename T>
double squared_norm(const T* g, Index n) {
  double sum = 0;
  for (Index i = 0; i < n; ++i) sum += double(g[i]) * double(g[i]);
  return sum;
}

template <typename T>
void scale(T* g, Index n, T factor) {
  for (Index i = 0; i < n; ++i) g[i] *= factor;
}
}  // namespace

template <typename T>
void clip_gradients(double clipnorm, double clipvalue, double global_clipnorm, T* const* grads,
                    const Index* sizes, Index count) {
  if (clipnorm > 0) {
    for (Index k = 0; k < count; ++k) {
      const double norm = std::sqrt(squared_norm(grads[k], sizes[k]));
      if (norm > clipnorm) scale(grads[k], sizes[k], T(clipnorm / norm));
    }
  } else if (global_clipnorm > 0) {
    double sum = 0;
    for (Index k = 0; k < count; ++k) sum += squared_norm(grads[k], sizes[k]);
    const double norm = std::sqrt(sum);
    if (norm > global_clipnorm) {
      for (Index k = 0; k < count; ++k) scale(grads[k], sizes[k], T(global_clipnorm / norm));
    }
  } else if (clipvalue > 0) {
    const T v = T(clipvalue);
    for (Index k = 0; k < count; ++k) {
      T* g = grads[k];
      for (Index i = 0; i < sizes[k]; ++i) g[i] = g[i] > v ? v : (g[i] < -v ? -v : g[i]);
    }
  }
}

#define FASTNN_INSTANTIATE(T)                                                                      \
  template void optimizer_update<T>(const OptimizerConfig&, T*, const T*, T*, Index,               \
                                    std::int64_t);                                                 \
  template void optimizer_update_range<T>(const OptimizerConfig&, T*, const T*, T*, Index, Index,  \
                                          Index, std::int64_t);                                    \
  template void sgd_update<T>(T*, T*, const T*, Index, double, double, bool, double,               \
                              std::int64_t);                                                       \
  template void adagrad_update<T>(T*, T*, const T*, Index, double, double, double, std::int64_t);  \
  template void adadelta_update<T>(T*, T*, T*, const T*, Index, double, double, double, double,    \
                                   std::int64_t);                                                  \
  template void rmsprop_update<T>(T*, T*, T*, T*, const T*, Index, double, double, double, double, \
                                  bool, double, std::int64_t);                                     \
  template void adam_update<T>(T*, T*, T*, T*, const T*, Index, double, double, double, double,    \
                               bool, double, std::int64_t);                                        \
  template void adamw_update<T>(T*, T*, T*, T*, const T*, Index, double, double, double, double,   \
                                bool, double, std::int64_t);                                       \
  template void clip_gradients<T>(double, double, double, T* const*, const Index*, Index);
FASTNN_INSTANTIATE(float)
FASTNN_INSTANTIATE(double)
#undef FASTNN_INSTANTIATE

}  // namespace fastnn
