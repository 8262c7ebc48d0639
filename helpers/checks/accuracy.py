"""Self-checks for chapter 6's exercises: :func:`check_ulp_distance`, :func:`check_two_sum` and
:func:`check_online_softmax`.

The tolerance of the core (``rtol=1e-5``) is far coarser than one ulp, so each case is chosen to make every
mistake visible at that tolerance: distances that are counts of floats, TwoSum cases whose rounding error is of
order 1 (the operands are large), online-softmax inputs whose maximum grows from chunk to chunk.

>>> from helpers.accuracy import two_sum
>>> check_two_sum(two_sum).passed
✓ check_two_sum: all 7 checks passed
True
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import numpy as np

from helpers import numerics
from helpers.checks._core import Case, CheckResult, Spec, close, random_logits, run_check

__all__ = ["check_online_softmax", "check_two_sum", "check_ulp_distance"]

# --------------------------------------------------------------------------- ulp distance


def _ordinal(v):
    """Position of a float64 on the number line of floats (-0.0 and 0.0 share position 0)."""
    bits = int(np.float64(v).view(np.int64))
    return bits if bits >= 0 else -(bits & 0x7FFF_FFFF_FFFF_FFFF)


def _distance(a, b):
    return abs(_ordinal(a) - _ordinal(b))


_ULP_FORMULA = "count the floats between a and b: the float64 bit patterns, read as integers, count them"
_NEGATIVE_HINT = (
    "wrong across zero or for negative numbers: a negative float's int64 bit pattern has the sign bit set and "
    "grows away from zero, so map it to -(bits & 0x7FFFFFFFFFFFFFFF) before subtracting (-0.0 and 0.0 are the same "
    "float, distance 0)"
)


def _ulp_case(label, a, b, hint=_ULP_FORMULA):
    return Case(label, (float(a), float(b)), np.array(float(_distance(a, b))), "nan or inf for finite inputs: "
                "is the ulp of 0 involved, or a division by a zero gap?", hint, ("a", "b"))


def _ulp_cases():
    one = 1.0
    below = np.nextafter(one, 0.0)
    return (
        _ulp_case("the same number", one, one),
        _ulp_case("neighbours", one, np.nextafter(one, 2.0)),
        _ulp_case("five steps above 1", one, one + 5 * 2.0**-52),
        _ulp_case("b below a", 2.0, 0.5),
        _ulp_case("across the power of two at 1", np.nextafter(below, 0.0), np.nextafter(one, 2.0)),
        _ulp_case("two negative numbers", -2.0, -1.0, _NEGATIVE_HINT),
        _ulp_case("across zero", -1.0, 1.0, _NEGATIVE_HINT),
        _ulp_case("-0.0 and 0.0", -0.0, 0.0, _NEGATIVE_HINT),
        _ulp_case("the smallest subnormals", -5e-324, 5e-324, _NEGATIVE_HINT),
    )


def _ulp_diagnose(case, got):
    a, b = case.args
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    if got < 0:
        return "a distance is never negative: return abs(...) of the difference (b may lie below a)"
    for end in (a, b):
        if close(got, abs(a - b) / np.spacing(abs(end))):
            return ("you divided the gap by the ulp of one end, but the ulp doubles at every power of two: "
                    "across 1 the steps below are half as wide as those above. " + _ULP_FORMULA)
    if close(got, abs(int(np.float64(a).view(np.int64)) - int(np.float64(b).view(np.int64)))):
        return _NEGATIVE_HINT
    return None


_ULP = Spec("check_ulp_distance", _ulp_cases, _ulp_diagnose)


def check_ulp_distance(fn: Callable | None) -> CheckResult:
    """Check the reader's ``fn(a, b)``: how many float64 steps apart two floats are (0 if equal, never negative).

    Cases: equal numbers, neighbours, across a power of two (where the ulp changes), b below a, negative numbers,
    across zero, -0.0 and 0.0 (distance 0) and the smallest subnormals.  The hint names the mistake: dividing the
    gap by one end's ulp, a signed distance, or the bit patterns of negative floats used as they are.

    >>> check_ulp_distance(lambda a, b: abs(a - b) / np.spacing(a)).passed  # doctest: +ELLIPSIS
    ✗ check_ulp_distance failed on b below a, a = 2, b = 0.5
    ...
      hint: you divided the gap by the ulp of one end, but the ulp doubles at every power of two: ...
    False
    """
    return run_check(_ULP, fn)


# --------------------------------------------------------------------------- TwoSum


def _exact_two_sum(a, b):
    s = a + b
    return np.array([s, float(Fraction(a) + Fraction(b) - Fraction(s))])


_TWO_SUM_FORMULA = (
    "TwoSum: s = a + b; b_virtual = s - a; a_virtual = s - b_virtual; "
    "e = (a - a_virtual) + (b - b_virtual); return s, e"
)


def _two_sum_case(label, a, b):
    return Case(label, (float(a), float(b)), _exact_two_sum(float(a), float(b)),
                "nan or inf for finite inputs: TwoSum only adds and subtracts", _TWO_SUM_FORMULA, ("a", "b"))


def _two_sum_cases():
    big = 2.0**60
    return (
        _two_sum_case("an exact sum", 1.0, 2.0),
        _two_sum_case("a small b lost in a large a", 1e20, 1.0),
        _two_sum_case("a tie rounded to even", 2.0**53, 1.0),
        # Fast2Sum's error is 0 here: the diagnosis names it.
        _two_sum_case("the larger number second (|a| < |b|)", 3.0, 1e20),
        _two_sum_case("0.1 + 0.2, scaled by 2**60", 0.1 * big, 0.2 * big),
        _two_sum_case("a negative sum", -1e20, 3.5),
    )


def _two_sum_diagnose(case, got):
    a, b = case.args
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    s, e = _exact_two_sum(a, b)
    if got[0] != s:
        return ("s must be the rounded float64 sum fl(a + b), exactly: return s = a + b (in float64, not float32) "
                "first, then the error")
    if abs(a) < abs(b) and got[1] == b - (s - a):
        return "Fast2Sum (e = b - (s - a)) is exact only when |a| >= |b|: TwoSum works for any order"
    if e != 0 and got[1] == 0:
        return ("the error came back 0: (a + b) - s is computed in floating point and rounds to 0; recover it "
                "from the operands instead. " + _TWO_SUM_FORMULA)
    if e != 0 and close(got[1], -e):
        return "the error has the wrong sign: e is what must be added to s to get a + b exactly, e = (a + b) - s"
    # s is exact, so e is wrong by a whole rounding error: never a near miss, whatever the core's tolerance says.
    return case.wrong_hint


def _two_sum_shape(case, got_shape):
    if got_shape == ():
        return "one number came back: return both the rounded sum and its error, as a pair (s, e)"
    return "return a pair (s, e): the rounded sum and its exact rounding error"


_TWO_SUM = Spec("check_two_sum", _two_sum_cases, _two_sum_diagnose, _two_sum_shape)


def check_two_sum(fn: Callable | None) -> CheckResult:
    """Check the reader's ``fn(a, b)``, returning ``(s, e)`` with ``s = fl(a + b)`` and ``a + b = s + e`` exactly.

    The error ``e`` is compared with the exact one (computed with fractions); the operands are large enough that
    ``e`` is of order 1, so an error of 0, the wrong sign, or Fast2Sum applied with ``|a| < |b|`` cannot pass.

    >>> check_two_sum(lambda a, b: (a + b, 0.0)).passed  # doctest: +ELLIPSIS
    ✗ check_two_sum failed on a small b lost in a large a, a = 1e+20, b = 1
    ...
      hint: the error came back 0: (a + b) - s is computed in floating point and rounds to 0; ...
    False
    """
    return run_check(_TWO_SUM, fn)


# --------------------------------------------------------------------------- online softmax


def _no_rescale(x, size):
    """The running sum is never rescaled when the max grows."""
    m, total = -np.inf, 0.0
    for start in range(0, len(x), size):
        m = max(m, float(np.max(x[start:start + size])))
        total += float(np.sum(np.exp(x[start:start + size] - m)))
    return np.exp(x - m) / total


def _inverted_rescale(x, size):
    """Rescaled by exp(m_new - m_old) instead of exp(m_old - m_new)."""
    m, total = float(np.max(x[:size])), 0.0  # the first chunk's max: its own factor exp(0) is 1 either way
    for start in range(0, len(x), size):
        new = max(m, float(np.max(x[start:start + size])))
        total = total * np.exp(new - m) + float(np.sum(np.exp(x[start:start + size] - new)))
        m = new
    return np.exp(x - m) / total


def _written_during_the_pass(x, size):
    """Each chunk's outputs written as it is read, with the running max of that moment, then all divided by the
    final total."""
    m, total, out = float(np.max(x[:size])), 0.0, []  # the first chunk's max, as in _inverted_rescale
    for start in range(0, len(x), size):
        chunk = x[start:start + size]
        new = max(m, float(np.max(chunk)))
        total = total * np.exp(m - new) + float(np.sum(np.exp(chunk - new)))
        out.append(np.exp(chunk - new))
        m = new
    return np.concatenate(out) / total


_ONLINE_FORMULA = (
    "for each chunk: m_new = max(m, max(chunk)); total = total * exp(m - m_new) + sum(exp(chunk - m_new)); "
    "m = m_new; at the end return exp(x - m) / total"
)


def _online_case(label, x, size, hint=_ONLINE_FORMULA):
    x = np.asarray(x, dtype=np.float64)
    return Case(label, (x, size), numerics.softmax(x), "nan or inf: is exp applied to a score before the running "
                "max is subtracted, or the running sum rescaled by exp(m_new - m) (which overflows)?",
                hint, ("x", "chunk_size"))


def _online_cases():
    return (
        _online_case("increasing scores, chunks of 3 (the max grows every chunk)", np.arange(8.0), 3),
        _online_case("ordinary random scores, chunks of 4 (last chunk shorter)", random_logits((10,), seed=6), 4),
        _online_case("large scores, chunks of 2", [1000.0, 1002.0, 1001.0, 1003.0, 999.0], 2),
        _online_case("decreasing scores, one score per chunk", [3.0, 1.0, 0.5, -2.0], 1),
        _online_case("one chunk larger than x", [0.5, -1.0, 2.0], 10),
    )


def _online_diagnose(case, got):
    x, size = case.args
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    if close(got, _no_rescale(x, size)):
        return ("the running sum was not rescaled when the max grew: terms added before were computed with the old "
                "max, so multiply the sum by exp(m_old - m_new) first. " + _ONLINE_FORMULA)
    if close(got, _inverted_rescale(x, size)):
        return "the rescaling factor is upside down: multiply the old sum by exp(m_old - m_new), which is <= 1"
    if close(got, _written_during_the_pass(x, size)):
        return ("the outputs were written chunk by chunk, each with the max known at that moment, so the earlier "
                "ones were never rescaled: finish the pass first (the final m and total), then return "
                "exp(x - m) / total for every score")
    if not np.isclose(got.sum(), 1.0) and close(got / got.sum(), case.expected):
        return "right proportions but the outputs do not sum to 1: divide by the final running sum"
    return None


_ONLINE = Spec("check_online_softmax", _online_cases, _online_diagnose)


def check_online_softmax(fn: Callable | None) -> CheckResult:
    """Check the reader's ``fn(x, chunk_size)``: the softmax of the 1-D ``x``, read in chunks of ``chunk_size``.

    Compared with :func:`helpers.numerics.softmax` on increasing scores (the max grows every chunk), random
    scores with a shorter last chunk, large scores, one score per chunk and one chunk larger than ``x``.  The hint
    names a running sum that is not rescaled or rescaled by the inverted factor, outputs written before the pass
    ends, and outputs that do not sum to 1.

    >>> check_online_softmax(numerics.online_softmax).passed
    ✓ check_online_softmax: all 6 checks passed
    True
    """
    return run_check(_ONLINE, fn)
