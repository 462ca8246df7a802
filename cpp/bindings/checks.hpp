// The checking rules every binding follows, and the helpers they share. The bindings are
// compiled once, for the baseline instruction set, and hold no Eigen: they reach the core of
// the loaded level through its KernelTable (kernel_table.hpp says why the levels live in
// libraries of their own), and check their arguments by the core's tables (types.hpp).
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
//   * numbers are checked by their table rows (TypeError for a non-number, ValueError naming
//     the parameter and its range), integers exactly: no pybind11 "incompatible function
//     arguments" for a bad value, and no overflow.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "fastnn/activations.hpp"
#include "fastnn/batch_norm.hpp"
#include "fastnn/dropout.hpp"
#include "fastnn/kernel_table.hpp"
#include "fastnn/losses.hpp"
#include "fastnn/optimizers.hpp"
#include "fastnn/perceptron.hpp"
#include "fastnn/random.hpp"

namespace fastnn_bindings {

namespace py = pybind11;
using fastnn::Activation;
using fastnn::Index;
using fastnn::OptimizerConfig;
using fastnn::OptimizerKind;

// The level in use; every kernel call reads it. Libraries once loaded stay loaded (a Network
// made by one level keeps running that level's code after a switch).
inline std::atomic<const fastnn::KernelTable*> g_table{nullptr};

inline const fastnn::KernelTable& table() {
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
inline std::string tuple_of(const py::ssize_t* values, py::ssize_t ndim) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < ndim; ++i) {
    s += std::to_string(values[i]);
    if (ndim == 1 || i + 1 < ndim) s += ndim == 1 ? "," : ", ";
  }
  return s + ")";
}

inline std::string shape_of(const py::array& a) {
  return tuple_of(a.shape(), a.ndim());
}

inline bool same_shape_as(const py::array& a, const py::array& b) {
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

// A copy NumPy made of `source`, or a MemoryError: a copy too large for memory (a broadcast
// view of 2**32 values, say) comes back null, and must not reach a kernel.
template <typename A>
A copied(A copy, const py::array& source) {
  if (!copy) {
    PyErr_Clear();
    const std::string message = cat("fastnn: a C-contiguous copy of an input of shape ",
                                    shape_of(source), " (", source.size(), " values, from a ",
                                    "non-contiguous or broadcast view) does not fit in memory");
    PyErr_SetString(PyExc_MemoryError, message.c_str());
    throw py::error_already_set();
  }
  return copy;
}

// `a` (of dtype T, checked) as a C-contiguous array: itself when it already is one (no
// NumPy call: for a 10 x 8 layer that is a tenth of the kernel's time), else a copy.
template <typename T>
CArray<T> contiguous(const py::array& a) {
  const bool native = a.dtype().byteorder() != '>';
  if (native && (a.flags() & py::array::c_style)) return py::reinterpret_borrow<CArray<T>>(a);
  return copied(CArray<T>::ensure(a), a);
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
    auto idx = copied(IndexArray::ensure(a), a);
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
    py::array g = flat<T>(grad, "grad", "param", &u.param_array, "param");
    u.grad_array = copied(CArray<T>::ensure(g), g);
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

  // A number argument checked by its table row (types.hpp): TypeError for what is not a
  // number, ValueError outside the row's range. Flags are True or False; integers any Python or
  // NumPy int, compared exactly (2**64 - 1 is not a double). Returns the value as a double.
  double param(const fastnn::Parameter& p, py::handle obj) const {
    const std::string type_name = std::string(py::str(py::type::handle_of(obj).attr("__name__")));
    if (p.type == fastnn::ParamType::flag) {
      if (!(PyBool_Check(obj.ptr()) || type_name == "bool" || type_name == "bool_")) {
        throw py::type_error(cat(fn, "(): ", p.name, " must be True or False, got ", type_name));
      }
      return obj.cast<bool>() ? 1.0 : 0.0;
    }
    if (p.type == fastnn::ParamType::integer) {
      const py::int_ value = integer(obj, p.name);
      if (!in_integer_range(p, value)) {
        throw py::value_error(cat(fn, "(): ", p.name, " must be an int ", fastnn::range_text(p),
                                  ", got ", std::string(py::str(value))));
      }
      return PyLong_AsDouble(value.ptr());
    }
    if (PyBool_Check(obj.ptr()) ||
        !(PyFloat_Check(obj.ptr()) || PyIndex_Check(obj.ptr()) || PyNumber_Check(obj.ptr()))) {
      throw py::type_error(cat(fn, "(): ", p.name, " must be a number, got ", type_name));
    }
    const double value = PyFloat_AsDouble(obj.ptr());
    if (PyErr_Occurred()) {  // an int beyond the doubles, or a number type float() refuses
      PyErr_Clear();
      throw py::value_error(cat(fn, "(): ", p.name, " must be a finite number ",
                                fastnn::range_text(p), ", got ", std::string(py::str(obj))));
    }
    if (!fastnn::in_range(p, value)) {
      throw py::value_error(cat(fn, "(): ", p.name, " must be a finite number ",
                                fastnn::range_text(p), ", got ", value));
    }
    return value;
  }

  // An integer argument: a Python int or NumPy integer (not a bool), as a Python int.
  py::int_ integer(py::handle obj, const char* name) const {
    if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr())) {
      throw py::type_error(cat(fn, "(): ", name, " must be an int, got ",
                               std::string(py::str(py::type::handle_of(obj).attr("__name__")))));
    }
    auto value = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr()));
    if (!value) throw py::error_already_set();
    return value;
  }

  static bool in_integer_range(const fastnn::Parameter& p, const py::int_& value) {
    const auto low = py::reinterpret_steal<py::object>(PyLong_FromDouble(p.low));
    const int op = p.high_open ? Py_LT : Py_LE;
    if (PyObject_RichCompareBool(value.ptr(), low.ptr(), Py_GE) != 1) return false;
    if (p.high == fastnn::kInf) return true;
    const auto high = py::reinterpret_steal<py::object>(PyLong_FromDouble(p.high));
    return PyObject_RichCompareBool(value.ptr(), high.ptr(), op) == 1;
  }

  // A count or size: an int in [low, 2**62] (ValueError outside, never an overflow).
  Index count(py::handle obj, const char* name, Index low) const {
    const py::int_ value = integer(obj, name);
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow != 0 || v < low || v > (1LL << 62)) {
      throw py::value_error(cat(fn, "(): ", name, " must be an int in [", low, ", 2**62], got ",
                                std::string(py::str(value))));
    }
    return static_cast<Index>(v);
  }

  // A seed or an epoch number (random.hpp's rows): an int in [0, 2**64).
  std::uint64_t uint64(const fastnn::Parameter& p, py::handle obj) const {
    const py::int_ value = integer(obj, p.name);
    if (!in_integer_range(p, value)) {
      throw py::value_error(cat(fn, "(): ", p.name, " must be an int ", fastnn::range_text(p),
                                ", got ", std::string(py::str(value))));
    }
    return PyLong_AsUnsignedLongLong(value.ptr());
  }

  // The optimizer's config from its table row: each hyper-parameter from `given(row)` (a null
  // object: not given) or its default, checked by its row. A flag that needs another
  // parameter > 0 (nesterov, momentum) is checked once both are known.
  template <typename Given>
  OptimizerConfig optimizer(const fastnn::OptimizerInfo& info, Given&& given) const {
    OptimizerConfig cfg;
    cfg.kind = info.id;
    double values[8] = {};
    for (std::size_t i = 0; i < info.parameter_count; ++i) {
      const fastnn::Parameter& p = info.parameters[i];
      const py::object obj = given(p);
      values[i] = obj ? param(p, obj) : p.default_value;
      if (std::isnan(values[i])) throw py::type_error(cat(fn, "(): ", p.name, " is required"));
      fastnn::set_hyperparameter(cfg, p.name, values[i]);
    }
    for (std::size_t i = 0; i < info.parameter_count; ++i) {
      const fastnn::Parameter& p = info.parameters[i];
      if (p.needs_positive == nullptr || values[i] == 0) continue;
      for (std::size_t k = 0; k < info.parameter_count; ++k) {
        if (std::string_view(info.parameters[k].name) == p.needs_positive && !(values[k] > 0)) {
          throw py::value_error(cat(fn, "(): ", p.name, "=True needs ", p.needs_positive,
                                    " > 0, got ", p.needs_positive, " = ", values[k]));
        }
      }
    }
    return cfg;
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

// The gradient clipping of kClipParameters into cfg: each from `given(row)` (a null object or
// None: off) checked by its row; at most one of the three set, as Keras allows.
template <typename Given>
void clipping(const Call& c, OptimizerConfig& cfg, Given&& given) {
  std::string set;
  for (const fastnn::Parameter& p : fastnn::kClipParameters) {
    const py::object obj = given(p);
    const double value = obj && !obj.is_none() ? c.param(p, obj) : p.default_value;
    fastnn::set_hyperparameter(cfg, p.name, value);
    if (value > 0) set += cat(set.empty() ? "" : " and ", p.name, "=", value);
  }
  if (set.find(" and ") != std::string::npos) {
    throw py::value_error(cat(c.fn,
                              "(): set at most one of clipnorm, clipvalue and "
                              "global_clipnorm, got ",
                              set));
  }
}

template <typename T>
CArray<T> new_matrix(Index rows, Index cols) {
  return CArray<T>({rows, cols});
}

// A table row as Python sees it (fastnn._core.OPTIMIZERS and the others): name, type,
// default (None when required), low, high, low_open, high_open, doc, needs_positive.
inline py::dict parameter_dict(const fastnn::Parameter& p) {
  py::dict d;
  d["name"] = p.name;
  d["type"] = p.type == fastnn::ParamType::real   ? "real"
              : p.type == fastnn::ParamType::flag ? "flag"
                                                  : "integer";
  if (std::isnan(p.default_value)) {
    d["default"] = py::none();
  } else if (p.type == fastnn::ParamType::flag) {
    d["default"] = py::bool_(p.default_value != 0);
  } else if (p.type == fastnn::ParamType::integer) {
    d["default"] = py::reinterpret_steal<py::object>(PyLong_FromDouble(p.default_value));
  } else {
    d["default"] = p.default_value;
  }
  if (p.type == fastnn::ParamType::integer) {
    d["low"] = py::reinterpret_steal<py::object>(PyLong_FromDouble(p.low));
    d["high"] = py::reinterpret_steal<py::object>(PyLong_FromDouble(p.high));
  } else {
    d["low"] = p.low;
    d["high"] = p.high;
  }
  d["low_open"] = p.low_open;
  d["high_open"] = p.high_open;
  d["range"] = fastnn::range_text(p);
  d["doc"] = p.doc;
  d["needs_positive"] = p.needs_positive ? py::object(py::str(p.needs_positive)) : py::none();
  return d;
}

// A default as a pybind11 keyword argument's value.
inline py::object default_of(const fastnn::Parameter& p) {
  if (p.type == fastnn::ParamType::flag) return py::bool_(p.default_value != 0);
  if (p.type == fastnn::ParamType::integer) {
    return py::reinterpret_steal<py::object>(PyLong_FromDouble(p.default_value));
  }
  return py::float_(p.default_value);
}

// One registration per concept, each in its own file; module.cpp calls them in this order.
void bind_dense(py::module_& m);
void bind_activations(py::module_& m);
void bind_losses(py::module_& m);
void bind_optimizers(py::module_& m);
void bind_dropout(py::module_& m);
void bind_batch_norm(py::module_& m);
void bind_perceptron(py::module_& m);
void bind_network(py::module_& m);

}  // namespace fastnn_bindings
