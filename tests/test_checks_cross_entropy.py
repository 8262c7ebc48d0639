"""Tests of chapter 4's self-checks: the references they compare with, the mistakes of the book's museum, and that
they never raise.  The student-attempt corpus (tests/student_attempts/cross_entropy.py) adds many more attempts."""

import contextlib
import io

import numpy as np
import pytest
import scipy.special
from case_answers import fails_only
from case_answers import nan as nan_like
from snapshots import assert_snapshot

import helpers
from helpers.checks import check_cross_entropy, check_cross_entropy_grad, check_weighted_smoothed_loss
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
    assert result.passed and result.checks_passed == result.checks_total == 8
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
     ["not integer labels", "s - y"]),
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


# --------------------------------------------------------------------------- every case, as a student sees it


def _half_again(right):
    """Wrong by a factor no named mistake produces (a sum over m examples, log2, /k...): the case's own fallback."""
    return 1.5 * right


def test_the_feedback_on_each_case_is_the_reviewed_one():
    """For every case of both checkers, what a student sees when only that case goes wrong: its label, its inputs as
    printed, the expected value, the count of checks passed, and the case's own hints for a wrong value and for a nan.
    Pins the cases themselves (a changed label, input or hint shows here) and the hints no corpus attempt reaches."""
    blocks = []
    for check, cases, reference in [(check_cross_entropy, module._loss_cases, scipy_loss),
                                    (check_cross_entropy_grad, module._grad_cases, scipy_grad)]:
        for i, case in enumerate(cases()):
            for spoil in (_half_again, nan_like):
                result, printed = run(check, fails_only(case, reference, spoil))
                assert result.failed_case == case.label, printed
                assert (result.passed, result.attempted, result.checks_passed, result.checks_total) == (
                    False, True, i, 8)
                blocks.append(f"## {check.__name__}, {case.label}, {spoil.__name__.strip('_')}\n{printed}")
    assert_snapshot("checks/cross_entropy_cases", "\n".join(blocks))


def test_the_cases_are_called_with_float64_logits_and_int64_labels_or_float64_targets():
    for case in module._loss_cases():
        logits, labels = case.args
        assert (logits.dtype, labels.dtype, case.arg_names) == (np.float64, np.int64, ("logits", "labels"))
        assert case.wrong_hint == "the loss differs: it is the mean over examples of -log softmax(z_n)[labels[n]]"
    for case in module._grad_cases():
        logits, target = case.args
        assert (logits.dtype, target.dtype, case.arg_names) == (np.float64, np.float64, ("logits", "target"))
        assert case.wrong_hint == "the gradient differs: it is (softmax(z) - y) / m, row by row"


def test_label_smoothing_spreads_eps_over_every_class():
    """The smoothed target of the second grad case, by hand: 1 - eps + eps/k for the label, eps/k elsewhere."""
    target = module._grad_cases()[1].args[1]
    hi, lo = 1 - 0.1 + 0.1 / 3, 0.1 / 3
    by_hand = np.array([[hi, lo, lo], [lo, lo, hi], [lo, hi, lo], [lo, hi, lo]])
    assert np.allclose(target, by_hand, rtol=0, atol=1e-15)


# --------------------------------------------------------------------------- each mistake named on every case


SUMMED = "you summed the losses: the loss is the mean, so divide by the number of examples m (or use .mean())"
LOSS_HINTS = {
    "sum": SUMMED,
    "sign": "the sign is wrong: the loss is MINUS the log-probability of the true class",
    "log10": "use the natural log (np.log), not log10",
    "log2": "use the natural log (np.log), not log2",
    "mean over (m, k)": "you divided by m * k: a mean over the whole (m, k) array also averages over the classes; "
                        "divide by m only",
    "m x m block": "logp[:, labels] picks an m x m block, every example with every label: use logp[np.arange(m), "
                   "labels] (one entry per row)",
    "labels as one-hot": "labels are integer class indices, not one-hot rows: multiplying by them broadcasts "
                         "silently; pick the true class with logp[np.arange(m), labels]",
}


def _loss_mistakes_by_scipy(logits, labels):
    """What each named mistake returns, computed independently with SciPy."""
    m, k = logits.shape
    logp = scipy.special.log_softmax(logits, axis=-1)
    picked = np.array([logp[n, labels[n]] for n in range(m)])
    found = [
        ("sum", -picked.sum()),
        ("sign", picked.mean()),
        ("log10", -np.mean(picked * np.log10(np.e))),  # log10(p) = ln(p) log10(e)
        ("log2", -np.mean(picked * np.log2(np.e))),
        ("mean over (m, k)", -np.mean(np.eye(k)[labels] * logp)),
        ("m x m block", -np.mean([[logp[n, c] for c in labels] for n in range(m)])),
    ]
    if m == k:
        found.append(("labels as one-hot", -np.sum(labels * logp) / m))
    return found


# Which mistakes each loss case tells apart from the right answer and from the mistakes tried before it.
LOSS_NAMED = {
    "a square batch (3 examples, 3 classes)": ["sum", "sign", "log10", "log2", "mean over (m, k)", "m x m block",
                                                "labels as one-hot"],
    "a batch of 4 examples and 3 classes": ["sum", "sign", "log10", "log2", "mean over (m, k)", "m x m block"],
    "large logits": ["sign", "log10", "log2", "mean over (m, k)"],
    "rows far apart": ["sum", "sign", "log10", "log2", "mean over (m, k)", "m x m block"],
    "logits spread far apart": ["sum", "sign", "log10", "log2", "mean over (m, k)", "m x m block"],
    "a confidently wrong example": ["sum", "sign", "log10", "log2", "mean over (m, k)"],
    "one example": ["sign", "log10", "log2", "mean over (m, k)"],
}


def _named(case, mistakes, diagnose):
    """{words: hint} for each mistake that is wrong on this case and differs from every mistake listed before it."""
    seen, named = [], {}
    for words, answer in mistakes:
        answer = np.asarray(answer, dtype=np.float64)
        if not module.close(answer, case.expected) and not any(module.close(answer, s) for s in seen):
            named[words] = diagnose(case, answer)
        seen.append(answer)
    return named


@pytest.mark.parametrize("case", module._loss_cases(), ids=lambda c: c.label)
def test_each_loss_mistake_is_named_on_every_case(case):
    """Large logits, rows 1000 apart and a single example included: a mistake is recognised wherever a student makes
    it, not only on the first case (where most attempts fail)."""
    named = _named(case, _loss_mistakes_by_scipy(*case.args), module._loss_diagnose)
    assert list(named) == LOSS_NAMED[case.label]
    assert named == {words: LOSS_HINTS[words] for words in named}


def test_an_integer_label_product_is_told_apart_only_where_it_broadcasts_as_a_square():
    """On the 4 x 3 batch labels * logp cannot broadcast; the one-hot hint is for the square batch alone."""
    case = module._loss_cases()[1]
    mistakes = module._loss_mistakes(*case.args)
    assert LOSS_HINTS["labels as one-hot"] not in [hint for _, hint in mistakes]
    square = module._loss_cases()[0]
    assert [hint for _, hint in module._loss_mistakes(*square.args)][-1] == LOSS_HINTS["labels as one-hot"]


GRAD_HINTS = {
    "no batch mean": "you forgot the batch mean: the loss is a mean over m examples, so divide the gradient by m",
    "flipped": "the sign is flipped: the gradient is s - y, not y - s",
    "by k": "you divided by k (the classes): divide by m, the number of examples",
    "no softmax": "apply softmax first: the gradient is softmax(z) - y, not z - y",
    "diagonal only": "only the diagonal of the Jacobian was used (s_i (1 - s_i)): the -s_i s_j terms add s_i * sum(y) "
                     "to every entry; the result is s - y",
    "wrong axis": "softmax over the wrong axis: normalise each row (axis=-1), not each column",
    "arg max": "soft targets: use the whole target row y, not a one-hot of its arg max",
    "integer indexing": "target holds probability rows (one-hot or soft), not integer labels: s[range(m), y] with "
                        "rows y indexes the wrong entries; use s - y",
}


def _grad_mistakes_by_scipy(logits, target):
    m, k = logits.shape
    p = scipy.special.softmax(logits, axis=-1)
    found = [
        ("no batch mean", p - target),
        ("flipped", (target - p) / m),
        ("by k", (p - target) / k),
        ("no softmax", (logits - target) / m),
        ("diagonal only", -target * (1 - p) / m),  # dL/dp = -y / p times the diagonal p (1 - p)
        ("wrong axis", (scipy.special.softmax(logits, axis=0) - target) / m),
        ("arg max", (p - np.eye(k)[np.argmax(target, axis=1)]) / m),
    ]
    if m == k:
        # p[range(m), y] -= 1 with rows y: range(m) broadcasts along each row of y, so entry (j, y[i, j]) is hit
        # for every i and j, and once only however often it is named (a fancy-indexed -= does not accumulate).
        hit = {(j, int(target[i, j])) for i in range(m) for j in range(k)}
        indexed = p.copy()
        for entry in hit:
            indexed[entry] -= 1
        found.append(("integer indexing", indexed / m))
    return found


GRAD_NAMED = {
    "one-hot targets (3 examples, 3 classes)": ["no batch mean", "flipped", "no softmax", "diagonal only",
                                                 "wrong axis", "integer indexing"],
    "soft targets (label smoothing 0.1)": ["no batch mean", "flipped", "by k", "no softmax", "diagonal only",
                                           "wrong axis", "arg max"],
    "soft targets with no clear class": ["no batch mean", "flipped", "by k", "no softmax", "diagonal only",
                                         "wrong axis", "arg max"],
    "large logits": ["flipped", "by k", "no softmax", "diagonal only", "wrong axis"],
    "rows far apart": ["no batch mean", "flipped", "by k", "no softmax", "diagonal only", "wrong axis"],
    "logits spread far apart": ["no batch mean", "flipped", "by k", "no softmax", "diagonal only", "wrong axis",
                                "arg max"],
    "a confidently wrong example": ["no batch mean", "flipped", "by k", "no softmax", "diagonal only",
                                    "wrong axis"],
}


@pytest.mark.parametrize("case", module._grad_cases(), ids=lambda c: c.label)
def test_each_grad_mistake_is_named_on_every_case(case):
    with np.errstate(all="ignore"):
        mistakes = _grad_mistakes_by_scipy(*case.args)
    named = _named(case, mistakes, module._grad_diagnose)
    assert list(named) == GRAD_NAMED[case.label]
    assert named == {words: GRAD_HINTS[words] for words in named}


# --------------------------------------------------------------------------- a loss far too small: the clip it implies


@pytest.mark.parametrize(("losses", "got", "cap"), [
    ([10.0, 1.0, 2.0], 2.0, 3.0),  # (1 + 2 + 3) / 3: only the 10 is capped
    ([10.0, 1.0, 2.0], 0.5, 0.5),  # every loss capped
    ([10.0, 1.0, 2.0], 4.0, 9.0),  # (1 + 2 + 9) / 3
    ([800.0, 0.25], 9.335, 18.42),  # the confidently wrong case clipped at about 1e-8: (0.25 + 18.42) / 2
])
def test_the_cap_is_the_largest_loss_each_example_was_allowed(losses, got, cap):
    assert module._loss_cap(np.array(losses), got) == pytest.approx(cap, rel=1e-12)


CONFIDENTLY_WRONG = module._loss_cases()[5]
FAR_TOO_SMALL = "your loss is far too small for a confidently wrong example: "
STABLE = "compute log-softmax directly, log p = (z - max) - log(sum(exp(z - max))), and never take log(p)"
CLIPPED_EPS = ("clipping the probability (np.clip(p, eps, 1) or log(p + eps)) caps each loss at -log(eps), which hides "
               "the failure and biases the loss; " + STABLE)


@pytest.mark.parametrize(("case", "change", "hint"), [
    # 0.5 above the right 1.28: taken for a cap, it would be 3 x 1.78 - 0.15 - 0.35 = 4.85, past -log(1e-2)
    (module._loss_cases()[0], 0.5, "the loss differs: it is the mean over examples of -log softmax(z_n)[labels[n]]"),
    # 1.5 below the right 400.08: the cap would be 797.8, past -log(smallest float64) = 708.4
    (CONFIDENTLY_WRONG, -1.5, "close, but not within the tolerance (rtol=1e-05, atol=1e-08): the largest difference "
                              "is 1.5 (expected 400, got 399); is a constant rounded (2.718 for e) or part of the "
                              "work done in low precision?"),
])
def test_a_loss_above_the_right_one_or_capped_above_any_floor_is_no_clip(case, change, hint):
    result, printed = run(check_cross_entropy, fails_only(case, scipy_loss, lambda right: right + change))
    assert result.failed_case == case.label
    assert printed.endswith(f"  hint: {hint}\n"), printed


@pytest.mark.parametrize(("floor", "hint"), [
    (1e-2, FAR_TOO_SMALL + "a probability floored at 1e-2 (np.clip(p, 1e-2, 1) or log(p + 1e-2)) caps each loss at "
                           "-log(1e-2) = 4.61, which hides the failure and biases the loss; " + STABLE),
    (1.0009e-5, FAR_TOO_SMALL + "a probability floored at 1e-5 (np.clip(p, 1e-5, 1) or log(p + 1e-5)) caps each loss "
                                "at -log(1e-5) = 11.51, which hides the failure and biases the loss; " + STABLE),
    (1.0011e-5, FAR_TOO_SMALL + CLIPPED_EPS),  # -log(floor) more than 1e-3 from 11.51: not told 1e-5
    (1e-300, FAR_TOO_SMALL + "a probability floored at 1e-300 (np.clip(p, 1e-300, 1) or log(p + 1e-300)) caps each "
                             "loss at -log(1e-300) = 690.78, which hides the failure and biases the loss; " + STABLE),
    (np.finfo(np.float64).tiny, FAR_TOO_SMALL + CLIPPED_EPS),  # the smallest floor there is, 2.2e-308
    # a floor above 1e-2 is no clip anyone uses: the loss simply differs
    (0.05, "the loss differs: it is the mean over examples of -log softmax(z_n)[labels[n]]"),
])
def test_only_a_floor_of_1e_2_or_below_is_called_a_clip(floor, hint):
    def clipped(logits, labels):
        p = np.clip(_softmax_rows(logits), floor, 1)
        return -np.log(p[np.arange(len(labels)), labels]).mean()

    result, printed = run(check_cross_entropy, fails_only(CONFIDENTLY_WRONG, scipy_loss, lambda right: clipped(
        *CONFIDENTLY_WRONG.args)))
    assert result.failed_case == CONFIDENTLY_WRONG.label
    assert printed.endswith(f"  hint: {hint}\n"), printed


@pytest.mark.parametrize("loss", [0.0, -3.0, (720.0 + 0.1698460195563) / 2, 390.0])
def test_a_loss_no_float64_floor_explains_is_no_clip(loss):
    """A cap of 0 or below, or above -log(smallest float64) = 708.4 (720 here; 390 caps the first loss at 780, once
    called 'floored at 1e-339'): no floor explains it, so the case's own fallback speaks."""
    result, printed = run(check_cross_entropy, fails_only(CONFIDENTLY_WRONG, scipy_loss, lambda right: loss))
    assert printed.endswith("  hint: the loss differs: it is the mean over examples of -log softmax(z_n)[labels[n]]\n")


@pytest.mark.parametrize("cap", [module._LEAST_CAP, module._MOST_CAP])
def test_both_ends_of_the_range_of_caps_count_as_a_clip(cap):
    """One example, so the cap is the loss itself: -log(1e-2) and -log(smallest float64), up to the rounding margin."""
    assert module._capped_hint(np.array([[0.0, 800.0, -5.0]]), np.array([0]), cap) == FAR_TOO_SMALL + CLIPPED_EPS
    assert module._capped_hint(np.array([[0.0, 800.0, -5.0]]), np.array([0]), 0.99 * module._LEAST_CAP) is None
    assert module._capped_hint(np.array([[0.0, 800.0, -5.0]]), np.array([0]), 1.01 * module._MOST_CAP) is None


# --------------------------------------------------------------------------- a gradient that vanished


VANISHED = ("the gradient vanished for example {}, which the model gets badly wrong: a clip or a guard around s hides "
            "that example from training; use s - y, which needs neither")
DIFFERS = "the gradient differs: it is (softmax(z) - y) / m, row by row"


@pytest.mark.parametrize(("row", "value", "hint"), [
    (0, 0.0, VANISHED.format(0)),
    (1, 0.0, VANISHED.format(1)),
    (0, 9.9e-7, VANISHED.format(0)),  # below 1e-6 counts as nothing
    (0, 1e-6, DIFFERS),
    (1, -2e-6, DIFFERS),
])
def test_a_gradient_row_of_almost_nothing_is_called_vanished(row, value, hint):
    case = module._grad_cases()[6]  # a confidently wrong example

    def spoil(right):
        right = right.copy()
        right[row] = value
        return right

    result, printed = run(check_cross_entropy_grad, fails_only(case, scipy_grad, spoil))
    assert result.failed_case == case.label
    assert printed.endswith(f"  hint: {hint}\n"), printed


@pytest.mark.parametrize(("top", "vanished"), [(7.0, True), (8.0, False)])
def test_only_a_row_that_should_have_a_gradient_above_1e_3_can_vanish(top, vanished):
    """logits [top, 0, 0] with the top class true: the right gradient's largest entry is 2 e^-top / (1 + 2 e^-top),
    1.8e-3 for 7 and 6.7e-4 for 8, so zeroing it hides a mistake only in the first."""
    case = module._grad_case("one confident example", [[top, 0.0, 0.0]], [[1.0, 0.0, 0.0]], "")
    assert np.abs(case.expected).max() == pytest.approx(2 * np.exp(-top) / (1 + 2 * np.exp(-top)))
    hint = module._grad_diagnose(case, np.zeros((1, 3)))
    assert hint == (VANISHED.format(0) if vanished else None)


def test_a_row_can_vanish_only_by_its_own_right_gradient():
    """Row 0 should have a gradient below 1e-3 (logits [8, 0, 0], top class true), row 1 a large one; zeroing row 0
    alone hides nothing the model gets badly wrong."""
    case = module._grad_case("two examples", [[8.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]],
                             "")
    got = case.expected.copy()
    got[0] = 0.0
    assert module._grad_diagnose(case, got) is None
    got = case.expected.copy()
    got[1] = 0.0
    assert module._grad_diagnose(case, got) == VANISHED.format(1)


# --------------------------------------------------------------------------- wrongly shaped answers


@pytest.mark.parametrize(("shape", "hint"), [
    ((3,), "you returned one loss per example: the loss is their mean, a single number"),
    ((3, 1), "the loss is a single number (the mean over the batch)"),
    ((3, 3), "you returned an array shaped like the logits: sum over the classes, then average over the examples"),
    ((1,), "the loss is a single number (the mean over the batch)"),
])
def test_each_wrong_loss_shape_gets_its_own_hint(shape, hint):
    assert module._loss_shape(module._loss_cases()[0], shape) == hint


@pytest.mark.parametrize(("shape", "hint"), [
    ((), "you returned one number (the loss?): the gradient has one entry per logit, the shape of logits"),
    ((3,), "the gradient has the shape of the logits, (m, k)"),
    ((1,), "the gradient has the shape of the logits, (m, k)"),
])
def test_each_wrong_gradient_shape_gets_its_own_hint(shape, hint):
    assert module._grad_shape(module._grad_cases()[0], shape) == hint


# --------------------------------------------------------------------------- check_weighted_smoothed_loss


def weighted_smoothed_formula(logits, labels, weight, eps):
    """PyTorch's documented weighted, label-smoothed mean, written out with SciPy."""
    k = logits.shape[1]
    q = (1 - eps) * np.eye(k)[labels] + eps / k
    return -(weight * q * scipy.special.log_softmax(logits, axis=1)).sum() / weight[labels].sum()


def test_weighted_smoothed_expected_answers_agree_with_the_formula():
    for case in module._ws_cases():
        assert np.isclose(case.expected, weighted_smoothed_formula(*case.args), rtol=1e-13), case.label


def test_weighted_smoothed_first_case_agrees_with_pytorch():
    # torch 2.13.0+cpu, float64: F.cross_entropy(Z, [0, 2, 1, 2], weight=[0.2, 1, 3], label_smoothing=0.1)
    case = module._ws_cases()[0]
    assert case.expected == pytest.approx(1.1003389825818717, rel=1e-14)


def test_weighted_smoothed_cases_separate_the_options():
    # a case with unequal weights and eps > 0 exists (every named mistake changes its value), and one of each alone
    cases = module._ws_cases()
    assert any(len(set(c.args[2])) > 1 and c.args[3] > 0 for c in cases)
    assert any(c.args[3] == 0 for c in cases) and any(set(c.args[2]) == {1.0} for c in cases)
    first = cases[0]
    for value, hint in module._ws_mistakes(*first.args):
        assert not np.isclose(value, first.expected, rtol=1e-6), hint


@pytest.mark.parametrize("reference", [
    lambda z, y, w, eps: helpers.cross_entropy(z, y, weight=w, label_smoothing=eps),
    weighted_smoothed_formula,
])
def test_weighted_smoothed_a_correct_implementation_passes(reference):
    result, printed = run(check_weighted_smoothed_loss, reference)
    assert result.passed and result.checks_passed == result.checks_total == 8
    assert printed.startswith("✓")


def test_weighted_smoothed_never_raises_on_a_broken_function():
    def broken(logits, labels, weight, eps):
        raise RuntimeError("oops")

    result, printed = run(check_weighted_smoothed_loss, broken)
    assert not result.passed and "RuntimeError: oops" in printed
