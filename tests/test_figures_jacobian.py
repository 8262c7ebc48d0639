"""Chapter 3's figures: what they draw matches the numbers (against NumPy's eigenvalues and SymPy), their alt text
is computed from the same numbers, the cost figure counts multiplications exactly (against closed forms) and keeps
run-to-run noise out of what nbval compares, and the temperature view draws the Jacobian of softmax(z / T)."""

import base64
import io
import json
import re

import matplotlib.image
import numpy as np
import pytest
import scipy.special
import sympy as sp
from book_layout import ROOT
from matplotlib.colors import to_hex
from snapshots import assert_snapshot, describe_figure

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
    quadratic_count, linear_count, quadratic_bytes, linear_bytes = figures.measure_costs([quadratic, linear], ns)
    assert quadratic_count == [n * n for n in ns] and linear_count == ns
    # 8 bytes per float64 entry of the result, plus a fixed overhead: NumPy's iteration buffers (2 x 64 KiB) when
    # it broadcasts, a few hundred bytes otherwise.
    for n, quadratic_n, linear_n in zip(ns, quadratic_bytes, linear_bytes):
        assert 8 * n * n <= quadratic_n < 8 * n * n + 2**18
        assert 8 * n <= linear_n < 8 * n + 4096


def test_cost_figure_is_an_image_png_with_plain_alt_text_and_no_html():
    fig = figures.product_costs([10, 100, 1000], [200, 2e4, 2e6], [20, 40, 400], [800, 8e4, 8e6], [80, 800, 8e3])
    output = figures.show_varying(fig, alt=figures.product_costs_alt([10, 100, 1000], [200, 20000, 2000000],
                                                                     [20, 40, 400]))
    bundle = output._repr_mimebundle_()
    # nbval compares text/html, so a figure of timings must not carry one; it skips image/png.
    assert set(bundle) == {"image/png", "text/plain"}
    pixels = matplotlib.image.imread(io.BytesIO(output.png_bytes), format="png")
    assert np.allclose(pixels[0, 0, :3], 1.0)  # white background
    legends = [text.get_text() for ax in fig.axes for text in ax.get_legend().get_texts()]
    assert "build J, J.T @ g: slope 2.0" in legends and "s * (g - s @ g): slope 1.0" in legends


def test_cost_alt_text_holds_only_exact_facts():
    alt = figures.product_costs_alt([10, 2048], [200, 2 * 2048**2], [20, 2 * 2048])
    assert "33,554,432 bytes" in alt and "16,384 bytes" in alt
    assert "8,388,608 multiplications against 4,096" in alt
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
            if "image/png" in data and "text/html" not in data:  # a slider's image/png is for print only
                found += 1
                alt = cell["metadata"]["mystnb"]["image"]["alt"]
                assert "".join(data["text/plain"]) == f"[figure] {alt}"
    assert found == 1


def _seen(fig):
    """describe_figure, plus what it leaves out and a reader still sees here: title sizes, the arrows of
    annotations, where the layout puts each axes (the colour bar's length)."""
    from matplotlib.text import Annotation

    out = [describe_figure(fig).rstrip("\n")]
    fig.draw_without_rendering()
    for number, ax in enumerate(fig.axes):
        box = " ".join(f"{v:.2f}" for v in ax.get_position().bounds)
        out.append(f"axes {number}: title size {ax.title.get_fontsize():g} axis on {ax.axison} at {box}")
        for t in ax.texts:
            if isinstance(t, Annotation):
                (x, y), (tx, ty) = t.xy, t.xyann
                out.append(f"  annotation {t.get_text()!r} xy ({x:g}, {y:g}) text at ({tx:g}, {ty:g}) "
                           f"({t.anncoords}) arrow {t.arrowprops}")
    return "\n".join(out)


@pytest.mark.parametrize("n", [2, 4])
def test_dependency_diagram_snapshot(n):
    assert_snapshot(f"figures/jacobian/dependency_diagram_{n}", _seen(figures.dependency_diagram(n)))


def test_dependency_diagram_draws_four_by_default():
    assert figures.dependency_diagram_alt() == figures.dependency_diagram_alt(4)
    assert [ax.get_title() for ax in figures.dependency_diagram().axes] == [
        "elementwise (sigmoid): 4 arrows", "softmax: 16 arrows"]


@pytest.mark.parametrize("n, expected", [
    (4, "Two diagrams of scores z1 to z4 and outputs s1 to s4: for an elementwise function each output has one "
        "arrow, from its own score (4 arrows); for softmax every output has an arrow from every score (16 arrows)"),
    (2, "Two diagrams of scores z1 to z2 and outputs s1 to s2: for an elementwise function each output has one "
        "arrow, from its own score (2 arrows); for softmax every output has an arrow from every score (4 arrows)"),
])
def test_dependency_diagram_alt_in_full(n, expected):
    assert figures.dependency_diagram_alt(n) == expected


# The chapter's slider starts at z1 = 1; at z1 = 8 softmax saturates (one entry strong enough for white text); the
# temperature 0.5 state shows the scaled bound and its label.
@pytest.mark.parametrize("name, z, temperature", [
    ("z1_1", [1.0, 1.0, 0.0, -1.0], 1.0),
    ("z1_8", [8.0, 1.0, 0.0, -1.0], 1.0),
    ("scores_at_t_0.5", SCORES, 0.5),
])
def test_jacobian_state_snapshot(name, z, temperature):
    assert_snapshot(f"figures/jacobian/jacobian_state_{name}", _seen(figures.jacobian_state(z, temperature)))


@pytest.mark.parametrize("z, temperature, expected", [
    ([1.0, 1.0, 0.0, -1.0], 1.0,
     "Heatmap of the 4 by 4 softmax Jacobian for logits (1, 1, 0, -1) and softmax (0.399, 0.399, 0.147, 0.0541): "
     "largest entry 0.24 (on the diagonal), every row sums to 0; eigenvalues 0.399, 0.19, 0.0668 and 0, "
     "trace 0.656"),
    (SCORES, 0.5,
     "Heatmap of the 4 by 4 softmax Jacobian at temperature T = 0.5 for logits (2, 1, 0, -1) and softmax "
     "(0.865, 0.117, 0.0158, 0.00214): largest entry 0.234 (on the diagonal), every row sums to 0; "
     "eigenvalues 0.424, 0.0463, 0.00561 and 0, trace 0.476"),
])
def test_jacobian_state_alt_in_full(z, temperature, expected):
    assert figures.jacobian_state_alt(z, temperature) == expected


def test_cost_figure_snapshot():
    fig = figures.product_costs([10, 100, 1000], [1e-6, 1e-4, 1e-2], [1e-6, 2e-6, 2e-5], [800, 8e4, 8e6],
                                [80, 800, 8e3])
    assert_snapshot("figures/jacobian/product_costs", _seen(fig))


def test_cost_figure_fits_the_slope_over_the_larger_half_of_the_sizes():
    # Quadratic from 100 on, flat below: a fit over all sizes would not give 2.
    ns = [10, 20, 100, 1000]
    fig = figures.product_costs(ns, [1.0, 1.0, 1.0, 100.0], [1.0, 1.0, 1.0, 10.0], [1.0, 1.0, 1.0, 100.0],
                                [1.0, 1.0, 1.0, 10.0])
    legends = [text.get_text() for ax in fig.axes for text in ax.get_legend().get_texts()]
    # Slopes are fitted to the counts (left) only; memory (right) is drawn without one.
    assert legends == ["build J, J.T @ g: slope 2.0", "s * (g - s @ g): slope 1.0", "build J, J.T @ g",
                       "s * (g - s @ g)"]


def test_cost_alt_text_in_full():
    assert figures.product_costs_alt([10, 20, 2048], [200, 800, 8388608], [20, 40, 4096]) == (
        "Two log-log panels against the number of classes k, from 10 to 2048: multiplications counted and peak "
        "memory, for building J and then multiplying (circles) and for the direct product s * (g - s @ g) "
        "(squares). At k = 2048: 8,388,608 multiplications against 4,096; the matrix J alone is 8 k^2 = "
        "33,554,432 bytes, the direct product's result 8 k = 16,384 bytes"
    )


def test_measure_costs_calls_each_product_on_a_seeded_softmax_and_gradient():
    seen = []

    def product(s, g):
        seen.append((np.array(s, dtype=float), np.array(g, dtype=float)))
        return s * g

    ns = [3, 30]
    counts, peaks = figures.measure_costs([product], ns, seed=7)
    rng = np.random.default_rng(7)
    expected = [rng.normal(size=(2, n)) for n in ns]
    # One call to count the multiplications and one to measure the memory, per size.
    assert len(seen) == 2 * len(ns)
    for (s, g), k in zip(seen, [0, 0, 1, 1]):
        z, gradient = expected[k]
        assert np.allclose(s, scipy.special.softmax(z), rtol=1e-15, atol=0) and np.array_equal(g, gradient)
    assert counts == ns
    # per class: one more float64 in each of the two copies this test keeps and in the result; the same overhead
    assert peaks[1] - peaks[0] == 3 * 8 * (30 - 3)


def test_measure_costs_defaults_to_seed_0():
    seen = []

    def product(s, g):
        seen.append(np.array(g, dtype=float))
        return s * g

    figures.measure_costs([product], [2000])
    assert np.array_equal(seen[0], np.random.default_rng(0).normal(size=(2, 2000))[1])


@pytest.mark.parametrize("product, shapes, expected", [
    (lambda a, b: a * b, [(3, 4), (3, 4)], 12),
    (lambda a, b: a * b, [(3, 1), (1, 4)], 12),  # broadcast: one per entry of the result
    (lambda a, b: 2.0 * a + b, [(5,), (5,)], 5),  # additions are not counted
    (lambda a, b: a / b, [(5,), (5,)], 0),  # nor divisions
    (lambda a, b: np.outer(a, b), [(3,), (7,)], 21),
    (lambda a, b: np.multiply.outer(a, b), [(3,), (7,)], 21),
    (lambda a, b: a @ b, [(2, 3), (3, 4)], 2 * 3 * 4),
    (lambda a, b: a @ b, [(6,), (6,)], 6),
    (lambda a, b: (np.diag(a) - np.outer(a, a)).T @ b, [(9,), (9,)], 2 * 81),
    (lambda a, b: a * (b - a @ b), [(9,), (9,)], 2 * 9),
])
def test_count_multiplications_counts_one_per_scalar_product(product, shapes, expected):
    arrays = [np.ones(shape) for shape in shapes]
    assert figures.count_multiplications(product, *arrays) == expected


def test_count_multiplications_returns_the_products_value_unchanged():
    rng = np.random.default_rng(3)
    s, g = scipy.special.softmax(rng.normal(size=5)), rng.normal(size=5)
    kept = []
    figures.count_multiplications(lambda s, g: kept.append(np.asarray(s * (g - s @ g)).view(np.ndarray)), s, g)
    assert np.allclose(kept[0], (np.diag(s) - np.outer(s, s)) @ g, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("route", [lambda a, b: np.dot(a, b), lambda a, b: np.einsum("i,i", a, b),
                                   lambda a, b: np.prod(a), lambda a, b: np.multiply.reduce(a),
                                   lambda a, b: np.inner(a, b)])
def test_count_multiplications_refuses_routes_it_cannot_count(route):
    with pytest.raises(TypeError, match="count"):
        figures.count_multiplications(route, np.ones(3), np.ones(3))


def test_time_per_call_makes_one_probe_call_then_the_runs():
    calls = []
    runs = figures.time_per_call(lambda x: calls.append(x), 5, repeats=4, min_seconds=0)
    # min_seconds=0: one call per run, after the probe
    assert len(calls) == 1 + 4 and set(calls) == {5}
    assert runs.shape == (4,) and bool(np.all(runs >= 0))


TEMPERATURES = [0.1, 0.3, 1, 3, 10]


def _exact_jacobian_at(z, temperature):
    """The Jacobian of softmax(z / T) with respect to z, differentiated by SymPy and evaluated at 30 digits."""
    zs = symbolic.logit_symbols(len(z))
    t = sp.nsimplify(temperature)
    derivative = symbolic.softmax_expr([v / t for v in zs]).jacobian(zs)
    return np.array(derivative.subs(dict(zip(zs, map(sp.Float, z)))).evalf(30).tolist(), dtype=float)


def test_temperature_state_draws_the_jacobian_of_softmax_z_over_t_on_one_scale():
    z = [2.0, 1.5, 0.0, -1.0]
    for temperature in (0.3, 3):
        heatmap = figures.temperature_state(z, temperature, TEMPERATURES).axes[0].images[0]
        assert np.allclose(heatmap.get_array(), _exact_jacobian_at(z, temperature), rtol=0, atol=1e-13)
        limit = max(np.abs(_exact_jacobian_at(z, t)).max() for t in TEMPERATURES)
        assert np.allclose(heatmap.get_clim(), (-limit, limit), rtol=1e-12)


def test_temperature_state_curves_are_the_largest_eigenvalue_the_trace_and_the_bound():
    z = [2.0, 1.5, 0.0, -1.0]
    fig = figures.temperature_state(z, 0.3, TEMPERATURES)
    curves = [ax for ax in fig.axes if ax.get_xlabel() == "temperature $T$"][0]
    lines = {line.get_label(): line for line in curves.get_lines()}
    bound = lines["bound on $\\lambda_{\\max}$: $1/(2T)$"]
    assert np.allclose(bound.get_ydata(), 0.5 / np.asarray(bound.get_xdata()))
    grid = np.asarray(lines["$\\lambda_{\\max}$"].get_xdata())
    assert grid[0] == pytest.approx(0.1) and grid[-1] == pytest.approx(10)
    for n in (0, 40, 119):
        exact = _exact_jacobian_at(z, float(grid[n]))
        assert lines["$\\lambda_{\\max}$"].get_ydata()[n] == pytest.approx(np.linalg.eigvalsh(exact).max(), rel=1e-9)
        assert lines["trace"].get_ydata()[n] == pytest.approx(np.trace(exact), rel=1e-9)
    marker = [line for line in curves.get_lines() if line.get_marker() == "o"][0]
    exact = _exact_jacobian_at(z, 0.3)
    assert np.allclose(marker.get_xdata(), 0.3)
    assert np.allclose(marker.get_ydata(), [np.linalg.eigvalsh(exact).max(), np.trace(exact)], rtol=1e-9)


def test_temperature_state_alt_in_full():
    assert figures.temperature_state_alt([2.0, 1.5, 0.0, -1.0], 0.5, TEMPERATURES) == (
        "Heatmap of the 4 by 4 softmax Jacobian at temperature T = 0.5 for logits (2, 1.5, 0, -1) and softmax "
        "(0.72, 0.265, 0.0132, 0.00178): largest entry 0.403 (on the diagonal), every row sums to 0; eigenvalues "
        "0.778, 0.0395, 0.00468 and 0, trace 0.822; beside it, the largest eigenvalue and the trace of J against T "
        "from 0.1 to 10, under the bound 1/(2T), marked at T = 0.5"
    )


def test_temperature_state_snapshot():
    fig = figures.temperature_state([2.0, 1.5, 0.0, -1.0], 0.3, TEMPERATURES)
    assert_snapshot("figures/jacobian/temperature_state_t_0.3", _seen(fig))


def test_show_varying_says_what_it_shows():
    fig, _ = figures.new_figure()
    output = figures.show_varying(fig, alt="Empty axes")
    assert repr(output) == "[figure] Empty axes"
    assert output.alt == "Empty axes"
    bundle = output._repr_mimebundle_()
    assert bundle["text/plain"] == "[figure] Empty axes"
    assert output.png_bytes.startswith(b"\x89PNG") and base64.b64decode(bundle["image/png"]) == output.png_bytes
    with pytest.raises(ValueError) as refused:
        figures.PngOutput(fig, alt="")
    assert str(refused.value) == "alt text is required: describe what the figure shows"


def _with_jacobian(monkeypatch, jac):
    """Make helpers.numerics return this Jacobian (and a uniform softmax), as a broken or borderline one would."""
    import helpers.numerics

    jac = np.array(jac)
    monkeypatch.setattr(helpers.numerics, "softmax_jacobian", lambda z: jac.copy())
    monkeypatch.setattr(helpers.numerics, "softmax", lambda z: np.full(len(z), 1 / len(z)))


@pytest.mark.parametrize("error, verdict", [(0.0, "every row sums to 0"), (1e-13, "every row sums to 0"),
                                            (1e-11, "rows do NOT sum to 0"), (1e-9, "rows do NOT sum to 0")])
def test_heatmap_alt_text_says_whether_the_rows_really_sum_to_0(monkeypatch, error, verdict):
    # Row 1 is off by +error and row 2 by -error: the whole matrix still sums to 0, its rows do not.
    _with_jacobian(monkeypatch, [[0.25 + error, -0.25], [-0.25, 0.25 - error]])
    assert figures.jacobian_state_alt([0.0, 0.0]) == (
        "Heatmap of the 2 by 2 softmax Jacobian for logits (0, 0) and softmax (0.5, 0.5): largest entry 0.25 (on "
        f"the diagonal), {verdict}; eigenvalues 0.5 and 0, trace 0.5"
    )


def test_heatmap_text_turns_white_only_above_three_fifths_of_the_colour_limit(monkeypatch):
    threshold = 0.6 * 0.25
    _with_jacobian(monkeypatch, [[threshold, -threshold], [-np.nextafter(threshold, 1), np.nextafter(threshold, 1)]])
    texts = figures.jacobian_state([0.0, 0.0]).axes[0].texts
    assert [to_hex(text.get_color()) for text in texts] == ["#000000", "#000000", "#ffffff", "#ffffff"]
