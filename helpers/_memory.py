"""Peak memory of one call, as tracemalloc sees it (NumPy reports its array allocations to tracemalloc).

Shared by the chapter 3 cost figure (:mod:`helpers.figures.jacobian`) and the VJP self-check's advice
(:mod:`helpers.checks.jacobian`), which both compare building an n x n Jacobian with the direct product.
"""

import tracemalloc


def peak_bytes(fn, *args):
    """Peak bytes allocated during one call ``fn(*args)``, above what was allocated before it.

    >>> import numpy as np
    >>> peak_bytes(np.zeros, 1000) >= 8 * 1000
    True
    """
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        if started:
            tracemalloc.stop()
