"""Self-check for chapter 2's log-softmax exercise: :func:`check_log_softmax`.

Each input isolates one family of mistakes (see the chapter's mistake museum): the log of a softmax that
underflows, no shift, a shift by ``max(0, max(x))``, a maximum or log-sum-exp over the whole batch, the wrong axis,
returning softmax or the log-sum-exp itself, forgetting the log-sum-exp, clipping the probability.

>>> from helpers.numerics import log_softmax
>>> check_log_softmax(log_softmax).passed
✓ check_log_softmax: all 9 checks passed
True
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from helpers import numerics
from helpers.checks._core import ATOL, LOG_MAX, PER_ROW, RTOL, Case, CheckResult, Spec, fmt, run_check

__all__ = ["check_log_softmax"]

_FORMULA = (
    "the values differ from log-softmax: compute m = max(x) per row, then "
    "x - m - log(sum(exp(x - m))), per row"
)
_LOG_OF_SOFTMAX = (
    "log(softmax(x)) is -inf where a probability underflows to 0: use x - m - log(sum(exp(x - m))), m = max(x)"
)


_NOT_THE_MAX = (
    "inf or nan when the scores are spread far apart: the shift must be the maximum (not the mean or the "
    "minimum), so that every exponent is at most 0 and exp cannot overflow"
)


def _case(label, x, nonfinite_hint):
    x = np.asarray(x, dtype=np.float64)
    return Case(label, (x,), numerics.log_softmax(x), nonfinite_hint, _FORMULA)


def _cases():
    ordinary = (
        "nan or inf for ordinary scores: a log of 0 or of a negative number? "
        "The shift goes inside exp: exp(x - max(x)), not exp(x) - max(x)"
    )
    return (
        # Wrong formulas show here: softmax itself, x - max(x), a sign error, log10.
        _case("a small vector", [1.0, 2.0, 3.0], ordinary),
        # Not square, so an answer along axis 0 cannot pass; the rows differ, so a whole-batch LSE shows.
        _case("a batch of rows", [[1.0, 2.0, 3.0, 4.0], [0.5, 0.5, 0.5, 0.5], [-1.0, 5.0, 2.0, 0.25]], ordinary),
        # Ordinary non-integer scores, fixed so a failure can be reproduced from the printed input.
        _case("random scores", [[0.3141, -2.7183, 1.4142, 0.5772], [2.2361, -0.6931, -1.7321, 3.0]], ordinary),
        # exp overflows above about 709.78: log(sum(exp(x))) without a shift is inf.
        _case(
            "large values",
            [1000.0, 1001.0, 1002.0],
            "nan or -inf for large inputs: exp(x) overflows (above "
            f"{LOG_MAX:.2f}), so subtract the max before exponentiating",
        ),
        # Every exp underflows to 0: log(0) = -inf unless the shift is max(x) itself.
        _case(
            "an all-negative row (max(x) < 0)",
            [-1000.0, -1001.0, -1002.0],
            "inf or nan for an all-negative row: exp(x) underflows to 0 and log(0) = -inf. Shifting by "
            "max(0, max(x)) (or by 0) is not enough: subtract max(x) itself",
        ),
        # A max over the whole batch pushes the low row to exp(-1000) = 0, and log(0) = -inf.
        _case(
            "rows at different scales",
            [[0.5, 0.0, -0.5], [-1000.0, -1001.0, -1002.0]],
            "a row far below the batch maximum gave inf or nan: the max must be taken per row, not over the "
            "whole batch (np.max(x, axis=-1, keepdims=True))",
        ),
        # The lower probability is about exp(-800), below the smallest float64: its log is -inf.
        _case("a wide gap", [0.0, -800.0, -5.0], _LOG_OF_SOFTMAX),
        # A shift by the mean or the minimum leaves exp(800), which overflows: only the max is safe.
        _case("widely spread values", [-800.0, 0.0, 800.0], _NOT_THE_MAX),
    )


# --------------------------------------------------------------------------- mistakes, as learners write them


def _stable_log_softmax(x, axis):
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def _shifted_by(x, m):
    return x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def _shift_hint(names):
    shift = " or the ".join({"mean": "mean", "min": "minimum"}[n] for n in names)
    return (f"you shifted by the {shift}, and exp(x - shift) overflows for scores far above it: shift by the "
            "maximum, m = max(x), so every exponent is at most 0")


def _mistakes(x):
    """(model of a mistake, what to tell the learner), in the order they are tried."""
    yield numerics.softmax(x), "you returned softmax(x), not its logarithm"
    yield np.log(numerics.softmax(x)), _LOG_OF_SOFTMAX
    yield x - x.max(axis=-1, keepdims=True), (
        "you subtracted only the max: log-softmax also subtracts log(sum(exp(x - max(x)))), "
        "the log of the normaliser"
    )
    yield -numerics.log_softmax(x), "wrong sign: log-probabilities are at most 0, log softmax(x) = x - logsumexp(x)"
    yield numerics.log_softmax(x) / np.log(10), "you used log10: the natural logarithm (np.log) is meant"
    # A shift by the mean and one by the minimum can give the same -inf: name every shift that explains the answer.
    shifts = {name: _shifted_by(x, getattr(np, name)(x, axis=-1, keepdims=True)) for name in ("mean", "min")}
    for name, model in shifts.items():
        yield model, _shift_hint([n for n, other in shifts.items() if _same(model, other)])
    shifted_after = np.exp(x) - x.max(axis=-1, keepdims=True)
    yield np.log(shifted_after / shifted_after.sum(axis=-1, keepdims=True)), (
        "shift applied after exp (log of a negative number is nan): write exp(x - max(x)), not exp(x) - max(x)"
    )
    if x.ndim == 2:
        yield _stable_log_softmax(x, None), f"log-sum-exp over the whole batch, not per row: {PER_ROW}"
        yield _stable_log_softmax(x, 0), (
            "normalised along the wrong axis: log-softmax is over the last axis, use axis=-1 (not 0)"
        )


# log(1e-2): no one floors a probability above 1e-2, so a higher level is no clip (the 0.999 spares rounding).
_HIGHEST_LOG_FLOOR = 0.999 * np.log(1e-2)


def _same(got, model):
    """Equal, with nan and inf in the same places (how a mistake's model is recognised).  A model that is nan
    everywhere recognises nothing: every overflow ends there (the shift after exp on large values, say)."""
    model = np.asarray(model, dtype=np.float64)
    if got.shape != model.shape or np.isnan(model).all():
        return False
    with np.errstate(all="ignore"):
        return bool(np.allclose(got, model, rtol=RTOL, atol=ATOL, equal_nan=True))


def _diagnose(case, got):
    """Name the mistake from a wrong (right-shaped) answer."""
    (x,) = case.args
    with np.errstate(all="ignore"):
        for model, hint in _mistakes(x):
            if _same(got, model):
                return hint
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    if (got > ATOL).any():
        return "a log-probability is positive: log softmax(x) = x - logsumexp(x) is at most 0"
    wrong = ~np.isclose(got, case.expected, rtol=RTOL, atol=ATOL)
    floor = got[wrong]  # never empty: got is not close to the reference
    if floor[0] <= _HIGHEST_LOG_FLOOR and np.all(floor > case.expected[wrong]) and np.allclose(floor, floor[0]):
        return (
            f"the log-probabilities that should be far below stop at {fmt(floor[0], 4)}: clipping the "
            f"probability (log(max(p, {np.exp(floor[0]):.2g}))) hides the -inf but changes the answer; "
            "compute x - max(x) - log(sum(exp(x - max(x)))) instead"
        )
    return case.wrong_hint


def _diagnose_shape(case, got_shape):
    x_shape = case.expected.shape
    if got_shape in (x_shape[:-1], x_shape[:-1] + (1,)):
        return "wrong output shape: you returned the log-sum-exp; subtract it from x (x - logsumexp(x))"
    if got_shape == x_shape[::-1]:
        return "wrong output shape: the output is transposed; keep the shape of x"
    return "wrong output shape: log-softmax gives one value per score, so the output has the shape of x"


_SPEC = Spec("check_log_softmax", _cases, _diagnose, _diagnose_shape)


def check_log_softmax(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(x)``, a log-softmax over the last axis, and print feedback.

    .. math:: \log \operatorname{softmax}(x)_i = x_i - m - \log \sum_j e^{x_j - m}, \qquad m = \max_j x_j

    ``fn`` is called with one float64 array at a time: a small vector, a 3x4 batch, random scores, large values
    (exp overflows above 709.78), an all-negative row (exp underflows), a batch whose rows differ by 1000, and a
    wide gap (``[0, -800, -5]``, where ``np.log(softmax(x))`` is ``-inf``) and widely spread values (``[-800, 0, 800]``,
    where a shift by the mean or the minimum overflows).  Each answer is compared with
    :func:`helpers.numerics.log_softmax` (``np.allclose``, ``rtol=1e-5``, ``atol=1e-8``); the input must come
    back unchanged.  Checking stops at the first failure; the feedback names the mistake.  Never raises.

    >>> from helpers.numerics import softmax
    >>> check_log_softmax(lambda x: np.log(softmax(x))).passed
    ✗ check_log_softmax failed on a wide gap, x = [0, -800, -5]
      expected [-0.00672, -800, -5.01]
      got      [-0.00672, -inf, -5.01]
      hint: log(softmax(x)) is -inf where a probability underflows to 0: use x - m - log(sum(exp(x - m))), m = max(x)
    False
    """
    return run_check(_SPEC, fn)
