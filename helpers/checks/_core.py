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

>>> r = CheckResult("check_x", passed=False, attempted=False, messages=("not yet",))
>>> bool(r), r
(False, CheckResult(name='check_x', passed=False, attempted=False, checks_passed=0/0))
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
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
    "rows_sum_to_one",
    "run_check",
]

# A correct implementation differs from the reference only by rounding: a few ulps in
# float64, about 1e-7 relative if the reader works in float32.  Every mistake checked for
# is off by far more (nan, a constant factor, a wrong row), so NumPy's default allclose
# tolerances separate the two with room to spare.
RTOL = 1e-5
ATOL = 1e-8

# exp(x) overflows float64 above this (about 709.78).
LOG_MAX = float(np.log(np.finfo(np.float64).max))

PASS, FAIL = "✓", "✗"
NOT_ATTEMPTED = ("{name}: not attempted yet", "  fill in the function body and run this cell again")
_SHORT_TEXT = 100  # characters of an exception message worth showing in a notebook
PER_ROW = "reduce with axis=-1, keepdims=True so each row is normalised on its own"


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


@dataclass(frozen=True)
class _Call:
    """What one call of the reader's function did."""

    value: object = None
    error: BaseException | None = None
    mutated: bool = False


@dataclass(frozen=True)
class _Failure:
    """Why a case failed: a few lines of detail and a hint."""

    details: tuple[str, ...]
    hint: str | None = None


# --------------------------------------------------------------------------- calling the reader's function


def _not_attempted(name):
    return tuple(line.format(name=name) for line in NOT_ATTEMPTED)


def _call(fn, args):
    """Call ``fn`` on copies of ``args``, catching anything it raises.

    Copies protect the caller's arrays and let us see in-place changes.  NumPy's
    warnings are silenced because the check reports the nan itself, in one place.
    KeyboardInterrupt is let through so the reader can still stop a slow function.
    """
    copies = tuple(np.array(a, copy=True) for a in args)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = fn(*copies)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 -- the reader's code may raise anything
        return _Call(error=exc)
    mutated = any(not np.array_equal(c, a, equal_nan=True) for c, a in zip(copies, args))
    return _Call(value=value, mutated=mutated)


def _is_stub(call):
    """A stub body (``...``, ``pass``, ``raise NotImplementedError``) returns None or raises that."""
    return isinstance(call.error, NotImplementedError) or (call.error is None and call.value is None)


def describe_exception(exc):
    """``Type: message``, shortened; a broken ``__str__`` must not break the check."""
    try:
        text = str(exc)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 -- a learner-defined exception may break str()
        text = "<message could not be printed>"
    text = " ".join(text.split())
    if len(text) > _SHORT_TEXT:
        text = text[: _SHORT_TEXT - 3] + "..."
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def _as_real_array(value):
    """Return ``(array, None)`` or ``(None, problem)``; lists and tuples are accepted.

    Accepting anything ``np.asarray`` turns into real numbers is friendlier than
    demanding an ndarray: a reader who builds rows in a list still gets the values checked.
    """
    if value is None:
        return None, "your function returned None for this input: is a `return` missing?"
    try:
        arr = np.asarray(value)
        if arr.dtype.kind == "O":  # e.g. a list of Fractions or SymPy floats
            arr = arr.astype(np.float64)
    except Exception:  # noqa: BLE001 -- ragged lists, objects with a broken __array__, ...
        return None, f"could not turn the returned {type(value).__name__} into an array of numbers"
    if arr.dtype.kind not in "iuf":
        is_array = isinstance(value, np.ndarray)
        what = f"an array of dtype {arr.dtype}" if is_array else f"a {type(value).__name__}"
        return None, f"your function returned {what}, not an array of real numbers"
    return arr, None


# --------------------------------------------------------------------------- comparing and formatting


def close(a, b):
    """Same shape and values within RTOL/ATOL; nan counts as a mismatch."""
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def rows_sum_to_one(a):
    """Does every row (last axis) of ``a`` sum to 1 within the tolerances?"""
    return bool(np.allclose(a.sum(axis=-1), 1.0, rtol=RTOL, atol=ATOL))


def fmt(values, digits):
    """One-line, rounded rendering of a small array, e.g. ``[0.09, 0.245, 0.665]``."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr):.{digits}g}"
    if arr.size > 12:
        return f"an array of shape {arr.shape}"
    return "[" + ", ".join(fmt(row, digits) for row in arr) + "]"


def _first_bad_row(got, expected):
    """Index of the first row (last axis) of a 2-D output that does not match."""
    for i, (g, e) in enumerate(zip(got, expected)):
        if not close(g, e):
            return i
    return 0


def _value_details(got, expected):
    """Expected vs got lines; for a batch only the first wrong row, to stay short."""
    if got.ndim == 2:
        i = _first_bad_row(got, expected)
        pad = " " * len(f"row {i}: ")
        return (
            f"row {i}: expected {fmt(expected[i], 3)}",
            f"{pad}got      {fmt(got[i], 3)}",
        )
    return (f"expected {fmt(expected, 3)}", f"got      {fmt(got, 3)}")


# --------------------------------------------------------------------------- diagnosis


def _exception_hint(exc, case):
    """A hint for the exceptions that a common mistake raises, else None."""
    text = describe_exception(exc)
    if isinstance(exc, np.exceptions.AxisError):
        return "use axis=-1 (the last axis), so the same code works for a vector and a batch"
    if isinstance(exc, ValueError) and "broadcast" in text:
        return f"shapes do not line up in a batch: {PER_ROW}"
    if isinstance(exc, TypeError) and "argument" in text:
        call = f"fn({', '.join(case.arg_names)})"
        return f"the check calls {call}: give any other parameter a default, e.g. axis=-1"
    if isinstance(exc, NameError):
        return "a name is not defined: did you run the cell with the imports (import numpy as np)?"
    return None


def _shape_hint(case, got_shape):
    """A generic hint for a wrongly shaped answer."""
    if len(got_shape) >= 2 and got_shape == case.expected.shape[::-1]:
        return "wrong output shape: the output is transposed; keep the shape of the input"
    return f"wrong output shape: expected shape {case.expected.shape}"


def _check_call(call, case, spec):
    """Return a _Failure for a wrong answer, None for a right one."""
    if call.error is not None:
        raised = f"your function raised {describe_exception(call.error)}"
        return _Failure((raised,), _exception_hint(call.error, case))
    got, problem = _as_real_array(call.value)
    if problem:
        return _Failure((problem,))
    expected = case.expected
    if got.shape != expected.shape:
        hint = spec.diagnose_shape(case, got.shape) if spec.diagnose_shape else None
        return _Failure(
            (f"expected an array of shape {expected.shape}, got shape {got.shape}",),
            hint or _shape_hint(case, got.shape),
        )
    if close(got, expected):
        return None
    hint = spec.diagnose_values(case, got.astype(np.float64)) if spec.diagnose_values else None
    return _Failure(_value_details(got, expected), hint or case.wrong_hint)


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
    mutated_case = None
    for i, case in enumerate(cases):
        call = _call(fn, case.args)
        if i == 0 and _is_stub(call):
            return CheckResult(name, False, False, _not_attempted(name), None, 0, total)
        failure = _check_call(call, case, spec)
        if failure:
            return _failure_result(name, case, failure, i, total)
        mutated_case = mutated_case or (case if call.mutated else None)
    if mutated_case:
        return _failure_result(name, mutated_case, _mutation_failure(), len(cases), total)
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
        with np.errstate(all="ignore"):
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
