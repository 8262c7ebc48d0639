"""The peers' edge cases (issue 26): empty arrays, an empty axis, 0-d input, and attention's dtype.

SciPy is the live reference where it answers; where SciPy 1.17 itself raises (softmax along an empty axis), the
value PyTorch 2.13.0 returns is recorded in a comment (computed in a throwaway environment; PyTorch is no dependency
of the book)."""

import numpy as np
import pytest
import scipy.special

from helpers import (
    attention,
    log_softmax,
    logsumexp,
    one_hot,
    online_attention,
    online_softmax,
    softmax,
    softmax_jacobian,
    softmax_vjp,
)

# (shape, axis): a batch of no rows, rows of no scores, softmax([]), and an empty middle axis.
# torch 2.13.0: softmax and log_softmax keep each shape; logsumexp gives [], ten -inf, -inf and a (3, 2) block of -inf.
EMPTY = [((0, 10), -1), ((10, 0), -1), ((0,), -1), ((3, 0, 2), 1), ((0, 4), 0)]


@pytest.mark.parametrize(("shape", "axis"), EMPTY, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_an_empty_array_gives_an_empty_result_of_the_same_shape(shape, axis, dtype):
    x = np.zeros(shape, dtype=dtype)
    out_dtype = np.float64 if dtype == np.int64 else dtype
    for f in (softmax, log_softmax):
        out = f(x, axis=axis)
        assert out.shape == shape and out.dtype == out_dtype
    if shape[axis]:  # SciPy 1.17's softmax raises along an empty axis ("zero-size array to reduction"); torch does not
        assert scipy.special.softmax(x, axis=axis).shape == shape


@pytest.mark.parametrize(("shape", "axis"), EMPTY, ids=str)
def test_logsumexp_over_an_empty_axis_is_minus_infinity_as_in_scipy(shape, axis):
    x = np.zeros(shape)
    expected = scipy.special.logsumexp(x, axis=axis)  # the log of an empty sum, -inf (torch 2.13.0 agrees)
    got = logsumexp(x, axis=axis)
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_array_equal(got, expected)
    if shape[axis] == 0 and np.size(got):
        assert np.isneginf(got).all()


def test_logsumexp_of_an_empty_list_is_minus_infinity():
    assert logsumexp([]) == scipy.special.logsumexp([]) == -np.inf


def test_the_online_softmax_the_jacobian_and_the_vjp_of_an_empty_batch_are_empty():
    x = np.zeros((0, 5))
    assert online_softmax(x, chunk_size=2).shape == (0, 5)
    assert online_softmax(np.zeros((4, 0)), chunk_size=2).shape == (4, 0)
    assert softmax_vjp(x, x).shape == (0, 5)
    assert softmax_jacobian(x).shape == (0, 5, 5)


def test_one_hot_of_no_labels_is_an_empty_batch():
    assert one_hot([], 3).shape == (0, 3)
    assert one_hot(np.zeros((2, 0), dtype=int), 4).shape == (2, 0, 4)


# 0-d input is one score of one class; torch 2.13.0: softmax(1000.0) = 1.0, log_softmax(1.0) = 0.0, logsumexp(1.0) = 1.0
@pytest.mark.parametrize("value", [1000.0, 1.0, -745.0, 0.0])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_a_scalar_is_one_class_as_in_scipy(value, dtype):
    x = dtype(value) if np.isfinite(dtype(value)) else dtype(10.0)
    for ours, scipys in [(softmax, scipy.special.softmax), (log_softmax, scipy.special.log_softmax),
                         (logsumexp, scipy.special.logsumexp)]:
        got = ours(x)
        assert np.shape(got) == () and got.dtype == dtype
        assert got == scipys(np.float64(x))
    assert online_softmax(x, chunk_size=1) == 1.0


@pytest.mark.parametrize("axis", [0, -1])
def test_a_scalar_takes_axis_0_or_minus_1_as_pytorch_does(axis):
    assert softmax(3.0, axis=axis) == 1.0 and logsumexp(3.0, axis=axis) == 3.0


@pytest.mark.parametrize("f", [softmax, log_softmax, logsumexp])
def test_a_scalar_refuses_any_other_axis(f):
    # torch 2.13.0: "Dimension out of range (expected to be in range of [-1, 0], but got 1)"
    with pytest.raises(ValueError, match="axis 1 is out of range"):
        f(3.0, axis=1)


def test_the_derivatives_of_one_class_are_zero():
    # its probability is 1 whatever the score: d softmax / dz = 0
    assert softmax_jacobian(2.0) == 0.0 and np.shape(softmax_jacobian(2.0)) == ()
    assert softmax_vjp(2.0, 5.0) == 0.0


Q = np.array([[0.5, -1.0], [2.0, 0.25], [1.5, 1.0]])
K = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0], [0.5, 0.5]])
V = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 1.0], [3.0, 0.0, -1.0], [0.25, 0.5, 2.0]])


def reference_attention(q, k, v):
    return scipy.special.softmax(q @ k.T / np.sqrt(q.shape[1]), axis=1) @ v


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_attention_keeps_the_input_dtype(dtype):
    # torch 2.13.0: F.scaled_dot_product_attention of float32 (float16) tensors is float32 (float16)
    q, k, v = (a.astype(dtype) for a in (Q, K, V))
    expected = reference_attention(*(a.astype(np.float64) for a in (q, k, v))).astype(dtype)
    for out in (attention(q, k, v), online_attention(q, k, v, block_size=3)):
        assert out.dtype == dtype
        # computed in float64 and rounded once: the nearest float of the dtype, or its neighbour
        np.testing.assert_allclose(out, expected, rtol=2 * np.finfo(dtype).eps, atol=np.finfo(dtype).tiny)


def test_attention_of_integers_or_mixed_dtypes_is_their_common_float_type():
    assert attention(Q.astype(int), K.astype(int), V.astype(int)).dtype == np.float64
    assert attention(Q.astype(np.float32), K, V.astype(np.float16)).dtype == np.float64
    assert online_attention(Q.astype(np.float32), K.astype(np.float32), V.astype(np.float16), 2).dtype == np.float32
