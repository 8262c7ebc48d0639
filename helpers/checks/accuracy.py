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

import contextlib
import dataclasses
import functools
import io
import math
import weakref
from fractions import Fraction
from typing import Callable

import numpy as np

from helpers.checks._core import LOG_MAX, Case, CheckResult, Spec, close, emit, random_logits, run_check

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
    eps = np.finfo(np.float64).eps
    if close(got, abs(a - b) / eps):
        return ("you divided the gap by machine epsilon, the ulp of 1 only: the ulp of a number doubles at every "
                "power of two, so count the floats instead. " + _ULP_FORMULA)
    if close(got, abs(int(np.float32(a).view(np.int32)) - int(np.float32(b).view(np.int32)))):
        return "you counted float32 steps (int32 bit patterns): the distance counts float64 steps, view(np.int64)"
    top = max(abs(a), abs(b))
    if top > 0 and any(close(got, abs(a - b) / top / unit) for unit in (eps, eps / 2)):
        return ("that is the relative difference |a - b| / max(|a|, |b|) in units of eps (or u), not a count of "
                "floats: neighbours in one binade are 1 apart whatever their size. " + _ULP_FORMULA)
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


def _exact_two_sum(p, q):
    s = p + q
    return np.array([s, float(Fraction(p) + Fraction(q) - Fraction(s))])


_TWO_SUM_FORMULA = (
    "TwoSum: s = p + q; q_virtual = s - p; p_virtual = s - q_virtual; "
    "e = (p - p_virtual) + (q - q_virtual); return s, e"
)


def _two_sum_case(label, p, q):
    return Case(label, (float(p), float(q)), _exact_two_sum(float(p), float(q)),
                "nan or inf for finite inputs: TwoSum only adds and subtracts", _TWO_SUM_FORMULA, ("p", "q"))


def _two_sum_cases():
    big = 2.0**60
    return (
        _two_sum_case("an exact sum", 1.0, 2.0),
        _two_sum_case("a small q lost in a large p", 1e20, 1.0),
        _two_sum_case("a tie rounded to even", 2.0**53, 1.0),
        # Fast2Sum's error is 0 here: the diagnosis names it.
        _two_sum_case("the larger number second (|p| < |q|)", 3.0, 1e20),
        _two_sum_case("0.1 + 0.2, scaled by 2**60", 0.1 * big, 0.2 * big),
        _two_sum_case("a negative sum", -1e20, 3.5),
    )


def _two_sum_diagnose(case, got):
    p, q = case.args
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    s, e = _exact_two_sum(p, q)
    if got[0] != s:
        return ("s must be the rounded float64 sum fl(p + q), exactly: return s = p + q (in float64, not float32) "
                "first, then the error")
    if abs(p) < abs(q) and got[1] == q - (s - p):
        return ("Fast2Sum (e = q - (s - p)) is exact only when the exponent of p is at least that of q (|p| >= |q| "
                "ensures it), and here q is the larger: TwoSum works for any order")
    if e != 0 and got[1] == 0:
        swapped = p - (s - q) == 0  # Fast2Sum with its operands' roles swapped gives 0 here too
        return ("the error came back 0: (p + q) - s is computed in floating point and rounds to 0"
                + (", and so does Fast2Sum with the roles swapped, e = p - (s - q), for |p| > |q|" if swapped else "")
                + "; recover it from the operands instead. " + _TWO_SUM_FORMULA)
    if abs(p) > abs(q) and got[1] == p - (s - q):
        return ("Fast2Sum with the roles swapped: e = p - (s - q) needs |q| >= |p|, the opposite of this case; "
                "Fast2Sum is e = q - (s - p) for |p| >= |q|, and TwoSum works for any order")
    if e != 0 and close(got[1], -e):
        return "the error has the wrong sign: e is what must be added to s to get p + q exactly, e = (p + q) - s"
    q_virtual = s - p
    if got[1] == (p - (s - q)) + (q - q_virtual):
        return ("p_virtual must come from q_virtual: p_virtual = s - q_virtual, not s - q (the formula is not "
                "symmetric in p and q). " + _TWO_SUM_FORMULA)
    # s is exact, so e is wrong by a whole rounding error: never a near miss, whatever the core's tolerance says.
    return case.wrong_hint


def _two_sum_shape(case, got_shape):
    if got_shape == ():
        return "one number came back: return both the rounded sum and its error, as a pair (s, e)"
    return "return a pair (s, e): the rounded sum and its exact rounding error"


_TWO_SUM = Spec("check_two_sum", _two_sum_cases, _two_sum_diagnose, _two_sum_shape)


def check_two_sum(fn: Callable | None) -> CheckResult:
    """Check the reader's ``fn(p, q)``, returning ``(s, e)`` with ``s = fl(p + q)`` and ``p + q = s + e`` exactly.

    The error ``e`` is compared with the exact one (computed with fractions); the operands are large enough that
    ``e`` is of order 1, so an error of 0, the wrong sign, or Fast2Sum applied with ``|p| < |q|`` (or with its
    operands' roles swapped) cannot pass.

    >>> check_two_sum(lambda p, q: (p + q, 0.0)).passed  # doctest: +ELLIPSIS
    ✗ check_two_sum failed on a small q lost in a large p, p = 1e+20, q = 1
    ...
      hint: the error came back 0: (p + q) - s is computed in floating point and rounds to 0, ...
    False
    """
    return run_check(_TWO_SUM, fn)


# --------------------------------------------------------------------------- online softmax


_READ_TWICE = "the chunks were read a second time: one pass updates mu and ell as each chunk arrives"
_KEPT = "earlier chunks were kept in memory: one pass keeps only mu and ell, not list(chunks)"
_NO_ARRAY = "chunks arrive one at a time: loop with `for chunk in chunks`; they are not one array"


class ChunkStream:
    """The scores of a case, handed out one chunk at a time and only once, as data streaming from memory.

    A second loop over the chunks raises (a two-pass softmax cannot read the scores again), and so does keeping
    the chunks already read (``list(chunks)``): at most two of the chunks handed out may still be alive.
    The copy the reader's function gets is open (it is not an array) until the function returns (:meth:`close`);
    the case's own stream is closed, an array of the scores, for the feedback.
    """

    def __init__(self, chunks, closed=True):
        self.chunks = tuple(np.array(c, dtype=np.float64) for c in chunks)
        self._read, self._closed = False, closed

    def __iter__(self):
        if self._read:
            raise RuntimeError(_READ_TWICE)
        self._read = True
        return self._handed_out()

    def _handed_out(self):
        given = []
        for chunk in self.chunks:
            self._check_kept(given)
            fresh = chunk.copy()
            given.append(weakref.ref(fresh))
            yield fresh
            del fresh  # hold no reference while the reader works on the next chunk
        self._check_kept(given)

    @staticmethod
    def _check_kept(given):
        # The current chunk and one more (a first chunk kept to start the running values) may still be held.
        if sum(ref() is not None for ref in given) > 2:
            raise RuntimeError(_KEPT)

    def close(self):
        self._closed = True

    def scores(self):
        return np.concatenate(self.chunks)

    def __array__(self, dtype=None, copy=None):
        if not self._closed:
            raise TypeError(_NO_ARRAY)
        return self.scores() if dtype is None else self.scores().astype(dtype)

    def __deepcopy__(self, memo):
        return ChunkStream(self.chunks, closed=False)  # unread and open: every call gets the stream afresh

    def __eq__(self, other):
        return isinstance(other, ChunkStream) and len(self.chunks) == len(other.chunks) and all(
            np.array_equal(a, b) for a, b in zip(self.chunks, other.chunks))

    __hash__ = None


_STREAM_HINTS = {
    _READ_TWICE: "one pass: update mu and ell inside a single `for chunk in chunks` loop; a max first and a sum "
                 "after (two loops, or sum(...) after max(...)) reads the scores twice",
    _KEPT: "keep only mu and ell from one chunk to the next: list(chunks), or appending each chunk, holds every "
           "chunk in memory",
    _NO_ARRAY: "chunks is a stream, not an array: loop `for chunk in chunks` and apply np.max and np.exp to each chunk",
}


def _stream_explained(result):
    """A stream the reader's function used as it cannot be used raises the stream's own message: say how to fix it."""
    for message, hint in _STREAM_HINTS.items():
        if message in result.feedback:
            lines = [line for line in result.messages if not line.startswith("  hint:")]
            return dataclasses.replace(result, messages=(*lines, f"  hint: {hint}"))
    return result


def _one_pass(fn):
    """Call ``fn`` with a fresh stream, then close the stream, so the core can show and compare it."""
    if not callable(fn):
        return fn

    @functools.wraps(fn)
    def reading_once(chunks):
        try:
            return fn(chunks)
        finally:
            chunks.close()

    return reading_once


def _normaliser(z):
    mu = float(np.max(z))
    return np.array([mu, math.fsum(np.exp(z - mu))])


def _model(chunks, start, chunk_max, rescale=True, inverted=False):
    """``(mu, ell)`` of a running maximum and sum that starts at ``start`` and takes ``chunk_max(chunk)``."""
    mu, ell = start, 0.0
    with np.errstate(all="ignore"):  # a model overflows where the mistake it models does
        for chunk in chunks:
            new = max(mu, chunk_max(chunk))
            factor = np.exp(new - mu) if inverted else np.exp(mu - new)
            ell = (ell * factor if rescale and mu > -np.inf else ell) + float(np.sum(np.exp(chunk - new)))
            mu = new
    return np.array([mu, ell])


_ONLINE_FORMULA = (
    "start from mu = -inf and ell = 0; for each chunk: mu_new = max(mu, max(chunk)); "
    "ell = ell * exp(mu - mu_new) + sum(exp(chunk - mu_new)); mu = mu_new; return mu, ell"
)


def _online_case(label, chunks, hint=_ONLINE_FORMULA):
    stream = ChunkStream(chunks)
    return Case(label, (stream,), _normaliser(stream.scores()), "nan or inf: subtract the updated running max "
                "mu_new from every score before exp, and rescale the old sum by exp(mu_old - mu_new), which is <= 1 "
                "(exp(mu_new - mu_old), or a ratio of two exps, overflows)", hint, ("chunks",))


def _online_cases():
    return (
        _online_case("increasing scores, chunks of 3 (the max grows every chunk)", [[0, 1, 2], [3, 4, 5], [6, 7]]),
        _online_case("ordinary random scores, chunks of 4 (last chunk shorter)",
                     np.split(random_logits((10,), seed=6), [4, 8])),
        _online_case("large scores, chunks of 2", [[1000.0, 1002.0], [1001.0, 1003.0], [999.0]]),
        _online_case("decreasing scores, one score per chunk", [[3.0], [1.0], [0.5], [-2.0]]),
        _online_case("all scores negative, chunks of 2", [[-1000.0, -1002.0], [-999.5, -1003.0]]),
        _online_case("a chunk whose max is not its first score", [[2.0, 1.0, 3.0], [0.0, 900.0, 1.5]]),
        _online_case("one chunk", [[0.5, -1.0, 2.0]]),
    )


def _online_diagnose(case, got):
    chunks = case.args[0].chunks
    z = np.concatenate(chunks)
    mu, ell = case.expected
    if not close(got[0], mu):
        if close(got[::-1], case.expected):
            return "mu and ell came back swapped: return the pair in the order (mu, ell)"
        if z.max() < 0 and got[0] == 0:
            return ("mu came back 0 for scores that are all negative: a running maximum that starts at 0 is "
                    "max(0, max(z)), not the maximum; start from mu = -inf")
        if close(got[0], _model(chunks, -np.inf, lambda c: c[0])[0]):
            return "a chunk's maximum is not its first score: take max(chunk), wherever it sits in the chunk"
        if len(chunks) > 1 and close(got[0], chunks[0].max()):
            return "mu stayed at the first chunk's maximum: update mu = max(mu, max(chunk)) for every chunk"
        return "mu must be the largest score of all the chunks: mu = max(mu, max(chunk)) for every chunk"
    if not np.isfinite(got[1]):
        return case.nonfinite_hint
    if close(got[1], _model(chunks, -np.inf, np.max, rescale=False)[1]):
        return ("the running sum was not rescaled when the max grew: terms added before were computed with the old "
                "max, so multiply ell by exp(mu_old - mu_new) first. " + _ONLINE_FORMULA)
    if close(got[1], _model(chunks, -np.inf, np.max, inverted=True)[1]):
        return "the rescaling factor is upside down: multiply the old sum by exp(mu_old - mu_new), which is <= 1"
    if len(chunks) > 1 and close(got[1], ell + math.fsum(np.exp(chunks[0] - mu))):
        return ("the first chunk was counted twice: after starting mu and ell from it, skip it in the loop (or start "
                "from mu = -inf, ell = 0 and let the loop take every chunk once)")
    if close(got[1], np.log(ell)):
        return "ell came back as log(ell): return the running sum itself, sum(exp(z - mu))"
    if z.max() < LOG_MAX and close(got[1], np.exp(z).sum()):
        return "ell must be the sum of exp(z - mu), shifted by the running maximum, not of exp(z)"
    return None


def _online_shape(case, got_shape):
    n = sum(len(c) for c in case.args[0].chunks)
    if got_shape == (n,):
        return (f"{n} values came back, one per score: return only the pair (mu, ell); the softmax is then "
                "exp(z - mu) / ell, in one more pass")
    return "return the pair (mu, ell): the running maximum and the running sum after the last chunk"


_ONLINE = Spec("check_online_softmax", _online_cases, _online_diagnose, _online_shape)


def check_online_softmax(fn: Callable | None) -> CheckResult:
    """Check the reader's ``fn(chunks)``: one pass over a stream of chunks, returning ``(mu, ell)``.

    ``mu`` is the maximum of the scores and ``ell = sum(exp(z - mu))``, the normaliser of the softmax.  The check
    hands the chunks out as a ``ChunkStream``, which can be read only once and only chunk by chunk, so a
    two-pass softmax (one loop for the max, another for the sum, or ``list(chunks)`` first) fails.  Cases: the max
    growing every chunk, random scores with a shorter last chunk, large scores, one score per chunk, all-negative
    scores (a running max that starts at 0 fails), a chunk whose max is not its first score, and one chunk.  The
    hint names a running sum that is not rescaled or rescaled by the inverted factor, a running max that starts at
    0, a chunk's first score taken as its max, and log(ell) or an unshifted sum returned.

    >>> def one_pass(chunks):
    ...     mu, ell = -np.inf, 0.0
    ...     for chunk in chunks:
    ...         new = max(mu, chunk.max())
    ...         mu, ell = new, ell * np.exp(mu - new) + np.exp(chunk - new).sum()
    ...     return mu, ell
    >>> check_online_softmax(one_pass).passed
    ✓ check_online_softmax: all 8 checks passed
    True
    """
    with contextlib.redirect_stdout(io.StringIO()):
        result = _stream_explained(run_check(_ONLINE, _one_pass(fn)))
    emit(result.messages)
    return result
