"""Accuracy of softmax, log_softmax and logsumexp in ulp against mpmath (issue 13), the blocked kernel's
bookkeeping, online softmax and attention.  Every reference is independent: mpmath at 160 bits, exact rational
arithmetic, SciPy.  Nothing here is timed."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.special

from helpers import _kernels, accuracy
from helpers.numerics import (
    attention,
    log_softmax,
    logsumexp,
    online_attention,
    online_softmax,
    softmax,
)

SUITE = accuracy.adversarial_suite()
ORDINARY = accuracy.ordinary_suite()


@pytest.fixture(scope="module")
def softmax_refs():
    return [accuracy.exact_softmax(row) for row in SUITE], accuracy.exact_softmax(ORDINARY)


# --------------------------------------------------------------------------- the measuring tools


def test_two_sum_error_is_exact_in_rational_arithmetic():
    rng = np.random.default_rng(3)
    for a, b in zip(rng.normal(scale=1e3, size=200), rng.normal(scale=1e-3, size=200) * rng.choice([1, 1e8], 200)):
        s, e = accuracy.two_sum(a, b)
        assert Fraction(float(s)) + Fraction(float(e)) == Fraction(float(a)) + Fraction(float(b))
        assert s == a + b


def test_ulp_is_the_gap_to_the_next_float_in_each_dtype():
    for dtype in (np.float16, np.float32, np.float64):
        for v in (1.0, 3.0, 1e-3, 0.75):
            x = dtype(v)
            assert accuracy.ulp(x) == np.nextafter(x, dtype(np.inf)) - x
    assert accuracy.ulp(np.float64(-2.0)) == 2.0**-51


def test_ulp_error_counts_units_of_the_result_dtype():
    one = np.float64(1.0)
    assert accuracy.ulp_error(one + 3 * 2.0**-52, 1.0) == 3
    assert accuracy.ulp_error(one, 1.0, 2.0**-54) == 0.25  # the low word of the reference counts
    assert accuracy.ulp_error(np.float32(1.0), 1.0 + 2.0**-23) == 1
    assert accuracy.ulp_error(np.float64(np.nan), 1.0) == np.inf


def test_exact_softmax_agrees_with_mpmath_at_much_higher_precision():
    row = np.array([1000.0, 999.25, 400.5, 998.0 + 2.0**-40])
    hi, lo = accuracy.exact_softmax(row)
    with mpmath.workprec(400):
        exps = [mpmath.exp(mpmath.mpf(float(v)) - 1000) for v in row]
        exact = [e / mpmath.fsum(exps) for e in exps]
        for h, low, e in zip(hi[0], lo[0], exact):
            assert abs((mpmath.mpf(h) + mpmath.mpf(low)) - e) <= abs(e) * 2.0**-100


def test_exact_log_softmax_and_logsumexp_keep_tiny_values_next_to_large_ones():
    row = np.array([1000.0, 900.0])  # log softmax of the max is -log1p(e**-100), about -3.7e-44
    hi, lo = accuracy.exact_log_softmax(row)
    assert hi[0, 0] == pytest.approx(-float(mpmath.exp(-100)), rel=1e-15)
    lse_hi, lse_lo = accuracy.exact_logsumexp(row)
    assert lse_hi[0] == 1000.0 and lse_lo[0] == pytest.approx(float(mpmath.exp(-100)), rel=1e-15)


# --------------------------------------------------------------------------- accuracy goals of issue 13


def test_softmax_is_within_4_ulp_on_the_adversarial_and_ordinary_suites(softmax_refs):
    refs, ordinary_ref = softmax_refs
    worst = max(accuracy.max_ulp_error(softmax, row, ref) for row, ref in zip(SUITE, refs))
    assert worst <= 4
    assert accuracy.max_ulp_error(softmax, ORDINARY, ordinary_ref) <= 4
    # The suite is adversarial: the uncompensated formula loses hundreds of ulp on it.
    assert max(accuracy.max_ulp_error(accuracy.shifted_softmax, row, ref) for row, ref in zip(SUITE, refs)) > 100


def test_softmax_batch_in_many_blocks_is_within_4_ulp_on_every_row():
    # 40 rows of 1000 scores: several cache blocks and a partial last one; offsets grow down the batch.
    rng = np.random.default_rng(5)
    x = rng.normal(scale=30.0, size=(40, 1000)) + np.linspace(-900, 900, 40)[:, None]
    assert _kernels.BLOCK_BYTES // (1000 * 8) < 40
    hi, lo = accuracy.exact_softmax(x)
    assert accuracy.ulp_error(softmax(x), hi, lo).max() <= 4
    assert accuracy.ulp_error(softmax(x.T, axis=0).T, hi, lo).max() <= 4


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_narrow_dtypes_are_within_1_ulp_of_their_own_dtype(dtype, softmax_refs):
    worst = 0.0
    for row in SUITE[::3] + list(ORDINARY[:10]):
        x = row.astype(dtype)
        if not np.isfinite(x).all():
            continue
        hi, lo = accuracy.exact_softmax(x.astype(np.float64))
        got = softmax(x)
        assert got.dtype == dtype
        worst = max(worst, float(accuracy.ulp_error(got, hi, lo).max()))
    assert worst <= 1


def test_log_softmax_and_logsumexp_are_within_2_ulp_on_both_suites():
    for row in SUITE[::2] + list(ORDINARY[:10]):
        hi, lo = accuracy.exact_log_softmax(row)
        assert accuracy.ulp_error(log_softmax(row), hi[0], lo[0]).max() <= 2
        lse_hi, lse_lo = accuracy.exact_logsumexp(row)
        assert accuracy.ulp_error(logsumexp(row), lse_hi[0], lse_lo[0]) <= 2


def test_log_softmax_of_the_max_keeps_a_tiny_remainder():
    # -log1p(exp(-100)): SciPy's log(sum) rounds the sum to 1 and returns 0; the exact value is about -3.7e-44.
    out = log_softmax(np.array([[1000.0, 900.0], [5.0, -95.0]]))
    assert out[0, 0] == out[1, 0] == pytest.approx(-float(mpmath.exp(-100)), rel=1e-15)
    assert scipy.special.log_softmax([1000.0, 900.0])[0] == 0.0


def test_masked_scores_and_huge_spreads_keep_their_meaning_in_every_dtype():
    big = np.finfo(np.float64).max
    x = np.array([[-np.inf, 1.0, 2.0, -np.inf], [-big, big, 0.0, big / 2], [-np.inf, -np.inf, 5.0, 5.0]])
    s = softmax(x)
    np.testing.assert_array_equal(s, [[0, 1 / (1 + np.e), np.e / (1 + np.e), 0], [0, 1, 0, 0], [0, 0, 0.5, 0.5]])
    out = log_softmax(x)
    assert out[0, 0] == out[0, 3] == -np.inf and out[2, 0] == -np.inf
    assert out[1, 0] == np.finfo(np.float64).min  # finite score: saturates, never -inf
    assert out[2, 2] == pytest.approx(-np.log(2), rel=1e-16)
    narrow = np.array([[-3e38, 3e38, -np.inf]], dtype=np.float32)
    out32 = log_softmax(narrow)
    assert out32.dtype == np.float32 and out32[0, 0] == np.finfo(np.float32).min and out32[0, 2] == -np.inf
    half = np.array([[-60000.0, 60000.0, -np.inf]], dtype=np.float16)
    np.testing.assert_array_equal(log_softmax(half), np.array([[np.finfo(np.float16).min, 0, -np.inf]], np.float16))
    assert logsumexp(narrow) == np.float32(3e38)


@pytest.mark.parametrize("fn", [softmax, log_softmax, logsumexp])
@pytest.mark.parametrize("bad, message", [
    (np.nan, r"x contains NaN at index \(41, 3\)"),
    (np.inf, r"x contains \+inf at index \(41, 3\)"),
])
def test_a_bad_entry_deep_in_a_later_block_is_named(fn, bad, message):
    x = np.zeros((50, 300))
    x[41, 3] = bad
    with pytest.raises(ValueError, match=message):
        fn(x)
    with pytest.raises(ValueError, match=message):
        fn(x.astype(np.float32))


@pytest.mark.parametrize("fn", [softmax, log_softmax, logsumexp])
def test_a_fully_masked_row_in_a_later_block_is_named(fn):
    x = np.zeros((50, 300))
    x[47] = -np.inf
    with pytest.raises(ValueError, match=r"every entry of x is -inf along axis 1 \(for example at 47\)"):
        fn(x)


# --------------------------------------------------------------------------- online softmax


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 100, 1000])
def test_online_softmax_is_the_softmax_within_the_error_of_the_shifted_formula(chunk):
    x = np.random.default_rng(chunk).normal(scale=5.0, size=(4, 100)) + np.array([[0], [50], [-300], [800]])
    hi, lo = accuracy.exact_softmax(x)
    # Not compensated: as accurate as exp(x - max) / sum, whose error grows with the logits (here up to ~800).
    bound = max(accuracy.max_ulp_error(accuracy.shifted_softmax, x, (hi, lo)), 8) * 1.5
    assert accuracy.ulp_error(online_softmax(x, chunk_size=chunk), hi, lo).max() <= bound
    np.testing.assert_allclose(online_softmax(x, chunk_size=chunk), scipy.special.softmax(x, axis=-1), rtol=1e-12)


def test_online_softmax_handles_masked_chunks_and_keeps_the_dtype():
    x = np.array([-np.inf, -np.inf, -np.inf, 2.0, 1.0, -np.inf, 0.0])
    expected = scipy.special.softmax(x)
    for chunk in (1, 2, 3, 4, 7):
        np.testing.assert_allclose(online_softmax(x, chunk_size=chunk), expected, rtol=1e-15)
        assert online_softmax(x, chunk_size=chunk)[0] == 0
    assert online_softmax(x.astype(np.float32), 2).dtype == np.float32


def test_online_softmax_rescales_the_running_sum_when_the_max_grows():
    # Increasing scores: every chunk raises the max, so each one rescales the running sum.
    x = np.arange(0.0, 40.0, 1.0)
    np.testing.assert_allclose(online_softmax(x, chunk_size=4), scipy.special.softmax(x), rtol=1e-14)
    np.testing.assert_allclose(online_softmax(x[::-1], chunk_size=4), scipy.special.softmax(x[::-1]), rtol=1e-14)


@pytest.mark.parametrize("chunk", [0, -2, 1.5, True, "4"])
def test_online_softmax_rejects_a_bad_chunk_size(chunk):
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        online_softmax([1.0, 2.0], chunk_size=chunk)


def test_online_softmax_validates_like_softmax():
    with pytest.raises(ValueError, match="NaN"):
        online_softmax([1.0, np.nan])
    with pytest.raises(ValueError, match="every entry of x is -inf"):
        online_softmax([-np.inf, -np.inf])


# --------------------------------------------------------------------------- attention


def _reference_attention(q, k, v):
    with mpmath.workprec(120):
        out = []
        for qi in q:
            scores = [mpmath.fsum(mpmath.mpf(float(a)) * mpmath.mpf(float(b)) for a, b in zip(qi, kj))
                      / mpmath.sqrt(len(qi)) for kj in k]
            top = max(scores)
            w = [mpmath.exp(s - top) for s in scores]
            total = mpmath.fsum(w)
            out.append([float(mpmath.fsum(wj * mpmath.mpf(float(vj[c])) for wj, vj in zip(w, v)) / total)
                        for c in range(v.shape[1])])
    return np.array(out)


@pytest.mark.parametrize("block", [1, 5, 16, 40])
def test_online_attention_equals_attention_and_mpmath(block):
    rng = np.random.default_rng(block)
    q, k, v = rng.normal(size=(3, 8)) * 4, rng.normal(size=(33, 8)) * 4, rng.normal(size=(33, 5))
    expected = _reference_attention(q, k, v)
    np.testing.assert_allclose(attention(q, k, v), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(online_attention(q, k, v, block_size=block), expected, rtol=1e-12, atol=1e-14)


def test_attention_rejects_mismatched_shapes_and_bad_blocks():
    q, k, v = np.ones((2, 4)), np.ones((6, 4)), np.ones((6, 3))
    with pytest.raises(ValueError, match="matching d"):
        attention(q, np.ones((6, 3)), v)
    with pytest.raises(ValueError, match="matching d"):
        online_attention(q, k, np.ones((5, 3)))
    with pytest.raises(ValueError, match="matching d"):
        attention(q[0], k, v)
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        online_attention(q, k, v, block_size=0)


# --------------------------------------------------------------------------- kernel bookkeeping


def test_rows_longer_than_a_block_are_done_one_at_a_time():
    x = np.random.default_rng(9).normal(scale=20.0, size=(3, 20000))
    assert 20000 * 8 > _kernels.BLOCK_BYTES  # less than one row fits the block budget
    np.testing.assert_allclose(softmax(x), scipy.special.softmax(x, axis=-1), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(log_softmax(x), scipy.special.log_softmax(x, axis=-1), rtol=1e-13)
    np.testing.assert_allclose(logsumexp(x), scipy.special.logsumexp(x, axis=-1), rtol=1e-15)


def test_results_keep_their_layout_and_logsumexp_of_a_row_is_a_scalar():
    x = np.random.default_rng(10).normal(size=(4, 5, 6))
    for axis in (0, 1, -1):
        s = softmax(x, axis=axis)
        assert s.flags.c_contiguous and s.shape == x.shape
        np.testing.assert_allclose(s, scipy.special.softmax(x, axis=axis), rtol=1e-14)
        lse = logsumexp(x, axis=axis)
        assert lse.shape == tuple(n for i, n in enumerate(x.shape) if i != axis % 3)
    value = logsumexp([1.0, 2.0])
    assert type(value) is np.float64 and value == pytest.approx(np.log(np.e + np.e**2), rel=1e-15)
    assert type(logsumexp(np.array([1.0, 2.0], dtype=np.float32))) is np.float32


def test_attention_rejects_keys_or_values_that_are_not_matrices():
    q, k, v = np.ones((2, 4)), np.ones((6, 4)), np.ones((6, 3))
    with pytest.raises(ValueError, match="matching d"):
        attention(q, k[0], v)
    with pytest.raises(ValueError, match="matching d"):
        online_attention(q, k, v[:, 0])
    with pytest.raises(ValueError, match="inf"):
        attention(q, np.full((6, 4), np.inf), v)
