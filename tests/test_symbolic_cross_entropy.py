"""Tests of the chapter 4 SymPy helpers: each closed form against SymPy's own differentiation or against mpmath."""

import mpmath
import numpy as np
import pytest
import sympy as sp

from helpers import symbolic


@pytest.mark.parametrize("k", [2, 3, 4])
def test_gradient_closed_form_is_the_derivative_of_the_loss_for_any_target(k):
    xs, ys = symbolic.logit_symbols(k), symbolic.logit_symbols(k, name="y")
    loss = symbolic.cross_entropy_expr(xs, ys)
    derivative = sp.Matrix([sp.diff(loss, x) for x in xs])
    assert sp.simplify(derivative - symbolic.cross_entropy_grad_closed_form(xs, ys)) == sp.zeros(k, 1)


@pytest.mark.parametrize("k", [2, 3])
def test_hessian_closed_form_is_the_second_derivative_of_the_loss(k):
    xs, ys = symbolic.logit_symbols(k), symbolic.logit_symbols(k, name="y")
    hessian = sp.hessian(symbolic.cross_entropy_expr(xs, ys), xs)
    assert sp.simplify(hessian - symbolic.cross_entropy_hessian_closed_form(xs, ys)) == sp.zeros(k, k)


def test_closed_forms_reject_mismatched_lengths():
    xs = symbolic.logit_symbols(3)
    with pytest.raises(ValueError, match="2 targets for 3 logits"):
        symbolic.cross_entropy_grad_closed_form(xs, (1, 0))
    with pytest.raises(ValueError, match="2 targets for 3 logits"):
        symbolic.cross_entropy_hessian_closed_form(xs, (1, 0))


def test_cross_entropy_is_entropy_plus_kl_for_every_k():
    h, h_y, kl, *_ = symbolic.information_indexed()
    assert sp.simplify(sp.expand(sp.expand_log(h_y + kl - h, force=True))) == 0


def test_information_measures_print_as_the_chapter_shows_them():
    h, h_y, kl, *_ = symbolic.information_indexed()
    assert str(h) == "-Sum(log(s[i])*y[i], (i, 1, k))"
    assert str(h_y) == "-Sum(log(y[i])*y[i], (i, 1, k))"
    assert str(kl) == "Sum(log(y[i]/s[i])*y[i], (i, 1, k))"


def test_information_symbols_carry_the_assumptions_the_derivations_need():
    h, h_y, kl, y, s, i, k = symbolic.information_indexed()
    for symbol in (i, k):
        assert symbol.is_integer is True and symbol.is_positive is True, symbol
    # Positive probabilities and targets: SymPy may then split log(y/s) without force=True.
    assert y[i].is_positive is True and s[i].is_positive is True
    assert sp.expand(sp.expand_log(kl.function)) == y[i] * sp.log(y[i]) - y[i] * sp.log(s[i])


def test_information_measures_match_mpmath_at_a_point():
    h, h_y, kl, y, s, i, k = symbolic.information_indexed()
    target, model = [0.7, 0.2, 0.1], [0.5, 0.3, 0.2]
    values = {y[n + 1]: target[n] for n in range(3)} | {s[n + 1]: model[n] for n in range(3)}

    def evaluate(expr):
        return float(expr.subs(k, 3).doit().subs(values))

    mp_h = -mpmath.fsum(t * mpmath.log(q) for t, q in zip(target, model))
    mp_kl = mpmath.fsum(t * mpmath.log(t / q) for t, q in zip(target, model))
    assert np.isclose(evaluate(h), float(mp_h), rtol=1e-14)
    assert np.isclose(evaluate(kl), float(mp_kl), rtol=1e-14)
    assert evaluate(kl) > 0
