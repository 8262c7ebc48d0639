"""Figures and sliders that work both in a live kernel and on the static website.

Every figure in the book goes through :func:`show`, and every slider through
:func:`slider`.  Both return small objects whose rich display carries

* ``text/html``: the picture as an embedded PNG with alt text (and, for a slider,
  every precomputed state plus a few lines of inline JavaScript that swaps them),
  which is what the website shows: it needs no kernel and no other host;
* ``text/plain``: the alt text, which is what nbval compares and a screen reader reads;
* for a slider in a live kernel, also an ipywidgets control that recomputes the
  figure for the chosen value (the book's configuration drops this MIME type, so
  the website always uses the static version).

Figures use a white background (readable in dark mode) and the Okabe-Ito
colour-blind-safe palette.  Figures are ``matplotlib.figure.Figure`` objects,
not pyplot ones, so nothing is displayed or kept alive behind the reader's back.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json

import matplotlib
import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "new_figure",
    "probability_bars",
    "scores_and_probabilities",
    "scores_and_probabilities_alt",
    "show",
    "slider",
    "FigureOutput",
    "Slider",
]

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


def probability_bars(ax, probabilities, labels=None, color=PALETTE[0], ylabel="probability"):
    """Bar chart of ``probabilities`` on ``ax``, each bar labelled with its value."""
    labels = labels or [f"class {i + 1}" for i in range(len(probabilities))]
    bars = ax.bar(labels, probabilities, color=color)
    ax.bar_label(bars, fmt="%.3f", padding=2, fontsize=9)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel(ylabel)
    return bars


def scores_and_probabilities(z, labels, temperature=1.0):
    """Two panels: the logits ``z`` as bars, and ``softmax(z / temperature)`` as bars.

    >>> fig = scores_and_probabilities([2.0, 1.0, -1.0], ["cat", "dog", "fox"])
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['logit (score)', 'probability']
    """
    from helpers.numerics import softmax

    fig, (left, right) = new_figure(2)
    left.bar(labels, z, color=PALETTE[1])
    left.axhline(0, color="black", linewidth=0.8)
    left.set_ylabel("logit (score)")
    left.set_title("scores $z$")
    probability_bars(right, softmax(np.asarray(z, dtype=float) / temperature), labels)
    right.set_title("softmax$(z)$" if temperature == 1 else f"softmax$(z / T)$, $T = {temperature:g}$")
    return fig


def scores_and_probabilities_alt(z, labels, temperature=1.0):
    """Alt text for :func:`scores_and_probabilities`, computed from the same numbers.

    >>> scores_and_probabilities_alt([2.0, 1.0, -1.0], ["cat", "dog", "fox"])
    'Bar charts of the logits (cat 2, dog 1, fox -1) and of their softmax (cat 0.705, dog 0.259, fox 0.035)'
    """
    from helpers.numerics import softmax

    z = np.asarray(z, dtype=float)
    probabilities = softmax(z / temperature)
    scores = ", ".join(f"{label} {value:g}" for label, value in zip(labels, z))
    shares = ", ".join(f"{label} {value:.3f}" for label, value in zip(labels, probabilities))
    which = "their softmax" if temperature == 1 else f"their softmax at temperature T = {temperature:g}"
    return f"Bar charts of the logits ({scores}) and of {which} ({shares})"


def _png_base64(fig):
    buffer = io.BytesIO()
    # No metadata: the PNG bytes then depend only on the picture, so nbval can compare them.
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _img_tag(fig, alt):
    return (
        f'<img src="data:image/png;base64,{_png_base64(fig)}" alt="{html.escape(alt)}" '
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


def _render_parts(result):
    """Split what a render function returned into (figure or None, text or None)."""
    if isinstance(result, tuple):
        fig, text = result
    elif isinstance(result, Figure):
        fig, text = result, None
    else:
        fig, text = None, result
    if fig is None and text is None:
        raise ValueError("the render function returned nothing: return a Figure, a str or both")
    return fig, None if text is None else str(text)


class Slider:
    """A slider over precomputed values; see :func:`slider`."""

    def __init__(self, render, values, *, name, alt, fmt="{:g}", initial=None):
        self.values = list(values)
        if len(self.values) < 2:
            raise ValueError("a slider needs at least two values")
        self.name, self.fmt, self.render, self.alt = name, fmt, render, alt
        self.initial = self.values.index(initial) if initial is not None else len(self.values) // 2
        self.states = [self._state_html(value) for value in self.values]

    def _alt(self, value):
        return self.alt(value) if callable(self.alt) else f"{self.alt} ({self.name} = {self.fmt.format(value)})"

    def _state_html(self, value):
        fig, text = _render_parts(self.render(value))
        parts = [_img_tag(fig, self._alt(value))] if fig is not None else []
        if text is not None:
            parts.append(f'<pre class="book-slider-text">{html.escape(text)}</pre>')
        return "".join(parts)

    def to_html(self):
        """The static slider: all states, one visible, swapped by a range input."""
        uid = "slider-" + hashlib.sha1("".join(self.states).encode()).hexdigest()[:12]
        labels = [self.fmt.format(v) for v in self.values]
        states = "".join(
            f'<div class="book-slider-state"{"" if k == self.initial else " hidden"}>{state}</div>'
            for k, state in enumerate(self.states)
        )
        return (
            f'<div class="book-slider" id="{uid}">'
            f'<label for="{uid}-input" style="font-family:monospace">{html.escape(self.name)} = '
            f'<output for="{uid}-input">{labels[self.initial]}</output></label><br>'
            f'<input type="range" id="{uid}-input" min="0" max="{len(self.values) - 1}" step="1" '
            f'value="{self.initial}" aria-valuetext="{html.escape(self.name)} = {labels[self.initial]}" '
            f'style="width:min(100%,24em)">{states}'
            f"<script>{_SLIDER_JS % (json.dumps(uid), json.dumps(labels), json.dumps(self.name))}</script>"
            "</div>"
        )

    def widget(self):
        """The live control: an ipywidgets slider that recomputes the state it shows."""
        import ipywidgets

        control = ipywidgets.SelectionSlider(
            options=[(self.fmt.format(v), v) for v in self.values],
            value=self.values[self.initial],
            description=self.name,
            continuous_update=False,
        )
        # An HTML widget, not an Output widget: setting its value sends no display messages,
        # so nothing leaks into the cell's stored outputs when no front end is attached.
        view = ipywidgets.HTML(self.states[self.initial])

        def redraw(change):
            view.value = self._state_html(change["new"])

        control.observe(redraw, names="value")
        return ipywidgets.VBox([control, view])

    def __repr__(self):
        first, last = (self.fmt.format(v) for v in (self.values[0], self.values[-1]))
        return (
            f"[slider] {self._alt(self.values[self.initial])}; "
            f"{self.name} from {first} to {last} in {len(self.values)} steps"
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": repr(self), "text/html": self.to_html()}
        if _in_kernel():
            widget_bundle = self.widget()._repr_mimebundle_()
            bundle["application/vnd.jupyter.widget-view+json"] = widget_bundle[
                "application/vnd.jupyter.widget-view+json"
            ]
        return bundle


def _in_kernel():
    """True inside a Jupyter kernel, where an ipywidgets control can be live."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


_SLIDER_JS = """(function () {
  var root = document.getElementById(%s), labels = %s, name = %s;
  var input = root.querySelector("input"), shown = root.querySelector("output");
  var states = root.querySelectorAll(".book-slider-state");
  input.addEventListener("input", function () {
    var k = Number(input.value);
    states.forEach(function (state, i) { state.hidden = i !== k; });
    shown.textContent = labels[k];
    input.setAttribute("aria-valuetext", name + " = " + labels[k]);
  });
})();"""


def slider(render, values, *, name, alt, fmt="{:g}", initial=None):
    """A slider that works in a live kernel and on the static website.

    ``render(value)`` returns a matplotlib ``Figure``, a ``str``, or a tuple
    ``(Figure, str)``.  Every value is rendered once, up front, and stored in
    the page; moving the website's slider swaps between these states without a
    kernel.  In a live kernel the slider is an ipywidgets control that calls
    ``render`` again for the chosen value.  ``alt`` is a string (the value is
    appended) or a function of the value, describing the figure.

    >>> s = slider(lambda v: f"v squared is {v * v}", [1, 2, 3], name="v", alt="A number")
    >>> s
    [slider] A number (v = 2); v from 1 to 3 in 3 steps
    """
    return Slider(render, values, name=name, alt=alt, fmt=fmt, initial=initial)
