"""How `make test` spreads the tests over the cores (`pytest -n auto`, pytest-xdist), for the whole repository.

Tests that must share one resource run on one worker, one after the other: the cells of a notebook share one kernel,
so a notebook runs on one worker from top to bottom, and the tests of one chapter's student edition read one run of it
(tests/test_student.py). Everything else is spread over the workers one test at a time: the site is built once per
run, by the first worker that needs it, and the others wait for that build (`book_build` in tests/conftest.py); each
worker starts its own browser, site server and JupyterLab the first time a test asks for one, and keeps it.

The free worker always takes the longest work left (longest processing time first): the estimates below put the
book's build, the live sliders, the chapter re-runs, the notebooks and the page audits ahead of the thousands of quick
unit tests, which then fill in behind them, so neither worker is left with one long test at the end.

pytest-xdist's own `--dist loadgroup` reads `xdist_group` marks by rewriting node ids, which pytest 9 no longer
allows, so the groups are made here, by a scheduler that reads them from the node id (the controller sees nothing
else). This file sits at the top of the repository, not in tests/, because the notebooks need it too.
"""

# Files whose tests of one chapter or page (the test's parameter) share one run or one load of it.
PER_CHAPTER_FILES = {"tests/test_student.py", "tests/test_browser.py"}
# Files whose tests all share one expensive module fixture (the assignments' build): one worker runs them all.
ONE_WORKER_FILES = {"tests/test_assignments.py"}

# Seconds of one core a test takes (CPU time of the test and every process it starts, measured on the 2-core machine
# in December 2026), by test function, else by file, for the order only: a wrong estimate makes the run slower, never
# different. A notebook's estimate is per cell; anything unlisted is quick.
SECONDS_PER_TEST = {
    # The site's first test: scheduled first, so it builds the book while the other worker runs chapters.
    "tests/test_book.py::test_book_builds_without_a_single_warning": 60,
    "tests/test_live_widgets.py": 35,
    "tests/test_cpu_independence.py": 23,
    "tests/test_accessibility.py": 10,
    "tests/test_student.py": 4,
    "tests/test_assignments.py": 2,
    "tests/test_browser.py": 2,
    "tests/test_browser.py::test_the_site_stylesheet_styles_every_kind_of_element_as_the_full_one": 12,
    "tests/test_figures_slider.py::test_in_a_browser_both_controls_swap_the_visible_state": 3,
    "tests/test_figures_slider.py::test_two_sliders_on_one_page_do_not_share_their_radio_buttons": 3,
}
SECONDS_PER_NOTEBOOK_CELL = 0.5
QUICK_TEST_SECONDS = 0.1


def work_unit(nodeid):
    """The tests that must run together on one worker are those with the same work unit."""
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb") or path in ONE_WORKER_FILES:
        return path
    if path in PER_CHAPTER_FILES and nodeid.endswith("]"):
        return path + "[" + nodeid.rsplit("[", 1)[1]
    return nodeid


def estimated_seconds(unit, nodeids):
    """How long the tests `nodeids` of one work unit take, roughly, in seconds of one core."""
    if unit.endswith(".ipynb"):
        return SECONDS_PER_NOTEBOOK_CELL * len(nodeids)
    total = 0
    for nodeid in nodeids:
        function = nodeid.split("[", 1)[0]
        path = function.split("::", 1)[0]
        total += SECONDS_PER_TEST.get(function, SECONDS_PER_TEST.get(path, QUICK_TEST_SECONDS))
    return total


def longest_first(workqueue):
    """The work units, longest first; units of equal length keep their collection order (a stable sort)."""
    return sorted(workqueue.items(), key=lambda item: -estimated_seconds(*item))


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return work_unit(nodeid)

        def _assign_work_unit(self, node):
            # The queue is sorted once, the first time a worker asks; a crashed worker's units rejoin it unsorted.
            if not getattr(self, "_sorted", False):
                ordered = longest_first(self.workqueue)
                self.workqueue.clear()
                self.workqueue.update(ordered)
                self._sorted = True
            super()._assign_work_unit(node)

    return Scheduling(config, log)
