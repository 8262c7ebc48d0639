"""Figures of chapter 2: where ``exp`` leaves each float format, the textbook softmax against the shifted one,
the shift ``a`` at work, and ``log(softmax(z))`` against log-softmax.

The textbook formula is evaluated here with an ``exp`` that rounds correctly to the format (from mpmath), then
IEEE arithmetic in the format: the pictures and numbers are then the same on every processor, whereas NumPy's own
``exp`` may differ from the correct rounding by one unit in the last place, one whole step for a subnormal result.

Every figure has a companion ``*_alt`` function that writes its alt text from the numbers it draws, and the
slider views return ``(Figure, text)`` so the website shows the exact values beside the picture.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import mpmath
import numpy as np

from helpers.figures._core import PALETTE, new_figure

__all__ = [
    "DTYPES",
    "FORMATS",
    "TextbookWindow",
    "exp_rounded",
    "format_limits",
    "textbook_in",
    "textbook_window",
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
    "shift_view_text",
]

#: The float formats NumPy computes in, narrowest first.
DTYPES = ("float16", "float32", "float64")

#: (exponent bits, fraction bits) of the binary formats machine learning uses; bfloat16 is float32 cut to 7
#: fraction bits (NumPy has no bfloat16 type, so the chapter derives its limits from these two numbers).
FORMATS = {"float16": (5, 10), "bfloat16": (8, 7), "float32": (8, 23), "float64": (11, 52)}

_NAN_COLOUR = PALETTE[3]  # vermillion: a result that is not a number


def format_limits(fmt):
    """The largest number, the smallest normal number and the smallest subnormal number of the binary format
    ``fmt`` (a key of ``FORMATS``), exactly, from its bits: with ``e`` exponent bits and ``f`` fraction bits,
    ``emax = 2**(e - 1) - 1`` and the limits are ``(2 - 2**-f) * 2**emax``, ``2**(1 - emax)`` and
    ``2**(1 - emax - f)``.

    >>> format_limits("bfloat16") == ((2 - 2**-7) * 2.0**127, 2.0**-126, 2.0**-133)
    True
    """
    exponent_bits, fraction_bits = FORMATS[fmt]
    emax = 2 ** (exponent_bits - 1) - 1
    return (2 - 2.0**-fraction_bits) * 2.0**emax, 2.0 ** (1 - emax), 2.0 ** (1 - emax - fraction_bits)


def exp_range(fmt):
    """Where ``exp`` leaves the float format ``fmt``, as natural logarithms of its limits.

    Returns ``(overflow, normal, zero)``: ``exp(r)`` is ``inf`` above ``overflow = ln(max)``, subnormal (fewer
    significant bits) below ``normal = ln(smallest normal)``, and smaller than the smallest positive number below
    ``zero = ln(smallest subnormal)``.

    >>> [round(v, 2) for v in exp_range("float16")]
    [11.09, -9.7, -16.64]
    >>> [round(v, 2) for v in exp_range("bfloat16")]
    [88.72, -87.34, -92.19]
    """
    return tuple(math.log(v) for v in format_limits(fmt))


class TextbookWindow(NamedTuple):
    """Where the textbook formula works for scores ``z = z_max + offsets`` (bounds on ``z_max``, see
    :func:`textbook_window`)."""

    nan_below: float  #: at or below: every term rounds to 0, and 0 / 0 is nan
    accurate_from: float  #: from here on every term is a normal number
    zeros_from: float  #: from here on the sum overflows and the result is a silent [0, ..., 0]
    nan_from: float  #: from here on the largest term overflows, and inf / inf is nan


def textbook_window(fmt, offsets=(0.0, -2.0, -4.0)):
    """The limits on ``z_max`` for the textbook formula on ``z = z_max + offsets`` in the format ``fmt``, from
    the format's limits (``offsets`` has largest entry 0).  A sum or an exponential rounds to ``inf`` from
    ``max + ulp(max) / 2`` on, and to 0 up to half the smallest subnormal number.

    The formula gives no nan for ``nan_below < z_max < nan_from``, and is accurate only for
    ``accurate_from <= z_max < zeros_from``.

    >>> [round(v, 2) for v in textbook_window("float64")]
    [-745.13, -704.4, 709.64, 709.78]
    """
    offsets = [mpmath.mpf(float(v)) for v in offsets]
    if max(offsets) != 0:
        raise ValueError(f"the largest offset must be 0, got {max(offsets)}")
    _, normal, tiniest = format_limits(fmt)
    with mpmath.workprec(200):
        rounds_to_inf = _rounds_to_inf(fmt)
        log_sum = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in offsets))
        return TextbookWindow(
            nan_below=float(mpmath.log(mpmath.mpf(tiniest) / 2)),
            accurate_from=float(mpmath.log(normal) - min(offsets)),
            zeros_from=float(mpmath.log(rounds_to_inf) - log_sum),
            nan_from=float(mpmath.log(rounds_to_inf)),
        )


def _rounds_to_inf(fmt):
    """max + ulp(max) / 2 = (2 - 2**-(f + 1)) * 2**emax, exactly: from there on, rounding to nearest gives inf."""
    exponent_bits, fraction_bits = FORMATS[fmt]
    return (2 - mpmath.mpf(2) ** -(fraction_bits + 1)) * mpmath.mpf(2) ** (2 ** (exponent_bits - 1) - 1)


def exp_rounded(z, dtype):
    """``exp(z)`` correctly rounded to ``dtype`` (to nearest, as IEEE 754 recommends), entry by entry, from
    mpmath: the same on every processor, overflow to ``inf`` and underflow to subnormals and 0 included.

    >>> [float(v) for v in exp_rounded([-17.0, 0.0, 12.0], "float16")]
    [5.960464477539063e-08, 1.0, inf]
    """
    dtype = np.dtype(dtype)
    z = np.asarray(z).astype(dtype)
    largest = float(np.finfo(dtype).max)
    out = np.empty(z.shape, dtype)
    # Stepping from the smallest subnormal towards 0 "underflows": that is the point of the neighbours here.
    with mpmath.workprec(200), np.errstate(under="ignore"):
        rounds_to_inf = _rounds_to_inf(dtype.name)
        for index, value in np.ndenumerate(z):
            exact = mpmath.exp(mpmath.mpf(float(value)))
            if exact >= rounds_to_inf:
                out[index] = np.inf
                continue
            guess = np.array(float(exact) if exact < largest else largest).astype(dtype)
            neighbours = (np.nextafter(guess, dtype.type(0)), guess, np.nextafter(guess, dtype.type(np.inf)))
            out[index] = min(neighbours, key=lambda v: abs(mpmath.mpf(float(v)) - exact))
    return out


def textbook_in(z, dtype):
    """The textbook formula in ``dtype``: ``(z, exp(z), their sum, exp(z) / sum)``, with :func:`exp_rounded`
    and the sum added left to right in the format (a float16 sum rounds to float16 after each addition).

    >>> textbook_in([11.0, 9.0, 7.0], "float16")[2:]
    (np.float16(inf), array([0., 0., 0.], dtype=float16))
    """
    dtype = np.dtype(dtype)
    z = np.asarray(z).astype(dtype)
    e = exp_rounded(z, dtype)
    total = dtype.type(0)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for term in e:
            total = dtype.type(total + term)
        return z, e, total, e / total


def exp_limits(dtypes=DTYPES):
    """One panel per dtype: :math:`\\log_{10} e^r` against ``r``, with the format's largest number, smallest
    normal number and smallest subnormal number as horizontal lines.  Outside the band between the outer
    lines ``exp`` gives ``inf`` (above) or 0 (below).

    >>> fig = exp_limits()
    >>> [ax.get_title() for ax in fig.axes]
    ['float16', 'float32', 'float64']
    """
    fig, axes = new_figure(len(dtypes), width=6.4, height=2.8)
    for ax, dtype in zip(axes, dtypes):
        overflow, normal, zero = exp_range(dtype)
        r = np.linspace(1.3 * zero, 1.3 * overflow, 200)
        ax.plot(r, r / np.log(10), color=PALETTE[0], linewidth=1.5)
        levels = [(overflow, "max", PALETTE[3], "-"), (normal, "smallest normal", PALETTE[1], ":"),
                  (zero, "smallest subnormal", PALETTE[2], "--")]
        for level, label, colour, style in levels:
            ax.axhline(level / np.log(10), color=colour, linestyle=style, linewidth=1.2, label=label)
        ax.set_title(dtype)
        ax.set_xlabel("$r$")
    axes[0].set_ylabel("$\\log_{10} e^r$")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return fig


def exp_limits_alt(dtypes=DTYPES):
    """Alt text for :func:`exp_limits`, from the same limits.

    >>> exp_limits_alt(["float16"])[:70]
    'The line log10(e^r) against r for float16, crossing the largest number'
    """
    parts = [
        f"{dtype}, crossing the largest number at r = {o:.2f}, the smallest normal number at r = {n:.2f} "
        f"and the smallest subnormal number at r = {z:.2f}"
        for dtype, (o, n, z) in ((d, exp_range(d)) for d in dtypes)
    ]
    return "The line log10(e^r) against r for " + "; for ".join(parts)


# --------------------------------------------------------------------------- the textbook formula against the shift


def _exact_softmax(z):
    with mpmath.workprec(200):
        e = [mpmath.exp(mpmath.mpf(float(v)) - mpmath.mpf(float(max(z)))) for v in z]
        total = mpmath.fsum(e)
        return [v / total for v in e]


def _rows(z, dtypes):
    """Per format: (dtype, z in it, exp(z), sum, textbook result, shifted result, largest relative error)."""
    from helpers.numerics import softmax

    rows = []
    for dtype in dtypes:
        zd, e, total, naive = textbook_in(z, dtype)
        exact = _exact_softmax(zd)
        with np.errstate(invalid="ignore"):
            errors = [abs(mpmath.mpf(float(got)) - want) / want for got, want in zip(naive, exact)]
        error = float(max(errors)) if np.isfinite(naive).all() else np.nan
        rows.append((dtype, zd, e, total, naive, softmax(zd), error))
    return rows


def _verdict(dtype, e, naive, error):
    if np.isnan(naive).any():
        return "nan"
    if not naive.any():
        return "all 0: the sum overflowed"
    if (e < np.finfo(dtype).smallest_normal).any():
        return f"off by {error:.0%} (subnormal terms)"
    return "accurate"


def _bars(ax, values, title, colour):
    labels = [f"$z_{i + 1}$" for i in range(len(values))]
    finite = np.where(np.isfinite(values), values, 0.0)
    bars = ax.bar(labels, finite, color=colour)
    for bar, value in zip(bars, values):
        if np.isnan(value):
            bar.set_height(1.0)
            bar.set_color("white")
            bar.set_edgecolor(_NAN_COLOUR)
            bar.set_hatch("///")
            ax.text(bar.get_x() + bar.get_width() / 2, 0.5, "nan", ha="center", va="center",
                    color=_NAN_COLOUR, fontweight="bold", fontsize=9, rotation=90,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        else:
            ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.03, f"{float(value):.2g}",
                    ha="center", va="bottom", fontsize=7)
    ax.set_ylim(0, 1.15)
    ax.set_title(title, fontsize=9)
    ax.grid(False, axis="x")  # bars need no vertical grid lines (and each line costs page weight in every state)


def naive_and_shifted(z, dtypes=DTYPES):
    """One panel per format with the textbook :math:`e^{z_i} / \\sum_j e^{z_j}` computed in it (a ``nan`` entry
    is a hatched vermillion bar), and a last panel with the shifted softmax in the narrowest format.

    >>> fig = naive_and_shifted([12.0, 10.0, 8.0])
    >>> [ax.get_title() for ax in fig.axes]
    ['textbook, float16', 'textbook, float32', 'textbook, float64', 'shifted, float16']
    """
    rows = _rows(z, dtypes)
    fig, axes = new_figure(len(dtypes) + 1, width=6.4, height=1.9)
    for ax, (dtype, _, _, _, naive, _, _) in zip(axes, rows):
        _bars(ax, naive, f"textbook, {dtype}", PALETTE[1])
    _bars(axes[-1], rows[0][5], f"shifted, {rows[0][0]}", PALETTE[0])
    axes[0].set_ylabel("probability")
    for ax in axes[1:]:
        ax.set_yticklabels([])
    return fig


def _vector(values, digits=3):
    return "[" + ", ".join(f"{float(v):.{digits}g}" for v in values) + "]"


def _shifted_line(rows):
    """The exact softmax of the widest format's scores, and in which formats the shifted softmax agrees with the
    exact softmax of that format's scores to within 8 u (unit roundoff of the format) in every probability: a
    statement that holds on every processor, unlike the last digit of a float16 result."""
    exact_widest = _vector(_exact_softmax(rows[-1][1]))
    agree = []
    for dtype, zd, *_, shifted, _ in rows:
        exact = np.array([float(v) for v in _exact_softmax(zd)])
        agree.append(bool(np.all(np.abs(shifted - exact) <= 8 * float(np.finfo(dtype).eps) / 2)))
    where = "in every format" if all(agree) else "only in " + ", ".join(r[0] for r, ok in zip(rows, agree) if ok)
    return f"the shifted softmax gives {exact_widest}, to the format's precision {where}"


def naive_and_shifted_alt(z, dtypes=DTYPES):
    """Alt text for :func:`naive_and_shifted`, from the same numbers.

    >>> naive_and_shifted_alt([12.0, 10.0, 8.0]).split("; ")[0]
    'For z = [12, 10, 8], the textbook formula gives [nan, 0, 0] in float16, [0.867, 0.117, 0.0159] in float32, \
[0.867, 0.117, 0.0159] in float64'
    """
    rows = _rows(z, dtypes)
    results = ", ".join(f"{_vector(naive)} in {dtype}" for dtype, _, _, _, naive, _, _ in rows)
    return f"For z = {_vector(rows[-1][1], 6)}, the textbook formula gives {results}; {_shifted_line(rows)}"


def naive_and_shifted_text(z, dtypes=DTYPES):
    """The numbers behind :func:`naive_and_shifted`: per format the scores, their exponentials and sum, the
    textbook result and what went wrong with it (its largest relative error against mpmath where it is finite).

    >>> print(naive_and_shifted_text([12.0, 10.0, 8.0], ["float16"]))
    float16: z = [12, 10, 8]
      exp(z) = [inf, 2.2e+04, 2.98e+03], sum = inf
      textbook = [nan, 0, 0]: nan
    shifted softmax: [0.867, 0.117, 0.0159]
      (to the format's precision in every format)
    """
    lines, rows = [], _rows(z, dtypes)
    for dtype, zd, e, total, naive, _, error in rows:
        lines += [f"{dtype}: z = {_vector(zd, 6)}",
                  f"  exp(z) = {_vector(e)}, sum = {float(total):.3g}",
                  f"  textbook = {_vector(naive)}: {_verdict(dtype, e, naive, error)}"]
    shifted, where = _shifted_line(rows).split(", to the format's precision ")
    return "\n".join([*lines, shifted.replace("the shifted softmax gives", "shifted softmax:"),
                      f"  (to the format's precision {where})"])


# --------------------------------------------------------------------------- the shift a


def _shifted_terms(z, a):
    """In float64: exp(z - a) (correctly rounded), their sum, and their quotient."""
    _, e, total, s = textbook_in(np.asarray(z, dtype=np.float64) - a, "float64")
    return e, total, s


def shift_view(z, a):
    """Two panels for ``softmax(z) = exp(z - a) / sum(exp(z - a))`` in float64: the natural logarithm of each
    term, ``z_i - a``, against the format's limits (a term beyond them is ``inf`` or 0, marked in vermillion),
    and the probabilities the formula returns (``nan`` drawn hatched).

    >>> fig = shift_view([3.0, 1.0, -2.0], 3.0)
    >>> fig.axes[0].get_ylabel(), fig.axes[1].get_title()
    ('$z_i - a$', 'exp(z - a) / sum')
    """
    z = np.asarray(z, dtype=np.float64)
    e, _, s = _shifted_terms(z, a)
    overflow, _, zero = exp_range("float64")
    fig, (left, right) = new_figure(2, width=6.4, height=2.3)
    names = [f"$z_{i + 1}$" for i in range(len(z))]
    lost = ~np.isfinite(e) | (e == 0)
    left.bar(names, z - a, color=[_NAN_COLOUR if v else PALETTE[1] for v in lost])
    for k, (height, term) in enumerate(zip(z - a, e)):
        label = "inf" if np.isinf(term) else "0" if term == 0 else f"{float(term):.2g}"
        left.text(k, height + (25 if height >= 0 else -25), label, ha="center", va="bottom" if height >= 0 else "top",
                  fontsize=7, color=_NAN_COLOUR if np.isinf(term) or term == 0 else "black")
    left.axhline(overflow, color=_NAN_COLOUR, linewidth=1.0, linestyle="-")
    left.axhline(zero - math.log(2), color=_NAN_COLOUR, linewidth=1.0, linestyle="--")
    left.text(len(z) - 0.5, overflow + 15, "inf above", ha="right", va="bottom", fontsize=7, color=_NAN_COLOUR)
    left.text(len(z) - 0.5, zero - math.log(2) - 15, "0 below", ha="right", va="top", fontsize=7,
              color=_NAN_COLOUR)
    left.axhline(0.0, color="black", linewidth=0.8)
    left.set_ylim(-950, 950)
    left.set_ylabel("$z_i - a$")
    left.set_title(f"terms exp(z - a), a = {a:g}", fontsize=9)
    left.grid(False, axis="x")
    _bars(right, s, "exp(z - a) / sum", PALETTE[0])
    right.set_ylabel("probability")
    return fig


def shift_view_alt(z, a):
    """Alt text for :func:`shift_view`, from the same numbers.

    >>> shift_view_alt([3.0, 1.0, -2.0], 3.0)
    'With a = 3: terms exp(z - a) = [1, 0.135, 0.00674], sum 1.14; result [0.876, 0.118, 0.0059]'
    """
    e, total, s = _shifted_terms(z, a)
    return f"With a = {a:g}: terms exp(z - a) = {_vector(e)}, sum {float(total):.3g}; result {_vector(s)}"


def shift_view_text(z, a):
    """The numbers behind :func:`shift_view`, one per line (float64, exponentials correctly rounded).

    >>> print(shift_view_text([3.0, 1.0, -2.0], 749.0))
    terms exp(z - a) = [0, 0, 0]
    their sum        = 0
    exp(z - a) / sum = [nan, nan, nan]
    """
    e, total, s = _shifted_terms(z, a)
    return "\n".join([f"terms exp(z - a) = {_vector(e)}", f"their sum        = {float(total):.4g}",
                      f"exp(z - a) / sum = {_vector(s, 4)}"])


# --------------------------------------------------------------------------- log(softmax) against log-softmax


def _log_of_softmax(gaps, dtype):
    """log p of the lower score for z = [0, -gap], as ``np.log(softmax(z))`` in ``dtype``: the shifted softmax
    (the maximum is already 0) with the correctly rounded exp, so where it reaches 0 is the same on every CPU."""
    z = np.column_stack([np.zeros_like(gaps), -gaps]).astype(dtype)
    e = exp_rounded(z, dtype)
    with np.errstate(divide="ignore", under="ignore"):
        return np.log(e[:, 1] / (e[:, 0] + e[:, 1]))


def log_softmax_gap(dtypes=("float32", "float64"), largest_gap=800.0):
    """The log-probability of the lower of two scores ``[0, -gap]``, computed as ``np.log(softmax(z))`` in each
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
        ax.plot(gaps[finite], via_log[finite], color=colour, linewidth=width, label=f"np.log(softmax(z)), {dtype}")
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
    'np.log(softmax(z)) falls to -inf from a gap of 104 in float32 and from a gap of 746 in float64'
    """
    gaps = np.linspace(0.0, largest_gap, 801)
    ends = []
    for dtype in dtypes:
        via_log = _log_of_softmax(gaps, dtype)
        ends.append(f"from a gap of {gaps[int(np.argmin(np.isfinite(via_log)))]:g} in {dtype}")
    return (
        f"The log-probability of the lower of two scores against their gap, from 0 to {largest_gap:g}: "
        f"log_softmax follows the line -gap throughout; np.log(softmax(z)) falls to -inf {' and '.join(ends)}"
    )
