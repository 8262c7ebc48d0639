"""Every self-check rejects every wrong variant of its exercise's own solution (tests/mutants.py makes them).

For each exercise, the reference solution in its chapter is mutated one site at a time (operators, constants,
axis, reductions, initial values, indices, swapped operands); the variants that disagree with an independent
reference (SciPy, exact fractions, frexp) on a broad, seeded input set are wrong answers a student could hand in,
and the check must fail every one of them.  This is how missing cases are found: a check with no all-negative row
accepts a running maximum that starts at 0.
"""

import contextlib
import io

import mutants
import numpy as np
import pytest

from helpers import checks

SOLUTIONS = mutants.solutions()
# Each exercise and the fewest observably wrong variants it must produce: the test is not vacuous.
LEAST_WRONG = 5


def test_every_numeric_exercise_has_a_solution_and_a_reference():
    found = {s.check for s in SOLUTIONS}
    expected = {name for name in checks.__all__ if name.startswith("check_") and name != "check_expression"}
    assert found == expected
    assert found <= set(mutants.REFERENCES)


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[f"{s.chapter}::{s.function}" for s in SOLUTIONS])
def test_the_check_rejects_every_observably_wrong_mutant_of_the_solution(solution):
    usable = mutants.usable_inputs(solution)
    # The solution itself agrees with the independent reference on most of the broad set (not only on easy inputs).
    assert len(usable) >= 0.9 * len(mutants.inputs(solution.check))
    check = getattr(checks, solution.check)
    with contextlib.redirect_stdout(io.StringIO()):
        assert check(mutants.compile_function(solution.source, solution.function)).passed
    wrong, accepted = 0, []
    for mutant in mutants.mutants(solution):
        failing = mutants.observably_wrong(mutant, usable)
        if failing is None:
            continue
        wrong += 1
        with contextlib.redirect_stdout(io.StringIO()):
            result = check(mutants.compile_function(mutant.source, solution.function))
        if result.passed or not result.attempted:
            accepted.append(f"{mutant.change}  (wrong on {failing!r})")
    assert wrong >= LEAST_WRONG
    assert not accepted, f"{solution.check} accepts {len(accepted)} wrong variants:\n" + "\n".join(accepted)


SYMBOLIC = mutants.symbolic_solutions()
SYMBOLIC_CHECKED = 6  # wrong variants judged by check_expression per exercise


def test_every_symbolic_exercise_is_found():
    assert {s.name for s in SYMBOLIC} == {"s_1 for two classes", "d LSE / d z1", "d s_1 / d z_2 at T",
                                          "d2L / dz1 dz2"}


@pytest.mark.parametrize("solution", SYMBOLIC, ids=[s.name for s in SYMBOLIC])
def test_check_expression_rejects_every_observably_wrong_mutant_of_the_solution(solution):
    namespace, setting = mutants._symbolic_setting()
    reference, options, symbols, numeric = setting[solution.name]
    found = mutants.symbolic_mutants(solution)
    original = mutants.symbolic_value(f"def f():\n{mutants.textwrap_indent(solution.source)}\n"
                                      f"    return {solution.variable}", "f", namespace)
    assert original is not None and not mutants.symbolically_wrong(original, symbols, numeric)
    wrong = []
    for mutant in found:
        expr = mutants.symbolic_value(mutant.source, "f", namespace)
        if expr is not None and mutants.symbolically_wrong(expr, symbols, numeric):
            wrong.append((mutant, expr))
    assert len(wrong) >= 2
    # A wrong symbolic answer takes about a second to diagnose: a fixed, evenly spread selection keeps the budget.
    chosen = [wrong[i] for i in sorted(set(np.linspace(0, len(wrong) - 1, SYMBOLIC_CHECKED).round().astype(int)))]
    accepted = []
    for mutant, expr in chosen:
        with contextlib.redirect_stdout(io.StringIO()):
            result = checks.check_expression(expr, reference, name=solution.name, **options)
        if result.passed:
            accepted.append(mutant.change)
    assert not accepted, f"check_expression ({solution.name}) accepts {len(accepted)} wrong variants:\n" + "\n".join(
        accepted)
