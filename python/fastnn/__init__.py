"""fastnn: train and understand small and medium neural networks on the CPU.

The numeric core is C++ on Eigen (``fastnn.kernels``); every kernel has a plain NumPy twin
with the same name and signature in ``fastnn.reference``, against which it is tested.
Models are Keras-like (``Sequential``, ``Dense``, ``compile``/``fit``/``evaluate``/``predict``)
and train through a fused C++ loop.
"""

import os as _os

from fastnn._cpu import check_cpu as _check_cpu

_check_cpu()  # before _core is loaded: a missing AVX2 must be an ImportError, not SIGILL

# How OpenMP threads wait between the pieces of a batch. Spinning collapses when another
# process holds a core (2-thread training fell from 143k to 6k samples/s); sleeping at once
# costs a wake-up per piece. A short spin (300 turns, tens of microseconds) before sleeping
# measured best on mnist-like training, 2 threads: idle 127k samples/s (sleeping at once 115k,
# 1000 turns 148k), with one core busy elsewhere 82k (0 turns 84k, 1000 turns 70k, below half
# of idle). libgomp reads these once, when _core loads it; values the user set win.
if "OMP_WAIT_POLICY" not in _os.environ and "GOMP_SPINCOUNT" not in _os.environ:
    _os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    _os.environ["GOMP_SPINCOUNT"] = "300"

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
