"""Blocked, compensated kernels behind helpers.softmax, helpers.log_softmax and helpers.logsumexp.

Softmax is memory-bound: reading the logits once and writing the result once is the floor.  The kernels walk
the rows in blocks small enough to stay in cache (``BLOCK_BYTES``), so every step after the first read of a
block (the shift, the compensation, ``exp``, the sum, the division) works on cached data and the array makes one
trip from memory and one back.

Accuracy (Blanchard, Higham and Higham 2021): ``d = fl(x - m)`` carries a rounding error ``delta`` of up to half
an ulp of ``d``, and ``exp`` turns an absolute error in its argument into the same *relative* error of its
result, which grows with ``|x|``.  TwoSum (Moller 1965, Knuth) recovers ``delta = (x - m) - d`` exactly from five
more additions and subtractions, and ``exp(d + delta) = exp(d) (1 + delta)`` to within ``delta**2``, so the kernels
correct each term by one multiply-add.  float16 and float32 are computed in float64 (their difference ``x - m`` is
then all but exact) and rounded once at the end.

Validation costs no extra pass: the row maxima the algorithm needs anyway are NaN if a row holds a NaN, ``+inf``
if it holds ``+inf`` and ``-inf`` if every entry is masked, so a single test of the maxima flags every bad row
(the caller then re-validates to name the problem).
"""

from __future__ import annotations

import numpy as np

# About 128 KiB of float64 per working buffer: the three buffers of a block and its input fit in a 1 MiB L2 cache;
# measured with benchmarks/softmax.py on a (4096, 1024) batch (64 to 256 KiB within the noise, 16 KiB twice as slow).
BLOCK_BYTES = 128 * 1024

SOFTMAX, LOG_SOFTMAX, LOGSUMEXP = "softmax", "log_softmax", "logsumexp"


class BadRow(Exception):
    """A row maximum is not finite: the row holds NaN or +inf, or is fully masked."""


def work_dtype(dtype):
    """float16 and float32 are computed in float64; float64 and wider in their own type."""
    return np.dtype(np.float64) if np.dtype(dtype).itemsize < 8 else np.dtype(dtype)


def rows(a, kind):
    """Apply ``kind`` to every row of the 2-D C-contiguous floating array ``a``.

    Returns an array of ``a.shape`` (softmax, log-softmax) or ``(rows,)`` (logsumexp) in ``a.dtype``.
    Raises :class:`BadRow` if a row maximum is not finite.
    """
    n_rows, n = a.shape
    work = work_dtype(a.dtype)
    widened = work != a.dtype  # x - m in float64 from float32 values: error below 2**-53 relative, no TwoSum
    out = np.empty(a.shape if kind != LOGSUMEXP else (n_rows,), dtype=a.dtype)
    block = max(1, min(n_rows, BLOCK_BYTES // (n * work.itemsize)))
    d, t, e = (np.empty((block, n), dtype=work) for _ in range(3))
    sigma = work.type(2.0 ** (2 * n - 1).bit_length())  # a power of two at least twice the row length
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for start in range(0, n_rows, block):
            stop = min(start + block, n_rows)
            b = stop - start
            x = a[start:stop].astype(work) if widened else a[start:stop]
            _block(x, kind, d[:b], t[:b], e[:b], widened, out[start:stop], sigma)
    return out


def _block(x, kind, d, t, e, widened, out, sigma):
    """One block of rows: shift, compensate, exp, sum, and write ``out`` (see :func:`rows`)."""
    if kind == SOFTMAX:
        m = x.max(axis=1, keepdims=True)
    else:
        top = np.argmax(x, axis=1)
        m = np.take_along_axis(x, top[:, None], axis=1)
    if not np.isfinite(m).all():
        raise BadRow
    if widened:
        np.subtract(x, m, out=d)  # d = x - m <= 0 (all but exact in float64): exp cannot overflow
        np.exp(d, out=e)
    else:
        # Broadcasting a (rows, 1) column costs a loop call per row: spreading m over a block once is cheaper.
        np.copyto(e, m)
        np.subtract(x, e, out=d)  # d = fl(x - m) <= 0: exp cannot overflow
        # TwoSum(x, -m): the exact rounding error delta = (x - m) - d, in t.
        np.subtract(d, x, out=t)  # b' = d - x
        np.add(t, e, out=e)  # b' + m = -((-m) - b')
        np.subtract(d, t, out=t)  # a' = d - b'
        np.subtract(x, t, out=t)  # x - a'
        np.subtract(t, e, out=t)  # delta = (x - a') + ((-m) - b')
        np.exp(d, out=e)
        np.multiply(e, t, out=t)  # exp(d + delta) = exp(d) + exp(d) delta, to within delta**2
        np.add(e, t, out=e)
    if kind == SOFTMAX:
        total = _sum(e, d, t, sigma)
        if not np.isfinite(total).all():
            _clear_nan(e)
            total = _sum(e, d, t, sigma)
        np.divide(e, total, out=out, casting="same_kind")
        return
    # One maximal term is exactly 1: leave it out and add it back with log1p, so a tiny rest is not rounded away.
    e[np.arange(len(top)), top] = 0
    rest = _sum(e, t, t, sigma)
    overflowed = not np.isfinite(rest).all()
    if overflowed:
        _clear_nan(e)
        rest = _sum(e, t, t, sigma)
    log_total = np.log1p(rest)
    if kind == LOGSUMEXP:
        np.add(m, log_total, out=out[:, None], casting="same_kind")
        return
    np.subtract(d, log_total, out=out, casting="same_kind")
    if overflowed or widened and np.isneginf(out).any():
        # A finite score so far below the maximum that x - m (or the result) leaves the float range: saturate at
        # the most negative finite float; only masked scores (-inf) give -inf.
        lowest = np.finfo(out.dtype).min
        out[...] = np.where(np.isneginf(x), -np.inf, np.maximum(d - log_total, lowest))


def _sum(e, q, r, sigma):
    """Row sums of the terms ``0 <= e <= 1`` to within one rounding, using ``q`` and ``r`` as scratch.

    Rump, Ogita and Oishi's ExtractVector: with ``sigma`` a power of two at least twice the row length,
    ``q = (sigma + e) - sigma`` keeps the leading bits of each term on a common grid, so every partial sum of the
    ``q`` is exact in any order, and ``r = e - q`` is exact and tiny.  The sum of ``q`` is exact, the sum of ``r``
    is off by a rounding error of a tiny number, and adding the two rounds once.  A plain (pairwise) sum of 1000
    terms is off by up to a few units of roundoff, which would dominate the error of the softmax.
    """
    np.add(e, sigma, out=q)
    np.subtract(q, sigma, out=q)
    exact = q.sum(axis=1, keepdims=True)
    np.subtract(e, q, out=r)
    return exact + r.sum(axis=1, keepdims=True)


def shifted_exp(x, shift):
    """``exp(x - shift)`` with TwoSum's correction of the rounding error of ``x - shift``, as :func:`rows` does.

    Within about an ulp of the exact ``exp(x - shift)`` where the plain ``np.exp(x - shift)`` loses ``|x - shift|``
    units of roundoff.  Broadcasts; a term that is 0 (``x`` masked as ``-inf``, or ``x - shift`` below -745) is 0.
    """
    with np.errstate(invalid="ignore", under="ignore", over="ignore"):
        d = x - shift
        b_virtual = d - x
        a_virtual = d - b_virtual
        delta = (x - a_virtual) + (-shift - b_virtual)
        e = np.exp(d)
        return np.where(e == 0, 0.0, e + e * delta)


def two_product(a, b):
    """``p = fl(a * b)`` and its exact rounding error (Dekker 1971, with Veltkamp's splitting), elementwise.

    Exact for float64 products far from overflow and underflow, as the running sums of the online softmax are.
    """
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _split(a):
    """Veltkamp's splitting: ``a = hi + lo`` exactly, each with at most 26 significant bits."""
    c = 134217729.0 * a  # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi


def two_sum(a, b):
    """TwoSum (Knuth): ``s = fl(a + b)`` and its exact rounding error, elementwise."""
    s = a + b
    b_virtual = s - a
    a_virtual = s - b_virtual
    return s, (a - a_virtual) + (b - b_virtual)


def chunk_sum(e):
    """Sums over the last axis of terms ``0 <= e <= 1`` to within one rounding (:func:`_sum`), any leading shape."""
    flat = e.reshape(-1, e.shape[-1])
    q, r = np.empty_like(flat), np.empty_like(flat)
    sigma = 2.0 ** (2 * flat.shape[1] - 1).bit_length()
    return _sum(flat, q, r, sigma)[:, 0].reshape(e.shape[:-1])


def _clear_nan(e):
    """A term whose shift overflowed (x - m = -inf, from -inf or a huge finite gap) is exp(-inf) = 0, but its
    TwoSum correction is inf - inf = NaN; the term is 0 either way."""
    e[np.isnan(e)] = 0
