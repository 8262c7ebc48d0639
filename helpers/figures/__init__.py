"""Figures and sliders that work both in a live kernel and on the static website.

Every figure in the book goes through :func:`show`, and every slider through
:func:`slider`.  Both return small objects whose rich display carries

* ``text/html``: the picture as an embedded PNG with alt text (and, for a slider,
  every precomputed state plus a few lines of inline JavaScript that swaps them),
  which is what the website shows: it needs no kernel and no other host;
* ``text/plain``: the alt text, which is what nbval compares and a screen reader reads;
* for a slider in a live kernel, also an ipywidgets control that recomputes the
  figure for the chosen value (the book's configuration drops this MIME type, so
  the website always uses the static version).

Figures use a white background (readable in dark mode) and the Okabe-Ito
colour-blind-safe palette.  Figures are ``matplotlib.figure.Figure`` objects,
not pyplot ones, so nothing is displayed or kept alive behind the reader's back.
"""

from helpers.figures._core import PALETTE, FigureOutput, new_figure, show
from helpers.figures._slider import Slider, slider
from helpers.figures.cross_entropy import (
    best_gap,
    loss_against_gap,
    loss_against_gap_alt,
    loss_and_gradient,
    loss_and_gradient_alt,
    two_logit_surface,
    two_logit_surface_alt,
)
from helpers.figures.jacobian import (
    PngOutput,
    count_multiplications,
    dependency_diagram,
    dependency_diagram_alt,
    jacobian_state,
    jacobian_state_alt,
    measure_costs,
    product_costs,
    product_costs_alt,
    show_varying,
    temperature_state,
    temperature_state_alt,
    time_per_call,
)
from helpers.figures.regression import (
    class_weights,
    class_weights_alt,
    confusion_matrix,
    confusion_matrix_alt,
    digit_gallery,
    digit_gallery_alt,
    distance_to_optimum,
    distance_to_optimum_alt,
    training_curves,
    training_curves_alt,
)
from helpers.figures.softmax import probability_bars, scores_and_probabilities, scores_and_probabilities_alt
from helpers.figures.stability import (
    FORMATS,
    exp_limits,
    exp_limits_alt,
    exp_range,
    exp_rounded,
    format_limits,
    log_softmax_gap,
    log_softmax_gap_alt,
    naive_and_shifted,
    naive_and_shifted_alt,
    naive_and_shifted_text,
    shift_view,
    shift_view_alt,
    shift_view_text,
    textbook_in,
    textbook_window,
)

__all__ = [
    "PALETTE",
    "exp_limits",
    "exp_limits_alt",
    "exp_range",
    "log_softmax_gap",
    "log_softmax_gap_alt",
    "naive_and_shifted",
    "naive_and_shifted_alt",
    "naive_and_shifted_text",
    "shift_view",
    "shift_view_alt",
    "shift_view_text",
    "FORMATS",
    "exp_rounded",
    "format_limits",
    "textbook_in",
    "textbook_window",
    "new_figure",
    "probability_bars",
    "scores_and_probabilities",
    "scores_and_probabilities_alt",
    "show",
    "slider",
    "FigureOutput",
    "Slider",
    "dependency_diagram",
    "dependency_diagram_alt",
    "jacobian_state",
    "jacobian_state_alt",
    "count_multiplications",
    "measure_costs",
    "product_costs",
    "product_costs_alt",
    "show_varying",
    "temperature_state",
    "temperature_state_alt",
    "time_per_call",
    "PngOutput",
    "best_gap",
    "loss_against_gap",
    "loss_against_gap_alt",
    "loss_and_gradient",
    "loss_and_gradient_alt",
    "two_logit_surface",
    "two_logit_surface_alt",
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
