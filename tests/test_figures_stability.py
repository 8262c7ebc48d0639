"""helpers.figures.stability: the float limits it reports are where exp really leaves each format, and every
picture's alt text and numbers agree with an independent computation (mpmath, SciPy, NumPy in the dtype)."""

import base64
import io
import re

import matplotlib
import matplotlib.image
import mpmath
import numpy as np
import pytest
import scipy.special
import snapshots

from helpers import figures
from helpers.figures import stability

# ../shared/REFERENCES.md, rounded to two decimals: (overflow, leaves the normal range, smallest subnormal).
PUBLISHED = {
    "float16": (11.09, -9.70, -16.64),
    "float32": (88.72, -87.34, -103.28),
    "float64": (709.78, -708.40, -744.44),
}


@pytest.mark.parametrize("dtype", stability.DTYPES)
def test_exp_range_matches_the_published_table(dtype):
    assert [round(v, 2) for v in stability.exp_range(dtype)] == list(PUBLISHED[dtype])


@pytest.mark.parametrize("dtype", stability.DTYPES)
def test_exp_really_overflows_and_vanishes_where_exp_range_says(dtype):
    overflow, normal, zero = stability.exp_range(dtype)
    info = np.finfo(dtype)
    t = np.array([overflow - 0.01, overflow + 0.01, normal + 0.01, normal - 0.01, zero + 0.01,
                  zero - np.log(2) - 0.01], dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        # exp in the dtype itself (float16 has no exp of its own precision in mpmath; NumPy rounds once).
        e = np.exp(t.astype(dtype)) if dtype != "float16" else np.exp(t).astype(dtype)
    assert np.isfinite(e[0]) and np.isinf(e[1])
    assert e[2] >= info.smallest_normal > e[3] > 0
    assert e[4] > 0 and e[5] == 0  # below half the smallest subnormal, exp rounds to 0


def test_exp_range_agrees_with_mpmath_logs_of_the_limits():
    for dtype in stability.DTYPES:
        info = np.finfo(dtype)
        for got, limit in zip(stability.exp_range(dtype), (info.max, info.smallest_normal, info.smallest_subnormal)):
            assert got == pytest.approx(float(mpmath.log(mpmath.mpf(float(limit)))), rel=1e-14)


def _png(fig):
    html = figures.show(fig, alt="x")._repr_mimebundle_()["text/html"]
    data = re.search(r'base64,([^"]+)"', html).group(1)
    return matplotlib.image.imread(io.BytesIO(base64.b64decode(data)), format="png")


@pytest.mark.parametrize(
    "make",
    [stability.exp_limits, lambda: stability.naive_and_shifted([12.0, 10.0, 8.0], "float16"),
     lambda: stability.shift_view([3.0, 1.0, -2.0], 0.0), stability.log_softmax_gap],
    ids=["exp_limits", "naive_and_shifted", "shift_view", "log_softmax_gap"],
)
def test_figures_have_labelled_axes_and_a_white_background(make):
    fig = make()
    assert all(ax.get_xlabel() or ax.get_xticklabels() for ax in fig.axes)
    assert fig.axes[0].get_ylabel()
    assert np.allclose(_png(fig)[0, 0, :3], 1.0)


@pytest.mark.parametrize("m", [-745.5, -745.0, 10.9, 11.1, 88.8, 709.5, 709.8])
@pytest.mark.parametrize("dtype", stability.DTYPES)
def test_text_shows_nan_exactly_when_the_textbook_formula_breaks_in_that_dtype(m, dtype):
    x = m + np.array([0.0, -2.0, -4.0])
    text = stability.naive_and_shifted_text(x, dtype)
    xd = x.astype(dtype)
    # Independent: mpmath's exact exponentials, then whether the dtype can hold them.
    exact = [mpmath.exp(mpmath.mpf(float(v))) for v in xd]
    overflows = any(e > mpmath.mpf(float(np.finfo(dtype).max)) for e in exact)
    vanishes = all(e < mpmath.mpf(float(np.finfo(dtype).smallest_subnormal)) / 2 for e in exact)
    textbook = text.splitlines()[3]
    assert ("nan" in textbook) == (overflows or vanishes), text
    shifted = [float(v) for v in re.findall(r"[-\d.e+]+", text.splitlines()[4].split("=")[1])]
    reference = scipy.special.softmax(xd.astype(np.float64))
    # printed to 3 significant digits
    np.testing.assert_allclose(shifted, reference, rtol=5e-3)


def test_naive_and_shifted_draws_a_nan_bar_where_the_formula_breaks():
    fig = stability.naive_and_shifted([12.0, 10.0, 8.0], "float16")
    left = fig.axes[0]
    assert [t.get_text() for t in left.texts].count("nan") == 1
    assert stability.naive_and_shifted_alt([12.0, 10.0, 8.0], "float16").count("nan") == 1


@pytest.mark.parametrize("c", [-3.0, 0.0, 3.0, 7.0])
def test_shift_view_alt_states_terms_sum_and_the_same_softmax(c):
    x = np.array([3.0, 1.0, -2.0])
    alt = stability.shift_view_alt(x, c)
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?", alt.split(":", 1)[1])]
    terms, total, probabilities = numbers[0:3], numbers[3], numbers[4:]
    np.testing.assert_allclose(terms, np.exp(x - c), rtol=5e-3)
    assert total == pytest.approx(np.exp(x - c).sum(), rel=5e-3)
    np.testing.assert_allclose(probabilities, scipy.special.softmax(x), rtol=5e-3)


def test_log_softmax_gap_alt_names_the_gaps_where_the_log_becomes_minus_inf():
    # exp(-gap) is below half the smallest subnormal from -log(smallest_subnormal / 2) on.
    tiny = {d: float(np.finfo(d).smallest_subnormal) for d in ("float32", "float64")}
    expected = {d: int(np.ceil(np.log(2) - np.log(t))) for d, t in tiny.items()}
    assert expected == {"float32": 104, "float64": 746}
    alt = stability.log_softmax_gap_alt()
    for dtype, gap in expected.items():
        assert f"from a gap of {gap} in {dtype}" in alt


# --------------------------------------------------------------------------- reviewed snapshots of every picture

def _extras(fig):
    """What describe_figure leaves out and a reader still sees: title sizes, figure legends, text boxes, arrows."""
    out = []
    for number, ax in enumerate(fig.axes):
        out.append(f"axes {number} title size {snapshots._num(ax.title.get_fontsize())}")
        for t in ax.texts:
            box = t.get_bbox_patch()
            if box is not None:
                out.append(f"  text {t.get_text()!r} box face {snapshots._colour(box.get_facecolor())} "
                           f"edge {snapshots._colour(box.get_edgecolor())} "
                           f"pad {snapshots._num(box.get_boxstyle().pad)}")
            if hasattr(t, "xyann"):
                out.append(f"  annotation {t.get_text()!r} xy {snapshots._nums(t.xy)} "
                           f"offset {snapshots._nums(t.xyann)} textcoords {t.anncoords}")
        for line in ax.get_lines():
            if line.get_marker() not in (None, "None", ""):
                out.append(f"  line {line.get_label()!r} markercolour {snapshots._colour(line.get_markeredgecolor())}")
    for legend in fig.legends:
        out.append(f"figure legend loc {legend._loc} frame {legend.get_frame_on()} ncols {legend._ncols} "
                   f"outside {legend._outside_loc!r}")
        for t, handle in zip(legend.get_texts(), legend.legend_handles):
            out.append(f"  entry {t.get_text()!r} colour {snapshots._colour(handle.get_color())} "
                       f"style {handle.get_linestyle()} width {snapshots._num(handle.get_linewidth())} "
                       f"size {snapshots._num(t.get_fontsize())}")
    return "\n".join(out) + "\n"


def _snapshot(name, fig):
    snapshots.assert_snapshot(f"figures/stability/{name}", snapshots.describe_figure(fig) + _extras(fig))


FIGURES = {
    "exp_limits": lambda: stability.exp_limits(),
    "exp_limits_float32": lambda: stability.exp_limits(["float32"]),
    # float16 overflows for the first score: inf / inf is nan, the others 0
    "naive_and_shifted_float16_overflow": lambda: stability.naive_and_shifted([12.0, 10.0, 8.0], "float16"),
    # every exponential vanishes in float64: 0 / 0 everywhere
    "naive_and_shifted_float64_underflow": lambda: stability.naive_and_shifted(-745.5 + np.array([0.0, -2, -4]),
                                                                               "float64"),
    "naive_and_shifted_float32_fine": lambda: stability.naive_and_shifted([10.9, 8.9, 6.9], "float32"),
    "shift_view_c3": lambda: stability.shift_view([3.0, 1.0, -2.0], 3.0),
    "shift_view_c-4": lambda: stability.shift_view([3.0, 1.0, -2.0], -4.0),
    "shift_view_ylim": lambda: stability.shift_view([3.0, 1.0], 0.5, ylim=(1e-2, 1e2)),
    "log_softmax_gap": lambda: stability.log_softmax_gap(),
    "log_softmax_gap_float16": lambda: stability.log_softmax_gap(("float16", "float32"), largest_gap=200.0),
    # one format: its own colours (orange, thick), and -inf from exactly half the range (label to the right)
    "log_softmax_gap_float32_half": lambda: stability.log_softmax_gap(("float32",), largest_gap=208.0),
    # -inf from 104, between a third and a half of the range: label to the left
    "log_softmax_gap_float32_250": lambda: stability.log_softmax_gap(("float32",), largest_gap=250.0),
}


@pytest.mark.filterwarnings("error")  # the chapter's cells must print no RuntimeWarning
@pytest.mark.parametrize("name", FIGURES)
def test_figure_matches_its_reviewed_snapshot(name):
    _snapshot(name, FIGURES[name]())


ALT_TEXTS = {
    "exp_limits_alt()": lambda: stability.exp_limits_alt(),
    "exp_limits_alt(['float32'])": lambda: stability.exp_limits_alt(["float32"]),
    "naive_and_shifted_alt([12, 10, 8], float16)": lambda: stability.naive_and_shifted_alt([12.0, 10.0, 8.0],
                                                                                           "float16"),
    "naive_and_shifted_alt(-745.5 - [0, 2, 4], float64)":
        lambda: stability.naive_and_shifted_alt(-745.5 + np.array([0.0, -2, -4]), "float64"),
    "naive_and_shifted_alt([10.9, 8.9, 6.9], float32)": lambda: stability.naive_and_shifted_alt([10.9, 8.9, 6.9],
                                                                                               "float32"),
    "naive_and_shifted_alt([10.9, 8.9, 6.9], float16)": lambda: stability.naive_and_shifted_alt([10.9, 8.9, 6.9],
                                                                                               "float16"),
    "naive_and_shifted_text([10.9, 8.9, 6.9], float16)": lambda: stability.naive_and_shifted_text([10.9, 8.9, 6.9],
                                                                                                 "float16"),
    "naive_and_shifted_text([12, 10, 8], float16)": lambda: stability.naive_and_shifted_text([12.0, 10.0, 8.0],
                                                                                             "float16"),
    "naive_and_shifted_text(-745.5 - [0, 2, 4], float64)":
        lambda: stability.naive_and_shifted_text(-745.5 + np.array([0.0, -2, -4]), "float64"),
    "naive_and_shifted_text(709.8 - [0, 2, 4], float64)":
        lambda: stability.naive_and_shifted_text(709.8 + np.array([0.0, -2, -4]), "float64"),
    "naive_and_shifted_text([10.9, 8.9, 6.9], float32)": lambda: stability.naive_and_shifted_text([10.9, 8.9, 6.9],
                                                                                                 "float32"),
    "shift_view_alt([3, 1, -2], 3)": lambda: stability.shift_view_alt([3.0, 1.0, -2.0], 3.0),
    "shift_view_alt([3, 1, -2], -4)": lambda: stability.shift_view_alt([3.0, 1.0, -2.0], -4.0),
    "shift_view_alt([3, 1, -2], 8)": lambda: stability.shift_view_alt([3.0, 1.0, -2.0], 8.0),
    "shift_view_alt([1000, 0], -1)": lambda: stability.shift_view_alt([1000.0, 0.0], -1.0),
    # the shift is computed in float64 whatever the input's format (float16 would overflow at exp(12))
    "shift_view_alt(float16 [12, 0], 0)": lambda: stability.shift_view_alt(np.array([12.0, 0.0], np.float16), 0.0),
    "shift_view_alt([0, -800], 0)": lambda: stability.shift_view_alt([0.0, -800.0], 0.0),
    "log_softmax_gap_alt()": lambda: stability.log_softmax_gap_alt(),
    "log_softmax_gap_alt(('float16', 'float32'), 200)": lambda: stability.log_softmax_gap_alt(("float16", "float32"),
                                                                                             200.0),
}


@pytest.mark.filterwarnings("error")
def test_alt_texts_and_slider_text_match_their_reviewed_snapshot():
    text = "\n\n".join(f"{name}\n{make()}" for name, make in ALT_TEXTS.items())
    snapshots.assert_snapshot("figures/stability/alt_texts", text)


@pytest.mark.parametrize("name", ["naive_and_shifted_float64_underflow", "naive_and_shifted_float16_overflow",
                                  "shift_view_c3", "log_softmax_gap"])
def test_figures_survive_a_reader_who_made_every_floating_point_problem_an_error(name):
    with np.errstate(all="raise"):
        FIGURES[name]()
        stability.shift_view_alt([0.0, -800.0], 0.0)  # exp(-800) underflows
        stability.naive_and_shifted_text(-745.5 + np.array([0.0, -2, -4]), "float64")


def test_explicit_sizes_hold_whatever_the_readers_matplotlib_defaults():
    with matplotlib.rc_context({"font.size": 14, "lines.linewidth": 3.0, "figure.figsize": (9.0, 7.0)}):
        limits = stability.exp_limits()
        bars = stability.naive_and_shifted([12.0, 10.0, 8.0], "float16")
        shift = stability.shift_view([3.0, 1.0, -2.0], 3.0)
        gap = stability.log_softmax_gap()
    assert [tuple(fig.get_size_inches()) for fig in (limits, bars, shift, gap)] == [
        (6.4, 2.8), (6.4, 2.1), (6.4, 2.3), (6.4, 2.8)]
    assert {line.get_linewidth() for ax in limits.axes for line in ax.get_lines()[:1]} == {1.5}
    assert [ax.title.get_fontsize() for ax in bars.axes + shift.axes] == [10.0] * 4
