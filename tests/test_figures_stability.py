"""helpers.figures.stability: the float limits it reports are where exp really leaves each format, and every
picture's alt text and numbers agree with an independent computation (mpmath, SciPy, NumPy in the dtype)."""

import base64
import io
import re

import matplotlib.image
import mpmath
import numpy as np
import pytest
import scipy.special

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
