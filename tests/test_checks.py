"""Tests for helpers.checks: right answers pass, each known mistake fails with its own hint.

The mistakes are written out the way learners write them (several are copied from
the two source posts), so a test failing here means a reader would get a wrong or
vague hint in the book.
"""

import builtins
import contextlib
import io

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import helpers
from helpers import numerics
from helpers.checks import CheckResult, check_softmax

NOT_ATTEMPTED = "check_softmax: not attempted yet\n  fill in the function body and run this cell again\n"
N_CHECKS = 7


def run(fn):
    """Run the check with stdout captured; return (result, printed text)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check_softmax(fn)
    return result, out.getvalue()


# --------------------------------------------------------------------------- correct answers


def keepdims_softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def logsumexp_softmax(x):
    return np.exp(x - scipy.special.logsumexp(x, axis=-1, keepdims=True))


def float32_softmax(x):
    return keepdims_softmax(np.asarray(x, dtype=np.float32))


def loop_softmax(x):
    """Row by row in a Python list: a friendly check accepts the list it returns."""
    if x.ndim == 1:
        return keepdims_softmax(x).tolist()
    return [keepdims_softmax(row).tolist() for row in x]


CORRECT = [
    helpers.softmax,
    numerics.softmax,
    keepdims_softmax,
    lambda x: scipy.special.softmax(x, axis=-1),
    logsumexp_softmax,
    float32_softmax,
    loop_softmax,
]


@pytest.mark.parametrize("fn", CORRECT)
def test_correct_implementations_pass(fn, capsys):
    result = check_softmax(fn)
    assert result
    assert result.passed and result.attempted
    assert result.failed_case is None
    assert result.checks_passed == result.checks_total == N_CHECKS
    assert capsys.readouterr().out == f"✓ check_softmax: all {N_CHECKS} checks passed\n"


# --------------------------------------------------------------------------- the mistake museum


def naive(x):
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def deepnotes_stable_softmax(X):
    """Verbatim from the deepnotes post: the shift is applied after exp."""
    exps = np.exp(X) - np.max(X)
    return exps / np.sum(exps)


def neuralthreads_softmax(x):
    """Verbatim from the neuralthreads post: no axis, so a batch is normalised as a whole."""
    return np.exp(x) / np.sum(np.exp(x))


def whole_batch(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def global_max_row_sum(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=-1, keepdims=True)


def shift_by_max_or_zero(x):
    e = np.exp(x - np.maximum(0.0, np.max(x, axis=-1, keepdims=True)))
    return e / np.sum(e, axis=-1, keepdims=True)


def divide_by_max_times_sum(x):
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - m)
    return e / (m * np.sum(e, axis=-1, keepdims=True))


def scores_over_sum(x):
    return x / np.sum(x, axis=-1, keepdims=True)


def shift_by_mean(x):
    e = np.exp(x - np.mean(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def no_keepdims(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1)


def axis_one(x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def axis_zero(x):
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def returns_the_sum(x):
    return np.sum(np.exp(x - np.max(x)))


def vector_only(x):
    """Returns None for a batch: a `return` missing on one path."""
    if x.ndim == 1:
        return keepdims_softmax(x)


def mutates_input(x):
    x -= np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)


def needs_axis(x, axis):
    return keepdims_softmax(x)


def raises_value_error(x):
    raise ValueError("scores must be positive")


def returns_text(x):
    return "0.09 0.24 0.67"


ROWS_HINT = (
    "rows do not sum to 1 in a batch: reduce with axis=-1, keepdims=True so each row is normalised on its own"
)

MISTAKES = [
    # (function, case it must fail on, text the hint must contain)
    (naive, "large values", "nan for large inputs: did you subtract the max before exponentiating?"),
    (
        deepnotes_stable_softmax,
        "a small vector",
        "shift applied after exp: write exp(x - max(x)), not exp(x) - max(x)",
    ),
    (neuralthreads_softmax, "a batch of rows", ROWS_HINT),
    (whole_batch, "a batch of rows", ROWS_HINT),
    (
        global_max_row_sum,
        "rows at different scales",
        "a row far below the batch maximum came back as nan: "
        "the max must be taken per row, not over the whole batch",
    ),
    (
        shift_by_max_or_zero,
        "an all-negative row (max(x) < 0)",
        "shifting by max(0, max(x)) is not enough: for all-negative rows exp still underflows",
    ),
    (
        divide_by_max_times_sum,
        "a small vector",
        "sum to 0.333, not 1: divide by the sum alone (dividing by max * sum",
    ),
    (scores_over_sum, "a small vector", "exponentiate first"),
    (shift_by_mean, "widely spread values", "subtract the maximum (not the mean or the minimum)"),
    (no_keepdims, "a batch of rows", "reduce with axis=-1, keepdims=True"),
    (axis_one, "a small vector", "use axis=-1"),
    (axis_zero, "a batch of rows", "the columns sum to 1, not the rows"),
    (returns_the_sum, "a small vector", "wrong output shape: did you return the sum"),
    (vector_only, "a batch of rows", "returned None for this input"),
    (mutates_input, "a small vector", "input array modified in place"),
    (needs_axis, "a small vector", "give any other parameter a default, e.g. axis=-1"),
    (raises_value_error, "a small vector", "raised ValueError: scores must be positive"),
    (returns_text, "a small vector", "returned a str, not an array of real numbers"),
]


@pytest.mark.parametrize(("fn", "case", "hint"), MISTAKES, ids=[m[0].__name__ for m in MISTAKES])
def test_each_mistake_fails_with_its_hint(fn, case, hint, capsys):
    result = check_softmax(fn)
    printed = capsys.readouterr().out
    assert not result
    assert result.attempted
    assert result.failed_case == case
    assert hint in printed
    assert printed == result.feedback + "\n"
    assert printed.startswith(f"✗ check_softmax failed on {case}")
    # Short enough to read under a notebook cell.
    assert len(printed.splitlines()) <= 5


def test_failure_shows_rounded_expected_and_got(capsys):
    check_softmax(naive)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "✗ check_softmax failed on large values, x = [1000, 1001, 1002]"
    assert lines[1:3] == ["  expected [0.09, 0.245, 0.665]", "  got      [nan, nan, nan]"]


def test_batch_failure_shows_the_wrong_row_only(capsys):
    check_softmax(global_max_row_sum)
    printed = capsys.readouterr().out
    assert "row 1: expected [0.665, 0.245, 0.09]" in printed
    assert "got      [nan, nan, nan]" in printed
    assert "row 0" not in printed


def test_checks_passed_counts_the_cases_before_the_failure():
    assert run(naive)[0].checks_passed == 2  # vector and batch are fine, large values are not
    assert run(shift_by_max_or_zero)[0].checks_passed == 3
    # Right values everywhere; only "leaves its input unchanged" fails.
    assert run(mutates_input)[0].checks_passed == N_CHECKS - 1


def test_a_mutating_function_does_not_spoil_the_next_check():
    run(mutates_input)
    assert run(keepdims_softmax)[0]


def test_numpy_warnings_do_not_leak(recwarn):
    """The naive formula overflows; the check reports the nan, not a RuntimeWarning."""
    assert not run(naive)[0]
    assert len(recwarn) == 0


# --------------------------------------------------------------------------- not attempted


def stub_ellipsis(x): ...


def stub_pass(x):
    pass


def stub_raise(x):
    raise NotImplementedError


def stub_raise_with_message(x):
    raise NotImplementedError("Exercise 1: write softmax here")


STUBS = [None, Ellipsis, stub_ellipsis, stub_pass, stub_raise, stub_raise_with_message]


@pytest.mark.parametrize("fn", STUBS)
def test_stubs_are_not_attempted(fn, capsys):
    result = check_softmax(fn)
    assert not result
    assert not result.attempted
    assert result.failed_case is None
    assert capsys.readouterr().out == NOT_ATTEMPTED


def test_not_implemented_after_the_first_input_is_a_failure_not_a_stub():
    def vector_only_so_far(x):
        if x.ndim > 1:
            raise NotImplementedError("batches")
        return keepdims_softmax(x)

    result, printed = run(vector_only_so_far)
    assert not result and result.attempted
    assert "raised NotImplementedError: batches" in printed


def test_passing_a_result_instead_of_the_function(capsys):
    result = check_softmax(numerics.softmax(np.array([1.0, 2.0])))
    assert not result and result.attempted
    assert "pass `softmax`, not `softmax(x)` (got ndarray)" in capsys.readouterr().out


# --------------------------------------------------------------------------- the result object


def test_result_repr_is_readable():
    passed, _ = run(keepdims_softmax)
    failed, _ = run(naive)
    assert repr(passed) == "CheckResult(name='check_softmax', passed=True, attempted=True, checks_passed=7/7)"
    assert repr(failed) == (
        "CheckResult(name='check_softmax', passed=False, attempted=True, "
        "checks_passed=2/7, failed_case='large values')"
    )


def test_result_truthiness_follows_passed_only():
    assert CheckResult("c", passed=True, attempted=True, messages=())
    assert not CheckResult("c", passed=False, attempted=True, messages=("x",))
    assert not CheckResult("c", passed=False, attempted=False, messages=("x",))


# --------------------------------------------------------------------------- never raises


class BrokenMessage(Exception):
    def __str__(self):
        raise RuntimeError("even the message is broken")


class BrokenArray:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array for you")


def _simple_exception_types():
    """Builtin exceptions that take one message; KeyboardInterrupt must still stop a cell."""
    found = []
    for obj in vars(builtins).values():
        if isinstance(obj, type) and issubclass(obj, BaseException) and obj is not KeyboardInterrupt:
            try:
                obj("message")
            except TypeError:
                continue
            found.append(obj)
    return found


exceptions = st.one_of(
    st.builds(lambda cls, text: cls(text), st.sampled_from(_simple_exception_types()), st.text(max_size=300)),
    st.builds(lambda text: ExceptionGroup(text, [ValueError(text)]), st.text(max_size=50)),
    st.just(UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")),
    st.just(BrokenMessage()),
)


@settings(max_examples=200)
@given(exc=exceptions, raise_on_call=st.integers(min_value=0, max_value=N_CHECKS))
def test_never_raises_whatever_the_function_raises(exc, raise_on_call):
    calls = []

    def fn(x):
        calls.append(x)
        if len(calls) > raise_on_call:
            raise exc
        return keepdims_softmax(x)

    result, printed = run(fn)
    assert isinstance(result, CheckResult)
    assert printed == result.feedback + "\n"
    if raise_on_call >= N_CHECKS - 1:  # the six inputs all answered correctly
        assert result
        return
    assert not result
    if raise_on_call == 0 and isinstance(exc, NotImplementedError):
        assert not result.attempted
    else:
        assert result.attempted
        assert f"raised {type(exc).__name__}" in printed


returned_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.complex_numbers(),
    st.text(),
    st.binary(),
    st.lists(st.floats(), max_size=5),
    st.lists(st.lists(st.integers(), max_size=3), max_size=3),  # often ragged
    st.dictionaries(st.text(max_size=3), st.floats(), max_size=3),
    hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)),
    st.just(BrokenArray()),
    st.just(object()),
)


@settings(max_examples=200)
@given(value=returned_values)
def test_never_raises_and_never_passes_a_constant_answer(value):
    """No constant fits a (3,) and a (3, 4) input at once, so a constant must fail."""
    result, printed = run(lambda x: value)
    assert isinstance(result, CheckResult)
    assert not result
    assert printed == result.feedback + "\n"


def test_broken_array_is_reported():
    result, printed = run(lambda x: BrokenArray())
    assert not result and result.attempted
    assert "could not turn the returned BrokenArray into an array of numbers" in printed


def test_console_that_cannot_print_the_tick_gets_ascii():
    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii")
    with contextlib.redirect_stdout(ascii_out):
        result = check_softmax(keepdims_softmax)
    ascii_out.flush()
    assert result
    assert raw.getvalue().decode("ascii") == f"OK check_softmax: all {N_CHECKS} checks passed\n"


def test_closed_stdout_does_not_raise():
    closed = io.StringIO()
    closed.close()
    with contextlib.redirect_stdout(closed):
        result = check_softmax(naive)
    assert not result and result.attempted


# --------------------------------------------------------------------------- check_softmax_temperature

from helpers.checks import check_expression, check_softmax_temperature  # noqa: E402


def stable_temperature(x, t):
    scaled = np.asarray(x, dtype=float) / t
    e = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_temperature_check_passes_correct_implementations(capsys):
    assert check_softmax_temperature(stable_temperature)
    assert check_softmax_temperature(lambda x, t: scipy.special.softmax(x / t, axis=-1))
    assert "all 5 checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda x, t: np.exp(x / t) / np.exp(x / t).sum(axis=-1, keepdims=True), "nan for a small t"),
        (lambda x, t: numerics.softmax(x), "the temperature has no effect"),
        (lambda x, t: numerics.softmax(x * t), "you multiplied by t"),
        (lambda x, t: stable_temperature(x, t) * 2, "differ from softmax"),
    ],
)
def test_temperature_check_names_each_mistake(fn, hint, capsys):
    result = check_softmax_temperature(fn)
    assert not result and result.attempted
    assert hint in capsys.readouterr().out


def test_temperature_stub_is_not_attempted(capsys):
    def stub(x, t): ...

    result = check_softmax_temperature(stub)
    assert not result and not result.attempted
    assert "not attempted yet" in capsys.readouterr().out


# --------------------------------------------------------------------------- check_expression

sympy = pytest.importorskip("sympy")
Z1, Z2 = sympy.symbols("z1 z2", real=True)
S1 = sympy.exp(Z1) / (sympy.exp(Z1) + sympy.exp(Z2))


@pytest.mark.parametrize(
    "answer",
    [1 / (1 + sympy.exp(-(Z1 - Z2))), 1 / (1 + sympy.exp(Z2 - Z1)), S1, (1 + sympy.tanh((Z1 - Z2) / 2)) / 2],
)
def test_expression_check_accepts_every_equivalent_form(answer, capsys):
    assert check_expression(answer, S1, name="s1")
    assert "equal to the reference" in capsys.readouterr().out


def test_expression_check_gives_a_counterexample_for_a_wrong_answer(capsys):
    result = check_expression(1 / (1 + sympy.exp(Z1 - Z2)), S1, name="s1")
    out = capsys.readouterr().out
    assert not result and result.attempted
    assert "not equal" in out and "yours is" in out and "the reference is" in out


@pytest.mark.parametrize("stub", [..., None])
def test_expression_check_reports_not_attempted(stub, capsys):
    result = check_expression(stub, S1, name="s1")
    assert not result and not result.attempted
    assert "not attempted yet" in capsys.readouterr().out


def test_expression_check_rejects_foreign_symbols_and_unreadable_answers(capsys):
    assert not check_expression(sympy.Symbol("x") + Z1, S1, name="s1")
    assert "use only z1, z2" in capsys.readouterr().out
    assert not check_expression("1 +* 2", S1, name="s1")
    assert "could not read" in capsys.readouterr().out


def test_result_displays_nothing_in_ipython_since_feedback_was_printed(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("from helpers.checks import check_softmax\nfrom helpers import softmax\ncheck_softmax(softmax)")
    out = capsys.readouterr().out
    assert out.count("all 7 checks passed") == 1
    assert "CheckResult(" not in out
