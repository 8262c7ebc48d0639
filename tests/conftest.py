"""Shared fixtures: one warning-free build of the book per test session, and one headless Chromium (the one
tools/ensure_browser.py found or installed: `make test` runs it first).

Set BOOK_HTML to the folder of an existing build to test that build instead of building again (handy while
working on the browser tests; `make test` always builds).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from playwright.sync_api import sync_playwright

# With --import-mode=importlib the tests folder is not on sys.path; the shared module book_layout lives there.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from book_layout import ROOT  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
import ensure_browser  # noqa: E402

# Property tests are deterministic by default: the same examples on every run (derandomize), a fixed number of them,
# nothing stored between runs. `HYPOTHESIS_PROFILE=explore` draws fresh random examples, ten times as many, and
# prints a @reproduce_failure line for any failure (see README, "Tests").
settings.register_profile("deterministic", derandomize=True, max_examples=60, deadline=None, database=None)
settings.register_profile("explore", max_examples=600, deadline=None, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

HTML = ROOT / "_build" / "html"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def book_build():
    """Build the site once, as `make book` does, and return the finished process.

    `-W --keep-going` turns every warning into an error but still reports all of them; `-n` also warns about
    every cross-reference that does not resolve.
    """
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    return subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


@pytest.fixture(scope="session")
def site(request):
    """The folder of the built website; fails (not skips) the tests that need it if the build failed."""
    if os.environ.get("BOOK_HTML"):
        return Path(os.environ["BOOK_HTML"])
    book_build = request.getfixturevalue("book_build")
    if book_build.returncode != 0:
        pytest.fail("the book did not build:\n" + book_build.stdout[-3000:] + book_build.stderr[-3000:])
    return HTML


def _chromium():
    """$BOOK_CHROMIUM, else the path tools/ensure_browser.py recorded, else the same search (nothing installed)."""
    recorded = ensure_browser.RECORD.read_text().strip() if ensure_browser.RECORD.is_file() else ""
    if recorded and not os.environ.get(ensure_browser.ENV_VAR) and Path(recorded).is_file():
        return recorded
    try:
        return ensure_browser.find_chromium(ensure_browser.Machine())
    except ensure_browser.NoChromium as problem:
        pytest.fail(str(problem))


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; fails (not skips) if there is none."""
    executable = _chromium()
    if executable is None:
        pytest.fail(
            f"no Chromium for the browser tests: `{sys.executable} tools/ensure_browser.py` finds or installs one "
            "(`make test` runs it first)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
