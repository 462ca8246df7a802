// <name>_update for every row of kOptimizers (optimizers.hpp), its keyword arguments, defaults
// and checks all taken from the row, and the table itself as fastnn._core.OPTIMIZERS.
//
// Arrays positional, hyper-parameters keyword-only (as torch.optim's options), learning_rate
// and step required. Each call checks the arrays, then the hyper-parameters, then step, all
// before anything is written, then calls the core's <name>_update on the caller's own memory.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks.hpp"

namespace fastnn_bindings {
namespace {

constexpr std::size_t update_arguments(const fastnn::OptimizerInfo& info) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < info.parameter_count; ++i) {
    n += fastnn::is_update_argument(info.parameters[i]) ? 1 : 0;
  }
  return n;
}

template <std::size_t>
using Handle = py::handle;

// The update of kOptimizers[Row]: handles are (param, grad, state..., hyper-parameters..., step).
template <std::size_t Row>
struct Update {
  static constexpr const fastnn::OptimizerInfo& info = fastnn::kOptimizers[Row];
  static constexpr std::size_t slots = std::size_t(info.slots);
  static constexpr std::size_t hypers = update_arguments(info);
  static constexpr std::size_t arity = 2 + slots + hypers + 1;
  static_assert(info.parameter_count <= 8, "Call::optimizer keeps at most 8 values");

  static void run(const std::array<py::handle, arity>& h) {
    const std::string fn = cat(info.name, "_update");
    const Call c{fn.c_str()};
    std::array<py::handle, slots> state;
    std::array<const char*, slots> names;
    for (std::size_t k = 0; k < slots; ++k) state[k] = h[2 + k], names[k] = info.state[k];
    c.dispatch(h[0], "param", [&](auto tag) {
      using T = decltype(tag);
      auto u = c.update_arrays<T, slots>(h[0], h[1], state, names);
      const OptimizerConfig cfg = c.optimizer(info, [&](const fastnn::Parameter& p) {
        std::size_t k = 2 + slots;
        for (std::size_t i = 0; i < info.parameter_count; ++i) {
          const fastnn::Parameter& q = info.parameters[i];
          if (!fastnn::is_update_argument(q)) continue;
          if (&q == &p) return py::reinterpret_borrow<py::object>(h[k]);
          ++k;
        }
        return py::object();  // read when the state is made: not an update argument
      });
      const std::int64_t t = c.step(h[arity - 1]);
      py::gil_scoped_release nogil;
      call<T>(cfg, u, t);
    });
  }

  template <typename T>
  static void call(const OptimizerConfig& cfg, const UpdateArrays<T, slots>& u, std::int64_t t) {
    const auto& k = K<T>();
    if constexpr (slots == 1) {
      if (info.id == OptimizerKind::sgd) {
        k.sgd_update(u.param, u.state[0], u.grad, u.n, cfg.learning_rate, cfg.momentum,
                     cfg.nesterov, cfg.weight_decay, t);
      } else {
        k.adagrad_update(u.param, u.state[0], u.grad, u.n, cfg.learning_rate, cfg.eps,
                         cfg.weight_decay, t);
      }
    } else if constexpr (slots == 2) {
      k.adadelta_update(u.param, u.state[0], u.state[1], u.grad, u.n, cfg.learning_rate, cfg.rho,
                        cfg.eps, cfg.weight_decay, t);
    } else if (info.id == OptimizerKind::rmsprop) {
      k.rmsprop_update(u.param, u.state[0], u.state[1], u.state[2], u.grad, u.n, cfg.learning_rate,
                       cfg.rho, cfg.eps, cfg.momentum, cfg.centered, cfg.weight_decay, t);
    } else {
      auto update = info.id == OptimizerKind::adamw ? k.adamw_update : k.adam_update;
      update(u.param, u.state[0], u.state[1], u.state[2], u.grad, u.n, cfg.learning_rate,
             cfg.beta_1, cfg.beta_2, cfg.eps, cfg.amsgrad, cfg.weight_decay, t);
    }
  }

  // The j-th keyword argument's row (learning_rate, ..., weight_decay; not step).
  static constexpr const fastnn::Parameter& keyword(std::size_t j) {
    for (std::size_t i = 0; i < info.parameter_count; ++i) {
      if (fastnn::is_update_argument(info.parameters[i]) && j-- == 0) return info.parameters[i];
    }
    return info.parameters[0];  // unreachable: j < hypers
  }

  template <std::size_t I>
  static py::arg positional() {
    return py::arg(I == 0 ? "param" : I == 1 ? "grad" : info.state[I - 2]);
  }

  template <std::size_t J>
  static auto keyword_arg() {
    // learning_rate and step are required: a kernel call says how far it steps, and which step.
    static_assert(std::string_view(keyword(0).name) == "learning_rate");
    if constexpr (J == hypers) {
      return py::arg("step");
    } else if constexpr (J == 0) {
      return py::arg(keyword(J).name);
    } else {
      return py::arg(keyword(J).name) = default_of(keyword(J));
    }
  }

  template <std::size_t... I, std::size_t... J>
  static void bind(py::module_& m, const char* doc, std::index_sequence<I...>,
                   std::index_sequence<J...>) {
    m.def(
        cat(info.name, "_update").c_str(),
        [](Handle<I>... arrays, Handle<J>... keywords) { run({arrays..., keywords...}); },
        positional<I>()..., py::kw_only(), keyword_arg<J>()..., doc);
  }

  static void bind(py::module_& m) {
    static const std::string doc =
        cat("One ", info.class_name, " step. ", info.doc,
            ". param and every state array are updated in place and must be C-contiguous and "
            "writable; all arrays share param's shape (1-D or 2-D) and dtype. step is the "
            "1-based number of this update. Returns None.");
    bind(m, doc.c_str(), std::make_index_sequence<2 + slots>(),
         std::make_index_sequence<hypers + 1>());
  }
};

template <std::size_t... Row>
void bind_all(py::module_& m, std::index_sequence<Row...>) {
  (Update<Row>::bind(m), ...);
}

}  // namespace

void bind_optimizers(py::module_& m) {
  bind_all(m, std::make_index_sequence<std::size(fastnn::kOptimizers)>());
  m.def(
      "clip_gradients",
      [](py::list grads, py::handle clipnorm, py::handle clipvalue, py::handle global_clipnorm) {
        const Call c{"clip_gradients"};
        OptimizerConfig cfg;
        clipping(c, cfg, [&](const fastnn::Parameter& p) {
          const std::string_view name = p.name;
          return py::reinterpret_borrow<py::object>(name == "clipnorm"    ? clipnorm
                                                    : name == "clipvalue" ? clipvalue
                                                                          : global_clipnorm);
        });
        if (grads.empty()) return;
        c.dispatch(grads[0], "grads[0]", [&](auto tag) {
          using T = decltype(tag);
          std::vector<T*> data;
          std::vector<Index> sizes;
          for (std::size_t k = 0; k < grads.size(); ++k) {
            const std::string name = cat("grads[", k, "]");
            py::array a = c.checked_dtype<T>(grads[k], name.c_str(), "grads[0]");
            if (!(a.flags() & py::array::c_style) || !a.writeable() || !CArray<T>::check_(a)) {
              throw py::value_error(cat(c.fn, "(): ", name,
                                        " must be C-contiguous, writable and of native byte "
                                        "order: it is clipped in place"));
            }
            data.push_back(static_cast<T*>(a.mutable_data()));
            sizes.push_back(Index(a.size()));
          }
          py::gil_scoped_release nogil;
          K<T>().clip_gradients(cfg.clipnorm, cfg.clipvalue, cfg.global_clipnorm, data.data(),
                                sizes.data(), Index(data.size()));
        });
      },
      py::arg("grads"), py::kw_only(), py::arg("clipnorm") = py::none(),
      py::arg("clipvalue") = py::none(), py::arg("global_clipnorm") = py::none(),
      "Clip the gradients of one update in place, Keras' way (at most one of the three set; None "
      "or 0 is off): clipnorm scales each gradient whose L2 norm exceeds it to that norm, "
      "global_clipnorm scales them all by one factor when their joint norm exceeds it, clipvalue "
      "clamps every value to [-clipvalue, clipvalue]. Norms are summed in double. grads: a list "
      "of C-contiguous writable arrays of one dtype. Returns None.");
  py::dict clip_rows;
  for (const fastnn::Parameter& p : fastnn::kClipParameters) clip_rows[p.name] = parameter_dict(p);
  m.attr("CLIPPING") = clip_rows;
  py::dict table;
  for (const fastnn::OptimizerInfo& info : fastnn::kOptimizers) {
    py::dict params;
    for (std::size_t i = 0; i < info.parameter_count; ++i) {
      py::dict p = parameter_dict(info.parameters[i]);
      p["update_argument"] = fastnn::is_update_argument(info.parameters[i]);
      params[info.parameters[i].name] = p;
    }
    py::list state;
    for (int k = 0; k < info.slots; ++k) state.append(info.state[k]);
    py::dict d;
    d["class_name"] = info.class_name;
    d["parameters"] = params;
    d["state"] = py::tuple(state);
    d["doc"] = info.doc;
    table[info.name] = d;
  }
  m.attr("OPTIMIZERS") = table;
}

}  // namespace fastnn_bindings
