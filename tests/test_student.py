"""The student edition: solutions removed, and every notebook still runs top to bottom."""

import re
import subprocess
import sys

import nbformat
import pytest
from book_layout import CHAPTER_NOTEBOOKS, ROOT
from nbclient import NotebookClient

sys.path.insert(0, str(ROOT / "tools"))
from student_edition import SOLUTION_TAG, write_student_edition  # noqa: E402


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    write_student_edition(out)
    return out


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
def test_student_notebook_runs_and_every_self_check_says_not_attempted(chapter, student_dir):
    notebook = nbformat.read(student_dir / chapter.name, as_version=4)
    resources = {"metadata": {"path": str(student_dir)}}
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources=resources).execute()
    checks = [c for c in notebook.cells if c.cell_type == "code" and "checks.check_" in _source(c)]
    assert checks, "a chapter with exercises should have self-check cells"
    for cell in checks:
        printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "not attempted yet" in printed, _source(cell)


def test_student_edition_passes_nbval_lax(student_dir):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-q", "-p", "no:cacheprovider",
         "-o", "addopts=", "--rootdir", str(student_dir), str(student_dir)],
        capture_output=True, text=True, cwd=student_dir,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(r"\d+ passed", result.stdout)
