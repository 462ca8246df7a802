// The fused training loop, fastnn._core.Network: a stack of dense layers whose activations,
// loss and optimizer are named by the core's tables, trained in place on the caller's NumPy
// arrays; and permutation(), the batch order the loop and fastnn.reference share.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "checks.hpp"

namespace fastnn_bindings {
namespace {

// The row of `table` named `name` (ValueError listing the names otherwise).
template <typename Row, std::size_t N>
const Row& by_name(const Call& c, const char* what, const std::string& name,
                   const Row (&table)[N]) {
  std::string known;
  for (const Row& row : table) {
    if (name == row.name) return row;
    known += known.empty() ? row.name : cat(", ", row.name);
  }
  throw py::value_error(cat(c.fn, "(): unknown ", what, " '", name, "'; expected one of ", known));
}

template <typename V>
V dict_get(const py::dict& d, const char* key, V fallback) {
  return d.contains(key) ? d[key].cast<V>() : fallback;
}

// The optimizer's config from a dict {"kind": name, hyper-parameter: value, ...}, by its table
// row: absent ones take the row's default, unknown ones are an error.
OptimizerConfig optimizer_config(const Call& c, const py::dict& d) {
  if (!d.contains("kind")) throw py::value_error(cat(c.fn, "(): optimizer has no 'kind'"));
  const fastnn::OptimizerInfo& info =
      by_name(c, "optimizer", d["kind"].cast<std::string>(), fastnn::kOptimizers);
  for (const auto& [key, value] : d) {
    const std::string k = key.cast<std::string>();
    bool known = k == "kind";
    for (std::size_t i = 0; i < info.parameter_count; ++i) known |= k == info.parameters[i].name;
    for (const fastnn::Parameter& p : fastnn::kClipParameters) known |= k == p.name;
    if (!known) {
      throw py::value_error(
          cat(c.fn, "(): the optimizer ", info.name, " has no parameter '", k, "'"));
    }
  }
  auto given = [&](const fastnn::Parameter& p) {
    return d.contains(p.name) ? py::object(d[p.name]) : py::object();
  };
  OptimizerConfig cfg = c.optimizer(info, given);
  clipping(c, cfg, given);
  return cfg;
}

// A layer's batch normalization and dropout (layer dict keys "batch_norm": None or a dict of
// kBatchNormParameters' names, "dropout": the rate, "dropout_stream"), checked by their rows.
void read_layer_extras(const Call& c, const py::dict& d, std::size_t l, fastnn::LayerSpec& s) {
  if (d.contains("batch_norm") && !d["batch_norm"].is_none()) {
    const py::dict bn = d["batch_norm"].cast<py::dict>();
    for (const auto& [key, value] : bn) {
      if (!fastnn::find_param(fastnn::kBatchNormParameters, key.cast<std::string>())) {
        throw py::value_error(cat(c.fn, "(): layer ", l, ": batch_norm has no parameter '",
                                  key.cast<std::string>(), "'"));
      }
    }
    auto get = [&](const char* name) {
      const fastnn::Parameter& p = *fastnn::find_param(fastnn::kBatchNormParameters, name);
      return bn.contains(name) ? c.param(p, bn[name]) : p.default_value;
    };
    s.batch_norm = true;
    s.bn_momentum = get("momentum");
    s.bn_epsilon = get("epsilon");
    s.bn_center = get("center") != 0;
    s.bn_scale = get("scale") != 0;
  }
  if (d.contains("norm_activation") && !d["norm_activation"].is_none()) {
    if (!s.batch_norm) {
      throw py::value_error(
          cat(c.fn, "(): layer ", l, ": norm_activation applies after a batch normalization"));
    }
    const fastnn::ActivationInfo& act =
        by_name(c, "activation", d["norm_activation"].cast<std::string>(), fastnn::kActivations);
    s.norm_activation = act.id;
    const bool has_alpha = d.contains("norm_alpha") && !d["norm_alpha"].is_none();
    if (act.alpha != nullptr) {
      s.norm_alpha = has_alpha ? c.param(*act.alpha, d["norm_alpha"]) : act.alpha->default_value;
    }
  }
  if (d.contains("dropout") && !d["dropout"].is_none()) {
    s.dropout = c.param(fastnn::kDropoutParameters[0], d["dropout"]);
  }
  if (d.contains("dropout_stream") && !d["dropout_stream"].is_none()) {
    s.dropout_stream = c.uint64(fastnn::kDropoutParameters[1], d["dropout_stream"]);
  }
  if (d.contains("input_dropout") && !d["input_dropout"].is_none()) {
    if (l > 0) {
      throw py::value_error(
          cat(c.fn, "(): layer ", l, ": input_dropout applies to the network's inputs (layer 0)"));
    }
    s.input_dropout = c.param(fastnn::kDropoutParameters[0], d["input_dropout"]);
  }
  if (d.contains("input_dropout_stream") && !d["input_dropout_stream"].is_none()) {
    s.input_dropout_stream = c.uint64(fastnn::kDropoutParameters[1], d["input_dropout_stream"]);
  }
}

// auc: the AUC histograms too, as two arrays (only when asked: they cost a few microseconds).
py::dict sums_to_dict(const fastnn::Sums& s, bool auc) {
  py::dict d;
  d["loss"] = s.loss;
  d["regularization"] = s.regularization;
  d["samples"] = s.samples;
  d["correct"] = s.correct;
  d["judged"] = s.judged;
  d["true_positives"] = s.true_positives;
  d["false_positives"] = s.false_positives;
  d["false_negatives"] = s.false_negatives;
  d["abs_error"] = s.abs_error;
  d["squared_error"] = s.squared_error;
  d["elements"] = s.elements;
  d["argmax_correct"] = s.argmax_correct;
  d["threshold_correct"] = s.threshold_correct;
  d["top_k_correct"] = s.top_k_correct;
  d["finite"] = s.finite;
  d["batches"] = s.batches;
  if (auc) {
    constexpr py::ssize_t k = fastnn::Sums::kAucThresholds;
    d["auc_positives"] = py::array_t<double>(k, s.auc_positives);
    d["auc_negatives"] = py::array_t<double>(k, s.auc_negatives);
  }
  return d;
}

// An array the core reads, and writes through when it trains, for as long as the network
// lives: of dtype T in native byte order, C-contiguous, of exactly `size` elements (any shape),
// and writable unless the network is for inference only (joblib loads weights read-only).
template <typename T>
py::array_t<T> inplace_buffer(const Call& c, py::handle obj, const std::string& name, Index size,
                              bool trainable) {
  py::array a = c.checked_dtype<T>(obj, name.c_str(), "weights[0]");
  if (!(a.flags() & py::array::c_style) || (trainable && !a.writeable())) {
    throw py::value_error(cat(c.fn, "(): ", name,
                              " must be C-contiguous and writable: the network updates it in "
                              "place"));
  }
  if (!CArray<T>::check_(a)) {
    throw py::value_error(cat(c.fn, "(): ", name, " must have native byte order, got dtype ",
                              std::string(py::str(a.dtype()))));
  }
  if (a.size() != size) {
    throw py::value_error(
        cat(c.fn, "(): ", name, " must hold ", size, " values, got shape ", shape_of(a)));
  }
  return py::reinterpret_borrow<py::array_t<T>>(a);
}

// The Python face of Network<float> / Network<double>: checks what comes from Python, keeps
// the arrays the core points into alive, and releases the GIL around the loops.
class PyNetwork {
 public:
  PyNetwork(py::list layers, const std::string& loss, py::dict optimizer, py::list weights,
            py::list biases, py::list weight_states, py::list bias_states, py::handle max_batch_arg,
            bool trainable, py::object batch_norm, py::handle top_k_arg, bool auc)
      : trainable_(trainable), batch_norm_(std::move(batch_norm)), auc_(auc) {
    const Call c{"Network"};
    if (layers.empty()) throw py::value_error("Network(): layers must not be empty");
    const Index max_batch = c.count(max_batch_arg, "max_batch", 1);
    top_k_ = c.count(top_k_arg, "top_k", 0);
    const std::size_t L = layers.size();
    for (const auto& [list, name] : {std::pair{weights, "weights"},
                                     {biases, "biases"},
                                     {weight_states, "weight_states"},
                                     {bias_states, "bias_states"}}) {
      if (list.size() != L) {
        throw py::value_error(cat("Network(): ", name, " must have one entry per layer (", L,
                                  "), got ", list.size()));
      }
    }
    for (std::size_t l = 0; l < L; ++l) {
      py::dict d = layers[l].cast<py::dict>();
      fastnn::LayerSpec s;
      s.in = d["in"].cast<Index>();
      s.out = d["out"].cast<Index>();
      const fastnn::ActivationInfo& act =
          by_name(c, "activation", d["activation"].cast<std::string>(), fastnn::kActivations);
      s.activation = act.id;
      // alpha: checked by the activation's row; None or absent takes its default.
      const bool has_alpha = d.contains("alpha") && !d["alpha"].is_none();
      if (act.alpha != nullptr) {
        s.alpha = has_alpha ? c.param(*act.alpha, d["alpha"]) : act.alpha->default_value;
      } else if (has_alpha && d["alpha"].cast<double>() != 0.0) {
        throw py::value_error(
            cat("Network(): layer ", l, ": alpha applies to leaky_relu and elu, not ", act.name));
      }
      s.use_bias = dict_get(d, "use_bias", true);
      s.l1 = dict_get(d, "l1", 0.0);
      s.l2 = dict_get(d, "l2", 0.0);
      read_layer_extras(c, d, l, s);
      if (l + 1 == L && (s.batch_norm || s.dropout > 0)) {
        throw py::value_error(cat("Network(): the output layer (", l,
                                  ") cannot have batch normalization or dropout: the loss reads "
                                  "its activations"));
      }
      if (s.in < 1 || s.out < 1)
        throw py::value_error(cat("Network(): layer ", l, " has no units"));
      if (l > 0 && s.in != specs_.back().out) {
        throw py::value_error(cat("Network(): layer ", l, " takes ", s.in, " inputs but layer ",
                                  l - 1, " gives ", specs_.back().out));
      }
      specs_.push_back(s);
    }
    const fastnn::LossInfo& loss_row = by_name(c, "loss", loss, fastnn::kLosses);
    loss_ = loss_row.id;
    if (loss_row.kernel < 0 && !fastnn::fuses(loss_, specs_.back().activation)) {
      throw py::value_error(cat("Network(): the loss '", loss, "' needs a ",
                                fastnn::kActivations[loss_row.fused_with].name,
                                " output layer, got '",
                                fastnn::activation_info(specs_.back().activation).name, "'"));
    }
    optimizer_ = optimizer_config(c, optimizer);
    max_batch_value_ = max_batch;
    // The network's code and workspaces are the loaded level's, for the network's whole life.
    level_ = table().level;
    float32_ = c.is_float32(weights[0], "weights[0]");
    if (float32_) {
      f32_ = build<float>(c, weights, biases, weight_states, bias_states, max_batch);
    } else {
      f64_ = build<double>(c, weights, biases, weight_states, bias_states, max_batch);
    }
  }

  const char* level() const { return level_; }

  py::dict train_epoch(py::handle X, py::handle Y, py::handle batch_size_arg, bool shuffle,
                       py::handle seed_arg, py::handle epoch_arg, py::handle learning_rate_arg,
                       py::handle first_batch_arg, py::handle last_batch_arg, bool metrics,
                       py::handle sample_weight) {
    const Call c{"Network.train_epoch"};
    if (!trainable_) {
      throw py::value_error(
          "Network.train_epoch(): this network was made for inference (trainable=False)");
    }
    const Index batch_size = c.count(batch_size_arg, "batch_size", 1);
    const std::uint64_t seed = c.uint64(fastnn::kSeed, seed_arg);
    const std::uint64_t epoch = c.uint64(fastnn::kEpoch, epoch_arg);
    const double learning_rate = c.param(learning_rate_row(), learning_rate_arg);
    const Index first_batch = c.count(first_batch_arg, "first_batch", 0);
    const Index last_batch = c.count(last_batch_arg, "last_batch", -1);
    return float32_ ? train<float>(c, *f32_, X, Y, sample_weight, batch_size, shuffle, seed, epoch,
                                   learning_rate, first_batch, last_batch, metrics)
                    : train<double>(c, *f64_, X, Y, sample_weight, batch_size, shuffle, seed, epoch,
                                    learning_rate, first_batch, last_batch, metrics);
  }

  py::dict evaluate(py::handle X, py::handle Y, py::handle sample_weight) {
    const Call c{"Network.evaluate"};
    return float32_ ? evaluate_as<float>(c, *f32_, X, Y, sample_weight)
                    : evaluate_as<double>(c, *f64_, X, Y, sample_weight);
  }

  py::array predict(py::handle X) {
    const Call c{"Network.predict"};
    return float32_ ? predict_as<float>(c, *f32_, X) : predict_as<double>(c, *f64_, X);
  }

  int data_parallel_threads(py::handle batch_size_arg) const {
    const Index batch_size =
        Call{"Network.data_parallel_threads"}.count(batch_size_arg, "batch_size", 1);
    return float32_ ? f32_->data_parallel_threads(batch_size)
                    : f64_->data_parallel_threads(batch_size);
  }

  bool checkpoint() {
    if (!trainable_) {
      throw py::value_error(
          "Network.checkpoint(): this network was made for inference (trainable=False)");
    }
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(busy_);
    return float32_ ? f32_->checkpoint() : f64_->checkpoint();
  }

  void restore_checkpoint() {
    if (!trainable_) {
      throw py::value_error(
          "Network.restore_checkpoint(): this network was made for inference (trainable=False)");
    }
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(busy_);
    float32_ ? f32_->restore_checkpoint() : f64_->restore_checkpoint();
  }

  std::int64_t step = 0;

  py::int_ get_step() const { return py::int_(step); }
  void set_step(py::handle value) {
    step = static_cast<std::int64_t>(Call{"Network.step"}.count(value, "step", 0));
  }

 private:
  template <typename T>
  std::unique_ptr<fastnn::NetworkApi<T>> build(const Call& c, py::list weights, py::list biases,
                                               py::list weight_states, py::list bias_states,
                                               Index max_batch) {
    fastnn::Parameters<T> p;
    const Index slots = fastnn::optimizer_state_slots(optimizer_.kind);
    for (std::size_t l = 0; l < specs_.size(); ++l) {
      const fastnn::LayerSpec& s = specs_[l];
      const std::string i = cat("[", l, "]");
      p.weights.push_back(
          keep(inplace_buffer<T>(c, weights[l], "weights" + i, s.in * s.out, trainable_)));
      p.weight_states.push_back(keep(inplace_buffer<T>(c, weight_states[l], "weight_states" + i,
                                                       slots * s.in * s.out, trainable_)));
      if (s.use_bias) {
        p.biases.push_back(keep(inplace_buffer<T>(c, biases[l], "biases" + i, s.out, trainable_)));
        p.bias_states.push_back(keep(
            inplace_buffer<T>(c, bias_states[l], "bias_states" + i, slots * s.out, trainable_)));
      } else {
        p.biases.push_back(nullptr);
        p.bias_states.push_back(nullptr);
      }
      add_batch_norm<T>(c, p, l, slots);
    }
    return std::unique_ptr<fastnn::NetworkApi<T>>(
        K<T>().make_network(specs_, loss_, optimizer_, p, max_batch, {top_k_, auc_}));
  }

  // Layer l's batch-normalization arrays, from batch_norm[l] (a dict: gamma, beta, gamma_state,
  // beta_state, moving_mean, moving_variance), or nulls for a layer without.
  template <typename T>
  void add_batch_norm(const Call& c, fastnn::Parameters<T>& p, std::size_t l, Index slots) {
    const fastnn::LayerSpec& s = specs_[l];
    for (auto* v : {&p.gammas, &p.betas, &p.gamma_states, &p.beta_states, &p.moving_means,
                    &p.moving_variances}) {
      v->push_back(nullptr);
    }
    if (!s.batch_norm) return;
    if (batch_norm_.is_none() || py::len(batch_norm_) != specs_.size()) {
      throw py::value_error(cat("Network(): layer ", l,
                                " normalizes its batches: batch_norm must be a list with an entry "
                                "per layer"));
    }
    const py::dict d = batch_norm_.cast<py::list>()[l].cast<py::dict>();
    auto array = [&](const char* key, Index size, bool trained) -> T* {
      if (!d.contains(key))
        throw py::value_error(cat("Network(): batch_norm[", l, "] has no ", key));
      return keep(inplace_buffer<T>(c, d[key], cat("batch_norm[", l, "][", key, "]"), size,
                                    trainable_ && trained));
    };
    // The moving statistics change in training only, like the parameters.
    p.moving_means.back() = array("moving_mean", s.out, true);
    p.moving_variances.back() = array("moving_variance", s.out, true);
    if (s.bn_scale) {
      p.gammas.back() = array("gamma", s.out, true);
      p.gamma_states.back() = array("gamma_state", slots * s.out, true);
    }
    if (s.bn_center) {
      p.betas.back() = array("beta", s.out, true);
      p.beta_states.back() = array("beta_state", slots * s.out, true);
    }
  }

  // Sample weights: None, or (n,) of dtype T, each finite and >= 0.
  template <typename T>
  CArray<T> sample_weights(const Call& c, py::handle obj, Index n) {
    if (obj.is_none()) return CArray<T>();
    CArray<T> w = c.vector<T>(obj, "sample_weight", "X", n,
                              [&] { return cat("(n,) with n = X.shape[0] = ", n); });
    const T* p = w.data();
    for (Index i = 0; i < n; ++i) {
      if (!(std::isfinite(p[i]) && p[i] >= T(0))) {
        throw py::value_error(cat(c.fn, "(): sample_weight[", i, "] = ", double(p[i]),
                                  " is not a finite weight >= 0"));
      }
    }
    return w;
  }

  // Targets: (n, outputs) of dtype T, or int64 labels (n,) in [0, outputs) for the sparse loss.
  template <typename T>
  std::pair<CArray<T>, py::array_t<std::int64_t, py::array::c_style>> targets(const Call& c,
                                                                              py::handle Y, Index n,
                                                                              Index outputs) {
    if (fastnn::loss_info(loss_).labels) {
      py::array a = c.ndarray(Y, "Y");
      if (a.dtype().kind() != 'i' || a.dtype().itemsize() != 8 || a.ndim() != 1 ||
          a.shape(0) != n) {
        throw py::type_error(cat(c.fn, "(): Y must be int64 class labels of shape (", n,
                                 ",) for the sparse loss, got ", std::string(py::str(a.dtype())),
                                 " of shape ", shape_of(a)));
      }
      auto labels = copied(py::array_t<std::int64_t, py::array::c_style>::ensure(a), a);
      const std::int64_t* p = labels.data();
      for (Index i = 0; i < n; ++i) {
        if (p[i] < 0 || p[i] >= outputs) {
          throw py::value_error(
              cat(c.fn, "(): Y[", i, "] = ", p[i], " is not a class label in [0, ", outputs, ")"));
        }
      }
      return {CArray<T>(), labels};
    }
    return {c.matrix<T>(Y, "Y", "X", n, outputs, [&] { return cat("(", n, ", ", outputs, ")"); }),
            {}};
  }

  template <typename T>
  py::dict train(const Call& c, fastnn::NetworkApi<T>& net, py::handle X, py::handle Y,
                 py::handle sample_weight, Index batch_size, bool shuffle, std::uint64_t seed,
                 std::uint64_t epoch, double learning_rate, Index first_batch, Index last_batch,
                 bool metrics) {
    // The learning rate is checked by the optimizer's row, as the config's was.
    auto x = c.matrix<T>(X, "X", "the weights", -1, net.inputs(),
                         [&] { return cat("(n, ", net.inputs(), ")"); });
    const Index n = x.shape(0);
    auto [y, labels] = targets<T>(c, Y, n, net.outputs());
    const CArray<T> weights = sample_weights<T>(c, sample_weight, n);
    const T* w_ptr = sample_weight.is_none() ? nullptr : weights.data();
    if (last_batch < 0) last_batch = (n + batch_size - 1) / batch_size;
    if (batch_size > max_batch()) {
      throw py::value_error(cat(c.fn, "(): batch_size ", batch_size,
                                " is larger than the network's max_batch ", max_batch()));
    }
    const bool sparse = fastnn::loss_info(loss_).labels;
    const T* y_ptr = sparse ? nullptr : y.data();
    const std::int64_t* l_ptr = sparse ? labels.data() : nullptr;
    fastnn::Sums sums;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(busy_);
      sums = net.train(x.data(), y_ptr, l_ptr, w_ptr, n, batch_size, shuffle, seed, epoch,
                       first_batch, last_batch, learning_rate, &step, metrics);
    }
    return sums_to_dict(sums, auc_);
  }

  template <typename T>
  py::dict evaluate_as(const Call& c, fastnn::NetworkApi<T>& net, py::handle X, py::handle Y,
                       py::handle sample_weight) {
    auto x = c.matrix<T>(X, "X", "the weights", -1, net.inputs(),
                         [&] { return cat("(n, ", net.inputs(), ")"); });
    auto [y, labels] = targets<T>(c, Y, x.shape(0), net.outputs());
    const CArray<T> weights = sample_weights<T>(c, sample_weight, x.shape(0));
    const T* w_ptr = sample_weight.is_none() ? nullptr : weights.data();
    const bool sparse = fastnn::loss_info(loss_).labels;
    const T* y_ptr = sparse ? nullptr : y.data();
    const std::int64_t* l_ptr = sparse ? labels.data() : nullptr;
    fastnn::Sums sums;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(busy_);
      sums = net.evaluate(x.data(), y_ptr, l_ptr, w_ptr, x.shape(0));
    }
    return sums_to_dict(sums, auc_);
  }

  template <typename T>
  py::array predict_as(const Call& c, fastnn::NetworkApi<T>& net, py::handle X) {
    auto x = c.matrix<T>(X, "X", "the weights", -1, net.inputs(),
                         [&] { return cat("(n, ", net.inputs(), ")"); });
    auto out = new_matrix<T>(x.shape(0), net.outputs());
    T* out_ptr = out.mutable_data();
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(busy_);
      net.predict(out_ptr, x.data(), x.shape(0));
    }
    return out;
  }

  Index max_batch() const { return max_batch_value_; }

  // The network writes through these arrays for its whole life: it holds them, not the lists
  // they came in (a list's item replaced after construction would otherwise be freed).
  template <typename T>
  T* keep(py::array_t<T> a) {
    kept_.push_back(a);
    // Read-only arrays reach here only for inference, which never writes through them.
    return const_cast<T*>(a.data());
  }

  const fastnn::Parameter& learning_rate_row() const {
    return fastnn::optimizer_info(optimizer_.kind).parameters[0];
  }

  std::vector<fastnn::LayerSpec> specs_;
  fastnn::LossKind loss_;
  fastnn::OptimizerConfig optimizer_;
  bool float32_ = true;
  std::unique_ptr<fastnn::NetworkApi<float>> f32_;
  std::unique_ptr<fastnn::NetworkApi<double>> f64_;
  std::vector<py::object> kept_;
  bool trainable_ = true;
  py::object batch_norm_;
  bool auc_ = false;  // the sums carry AUC's histograms
  Index top_k_ = 0;
  Index max_batch_value_ = 0;
  const char* level_ = "";  // points into the level's library, which is never unloaded
  // The workspaces are the network's own: calls from several Python threads take turns.
  std::mutex busy_;
};

}  // namespace

void bind_network(py::module_& m) {
  m.def(
      "permutation",
      [](py::handle n_arg, py::handle seed_arg, py::handle epoch_arg) {
        const Call c{"permutation"};
        const auto n = static_cast<Index>(c.param(fastnn::kPermutationSize, n_arg));
        const std::uint64_t seed = c.uint64(fastnn::kSeed, seed_arg);
        const std::uint64_t epoch = c.uint64(fastnn::kEpoch, epoch_arg);
        py::array_t<std::int64_t> idx(n);
        std::int64_t* p = idx.mutable_data();
        {
          py::gil_scoped_release nogil;
          static_assert(sizeof(Index) == sizeof(std::int64_t));
          fastnn::shuffle_indices(reinterpret_cast<Index*>(p), n, seed, epoch);
        }
        return idx;
      },
      py::arg("n"), py::arg("seed"), py::arg("epoch"),
      "The batch order of one epoch: a permutation of range(n) drawn from (seed, epoch) by "
      "SplitMix64 and Fisher-Yates, the same the training loops use.");
  py::class_<PyNetwork>(m, "Network",
                        "A stack of dense layers with its fused C++ training loop. It trains the "
                        "given NumPy weights and optimizer state in place.")
      .def(py::init<py::list, const std::string&, py::dict, py::list, py::list, py::list, py::list,
                    py::handle, bool, py::object, py::handle, bool>(),
           py::arg("layers"), py::arg("loss"), py::arg("optimizer"), py::arg("weights"),
           py::arg("biases"), py::arg("weight_states"), py::arg("bias_states"),
           py::arg("max_batch"), py::kw_only(), py::arg("trainable") = true,
           py::arg("batch_norm") = py::none(), py::arg("top_k") = 0, py::arg("auc") = false,
           "trainable=False makes a network for predict and evaluate only: its arrays may then "
           "be read-only (train_epoch refuses). A layer dict may have 'batch_norm' (None or a "
           "dict of BATCH_NORM's parameters), 'dropout' (the rate, DROPOUT's) and "
           "'dropout_stream'; batch_norm then lists, per layer, None or a dict of its arrays "
           "(gamma, beta, gamma_state, beta_state, moving_mean, moving_variance), trained in "
           "place. The optimizer dict may have CLIPPING's parameters. top_k > 0 counts the rows "
           "whose target class is among the top_k outputs (top_k_correct); auc adds AUC's "
           "histograms of a one-output network to the sums (auc_positives, auc_negatives: 200 "
           "buckets).")
      .def_property_readonly("level", &PyNetwork::level,
                             "The instruction-set level whose code this network runs: the one "
                             "loaded when it was made, even after fastnn._isa.load() switches.")
      .def("train_epoch", &PyNetwork::train_epoch, py::arg("X"), py::arg("Y"), py::kw_only(),
           py::arg("batch_size"), py::arg("shuffle"), py::arg("seed"), py::arg("epoch"),
           py::arg("learning_rate"), py::arg("first_batch") = 0, py::arg("last_batch") = -1,
           py::arg("metrics") = true, py::arg("sample_weight") = py::none(),
           "Train batches [first_batch, last_batch) of one epoch; returns the sums of loss and "
           "metrics over the samples seen. sample_weight (n,) scales each sample's loss and "
           "gradient (Keras' weighted mean: divided by the rows, not by the weights' sum).")
      .def("evaluate", &PyNetwork::evaluate, py::arg("X"), py::arg("Y"),
           py::arg("sample_weight") = py::none(),
           "Loss (with the regularization penalty) and metric sums over X, no update; "
           "sample_weight weighs the loss as in train_epoch.")
      .def("predict", &PyNetwork::predict, py::arg("X"), "The network's output for X.")
      .def("data_parallel_threads", &PyNetwork::data_parallel_threads, py::arg("batch_size"),
           "How many threads train batches of batch_size rows data-parallel now (1: one thread "
           "runs the batch loop; its largest products may still split).")
      .def("checkpoint", &PyNetwork::checkpoint,
           "If every trained value (weights, biases, gamma, beta, their optimizer states, the "
           "moving statistics) is finite, copy them all aside and return True; else copy "
           "nothing and return False.")
      .def("restore_checkpoint", &PyNetwork::restore_checkpoint,
           "Copy the last checkpoint's values back into the trained arrays (nothing before the "
           "first checkpoint).")
      .def_property("step", &PyNetwork::get_step, &PyNetwork::set_step,
                    "The optimizer's update count.");
}

}  // namespace fastnn_bindings
