// The table of one level's entry points (kernel_table.hpp): compiled into every level's shared
// library with that level's flags, like the rest of the core.
#include "fastnn/kernel_table.hpp"

#include "fastnn/activations.hpp"
#include "fastnn/batch_norm.hpp"
#include "fastnn/config.hpp"
#include "fastnn/dense.hpp"
#include "fastnn/dropout.hpp"
#include "fastnn/losses.hpp"
#include "fastnn/network.hpp"
#include "fastnn/optimizers.hpp"
#include "fastnn/perceptron.hpp"

namespace fastnn {
namespace {

template <typename T>
NetworkApi<T>* make_network(const std::vector<LayerSpec>& layers, LossKind loss,
                            const OptimizerConfig& optimizer, const Parameters<T>& params,
                            Index max_batch, const MetricOptions& metric_options) {
  return new Network<T>(layers, loss, optimizer, params, max_batch, metric_options);
}

template <typename T>
KernelsOf<T> kernels_of() {
  KernelsOf<T> k{};
  k.dense_forward = &dense_forward<T>;
  k.dense_backward = &dense_backward<T>;
  k.activation_forward = &activation_forward<T>;
  k.activation_backward = &activation_backward<T>;
  k.loss_forward = &loss_forward<T>;
  k.loss_backward = &loss_backward<T>;
  k.sgd_update = &sgd_update<T>;
  k.adagrad_update = &adagrad_update<T>;
  k.adadelta_update = &adadelta_update<T>;
  k.rmsprop_update = &rmsprop_update<T>;
  k.adam_update = &adam_update<T>;
  k.adamw_update = &adamw_update<T>;
  k.dropout_forward = &dropout_forward<T>;
  k.dropout_backward = &dropout_backward<T>;
  k.batch_norm_forward = &batch_norm_forward<T>;
  k.batch_norm_inference = &batch_norm_inference<T>;
  k.batch_norm_backward = &batch_norm_backward<T>;
  k.clip_gradients = &clip_gradients<T>;
  k.perceptron_epoch = &perceptron_epoch<T>;
  k.perceptron_fit = &perceptron_fit<T>;
  k.make_network = &make_network<T>;
  return k;
}

KernelTable make_table() {
  KernelTable t{};
  t.abi = kKernelTableAbi;
  t.size = sizeof(KernelTable);
  t.level = FASTNN_LEVEL_NAME;
  t.build_info = &build_info;
  t.set_num_threads = &set_num_threads;
  t.num_threads_setting = &num_threads_setting;
  t.get_num_threads = &get_num_threads;
  t.f32 = kernels_of<float>();
  t.f64 = kernels_of<double>();
  return t;
}

}  // namespace
}  // namespace fastnn

extern "C" __attribute__((visibility("default"))) const fastnn::KernelTable* fastnn_kernel_table() {
  static const fastnn::KernelTable table = fastnn::make_table();
  return &table;
}
