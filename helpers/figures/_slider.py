"""The dual-mode slider: precomputed states for the static website, a recomputing ipywidgets control in a kernel."""

from __future__ import annotations

import hashlib
import html
import json

from matplotlib.figure import Figure

from helpers.figures._core import _img_tag


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
