"""Speed and accuracy of helpers.softmax and helpers.log_softmax against peers, measured in the same run.

Peers: SciPy's `scipy.special.softmax` / `log_softmax` (the reference implementation most readers have) and the
textbook formula `exp(x) / sum(exp(x))`.  Accuracy is measured against a 40-digit mpmath evaluation.  Every number
is printed as a ratio to a peer measured in this run, never as an absolute goal: the machines are shared and noisy.

Usage: python benchmarks/softmax.py [--rows M] [--classes K] [--repeat R]
"""

import argparse
import timeit

import mpmath
import numpy as np
import scipy.special

import helpers


def naive_softmax(x):
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def best_time(fn, x, repeat):
    """Best of `repeat` timings of fn(x): the least disturbed by other work on the machine."""
    number = max(1, int(0.05 / max(timeit.timeit(lambda: fn(x), number=1), 1e-7)))
    return min(timeit.repeat(lambda: fn(x), number=number, repeat=repeat)) / number


def exact_softmax_row(row):
    with mpmath.workdps(40):
        exps = [mpmath.exp(mpmath.mpf(float(v))) for v in row]
        total = mpmath.fsum(exps)
        return np.array([float(e / total) for e in exps])


def exact_log_softmax_row(row):
    """(x_i - m) - log1p(sum over the other terms): at 40 digits this form loses nothing to cancellation."""
    with mpmath.workdps(40):
        values = [mpmath.mpf(float(v)) for v in row]
        top = int(np.argmax(row))
        rest = mpmath.fsum(mpmath.exp(v - values[top]) for j, v in enumerate(values) if j != top)
        return np.array([float(v - values[top] - mpmath.log1p(rest)) for v in values])


def max_relative_error(fn, rows, exact_rows):
    with np.errstate(all="ignore"):
        got = fn(rows)
    err = np.abs(got - exact_rows) / np.maximum(np.abs(exact_rows), np.finfo(float).tiny)
    return float(np.nanmax(np.where(np.isfinite(got), err, np.inf)))


def ratio(theirs, ours):
    """Error ratio, > 1 where helpers is more accurate; errors below float64's resolution count as equal."""
    floor = np.finfo(float).eps / 2
    return f"{max(theirs, floor) / max(ours, floor):.3g}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--accuracy-rows", type=int, default=50)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.normal(scale=5.0, size=(args.rows, args.classes))
    print(f"speed, batch of {args.rows} x {args.classes} float64 (best of {args.repeat}; ratio > 1 means slower)")
    peers = {
        "softmax": (helpers.softmax, lambda a: scipy.special.softmax(a, axis=-1), naive_softmax),
        "log_softmax": (helpers.log_softmax, lambda a: scipy.special.log_softmax(a, axis=-1), None),
    }
    for name, (ours, scipy_fn, naive_fn) in peers.items():
        t_ours, t_scipy = best_time(ours, x, args.repeat), best_time(scipy_fn, x, args.repeat)
        line = f"  {name:12s} helpers / scipy = {t_ours / t_scipy:5.2f}"
        if naive_fn is not None:
            line += f"   helpers / textbook formula = {t_ours / best_time(naive_fn, x, args.repeat):5.2f}"
        print(line)

    print(f"\naccuracy, {args.accuracy_rows} rows of 8 classes against 40-digit mpmath (max relative error)")
    cases = {
        "ordinary scores (scale 5)": rng.normal(scale=5.0, size=(args.accuracy_rows, 8)),
        "large scores (around 1000)": 1000 + rng.normal(scale=5.0, size=(args.accuracy_rows, 8)),
        "spread scores (scale 300)": rng.normal(scale=300.0, size=(args.accuracy_rows, 8)),
    }
    for label, rows in cases.items():
        exact = np.array([exact_softmax_row(r) for r in rows])
        exact_log = np.array([exact_log_softmax_row(r) for r in rows])
        ours = max_relative_error(helpers.softmax, rows, exact)
        theirs = max_relative_error(lambda a: scipy.special.softmax(a, axis=-1), rows, exact)
        textbook = max_relative_error(naive_softmax, rows, exact)
        log_ours = max_relative_error(helpers.log_softmax, rows, exact_log)
        log_theirs = max_relative_error(lambda a: scipy.special.log_softmax(a, axis=-1), rows, exact_log)
        print(f"  {label}")
        print(f"    softmax      helpers {ours:.1e}  scipy {theirs:.1e}  textbook {textbook:.1e}"
              f"   scipy / helpers = {ratio(theirs, ours)}")
        print(f"    log_softmax  helpers {log_ours:.1e}  scipy {log_theirs:.1e}"
              f"                    scipy / helpers = {ratio(log_theirs, log_ours)}")


if __name__ == "__main__":
    main()
