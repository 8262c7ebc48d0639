"""Self-checks for chapter 5 (softmax regression): the L2-penalised gradient, temperature, an absent class.

* :func:`check_l2_gradient` -- the gradient of scikit-learn's objective
  :math:`\\tfrac12\\lVert W\\rVert^2 + C \\sum_n L_n`, with the bias gradient as the last row;
* :func:`check_tempered_loss` -- the mean cross-entropy of :math:`\\operatorname{softmax}(z / T)`;
* :func:`check_bias_gradient` -- the gradient of the mean cross-entropy with respect to the biases,
  for label sets in which some class never appears.

Each known mistake fails on a case chosen for it, and the hint names it.

>>> from helpers import numerics
>>> check_tempered_loss(lambda z, y, T: numerics.cross_entropy(z / T, y)).passed
✓ check_tempered_loss: all 7 checks passed
True
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import replace
from typing import Callable

import numpy as np

from helpers import numerics
from helpers.checks._core import FAR_APART_ROWS, Case, CheckResult, Spec, close, emit, run_check

__all__ = ["check_bias_gradient", "check_l2_gradient", "check_tempered_loss"]

_ORDINARY = "nan or inf for ordinary inputs: is something divided by zero, or a log taken of 0?"
_LOG_OF_SOFTMAX = (
    "inf for well-separated scores: np.log(softmax(z)) underflows to log(0); use a log-softmax "
    "(helpers.log_softmax, or z - logsumexp(z)) instead of the log of a probability"
)
_FAR_APART = (
    "nan or inf for two examples whose scores are 1000 apart: shift each row by its own maximum "
    "(max(axis=-1, keepdims=True)); one maximum for the whole batch, or none, makes the lower row 0/0"
)


def _problem(seed, m, d, k, scale):
    """A small regression problem: weights, biases, inputs, integer labels (every class present)."""
    rng = np.random.default_rng(seed)
    W = rng.normal(scale=scale, size=(d, k))
    b = rng.normal(size=k)
    X = rng.normal(size=(m, d))
    return W, b, X, np.arange(m) % k


def _data_gradient(W, b, X, y):
    """X^T (S - Y) and the sum of S - Y over the examples: the gradients of the summed cross-entropy."""
    m = X.shape[0]
    G = numerics.cross_entropy_grad(X @ W + b, y) * m
    return X.T @ G, G.sum(axis=0)


def _with_hint(result, hint):
    """``result`` with its hint replaced by ``hint``."""
    lines = [line for line in result.messages if not line.startswith("  hint:")]
    return replace(result, messages=(*lines, f"  hint: {hint}"))


def _run_explained(spec, fn, explain):
    """Run the check silently, let ``explain`` rewrite the result's hint, then print the feedback once."""
    with contextlib.redirect_stdout(io.StringIO()):
        result = run_check(spec, fn)
    result = explain(result)
    emit(result.messages)
    return result


# --------------------------------------------------------------------------- L2: scikit-learn's objective


def _l2_expected(W, b, X, y, C, *, mean=False, bias_penalised=False, penalty_factor=1.0, sign=1.0, data=True,
                 c_on_penalty=False):
    """The gradient of 1/2 |W|^2 + C sum_n l_n, stacked, and the same with one known mistake switched on."""
    dW, db = _data_gradient(W, b, X, y)
    scale = C / X.shape[0] if mean else C
    if c_on_penalty:  # C/2 |W|^2 + sum_n l_n
        penalty_factor, scale = C, 1.0
    top = penalty_factor * W + (sign * scale * dW if data else 0)
    bottom = (b if bias_penalised else 0) + (sign * scale * db if data else 0)
    return np.vstack([top, np.broadcast_to(bottom, b.shape)])


_UNSTABLE_SOFTMAX = (
    "nan or inf for large scores: compute the probabilities with a stable softmax "
    "(subtract each row's maximum, or use helpers.softmax)"
)


def _l2_case(label, seed, m, d, k, C, scale=1.0, nonfinite_hint=_ORDINARY):
    W, b, X, y = _problem(seed, m, d, k, scale)
    C = np.float64(C)
    wrong = "the values differ from W + C X^T (S - Y) on top and C sum_n (s_n - y_n) as the last row"
    return Case(label, (W, b, X, y, C), _l2_expected(W, b, X, y, C), nonfinite_hint, wrong, ("W", "b", "X", "y", "C"))


def _l2_cases():
    return (
        # More examples than classes, C != 1 and m != 1, so a mean, a missing C and a missing 1/2 all show.
        _l2_case("a small problem", 1, m=6, d=4, k=4, C=0.7),
        _l2_case("another problem", 2, m=9, d=5, k=3, C=2.5),
        # Scores of several hundred: a probability computed without the shift overflows.
        _l2_case("large weights (scores of several hundred)", 3, m=5, d=4, k=3, C=0.3, scale=200.0,
                 nonfinite_hint=_UNSTABLE_SOFTMAX),
    )


def _l2_value_hint(case, got):
    W, b, X, y, C = case.args
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    mistakes = (
        (dict(mean=True), "you averaged over the examples: scikit-learn's objective sums the losses "
         "(C times the sum), so there is no division by m"),
        (dict(bias_penalised=True), "the bias is penalised: the penalty 1/2 |W|^2 does not contain b, "
         "so the last row has no b term"),
        (dict(penalty_factor=2.0), "the derivative of 1/2 |W|^2 is W, not 2W"),
        (dict(penalty_factor=0.0), "the penalty's gradient W is missing from the weight rows"),
        (dict(sign=-1.0), "the data term has the wrong sign: the gradient of the cross-entropy is S - Y, not Y - S"),
        (dict(data=False), "only the penalty's gradient: add C times the cross-entropy gradient"),
        (dict(c_on_penalty=True), "C multiplies the loss term, not the penalty: W + C X^T (S - Y)"),
    )
    for flags, hint in mistakes:
        if close(got, _l2_expected(W, b, X, y, C, **flags)):
            return hint
    if close(got[:-1], case.expected[:-1]):
        return "the weight rows are right but the last row (the bias gradient) is not: C sum_n (s_n - y_n)"
    return case.wrong_hint


def _l2_shape_hint(case, got_shape):
    d_plus_1, k = case.expected.shape
    if got_shape == (d_plus_1 - 1, k):
        return "that is the weight gradient alone: stack the bias gradient under it, np.vstack([dW, db])"
    if got_shape == (k, d_plus_1):
        return "the output is transposed: one row per input feature, then the bias row, one column per class"
    return f"return np.vstack([dW, db]), shape (d + 1, k) = {case.expected.shape}"


def _features_for_classes_explained(result):
    """Shapes that agree while d = k stop agreeing on the first case with d != k: the axes of W are mixed up."""
    if result.failed_case != "another problem" or "broadcast" not in result.feedback:
        return result
    return _with_hint(result, "the shapes agreed while W was square, so the axes of W are mixed up: W has shape "
                              "(d, k), one row per feature and one column per class, so k = W.shape[1], not W.shape[0]")


_L2 = Spec("check_l2_gradient", _l2_cases, _l2_value_hint, _l2_shape_hint)


def check_l2_gradient(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(W, b, X, y, C)``: the gradient of scikit-learn's penalised objective.

    .. math:: F(W, b) = \tfrac12 \lVert W \rVert^2 + C \sum_{n=1}^{m} L_n, \qquad
              \nabla_W F = W + C X^\top (S - Y), \quad \nabla_b F = C \sum_n (s_n - y_n)

    ``fn`` returns both gradients stacked, ``np.vstack([dW, db])``, shape ``(d + 1, k)``.
    ``W`` has shape ``(d, k)``, ``b`` ``(k,)``, ``X`` ``(m, d)`` and ``y`` holds integer labels.
    Cases: two small random problems and one with scores of several hundred.  The hint names
    a mean instead of a sum, a penalised bias, ``2W``, a missing or misplaced ``C``, a sign error,
    and the rows and columns of ``W`` mixed up.

    >>> def gradient(W, b, X, y, C):
    ...     G = C * (numerics.softmax(X @ W + b) - numerics.one_hot(y, W.shape[1]))
    ...     return np.vstack([W + X.T @ G, G.sum(axis=0)])
    >>> check_l2_gradient(gradient).passed
    ✓ check_l2_gradient: all 4 checks passed
    True
    """
    return _run_explained(_L2, fn, _features_for_classes_explained)


# --------------------------------------------------------------------------- temperature


def _tempered_case(label, z, y, t, nonfinite_hint=_ORDINARY):
    z, y, t = np.asarray(z), np.asarray(y), np.float64(t)  # every z below is written in floats
    expected = np.asarray(numerics.cross_entropy(z / t, y))
    wrong = "the value differs from the mean cross-entropy of softmax(z / T) against the labels"
    return Case(label, (z, y, t), expected, nonfinite_hint, wrong, ("z", "y", "T"))


def _tempered_cases():
    z = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0], [1.0, 1.0, 0.0], [-0.5, 2.5, 0.2]])
    return (
        _tempered_case("four examples at T = 2", z, [0, 2, 1, 0], 2.0),
        _tempered_case("the same at T = 0.5", z, [0, 2, 1, 0], 0.5),
        # A shift by the minimum overflows here (no probability underflows); it comes before T = 0.01, so that a nan
        # there is the log of an underflowed probability and not a shift that overflows.
        _tempered_case("scores spread far apart, T = 1", [[-720.0, 0.5, 1.0, 2.0], [0.3, -0.2, 0.1, 0.0]], [3, 1],
                       1.0, "inf or nan when the scores are spread far apart (from -720 to 2): the shift before exp "
                       "must be each row's maximum (a shift by the minimum leaves exp(722), which overflows)"),
        # z / t reaches 1000: the true class's probability underflows to 0 unless the log is taken stably.
        _tempered_case("a small temperature, T = 0.01", [[10.0, 0.0, 0.0], [0.0, 5.0, 0.0]], [1, 1], 0.01,
                       _LOG_OF_SOFTMAX),
        _tempered_case("a large temperature, T = 100", z, [2, 2, 0, 1], 100.0),
        # Rows 1000 apart: one maximum for the whole batch underflows the second row to log 0.
        _tempered_case("two examples far apart, T = 1", FAR_APART_ROWS, [0, 2], 1.0, _FAR_APART),
    )


def _tempered_value_hint(case, got):
    z, y, t = case.args
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    m = z.shape[0]
    candidates = (
        (numerics.cross_entropy(z, y), "the temperature has no effect: divide the scores by T before the softmax"),
        (numerics.cross_entropy(z * t, y), "you multiplied by T: the tempered softmax is softmax(z / T)"),
        (numerics.cross_entropy(z, y) + np.log(t),
         "you divided the probabilities by T: divide the scores, softmax(z / T), not softmax(z) / T"),
        (numerics.cross_entropy(z / t, y) * m, "you summed over the examples: the loss is the mean"),
        (numerics.cross_entropy(z / t, y) / t, "the loss was divided by T afterwards: only the scores are divided"),
    )
    for value, hint in candidates:
        if close(got, np.asarray(value)):
            return hint
    log_p = numerics.log_softmax(z / t)
    rows = np.arange(m)
    with np.errstate(all="ignore"):
        log_of_p = np.log(numerics.softmax(z / t))
    slips = (
        (-np.mean(np.nan_to_num(log_of_p)[rows, y]),
         "np.nan_to_num(np.log(p)) turns the -inf of an underflowed probability into -1.8e308, so the loss becomes "
         "about 1e308 instead of its true value; compute a log-softmax, (z / T) - logsumexp(z / T), instead of log(p)"),
        (np.mean(log_p[rows, y]), "the sign is wrong: the loss is MINUS the mean log-probability of the true class"),
        (-np.mean(log_p[rows, y]) / np.log(10), "use the natural log (np.log), not log10"),
        (-np.mean(log_p[rows, y]) / z.shape[1], "you divided by m * k: a mean over the whole (m, k) array also "
                                                "averages over the classes; divide by m only"),
        (-np.mean(numerics.log_softmax((z / t).T).T[rows, y]),
         "softmax over the wrong axis: normalise each row (axis=-1), not each column"),
    )
    for value, hint in slips:
        if close(got, np.asarray(value)):
            return hint
    if got < case.expected:  # a clipped probability (any floor) makes the loss smaller, never larger
        from helpers.checks.cross_entropy import _capped_hint

        return _capped_hint(z / t, y, float(got)) or case.wrong_hint
    return case.wrong_hint


def _tempered_shape_hint(case, got_shape):
    if len(got_shape) == 1:
        return "one loss per example: return their mean, a single number"
    return "return a single number, the mean loss over the examples"


_TEMPERED = Spec("check_tempered_loss", _tempered_cases, _tempered_value_hint, _tempered_shape_hint)


def check_tempered_loss(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(z, y, T)``: the mean cross-entropy of the tempered softmax.

    .. math:: L(T) = -\frac{1}{m} \sum_{n=1}^{m} \log \operatorname{softmax}(z_n / T)_{c_n}

    ``z`` has shape ``(m, k)``, ``y`` holds the integer labels :math:`c_n`, the temperature ``T > 0``.  Cases:
    ``T = 2``, ``T = 0.5``, scores from -720 to 2 at ``T = 1`` (a shift by the minimum overflows),
    ``T = 0.01`` with score gaps of 10 (so ``z / T`` reaches 1000 and the log
    of a softmax probability is ``log 0``), ``T = 100``, and two rows of scores 1000 apart.

    >>> check_tempered_loss(lambda z, y, T: numerics.cross_entropy(z / T, y)).passed
    ✓ check_tempered_loss: all 7 checks passed
    True
    """
    return run_check(_TEMPERED, fn)


# --------------------------------------------------------------------------- a class that never appears


def _random_scores(seed, m, k):
    return np.random.default_rng(seed).normal(size=(m, k))


def _bias_case(label, y, z, nonfinite_hint=_ORDINARY):
    y = np.asarray(y)
    expected = numerics.cross_entropy_grad(z, y).sum(axis=0)
    wrong = "the values differ from the mean over the examples of s_n - y_n (one entry per class)"
    return Case(label, (z, y), expected, nonfinite_hint, wrong, ("z", "y"))


def _bias_cases():
    return (
        _bias_case("every class present", [0, 1, 2, 3, 1, 2], _random_scores(1, 6, 4)),
        # The highest class never appears: labels.max() + 1 is one too few.
        _bias_case("the last class never appears", [0, 1, 2, 1, 0, 2, 1], _random_scores(2, 7, 4)),
        # A middle class never appears: np.unique renumbers 3 as 2.
        _bias_case("class 2 never appears", [0, 1, 3, 3, 0, 1, 4], _random_scores(3, 7, 5)),
        # Rows 1000 apart: one maximum for the whole batch turns the second row into 0/0.
        _bias_case("two examples far apart (class 1 absent)", [2, 0], np.array(FAR_APART_ROWS), _FAR_APART),
    )


def _bias_value_hint(case, got):
    z, y = case.args
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    m = len(y)
    p = numerics.softmax(z)
    _, index = np.unique(y, return_inverse=True)
    renumbered = np.zeros_like(p)
    renumbered[np.arange(m), index] = 1
    candidates = (
        (-case.expected, "the sign is flipped: the gradient is s - y, not y - s"),
        (case.expected * m, "you summed over the examples: the loss is a mean, so divide by m"),
        ((p - renumbered).mean(axis=0), "np.unique renumbers the classes that do appear, so a missing class "
         "shifts the others: use the labels themselves as column indices (one_hot(y, k))"),
        (p.mean(axis=0), "the one-hot targets are missing: the gradient is the mean of s - y, not of s"),
    )
    for value, hint in candidates:
        if close(got, value):
            return hint
    return case.wrong_hint


_K_FROM_LABELS = (
    "the number of classes comes from the width of z (k = z.shape[1]), not from the labels: "
    "labels.max() + 1 or len(np.unique(labels)) misses a class that never appears"
)


def _bias_shape_hint(case, got_shape):
    z, y = case.args
    if got_shape in {(int(y.max()) + 1,), (len(np.unique(y)),)}:
        return _K_FROM_LABELS
    if got_shape == (len(y),):
        return "one entry per example: sum over the examples (axis=0), not over the classes"
    if got_shape == z.shape:
        return "that is the gradient for the logits, one row per example: the bias gradient is their mean"
    return f"return one number per class, shape ({z.shape[1]},)"


def _missing_class_explained(result):
    """A one-hot matrix built with too few columns fails to broadcast against p: say why, not just where."""
    # Every class count taken from the labels (max + 1, np.unique, np.bincount) is already one short on this case,
    # which comes before the one where class 2 is absent.
    if result.failed_case != "the last class never appears" or "broadcast" not in result.feedback:
        return result
    return _with_hint(result, f"p and your one-hot targets differ in width: {_K_FROM_LABELS}")


_BIAS = Spec("check_bias_gradient", _bias_cases, _bias_value_hint, _bias_shape_hint)


def check_bias_gradient(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(z, y)``: the gradient of the mean cross-entropy with respect to the biases.

    .. math:: \frac{\partial L}{\partial b_i} = \frac{1}{m} \sum_{n=1}^{m} (s_{ni} - y_{ni}),
              \qquad s_n = \operatorname{softmax}(z_n)

    ``z`` has shape ``(m, k)`` (so there are ``k`` classes) and ``y`` holds integer labels; in three
    of the four cases some class never appears in ``y``, and in one the two rows are 1000 apart.  The
    hint names a class count taken from the labels, classes renumbered by ``np.unique``, a sum instead
    of a mean, a flipped sign and one maximum for the whole batch.

    >>> check_bias_gradient(lambda z, y: (numerics.softmax(z) - numerics.one_hot(y, z.shape[1])).mean(axis=0)).passed
    ✓ check_bias_gradient: all 5 checks passed
    True
    """
    return _run_explained(_BIAS, fn, _missing_class_explained)
