"""Figures of chapter 1: logits and their softmax as bar charts."""

from __future__ import annotations

import numpy as np

from helpers.figures._core import PALETTE, new_figure


def probability_bars(ax, probabilities, labels=None, color=PALETTE[0], ylabel="probability"):
    """Bar chart of ``probabilities`` on ``ax``, each bar labelled with its value."""
    labels = labels or [f"class {i + 1}" for i in range(len(probabilities))]
    bars = ax.bar(labels, probabilities, color=color)
    ax.bar_label(bars, fmt="%.3f", padding=2, fontsize=9)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel(ylabel)
    return bars


def scores_and_probabilities(z, labels, temperature=1.0):
    """Two panels: the logits ``z`` as bars, and ``softmax(z / temperature)`` as bars.

    >>> fig = scores_and_probabilities([2.0, 1.0, -1.0], ["cat", "dog", "fox"])
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['logit (score)', 'probability']
    """
    from helpers.numerics import softmax

    fig, (left, right) = new_figure(2)
    left.bar(labels, z, color=PALETTE[1])
    left.axhline(0, color="black", linewidth=0.8)
    left.set_ylabel("logit (score)")
    left.set_title("scores $z$")
    probability_bars(right, softmax(np.asarray(z, dtype=float) / temperature), labels)
    right.set_title("softmax$(z)$" if temperature == 1 else f"softmax$(z / T)$, $T = {temperature:g}$")
    return fig


def scores_and_probabilities_alt(z, labels, temperature=1.0):
    """Alt text for :func:`scores_and_probabilities`, computed from the same numbers.

    >>> scores_and_probabilities_alt([2.0, 1.0, -1.0], ["cat", "dog", "fox"])
    'Bar charts of the logits (cat 2, dog 1, fox -1) and of their softmax (cat 0.705, dog 0.259, fox 0.035)'
    """
    from helpers.numerics import softmax

    z = np.asarray(z, dtype=float)
    probabilities = softmax(z / temperature)
    scores = ", ".join(f"{label} {value:g}" for label, value in zip(labels, z))
    shares = ", ".join(f"{label} {value:.3f}" for label, value in zip(labels, probabilities))
    which = "their softmax" if temperature == 1 else f"their softmax at temperature T = {temperature:g}"
    return f"Bar charts of the logits ({scores}) and of {which} ({shares})"


