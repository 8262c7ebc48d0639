"""Tests for helpers.numerics: properties with hypothesis, references from SciPy and finite differences."""

import warnings

import mpmath
import numpy as np
import pytest
import scipy.special
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers import (
    cross_entropy,
    cross_entropy_grad,
    log_softmax,
    logsumexp,
    numerical_gradient,
    numerical_jacobian,
    one_hot,
    softmax,
    softmax_jacobian,
    softmax_naive,
    softmax_vjp,
)

# Hypothesis settings (deterministic examples, how many) come from the profile loaded in tests/conftest.py.

F64 = np.finfo(np.float64)
EXP_OVERFLOW_F64 = np.log(F64.max)  # exp(x) is inf above this (about 709.78)
EXP_ZERO_F64 = -np.log(F64.smallest_subnormal)  # exp(-x) rounds to 0 above this (about 744.44)
TINY = 1e-300  # atol that only forgives subnormal / underflowed tails, never a visible probability
# Below the smallest normal float every result is a multiple of this spacing, so one rounding there can move a
# value by this much whatever its size: a relative tolerance alone is wrong for subnormal results.
SUBNORMAL_ULP = F64.smallest_subnormal

MODERATE = st.floats(-1e3, 1e3)
SMALL = st.floats(-10, 10)
WIDE = st.floats(-1e300, 1e300)


def arrays(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), elements=MODERATE, dtype=np.float64):
    return hnp.arrays(dtype, shape, elements=elements)


@st.composite
def array_and_axis(draw, elements=MODERATE):
    x = draw(arrays(hnp.array_shapes(min_dims=1, max_dims=4, max_side=5), elements))
    return x, draw(st.integers(-x.ndim, x.ndim - 1))


@st.composite
def batch_and_labels(draw, elements=MODERATE, max_m=6, max_k=6):
    m, k = draw(st.integers(1, max_m)), draw(st.integers(1, max_k))
    z = draw(hnp.arrays(np.float64, (m, k), elements=elements))
    y = draw(hnp.arrays(np.int64, (m,), elements=st.integers(0, k - 1)))
    return z, y


@st.composite
def batch_and_soft_targets(draw, elements=MODERATE):
    z, y = draw(batch_and_labels(elements))
    w = draw(hnp.arrays(np.float64, z.shape, elements=st.floats(0, 1)))
    w[np.arange(len(y)), y] += 1.0  # every row gets positive mass, other entries may be 0
    return z, w / w.sum(axis=1, keepdims=True)


@st.composite
def masked_batch(draw, elements=MODERATE):
    """Logits (m, k) with some -inf entries, a mask of them, and one unmasked label per row."""
    z, y = draw(batch_and_labels(elements, max_k=8))
    mask = draw(hnp.arrays(bool, z.shape))
    mask[np.arange(len(y)), y] = False
    z = z.copy()
    z[mask] = -np.inf
    return z, mask, y


def no_warnings(f, *args, **kwargs):
    """Call f with every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args, **kwargs)


def scipy_cross_entropy(z, y):
    """Independent reference for integer labels: -mean(log(softmax)[range(m), y])."""
    p = scipy.special.softmax(z, axis=1)
    return -np.mean(np.log(p[np.arange(len(y)), y]))


# --------------------------------------------------------------------------- softmax


@given(array_and_axis())
def test_softmax_sums_to_one_and_lies_in_unit_interval_on_any_axis(xa):
    x, axis = xa
    s = softmax(x, axis=axis)
    assert s.shape == x.shape
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, atol=1e-14)  # at most 5 terms, each rounded once


@given(array_and_axis())
def test_softmax_matches_scipy_on_any_shape_and_axis(xa):
    x, axis = xa
    np.testing.assert_allclose(softmax(x, axis=axis), scipy.special.softmax(x, axis=axis), rtol=1e-12, atol=TINY)


@given(arrays(), st.floats(-1e3, 1e3))
def test_softmax_is_shift_invariant(x, c):
    # x + c is rounded at ulp(2e3) ~ 5e-13, which moves each probability by that relative amount
    np.testing.assert_allclose(softmax(x + c), softmax(x), rtol=1e-10, atol=TINY)


@given(arrays(hnp.array_shapes(min_dims=1, max_dims=1, max_side=8)))
def test_softmax_preserves_order(x):
    s = softmax(x)
    i, j = np.meshgrid(np.arange(len(x)), np.arange(len(x)), indexing="ij")
    assert np.all(s[i][x[i] < x[j]] <= s[j][x[i] < x[j]])
    assert np.all(s[i][x[i] == x[j]] == s[j][x[i] == x[j]])
    assert s[np.argmax(x)] == s.max()


def test_softmax_axis0_on_3d_normalises_each_column_fibre():
    x = np.random.default_rng(0).normal(scale=5, size=(3, 4, 5))
    s = softmax(x, axis=0)
    for i in range(4):
        for j in range(5):
            np.testing.assert_allclose(s[:, i, j], scipy.special.softmax(x[:, i, j]), rtol=1e-12)


@given(arrays(hnp.array_shapes(min_dims=2, max_dims=2, max_side=6)))
def test_softmax_batch_rows_equal_single_row_calls(x):
    s = softmax(x)
    for i, row in enumerate(x):
        np.testing.assert_allclose(s[i], softmax(row), rtol=1e-15, atol=TINY)


@st.composite
def rows_at_different_scales(draw):
    base = draw(hnp.arrays(np.float64, (draw(st.integers(2, 5)), draw(st.integers(1, 6))), elements=st.floats(-1, 1)))
    scales = 10.0 ** draw(hnp.arrays(np.int64, (base.shape[0], 1), elements=st.integers(-300, 300)))
    return base * scales


@given(rows_at_different_scales())
def test_softmax_normalises_rows_separately_even_at_very_different_scales(x):
    # REFERENCES.md mistake 2: a global max or sum would zero out rows far below the largest one
    s = no_warnings(softmax, x)
    assert np.isfinite(s).all()
    np.testing.assert_allclose(s.sum(axis=1), 1.0, atol=1e-14)
    for i, row in enumerate(x):
        np.testing.assert_allclose(s[i], scipy.special.softmax(row), rtol=1e-12, atol=TINY)


@pytest.mark.parametrize(
    ("dtype", "rtol"),
    [
        (np.float64, 1e-13),  # x - max rounds at ulp64(40) ~ 7e-15, which exp turns into that relative error
        (np.float32, 1e-5),  # x - max rounds at ulp32(40) ~ 4e-6
    ],
)
def test_softmax_keeps_float_dtype_and_accuracy(dtype, rtol):
    @given(arrays(elements=st.floats(-20, 20, width=np.finfo(dtype).bits), dtype=dtype))
    def check(x):
        s = softmax(x)
        assert s.dtype == dtype
        reference = scipy.special.softmax(x.astype(np.float64), axis=-1)
        np.testing.assert_allclose(s.astype(np.float64), reference, rtol=rtol, atol=TINY)
        np.testing.assert_allclose(s.astype(np.float64).sum(axis=-1), 1.0, atol=8 * x.shape[-1] * np.finfo(dtype).eps)

    check()


def assert_within_one_float16_ulp(actual, exact):
    """``actual`` (float16) is within one float16 spacing of ``exact`` (float64): one rounding of a more accurate
    result, as the module promises (float16 is computed in float32 and rounded once). Arithmetic done in float16
    rounds at every step and misses by several spacings."""
    assert actual.dtype == np.float16
    nearest = exact.astype(np.float16)
    spacing = np.spacing(np.abs(nearest)).astype(np.float64)
    error = np.abs(actual.astype(np.float64) - exact)
    worse = error > spacing
    assert not worse.any(), f"errors {error[worse]} exceed one float16 spacing {spacing[worse]}"


@given(arrays(elements=st.floats(-20, 20, width=16), dtype=np.float16))
@example(np.array([-8.0, 2.0, -3.5, 4.0, 0.0, 2.5], dtype=np.float16))
def test_softmax_float16_is_computed_in_float32_and_rounded_once(x):
    assert_within_one_float16_ulp(softmax(x), scipy.special.softmax(x.astype(np.float64), axis=-1))


@given(arrays(elements=st.integers(-50, 50), dtype=np.int64))
def test_softmax_of_integers_is_float64(x):
    s = softmax(x)
    assert s.dtype == np.float64
    np.testing.assert_array_equal(s, softmax(x.astype(np.float64)))
    list_s = softmax(x.tolist())
    assert list_s.dtype == np.float64
    np.testing.assert_array_equal(list_s, s)


@given(masked_batch())
def test_softmax_masked_entries_get_exactly_zero_and_the_rest_renormalise(zmy):
    z, mask, _ = zmy
    s = no_warnings(softmax, z)
    assert np.all(s[mask] == 0.0)
    for i in range(len(z)):
        # the reference never sees the masked classes
        np.testing.assert_allclose(s[i][~mask[i]], scipy.special.softmax(z[i][~mask[i]]), rtol=1e-13, atol=TINY)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_softmax_family_is_finite_and_silent_for_any_finite_input(dtype):
    @given(arrays(elements=st.floats(allow_nan=False, allow_infinity=False, width=np.finfo(dtype).bits), dtype=dtype))
    @example(np.array([-np.finfo(dtype).max, np.finfo(dtype).max], dtype=dtype))
    def check(x):
        s = no_warnings(softmax, x)
        assert np.isfinite(s).all()
        np.testing.assert_allclose(s.astype(np.float64).sum(axis=-1), 1.0, atol=8 * x.shape[-1] * np.finfo(dtype).eps)
        assert np.isfinite(no_warnings(logsumexp, x)).all()
        lsm = no_warnings(log_softmax, x)
        assert np.isfinite(lsm).all() and np.all(lsm <= 0)
        assert np.isfinite(no_warnings(softmax_jacobian, x)).all()

    check()


@given(arrays(elements=WIDE))
@example(np.array([1e300, -1e300, 0.0]))
@example(np.array([-1e300, -1e300 + 1e285]))
def test_softmax_of_huge_and_very_negative_values_is_a_distribution(x):
    s = no_warnings(softmax, x)
    assert np.isfinite(s).all()
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, atol=1e-14)
    np.testing.assert_allclose(s, scipy.special.softmax(x, axis=-1), rtol=1e-12, atol=TINY)


# --------------------------------------------------------------------------- softmax_naive


@given(arrays(elements=st.floats(-50, 50)))
def test_softmax_naive_agrees_with_softmax_for_small_inputs(x):
    # exp(x) without the shift differs from exp(x - max) by a few ulps of x - max <= 100
    np.testing.assert_allclose(softmax_naive(x), softmax(x), rtol=1e-12, atol=TINY)


@given(
    hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(-50, 50)),
    st.floats(EXP_OVERFLOW_F64, 1e308, exclude_min=True),
    st.data(),
)
def test_softmax_naive_overflows_to_nan_silently_above_log_max(x, big, data):
    i = data.draw(st.integers(0, len(x) - 1))
    x = x.copy()
    x[i] = big
    s = no_warnings(softmax_naive, x)
    assert np.isnan(s[i])  # inf / inf
    others = np.arange(len(x)) != i
    assert np.all(s[others] == 0.0)  # finite / inf
    assert np.isfinite(softmax(x)).all()


# --------------------------------------------------------------------------- logsumexp and log_softmax


@given(array_and_axis())
def test_logsumexp_matches_scipy_and_drops_the_axis(xa):
    x, axis = xa
    out = logsumexp(x, axis=axis)
    ref = scipy.special.logsumexp(x, axis=axis)
    assert np.shape(out) == np.shape(ref)
    np.testing.assert_allclose(out, ref, rtol=1e-14, atol=1e-12)  # a few ulps of |x| <= 1e3


def test_logsumexp_of_1d_is_a_scalar_and_survives_where_naive_overflows():
    out = logsumexp(np.array([1000.0, 1000.0]))
    assert np.ndim(out) == 0
    with np.errstate(over="ignore"):
        assert np.isinf(np.log(np.sum(np.exp([1000.0, 1000.0]))))
    np.testing.assert_allclose(out, 1000.0 + np.log(2.0), rtol=1e-15)


@given(array_and_axis())
def test_log_softmax_matches_scipy(xa):
    x, axis = xa
    expected = scipy.special.log_softmax(x, axis=axis)
    np.testing.assert_allclose(log_softmax(x, axis=axis), expected, rtol=1e-14, atol=1e-12)


@given(array_and_axis())
def test_log_softmax_is_x_minus_logsumexp(xa):
    x, axis = xa
    expected = x - np.expand_dims(scipy.special.logsumexp(x, axis=axis), axis)
    np.testing.assert_allclose(log_softmax(x, axis=axis), expected, rtol=1e-14, atol=1e-12)
    np.testing.assert_allclose(log_softmax(x, axis=axis), x - np.expand_dims(logsumexp(x, axis=axis), axis), atol=1e-12)


@given(array_and_axis())
def test_exp_of_log_softmax_is_softmax(xa):
    x, axis = xa
    # an absolute error of a few ulp(2e3) in the log becomes that relative error after exp
    np.testing.assert_allclose(np.exp(log_softmax(x, axis=axis)), softmax(x, axis=axis), rtol=1e-11, atol=TINY)


@given(st.floats(-1e3, 1e3), st.floats(EXP_ZERO_F64 + 1, 1e300))
def test_log_softmax_stays_finite_where_log_of_softmax_is_minus_inf(a, gap):
    x = np.array([a, a - gap])
    with np.errstate(divide="ignore"):
        assert np.log(softmax(x))[1] == -np.inf  # REFERENCES.md mistake 5
    out = log_softmax(x)
    assert np.isfinite(out).all()
    # exact math: [-log1p(e^-gap), -gap - log1p(e^-gap)] and e^-gap rounds to 0 here
    np.testing.assert_allclose(out, [0.0, -gap], rtol=1e-12, atol=1e-12)


@given(masked_batch())
def test_log_softmax_masked_entries_are_minus_inf_and_the_rest_renormalise(zmy):
    z, mask, _ = zmy
    out = no_warnings(log_softmax, z)
    assert np.all(out[mask] == -np.inf)
    assert np.isfinite(out[~mask]).all()
    for i in range(len(z)):
        np.testing.assert_allclose(out[i][~mask[i]], scipy.special.log_softmax(z[i][~mask[i]]), rtol=1e-14, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_logsumexp_and_log_softmax_keep_float_dtype(dtype):
    x = np.array([[0.5, 1.0, -2.0], [3.0, 3.0, 3.0]], dtype=dtype)
    assert logsumexp(x).dtype == dtype
    assert log_softmax(x).dtype == dtype
    assert logsumexp(x.astype(np.int64)).dtype == np.float64


@given(arrays(elements=st.floats(-1e3, 1e3, width=16), dtype=np.float16))
@example(np.array([1000.0, 1000.0], dtype=np.float16))
@example(np.array([-8.0, 2.0, -3.5, 4.0, 0.0, 2.5], dtype=np.float16))
def test_log_softmax_float16_is_computed_in_float32_and_rounded_once(x):
    # The float32 error (eps32 * |x - max|) is far below a float16 spacing of the result, so only the final
    # rounding to float16 remains.
    assert_within_one_float16_ulp(log_softmax(x), scipy.special.log_softmax(x.astype(np.float64), axis=-1))
    assert_within_one_float16_ulp(logsumexp(x), scipy.special.logsumexp(x.astype(np.float64), axis=-1))


# --------------------------------------------------------------------------- softmax_jacobian


@given(arrays(hnp.array_shapes(min_dims=1, max_dims=3, max_side=5)))
def test_softmax_jacobian_shape_symmetry_and_zero_row_sums(x):
    J = softmax_jacobian(x)
    n = x.shape[-1]
    assert J.shape == x.shape + (n,)
    np.testing.assert_array_equal(J, np.swapaxes(J, -1, -2))  # s_i s_j == s_j s_i exactly in IEEE
    np.testing.assert_allclose(J.sum(axis=-1), 0.0, atol=1e-14)  # n <= 5 terms of size <= 1/4


@given(arrays(hnp.array_shapes(min_dims=2, max_dims=2, max_side=5)))
def test_softmax_jacobian_is_diag_s_minus_outer_s_s(x):
    J = softmax_jacobian(x)
    for i, row in enumerate(x):
        s = scipy.special.softmax(row)
        np.testing.assert_allclose(J[i], np.diag(s) - np.outer(s, s), rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(J[i], softmax_jacobian(row), rtol=1e-15, atol=0)


@given(hnp.arrays(np.float64, st.integers(1, 6), elements=SMALL))
def test_softmax_jacobian_matches_finite_differences(x):
    # central differences: O(h^2) = 1e-10 truncation plus O(eps / h) = 2e-11 rounding
    np.testing.assert_allclose(softmax_jacobian(x), numerical_jacobian(softmax, x), atol=1e-8)


@pytest.mark.parametrize(("dtype", "rtol"), [(np.float16, 4e-3), (np.float32, 1e-5), (np.float64, 1e-13)])
def test_softmax_jacobian_keeps_the_float_dtype(dtype, rtol):
    x = np.array([[0.5, -1.0, 2.0], [3.0, 3.0, -4.0]], dtype=dtype)
    J = softmax_jacobian(x)
    assert J.dtype == dtype
    s = scipy.special.softmax(x.astype(np.float64), axis=-1)
    closed_form = s[..., :, None] * np.eye(3) - s[..., :, None] * s[..., None, :]
    # entries are at most 1/4: a few roundings of that size in the working precision
    np.testing.assert_allclose(J.astype(np.float64), closed_form, rtol=rtol, atol=rtol / 4)


# --------------------------------------------------------------------------- softmax_vjp


@given(st.data())
def test_softmax_vjp_equals_g_times_jacobian_and_jacobian_times_g(data):
    x = data.draw(arrays(hnp.array_shapes(min_dims=1, max_dims=3, max_side=6)))
    g = data.draw(hnp.arrays(np.float64, x.shape, elements=SMALL))
    s = scipy.special.softmax(x, axis=-1)
    J = s[..., :, None] * np.eye(x.shape[-1]) - s[..., :, None] * s[..., None, :]  # closed form diag(s) - s s^T
    v = softmax_vjp(x, g)
    assert v.shape == x.shape
    # |g| <= 10 and n <= 6: each product rounds at about n * eps * |g| ~ 1e-14
    np.testing.assert_allclose(v, np.einsum("...i,...ij->...j", g, J), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(v, np.einsum("...ij,...j->...i", J, g), rtol=1e-10, atol=1e-12)


@given(hnp.arrays(np.float64, st.integers(1, 6), elements=SMALL), st.data())
def test_softmax_vjp_matches_gradient_of_g_dot_softmax(x, data):
    g = data.draw(hnp.arrays(np.float64, x.shape, elements=SMALL))
    numeric = numerical_gradient(lambda z: float(g @ scipy.special.softmax(z)), x)
    np.testing.assert_allclose(softmax_vjp(x, g), numeric, atol=1e-7)  # finite differences, |g| <= 10


def mpmath_softmax_vjp(x, g):
    """The gradient of g . softmax(x), differentiated by mpmath at 40 digits (no formula for the derivative)."""
    with mpmath.workdps(40):
        def g_dot_softmax(*z):
            e = [mpmath.exp(zi) for zi in z]
            return mpmath.fsum(gi * ei for gi, ei in zip(g, e)) / mpmath.fsum(e)

        n = len(x)
        z = [mpmath.mpf(float(v)) for v in x]
        return np.array([float(mpmath.diff(g_dot_softmax, z, tuple(int(i == j) for i in range(n)))) for j in range(n)])


@settings(max_examples=20)  # mpmath at 40 digits is slow; 20 examples cover shapes 1 to 4
@given(hnp.arrays(np.float64, st.integers(1, 4), elements=MODERATE), st.data())
def test_softmax_vjp_matches_mpmath_derivative(x, data):
    g = data.draw(hnp.arrays(np.float64, x.shape, elements=SMALL))
    # |g| <= 10: a few float64 roundings of products of size <= 10
    np.testing.assert_allclose(softmax_vjp(x, g), mpmath_softmax_vjp(x, g), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("x", "g"),
    [
        (np.zeros(3), np.zeros(4)),
        (np.zeros((2, 3)), np.zeros(3)),  # broadcastable is not enough: one g row per x row
        (np.zeros((2, 3)), np.zeros((3, 2))),
    ],
)
def test_softmax_vjp_rejects_g_of_the_wrong_shape(x, g):
    with pytest.raises(ValueError, match="shape"):
        softmax_vjp(x, g)


# --------------------------------------------------------------------------- one_hot


@st.composite
def labels_and_num_classes(draw):
    k = draw(st.integers(1, 10))
    shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=5)
    labels = draw(hnp.arrays(np.int64, shapes, elements=st.integers(0, k - 1)))
    return labels, k


@given(labels_and_num_classes())
def test_one_hot_rows_are_unit_vectors_at_the_label(lk):
    labels, k = lk
    y = one_hot(labels, k)
    assert y.shape == labels.shape + (k,)
    assert y.dtype == np.float64
    assert np.all((y == 0) | (y == 1))
    np.testing.assert_array_equal(y.sum(axis=-1), 1.0)
    np.testing.assert_array_equal(y.argmax(axis=-1), labels)
    np.testing.assert_array_equal(y, np.eye(k)[labels])


def test_one_hot_accepts_numpy_int_num_classes_and_lists():
    np.testing.assert_array_equal(one_hot([2, 0], np.int64(3)), [[0, 0, 1], [1, 0, 0]])


# --------------------------------------------------------------------------- cross_entropy


@given(batch_and_labels(st.floats(-50, 50)))
def test_cross_entropy_matches_scipy_reference_for_integer_labels(zy):
    z, y = zy
    # logits within +-50 keep log(softmax) finite; terms are O(100) and round at ~1e-14
    np.testing.assert_allclose(cross_entropy(z, y), scipy_cross_entropy(z, y), rtol=1e-12, atol=1e-12)


@given(batch_and_labels())
def test_cross_entropy_integer_labels_equal_one_hot_targets(zy):
    z, y = zy
    k = z.shape[1]
    np.testing.assert_allclose(cross_entropy(z, y), cross_entropy(z, one_hot(y, k)), rtol=1e-14, atol=1e-14)
    integer_one_hot = np.eye(k, dtype=np.int64)[y]
    np.testing.assert_allclose(cross_entropy(z, y), cross_entropy(z, integer_one_hot), rtol=1e-14, atol=1e-14)


@given(batch_and_soft_targets())
def test_cross_entropy_soft_targets_match_scipy_reference(zt):
    z, t = zt
    expected = -np.mean(np.sum(t * scipy.special.log_softmax(z, axis=1), axis=1))
    # terms up to ~2e3 in size, each rounded at ulp(2e3) ~ 5e-13
    np.testing.assert_allclose(cross_entropy(z, t), expected, rtol=1e-12, atol=1e-11)
    assert cross_entropy(z, t) >= 0


@given(hnp.arrays(np.float64, st.integers(1, 6), elements=MODERATE), st.data())
def test_cross_entropy_single_example_equals_batch_of_one(z, data):
    y = data.draw(st.integers(0, len(z) - 1))
    assert cross_entropy(z, y) == cross_entropy(z[None, :], [y])
    assert cross_entropy(z, one_hot(y, len(z))) == cross_entropy(z[None, :], one_hot([y], len(z)))
    np.testing.assert_array_equal(cross_entropy_grad(z, y), cross_entropy_grad(z[None, :], [y])[0])


@given(batch_and_labels(WIDE))
def test_cross_entropy_is_nonnegative_and_finite_for_one_hot_targets(zy):
    z, y = zy
    loss = no_warnings(cross_entropy, z, y)
    assert np.isfinite(loss) and loss >= 0


@given(batch_and_labels(), st.data())
def test_cross_entropy_is_invariant_to_a_shift_per_row(zy, data):
    z, y = zy
    c = data.draw(hnp.arrays(np.float64, (len(z), 1), elements=MODERATE))
    # shifted logits up to 2e3 round at ulp(2e3) ~ 5e-13 each
    np.testing.assert_allclose(cross_entropy(z + c, y), cross_entropy(z, y), rtol=1e-12, atol=1e-11)


@given(st.floats(EXP_ZERO_F64 + 1, 1e300))
@example(1000.0)
def test_cross_entropy_stays_finite_for_huge_logit_gaps(gap):
    z = np.array([0.0, gap])
    with np.errstate(divide="ignore"):
        assert -np.log(softmax(z))[0] == np.inf  # the naive loss
    # exact math: -log softmax(z)_0 = gap + log1p(e^-gap), -log softmax(z)_1 = log1p(e^-gap)
    np.testing.assert_allclose(cross_entropy(z, 0), gap + np.log1p(np.exp(-gap)), rtol=1e-15)
    np.testing.assert_allclose(cross_entropy(z, 1), np.log1p(np.exp(-gap)), atol=1e-300)


@given(batch_and_labels(), st.integers(2, 4))
@example((np.array([[-1e308, 1e308]]), np.array([0])), 2)
@example((np.array([[713.0, 0.0]]), np.array([0])), 2)  # a subnormal loss, log1p(e^-713) ~ 2.2e-310
def test_cross_entropy_of_repeated_rows_equals_loss_of_one_copy(zy, repeats):
    # the mean of identical per-example losses is that loss; also the module promises no inf for finite input
    z, y = zy
    single = cross_entropy(z, y)
    repeated = cross_entropy(np.tile(z, (repeats, 1)), np.tile(y, repeats))
    assert np.isfinite(repeated)
    # dividing each loss by the batch size and adding rounds once per term; a subnormal loss rounds at SUBNORMAL_ULP
    np.testing.assert_allclose(repeated, single, rtol=1e-14, atol=2 * repeats * SUBNORMAL_ULP)


@given(masked_batch())
def test_cross_entropy_masked_class_with_zero_target_equals_loss_without_it(zmy):
    z, mask, y = zmy
    # the reference: the loss over the unmasked classes only, where label y[i] is at position sum(~mask[i][:y[i]])
    expected = -np.mean(
        [scipy.special.log_softmax(z[i][~mask[i]])[np.sum(~mask[i][: y[i]])] for i in range(len(z))]
    )
    np.testing.assert_allclose(cross_entropy(z, y), expected, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(cross_entropy(z, one_hot(y, z.shape[1])), expected, rtol=1e-13, atol=1e-13)
    grad = cross_entropy_grad(z, y)
    assert np.all(grad[mask] == 0.0)
    assert np.isfinite(grad).all()


def test_cross_entropy_masked_class_emits_no_runtime_warning():
    # 0 * log(0) is taken as 0 by design, so a masked class with zero target should be silent
    z = np.array([[0.0, -np.inf, 1.0]])
    loss = no_warnings(cross_entropy, z, [0])
    np.testing.assert_allclose(loss, -scipy.special.log_softmax([0.0, 1.0])[0], rtol=1e-15)


# --------------------------------------------------------------------------- cross_entropy_grad


@given(batch_and_labels())
def test_cross_entropy_grad_is_softmax_minus_one_hot_over_m(zy):
    z, y = zy
    m, k = z.shape
    expected = (scipy.special.softmax(z, axis=1) - np.eye(k)[y]) / m
    grad = cross_entropy_grad(z, y)
    assert grad.shape == z.shape
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)  # k <= 6 entries of size <= 1/m


@given(batch_and_labels(SMALL))
def test_cross_entropy_grad_matches_finite_differences_for_labels(zy):
    z, y = zy
    # central differences of a loss of size <= 30: rounding eps * 30 / 1e-5 ~ 1e-9, truncation ~ 1e-10
    numerical = numerical_gradient(lambda v: cross_entropy(v, y), z)
    np.testing.assert_allclose(cross_entropy_grad(z, y), numerical, atol=1e-7)


@given(batch_and_soft_targets(SMALL))
def test_cross_entropy_grad_matches_finite_differences_for_soft_targets(zt):
    z, t = zt
    grad = cross_entropy_grad(z, t)
    np.testing.assert_allclose(grad, numerical_gradient(lambda v: cross_entropy(v, t), z), atol=1e-7)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)


@given(hnp.arrays(np.float64, st.integers(1, 6), elements=MODERATE), st.data())
def test_cross_entropy_grad_includes_the_batch_mean(z, data):
    y = data.draw(st.integers(0, len(z) - 1))
    one = cross_entropy_grad(z[None, :], [y])
    two = cross_entropy_grad(np.stack([z, z]), [y, y])
    np.testing.assert_allclose(two, np.vstack([one, one]) / 2, rtol=1e-15, atol=0)
    # a subnormal loss (a logit gap above ~708) halves with a rounding of SUBNORMAL_ULP
    loss = cross_entropy(z, y)
    assert cross_entropy(np.stack([z, z]), [y, y]) == pytest.approx(loss, rel=1e-15, abs=2 * SUBNORMAL_ULP)


@given(batch_and_labels(), st.booleans())
def test_cross_entropy_grad_does_not_mutate_or_alias_its_inputs(zy, as_one_hot):
    # REFERENCES.md mistake 7: dscores = probs; dscores[range(m), y] -= 1
    z, y = zy
    target = one_hot(y, z.shape[1]) if as_one_hot else y
    z_before, target_before = z.copy(), target.copy()
    grad = cross_entropy_grad(z, target)
    loss = cross_entropy(z, target)
    np.testing.assert_array_equal(z, z_before)
    np.testing.assert_array_equal(target, target_before)
    assert not np.shares_memory(grad, z) and not np.shares_memory(grad, target)
    grad_again = cross_entropy_grad(z, target)
    np.testing.assert_array_equal(grad, grad_again)
    assert cross_entropy(z, target) == loss


@pytest.mark.parametrize(
    "f",
    [softmax, softmax_naive, logsumexp, log_softmax, softmax_jacobian, lambda x: softmax_vjp(x, np.ones_like(x))],
    ids=["softmax", "softmax_naive", "logsumexp", "log_softmax", "softmax_jacobian", "softmax_vjp"],
)
def test_softmax_family_does_not_mutate_its_input(f):
    x = np.array([[1.0, -2.0, 3.0], [0.0, -np.inf, 5.0]])
    before = x.copy()
    out = f(x)
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x)


# --------------------------------------------------------------------------- numerical_gradient / numerical_jacobian


@given(arrays(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.floats(-3, 3)))
def test_numerical_gradient_of_sum_of_cubes_is_three_x_squared(x):
    grad = numerical_gradient(lambda v: float(np.sum(v**3)), x)
    assert grad.shape == x.shape
    # the central difference of x**3 is 3x**2 + h**2 exactly; rounding of a sum <= 64 * 27 adds ~3e-8
    np.testing.assert_allclose(grad, 3 * x**2, atol=1e-7)


@given(st.data())
def test_numerical_gradient_of_quadratic_form_is_a_plus_a_transpose_times_x(data):
    n = data.draw(st.integers(1, 5))
    A = data.draw(hnp.arrays(np.float64, (n, n), elements=st.floats(-5, 5)))
    x = data.draw(hnp.arrays(np.float64, (n,), elements=st.floats(-5, 5)))
    # central differences are exact for quadratics; only rounding of f (size <= 625) / 2h remains
    np.testing.assert_allclose(numerical_gradient(lambda v: v @ A @ v, x), (A + A.T) @ x, atol=1e-7)


@given(st.data())
def test_numerical_jacobian_of_linear_map_is_its_matrix(data):
    n, p = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    A = data.draw(hnp.arrays(np.float64, (p, n), elements=st.floats(-5, 5)))
    x = data.draw(hnp.arrays(np.float64, (n,), elements=st.floats(-5, 5)))
    np.testing.assert_allclose(numerical_jacobian(lambda v: A @ v, x), A, atol=1e-8)  # rounding of A@x (~1e-14) / 2h


@given(arrays(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4), st.floats(-3, 3)))
def test_numerical_jacobian_of_elementwise_square_is_diagonal_and_has_output_by_input_shape(x):
    J = numerical_jacobian(lambda v: v**2, x)
    assert J.shape == x.shape + x.shape
    expected = np.diag(2 * x.ravel()).reshape(x.shape + x.shape)
    np.testing.assert_allclose(J, expected, atol=1e-9)  # exact for quadratics up to rounding eps * 9 / 2h


def test_numerical_jacobian_shape_is_output_shape_plus_input_shape():
    J = numerical_jacobian(lambda v: np.array([v.sum(), (v**2).sum(), v[0, 0], 0.0]), np.ones((2, 3)))
    assert J.shape == (4, 2, 3)
    np.testing.assert_allclose(J[0], 1.0, atol=1e-9)
    np.testing.assert_allclose(J[1], 2.0, atol=1e-9)


# --------------------------------------------------------------------------- bad input

LOGIT_FUNCTIONS = [
    pytest.param(softmax, id="softmax"),
    pytest.param(logsumexp, id="logsumexp"),
    pytest.param(log_softmax, id="log_softmax"),
    pytest.param(softmax_jacobian, id="softmax_jacobian"),
    pytest.param(lambda x: softmax_vjp(x, np.ones(np.shape(x))), id="softmax_vjp"),
    pytest.param(lambda x: cross_entropy(x, np.zeros(np.shape(x)[:-1], dtype=int)), id="cross_entropy"),
    pytest.param(lambda x: cross_entropy_grad(x, np.zeros(np.shape(x)[:-1], dtype=int)), id="cross_entropy_grad"),
]

BAD_LOGITS = [
    pytest.param(np.array([0.0, np.nan]), ValueError, "NaN", id="nan"),
    pytest.param(np.float64(np.nan), ValueError, "contains NaN", id="0-d-nan"),
    pytest.param(np.float64(np.inf), ValueError, r"\+inf", id="0-d-plus-inf"),
    pytest.param(np.float64(-np.inf), ValueError, "masked", id="0-d-masked"),
    pytest.param(np.array([0.0, np.inf]), ValueError, r"\+inf", id="plus-inf"),
    pytest.param(np.array([[0.0, 1.0], [-np.inf, -np.inf]]), ValueError, "-inf.*masked", id="fully-masked-row"),
    pytest.param(np.array(["1", "2"]), TypeError, "real numbers", id="str"),
    pytest.param(np.array([1 + 0j, 2 + 0j]), TypeError, "real numbers", id="complex"),
    pytest.param(np.array([True, False]), TypeError, "real numbers", id="bool"),
]


@pytest.mark.parametrize("f", LOGIT_FUNCTIONS)
@pytest.mark.parametrize(("x", "error", "message"), BAD_LOGITS)
def test_bad_logits_raise_a_named_error(f, x, error, message):
    with pytest.raises(error, match=message):
        f(x)


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        pytest.param(np.array([0.0, np.nan]), ValueError, "NaN", id="nan"),
        pytest.param(np.float64(np.nan), ValueError, "NaN", id="0-d-nan"),
        pytest.param(np.array([]), ValueError, "empty", id="empty"),
        pytest.param(np.array([1 + 0j]), TypeError, "real numbers", id="complex"),
        pytest.param(np.array([True]), TypeError, "real numbers", id="bool"),
    ],
)
def test_softmax_naive_bad_input_raises_a_named_error(x, error, message):
    with pytest.raises(error, match=message):
        softmax_naive(x)


@pytest.mark.parametrize("f", [softmax, logsumexp, log_softmax], ids=["softmax", "logsumexp", "log_softmax"])
@pytest.mark.parametrize("axis", [2, -3, 10])
def test_axis_out_of_range_raises(f, axis):
    with pytest.raises(ValueError, match="out of range"):
        f(np.zeros((2, 3)), axis=axis)


@pytest.mark.parametrize("f", [softmax, logsumexp, log_softmax], ids=["softmax", "logsumexp", "log_softmax"])
@pytest.mark.parametrize("axis", [1.5, None])
def test_non_integer_axis_raises(f, axis):
    with pytest.raises(TypeError, match="axis must be an int"):
        f(np.zeros((2, 3)), axis=axis)


LOGITS_2x3 = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]])
BAD_TARGETS = [
    pytest.param(LOGITS_2x3, [0, -1], ValueError, "out of range", id="negative-label"),
    pytest.param(LOGITS_2x3, [0, 3], ValueError, "out of range", id="label-equal-to-k"),
    pytest.param(LOGITS_2x3, [0.0, 1.0], TypeError, "integer", id="float-labels"),
    pytest.param(LOGITS_2x3, [True, False], TypeError, "integer", id="bool-labels"),
    pytest.param(LOGITS_2x3, [[0.5, 0.2, 0.2], [0, 0, 1]], ValueError, "sum to 1", id="row-sums-to-0.9"),
    # the tolerance is sqrt(eps) ~ 1.5e-8: a row off by 1e-6 is a mistake, not rounding
    pytest.param(LOGITS_2x3, [[0.5, 0.5 + 1e-6, 0.0], [0, 0, 1]], ValueError, "sum to 1", id="row-sums-to-1+1e-6"),
    pytest.param(LOGITS_2x3, [[0, 0, 1], [0.5, 0.5 - 1e-6, 0]], ValueError, "row 1 sums to", id="row-sums-to-1-1e-6"),
    pytest.param(LOGITS_2x3, [[1.5, -0.5, 0.0], [0, 0, 1]], ValueError, "negative", id="negative-probability"),
    pytest.param(LOGITS_2x3, [[np.nan, 0, 1], [0, 0, 1]], ValueError, "NaN", id="nan-target"),
    pytest.param(LOGITS_2x3, [[np.inf, 0, 1], [0, 0, 1]], ValueError, "contains inf", id="inf-target"),
    pytest.param(LOGITS_2x3, [[1, 0], [0, 1]], ValueError, "shape", id="target-too-few-classes"),
    pytest.param(LOGITS_2x3, [0, 1, 2], ValueError, "shape", id="labels-too-many"),
    pytest.param(LOGITS_2x3, [[0]], ValueError, "shape", id="labels-2d"),
    pytest.param(np.zeros((2, 3, 4)), np.zeros((2, 3), dtype=int), ValueError, "shape", id="logits-3d"),
    pytest.param(np.array([[0.0, -np.inf, 1.0]]), [1], ValueError, "masked", id="label-on-masked-class"),
    pytest.param(np.array([[0.0, -np.inf, 1.0]]), [[0.5, 0.5, 0.0]], ValueError, "masked", id="soft-mass-on-masked"),
    pytest.param(np.array([0.0, -np.inf]), 1, ValueError, "masked", id="1d-label-on-masked-class"),
    # a single example, logits (k,), with an int label or a (k,) distribution (documented usage)
    pytest.param(np.array([0.0, 1.0]), 5, ValueError, "out of range", id="1d-label-equal-to-5"),
    pytest.param(np.array([0.0, 1.0]), -1, ValueError, "out of range", id="1d-negative-label"),
    pytest.param(np.array([0.0, 1.0]), [0.5, 0.2], ValueError, "sum to 1", id="1d-target-sums-to-0.7"),
    pytest.param(np.array([0.0, 1.0]), [1.5, -0.5], ValueError, "negative", id="1d-negative-probability"),
]


@pytest.mark.parametrize("f", [cross_entropy, cross_entropy_grad], ids=["cross_entropy", "cross_entropy_grad"])
@pytest.mark.parametrize(("z", "target", "error", "message"), BAD_TARGETS)
def test_bad_targets_raise_a_named_error(f, z, target, error, message):
    with pytest.raises(error, match=message):
        f(z, target)


@pytest.mark.parametrize(
    ("x", "g", "error", "message"),
    [
        pytest.param(np.zeros(3), np.array([0.0, np.nan, 1.0]), ValueError, "NaN", id="nan-g"),
        pytest.param(np.zeros(3), np.array([0.0, np.inf, 1.0]), ValueError, "contains inf", id="inf-g"),
        pytest.param(np.zeros(3), np.array([1 + 0j, 0j, 0j]), TypeError, "real numbers", id="complex-g"),
    ],
)
def test_softmax_vjp_bad_g_raises_a_named_error(x, g, error, message):
    with pytest.raises(error, match=message):
        softmax_vjp(x, g)


@pytest.mark.parametrize(
    ("labels", "num_classes", "error", "message"),
    [
        pytest.param([0, 1], 0, ValueError, "at least 1", id="zero-classes"),
        pytest.param([0, 1], -2, ValueError, "at least 1", id="negative-classes"),
        pytest.param([0, 1], 2.0, TypeError, "int", id="float-classes"),
        pytest.param([0, 1], True, TypeError, "int", id="bool-classes"),
        pytest.param([0, 1], "3", TypeError, "int", id="str-classes"),
        pytest.param([0, 3], 3, ValueError, "out of range", id="label-equal-to-k"),
        pytest.param([0, -1], 3, ValueError, "out of range", id="negative-label"),
        pytest.param([0.0, 1.0], 3, TypeError, "integer", id="float-labels"),
        pytest.param(5, 3, ValueError, "out of range", id="scalar-label-out-of-range"),
    ],
)
def test_one_hot_bad_input_raises_a_named_error(labels, num_classes, error, message):
    with pytest.raises(error, match=message):
        one_hot(labels, num_classes)


@pytest.mark.parametrize("numerical", [numerical_gradient, numerical_jacobian], ids=["gradient", "jacobian"])
@pytest.mark.parametrize("eps", [0.0, -1e-5, np.nan, np.inf])
def test_finite_differences_reject_a_nonpositive_or_nonfinite_step(numerical, eps):
    with pytest.raises(ValueError, match="eps"):
        numerical(lambda v: float(np.sum(v)), np.ones(3), eps=eps)


@pytest.mark.parametrize("h", [0.125, 0.5])
def test_finite_differences_use_the_step_they_are_given(h):
    # the central difference of v**3 is exactly 3 v**2 + h**2, so the step shows in the result
    x = np.array([0.0, 1.0, -2.0])
    expected = 3 * x**2 + h**2
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(v**3)), x, eps=h), expected, rtol=1e-14)
    np.testing.assert_allclose(numerical_jacobian(lambda v: v**3, x, eps=h), np.diag(expected), rtol=1e-14)


def test_finite_differences_default_step_is_1e_5():
    # (h**3 - (-h)**3) / 2h = h**2 exactly in real arithmetic; float64 rounding is far below 1e-6 of it
    assert numerical_gradient(lambda v: float(v[0] ** 3), [0.0])[0] == pytest.approx(1e-10, rel=1e-6)
    assert numerical_jacobian(lambda v: v**3, [0.0])[0, 0] == pytest.approx(1e-10, rel=1e-6)


@pytest.mark.parametrize("logits_dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("target_dtype", [np.float16, np.float32])
def test_a_target_is_as_exact_as_its_own_precision_allows(logits_dtype, target_dtype):
    # eleven classes of 1/11: the row's sum in float32 is 1 + 1.2e-7, in float16 1 - 4.9e-4 (one rounding each)
    target = np.full(11, 1 / 11, dtype=target_dtype)
    assert target.sum() != 1
    loss = cross_entropy(np.zeros(11, dtype=logits_dtype), target)
    # equal logits: every log-probability is -log 11, so the loss is log 11 times the row's sum in the logits' dtype
    expected = np.log(11) * target.astype(logits_dtype).astype(np.float64).sum()
    np.testing.assert_allclose(loss, expected, rtol=8 * np.finfo(logits_dtype).eps)


def test_float32_logits_accept_a_float64_target_within_float32_precision():
    target = np.array([0.5, 0.5 + 1e-6, 0.0])  # off by 1e-6: beyond sqrt(eps64) ~ 1.5e-8, within sqrt(eps32) ~ 3e-4
    assert np.isfinite(cross_entropy(np.zeros(3, dtype=np.float32), target))
    with pytest.raises(ValueError, match="sum to 1"):
        cross_entropy(np.zeros(3), target)


def test_the_row_sum_tolerance_is_sqrt_eps_inclusive():
    at_tolerance = [[0.5, 0.5 + 2.0**-26], [1.0, 0.0]]  # sums to exactly 1 + sqrt(eps64) = 1 + 2**-26
    assert np.isfinite(cross_entropy(np.zeros((2, 2)), at_tolerance))
    with pytest.raises(ValueError, match="row 0 sums to 1"):
        cross_entropy(np.zeros((2, 2)), [[0.5, 0.5 + 2.0**-25], [1.0, 0.0]])


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@pytest.mark.parametrize("target", ["labels", "one-hot", "soft"])
def test_cross_entropy_and_its_gradient_keep_the_logits_float_dtype(dtype, target):
    z = np.array([[0.5, -1.0, 2.0], [3.0, 3.0, -4.0]], dtype=dtype)
    y = {"labels": [2, 0], "one-hot": np.eye(3)[[2, 0]], "soft": [[0.25, 0.25, 0.5], [0.5, 0.5, 0.0]]}[target]
    assert np.asarray(cross_entropy(z, y)).dtype == dtype
    assert cross_entropy_grad(z, y).dtype == dtype


# Messages name the argument that is wrong, as the caller called it.
NAMED_ARGUMENT = [
    pytest.param(lambda: softmax_naive([0.0, np.nan]), "^x contains NaN at index 1$", id="softmax_naive-x"),
    pytest.param(
        lambda: softmax([np.inf]), r"^x contains \+inf at index 0: an infinite score has no finite probability$", id="x"
    ),
    pytest.param(
        lambda: cross_entropy([0.0, 1.0, 2.0], [[0]]),
        r"^target has shape \(1, 1\) but logits have shape \(3,\): pass integer labels of shape \(\) or one "
        r"probability row per example, shape \(3,\)$",
        id="target-shape-single-example",
    ),
    pytest.param(lambda: softmax_vjp([0.0, 1.0], [np.nan, 0.0]), "^g contains NaN at index 0$", id="vjp-g"),
    pytest.param(lambda: cross_entropy([[0.0, np.nan]], [0]), "^logits contains NaN at index", id="logits"),
    pytest.param(lambda: cross_entropy([[0.0, 1.0]], [[np.nan, 1.0]]), "^target contains NaN at index", id="target"),
    pytest.param(lambda: numerical_gradient(np.sum, [np.nan]), "^x contains NaN at index 0$", id="gradient-x"),
    pytest.param(
        lambda: cross_entropy(np.zeros((2, 3)), [0.0, 1.0]),
        r"^labels must be integer class indices, got dtype float64 \(for one-hot or soft targets pass one row per "
        r"example, shape \(m, k\)\)$",
        id="float-labels",
    ),
    pytest.param(
        lambda: cross_entropy(np.zeros((2, 3)), [0, 3]),
        r"^labels has 3 at index 1, out of range for 3 classes \(valid labels are 0 to 2\)$",
        id="label-range",
    ),
    pytest.param(lambda: one_hot([0], 2.0), "^num_classes must be an int, got float$", id="num-classes"),
    pytest.param(
        lambda: cross_entropy(np.zeros((2, 3)), [[0]]),
        r"^target has shape \(1, 1\) but logits have shape \(2, 3\): pass integer labels of shape \(2,\) or one "
        r"probability row per example, shape \(2, 3\)$",
        id="target-shape",
    ),
    pytest.param(
        lambda: cross_entropy([[0.0, -np.inf]], [1]),
        r"^target puts probability on a masked class \(logit -inf\) at \(0, 1\): the loss would be infinite$",
        id="mass-on-masked",
    ),
    pytest.param(
        lambda: numerical_gradient(lambda v: float(v.sum()) if v[0] > 1 else v, [1.0, 2.0]),
        r"^f must return a scalar, got shape \(\)$",
        id="f-scalar-one-side-only",
    ),
]


@pytest.mark.parametrize(("call", "message"), NAMED_ARGUMENT)
def test_error_messages_name_the_argument_and_the_fix(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# Every message names the FIRST offending entry (reading order), so a reader finds it where they start looking.
FIRST_BAD_INDEX = [
    pytest.param(lambda: softmax([0.0, np.nan, 1.0, np.nan]), "NaN at index 1$", id="nan"),
    pytest.param(lambda: softmax([[0.0, 1.0], [np.nan, 0.0], [0.0, np.nan]]), r"NaN at index \(1, 0\)$", id="nan-2d"),
    pytest.param(lambda: softmax([0.0, 1.0, np.inf, np.inf]), r"\+inf at index 2:", id="plus-inf"),
    pytest.param(
        lambda: softmax([[0.0, 1.0], [-np.inf, -np.inf], [-np.inf, -np.inf]]), r"for example at 1\)", id="masked-row"
    ),
    pytest.param(lambda: cross_entropy(np.zeros((3, 2)), [0, 5, 7]), "has 5 at index 1, out of range", id="label"),
    pytest.param(lambda: one_hot([[0, 1], [9, 8]], 3), r"has 9 at index \(1, 0\)", id="one-hot-label"),
    pytest.param(
        lambda: cross_entropy(np.zeros((3, 2)), [[1.0, 0.0], [1.5, -0.5], [2.0, -1.0]]),
        r"negative probability at index \(1, 1\)$",
        id="negative-probability",
    ),
    pytest.param(
        lambda: cross_entropy(np.zeros((3, 2)), [[1, 0], [0.5, 0.4], [0.1, 0.1]]), "row 1 sums to 0.9$", id="row-sum"
    ),
    pytest.param(
        lambda: cross_entropy(np.zeros((2, 2)), [[1, np.inf], [np.inf, 0]]), r"inf at index \(0, 1\)$", id="inf-target"
    ),
    pytest.param(
        lambda: cross_entropy([[0.0, -np.inf, -np.inf]], [[0.0, 0.5, 0.5]]), r"at \(0, 1\):", id="mass-on-masked"
    ),
    pytest.param(lambda: softmax_vjp(np.zeros(4), [0.0, np.inf, 0.0, np.inf]), "inf at index 1$", id="inf-g"),
    pytest.param(lambda: numerical_gradient(np.sum, [1.0, 2.0, np.inf, np.inf]), "inf at index 2$", id="inf-x"),
]


@pytest.mark.parametrize(("call", "message"), FIRST_BAD_INDEX)
def test_error_messages_name_the_first_bad_entry(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


@pytest.mark.parametrize(
    ("f", "x", "error", "message"),
    [
        pytest.param(lambda v: v, np.ones(3), ValueError, "scalar", id="vector-valued-f"),
        pytest.param(lambda v: v[:1], np.ones(3), ValueError, "scalar", id="shape-1-f"),
        pytest.param(lambda v: float(v.sum()), np.array([1.0, np.inf]), ValueError, "inf", id="inf-x"),
        pytest.param(lambda v: float(v.sum()), np.array([1.0, np.nan]), ValueError, "NaN", id="nan-x"),
        pytest.param(lambda v: float(v.sum()), np.array([]), ValueError, "empty", id="empty-x"),
        pytest.param(lambda v: float(v), np.float64(np.nan), ValueError, "NaN", id="0-d-nan-x"),
        pytest.param(lambda v: float(v), np.float64(np.inf), ValueError, "contains inf", id="0-d-inf-x"),
    ],
)
def test_numerical_gradient_bad_input_raises_a_named_error(f, x, error, message):
    with pytest.raises(error, match=message):
        numerical_gradient(f, x)


# --------------------------------------------------------------------------- accuracy of the log1p form


@given(st.integers(-1000, 1000), st.integers(40, 700))
def test_log_softmax_of_the_top_score_keeps_a_tiny_remainder(a, gap):
    # Integers keep a - gap exact.  log softmax of the top score is -log1p(exp(-gap)), about -exp(-gap),
    # which a plain log(sum) rounds to 0.
    expected = -np.log1p(np.exp(-float(gap)))
    top = log_softmax(np.array([a, a - gap], dtype=float))[0]
    assert expected != 0.0
    assert top == pytest.approx(expected, rel=1e-12)
    assert logsumexp(np.array([0.0, -gap])) == pytest.approx(-expected, rel=1e-12)
