"""Tests of helpers.symbolic: the SymPy derivations, and their agreement with helpers.numerics."""

import functools

import mpmath
import numpy as np
import pytest
import scipy.special
import sympy as sp

import helpers
from helpers import symbolic

KS = [2, 3, 4]


@pytest.mark.parametrize("k", KS)
def test_softmax_expr_sums_to_one(k):
    zs = symbolic.logit_symbols(k)
    assert sp.simplify(sum(symbolic.softmax_expr(zs))) == 1


@pytest.mark.parametrize("k", KS)
def test_jacobian_matches_closed_form_diag_minus_outer(k):
    zs = symbolic.logit_symbols(k)
    difference = symbolic.softmax_jacobian_expr(zs) - symbolic.softmax_jacobian_closed_form(zs)
    assert sp.simplify(difference) == sp.zeros(k, k)


@pytest.mark.parametrize("k", KS)
def test_jacobian_is_symmetric_and_rows_sum_to_zero(k):
    zs = symbolic.logit_symbols(k)
    J = symbolic.softmax_jacobian_expr(zs)
    assert sp.simplify(J - J.T) == sp.zeros(k, k)
    assert sp.simplify(J * sp.ones(k, 1)) == sp.zeros(k, 1)


def test_cross_entropy_gradient_is_softmax_minus_target():
    zs = symbolic.logit_symbols(3)
    y1, y2 = sp.symbols("y1 y2", nonnegative=True)
    ys = (y1, y2, 1 - y1 - y2)  # a general distribution over three classes
    loss = symbolic.cross_entropy_expr(zs, ys)
    grad = sp.Matrix([sp.diff(loss, zi) for zi in zs])
    assert sp.simplify(grad - (symbolic.softmax_expr(zs) - sp.Matrix(ys))) == sp.zeros(3, 1)


def test_general_k_softmax_is_positive_and_sums_to_one():
    s_i, z, i, j, k = symbolic.softmax_indexed()
    assert s_i.is_positive
    total = sp.factor_terms(sp.Sum(s_i, (i, 1, k)))
    assert total.xreplace({i: j}) == 1


def test_general_k_softmax_ignores_a_common_shift():
    s_i, z, i, j, k = symbolic.softmax_indexed()
    c = sp.Symbol("c", real=True)
    shifted = s_i.xreplace({z[i]: z[i] + c, z[j]: z[j] + c})
    assert sp.simplify(sp.expand(shifted, power_exp=True) - s_i) == 0


POINTS = np.random.default_rng(7).normal(scale=4.0, size=(6, 3))


@pytest.mark.parametrize("exact", [False, True])
def test_sympy_softmax_agrees_with_numpy(exact):
    zs = symbolic.logit_symbols(3)
    assert symbolic.compare_with_numpy(symbolic.softmax_expr(zs), zs, helpers.softmax, POINTS, exact=exact)


def test_exact_evaluation_survives_overflow_where_lambdify_does_not():
    zs = symbolic.logit_symbols(3)
    huge = [[1000.0, 999.0, 0.0]]
    assert symbolic.compare_with_numpy(symbolic.softmax_expr(zs), zs, helpers.softmax, huge, exact=True)
    with np.errstate(over="ignore", invalid="ignore"):
        fast = symbolic.compare_with_numpy(symbolic.softmax_expr(zs), zs, helpers.softmax, huge)
    assert not fast  # the lambdified textbook formula computes inf / inf


def test_sympy_jacobian_agrees_with_numpy():
    zs = symbolic.logit_symbols(3)
    agreement = symbolic.compare_with_numpy(
        symbolic.softmax_jacobian_expr(zs), zs, helpers.softmax_jacobian, POINTS
    )
    assert agreement and agreement.points == len(POINTS)


def test_comparison_detects_a_diagonal_only_jacobian():
    zs = symbolic.logit_symbols(3)

    def diagonal_only(x):
        s = helpers.softmax(x)
        return np.diag(s * (1 - s))

    agreement = symbolic.compare_with_numpy(symbolic.softmax_jacobian_expr(zs), zs, diagonal_only, POINTS)
    assert not agreement
    assert "DISAGREE" in repr(agreement)


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("bad", [0, 1, 2])
def test_comparison_reports_the_largest_error_over_all_points(bad, exact):
    # numpy_fn is off by 0.25 at one point only (first, middle or last): the verdict must see it wherever it is
    zs = symbolic.logit_symbols(2)
    points = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, -1.0]])

    def off_at_one_point(x):
        return scipy.special.softmax(x) + (0.25 if np.array_equal(x, points[bad]) else 0.0)

    agreement = symbolic.compare_with_numpy(symbolic.softmax_expr(zs), zs, off_at_one_point, points, exact=exact)
    assert not agreement
    assert agreement.max_abs_error == pytest.approx(0.25, abs=1e-15)
    assert repr(agreement) == "SymPy and NumPy DISAGREE on off_at_one_point: largest |difference| 0.25 over 3 points"


def test_agreement_holds_up_to_and_including_the_tolerance():
    assert symbolic.Agreement("f", 2, 1e-12, 1e-12)
    assert not symbolic.Agreement("f", 2, 1.5e-12, 1e-12)
    expected = "SymPy and NumPy agree on f at 2 points (every |difference| < 1e-09)"
    assert repr(symbolic.Agreement("f", 2, 0.0, 1e-9)) == expected


def test_comparison_names_the_result_after_the_function_or_the_name_given():
    zs = symbolic.logit_symbols(2)
    agreement = symbolic.compare_with_numpy(symbolic.softmax_expr(zs), zs, scipy.special.softmax, [[0.0, 1.0]])
    assert agreement.name == "softmax" and agreement.points == 1 and agreement.tolerance == 1e-12
    named = symbolic.compare_with_numpy(symbolic.softmax_expr(zs), zs, scipy.special.softmax, [[0.0, 1.0]], name="s")
    assert named.name == "s"


def test_a_nan_from_numpy_is_a_disagreement():
    zs = symbolic.logit_symbols(2)
    agreement = symbolic.compare_with_numpy(
        symbolic.softmax_expr(zs), zs, lambda x: np.array([np.nan, 1.0]), [[0.0, 1.0], [1.0, 0.0]]
    )
    assert not agreement and agreement.max_abs_error == np.inf


def test_sympy_cross_entropy_agrees_with_numpy():
    zs = symbolic.logit_symbols(3)
    loss = symbolic.cross_entropy_expr(zs, (0, 1, 0))
    assert symbolic.compare_with_numpy(loss, zs, lambda x: helpers.cross_entropy(x, 1), POINTS)


def test_logit_symbols_are_real_and_named_from_one():
    assert symbolic.logit_symbols(1) == (sp.Symbol("z1", real=True),)
    zs = symbolic.logit_symbols(3, name="x")
    assert [str(z) for z in zs] == ["x1", "x2", "x3"]
    assert all(z.is_real for z in zs)


def test_general_k_symbols_carry_their_assumptions():
    s_i, z, i, j, k = symbolic.softmax_indexed()
    assert str(s_i) == "exp(z[i])/Sum(exp(z[j]), (j, 1, k))"
    for index in (i, j, k):
        assert index.is_integer and index.is_positive
    assert z[i].is_real


def test_points_reach_numpy_as_float64_even_when_given_as_ints():
    zs = symbolic.logit_symbols(2)
    seen = []

    def record(x):
        seen.append(x.dtype)
        return scipy.special.softmax(x)

    assert symbolic.compare_with_numpy(symbolic.softmax_expr(zs), zs, record, [[0, 1], [2, 3]])
    assert seen == [np.float64, np.float64]


def correctly_rounded_softmax(x):
    """softmax(x) at 50 digits, rounded once to float64: the best any float64 implementation can do."""
    with mpmath.workdps(50):
        e = [mpmath.exp(mpmath.mpf(float(v))) for v in x]
        return np.array([float(ei / mpmath.fsum(e)) for ei in e])


def test_exact_evaluation_is_accurate_beyond_float64():
    # the 30-digit reference rounds to the same float64 as a 50-digit one: no error at all is left
    zs = symbolic.logit_symbols(3)
    expr = symbolic.softmax_expr(zs)
    agreement = symbolic.compare_with_numpy(expr, zs, correctly_rounded_softmax, POINTS, exact=True)
    assert agreement.max_abs_error == 0.0


def test_numpy_results_may_be_any_sequence_of_numbers():
    zs = symbolic.logit_symbols(2)
    halves = symbolic.compare_with_numpy(symbolic.softmax_expr(zs), zs, lambda x: [sp.Rational(1, 2)] * 2, [[0, 0]])
    assert halves and halves.max_abs_error == 0.0


def test_comparison_rejects_a_result_of_the_wrong_size():
    zs = symbolic.logit_symbols(3)
    with pytest.raises(ValueError, match="^numpy_fn returned 2 values but the expression has 3$"):
        symbolic.compare_with_numpy(symbolic.softmax_expr(zs), zs, lambda x: x[:2], [[0.0, 1.0, 2.0]])


def test_a_function_without_a_name_is_called_the_expression():
    zs = symbolic.logit_symbols(2)
    unnamed = functools.partial(scipy.special.softmax, axis=-1)
    agreement = symbolic.compare_with_numpy(symbolic.softmax_expr(zs), zs, unnamed, [[0.0, 1.0]])
    assert agreement.name == "the expression"


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "3"])
def test_logit_symbols_rejects_a_bad_count(bad):
    with pytest.raises(ValueError, match="positive int"):
        symbolic.logit_symbols(bad)


def test_comparison_rejects_points_of_the_wrong_width():
    zs = symbolic.logit_symbols(3)
    with pytest.raises(ValueError, match="needs 3 values"):
        symbolic.compare_with_numpy(symbolic.softmax_expr(zs), zs, helpers.softmax, [[1.0, 2.0]])


def test_cross_entropy_expr_rejects_mismatched_targets():
    with pytest.raises(ValueError, match="must match"):
        symbolic.cross_entropy_expr(symbolic.logit_symbols(3), (1, 0))
