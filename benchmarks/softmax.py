"""Accuracy and speed of helpers.softmax, log_softmax and logsumexp against their peers, measured in one run.

Accuracy: the largest error in units in the last place (ulp) against mpmath at 160 bits, on an adversarial suite
(offsets up to +-1000, spreads from 1e-3 to 1e3, rows of 2 to 1000 scores) and on ordinary logits (N(0, 5**2)),
for helpers.softmax, the shifted formula exp(x - max x) / sum, SciPy and PyTorch (when installed).

Speed: median time ratios helpers / SciPy on a (4096, 1024) float64 batch, the contenders interleaved (one call of
each per round, many rounds), because the machines are shared and noisy: a ratio measured in the same run is
meaningful where an absolute time is not.  Then softmax_vjp against building the Jacobian and multiplying.

Usage: python benchmarks/softmax.py [--rows M] [--classes K] [--repeat R] [--max-n N] [--vjp-n N]
"""

import argparse
import time

import numpy as np
import scipy.special

import helpers
from helpers import accuracy

try:  # optional: the benchmark never needs PyTorch, it only reports it when it is there
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


def scipy_softmax(x):
    return scipy.special.softmax(x, axis=-1)


def torch_softmax(x):
    return torch.softmax(torch.from_numpy(np.ascontiguousarray(x)), dim=-1).numpy()


def interleaved_medians(contenders, repeat):
    """Median time of each contender (name -> zero-argument callable), one call of each per round."""
    times = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def accuracy_table(max_n, rows):
    sizes = tuple(n for n in (2, 10, 100, 1000) if n <= max_n)
    suites = {
        f"adversarial ({7 * 7 * len(sizes)} rows, n <= {sizes[-1]})": accuracy.adversarial_suite(sizes=sizes),
        f"ordinary ({rows} x {min(200, max_n)}, sd 5)": list(accuracy.ordinary_suite(rows=rows, n=min(200, max_n))),
    }
    methods = {"helpers": helpers.softmax, "shifted": accuracy.shifted_softmax, "scipy": scipy_softmax}
    if torch is not None:
        methods["torch"] = torch_softmax
    print("accuracy: max error in ulp against mpmath (160 bits), float64")
    print(f"  {'suite':36s}" + "".join(f"{m:>10s}" for m in methods) + ("" if torch else "     torch: not installed"))
    for label, suite in suites.items():
        refs = [accuracy.exact_softmax(row) for row in suite]
        worst = {m: max(accuracy.max_ulp_error(fn, row, ref) for row, ref in zip(suite, refs))
                 for m, fn in methods.items()}
        print(f"  {label:36s}" + "".join(f"{worst[m]:10.2f}" for m in methods))
    everything = [row for suite in suites.values() for row in suite]
    for dtype in (np.float32, np.float16):
        worst = 0.0
        for row in everything:
            x = row.astype(dtype)
            if np.isfinite(x).all():
                hi, lo = accuracy.exact_softmax(x.astype(np.float64))
                worst = max(worst, float(accuracy.ulp_error(helpers.softmax(x), hi, lo).max()))
        print(f"  helpers.softmax on {np.dtype(dtype).name} inputs (ulp of {np.dtype(dtype).name}): {worst:.2f}")
    for name, ours, theirs, exact in (
        ("log_softmax", helpers.log_softmax, lambda a: scipy.special.log_softmax(a, axis=-1),
         accuracy.exact_log_softmax),
        ("logsumexp", helpers.logsumexp, lambda a: scipy.special.logsumexp(a, axis=-1), accuracy.exact_logsumexp),
    ):
        refs = [exact(row) for row in everything]
        worst = [max(accuracy.max_ulp_error(fn, row, ref) for row, ref in zip(everything, refs))
                 for fn in (ours, theirs)]
        print(f"  {name:12s} both suites: helpers {worst[0]:.2f}  scipy {worst[1]:.3g}")


def speed_table(rows, classes, repeat):
    x = np.random.default_rng(0).normal(scale=5.0, size=(rows, classes))
    print(f"\nspeed: median of {repeat} interleaved rounds on a ({rows}, {classes}) float64 batch"
          " (ratio < 1: helpers faster)")
    pairs = {
        "softmax": (helpers.softmax, scipy_softmax),
        "log_softmax": (helpers.log_softmax, lambda a: scipy.special.log_softmax(a, axis=-1)),
        "logsumexp": (helpers.logsumexp, lambda a: scipy.special.logsumexp(a, axis=-1)),
    }
    contenders = {}
    for name, (ours, theirs) in pairs.items():
        contenders[name, "helpers"] = lambda f=ours: f(x)
        contenders[name, "scipy"] = lambda f=theirs: f(x)
    med = interleaved_medians(contenders, repeat)
    for name in pairs:
        print(f"  {name:12s} helpers / scipy = {med[name, 'helpers'] / med[name, 'scipy']:5.2f}")


def vjp_table(n, repeat):
    rng = np.random.default_rng(1)
    x, g = rng.normal(size=n), rng.normal(size=n)
    med = interleaved_medians({
        "vjp": lambda: helpers.softmax_vjp(x, g),
        "jacobian": lambda: g @ helpers.softmax_jacobian(x),
    }, repeat)
    print(f"\nsoftmax_vjp against building the {n} x {n} Jacobian and multiplying (median of {repeat}):"
          f" jacobian / vjp = {med['jacobian'] / med['vjp']:.0f}x faster")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4096)
    parser.add_argument("--classes", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--max-n", type=int, default=1000, help="largest row of the adversarial suite")
    parser.add_argument("--accuracy-rows", type=int, default=50, help="rows of the ordinary suite")
    parser.add_argument("--vjp-n", type=int, default=4096)
    args = parser.parse_args()
    accuracy_table(args.max_n, args.accuracy_rows)
    speed_table(args.rows, args.classes, args.repeat)
    vjp_table(args.vjp_n, max(5, args.repeat // 3))


if __name__ == "__main__":
    main()
