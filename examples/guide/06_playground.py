"""Guide, page 6: the Playground experiments, and going on alone (docs/guide/06_playground.md).

python examples/guide/06_playground.py [out_dir]
    # the four experiments to docs/images/ (the README shows them too), days.png to
    # docs/guide/images/; given out_dir, everything there
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

# [page] setup
import numpy as np
from _common import IMAGES, ROOT, out_dir_from_argv, weather

from fastnn.playground import cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/
from playground_experiments import EXPERIMENTS, run

#: The commands the page shows, run as written in the directory of days.csv.
COMMANDS = [
    "fastnn playground --data days.csv --hidden 4 --seed 0 --out days.png",
    "fastnn playground --dataset circle --hidden 3 --activation relu --learning-rate 0.1 "
    "--seed 0 --no-plot",
]
# [/page]


def main(out_dir: Path, experiments_dir: Path | None = None) -> dict:
    # [page] the four experiments
    results = run(experiments_dir or out_dir, epochs=1000)  # examples/playground_experiments.py
    for (_, _, hidden, activation), result in zip(EXPERIMENTS, results, strict=True):
        print(f"{activation} {hidden}: test accuracy {result['accuracy']:.3f}")
    # [/page]

    work = Path(tempfile.mkdtemp())
    # [page] your own data
    X, y = weather(n_days=300, seed=3)  # any CSV file of numbers; the last column the label
    np.savetxt(work / "days.csv", np.column_stack([X, y]), delimiter=",", fmt="%g",
               header="temperature,pressure,sunny", comments="")  # fmt: skip
    # [/page]
    statuses = []
    here = os.getcwd()
    os.chdir(work)
    try:
        for command in COMMANDS:
            statuses.append(cli.main(shlex.split(command)[1:]))
    finally:
        os.chdir(here)
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(work / "days.png", out_dir / "06_days.png")
    shutil.rmtree(work)
    return {"results": results, "statuses": statuses}


if __name__ == "__main__":
    given = len(sys.argv) > 1
    main(out_dir_from_argv(IMAGES), None if given else ROOT / "docs" / "images")
