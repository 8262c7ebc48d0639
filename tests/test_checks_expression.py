"""Tests for helpers/checks/expression.py: check_expression.

The reference s_1 = exp(z1) / (exp(z1) + exp(z2)) is written out here with SymPy (as chapter 1's exercise uses it);
the wider corpus of attempts is in tests/student_attempts/expression.py.
"""

import contextlib
import io
from functools import partial

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.checks import CheckResult, check_expression

Z1, Z2 = sp.symbols("z1 z2", real=True)
S1 = sp.exp(Z1) / (sp.exp(Z1) + sp.exp(Z2))


def run(answer, reference=S1, name="s1"):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check_expression(answer, reference, name=name)
    return result, out.getvalue()


@pytest.mark.parametrize(
    "answer",
    [
        1 / (1 + sp.exp(-(Z1 - Z2))),
        1 / (1 + sp.exp(Z2 - Z1)),
        S1,
        (1 + sp.tanh((Z1 - Z2) / 2)) / 2,
        "1/(1 + exp(z2 - z1))",
        "1/(1 + e^(z2 - z1))",
        0.5 * (1 + sp.tanh((Z1 - Z2) / 2)),  # floats, equal to 15 digits
    ],
)
def test_every_equivalent_form_is_accepted(answer):
    result, printed = run(answer)
    assert result
    assert printed == "✓ check_expression (s1): equal to the reference\n"


def test_own_symbols_without_assumptions_are_matched_by_name_and_the_note_says_so():
    z1, z2 = sp.symbols("z1 z2")
    result, printed = run(1 / (1 + sp.exp(z2 - z1)))
    assert result
    assert printed.splitlines() == [
        "✓ check_expression (s1): equal to the reference",
        "  note: your symbols z1, z2 were made without real=True; they were matched to the reference's by name",
    ]


def test_other_assumptions_are_named_as_such():
    x = sp.Symbol("x", positive=True)
    result, printed = run(sp.Symbol("x") ** 2, x**2)
    assert result
    assert "your symbol x was made without positive=True; it was matched to the reference's by name" in printed
    result, printed = run(sp.Symbol("x", real=True) ** 2, sp.Symbol("x", integer=True) ** 2)
    assert result
    assert "your symbol x was made with other assumptions than the reference's" in printed


def test_a_counterexample_is_printed_with_an_exact_point():
    result, printed = run(sp.exp(Z1) / sp.exp(Z2))
    assert not result and result.attempted and result.failed_case == "sample point"
    assert printed.splitlines()[:2] == [
        "✗ check_expression (s1): not equal to the reference",
        "  at z1 = 0.82, z2 = -1.38: yours is 9.02501, the reference is 0.90025",
    ]


HEAD = "✗ check_expression (s1): "
SWAPPED = (
    "  hint: your answer is the reference with z1 and z2 swapped; for two classes that is the other class's "
    "probability (s_2, not s_1): is the sign of z1 - z2 flipped?"
)
SIGMA = (
    HEAD + "your answer uses sigma(...), a function SymPy does not know: write it out with sp.exp, e.g. a sigmoid "
    "sigma(u) is 1 / (1 + sp.exp(-u))"
)
MISTAKES = [
    # (answer, the last line of its feedback)
    (sp.exp(Z2) / (sp.exp(Z1) + sp.exp(Z2)), SWAPPED),
    (1 / (1 + sp.exp(Z1 - Z2)), SWAPPED),
    (-S1, "  hint: your answer is minus the reference: a sign is flipped"),
    (3 * S1, "  hint: your answer is 3 times the reference: a constant factor is off"),
    (S1 + 2, "  hint: your answer differs from the reference by the constant 2"),
    (1 / S1, "  hint: your answer is 1 / the reference: numerator and denominator are swapped"),
    (
        1 / (1 + 2.718 ** (Z2 - Z1)),
        "  hint: very close but not equal (relative difference up to 0.0002 at the sample points; your answer "
        "contains 2.718): is a constant rounded, e.g. 2.718 for e? use sp.exp(...) and exact numbers such as "
        "sp.Rational(1, 3)",
    ),
    (
        sp.Matrix([S1, 1 - S1]),
        HEAD + "you gave a whole Matrix (2x1); its entry [0] equals the reference: pass that entry, e.g. s[0]",
    ),
    (sp.Matrix([[Z1, Z2]]), HEAD + "you gave a whole Matrix (1x2): the answer is one entry, e.g. s[0]"),
    (sp.Function("sigma")(Z1 - Z2), SIGMA),
    ("sigma(z1 - z2)", SIGMA),
    (sp.Symbol("x") + Z1, HEAD + "your answer uses x, which the reference does not: write it in terms of z1, z2"),
    (
        sp.Symbol("e") ** Z1,
        HEAD + "your answer uses e, which the reference does not: write it in terms of z1, z2 "
        "(for e to a power write exp(...), or sp.E)",
    ),
    (
        "1 +* 2",
        HEAD + "could not read '1 +* 2' as a formula (SyntaxError: invalid syntax (<string>, line 1)): "
        "write it as in Python, e.g. '1/(1 + exp(z2 - z1))'",
    ),
    (
        "1/(1 + exp(z2 - z1)",
        HEAD + "could not read '1/(1 + exp(z2 - z1)' as a formula (the parentheses are not balanced): "
        "write it as in Python, e.g. '1/(1 + exp(z2 - z1))'",
    ),
    (
        "s1 = exp(z1)",
        HEAD + "write only the right-hand side of your formula, without 'name =' (got 's1 = exp(z1)')",
    ),
    ("  ", HEAD + "your answer is an empty string: write the formula, e.g. '1/(1 + exp(z2 - z1))'"),
    (0.731, "  hint: your answer is a number; write a formula in z1, z2"),
    (lambda a, b: S1, HEAD + "your answer is a function, not an expression: call it, e.g. f(z1, z2)"),
    ([S1], HEAD + "your answer is a list: give one expression"),
    (sp.Eq(Z1, Z2), HEAD + "your answer is an equation: give the right-hand side only"),
    (
        Z1 > Z2,
        HEAD + "your answer is an equation: give the right-hand side only",
    ),
    (
        sp.true,
        HEAD + "your answer is True, not a formula: did you write == where you meant to give the formula?",
    ),
]


@pytest.mark.parametrize(("answer", "last_line"), MISTAKES)
def test_each_mistake_is_named(answer, last_line):
    result, printed = run(answer)
    assert not result and result.attempted
    assert printed.splitlines()[-1] == last_line


def test_the_sample_tolerance_rejects_a_rounded_constant_and_tiny_factors():
    """2.718 for e is off by about 1e-4, a factor 1 + 1e-9 by 1e-9: both are wrong answers."""
    assert not run(1 / (1 + 2.718 ** (Z2 - Z1)))[0]
    result, printed = run(S1 * 1.000000001)
    assert not result
    assert "yours is 0.900249512, the reference is 0.900249511" in printed  # digits enough to see it


def test_a_true_identity_simplify_misses_is_accepted_at_the_sample_points():
    # A 30-digit Float form: simplify leaves a Float residue, the sample points agree to far more than 10 digits.
    assert run(sp.Float("0.5", 30) * (1 + sp.tanh((Z1 - Z2) / 2)))[0]


@pytest.mark.parametrize("stub", [..., None])
def test_not_attempted(stub):
    result, printed = run(stub)
    assert not result and not result.attempted
    assert "not attempted yet" in printed


weird = st.one_of(
    st.none(),
    st.integers(),
    st.floats(),
    st.complex_numbers(),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.just(object()),
    st.just(sp.Matrix([[Z1, Z2]])),
    st.just(sp.oo),
    st.just(sp.nan),
    st.just(sp.zoo),
    st.just(1 / (Z1 - Z1.conjugate())),
    st.just(sp.Function("f")),
)


@settings(max_examples=100)
@given(answer=weird)
def test_never_raises_and_never_shows_an_internal_error(answer):
    result, printed = run(answer)
    assert isinstance(result, CheckResult)
    assert not result
    assert printed == result.feedback + "\n"
    assert "could not check" not in printed


# --------------------------------------------------------------------------- the result object of every verdict


def _fields(result):
    return (result.name, result.passed, result.attempted, result.failed_case, result.checks_passed,
            result.checks_total)


@pytest.mark.parametrize(
    ("answer", "reference", "fields"),
    [
        (1 / (1 + sp.exp(Z2 - Z1)), S1, ("check_expression (s1)", True, True, None, 1, 1)),  # simplify proves it
        # simplify leaves a Float residue; the sample points decide
        (sp.Float("0.5", 30) * (1 + sp.tanh((Z1 - Z2) / 2)), S1, ("check_expression (s1)", True, True, None, 1, 1)),
        (sp.exp(Z1) / sp.exp(Z2), S1, ("check_expression (s1)", False, True, "sample point", 0, 1)),
        ([S1], S1, ("check_expression (s1)", False, True, None, 0, 1)),  # refused before any comparison
        (..., S1, ("check_expression (s1)", False, False, None, 0, 1)),
        (S1, object(), ("check_expression (s1)", False, True, None, 0, 1)),  # a reference SymPy cannot read
    ],
    ids=["simplified", "sample points", "wrong", "refused", "not attempted", "internal error"],
)
def test_every_verdict_is_one_check_with_its_name_and_attempt_status(answer, reference, fields):
    """One answer is one check: 1/1 on a pass, 0/1 otherwise; only a stub is not attempted."""
    result, printed = run(answer, reference)
    assert _fields(result) == fields
    assert printed == result.feedback + "\n"


def test_a_reference_sympy_cannot_read_is_reported_not_raised():
    result, printed = run(S1, object())
    assert printed == (
        "✗ check_expression (s1): could not check this answer "
        "(SympifyError: SympifyError: \"cannot sympify object of type <class 'object'>\")\n"
    )


def test_the_default_name_says_your_expression():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check_expression(S1, S1)
    assert result.name == "check_expression (your expression)"
    assert out.getvalue() == "✓ check_expression (your expression): equal to the reference\n"


@pytest.mark.parametrize("stub", [..., None])
def test_not_attempted_says_what_to_replace(stub):
    assert run(stub)[1].splitlines() == [
        "check_expression (s1): not attempted yet",
        "  replace the ... with your answer and run this cell again",
    ]


# --------------------------------------------------------------------------- full feedback of the sample-point verdicts


THREE = sp.symbols("z1 z2 z3", real=True)
# d LSE / d z1 for three classes (chapter 2's exercise), differentiated by SymPy from the definition.
DLSE = sp.diff(sp.log(sum(sp.exp(z) for z in THREE)), THREE[0])

FULL_FEEDBACK = [
    (
        # No known transformation: the counterexample alone (no constant offset, no ratio, no slip).
        sp.exp(Z1) * sp.exp(Z2),
        S1,
        ["not equal to the reference", "at z1 = 0.82, z2 = -1.38: yours is 0.571209, the reference is 0.90025"],
    ),
    (
        # The own term left out of the denominator: exp(z1) / exp(z2) is exp(z1) / (exp(z1) + exp(z2) - exp(z1)).
        sp.exp(Z1) / sp.exp(Z2),
        S1,
        ["not equal to the reference", "at z1 = 0.82, z2 = -1.38: yours is 9.02501, the reference is 0.90025",
         "hint: a term is missing from the denominator: it sums over every class, exp(z1) + exp(z2), and yours "
         "leaves out exp(z1)"],
    ),
    (
        # 1 - s_1 of three classes is no swap of two symbols: it is named as the complement.
        (sp.exp(THREE[1]) + sp.exp(THREE[2])) / sum(sp.exp(z) for z in THREE),
        DLSE,
        [
            "not equal to the reference",
            "at z1 = 0.82, z2 = -1.38, z3 = -2.75: yours is 0.122005, the reference is 0.877995",
            "hint: your answer is 1 minus the reference: is it the complement (the other class)?",
        ],
    ),
    (
        # For three classes a swap is only a swap: the two-class note about s_2 would be wrong.
        sp.exp(THREE[1]) / sum(sp.exp(z) for z in THREE),
        DLSE,
        [
            "not equal to the reference",
            "at z1 = 0.82, z2 = -1.38, z3 = -2.75: yours is 0.0972846, the reference is 0.877995",
            "hint: your answer is the reference with z1 and z2 swapped",
        ],
    ),
    (
        # sqrt(z1**2) is |z1|: equal at z1 = 0.82, the first point; the counterexample is the first point that differs.
        sp.sqrt(sp.Symbol("z", real=True) ** 2),
        sp.Symbol("z", real=True),
        ["not equal to the reference", "at z = -1.38: yours is 1.38, the reference is -1.38"],
    ),
    (
        # floor(0.82) = 0: undefined at the first point, defined at others (no hint may divide by its None).
        S1 / sp.floor(Z1),
        S1,
        [
            "not equal to the reference",
            "at z1 = 0.82, z2 = -1.38: your answer is undefined (division by zero?), the reference is 0.90025",
        ],
    ),
    (
        # The reference is undefined at z1 = 0.82 (it divides by floor(z1) = 0).
        S1,
        S1 / sp.floor(Z1),
        [
            "not equal to the reference",
            "at z1 = 0.82, z2 = -1.38: the reference is undefined, yours is 0.90025",
        ],
    ),
    (
        # A complex answer differs from a real reference in its imaginary part: both parts are shown.
        S1 + sp.I,
        S1,
        [
            "not equal to the reference",
            "at z1 = 0.82, z2 = -1.38: yours is 0.90025 + 1*I, the reference is 0.90025",
            "hint: your answer differs from the reference by the constant 0 + 1*I",
        ],
    ),
    (
        S1 * (1 - sp.I),
        S1,
        [
            "not equal to the reference",
            "at z1 = 0.82, z2 = -1.38: yours is 0.90025 - 0.90025*I, the reference is 0.90025",
            "hint: your answer is 1 - 1*I times the reference: a constant factor is off",
        ],
    ),
    (
        # A factor and an offset are printed to 6 significant digits.
        sp.E * S1,
        S1,
        [
            "not equal to the reference",
            "at z1 = 0.82, z2 = -1.38: yours is 2.44713, the reference is 0.90025",
            "hint: your answer is 2.71828 times the reference: a constant factor is off",
        ],
    ),
    (
        S1 + sp.E,
        S1,
        [
            "not equal to the reference",
            "at z1 = 0.82, z2 = -1.38: yours is 3.61853, the reference is 0.90025",
            "hint: your answer differs from the reference by the constant 2.71828",
        ],
    ),
    (
        # A factor within 1e-3 of 1 is a near miss (a rounded constant), not "a constant factor is off".
        S1 * 1.0001,
        S1,
        [
            "not equal to the reference",
            "at z1 = 0.82, z2 = -1.38: yours is 0.90034, the reference is 0.90025",
            "hint: very close but not equal (relative difference up to 0.0001 at the sample points; your answer "
            "contains 1.0001): is a constant rounded, e.g. 2.718 for e? use sp.exp(...) and exact numbers such as "
            "sp.Rational(1, 3)",
        ],
    ),
    (
        # Two mistakes at once (twice s_1, with e rounded to 2.71828): the ratio varies by about 1e-6, so it is
        # no constant factor, and no single mistake is named.
        2 / (1 + 2.71828 ** (Z2 - Z1)),
        S1,
        ["not equal to the reference", "at z1 = 0.82, z2 = -1.38: yours is 1.8005, the reference is 0.90025"],
    ),
    (
        # The same with 1 added: not a constant offset either.
        1 / (1 + 2.71828 ** (Z2 - Z1)) + 1,
        S1,
        ["not equal to the reference", "at z1 = 0.82, z2 = -1.38: yours is 1.90025, the reference is 0.90025"],
    ),
    (
        # 0.01 added to s_1 with e rounded to 9 decimals: the offset varies by about 1e-10, above 1e-9 of 0.01.
        1 / (1 + 2.718281828 ** (Z2 - Z1)) + sp.Rational(1, 100),
        S1,
        ["not equal to the reference", "at z1 = 0.82, z2 = -1.38: yours is 0.91025, the reference is 0.90025"],
    ),
    (
        # Three rounded constants: the two shortest are named, the shortest first.
        0.4999 / (0.5 + 0.5 * 2.718 ** (Z2 - Z1)),
        S1,
        [
            "not equal to the reference",
            "at z1 = 0.82, z2 = -1.38: yours is 0.900049, the reference is 0.90025",
            "hint: very close but not equal (relative difference up to 0.0002 at the sample points; your answer "
            "contains 0.5, 2.718): is a constant rounded, e.g. 2.718 for e? use sp.exp(...) and exact numbers such "
            "as sp.Rational(1, 3)",
        ],
    ),
    (
        # e rounded as an exact fraction: no float to name.
        1 / (1 + sp.Rational(2718, 1000) ** (Z2 - Z1)),
        S1,
        [
            "not equal to the reference",
            "at z1 = 0.82, z2 = -1.38: yours is 0.900229, the reference is 0.90025",
            "hint: very close but not equal (relative difference up to 0.0002 at the sample points): is a constant "
            "rounded, e.g. 2.718 for e? use sp.exp(...) and exact numbers such as sp.Rational(1, 3)",
        ],
    ),
    (
        # ReLU is 0 at the negative sample points: neither 1 / reference nor a ratio may divide by it.
        2 * sp.Max(sp.Symbol("z", real=True), 0),
        sp.Max(sp.Symbol("z", real=True), 0),
        ["not equal to the reference", "at z = 0.82: yours is 1.64, the reference is 0.82"],
    ),
    (
        # Own symbols, wrong answer: the note still comes after the counterexample.
        sp.exp(sp.Symbol("z1")) / sp.exp(sp.Symbol("z2")),
        S1,
        [
            "not equal to the reference",
            "at z1 = 0.82, z2 = -1.38: yours is 9.02501, the reference is 0.90025",
            "hint: a term is missing from the denominator: it sums over every class, exp(z1) + exp(z2), and yours "
            "leaves out exp(z1)",
            "note: your symbols z1, z2 were made without real=True; they were matched to the reference's by name",
        ],
    ),
]


@pytest.mark.parametrize(("answer", "reference", "lines"), FULL_FEEDBACK)
def test_the_whole_feedback_of_a_wrong_answer(answer, reference, lines):
    result, printed = run(answer, reference)
    assert not result and result.failed_case == "sample point"
    assert printed.splitlines() == [HEAD + lines[0], *(f"  {line}" for line in lines[1:])]


def test_the_sample_points_are_exactly_the_two_decimal_numbers_printed():
    """The points carry 30 digits, so a point printed as 0.82 is 0.82 to 30 digits, not the double nearest it."""
    from helpers.checks.expression import _points

    symbols = sp.symbols("a b c")
    points = _points(symbols)
    assert [[float(p[s]) for s in symbols] for p in points[:2]] == [[0.82, -1.38, -2.75], [-2.9, 1.88, 2.48]]
    for point in points:
        for value in point.values():
            assert abs(value - sp.Rational(round(float(value) * 100), 100)) < sp.Float("1e-29", 30)


@pytest.mark.parametrize("kept", range(6))
def test_symbols_are_matched_by_name_whatever_their_order(kept):
    """The answer mixes one of the reference's own symbols with same-named symbols of its own for the others; every
    one of them is matched, whichever comes first in the set SymPy keeps them in."""
    ref_symbols = sp.symbols("x0:6", real=True)
    reference = sum((i + 1) * s**2 for i, s in enumerate(ref_symbols))
    mixed = [s if i == kept else sp.Symbol(s.name) for i, s in enumerate(ref_symbols)]
    result, printed = run(sum((i + 1) * s**2 for i, s in enumerate(mixed)), reference)
    assert result, printed
    assert printed.splitlines()[1].startswith("  note: your symbols x")


def test_when_simplify_fails_the_sample_points_decide(monkeypatch):
    """simplify is only a shortcut: if it raises, a right answer still passes and a wrong one still fails."""

    def broken(*args, **kwargs):
        raise RecursionError("simplify gave up")

    monkeypatch.setattr(sp, "simplify", broken)
    assert run(1 / (1 + sp.exp(Z2 - Z1)))[0]
    result, printed = run(sp.exp(Z1) / sp.exp(Z2))
    assert not result
    assert "yours is 9.02501, the reference is 0.90025" in printed


# --------------------------------------------------------------------------- answers that are refused, in full


def my_s1(z1, z2):
    return 1 / (1 + sp.exp(z2 - z1))


LONG = "1 +* 2 + exp(z1 - z1) + exp(z2 - z2) + exp(z1 - z2) + z1 + z2 + z1*z2 + 0"


@pytest.mark.parametrize(
    ("answer", "line"),
    [
        (my_s1, "your answer is a function, not an expression: call it, e.g. my_s1(z1, z2)"),
        (partial(my_s1, Z1), "your answer is a function, not an expression: call it, e.g. f(z1, z2)"),
        (
            np.array([S1]),
            "your answer is a NumPy array: give one SymPy expression (use sp.exp, not np.exp, on symbols)",
        ),
        (sp.FiniteSet(S1), "your answer is a FiniteSet, not one expression"),
        (b"1/(1 + exp(z2 - z1))", "could not read your answer (a bytes) as a formula (SympifyError: SympifyError: "
                                  "b'1/(1 + exp(z2 - z1))')"),
        ("z1 <= z2", "your answer is an equation: give the right-hand side only"),
        ("z1 >= z2", "your answer is an equation: give the right-hand side only"),
        ("z1 == z2", "your answer is False, not a formula: did you write == where you meant to give the formula?"),
        ("z1 != z2", "your answer is True, not a formula: did you write == where you meant to give the formula?"),
        (
            "exp(z1) / (exp(z1) +* exp(z2))",  # balanced parentheses: the parser's own message
            "could not read 'exp(z1) / (exp(z1) +* exp(z2))' as a formula (SyntaxError: invalid syntax (<string>, "
            "line 1)): write it as in Python, e.g. '1/(1 + exp(z2 - z1))'",
        ),
        (
            LONG,  # shortened to 60 characters
            f"could not read {LONG[:57] + '...'!r} as a formula (SyntaxError: invalid syntax (<string>, line 1)): "
            "write it as in Python, e.g. '1/(1 + exp(z2 - z1))'",
        ),
        (
            LONG[:60],  # exactly 60 characters: shown whole
            f"could not read {LONG[:60]!r} as a formula (SyntaxError: invalid syntax (<string>, line 1)): "
            "write it as in Python, e.g. '1/(1 + exp(z2 - z1))'",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None,
)
def test_an_answer_that_cannot_be_compared_is_refused_with_its_reason(answer, line):
    result, printed = run(answer)
    assert not result and result.attempted
    assert printed == HEAD + line + "\n"


def test_a_typed_E_is_eulers_number():
    assert run("E^z1 / (E^z1 + E^z2)")[0]


def test_an_answer_that_is_infinite_is_undefined_not_inf():
    _, printed = run(S1 * sp.oo)
    assert printed.splitlines()[1] == (
        "  at z1 = 0.82, z2 = -1.38: your answer is undefined (division by zero?), the reference is 0.90025"
    )


def test_a_function_the_reference_itself_uses_is_not_called_unknown():
    g = sp.Function("g")
    assert run(2 * g(Z1) / 2, g(Z1))[0]


# A factor or an offset that drifts in the 9th digit or beyond across the sample points (a float constant computed
# in low precision, say) is still constant, and is judged and shown by its value at the first point, z1 = 0.82.
# Each answer below drifts so that from the second point (z1 = -2.75) the verdict or the printed value would differ.
DRIFT = Z1 - sp.Rational(82, 100)
PLUS_MINUS = (Z1 + sp.Rational(965, 1000)) / sp.Rational(1785, 1000)  # +1 at the first point, -1 at the second
TINY = sp.Rational(1, 10**10)


@pytest.mark.parametrize(
    ("answer", "yours", "hint"),
    [
        (S1 * (3 + sp.Float("3.2e-9", 30) * DRIFT), "2.70075", "your answer is 3 times the reference: a constant "
         "factor is off"),
        (S1 + 2 + sp.Float("5e-10", 30) * DRIFT, "2.90025", "your answer differs from the reference by the constant 2"),
        # 3.000005 printed to 6 digits: 3.00001 just above it (the first point), 3 just below (the second)
        (S1 * (sp.Rational(3000005, 10**6) + TINY * PLUS_MINUS), "2.70075", "your answer is 3.00001 times the "
         "reference: a constant factor is off"),
        # a factor just outside 1e-3 of 1 at the first point, just inside at the second
        (S1 * (sp.Rational(100100001, 10**8) + TINY * PLUS_MINUS), "0.90115", "your answer is 1.001 times the "
         "reference: a constant factor is off"),
        # 2.000005 printed to 6 digits: 2.00001 at the first point, 2 at the second
        (S1 + sp.Rational(2000005, 10**6) + TINY * PLUS_MINUS, "2.90025", "your answer differs from the reference by "
         "the constant 2.00001"),
        # an offset just above 1e-3 at the first point, just below at the second
        (S1 + sp.Rational(1, 1000) + TINY / 1000 * PLUS_MINUS, "0.90125", "your answer differs from the reference by "
         "the constant 0.001"),
    ],
    ids=["factor", "offset", "factor printed", "factor near 1", "offset printed", "offset near 1e-3"],
)
def test_a_constant_is_judged_from_its_value_at_the_first_point(answer, yours, hint):
    result, printed = run(answer)
    assert not result
    assert printed.splitlines() == [
        HEAD + "not equal to the reference",
        f"  at z1 = 0.82, z2 = -1.38: yours is {yours}, the reference is 0.90025",
        f"  hint: {hint}",
    ]


Z = sp.Symbol("z", real=True)


@pytest.mark.parametrize(
    ("answer", "reference", "lines"),
    [
        # An offset of exactly 1e-3 (where the reference is 0, so no relative difference is small) is not named: a
        # constant offset must be larger than 1e-3.
        (sp.floor(Z) + sp.Rational(1, 1000), sp.floor(Z), ["at z = 0.82: yours is 0.001, the reference is 0"]),
        (
            sp.floor(Z) + sp.Rational(11, 10000),
            sp.floor(Z),
            ["at z = 0.82: yours is 0.0011, the reference is 0", "hint: your answer differs from the reference by "
             "the constant 0.0011"],
        ),
        # A relative difference of exactly 1e-3 at every point (1001 / 1000, in powers of 2 so the doubles are
        # exact) is no near miss: a near miss is closer than 1e-3.
        (1001 * 2 ** sp.floor(Z), 1000 * 2 ** sp.floor(Z), ["at z = 0.82: yours is 1001, the reference is 1000"]),
    ],
    ids=["offset of exactly 1e-3", "offset above 1e-3", "relative difference of exactly 1e-3"],
)
def test_the_edges_of_a_constant_offset_and_a_near_miss(answer, reference, lines):
    result, printed = run(answer, reference)
    assert not result
    assert printed.splitlines() == [HEAD + "not equal to the reference", *(f"  {line}" for line in lines)]


def test_a_small_positive_imaginary_part_is_added_not_subtracted():
    """Half of I: below 1 but positive, so it is printed with a plus."""
    assert run(S1 + sp.I / 2)[1].splitlines() == [
        HEAD + "not equal to the reference",
        "  at z1 = 0.82, z2 = -1.38: yours is 0.90025 + 0.5*I, the reference is 0.90025",
        "  hint: your answer differs from the reference by the constant 0 + 0.5*I",
    ]


@pytest.mark.parametrize(
    ("answer", "line"),
    [
        # several unknown names or functions are listed in alphabetical order, whatever order SymPy keeps them in
        (
            sp.Symbol("y") + sp.Symbol("x") + sp.Symbol("w") * Z1,
            "your answer uses w, x, y, which the reference does not: write it in terms of z1, z2",
        ),
        (
            sp.Function("sigma")(Z1) + sp.Function("g")(Z2) + sp.Function("h")(Z1),
            "your answer uses g(...), h(...), sigma(...), a function SymPy does not know: write it out with sp.exp, "
            "e.g. a sigmoid sigma(u) is 1 / (1 + sp.exp(-u))",
        ),
        ((S1,), "your answer is a tuple: give one expression"),
        ({S1: 1}, "your answer is a dict: give one expression"),
        (lambda z1, z2: S1, "your answer is a function, not an expression: call it, e.g. f(z1, z2)"),
    ],
    ids=["unknown names", "unknown functions", "tuple", "dict", "lambda"],
)
def test_more_refusals_in_full(answer, line):
    result, printed = run(answer)
    assert (result.passed, result.attempted, result.checks_passed, result.checks_total) == (False, True, 0, 1)
    assert printed == HEAD + line + "\n"


def test_a_closed_stdout_does_not_stop_the_check():
    out = io.StringIO()
    out.close()
    with contextlib.redirect_stdout(out):
        result = check_expression(1 / (1 + sp.exp(Z2 - Z1)), S1, name="s1")
    assert result and result.feedback == "✓ check_expression (s1): equal to the reference"


# --------------------------------------------------------------------------- an asked form (as_function_of)


def run_form(answer, combination=Z1 - Z2):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check_expression(answer, S1, name="s1", as_function_of=combination)
    return result, out.getvalue()


@pytest.mark.parametrize(
    "answer",
    [
        1 / (1 + sp.exp(-(Z1 - Z2))),
        (1 + sp.tanh((Z1 - Z2) / 2)) / 2,
        sp.exp(Z1 - Z2) / (1 + sp.exp(Z1 - Z2)),
        1 / (1 + sp.exp(Z2) / sp.exp(Z1)),  # exp(z2) / exp(z1) is exp(z2 - z1)
        "1/(1 + e^(z2 - z1))",
    ],
)
def test_an_answer_through_the_difference_is_in_the_asked_form(answer):
    result, printed = run_form(answer)
    assert result
    assert printed == "✓ check_expression (s1): equal to the reference\n"


@pytest.mark.parametrize(
    ("answer", "part"),
    [
        (S1, "exp(z1)"),
        ("exp(z1)/(exp(z1) + exp(z2))", "exp(z1)"),
        (1 - sp.exp(Z2) / (sp.exp(Z1) + sp.exp(Z2)), "exp(z1)"),
        (sp.exp(-Z2) / (sp.exp(-Z1) + sp.exp(-Z2)), "exp(-z1)"),
    ],
)
def test_the_definition_is_equal_but_not_in_the_asked_form(answer, part):
    result, printed = run_form(answer)
    assert not result and result.attempted
    assert result.failed_case == "form"
    assert printed.splitlines() == [
        "✗ check_expression (s1): equal to the reference, but not in the asked form: write it as a function of "
        "z1 - z2 alone",
        f"  hint: yours still has z1, z2 apart from z1 - z2, as in {part}",
    ]


def test_without_an_asked_form_the_definition_still_passes():
    assert run(S1)[0]


def test_a_wrong_answer_gets_its_value_diagnosis_before_the_form():
    result, printed = run_form(-S1)
    assert result.failed_case == "sample point"
    assert "minus the reference" in printed and "asked form" not in printed


def test_an_asked_form_no_symbol_can_be_solved_from_is_not_imposed():
    # z1**2 + z2**2 = d has two solutions for z1: no substitution, so only equality is judged.
    assert run_form(S1, Z1**2 + Z2**2)[0]


# --------------------------------------------------------------------------- declared symbols (chapter 4's s1, s2)

Z3 = sp.Symbol("z3", real=True)
SUM3 = sp.exp(Z1) + sp.exp(Z2) + sp.exp(Z3)
SOFTMAX3 = {f"s{n}": sp.exp(v) / SUM3 for n, v in enumerate((Z1, Z2, Z3), start=1)}
MIXED = sp.diff(-sp.log(sp.exp(Z1) / SUM3), Z1, Z2)  # = -s1 s2, by hand; checked below at a point


def run_declared(answer, symbols=SOFTMAX3):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check_expression(answer, MIXED, name="mixed", symbols=symbols)
    return result, out.getvalue()


def test_the_reference_is_minus_s1_s2():
    point = {Z1: 0.3, Z2: -1.1, Z3: 2.0}
    e = np.exp([0.3, -1.1, 2.0])
    assert float(MIXED.evalf(30, subs=point)) == pytest.approx(-e[0] * e[1] / e.sum() ** 2, rel=1e-14)


@pytest.mark.parametrize(
    "answer",
    ["-s1*s2", "-(s2*s1)", -sp.Symbol("s1") * sp.Symbol("s2"), -sp.Symbol("s1", positive=True) * sp.Symbol("s2")],
)
def test_declared_names_are_read_in_strings_and_in_the_readers_own_symbols(answer):
    result, printed = run_declared(answer)
    assert result
    assert printed == "✓ check_expression (mixed): equal to the reference\n"


def test_declared_symbols_may_be_given_as_a_list_of_symbols():
    # A list of the reference's own symbols declares nothing new: the default message stays.
    result, printed = run_declared("-p1*p2", symbols=[Z1, Z2])
    assert printed.endswith("write it in terms of z1, z2, z3\n")


def test_messages_name_the_declared_symbols_with_the_reference_s():
    result, printed = run_declared("-p1*p2")
    assert not result
    assert printed == (
        "✗ check_expression (mixed): your answer uses p1, p2, which the reference does not: "
        "write it in terms of s1, s2, s3 or z1, z2, z3\n"
    )


def test_a_wrong_answer_in_declared_names_is_diagnosed():
    result, printed = run_declared("s1*s2")
    assert not result
    assert "minus the reference" in printed


def test_without_declared_symbols_s1_is_unknown_as_before():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check_expression("-s1*s2", MIXED, name="mixed")
    assert not result
    assert "uses s1, s2" in out.getvalue() and "in terms of z1, z2, z3" in out.getvalue()
