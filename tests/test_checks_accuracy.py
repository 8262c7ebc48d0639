"""Chapter 6 self-checks: their references are right (checked independently), and the verdicts and hints on the
mistakes they claim to name.  The student-attempt corpus (tests/student_attempts/accuracy.py) adds 57 attempts."""

import contextlib
import copy
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


def test_online_cases_expect_the_max_and_the_normaliser_scipy_gives():
    for case in ca._online_cases():
        z = case.args[0].scores()
        mu, ell = case.expected
        assert mu == z.max()
        # scipy's logsumexp is LSE(z) = mu + log(ell): an independent route to ell.
        assert math.isclose(math.log(ell), scipy.special.logsumexp(z) - z.max(), rel_tol=1e-13, abs_tol=1e-15)
    chunks = ca._online_cases()[0].args[0].chunks
    chunk_maxima = [c.max() for c in chunks]
    assert chunk_maxima == sorted(set(chunk_maxima))  # every chunk raises the max


def test_mistake_models_differ_from_the_reference_where_they_must():
    case = ca._online_cases()[0]
    chunks = case.args[0].chunks
    assert not np.allclose(ca._model(chunks, -np.inf, np.max, rescale=False), case.expected)
    assert not np.allclose(ca._model(chunks, -np.inf, np.max, inverted=True), case.expected)
    np.testing.assert_allclose(ca._model(chunks, -np.inf, np.max), case.expected, rtol=1e-14)
    # With one chunk nothing is rescaled: both models are then right, as they should be.
    one = ca._online_cases()[-1]
    for kwargs in ({"rescale": False}, {"inverted": True}):
        np.testing.assert_allclose(ca._model(one.args[0].chunks, -np.inf, np.max, **kwargs), one.expected, rtol=1e-14)


def one_pass(chunks):
    mu, ell = -np.inf, 0.0
    for chunk in chunks:
        new = max(mu, chunk.max())
        mu, ell = new, ell * np.exp(mu - new) + np.exp(chunk - new).sum()
    return mu, ell


def test_the_stream_refuses_a_second_pass_and_kept_chunks_but_not_a_first_chunk_held():
    stream = copy.deepcopy(ca._online_cases()[3].args[0])  # four chunks, open as the reader gets it
    firsts = [float(c[0]) for c in stream]
    assert firsts == [3.0, 1.0, 0.5, -2.0]
    with pytest.raises(RuntimeError, match="read a second time"):
        list(stream)
    with pytest.raises(RuntimeError, match="kept in memory"):
        list(copy.deepcopy(ca._online_cases()[3].args[0]))
    with pytest.raises(TypeError, match="not one array"):
        np.asarray(copy.deepcopy(stream))
    it = iter(copy.deepcopy(stream))
    first = next(it)  # noqa: F841 -- held on purpose, with the loop variable: two chunks alive is allowed
    rest = [float(chunk.max()) for chunk in it]  # a comprehension that keeps none of the chunks
    assert rest == [1.0, 0.5, -2.0]


def test_stubs_are_not_attempted_and_references_pass(capsys):
    def stub(a, b):
        ...

    assert not check_ulp_distance(stub).attempted
    assert check_ulp_distance(ca._distance).passed
    assert check_two_sum(lambda a, b: tuple(ca._exact_two_sum(a, b))).passed
    assert check_online_softmax(one_pass).passed
    assert "not attempted yet" in capsys.readouterr().out


def test_hints_name_the_mistake(capsys):
    check_ulp_distance(lambda a, b: abs(a - b) / np.spacing(b))
    assert "the ulp doubles at every power of two" in capsys.readouterr().out
    check_two_sum(lambda a, b: (a + b, b - ((a + b) - a)))
    out = capsys.readouterr().out
    assert "failed on the larger number second" in out and "Fast2Sum (e = q - (s - p)) is exact only when" in out
    check_two_sum(lambda a, b: a + b)
    assert "one number came back: return both" in capsys.readouterr().out
    def float32_sum(a, b):
        s = float(np.float32(a) + np.float32(b))
        return s, float(Fraction(a) + Fraction(b) - Fraction(s))

    check_two_sum(float32_sum)
    assert "s must be the rounded float64 sum fl(p + q), exactly" in capsys.readouterr().out
    check_online_softmax(lambda chunks: one_pass(chunks)[::-1])
    assert "mu and ell came back swapped" in capsys.readouterr().out


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


def scipy_online(chunks):
    z = np.concatenate(list(chunks) if not isinstance(chunks, ca.ChunkStream) else chunks.chunks)
    return np.array([z.max(), np.exp(scipy.special.logsumexp(z) - z.max())])


def _fails_only(case, reference, spoil):
    """An answer that is right on every case except ``case``, where it returns ``spoil(right answer)``."""

    def answer(*args):
        right = np.asarray(reference(*args), dtype=np.float64)
        same = all(a == b if isinstance(a, ca.ChunkStream) else
                   np.shape(a) == np.shape(b) and np.array_equal(a, b) and np.all(np.signbit(a) == np.signbit(b))
                   for a, b in zip(args, case.args))
        return spoil(right) if same else right

    return answer


def _wrong_for(check):
    """A wrong value that no named mistake explains, so that the case's own fallback hint shows."""
    return {
        check_ulp_distance: lambda d: 2 * d + 1,
        check_two_sum: lambda se: np.array([se[0], se[1] + 0.5]),  # s right, e wrong: e is never a near miss
        check_online_softmax: lambda p: np.array([p[0], 1.5 * p[1]]),  # mu right, ell off by a factor
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
    online = {case.label: case.args[0].chunks for case in ca._online_cases()}
    chunks = online["decreasing scores, one score per chunk"]
    assert {len(c) for c in chunks} == {1} and np.all(np.diff(np.concatenate(chunks)) < 0)
    assert len(online["one chunk"]) == 1
    assert np.concatenate(online["all scores negative, chunks of 2"]).max() < 0
    assert any(c.argmax() > 0 for c in online["a chunk whose max is not its first score"])


# --------------------------------------------------------------------------- the diagnoses, case by case


@pytest.mark.parametrize("case", [c for c in ca._two_sum_cases() if c.expected[1] != 0], ids=lambda c: c.label)
def test_an_error_with_the_wrong_sign_is_named_on_every_case(case):
    """Including the case |a| < |b|, where the Fast2Sum hint must not take over every wrong error."""
    s, e = case.expected
    assert "the error has the wrong sign" in ca._two_sum_diagnose(case, np.array([s, -e]))


ONLINE_MISTAKES = [
    (attempts.online_no_rescale, "the running sum was not rescaled"),
    (attempts.online_inverted_rescale, "the rescaling factor is upside down"),
    (attempts.online_max_starts_at_zero, "a running maximum that starts at 0"),
    (attempts.online_first_score_as_chunk_max, "a chunk's maximum is not its first score"),
]


@pytest.mark.parametrize("case", ca._online_cases(), ids=lambda c: c.label)
def test_each_online_mistake_is_named_on_every_case_where_it_shows(case):
    """The learners' own code for each mistake (from the corpus), on every case: named wherever it gives a wrong
    answer, not only on the first case where the corpus attempts fail."""
    for attempt, words in ONLINE_MISTAKES:
        with np.errstate(all="ignore"):
            got = np.asarray(attempt(copy.deepcopy(case.args[0])), dtype=np.float64)
        if not np.allclose(got, case.expected, rtol=1e-5, atol=1e-8):
            # A wrong mu is named first; with mu right, an overflowed ell gets the hint that names both causes.
            expected = words if np.isfinite(got).all() or got[0] != case.expected[0] else "exp(mu_old - mu_new)"
            assert expected in ca._online_diagnose(case, got), (case.label, attempt.__name__)
