// fastnn._cpuid: built for the baseline instruction set so it loads on any CPU. It tells
// fastnn/__init__.py which instruction-set features the _core build needs that this CPU
// lacks, so that import fails with a clear ImportError instead of SIGILL inside _core.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

namespace py = pybind11;

namespace {

std::vector<std::string> required_features() {
  const std::string arch = FASTNN_ARCH_NAME;
  if (arch == "x86-64-v3") return {"avx", "avx2", "fma", "bmi", "bmi2", "f16c", "movbe"};
  if (arch == "x86-64-v4")
    return {"avx",   "avx2",    "fma",      "bmi",      "bmi2",     "f16c",
            "movbe", "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"};
  if (arch == "x86-64-v2") return {"sse3", "ssse3", "sse4.1", "sse4.2", "popcnt"};
  return {};  // baseline or a non-x86 target: nothing beyond what the compiler assumes
}

bool cpu_supports(const std::string& feature) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  // __builtin_cpu_supports needs a string literal, hence the table.
#define FASTNN_FEATURE(name) \
  if (feature == name) return __builtin_cpu_supports(name);
  FASTNN_FEATURE("avx")
  FASTNN_FEATURE("avx2")
  FASTNN_FEATURE("fma") FASTNN_FEATURE("bmi") FASTNN_FEATURE("bmi2") FASTNN_FEATURE("f16c")
      FASTNN_FEATURE("movbe") FASTNN_FEATURE("avx512f") FASTNN_FEATURE("avx512bw")
          FASTNN_FEATURE("avx512cd") FASTNN_FEATURE("avx512dq") FASTNN_FEATURE("avx512vl")
              FASTNN_FEATURE("sse3") FASTNN_FEATURE("ssse3") FASTNN_FEATURE("sse4.1")
                  FASTNN_FEATURE("sse4.2") FASTNN_FEATURE("popcnt")
#undef FASTNN_FEATURE
#endif
                      (void) feature;
  return true;
}

}  // namespace

PYBIND11_MODULE(_cpuid, m) {
  m.doc() = "Which CPU features fastnn._core was built for, and which this CPU lacks.";
  m.attr("arch") = FASTNN_ARCH_NAME;
  m.def("required_features", &required_features,
        "The CPU features the _core build assumes (by its -march value).");
  m.def(
      "missing_features",
      [] {
        std::vector<std::string> missing;
        for (const std::string& f : required_features())
          if (!cpu_supports(f)) missing.push_back(f);
        return missing;
      },
      "The features the _core build needs that this CPU does not have.");
}
