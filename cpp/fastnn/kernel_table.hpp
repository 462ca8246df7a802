// The table of the core's entry points that one instruction-set level exports.
//
// The core is compiled once per level (x86-64-v2, -v3, -v4, or the compiler's default off
// x86-64), each build a shared library of its own with hidden visibility whose only exported
// symbol is fastnn_kernel_table(). The bindings, compiled once for the baseline, load the library
// the CPU can run (fastnn/_isa.py picks it) and call the core through this table: Eigen's
// templates built with different flags never meet in one shared object, so no inline function
// compiled for AVX2 can be picked for an older CPU. PyTorch's DispatchStub and PennyLane-
// Lightning's per-ISA kernel libraries work the same way.
//
// Everything that crosses is raw pointers, sizes and the plain structs of types.hpp, and this
// header includes no Eigen. A level library and the bindings come from one build (one compiler,
// one libstdc++), so std::vector and std::string may cross too; the ABI number guards against a
// stale library from another build.
#pragma once

#include <cstdint>

#include "fastnn/types.hpp"

namespace fastnn {

// Bump when KernelTable, KernelsOf or NetworkApi change shape.
constexpr int kKernelTableAbi = 9;

// The fused training loop (network.hpp), as the bindings hold it: Network<T> of the level that
// made it. See Network<T> for what each call does.
template <typename T>
class NetworkApi {
 public:
  virtual ~NetworkApi() = default;
  virtual Sums train(const T* X, const T* Y, const std::int64_t* labels, const T* sample_weight,
                     Index n, Index batch_size, bool shuffle, std::uint64_t seed,
                     std::uint64_t epoch, Index first_batch, Index last_batch, double learning_rate,
                     std::int64_t* step, bool metrics) = 0;
  virtual Sums evaluate(const T* X, const T* Y, const std::int64_t* labels, const T* sample_weight,
                        Index n) = 0;
  virtual void predict(T* out, const T* X, Index n) = 0;
  virtual int data_parallel_threads(Index batch_size) const = 0;
  virtual bool checkpoint() = 0;
  virtual void restore_checkpoint() = 0;
  virtual Index inputs() const = 0;
  virtual Index outputs() const = 0;
};

// The kernels of one dtype; each pointer is the function of the same name in the core's headers.
template <typename T>
struct KernelsOf {
  void (*dense_forward)(T* Z, const T* X, const T* W, const T* b, Index batch, Index in, Index out);
  void (*dense_backward)(T* dX, T* dW, T* db, const T* dZ, const T* X, const T* W, Index batch,
                         Index in, Index out);
  void (*activation_forward)(Activation act, T* A, const T* Z, Index rows, Index cols, T alpha);
  void (*activation_backward)(Activation act, T* dZ, const T* Z, const T* A, const T* dA,
                              Index rows, Index cols, T alpha);
  double (*loss_forward)(LossKernel k, const T* Y, const T* Tg, Index rows, Index cols);
  void (*loss_backward)(LossKernel k, T* dY, const T* Y, const T* Tg, Index rows, Index cols);
  void (*sgd_update)(T* param, T* momentum_buffer, const T* grad, Index n, double learning_rate,
                     double momentum, bool nesterov, double weight_decay, std::int64_t step);
  void (*adagrad_update)(T* param, T* state_sum, const T* grad, Index n, double learning_rate,
                         double eps, double weight_decay, std::int64_t step);
  void (*adadelta_update)(T* param, T* square_avg, T* acc_delta, const T* grad, Index n,
                          double learning_rate, double rho, double eps, double weight_decay,
                          std::int64_t step);
  void (*rmsprop_update)(T* param, T* square_avg, T* momentum_buffer, T* grad_avg, const T* grad,
                         Index n, double learning_rate, double rho, double eps, double momentum,
                         bool centered, double weight_decay, std::int64_t step);
  void (*adam_update)(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad,
                      Index n, double learning_rate, double beta_1, double beta_2, double eps,
                      bool amsgrad, double weight_decay, std::int64_t step);
  void (*adamw_update)(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad,
                       Index n, double learning_rate, double beta_1, double beta_2, double eps,
                       bool amsgrad, double weight_decay, std::int64_t step);
  void (*dropout_forward)(T* out, T* mask, const T* A, Index rows, Index cols, Index row0,
                          double rate, std::uint64_t key);
  void (*dropout_backward)(T* dA, const T* mask, const T* dout, Index n, double rate);
  void (*batch_norm_forward)(T* out, T* H, double* mean, double* inv_std, T* moving_mean,
                             T* moving_variance, const T* A, const T* gamma, const T* beta,
                             Index rows, Index cols, double momentum, double epsilon);
  void (*batch_norm_inference)(T* out, const T* A, const T* moving_mean, const T* moving_variance,
                               const T* gamma, const T* beta, Index rows, Index cols,
                               double epsilon);
  void (*batch_norm_backward)(T* dA, T* dgamma, T* dbeta, double* sums, const T* dout, const T* H,
                              const double* inv_std, const T* gamma, Index rows, Index cols);
  void (*clip_gradients)(double clipnorm, double clipvalue, double global_clipnorm, T* const* grads,
                         const Index* sizes, Index count);
  Index (*perceptron_epoch)(T* w, T* b, const T* X, const T* y, const Index* order, Index n,
                            Index d, T learning_rate);
  void (*perceptron_fit)(T* w, T* b, Index* errors_per_epoch, Index* epochs_run, const T* X,
                         const T* y, Index n, Index d, T learning_rate, Index max_epochs,
                         bool shuffle, std::uint64_t seed);
  // A new Network<T> (owned by the caller, deleted through NetworkApi's virtual destructor).
  NetworkApi<T>* (*make_network)(const std::vector<LayerSpec>& layers, LossKind loss,
                                 const OptimizerConfig& optimizer, const Parameters<T>& params,
                                 Index max_batch, const MetricOptions& metric_options);
};

struct KernelTable {
  int abi;            // kKernelTableAbi of the build that made the library
  std::size_t size;   // sizeof(KernelTable) there
  const char* level;  // "v2", "v3", "v4" or "generic"
  BuildInfo (*build_info)();
  // Threads (config.hpp): 0 follows OpenMP's own setting (OMP_NUM_THREADS, threadpoolctl).
  void (*set_num_threads)(int n);
  int (*num_threads_setting)();
  int (*get_num_threads)();
  KernelsOf<float> f32;
  KernelsOf<double> f64;
};

}  // namespace fastnn

// The one symbol a level's library exports (looked up with dlsym by the bindings).
extern "C" const fastnn::KernelTable* fastnn_kernel_table();
