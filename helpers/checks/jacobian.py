"""Self-checks for chapter 3's exercises: :func:`check_softmax_jacobian` and :func:`check_softmax_vjp`.

Each input isolates mistakes from the book's list (REFERENCES.md 4 among them): a vector of ordinary scores shows
a diagonal-only Jacobian, a flipped sign, the log-softmax Jacobian or the scores used in place of the
probabilities; a batch with more rows than classes makes transposed batch axes change the shape; large scores
catch a softmax computed without its shift; rows far apart catch a maximum over the whole batch.

Building the n x n matrix to compute a vector-Jacobian product is not wrong, only wasteful: the VJP check passes
such an answer and adds a line of advice.

>>> from helpers.numerics import softmax_jacobian, softmax_vjp
>>> check_softmax_jacobian(softmax_jacobian).passed
✓ check_softmax_jacobian: all 8 checks passed
True
>>> check_softmax_vjp(softmax_vjp).passed
✓ check_softmax_vjp: all 8 checks passed
True
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import warnings
from typing import Callable

import numpy as np

from helpers import numerics
from helpers._memory import peak_bytes
from helpers.checks._core import (
    FAR_APART_ROWS,
    LOG_MAX,
    Case,
    CheckResult,
    Spec,
    close,
    emit,
    random_logits,
    run_check,
)

__all__ = ["check_softmax_jacobian", "check_softmax_vjp"]

_SMALL = (1.0, 2.0, 0.5, -1.0)
# More rows than classes and not square, so any transposition of the batch axes changes the shape.
_BATCH = ((1.0, 2.0, 0.5, -1.0), (0.0, 0.0, 0.0, 0.0), (-1.5, 3.0, 2.0, 0.25))
_LARGE = (1000.0, 1001.0, 1002.0, 999.0)
_ORDINARY = "nan or inf for ordinary scores: is something divided by zero?"
_NO_SHIFT = (
    "nan for large scores: compute s = softmax(x) with each row's maximum subtracted before exp "
    f"(exp overflows above {LOG_MAX:.2f}); softmax is shift-invariant, so the shift changes nothing else"
)
_GLOBAL_MAX = (
    "a row far below the rest of the batch came back as nan: take the maximum per row, "
    "x.max(axis=-1, keepdims=True), not over the whole batch"
)
_SPREAD = (-3000.0, 0.5, 1.0, 2.0)
_NOT_THE_MAX = (
    "nan or inf when the scores are spread far apart (from -3000 to 2): the shift before exp must be each row's "
    "maximum (not the mean or the minimum), so that every exponent is at most 0 and exp cannot overflow"
)
_JACOBIAN_FORMULA = "the values differ from J = diag(s) - s s^T, that is J[i, j] = s_i (delta_ij - s_j)"
_VJP_FORMULA = "the values differ from s * (g - <s, g>): compute s * (g - np.sum(s * g, axis=-1, keepdims=True))"


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _jacobian_from(s):
    """diag(s) - s s^T for each row of ``s`` (any leading batch axes)."""
    return s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :]


def _diagonal(values):
    """A batch of diagonal matrices with ``values`` on their diagonals."""
    return values[..., :, None] * np.eye(values.shape[-1])


# --------------------------------------------------------------------------- the Jacobian


def _jacobian_case(label, x, nonfinite_hint):
    x = np.asarray(x, dtype=np.float64)
    return Case(label, (x,), numerics.softmax_jacobian(x), nonfinite_hint, _JACOBIAN_FORMULA)


def _jacobian_cases():
    return (
        # Ordinary scores: every formula mistake (diagonal only, sign, log-softmax, x for s) shows here.
        _jacobian_case("a small vector", _SMALL, _ORDINARY),
        _jacobian_case("random scores", random_logits((5,), seed=3), _ORDINARY),
        # A batch of 3 rows and 4 classes: the answer has shape (3, 4, 4), J[b] for row b.
        _jacobian_case("a batch of 3 rows", _BATCH, _ORDINARY),
        _jacobian_case("large scores", _LARGE, _NO_SHIFT),
        _jacobian_case("widely spread scores", _SPREAD, _NOT_THE_MAX),
        _jacobian_case("rows far apart", FAR_APART_ROWS, _GLOBAL_MAX),
        _jacobian_case("a batch of random scores", random_logits((2, 6), seed=4), _ORDINARY),
    )


def _jacobian_mistakes(x):
    """What each named mistake returns for scores ``x``, with the hint that names it."""
    s = _softmax(x)
    jac = _jacobian_from(s)
    eye = np.eye(x.shape[-1])
    mistakes = [
        (_diagonal(s * (1 - s)),
         "diagonal only: you kept s_i (1 - s_i) and dropped the off-diagonal entries -s_i s_j; every output "
         "depends on every input, so J = diag(s) - s s^T"),
        (-jac, "sign flipped: J = diag(s) - s s^T, not s s^T - diag(s) (the diagonal s_i (1 - s_i) is positive)"),
        (-s[..., :, None] * s[..., None, :],
         "the diagonal term is missing: J = diag(s) - s s^T, and -s s^T alone is only its off-diagonal part"),
        (eye - s[..., None, :],
         "that is the Jacobian of log-softmax, I - 1 s^T: multiply row i by s_i to get J = diag(s) - s s^T"),
        (_jacobian_from(x),
         "not shift-invariant: you used the scores x where the probabilities s = softmax(x) belong; J is built "
         "from s, so it does not change when every score is shifted by the same amount, and yours does"),
    ]
    if x.ndim == 2:
        mistakes.append((_jacobian_from(_softmax(x, axis=0)),
                         "softmax over the wrong axis: the classes are on the last axis, use axis=-1"))
        total = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
        mistakes.append((_jacobian_from(total),
                         "one normalisation for the whole batch: compute s row by row, "
                         "np.sum(e, axis=-1, keepdims=True)"))
    return mistakes


def _jacobian_diagnose(case, got):
    (x,) = case.args
    for value, hint in _jacobian_mistakes(x):
        if close(got, value):
            return hint
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    if not np.allclose(got, np.swapaxes(got, -1, -2)):
        return "your matrix is not symmetric, but J[i, j] = s_i (delta_ij - s_j) = J[j, i]: check the indices"
    if not np.allclose(got.sum(axis=-1), 0, atol=1e-6):
        return "the rows of your matrix do not sum to 0, but those of J do (softmax ignores a common shift)"
    return None


def _jacobian_shape(case, got_shape):
    (x,) = case.args
    expected = case.expected.shape
    n = x.shape[-1]
    if got_shape == x.shape:
        return ("you returned one number per score: that is only the diagonal s_i (1 - s_i); the Jacobian is an "
                "n x n matrix with the off-diagonal entries -s_i s_j")
    if x.ndim == 2 and sorted(got_shape) == sorted(expected):
        return (f"transposed batch axes: the batch axis comes first, shape {expected}, so that J[b] is the "
                "n x n Jacobian of row b (build it with s[..., :, None] and s[..., None, :])")
    # For a vector both shapes are the expected one, so only a batch gets here; a (size, size) answer is told
    # apart by its values (_jacobian_shape_values), and gets the generic hint when neither model explains it.
    if got_shape == (n, n):
        return (f"one n x n matrix for a batch of {x.shape[0]} rows: return one Jacobian per row, shape {expected} "
                "(a loop that overwrites J keeps only the last row's; build them all with s[..., :, None] and "
                "s[..., None, :])")
    return f"wrong output shape: a Jacobian of softmax over the last axis has shape x.shape + (n,) = {expected}"


def _jacobian_shape_values(case, got):
    """A batch's answer of shape (m n, m n): the block-diagonal Jacobian of the flattened batch, or np.outer's."""
    (x,) = case.args
    if x.ndim != 2 or got.shape != (x.size, x.size):
        return None
    s = _softmax(x)
    flat = s.ravel()
    if close(got, _diagonal(flat) - np.outer(flat, flat)):
        return ("np.outer flattens its inputs: for a batch, s s^T is s[..., :, None] * s[..., None, :], one n x n "
                "matrix per row, and diag(s) is s[..., :, None] * np.eye(n)")
    blocks = np.zeros_like(got)
    n = x.shape[-1]
    for b, jac in enumerate(case.expected):
        blocks[b * n:(b + 1) * n, b * n:(b + 1) * n] = jac
    if close(got, blocks):
        return (f"your matrix is the Jacobian of the whole flattened batch: block diagonal, with J[b] as block b. "
                f"The exercise asks for the blocks alone, one n x n Jacobian per row, shape {case.expected.shape}")
    return None


_JACOBIAN = Spec("check_softmax_jacobian", _jacobian_cases, _jacobian_diagnose, _jacobian_shape,
                 diagnose_shape_values=_jacobian_shape_values)


def check_softmax_jacobian(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(x)``: the Jacobian of softmax over the last axis, for one example or a batch.

    .. math:: J_{ij} = \frac{\partial s_i}{\partial x_j} = s_i (\delta_{ij} - s_j), \qquad
              J = \operatorname{diag}(s) - s s^\top

    ``fn`` is called with one float64 array at a time: 4 scores, 5 random scores, a batch of 3 rows of 4 (the
    answer must have shape ``(3, 4, 4)``, ``J[b]`` for row ``b``), large scores (1000 and up), scores from -3000
    to 2, two rows 1000 apart and a random batch of 2 rows of 6.  Each answer is compared with
    :func:`helpers.numerics.softmax_jacobian` (``np.allclose``, ``rtol=1e-5``, ``atol=1e-8``); the input must
    come back unchanged.  The feedback names the known mistakes: diagonal only, sign flipped, the diagonal term
    missing, the log-softmax Jacobian, the scores used for the probabilities (not shift-invariant), a softmax
    without its shift, transposed batch axes, a normalisation over the whole batch.  Never raises.

    >>> diagonal_only = lambda x: np.diag(numerics.softmax(x) * (1 - numerics.softmax(x)))
    >>> check_softmax_jacobian(diagonal_only).passed  # doctest: +ELLIPSIS
    ✗ check_softmax_jacobian failed on a small vector, x = [1, 2, 0.5, -1]
      row 0: expected [0.174, -0.137, -0.0305, -0.0068]
             got      [0.174, 0, 0, 0]
      hint: diagonal only: you kept s_i (1 - s_i) and dropped the off-diagonal entries -s_i s_j; ...
    False
    """
    return run_check(_JACOBIAN, fn)


# --------------------------------------------------------------------------- the vector-Jacobian product


def _vjp_case(label, x, g, nonfinite_hint):
    x, g = np.asarray(x, dtype=np.float64), np.asarray(g, dtype=np.float64)
    return Case(label, (x, g), numerics.softmax_vjp(x, g), nonfinite_hint, _VJP_FORMULA, ("x", "g"))


def _vjp_cases():
    return (
        # g has a nonzero mean and differs from s, so dropping <s, g> or a factor s shows.
        _vjp_case("a small vector", _SMALL, (0.5, -1.0, 2.0, 0.25), _ORDINARY),
        _vjp_case("random scores and g", random_logits((5,), seed=5), random_logits((5,), seed=6), _ORDINARY),
        _vjp_case("a batch of 3 rows", _BATCH, ((1.0, 0.0, 0.0, 0.0), (0.5, -1.0, 2.0, 0.25), (0.0, 3.0, -2.0, 1.0)),
                  _ORDINARY),
        _vjp_case("large scores", _LARGE, (0.5, -1.0, 2.0, 0.25), _NO_SHIFT),
        _vjp_case("widely spread scores", _SPREAD, (0.5, -1.0, 2.0, 0.25), _NOT_THE_MAX),
        _vjp_case("rows far apart", FAR_APART_ROWS, ((1.0, -1.0, 0.5), (2.0, 0.0, -1.0)), _GLOBAL_MAX),
        _vjp_case("a batch of random scores", random_logits((2, 6), seed=7), random_logits((2, 6), seed=8),
                  _ORDINARY),
    )


def _vjp_mistakes(x, g):
    s = _softmax(x)
    dot = np.sum(s * g, axis=-1, keepdims=True)
    mistakes = [
        (s * (1 - s) * g,
         "diagonal only: s * (1 - s) * g drops the -s_i s_j terms of J; compute s * (g - <s, g>), "
         "where <s, g> = np.sum(s * g, axis=-1, keepdims=True)"),
        (-s * (g - dot), "sign flipped: the product is s * (g - <s, g>), not s * (<s, g> - g)"),
        (s * g, "the - <s, g> term is missing: the off-diagonal entries -s_i s_j of J contribute -s * <s, g>"),
        (g - dot, "the factor s is missing: the product is s * (g - <s, g>)"),
        (g * (s - dot), "s and g have swapped roles: the product is s * (g - <s, g>)"),
        (s * (g - np.mean(s * g, axis=-1, keepdims=True)),
         "<s, g> is a sum, not a mean: np.sum(s * g, axis=-1, keepdims=True)"),
        (x * (g - np.sum(x * g, axis=-1, keepdims=True)),
         "not shift-invariant: you used the scores x where the probabilities s = softmax(x) belong; the product "
         "does not change when every score is shifted by the same amount, and yours does"),
    ]
    if x.ndim == 2:
        mistakes.append((s * (g - np.sum(s * g)),
                         "<s, g> must be one number per row: np.sum(s * g, axis=-1, keepdims=True), not a sum over "
                         "the whole batch"))
        s0 = _softmax(x, axis=0)
        mistakes.append((s0 * (g - np.sum(s0 * g, axis=-1, keepdims=True)),
                         "softmax over the wrong axis: the classes are on the last axis, use axis=-1"))
        total = _softmax(x.ravel()).reshape(x.shape)
        mistakes.append((total * (g - np.sum(total * g, axis=-1, keepdims=True)),
                         "one normalisation for the whole batch (scipy.special.softmax normalises over every axis "
                         "unless given axis=-1): compute s row by row, np.sum(e, axis=-1, keepdims=True)"))
    return mistakes


def _vjp_diagnose(case, got):
    x, g = case.args
    for value, hint in _vjp_mistakes(x, g):
        if close(got, value):
            return hint
    if not np.isfinite(got).all():
        return case.nonfinite_hint
    if not np.allclose(got.sum(axis=-1), 0, atol=1e-6):
        return ("your product does not sum to 0 over the classes, but J^T g always does (every column of J "
                "sums to 0)")
    return None


def _vjp_shape(case, got_shape):
    x, _ = case.args
    n = x.shape[-1]
    if x.ndim == 2 and got_shape == x.shape[::-1]:
        return f"transposed batch axes: return one row per example, shape {x.shape}"
    if got_shape in ((n, n), x.shape + (n,)):
        return ("you returned a matrix: the vector-Jacobian product is a vector shaped like x, "
                "(J^T g)_j = s_j (g_j - <s, g>)")
    if x.ndim == 2 and len(got_shape) == 3:
        return ("transposed batch axes: a product with a batch of Jacobians J of shape (m, n, n) must pair row b of "
                "g with J[b]: np.einsum('bi,bij->bj', g, J); g @ J or J.T @ g mixes the rows (.T reverses all axes)")
    if x.ndim == 2 and got_shape == x.shape[:1]:
        return "you returned one number per row: the product has one entry per score, shaped like x"
    return f"wrong output shape: the product has the shape of x, {x.shape}"


_VJP = Spec("check_softmax_vjp", _vjp_cases, _vjp_diagnose, _vjp_shape)

# The size at which the advice measures memory, and the share of one n x n float64 matrix that counts as building it.
_ADVICE_N = 2000
_QUADRATIC_SHARE = 0.5


def _peak_bytes(fn, n):
    """Peak memory (bytes, as tracemalloc sees NumPy's allocations) of one call of ``fn`` on n scores, or None."""
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=n), rng.normal(size=n)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return peak_bytes(fn, x, g)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 -- advice is optional; a failure here must not reach the reader
        return None


def _quadratic_advice(fn):
    """A line of advice if ``fn`` builds an n x n matrix, else None."""
    n = _ADVICE_N
    peak = _peak_bytes(fn, n)
    if peak is None or peak < _QUADRATIC_SHARE * 8 * n * n:
        return None
    return (
        f"  advice (not an error): for n = {n} your function used {peak / 2**20:.0f} MiB, about an n x n matrix; "
        f"s * (g - np.sum(s * g, axis=-1, keepdims=True)) needs O(n) memory and time instead of O(n^2)"
    )


def check_softmax_vjp(fn: Callable | None) -> CheckResult:
    r"""Check the reader's ``fn(x, g)``: the vector-Jacobian product :math:`J^\top g` of softmax, per row.

    .. math:: (J^\top g)_j = s_j \, (g_j - \langle s, g \rangle), \qquad s = \operatorname{softmax}(x)

    ``fn`` is called with float64 ``x`` and ``g`` of the same shape: 4 scores, 5 random scores, a batch of 3
    rows of 4, large scores (1000 and up), scores from -3000 to 2, two rows 1000 apart and a random batch of 2
    rows of 6.  Each answer is compared with :func:`helpers.numerics.softmax_vjp` (``np.allclose``,
    ``rtol=1e-5``, ``atol=1e-8``); the
    inputs must come back unchanged.  The feedback names the known mistakes: diagonal only, sign flipped, the
    ``<s, g>`` term or the factor ``s`` missing, ``<s, g>`` over the whole batch, transposed batch axes, the
    scores used for the probabilities (not shift-invariant), a softmax without its shift, over the wrong axis or
    normalised over the whole batch.

    An answer that builds the n x n Jacobian is correct and passes; the check measures its memory for
    n = 2000 and adds a line of advice, since the product needs only O(n).  Never raises.

    >>> via_matrix = lambda x, g: np.einsum("...ij,...i->...j", numerics.softmax_jacobian(x), g)
    >>> check_softmax_vjp(via_matrix).passed  # doctest: +ELLIPSIS
    ✓ check_softmax_vjp: all 8 checks passed
      advice (not an error): for n = 2000 your function used ... MiB, about an n x n matrix; ...
    True
    """
    with contextlib.redirect_stdout(io.StringIO()):
        result = run_check(_VJP, fn)
    if result.passed:
        advice = _quadratic_advice(fn)
        if advice:
            result = dataclasses.replace(result, messages=result.messages + (advice,))
    try:
        emit(result.messages)
    except Exception:  # noqa: BLE001 -- a closed or broken stdout is no reason to raise
        pass
    return result
