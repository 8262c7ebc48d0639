"""Chapter 1, exercises 2 and 3: attempts at ``softmax(x)`` (check_softmax) and ``softmax(x / t)``."""

import math

import numpy as np
import scipy.special

from helpers.checks import check_softmax, check_softmax_temperature
from student_attempts import correct, wrong

# --------------------------------------------------------------------------- check_softmax: correct


def loop_math_exp(x):
    """Row by row with math.exp, returning nested lists."""
    x = np.asarray(x, dtype=float)
    rows = x.reshape(-1, x.shape[-1])
    out = []
    for row in rows:
        m = max(row)
        e = [math.exp(v - m) for v in row]
        s = sum(e)
        out.append([v / s for v in e])
    return np.array(out).reshape(x.shape)


def scipy_softmax(x):
    return scipy.special.softmax(x, axis=-1)


# --------------------------------------------------------------------------- check_softmax: wrong


def naive(x):
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def shift_after_exp(x):
    e = np.exp(x) - np.max(x)
    return e / np.sum(e)


ATTEMPTS = [
    correct("loop with math.exp", loop_math_exp, check_softmax),
    correct("scipy.special.softmax", scipy_softmax, check_softmax),
    wrong("no shift", naive, check_softmax, "subtract the max before exponentiating"),
    wrong("shift after exp", shift_after_exp, check_softmax, "shift applied after exp"),
    correct(
        "temperature via scipy",
        lambda x, t: scipy.special.softmax(np.asarray(x) / t, axis=-1),
        check_softmax_temperature,
    ),
]
