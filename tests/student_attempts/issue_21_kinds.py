"""Attempts written afresh for every kind of mistake issue 21 found misjudged or badly named, chapter by chapter:
the two false accepts of the online softmax, the symbols of chapter 4's exercise, each misleading hint (a cause
the code does not have) and each generic message of check_expression and check_tempered_loss.  Each wrong attempt
must be named for what it is, and only for that."""

from functools import partial

import numpy as np
import scipy.linalg
import scipy.special
import sympy as sp

from helpers.checks import (
    check_bias_gradient,
    check_cross_entropy,
    check_expression,
    check_log_softmax,
    check_online_softmax,
    check_softmax,
    check_softmax_jacobian,
    check_softmax_vjp,
    check_tempered_loss,
    check_two_sum,
)
from student_attempts import correct, wrong

z1, z2, z3 = sp.symbols("z1 z2 z3", real=True)
T = sp.Symbol("T", positive=True)
SUM2 = sp.exp(z1) + sp.exp(z2)
SUM3 = sp.exp(z1) + sp.exp(z2) + sp.exp(z3)
TOTAL_T = sp.exp(z1 / T) + sp.exp(z2 / T) + sp.exp(z3 / T)
S3 = [sp.exp(z) / SUM3 for z in (z1, z2, z3)]
S_T = [sp.exp(z / T) / TOTAL_T for z in (z1, z2, z3)]

check_s1 = partial(check_expression, reference=sp.exp(z1) / SUM2, name="s_1 for two classes", as_function_of=z1 - z2)
check_dlse = partial(check_expression, reference=sp.diff(sp.log(SUM3), z1), name="d LSE / d z1")
check_entry_t = partial(check_expression, reference=sp.diff(sp.exp(z1 / T) / TOTAL_T, z2), name="d s_1 / d z_2 at T")
check_mixed = partial(check_expression, reference=sp.diff(-sp.log(S3[0]), z1, z2), name="d2L / dz1 dz2",
                      symbols={"s1": S3[0], "s2": S3[1], "s3": S3[2]})


# --------------------------------------------------------------------------- chapter 1

def softmax_into_an_integer_array(x):
    """The output array is made like the input's indices, and the fractions are cut off on assignment."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    out = np.zeros(x.shape, dtype=int)
    out[...] = e / e.sum(axis=-1, keepdims=True)
    return out


def softmax_none_on_a_scalar_max(x):
    """np.max without an axis is one number; [:, None] on it fails."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x)[:, None])
    return e / e.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------- chapter 2

def log_softmax_shift_by_min(x):
    x = np.asarray(x, dtype=float)
    low = x.min(axis=-1, keepdims=True)
    return x - low - np.log(np.exp(x - low).sum(axis=-1, keepdims=True))


# --------------------------------------------------------------------------- chapter 3

def jacobian_in_half_precision(x):
    s = scipy.special.softmax(np.asarray(x, dtype=np.float16), axis=-1).astype(np.float16)
    return s[..., :, None] * np.eye(s.shape[-1], dtype=np.float16) - s[..., :, None] * s[..., None, :]


def vjp_in_half_precision(x, g):
    s = scipy.special.softmax(np.asarray(x), axis=-1).astype(np.float16)
    g = np.asarray(g, dtype=np.float16)
    return s * (g - np.sum(s * g, axis=-1, keepdims=True))


def jacobian_block_diagonal(x):
    """For a batch, the Jacobian of the whole flattened batch: block diagonal, on purpose."""
    s = scipy.special.softmax(np.asarray(x, dtype=float), axis=-1)
    if s.ndim == 1:
        return np.diag(s) - np.outer(s, s)
    return scipy.linalg.block_diag(*[np.diag(row) - np.outer(row, row) for row in s])


def jacobian_outer_on_the_batch_axis(x):
    """s[:, None] and s[None, :] are right for one row, and index the batch axis of a batch."""
    x = np.asarray(x, dtype=float)
    s = scipy.special.softmax(x, axis=-1)
    return s[..., :, None] * np.eye(x.shape[-1]) - s[:, None] * s[None, :]


# --------------------------------------------------------------------------- chapter 4

def loss_with_float_labels(logits, labels):
    log_p = scipy.special.log_softmax(logits, axis=1)
    labels = np.asarray(labels, dtype=float)  # "to be safe"
    return -log_p[np.arange(len(labels)), labels].mean()


def loss_shift_by_row_min(logits, labels):
    shifted = logits - logits.min(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return -np.log(p[np.arange(len(labels)), labels]).mean()


def bias_gradient_one_hot_from_unique(z, y):
    one_hot = np.eye(len(np.unique(y)))[y]
    return (scipy.special.softmax(z, axis=1) - one_hot).mean(axis=0)


# --------------------------------------------------------------------------- chapter 5

def tempered_nan_to_num(z, y, T):
    p = scipy.special.softmax(np.asarray(z) / T, axis=1)
    with np.errstate(divide="ignore"):
        log_p = np.nan_to_num(np.log(p))
    return -log_p[np.arange(len(y)), y].mean()


def tempered_clip_1e300(z, y, T):
    p = scipy.special.softmax(np.asarray(z) / T, axis=1)
    return -np.log(np.clip(p[np.arange(len(y)), y], 1e-300, 1.0)).mean()


def tempered_with_log_softmax(z, y, T):
    return -scipy.special.log_softmax(np.asarray(z) / T, axis=1)[np.arange(len(y)), y].mean()


# --------------------------------------------------------------------------- chapter 6

def online_first_chunk_counted_twice(chunks):
    """Starts mu and ell from the first chunk, then lets the loop take that chunk again."""
    mu = None
    for chunk in chunks:
        if mu is None:
            mu, ell = chunk.max(), np.exp(chunk - chunk.max()).sum()
        new = max(mu, chunk.max())
        ell = ell * np.exp(mu - new) + np.exp(chunk - new).sum()
        mu = new
    return mu, ell


def online_max_starts_at_zero(chunks):
    mu, ell = 0.0, 0.0
    for chunk in chunks:
        new = max(mu, chunk.max())
        ell, mu = ell * np.exp(mu - new) + np.exp(chunk - new).sum(), new
    return mu, ell


def online_first_score_as_max(chunks):
    mu, ell = -np.inf, 0.0
    for chunk in chunks:
        new = max(mu, chunk[0])
        ell, mu = ell * np.exp(mu - new) + np.exp(chunk - new).sum(), new
    return mu, ell


def online_two_pass(chunks):
    """A plain two-pass softmax's normaliser: the max first, then the sum."""
    mu = max(chunk.max() for chunk in chunks)
    return mu, sum(np.exp(chunk - mu).sum() for chunk in chunks)


def two_sum_fast2sum_q_first(p, q):
    s = p + q
    return s, p - (s - q)


ATTEMPTS = [
    # chapter 1
    wrong("softmax into an integer array", softmax_into_an_integer_array, check_softmax, "returned integers",
          "cannot hold fractions"),
    wrong("[:, None] on the max of the whole array", softmax_none_on_a_scalar_max, check_softmax,
          "a number (a 0-dimensional value) was indexed like an array"),
    wrong("s1 string: 1/1 + exp(...)", "1/1 + exp(z2 - z1)", check_s1, "operator precedence",
          "'1/(1 + exp(z2 - z1))' equals the reference"),
    wrong("s1 string: a leading minus", "1/(1 + exp(-z1 - z2))", check_s1, "operator precedence",
          "'1/(1 + exp(-(z1 - z2)))'"),
    wrong("s1: log-softmax", z1 - sp.log(SUM2), check_s1, "the log of the reference"),
    # chapter 2
    wrong("dLSE: own term left out", sp.exp(z1) / (sp.exp(z2) + sp.exp(z3)), check_dlse,
          "a term is missing from the denominator", "leaves out exp(z1)"),
    wrong("dLSE: quotient-rule square", sp.exp(z1) / SUM3**2, check_dlse, "the denominator is squared"),
    wrong("dLSE: differentiated once more", sp.exp(z1) / SUM3 - sp.exp(2 * z1) / SUM3**2, check_dlse,
          "one derivative too many", "in z1"),
    wrong("dLSE string: denominator without parentheses", "exp(z1)/exp(z1) + exp(z2) + exp(z3)", check_dlse,
          "operator precedence", "'exp(z1)/(exp(z1) + exp(z2) + exp(z3))'"),
    wrong("log-softmax shifted by the row minimum", log_softmax_shift_by_min, check_log_softmax,
          "shifted by the minimum"),
    # chapter 3
    wrong("Jacobian in half precision", jacobian_in_half_precision, check_softmax_jacobian,
          "float16 array (half precision)", "largest difference"),
    wrong("VJP in half precision", vjp_in_half_precision, check_softmax_vjp, "float16 array (half precision)"),
    wrong("block-diagonal Jacobian of the flattened batch", jacobian_block_diagonal, check_softmax_jacobian,
          "Jacobian of the whole flattened batch", "block diagonal", "(3, 4, 4)"),
    wrong("outer product on the batch axis", jacobian_outer_on_the_batch_axis, check_softmax_jacobian,
          "pairs every row with every other row", "s[..., :, None] * s[..., None, :]"),
    wrong("J_T: the 1/T missing", -(sp.exp(z1 / T) / TOTAL_T) * (sp.exp(z2 / T) / TOTAL_T), check_entry_t,
          "a factor 1/T is missing"),
    wrong("J_T: 1/T twice", -(sp.exp(z1 / T) / TOTAL_T) * (sp.exp(z2 / T) / TOTAL_T) / T**2, check_entry_t,
          "an extra factor 1/T"),
    wrong("J_T string: T outside the parentheses", "-exp(z1/T)*exp(z2/T)/T*(exp(z1/T) + exp(z2/T) + exp(z3/T))**2",
          check_entry_t, "operator precedence"),
    correct("J_T: in terms of T and the exps", -sp.exp((z1 + z2) / T) / (T * TOTAL_T**2), check_entry_t),
    correct("J_T: -s1 s2 / T", -S_T[0] * S_T[1] / T, check_entry_t),
    correct("J_T: sp.diff of the tempered softmax", sp.diff(S_T[0], z2), check_entry_t),
    correct("J_T string with ^", "-exp(z1/T)*exp(z2/T)/(T*(exp(z1/T) + exp(z2/T) + exp(z3/T))^2)", check_entry_t),
    correct("J_T string with e^", "-e^((z1 + z2)/T)/(T*(e^(z1/T) + e^(z2/T) + e^(z3/T))^2)", check_entry_t),
    wrong("J_T: the sign dropped", S_T[0] * S_T[1] / T, check_entry_t, "minus the reference"),
    wrong("J_T: the square missing", -sp.exp((z1 + z2) / T) / (T * TOTAL_T), check_entry_t, "the square is missing"),
    wrong("J_T: own term left out", -sp.exp((z1 + z2) / T) / (T * (sp.exp(z2 / T) + sp.exp(z3 / T))**2),
          check_entry_t, "a term is missing from the denominator", "leaves out exp(z1/T)"),
    wrong("J_T: differentiated once more", sp.diff(-S_T[0] * S_T[1] / T, z1), check_entry_t,
          "one derivative too many", "in z1"),
    wrong("J_T: the entry at T = 1", -S3[0] * S3[1], check_entry_t, "does not contain T"),
    wrong("J_T: a lower-case t", "-exp((z1 + z2)/t)/(t*(exp(z1/t) + exp(z2/t) + exp(z3/t))**2)", check_entry_t,
          "uses t", "T, z1, z2, z3"),
    wrong("J_T: a number", 0.0, check_entry_t, "your answer is a number"),
    # chapter 4
    wrong("labels turned into floats", loss_with_float_labels, check_cross_entropy,
          "an array of floats was used as an index"),
    wrong("shift by the row minimum", loss_shift_by_row_min, check_cross_entropy, "a shift by the minimum",
          failed_case="logits spread far apart"),
    correct("d2L string in s1, s2", "-s1*s2", check_mixed),
    correct("d2L with own Symbols s1, s2", -sp.Symbol("s1") * sp.Symbol("s2"), check_mixed),
    wrong("d2L: s1 s2 without the minus", sp.Symbol("s1") * sp.Symbol("s2"), check_mixed, "minus the reference"),
    # chapter 5
    wrong("tempered: nan_to_num of log p", tempered_nan_to_num, check_tempered_loss, "np.nan_to_num(np.log(p))"),
    wrong("tempered: clip at 1e-300", tempered_clip_1e300, check_tempered_loss, "floored at 1e-300"),
    correct("tempered: scipy log_softmax", tempered_with_log_softmax, check_tempered_loss),
    wrong("bias: one-hot as wide as the classes seen", bias_gradient_one_hot_from_unique, check_bias_gradient,
          "differ in width", "z.shape[1]"),
    # chapter 6
    wrong("online: first chunk counted twice", online_first_chunk_counted_twice, check_online_softmax,
          "the first chunk was counted twice"),
    wrong("online: max starting at 0", online_max_starts_at_zero, check_online_softmax, "starts at 0",
          "start from mu = -inf"),
    wrong("online: first score as the chunk's max", online_first_score_as_max, check_online_softmax,
          "not its first score"),
    wrong("online: two-pass softmax", online_two_pass, check_online_softmax, "read a second time", "one pass"),
    wrong("two_sum: Fast2Sum with q as the larger", two_sum_fast2sum_q_first, check_two_sum, "Fast2Sum"),
]
