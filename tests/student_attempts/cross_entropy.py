"""Chapter 4, exercises 1 and 2: attempts at the mean cross-entropy with integer labels (check_cross_entropy) and at
its gradient for one-hot or soft target rows (check_cross_entropy_grad)."""

import math

import numpy as np
import scipy.special

from helpers.checks import check_cross_entropy, check_cross_entropy_grad
from student_attempts import correct, wrong


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------- check_cross_entropy: correct


def loss_loop_math(logits, labels):
    """One example at a time with math.exp and math.log, a Python float at the end."""
    total = 0.0
    for row, label in zip(logits.tolist(), labels.tolist()):
        top = max(row)
        log_total = math.log(sum(math.exp(v - top) for v in row))
        total += -(row[label] - top - log_total)
    return total / len(labels)


def loss_scipy_logsumexp(logits, labels):
    picked = np.take_along_axis(logits, labels[:, None], axis=1)[:, 0]
    return np.mean(scipy.special.logsumexp(logits, axis=1) - picked)


def loss_scipy_log_softmax(logits, labels):
    return -scipy.special.log_softmax(logits, axis=-1)[np.arange(len(labels)), labels].mean()


def loss_via_one_hot(logits, labels):
    """Turns the labels into one-hot rows first, then -sum(y * log p) per row."""
    y = np.eye(logits.shape[1])[labels]
    logp = logits - logits.max(axis=1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
    return -(y * logp).sum(axis=1).mean()


def loss_float32(logits, labels):
    z = logits.astype(np.float32)
    logp = z - z.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))  # in place on a new array: fine
    return logp[np.arange(len(labels)), labels].mean() * np.float32(-1)


def loss_in_place_on_a_copy(logits, labels):
    z = logits.copy()
    z -= z.max(axis=1, keepdims=True)
    z -= np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-np.sum(z[range(len(labels)), labels]) / len(labels))


# --------------------------------------------------------------------------- check_cross_entropy: wrong


def loss_log_of_softmax(logits, labels):
    return -np.log(_softmax(logits)[np.arange(len(labels)), labels]).mean()


def loss_clipped(logits, labels):
    p = np.clip(_softmax(logits), 1e-8, 1.0)
    return -np.log(p[np.arange(len(labels)), labels]).mean()


def loss_clipped_keras_epsilon(logits, labels):
    p = np.clip(_softmax(logits), 1e-7, 1 - 1e-7)
    return -np.mean(np.log(p[np.arange(len(labels)), labels]))


def loss_no_shift(logits, labels):
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(labels)), labels].mean()


def loss_global_max(logits, labels):
    shifted = logits - logits.max()
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(labels)), labels].mean()


def loss_sum_not_mean(logits, labels):
    return -scipy.special.log_softmax(logits, axis=1)[np.arange(len(labels)), labels].sum()


def loss_no_minus(logits, labels):
    return scipy.special.log_softmax(logits, axis=1)[np.arange(len(labels)), labels].mean()


def loss_log10(logits, labels):
    p = scipy.special.softmax(logits, axis=1)
    return -np.log10(p[np.arange(len(labels)), labels]).mean()


def loss_per_example(logits, labels):
    return -scipy.special.log_softmax(logits, axis=1)[np.arange(len(labels)), labels]


def loss_column_block(logits, labels):
    return -scipy.special.log_softmax(logits, axis=1)[:, labels].mean()


def loss_labels_as_one_hot(logits, labels):
    """The seed post's docstring says y is one-hot; here it is not, and the product broadcasts."""
    return -np.sum(labels * scipy.special.log_softmax(logits, axis=1)) / logits.shape[0]


def loss_mean_over_everything(logits, labels):
    y = np.eye(logits.shape[1])[labels]
    return -np.mean(y * scipy.special.log_softmax(logits, axis=1))


def loss_one_hot_times_log_of_softmax(logits, labels):
    """-sum(y * log p) with y one-hot: 0 * log(0) is nan wherever a probability underflows."""
    y = np.eye(logits.shape[1])[labels]
    return -(y * np.log(_softmax(logits))).sum(axis=1).mean()


def loss_per_entry(logits, labels):
    """Forgot to reduce: the one-hot rows times log p, entry by entry."""
    return -np.eye(logits.shape[1])[labels] * scipy.special.log_softmax(logits, axis=1)


def loss_mean_keepdims(logits, labels):
    losses = -scipy.special.log_softmax(logits, axis=1)[np.arange(len(labels)), labels]
    return losses.mean(keepdims=True)


def loss_placeholder_zero(logits, labels):
    """A placeholder return left in: a loss of 0 is no clip, and must not be called one."""
    logp = scipy.special.log_softmax(logits, axis=1)  # noqa: F841 -- started, not finished
    return 0.0


def loss_shift_in_place(logits, labels):
    logits -= logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(labels)), labels].mean()


# --------------------------------------------------------------------------- check_cross_entropy_grad: correct


def grad_loop(logits, target):
    m, k = logits.shape
    out = [[0.0] * k for _ in range(m)]
    for n in range(m):
        top = max(logits[n])
        e = [math.exp(v - top) for v in logits[n]]
        for c in range(k):
            out[n][c] = (e[c] / sum(e) - target[n][c]) / m
    return out


def grad_scipy(logits, target):
    return (scipy.special.softmax(logits, axis=-1) - target) / len(logits)


def grad_any_target(logits, target):
    """p * sum(y) - y: the general form, equal to p - y because the rows sum to 1."""
    p = _softmax(logits)
    return (p * target.sum(axis=1, keepdims=True) - target) / logits.shape[0]


def grad_float32(logits, target):
    z = logits.astype(np.float32)
    return (_softmax(z) - target.astype(np.float32)) / np.float32(len(z))


def grad_exp_of_log_softmax(logits, target):
    p = np.exp(scipy.special.log_softmax(logits, axis=1))
    grad = p - target
    grad /= logits.shape[0]  # in place on the new array
    return grad


def grad_log_softmax_jacobian(logits, target):
    """The chain rule through log-softmax, whose Jacobian I - 1 p^T needs no division by p."""
    p = _softmax(logits)
    k = logits.shape[1]
    rows = [-(y_n @ (np.eye(k) - np.outer(np.ones(k), p_n))) for p_n, y_n in zip(p, target)]
    return np.array(rows) / len(p)


# --------------------------------------------------------------------------- check_cross_entropy_grad: wrong


def grad_no_mean(logits, target):
    return _softmax(logits) - target


def grad_flipped(logits, target):
    return (target - _softmax(logits)) / len(logits)


def grad_by_k(logits, target):
    return (_softmax(logits) - target) / logits.shape[1]


def grad_no_softmax(logits, target):
    return (logits - target) / len(logits)


def grad_diagonal_only(logits, target):
    p = _softmax(logits)
    return (-target / p) * p * (1 - p) / len(logits)


def grad_wrong_axis(logits, target):
    e = np.exp(logits - logits.max(axis=0))
    return (e / e.sum(axis=0) - target) / len(logits)


def grad_argmax_of_soft_target(logits, target):
    p = _softmax(logits)
    p[np.arange(len(p)), target.argmax(axis=1)] -= 1
    return p / len(p)


def grad_integer_indexing(logits, target):
    """Written for integer labels, handed one-hot rows: NumPy refuses float indices."""
    m = target.shape[0]
    grad = _softmax(logits)
    grad[range(m), target] -= 1
    return grad / m


def grad_naive_softmax(logits, target):
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True) - target) / len(logits)


def grad_global_max(logits, target):
    e = np.exp(logits - logits.max())
    return (e / e.sum(axis=1, keepdims=True) - target) / len(logits)


def grad_guarded_division(logits, target):
    """Guards the division by p against 0, which silences the very example that is most wrong."""
    p = _softmax(logits)
    upstream = np.where(p > 0, -target / np.where(p > 0, p, 1.0), 0.0)
    jvp = p * (upstream - (upstream * p).sum(axis=1, keepdims=True))
    return jvp / len(logits)


def grad_chain_rule_dividing_by_p(logits, target):
    p = _softmax(logits)
    upstream = -target / p
    jvp = p * (upstream - (upstream * p).sum(axis=1, keepdims=True))
    return jvp / len(logits)


def grad_returns_loss(logits, target):
    return -(target * scipy.special.log_softmax(logits, axis=1)).sum(axis=1).mean()


def grad_summed_over_the_batch(logits, target):
    """The bias gradient's sum over examples, where the logits' gradient was asked for."""
    return (_softmax(logits) - target).sum(axis=0) / len(logits)


def grad_subtract_in_place(logits, target):
    target -= _softmax(logits)
    return -target / len(logits)


ATTEMPTS = [
    # check_cross_entropy, correct
    correct("loss: loop with math.exp and math.log", loss_loop_math, check_cross_entropy),
    correct("loss: scipy logsumexp and take_along_axis", loss_scipy_logsumexp, check_cross_entropy),
    correct("loss: scipy log_softmax", loss_scipy_log_softmax, check_cross_entropy),
    correct("loss: one-hot rows built from the labels", loss_via_one_hot, check_cross_entropy),
    correct("loss: float32", loss_float32, check_cross_entropy),
    correct("loss: in place on a copy", loss_in_place_on_a_copy, check_cross_entropy),
    # check_cross_entropy, wrong
    wrong("loss: log of softmax", loss_log_of_softmax, check_cross_entropy, "log(0)", "log-softmax",
          failed_case="a confidently wrong example"),
    wrong("loss: clipped at 1e-8", loss_clipped, check_cross_entropy, "np.clip(p, 1e-8, 1)", "-log(1e-8) = 18.42",
          failed_case="a confidently wrong example"),
    wrong("loss: clipped at 1e-7", loss_clipped_keras_epsilon, check_cross_entropy, "np.clip(p, 1e-7, 1)",
          "-log(1e-7) = 16.12", failed_case="a confidently wrong example"),
    wrong("loss: no shift", loss_no_shift, check_cross_entropy, "exp overflowed", "maximum",
          failed_case="large logits"),
    wrong("loss: max over the whole batch", loss_global_max, check_cross_entropy, "per row",
          failed_case="rows far apart"),
    wrong("loss: sum instead of mean", loss_sum_not_mean, check_cross_entropy, "summed", "mean"),
    wrong("loss: no minus sign", loss_no_minus, check_cross_entropy, "sign", "MINUS"),
    wrong("loss: log10", loss_log10, check_cross_entropy, "natural log", "log10"),
    wrong("loss: one loss per example", loss_per_example, check_cross_entropy, "one loss per example", "mean"),
    wrong("loss: logp[:, labels]", loss_column_block, check_cross_entropy, "m x m block", "np.arange(m)"),
    wrong("loss: integer labels used as one-hot rows", loss_labels_as_one_hot, check_cross_entropy,
          "not one-hot", "broadcasts", failed_case="a square batch (3 examples, 3 classes)"),
    wrong("loss: np.mean over the (m, k) array", loss_mean_over_everything, check_cross_entropy, "m * k",
          "divide by m"),
    wrong("loss: shift in place", loss_shift_in_place, check_cross_entropy, "modified in place"),
    wrong("loss: one-hot rows times log of softmax", loss_one_hot_times_log_of_softmax, check_cross_entropy, "nan",
          "log(0)", "log-softmax", failed_case="a confidently wrong example"),
    wrong("loss: an array shaped like the logits", loss_per_entry, check_cross_entropy, "shaped like the logits",
          "sum over the classes"),
    wrong("loss: mean with keepdims", loss_mean_keepdims, check_cross_entropy, "a single number"),
    wrong("loss: a placeholder 0 left in", loss_placeholder_zero, check_cross_entropy, "the loss differs",
          failed_case="a square batch (3 examples, 3 classes)"),
    # check_cross_entropy_grad, correct
    correct("grad: nested loops returning lists", grad_loop, check_cross_entropy_grad),
    correct("grad: scipy softmax", grad_scipy, check_cross_entropy_grad),
    correct("grad: p * sum(y) - y", grad_any_target, check_cross_entropy_grad),
    correct("grad: float32", grad_float32, check_cross_entropy_grad),
    correct("grad: exp of log_softmax, in place on a new array", grad_exp_of_log_softmax, check_cross_entropy_grad),
    correct("grad: Jacobian of log-softmax", grad_log_softmax_jacobian, check_cross_entropy_grad),
    # check_cross_entropy_grad, wrong
    wrong("grad: no batch mean", grad_no_mean, check_cross_entropy_grad, "forgot the batch mean"),
    wrong("grad: y - p", grad_flipped, check_cross_entropy_grad, "sign", "s - y"),
    wrong("grad: divided by k", grad_by_k, check_cross_entropy_grad, "divided by k"),
    wrong("grad: logits - y", grad_no_softmax, check_cross_entropy_grad, "apply softmax first"),
    wrong("grad: diagonal of the Jacobian only", grad_diagonal_only, check_cross_entropy_grad, "diagonal",
          "-s_i s_j"),
    wrong("grad: softmax over columns", grad_wrong_axis, check_cross_entropy_grad, "wrong axis", "axis=-1"),
    wrong("grad: arg max of a soft target", grad_argmax_of_soft_target, check_cross_entropy_grad, "soft targets",
          "arg max", failed_case="soft targets (label smoothing 0.1)"),
    wrong("grad: integer-label indexing with one-hot rows", grad_integer_indexing, check_cross_entropy_grad,
          "IndexError", "integer"),
    wrong("grad: naive softmax", grad_naive_softmax, check_cross_entropy_grad, "exp overflowed",
          failed_case="large logits"),
    wrong("grad: max over the whole batch", grad_global_max, check_cross_entropy_grad, "per row",
          failed_case="rows far apart"),
    wrong("grad: chain rule dividing by p", grad_chain_rule_dividing_by_p, check_cross_entropy_grad,
          "do not divide by s", "s - y", failed_case="a confidently wrong example"),
    wrong("grad: division by p guarded against 0", grad_guarded_division, check_cross_entropy_grad,
          "vanished", "s - y", failed_case="a confidently wrong example"),
    wrong("grad: returns the loss", grad_returns_loss, check_cross_entropy_grad, "one number", "the shape of logits"),
    wrong("grad: summed over the batch", grad_summed_over_the_batch, check_cross_entropy_grad, "shape of the logits",
          "(m, k)"),
    wrong("grad: target changed in place", grad_subtract_in_place, check_cross_entropy_grad, "modified in place"),
]
