"""Measuring the error of a softmax in units in the last place (ulp), against mpmath.

The reference is computed in mpmath at 160 bits and stored as a double-double (``hi + lo``, two float64 whose sum
carries about 106 bits), so the error of many float64 results is then measured with NumPy alone:
``|got - hi - lo| / ulp(hi)``.

>>> x = np.array([[1000.0, 999.0, 990.0]])
>>> hi, lo = exact_softmax(x)
>>> float(ulp_error(helpers_softmax(x), hi, lo).max()) <= 1
True
"""

from __future__ import annotations

import mpmath
import numpy as np

from helpers.numerics import softmax as helpers_softmax

__all__ = [
    "PRECISION_BITS",
    "adversarial_suite",
    "exact_softmax",
    "exact_log_softmax",
    "exact_logsumexp",
    "helpers_softmax",
    "magnitude_suite",
    "memory_table",
    "methods",
    "errors_by_magnitude",
    "exact_from_sympy",
    "exact_sum",
    "median_times",
    "round_times",
    "MEMORY_PASSES",
    "scipy_softmax",
    "max_ulp_error",
    "ordinary_suite",
    "shifted_softmax",
    "textbook_softmax",
    "two_sum",
    "ulp",
    "ulp_error",
]

PRECISION_BITS = 160


def ulp(x):
    """The unit in the last place of each float: the gap to the next float away from zero.

    >>> float(ulp(1.0)) == 2.0**-52
    True
    >>> float(ulp(np.float32(1.0))) == 2.0**-23
    True
    """
    return np.spacing(np.abs(np.asarray(x)))


def two_sum(a, b):
    """TwoSum (Knuth): ``s = fl(a + b)`` and its exact rounding error ``e``, so that ``a + b = s + e`` exactly.

    >>> [float(v) for v in two_sum(1.0, 2.0**-60)]
    [1.0, 8.673617379884035e-19]
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    s = a + b
    b_virtual = s - a
    a_virtual = s - b_virtual
    e = (a - a_virtual) + (b - b_virtual)
    return s[()], e[()]


def _rows(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim not in (1, 2) or x.size == 0 or not np.isfinite(x).all():
        raise ValueError(f"x must be a non-empty finite 1-D row or 2-D batch of logits, got shape {x.shape}")
    return np.atleast_2d(x)


def _split(values):
    """mpmath numbers to a double-double (hi, lo) pair of float64 arrays."""
    hi = np.array([float(v) for v in values])
    lo = np.array([float(v - mpmath.mpf(h)) for v, h in zip(values, hi)])
    return hi, lo


def exact_softmax(x):
    """Softmax of each row of ``x`` at 160 bits, as a double-double ``(hi, lo)`` of the shape of ``x`` (2-D)."""
    x = _rows(x)
    his, los = [], []
    with mpmath.workprec(PRECISION_BITS):
        for row in x:
            top = max(row)
            exps = [mpmath.exp(mpmath.fsub(float(v), float(top), exact=True)) for v in row]
            total = mpmath.fsum(exps)
            hi, lo = _split([v / total for v in exps])
            his.append(hi)
            los.append(lo)
    return np.array(his), np.array(los)


def exact_logsumexp(x):
    """Log-sum-exp of each row of ``x`` at 160 bits, as a double-double ``(hi, lo)`` of shape ``(rows,)``."""
    x = _rows(x)
    with mpmath.workprec(PRECISION_BITS):
        values = []
        for row in x:
            top = float(np.max(row))
            total = mpmath.fsum(mpmath.exp(mpmath.fsub(float(v), top, exact=True)) for v in row)
            values.append(top + mpmath.log(total))
    return _split(values)


def exact_log_softmax(x):
    """Log-softmax of each row of ``x`` at 160 bits, as a double-double ``(hi, lo)`` (2-D)."""
    x = _rows(x)
    his, los = [], []
    with mpmath.workprec(PRECISION_BITS):
        for row in x:
            top = int(np.argmax(row))
            # x_i - m exactly, then (x_i - m) - log1p(sum of the other terms): no cancellation at any precision.
            shifted = [mpmath.fsub(float(v), float(row[top]), exact=True) for v in row]
            rest = mpmath.fsum(mpmath.exp(v) for j, v in enumerate(shifted) if j != top)
            log_total = mpmath.log1p(rest)
            hi, lo = _split([v - log_total for v in shifted])
            his.append(hi)
            los.append(lo)
    return np.array(his), np.array(los)


def ulp_error(got, hi, lo=0.0):
    """Error of ``got`` in ulps of its own dtype, against the reference ``hi + lo``.

    The ulp is that of the reference rounded to ``got``'s dtype (for float64, ``hi`` itself).
    A result below the smallest subnormal counts in units of the smallest subnormal.

    >>> float(ulp_error(np.float64(1.0) + 2.0**-52, 1.0))
    1.0
    >>> float(ulp_error(np.float32(1.0), 1.0 + 2.0**-24))
    0.5
    """
    got = np.asarray(got)
    hi = np.asarray(hi, dtype=np.float64)
    unit = ulp(hi.astype(got.dtype)).astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs((got.astype(np.float64) - hi) - lo) / unit
    return np.where(np.isfinite(got), err, np.inf)


def max_ulp_error(fn, x, reference=None):
    """The largest ulp error of ``fn(x)`` over the batch ``x`` (inf if ``fn`` gives inf or NaN anywhere)."""
    hi, lo = reference if reference is not None else exact_softmax(x)
    with np.errstate(all="ignore"):
        got = fn(_rows(x))
    return float(np.max(ulp_error(got, hi, lo)))


def textbook_softmax(x):
    """``exp(x) / sum(exp(x))`` per row, no shift: overflows above 709.78."""
    with np.errstate(all="ignore"):
        e = np.exp(x)
        return e / e.sum(axis=-1, keepdims=True)


def shifted_softmax(x):
    """``exp(x - max x) / sum(...)`` per row: the usual stable formula, without compensation."""
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def adversarial_suite(seed=0, offsets=(-1000, -100, -10, 0, 10, 100, 1000),
                      spreads=(1e-3, 1e-2, 1e-1, 1, 10, 100, 1000), sizes=(2, 10, 100, 1000)):
    """Rows ``offset + spread * N(0, 1)`` for every (offset, spread, size): a list of 1-D arrays of varying n."""
    rng = np.random.default_rng(seed)
    return [offset + spread * rng.standard_normal(n) for offset in offsets for spread in spreads for n in sizes]


def ordinary_suite(rows=50, n=200, scale=5.0, seed=1):
    """Ordinary logits: a ``(rows, n)`` batch drawn from N(0, scale**2)."""
    return np.random.default_rng(seed).normal(scale=scale, size=(rows, n))


def scipy_softmax(x):
    """SciPy's softmax over the last axis (the peer most readers have)."""
    import scipy.special

    return scipy.special.softmax(x, axis=-1)


def methods():
    """The softmax versions the chapter compares, by name: the textbook and shifted formulas, helpers, SciPy.

    >>> list(methods())
    ['textbook formula', 'shifted formula', 'helpers.softmax', 'SciPy']
    """
    return {"textbook formula": textbook_softmax, "shifted formula": shifted_softmax,
            "helpers.softmax": helpers_softmax, "SciPy": scipy_softmax}


def magnitude_suite(magnitude, rows=8, n=32, seed=0):
    """``rows`` rows of ``n`` logits drawn uniformly from ``[-magnitude, magnitude]``, then the same rows shifted
    down by ``magnitude`` (every score in ``[-2 magnitude, 0]``, so the largest is negative): ``2 * rows`` rows.

    The shift leaves softmax unchanged but not its computation: the textbook formula's terms ``exp(z)`` underflow
    for scores below about -708, where the shifted formula's do not.

    >>> suite = magnitude_suite(10.0, rows=2, n=3)
    >>> suite.shape, bool((suite[2:] < 0).all()), bool(np.array_equal(suite[2:], suite[:2] - 10.0))
    ((4, 3), True, True)
    """
    spread = magnitude * np.random.default_rng(seed).uniform(-1.0, 1.0, size=(rows, n))
    return np.vstack([spread, spread - magnitude])


def errors_by_magnitude(fns, magnitudes, rows=8, n=32, seed=0):
    """Max ulp error of each function of ``fns`` (name -> function) on :func:`magnitude_suite` at each magnitude.

    Returns name -> array of one error per magnitude (inf where the function gave inf or NaN).

    >>> errs = errors_by_magnitude({"helpers": helpers_softmax}, [1.0, 100.0], rows=2, n=8)
    >>> bool((errs["helpers"] <= 4).all())
    True
    """
    suites = [magnitude_suite(m, rows, n, seed) for m in magnitudes]
    refs = [exact_softmax(x) for x in suites]
    return {name: np.array([max_ulp_error(fn, x, ref) for x, ref in zip(suites, refs)]) for name, fn in fns.items()}


#: Full passes over main memory of a batch much larger than the cache, for each version; each value holds the
#: number of reads, the number of writes and a description of the steps.
MEMORY_PASSES = {
    "textbook formula": (3, 2, "exp (read, write), sum (read), divide (read, write)"),
    "shifted formula (SciPy)": (5, 3, "max, subtract, exp, sum, divide: each a full pass, 3 temporaries"),
    "online softmax (fused)": (2, 1, "running max and rescaled sum (read), then normalise (read, write)"),
    "helpers.softmax (blocked)": (1, 1, "each block of rows read once, worked on in cache, written once"),
}


def memory_table():
    """:data:`MEMORY_PASSES` as aligned text, one version per line.

    >>> print(memory_table().splitlines()[0])
    version                     reads  writes  how
    """
    lines = [f"{'version':28s}{'reads':>5s}{'writes':>8s}  how"]
    lines += [f"{name:28s}{r:5d}{w:8d}  {how}" for name, (r, w, how) in MEMORY_PASSES.items()]
    return "\n".join(lines)


def round_times(fns, x, repeat=7):
    """Time in seconds of each ``fn(x)`` (name -> function) in each of ``repeat`` rounds, the contenders interleaved
    round by round (so a slow moment of a shared machine hits all of them): name -> array of ``repeat`` times.

    >>> times = round_times({"sum": np.sum, "max": np.max}, np.ones(10), repeat=3)
    >>> sorted(times), times["sum"].shape
    (['max', 'sum'], (3,))
    """
    import time

    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn(x)
            times[name].append(time.perf_counter() - start)
    return {name: np.array(t) for name, t in times.items()}


def median_times(fns, x, repeat=7):
    """Median time in seconds of each ``fn(x)`` (name -> function), the contenders interleaved round by round."""
    return {name: float(np.median(t)) for name, t in round_times(fns, x, repeat).items()}


def exact_sum(values):
    """The exact sum of float64 ``values`` (with fractions) as a double-double ``(hi, lo)``: ``hi`` correctly rounded.

    >>> exact_sum([1.0, 2.0**-60, -1.0])
    (8.673617379884035e-19, 0.0)
    """
    from fractions import Fraction

    total = sum(map(Fraction, np.asarray(values, dtype=np.float64).tolist()), Fraction(0))
    hi = float(total)
    return hi, float(total - Fraction(hi))


def exact_from_sympy(expr, symbols, points, digits=40):
    """Evaluate a SymPy vector ``expr`` at each row of ``points`` with ``digits`` significant digits: a double-double
    ``(hi, lo)`` of shape ``(len(points), len(expr))``, for :func:`ulp_error`.

    >>> import sympy as sp
    >>> a, b = sp.symbols("a b")
    >>> hi, lo = exact_from_sympy([a / 3, b], (a, b), [[1.0, 2.0]])
    >>> float(hi[0, 0]) == 1 / 3, bool(lo[0, 0] != 0)
    (True, True)
    """
    import sympy as sp

    his, los = [], []
    for point in np.atleast_2d(np.asarray(points, dtype=np.float64)):
        # Float(v, digits) keeps every bit of the float64 value; evaluation then carries ``digits`` digits.
        values = [sp.N(sp.sympify(e).subs({s: sp.Float(float(v), digits) for s, v in zip(symbols, point)}), digits)
                  for e in expr]
        hi = [float(v) for v in values]
        his.append(hi)
        los.append([float(sp.N(v - sp.Float(h, digits), digits)) for v, h in zip(values, hi)])
    return np.array(his), np.array(los)
