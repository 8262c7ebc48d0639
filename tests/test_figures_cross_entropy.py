"""Tests of chapter 4's figures: each one draws the numbers its alt text states, computed independently here."""

import re

import numpy as np
import pytest
import scipy.special

from helpers import figures

Z = [2.0, 1.0, -1.0]
LABELS = ["cat", "dog", "fox"]


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
