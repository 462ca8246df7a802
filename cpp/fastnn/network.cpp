#include "fastnn/network.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "fastnn/config.hpp"
#include "fastnn/dense.hpp"
#include "fastnn/losses.hpp"
#include "fastnn/random.hpp"

namespace fastnn {

template <typename T>
Network<T>::Network(std::vector<LayerSpec> layers, LossKind loss, const OptimizerConfig& optimizer,
                    Parameters<T> params, Index max_batch)
    : layers_(std::move(layers)),
      loss_(loss),
      optimizer_(optimizer),
      params_(std::move(params)),
      max_batch_(std::max<Index>(max_batch, 1)) {
  const Activation last = layers_.back().activation;
  fused_output_ = (loss_ == LossKind::binary_crossentropy && last == Activation::sigmoid) ||
                  loss_ == LossKind::categorical_crossentropy ||
                  loss_ == LossKind::sparse_categorical_crossentropy;
  // Every workspace is made here, once: the batch loop never allocates.
  Index widest = layers_.front().in;
  for (const LayerSpec& l : layers_) {
    Z_.emplace_back(max_batch_ * l.out);
    A_.emplace_back(max_batch_ * l.out);
    dZ_.emplace_back(max_batch_ * l.out);
    dW_.emplace_back(l.in * l.out);
    db_.emplace_back(l.out);
    widest = std::max(widest, l.out);
  }
  dA_.resize(max_batch_ * widest);
  Xb_.resize(max_batch_ * layers_.front().in);
  Tb_.resize(max_batch_ * layers_.back().out);
}

template <typename T>
void Network<T>::forward(const T* Xb, Index rows, bool output_activation) {
  const T* input = Xb;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerSpec& s = layers_[l];
    dense_forward(Z_[l].data(), input, params_.weights[l], params_.biases[l], rows, s.in, s.out);
    if (output_activation || l + 1 < layers_.size() || !fused_output_) {
      activation_forward(s.activation, A_[l].data(), Z_[l].data(), rows, s.out, T(s.alpha));
    }
    input = A_[l].data();
  }
}

template <typename T>
double Network<T>::output_loss(const T* Tb, Index rows, bool backprop, bool metrics, Sums& sums) {
  const std::size_t L = layers_.size() - 1;
  const LayerSpec& s = layers_[L];
  const Index cols = s.out;
  const T* Z = Z_[L].data();
  const T* A = A_[L].data();
  T* dZ = dZ_[L].data();
  double loss = 0;
  switch (loss_) {
    case LossKind::mse:
      loss = mse_forward(A, Tb, rows, cols);
      if (backprop) mse_backward(dA_.data(), A, Tb, rows, cols);
      break;
    case LossKind::binary_crossentropy:
      if (fused_output_) {
        loss = sigmoid_binary_crossentropy_forward(Z, Tb, rows, cols);
        if (backprop) sigmoid_binary_crossentropy_backward(dZ, Z, Tb, rows, cols);
      } else {
        loss = binary_crossentropy_forward(A, Tb, rows, cols);
        if (backprop) binary_crossentropy_backward(dA_.data(), A, Tb, rows, cols);
      }
      break;
    case LossKind::categorical_crossentropy:
    case LossKind::sparse_categorical_crossentropy:
      loss = softmax_crossentropy_forward(Z, Tb, rows, cols);
      if (backprop) softmax_crossentropy_backward(dZ, Z, Tb, rows, cols);
      break;
  }
  if (backprop && !fused_output_) {
    activation_backward(s.activation, dZ, Z, A, dA_.data(), rows, cols, T(s.alpha));
  }

  if (!metrics) return loss;
  // Metrics on the output probabilities. Accuracy is per element for one output or a binary
  // loss (a threshold at 0.5), per row (argmax) for several outputs of any other loss.
  const bool per_element = cols == 1 || loss_ == LossKind::binary_crossentropy;
  for (Index r = 0; r < rows; ++r) {
    const T* a = A + r * cols;
    const T* t = Tb + r * cols;
    if (per_element) {
      for (Index c = 0; c < cols; ++c) sums.correct += (a[c] > T(0.5)) == (t[c] > T(0.5));
      sums.judged += double(cols);
    } else {
      const Index predicted = std::max_element(a, a + cols) - a;
      const Index truth = std::max_element(t, t + cols) - t;
      sums.correct += predicted == truth;
      sums.judged += 1;
    }
    for (Index c = 0; c < cols; ++c) {
      const double d = double(a[c]) - double(t[c]);
      sums.abs_error += std::abs(d);
      sums.squared_error += d * d;
    }
  }
  sums.elements += double(rows * cols);
  return loss;
}

template <typename T>
void Network<T>::backward(const T* Xb, Index rows) {
  for (std::size_t l = layers_.size(); l-- > 0;) {
    const LayerSpec& s = layers_[l];
    const T* input = l == 0 ? Xb : A_[l - 1].data();
    // The first layer's dX is nobody's gradient: skip that product.
    T* dX = l == 0 ? nullptr : dA_.data();
    T* db = params_.biases[l] != nullptr ? db_[l].data() : nullptr;
    dense_backward(dX, dW_[l].data(), db, dZ_[l].data(), input, params_.weights[l], rows, s.in,
                   s.out);
    if (l > 0) {
      const LayerSpec& below = layers_[l - 1];
      activation_backward(below.activation, dZ_[l - 1].data(), Z_[l - 1].data(), A_[l - 1].data(),
                          dA_.data(), rows, below.out, T(below.alpha));
    }
  }
}

template <typename T>
double Network<T>::regularization(bool add_gradient) {
  double penalty = 0;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerSpec& s = layers_[l];
    if (s.l1 == 0 && s.l2 == 0) continue;
    const T* W = params_.weights[l];
    T* dW = dW_[l].data();
    const Index n = s.in * s.out;
    const T l1 = T(s.l1), two_l2 = T(2 * s.l2);
    double abs_sum = 0, sq_sum = 0;
    for (Index i = 0; i < n; ++i) {
      abs_sum += std::abs(double(W[i]));
      sq_sum += double(W[i]) * double(W[i]);
      if (add_gradient) {
        const T sign = W[i] > T(0) ? T(1) : (W[i] < T(0) ? T(-1) : T(0));
        dW[i] += l1 * sign + two_l2 * W[i];
      }
    }
    penalty += s.l1 * abs_sum + s.l2 * sq_sum;
  }
  return penalty;
}

template <typename T>
const T* Network<T>::targets_for(const T* Y, const std::int64_t* labels, const Index* order,
                                 Index start, Index rows) {
  const Index cols = layers_.back().out;
  if (labels != nullptr) {  // sparse labels become one-hot rows, a batch at a time
    std::fill(Tb_.begin(), Tb_.begin() + rows * cols, T(0));
    for (Index r = 0; r < rows; ++r) {
      const Index i = order != nullptr ? order[start + r] : start + r;
      Tb_[r * cols + labels[i]] = T(1);
    }
    return Tb_.data();
  }
  if (order == nullptr) return Y + start * cols;
  for (Index r = 0; r < rows; ++r) {
    std::memcpy(&Tb_[r * cols], Y + order[start + r] * cols, sizeof(T) * cols);
  }
  return Tb_.data();
}

template <typename T>
Sums Network<T>::train(const T* X, const T* Y, const std::int64_t* labels, Index n,
                       Index batch_size, bool shuffle, std::uint64_t seed, std::uint64_t epoch,
                       Index first_batch, Index last_batch, double learning_rate,
                       std::int64_t* step, bool metrics) {
  Sums sums;
  const Index in = layers_.front().in;
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

  for (Index b = first_batch; b < last_batch; ++b) {
    const Index start = b * batch_size;
    const Index rows = std::min(batch_size, n - start);
    const T* Xb = X + start * in;
    if (order != nullptr) {
      // A large gather is split between threads: it streams the batch's rows from wherever
      // they lie in X (a 1 GiB data set does not stay in cache).
      const int threads = rows * in >= (Index(1) << 16) ? get_num_threads() : 1;
      for_each_share(rows, threads, [&](Index lo, Index hi) {
        for (Index r = lo; r < hi; ++r)
          std::memcpy(&Xb_[r * in], X + order[start + r] * in, sizeof(T) * in);
      });
      Xb = Xb_.data();
    }
    const T* Tb = targets_for(Y, labels, order, start, rows);

    forward(Xb, rows, /*output_activation=*/metrics);
    const double loss = output_loss(Tb, rows, /*backprop=*/true, metrics, sums);
    backward(Xb, rows);
    const double penalty = regularization(/*add_gradient=*/true);
    if (!std::isfinite(loss + penalty)) {
      sums.finite = false;  // stop before the update: the weights stay those of the last batch
      return sums;
    }
    sums.loss += loss * double(rows);
    sums.regularization += penalty * double(rows);
    sums.samples += double(rows);
    sums.batches += 1;

    *step += 1;
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const LayerSpec& s = layers_[l];
      optimizer_update(optimizer, params_.weights[l], dW_[l].data(), params_.weight_states[l],
                       s.in * s.out, *step);
      if (params_.biases[l] != nullptr) {
        optimizer_update(optimizer, params_.biases[l], db_[l].data(), params_.bias_states[l], s.out,
                         *step);
      }
    }
  }
  return sums;
}

template <typename T>
Sums Network<T>::evaluate(const T* X, const T* Y, const std::int64_t* labels, Index n) {
  Sums sums;
  const Index in = layers_.front().in;
  const double penalty = regularization(/*add_gradient=*/false);
  for (Index start = 0; start < n; start += max_batch_) {
    const Index rows = std::min(max_batch_, n - start);
    forward(X + start * in, rows);
    const double loss = output_loss(targets_for(Y, labels, nullptr, start, rows), rows,
                                    /*backprop=*/false, /*metrics=*/true, sums);
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
    forward(X + start * in, rows);
    std::memcpy(out + start * cols, A_.back().data(), sizeof(T) * rows * cols);
  }
}

template class Network<float>;
template class Network<double>;

}  // namespace fastnn
