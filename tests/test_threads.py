"""The GIL is released while kernels run, kernels are safe to call from several Python
threads at once, and the thread-count setting behaves."""

from __future__ import annotations

import os
import sys
import threading
import time

import numpy as np
import pytest

import fastnn
import fastnn.kernels as K

from conftest import assert_matches


@pytest.fixture(autouse=True)
def _restore_thread_count():
    # Tests here change the process-wide thread count; leave it as they found it.
    saved = fastnn.get_num_threads()
    yield
    fastnn.set_num_threads(saved)


def _work_items(rng, dtype):
    X = rng.standard_normal((129, 64)).astype(dtype)
    W = rng.standard_normal((64, 33)).astype(dtype)
    b = rng.standard_normal(33).astype(dtype)
    T = np.eye(33, dtype=dtype)[rng.integers(0, 33, 129)]
    return X, W, b, T


def _pipeline(X, W, b, T):
    Z = K.dense_forward(X, W, b)
    A = K.tanh_forward(Z)
    loss = K.softmax_crossentropy_forward(A, T)
    dA = K.softmax_crossentropy_backward(A, T)
    dZ = K.tanh_backward(Z, A, dA)
    dX, dW, db = K.dense_backward(X, W, dZ)
    return loss, dX, dW, db


@pytest.mark.parametrize("num_threads", [1, 2])
def test_kernels_from_four_python_threads_give_the_serial_results(rng, num_threads):
    fastnn.set_num_threads(num_threads)
    try:
        inputs = [_work_items(rng, dt) for dt in (np.float32, np.float64, np.float32, np.float64)]
        expected = [_pipeline(*item) for item in inputs]
        results: dict[int, list] = {i: [] for i in range(4)}
        errors: list[BaseException] = []
        barrier = threading.Barrier(4)

        def worker(i):
            try:
                barrier.wait()
                for _ in range(30):
                    results[i].append(_pipeline(*inputs[i]))
            except BaseException as exc:  # report, do not hang the test
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        for i in range(4):
            assert len(results[i]) == 30
            dtype = inputs[i][0].dtype
            for loss, *arrays in results[i]:
                assert loss == expected[i][0]  # same inputs, same code path: bitwise
                for got, want in zip(arrays, expected[i][1:], strict=True):
                    assert_matches(got, want, dtype)
    finally:
        fastnn.set_num_threads(1)


def _python_ran_during(kernel, *args) -> int:
    """How often another Python thread ran in the middle half of a `kernel(*args)` call.

    A thread that holds the GIL can only be made to drop it between bytecodes, that is before
    or after the kernel, never inside it. So if the kernel held the GIL, the counting thread
    can only run before the call starts or after it ends. On a busy machine the OS may keep the
    main thread off its core for a while just before the call (after t0 was taken), and the
    counter then runs in what looks like the call: to fall in the middle fifth of the measured
    interval, that delay would have to reach 2/3 of the call itself (over 60 ms for the calls
    here), where a thread that holds no GIL leaves thousands of stamps there. This compares
    the order of events, it asserts no speed.
    """
    stamps: list[float] = []
    stop = threading.Event()
    started = threading.Event()

    def counter():
        started.set()
        while not stop.is_set():
            stamps.append(time.perf_counter())

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    t = threading.Thread(target=counter)
    t.start()
    started.wait()
    try:
        t0 = time.perf_counter()
        kernel(*args)
        t1 = time.perf_counter()
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(old_interval)
    assert t1 - t0 > 0.01, "the probe needs a call of over 10 ms: give it larger inputs"
    lo, hi = t0 + 0.4 * (t1 - t0), t1 - 0.4 * (t1 - t0)
    return sum(lo < s < hi for s in stamps)


def test_kernels_release_the_gil(rng):
    n = 1200  # ~3.5 GFLOP per product: tens of milliseconds at any plausible speed
    X = rng.standard_normal((n, n)).astype(np.float32)
    W = rng.standard_normal((n, n)).astype(np.float32)
    # Elementwise kernels stream 36M values in SIMD on every core (3000 x 3000 took 7 ms on a
    # Zen 4: too short for the probe); the losses work row by row and need fewer.
    A = rng.standard_normal((6000, 6000)).astype(np.float32)
    Z = rng.standard_normal((3000, 3000)).astype(np.float32)
    T = np.zeros_like(Z)
    T[:, 0] = 1
    assert _python_ran_during(K.dense_forward, X, W) > 0
    assert _python_ran_during(K.dense_backward, X, W, X) > 0
    assert _python_ran_during(K.tanh_forward, A) > 0
    assert _python_ran_during(K.softmax_backward, A, A, A) > 0
    assert _python_ran_during(K.softmax_crossentropy_forward, Z, T) > 0
    assert _python_ran_during(K.softmax_crossentropy_backward, Z, T) > 0


def test_the_gil_probe_detects_a_held_gil(rng):
    # The probe must be able to fail: sorting a list of floats is one C loop of float
    # comparisons that holds the GIL throughout (about 0.3 s for a million). (ndarray.tolist
    # was the control until NumPy 2.4 began to let other threads run during it.) A late start
    # of the call on a loaded machine shows up before the middle fifth (see the probe); take
    # the best of three tries against a rarer still longer stall.
    floats = rng.standard_normal(1_000_000).tolist()
    assert min(_python_ran_during(sorted, floats) for _ in range(3)) == 0


def test_set_num_threads_roundtrip_and_errors():
    default = fastnn.get_num_threads()
    if "OMP_NUM_THREADS" not in os.environ and "FASTNN_NUM_THREADS" not in os.environ:
        assert default == len(os.sched_getaffinity(0))  # OpenMP's default: the CPUs we may use
    fastnn.set_num_threads(2)
    assert fastnn.get_num_threads() == 2
    fastnn.set_num_threads(1)
    assert fastnn.get_num_threads() == 1
    fastnn.set_num_threads(None)
    assert fastnn.get_num_threads() == default
    with pytest.raises(ValueError, match="n must be >= 1 and <= 4096, got 0"):
        fastnn.set_num_threads(0)
    with pytest.raises(TypeError, match="n must be an int or None, got float"):
        fastnn.set_num_threads(1.5)


def test_results_do_not_depend_on_the_thread_count(rng):
    X = rng.standard_normal((300, 200)).astype(np.float64)
    W = rng.standard_normal((200, 300)).astype(np.float64)
    one = K.dense_forward(X, W)
    fastnn.set_num_threads(2)
    try:
        two = K.dense_forward(X, W)
    finally:
        fastnn.set_num_threads(1)
    assert_matches(two, one, np.float64, scale=np.sqrt(200))


@pytest.mark.parametrize(
    ("batch", "n_in", "n_out"),
    [(257, 300, 129), (129, 129, 300), (1000, 1025, 3), (3, 1000, 1000), (2, 700, 800)],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_split_products_match_the_reference(rng, batch, n_in, n_out, dtype):
    # Above ~1M multiply-adds the dense kernels split rows (forward, dX) and columns or rows of
    # dW (whichever is longer) between threads: every split must give the one-thread answer.
    from fastnn import reference as ref

    X = rng.standard_normal((batch, n_in)).astype(dtype)
    W = (rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(dtype)
    b = rng.standard_normal(n_out).astype(dtype)
    dZ = rng.standard_normal((batch, n_out)).astype(dtype)
    fastnn.set_num_threads(2)
    try:
        Z = K.dense_forward(X, W, b)
        grads = K.dense_backward(X, W, dZ)
    finally:
        fastnn.set_num_threads(1)
    assert_matches(Z, ref.dense_forward(X, W, b), dtype, scale=np.sqrt(n_in))
    for got, want in zip(grads, ref.dense_backward(X, W, dZ), strict=True):
        assert_matches(got, want.astype(dtype), dtype, scale=np.sqrt(max(batch, n_out)))


def _small_model(seed):
    model = fastnn.Sequential(
        [fastnn.Dense(16, activation="relu", input_dim=4), fastnn.Dense(3, activation="softmax")],
        seed=seed,
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _run_in_threads(work, count=4):
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(i):
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # report, do not hang the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, errors


def test_separate_models_fit_in_four_threads_as_they_fit_alone(rng):
    X = rng.standard_normal((300, 4)).astype(np.float32)
    y = rng.integers(0, 3, 300)
    alone = []
    for seed in range(4):
        model = _small_model(seed)
        model.fit(X, y, epochs=3, batch_size=16, verbose=0)
        alone.append(model.get_weights())
    together = [_small_model(seed) for seed in range(4)]
    _run_in_threads(lambda i: together[i].fit(X, y, epochs=3, batch_size=16, verbose=0))
    for model, weights in zip(together, alone, strict=True):
        for a, b in zip(model.get_weights(), weights, strict=True):
            np.testing.assert_array_equal(a, b)


def test_one_model_predicts_and_evaluates_from_four_threads(rng):
    model = _small_model(7)
    X = rng.standard_normal((500, 4)).astype(np.float32)
    y = rng.integers(0, 3, 500)
    model.fit(X, y, epochs=1, verbose=0)
    expected, expected_loss = model.predict(X), model.evaluate(X, y)[0]
    got: dict[int, list] = {i: [] for i in range(4)}

    def work(i):
        for _ in range(25):
            got[i].append((model.predict(X[i::4]), model.evaluate(X, y)[0]))

    _run_in_threads(work)
    for i in range(4):
        for predicted, loss in got[i]:
            np.testing.assert_array_equal(predicted, expected[i::4])
            assert loss == expected_loss


def test_one_model_fit_from_four_threads_takes_turns(rng):
    # fit holds the model's lock: four fits of 2 epochs each run whole, one after another, so
    # the optimizer counts every update and the weights stay finite.
    model = _small_model(9)
    X = rng.standard_normal((96, 4)).astype(np.float32)
    y = rng.integers(0, 3, 96)
    _run_in_threads(lambda i: model.fit(X, y, epochs=2, batch_size=16, verbose=0))
    assert model.optimizer.iterations == 4 * 2 * 6
    assert all(np.isfinite(w).all() for w in model.get_weights())
