"""Self-check for symbolic answers: :func:`check_expression` compares a SymPy answer with a reference.

The reader's symbols are matched to the reference's by name, so ``sp.symbols('z1 z2')`` made without the
reference's assumptions (``real=True``) still counts; a string is read with the reference's symbols.  A wrong
answer gets a diagnosis where one is known (symbols swapped, a sign, a constant factor, a rounded constant such as
2.718 for e, a whole Matrix instead of its entry, an undefined function such as ``sigma``), else a point where the
two differ, printed with enough digits to see it.

>>> import sympy as sp
>>> a, b = sp.symbols("a b", real=True)
>>> check_expression((a + b) ** 2, a**2 + 2 * a * b + b**2, name="a square").passed
✓ check_expression (a square): equal to the reference
True
"""

from __future__ import annotations

import itertools
import re

import numpy as np

from helpers.checks._core import FAIL, PASS, CheckResult, describe_exception, emit

__all__ = ["check_expression"]

# Relative and absolute tolerance at the sample points: 30-digit evaluation makes 10 digits safe, and an answer
# with a rounded constant (2.718 for e: relative error about 1e-4) is rejected.
SAMPLE_RTOL = 1e-10
SAMPLE_ATOL = 1e-12
N_POINTS = 6
# Below this relative difference at every sample point a wrong answer is a near miss (a rounded constant).
NEAR = 1e-3


class _Refusal(Exception):
    """An answer the check cannot compare, with the line that tells the reader why."""


def _first_lines(text, limit=60):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_string(text, symbols):
    """Parse a string answer with the reference's symbols and the declared names (``^`` is read as a power)."""
    import sympy as sp
    from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

    stripped = text.strip()
    if not stripped:
        raise _Refusal("your answer is an empty string: write the formula, e.g. '1/(1 + exp(z2 - z1))'")
    if any("=" in part for part in re.split(r"[=<>!]=", stripped)):  # an = that is no comparison
        raise _Refusal(f"write only the right-hand side of your formula, without 'name =' (got {stripped!r})")
    local = {s.name: s for s in symbols}
    local.setdefault("e", sp.E)  # in a typed formula, e^(z2 - z1) means Euler's number (E already does)
    try:
        return parse_expr(stripped, local_dict=local, transformations=standard_transformations + (convert_xor,))
    except Exception as exc:  # noqa: BLE001 -- the tokenizer and parser raise many kinds
        balanced = stripped.count("(") == stripped.count(")")
        why = describe_exception(exc) if balanced else "the parentheses are not balanced"
        raise _Refusal(
            f"could not read {_first_lines(stripped)!r} as a formula ({why}): "
            "write it as in Python, e.g. '1/(1 + exp(z2 - z1))'"
        ) from None


def _read_answer(expr, reference, declared=None):
    """Turn what the reader handed in into a SymPy expression, or raise _Refusal saying why not."""
    import sympy as sp

    symbols = sorted(reference.free_symbols, key=str)
    if isinstance(expr, str):
        answer = _read_string(expr, symbols + [sp.Symbol(name) for name in declared or {}])
    elif isinstance(expr, sp.MatrixBase):
        entries = [i for i, entry in enumerate(expr) if _equal_quietly(entry, reference)]
        shape = "x".join(map(str, expr.shape))
        if entries:
            raise _Refusal(
                f"you gave a whole Matrix ({shape}); its entry [{entries[0]}] equals the reference: "
                f"pass that entry, e.g. s[{entries[0]}]"
            )
        raise _Refusal(f"you gave a whole Matrix ({shape}): the answer is one entry, e.g. s[0]")
    elif isinstance(expr, np.ndarray):
        raise _Refusal(
            "your answer is a NumPy array: give one SymPy expression (use sp.exp, not np.exp, on symbols)"
        )
    elif isinstance(expr, (list, tuple, set, dict)):
        raise _Refusal(f"your answer is a {type(expr).__name__}: give one expression")
    elif callable(expr) and not isinstance(expr, sp.Basic):
        name = getattr(expr, "__name__", "f")
        name = "f" if name == "<lambda>" else name
        args = ", ".join(map(str, symbols))
        raise _Refusal(f"your answer is a function, not an expression: call it, e.g. {name}({args})")
    else:
        try:
            answer = sp.sympify(expr, strict=True)
        except Exception as exc:  # noqa: BLE001 -- sympify raises many kinds for foreign objects
            raise _Refusal(
                f"could not read your answer (a {type(expr).__name__}) as a formula ({describe_exception(exc)})"
            ) from None
    if isinstance(answer, (sp.logic.boolalg.BooleanAtom, bool)):
        raise _Refusal(f"your answer is {answer}, not a formula: did you write == where you meant to give the formula?")
    if isinstance(answer, sp.Rel):
        raise _Refusal("your answer is an equation: give the right-hand side only")
    if not isinstance(answer, sp.Expr):
        raise _Refusal(f"your answer is a {type(answer).__name__}, not one expression")
    return answer


def _match_symbols(answer, reference):
    """Replace the answer's symbols by the reference's of the same name; return (answer, note, unknown names)."""
    by_name = {s.name: s for s in reference.free_symbols}
    renamed, unknown = {}, []
    for s in answer.free_symbols:
        if s in reference.free_symbols:
            continue
        if s.name in by_name:
            renamed[s] = by_name[s.name]
        else:
            unknown.append(s.name)
    note = None
    if renamed:
        names = ", ".join(sorted(s.name for s in renamed))
        made = _assumption_difference([by_name[s.name] for s in renamed], list(renamed))
        if len(renamed) == 1:
            note = f"your symbol {names} was made {made}; it was matched to the reference's by name"
        else:
            note = f"your symbols {names} were made {made}; they were matched to the reference's by name"
    return answer.xreplace(renamed), note, sorted(unknown)


def _assumption_difference(theirs, yours):
    """How the reader's same-named symbols differ from the reference's: "without real=True", say."""
    for key in ("positive", "real"):
        if all(getattr(r, f"is_{key}") for r in theirs) and not any(getattr(y, f"is_{key}") for y in yours):
            return f"without {key}=True"
    return "with other assumptions than the reference's"


def _undefined_functions(answer, reference):
    from sympy.core.function import AppliedUndef

    return sorted({f.func.__name__ for f in answer.atoms(AppliedUndef)} - {
        f.func.__name__ for f in reference.atoms(AppliedUndef)
    })


def _value_at(expr, values):
    """The complex value of ``expr`` at ``values`` (30 digits), or None if it is undefined there."""
    try:
        value = complex(expr.evalf(30, subs=values))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return value if np.isfinite(value) else None


def _matches(expr, points, target):
    """Does ``expr`` take the values ``target`` at ``points``?  The first point screens (most candidate forms of the
    diagnosis differ there), so only a likely match is evaluated at every point."""
    first = _value_at(expr, points[0]) if points else None
    if not _agrees([first], target[:1]):
        return False
    return _agrees([first] + [_value_at(expr, p) for p in points[1:]], target)


def _equal_quietly(a, b):
    """Is ``a - b`` zero by simplify, without ever raising?"""
    import sympy as sp

    try:
        return sp.simplify(sp.sympify(a) - b) == 0
    except Exception:  # noqa: BLE001 -- only a shortcut; the sample points decide otherwise
        return False


def _points(symbols):
    import sympy as sp

    # Two decimals, so the point printed in a counterexample is exactly the point used.
    rows = np.random.default_rng(0).uniform(-3, 3, size=(N_POINTS, len(symbols)))
    return [dict(zip(symbols, (sp.Float(f"{v:.2f}", 30) for v in row))) for row in rows]


def _show(value, digits):
    """A value at a sample point as a reader would write it: the real part, and ``+ b*I`` if it is complex."""
    real = f"{value.real:.{digits}g}"
    if value.imag == 0:
        return real
    return f"{real} {'-' if value.imag < 0 else '+'} {abs(value.imag):.{digits}g}*I"


def _agrees(values_a, values_b, rtol=SAMPLE_RTOL, atol=SAMPLE_ATOL):
    return all(
        a is not None and b is not None and np.isclose(a, b, rtol=rtol, atol=atol) for a, b in zip(values_a, values_b)
    )


def _diagnose(answer, reference, points, yours, expected):
    """A hint naming the mistake when the answer is a known transformation of the reference, else None."""
    import sympy as sp

    symbols = sorted(reference.free_symbols, key=str)
    for a, b in itertools.combinations(symbols, 2):
        swapped = reference.xreplace({a: b, b: a})
        if _matches(swapped, points, yours):
            hint = f"your answer is the reference with {a} and {b} swapped"
            if _matches(1 - reference, points, yours):
                hint += (
                    "; for two classes that is the other class's probability (s_2, not s_1): "
                    f"is the sign of {a} - {b} flipped?"
                )
            return hint
    if None in expected or None in yours:
        return None  # undefined at a sample point: no transformation of the reference to compare with there
    if _agrees(yours, [-e for e in expected]):
        return "your answer is minus the reference: a sign is flipped"
    if _agrees(yours, [1 - e for e in expected]):
        return "your answer is 1 minus the reference: is it the complement (the other class)?"
    if 0 not in expected:
        if _agrees(yours, [1 / e for e in expected]):
            return "your answer is 1 / the reference: numerator and denominator are swapped"
        ratios = [y / e for y, e in zip(yours, expected)]
        if np.allclose(ratios, ratios[0], rtol=1e-9) and not np.isclose(ratios[0], 1, rtol=NEAR):
            return f"your answer is {_show(ratios[0], 6)} times the reference: a constant factor is off"
    offsets = [y - e for y, e in zip(yours, expected)]
    if np.allclose(offsets, offsets[0], rtol=1e-9, atol=1e-12) and abs(offsets[0]) > NEAR:
        return f"your answer differs from the reference by the constant {_show(offsets[0], 6)}"
    for form, hint in _slips(reference):
        if _matches(form, points, yours):
            return hint
    for v in symbols:  # the answer one step short: its derivative is the reference
        if _matches(sp.diff(answer, v), points, expected):
            return f"one derivative too few: the derivative of your answer in {v} is the reference"
    worst = max(abs(y - e) / max(abs(e), 1e-300) for y, e in zip(yours, expected))
    if worst < NEAR:
        # The shortest first (2.718 before 0.333333333333), ties in text order so the hint is reproducible.
        floats = sorted({f"{float(f):.12g}" for f in answer.atoms(sp.Float)}, key=lambda f: (len(f), f))[:2]
        which = f"; your answer contains {', '.join(floats)}" if floats else ""
        return (
            f"very close but not equal (relative difference up to {worst:.1g} at the sample points{which}): "
            "is a constant rounded, e.g. 2.718 for e? use sp.exp(...) and exact numbers such as sp.Rational(1, 3)"
        )
    return None


def _slips(reference):
    """The reference's common wrong forms, each with the hint that names the slip, in the order they are tried.

    A term left out of a denominator (the own term of a softmax's sum, say), the square of the denominator that the
    quotient-rule habit adds (or a squared denominator left unsquared), one derivative too many, the log or the exp
    of the answer (log-softmax for softmax), and a factor of one symbol too many or missing (a 1/T, say).
    """
    import sympy as sp

    symbols = sorted(reference.free_symbols, key=str)
    numerator, denominator = sp.fraction(sp.together(reference))
    base, exponent = denominator.as_base_exp()
    for factor in sp.Mul.make_args(denominator):
        inner, power = factor.as_base_exp()
        if isinstance(inner, sp.Add):
            base, exponent = inner, power
    if isinstance(base, sp.Add):
        for term in base.args:
            yield numerator / denominator.xreplace({base: base - term}), (
                f"a term is missing from the denominator: it sums over every class, {base}, and yours leaves out "
                f"{term}")
    if denominator != 1 and numerator != 1:
        yield numerator, f"the denominator is missing: the reference divides {numerator} by {denominator}"
        yield 1 / denominator, (f"the numerator is missing: the reference is {numerator} over {denominator} (in a "
                                "chain rule, the inner derivative?)")
    if exponent == 2:
        yield numerator / denominator.xreplace({base**2: base}), (
            f"the square is missing: the reference divides by ({base})**2")
    elif denominator != 1:
        yield numerator / denominator**2, (
            "the denominator is squared, as the quotient rule's v**2 would make it: here the reference divides by "
            f"{denominator} itself")
    for v in symbols:
        yield sp.diff(reference, v), f"one derivative too many: your answer is the derivative of the reference in {v}"
    yield sp.log(reference), "your answer is the log of the reference (log-softmax for softmax?): take its exp"
    yield sp.exp(reference), "your answer is exp of the reference: the reference is its log"
    for v in symbols:
        yield reference * v, f"a factor 1/{v} is missing: your answer is the reference times {v}"
        yield reference / v, f"an extra factor 1/{v}: your answer is the reference divided by {v}"
    for v in symbols:
        yield reference.xreplace({v: -v}), (
            f"your answer is the reference with -{v} in place of {v}: a minus sign reaches {v} that should not "
            "(parentheses, as in -(z1 - z2), make a minus apply to a whole difference)")


def _parenthesised(text):
    """Each way of adding one pair of parentheses around the operand right of a / or ** (or left of a /)."""
    ops = [(i, 2) for i in range(len(text) - 1) if text[i:i + 2] == "**"]
    ops += [(i, 1) for i, c in enumerate(text) if c in "/^" and text[i:i + 2] != "**" and text[i - 1:i + 1] != "**"]
    # a leading minus: at the start, or after an opening parenthesis or another operator
    ops += [(i, 1) for i, c in enumerate(text)
            if c == "-" and (not text[:i].strip() or text[:i].rstrip()[-1] in "(*/+-^")]
    for i, width in sorted(ops):
        after = i + width
        for end in range(after + 1, len(text) + 1):
            right = text[after:end]
            if (end == len(text) or text[end] in "+-*/ )") and right.strip() and right.count("(") == right.count(")"):
                yield f"{text[:after]}({right.strip()}){text[end:]}"
        if text[i] == "/":
            for begin in range(i - 1, -1, -1):
                left = text[begin:i]
                if (begin == 0 or text[begin - 1] in "+-*/ (") and left.strip() and left.count("(") == left.count(")"):
                    yield f"{text[:begin]}({left.strip()}){text[i:]}"


def _precedence_slip(text, read, points, expected):
    """For a string answer: the one pair of parentheses that makes it the reference, named; else None."""
    seen = set()
    for fixed in _parenthesised(text):
        if fixed in seen:
            continue
        seen.add(fixed)
        try:
            candidate = read(fixed)
        except Exception:  # noqa: BLE001 -- a candidate that does not parse is no fix
            continue
        if _matches(candidate, points, expected):
            return (f"operator precedence: with one more pair of parentheses, {fixed!r} equals the reference; "
                    "/, ** and a leading minus apply only to the term next to them")
    return None


def _counterexample(points, yours, expected):
    """The first sample point where the two differ, with enough digits to see the difference."""
    for point, y, e in zip(points, yours, expected):
        if y is None or e is None or not np.isclose(y, e, rtol=SAMPLE_RTOL, atol=SAMPLE_ATOL):
            where = ", ".join(f"{k} = {float(v):g}" for k, v in point.items())
            if y is None:
                return f"at {where}: your answer is undefined (division by zero?), the reference is {_show(e, 6)}"
            if e is None:
                return f"at {where}: the reference is undefined, yours is {_show(y, 6)}"
            # The fewest digits (6 or more) that show the difference; 17 tell any two doubles apart.
            digits = next((d for d in range(6, 17) if _show(y, d) != _show(e, d)), 17)
            return f"at {where}: yours is {_show(y, digits)}, the reference is {_show(e, digits)}"
    return None


def _declared_symbols(symbols, reference):
    """The names an exercise accepts besides the reference's symbols: {name: what it stands for}."""
    import sympy as sp

    if not symbols:
        return {}
    items = symbols.items() if isinstance(symbols, dict) else ((s, s) for s in symbols)
    declared = {}
    for name, meaning in items:
        name = name.name if isinstance(name, sp.Symbol) else str(name)
        declared[name] = sp.sympify(meaning)
    own = {s.name for s in reference.free_symbols}
    return {name: meaning for name, meaning in declared.items() if name not in own}


def _replace_declared(answer, declared):
    """Replace the answer's symbols named as the exercise declared (s1, say) by what they stand for."""
    found = {s: declared[s.name] for s in answer.free_symbols if s.name in declared}
    return answer.xreplace(found) if found else answer


def _allowed_names(reference, declared):
    own = ", ".join(sorted(s.name for s in reference.free_symbols))
    return f"{', '.join(declared)} or {own}" if declared else own


def _not_through(answer, combination):
    """Where ``answer`` is not written through ``combination`` alone: None if it is, else a part that is not.

    A symbol of the combination is replaced by the combination itself (z1 -> d + z2 for z1 - z2): SymPy's automatic
    simplification cancels the rest (z2) from every term written through the combination, and leaves it in every
    other term.  Products of exponentials are combined first (exp(z2)/exp(z1) is exp(z2 - z1)).
    """
    import sympy as sp

    d = sp.Dummy("d")
    for v in sorted(combination.free_symbols, key=str):
        solved = sp.solve(sp.Eq(combination, d), v)
        if len(solved) == 1:
            break
    else:
        return None  # not a combination a symbol can be solved from: no form to check

    def left(expr):
        return expr.xreplace({v: solved[0]}).free_symbols & combination.free_symbols

    if not left(answer) or not left(sp.powsimp(answer, deep=True)):
        return None
    parts = [p for p in answer.atoms(sp.Function, sp.Pow) if left(p)] or [answer]
    return min(parts, key=lambda p: (len(str(p)), str(p)))


def _expression_result(name, expr, reference, symbols=None, as_function_of=None):
    """Compare a SymPy answer with the reference: exactly if SymPy can, else at sample points."""
    import sympy as sp

    label = f"check_expression ({name})"

    def fail(*lines, case=None):
        printed = (f"{FAIL} {label}: {lines[0]}", *(f"  {x}" for x in lines[1:]))
        return CheckResult(label, False, True, printed, case, 0, 1)

    if expr is None or expr is Ellipsis:
        lines = (f"{label}: not attempted yet", "  replace the ... with your answer and run this cell again")
        return CheckResult(label, False, False, lines, None, 0, 1)
    reference = sp.sympify(reference)
    declared = _declared_symbols(symbols, reference)
    try:
        answer = _read_answer(expr, reference, declared)
    except _Refusal as refusal:
        return fail(str(refusal))
    answer, note, unknown = _match_symbols(_replace_declared(answer, declared), reference)
    allowed = _allowed_names(reference, declared)
    if unknown:
        hint = f"your answer uses {', '.join(unknown)}, which the reference does not: write it in terms of {allowed}"
        if "e" in unknown:
            hint += " (for e to a power write exp(...), or sp.E)"
        return fail(hint)
    undefined = _undefined_functions(answer, reference)
    if undefined:
        calls = ", ".join(f"{f}(...)" for f in undefined)
        return fail(
            f"your answer uses {calls}, a function SymPy does not know: write it out with sp.exp, "
            "e.g. a sigmoid sigma(u) is 1 / (1 + sp.exp(-u))"
        )
    passed = f"{PASS} {label}: equal to the reference"
    passed_lines = (passed, f"  note: {note}") if note else (passed,)

    def equal():
        """Passed, unless the exercise asks for a form the answer is not written in."""
        if as_function_of is None:
            return CheckResult(label, True, True, passed_lines, None, 1, 1)
        combination, _, _ = _match_symbols(sp.sympify(as_function_of), reference)
        part = _not_through(answer, combination)
        if part is None:
            return CheckResult(label, True, True, passed_lines, None, 1, 1)
        names = ", ".join(sorted(s.name for s in combination.free_symbols))
        lines = [
            f"equal to the reference, but not in the asked form: write it as a function of "
            f"{combination} alone",
            f"hint: yours still has {names} apart from {combination}, as in {part}",
        ]
        return fail(*lines, *([f"note: {note}"] if note else []), case="form")

    # simplify can miss a true identity, so decide at sample points; a mismatch is a counterexample.
    symbols = sorted(reference.free_symbols, key=str)
    points = _points(symbols)
    yours = [_value_at(answer, p) for p in points]
    expected = [_value_at(reference, p) for p in points]
    if _agrees(yours, expected):
        return equal()
    # simplify (slow on large expressions) only where the points cannot decide: a value undefined, or a near miss.
    if not _agrees(yours, expected, rtol=NEAR, atol=NEAR) and None not in yours + expected:
        pass
    elif _equal_quietly(answer, reference):
        return equal()
    lines = ["not equal to the reference", _counterexample(points, yours, expected)]
    if not answer.free_symbols and symbols:
        lines.append(f"hint: your answer is a number; write a formula in {allowed}")
    else:
        hint = None
        if isinstance(expr, str):  # first: a missing pair of parentheses can look like another slip (1/1 + e**u)
            def read(text):
                again = _replace_declared(_read_answer(text, reference, declared), declared)
                return _match_symbols(again, reference)[0]

            hint = _precedence_slip(" ".join(expr.split()), read, points, expected)
        hint = hint or _diagnose(answer, reference, points, yours, expected)
        missing = sorted(s.name for s in reference.free_symbols - answer.free_symbols)
        if hint is None and missing:
            hint = f"your answer does not contain {', '.join(missing)}, and the reference depends on it"
        if hint:
            lines.append(f"hint: {hint}")
    if note:
        lines.append(f"note: {note}")
    return fail(*[x for x in lines if x], case="sample point")


def check_expression(expr, reference, name="your expression", *, symbols=None, as_function_of=None) -> CheckResult:
    """Check a SymPy answer ``expr`` against ``reference`` and print feedback.

    ``expr`` may be a SymPy expression (its symbols are matched to the reference's by name, whatever their
    assumptions) or a string, read with the reference's symbols.  Passes if SymPy simplifies the difference to
    0, or, when ``simplify`` is not strong enough, if both agree to 10 digits at six random points.  On a
    failure it prints a point where the two differ and, where it can, names the mistake.  ``...`` or None means
    "not attempted yet".  Never raises.

    ``symbols`` declares other names an exercise accepts, as ``{"s1": s1, "s2": s2}``: each name mapped to what it
    stands for, in the reference's symbols.  A string may use the names, a reader's own ``sp.Symbol("s1")`` counts
    as ``s1``, and the messages name them.  ``as_function_of`` asks for a form: with ``as_function_of=z1 - z2`` an
    answer that equals the reference passes only if it is written through ``z1 - z2`` alone (after products of
    exponentials are combined), so the definition ``exp(z1) / (exp(z1) + exp(z2))`` does not.

    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", real=True)
    >>> check_expression((a + b) ** 2, a**2 + 2 * a * b + b**2, name="a square").passed
    ✓ check_expression (a square): equal to the reference
    True
    >>> check_expression("a**2 + b**2", (a + b) ** 2, name="a square").passed
    ✗ check_expression (a square): not equal to the reference
      at a = 0.82, b = -1.38: yours is 2.5768, the reference is 0.3136
    False
    >>> check_expression("-u*v", -a * b / 4, name="with u, v", symbols={"u": a / 2, "v": b / 2}).passed
    ✓ check_expression (with u, v): equal to the reference
    True
    >>> check_expression(a**2 + 2 * a * b + b**2, (a + b) ** 2, name="form", as_function_of=a + b).passed
    ✗ check_expression (form): equal to the reference, but not in the asked form: write it as a function of a + b alone
      hint: yours still has a, b apart from a + b, as in a**2
    False
    """
    try:
        result = _expression_result(name, expr, reference, symbols, as_function_of)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 -- a check must not stop the notebook
        line = f"{FAIL} check_expression ({name}): could not check this answer ({describe_exception(exc)})"
        result = CheckResult(f"check_expression ({name})", False, True, (line,), None, 0, 1)
    try:
        emit(result.messages)
    except Exception:  # noqa: BLE001 -- a closed or broken stdout is no reason to raise
        pass
    return result
