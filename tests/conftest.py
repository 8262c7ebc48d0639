"""Shared fixtures: one warning-free build of the book per test session, one headless Chromium (the one
tools/ensure_browser.py found or installed: `make test` runs it first), the built site served on 127.0.0.1 and
pages opened in it (used by the browser and accessibility tests).

Set BOOK_HTML to the folder of an existing build to test that build instead of building again (handy while
working on the browser tests; `make test` always builds).
"""

import fcntl
import functools
import http.server
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import settings
from playwright.sync_api import sync_playwright

# With --import-mode=importlib the tests folder is not on sys.path; the shared module book_layout lives there.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from book_layout import CONFIG, ROOT  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
import ensure_browser  # noqa: E402

# Property tests are deterministic by default: the same examples on every run (derandomize), a fixed number of them,
# nothing stored between runs. `HYPOTHESIS_PROFILE=explore` draws fresh random examples, ten times as many, and
# prints a @reproduce_failure line for any failure (see README, "Tests").
settings.register_profile("deterministic", derandomize=True, max_examples=60, deadline=None, database=None)
settings.register_profile("explore", max_examples=600, deadline=None, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

HTML = ROOT / "_build" / "html"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Schemes whose requests never touch the network.
LOCAL_SCHEMES = {"data", "blob", "about"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def build_config_for_tests(folder):
    """`_config.yml` for the test build: the same book, built from the notebooks' stored outputs.

    strict nbval (in the same `make test`) re-executes every chapter and fails on any output that differs from the
    stored one, and on any new output (an error or a warning on stderr included), so the stored outputs are the
    fresh ones and executing the chapters a second time for the build would only repeat that work. `make book`
    still executes them (with a cache). The local extensions' folder is made absolute, since Jupyter Book reads it
    relative to the configuration file.
    """
    config = dict(CONFIG, execute={**CONFIG["execute"], "execute_notebooks": "off"})
    sphinx = dict(config["sphinx"])
    sphinx["local_extensions"] = {name: str(ROOT / path) for name, path in sphinx["local_extensions"].items()}
    config["sphinx"] = sphinx
    path = folder / "_config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def book_build(tmp_path_factory):
    """Build the site once, as `make book` does (from the stored outputs: see `build_config_for_tests`), and return the
    finished process. Under `make test`'s workers, the first worker that needs the site builds it and the others
    read that build's result.

    `-W --keep-going` turns every warning into an error but still reports all of them; `-n` also warns about
    every cross-reference that does not resolve.
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # `make test`: one build per run, whichever worker needs it first
        shared = shared.parent  # the folder all workers of this run share
    with open(shared / "book-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait here for the build; released when the file closes
        record = shared / "book-build.json"
        if record.is_file():
            return subprocess.CompletedProcess(**json.loads(record.read_text()))
        jupyter_book = Path(sys.executable).with_name("jupyter-book")
        config = build_config_for_tests(tmp_path_factory.mktemp("book-config"))
        build = subprocess.run(
            [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going", "--config", str(config)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        record.write_text(json.dumps(vars(build)))
        return build


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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url(site):
    """The built site served over HTTP from a free port on 127.0.0.1, for the whole session."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@dataclass
class LoadedPage:
    """A page opened in a fresh browser context, with everything noticed while it loaded."""

    page: object
    url: str
    outside_requests: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    responses: list = field(default_factory=list)


def _page_opener(browser, site_url, contexts):
    """A function that opens a book page (e.g. "pages/intro") in its own context and waits until the network is
    idle; with color_scheme="dark" the reader's system asks for dark mode (the theme follows it: default_mode auto).

    Every request is routed: one bound for any host but this machine is recorded and aborted, so the test both
    sees it and never leaves the machine.
    """

    def open_(name, color_scheme="light"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=color_scheme)
        contexts.append(context)
        page = context.new_page()
        loaded = LoadedPage(page=page, url=f"{site_url}/{name}.html")

        def route(route):
            url = urlsplit(route.request.url)
            if url.scheme in LOCAL_SCHEMES or url.hostname in LOCAL_HOSTS:
                route.continue_()
            else:
                loaded.outside_requests.append(route.request.url)
                route.abort()

        def console(message):
            if message.type == "error":
                where = f"{message.location.get('url')}:{message.location.get('lineNumber')}"
                loaded.console_errors.append(f"{message.text} (at {where})")

        page.route("**/*", route)
        page.on("console", console)
        page.on("pageerror", lambda error: loaded.page_errors.append(str(error)))
        page.on("response", lambda response: loaded.responses.append(response))
        response = page.goto(loaded.url, wait_until="networkidle")
        if response is None or not response.ok:
            pytest.fail(f"{name}.html is not in the build (HTTP {response and response.status}): is the build stale?")
        # The page's scripts are deferred (_ext/light_pages.py): on a busy machine the network can be idle for 500 ms
        # while a long page is still being parsed, before they (and the theme's light/dark switch) have run.
        page.wait_for_load_state("load")
        return loaded

    return open_


@pytest.fixture
def open_page(browser, site_url):
    """`open_page(name, color_scheme="light")`: the page freshly opened for this test alone (see `_page_opener`),
    for a test that interacts with it or must see what one load alone fetches."""
    contexts = []
    yield _page_opener(browser, site_url, contexts)
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def loaded_page(browser, site_url):
    """`loaded_page(name)`: the page opened once per worker (light mode) and shared by the tests that only read what
    its load recorded and what it shows: requests, console errors, formulas, links. Everything recorded keeps being
    recorded for as long as the page is open, so a test reads at least what one load did. The scheduler keeps one
    page's browser tests on one worker (conftest.py at the top of the repository)."""
    contexts, pages = [], {}
    opener = _page_opener(browser, site_url, contexts)

    def loaded(name):
        if name not in pages:
            pages[name] = opener(name)
        return pages[name]

    yield loaded
    for context in contexts:
        context.close()
