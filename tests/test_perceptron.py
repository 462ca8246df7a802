"""Rosenblatt's perceptron: the C++ rule against its NumPy twin, and fastnn.Perceptron.

The twins must agree exactly, not within a tolerance: both sum w.x left to right in the
data's dtype, and a decision is a comparison with 0, so any difference would be a bug.
"""

import numpy as np
import pytest

import fastnn
from fastnn import kernels, reference
from fastnn.perceptron import NotFittedError, Perceptron

from conftest import DTYPES

# At every instruction-set level this machine runs (conftest.py).
pytestmark = pytest.mark.usefixtures("isa_level")


def noisy_data(n, d, dtype, seed):
    """Labels from a random hyperplane with noise: mistakes in every epoch, for comparing runs."""
    rng = np.random.default_rng(seed)
    X = (3 * rng.normal(size=(n, d))).astype(dtype)
    y = (X @ rng.normal(size=d) + 0.5 + rng.normal(size=n) > 0).astype(dtype)
    return X, y


def separable_data(n, d, seed, margin=0.2):
    """Labels from a hyperplane, no sample within `margin` of it."""
    rng = np.random.default_rng(seed)
    normal = rng.normal(size=d)
    normal /= np.linalg.norm(normal)
    X = rng.uniform(-2, 2, size=(4 * n, d))
    signed = X @ normal - 0.3
    keep = np.abs(signed) > margin
    return X[keep][:n], (signed[keep][:n] > 0).astype(np.int64)


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


# ---- C++ against the reference -------------------------------------------------------------


def run_fit(module, X, y, w0, b0, **kwargs):
    w, b = w0.copy(), b0.copy()
    errors = module.perceptron_fit(X, y, w, b, **kwargs)
    return errors, w, b


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 3, 17, 129, 1000])
@pytest.mark.parametrize("d", [1, 2, 7])
@pytest.mark.parametrize("shuffle", [True, False])
def test_fit_matches_reference(dtype, n, d, shuffle):
    X, y = noisy_data(n, d, dtype, seed=n * 10 + d)
    w0, b0 = np.zeros(d, dtype), np.zeros(1, dtype)
    kwargs = dict(learning_rate=0.3, max_epochs=6, shuffle=shuffle, seed=12345 + n)
    errors, w, b = run_fit(kernels, X, y, w0, b0, **kwargs)
    ref_errors, ref_w, ref_b = run_fit(reference, X, y, w0, b0, **kwargs)
    assert errors.dtype == np.int64 and w.dtype == dtype and b.dtype == dtype
    np.testing.assert_array_equal(errors, ref_errors)
    np.testing.assert_array_equal(w, ref_w)
    np.testing.assert_array_equal(b, ref_b)
    assert 1 <= errors.size <= 6


@pytest.mark.parametrize("dtype", DTYPES)
def test_fit_continues_from_given_weights(dtype):
    # The kernel does not reset w and b: a run split in two equals one run, epoch numbers aside.
    X, y = noisy_data(50, 3, dtype, seed=3)
    w0, b0 = np.array([0.5, -1.0, 2.0], dtype), np.array([-0.25], dtype)
    errors, w, b = run_fit(kernels, X, y, w0, b0, max_epochs=4, shuffle=False)
    ref_errors, ref_w, ref_b = run_fit(reference, X, y, w0, b0, max_epochs=4, shuffle=False)
    np.testing.assert_array_equal(errors, ref_errors)
    np.testing.assert_array_equal(w, ref_w)
    np.testing.assert_array_equal(b, ref_b)
    first, w1, b1 = run_fit(kernels, X, y, w0, b0, max_epochs=2, shuffle=False)
    second, w2, b2 = run_fit(kernels, X, y, w1, b1, max_epochs=2, shuffle=False)
    np.testing.assert_array_equal(np.concatenate([first, second]), errors)
    np.testing.assert_array_equal(w2, w)
    np.testing.assert_array_equal(b2, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("use_order", [True, False])
def test_epoch_matches_reference(dtype, use_order):
    X, y = noisy_data(129, 7, dtype, seed=11)
    order = kernels.permutation(129, 99, 4) if use_order else None
    w, b = np.zeros(7, dtype), np.zeros(1, dtype)
    ref_w, ref_b = w.copy(), b.copy()
    mistakes = kernels.perceptron_epoch(X, y, w, b, order, learning_rate=0.7)
    ref_mistakes = reference.perceptron_epoch(X, y, ref_w, ref_b, order, learning_rate=0.7)
    assert isinstance(mistakes, int) and mistakes == ref_mistakes > 0
    np.testing.assert_array_equal(w, ref_w)
    np.testing.assert_array_equal(b, ref_b)


@pytest.mark.parametrize("module", [kernels, reference])
def test_shuffled_fit_visits_permutation_order(module):
    # fit with shuffle = epochs of perceptron_epoch in permutation(n, seed, epoch).
    X, y = noisy_data(40, 2, np.float64, seed=5)
    errors, w, b = run_fit(module, X, y, np.zeros(2), np.zeros(1), max_epochs=3, seed=77)
    w2, b2 = np.zeros(2), np.zeros(1)
    orders = [kernels.permutation(40, 77, epoch) for epoch in range(3)]
    by_hand = [module.perceptron_epoch(X, y, w2, b2, order) for order in orders]
    np.testing.assert_array_equal(errors, by_hand)
    np.testing.assert_array_equal(w, w2)
    np.testing.assert_array_equal(b, b2)


@pytest.mark.parametrize("module", [kernels, reference])
def test_edge_sizes(module):
    X, y = np.zeros((0, 3)), np.zeros(0)
    np.testing.assert_array_equal(module.perceptron_fit(X, y, np.zeros(3), np.zeros(1)), [0])
    X, y = noisy_data(5, 2, np.float64, seed=1)
    # No epoch to run is a mistake in the call, in the kernel and its twin as in Perceptron.
    with pytest.raises(ValueError, match=r"max_epochs must be an int in \[1, 1000000\], got 0"):
        module.perceptron_fit(X, y, np.zeros(2), np.zeros(1), max_epochs=0)


def test_fit_releases_the_gil():
    from test_threads import _python_ran_during  # the project's one GIL probe, proven to fail

    X, y = noisy_data(200_000, 8, np.float32, seed=2)
    w, b = np.zeros(8, np.float32), np.zeros(1, np.float32)

    def ten_epochs(*args):  # tens of milliseconds: every epoch makes mistakes
        return kernels.perceptron_fit(*args, max_epochs=10)

    assert _python_ran_during(ten_epochs, X, y, w, b) > 0


# ---- the rule by hand ----------------------------------------------------------------------

# Two samples, learning rate 0.5, natural order. Worked through on paper:
#   epoch 0: x0: z = 0 -> 0, wrong (y=1): w = (1, 0.5), b = 0.5
#            x1: z = 1 + 1.5 + 0.5 = 3 -> 1, wrong (y=0): w = (0.5, -1), b = 0        2 mistakes
#   epoch 1: x0: z = 1 - 1 + 0 = 0 -> 0, wrong: w = (1.5, -0.5), b = 0.5
#            x1: z = 1.5 - 1.5 + 0.5 = 0.5 -> 1, wrong: w = (1, -2), b = 0             2 mistakes
#   epoch 2: x0: z = 2 - 2 + 0 = 0 -> 0, wrong: w = (2, -1.5), b = 0.5
#            x1: z = 2 - 4.5 + 0.5 = -2 -> 0, right                                    1 mistake
#   epoch 3: x0: z = 4 - 1.5 + 0.5 = 3 -> 1, right; x1: z = -2 -> 0, right             0: done
HAND_X = [[2.0, 1.0], [1.0, 3.0]]
HAND_Y = [1.0, 0.0]


@pytest.mark.parametrize("module", [kernels, reference])
@pytest.mark.parametrize("dtype", DTYPES)
def test_update_rule_by_hand(module, dtype):
    X, y = np.array(HAND_X, dtype), np.array(HAND_Y, dtype)
    w, b = np.zeros(2, dtype), np.zeros(1, dtype)
    assert module.perceptron_epoch(X, y, w, b, learning_rate=0.5) == 2
    np.testing.assert_array_equal(w, [0.5, -1.0])
    np.testing.assert_array_equal(b, [0.0])

    w, b = np.zeros(2, dtype), np.zeros(1, dtype)
    errors = module.perceptron_fit(X, y, w, b, learning_rate=0.5, shuffle=False)
    np.testing.assert_array_equal(errors, [2, 2, 1, 0])
    np.testing.assert_array_equal(w, [2.0, -1.5])
    np.testing.assert_array_equal(b, [0.5])

    # Order (1, 0): x1 at z = 0 -> 0 is right; x0 at z = 0 -> 0 is wrong: w = (1, 0.5), b = 0.5.
    w, b = np.zeros(2, dtype), np.zeros(1, dtype)
    assert module.perceptron_epoch(X, y, w, b, np.array([1, 0]), learning_rate=0.5) == 1
    np.testing.assert_array_equal(w, [1.0, 0.5])
    np.testing.assert_array_equal(b, [0.5])


def test_estimator_by_hand():
    model = Perceptron(learning_rate=0.5, shuffle=False).fit(HAND_X, HAND_Y)
    assert model.errors_ == [2, 2, 1, 0]
    assert model.converged_ is True and model.n_epochs_ == 4
    np.testing.assert_array_equal(model.coef_, [2.0, -1.5])
    assert model.intercept_ == 0.5 and isinstance(model.intercept_, float)
    np.testing.assert_array_equal(model.decision_function(HAND_X), [3.0, -2.0])
    np.testing.assert_array_equal(model.predict(HAND_X), [1, 0])


# ---- fastnn.Perceptron ---------------------------------------------------------------------


@pytest.mark.parametrize("d", [1, 2, 7])
@pytest.mark.parametrize("shuffle", [True, False])
def test_converges_on_separable_data(d, shuffle):
    X, y = separable_data(300, d, seed=d)
    model = fastnn.Perceptron(shuffle=shuffle, seed=4, max_epochs=1000).fit(X, y)
    assert model.converged_ is True
    assert model.errors_[-1] == 0 and all(e > 0 for e in model.errors_[:-1])
    assert model.n_epochs_ == len(model.errors_)
    # The learned boundary separates the data: every sample on its own class's side.
    z = X @ model.coef_ + model.intercept_
    assert np.all((z > 0) == (y == 1))
    assert model.score(X, y) == 1.0
    np.testing.assert_array_equal(model.predict(X), y)


@pytest.mark.parametrize("shuffle", [True, False])
def test_does_not_converge_on_xor(shuffle):
    model = Perceptron(max_epochs=50, shuffle=shuffle, seed=0).fit(XOR_X, XOR_Y)
    assert model.converged_ is False
    assert model.n_epochs_ == 50 and len(model.errors_) == 50
    assert all(e > 0 for e in model.errors_)
    assert model.score(XOR_X, XOR_Y) < 1.0


def test_estimator_matches_reference_run():
    X, y = noisy_data(60, 3, np.float64, seed=8)
    model = Perceptron(learning_rate=0.1, max_epochs=7, seed=2024).fit(X, y)
    w, b = np.zeros(3), np.zeros(1)
    errors = reference.perceptron_fit(X, y, w, b, learning_rate=0.1, max_epochs=7, seed=2024)
    assert model.errors_ == errors.tolist() and model.seed_ == 2024
    np.testing.assert_array_equal(model.coef_, w)
    assert model.intercept_ == b[0]


def test_seed():
    X, y = noisy_data(80, 2, np.float64, seed=9)
    a = Perceptron(max_epochs=5, seed=7).fit(X, y)
    b = Perceptron(max_epochs=5, seed=7).fit(X, y)
    assert a.errors_ == b.errors_
    np.testing.assert_array_equal(a.coef_, b.coef_)
    # seed=None draws a fresh seed per fit (equal draws have probability 2**-64).
    model = Perceptron(max_epochs=5)
    first = model.fit(X, y).seed_
    assert model.fit(X, y).seed_ != first
    again = Perceptron(max_epochs=5, seed=model.seed_).fit(X, y)
    assert again.errors_ == model.errors_


def test_dtypes():
    X, y = separable_data(50, 2, seed=1)
    assert Perceptron(seed=0).fit(X.astype(np.float32), y).coef_.dtype == np.float32
    assert Perceptron(seed=0).fit(X, y).coef_.dtype == np.float64
    ints = Perceptron(seed=0).fit(np.array([[0, 1], [2, 0]]), np.array([True, False]))
    assert ints.coef_.dtype == np.float64 and ints.converged_
    model = Perceptron(seed=0).fit(X.astype(np.float32), y.astype(np.float32))
    assert model.predict(X).dtype == np.int64
    assert model.decision_function(X).dtype == np.float32
    assert isinstance(model.score(X, y), float)


def test_repr_and_export():
    assert fastnn.Perceptron is Perceptron
    assert "Perceptron" in fastnn.__all__
    assert repr(Perceptron(seed=3)) == (
        "Perceptron(learning_rate=1.0, max_epochs=100, shuffle=True, seed=3)"
    )


# ---- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        ([1.0, 2.0], [0, 1], ValueError, "X must be a 2-D array"),
        (np.zeros((2, 2, 2)), [0, 1], ValueError, "X must be a 2-D array"),
        ([["a", "b"], ["c", "d"]], [0, 1], TypeError, "X must hold numbers"),
        ([[1.0, np.nan], [0.0, 1.0]], [0, 1], ValueError, r"X must be finite, got X\[0, 1\] = nan"),
        ([[1.0, 0.0], [np.inf, 1.0]], [0, 1], ValueError, r"X must be finite, got X\[1, 0\] = inf"),
        (np.zeros((0, 2)), [], ValueError, "at least one sample"),
        (np.zeros((2, 0)), [0, 1], ValueError, "at least one sample and one feature"),
        ([[1.0], [2.0]], [[0], [1]], ValueError, "y must be a 1-D array"),
        ([[1.0], [2.0]], [0, 1, 1], ValueError, "y has 3 labels but X has 2 samples"),
        ([[1.0], [2.0]], [-1, 1], ValueError, "y must hold the labels 0 and 1 only, got -1"),
        ([[1.0], [2.0]], [1, 2], ValueError, "y must hold the labels 0 and 1 only, got 2"),
        ([[1.0], [2.0]], [0.5, 1], ValueError, "labels 0 and 1 only"),
        ([[1.0], [2.0]], ["no", "yes"], TypeError, "y must hold the labels 0 and 1 as numbers"),
    ],
)
def test_fit_rejects_bad_data(X, y, error, match):
    with pytest.raises(error, match=match):
        Perceptron(seed=0).fit(X, y)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        (dict(learning_rate=0.0), ValueError, "learning_rate must be a finite number > 0"),
        (dict(learning_rate=-1.0), ValueError, "learning_rate"),
        (dict(learning_rate=float("nan")), ValueError, "learning_rate"),
        (dict(learning_rate="fast"), TypeError, "learning_rate must be a number"),
        (
            dict(max_epochs=0),
            ValueError,
            r"Perceptron: max_epochs must be an int in \[1, 1000000\]",
        ),
        (dict(max_epochs=2.5), TypeError, "max_epochs must be an int"),
        (dict(shuffle="yes"), TypeError, "shuffle must be True or False"),
        (dict(seed=-1), ValueError, r"seed must be an int in \[0, 2\*\*64\)"),
        (dict(seed=2**64), ValueError, "seed must be an int in"),
        (dict(seed=1.5), TypeError, "Perceptron: seed must be an int, got float"),
    ],
)
def test_fit_rejects_bad_parameters(params, error, match):
    with pytest.raises(error, match=match):
        Perceptron(**params).fit(XOR_X, XOR_Y)


def test_predict_before_fit():
    model = Perceptron()
    for method in (model.predict, model.decision_function):
        with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
            method(XOR_X)
    with pytest.raises(ValueError, match="not fitted"):
        model.score(XOR_X, XOR_Y)


def test_predict_checks_features():
    model = Perceptron(seed=0).fit(XOR_X, XOR_Y)
    with pytest.raises(ValueError, match="X has 3 features, but the Perceptron was fitted with 2"):
        model.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="predict\\(\\): X must be a 2-D array"):
        model.predict([0.0, 1.0])
    with pytest.raises(ValueError, match="decision_function\\(\\): X must be finite"):
        model.decision_function([[np.nan, 0.0]])
    with pytest.raises(ValueError, match="score\\(\\): y has 3 labels but X has 4 samples"):
        model.score(XOR_X, [0, 1, 1])
    with pytest.raises(ValueError, match="score\\(\\): y must hold the labels 0 and 1 only"):
        model.score(XOR_X, [0, 1, 2, 1])
    with pytest.raises(ValueError, match="score\\(\\): X has no samples"):
        model.score(np.zeros((0, 2)), [])
    assert model.predict(np.zeros((0, 2))).shape == (0,)


def kernel_args(**changes):
    args = dict(X=np.array(HAND_X), y=np.array(HAND_Y), w=np.zeros(2), b=np.zeros(1))
    args.update(changes)
    return args


def read_only(a):
    a.flags.writeable = False
    return a


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        (dict(y=np.array([1.0, 0.5])), ValueError, r"y must hold the labels 0 and 1 only.*y\[1\]"),
        (dict(y=np.array([1.0, 0.0, 1.0])), ValueError, r"y must be a 1-D array of shape \(n,\)"),
        (dict(y=np.array([1, 0])), TypeError, "y must have dtype float64 like X"),
        (dict(X=[[1.0, 2.0]]), TypeError, "X must be a numpy.ndarray"),
        (dict(X=np.ones((2, 2), np.int64)), TypeError, "X must have dtype float32 or float64"),
        (dict(w=np.zeros(3)), ValueError, r"w must be a 1-D array of shape \(d,\) with d = "),
        (dict(w=np.zeros(2, np.float32)), TypeError, "w must have dtype float64 like X"),
        (dict(w=np.zeros(4)[::2]), ValueError, "w is updated in place: it must be C-contiguous"),
        (dict(w=read_only(np.zeros(2))), ValueError, "w is updated in place: it must be writeable"),
        (dict(b=np.zeros(2)), ValueError, r"b must be a 1-D array of shape \(1,\)"),
        (dict(b=0.0), TypeError, "b must be a numpy.ndarray"),
        (dict(learning_rate=0.0), ValueError, "learning_rate must be a finite number > 0"),
        (dict(learning_rate=float("inf")), ValueError, "learning_rate"),
        (dict(max_epochs=-1), ValueError, r"max_epochs must be an int in \[1, 1000000\]"),
        (dict(max_epochs=10**6 + 1), ValueError, r"max_epochs must be an int in \[1, 1000000\]"),
        (dict(max_epochs=2**70), ValueError, "max_epochs must be an int in"),
        (dict(max_epochs=True), TypeError, "max_epochs must be an int, got bool"),
        (dict(seed=-1), ValueError, r"seed must be an int in \[0, 2\*\*64\)"),
        (dict(seed=2**64), ValueError, r"seed must be an int in \[0, 2\*\*64\)"),
        (dict(shuffle=1), TypeError, "shuffle must be True or False"),
        (dict(seed=2.0), TypeError, "seed must be an int"),
    ],
)
def test_kernel_fit_rejects_bad_input(changes, error, match):
    with pytest.raises(error, match="^perceptron_fit\\(\\): " + match):
        kernels.perceptron_fit(**kernel_args(**changes))


@pytest.mark.parametrize(
    ("order", "error", "match"),
    [
        (np.array([0, 2]), ValueError, r"order must hold row indices 0 <= i < 2, got order\[1\]"),
        (np.array([-1, 0]), ValueError, "order must hold row indices"),
        (np.array([0]), ValueError, r"order must be a 1-D array of shape \(n,\)"),
        (np.array([0.0, 1.0]), TypeError, "order must have an integer dtype"),
        ([0, 1], TypeError, "order must be a numpy.ndarray of integers"),
    ],
)
def test_kernel_epoch_rejects_bad_order(order, error, match):
    with pytest.raises(error, match="^perceptron_epoch\\(\\): " + match):
        kernels.perceptron_epoch(**kernel_args(), order=order)


@pytest.mark.parametrize("learning_rate", [1e-50, 1e39])
def test_kernel_checks_learning_rate_in_float32(learning_rate):
    X, y = np.array(HAND_X, np.float32), np.array(HAND_Y, np.float32)
    w, b = np.zeros(2, np.float32), np.zeros(1, np.float32)
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0 in float32"):
        kernels.perceptron_fit(X, y, w, b, learning_rate=learning_rate)
    kernels.perceptron_fit(**kernel_args(learning_rate=learning_rate))  # fine in float64


def test_kernel_epoch_accepts_any_integer_order():
    w, b = np.zeros(2), np.zeros(1)
    order = np.array([1, 0], dtype=np.uint8)
    assert kernels.perceptron_epoch(np.array(HAND_X), np.array(HAND_Y), w, b, order) == 1


def test_kernels_refuse_swapped_bytes_and_shared_memory():
    # w and b are written in place: big-endian ones would receive native doubles (w = 3e-319
    # where 1.0 was meant), and a b that is a view of w or X would change what the kernel reads.
    X = np.array([[1.0, 2.0], [3.0, -1.0], [-2.0, 0.5]])
    y = np.array([1.0, 0.0, 1.0])
    for kernel, extra in ((kernels.perceptron_fit, {}), (kernels.perceptron_epoch, {})):
        with pytest.raises(ValueError, match="w is updated in place, so it must have native byte"):
            kernel(X, y, np.zeros(2, ">f8"), np.zeros(1), **extra)
        with pytest.raises(ValueError, match="b is updated in place, so it must have native byte"):
            kernel(X, y, np.zeros(2), np.zeros(1, ">f8"), **extra)
        w = np.zeros(3)
        with pytest.raises(ValueError, match="b and w share memory"):
            kernel(X, y, w[:2], w[1:2], **extra)
        Xc = X.copy()
        with pytest.raises(ValueError, match="b and X share memory"):
            kernel(Xc, y, np.zeros(2), Xc[0, :1], **extra)
        with pytest.raises(ValueError, match="w and X share memory"):
            kernel(Xc, y, Xc[1], np.zeros(1), **extra)
