// <name>_forward / <name>_backward for every row of kLossKernels (losses.hpp), and the tables
// as fastnn._core.LOSS_KERNELS (the kernels) and fastnn._core.LOSSES (what a network trains on).
#include <string>

#include "checks.hpp"

namespace fastnn_bindings {
namespace {

double loss_forward(const std::string& fn, fastnn::LossKernel k, py::handle Y, py::handle Tg) {
  const Call c{fn.c_str()};
  return c.dispatch(Y, "Y", [&](auto tag) -> double {
    using T = decltype(tag);
    auto y = c.matrix<T>(Y, "Y", "Y");
    auto t = c.same_shape<T>(Tg, "T", y, "Y");
    py::gil_scoped_release nogil;
    return K<T>().loss_forward(k, y.data(), t.data(), y.shape(0), y.shape(1));
  });
}

py::array loss_backward(const std::string& fn, fastnn::LossKernel k, py::handle Y, py::handle Tg) {
  const Call c{fn.c_str()};
  return c.dispatch(Y, "Y", [&](auto tag) -> py::array {
    using T = decltype(tag);
    auto y = c.matrix<T>(Y, "Y", "Y");
    auto t = c.same_shape<T>(Tg, "T", y, "Y");
    auto dy = new_matrix<T>(y.shape(0), y.shape(1));
    T* dy_ptr = dy.mutable_data();
    {
      py::gil_scoped_release nogil;
      K<T>().loss_backward(k, dy_ptr, y.data(), t.data(), y.shape(0), y.shape(1));
    }
    return dy;
  });
}

py::object name_or_none(int index, const char* (*name)(int)) {
  return index < 0 ? py::object(py::none()) : py::object(py::str(name(index)));
}

}  // namespace

void bind_losses(py::module_& m) {
  py::dict kernels;
  for (const fastnn::LossKernelInfo& e : fastnn::kLossKernels) {
    const std::string fwd = cat(e.name, "_forward"), bwd = cat(e.name, "_backward");
    const fastnn::LossKernel k = e.id;
    m.def(
        fwd.c_str(), [k, fwd](py::handle Y, py::handle Tg) { return loss_forward(fwd, k, Y, Tg); },
        py::arg("Y"), py::arg("T"), cat("Loss value: ", e.doc, ". Returns a float.").c_str());
    m.def(
        bwd.c_str(), [k, bwd](py::handle Y, py::handle Tg) { return loss_backward(bwd, k, Y, Tg); },
        py::arg("Y"), py::arg("T"),
        cat("Loss gradient dLoss/dY of ", e.name, "_forward (", e.doc, ").").c_str());
    kernels[e.name] = py::dict(py::arg("doc") = e.doc);
  }
  m.attr("LOSS_KERNELS") = kernels;

  auto kernel_name = [](int i) { return fastnn::kLossKernels[i].name; };
  auto activation_name = [](int i) { return fastnn::kActivations[i].name; };
  py::dict losses;
  for (const fastnn::LossInfo& l : fastnn::kLosses) {
    py::dict d;
    d["alias"] = l.alias ? py::object(py::str(l.alias)) : py::object(py::none());
    d["kernel"] = name_or_none(l.kernel, kernel_name);
    d["fused_with"] = name_or_none(l.fused_with, activation_name);
    d["fused_kernel"] = name_or_none(l.fused_kernel, kernel_name);
    d["labels"] = l.labels;
    d["doc"] = l.doc;
    losses[l.name] = d;
  }
  m.attr("LOSSES") = losses;
}

}  // namespace fastnn_bindings
