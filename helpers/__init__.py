"""Shared code for the book *Softmax, its Jacobian and cross-entropy*.

The numerical functions live in :mod:`helpers.numerics` and are re-exported here,
so ``from helpers import softmax`` works.  The SymPy derivations are in
:mod:`helpers.symbolic`, figures and sliders in :mod:`helpers.figures`, and the
exercise self-checks in :mod:`helpers.checks`.
"""

from helpers.numerics import (
    attention,
    cross_entropy,
    cross_entropy_grad,
    log_softmax,
    logsumexp,
    numerical_gradient,
    numerical_jacobian,
    one_hot,
    online_attention,
    online_softmax,
    softmax,
    softmax_jacobian,
    softmax_naive,
    softmax_vjp,
)

__all__ = [
    "attention",
    "cross_entropy",
    "cross_entropy_grad",
    "log_softmax",
    "logsumexp",
    "numerical_gradient",
    "numerical_jacobian",
    "one_hot",
    "online_attention",
    "online_softmax",
    "softmax",
    "softmax_jacobian",
    "softmax_naive",
    "softmax_vjp",
]
