// fastnn._core: registers the bindings of each concept (one file each: dense, activations,
// losses, optimizers, perceptron, network; checks.hpp holds the rules they share) and the
// module-level calls: loading an instruction-set level, threads and build information.
//
// It is compiled once, for the baseline instruction set, and holds no Eigen: it calls the core
// through the KernelTable of the level library that fastnn/_isa.py loads with _load_level()
// (kernel_table.hpp says why the levels live in libraries of their own). No math here.
#include <dlfcn.h>

#include <string>

#include "checks.hpp"

using namespace fastnn_bindings;

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

  bind_dense(m);
  bind_activations(m);
  bind_losses(m);
  bind_optimizers(m);
  bind_dropout(m);
  bind_batch_norm(m);
  bind_perceptron(m);
  bind_network(m);

  m.def(
      "set_num_threads",
      [](py::handle n) {
        // An int's range: OpenMP counts threads in one.
        const Index count = Call{"set_num_threads"}.count(n, "n", 0);
        if (count > 1 << 20) {
          throw py::value_error(
              cat("set_num_threads(): n must be an int in [0, 2**20], got ", count));
        }
        table().set_num_threads(int(count));
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
