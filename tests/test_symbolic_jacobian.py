"""helpers.symbolic's chapter 3 additions, against independent references: explicit SymPy matrices for fixed n,
finite differences of SciPy's softmax, and mpmath at high precision."""

import mpmath
import numpy as np
import pytest
import scipy.special
import sympy as sp

from helpers import numerics, symbolic


def _index_symbols():
    """Chapter 3's letters: i the output, j the score we vary, l the index of the sum in the denominator."""
    s_i, z, i, j, k = symbolic.softmax_indexed()
    ell = sp.Symbol("l", integer=True, positive=True)
    return s_i.xreplace({j: ell}), z, i, j, k, ell


def test_indices_in_range_removes_the_piecewise_from_a_differentiated_sum():
    s_i, z, i, j, k, ell = _index_symbols()
    raw = sp.diff(s_i, z[j]).doit()
    assert raw.has(sp.Piecewise)
    cleaned = symbolic.indices_in_range(raw, k, j)
    assert not cleaned.has(sp.Piecewise)


def test_indices_in_range_leaves_an_expression_without_conditions_alone():
    _, z, i, j, k, _ = _index_symbols()
    expr = z[i] ** 2 + sp.KroneckerDelta(i, j)
    assert symbolic.indices_in_range(expr, k, i, j) == expr


@pytest.mark.parametrize("condition", ["Le", "Ge"])
def test_indices_in_range_settles_either_spelling_of_the_range_condition(condition):
    _, _, _, j, k, _ = _index_symbols()
    inside = sp.Le(j, k) if condition == "Le" else sp.Ge(k, j)
    assert symbolic.indices_in_range(sp.Piecewise((j, inside), (0, True)), k, j) == j


def test_rows_and_columns_of_the_general_entry_sum_to_zero_for_every_k():
    """Chapter 3's proof: summing s_i (delta_ij - s_j) over j leaves a condition i <= k (not k >= i) to settle."""
    s_i, z, i, j, k, ell = _index_symbols()
    claim = s_i * (sp.KroneckerDelta(i, j) - s_i.subs(i, j))
    row_sum = symbolic.indices_in_range(sp.Sum(claim, (j, 1, k)).doit(), k, i)
    column_sum = symbolic.indices_in_range(sp.Sum(claim, (i, 1, k)).doit(), k, j)
    assert sp.simplify(row_sum.xreplace({j: ell})) == 0
    assert sp.simplify(column_sum.xreplace({i: ell})) == 0


@pytest.mark.parametrize("n", [2, 3, 5])
def test_the_general_entry_agrees_with_the_explicit_jacobian_for_fixed_n(n):
    """Substitute k = n and concrete indices into the indexed derivative; compare with SymPy's n x n matrix."""
    s_i, z, i, j, k, ell = _index_symbols()
    general = symbolic.indices_in_range(sp.diff(s_i, z[j]).doit(), k, j)
    zs = symbolic.logit_symbols(n)
    explicit = symbolic.softmax_expr(zs).jacobian(zs)
    for a in range(n):
        for b in range(n):
            entry = general.subs({i: a + 1, j: b + 1, k: n}).doit()
            entry = entry.subs({z[c + 1]: zs[c] for c in range(n)})
            assert sp.simplify(entry - explicit[a, b]) == 0


def test_jacobian_in_outputs_matches_finite_differences_of_scipy_softmax():
    rng = np.random.default_rng(7)
    for n in (2, 4, 6):
        J, s = symbolic.softmax_jacobian_in_outputs(n)
        x = rng.normal(scale=2.0, size=n)
        probabilities = scipy.special.softmax(x)
        values = np.array(J.subs(dict(zip(s, probabilities))).evalf().tolist(), dtype=float)
        measured = numerics.numerical_jacobian(scipy.special.softmax, x)
        assert np.allclose(values, measured, rtol=0, atol=1e-9)


def test_jacobian_in_outputs_at_high_precision_against_mpmath():
    with mpmath.workdps(40):  # not mp.dps = 40, which would change the precision of every later test
        x = [mpmath.mpf("0.25"), mpmath.mpf("-1"), mpmath.mpf("2.3")]
        total = sum(mpmath.exp(v) for v in x)
        probabilities = [mpmath.exp(v) / total for v in x]
        J, s = symbolic.softmax_jacobian_in_outputs(3)
        exact = J.subs({sym: sp.Float(str(p), 40) for sym, p in zip(s, probabilities)})
        for a in range(3):
            for b in range(3):
                derivative = mpmath.diff(lambda t: mpmath.exp(x[a] + (t if a == b else 0))
                                         / (total - mpmath.exp(x[b]) + mpmath.exp(x[b] + t)), 0)
                assert abs(float(exact[a, b]) - float(derivative)) < 1e-30


def test_jacobian_in_outputs_names_n_positive_symbols():
    for n in (1, 3):
        J, s = symbolic.softmax_jacobian_in_outputs(n)
        assert len(s) == n and J.shape == (n, n)
        assert all(symbol.is_positive for symbol in s)
    assert str(s) == "(s1, s2, s3)"
    assert str(symbolic.softmax_jacobian_in_outputs(1)[0]) == "Matrix([[s1*(1 - s1)]])"
    assert str(symbolic.softmax_jacobian_in_outputs(2, name="p")[1]) == "(p1, p2)"


def test_jacobian_in_outputs_rejects_a_bad_size():
    with pytest.raises(ValueError, match="positive int"):
        symbolic.softmax_jacobian_in_outputs(0)
    with pytest.raises(ValueError, match="positive int"):
        symbolic.softmax_jacobian_in_outputs(2.0)


def test_the_vjp_formula_is_the_gradient_of_g_dot_softmax_for_every_n():
    """(J^T g)_j = s_j (g_j - <s, g>): SymPy proves it with indexed symbols; the test checks it at n = 4 too."""
    s_i, z, i, j, k, ell = _index_symbols()
    g = sp.IndexedBase("g", real=True)
    entry = symbolic.indices_in_range(sp.diff(s_i, z[j]).doit(), k, j)
    vjp = symbolic.indices_in_range(sp.Sum(g[i] * entry, (i, 1, k)).doit(), k, j)
    claim = s_i.subs(i, j) * (g[j] - sp.Sum(g[i] * s_i, (i, 1, k)))
    assert sp.simplify(vjp - claim) == 0

    zs, gs = symbolic.logit_symbols(4), symbolic.logit_symbols(4, name="g")
    scalar = sum(gv * sv for gv, sv in zip(gs, symbolic.softmax_expr(zs)))
    gradient = sp.Matrix([sp.diff(scalar, zv) for zv in zs])
    s = symbolic.softmax_expr(zs)
    dot = sum(gv * sv for gv, sv in zip(gs, s))
    assert sp.simplify(gradient - sp.Matrix([s[c] * (gs[c] - dot) for c in range(4)])).is_zero_matrix


def test_the_index_clash_is_softmax_to_sympy_and_one_over_k_read_literally():
    """Chapter 3's aside on the seed's e^{x_i} / sum_i e^{x_i}: SymPy binds the sum's i, so i = 2 reaches only the
    numerator (softmax's second output); putting 2 in everywhere gives 1/k, the same for every class."""
    _, z, i, j, k, _ = _index_symbols()
    clash = sp.exp(z[i]) / sp.Sum(sp.exp(z[i]), (i, 1, k))
    at_2 = clash.subs(i, 2)
    for n in (2, 3, 5):
        zs = symbolic.logit_symbols(n)
        values = dict(zip(zs, [sp.Rational(c, 3) for c in range(n)]))
        explicit = at_2.subs(k, n).doit().subs({z[c + 1]: zs[c] for c in range(n)}).subs(values)
        assert sp.simplify(explicit - symbolic.softmax_expr(zs)[1].subs(values)) == 0
    assert (sp.exp(z[2]) / sp.Sum(sp.exp(z[2]), (i, 1, k))).doit() == 1 / k


def test_the_temperature_derivative_of_the_jacobian_against_mpmath():
    """Chapter 3's dJ/dT = -J/T + (diag(ds) - ds s^T - s ds^T)/T, ds = -(diag(s) - s s^T) z / T^2, in NumPy as the
    chapter writes it, against mpmath's numerical derivative of the exact Jacobian at 40 digits."""
    def numpy_derivative(z, t):
        s = numerics.softmax(z / t)
        ds = -numerics.softmax_vjp(z / t, z) / t**2
        return (np.diag(ds) - np.outer(ds, s) - np.outer(s, ds)) / t - numerics.softmax_jacobian(z / t) / t**2

    def exact_entry(z, a, b, t):
        e = [mpmath.exp(v / t) for v in z]
        p = [v / sum(e) for v in e]
        return p[a] * ((a == b) - p[b]) / t

    z = [2.0, -0.5, 1.25, 0.0]
    with mpmath.workdps(40):
        for t in (0.25, 1.0, 7.0):
            expected = np.array([[float(mpmath.diff(lambda u: exact_entry(z, a, b, u), t)) for b in range(4)]
                                 for a in range(4)])
            assert np.allclose(numpy_derivative(np.array(z), t), expected, rtol=1e-12, atol=1e-14)
