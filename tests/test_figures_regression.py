"""Tests for helpers.figures.regression: each figure draws exactly the numbers it is given; its alt text says them."""

import matplotlib
import numpy as np
import pytest
import snapshots

from helpers.figures import regression
from helpers.figures._core import PALETTE

RNG = np.random.default_rng(0)


def test_digit_gallery_draws_each_image_with_its_label():
    images = RNG.integers(0, 17, size=(4, 64)) / 16
    fig = regression.digit_gallery(images, [3, 1, 4, 1])
    assert [ax.get_title() for ax in fig.axes] == ["3", "1", "4", "1"]
    for ax, row in zip(fig.axes, images):
        np.testing.assert_array_equal(ax.images[0].get_array(), row.reshape(8, 8))
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_digit_gallery_rejects_mismatched_input_with_a_clear_message():
    with pytest.raises(ValueError, match="2 labels for 3 images"):
        regression.digit_gallery(np.zeros((3, 64)), [0, 1])
    with pytest.raises(ValueError, match="64 pixels"):
        regression.digit_gallery(np.zeros((3, 63)), [0, 1, 2])


def test_digit_gallery_alt_names_every_label():
    assert regression.digit_gallery_alt([7, 0]) == "Two handwritten digits as 8 x 8 pixel images, labelled 7, 0"
    assert regression.digit_gallery_alt(list(range(10))).startswith("10 handwritten digits")


def test_training_curves_plot_the_given_numbers():
    steps = np.arange(0, 50, 10)
    losses = np.array([2.3, 1.0, 0.6, 0.5, 0.45])
    train, test = np.linspace(0.1, 0.9, 5), np.linspace(0.1, 0.8, 5)
    fig = regression.training_curves(steps, losses, train, test)
    left, right = fig.axes
    (loss_line,) = left.get_lines()
    np.testing.assert_array_equal(loss_line.get_xdata(), steps)
    np.testing.assert_array_equal(loss_line.get_ydata(), losses)
    assert [line.get_label() for line in right.get_lines()] == ["training set", "test set"]
    np.testing.assert_array_equal(right.get_lines()[1].get_ydata(), test)
    assert right.get_lines()[0].get_color() == PALETTE[0]
    assert left.get_xlabel() == right.get_xlabel() == "gradient-descent step"
    assert left.get_yscale() == "log" and right.get_yscale() == "linear"  # the loss's slow tail stays visible


def test_training_curves_alt_reads_the_first_and_last_values():
    alt = regression.training_curves_alt([0, 500], [2.302585, 0.31], [0.1, 0.975], [0.1, 0.9644])
    assert "from 2.303 at step 0 to 0.31 at step 500" in alt
    assert "97.5% on the training set" in alt and "96.4% on the test set" in alt



def test_distance_to_optimum_draws_the_distances_on_a_log_axis():
    steps, gaps = np.arange(0, 50, 10), np.array([2.0, 0.3, 0.05, 0.02, 0.01])
    (ax,) = regression.distance_to_optimum(steps, gaps).axes
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), steps)
    np.testing.assert_array_equal(line.get_ydata(), gaps)
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "gradient-descent step"


def test_distance_to_optimum_alt_reads_the_first_and_last_distances():
    alt = regression.distance_to_optimum_alt([0, 1000], [2.0447, 0.00023466])
    assert alt.endswith("2 at step 0, 0.00023 at step 1000")

def _block(mosaic, c, side=8, gap=3, ncols=5):
    row, col = divmod(c, ncols)
    return mosaic[row * (side + gap): row * (side + gap) + side, col * (side + gap): col * (side + gap) + side]


def test_class_weights_draws_each_column_as_its_image_on_a_symmetric_scale():
    W = RNG.normal(size=(64, 10))
    fig = regression.class_weights(W, limit=5.0)
    ax = fig.axes[0]
    mosaic = np.ma.filled(ax.images[0].get_array().astype(float), np.nan)
    for c in range(10):
        np.testing.assert_array_equal(_block(mosaic, c), W[:, c].reshape(8, 8))
    # Every pixel that is not a weight is a blank separator.
    assert np.isnan(mosaic).sum() == mosaic.size - W.size
    assert ax.images[0].get_clim() == (-5.0, 5.0)
    assert [t.get_text() for t in ax.texts] == [str(c) for c in range(10)]


def test_class_weights_default_scale_is_the_largest_absolute_weight():
    W = np.zeros((64, 3))
    W[5, 2] = -4.0
    W[7, 0] = 1.5
    clim = regression.class_weights(W).axes[0].images[0].get_clim()
    assert clim == (-4.0, 4.0)
    # All-zero weights (the start of training) still give a usable scale.
    assert regression.class_weights(np.zeros((64, 2))).axes[0].images[0].get_clim() == (-1.0, 1.0)


def test_class_weights_alt_gives_the_range_of_the_weights():
    W = np.zeros((64, 10))
    W[0, 0], W[1, 1] = -2.5, 1.25
    alt = regression.class_weights_alt(W, step=30)
    assert alt == ("The weights of each of the 10 classes as 8 x 8 images after 30 steps: "
                   "from -2.5 (purple) to 1.25 (orange)")


def test_confusion_matrix_writes_every_nonzero_count_in_its_cell():
    counts = np.array([[5, 0, 1], [0, 4, 0], [2, 0, 3]])
    fig = regression.confusion_matrix(counts)
    ax = fig.axes[0]
    written = {(round(t.get_position()[1]), round(t.get_position()[0])): int(t.get_text()) for t in ax.texts}
    assert written == {(i, j): int(v) for (i, j), v in np.ndenumerate(counts) if v}
    np.testing.assert_array_equal(ax.images[0].get_array(), counts)
    with pytest.raises(ValueError, match="square"):
        regression.confusion_matrix(np.zeros((2, 3), dtype=int))


def test_confusion_matrix_alt_counts_the_diagonal_and_finds_the_worst_confusion():
    counts = RNG.integers(0, 4, size=(6, 6)) + np.diag(RNG.integers(20, 30, size=6))
    counts[4, 1] = 7  # the one most frequent confusion
    alt = regression.confusion_matrix_alt(counts)
    correct = sum(counts[i, i] for i in range(6))
    worst = max(((counts[i, j], i, j) for i in range(6) for j in range(6) if i != j))
    assert f"of {counts.sum()} examples: {correct} on the diagonal" in alt
    assert f"a true {worst[1]} predicted as {worst[2]} ({worst[0]} time" in alt


def test_confusion_matrix_alt_of_a_perfect_classifier_names_no_error():
    assert regression.confusion_matrix_alt(np.diag([3, 4])) == (
        "Confusion matrix of 7 examples: 7 on the diagonal (correct)"
    )


# --------------------------------------------------------------------------- reviewed snapshots of every picture


def _extras(fig):
    """What describe_figure leaves out and a reader still sees: title sizes, the colour of missing pixels, where
    each axes sits (the colour bar's length), the image's value range."""
    fig.draw_without_rendering()
    out = []
    for number, ax in enumerate(fig.axes):
        box = ax.get_position()
        out.append(f"axes {number} title size {snapshots._num(ax.title.get_fontsize())} "
                   f"position {box.x0:.3f} {box.y0:.3f} {box.width:.3f} {box.height:.3f}")
        for image in ax.get_images():
            cmap = image.get_cmap()
            data = np.ma.filled(np.asarray(image.get_array(), dtype=float), np.nan)
            out.append(f"  image cmap {cmap.name} bad {snapshots._colour(cmap.get_bad())} "
                       f"vmin {image.norm.vmin} vmax {image.norm.vmax} "
                       f"nan pixels {int(np.isnan(data).sum())} of {data.size}")
    return "\n".join(out) + "\n"


def _snapshot(name, fig):
    snapshots.assert_snapshot(f"figures/regression/{name}", snapshots.describe_figure(fig) + _extras(fig))


def _digits(n, side=8):
    """n distinct images with ink from 0 to 16, like scikit-learn's digits, and a gradient so no two are alike."""
    pixels = np.arange(side * side)
    return np.array([(pixels * (i + 3)) % 17 for i in range(n)], dtype=float)


def _weights(k):
    pixels = np.arange(64)[:, None]
    return np.sin(0.3 * pixels + np.arange(k)) * (1 + np.arange(k)) / 4


FIGURES = {
    "digit_gallery": lambda: regression.digit_gallery(_digits(10), np.arange(10)),
    # no blank pixel: the grey scale still starts at 0 (white), not at the faintest ink
    "digit_gallery_side4": lambda: regression.digit_gallery(_digits(2, side=4) + 2, ["a", "b"], side=4),
    "training_curves": lambda: regression.training_curves(
        np.arange(0, 301, 50), [2.302585, 0.9, 0.6, 0.45, 0.38, 0.34, 0.31],
        [0.1, 0.8, 0.88, 0.92, 0.94, 0.95, 0.96], [0.09, 0.78, 0.85, 0.9, 0.92, 0.93, 0.94]),
    "distance_to_optimum": lambda: regression.distance_to_optimum(
        np.arange(0, 301, 50), [2.0, 0.05, 0.01, 0.004, 0.002, 0.0012, 0.0008]),
    "class_weights_ten": lambda: regression.class_weights(_weights(10), limit=3.0,
                                                          title="weights after 30 gradient-descent steps"),
    "class_weights_default_limit": lambda: regression.class_weights(_weights(3)),
    # seven classes: a full row of five and a second row of two, the figure as tall as two rows
    "class_weights_seven": lambda: regression.class_weights(_weights(7), limit=2.0),
    "class_weights_zero": lambda: regression.class_weights(np.zeros((64, 2))),
    "class_weights_side2": lambda: regression.class_weights(np.arange(12.0).reshape(4, 3) - 5, side=2),
    "confusion_matrix": lambda: regression.confusion_matrix(np.array([[9, 0, 1], [2, 6, 0], [0, 3, 4]])),
    "confusion_matrix_labels": lambda: regression.confusion_matrix([[4, 5], [0, 9]], labels=["cat", "dog"]),
    # 4 is exactly half the largest count: still dark text
    "confusion_matrix_half": lambda: regression.confusion_matrix(np.array([[8, 4], [0, 2]])),
}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", FIGURES)
def test_figure_matches_its_reviewed_snapshot(name):
    _snapshot(name, FIGURES[name]())


ALT_TEXTS = {
    "digit_gallery_alt([4])": lambda: regression.digit_gallery_alt([4]),
    "digit_gallery_alt([4, 2])": lambda: regression.digit_gallery_alt([4, 2]),
    "digit_gallery_alt([4, 2, 0])": lambda: regression.digit_gallery_alt([4, 2, 0]),
    "digit_gallery_alt([4, 2, 0, 7])": lambda: regression.digit_gallery_alt([4, 2, 0, 7]),
    "digit_gallery_alt([4, 2, 0, 7, 9])": lambda: regression.digit_gallery_alt([4, 2, 0, 7, 9]),
    "digit_gallery_alt([4, 2, 0, 7, 9, 1])": lambda: regression.digit_gallery_alt([4, 2, 0, 7, 9, 1]),
    "digit_gallery_alt(np.arange(10))": lambda: regression.digit_gallery_alt(np.arange(10)),
    "digit_gallery_alt(['a', 'b'], side=4)": lambda: regression.digit_gallery_alt(["a", "b"], side=4),
    "training_curves_alt": lambda: regression.training_curves_alt(
        np.arange(0, 301, 50), [2.302585, 0.9, 0.6, 0.45, 0.38, 0.34, 0.31],
        [0.1, 0.8, 0.88, 0.92, 0.94, 0.95, 0.96], [0.09, 0.78, 0.85, 0.9, 0.92, 0.93, 0.94]),
    "distance_to_optimum_alt": lambda: regression.distance_to_optimum_alt(
        np.arange(0, 301, 50), [2.0, 0.05, 0.01, 0.004, 0.002, 0.0012, 0.0008]),
    "class_weights_alt(ten)": lambda: regression.class_weights_alt(_weights(10)),
    "class_weights_alt(ten, step=30)": lambda: regression.class_weights_alt(_weights(10), step=30),
    "class_weights_alt(side2, step=0)": lambda: regression.class_weights_alt(np.arange(12.0).reshape(4, 3) - 5,
                                                                             side=2, step=0),
    "confusion_matrix_alt(3 x 3)": lambda: regression.confusion_matrix_alt(np.array([[9, 0, 1], [2, 6, 0],
                                                                                     [0, 3, 4]])),
    "confusion_matrix_alt(labels, once)": lambda: regression.confusion_matrix_alt([[4, 1], [0, 9]],
                                                                                  labels=["cat", "dog"]),
    "confusion_matrix_alt(labels, five times)": lambda: regression.confusion_matrix_alt([[4, 5], [0, 9]],
                                                                                        labels=["cat", "dog"]),
    "confusion_matrix_alt(below the diagonal)": lambda: regression.confusion_matrix_alt([[4, 0], [2, 9]]),
    "confusion_matrix_alt(perfect)": lambda: regression.confusion_matrix_alt(np.diag([3, 4, 5])),
}


@pytest.mark.filterwarnings("error")
def test_alt_texts_match_their_reviewed_snapshot():
    text = "\n\n".join(f"{name}\n{make()}" for name, make in ALT_TEXTS.items())
    snapshots.assert_snapshot("figures/regression/alt_texts", text)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: regression.digit_gallery(np.zeros((3, 64)), [0, 1]), "got 2 labels for 3 images"),
    (lambda: regression.digit_gallery(np.zeros((3, 63)), [0, 1, 2]),
     "expected one row of 64 pixels per image, got shape (3, 63)"),
    (lambda: regression.digit_gallery(np.zeros(64), [0]), "expected one row of 64 pixels per image, got shape (64,)"),
    (lambda: regression.class_weights(np.zeros((63, 2))),
     "expected one row of 64 pixels per image, got shape (2, 63)"),
    (lambda: regression.distance_to_optimum([0, 1], [1.0]), "expected one distance per step, got shapes (2,) and (1,)"),
    (lambda: regression.distance_to_optimum([0, 1], [1.0, 0.0]),
     "every distance must be positive to be drawn on a logarithmic axis"),
    (lambda: regression.confusion_matrix(np.zeros((2, 3), dtype=int)),
     "a confusion matrix is square, got shape (2, 3)"),
    (lambda: regression.confusion_matrix(np.zeros(4, dtype=int)), "a confusion matrix is square, got shape (4,)"),
])
def test_errors_say_the_whole_problem(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert str(error.value) == message


def test_explicit_sizes_hold_whatever_the_readers_matplotlib_defaults():
    with matplotlib.rc_context({"font.size": 14, "figure.dpi": 50, "figure.figsize": (9.0, 7.0)}):
        gallery = regression.digit_gallery(_digits(3), [0, 1, 2])
        weights = regression.class_weights(_weights(3), title="weights")
        confusion = regression.confusion_matrix([[4, 5], [0, 9]])
        curves = regression.training_curves([0, 1], [2.3, 0.5], [0.1, 0.9], [0.1, 0.8])
    assert [(fig.dpi, tuple(fig.get_size_inches())) for fig in (gallery, weights, confusion, curves)] == [
        (100, (6.4, 1.1)), (100, (6.4, 1.7)), (100, (4.6, 4.0)), (100, (6.4, 3.0))]
    assert [ax.title.get_fontsize() for ax in gallery.axes] == [10.0] * 3
    assert weights.axes[0].title.get_fontsize() == 11.0
    assert {t.get_fontsize() for t in weights.axes[0].texts} == {10.0}
    assert {t.get_fontsize() for t in confusion.axes[0].texts} == {8.0}
