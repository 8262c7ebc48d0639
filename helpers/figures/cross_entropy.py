"""Figures of chapter 4: the cross-entropy loss and its gradient as a logit moves, the loss surface of two logits,
and the loss computed three ways as the logit gap grows."""

from __future__ import annotations

import numpy as np

from helpers.figures._core import PALETTE, new_figure


def _losses_along(z, true_class, moving, grid):
    """The loss ``-log softmax(z)[true_class]`` with ``z[moving]`` replaced by each value of ``grid``."""
    from helpers.numerics import log_softmax

    rows = np.tile(z, (len(grid), 1))
    rows[:, moving] = grid
    return -log_softmax(rows)[:, true_class]


def _gradient(z, true_class):
    from helpers.numerics import cross_entropy_grad

    return cross_entropy_grad(z, true_class)


def loss_and_gradient(z, true_class, moving, labels, span=(-4.0, 6.0)):
    """Two panels: the loss for ``true_class`` as logit ``moving`` sweeps ``span`` (a dot at ``z[moving]``), and the
    gradient ``softmax(z) - y`` at ``z`` as bars.

    >>> fig = loss_and_gradient([2.0, 1.0, -1.0], 0, 1, ["cat", "dog", "fox"])
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'dL/dz']
    """
    z = np.asarray(z, dtype=float)
    grid = np.linspace(*span, 201)
    fig, (left, right) = new_figure(2, height=3.0)
    left.plot(grid, _losses_along(z, true_class, moving, grid), color=PALETTE[0])
    left.plot([z[moving]], _losses_along(z, true_class, moving, [z[moving]]), "o", color=PALETTE[3], markersize=8)
    left.set_xlabel(f"logit of {labels[moving]}, $z_{{\\mathrm{{{labels[moving]}}}}}$")
    left.set_ylabel("loss")
    left.set_ylim(0, 8)
    left.set_title(f"$L = -\\log s_{{\\mathrm{{{labels[true_class]}}}}}$", fontsize=11)
    gradient = _gradient(z, true_class)
    colors = [PALETTE[3] if g < 0 else PALETTE[0] for g in gradient]
    bars = right.bar(labels, gradient, color=colors)
    right.bar_label(bars, fmt="%.2f", padding=2, fontsize=9)
    right.axhline(0, color="black", linewidth=0.8)
    right.set_ylim(-1.15, 1.15)
    right.set_ylabel("dL/dz")
    right.set_title("gradient $s - y$", fontsize=11)
    return fig


def loss_and_gradient_alt(z, true_class, moving, labels, span=(-4.0, 6.0)):
    r"""Alt text for :func:`loss_and_gradient`, computed from the same numbers.

    >>> print(loss_and_gradient_alt([2.0, 1.0, -1.0], 0, 1, ["cat", "dog", "fox"]).replace(": ", ":\n"))
    Loss for true class cat as the logit of dog moves from -4 to 6:
    0.349 at z_dog = 1; gradient s - y:
    cat -0.295, dog 0.259, fox 0.035
    """
    z = np.asarray(z, dtype=float)
    loss = float(_losses_along(z, true_class, moving, [z[moving]])[0])
    gradient = ", ".join(f"{label} {g:.3f}" for label, g in zip(labels, _gradient(z, true_class)))
    return (
        f"Loss for true class {labels[true_class]} as the logit of {labels[moving]} moves from {span[0]:g} to "
        f"{span[1]:g}: {loss:.3f} at z_{labels[moving]} = {z[moving]:g}; gradient s - y: {gradient}"
    )


def _two_class_loss(gap, smoothing):
    """Loss of two logits with gap z1 - z2, for class 1 with label smoothing (target (1 - e/2, e/2))."""
    from helpers.numerics import log_softmax

    gap = np.asarray(gap, dtype=float)
    logp = log_softmax(np.stack([gap, np.zeros_like(gap)], axis=-1))
    target = np.array([1 - smoothing / 2, smoothing / 2])
    return -(logp * target).sum(axis=-1)


def best_gap(smoothing):
    r"""The logit gap :math:`z_1 - z_2` that minimises the two-class loss with label smoothing ``smoothing``.

    .. math:: z_1 - z_2 = \log \frac{1 - \varepsilon / 2}{\varepsilon / 2}  \qquad (\infty \text{ for } \varepsilon = 0)

    >>> best_gap(0.2), best_gap(0.0)
    (np.float64(2.1972245773362196), inf)
    """
    if smoothing == 0:
        return np.inf
    return np.log((1 - smoothing / 2) / (smoothing / 2))


def two_logit_surface(smoothing, span=6.0):
    """Two panels for two classes, true class 1, label smoothing ``smoothing``: the loss over the plane of the two
    logits (flat along the shift direction (1, 1); the dashed line is where it is smallest), and the loss against
    the gap ``z1 - z2``.

    >>> fig = two_logit_surface(0.1)
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['$z_1$', 'gap $z_1 - z_2$']
    """
    axis = np.linspace(-span, span, 121)
    z1, z2 = np.meshgrid(axis, axis)
    fig, (left, right) = new_figure(2, height=3.0)
    loss = _two_class_loss(z1 - z2, smoothing)
    # Uneven levels: most of the interesting change happens below a loss of 1.
    levels = [0, 0.25, 0.5, 1, 2, 4, 8, 12]
    left.contourf(z1, z2, loss, levels=levels, cmap="cividis_r", extend="max")
    lines = left.contour(z1, z2, loss, levels=levels[1:-1], colors="black", linewidths=0.6)
    left.clabel(lines, fontsize=8, fmt="%g")
    left.set_aspect("equal")
    left.set_xlabel("$z_1$")
    left.set_ylabel("$z_2$")
    left.grid(False)
    gap = best_gap(smoothing)
    gaps = np.linspace(-2 * span, 2 * span, 241)
    right.plot(gaps, _two_class_loss(gaps, smoothing), color=PALETTE[0])
    if np.isfinite(gap):
        left.plot(axis, axis - gap, "--", color=PALETTE[3], linewidth=2)
        left.set_ylim(-span, span)
        right.plot([gap], _two_class_loss([gap], smoothing), "o", color=PALETTE[3], markersize=8)
    left.annotate("", xy=(3, 3), xytext=(-3, -3), arrowprops={"arrowstyle": "<->", "color": PALETTE[7], "lw": 1.5})
    left.text(-2.6, -1.2, "shift: no change", rotation=45, fontsize=9, color=PALETTE[7])
    left.set_title(f"loss, label smoothing {smoothing:g}", fontsize=11)
    right.set_xlabel("gap $z_1 - z_2$")
    right.set_ylabel("loss")
    right.set_ylim(0, 8)
    right.set_title("the loss depends on the gap only", fontsize=11)
    return fig


def two_logit_surface_alt(smoothing):
    r"""Alt text for :func:`two_logit_surface`.

    >>> print(two_logit_surface_alt(0.0).replace(": ", ":\n"))
    Loss of two logits for class 1 with label smoothing 0:
    constant along the diagonal (1, 1), it falls towards 0 as z1 - z2 grows and has no minimum
    """
    gap = best_gap(smoothing)
    head = f"Loss of two logits for class 1 with label smoothing {smoothing:g}: constant along the diagonal (1, 1), "
    if not np.isfinite(gap):
        return head + "it falls towards 0 as z1 - z2 grows and has no minimum"
    lowest = float(_two_class_loss([gap], smoothing)[0])
    return head + f"smallest ({lowest:.3f}) on the line z1 - z2 = {gap:.3f}"


def loss_against_gap(gaps, curves, *, dtype_name):
    """Loss against the logit gap, one line per way of computing it; a curve that becomes ``inf`` ends with a cross.

    ``curves`` maps a label to the loss at each gap (``inf`` allowed).

    >>> fig = loss_against_gap(np.arange(4.0), {"exact": np.arange(4.0)}, dtype_name="float32")
    >>> fig.axes[0].get_xlabel()
    'logit gap (float32)'
    """
    fig, (ax,) = new_figure(1, height=3.0)
    styles = ["-", "--", ":"]
    for n, (label, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=float)
        finite = np.isfinite(values)
        color = PALETTE[n]
        ax.plot(gaps[finite], values[finite], styles[n % 3], color=color, linewidth=2.5 - 0.5 * n, label=label)
        if not finite.all():
            first = int(np.argmin(finite))
            ax.plot([gaps[first]], [values[finite].max()], "x", color=color, markersize=12, mew=3)
            ax.annotate(
                f"inf from gap {gaps[first]:.4g}", (gaps[first], values[finite].max()), textcoords="offset points",
                xytext=(-10, 8), ha="right", color=color,
            )
    ax.set_xlabel(f"logit gap ({dtype_name})")
    ax.set_ylabel("loss of the lower class")
    ax.legend(loc="upper left", fontsize=9)
    return fig


def loss_against_gap_alt(gaps, curves, *, dtype_name):
    """Alt text for :func:`loss_against_gap`: where each curve ends up, and where it becomes infinite.

    >>> loss_against_gap_alt(np.array([0.0, 1.0]), {"a": [0.0, np.inf]}, dtype_name="float32")
    'Loss of the lower class against the logit gap from 0 to 1 in float32: a becomes inf from gap 1'
    """
    parts = []
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        if np.isfinite(values).all():
            parts.append(f"{label} reaches {values[-1]:.4g}")
        else:
            parts.append(f"{label} becomes inf from gap {gaps[int(np.argmin(np.isfinite(values)))]:.4g}")
    return (
        f"Loss of the lower class against the logit gap from {gaps[0]:g} to {gaps[-1]:g} in {dtype_name}: "
        + "; ".join(parts)
    )
