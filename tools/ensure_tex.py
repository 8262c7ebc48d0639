"""Find what `make pdf` needs, or install it: TeX Live's xelatex, latexmk and xindy (Jupyter Book's LaTeX builder),
the fonts the book is set in, and poppler's pdftotext and pdftoppm (tests/test_pdf.py reads and renders the PDF).

What it checks: each program runs (`<program> --version`, or `-V` for xindy); fontconfig knows the fonts
(FreeSerif, FreeSans, DejaVu Sans Mono); kpsewhich finds the LaTeX packages the build loads that Debian splits
over several TeX Live packages.

If something is missing, it installs it the way that works on the machine at hand: as root on Debian or Ubuntu,
Debian's TeX Live with apt-get (after `apt-get update`); installer output goes to <venv>/ensure-tex.log (or to the
temporary folder's, for the system's Python, as .ci/run calls it). Otherwise (or if that failed) one line on stderr
names what is missing and the command that installs it, and the exit status is 1, so `make pdf` stops before
building anything.

Why Debian's TeX Live and not TinyTeX or a TeX Live from CTAN: it is what a Debian/Ubuntu machine and CI already
trust and cache, it needs no download script, and the packages below are about 400 MB instead of a full TeX Live.

Usage: python tools/ensure_tex.py [--check]   (--check: report only, never install)
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ensure_browser  # noqa: E402  (tools/ is not a package)

# Debian packages, and what each brings that the build uses.
APT_PACKAGES = (
    "texlive-xetex",  # xelatex: Unicode text (the book has Greek letters, arrows, ulp marks in plain text)
    "texlive-latex-extra",  # packages Sphinx's LaTeX and jupyterBook.cls load (fncychap, tabulary, varwidth, ...)
    "texlive-fonts-recommended",  # the math fonts
    "latexmk",  # reruns LaTeX until references settle
    "xindy",  # Sphinx's index with xelatex
    "fonts-freefont-otf",  # FreeSerif, FreeSans: Sphinx's text fonts with xelatex
    "fonts-dejavu-core",  # DejaVu Sans Mono: code and the checks' output
    "poppler-utils",  # pdftotext, pdftoppm: tests/test_pdf.py
)
PROGRAMS = {"xelatex": "--version", "latexmk": "--version", "xindy": "-V", "pdftotext": "-v", "pdftoppm": "-v"}
FONTS = ("FreeSerif", "FreeSans", "DejaVu Sans Mono")
LATEX_PACKAGES = ("fncychap.sty", "tabulary.sty", "varwidth.sty", "pgfplots.sty", "newunicodechar.sty", "adjustbox.sty",
                  "capt-of.sty", "needspace.sty", "polyglossia.sty", "unicode-math.sty")
FIX = "apt-get update && apt-get install -y --no-install-recommends " + " ".join(APT_PACKAGES)
# In the venv; else (the system's Python, as .ci/run calls it, or a read-only venv) in the temporary folder.
_IN_VENV = sys.prefix != sys.base_prefix and os.access(sys.prefix, os.W_OK)
LOG = (Path(sys.prefix) if _IN_VENV else Path(tempfile.gettempdir())) / "ensure-tex.log"
INSTALL_TIMEOUT = 3600  # seconds for one installer command


class NoTeX(Exception):
    """Something `make pdf` needs is missing and could not be installed; the message is the line a person reads."""


def _runs(command):
    try:
        return subprocess.run(command, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _has_font(family):
    try:
        found = subprocess.run(["fc-list", f":family={family}", "family"], capture_output=True, text=True,
                               timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(found.strip())


def _has_latex_package(filename):
    try:
        done = subprocess.run(["kpsewhich", filename], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and bool(done.stdout.strip())


def run_logged(command, log):
    """Run an installer command with its output appended to `log` (ensure_browser's runner, with TeX's timeout)."""
    return ensure_browser.run_logged(command, log, timeout=INSTALL_TIMEOUT)


@dataclass
class Machine:
    """What the script sees of the machine; the tests pass stand-ins for every part."""

    which: Callable = shutil.which
    runs: Callable = _runs
    has_font: Callable = _has_font
    has_latex_package: Callable = _has_latex_package
    run: Callable = run_logged
    is_root: bool = field(default_factory=lambda: hasattr(os, "geteuid") and os.geteuid() == 0)
    is_debian: bool = field(
        default_factory=lambda: Path("/etc/debian_version").is_file() and shutil.which("apt-get") is not None
    )


def missing(machine):
    """What is missing, in words ([] when everything is there)."""
    gaps = []
    for program, flag in PROGRAMS.items():
        path = machine.which(program)
        if not path or not machine.runs([path, flag]):
            gaps.append(program)
    gaps += [f"font {family}" for family in FONTS if not machine.has_font(family)]
    if machine.which("kpsewhich"):
        gaps += [name for name in LATEX_PACKAGES if not machine.has_latex_package(name)]
    return gaps


def ensure_tex(machine, log=LOG, install=True):
    """Nothing, if everything `make pdf` needs is there (after installing it if allowed); else raises NoTeX."""
    gaps = missing(machine)
    if not gaps:
        return
    if install and machine.is_root and machine.is_debian:
        print(f"Missing for the PDF: {', '.join(gaps)}; installing Debian's TeX Live (log: {log}) ...",
              file=sys.stderr)
        commands = [["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES]]
        if all(machine.run(command, log) == 0 for command in commands):
            gaps = missing(machine)
            if not gaps:
                return
    elsewhere = f"install TeX Live (xelatex, latexmk, xindy), the fonts {', '.join(FONTS)} and poppler-utils"
    how = f"as root: {FIX}" if machine.is_debian else elsewhere
    raise NoTeX(f"Missing for the PDF: {', '.join(gaps)}; fix: {how}")


def main(argv=None, machine=None, log=LOG):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report only, never install")
    args = parser.parse_args(argv)
    try:
        ensure_tex(machine or Machine(), log, install=not args.check)
    except NoTeX as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    print("TeX Live, fonts and poppler for the PDF: found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
