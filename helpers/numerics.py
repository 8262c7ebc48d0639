"""Softmax, log-softmax, cross-entropy and their derivatives, in NumPy.

Every function validates its input and raises ``ValueError`` or ``TypeError``
with a message that names the problem.  For finite input no function returns
NaN or inf; ``softmax_naive`` is the one deliberate exception, kept to show how
the textbook formula overflows.

Conventions: ``x`` holds logits (scores), the class axis is the last one unless
``axis`` says otherwise, ``-inf`` marks a masked class (probability 0), and a
batch of ``m`` examples with ``k`` classes has shape ``(m, k)``.
"""

from __future__ import annotations

import numpy as np

from helpers import _kernels

__all__ = [
    "softmax",
    "softmax_naive",
    "logsumexp",
    "log_softmax",
    "softmax_jacobian",
    "softmax_vjp",
    "one_hot",
    "cross_entropy",
    "cross_entropy_grad",
    "numerical_gradient",
    "numerical_jacobian",
    "online_softmax",
    "attention",
    "online_attention",
]


# --------------------------------------------------------------------------- input checks


def _as_float_array(x, name, allow_empty=False):
    """Return ``x`` as a floating array (non-empty unless ``allow_empty``); integers become float64."""
    arr = np.asarray(x)
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.integer):
        arr = arr.astype(np.float64)
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty (shape {arr.shape}): there is nothing to normalise")
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN at index {_first(np.isnan(arr))}")
    return arr


def _first(mask):
    """Index of the first True entry of ``mask``, as a tuple (or int for 1-D)."""
    idx = tuple(int(i[0]) for i in np.nonzero(np.atleast_1d(mask)))
    return idx[0] if len(idx) == 1 else idx


def _logits(x, axis=-1, name="x"):
    """Validate logits: real, no NaN, no +inf, not every entry masked.

    An empty array is valid (an empty batch, or an empty axis); a 0-d array is one score of one class, and its
    ``axis`` must be 0 or -1, as in PyTorch.
    """
    arr = _as_float_array(x, name, allow_empty=True)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int (the class axis), got {axis!r}")
    if not -max(arr.ndim, 1) <= axis < max(arr.ndim, 1):
        raise ValueError(f"axis {axis} is out of range for {name} with shape {arr.shape}")
    axis = int(axis) % max(arr.ndim, 1)
    if np.isposinf(arr).any():
        raise ValueError(
            f"{name} contains +inf at index {_first(np.isposinf(arr))}: "
            "an infinite score has no finite probability"
        )
    masked = np.isneginf(arr).all(axis=axis) if arr.ndim else np.isneginf(arr)
    if arr.size and masked.any():  # an empty axis has no entry, masked or not
        raise ValueError(
            f"every entry of {name} is -inf along axis {axis} (for example at "
            f"{_first(masked)}): a fully masked row has no softmax"
        )
    return arr, axis


def _by_rows(x, axis, kind):
    """Run a :mod:`helpers._kernels` kernel over the rows of ``x`` along ``axis``, validating on the way.

    The cheap checks (dtype, empty, scalar, axis) come first; NaN, +inf and fully masked rows are caught by the
    kernel from the row maxima it computes anyway, and only then is the input scanned again, by :func:`_logits`,
    to name the problem exactly as before.
    """
    arr = np.asarray(x)
    ok_dtype = arr.dtype != bool and (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer))
    ok_axis = not isinstance(axis, bool) and isinstance(axis, (int, np.integer)) and -arr.ndim <= axis < arr.ndim
    if not (ok_dtype and arr.size and arr.ndim and ok_axis):
        arr, axis = _logits(x, axis)  # raises, naming the problem, unless the input is 0-d or empty
        if arr.ndim == 0:  # one score of one class: the row of length 1 it is
            return _by_rows(arr.reshape(1), 0, kind).reshape(())[()]
        if kind == _kernels.LOGSUMEXP:  # the log of an empty sum is -inf; a batch of no rows has no sums
            return np.full(np.delete(arr.shape, axis), -np.inf, dtype=arr.dtype)[()]
        return arr.copy()  # an empty batch, or rows of no scores: an empty result of the same shape
    if np.issubdtype(arr.dtype, np.integer):
        arr = arr.astype(np.float64)
    moved = np.moveaxis(arr, axis, -1)
    flat = np.ascontiguousarray(moved).reshape(-1, moved.shape[-1])
    try:
        out = _kernels.rows(flat, kind)
    except _kernels.BadRow:
        _logits(arr, axis)  # a row maximum is NaN or +-inf: this names the first bad entry and raises
        raise AssertionError("a row maximum is not finite but the input passed validation")  # pragma: no cover
    if kind == _kernels.LOGSUMEXP:
        return out.reshape(moved.shape[:-1])[()]
    return np.ascontiguousarray(np.moveaxis(out.reshape(moved.shape), -1, axis))


# --------------------------------------------------------------------------- softmax family


def softmax_naive(x, axis=-1):
    r"""The textbook formula :math:`e^{x_i} / \sum_j e^{x_j}`, with no shift.

    Kept only to demonstrate overflow: ``exp`` of a float64 above about 709.78
    is ``inf``, and ``inf / inf`` is NaN.  NumPy's warnings are silenced so the
    NaN itself is what the reader sees.  Use :func:`softmax` for real work.

    >>> softmax_naive([1.0, 1000.0])
    array([ 0., nan])
    """
    arr = _as_float_array(x, "x")
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(arr)
        return e / e.sum(axis=axis, keepdims=True)


def softmax(x, axis=-1):
    r"""Numerically stable softmax along ``axis``.

    .. math:: \operatorname{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},
              \qquad m = \max_j x_j

    Subtracting the maximum changes nothing mathematically (the factor
    :math:`e^{-m}` cancels) but makes every exponent at most 0, so ``exp`` cannot
    overflow and the largest term is exactly 1, so the sum cannot underflow to 0.

    Works on any shape; float16/32/64 are kept, integers become float64, and
    ``-inf`` entries are masked (probability exactly 0).

    Edge cases follow SciPy, PyTorch and JAX: an empty array (a batch of no
    rows, or rows of no scores along ``axis``) gives an empty array of the same
    shape, and a 0-d ``x`` is one score of one class, so ``softmax(1000.0)`` is
    ``1.0`` (``axis`` must then be 0 or -1).

    >>> softmax([1.0, 2.0, 3.0]).round(4)
    array([0.09  , 0.2447, 0.6652])
    >>> softmax([0.0, -np.inf])
    array([1., 0.])
    """
    return _by_rows(x, axis, _kernels.SOFTMAX)


def logsumexp(x, axis=-1):
    r"""Stable :math:`\log \sum_j e^{x_j}` along ``axis`` (that axis is removed).

    .. math:: \operatorname{LSE}(x) = m + \log\Bigl(1 + \sum_{j \ne j^*} e^{x_j - m}\Bigr),
              \qquad m = x_{j^*} = \max_j x_j

    Over an empty axis the sum is empty and its log is ``-inf`` (as in SciPy,
    PyTorch and JAX); a 0-d ``x`` is one term, so ``logsumexp(1.0)`` is ``1.0``.

    >>> float(logsumexp([1000.0, 1000.0]))  # 1000 + log 2, where the naive form overflows
    1000.6931471805599
    >>> float(logsumexp([]))
    -inf
    """
    return _by_rows(x, axis, _kernels.LOGSUMEXP)


def log_softmax(x, axis=-1):
    r"""Stable :math:`\log \operatorname{softmax}(x)_i = x_i - \operatorname{LSE}(x)`.

    Never takes the log of a probability, so it stays finite where
    ``np.log(softmax(x))`` gives ``-inf`` (a logit gap above about 745 in
    float64).  Masked entries (``-inf``) give ``-inf``; a finite result below
    the float range saturates at the most negative finite float.  An empty
    array gives an empty array of its shape, and a 0-d ``x`` (one class) gives
    ``0.0``, as in SciPy, PyTorch and JAX.

    >>> log_softmax([0.0, 1000.0])
    array([-1000.,     0.])
    """
    return _by_rows(x, axis, _kernels.LOG_SOFTMAX)


def softmax_jacobian(x):
    r"""Jacobian of softmax over the last axis: shape ``(..., k)`` to ``(..., k, k)``.

    .. math:: J_{ij} = \frac{\partial s_i}{\partial x_j} = s_i(\delta_{ij} - s_j),
              \qquad J = \operatorname{diag}(s) - s s^\top

    ``J`` is symmetric and each row sums to 0.  For backpropagation prefer
    :func:`softmax_vjp`, which never builds this matrix.  An empty batch gives
    an empty result; a 0-d ``x`` (one class, whose probability is always 1)
    gives the derivative ``0.0``.

    >>> softmax_jacobian([0.0, 0.0])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    s = softmax(x, axis=-1)
    if s.ndim == 0:
        return np.zeros_like(s)[()]
    diag = s[..., :, None] * np.eye(s.shape[-1], dtype=s.dtype)
    return diag - s[..., :, None] * s[..., None, :]


def softmax_vjp(x, g):
    r"""Vector-Jacobian product :math:`g^\top J` of softmax over the last axis, in O(k) for k classes.

    .. math:: (g^\top J)_j = s_j \, (g_j - g \cdot s)

    ``J`` is symmetric, so this is also the Jacobian-vector product :math:`J g`.
    ``g`` must have the shape of ``x``; leading axes are a batch, one product per row.  Empty input gives an empty
    result, and a 0-d ``x`` (one class) gives ``0.0``, as :func:`softmax_jacobian` does.

    >>> softmax_vjp([0.0, 0.0], [1.0, 0.0])
    array([ 0.25, -0.25])
    """
    s = softmax(x, axis=-1)
    g = _as_float_array(g, "g", allow_empty=True)
    if g.shape != s.shape:
        raise ValueError(f"g has shape {g.shape} but x has shape {s.shape}: they must match")
    if not np.isfinite(g).all():
        raise ValueError(f"g contains inf at index {_first(~np.isfinite(g))}")
    if s.ndim == 0:
        return np.zeros_like(s)[()]
    return s * (g - np.sum(g * s, axis=-1, keepdims=True))


# --------------------------------------------------------------------------- labels and loss


def _integer_labels(labels, num_classes, name="labels", ignore_index=None):
    arr = np.asarray(labels)
    if arr.size == 0 and arr.dtype == np.float64:
        arr = arr.astype(np.int64)  # [] is float64 to NumPy; an empty batch holds no non-integer label
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"{name} must be integer class indices, got dtype {arr.dtype}"
            " (for one-hot or soft targets pass one row per example, shape (m, k))"
        )
    bad = ((arr < 0) | (arr >= num_classes)) & (arr != ignore_index if ignore_index is not None else True)
    if bad.any():
        raise ValueError(
            f"{name} has {arr[bad].flat[0]} at index {_first(bad)}, out of range "
            f"for {num_classes} classes (valid labels are 0 to {num_classes - 1}"
            + (f", or the ignore_index {ignore_index})" if ignore_index is not None else ")")
        )
    return arr


def one_hot(labels, num_classes):
    """One-hot encode integer ``labels`` (any shape) into float64, adding a last axis.

    An empty array of labels gives an empty array of shape ``labels.shape + (num_classes,)``.

    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(f"num_classes must be an int, got {type(num_classes).__name__}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    arr = _integer_labels(labels, num_classes)
    return (arr[..., None] == np.arange(num_classes)).astype(np.float64)


_REDUCTIONS = ("mean", "sum", "none")


def _options(reduction, weight, ignore_index, label_smoothing, k, dtype):
    """Validate the options of :func:`cross_entropy`; return the class weights as an array (ones if None)."""
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of 'mean', 'sum', 'none', got {reduction!r}")
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float, np.integer, np.floating)):
        raise TypeError(f"label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"label_smoothing must be in [0, 1] (the weight of the uniform target), got {label_smoothing}")
    if ignore_index is not None and (isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer))):
        raise TypeError(f"ignore_index must be an int (a label value) or None, got {ignore_index!r}")
    if weight is None:
        return np.ones(k, dtype=dtype)
    w = _as_float_array(weight, "weight")
    if w.shape != (k,):
        raise ValueError(f"weight must hold one number per class, shape ({k},), got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        bad = ~np.isfinite(w) | (w < 0)
        raise ValueError(f"weight must be finite and non-negative, got {w[bad][0]} for class {_first(bad)}")
    return w.astype(dtype)


def _cross_entropy_parts(logits, target, reduction, weight, ignore_index, label_smoothing):
    """Everything the loss and its gradient share: 2-D logits, the smoothed target rows q, the class weights w,
    which examples count, and the denominator of the reduction."""
    z, _ = _logits(logits, axis=-1, name="logits")
    if z.ndim not in (1, 2):
        raise ValueError(
            f"logits must have shape (k,) or (m, k) (examples by classes), got {z.shape}"
        )
    single = z.ndim == 1
    z2 = z[None, :] if single else z
    m, k = z2.shape
    if k == 0:
        raise ValueError(f"logits have shape {z.shape}: no classes, so no probability for any label")
    w = _options(reduction, weight, ignore_index, label_smoothing, k, z.dtype)
    t = np.asarray(target)
    if t.shape == z.shape:
        if ignore_index is not None:
            raise ValueError(
                "ignore_index applies to integer labels only (as in PyTorch); with probability rows, "
                "give an ignored example a zero row weight instead"
            )
        y = _distribution(t, z.dtype).reshape(m, k)
        counted = np.ones(m, dtype=bool)
        # PyTorch, probability targets: the mean divides by the number of examples, whatever the weights.
        denominator = m
    elif t.shape == z.shape[:-1]:
        labels = _integer_labels(t, k, ignore_index=ignore_index).reshape(m)
        counted = labels != ignore_index if ignore_index is not None else np.ones(m, dtype=bool)
        y = one_hot(np.where(counted, labels, 0), k).astype(z.dtype)
        y[~counted] = 0
        # PyTorch, integer labels: the mean divides by the total weight of the counted examples' true classes.
        denominator = w[labels[counted]].sum()
    else:
        raise ValueError(
            f"target has shape {t.shape} but logits have shape {z.shape}: pass integer labels "
            f"of shape {z.shape[:-1]} or one probability row per example, shape {z.shape}"
        )
    q = (1 - label_smoothing) * y + label_smoothing / k
    q[~counted] = 0
    impossible = (q > 0) & np.isneginf(z2)
    if impossible.any():
        raise ValueError(
            f"target puts probability on a masked class (logit -inf) at {_first(impossible)}: "
            "the loss would be infinite"
            + (" (label smoothing puts eps / k on every class)" if label_smoothing > 0 else "")
        )
    if reduction == "mean" and not denominator > 0:
        raise ValueError(
            "the mean divides by the total weight of the examples' targets, which is 0 here (an empty batch, every "
            "example ignored, or only classes of weight 0): it is undefined (PyTorch returns nan); "
            "use reduction='sum'"
        )
    scale = 1 / denominator if reduction == "mean" else 1
    return z2, q, w, single, scale


def _distribution(t, dtype):
    """Check that every row of ``t`` is a probability distribution."""
    y = _as_float_array(t, "target", allow_empty=True)
    if not np.isfinite(y).all():
        raise ValueError(f"target contains inf at index {_first(~np.isfinite(y))}")
    if (y < 0).any():
        raise ValueError(f"target has a negative probability at index {_first(y < 0)}")
    sums = y.sum(axis=-1)
    # A row can be no more exact than the coarser of the two precisions (a float32 target of float64 logits).
    tol = np.sqrt(max(np.finfo(y.dtype).eps, np.finfo(dtype).eps))
    off = np.abs(sums - 1) > tol
    if off.any():
        row = _first(off)
        raise ValueError(
            f"target rows must each sum to 1 (a probability distribution); row {row} "
            f"sums to {np.atleast_1d(sums)[row]:.6g}"
        )
    return y.astype(dtype)


def cross_entropy(logits, target, *, reduction="mean", weight=None, ignore_index=None, label_smoothing=0.0):
    r"""Cross-entropy of softmax(logits) against ``target``, with PyTorch's options.

    .. math:: \ell_n = -\sum_{c=1}^{k} w_c \, q_{nc} \log \operatorname{softmax}(z_n)_c, \qquad
              q_n = (1 - \varepsilon)\, y_n + \varepsilon / k

    ``target`` is integer labels of shape ``(m,)`` or one probability row per
    example, shape ``(m, k)`` (one-hot or soft).  A single example may be passed
    as logits ``(k,)`` with an int label or a ``(k,)`` distribution.  Computed
    through :func:`log_softmax`, so it stays finite for any finite logits.

    The options follow PyTorch's ``torch.nn.functional.cross_entropy``:

    - ``reduction``: ``"mean"`` (default), ``"sum"`` or ``"none"`` (one loss per example).
    - ``weight``: one non-negative number :math:`w_c` per class (default all 1).  With integer labels
      the mean divides by the total weight of the examples' true classes,
      :math:`L = \sum_n \ell_n / \sum_n w_{c_n}`; with probability rows it divides by :math:`m`
      (PyTorch's documented formula for probability targets).
    - ``ignore_index``: a label value (integer labels only) whose examples count neither in the sum nor in
      the denominator.  Default ``None``: no label is ignored (PyTorch's default is -100).
    - ``label_smoothing``: :math:`\varepsilon \in [0, 1]`; the target becomes
      :math:`(1 - \varepsilon)\, y + \varepsilon / k`.

    A mean whose denominator is 0 (an empty batch, every example ignored) raises ``ValueError``: it is
    0/0, for which PyTorch returns NaN.  ``"sum"`` gives 0 there and ``"none"`` an empty array.

    >>> round(float(cross_entropy([[2.0, 0.0], [0.0, 2.0]], [0, 1])), 4)
    0.1269
    >>> cross_entropy([[2.0, 0.0], [0.0, 2.0]], [0, 1], reduction="none").round(4)
    array([0.1269, 0.1269])
    >>> round(float(cross_entropy([[2.0, 0.0], [0.0, 2.0]], [0, 1], weight=[1.0, 3.0])), 4)
    0.1269
    """
    z, q, w, single, scale = _cross_entropy_parts(logits, target, reduction, weight, ignore_index, label_smoothing)
    logp = log_softmax(z, axis=-1) if z.size else z.copy()
    wq = q * w
    # 0 * log p is 0 even where p is 0 (a masked class): multiply only where the weighted target is > 0.
    terms = np.multiply(wq, logp, where=wq > 0, out=np.zeros_like(logp))
    losses = -terms.sum(axis=-1)
    if reduction == "none":
        return losses[0] if single else losses
    # Scale before adding, so a batch of huge (finite) losses cannot overflow the sum.
    return np.sum(losses * scale)[()]


def cross_entropy_grad(logits, target, *, reduction="mean", weight=None, ignore_index=None, label_smoothing=0.0):
    r"""Gradient of :func:`cross_entropy` with respect to the logits, with the same options.

    .. math:: \frac{\partial \ell_n}{\partial z_{nj}} = p_{nj} \sum_c w_c q_{nc} - w_j q_{nj},
              \qquad p_n = \operatorname{softmax}(z_n)

    which is :math:`p_n - q_n` without weights.  ``"mean"`` divides by the denominator of the loss (the batch
    size ``m``, or the total weight of the true classes for weighted integer labels), ``"sum"`` does not, and
    ``"none"`` returns each example's gradient of its own loss :math:`\ell_n` (row ``n`` of the result).
    Ignored examples get a zero row.  Returns an array with the shape of ``logits``.

    >>> cross_entropy_grad([[0.0, 0.0]], [1])
    array([[ 0.5, -0.5]])
    """
    z, q, w, single, scale = _cross_entropy_parts(logits, target, reduction, weight, ignore_index, label_smoothing)
    wq = q * w
    p = softmax(z, axis=-1) if z.size else z.copy()
    grad = p * wq.sum(axis=-1, keepdims=True) - wq
    if reduction != "none":
        grad = grad * scale
    return grad.reshape(np.shape(logits))


# --------------------------------------------------------------------------- finite differences


def _point(x):
    arr = _as_float_array(x, "x").astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"x contains inf at index {_first(~np.isfinite(arr))}")
    return arr


def _check_eps(eps):
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite step, got {eps}")


def numerical_gradient(f, x, eps=1e-5):
    r"""Central-difference gradient of a scalar function ``f`` at ``x`` (any shape).

    .. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

    Here :math:`h` is ``eps``.  The error is :math:`O(h^2)` from truncation plus
    :math:`O(u/h)` from rounding (:math:`u \approx 10^{-16}` for float64), so
    ``eps=1e-5`` is near the best balance for values of order 1.

    >>> numerical_gradient(lambda v: float(np.sum(v**2)), [1.0, -2.0]).round(6)
    array([ 2., -4.])
    """
    _check_eps(eps)
    x = _point(x)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        up, down = np.asarray(f(x + step)), np.asarray(f(x - step))
        if up.shape != () or down.shape != ():
            raise ValueError(f"f must return a scalar, got shape {up.shape}")
        grad[i] = (up - down) / (2 * eps)
    return grad


def numerical_jacobian(f, x, eps=1e-5):
    r"""Central-difference Jacobian of ``f`` at ``x``: shape ``f(x).shape + x.shape``.

    .. math:: J_{ij} = \frac{\partial f_i}{\partial x_j} \approx \frac{f_i(x + h e_j) - f_i(x - h e_j)}{2h}

    >>> numerical_jacobian(lambda v: 3 * v, [1.0, 2.0]).round(6)
    array([[3., 0.],
           [0., 3.]])
    """
    _check_eps(eps)
    x = _point(x)
    out_shape = np.shape(f(x))
    jac = np.empty(out_shape + x.shape)
    for j in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[j] = eps
        jac[(...,) + j] = (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * eps)
    return jac


# --------------------------------------------------------------------------- online softmax


def _chunk(chunk_size):
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
    return int(chunk_size)


def online_softmax(x, chunk_size):
    r"""Softmax over the last axis, reading the scores in chunks with a running max and a rescaled running sum.

    Milakov and Gimelshein (2018): after chunk :math:`t`, with :math:`\mu_t = \max(\mu_{t-1}, \max_{j \in t} z_j)`,

    .. math:: \ell_t = \ell_{t-1} \, e^{\mu_{t-1} - \mu_t} + \sum_{j \in t} e^{z_j - \mu_t}

    so at the end :math:`\ell = \sum_j e^{z_j - \mu}` with :math:`\mu = \max_j z_j`, found in one pass where the
    two-pass algorithm reads the scores once for the max and again for the sum.  A last pass writes
    :math:`e^{z_i - \mu} / \ell`.  Masked scores (``-inf``) get 0; validation as :func:`softmax`.  ``chunk_size``
    scores are read at a time.  Every exponential is compensated as in :func:`softmax` and the running sum is
    carried with its rounding errors (an exact product and an exact sum per chunk), so the result is within a few
    ulps of the exact softmax (``tests/test_numerics_accuracy.py``: at most 4), not the hundreds of ulps of the plain
    shifted formula on scores with wide gaps.

    >>> online_softmax([1.0, 2.0, 3.0], chunk_size=2).round(4)
    array([0.09  , 0.2447, 0.6652])
    """
    arr, _ = _logits(x, axis=-1)
    size = _chunk(chunk_size)
    if arr.ndim == 0 or arr.size == 0:
        return softmax(arr)  # one class, or nothing to read: as softmax (1.0, or an empty array of the same shape)
    work = arr.astype(np.float64)
    m = np.full(work.shape[:-1], -np.inf)
    # The running sum as an unevaluated pair total + total_lo, rescaled with an exact product and added to with
    # an exact sum; every exp is compensated (TwoSum) as in softmax: the result stays within a few ulps of it.
    total, total_lo = np.zeros(work.shape[:-1]), np.zeros(work.shape[:-1])
    with np.errstate(invalid="ignore", under="ignore"):
        for start in range(0, work.shape[-1], size):
            block = work[..., start:start + size]
            m_new = np.maximum(m, block.max(axis=-1))
            # A chunk with nothing seen yet (m = m_new = -inf) rescales nothing: scale 1, not exp(nan).
            scale = np.where(m == m_new, 1.0, _kernels.shifted_exp(m, m_new))
            shift = np.where(np.isneginf(m_new), 0.0, m_new)  # all masked so far: every term is exp(-inf) = 0
            rescaled, error = _kernels.two_product(total, scale)
            total, added = _kernels.two_sum(rescaled, _kernels.chunk_sum(_kernels.shifted_exp(block, shift[..., None])))
            total_lo = total_lo * scale + error + added
            m = m_new
    total = total + total_lo
    return (_kernels.shifted_exp(work, m[..., None]) / total[..., None]).astype(arr.dtype, copy=False)


def _attention_inputs(q, k, v):
    """Validated float64 copies of q, k, v, and the dtype of the result: the inputs' common float type (float64
    for integers), as the softmax functions keep theirs; the work is done in float64 and rounded once."""
    dtype = np.result_type(*(_as_float_array(a, name) for a, name in ((q, "q"), (k, "k"), (v, "v"))))
    q, k, v = (_point(a) for a in (q, k, v))
    if q.ndim != 2 or k.ndim != 2 or v.ndim != 2 or q.shape[1] != k.shape[1] or k.shape[0] != v.shape[0]:
        raise ValueError(
            f"need q (queries, d), k (keys, d) and v (keys, d_v) with matching d and key counts, "
            f"got shapes {q.shape}, {k.shape}, {v.shape}"
        )
    return q, k, v, dtype


def attention(q, k, v):
    r"""Scaled dot-product attention :math:`\operatorname{softmax}(q k^\top / \sqrt{d})\, v`, one query per row.

    Builds the whole ``(queries, keys)`` score matrix, as a textbook does.  float16 and float32 inputs give a
    result of their dtype (computed in float64 and rounded once); integers give float64.

    >>> attention([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0], [0.0]]).round(4)
    array([[0.6698]])
    """
    q, k, v, dtype = _attention_inputs(q, k, v)
    return (softmax(q @ k.T / np.sqrt(q.shape[1])) @ v).astype(dtype, copy=False)


def online_attention(q, k, v, block_size):
    r"""Attention computed over blocks of keys, never holding the whole score matrix (the FlashAttention idea).

    For each block :math:`t` of keys, the running max :math:`\mu_t`, running sum :math:`\ell_t` and running output
    :math:`o` are rescaled by :math:`e^{\mu_{t-1} - \mu_t}` before the block's terms are added, exactly as in
    :func:`online_softmax`; dividing by the last :math:`\ell_t` once at the end gives :func:`attention`'s result
    (Dao et al. 2022).  ``block_size`` keys per block.  The result has the inputs' dtype, as in :func:`attention`.

    >>> online_attention([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0], [0.0]], block_size=1).round(4)
    array([[0.6698]])
    """
    q, k, v, dtype = _attention_inputs(q, k, v)
    size = _chunk(block_size)
    m = np.full(q.shape[0], -np.inf)
    total = np.zeros(q.shape[0])
    o = np.zeros((q.shape[0], v.shape[1]))
    for start in range(0, k.shape[0], size):
        scores = q @ k[start:start + size].T / np.sqrt(q.shape[1])
        m_new = np.maximum(m, scores.max(axis=1))
        scale = np.exp(m - m_new)  # exp(-inf) = 0 on the first block: nothing to rescale
        p = np.exp(scores - m_new[:, None])
        total = total * scale + p.sum(axis=1)
        o = o * scale[:, None] + p @ v[start:start + size]
        m = m_new
    return (o / total[:, None]).astype(dtype, copy=False)
