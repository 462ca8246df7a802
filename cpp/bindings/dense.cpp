// dense_forward / dense_backward: Z = X W + b and its gradients.
#include "checks.hpp"

namespace fastnn_bindings {
namespace {

py::array dense_forward(py::handle X, py::handle W, py::handle b) {
  const Call c{"dense_forward"};
  return c.dispatch(X, "X", [&](auto tag) -> py::array {
    using T = decltype(tag);
    auto x = c.matrix<T>(X, "X", "X");
    const Index batch = x.shape(0), in = x.shape(1);
    auto w = c.matrix<T>(W, "W", "X", in, -1,
                         [&] { return cat("(in, out) with in = X.shape[1] = ", in); });
    const Index out = w.shape(1);
    CArray<T> bias;
    if (!b.is_none())
      bias = c.vector<T>(b, "b", "X", out, [&] { return cat("(out,) = (", out, ",)"); });
    auto z = new_matrix<T>(batch, out);
    const T* bias_ptr = b.is_none() ? nullptr : bias.data();
    T* z_ptr = z.mutable_data();
    {
      py::gil_scoped_release nogil;
      K<T>().dense_forward(z_ptr, x.data(), w.data(), bias_ptr, batch, in, out);
    }
    return z;
  });
}

py::tuple dense_backward(py::handle X, py::handle W, py::handle dZ) {
  const Call c{"dense_backward"};
  return c.dispatch(X, "X", [&](auto tag) -> py::tuple {
    using T = decltype(tag);
    auto x = c.matrix<T>(X, "X", "X");
    const Index batch = x.shape(0), in = x.shape(1);
    auto w = c.matrix<T>(W, "W", "X", in, -1,
                         [&] { return cat("(in, out) with in = X.shape[1] = ", in); });
    const Index out = w.shape(1);
    auto dz = c.matrix<T>(dZ, "dZ", "X", batch, out, [&] {
      return cat("(X.shape[0], W.shape[1]) = (", batch, ", ", out, ")");
    });
    auto dx = new_matrix<T>(batch, in);
    auto dw = new_matrix<T>(in, out);
    CArray<T> db(out);
    T *dx_ptr = dx.mutable_data(), *dw_ptr = dw.mutable_data(), *db_ptr = db.mutable_data();
    {
      py::gil_scoped_release nogil;
      K<T>().dense_backward(dx_ptr, dw_ptr, db_ptr, dz.data(), x.data(), w.data(), batch, in, out);
    }
    return py::make_tuple(dx, dw, db);
  });
}

}  // namespace

void bind_dense(py::module_& m) {
  m.def("dense_forward", &dense_forward, py::arg("X"), py::arg("W"), py::arg("b") = py::none(),
        "Dense layer forward: Z = X @ W + b.\n\n"
        "X (batch, in), W (in, out), b (out,) or None; returns Z (batch, out).");
  m.def("dense_backward", &dense_backward, py::arg("X"), py::arg("W"), py::arg("dZ"),
        "Dense layer backward: returns (dX, dW, db) = (dZ @ W.T, X.T @ dZ, dZ.sum(0)).");
}

}  // namespace fastnn_bindings
