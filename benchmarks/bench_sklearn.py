"""fastnn.sklearn's estimators against scikit-learn's MLP on scikit-learn's own data sets.

    python benchmarks/bench_sklearn.py                 # every data set, 5 fits each
    python benchmarks/bench_sklearn.py --datasets iris,digits --repeats 3 --max-iter 100

The rules, so that both do the same work:

* Same data: each data set standardised (StandardScaler fitted on the training part), a 75/25
  split (stratified for classification) with random_state 0; make_regression's targets
  divided by their standard deviation.
* Same network and training: ``hidden_layer_sizes=(100,)``, relu, adam with scikit-learn's
  defaults (learning rate 0.001, batch_size "auto" = min(200, n)), ``alpha=0.0001``, and
  exactly ``--max-iter`` epochs: ``n_iter_no_change`` is set to max_iter, so the tol rule
  never stops either early. Each repeat uses ``random_state=repeat`` for both.
* fastnn runs in float32 (its default) and in float64 (scikit-learn's dtype for float64
  data); each with fastnn's default threads (``fastnn.get_num_threads()``), scikit-learn with
  its BLAS' default threads.

Reported: the median over the repeats of the test score (accuracy, or R^2 for regression)
and of the fit's wall time (``fit`` alone: no data making, no predict), fastnn's score minus
scikit-learn's, and scikit-learn's fit time over fastnn's (above 1: fastnn is faster).

pytest collects this file with the benchmarks (``python_files = bench_*.py``): the one test
runs two data sets for two epochs, as a smoke test, and times nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np

DATASETS = ("digits", "breast_cancer", "iris", "wine", "classification", "regression")


def load(name: str):
    """(X_train, X_test, y_train, y_test, is_classification) for one data set."""
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    classification = name != "regression"
    if name == "classification":
        X, y = datasets.make_classification(
            n_samples=5000, n_features=20, n_informative=10, n_classes=3, random_state=0
        )
    elif name == "regression":
        X, y = datasets.make_regression(
            n_samples=5000, n_features=20, n_informative=10, noise=10.0, random_state=0
        )
        y = y / y.std()
    else:
        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y if classification else None
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, classification


def estimators(classification: bool, max_iter: int, seed: int) -> dict:
    """The peers, built with the same parameters."""
    from sklearn import neural_network

    from fastnn import sklearn as fsk

    params = dict(
        hidden_layer_sizes=(100,),
        activation="relu",
        solver="adam",
        alpha=0.0001,
        max_iter=max_iter,
        n_iter_no_change=max_iter,
        random_state=seed,
    )
    ours = fsk.MLPClassifier if classification else fsk.MLPRegressor
    theirs = neural_network.MLPClassifier if classification else neural_network.MLPRegressor
    return {
        "sklearn": theirs(**params),
        "fastnn f32": ours(**params, dtype="float32"),
        "fastnn f64": ours(**params, dtype="float64"),
    }


def run(names, repeats: int, max_iter: int) -> list[dict]:
    """One row per (data set, peer): the median score and fit time over the repeats."""
    from sklearn.exceptions import ConvergenceWarning

    rows = []
    for name in names:
        X_train, X_test, y_train, y_test, classification = load(name)
        scores: dict[str, list[float]] = {}
        times: dict[str, list[float]] = {}
        for seed in range(repeats):
            for peer, est in estimators(classification, max_iter, seed).items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    start = time.perf_counter()
                    est.fit(X_train, y_train)
                    elapsed = time.perf_counter() - start
                assert est.n_iter_ == max_iter, (peer, est.n_iter_)
                times.setdefault(peer, []).append(elapsed)
                scores.setdefault(peer, []).append(float(est.score(X_test, y_test)))
        base_score = statistics.median(scores["sklearn"])
        base_time = statistics.median(times["sklearn"])
        for peer in scores:
            score, fit = statistics.median(scores[peer]), statistics.median(times[peer])
            rows.append(
                {
                    "dataset": name,
                    "shape": f"{X_train.shape[0]}x{X_train.shape[1]}",
                    "peer": peer,
                    "score": score,
                    "score - sklearn": score - base_score,
                    "fit s": fit,
                    "sklearn/peer time": base_time / fit,
                }
            )
    return rows


def table(rows: list[dict]) -> str:
    header = ["dataset", "shape", "peer", "score", "score - sklearn", "fit s", "sklearn/peer time"]
    cells = [header]
    for r in rows:
        cells.append(
            [
                r["dataset"],
                r["shape"],
                r["peer"],
                f"{r['score']:.4f}",
                f"{r['score - sklearn']:+.4f}",
                f"{r['fit s']:.3f}",
                f"{r['sklearn/peer time']:.2f}",
            ]
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-iter", type=int, default=200)
    args = parser.parse_args(argv)
    names = [n for n in args.datasets.split(",") if n]
    for n in names:
        if n not in DATASETS:
            parser.error(f"unknown data set {n!r}; expected some of {', '.join(DATASETS)}")

    import sklearn

    import fastnn

    rows = run(names, args.repeats, args.max_iter)
    print(
        f"fastnn {fastnn.__version__} ({fastnn.get_num_threads()} threads), scikit-learn "
        f"{sklearn.__version__}, NumPy {np.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; hidden (100,) relu, adam, {args.max_iter} epochs, "
        f"median of {args.repeats}"
    )
    print(table(rows))


def test_smoke():
    """Two data sets, two epochs, one repeat: the table is made and the scores are scores."""
    import pytest

    pytest.importorskip("sklearn")
    rows = run(["iris", "regression"], repeats=1, max_iter=2)
    assert len(rows) == 6 and {r["peer"] for r in rows} == {"sklearn", "fastnn f32", "fastnn f64"}
    assert all(np.isfinite(r["score"]) and r["fit s"] > 0 for r in rows)
    assert "sklearn/peer time" in table(rows)


if __name__ == "__main__":
    main()
