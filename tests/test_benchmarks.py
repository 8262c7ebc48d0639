"""The benchmark scripts run and print their ratios (a smoke test on tiny inputs; nothing here is timed)."""

import re
import subprocess
import sys

from book_layout import ROOT


def test_softmax_benchmark_prints_speed_and_accuracy_ratios():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "softmax.py"), "--rows", "20", "--classes", "10",
         "--repeat", "1", "--accuracy-rows", "3"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(re.findall(r"helpers / scipy = +\d+\.\d\d", result.stdout)) == 2
    assert len(re.findall(r"scipy / helpers = \S+", result.stdout)) == 6
