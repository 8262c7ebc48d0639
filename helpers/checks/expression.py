"""Self-check for symbolic answers: :func:`check_expression` compares a SymPy answer with a reference.

>>> import sympy as sp
>>> a, b = sp.symbols("a b", real=True)
>>> check_expression((a + b) ** 2, a**2 + 2 * a * b + b**2, name="a square").passed
✓ check_expression (a square): equal to the reference
True
"""

from __future__ import annotations

import numpy as np

from helpers.checks._core import FAIL, PASS, CheckResult, describe_exception, emit

__all__ = ["check_expression"]

# Relative and absolute tolerance at the sample points: 30-digit evaluation makes 10 digits safe.
SAMPLE_RTOL = 1e-10
SAMPLE_ATOL = 1e-12


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
        line = f"{FAIL} {label}: could not read your answer as a formula ({describe_exception(exc)})"
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
        if not np.isclose(yours, expected, rtol=SAMPLE_RTOL, atol=SAMPLE_ATOL):
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
        line = f"{FAIL} check_expression ({name}): could not check this answer ({describe_exception(exc)})"
        result = CheckResult(f"check_expression ({name})", False, True, (line,))
    emit(result.messages)
    return result
