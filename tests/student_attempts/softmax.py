"""Chapter 1, exercises 2 and 3: attempts at ``softmax(x)`` (check_softmax) and ``softmax(x / T)``
(check_softmax_temperature), written as learners write them.

The correct ones avoid helpers.numerics on purpose (loops, math.exp, SciPy, float32, lists, in-place work on a
copy); the wrong ones are the mistakes of the book's mistake museum and the slips seen in classes.
"""

import math

import numpy as np
import scipy.special

from helpers.checks import check_softmax, check_softmax_temperature
from student_attempts import correct, wrong

# --------------------------------------------------------------------------- check_softmax: correct


def loop_math_exp(x):
    """Row by row with math.exp, through nested Python lists."""
    x = np.asarray(x, dtype=float)
    rows = x.reshape(-1, x.shape[-1]).tolist()
    out = []
    for row in rows:
        m = max(row)
        e = [math.exp(v - m) for v in row]
        total = sum(e)
        out.append([v / total for v in e])
    return np.array(out).reshape(x.shape)


def returns_nested_lists(x):
    """A list of lists (or a list) back: any array-like of numbers is accepted."""
    if x.ndim == 1:
        m = max(x)
        e = [math.exp(v - m) for v in x]
        return [v / sum(e) for v in e]
    return [returns_nested_lists(row) for row in x]


def scipy_softmax(x):
    return scipy.special.softmax(x, axis=-1)


def via_logsumexp(x):
    return np.exp(x - scipy.special.logsumexp(x, axis=-1, keepdims=True))


def apply_along_axis(x):
    def one_row(row):
        e = np.exp(row - row.max())
        return e / e.sum()

    return np.apply_along_axis(one_row, -1, x)


def float32_softmax(x):
    x = np.asarray(x, dtype=np.float32)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def in_place_on_a_copy(x):
    z = np.array(x, dtype=float)  # a copy, so the in-place steps below leave x alone
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def max_without_keepdims(x):
    """The max and sum without keepdims, put back with [..., None]."""
    m = np.max(x, axis=-1)
    e = np.exp(x - m[..., None])
    return e / np.sum(e, axis=-1)[..., None]


def one_over_sum_of_ratios(x):
    """s_i = 1 / sum_j exp(x_j - x_i): exact, and an overflow to inf only gives the right answer 0."""
    gaps = x[..., None, :] - x[..., :, None]  # gaps[..., i, j] = x_j - x_i
    return 1.0 / np.exp(gaps).sum(axis=-1)


def with_an_axis_parameter(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_domain_then_exp(x):
    """Log-softmax by hand, then exp: a correct detour."""
    shifted = x - x.max(axis=-1, keepdims=True)
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))


# --------------------------------------------------------------------------- check_softmax: wrong


def naive(x):
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def naive_loop_math_exp(x):
    """The loop version without the shift: math.exp raises instead of returning inf."""
    x = np.atleast_2d(x)
    out = []
    for row in x:
        e = [math.exp(v) for v in row]
        out.append([v / sum(e) for v in e])
    return np.array(out).reshape(np.shape(x)) if len(out) > 1 else np.array(out[0])


def deepnotes_shift_after_exp(X):
    """Verbatim from the deepnotes post: the shift is applied after exp (mistake 1)."""
    exps = np.exp(X) - np.max(X)
    return exps / np.sum(exps)


def shift_after_exp_per_row(x):
    e = np.exp(x) - np.max(x, axis=-1, keepdims=True)
    return e / np.sum(e, axis=-1, keepdims=True)


def neuralthreads_whole_batch(x):
    """Verbatim from the neuralthreads post: no axis, so a batch is normalised as a whole (mistake 2)."""
    return np.exp(x) / np.sum(np.exp(x))


def global_max_row_sum(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=-1, keepdims=True)


def shift_by_max_or_zero(x):
    """A "stable" version that is not (mistake 6): max(0, max(x))."""
    e = np.exp(x - np.maximum(0.0, np.max(x, axis=-1, keepdims=True)))
    return e / np.sum(e, axis=-1, keepdims=True)


def divide_by_max_times_sum(x):
    """A "stable" version that is not (mistake 6): dividing by max * sum."""
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - m)
    return e / (m * np.sum(e, axis=-1, keepdims=True))


def scores_over_sum(x):
    return x / np.sum(x, axis=-1, keepdims=True)


def shift_by_mean(x):
    e = np.exp(x - np.mean(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def shift_by_min(x):
    e = np.exp(x - np.min(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def no_keepdims(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1)


def axis_one(x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def axis_zero(x):
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def python_max_and_sum(x):
    e = np.exp(x - max(x))
    return e / sum(e)


def transposed(x):
    """Works on columns (x.T), and forgets to transpose back."""
    z = np.atleast_2d(x).T
    e = np.exp(z - z.max(axis=0))
    p = e / e.sum(axis=0)
    return p[:, 0] if np.ndim(x) == 1 else p


def returns_the_sum(x):
    return np.sum(np.exp(x - np.max(x, axis=-1, keepdims=True)), axis=-1)


def hard_max(x):
    """A one-hot of the arg max, as if softmax were the max itself."""
    return (x == x.max(axis=-1, keepdims=True)).astype(float)


def log_softmax_instead(x):
    """Log-softmax handed in for softmax."""
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def prints_instead_of_returning(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    print(e / e.sum(axis=-1, keepdims=True))


def forgets_return(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)  # noqa: F841 -- the missing return is the mistake


def vector_only(x):
    """Returns None for a batch: a `return` missing on one path."""
    if x.ndim == 1:
        e = np.exp(x - x.max())
        return e / e.sum()


def mutates_input(x):
    x -= np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)


def needs_axis(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def math_exp_on_array(x):
    return math.exp(x) / sum(math.exp(v) for v in x)


def half_precision(x):
    x = np.asarray(x, dtype=np.float16)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def rounded_for_display(x):
    return np.round(scipy.special.softmax(x, axis=-1), 3)


def rounded_to_4(x):
    return np.round(scipy.special.softmax(x, axis=-1), 4)


def clipped_like_keras(x):
    """Clipping to Keras's epsilon 1e-7 "to avoid log(0) later"."""
    return np.clip(scipy.special.softmax(x, axis=-1), 1e-7, 1 - 1e-7)


def e_as_2718(x):
    m = x.max(axis=-1, keepdims=True)
    e = 2.718 ** (x - m)
    return e / e.sum(axis=-1, keepdims=True)


def typo_in_name(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdim=True)


def undefined_name(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / totl  # noqa: F821 -- a typo learners make


ROWS = "rows do not sum to 1 in a batch"
MUSEUM_2 = "mistake museum (2)"

ATTEMPTS = [
    # correct, in unusual forms
    correct("loop with math.exp", loop_math_exp, check_softmax),
    correct("nested Python lists", returns_nested_lists, check_softmax),
    correct("scipy.special.softmax", scipy_softmax, check_softmax),
    correct("exp of x minus logsumexp", via_logsumexp, check_softmax),
    correct("np.apply_along_axis", apply_along_axis, check_softmax),
    correct("float32 throughout", float32_softmax, check_softmax),
    correct("in-place on a copy", in_place_on_a_copy, check_softmax),
    correct("no keepdims but [..., None]", max_without_keepdims, check_softmax),
    correct("1 / sum of exp(x_j - x_i)", one_over_sum_of_ratios, check_softmax),
    correct("an axis parameter with a default", with_an_axis_parameter, check_softmax),
    correct("log-softmax then exp", log_domain_then_exp, check_softmax),
    # wrong: the mistake museum
    wrong("no shift", naive, check_softmax, "nan for large inputs", "subtract the max", failed_case="large values"),
    wrong(
        "no shift, loop with math.exp",
        naive_loop_math_exp,
        check_softmax,
        "OverflowError",
        "line 6 of",
        "subtract the max",
    ),
    wrong(
        "shift after exp (deepnotes)",
        deepnotes_shift_after_exp,
        check_softmax,
        "shift applied after exp",
        "mistake museum (1)",
    ),
    wrong("shift after exp, per row", shift_after_exp_per_row, check_softmax, "shift applied after exp"),
    wrong(
        "whole batch (neuralthreads)",
        neuralthreads_whole_batch,
        check_softmax,
        ROWS,
        "axis=-1, keepdims=True",
        MUSEUM_2,
    ),
    wrong(
        "global max, per-row sum",
        global_max_row_sum,
        check_softmax,
        "max must be taken per row",
        MUSEUM_2,
        failed_case="rows far apart",
    ),
    wrong(
        "shift by max(0, max(x))",
        shift_by_max_or_zero,
        check_softmax,
        "max(0, max(x)) is not enough",
        "mistake museum (6)",
    ),
    wrong(
        "divide by max * sum",
        divide_by_max_times_sum,
        check_softmax,
        "sum to 0.333, not 1",
        "max * sum",
        "mistake museum (6)",
    ),
    wrong("scores over their sum", scores_over_sum, check_softmax, "exponentiate first"),
    wrong("shift by the mean", shift_by_mean, check_softmax, "not the mean or the minimum"),
    wrong("shift by the min", shift_by_min, check_softmax, "subtract the maximum"),
    wrong("log-softmax handed in", log_softmax_instead, check_softmax, "log-probabilities", "log-softmax"),
    wrong("one-hot of the arg max", hard_max, check_softmax, "a one-hot of the largest score (a hard max)"),
    # wrong: axes and shapes
    wrong("sum without keepdims", no_keepdims, check_softmax, "a reduction over the last axis dropped it",
          "keepdims=True"),
    wrong("axis=1 on a vector", axis_one, check_softmax, "AxisError", "use axis=-1"),
    wrong("axis=0", axis_zero, check_softmax, "columns sum to 1, not the rows"),
    wrong("Python max and sum", python_max_and_sum, check_softmax, "Python's max()", "np.max(x, axis=-1"),
    wrong("transposed output", transposed, check_softmax, "transposed", "(4, 3)"),
    wrong("returns the sum", returns_the_sum, check_softmax, "did you return the sum"),
    # wrong: returning, calling, mutating
    wrong(
        "prints instead of returning",
        prints_instead_of_returning,
        check_softmax,
        "returned None",
        "is a `return` missing?",
        "printed",
    ),
    wrong("forgets return", forgets_return, check_softmax, "returned None", "is a `return` missing?"),
    wrong(
        "returns only for vectors",
        vector_only,
        check_softmax,
        "returned None",
        "is a `return` missing?",
        failed_case="a batch of rows",
    ),
    wrong("changes its input", mutates_input, check_softmax, "modified in place", "x = x - m"),
    wrong("axis without a default", needs_axis, check_softmax, "give any other parameter a default"),
    wrong("math.exp on an array", math_exp_on_array, check_softmax, "use np.exp", "line 2 of math_exp_on_array"),
    wrong("keepdim typo", typo_in_name, check_softmax, "TypeError", "keepdim", "line 3 of typo_in_name", "misspelt"),
    wrong("undefined name", undefined_name, check_softmax, "NameError", "totl", "is it spelt right"),
    wrong(
        "passes the result, not the function",
        scipy_softmax(np.array([1.0, 2.0])),
        check_softmax,
        "needs the function itself",
        "pass `softmax`",
    ),
    # wrong: near misses, which must show how close and enough digits to see the difference
    wrong("half precision", half_precision, check_softmax, "float16 array (half precision)", "largest difference"),
    wrong(
        "rounded to 3 decimals",
        rounded_for_display,
        check_softmax,
        "rounded to 3 decimals",
        "expected [0.09003, 0.2447, 0.6652]",
        "got      [0.09, 0.245, 0.665]",
    ),
    wrong("rounded to 4 decimals", rounded_to_4, check_softmax, "rounded to 4 decimals", "0.66524", "0.6652)"),
    wrong("clipped to 1e-7", clipped_like_keras, check_softmax, "raised to 1e-07 (clipped)"),
    wrong("2.718 for e", e_as_2718, check_softmax, "close, but not within the tolerance", "2.718 for e"),
]

# --------------------------------------------------------------------------- check_softmax_temperature: correct


def t_shift_first(x, t):
    """The chapter's solution: (x - max(x)) / t is at most 0 for every t > 0, so exp cannot overflow."""
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore"):
        e = np.exp((x - x.max(axis=-1, keepdims=True)) / t)
    return e / e.sum(axis=-1, keepdims=True)


def t_loop_math_exp(x, t):
    x = np.asarray(x, dtype=float)
    rows = x.reshape(-1, x.shape[-1]).tolist()
    out = []
    for row in rows:
        m = max(row)
        e = [math.exp((v - m) / t) for v in row]  # (v - m) / t may be -inf: math.exp(-inf) is 0.0
        out.append([v / sum(e) for v in e])
    return np.array(out).reshape(x.shape)


def t_scipy(x, t):
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore"):
        return scipy.special.softmax((x - x.max(axis=-1, keepdims=True)) / t, axis=-1)


def t_multiply_by_inverse(x, t):
    beta = 1 / t  # "inverse temperature", as physicists write it; finite down to t = 1e-308
    with np.errstate(over="ignore", invalid="ignore"):
        z = beta * (x - x.max(axis=-1, keepdims=True))
    return np.exp(z - scipy.special.logsumexp(z, axis=-1, keepdims=True))


def t_divide_first(x, t):
    """Divides, then shifts by max(x / t): right down to t of about 1e-300, NaN below (x / t overflows)."""
    scaled = np.asarray(x, dtype=float) / t
    e = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def t_scipy_divide_first(x, t):
    return scipy.special.softmax(np.asarray(x) / t, axis=-1)


def t_float32(x, t):
    z = np.asarray(x, dtype=np.float32) / np.float32(t)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------- check_softmax_temperature: wrong


def t_naive(x, t):
    return np.exp(x / t) / np.exp(x / t).sum(axis=-1, keepdims=True)


def t_ignored(x, t):
    return scipy.special.softmax(x, axis=-1)


def t_multiplied(x, t):
    return scipy.special.softmax(x * t, axis=-1)


def t_divides_probabilities(x, t):
    return scipy.special.softmax(x, axis=-1) / t


def t_shift_by_max_x_after_dividing(x, t):
    e = np.exp(x / t - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def t_global_max(x, t):
    z = x / t
    e = np.exp(z - z.max())
    return e / e.sum(axis=-1, keepdims=True)


def t_global_sum(x, t):
    z = x / t
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum()


def t_power_of_softmax(x, t):
    """softmax(x) ** (1 / t), renormalised: right in exact arithmetic, but p ** 1000 underflows to 0."""
    p = scipy.special.softmax(x, axis=-1) ** (1 / t)
    return p / p.sum(axis=-1, keepdims=True)


def t_transposed(x, t):
    z = np.atleast_2d(x / t).T
    e = np.exp(z - z.max(axis=0))
    p = e / e.sum(axis=0)
    return p[:, 0] if np.ndim(x) == 1 else p


def t_shift_after_exp(x, t):
    e = np.exp(x / t) - np.max(x / t, axis=-1, keepdims=True)
    return e / e.sum(axis=-1, keepdims=True)


def t_half_precision(x, t):
    z = np.asarray(x, dtype=np.float16) / np.float16(t)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def t_only_x(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def t_prints(x, t):
    print(scipy.special.softmax(x / t, axis=-1))


ATTEMPTS += [
    correct("T: shift first", t_shift_first, check_softmax_temperature),
    correct("T: loop with math.exp", t_loop_math_exp, check_softmax_temperature),
    correct("T: scipy.special.softmax of the shifted scores", t_scipy, check_softmax_temperature),
    correct("T: inverse temperature and logsumexp", t_multiply_by_inverse, check_softmax_temperature),
    wrong(
        "T: divide first, then shift",
        t_divide_first,
        check_softmax_temperature,
        "nan for T = 1e-308",
        "x / T overflows",
        "shift first",
        failed_case="the smallest temperatures",
    ),
    wrong(
        "T: scipy.special.softmax of x / T",
        t_scipy_divide_first,
        check_softmax_temperature,
        "nan for T = 1e-308",
        "exp((x - max(x)) / T)",
        failed_case="the smallest temperatures",
    ),
    wrong(
        "T: float32",
        t_float32,
        check_softmax_temperature,
        "nan for T = 1e-308",
        failed_case="the smallest temperatures",
    ),
    wrong(
        "T: no shift",
        t_naive,
        check_softmax_temperature,
        "nan for a small T",
        "exp((x - max(x)) / T)",
        failed_case="a tiny temperature",
    ),
    wrong("T: temperature ignored", t_ignored, check_softmax_temperature, "the temperature has no effect"),
    wrong("T: multiplied by T", t_multiplied, check_softmax_temperature, "you multiplied by T"),
    wrong(
        "T: probabilities divided by T",
        t_divides_probabilities,
        check_softmax_temperature,
        "divided the probabilities by T",
    ),
    wrong(
        "T: shift by max(x) after dividing",
        t_shift_by_max_x_after_dividing,
        check_softmax_temperature,
        "nan for a small T",
        "best before dividing",
    ),
    wrong(
        "T: global max",
        t_global_max,
        check_softmax_temperature,
        "max must be taken per row",
        MUSEUM_2,
        failed_case="rows far apart at T = 1",
    ),
    wrong("T: global sum", t_global_sum, check_softmax_temperature, ROWS, MUSEUM_2),
    wrong("T: power of softmax", t_power_of_softmax, check_softmax_temperature, "nan for a small T"),
    wrong("T: transposed output", t_transposed, check_softmax_temperature, "transposed", "(4, 2)"),
    wrong(
        "T: shift after exp",
        t_shift_after_exp,
        check_softmax_temperature,
        "shift applied after exp",
        "exp(x / T - max(x / T))",
    ),
    wrong("T: half precision", t_half_precision, check_softmax_temperature, "float16 array (half precision)"),
    wrong(
        "T: forgets the T parameter",
        t_only_x,
        check_softmax_temperature,
        "the check calls fn(x, T)",
        "exactly these parameters",
    ),
    wrong("T: prints instead of returning", t_prints, check_softmax_temperature, "is a `return` missing?"),
]
