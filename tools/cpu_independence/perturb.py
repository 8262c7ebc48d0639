"""IPython start-up file for the CPU-independence run of the chapters (tests/test_cpu_independence.py).

Processors differ in the last bits of what NumPy's ``exp`` and ``log`` return (their SIMD code paths differ) and of
what OpenBLAS's matrix products return (its kernels block and fuse differently). A stored output that prints those
bits passes on the machine that saved it and fails on another. This file, run at the start of every kernel of that
run, makes the kernel behave like *some other* processor: every result of the elementary functions below is moved
by -1, 0 or +1 ulp at random (a faithfully rounded implementation may return either neighbour of the true value,
and every library NumPy ships is at least that accurate), except the results that every implementation returns
exactly: ±inf, NaN and whole numbers (exp(0) = 1, log(1) = 0, exp2(3) = 8). The test also sets ``OPENBLAS_CORETYPE`` and
``NPY_DISABLE_CPU_FEATURES``, so matrix products and NumPy's own loops run other kernels than the default ones.

The draws come from a fixed seed (``BOOK_PERTURB_SEED``, default 0): the run is deterministic, like every test.
"""

import os

import numpy as np

_FUNCTIONS = ("exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "tanh", "logaddexp")


class _Perturbed:
    """A NumPy ufunc whose floating-point results are moved by up to one ulp (attributes pass through)."""

    def __init__(self, ufunc, rng):
        self._ufunc = ufunc
        self._rng = rng

    def __getattr__(self, name):
        return getattr(self._ufunc, name)

    def __repr__(self):
        return f"<perturbed {self._ufunc!r}>"

    def __call__(self, *args, **kwargs):
        result = self._ufunc(*args, **kwargs)
        if isinstance(result, np.ndarray):
            if np.issubdtype(result.dtype, np.floating) and result.size:
                out = result if result.ndim else result.reshape(1)
                out[...] = self._nudge(out)
            return result
        if isinstance(result, np.floating):
            return type(result)(self._nudge(np.asarray([result]))[0])
        return result

    def _nudge(self, values):
        steps = self._rng.integers(-1, 2, size=values.shape)
        movable = np.isfinite(values) & (values != np.round(values))
        up = np.nextafter(values, np.array(np.inf, values.dtype))
        down = np.nextafter(values, np.array(-np.inf, values.dtype))
        moved = np.where(steps > 0, up, np.where(steps < 0, down, values))
        # A nudge never turns a finite result into an infinity: the true value is below the overflow threshold.
        return np.where(movable & np.isfinite(moved), moved, values)


def install(seed=None):
    """Replace NumPy's elementary functions by perturbed ones (for this process)."""
    rng = np.random.default_rng(int(os.environ.get("BOOK_PERTURB_SEED", 0)) if seed is None else seed)
    for name in _FUNCTIONS:
        original = getattr(np, name)
        if not isinstance(original, _Perturbed):
            setattr(np, name, _Perturbed(original, rng))


# IPython runs a start-up file as __main__; imported (by the tests of this file), it changes nothing.
if __name__ == "__main__":
    install()
