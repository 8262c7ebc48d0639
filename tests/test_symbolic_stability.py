"""helpers.symbolic for chapter 2: log-sum-exp and log-softmax as SymPy expressions, checked against mpmath at
50 digits (including scores where float64 would overflow) and against the identities the chapter relies on."""

import mpmath
import pytest
import sympy as sp

from helpers import symbolic

POINTS = [(0.0, 1.0, 2.0), (1000.0, 999.0, -5.0), (-800.0, -801.0, -900.0), (0.25, -40.0, 3.5)]


def _mp_logsumexp(point):
    with mpmath.workdps(50):
        return mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in point))


@pytest.mark.parametrize("point", POINTS)
def test_logsumexp_expr_matches_mpmath(point):
    xs = symbolic.logit_symbols(3)
    value = symbolic.logsumexp_expr(xs).subs(dict(zip(xs, map(sp.Float, point)))).evalf(40)
    assert abs(float(value) - float(_mp_logsumexp(point))) < 1e-12


@pytest.mark.parametrize("point", POINTS)
def test_log_softmax_expr_matches_mpmath(point):
    xs = symbolic.logit_symbols(3)
    values = symbolic.log_softmax_expr(xs).subs(dict(zip(xs, map(sp.Float, point)))).evalf(40)
    lse = _mp_logsumexp(point)
    for got, x in zip(values, point):
        assert abs(float(got) - float(mpmath.mpf(x) - lse)) < 1e-12


def test_gradient_of_logsumexp_is_softmax():
    xs = symbolic.logit_symbols(4)
    gradient = sp.Matrix([sp.diff(symbolic.logsumexp_expr(xs), x) for x in xs])
    assert sp.simplify(gradient - symbolic.softmax_expr(xs)) == sp.zeros(4, 1)


def test_logsumexp_shifts_with_its_argument():
    xs, c = symbolic.logit_symbols(3), sp.Symbol("c", real=True)
    shifted = symbolic.logsumexp_expr([x - c for x in xs]) + c
    assert sp.simplify(sp.expand_log(sp.expand(shifted, power_exp=True), force=True)
                       - symbolic.logsumexp_expr(xs)) == 0


def test_exp_of_log_softmax_sums_to_one_and_is_softmax():
    xs = symbolic.logit_symbols(3)
    probabilities = symbolic.log_softmax_expr(xs).applyfunc(sp.exp)
    assert sp.simplify(sum(probabilities)) == 1
    assert sp.simplify(probabilities - symbolic.softmax_expr(xs)) == sp.zeros(3, 1)


def test_chapter_2_the_sum_overflows_where_sympy_solves_it():
    # Chapter 2's band of silent zeros starts where e^z_max (1 + e^-2 + e^-4) reaches the overflow level e^L:
    # SymPy solves that equation, and helpers.figures.textbook_window must agree for every format.
    from helpers.figures import stability

    z_max, level = sp.symbols("z_max L", real=True)
    (solution,) = sp.solve(sp.Eq(sp.exp(z_max) + sp.exp(z_max - 2) + sp.exp(z_max - 4), sp.exp(level)), z_max)
    for fmt in stability.FORMATS:
        window = stability.textbook_window(fmt)
        assert float(solution.subs(level, window.nan_from)) == pytest.approx(window.zeros_from, abs=1e-12)
