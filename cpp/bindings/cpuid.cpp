// fastnn._cpuid: what this CPU can run, for fastnn/_isa.py to pick the core's level.
//
// Built for the baseline instruction set so it loads on any x86-64 CPU, and written against
// the plain CPython API (no pybind11): it is a few calls, and it compiles in a second.
// __builtin_cpu_supports checks the OS side too (XGETBV: AVX and AVX-512 state saved by the
// kernel), so a feature listed here can be used.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define FASTNN_X86 1
#else
#define FASTNN_X86 0
#endif

namespace {

PyObject* features(PyObject*, PyObject*) {
  PyObject* out = PyList_New(0);
  if (out == nullptr) return nullptr;
#if FASTNN_X86
  __builtin_cpu_init();
  // __builtin_cpu_supports takes a string literal only, hence one line per feature. These are
  // the features of the x86-64 micro-architecture levels v2, v3 and v4 (psABI names; GCC calls
  // cx16 "cmpxchg16b" and lahf "lahf_lm").
#define FASTNN_FEATURE(name)                          \
  if (__builtin_cpu_supports(name)) {                 \
    PyObject* s = PyUnicode_FromString(name);         \
    if (s == nullptr || PyList_Append(out, s) != 0) { \
      Py_XDECREF(s);                                  \
      Py_DECREF(out);                                 \
      return nullptr;                                 \
    }                                                 \
    Py_DECREF(s);                                     \
  }
  FASTNN_FEATURE("cmpxchg16b")
  FASTNN_FEATURE("lahf_lm")
  FASTNN_FEATURE("popcnt")
  FASTNN_FEATURE("sse3")
  FASTNN_FEATURE("ssse3")
  FASTNN_FEATURE("sse4.1")
  FASTNN_FEATURE("sse4.2")
  FASTNN_FEATURE("avx")
  FASTNN_FEATURE("avx2")
  FASTNN_FEATURE("bmi")
  FASTNN_FEATURE("bmi2")
  FASTNN_FEATURE("f16c")
  FASTNN_FEATURE("fma")
  FASTNN_FEATURE("lzcnt")
  FASTNN_FEATURE("movbe")
  FASTNN_FEATURE("xsave")
  FASTNN_FEATURE("avx512f")
  FASTNN_FEATURE("avx512bw")
  FASTNN_FEATURE("avx512cd")
  FASTNN_FEATURE("avx512dq")
  FASTNN_FEATURE("avx512vl")
#undef FASTNN_FEATURE
#endif
  return out;
}

// (vendor, family, model) from CPUID leaves 0 and 1, family and model with their extended
// parts added as the vendors' manuals say; ("", 0, 0) off x86-64.
PyObject* identity(PyObject*, PyObject*) {
#if FASTNN_X86
  unsigned a = 0, b = 0, c = 0, d = 0;
  char vendor[13] = {0};
  if (__get_cpuid(0, &a, &b, &c, &d)) {
    __builtin_memcpy(vendor, &b, 4);
    __builtin_memcpy(vendor + 4, &d, 4);
    __builtin_memcpy(vendor + 8, &c, 4);
  }
  unsigned family = 0, model = 0;
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    const unsigned base_family = (a >> 8) & 0xF, base_model = (a >> 4) & 0xF;
    family = base_family == 0xF ? base_family + ((a >> 20) & 0xFF) : base_family;
    model = (base_family == 0x6 || base_family == 0xF) ? (((a >> 16) & 0xF) << 4) | base_model
                                                       : base_model;
  }
  return Py_BuildValue("(sII)", vendor, family, model);
#else
  return Py_BuildValue("(sII)", "", 0u, 0u);
#endif
}

PyMethodDef methods[] = {
    {"features", features, METH_NOARGS,
     "The x86-64-v2/v3/v4 features this CPU (and its OS) supports, by GCC's names."},
    {"identity", identity, METH_NOARGS, "(vendor, family, model) from CPUID."},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef module = {PyModuleDef_HEAD_INIT,
                      "_cpuid",
                      "What this CPU can run: fastnn/_isa.py picks the core's level by it.",
                      -1,
                      methods,
                      nullptr,
                      nullptr,
                      nullptr,
                      nullptr};

}  // namespace

PyMODINIT_FUNC PyInit__cpuid() {
  return PyModule_Create(&module);
}
