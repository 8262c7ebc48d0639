"""Per chapter, how many wrong attempts of the corpus (tests/student_attempts/) get a message that names the mistake.

Run it as ``python tests/attempt_stats.py`` (``-v`` lists the attempts whose message does not name the mistake).  A
message names the mistake when its hint (or, for a refused symbolic answer, its first line) is more than the
generic fallback: the hint that only restates the formula ("the values differ from ..."), the advice to run the
function and read the error, a plain "not equal to the reference" with a point, or the near miss that can only
guess ("is a constant rounded ... or part of the work done in low precision?").  It also counts false verdicts: a
correct attempt rejected, or a wrong one accepted (there must be none).
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from test_student_attempts import ATTEMPTS  # noqa: E402 -- the corpus, collected as the test collects it

# The chapter of each check (check_expression by the exercise's name).
CHAPTERS = {
    "check_softmax": 1, "check_softmax_temperature": 1, "check_expression (s_1 for two classes)": 1,
    "check_log_softmax": 2, "check_expression (d LSE / d z1)": 2,
    "check_softmax_jacobian": 3, "check_softmax_vjp": 3, "check_expression (d s_1 / d z_2 at T)": 3,
    "check_cross_entropy": 4, "check_cross_entropy_grad": 4, "check_weighted_smoothed_loss": 4,
    "check_expression (d2L / dz1 dz2)": 4,
    "check_l2_gradient": 5, "check_tempered_loss": 5, "check_bias_gradient": 5,
    "check_ulp_distance": 6, "check_two_sum": 6, "check_online_softmax": 6,
}
# Hints that name no mistake: they restate the formula, or say where to look.
GENERIC = (
    "hint: the values differ from", "hint: the value differs from", "hint: the loss differs:",
    "hint: the gradient differs:", "hint: run your function on the input above",
    "hint: count the floats between a and b", "hint: TwoSum: s = p + q", "hint: start from mu = -inf",
    "hint: wrong output shape: expected shape", "hint: shapes do not line up: print",
)
GENERIC_ANYWHERE = ("do not line up: print the shapes", "or part of the work done in low precision?")


def names_the_mistake(printed):
    """Does the feedback name a mistake, beyond the generic fallbacks?"""
    lines = [line.strip() for line in printed.splitlines()]
    hints = [line for line in lines if line.startswith("hint:")]
    if hints:
        return not any(hint.startswith(GENERIC) or any(g in hint for g in GENERIC_ANYWHERE) for hint in hints)
    first = lines[0] if lines else ""
    if first.startswith("✗ check_expression") and first.endswith("not equal to the reference"):
        return False  # a point where they differ, and nothing more
    return True  # a refusal or a shape/return problem stated in its own line ("returned None", "a whole Matrix")


def chapter_of(result_name):
    return CHAPTERS.get(result_name, CHAPTERS.get(result_name.split(" (")[0], 0))


def main(verbose=False):
    wrong, named, false = defaultdict(int), defaultdict(int), defaultdict(list)
    unnamed = defaultdict(list)
    for topic, attempt in ATTEMPTS:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = attempt.check(attempt.answer)
        chapter = chapter_of(result.name)
        if attempt.correct != result.passed:
            false[chapter].append(f"{topic}::{attempt.name}")
        if attempt.correct:
            continue
        wrong[chapter] += 1
        if names_the_mistake(out.getvalue()):
            named[chapter] += 1
        else:
            unnamed[chapter].append(f"{topic}::{attempt.name}")
    print("chapter  wrong attempts  named  share  false verdicts")
    for chapter in sorted(wrong):
        share = named[chapter] / wrong[chapter]
        print(f"{chapter:7}  {wrong[chapter]:14}  {named[chapter]:5}  {share:5.0%}  {len(false[chapter]):14}")
        if verbose:
            for name in unnamed[chapter] + [f"FALSE VERDICT {n}" for n in false[chapter]]:
                print(f"           {name}")
    return wrong, named, false


if __name__ == "__main__":
    main(verbose="-v" in sys.argv)
