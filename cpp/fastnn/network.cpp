#include "fastnn/network.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "fastnn/batch_norm.hpp"
#include "fastnn/config.hpp"
#include "fastnn/dense.hpp"
#include "fastnn/dropout.hpp"
#include "fastnn/losses.hpp"
#include "fastnn/random.hpp"

namespace fastnn {

namespace {
// Whether a layer applies an activation to its normalized values (only after a normalization).
inline bool has_norm_activation(const LayerSpec& s) {
  return s.batch_norm && s.norm_activation != Activation::linear;
}
}  // namespace

template <typename T>
Network<T>::Network(std::vector<LayerSpec> layers, LossKind loss, const OptimizerConfig& optimizer,
                    Parameters<T> params, Index max_batch, MetricOptions metric_options)
    : layers_(std::move(layers)),
      loss_(loss),
      optimizer_(optimizer),
      params_(std::move(params)),
      max_batch_(std::max<Index>(max_batch, 1)),
      metric_options_(metric_options) {
  const Activation last = layers_.back().activation;
  // The bindings refused a loss without a kernel of its own unless it fuses with this output.
  fused_output_ = fuses(loss_, last);
  regularized_ = false;
  macs_per_sample_ = 0;
  parameters_ = 0;
  // Every workspace is made here, once: the batch loop never allocates.
  Index widest = layers_.front().in;
  dW_.resize(1);
  db_.resize(1);
  for (const LayerSpec& l : layers_) {
    Z_.emplace_back(max_batch_ * l.out);
    A_.emplace_back(max_batch_ * l.out);
    dZ_.emplace_back(max_batch_ * l.out);
    dW_[0].emplace_back(l.in * l.out);
    db_[0].emplace_back(l.out);
    widest = std::max(widest, l.out);
    regularized_ = regularized_ || l.l1 != 0 || l.l2 != 0;
    macs_per_sample_ += l.in * l.out;
    parameters_ += l.in * l.out + (l.use_bias ? l.out : 0);
    const Index bn = l.batch_norm ? l.out : 0, drop = l.dropout > 0 ? l.out : 0;
    const Index after = has_norm_activation(l) ? l.out : 0;
    P_.emplace_back(max_batch_ * after);
    G_.emplace_back(max_batch_ * after);
    H_.emplace_back(max_batch_ * bn);
    N_.emplace_back(max_batch_ * bn);
    dgamma_.emplace_back(bn);
    dbeta_.emplace_back(bn);
    D_.emplace_back(max_batch_ * drop);
    M_.emplace_back(max_batch_ * drop);
    batch_norm_ = batch_norm_ || l.batch_norm;
    dropout_ = dropout_ || l.dropout > 0;
    parameters_ +=
        (l.batch_norm && l.bn_scale ? l.out : 0) + (l.batch_norm && l.bn_center ? l.out : 0);
  }
  widest_ = widest;
  add_batch_norm_parts(1);
  const Index slots = optimizer_state_slots(optimizer_.kind);
  auto trained = [&](T* p, Index n) {
    if (p != nullptr) trained_.emplace_back(p, n);
  };
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerSpec& s = layers_[l];
    trained(params_.weights[l], s.in * s.out);
    trained(params_.weight_states[l], slots * s.in * s.out);
    trained(params_.biases[l], s.out);
    trained(params_.bias_states[l], slots * s.out);
    if (s.batch_norm) {
      trained(params_.gammas[l], s.out);
      trained(params_.gamma_states[l], slots * s.out);
      trained(params_.betas[l], s.out);
      trained(params_.beta_states[l], slots * s.out);
      trained(params_.moving_means[l], s.out);
      trained(params_.moving_variances[l], s.out);
    }
  }
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerSpec& s = layers_[l];
    clip_grads_.push_back(dW_[0][l].data());
    clip_sizes_.push_back(s.in * s.out);
    if (params_.biases[l] != nullptr) {
      clip_grads_.push_back(db_[0][l].data());
      clip_sizes_.push_back(s.out);
    }
    if (s.batch_norm && params_.gammas[l] != nullptr) {
      clip_grads_.push_back(dgamma_[l].data());
      clip_sizes_.push_back(s.out);
    }
    if (s.batch_norm && params_.betas[l] != nullptr) {
      clip_grads_.push_back(dbeta_[l].data());
      clip_sizes_.push_back(s.out);
    }
  }
  dA_.resize(max_batch_ * widest);
  Xb_.resize(max_batch_ * layers_.front().in);
  if (layers_.front().input_dropout > 0) {
    DI_.resize(max_batch_ * layers_.front().in);
    MI_.resize(max_batch_ * layers_.front().in);
    dropout_ = true;
  }
  Tb_.resize(max_batch_ * layers_.back().out);
  Wb_.resize(max_batch_);
}

template <typename T>
void Network<T>::add_batch_norm_parts(int threads) {
  while (bn_mean_.size() < std::size_t(threads)) {
    bn_mean_.emplace_back();
    bn_inv_std_.emplace_back();
    bn_partial_.emplace_back();
    bn_total_.emplace_back(2 * widest_);
    for (const LayerSpec& l : layers_) {
      const Index bn = l.batch_norm ? l.out : 0;
      bn_mean_.back().emplace_back(bn);
      bn_inv_std_.back().emplace_back(bn);
      bn_partial_.back().emplace_back(4 * bn);
    }
  }
}

template <typename T>
void Network<T>::batch_norm_synced(std::size_t l, std::size_t part, int threads, Index batch_rows,
                                   T* out, T* H, const T* A, Index rows) {
  const LayerSpec& s = layers_[l];
  const Index cols = s.out;
  const double n = double(batch_rows);
  double* mine = bn_partial_[part][l].data();  // [0, cols): sums; [cols, 2 cols): squares
  double* mean = bn_mean_[part][l].data();
  double* inv_std = bn_inv_std_[part][l].data();
  batch_norm_sums(mine, A, rows, cols);
#pragma omp barrier
  // Every thread adds the parts in the same order: all reach the same statistics. Each layer
  // has slots of its own, so a thread that runs ahead never writes what another still reads.
  for (Index c = 0; c < cols; ++c) {
    double sum = 0;
    for (int k = 0; k < threads; ++k) sum += bn_partial_[k][l][c];
    mean[c] = sum / n;
  }
  batch_norm_squares(mine + cols, A, mean, rows, cols);
#pragma omp barrier
  for (Index c = 0; c < cols; ++c) {
    double sq = 0;
    for (int k = 0; k < threads; ++k) sq += bn_partial_[k][l][cols + c];
    const double var = sq / n;
    inv_std[c] = 1.0 / std::sqrt(var + s.bn_epsilon);
    if (part == 0) {  // one thread moves the statistics, as the serial kernel does
      T& mm = params_.moving_means[l][c];
      T& mv = params_.moving_variances[l][c];
      mm = T(double(mm) * s.bn_momentum + mean[c] * (1.0 - s.bn_momentum));
      mv = T(double(mv) * s.bn_momentum + var * (1.0 - s.bn_momentum));
    }
  }
  batch_norm_normalize(out, H, A, mean, inv_std, params_.gammas[l], params_.betas[l], rows, cols);
}

template <typename T>
T* Network<T>::output(std::size_t l, bool training) {
  const LayerSpec& s = layers_[l];
  if (training && s.dropout > 0) return D_[l].data();
  if (has_norm_activation(s)) return P_[l].data();
  return s.batch_norm ? N_[l].data() : A_[l].data();
}

template <typename T>
void Network<T>::forward(const T* Xb, Index r0, Index rows, bool output_activation, bool training,
                         std::int64_t step, std::size_t part, int sync_threads, Index batch_rows) {
  const T* input = Xb;
  const LayerSpec& first = layers_.front();
  if (training && first.input_dropout > 0) {
    const Index at = r0 * first.in;
    dropout_forward(DI_.data() + at, MI_.data() + at, Xb, rows, first.in, r0, first.input_dropout,
                    dropout_key(seed_, std::uint64_t(step), first.input_dropout_stream));
    input = DI_.data() + at;
  }
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerSpec& s = layers_[l];
    const Index at = r0 * s.out;
    T* Z = Z_[l].data() + at;
    T* A = A_[l].data() + at;
    dense_forward(Z, input, params_.weights[l], params_.biases[l], rows, s.in, s.out);
    if (output_activation || l + 1 < layers_.size() || !fused_output_) {
      activation_forward(s.activation, A, Z, rows, s.out, T(s.alpha));
    }
    const T* out = A;
    if (s.batch_norm) {
      T* normalized = N_[l].data() + at;
      if (training && sync_threads > 1) {
        batch_norm_synced(l, part, sync_threads, batch_rows, normalized, H_[l].data() + at, A,
                          rows);
      } else if (training) {
        batch_norm_forward(normalized, H_[l].data() + at, bn_mean_[part][l].data(),
                           bn_inv_std_[part][l].data(), params_.moving_means[l],
                           params_.moving_variances[l], A, params_.gammas[l], params_.betas[l],
                           rows, s.out, s.bn_momentum, s.bn_epsilon);
      } else {
        batch_norm_inference(normalized, A, params_.moving_means[l], params_.moving_variances[l],
                             params_.gammas[l], params_.betas[l], rows, s.out, s.bn_epsilon);
      }
      out = normalized;
    }
    if (has_norm_activation(s)) {
      T* activated = P_[l].data() + at;
      activation_forward(s.norm_activation, activated, out, rows, s.out, T(s.norm_alpha));
      out = activated;
    }
    if (training && s.dropout > 0) {
      T* dropped = D_[l].data() + at;
      dropout_forward(dropped, M_[l].data() + at, out, rows, s.out, r0, s.dropout,
                      dropout_key(seed_, std::uint64_t(step), s.dropout_stream));
      out = dropped;
    }
    input = out;
  }
}

template <typename T>
double Network<T>::output_loss(const T* Tb, const T* wb, Index r0, Index rows, bool backprop,
                               bool metrics, Sums& sums) {
  const std::size_t L = layers_.size() - 1;
  const LayerSpec& s = layers_[L];
  const Index cols = s.out;
  const T* Z = Z_[L].data() + r0 * cols;
  const T* A = A_[L].data() + r0 * cols;
  T* dZ = dZ_[L].data() + r0 * cols;
  T* dA = dA_.data() + r0 * widest_;
  // The loss's table row says which kernel runs: the fused one on the logits Z, or the plain
  // one on the activations A (whose gradient dA then goes back through the activation).
  const LossInfo& info = loss_info(loss_);
  const auto kernel = LossKernel(fused_output_ ? info.fused_kernel : info.kernel);
  const T* Y = fused_output_ ? Z : A;
  double loss = 0;
  if (wb == nullptr) {
    loss = loss_forward(kernel, Y, Tb, rows, cols);
  } else {
    // Keras' weighted mean: each sample's loss times its weight, summed, over the rows (not
    // over the weights' sum). A row's loss is the kernel's mean over that row alone.
    for (Index r = 0; r < rows; ++r) {
      if (wb[r] != T(0))
        loss += double(wb[r]) * loss_forward(kernel, Y + r * cols, Tb + r * cols, 1, cols);
    }
    loss = rows > 0 ? loss / double(rows) : loss_forward(kernel, Y, Tb, rows, cols);
  }
  if (backprop) {
    T* dY = fused_output_ ? dZ : dA;
    loss_backward(kernel, dY, Y, Tb, rows, cols);
    if (wb != nullptr) {  // every row's gradient scales by its weight
      for (Index r = 0; r < rows; ++r) {
        for (Index c = 0; c < cols; ++c) dY[r * cols + c] *= wb[r];
      }
    }
  }
  if (backprop && !fused_output_) {
    activation_backward(s.activation, dZ, Z, A, dA, rows, cols, T(s.alpha));
  }

  if (!metrics) return loss;
  // Metrics on the output probabilities. Accuracy is per element for one output or a binary
  // loss (a threshold at 0.5), per row (argmax) for several outputs of any other loss; both
  // counts are kept, for binary_accuracy and categorical_accuracy whatever the loss.
  const bool per_element = cols == 1 || loss_ == LossKind::binary_crossentropy;
  double argmax_correct = 0, threshold_correct = 0;
  for (Index r = 0; r < rows; ++r) {
    const T* a = A + r * cols;
    const T* t = Tb + r * cols;
    // Precision and recall count every output thresholded at 0.5, as Keras' metrics do.
    for (Index c = 0; c < cols; ++c) {
      const bool p = a[c] > T(0.5), truth = t[c] > T(0.5);
      sums.true_positives += p && truth;
      sums.false_positives += p && !truth;
      sums.false_negatives += !p && truth;
      threshold_correct += p == truth;
    }
    if (cols > 1) {  // (one output: its own argmax, always right)
      const Index predicted = std::max_element(a, a + cols) - a;
      const Index truth = std::max_element(t, t + cols) - t;
      argmax_correct += predicted == truth;
      if (metric_options_.top_k > 0) {
        Index above = 0;
        for (Index c = 0; c < cols; ++c) above += a[c] > a[truth];
        sums.top_k_correct += above < metric_options_.top_k;
      }
    }
    if (metric_options_.auc && cols == 1) {
      // AUC's histogram; a NaN output lands in bucket 0 (counted above every threshold).
      const double at = std::ceil(double(a[0]) * (Sums::kAucThresholds - 1)) - 1;
      const int bucket = at > 0 ? int(std::min<double>(at, Sums::kAucThresholds - 1)) : 0;
      (t[0] > T(0.5) ? sums.auc_positives : sums.auc_negatives)[bucket] += 1;
    }
    for (Index c = 0; c < cols; ++c) {
      const double d = double(a[c]) - double(t[c]);
      sums.abs_error += std::abs(d);
      sums.squared_error += d * d;
    }
  }
  sums.argmax_correct += cols > 1 ? argmax_correct : double(rows);
  sums.threshold_correct += threshold_correct;
  sums.correct += per_element ? threshold_correct : argmax_correct;
  sums.judged += per_element ? double(rows * cols) : double(rows);
  sums.elements += double(rows * cols);
  return loss;
}

template <typename T>
void Network<T>::backward(const T* Xb, Index r0, Index rows, std::size_t part, int sync_threads,
                          Index batch_rows) {
  for (std::size_t l = layers_.size(); l-- > 0;) {
    const LayerSpec& s = layers_[l];
    const T* input = l > 0                 ? output(l - 1, true) + r0 * s.in
                     : s.input_dropout > 0 ? DI_.data() + r0 * s.in
                                           : Xb;
    // The first layer's dX is nobody's gradient: skip that product.
    T* dX = l == 0 ? nullptr : dA_.data() + r0 * widest_;
    T* db = params_.biases[l] != nullptr ? db_[part][l].data() : nullptr;
    dense_backward(dX, dW_[part][l].data(), db, dZ_[l].data() + r0 * s.out, input,
                   params_.weights[l], rows, s.in, s.out);
    if (l > 0) {
      // dX is the gradient of the layer below's output: back through its dropout and its
      // normalization (in place), then its activation.
      const std::size_t k = l - 1;
      const LayerSpec& below = layers_[k];
      const Index at = r0 * below.out;
      if (below.dropout > 0)
        dropout_backward(dX, M_[k].data() + at, dX, rows * below.out, below.dropout);
      // The normalization's output gradient: dX itself, or back through the activation after
      // it (into G_, as the activation's backward may not write over its input).
      const T* dout = dX;
      if (has_norm_activation(below)) {
        T* g = G_[k].data() + at;
        activation_backward(below.norm_activation, g, N_[k].data() + at, P_[k].data() + at, dX,
                            rows, below.out, T(below.norm_alpha));
        dout = g;
      }
      if (below.batch_norm) {
        T* dgamma = params_.gammas[k] != nullptr ? dgamma_[k].data() : nullptr;
        T* dbeta = params_.betas[k] != nullptr ? dbeta_[k].data() : nullptr;
        const T* H = H_[k].data() + at;
        const double* inv_std = bn_inv_std_[part][k].data();
        double* mine = bn_partial_[part][k].data() + 2 * below.out;
        if (sync_threads > 1) {
          batch_norm_gradient_sums(mine, dout, H, rows, below.out);
#pragma omp barrier
          double* total = bn_total_[part].data();
          for (Index c = 0; c < 2 * below.out; ++c) {
            double sum = 0;
            for (int p = 0; p < sync_threads; ++p) sum += bn_partial_[p][k][2 * below.out + c];
            total[c] = sum;
          }
          if (part == 0) {
            for (Index c = 0; c < below.out; ++c) {
              if (dbeta != nullptr) dbeta[c] = T(total[c]);
              if (dgamma != nullptr) dgamma[c] = T(total[below.out + c]);
            }
          }
          batch_norm_gradient(dX, dout, H, inv_std, params_.gammas[k], total, double(batch_rows),
                              rows, below.out);
        } else {
          batch_norm_backward(dX, dgamma, dbeta, mine, dout, H, inv_std, params_.gammas[k], rows,
                              below.out);
        }
      }
      activation_backward(below.activation, dZ_[k].data() + at, Z_[k].data() + at,
                          A_[k].data() + at, dX, rows, below.out, T(below.alpha));
    }
  }
}

template <typename T>
void Network<T>::clip(const OptimizerConfig& optimizer) {
  clip_gradients(optimizer.clipnorm, optimizer.clipvalue, optimizer.global_clipnorm,
                 clip_grads_.data(), clip_sizes_.data(), Index(clip_grads_.size()));
}

template <typename T>
double Network<T>::regularize(std::size_t l, Index lo, Index hi, T* dW) const {
  const LayerSpec& s = layers_[l];
  if (s.l1 == 0 && s.l2 == 0) return 0;
  const T* W = params_.weights[l];
  const T l1 = T(s.l1), two_l2 = T(2 * s.l2);
  double abs_sum = 0, sq_sum = 0;
  for (Index i = lo; i < hi; ++i) {
    abs_sum += std::abs(double(W[i]));
    sq_sum += double(W[i]) * double(W[i]);
    if (dW != nullptr) {
      const T sign = W[i] > T(0) ? T(1) : (W[i] < T(0) ? T(-1) : T(0));
      dW[i] += l1 * sign + two_l2 * W[i];
    }
  }
  return s.l1 * abs_sum + s.l2 * sq_sum;
}

template <typename T>
double Network<T>::regularization(bool add_gradient) {
  double penalty = 0;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    penalty +=
        regularize(l, 0, layers_[l].in * layers_[l].out, add_gradient ? dW_[0][l].data() : nullptr);
  }
  return penalty;
}

template <typename T>
const T* Network<T>::targets_for(const T* Y, const std::int64_t* labels, const Index* order,
                                 Index start, Index rows, Index at) {
  const Index cols = layers_.back().out;
  T* Tb = Tb_.data() + at * cols;
  if (labels != nullptr) {  // sparse labels become one-hot rows, a batch at a time
    std::fill(Tb, Tb + rows * cols, T(0));
    for (Index r = 0; r < rows; ++r) {
      const Index i = order != nullptr ? order[start + r] : start + r;
      Tb[r * cols + labels[i]] = T(1);
    }
    return Tb;
  }
  if (order == nullptr) return Y + start * cols;
  for (Index r = 0; r < rows; ++r) {
    copy_row(Tb + r * cols, Y + order[start + r] * cols, cols);
  }
  return Tb;
}

template <typename T>
const T* Network<T>::weights_for(const Index* order, Index start, Index rows, Index at) {
  if (sample_weight_ == nullptr) return nullptr;
  if (order == nullptr) return sample_weight_ + start;
  T* wb = Wb_.data() + at;
  for (Index r = 0; r < rows; ++r) wb[r] = sample_weight_[order[start + r]];
  return wb;
}

template <typename T>
bool Network<T>::checkpoint() {
  Index total = 0;
  for (const auto& [p, n] : trained_) {
    if (!ConstArrayMap<T>(p, n).allFinite()) return false;  // in SIMD registers
    total += n;
  }
  saved_.resize(total);  // allocates at the first checkpoint only
  T* out = saved_.data();
  for (const auto& [p, n] : trained_) out = std::copy(p, p + n, out);
  has_checkpoint_ = true;
  return true;
}

template <typename T>
void Network<T>::restore_checkpoint() {
  if (!has_checkpoint_) return;
  const T* in = saved_.data();
  for (const auto& [p, n] : trained_) {
    std::copy(in, in + n, p);
    in += n;
  }
}

template <typename T>
int Network<T>::data_parallel_threads(Index batch_size) const {
  // Measured on 2 threads of a Zen 4 (samples/s, data-parallel against the serial loop whose
  // kernels split the large products): 784-256-128-10 at batch 128 147k vs 103k, at batch 32
  // 77k vs 64k; 64-128-64-10 at batch 256 1.37M vs 0.61M; 512-512-512-10 60k vs 56k; but
  // 512-1024-512-10 24k vs 27k and 1024-1024-1024-10 9.3k vs 10.0k. So: a batch of at least
  // 2^20 multiply-adds forward (~1 ms with backward on one core: below it two barriers cost
  // more than they save), at least 16 rows per thread, and at most 2^20 parameters: past that
  // each thread packing all of W and the sum of the threads' gradients (4 MB each in float32,
  // more than a core's L2) cost more than the synchronisations they save.
  constexpr Index kDataParallelWork = Index(1) << 20;
  constexpr Index kDataParallelParameters = Index(1) << 20;
  constexpr Index kRowsPerThread = 16;
  // (Batch normalization and clipping by a norm add up the threads' sums between barriers:
  // see batch_norm_synced and clip_and_update.)
  if (omp_in_parallel_region() || batch_size * macs_per_sample_ < kDataParallelWork ||
      parameters_ > kDataParallelParameters) {
    return 1;
  }
  const Index by_rows = std::max<Index>(batch_size / kRowsPerThread, 1);
  return static_cast<int>(std::min<Index>(get_num_threads(), by_rows));
}

template <typename T>
Sums Network<T>::train(const T* X, const T* Y, const std::int64_t* labels, const T* sample_weight,
                       Index n, Index batch_size, bool shuffle, std::uint64_t seed,
                       std::uint64_t epoch, Index first_batch, Index last_batch,
                       double learning_rate, std::int64_t* step, bool metrics) {
  sample_weight_ = sample_weight;
  seed_ = seed;
  const Index num_batches = (n + batch_size - 1) / batch_size;
  last_batch = std::min(last_batch, num_batches);
  const Index* order = nullptr;
  if (shuffle) {
    // The order is drawn once per epoch, even when the epoch comes in several chunks.
    if (Index(order_.size()) != n || order_epoch_ != epoch || order_seed_ != seed) {
      order_.resize(n);  // allocates only when n changes: once per fit
      shuffle_indices(order_.data(), n, seed, epoch);
      order_epoch_ = epoch;
      order_seed_ = seed;
    }
    order = order_.data();
  }
  OptimizerConfig optimizer = optimizer_;
  optimizer.learning_rate = learning_rate;
  const int threads = data_parallel_threads(batch_size);
  if (threads > 1) {
    return train_data_parallel(threads, X, Y, labels, n, batch_size, order, first_batch, last_batch,
                               optimizer, step, metrics);
  }
  return train_serial(X, Y, labels, n, batch_size, order, first_batch, last_batch, optimizer, step,
                      metrics);
}

template <typename T>
Sums Network<T>::train_serial(const T* X, const T* Y, const std::int64_t* labels, Index n,
                              Index batch_size, const Index* order, Index first_batch,
                              Index last_batch, const OptimizerConfig& optimizer,
                              std::int64_t* step, bool metrics) {
  Sums sums;
  const Index in = layers_.front().in;
  for (Index b = first_batch; b < last_batch; ++b) {
    const Index start = b * batch_size;
    const Index rows = std::min(batch_size, n - start);
    const T* Xb = X + start * in;
    if (order != nullptr) {
      // A large gather is split between threads: it streams the batch's rows from wherever
      // they lie in X (a 1 GiB data set does not stay in cache).
      const int threads = rows * in >= (Index(1) << 16) ? get_num_threads() : 1;
      for_each_share(rows, threads, [&](Index lo, Index hi) {
        for (Index r = lo; r < hi; ++r) copy_row(&Xb_[r * in], X + order[start + r] * in, in);
      });
      Xb = Xb_.data();
    }
    const T* Tb = targets_for(Y, labels, order, start, rows);
    const T* wb = weights_for(order, start, rows);

    forward(Xb, 0, rows, /*output_activation=*/metrics, /*training=*/true, *step + 1);
    const double loss = output_loss(Tb, wb, 0, rows, /*backprop=*/true, metrics, sums);
    backward(Xb, 0, rows, 0);
    const double penalty = regularized_ ? regularization(/*add_gradient=*/true) : 0.0;
    if (!std::isfinite(loss + penalty)) {
      sums.finite = false;  // stop before the update: the weights stay those of the last batch
      return sums;
    }
    sums.loss += loss * double(rows);
    sums.regularization += penalty * double(rows);
    sums.samples += double(rows);
    sums.batches += 1;

    if (clips(optimizer)) clip(optimizer);
    *step += 1;
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const LayerSpec& s = layers_[l];
      optimizer_update(optimizer, params_.weights[l], dW_[0][l].data(), params_.weight_states[l],
                       s.in * s.out, *step);
      if (params_.biases[l] != nullptr) {
        optimizer_update(optimizer, params_.biases[l], db_[0][l].data(), params_.bias_states[l],
                         s.out, *step);
      }
      if (s.batch_norm && params_.gammas[l] != nullptr) {
        optimizer_update(optimizer, params_.gammas[l], dgamma_[l].data(), params_.gamma_states[l],
                         s.out, *step);
      }
      if (s.batch_norm && params_.betas[l] != nullptr) {
        optimizer_update(optimizer, params_.betas[l], dbeta_[l].data(), params_.beta_states[l],
                         s.out, *step);
      }
    }
  }
  return sums;
}

template <typename T>
void Network<T>::sum_range(std::size_t l, bool weights,
                           std::vector<std::vector<Workspace<T>>>& grads, Index lo, Index hi,
                           int parts, double* squares) {
  T* g = grads[0][l].data();
  for (int k = 1; k < parts; ++k) {
    const T* more = grads[k][l].data();
    for (Index i = lo; i < hi; ++i) g[i] += more[i];
  }
  if (weights && regularized_) regularize(l, lo, hi, g);
  double sq = 0;
  for (Index i = lo; i < hi; ++i) sq += double(g[i]) * double(g[i]);
  *squares += sq;
}

template <typename T>
void Network<T>::update_shares(const OptimizerConfig& optimizer, int t, int threads,
                               std::int64_t step) {
  // This thread's range of every parameter: the gradients summed (in part order, so the
  // result does not depend on which thread finished first), the penalty's gradient, the
  // update; a chunk at a time, so that the summed gradient is still in L1 when the update
  // reads it (a pass over the whole range first cost a round trip through memory).
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerSpec& s = layers_[l];
    const Index size = s.in * s.out;
    update_range(optimizer, l, true, params_.weights[l], params_.weight_states[l], dW_, size,
                 size * t / threads, size * (t + 1) / threads, step, threads);
    if (params_.biases[l] != nullptr) {
      update_range(optimizer, l, false, params_.biases[l], params_.bias_states[l], db_, s.out,
                   s.out * t / threads, s.out * (t + 1) / threads, step, threads);
    }
    // gamma and beta: a few values per layer, updated whole by thread 0 (part 0 wrote their
    // gradients; nobody reads them before the next batch's barrier).
    if (t != 0 || !s.batch_norm) continue;
    T* norm_params[2][3] = {{params_.gammas[l], dgamma_[l].data(), params_.gamma_states[l]},
                            {params_.betas[l], dbeta_[l].data(), params_.beta_states[l]}};
    for (auto& [param, grad, state] : norm_params) {
      if (param == nullptr) continue;
      if (optimizer.clipvalue > 0) clip_gradients(0.0, optimizer.clipvalue, 0.0, &grad, &s.out, 1);
      optimizer_update_range(optimizer, param, grad, state, s.out, 0, s.out, step);
    }
  }
}

template <typename T>
void Network<T>::clip_and_update(const OptimizerConfig& optimizer, int t, int threads,
                                 std::int64_t step) {
  const std::size_t L = layers_.size();
  std::vector<double>& mine = part_squares_[t];
  std::fill(mine.begin(), mine.end(), 0.0);
  auto squares = [](const T* g, Index n) {
    double sq = 0;
    for (Index i = 0; i < n; ++i) sq += double(g[i]) * double(g[i]);
    return sq;
  };
  for (std::size_t l = 0; l < L; ++l) {
    const LayerSpec& s = layers_[l];
    const Index size = s.in * s.out;
    sum_range(l, true, dW_, size * t / threads, size * (t + 1) / threads, threads, &mine[4 * l]);
    if (params_.biases[l] != nullptr) {
      sum_range(l, false, db_, s.out * t / threads, s.out * (t + 1) / threads, threads,
                &mine[4 * l + 1]);
    }
    if (t == 0 && s.batch_norm) {  // gamma and beta are thread 0's (part 0 holds them whole)
      if (params_.gammas[l] != nullptr) mine[4 * l + 2] = squares(dgamma_[l].data(), s.out);
      if (params_.betas[l] != nullptr) mine[4 * l + 3] = squares(dbeta_[l].data(), s.out);
    }
  }
#pragma omp barrier
  // Every thread adds the shares in the same order: the same factors everywhere. A gradient
  // within its limit is left as it is (factor 1, no multiplication), as clip_gradients does.
  auto total = [&](std::size_t i) {
    double sq = 0;
    for (int k = 0; k < threads; ++k) sq += part_squares_[k][i];
    return sq;
  };
  double global_factor = 1;
  if (optimizer.global_clipnorm > 0) {
    double sq = 0;
    for (std::size_t i = 0; i < 4 * L; ++i) sq += total(i);
    const double norm = std::sqrt(sq);
    if (norm > optimizer.global_clipnorm) global_factor = optimizer.global_clipnorm / norm;
  }
  auto factor = [&](std::size_t i) {
    if (optimizer.clipnorm <= 0) return global_factor;
    const double norm = std::sqrt(total(i));
    return norm > optimizer.clipnorm ? optimizer.clipnorm / norm : 1.0;
  };
  auto scale_and_update = [&](T* param, T* g, T* state, Index n, Index lo, Index hi, double f) {
    if (f != 1.0) {
      const T scale = T(f);
      for (Index i = lo; i < hi; ++i) g[i] *= scale;
    }
    optimizer_update_range(optimizer, param, g, state, n, lo, hi, step);
  };
  for (std::size_t l = 0; l < L; ++l) {
    const LayerSpec& s = layers_[l];
    const Index size = s.in * s.out;
    scale_and_update(params_.weights[l], dW_[0][l].data(), params_.weight_states[l], size,
                     size * t / threads, size * (t + 1) / threads, factor(4 * l));
    if (params_.biases[l] != nullptr) {
      scale_and_update(params_.biases[l], db_[0][l].data(), params_.bias_states[l], s.out,
                       s.out * t / threads, s.out * (t + 1) / threads, factor(4 * l + 1));
    }
    if (t == 0 && s.batch_norm && params_.gammas[l] != nullptr) {
      scale_and_update(params_.gammas[l], dgamma_[l].data(), params_.gamma_states[l], s.out, 0,
                       s.out, factor(4 * l + 2));
    }
    if (t == 0 && s.batch_norm && params_.betas[l] != nullptr) {
      scale_and_update(params_.betas[l], dbeta_[l].data(), params_.beta_states[l], s.out, 0, s.out,
                       factor(4 * l + 3));
    }
  }
}

template <typename T>
void Network<T>::update_range(const OptimizerConfig& optimizer, std::size_t l, bool weights,
                              T* param, T* state, std::vector<std::vector<Workspace<T>>>& grads,
                              Index n, Index lo, Index hi, std::int64_t step, int parts) {
  constexpr Index kChunk = 2048;  // 8 KB of float32 gradient: a quarter of an L1
  T* g = grads[0][l].data();
  const T v = T(optimizer.clipvalue);
  for (Index c0 = lo; c0 < hi; c0 += kChunk) {
    const Index c1 = std::min(hi, c0 + kChunk);
    for (int k = 1; k < parts; ++k) {
      const T* more = grads[k][l].data();
      for (Index i = c0; i < c1; ++i) g[i] += more[i];
    }
    if (weights && regularized_) regularize(l, c0, c1, g);
    if (optimizer.clipvalue > 0) {  // elementwise: each thread clamps its own range
      for (Index i = c0; i < c1; ++i) g[i] = g[i] > v ? v : (g[i] < -v ? -v : g[i]);
    }
    optimizer_update_range(optimizer, param, g, state, n, c0, c1, step);
  }
}

template <typename T>
Sums Network<T>::train_data_parallel(int threads, const T* X, const T* Y,
                                     const std::int64_t* labels, Index n, Index batch_size,
                                     const Index* order, Index first_batch, Index last_batch,
                                     const OptimizerConfig& optimizer, std::int64_t* step,
                                     bool metrics) {
  // Gradients of their own for the other threads, made at the first data-parallel call (and
  // again only if the thread count grows): never inside the batch loop.
  while (dW_.size() < std::size_t(threads)) {
    dW_.emplace_back();
    db_.emplace_back();
    for (const LayerSpec& l : layers_) {
      dW_.back().emplace_back(l.in * l.out);
      db_.back().emplace_back(l.out);
    }
  }
  add_batch_norm_parts(threads);
  part_loss_.assign(threads, 0.0);
  part_penalty_.assign(threads, 0.0);
  const bool clip_norm = optimizer.clipnorm > 0 || optimizer.global_clipnorm > 0;
  if (clip_norm) part_squares_.assign(threads, std::vector<double>(4 * layers_.size()));
  part_sums_.assign(threads, Sums{});
  Sums sums;
  const Index in = layers_.front().in;
  const std::size_t L = layers_.size();
  const std::int64_t first_step = *step;

#pragma omp parallel num_threads(threads)
  {
    const int t = omp_thread_index();
    Sums& mine = part_sums_[t];
    for (Index b = first_batch; b < last_batch; ++b) {
      const Index start = b * batch_size;
      const Index rows = std::min(batch_size, n - start);
      // A batch with fewer rows than threads (the epoch's last, at most) leaves a thread
      // without rows; with batch normalization, whose threads all meet at its barriers, thread
      // 0 then runs the whole batch alone (solo) and the others wait for the update.
      const bool solo = batch_norm_ && rows < threads;
      auto first_row = [&](int k) { return solo ? (k == 0 ? 0 : rows) : rows * k / threads; };
      const Index r0 = first_row(t), r1 = t + 1 < threads ? first_row(t + 1) : rows;
      const Index count = r1 - r0;

      // This thread's penalty share, of the weights as they are before this batch's update.
      double penalty = 0;
      if (regularized_) {
        for (std::size_t l = 0; l < L; ++l) {
          const Index size = layers_[l].in * layers_[l].out;
          penalty += regularize(l, size * t / threads, size * (t + 1) / threads, nullptr);
        }
      }
      part_penalty_[t] = penalty;

      if (count > 0) {
        const T* Xb = X + (start + r0) * in;
        if (order != nullptr) {
          for (Index r = r0; r < r1; ++r) copy_row(&Xb_[r * in], X + order[start + r] * in, in);
          Xb = Xb_.data() + r0 * in;
        }
        const T* Tb = targets_for(Y, labels, order, start + r0, count, r0);
        const T* wb = weights_for(order, start + r0, count, r0);
        const int sync = solo ? 1 : threads;
        forward(Xb, r0, count, /*output_activation=*/metrics, /*training=*/true,
                first_step + (b - first_batch) + 1, t, sync, rows);
        part_loss_[t] = output_loss(Tb, wb, r0, count, /*backprop=*/true, metrics, mine);
        // The loss kernels divide by this thread's rows; the batch's mean divides by all.
        const Index cols = layers_.back().out;
        const T scale = T(count) / T(rows);
        T* dZ = dZ_[L - 1].data() + r0 * cols;
        for (Index i = 0; i < count * cols; ++i) dZ[i] *= scale;
        backward(Xb, r0, count, t, sync, rows);
      } else {
        part_loss_[t] = 0;
        for (std::size_t l = 0; l < L; ++l) {
          std::fill(dW_[t][l].begin(), dW_[t][l].end(), T(0));
          std::fill(db_[t][l].begin(), db_[t][l].end(), T(0));
        }
      }
#pragma omp barrier
      // Every thread reads the same partial values in the same order, so all reach the same
      // loss and the same decision.
      double loss = 0, penalty_sum = 0;
      for (int k = 0; k < threads; ++k) {
        const Index k0 = first_row(k), k1 = k + 1 < threads ? first_row(k + 1) : rows;
        if (k1 > k0) loss += part_loss_[k] * double(k1 - k0);
        penalty_sum += part_penalty_[k];
      }
      loss /= double(rows);
      if (!std::isfinite(loss + penalty_sum)) break;  // before the update, as the serial loop
      const std::int64_t this_step = first_step + (b - first_batch) + 1;

      if (clip_norm) {
        clip_and_update(optimizer, t, threads, this_step);
      } else {
        update_shares(optimizer, t, threads, this_step);
      }
      if (t == 0) {
        sums.loss += loss * double(rows);
        sums.regularization += penalty_sum * double(rows);
        sums.samples += double(rows);
        sums.batches += 1;
        *step = this_step;
      }
#pragma omp barrier
    }
  }
  sums.finite = sums.batches == last_batch - first_batch;
  for (const Sums& part : part_sums_) sums.add_metrics(part);
  return sums;
}

template <typename T>
Sums Network<T>::evaluate(const T* X, const T* Y, const std::int64_t* labels,
                          const T* sample_weight, Index n) {
  sample_weight_ = sample_weight;
  Sums sums;
  const Index in = layers_.front().in;
  const double penalty = regularization(/*add_gradient=*/false);
  for (Index start = 0; start < n; start += max_batch_) {
    const Index rows = std::min(max_batch_, n - start);
    forward(X + start * in, 0, rows);
    const double loss =
        output_loss(targets_for(Y, labels, nullptr, start, rows), weights_for(nullptr, start, rows),
                    0, rows, /*backprop=*/false, /*metrics=*/true, sums);
    sums.loss += loss * double(rows);
    sums.regularization += penalty * double(rows);
    sums.samples += double(rows);
    sums.batches += 1;
  }
  sums.finite = std::isfinite(sums.loss + sums.regularization);
  return sums;
}

template <typename T>
void Network<T>::predict(T* out, const T* X, Index n) {
  const Index in = layers_.front().in, cols = layers_.back().out;
  for (Index start = 0; start < n; start += max_batch_) {
    const Index rows = std::min(max_batch_, n - start);
    forward(X + start * in, 0, rows);
    std::memcpy(out + start * cols, A_.back().data(), sizeof(T) * rows * cols);
  }
}

template class Network<float>;
template class Network<double>;

}  // namespace fastnn
