"""The groups that `make test` keeps on one worker (conftest.py at the top of the repository)."""

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


def test_every_test_of_the_site_shares_one_unit_whatever_its_file():
    units = {work_unit(f"{path}::test_x[chapters/01_softmax]") for path in top_conftest.SITE_FILES}
    assert units == {"site"}


def test_a_module_with_a_shared_fixture_runs_together():
    assert work_unit("tests/test_student.py::test_a[01]") == work_unit("tests/test_student.py::test_b")


def test_unit_tests_are_spread_one_by_one():
    assert work_unit("tests/test_numerics.py::test_a") != work_unit("tests/test_numerics.py::test_b")
    assert work_unit("helpers/numerics.py::helpers.numerics.softmax") == "helpers/numerics.py::helpers.numerics.softmax"
