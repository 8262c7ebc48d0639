"""Figures of chapter 6: error in ulp against logit magnitude, and the time each softmax version takes."""

from __future__ import annotations

import numpy as np

from helpers.figures._core import PALETTE, new_figure

_MARKERS = ("o", "s", "^", "D", "v")
_LINES = ("-", "--", "-", ":", "-.")  # SciPy computes the shifted formula: dotted, so both lines show
_OVERFLOW = "overflow"


def _shown(errors, ceiling):
    """Errors to draw: inf (the method gave inf or NaN) is drawn at ``ceiling``."""
    return np.where(np.isfinite(errors), errors, ceiling)


def _ceiling(errors):
    finite = [float(np.max(e[np.isfinite(e)])) for e in errors.values() if np.isfinite(e).any()]
    return 10 ** np.ceil(np.log10(max(finite + [10.0]) * 3))


def error_curves(magnitudes, errors):
    """Max error in ulp (log scale) against logit magnitude, one line per method; overflow drawn at the top.

    ``errors`` maps a method's name to one error per magnitude.

    >>> fig = error_curves([1, 10], {"a": np.array([1.0, 2.0]), "b": np.array([1.0, np.inf])})
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('logit magnitude M (scores uniform in [-M, M] and in [-2M, 0])', 'max error (ulp)')
    """
    fig, (ax,) = new_figure(width=6.4, height=3.2)
    ceiling = _ceiling(errors)
    for i, (name, errs) in enumerate(errors.items()):
        ax.plot(magnitudes, _shown(np.asarray(errs, float), ceiling), marker=_MARKERS[i % len(_MARKERS)],
                color=PALETTE[i], label=name, linewidth=1.5, markersize=5 if i != 3 else 8,
                linestyle=_LINES[i % len(_LINES)], fillstyle="none" if i == 3 else "full")
    ax.axhline(ceiling, color="black", linewidth=0.6, linestyle=":")
    ax.text(magnitudes[0], ceiling, f" {_OVERFLOW} (inf or nan)", va="bottom", fontsize=8)
    ax.axhline(0.5, color="black", linewidth=0.6, linestyle="--")
    ax.text(magnitudes[0], 0.5, " correctly rounded: 0.5 ulp", va="top", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(0.2, ceiling * 4)
    ax.set_xlabel("logit magnitude M (scores uniform in [-M, M] and in [-2M, 0])")
    ax.set_ylabel("max error (ulp)")
    ax.legend(fontsize=8, loc="center left")
    return fig


def coarse(error):
    """An error in ulp rounded up to a power of ten, at least 10: 10, 100, 1000, ... (0 stays 0; inf and nan stay).

    The last bits of ``exp`` differ between CPUs and NumPy builds, so the exact count of ulps does too, by up to an
    ulp or two for an accurate method and a few percent for an inaccurate one; a decade moves only if an error lies
    that close to a power of ten. The chapter's errors (0.04 to 5 ulp for the accurate methods and entries, 16 to
    17, 32 to 35, 125 to 129 and 420 to 511 for the shifted formula) sit well inside their decades, on the default
    kernels and on perturbed ones (``tests/test_cpu_independence.py``); rungs at 1 or 3 did not (an error of 0.5 ulp
    becomes 1.5 where ``exp`` rounds the other way, and 3 falls among the accurate errors).

    >>> [coarse(e) for e in (0.0, 0.4, 1.0, 2.3, 28.97, 498.96, np.inf)]
    [0.0, 10.0, 10.0, 10.0, 100.0, 1000.0, inf]
    """
    if error == 0 or not np.isfinite(error):
        return float(error)
    if error <= 10:
        return 10.0
    decade = 10.0 ** np.floor(np.log10(error))
    return float(decade if error <= decade else 10 * decade)


def power_of_ten(bound):
    """A power of ten written for a sentence, with a superscript exponent: ``power_of_ten(1e14)`` is ``'10¹⁴'``.

    ``bound`` is rounded down to a power of ten first, so a bound from :func:`coarse` reads as it is.

    >>> power_of_ten(1e14), power_of_ten(4.6e15), power_of_ten(10.0)
    ('10¹⁴', '10¹⁵', '10')
    """
    exponent = int(np.floor(np.log10(bound) + 1e-9))
    return "10" if exponent == 1 else "10" + str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def _describe(error):
    """``exact``, ``at most 10 ulp``, ``between 10 and 100 ulp``, ... or ``overflow``."""
    if not np.isfinite(error):
        return "overflow"
    if error == 0:
        return "exact"
    bound = coarse(error)
    return f"at most {bound:g} ulp" if bound <= 10 else f"between {bound / 10:g} and {bound:g} ulp"


def error_curves_alt(magnitudes, errors):
    """Alt text for :func:`error_curves`: the error of each method at the smallest and largest magnitude.

    >>> error_curves_alt([1, 10], {"a": np.array([1.0, 2.0]), "b": np.array([1.0, np.inf])})[-74:]
    'a from at most 10 ulp to at most 10 ulp; b from at most 10 ulp to overflow'
    """
    parts = [f"{name} from {_describe(e[0])} to {_describe(e[-1])}" for name, e in errors.items()]
    return (f"Log-log plot of the max error in ulp against logit magnitude from {magnitudes[0]:g} to "
            f"{magnitudes[-1]:g}: " + "; ".join(parts))


def error_bars(magnitude, errors_at):
    """Bar chart of each method's max error in ulp at one logit magnitude (``errors_at``: name -> error).

    Bars are drawn at the bound :func:`coarse` gives (10, 100, 1000, ...), so the picture is the same on every
    machine.

    >>> fig = error_bars(10, {"a": 1.5, "b": np.inf})
    >>> fig.axes[0].get_ylabel()
    'max error (ulp, log scale)'
    """
    fig, (ax,) = new_figure(width=6.4, height=3.0)
    names = list(errors_at)
    values = np.array([coarse(errors_at[n]) for n in names], dtype=float)
    ceiling = 3000.0
    bars = ax.bar(names, _shown(values, ceiling), color=[PALETTE[i] for i in range(len(names))])
    ax.bar_label(bars, labels=[_describe(v) for v in values], padding=2, fontsize=9)
    ax.axhline(0.5, color="black", linewidth=0.6, linestyle="--")
    ax.set_yscale("log")
    ax.set_ylim(0.2, ceiling * 5)
    ax.set_ylabel("max error (ulp, log scale)")
    ax.set_xlabel("method (bars rounded up to 10, 100, 1000, ... ulp)")
    ax.set_title(f"scores uniform in [-{magnitude:g}, {magnitude:g}] and in [-{2 * magnitude:g}, 0]")
    ax.tick_params(axis="x", labelsize=8)
    return fig


def error_bars_alt(magnitude, errors_at):
    """Alt text for :func:`error_bars`.

    >>> error_bars_alt(10, {"a": 1.5, "b": np.inf, "c": 480.0})
    'Bar chart of the max error at logit magnitude 10: a at most 10 ulp, b overflow, c between 100 and 1000 ulp'
    """
    parts = ", ".join(f"{name} {_describe(e)}" for name, e in errors_at.items())
    return f"Bar chart of the max error at logit magnitude {magnitude:g}: {parts}"


def time_bars(seconds, passes):
    """Horizontal bars of the median time per version, with whiskers from the first to the third quartile.

    ``seconds`` maps a name to its times in seconds over the rounds (or to one time); ``passes`` maps the same
    names to (reads, writes) over main memory.  Times vary from run to run: show this figure with
    :func:`helpers.figures.show_varying`.

    >>> fig = time_bars({"a": [0.02, 0.03, 0.025], "b": 0.01}, {"a": (3, 2), "b": (1, 1)})
    >>> fig.axes[0].get_xlabel()
    'time (ms): median, whiskers from the 1st to the 3rd quartile of the rounds'
    """
    fig, (ax,) = new_figure(width=6.4, height=2.6)
    names = list(seconds)[::-1]
    ms = [np.atleast_1d(np.asarray(seconds[n], dtype=float)) * 1e3 for n in names]
    mid = np.array([np.median(t) for t in ms])
    q1, q3 = np.array([np.percentile(t, [25, 75]) for t in ms]).T
    bars = ax.barh(names, mid, xerr=[mid - q1, q3 - mid], capsize=3,
                   color=[PALETTE[i] for i in range(len(names))][::-1])
    labels = [f"{t:.0f} ms, {passes[n][0]} read{'s' * (passes[n][0] != 1)} + {passes[n][1]} "
              f"write{'s' * (passes[n][1] != 1)}" for n, t in zip(names, mid)]
    ax.bar_label(bars, labels=labels, padding=6, fontsize=8)
    ax.set_xlim(0, max(q3) * 1.9)
    ax.set_xlabel("time (ms): median, whiskers from the 1st to the 3rd quartile of the rounds")
    ax.tick_params(axis="y", labelsize=8)
    return fig


def time_bars_alt(passes):
    """Alt text for :func:`time_bars`: the versions and their passes over memory (the times vary, so not them).

    >>> time_bars_alt({"a": (3, 2), "b": (1, 1)})[-52:]
    'memory: a 3 reads and 2 writes; b 1 read and 1 write'
    """
    def word(n, what):
        return f"{n} {what}" + ("s" if n != 1 else "")

    parts = "; ".join(f"{name} {word(r, 'read')} and {word(w, 'write')}" for name, (r, w) in passes.items())
    return f"Horizontal bars of the median time of each version, labelled with its passes over memory: {parts}"
