"""fastnn side by side with its peers: the same networks, trained the same way, in one run.

    python benchmarks/compare.py                      # every workload, every peer installed
    python benchmarks/compare.py --workloads tiny --peers fastnn,torch --repeats 5
    python benchmarks/compare.py --load --memory --json report.json
    python benchmarks/compare.py --workloads gemm,per-sample --build-time

The rules, so that every framework does the same work (benchmarks/workloads.py makes it all):

* Same data: float32, made with NumPy from seed 0 (tiny: two spirals; mnist: 784-d Gaussian
  blobs of 10 classes, standardised; wide: the same in 1024-d).
* Same initial weights: Glorot-uniform kernels and zero biases, drawn once with NumPy and
  loaded into every framework.
* Same batch order: epoch e visits the samples in ``fastnn.kernels.permutation(n, 0, e)``,
  the order ``Sequential(seed=0).fit(shuffle=True)`` uses itself; every peer is handed that
  order (scikit-learn through one ``partial_fit`` per epoch with ``shuffle=False``).
  Batches are consecutive runs of that order; the last one may be shorter.
* Same optimizer: SGD, PyTorch's momentum rule (v = mu v + g, w -= lr v; scikit-learn's rule
  is the same for a constant learning rate), no weight decay, no Nesterov.

So the final training loss (the mean of the last epoch's batch losses, weighted by batch
size) must agree across peers within a few percent: that column is the check that everyone
trained the same model. Each peer is written as its users write it: NumPy a plain loop,
PyTorch an ``nn.Sequential`` with ``optim.SGD`` over tensor slices, JAX a jitted step (and a
whole epoch under ``lax.scan``), scikit-learn an ``MLPClassifier(solver="sgd")``.

Timing: each (peer, workload) runs in its own fresh process, so that no library's threads or
caches meet another's. One warm-up epoch (which compiles, for torch.compile and JAX), then
``--repeats`` full trainings (more for short ones, until they add up to a second), each
from the initial weights; samples/s = samples x epochs / wall time of the training call.
Data making, imports, compiling and weight loading are not timed. The table shows the median
and the min-max; the ratio is fastnn's median over the peer's (above 1: fastnn is faster).
Thread counts are each library's default unless ``--threads N`` is given (JAX, whose XLA
ignores its thread settings, is then pinned to N cores); the table reports what each used,
and the cores it kept busy (process CPU time over wall time). Every worker runs without
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which some machines set for old OpenBLAS builds and
which hold a current one to a slower kernel.

The other workloads measure fastnn against the issue's speed targets:

* ``gemm``: float32 ``dense_forward`` (X W + b) and ``dense_backward`` (dZ W^T, X^T dZ, the
  bias sum) against the same products in NumPy (``X @ W + b``; its BLAS kernel is reported)
  and PyTorch (``torch.addmm``), in GFLOP/s, for each ``--gemm-shapes`` shape on 1 and 2
  threads (``set_num_threads``, threadpoolctl, ``torch.set_num_threads``), one fresh process
  per peer and thread count. Target: fastnn >= 0.85 of the fastest peer in every case. The
  best 2-thread GFLOP/s also gives mnist's and wide's ceiling: the samples/s that GEMM peak
  allows for a step's products (forward, dW, dX; no dX for the first layer).
* ``per-sample``: fastnn alone on tiny (2-8-8-1, SGD) at batch 1 and at batch 16. Target:
  batch 1 keeps >= 0.4 of batch 16's samples/s.
* ``--build-time`` (not a workload: it compiles for minutes) runs benchmarks/build_time.py:
  the core built for v3 only and for every level. Target: all levels <= 2x one level.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import workloads as wl

PEERS = ("fastnn", "numpy", "torch", "torch-compile", "jax", "jax-scan", "sklearn")
WORKLOADS = ("tiny", "mnist", "mnist-bn", "wide", "inference", "gemm", "per-sample")
TRAINING_WORKLOADS = ("tiny", "mnist", "mnist-bn", "wide")


class NotSupported(Exception):
    """The peer, as its users write it, has no such layer (scikit-learn: no BatchNormalization)."""


# The module each peer needs; a missing one gives a "skipped" row.
PEER_MODULES = {
    "fastnn": "fastnn",
    "numpy": "numpy",
    "torch": "torch",
    "torch-compile": "torch",
    "jax": "jax",
    "jax-scan": "jax",
    "sklearn": "sklearn",
}
INSTALL_HINTS = {
    "torch": "pip install torch --index-url https://download.pytorch.org/whl/cpu",
    "jax": 'pip install "jax[cpu]"',
    "sklearn": "pip install scikit-learn",
}
# The targets for the lead (fastnn's speed over the fastest peer, and the rest).
TARGETS = {"tiny": 5.0, "mnist": 1.5, "wide": 1.1}
PREDICT_TINY_TARGET_US = 2.0
LOAD_TARGET = 0.5
# Dense products: fastnn's GFLOP/s over the best peer's, every shape, op and thread count.
GEMM_TARGET = 0.85
# (batch, in, out): the three, and mnist's first layer at a larger batch.
GEMM_SHAPES = ((128, 512, 1024), (256, 1024, 1024), (1024, 1024, 1024), (512, 784, 256))
GEMM_QUICK_SHAPES = ((16, 32, 64), (64, 128, 96))
GEMM_THREADS = (1, 2)
GEMM_PEERS = ("fastnn", "numpy", "torch")
# Per-sample training: tiny (2-8-8-1, SGD) at batch 1 over the same net at batch 16.
PER_SAMPLE_BATCHES = (1, 16)
PER_SAMPLE_TARGET = 0.4
BUILD_TIME_TARGET = 2.0  # building every level over building one
WORKER_TIMEOUT = 900  # seconds for one (peer, workload) process
# Trainings shorter than this in all are repeated (up to MAX_REPEATS times) beyond --repeats.
MIN_SECONDS, MAX_REPEATS = 1.0, 50


# ==== the peers ==============================================================================
#
# Each peer is a small class: built from the workload and the initial weights, it takes the
# data once (load_data, not timed), starts from the initial weights (reset, not timed),
# trains over the given epoch orders and returns the last epoch's loss (fit, timed), and makes
# a zero-argument function that predicts probabilities for some rows (predictor).


def _threads_blas() -> int | str:
    """NumPy's BLAS threads, through threadpoolctl when it is installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS default"
    counts = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return counts[0] if counts else "BLAS default"


class FastnnPeer:
    """fastnn: Sequential.fit, which shuffles with the same (seed, epoch) order itself."""

    name = "fastnn"

    def __init__(self, w: wl.Workload, init, threads: int | None):
        import fastnn

        if threads:
            fastnn.set_num_threads(threads)
        self.w, self.init = w, init
        self.version = fastnn.__version__
        self.threads = fastnn.get_num_threads()

    def load_data(self, X, y):
        self.X, self.y = X, wl.fastnn_targets(self.w, y)

    def reset(self):
        self.model = wl.fastnn_model(self.w, self.init)

    def fit(self, orders) -> float:
        history = self.model.fit(
            self.X, self.y, epochs=len(orders), batch_size=self.w.batch_size, verbose=0
        )
        return history.history["loss"][-1]

    def predictor(self, X):
        model = wl.fastnn_model(self.w, self.init)
        return lambda: model.predict(X)


class NumpyPeer:
    """A plain NumPy loop, as a user writes one: forward, cross-entropy, backward, SGD."""

    name = "numpy"

    def __init__(self, w: wl.Workload, init, threads: int | None):
        if w.batch_norm or w.dropout:
            raise NotSupported("the plain NumPy loop has no BatchNormalization or Dropout")
        self.w, self.init = w, init
        self.version = np.__version__
        self.threads = _threads_blas()
        if w.hidden_activation == "tanh":
            self.act, self.act_grad = np.tanh, lambda a: 1 - a * a
        else:
            self.act, self.act_grad = lambda z: np.maximum(z, 0), lambda a: a > 0

    def load_data(self, X, y):
        # Binary targets as float32 columns, so that `p - t` stays float32.
        self.X = X
        self.y = y.astype(np.float32)[:, None] if self.w.classes == 2 else y

    def reset(self):
        self.params = [(W.copy(), b.copy()) for W, b in self.init]
        self.velocity = [(np.zeros_like(W), np.zeros_like(b)) for W, b in self.init]

    def forward(self, x):
        """The hidden layers' activations (x first) and the output logits."""
        acts = [x]
        for W, b in self.params[:-1]:
            acts.append(self.act(acts[-1] @ W + b))
        W, b = self.params[-1]
        return acts, acts[-1] @ W + b

    def loss_and_delta(self, z, t):
        """Mean cross-entropy of logits z against targets t, and its gradient wrt z."""
        if self.w.classes == 2:
            loss = np.mean(np.logaddexp(0, z) - t * z)
            p = 1 / (1 + np.exp(-z))
            return loss, (p - t) / len(z)
        z = z - z.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(z).sum(axis=1))
        rows = np.arange(len(z))
        loss = np.mean(log_sum - z[rows, t])
        p = np.exp(z - log_sum[:, None])
        p[rows, t] -= 1
        return loss, p / len(z)

    def fit(self, orders) -> float:
        lr, mu, B = self.w.learning_rate, self.w.momentum, self.w.batch_size
        for order in orders:
            total = 0.0
            for i in range(0, len(order), B):
                idx = order[i : i + B]
                x, t = self.X[idx], self.y[idx]
                acts, z = self.forward(x)
                loss, delta = self.loss_and_delta(z, t)
                total += float(loss) * len(idx)
                for l in reversed(range(len(self.params))):
                    W, b = self.params[l]
                    gW, gb = acts[l].T @ delta, delta.sum(axis=0)
                    if l > 0:
                        delta = (delta @ W.T) * self.act_grad(acts[l])
                    if mu:
                        vW, vb = self.velocity[l]
                        vW *= mu
                        vW += gW
                        vb *= mu
                        vb += gb
                        gW, gb = vW, vb
                    W -= lr * gW
                    b -= lr * gb
        return total / len(orders[-1])

    def predictor(self, X):
        self.reset()

        def predict():
            _, z = self.forward(X)
            if self.w.classes == 2:
                return 1 / (1 + np.exp(-z))
            e = np.exp(z - z.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)

        return predict


class TorchPeer:
    """PyTorch eager: nn.Sequential, optim.SGD, a loop over tensor slices (no DataLoader)."""

    name = "torch"
    compiled = False

    def __init__(self, w: wl.Workload, init, threads: int | None):
        import torch
        from torch import nn

        if threads:
            torch.set_num_threads(threads)
        self.torch, self.w, self.init = torch, w, init
        self.version = torch.__version__
        self.threads = torch.get_num_threads()
        Act = nn.Tanh if w.hidden_activation == "tanh" else nn.ReLU
        modules = []
        for n_in, n_out in zip(w.sizes[:-1], w.sizes[1:], strict=True):
            modules += [nn.Linear(n_in, n_out), Act()]
            if w.batch_norm:  # Keras' momentum 0.99 is PyTorch's 0.01
                modules.append(nn.BatchNorm1d(n_out, eps=1e-3, momentum=0.01))
            if w.dropout:
                modules.append(nn.Dropout(w.dropout))
        # logits out (the loss takes them): the output layer has no activation, normalization
        # or dropout after it
        last = max(i for i, m in enumerate(modules) if isinstance(m, nn.Linear))
        self.model = nn.Sequential(*modules[: last + 1])
        self.loss_fn = nn.BCEWithLogitsLoss() if w.classes == 2 else nn.CrossEntropyLoss()
        self.optimizer = None

    def load_data(self, X, y):
        torch = self.torch
        self.X = torch.from_numpy(X)
        self.y = torch.from_numpy(y.astype(np.float32)[:, None] if self.w.classes == 2 else y)

    def _load_weights(self):
        linears = [m for m in self.model if isinstance(m, self.torch.nn.Linear)]
        with self.torch.no_grad():
            for linear, (W, b) in zip(linears, self.init, strict=True):
                linear.weight.copy_(self.torch.from_numpy(W.T))  # torch keeps (out, in)
                linear.bias.copy_(self.torch.from_numpy(b))
            for m in self.model:
                if isinstance(m, self.torch.nn.BatchNorm1d):
                    m.reset_parameters()  # gamma 1, beta 0, moving mean 0 and variance 1

    def reset(self):
        self._load_weights()
        self.model.train()
        self.optimizer = self.torch.optim.SGD(
            self.model.parameters(), lr=self.w.learning_rate, momentum=self.w.momentum
        )

    def train_step(self, xb, yb):
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(xb), yb)
        loss.backward()
        self.optimizer.step()
        return loss

    def fit(self, orders) -> float:
        B = self.w.batch_size
        for order in orders:
            perm = self.torch.from_numpy(order)
            X, y = self.X[perm], self.y[perm]
            total = 0.0
            for i in range(0, len(order), B):
                xb, yb = X[i : i + B], y[i : i + B]
                loss = self.train_step(xb, yb)
                total += loss.item() * len(xb)
        return total / len(orders[-1])

    def predictor(self, X):
        torch = self.torch
        self._load_weights()
        self.model.eval()
        x = torch.from_numpy(X)
        out = torch.sigmoid if self.w.classes == 2 else lambda z: torch.softmax(z, dim=1)

        def predict():
            with torch.no_grad():
                return out(self.model(x))

        return predict


class TorchCompilePeer(TorchPeer):
    """PyTorch with the training step (forward, loss, backward, SGD step) under torch.compile.

    The warm-up epoch compiles it for the full and the last, shorter batch. reset() keeps the
    optimizer and zeroes its momentum in place, so that the compiled step stays valid
    (a zero momentum buffer gives the same first step as a fresh optimizer).
    """

    name = "torch-compile"
    compiled = True

    def __init__(self, w, init, threads):
        super().__init__(w, init, threads)
        self.optimizer = self.torch.optim.SGD(
            self.model.parameters(), lr=w.learning_rate, momentum=w.momentum
        )
        self.train_step = self.torch.compile(self._step)

    def _step(self, xb, yb):
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(xb), yb)
        loss.backward()
        self.optimizer.step()
        return loss

    def reset(self):
        self._load_weights()
        self.model.train()
        for state in self.optimizer.state.values():
            if state.get("momentum_buffer") is not None:
                state["momentum_buffer"].zero_()

    predictor = None  # inference is measured on eager PyTorch


class JaxPeer:
    """JAX: the SGD step (value_and_grad + momentum update) under jax.jit, batch by batch."""

    name = "jax"

    def __init__(self, w: wl.Workload, init, threads: int | None):
        import jax
        import jax.numpy as jnp

        self.jax, self.jnp, self.w, self.init = jax, jnp, w, init
        self.version = jax.__version__
        # XLA's CPU client runs one thread per usable core and has no setting for it that
        # works (its intra-op flags are ignored): with --threads N, worker() has already
        # pinned this process to N cores.
        self.threads = len(os.sched_getaffinity(0))
        act = jnp.tanh if w.hidden_activation == "tanh" else jax.nn.relu
        lr, mu, rate = w.learning_rate, w.momentum, w.dropout

        # params: per hidden layer (W, b) or, with batch normalization, (W, b, gamma, beta);
        # stats: per hidden layer its moving (mean, variance) (empty without); the dropout
        # masks come from `key`, one per step, folded with the layer's index.
        def logits(params, stats, x, key, training):
            new_stats = []
            for l, layer in enumerate(params[:-1]):
                x = act(x @ layer[0] + layer[1])
                if w.batch_norm:
                    moving_mean, moving_var = stats[l]
                    if training:
                        mean, var = x.mean(axis=0), x.var(axis=0)
                        new_stats.append(
                            (0.99 * moving_mean + 0.01 * mean, 0.99 * moving_var + 0.01 * var)
                        )
                    else:
                        mean, var = moving_mean, moving_var
                    x = (x - mean) * jax.lax.rsqrt(var + 1e-3) * layer[2] + layer[3]
                if rate and training:
                    keep = jax.random.bernoulli(jax.random.fold_in(key, l), 1 - rate, x.shape)
                    x = jnp.where(keep, x / (1 - rate), 0)
            W, b = params[-1]
            return x @ W + b, new_stats

        def loss_fn(params, stats, x, t, key):
            z, new_stats = logits(params, stats, x, key, True)
            if w.classes == 2:
                return jnp.mean(jnp.logaddexp(0, z[:, 0]) - t * z[:, 0]), new_stats
            loss = jnp.mean(
                jax.nn.logsumexp(z, axis=1) - jnp.take_along_axis(z, t[:, None], 1)[:, 0]
            )
            return loss, new_stats

        def sgd_step(params, velocity, stats, step, x, t):
            key = jax.random.fold_in(jax.random.key(0), step) if rate else None
            (loss, stats), grads = jax.value_and_grad(loss_fn, has_aux=True)(
                params, stats, x, t, key
            )
            velocity = jax.tree.map(lambda v, g: mu * v + g, velocity, grads)
            params = jax.tree.map(lambda p, v: p - lr * v, params, velocity)
            return params, velocity, stats, step + 1, loss

        def scan_epoch(params, velocity, stats, step, X, T, batches):
            """Every full batch of one epoch; batches is (n_batches, batch_size) row indices."""

            def body(carry, rows):
                *carry, loss = sgd_step(*carry, X[rows], T[rows])
                return tuple(carry), loss

            carry, losses = jax.lax.scan(body, (params, velocity, stats, step), batches)
            return (*carry, losses.sum())

        self.step = jax.jit(sgd_step)
        self.scan_epoch = jax.jit(scan_epoch)
        out = jax.nn.sigmoid if w.classes == 2 else jax.nn.softmax
        self.apply = jax.jit(lambda params, stats, x: out(logits(params, stats, x, None, False)[0]))

    def load_data(self, X, y):
        self.X = X
        self.y = y.astype(np.float32) if self.w.classes == 2 else y.astype(np.int32)

    def reset(self):
        jnp = self.jnp
        self.params = []
        self.stats = []
        for l, (W, b) in enumerate(self.init):
            layer = (jnp.asarray(W), jnp.asarray(b))
            if self.w.batch_norm and l + 1 < len(self.init):
                layer += (jnp.ones_like(layer[1]), jnp.zeros_like(layer[1]))
                self.stats.append((jnp.zeros_like(layer[1]), jnp.ones_like(layer[1])))
            self.params.append(layer)
        self.velocity = [tuple(jnp.zeros_like(a) for a in layer) for layer in self.params]
        self.step_count = jnp.asarray(0, jnp.uint32)

    def _carry(self):
        return self.params, self.velocity, self.stats, self.step_count

    def _set(self, params, velocity, stats, step_count):
        self.params, self.velocity, self.stats, self.step_count = (
            params,
            velocity,
            stats,
            step_count,
        )

    def fit(self, orders) -> float:
        B = self.w.batch_size
        for order in orders:
            X, y = self.X[order], self.y[order]
            losses = []
            for i in range(0, len(order), B):
                xb, yb = X[i : i + B], y[i : i + B]
                *carry, loss = self.step(*self._carry(), xb, yb)
                self._set(*carry)
                losses.append((loss, len(xb)))
            total = sum(float(loss) * rows for loss, rows in losses)
        return total / len(orders[-1])

    def predictor(self, X):
        self.reset()
        x = self.jnp.asarray(X)
        return lambda: self.apply(self.params, self.stats, x).block_until_ready()


class JaxScanPeer(JaxPeer):
    """JAX: a whole epoch of full batches in one jitted lax.scan (rows gathered inside it);
    the last, shorter batch, if any, through the jitted step."""

    name = "jax-scan"

    def load_data(self, X, y):
        super().load_data(X, y)
        self.X_dev, self.y_dev = self.jnp.asarray(self.X), self.jnp.asarray(self.y)

    def fit(self, orders) -> float:
        B = self.w.batch_size
        for order in orders:
            full = len(order) // B * B
            batches = self.jnp.asarray(order[:full].reshape(-1, B))
            *carry, total = self.scan_epoch(*self._carry(), self.X_dev, self.y_dev, batches)
            self._set(*carry)
            total = total * B
            if full < len(order):
                rest = order[full:]
                *carry, loss = self.step(*self._carry(), self.X[rest], self.y[rest])
                self._set(*carry)
                total = total + loss * len(rest)
            total = float(total)
        return total / len(orders[-1])

    predictor = None  # inference is measured on the jitted apply of JaxPeer


class SklearnPeer:
    """scikit-learn's MLPClassifier(solver="sgd"), one partial_fit per epoch, shuffle=False.

    Its weights cannot be given to the constructor: reset() lets one partial_fit build them on
    one batch, then copies the initial weights in place and drops the optimizer (the private
    ``_optimizer``, which the next partial_fit makes anew), so that training starts from the
    same weights with zero momentum.
    """

    name = "sklearn"

    def __init__(self, w: wl.Workload, init, threads: int | None):
        if w.batch_norm or w.dropout:
            raise NotSupported("MLPClassifier has no BatchNormalization or Dropout")
        import sklearn
        from sklearn.neural_network import MLPClassifier

        self.w, self.init = w, init
        self.version = sklearn.__version__
        self.threads = _threads_blas()
        self.make = lambda: MLPClassifier(
            hidden_layer_sizes=tuple(units for units, _ in w.layers[:-1]),
            activation=w.hidden_activation,
            solver="sgd",
            alpha=0.0,
            batch_size=w.batch_size,
            learning_rate="constant",
            learning_rate_init=w.learning_rate,
            momentum=w.momentum,
            nesterovs_momentum=False,
            shuffle=False,
            tol=0.0,
            n_iter_no_change=1_000_000,
            max_iter=w.epochs,
        )

    def load_data(self, X, y):
        self.X, self.y = X, y

    def reset(self):
        self.model = self.make()
        B = self.w.batch_size
        self.model.partial_fit(self.X[:B], self.y[:B], classes=np.arange(self.w.classes))
        for target, (W, b) in zip(
            zip(self.model.coefs_, self.model.intercepts_, strict=True), self.init, strict=True
        ):
            target[0][...] = W
            target[1][...] = b
        del self.model._optimizer

    def fit(self, orders) -> float:
        for order in orders:
            self.model.partial_fit(self.X[order], self.y[order])
        return float(self.model.loss_)

    def predictor(self, X):
        self.reset()
        return lambda: self.model.predict_proba(X)


PEER_CLASSES = {
    cls.name: cls
    for cls in (
        FastnnPeer,
        NumpyPeer,
        TorchPeer,
        TorchCompilePeer,
        JaxPeer,
        JaxScanPeer,
        SklearnPeer,
    )
}


# ==== measuring (in the worker process) ======================================================


def _stats(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def measure_training(peer, w: wl.Workload, repeats: int, min_seconds: float) -> dict:
    """Warm up one epoch, then full trainings from the initial weights: `repeats` of them, or
    more while they add up to less than `min_seconds` (a short training is noisy)."""
    X, y = wl.make_data(w)
    orders = wl.batch_orders(w.samples, w.epochs)
    peer.load_data(X, y)
    peer.reset()
    peer.fit(orders[:1])  # warm-up: compiles, fills caches
    seconds, cpu_seconds, losses = [], [], []
    while len(seconds) < repeats or (sum(seconds) < min_seconds and len(seconds) < MAX_REPEATS):
        peer.reset()
        start, cpu_start = time.perf_counter(), time.process_time()
        loss = peer.fit(orders)
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - cpu_start)
        losses.append(float(loss))
    return {
        "samples_per_s": _stats([w.samples * w.epochs / s for s in seconds]),
        # CPU time of all the process's threads over wall time: the cores it kept busy
        "cpu_per_wall": statistics.median(c / s for c, s in zip(cpu_seconds, seconds, strict=True)),
        "runs": len(seconds),
        "seconds": seconds,
        "final_loss": losses[-1],
        "final_losses": losses,
    }


def _time_calls(fn, calls: int, blocks: int) -> list[float]:
    """Seconds per call, one value per block of `calls` calls, after one warm-up call."""
    fn()
    per_call = []
    for _ in range(blocks):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        per_call.append((time.perf_counter() - start) / calls)
    return per_call


INFERENCE_CASES = {"tiny": (1,), "mnist": (1, 1024)}  # workload: batch sizes


def measure_inference(peer_class, threads, quick: bool) -> tuple[object, list[dict]]:
    """Single-sample latency on tiny and mnist, batch-1024 throughput on mnist.

    The weights are the initial ones (inference does not care); the rows are the first of
    the workload's data.
    """
    rows = []
    for name, batches in INFERENCE_CASES.items():
        w = wl.workload(name)
        peer = peer_class(w, wl.initial_weights(w), threads)
        X, y = wl.make_data(w.with_size(1024, 1))
        peer.load_data(X, y)
        for batch in batches:
            if batch == 1:
                calls, blocks = (50, 5) if quick else (500, 20)
            else:
                calls, blocks = (1, 3) if quick else (5, 10)
            seconds = _time_calls(peer.predictor(X[:batch]), calls, blocks)
            row = {"case": f"{name}, batch {batch}", "batch": batch, "calls": calls * blocks}
            row["samples_per_s"] = _stats([batch / s for s in seconds])
            row["latency_us"] = _stats([s * 1e6 for s in seconds])
            rows.append(row)
    return peer, rows


# ---- dense products ------------------------------------------------------------------------
#
# Each peer makes, for given float32 X (batch, in), W (in, out), b (out,) and dZ (batch, out),
# the forward product Z = X W + b and the backward one (dX, dW, db) = (dZ W^T, X^T dZ, sum dZ),
# as its users write them. FLOPs count the products only: 2 batch in out for the forward, twice
# that for the backward (the bias add and sum are below 0.1% of it).


def gemm_fastnn(threads: int):
    import fastnn
    from fastnn import kernels as K

    fastnn.set_num_threads(threads)

    def make(X, W, b, dZ):
        return (lambda: K.dense_forward(X, W, b)), (lambda: K.dense_backward(X, W, dZ))

    info = {"version": fastnn.__version__, "threads": fastnn.get_num_threads()}
    return make, {**info, "kernel": f"Eigen, isa {fastnn.build_info()['isa']}"}


def gemm_numpy(threads: int):
    """NumPy's BLAS; worker_env() has unset OPENBLAS_CORETYPE/L2_SIZE, so it picks its kernel."""
    # Without threadpoolctl, worker_env()'s OPENBLAS_NUM_THREADS alone sets the threads.
    kernel = "BLAS (threadpoolctl not installed: kernel unknown)"
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_info, threadpool_limits

        threadpool_limits(limits=threads, user_api="blas")  # for the rest of this process
        kernel = ", ".join(
            f"{p['internal_api']} {p.get('version')} {p.get('architecture') or ''}".strip()
            for p in threadpool_info()
            if p["user_api"] == "blas"
        )

    def make(X, W, b, dZ):
        return (lambda: X @ W + b), (lambda: (dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)))

    return make, {"version": np.__version__, "threads": _threads_blas(), "kernel": kernel}


def gemm_torch(threads: int):
    import torch

    torch.set_num_threads(threads)
    torch.set_grad_enabled(False)

    def make(X, W, b, dZ):
        X, W, b, dZ = (torch.from_numpy(a) for a in (X, W, b, dZ))
        forward = lambda: torch.addmm(b, X, W)  # noqa: E731  nn.Linear's own call
        backward = lambda: (dZ @ W.T, X.T @ dZ, dZ.sum(0))  # noqa: E731
        return forward, backward

    capability = torch.backends.cpu.get_cpu_capability()
    info = {"version": torch.__version__, "threads": torch.get_num_threads()}
    return make, {
        **info,
        "kernel": f"{'MKL' if torch.backends.mkl.is_available() else 'BLAS'}, {capability}",
    }


GEMM_MAKERS = {"fastnn": gemm_fastnn, "numpy": gemm_numpy, "torch": gemm_torch}


def _time_for(fn, block_seconds: float, blocks: int) -> tuple[list[float], int]:
    """Seconds per call of fn in `blocks` blocks of about `block_seconds` each, and calls/block."""
    fn()
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    calls = max(1, round(block_seconds / max(once, 1e-9)))
    return _time_calls(fn, calls, blocks), calls


def measure_gemm(peer: str, threads: int, shapes, quick: bool) -> tuple[dict, list[dict]]:
    """GFLOP/s of the forward and the backward product for each shape, on `threads` threads."""
    make, info = GEMM_MAKERS[peer](threads)
    block_seconds, blocks = (0.005, 2) if quick else (0.1, 5)
    rows = []
    rng = np.random.default_rng(wl.SEED)
    for batch, n_in, n_out in shapes:
        X = rng.standard_normal((batch, n_in), dtype=np.float32)
        W = rng.standard_normal((n_in, n_out), dtype=np.float32)
        b = rng.standard_normal(n_out, dtype=np.float32)
        dZ = rng.standard_normal((batch, n_out), dtype=np.float32)
        forward, backward = make(X, W, b, dZ)
        for op, fn, products in (("forward", forward, 1), ("backward", backward, 2)):
            seconds, calls = _time_for(fn, block_seconds, blocks)
            flops = products * 2 * batch * n_in * n_out
            rows.append(
                {
                    "shape": [batch, n_in, n_out],
                    "op": op,
                    "flops": flops,
                    "calls": calls * blocks,
                    "gflops": _stats([flops / s / 1e9 for s in seconds]),
                    "ms_per_call": statistics.median(seconds) * 1e3,
                }
            )
    return info, rows


def parse_shapes(text: str) -> tuple[tuple[int, int, int], ...]:
    """ "128x512x1024,256x1024x1024" -> ((128, 512, 1024), (256, 1024, 1024))."""
    try:
        shapes = tuple(
            tuple(int(n) for n in part.lower().split("x")) for part in text.split(",") if part
        )
    except ValueError:
        shapes = ()
    if not shapes or any(len(s) != 3 or min(s) < 1 for s in shapes):
        raise argparse.ArgumentTypeError(
            f"expected shapes as BATCHxINxOUT[,...] with positive sizes, got {text!r}"
        )
    return shapes


def worker(args) -> dict:
    """Measure one peer on one workload (this runs in its own process)."""
    if args.workload == "gemm":
        try:
            info, rows = measure_gemm(args.worker, args.threads, args.gemm_shapes, args.quick)
        except ImportError as error:
            return {"status": "skipped", "reason": f"cannot import: {error}"}
        return {"status": "ok", **info, "gemm": rows}
    peer_class = PEER_CLASSES[args.worker]
    if args.threads and peer_class in (JaxPeer, JaxScanPeer):  # before jax starts its threads
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.threads])
    try:
        if args.workload == "inference":
            peer, rows = measure_inference(peer_class, args.threads, args.quick)
            result = {"inference": rows}
        else:
            w = wl.workload(args.workload, args.quick)
            if args.batch_size:
                w = dataclasses.replace(w, batch_size=args.batch_size)
            peer = peer_class(w, wl.initial_weights(w), args.threads)
            result = measure_training(peer, w, args.repeats, 0.0 if args.quick else MIN_SECONDS)
    except ImportError as error:
        return {"status": "skipped", "reason": f"cannot import: {error}"}
    except NotSupported as error:
        return {"status": "skipped", "reason": str(error)}
    except Exception as error:
        if peer_class is TorchCompilePeer:
            return {
                "status": "skipped",
                "reason": f"torch.compile failed here: {_first_line(error)}",
            }
        raise
    return {"status": "ok", "version": peer.version, "threads": peer.threads, **result}


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:200]


def memory_worker(path: str, rows: int, features: int) -> dict:
    """Fit fastnn one epoch on a float32 memmap; the process's peak RSS against the data."""
    import fastnn

    X = np.memmap(path, dtype=np.float32, mode="r", shape=(rows, features))
    y = (np.random.default_rng(0).random((rows, 1)) < 0.5).astype(np.float32)
    model = fastnn.Sequential(
        [fastnn.Dense(16, activation="relu", input_dim=features), fastnn.Dense(1, "sigmoid")],
        seed=0,
    )
    model.compile(optimizer=fastnn.optimizers.SGD(0.01), loss="binary_crossentropy")
    baseline = _peak_rss()
    batch = 256
    start = time.perf_counter()
    history = model.fit(X, y, epochs=1, batch_size=batch, verbose=0)
    seconds = time.perf_counter() - start
    params = model.count_params() * 4
    # weights, their SGD state and gradients; the gathered batch and each layer's Z, A, dZ
    workspaces = 4 * batch * (features + 3 * (16 + 1))
    return {
        "status": "ok",
        "rows": rows,
        "features": features,
        "data_bytes": X.nbytes,
        "targets_bytes": y.nbytes,
        "model_bytes": 3 * params + workspaces,
        "baseline_rss": baseline,
        "peak_rss": _peak_rss(),
        "seconds": seconds,
        "loss": history.history["loss"][-1],
    }


def _peak_rss() -> int:
    """This process's peak resident set size in bytes.

    VmHWM from /proc/self/status where there is one: ru_maxrss would do, but Linux carries
    it over from the parent through fork and exec, so a child's ru_maxrss is at least its
    parent's RSS at the fork, whatever the child itself did.
    """
    with contextlib.suppress(OSError, StopIteration), open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith("VmHWM:")).split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


# ==== running the workers (in the parent) ====================================================


def worker_env(threads: int | None) -> dict:
    """The environment of a worker: each library's default threads, or N everywhere.

    OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE go, both together: some machines set them for old
    OpenBLAS builds, and they hold a current one (NumPy's, scikit-learn's) to a slower kernel
    than the one it picks for this CPU itself (the gemm rows report which it ran).
    """
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(var, None)
    if threads:
        for var in (
            "FASTNN_NUM_THREADS",
            "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS",
        ):
            env[var] = str(threads)
    return env


def run_worker(argv: list[str], threads: int | None) -> dict:
    """Run `compare.py --worker ...` in a fresh process and return what it measured."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, __file__, *argv, "--worker-out", str(out)]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=WORKER_TIMEOUT,
                env=worker_env(threads),
            )
        except subprocess.TimeoutExpired:
            return {"status": "failed", "reason": f"timed out after {WORKER_TIMEOUT} s"}
        if done.returncode != 0 or not out.exists():
            tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            return {"status": "failed", "reason": f"exit {done.returncode}: {tail[:200]}"}
        return json.loads(out.read_text())


def _not_installed(peer: str) -> dict | None:
    module = PEER_MODULES[peer]
    if importlib.util.find_spec(module) is None:
        hint = INSTALL_HINTS.get(module, f"pip install {module}")
        return {"status": "skipped", "reason": f"{module} is not installed ({hint})"}
    return None


def run_peer(peer: str, workload: str, args, batch_size: int | None = None) -> dict:
    """One row (training) or one group of rows (inference) for `peer` on `workload`."""
    if missing := _not_installed(peer):
        return missing
    argv = ["--worker", peer, "--workload", workload, "--repeats", str(args.repeats)]
    if args.quick:
        argv.append("--quick")
    if args.threads:
        argv += ["--threads", str(args.threads)]
    if batch_size:
        argv += ["--batch-size", str(batch_size)]
    return run_worker(argv, args.threads)


def gemm_thread_counts() -> list[int]:
    """The issue's 1 and 2 threads, as far as this process may use that many CPUs."""
    usable = len(os.sched_getaffinity(0))
    return [t for t in GEMM_THREADS if t <= usable] or [1]


def run_gemm(peer: str, threads: int, args) -> dict:
    """The dense-product rows of one peer on `threads` threads, every shape, in a fresh process."""
    if missing := _not_installed(peer):
        return missing
    shapes = ",".join("x".join(map(str, shape)) for shape in args.gemm_shapes)
    argv = ["--worker", peer, "--workload", "gemm", "--threads", str(threads)]
    argv += ["--gemm-shapes", shapes] + (["--quick"] if args.quick else [])
    return run_worker(argv, threads)


def run_build_time(quick: bool) -> dict:
    """benchmarks/build_time.py in a subprocess: its JSON, or why there is none."""
    script = Path(__file__).resolve().parent / "build_time.py"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "build.json"
        command = [sys.executable, str(script), "--json", str(out), *(["--quick"] if quick else [])]
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
        if done.returncode != 0 or not out.exists():
            tail = ((done.stderr or done.stdout).strip().splitlines() or ["(no output)"])[-1]
            return {"status": "failed", "reason": f"exit {done.returncode}: {tail[:300]}"}
        return json.loads(out.read_text())


@contextlib.contextmanager
def busy_core():
    """A process spinning on one core (the last this process may use) while the block runs."""
    cpu = max(os.sched_getaffinity(0))
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        os.sched_setaffinity(spinner.pid, {cpu})
        yield cpu
    finally:
        spinner.kill()
        spinner.wait()


def run_memory_test(quick: bool) -> dict:
    """Write a float32 file of 1 GiB (64 MiB with --quick) and fit fastnn on it as a memmap."""
    size = (64 if quick else 1024) * 2**20
    features = 256
    rows = size // (4 * features)
    tmpdir = tempfile.gettempdir()
    free = shutil.disk_usage(tmpdir).free
    if free < size * 1.2:
        return {
            "status": "skipped",
            "reason": f"{tmpdir} has {free / 2**30:.1f} GiB free, needs {size * 1.2 / 2**30:.1f}",
        }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.f32"
        rng = np.random.default_rng(0)
        with open(path, "wb") as f:  # in blocks: the parent never holds the data set
            for start in range(0, rows, 8192):
                f.write(
                    rng.standard_normal(
                        (min(8192, rows - start), features), dtype=np.float32
                    ).tobytes()
                )
        result = run_worker(["--worker", "memory", "--memmap", f"{path}:{rows}:{features}"], None)
    if result["status"] == "ok":
        result["budget"] = int(
            1.10 * result["data_bytes"] + result["targets_bytes"] + result["model_bytes"]
        )
        result["ok"] = result["peak_rss"] <= result["budget"]
    return result


# ==== the report =============================================================================


def machine_info() -> dict:
    """What the numbers were taken on."""
    model = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        model = next(
            (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model
        )
    memory = None
    with contextlib.suppress(OSError, StopIteration, ValueError), open("/proc/meminfo") as f:
        memory = int(next(line for line in f if line.startswith("MemTotal")).split()[1]) * 1024
    info = {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpu": model,
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "memory_bytes": memory,
        "load_average_start": os.getloadavg(),
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }
    with contextlib.suppress(ImportError):
        import fastnn

        info["fastnn_build"] = fastnn._config.build_info()
    return info


def _rate(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Aligned columns; a row shorter than the header (a skipped peer) lets its last cell run on."""
    full = [header, *(r for r in rows if len(r) == len(header))]
    widths = [max(len(r[i]) for r in full) for i in range(len(header))]
    for r in rows:
        for i, cell in enumerate(r[:-1] if len(r) < len(header) else []):
            widths[i] = max(widths[i], len(cell))
    lines = [
        "  ".join(f"{c:<{w}}" for c, w in zip(r, widths, strict=False)).rstrip()
        for r in [header, *rows]
    ]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def _ratio(r: dict) -> str:
    if "loaded_vs_idle" in r:
        return f"{r['loaded_vs_idle']:.2f} of idle"
    return f"{r['ratio']:.2f}" if "ratio" in r else ""


def training_table(rows: list[dict]) -> str:
    header = [
        "workload",
        "peer",
        "samples/s",
        "min-max",
        "fastnn/peer",
        "final loss",
        "vs fastnn",
        "threads",
        "cpu/wall",
        "version",
    ]
    out = []
    for r in rows:
        label = r["peer"] + (" (loaded)" if r.get("condition") == "loaded" else "")
        if r["status"] != "ok":
            out.append([r["workload"], label, f"{r['status']}: {r['reason']}"])
            continue
        s = r["samples_per_s"]
        out.append(
            [
                r["workload"],
                label,
                _rate(s["median"]),
                f"{_rate(s['min'])}-{_rate(s['max'])}",
                _ratio(r),
                f"{r['final_loss']:.4f}",
                f"{r['loss_vs_fastnn']:+.1%}" if r.get("loss_vs_fastnn") is not None else "",
                str(r["threads"]),
                f"{r['cpu_per_wall']:.1f}",
                str(r["version"]),
            ]
        )
    return _table(header, out)


def inference_table(rows: list[dict]) -> str:
    header = ["case", "peer", "median", "min-max", "fastnn/peer", "threads", "version"]
    out = []
    for r in rows:
        label = r["peer"] + (" (loaded)" if r.get("condition") == "loaded" else "")
        if r["status"] != "ok":
            out.append(["inference", label, f"{r['status']}: {r['reason']}"])
            continue
        if r["batch"] == 1:
            s = r["latency_us"]
            median, spread = f"{s['median']:.1f} us", f"{s['min']:.1f}-{s['max']:.1f} us"
        else:
            s = r["samples_per_s"]
            median, spread = f"{_rate(s['median'])}/s", f"{_rate(s['min'])}-{_rate(s['max'])}/s"
        ratio = _ratio(r)
        out.append([r["case"], label, median, spread, ratio, str(r["threads"]), str(r["version"])])
    return _table(header, out)


def add_ratios(rows: list[dict]) -> None:
    """fastnn's median speed over each peer's, and each final loss against fastnn's."""
    key = lambda r: r.get("case", r["workload"])  # noqa: E731
    base = {
        key(r): r
        for r in rows
        if r["peer"] == "fastnn" and r["status"] == "ok" and r.get("condition") != "loaded"
    }
    for r in rows:
        ref = base.get(key(r))
        if r["status"] != "ok" or ref is None:
            continue
        if r.get("condition") == "loaded":
            r["loaded_vs_idle"] = r["samples_per_s"]["median"] / ref["samples_per_s"]["median"]
            continue
        r["ratio"] = ref["samples_per_s"]["median"] / r["samples_per_s"]["median"]
        if "final_loss" in r and r["peer"] != "fastnn":
            r["loss_vs_fastnn"] = r["final_loss"] / ref["final_loss"] - 1


def _gemm_key(r: dict) -> tuple:
    return (tuple(r["shape"]), r["op"], r["threads"])


def add_gemm_ratios(rows: list[dict]) -> None:
    """fastnn's GFLOP/s over each peer's, and over the best peer's (on fastnn's row)."""
    ok = [r for r in rows if r["status"] == "ok"]
    fast = {_gemm_key(r): r for r in ok if r["peer"] == "fastnn"}
    for key, ref in fast.items():
        peers = [r for r in ok if r["peer"] != "fastnn" and _gemm_key(r) == key]
        for r in peers:
            r["ratio"] = ref["gflops"]["median"] / r["gflops"]["median"]
        if peers:
            best = max(peers, key=lambda r: r["gflops"]["median"])
            ref["best_peer"] = best["peer"]
            ref["ratio"] = ref["gflops"]["median"] / best["gflops"]["median"]


def gemm_table(rows: list[dict]) -> str:
    peers = list(dict.fromkeys(r["peer"] for r in rows))
    header = ["shape (batch x in x out)", "op", "threads", *peers, "fastnn/best"]
    cells: dict[tuple, dict[str, str]] = {}
    for r in rows:
        if r["status"] == "ok":
            cell = f"{r['gflops']['median']:.1f}"
            cells.setdefault(_gemm_key(r), {})[r["peer"]] = cell
    out = []
    for key, by_peer in cells.items():
        shape, op, threads = key
        fast = next(
            (r for r in rows if r["peer"] == "fastnn" and r.get("shape") and _gemm_key(r) == key),
            None,
        )
        ratio = f"{fast['ratio']:.2f} ({fast['best_peer']})" if fast and "ratio" in fast else ""
        out.append(
            [
                "x".join(map(str, shape)),
                op,
                str(threads),
                *(by_peer.get(p, "-") for p in peers),
                ratio,
            ]
        )
    lines = [_table(header, out)]
    kernels = {}
    for r in rows:
        if r["status"] == "ok":
            kernels.setdefault(r["peer"], {})[r["threads"]] = f"{r['version']}, {r['kernel']}"
        else:
            kernels.setdefault(r["peer"], {})[r["threads"]] = f"{r['status']}: {r['reason']}"
    for peer, by_threads in kernels.items():
        for text in dict.fromkeys(by_threads.values()):
            lines.append(f"  {peer}: {text}")
    return "\n".join(lines)


def step_flops(w: wl.Workload) -> int:
    """The products of one training step: forward, dW and dX per layer, no dX for the first."""
    flops = 0
    for i, (n_in, n_out) in enumerate(zip(w.sizes[:-1], w.sizes[1:], strict=True)):
        flops += (2 if i == 0 else 3) * 2 * w.batch_size * n_in * n_out
    return flops


def gemm_targets(report: dict) -> list[dict]:
    """The worst fastnn/best-GEMM ratio, and the ceilings of mnist and wide from the GEMM peak."""
    out = []
    rows = [r for r in report.get("gemm", []) if r["status"] == "ok"]
    rated = [r for r in rows if r["peer"] == "fastnn" and "ratio" in r]
    if rated:
        worst = min(rated, key=lambda r: r["ratio"])
        out.append(
            {
                "what": f"dense products: fastnn / best GEMM, worst of {len(rated)} "
                f"({'x'.join(map(str, worst['shape']))} {worst['op']}, {worst['threads']} "
                f"thread{'s' if worst['threads'] > 1 else ''}, vs {worst['best_peer']})",
                "value": worst["ratio"],
                "target": f">= {GEMM_TARGET}",
                "met": worst["ratio"] >= GEMM_TARGET,
            }
        )
    training = [
        r for r in report["training"] if r["status"] == "ok" and r.get("condition") != "loaded"
    ]
    for name in ("mnist", "wide"):
        fast = [r for r in training if r["workload"] == name and r["peer"] == "fastnn"]
        if not fast or not rows:
            continue
        counts = sorted({r["threads"] for r in rows})
        threads = fast[0]["threads"] if fast[0]["threads"] in counts else counts[-1]
        peak = max(
            (r for r in rows if r["threads"] == threads), key=lambda r: r["gflops"]["median"]
        )
        w = wl.workload(name, report["settings"]["quick"])
        per_sample = step_flops(w) / w.batch_size
        ceiling = peak["gflops"]["median"] * 1e9 / per_sample
        value = fast[0]["samples_per_s"]["median"] / ceiling
        peers = [r for r in training if r["workload"] == name and r["peer"] != "fastnn"]
        row = {
            "what": f"{name}: fastnn / ceiling ({threads}-thread GEMM peak "
            f"{peak['gflops']['median']:.0f} GFLOP/s, {peak['peer']}; "
            f"{per_sample / 1e6:.2f} MFLOP a sample: {_rate(ceiling)} samples/s)",
            "value": value,
            "target": "info",
            "met": None,
            "kind": "ceiling",
            "ceiling_samples_per_s": ceiling,
            "gemm_peak_gflops": peak["gflops"]["median"],
            "gemm_threads": threads,
            "flops_per_sample": per_sample,
        }
        if peers:
            need = TARGETS[name] * max(r["samples_per_s"]["median"] for r in peers)
            row["needed_samples_per_s"] = need
            row["target"] = f"{TARGETS[name]}x peer needs {need / ceiling:.2f} of it"
            row["reachable"] = need <= ceiling
        out.append(row)
    return out


def _lead(training: list[dict], workload: str) -> float | None:
    """fastnn's median samples/s over the fastest peer's on `workload` (idle), or None."""
    idle = [r for r in training if r["workload"] == workload and r.get("condition") != "loaded"]
    fast = [r for r in idle if r["peer"] == "fastnn" and r["status"] == "ok"]
    peers = [r for r in idle if r["peer"] != "fastnn" and r["status"] == "ok"]
    if not fast or not peers:
        return None
    best = max(r["samples_per_s"]["median"] for r in peers)
    return fast[0]["samples_per_s"]["median"] / best


def other_targets(report: dict) -> list[dict]:
    """Per-sample training at batch 1 over batch 16, the build time of all levels, and the
    lead kept with BatchNormalization and Dropout."""
    out = []
    with_layers, without = _lead(report["training"], "mnist-bn"), _lead(report["training"], "mnist")
    if with_layers is not None and without is not None:
        out.append(
            {
                "what": f"mnist-bn: fastnn's lead over the fastest peer ({with_layers:.2f}x) / "
                f"on mnist ({without:.2f}x)",
                "value": with_layers / without,
                "target": ">= 1",
                "met": with_layers >= without,
            }
        )
    by_batch = {r["batch_size"]: r for r in report.get("per_sample", []) if r["status"] == "ok"}
    one, many = PER_SAMPLE_BATCHES
    if one in by_batch and many in by_batch:
        value = by_batch[one]["samples_per_s"]["median"] / by_batch[many]["samples_per_s"]["median"]
        out.append(
            {
                "what": f"tiny: fastnn samples/s at batch {one} / at batch {many}",
                "value": value,
                "target": f">= {PER_SAMPLE_TARGET}",
                "met": value >= PER_SAMPLE_TARGET,
            }
        )
    build = report.get("build_time")
    if build and build.get("status") == "ok":
        one_level, all_levels = build["builds"]
        value = build["ratio"]
        out.append(
            {
                "what": f"build: all levels / {one_level['levels']} only ({all_levels['build_seconds']:.1f} s / "
                f"{one_level['build_seconds']:.1f} s, -j {build['jobs']}{', quick' if build['quick'] else ''})",
                "value": value,
                "target": f"<= {BUILD_TIME_TARGET}",
                "met": value <= BUILD_TIME_TARGET,
            }
        )
    return out


def targets(report: dict) -> list[dict]:
    """The issue's targets, measured or "not run"."""
    out = []
    training = [r for r in report["training"] if r["status"] == "ok"]
    for name, target in TARGETS.items():
        idle = [r for r in training if r["workload"] == name and r.get("condition") != "loaded"]
        fast = [r for r in idle if r["peer"] == "fastnn"]
        peers = [r for r in idle if r["peer"] != "fastnn"]
        if fast and peers:
            best = max(peers, key=lambda r: r["samples_per_s"]["median"])
            value = fast[0]["samples_per_s"]["median"] / best["samples_per_s"]["median"]
            out.append(
                {
                    "what": f"{name}: fastnn / fastest peer ({best['peer']})",
                    "value": value,
                    "target": f">= {target}",
                    "met": value >= target,
                }
            )
    tiny = [
        r
        for r in report["inference"]
        if r["status"] == "ok"
        and r["peer"] == "fastnn"
        and r["case"] == "tiny, batch 1"
        and r.get("condition") != "loaded"
    ]
    if tiny:
        value = tiny[0]["latency_us"]["median"]
        out.append(
            {
                "what": "tiny: predict one sample (us)",
                "value": value,
                "target": f"< {PREDICT_TINY_TARGET_US}",
                "met": value < PREDICT_TINY_TARGET_US,
            }
        )
    for name in TRAINING_WORKLOADS:
        pair = {
            r.get("condition", "idle"): r
            for r in training
            if r["workload"] == name and r["peer"] == "fastnn"
        }
        if "loaded" in pair and "idle" in pair:
            value = (
                pair["loaded"]["samples_per_s"]["median"] / pair["idle"]["samples_per_s"]["median"]
            )
            out.append(
                {
                    "what": f"{name}: fastnn loaded / idle",
                    "value": value,
                    "target": f">= {LOAD_TARGET}",
                    "met": value >= LOAD_TARGET,
                }
            )
    memory = report.get("memory")
    if memory and memory.get("status") == "ok" and not report["settings"]["quick"]:
        out.append(
            {
                "what": f"memory: peak RSS / budget ({memory['data_bytes'] / 2**30:.2f} GiB memmap)",
                "value": memory["peak_rss"] / memory["budget"],
                "target": "<= 1",
                "met": memory["ok"],
            }
        )
    return out + gemm_targets(report) + other_targets(report)


def print_report(report: dict) -> None:
    m = report["machine"]
    print(
        f"fastnn compare: {m['cpu']}, {m['cpus_usable']} of {m['cpu_count']} CPUs usable, {m['platform']}, Python {m['python']}"
    )
    print(f"command: {report['command']}")
    print(
        f"load average at start {tuple(round(x, 2) for x in m['load_average_start'])}, at end {tuple(round(x, 2) for x in report['load_average_end'])}"
    )
    if report["training"]:
        print(
            "\nTraining (samples/s: median and min-max over the repeats; fastnn/peer > 1: fastnn is faster)"
        )
        print(training_table(report["training"]))
    if report["inference"]:
        print("\nInference (one sample: latency per predict call; batch 1024: samples/s)")
        print(inference_table(report["inference"]))
    memory = report.get("memory")
    if memory:
        print("\nMemory (fastnn fit, one epoch, on a float32 np.memmap, in a fresh process)")
        if memory["status"] != "ok":
            print(f"  {memory['status']}: {memory['reason']}")
        else:
            mib = lambda b: f"{b / 2**20:,.0f} MiB"  # noqa: E731
            growth = memory["peak_rss"] - memory["baseline_rss"]
            print(
                f"  data {mib(memory['data_bytes'])} ({memory['rows']:,} x {memory['features']}); "
                f"peak RSS {mib(memory['peak_rss'])}, of which {mib(memory['baseline_rss'])} before fit "
                f"and {mib(growth)} during it;\n"
                f"  budget data x 1.1 + targets + model and workspaces = {mib(memory['budget'])}: "
                f"{'within' if memory['ok'] else 'OVER'}; the fit took {memory['seconds']:.2f} s"
            )
    if report.get("gemm"):
        print(
            "\nDense products (float32 GFLOP/s, median over the blocks; fastnn/best: over the"
            " fastest peer in this run)"
        )
        print(gemm_table(report["gemm"]))
    if report.get("per_sample"):
        print("\nPer-sample training (tiny, fastnn alone: batch 1 against batch 16)")
        print(training_table(report["per_sample"]))
    build = report.get("build_time")
    if build:
        print("\nBuild time (benchmarks/build_time.py: CMake + Ninja, each in a new build dir)")
        if build.get("status") != "ok":
            print(f"  {build.get('status')}: {build.get('reason')}")
        else:
            for b in build["builds"]:
                print(
                    f"  FASTNN_LEVELS={b['levels']}: configure {b['configure_seconds']:.1f} s, "
                    f"build {b['build_seconds']:.1f} s (-j {build['jobs']})"
                )
    if report["targets"]:
        print("\nTargets (issues 4 and 9; a ceiling row is information, not a target)")
        rows = [
            [t["what"], f"{t['value']:.2f}", t["target"], _verdict(t)] for t in report["targets"]
        ]
        print(_table(["target", "value", "wanted", ""], rows))


def _verdict(t: dict) -> str:
    if t.get("kind") == "ceiling":
        if "reachable" not in t:
            return "ceiling"
        return "ceiling: target within it" if t["reachable"] else "ceiling: target beyond it"
    return "met" if t["met"] else "NOT met"


# ==== the command line =======================================================================


def _names(text: str, known: tuple[str, ...], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown) or '(none)'}; choose from {', '.join(known)}"
        )
    return names


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--workloads",
        type=lambda s: _names(s, WORKLOADS, "workload"),
        default=list(WORKLOADS),
        help=f"comma-separated, from {','.join(WORKLOADS)} (default: all)",
    )
    p.add_argument(
        "--peers",
        type=lambda s: _names(s, PEERS, "peer"),
        default=list(PEERS),
        help=f"comma-separated, from {','.join(PEERS)} (default: all; fastnn is always run); one not installed gives a skipped row",
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="timed runs per peer and workload, after one warm-up epoch (default 3)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for every library (default: each library's own default, reported)",
    )
    p.add_argument("--json", metavar="PATH", help="also write everything measured to PATH")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a little data and few calls: a smoke test, not a measurement",
    )
    p.add_argument(
        "--load",
        action="store_true",
        help="run fastnn's rows again with another process keeping one core busy",
    )
    p.add_argument(
        "--memory",
        action="store_true",
        help="fit fastnn on a 1 GiB float32 memmap and report the peak RSS",
    )
    p.add_argument(
        "--gemm-shapes",
        type=parse_shapes,
        default=None,
        metavar="BxIxO,...",
        help="the gemm workload's shapes (default: "
        + ",".join("x".join(map(str, s)) for s in GEMM_SHAPES)
        + "); it always runs on 1 and 2 threads",
    )
    p.add_argument(
        "--build-time",
        action="store_true",
        help="also build the core with CMake for one level and for all (benchmarks/build_time.py,"
        " about 2 x 70 s on 2 cores) and report the ratio",
    )
    # The worker side: one peer on one workload, in a fresh process.
    p.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    p.add_argument("--worker", choices=[*PEERS, "memory"], help=argparse.SUPPRESS)
    p.add_argument("--workload", help=argparse.SUPPRESS)
    p.add_argument("--worker-out", help=argparse.SUPPRESS)
    p.add_argument("--memmap", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeats < 1:
        p.error("--repeats must be >= 1")
    if args.threads is not None and args.threads < 1:
        p.error("--threads must be >= 1")
    if args.gemm_shapes is None:
        args.gemm_shapes = GEMM_QUICK_SHAPES if args.quick else GEMM_SHAPES
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        if args.worker == "memory":
            path, rows, features = args.memmap.rsplit(":", 2)
            result = memory_worker(path, int(rows), int(features))
        else:
            result = worker(args)
        Path(args.worker_out).write_text(json.dumps(result))
        return 0

    peers = ["fastnn", *(p for p in args.peers if p != "fastnn")]
    report = {
        "command": " ".join(
            ["python", "benchmarks/compare.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "machine": machine_info(),
        "settings": {
            "repeats": args.repeats,
            "threads": args.threads,
            "quick": args.quick,
            "load": args.load,
            "gemm_shapes": [list(shape) for shape in args.gemm_shapes],
        },
        "workloads": {n: wl.workload(n, args.quick).__dict__ for n in TRAINING_WORKLOADS},
        "training": [],
        "inference": [],
        "gemm": [],
        "per_sample": [],
    }
    for workload in args.workloads:
        if workload == "gemm":
            for threads in gemm_thread_counts():
                for peer in (p for p in GEMM_PEERS if p in peers):
                    print(f"[gemm] {peer}, {threads} thread(s) ...", file=sys.stderr, flush=True)
                    result = run_gemm(peer, threads, args)
                    _add_rows(report, "gemm", peer, {"threads": threads, **result}, "idle")
            continue
        if workload == "per-sample":
            for batch in PER_SAMPLE_BATCHES:
                print(f"[per-sample] fastnn, batch {batch} ...", file=sys.stderr, flush=True)
                result = run_peer("fastnn", "tiny", args, batch_size=batch)
                report["per_sample"].append(
                    {"workload": f"tiny, batch {batch}", "peer": "fastnn", "batch_size": batch}
                    | result
                )
            continue
        # torch-compile and jax-scan train differently, but predict as torch and jax do.
        for peer in [p for p in peers if workload != "inference" or PEER_CLASSES[p].predictor]:
            print(f"[{workload}] {peer} ...", file=sys.stderr, flush=True)
            result = run_peer(peer, workload, args)
            _add_rows(report, workload, peer, result, "idle")
        if args.load:
            with busy_core() as cpu:
                print(
                    f"[{workload}] fastnn, with core {cpu} kept busy ...",
                    file=sys.stderr,
                    flush=True,
                )
                result = run_peer("fastnn", workload, args)
            _add_rows(report, workload, "fastnn", result, "loaded")
    if args.memory:
        print("[memory] fastnn on a memmap ...", file=sys.stderr, flush=True)
        report["memory"] = run_memory_test(args.quick)
    if args.build_time:
        print("[build time] CMake, one level then all ...", file=sys.stderr, flush=True)
        report["build_time"] = run_build_time(args.quick)
    add_ratios(report["training"])
    add_ratios(report["inference"])
    add_gemm_ratios(report["gemm"])
    report["machine"]["load_average_end"] = report["load_average_end"] = os.getloadavg()
    report["targets"] = targets(report)
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    return 0


def _add_rows(report: dict, workload: str, peer: str, result: dict, condition: str) -> None:
    common = {"workload": workload, "peer": peer, "condition": condition}
    if workload not in ("inference", "gemm"):
        report["training"].append({**common, **result})
    elif result["status"] != "ok":
        report[workload].append({**common, **result})
    else:
        for case in result.pop(workload):
            report[workload].append({**common, **result, **case})


if __name__ == "__main__":
    sys.exit(main())
