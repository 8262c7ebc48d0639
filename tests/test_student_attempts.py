"""The corpus of student attempts (tests/student_attempts/): every self-check judged on what learners hand in.

Every module in tests/student_attempts/ is collected automatically; each attempt is one test.  A correct attempt
must pass; a wrong one must fail as attempted, with feedback naming its mistake (the attempt's ``words``); no
attempt may make a check raise or show an internal error.
"""

import contextlib
import functools
import importlib
import io
import os
import pkgutil
from collections import Counter

import pytest
import student_attempts  # tests/ is on sys.path (tests/conftest.py)
from snapshots import SNAPSHOTS, assert_snapshot

from helpers.checks import CheckResult

MIN_PER_CHECKER = 15  # each checker's attempts in the corpus, right and wrong together


def _modules():
    return [
        importlib.import_module(f"student_attempts.{info.name}")
        for info in pkgutil.iter_modules(student_attempts.__path__)
        if not info.name.startswith("_")
    ]


MODULES = _modules()
ATTEMPTS = [(module.__name__.rpartition(".")[2], attempt) for module in MODULES for attempt in module.ATTEMPTS]
IDS = [f"{topic}::{attempt.name}" for topic, attempt in ATTEMPTS]


def run(attempt):
    """Run the attempt's check with stdout captured; return (result, printed text).

    Nothing is cached between tests: mutation testing runs many test sessions in one process, each with one planted
    bug, and only the tests that reached the mutated code during a first clean run; a cache would hand the later
    sessions the first one's results, and hide from them every test that read the cache instead of running the check.
    """
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = attempt.check(attempt.answer)
    return result, out.getvalue()


def _block(attempt, result, printed):
    """An attempt's entry in its topic's reviewed feedback: its name, the verdict, and everything the check printed."""
    verdict = "passed" if result.passed else "failed" if result.attempted else "not attempted"
    case = f" on {result.failed_case!r}" if result.failed_case else ""
    return f"## {attempt.name}\n{verdict}{case}, {result.checks_passed}/{result.checks_total}\n{printed}"


@functools.cache
def _reviewed(topic):
    """{attempt name: its block} from tests/snapshots/feedback/<topic>.txt."""
    path = SNAPSHOTS / "feedback" / f"{topic}.txt"
    if not path.exists():
        return {}
    blocks = ("\n" + path.read_text()).split("\n## ")[1:]
    return {block.partition("\n")[0]: "## " + block.rstrip("\n") + "\n" for block in blocks}


@pytest.mark.parametrize(("topic", "attempt"), ATTEMPTS, ids=IDS)
def test_attempt_gets_the_right_verdict_and_feedback(topic, attempt):
    result, printed = run(attempt)
    assert isinstance(result, CheckResult)
    assert printed == result.feedback + "\n"
    assert "could not check" not in printed, "an internal error reached the student"
    if attempt.correct:
        assert result.passed, f"a correct attempt was rejected:\n{printed}"
    else:
        assert not result.passed, f"a wrong attempt was accepted:\n{printed}"
        assert result.attempted, f"a wrong attempt was called not attempted:\n{printed}"
        missing = [w for w in attempt.words if w not in printed]
        assert not missing, f"the feedback does not say {missing}:\n{printed}"
        if attempt.failed_case is not None:
            assert result.failed_case == attempt.failed_case
    if os.environ.get("UPDATE_SNAPSHOTS") != "1":
        expected = _reviewed(topic).get(attempt.name)
        assert expected is not None, f"no reviewed feedback for {attempt.name!r}: see the next test"
        assert _block(attempt, result, printed).rstrip("\n") == expected.rstrip("\n"), (
            f"the feedback differs from the reviewed text in tests/snapshots/feedback/{topic}.txt:\n{printed}")


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__.rpartition(".")[2] for m in MODULES])
def test_every_message_a_student_sees_is_the_reviewed_one(module):
    """The whole feedback for every attempt of a topic, against tests/snapshots/feedback/<topic>.txt: the test above
    checks that the mistake is named and its own entry; this one that the file lists exactly the corpus, so that no
    sentence, number or hint changes without review.  `UPDATE_SNAPSHOTS=1` rewrites the file (then read the diff)."""
    blocks = [_block(attempt, *run(attempt)) for attempt in module.ATTEMPTS]
    assert_snapshot(f"feedback/{module.__name__.rpartition('.')[2]}", "\n".join(blocks))


def test_every_module_lists_attempts_with_unique_names():
    for module in MODULES:
        names = [a.name for a in module.ATTEMPTS]
        assert names, f"{module.__name__} lists no attempts"
        assert len(names) == len(set(names)), f"{module.__name__}: duplicate names {Counter(names).most_common(3)}"


def test_every_checker_has_enough_attempts_both_right_and_wrong():
    counts = Counter()
    for _, attempt in ATTEMPTS:
        result, _ = run(attempt)
        counts[(result.name, attempt.correct)] += 1
    for name in {name for name, _ in counts}:
        right, wrong = counts[(name, True)], counts[(name, False)]
        assert right + wrong >= MIN_PER_CHECKER, f"{name}: only {right + wrong} attempts"
        assert right >= 3 and wrong >= 3, f"{name}: {right} correct and {wrong} wrong attempts"


def test_chapter_1_has_at_least_60_attempts():
    chapter_1 = [a for topic, a in ATTEMPTS if topic in ("softmax", "expression")]
    assert len(chapter_1) >= 60
