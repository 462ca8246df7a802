"""What a user does first with an installed fastnn: import it, train a little, look at the result.

    python tools/wheel_smoke.py [--no-compiler] [--json PATH]

Prints (and with --json writes) the level loaded, the loss before and after a short fit and the
trained weights, so that two runs (native and under an emulated CPU) can be compared. Exits
non-zero when the loss did not go down, or, with --no-compiler, when a C/C++ compiler is on PATH
(the check that a wheel installs and runs where nothing can be compiled).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--no-compiler", action="store_true", help="fail if cc/gcc/c++ is on PATH")
    p.add_argument("--json", help="write the result here")
    args = p.parse_args()
    if args.no_compiler:
        found = {c: shutil.which(c) for c in ("cc", "gcc", "c++", "g++", "clang", "clang++")}
        found = {c: path for c, path in found.items() if path}
        if found:
            print(f"wheel_smoke: a compiler is on PATH: {found}", file=sys.stderr)
            return 1

    import fastnn as fnn

    # The playground's circle, a 2-8-1 tanh net, Adam, shuffled batches: the shuffle, the
    # products, tanh, the fused sigmoid loss and the optimizer all run in the core.
    X, y = fnn.datasets.make_playground("circle", n_samples=200, noise=0, seed=0)
    model = fnn.Sequential(
        [fnn.Dense(8, "tanh", input_dim=2), fnn.Dense(1, "sigmoid")], dtype="float64", seed=0
    )
    model.compile(fnn.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    before = float(model.evaluate(X, y)[0])
    history = model.fit(X, y, epochs=20, batch_size=10, verbose=0)
    after = float(history.history["loss"][-1])
    result = {
        "isa": fnn.build_info()["isa"],
        "loss_before": before,
        "loss_after": after,
        "weights": [w.ravel().tolist() for w in model.get_weights()],
    }
    print(f"wheel_smoke: level {result['isa']}, loss {before:.4f} -> {after:.4f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f)
    if not after < 0.5 * before:
        print("wheel_smoke: the loss did not halve", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
