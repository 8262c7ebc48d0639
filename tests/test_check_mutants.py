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
