"""Tests for helpers/checks/softmax.py: check_softmax and check_softmax_temperature.

Right answers (independent implementations: SciPy, math.exp loops, logsumexp, float32; never the checker's own
reference) pass; each known mistake fails on its own case with its own hint.  The mistakes are written the way
learners write them (several are copied from the two source posts).  The wider corpus of attempts is in
tests/student_attempts/softmax.py.
"""

import contextlib
import io
import math

import numpy as np
import pytest
import scipy.special
from student_attempts.softmax import (  # the same attempts the corpus grades, asserted here hint by hint
    axis_one,
    axis_zero,
    deepnotes_shift_after_exp,
    divide_by_max_times_sum,
    global_max_row_sum,
    mutates_input,
    naive,
    neuralthreads_whole_batch,
    no_keepdims,
    returns_the_sum,
    scipy_softmax,
    scores_over_sum,
    shift_by_max_or_zero,
    shift_by_mean,
    t_global_max,
    t_global_sum,
    t_shift_after_exp,
    t_transposed,
    transposed,
    via_logsumexp,
)

from helpers.checks import check_softmax, check_softmax_temperature

N_CHECKS = 8
N_TEMPERATURE = 8


def run(fn, check=check_softmax):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check(fn)
    return result, out.getvalue()


# --------------------------------------------------------------------------- correct answers (independent)


def math_exp_loop(x):
    """Row by row in Python floats, returned as (nested) lists."""

    def row_softmax(row):
        m = max(row)
        e = [math.exp(v - m) for v in row]
        return [v / math.fsum(e) for v in e]

    rows = np.asarray(x, dtype=float).tolist()
    return row_softmax(rows) if np.ndim(x) == 1 else [row_softmax(r) for r in rows]


def float32_softmax(x):
    return scipy.special.softmax(np.asarray(x, dtype=np.float32), axis=-1)


CORRECT = [scipy_softmax, via_logsumexp, math_exp_loop, float32_softmax]


@pytest.mark.parametrize("fn", CORRECT)
def test_correct_implementations_pass(fn):
    result, printed = run(fn)
    assert result and result.attempted and result.failed_case is None
    assert result.checks_passed == result.checks_total == N_CHECKS
    assert printed == f"✓ check_softmax: all {N_CHECKS} checks passed\n"


def test_half_precision_fails_and_says_so():
    result, printed = run(lambda x: scipy.special.softmax(np.asarray(x, dtype=np.float16), axis=-1).astype(np.float16))
    assert not result
    assert "your answer is a float16 array (half precision)" in printed


def test_an_error_of_one_part_in_ten_thousand_is_rejected():
    """The tolerance separates this from a correct answer (a looser rtol or atol would let it through)."""
    result, printed = run(lambda x: scipy_softmax(x) * (1 + 1e-4 * np.cos(np.arange(np.shape(x)[-1]))))
    assert not result
    assert "close, but not within the tolerance" in printed


def test_a_softmax_off_by_1e4_on_ordinary_scores_only_is_caught_there():
    """Exact on every input that half precision holds exactly, off by 1e-4 elsewhere: the random case catches it."""

    def off_unless_half_exact(x):
        p = scipy_softmax(x)
        return p if np.array_equal(x, x.astype(np.float16)) else p * (1 + 1e-4)

    result, printed = run(off_unless_half_exact)
    assert not result and result.failed_case == "ordinary random scores"
    assert "right proportions but the outputs sum to [1.0001, 1.0001], not 1" in printed


def test_every_ordinary_case_is_not_exact_in_half_precision():
    """Some input must be non-integer; otherwise a float16 computation could pass on exact halves."""
    seen = []
    run(lambda x: seen.append(np.array(x)) or scipy_softmax(x))
    assert any(not np.array_equal(x, x.astype(np.float16)) for x in seen)


def test_some_case_has_rows_far_apart():
    seen = []
    run(lambda x: seen.append(np.array(x)) or scipy_softmax(x))
    gaps = [np.ptp(x.max(axis=-1)) for x in seen if x.ndim == 2]
    assert max(gaps) >= 1000


def test_temperature_cases_hold_non_integer_scores_and_rows_far_apart_at_t_1():
    seen = []
    run(
        lambda x, t: seen.append((np.array(x), float(t))) or scipy.special.softmax(x / t, axis=-1),
        check_softmax_temperature,
    )
    assert any(not np.array_equal(x / t, (x / t).astype(np.float16)) for x, t in seen)
    assert any(x.ndim == 2 and t == 1 and np.ptp(x.max(axis=-1)) >= 1000 for x, t in seen)


# --------------------------------------------------------------------------- the mistake museum


def log_softmax_instead(x):
    return scipy.special.log_softmax(x, axis=-1)


def vector_only(x):
    if x.ndim == 1:
        return scipy_softmax(x)


def needs_axis(x, axis):
    return scipy_softmax(x)


def raises_value_error(x):
    raise ValueError("scores must be positive")


def returns_text(x):
    return "0.09 0.24 0.67"


ROWS_HINT = (
    "rows do not sum to 1 in a batch: reduce with axis=-1, keepdims=True so each row is normalised on its own; "
    "mistake museum (2): max or sum over the whole batch"
)

MISTAKES = [
    # (function, case it must fail on, the last line of its feedback: the hint naming the mistake)
    (
        naive,
        "large values",
        "hint: nan for large inputs: did you subtract the max before exponentiating? (exp overflows above 709.78)",
    ),
    (
        deepnotes_shift_after_exp,
        "a small vector",
        "hint: shift applied after exp: write exp(x - max(x)), not exp(x) - max(x); mistake museum (1): the "
        "shift applied after exp",
    ),
    (
        neuralthreads_whole_batch,
        "a batch of rows",
        "hint: rows do not sum to 1 in a batch: reduce with axis=-1, keepdims=True so each row is normalised "
        "on its own; mistake museum (2): max or sum over the whole batch",
    ),
    (
        global_max_row_sum,
        "rows far apart",
        "hint: a row far below the batch maximum came back as nan: the max must be taken per row, not over "
        "the whole batch (np.max(x, axis=-1, keepdims=True)); mistake museum (2): max or sum over the whole "
        "batch",
    ),
    (
        shift_by_max_or_zero,
        "an all-negative row (max(x) < 0)",
        "hint: shifting by max(0, max(x)) is not enough: for all-negative rows exp still underflows to 0 and "
        '0/0 = nan; subtract max(x) itself; mistake museum (6): "stable" versions that are not',
    ),
    (
        divide_by_max_times_sum,
        "a small vector",
        "hint: right proportions but the outputs sum to 0.333, not 1: divide by the sum alone (dividing by "
        'max * sum or any other factor breaks the normalisation; mistake museum (6): "stable" versions that '
        "are not)",
    ),
    (
        scores_over_sum,
        "a small vector",
        "hint: you normalised the scores themselves: exponentiate first, softmax is exp(x) / sum(exp(x))",
    ),
    (
        shift_by_mean,
        "widely spread values",
        "hint: nan when scores are far apart: subtract the maximum (not the mean or the minimum), so the "
        "largest exponent is 0 and exp cannot overflow",
    ),
    (
        no_keepdims,
        "a batch of rows",
        "hint: shapes (3, 4) and (3,) do not line up: a reduction over the last axis dropped it; reduce with "
        "axis=-1, keepdims=True so each row is normalised on its own",
    ),
    (axis_one, "a small vector", "hint: use axis=-1 (the last axis), so the same code works for a vector and a batch"),
    (
        axis_zero,
        "a batch of rows",
        "hint: the columns sum to 1, not the rows: softmax is over the last axis, use axis=-1 (not 0)",
    ),
    (
        transposed,
        "a batch of rows",
        "hint: wrong output shape: the output is transposed; keep the shape of x (transpose back, or use axis=-1)",
    ),
    (
        returns_the_sum,
        "a small vector",
        "hint: wrong output shape: did you return the sum (or max) instead of dividing by it?",
    ),
    (
        log_softmax_instead,
        "a small vector",
        "hint: these are log-probabilities (log-softmax, or log of the softmax): softmax is their exp, so "
        "return e / e.sum(...) rather than its log",
    ),
    (vector_only, "a batch of rows", "your function returned None for this input: is a `return` missing?"),
    (
        mutates_input,
        "a small vector",
        "hint: input array modified in place: compute into a new array (x = x - m, not x -= m), so the "
        "caller's values are left as they were",
    ),
    (needs_axis, "a small vector", "hint: the check calls fn(x): give any other parameter a default, e.g. axis=-1"),
    (
        raises_value_error,
        "a small vector",
        "hint: run your function on the input above to see the error, and fix the line shown",
    ),
    (returns_text, "a small vector", "your function returned a str, not an array of real numbers"),
]


@pytest.mark.parametrize(("fn", "case", "hint"), MISTAKES, ids=[m[0].__name__ for m in MISTAKES])
def test_each_mistake_fails_with_its_hint(fn, case, hint):
    result, printed = run(fn)
    assert not result and result.attempted
    assert result.failed_case == case
    assert printed.splitlines()[-1] == f"  {hint}"
    assert printed == result.feedback + "\n"
    assert printed.startswith(f"✗ check_softmax failed on {case}")
    assert len(printed.splitlines()) <= 5  # short enough to read under a notebook cell


def squared_softmax(x):
    """softmax(2x), not proportional to softmax(x): a wrong formula no diagnosis knows."""
    p = scipy_softmax(x) ** 2
    return p / p.sum(axis=-1, keepdims=True)


MORE_MISTAKES = [
    (squared_softmax, "hint: the values differ from softmax: compute e = exp(x - max(x)), then e / sum(e), per row"),
    (
        lambda x: scipy_softmax(x) if x.ndim == 1 else np.exp(x).sum(axis=-1),
        "hint: wrong output shape: did you return the sum (or max) instead of dividing by it?",
    ),
    (
        lambda x: scipy_softmax(x)[..., :2],
        "hint: wrong output shape: softmax gives one probability per score, so the output has the shape of x",
    ),
    (
        lambda x: scipy_softmax(x) if x.ndim == 1 else scipy_softmax(x)[:2],
        "hint: wrong output shape: softmax gives one probability per score, so the output has the shape of x",
    ),
    (
        lambda x: scipy_softmax(x) - 0.1,
        "hint: negative probabilities: exp(...) is positive, so check what is subtracted after exp",
    ),
    (
        lambda x: (x == x.max(axis=-1, keepdims=True)).astype(float),
        "hint: a one-hot of the largest score (a hard max): softmax gives every score some probability, exp(x) / sum",
    ),
]


@pytest.mark.parametrize(("fn", "last_line"), MORE_MISTAKES)
def test_more_mistakes_get_their_whole_hint(fn, last_line):
    result, printed = run(fn)
    assert not result and result.attempted
    assert printed.splitlines()[-1] == f"  {last_line}"


def test_failure_shows_rounded_expected_and_got():
    _, printed = run(naive)
    lines = printed.splitlines()
    assert lines[0] == "✗ check_softmax failed on large values, x = [1000, 1001, 1002]"
    assert lines[1:3] == ["  expected [0.09, 0.245, 0.665]", "  got      [nan, nan, nan]"]


def test_batch_failure_shows_the_wrong_row_only():
    _, printed = run(global_max_row_sum)
    assert "row 1: expected [0.665, 0.245, 0.09]" in printed
    assert "got      [nan, nan, nan]" in printed
    assert "row 0" not in printed


def test_checks_passed_counts_the_cases_before_the_failure():
    assert run(naive)[0].checks_passed == 3  # vector, batch and random scores are fine, large values are not
    assert run(shift_by_max_or_zero)[0].checks_passed == 4
    assert run(mutates_input)[0].checks_passed == N_CHECKS - 1  # only "leaves its input unchanged" fails


def test_a_mutating_function_does_not_spoil_the_next_check():
    run(mutates_input)
    assert run(scipy_softmax)[0]


def test_doctest_stub_of_chapter_1_is_not_attempted():
    def my_softmax(x):
        x = np.asarray(x, dtype=float)
        ...  # your code here: return an array of the same shape as x

    result, printed = run(my_softmax)
    assert not result.attempted
    assert printed == "check_softmax: not attempted yet\n  fill in the function body and run this cell again\n"


# --------------------------------------------------------------------------- check_softmax_temperature


def stable_temperature(x, t):
    """Shift first: (x - max(x)) / t is at most 0 for every t > 0 (and may be -inf, whose exp is 0)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore"):
        scaled = (x - x.max(axis=-1, keepdims=True)) / t
    return np.exp(scaled - scipy.special.logsumexp(scaled, axis=-1, keepdims=True))


def loop_temperature(x, t):
    rows = np.atleast_2d(np.asarray(x, dtype=float)).tolist()
    out = []
    for row in rows:
        m = max(row)
        e = [math.exp((v - m) / t) for v in row]
        out.append([v / sum(e) for v in e])
    return out[0] if np.ndim(x) == 1 else out


def divide_first(x, t):
    """Right down to t of about 1e-300; below that x / t overflows and inf - inf is NaN."""
    scaled = np.asarray(x, dtype=float) / t
    return np.exp(scaled - scipy.special.logsumexp(scaled, axis=-1, keepdims=True))


@pytest.mark.parametrize(
    "fn",
    [
        stable_temperature,
        loop_temperature,
        lambda x, t: scipy.special.softmax(np.subtract(x, np.max(x, axis=-1, keepdims=True)) / t, axis=-1),
    ],
)
def test_temperature_check_passes_correct_implementations(fn):
    result, printed = run(fn, check_softmax_temperature)
    assert result
    assert printed == f"✓ check_softmax_temperature: all {N_TEMPERATURE} checks passed\n"


def t_scores_over_sum(x, t):
    return (x / t) / np.sum(x / t, axis=-1, keepdims=True)


TEMPERATURE_MISTAKES = [
    (
        divide_first,
        "the smallest temperatures",
        "hint: nan for T = 1e-308: x / T overflows to inf, and inf - inf is nan; shift first, exp((x - max(x)) / T), "
        "whose exponents are at most 0 for every T > 0",
    ),
    (
        lambda x, t: scipy.special.softmax(x / t, axis=-1),
        "the smallest temperatures",
        "hint: nan for T = 1e-308: x / T overflows to inf, and inf - inf is nan; shift first, exp((x - max(x)) / T), "
        "whose exponents are at most 0 for every T > 0",
    ),
    (
        t_shift_after_exp,
        "a small vector at T = 2",
        "hint: shift applied after exp: write exp(x / T - max(x / T)), not exp(x / T) - max(x / T); mistake museum "
        "(1): the shift applied after exp",
    ),
    (
        t_scores_over_sum,
        "a small vector at T = 2",
        "hint: you normalised the scores themselves: exponentiate first, softmax is exp(x / T) / sum(exp(x / T))",
    ),
    (
        lambda x, t: np.exp(x / t) / np.exp(x / t).sum(axis=-1, keepdims=True),
        "a tiny temperature",
        "hint: nan for a small T: x / T is huge, so subtract the maximum before exponentiating, best before dividing: "
        "exp((x - max(x)) / T)",
    ),
    (
        lambda x, t: scipy_softmax(x),
        "a small vector at T = 2",
        "hint: the temperature has no effect: divide the scores by T before the softmax",
    ),
    (
        lambda x, t: scipy_softmax(x * t),
        "a small vector at T = 2",
        "hint: you multiplied by T: softmax(x / T) divides the scores by the temperature",
    ),
    (
        lambda x, t: scipy_softmax(x) / t,
        "a small vector at T = 2",
        "hint: you divided the probabilities by T: divide the scores x by T before exponentiating",
    ),
    (
        t_global_max,
        "rows far apart at T = 1",
        "hint: a row far below the batch maximum came back as nan: the max must be taken per row, not over "
        "the whole batch (np.max(x, axis=-1, keepdims=True)); mistake museum (2): max or sum over the whole "
        "batch",
    ),
    (
        t_global_sum,
        "a batch at T = 0.5",
        "hint: rows do not sum to 1 in a batch: reduce with axis=-1, keepdims=True so each row is normalised "
        "on its own; mistake museum (2): max or sum over the whole batch",
    ),
    (
        t_transposed,
        "a batch at T = 0.5",
        "hint: wrong output shape: the output is transposed; keep the shape of x (transpose back, or use axis=-1)",
    ),
    (
        lambda x, t: stable_temperature(x, t) * 2,
        "a small vector at T = 2",
        "hint: right proportions but the outputs sum to 2, not 1: divide by the sum alone (dividing by max * "
        'sum or any other factor breaks the normalisation; mistake museum (6): "stable" versions that are '
        "not)",
    ),
]


@pytest.mark.parametrize(("fn", "case", "hint"), TEMPERATURE_MISTAKES)
def test_temperature_check_names_each_mistake(fn, case, hint):
    result, printed = run(fn, check_softmax_temperature)
    assert not result and result.attempted
    assert result.failed_case == case
    assert printed.splitlines()[-1] == f"  {hint}"


def test_temperature_failure_names_both_arguments():
    _, printed = run(lambda x, t: scipy_softmax(x), check_softmax_temperature)
    assert printed.splitlines()[:3] == [
        "✗ check_softmax_temperature failed on a small vector at T = 2, x = [1, 2, 3], T = 2",
        "  expected [0.186, 0.307, 0.506]",
        "  got      [0.09, 0.245, 0.665]",
    ]


def test_temperature_formula_hint_is_not_garbled():
    """A wrong formula no diagnosis knows gets the formula itself, with exp and max intact."""
    result, printed = run(lambda x, t: stable_temperature(x, t) ** 2, check_softmax_temperature)
    assert not result
    assert printed.splitlines()[-1] == (
        "  hint: the values differ from softmax(x / T): compute e = exp((x - max(x)) / T), then e / sum(e), per row"
    )


def test_temperature_near_miss_is_rejected():
    result, printed = run(lambda x, t: stable_temperature(x, t) * (1 + 1e-4), check_softmax_temperature)
    assert not result


def test_temperature_stub_is_not_attempted():
    def stub(x, t): ...

    result, printed = run(stub, check_softmax_temperature)
    assert not result and not result.attempted
    assert "not attempted yet" in printed


# --------------------------------------------------------------------------- the inputs the docstrings promise


def _inputs(check, fn):
    """The (label of the case, arguments) the check calls ``fn`` with, recorded by a correct spy."""
    seen = []

    def spy(*args):
        seen.append(tuple(np.asarray(a).tolist() for a in args))
        return fn(*args)

    run(spy, check)
    return seen


def test_check_softmax_calls_with_the_documented_inputs():
    assert _inputs(check_softmax, scipy_softmax) == [
        ([1.0, 2.0, 3.0],),
        ([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [-1.0, 5.0, 2.0, 0.5]],),
        ([[1.0368, 2.4649, 0.9913, -3.9095, 2.7161], [1.3391, -1.6109, 1.7434, 1.0937, 0.8824]],),
        ([1000.0, 1001.0, 1002.0],),
        ([-1000.0, -1001.0, -1002.0],),
        ([[1.0, 2.0, 3.0], [-1000.0, -1001.0, -1002.0]],),
        ([-800.0, 0.0, 800.0],),
    ]


def test_check_softmax_temperature_calls_with_the_documented_inputs():
    assert _inputs(check_softmax_temperature, stable_temperature) == [
        ([1.0, 2.0, 3.0], 2.0),
        ([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0]], 0.5),
        ([[0.5672, -1.5682, -1.2392, -7.3244, 5.3991], [3.4325, -0.9763, 2.3214, 0.8436, -1.6615]], 0.7),
        ([1.0, 3.0, 3.0], 0.001),
        ([[1.0, 2.0, 3.0], [-1000.0, -1001.0, -1002.0]], 1.0),
        ([[1.0, 2.0, 3.0], [-1000.0, -1001.0, -1002.0]], 100.0),
        ([1.0, 3.0, 3.0], 1e-308),
    ]


@pytest.mark.parametrize(
    ("check", "fn", "labels"),
    [
        (
            check_softmax,
            lambda x: 0 * x,
            [
                "a small vector",
                "a batch of rows",
                "ordinary random scores",
                "large values",
                "an all-negative row (max(x) < 0)",
                "rows far apart",
                "widely spread values",
            ],
        ),
        (
            check_softmax_temperature,
            lambda x, t: 0 * x,
            [
                "a small vector at T = 2",
                "a batch at T = 0.5",
                "ordinary random scores at T = 0.7",
                "a tiny temperature",
                "rows far apart at T = 1",
                "a large temperature",
                "the smallest temperatures",
            ],
        ),
    ],
)
def test_each_case_is_named_in_the_heading(check, fn, labels):
    """A function right on the first k cases fails on case k + 1, whose label heads the feedback."""
    from helpers.checks.softmax import _softmax_cases, _temperature_cases

    cases = _softmax_cases() if check is check_softmax else _temperature_cases()
    for k, label in enumerate(labels):
        answers = [c.expected for c in cases]

        def right_until_k(*args, k=k, calls=[]):  # noqa: B006 -- counts calls within one check
            calls.append(1)
            return answers[len(calls) - 1] if len(calls) <= k else np.full_like(answers[len(calls) - 1], 0.5)

        result, printed = run(right_until_k, check)
        assert result.failed_case == label
        assert printed.startswith(f"✗ {check.__name__} failed on {label}, ")
