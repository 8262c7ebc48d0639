"""The benchmark scripts run and print their figures (a smoke test on tiny inputs; nothing here is timed)."""

import re
import subprocess
import sys

from book_layout import ROOT


def test_softmax_benchmark_prints_accuracy_speed_and_vjp_figures():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "softmax.py"), "--rows", "20", "--classes", "10",
         "--repeat", "1", "--max-n", "10", "--accuracy-rows", "3", "--vjp-n", "20"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # One accuracy row per suite, with helpers, the shifted formula and SciPy (and PyTorch when installed).
    suites = re.findall(r"^  (adversarial|ordinary) .*?((?: +\d+\.\d\d){3,4})$", out, flags=re.M)
    assert [name for name, _ in suites] == ["adversarial", "ordinary"]
    for _, figures in suites:
        helpers_ulp, shifted_ulp, *_ = map(float, figures.split())
        assert helpers_ulp <= 4 < shifted_ulp  # the accuracy claims hold even on the tiny suite
    assert len(re.findall(r"on float(32|16) inputs .*: 0\.\d\d$", out, flags=re.M)) == 2
    assert [m for m in re.findall(r"^  (\w+) +helpers / scipy = +\d+\.\d\d$", out, flags=re.M)] == [
        "softmax", "log_softmax", "logsumexp"]
    assert re.search(r"jacobian / vjp = \d+x faster", out)


def test_lighthouse_shows_the_run_of_median_performance():
    """benchmarks/lighthouse.py --runs N: one slow or fast run on a shared machine does not make the table."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("book_lighthouse", ROOT / "benchmarks" / "lighthouse.py")
    lighthouse = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lighthouse)

    def report(score, run):
        return {"categories": {"performance": {"score": score}}, "run": run}

    assert lighthouse.median_run([report(0.5, 1), report(0.9, 2), report(0.7, 3)])["run"] == 3
    assert lighthouse.median_run([report(0.9, 1), report(0.6, 2)])["run"] == 2  # the lower middle of two
    assert lighthouse.median_run([report(None, 1)])["run"] == 1  # a page Lighthouse could not score
