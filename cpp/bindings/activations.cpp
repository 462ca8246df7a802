// <name>_forward / <name>_backward for every row of kActivations (activations.hpp), and the
// table itself as fastnn._core.ACTIVATIONS.
#include <string>

#include "checks.hpp"

namespace fastnn_bindings {
namespace {

py::array activation_forward(const std::string& fn, const fastnn::ActivationInfo& info,
                             py::handle Z, py::handle alpha) {
  const Call c{fn.c_str()};
  const Activation act = info.id;
  return c.dispatch(Z, "Z", [&](auto tag) -> py::array {
    using T = decltype(tag);
    auto z = c.matrix<T>(Z, "Z", "Z");
    const T a_value = T(info.alpha ? c.param(*info.alpha, alpha) : 0.0);
    const Index rows = z.shape(0), cols = z.shape(1);
    auto a = new_matrix<T>(rows, cols);
    T* a_ptr = a.mutable_data();
    {
      py::gil_scoped_release nogil;
      K<T>().activation_forward(act, a_ptr, z.data(), rows, cols, a_value);
    }
    return a;
  });
}

py::array activation_backward(const std::string& fn, const fastnn::ActivationInfo& info,
                              py::handle Z, py::handle A, py::handle dA, py::handle alpha) {
  const Call c{fn.c_str()};
  const Activation act = info.id;
  return c.dispatch(Z, "Z", [&](auto tag) -> py::array {
    using T = decltype(tag);
    auto z = c.matrix<T>(Z, "Z", "Z");
    auto a = c.same_shape<T>(A, "A", z, "Z");
    auto da = c.same_shape<T>(dA, "dA", z, "Z");
    const T a_value = T(info.alpha ? c.param(*info.alpha, alpha) : 0.0);
    const Index rows = z.shape(0), cols = z.shape(1);
    auto dz = new_matrix<T>(rows, cols);
    T* dz_ptr = dz.mutable_data();
    {
      py::gil_scoped_release nogil;
      K<T>().activation_backward(act, dz_ptr, z.data(), a.data(), da.data(), rows, cols, a_value);
    }
    return dz;
  });
}

}  // namespace

void bind_activations(py::module_& m) {
  py::dict table;
  for (const fastnn::ActivationInfo& info : fastnn::kActivations) {
    const std::string fwd = cat(info.name, "_forward"), bwd = cat(info.name, "_backward");
    const fastnn::ActivationInfo* row = &info;
    const std::string fwd_doc = cat("Activation forward, ", info.forward, ". Returns A = g(Z).");
    const std::string bwd_doc =
        cat("Activation backward of ", info.name, ": ", info.backward, " (A = g(Z)).");
    if (info.alpha != nullptr) {
      m.def(
          fwd.c_str(),
          [row, fwd](py::handle Z, py::handle alpha) {
            return activation_forward(fwd, *row, Z, alpha);
          },
          py::arg("Z"), py::arg("alpha") = default_of(*info.alpha), fwd_doc.c_str());
      m.def(
          bwd.c_str(),
          [row, bwd](py::handle Z, py::handle A, py::handle dA, py::handle alpha) {
            return activation_backward(bwd, *row, Z, A, dA, alpha);
          },
          py::arg("Z"), py::arg("A"), py::arg("dA"), py::arg("alpha") = default_of(*info.alpha),
          bwd_doc.c_str());
    } else {
      m.def(
          fwd.c_str(),
          [row, fwd](py::handle Z) { return activation_forward(fwd, *row, Z, py::none()); },
          py::arg("Z"), fwd_doc.c_str());
      m.def(
          bwd.c_str(),
          [row, bwd](py::handle Z, py::handle A, py::handle dA) {
            return activation_backward(bwd, *row, Z, A, dA, py::none());
          },
          py::arg("Z"), py::arg("A"), py::arg("dA"), bwd_doc.c_str());
    }
    py::dict d;
    d["forward"] = info.forward;
    d["backward"] = info.backward;
    d["alias"] = info.alias ? py::object(py::str(info.alias)) : py::object(py::none());
    d["parameters"] = info.alpha ? py::make_tuple(parameter_dict(*info.alpha)) : py::tuple();
    table[info.name] = d;
  }
  m.attr("ACTIVATIONS") = table;
}

}  // namespace fastnn_bindings
