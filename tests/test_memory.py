"""helpers._memory.peak_bytes against the closed form: an array of n float64 values takes 8 n bytes."""

import tracemalloc

import numpy as np
import pytest

from helpers._memory import peak_bytes

# NumPy's array header and tracemalloc's own bookkeeping: a few hundred bytes, far below the sizes measured here.
SLACK = 4096


@pytest.fixture(autouse=True)
def _tracing_off():
    """Every test starts and ends with tracemalloc off, whatever the test did."""
    if tracemalloc.is_tracing():
        tracemalloc.stop()
    yield
    if tracemalloc.is_tracing():
        tracemalloc.stop()


@pytest.mark.parametrize("n", [1_000, 100_000])
def test_peak_is_the_bytes_of_the_array_allocated(n):
    assert 8 * n <= peak_bytes(np.zeros, n) <= 8 * n + SLACK


def test_peak_counts_only_the_call_when_memory_is_already_held_and_traced():
    tracemalloc.start()
    held = np.ones(1_000_000)  # 8 MB allocated before the call: not part of its peak
    assert 8_000 <= peak_bytes(np.zeros, 1_000) <= 8_000 + SLACK
    del held
    assert tracemalloc.is_tracing(), "a caller's own tracing must be left running"


def test_an_earlier_peak_of_the_callers_tracing_is_not_reported():
    tracemalloc.start()
    big = np.ones(1_000_000)
    del big  # the traced peak is now about 8 MB, the current size small
    assert peak_bytes(np.zeros, 1_000) <= 8_000 + SLACK


def test_tracing_started_for_the_call_is_stopped_after_it():
    peak_bytes(np.zeros, 10)
    assert not tracemalloc.is_tracing()


def test_tracing_is_stopped_even_when_the_call_raises():
    with pytest.raises(ValueError, match="negative dimensions"):
        peak_bytes(np.zeros, -1)
    assert not tracemalloc.is_tracing()


def test_the_arguments_reach_the_function():
    assert peak_bytes(lambda a, b: np.zeros(a * b), 100, 10) >= 8_000
