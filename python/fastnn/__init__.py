"""fastnn: train and understand small and medium neural networks on the CPU.

The numeric core is C++ on Eigen (``fastnn.kernels``); every kernel has a plain NumPy twin
with the same name and signature in ``fastnn.reference``, against which it is tested.
Models are Keras-like (``Sequential``, ``Dense``, ``compile``/``fit``/``evaluate``/``predict``)
and train through a fused C++ loop.
"""

from importlib import metadata as _metadata

from fastnn import _isa

_isa.load()  # the core built for this CPU's level, before any kernel runs (FASTNN_ISA forces one)

from fastnn import (  # noqa: E402
    activations,
    callbacks,
    datasets,
    initializers,
    io,
    kernels,
    losses,
    metrics,
    optimizers,
    playground,
    reference,
    regularizers,
    tables,
)
from fastnn._config import build_info, get_num_threads, set_num_threads, show_config  # noqa: E402
from fastnn.layers import Activation, BatchNormalization, Dense, Dropout  # noqa: E402
from fastnn.models import Sequential, load_model  # noqa: E402
from fastnn.perceptron import Perceptron  # noqa: E402

# One version, pyproject.toml's: the installed metadata here, and the core's build_info()
# through CMake (tests/test_config.py holds the two equal).
__version__ = _metadata.version("fastnn")

__all__ = [
    "Activation",
    "BatchNormalization",
    "Dense",
    "Dropout",
    "Perceptron",
    "Sequential",
    "__version__",
    "activations",
    "build_info",
    "callbacks",
    "datasets",
    "get_num_threads",
    "initializers",
    "io",
    "kernels",
    "load_model",
    "losses",
    "metrics",
    "optimizers",
    "playground",
    "reference",
    "regularizers",
    "set_num_threads",
    "show_config",
    "tables",
]
