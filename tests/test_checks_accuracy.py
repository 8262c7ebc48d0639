"""Chapter 6 self-checks: their references are right (checked independently), and the verdicts and hints on the
mistakes they claim to name.  The student-attempt corpus (tests/student_attempts/accuracy.py) adds 42 attempts."""

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.special

from helpers.checks import accuracy as ca
from helpers.checks import check_online_softmax, check_two_sum, check_ulp_distance


def _steps(a, b):
    """Independent count: step with math.nextafter from the smaller to the larger."""
    lo, hi = sorted((a, b))
    n = 0
    while lo < hi:
        lo = math.nextafter(lo, math.inf)
        n += 1
    return n


@pytest.mark.parametrize("a, b", [(1.0, 1.0), (1.0, 1.0 + 5 * 2.0**-52), (0.9999999999999998, 1.0000000000000002),
                                  (-2.0**-1070, 2.0**-1070), (-1.5e-323, 1e-323), (-1.5, -1.4999999999999991)])
def test_ulp_reference_counts_the_floats_in_between(a, b):
    assert ca._distance(a, b) == _steps(a, b)


def test_ulp_reference_on_far_apart_values_and_signed_zero():
    assert ca._distance(1.0, 2.0) == 2**52  # one binade
    assert ca._distance(2.0, 0.5) == 2**53
    assert ca._distance(-0.0, 0.0) == 0
    assert ca._distance(-1.0, 1.0) == 2 * ca._distance(0.0, 1.0)


def test_ulp_cases_expect_the_independent_count():
    for case in ca._ulp_cases():
        a, b = case.args
        if abs(ca._distance(a, b)) < 10_000:
            assert case.expected == _steps(a, b), case.label


@pytest.mark.parametrize("a, b", [(1e20, 1.0), (3.0, 1e20), (2.0**53, 1.0), (0.1 * 2**60, 0.2 * 2**60),
                                  (-1e20, 3.5), (1.0, 2.0)])
def test_two_sum_reference_is_exact_in_mpmath(a, b):
    s, e = ca._exact_two_sum(a, b)
    assert s == a + b
    with mpmath.workprec(300):
        assert mpmath.mpf(s) + mpmath.mpf(e) == mpmath.mpf(a) + mpmath.mpf(b)


def test_every_two_sum_case_except_the_exact_one_has_an_error_of_order_one():
    errors = [abs(case.expected[1]) for case in ca._two_sum_cases()]
    assert errors[0] == 0 and min(errors[1:]) >= 1  # so the core's atol=1e-8 cannot hide a zero error


def test_online_cases_expect_scipy_softmax_and_make_the_max_grow():
    for case in ca._online_cases():
        x, size = case.args
        np.testing.assert_allclose(case.expected, scipy.special.softmax(x), rtol=1e-13)
    x, size = ca._online_cases()[0].args
    chunk_maxima = [x[i:i + size].max() for i in range(0, len(x), size)]
    assert chunk_maxima == sorted(set(chunk_maxima))  # every chunk raises the max


def test_mistake_models_differ_from_the_reference_where_they_must():
    x, size = ca._online_cases()[0].args
    assert not np.allclose(ca._no_rescale(x, size), scipy.special.softmax(x))
    assert not np.allclose(ca._inverted_rescale(x, size), scipy.special.softmax(x))
    # With one chunk nothing is rescaled: both models are then right, as they should be.
    np.testing.assert_allclose(ca._no_rescale(x, len(x)), scipy.special.softmax(x), rtol=1e-14)
    np.testing.assert_allclose(ca._inverted_rescale(x, len(x)), scipy.special.softmax(x), rtol=1e-14)


def test_stubs_are_not_attempted_and_references_pass(capsys):
    def stub(a, b):
        ...

    assert not check_ulp_distance(stub).attempted
    assert check_ulp_distance(ca._distance).passed
    assert check_two_sum(lambda a, b: tuple(ca._exact_two_sum(a, b))).passed
    from helpers.numerics import online_softmax

    assert check_online_softmax(online_softmax).passed
    assert "not attempted yet" in capsys.readouterr().out


def test_hints_name_the_mistake(capsys):
    check_ulp_distance(lambda a, b: abs(a - b) / np.spacing(b))
    assert "the ulp doubles at every power of two" in capsys.readouterr().out
    check_two_sum(lambda a, b: (a + b, b - ((a + b) - a)))
    out = capsys.readouterr().out
    assert "failed on the larger number second" in out and "Fast2Sum (e = b - (s - a)) is exact only when" in out
    check_two_sum(lambda a, b: a + b)
    assert "one number came back: return both" in capsys.readouterr().out
    def float32_sum(a, b):
        s = float(np.float32(a) + np.float32(b))
        return s, float(Fraction(a) + Fraction(b) - Fraction(s))

    check_two_sum(float32_sum)
    assert "s must be the rounded float64 sum fl(a + b), exactly" in capsys.readouterr().out
    check_online_softmax(lambda x, size: np.exp(x - x.max()))
    assert "right proportions but the outputs do not sum to 1" in capsys.readouterr().out
