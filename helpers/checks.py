"""Self-checks for the book's exercises: call the reader's function, explain what went wrong.

Each ``check_<name>(fn)`` calls the reader's ``fn`` on a few chosen inputs, compares
the answers with the reference in :mod:`helpers.numerics`, prints a few lines of
feedback and returns a :class:`CheckResult`, which is truthy only on a full pass.

A check never raises, whatever ``fn`` does (raises, returns ``None``, a list, a
string, the wrong shape), so running a notebook top to bottom never stops in an
exercise cell.  A stub (``...``, ``pass`` or ``raise NotImplementedError``) is
reported as "not attempted yet", not as a mistake.

Inputs are chosen so that each known mistake (see the book's "mistake museum")
fails on its own case, and the symptom on that case names the mistake.

>>> from helpers.numerics import softmax
>>> check_softmax(softmax).passed
✓ check_softmax: all 7 checks passed
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from helpers import numerics

__all__ = ["CheckResult", "check_softmax", "check_softmax_temperature", "check_expression"]

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
_PER_ROW = "reduce with axis=-1, keepdims=True so each row is normalised on its own"


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one exercise check; truthy only if every check passed.

    ``attempted`` is False for a stub function, so "not attempted yet" and
    "wrong" can be told apart; ``messages`` holds the printed lines;
    ``failed_case`` names the first input that failed (None on a pass).

    >>> r = CheckResult("check_x", passed=False, attempted=False, messages=("not yet",))
    >>> bool(r), r
    (False, CheckResult(name='check_x', passed=False, attempted=False, checks_passed=0/0))
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


# --------------------------------------------------------------------------- core


def _not_attempted(name):
    return tuple(line.format(name=name) for line in NOT_ATTEMPTED)


@dataclass(frozen=True)
class _Case:
    """One input to a check: its label, arguments, reference answer and case-specific hints."""

    label: str
    args: tuple
    expected: np.ndarray
    nonfinite_hint: str  # the likely cause when this input gives nan or inf
    wrong_hint: str  # the likely cause when no symptom-specific diagnosis matches
    arg_names: tuple[str, ...] = ("x",)


@dataclass(frozen=True)
class _Spec:
    """What one ``check_<name>`` supplies to the shared runner."""

    name: str
    make_cases: Callable[[], tuple[_Case, ...]]
    diagnose_values: Callable[[_Case, np.ndarray], str]  # hint for a right-shaped, wrong answer
    diagnose_shape: Callable[[_Case, tuple], str]  # hint for a wrongly shaped answer


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


def _describe_exception(exc):
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


def _close(a, b):
    """Same shape and values within RTOL/ATOL; nan counts as a mismatch."""
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def _fmt(values, digits):
    """One-line, rounded rendering of a small array, e.g. ``[0.09, 0.245, 0.665]``."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr):.{digits}g}"
    if arr.size > 12:
        return f"an array of shape {arr.shape}"
    return "[" + ", ".join(_fmt(row, digits) for row in arr) + "]"


def _first_bad_row(got, expected):
    """Index of the first row (last axis) of a 2-D output that does not match."""
    for i, (g, e) in enumerate(zip(got, expected)):
        if not _close(g, e):
            return i
    return 0


def _value_details(got, expected):
    """Expected vs got lines; for a batch only the first wrong row, to stay short."""
    if got.ndim == 2:
        i = _first_bad_row(got, expected)
        pad = " " * len(f"row {i}: ")
        return (
            f"row {i}: expected {_fmt(expected[i], 3)}",
            f"{pad}got      {_fmt(got[i], 3)}",
        )
    return (f"expected {_fmt(expected, 3)}", f"got      {_fmt(got, 3)}")


def _exception_hint(exc, case):
    """A hint for the exceptions that a common mistake raises, else None."""
    text = _describe_exception(exc)
    if isinstance(exc, np.exceptions.AxisError):
        return "use axis=-1 (the last axis), so the same code works for a vector and a batch"
    if isinstance(exc, ValueError) and "broadcast" in text:
        return f"shapes do not line up in a batch: {_PER_ROW}"
    if isinstance(exc, TypeError) and "argument" in text:
        call = f"fn({', '.join(case.arg_names)})"
        return f"the check calls {call}: give any other parameter a default, e.g. axis=-1"
    if isinstance(exc, NameError):
        return "a name is not defined: did you run the cell with the imports (import numpy as np)?"
    return None


def _check_call(call, case, spec):
    """Return a _Failure for a wrong answer, None for a right one."""
    if call.error is not None:
        raised = f"your function raised {_describe_exception(call.error)}"
        return _Failure((raised,), _exception_hint(call.error, case))
    got, problem = _as_real_array(call.value)
    if problem:
        return _Failure((problem,))
    expected = case.expected
    if got.shape != expected.shape:
        return _Failure(
            (f"expected an array of shape {expected.shape}, got shape {got.shape}",),
            spec.diagnose_shape(case, got.shape),
        )
    if _close(got, expected):
        return None
    return _Failure(_value_details(got, expected), spec.diagnose_values(case, got.astype(np.float64)))


def _mutation_failure():
    return _Failure(
        ("your function changed the array it was given",),
        "input array modified in place: compute into a new array (x = x - m, not x -= m), "
        "so the caller's values are left as they were",
    )


def _case_heading(name, case):
    args = ", ".join(f"{n} = {_fmt(a, 6)}" for n, a in zip(case.arg_names, case.args))
    return f"{FAIL} {name} failed on {case.label}, {args}"


def _failure_result(name, case, failure, checks_passed, checks_total):
    lines = [_case_heading(name, case), *(f"  {d}" for d in failure.details)]
    if failure.hint:
        lines.append(f"  hint: {failure.hint}")
    return CheckResult(name, False, True, tuple(lines), case.label, checks_passed, checks_total)


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


def _emit(lines):
    """Print the feedback; fall back to ASCII where the console cannot encode ✓ and ✗."""
    text = "\n".join(lines)
    try:
        print(text)
    except UnicodeEncodeError:
        plain = text.replace(PASS, "OK").replace(FAIL, "X").replace("—", "-")
        print(plain.encode("ascii", "replace").decode())


def _run_check(spec, fn):
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
        line = f"{FAIL} {spec.name}: could not check this function ({_describe_exception(exc)})"
        result = CheckResult(spec.name, False, True, (line,))
    try:
        _emit(result.messages)
    except Exception:  # noqa: BLE001 -- a closed or broken stdout is no reason to raise
        pass
    return result


# --------------------------------------------------------------------------- softmax


_SOFTMAX_FORMULA = "the values differ from softmax: compute e = exp(x - max(x)), then e / sum(e), per row"


def _softmax_case(label, x, nonfinite_hint, wrong_hint=None):
    x = np.asarray(x, dtype=np.float64)
    return _Case(label, (x,), numerics.softmax(x), nonfinite_hint, wrong_hint or _SOFTMAX_FORMULA)


def _softmax_cases():
    """Each input isolates one family of mistakes (see the book's mistake museum)."""
    ordinary = "nan or inf for ordinary inputs: is something divided by zero?"
    return (
        # Catches wrong formulas: shift after exp, x / sum(x), dividing by max * sum.
        _softmax_case("a small vector", [1.0, 2.0, 3.0], ordinary),
        # Not square, so a transposed or axis=0 answer cannot pass; one row is uniform.
        _softmax_case(
            "a batch of rows", [[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [-1.0, 5.0, 2.0, 0.5]], ordinary
        ),
        # exp overflows above about 709.78, so the unshifted formula gives inf / inf.
        _softmax_case(
            "large values",
            [1000.0, 1001.0, 1002.0],
            "nan for large inputs: did you subtract the max before exponentiating? "
            f"(exp overflows above {LOG_MAX:.2f})",
        ),
        # max(x) < 0 and exp underflows: a shift by max(0, max(x)) gives 0 / 0.
        _softmax_case(
            "an all-negative row (max(x) < 0)",
            [-1000.0, -1001.0, -1002.0],
            "shifting by max(0, max(x)) is not enough: for all-negative rows exp still underflows "
            "to 0 and 0/0 = nan; subtract max(x) itself",
        ),
        # A max over the whole batch pushes the low row to exp(-1000) = 0, hence 0 / 0.
        _softmax_case(
            "rows at different scales",
            [[0.5, 0.0, -0.5], [-1000.0, -1001.0, -1002.0]],
            "a row far below the batch maximum came back as nan: the max must be taken per row, "
            "not over the whole batch (np.max(x, axis=-1, keepdims=True))",
        ),
        # Shifting by the mean or the minimum leaves exp(800): only the max is safe.
        _softmax_case(
            "widely spread values",
            [-800.0, 0.0, 800.0],
            "nan when scores are far apart: subtract the maximum (not the mean or the minimum), "
            "so the largest exponent is 0 and exp cannot overflow",
        ),
    )


def _rows_sum_to_one(a):
    return bool(np.allclose(a.sum(axis=-1), 1.0, rtol=RTOL, atol=ATOL))


def _shift_after_exp(x, keepdims):
    """The deepnotes "stable" softmax: exp(x) - max(x), normalised (per row or globally)."""
    axis = -1 if keepdims else None
    e = np.exp(x) - np.max(x, axis=axis, keepdims=keepdims)
    return e / np.sum(e, axis=axis, keepdims=keepdims)


def _scores_normalised(x, keepdims):
    """x / sum(x): normalising the scores without exponentiating."""
    axis = -1 if keepdims else None
    return x / np.sum(x, axis=axis, keepdims=keepdims)


def _matches(got, model, x):
    """Does ``got`` equal the mistake ``model`` applied per row or to the whole array?"""
    return any(_close(got, model(x, keepdims)) for keepdims in (True, False))


def _softmax_shape_hint(case, got_shape):
    """Name the mistake from the shape of a wrongly shaped answer."""
    x_shape = case.expected.shape
    if got_shape == x_shape[:-1]:
        return "wrong output shape: did you return the sum (or max) instead of dividing by it?"
    if got_shape == x_shape[::-1]:
        return "wrong output shape: the output is transposed; keep the shape of x"
    return "wrong output shape: softmax gives one probability per score, so the output has the shape of x"


def _softmax_value_hint(case, got):
    """Name the mistake from the symptom of a wrong (right-shaped) answer."""
    (x,) = case.args
    expected = case.expected
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    if _matches(got, _shift_after_exp, x):
        return "shift applied after exp: write exp(x - max(x)), not exp(x) - max(x)"
    if _matches(got, _scores_normalised, x):
        return "you normalised the scores themselves: exponentiate first, softmax is exp(x) / sum(exp(x))"
    if got.ndim == 2 and not _rows_sum_to_one(got):
        if np.isclose(got.sum(), 1.0, rtol=RTOL, atol=ATOL):
            return f"rows do not sum to 1 in a batch: {_PER_ROW}"
        if np.allclose(got.sum(axis=0), 1.0, rtol=RTOL, atol=ATOL):
            return "the columns sum to 1, not the rows: softmax is over the last axis, use axis=-1 (not 0)"
    proportional = _close(got / got.sum(axis=-1, keepdims=True), expected)
    if proportional and not _rows_sum_to_one(got):
        total = _fmt(got.sum(axis=-1), 3)
        return (
            f"right proportions but the outputs sum to {total}, not 1: divide by the sum alone "
            "(dividing by max * sum or any other factor breaks the normalisation)"
        )
    if (got < 0).any():
        return "negative probabilities: exp(...) is positive, so check what is subtracted after exp"
    return case.wrong_hint


_SOFTMAX = _Spec("check_softmax", _softmax_cases, _softmax_value_hint, _softmax_shape_hint)


def check_softmax(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(x)``, a softmax over the last axis, and print feedback.

    .. math:: \operatorname{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}}, \qquad m = \max_j x_j

    ``fn`` is called with one float64 array at a time: a small vector, a 3x4
    batch, large values (exp overflows above 709.78), an all-negative row
    (exp underflows), a batch whose rows differ by 1000, and widely spread
    values.  Each answer is compared with :func:`helpers.numerics.softmax`
    (``np.allclose``, ``rtol=1e-5``, ``atol=1e-8``); any array-like of real
    numbers counts, so returning a list is fine.  The input must come back
    unchanged.  Checking stops at the first failure.

    Returns a :class:`CheckResult`, truthy only if all checks pass;
    ``attempted`` is False when ``fn`` is None, ``...``, raises
    NotImplementedError or returns None for the first input.  Never raises.

    >>> from helpers.numerics import softmax
    >>> check_softmax(softmax).passed
    ✓ check_softmax: all 7 checks passed
    True
    >>> naive = lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)
    >>> check_softmax(naive).passed
    ✗ check_softmax failed on large values, x = [1000, 1001, 1002]
      expected [0.09, 0.245, 0.665]
      got      [nan, nan, nan]
      hint: nan for large inputs: did you subtract the max before exponentiating? (exp overflows above 709.78)
    False
    """
    return _run_check(_SOFTMAX, fn)


# --------------------------------------------------------------------------- softmax with a temperature


def _temperature_case(label, x, t, nonfinite_hint):
    x, t = np.asarray(x, dtype=np.float64), np.float64(t)
    return _Case(
        label, (x, t), numerics.softmax(x / t), nonfinite_hint, _SOFTMAX_FORMULA.replace("x", "x / t"), ("x", "t")
    )


def _temperature_cases():
    ordinary = "nan or inf for ordinary inputs: is something divided by zero?"
    return (
        _temperature_case("a small vector at t = 2", [1.0, 2.0, 3.0], 2.0, ordinary),
        _temperature_case("a batch at t = 0.5", [[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0]], 0.5, ordinary),
        # x / t reaches 3000: only a shift by the max of x / t keeps exp finite.
        _temperature_case(
            "a tiny temperature",
            [1.0, 3.0, 3.0],
            0.001,
            "nan for a small t: x / t is huge, so subtract the max of x / t before exponentiating",
        ),
        _temperature_case("a large temperature", [[1.0, 2.0, 3.0], [-1000.0, -1001.0, -1002.0]], 100.0, ordinary),
    )


def _temperature_value_hint(case, got):
    x, t = case.args
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    if _close(got, numerics.softmax(x)):
        return "the temperature has no effect: divide the scores by t before the softmax"
    if _close(got, numerics.softmax(x * t)):
        return "you multiplied by t: softmax(x / t) divides the scores by the temperature"
    if got.ndim == 2 and not _rows_sum_to_one(got):
        return f"rows do not sum to 1 in a batch: {_PER_ROW}"
    return case.wrong_hint


_TEMPERATURE = _Spec(
    "check_softmax_temperature", _temperature_cases, _temperature_value_hint, _softmax_shape_hint
)


def check_softmax_temperature(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(x, t)``, the softmax of ``x / t`` over the last axis.

    .. math:: \operatorname{softmax}(x / t)_i = \frac{e^{x_i / t}}{\sum_j e^{x_j / t}}, \qquad t > 0

    Inputs: a vector at ``t = 2``, a batch at ``t = 0.5``, scores of order 1 at
    ``t = 0.001`` (so ``x / t`` reaches 3000 and only a shifted formula stays
    finite) and a batch at ``t = 100``.  Same rules and result as :func:`check_softmax`.

    >>> check_softmax_temperature(lambda x, t: numerics.softmax(x / t)).passed
    ✓ check_softmax_temperature: all 5 checks passed
    True
    """
    return _run_check(_TEMPERATURE, fn)


# --------------------------------------------------------------------------- symbolic answers


def _expression_result(name, expr, reference):
    """Compare a SymPy answer with the reference: exactly if SymPy can, else at sample points."""
    import sympy as sp

    label = f"check_expression ({name})"
    if expr is None or expr is Ellipsis:
        lines = (f"{label}: not attempted yet", "  replace the ... with your answer and run this cell again")
        return CheckResult(label, False, False, lines, None, 0, 1)
    try:
        answer = sp.sympify(expr)
    except (sp.SympifyError, TypeError, ValueError) as exc:
        line = f"{FAIL} {label}: could not read your answer as a formula ({_describe_exception(exc)})"
        return CheckResult(label, False, True, (line,), None, 0, 1)
    symbols = sorted(reference.free_symbols, key=str)
    extra = answer.free_symbols - reference.free_symbols
    if extra:
        allowed = ", ".join(map(str, symbols))
        line = f"{FAIL} {label}: your answer uses {', '.join(sorted(map(str, extra)))}; use only {allowed}"
        return CheckResult(label, False, True, (line,), None, 0, 1)
    if sp.simplify(answer - reference) == 0:
        return CheckResult(label, True, True, (f"{PASS} {label}: equal to the reference",), None, 1, 1)
    # simplify can miss a true identity, so decide at sample points; a mismatch is a counterexample.
    points = np.random.default_rng(0).uniform(-3, 3, size=(5, len(symbols)))
    for point in points:
        values = dict(zip(symbols, (sp.Float(v) for v in point)))
        yours, expected = complex(answer.evalf(30, subs=values)), complex(reference.evalf(30, subs=values))
        if not np.isclose(yours, expected, rtol=1e-10, atol=1e-12):
            where = ", ".join(f"{k} = {float(v):.3g}" for k, v in values.items())
            lines = (
                f"{FAIL} {label}: not equal to the reference",
                f"  at {where}: yours is {yours.real:.6g}, the reference is {expected.real:.6g}",
            )
            return CheckResult(label, False, True, lines, "sample point", 0, 1)
    return CheckResult(label, True, True, (f"{PASS} {label}: equal to the reference",), None, 1, 1)


def check_expression(expr, reference, name="your expression") -> CheckResult:
    """Check a SymPy answer ``expr`` against ``reference`` and print feedback.

    Passes if SymPy simplifies the difference to 0, or, when ``simplify`` is
    not strong enough, if both agree to 10 digits at five random points.  On a
    failure it prints a point where the two differ.  ``...`` or None means
    "not attempted yet".  Never raises.

    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", real=True)
    >>> check_expression((a + b) ** 2, a**2 + 2 * a * b + b**2, name="a square").passed
    ✓ check_expression (a square): equal to the reference
    True
    """
    try:
        result = _expression_result(name, expr, reference)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 -- a check must not stop the notebook
        line = f"{FAIL} check_expression ({name}): could not check this answer ({_describe_exception(exc)})"
        result = CheckResult(f"check_expression ({name})", False, True, (line,))
    _emit(result.messages)
    return result
