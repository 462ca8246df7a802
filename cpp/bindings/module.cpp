// fastnn._core: the only pybind11 file. It converts NumPy arrays, checks them, releases the
// GIL and calls the core. No math here: every formula lives in cpp/fastnn/.
//
// It is compiled once, for the baseline instruction set, and holds no Eigen: it calls the core
// through the KernelTable of the level library that fastnn/_isa.py loads with _load_level()
// (kernel_table.hpp says why the levels live in libraries of their own).
//
// Checking rules, the same for every kernel:
//   * arrays must be numpy.ndarray of float32 or float64; the first array argument sets the
//     dtype and every other one must match it (TypeError: fastnn never casts silently);
//   * shapes are checked against each other (ValueError naming the argument, the expected
//     and the actual shape);
//   * non-contiguous inputs (Fortran order, strided views) are read through a C-contiguous
//     copy, which gives the same result; outputs are always new C-contiguous arrays;
//   * arrays a kernel updates in place (the optimizers' parameters and state) are used as they
//     come, so they must be C-contiguous, writable and of native byte order, and must not
//     share memory with each other (ValueError naming the argument otherwise);
//   * hyper-parameters are checked against their ranges (ValueError naming the parameter).
#include <dlfcn.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "fastnn/kernel_table.hpp"
#include "fastnn/random.hpp"

namespace py = pybind11;
using fastnn::Activation;
using fastnn::Index;
using fastnn::OptimizerConfig;
using fastnn::OptimizerKind;

namespace {

// The level in use; every kernel call reads it. Libraries once loaded stay loaded (a Network
// made by one level keeps running that level's code after a switch).
std::atomic<const fastnn::KernelTable*> g_table{nullptr};

const fastnn::KernelTable& table() {
  const fastnn::KernelTable* t = g_table.load(std::memory_order_acquire);
  if (t == nullptr) {
    throw std::runtime_error(
        "fastnn._core: no instruction-set level is loaded; import fastnn, which loads one");
  }
  return *t;
}

// The kernels of dtype T of the level in use.
template <typename T>
const fastnn::KernelsOf<T>& K() {
  if constexpr (sizeof(T) == 4)
    return table().f32;
  else
    return table().f64;
}

template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

// A shape or strides as Python prints the tuple: (3,), (4, 3).
std::string tuple_of(const py::ssize_t* values, py::ssize_t ndim) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < ndim; ++i) {
    s += std::to_string(values[i]);
    if (ndim == 1 || i + 1 < ndim) s += ndim == 1 ? "," : ", ";
  }
  return s + ")";
}

std::string shape_of(const py::array& a) {
  return tuple_of(a.shape(), a.ndim());
}

bool same_shape_as(const py::array& a, const py::array& b) {
  if (a.ndim() != b.ndim()) return false;
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    if (a.shape(i) != b.shape(i)) return false;
  }
  return true;
}

template <typename T>
const char* dtype_name() {
  return sizeof(T) == 4 ? "float32" : "float64";
}

template <typename T>
using CArray = py::array_t<T, py::array::c_style>;
using IndexArray = py::array_t<Index, py::array::c_style | py::array::forcecast>;

// The arrays of one optimizer update, checked: param and the S state arrays, updated in place,
// and grad, read; all n values of param's shape and dtype. The arrays keep the memory alive
// while the pointers are used.
template <typename T, std::size_t S>
struct UpdateArrays {
  CArray<T> param_array, grad_array;
  std::array<CArray<T>, S> state_arrays;
  T* param;
  const T* grad;
  std::array<T*, S> state;
  Index n;
};

// `a` (of dtype T, checked) as a C-contiguous array: itself when it already is one (no
// NumPy call: for a 10 x 8 layer that is a tenth of the kernel's time), else a copy.
template <typename T>
CArray<T> contiguous(const py::array& a) {
  const bool native = a.dtype().byteorder() != '>';
  if (native && (a.flags() & py::array::c_style)) return py::reinterpret_borrow<CArray<T>>(a);
  return CArray<T>::ensure(a);
}

// The checks of one call; `fn` names the kernel in every message.
struct Call {
  const char* fn;

  py::array ndarray(py::handle obj, const char* name) const {
    if (!py::isinstance<py::array>(obj)) {
      throw py::type_error(cat(fn, "(): ", name,
                               " must be a numpy.ndarray of float32 or float64, got ",
                               std::string(py::str(py::type::handle_of(obj).attr("__name__")))));
    }
    return py::reinterpret_borrow<py::array>(obj);
  }

  // The dtype of the first array argument picks the kernel's precision.
  bool is_float32(py::handle obj, const char* name) const {
    py::array a = ndarray(obj, name);
    const py::dtype dt = a.dtype();
    if (dt.kind() == 'f' && dt.itemsize() == 4) return true;
    if (dt.kind() == 'f' && dt.itemsize() == 8) return false;
    throw py::type_error(cat(fn, "(): ", name, " must have dtype float32 or float64, got ",
                             std::string(py::str(dt))));
  }

  // A 2-D array of dtype T, C-contiguous; rows/cols of -1 accept any size. `expected`
  // spells the expected shape for the message, e.g. "(X.shape[1], out) = (8, out)".
  template <typename T>
  CArray<T> matrix(py::handle obj, const char* name, const char* like) const {
    return matrix<T>(obj, name, like, -1, -1, [] { return std::string("(batch, features)"); });
  }

  // `expected()` is called only to word an error: building the text costs more than a small
  // kernel's whole work.
  template <typename T, typename Expected>
  CArray<T> matrix(py::handle obj, const char* name, const char* like, Index rows, Index cols,
                   Expected&& expected) const {
    py::array a = checked_dtype<T>(obj, name, like);
    if (a.ndim() != 2) {
      throw py::value_error(cat(fn, "(): ", name, " must be a 2-D array of shape ", expected(),
                                ", got a ", a.ndim(), "-D array of shape ", shape_of(a)));
    }
    if ((rows >= 0 && a.shape(0) != rows) || (cols >= 0 && a.shape(1) != cols)) {
      throw py::value_error(
          cat(fn, "(): ", name, " must have shape ", expected(), ", got ", shape_of(a)));
    }
    return contiguous<T>(a);
  }

  template <typename T, typename Expected>
  CArray<T> vector(py::handle obj, const char* name, const char* like, Index size,
                   Expected&& expected) const {
    py::array a = checked_dtype<T>(obj, name, like);
    if (a.ndim() != 1 || a.shape(0) != size) {
      throw py::value_error(cat(fn, "(): ", name, " must be a 1-D array of shape ", expected(),
                                ", got shape ", shape_of(a)));
    }
    return contiguous<T>(a);
  }

  // Another array of the same shape as `ref` (named `ref_name`).
  template <typename T>
  CArray<T> same_shape(py::handle obj, const char* name, const CArray<T>& ref,
                       const char* ref_name) const {
    return matrix<T>(obj, name, ref_name, ref.shape(0), ref.shape(1),
                     [&] { return cat(ref_name, ".shape = ", shape_of(ref)); });
  }

  template <typename T>
  py::array checked_dtype(py::handle obj, const char* name, const char* like) const {
    py::array a = ndarray(obj, name);
    const py::dtype dt = a.dtype();
    if (!(dt.kind() == 'f' && dt.itemsize() == py::ssize_t(sizeof(T)))) {
      throw py::type_error(cat(fn, "(): ", name, " must have dtype ", dtype_name<T>(), " like ",
                               like, ", got ", std::string(py::str(dt)),
                               " (fastnn never casts silently; convert with .astype())"));
    }
    return a;
  }

  // A 1-D array of dtype T the kernel writes into: it must be the caller's own memory, so it
  // cannot be read through a copy as the inputs are.
  template <typename T>
  py::array_t<T> inout_vector(py::handle obj, const char* name, const char* like, Index size,
                              const std::string& expected) const {
    py::array a = checked_dtype<T>(obj, name, like);
    if (a.ndim() != 1 || a.shape(0) != size) {
      throw py::value_error(cat(fn, "(): ", name, " must be a 1-D array of shape ", expected,
                                ", got shape ", shape_of(a)));
    }
    if (!(a.flags() & py::array::c_style)) {
      throw py::value_error(cat(fn, "(): ", name, " is updated in place: it must be C-contiguous",
                                ", got a strided view (pass a contiguous array)"));
    }
    if (!CArray<T>::check_(a)) {  // the core would write native values into swapped bytes
      throw py::value_error(cat(fn, "(): ", name,
                                " is updated in place, so it must have native byte order; got "
                                "dtype ",
                                std::string(py::str(a.dtype()))));
    }
    if (!a.writeable()) {
      throw py::value_error(cat(fn, "(): ", name, " is updated in place: it must be writeable",
                                ", got a read-only array"));
    }
    return py::reinterpret_borrow<py::array_t<T>>(a);
  }

  // An array written in place must not share memory with another argument: the writes would
  // change what the kernel reads (b passed as a view of w, or of X).
  void refuse_overlap(const char* written, const py::array& a, const char* other,
                      const py::array& b) const {
    const auto start_a = reinterpret_cast<std::uintptr_t>(a.data());
    const auto start_b = reinterpret_cast<std::uintptr_t>(b.data());
    const auto bytes_a = static_cast<std::uintptr_t>(a.nbytes());
    const auto bytes_b = static_cast<std::uintptr_t>(b.nbytes());
    if (bytes_a > 0 && bytes_b > 0 && start_a < start_b + bytes_b && start_b < start_a + bytes_a) {
      throw py::value_error(cat(fn, "(): ", written, " and ", other, " share memory; ", written,
                                " is updated in place and needs an "
                                "array of its own"));
    }
  }

  // Binary labels: a vector of dtype T whose every value is 0 or 1.
  template <typename T>
  CArray<T> labels(py::handle obj, const char* name, const char* like, Index size) const {
    CArray<T> a =
        vector<T>(obj, name, like, size, [&] { return cat("(n,) with n = X.shape[0] = ", size); });
    const T* p = a.data();
    for (Index i = 0; i < size; ++i) {
      if (!(p[i] == T(0) || p[i] == T(1))) {
        throw py::value_error(cat(fn, "(): ", name, " must hold the labels 0 and 1 only, got ",
                                  name, "[", i, "] = ", double(p[i])));
      }
    }
    return a;
  }

  // n row indices into a matrix of n rows, as any integer dtype (read as int64).
  IndexArray indices(py::handle obj, const char* name, Index n) const {
    if (!py::isinstance<py::array>(obj)) {
      throw py::type_error(cat(fn, "(): ", name, " must be a numpy.ndarray of integers, got ",
                               std::string(py::str(py::type::handle_of(obj).attr("__name__")))));
    }
    py::array a = py::reinterpret_borrow<py::array>(obj);
    if (a.dtype().kind() != 'i' && a.dtype().kind() != 'u') {
      throw py::type_error(cat(fn, "(): ", name, " must have an integer dtype, got ",
                               std::string(py::str(a.dtype()))));
    }
    if (a.ndim() != 1 || a.shape(0) != n) {
      const std::string expected = cat("(n,) with n = X.shape[0] = ", n);
      throw py::value_error(cat(fn, "(): ", name, " must be a 1-D array of shape ", expected,
                                ", got shape ", shape_of(a)));
    }
    auto idx = IndexArray::ensure(a);
    if (!idx) throw py::error_already_set();
    const Index* p = idx.data();
    for (Index k = 0; k < n; ++k) {
      if (p[k] < 0 || p[k] >= n) {
        throw py::value_error(cat(fn, "(): ", name, " must hold row indices 0 <= i < ", n, ", got ",
                                  name, "[", k, "] = ", p[k]));
      }
    }
    return idx;
  }

  // A hyper-parameter > 0, checked in the kernel's precision: 1e-50 is 0 in float32.
  template <typename T>
  T positive_finite(const char* name, double value) const {
    const T v = T(value);
    if (!(std::isfinite(v) && v > T(0))) {
      throw py::value_error(cat(fn, "(): ", name, " must be a finite number > 0 in ",
                                dtype_name<T>(), ", got ", value));
    }
    return v;
  }

  // A seed: any Python or NumPy integer in [0, 2**64).
  std::uint64_t seed(py::handle obj, const char* name) const {
    if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr())) {
      throw py::type_error(cat(fn, "(): ", name, " must be an int, got ",
                               std::string(py::str(py::type::handle_of(obj).attr("__name__")))));
    }
    const auto value = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
    if (!value) throw py::error_already_set();
    const unsigned long long s = PyLong_AsUnsignedLongLong(value.ptr());
    if (PyErr_Occurred()) {
      PyErr_Clear();
      throw py::value_error(
          cat(fn, "(): ", name, " must be in [0, 2**64), got ", std::string(py::str(value))));
    }
    return s;
  }

  // A 1-D or 2-D array of dtype T; with `ref`, of ref's shape (ref named `ref_name`).
  template <typename T>
  py::array flat(py::handle obj, const char* name, const char* like, const py::array* ref,
                 const char* ref_name) const {
    py::array a = checked_dtype<T>(obj, name, like);
    if (ref == nullptr) {
      if (a.ndim() != 1 && a.ndim() != 2) {
        throw py::value_error(cat(fn, "(): ", name, " must be a 1-D or 2-D array, got a ", a.ndim(),
                                  "-D array of shape ", shape_of(a)));
      }
    } else if (!same_shape_as(a, *ref)) {
      throw py::value_error(cat(fn, "(): ", name, " must have shape ", ref_name,
                                ".shape = ", shape_of(*ref), ", got ", shape_of(a)));
    }
    return a;
  }

  // An array the kernel updates in place: the caller's memory itself, since a contiguous or
  // native-order copy would take the update away with it.
  template <typename T>
  CArray<T> in_place(py::handle obj, const char* name, const char* like,
                     const py::array* ref = nullptr, const char* ref_name = nullptr) const {
    py::array a = flat<T>(obj, name, like, ref, ref_name);
    if (!(a.flags() & py::array::c_style)) {
      throw py::value_error(cat(fn, "(): ", name,
                                " is updated in place, so it must be C-contiguous; got strides ",
                                tuple_of(a.strides(), a.ndim()), " for shape ", shape_of(a),
                                " (pass numpy.ascontiguousarray(", name, ") and keep that array)"));
    }
    if (!CArray<T>::check_(a)) {
      throw py::value_error(cat(fn, "(): ", name,
                                " is updated in place, so it must have native byte order; got "
                                "dtype ",
                                std::string(py::str(a.dtype()))));
    }
    if (!a.writeable()) {
      throw py::value_error(cat(fn, "(): ", name,
                                " is updated in place, so it must be writable; got a read-only "
                                "array"));
    }
    return py::reinterpret_borrow<CArray<T>>(a);
  }

  // param, grad and the state arrays of one optimizer update. They must not overlap: an update
  // written through one would change what another reads (the same zeros array passed for two
  // state arrays is the likely slip).
  template <typename T, std::size_t S>
  UpdateArrays<T, S> update_arrays(py::handle param, py::handle grad,
                                   const std::array<py::handle, S>& state,
                                   const std::array<const char*, S>& names) const {
    UpdateArrays<T, S> u;
    u.param_array = in_place<T>(param, "param", "param");
    u.grad_array = CArray<T>::ensure(flat<T>(grad, "grad", "param", &u.param_array, "param"));
    for (std::size_t k = 0; k < S; ++k) {
      u.state_arrays[k] = in_place<T>(state[k], names[k], "param", &u.param_array, "param");
    }
    u.n = u.param_array.size();
    u.param = u.param_array.mutable_data();
    u.grad = u.grad_array.data();
    for (std::size_t k = 0; k < S; ++k) u.state[k] = u.state_arrays[k].mutable_data();

    // Byte addresses: < between pointers into different arrays is not defined in C++.
    const auto bytes = static_cast<std::uintptr_t>(u.n) * sizeof(T);
    std::array<std::uintptr_t, S + 2> start;
    std::array<const char*, S + 2> all_names;
    start[0] = reinterpret_cast<std::uintptr_t>(u.param), all_names[0] = "param";
    start[1] = reinterpret_cast<std::uintptr_t>(u.grad), all_names[1] = "grad";
    for (std::size_t k = 0; k < S; ++k) {
      start[k + 2] = reinterpret_cast<std::uintptr_t>(u.state[k]), all_names[k + 2] = names[k];
    }
    for (std::size_t i = 0; i < start.size() && bytes > 0; ++i) {
      for (std::size_t j = i + 1; j < start.size(); ++j) {
        if (start[i] < start[j] + bytes && start[j] < start[i] + bytes) {
          throw py::value_error(cat(fn, "(): ", all_names[i], " and ", all_names[j],
                                    " share memory; each needs its own array (e.g. "
                                    "numpy.zeros_like(param) for each state array)"));
        }
      }
    }
    return u;
  }

  // A hyper-parameter: finite and in its range (NaN fails every comparison, so it fails too).
  void hyper(const char* name, double value, bool in_range, const char* range) const {
    if (!(std::isfinite(value) && in_range)) {
      throw py::value_error(
          cat(fn, "(): ", name, " must be a finite number ", range, ", got ", value));
    }
  }

  // The hyper-parameters cfg.kind reads, under their Python names; for any binding that
  // builds an OptimizerConfig (the per-name updates, a fused training loop).
  void optimizer(const OptimizerConfig& cfg) const {
    const OptimizerKind k = cfg.kind;
    hyper("learning_rate", cfg.learning_rate, cfg.learning_rate >= 0, ">= 0");
    hyper("weight_decay", cfg.weight_decay, cfg.weight_decay >= 0, ">= 0");
    if (k != OptimizerKind::sgd) hyper("eps", cfg.eps, cfg.eps > 0, "> 0");
    if (k == OptimizerKind::sgd || k == OptimizerKind::rmsprop) {
      hyper("momentum", cfg.momentum, cfg.momentum >= 0, ">= 0");
    }
    if (k == OptimizerKind::sgd && cfg.nesterov && !(cfg.momentum > 0)) {
      throw py::value_error(
          cat(fn, "(): nesterov=True needs momentum > 0, got momentum = ", cfg.momentum));
    }
    if (k == OptimizerKind::adagrad) {
      hyper("initial_accumulator_value", cfg.initial_accumulator_value,
            cfg.initial_accumulator_value >= 0, ">= 0");
    }
    if (k == OptimizerKind::adadelta || k == OptimizerKind::rmsprop) {
      hyper("rho", cfg.rho, cfg.rho >= 0 && cfg.rho < 1, "in [0, 1)");
    }
    if (k == OptimizerKind::adam || k == OptimizerKind::adamw) {
      hyper("beta_1", cfg.beta_1, cfg.beta_1 >= 0 && cfg.beta_1 < 1, "in [0, 1)");
      hyper("beta_2", cfg.beta_2, cfg.beta_2 >= 0 && cfg.beta_2 < 1, "in [0, 1)");
    }
  }

  // The 1-based number of an update: a Python int (or NumPy integer) >= 1.
  std::int64_t step(py::handle obj) const {
    if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr())) {
      throw py::type_error(cat(fn, "(): step must be an int >= 1 (1 on the first update), got ",
                               std::string(py::str(py::type::handle_of(obj).attr("__name__")))));
    }
    const py::int_ value = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr()));
    if (!value) throw py::error_already_set();
    int overflow = 0;
    const long long s = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow != 0 || s < 1) {
      throw py::value_error(cat(fn, "(): step must be an int in [1, 2**63 - 1] (1 on the first ",
                                "update), got ", std::string(py::str(value))));
    }
    return s;
  }

  // Runs body(float{}) or body(double{}) by the dtype of the first array argument.
  template <typename Body>
  auto dispatch(py::handle first, const char* name, Body&& body) const {
    return is_float32(first, name) ? body(float{}) : body(double{});
  }
};

template <typename T>
CArray<T> new_matrix(Index rows, Index cols) {
  return CArray<T>({rows, cols});
}

// ---- dense -----------------------------------------------------------------------------

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

// ---- activations -----------------------------------------------------------------------

py::array activation_forward(const char* fn, Activation act, py::handle Z, double alpha) {
  const Call c{fn};
  return c.dispatch(Z, "Z", [&](auto tag) -> py::array {
    using T = decltype(tag);
    auto z = c.matrix<T>(Z, "Z", "Z");
    const Index rows = z.shape(0), cols = z.shape(1);
    auto a = new_matrix<T>(rows, cols);
    T* a_ptr = a.mutable_data();
    {
      py::gil_scoped_release nogil;
      K<T>().activation_forward(act, a_ptr, z.data(), rows, cols, T(alpha));
    }
    return a;
  });
}

py::array activation_backward(const char* fn, Activation act, py::handle Z, py::handle A,
                              py::handle dA, double alpha) {
  const Call c{fn};
  return c.dispatch(Z, "Z", [&](auto tag) -> py::array {
    using T = decltype(tag);
    auto z = c.matrix<T>(Z, "Z", "Z");
    auto a = c.same_shape<T>(A, "A", z, "Z");
    auto da = c.same_shape<T>(dA, "dA", z, "Z");
    const Index rows = z.shape(0), cols = z.shape(1);
    auto dz = new_matrix<T>(rows, cols);
    T* dz_ptr = dz.mutable_data();
    {
      py::gil_scoped_release nogil;
      K<T>().activation_backward(act, dz_ptr, z.data(), a.data(), da.data(), rows, cols, T(alpha));
    }
    return dz;
  });
}

// ---- losses ----------------------------------------------------------------------------

double loss_forward(const char* fn, fastnn::LossKernel k, py::handle Y, py::handle Tg) {
  const Call c{fn};
  return c.dispatch(Y, "Y", [&](auto tag) -> double {
    using T = decltype(tag);
    auto y = c.matrix<T>(Y, "Y", "Y");
    auto t = c.same_shape<T>(Tg, "T", y, "Y");
    py::gil_scoped_release nogil;
    return K<T>().losses[int(k)].forward(y.data(), t.data(), y.shape(0), y.shape(1));
  });
}

py::array loss_backward(const char* fn, fastnn::LossKernel k, py::handle Y, py::handle Tg) {
  const Call c{fn};
  return c.dispatch(Y, "Y", [&](auto tag) -> py::array {
    using T = decltype(tag);
    auto y = c.matrix<T>(Y, "Y", "Y");
    auto t = c.same_shape<T>(Tg, "T", y, "Y");
    auto dy = new_matrix<T>(y.shape(0), y.shape(1));
    T* dy_ptr = dy.mutable_data();
    {
      py::gil_scoped_release nogil;
      K<T>().losses[int(k)].backward(dy_ptr, y.data(), t.data(), y.shape(0), y.shape(1));
    }
    return dy;
  });
}

// ---- perceptron ------------------------------------------------------------------------

py::array perceptron_fit(py::handle X, py::handle y, py::handle w, py::handle b,
                         double learning_rate, Index max_epochs, bool shuffle, py::handle seed) {
  const Call c{"perceptron_fit"};
  if (max_epochs < 0) {
    throw py::value_error(cat("perceptron_fit(): max_epochs must be >= 0, got ", max_epochs));
  }
  const std::uint64_t seed_value = c.seed(seed, "seed");
  return c.dispatch(X, "X", [&](auto tag) -> py::array {
    using T = decltype(tag);
    auto x = c.matrix<T>(X, "X", "X");
    const Index n = x.shape(0), d = x.shape(1);
    auto labels = c.labels<T>(y, "y", "X", n);
    auto weights = c.inout_vector<T>(w, "w", "X", d, cat("(d,) with d = X.shape[1] = ", d));
    auto bias = c.inout_vector<T>(b, "b", "X", 1, "(1,)");
    c.refuse_overlap("b", bias, "w", weights);
    c.refuse_overlap("w", weights, "X", x);
    c.refuse_overlap("b", bias, "X", x);
    c.refuse_overlap("w", weights, "y", labels);
    c.refuse_overlap("b", bias, "y", labels);
    const T lr = c.positive_finite<T>("learning_rate", learning_rate);
    std::vector<Index> errors(static_cast<std::size_t>(max_epochs));
    Index epochs_run = 0;
    T *w_ptr = weights.mutable_data(), *b_ptr = bias.mutable_data();
    {
      py::gil_scoped_release nogil;
      K<T>().perceptron_fit(w_ptr, b_ptr, errors.data(), &epochs_run, x.data(), labels.data(), n, d,
                            lr, max_epochs, shuffle, seed_value);
    }
    py::array_t<std::int64_t> out(epochs_run);
    std::copy(errors.begin(), errors.begin() + epochs_run, out.mutable_data());
    return out;
  });
}

Index perceptron_epoch(py::handle X, py::handle y, py::handle w, py::handle b, py::handle order,
                       double learning_rate) {
  const Call c{"perceptron_epoch"};
  return c.dispatch(X, "X", [&](auto tag) -> Index {
    using T = decltype(tag);
    auto x = c.matrix<T>(X, "X", "X");
    const Index n = x.shape(0), d = x.shape(1);
    auto labels = c.labels<T>(y, "y", "X", n);
    auto weights = c.inout_vector<T>(w, "w", "X", d, cat("(d,) with d = X.shape[1] = ", d));
    auto bias = c.inout_vector<T>(b, "b", "X", 1, "(1,)");
    c.refuse_overlap("b", bias, "w", weights);
    c.refuse_overlap("w", weights, "X", x);
    c.refuse_overlap("b", bias, "X", x);
    c.refuse_overlap("w", weights, "y", labels);
    c.refuse_overlap("b", bias, "y", labels);
    const T lr = c.positive_finite<T>("learning_rate", learning_rate);
    IndexArray idx;
    if (!order.is_none()) idx = c.indices(order, "order", n);
    const Index* order_ptr = order.is_none() ? nullptr : idx.data();
    T *w_ptr = weights.mutable_data(), *b_ptr = bias.mutable_data();
    py::gil_scoped_release nogil;
    return K<T>().perceptron_epoch(w_ptr, b_ptr, x.data(), labels.data(), order_ptr, n, d, lr);
  });
}

// ---- optimizers ------------------------------------------------------------------------

// Each binding fills the kind's OptimizerConfig from the keywords, checks the arrays, the
// config and step, all before anything is written, then calls the core's <name>_update on the
// caller's own memory.

void sgd_update(py::handle param, py::handle grad, py::handle momentum_buffer, double learning_rate,
                double momentum, bool nesterov, double weight_decay, py::handle step) {
  const Call c{"sgd_update"};
  OptimizerConfig cfg;
  cfg.kind = OptimizerKind::sgd;
  cfg.learning_rate = learning_rate, cfg.momentum = momentum, cfg.nesterov = nesterov;
  cfg.weight_decay = weight_decay;
  c.dispatch(param, "param", [&](auto tag) {
    using T = decltype(tag);
    auto u = c.update_arrays<T, 1>(param, grad, {momentum_buffer}, {"momentum_buffer"});
    c.optimizer(cfg);
    const std::int64_t t = c.step(step);
    py::gil_scoped_release nogil;
    K<T>().sgd_update(u.param, u.state[0], u.grad, u.n, cfg.learning_rate, cfg.momentum,
                      cfg.nesterov, cfg.weight_decay, t);
  });
}

void adagrad_update(py::handle param, py::handle grad, py::handle state_sum, double learning_rate,
                    double eps, double weight_decay, py::handle step) {
  const Call c{"adagrad_update"};
  OptimizerConfig cfg;
  cfg.kind = OptimizerKind::adagrad;
  cfg.learning_rate = learning_rate, cfg.eps = eps, cfg.weight_decay = weight_decay;
  c.dispatch(param, "param", [&](auto tag) {
    using T = decltype(tag);
    auto u = c.update_arrays<T, 1>(param, grad, {state_sum}, {"state_sum"});
    c.optimizer(cfg);
    const std::int64_t t = c.step(step);
    py::gil_scoped_release nogil;
    K<T>().adagrad_update(u.param, u.state[0], u.grad, u.n, cfg.learning_rate, cfg.eps,
                          cfg.weight_decay, t);
  });
}

void adadelta_update(py::handle param, py::handle grad, py::handle square_avg, py::handle acc_delta,
                     double learning_rate, double rho, double eps, double weight_decay,
                     py::handle step) {
  const Call c{"adadelta_update"};
  OptimizerConfig cfg;
  cfg.kind = OptimizerKind::adadelta;
  cfg.learning_rate = learning_rate, cfg.rho = rho, cfg.eps = eps;
  cfg.weight_decay = weight_decay;
  c.dispatch(param, "param", [&](auto tag) {
    using T = decltype(tag);
    auto u =
        c.update_arrays<T, 2>(param, grad, {square_avg, acc_delta}, {"square_avg", "acc_delta"});
    c.optimizer(cfg);
    const std::int64_t t = c.step(step);
    py::gil_scoped_release nogil;
    K<T>().adadelta_update(u.param, u.state[0], u.state[1], u.grad, u.n, cfg.learning_rate, cfg.rho,
                           cfg.eps, cfg.weight_decay, t);
  });
}

void rmsprop_update(py::handle param, py::handle grad, py::handle square_avg,
                    py::handle momentum_buffer, py::handle grad_avg, double learning_rate,
                    double rho, double eps, double momentum, bool centered, double weight_decay,
                    py::handle step) {
  const Call c{"rmsprop_update"};
  OptimizerConfig cfg;
  cfg.kind = OptimizerKind::rmsprop;
  cfg.learning_rate = learning_rate, cfg.rho = rho, cfg.eps = eps, cfg.momentum = momentum;
  cfg.centered = centered, cfg.weight_decay = weight_decay;
  c.dispatch(param, "param", [&](auto tag) {
    using T = decltype(tag);
    auto u = c.update_arrays<T, 3>(param, grad, {square_avg, momentum_buffer, grad_avg},
                                   {"square_avg", "momentum_buffer", "grad_avg"});
    c.optimizer(cfg);
    const std::int64_t t = c.step(step);
    py::gil_scoped_release nogil;
    K<T>().rmsprop_update(u.param, u.state[0], u.state[1], u.state[2], u.grad, u.n,
                          cfg.learning_rate, cfg.rho, cfg.eps, cfg.momentum, cfg.centered,
                          cfg.weight_decay, t);
  });
}

// adam_update and adamw_update: the same arguments, the weight decay applied differently.
void adam_family_update(const char* fn, OptimizerKind kind, py::handle param, py::handle grad,
                        py::handle exp_avg, py::handle exp_avg_sq, py::handle max_exp_avg_sq,
                        double learning_rate, double beta_1, double beta_2, double eps,
                        bool amsgrad, double weight_decay, py::handle step) {
  const Call c{fn};
  OptimizerConfig cfg;
  cfg.kind = kind;
  cfg.learning_rate = learning_rate, cfg.beta_1 = beta_1, cfg.beta_2 = beta_2, cfg.eps = eps;
  cfg.amsgrad = amsgrad, cfg.weight_decay = weight_decay;
  c.dispatch(param, "param", [&](auto tag) {
    using T = decltype(tag);
    auto u = c.update_arrays<T, 3>(param, grad, {exp_avg, exp_avg_sq, max_exp_avg_sq},
                                   {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"});
    c.optimizer(cfg);
    const std::int64_t t = c.step(step);
    py::gil_scoped_release nogil;
    auto update = kind == OptimizerKind::adamw ? K<T>().adamw_update : K<T>().adam_update;
    update(u.param, u.state[0], u.state[1], u.state[2], u.grad, u.n, cfg.learning_rate, cfg.beta_1,
           cfg.beta_2, cfg.eps, cfg.amsgrad, cfg.weight_decay, t);
  });
}

struct ActivationEntry {
  const char* name;
  Activation act;
  const char* formula;
};

const ActivationEntry kActivations[] = {
    {"step", Activation::step, "Heaviside step: 1 where Z > 0, else 0; its derivative is 0"},
    {"linear", Activation::linear, "identity: A = Z"},
    {"sigmoid", Activation::sigmoid, "logistic sigmoid 1 / (1 + exp(-Z)), overflow-free"},
    {"tanh", Activation::tanh, "hyperbolic tangent"},
    {"relu", Activation::relu, "max(Z, 0); relu'(0) = 0"},
    {"softplus", Activation::softplus, "log(1 + exp(Z)), overflow-free"},
    {"softmax", Activation::softmax, "row-wise softmax: each row of A sums to 1"},
};

// ---- network ---------------------------------------------------------------------------

template <typename Enum, std::size_t N>
Enum parse_name(const char* fn, const char* what, const std::string& name,
                const std::pair<const char*, Enum> (&table)[N]) {
  std::string known;
  for (const auto& [n, value] : table) {
    if (name == n) return value;
    known += known.empty() ? n : cat(", ", n);
  }
  throw py::value_error(cat(fn, "(): unknown ", what, " '", name, "'; expected one of ", known));
}

const std::pair<const char*, Activation> kActivationNames[] = {
    {"step", Activation::step},       {"linear", Activation::linear},
    {"sigmoid", Activation::sigmoid}, {"tanh", Activation::tanh},
    {"relu", Activation::relu},       {"leaky_relu", Activation::leaky_relu},
    {"elu", Activation::elu},         {"softplus", Activation::softplus},
    {"softmax", Activation::softmax}};
const std::pair<const char*, fastnn::LossKind> kLossNames[] = {
    {"mse", fastnn::LossKind::mse},
    {"binary_crossentropy", fastnn::LossKind::binary_crossentropy},
    {"categorical_crossentropy", fastnn::LossKind::categorical_crossentropy},
    {"sparse_categorical_crossentropy", fastnn::LossKind::sparse_categorical_crossentropy}};
const std::pair<const char*, fastnn::OptimizerKind> kOptimizerNames[] = {
    {"sgd", fastnn::OptimizerKind::sgd},           {"adagrad", fastnn::OptimizerKind::adagrad},
    {"adadelta", fastnn::OptimizerKind::adadelta}, {"rmsprop", fastnn::OptimizerKind::rmsprop},
    {"adam", fastnn::OptimizerKind::adam},         {"adamw", fastnn::OptimizerKind::adamw}};

template <typename V>
V dict_get(const py::dict& d, const char* key, V fallback) {
  return d.contains(key) ? d[key].cast<V>() : fallback;
}

fastnn::OptimizerConfig optimizer_config(const char* fn, const py::dict& d) {
  fastnn::OptimizerConfig c;
  c.kind = parse_name(fn, "optimizer", d["kind"].cast<std::string>(), kOptimizerNames);
  c.learning_rate = dict_get(d, "learning_rate", c.learning_rate);
  c.momentum = dict_get(d, "momentum", c.momentum);
  c.nesterov = dict_get(d, "nesterov", c.nesterov);
  c.rho = dict_get(d, "rho", c.rho);
  c.beta_1 = dict_get(d, "beta_1", c.beta_1);
  c.beta_2 = dict_get(d, "beta_2", c.beta_2);
  c.eps = dict_get(d, "eps", c.eps);
  c.centered = dict_get(d, "centered", c.centered);
  c.amsgrad = dict_get(d, "amsgrad", c.amsgrad);
  c.weight_decay = dict_get(d, "weight_decay", c.weight_decay);
  c.initial_accumulator_value =
      dict_get(d, "initial_accumulator_value", c.initial_accumulator_value);
  return c;
}

// An array the core will write through for as long as the network lives: it must be of
// dtype T, C-contiguous, writable and of exactly `size` elements (any shape).
template <typename T>
T* inplace_buffer(const Call& c, py::handle obj, const std::string& name, Index size) {
  py::array a = c.checked_dtype<T>(obj, name.c_str(), "weights[0]");
  if (!(a.flags() & py::array::c_style) || !a.writeable()) {
    throw py::value_error(cat(c.fn, "(): ", name,
                              " must be C-contiguous and writable: the network updates it in "
                              "place"));
  }
  if (a.size() != size) {
    throw py::value_error(
        cat(c.fn, "(): ", name, " must hold ", size, " values, got shape ", shape_of(a)));
  }
  return static_cast<T*>(a.mutable_data());
}

py::dict sums_to_dict(const fastnn::Sums& s) {
  py::dict d;
  d["loss"] = s.loss;
  d["regularization"] = s.regularization;
  d["samples"] = s.samples;
  d["correct"] = s.correct;
  d["judged"] = s.judged;
  d["abs_error"] = s.abs_error;
  d["squared_error"] = s.squared_error;
  d["elements"] = s.elements;
  d["finite"] = s.finite;
  d["batches"] = s.batches;
  return d;
}

// The Python face of Network<float> / Network<double>: checks what comes from Python, keeps
// the arrays the core points into alive, and releases the GIL around the loops.
class PyNetwork {
 public:
  PyNetwork(py::list layers, const std::string& loss, py::dict optimizer, py::list weights,
            py::list biases, py::list weight_states, py::list bias_states, Index max_batch) {
    const Call c{"Network"};
    if (layers.empty()) throw py::value_error("Network(): layers must not be empty");
    if (max_batch < 1)
      throw py::value_error(cat("Network(): max_batch must be >= 1, got ", max_batch));
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
      s.activation = parse_name("Network", "activation", d["activation"].cast<std::string>(),
                                kActivationNames);
      s.alpha = dict_get(d, "alpha", 0.0);
      s.use_bias = dict_get(d, "use_bias", true);
      s.l1 = dict_get(d, "l1", 0.0);
      s.l2 = dict_get(d, "l2", 0.0);
      if (s.in < 1 || s.out < 1)
        throw py::value_error(cat("Network(): layer ", l, " has no units"));
      if (l > 0 && s.in != specs_.back().out) {
        throw py::value_error(cat("Network(): layer ", l, " takes ", s.in, " inputs but layer ",
                                  l - 1, " gives ", specs_.back().out));
      }
      specs_.push_back(s);
    }
    loss_ = parse_name("Network", "loss", loss, kLossNames);
    optimizer_ = optimizer_config("Network", optimizer);
    c.optimizer(optimizer_);
    keep_alive_ = py::make_tuple(weights, biases, weight_states, bias_states);
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

  py::dict train_epoch(py::handle X, py::handle Y, Index batch_size, bool shuffle,
                       std::uint64_t seed, std::uint64_t epoch, double learning_rate,
                       Index first_batch, Index last_batch, bool metrics) {
    const Call c{"Network.train_epoch"};
    if (batch_size < 1)
      throw py::value_error(cat(c.fn, "(): batch_size must be >= 1, got ", batch_size));
    if (first_batch < 0) throw py::value_error(cat(c.fn, "(): first_batch must be >= 0"));
    return float32_ ? train<float>(c, *f32_, X, Y, batch_size, shuffle, seed, epoch, learning_rate,
                                   first_batch, last_batch, metrics)
                    : train<double>(c, *f64_, X, Y, batch_size, shuffle, seed, epoch, learning_rate,
                                    first_batch, last_batch, metrics);
  }

  py::dict evaluate(py::handle X, py::handle Y) {
    const Call c{"Network.evaluate"};
    return float32_ ? evaluate_as<float>(c, *f32_, X, Y) : evaluate_as<double>(c, *f64_, X, Y);
  }

  py::array predict(py::handle X) {
    const Call c{"Network.predict"};
    return float32_ ? predict_as<float>(c, *f32_, X) : predict_as<double>(c, *f64_, X);
  }

  int data_parallel_threads(Index batch_size) const {
    return float32_ ? f32_->data_parallel_threads(batch_size)
                    : f64_->data_parallel_threads(batch_size);
  }

  std::int64_t step = 0;

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
      p.weights.push_back(inplace_buffer<T>(c, weights[l], "weights" + i, s.in * s.out));
      p.weight_states.push_back(
          inplace_buffer<T>(c, weight_states[l], "weight_states" + i, slots * s.in * s.out));
      if (s.use_bias) {
        p.biases.push_back(inplace_buffer<T>(c, biases[l], "biases" + i, s.out));
        p.bias_states.push_back(
            inplace_buffer<T>(c, bias_states[l], "bias_states" + i, slots * s.out));
      } else {
        p.biases.push_back(nullptr);
        p.bias_states.push_back(nullptr);
      }
    }
    return std::unique_ptr<fastnn::NetworkApi<T>>(
        K<T>().make_network(specs_, loss_, optimizer_, p, max_batch));
  }

  // Targets: (n, outputs) of dtype T, or int64 labels (n,) in [0, outputs) for the sparse loss.
  template <typename T>
  std::pair<CArray<T>, py::array_t<std::int64_t, py::array::c_style>> targets(const Call& c,
                                                                              py::handle Y, Index n,
                                                                              Index outputs) {
    if (loss_ == fastnn::LossKind::sparse_categorical_crossentropy) {
      py::array a = c.ndarray(Y, "Y");
      if (a.dtype().kind() != 'i' || a.dtype().itemsize() != 8 || a.ndim() != 1 ||
          a.shape(0) != n) {
        throw py::type_error(cat(c.fn, "(): Y must be int64 class labels of shape (", n,
                                 ",) for the sparse loss, got ", std::string(py::str(a.dtype())),
                                 " of shape ", shape_of(a)));
      }
      auto labels = py::array_t<std::int64_t, py::array::c_style>::ensure(a);
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
                 Index batch_size, bool shuffle, std::uint64_t seed, std::uint64_t epoch,
                 double learning_rate, Index first_batch, Index last_batch, bool metrics) {
    auto x = c.matrix<T>(X, "X", "the weights", -1, net.inputs(),
                         [&] { return cat("(n, ", net.inputs(), ")"); });
    const Index n = x.shape(0);
    auto [y, labels] = targets<T>(c, Y, n, net.outputs());
    if (last_batch < 0) last_batch = (n + batch_size - 1) / batch_size;
    if (batch_size > max_batch()) {
      throw py::value_error(cat(c.fn, "(): batch_size ", batch_size,
                                " is larger than the network's max_batch ", max_batch()));
    }
    const bool sparse = loss_ == fastnn::LossKind::sparse_categorical_crossentropy;
    const T* y_ptr = sparse ? nullptr : y.data();
    const std::int64_t* l_ptr = sparse ? labels.data() : nullptr;
    fastnn::Sums sums;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(busy_);
      sums = net.train(x.data(), y_ptr, l_ptr, n, batch_size, shuffle, seed, epoch, first_batch,
                       last_batch, learning_rate, &step, metrics);
    }
    return sums_to_dict(sums);
  }

  template <typename T>
  py::dict evaluate_as(const Call& c, fastnn::NetworkApi<T>& net, py::handle X, py::handle Y) {
    auto x = c.matrix<T>(X, "X", "the weights", -1, net.inputs(),
                         [&] { return cat("(n, ", net.inputs(), ")"); });
    auto [y, labels] = targets<T>(c, Y, x.shape(0), net.outputs());
    const bool sparse = loss_ == fastnn::LossKind::sparse_categorical_crossentropy;
    const T* y_ptr = sparse ? nullptr : y.data();
    const std::int64_t* l_ptr = sparse ? labels.data() : nullptr;
    fastnn::Sums sums;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(busy_);
      sums = net.evaluate(x.data(), y_ptr, l_ptr, x.shape(0));
    }
    return sums_to_dict(sums);
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

  std::vector<fastnn::LayerSpec> specs_;
  fastnn::LossKind loss_;
  fastnn::OptimizerConfig optimizer_;
  bool float32_ = true;
  std::unique_ptr<fastnn::NetworkApi<float>> f32_;
  std::unique_ptr<fastnn::NetworkApi<double>> f64_;
  py::tuple keep_alive_;
  Index max_batch_value_ = 0;
  const char* level_ = "";  // points into the level's library, which is never unloaded
  // The workspaces are the network's own: calls from several Python threads take turns.
  std::mutex busy_;
};

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "fastnn's C++ kernels. Use them through fastnn.kernels.";

  m.def(
      "_load_level",
      [](const std::string& path) {
        // RTLD_LOCAL: the level's symbols stay its own (it exports one anyway). Never closed.
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
          throw py::import_error(cat("fastnn: cannot load ", path, ": ", dlerror()));
        }
        using Entry = const fastnn::KernelTable* (*)();
        auto entry = reinterpret_cast<Entry>(dlsym(handle, "fastnn_kernel_table"));
        if (entry == nullptr) {
          throw py::import_error(cat("fastnn: ", path, " has no fastnn_kernel_table()"));
        }
        const fastnn::KernelTable* t = entry();
        if (t->abi != fastnn::kKernelTableAbi || t->size != sizeof(fastnn::KernelTable)) {
          throw py::import_error(cat("fastnn: ", path, " is from another build (table ABI ", t->abi,
                                     ", expected ", fastnn::kKernelTableAbi,
                                     "); reinstall fastnn"));
        }
        // The thread setting is each library's own: carry it over to the new level.
        if (const fastnn::KernelTable* old = g_table.load()) {
          t->set_num_threads(old->num_threads_setting());
        }
        g_table.store(t, std::memory_order_release);
        return std::string(t->level);
      },
      py::arg("path"),
      "Load the core built for one instruction-set level (a path from fastnn._isa) and use it "
      "from now on. Returns the level's name.");
  m.def(
      "_level", [] { return g_table.load() ? std::string(g_table.load()->level) : std::string(); },
      "The instruction-set level in use, '' before one is loaded.");

  m.def("dense_forward", &dense_forward, py::arg("X"), py::arg("W"), py::arg("b") = py::none(),
        "Dense layer forward: Z = X @ W + b.\n\n"
        "X (batch, in), W (in, out), b (out,) or None; returns Z (batch, out).");
  m.def("dense_backward", &dense_backward, py::arg("X"), py::arg("W"), py::arg("dZ"),
        "Dense layer backward: returns (dX, dW, db) = (dZ @ W.T, X.T @ dZ, dZ.sum(0)).");

  for (const ActivationEntry& e : kActivations) {
    const std::string fwd = cat(e.name, "_forward"), bwd = cat(e.name, "_backward");
    const Activation act = e.act;
    // The lambdas own copies of their names: the messages outlive this loop.
    const std::string fwd_copy = fwd, bwd_copy = bwd;
    m.def(
        fwd.c_str(),
        [act, fwd_copy](py::handle Z) { return activation_forward(fwd_copy.c_str(), act, Z, 0.0); },
        py::arg("Z"), cat("Activation forward, ", e.formula, ". Returns A = g(Z).").c_str());
    m.def(
        bwd.c_str(),
        [act, bwd_copy](py::handle Z, py::handle A, py::handle dA) {
          return activation_backward(bwd_copy.c_str(), act, Z, A, dA, 0.0);
        },
        py::arg("Z"), py::arg("A"), py::arg("dA"),
        cat("Activation backward of ", e.name, ": returns dZ = dA * g'(Z) (A = g(Z)).").c_str());
  }
  // The two activations with a parameter: the same bindings, plus a keyword alpha.
  struct AlphaEntry {
    const char* name;
    Activation act;
    double alpha;
    const char* forward_doc;
    const char* backward_doc;
  };
  static const AlphaEntry alpha_activations[] = {
      {"leaky_relu", Activation::leaky_relu, 0.01,
       "Activation forward, leaky ReLU: Z where Z >= 0, alpha * Z below.",
       "Activation backward of leaky_relu: dZ = dA where Z > 0, alpha * dA elsewhere."},
      {"elu", Activation::elu, 1.0,
       "Activation forward, ELU: Z where Z >= 0, alpha * (exp(Z) - 1) below.",
       "Activation backward of elu: dZ = dA where Z > 0, dA * alpha * exp(Z) elsewhere."},
  };
  for (const AlphaEntry& e : alpha_activations) {
    const std::string fwd = cat(e.name, "_forward"), bwd = cat(e.name, "_backward");
    const Activation act = e.act;
    m.def(
        fwd.c_str(),
        [act, fwd](py::handle Z, double alpha) {
          return activation_forward(fwd.c_str(), act, Z, alpha);
        },
        py::arg("Z"), py::arg("alpha") = e.alpha, e.forward_doc);
    m.def(
        bwd.c_str(),
        [act, bwd](py::handle Z, py::handle A, py::handle dA, double alpha) {
          return activation_backward(bwd.c_str(), act, Z, A, dA, alpha);
        },
        py::arg("Z"), py::arg("A"), py::arg("dA"), py::arg("alpha") = e.alpha, e.backward_doc);
  }

  struct LossEntry {
    const char* name;
    fastnn::LossKernel kernel;
    const char* doc;
  };
  static const LossEntry losses[] = {
      {"mse", fastnn::LossKernel::mse, "mean squared error, mean((Y - T)**2) over every element"},
      {"binary_crossentropy", fastnn::LossKernel::binary_crossentropy,
       "binary cross-entropy of probabilities Y (clipped to [1e-7, 1 - 1e-7]), mean over every "
       "element"},
      {"sigmoid_binary_crossentropy", fastnn::LossKernel::sigmoid_binary_crossentropy,
       "binary cross-entropy of sigmoid(Y) for logits Y, in the stable fused form"},
      {"softmax_crossentropy", fastnn::LossKernel::softmax_crossentropy,
       "cross-entropy of softmax(Y) for logits Y against one-hot (or distribution) rows T, "
       "mean over the batch"},
  };
  for (const LossEntry& e : losses) {
    const std::string fwd = cat(e.name, "_forward"), bwd = cat(e.name, "_backward");
    const fastnn::LossKernel k = e.kernel;
    m.def(
        fwd.c_str(),
        [k, fwd](py::handle Y, py::handle Tg) { return loss_forward(fwd.c_str(), k, Y, Tg); },
        py::arg("Y"), py::arg("T"), cat("Loss value: ", e.doc, ". Returns a float.").c_str());

    m.def(
        bwd.c_str(),
        [k, bwd](py::handle Y, py::handle Tg) { return loss_backward(bwd.c_str(), k, Y, Tg); },
        py::arg("Y"), py::arg("T"),
        cat("Loss gradient dLoss/dY of ", e.name, "_forward (", e.doc, ").").c_str());
  }

  // Optimizers: arrays positional, hyper-parameters keyword-only, as torch.optim's options.
  const char* in_place_doc =
      "param and every state array are updated in place and must be C-contiguous and "
      "writable; all arrays share param's shape (1-D or 2-D) and dtype. step is the 1-based "
      "number of this update. Returns None.";
  m.def("sgd_update", &sgd_update, py::arg("param"), py::arg("grad"), py::arg("momentum_buffer"),
        py::kw_only(), py::arg("learning_rate"), py::arg("momentum") = 0.0,
        py::arg("nesterov") = false, py::arg("weight_decay") = 0.0, py::arg("step"),
        cat("One SGD step, as torch.optim.SGD (no dampening): g += weight_decay * param; with "
            "momentum, buf = g on step 1, else momentum * buf + g, and g = buf (nesterov: "
            "g + momentum * buf); param -= learning_rate * g. ",
            in_place_doc)
            .c_str());
  m.def("adagrad_update", &adagrad_update, py::arg("param"), py::arg("grad"), py::arg("state_sum"),
        py::kw_only(), py::arg("learning_rate"), py::arg("eps") = 1e-10,
        py::arg("weight_decay") = 0.0, py::arg("step"),
        cat("One Adagrad step, as torch.optim.Adagrad (lr_decay 0): state_sum += g**2; "
            "param -= learning_rate * g / (sqrt(state_sum) + eps). ",
            in_place_doc)
            .c_str());
  m.def("adadelta_update", &adadelta_update, py::arg("param"), py::arg("grad"),
        py::arg("square_avg"), py::arg("acc_delta"), py::kw_only(), py::arg("learning_rate"),
        py::arg("rho") = 0.9, py::arg("eps") = 1e-6, py::arg("weight_decay") = 0.0, py::arg("step"),
        cat("One Adadelta step, as torch.optim.Adadelta: square_avg = rho * square_avg + "
            "(1 - rho) * g**2; delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g; "
            "acc_delta = rho * acc_delta + (1 - rho) * delta**2; "
            "param -= learning_rate * delta. ",
            in_place_doc)
            .c_str());
  m.def("rmsprop_update", &rmsprop_update, py::arg("param"), py::arg("grad"), py::arg("square_avg"),
        py::arg("momentum_buffer"), py::arg("grad_avg"), py::kw_only(), py::arg("learning_rate"),
        py::arg("rho") = 0.99, py::arg("eps") = 1e-8, py::arg("momentum") = 0.0,
        py::arg("centered") = false, py::arg("weight_decay") = 0.0, py::arg("step"),
        cat("One RMSprop step, as torch.optim.RMSprop (rho is its alpha): square_avg = rho * "
            "square_avg + (1 - rho) * g**2; avg = sqrt(square_avg) + eps (centered: "
            "sqrt(square_avg - grad_avg**2) + eps, grad_avg the same average of g); with "
            "momentum, buf = momentum * buf + g / avg and param -= learning_rate * buf, else "
            "param -= learning_rate * g / avg. ",
            in_place_doc)
            .c_str());
  // adam_update and adamw_update take the same arguments; the weight decay's place and its
  // default differ.
  struct AdamEntry {
    const char* name;
    OptimizerKind kind;
    double weight_decay;
    const char* doc;
  };
  static const AdamEntry adams[] = {
      {"adam_update", OptimizerKind::adam, 0.0,
       "One Adam step, as torch.optim.Adam: g += weight_decay * param; exp_avg = beta_1 * "
       "exp_avg + (1 - beta_1) * g; exp_avg_sq = beta_2 * exp_avg_sq + (1 - beta_2) * g**2 "
       "(amsgrad: max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq), used below in its place); "
       "param -= learning_rate / (1 - beta_1**step) * exp_avg / (sqrt(exp_avg_sq) / "
       "sqrt(1 - beta_2**step) + eps)."},
      {"adamw_update", OptimizerKind::adamw, 0.01,
       "One AdamW step, as torch.optim.AdamW: param *= 1 - learning_rate * weight_decay "
       "(decoupled weight decay), then the Adam step without weight decay."},
  };
  for (const AdamEntry& e : adams) {
    const AdamEntry* entry = &e;
    m.def(
        e.name,
        [entry](py::handle param, py::handle grad, py::handle exp_avg, py::handle exp_avg_sq,
                py::handle max_exp_avg_sq, double learning_rate, double beta_1, double beta_2,
                double eps, bool amsgrad, double weight_decay, py::handle step) {
          adam_family_update(entry->name, entry->kind, param, grad, exp_avg, exp_avg_sq,
                             max_exp_avg_sq, learning_rate, beta_1, beta_2, eps, amsgrad,
                             weight_decay, step);
        },
        py::arg("param"), py::arg("grad"), py::arg("exp_avg"), py::arg("exp_avg_sq"),
        py::arg("max_exp_avg_sq"), py::kw_only(), py::arg("learning_rate"), py::arg("beta_1") = 0.9,
        py::arg("beta_2") = 0.999, py::arg("eps") = 1e-8, py::arg("amsgrad") = false,
        py::arg("weight_decay") = e.weight_decay, py::arg("step"),
        cat(e.doc, " ", in_place_doc).c_str());
  }

  m.def("perceptron_fit", &perceptron_fit, py::arg("X"), py::arg("y"), py::arg("w"), py::arg("b"),
        py::kw_only(), py::arg("learning_rate") = 1.0, py::arg("max_epochs") = 100,
        py::arg("shuffle") = true, py::arg("seed") = 0,
        "Rosenblatt's perceptron rule, epoch after epoch, updating w and b in place.\n\n"
        "X (n, d), y (n,) of labels 0/1, w (d,) and b (1,) C-contiguous and writeable, all of "
        "one dtype. Each epoch visits the samples in permutation(n, seed, epoch) when shuffle, "
        "else in order; stops after the first epoch without a mistake or after max_epochs. "
        "Returns the mistakes of each epoch run (int64).");
  m.def("perceptron_epoch", &perceptron_epoch, py::arg("X"), py::arg("y"), py::arg("w"),
        py::arg("b"), py::arg("order") = py::none(), py::kw_only(), py::arg("learning_rate") = 1.0,
        "One pass of Rosenblatt's perceptron rule over the samples in `order` (None: 0..n-1), "
        "updating w and b in place: on a mistake w += lr (y - y_hat) x, b += lr (y - y_hat). "
        "Returns the number of mistakes.");
  m.def(
      "permutation",
      [](Index n, std::uint64_t seed, std::uint64_t epoch) {
        if (n < 0) throw py::value_error(cat("permutation(): n must be >= 0, got ", n));
        py::array_t<std::int64_t> idx(n);
        std::int64_t* p = idx.mutable_data();
        {
          py::gil_scoped_release nogil;
          std::vector<Index> tmp(static_cast<std::size_t>(n));
          fastnn::shuffle_indices(tmp.data(), n, seed, epoch);
          for (Index i = 0; i < n; ++i) p[i] = tmp[i];
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
                    Index>(),
           py::arg("layers"), py::arg("loss"), py::arg("optimizer"), py::arg("weights"),
           py::arg("biases"), py::arg("weight_states"), py::arg("bias_states"),
           py::arg("max_batch"))
      .def_property_readonly("level", &PyNetwork::level,
                             "The instruction-set level whose code this network runs: the one "
                             "loaded when it was made, even after fastnn._isa.load() switches.")
      .def("train_epoch", &PyNetwork::train_epoch, py::arg("X"), py::arg("Y"), py::kw_only(),
           py::arg("batch_size"), py::arg("shuffle"), py::arg("seed"), py::arg("epoch"),
           py::arg("learning_rate"), py::arg("first_batch") = 0, py::arg("last_batch") = -1,
           py::arg("metrics") = true,
           "Train batches [first_batch, last_batch) of one epoch; returns the sums of loss and "
           "metrics over the samples seen.")
      .def("evaluate", &PyNetwork::evaluate, py::arg("X"), py::arg("Y"),
           "Loss (with the regularization penalty) and metric sums over X, no update.")
      .def("predict", &PyNetwork::predict, py::arg("X"), "The network's output for X.")
      .def("data_parallel_threads", &PyNetwork::data_parallel_threads, py::arg("batch_size"),
           "How many threads train batches of batch_size rows data-parallel now (1: one thread "
           "runs the batch loop; its largest products may still split).")
      .def_readwrite("step", &PyNetwork::step, "The optimizer's update count.");

  m.def(
      "set_num_threads",
      [](int n) {
        if (n < 0) throw py::value_error(cat("set_num_threads(): n must be >= 0, got ", n));
        table().set_num_threads(n);
      },
      py::arg("n"),
      "Set the number of threads the kernels may use (n >= 1), or 0 to follow OpenMP's "
      "setting (OMP_NUM_THREADS, threadpoolctl).");
  m.def(
      "get_num_threads", [] { return table().get_num_threads(); },
      "The number of threads a kernel called from this thread would use now.");
  m.def(
      "num_threads_setting", [] { return table().num_threads_setting(); },
      "The count set_num_threads was given last; 0 while following OpenMP.");
  m.def(
      "build_info",
      [] {
        const fastnn::BuildInfo info = table().build_info();
        py::dict d;
        d["version"] = info.version;
        d["level"] = info.level;
        d["compiler"] = info.compiler;
        d["arch"] = info.arch;
        d["eigen_version"] = info.eigen_version;
        d["simd"] = info.simd;
        d["openmp"] = info.openmp;
        return d;
      },
      "What this build of the core was made with.");
}
