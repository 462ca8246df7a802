"""A `_core.Network` trains in place in the arrays it was given: it must keep them alive.

The suspect from issue 10 (sanitizers), confirmed and fixed: the bindings kept the *lists* of
weights alive, not the arrays in them, so replacing ``weights[0]`` after construction dropped
the last reference to the array the core writes into (ASan reported a heap-use-after-free in
dense_forward). The plain test sees it with a weak reference; the second runs the use in a
child process, which AddressSanitizer would stop under tools/sanitize.sh.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import weakref

import numpy as np
import pytest

_BUILD = """
import numpy as np
import fastnn
# 64 x 64 doubles: large enough for NumPy to take the data from malloc, where ASan watches
layers = [{"in": 64, "out": 64, "activation": "tanh"}, {"in": 64, "out": 1, "activation": "linear"}]
opt = {"kind": "sgd", "learning_rate": 0.1, "momentum": 0.0, "nesterov": False}
weights = [np.full((64, 64), 0.01), np.full((64, 1), 0.01)]
biases = [np.zeros(64), np.zeros(1)]
ws = [np.zeros((1, 64, 64)), np.zeros((1, 64, 1))]
bs = [np.zeros((1, 64)), np.zeros((1, 1))]
net = fastnn._core.Network(layers, "mse", opt, weights, biases, ws, bs, 8)
"""


def _network():
    scope: dict = {}
    exec(_BUILD, scope)
    return scope["net"], scope["weights"]


def test_a_network_keeps_its_weight_arrays_alive_when_the_list_changes():
    net, weights = _network()
    first = weakref.ref(weights[0])
    weights[0] = np.zeros((64, 64))  # the list's reference to the array the core writes into goes
    gc.collect()
    assert first() is not None, "the core points into a freed array"
    net.predict(np.ones((2, 64)))


@pytest.mark.skipif(
    not os.environ.get("FASTNN_SANITIZED"), reason="needs the ASan build (tools/sanitize.sh)"
)
def test_training_after_the_list_changes_touches_no_freed_memory_under_asan():
    code = _BUILD + textwrap.dedent(
        """
        weights[0] = None
        weights[1] = None
        import gc; gc.collect()
        junk = [np.ones(64 * 64) for _ in range(100)]  # reuse the freed blocks
        X = np.ones((8, 64)); y = np.ones((8, 1))
        for epoch in range(3):
            net.train_epoch(X, y, batch_size=8, shuffle=False, seed=0, epoch=epoch,
                            learning_rate=0.1)
        """
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]


def test_a_network_trains_the_arrays_it_was_given():
    net, weights = _network()
    w0 = weights[0]
    before = w0.copy()
    X = np.ones((8, 64))
    y = np.ones((8, 1))
    net.train_epoch(X, y, batch_size=8, shuffle=False, seed=0, epoch=0, learning_rate=0.1)
    assert not np.array_equal(w0, before)
