"""A hyper-parameter sweep of fastnn's MLPClassifier on a Dask LocalCluster: 1 worker against 2.

    python benchmarks/bench_dask.py [--repeats 3]

Each worker is a process with one thread (Dask sets OMP_NUM_THREADS=1 there and fastnn follows
it, so two workers on two cores do not oversubscribe them). The sweep is GridSearchCV (8
settings x 3 folds on load_digits) through joblib's Dask backend; the table gives the median
wall time of each cluster size and the speed-up of 2 workers over 1, and the threads each
worker's fastnn used. Needs fastnn[dask].
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings


def _threads() -> tuple[str | None, int]:
    import fastnn

    return os.environ.get("OMP_NUM_THREADS"), fastnn.get_num_threads()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=100, help="epochs per fit (default 100)")
    args = parser.parse_args()

    import joblib
    from distributed import Client, LocalCluster
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV

    from fastnn.sklearn import MLPClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = load_digits(return_X_y=True)
    grid = {"hidden_layer_sizes": [(64,), (128,)], "alpha": [1e-4, 1e-2],
            "learning_rate_init": [1e-3, 1e-2]}  # fmt: skip
    times: dict[int, list[float]] = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
            threads = sorted(set(client.run(_threads).values()))
            for _ in range(args.repeats):
                search = GridSearchCV(MLPClassifier(max_iter=args.max_iter, tol=0.0, random_state=0), grid, cv=3,
                                      n_jobs=-1)  # fmt: skip
                start = time.perf_counter()
                with joblib.parallel_backend("dask"):
                    search.fit(X, y)
                times.setdefault(workers, []).append(time.perf_counter() - start)
            print(f"{workers} worker(s): OMP_NUM_THREADS, fastnn threads per worker = {threads}")
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(f"\n{'workers':<8}{'median s':>10}{'min-max s':>16}")
    for workers, values in times.items():
        print(f"{workers:<8}{statistics.median(values):>10.2f}"
              f"{min(values):>8.2f}-{max(values):.2f}")  # fmt: skip
    print(f"\nspeed-up of 2 workers over 1: {one / two:.2f}x "
          f"(24 fits of MLPClassifier on load_digits, {os.cpu_count()} CPUs)")  # fmt: skip


if __name__ == "__main__":
    main()
