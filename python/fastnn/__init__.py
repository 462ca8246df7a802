"""fastnn: train and understand small and medium neural networks on the CPU.

The numeric core is C++ on Eigen (``fastnn.kernels``); every kernel has a plain NumPy twin
with the same name and signature in ``fastnn.reference``, against which it is tested.
Models are Keras-like (``Sequential``, ``Dense``, ``compile``/``fit``/``evaluate``/``predict``)
and train through a fused C++ loop.
"""

import os as _os

from fastnn._cpu import check_cpu as _check_cpu

_check_cpu()  # before _core is loaded: a missing AVX2 must be an ImportError, not SIGILL

# OpenMP threads that spin while they wait collapse when another process holds a core: with
# one core busy, 2-thread training fell from 143k to 6k samples/s; waiting passively it kept
# 84k, the speed of one thread. libgomp reads this once, when _core loads it; a value the user
# set wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from fastnn import (  # noqa: E402
    activations,
    callbacks,
    datasets,
    initializers,
    kernels,
    losses,
    optimizers,
    playground,
    reference,
    regularizers,
)
from fastnn._config import get_num_threads, set_num_threads, show_config  # noqa: E402
from fastnn.layers import Dense  # noqa: E402
from fastnn.models import Sequential, load_model  # noqa: E402
from fastnn.perceptron import Perceptron  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "Dense",
    "Perceptron",
    "Sequential",
    "__version__",
    "activations",
    "callbacks",
    "datasets",
    "get_num_threads",
    "initializers",
    "kernels",
    "load_model",
    "losses",
    "optimizers",
    "playground",
    "reference",
    "regularizers",
    "set_num_threads",
    "show_config",
]
