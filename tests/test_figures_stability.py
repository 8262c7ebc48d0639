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
OFFSETS = np.array([0.0, -2.0, -4.0])  # the chapter's three scores, z_max + OFFSETS

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
    [stability.exp_limits, lambda: stability.naive_and_shifted([12.0, 10.0, 8.0]),
     lambda: stability.shift_view([3.0, 1.0, -2.0], 0.0), stability.log_softmax_gap],
    ids=["exp_limits", "naive_and_shifted", "shift_view", "log_softmax_gap"],
)
def test_figures_have_labelled_axes_and_a_white_background(make):
    fig = make()
    assert all(ax.get_xlabel() or ax.get_xticklabels() for ax in fig.axes)
    assert fig.axes[0].get_ylabel()
    assert np.allclose(_png(fig)[0, 0, :3], 1.0)


@pytest.mark.parametrize("z_max", [-745.5, -745.0, -744.0, -740.0, -14.0, 10.9, 11.0, 11.1, 88.65, 88.8, 709.5,
                                   709.7, 709.8])
@pytest.mark.parametrize("dtype", stability.DTYPES)
def test_text_names_what_the_textbook_formula_does_in_that_dtype(z_max, dtype):
    z = z_max + np.array([0.0, -2.0, -4.0])
    text = stability.naive_and_shifted_text(z, [dtype])
    zd = z.astype(dtype)
    # Independent: mpmath's exact exponentials, and what the dtype can hold.
    info = np.finfo(dtype)
    exact = [mpmath.exp(mpmath.mpf(float(v))) for v in zd]
    rounds_to_inf = mpmath.mpf(float(info.max)) * (1 + mpmath.mpf(2) ** -(info.nmant + 1))
    largest_overflows = exact[0] >= rounds_to_inf
    sum_overflows = sum(exact) >= rounds_to_inf
    vanishes = all(e <= mpmath.mpf(float(info.smallest_subnormal)) / 2 for e in exact)
    subnormal = any(e < mpmath.mpf(float(info.smallest_normal)) for e in exact)
    verdict = text.splitlines()[2].rsplit(": ", 1)[1] if "off by" not in text else "off by"
    if largest_overflows or vanishes:
        assert verdict == "nan", text
    elif sum_overflows:
        assert verdict == "the sum overflowed" and "textbook = [0, 0, 0]" in text, text
    elif subnormal:
        assert "off by" in text and "(subnormal terms)" in text, text
    else:
        assert verdict == "accurate", text
    shifted = [float(v) for v in re.findall(r"[-\d.e+]+", text.splitlines()[-2].split("[")[1].split("]")[0])]
    np.testing.assert_allclose(shifted, scipy.special.softmax(zd.astype(np.float64)), rtol=5e-3)
    assert text.endswith("(to the format's precision in every format)"), text


def test_the_textbook_results_the_chapter_quotes():
    offsets = np.array([0.0, -2.0, -4.0])
    # float64 at -740: 85, 11 and 2 subnormal steps (exp correctly rounded), so 85/98, 11/98, 2/98.
    steps = [round(float(mpmath.exp(v) / mpmath.mpf(2) ** -1074)) for v in (-740, -742, -744)]
    assert steps == [85, 11, 2]
    result = stability.textbook_in(-740 + offsets, "float64")[3]
    np.testing.assert_allclose(result, np.array(steps) / sum(steps), rtol=1e-15)
    error = np.max(np.abs(result - scipy.special.softmax(offsets)) / scipy.special.softmax(offsets))
    assert f"{error:.0%}" == "29%"
    assert stability.textbook_in(-744 + offsets, "float64")[3].tolist() == [1.0, 0.0, 0.0]
    assert stability.textbook_in(-14 + offsets, "float16")[3].tolist() == [0.875, 0.125, 0.0]
    for dtype, z_max in [("float64", 709.7), ("float32", 88.65), ("float16", 11.0)]:
        assert stability.textbook_in(z_max + offsets, dtype)[3].tolist() == [0.0, 0.0, 0.0]


def test_numpy_gives_the_same_silent_failures_on_this_machine():
    offsets = np.array([0.0, -2.0, -4.0])
    import helpers

    with np.errstate(all="ignore"):
        assert helpers.softmax_naive(709.7 + offsets).tolist() == [0.0, 0.0, 0.0]
        assert helpers.softmax_naive(-744 + offsets).tolist() == [1.0, 0.0, 0.0]
        assert helpers.softmax_naive((-14 + offsets).astype(np.float16)).tolist() == [0.875, 0.125, 0.0]


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
    # float16 overflows for the first score (inf / inf is nan, the others 0); float32 and float64 are fine
    "naive_and_shifted_float16_overflow": lambda: stability.naive_and_shifted([12.0, 10.0, 8.0]),
    # every exponential vanishes in every format: 0 / 0 everywhere
    "naive_and_shifted_float64_underflow": lambda: stability.naive_and_shifted(-745.5 + OFFSETS),
    # float64 alone, in its band of silent zeros
    "naive_and_shifted_float64_zeros": lambda: stability.naive_and_shifted(709.7 + OFFSETS,
                                                                           ["float64"]),
    "shift_view_a3": lambda: stability.shift_view([3.0, 1.0, -2.0], 3.0),
    "shift_view_a-4": lambda: stability.shift_view([3.0, 1.0, -2.0], -4.0),
    # the largest term overflows: inf / inf
    "shift_view_a-707": lambda: stability.shift_view([3.0, 1.0, -2.0], -707.0),
    # every term below half the smallest subnormal: 0 / 0
    "shift_view_a749": lambda: stability.shift_view([3.0, 1.0, -2.0], 749.0),
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
    "naive_and_shifted_alt([12, 10, 8])": lambda: stability.naive_and_shifted_alt([12.0, 10.0, 8.0]),
    "naive_and_shifted_alt(-745.5 - [0, 2, 4])": lambda: stability.naive_and_shifted_alt(-745.5 + OFFSETS),
    "naive_and_shifted_alt([10.9, 8.9, 6.9])": lambda: stability.naive_and_shifted_alt([10.9, 8.9, 6.9]),
    "naive_and_shifted_alt([2, 1, -1] / 0.18)": lambda: stability.naive_and_shifted_alt(np.array([2.0, 1, -1]) / 0.18),
    "naive_and_shifted_text([10.9, 8.9, 6.9])": lambda: stability.naive_and_shifted_text([10.9, 8.9, 6.9]),
    "naive_and_shifted_text([12, 10, 8])": lambda: stability.naive_and_shifted_text([12.0, 10.0, 8.0]),
    "naive_and_shifted_text(-745.5 - [0, 2, 4])": lambda: stability.naive_and_shifted_text(-745.5 + OFFSETS),
    "naive_and_shifted_text(-740 - [0, 2, 4])": lambda: stability.naive_and_shifted_text(-740 + OFFSETS),
    "naive_and_shifted_text(709.7 - [0, 2, 4])": lambda: stability.naive_and_shifted_text(709.7 + OFFSETS),
    "naive_and_shifted_text(709.8 - [0, 2, 4], float64)":
        lambda: stability.naive_and_shifted_text(709.8 + OFFSETS, ["float64"]),
    "shift_view_alt([3, 1, -2], 3)": lambda: stability.shift_view_alt([3.0, 1.0, -2.0], 3.0),
    "shift_view_alt([3, 1, -2], -4)": lambda: stability.shift_view_alt([3.0, 1.0, -2.0], -4.0),
    "shift_view_alt([3, 1, -2], 8)": lambda: stability.shift_view_alt([3.0, 1.0, -2.0], 8.0),
    "shift_view_alt([1000, 0], -1)": lambda: stability.shift_view_alt([1000.0, 0.0], -1.0),
    # the shift is computed in float64 whatever the input's format (float16 would overflow at exp(12))
    "shift_view_alt(float16 [12, 0], 0)": lambda: stability.shift_view_alt(np.array([12.0, 0.0], np.float16), 0.0),
    "shift_view_alt([0, -800], 0)": lambda: stability.shift_view_alt([0.0, -800.0], 0.0),
    "shift_view_text([3, 1, -2], 740)": lambda: stability.shift_view_text([3.0, 1.0, -2.0], 740.0),
    "log_softmax_gap_alt()": lambda: stability.log_softmax_gap_alt(),
    "log_softmax_gap_alt(('float16', 'float32'), 200)": lambda: stability.log_softmax_gap_alt(("float16", "float32"),
                                                                                             200.0),
}


@pytest.mark.filterwarnings("error")
def test_alt_texts_and_slider_text_match_their_reviewed_snapshot():
    text = "\n\n".join(f"{name}\n{make()}" for name, make in ALT_TEXTS.items())
    snapshots.assert_snapshot("figures/stability/alt_texts", text)


@pytest.mark.parametrize("name", ["naive_and_shifted_float64_underflow", "naive_and_shifted_float16_overflow",
                                  "naive_and_shifted_float64_zeros", "shift_view_a3", "shift_view_a-707",
                                  "shift_view_a749", "log_softmax_gap"])
def test_figures_survive_a_reader_who_made_every_floating_point_problem_an_error(name):
    with np.errstate(all="raise"):
        FIGURES[name]()
        stability.shift_view_alt([0.0, -800.0], 0.0)  # exp(-800) underflows
        stability.naive_and_shifted_text(-745.5 + OFFSETS)
        stability.naive_and_shifted_text(709.7 + OFFSETS)


def test_explicit_sizes_hold_whatever_the_readers_matplotlib_defaults():
    with matplotlib.rc_context({"font.size": 14, "lines.linewidth": 3.0, "figure.figsize": (9.0, 7.0)}):
        limits = stability.exp_limits()
        bars = stability.naive_and_shifted([12.0, 10.0, 8.0])
        shift = stability.shift_view([3.0, 1.0, -2.0], 3.0)
        gap = stability.log_softmax_gap()
    assert [tuple(fig.get_size_inches()) for fig in (limits, bars, shift, gap)] == [
        (6.4, 2.8), (6.4, 1.9), (6.4, 2.3), (6.4, 2.8)]
    assert {line.get_linewidth() for ax in limits.axes for line in ax.get_lines()[:1]} == {1.5}
    assert [ax.title.get_fontsize() for ax in bars.axes + shift.axes] == [9.0] * 6


# ------------------------------------------------ limits from the bits, the correctly rounded exp, the textbook windows


@pytest.mark.parametrize("dtype", stability.DTYPES)
def test_format_limits_from_the_bits_are_numpys(dtype):
    info = np.finfo(dtype)
    assert stability.format_limits(dtype) == (float(info.max), float(info.smallest_normal),
                                              float(info.smallest_subnormal))


def test_bfloat16_limits_are_float32_bit_patterns_with_the_low_16_bits_cut():
    # bfloat16 is the upper half of a float32: its limits are the float32s with these bit patterns.
    patterns = np.array([0x7F7F0000, 0x00800000, 0x00010000], dtype=np.uint32)
    assert stability.format_limits("bfloat16") == tuple(float(v) for v in patterns.view(np.float32))
    overflow, normal, zero = stability.exp_range("bfloat16")
    assert round(zero - np.log(2), 2) == -92.88  # the issue's "underflows near -92.9"


@pytest.mark.parametrize("dtype", stability.DTYPES)
def test_exp_rounded_is_the_nearest_float_to_the_exact_exponential(dtype):
    overflow, _, zero = stability.exp_range(dtype)
    r = np.linspace(zero - 1.0, overflow + 0.5, 97).astype(dtype)
    got = stability.exp_rounded(r, dtype)
    with mpmath.workprec(200):
        for value, result in zip(r, got):
            exact = mpmath.exp(mpmath.mpf(float(value)))
            if np.isinf(result):
                assert exact > mpmath.mpf(float(np.finfo(dtype).max))
                continue
            down = np.nextafter(result, np.array(-np.inf, dtype))
            up = np.nextafter(result, np.array(np.inf, dtype))
            error = abs(mpmath.mpf(float(result)) - exact)
            assert error <= abs(mpmath.mpf(float(up)) - exact)
            assert result == 0 or error <= abs(mpmath.mpf(float(down)) - exact)


@pytest.mark.parametrize(("dtype", "most_steps"), [("float32", 3), ("float64", 1)])
def test_numpys_exp_on_this_machine_is_within_a_few_steps_of_the_correct_rounding(dtype, most_steps):
    # What the chapter says: np.exp may differ from the correct rounding in the last bit or two (NumPy's float32
    # SIMD exp is accurate to a few ulp, not correctly rounded), which below the normal range is a whole step.
    overflow, _, zero = stability.exp_range(dtype)
    r = np.linspace(zero - 1.0, overflow - 0.01, 501).astype(dtype)
    with np.errstate(under="ignore"):
        steps = np.abs(np.exp(r).view(f"int{np.dtype(dtype).itemsize * 8}").astype(np.int64)
                       - stability.exp_rounded(r, dtype).view(f"int{np.dtype(dtype).itemsize * 8}"))
    assert steps.max() <= most_steps


@pytest.mark.parametrize("fmt", stability.DTYPES)
def test_textbook_window_ends_are_where_the_textbook_formula_changes_regime(fmt):
    window = stability.textbook_window(fmt, OFFSETS)
    step = 0.05 if fmt == "float16" else 0.005  # float16 scores are 1/64 apart near 17

    def result(z_max):
        return stability.textbook_in(z_max + OFFSETS, fmt)[3]

    assert np.isnan(result(window.nan_below - step)).all()
    assert np.isfinite(result(window.nan_below + step)).all()
    exact = scipy.special.softmax(OFFSETS)
    assert np.allclose(result(window.accurate_from + step), exact, rtol=1e-2)
    assert result(window.nan_below + 1).tolist() == [1.0, 0.0, 0.0]  # one subnormal step left, and two zeros
    assert np.allclose(result(window.zeros_from - step), exact, rtol=1e-2)
    assert result(window.zeros_from + step).tolist() == [0.0, 0.0, 0.0]
    assert result(window.nan_from - step).tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(result(window.nan_from + step)[0])


def test_textbook_window_top_band_matches_the_issue_and_a_pure_float_calculation():
    # Issue 20: float64 (709.64, 709.78), float32 (88.58, 88.72), float16 (10.95, 11.09).
    expected = {"float64": (709.64, 709.78), "float32": (88.58, 88.72), "float16": (10.95, 11.09)}
    for fmt, band in expected.items():
        window = stability.textbook_window(fmt)
        assert (round(window.zeros_from, 2), round(window.nan_from, 2)) == band
        by_floats = np.log(float(np.finfo(fmt).max)) - np.log(np.exp(OFFSETS).sum())
        assert window.zeros_from == pytest.approx(by_floats, abs=1e-3)


def test_textbook_window_needs_the_largest_offset_to_be_zero():
    with pytest.raises(ValueError, match="largest offset"):
        stability.textbook_window("float64", [1.0, 0.0])
