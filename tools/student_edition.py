"""Write the student edition of the book: every chapter notebook with its solution cells removed.

Solutions are the cells tagged ``solution`` (the code, the explanation and the ``{solution-start}`` /
``{solution-end}`` markers around them).  Outputs are cleared so that students start from a clean notebook; the
exercise cells keep their stubs, whose self-checks report "not attempted yet" until they are filled in.

Usage: python tools/student_edition.py [OUTPUT_DIR]   (default: _build/student)
"""

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_TAG = "solution"


def student_notebook(notebook):
    """A copy of ``notebook`` without solution cells and without outputs."""
    student = nbformat.from_dict(notebook)
    student.cells = [cell for cell in student.cells if SOLUTION_TAG not in cell.metadata.get("tags", [])]
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return student


def write_student_edition(out_dir):
    """Write one student notebook per chapter into ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted((ROOT / "chapters").glob("*.ipynb")):
        target = out_dir / source.name
        nbformat.write(student_notebook(nbformat.read(source, as_version=4)), target)
        written.append(target)
    return written


if __name__ == "__main__":
    destination = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "student"
    for path in write_student_edition(destination):
        print(path)
