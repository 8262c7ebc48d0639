"""Chapter 6 figures: what is drawn is the data passed in, and the alt text says the same (computed, coarse)."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers.figures import accuracy as fa
from helpers.figures._core import PALETTE

ERRORS = {"textbook": np.array([2.2, 2.5, np.inf]), "shifted": np.array([2.3, 35.0, 480.0]),
          "helpers": np.array([1.2, 1.4, 1.6])}
MAGNITUDES = [1, 30, 1000]


@pytest.mark.parametrize("error, level", [(0.0, 0.0), (0.3, 1.0), (1.7, 1.0), (1.8, 3.0), (4.9, 3.0), (6.0, 10.0),
                                          (28.97, 30.0), (60.0, 100.0), (498.96, 300.0), (np.inf, np.inf)])
def test_coarse_rounds_to_the_nearest_half_decade(error, level):
    assert fa.coarse(error) == level


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
    assert "textbook from about 3 ulp to overflow" in alt
    assert "shifted from about 3 ulp to about 300 ulp" in alt
    assert "helpers from about 1 ulp to about 1 ulp" in alt


def test_error_bars_draw_the_coarse_errors():
    at = {"textbook": 2.2, "shifted": 35.0, "helpers": 1.2, "overflowing": np.inf}
    fig = fa.error_bars(100, at)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights[:3] == [3.0, 30.0, 1.0]
    assert heights[3] > 1000  # overflow: drawn above the top level
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["about 3 ulp", "about 30 ulp", "about 1 ulp", "overflow"]
    assert fa.error_bars_alt(100, at) == ("Bar chart of the max error at logit magnitude 100: textbook about 3 ulp, "
                                          "shifted about 30 ulp, helpers about 1 ulp, overflowing overflow")


def test_time_bars_show_the_times_and_passes_but_the_alt_only_the_passes():
    seconds = {"slow": 0.040, "fast": 0.010}
    passes = {"slow": (5, 3), "fast": (1, 1)}
    fig = fa.time_bars(seconds, passes)
    ax = fig.axes[0]
    widths = {t.get_text(): p.get_width() for t, p in zip(ax.get_yticklabels(), ax.patches)}
    assert widths == pytest.approx({"fast": 10.0, "slow": 40.0})
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["10 ms, 1 read + 1 write", "40 ms, 5 reads + 3 writes"]
    alt = fa.time_bars_alt(passes)
    assert alt.endswith("slow 5 reads and 3 writes; fast 1 read and 1 write")
    assert "ms" not in alt
