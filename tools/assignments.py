"""Graded assignments from the chapters' exercises (otter-grader), and local grading of a folder of submissions.

    python tools/assignments.py build [OUT_DIR]                      (`make assignments`; default _build/assignments)
    python tools/assignments.py grade CHAPTER_DIR SUBMISSIONS [--csv scores.csv]                      (`make grade`)

``build`` writes, for each chapter, ``OUT_DIR/<chapter>/``: ``instructor/<chapter>.ipynb`` (the otter master
notebook, with solutions and hidden tests) and what ``otter assign`` makes of it: ``student/`` (the notebook to hand
out) and ``autograder/`` (the solution notebook and ``<chapter>-autograder_<date>.zip``, for Gradescope or
``otter run``).

Each code or formula exercise of a chapter is one question.  Its reference solution is the chapter's own solution
cell (the statements up to the definition of the answer), so the book and the assignment cannot disagree.  Its
public test is the self-check the student already sees (the verdict of ``helpers.checks``), worth ``PUBLIC_POINTS``;
a function question adds hidden tests, one point each (``HIDDEN`` below): new inputs drawn from the same mistake
models as the self-check (scores near 1000, rows far apart, tiny temperatures, absent classes...) with other values,
compared with the reference implementation in ``helpers``.  A formula question has no hidden test: its self-check
already decides equality for every value of the symbols.

The assignment notebook keeps only what its exercises need: the Colab cell, the imports they use, the exercise
text, the statements of the chapter that define the symbols an exercise refers to (``J_T``, ``zs``...), the answer
cell (the chapter's stub), and the self-check cell (tagged ``otter_ignore``: the student runs it for feedback, the
grader skips it and runs the tests instead).

Every call of a student's function in a test runs on copies of the inputs (a changed input fails the test), with
its printing swallowed, and within ``TIME_LIMIT`` seconds (a loop fails that test, not the grading).  ``grade``
runs otter run (no Docker) on each notebook of a folder, one kernel each, with every cell of a submission limited
to ``CELL_TIME_LIMIT`` seconds (then interrupted, as Jupyter's stop button does, and the next cell runs), and writes
one CSV row per submission: its score per question, the total, and a note when it could not be graded.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import functools
import inspect
import io
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from student_edition import SOLUTION_TAG  # noqa: E402

PUBLIC_POINTS = 2
TIME_LIMIT = 10  # seconds for one call of a student's function in a test
CELL_TIME_LIMIT = 60  # seconds for one cell of a submission under `grade`
EXERCISE = re.compile(r"```\{exercise\}\s*(?P<title>.*)\n:label:\s*(?P<label>\S+)\n(?P<body>.*?)\n```", re.S)
MARKER_COMMENT = "# marker: "


# --------------------------------------------------------------------------- the tests' shared code

def _answer(fn, *args):
    """fn(*args) on copies of the arguments, its printing swallowed, within a time limit; the arguments unchanged."""
    seconds = float(os.environ.get("ASSIGNMENT_TIME_LIMIT", TIME_LIMIT))
    copies = [np.array(a) if isinstance(a, np.ndarray) else a for a in args]

    def stop(signum, frame):
        raise TimeoutError(f"no answer within {seconds:g} s: is there an endless loop?")

    previous = signal.signal(signal.SIGALRM, stop)
    # then again every 0.1 s: a self-check that catches the first TimeoutError and calls fn again is stopped too
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            got = fn(*copies)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, outer)
    for before, after in zip(args, copies):
        assert not isinstance(before, np.ndarray) or np.array_equal(before, after, equal_nan=True), "input changed"
    return got


def _agree(got, expected):
    """The answer has the expected shape and values (np.allclose, as the self-checks compare)."""
    got = np.asarray(got, dtype=float)
    assert got.shape == np.shape(expected), f"shape {got.shape}, expected {np.shape(expected)}"
    assert np.allclose(got, expected, rtol=1e-5, atol=1e-8), "wrong values"


# --------------------------------------------------------------------------- hidden tests
# One function per hidden test, named for the mistake model it draws from; its parameter is the student's answer,
# by the name the exercise asks for.  Inputs differ from the self-check's; expected values come from helpers.


def softmax_near_1000(my_softmax):
    from helpers.numerics import softmax
    x = np.round(np.random.default_rng(231).normal(1000.0, 4.0, size=(4, 5)) * 8) / 8  # exact in float32
    _agree(_answer(my_softmax, x), softmax(x))


def softmax_rows_apart(my_softmax):
    from helpers.numerics import softmax
    x = np.array([[0.5, -1.25, 2.0, 0.0], [-1200.0, -1203.5, -1199.0, -1201.0], [850.0, 851.5, 849.0, 850.25]])
    _agree(_answer(my_softmax, x), softmax(x))
    _agree(_answer(my_softmax, x[1]), softmax(x[1]))


def softmax_T_tiny_temperature(my_softmax_T):
    from helpers.numerics import softmax
    x = np.array([[0.75, 2.5, 2.0], [-1.5, -0.25, -3.0]])
    expected = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])  # the limit T -> 0: all on the unique maximum
    _agree(_answer(my_softmax_T, x, 1e-308), expected)  # x / T overflows: shift first, then divide
    _agree(_answer(my_softmax_T, x[0] * 600, 0.04), softmax(x[0] * 600 / 0.04))


def softmax_T_ordinary(my_softmax_T):
    from helpers.numerics import softmax
    x = np.round(np.random.default_rng(232).normal(0.0, 3.0, size=(3, 4)), 3)
    for T in (0.3, 7.5):
        _agree(_answer(my_softmax_T, x, T), softmax(x / T))


def log_softmax_big_gap(my_log_softmax):
    from helpers.numerics import log_softmax
    x = np.array([[0.0, -900.0, -3.5, 1.25], [1210.0, 1205.5, 1212.0, 1209.0]])
    _agree(_answer(my_log_softmax, x), log_softmax(x))


def log_softmax_rows_apart(my_log_softmax):
    from helpers.numerics import log_softmax
    x = np.array([[-2.5, -4.0, -3.0], [-1500.0, -1501.5, -1499.0]])
    _agree(_answer(my_log_softmax, x), log_softmax(x))
    _agree(_answer(my_log_softmax, x[1]), log_softmax(x[1]))


def jacobian_near_1000(my_softmax_jacobian):
    from helpers.numerics import softmax_jacobian
    x = np.round(np.random.default_rng(233).normal(1000.0, 2.0, size=(3, 5)) * 8) / 8  # exact in float32
    _agree(_answer(my_softmax_jacobian, x), softmax_jacobian(x))


def jacobian_rows_apart(my_softmax_jacobian):
    from helpers.numerics import softmax_jacobian
    x = np.array([[0.25, 1.5, -0.75, 2.0], [-1100.0, -1102.0, -1099.5, -1101.0]])
    _agree(_answer(my_softmax_jacobian, x), softmax_jacobian(x))
    _agree(_answer(my_softmax_jacobian, x[0]), softmax_jacobian(x[0]))


def vjp_near_1000(my_softmax_vjp):
    from helpers.numerics import softmax_vjp
    rng = np.random.default_rng(234)
    x, g = np.round(rng.normal(950.0, 3.0, size=(4, 6)) * 8) / 8, np.round(rng.normal(size=(4, 6)), 3)
    _agree(_answer(my_softmax_vjp, x, g), softmax_vjp(x, g))


def vjp_rows_apart(my_softmax_vjp):
    from helpers.numerics import softmax_vjp
    x = np.array([[1.0, -0.5, 2.25], [-1300.0, -1298.0, -1301.5]])
    g = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    _agree(_answer(my_softmax_vjp, x, g), softmax_vjp(x, g))
    _agree(_answer(my_softmax_vjp, x[1], g[1]), softmax_vjp(x[1], g[1]))


def cross_entropy_confidently_wrong(my_cross_entropy):
    from helpers.numerics import cross_entropy
    logits = np.array([[0.0, 950.0, -4.0, 1.0], [2.0, 0.5, -1.0, 0.0], [1020.0, 1019.0, 1021.5, 1018.0]])
    labels = np.array([0, 3, 2])
    _agree(_answer(my_cross_entropy, logits, labels), cross_entropy(logits, labels))


def cross_entropy_tall_batch(my_cross_entropy):
    from helpers.numerics import cross_entropy
    logits = np.round(np.random.default_rng(235).normal(0.0, 3.0, size=(7, 3)), 3)
    labels = np.array([2, 0, 1, 1, 0, 2, 2])
    _agree(_answer(my_cross_entropy, logits, labels), cross_entropy(logits, labels))


def cross_entropy_grad_one_hot(my_cross_entropy_grad):
    from helpers.numerics import cross_entropy_grad, one_hot
    logits = np.round(np.random.default_rng(236).normal(0.0, 3.0, size=(6, 4)), 3)
    target = one_hot([3, 0, 1, 1, 2, 0], 4)
    _agree(_answer(my_cross_entropy_grad, logits, target), cross_entropy_grad(logits, target))


def cross_entropy_grad_soft_far(my_cross_entropy_grad):
    from helpers.numerics import cross_entropy_grad, one_hot
    logits = np.array([[0.5, -2.0, 1.0], [-1100.0, -1101.0, -1098.0], [0.0, 900.0, -3.0]])
    target = 0.8 * one_hot([1, 0, 0], 3) + 0.2 / 3
    _agree(_answer(my_cross_entropy_grad, logits, target), cross_entropy_grad(logits, target))


def weighted_smoothed_ordinary(my_weighted_smoothed_loss):
    from helpers.numerics import cross_entropy
    rng = np.random.default_rng(237)
    logits, labels = np.round(rng.normal(0.0, 3.0, size=(6, 4)), 3), np.array([3, 0, 1, 1, 2, 3])
    weight = np.array([0.5, 2.0, 1.25, 3.0])
    for eps in (0.0, 0.15):
        expected = cross_entropy(logits, labels, weight=weight, label_smoothing=eps)
        _agree(_answer(my_weighted_smoothed_loss, logits, labels, weight, eps), expected)


def weighted_smoothed_large(my_weighted_smoothed_loss):
    from helpers.numerics import cross_entropy
    logits = np.array([[1000.0, 1003.0, 998.5], [0.0, -850.0, 2.0], [-1200.0, -1201.0, -1199.5]])
    labels, weight = np.array([0, 1, 2]), np.array([1.5, 0.25, 4.0])
    expected = cross_entropy(logits, labels, weight=weight, label_smoothing=0.05)
    _agree(_answer(my_weighted_smoothed_loss, logits, labels, weight, 0.05), expected)


def _sklearn_gradient(W, b, X, y, C):
    """The gradient of 1/2 |W|^2 + C sum_n L_n, stacked as np.vstack([dW, db])."""
    from helpers.numerics import one_hot, softmax
    G = C * (softmax(X @ W + b) - one_hot(y, W.shape[1]))
    return np.vstack([W + X.T @ G, G.sum(axis=0)])


def l2_gradient_ordinary(my_gradient):
    rng = np.random.default_rng(238)
    W, b, X = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(7, 3))
    y = np.array([0, 3, 1, 1, 2, 0, 3])
    _agree(_answer(my_gradient, W, b, X, y, 0.3), _sklearn_gradient(W, b, X, y, 0.3))


def l2_gradient_large_scores(my_gradient):
    rng = np.random.default_rng(239)
    W, b, X = 40 * rng.normal(size=(3, 4)), rng.normal(size=4), 10 * rng.normal(size=(5, 3))
    y = np.array([2, 2, 0, 1, 3])
    _agree(_answer(my_gradient, W, b, X, y, 2.0), _sklearn_gradient(W, b, X, y, 2.0))


def tempered_loss_small_T(my_tempered_loss):
    from helpers.numerics import cross_entropy
    z = np.array([[0.0, 12.0, -3.0], [4.5, 4.0, 9.0], [1.0, 2.0, 0.5]])
    y = np.array([0, 2, 1])
    _agree(_answer(my_tempered_loss, z, y, 0.01), cross_entropy(z / 0.01, y))


def tempered_loss_ordinary(my_tempered_loss):
    from helpers.numerics import cross_entropy
    z = np.round(np.random.default_rng(240).normal(0.0, 3.0, size=(5, 4)), 3)
    y = np.array([1, 3, 0, 0, 2])
    for T in (0.5, 3.0):
        _agree(_answer(my_tempered_loss, z, y, T), cross_entropy(z / T, y))


def bias_gradient_last_class_absent(my_bias_gradient):
    from helpers.numerics import cross_entropy_grad
    z = np.round(np.random.default_rng(241).normal(0.0, 3.0, size=(5, 5)), 3)
    y = np.array([0, 2, 1, 3, 2])  # class 4 never appears
    _agree(_answer(my_bias_gradient, z, y), cross_entropy_grad(z, y).sum(axis=0))


def bias_gradient_middle_class_absent(my_bias_gradient):
    from helpers.numerics import cross_entropy_grad
    z = np.round(np.random.default_rng(242).normal(0.0, 3.0, size=(6, 4)), 3)
    y = np.array([0, 3, 3, 0, 1, 3])  # class 2 never appears
    _agree(_answer(my_bias_gradient, z, y), cross_entropy_grad(z, y).sum(axis=0))


def _steps(a, n):
    """The float n steps above a (n > 0) or below it, counted one np.nextafter at a time."""
    for _ in range(abs(n)):
        a = np.nextafter(a, np.inf if n > 0 else -np.inf)
    return float(a)


def ulp_distance_across_power_of_two(my_ulp_distance):
    for a, n in ((4.0, -7), (0.125, 12), (2.0**600, -5), (1e300, 3)):
        b = _steps(a, n)
        assert _answer(my_ulp_distance, a, b) == abs(n), f"distance between {a!r} and {b!r}"
        assert _answer(my_ulp_distance, b, a) == abs(n), f"distance between {b!r} and {a!r}"


def ulp_distance_across_zero(my_ulp_distance):
    tiny = 5e-324
    for a, b, n in ((-3 * tiny, 2 * tiny, 5), (-0.0, 4 * tiny, 4), (-0.0, 0.0, 0), (_steps(-1.5, -2), -1.5, 2)):
        assert _answer(my_ulp_distance, a, b) == n, f"distance between {a!r} and {b!r}"


def _exact(s, e, p, q):
    from fractions import Fraction
    return s == p + q and Fraction(s) + Fraction(e) == Fraction(p) + Fraction(q)


def two_sum_smaller_first(my_two_sum):
    for p, q in ((1.0, 3e18), (-0.1, 2.5e17), (3.0, -1e25)):
        s, e = _answer(my_two_sum, p, q)
        assert _exact(float(s), float(e), p, q), f"my_two_sum({p!r}, {q!r})"


def two_sum_mixed(my_two_sum):
    rng = np.random.default_rng(243)
    for p, q in zip(rng.normal(size=6) * 10.0 ** rng.integers(-8, 8, 6), rng.normal(size=6)):
        s, e = _answer(my_two_sum, float(p), float(q))
        assert _exact(float(s), float(e), float(p), float(q)), f"my_two_sum({p!r}, {q!r})"


def _normaliser(z):
    """(max z, sum_j exp(z_j - max z)) in one shot, for the whole array."""
    return z.max(), np.exp(z - z.max()).sum()


def _once(chunks):
    """A stream of chunks that can be read once (a generator)."""
    yield from (np.array(c) for c in chunks)


def online_all_negative(my_online_normaliser):
    z = np.round(np.random.default_rng(244).normal(-1500.0, 3.0, size=12), 3)
    mu, ell = _answer(my_online_normaliser, _once(np.split(z, 4)))
    _agree([mu, ell], list(_normaliser(z)))


def online_later_maximum(my_online_normaliser):
    z = np.concatenate([np.linspace(-2.0, 3.0, 5), [905.0, 899.5, 903.25], [-40.0, 907.5]])
    mu, ell = _answer(my_online_normaliser, _once([z[:5], z[5:8], z[8:]]))
    _agree([mu, ell], list(_normaliser(z)))


HIDDEN = {
    "my_softmax": [softmax_near_1000, softmax_rows_apart],
    "my_softmax_T": [softmax_T_tiny_temperature, softmax_T_ordinary],
    "my_log_softmax": [log_softmax_big_gap, log_softmax_rows_apart],
    "my_softmax_jacobian": [jacobian_near_1000, jacobian_rows_apart],
    "my_softmax_vjp": [vjp_near_1000, vjp_rows_apart],
    "my_cross_entropy": [cross_entropy_confidently_wrong, cross_entropy_tall_batch],
    "my_cross_entropy_grad": [cross_entropy_grad_one_hot, cross_entropy_grad_soft_far],
    "my_weighted_smoothed_loss": [weighted_smoothed_ordinary, weighted_smoothed_large],
    "my_gradient": [l2_gradient_ordinary, l2_gradient_large_scores],
    "my_tempered_loss": [tempered_loss_small_T, tempered_loss_ordinary],
    "my_bias_gradient": [bias_gradient_last_class_absent, bias_gradient_middle_class_absent],
    "my_ulp_distance": [ulp_distance_across_power_of_two, ulp_distance_across_zero],
    "my_two_sum": [two_sum_smaller_first, two_sum_mixed],
    "my_online_normaliser": [online_all_negative, online_later_maximum],
}
# The private helpers a hidden test may call, pasted into its test function when it does.
SUPPORT = [_sklearn_gradient, _steps, _exact, _normaliser, _once]


# --------------------------------------------------------------------------- reading the chapters


@dataclass
class Test:
    """One test of a question: a function of the names it needs from the submission's namespace."""

    name: str
    source: str  # the test function, self-contained
    params: list[str]
    points: int
    hidden: bool

    def run(self, env):
        """Run the test against the namespace ``env``; return True if it passes (any exception fails it)."""
        try:
            self._function(*(env.get(p) for p in self.params))
        except Exception:  # a failing test is any exception: AssertionError, TimeoutError, the student's own
            return False
        return True

    @functools.cached_property
    def _function(self):
        namespace = {}
        exec(compile(self.source, f"<test {self.name}>", "exec"), namespace)
        return namespace[self.name]


@dataclass
class Question:
    """One exercise of a chapter, as a graded question."""

    name: str  # q1, q2, ... in the chapter's order
    label: str
    title: str
    text: str
    answer: str  # the name the exercise asks for (my_softmax, my_s1, ...)
    imports: list[str]  # the chapter's import statements that the exercise uses
    setup: list[str]  # the chapter's statements defining the names the exercise uses, then the stub's own
    stub: str  # the answer cell as the chapter hands it out
    solution: str  # the chapter's solution statements, up to the answer's definition
    check: str  # the self-check call
    tests: list[Test] = field(default_factory=list)

    @property
    def points(self):
        return sum(t.points for t in self.tests)


def _names(tree):
    """(names a piece of code reads, names it binds): enough to follow which chapter statements an exercise needs."""
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return loaded, bound


def _statements(source):
    """The top-level statements of a cell: (source text, node); [] for a cell Python cannot parse (a %magic)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    lines = source.splitlines()
    return [("\n".join(lines[node.lineno - 1:node.end_lineno]), node) for node in tree.body]


def _is_check(node):
    call = node.value if isinstance(node, ast.Expr) else None
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr.startswith("check_")


def _defines(node):
    """The names a top-level statement binds (not those bound inside a function or a comprehension it contains)."""
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    names, todo = set(), [node]
    while todo:
        current = todo.pop()
        if isinstance(current, ast.Name) and not isinstance(current.ctx, ast.Load):
            names.add(current.id)
        elif not isinstance(current, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            todo.extend(ast.iter_child_nodes(current))
    return names


def _plain_markdown(text):
    """MyST roles to plain text, for a notebook outside the book: {ref}`text <target>` -> text."""
    text = re.sub(r"\{[\w:]+\}`([^`<]*?)\s*<[^`]*>`", r"\1", text)
    return re.sub(r"\{[\w:]+\}`([^`]*)`", r"\1", text)


def _merge_imports(statements):
    """One statement per module, in first-seen order: ``from m import a`` and ``from m import a, b`` become the
    second, so the notebook does not import a name twice.

    >>> _merge_imports(["import numpy as np", "from helpers import checks", "from helpers import checks, symbolic"])
    ['import numpy as np', 'from helpers import checks, symbolic']
    """
    merged = {}
    for statement in statements:
        node = ast.parse(statement).body[0]
        key = (type(node).__name__, getattr(node, "module", None), getattr(node, "level", 0),
               None if isinstance(node, ast.ImportFrom) else ast.unparse(node))
        if key not in merged:
            merged[key] = node
        elif isinstance(node, ast.ImportFrom):
            seen = {(a.name, a.asname) for a in merged[key].names}
            merged[key].names += [a for a in node.names if (a.name, a.asname) not in seen]
    return [ast.unparse(node) for node in merged.values()]


def _slice(needed, context):
    """The statements of ``context`` that define the ``needed`` names, and those their definitions need, in order:
    (import statements, reduced to the names needed; other statements)."""
    builtins = set(dir(__import__("builtins")))
    needed = set(needed) - builtins
    imports, chosen = [], []
    for source, node in reversed(context):
        defined = _defines(node) & needed
        if not defined:
            continue
        needed -= defined
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            node = ast.parse(source).body[0]
            node.names = [a for a in node.names if (a.asname or a.name).split(".")[0] in defined]
            imports.append(ast.unparse(node))
        else:
            loaded, bound = _names(node)
            chosen.append(source)
            needed |= loaded - bound - builtins
    return imports[::-1], chosen[::-1]


def read_questions(chapter):
    """The chapter's exercises with a code cell, as questions (stub, solution and context from the notebook)."""
    cells = nbformat.read(chapter, as_version=4).cells
    questions, context = [], []
    for i, cell in enumerate(cells):
        solution = SOLUTION_TAG in cell.metadata.get("tags", [])
        match = EXERCISE.search(cell.source) if cell.cell_type == "markdown" and not solution else None
        if match:
            stub_cell = next((c for c in cells[i + 1:] if c.cell_type == "code"), None)
            answer_cell = next(
                c for c in cells[i + 1:] if c.cell_type == "code" and SOLUTION_TAG in c.metadata.get("tags", []))
            stub = _statements(stub_cell.source)
            answers = [(s, n) for s, n in stub if any(name.startswith("my_") for name in _defines(n))]
            if not answers:
                continue  # an exercise without a code answer (none at present)
            answer = next(name for name in _defines(answers[0][1]) if name.startswith("my_"))
            solution_statements = _statements(answer_cell.source)
            last = max(j for j, (_, n) in enumerate(solution_statements) if answer in _defines(n))
            solution_statements = [(s, n) for s, n in solution_statements[:last + 1] if not _is_check(n)]
            check = next(s for s, n in stub if _is_check(n))
            own = [s for s, n in stub if not _is_check(n) and (s, n) not in answers]
            code = "\n".join([*own, answers[0][0], *(s for s, _ in solution_statements), check])
            loaded, bound = _names(ast.parse(code))
            imports, setup = _slice(loaded - bound, context)
            questions.append(Question(
                name=f"q{len(questions) + 1}", label=match["label"], title=match["title"].strip(),
                text=_plain_markdown(match["body"].strip()), answer=answer, imports=imports,
                setup=setup + own, stub=answers[0][0], solution="\n".join(s for s, _ in solution_statements),
                check=check))
        if cell.cell_type == "code" and not solution:
            context.extend(_statements(cell.source))
    return questions


# --------------------------------------------------------------------------- the tests of a question


def _body(fn):
    """The body of a function's source, dedented."""
    lines = textwrap.dedent(inspect.getsource(fn)).splitlines()
    start = next(i for i, line in enumerate(lines) if line.rstrip().endswith(":")) + 1
    return textwrap.dedent("\n".join(lines[start:]))


def _runtime():
    parts = ["import contextlib, io, os, signal", "import numpy as np", f"TIME_LIMIT = {TIME_LIMIT}"]
    return "\n".join(parts + [inspect.getsource(_answer), inspect.getsource(_agree)])


def _test_source(name, params, body, marker=None):
    """A self-contained test function: the shared runtime, then ``body``."""
    lines = [_runtime(), body] + ([f"_planted = {marker!r}"] if marker else [])  # otter drops comments
    return f"def {name}({', '.join(params)}):\n" + textwrap.indent("\n".join(lines), "    ") + "\n"


def make_tests(question, marker=None):
    """The public test (the self-check's verdict) and the hidden tests of a question; ``marker`` is planted in
    every hidden test (the leak test searches the students' files for it)."""
    import_names = set()
    for statement in question.imports:
        import_names |= _names(ast.parse(statement))[1]
    loaded, _ = _names(ast.parse(question.check))
    params = sorted(loaded - import_names)
    needs = [s for s in question.imports if _names(ast.parse(s))[1] & loaded]
    body = "\n".join(needs + [
        f"result = _answer(lambda: {question.check})",
        'assert result.passed, "the self-check does not pass: run the check cell to see why"',
    ])
    tests = [Test("test_self_check", _test_source("test_self_check", params, body), params, PUBLIC_POINTS, False)]
    for fn in HIDDEN.get(question.answer, []):
        support = [inspect.getsource(s) for s in SUPPORT if re.search(rf"\b{s.__name__}\(", _body(fn))]
        name = f"test_{fn.__name__}"
        source = _test_source(name, [question.answer], "\n".join(support + [_body(fn)]), marker)
        tests.append(Test(name, source, [question.answer], 1, True))
    question.tests = tests
    return tests


def namespace(question, answer_code=None):
    """The names a submission defines for ``question``: its imports and setup, then ``answer_code`` (the reference
    solution if None)."""
    env = {}
    exec("\n".join(question.imports + question.setup), env)
    exec(question.solution if answer_code is None else answer_code, env)
    return env


def grade_in_process(question, env):
    """{test name: passed} for the names in ``env`` (a submission's namespace)."""
    return {t.name: t.run(env) for t in question.tests}


def score_in_process(question, env):
    return sum(t.points for t in question.tests if t.run(env))


# --------------------------------------------------------------------------- the otter master notebook


def _raw(text):
    return nbformat.v4.new_raw_cell(text)


def _test_cell(test):
    config = '""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n' if test.hidden else ""
    return nbformat.v4.new_code_cell(f"{config}{test.source}\n{test.name}({', '.join(test.params)})")


def _requirements():
    """What Gradescope installs: the book's numerical pins and its helpers from the repository (as Colab does)."""
    pins = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
            if re.match(r"(numpy|sympy|scipy)==", line)]
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    url = repository["url"].removesuffix("/")
    return "\n".join(pins + [f"softmax-book-helpers @ git+{url}@{repository.get('branch', 'main')}"]) + "\n"


def master_notebook(chapter, questions, marker=None):
    """The otter-assign master notebook of a chapter: solutions and hidden tests in, to be split by otter assign."""
    title = nbformat.read(chapter, as_version=4).cells[1].source.splitlines()[0].lstrip("# ").strip()
    config = {
        "name": chapter.stem, "requirements": "requirements.txt", "init_cell": False, "check_all_cell": False,
        "export_cell": False, "run_tests": True, "solutions_pdf": False,
        "generate": {"pdf": False, "show_stdout": False, "show_hidden": False},
        "tests": {"files": True, "ok_format": False},
    }
    for q in questions:
        make_tests(q, marker)
    total = sum(q.points for q in questions)
    imports = _merge_imports(s for q in questions for s in q.imports)
    intro = (
        f"# Assignment: {title}\n\n"
        f"{len(questions)} questions, {total} points. Write each answer in the cell that holds its `...`, then run "
        "the self-check cell below it: it says what is wrong, if anything. The self-check's verdict is worth "
        f"{PUBLIC_POINTS} points; a code answer is then tried on a few more inputs like those of the self-check "
        "(1 point each), so an answer that only fits the self-check's inputs loses points. "
        "Run the notebook top to bottom (Kernel, Restart and run all) before you hand it in.")
    cells = [_raw("# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False)),
             nbformat.v4.new_markdown_cell(intro),
             nbformat.v4.new_code_cell(_colab_cell(chapter)),
             nbformat.v4.new_code_cell("\n".join(imports))]
    for n, q in enumerate(questions, start=1):
        points = [t.points for t in q.tests]
        # check_cell: false, since the students' notebooks have no otter `grader`: the self-check cell gives feedback
        cells.append(_raw(f"# BEGIN QUESTION\nname: {q.name}\npoints: {points}\ncheck_cell: false"))
        cells.append(nbformat.v4.new_markdown_cell(
            f"## Question {n}: {q.title} ({q.points} points)\n\n{q.text}"))
        if q.setup:
            cells.append(nbformat.v4.new_code_cell("\n".join(q.setup)))
        solution = q.solution + (f"\n{MARKER_COMMENT}{marker}" if marker else "")
        # otter assign keeps the lines between the PROMPT lines for the students and removes the solution
        answer = (f'""" # BEGIN PROMPT\n{q.stub}\n""" # END PROMPT\n'
                  f"# BEGIN SOLUTION NO PROMPT\n{solution}\n# END SOLUTION")
        cells += [_raw("# BEGIN SOLUTION"), nbformat.v4.new_code_cell(answer), _raw("# END SOLUTION")]
        check = nbformat.v4.new_code_cell(q.check)
        check.metadata["tags"] = ["otter_ignore"]  # for the student's feedback; the grader runs the tests instead
        cells.append(check)
        cells.append(_raw("# BEGIN TESTS"))
        cells.extend(_test_cell(t) for t in q.tests)
        cells.append(_raw("# END TESTS"))
        cells.append(_raw("# END QUESTION"))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _colab_cell(chapter):
    """The chapter's Colab cell (it installs helpers on Colab and does nothing elsewhere)."""
    cell = next(c for c in nbformat.read(chapter, as_version=4).cells if "colab-setup" in c.metadata.get("tags", []))
    return cell.source


def build_chapter(chapter, out_dir, marker=None, run_tests=True):
    """Write the master notebook of ``chapter`` into ``out_dir`` and run ``otter assign`` on it; return the
    questions."""
    chapter, out_dir = Path(chapter), Path(out_dir).resolve()
    questions = read_questions(chapter)
    for generated in ("instructor", "student", "autograder"):
        shutil.rmtree(out_dir / generated, ignore_errors=True)
    master = out_dir / "instructor" / f"{chapter.stem}.ipynb"
    master.parent.mkdir(parents=True)
    nbformat.write(master_notebook(chapter, questions, marker), master)
    (master.parent / "requirements.txt").write_text(_requirements())
    from otter.assign import main as otter_assign

    cwd = os.getcwd()
    os.chdir(master.parent)  # otter assign reads requirements.txt beside the master notebook
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            otter_assign(master.name, str(out_dir.resolve()), no_pdfs=True, no_run_tests=not run_tests)
    finally:
        os.chdir(cwd)
    return questions


def autograder_zip(chapter_dir):
    """The autograder zip otter assign wrote into ``chapter_dir``/autograder."""
    return next((Path(chapter_dir) / "autograder").glob("*-autograder_*.zip"))


# --------------------------------------------------------------------------- local grading

@contextlib.contextmanager
def _cell_time_limit(seconds):
    """While active, otter's notebook runs interrupt a cell of the submission after ``seconds`` (as Jupyter's stop
    button does: the cell ends with KeyboardInterrupt and the next one runs); otter's own grading cell is exempt."""
    import nbconvert.preprocessors
    from traitlets import default

    original = nbconvert.preprocessors.ExecutePreprocessor

    class Limited(original):
        @default("timeout_func")
        def _timeout_func(self):
            return lambda cell: None if "otter" in cell.source else seconds

        @default("interrupt_on_timeout")
        def _interrupt_on_timeout(self):
            return True

    nbconvert.preprocessors.ExecutePreprocessor = Limited
    try:
        yield
    finally:
        nbconvert.preprocessors.ExecutePreprocessor = original


def grade_submission(zip_path, submission, work_dir):
    """Grade one notebook with otter run (in this process, no Docker); return ({question: score}, note)."""
    from otter.run import main as otter_run

    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    try:
        notebook = nbformat.read(submission, as_version=4)
    except Exception as error:  # not a notebook at all: graded 0, with the reason
        return {}, f"not graded: unreadable notebook ({type(error).__name__})"
    copy = work_dir / Path(submission).name
    nbformat.write(notebook, copy)
    cwd = os.getcwd()
    try:
        limit = float(os.environ.get("ASSIGNMENT_CELL_TIME_LIMIT", CELL_TIME_LIMIT))
        with open(work_dir / "otter_run.log", "w") as log, contextlib.redirect_stdout(log), _cell_time_limit(limit):
            otter_run(str(copy), autograder=str(Path(zip_path).resolve()), output_dir=str(work_dir), no_logo=True)
    except Exception as error:  # a dead kernel, a broken notebook: graded 0, with the reason
        return {}, f"not graded: {type(error).__name__}: {str(error)[:200]}"
    finally:
        os.chdir(cwd)
    tests = json.loads((work_dir / "results.json").read_text())["tests"]
    return {t["name"]: t["score"] for t in tests if "score" in t}, ""


def grade_folder(zip_path, submissions, csv_path):
    """Grade every notebook in ``submissions``; write one CSV row per submission; return the rows."""
    questions = _question_names(zip_path)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, submission in enumerate(sorted(Path(submissions).glob("*.ipynb"))):
            scores, note = grade_submission(zip_path, submission, Path(tmp) / str(n))
            row = {"submission": submission.name, **{q: scores.get(q, 0) for q in questions}}
            row["total"] = sum(row[q] for q in questions)
            row["note"] = note
            rows.append(row)
            print(f"{submission.name}: {row['total']} points {note}")
    with open(csv_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["submission", *questions, "total", "note"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _question_names(zip_path):
    """q1, q2, ... from the autograder zip's test files."""
    import zipfile
    with zipfile.ZipFile(zip_path) as z:
        names = [Path(n).stem for n in z.namelist() if re.fullmatch(r"tests/q\d+\.py", n)]
    return sorted(names, key=lambda q: int(q[1:]))


def build(out_dir, marker=None, run_tests=True):
    """Build every chapter's assignment under ``out_dir``; return {chapter stem: questions}."""
    built = {}
    for chapter in sorted((ROOT / "chapters").glob("*.ipynb")):
        built[chapter.stem] = build_chapter(chapter, Path(out_dir) / chapter.stem, marker, run_tests)
        print(f"{Path(out_dir) / chapter.stem}: {len(built[chapter.stem])} questions")
    return built


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_command = commands.add_parser("build", help="write every chapter's assignment")
    build_command.add_argument("out_dir", nargs="?", default=ROOT / "_build" / "assignments", type=Path)
    grade_command = commands.add_parser("grade", help="grade a folder of submitted notebooks into a CSV")
    grade_command.add_argument("autograder", type=Path, help="the autograder zip, or a chapter's folder")
    grade_command.add_argument("submissions", type=Path, help="a folder of .ipynb files")
    grade_command.add_argument("--csv", type=Path, default=Path("scores.csv"))
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.out_dir)
    else:
        zip_path = autograder_zip(args.autograder) if args.autograder.is_dir() else args.autograder
        grade_folder(zip_path, args.submissions, args.csv)
        print(f"Scores written to {args.csv}")


if __name__ == "__main__":
    main()
