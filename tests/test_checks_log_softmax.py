"""check_log_softmax: its reference answers agree with SciPy, it passes right answers, fails each mistake of the
chapter's museum on the input meant for it with a hint that names the mistake, and never raises.

The student-attempt corpus (tests/student_attempts/log_softmax.py) holds many more learner-style attempts; here the
checker's own contract is tested.
"""

import contextlib
import io

import numpy as np
import pytest
import scipy.special
from snapshots import assert_snapshot

from helpers import numerics
from helpers.checks import check_log_softmax
from helpers.checks import log_softmax as log_softmax_checks
from helpers.checks.log_softmax import _cases


def _run(fn):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check_log_softmax(fn)
    return result, out.getvalue()


def test_every_expected_answer_agrees_with_scipy():
    for case in _cases():
        (x,) = case.args
        reference = scipy.special.log_softmax(x, axis=-1)
        assert np.all(np.isfinite(case.expected)), case.label
        np.testing.assert_allclose(case.expected, reference, rtol=1e-12, atol=1e-12, err_msg=case.label)


def test_the_cases_include_the_inputs_that_separate_the_mistakes():
    labels = {case.label: case.args[0] for case in _cases()}
    wide = labels["a wide gap"]
    with np.errstate(divide="ignore"):
        assert np.isneginf(np.log(numerics.softmax(wide))).any(), "log(softmax) must fail on the wide gap"
    assert np.all(labels["an all-negative row (max(x) < 0)"] < -745), "exp must underflow on the negative row"
    batch = labels["a batch of rows"]
    assert batch.ndim == 2 and batch.shape[0] != batch.shape[1], "a square batch hides the axis mistake"


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: scipy.special.log_softmax(x, axis=-1),
        lambda x: x - scipy.special.logsumexp(x, axis=-1, keepdims=True),
        lambda x: numerics.log_softmax(x).tolist(),
    ],
    ids=["scipy log_softmax", "x - scipy logsumexp", "a list"],
)
def test_right_answers_pass(fn):
    result, printed = _run(fn)
    assert result.passed and result.attempted
    assert printed.startswith("✓ check_log_softmax: all 9 checks passed")


def _log_of_softmax(x):
    return np.log(numerics.softmax(x))


def _no_shift(x):
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def _max_or_zero(x):
    m = np.maximum(0.0, x.max(axis=-1, keepdims=True))
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def _global_max(x):
    m = x.max()
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def _axis_zero(x):
    return scipy.special.log_softmax(x, axis=0)


def _clipped(x):
    return np.log(np.clip(numerics.softmax(x), 1e-12, None))


@pytest.mark.parametrize(
    "fn, case, words",
    [
        (_log_of_softmax, "a wide gap", "log(softmax(x)) is -inf"),
        (_no_shift, "large values", "subtract the max"),
        (_max_or_zero, "an all-negative row (max(x) < 0)", "max(0, max(x))"),
        (_global_max, "rows at different scales", "per row, not over the whole batch"),
        (_axis_zero, "a batch of rows", "wrong axis"),
        (_clipped, "a wide gap", "clipping"),
        (lambda x: numerics.softmax(x), "a small vector", "not its logarithm"),
        (lambda x: x - x.max(axis=-1, keepdims=True), "a small vector", "subtracted only the max"),
        (lambda x: scipy.special.logsumexp(x, axis=-1), "a small vector", "you returned the log-sum-exp"),
    ],
)
def test_each_mistake_fails_on_its_input_with_a_hint_that_names_it(fn, case, words):
    result, printed = _run(fn)
    assert not result.passed and result.attempted
    assert result.failed_case == case, printed
    assert words in printed, printed


def test_clipping_names_the_clip_level():
    _, printed = _run(_clipped)
    assert "-27.63" in printed and "1e-12" in printed


@pytest.mark.parametrize(
    "fn, words",
    [
        (lambda x: "not an array", "not an array of real numbers"),
        (lambda x: 1 / 0, "ZeroDivisionError"),
        (lambda x: [[1, 2], [3]], "could not turn"),
        (lambda x: np.zeros((7, 7)), "wrong output shape"),
        (lambda x, y: x, "fn(x)"),
        (lambda x: x, "a log-probability is positive"),
    ],
)
def test_odd_answers_are_reported_not_raised(fn, words):
    result, printed = _run(fn)
    assert not result.passed and result.attempted
    assert words in printed, printed


def _stub(x):
    ...  # your code here


@pytest.mark.parametrize("stub", [None, ..., _stub])
def test_a_stub_is_not_attempted_yet(stub):
    result, printed = _run(stub)
    assert not result.attempted
    assert "not attempted yet" in printed


def test_a_function_that_changes_its_input_fails_after_the_values_pass():
    def in_place(x):
        x -= x.max(axis=-1, keepdims=True)
        return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))

    result, printed = _run(in_place)
    assert not result.passed and "modified in place" in printed


# --------------------------------------------------------------------------- every case, as a student sees it


def _fails_only(case, spoil):
    """An answer that is right on every case except ``case``, where it returns ``spoil(right answer)``."""

    def answer(x):
        right = scipy.special.log_softmax(x, axis=-1)
        same = np.shape(x) == np.shape(case.args[0]) and np.array_equal(x, case.args[0])
        return spoil(right) if same else right

    return answer


def _half_again(right):
    """Every log-probability 1.5 times too far below 0: no named mistake, no clip, nothing positive."""
    return 1.5 * right


def _nan(right):
    return np.full_like(right, np.nan)


def test_the_feedback_on_each_case_is_the_reviewed_one():
    """For every case, what a student sees when only that case goes wrong: its label, its input as printed, the expected
    values, the count of checks passed, and the case's own hints for a wrong value and for a nan.  Pins the cases
    themselves (a changed label, input or hint shows here) and the hints no corpus attempt reaches."""
    blocks = []
    for i, case in enumerate(_cases()):
        assert case.arg_names == ("x",) and case.args[0].dtype == np.float64
        for spoil in (_half_again, _nan):
            result, printed = _run(_fails_only(case, spoil))
            assert (result.passed, result.attempted, result.failed_case, result.checks_passed,
                    result.checks_total) == (False, True, case.label, i, 9), printed
            blocks.append(f"## {case.label}, {spoil.__name__.strip('_')}\n{printed}")
    assert_snapshot("checks/log_softmax_cases", "\n".join(blocks))


# --------------------------------------------------------------------------- each mistake named on every case


HINTS = {
    "softmax": "you returned softmax(x), not its logarithm",
    "log of softmax": "log(softmax(x)) is -inf where a probability underflows to 0: use x - m - log(sum(exp(x - m))), "
                      "m = max(x)",
    "only the max": "you subtracted only the max: log-softmax also subtracts log(sum(exp(x - max(x)))), the log of the "
                    "normaliser",
    "sign": "wrong sign: log-probabilities are at most 0, log softmax(x) = x - logsumexp(x)",
    "log10": "you used log10: the natural logarithm (np.log) is meant",
    "shift after exp": "shift applied after exp (log of a negative number is nan): write exp(x - max(x)), not exp(x) - "
                       "max(x)",
    "whole batch": "log-sum-exp over the whole batch, not per row: reduce with axis=-1, keepdims=True so each row is "
                   "normalised on its own",
    "axis 0": "normalised along the wrong axis: log-softmax is over the last axis, use axis=-1 (not 0)",
    "shift by the mean": "you shifted by the mean or the minimum, and exp(x - shift) overflows for scores far above "
                         "it: shift by the maximum, m = max(x), so every exponent is at most 0",
    "shift by the min": "you shifted by the minimum, and exp(x - shift) overflows for scores far above it: shift by "
                        "the maximum, m = max(x), so every exponent is at most 0",
}


def _mistakes_by_scipy(x):
    """What each named mistake returns, computed independently with SciPy (nan and inf where the mistake makes them)."""
    with np.errstate(all="ignore"):
        after = np.exp(x) - np.max(x, axis=-1, keepdims=True)
        found = [
            ("softmax", scipy.special.softmax(x, axis=-1)),
            ("log of softmax", np.log(scipy.special.softmax(x, axis=-1))),
            ("only the max", x - np.max(x, axis=-1, keepdims=True)),
            ("sign", -scipy.special.log_softmax(x, axis=-1)),
            ("log10", scipy.special.log_softmax(x, axis=-1) * np.log10(np.e)),
            ("shift after exp", np.log(after) - np.log(after.sum(axis=-1, keepdims=True))),
        ]
        for shift in ("mean", "min"):
            a = getattr(np, shift)(x, axis=-1, keepdims=True)
            found.append((f"shift by the {shift}", x - a - np.log(np.exp(x - a).sum(axis=-1, keepdims=True))))
    if x.ndim == 2:
        found += [("whole batch", x - scipy.special.logsumexp(x)), ("axis 0", scipy.special.log_softmax(x, axis=0))]
    return found


def _same(a, b):
    return bool(np.allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=True))


NAMED = {
    "a small vector": ["softmax", "only the max", "sign", "log10", "shift after exp"],
    "a batch of rows": ["softmax", "only the max", "sign", "log10", "shift after exp", "whole batch", "axis 0"],
    "random scores": ["softmax", "only the max", "sign", "log10", "shift after exp", "whole batch", "axis 0"],
    "large values": ["softmax", "only the max", "sign", "log10"],
    "an all-negative row (max(x) < 0)": ["softmax", "only the max", "sign", "log10", "shift after exp"],
    "rows at different scales": ["softmax", "only the max", "sign", "log10", "shift after exp", "whole batch",
                                 "axis 0"],
    "a wide gap": ["softmax", "log of softmax", "only the max", "sign", "log10", "shift by the min"],
    "widely spread values": ["softmax", "log of softmax", "sign", "log10", "shift by the mean"],
}


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.label)
def test_each_mistake_is_named_on_every_case(case):
    """Large values, a row of -1000s and rows at different scales included: a mistake is recognised wherever a student
    makes it, not only on the first case (where most attempts fail)."""
    seen, named = [], {}
    for words, answer in _mistakes_by_scipy(case.args[0]):
        # nan everywhere (the shift after exp, on large values) is any overflow: the case's own hint speaks for it
        if not np.isnan(answer).all() and not _same(answer, case.expected) and not any(_same(answer, s) for s in seen):
            named[words] = log_softmax_checks._diagnose(case, answer)
        seen.append(answer)
    assert list(named) == NAMED[case.label]
    assert named == {words: HINTS[words] for words in named}


# --------------------------------------------------------------------------- the fallback diagnoses


FORMULA = ("the values differ from log-softmax: compute m = max(x) per row, then x - m - log(sum(exp(x - m))), per "
           "row")
POSITIVE = "a log-probability is positive: log softmax(x) = x - logsumexp(x) is at most 0"


def _clip_hint(stop, floor):
    return (f"the log-probabilities that should be far below stop at {stop}: clipping the probability (log(max(p, "
            f"{floor}))) hides the -inf but changes the answer; compute x - max(x) - log(sum(exp(x - max(x)))) instead")


@pytest.mark.parametrize(("floor", "hint"), [
    (1e-8, _clip_hint("-18.42", "1e-08")),
    (1e-300, _clip_hint("-690.8", "1e-300")),
    (3e-5, _clip_hint("-10.41", "3e-05")),
    (1.2e-5, _clip_hint("-11.33", "1.2e-05")),  # the floor as the student wrote it, not rounded to 1e-05
    (1e-2, _clip_hint("-4.605", "0.01")),
    (0.011, FORMULA),  # above 1e-2: no clip anyone writes
])
def test_a_clipped_probability_is_told_where_it_stops_and_its_floor(floor, hint):
    case = _cases()[6]  # a wide gap: -800 is far below any floor

    def clipped(right):  # only on the wide gap: a floor of 1e-2 changes ordinary answers too
        return np.log(np.maximum(np.exp(right), floor))

    result, printed = _run(_fails_only(case, clipped))
    assert result.failed_case == case.label
    assert printed.endswith(f"  hint: {hint}\n"), printed


SMALL = _cases()[0]  # [1, 2, 3], log-softmax [-2.41, -1.41, -0.41]


@pytest.mark.parametrize(("change", "hint"), [
    ([0.5, 0.5, 0.0], FORMULA),  # raised, but not to one level: no floor
    ([1.0, 0.0, 0.0], FORMULA),  # one entry raised, to -1.41: far above any floor of 1e-2 or below
    ([-3.0, 0.0, 0.0], FORMULA),  # one entry lowered
    ([-0.5, -0.5, 0.0], FORMULA),  # one level, but below the answer: no clip lowers a value
    ([0.0, 0.0, 0.40760596444438 + 2e-8], POSITIVE),  # the top entry raised just above 0: no clip makes that
])
def test_only_values_raised_to_one_level_are_taken_for_a_clip(change, hint):
    assert log_softmax_checks._diagnose(SMALL, SMALL.expected + np.array(change)) == hint


@pytest.mark.parametrize(("top", "hint"), [(2e-8, POSITIVE), (1e-8, FORMULA), (0.0, FORMULA)])
def test_a_log_probability_above_1e_8_is_positive(top, hint):
    """The same wrong values with the largest at 0, 1e-8 (within the tolerance of 0) and 2e-8."""
    got = 1.5 * (SMALL.expected - SMALL.expected.max()) + top
    assert got.max() == top
    assert log_softmax_checks._diagnose(SMALL, got) == hint


def test_nan_where_a_mistake_has_nan_is_that_mistake_and_elsewhere_the_cases_hint():
    with np.errstate(all="ignore"):
        shifted = np.exp(SMALL.args[0]) - 3.0  # exp(x) - max(x): e - 3 < 0
        after = np.log(shifted / shifted.sum())
    assert np.isnan(after[0]) and not np.isnan(after[1:]).any()
    assert log_softmax_checks._diagnose(SMALL, after) == HINTS["shift after exp"]
    assert log_softmax_checks._diagnose(SMALL, np.array([np.nan, -1.0, -2.0])) == SMALL.nonfinite_hint


@pytest.mark.parametrize(("index", "shape", "hint"), [
    (0, (), "wrong output shape: you returned the log-sum-exp; subtract it from x (x - logsumexp(x))"),
    (0, (1,), "wrong output shape: you returned the log-sum-exp; subtract it from x (x - logsumexp(x))"),
    (1, (3,), "wrong output shape: you returned the log-sum-exp; subtract it from x (x - logsumexp(x))"),
    (1, (3, 1), "wrong output shape: you returned the log-sum-exp; subtract it from x (x - logsumexp(x))"),
    (1, (4, 3), "wrong output shape: the output is transposed; keep the shape of x"),
    (1, (1, 3), "wrong output shape: log-softmax gives one value per score, so the output has the shape of x"),
    (1, (4,), "wrong output shape: log-softmax gives one value per score, so the output has the shape of x"),
    (0, (3, 1), "wrong output shape: log-softmax gives one value per score, so the output has the shape of x"),
])
def test_each_wrong_shape_gets_its_own_hint(index, shape, hint):
    assert log_softmax_checks._diagnose_shape(_cases()[index], shape) == hint


def test_the_axis_mistake_is_named_even_for_a_column_far_below_the_others():
    """Normalising each column needs each column's own maximum: with one maximum for the whole batch the column of
    -1000s underflows, and the mistake would go unnamed."""
    case = log_softmax_checks._case("columns far apart", [[0.0, -1000.0, 1.0], [2.0, -1001.0, 0.0]], "")
    assert log_softmax_checks._diagnose(case, scipy.special.log_softmax(case.args[0], axis=0)) == HINTS["axis 0"]


def test_a_level_of_exactly_log_1e_2_is_a_clip():
    """The highest level taken for a clip is 0.999 log(1e-2) itself (the 0.999 spares rounding)."""
    case = _cases()[6]  # a wide gap
    level = log_softmax_checks._HIGHEST_LOG_FLOOR
    got = case.expected.copy()
    got[1] = level
    assert log_softmax_checks._diagnose(case, got) == _clip_hint("-4.601", "0.01")
    got[1] = np.nextafter(level, 0)
    assert log_softmax_checks._diagnose(case, got) == FORMULA
