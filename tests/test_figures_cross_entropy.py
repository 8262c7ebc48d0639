"""Tests of chapter 4's figures: each one draws the numbers its alt text states, computed independently here."""

import re

import numpy as np
import pytest
import scipy.special
from matplotlib.colors import to_hex
from snapshots import assert_snapshot, describe_figure

from helpers import figures

Z = [2.0, 1.0, -1.0]
LABELS = ["cat", "dog", "fox"]


def _seen(fig):
    """describe_figure, plus what it leaves out and a reader still sees here: title sizes, the arrows and anchors
    of annotations, marker edge widths and the contour levels."""
    from matplotlib.text import Annotation

    out = [describe_figure(fig).rstrip("\n")]
    for number, ax in enumerate(fig.axes):
        out.append(f"axes {number}: title size {ax.title.get_fontsize():g}")
        for t in ax.texts:
            if isinstance(t, Annotation):
                (x, y), (tx, ty) = t.xy, t.xyann
                out.append(f"  annotation {t.get_text()!r} xy ({x:g}, {y:g}) text at ({tx:g}, {ty:g}) ({t.anncoords}) "
                           f"arrow {t.arrowprops}")
        for line in ax.lines:
            out.append(f"  line {line.get_label()!r} marker edge width {line.get_markeredgewidth():g}")
        for contours in ax.collections:
            out.append(f"  contours levels {list(map(float, contours.levels))} extend {contours.extend}")
    return "\n".join(out)


def _numbers(text):
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text)]


@pytest.mark.parametrize("true_class", [0, 1, 2])
def test_loss_and_gradient_draws_the_scipy_loss_curve_and_gradient_bars(true_class):
    fig = figures.loss_and_gradient(Z, true_class, 1, LABELS)
    left, right = fig.axes
    curve = left.lines[0]
    grid, loss = curve.get_xdata(), curve.get_ydata()
    rows = np.tile(Z, (len(grid), 1))
    rows[:, 1] = grid
    assert np.allclose(loss, -scipy.special.log_softmax(rows, axis=1)[:, true_class])
    (dot_x,), (dot_y,) = left.lines[1].get_data()
    assert dot_x == Z[1] and np.isclose(dot_y, -scipy.special.log_softmax(Z)[true_class])
    expected = scipy.special.softmax(Z) - np.eye(3)[true_class]
    assert np.allclose([bar.get_height() for bar in right.patches], expected)
    assert left.get_xlabel() and left.get_ylabel() and right.get_ylabel()


def test_loss_and_gradient_alt_states_the_drawn_numbers():
    alt = figures.loss_and_gradient_alt(Z, 2, 1, LABELS)
    gradient = scipy.special.softmax(Z) - np.eye(3)[2]
    loss = -scipy.special.log_softmax(Z)[2]
    assert "true class fox" in alt and "logit of dog" in alt
    assert np.allclose(_numbers(alt.split("gradient")[1]), gradient, atol=5e-4)
    assert f"{loss:.3f}" in alt


@pytest.mark.parametrize("smoothing", [0.05, 0.2, 1.0])
def test_best_gap_minimises_the_smoothed_two_class_loss(smoothing):
    target = np.array([1 - smoothing / 2, smoothing / 2])
    gaps = np.linspace(-20, 20, 400001)
    losses = -(scipy.special.log_softmax(np.stack([gaps, np.zeros_like(gaps)], 1), axis=1) * target).sum(1)
    assert abs(gaps[np.argmin(losses)] - figures.best_gap(smoothing)) < 1e-3


def test_without_smoothing_there_is_no_minimum():
    assert figures.best_gap(0.0) == np.inf
    assert "no minimum" in figures.two_logit_surface_alt(0.0)
    fig = figures.two_logit_surface(0.0)
    left, right = fig.axes
    # Only the curve on the right, no marked minimum; only the arrow on the left, no line of minima.
    assert len(right.lines) == 1 and len(left.lines) == 0


def test_two_logit_surface_marks_the_line_of_minima():
    fig = figures.two_logit_surface(0.2)
    left, right = fig.axes
    x, y = left.lines[0].get_data()
    assert np.allclose(x - y, figures.best_gap(0.2))
    (gap,), _ = right.lines[1].get_data()
    assert np.isclose(gap, figures.best_gap(0.2))
    assert f"{figures.best_gap(0.2):.3f}" in figures.two_logit_surface_alt(0.2)


def test_loss_against_gap_ends_an_infinite_curve_where_it_breaks():
    gaps = np.arange(0.0, 10.0)
    curves = {"fine": gaps, "broken": np.where(gaps < 6, gaps, np.inf)}
    fig = figures.loss_against_gap(gaps, curves, dtype_name="float64")
    (ax,) = fig.axes
    broken = [line for line in ax.lines if line.get_label() == "broken"][0]
    assert broken.get_xdata().max() == 5
    alt = figures.loss_against_gap_alt(gaps, curves, dtype_name="float64")
    assert "fine reaches 9" in alt and "broken becomes inf from gap 6" in alt


# Reviewed snapshots: everything a reader sees (labels, colours, limits, marker sizes, titles), at the chapter's
# states: the slider's first picture (true class cat, z_dog = 1), another true class with the dog logit moved, and
# a gradient bar that is negative for a class other than the moving one.
@pytest.mark.parametrize("name, z, true_class, moving", [
    ("cat_dog_at_1", Z, 0, 1),
    ("dog_dog_at_4", [2.0, 4.0, -1.0], 1, 1),
    ("fox_cat_moves", [0.5, 1.0, -1.0], 2, 0),
])
def test_loss_and_gradient_snapshot(name, z, true_class, moving):
    assert_snapshot(f"figures/cross_entropy/loss_and_gradient_{name}",
                    _seen(figures.loss_and_gradient(z, true_class, moving, LABELS)))


def test_loss_and_gradient_span_sets_the_curve_and_the_alt_text():
    fig = figures.loss_and_gradient(Z, 0, 1, LABELS, span=(-1.0, 3.0))
    grid = fig.axes[0].lines[0].get_xdata()
    assert len(grid) == 201 and grid[0] == -1.0 and grid[-1] == 3.0
    assert figures.loss_and_gradient_alt(Z, 0, 1, LABELS, span=(-1.0, 3.0)) == (
        "Loss for true class cat as the logit of dog moves from -1 to 3: 0.349 at z_dog = 1; "
        "gradient s - y: cat -0.295, dog 0.259, fox 0.035"
    )


@pytest.mark.parametrize("z, true_class, moving, expected", [
    (Z, 0, 1, "Loss for true class cat as the logit of dog moves from -4 to 6: 0.349 at z_dog = 1; "
              "gradient s - y: cat -0.295, dog 0.259, fox 0.035"),
    ([2.0, 4.0, -1.0], 1, 1, "Loss for true class dog as the logit of dog moves from -4 to 6: 0.133 at z_dog = 4; "
                             "gradient s - y: cat 0.118, dog -0.124, fox 0.006"),
    ([0.5, 1.0, -1.0], 2, 0, "Loss for true class fox as the logit of cat moves from -4 to 6: 2.555 at z_cat = 0.5; "
                             "gradient s - y: cat 0.348, dog 0.574, fox -0.922"),
])
def test_loss_and_gradient_alt_in_full(z, true_class, moving, expected):
    assert figures.loss_and_gradient_alt(z, true_class, moving, LABELS) == expected


@pytest.mark.parametrize("smoothing", [0.0, 0.2, 1.0])
def test_two_logit_surface_snapshot(smoothing):
    assert_snapshot(f"figures/cross_entropy/two_logit_surface_{smoothing:g}",
                    _seen(figures.two_logit_surface(smoothing)))


def test_two_logit_surface_span_sets_the_plane_and_the_gap_axis():
    fig = figures.two_logit_surface(0.2, span=3.0)
    left, right = fig.axes
    x, _ = left.lines[0].get_data()
    assert len(x) == 121 and (x[0], x[-1]) == (-3.0, 3.0)
    assert left.get_ylim() == (-3.0, 3.0)
    gaps = right.lines[0].get_xdata()
    assert len(gaps) == 241 and (gaps[0], gaps[-1]) == (-6.0, 6.0)


@pytest.mark.parametrize("smoothing, expected", [
    (0.0, "Loss of two logits for class 1 with label smoothing 0: constant along the diagonal (1, 1), it falls "
          "towards 0 as z1 - z2 grows and has no minimum"),
    (0.2, "Loss of two logits for class 1 with label smoothing 0.2: constant along the diagonal (1, 1), smallest "
          "(0.325) on the line z1 - z2 = 2.197"),
    (1.0, "Loss of two logits for class 1 with label smoothing 1: constant along the diagonal (1, 1), smallest "
          "(0.693) on the line z1 - z2 = 0.000"),
])
def test_two_logit_surface_alt_in_full(smoothing, expected):
    assert figures.two_logit_surface_alt(smoothing) == expected


def _three_curves():
    """Chapter 4's three ways to compute the loss of the lower class in float32, on a coarser grid."""
    gaps = np.linspace(0, 150, 31).astype(np.float32)
    z = np.stack([np.zeros_like(gaps), -gaps], axis=-1)
    p_low = scipy.special.softmax(z, axis=-1)[:, 1]
    with np.errstate(divide="ignore"):
        curves = {"fused (log-softmax)": -scipy.special.log_softmax(z, axis=-1)[:, 1],
                  "naive -log(softmax)": -np.log(p_low),
                  "clipped at 1e-8": -np.log(np.clip(p_low, np.float32(1e-8), 1))}
    return gaps, curves


def test_loss_against_gap_snapshot():
    gaps, curves = _three_curves()
    assert_snapshot("figures/cross_entropy/loss_against_gap",
                    _seen(figures.loss_against_gap(gaps, curves, dtype_name="float32")))


def test_loss_against_gap_alt_in_full():
    gaps, curves = _three_curves()
    assert figures.loss_against_gap_alt(gaps, curves, dtype_name="float32") == (
        "Loss of the lower class against the logit gap from 0 to 150 in float32: fused (log-softmax) reaches 150; "
        "naive -log(softmax) becomes inf from gap 105; clipped at 1e-8 reaches 18.42"
    )


def test_loss_against_gap_cycles_three_line_styles():
    gaps = np.arange(3.0)
    curves = {f"c{k}": gaps + k for k in range(4)}
    (ax,) = figures.loss_against_gap(gaps, curves, dtype_name="float64").axes
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--", ":", "-"]
    assert [line.get_linewidth() for line in ax.lines] == [2.5, 2.0, 1.5, 1.0]


def test_integer_logits_draw_the_same_figure_and_alt_text_as_floats():
    # The dog logit sweeps a float grid: integer logits must not truncate it.
    assert describe_figure(figures.loss_and_gradient([2, 1, -1], 0, 1, LABELS)) == describe_figure(
        figures.loss_and_gradient(Z, 0, 1, LABELS))
    assert figures.loss_and_gradient_alt([2, 1, -1], 0, 1, LABELS) == figures.loss_and_gradient_alt(Z, 0, 1, LABELS)


def test_a_zero_gradient_is_drawn_in_the_colour_of_the_positive_ones():
    # The fox's probability underflows to 0, so its gradient is exactly 0; cat's is negative, dog's positive.
    fig = figures.loss_and_gradient([0.0, 0.0, -800.0], 0, 1, LABELS)
    heights = [bar.get_height() for bar in fig.axes[1].patches]
    assert heights == [-0.5, 0.5, 0.0]
    assert [to_hex(bar.get_facecolor()) for bar in fig.axes[1].patches] == ["#d55e00", "#0072b2", "#0072b2"]


def test_the_plane_stays_square_wherever_the_line_of_minima_lies():
    # Past smoothing 1 the target favours class 2 and the line of minima z1 - z2 = log(1/3) runs above the plane.
    left = figures.two_logit_surface(1.5).axes[0]
    assert left.get_ylim() == (-6.0, 6.0) and left.get_xlim() == (-6.0, 6.0)
