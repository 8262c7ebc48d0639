"""The slider with a second control (a choice such as the dtype): every (choice, value) state is precomputed for the
website, the right one is visible, both controls swap it in a real browser, and the live widget recomputes on each.

The single-control slider keeps its own tests in test_figures.py; here it is only checked that a choice-less slider
still renders exactly as before (chapter 1's stored outputs depend on it).
"""

import base64
import json
import re
import sys
from html.parser import HTMLParser

import pytest
from snapshots import assert_snapshot

from helpers import figures

VALUES = [1, 2, 3, 4]
CHOICES = ["float16", "float32", "float64"]


def _render(value, choice):
    return f"value={value} choice={choice}"


def _two(**kwargs):
    return figures.slider(
        _render, VALUES, name="scale", alt="A vector", choices=CHOICES, choice_name="dtype", **kwargs
    )


def _states(html):
    """(choice index, value index, hidden, text) of every state, in page order."""
    pattern = r'<div class="book-slider-state" data-choice="(\d+)" data-value="(\d+)"( hidden)?>(.*?)</div>'
    return [(int(c), int(v), bool(h), body) for c, v, h, body in re.findall(pattern, html, flags=re.S)]


def test_every_choice_and_value_pair_is_rendered_once_with_its_own_content():
    states = _states(_two().to_html())
    assert sorted((c, v) for c, v, _, _ in states) == [(c, v) for c in range(3) for v in range(4)]
    for c, v, _, body in states:
        assert f"value={VALUES[v]} choice={CHOICES[c]}</pre>" in body


def test_render_is_called_with_value_and_choice():
    calls = []
    figures.slider(lambda v, c: calls.append((v, c)) or "x", [1, 2], name="v", alt="a", choices="ab",
                   choice_name="letter")
    assert sorted(calls) == [(1, "a"), (1, "b"), (2, "a"), (2, "b")]


@pytest.mark.parametrize("initial, initial_choice, expected", [(None, None, (0, 2)), (1, "float64", (2, 0))])
def test_exactly_the_initial_state_is_visible_and_the_controls_agree(initial, initial_choice, expected):
    html = _two(initial=initial, initial_choice=initial_choice).to_html()
    visible = [(c, v) for c, v, hidden, _ in _states(html) if not hidden]
    assert visible == [expected]
    checked = re.findall(r'<input type="radio" name="[^"]+" value="(\d)"( checked)?>', html)
    assert [int(value) for value, mark in checked if mark] == [expected[0]]
    assert re.search(rf'<input type="range"[^>]* max="3" step="1" value="{expected[1]}"', html)


def test_each_control_has_an_accessible_name():
    html = _two().to_html()
    uid = re.search(r'id="(slider-[0-9a-f]+)"', html).group(1)
    assert f'<label for="{uid}-input"' in html and f'id="{uid}-input"' in html
    assert re.search(r"<fieldset[^>]*><legend[^>]*>dtype:</legend>", html)
    for choice in CHOICES:
        assert re.search(rf'<label[^>]*><input type="radio"[^>]*> {choice}</label>', html)


def test_alt_text_names_both_the_choice_and_the_value():
    s = figures.slider(lambda v, c: _figure(v), [1, 2], name="v", alt="A line", choices=["a", "b"],
                       choice_name="kind")
    alts = re.findall(r'alt="([^"]+)"', s.to_html())
    assert alts == ["A line (kind = a, v = 1)", "A line (kind = a, v = 2)",
                    "A line (kind = b, v = 1)", "A line (kind = b, v = 2)"]
    custom = figures.slider(lambda v, c: _figure(v), [1, 2], name="v", alt=lambda v, c: f"{c}:{v}",
                            choices=["a", "b"], choice_name="kind")
    assert re.findall(r'alt="([^"]+)"', custom.to_html()) == ["a:1", "a:2", "b:1", "b:2"]


def test_plain_text_names_the_choices():
    assert repr(_two()) == (
        "[slider] A vector (dtype = float16, scale = 3); scale from 1 to 4 in 4 steps; dtype: float16, float32, float64"
    )
    assert set(_two()._repr_mimebundle_()) == {"text/html", "text/plain"}


def test_choice_labels_use_choice_fmt():
    s = figures.slider(_render, [1, 2], name="v", alt="a", choices=[0.5, 2.0], choice_name="T",
                       choice_fmt="T={:.1f}")
    assert "> T=0.5</label>" in s.to_html() and "T: T=0.5, T=2.0" in repr(s)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"choices": ["only"], "choice_name": "c"}, "at least two choices"),
        ({"choices": ["a", "b"]}, "choice_name"),
        ({"choice_name": "c"}, "need choices"),
        ({"initial_choice": "a"}, "need choices"),
    ],
)
def test_bad_choice_arguments_are_rejected_with_a_reason(kwargs, message):
    with pytest.raises(ValueError, match=message):
        figures.slider(_render, [1, 2], name="v", alt="a", **kwargs)


def test_a_slider_without_choices_renders_exactly_as_before():
    """The markup chapter 1 stored, rebuilt by hand from its parts: no choice attributes, no radio buttons."""
    html = figures.slider(lambda v: f"v={v}", [1, 2], name="v", alt="a").to_html()
    uid = re.search(r'id="(slider-[0-9a-f]+)"', html).group(1)
    assert html.startswith(
        f'<div class="book-slider" id="{uid}"><label for="{uid}-input" style="font-family:monospace">v = '
        f'<output for="{uid}-input">2</output></label><br><input type="range" id="{uid}-input" min="0" max="1" '
        f'step="1" value="1" aria-valuetext="v = 2" style="width:min(100%,24em)">'
        '<div class="book-slider-state" hidden><pre class="book-slider-text">v=1</pre></div>'
        '<div class="book-slider-state"><pre class="book-slider-text">v=2</pre></div><script>'
    )


# ---------------------------------------------------------------------------------------------------------------
# The page's JavaScript, in a real browser


def _visible_text(page):
    return page.eval_on_selector_all(
        ".book-slider-state", "states => states.filter(s => !s.hidden).map(s => s.textContent)"
    )


def test_in_a_browser_both_controls_swap_the_visible_state(browser):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.set_content(f"<html><body>{_two(initial=2).to_html()}</body></html>")
        assert _visible_text(page) == ["value=2 choice=float16"]

        page.get_by_role("radio", name="float64").check()
        assert _visible_text(page) == ["value=2 choice=float64"]

        slider = page.get_by_role("slider", name="scale")
        slider.focus()
        page.keyboard.press("End")
        assert _visible_text(page) == ["value=4 choice=float64"]
        assert page.locator("output").inner_text() == "4"
        assert slider.get_attribute("aria-valuetext") == "scale = 4"

        page.get_by_role("radio", name="float32").check()
        assert _visible_text(page) == ["value=4 choice=float32"]
        page.keyboard.press("Home")  # the radio has focus now; the slider keeps its value
        slider.focus()
        page.keyboard.press("Home")
        assert _visible_text(page) == ["value=1 choice=float32"]
        assert errors == []
    finally:
        page.close()


def test_two_sliders_on_one_page_do_not_share_their_radio_buttons(browser):
    other = figures.slider(lambda v, c: f"other {v} {c}", VALUES, name="shift", alt="b", choices=CHOICES,
                           choice_name="dtype")
    page = browser.new_page()
    try:
        page.set_content(f"<html><body>{_two().to_html()}{other.to_html()}</body></html>")
        page.locator(".book-slider").nth(1).get_by_role("radio", name="float64").check()
        assert _visible_text(page) == ["value=3 choice=float16", "other 3 float64"]
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------------------------
# The live widget


def test_live_widget_recomputes_on_each_control():
    calls = []

    def render(value, choice):
        calls.append((value, choice))
        return f"value={value} choice={choice}"

    box = figures.slider(render, VALUES, name="scale", alt="a", choices=CHOICES, choice_name="dtype").widget()
    choice, control, view = box.children
    assert [label for label in choice._options_labels] == CHOICES
    assert "value=3 choice=float16" in view.value
    calls.clear()
    control.value = 4
    assert calls == [(4, "float16")] and "value=4 choice=float16" in view.value
    choice.value = CHOICES.index("float64")
    assert calls == [(4, "float16"), (4, "float64")] and "value=4 choice=float64" in view.value


def test_live_widget_starts_at_the_initial_choice():
    box = _two(initial_choice="float32").widget()
    choice, control, view = box.children
    assert choice.value == 1 and control.value == 3
    assert "value=3 choice=float32" in view.value


def _figure(value):
    fig, (ax,) = figures.new_figure(width=2, height=1.5)
    ax.plot([0, 1], [0, value])
    return fig


def test_choice_states_with_figures_are_distinct_pngs():
    s = figures.slider(lambda v, c: _figure(v * (1 if c == "a" else -1)), [1, 2], name="v", alt="x",
                       choices=["a", "b"], choice_name="sign")
    pngs = re.findall(r'src="data:image/png;base64,([^"]+)"', s.to_html())
    assert len({base64.b64decode(p) for p in pngs}) == 4


# ---------------------------------------------------------------------------------------------------------------
# The static markup, parsed: what a browser and a screen reader get


def _tiny(**kwargs):
    """A slider small enough to read whole: text-only states, so its markup holds no PNG."""
    return figures.slider(lambda v: f"v={v}", [1, 2], name="v", alt="a", **kwargs)


def _tiny_with_choice():
    return figures.slider(lambda v, c: f"v={v} {c}", [1, 2], name="v", alt="a", choices=["x", "y"],
                          choice_name="kind")


_VOID = {"br", "input", "img"}


class _Tree(HTMLParser):
    """The elements of a page fragment, checked for balance, with every piece of text and the element it sits in."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open, self.elements, self.texts = [], [], []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), tuple(t for t, _ in self.open)))
        if tag not in _VOID:
            self.open.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.open and self.open[-1][0] == tag, f"</{tag}> closes {self.open[-1:] or 'nothing'}"
        self.open.pop()

    def handle_data(self, data):
        self.texts.append((self.open[-1][0] if self.open else None, data))


def _parse(markup):
    tree = _Tree()
    tree.feed(markup)
    tree.close()
    assert not tree.open, f"unclosed elements: {tree.open}"
    return tree


@pytest.mark.parametrize("make", [_tiny, _tiny_with_choice])
def test_static_markup_is_balanced_and_has_no_stray_text(make):
    """Every element closes in order, and every piece of text sits in a label, an output, a legend, a state's
    <pre> or the script: nothing shows between the controls and the states."""
    tree = _parse(make().to_html())
    assert {parent for parent, _ in tree.texts} <= {"label", "output", "legend", "pre", "script"}
    assert tree.elements[0][0] == "div" and tree.elements[0][1]["class"].startswith("book-slider")


def test_radio_buttons_carry_only_their_group_value_and_the_initial_check():
    tree = _parse(_tiny_with_choice().to_html())
    uid = tree.elements[0][1]["id"]
    radios = [attrs for tag, attrs, _ in tree.elements if tag == "input" and attrs["type"] == "radio"]
    assert radios == [
        {"type": "radio", "name": f"{uid}-choice", "value": "0", "checked": None},
        {"type": "radio", "name": f"{uid}-choice", "value": "1"},
    ]


@pytest.mark.parametrize("make", [_tiny, _tiny_with_choice])
def test_the_script_addresses_its_own_slider_with_its_labels_and_name(make):
    """The inline script finds the slider by the id it was given, and announces `name = label` on each move."""
    markup = make().to_html()
    uid = _parse(markup).elements[0][1]["id"]
    found = re.search(r"getElementById\((.*?)\), labels = (.*?), name = (.*?);\n", markup)
    assert [json.loads(part) for part in found.groups()] == [uid, ["1", "2"], "v"]


def test_slider_ids_are_twelve_hex_digits_of_the_content_hash():
    for make in (_tiny, _tiny_with_choice):
        uid = _parse(make().to_html()).elements[0][1]["id"]
        assert re.fullmatch(r"slider-[0-9a-f]{12}", uid)


def test_a_state_with_a_figure_and_text_holds_the_picture_then_the_text_and_nothing_else():
    markup = figures.slider(lambda v: (_figure(v), f"slope {v}"), [1, 2], name="v", alt="A line").to_html()
    tree = _parse(markup)
    inside_states = [(tag, parents[-1]) for tag, _, parents in tree.elements if parents and parents[-1] == "div"
                     and tag in {"img", "pre"}]
    assert inside_states == [("img", "div"), ("pre", "div"), ("img", "div"), ("pre", "div")]
    states = re.findall(r'<div class="book-slider-state"(?: hidden)?>(.*?)</div>', markup, flags=re.S)
    assert [re.sub(r'<img [^>]*>', "<img>", s) for s in states] == [
        '<img><pre class="book-slider-text">slope 1</pre>', '<img><pre class="book-slider-text">slope 2</pre>'
    ]


def _readable(markup):
    """The markup with one tag per line, so that a snapshot diff shows which element changed."""
    return markup.replace("><", ">\n<")


def test_tiny_slider_markup_is_the_reviewed_one():
    """Presentation (styles, attribute order, the script) pinned by a reviewed snapshot; the ids are content hashes,
    so the markup is the same on every run."""
    assert_snapshot("slider/tiny", _readable(_tiny().to_html()))
    assert_snapshot("slider/tiny_with_choice", _readable(_tiny_with_choice().to_html()))


# ---------------------------------------------------------------------------------------------------------------
# Defaults, errors and the live controls' settings


def test_the_slider_class_formats_values_with_g_and_choices_with_str_by_default():
    s = figures.Slider(lambda v, c: "x", [1e-05, 2.5], name="v", alt="a", choices=[0.5, "b"], choice_name="c")
    assert re.findall(r"<output[^>]*>([^<]*)</output>", s.to_html()) == ["2.5"]
    assert json.loads(re.search(r"labels = (.*?), name = ", s.to_html()).group(1)) == ["1e-05", "2.5"]
    assert re.findall(r'<input type="radio"[^>]*> ([^<]*)</label>', s.to_html()) == ["0.5", "b"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"choices": ["only"], "choice_name": "c"}, "^a choice needs at least two choices$"),
        ({"choices": ["a", "b"]}, "^choices need a choice_name, the label of the choice control$"),
        ({"choice_name": "c"}, "^choice_name and initial_choice need choices$"),
    ],
)
def test_bad_choice_arguments_get_the_whole_reason(kwargs, message):
    with pytest.raises(ValueError, match=message):
        figures.Slider(_render, [1, 2], name="v", alt="a", **kwargs)


def test_live_controls_are_labelled_and_recompute_only_when_released():
    """Each state costs a figure: the live slider redraws when released, not on every pixel of a drag."""
    control, _ = _tiny().widget().children
    assert control.description == "v" and control.continuous_update is False
    choice, control, _ = _tiny_with_choice().widget().children
    assert choice.description == "kind"
    assert control.description == "v" and control.continuous_update is False


def test_without_ipython_there_is_no_live_widget(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", None)  # `from IPython import ...` now raises ImportError
    assert set(_tiny()._repr_mimebundle_()) == {"text/html", "text/plain"}


def _visible_png(html):
    """The base64 PNG of the state a reader sees first."""
    visible = re.search(r'<div class="book-slider-state"[^>]*(?<! hidden)>(.*?)</div>', html, flags=re.S).group(1)
    return re.search(r'src="data:image/png;base64,([^"]+)"', visible).group(1)


def test_the_print_picture_is_the_frame_the_website_shows_first():
    plain = figures.slider(_figure, [1, 2, 3], name="v", alt="a", initial=3)
    assert plain._repr_mimebundle_()["image/png"] == _visible_png(plain.to_html())
    chosen = figures.slider(lambda v, c: _figure(v * c), [1, 2], name="v", alt="a", choices=[1, 5],
                            choice_name="k", initial=1, initial_choice=5)
    assert chosen._repr_mimebundle_()["image/png"] == _visible_png(chosen.to_html())
    assert chosen.print_png() != figures.slider(_figure, [1, 2], name="v", alt="a", initial=1).print_png()


def test_print_values_give_a_row_of_frames_each_titled_with_its_value():
    from io import BytesIO

    from matplotlib.image import imread

    s = figures.slider(_figure, [1, 2, 3], name="v", alt="a", print_values=[1, 3])
    height, width, _ = imread(BytesIO(base64.b64decode(s.print_png())), format="png").shape
    one = imread(BytesIO(base64.b64decode(_visible_png(s.to_html()))), format="png")
    assert width >= 2 * one.shape[1] and height > one.shape[0]  # two frames side by side, titles above
    assert s.to_html() == figures.slider(_figure, [1, 2, 3], name="v", alt="a").to_html()  # website unchanged
    with pytest.raises(ValueError, match="print_values"):
        figures.slider(_figure, [1, 2, 3], name="v", alt="a", print_values=[4])


def test_text_only_states_have_no_print_picture():
    assert _tiny().print_png() is None and "image/png" not in _tiny()._repr_mimebundle_()


def _sanitised(html):
    """The slider's HTML as strict nbval compares it: tests/nbval_sanitize.cfg's two substitutions, read from it."""
    import configparser

    from book_layout import ROOT

    config = configparser.ConfigParser()
    config.read(ROOT / "tests" / "nbval_sanitize.cfg")
    for section in config.sections():
        html = re.sub(config[section]["regex"], config[section]["replace"], html)
    return html


def _counting(render):
    calls = []

    def counted(*args):
        calls.append(args)
        return render(*args)

    return counted, calls


@pytest.mark.parametrize("choices", [None, [1, 5]])
def test_shown_frames_only_computes_every_state_and_differs_from_a_full_run_only_in_hidden_pixels(
    monkeypatch, choices
):
    def render(v, *c):
        return _figure(v * (c[0] if c else 1)), f"v = {v}, {c}"

    def make():
        if choices is None:
            return figures.slider(counted, [1, 2, 3], name="v", alt="a", initial=2)
        return figures.slider(counted, [1, 2, 3], name="v", alt="a", initial=2, choices=choices, choice_name="k",
                              initial_choice=5)

    counted, calls = _counting(render)
    full = make()
    full_html, full_png, full_calls = full.to_html(), full.print_png(), list(calls)
    monkeypatch.setenv("BOOK_SLIDER_FRAMES", "shown")
    calls.clear()
    shown = make()
    # Every state's render function ran (its text and numbers are in the page), once each, as in a full run.
    assert calls == full_calls and len(calls) == len(full.states)
    html = shown.to_html()
    assert html != full_html and _sanitised(html) == _sanitised(full_html)
    # The state a reader sees first, and the printed picture, are the real ones; hidden ones are placeholders.
    assert _visible_png(html) == _visible_png(full_html) and shown.print_png() == full_png
    hidden = re.findall(r'<div class="book-slider-state"[^>]* hidden>.*?src="data:image/png;base64,([^"]+)"', html)
    assert len(hidden) == len(full.states) - 1 and set(hidden) == {figures._slider._PLACEHOLDER_PNG}


def test_the_live_widget_draws_every_frame_it_is_asked_for_even_with_shown_frames_only(monkeypatch):
    monkeypatch.setenv("BOOK_SLIDER_FRAMES", "shown")
    s = figures.slider(_figure, [1, 2, 3], name="v", alt="a", initial=1)
    box = s.widget()
    control, view = box.children
    control.value = 3
    assert figures._slider._PLACEHOLDER_PNG not in view.value
    assert view.value == figures.slider(_figure, [1, 2, 3], name="v", alt="a", initial=3).states[2]


def test_the_printed_picture_reuses_the_drawn_frame_instead_of_rendering_it_again():
    counted, calls = _counting(_figure)
    s = figures.slider(counted, [1, 2, 3], name="v", alt="a")
    s._repr_mimebundle_()
    assert len(calls) == 3  # one render per state, none for the print picture


def test_stored_chapters_hold_no_placeholder_frame():
    """`make notebooks` draws every frame: a run with BOOK_SLIDER_FRAMES=shown must never be what a chapter stores."""
    from book_layout import CHAPTER_NOTEBOOKS

    for notebook in CHAPTER_NOTEBOOKS:
        assert figures._slider._PLACEHOLDER_PNG not in notebook.read_text(), notebook.name
