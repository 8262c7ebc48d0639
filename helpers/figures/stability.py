"""Figures of chapter 2: where ``exp`` leaves each float format, the textbook softmax against the shifted one,
the shift ``c`` at work, and ``log(softmax(x))`` against log-softmax.

Every figure has a companion ``*_alt`` function that writes its alt text from the numbers it draws, and the
slider views return ``(Figure, text)`` so the website shows the exact values beside the picture.
"""

from __future__ import annotations

import numpy as np

from helpers.figures._core import PALETTE, new_figure

__all__ = [
    "DTYPES",
    "exp_limits",
    "exp_limits_alt",
    "exp_range",
    "log_softmax_gap",
    "log_softmax_gap_alt",
    "naive_and_shifted",
    "naive_and_shifted_alt",
    "naive_and_shifted_text",
    "shift_view",
    "shift_view_alt",
]

#: The float formats the chapter compares, narrowest first.
DTYPES = ("float16", "float32", "float64")

_NAN_COLOUR = PALETTE[3]  # vermillion: a result that is not a number


def exp_range(dtype):
    """Where ``exp`` leaves the float format ``dtype``, as natural logarithms of its limits (in float64).

    Returns ``(overflow, normal, zero)``: ``exp(t)`` is ``inf`` above ``overflow = ln(max)``, subnormal (fewer
    significant bits) below ``normal = ln(smallest normal)``, and smaller than the smallest positive number below
    ``zero = ln(smallest subnormal)``.

    >>> [round(v, 2) for v in exp_range("float16")]
    [11.09, -9.7, -16.64]
    """
    info = np.finfo(dtype)
    return tuple(float(np.log(np.float64(v))) for v in (info.max, info.smallest_normal, info.smallest_subnormal))


def exp_limits(dtypes=DTYPES):
    """One panel per dtype: :math:`\\log_{10} e^t` against ``t``, with the format's largest number, smallest
    normal number and smallest subnormal number as horizontal lines.  Outside the band between the outer
    lines ``exp`` gives ``inf`` (above) or 0 (below).

    >>> fig = exp_limits()
    >>> [ax.get_title() for ax in fig.axes]
    ['float16', 'float32', 'float64']
    """
    fig, axes = new_figure(len(dtypes), width=6.4, height=2.8)
    for ax, dtype in zip(axes, dtypes):
        overflow, normal, zero = exp_range(dtype)
        t = np.linspace(1.3 * zero, 1.3 * overflow, 200)
        ax.plot(t, t / np.log(10), color=PALETTE[0], linewidth=1.5)
        levels = [(overflow, "max", PALETTE[3], "-"), (normal, "smallest normal", PALETTE[1], ":"),
                  (zero, "smallest subnormal", PALETTE[2], "--")]
        for level, label, colour, style in levels:
            ax.axhline(level / np.log(10), color=colour, linestyle=style, linewidth=1.2, label=label)
        ax.set_title(dtype)
        ax.set_xlabel("$t$")
    axes[0].set_ylabel("$\\log_{10} e^t$")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return fig


def exp_limits_alt(dtypes=DTYPES):
    """Alt text for :func:`exp_limits`, from the same limits.

    >>> exp_limits_alt(["float16"])[:70]
    'The line log10(e^t) against t for float16, crossing the largest number'
    """
    parts = [
        f"{dtype}, crossing the largest number at t = {o:.2f}, the smallest normal number at t = {n:.2f} "
        f"and the smallest subnormal number at t = {z:.2f}"
        for dtype, (o, n, z) in ((d, exp_range(d)) for d in dtypes)
    ]
    return "The line log10(e^t) against t for " + "; for ".join(parts)


# --------------------------------------------------------------------------- the textbook formula against the shift


def _naive_and_shifted(x, dtype):
    """``x`` in ``dtype``, its exponentials, their sum, the textbook softmax and the shifted one (all in dtype)."""
    from helpers.numerics import softmax

    x = np.asarray(x).astype(dtype)
    # No divide: a sum of non-negative terms is 0 only if every term is, and 0 / 0 is "invalid".
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        e = np.exp(x)
        total = e.sum()
        naive = e / total
    return x, e, total, naive, softmax(x)


def _bars(ax, values, title, colour):
    labels = [f"$x_{i + 1}$" for i in range(len(values))]
    finite = np.where(np.isfinite(values), values, 0.0)
    bars = ax.bar(labels, finite, color=colour)
    for bar, value in zip(bars, values):
        if np.isnan(value):
            bar.set_height(1.0)
            bar.set_color("white")
            bar.set_edgecolor(_NAN_COLOUR)
            bar.set_hatch("///")
            ax.text(bar.get_x() + bar.get_width() / 2, 0.5, "nan", ha="center", va="center",
                    color=_NAN_COLOUR, fontweight="bold", fontsize=11,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        else:
            ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.03, f"{float(value):.3g}",
                    ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, 1.15)
    ax.set_title(title, fontsize=10)
    ax.grid(False, axis="x")  # bars need no vertical grid lines (and each line costs page weight in every state)


def naive_and_shifted(x, dtype):
    """Two panels: the textbook :math:`e^{x_i} / \\sum_j e^{x_j}` and the shifted softmax, both computed in
    ``dtype``; a ``nan`` entry is drawn as a hatched vermillion bar labelled "nan".

    >>> fig = naive_and_shifted([12.0, 10.0, 8.0], "float16")
    >>> [ax.get_title() for ax in fig.axes]
    ['textbook: exp(x) / sum(exp(x))', 'shifted: helpers.softmax(x)']
    """
    _, _, _, naive, shifted = _naive_and_shifted(x, dtype)
    fig, (left, right) = new_figure(2, width=6.4, height=2.1)
    _bars(left, naive, "textbook: exp(x) / sum(exp(x))", PALETTE[1])
    _bars(right, shifted, "shifted: helpers.softmax(x)", PALETTE[0])
    left.set_ylabel("probability")
    return fig


def _vector(values, digits=3):
    return "[" + ", ".join(f"{float(v):.{digits}g}" for v in values) + "]"


def naive_and_shifted_alt(x, dtype):
    """Alt text for :func:`naive_and_shifted`, from the same numbers.

    >>> naive_and_shifted_alt([12.0, 10.0, 8.0], "float16").split(", the textbook formula")
    ['In float16, for x = [12, 10, 8]', ' gives [nan, 0, 0] and the shifted softmax [0.867, 0.117, 0.0159]']
    """
    x, _, _, naive, shifted = _naive_and_shifted(x, dtype)
    return (
        f"In {dtype}, for x = {_vector(x, 6)}, the textbook formula gives {_vector(naive)} "
        f"and the shifted softmax {_vector(shifted)}"
    )


def naive_and_shifted_text(x, dtype):
    """The numbers behind :func:`naive_and_shifted`, one per line, as NumPy computes them in ``dtype``.

    >>> print(naive_and_shifted_text([12.0, 10.0, 8.0], "float16"))
    x         = [12, 10, 8]  (float16)
    exp(x)    = [inf, 2.2e+04, 2.98e+03]
    sum       = inf
    textbook  = [nan, 0, 0]
    shifted   = [0.867, 0.117, 0.0159]
    """
    x, e, total, naive, shifted = _naive_and_shifted(x, dtype)
    return "\n".join([
        f"x         = {_vector(x, 6)}  ({dtype})",
        f"exp(x)    = {_vector(e)}",
        f"sum       = {float(total):.3g}",
        f"textbook  = {_vector(naive)}",
        f"shifted   = {_vector(shifted)}",
    ])


# --------------------------------------------------------------------------- the shift c


def _shifted_terms(x, c):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        e = np.exp(x - c)
        total = e.sum()
        return e, total, e / total


def shift_view(x, c, ylim=(1e-5, 1e4)):
    """Two panels for ``softmax(x) = exp(x - c) / sum(exp(x - c))``: the terms :math:`e^{x_i - c}` and their sum
    on a log scale (with the level 1 marked), and the resulting probabilities, which do not depend on ``c``.

    >>> fig = shift_view([3.0, 1.0, -2.0], 3.0)
    >>> fig.axes[0].get_yscale(), fig.axes[1].get_title()
    ('log', 'softmax(x)')
    """
    e, total, s = _shifted_terms(x, c)
    fig, (left, right) = new_figure(2, width=6.4, height=2.3)
    names = [f"$x_{i + 1}$" for i in range(len(e))]
    left.bar(names + ["sum"], [*e, total], color=[PALETTE[1]] * len(e) + [PALETTE[4]])
    left.axhline(1.0, color="black", linewidth=1.0, linestyle="--")
    left.set_yscale("log")
    left.set_ylim(*ylim)
    left.set_ylabel("$e^{x_i - c}$ (log scale)")
    left.set_title(f"terms and sum, c = {c:g}", fontsize=10)
    right.bar(names, s, color=PALETTE[0])
    for k, value in enumerate(s):
        right.text(k, value + 0.03, f"{value:.3f}", ha="center", va="bottom", fontsize=8)
    right.set_ylim(0, 1.15)
    right.set_ylabel("probability")
    right.set_title("softmax(x)", fontsize=10)
    for ax in (left, right):
        ax.grid(False, axis="x")
    return fig


def shift_view_alt(x, c):
    """Alt text for :func:`shift_view`, from the same numbers.

    >>> shift_view_alt([3.0, 1.0, -2.0], 3.0)
    'With c = 3: terms exp(x - c) = [1, 0.135, 0.00674], sum 1.14; softmax [0.876, 0.118, 0.0059]'
    """
    e, total, s = _shifted_terms(x, c)
    return f"With c = {c:g}: terms exp(x - c) = {_vector(e)}, sum {total:.3g}; softmax {_vector(s)}"


# --------------------------------------------------------------------------- log(softmax) against log-softmax


def _log_of_softmax(gaps, dtype):
    """log p of the lower score for x = [0, -gap], computed as ``np.log(softmax(x))`` in ``dtype``."""
    from helpers.numerics import softmax

    x = np.column_stack([np.zeros_like(gaps), -gaps]).astype(dtype)
    with np.errstate(divide="ignore"):
        return np.log(softmax(x))[:, 1]


def log_softmax_gap(dtypes=("float32", "float64"), largest_gap=800.0):
    """The log-probability of the lower of two scores ``[0, -gap]``, computed as ``np.log(softmax(x))`` in each
    dtype (it falls to ``-inf`` where the probability underflows; drawn as a cross at the bottom) and as
    ``helpers.log_softmax`` (the straight line ``-gap``, to good accuracy).

    >>> fig = log_softmax_gap()
    >>> fig.axes[0].get_xlabel()
    'gap between the two scores'
    """
    gaps = np.linspace(0.0, largest_gap, 801)
    fig, (ax,) = new_figure(1, width=6.4, height=2.8)
    ax.plot(gaps, -gaps, color="black", linewidth=2.5, alpha=0.35, label="log_softmax (any dtype)")
    # The narrower format ends first; it is drawn last and thicker, so the wider one does not hide it.
    for dtype, colour, width in reversed(list(zip(dtypes, (PALETTE[1], PALETTE[0]), (3.0, 1.5)))):
        via_log = _log_of_softmax(gaps, dtype)
        finite = np.isfinite(via_log)
        ax.plot(gaps[finite], via_log[finite], color=colour, linewidth=width, label=f"np.log(softmax(x)), {dtype}")
        first = int(np.argmin(finite))
        bottom = -1.05 * largest_gap
        ax.plot([gaps[first]] * 2, [via_log[first - 1], bottom], color=colour, linestyle=":", linewidth=1.2)
        ax.plot([gaps[first]], [bottom], marker="x", markersize=9, color=colour, linestyle="none")
        left_half = gaps[first] < largest_gap / 2
        ax.annotate(f"-inf from gap {gaps[first]:g}", (gaps[first], bottom), xytext=(6 if left_half else -6, 4),
                    ha="left" if left_half else "right", textcoords="offset points", fontsize=8, color=colour)
    ax.set_ylim(-1.1 * largest_gap, 20)
    ax.set_xlabel("gap between the two scores")
    ax.set_ylabel("log-probability of the lower")
    ax.legend(loc="upper right", fontsize=8)
    return fig


def log_softmax_gap_alt(dtypes=("float32", "float64"), largest_gap=800.0):
    """Alt text for :func:`log_softmax_gap`, from the same computation.

    >>> log_softmax_gap_alt().split("; ")[1]
    'np.log(softmax(x)) falls to -inf from a gap of 104 in float32 and from a gap of 746 in float64'
    """
    gaps = np.linspace(0.0, largest_gap, 801)
    ends = []
    for dtype in dtypes:
        via_log = _log_of_softmax(gaps, dtype)
        ends.append(f"from a gap of {gaps[int(np.argmin(np.isfinite(via_log)))]:g} in {dtype}")
    return (
        f"The log-probability of the lower of two scores against their gap, from 0 to {largest_gap:g}: "
        f"log_softmax follows the line -gap throughout; np.log(softmax(x)) falls to -inf {' and '.join(ends)}"
    )
