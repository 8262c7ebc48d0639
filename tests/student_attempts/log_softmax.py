"""Chapter 2, the log-softmax exercise: attempts at ``log_softmax(x)`` over the last axis (check_log_softmax)."""

import math

import numpy as np
import scipy.special

from helpers.checks import check_log_softmax
from student_attempts import correct, wrong

# --------------------------------------------------------------------------- correct, in various forms


def textbook_stable(x):
    x = np.asarray(x, dtype=float)
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def via_scipy_logsumexp(x):
    return x - scipy.special.logsumexp(x, axis=-1, keepdims=True)


def scipy_log_softmax(x):
    return scipy.special.log_softmax(x, axis=-1)


def loop_with_math(x):
    """Row by row with math.exp and math.log, returning nested lists."""
    x = np.asarray(x, dtype=float)
    out = []
    for row in x.reshape(-1, x.shape[-1]):
        m = max(row)
        lse = m + math.log(sum(math.exp(v - m) for v in row))
        out.append([v - lse for v in row])
    return np.array(out).reshape(x.shape)


def with_log1p(x):
    """The accurate form: leave out the top term (exactly 1) and add it back with log1p."""
    x = np.asarray(x, dtype=float)
    m = x.max(axis=-1, keepdims=True)
    e = np.exp(x - m)
    rest = e.sum(axis=-1, keepdims=True) - 1.0
    return x - m - np.log1p(rest)


def logaddexp_reduce(x):
    return x - np.logaddexp.reduce(x, axis=-1, keepdims=True)


def in_place_on_a_copy(x):
    y = np.array(x, dtype=float)
    y -= y.max(axis=-1, keepdims=True)
    y -= np.log(np.sum(np.exp(y), axis=-1, keepdims=True))
    return y


def float32_inside(x):
    x32 = np.asarray(x, dtype=np.float32)
    m = x32.max(axis=-1, keepdims=True)
    return (x32 - m - np.log(np.exp(x32 - m).sum(axis=-1, keepdims=True))).astype(np.float64)


# --------------------------------------------------------------------------- wrong: the museum's mistakes


def log_of_softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return np.log(e / e.sum(axis=-1, keepdims=True))


def no_shift(x):
    return x - np.log(np.sum(np.exp(x), axis=-1, keepdims=True))


def shift_by_max_or_zero(x):
    m = np.maximum(0, np.max(x, axis=-1, keepdims=True))
    return x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def global_max(x):
    m = np.max(x)
    return x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def global_logsumexp(x):
    m = np.max(x)
    return x - m - np.log(np.sum(np.exp(x - m)))


def axis_zero(x):
    m = np.max(x, axis=0, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=0, keepdims=True))


def only_the_max(x):
    return x - np.max(x, axis=-1, keepdims=True)


def returns_softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def clipped_log(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return np.log(np.maximum(e / e.sum(axis=-1, keepdims=True), 1e-8))


def returns_logsumexp(x):
    m = np.max(x, axis=-1, keepdims=True)
    return m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def wrong_sign(x):
    m = np.max(x, axis=-1, keepdims=True)
    return m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)) - x


def log10_instead(x):
    m = np.max(x, axis=-1, keepdims=True)
    return (x - m) / np.log(10) - np.log10(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def shift_after_exp(x):
    e = np.exp(x) - np.max(x)
    return np.log(e / np.sum(e))


def log_of_naive_softmax(x):
    """The textbook softmax, then its log: inf / inf is nan on large values."""
    e = np.exp(x)
    return np.log(e / e.sum(axis=-1, keepdims=True))


def log_p_plus_eps(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return np.log(e / e.sum(axis=-1, keepdims=True) + 1e-10)


def mutates_input(x):
    x -= np.max(x, axis=-1, keepdims=True)
    return x - np.log(np.sum(np.exp(x), axis=-1, keepdims=True))


def no_return(x):
    m = np.max(x, axis=-1, keepdims=True)
    x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))  # noqa: B018 -- the missing return is the point


ATTEMPTS = [
    correct("stable textbook form", textbook_stable, check_log_softmax),
    correct("x minus scipy logsumexp", via_scipy_logsumexp, check_log_softmax),
    correct("scipy.special.log_softmax", scipy_log_softmax, check_log_softmax),
    correct("loop with math.log", loop_with_math, check_log_softmax),
    correct("log1p form", with_log1p, check_log_softmax),
    correct("np.logaddexp.reduce", logaddexp_reduce, check_log_softmax),
    correct("in place on a copy", in_place_on_a_copy, check_log_softmax),
    correct("computed in float32", float32_inside, check_log_softmax),
    wrong("log of softmax", log_of_softmax, check_log_softmax, "log(softmax(x))", "-inf", failed_case="a wide gap"),
    wrong("no shift", no_shift, check_log_softmax, "subtract the max", failed_case="large values"),
    wrong("shift by max(0, max)", shift_by_max_or_zero, check_log_softmax, "max(0, max(x))",
          failed_case="an all-negative row (max(x) < 0)"),
    wrong("global max", global_max, check_log_softmax, "whole batch", "per row",
          failed_case="rows at different scales"),
    wrong("global logsumexp", global_logsumexp, check_log_softmax, "whole batch", "axis=-1",
          failed_case="a batch of rows"),
    wrong("axis 0", axis_zero, check_log_softmax, "wrong axis", "axis=-1"),
    wrong("only the max", only_the_max, check_log_softmax, "subtracted only the max", "log(sum(exp"),
    wrong("returns softmax", returns_softmax, check_log_softmax, "softmax(x), not its logarithm"),
    wrong("clipped probability", clipped_log, check_log_softmax, "clipping", "1e-08", failed_case="a wide gap"),
    wrong("returns logsumexp", returns_logsumexp, check_log_softmax, "wrong output shape", "log-sum-exp"),
    wrong("wrong sign", wrong_sign, check_log_softmax, "wrong sign"),
    wrong("log10", log10_instead, check_log_softmax, "log10"),
    wrong("shift after exp", shift_after_exp, check_log_softmax, "shift applied after exp",
          failed_case="a small vector"),
    wrong("log of the naive softmax", log_of_naive_softmax, check_log_softmax, "exp(x) overflows", "subtract the max",
          failed_case="large values"),
    wrong("log(p + 1e-10)", log_p_plus_eps, check_log_softmax, "stop at -23.03", "1e-10", failed_case="a wide gap"),
    wrong("changes its input", mutates_input, check_log_softmax, "modified in place"),
    wrong("no return", no_return, check_log_softmax, "is a `return` missing?"),
]
