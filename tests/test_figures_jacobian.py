"""Chapter 3's figures: what they draw matches the numbers (against NumPy's eigenvalues and SymPy), their alt text
is computed from the same numbers, and the timing figure keeps run-to-run noise out of what nbval compares."""

import io
import json
import re

import matplotlib.image
import numpy as np
import pytest
import sympy as sp
from book_layout import ROOT

from helpers import figures, symbolic

SCORES = [2.0, 1.0, 0.0, -1.0]


def _exact_jacobian(z):
    """The Jacobian from SymPy's derivative, evaluated at 30 digits: independent of helpers.numerics."""
    zs = symbolic.logit_symbols(len(z))
    derivative = symbolic.softmax_expr(zs).jacobian(zs)
    return np.array(derivative.subs(dict(zip(zs, map(sp.Float, z)))).evalf(30).tolist(), dtype=float)


def test_heatmap_shows_the_jacobian_on_a_fixed_colour_scale():
    fig = figures.jacobian_state(SCORES)
    heatmap = fig.axes[0].images[0]
    assert np.allclose(heatmap.get_array(), _exact_jacobian(SCORES), atol=1e-14)
    assert heatmap.get_clim() == (-0.25, 0.25)
    # The same scale at another state, so pictures can be compared.
    assert figures.jacobian_state([8.0, 1.0, 0.0, -1.0]).axes[0].images[0].get_clim() == (-0.25, 0.25)


def test_eigenvalue_bars_are_the_eigenvalues_largest_first_and_the_bound_is_drawn():
    fig = figures.jacobian_state(SCORES)
    bars = fig.axes[2].patches if len(fig.axes) > 2 and fig.axes[2].patches else fig.axes[1].patches
    heights = np.array([bar.get_height() for bar in bars])
    expected = np.sort(np.linalg.eigvalsh(_exact_jacobian(SCORES)))[::-1]
    expected[np.abs(expected) < 1e-12] = 0
    assert np.allclose(heights, expected, atol=1e-12)
    assert heights[-1] == 0.0  # the zero eigenvalue of J 1 = 0 is drawn as 0, not as -1e-17
    eigen_axes = [ax for ax in fig.axes if ax.get_xlabel() == "eigenvalue number"][0]
    assert any(np.allclose(line.get_ydata(), 0.5) for line in eigen_axes.get_lines())


def test_heatmap_alt_text_states_the_numbers_drawn():
    alt = figures.jacobian_state_alt(SCORES)
    jac = _exact_jacobian(SCORES)
    eigenvalues = np.sort(np.linalg.eigvalsh(jac))[::-1]
    assert f"largest entry {jac.max():.3g}" in alt
    assert f"trace {np.trace(jac):.3g}" in alt
    assert f"eigenvalues {eigenvalues[0]:.3g}" in alt
    assert "every row sums to 0" in alt
    assert "logits (2, 1, 0, -1)" in alt


def test_temperature_scales_the_picture_by_one_over_t():
    fig = figures.jacobian_state(SCORES, temperature=0.5)
    assert fig.axes[0].images[0].get_clim() == (-0.5, 0.5)
    zs = symbolic.logit_symbols(4)
    t = sp.Rational(1, 2)
    derivative = symbolic.softmax_expr([z / t for z in zs]).jacobian(zs)
    exact = np.array(derivative.subs(dict(zip(zs, map(sp.Float, SCORES)))).evalf(30).tolist(), dtype=float)
    assert np.allclose(fig.axes[0].images[0].get_array(), exact, atol=1e-14)
    assert "temperature T = 0.5" in figures.jacobian_state_alt(SCORES, temperature=0.5)


def test_dependency_diagram_draws_n_and_n_squared_arrows():
    fig = figures.dependency_diagram(3)
    elementwise, softmax = fig.axes
    assert len(elementwise.texts) - 6 == 3 and len(softmax.texts) - 6 == 9  # arrows are annotations; 6 labels
    assert "(9 arrows)" in figures.dependency_diagram_alt(3)


def test_measured_memory_grows_like_n_and_like_n_squared():
    def quadratic(z, g):
        return z[:, None] * g[None, :]

    def linear(z, g):
        return z * g

    ns = [100, 200, 400]
    _, _, quadratic_bytes, linear_bytes = figures.measure_costs([quadratic, linear], ns, repeats=1)
    # 8 bytes per float64 entry of the result, plus a fixed overhead: NumPy's iteration buffers (2 x 64 KiB) when
    # it broadcasts, a few hundred bytes otherwise.
    for n, quadratic_n, linear_n in zip(ns, quadratic_bytes, linear_bytes):
        assert 8 * n * n <= quadratic_n < 8 * n * n + 2**18
        assert 8 * n <= linear_n < 8 * n + 4096


def test_cost_figure_is_an_image_png_with_plain_alt_text_and_no_html():
    fig = figures.product_costs([10, 100, 1000], [1e-6, 1e-4, 1e-2], [1e-6, 2e-6, 2e-5], [800, 8e4, 8e6],
                                [80, 800, 8e3])
    output = figures.show_varying(fig, alt=figures.product_costs_alt([10, 100, 1000]))
    bundle = output._repr_mimebundle_()
    # nbval compares text/html, so a figure of timings must not carry one; it skips image/png.
    assert set(bundle) == {"image/png", "text/plain"}
    pixels = matplotlib.image.imread(io.BytesIO(output.png_bytes), format="png")
    assert np.allclose(pixels[0, 0, :3], 1.0)  # white background
    legends = [text.get_text() for ax in fig.axes for text in ax.get_legend().get_texts()]
    assert "build J, J.T @ g: slope 2.0" in legends and "s * (g - s @ g): slope 1.0" in legends


def test_cost_alt_text_holds_only_exact_facts():
    alt = figures.product_costs_alt([10, 2048])
    assert "33,554,432 bytes" in alt and "16,384 bytes" in alt
    assert not re.search(r"\d\s*(s|ms|seconds)\b", alt)


def test_show_varying_requires_alt_text():
    fig, _ = figures.new_figure()
    with pytest.raises(ValueError, match="alt text"):
        figures.show_varying(fig, alt="")


def test_chapter_3_gives_the_website_the_same_alt_text_as_the_stored_output():
    """The website takes an image/png's alt from the cell metadata: it must say what the output's text says."""
    notebook = json.loads((ROOT / "chapters" / "03_jacobian.ipynb").read_text())
    found = 0
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                found += 1
                alt = cell["metadata"]["mystnb"]["image"]["alt"]
                assert "".join(data["text/plain"]) == f"[figure] {alt}"
    assert found == 1
