// A stack of dense layers and its fused training loop.
//
// Network<T> holds pointers to the caller's weights, biases and optimizer state (NumPy arrays
// that Python owns) and its own workspaces, sized once for the largest batch. train() runs a
// range of batches of one epoch: batch order, gather, forward, loss, backward, regularization
// and optimizer update, with no allocation and no return to Python between batches.
#pragma once

#include <cstdint>
#include <vector>

#include "fastnn/activations.hpp"
#include "fastnn/common.hpp"
#include "fastnn/kernel_table.hpp"
#include "fastnn/optimizers.hpp"

namespace fastnn {

// A workspace starts on a packet boundary. Where a destination is not aligned, Eigen peels its
// head (or each row's) off into scalar code whose sums round differently from its packet code
// (a plain sum instead of a pairwise one, a*b + c instead of an FMA), so a workspace at
// malloc's 16-byte alignment would make the results depend on where it happened to land:
// not the same from one run to the next.
template <typename T>
using Workspace = std::vector<T, Eigen::aligned_allocator<T>>;

template <typename T>
class Network final : public NetworkApi<T> {
 public:
  Network(std::vector<LayerSpec> layers, LossKind loss, const OptimizerConfig& optimizer,
          Parameters<T> params, Index max_batch);

  // Batches [first_batch, last_batch) of epoch `epoch` over n samples. Targets are either Y
  // (n, outputs) or, for the sparse loss, labels (n,). X and Y are read where they lie: a
  // shuffled batch is gathered row by row into a workspace, an unshuffled one is used in place.
  // step is the optimizer's update count, incremented per batch. metrics false leaves the
  // accuracy and error sums at 0 (and saves their work).
  Sums train(const T* X, const T* Y, const std::int64_t* labels, Index n, Index batch_size,
             bool shuffle, std::uint64_t seed, std::uint64_t epoch, Index first_batch,
             Index last_batch, double learning_rate, std::int64_t* step,
             bool metrics = true) override;

  // Loss (with the regularization penalty) and metrics over n samples, no update.
  Sums evaluate(const T* X, const T* Y, const std::int64_t* labels, Index n) override;

  // out (n, outputs) = the network's output (probabilities for sigmoid/softmax outputs).
  void predict(T* out, const T* X, Index n) override;

  Index outputs() const override { return layers_.back().out; }
  Index inputs() const override { return layers_.front().in; }

 private:
  // output_activation false leaves A of a fused output layer uncomputed: training reads only
  // its logits, unless metrics are wanted.
  void forward(const T* Xb, Index rows, bool output_activation = true);
  // Output loss and metrics for the batch; fills dZ of the last layer when `backprop`.
  double output_loss(const T* Tb, Index rows, bool backprop, bool metrics, Sums& sums);
  void backward(const T* Xb, Index rows);
  double regularization(bool add_gradient);
  const T* targets_for(const T* Y, const std::int64_t* labels, const Index* order, Index start,
                       Index rows);

  std::vector<LayerSpec> layers_;
  LossKind loss_;
  OptimizerConfig optimizer_;
  Parameters<T> params_;
  Index max_batch_;
  bool fused_output_;  // the output activation is folded into the loss's kernel

  std::vector<Workspace<T>> Z_, A_, dZ_, dW_, db_;
  Workspace<T> dA_, Xb_, Tb_;
  std::vector<Index> order_;
  std::uint64_t order_epoch_ = ~std::uint64_t(0), order_seed_ = 0;
};

}  // namespace fastnn
