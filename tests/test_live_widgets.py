"""In a live kernel every slider is an ipywidgets control that recomputes what it shows.

JupyterLab is started on 127.0.0.1 with a copy of each chapter, Chromium (driven by Playwright) runs all cells, and
every slider is moved: the picture it shows must be recomputed for the new value.

The copy keeps every code cell, in order, without its stored outputs, and no markdown cell: the kernel runs exactly
what the chapter runs, while the browser neither draws the stored pictures that the run replaces nor typesets prose
that no slider reads. One JupyterLab per worker serves every chapter that worker tests.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest
from book_layout import CHAPTER_NOTEBOOKS, SCREENSHOTS

START_TIMEOUT = 90  # seconds for JupyterLab to answer
RUN_TIMEOUT_MS = 180_000  # for a chapter's cells to run in the kernel


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def code_only_copy(chapter, folder):
    """The chapter's code cells, in order and without their outputs, as a notebook in `folder`."""
    notebook = nbformat.read(chapter, as_version=4)
    notebook.cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in notebook.cells:
        cell.outputs = []
        cell.execution_count = None
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, folder / chapter.name)


@pytest.fixture(scope="session")
def lab_url(tmp_path_factory):
    """A JupyterLab server over a copy of the chapters (`code_only_copy`); no token, no announcements, no update
    checks.

    Settings, workspaces and config live in a fresh folder, so nothing a person's own JupyterLab saved (an open
    tab, a dialog to restore) can change what the test sees.
    """
    root = tmp_path_factory.mktemp("lab")
    state = tmp_path_factory.mktemp("lab-state")
    for path in CHAPTER_NOTEBOOKS:
        code_only_copy(path, root)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--IdentityProvider.token=", "--ServerApp.password=",
         # The test stops kernels through the REST API between chapters; a server on 127.0.0.1 for one test.
         "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         f"--LabApp.workspaces_dir={state / 'workspaces'}", f"--LabApp.user_settings_dir={state / 'settings'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root,
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(state / "config"), "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
             # The widgets draw every frame they are moved to; the static slider's hidden frames go unseen here.
             "BOOK_SLIDER_FRAMES": "shown"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            urllib.request.urlopen(f"{url}/api", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("JupyterLab did not start")
            time.sleep(0.5)
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.mark.parametrize("chapter", CHAPTER_NOTEBOOKS, ids=lambda p: p.stem)
def test_live_sliders_recompute_their_picture(chapter, lab_url, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        # A workspace of its own, reset, so that no tab of an earlier chapter (hidden but still in the page, its
        # cells and sliders matched by the selectors below) is open beside this one.
        page.goto(f"{lab_url}/lab/workspaces/{chapter.stem}/tree/{chapter.name}?reset")
        page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", timeout=60_000)
        # Run All before the kernel is connected silently runs nothing, so wait for the status bar to say Idle.
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        sliders = page.locator(".jp-OutputArea-output .widget-vbox")
        sliders.first.wait_for(timeout=RUN_TIMEOUT_MS)
        # Later cells are still running when the first slider appears: wait for every slider the chapter stores.
        expected = _stored_slider_count(chapter)
        page.wait_for_function(
            "n => document.querySelectorAll('.jp-OutputArea-output .widget-vbox').length >= n",
            arg=expected,
            polling=250,  # not every frame: the chapter takes tens of seconds, and the browser shares the cores
            timeout=RUN_TIMEOUT_MS,
        )
        assert sliders.count() == expected, f"{sliders.count()} live sliders, the saved notebook has {expected}"
        for k in range(sliders.count()):
            view = sliders.nth(k)
            view.scroll_into_view_if_needed()
            before = view.locator("img").first.get_attribute("src")
            view.locator(".noUi-handle").first.click()
            page.keyboard.press("ArrowRight")
            _wait_for_a_new_picture(page, view, before)
            # A slider with a choice (toggle buttons) must also recompute when the choice flips.
            other_choices = view.locator(".widget-toggle-buttons button:not(.mod-active)")
            if other_choices.count():
                before = view.locator("img").first.get_attribute("src")
                other_choices.last.click()
                _wait_for_a_new_picture(page, view, before)
            view.screenshot(path=str(_screenshot(chapter, k)))
    except Exception:
        page.screenshot(path=str(_screenshot(chapter, "failed")))  # what JupyterLab showed, for diagnosis
        raise
    finally:
        context.close()
        _shut_down_kernels(lab_url)


def _shut_down_kernels(lab_url):
    """Stop every kernel, so the next chapter's cells do not compete with idle ones for the two cores' memory."""
    with urllib.request.urlopen(f"{lab_url}/api/kernels", timeout=10) as response:
        kernels = json.load(response)
    for kernel in kernels:
        request = urllib.request.Request(f"{lab_url}/api/kernels/{kernel['id']}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def _stored_slider_count(chapter):
    """How many live sliders the saved chapter shows: outputs carrying a widget view."""
    cells = json.loads(chapter.read_text())["cells"]
    outputs = [output for cell in cells if cell["cell_type"] == "code" for output in cell["outputs"]]
    return sum("application/vnd.jupyter.widget-view+json" in output.get("data", {}) for output in outputs)


def _wait_for_a_new_picture(page, view, before):
    # The HTML widget replaces its contents, so look the picture up afresh each time.
    page.wait_for_function(
        "([box, old]) => box.querySelector('img').getAttribute('src') !== old",
        arg=[view.element_handle(), before],
        polling=100,
        timeout=60_000,
    )


def _screenshot(chapter, k):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    suffix = f"slider{k + 1}" if isinstance(k, int) else k
    return SCREENSHOTS / f"live_{chapter.stem}_{suffix}.png"
