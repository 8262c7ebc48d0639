"""SymPy derivations: softmax, its Jacobian and cross-entropy as exact expressions.

Two forms are offered.  For a fixed number of classes ``n`` the functions take
a tuple of real symbols and return SymPy matrices, which SymPy can
differentiate and simplify completely.  For a general ``n``,
:func:`softmax_indexed` writes softmax with an indexed symbol and a ``Sum``.

:func:`compare_with_numpy` closes the loop: it evaluates a SymPy result at
numerical points and compares it with a NumPy implementation from
:mod:`helpers.numerics`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

__all__ = [
    "logit_symbols",
    "softmax_expr",
    "softmax_indexed",
    "softmax_jacobian_expr",
    "softmax_jacobian_closed_form",
    "cross_entropy_expr",
    "information_indexed",
    "cross_entropy_grad_closed_form",
    "cross_entropy_hessian_closed_form",
    "indices_in_range",
    "softmax_jacobian_in_outputs",
    "logsumexp_expr",
    "log_softmax_expr",
    "Agreement",
    "compare_with_numpy",
]


def logit_symbols(k, name="z"):
    """Real symbols ``z1, ..., zk`` for the logits of ``k`` classes.

    >>> logit_symbols(3)
    (z1, z2, z3)
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive int (the number of classes), got {k!r}")
    return tuple(sp.symbols(f"{name}1:{k + 1}", real=True))


def softmax_expr(xs):
    r"""Softmax of the symbols (or expressions) ``xs`` as a column matrix: :math:`s_i = e^{z_i} / \sum_j e^{z_j}`.

    >>> softmax_expr(logit_symbols(2))
    Matrix([
    [exp(z1)/(exp(z1) + exp(z2))],
    [exp(z2)/(exp(z1) + exp(z2))]])
    """
    xs = tuple(xs)
    total = sum(sp.exp(x) for x in xs)
    return sp.Matrix([sp.exp(x) / total for x in xs])


def softmax_indexed():
    r"""Softmax for a general number of classes ``k``, with index symbols.

    Returns ``(s_i, z, i, j, k)``: the expression
    :math:`s_i = e^{z_i} / \sum_{j=1}^{k} e^{z_j}`, the indexed logits ``z``,
    the free index ``i``, the summation index ``j`` and the symbol ``k``.

    >>> s_i, z, i, j, k = softmax_indexed()
    >>> s_i
    exp(z[i])/Sum(exp(z[j]), (j, 1, k))
    """
    k = sp.Symbol("k", integer=True, positive=True)
    i, j = sp.symbols("i j", integer=True, positive=True)
    z = sp.IndexedBase("z", real=True)
    return sp.exp(z[i]) / sp.Sum(sp.exp(z[j]), (j, 1, k)), z, i, j, k


def softmax_jacobian_expr(xs):
    r"""The Jacobian :math:`\partial s_i / \partial z_j` of softmax, differentiated by SymPy.

    Entries are written back in terms of the softmax outputs where SymPy's
    ``simplify`` finds it; compare with :func:`softmax_jacobian_closed_form`.

    >>> J = softmax_jacobian_expr(logit_symbols(2))
    >>> J.shape
    (2, 2)
    """
    xs = tuple(xs)
    return sp.simplify(softmax_expr(xs).jacobian(xs))


def softmax_jacobian_closed_form(xs):
    r"""The closed form :math:`J = \operatorname{diag}(s) - s s^\top` with :math:`s = \operatorname{softmax}(z)`.

    >>> xs = logit_symbols(3)
    >>> sp.simplify(softmax_jacobian_expr(xs) - softmax_jacobian_closed_form(xs))
    Matrix([
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0]])
    """
    s = softmax_expr(xs)
    return sp.diag(*s) - s * s.T


def cross_entropy_expr(xs, ys):
    r"""Cross-entropy :math:`-\sum_i y_i \log s_i` of softmax(``xs``) against targets ``ys``.

    ``ys`` may be symbols (a general distribution) or numbers (a one-hot row).

    >>> xs = logit_symbols(2)
    >>> cross_entropy_expr(xs, (1, 0))  # one-hot: minus the log-probability of class 1
    -log(exp(z1)/(exp(z1) + exp(z2)))
    """
    s = softmax_expr(xs)
    if len(ys) != len(s):
        raise ValueError(f"got {len(ys)} targets for {len(s)} logits: they must match")
    return -sum(y * sp.log(p) for y, p in zip(ys, s))


@dataclass(frozen=True)
class Agreement:
    """Outcome of :func:`compare_with_numpy`; truthy when every point agreed."""

    name: str
    points: int
    max_abs_error: float
    tolerance: float

    def __bool__(self):
        return self.max_abs_error <= self.tolerance

    def __repr__(self):
        if self:
            bound = f"every |difference| < {self.tolerance:.0e}"
            return f"SymPy and NumPy agree on {self.name} at {self.points} points ({bound})"
        return (
            f"SymPy and NumPy DISAGREE on {self.name}: largest |difference| {self.max_abs_error:.3g} "
            f"over {self.points} points"
        )


def compare_with_numpy(expr, symbols, numpy_fn, points, *, tolerance=1e-12, exact=False, name=None):
    """Evaluate ``expr`` and ``numpy_fn`` at each point and compare them.

    ``expr`` is a SymPy expression or matrix in ``symbols``; ``numpy_fn`` takes a
    1-D array of values for ``symbols`` and returns an array whose entries match
    ``expr``'s entries in order.  With ``exact=False`` the expression is
    lambdified into NumPy (fast; inherits float overflow); with ``exact=True``
    it is evaluated with 30 significant digits by SymPy, a reference that no
    float overflow can touch.  The comparison uses the absolute difference of
    entries, suitable for quantities of order 1 such as probabilities.

    >>> import helpers
    >>> xs = logit_symbols(3)
    >>> compare_with_numpy(softmax_expr(xs), xs, helpers.softmax, [[0, 1, 2], [1000, 0, -5]], exact=True)
    SymPy and NumPy agree on softmax at 2 points (every |difference| < 1e-12)
    """
    symbols = tuple(symbols)
    points = np.atleast_2d(np.asarray(points, dtype=float))
    if points.shape[1] != len(symbols):
        raise ValueError(f"each point needs {len(symbols)} values, got shape {points.shape}")
    fast = None if exact else sp.lambdify(symbols, expr, modules="numpy")
    worst = 0.0
    for point in points:
        if exact:
            # Float(v, 30) keeps every bit of the float64 point (Float(v) would round it to 15 digits).
            exact_point = {symbol: sp.Float(float(v), 30) for symbol, v in zip(symbols, point)}
            values = sp.N(sp.sympify(expr).subs(exact_point), 30)
            reference = np.array(sp.Matrix([values]).evalf(30).tolist(), dtype=float).ravel()
        else:
            reference = np.ravel(np.asarray(fast(*point), dtype=float))
        actual = np.ravel(np.asarray(numpy_fn(point), dtype=float))
        if actual.shape != reference.shape:
            raise ValueError(
                f"numpy_fn returned {actual.size} values but the expression has {reference.size}"
            )
        difference = np.abs(actual - reference)
        # NaN compares false with everything, so it must be caught before taking the maximum.
        worst = max(worst, float(difference.max()) if np.isfinite(difference).all() else np.inf)
    label = name or getattr(numpy_fn, "__name__", "the expression")
    return Agreement(label, len(points), worst, tolerance)


# --------------------------------------------------------------------------- cross-entropy (chapter 4)


def information_indexed():
    r"""Cross-entropy, entropy and KL divergence for a general number of classes ``k``.

    Returns ``(cross_entropy, entropy, kl, y, s, i, k)``, where ``y`` (the target) and ``s`` (the model's
    probabilities, :math:`s = \operatorname{softmax}(z)` as on the notation page) are positive indexed symbols and

    .. math:: H(y, s) = -\sum_{i=1}^{k} y_i \log s_i, \qquad H(y) = -\sum_{i=1}^{k} y_i \log y_i, \qquad
              \operatorname{KL}(y \,\|\, s) = \sum_{i=1}^{k} y_i \log \frac{y_i}{s_i}.

    >>> h, h_y, kl, y, s, i, k = information_indexed()
    >>> kl
    Sum(log(y[i]/s[i])*y[i], (i, 1, k))
    """
    k = sp.Symbol("k", integer=True, positive=True)
    i = sp.Symbol("i", integer=True, positive=True)
    y = sp.IndexedBase("y", positive=True)
    s = sp.IndexedBase("s", positive=True)
    cross_entropy = -sp.Sum(y[i] * sp.log(s[i]), (i, 1, k))
    entropy = -sp.Sum(y[i] * sp.log(y[i]), (i, 1, k))
    kl = sp.Sum(y[i] * sp.log(y[i] / s[i]), (i, 1, k))
    return cross_entropy, entropy, kl, y, s, i, k


def cross_entropy_grad_closed_form(xs, ys):
    r"""The gradient of :func:`cross_entropy_expr` in closed form, :math:`\nabla_z L = s \sum_i y_i - y`.

    For a target that sums to 1 this is :math:`s - y`.  Compare with SymPy's own derivative:

    >>> xs, ys = logit_symbols(3), logit_symbols(3, name="y")
    >>> derivative = sp.Matrix([sp.diff(cross_entropy_expr(xs, ys), x) for x in xs])
    >>> sp.simplify(derivative - cross_entropy_grad_closed_form(xs, ys)).T
    Matrix([[0, 0, 0]])
    """
    ys = tuple(ys)
    s = softmax_expr(xs)
    if len(ys) != len(s):
        raise ValueError(f"got {len(ys)} targets for {len(s)} logits: they must match")
    return s * sum(ys) - sp.Matrix(ys)


def cross_entropy_hessian_closed_form(xs, ys):
    r"""The Hessian of :func:`cross_entropy_expr` in closed form.

    .. math:: \nabla^2_z L = \Bigl(\sum_i y_i\Bigr) \bigl(\operatorname{diag}(s) - s s^\top\bigr)

    For a target that sums to 1 it is the softmax Jacobian itself; it does not depend on the target's shape.

    >>> xs = logit_symbols(2)
    >>> sp.simplify(sp.hessian(cross_entropy_expr(xs, (1, 0)), xs) - cross_entropy_hessian_closed_form(xs, (1, 0)))
    Matrix([
    [0, 0],
    [0, 0]])
    """
    ys = tuple(ys)
    if len(ys) != len(xs):
        raise ValueError(f"got {len(ys)} targets for {len(xs)} logits: they must match")
    return sum(ys) * softmax_jacobian_closed_form(xs)


def indices_in_range(expr, k, *indices):
    r"""Tell ``expr`` that each index in ``indices`` lies in ``1..k``.

    Differentiating a ``Sum`` over ``l = 1..k`` with respect to ``z[j]`` leaves a ``Piecewise`` that asks
    whether ``j <= k``: SymPy cannot know that ``j`` names one of the ``k`` logits.  This replaces those
    conditions by True.

    >>> s_i, z, i, j, k = softmax_indexed()
    >>> l = sp.Symbol("l", integer=True, positive=True)
    >>> indices_in_range(sp.Sum(z[l], (l, 1, k)).diff(z[j]).doit(), k, j)
    1
    """
    conditions = {}
    for index in indices:
        conditions[sp.Ge(k, index)] = True
        conditions[sp.Le(index, k)] = True
    return sp.sympify(expr).subs(conditions)


def softmax_jacobian_in_outputs(k, name="s"):
    r"""The softmax Jacobian written in the outputs: entries :math:`s_i (\delta_{ij} - s_j)`, symbols ``s1..sn``.

    Returns ``(J, s)`` with ``s`` a tuple of ``k`` positive symbols.  The constraint :math:`\sum_i s_i = 1` is not
    built in; substitute it where a result needs it.

    >>> J, s = softmax_jacobian_in_outputs(2)
    >>> J
    Matrix([
    [s1*(1 - s1),      -s1*s2],
    [     -s1*s2, s2*(1 - s2)]])
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive int (the number of classes), got {k!r}")
    s = tuple(sp.symbols(f"{name}1:{k + 1}", positive=True))
    return sp.Matrix(k, k, lambda i, j: s[i] * (sp.KroneckerDelta(i, j) - s[j])), s


# --------------------------------------------------------------------------- log-sum-exp and log-softmax (chapter 2)


def logsumexp_expr(xs):
    r"""Log-sum-exp of the symbols ``xs``: :math:`\operatorname{LSE}(z) = \log \sum_j e^{z_j}`.

    Its gradient is softmax:

    >>> xs = logit_symbols(2)
    >>> logsumexp_expr(xs)
    log(exp(z1) + exp(z2))
    >>> sp.simplify(sp.diff(logsumexp_expr(xs), xs[0]) - softmax_expr(xs)[0])
    0
    """
    return sp.log(sum(sp.exp(x) for x in tuple(xs)))


def log_softmax_expr(xs):
    r"""Log-softmax of the symbols ``xs`` as a column matrix: :math:`\log s_i = z_i - \operatorname{LSE}(z)`.

    This is ``log`` of :func:`softmax_expr` with the logarithm of the quotient split:

    >>> xs = logit_symbols(2)
    >>> log_softmax_expr(xs).T
    Matrix([[z1 - log(exp(z1) + exp(z2)), z2 - log(exp(z1) + exp(z2))]])
    >>> sp.expand_log(softmax_expr(xs).applyfunc(sp.log), force=True) == log_softmax_expr(xs)
    True
    """
    xs = tuple(xs)
    lse = logsumexp_expr(xs)
    return sp.Matrix([x - lse for x in xs])
