"""Tests of helpers.figures: static figures with alt text, and sliders that work without a kernel."""

import base64
import io
import re
from html.parser import HTMLParser

import matplotlib.image
import numpy as np
import pytest
import scipy.special
from matplotlib.colors import to_hex

from helpers import figures


def _pngs(html):
    return [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]


def _alt_attributes(html):
    """The alt attributes of every <img>, decoded by Python's HTML parser (as a browser would read them)."""
    alts = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img":
                alts.append(dict(attrs)["alt"])

    Images().feed(html)
    return alts


def _simple_figure(value=1.0):
    fig, (ax,) = figures.new_figure()
    ax.plot([0, 1], [0, value])
    ax.set_xlabel("x")
    return fig


def test_show_embeds_a_png_with_alt_text_and_plain_text_fallback():
    bundle = figures.show(_simple_figure(), alt="A rising line")._repr_mimebundle_()
    assert 'alt="A rising line"' in bundle["text/html"]
    assert bundle["text/plain"] == "[figure] A rising line"
    (png,) = _pngs(bundle["text/html"])
    assert png.startswith(b"\x89PNG")


def test_figures_have_a_white_background():
    html = figures.show(_simple_figure(), alt="A rising line")._repr_mimebundle_()["text/html"]
    pixels = matplotlib.image.imread(io.BytesIO(_pngs(html)[0]), format="png")
    corner = pixels[0, 0, :3]
    assert np.allclose(corner, 1.0)


ODD_ALT = 'Scores "z" < 0 & > 1, <b>not bold</b>'


def test_alt_text_is_html_escaped_so_the_browser_reads_it_back_intact():
    html = figures.show(_simple_figure(), alt=ODD_ALT)._repr_mimebundle_()["text/html"]
    assert _alt_attributes(html) == [ODD_ALT]
    assert "<b>" not in html and 'alt="Scores &quot;z&quot; &lt; 0 &amp; &gt; 1' in html


def test_slider_alt_text_is_html_escaped_in_every_state():
    html = figures.slider(lambda v: _simple_figure(v), VALUES, name="v", alt=lambda v: f"{ODD_ALT} {v}").to_html()
    assert _alt_attributes(html) == [f"{ODD_ALT} {v}" for v in VALUES]
    assert "<b>" not in html


def test_new_figure_has_the_house_size_layout_and_style():
    fig, axes = figures.new_figure(2, width=8.0)
    assert len(axes) == 2 and list(fig.get_size_inches()) == [8.0, 3.4] and fig.dpi == 100
    assert type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
    (line,) = axes[0].plot([0, 1], [0, 1])
    assert to_hex(line.get_color()) == figures.PALETTE[0].lower()  # the Okabe-Ito cycle
    assert not axes[0].spines["top"].get_visible() and not axes[0].spines["right"].get_visible()
    assert to_hex(fig.get_facecolor()) == "#ffffff" and to_hex(axes[0].get_facecolor()) == "#ffffff"
    assert figures.new_figure()[0].get_size_inches().tolist() == [6.4, 3.4]


def test_embedded_png_has_the_figure_size_and_no_metadata():
    html = figures.show(_simple_figure(), alt="A rising line")._repr_mimebundle_()["text/html"]
    (png,) = _pngs(html)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (640, 340)  # 6.4 x 3.4 inches at 100 dpi
    assert b"Software" not in png and b"matplotlib" not in png.lower()
    assert 'alt="A rising line" style="max-width:100%;height:auto;background:white"></figure>' in html


def test_show_requires_alt_text():
    with pytest.raises(ValueError, match="^alt text is required: describe what the figure shows$"):
        figures.show(_simple_figure(), alt="")


def test_rendering_is_deterministic_so_nbval_can_compare_it():
    first = figures.show(_simple_figure(), alt="same")._repr_mimebundle_()
    second = figures.show(_simple_figure(), alt="same")._repr_mimebundle_()
    assert first == second


def test_scores_and_probabilities_labels_both_axes():
    fig = figures.scores_and_probabilities([2.0, 1.0, -1.0], ["a", "b", "c"], temperature=0.5)
    left, right = fig.axes
    assert left.get_ylabel() == "logit (score)" and right.get_ylabel() == "probability"
    assert [tick.get_text() for tick in right.get_xticklabels()] == ["a", "b", "c"]
    assert "T = 0.5" in right.get_title()
    heights = [bar.get_height() for bar in right.patches]
    assert np.isclose(sum(heights), 1.0)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0])
def test_probability_bars_are_the_softmax_of_z_over_t(temperature):
    z = np.array([2.0, 1.0, -1.0])
    fig = figures.scores_and_probabilities(z, ["cat", "dog", "fox"], temperature=temperature)
    left, right = fig.axes
    assert [bar.get_height() for bar in left.patches] == list(z)
    drawn = [bar.get_height() for bar in right.patches]
    np.testing.assert_allclose(drawn, scipy.special.softmax(z / temperature), rtol=1e-12)
    assert [label.get_text() for label in right.texts] == [f"{p:.3f}" for p in scipy.special.softmax(z / temperature)]


def test_probability_bars_draw_in_the_house_style():
    fig, (ax,) = figures.new_figure()
    bars = figures.probability_bars(ax, [0.25, 0.75])
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["class 1", "class 2"]  # default labels count from 1
    assert [to_hex(bar.get_facecolor()) for bar in bars] == [figures.PALETTE[0].lower()] * 2
    # each bar labelled with its value, 3 decimals, small, 2 points above the bar
    assert [(label.get_text(), label.get_fontsize(), label.xyann) for label in ax.texts] == [
        ("0.250", 9, (0, 2)),
        ("0.750", 9, (0, 2)),
    ]
    assert ax.get_ylim() == (0, 1.1) and ax.get_ylabel() == "probability"
    fig, (ax,) = figures.new_figure()
    bars = figures.probability_bars(ax, [0.5, 0.5], color=figures.PALETTE[2])
    assert [to_hex(bar.get_facecolor()) for bar in bars] == [figures.PALETTE[2].lower()] * 2


def test_scores_panel_draws_in_the_house_style():
    left, _ = figures.scores_and_probabilities([2.0, 1.0, -1.0], ["a", "b", "c"]).axes
    assert [to_hex(bar.get_facecolor()) for bar in left.patches] == [figures.PALETTE[1].lower()] * 3
    (zero_line,) = left.lines
    assert list(zero_line.get_ydata()) == [0, 0]
    assert to_hex(zero_line.get_color()) == "#000000" and zero_line.get_linewidth() == 0.8
    assert left.get_title() == "scores $z$"


def test_the_figure_and_its_alt_text_compute_in_float64_whatever_the_input_dtype():
    # in float16 these probabilities would be 0.680, 0.005, 0.316 (one rounding of 2**-11 each way)
    z = np.array([2.145, -2.799, 1.378], dtype=np.float16)
    exact = scipy.special.softmax(z.astype(np.float64))
    right = figures.scores_and_probabilities(z, ["a", "b", "c"]).axes[1]
    np.testing.assert_allclose([bar.get_height() for bar in right.patches], exact, rtol=1e-12)
    alt = figures.scores_and_probabilities_alt(z, ["a", "b", "c"])
    assert alt.endswith("(a 0.679, b 0.005, c 0.316)")


def test_temperature_changes_the_probabilities_by_hand():
    # softmax([2, 1, -1] / 0.5) = e^(4, 2, -2) / (e^4 + e^2 + e^-2) = (0.8789, 0.1189, 0.0022), worked by hand
    alt = figures.scores_and_probabilities_alt([2.0, 1.0, -1.0], ["cat", "dog", "fox"], temperature=0.5)
    assert alt == (
        "Bar charts of the logits (cat 2, dog 1, fox -1) and of their softmax at temperature T = 0.5 "
        "(cat 0.879, dog 0.119, fox 0.002)"
    )
    title = figures.scores_and_probabilities([2.0, 1.0, -1.0], ["cat", "dog", "fox"]).axes[1].get_title()
    assert title == "softmax$(z)$"
    alt = figures.scores_and_probabilities_alt([2.0, 1.0, -1.0], ["cat", "dog", "fox"])
    assert alt == (
        "Bar charts of the logits (cat 2, dog 1, fox -1) and of their softmax (cat 0.705, dog 0.259, fox 0.035)"
    )


VALUES = [0.5, 1.0, 2.0, 4.0]


def _slider(**kwargs):
    return figures.slider(lambda v: (_simple_figure(v), f"value {v}"), VALUES, name="v", alt="A line", **kwargs)


def test_static_slider_holds_every_state_with_exactly_one_visible():
    html = _slider(initial=2.0).to_html()
    states = re.findall(r'<div class="book-slider-state"( hidden)?>', html)
    assert len(states) == len(VALUES)
    visible = [k for k, hidden in enumerate(states) if not hidden]
    assert visible == [VALUES.index(2.0)]
    assert f'max="{len(VALUES) - 1}"' in html and 'value="2"' in html


@pytest.mark.parametrize("initial", [0.5, 4.0])
def test_slider_starts_at_the_initial_value(initial):
    s = _slider(initial=initial)
    k = VALUES.index(initial)
    html = s.to_html()
    states = re.findall(r'<div class="book-slider-state"( hidden)?>', html)
    assert [i for i, hidden in enumerate(states) if not hidden] == [k]
    assert re.search(r'<input type="range"[^>]* value="(\d+)"', html).group(1) == str(k)
    assert re.search(r"<output [^>]*>([^<]*)</output>", html).group(1) == f"{initial:g}"
    assert repr(s).startswith(f"[slider] A line (v = {initial:g});")
    control, view = s.widget().children
    assert control.value == initial
    assert f"value {initial}" in view.value


def test_static_slider_states_differ_and_carry_their_own_alt_text():
    html = _slider().to_html()
    assert len(set(_pngs(html))) == len(VALUES)
    for v in VALUES:
        assert f"A line (v = {v:g})" in html
        assert f"value {v}" in html


def test_static_slider_needs_no_other_host():
    html = _slider().to_html()
    assert "<script>" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)


def test_slider_id_is_deterministic_and_depends_on_content():
    first = re.search(r'id="(slider-[0-9a-f]+)"', _slider().to_html()).group(1)
    again = re.search(r'id="(slider-[0-9a-f]+)"', _slider().to_html()).group(1)
    other = figures.slider(lambda v: f"{v}", VALUES, name="v", alt="text only").to_html()
    assert first == again
    assert first not in other


def test_slider_outside_a_kernel_offers_html_plain_text_and_the_print_picture_only():
    bundle = _slider()._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain", "image/png"}
    assert bundle["text/plain"] == "[slider] A line (v = 2); v from 0.5 to 4 in 4 steps"


def test_values_are_shown_with_g_format_by_default():
    s = figures.slider(lambda v: f"{v}", [0.000012, 1e6, 3.0], name="v", alt="A number")
    assert repr(s) == "[slider] A number (v = 1e+06); v from 1.2e-05 to 3 in 3 steps"
    assert figures.slider(lambda v: f"{v}", [1, 2], name="v", alt="n", fmt="{:.1f}").to_html().count("1.0") >= 1


def test_a_text_only_state_is_the_text_alone():
    html = figures.slider(lambda v: f"v is {v}", [1, 2], name="v", alt="n").to_html()
    assert '<div class="book-slider-state"><pre class="book-slider-text">v is 2</pre></div>' in html


def test_slider_in_a_kernel_also_offers_the_live_widget(monkeypatch):
    import IPython

    class Kernel:
        kernel = object()

    monkeypatch.setattr(IPython, "get_ipython", lambda: Kernel())
    bundle = _slider()._repr_mimebundle_()
    widget = bundle["application/vnd.jupyter.widget-view+json"]
    assert set(bundle) == {"text/html", "text/plain", "image/png", "application/vnd.jupyter.widget-view+json"}
    assert widget["model_id"]

    class ShellWithoutKernel:  # a terminal IPython: no kernel, no live widget
        pass

    monkeypatch.setattr(IPython, "get_ipython", lambda: ShellWithoutKernel())
    assert set(_slider()._repr_mimebundle_()) == {"text/html", "text/plain", "image/png"}


def test_live_widget_recomputes_when_the_value_changes():
    calls = []

    def render(v):
        calls.append(v)
        return f"value {v}"

    box = figures.slider(render, VALUES, name="v", alt="A number").widget()
    control, view = box.children
    calls.clear()
    control.value = 4.0
    assert calls == [4.0]
    assert "value 4.0" in view.value


def test_callable_alt_text_is_used_verbatim():
    s = figures.slider(lambda v: _simple_figure(v), VALUES, name="v", alt=lambda v: f"slope {v}")
    assert 'alt="slope 0.5"' in s.to_html()
    assert "book-slider-text" not in s.to_html()  # a figure-only state has no text block


@pytest.mark.parametrize(
    "render, values, message",
    [
        (lambda v: "x", [1], "^a slider needs at least two values$"),
        (lambda v: None, [1, 2], "^the render function returned nothing: return a Figure, a str or both$"),
    ],
)
def test_slider_rejects_bad_arguments(render, values, message):
    with pytest.raises(ValueError, match=message):
        figures.slider(render, values, name="v", alt="a")


@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0])
def test_alt_text_states_the_numbers_the_figure_draws(temperature):
    z, labels = [2.0, 1.0, -1.0], ["cat", "dog", "fox"]
    alt = figures.scores_and_probabilities_alt(z, labels, temperature=temperature)
    scores, shares = re.findall(r"\(([^)]*)\)", alt)[-2:]
    assert scores == "cat 2, dog 1, fox -1"
    # the reference is SciPy's softmax, not the helpers function the figure and the alt text share
    expected = scipy.special.softmax(np.array(z) / temperature)
    assert shares == ", ".join(f"{label} {p:.3f}" for label, p in zip(labels, expected))
    assert ("temperature T = " in alt) == (temperature != 1)
