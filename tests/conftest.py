"""Shared fixtures: one warning-free build of the book per test session, and one headless Chromium.

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

# Property tests are deterministic by default: the same examples on every run (derandomize), a fixed number of them,
# nothing stored between runs. `HYPOTHESIS_PROFILE=explore` draws fresh random examples, ten times as many, and
# prints a @reproduce_failure line for any failure (see README, "Tests").
settings.register_profile("deterministic", derandomize=True, max_examples=60, deadline=None, database=None)
settings.register_profile("explore", max_examples=600, deadline=None, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

HTML = ROOT / "_build" / "html"
CHROMIUM = Path("/usr/bin/chromium")
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


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the session; fails (not skips) if it is not installed."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"the browser tests need Debian's Chromium at {CHROMIUM}: install it with `apt-get install chromium` "
            "(.ci/run does this)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
