// dropout_forward / dropout_backward and dropout_key, the kernels the fused loop runs for a
// Dropout layer, and its table as fastnn._core.DROPOUT (dropout.hpp).
#include "checks.hpp"

namespace fastnn_bindings {
namespace {

const fastnn::Parameter& key_row(const char* name) {
  return *fastnn::find_param(fastnn::kDropoutKeyParameters, name);
}

}  // namespace

void bind_dropout(py::module_& m) {
  m.def(
      "dropout_key",
      [](py::handle seed, py::handle step, py::handle stream) {
        const Call c{"dropout_key"};
        return fastnn::dropout_key(c.uint64(key_row("seed"), seed), c.uint64(key_row("step"), step),
                                   c.uint64(key_row("stream"), stream));
      },
      py::arg("seed"), py::arg("step"), py::arg("stream"),
      "The key of one batch's dropout masks for one layer: SplitMix64 of the model's seed, the "
      "1-based number of the update and the layer's stream. Returns an int.");
  m.def(
      "dropout_forward",
      [](py::handle A, py::handle rate_arg, py::handle key_arg, py::handle row0_arg) {
        const Call c{"dropout_forward"};
        return c.dispatch(A, "A", [&](auto tag) -> py::tuple {
          using T = decltype(tag);
          auto a = c.matrix<T>(A, "A", "A");
          const double rate = c.param(fastnn::kDropoutParameters[0], rate_arg);
          const std::uint64_t key = c.uint64(key_row("key"), key_arg);
          const Index row0 = c.count(row0_arg, "row0", 0);
          auto out = new_matrix<T>(a.shape(0), a.shape(1));
          auto mask = new_matrix<T>(a.shape(0), a.shape(1));
          T* o = out.mutable_data();
          T* k = mask.mutable_data();
          {
            py::gil_scoped_release nogil;
            K<T>().dropout_forward(o, k, a.data(), a.shape(0), a.shape(1), row0, rate, key);
          }
          return py::make_tuple(out, mask);
        });
      },
      py::arg("A"), py::kw_only(), py::arg("rate"), py::arg("key"), py::arg("row0") = 0,
      "Inverted dropout of A (batch, features) in training: (out, mask). Element i (row-major, "
      "row r being row row0 + r of the batch) is kept, divided by 1 - rate, when the top 53 "
      "bits of draw i of SplitMix64(key) are >= rate * 2**53, else set to 0; mask is 1 where "
      "kept, 0 where dropped, in A's dtype.");
  m.def(
      "dropout_backward",
      [](py::handle dout, py::handle mask, py::handle rate_arg) {
        const Call c{"dropout_backward"};
        return c.dispatch(dout, "dout", [&](auto tag) -> py::array {
          using T = decltype(tag);
          auto d = c.matrix<T>(dout, "dout", "dout");
          auto k = c.same_shape<T>(mask, "mask", d, "dout");
          const double rate = c.param(fastnn::kDropoutParameters[0], rate_arg);
          auto dA = new_matrix<T>(d.shape(0), d.shape(1));
          T* out = dA.mutable_data();
          {
            py::gil_scoped_release nogil;
            K<T>().dropout_backward(out, k.data(), d.data(), d.shape(0) * d.shape(1), rate);
          }
          return dA;
        });
      },
      py::arg("dout"), py::arg("mask"), py::kw_only(), py::arg("rate"),
      "The gradient through dropout_forward: dout / (1 - rate) where mask is 1, else 0.");
  py::dict rows;
  for (const fastnn::Parameter& p : fastnn::kDropoutParameters) rows[p.name] = parameter_dict(p);
  m.attr("DROPOUT") = rows;
}

}  // namespace fastnn_bindings
