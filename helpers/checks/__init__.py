"""Self-checks for the book's exercises: call the reader's function, explain what went wrong.

Each ``check_<name>(fn)`` calls the reader's ``fn`` on a few chosen inputs, compares
the answers with the reference in :mod:`helpers.numerics`, prints a few lines of
feedback and returns a :class:`CheckResult`, which is truthy only on a full pass.
A check never raises, whatever ``fn`` does.

The shared machinery is in ``helpers.checks._core`` (its docstring says how to add
a checker); each topic has its own module, and every checker is re-exported here.

>>> from helpers.numerics import softmax
>>> check_softmax(softmax).passed
✓ check_softmax: all 8 checks passed
True
"""

from helpers.checks._core import CheckResult
from helpers.checks.accuracy import check_online_softmax, check_two_sum, check_ulp_distance
from helpers.checks.cross_entropy import (
    check_cross_entropy,
    check_cross_entropy_grad,
    check_weighted_smoothed_loss,
)
from helpers.checks.expression import check_expression
from helpers.checks.jacobian import check_softmax_jacobian, check_softmax_vjp
from helpers.checks.log_softmax import check_log_softmax
from helpers.checks.regression import check_bias_gradient, check_l2_gradient, check_tempered_loss
from helpers.checks.softmax import check_softmax, check_softmax_temperature

__all__ = [
    "CheckResult",
    "check_bias_gradient",
    "check_cross_entropy",
    "check_cross_entropy_grad",
    "check_expression",
    "check_l2_gradient",
    "check_log_softmax",
    "check_online_softmax",
    "check_softmax",
    "check_softmax_jacobian",
    "check_softmax_vjp",
    "check_softmax_temperature",
    "check_tempered_loss",
    "check_two_sum",
    "check_ulp_distance",
    "check_weighted_smoothed_loss",
]
