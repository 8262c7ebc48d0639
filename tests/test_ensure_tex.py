"""tools/ensure_tex.py: `make pdf` finds TeX Live, the fonts and poppler, installs them with apt as root on Debian,
and otherwise stops with one line that names what is missing and how to install it. The machine is a stand-in."""

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("ensure_tex", Path(__file__).parents[1] / "tools" / "ensure_tex.py")
ensure_tex = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ensure_tex)


def _machine(have, *, root=True, debian=True, installs=frozenset()):
    """A machine that has the programs, fonts and LaTeX packages in `have`; apt-get adds `installs` and logs."""
    state = {"have": set(have), "commands": []}

    def run(command, log):
        state["commands"].append(command)
        if command[:2] == ["apt-get", "install"]:
            state["have"] |= set(installs)
        return 0

    machine = ensure_tex.Machine(
        which=lambda name: f"/usr/bin/{name}" if name in state["have"] else None,
        runs=lambda command: Path(command[0]).name in state["have"],
        has_font=lambda family: family in state["have"],
        has_latex_package=lambda name: name in state["have"],
        run=run, is_root=root, is_debian=debian,
    )
    return machine, state


EVERYTHING = {*ensure_tex.PROGRAMS, *ensure_tex.FONTS, *ensure_tex.LATEX_PACKAGES, "kpsewhich"}


def test_nothing_is_installed_when_everything_is_there(tmp_path):
    machine, state = _machine(EVERYTHING)
    assert ensure_tex.main([], machine, tmp_path / "log") == 0
    assert state["commands"] == []


def test_as_root_on_debian_it_installs_the_apt_packages_then_checks_again(tmp_path):
    machine, state = _machine({"kpsewhich"}, installs=EVERYTHING)
    assert ensure_tex.main([], machine, tmp_path / "log") == 0
    assert state["commands"][0] == ["apt-get", "update", "-qq"]
    install = state["commands"][1]
    assert install[:2] == ["apt-get", "install"] and {"texlive-xetex", "latexmk", "poppler-utils"} <= set(install)


def test_check_only_never_installs_and_names_what_is_missing(tmp_path, capsys):
    machine, state = _machine(EVERYTHING - {"xindy", "DejaVu Sans Mono", "newunicodechar.sty"})
    assert ensure_tex.main(["--check"], machine, tmp_path / "log") == 1
    assert state["commands"] == []
    line = capsys.readouterr().err.strip()
    assert "\n" not in line
    assert "xindy" in line and "font DejaVu Sans Mono" in line and "newunicodechar.sty" in line
    assert "apt-get install -y --no-install-recommends texlive-xetex" in line


@pytest.mark.parametrize("root, debian", [(False, True), (True, False)])
def test_without_root_or_apt_it_says_what_to_run_and_installs_nothing(tmp_path, capsys, root, debian):
    machine, state = _machine(EVERYTHING - {"xelatex"}, root=root, debian=debian)
    assert ensure_tex.main([], machine, tmp_path / "log") == 1
    assert state["commands"] == []
    line = capsys.readouterr().err
    assert "xelatex" in line and ("apt-get install" in line) == debian


def test_an_install_that_leaves_a_gap_is_reported(tmp_path, capsys):
    machine, _ = _machine({"kpsewhich"}, installs=EVERYTHING - {"pdftoppm"})
    assert ensure_tex.main([], machine, tmp_path / "log") == 1
    assert "pdftoppm" in capsys.readouterr().err
