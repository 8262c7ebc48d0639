"""The dual-mode slider: precomputed states for the static website, a recomputing ipywidgets control in a kernel."""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os

from matplotlib.figure import Figure

from helpers.figures._core import _img_tag, _png_base64


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
    """A slider over precomputed values, optionally with a choice beside it; see :func:`slider`."""

    def __init__(
        self, render, values, *, name, alt, fmt="{:g}", initial=None,
        choices=None, choice_name=None, choice_fmt="{}", initial_choice=None, print_values=None,
    ):
        self.values = list(values)
        if len(self.values) < 2:
            raise ValueError("a slider needs at least two values")
        self.name, self.fmt, self.render, self.alt = name, fmt, render, alt
        self.initial = self.values.index(initial) if initial is not None else len(self.values) // 2
        self.print_values = None if print_values is None else list(print_values)
        if self.print_values is not None and not set(self.print_values) <= set(self.values):
            raise ValueError("print_values must be values of the slider")
        self.choices = None if choices is None else list(choices)
        # The PNGs of the printed picture's states, by state index, kept as they are drawn (see print_png).
        self._pngs = {}
        if self.choices is None:
            if choice_name is not None or initial_choice is not None:
                raise ValueError("choice_name and initial_choice need choices")
            self.states = [self._state_html(value, index=k) for k, value in enumerate(self.values)]
            return
        if len(self.choices) < 2:
            raise ValueError("a choice needs at least two choices")
        if not choice_name:
            raise ValueError("choices need a choice_name, the label of the choice control")
        self.choice_name, self.choice_fmt = choice_name, choice_fmt
        self.initial_choice = self.choices.index(initial_choice) if initial_choice is not None else 0
        # State k = (choice index) * len(values) + (value index): the whole grid, rendered once.
        n = len(self.values)
        self.states = [
            self._state_html(value, choice, index=c * n + k)
            for c, choice in enumerate(self.choices)
            for k, value in enumerate(self.values)
        ]

    def _choice_label(self, choice):
        return self.choice_fmt.format(choice)

    def _alt(self, value, *choice):
        if callable(self.alt):
            return self.alt(value, *choice)
        shown = f"{self.name} = {self.fmt.format(value)}"
        if choice:
            shown = f"{self.choice_name} = {self._choice_label(choice[0])}, {shown}"
        return f"{self.alt} ({shown})"

    def _shown_index(self):
        return self.initial if self.choices is None else self.initial_choice * len(self.values) + self.initial

    def _printed_indices(self):
        """The state indices of the printed picture: the shown state, or the states of ``print_values``."""
        if self.print_values is None:
            return [self._shown_index()]
        offset = 0 if self.choices is None else self.initial_choice * len(self.values)
        return [offset + self.values.index(value) for value in self.print_values]

    def _state_html(self, value, *choice, index=None):
        """One state's HTML. ``index`` (the state's place, when the static slider is built) decides whether its
        picture is drawn: always, except for a hidden state in a run that asked for shown frames only."""
        fig, text = _render_parts(self.render(value, *choice))
        parts = []
        if fig is not None:
            printed = index is not None and index in self._printed_indices()
            png = _png_base64(fig) if index is None or printed or _draw_every_frame() else _PLACEHOLDER_PNG
            if printed:
                self._pngs[index] = png
            parts.append(_img_tag(fig, self._alt(value, *choice), png))
        if text is not None:
            parts.append(f'<pre class="book-slider-text">{html.escape(text)}</pre>')
        return "".join(parts)

    def to_html(self):
        """The static slider: all states, one visible, swapped by a range input (and the choice's radio buttons)."""
        if self.choices is not None:
            return self._to_html_with_choice()
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

    def _to_html_with_choice(self):
        uid = "slider-" + hashlib.sha1("".join(self.states).encode()).hexdigest()[:12]
        labels = [self.fmt.format(v) for v in self.values]
        n, shown = len(self.values), self.initial_choice * len(self.values) + self.initial
        states = "".join(
            f'<div class="book-slider-state" data-choice="{k // n}" data-value="{k % n}"'
            f'{"" if k == shown else " hidden"}>{state}</div>'
            for k, state in enumerate(self.states)
        )
        radios = "".join(
            f'<label style="margin-right:1em"><input type="radio" name="{uid}-choice" value="{c}"'
            f'{" checked" if c == self.initial_choice else ""}> {html.escape(self._choice_label(choice))}</label>'
            for c, choice in enumerate(self.choices)
        )
        return (
            f'<div class="book-slider book-slider-choice" id="{uid}">'
            f'<fieldset style="border:0;margin:0;padding:0;font-family:monospace">'
            f'<legend style="float:left;margin-right:1em;font-size:inherit">{html.escape(self.choice_name)}:</legend>'
            f"{radios}</fieldset>"
            f'<label for="{uid}-input" style="font-family:monospace">{html.escape(self.name)} = '
            f'<output for="{uid}-input">{labels[self.initial]}</output></label><br>'
            f'<input type="range" id="{uid}-input" min="0" max="{n - 1}" step="1" '
            f'value="{self.initial}" aria-valuetext="{html.escape(self.name)} = {labels[self.initial]}" '
            f'style="width:min(100%,24em)">{states}'
            f"<script>{_CHOICE_SLIDER_JS % (json.dumps(uid), json.dumps(labels), json.dumps(self.name))}</script>"
            "</div>"
        )

    def widget(self):
        """The live control: an ipywidgets slider (and choice) that recomputes the state it shows."""
        import ipywidgets

        control = ipywidgets.SelectionSlider(
            options=[(self.fmt.format(v), v) for v in self.values],
            value=self.values[self.initial],
            description=self.name,
            continuous_update=False,
        )
        if self.choices is not None:
            return self._widget_with_choice(ipywidgets, control)
        # An HTML widget, not an Output widget: setting its value sends no display messages,
        # so nothing leaks into the cell's stored outputs when no front end is attached.
        view = ipywidgets.HTML(self.states[self.initial])

        def redraw(change):
            view.value = self._state_html(change["new"])

        control.observe(redraw, names="value")
        return ipywidgets.VBox([control, view])

    def _widget_with_choice(self, ipywidgets, control):
        choice = ipywidgets.ToggleButtons(
            # Options by index: the choices themselves need not be hashable or comparable.
            options=[(self._choice_label(c), k) for k, c in enumerate(self.choices)],
            value=self.initial_choice,
            description=self.choice_name,
        )
        view = ipywidgets.HTML(self.states[self.initial_choice * len(self.values) + self.initial])

        def redraw(change):
            view.value = self._state_html(control.value, self.choices[choice.value])

        control.observe(redraw, names="value")
        choice.observe(redraw, names="value")
        return ipywidgets.VBox([choice, control, view])

    def __repr__(self):
        first, last = (self.fmt.format(v) for v in (self.values[0], self.values[-1]))
        initial = self.values[self.initial]
        if self.choices is None:
            return f"[slider] {self._alt(initial)}; {self.name} from {first} to {last} in {len(self.values)} steps"
        options = ", ".join(self._choice_label(c) for c in self.choices)
        return (
            f"[slider] {self._alt(initial, self.choices[self.initial_choice])}; "
            f"{self.name} from {first} to {last} in {len(self.values)} steps; {self.choice_name}: {options}"
        )

    def print_png(self):
        """The printed slider as base64 PNG, or None if its states have no figure: the initial state's figure, or
        with ``print_values`` a row of those values' figures, each titled ``name = value``.

        The PDF (LaTeX builder) shows this picture; the website and a live kernel never do (they rank text/html and
        the widget higher). The state's text and the caption come from the HTML (see _ext/print_edition.py).
        """
        pngs = [self._pngs.get(index) for index in self._printed_indices()]
        if any(png is None for png in pngs):
            return None
        if len(pngs) == 1:
            return pngs[0]
        shown = self.print_values
        return _png_base64(_side_by_side(pngs, [f"{self.name} = {self.fmt.format(v)}" for v in shown]))

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": repr(self), "text/html": self.to_html()}
        printed = self.print_png()
        if printed is not None:
            bundle["image/png"] = printed
        if _in_kernel():
            widget_bundle = self.widget()._repr_mimebundle_()
            bundle["application/vnd.jupyter.widget-view+json"] = widget_bundle[
                "application/vnd.jupyter.widget-view+json"
            ]
        return bundle


def _side_by_side(pngs, titles):
    """One figure holding the pictures ``pngs`` (base64 PNGs) in a row, each under its title (a grid of frames for
    print)."""
    import matplotlib.image

    from helpers.figures._core import _DPI, new_figure

    images = [matplotlib.image.imread(io.BytesIO(base64.b64decode(png)), format="png") for png in pngs]
    width = sum(image.shape[1] for image in images) / _DPI
    fig, axes = new_figure(len(images), width=width, height=max(image.shape[0] for image in images) / _DPI + 0.4)
    for ax, image, title in zip(axes, images, titles):
        ax.imshow(image)
        ax.set_title(title, family="monospace")
        ax.set_axis_off()
    return fig


def _draw_every_frame():
    """False when the environment asks for shown frames only (BOOK_SLIDER_FRAMES=shown).

    Every state's render function still runs, so its numbers, text and alt text are computed and stored as always;
    only the hidden states' pictures are not drawn (a 1-pixel placeholder stands in their PNG). Drawing is about half
    of a chapter's run time. The test suite asks for it in the runs that never look at those pixels (nbval replaces
    a slider's PNGs before comparing, tests/nbval_sanitize.cfg): the run on another processor, the student edition,
    the live-widget run and the assignments; the strict run of every chapter and `make notebooks` draw every frame.
    """
    return os.environ.get("BOOK_SLIDER_FRAMES", "all") != "shown"


# A 1x1 white PNG: the picture of a hidden state that was not drawn (see _draw_every_frame).
_PLACEHOLDER_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
)


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

_CHOICE_SLIDER_JS = """(function () {
  var root = document.getElementById(%s), labels = %s, name = %s;
  var input = root.querySelector('input[type="range"]'), shown = root.querySelector("output");
  var radios = root.querySelectorAll('input[type="radio"]');
  var states = root.querySelectorAll(".book-slider-state");
  function update() {
    var k = Number(input.value), c = 0;
    radios.forEach(function (radio) { if (radio.checked) { c = Number(radio.value); } });
    var index = c * labels.length + k;
    states.forEach(function (state, i) { state.hidden = i !== index; });
    shown.textContent = labels[k];
    input.setAttribute("aria-valuetext", name + " = " + labels[k]);
  }
  input.addEventListener("input", update);
  radios.forEach(function (radio) { radio.addEventListener("change", update); });
})();"""


def slider(
    render, values, *, name, alt, fmt="{:g}", initial=None,
    choices=None, choice_name=None, choice_fmt="{}", initial_choice=None, print_values=None,
):
    """A slider that works in a live kernel and on the static website.

    ``render(value)`` returns a matplotlib ``Figure``, a ``str``, or a tuple
    ``(Figure, str)``.  Every value is rendered once, up front, and stored in
    the page; moving the website's slider swaps between these states without a
    kernel.  In a live kernel the slider is an ipywidgets control that calls
    ``render`` again for the chosen value.  ``alt`` is a string (the value is
    appended) or a function of the value, describing the figure.

    With ``choices`` (a sequence of at least two options, shown as
    ``choice_fmt.format(option)`` beside ``choice_name``), a second control
    picks one of them: ``render(value, choice)`` and ``alt(value, choice)``
    then take both, every (choice, value) pair is rendered once for the
    website (radio buttons beside the range input), and the live widget adds
    toggle buttons.  ``initial_choice`` is the option shown first (default:
    the first).  Mind the page weight: that is ``len(values) * len(choices)``
    pictures.

    The printed book (PDF) shows the initial state's figure (its ``image/png``), or, where one frame cannot tell the
    story, the figures of ``print_values`` side by side.

    >>> s = slider(lambda v: f"v squared is {v * v}", [1, 2, 3], name="v", alt="A number")
    >>> s
    [slider] A number (v = 2); v from 1 to 3 in 3 steps
    >>> slider(lambda v, p: f"{v} ** {p} = {v ** p}", [1, 2, 3], name="v", alt="A power",
    ...        choices=[2, 3], choice_name="p", initial_choice=3)
    [slider] A power (p = 3, v = 2); v from 1 to 3 in 3 steps; p: 2, 3
    """
    return Slider(
        render, values, name=name, alt=alt, fmt=fmt, initial=initial,
        choices=choices, choice_name=choice_name, choice_fmt=choice_fmt, initial_choice=initial_choice,
        print_values=print_values,
    )
