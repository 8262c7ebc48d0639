"""tools/ensure_browser.py, which `make test` runs first: it finds a Chromium or installs one the way that works on
the machine, and when neither is possible it stops with one line that names what is missing and the fix.

The machine is a stand-in (no real apt-get, no download, no network): which names are on the PATH, whether
Playwright has a browser, which executables run, and what each installer command does.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from book_layout import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import ensure_browser  # noqa: E402
from ensure_browser import Machine  # noqa: E402

SCRIPT = ROOT / "tools" / "ensure_browser.py"
PYTHON = ".venv/bin/python"
APT_UPDATE = ["apt-get", "update", "-qq"]
PLAYWRIGHT_INSTALL = [PYTHON, "-m", "playwright", "install", "chromium"]


class FakeMachine:
    """A machine with no browser at first. An installer command that `works` puts a Chromium in place."""

    def __init__(self, *, is_root, is_debian=True, environ=None, on_path=(), playwright=None, works=()):
        self.on_path = dict(on_path)  # name -> path
        self.playwright = playwright
        self.works = dict(works)  # first word of the command -> (name or None for Playwright, path it installs)
        self.commands = []
        self.machine = Machine(
            environ=environ or {}, which=self.on_path.get, playwright_browser=lambda: self.playwright,
            runs=self.runs, run=self.run, is_root=is_root, is_debian=is_debian, python=PYTHON,
        )

    def runs(self, path):
        return path in set(self.on_path.values()) | {self.playwright} | {"/opt/my/chrome"}

    def run(self, command, log):
        self.commands.append(command)
        if command == APT_UPDATE:
            return 0
        if command[0] not in self.works:
            return 100
        name, path = self.works[command[0]]
        if name is None:
            self.playwright = path
        else:
            self.on_path[name] = path
        return 0


def _main(fake, tmp_path, capsys):
    record = tmp_path / "book-chromium"
    status = ensure_browser.main(["--record", str(record)], machine=fake.machine, log=tmp_path / "install.log")
    out, err = capsys.readouterr()
    return status, record, out, err


def _error_lines(err):
    """The lines a person reads as the verdict (progress lines say what is being installed)."""
    return [line for line in err.splitlines() if not line.startswith("No Chromium for the browser tests: installing")]


# ---------------------------------------------------------------------------------------------------------------
# Nothing can be found or installed: one line, the fix, exit status 1, nothing recorded


def test_root_on_debian_tries_apt_then_playwright_and_names_the_apt_fix(tmp_path, capsys):
    fake = FakeMachine(is_root=True)
    status, record, out, err = _main(fake, tmp_path, capsys)

    assert status == 1
    assert not record.exists()
    assert out == ""
    assert fake.commands[0] == APT_UPDATE
    assert fake.commands[1][:2] == ["apt-get", "install"] and "chromium" in fake.commands[1]
    assert fake.commands[2] == PLAYWRIGHT_INSTALL
    assert len(fake.commands) == 3
    lines = _error_lines(err)
    assert len(lines) == 1, err
    assert lines[0].startswith("error: No Chromium for the browser tests")
    assert lines[0].endswith("fix: apt-get update && apt-get install -y chromium")


def test_without_root_only_playwright_is_tried_and_its_command_is_the_fix(tmp_path, capsys):
    fake = FakeMachine(is_root=False)
    status, record, out, err = _main(fake, tmp_path, capsys)

    assert status == 1
    assert not record.exists()
    assert fake.commands == [PLAYWRIGHT_INSTALL], "apt-get needs root: it must not be tried"
    lines = _error_lines(err)
    assert len(lines) == 1, err
    assert "No Chromium" in lines[0]
    assert lines[0].endswith(f"fix: {PYTHON} -m playwright install chromium")


def test_root_elsewhere_than_debian_does_not_try_apt(tmp_path, capsys):
    fake = FakeMachine(is_root=True, is_debian=False)
    status, _, _, err = _main(fake, tmp_path, capsys)
    assert status == 1
    assert fake.commands == [PLAYWRIGHT_INSTALL]
    assert _error_lines(err)[0].endswith("playwright install chromium")


def test_a_book_chromium_that_does_not_run_is_named_not_skipped(tmp_path, capsys):
    fake = FakeMachine(is_root=True, environ={"BOOK_CHROMIUM": "/nowhere/chrome"}, on_path={"chromium": "/usr/bin/c"})
    status, record, _, err = _main(fake, tmp_path, capsys)
    assert status == 1
    assert not record.exists()
    assert fake.commands == [], "nothing is installed when the person chose a browser"
    assert err.splitlines() == [
        "error: BOOK_CHROMIUM=/nowhere/chrome is not a Chromium that runs (`/nowhere/chrome --version` failed); "
        "fix: point BOOK_CHROMIUM at a Chromium executable, or unset it"
    ]


# ---------------------------------------------------------------------------------------------------------------
# Found or installed: the path is printed and recorded for tests/conftest.py


def test_book_chromium_comes_first(tmp_path, capsys):
    fake = FakeMachine(is_root=True, environ={"BOOK_CHROMIUM": "/opt/my/chrome"}, on_path={"chromium": "/usr/bin/c"})
    status, record, out, _ = _main(fake, tmp_path, capsys)
    assert status == 0
    assert record.read_text() == "/opt/my/chrome\n"
    assert out == "Chromium for the browser tests: /opt/my/chrome\n"


@pytest.mark.parametrize("name", ["chromium", "chromium-browser", "google-chrome"])
def test_a_chromium_on_the_path_is_used_before_playwrights_and_nothing_is_installed(tmp_path, capsys, name):
    fake = FakeMachine(is_root=True, on_path={name: f"/bin/{name}"}, playwright="/cache/ms-playwright/chrome")
    status, record, _, _ = _main(fake, tmp_path, capsys)
    assert (status, record.read_text(), fake.commands) == (0, f"/bin/{name}\n", [])


def test_a_chromium_on_the_path_that_does_not_run_is_passed_over(tmp_path, capsys):
    fake = FakeMachine(is_root=False, playwright="/cache/ms-playwright/chrome")
    fake.machine.which = {"chromium-browser": "/usr/bin/chromium-browser"}.get  # a snap stub: on PATH, never runs
    status, record, _, _ = _main(fake, tmp_path, capsys)
    assert (status, record.read_text(), fake.commands) == (0, "/cache/ms-playwright/chrome\n", [])


def test_root_on_debian_installs_debians_chromium(tmp_path, capsys):
    fake = FakeMachine(is_root=True, works={"apt-get": ("chromium", "/usr/bin/chromium")})
    status, record, _, err = _main(fake, tmp_path, capsys)
    assert status == 0
    assert record.read_text() == "/usr/bin/chromium\n"
    assert [command[:2] for command in fake.commands] == [["apt-get", "update"], ["apt-get", "install"]]
    assert "installing Debian's chromium (apt-get)" in err


def test_without_root_playwright_installs_its_chromium(tmp_path, capsys):
    fake = FakeMachine(is_root=False, works={PYTHON: (None, "/home/me/.cache/ms-playwright/chrome")})
    status, record, _, err = _main(fake, tmp_path, capsys)
    assert status == 0
    assert record.read_text() == "/home/me/.cache/ms-playwright/chrome\n"
    assert fake.commands == [PLAYWRIGHT_INSTALL]
    assert "installing Playwright's Chromium" in err


def test_when_apt_fails_playwright_is_the_fallback(tmp_path, capsys):
    """Ubuntu has no Debian `chromium` package (its chromium-browser is a snap): Playwright's browser still works."""
    fake = FakeMachine(is_root=True, works={PYTHON: (None, "/root/.cache/ms-playwright/chrome")})
    status, record, _, _ = _main(fake, tmp_path, capsys)
    assert status == 0
    assert record.read_text() == "/root/.cache/ms-playwright/chrome\n"
    assert fake.commands[-1] == PLAYWRIGHT_INSTALL


# ---------------------------------------------------------------------------------------------------------------
# The real parts, on real files (still nothing installed)


def test_runs_accepts_an_executable_that_answers_version_and_rejects_others(tmp_path):
    good = tmp_path / "chrome"
    good.write_text("#!/bin/sh\necho 'Chromium 1.0'\n")
    good.chmod(0o755)
    broken = tmp_path / "broken"
    broken.write_text("#!/bin/sh\necho 'error while loading shared libraries: libnss3.so' >&2\nexit 127\n")
    broken.chmod(0o755)
    not_executable = tmp_path / "plain"
    not_executable.write_text("just text\n")

    assert ensure_browser.runs(str(good))
    assert not ensure_browser.runs(str(broken))
    assert not ensure_browser.runs(str(not_executable))
    assert not ensure_browser.runs(str(tmp_path / "missing"))


def test_installer_output_goes_to_the_log_not_the_screen(tmp_path, capfd):
    log = tmp_path / "install.log"
    status = ensure_browser.run_logged([sys.executable, "-c", "print('lots of apt output'); raise SystemExit(3)"], log)
    assert status == 3
    assert "lots of apt output" in log.read_text()
    assert capfd.readouterr().out == ""
    assert ensure_browser.run_logged(["/nowhere/apt-get", "install"], log) == 127


def test_the_script_run_as_make_test_runs_it_records_the_chosen_browser(tmp_path):
    chrome = tmp_path / "chrome"
    chrome.write_text("#!/bin/sh\necho 'Chromium 1.0'\n")
    chrome.chmod(0o755)
    record = tmp_path / "record"
    env = {**os.environ, "BOOK_CHROMIUM": str(chrome), "PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, str(SCRIPT), "--record", str(record)], capture_output=True, text=True,
                          env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert Path(record.read_text().strip()) == chrome
