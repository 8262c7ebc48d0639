"""Chapter 6 figures: what is drawn is the data passed in, and the alt text says the same (computed, coarse)."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from snapshots import assert_snapshot, describe_figure

from helpers.figures import accuracy as fa
from helpers.figures._core import PALETTE

ERRORS = {"textbook": np.array([2.2, 2.5, np.inf]), "shifted": np.array([2.3, 35.0, 480.0]),
          "helpers": np.array([1.2, 1.4, 1.6])}
MAGNITUDES = [1, 30, 1000]


@pytest.mark.parametrize("error, level", [(0.0, 0.0), (0.3, 10.0), (1.27, 10.0), (4.0, 10.0), (5.11, 10.0),
                                          (16.4, 100.0), (28.97, 100.0), (125.0, 1000.0), (511.02, 1000.0),
                                          (4.6e15, 1e16), (np.inf, np.inf)])
def test_coarse_rounds_up_to_the_next_power_of_ten_from_10(error, level):
    assert fa.coarse(error) == level


def test_coarse_is_a_bound_less_than_one_decade_above_the_error():
    ladder = {float(10**k) for k in range(1, 8)}
    for error in np.geomspace(10.0, 1e6, 997):
        level = fa.coarse(error)
        assert level in ladder and error <= level < error * 10 + 1e-9, (error, level)


def test_error_curves_draw_each_method_with_overflow_at_the_ceiling():
    fig = fa.error_curves(MAGNITUDES, ERRORS)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}
    assert list(lines) == list(ERRORS)
    ceiling = lines["textbook"].get_ydata()[-1]
    assert ceiling > 480 * 2  # overflow is drawn above every finite error
    np.testing.assert_array_equal(lines["shifted"].get_ydata(), ERRORS["shifted"])
    np.testing.assert_array_equal(lines["helpers"].get_xdata(), MAGNITUDES)
    assert [lines[n].get_color() for n in ERRORS] == list(PALETTE[:3])
    assert ax.get_xscale() == ax.get_yscale() == "log"


def test_error_curves_alt_names_each_method_from_its_first_and_last_error():
    alt = fa.error_curves_alt(MAGNITUDES, ERRORS)
    assert "from 1 to 1000" in alt
    assert "textbook from at most 10 ulp to overflow" in alt
    assert "shifted from at most 10 ulp to between 100 and 1000 ulp" in alt
    assert "helpers from at most 10 ulp to at most 10 ulp" in alt


def test_error_bars_draw_the_coarse_errors():
    at = {"textbook": 2.2, "shifted": 35.0, "helpers": 1.2, "overflowing": np.inf}
    fig = fa.error_bars(100, at)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights[:3] == [10.0, 100.0, 10.0]
    assert heights[3] > 1000  # overflow: drawn above the top level
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["at most 10 ulp", "between 10 and 100 ulp", "at most 10 ulp", "overflow"]
    assert fa.error_bars_alt(100, at) == ("Bar chart of the max error at logit magnitude 100: textbook at most 10 "
                                          "ulp, shifted between 10 and 100 ulp, helpers at most 10 ulp, overflowing "
                                          "overflow")


def test_time_bars_show_the_times_and_passes_but_the_alt_only_the_passes():
    seconds = {"slow": [0.038, 0.040, 0.044], "fast": 0.010}
    passes = {"slow": (5, 3), "fast": (1, 1)}
    fig = fa.time_bars(seconds, passes)
    ax = fig.axes[0]
    widths = {t.get_text(): p.get_width() for t, p in zip(ax.get_yticklabels(), ax.patches)}
    assert widths == pytest.approx({"fast": 10.0, "slow": 40.0})  # the medians
    (whiskers,) = [c for c in ax.collections if len(c.get_segments()) == 2]
    assert [tuple(np.round(seg[:, 0], 6)) for seg in whiskers.get_segments()] == [(10.0, 10.0), (39.0, 42.0)]
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["10 ms, 1 read + 1 write", "40 ms, 5 reads + 3 writes"]
    alt = fa.time_bars_alt(passes)
    assert alt.endswith("slow 5 reads and 3 writes; fast 1 read and 1 write")
    assert "ms" not in alt


# The chapter's four methods over its eight magnitudes (errors of the kind it measures): the fourth line is drawn
# with larger hollow markers so that it shows on top of the shifted formula it equals.
CHAPTER_MAGNITUDES = [1, 3, 10, 30, 100, 300, 700, 1000]
CHAPTER_ERRORS = {
    "textbook formula": np.array([2.1, 2.6, 3.4, 4.0, 5.2, np.inf, np.inf, np.inf]),
    "shifted formula": np.array([2.1, 2.9, 8.5, 28.97, 95.0, 250.0, 420.0, 498.96]),
    "helpers.softmax": np.array([0.9, 1.1, 1.2, 1.4, 1.3, 1.5, 1.6, 1.2]),
    "SciPy": np.array([2.1, 2.9, 8.5, 28.97, 95.0, 250.0, 420.0, 498.96]),
}


def _seen(fig):
    """describe_figure, plus what it leaves out and a reader still sees here: tick label sizes, marker fill and bar
    label anchors."""
    out = [describe_figure(fig).rstrip("\n")]
    for ax in fig.axes:
        out.append(f"tick label sizes x {sorted({t.get_fontsize() for t in ax.get_xticklabels()})} "
                   f"y {sorted({t.get_fontsize() for t in ax.get_yticklabels()})}")
        for line in ax.lines:
            out.append(f"line {line.get_label()!r} fill {line.get_fillstyle()}")
        for t in ax.texts:
            anchor = tuple(float(v) for v in getattr(t, "xy", t.get_position()))
            out.append(f"text {t.get_text()!r} anchored at {anchor} offset {getattr(t, 'xyann', None)}")
    return "\n".join(out)


def test_error_curves_snapshot():
    assert_snapshot("figures/accuracy/error_curves", _seen(fa.error_curves(CHAPTER_MAGNITUDES, CHAPTER_ERRORS)))


def test_error_curves_cycle_markers_and_styles_past_five_methods():
    errors = {f"m{k}": np.array([1.0 + k, 2.0 + k]) for k in range(6)}
    (ax,) = fa.error_curves([1, 10], errors).axes
    lines = [line for line in ax.get_lines() if line.get_label() in errors]
    assert [line.get_marker() for line in lines] == ["o", "s", "^", "D", "v", "o"]
    assert [line.get_linestyle() for line in lines] == ["-", "--", "-", ":", "-.", "-"]


def test_error_curves_ceiling_is_the_next_decade_above_three_times_the_largest_finite_error():
    for errors, ceiling in [({"a": np.array([1.0, 2.0])}, 100.0),  # at least 10 * 3 -> 100
                            ({"a": np.array([1.0, 30.0])}, 100.0),  # 90 -> 100
                            ({"a": np.array([1.0, 40.0])}, 1000.0),  # 120 -> 1000
                            ({"a": np.array([np.inf, np.inf]), "b": np.array([2.0, 400.0])}, 10000.0),
                            ({"a": np.array([np.inf, np.inf])}, 100.0)]:
        (ax,) = fa.error_curves([1, 10], errors).axes
        assert ax.get_ylim() == (0.2, ceiling * 4)
        assert ax.get_lines()[0].get_ydata().max() <= ceiling


@pytest.mark.parametrize("magnitude", [1, 100, 1000])
def test_error_bars_snapshot(magnitude):
    at = {name: e[CHAPTER_MAGNITUDES.index(magnitude)] for name, e in CHAPTER_ERRORS.items()}
    assert_snapshot(f"figures/accuracy/error_bars_{magnitude}", _seen(fa.error_bars(magnitude, at)))


def test_time_bars_snapshot():
    seconds = {"textbook formula": [0.030, 0.0312, 0.034], "shifted formula (SciPy)": [0.044, 0.0455, 0.05],
               "helpers.softmax (blocked)": [0.0118, 0.0121, 0.013]}
    passes = {"textbook formula": (3, 2), "shifted formula (SciPy)": (5, 3), "helpers.softmax (blocked)": (1, 1)}
    assert_snapshot("figures/accuracy/time_bars", _seen(fa.time_bars(seconds, passes)))


def test_alt_texts_in_full():
    assert fa.error_curves_alt(CHAPTER_MAGNITUDES, CHAPTER_ERRORS) == (
        "Log-log plot of the max error in ulp against logit magnitude from 1 to 1000: textbook formula from at most "
        "10 ulp to overflow; shifted formula from at most 10 ulp to between 100 and 1000 ulp; helpers.softmax from at "
        "most 10 ulp to at most 10 ulp; SciPy from at most 10 ulp to between 100 and 1000 ulp"
    )
    assert fa.error_curves_alt([0.5, 2.5], {"a": np.array([0.0, np.nan])}) == (
        "Log-log plot of the max error in ulp against logit magnitude from 0.5 to 2.5: a from exact to overflow"
    )
    assert fa.error_bars_alt(0.5, {"a": 0.0}) == "Bar chart of the max error at logit magnitude 0.5: a exact"
    assert fa.time_bars_alt({"a": (1, 2), "b": (2, 1)}) == (
        "Horizontal bars of the median time of each version, labelled with its passes over memory: "
        "a 1 read and 2 writes; b 2 reads and 1 write"
    )


@pytest.mark.parametrize("error, level", [(np.nan, np.nan), (-np.inf, -np.inf), (1.0, 10.0), (1.0000001, 10.0),
                                          (10.0, 10.0), (10.000001, 100.0), (0.999, 10.0), (1e-9, 10.0),
                                          (100.0, 100.0), (100.00001, 1000.0), (999.9, 1000.0), (1000.0, 1000.0)])
def test_coarse_edges(error, level):
    np.testing.assert_equal(fa.coarse(error), level)
    assert type(fa.coarse(error)) is float


def test_time_bars_count_reads_and_writes_each_in_its_own_plural():
    fig = fa.time_bars({"a": 0.002, "b": 0.001}, {"a": (1, 2), "b": (2, 1)})
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["1 ms, 2 reads + 1 write", "2 ms, 1 read + 2 writes"]


@pytest.mark.parametrize("bound", [10.0, 100.0, 1e14, 4.6e15, 1e16, 1e100])
def test_power_of_ten_reads_back_as_the_power_below_the_bound(bound):
    text = fa.power_of_ten(bound)
    digits = text[2:].translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")) or "1"
    assert text.startswith("10") and 10.0 ** int(digits) <= bound < 10.0 ** (int(digits) + 1)
