"""Figures of chapter 5 (softmax regression on the 8 x 8 digits), each with alt text computed from its data."""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from helpers.figures._core import _DPI, _STYLE, PALETTE, new_figure

__all__ = [
    "class_weights",
    "class_weights_alt",
    "confusion_matrix",
    "confusion_matrix_alt",
    "digit_gallery",
    "digit_gallery_alt",
    "distance_to_optimum",
    "distance_to_optimum_alt",
    "training_curves",
    "training_curves_alt",
]

# Diverging and colour-blind safe (ColorBrewer): orange for positive weights, purple for negative.
_DIVERGING = "PuOr_r"


def _grid(nrows, ncols, width, height):
    """A white figure with an ``nrows`` x ``ncols`` grid of axes, in the house style."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def _image_axes(ax):
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _images(values, side):
    """``values`` of shape (n, side * side) as n images of side x side, with a clear error otherwise."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != side * side:
        raise ValueError(f"expected one row of {side * side} pixels per image, got shape {arr.shape}")
    return arr.reshape(-1, side, side)


def digit_gallery(images, labels, side=8):
    """One row of digit images, each titled with its label.

    ``images`` has one flattened ``side`` x ``side`` image per row, ink from 0 (white) up.

    >>> fig = digit_gallery(np.eye(64)[:3], [0, 1, 2])
    >>> [ax.get_title() for ax in fig.axes]
    ['0', '1', '2']
    """
    pictures = _images(images, side)
    if len(labels) != len(pictures):
        raise ValueError(f"got {len(labels)} labels for {len(pictures)} images")
    fig, axes = _grid(1, len(pictures), 6.4, 1.1)
    for ax, picture, label in zip(axes[0], pictures, labels):
        ax.imshow(picture, cmap="gray_r", vmin=0, interpolation="nearest")
        ax.set_title(str(label), fontsize=10)
        _image_axes(ax)
    return fig


def digit_gallery_alt(labels, side=8):
    """Alt text for :func:`digit_gallery`.

    >>> digit_gallery_alt([0, 1, 2])
    'Three handwritten digits as 8 x 8 pixel images, labelled 0, 1, 2'
    """
    shown = ", ".join(map(str, labels))
    if len(labels) == 1:
        return f"One handwritten digit in {side} x {side} pixels, labelled {shown}"
    count = {2: "Two", 3: "Three", 4: "Four", 5: "Five"}.get(len(labels), str(len(labels)))
    return f"{count} handwritten digits as {side} x {side} pixel images, labelled {shown}"


def training_curves(steps, losses, train_accuracy, test_accuracy):
    """Two panels against the gradient-descent step: the training loss, and train and test accuracy.

    The loss is drawn on a logarithmic axis, so that its slow late decrease, a small change in absolute
    terms, stays visible next to the fast first steps.

    >>> fig = training_curves([0, 1, 2], [2.3, 1.0, 0.5], [0.1, 0.8, 0.9], [0.1, 0.7, 0.85])
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['training loss (nats, log scale)', 'accuracy']
    """
    steps = np.asarray(steps)
    fig, (left, right) = new_figure(2, height=3.0)
    left.plot(steps, losses, color=PALETTE[0])
    left.set_yscale("log")
    left.set_xlabel("gradient-descent step")
    left.set_ylabel("training loss (nats, log scale)")
    right.plot(steps, train_accuracy, color=PALETTE[0], label="training set")
    right.plot(steps, test_accuracy, color=PALETTE[3], linestyle="--", label="test set")
    right.set_ylim(0, 1.02)
    right.set_xlabel("gradient-descent step")
    right.set_ylabel("accuracy")
    right.legend(loc="lower right")
    return fig


def training_curves_alt(steps, losses, train_accuracy, test_accuracy):
    """Alt text for :func:`training_curves`, read off the same numbers.

    >>> print(training_curves_alt([0, 10], [2.3026, 0.5], [0.1, 0.9], [0.09, 0.85]))  # doctest: +NORMALIZE_WHITESPACE
    Training loss (log scale) falling from 2.303 at step 0 to 0.5 at step 10; accuracy rising to 90.0% on the
    training set and 85.0% on the test set
    """
    return (
        f"Training loss (log scale) falling from {losses[0]:.4g} at step {steps[0]} to {losses[-1]:.4g} "
        f"at step {steps[-1]}; "
        f"accuracy rising to {train_accuracy[-1]:.1%} on the training set "
        f"and {test_accuracy[-1]:.1%} on the test set"
    )



def distance_to_optimum(steps, gaps):
    """The training loss's distance to its minimum, ``L_t - L*``, against the step, on a logarithmic axis.

    On that axis a method that shrinks the distance by the same factor at every step draws a straight line,
    and a slow one a shallow line.

    >>> fig = distance_to_optimum([0, 10, 20], [2.0, 0.1, 0.01])
    >>> fig.axes[0].get_yscale(), fig.axes[0].get_ylabel()
    ('log', 'distance to the minimum (nats)')
    """
    steps, gaps = np.asarray(steps), np.asarray(gaps, dtype=float)
    if steps.shape != gaps.shape or gaps.ndim != 1:
        raise ValueError(f"expected one distance per step, got shapes {steps.shape} and {gaps.shape}")
    if not np.all(gaps > 0):
        raise ValueError("every distance must be positive to be drawn on a logarithmic axis")
    fig, (ax,) = new_figure(1, height=3.0)
    ax.plot(steps, gaps, color=PALETTE[0])
    ax.set_yscale("log")
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("distance to the minimum (nats)")
    return fig


def distance_to_optimum_alt(steps, gaps):
    """Alt text for :func:`distance_to_optimum`, read off the same numbers.

    >>> distance_to_optimum_alt([0, 10, 20], [2.0, 0.1, 0.01])
    'Distance of the training loss to its minimum on a log scale: 2 at step 0, 0.01 at step 20'
    """
    return (
        f"Distance of the training loss to its minimum on a log scale: {gaps[0]:.2g} at step {steps[0]}, "
        f"{gaps[-1]:.2g} at step {steps[-1]}"
    )

def _mosaic(pictures, ncols, gap):
    """Tile ``pictures`` (n, side, side) into one array, ``ncols`` per row, separated by ``gap`` NaN pixels."""
    n, side, _ = pictures.shape
    nrows = -(-n // ncols)
    cell = side + gap
    mosaic = np.full((nrows * cell - gap, ncols * cell - gap), np.nan)
    for index, picture in enumerate(pictures):
        row, col = divmod(index, ncols)
        mosaic[row * cell: row * cell + side, col * cell: col * cell + side] = picture
    return mosaic


def class_weights(weights, side=8, limit=None, title=None):
    """The weights of each class as a ``side`` x ``side`` image: shape ``(side * side, k)``, one column per class.

    Orange pixels push the class's score up, purple ones down.  ``limit`` fixes the colour scale at
    ``[-limit, limit]`` (so the states of a slider are comparable); by default it is the largest
    absolute weight.  All images are drawn as one tiled picture, which keeps a slider fast to render.

    >>> fig = class_weights(np.zeros((64, 10)), limit=1.0)
    >>> [text.get_text() for text in fig.axes[0].texts][:3]
    ['0', '1', '2']
    """
    columns = np.asarray(weights, dtype=float)
    pictures = _images(columns.T, side)
    k = len(pictures)
    limit = float(np.abs(columns).max()) if limit is None else float(limit)
    limit = limit if limit > 0 else 1.0
    ncols = min(k, 5)
    nrows = -(-k // ncols)
    gap = 3  # blank pixels between images, room for the class labels
    fig, (ax,) = new_figure(1, width=6.4, height=1.2 * nrows + 0.5)
    cmap = matplotlib.colormaps[_DIVERGING].with_extremes(bad="white")
    mosaic = _mosaic(pictures, ncols, gap)
    image = ax.imshow(mosaic, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
    for c in range(k):
        row, col = divmod(c, ncols)
        x, y = col * (side + gap) + (side - 1) / 2, row * (side + gap) - 0.7
        ax.text(x, y, str(c), ha="center", va="bottom", fontsize=10)
    _image_axes(ax)
    ax.set_ylim(mosaic.shape[0] - 0.5, -gap - 0.5)
    fig.colorbar(image, ax=ax, shrink=0.8, label="weight")
    if title:
        ax.set_title(title, fontsize=11)
    return fig


def class_weights_alt(weights, side=8, step=None):
    """Alt text for :func:`class_weights`, with the range of the weights.

    >>> class_weights_alt(np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 0.0], [0.0, 0.0]]), side=2, step=3)
    'The weights of each of the 2 classes as 2 x 2 images after 3 steps: from -2 (purple) to 1 (orange)'
    """
    columns = np.asarray(weights, dtype=float)
    when = "" if step is None else f" after {step} steps"
    return (
        f"The weights of each of the {columns.shape[1]} classes as {side} x {side} images{when}: "
        f"from {columns.min():.3g} (purple) to {columns.max():.3g} (orange)"
    )


def confusion_matrix(counts, labels=None):
    """A confusion matrix: ``counts[i, j]`` test examples of true class ``i`` predicted as class ``j``.

    >>> fig = confusion_matrix([[5, 1], [0, 4]])
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('predicted class', 'true class')
    """
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"a confusion matrix is square, got shape {counts.shape}")
    k = counts.shape[0]
    labels = [str(c) for c in range(k)] if labels is None else [str(c) for c in labels]
    fig, (ax,) = new_figure(1, width=4.6, height=4.0)
    ax.imshow(counts, cmap="Blues", interpolation="nearest")
    ax.grid(False)
    dark = counts.max() / 2
    for (i, j), value in np.ndenumerate(counts):
        if value:
            ax.text(j, i, str(value), ha="center", va="center", fontsize=8,
                    color="white" if value > dark else "black")
    ax.set_xticks(range(k), labels)
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    return fig


def confusion_matrix_alt(counts, labels=None):
    """Alt text for :func:`confusion_matrix`: how many are right, and the most frequent confusion.

    >>> print(confusion_matrix_alt([[5, 1], [0, 4]]))  # doctest: +NORMALIZE_WHITESPACE
    Confusion matrix of 10 examples: 9 on the diagonal (correct); the most frequent error is a true 0
    predicted as 1 (1 time)
    """
    counts = np.asarray(counts)
    labels = [str(c) for c in range(counts.shape[0])] if labels is None else [str(c) for c in labels]
    errors = counts * (1 - np.eye(counts.shape[0], dtype=counts.dtype))
    text = f"Confusion matrix of {counts.sum()} examples: {np.trace(counts)} on the diagonal (correct)"
    if errors.any():
        i, j = np.unravel_index(np.argmax(errors), errors.shape)
        times = "time" if errors[i, j] == 1 else "times"
        text += (
            f"; the most frequent error is a true {labels[i]} predicted as {labels[j]} ({errors[i, j]} {times})"
        )
    return text
