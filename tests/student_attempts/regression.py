"""Chapter 5's exercises: attempts at the L2-penalised gradient, the tempered loss and the bias gradient."""

import math

import numpy as np
import scipy.special

import helpers
from helpers.checks import check_bias_gradient, check_l2_gradient, check_tempered_loss
from student_attempts import correct, wrong

# --------------------------------------------------------------------------- check_l2_gradient: correct


def l2_with_helpers(W, b, X, y, C):
    G = helpers.cross_entropy_grad(X @ W + b, y) * len(y)  # undo the mean: the objective sums
    return np.vstack([W + C * X.T @ G, C * G.sum(axis=0)])


def l2_one_hot(W, b, X, y, C):
    P = helpers.softmax(X @ W + b)
    Y = helpers.one_hot(y, W.shape[1])
    dW = W + C * X.T @ (P - Y)
    db = C * np.sum(P - Y, axis=0)
    return np.vstack([dW, db])


def l2_loop(W, b, X, y, C):
    """Example by example, with an outer product for each image."""
    dW, db = W.copy(), np.zeros_like(b)
    for x, label in zip(X, y):
        p = scipy.special.softmax(x @ W + b)
        p[label] -= 1
        dW += C * np.outer(x, p)
        db += C * p
    return np.vstack([dW, db])


def l2_augmented(W, b, X, y, C):
    """The bias as the weight of a constant feature, then the penalty only on the weight rows."""
    theta = np.vstack([W, b])
    X1 = np.hstack([X, np.ones((len(X), 1))])
    P = scipy.special.softmax(X1 @ theta, axis=1)
    P[np.arange(len(y)), y] -= 1
    grad = C * X1.T @ P
    grad[:-1] += W
    return grad


def l2_float32(W, b, X, y, C):
    W32, b32, X32 = (np.asarray(a, dtype=np.float32) for a in (W, b, X))
    P = scipy.special.softmax(X32 @ W32 + b32, axis=1)
    P[np.arange(len(y)), y] -= 1
    return np.vstack([W32 + np.float32(C) * X32.T @ P, np.float32(C) * P.sum(axis=0)]).tolist()


def l2_in_place_on_a_copy(W, b, X, y, C):
    Z = X @ W + b
    Z -= Z.max(axis=1, keepdims=True)  # Z is a new array: this is safe
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    Z[np.arange(len(y)), y] -= 1
    return np.concatenate([W + C * X.T @ Z, C * Z.sum(axis=0, keepdims=True)])


# --------------------------------------------------------------------------- check_l2_gradient: wrong


def _probabilities_minus_targets(W, b, X, y):
    P = helpers.softmax(X @ W + b)
    return P - helpers.one_hot(y, W.shape[1])


def l2_mean(W, b, X, y, C):
    G = helpers.cross_entropy_grad(X @ W + b, y)  # the mean, as in the chapter
    return np.vstack([W + C * X.T @ G, C * G.sum(axis=0)])


def l2_bias_penalised(W, b, X, y, C):
    G = _probabilities_minus_targets(W, b, X, y)
    return np.vstack([W + C * X.T @ G, b + C * G.sum(axis=0)])


def l2_two_w(W, b, X, y, C):
    G = _probabilities_minus_targets(W, b, X, y)
    return np.vstack([2 * W + C * X.T @ G, C * G.sum(axis=0)])


def l2_no_penalty(W, b, X, y, C):
    G = _probabilities_minus_targets(W, b, X, y)
    return np.vstack([C * X.T @ G, C * G.sum(axis=0)])


def l2_y_minus_p(W, b, X, y, C):
    G = -_probabilities_minus_targets(W, b, X, y)
    return np.vstack([W + C * X.T @ G, C * G.sum(axis=0)])


def l2_c_on_penalty(W, b, X, y, C):
    G = _probabilities_minus_targets(W, b, X, y)
    return np.vstack([C * W + X.T @ G, G.sum(axis=0)])


def l2_weights_only(W, b, X, y, C):
    return W + C * X.T @ _probabilities_minus_targets(W, b, X, y)


def l2_tuple(W, b, X, y, C):
    G = _probabilities_minus_targets(W, b, X, y)
    return W + C * X.T @ G, C * G.sum(axis=0)


def l2_unshifted(W, b, X, y, C):
    e = np.exp(X @ W + b)
    G = e / e.sum(axis=1, keepdims=True) - helpers.one_hot(y, W.shape[1])
    return np.vstack([W + C * X.T @ G, C * G.sum(axis=0)])


def l2_only_penalty(W, b, X, y, C):
    return np.vstack([W, np.zeros_like(b)])


def l2_classes_by_features(W, b, X, y, C):
    """The gradient laid out one row per class, as a PyTorch Linear layer stores its weights."""
    G = _probabilities_minus_targets(W, b, X, y)
    return np.hstack([W.T + C * G.T @ X, C * G.sum(axis=0)[:, None]])


def l2_classes_from_rows_of_w(W, b, X, y, C):
    k = W.shape[0]
    G = helpers.softmax(X @ W + b) - helpers.one_hot(y, k)
    return np.vstack([W + C * X.T @ G, C * G.sum(axis=0)])


def l2_sum_without_keepdims(W, b, X, y, C):
    Z = X @ W + b
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = e / e.sum(axis=1)
    G = P - helpers.one_hot(y, W.shape[1])
    return np.vstack([W + C * X.T @ G, C * G.sum(axis=0)])


def l2_bias_row_without_c(W, b, X, y, C):
    G = _probabilities_minus_targets(W, b, X, y)
    return np.vstack([W + C * X.T @ G, G.sum(axis=0)])


def l2_bias_row_mean(W, b, X, y, C):
    G = _probabilities_minus_targets(W, b, X, y)
    return np.vstack([W + C * X.T @ G, C * G.mean(axis=0)])


# --------------------------------------------------------------------------- check_tempered_loss: correct


def tempered_log_softmax(z, y, t):
    log_p = helpers.log_softmax(np.asarray(z, dtype=float) / t)
    return -np.mean(log_p[np.arange(len(y)), y])


def tempered_logsumexp(z, y, t):
    s = z / t
    return float(np.mean(scipy.special.logsumexp(s, axis=1) - s[np.arange(len(y)), y]))


def tempered_loop_math(z, y, t):
    total = 0.0
    for row, label in zip(z, y):
        scaled = [v / t for v in row]
        top = max(scaled)
        total += top + math.log(sum(math.exp(v - top) for v in scaled)) - scaled[label]
    return total / len(y)


def tempered_one_hot(z, y, t):
    Y = np.eye(z.shape[1])[y]
    return -np.sum(Y * scipy.special.log_softmax(z / t, axis=1)) / len(y)


def tempered_helpers(z, y, t):
    return helpers.cross_entropy(z / t, y)


def tempered_times_inverse(z, y, t):
    return helpers.cross_entropy(z * (1 / t), y)


# --------------------------------------------------------------------------- check_tempered_loss: wrong


def tempered_log_of_softmax(z, y, t):
    p = helpers.softmax(z / t)
    return -np.mean(np.log(p[np.arange(len(y)), y]))


def tempered_ignores_t(z, y, t):
    return helpers.cross_entropy(z, y)


def tempered_multiplies(z, y, t):
    return helpers.cross_entropy(z * t, y)


def tempered_divides_probabilities(z, y, t):
    p = helpers.softmax(z) / t
    return -np.mean(np.log(p[np.arange(len(y)), y]))


def tempered_sum(z, y, t):
    log_p = helpers.log_softmax(z / t)
    return -np.sum(log_p[np.arange(len(y)), y])


def tempered_per_example(z, y, t):
    log_p = helpers.log_softmax(z / t)
    return -log_p[np.arange(len(y)), y]


def tempered_not_reduced(z, y, t):
    Y = helpers.one_hot(y, z.shape[1])
    return -Y * helpers.log_softmax(z / t) / len(y)


def tempered_loss_divided(z, y, t):
    return helpers.cross_entropy(z / t, y) / t


def tempered_naive_exp(z, y, t):
    e = np.exp(z / t)
    p = e / e.sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(y)), y]))


def tempered_clipped(z, y, t):
    """Clipping hides the inf but biases the loss (mistake 5 of the museum)."""
    p = np.clip(helpers.softmax(z / t), 1e-8, 1.0)
    return -np.mean(np.log(p[np.arange(len(y)), y]))


# --------------------------------------------------------------------------- check_bias_gradient: correct


def bias_one_hot(z, y):
    return (helpers.softmax(z) - helpers.one_hot(y, z.shape[1])).mean(axis=0)


def bias_helpers(z, y):
    return helpers.cross_entropy_grad(z, y).sum(axis=0)


def bias_subtract_in_place(z, y):
    p = scipy.special.softmax(z, axis=1)
    p[np.arange(len(y)), y] -= 1  # p is a fresh array, so this changes nothing outside
    return p.sum(axis=0) / len(y)


def bias_loop(z, y):
    m, k = z.shape
    grad = [0.0] * k
    for row, label in zip(z, y):
        top = max(row)
        e = [math.exp(v - top) for v in row]
        total = sum(e)
        for c in range(k):
            grad[c] += (e[c] / total - (1.0 if c == label else 0.0)) / m
    return grad


def bias_bincount(z, y):
    counts = np.bincount(y, minlength=z.shape[1])
    return scipy.special.softmax(z, axis=1).mean(axis=0) - counts / len(y)


def bias_float32(z, y):
    p = helpers.softmax(np.asarray(z, dtype=np.float32))
    return (p - helpers.one_hot(y, z.shape[1]).astype(np.float32)).mean(axis=0)


# --------------------------------------------------------------------------- check_bias_gradient: wrong


def bias_modifies_z(z, y):
    z -= z.max(axis=1, keepdims=True)  # changes the caller's logits
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return (z - helpers.one_hot(y, z.shape[1])).mean(axis=0)


def bias_classes_from_max(z, y):
    Y = np.eye(y.max() + 1)[y]
    return (helpers.softmax(z) - Y).mean(axis=0)


def bias_classes_from_unique(z, y):
    classes = np.unique(y)
    Y = (y[:, None] == classes).astype(float)
    return (helpers.softmax(z) - Y).mean(axis=0)


def bias_unique_renumbered(z, y):
    _, index = np.unique(y, return_inverse=True)
    Y = np.eye(z.shape[1])[index]
    return (helpers.softmax(z) - Y).mean(axis=0)


def bias_bincount_without_minlength(z, y):
    return helpers.softmax(z).mean(axis=0)[: y.max() + 1] - np.bincount(y) / len(y)


def bias_max_without_keepdims(z, y):
    e = np.exp(z - z.max(axis=1))
    p = e / e.sum(axis=1, keepdims=True)
    return (p - helpers.one_hot(y, z.shape[1])).mean(axis=0)


def bias_flipped(z, y):
    return (helpers.one_hot(y, z.shape[1]) - helpers.softmax(z)).mean(axis=0)


def bias_summed(z, y):
    return (helpers.softmax(z) - helpers.one_hot(y, z.shape[1])).sum(axis=0)


def bias_no_targets(z, y):
    return helpers.softmax(z).mean(axis=0)


def bias_wrong_axis(z, y):
    return (helpers.softmax(z) - helpers.one_hot(y, z.shape[1])).mean(axis=1)


def bias_logit_gradient(z, y):
    return helpers.cross_entropy_grad(z, y)


def tempered_global_max(z, y, t):
    """A log-softmax shifted by one maximum for the whole batch."""
    s = np.asarray(z) / t
    shifted = s - s.max()
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(y)), y].mean()


def bias_global_max(z, y):
    """A softmax shifted by one maximum for the whole batch."""
    e = np.exp(z - np.max(z))
    p = e / e.sum(axis=1, keepdims=True)
    return (p - helpers.one_hot(y, z.shape[1])).mean(axis=0)


ATTEMPTS = [
    # check_l2_gradient
    correct("l2: helpers gradient times m", l2_with_helpers, check_l2_gradient),
    correct("l2: softmax minus one-hot", l2_one_hot, check_l2_gradient),
    correct("l2: loop of outer products", l2_loop, check_l2_gradient),
    correct("l2: constant feature for the bias", l2_augmented, check_l2_gradient),
    correct("l2: float32 as nested lists", l2_float32, check_l2_gradient),
    correct("l2: in place on a fresh array", l2_in_place_on_a_copy, check_l2_gradient),
    wrong("l2: mean instead of sum", l2_mean, check_l2_gradient, "averaged over the examples", "no division by m"),
    wrong("l2: bias penalised", l2_bias_penalised, check_l2_gradient, "the bias is penalised"),
    wrong("l2: 2W", l2_two_w, check_l2_gradient, "is W, not 2W"),
    wrong("l2: no penalty", l2_no_penalty, check_l2_gradient, "penalty's gradient W is missing"),
    wrong("l2: Y - P", l2_y_minus_p, check_l2_gradient, "not Y - S"),
    wrong("l2: C on the penalty", l2_c_on_penalty, check_l2_gradient, "C multiplies the loss term"),
    wrong("l2: weights only", l2_weights_only, check_l2_gradient, "np.vstack([dW, db])"),
    wrong("l2: a tuple", l2_tuple, check_l2_gradient, "tuple"),
    wrong("l2: no shift", l2_unshifted, check_l2_gradient, "stable softmax",
          failed_case="large weights (scores of several hundred)"),
    wrong("l2: only the penalty", l2_only_penalty, check_l2_gradient, "only the penalty's gradient"),
    wrong("l2: one row per class", l2_classes_by_features, check_l2_gradient, "transposed"),
    wrong("l2: k = W.shape[0]", l2_classes_from_rows_of_w, check_l2_gradient, "k = W.shape[1], not W.shape[0]",
          failed_case="another problem"),
    wrong("l2: sum without keepdims", l2_sum_without_keepdims, check_l2_gradient, "keepdims=True",
          failed_case="a small problem"),
    wrong("l2: C missing from the bias row", l2_bias_row_without_c, check_l2_gradient,
          "the weight rows are right but the last row"),
    wrong("l2: bias row averaged", l2_bias_row_mean, check_l2_gradient, "the weight rows are right but the last row"),
    # check_tempered_loss
    correct("tempered: log_softmax", tempered_log_softmax, check_tempered_loss),
    correct("tempered: logsumexp", tempered_logsumexp, check_tempered_loss),
    correct("tempered: loop with math", tempered_loop_math, check_tempered_loss),
    correct("tempered: one-hot sum", tempered_one_hot, check_tempered_loss),
    correct("tempered: helpers.cross_entropy", tempered_helpers, check_tempered_loss),
    correct("tempered: times 1 / t", tempered_times_inverse, check_tempered_loss),
    wrong("tempered: log of softmax", tempered_log_of_softmax, check_tempered_loss, "log(softmax(z)) underflows",
          failed_case="a small temperature, T = 0.01"),
    wrong("tempered: t ignored", tempered_ignores_t, check_tempered_loss, "the temperature has no effect"),
    wrong("tempered: multiplied", tempered_multiplies, check_tempered_loss, "you multiplied by T"),
    wrong("tempered: probabilities / t", tempered_divides_probabilities, check_tempered_loss,
          "divided the probabilities by T"),
    wrong("tempered: sum", tempered_sum, check_tempered_loss, "summed over the examples"),
    wrong("tempered: per example", tempered_per_example, check_tempered_loss, "return their mean"),
    wrong("tempered: one-hot times log-softmax, not summed", tempered_not_reduced, check_tempered_loss,
          "return a single number"),
    wrong("tempered: loss / t", tempered_loss_divided, check_tempered_loss, "divided by T afterwards"),
    wrong("tempered: naive exp", tempered_naive_exp, check_tempered_loss, "inf", "log-softmax",
          failed_case="a small temperature, T = 0.01"),
    wrong("tempered: clipped", tempered_clipped, check_tempered_loss, "floored at 1e-8", "log-softmax",
          failed_case="a small temperature, T = 0.01"),
    wrong("tempered: one max for the batch", tempered_global_max, check_tempered_loss, "its own maximum",
          "whole batch", failed_case="two examples far apart, T = 1"),
    # check_bias_gradient
    wrong("bias: one max for the batch", bias_global_max, check_bias_gradient, "its own maximum", "whole batch",
          failed_case="two examples far apart (class 1 absent)"),
    correct("bias: one-hot mean", bias_one_hot, check_bias_gradient),
    correct("bias: helpers gradient summed", bias_helpers, check_bias_gradient),
    correct("bias: subtract 1 on a fresh array", bias_subtract_in_place, check_bias_gradient),
    correct("bias: loop with math.exp", bias_loop, check_bias_gradient),
    correct("bias: bincount with minlength", bias_bincount, check_bias_gradient),
    correct("bias: float32", bias_float32, check_bias_gradient),
    wrong("bias: softmax in place on z", bias_modifies_z, check_bias_gradient, "modified in place"),
    wrong("bias: k from labels.max()", bias_classes_from_max, check_bias_gradient, "not from the labels",
          failed_case="the last class never appears"),
    wrong("bias: k from np.unique", bias_classes_from_unique, check_bias_gradient, "not from the labels",
          failed_case="the last class never appears"),
    wrong("bias: np.unique renumbers", bias_unique_renumbered, check_bias_gradient, "np.unique renumbers",
          failed_case="class 2 never appears"),
    wrong("bias: bincount without minlength", bias_bincount_without_minlength, check_bias_gradient,
          "not from the labels", failed_case="the last class never appears"),
    wrong("bias: max without keepdims", bias_max_without_keepdims, check_bias_gradient, "keepdims=True",
          failed_case="every class present"),
    wrong("bias: y - p", bias_flipped, check_bias_gradient, "sign is flipped"),
    wrong("bias: summed", bias_summed, check_bias_gradient, "divide by m"),
    wrong("bias: no targets", bias_no_targets, check_bias_gradient, "one-hot targets are missing"),
    wrong("bias: mean over classes", bias_wrong_axis, check_bias_gradient, "axis=0"),
    wrong("bias: the logit gradient", bias_logit_gradient, check_bias_gradient, "one row per example"),
]
