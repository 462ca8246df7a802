"""The examples run as a reader would run them, and do what they say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_kernels_learns_xor():
    out = run_example("demo_kernels.py")
    losses = [float(x) for x in re.findall(r"loss (\d+\.\d+)", out)]
    assert len(losses) == 5 and losses[-1] < losses[0] / 10  # it learned, a lot
    accuracy = float(re.search(r"training accuracy (\d\.\d+)", out).group(1))
    assert accuracy >= 0.95


def test_perceptron_weather():
    out = run_example("perceptron_weather.py")
    for what in ("learned weights", "bias", "threshold", "decision boundary"):
        assert what in out
    accuracy = float(re.search(r"test accuracy: (\d\.\d+)", out).group(1))
    assert accuracy >= 0.9, out


def test_xor_the_perceptron_fails_and_the_network_solves_it():
    out = run_example("xor.py")
    assert "converged=False" in out
    network_accuracy = float(re.search(r"network: .*accuracy (\d\.\d+)", out).group(1))
    assert network_accuracy == 1.0
