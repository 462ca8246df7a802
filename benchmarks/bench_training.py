"""fastnn alone on compare.py's workloads, for tracking its speed over time.

Run:  pytest benchmarks/bench_training.py --benchmark-enable
      (add --benchmark-json=out.json to keep the numbers; --benchmark-compare to compare runs)

The workloads are benchmarks/workloads.py's: the same data, initial weights and batch order
as in compare.py. The test run (CI) collects these with --benchmark-disable: each then runs
once on the --quick sizes, as a smoke test. Nothing here asserts a time, only that the work
was done: a finite loss that went down, probabilities that sum to one.
"""

from __future__ import annotations

import numpy as np
import pytest

import workloads as wl


def _data(name: str, quick: bool):
    w = wl.workload(name, quick)
    X, y = wl.make_data(w)
    return w, X, wl.fastnn_targets(w, y), wl.initial_weights(w)


@pytest.mark.parametrize("name", ["tiny", "mnist", "wide"])
def test_fit(benchmark, name):
    w, X, y, init = _data(name, quick=benchmark.disabled)
    benchmark.group = "fit"
    benchmark.extra_info.update(samples=w.samples, epochs=w.epochs, batch_size=w.batch_size)

    def fresh_model():  # not timed: every round starts from the same initial weights
        return (wl.fastnn_model(w, init),), {}

    def fit(model):
        model.fit(X, y, epochs=w.epochs, batch_size=w.batch_size, verbose=0)
        return model

    model = benchmark.pedantic(fit, setup=fresh_model, rounds=3, warmup_rounds=1)
    losses = model.history.history["loss"]
    assert len(losses) == w.epochs and np.isfinite(losses).all()
    assert model.evaluate(X, y) < wl.fastnn_model(w, init).evaluate(X, y)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        benchmark.extra_info["samples_per_s"] = round(w.samples * w.epochs / stats.stats.median)


@pytest.mark.parametrize(
    ("name", "batch"),
    [("tiny", 1), ("mnist", 1), ("mnist", 1024)],
    ids=["tiny-1", "mnist-1", "mnist-1024"],
)
def test_predict(benchmark, name, batch):
    w, X, _, init = _data(name, quick=True)  # the weights and rows matter, not the data's size
    model = wl.fastnn_model(w, init)
    rows = np.ascontiguousarray(np.resize(X, (batch, w.input_dim)))
    benchmark.group = f"predict batch {batch}"
    probabilities = benchmark(model.predict, rows)
    assert probabilities.shape == (batch, w.layers[-1][0])
    if w.classes > 2:
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    else:
        assert ((probabilities > 0) & (probabilities < 1)).all()
