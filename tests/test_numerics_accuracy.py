"""Accuracy of softmax, log_softmax and logsumexp in ulp against mpmath (issue 13), the blocked kernel's
bookkeeping, online softmax and attention.  Every reference is independent: mpmath at 160 bits, exact rational
arithmetic, SciPy.  Nothing here is timed."""

import math
import time
import warnings
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


def _mp_softmax(row, dps=60):
    """Softmax of one row in mpmath at ``dps`` digits, from the floats as given (independent of helpers.accuracy)."""
    with mpmath.workdps(dps):
        values = [mpmath.mpf(float(v)) for v in row]
        top = max(values)
        exps = [mpmath.exp(v - top) for v in values]
        total = mpmath.fsum(exps)
        return [e / total for e in exps]


def _mp_ulp_errors(got, row):
    """|got - exact| / ulp(exact) of each entry, worked out in mpmath (inf where got is inf or NaN)."""
    out = []
    with mpmath.workdps(60):
        for g, e in zip(np.asarray(got, dtype=np.float64), _mp_softmax(row)):
            out.append(float(abs(mpmath.mpf(float(g)) - e) / np.spacing(float(e))) if np.isfinite(g) else np.inf)
    return out


def test_two_sum_works_in_float64_whatever_the_input_dtype():
    # A long double pair would hold 1 + 2**-60 exactly; TwoSum rounds both to float64 first, so the 2**-60 is the error.
    tiny = 2.0**-60
    for a, b in [(np.longdouble(1), np.longdouble(tiny)), (np.longdouble(1), tiny), (1.0, np.longdouble(tiny))]:
        s, e = accuracy.two_sum(a, b)
        assert (s, e) == (1.0, tiny) and s.dtype == e.dtype == np.float64
    assert accuracy.two_sum(np.float32(1.0), np.float32(2.0**-30)) == (1.0 + 2.0**-30, 0.0)


def test_ulp_error_subtracts_the_low_word_and_rounds_a_wider_high_word_to_float64():
    one = np.float64(1.0)
    assert accuracy.ulp_error(one + 2.0**-52, 1.0, 2.0**-54) == 0.75  # |2**-52 - 2**-54| in units of 2**-52
    assert accuracy.ulp_error(one, 1.0, -(2.0**-53)) == 0.5
    # hi is the float64 high word of a double-double: a long double 0.1 counts as the float64 0.1.
    assert accuracy.ulp_error(np.float64(0.1), np.longdouble("0.1")) == 0


def test_ulp_error_of_overflowing_or_infinite_results_is_inf_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert accuracy.ulp_error(np.float64(1.0), 5e-324) == np.inf  # 1 / 5e-324 overflows
        assert accuracy.ulp_error(np.float64(np.inf), np.inf) == np.inf  # inf - inf is invalid
        assert accuracy.ulp_error(np.float64(-np.inf), 0.5) == np.inf


def test_the_reference_of_one_score_and_bad_inputs():
    hi, lo = accuracy.exact_softmax([3.0])
    assert hi.tolist() == [[1.0]] and lo.tolist() == [[0.0]]
    for bad, shape in [([], "(0,)"), (np.zeros((2, 2, 2)), "(2, 2, 2)"), ([[1.0, np.nan]], "(1, 2)"),
                       ([1.0, np.inf], "(2,)"), (5.0, "()")]:
        for fn in (accuracy.exact_softmax, accuracy.exact_log_softmax, accuracy.exact_logsumexp):
            with pytest.raises(ValueError) as info:
                fn(bad)
            assert str(info.value) == f"x must be a non-empty finite 1-D row or 2-D batch of logits, got shape {shape}"


def test_max_ulp_error_against_mpmath_with_and_without_a_reference():
    row = np.array([[0.0, 1.0, -3.5]])
    expected = max(_mp_ulp_errors(accuracy.shifted_softmax(row)[0], row[0]))
    assert accuracy.max_ulp_error(accuracy.shifted_softmax, row) == pytest.approx(expected, abs=1e-9)
    # The low word counts: the correctly rounded result is off by |lo| / ulp, not 0.
    hi, lo = accuracy.exact_softmax(row)
    rounded = max(_mp_ulp_errors(hi[0], row[0]))
    assert 0.01 < rounded <= 0.5
    assert accuracy.max_ulp_error(lambda x: hi, row, (hi, lo)) == pytest.approx(rounded, abs=1e-9)
    # A reference given is used as it is.
    assert accuracy.max_ulp_error(lambda x: hi, row, (hi, np.zeros_like(lo))) == 0
    assert accuracy.max_ulp_error(lambda x: hi + np.spacing(hi), row, (hi, np.zeros_like(lo))) == 1


def test_max_ulp_error_measures_in_float64_and_quietly_counts_overflow_as_inf():
    # A float32 batch is widened first: exp(100) overflows float32 but not float64.
    x32 = np.array([[100.0, 0.0]], dtype=np.float32)
    assert accuracy.max_ulp_error(accuracy.textbook_softmax, x32) <= 1

    def raw(x):
        return np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert accuracy.max_ulp_error(raw, [[1000.0, 0.0]]) == np.inf


def test_errors_by_magnitude_against_mpmath_and_with_one_reference_per_magnitude(monkeypatch):
    fns = {"helpers": softmax, "textbook": accuracy.textbook_softmax, "shifted": accuracy.shifted_softmax}
    calls = []
    exact = accuracy.exact_softmax

    def counted(x):
        calls.append(np.shape(x))
        return exact(x)

    monkeypatch.setattr(accuracy, "exact_softmax", counted)
    errors = accuracy.errors_by_magnitude(fns, [2.0, 800.0], rows=3, n=5, seed=4)
    assert calls == [(6, 5), (6, 5)]  # the slow mpmath reference is shared by every function
    assert list(errors) == list(fns)
    for name, fn in fns.items():
        assert errors[name].shape == (2,)
        for m, got in zip([2.0, 800.0], errors[name]):
            x = m * np.random.default_rng(4).uniform(-1.0, 1.0, size=(3, 5))
            x = np.vstack([x, x - m])
            with np.errstate(all="ignore"):
                expected = max(max(_mp_ulp_errors(fn(row[None])[0], row)) for row in x)
            assert got == pytest.approx(expected, abs=1e-9)
    assert errors["textbook"][1] == np.inf and errors["shifted"][1] > 100 and errors["helpers"].max() <= 4


def test_errors_by_magnitude_by_default_measures_8_rows_of_32_from_seed_0(monkeypatch):
    # The chapter calls it with the defaults: its figure is drawn from these very logits.
    seen = []
    exact = accuracy.exact_softmax

    def recorded(x):
        seen.append(np.array(x))
        return exact(x)

    monkeypatch.setattr(accuracy, "exact_softmax", recorded)
    errors = accuracy.errors_by_magnitude({"shifted": accuracy.shifted_softmax}, [30.0])
    x = 30.0 * np.random.default_rng(0).uniform(-1.0, 1.0, size=(8, 32))
    x = np.vstack([x, x - 30.0])
    np.testing.assert_array_equal(seen[0], x)
    expected = max(max(_mp_ulp_errors(accuracy.shifted_softmax(row[None])[0], row)) for row in x)
    assert errors["shifted"].tolist() == [pytest.approx(expected, abs=1e-9)]


def test_magnitude_suite_is_uniform_on_plus_minus_the_magnitude_then_shifted_down():
    both = accuracy.magnitude_suite(50.0, rows=300, n=7, seed=3)
    assert both.shape == (600, 7)
    x = both[:300]
    np.testing.assert_array_equal(x, 50.0 * np.random.default_rng(3).uniform(-1.0, 1.0, size=(300, 7)))
    assert np.abs(x).max() <= 50.0 and x.min() < -49 and x.max() > 49 and abs(x.mean()) < 2
    np.testing.assert_array_equal(both[300:], x - 50.0)  # every score <= 0: each row's max is negative
    assert (both[300:].max(axis=1) < 0).all()
    assert accuracy.magnitude_suite(2.0).shape == (16, 32)
    np.testing.assert_array_equal(accuracy.magnitude_suite(2.0), accuracy.magnitude_suite(2.0, seed=0))


def test_adversarial_suite_rows_are_offset_plus_spread_times_a_normal_draw():
    suite = accuracy.adversarial_suite()
    offsets, spreads = (-1000, -100, -10, 0, 10, 100, 1000), (1e-3, 1e-2, 1e-1, 1, 10, 100, 1000)
    sizes = (2, 10, 100, 1000)
    combos = [(o, s, n) for o in offsets for s in spreads for n in sizes]
    assert len(suite) == len(combos) == 196
    rng = np.random.default_rng(0)
    for row, (offset, spread, n) in zip(suite, combos):
        assert row.shape == (n,)
        np.testing.assert_allclose(row, offset + spread * rng.standard_normal(n), rtol=1e-15, atol=0)
    big = suite[combos.index((1000, 10, 1000))]
    assert abs(big.mean() - 1000) < 1 and 9 < big.std() < 11
    small = accuracy.adversarial_suite(seed=5, offsets=(7,), spreads=(2.0,), sizes=(3, 4))
    assert [r.shape for r in small] == [(3,), (4,)]
    draws = np.random.default_rng(5)
    np.testing.assert_array_equal(small[0], 7 + 2.0 * draws.standard_normal(3))
    np.testing.assert_array_equal(small[1], 7 + 2.0 * draws.standard_normal(4))


def test_ordinary_suite_is_a_normal_batch_of_the_given_scale():
    x = accuracy.ordinary_suite()
    assert x.shape == (50, 200)
    np.testing.assert_array_equal(x, np.random.default_rng(1).normal(scale=5.0, size=(50, 200)))
    assert abs(x.std() - 5.0) < 0.1 and abs(x.mean()) < 0.1
    y = accuracy.ordinary_suite(rows=3, n=400, scale=0.5, seed=8)
    assert y.shape == (3, 400) and abs(y.std() - 0.5) < 0.03
    np.testing.assert_array_equal(y, np.random.default_rng(8).normal(scale=0.5, size=(3, 400)))


@pytest.mark.parametrize("name", ["textbook", "shifted", "scipy"])
def test_the_compared_softmaxes_work_on_the_last_axis_against_mpmath(name):
    fn = {"textbook": accuracy.textbook_softmax, "shifted": accuracy.shifted_softmax,
          "scipy": accuracy.scipy_softmax}[name]
    x = np.random.default_rng(6).normal(scale=3.0, size=(2, 3, 4))
    got = fn(x)
    assert got.shape == x.shape
    for index in np.ndindex(2, 3):
        assert max(_mp_ulp_errors(got[index], x[index])) <= 8


@pytest.mark.parametrize("name", ["shifted", "scipy"])
def test_the_shifted_softmaxes_shift_each_row_by_its_own_max(name):
    fn = {"shifted": accuracy.shifted_softmax, "scipy": accuracy.scipy_softmax}[name]
    x = np.array([[1000.0, 999.0, 990.0], [-1000.0, -999.5, -1200.0]])
    got = fn(x)
    for row_got, row in zip(got, x):
        assert max(_mp_ulp_errors(row_got, row)) <= 8


def test_the_textbook_formula_overflows_above_709_78_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        below = accuracy.textbook_softmax(np.array([[709.7, 0.0], [1.0, 2.0]]))
        above = accuracy.textbook_softmax(np.array([[709.8, 0.0], [1.0, 2.0]]))
    assert max(_mp_ulp_errors(below[0], [709.7, 0.0])) <= 8
    assert np.isnan(above[0, 0]) and above[0, 1] == 0
    np.testing.assert_array_equal(above[1], below[1])
    assert max(_mp_ulp_errors(above[1], [1.0, 2.0])) <= 2


def test_methods_names_the_four_versions_in_the_chapter_order():
    assert list(accuracy.methods().items()) == [
        ("textbook formula", accuracy.textbook_softmax),
        ("shifted formula", accuracy.shifted_softmax),
        ("helpers.softmax", softmax),
        ("SciPy", accuracy.scipy_softmax),
    ]


def test_memory_table_lists_every_version_with_its_passes():
    assert accuracy.memory_table() == (
        "version                     reads  writes  how\n"
        "textbook formula                3       2  exp (read, write), sum (read), divide (read, write)\n"
        "shifted formula (SciPy)         5       3  max, subtract, exp, sum, divide: each a full pass, 3 temporaries\n"
        "online softmax (fused)          2       1  running max and rescaled sum (read), then normalise (read, write)\n"
        "helpers.softmax (blocked)       1       1  each block of rows read once, worked on in cache, written once"
    )


def test_median_times_interleaves_the_contenders_and_takes_the_median(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(time, "perf_counter", lambda: clock[0])
    durations = {"a": iter([5.0, 1.0, 4.0, 2.0, 3.0]), "b": iter([0.5, 0.25, 8.0, 0.5, 0.75])}
    calls = []
    x = np.ones(3)

    def contender(name):
        def fn(arg):
            calls.append((name, arg))
            clock[0] += next(durations[name])
        return fn

    times = accuracy.median_times({"a": contender("a"), "b": contender("b")}, x, repeat=5)
    assert times == {"a": 3.0, "b": 0.5} and all(type(t) is float for t in times.values())
    assert [name for name, _ in calls] == ["a", "b"] * 5 and all(arg is x for _, arg in calls)
    calls.clear()
    durations["a"] = iter([1.0] * 7)
    assert accuracy.median_times({"a": contender("a")}, x) == {"a": 1.0}
    assert len(calls) == 7


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
def test_online_softmax_is_within_4_ulp_of_the_exact_softmax(chunk):
    rng = np.random.default_rng(chunk)
    x = rng.normal(scale=5.0, size=(4, 100)) + np.array([[0], [50], [-300], [800]])
    # Wide gaps (where the plain shifted formula loses hundreds of ulps), all-negative rows, a row whose max rises
    # in every chunk (every chunk rescales the running sum) and the chapter's example row.
    x = np.vstack([x, rng.uniform(-300, 300, size=(4, 100)), rng.uniform(-1400, -700, size=(2, 100)),
                   np.linspace(-700.0, 700.0, 100), np.resize([1.7, -612.9, -25.7], 100)])
    hi, lo = accuracy.exact_softmax(x)
    assert accuracy.ulp_error(online_softmax(x, chunk_size=chunk), hi, lo).max() <= 4
    assert accuracy.max_ulp_error(accuracy.shifted_softmax, x, (hi, lo)) > 100  # the suite is not an easy one
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


def test_online_softmax_works_over_the_last_axis_of_a_3d_stack():
    # A (2, 3, 10) stack: the running max and sum must have one entry per row, shape (2, 3), not (2,) or ().
    x = np.random.default_rng(7).normal(scale=4.0, size=(2, 3, 10))
    for chunk in (3, 10):
        np.testing.assert_allclose(online_softmax(x, chunk_size=chunk), scipy.special.softmax(x, axis=-1), rtol=1e-13)


def test_online_softmax_is_silent_even_when_the_caller_raises_on_every_floating_point_error():
    # A first chunk fully masked (-inf - -inf inside the rescaling) and terms that underflow (exp(-1000) = 0):
    # both are expected, so neither may warn or raise, whatever np.seterr the caller chose.
    x = np.array([-np.inf, -np.inf, 0.0, -1000.0, 5.0])
    with np.errstate(all="raise"):
        got = online_softmax(x, chunk_size=2)
    np.testing.assert_allclose(got, scipy.special.softmax(x), rtol=1e-15, atol=0)


@pytest.mark.parametrize("chunk", [0, -2, 1.5, True, "4"])
def test_online_softmax_rejects_a_bad_chunk_size(chunk):
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        online_softmax([1.0, 2.0], chunk_size=chunk)


def test_online_softmax_validates_like_softmax():
    with pytest.raises(ValueError, match="NaN"):
        online_softmax([1.0, np.nan], 2)
    with pytest.raises(ValueError, match="every entry of x is -inf"):
        online_softmax([-np.inf, -np.inf], 2)


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


def test_online_attention_shifts_each_query_by_its_own_max():
    # Two queries whose scores lie about 1500 apart: a shift by the max over all queries would make every
    # exp(score - max) of the second query underflow to 0, and its output 0/0.
    q = np.array([[100.0, 0.0], [-100.0, 0.0]])
    k = np.array([[10.0, 0.0], [11.0, 0.0], [10.5, 0.0]])
    v = np.array([[1.0], [2.0], [3.0]])
    expected = scipy.special.softmax(q @ k.T / np.sqrt(2.0), axis=1) @ v
    for block in (1, 2, 3):
        np.testing.assert_allclose(online_attention(q, k, v, block_size=block), expected, rtol=1e-13)


def test_attention_rejects_mismatched_shapes_and_bad_blocks():
    q, k, v = np.ones((2, 4)), np.ones((6, 4)), np.ones((6, 3))
    with pytest.raises(ValueError, match="matching d"):
        attention(q, np.ones((6, 3)), v)
    with pytest.raises(ValueError, match="matching d"):
        online_attention(q, k, np.ones((5, 3)), 4)
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


def test_each_row_is_computed_once_in_blocks_of_the_budgeted_size(monkeypatch):
    calls = []
    block = _kernels._block
    monkeypatch.setattr(_kernels, "_block", lambda x, *rest: calls.append(len(x)) or block(x, *rest))
    n = 1024
    per_block = _kernels.BLOCK_BYTES // (n * 8)  # 16 rows of 1024 float64 in 128 KiB
    x = np.random.default_rng(11).normal(size=(2 * per_block + 3, n))
    np.testing.assert_allclose(softmax(x), scipy.special.softmax(x, axis=-1), rtol=1e-14)
    assert calls == [per_block, per_block, 3]


def test_a_batch_far_larger_than_a_block_is_split_into_whole_rows():
    # 600 rows of 2048: 8 rows per block; the block size must be a whole number of rows.
    x = np.random.default_rng(12).normal(scale=3.0, size=(600, 2048))
    np.testing.assert_allclose(softmax(x), scipy.special.softmax(x, axis=-1), rtol=1e-14)


def test_the_kernels_row_sums_are_correctly_rounded(monkeypatch):
    """The sum of the exp terms equals math.fsum (the correctly rounded sum) on every row, as ExtractVector promises
    with its power of two sigma; a plain pairwise sum of 3000 terms is off by an ulp on many of these rows."""
    seen = []
    row_sum = _kernels._sum

    def recorded(e, q, r, sigma):
        terms = e.copy()
        total = row_sum(e, q, r, sigma)
        seen.extend(zip(terms, total[:, 0]))
        return total

    monkeypatch.setattr(_kernels, "_sum", recorded)
    rng = np.random.default_rng(5)
    for n in (1000, 3000):
        softmax(np.log(rng.random((60, n)) ** 3))  # terms exp(x - max) spread over [0, 1]
    assert len(seen) == 120
    assert all(total == math.fsum(terms) for terms, total in seen)


def test_the_softmax_family_never_raises_under_the_callers_strictest_error_state():
    x = np.array([[0.0, -800.0, -np.inf, 3.0], [1e300, -1e300, 0.0, 1.0]])  # exp underflows, x - m overflows
    with np.errstate(all="raise"):
        s, ls, lse = softmax(x), log_softmax(x), logsumexp(x)
    np.testing.assert_allclose(s, scipy.special.softmax(x, axis=-1), rtol=1e-15, atol=0)
    assert np.isfinite(lse).all() and np.isfinite(ls[:, [0, 1, 3]]).all()


@pytest.mark.skipif(np.finfo(np.longdouble).precision <= 15, reason="long double is float64 on this platform")
def test_long_double_input_is_computed_in_long_double():
    x = np.array([[0.125, 1.75, -2.25, 40.0]], dtype=np.longdouble)  # exact in every binary format
    got = softmax(x)
    assert got.dtype == np.longdouble
    eps = mpmath.mpf(float(np.finfo(np.longdouble).eps))
    with mpmath.workprec(200):
        terms = [mpmath.exp(mpmath.mpf(float(v))) for v in x[0]]
        exact = [t / mpmath.fsum(terms) for t in terms]
        for value, reference in zip(got[0], exact):
            # Within a few long-double ulps: float64 arithmetic would be off by about 2**-53, 2000 times more.
            assert abs(mpmath.mpf(str(value)) - reference) <= 8 * eps * abs(reference), (value, reference)


@pytest.mark.parametrize("fn", [softmax, log_softmax, logsumexp])
def test_a_column_fully_masked_along_axis_0_is_named_as_such(fn):
    # Rows are fine along the last axis; only along axis 0 is the first column all -inf.
    x = np.array([[-np.inf, 0.0], [-np.inf, 1.0]])
    with pytest.raises(ValueError, match=r"every entry of x is -inf along axis 0 \(for example at 0\)"):
        fn(x, axis=0)


def test_attention_rejects_keys_or_values_that_are_not_matrices():
    q, k, v = np.ones((2, 4)), np.ones((6, 4)), np.ones((6, 3))
    with pytest.raises(ValueError, match="matching d"):
        attention(q, k[0], v)
    with pytest.raises(ValueError, match="matching d"):
        online_attention(q, k, v[:, 0], 4)
    with pytest.raises(ValueError, match="inf"):
        attention(q, np.full((6, 4), np.inf), v)


def test_exact_sum_is_the_fraction_sum_as_a_double_double_checked_in_mpmath():
    values = np.random.default_rng(9).uniform(size=500) * np.logspace(-30, 0, 500)
    hi, lo = accuracy.exact_sum(values)
    with mpmath.workprec(2000):
        exact = mpmath.fsum(mpmath.mpf(float(v)) for v in values)
        assert abs(mpmath.mpf(hi) + mpmath.mpf(lo) - exact) <= abs(exact) * mpmath.mpf(2) ** -105
    assert hi == math.fsum(values)  # fsum is correctly rounded: an independent route to hi


def test_exact_from_sympy_agrees_with_the_mpmath_softmax_reference():
    from helpers import symbolic

    zs = symbolic.logit_symbols(3)
    points = np.array([[1.7, -612.9, -25.7], [-700.0, -740.0, 0.5]])
    hi, lo = accuracy.exact_from_sympy(symbolic.softmax_expr(zs), zs, points)
    ref_hi, ref_lo = accuracy.exact_softmax(points)
    np.testing.assert_array_equal(hi, ref_hi)
    assert np.all(np.abs(lo - ref_lo) <= 1e-30 * np.abs(ref_hi) + 1e-320)


def test_round_times_interleave_the_contenders_round_by_round():
    order = []
    times = accuracy.round_times({"a": lambda x: order.append("a"), "b": lambda x: order.append("b")}, None, repeat=3)
    assert order == ["a", "b"] * 3
    assert {name: t.shape for name, t in times.items()} == {"a": (3,), "b": (3,)} and (times["a"] >= 0).all()
