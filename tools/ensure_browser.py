"""Find a Chromium for the browser tests, or install one. `make test` runs this before any test.

Where it looks, in order: the executable named by $BOOK_CHROMIUM; `chromium`, `chromium-browser`, `google-chrome`
and `google-chrome-stable` on the PATH; the Chromium that Playwright downloaded (`python -m playwright install
chromium`). A candidate counts only if `<it> --version` runs (Ubuntu's `chromium-browser` without snap does not).

If there is none, it installs one the way that works on the machine at hand:
- as root on Debian or Ubuntu, Debian's `chromium` with apt-get (after `apt-get update`), as .ci/run does;
- otherwise, or if that did not give a working browser, Playwright's own Chromium, which needs no root (what a
  learner on a laptop gets).
Installer output goes to <venv>/ensure-browser.log, not to the screen.

The path found is printed and recorded in <venv>/book-chromium, where tests/conftest.py reads it. If nothing can be
found or installed, one line on stderr says what is missing and the command that fixes it, and the exit status is 1,
so `make test` stops before running anything.

Usage: python tools/ensure_browser.py [--record FILE]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENV_VAR = "BOOK_CHROMIUM"
NAMES_ON_PATH = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
RECORD = Path(sys.prefix) / "book-chromium"
# Installer output; in the temporary folder if the venv is not writable (someone else's Python).
LOG = (Path(sys.prefix) if os.access(sys.prefix, os.W_OK) else Path(tempfile.gettempdir())) / "ensure-browser.log"
INSTALL_TIMEOUT = 1800  # seconds for one installer command (apt-get update, a download)


class NoChromium(Exception):
    """No usable Chromium and none could be installed; the message is the one line a person reads."""


def runs(executable):
    """Whether `executable --version` runs and exits 0 (a missing file or missing libraries fail)."""
    try:
        done = subprocess.run([executable, "--version"], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def playwright_chromium():
    """The path of the Chromium Playwright downloaded for this version of Playwright, or None."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except Exception:  # Playwright missing or its driver failing: there is simply no Playwright browser
        return None
    return path if path and Path(path).is_file() else None


def run_logged(command, log, timeout=INSTALL_TIMEOUT):
    """Run an installer command with its output appended to `log`; return its exit status (127: not found, 124:
    still running after `timeout` seconds). tools/ensure_tex.py uses it too."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        try:
            return subprocess.run(
                command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            ).returncode
        except FileNotFoundError:
            return 127
        except subprocess.TimeoutExpired:
            out.write(f"timed out after {timeout} s\n")
            return 124


def _is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _is_debian():
    """Debian, Ubuntu and their derivatives all have /etc/debian_version and apt-get."""
    return Path("/etc/debian_version").is_file() and shutil.which("apt-get") is not None


def _display(python):
    """The interpreter as a person would type it: relative to the current folder when inside it."""
    relative = os.path.relpath(python)
    return python if relative.startswith("..") else relative


@dataclass
class Machine:
    """What the script sees of the machine; the tests pass stand-ins for every part."""

    environ: Mapping = field(default_factory=lambda: os.environ)
    which: Callable = shutil.which
    playwright_browser: Callable = playwright_chromium
    runs: Callable = runs
    run: Callable = run_logged
    is_root: bool = field(default_factory=_is_root)
    is_debian: bool = field(default_factory=_is_debian)
    python: str = field(default_factory=lambda: _display(sys.executable))


@dataclass
class Installer:
    what: str
    commands: list
    fix: str  # the one command a person runs to do the same by hand


def installers(machine):
    """The ways to install a Chromium on this machine, best first."""
    playwright = Installer(
        "Playwright's Chromium",
        [[machine.python, "-m", "playwright", "install", "chromium"]],
        f"{machine.python} -m playwright install chromium",
    )
    if machine.is_root and machine.is_debian:
        apt = Installer(
            "Debian's chromium (apt-get)",
            [["apt-get", "update", "-qq"],
             ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-dejavu-core"]],
            "apt-get update && apt-get install -y chromium",
        )
        return [apt, playwright]
    return [playwright]


def find_chromium(machine):
    """The first usable Chromium, or None. A $BOOK_CHROMIUM that does not run is an error, not skipped."""
    chosen = machine.environ.get(ENV_VAR)
    if chosen:
        if not machine.runs(chosen):
            raise NoChromium(
                f"{ENV_VAR}={chosen} is not a Chromium that runs (`{chosen} --version` failed); "
                f"fix: point {ENV_VAR} at a Chromium executable, or unset it"
            )
        return chosen
    for name in NAMES_ON_PATH:
        path = machine.which(name)
        if path and machine.runs(path):
            return path
    path = machine.playwright_browser()
    if path and machine.runs(path):
        return path
    return None


def ensure_chromium(machine, log=LOG):
    """A usable Chromium: found, or else installed. Raises NoChromium with the one line to show."""
    found = find_chromium(machine)
    if found:
        return found
    ways = installers(machine)
    for installer in ways:
        print(f"No Chromium for the browser tests: installing {installer.what} (log: {log}) ...", file=sys.stderr)
        for command in installer.commands:
            if machine.run(command, log) != 0:
                break
        found = find_chromium(machine)
        if found:
            return found
    raise NoChromium(
        f"No Chromium for the browser tests (none on the PATH, {ENV_VAR} unset, no Playwright browser) and "
        f"installing one failed (log: {log}); fix: {ways[0].fix}"
    )


def main(argv=None, machine=None, log=LOG):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", type=Path, default=RECORD, help=f"where to write the path (default {RECORD})")
    args = parser.parse_args(argv)
    try:
        path = ensure_chromium(machine or Machine(), log)
    except NoChromium as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    args.record.parent.mkdir(parents=True, exist_ok=True)
    args.record.write_text(path + "\n")
    print(f"Chromium for the browser tests: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
