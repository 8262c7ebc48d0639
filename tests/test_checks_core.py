"""More tests of the core of helpers.checks (helpers/checks/_core.py), one behaviour each: the result object of every
verdict, the lines a reader sees for each kind of failure, the near-miss diagnoses at their edges, what counts as a
stub, where an exception is said to come from, and the ASCII fallback.

Like tests/test_checks.py they use toy checkers built on the core with expected values typed in by hand, so they
test the core and nothing else.
"""

import contextlib
import io
import math
import os
from fractions import Fraction

import numpy as np
import pytest

from helpers.checks._core import Case, CheckResult, Spec, describe_exception, fmt, run_check

# --------------------------------------------------------------------------- toy checkers


def _spec(name, *cases):
    return Spec(name, lambda: cases)


SQUARE = _spec(
    "check_square",
    Case("a vector", (np.array([1.5, -2.0, 0.1]),), np.array([2.25, 4.0, 0.01]), "nan?", "not the squares"),
    Case(
        "a batch",
        (np.array([[3.0, 0.5], [-1.0, 2.0], [0.0, 4.0]]),),
        np.array([[9.0, 0.25], [1.0, 4.0], [0.0, 16.0]]),
        "nan?",
        "not the squares",
    ),
)


def run(fn, spec=SQUARE):
    """Run the check with stdout captured; return (result, printed lines)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = run_check(spec, fn)
    assert out.getvalue() == result.feedback + "\n"
    return result, out.getvalue().splitlines()


def fields(result):
    return (result.name, result.passed, result.attempted, result.failed_case, result.checks_passed,
            result.checks_total)


def one_case(x, expected, label="the input", arg_names=("x",)):
    """A checker with a single case, for the near-miss and formatting tests."""
    return _spec("check_toy", Case(label, x, np.asarray(expected), "nan?", "not it", arg_names))


# --------------------------------------------------------------------------- the result object of each verdict


def stub(x): ...


def in_place_square(x):
    x *= x
    return x


class Squarer:
    """A callable object: its source is not a function's, so whether it is a stub is decided by what it printed."""

    def __init__(self, answer=True, talk=""):
        self.answer, self.talk = answer, talk

    def __call__(self, x):
        if self.talk:
            print(self.talk)
        return np.square(x) if self.answer else None


VERDICTS = [
    (np.square, ("check_square", True, True, None, 3, 3)),
    (lambda x: x, ("check_square", False, True, "a vector", 0, 3)),
    (lambda x: np.square(x) if x.ndim == 1 else x, ("check_square", False, True, "a batch", 1, 3)),
    (in_place_square, ("check_square", False, True, "a vector", 2, 3)),
    (None, ("check_square", False, False, None, 0, 3)),
    (..., ("check_square", False, False, None, 0, 3)),
    (stub, ("check_square", False, False, None, 0, 3)),
    (np.array([1.0]), ("check_square", False, True, None, 0, 3)),  # a result, not a function
]


@pytest.mark.parametrize(("fn", "expected"), VERDICTS)
def test_every_verdict_counts_its_checks_and_names_itself(fn, expected):
    """Each case is one check, plus one for leaving the input unchanged; a stub and a non-function count 0."""
    assert fields(run(fn)[0]) == expected


def test_a_numpy_ufunc_is_an_answer_not_a_stub():
    """np.square has no Python source: it returned values, so it is judged on them (and passes)."""
    result, lines = run(np.square)
    assert result and lines == ["✓ check_square: all 3 checks passed"]


def test_a_silent_callable_object_returning_none_is_a_stub_and_a_talking_one_is_not():
    assert run(Squarer(answer=False))[1] == [
        "check_square: not attempted yet",
        "  fill in the function body and run this cell again",
    ]
    result, lines = run(Squarer(answer=False, talk="[2.25 4. 0.01]"))
    assert result.attempted
    assert lines[1] == (
        "  your function returned None for this input: is a `return` missing? "
        "(it printed '[2.25 4. 0.01]' instead of returning it)"
    )


def test_a_silent_lambda_returning_none_is_asked_about_return():
    """A lambda always does some work: x.sort() sorts in place and returns None."""
    result, lines = run(lambda x: x.sort())
    assert result.attempted
    assert lines[1] == "  your function returned None for this input: is a `return` missing?"


def test_an_internal_error_is_one_line_and_a_failed_attempt():
    def broken_cases():
        raise RuntimeError("no cases today")

    result, lines = run(np.square, Spec("check_broken", broken_cases))
    assert lines == ["✗ check_broken: could not check this function (RuntimeError: no cases today)"]
    assert fields(result) == ("check_broken", False, True, None, 0, 0)


def test_passing_a_value_names_the_call_with_every_argument():
    spec = _spec("check_scaled", Case("ints", (np.array([1.0, 2.0]), 3.0), np.array([3.0, 6.0]), "", "", ("x", "k")))
    assert run(6.0, spec)[1] == [
        "✗ check_scaled needs the function itself: pass `scaled`, not `scaled(x, k)` (got float)"
    ]


# --------------------------------------------------------------------------- the lines of a failure


def test_a_function_that_changes_its_input_is_shown_on_the_first_case_it_changed():
    result, lines = run(in_place_square)
    assert lines == [
        "✗ check_square failed on a vector, x = [1.5, -2, 0.1]",
        "  your function changed the array it was given",
        "  hint: input array modified in place: compute into a new array (x = x - m, not x -= m), so the caller's "
        "values are left as they were",
    ]


def test_a_wrong_row_of_a_batch_is_shown_aligned_with_enough_digits():
    _, lines = run(lambda x: np.square(x) * np.where(np.arange(x.size).reshape(x.shape) == 3, 1.0001, 1.0))
    assert lines[1:3] == [
        "  row 1: expected [1, 4]",
        "         got      [1, 4.0004]",
    ]


def test_the_heading_prints_each_argument_to_six_digits():
    spec = one_case((np.array([0.1234567]), 2), [0.1234567**2], arg_names=("x", "k"))
    assert run(lambda x, k: x, spec)[1][0] == "✗ check_toy failed on the input, x = [0.123457], k = 2"


def test_a_complex_array_and_a_list_of_strings_are_refused_by_what_they_are():
    assert run(lambda x: np.square(x) + 0j)[1][1] == (
        "  your function returned an array of dtype complex128, not an array of real numbers"
    )
    assert run(lambda x: ["a"] * len(x))[1][1] == "  your function returned a list, not an array of real numbers"


def test_a_list_of_fractions_is_checked_by_its_values():
    assert run(lambda x: [[Fraction(v) ** 2 for v in row] for row in x] if x.ndim == 2 else [Fraction(v) ** 2
                                                                                              for v in x])[0]


@pytest.mark.parametrize("length", [60, 61, 200])
def test_what_was_printed_is_quoted_up_to_60_characters(length):
    text = ("0123456789" * 20)[:length]
    _, lines = run(Squarer(answer=False, talk=text))
    shown = text if length <= 60 else text[:57] + "..."
    assert lines[1].endswith(f"(it printed {shown!r} instead of returning it)")


def test_an_input_holding_nan_is_not_called_changed():
    """nan != nan, yet an input holding nan that comes back as it was is unchanged."""
    spec = one_case((np.array([np.nan, 1.0]),), [0.0, 1.0])
    assert run(np.nan_to_num, spec)[0]


def test_a_string_argument_is_compared_as_a_string():
    spec = one_case((np.array([1.0, 3.0]), "mean"), 2.0, arg_names=("x", "how"))
    assert run(lambda x, how: getattr(np, how)(x), spec)[0]


# --------------------------------------------------------------------------- near misses at their edges

CLOSE = "  hint: close, but not within the tolerance (rtol=1e-05, atol=1e-08): the largest difference is "


def test_a_near_miss_on_a_single_number_names_no_index():
    spec = one_case((np.array([1.0, 2.0]),), 3.0)
    assert run(lambda x: 3.000123456789, spec)[1][-1] == (
        CLOSE + "0.00012 (expected 3, got 3.0001); "
        "is a constant rounded (2.718 for e) or part of the work done in low precision?"
    )


def test_twice_the_answer_is_not_close_however_small_the_values():
    """Close means within 1% of the largest value, not within 0.01."""
    spec = one_case((np.array([0.01, 0.02]),), [1e-4, 4e-4])
    assert run(lambda x: 2 * np.square(x), spec)[1][-1] == "  hint: not it"


def test_a_nan_answer_is_no_near_miss():
    spec = one_case((np.array([1.0, 2.0]),), [1.0, 4.0])
    assert run(lambda x: np.array([1.0, np.nan]), spec)[1][-1] == "  hint: not it"


def test_an_answer_rounded_to_one_decimal_is_named():
    spec = one_case((np.array([1.23, 2.1]),), [1.5129, 4.41])
    assert run(lambda x: np.round(np.square(x), 1), spec)[1][-1] == (
        CLOSE + "0.013 (at index 0: expected 1.51, got 1.5); your values are rounded to 1 decimals: return them "
        "unrounded"
    )


def test_values_that_half_precision_holds_exactly_are_not_blamed_on_it_when_the_reference_is_exact_too():
    """2.25, 4 and 0.25 are float16 numbers: an answer made of float16 numbers says nothing about precision."""
    spec = one_case((np.array([1.5, 2.0, 0.5]),), [2.25, 4.0, 0.25])
    wrong = np.array([2.25, 4.0, float(np.nextafter(np.float16(0.25), np.float16(1)))])  # 0.25024414
    assert run(lambda x: wrong, spec)[1][-1] == (
        CLOSE + "0.00024 (at index 2: expected 0.25, got 0.2502); "
        "is a constant rounded (2.718 for e) or part of the work done in low precision?"
    )


ROUNDED = "is a constant rounded (2.718 for e) or part of the work done in low precision?"


@pytest.mark.parametrize(
    ("expected", "answer", "hint"),
    [
        # 4e-8 is below half the floor 1e-7: clipping is the visible cause.
        (
            [0.49, 1e-8, 4e-8, 0.25],
            [0.49, 1e-7, 1e-7, 0.25],
            "values below 1e-07 were raised to 1e-07 (clipped): return the exact values",
        ),
        # An exact value that sits on the floor does not hide the clipping of those below it.
        (
            [0.49, 1e-7, 1e-8, 0.25],
            [0.49, 1e-7, 1e-7, 0.25],
            "values below 1e-07 were raised to 1e-07 (clipped): return the exact values",
        ),
        # Values below 0.5 raised to about 0.5 but not all to the same number: no clipping.
        ([100.0, 0.2, 0.1], [100.0, 0.5, 0.5000001], ROUNDED),
        # Negative values raised to 0: 0 is no floor of a probability.
        ([np.pi / 10, -0.001, -0.002, 1.0], [np.pi / 10, 0.0, 0.0, 1.0], ROUNDED),
    ],
    ids=["clipped", "an exact value on the floor", "not all on the floor", "raised to 0"],
)
def test_a_clipped_answer_is_named_only_when_every_value_below_the_floor_sits_on_it(expected, answer, hint):
    spec = one_case((np.array([1.0]),), expected)
    line = run(lambda x: np.array(answer), spec)[1][-1]
    assert line.startswith(CLOSE)
    assert line.endswith("; " + hint)


def test_values_clipped_at_a_floor_of_one_third_of_the_smallest_are_named():
    """The smallest exact value 4e-8 is below half the floor 1e-7 (not below a third of it)."""
    spec = one_case((np.array([0.7, 2e-4, 0.5]),), [0.49, 4e-8, 0.25])
    assert run(lambda x: np.maximum(np.square(x), 1e-7), spec)[1][-1].endswith(
        "values below 1e-07 were raised to 1e-07 (clipped): return the exact values"
    )


# --------------------------------------------------------------------------- exceptions and where they came from


def _row_of(x):
    return x[5]


def uses_a_helper(x):
    return _row_of(x)


def joins_paths(x):
    return os.path.join(x, "squares")


def exp_in_a_generator(x):
    return np.fromiter((math.pow(v, 2) for v in x.tolist()), float)  # a batch's rows are lists


def uses_a_lambda(x):
    pick = lambda v: v[5]  # noqa: E731 -- the reader's own style
    return pick(x)


def runs_a_string(x):
    exec("y = x[5]")


def a_very_long_line(x):
    return x[5] + 1.0 * 2.0 + 3.0 + 4.0 + 5.0 + 6.0 + 7.0 + 8.0 + 9.0 + 10.0 + 11.0 + 12.0 + 13.0 + 14.0 + 15.0 + 0.0


def a_line_of_exactly_100(x):
    return x[5] + 1.0 * 2.0 + 3.0 + 4.0 + 5.0 + 6.0 + 7.0 + 8.0 + 9.0 + 10.0 + 11.0 + 12.0 + 13.0 + 14.0


WHERE = [
    (uses_a_helper, "  at line 2 of _row_of: return x[5]"),  # the last line the reader wrote
    (joins_paths, "  at line 2 of joins_paths: return os.path.join(x, \"squares\")"),  # not <frozen posixpath>
    (
        exp_in_a_generator,
        "  at line 2 of exp_in_a_generator: return np.fromiter((math.pow(v, 2) for v in x.tolist()), float) # a "
        "batch's rows are lists",
    ),
    (uses_a_lambda, "  at your lambda: pick = lambda v: v[5] # noqa: E731 -- the reader's own style"),
    (runs_a_string, "  at line 1"),  # code run from a string: no source to show
    (
        a_very_long_line,
        "  at line 2 of a_very_long_line: return x[5] + 1.0 * 2.0 + 3.0 + 4.0 + 5.0 + 6.0 + 7.0 + 8.0 + 9.0 + 10.0 + "
        "11.0 + 12.0 + 13.0 + 1...",
    ),
    (
        a_line_of_exactly_100,
        "  at line 2 of a_line_of_exactly_100: return x[5] + 1.0 * 2.0 + 3.0 + 4.0 + 5.0 + 6.0 + 7.0 + 8.0 + 9.0 + "
        "10.0 + 11.0 + 12.0 + 13.0 + 14.0",
    ),
]


@pytest.mark.parametrize(("fn", "line"), WHERE, ids=[fn.__name__ for fn, _ in WHERE])
def test_an_exception_is_placed_at_the_readers_own_line(fn, line):
    lines = run(fn)[1]
    assert lines[1].startswith("  your function raised ")
    assert lines[2] == line


def test_math_on_a_row_of_a_batch_gets_the_one_number_at_a_time_hint():
    """math.pow on a list (a row of x.tolist()) says 'must be real number, not list'."""
    _, lines = run(lambda x: [math.pow(v, 2) for v in x.tolist()])
    assert lines[1] == "  your function raised TypeError: must be real number, not list"
    assert lines[-1] == (
        "  hint: math functions take one number at a time: use np.exp on arrays, or loop over the values"
    )


def test_a_function_with_too_few_parameters_is_told_the_call_with_every_argument():
    """The hint reads the whole message: here a long qualified name pushes 'positional argument' past the 100
    characters that describe_exception shows."""
    spec = _spec("check_scaled", Case("ints", (np.array([1.0, 2.0]), 3.0), np.array([3.0, 6.0]), "", "", ("x", "k")))
    assert run(lambda x: x, spec)[1][-1] == (
        "  hint: the check calls fn(x, k): define your function with exactly these parameters"
    )


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("broken")


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (ValueError(), "ValueError"),
        (ValueError("  two\n  lines  "), "ValueError: two lines"),
        (Unprintable(), "Unprintable: <message could not be printed>"),
        (ValueError("x" * 100), "ValueError: " + "x" * 100),
        (ValueError("x" * 101), "ValueError: " + "x" * 97 + "..."),
    ],
)
def test_an_exception_is_described_in_one_short_line(exc, text):
    assert describe_exception(exc) == text


def test_a_reassigned_parameter_that_is_not_a_conversion_is_work():
    """x = np.random.random() (a call without arguments) is no stub: a missing return is asked about."""

    def guesses(x):
        x = np.random.random()  # noqa: F841 -- the missing return is the mistake

    def writes_into_x(x):
        x[...] = np.square(x)

    for fn in (guesses, writes_into_x):
        result, lines = run(fn)
        assert result.attempted
        assert lines[1] == "  your function returned None for this input: is a `return` missing?"


def test_numpy_set_to_raise_by_the_notebook_does_not_break_the_check():
    """A notebook may run np.seterr(all='raise'); the check's own arithmetic on a nan answer must still work."""
    with np.errstate(all="raise"):
        result, lines = run(lambda x: np.square(x) / 0 * 0)
    assert result.attempted
    assert lines[-1] == "  hint: not the squares"


# --------------------------------------------------------------------------- formatting and the ASCII fallback


def test_fmt_prints_up_to_12_values_and_summarises_more():
    assert fmt(np.arange(12.0), 3) == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]"
    assert fmt(np.arange(13.0), 3) == "an array of shape (13,)"
    assert fmt(np.array([[1, 2], [3, 4]]), 3) == "[[1, 2], [3, 4]]"


def test_a_console_without_unicode_gets_ascii_feedback():
    spec = one_case((np.array([1.0, 2.0]),), [1.0, 4.0], label="squares — with ü")
    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii")
    with contextlib.redirect_stdout(ascii_out):
        result = run_check(spec, lambda x: x)
    ascii_out.flush()
    assert not result and result.attempted
    assert raw.getvalue().decode("ascii").splitlines()[0] == "X check_toy failed on squares - with ?, x = [1, 2]"


def test_result_repr_of_a_stub():
    assert repr(CheckResult("check_x", False, False, ("not yet",), None, 0, 3)) == (
        "CheckResult(name='check_x', passed=False, attempted=False, checks_passed=0/3)"
    )


# --------------------------------------------------------------------------- more edges (mutation testing)

CONVERTERS = [np.asarray]


def calls_a_converter_from_a_list(x):
    x = CONVERTERS[0](x)  # a call of neither a name nor an attribute: no conversion the stub rule knows


def test_a_reassignment_through_a_subscripted_call_is_work_not_a_stub():
    result, lines = run(calls_a_converter_from_a_list)
    assert fields(result) == ("check_square", False, True, "a vector", 0, 3)
    assert lines == [
        "✗ check_square failed on a vector, x = [1.5, -2, 0.1]",
        "  your function returned None for this input: is a `return` missing?",
    ]


def test_a_difference_of_exactly_one_percent_of_the_largest_value_is_still_a_near_miss():
    """101 for 100: the difference 1 is exactly 1e-2 times the scale, the edge that still counts as close."""
    spec = one_case((np.array([10.0]),), [100.0])
    assert run(lambda x: np.array([101.0]), spec)[1][-1] == (
        CLOSE + "1 (at index 0: expected 100, got 101); your values are rounded to 1 decimals: return them unrounded"
    )


def test_a_value_exactly_half_the_floor_is_no_sign_of_clipping():
    """Clipping is named only when the exact values below the floor are under half of it: here one is exactly half."""
    spec = one_case((np.array([1.0]),), [10 * np.pi, 2.0**-22])
    assert run(lambda x: np.array([10 * np.pi, 2.0**-21]), spec)[1][-1] == (
        CLOSE + "2.4e-07 (at index 1: expected 2.38e-07, got 4.77e-07); " + ROUNDED
    )


def test_digits_to_differ_stops_at_17_when_nothing_printed_differs():
    """17 significant digits tell any two doubles apart; equal values, or arrays too long to print, never differ."""
    from helpers.checks._core import digits_to_differ

    assert digits_to_differ(0.1, 0.1) == 17
    assert digits_to_differ(np.zeros(13), np.ones(13)) == 17  # both print as "an array of shape (13,)"
    assert digits_to_differ(1.0, 1.0 + 2.0**-52) == 17  # the last bit: 17 digits are needed and enough


def test_a_notebook_set_to_raise_still_gets_the_near_miss_of_values_beyond_half_precision():
    """The near-miss diagnosis casts the answer to float16, which overflows above 65504: under np.seterr(all='raise')
    that must not turn into 'could not check'."""
    spec = one_case((np.array([1000.0]),), [1e6 + np.pi])
    with np.errstate(all="raise"):
        result, lines = run(lambda x: x * 1000.1 + np.pi, spec)
    assert lines[-1] == CLOSE + "1e+02 (at index 0: expected 1e+06, got 1.0001e+06); " + ROUNDED


# --------------------------------------------------------------------------- the checkers' own hooks and inputs


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.float32])
def test_an_integer_or_unsigned_answer_is_checked_by_its_values(dtype):
    """Whole-number answers (a label, a count) come back as int or uint arrays; they are numbers, not refused."""
    spec = one_case((np.array([1.0, 2.0, 3.0]),), [1.0, 4.0, 9.0])
    result, lines = run(lambda x: np.square(x).astype(dtype), spec)
    assert result.passed, lines


def test_a_checkers_shape_hook_gets_the_shape_returned_and_its_hint_is_shown():
    seen = []

    def diagnose_shape(case, shape):
        seen.append((case.label, shape))
        return f"the checker's own hint for shape {shape}"

    spec = Spec("check_square", SQUARE.make_cases, diagnose_shape=diagnose_shape)
    lines = run(lambda x: np.square(x)[..., None], spec)[1]
    assert lines[1:] == [
        "  expected an array of shape (3,), got shape (3, 1)",
        "  hint: the checker's own hint for shape (3, 1)",
    ]
    assert seen == [("a vector", (3, 1))]


def test_a_checkers_values_hook_gets_the_answer_as_float64_and_its_hint_is_shown():
    seen = []

    def diagnose_values(case, got):
        seen.append((case.label, got.dtype, got.tolist()))
        return "the checker's own hint for these values"

    spec = Spec("check_square", SQUARE.make_cases, diagnose_values=diagnose_values)
    lines = run(lambda x: np.ones(x.shape, dtype=np.float32), spec)[1]
    assert lines[-1] == "  hint: the checker's own hint for these values"
    assert seen == [("a vector", np.dtype(np.float64), [1.0, 1.0, 1.0])]


def test_an_integer_answer_to_a_fractional_reference_is_named_before_the_checkers_hook():
    spec = Spec("check_square", SQUARE.make_cases, diagnose_values=lambda case, got: "the checker's own hint")
    lines = run(lambda x: np.ones(x.shape, dtype=np.int64), spec)[1]  # the reference [2.25, 4, 0.01]
    assert "returned integers (dtype int64)" in lines[-1]


@pytest.mark.parametrize(("dtype", "words"), [(np.float16, "a float16 array (half precision)"),
                                               (np.float32, "a float32 array (single precision)")])
def test_a_low_precision_answer_is_named_before_the_checkers_hook(dtype, words):
    """Half precision fails the tolerance everywhere; single precision where the reference needs more digits."""
    x = np.array([1.0001, -2.0, 0.1])
    case = Case("close values", (x,), x.astype(np.float64) ** 2 + np.array([0.0, 0.0, 2e-6]), "nan?", "not")
    spec = Spec("check_square", lambda: (case,), diagnose_values=lambda case, got: "a formula property")
    lines = run(lambda x: (x**2).astype(dtype), spec)[1]
    assert words in lines[-1]
    assert "a formula property" not in lines[-1]


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda x: x if x > 0 else -x, "Python's max() or sum() (or an `if`) was given a whole array"),
        (lambda x: x * float("two"), "run your function on the input above to see the error"),  # another ValueError
    ],
    ids=["truth value of an array", "could not convert"],
)
def test_only_the_truth_value_error_gets_the_whole_array_hint(fn, hint):
    assert run(fn)[1][-1].startswith("  hint: " + hint)


def test_random_logits_are_normal_with_mean_0_and_standard_deviation_scale_rounded_to_4_decimals():
    """Against the distribution's moments (standard errors at n = 200000: 0.007 for the mean, 0.005 for sd 3)."""
    from helpers.checks._core import random_logits

    x = random_logits((200_000,), seed=0)
    assert abs(x.mean()) < 0.03
    assert abs(x.std() - 3.0) < 0.03
    assert np.array_equal(x, np.round(x, 4))
    half = random_logits((200_000,), seed=1, scale=0.5)
    assert abs(half.mean()) < 0.005
    assert abs(half.std() - 0.5) < 0.005
