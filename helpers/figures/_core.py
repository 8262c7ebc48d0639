"""The house style shared by every figure: a white background, Okabe-Ito colours, PNG output with alt text."""

from __future__ import annotations

import base64
import html
import io

import matplotlib
from matplotlib.figure import Figure

#: Okabe & Ito's palette, distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

_STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 11,
}
_DPI = 100


def new_figure(ncols=1, width=6.4, height=3.4):
    """A white, constrained-layout figure with ``ncols`` axes side by side.

    >>> fig, axes = new_figure(2)
    >>> len(axes)
    2
    """
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
        axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def _png_base64(fig):
    buffer = io.BytesIO()
    # No metadata: the PNG bytes then depend only on the picture, so nbval can compare them.
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _img_tag(fig, alt, png=None):
    """The <img> of ``fig`` (or of ``png``, its base64 PNG, when already drawn) with alt text ``alt``."""
    png = _png_base64(fig) if png is None else png
    return (
        f'<img src="data:image/png;base64,{png}" alt="{html.escape(alt)}" '
        'style="max-width:100%;height:auto;background:white">'
    )


class FigureOutput:
    """A rendered figure with alt text; see :func:`show`."""

    def __init__(self, fig, alt):
        if not alt:
            raise ValueError("alt text is required: describe what the figure shows")
        self.alt = alt
        self._html = f'<figure class="book-figure">{_img_tag(fig, alt)}</figure>'

    def __repr__(self):
        return f"[figure] {self.alt}"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self._html, "text/plain": repr(self)}


def show(fig, alt):
    """Display ``fig`` as an embedded PNG with alt text ``alt`` (required).

    >>> fig, (ax,) = new_figure()
    >>> show(fig, alt="An empty set of axes")
    [figure] An empty set of axes
    """
    return FigureOutput(fig, alt)


