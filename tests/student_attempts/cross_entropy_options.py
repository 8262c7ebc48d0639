"""Chapter 4, the exercise after "From this book to the frameworks": attempts at the class-weighted, label-smoothed
mean cross-entropy as PyTorch computes it (check_weighted_smoothed_loss)."""

import math

import numpy as np
import scipy.special

from helpers.checks import check_weighted_smoothed_loss
from student_attempts import correct, wrong

check = check_weighted_smoothed_loss


def _log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


# --------------------------------------------------------------------------- correct


def vectorised(logits, labels, weight, eps):
    k = logits.shape[1]
    q = (1 - eps) * np.eye(k)[labels] + eps / k
    return -(weight * q * _log_softmax(logits)).sum() / weight[labels].sum()


def two_terms_as_pytorch_writes_them(logits, labels, weight, eps):
    """(1 - eps) * weighted NLL + eps / k * weighted sum over all classes, both over the true classes' weights."""
    m, k = logits.shape
    logp = _log_softmax(logits)
    nll = -(weight[labels] * logp[np.arange(m), labels]).sum()
    smooth = -(logp * weight).sum()
    return ((1 - eps) * nll + eps / k * smooth) / weight[labels].sum()


def python_loops(logits, labels, weight, eps):
    k = len(weight)
    total, denominator = 0.0, 0.0
    for row, c in zip(logits.tolist(), labels.tolist()):
        top = max(row)
        lse = top + math.log(sum(math.exp(v - top) for v in row))
        for j in range(k):
            q = (1 - eps) * (j == c) + eps / k
            total -= weight[j] * q * (row[j] - lse)
        denominator += weight[c]
    return total / denominator


def scipy_log_softmax(logits, labels, weight, eps):
    k = logits.shape[1]
    q = np.full(logits.shape, eps / k)
    q[np.arange(len(labels)), labels] += 1 - eps
    return -np.einsum("nc,c,nc->", q, weight, scipy.special.log_softmax(logits, axis=1)) / weight[labels].sum()


def weights_normalised_first(logits, labels, weight, eps):
    """Dividing the weights by their total first changes nothing: the scale cancels in the weighted mean."""
    w = weight / weight.sum()
    k = logits.shape[1]
    q = (1 - eps) * np.eye(k)[labels] + eps / k
    return float(-(w * q * _log_softmax(logits)).sum() / w[labels].sum())


def float32(logits, labels, weight, eps):
    z, w = logits.astype(np.float32), weight.astype(np.float32)
    k = z.shape[1]
    q = ((1 - eps) * np.eye(k)[labels] + eps / k).astype(np.float32)
    return -(w * q * _log_softmax(z)).sum() / w[labels].sum()


def logsumexp_minus_picked(logits, labels, weight, eps):
    m, k = logits.shape
    lse = scipy.special.logsumexp(logits, axis=1, keepdims=True)
    nll = lse - logits  # -log p for every class
    q = (1 - eps) * np.eye(k)[labels] + eps / k
    per_example = (q * weight * nll).sum(axis=1)
    return per_example.sum() / weight[labels].sum()


# --------------------------------------------------------------------------- wrong


def plain_mean(logits, labels, weight, eps):
    k = logits.shape[1]
    q = (1 - eps) * np.eye(k)[labels] + eps / k
    return -(weight * q * _log_softmax(logits)).sum(axis=1).mean()


def summed(logits, labels, weight, eps):
    k = logits.shape[1]
    q = (1 - eps) * np.eye(k)[labels] + eps / k
    return -(weight * q * _log_softmax(logits)).sum()


def divided_by_sum_of_class_weights(logits, labels, weight, eps):
    k = logits.shape[1]
    q = (1 - eps) * np.eye(k)[labels] + eps / k
    return -(weight * q * _log_softmax(logits)).sum() / weight.sum()


def weight_per_example(logits, labels, weight, eps):
    """Multiplies each example's whole smoothed loss by its true class's weight."""
    k = logits.shape[1]
    q = (1 - eps) * np.eye(k)[labels] + eps / k
    per_example = -(q * _log_softmax(logits)).sum(axis=1)
    return (weight[labels] * per_example).sum() / weight[labels].sum()


def no_weights(logits, labels, weight, eps):
    k = logits.shape[1]
    q = (1 - eps) * np.eye(k)[labels] + eps / k
    return -(q * _log_softmax(logits)).sum(axis=1).mean()


def no_smoothing(logits, labels, weight, eps):
    m = len(labels)
    logp = _log_softmax(logits)
    return -(weight[labels] * logp[np.arange(m), labels]).sum() / weight[labels].sum()


def smoothing_by_eps(logits, labels, weight, eps):
    k = logits.shape[1]
    q = (1 - eps) * np.eye(k)[labels] + eps
    return -(weight * q * _log_softmax(logits)).sum() / weight[labels].sum()


def smoothing_over_the_other_classes(logits, labels, weight, eps):
    k = logits.shape[1]
    y = np.eye(k)[labels]
    q = (1 - eps) * y + eps / (k - 1) * (1 - y)
    return -(weight * q * _log_softmax(logits)).sum() / weight[labels].sum()


def one_hot_not_scaled(logits, labels, weight, eps):
    k = logits.shape[1]
    q = np.eye(k)[labels] + eps / k
    return -(weight * q * _log_softmax(logits)).sum() / weight[labels].sum()


def log_of_softmax(logits, labels, weight, eps):
    k = logits.shape[1]
    q = (1 - eps) * np.eye(k)[labels] + eps / k
    return -(weight * q * np.log(scipy.special.softmax(logits, axis=1))).sum() / weight[labels].sum()


def no_shift(logits, labels, weight, eps):
    k = logits.shape[1]
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    q = (1 - eps) * np.eye(k)[labels] + eps / k
    return -(weight * q * logp).sum() / weight[labels].sum()


def no_minus(logits, labels, weight, eps):
    return -vectorised(logits, labels, weight, eps)


def one_loss_per_example(logits, labels, weight, eps):
    k = logits.shape[1]
    q = (1 - eps) * np.eye(k)[labels] + eps / k
    return -(weight * q * _log_softmax(logits)).sum(axis=1) / weight[labels]


def weights_changed_in_place(logits, labels, weight, eps):
    weight /= weight.sum()
    return vectorised(logits, labels, weight, eps)


ATTEMPTS = [
    correct("weighted smoothed: vectorised", vectorised, check),
    correct("weighted smoothed: two terms as PyTorch writes them", two_terms_as_pytorch_writes_them, check),
    correct("weighted smoothed: python loops with math", python_loops, check),
    correct("weighted smoothed: einsum of scipy log_softmax", scipy_log_softmax, check),
    correct("weighted smoothed: weights normalised first", weights_normalised_first, check),
    correct("weighted smoothed: float32", float32, check),
    correct("weighted smoothed: logsumexp minus the logits", logsumexp_minus_picked, check),
    wrong("weighted smoothed: plain mean", plain_mean, check, "plain mean", "sum(weight[labels])",
          failed_case="unequal weights and smoothing"),
    wrong("weighted smoothed: summed", summed, check, "summed", "sum(weight[labels])"),
    wrong("weighted smoothed: divided by the k class weights", divided_by_sum_of_class_weights, check,
          "not by the sum of the k class weights"),
    wrong("weighted smoothed: a weight per example", weight_per_example, check, "w_i", "its own weight"),
    wrong("weighted smoothed: no weights", no_weights, check, "weights are missing"),
    wrong("weighted smoothed: no smoothing", no_smoothing, check, "label smoothing is missing", "eps / k"),
    wrong("weighted smoothed: eps, not eps / k", smoothing_by_eps, check, "not eps", "sum to 1"),
    wrong("weighted smoothed: eps / (k - 1) on the other classes", smoothing_over_the_other_classes, check,
          "eps / (k - 1)", "another convention"),
    wrong("weighted smoothed: one-hot part not scaled", one_hot_not_scaled, check, "(1 - eps)"),
    wrong("weighted smoothed: log of softmax", log_of_softmax, check, "log(0)", "log-softmax",
          failed_case="a confidently wrong example"),
    wrong("weighted smoothed: no shift", no_shift, check, "exp overflowed", failed_case="large logits"),
    wrong("weighted smoothed: no minus sign", no_minus, check, "sign", "MINUS"),
    wrong("weighted smoothed: one loss per example", one_loss_per_example, check, "one loss per example"),
    wrong("weighted smoothed: weights changed in place", weights_changed_in_place, check, "modified in place"),
]
