"""The groups that `make test` keeps on one worker, and the order it hands them out (conftest.py at the top)."""

import importlib.util

from book_layout import ROOT

spec = importlib.util.spec_from_file_location("top_conftest", ROOT / "conftest.py")
top_conftest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(top_conftest)
work_unit = top_conftest.work_unit


def test_the_cells_of_a_notebook_run_together_and_notebooks_apart():
    cells = [work_unit(f"chapters/02_overflow_and_stability.ipynb::Cell {n}") for n in range(40)]
    assert set(cells) == {"chapters/02_overflow_and_stability.ipynb"}
    assert work_unit("chapters/03_jacobian.ipynb::Cell 0") != cells[0]


def test_the_tests_of_one_student_chapter_share_its_run_and_chapters_go_apart():
    chapter = {work_unit(f"tests/test_student.py::{test}[03_jacobian]") for test in ("test_a", "test_b", "test_c")}
    assert len(chapter) == 1
    assert work_unit("tests/test_student.py::test_a[04_cross_entropy]") not in chapter


def test_the_browser_tests_of_one_page_share_its_load_and_pages_go_apart():
    page = {work_unit(f"tests/test_browser.py::{test}[chapters/03_jacobian]") for test in ("test_a", "test_b")}
    assert len(page) == 1
    assert work_unit("tests/test_browser.py::test_a[pages/intro]") not in page
    assert work_unit("tests/test_browser.py::test_the_chapters_hold_at_least_one_slider") not in page


def test_everything_else_is_spread_one_by_one_site_and_live_sliders_included():
    assert work_unit("tests/test_numerics.py::test_a") != work_unit("tests/test_numerics.py::test_b")
    assert work_unit("helpers/numerics.py::helpers.numerics.softmax") == "helpers/numerics.py::helpers.numerics.softmax"
    live = "tests/test_live_widgets.py::test_live_sliders_recompute_their_picture"
    assert work_unit(f"{live}[01_softmax]") != work_unit(f"{live}[02_overflow_and_stability]")
    audit = "tests/test_accessibility.py::test_page_has_no_accessibility_violation"
    assert work_unit(f"{audit}[pages/intro-light]") != work_unit(f"{audit}[pages/intro-dark]")


def _queue(nodeids):
    queue = {}
    for nodeid in nodeids:
        queue.setdefault(work_unit(nodeid), {})[nodeid] = False
    return queue


def test_the_longest_work_goes_first_and_the_quick_tests_fill_in_behind():
    """Longest processing time first: the book's build, then the chapter re-runs (live sliders, another processor),
    a notebook's cells, the student edition, the page audits and a page's browser tests, then the quick tests, in
    collection order among equals."""
    collected = [f"tests/test_numerics.py::test_{n}" for n in range(300)]
    collected += ["tests/test_accessibility.py::test_a[pages/intro-light]", "tests/test_browser.py::test_b[x]"]
    collected += [f"tests/test_student.py::test_{t}[0{c}_x]" for c in (1, 2) for t in ("a", "b", "c")]
    collected += [f"chapters/0{c}_x.ipynb::Cell {n}" for c in (1, 2) for n in range(40)]
    collected += ["tests/test_cpu_independence.py::test_x[01_x]", "tests/test_live_widgets.py::test_x[01_x]"]
    collected += ["tests/test_book.py::test_a", "tests/test_book.py::test_book_builds_without_a_single_warning"]
    order = [unit for unit, _ in top_conftest.longest_first(_queue(collected))]
    assert order[:10] == [
        "tests/test_book.py::test_book_builds_without_a_single_warning",
        "tests/test_live_widgets.py::test_x[01_x]",
        "tests/test_cpu_independence.py::test_x[01_x]",
        "chapters/01_x.ipynb",
        "chapters/02_x.ipynb",
        "tests/test_student.py[01_x]",
        "tests/test_student.py[02_x]",
        "tests/test_accessibility.py::test_a[pages/intro-light]",
        "tests/test_browser.py[x]",
        "tests/test_numerics.py::test_0",
    ]
    assert order[10:] == [f"tests/test_numerics.py::test_{n}" for n in range(1, 300)] + ["tests/test_book.py::test_a"]


def test_a_file_with_one_shared_build_runs_on_one_worker():
    for path in top_conftest.ONE_WORKER_FILES:
        assert work_unit(f"{path}::test_a[1]") == work_unit(f"{path}::test_b") == path
