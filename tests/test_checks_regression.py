"""Tests for helpers.checks.regression: the references are right, right answers pass, each mistake gets its hint.

The references inside the checkers come from helpers.numerics; here they are recomputed independently with SciPy
and explicit loops, so a wrong reference cannot hide behind a checker that agrees with it.
"""

import contextlib
import io

import numpy as np
import pytest
import scipy.special
from snapshots import assert_snapshot

from helpers.checks import CheckResult, check_bias_gradient, check_l2_gradient, check_tempered_loss, regression


def run(check, fn):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check(fn)
    return result, out.getvalue()


# --------------------------------------------------------------------------- independent references


def scipy_l2_gradient(W, b, X, y, C):
    P = scipy.special.softmax(X @ W + b, axis=1)
    P[np.arange(len(y)), y] -= 1  # P - Y, on a fresh array
    return np.vstack([W + C * X.T @ P, C * P.sum(axis=0)])


def loop_tempered_loss(z, y, t):
    total = 0.0
    for row, label in zip(z, y):
        total -= scipy.special.log_softmax(row / t)[label]
    return total / len(y)


def loop_bias_gradient(z, y):
    m, k = z.shape
    grad = np.zeros(k)
    for row, label in zip(z, y):
        p = scipy.special.softmax(row)
        p[label] -= 1
        grad += p / m
    return grad


@pytest.mark.parametrize(
    ("cases", "reference"),
    [
        (regression._l2_cases, scipy_l2_gradient),
        (regression._tempered_cases, loop_tempered_loss),
        (regression._bias_cases, loop_bias_gradient),
    ],
)
def test_every_case_expects_what_an_independent_computation_gives(cases, reference):
    for case in cases():
        np.testing.assert_allclose(case.expected, reference(*case.args), rtol=1e-12, atol=1e-12)


def test_the_absent_class_cases_really_miss_a_class_and_its_gradient_is_positive():
    for case in regression._bias_cases()[1:]:
        z, y = case.args
        missing = sorted(set(range(z.shape[1])) - set(y.tolist()))
        assert missing
        assert (case.expected[missing] > 0).all()
        np.testing.assert_allclose(case.expected[missing], scipy.special.softmax(z, axis=1)[:, missing].mean(axis=0))


def test_the_small_temperature_case_defeats_the_log_of_a_softmax():
    z, y, t = regression._tempered_cases()[3].args
    with np.errstate(divide="ignore"):
        assert np.isinf(np.log(scipy.special.softmax(z / t, axis=1))[np.arange(len(y)), y]).any()


# --------------------------------------------------------------------------- right answers pass


@pytest.mark.parametrize(
    ("check", "fn"),
    [
        (check_l2_gradient, scipy_l2_gradient),
        (check_tempered_loss, loop_tempered_loss),
        (check_bias_gradient, loop_bias_gradient),
    ],
)
def test_an_independent_correct_answer_passes(check, fn):
    result, printed = run(check, fn)
    assert isinstance(result, CheckResult) and result.passed, printed
    assert printed.startswith("✓")


# --------------------------------------------------------------------------- mistakes get their hints


def _l2(mean=False, bias=False, factor=1.0, sign=1.0, data=True, c_on_penalty=False):
    def gradient(W, b, X, y, C):
        P = scipy.special.softmax(X @ W + b, axis=1)
        P[np.arange(len(y)), y] -= 1
        scale = (1.0 if c_on_penalty else C) / (len(y) if mean else 1)
        top = (C if c_on_penalty else factor) * W + (sign * scale * X.T @ P if data else 0)
        bottom = (b if bias else 0) + (sign * scale * P.sum(axis=0) if data else 0)
        return np.vstack([top, np.broadcast_to(bottom, b.shape)])

    return gradient


@pytest.mark.parametrize(
    ("fn", "words"),
    [
        (_l2(mean=True), "averaged over the examples"),
        (_l2(bias=True), "the bias is penalised"),
        (_l2(factor=2.0), "is W, not 2W"),
        (_l2(factor=0.0), "penalty's gradient W is missing"),
        (_l2(sign=-1.0), "S - Y, not Y - S"),
        (_l2(data=False), "only the penalty's gradient"),
        (_l2(c_on_penalty=True), "C multiplies the loss term, not the penalty"),
        (lambda W, b, X, y, C: scipy_l2_gradient(W, b, X, y, C)[:-1], "stack the bias gradient"),
        (lambda W, b, X, y, C: scipy_l2_gradient(W, b, X, y, C).T, "transposed"),
    ],
)
def test_l2_gradient_mistakes_are_named(fn, words):
    result, printed = run(check_l2_gradient, fn)
    assert result.attempted and not result.passed
    assert words in printed, printed


def test_l2_gradient_without_the_shift_fails_on_the_large_scores_with_a_stability_hint():
    def unshifted(W, b, X, y, C):
        e = np.exp(X @ W + b)
        P = e / e.sum(axis=1, keepdims=True)
        P[np.arange(len(y)), y] -= 1
        return np.vstack([W + C * X.T @ P, C * P.sum(axis=0)])

    result, printed = run(check_l2_gradient, unshifted)
    assert result.failed_case == "large weights (scores of several hundred)"
    assert "stable softmax" in printed


@pytest.mark.parametrize(
    ("fn", "words"),
    [
        (lambda z, y, t: loop_tempered_loss(z, y, 1.0), "the temperature has no effect"),
        (lambda z, y, t: loop_tempered_loss(z * t * t, y, t), "you multiplied by T"),
        (lambda z, y, t: loop_tempered_loss(z, y, 1.0) + np.log(t), "divided the probabilities by T"),
        (lambda z, y, t: loop_tempered_loss(z, y, t) * len(y), "summed over the examples"),
        (lambda z, y, t: loop_tempered_loss(z, y, t) / t, "divided by T afterwards"),
        (lambda z, y, t: [loop_tempered_loss(z[i:i + 1], y[i:i + 1], t) for i in range(len(y))], "return their mean"),
        (
            lambda z, y, t: -np.mean(np.log(scipy.special.softmax(z / t, axis=1)[np.arange(len(y)), y])),
            "log(softmax(z)) underflows",
        ),
        (
            lambda z, y, t: -np.mean(
                np.log(np.clip(scipy.special.softmax(z / t, axis=1), 1e-12, 1)[np.arange(len(y)), y])
            ),
            "floored at 1e-12",
        ),
        (
            lambda z, y, t: -np.mean(np.nan_to_num(np.log(scipy.special.softmax(z / t, axis=1)))[np.arange(len(y)), y]),
            "np.nan_to_num(np.log(p))",
        ),
        (lambda z, y, t: np.mean(scipy.special.log_softmax(z / t, axis=1)[np.arange(len(y)), y]), "sign is wrong"),
    ],
)
def test_tempered_loss_mistakes_are_named(fn, words):
    result, printed = run(check_tempered_loss, fn)
    assert result.attempted and not result.passed
    assert words in printed, printed


@pytest.mark.parametrize(
    ("fn", "words", "case"),
    [
        (lambda z, y: -loop_bias_gradient(z, y), "sign is flipped", "every class present"),
        (lambda z, y: loop_bias_gradient(z, y) * len(y), "divide by m", "every class present"),
        (lambda z, y: scipy.special.softmax(z, axis=1).mean(axis=0), "one-hot targets are missing", None),
        (
            lambda z, y: (scipy.special.softmax(z, axis=1) - np.eye(y.max() + 1)[y]).mean(axis=0),
            "not from the labels",
            "the last class never appears",
        ),
        (
            lambda z, y: (scipy.special.softmax(z, axis=1)
                          - np.eye(z.shape[1])[np.unique(y, return_inverse=True)[1]]).mean(axis=0),
            "np.unique renumbers",
            "class 2 never appears",
        ),
        (lambda z, y: (scipy.special.softmax(z, axis=1) - np.eye(z.shape[1])[y]).mean(axis=1), "axis=0", None),
        (lambda z, y: scipy.special.softmax(z, axis=1) - np.eye(z.shape[1])[y], "one row per example", None),
    ],
)
def test_bias_gradient_mistakes_are_named(fn, words, case):
    result, printed = run(check_bias_gradient, fn)
    assert result.attempted and not result.passed
    assert words in printed, printed
    if case:
        assert result.failed_case == case


# --------------------------------------------------------------------------- stubs and odd answers


def stub_gradient(W, b, X, y, C):
    ...


def stub_tempered(z, y, t):
    pass


def stub_bias(z, y):
    raise NotImplementedError


@pytest.mark.parametrize(
    ("check", "stub"),
    [(check_l2_gradient, stub_gradient), (check_tempered_loss, stub_tempered), (check_bias_gradient, stub_bias)],
)
def test_a_stub_is_not_attempted_and_a_call_result_is_not_a_function(check, stub):
    result, printed = run(check, stub)
    assert not result.attempted and "not attempted yet" in printed
    result, printed = run(check, 0.5)
    assert result.attempted and not result.passed and "needs the function itself" in printed


@pytest.mark.parametrize("check", [check_l2_gradient, check_tempered_loss, check_bias_gradient])
@pytest.mark.parametrize(
    "answer",
    [lambda *a: "0.5", lambda *a: [[1, 2], [3]], lambda *a: 1 / 0, lambda *a: np.full(3, np.nan), lambda *a: None],
)
def test_odd_answers_fail_without_raising(check, answer):
    result, printed = run(check, answer)
    assert isinstance(result, CheckResult) and not result.passed
    assert "could not check" not in printed


# --------------------------------------------------------------------------- what a student sees on each case


def _fails_only(case, reference, spoil):
    """An answer that is right on every case except ``case``, where it returns ``spoil(right answer)``."""

    def answer(*args):
        right = np.asarray(reference(*args), dtype=np.float64)
        same = all(np.array_equal(a, b) for a, b in zip(args, case.args))
        return spoil(right) if same else right

    return answer


def _off_by_half(right):
    return right + 0.5


def _nan(right):
    return np.full_like(right, np.nan)


CHECKS = [
    (check_l2_gradient, regression._l2_cases, scipy_l2_gradient),
    (check_tempered_loss, regression._tempered_cases, loop_tempered_loss),
    (check_bias_gradient, regression._bias_cases, loop_bias_gradient),
]


def test_the_feedback_on_each_case_is_the_reviewed_one():
    """For every case of every checker, what a student sees when only that case goes wrong: the case's label, its
    inputs as printed, the expected values, and the case's own hint for a wrong value and for a nan.  Pins the cases
    themselves (a changed seed, label or input shows here) and the hints that no corpus attempt reaches."""
    blocks = []
    for check, cases, reference in CHECKS:
        for case in cases():
            for spoil in (_off_by_half, _nan):
                result, printed = run(check, _fails_only(case, reference, spoil))
                assert result.failed_case == case.label, printed
                blocks.append(f"## {check.__name__}, {case.label}, {spoil.__name__.strip('_')}\n{printed}")
    assert_snapshot("checks/regression_cases", "\n".join(blocks))


@pytest.mark.parametrize("floor", [1e-7, 1e-8, 1e-10, 1e-12, 1e-15, 1e-16, 1e-300, np.finfo(np.float64).eps])
def test_a_probability_clipped_at_any_usual_floor_is_named_with_that_floor(floor):
    """Clipping hides the inf of log(0) at T = 0.01 but caps the loss at -log(floor): any power of ten people use
    (1e-7 in Keras, 1e-15 in scikit-learn, 1e-300) is named; machine epsilon is named a clip without its value."""

    def clipped(z, y, t):
        p = np.clip(scipy.special.softmax(z / t, axis=1), floor, 1.0)
        return -np.mean(np.log(p[np.arange(len(y)), y]))

    result, printed = run(check_tempered_loss, clipped)
    assert result.failed_case == "a small temperature, T = 0.01"
    if floor == np.finfo(np.float64).eps:
        assert "clipping the probability (np.clip(p, eps, 1) or log(p + eps)) caps each loss" in printed, printed
    else:
        power = f"1e-{round(-np.log10(floor))}"
        assert f"a probability floored at {power} (np.clip(p, {power}, 1)" in printed, printed


@pytest.mark.parametrize("width", [1, 2, 3, 5])
def test_a_wrong_length_no_label_count_explains_gets_the_plain_shape_hint(width):
    """The class-count hint is only for the lengths that labels.max() + 1 or np.unique give; any other wrong length is
    told the shape to return."""
    result, printed = run(check_bias_gradient, lambda z, y: np.zeros(width))
    assert result.failed_case == "every class present"
    assert "hint: return one number per class, shape (4,)" in printed, printed
    assert "not from the labels" not in printed
