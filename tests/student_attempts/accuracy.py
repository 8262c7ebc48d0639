"""Chapter 6's exercises: attempts at an ulp distance (check_ulp_distance), TwoSum (check_two_sum) and an online
softmax (check_online_softmax), written as learners write them.

The correct ones take unusual routes (struct, math.nextafter loops, fractions, NumPy scalars, lists, generators);
the wrong ones are the slips seen when people first meet ulps, error-free transformations and running sums.
"""

import functools
import math
import struct
from fractions import Fraction

import numpy as np

from helpers.checks import check_online_softmax, check_two_sum, check_ulp_distance
from student_attempts import correct, wrong

# --------------------------------------------------------------------------- check_ulp_distance: correct


def ulps_via_int_view(a, b):
    def pos(v):
        bits = int(np.float64(v).view(np.int64))
        return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF)

    return abs(pos(a) - pos(b))


def ulps_via_struct(a, b):
    """struct packs the float and unpacks its 8 bytes as a signed integer."""
    def pos(v):
        (bits,) = struct.unpack("<q", struct.pack("<d", v))
        return bits if bits >= 0 else -(bits - (-(2**63)))

    return abs(pos(a) - pos(b))


def ulps_via_unsigned_and_sign(a, b):
    """Magnitude bits from an unsigned view, sign from math.copysign."""
    def pos(v):
        magnitude = int(np.float64(abs(v)).view(np.uint64))
        return -magnitude if math.copysign(1.0, v) < 0 else magnitude

    return abs(pos(a) - pos(b))


def ulps_by_sorting_order_key(a, b):
    """The classic total-order key, flipped for negatives, as a NumPy int64 difference turned into a Python int."""
    def key(v):
        bits = int(np.array(v, dtype=np.float64).view(np.int64))
        return bits if bits >= 0 else -(bits + 2**63)

    lo, hi = sorted((key(a), key(b)))
    return hi - lo


def ulps_as_float(a, b):
    """The right count, returned as a float."""
    return float(ulps_via_int_view(a, b))


def ulps_counting_small_steps(a, b):
    """math.nextafter steps when they are few, the bit patterns otherwise."""
    lo, hi = min(a, b), max(a, b)
    steps, v = 0, lo
    while v < hi and steps < 100:
        v = math.nextafter(v, math.inf)
        steps += 1
    return steps if v == hi else ulps_via_int_view(a, b)


# --------------------------------------------------------------------------- check_ulp_distance: wrong


def ulps_gap_over_spacing_a(a, b):
    return abs(a - b) / np.spacing(a)


def ulps_gap_over_spacing_b(a, b):
    return abs(a - b) / np.spacing(abs(b))


def ulps_gap_over_machine_eps(a, b):
    return abs(a - b) / np.finfo(float).eps


def ulps_signed(a, b):
    return int(np.float64(b).view(np.int64)) - int(np.float64(a).view(np.int64)) if a >= 0 and b >= 0 else \
        ulps_via_int_view(a, b) * (1 if b >= a else -1)


def ulps_raw_bits(a, b):
    """The bit patterns used as they are, negative floats included."""
    return abs(int(np.float64(a).view(np.int64)) - int(np.float64(b).view(np.int64)))


def ulps_float32_bits(a, b):
    """Counted in float32 steps."""
    return abs(int(np.float32(a).view(np.int32)) - int(np.float32(b).view(np.int32)))


def ulps_relative_error(a, b):
    """The relative difference in units of u: not a count of floats."""
    return abs(a - b) / max(abs(a), abs(b), 1e-300) / 2.0**-53


def ulps_abs_of_negatives_ignored(a, b):
    """Absolute values first: -1 and 1 come out 0 apart."""
    return ulps_via_int_view(abs(a), abs(b))


def ulps_returns_none(a, b):
    d = abs(int(np.float64(a).view(np.int64)) - int(np.float64(b).view(np.int64)))  # noqa: F841


# --------------------------------------------------------------------------- check_two_sum: correct


def two_sum_knuth(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def two_sum_sorted_fast2sum(a, b):
    """Fast2Sum after putting the larger magnitude first: exact in every order."""
    big, small = (a, b) if abs(a) >= abs(b) else (b, a)
    s = big + small
    return s, small - (s - big)


def two_sum_fractions(a, b):
    s = a + b
    return [s, float(Fraction(a) + Fraction(b) - Fraction(s))]


def two_sum_numpy_scalars(a, b):
    a, b = np.float64(a), np.float64(b)
    s = a + b
    a_virtual = s - (s - a)
    return np.array([s, (a - a_virtual) + (b - (s - a))])


def two_sum_math_fsum(a, b):
    """math.fsum of (a, b, -s) is exact here: the error is one float."""
    s = a + b
    return (s, math.fsum((a, b, -s)))


def two_sum_generator(a, b):
    s = a + b
    bv = s - a
    av = s - bv
    return tuple(v for v in (s, (a - av) + (b - bv)))


# --------------------------------------------------------------------------- check_two_sum: wrong


def two_sum_zero_error(a, b):
    s = a + b
    return s, (a + b) - s


def two_sum_fast2sum_unsorted(a, b):
    s = a + b
    return s, b - (s - a)


def two_sum_flipped_sign(a, b):
    s, e = two_sum_knuth(a, b)
    return s, -e


def two_sum_only_s(a, b):
    return a + b


def two_sum_only_error(a, b):
    return two_sum_knuth(a, b)[1]


def two_sum_float32(a, b):
    """The rounding of float32, not of float64."""
    s = np.float32(a) + np.float32(b)
    return float(s), float(Fraction(a) + Fraction(b) - Fraction(float(s)))


def two_sum_error_of_a_only(a, b):
    s = a + b
    return s, a - (s - (s - a))


def two_sum_swapped_outputs(a, b):
    s, e = two_sum_knuth(a, b)
    return e, s


def two_sum_printed(a, b):
    print(two_sum_knuth(a, b))


def two_sum_a_virtual_from_b(a, b):
    """a_virtual = s - b, where s - b_virtual belongs: a typo that the symmetry of the formula invites."""
    s = a + b
    b_virtual = s - a
    a_virtual = s - b
    return s, (a - a_virtual) + (b - b_virtual)


def two_sum_with_a_check(a, b):
    """Returns a third value, whether s + e gives back a + b, to show the identity holds."""
    s, e = two_sum_knuth(a, b)
    return s, e, float(s + e == a + b)


# --------------------------------------------------------------------------- check_online_softmax: correct


def online_loop(x, chunk_size):
    x = np.asarray(x, dtype=float)
    m, total = -np.inf, 0.0
    for start in range(0, len(x), chunk_size):
        chunk = x[start:start + chunk_size]
        m_new = max(m, chunk.max())
        total = total * np.exp(m - m_new) + np.exp(chunk - m_new).sum()
        m = m_new
    return np.exp(x - m) / total


def online_math_exp(x, chunk_size):
    """Pure Python: math.exp and lists."""
    values = list(map(float, x))
    m, total = -math.inf, 0.0
    for start in range(0, len(values), chunk_size):
        chunk = values[start:start + chunk_size]
        m_new = max(m, *chunk)
        total = total * (math.exp(m - m_new) if m > -math.inf else 0.0) + sum(math.exp(v - m_new) for v in chunk)
        m = m_new
    return [math.exp(v - m) / total for v in values]


def online_element_by_element(x, chunk_size):
    """Ignores the chunks and streams one score at a time: still an online softmax."""
    m, total = -np.inf, 0.0
    for v in x:
        if v > m:
            total, m = total * np.exp(m - v), v
        total += np.exp(v - m)
    return np.exp(np.asarray(x) - m) / total


def online_log_domain(x, chunk_size):
    """Keeps log(total) instead of total, with np.logaddexp."""
    log_total = -np.inf
    for start in range(0, len(x), chunk_size):
        log_total = np.logaddexp(log_total, np.logaddexp.reduce(x[start:start + chunk_size]))
    return np.exp(x - log_total)


def online_float32(x, chunk_size):
    x32 = np.asarray(x, dtype=np.float32)
    m, total = np.float32(-np.inf), np.float32(0)
    for start in range(0, len(x32), chunk_size):
        chunk = x32[start:start + chunk_size]
        m_new = max(m, chunk.max())
        total = total * np.exp(m - m_new) + np.exp(chunk - m_new).sum()
        m = m_new
    return np.exp(x32 - m) / total


def online_rescale_with_where(x, chunk_size):
    m, total = None, 0.0
    for start in range(0, len(x), chunk_size):
        chunk = x[start:start + chunk_size]
        m_new = chunk.max() if m is None else max(m, chunk.max())
        if m is not None and m_new > m:
            total *= np.exp(m - m_new)
        total += np.sum(np.exp(chunk - m_new))
        m = m_new
    return np.exp(x - m) / total


def online_reduce_pairs(x, chunk_size):
    """Each chunk becomes a (max, sum) pair; functools.reduce merges the pairs, as fused attention kernels do."""
    x = np.asarray(x, dtype=float)

    def summary(chunk):
        m = chunk.max()
        return m, np.exp(chunk - m).sum()

    def merge(a, b):
        m = max(a[0], b[0])
        return m, a[1] * np.exp(a[0] - m) + b[1] * np.exp(b[0] - m)

    pairs = (summary(x[s:s + chunk_size]) for s in range(0, len(x), chunk_size))
    m, total = functools.reduce(merge, pairs)
    return np.exp(x - m) / total


# --------------------------------------------------------------------------- check_online_softmax: wrong


def online_no_rescale(x, chunk_size):
    m, total = -np.inf, 0.0
    for start in range(0, len(x), chunk_size):
        m = max(m, x[start:start + chunk_size].max())
        total += np.exp(x[start:start + chunk_size] - m).sum()
    return np.exp(x - m) / total


def online_inverted_rescale(x, chunk_size):
    m, total = None, 0.0
    for start in range(0, len(x), chunk_size):
        chunk = x[start:start + chunk_size]
        m_new = chunk.max() if m is None else max(m, chunk.max())
        if m is not None:
            total *= np.exp(m_new - m)
        total += np.exp(chunk - m_new).sum()
        m = m_new
    return np.exp(x - m) / total


def online_no_shift(x, chunk_size):
    total = 0.0
    for start in range(0, len(x), chunk_size):
        total += np.exp(x[start:start + chunk_size]).sum()
    return np.exp(x) / total


def online_first_chunk_max(x, chunk_size):
    """The max of the first chunk used throughout."""
    m = x[:chunk_size].max()
    total = sum(np.exp(x[s:s + chunk_size] - m).sum() for s in range(0, len(x), chunk_size))
    return np.exp(x - x.max()) / total


def online_returns_unnormalised(x, chunk_size):
    return np.exp(x - x.max())


def online_skips_last_partial_chunk(x, chunk_size):
    m, total = -np.inf, 0.0
    for start in range(0, len(x) - chunk_size + 1, chunk_size):
        chunk = x[start:start + chunk_size]
        m_new = max(m, chunk.max())
        total = total * np.exp(m - m_new) + np.exp(chunk - m_new).sum()
        m = m_new
    return np.exp(x - m) / total


def online_rescale_by_ratio_of_exps(x, chunk_size):
    """Rescales with exp(m_old) / exp(m_new): the same number on paper, inf / inf for large scores."""
    m, total = None, 0.0
    for start in range(0, len(x), chunk_size):
        chunk = x[start:start + chunk_size]
        m_new = chunk.max() if m is None else max(m, chunk.max())
        if m is not None:
            total *= np.exp(m) / np.exp(m_new)
        total += np.exp(chunk - m_new).sum()
        m = m_new
    return np.exp(x - m) / total

def online_final_shift_by_last_chunk(x, chunk_size):
    """The running sum is right, but the numerator is shifted by the last chunk's own max."""
    m, total = -np.inf, 0.0
    last_max = None
    for start in range(0, len(x), chunk_size):
        chunk = x[start:start + chunk_size]
        m_new = max(m, chunk.max())
        total = total * np.exp(m - m_new) + np.exp(chunk - m_new).sum()
        m, last_max = m_new, chunk.max()
    return np.exp(x - last_max) / total


def online_outputs_written_during_the_pass(x, chunk_size):
    """Each chunk's outputs written as soon as it is read, with the max known then: earlier chunks are never
    rescaled, only the final division by the total is shared."""
    out, m, total = [], -np.inf, 0.0
    for start in range(0, len(x), chunk_size):
        chunk = x[start:start + chunk_size]
        m_new = max(m, chunk.max())
        total = total * np.exp(m - m_new) + np.exp(chunk - m_new).sum()
        out.extend(np.exp(chunk - m_new))
        m = m_new
    return np.array(out) / total


ATTEMPTS = [
    correct("ulp: int64 view", ulps_via_int_view, check_ulp_distance),
    correct("ulp: struct", ulps_via_struct, check_ulp_distance),
    correct("ulp: unsigned view and copysign", ulps_via_unsigned_and_sign, check_ulp_distance),
    correct("ulp: sorted order keys", ulps_by_sorting_order_key, check_ulp_distance),
    correct("ulp: as a float", ulps_as_float, check_ulp_distance),
    correct("ulp: nextafter steps", ulps_counting_small_steps, check_ulp_distance),
    wrong("ulp: gap over spacing(a)", ulps_gap_over_spacing_a, check_ulp_distance, "ulp of one end",
          "power of two"),
    wrong("ulp: gap over spacing(b)", ulps_gap_over_spacing_b, check_ulp_distance, "power of two"),
    wrong("ulp: gap over eps", ulps_gap_over_machine_eps, check_ulp_distance, "expected"),
    wrong("ulp: signed", ulps_signed, check_ulp_distance, "never negative", "abs"),
    wrong("ulp: raw bits of negatives", ulps_raw_bits, check_ulp_distance, "negative", "sign bit"),
    wrong("ulp: float32 steps", ulps_float32_bits, check_ulp_distance, "expected"),
    wrong("ulp: relative error", ulps_relative_error, check_ulp_distance, "expected"),
    wrong("ulp: abs first", ulps_abs_of_negatives_ignored, check_ulp_distance, "negative"),
    wrong("ulp: no return", ulps_returns_none, check_ulp_distance, "return"),
    correct("two_sum: Knuth", two_sum_knuth, check_two_sum),
    correct("two_sum: sorted Fast2Sum", two_sum_sorted_fast2sum, check_two_sum),
    correct("two_sum: fractions", two_sum_fractions, check_two_sum),
    correct("two_sum: numpy scalars", two_sum_numpy_scalars, check_two_sum),
    correct("two_sum: math.fsum", two_sum_math_fsum, check_two_sum),
    correct("two_sum: generator", two_sum_generator, check_two_sum),
    wrong("two_sum: zero error", two_sum_zero_error, check_two_sum, "came back 0", "b_virtual"),
    wrong("two_sum: unsorted Fast2Sum", two_sum_fast2sum_unsorted, check_two_sum, "Fast2Sum", "|a| >= |b|"),
    wrong("two_sum: flipped sign", two_sum_flipped_sign, check_two_sum, "wrong sign"),
    wrong("two_sum: only s", two_sum_only_s, check_two_sum, "one number", "(s, e)"),
    wrong("two_sum: only e", two_sum_only_error, check_two_sum, "one number"),
    wrong("two_sum: float32", two_sum_float32, check_two_sum, "fl(a + b)"),
    wrong("two_sum: error of a only", two_sum_error_of_a_only, check_two_sum, "expected"),
    wrong("two_sum: swapped outputs", two_sum_swapped_outputs, check_two_sum, "fl(a + b)"),
    wrong("two_sum: printed", two_sum_printed, check_two_sum, "return"),
    wrong("two_sum: a_virtual from b", two_sum_a_virtual_from_b, check_two_sum, "a_virtual = s - b_virtual",
          failed_case="a tie rounded to even"),
    wrong("two_sum: a third value", two_sum_with_a_check, check_two_sum, "return a pair (s, e)"),
    correct("online: loop", online_loop, check_online_softmax),
    correct("online: math.exp lists", online_math_exp, check_online_softmax),
    correct("online: one score at a time", online_element_by_element, check_online_softmax),
    correct("online: log domain", online_log_domain, check_online_softmax),
    correct("online: float32", online_float32, check_online_softmax),
    correct("online: rescale only when the max grows", online_rescale_with_where, check_online_softmax),
    correct("online: (max, sum) pairs merged with reduce", online_reduce_pairs, check_online_softmax),
    wrong("online: no rescale", online_no_rescale, check_online_softmax, "not rescaled", "exp(m_old - m_new)"),
    wrong("online: inverted rescale", online_inverted_rescale, check_online_softmax, "upside down"),
    wrong("online: no shift", online_no_shift, check_online_softmax, "nan or inf"),
    wrong("online: first chunk max", online_first_chunk_max, check_online_softmax, "expected"),
    wrong("online: unnormalised", online_returns_unnormalised, check_online_softmax, "sum to 1"),
    wrong("online: last chunk skipped", online_skips_last_partial_chunk, check_online_softmax, "expected"),
    wrong("online: rescaled by a ratio of exps", online_rescale_by_ratio_of_exps, check_online_softmax,
          "nan or inf", "overflows"),
    wrong("online: numerator shifted by the last chunk's max", online_final_shift_by_last_chunk,
          check_online_softmax, "sum to 1"),
    wrong("online: outputs written during the pass", online_outputs_written_during_the_pass, check_online_softmax,
          "written chunk by chunk", "finish the pass first"),
]
