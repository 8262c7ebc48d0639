"""Tests for helpers/checks/expression.py: check_expression.

The reference s_1 = exp(z1) / (exp(z1) + exp(z2)) is written out here with SymPy (as chapter 1's exercise uses it);
the wider corpus of attempts is in tests/student_attempts/expression.py.
"""

import contextlib
import io

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
