"""Tests of helpers.figures: static figures with alt text, and sliders that work without a kernel."""

import base64
import io
import re

import matplotlib.image
import numpy as np
import pytest

from helpers import figures


def _pngs(html):
    return [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]


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


def test_show_requires_alt_text():
    with pytest.raises(ValueError, match="alt text"):
        figures.show(_simple_figure(), alt="")


def test_rendering_is_deterministic_so_nbval_can_compare_it():
    first = figures.show(_simple_figure(), alt="same")._repr_mimebundle_()
    second = figures.show(_simple_figure(), alt="same")._repr_mimebundle_()
    assert first == second


def test_scores_and_probabilities_labels_both_axes():
    fig = figures.scores_and_probabilities([2.0, 1.0, -1.0], ["a", "b", "c"], temperature=0.5)
    left, right = fig.axes
    assert left.get_ylabel() and right.get_ylabel()
    assert "T = 0.5" in right.get_title()
    heights = [bar.get_height() for bar in right.patches]
    assert np.isclose(sum(heights), 1.0)


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


def test_slider_outside_a_kernel_offers_html_and_plain_text_only():
    bundle = _slider()._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/plain"] == "[slider] A line (v = 2); v from 0.5 to 4 in 4 steps"


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


@pytest.mark.parametrize(
    "render, values, message",
    [
        (lambda v: "x", [1], "at least two values"),
        (lambda v: None, [1, 2], "returned nothing"),
    ],
)
def test_slider_rejects_bad_arguments(render, values, message):
    with pytest.raises(ValueError, match=message):
        figures.slider(render, values, name="v", alt="a")


@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0])
def test_alt_text_states_the_numbers_the_figure_draws(temperature):
    z, labels = [2.0, 1.0, -1.0], ["cat", "dog", "fox"]
    fig = figures.scores_and_probabilities(z, labels, temperature=temperature)
    alt = figures.scores_and_probabilities_alt(z, labels, temperature=temperature)
    left, right = fig.axes
    scores, shares = re.findall(r"\(([^)]*)\)", alt)[-2:]
    assert [float(part.split()[1]) for part in scores.split(", ")] == [bar.get_height() for bar in left.patches]
    drawn = [bar.get_height() for bar in right.patches]
    assert np.allclose([float(part.split()[1]) for part in shares.split(", ")], drawn, atol=5e-4)
