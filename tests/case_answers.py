"""Answers for testing a self-check case by case: right everywhere except on one case, where a chosen spoiling of
the right answer is returned.  The per-case feedback snapshots of tests/test_checks_*.py use them, so that what a
student sees when exactly one case goes wrong is pinned for every case."""

import numpy as np


def fails_only(case, reference, spoil):
    """An answer that is right on every case except ``case``, where it returns ``spoil(right answer)``."""

    def answer(*args):
        right = np.asarray(reference(*args), dtype=np.float64)
        same = all(np.shape(a) == np.shape(b) and np.array_equal(a, b) for a, b in zip(args, case.args))
        return spoil(right) if same else right

    return answer


def nan(right):
    """A spoiling: nan wherever the right answer has a value."""
    return np.full_like(right, np.nan)
