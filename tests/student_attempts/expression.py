"""Chapter 1, exercise 1: attempts at s_1 = sigma(z1 - z2) for two classes, checked as the chapter checks them:
``check_expression(my_s1, s1_reference, name="s_1 for two classes", as_function_of=z1 - z2)`` (the exercise asks
for s_1 written through z1 - z2, so the definition itself, equal but not in that form, is refused); chapter 2's
exercise, d LSE / d z1 for three classes: ``check_expression(my_derivative, lse_reference, name="d LSE / d z1")``;
and chapter 4's exercise 3, d2L / dz1 dz2 for three classes with the true class 1, which accepts an answer in s1, s2,
s3 (the softmax outputs): ``check_expression(my_mixed, mixed_reference, name="d2L / dz1 dz2", symbols={"s1": s1,
"s2": s2, "s3": s3})``.

The references are written out here with SymPy (independently of helpers.symbolic): exp(z1) / (exp(z1) + exp(z2))
with real symbols, as the chapter's ``symbolic.logit_symbols(2)`` makes them, SymPy's derivative of
log(exp(z1) + exp(z2) + exp(z3)), and SymPy's second derivative of -log(exp(z1) / (exp(z1) + exp(z2) + exp(z3))).
"""

from functools import partial

import numpy as np
import sympy as sp

from helpers.checks import check_expression
from student_attempts import correct, wrong

z1, z2 = sp.symbols("z1 z2", real=True)
S1 = sp.exp(z1) / (sp.exp(z1) + sp.exp(z2))
S2 = sp.exp(z2) / (sp.exp(z1) + sp.exp(z2))

check_s1 = partial(check_expression, reference=S1, name="s_1 for two classes", as_function_of=z1 - z2)
FORM = ("not in the asked form", "function of z1 - z2 alone")

z3 = sp.Symbol("z3", real=True)
SUM3 = sp.exp(z1) + sp.exp(z2) + sp.exp(z3)
check_dlse = partial(check_expression, reference=sp.diff(sp.log(SUM3), z1), name="d LSE / d z1")

# Chapter 4, exercise 3: the softmax outputs s1, s2, s3 are declared, so an answer may use them by name.
SOFTMAX3 = {f"s{n}": sp.exp(v) / SUM3 for n, v in enumerate((z1, z2, z3), start=1)}
check_mixed = partial(
    check_expression,
    reference=sp.diff(-sp.log(sp.exp(z1) / SUM3), z1, z2),
    name="d2L / dz1 dz2",
    symbols=SOFTMAX3,
)
s1, s2, s3 = sp.symbols("s1 s2 s3")  # the learner's own symbols, standing for the softmax outputs

# The learner's own symbols, made without real=True: matched by name.
a1, a2 = sp.symbols("z1 z2")
# A sigmoid the learner defines as a Python function (fine) and one left undefined (not fine).
sigmoid = sp.Lambda(sp.Symbol("u"), 1 / (1 + sp.exp(-sp.Symbol("u"))))
sigma = sp.Function("sigma")

ATTEMPTS = [
    # correct, in many forms
    correct("sigmoid of z1 - z2", 1 / (1 + sp.exp(-(z1 - z2))), check_s1),
    correct("exp(z2 - z1) in the denominator", 1 / (1 + sp.exp(z2 - z1)), check_s1),
    correct("tanh form", (1 + sp.tanh((z1 - z2) / 2)) / 2, check_s1),
    correct("exp of the difference over one plus it", sp.exp(z1 - z2) / (sp.exp(z1 - z2) + 1), check_s1),
    correct("exp(-z1) * exp(z2) in the denominator", 1 / (1 + sp.exp(-z1) * sp.exp(z2)), check_s1),
    correct("a string in the difference, with E", "E**(z1 - z2)/(1 + E**(z1 - z2))", check_s1),
    correct("own symbols without real=True", 1 / (1 + sp.exp(a2 - a1)), check_s1),
    correct("own symbols, tanh form with floats", 0.5 * (1 + sp.tanh((a1 - a2) / 2)), check_s1),
    correct("a string", "1/(1 + exp(z2 - z1))", check_s1),
    correct("a string with ^ and e", "1/(1 + e^(-(z1 - z2)))", check_s1),
    correct("a Lambda sigmoid applied", sigmoid(z1 - z2), check_s1),
    correct("divided through by exp(z1)", 1 / (1 + sp.exp(z2) / sp.exp(z1)), check_s1),
    correct("one own symbol, one reference symbol", 1 / (1 + sp.exp(z2 - a1)), check_s1),
    # equal to s_1 but not in the asked form: the definition and its rewritings
    wrong("the softmax entry itself", sp.exp(z1) / (sp.exp(z1) + sp.exp(z2)), check_s1, *FORM, "exp(z1)"),
    wrong("the definition as a string", "exp(z1)/(exp(z1) + exp(z2))", check_s1, *FORM, "exp(z1)"),
    wrong("1 - s_2", 1 - sp.exp(z2) / (sp.exp(z1) + sp.exp(z2)), check_s1, *FORM),
    wrong("E to a power", sp.E**z1 / (sp.E**z1 + sp.E**z2), check_s1, *FORM),
    wrong("divided by exp(-z2)", sp.exp(-z2) / (sp.exp(-z2) + sp.exp(-z1)), check_s1, *FORM, "exp(-z"),
    wrong("the definition with own symbols", sp.exp(a1) / (sp.exp(a1) + sp.exp(a2)), check_s1, *FORM, "matched"),
    # wrong, each with the words that name its mistake
    wrong("s_2 for s_1", S2, check_s1, "swapped", "s_2, not s_1"),
    wrong("sign of z1 - z2 flipped", 1 / (1 + sp.exp(z1 - z2)), check_s1, "swapped", "sign of z1 - z2 flipped"),
    wrong("whole softmax Matrix", sp.Matrix([S1, S2]), check_s1, "whole Matrix", "entry [0]", "s[0]"),
    wrong("whole Matrix, wrong entries", sp.Matrix([S2, 2 * S2]), check_s1, "whole Matrix", "one entry"),
    wrong("undefined function sigma", sigma(z1 - z2), check_s1, "sigma(...)", "SymPy does not know"),
    wrong("sigma in a string", "sigma(z1 - z2)", check_s1, "sigma(...)", "SymPy does not know"),
    wrong("minus the reference", -S1, check_s1, "minus the reference", "sign"),
    wrong("twice the reference", 2 * S1, check_s1, "2 times the reference"),
    wrong("reciprocal", 1 + sp.exp(z2 - z1), check_s1, "1 / the reference"),
    wrong("2.718 for e", 1 / (1 + 2.718 ** (z2 - z1)), check_s1, "very close but not equal", "2.718"),
    wrong("a number, not a formula", 0.731, check_s1, "your answer is a number"),
    wrong(
        "other symbol names",
        1 / (1 + sp.exp(sp.Symbol("x2") - sp.Symbol("x1"))),
        check_s1,
        "x1, x2",
        "in terms of z1, z2",
    ),
    wrong("e as a symbol", 1 / (1 + sp.Symbol("e") ** (z2 - z1)), check_s1, "uses e", "exp(...)"),
    wrong("missing parentheses", 1 / (1 + sp.exp(-z1 - z2)), check_s1, "not equal", "yours is", "the reference is"),
    wrong("exp(z1) / exp(z2)", sp.exp(z1) / sp.exp(z2), check_s1, "at z1 = ", "yours is"),
    wrong("unparseable string", "1/(1 + exp(z2 - z1)", check_s1, "could not read", "parentheses are not balanced"),
    wrong("string with the left-hand side", "s1 = 1/(1 + exp(z2 - z1))", check_s1, "right-hand side"),
    wrong("an equation", sp.Eq(sp.Symbol("s1"), S1), check_s1, "an equation"),
    wrong("a comparison", z1 == z2, check_s1, "not a formula", "=="),
    wrong("the function, not its value", lambda u, v: 1 / (1 + sp.exp(v - u)), check_s1, "a function", "call it"),
    wrong("a list with the answer", [S1], check_s1, "a list", "one expression"),
    wrong("a NumPy array of the answer", np.array([S1], dtype=object), check_s1, "a NumPy array", "sp.exp"),
    wrong("off by one part in a billion", S1 * 1.000000001, check_s1, "very close but not equal", "1.000000001"),
    # chapter 2: d LSE / d z1 for three classes
    correct("softmax entry of three", sp.exp(z1) / SUM3, check_dlse),
    correct("divided through by exp(z1), three classes", 1 / (1 + sp.exp(z2 - z1) + sp.exp(z3 - z1)), check_dlse),
    correct(
        "LSE differentiated with own symbols",
        sp.diff(sp.log(sp.exp(a1) + sp.exp(a2) + sp.exp(sp.Symbol("z3"))), a1),
        check_dlse,
    ),
    correct("d LSE as a string", "exp(z1)/(exp(z1) + exp(z2) + exp(z3))", check_dlse),
    correct("exp(z1 - LSE)", sp.exp(z1 - sp.log(SUM3)), check_dlse),
    correct(
        "the shifted LSE differentiated",
        sp.diff(z1 + sp.log(sp.exp(z1 - z1) + sp.exp(z2 - z1) + sp.exp(z3 - z1)), z1),
        check_dlse,
    ),
    correct("1 minus the other classes' share", 1 - (sp.exp(z2) + sp.exp(z3)) / SUM3, check_dlse),
    wrong("the LSE itself", sp.log(SUM3), check_dlse, "not equal", "yours is 0.950115"),
    wrong("minus the softmax entry", -sp.exp(z1) / SUM3, check_dlse, "minus the reference"),
    wrong("the sum over exp(z1)", SUM3 / sp.exp(z1), check_dlse, "1 / the reference"),
    wrong(
        "2.718 for e, three classes",
        2.718**z1 / (2.718**z1 + 2.718**z2 + 2.718**z3),
        check_dlse,
        "very close but not equal",
        "2.718",
    ),
    wrong(
        "the other classes' share", (sp.exp(z2) + sp.exp(z3)) / SUM3, check_dlse, "1 minus the reference", "complement"
    ),
    wrong("z2 for z1 in the numerator", sp.exp(z2) / SUM3, check_dlse, "z1 and z2 swapped"),
    wrong("only the numerator", sp.exp(z1), check_dlse, "at z1 = 0.82, z2 = -1.38, z3 = -2.75", "yours is 2.2705"),
    wrong("chain rule without the inner derivative", 1 / SUM3, check_dlse, "yours is 0.386697"),
    wrong("the two-class formula", 1 / (1 + sp.exp(z2 - z1)), check_dlse, "yours is 0.90025"),
    # chapter 4, exercise 3: in s1, s2, s3 (declared) or in z1, z2, z3
    correct("-s1*s2 as a string", "-s1*s2", check_mixed),
    correct("own symbols s1, s2", -s1 * s2, check_mixed),
    correct("the softmax expressions themselves", -SOFTMAX3["s1"] * SOFTMAX3["s2"], check_mixed),
    correct("in the logits", -sp.exp(z1 + z2) / SUM3**2, check_mixed),
    correct("a string with ^ and the logits", "-exp(z1)*exp(z2)/(exp(z1) + exp(z2) + exp(z3))^2", check_mixed),
    correct("mixing s1 and the logits", "-s1*exp(z2)/(exp(z1) + exp(z2) + exp(z3))", check_mixed),
    wrong("the sign dropped", "s1*s2", check_mixed, "minus the reference", "sign"),
    wrong("s3 for s2", -s1 * s3, check_mixed, "z2 and z3 swapped"),
    wrong("the diagonal entry", "s1*(1 - s1)", check_mixed, "not equal", "yours is 0.10712"),
    wrong("other names", "-p1*p2", check_mixed, "uses p1, p2", "in terms of s1, s2, s3 or z1, z2, z3"),
    wrong("y in the answer", "y1 - s1*s2", check_mixed, "uses y1", "s1, s2, s3 or z1, z2, z3"),
    correct("-(s1 * s2) with spaces", "-(s1 * s2)", check_mixed),
    correct("own positive symbols, other order", -sp.Symbol("s2", positive=True) * sp.Symbol("s1"), check_mixed),
    wrong("the first derivative", "s1 - 1", check_mixed, "not equal", "yours is -0.122005"),
    wrong("s12 for s1*s2", "-s12", check_mixed, "uses s12", "s1, s2, s3 or z1, z2, z3"),
    wrong(
        "the whole Hessian row",
        sp.Matrix([sp.diff(-sp.log(sp.exp(z1) / SUM3), z1, z1), sp.diff(-sp.log(sp.exp(z1) / SUM3), z1, z2)]),
        check_mixed,
        "whole Matrix",
        "entry [1]",
    ),
]
