"""Shared fixtures: the repository root and one warning-free build of the book per test session.

Set BOOK_HTML to the folder of an existing build to test that build instead of building again (handy while
working on the browser tests; `make test` always builds).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

# With --import-mode=importlib the tests folder is not on sys.path; the shared module book_layout lives there.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from book_layout import ROOT  # noqa: E402

HTML = ROOT / "_build" / "html"


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
