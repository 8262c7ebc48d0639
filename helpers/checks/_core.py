"""The shared core of the self-checks: cases, tolerances, calling the reader's function safely, diagnosis, result.

A self-check calls the reader's function on a few chosen inputs, compares each answer with a reference, prints
a few lines of feedback and returns a :class:`CheckResult`, truthy only on a full pass.  It never raises,
whatever the reader's function does (raises, returns None, a list, a string, the wrong shape), so a notebook runs
top to bottom; a stub (``...``, ``pass``, ``raise NotImplementedError``) is "not attempted yet", not a mistake.

How a topic module adds a checker (see :mod:`helpers.checks.softmax` for a full example):

1. Write ``_cases()`` returning a tuple of :class:`Case`: a label, the arguments, the expected answer (from an
   independent reference in :mod:`helpers.numerics`), the hint for a nan/inf answer and a fallback hint.  Give
   each known mistake an input on which it fails with a recognisable symptom; include :func:`random_logits`
   (ordinary non-integer values) and, for a batched checker, rows far apart (``[[1, 2, 3], [-1000, -1001,
   -1002]]``) so a max or sum over the whole batch fails.
2. Write ``_diagnose(case, got)``: given a right-shaped wrong answer (float64 array), return the hint naming the
   mistake, or None to fall back on the core's diagnosis (near misses, rounding) and then ``case.wrong_hint``.
   Optionally ``_diagnose_shape(case, got_shape)`` for wrongly shaped answers (None: the core's generic hint).
3. ``_SPEC = Spec("check_<name>", _cases, _diagnose, _diagnose_shape)`` and
   ``def check_<name>(fn): return run_check(_SPEC, fn)`` with a docstring and a doctest.
4. Re-export ``check_<name>`` from ``helpers/checks/__init__.py``; add ``tests/test_checks_<topic>.py`` and a
   ``tests/student_attempts/<topic>.py`` file with at least 15 attempts.

The core does the rest: it calls the function on copies (scalars are passed as they are), catches what it raises
(shown with the reader's own line and a hint) and what it prints, and reports a near miss with how close it came.
A notebook's stub must stay "not attempted yet": its body may hold only ``...``, ``pass``, a docstring,
``raise NotImplementedError`` and conversions of a parameter (``x = np.asarray(x, dtype=float)``); a function
that does other work and returns None is asked whether a ``return`` is missing.

>>> r = CheckResult("check_x", passed=False, attempted=False, messages=("not yet",))
>>> bool(r), r
(False, CheckResult(name='check_x', passed=False, attempted=False, checks_passed=0/0))
"""

from __future__ import annotations

import ast
import contextlib
import copy
import inspect
import io
import linecache
import re
import sys
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

__all__ = [
    "ATOL",
    "FAIL",
    "LOG_MAX",
    "PASS",
    "PER_ROW",
    "RTOL",
    "Case",
    "CheckResult",
    "Spec",
    "close",
    "describe_exception",
    "emit",
    "fmt",
    "random_logits",
    "run_check",
]

# A correct implementation differs from the reference only by rounding: a few ulps in float64, about 1e-7
# relative (a few times that after exp) if the reader works in float32.  Half precision (float16, unit roundoff
# 4.9e-4) is off by about 1e-3, and every mistake checked for by far more (nan, a constant factor, a wrong row), so
# NumPy's default allclose tolerances separate the two with room to spare on both sides.
RTOL = 1e-5
ATOL = 1e-8

# exp(x) overflows float64 above this (about 709.78).
LOG_MAX = float(np.log(np.finfo(np.float64).max))

PASS, FAIL = "✓", "✗"
NOT_ATTEMPTED = ("{name}: not attempted yet", "  fill in the function body and run this cell again")
_SHORT_TEXT = 100  # characters of an exception message worth showing in a notebook
PER_ROW = "reduce with axis=-1, keepdims=True so each row is normalised on its own"
# The rows of a batch far apart: a max or sum over the whole batch (not per row) fails on it.
FAR_APART_ROWS = ((1.0, 2.0, 3.0), (-1000.0, -1001.0, -1002.0))


def random_logits(shape, seed, scale=3.0):
    """Seeded ordinary scores: normal with standard deviation ``scale``, rounded to 4 decimals.

    Non-integer, so half precision cannot represent them (an answer computed in float16 is off by about 1e-3),
    while the rounding keeps the printed input exact, so a reader can paste it and reproduce a failure.

    >>> random_logits((2, 3), seed=1)
    array([[ 1.0368,  2.4649,  0.9913],
           [-3.9095,  2.7161,  1.3391]])
    """
    return np.round(np.random.default_rng(seed).normal(0.0, scale, size=shape), 4)


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one exercise check; truthy only if every check passed.

    ``attempted`` is False for a stub function, so "not attempted yet" and
    "wrong" can be told apart; ``messages`` holds the printed lines;
    ``failed_case`` names the first input that failed (None on a pass).
    """

    name: str
    passed: bool
    attempted: bool
    messages: tuple[str, ...]
    failed_case: str | None = None
    checks_passed: int = 0
    checks_total: int = 0

    def __bool__(self):
        return self.passed

    @property
    def feedback(self) -> str:
        """The printed feedback as one string."""
        return "\n".join(self.messages)

    def _ipython_display_(self):
        """Show nothing: the feedback was printed when the check ran, and once is enough."""

    def __repr__(self):
        failed = f", failed_case={self.failed_case!r}" if self.failed_case else ""
        return (
            f"CheckResult(name={self.name!r}, passed={self.passed}, attempted={self.attempted}, "
            f"checks_passed={self.checks_passed}/{self.checks_total}{failed})"
        )


# --------------------------------------------------------------------------- cases and specs


@dataclass(frozen=True)
class Case:
    """One input to a check: its label, arguments, reference answer and case-specific hints."""

    label: str
    args: tuple
    expected: np.ndarray
    nonfinite_hint: str  # the likely cause when this input gives nan or inf
    wrong_hint: str  # the likely cause when no symptom-specific diagnosis matches
    arg_names: tuple[str, ...] = ("x",)


@dataclass(frozen=True)
class Spec:
    """What one ``check_<name>`` supplies to :func:`run_check`."""

    name: str
    make_cases: Callable[[], tuple[Case, ...]]
    # hint for a right-shaped, wrong answer (given as float64); None falls back on case.wrong_hint
    diagnose_values: Callable[[Case, np.ndarray], str | None] | None = None
    # hint for a wrongly shaped answer; None falls back on a generic hint
    diagnose_shape: Callable[[Case, tuple], str | None] | None = None
    # the same, given the answer itself (as float64), tried first: a shape's hint confirmed by the values
    diagnose_shape_values: Callable[[Case, np.ndarray], str | None] | None = None


@dataclass(frozen=True)
class _Call:
    """What one call of the reader's function did (and what it printed, which the check keeps out of sight)."""

    value: object = None
    error: BaseException | None = None
    mutated: bool = False
    printed: str = ""


@dataclass(frozen=True)
class _Failure:
    """Why a case failed: a few lines of detail and a hint."""

    details: tuple[str, ...]
    hint: str | None = None


# --------------------------------------------------------------------------- calling the reader's function


def _not_attempted(name):
    return tuple(line.format(name=name) for line in NOT_ATTEMPTED)


def _call(fn, args):
    """Call ``fn`` on copies of ``args``, catching anything it raises and anything it prints.

    Copies protect the caller's arrays and let us see in-place changes.  NumPy's
    warnings are silenced because the check reports the nan itself, in one place.
    KeyboardInterrupt is let through so the reader can still stop a slow function.
    """
    copies = copy.deepcopy(args)  # arrays stay arrays, Python ints and floats stay what they are
    out = io.StringIO()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stdout(out):
            warnings.simplefilter("ignore")
            value = fn(*copies)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 -- the reader's code may raise anything
        return _Call(error=exc)
    mutated = any(not _unchanged(c, a) for c, a in zip(copies, args))
    return _Call(value=value, mutated=mutated, printed=out.getvalue())


def _unchanged(after, before):
    """Is an argument after the call still equal to the case's original (nan equal to nan)?"""
    try:
        return bool(np.array_equal(np.asarray(after), np.asarray(before), equal_nan=True))
    except TypeError:  # equal_nan on a non-numeric dtype
        return bool(np.array_equal(np.asarray(after), np.asarray(before)))


def _is_placeholder(stmt, params):
    """Is ``stmt`` part of a stub: a docstring, ``...``, ``pass`` or a conversion of a parameter such as
    ``x = np.asarray(x, dtype=float)`` or ``x = x.astype(float)``?  (A stub that raises NotImplementedError is
    recognised by what it raises.)"""
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Call)):
        return False
    target, call = stmt.targets[0], stmt.value
    if not (isinstance(target, ast.Name) and target.id in params):
        return False
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == target.id:
        return func.attr in _METHOD_CONVERSIONS  # x = x.astype(float)
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    first = call.args[0] if call.args else None
    return name in _CONVERSIONS and isinstance(first, ast.Name) and first.id == target.id


# Calls that only convert a parameter, as a stub may do before its `...` (x = np.asarray(x, dtype=float)).
_CONVERSIONS = {"asarray", "array", "asanyarray", "atleast_1d", "atleast_2d", "float", "int"}
_METHOD_CONVERSIONS = {"astype", "copy"}


def _stub_body(fn):
    """True if ``fn``'s source is a stub, False if it does some work, None if the source cannot be read."""
    if getattr(fn, "__name__", None) == "<lambda>":
        return False
    try:
        node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    except Exception:  # noqa: BLE001 -- builtins, partials, callable objects, odd source: we cannot tell
        return None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    params = {a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs}
    return all(_is_placeholder(stmt, params) for stmt in node.body)


def _is_stub(fn, call):
    """A stub (``...``, ``pass``, ``raise NotImplementedError``) raises that or returns None without doing work.

    A function that returns None after doing some work (printing its answer, say) is not a stub: its
    ``return`` is missing, and the check says so.
    """
    if isinstance(call.error, NotImplementedError):
        return True
    if call.error is not None or call.value is not None:
        return False
    stub = _stub_body(fn)
    return not call.printed.strip() if stub is None else stub


def _message(exc):
    """The exception's message on one line; a broken ``__str__`` must not break the check."""
    try:
        text = str(exc)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 -- a learner-defined exception may break str()
        text = "<message could not be printed>"
    return " ".join(text.split())


def describe_exception(exc):
    """``Type: message``, the message shortened to what a notebook line can show."""
    text = _message(exc)
    if len(text) > _SHORT_TEXT:
        text = text[: _SHORT_TEXT - 3] + "..."
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


_COMPREHENSIONS = {"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"}
_LIBRARY_DIRS = tuple(
    {str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    | {str(Path(__file__).resolve().parents[1])}  # helpers itself
)


def _reader_line(exc):
    """``line N of fn: source`` for the last line of the reader's own code in the traceback, else None.

    Frames in Python, NumPy and other installed packages (and in helpers) are skipped: the line a reader can
    fix is the last one they wrote.  N counts from the function's ``def`` line (line 1), in a file or a cell.
    """
    found = None
    tb = exc.__traceback__.tb_next  # skip the frame of _call itself
    while tb is not None:
        code = tb.tb_frame.f_code
        filename = code.co_filename
        if not filename.startswith("<frozen") and not str(Path(filename).resolve()).startswith(_LIBRARY_DIRS):
            # A comprehension runs in a frame of its own (<listcomp>): name the function around it.
            inner = code.co_name in _COMPREHENSIONS and found is not None
            name, first = (found[2], found[3]) if inner else (code.co_name, code.co_firstlineno)
            found = (filename, tb.tb_lineno, name, first)
        tb = tb.tb_next
    if found is None:
        return None
    filename, lineno, function, first = found
    source = " ".join(linecache.getline(filename, lineno).split())
    if function == "<lambda>":
        text = "your lambda"
    elif function == "<module>":
        text = f"line {lineno}"
    else:
        text = f"line {lineno - first + 1} of {function}"  # counted from its `def` line
    if source:
        if len(source) > _SHORT_TEXT:
            source = source[: _SHORT_TEXT - 3] + "..."
        text += f": {source}"
    return text


def _as_real_array(value, printed):
    """Return ``(array, None)`` or ``(None, problem)``; lists and tuples are accepted.

    Accepting anything ``np.asarray`` turns into real numbers is friendlier than
    demanding an ndarray: a reader who builds rows in a list still gets the values checked.
    """
    if value is None:
        problem = "your function returned None for this input: is a `return` missing?"
        first = printed.strip().splitlines()[0] if printed.strip() else ""
        if first:
            if len(first) > 60:
                first = first[:57] + "..."
            problem += f" (it printed {first!r} instead of returning it)"
        return None, problem
    try:
        arr = np.asarray(value)
        if arr.dtype.kind == "O":  # e.g. a list of Fractions or SymPy floats
            arr = arr.astype(float)
    except Exception:  # noqa: BLE001 -- ragged lists, objects with a broken __array__, ...
        return None, f"could not turn the returned {type(value).__name__} into an array of numbers"
    if arr.dtype.kind not in ("i", "u", "f"):
        is_array = isinstance(value, np.ndarray)
        what = f"an array of dtype {arr.dtype}" if is_array else f"a {type(value).__name__}"
        return None, f"your function returned {what}, not an array of real numbers"
    return arr, None


# --------------------------------------------------------------------------- comparing and formatting


def close(a, b):
    """Same shape and values within RTOL/ATOL; nan counts as a mismatch."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def fmt(values, digits):
    """One-line, rounded rendering of a small array, e.g. ``[0.09, 0.245, 0.665]``."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr):.{digits}g}"
    if arr.size > 12:
        return f"an array of shape {arr.shape}"
    return "[" + ", ".join(fmt(row, digits) for row in arr) + "]"


def digits_to_differ(got, expected, least=3):
    """The fewest significant digits (at least ``least``, at most 17) at which ``got`` and ``expected`` print
    differently, so a near miss does not show two identical-looking numbers."""
    for digits in range(least, 18):
        if fmt(got, digits) != fmt(expected, digits):
            return digits
    return 17


def _first_bad_row(got, expected):
    """Index of the first row (last axis) of a 2-D output that does not match (there is one: the whole differs)."""
    return next(i for i, (g, e) in enumerate(zip(got, expected)) if not close(g, e))


def _value_details(got, expected):
    """Expected vs got lines, with enough digits to see the difference; for a batch only the first wrong row."""
    if got.ndim == 2:
        i = _first_bad_row(got, expected)
        digits = digits_to_differ(got[i], expected[i])
        pad = " " * len(f"row {i}: ")
        return (
            f"row {i}: expected {fmt(expected[i], digits)}",
            f"{pad}got      {fmt(got[i], digits)}",
        )
    digits = digits_to_differ(got, expected)
    return (f"expected {fmt(expected, digits)}", f"got      {fmt(got, digits)}")


# --------------------------------------------------------------------------- diagnosis


def _exception_hint(exc, case):
    """A hint for the exceptions that a common mistake raises, else a generic one."""
    text = _message(exc)  # whole: a long name can push the telling words past what describe_exception shows
    if isinstance(exc, np.exceptions.AxisError):
        return "use axis=-1 (the last axis), so the same code works for a vector and a batch"
    if isinstance(exc, ValueError) and "broadcast" in text:
        return _broadcast_hint(text)
    if isinstance(exc, ValueError) and "truth value of an array" in text:
        return (
            "Python's max() or sum() (or an `if`) was given a whole array: "
            "use np.max(x, axis=-1, keepdims=True) and np.sum(..., axis=-1, keepdims=True)"
        )
    if isinstance(exc, OverflowError):
        return (
            f"math.exp overflows above {LOG_MAX:.2f}: subtract the max before exponentiating, "
            "so the largest exponent is 0"
        )
    if isinstance(exc, TypeError) and ("arrays can be converted" in text or "must be real number" in text):
        return "math functions take one number at a time: use np.exp on arrays, or loop over the values"
    if isinstance(exc, TypeError) and "unexpected keyword argument" in text:
        return "a keyword argument is misspelt or not accepted there: check its name (keepdims, axis, dtype)"
    if isinstance(exc, TypeError) and "positional argument" in text:
        call = f"fn({', '.join(case.arg_names)})"
        if "given" in text:  # "takes 1 positional argument but 2 were given", not "missing 1 required ..."
            return f"the check calls {call}: define your function with exactly these parameters"
        return f"the check calls {call}: give any other parameter a default, e.g. axis=-1"
    if isinstance(exc, NameError):
        return "a name is not defined: is it spelt right, and did you run the cell with the imports?"
    if isinstance(exc, ZeroDivisionError):
        return "a division by zero: is a sum 0 because every exp underflowed? subtract the max first"
    if isinstance(exc, AttributeError):
        return "a list or number has no such method: convert the input with np.asarray(x, dtype=float) first"
    if isinstance(exc, IndexError) or (isinstance(exc, TypeError) and "not subscriptable" in text):
        return _index_hint(text)
    return "run your function on the input above to see the error, and fix the line shown"


def _shapes_in(text):
    """The shapes NumPy names in a broadcasting error, e.g. [(3, 4), (3,)]."""
    return [tuple(int(n) for n in group.split(",") if n.strip()) for group in re.findall(r"\(([\d,\s]*)\)", text)]


def _broadcast_hint(text):
    """Name the cause of a broadcasting error only when its shapes prove it; else show the shapes."""
    shapes = _shapes_in(text)
    if len(shapes) == 2:
        a, b = sorted(shapes, key=len, reverse=True)
        if len(a) == len(b) + 1 and a[:-1] == b:  # (m, k) against (m,): a reduction lost its axis
            return f"shapes {a} and {b} do not line up: a reduction over the last axis dropped it; {PER_ROW}"
        if len(a) == len(b) == 3 and a[0] == b[0] and (a[1] == a[0]) != (b[1] == b[0]):  # (m, n, n), (m, m, n)
            return (f"shapes {a} and {b} do not line up: s[:, None] * s[None, :] on a batch pairs every row with "
                    "every other row; index the last axis, s[..., :, None] * s[..., None, :]")
        if len(a) == len(b) == 2 and a[0] == b[0] and a[1] != b[1]:
            return (f"shapes {a} and {b} have different numbers of columns: build every array with the input's number "
                    f"of columns (x.shape[-1]), one per class")
        return f"shapes {shapes[0]} and {shapes[1]} do not line up: print the shapes of the arrays on the line shown"
    return "shapes do not line up: print the shapes of the arrays on the line shown"


def _index_hint(text):
    """Name an IndexError's cause from its message."""
    if "only integers" in text or "of integer" in text:
        return ("an array of floats was used as an index: indices must be integers, e.g. labels.astype(int) "
                "(or np.asarray(labels, dtype=int))")
    if "0-dimensional" in text or "scalar" in text or "not subscriptable" in text:
        return ("a number (a 0-dimensional value) was indexed like an array: [:, None] or [i] needs an array; "
                "a reduction without keepdims=True, or float(...), gives a single number")
    if "too many indices" in text:
        return "too many indices for the array: a vector has one axis, a batch two; index the last axis with [..., i]"
    if "out of bounds" in text or "out of range" in text:
        return "an index is out of range: loop over the last axis (x.shape[-1]), and note a vector has one axis"
    return "run your function on the input above to see the error, and fix the line shown"


_HALF_VALUES = "your values are half-precision (float16) numbers: compute in float64 (float32 is fine too)"


def _near_miss_hint(got, expected, suffix=True):
    """For an answer close to the reference but outside the tolerance: how close, and the likely cause (only how
    close when ``suffix`` is False)."""
    if not (np.isfinite(got).all() and np.isfinite(expected).all()):
        return None
    diff = np.abs(got - expected)
    scale = max(float(np.abs(expected).max()), 1e-300)  # never empty: two empty arrays are close
    if diff.max() > 1e-2 * scale:
        return None
    worst = np.unravel_index(np.argmax(diff - RTOL * np.abs(expected)), diff.shape)
    g, e = got[worst], expected[worst]
    digits = digits_to_differ(g, e)
    index = [int(i) for i in worst]
    where = f"at index {index[0] if len(index) == 1 else index}: " if index else ""
    head = (
        f"close, but not within the tolerance (rtol={RTOL:g}, atol={ATOL:g}): the largest difference is "
        f"{float(diff[worst]):.2g} ({where}expected {fmt(e, digits)}, got {fmt(g, digits)})"
    )
    if not suffix:
        return head
    half = got.astype(np.float16).astype(float)
    if np.array_equal(got, half) and not np.array_equal(expected, expected.astype(np.float16)):
        return f"{head}; {_HALF_VALUES}"
    for decimals in range(1, 7):
        if np.array_equal(got, np.round(got, decimals)):
            return head + f"; your values are rounded to {decimals} decimals: return them unrounded"
    low = float(got.min())
    below = expected < low
    if low > 0 and below.any() and expected[below].max() < low / 2 and np.allclose(got[below], low, rtol=1e-12):
        return head + f"; values below {low:g} were raised to {low:g} (clipped): return the exact values"
    return head + "; is a constant rounded (2.718 for e) or part of the work done in low precision?"


def _check_call(call, case, spec):
    """Return a _Failure for a wrong answer, None for a right one."""
    if call.error is not None:
        details = [f"your function raised {describe_exception(call.error)}"]
        line = _reader_line(call.error)
        if line:
            details.append(f"at {line}")
        return _Failure(tuple(details), _exception_hint(call.error, case))
    got, problem = _as_real_array(call.value, call.printed)
    if problem:
        return _Failure((problem,))
    expected = np.asarray(case.expected)
    if got.shape != expected.shape:
        hint = spec.diagnose_shape_values(case, got.astype(float)) if spec.diagnose_shape_values else None
        if hint is None and spec.diagnose_shape:
            hint = spec.diagnose_shape(case, got.shape)
        return _Failure(
            (f"expected an array of shape {expected.shape}, got shape {got.shape}",),
            hint or _shape_hint(case, got.shape),
        )
    if close(got, expected):
        return None
    dtype = got.dtype
    got = got.astype(float)
    # Precision first: an answer in low precision is off everywhere, and a formula property (rows summing to 0,
    # say) would then fail for a reason the formula does not have.
    hint = _precision_hint(dtype, got, expected.astype(float))
    if hint is None and spec.diagnose_values:
        hint = spec.diagnose_values(case, got)
    hint = hint or _near_miss_hint(got, expected.astype(float)) or case.wrong_hint
    return _Failure(_value_details(got, expected), hint)


# Relative agreement (of the largest value) that rounding to each precision allows: a few of its unit roundoffs,
# with room for the cancellations of a Jacobian or a loss.
_PRECISIONS = {np.dtype(np.float16): ("half precision", 2e-2), np.dtype(np.float32): ("single precision", 1e-4)}


def _precision_hint(dtype, got, expected):
    """The hint for an answer whose dtype (integers, float16, float32) or float16 values explain its failure, else None.

    Named only when proven: the dtype of the returned array is a fact, and float64 values that are all float16
    numbers (while the reference is not) agree with it only to float16's precision.
    """
    if dtype.kind in "iu":
        if np.isfinite(expected).all() and not np.array_equal(expected, np.round(expected)):
            return (f"your function returned integers (dtype {dtype}), which cannot hold fractions: compute in "
                    "floats (an array made with np.zeros_like of an integer array, astype(int) or // keeps integers)")
        return None
    finite = np.isfinite(got).all() and np.isfinite(expected).all()
    scale = max(float(np.abs(expected).max()), 1e-300) if finite and expected.size else 1.0
    largest = float(np.abs(got - expected).max()) if finite and got.size else np.inf
    if dtype in _PRECISIONS:
        name, rtol = _PRECISIONS[dtype]
        if largest <= rtol * scale:
            head = _near_miss_hint(got, expected, suffix=False)
            return f"{head}; your answer is a {dtype} array ({name}): compute in float64 (np.asarray(x, dtype=float))"
        if dtype == np.float16:
            return ("your answer is a float16 array: half precision keeps about 3 digits and overflows above 65504; "
                    "compute in float64 first (np.asarray(x, dtype=float)), then check the formula if it still fails")
        return None
    # float64 values that are all float16 numbers, and not merely short decimals (500.5 is a float16 number too)
    half = finite and np.array_equal(got, got.astype(np.float16)) and not np.array_equal(got, np.round(got, 3))
    if half and largest <= 1e-2 * scale and not np.array_equal(expected, expected.astype(np.float16)):
        return f"{_near_miss_hint(got, expected, suffix=False)}; {_HALF_VALUES}"
    return None


def _shape_hint(case, got_shape):
    """A generic hint for a wrongly shaped answer."""
    if len(got_shape) >= 2 and got_shape == np.shape(case.expected)[::-1]:
        return "wrong output shape: the output is transposed; keep the shape of the input"
    return f"wrong output shape: expected shape {np.shape(case.expected)}"


def _mutation_failure():
    return _Failure(
        ("your function changed the array it was given",),
        "input array modified in place: compute into a new array (x = x - m, not x -= m), "
        "so the caller's values are left as they were",
    )


def _case_heading(name, case):
    args = ", ".join(f"{n} = {fmt(a, 6)}" for n, a in zip(case.arg_names, case.args))
    return f"{FAIL} {name} failed on {case.label}, {args}"


def _failure_result(name, case, failure, checks_passed, checks_total):
    lines = [_case_heading(name, case), *(f"  {d}" for d in failure.details)]
    if failure.hint:
        lines.append(f"  hint: {failure.hint}")
    return CheckResult(name, False, True, tuple(lines), case.label, checks_passed, checks_total)


# --------------------------------------------------------------------------- running a check


def _evaluate(spec, fn):
    """Run every case, stopping at the first failure so the feedback stays short.

    The cases count as one check each, plus one for "leaves its input unchanged".
    """
    name, cases = spec.name, spec.make_cases()
    total = len(cases) + 1
    if fn is None or fn is Ellipsis:
        return CheckResult(name, False, False, _not_attempted(name), None, 0, total)
    if not callable(fn):
        task, args = name.removeprefix("check_"), ", ".join(cases[0].arg_names)
        message = (
            f"{FAIL} {name} needs the function itself: "
            f"pass `{task}`, not `{task}({args})` (got {type(fn).__name__})"
        )
        return CheckResult(name, False, True, (message,), None, 0, total)
    mutated = []  # the cases whose input the function changed
    for i, case in enumerate(cases):
        call = _call(fn, case.args)
        if i == 0 and _is_stub(fn, call):
            return CheckResult(name, False, False, _not_attempted(name), None, 0, total)
        failure = _check_call(call, case, spec)
        if failure:
            return _failure_result(name, case, failure, i, total)
        if call.mutated:
            mutated.append(case)
    if mutated:
        return _failure_result(name, mutated[0], _mutation_failure(), len(cases), total)
    return CheckResult(name, True, True, (f"{PASS} {name}: all {total} checks passed",), None, total, total)


def emit(lines):
    """Print the feedback; fall back to ASCII where the console cannot encode ✓ and ✗."""
    text = "\n".join(lines)
    try:
        print(text)
    except UnicodeEncodeError:
        plain = text.replace(PASS, "OK").replace(FAIL, "X").replace("—", "-")
        print(plain.encode("ascii", "replace").decode())


def run_check(spec, fn):
    """Evaluate ``fn`` against ``spec``, print and return the result; never raises.

    Anything unexpected inside the checker itself (say, an object that breaks
    NumPy in a new way) is reported as a failed check rather than a traceback.
    """
    try:
        # Comparing nan and inf answers is expected here; NumPy need not warn about it.
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = _evaluate(spec, fn)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 -- a check must not stop the notebook
        line = f"{FAIL} {spec.name}: could not check this function ({describe_exception(exc)})"
        result = CheckResult(spec.name, False, True, (line,))
    try:
        emit(result.messages)
    except Exception:  # noqa: BLE001 -- a closed or broken stdout is no reason to raise
        pass
    return result
