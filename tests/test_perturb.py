"""The kernel start-up of the CPU-independence run (tools/cpu_independence/perturb.py), on its own: it must behave
like another processor's faithfully rounded library, neither more nor less."""

import math
import sys

import numpy as np
import pytest
from book_layout import ROOT

sys.path.insert(0, str(ROOT / "tools" / "cpu_independence"))
import perturb  # noqa: E402

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
    with np.errstate(over="ignore", invalid="ignore"):
        assert exp(-1000.0) == 0.0 and exp(1000.0) == math.inf and np.isnan(log(-1.0))
    assert np.all(exp(np.full(50, 709.78)) < math.inf)  # a nudge never overflows a finite result


def test_out_argument_and_scalars(perturbed_exp):
    exp, _ = perturbed_exp
    out = np.empty(100)
    returned = exp(np.linspace(1, 2, 100), out=out)
    assert returned is out and np.allclose(out, np.exp(np.linspace(1, 2, 100)), rtol=3e-16, atol=0)
    assert isinstance(exp(np.float32(1.5)), np.float32) and exp.nin == 1
