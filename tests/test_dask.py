"""Hyper-parameter sweeps on a Dask cluster: GridSearchCV over fastnn's estimators through
joblib's Dask backend, on a LocalCluster of two single-threaded worker processes.

The sweep must find what a serial sweep finds (same folds, same seeds, so the same scores),
each worker's fastnn must use one thread (Dask sets OMP_NUM_THREADS=1 in its workers and
fastnn follows it), and a fitted estimator must come back from a worker and predict.
"""

from __future__ import annotations

import numpy as np
import pytest

distributed = pytest.importorskip(
    "distributed", reason="dask[distributed] is in the test extra; without it, no cluster"
)
joblib = pytest.importorskip("joblib", reason="installed with scikit-learn")

from sklearn.datasets import load_iris  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

import fastnn  # noqa: E402
from fastnn.sklearn import MLPClassifier  # noqa: E402

# 40 epochs are few on purpose (a quick sweep): the estimators say so, as scikit-learn's do.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

GRID = {"hidden_layer_sizes": [(4,), (16,)], "learning_rate_init": [0.003, 0.03]}


def _worker_threads() -> tuple[str | None, int]:
    import os

    import fastnn

    return os.environ.get("OMP_NUM_THREADS"), fastnn.get_num_threads()


def _search() -> GridSearchCV:
    return GridSearchCV(MLPClassifier(max_iter=40, random_state=0, tol=0.0), GRID, cv=3, n_jobs=-1)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_workers_run_fastnn_on_one_thread(client):
    threads = client.run(_worker_threads)
    assert len(threads) == 2
    for omp, fastnn_threads in threads.values():
        assert omp == "1" and fastnn_threads == 1


def test_a_sweep_on_the_cluster_finds_what_a_serial_sweep_finds(client):
    X, y = load_iris(return_X_y=True)
    with joblib.parallel_backend("dask"):
        on_cluster = _search().fit(X, y)
    serial = GridSearchCV(
        MLPClassifier(max_iter=40, random_state=0, tol=0.0), GRID, cv=3, n_jobs=1
    ).fit(X, y)
    assert on_cluster.best_params_ == serial.best_params_
    np.testing.assert_allclose(
        on_cluster.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    # The refitted best model predicts as the serial one does.
    np.testing.assert_array_equal(on_cluster.predict(X), serial.predict(X))


def test_a_model_that_predicted_comes_back_from_a_worker(client):
    X, y = load_iris(return_X_y=True)

    def fit_and_predict(seed):
        model = fastnn.Sequential(
            [
                fastnn.Dense(8, activation="relu", input_dim=4),
                fastnn.Dense(3, activation="softmax"),
            ],
            seed=seed,
        )
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(X, y, epochs=5, verbose=0)
        model.predict(X)  # a cached core network, which must not travel
        return model

    model = client.submit(fit_and_predict, 3).result()
    local = fit_and_predict(3)
    np.testing.assert_array_equal(model.predict(X), local.predict(X))
