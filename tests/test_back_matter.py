"""The back matter keeps up with the chapters: every exhibit of the mistake museum is listed, every helpers module is
in the API reference, and the cheat sheet links only to functions that exist.

The build (-W -n) already fails on a cross-reference to a missing target; these tests catch the other direction,
a new exhibit or module that the back matter forgot.
"""

import importlib
import json
import pkgutil
import re

from book_layout import CHAPTER_NOTEBOOKS, ROOT, toc_pages

import helpers

PAGES = ROOT / "pages"
# Only chapters in the TOC are built, so only their exhibits can be linked (the others are listed as "to come").
BUILT_CHAPTERS = [path for path in CHAPTER_NOTEBOOKS if f"chapters/{path.stem}" in toc_pages()]


def _markdown_of(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_every_museum_exhibit_in_a_chapter_is_listed_on_the_museum_page():
    museum = (PAGES / "mistakes.md").read_text()
    listed = set(re.findall(r"\{ref\}`[^`<]*<(museum-[\w-]+)>`", museum))
    shown = {
        target: notebook.stem
        for notebook in BUILT_CHAPTERS
        for target in re.findall(r"^\((museum-[\w-]+)\)=", _markdown_of(notebook), flags=re.M)
    }
    missing = {target: chapter for target, chapter in shown.items() if target not in listed}
    assert not missing, f"pages/mistakes.md does not link these exhibits: {missing}"
    assert listed <= set(shown), f"pages/mistakes.md links exhibits no chapter shows: {listed - set(shown)}"


def test_every_museum_admonition_has_a_target_and_a_mistake_number():
    for notebook in CHAPTER_NOTEBOOKS:
        for cell in json.loads(notebook.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and re.search(r"^:::\{admonition\} Mistake museum", source, re.M):
                assert re.search(r"^\(museum-[\w-]+\)=\n:::\{admonition\} Mistake museum \(\d\)", source, re.M), (
                    f"{notebook.name}: a mistake-museum admonition needs a (museum-...)= target on the line "
                    f"before it and its number from REFERENCES.md in the title:\n{source[:200]}"
                )


def test_every_public_module_of_helpers_is_in_the_api_reference():
    api = (PAGES / "api.md").read_text()
    documented = set(re.findall(r"^\.\. automodule:: ([\w.]+)", api, flags=re.M))
    public = {
        f"helpers.{info.name}" for info in pkgutil.iter_modules(helpers.__path__) if not info.name.startswith("_")
    }
    assert public <= documented, f"pages/api.md does not document {sorted(public - documented)}"


def test_the_cheat_sheet_names_only_functions_that_exist():
    sheet = (PAGES / "cheatsheet.md").read_text()
    named = re.findall(r"\{py:func\}`[^`<]*<(helpers\.[\w.]+)>`", sheet)
    assert len(named) >= 20
    for path in named:
        module, _, name = path.rpartition(".")
        assert hasattr(importlib.import_module(module), name), path
