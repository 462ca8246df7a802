// perceptron_fit / perceptron_epoch: Rosenblatt's rule, checked by kPerceptronParameters
// (perceptron.hpp), which is exported as fastnn._core.PERCEPTRON.
#include <algorithm>
#include <vector>

#include "checks.hpp"

namespace fastnn_bindings {
namespace {

const fastnn::Parameter& row(const char* name) {
  return *fastnn::find_param(fastnn::kPerceptronParameters, name);
}

// The arguments both kernels take, checked: X (n, d) and labels y of its dtype, w (d,) and b (1,)
// updated in place (so sharing memory with nothing), the learning rate > 0 in that dtype.
template <typename T>
struct PerceptronArgs {
  CArray<T> x, labels;
  py::array_t<T> weights, bias;
  Index n, d;
  T lr;

  PerceptronArgs(const Call& c, py::handle X, py::handle y, py::handle w, py::handle b,
                 double lr_value) {
    x = c.matrix<T>(X, "X", "X");
    n = x.shape(0), d = x.shape(1);
    labels = c.labels<T>(y, "y", "X", n);
    weights = c.inout_vector<T>(w, "w", "X", d, cat("(d,) with d = X.shape[1] = ", d));
    bias = c.inout_vector<T>(b, "b", "X", 1, "(1,)");
    c.refuse_overlap("b", bias, "w", weights);
    c.refuse_overlap("w", weights, "X", x);
    c.refuse_overlap("b", bias, "X", x);
    c.refuse_overlap("w", weights, "y", labels);
    c.refuse_overlap("b", bias, "y", labels);
    lr = c.positive_finite<T>("learning_rate", lr_value);
  }
};

py::array perceptron_fit(py::handle X, py::handle y, py::handle w, py::handle b,
                         py::handle learning_rate, py::handle max_epochs_arg,
                         py::handle shuffle_arg, py::handle seed) {
  const Call c{"perceptron_fit"};
  const double lr_value = c.param(row("learning_rate"), learning_rate);
  const auto max_epochs = static_cast<Index>(c.param(row("max_epochs"), max_epochs_arg));
  const bool shuffle = c.param(row("shuffle"), shuffle_arg) != 0;
  const std::uint64_t seed_value = c.uint64(row("seed"), seed);
  return c.dispatch(X, "X", [&](auto tag) -> py::array {
    using T = decltype(tag);
    PerceptronArgs<T> a(c, X, y, w, b, lr_value);
    std::vector<Index> errors(static_cast<std::size_t>(max_epochs));
    Index epochs_run = 0;
    T *w_ptr = a.weights.mutable_data(), *b_ptr = a.bias.mutable_data();
    {
      py::gil_scoped_release nogil;
      K<T>().perceptron_fit(w_ptr, b_ptr, errors.data(), &epochs_run, a.x.data(), a.labels.data(),
                            a.n, a.d, a.lr, max_epochs, shuffle, seed_value);
    }
    py::array_t<std::int64_t> out(epochs_run);
    std::copy(errors.begin(), errors.begin() + epochs_run, out.mutable_data());
    return out;
  });
}

Index perceptron_epoch(py::handle X, py::handle y, py::handle w, py::handle b, py::handle order,
                       py::handle learning_rate) {
  const Call c{"perceptron_epoch"};
  const double lr_value = c.param(row("learning_rate"), learning_rate);
  return c.dispatch(X, "X", [&](auto tag) -> Index {
    using T = decltype(tag);
    PerceptronArgs<T> a(c, X, y, w, b, lr_value);
    IndexArray idx;
    if (!order.is_none()) idx = c.indices(order, "order", a.n);
    const Index* order_ptr = order.is_none() ? nullptr : idx.data();
    T *w_ptr = a.weights.mutable_data(), *b_ptr = a.bias.mutable_data();
    py::gil_scoped_release nogil;
    return K<T>().perceptron_epoch(w_ptr, b_ptr, a.x.data(), a.labels.data(), order_ptr, a.n, a.d,
                                   a.lr);
  });
}

}  // namespace

void bind_perceptron(py::module_& m) {
  m.def("perceptron_fit", &perceptron_fit, py::arg("X"), py::arg("y"), py::arg("w"), py::arg("b"),
        py::kw_only(), py::arg("learning_rate") = default_of(row("learning_rate")),
        py::arg("max_epochs") = default_of(row("max_epochs")),
        py::arg("shuffle") = default_of(row("shuffle")), py::arg("seed") = default_of(row("seed")),
        "Rosenblatt's perceptron rule, epoch after epoch, updating w and b in place.\n\n"
        "X (n, d), y (n,) of labels 0/1, w (d,) and b (1,) C-contiguous and writeable, all of "
        "one dtype. Each epoch visits the samples in permutation(n, seed, epoch) when shuffle, "
        "else in order; stops after the first epoch without a mistake or after max_epochs. "
        "Returns the mistakes of each epoch run (int64).");
  m.def("perceptron_epoch", &perceptron_epoch, py::arg("X"), py::arg("y"), py::arg("w"),
        py::arg("b"), py::arg("order") = py::none(), py::kw_only(),
        py::arg("learning_rate") = default_of(row("learning_rate")),
        "One pass of Rosenblatt's perceptron rule over the samples in `order` (None: 0..n-1), "
        "updating w and b in place: on a mistake w += lr (y - y_hat) x, b += lr (y - y_hat). "
        "Returns the number of mistakes.");
  py::dict params;
  for (const fastnn::Parameter& p : fastnn::kPerceptronParameters) {
    params[p.name] = parameter_dict(p);
  }
  m.attr("PERCEPTRON") = py::dict(py::arg("parameters") = params);
}

}  // namespace fastnn_bindings
