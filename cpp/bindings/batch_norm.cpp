// batch_norm_forward / batch_norm_inference / batch_norm_backward, the kernels the fused loop
// runs for a BatchNormalization layer, and its table as fastnn._core.BATCH_NORM
// (batch_norm.hpp).
#include "checks.hpp"

namespace fastnn_bindings {
namespace {

const fastnn::Parameter& row(const char* name) {
  return *fastnn::find_param(fastnn::kBatchNormParameters, name);
}

// gamma or beta: None, or (cols,) of A's dtype.
template <typename T>
CArray<T> optional_vector(const Call& c, py::handle obj, const char* name, Index cols) {
  if (obj.is_none()) return CArray<T>();
  return c.vector<T>(obj, name, "A", cols, [&] { return cat("(", cols, ",)"); });
}

template <typename T>
const T* data_or_null(py::handle obj, const CArray<T>& a) {
  return obj.is_none() ? nullptr : a.data();
}

}  // namespace

void bind_batch_norm(py::module_& m) {
  m.def(
      "batch_norm_forward",
      [](py::handle A, py::handle gamma, py::handle beta, py::handle moving_mean,
         py::handle moving_variance, py::handle momentum_arg, py::handle epsilon_arg) {
        const Call c{"batch_norm_forward"};
        return c.dispatch(A, "A", [&](auto tag) -> py::tuple {
          using T = decltype(tag);
          auto a = c.matrix<T>(A, "A", "A");
          const Index rows = a.shape(0), cols = a.shape(1);
          if (rows < 1) {
            throw py::value_error(
                "batch_norm_forward(): A must have at least one row: a batch's "
                "statistics need one");
          }
          auto g = optional_vector<T>(c, gamma, "gamma", cols);
          auto b = optional_vector<T>(c, beta, "beta", cols);
          auto mm = c.in_place<T>(moving_mean, "moving_mean", "A");
          auto mv = c.in_place<T>(moving_variance, "moving_variance", "A", &mm, "moving_mean");
          if (mm.ndim() != 1 || mm.shape(0) != cols) {
            throw py::value_error(cat("batch_norm_forward(): moving_mean must have shape (", cols,
                                      ",), got ", shape_of(mm)));
          }
          const double momentum = c.param(row("momentum"), momentum_arg);
          const double epsilon = c.param(row("epsilon"), epsilon_arg);
          auto out = new_matrix<T>(rows, cols);
          auto H = new_matrix<T>(rows, cols);
          py::array_t<double> mean(cols), inv_std(cols);
          T* o = out.mutable_data();
          T* h = H.mutable_data();
          double* mu = mean.mutable_data();
          double* is = inv_std.mutable_data();
          T* mm_ptr = mm.mutable_data();
          T* mv_ptr = mv.mutable_data();
          {
            py::gil_scoped_release nogil;
            K<T>().batch_norm_forward(o, h, mu, is, mm_ptr, mv_ptr, a.data(),
                                      data_or_null(gamma, g), data_or_null(beta, b), rows, cols,
                                      momentum, epsilon);
          }
          return py::make_tuple(out, H, inv_std);
        });
      },
      py::arg("A"), py::arg("gamma"), py::arg("beta"), py::arg("moving_mean"),
      py::arg("moving_variance"), py::kw_only(), py::arg("momentum") = default_of(row("momentum")),
      py::arg("epsilon") = default_of(row("epsilon")),
      "Batch normalization in training: (out, H, inv_std). Each column of A (batch, features) "
      "is normalized by the batch's mean and biased variance (summed in double), H = (A - mean) "
      "* inv_std with inv_std = 1 / sqrt(var + epsilon) (float64), out = gamma * H + beta (gamma, "
      "beta: None or (features,)); moving_mean and moving_variance (features,) move in place: "
      "moving = moving * momentum + batch * (1 - momentum).");
  m.def(
      "batch_norm_inference",
      [](py::handle A, py::handle gamma, py::handle beta, py::handle moving_mean,
         py::handle moving_variance, py::handle epsilon_arg) {
        const Call c{"batch_norm_inference"};
        return c.dispatch(A, "A", [&](auto tag) -> py::array {
          using T = decltype(tag);
          auto a = c.matrix<T>(A, "A", "A");
          const Index rows = a.shape(0), cols = a.shape(1);
          auto g = optional_vector<T>(c, gamma, "gamma", cols);
          auto b = optional_vector<T>(c, beta, "beta", cols);
          auto text = [&] { return cat("(", cols, ",)"); };
          auto mm = c.vector<T>(moving_mean, "moving_mean", "A", cols, text);
          auto mv = c.vector<T>(moving_variance, "moving_variance", "A", cols, text);
          const double epsilon = c.param(row("epsilon"), epsilon_arg);
          auto out = new_matrix<T>(rows, cols);
          T* o = out.mutable_data();
          {
            py::gil_scoped_release nogil;
            K<T>().batch_norm_inference(o, a.data(), mm.data(), mv.data(), data_or_null(gamma, g),
                                        data_or_null(beta, b), rows, cols, epsilon);
          }
          return out;
        });
      },
      py::arg("A"), py::arg("gamma"), py::arg("beta"), py::arg("moving_mean"),
      py::arg("moving_variance"), py::kw_only(), py::arg("epsilon") = default_of(row("epsilon")),
      "Batch normalization in predict and evaluate: gamma * (A - moving_mean) / "
      "sqrt(moving_variance + epsilon) + beta.");
  m.def(
      "batch_norm_backward",
      [](py::handle dout, py::handle H, py::handle inv_std, py::handle gamma) {
        const Call c{"batch_norm_backward"};
        return c.dispatch(dout, "dout", [&](auto tag) -> py::tuple {
          using T = decltype(tag);
          auto d = c.matrix<T>(dout, "dout", "dout");
          auto h = c.same_shape<T>(H, "H", d, "dout");
          const Index rows = d.shape(0), cols = d.shape(1);
          auto text = [&] { return cat("(", cols, ",)"); };
          auto is = c.vector<double>(inv_std, "inv_std", "float64", cols, text);
          auto g = optional_vector<T>(c, gamma, "gamma", cols);
          auto dA = new_matrix<T>(rows, cols);
          py::array_t<T> dgamma(cols), dbeta(cols);
          std::vector<double> sums(2 * cols);
          T* da = dA.mutable_data();
          T* dg = dgamma.mutable_data();
          T* db = dbeta.mutable_data();
          {
            py::gil_scoped_release nogil;
            K<T>().batch_norm_backward(da, dg, db, sums.data(), d.data(), h.data(), is.data(),
                                       data_or_null(gamma, g), rows, cols);
          }
          return py::make_tuple(dA, dgamma, dbeta);
        });
      },
      py::arg("dout"), py::arg("H"), py::arg("inv_std"), py::arg("gamma"),
      "The gradients through batch_norm_forward: (dA, dgamma, dbeta), dgamma = sum(dout * H) "
      "and dbeta = sum(dout) over the rows, dA = gamma * inv_std / n * (n * dout - sum(dout) - "
      "H * sum(dout * H)).");
  py::dict rows;
  for (const fastnn::Parameter& p : fastnn::kBatchNormParameters) rows[p.name] = parameter_dict(p);
  m.attr("BATCH_NORM") = rows;
}

}  // namespace fastnn_bindings
