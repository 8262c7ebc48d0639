"""Chapter 3, exercises 1 and 2: attempts at the softmax Jacobian (check_softmax_jacobian) and its
vector-Jacobian product (check_softmax_vjp), as learners write them."""

import math

import numpy as np
import scipy.special

from helpers.checks import check_softmax_jacobian, check_softmax_vjp
from student_attempts import correct, wrong


def _stable(x, axis=-1):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --------------------------------------------------------------------------- check_softmax_jacobian: correct


def jacobian_broadcast(x):
    s = _stable(x)
    return s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :]


def jacobian_loops(x):
    """Entry by entry with math.exp, one row of the batch at a time, nested lists."""
    x = np.asarray(x, dtype=float)
    rows = x.reshape(-1, x.shape[-1])
    out = []
    for row in rows:
        m = max(row)
        e = [math.exp(v - m) for v in row]
        s = [v / sum(e) for v in e]
        n = len(s)
        out.append([[s[i] * ((1.0 if i == j else 0.0) - s[j]) for j in range(n)] for i in range(n)])
    return np.array(out).reshape(x.shape + x.shape[-1:])


def jacobian_einsum_scipy(x):
    s = scipy.special.softmax(x, axis=-1)
    return np.einsum("...i,ij->...ij", s, np.eye(s.shape[-1])) - np.einsum("...i,...j->...ij", s, s)


def jacobian_stack_of_diag_outer(x):
    """np.diag and np.outer work on one row: apply them row by row and stack."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        s = _stable(x)
        return np.diag(s) - np.outer(s, s)
    return np.stack([jacobian_stack_of_diag_outer(row) for row in x])


def jacobian_from_log_softmax(x):
    """diag(s) (I - 1 s^T): the log-softmax Jacobian with row i multiplied by s_i."""
    s = _stable(x)
    n = s.shape[-1]
    return s[..., :, None] * (np.eye(n) - s[..., None, :])


def jacobian_float32(x):
    s = _stable(np.asarray(x, dtype=np.float32))
    return s[..., :, None] * np.eye(s.shape[-1], dtype=np.float32) - s[..., :, None] * s[..., None, :]


def jacobian_post_style(x):
    """The neuralthreads formula, s * (I - s.T), with s a column: correct, one row at a time."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        return np.stack([jacobian_post_style(row) for row in x])
    s = _stable(x).reshape(-1, 1)
    return s * (np.eye(len(s)) - s.T)


# --------------------------------------------------------------------------- check_softmax_jacobian: wrong


def diagonal_only(x):
    s = _stable(x)
    return s[..., :, None] * (1 - s)[..., :, None] * np.eye(s.shape[-1])


def elementwise_derivative(x):
    """The sigmoid habit: one derivative per score."""
    s = _stable(x)
    return s * (1 - s)


def sign_flipped(x):
    s = _stable(x)
    return s[..., :, None] * s[..., None, :] - s[..., :, None] * np.eye(s.shape[-1])


def outer_only(x):
    s = _stable(x)
    return -s[..., :, None] * s[..., None, :]


def log_softmax_jacobian(x):
    s = _stable(x)
    return np.eye(s.shape[-1]) - s[..., None, :]


def scores_for_probabilities(x):
    """Forgot to apply softmax: the formula is fed the scores themselves."""
    x = np.asarray(x, dtype=float)
    return x[..., :, None] * np.eye(x.shape[-1]) - x[..., :, None] * x[..., None, :]


def no_shift(x):
    e = np.exp(x)
    s = e / e.sum(axis=-1, keepdims=True)
    return s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :]


def diag_outer_on_a_batch(x):
    """np.diag and np.outer used on the whole batch at once."""
    s = _stable(x)
    return np.diag(s) - np.outer(s, s) if s.ndim == 1 else np.diag(s.ravel()) - np.outer(s, s)


def batch_axis_last(x):
    s = _stable(x)
    return np.moveaxis(s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :], 0, -1)


def global_max(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max())
    s = e / e.sum(axis=-1, keepdims=True)
    return s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :]


def one_normalisation_for_the_batch(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max())
    s = e / e.sum()
    return s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :]


def transposed_typo(x):
    """A hand-built matrix with one index wrong (like the post's typo): -s_i s_i where -s_i s_j belongs."""
    s = _stable(x)
    jac = s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :]
    jac[..., -1, -2] = -s[..., -1] ** 2
    return jac


def no_return(x):
    s = _stable(x)
    print(np.diag(s) - np.outer(s, s))


# --------------------------------------------------------------------------- check_softmax_vjp: correct


def vjp_direct(x, g):
    s = _stable(x)
    return s * (g - np.sum(s * g, axis=-1, keepdims=True))


def vjp_via_full_matrix(x, g):
    """Builds J and multiplies: correct, only wasteful (the check adds advice)."""
    s = _stable(x)
    jac = s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :]
    return np.einsum("...ij,...i->...j", jac, g)


def vjp_loops(x, g):
    x, g = np.asarray(x, dtype=float), np.asarray(g, dtype=float)
    rows, grads = x.reshape(-1, x.shape[-1]), g.reshape(-1, g.shape[-1])
    out = []
    for row, grad in zip(rows, grads):
        m = max(row)
        e = [math.exp(v - m) for v in row]
        s = [v / sum(e) for v in e]
        dot = sum(a * b for a, b in zip(s, grad))
        out.append([s[j] * (grad[j] - dot) for j in range(len(s))])
    return np.array(out).reshape(x.shape)


def vjp_expanded(x, g):
    """s * g - s * <s, g>, multiplied out."""
    s = scipy.special.softmax(x, axis=-1)
    return s * g - s * (s * g).sum(axis=-1, keepdims=True)


def vjp_matmul_dot(x, g):
    """The dot product with a matrix product, one per row."""
    s = _stable(x)
    dot = (s[..., None, :] @ np.asarray(g)[..., :, None])[..., 0]
    return s * (g - dot)


def vjp_float32(x, g):
    s = _stable(np.asarray(x, dtype=np.float32))
    g = np.asarray(g, dtype=np.float32)
    return s * (g - np.sum(s * g, axis=-1, keepdims=True))


def vjp_in_place_on_a_copy(x, g):
    s = _stable(x)
    out = np.array(g, dtype=float, copy=True)
    out -= np.sum(s * out, axis=-1, keepdims=True)
    out *= s
    return out


# --------------------------------------------------------------------------- check_softmax_vjp: wrong


def vjp_diagonal_only(x, g):
    s = _stable(x)
    return s * (1 - s) * g


def vjp_sign_flipped(x, g):
    s = _stable(x)
    return s * (np.sum(s * g, axis=-1, keepdims=True) - g)


def vjp_no_dot_term(x, g):
    return _stable(x) * g


def vjp_no_s_factor(x, g):
    s = _stable(x)
    return g - np.sum(s * g, axis=-1, keepdims=True)


def vjp_swapped(x, g):
    s = _stable(x)
    return g * (s - np.sum(s * g, axis=-1, keepdims=True))


def vjp_mean(x, g):
    s = _stable(x)
    return s * (g - np.mean(s * g, axis=-1, keepdims=True))


def vjp_dot_over_batch(x, g):
    s = _stable(x)
    return s * (g - np.sum(s * g))


def vjp_scores(x, g):
    x = np.asarray(x, dtype=float)
    return x * (g - np.sum(x * g, axis=-1, keepdims=True))


def vjp_no_shift(x, g):
    e = np.exp(x)
    s = e / e.sum(axis=-1, keepdims=True)
    return s * (g - np.sum(s * g, axis=-1, keepdims=True))


def vjp_matmul_batch(x, g):
    """g @ J with a batch of Jacobians multiplies every row of g with every Jacobian."""
    s = _stable(x)
    jac = s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :]
    return g @ jac


def vjp_returns_matrix(x, g):
    s = _stable(x)
    return (s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :]) * g[..., None, :]


def vjp_transposed_output(x, g):
    return vjp_direct(x, g).T


def vjp_raises(x, g):
    s = _stable(x)
    return s * (g - np.dot(s, g))  # np.dot of two (m, n) arrays does not line up


# --------------------------------------------------------------------------- more attempts: rarer mistakes


def exp_without_division(x):
    """Forgot to normalise: the exponentials stand in for the probabilities."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e[..., :, None] * np.eye(e.shape[-1]) - e[..., :, None] * e[..., None, :]


def softmax_over_columns(x):
    """sum(axis=0), as for column vectors: right for one vector, wrong for a batch of rows."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=0))
    s = e / e.sum(axis=0)
    return s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :]


def loop_keeps_last_row(x):
    """A loop over the rows that overwrites J instead of collecting one matrix per row."""
    x = np.asarray(x, dtype=float)
    for row in np.atleast_2d(x):
        s = _stable(row)
        jac = np.diag(s) - np.outer(s, s)
    return jac


def vjp_log_softmax(x, g):
    """The product for log-softmax, g - s <1, g>, taken for that of softmax."""
    s = _stable(x)
    return g - s * np.sum(g, axis=-1, keepdims=True)


def vjp_sum_of_g(x, g):
    """<1, g> where <s, g> belongs: the weights s are left out of the dot product."""
    s = _stable(x)
    return s * (g - np.sum(g, axis=-1, keepdims=True))


def vjp_softmax_over_columns(x, g):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=0))
    s = e / e.sum(axis=0)
    return s * (g - np.sum(s * g, axis=-1, keepdims=True))


def vjp_scipy_softmax_default_axis(x, g):
    """scipy.special.softmax without axis= normalises over the whole array."""
    s = scipy.special.softmax(x)
    return s * (g - np.sum(s * g, axis=-1, keepdims=True))


JAC, VJP = check_softmax_jacobian, check_softmax_vjp

ATTEMPTS = [
    # check_softmax_jacobian
    correct("jacobian: broadcasting", jacobian_broadcast, JAC),
    correct("jacobian: loops with math.exp", jacobian_loops, JAC),
    correct("jacobian: einsum with scipy softmax", jacobian_einsum_scipy, JAC),
    correct("jacobian: np.diag and np.outer per row", jacobian_stack_of_diag_outer, JAC),
    correct("jacobian: diag(s) (I - 1 s^T)", jacobian_from_log_softmax, JAC),
    correct("jacobian: float32", jacobian_float32, JAC),
    correct("jacobian: the post's s * (I - s.T), per row", jacobian_post_style, JAC),
    wrong("jacobian: diagonal only", diagonal_only, JAC, "diagonal only", "-s_i s_j"),
    wrong("jacobian: one derivative per score", elementwise_derivative, JAC, "only the diagonal", "n x n"),
    wrong("jacobian: sign flipped", sign_flipped, JAC, "sign flipped"),
    wrong("jacobian: -s s^T alone", outer_only, JAC, "diagonal term is missing"),
    wrong("jacobian: log-softmax Jacobian", log_softmax_jacobian, JAC, "log-softmax", "multiply row i by s_i"),
    wrong("jacobian: scores for probabilities", scores_for_probabilities, JAC, "not shift-invariant", "softmax(x)"),
    wrong("jacobian: no shift", no_shift, JAC, "nan for large scores", "maximum", failed_case="large scores"),
    wrong("jacobian: np.diag and np.outer on a batch", diag_outer_on_a_batch, JAC, "np.outer flattens"),
    wrong("jacobian: batch axis last", batch_axis_last, JAC, "transposed batch axes"),
    wrong("jacobian: max over the whole batch", global_max, JAC, "per row", failed_case="rows far apart"),
    wrong("jacobian: one normalisation for the batch", one_normalisation_for_the_batch, JAC,
          "one normalisation for the whole batch"),
    wrong("jacobian: one index wrong", transposed_typo, JAC, "not symmetric", "check the indices"),
    wrong("jacobian: printed, not returned", no_return, JAC, "return", "missing"),
    wrong("jacobian: exponentials not normalised", exp_without_division, JAC, "rows of your matrix do not sum to 0"),
    wrong("jacobian: softmax over axis 0", softmax_over_columns, JAC, "wrong axis", "axis=-1",
          failed_case="a batch of 3 rows"),
    wrong("jacobian: a loop that keeps the last row's J", loop_keeps_last_row, JAC, "one Jacobian per row",
          "(3, 4, 4)"),
    # check_softmax_vjp
    correct("vjp: direct", vjp_direct, VJP),
    correct("vjp: via the full matrix", vjp_via_full_matrix, VJP),
    correct("vjp: loops with math.exp", vjp_loops, VJP),
    correct("vjp: multiplied out, scipy softmax", vjp_expanded, VJP),
    correct("vjp: dot product with matmul", vjp_matmul_dot, VJP),
    correct("vjp: float32", vjp_float32, VJP),
    correct("vjp: in place on a copy", vjp_in_place_on_a_copy, VJP),
    wrong("vjp: diagonal only", vjp_diagonal_only, VJP, "diagonal only"),
    wrong("vjp: sign flipped", vjp_sign_flipped, VJP, "sign flipped"),
    wrong("vjp: no <s, g> term", vjp_no_dot_term, VJP, "<s, g> term is missing"),
    wrong("vjp: no factor s", vjp_no_s_factor, VJP, "factor s is missing"),
    wrong("vjp: s and g swapped", vjp_swapped, VJP, "swapped"),
    wrong("vjp: mean instead of sum", vjp_mean, VJP, "a sum, not a mean"),
    wrong("vjp: <s, g> over the whole batch", vjp_dot_over_batch, VJP, "one number per row"),
    wrong("vjp: scores for probabilities", vjp_scores, VJP, "not shift-invariant"),
    wrong("vjp: no shift", vjp_no_shift, VJP, "nan for large scores", failed_case="large scores"),
    wrong("vjp: g @ J on a batch", vjp_matmul_batch, VJP, "transposed batch axes", "einsum"),
    wrong("vjp: returns a matrix", vjp_returns_matrix, VJP, "returned a matrix"),
    wrong("vjp: transposed output", vjp_transposed_output, VJP, "transposed batch axes"),
    wrong("vjp: np.dot on a batch", vjp_raises, VJP, "raised ValueError"),
    wrong("vjp: the log-softmax product", vjp_log_softmax, VJP, "the values differ from s * (g - <s, g>)"),
    wrong("vjp: <1, g> for <s, g>", vjp_sum_of_g, VJP, "does not sum to 0"),
    wrong("vjp: softmax over axis 0", vjp_softmax_over_columns, VJP, "wrong axis", failed_case="a batch of 3 rows"),
    wrong("vjp: scipy softmax without axis", vjp_scipy_softmax_default_axis, VJP,
          "one normalisation for the whole batch", "axis=-1", failed_case="a batch of 3 rows"),
]
