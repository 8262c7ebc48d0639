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

from helpers import numerics
from helpers.checks import check_log_softmax
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
    assert printed.startswith("✓ check_log_softmax: all 8 checks passed")


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
