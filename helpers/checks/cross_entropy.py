"""Self-checks for chapter 4's exercises: :func:`check_cross_entropy`, :func:`check_cross_entropy_grad` and
:func:`check_weighted_smoothed_loss`.

Each input isolates mistakes from the book's list (REFERENCES.md 3, 5 and 7 among them): the logits of a
confidently wrong example make ``log(softmax(z))`` return inf and make clipping visible; rows far apart catch a
maximum over the whole batch; a square batch lets integer labels broadcast silently, as they do in NumPy.

>>> from helpers.numerics import cross_entropy
>>> check_cross_entropy(cross_entropy).passed
✓ check_cross_entropy: all 8 checks passed
True
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from helpers import numerics
from helpers.checks._core import Case, CheckResult, Spec, close, run_check

__all__ = ["check_cross_entropy", "check_cross_entropy_grad", "check_weighted_smoothed_loss"]

_STABLE_LOSS = "compute log-softmax directly, log p = (z - max) - log(sum(exp(z - max))), and never take log(p)"
_PER_ROW_MAX = "take the maximum per row, z.max(axis=-1, keepdims=True), not over the whole batch"
_NO_SHIFT = "inf or nan: exp overflowed; subtract each row's maximum before exponentiating"
# Logits spread far apart: a shift by the minimum leaves exp(722), which overflows, while no probability underflows
# to 0 (exp(-722) is a subnormal float, so even log(softmax) is finite); it comes before the confidently wrong
# example, so that a nan there is the log of an underflowed probability and not a shift that overflows.
_SPREAD = [[-720.0, 0.5, 1.0, 2.0], [0.3, -0.2, 0.1, 0.0]]
_NOT_THE_MAX = ("inf or nan when the logits are spread far apart (from -720 to 2): the shift before exp must be "
                "each row's maximum (a shift by the minimum leaves exp(722), which overflows), so that every "
                "exponent is at most 0")


def _log_softmax(z, axis=-1):
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# --------------------------------------------------------------------------- cross-entropy with integer labels


def _loss_case(label, logits, labels, nonfinite_hint):
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    expected = np.asarray(numerics.cross_entropy(logits, labels), dtype=np.float64)
    wrong = "the loss differs: it is the mean over examples of -log softmax(z_n)[labels[n]]"
    return Case(label, (logits, labels), expected, nonfinite_hint, wrong, ("logits", "labels"))


def _loss_cases():
    ordinary = "nan or inf for ordinary logits: is something divided by zero, or a log of 0 taken?"
    return (
        # Square (m = k = 3): integer labels used as one-hot rows broadcast without an error, as in NumPy.
        _loss_case("a square batch (3 examples, 3 classes)", [[2.0, 1.0, -1.0], [0.5, 0.5, 3.0], [1.0, -2.0, 0.0]],
                   [0, 2, 1], ordinary),
        # More examples than classes, non-integer logits: a transposed index or a mean over classes shows.
        _loss_case("a batch of 4 examples and 3 classes",
                   [[1.0358, 2.4606, 0.8589], [-3.9512, 2.7326, 1.0851], [0.3, -0.7, 2.2], [0.0, 0.0, 0.0]],
                   [1, 2, 0, 2], ordinary),
        _loss_case("large logits", [[1000.0, 1001.0, 1002.0]], [2], _NO_SHIFT),
        _loss_case("rows far apart", [[1.0, 2.0, 3.0], [-1000.0, -1001.0, -1002.0]], [0, 2],
                   f"inf or nan for the lower row: {_PER_ROW_MAX}"),
        _loss_case("logits spread far apart", _SPREAD, [3, 1], _NOT_THE_MAX),
        # The true class is 800 below the top logit: its probability underflows to exactly 0.
        _loss_case("a confidently wrong example", [[0.0, 800.0, -5.0], [3.0, 0.0, 1.0]], [0, 0],
                   "inf or nan: the true class's probability underflowed to 0 and log(0) = -inf (times the 0 of "
                   f"a one-hot row, nan); {_STABLE_LOSS}"),
        _loss_case("one example", [[0.25, -1.0, 2.3, -0.2, 1.0]], [3], ordinary),
    )


def _loss_mistakes(logits, labels):
    """The value each named mistake returns on this input (where it returns one), with its hint."""
    m, k = logits.shape
    logp = _log_softmax(logits)
    rows = np.arange(m)
    mistakes = [
        (-logp[rows, labels].sum(), "you summed the losses: the loss is the mean, so divide by the number of "
                                    "examples m (or use .mean())"),
        (logp[rows, labels].mean(), "the sign is wrong: the loss is MINUS the log-probability of the true class"),
        (-logp[rows, labels].mean() / np.log(10), "use the natural log (np.log), not log10"),
        (-logp[rows, labels].mean() / np.log(2), "use the natural log (np.log), not log2"),
        (-logp[rows, labels].mean() / k, "you divided by m * k: a mean over the whole (m, k) array also averages "
                                         "over the classes; divide by m only"),
        (-logp[:, labels].mean(), "logp[:, labels] picks an m x m block, every example with every label: "
                                  "use logp[np.arange(m), labels] (one entry per row)"),
    ]
    if m == k:
        mistakes.append((-(labels * logp).sum() / m,
                         "labels are integer class indices, not one-hot rows: multiplying by them broadcasts "
                         "silently; pick the true class with logp[np.arange(m), labels]"))
    return mistakes


def _loss_diagnose(case, got):
    logits, labels = case.args
    for value, hint in _loss_mistakes(logits, labels):
        if close(got, np.asarray(value)):
            return hint
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    if got < case.expected:  # a clipped probability makes the loss smaller, never larger
        return _capped_hint(logits, labels, float(got))
    return None


def _loss_cap(losses, got):
    """The cap c with mean(min(losses, c)) == got: the largest loss each example was allowed (got < mean(losses))."""
    losses = np.sort(losses)
    m = losses.size
    for uncapped in range(m):
        cap = (m * got - losses[:uncapped].sum()) / (m - uncapped)
        if cap <= losses[uncapped]:
            break  # reached by the last example at the latest, since got < mean(losses)
    return cap


# The caps a clip can put on each loss: from -log(1e-2) (no one floors a probability above 1e-2) to -log of the
# smallest normal float64 (np.finfo(float).tiny; a floor below it is no number anyone writes).  The 0.999 and 1.001
# spare the rounding of a cap worked out from the mean.
_LEAST_CAP, _MOST_CAP = 0.999 * np.log(100), -1.001 * np.log(np.finfo(np.float64).tiny)


def _capped_hint(logits, labels, got):
    """Hint for a loss far too small, as clipping the probability makes it: name the floor the answer implies when it
    is a power of ten.  None when no floor from 1e-2 down to the smallest float64 explains the answer (a loss of 0,
    say, is no clip)."""
    losses = -_log_softmax(logits)[np.arange(len(labels)), labels]
    cap = _loss_cap(losses, got)
    if not _LEAST_CAP <= cap <= _MOST_CAP:
        return None
    exponent = round(cap / np.log(10))
    if abs(cap - exponent * np.log(10)) < 1e-3:  # -log(floor) up to rounding, float32 included
        floor = f"1e-{exponent}"
        clipped = (f"a probability floored at {floor} (np.clip(p, {floor}, 1) or log(p + {floor})) caps each loss "
                   f"at -log({floor}) = {exponent * np.log(10):.2f}")
    else:
        clipped = "clipping the probability (np.clip(p, eps, 1) or log(p + eps)) caps each loss at -log(eps)"
    return (f"your loss is far too small for a confidently wrong example: {clipped}, which hides the failure and "
            f"biases the loss; {_STABLE_LOSS}")


def _loss_shape(case, got_shape):
    logits, _ = case.args
    if got_shape == logits.shape[:1]:
        return "you returned one loss per example: the loss is their mean, a single number"
    if got_shape == logits.shape:
        return "you returned an array shaped like the logits: sum over the classes, then average over the examples"
    return "the loss is a single number (the mean over the batch)"


_LOSS = Spec("check_cross_entropy", _loss_cases, _loss_diagnose, _loss_shape)


def check_cross_entropy(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(logits, labels)``: the mean cross-entropy of a batch with integer labels.

    .. math:: L = -\frac{1}{m} \sum_{n=1}^{m} \log \operatorname{softmax}(z_n)_{y_n}

    ``fn`` is called with float64 ``logits`` of shape ``(m, k)`` and int64 ``labels`` of shape ``(m,)`` (class
    indices from 0 to k - 1), and must return one number.  Inputs: a square batch (integer labels misused as
    one-hot rows broadcast silently there), a 4 x 3 batch, large logits, rows 1000 apart, logits from -720 to 2
    (a shift by the minimum overflows), a confidently wrong
    example (the true class 800 below the top, so ``log(softmax(z))`` is inf and a clipped probability caps the
    loss) and a single example with 5 classes.  Compared with :func:`helpers.numerics.cross_entropy`.  The
    inputs must come back unchanged.  Never raises.

    >>> naive = lambda z, y: -np.log(numerics.softmax(z)[np.arange(len(y)), y]).mean()
    >>> check_cross_entropy(naive).passed  # doctest: +ELLIPSIS
    ✗ check_cross_entropy failed on a confidently wrong example, ...
      expected 400
      got      inf
      hint: inf or nan: the true class's probability underflowed to 0 and log(0) = -inf (times the 0 of a ...
    False
    """
    return run_check(_LOSS, fn)


# --------------------------------------------------------------------------- the gradient, for probability rows


def _smoothed(labels, k, eps):
    return (1 - eps) * numerics.one_hot(labels, k) + eps / k


def _grad_case(label, logits, target, nonfinite_hint):
    logits = np.asarray(logits, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    expected = numerics.cross_entropy_grad(logits, target)
    wrong = "the gradient differs: it is (softmax(z) - y) / m, row by row"
    return Case(label, (logits, target), expected, nonfinite_hint, wrong, ("logits", "target"))


def _grad_cases():
    ordinary = "nan or inf for ordinary logits: is something divided by zero?"
    batch = [[2.0, 1.0, -1.0], [0.5, 0.5, 3.0], [0.0, 0.0, 0.0], [1.0358, -2.4606, 0.8589]]
    return (
        # Square (m = k = 3): p[range(m), y] with one-hot rows y indexes wrong entries without an error.
        _grad_case("one-hot targets (3 examples, 3 classes)", batch[:3], numerics.one_hot([0, 2, 1], 3), ordinary),
        _grad_case("soft targets (label smoothing 0.1)", batch, _smoothed([0, 2, 1, 1], 3, 0.1), ordinary),
        _grad_case("soft targets with no clear class", batch[:2], [[0.2, 0.3, 0.5], [0.5, 0.5, 0.0]], ordinary),
        _grad_case("large logits", [[1000.0, 1001.0, 1002.0]], [[0.0, 0.0, 1.0]], _NO_SHIFT),
        _grad_case("rows far apart", [[1.0, 2.0, 3.0], [-1000.0, -1001.0, -1002.0]], numerics.one_hot([0, 2], 3),
                   f"inf or nan for the lower row: {_PER_ROW_MAX}"),
        _grad_case("logits spread far apart", _SPREAD, [[0.0, 0.0, 0.0, 1.0], [0.1, 0.7, 0.1, 0.1]], _NOT_THE_MAX),
        # p of the true class underflows to 0, so a chain rule through -y / p divides 0 by 0.
        _grad_case("a confidently wrong example", [[0.0, 800.0, -5.0], [3.0, 0.0, 1.0]], numerics.one_hot([0, 0], 3),
                   "nan or inf: do not divide by s (the chain rule through dL/ds = -y / s); it simplifies to "
                   "s - y, which needs no division"),
    )


def _grad_mistakes(logits, target):
    m, k = logits.shape
    p = numerics.softmax(logits)
    grad = (p - target) / m
    with np.errstate(all="ignore"):
        column_softmax = np.exp(logits - logits.max(axis=0)) / np.exp(logits - logits.max(axis=0)).sum(axis=0)
    hard = numerics.one_hot(target.argmax(axis=-1), k)
    mistakes = [
        (grad * m, "you forgot the batch mean: the loss is a mean over m examples, so divide the gradient by m"),
        (-grad, "the sign is flipped: the gradient is s - y, not y - s"),
        (grad * m / k, "you divided by k (the classes): divide by m, the number of examples"),
        ((logits - target) / m, "apply softmax first: the gradient is softmax(z) - y, not z - y"),
        (-target * (1 - p) / m, "only the diagonal of the Jacobian was used (s_i (1 - s_i)): the -s_i s_j terms "
                                "add s_i * sum(y) to every entry; the result is s - y"),
        ((column_softmax - target) / m, "softmax over the wrong axis: normalise each row (axis=-1), not each column"),
        ((p - hard) / m, "soft targets: use the whole target row y, not a one-hot of its arg max"),
    ]
    if m == k:
        indexed = p.copy()
        indexed[range(m), target.astype(np.int64)] -= 1
        mistakes.append((indexed / m, "target holds probability rows (one-hot or soft), not integer labels: "
                                      "s[range(m), y] with rows y indexes the wrong entries; use s - y"))
    return mistakes


def _grad_diagnose(case, got):
    logits, target = case.args
    for value, hint in _grad_mistakes(logits, target):
        if close(got, value):
            return hint
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    silenced = np.all(np.abs(got) < 1e-6, axis=-1) & np.any(np.abs(case.expected) > 1e-3, axis=-1)
    if silenced.any():
        return (
            f"the gradient vanished for example {int(np.argmax(silenced))}, which the model gets badly wrong: a "
            "clip or a guard around s hides that example from training; use s - y, which needs neither"
        )
    return None


def _grad_shape(case, got_shape):
    if got_shape == ():
        return "you returned one number (the loss?): the gradient has one entry per logit, the shape of logits"
    return "the gradient has the shape of the logits, (m, k)"


_GRAD = Spec("check_cross_entropy_grad", _grad_cases, _grad_diagnose, _grad_shape)


def check_cross_entropy_grad(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(logits, target)``: the gradient of the mean cross-entropy with respect to the logits.

    .. math:: \frac{\partial L}{\partial z_{ni}} = \frac{\operatorname{softmax}(z_n)_i - y_{ni}}{m}

    ``fn`` is called with float64 ``logits`` of shape ``(m, k)`` and a float64 ``target`` of the same shape whose
    rows are probability distributions (one-hot or soft), and must return an array of shape ``(m, k)``.  Inputs:
    one-hot rows (a square batch, where ``p[range(m), y]`` with rows ``y`` fails silently), label-smoothed rows,
    soft rows with no clear class, large logits, rows 1000 apart and a confidently wrong example (where a chain
    rule through ``-y / p`` divides by 0).  Compared with
    :func:`helpers.numerics.cross_entropy_grad`; the inputs must come back unchanged.  Never raises.

    >>> no_mean = lambda z, y: numerics.softmax(z) - y
    >>> check_cross_entropy_grad(no_mean).passed  # doctest: +ELLIPSIS
    ✗ check_cross_entropy_grad failed on one-hot targets (3 examples, 3 classes), ...
      row 0: expected [-0.0982, 0.0865, 0.0117]
             got      [-0.295, 0.259, 0.0351]
      hint: you forgot the batch mean: the loss is a mean over m examples, so divide the gradient by m
    False
    """
    return run_check(_GRAD, fn)


# --------------------------------------------------------------------------- weights and label smoothing, as PyTorch


def _ws_case(label, logits, labels, weight, eps, nonfinite_hint):
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    weight = np.asarray(weight, dtype=np.float64)
    expected = np.asarray(numerics.cross_entropy(logits, labels, weight=weight, label_smoothing=eps), dtype=np.float64)
    wrong = ("the loss differs: it is sum_n L_n / sum_n w[labels[n]], with L_n = -sum_i w_i ỹ_ni log softmax(z_n)_i "
             "and ỹ_n = (1 - eps) one_hot(labels[n]) + eps / k")
    return Case(label, (logits, labels, weight, float(eps)), expected, nonfinite_hint, wrong,
                ("logits", "labels", "weight", "eps"))


def _ws_cases():
    ordinary = "nan or inf for ordinary logits: is something divided by zero, or a log of 0 taken?"
    batch = [[2.0, 1.0, -1.0], [0.5, 0.5, 3.0], [1.0, -2.0, 0.0], [-0.3, 0.8, 0.1]]
    return (
        # Unequal weights and smoothing together: every mistake below changes this value.
        _ws_case("unequal weights and smoothing", batch, [0, 2, 1, 2], [0.2, 1.0, 3.0],
                 0.1, ordinary),
        # Square batch: labels used as one-hot rows broadcast silently.
        _ws_case("a square batch (3 examples, 3 classes)", batch[:3], [0, 2, 1], [1.0, 2.0, 0.5], 0.2,
                 ordinary),
        _ws_case("no smoothing (eps = 0)", batch, [1, 1, 0, 2], [0.5, 2.0, 1.0], 0.0,
                 ordinary),
        _ws_case("all weights 1", batch, [0, 2, 1, 2], [1.0, 1.0, 1.0], 0.3, ordinary),
        _ws_case("large logits", [[1000.0, 1001.0, 1002.0], [1000.0, 1000.0, 999.0]], [2, 0], [1.0, 3.0, 2.0], 0.1,
                 _NO_SHIFT),
        _ws_case("logits spread far apart", _SPREAD, [3, 1], [1.0, 2.0, 0.5, 1.5], 0.0, _NOT_THE_MAX),
        # The true class is 800 below the top: log(softmax) is -inf, and with smoothing every class's log p counts.
        _ws_case("a confidently wrong example", [[0.0, 800.0, -5.0], [3.0, 0.0, 1.0]], [0, 0], [2.0, 1.0, 1.0], 0.1,
                 f"inf or nan: a probability underflowed to 0 and log(0) = -inf; {_STABLE_LOSS}"),
    )


def _ws_mistakes(logits, labels, weight, eps):
    """The value each named mistake returns on this input, with its hint."""
    m, k = logits.shape
    logp = _log_softmax(logits)
    y = np.eye(k)[labels]

    def loss(q, w_rows, denominator):
        return -(w_rows * q * logp).sum() / denominator

    q = (1 - eps) * y + eps / k
    right_sum, total_w = loss(q, weight, 1.0), weight[labels].sum()
    mistakes = [
        (right_sum / m, "class weights read as a plain mean: the weighted mean divides by the total weight of the "
                        "true classes, sum(weight[labels]), not by the number of examples m"),
        (right_sum, "you summed the losses: divide by the total weight of the true classes, sum(weight[labels])"),
        (right_sum / weight.sum(), "divide by the weights of the examples' true classes, sum(weight[labels]), "
                                   "not by the sum of the k class weights"),
        (loss(q, weight[labels][:, None], total_w), "each example weighted by its true class's weight: in the "
                                                    "smoothing part each class i carries its own weight w_i, "
                                                    "-sum_i w_i ỹ_ni log s_ni"),
        (loss(q, 1.0, m), "the weights are missing: multiply each class's term by weight[c]"),
        (loss(y, weight, total_w), "label smoothing is missing: the target is ỹ = (1 - eps) one_hot + eps / k"),
        (loss((1 - eps) * y + eps, weight, total_w), "smoothing adds eps / k to every class, not eps (the smoothed "
                                                      "target must sum to 1)"),
        (loss(y + eps / k, weight, total_w), "scale the one-hot part by (1 - eps): q = (1 - eps) one_hot + eps / k"),
        (-loss(q, weight, total_w), "the sign is wrong: the loss is MINUS the weighted log-probabilities"),
    ]
    other = (1 - eps) * y + eps / (k - 1) * (1 - y)
    mistakes.append((loss(other, weight, total_w), "eps / (k - 1) on the wrong classes is another convention: "
                                                   "PyTorch's (and this exercise's) target is (1 - eps) one_hot "
                                                   "+ eps / k, eps / k on every class, the true one included"))
    mistakes.append((loss(q, weight, total_w) / k, "you divided by k too: average over the weighted examples only"))
    return mistakes


def _ws_diagnose(case, got):
    for value, hint in _ws_mistakes(*case.args):
        if close(got, np.asarray(value)):
            return hint
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    return None


def _ws_shape(case, got_shape):
    logits = case.args[0]
    if got_shape == logits.shape[:1]:
        return "you returned one loss per example: the loss is their weighted mean, a single number"
    return "the loss is a single number (the weighted mean over the batch)"


_WEIGHTED_SMOOTHED = Spec("check_weighted_smoothed_loss", _ws_cases, _ws_diagnose, _ws_shape)


def check_weighted_smoothed_loss(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(logits, labels, weight, eps)``: the class-weighted, label-smoothed mean cross-entropy
    as PyTorch's ``torch.nn.functional.cross_entropy`` computes it with ``weight=weight, label_smoothing=eps``.

    .. math:: L = \frac{\sum_n L_n}{\sum_n w_{c_n}}, \qquad
              L_n = -\sum_{i=1}^{k} w_i \, \tilde y_{ni} \log \operatorname{softmax}(z_n)_i, \qquad
              \tilde y_n = (1 - \varepsilon)\, y_n + \varepsilon / k

    ``fn`` is called with float64 ``logits`` ``(m, k)``, int64 ``labels`` ``(m,)``, float64 ``weight`` ``(k,)`` and a
    float ``eps``, and must return one number.  Inputs: unequal weights with smoothing, a square batch, ``eps = 0``,
    weights all 1, large logits and a confidently wrong example.  Compared with
    :func:`helpers.numerics.cross_entropy` (``weight=..., label_smoothing=...``).  Names the mistakes of chapter 4:
    a plain mean over the examples, weights on the examples instead of the classes, smoothing by ``eps`` or
    ``eps / (k - 1)``.  The inputs must come back unchanged.  Never raises.

    >>> plain_mean = lambda z, y, w, eps: numerics.cross_entropy(z, y, weight=w, label_smoothing=eps,
    ...                                                          reduction="sum") / len(y)
    >>> check_weighted_smoothed_loss(plain_mean).passed  # doctest: +ELLIPSIS
    ✗ check_weighted_smoothed_loss failed on unequal weights and smoothing, ...
      expected 1.1
      got      1.98
      hint: class weights read as a plain mean: ...
    False
    """
    return run_check(_WEIGHTED_SMOOTHED, fn)
