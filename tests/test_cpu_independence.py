"""Stored outputs that hold on any x86-64 processor.

strict nbval compares every stored text output with a fresh run, but on one machine a fresh run repeats the machine's
own last bits, so an output that prints them passes here and fails on a processor whose NumPy `exp` or OpenBLAS
kernel rounds differently. This module runs every chapter again under strict nbval in a kernel that behaves like
another processor (tools/cpu_independence/perturb.py: elementary functions moved by up to one ulp at random, other
OpenBLAS and NumPy SIMD kernels): an output that changes there is one that changes between CPUs, and must print a
bound, a pass/fail or a rounding chosen from the error it shows.
"""

import math
import os
import subprocess
import sys

import nbformat
import numpy as np
import pytest
from book_layout import CHAPTER_NOTEBOOKS, ROOT

PERTURB = ROOT / "tools" / "cpu_independence" / "perturb.py"
sys.path.insert(0, str(PERTURB.parent))
import perturb  # noqa: E402


def perturbed_environment(ipython_dir):
    """The environment of a kernel that runs like another processor (start-up file in a private IPython folder)."""
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-perturb.py").write_text(PERTURB.read_text())
    env = dict(os.environ, IPYTHONDIR=str(ipython_dir))
    # Another BLAS kernel (Prescott: SSE3, which every x86-64 processor runs) and NumPy without its AVX2/AVX-512 loops.
    env.update(OPENBLAS_CORETYPE="Prescott", NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4")
    return env


def canary_notebook(folder):
    """A notebook whose stored output says the kernel is perturbed: if the start-up file did not run, it fails."""
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("import numpy as np\nprint(type(np.exp).__name__, np.exp(0.0))")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="_Perturbed 1.0\n")]
    cell.execution_count = 1
    notebook.cells = [cell]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "canary.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.mark.parametrize("notebook", CHAPTER_NOTEBOOKS, ids=[path.stem for path in CHAPTER_NOTEBOOKS])
def test_chapter_outputs_hold_on_another_processor(notebook, tmp_path):
    canary = canary_notebook(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
         "-c", str(ROOT / "pyproject.toml"), str(canary), str(notebook)],
        cwd=ROOT, env=perturbed_environment(tmp_path / "ipython"), capture_output=True, text=True,
    )
    assert run.returncode == 0, f"outputs that another processor prints differently:\n{run.stdout[-6000:]}"


# The perturbation itself: it must move results to a neighbour (never further), most of the time, and keep exact ones.

@pytest.fixture
def perturbed_exp():
    return perturb._Perturbed(np.exp, 0), perturb._Perturbed(np.log, 0)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_results_move_to_a_neighbour(perturbed_exp, dtype):
    exp, log = perturbed_exp
    x = np.linspace(-8, 8, 4001).astype(dtype)
    positive = np.abs(x) + dtype(1)
    for ours, library in [(exp(x), np.exp(x)), (log(positive), np.log(positive))]:
        assert ours.dtype == dtype
        up, down = np.nextafter(library, dtype(np.inf)), np.nextafter(library, dtype(-np.inf))
        assert np.all((ours == library) | (ours == up) | (ours == down))
        moved = np.count_nonzero(ours != library)
        assert len(x) / 2 < moved < len(x) * 5 / 6  # two thirds of the draws move a result that is not whole


def test_the_same_input_gives_the_same_result_like_a_real_processor(perturbed_exp):
    exp, _ = perturbed_exp
    x = np.linspace(-8, 8, 4001)
    assert np.array_equal(exp(x), exp(x))
    assert np.array_equal(exp(x)[::-1], exp(x[::-1]))  # element by element, whatever the order or the shape
    assert np.array_equal(exp(x.reshape(1, -1, 1)).ravel(), exp(x))
    assert all(exp(float(v)) == ours for v, ours in zip(x[::97], exp(x)[::97]))
    another_processor = perturb._Perturbed(np.exp, 1)(x)
    assert np.count_nonzero(another_processor != exp(x)) > len(x) / 2  # another seed moves them differently


def test_exact_results_and_special_values_are_kept(perturbed_exp):
    exp, log = perturbed_exp
    assert exp(0.0) == 1.0 and log(1.0) == 0.0
    assert exp(-1000.0) == 0.0 and exp(1000.0) == math.inf and np.isnan(log(-1.0))
    assert np.all(exp(np.full(50, 709.78)) < math.inf)  # a nudge never overflows a finite result


def test_out_argument_and_scalars(perturbed_exp):
    exp, _ = perturbed_exp
    out = np.empty(100)
    returned = exp(np.linspace(1, 2, 100), out=out)
    assert returned is out and np.allclose(out, np.exp(np.linspace(1, 2, 100)), rtol=3e-16, atol=0)
    assert isinstance(exp(np.float32(1.5)), np.float32) and exp.nin == 1
