"""Wrong variants of the book's exercise solutions, made by mutating the solutions' own code, for
tests/test_check_mutants.py.

Each exercise's reference solution is read from its chapter (the code cell tagged ``solution`` that defines
``my_...`` and passes it to ``checks.check_...``).  Every single-site mutation of its syntax tree is one variant:
an operator swapped (+ and -, * and /), a subtraction's or division's operands swapped, a minus sign dropped, a
constant moved (c + 1, c - 1, 0, -c; True and False; inf to 0), an ``axis`` changed or dropped, a reduction
exchanged (sum, max, mean, min) or replaced by the first element, a call dropped around its argument (exp, log,
abs), an index moved by one.  A variant is *observably wrong* when, on an input where the solution itself agrees
with an independent reference (SciPy's softmax and log_softmax, exact fractions, frexp), it raises or returns
something the reference does not; those are the variants a self-check must reject.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import json
import math
import warnings
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import scipy.special

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"

# Tolerances for "observably wrong": looser than the checks' (rtol 1e-5), so that a mutation that only moves the
# rounding never counts as a mistake a check must find.
RTOL, ATOL = 1e-4, 1e-7


# --------------------------------------------------------------------------- the solutions, from the chapters


@dataclass(frozen=True)
class Solution:
    """One exercise's reference solution: the function's source, its name and the name of its check."""

    chapter: str
    function: str
    check: str
    source: str


def _solution_cells():
    """(chapter path, parsed source) of every code cell tagged ``solution``, chapters in order."""
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code" and "solution" in cell.get("metadata", {}).get("tags", []):
                yield path, ast.parse("".join(cell["source"]))


def solutions():
    """Every ``def my_...`` of a solution cell that the same cell passes to a ``checks.check_...``."""
    found = []
    for path, tree in _solution_cells():
        defs = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr.startswith("check_") and node.args
                    and isinstance(node.args[0], ast.Name) and node.args[0].id in defs):
                fn = defs[node.args[0].id]
                found.append(Solution(path.stem, fn.name, node.func.attr, ast.unparse(fn)))
    return found


# --------------------------------------------------------------------------- mutations

_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult}
_REDUCTIONS = ("sum", "max", "mean", "min")
_DROPPABLE = {"exp", "log", "abs", "log1p", "expm1"}


def _sites(tree):
    """Every (node, replacement) pair; a replacement is a function of a deep copy of the node."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp):
            if type(node.op) in _SWAPS:
                yield node, lambda n: ast.BinOp(n.left, _SWAPS[type(n.op)](), n.right)
            if isinstance(node.op, (ast.Sub, ast.Div, ast.MatMult)):
                yield node, lambda n: ast.BinOp(n.right, n.op, n.left)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            yield node, lambda n: n.operand
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            yield node, lambda n: ast.Constant(not n.value)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            for new in {node.value + 1, node.value - 1, 0, -node.value} - {node.value}:
                yield node, lambda n, new=new: ast.Constant(type(n.value)(new))
        elif isinstance(node, ast.Attribute) and node.attr == "inf":
            yield node, lambda n: ast.Constant(0.0)
        elif isinstance(node, ast.keyword) and node.arg == "axis":
            for new in (0, 1, -1, None):
                if not (isinstance(node.value, ast.Constant) and node.value.value == new):
                    yield node, lambda n, new=new: ast.keyword("axis", ast.Constant(new))
        elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
            yield from _call_sites(node)
        elif isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
            yield from _index_sites(node)


def _name(func):
    return func.attr if isinstance(func, ast.Attribute) else func.id


def _call_sites(node):
    name = _name(node.func)
    if name in _REDUCTIONS:
        for other in _REDUCTIONS:
            if other != name:
                yield node, lambda n, other=other: _renamed(n, other)
        # the reduction replaced by the first element: x.max() -> x[0], np.max(x) -> x[0]
        method = isinstance(node.func, ast.Attribute) and not node.args
        if method or node.args:
            yield node, lambda n, method=method: ast.Subscript(
                n.func.value if method else n.args[0], ast.Constant(0), ast.Load())
    if name in _DROPPABLE and len(node.args) == 1:
        yield node, lambda n: n.args[0]


def _renamed(call, name):
    if isinstance(call.func, ast.Attribute):
        call.func.attr = name
    else:
        call.func.id = name
    return call


def _index_sites(node):
    index = node.slice
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    for i, part in enumerate(parts):
        if isinstance(part, ast.Slice) or (isinstance(part, ast.Constant) and part.value in (None, Ellipsis)):
            continue
        for step in (ast.Add(), ast.Sub()):
            def moved(n, i=i, step=step):
                elts = n.slice.elts if isinstance(n.slice, ast.Tuple) else None
                target = elts[i] if elts is not None else n.slice
                shifted = ast.BinOp(target, step, ast.Constant(1))
                if elts is not None:
                    elts[i] = shifted
                else:
                    n.slice = shifted
                return n
            yield node, moved


class _Replace(ast.NodeTransformer):
    def __init__(self, target, make):
        self.target, self.make = target, make

    def generic_visit(self, node):
        if node is self.target:
            return ast.copy_location(self.make(node), node) if hasattr(node, "lineno") else self.make(node)
        return super().generic_visit(node)


@dataclass(frozen=True)
class Mutant:
    """One single-site mutation of a solution: its source and a one-line description."""

    solution: Solution
    source: str
    change: str


def mutants(solution):
    """Every distinct single-site mutant of ``solution`` (in a fixed order), its own source excluded."""
    tree = ast.parse(solution.source)
    original = ast.unparse(tree)
    seen, found = {original}, []
    positions = list(_sites(tree))
    for k in range(len(positions)):
        fresh = ast.parse(solution.source)
        node, make = list(_sites(fresh))[k]
        before = ast.unparse(node)
        new_tree = ast.fix_missing_locations(_Replace(node, make).visit(fresh))
        source = ast.unparse(new_tree)
        if source in seen:
            continue
        seen.add(source)
        after = ast.unparse(make(copy.deepcopy(node))) if not isinstance(node, ast.keyword) else "axis changed"
        found.append(Mutant(solution, source, f"{before} -> {after}"))
    return found


def compile_function(source, name):
    """The function ``name`` defined by ``source``, in the namespace the chapters give their solutions."""
    import helpers

    namespace = {"np": np, "math": math, "helpers": helpers}
    exec(compile(source, f"<mutant of {name}>", "exec"), namespace)  # noqa: S102 -- our own solutions' code
    return namespace[name]


# --------------------------------------------------------------------------- independent references


def _softmax(x):
    return scipy.special.softmax(np.asarray(x, dtype=np.float64), axis=-1)


def _log_softmax(x):
    return scipy.special.log_softmax(np.asarray(x, dtype=np.float64), axis=-1)


def _jacobian(x):
    s = _softmax(x)
    return np.einsum("...i,ij->...ij", s, np.eye(s.shape[-1])) - np.einsum("...i,...j->...ij", s, s)


def _ordinal(v):
    """A float64's position among the floats, from frexp alone (not from its bits): 0.0 and -0.0 are 0."""
    if v == 0:
        return 0
    if v < 0:
        return -_ordinal(-v)
    mantissa, exponent = math.frexp(v)  # v = mantissa * 2**exponent, 1/2 <= mantissa < 1
    if exponent <= -1021:  # subnormal: a multiple of 2**-1074
        return int(Fraction(v) / Fraction(2) ** -1074)
    return (exponent + 1022) * 2**52 + int((Fraction(mantissa) * 2 - 1) * 2**52)


def _loss_terms(z, labels):
    return -_log_softmax(z)[np.arange(len(labels)), labels]


def _weighted_smoothed(z, labels, weight, eps):
    m, k = z.shape
    target = (1 - eps) * np.eye(k)[labels] + eps / k
    return -(weight * target * _log_softmax(z)).sum() / weight[labels].sum()


def _l2(W, b, X, y, C):
    G = C * (_softmax(X @ W + b) - np.eye(W.shape[1])[y])
    return np.vstack([W + X.T @ G, G.sum(axis=0)])


def _online(chunks):
    z = np.concatenate(chunks)
    mu = float(z.max())
    return np.array([mu, math.fsum(np.exp(z - mu))])


REFERENCES = {
    "check_softmax": _softmax,
    "check_softmax_temperature": lambda x, T: _softmax((np.asarray(x, float) - np.max(x, axis=-1, keepdims=True)) / T),
    "check_log_softmax": _log_softmax,
    "check_softmax_jacobian": _jacobian,
    "check_softmax_vjp": lambda x, g: np.einsum("...i,...ij->...j", g, _jacobian(x)),
    "check_cross_entropy": lambda z, labels: _loss_terms(z, labels).mean(),
    "check_cross_entropy_grad": lambda z, target: (_softmax(z) - target) / z.shape[0],
    "check_weighted_smoothed_loss": _weighted_smoothed,
    "check_l2_gradient": _l2,
    "check_tempered_loss": lambda z, y, T: _loss_terms(np.asarray(z, float) / T, y).mean(),
    "check_bias_gradient": lambda z, y: (_softmax(z) - np.eye(z.shape[1])[y]).mean(axis=0),
    "check_ulp_distance": lambda a, b: abs(_ordinal(a) - _ordinal(b)),
    "check_two_sum": lambda p, q: (p + q, float(Fraction(p) + Fraction(q) - Fraction(p + q))),
    "check_online_softmax": _online,
}


# --------------------------------------------------------------------------- the broad input set


def _rows(rng):
    """Rows of scores: random, adversarial (large, all-negative, spread out, ties) and with the max anywhere."""
    rows = [rng.normal(0, 3, size=5), rng.normal(0, 3, size=(3, 4)), rng.normal(0, 3, size=(4, 3)),
            np.array([1000.0, 1001.0, 1002.0]), np.array([-1000.0, -1001.0, -1002.0]),
            np.array([[1.0, 2.0, 3.0], [-1000.0, -1001.0, -1002.0]]), np.array([-800.0, 0.0, 800.0]),
            np.array([0.0, -800.0, -5.0]), np.zeros((2, 3)), np.array([2.5]), rng.normal(0, 3, size=(1, 6))]
    for where in range(4):  # the maximum at each position of a row
        row = rng.normal(0, 1, size=4) - 5.0
        row[where] = 3.0
        rows.append(row)
    # the same random rows in lower precision (values exact in float16)
    rows += [rng.normal(0, 3, size=(2, 5)).astype(dtype) for dtype in (np.float16, np.float32)]
    return rows


def _labelled(rng):
    """(logits, integer labels) batches: square and not, large, rows far apart, confidently wrong."""
    return [
        (rng.normal(0, 2, size=(3, 3)), np.array([0, 2, 1])),
        (rng.normal(0, 2, size=(5, 3)), np.array([1, 2, 0, 2, 1])),
        (rng.normal(0, 2, size=(2, 6)), np.array([5, 0])),
        (np.array([[1000.0, 1001.0, 1002.0]]), np.array([2])),
        (np.array([[1.0, 2.0, 3.0], [-1000.0, -1001.0, -1002.0]]), np.array([0, 2])),
        (np.array([[0.0, 800.0, -5.0], [3.0, 0.0, 1.0]]), np.array([0, 0])),
        (np.array([[-1000.0, -1001.0, -1003.0], [-5.0, -7.0, -6.0]]), np.array([1, 2])),
    ]


def inputs(check):
    """The broad input set of ``check``'s exercise: a list of argument tuples (seeded, so always the same)."""
    rng = np.random.default_rng(2024)
    if check in ("check_softmax", "check_log_softmax", "check_softmax_jacobian"):
        return [(x,) for x in _rows(rng)]
    if check == "check_softmax_temperature":
        return [(x, T) for x in _rows(rng)[:8] for T in (0.5, 2.0, 0.7, 100.0)] + [
            (np.array([1.0, 3.0, 3.0]), T) for T in (1e-3, 1e-308)]
    if check == "check_softmax_vjp":
        return [(x, rng.normal(0, 2, size=np.shape(x)).astype(x.dtype)) for x in _rows(rng)]
    if check == "check_cross_entropy":
        return _labelled(rng)
    if check == "check_cross_entropy_grad":
        out = []
        for z, labels in _labelled(rng):
            one_hot = np.eye(z.shape[1])[labels]
            out += [(z, one_hot), (z, 0.8 * one_hot + 0.2 / z.shape[1]), (z, _softmax(rng.normal(size=z.shape)))]
        return out
    if check == "check_weighted_smoothed_loss":
        return [(z, labels, rng.uniform(0.2, 3.0, size=z.shape[1]), eps)
                for z, labels in _labelled(rng) for eps in (0.0, 0.1, 0.3)]
    if check == "check_l2_gradient":
        out = []
        for m, d, k, scale, C in ((6, 4, 4, 1.0, 0.7), (9, 5, 3, 1.0, 2.5), (5, 4, 3, 200.0, 0.3), (7, 3, 5, 1.0, 1.0)):
            out.append((rng.normal(scale=scale, size=(d, k)), rng.normal(size=k), rng.normal(size=(m, d)),
                        np.arange(m) % k, C))
        return out
    if check == "check_tempered_loss":
        return [(z, labels, T) for z, labels in _labelled(rng) for T in (0.5, 2.0, 0.01, 100.0)]
    if check == "check_bias_gradient":
        return [(z, labels) for z, labels in _labelled(rng)] + [
            (rng.normal(size=(7, 4)), np.array([0, 1, 2, 1, 0, 2, 1])),
            (rng.normal(size=(7, 5)), np.array([0, 1, 3, 3, 0, 1, 4]))]
    if check == "check_ulp_distance":
        one = 1.0
        pairs = [(one, one), (one, np.nextafter(one, 2)), (2.0, 0.5), (0.5, 2.0), (-2.0, -1.0), (-1.0, 1.0),
                 (-0.0, 0.0), (-5e-324, 5e-324), (0.0, 5e-324), (1e-310, 3e-310), (np.nextafter(one, 0), one),
                 (-3.5, 1e300), (123.456, 123.45600000001)]
        return [(float(a), float(b)) for a, b in pairs]
    if check == "check_two_sum":
        pairs = [(1.0, 2.0), (1e20, 1.0), (1.0, 1e20), (2.0**53, 1.0), (3.0, 1e20), (0.1 * 2**60, 0.2 * 2**60),
                 (-1e20, 3.5), (3.5, -1e20), (0.1, 0.2), (1e16, -1.0), (-1.0, 1e16), (2.0**60, -3.0)]
        return [(float(p), float(q)) for p, q in pairs]
    if check == "check_online_softmax":
        streams = [[[0, 1, 2], [3, 4, 5], [6, 7]], [[3.0], [1.0], [0.5], [-2.0]],
                   [[1000.0, 1002.0], [1001.0, 1003.0], [999.0]], [[-1000.0, -1002.0], [-999.5, -1003.0]],
                   [[-5.0, -2.0, -3.0]], [[2.0, 1.0, 3.0], [0.0, 900.0, 1.5]], [[0.5, -1.0, 2.0]]]
        for where in range(3):  # a chunk whose maximum sits at each position
            chunk = [0.0, 0.0, 0.0]
            chunk[where] = 800.0
            streams.append([[1.0, -1.0], chunk, [2.0]])
        z = np.round(rng.normal(0, 3, size=10), 4)
        streams.append([z[:4], z[4:8], z[8:]])
        return [([np.asarray(c, dtype=np.float64) for c in stream],) for stream in streams]
    raise KeyError(check)


# --------------------------------------------------------------------------- judging a variant


def _agrees(got, expected):
    try:
        got = np.asarray(got, dtype=np.float64)
    except Exception:  # noqa: BLE001 -- a variant may return anything
        return False
    expected = np.asarray(expected, dtype=np.float64)
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL))


def _quietly(fn, args):
    """``fn(*copies of args)``, or the exception it raised; nothing printed, no warnings."""
    with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            return fn(*copy.deepcopy(args))
        except Exception as exc:  # noqa: BLE001 -- a variant may raise anything
            return exc


def usable_inputs(solution):
    """The inputs of the broad set on which the solution itself agrees with the independent reference."""
    fn, reference = compile_function(solution.source, solution.function), REFERENCES[solution.check]
    usable = []
    for args in inputs(solution.check):
        expected = _quietly(reference, args)
        if _agrees(_quietly(fn, args), expected):
            usable.append((args, expected))
    return usable


def observably_wrong(mutant, usable):
    """The first input on which ``mutant`` raises or disagrees with the reference, or None."""
    try:
        fn = compile_function(mutant.source, mutant.solution.function)
    except Exception:  # noqa: BLE001 -- a mutant that does not compile is no student's answer
        return None
    for args, expected in usable:
        got = _quietly(fn, args)
        if isinstance(got, Exception) or not _agrees(got, expected):
            return args
    return None


# --------------------------------------------------------------------------- the symbolic exercises


@dataclass(frozen=True)
class SymbolicSolution:
    """A symbolic exercise's solution: the statements before its check_expression call, the name they assign and
    the exercise's name."""

    chapter: str
    name: str
    variable: str
    source: str


def symbolic_solutions():
    """Every solution cell that ends ``checks.check_expression(my_..., ..., name=...)``: its statements before it."""
    found = []
    for path, tree in _solution_cells():
        for i, stmt in enumerate(tree.body):
            call = stmt.value if isinstance(stmt, ast.Expr) else None
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "check_expression" and isinstance(call.args[0], ast.Name)):
                name = next(k.value.value for k in call.keywords if k.arg == "name")
                source = "\n".join(ast.unparse(s) for s in tree.body[:i])
                found.append(SymbolicSolution(path.stem, name, call.args[0].id, source))
    return found


def _symbolic_setting():
    """The symbols, references, check arguments and independent numeric references of the four exercises."""
    import sympy as sp

    from helpers import symbolic

    z1, z2, z3 = sp.symbols("z1 z2 z3", real=True)
    T = sp.Symbol("T", positive=True)
    s = symbolic.softmax_expr([z1, z2, z3])
    s_T = sp.Matrix(symbolic.softmax_expr([z1 / T, z2 / T, z3 / T]))
    namespace = {"sp": sp, "z1": z1, "z2": z2, "z3": z3, "T": T, "s1": s[0], "s2": s[1], "s3": s[2]}

    def soft(*z):
        return scipy.special.softmax(np.array(z, dtype=float))

    setting = {
        "s_1 for two classes": (symbolic.softmax_expr([z1, z2])[0], {"as_function_of": z1 - z2}, (z1, z2),
                                lambda a, b: soft(a, b)[0]),
        "d LSE / d z1": (sp.diff(symbolic.logsumexp_expr([z1, z2, z3]), z1), {}, (z1, z2, z3),
                         lambda a, b, c: soft(a, b, c)[0]),
        "d s_1 / d z_2 at T": (s_T.jacobian([z1, z2, z3])[0, 1], {}, (z1, z2, z3, T),
                               lambda a, b, c, t: -soft(a / t, b / t, c / t)[0] * soft(a / t, b / t, c / t)[1] / t),
        "d2L / dz1 dz2": (sp.diff(symbolic.cross_entropy_expr([z1, z2, z3], (1, 0, 0)), z1, z2),
                          {"symbols": {"s1": s[0], "s2": s[1], "s3": s[2]}}, (z1, z2, z3),
                          lambda a, b, c: -soft(a, b, c)[0] * soft(a, b, c)[1]),
    }
    return namespace, setting


def symbolic_mutants(solution):
    """Every distinct single-site mutant of a symbolic solution's statements."""
    as_function = Solution(solution.chapter, "f", "check_expression",
                           "def f():\n" + textwrap_indent(solution.source) + f"\n    return {solution.variable}")
    return mutants(as_function)


def textwrap_indent(source):
    import textwrap

    return textwrap.indent(source, "    ")


def symbolic_value(source, variable_function, namespace):
    """The expression a (mutated) solution assigns, or None if it raises or is not an expression."""
    import sympy as sp

    scope = dict(namespace)
    try:
        exec(compile(source, "<symbolic mutant>", "exec"), scope)  # noqa: S102 -- our own solutions' code
        value = scope[variable_function]()
    except Exception:  # noqa: BLE001 -- a mutant may raise anything
        return None
    return value if isinstance(value, sp.Expr) else None


def symbolically_wrong(expr, symbols, numeric, points=6):
    """Does ``expr`` differ from the independent numeric reference at seeded points (T > 0)?"""
    rng = np.random.default_rng(7)
    for _ in range(points):
        values = rng.uniform(-2, 2, size=len(symbols))
        values[-1] = abs(values[-1]) + 0.2 if str(symbols[-1]) == "T" else values[-1]
        try:
            got = complex(expr.evalf(20, subs=dict(zip(symbols, values))))
        except Exception:  # noqa: BLE001 -- undefined at the point
            return True
        if not np.isclose(got, numeric(*values), rtol=RTOL, atol=ATOL):
            return True
    return False
