"""The graded assignments (tools/assignments.py, `make assignments`): what otter assign makes of each chapter.

One build of all six chapters (module fixture, in one process) with a unique marker planted in every reference
solution and every hidden test. Then, for each chapter: the reference solutions score full marks and the untouched
student notebook scores 0 (both run as the grader runs them: every cell but the self-check cells, then each
question's tests); every attempt in tests/student_attempts/ is put in place of its question's answer in the
reference notebook: a wrong one loses points there and nowhere else, a correct one keeps full marks; nothing handed
to students holds the marker. Last, real `otter run` gradings of a folder (a kernel per notebook): the reference,
and a submission that loops, raises and prints 10 000 lines.
"""

import ast
import csv
import functools
import importlib
import pkgutil
import sys
import uuid

import nbformat
import pytest
import student_attempts  # tests/ is on sys.path (tests/conftest.py)
from book_layout import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import assignments  # noqa: E402

CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(output folder, {chapter: questions}, marker): every chapter's assignment, built once."""
    out = tmp_path_factory.mktemp("assignments")
    marker = f"LEAK-{uuid.uuid4().hex}"
    questions = assignments.build(out, marker=marker, run_tests=False)
    return out, questions, marker


def _run_cells(notebook_path):
    """The namespace a grader sees: every code cell of the notebook run in order, except the self-check cells
    (tagged otter_ignore) and the Colab cell (a %pip line Python cannot parse)."""
    env = {}
    for cell in nbformat.read(notebook_path, as_version=4).cells:
        if cell.cell_type != "code" or "otter_ignore" in cell.metadata.get("tags", []):
            continue
        try:
            code = compile(cell.source, str(notebook_path), "exec")
        except SyntaxError:
            continue
        exec(code, env)
    return env


def _scores(questions, env):
    return {q.name: assignments.score_in_process(q, env) for q in questions}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_code_exercise_is_a_question(built, chapter):
    out, questions, _ = built
    notebook = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
    labels = [m["label"] for c in notebook.cells if c.cell_type == "markdown"
              for m in [assignments.EXERCISE.search(c.source)] if m]
    assert [q.label for q in questions[chapter]] == labels
    for q in questions[chapter]:
        hidden = [t for t in q.tests if t.hidden]
        assert len(hidden) == len(assignments.HIDDEN.get(q.answer, []))
        assert q.points == assignments.PUBLIC_POINTS + len(hidden)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_reference_solutions_score_full_marks_and_the_student_notebook_zero(built, chapter):
    out, questions, _ = built
    questions = questions[chapter]
    reference = _run_cells(out / chapter / "autograder" / f"{chapter}.ipynb")
    assert _scores(questions, reference) == {q.name: q.points for q in questions}
    untouched = _run_cells(out / chapter / "student" / f"{chapter}.ipynb")
    assert _scores(questions, untouched) == {q.name: 0 for q in questions}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_student_notebook_imports_each_name_once(built, chapter):
    """The imports cell gathers every question's imports; one name imported twice reads as a mistake to a student."""
    out, _, _ = built
    cells = nbformat.read(out / chapter / "student" / f"{chapter}.ipynb", as_version=4).cells
    imports = next(c.source for c in cells if c.cell_type == "code" and c.source.startswith(("import", "from")))
    names = [a.asname or a.name for node in ast.parse(imports).body for a in node.names]
    assert len(names) == len(set(names)), imports


def _attempts():
    modules = [importlib.import_module(f"student_attempts.{info.name}")
               for info in pkgutil.iter_modules(student_attempts.__path__) if not info.name.startswith("_")]
    return [attempt for module in modules for attempt in module.ATTEMPTS]


def _checker(question):
    """(the checker's name, the `name=` it is given) in the question's self-check call."""
    call = ast.parse(question.check).body[0].value
    names = [k.value.value for k in call.keywords if k.arg == "name"]
    return call.func.attr, names[0] if names else None


def _belongs(attempt, question):
    check = attempt.check
    func = check.func if isinstance(check, functools.partial) else check
    keywords = check.keywords if isinstance(check, functools.partial) else {}
    return _checker(question) == (func.__name__, keywords.get("name"))


def test_attempts_lose_points_on_their_own_question_only(built):
    out, questions, _ = built
    attempts, placed = _attempts(), 0
    for chapter in CHAPTERS:
        reference = _run_cells(out / chapter / "autograder" / f"{chapter}.ipynb")
        for question in questions[chapter]:
            # only there: a test receives nothing but its parameters, and no other question's test takes this answer
            others = [t for q in questions[chapter] if q is not question for t in q.tests]
            assert all(question.answer not in t.params for t in others)
            for attempt in (a for a in attempts if _belongs(a, question)):
                env = dict(reference, **{question.answer: attempt.answer})
                score = assignments.score_in_process(question, env)
                if attempt.correct:
                    assert score == question.points, (chapter, question.name, attempt.name)
                else:
                    assert score < question.points, (chapter, question.name, attempt.name)
                placed += 1
    assert placed >= 300  # every attempt of the corpus found its question (ch1 and ch2 share check_softmax)


def test_nothing_handed_to_students_holds_a_solution_or_a_hidden_test(built):
    out, _, marker = built
    for chapter in CHAPTERS:
        handed_out = [p for p in (out / chapter / "student").rglob("*") if p.is_file()]
        assert any(p.suffix == ".ipynb" for p in handed_out)
        for path in handed_out:
            assert marker not in path.read_text(errors="replace"), path
        # the marker is there to be found: in the autograder's solution notebook and its hidden tests
        autograder = out / chapter / "autograder"
        assert marker in (autograder / f"{chapter}.ipynb").read_text()
        assert any(marker in p.read_text() for p in (autograder / "tests").glob("*.py"))


def test_local_grading_writes_scores_and_survives_bad_submissions(built, tmp_path, monkeypatch):
    """Real `otter run` gradings (a kernel each) of chapter 1: the reference solution, and a submission whose
    answers print 10 000 lines and loop, raise, with a cell that loops at the top level; plus a file that is not a
    notebook."""
    # loops that sleep: they never end, but leave the CPU to the other tests while the limits run out
    monkeypatch.setenv("ASSIGNMENT_TIME_LIMIT", "3")  # a check_expression call on a busy machine stays under it
    monkeypatch.setenv("ASSIGNMENT_CELL_TIME_LIMIT", "6")
    monkeypatch.setenv("BOOK_SLIDER_FRAMES", "shown")  # grading reads answers, never a hidden slider frame
    out, questions, _ = built
    chapter = "01_softmax"
    solution = out / chapter / "autograder" / f"{chapter}.ipynb"
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "a_reference.ipynb").write_text(solution.read_text())
    messy = nbformat.read(solution, as_version=4)
    for cell in messy.cells:
        if "def my_softmax(x)" in cell.source:
            cell.source = ("def my_softmax(x):\n    for i in range(10_000):\n        print(i)\n"
                           "    while True:\n        time.sleep(0.01)")
        elif "def my_softmax_T(x, T)" in cell.source:
            cell.source = ("def my_softmax_T(x, T):\n    raise ValueError('not yet')\n"
                           "for i in range(10_000):\n    print(i)")
    messy.cells.insert(4, nbformat.v4.new_code_cell("import time\n\nwhile True:\n    time.sleep(0.01)"))
    nbformat.write(messy, submissions / "b_messy.ipynb")
    (submissions / "c_not_a_notebook.ipynb").write_text("{not json")

    scores = tmp_path / "scores.csv"
    assignments.grade_folder(assignments.autograder_zip(out / chapter), submissions, scores)

    rows = {row["submission"]: row for row in csv.DictReader(scores.open())}
    assert rows["a_reference.ipynb"] == {"submission": "a_reference.ipynb", "q1": "2", "q2": "4", "q3": "4",
                                          "total": "10", "note": ""}
    assert rows["b_messy.ipynb"] == {"submission": "b_messy.ipynb", "q1": "2", "q2": "0", "q3": "0",
                                      "total": "2", "note": ""}
    assert rows["c_not_a_notebook.ipynb"]["total"] == "0"
    assert "not graded" in rows["c_not_a_notebook.ipynb"]["note"]
