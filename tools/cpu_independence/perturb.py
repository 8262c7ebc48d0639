"""IPython start-up file for the CPU-independence run of the chapters (tests/test_cpu_independence.py).

Processors differ in the last bits of what NumPy's ``exp`` and ``log`` return (their SIMD code paths differ) and of
what OpenBLAS's matrix products return (its kernels block and fuse differently). A stored output that prints those
bits passes on the machine that saved it and fails on another. This file, run at the start of every kernel of that
run, makes the kernel behave like *some other* processor: every result of the elementary functions below is moved
by -1, 0 or +1 ulp (a faithfully rounded implementation may return either neighbour of the true value, and every
library NumPy ships is at least that accurate), except the results that every implementation returns exactly:
±inf, NaN and whole numbers (exp(0) = 1, log(1) = 0, exp2(3) = 8). Like a real processor, the kernel gives the same
answer every time it is asked the same question: the move is a function of the input's bits (hashed), not a fresh
draw per call, so `exp(x) == exp(x)` still holds. The test also sets ``OPENBLAS_CORETYPE`` and
``NPY_DISABLE_CPU_FEATURES``, so matrix products and NumPy's own loops run other kernels than the default ones.

The hash is keyed by ``BOOK_PERTURB_SEED`` (default 0): another seed is another processor; each is deterministic.
"""

import os

import numpy as np

_FUNCTIONS = ("exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "tanh", "logaddexp")


def _mix(keys):
    """SplitMix64's finaliser, in place: well-spread 64-bit hashes of 64-bit keys (uint64 arithmetic wraps around,
    as meant; arrays, even 0-d ones, wrap without a warning)."""
    keys ^= keys >> np.uint64(30)
    keys *= np.uint64(0xBF58476D1CE4E5B9)
    keys ^= keys >> np.uint64(27)
    keys *= np.uint64(0x94D049BB133111EB)
    keys ^= keys >> np.uint64(31)
    return keys


class _Perturbed:
    """A NumPy ufunc whose float16/32/64 results are moved by up to one ulp (attributes pass through).

    Written for speed (a chapter calls exp thousands of times, on arrays of millions of numbers): the hash runs in
    place, and the move is done on the bits (the next float away from zero is the next integer of the bit pattern).
    """

    def __init__(self, ufunc, seed):
        self._ufunc = ufunc
        self._seed = np.uint64(seed)

    def __getattr__(self, name):
        return getattr(self._ufunc, name)

    def __repr__(self):
        return f"<perturbed {self._ufunc!r}>"

    def __call__(self, *args, **kwargs):
        result = self._ufunc(*args, **kwargs)
        if not isinstance(result, (np.ndarray, np.floating)) or result.dtype not in _UNSIGNED:
            return result
        values = np.asarray(result)
        # A 0-d result is handled as one element: arithmetic on 0-d arrays returns scalars, which warn on wrap-around.
        nudged = self._nudge(values.reshape(-1) if values.ndim == 0 else values, args[: self._ufunc.nin])
        nudged = nudged.reshape(values.shape)
        if isinstance(result, np.ndarray):
            result[...] = nudged
            return result
        return type(result)(nudged[()])

    def _steps(self, values, inputs):
        """-1, 0 or +1 for each result: a hash of the inputs' bits (in the result's format) and the seed."""
        unsigned = _UNSIGNED[values.dtype]
        keys = np.full(values.shape, self._seed, dtype=np.uint64)
        for argument in inputs:
            np.bitwise_xor(keys, np.asarray(argument, dtype=values.dtype).view(unsigned), out=keys)
            _mix(keys)
        return (keys % np.uint64(3)).astype(np.int8) - np.int8(1)

    def _nudge(self, values, inputs):
        """Each result moved to its upper neighbour (step +1), its lower one (-1) or kept (0); kept too if exact
        (whole, infinite or NaN), or if the move would overflow."""
        steps = self._steps(values, inputs)
        unsigned = _UNSIGNED[values.dtype]
        # Towards +inf is one more in the bit pattern for a positive number, one less for a negative one.
        steps = np.where(np.signbit(values), -steps, steps).astype(unsigned)
        moved = (values.view(unsigned) + steps).view(values.dtype)
        movable = np.isfinite(moved) & (values != np.round(values))
        return np.where(movable, moved, values)


_UNSIGNED = {np.dtype(np.float16): np.uint16, np.dtype(np.float32): np.uint32, np.dtype(np.float64): np.uint64}


def install(seed=None):
    """Replace NumPy's elementary functions by perturbed ones (for this process)."""
    seed = int(os.environ.get("BOOK_PERTURB_SEED", 0)) if seed is None else seed
    for name in _FUNCTIONS:
        original = getattr(np, name)
        if not isinstance(original, _Perturbed):
            setattr(np, name, _Perturbed(original, seed))


# IPython runs a start-up file as __main__; imported (by the tests of this file), it changes nothing.
if __name__ == "__main__":
    install()
