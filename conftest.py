"""How `make test` spreads the tests over the cores (`pytest -n auto`, pytest-xdist), for the whole repository.

Tests that must share one resource run on one worker, one after the other: every test of the built site shares one
build, one server and one browser (tests/conftest.py); the live-widget test starts its own JupyterLab; the student
edition is written once per module; and the cells of a notebook share one kernel, so a notebook runs on one worker
from top to bottom. Everything else is spread over the workers one test at a time.

pytest-xdist's own `--dist loadgroup` reads `xdist_group` marks by rewriting node ids, which pytest 9 no longer
allows, so the groups are made here, by a scheduler that reads them from the node id (the controller sees nothing
else), and `pytest_collection_modifyitems` checks on every worker that each test that uses the site is in a file of
the site group. This file sits at the top of the repository, not in tests/, because the notebooks need it too.
"""

import pytest

# A test that only needs a browser (tests/test_figures_slider.py) can run anywhere: each worker starts its own.
SITE_FIXTURES = {"book_build", "site", "site_url", "open_page"}
SITE_FILES = {"tests/test_book.py", "tests/test_browser.py", "tests/test_accessibility.py", "tests/test_site_speed.py"}
ONE_WORKER_FILES = {"tests/test_live_widgets.py", "tests/test_student.py"}


def work_unit(nodeid):
    """The tests that must run together on one worker are those with the same work unit."""
    path = nodeid.split("::", 1)[0]
    if path in SITE_FILES:
        return "site"
    if path.endswith(".ipynb") or path in ONE_WORKER_FILES:
        return path
    return nodeid


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return work_unit(nodeid)

    return Scheduling(config, log)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if set(getattr(item, "fixturenames", ())) & SITE_FIXTURES and work_unit(item.nodeid) != "site":
            raise pytest.UsageError(f"{item.nodeid} uses the built site: add its file to SITE_FILES in conftest.py")
