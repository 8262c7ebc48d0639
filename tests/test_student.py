"""The student edition: solutions removed, and every notebook still runs top to bottom.

Each student notebook is executed once (in one kernel, every cell in order, as `pytest --nbval-lax` runs it) and
every test of that chapter reads that run; conftest.py keeps a chapter's tests on one worker, so the run is shared.
"""

import functools
import os
import re
import sys

import nbformat
import pytest
from book_layout import CHAPTER_NOTEBOOKS, ROOT
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(ROOT / "tools"))
from student_edition import SOLUTION_TAG, write_student_edition  # noqa: E402


@pytest.fixture(scope="session")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    write_student_edition(out)
    return out


@pytest.fixture(scope="session")
def student_run(student_dir):
    """`student_run(name)`: the student notebook `name` executed top to bottom, once per session, and the error
    that stopped it (None if every cell ran)."""

    @functools.cache
    def run(name):
        notebook = nbformat.read(student_dir / name, as_version=4)
        resources = {"metadata": {"path": str(student_dir)}}
        # nbclient would skip cells tagged skip-execution; nbval runs every cell, so no tag skips one here.
        client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources=resources,
                                skip_cells_with_tag="")
        try:
            # No test here looks at a hidden slider frame's pixels: draw the shown ones only (helpers.figures).
            client.execute(env={**os.environ, "BOOK_SLIDER_FRAMES": "shown"})
        except CellExecutionError as error:
            return notebook, error
        return notebook, None

    return run


def _source(cell):
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


@pytest.mark.parametrize("chapter", CHAPTER_NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_has_every_exercise_and_no_solution(chapter, student_dir):
    teacher = nbformat.read(chapter, as_version=4)
    student = nbformat.read(student_dir / chapter.name, as_version=4)
    exercises = [c for c in teacher.cells if "{exercise}" in _source(c)]
    assert any(SOLUTION_TAG in c.metadata.get("tags", []) for c in teacher.cells), "no solution is tagged"
    assert [c for c in student.cells if "{exercise}" in _source(c)] == exercises
    for cell in student.cells:
        assert SOLUTION_TAG not in cell.metadata.get("tags", [])
        assert not re.search(r"\{solution(-start|-end)?\}", _source(cell))
        assert cell.cell_type != "code" or (cell.outputs == [] and cell.execution_count is None)


@pytest.mark.parametrize("chapter", CHAPTER_NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_passes_nbval_lax(chapter, student_run):
    """What `pytest --nbval-lax` asks of the student edition: every cell runs, in order, without an error (no cell
    is tagged raises-exception, so none may raise)."""
    notebook, error = student_run(chapter.name)
    assert error is None, str(error)[-3000:]
    code = [c for c in notebook.cells if c.cell_type == "code" and c.source.strip()]
    assert code and all(c.execution_count is not None for c in code), "a code cell did not run"
    assert not [c for c in code if any(o.output_type == "error" for o in c.outputs)]


@pytest.mark.parametrize("chapter", CHAPTER_NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_runs_and_every_self_check_says_not_attempted(chapter, student_run):
    notebook, error = student_run(chapter.name)
    assert error is None, str(error)[-3000:]
    checks = [c for c in notebook.cells if c.cell_type == "code" and "checks.check_" in _source(c)]
    assert checks, "a chapter with exercises should have self-check cells"
    for cell in checks:
        printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "not attempted yet" in printed, _source(cell)
