"""Stored outputs that hold on any x86-64 processor.

strict nbval compares every stored text output with a fresh run, but on one machine a fresh run repeats the machine's
own last bits, so an output that prints them passes here and fails on a processor whose NumPy `exp` or OpenBLAS
kernel rounds differently. This module runs every chapter again under strict nbval in a kernel that behaves like
another processor (tools/cpu_independence/perturb.py: elementary functions moved by up to one ulp, other
OpenBLAS and NumPy SIMD kernels): an output that changes there is one that changes between CPUs, and must print a
bound, a pass/fail or a rounding chosen from the error it shows.
"""

import os
import subprocess
import sys

import nbformat
import pytest
from book_layout import CHAPTER_NOTEBOOKS, ROOT

PERTURB = ROOT / "tools" / "cpu_independence" / "perturb.py"  # its own tests: tests/test_perturb.py


def perturbed_environment(ipython_dir):
    """The environment of a kernel that runs like another processor (start-up file in a private IPython folder)."""
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-perturb.py").write_text(PERTURB.read_text())
    env = dict(os.environ, IPYTHONDIR=str(ipython_dir))
    # Another BLAS kernel (Prescott: SSE3, which every x86-64 processor runs) and NumPy without its AVX2/AVX-512 loops.
    env.update(OPENBLAS_CORETYPE="Prescott", NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4")
    # nbval replaces a slider's frames before comparing (tests/nbval_sanitize.cfg): every state is still computed
    # and its text compared, but the hidden frames' pixels, which no comparison reads, are not drawn.
    env.update(BOOK_SLIDER_FRAMES="shown")
    return env


def with_canary(chapter, folder):
    """A copy of the chapter in `folder` whose first cell's stored output says the kernel is perturbed: if the
    start-up file did not run in the kernel that runs the chapter, that cell fails. Every other cell is the chapter's.
    """
    notebook = nbformat.read(chapter, as_version=4)
    cell = nbformat.v4.new_code_cell("import numpy as np\nprint(type(np.exp).__name__, np.exp(0.0))")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="_Perturbed 1.0\n")]
    cell.execution_count = 1
    notebook.cells.insert(0, cell)
    path = folder / chapter.name
    nbformat.write(notebook, path)
    return path


@pytest.mark.parametrize("notebook", CHAPTER_NOTEBOOKS, ids=[path.stem for path in CHAPTER_NOTEBOOKS])
def test_chapter_outputs_hold_on_another_processor(notebook, tmp_path):
    # One kernel runs the canary and the chapter (the chapters read no file, so the copy may live elsewhere).
    copy = with_canary(notebook, tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
         "-c", str(ROOT / "pyproject.toml"), str(copy)],
        cwd=ROOT, env=perturbed_environment(tmp_path / "ipython"), capture_output=True, text=True,
    )
    assert run.returncode == 0, f"outputs that another processor prints differently:\n{run.stdout[-6000:]}"
    assert f"{1 + _code_cells(notebook)} passed" in run.stdout, run.stdout[-3000:]


def _code_cells(notebook):
    return sum(cell.cell_type == "code" for cell in nbformat.read(notebook, as_version=4).cells)
