"""The corpus of student attempts: what learners really hand in, and what each self-check must say about it.

``tests/test_student_attempts.py`` imports every module in this folder and runs every attempt it lists through its
checker: a correct attempt must pass, a wrong one must fail (attempted, not "not attempted yet") with feedback that
contains every phrase in its ``words``, and nothing may raise or show an internal error.

To add attempts for a new checker, create ``tests/student_attempts/<topic>.py`` (no need to edit any other file):

    from functools import partial

    from helpers.checks import check_cross_entropy
    from student_attempts import correct, wrong

    def loop_with_math_log(p, y): ...          # the attempts, written as learners write them

    ATTEMPTS = [
        correct("a loop with math.log", loop_with_math_log, check_cross_entropy),
        wrong("log of softmax", log_of_softmax, check_cross_entropy, "log(softmax", "inf"),
        # a checker that takes more than the answer: say how it is called
        wrong("s_2 for s_1", s2, partial(check_expression, reference=S1, name="s_1"), "s_2"),
    ]

Rules: at least 15 attempts per checker; correct ones in unusual but right forms (loops, math.exp, SciPy, float32,
lists, in-place work on a copy), wrong ones covering every mistake the checker claims to diagnose, each with the
words a student needs to see (the name of the mistake, or where the output differs).  Names must be unique within
a module.  Do not name a module ``test_*.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Attempt:
    """One attempt: what the student hands in, how it is checked, and what the check must say."""

    name: str  # short and unique within its module; becomes part of the test id
    answer: object  # a function, a SymPy expression, a string...: whatever the student passes to the checker
    check: Callable  # calls the checker on the answer: check(answer) -> CheckResult
    correct: bool
    words: tuple[str, ...] = field(default=())  # for a wrong attempt: phrases its feedback must contain
    failed_case: str | None = None  # optionally, the label of the case it must fail on


def correct(name, answer, check):
    """A right answer in some form: the check must pass it."""
    return Attempt(name, answer, check, True)


def wrong(name, answer, check, *words, failed_case=None):
    """A wrong answer: the check must fail it, and its feedback must contain every one of ``words``."""
    if not words:
        raise ValueError(f"wrong attempt {name!r}: give the words its feedback must contain")
    return Attempt(name, answer, check, False, tuple(words), failed_case)
