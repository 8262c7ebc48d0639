"""Tests of chapter 4's self-checks: the references they compare with, the mistakes of the book's museum, and that
they never raise.  The student-attempt corpus (tests/student_attempts/cross_entropy.py) adds many more attempts."""

import contextlib
import io

import numpy as np
import pytest
import scipy.special

import helpers
from helpers.checks import check_cross_entropy, check_cross_entropy_grad
from helpers.checks import cross_entropy as module


def run(check, fn):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check(fn)
    return result, out.getvalue()


def scipy_loss(logits, labels):
    return -scipy.special.log_softmax(logits, axis=-1)[np.arange(len(labels)), labels].mean()


def scipy_grad(logits, target):
    return (scipy.special.softmax(logits, axis=-1) - target) / len(logits)


def test_expected_answers_agree_with_scipy():
    for case in module._loss_cases():
        assert np.isclose(case.expected, scipy_loss(*case.args), rtol=1e-12), case.label
    for case in module._grad_cases():
        assert np.allclose(case.expected, scipy_grad(*case.args), rtol=1e-12, atol=1e-15), case.label


def test_grad_targets_are_probability_rows_of_every_kind():
    targets = [case.args[1] for case in module._grad_cases()]
    assert all(np.allclose(t.sum(axis=-1), 1) and (t >= 0).all() for t in targets)
    one_hot = [bool(np.isin(t, (0.0, 1.0)).all()) for t in targets]
    assert True in one_hot and False in one_hot


@pytest.mark.parametrize("check, reference", [
    (check_cross_entropy, helpers.cross_entropy),
    (check_cross_entropy_grad, helpers.cross_entropy_grad),
    (check_cross_entropy, scipy_loss),
    (check_cross_entropy_grad, scipy_grad),
])
def test_a_correct_implementation_passes(check, reference):
    result, printed = run(check, reference)
    assert result.passed and result.checks_passed == result.checks_total == 7
    assert printed.startswith("✓")


def integer_indexing_with_one_hot_rows(logits, target):
    """Museum entry 3, as the seed post writes it: p[range(m), y] where y holds one-hot rows."""
    m = target.shape[0]
    grad = helpers.softmax(logits)
    grad[range(m), target.astype(int)] -= 1
    return grad / m


def log_of_softmax(logits, labels):
    """Museum entry 5."""
    return -np.log(helpers.softmax(logits)[np.arange(len(labels)), labels]).mean()


def no_batch_mean(logits, target):
    """Museum entry 7."""
    return helpers.softmax(logits) - target


def aliased_update(logits, target):
    """Museum entry 7, the aliasing form: the update lands in the caller's target."""
    grad = target
    grad -= helpers.softmax(logits)
    grad *= -1 / len(logits)
    return grad


@pytest.mark.parametrize("check, fn, case, words", [
    # One-hot rows cast to int index as 0/1 columns: a silently wrong gradient, no error.
    (check_cross_entropy_grad, integer_indexing_with_one_hot_rows, "one-hot targets (3 examples, 3 classes)",
     ["not integer labels", "p - y"]),
    (check_cross_entropy, log_of_softmax, "a confidently wrong example", ["log(0) = -inf", "log-softmax"]),
    (check_cross_entropy_grad, no_batch_mean, "one-hot targets (3 examples, 3 classes)", ["forgot the batch mean"]),
    (check_cross_entropy_grad, aliased_update, "one-hot targets (3 examples, 3 classes)", ["modified in place"]),
])
def test_each_museum_mistake_fails_where_expected_and_is_named(check, fn, case, words):
    result, printed = run(check, fn)
    assert not result.passed and result.attempted
    assert result.failed_case == case
    for word in words:
        assert word in printed


def _softmax_rows(logits):
    return scipy.special.softmax(logits, axis=-1)


@pytest.mark.parametrize(("floor", "name", "cap"), [(1e-8, "1e-8", "18.42"), (1e-7, "1e-7", "16.12"),
                                                     (1e-3, "1e-3", "6.91"), (1e-12, "1e-12", "27.63")])
@pytest.mark.parametrize("form", ["clip", "clip both ends", "plus eps"])
def test_a_clipped_probability_is_told_its_own_floor_and_cap(floor, name, cap, form):
    """The floor the student used (not another one) and the cap -log(floor) it puts on each loss, worked out by hand."""
    def clipped(logits, labels):
        p = _softmax_rows(logits)
        if form == "clip":
            p = np.clip(p, floor, 1)
        elif form == "clip both ends":  # Keras' epsilon clip: the upper end changes nothing here
            p = np.clip(p, floor, 1 - floor)
        else:
            p = p + floor
        return -np.log(p[np.arange(len(labels)), labels]).mean()

    result, printed = run(check_cross_entropy, clipped)
    if form == "plus eps" and floor > 1e-6:  # p + 1e-3 already changes ordinary losses by more than the tolerance
        assert result.failed_case == "a square batch (3 examples, 3 classes)"
        return
    assert result.failed_case == "a confidently wrong example"
    assert f"floored at {name} (np.clip(p, {name}, 1) or log(p + {name})) caps each loss at -log({name}) = {cap}," \
        in printed
    assert printed.count("1e-") == 4  # no floor other than the student's own is named


@pytest.mark.parametrize("floor", [3e-5, 0.5e-3, 2e-9])
def test_a_floor_that_is_not_a_power_of_ten_is_spoken_of_without_inventing_one(floor):
    def clipped(logits, labels):
        p = np.clip(_softmax_rows(logits), floor, 1)
        return -np.log(p[np.arange(len(labels)), labels]).mean()

    result, printed = run(check_cross_entropy, clipped)
    assert result.failed_case == "a confidently wrong example"
    assert "clipping the probability (np.clip(p, eps, 1) or log(p + eps)) caps each loss at -log(eps), which " \
        "hides the failure" in printed
    assert "1e-" not in printed


@pytest.mark.parametrize("check", [check_cross_entropy, check_cross_entropy_grad])
@pytest.mark.parametrize("stub", [None, ...])
def test_a_stub_is_not_attempted(check, stub):
    result, printed = run(check, stub)
    assert not result.passed and not result.attempted
    assert "not attempted yet" in printed


def _raise(logits, target):
    raise RuntimeError("boom")


@pytest.mark.parametrize("check", [check_cross_entropy, check_cross_entropy_grad])
@pytest.mark.parametrize("fn", [
    _raise,
    lambda logits, target: "a string",
    lambda logits, target: [[1, 2], [3]],
    lambda logits, target: object(),
    lambda logits, target: np.array(["a", "b"]),
    lambda logits: 0.0,
    42,
])
def test_never_raises_and_says_what_went_wrong(check, fn):
    result, printed = run(check, fn)
    assert not result.passed
    assert printed.strip()
    assert "could not check" not in printed


def test_the_check_calls_with_integer_labels_and_probability_rows():
    seen = {}

    def spy_loss(logits, labels):
        seen["labels"] = labels.dtype.kind, labels.shape, logits.shape
        return helpers.cross_entropy(logits, labels)

    def spy_grad(logits, target):
        seen["target"] = target.dtype.kind, target.shape == logits.shape
        return helpers.cross_entropy_grad(logits, target)

    run(check_cross_entropy, spy_loss)
    run(check_cross_entropy_grad, spy_grad)
    assert seen["labels"][0] == "i" and seen["labels"][1] == seen["labels"][2][:1]
    assert seen["target"] == ("f", True)
