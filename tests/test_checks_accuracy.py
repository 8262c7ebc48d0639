"""Chapter 6 self-checks: their references are right (checked independently), and the verdicts and hints on the
mistakes they claim to name.  The student-attempt corpus (tests/student_attempts/accuracy.py) adds 42 attempts."""

import contextlib
import io
import math
import struct
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.special
from snapshots import assert_snapshot
from student_attempts import accuracy as attempts

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


# --------------------------------------------------------------------------- every case, as a student sees it


def run(check, fn):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check(fn)
    return result, out.getvalue()


def _position(v):
    """Independent of the checker's bit trick: struct's signed 64-bit view, negative floats counted down from 0."""
    (bits,) = struct.unpack("<q", struct.pack("<d", v))
    return bits if bits >= 0 else -(bits + 2**63)


def scipy_free_ulps(a, b):
    return abs(_position(a) - _position(b))


def fraction_two_sum(a, b):
    s = a + b
    return s, float(Fraction(a) + Fraction(b) - Fraction(s))


def scipy_online(x, size):
    return scipy.special.softmax(x)


def _fails_only(case, reference, spoil):
    """An answer that is right on every case except ``case``, where it returns ``spoil(right answer)``."""

    def answer(*args):
        right = np.asarray(reference(*args), dtype=np.float64)
        same = all(np.shape(a) == np.shape(b) and np.array_equal(a, b) and np.all(np.signbit(a) == np.signbit(b))
                   for a, b in zip(args, case.args))
        return spoil(right) if same else right

    return answer


def _wrong_for(check):
    """A wrong value that no named mistake explains, so that the case's own fallback hint shows."""
    return {
        check_ulp_distance: lambda d: 2 * d + 1,
        check_two_sum: lambda se: np.array([se[0], se[1] + 0.5]),  # s right, e wrong: e is never a near miss
        check_online_softmax: lambda p: p[::-1],  # sums to 1, wrong order
    }[check]


def _nan(right):
    return np.full_like(right, np.nan)


def test_the_feedback_on_each_case_is_the_reviewed_one():
    """For every case of the three checkers, what a student sees when only that case goes wrong: its label, its inputs
    as printed, the expected values, and the case's own hints for a wrong value and for a nan.  Pins the cases
    themselves (a changed input, label or hint shows here) and the hints that no corpus attempt reaches."""
    blocks = []
    for check, cases, reference in [(check_ulp_distance, ca._ulp_cases, scipy_free_ulps),
                                    (check_two_sum, ca._two_sum_cases, fraction_two_sum),
                                    (check_online_softmax, ca._online_cases, scipy_online)]:
        for case in cases():
            for name, spoil in (("wrong", _wrong_for(check)), ("nan", _nan)):
                result, printed = run(check, _fails_only(case, reference, spoil))
                assert result.failed_case == case.label, printed
                blocks.append(f"## {check.__name__}, {case.label}, {name}\n{printed}")
    assert_snapshot("checks/accuracy_cases", "\n".join(blocks))


def test_the_cases_test_what_their_labels_say():
    ulp = {case.label: case.args for case in ca._ulp_cases()}
    assert scipy_free_ulps(*ulp["neighbours"]) == 1 and scipy_free_ulps(*ulp["five steps above 1"]) == 5
    lo, hi = ulp["across the power of two at 1"]
    assert lo < 1.0 < hi and scipy_free_ulps(lo, hi) == 3  # two steps below 1 (2**-53 each), one above (2**-52)
    assert all(v < 0 for v in ulp["two negative numbers"])
    assert math.copysign(1, ulp["-0.0 and 0.0"][0]) == -1 and scipy_free_ulps(*ulp["-0.0 and 0.0"]) == 0
    assert ulp["the smallest subnormals"] == (-5e-324, 5e-324) and scipy_free_ulps(-5e-324, 5e-324) == 2
    two = {case.label: case.args for case in ca._two_sum_cases()}
    a, b = two["a tie rounded to even"]
    assert a + b == a and fraction_two_sum(a, b)[1] == b  # 2**53 + 1 lies halfway, and rounds to the even 2**53
    assert two["0.1 + 0.2, scaled by 2**60"] == (0.1 * 2.0**60, 0.2 * 2.0**60)
    assert sum(two["a negative sum"]) < 0
    online = {case.label: case.args for case in ca._online_cases()}
    x, size = online["decreasing scores, one score per chunk"]
    assert size == 1 and np.all(np.diff(x) < 0)
    x, size = online["one chunk larger than x"]
    assert size > len(x)


# --------------------------------------------------------------------------- the diagnoses, case by case


@pytest.mark.parametrize("case", [c for c in ca._two_sum_cases() if c.expected[1] != 0], ids=lambda c: c.label)
def test_an_error_with_the_wrong_sign_is_named_on_every_case(case):
    """Including the case |a| < |b|, where the Fast2Sum hint must not take over every wrong error."""
    s, e = case.expected
    assert "the error has the wrong sign" in ca._two_sum_diagnose(case, np.array([s, -e]))


@pytest.mark.parametrize("factor", [2.0, 0.5, 1e3])
def test_outputs_proportional_to_softmax_are_told_to_divide_by_the_final_sum(factor):
    for case in ca._online_cases():
        hint = ca._online_diagnose(case, factor * case.expected)
        assert "right proportions but the outputs do not sum to 1" in hint, (case.label, hint)


def test_wrong_proportions_that_do_not_sum_to_1_are_not_called_right_proportions():
    for case in ca._online_cases():
        hint = ca._online_diagnose(case, 2 * case.expected[::-1])
        assert "right proportions" not in (hint or ""), (case.label, hint)


ONLINE_MISTAKES = [
    (attempts.online_no_rescale, "the running sum was not rescaled"),
    (attempts.online_inverted_rescale, "the rescaling factor is upside down"),
    (attempts.online_outputs_written_during_the_pass, "the outputs were written chunk by chunk"),
]


@pytest.mark.parametrize("case", ca._online_cases(), ids=lambda c: c.label)
def test_each_online_mistake_is_named_on_every_case_where_it_shows(case):
    """The learners' own code for each mistake (from the corpus), on every case: named wherever it gives a wrong but
    finite answer, not only on the first case, where the corpus attempts fail.  (Where the max never grows after the
    first chunk, nothing needs rescaling, and each of them is right.)"""
    x, size = case.args
    for attempt, words in ONLINE_MISTAKES:
        with np.errstate(all="ignore"):
            got = np.asarray(attempt(x.copy(), size), dtype=np.float64)
        grows = any(x[i:i + size].max() > x[:i].max() for i in range(size, len(x), size))
        assert np.allclose(got, scipy.special.softmax(x), rtol=1e-5, atol=1e-8) != grows, case.label
        if grows and np.all(np.isfinite(got)):
            assert words in ca._online_diagnose(case, got)
