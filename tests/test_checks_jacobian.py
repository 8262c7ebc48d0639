"""check_softmax_jacobian and check_softmax_vjp: each mistake named, correct answers in any form passed, never a raise.

The student-attempt corpus (tests/student_attempts/jacobian.py) covers what learners hand in; this module pins down
the checkers' own promises: the references they compare with are right (against finite differences and SymPy), each
named mistake gets its own hint, odd return values and stubs are handled, and building J for a VJP is advice only.
"""

import contextlib
import io

import hypothesis.strategies as st
import numpy as np
import pytest
import scipy.special
import sympy as sp
from hypothesis import given

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
    assert result.passed and result.checks_passed == result.checks_total == 7
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
