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
    ('logit magnitude M (scores uniform in [-M, M])', 'max error (ulp)')
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
    ax.set_xlabel("logit magnitude M (scores uniform in [-M, M])")
    ax.set_ylabel("max error (ulp)")
    ax.legend(fontsize=8, loc="center left")
    return fig


def coarse(error):
    """An error in ulp rounded up to the next of 1, 3, 10, 30, 100, ... (0 stays 0; inf and nan stay as they are).

    The last bits of ``exp`` differ between CPUs and NumPy builds, so the exact count of ulps does too, by a fraction
    of an ulp; a bound from this ladder does not, unless an error lies within that fraction of a rung. The chapter's
    errors (about 1.3 to 2.3 ulp for the accurate methods) sit well inside a rung, so its stored outputs are the same
    on every machine, which rounding to the nearest half decade (a rung at 1.78 ulp) did not give.

    >>> [coarse(e) for e in (0.0, 0.4, 1.0, 2.3, 28.97, 498.96, np.inf)]
    [0.0, 1.0, 1.0, 3.0, 30.0, 1000.0, inf]
    """
    if error == 0 or not np.isfinite(error):
        return float(error)
    if error <= 1:
        return 1.0
    decade = 10.0 ** np.floor(np.log10(error))
    return float(decade if error <= decade else 3 * decade if error <= 3 * decade else 10 * decade)


def _describe(error):
    if not np.isfinite(error):
        return "overflow"
    return "exact" if error == 0 else f"at most {coarse(error):g} ulp"


def error_curves_alt(magnitudes, errors):
    """Alt text for :func:`error_curves`: the error of each method at the smallest and largest magnitude.

    >>> error_curves_alt([1, 10], {"a": np.array([1.0, 2.0]), "b": np.array([1.0, np.inf])})[-71:]
    'a from at most 1 ulp to at most 3 ulp; b from at most 1 ulp to overflow'
    """
    parts = [f"{name} from {_describe(e[0])} to {_describe(e[-1])}" for name, e in errors.items()]
    return (f"Log-log plot of the max error in ulp against logit magnitude from {magnitudes[0]:g} to "
            f"{magnitudes[-1]:g}: " + "; ".join(parts))


def error_bars(magnitude, errors_at):
    """Bar chart of each method's max error in ulp at one logit magnitude (``errors_at``: name -> error).

    Bars are drawn at the bound :func:`coarse` gives (1, 3, 10, 30, ...), so the picture is the same on every
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
    ax.set_xlabel("method (bars rounded up to 1, 3, 10, 30, ... ulp)")
    ax.set_title(f"scores uniform in [-{magnitude:g}, {magnitude:g}]")
    ax.tick_params(axis="x", labelsize=8)
    return fig


def error_bars_alt(magnitude, errors_at):
    """Alt text for :func:`error_bars`.

    >>> error_bars_alt(10, {"a": 1.5, "b": np.inf})
    'Bar chart of the max error at logit magnitude 10: a at most 3 ulp, b overflow'
    """
    parts = ", ".join(f"{name} {_describe(e)}" for name, e in errors_at.items())
    return f"Bar chart of the max error at logit magnitude {magnitude:g}: {parts}"


def time_bars(seconds, passes):
    """Horizontal bars of the median time per version (``seconds``: name -> s), each labelled with its passes.

    ``passes`` maps the same names to (reads, writes) over main memory.  Times vary from run to run: show this
    figure with :func:`helpers.figures.show_varying`.

    >>> fig = time_bars({"a": 0.02, "b": 0.01}, {"a": (3, 2), "b": (1, 1)})
    >>> fig.axes[0].get_xlabel()
    'median time (ms)'
    """
    fig, (ax,) = new_figure(width=6.4, height=2.6)
    names = list(seconds)[::-1]
    ms = [seconds[n] * 1e3 for n in names]
    bars = ax.barh(names, ms, color=[PALETTE[i] for i in range(len(names))][::-1])
    labels = [f"{t:.0f} ms, {passes[n][0]} read{'s' * (passes[n][0] != 1)} + {passes[n][1]} "
              f"write{'s' * (passes[n][1] != 1)}" for n, t in zip(names, ms)]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=8)
    ax.set_xlim(0, max(ms) * 1.9)
    ax.set_xlabel("median time (ms)")
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
