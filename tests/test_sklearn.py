"""fastnn.sklearn: scikit-learn's estimator checks, its MLP's semantics, and the ecosystem.

The parity tests hold fastnn's estimators to scikit-learn's own MLP step for step: the same
initial weights, full batches, SGD, float64, and the losses and weights after several
epochs must agree to rounding. That pins the mapping of ``alpha`` onto fastnn's l2
regularizer and of the loss scales (docs/sklearn.md), for every output kind.
"""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
pd = pytest.importorskip("pandas")

import joblib  # noqa: E402  (scikit-learn's dependency)
from sklearn import neural_network  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_iris, make_classification, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import fastnn  # noqa: E402
from fastnn import sklearn as fsk  # noqa: E402
from fastnn.sklearn import MLPClassifier, MLPRegressor, Perceptron  # noqa: E402

# Short fits stop at max_iter; the tests that are about the warning catch it with pytest.warns.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _expected_failed_checks(estimator) -> dict[str, str]:
    method = getattr(estimator, "_expected_failed_checks", None)
    return method() if method is not None else {}


# ---- scikit-learn's estimator checks ----------------------------------------------------------


@parametrize_with_checks(
    [MLPClassifier(max_iter=100), MLPRegressor(max_iter=100), Perceptron(max_iter=50)],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_expected_failures_say_why():
    """Each listed check fails (xfail is strict), and says why."""
    for estimator in (MLPClassifier(), MLPRegressor()):
        failing = estimator._expected_failed_checks()
        assert "check_sample_weight_equivalence_on_dense_data" in failing
        assert "check_sample_weights_not_overwritten" not in failing
        assert all(name.startswith("check_") and len(why) > 40 for name, why in failing.items())
    assert "check_class_weight_classifiers" not in MLPClassifier()._expected_failed_checks()


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (MLPClassifier, neural_network.MLPClassifier),
        (MLPRegressor, neural_network.MLPRegressor),
    ],
)
def test_sklearn_parameters_and_defaults(ours, theirs):
    """Every parameter of scikit-learn's MLP but lbfgs' max_fun, with its default."""
    mine, its = ours().get_params(), theirs().get_params()
    assert set(its) - set(mine) == {"max_fun"}
    for name in set(its) & set(mine):
        assert mine[name] == its[name], name
    extra = {"dtype", "solver_params"} | ({"class_weight"} if ours is MLPClassifier else set())
    assert extra <= set(mine) - set(its) <= extra | {"loss"}  # MLPRegressor's since 1.7


# ---- the same steps as scikit-learn's MLP -------------------------------------------------


def _parity_data(kind):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    if kind == "regression":
        return X, X @ rng.normal(size=4) + 0.1 * rng.normal(size=60)
    if kind == "multi-output regression":
        return X, X @ rng.normal(size=(4, 3))
    if kind == "binary":
        return X, np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    if kind == "multiclass":
        return X, np.array([-3, 10, 42])[np.argmax(X[:, :3], axis=1)]
    return X, (X[:, :3] > 0).astype(np.int64)  # multilabel


@pytest.mark.parametrize(
    "kind", ["regression", "multi-output regression", "binary", "multiclass", "multilabel"]
)
@pytest.mark.parametrize("alpha", [0.0, 0.5])
def _same_start(kind, **params):
    """scikit-learn's MLP and fastnn's, fastnn given scikit-learn's initial weights."""
    X, y = _parity_data(kind)
    regression = "regression" in kind
    params = (
        dict(
            hidden_layer_sizes=(5, 3),
            activation="tanh",
            solver="sgd",
            batch_size=X.shape[0],
            learning_rate_init=0.05,
            shuffle=False,
            random_state=0,
            max_iter=1,
            warm_start=True,
        )
        | params
    )
    theirs_class = neural_network.MLPRegressor if regression else neural_network.MLPClassifier
    ours_class = MLPRegressor if regression else MLPClassifier
    theirs = theirs_class(**params).fit(X, y)
    ours = ours_class(**params, dtype="float64").fit(X, y)
    assert ours.out_activation_ == theirs.out_activation_
    assert ours.n_outputs_ == theirs.n_outputs_
    weights = []
    for coef, intercept in zip(theirs.coefs_, theirs.intercepts_, strict=True):
        weights += [coef, intercept]
    ours.model_.set_weights(weights)
    return X, y, theirs, ours


def _assert_same_model(X, ours, theirs):
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    if ours.out_activation_ == "identity":
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9)
    else:
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-9)
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize(
    "kind", ["regression", "multi-output regression", "binary", "multiclass", "multilabel"]
)
@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_same_steps_as_sklearn_sgd(kind, alpha):
    """Start both from scikit-learn's weights; full batches; the losses and weights agree."""
    X, y, theirs, ours = _same_start(
        kind, alpha=alpha, momentum=0.9, nesterovs_momentum=True, tol=0.0, n_iter_no_change=99
    )
    for est in (theirs, ours):
        est.set_params(max_iter=8).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 8
    if not (kind == "multi-output regression" and alpha > 0):
        # scikit-learn reports half the mean square over the outputs but descends half their
        # sum: with k outputs the penalty's share of its loss_curve_ is k times fastnn's.
        np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-9)
    _assert_same_model(X, ours, theirs)


@pytest.mark.parametrize("learning_rate", ["invscaling", "adaptive"])
def test_same_sgd_learning_rates_and_stopping_as_sklearn(learning_rate):
    """invscaling after each epoch; adaptive divides by 5 where the tol rule fires (every
    epoch counts with tol=10), until the rate is at most 1e-6, then stops."""
    X, y, theirs, ours = _same_start(
        "multiclass",
        alpha=0.01,
        momentum=0.0,
        learning_rate=learning_rate,
        learning_rate_init=0.5,
        tol=10.0 if learning_rate == "adaptive" else 0.0,
        n_iter_no_change=2,
    )
    for est in (theirs, ours):
        est.set_params(max_iter=40).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-9)
    assert ours._learning_rate == pytest.approx(theirs._optimizer.learning_rate, rel=1e-12)
    _assert_same_model(X, ours, theirs)


def test_training_loss_rule_stops_as_sklearn():
    """tol/n_iter_no_change on the training loss: stop after n_iter_no_change + 1 misses."""
    X, y = make_classification(200, random_state=0)
    est = MLPClassifier((8,), tol=0.05, n_iter_no_change=3, random_state=0).fit(X, y)
    curve = np.array(est.loss_curve_)
    assert est.n_iter_ == len(curve) < est.max_iter
    assert est.best_loss_ == curve.min()
    assert est.validation_scores_ is None
    best_before = curve[:-4].min()
    assert np.all(curve[-4:] > best_before - 0.05)


def test_early_stopping_keeps_the_best_validation_weights():
    X, y = make_classification(300, random_state=1)
    est = MLPClassifier(
        (8,), early_stopping=True, n_iter_no_change=4, tol=1e-3, random_state=0
    ).fit(X, y)
    scores = est.validation_scores_
    assert len(scores) == est.n_iter_ == len(est.loss_curve_) < est.max_iter
    assert est.best_loss_ is None
    assert est.best_validation_score_ == max(scores)
    assert all(s < max(scores[:-5]) + 1e-3 for s in scores[-5:])
    with pytest.raises(ValueError, match="early_stopping"):
        est.partial_fit(X, y)


def test_convergence_warning_and_verbose(capsys):
    X, y = make_regression(50, 3, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\)"):
        MLPRegressor((4,), max_iter=3, tol=0.0, verbose=True, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "Iteration 3, loss = " in out


def test_batch_size_larger_than_the_data_warns_and_is_clipped():
    X, y = make_regression(20, 3, random_state=0)
    with pytest.warns(UserWarning, match="clipped"):
        MLPRegressor((4,), batch_size=500, max_iter=2, tol=1.0, random_state=0).fit(X, y)


# ---- labels, outputs, solvers, activations ----------------------------------------------------


@pytest.mark.parametrize("labels", [["cat", "dog", "emu"], [-7, 3, 100], [1.0, 2.0, 5.0]])
def test_any_labels(labels):
    X, y = load_iris(return_X_y=True)
    y = np.array(labels, dtype=object if isinstance(labels[0], str) else None)[y]
    mlp = MLPClassifier((16,), learning_rate_init=0.01, max_iter=300, random_state=0)
    est = make_pipeline(StandardScaler(), mlp).fit(X, y)
    assert list(est.classes_) == sorted(labels)
    assert set(est.predict(X)) <= set(labels)
    assert est.score(X, y) > 0.9
    proba = est.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(est.classes_[proba.argmax(axis=1)], est.predict(X))


def test_binary_labels_and_probabilities():
    X, y = make_classification(200, random_state=0)
    y = np.where(y == 1, "spam", "ham")
    est = MLPClassifier((8,), max_iter=50, tol=1.0, random_state=0).fit(X, y)
    assert est.out_activation_ == "logistic" and est.n_outputs_ == 1
    proba = est.predict_proba(X)
    assert proba.shape == (200, 2)
    np.testing.assert_array_equal(np.where(proba[:, 1] > 0.5, "spam", "ham"), est.predict(X))
    np.testing.assert_allclose(np.exp(est.predict_log_proba(X)), proba, rtol=1e-6)


def test_multilabel_and_multioutput():
    X, Y = _parity_data("multilabel")
    est = MLPClassifier((16,), max_iter=400, random_state=0).fit(X, Y)
    assert est.out_activation_ == "logistic"
    assert est.predict(X).shape == Y.shape and set(np.unique(est.predict(X))) <= {0, 1}
    assert est.score(X, Y) > 0.8  # subset accuracy
    assert est.predict_proba(X).shape == Y.shape
    X, Y = make_regression(100, 5, n_targets=3, random_state=0)
    reg = MLPRegressor((16,), max_iter=500, learning_rate_init=0.01, random_state=0)
    reg.fit(X, Y / 100)
    assert reg.out_activation_ == "identity" and reg.predict(X).shape == (100, 3)
    assert reg.score(X, Y / 100) > 0.9


@pytest.mark.parametrize("solver", fsk.SOLVERS)
def test_every_solver_trains(solver):
    X, y = make_classification(200, random_state=0)
    lr = 1.0 if solver == "adadelta" else 0.01
    est = MLPClassifier((8,), solver=solver, learning_rate_init=lr, max_iter=20, tol=1.0)
    est.set_params(random_state=0).fit(X, y)
    assert est.model_.optimizer.kind == solver
    assert est.loss_curve_[-1] < est.loss_curve_[0]


@pytest.mark.parametrize("activation", [*fsk.SKLEARN_ACTIVATIONS, *fastnn.activations.ACTIVATIONS])
def test_every_activation_builds_and_trains(activation):
    X, y = make_regression(50, 3, random_state=0)
    est = MLPRegressor((4, 4), activation=activation, max_iter=2, tol=10.0, random_state=0)
    est.fit(X, y / 100)
    expected = fsk.SKLEARN_ACTIVATIONS.get(activation, activation)
    assert [layer.activation for layer in est.model_.layers] == [expected, expected, "linear"]
    assert est.predict(X).shape == (50,)


def test_dtype_solver_params_and_bad_parameters():
    X, y = make_regression(40, 3, random_state=0)
    est = MLPRegressor((4,), dtype="float64", solver="rmsprop", solver_params={"rho": 0.5})
    est.set_params(max_iter=2, tol=10.0).fit(X, y)
    assert est.model_.dtype == np.float64 and est.model_.optimizer.rho == 0.5
    assert est.predict(X.astype(np.float32)).dtype == np.float32
    for bad, match in [
        ({"solver": "lbfgs"}, "lbfgs"),
        ({"activation": "maxout"}, "activation"),
        ({"hidden_layer_sizes": (3, 0)}, "hidden_layer_sizes"),
        ({"alpha": -1.0}, "alpha"),
        ({"dtype": "float16"}, "dtype"),
        ({"beta_1": 1.0}, "beta_1"),
        ({"solver_params": {"rho": 2.0}}, "rho"),
        ({"solver": "sgd", "solver_params": {"nonsense": 1}}, "nonsense"),
        ({"loss": "poisson"}, "poisson"),
    ]:
        with pytest.raises(ValueError, match=match):
            clone(est).set_params(**bad).fit(X, y)


# ---- partial_fit, warm_start --------------------------------------------------------------


def test_partial_fit():
    X, y = load_iris(return_X_y=True)
    est = MLPClassifier((8,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        est.partial_fit(X[:50], y[:50])
    est.partial_fit(X[:50], y[:50], classes=[0, 1, 2])  # y of one class: classes decide
    assert list(est.classes_) == [0, 1, 2] and est.n_iter_ == 1 and len(est.loss_curve_) == 1
    for _ in range(3):
        est.partial_fit(X, y)
    assert est.n_iter_ == 1 and len(est.loss_curve_) == 4
    with pytest.raises(ValueError, match=r"not in `self\.classes_`"):
        est.partial_fit(X[:5], np.array([0, 1, 2, 3, 3]))
    with pytest.raises(ValueError, match="not the same"):
        est.partial_fit(X, y, classes=[0, 1])
    reg = MLPRegressor((4,), random_state=0)
    reg.partial_fit(X[:, :3], X[:, 3])
    reg.partial_fit(X[:, :3], X[:, 3])
    assert len(reg.loss_curve_) == 2


def test_warm_start_continues_from_the_weights():
    X, y = make_classification(100, random_state=0)
    est = MLPClassifier((8,), warm_start=True, max_iter=5, tol=0.0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    model, before = est.model_, est.coefs_[0]
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert est.model_ is model and len(est.loss_curve_) == 10
    assert not np.array_equal(est.coefs_[0], before)
    with pytest.raises(ValueError, match="warm_start"):
        est.fit(X, np.where(y == 1, 2, 0))


# ---- scikit-learn's ecosystem ---------------------------------------------------------------


def test_pipeline_grid_search_cross_val_clone():
    X, y = make_classification(150, n_features=6, random_state=0)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=30, tol=1.0, random_state=0))
    search = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(4,), (16,)]}, cv=3)
    search.fit(X, y)
    assert search.best_params_["mlpclassifier__hidden_layer_sizes"] in [(4,), (16,)]
    scores = cross_val_score(MLPRegressor((8,), max_iter=30, tol=1.0, random_state=0), X, y, cv=3)
    assert scores.shape == (3,) and np.isfinite(scores).all()
    est = MLPClassifier((3, 2), solver="adamw", activation="elu", dtype="float64")
    twin = clone(est)
    assert twin.get_params() == est.get_params() and twin is not est


def test_same_random_state_same_model():
    X, y = make_classification(100, random_state=0)
    a = MLPClassifier((8,), max_iter=10, tol=1.0, random_state=3).fit(X, y)
    b = MLPClassifier((8,), max_iter=10, tol=1.0, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize("make", [MLPClassifier, MLPRegressor])
def test_pickle_and_joblib_round_trips(make, tmp_path):
    X, y = make_classification(80, n_features=5, random_state=0)
    est = make((6,), max_iter=10, tol=1.0, random_state=0).fit(X, y)
    expected = est.predict(X)  # predict first: the cached core network must not be pickled
    data = pickle.dumps(est)
    assert b"fastnn._core" not in data and b"PK\x03\x04" in data  # the .fnn ZIP, as bytes
    np.testing.assert_array_equal(pickle.loads(data).predict(X), expected)
    path = tmp_path / "est.joblib"
    joblib.dump(est, path)
    for mmap_mode in (None, "r"):
        loaded = joblib.load(path, mmap_mode=mmap_mode)
        np.testing.assert_array_equal(loaded.predict(X), expected)
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    again = joblib.load(buffer)
    np.testing.assert_array_equal(again.predict(X), expected)
    again.partial_fit(X, y)  # the optimizer state came along: training continues


def test_perceptron_pickles_and_reads_read_only_weights(tmp_path):
    X, y = load_iris(return_X_y=True)
    est = Perceptron(max_iter=20, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    joblib.dump(est, tmp_path / "p.joblib")
    loaded = joblib.load(tmp_path / "p.joblib", mmap_mode="r")
    assert not loaded.coef_.flags.writeable
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_pandas_input():
    X, y = make_classification(100, n_features=4, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    labels = pd.Series(np.where(y == 1, "up", "down"))
    est = MLPClassifier((4,), max_iter=5, tol=1.0, random_state=0).fit(frame, labels)
    assert list(est.feature_names_in_) == ["a", "b", "c", "d"] and est.n_features_in_ == 4
    np.testing.assert_array_equal(est.predict(frame.iloc[:7]), est.predict(frame)[:7])
    with pytest.raises(ValueError, match="feature names"):
        est.predict(frame[["d", "c", "b", "a"]])
    reg = MLPRegressor((4,), max_iter=5, tol=1.0, random_state=0)
    reg.fit(frame, pd.Series(X[:, 0] * 2))
    assert reg.predict(frame).shape == (100,)


# ---- bad input, before any training -------------------------------------------------------


@pytest.mark.parametrize("make", [MLPClassifier, MLPRegressor])
def test_bad_input_raises_before_training(make):
    X, y = make_classification(30, n_features=3, n_informative=2, n_redundant=0, random_state=0)
    cases = [
        ((X, y), {"sample_weight": np.ones(5)}, r"sample_weight"),
        ((X, y), {"sample_weight": -np.ones(30)}, r"sample_weight"),
    ]
    for value, where in [(np.nan, "NaN"), (np.inf, "infinity")]:
        bad = X.copy()
        bad[3, 1] = value
        cases.append(((bad, y), {}, rf"Input X contains {where}"))
    for (X_, y_), kwargs, match in cases:
        est = make((4,))
        with pytest.raises(ValueError, match=match):
            est.fit(X_, y_, **kwargs)
        assert not hasattr(est, "model_")


def test_class_weight_naming_an_unknown_class():
    X, y = make_classification(30, random_state=0)
    est = MLPClassifier((4,), max_iter=2, class_weight={0: 1.0, 7: 2.0})
    with pytest.raises(ValueError, match=r"class_weight .*\[7\]"):
        est.fit(X, y)
    assert not hasattr(est, "model_")
    with pytest.raises(NotFittedError):  # classes_ was set, but there is no model
        est.predict(X)
    est.set_params(class_weight=None).fit(X, y)
    with pytest.raises(ValueError, match="class_weight"):  # a failed refit forgets the model
        est.set_params(class_weight={5: 1.0}).fit(X, y)
    with pytest.raises(NotFittedError):
        est.predict(X)
    with pytest.raises(ValueError, match="class_weight"):
        MLPClassifier((4,), class_weight="heavy").fit(X, y)


def test_uniform_weights_are_the_unweighted_fit():
    X, y = make_classification(60, random_state=0)
    plain = MLPClassifier((4,), max_iter=5, tol=1.0, random_state=0).fit(X, y)
    ones = MLPClassifier((4,), max_iter=5, tol=1.0, random_state=0).fit(X, y, np.full(60, 3.0))
    np.testing.assert_array_equal(plain.predict_proba(X), ones.predict_proba(X))
    # 'balanced' weights of classes of equal size are uniform
    balanced = MLPClassifier((4,), max_iter=5, tol=1.0, random_state=0, class_weight="balanced")
    np.testing.assert_array_equal(balanced.fit(X, y).predict_proba(X), plain.predict_proba(X))


def test_class_weight_moves_the_boundary():
    X, y = make_classification(300, weights=[0.9], random_state=0)
    plain = MLPClassifier((8,), max_iter=50, tol=1.0, random_state=0).fit(X, y)
    heavy = MLPClassifier((8,), max_iter=50, tol=1.0, random_state=0, class_weight={1: 20.0})
    heavy.fit(X, y)
    assert (heavy.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


def test_zero_sample_weight_ignores_the_sample():
    """One full batch, weights 0 or 1 (scaled to mean 1): the fit on the other half alone."""
    X, y = make_regression(60, 3, random_state=0)
    w = np.ones(60)
    w[:30] = 0.0
    params = dict(alpha=0.0, max_iter=5, tol=0.0, shuffle=False, dtype="float64", random_state=0)
    weighted = MLPRegressor((4,), batch_size=60, **params).fit(X, y / 100, sample_weight=w)
    half = MLPRegressor((4,), batch_size=30, **params).fit(X[30:], y[30:] / 100)
    np.testing.assert_allclose(weighted.loss_curve_, half.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(weighted.predict(X), half.predict(X), rtol=1e-9)


def test_one_class_is_refused():
    X, _ = make_classification(20, random_state=0)
    with pytest.raises(ValueError, match="2 classes"):
        MLPClassifier((4,)).fit(X, np.zeros(20))
    with pytest.raises(ValueError, match="2 classes"):
        Perceptron().fit(X, np.ones(20))


# ---- the perceptron ---------------------------------------------------------------------------


def test_perceptron_binary_is_fastnn_perceptron():
    X, y = make_classification(100, n_features=4, random_state=0)
    ours = Perceptron(max_iter=30, random_state=0)
    labels = np.where(y == 1, "b", "a")
    with pytest.warns(ConvergenceWarning):
        ours.fit(X, labels)
    assert ours.coef_.shape == (1, 4) and list(ours.classes_) == ["a", "b"]
    seed = np.random.RandomState(0).randint(0, 2**31 - 1)
    plain = fastnn.Perceptron(max_epochs=30, seed=int(seed)).fit(X, y)
    np.testing.assert_array_equal(ours.coef_[0], plain.coef_)
    np.testing.assert_array_equal(ours.predict(X), np.where(plain.predict(X) == 1, "b", "a"))
    assert ours.n_iter_ == plain.n_epochs_


def test_perceptron_one_vs_rest_and_bad_parameters():
    X, y = load_iris(return_X_y=True)
    est = make_pipeline(StandardScaler(), Perceptron(max_iter=100, random_state=0))
    with pytest.warns(ConvergenceWarning):  # versicolor is not separable from the rest
        est.fit(X, y)
    assert est[-1].coef_.shape == (3, 4) and est.score(X, y) > 0.7
    with pytest.raises(ValueError, match="eta0"):
        Perceptron(eta0=0.0).fit(X, y)
    with pytest.raises(ValueError, match="max_iter"):
        Perceptron(max_iter=0).fit(X, y)
