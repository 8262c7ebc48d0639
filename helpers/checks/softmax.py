"""Self-checks for chapter 1's softmax exercises: :func:`check_softmax` and :func:`check_softmax_temperature`.

Inputs are chosen so that each known mistake (see the book's "mistake museum")
fails on its own case, and the symptom on that case names the mistake.

>>> from helpers.numerics import softmax
>>> check_softmax(softmax).passed
✓ check_softmax: all 8 checks passed
True
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from helpers import numerics
from helpers.checks._core import (
    FAR_APART_ROWS,
    LOG_MAX,
    PER_ROW,
    Case,
    CheckResult,
    Spec,
    close,
    digits_to_differ,
    fmt,
    random_logits,
    run_check,
)

__all__ = ["check_softmax", "check_softmax_temperature"]

_SOFTMAX_FORMULA = "the values differ from softmax: compute e = exp(x - max(x)), then e / sum(e), per row"
_TEMPERATURE_FORMULA = (
    "the values differ from softmax(x / T): compute e = exp((x - max(x)) / T), then e / sum(e), per row"
)


# --------------------------------------------------------------------------- softmax

_ORDINARY = "nan or inf for ordinary inputs: is something divided by zero, or exp applied to a huge number?"
# The book's mistake museum (REFERENCES.md numbers them): named in the hints so a reader can look them up.
_MUSEUM_1 = "mistake museum (1): the shift applied after exp"
_MUSEUM_2 = "mistake museum (2): max or sum over the whole batch"
_MUSEUM_6 = 'mistake museum (6): "stable" versions that are not'
_BATCH_MAX = (
    "a row far below the batch maximum came back as nan: the max must be taken per row, "
    f"not over the whole batch (np.max(x, axis=-1, keepdims=True)); {_MUSEUM_2}"
)


def _softmax_case(label, x, nonfinite_hint=_ORDINARY):
    x = np.asarray(x, dtype=np.float64)
    return Case(label, (x,), numerics.softmax(x), nonfinite_hint, _SOFTMAX_FORMULA)


def _softmax_cases():
    """Each input isolates one family of mistakes (see the book's mistake museum)."""
    return (
        # Catches wrong formulas: shift after exp, x / sum(x), dividing by max * sum, log-softmax.
        _softmax_case("a small vector", [1.0, 2.0, 3.0]),
        # Not square, so a transposed or axis=0 answer cannot pass; one row is uniform.
        _softmax_case("a batch of rows", [[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [-1.0, 5.0, 2.0, 0.5]]),
        # Ordinary non-integer scores: half precision or rounded outputs are off by about 1e-3 here.
        _softmax_case("ordinary random scores", random_logits((2, 5), seed=1)),
        # exp overflows above about 709.78, so the unshifted formula gives inf / inf.
        _softmax_case(
            "large values",
            [1000.0, 1001.0, 1002.0],
            "nan for large inputs: did you subtract the max before exponentiating? "
            f"(exp overflows above {LOG_MAX:.2f})",
        ),
        # max(x) < 0 and exp underflows: a shift by max(0, max(x)) gives 0 / 0.
        _softmax_case(
            "an all-negative row (max(x) < 0)",
            [-1000.0, -1001.0, -1002.0],
            "shifting by max(0, max(x)) is not enough: for all-negative rows exp still underflows "
            f"to 0 and 0/0 = nan; subtract max(x) itself; {_MUSEUM_6}",
        ),
        # A max over the whole batch pushes the low row to exp(-1000) = 0, hence 0 / 0.
        _softmax_case("rows far apart", FAR_APART_ROWS, _BATCH_MAX),
        # Shifting by the mean or the minimum leaves exp(800): only the max is safe.
        _softmax_case(
            "widely spread values",
            [-800.0, 0.0, 800.0],
            "nan when scores are far apart: subtract the maximum (not the mean or the minimum), "
            "so the largest exponent is 0 and exp cannot overflow",
        ),
    )


def _shift_after_exp(x):
    """The deepnotes "stable" softmax: exp(x) - max(x), normalised.  Every softmax case starts with a vector, where
    a per-row and a whole-batch version agree, so one version is enough to recognise the mistake."""
    e = np.exp(x) - np.max(x, axis=-1, keepdims=True)
    return e / np.sum(e, axis=-1, keepdims=True)


def _hardmax(x):
    """A one-hot of the arg max: the "probabilities" of a max, not of a softmax."""
    return (x == np.max(x, axis=-1, keepdims=True)).astype(float)


def _softmax_shape_hint(case, got_shape):
    """Name the mistake from the shape of a wrongly shaped answer."""
    x_shape = np.shape(case.args[0])
    if got_shape == x_shape[:-1]:
        return "wrong output shape: did you return the sum (or max) instead of dividing by it?"
    if len(x_shape) >= 2 and got_shape == x_shape[::-1]:
        return "wrong output shape: the output is transposed; keep the shape of x (transpose back, or use axis=-1)"
    return "wrong output shape: softmax gives one probability per score, so the output has the shape of x"


def _softmax_symptoms(scores, got, expected, nonfinite_hint, what="x"):
    """The mistake behind a wrong softmax of ``scores`` (x, or x / t), from its symptom; None if unknown."""
    if not np.isfinite(got).all():
        return nonfinite_hint
    if close(got, _shift_after_exp(scores)):
        return f"shift applied after exp: write exp({what} - max({what})), not exp({what}) - max({what}); {_MUSEUM_1}"
    if close(got, numerics.log_softmax(scores)):
        return (
            "these are log-probabilities (log-softmax, or log of the softmax): "
            "softmax is their exp, so return e / e.sum(...) rather than its log"
        )
    if close(got, scores / np.sum(scores, axis=-1, keepdims=True)):
        return f"you normalised the scores themselves: exponentiate first, softmax is exp({what}) / sum(exp({what}))"
    # (A wrong answer whose rows all summed to 1 and that were proportional to softmax would be softmax.)
    if got.ndim == 2:
        if close(got.sum(), 1.0):
            return f"rows do not sum to 1 in a batch: {PER_ROW}; {_MUSEUM_2}"
        if close(got.sum(axis=0), np.ones(got.shape[-1])):
            return "the columns sum to 1, not the rows: softmax is over the last axis, use axis=-1 (not 0)"
    sums = got.sum(axis=-1, keepdims=True)
    if close(got / sums, expected):
        total = fmt(sums[..., 0], digits_to_differ(sums, np.ones_like(sums)))
        return (
            f"right proportions but the outputs sum to {total}, not 1: divide by the sum alone "
            f"(dividing by max * sum or any other factor breaks the normalisation; {_MUSEUM_6})"
        )
    if (got < 0).any():
        return "negative probabilities: exp(...) is positive, so check what is subtracted after exp"
    if close(got, _hardmax(scores)):
        return "a one-hot of the largest score (a hard max): softmax gives every score some probability, exp(x) / sum"
    return None


def _softmax_value_hint(case, got):
    """Name the mistake from the symptom of a wrong (right-shaped) answer."""
    (x,) = case.args
    return _softmax_symptoms(x, got, case.expected, case.nonfinite_hint)


_SOFTMAX = Spec("check_softmax", _softmax_cases, _softmax_value_hint, _softmax_shape_hint)


def check_softmax(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(x)``, a softmax over the last axis, and print feedback.

    .. math:: \operatorname{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}}, \qquad m = \max_j x_j

    ``fn`` is called with one float64 array at a time: a small vector, a 3x4
    batch, seeded random non-integer scores, large values (exp overflows above
    709.78), an all-negative row (exp underflows), a batch whose rows differ by
    1000, and widely spread values.  Each answer is compared with
    :func:`helpers.numerics.softmax` (``np.allclose``, ``rtol=1e-5``,
    ``atol=1e-8``: any correct float64 or float32 implementation passes, half
    precision does not); any array-like of real numbers counts, so returning a
    list is fine.  The input must come back unchanged.  Checking stops at the
    first failure, and the hint names the mistake (numbered as in the book's
    mistake museum) or shows how close a near miss came.

    Returns a :class:`CheckResult`, truthy only if all checks pass;
    ``attempted`` is False when ``fn`` is None, ``...``, raises
    NotImplementedError or returns None for the first input.  Never raises.

    >>> from helpers.numerics import softmax
    >>> check_softmax(softmax).passed
    ✓ check_softmax: all 8 checks passed
    True
    >>> naive = lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)
    >>> check_softmax(naive).passed
    ✗ check_softmax failed on large values, x = [1000, 1001, 1002]
      expected [0.09, 0.245, 0.665]
      got      [nan, nan, nan]
      hint: nan for large inputs: did you subtract the max before exponentiating? (exp overflows above 709.78)
    False
    """
    return run_check(_SOFTMAX, fn)


# --------------------------------------------------------------------------- softmax with a temperature


def _temperature_case(label, x, t, nonfinite_hint=_ORDINARY):
    x, t = np.asarray(x, dtype=np.float64), np.float64(t)
    # Shift first: (x - max(x)) / T is finite for every T > 0, where x / T can overflow.
    with np.errstate(over="ignore"):  # (x - max(x)) / T may be -inf: exp(-inf) = 0 is right
        expected = numerics.softmax((x - np.max(x, axis=-1, keepdims=True)) / t)
    return Case(label, (x, t), expected, nonfinite_hint, _TEMPERATURE_FORMULA, ("x", "T"))


def _temperature_cases():
    return (
        _temperature_case("a small vector at T = 2", [1.0, 2.0, 3.0], 2.0),
        # Not square, so a transposed answer cannot pass.
        _temperature_case("a batch at T = 0.5", [[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0]], 0.5),
        _temperature_case("ordinary random scores at T = 0.7", random_logits((2, 5), seed=2), 0.7),
        # x / T reaches 3000: only a shifted formula keeps exp finite.
        _temperature_case(
            "a tiny temperature",
            [1.0, 3.0, 3.0],
            0.001,
            "nan for a small T: x / T is huge, so subtract the maximum before exponentiating, "
            "best before dividing: exp((x - max(x)) / T)",
        ),
        # A max over the whole batch pushes the low row to exp(-1000) = 0, hence 0 / 0.
        _temperature_case("rows far apart at T = 1", FAR_APART_ROWS, 1.0, _BATCH_MAX),
        _temperature_case("a large temperature", FAR_APART_ROWS, 100.0),
        # x / T overflows to inf and inf - inf is nan: only a shift before the division stays finite.
        _temperature_case(
            "the smallest temperatures",
            [1.0, 3.0, 3.0],
            1e-308,
            "nan for T = 1e-308: x / T overflows to inf, and inf - inf is nan; shift first, "
            "exp((x - max(x)) / T), whose exponents are at most 0 for every T > 0",
        ),
    )


def _temperature_value_hint(case, got):
    x, t = case.args
    if not np.isfinite(got).all():
        return case.nonfinite_hint  # before the models below, which are finite
    if close(got, numerics.softmax(x)):
        return "the temperature has no effect: divide the scores by T before the softmax"
    if close(got, numerics.softmax(x * t)):
        return "you multiplied by T: softmax(x / T) divides the scores by the temperature"
    if close(got * t, numerics.softmax(x)):
        return "you divided the probabilities by T: divide the scores x by T before exponentiating"
    with np.errstate(over="ignore"):
        scores = x / t
        if not np.isfinite(scores).all():  # the smallest temperatures: the same mistakes, seen on shifted scores
            scores = (x - np.max(x, axis=-1, keepdims=True)) / t
    return _softmax_symptoms(scores, got, case.expected, None, what="x / T")


_TEMPERATURE = Spec("check_softmax_temperature", _temperature_cases, _temperature_value_hint, _softmax_shape_hint)


def check_softmax_temperature(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(x, T)``, the softmax of ``x / T`` over the last axis, for every ``T > 0``.

    .. math:: \operatorname{softmax}(x / T)_i = \frac{e^{(x_i - x_{\max}) / T}}{\sum_j e^{(x_j - x_{\max}) / T}},
              \qquad T > 0

    Inputs: a vector at ``T = 2``, a batch at ``T = 0.5``, seeded random
    non-integer scores at ``T = 0.7``, scores of order 1 at ``T = 0.001`` (so
    ``x / T`` reaches 3000 and only a shifted formula stays finite), a batch
    whose rows differ by 1000 at ``T = 1`` (a max over the whole batch fails),
    the same batch at ``T = 100``, and ``[1, 3, 3]`` at ``T = 1e-308``, where
    ``x / T`` itself overflows, so only a shift before the division passes.
    Same rules and result as :func:`check_softmax`.

    >>> check_softmax_temperature(lambda x, T: numerics.softmax((x - x.max(-1, keepdims=True)) / T)).passed
    ✓ check_softmax_temperature: all 8 checks passed
    True
    """
    return run_check(_TEMPERATURE, fn)
