// A stack of dense layers and its fused training loop.
//
// Network<T> holds pointers to the caller's weights, biases and optimizer state (NumPy arrays
// that Python owns) and its own workspaces, sized once for the largest batch. train() runs a
// range of batches of one epoch: batch order, gather, forward, loss, backward, regularization
// and optimizer update, with no allocation and no return to Python between batches.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "fastnn/activations.hpp"
#include "fastnn/common.hpp"
#include "fastnn/kernel_table.hpp"
#include "fastnn/optimizers.hpp"

namespace fastnn {

template <typename T>
class Network final : public NetworkApi<T> {
 public:
  Network(std::vector<LayerSpec> layers, LossKind loss, const OptimizerConfig& optimizer,
          Parameters<T> params, Index max_batch, MetricOptions metric_options = {});

  // Batches [first_batch, last_batch) of epoch `epoch` over n samples. Targets are either Y
  // (n, outputs) or, for the sparse loss, labels (n,). X and Y are read where they lie: a
  // shuffled batch is gathered row by row into a workspace, an unshuffled one is used in place.
  // step is the optimizer's update count, incremented per batch. metrics false leaves the
  // accuracy and error sums at 0 (and saves their work).
  // sample_weight (n,) or null: each sample's loss and gradient scale by its weight (Keras'
  // weighted mean: the sum of weighted losses over the batch's rows).
  Sums train(const T* X, const T* Y, const std::int64_t* labels, const T* sample_weight, Index n,
             Index batch_size, bool shuffle, std::uint64_t seed, std::uint64_t epoch,
             Index first_batch, Index last_batch, double learning_rate, std::int64_t* step,
             bool metrics = true) override;

  // Loss (with the regularization penalty) and metrics over n samples, no update.
  Sums evaluate(const T* X, const T* Y, const std::int64_t* labels, const T* sample_weight,
                Index n) override;

  // out (n, outputs) = the network's output (probabilities for sigmoid/softmax outputs).
  void predict(T* out, const T* X, Index n) override;

  // How many threads train batches of batch_size rows data-parallel (1: the serial loop, whose
  // kernels may still split large products).
  int data_parallel_threads(Index batch_size) const override;

  // The weights to go back to when an epoch ends in NaN or inf (fit's guard): checkpoint()
  // copies every trained array (weights, biases, gamma, beta, their optimizer states, the
  // moving statistics) aside if all their values are finite, and says whether they were;
  // restore_checkpoint() copies the last such copy back (nothing before the first). The copy
  // is made once, at the first checkpoint: one pass over the parameters, no allocation after.
  bool checkpoint() override;
  void restore_checkpoint() override;

  Index outputs() const override { return layers_.back().out; }
  Index inputs() const override { return layers_.front().in; }

 private:
  // The batch loop on one thread; products, activations and updates large enough split
  // between threads inside each kernel.
  Sums train_serial(const T* X, const T* Y, const std::int64_t* labels, Index n, Index batch_size,
                    const Index* order, Index first_batch, Index last_batch,
                    const OptimizerConfig& optimizer, std::int64_t* step, bool metrics);
  // Data-parallel batches: each of `threads` threads runs forward and backward on its own rows
  // of the batch into gradients of its own; after one barrier each thread sums the gradients
  // and updates its own range of every parameter; a second barrier, and the next batch. Two
  // synchronisations per batch, where the kernels split one by one wait at every product.
  Sums train_data_parallel(int threads, const T* X, const T* Y, const std::int64_t* labels, Index n,
                           Index batch_size, const Index* order, Index first_batch,
                           Index last_batch, const OptimizerConfig& optimizer, std::int64_t* step,
                           bool metrics);

  // Rows [r0, r0 + rows) of the batch, whose input rows start at Xb. output_activation false
  // leaves A of a fused output layer uncomputed: training reads only its logits, unless
  // metrics are wanted. training: batch statistics and dropout (its masks those of update
  // `step`), else moving statistics and no dropout.
  // With sync_threads > 1 every one of that many threads calls it at once on rows of its own of
  // a batch of batch_rows rows (the data-parallel loop), `part` being the thread's index: batch
  // normalization then adds up the threads' sums between two barriers.
  void forward(const T* Xb, Index r0, Index rows, bool output_activation = true,
               bool training = false, std::int64_t step = 0, std::size_t part = 0,
               int sync_threads = 1, Index batch_rows = 0);
  // What layer l hands the next one: its activations, normalized, with dropout in training.
  T* output(std::size_t l, bool training);
  // Every gradient of part 0 (weights, biases, gammas, betas) clipped by the optimizer's rule.
  void clip(const OptimizerConfig& optimizer);
  // Output loss (the mean over these rows) and metrics for rows [r0, r0 + rows), whose targets
  // start at Tb; fills dZ of the last layer when `backprop`.
  // wb: these rows' sample weights, or null.
  double output_loss(const T* Tb, const T* wb, Index r0, Index rows, bool backprop, bool metrics,
                     Sums& sums);
  // Gradients of rows [r0, r0 + rows) into the weight and bias gradients of `part`; with
  // sync_threads > 1 as forward's (the normalization's gradient sums added up between threads).
  void backward(const T* Xb, Index r0, Index rows, std::size_t part, int sync_threads = 1,
                Index batch_rows = 0);
  // Layer l's batch normalization of this thread's rows, with the statistics of all threads'.
  void batch_norm_synced(std::size_t l, std::size_t part, int threads, Index batch_rows, T* out,
                         T* H, const T* A, Index rows);
  // The parts (threads) beyond 0 of the normalizations' statistics, made at the first
  // data-parallel call.
  void add_batch_norm_parts(int threads);
  // Elements [lo, hi) of layer l's weights or biases (n values in all): the first `parts`
  // gradients of `grads` summed into part 0's, the penalty's gradient added (weights only),
  // the optimizer's update.
  // With scale non-null (clipping by a norm, which needs every gradient summed first) only
  // the summing and the penalty's gradient happen here, and the squared norm of [lo, hi) is
  // added to *scale; scale_and_update() then does the rest.
  void sum_range(std::size_t l, bool weights, std::vector<std::vector<Workspace<T>>>& grads,
                 Index lo, Index hi, int parts, double* squares);
  // Thread t's share of a data-parallel update that clips by clipnorm or global_clipnorm: its
  // ranges summed and their squared norms shared, a barrier, then every thread scales its
  // ranges by the same factors (from the shares added in thread order) and updates them.
  void clip_and_update(const OptimizerConfig& optimizer, int t, int threads, std::int64_t step);
  // Thread t's share of a data-parallel update without clipping by a norm (update_range over
  // its ranges; thread 0 also updates gamma and beta whole).
  void update_shares(const OptimizerConfig& optimizer, int t, int threads, std::int64_t step);
  void update_range(const OptimizerConfig& optimizer, std::size_t l, bool weights, T* param,
                    T* state, std::vector<std::vector<Workspace<T>>>& grads, Index n, Index lo,
                    Index hi, std::int64_t step, int parts);
  // The penalty of layer l's weights [lo, hi); with dW, also adds its gradient there.
  double regularize(std::size_t l, Index lo, Index hi, T* dW) const;
  double regularization(bool add_gradient);
  // Targets of `rows` samples from batch position `start` on: Y's rows in place when they lie
  // in order, else written to Tb_ from row `at` on.
  const T* targets_for(const T* Y, const std::int64_t* labels, const Index* order, Index start,
                       Index rows, Index at = 0);
  // Sample weights of the same rows (null without weights), gathered to Wb_ when shuffled.
  const T* weights_for(const Index* order, Index start, Index rows, Index at = 0);

  std::vector<LayerSpec> layers_;
  LossKind loss_;
  OptimizerConfig optimizer_;
  Parameters<T> params_;
  Index max_batch_;
  // What output_loss counts beyond the usual sums: top-k hits, AUC's histograms.
  MetricOptions metric_options_;
  bool fused_output_;      // the output activation is folded into the loss's kernel
  bool regularized_;       // some layer has an l1 or l2 penalty
  Index macs_per_sample_;  // multiply-adds of one sample's forward pass
  Index widest_;           // the most values of one sample in any layer
  Index parameters_;       // weights and biases, all layers

  std::vector<Workspace<T>> Z_, A_, dZ_;
  // Per layer with batch normalization: H_ (the normalized values), N_ (its output), the
  // batch's mean and 1 / std (double), the gradients of gamma and beta; per layer with dropout:
  // D_ (its output in training) and M_ (the mask). Empty for a layer without.
  std::vector<Workspace<T>> H_, N_, D_, M_, dgamma_, dbeta_;
  // Per layer with an activation after its normalization: its output P_ and the gradient of
  // its input G_.
  std::vector<Workspace<T>> P_, G_;
  // The inputs after input dropout, and its mask (empty without).
  Workspace<T> DI_, MI_;
  // Per part (thread), per layer: the batch's mean and 1 / std; and the sums a thread shares
  // (4 * out: its rows' sums, squared deviations, and the two gradient sums).
  std::vector<std::vector<std::vector<double>>> bn_mean_, bn_inv_std_, bn_partial_;
  std::vector<std::vector<double>> bn_total_;  // per part: the gradient sums added up
  bool batch_norm_ = false, dropout_ = false;
  std::uint64_t seed_ = 0;  // the current train() call's: the dropout masks' too
  // The gradients clip() clips: part 0's, every parameter's.
  std::vector<T*> clip_grads_;
  std::vector<Index> clip_sizes_;
  // Every trained array (pointer, size) and checkpoint()'s copy of them all, end to end.
  std::vector<std::pair<T*, Index>> trained_;
  Workspace<T> saved_;
  bool has_checkpoint_ = false;
  // Weight and bias gradients per part: part 0 is the serial loop's, parts 1.. the other
  // threads' of a data-parallel batch (made at its first use).
  std::vector<std::vector<Workspace<T>>> dW_, db_;
  // dA_ holds one layer's input gradient at a time, row r at r * widest_ whatever the layer's
  // width, so that threads with rows of their own never meet in it.
  Workspace<T> dA_, Xb_, Tb_, Wb_;
  const T* sample_weight_ = nullptr;  // the current train()/evaluate() call's, or null
  std::vector<Index> order_;
  std::uint64_t order_epoch_ = ~std::uint64_t(0), order_seed_ = 0;
  // Per thread of a data-parallel batch: its rows' mean loss and its share of the penalty.
  std::vector<double> part_loss_, part_penalty_;
  // Per thread of a data-parallel batch that clips by a norm: its share of each gradient's
  // squared norm (4 per layer: weights, biases, gamma, beta).
  std::vector<std::vector<double>> part_squares_;
  std::vector<Sums> part_sums_;
};

}  // namespace fastnn
