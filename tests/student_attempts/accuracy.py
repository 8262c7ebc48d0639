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


def two_sum_fast2sum_roles_swapped(p, q):
    """Fast2Sum with p and q exchanged inside the formula: e = p - (s - q)."""
    s = p + q
    return s, p - (s - q)


def two_sum_in_p_and_q(p, q):
    s = p + q
    q_virtual = s - p
    p_virtual = s - q_virtual
    return s, (p - p_virtual) + (q - q_virtual)


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
# The exercise: one pass over a stream of chunks (readable once), returning the running max mu and sum ell.


def online_loop(chunks):
    mu, ell = -np.inf, 0.0
    for chunk in chunks:
        mu_new = max(mu, chunk.max())
        ell = ell * np.exp(mu - mu_new) + np.exp(chunk - mu_new).sum()
        mu = mu_new
    return mu, ell


def online_math_exp(chunks):
    """Pure Python: math.exp, lists and a guard for the first chunk."""
    mu, ell = -math.inf, 0.0
    for chunk in chunks:
        values = [float(v) for v in chunk]
        mu_new = max(mu, *values)
        ell = (ell * math.exp(mu - mu_new) if mu > -math.inf else 0.0) + sum(math.exp(v - mu_new) for v in values)
        mu = mu_new
    return [mu, ell]


def online_element_by_element(chunks):
    """Ignores the chunk boundaries and streams one score at a time: still one pass."""
    mu, ell = -np.inf, 0.0
    for chunk in chunks:
        for v in chunk:
            if v > mu:
                ell, mu = ell * np.exp(mu - v), v
            ell += np.exp(v - mu)
    return mu, ell


def online_log_domain(chunks):
    """Keeps log(ell) and the max with np.logaddexp, and turns it back at the end."""
    mu, log_ell = -np.inf, -np.inf
    for chunk in chunks:
        mu = max(mu, chunk.max())
        log_ell = np.logaddexp(log_ell, np.logaddexp.reduce(chunk))
    return mu, np.exp(log_ell - mu)


def online_float32(chunks):
    mu, ell = np.float32(-np.inf), np.float32(0)
    for chunk in chunks:
        chunk = chunk.astype(np.float32)
        mu_new = max(mu, chunk.max())
        ell = ell * np.exp(mu - mu_new) + np.exp(chunk - mu_new).sum()
        mu = mu_new
    return mu, ell


def online_rescale_only_when_the_max_grows(chunks):
    mu, ell = None, 0.0
    for chunk in chunks:
        mu_new = chunk.max() if mu is None else max(mu, chunk.max())
        if mu is not None and mu_new > mu:
            ell *= np.exp(mu - mu_new)
        ell += np.sum(np.exp(chunk - mu_new))
        mu = mu_new
    return mu, ell


def online_reduce_pairs(chunks):
    """Each chunk becomes a (max, sum) pair; functools.reduce merges the pairs, as fused attention kernels do."""
    def summary(chunk):
        m = chunk.max()
        return m, np.exp(chunk - m).sum()

    def merge(a, b):
        m = max(a[0], b[0])
        return m, a[1] * np.exp(a[0] - m) + b[1] * np.exp(b[0] - m)

    return functools.reduce(merge, map(summary, chunks))


def online_first_chunk_by_next(chunks):
    """iter and next: the first chunk starts the running values, the loop takes the rest."""
    it = iter(chunks)
    first = next(it)
    mu = first.max()
    ell = np.exp(first - mu).sum()
    for chunk in it:
        mu_new = max(mu, chunk.max())
        ell = ell * np.exp(mu - mu_new) + np.exp(chunk - mu_new).sum()
        mu = mu_new
    return np.array([mu, ell])


def online_tuple_of_numpy_scalars(chunks):
    """np.maximum and np.float64 throughout, returned as a tuple of NumPy scalars."""
    mu, ell = np.float64(-np.inf), np.float64(0.0)
    for chunk in chunks:
        mu_new = np.maximum(mu, np.max(chunk))
        ell = ell * np.exp(mu - mu_new) + np.sum(np.exp(chunk - mu_new))
        mu = mu_new
    return (mu, ell)


# --------------------------------------------------------------------------- check_online_softmax: wrong


def online_no_rescale(chunks):
    mu, ell = -np.inf, 0.0
    for chunk in chunks:
        mu = max(mu, chunk.max())
        ell += np.exp(chunk - mu).sum()
    return mu, ell


def online_inverted_rescale(chunks):
    mu, ell = None, 0.0
    for chunk in chunks:
        mu_new = chunk.max() if mu is None else max(mu, chunk.max())
        if mu is not None:
            ell *= np.exp(mu_new - mu)
        ell += np.exp(chunk - mu_new).sum()
        mu = mu_new
    return mu, ell


def online_no_shift(chunks):
    mu, ell = -np.inf, 0.0
    for chunk in chunks:
        mu = max(mu, chunk.max())
        ell += np.exp(chunk).sum()
    return mu, ell


def online_first_chunk_max(chunks):
    """The max of the first chunk used throughout."""
    mu, ell = None, 0.0
    for chunk in chunks:
        if mu is None:
            mu = chunk.max()
        ell += np.exp(chunk - mu).sum()
    return mu, ell


def online_two_loops(chunks):
    """The two-pass softmax: one loop for the max, a second for the sum."""
    mu = max(chunk.max() for chunk in chunks)
    ell = sum(np.exp(chunk - mu).sum() for chunk in chunks)
    return mu, ell


def online_list_first(chunks):
    """Every chunk kept, then the two-pass formula on all of them."""
    z = np.concatenate(list(chunks))
    mu = z.max()
    return mu, np.exp(z - mu).sum()


def online_as_one_array(chunks):
    z = np.asarray(chunks, dtype=float)
    return z.max(), np.exp(z - z.max()).sum()


def online_max_starts_at_zero(chunks):
    """The running max starts at 0: "shift by max(0, max z)"."""
    mu, ell = 0.0, 0.0
    for chunk in chunks:
        mu_new = max(mu, chunk.max())
        ell = ell * np.exp(mu - mu_new) + np.exp(chunk - mu_new).sum()
        mu = mu_new
    return mu, ell


def online_first_score_as_chunk_max(chunks):
    """Takes a chunk's first score as its max (as if every chunk were sorted)."""
    mu, ell = -np.inf, 0.0
    for chunk in chunks:
        mu_new = max(mu, chunk[0])
        ell = ell * np.exp(mu - mu_new) + np.exp(chunk - mu_new).sum()
        mu = mu_new
    return mu, ell


def online_rescale_by_ratio_of_exps(chunks):
    """Rescales with exp(mu_old) / exp(mu_new): the same number on paper, inf / inf for large scores."""
    mu, ell = None, 0.0
    for chunk in chunks:
        mu_new = chunk.max() if mu is None else max(mu, chunk.max())
        if mu is not None:
            ell *= np.exp(mu) / np.exp(mu_new)
        ell += np.exp(chunk - mu_new).sum()
        mu = mu_new
    return mu, ell


def online_log_domain_not_turned_back(chunks):
    """Keeps log(ell) with np.logaddexp, shifted by mu, and returns the log."""
    mu, log_ell = -np.inf, -np.inf
    for chunk in chunks:
        mu = max(mu, chunk.max())
        log_ell = np.logaddexp(log_ell, np.logaddexp.reduce(chunk))
    return mu, log_ell - mu


def online_returns_ell_then_mu(chunks):
    mu, ell = online_loop(chunks)
    return ell, mu


def online_returns_the_softmax_values(chunks):
    """The running max and sum, then the softmax of every score, kept chunk by chunk."""
    mu, ell, terms = -np.inf, 0.0, []
    for chunk in chunks:
        mu_new = max(mu, chunk.max())
        ell = ell * np.exp(mu - mu_new) + np.exp(chunk - mu_new).sum()
        terms.extend((chunk - mu_new).tolist())
        mu = mu_new
    return np.exp(np.array(terms) - (mu - mu)) / ell


def online_sum_against_the_old_max(chunks):
    """The chunk's terms shifted by the max before it was updated."""
    mu, ell = -np.inf, 0.0
    for chunk in chunks:
        mu_new = max(mu, chunk.max())
        ell = ell * np.exp(mu - mu_new) + np.exp(chunk - mu).sum()
        mu = mu_new
    return mu, ell


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
    wrong("two_sum: zero error", two_sum_zero_error, check_two_sum, "came back 0", "q_virtual"),
    wrong("two_sum: Fast2Sum with the roles swapped", two_sum_fast2sum_roles_swapped, check_two_sum,
          "roles swapped", "e = p - (s - q)"),
    correct("two_sum: in p and q, the chapter's names", two_sum_in_p_and_q, check_two_sum),
    wrong("two_sum: unsorted Fast2Sum", two_sum_fast2sum_unsorted, check_two_sum, "Fast2Sum", "|p| >= |q|"),
    wrong("two_sum: flipped sign", two_sum_flipped_sign, check_two_sum, "wrong sign"),
    wrong("two_sum: only s", two_sum_only_s, check_two_sum, "one number", "(s, e)"),
    wrong("two_sum: only e", two_sum_only_error, check_two_sum, "one number"),
    wrong("two_sum: float32", two_sum_float32, check_two_sum, "fl(p + q)"),
    wrong("two_sum: error of a only", two_sum_error_of_a_only, check_two_sum, "expected"),
    wrong("two_sum: swapped outputs", two_sum_swapped_outputs, check_two_sum, "fl(p + q)"),
    wrong("two_sum: printed", two_sum_printed, check_two_sum, "return"),
    wrong("two_sum: a_virtual from b", two_sum_a_virtual_from_b, check_two_sum, "p_virtual = s - q_virtual",
          failed_case="a tie rounded to even"),
    wrong("two_sum: a third value", two_sum_with_a_check, check_two_sum, "return a pair (s, e)"),
    correct("online: loop", online_loop, check_online_softmax),
    correct("online: math.exp lists", online_math_exp, check_online_softmax),
    correct("online: one score at a time", online_element_by_element, check_online_softmax),
    correct("online: log domain", online_log_domain, check_online_softmax),
    correct("online: float32", online_float32, check_online_softmax),
    correct("online: rescale only when the max grows", online_rescale_only_when_the_max_grows, check_online_softmax),
    correct("online: (max, sum) pairs merged with reduce", online_reduce_pairs, check_online_softmax),
    correct("online: first chunk by next", online_first_chunk_by_next, check_online_softmax),
    correct("online: numpy scalars in a tuple", online_tuple_of_numpy_scalars, check_online_softmax),
    wrong("online: no rescale", online_no_rescale, check_online_softmax, "not rescaled", "exp(mu_old - mu_new)"),
    wrong("online: inverted rescale", online_inverted_rescale, check_online_softmax, "upside down"),
    wrong("online: no shift", online_no_shift, check_online_softmax, "shifted by the running maximum"),
    wrong("online: first chunk max", online_first_chunk_max, check_online_softmax, "first chunk's maximum"),
    wrong("online: two loops (two passes)", online_two_loops, check_online_softmax, "read a second time"),
    wrong("online: list(chunks) first", online_list_first, check_online_softmax, "kept in memory"),
    wrong("online: the chunks as one array", online_as_one_array, check_online_softmax, "not one array"),
    wrong("online: running max starts at 0", online_max_starts_at_zero, check_online_softmax, "starts at 0",
          failed_case="all scores negative, chunks of 2"),
    wrong("online: a chunk's first score as its max", online_first_score_as_chunk_max, check_online_softmax,
          "not its first score"),
    wrong("online: rescaled by a ratio of exps", online_rescale_by_ratio_of_exps, check_online_softmax,
          "nan or inf", "overflows"),
    wrong("online: log(ell) returned", online_log_domain_not_turned_back, check_online_softmax, "log(ell)"),
    wrong("online: (ell, mu)", online_returns_ell_then_mu, check_online_softmax, "swapped"),
    wrong("online: the softmax values returned", online_returns_the_softmax_values, check_online_softmax,
          "one per score", "(mu, ell)"),
    wrong("online: sum against the old max", online_sum_against_the_old_max, check_online_softmax,
          "nan or inf", "mu_new"),
]
