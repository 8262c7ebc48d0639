"""check_softmax_jacobian and check_softmax_vjp: each mistake named, correct answers in any form passed, never a raise.

The student-attempt corpus (tests/student_attempts/jacobian.py) covers what learners hand in; this module pins down
the checkers' own promises: the references they compare with are right (against finite differences and SymPy), each
named mistake gets its own hint, odd return values and stubs are handled, and building J for a VJP is advice only.
"""

import contextlib
import io
import sys

import hypothesis.strategies as st
import numpy as np
import pytest
import scipy.linalg
import scipy.special
import sympy as sp
from case_answers import fails_only
from case_answers import nan as nan_like
from hypothesis import given
from snapshots import assert_snapshot

from helpers import numerics, symbolic
from helpers.checks import check_softmax_jacobian, check_softmax_vjp
from helpers.checks import jacobian as jacobian_checks


def run(check, fn):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check(fn)
    return result, out.getvalue()


def _softmax(x):
    return scipy.special.softmax(np.asarray(x, dtype=float), axis=-1)


def _jac(s):
    return s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :]


def scipy_jacobian(x):
    return _jac(_softmax(x))


def scipy_vjp(x, g):
    s = _softmax(x)
    return s * (g - (s * g).sum(axis=-1, keepdims=True))


# --------------------------------------------------------------------------- the references are right


@pytest.mark.parametrize("case", jacobian_checks._jacobian_cases(), ids=lambda c: c.label)
def test_each_jacobian_case_expects_what_finite_differences_measure(case):
    (x,) = case.args
    rows = np.atleast_2d(x)
    measured = np.stack([numerics.numerical_jacobian(lambda v: _softmax(v), row) for row in rows])
    assert np.allclose(case.expected, measured.reshape(case.expected.shape), rtol=0, atol=1e-8)


@pytest.mark.parametrize("case", jacobian_checks._vjp_cases(), ids=lambda c: c.label)
def test_each_vjp_case_expects_the_gradient_of_g_dot_softmax(case):
    """J^T g is the gradient of the scalar <g, softmax(x)>: measured by finite differences, row by row."""
    x, g = case.args
    rows, grads = np.atleast_2d(x), np.atleast_2d(g)
    measured = np.stack([
        numerics.numerical_gradient(lambda v, gr=gr: float(gr @ _softmax(v)), row) for row, gr in zip(rows, grads)
    ])
    assert np.allclose(case.expected, measured.reshape(case.expected.shape), rtol=0, atol=1e-8)


def test_the_jacobian_formula_the_hints_quote_is_sympys_derivative():
    zs = symbolic.logit_symbols(3)
    derivative = symbolic.softmax_expr(zs).jacobian(zs)
    point = {z: v for z, v in zip(zs, (0.3, -1.2, 2.0))}
    numeric = np.array(derivative.subs(point).evalf(30).tolist(), dtype=float)
    assert np.allclose(numeric, scipy_jacobian([0.3, -1.2, 2.0]), rtol=0, atol=1e-14)
    assert sp.simplify(derivative - symbolic.softmax_jacobian_closed_form(zs)).is_zero_matrix


# --------------------------------------------------------------------------- verdicts


def test_correct_implementations_pass_with_no_advice_for_the_direct_vjp():
    result, printed = run(check_softmax_jacobian, scipy_jacobian)
    assert result.passed and result.checks_passed == result.checks_total == 8
    result, printed = run(check_softmax_vjp, scipy_vjp)
    assert result.passed
    assert "advice" not in printed


JACOBIAN_MISTAKES = [
    ("diagonal only", lambda x: _jac(_softmax(x)) * np.eye(np.shape(x)[-1]), "diagonal only"),
    ("sign flipped", lambda x: -scipy_jacobian(x), "sign flipped"),
    ("no diagonal term", lambda x: -_softmax(x)[..., :, None] * _softmax(x)[..., None, :], "diagonal term is missing"),
    ("log-softmax Jacobian", lambda x: np.eye(np.shape(x)[-1]) - _softmax(x)[..., None, :], "log-softmax"),
    ("scores for probabilities", lambda x: _jac(np.asarray(x, dtype=float)), "not shift-invariant"),
    ("no shift", lambda x: _jac(np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)), "nan for large scores"),
    ("batch axes moved", lambda x: np.moveaxis(scipy_jacobian(x), 0, -1), "transposed batch axes"),
    ("batch .T", lambda x: scipy_jacobian(x).T, "transposed batch axes"),
    ("wrong softmax axis", lambda x: _jac(scipy.special.softmax(x, axis=0)), "wrong axis"),
]


@pytest.mark.parametrize(("name", "fn", "words"), JACOBIAN_MISTAKES, ids=[m[0] for m in JACOBIAN_MISTAKES])
def test_each_jacobian_mistake_fails_and_is_named(name, fn, words):
    result, printed = run(check_softmax_jacobian, fn)
    assert not result.passed and result.attempted
    assert words in printed, printed


VJP_MISTAKES = [
    ("diagonal only", lambda x, g: _softmax(x) * (1 - _softmax(x)) * g, "diagonal only"),
    ("sign flipped", lambda x, g: -scipy_vjp(x, g), "sign flipped"),
    ("no <s, g>", lambda x, g: _softmax(x) * g, "<s, g> term is missing"),
    ("no factor s", lambda x, g: scipy_vjp(x, g) / _softmax(x), "factor s is missing"),
    ("global <s, g>", lambda x, g: _softmax(x) * (g - np.sum(_softmax(x) * g)), "one number per row"),
    ("scores for probabilities", lambda x, g: x * (g - np.sum(x * g, axis=-1, keepdims=True)), "not shift-invariant"),
    ("transposed output", lambda x, g: scipy_vjp(x, g).T, "transposed batch axes"),
    ("a batch of matrices", lambda x, g: np.asarray(g) @ scipy_jacobian(x), "transposed batch axes"),
]


@pytest.mark.parametrize(("name", "fn", "words"), VJP_MISTAKES, ids=[m[0] for m in VJP_MISTAKES])
def test_each_vjp_mistake_fails_and_is_named(name, fn, words):
    result, printed = run(check_softmax_vjp, fn)
    assert not result.passed and result.attempted
    assert words in printed, printed


# --------------------------------------------------------------------------- O(n^2) is advice, not an error


def test_building_the_matrix_for_a_vjp_passes_with_advice_that_names_the_memory():
    def via_matrix(x, g):
        return np.einsum("...ij,...i->...j", scipy_jacobian(x), g)

    result, printed = run(check_softmax_vjp, via_matrix)
    assert result.passed
    assert "advice (not an error)" in printed and "O(n^2)" in printed and "MiB" in printed
    assert printed == result.feedback + "\n"


def test_a_wrong_vjp_gets_no_advice_only_the_mistake():
    def wrong_via_matrix(x, g):
        return -np.einsum("...ij,...i->...j", scipy_jacobian(x), g)

    result, printed = run(check_softmax_vjp, wrong_via_matrix)
    assert not result.passed
    assert "sign flipped" in printed and "advice" not in printed


def test_advice_is_skipped_quietly_when_the_function_fails_at_the_large_size():
    def small_only(x, g):
        if np.shape(x)[-1] > 100:
            raise MemoryError("too big")
        return scipy_vjp(x, g)

    result, printed = run(check_softmax_vjp, small_only)
    assert result.passed and "advice" not in printed


# --------------------------------------------------------------------------- never raises, stubs, odd answers


def stub(x):
    ...


def stub_vjp(x, g):
    pass


@pytest.mark.parametrize(("check", "fn"), [(check_softmax_jacobian, stub), (check_softmax_vjp, stub_vjp),
                                           (check_softmax_jacobian, None), (check_softmax_vjp, ...)])
def test_a_stub_is_not_attempted_yet(check, fn):
    result, printed = run(check, fn)
    assert not result.attempted and "not attempted yet" in printed


ODD = [
    lambda *a: "a string",
    lambda *a: [[1, 2], [3]],
    lambda *a: 1 / 0,
    lambda *a: np.full(np.shape(a[0]) + np.shape(a[0])[-1:], np.nan),
    lambda *a: object(),
]


@pytest.mark.parametrize("check", [check_softmax_jacobian, check_softmax_vjp])
@pytest.mark.parametrize("fn", ODD, ids=["string", "ragged", "raises", "nan", "object"])
def test_odd_answers_fail_without_raising_or_an_internal_error(check, fn):
    result, printed = run(check, fn)
    assert not result.passed and result.attempted
    assert "could not check" not in printed


def test_a_function_that_changes_its_input_is_told_so():
    def in_place(x):
        x -= x.max(axis=-1, keepdims=True)
        return scipy_jacobian(x)

    result, printed = run(check_softmax_jacobian, in_place)
    assert not result.passed and "changed the array" in printed


def test_passing_the_result_instead_of_the_function_is_explained():
    result, printed = run(check_softmax_vjp, scipy_vjp([1.0, 2.0], [1.0, 0.0]))
    assert not result.passed and "needs the function itself" in printed


# --------------------------------------------------------------------------- every named mistake, at any scores

SCORES = st.lists(st.floats(-3, 3, allow_nan=False), min_size=2, max_size=6).map(lambda v: np.array(v))


@given(SCORES)
def test_each_jacobian_mistake_is_named_whatever_the_scores(x):
    case = jacobian_checks._jacobian_case("scores", x, "")
    s = _softmax(x)
    answers = {
        "diagonal only": _jac(s) * np.eye(len(x)),
        "sign flipped": -_jac(s),
        "diagonal term is missing": -np.outer(s, s),
        "log-softmax": np.eye(len(x)) - s[None, :],
    }
    for words, answer in answers.items():
        assert not jacobian_checks.close(answer, case.expected)
        assert words in jacobian_checks._jacobian_diagnose(case, answer)


@given(SCORES, SCORES)
def test_each_vjp_mistake_is_named_whatever_the_scores(x, g):
    n = min(len(x), len(g))
    x, g = x[:n], g[:n] + 0.5  # g with a nonzero mean, as in every case of the check
    s = _softmax(x)
    dot = s @ g
    answers = {
        "diagonal only": s * (1 - s) * g,
        "sign flipped": -s * (g - dot),
        "<s, g> term is missing": s * g,
        "factor s is missing": g - dot,
    }
    case = jacobian_checks._vjp_case("scores", x, g, "")
    for words, answer in answers.items():
        if jacobian_checks.close(answer, case.expected):
            continue  # this g happens to make the mistake harmless (e.g. g constant makes J^T g = 0)
        assert words in jacobian_checks._vjp_diagnose(case, answer)


# --------------------------------------------------------------------------- every case, as a student sees it


def _doubled(right):
    """Symmetric, rows (or the product) summing to 0, and wrong: only the case's own fallback hint fits."""
    return 2 * right


def test_the_feedback_on_each_case_is_the_reviewed_one():
    """For every case of both checkers, what a student sees when only that case goes wrong: its label, its inputs as
    printed, the expected values, and the case's own hints for a wrong value and for a nan.  Pins the cases themselves
    (a changed seed, label or input shows here) and the hints that no corpus attempt reaches."""
    blocks = []
    for check, cases, reference in [(check_softmax_jacobian, jacobian_checks._jacobian_cases, scipy_jacobian),
                                    (check_softmax_vjp, jacobian_checks._vjp_cases, scipy_vjp)]:
        for case in cases():
            for spoil in (_doubled, nan_like):
                result, printed = run(check, fails_only(case, reference, spoil))
                assert result.failed_case == case.label, printed
                blocks.append(f"## {check.__name__}, {case.label}, {spoil.__name__.strip('_')}\n{printed}")
    assert_snapshot("checks/jacobian_cases", "\n".join(blocks))


# --------------------------------------------------------------------------- each mistake named on every case


def _jacobian_mistakes_by_scipy(x):
    """What each named mistake returns, computed independently with scipy, and the words its hint must contain."""
    s = _softmax(x)
    n = x.shape[-1]
    found = [
        ("diagonal only", s[..., :, None] * (1 - s)[..., :, None] * np.eye(n)),
        ("sign flipped", -_jac(s)),
        ("diagonal term is missing", -s[..., :, None] * s[..., None, :]),
        ("log-softmax", np.eye(n) - s[..., None, :]),
        ("not shift-invariant", _jac(x)),
    ]
    if x.ndim == 2:
        found += [("wrong axis", _jac(scipy.special.softmax(x, axis=0))),
                  ("one normalisation for the whole batch", _jac(scipy.special.softmax(x, axis=None)))]
    return found


def _vjp_mistakes_by_scipy(x, g):
    s = _softmax(x)
    dot = (s * g).sum(axis=-1, keepdims=True)
    found = [
        ("diagonal only", s * (1 - s) * g),
        ("sign flipped", -s * (g - dot)),
        ("<s, g> term is missing", s * g),
        ("factor s is missing", g - dot),
        ("swapped roles", g * (s - dot)),
        ("a sum, not a mean", s * (g - (s * g).mean(axis=-1, keepdims=True))),
        ("not shift-invariant", x * (g - (x * g).sum(axis=-1, keepdims=True))),
    ]
    if x.ndim == 2:
        s0, total = scipy.special.softmax(x, axis=0), scipy.special.softmax(x, axis=None)
        found += [("one number per row", s * (g - (s * g).sum())),
                  ("wrong axis", s0 * (g - (s0 * g).sum(axis=-1, keepdims=True))),
                  ("one normalisation for the whole batch", total * (g - (total * g).sum(axis=-1, keepdims=True)))]
    return found


def _named(case, mistakes, diagnose):
    """(words, hint) for each mistake that is wrong on this case and differs from every mistake listed before it."""
    seen = []
    for words, answer in mistakes:
        if np.all(np.isfinite(answer)) and not jacobian_checks.close(answer, case.expected) and not any(
                jacobian_checks.close(answer, earlier) for earlier in seen):
            yield words, diagnose(case, answer)
        seen.append(answer)


@pytest.mark.parametrize("case", jacobian_checks._jacobian_cases(), ids=lambda c: c.label)
def test_each_jacobian_mistake_is_named_on_every_case(case):
    """Large scores, rows 1000 apart and batches included: the mistakes are recognised wherever a student makes them,
    not only on the first case (which is where most attempts fail)."""
    named = list(_named(case, _jacobian_mistakes_by_scipy(case.args[0]), jacobian_checks._jacobian_diagnose))
    assert len(named) >= 4
    for words, hint in named:
        assert hint is not None and words in hint, (words, hint)


@pytest.mark.parametrize("case", jacobian_checks._vjp_cases(), ids=lambda c: c.label)
def test_each_vjp_mistake_is_named_on_every_case(case):
    named = list(_named(case, _vjp_mistakes_by_scipy(*case.args), jacobian_checks._vjp_diagnose))
    assert len(named) >= 6
    for words, hint in named:
        assert hint is not None and words in hint, (words, hint)


# --------------------------------------------------------------------------- the fallback diagnoses


def _asymmetric(jac):
    """A hand-built J with one index wrong in its last matrix (J[..., -1, -2] = -s_-1 s_-1)."""
    out = jac.copy()
    out[..., -1, -2] = out[..., -1, -1] - 0.3
    return out


def test_an_asymmetric_answer_for_a_batch_is_told_to_check_its_indices():
    """Symmetry is checked matrix by matrix (the last two axes), for a batch as for a single J."""
    case = jacobian_checks._jacobian_cases()[2]
    assert case.args[0].ndim == 2
    hint = jacobian_checks._jacobian_diagnose(case, _asymmetric(case.expected))
    assert "not symmetric" in hint


# Symmetric wrong answers 2 J + D, D diagonal with these first two entries: the rows of 2 J + D sum to those of D.
ROW_SUM_OFFSETS = [
    ((0.5, 0.0), True),  # a row off by 0.5 is a real mistake
    ((0.1, -0.1), True),  # each row on its own: the sums cancel over the whole matrix, yet two rows are wrong
    ((5e-7, -5e-7), False),  # float32 rounding is no reason to blame the row sums
]


@pytest.mark.parametrize(("offsets", "blamed"), ROW_SUM_OFFSETS)
def test_the_rows_of_a_jacobian_must_each_sum_to_0_up_to_float32_rounding(offsets, blamed):
    for case in jacobian_checks._jacobian_cases()[:3]:  # a vector of 4, of 5, and a batch of 3 rows of 4
        d = np.zeros(case.args[0].shape[-1])
        d[:2] = offsets
        hint = jacobian_checks._jacobian_diagnose(case, 2 * case.expected + np.diag(d))
        assert ("rows of your matrix do not sum to 0" in (hint or "")) == blamed, (case.label, hint)


@pytest.mark.parametrize(("offsets", "blamed"), ROW_SUM_OFFSETS)
def test_a_vjp_must_sum_to_0_over_the_classes_row_by_row_up_to_float32_rounding(offsets, blamed):
    vector, batch = jacobian_checks._vjp_cases()[0], jacobian_checks._vjp_cases()[2]
    wrong = 2 * vector.expected
    wrong[0] += offsets[0]
    assert ("does not sum to 0" in (jacobian_checks._vjp_diagnose(vector, wrong) or "")) == blamed
    wrong = 2 * batch.expected
    wrong[:2, 0] += offsets  # rows 0 and 1 off, the whole batch (for the second offsets) not
    assert ("does not sum to 0" in (jacobian_checks._vjp_diagnose(batch, wrong) or "")) == blamed


# --------------------------------------------------------------------------- wrongly shaped answers

JACOBIAN_SHAPES = [
    (0, (4,), "you returned one number per score: that is only the diagonal"),
    (0, (1, 4, 4), "wrong output shape: a Jacobian of softmax over the last axis has shape x.shape + (n,) = (4, 4)"),
    (2, (4, 4, 3), "transposed batch axes: the batch axis comes first, shape (3, 4, 4)"),
    (2, (12, 12), "wrong output shape: a Jacobian of softmax over the last axis has shape x.shape + (n,) = (3, 4, 4)"),
    (2, (4, 4), "one n x n matrix for a batch of 3 rows: return one Jacobian per row, shape (3, 4, 4)"),
    (2, (3, 4), "you returned one number per score: that is only the diagonal"),
    (2, (3, 4, 5), "wrong output shape: a Jacobian of softmax over the last axis has shape x.shape + (n,) = (3, 4, 4)"),
]


def test_a_12_by_12_answer_for_a_batch_is_named_only_by_what_its_values_are():
    """The block-diagonal Jacobian of the flattened batch (a deliberate choice) and np.outer of the flattened
    probabilities (a slip) have the same shape: only their values tell them apart, and anything else is generic."""
    case = jacobian_checks._jacobian_cases()[2]
    s = scipy.special.softmax(case.args[0], axis=-1)
    blocks = scipy.linalg.block_diag(*[np.diag(row) - np.outer(row, row) for row in s])
    flat = s.ravel()
    outer = np.diag(flat) - np.outer(flat, flat)
    assert jacobian_checks._jacobian_shape_values(case, blocks).startswith(
        "your matrix is the Jacobian of the whole flattened batch: block diagonal")
    assert jacobian_checks._jacobian_shape_values(case, outer).startswith("np.outer flattens its inputs")
    assert jacobian_checks._jacobian_shape_values(case, np.ones((12, 12))) is None


@pytest.mark.parametrize(("index", "shape", "words"), JACOBIAN_SHAPES)
def test_each_wrong_jacobian_shape_gets_its_own_hint(index, shape, words):
    case = jacobian_checks._jacobian_cases()[index]
    assert jacobian_checks._jacobian_shape(case, shape).startswith(words)


VJP_SHAPES = [
    (0, (4, 4), "you returned a matrix: the vector-Jacobian product is a vector shaped like x"),
    (0, (1, 4, 4), "wrong output shape: the product has the shape of x, (4,)"),
    (0, (), "wrong output shape: the product has the shape of x, (4,)"),
    (2, (4, 3), "transposed batch axes: return one row per example, shape (3, 4)"),
    (2, (4, 4), "you returned a matrix"),
    (2, (3, 4, 4), "you returned a matrix"),
    (2, (3, 3, 4), "transposed batch axes: a product with a batch of Jacobians J of shape (m, n, n) must pair"),
    (2, (3,), "you returned one number per row: the product has one entry per score, shaped like x"),
    (2, (4,), "wrong output shape: the product has the shape of x, (3, 4)"),
    (2, (12,), "wrong output shape: the product has the shape of x, (3, 4)"),
]


@pytest.mark.parametrize(("index", "shape", "words"), VJP_SHAPES)
def test_each_wrong_vjp_shape_gets_its_own_hint(index, shape, words):
    case = jacobian_checks._vjp_cases()[index]
    assert jacobian_checks._vjp_shape(case, shape).startswith(words)


# --------------------------------------------------------------------------- the advice's threshold


def _vjp_allocating(share):
    """A correct VJP that also allocates ``share`` of one n x n float64 matrix."""

    def vjp(x, g):
        n = np.shape(x)[-1]
        scratch = np.ones(int(share * n * n))
        return scipy_vjp(x, g) + 0 * scratch[0]

    return vjp


@pytest.mark.parametrize(("share", "advised"), [(0.3, False), (0.53, True)])
def test_advice_starts_at_half_an_n_by_n_matrix(share, advised):
    """The advice is for an answer whose memory is of the order of J (n^2 floats): 53% of J gets it, 30% does not."""
    result, printed = run(check_softmax_vjp, _vjp_allocating(share))
    assert result.passed
    assert ("advice (not an error)" in printed) == advised, printed


def test_the_advice_is_measured_even_if_numpy_is_set_to_raise_on_floating_point_errors():
    """A reader may call np.seterr(all='raise'); a division by zero in their VJP must not hide the advice."""

    def via_matrix_dividing_by_zero(x, g):
        _ = np.ones(1) / np.zeros(1)
        return np.einsum("...ij,...i->...j", scipy_jacobian(x), g)

    with np.errstate(all="raise"):
        result, printed = run(check_softmax_vjp, via_matrix_dividing_by_zero)
    assert result.passed and "advice (not an error)" in printed, printed


def test_what_the_function_writes_while_its_memory_is_measured_is_hidden_and_harmless():
    """A VJP that logs with sys.stdout.write (not print) still gets the advice, and its log never reaches the page."""

    def via_matrix_logging(x, g):
        sys.stdout.write(f"logged: {np.shape(x)}\n")
        return np.einsum("...ij,...i->...j", scipy_jacobian(x), g)

    result, printed = run(check_softmax_vjp, via_matrix_logging)
    assert result.passed and "advice (not an error)" in printed and "logged" not in printed, printed
