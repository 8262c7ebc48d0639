"""The book builds with zero warnings, and the built pages hold what the sources promise."""

import json
import re
import sys

from book_layout import CHAPTER_NOTEBOOKS, CONFIG, ROOT, toc_pages

sys.path.insert(0, str(ROOT / "tools"))
import colab_cells  # noqa: E402


def test_book_builds_without_a_single_warning(book_build):
    log = book_build.stdout + book_build.stderr
    warnings = [line for line in log.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL):", line)]
    assert book_build.returncode == 0, log[-4000:]
    assert warnings == []


def test_every_toc_entry_has_a_page(site):
    for name in toc_pages():
        assert (site / f"{name}.html").is_file(), name


def test_chapters_folder_and_toc_list_the_same_notebooks_in_the_same_order():
    in_toc = [name for name in toc_pages() if name.startswith("chapters/")]
    on_disk = [f"chapters/{path.stem}" for path in CHAPTER_NOTEBOOKS]
    assert in_toc == on_disk


def test_bibliography_lists_every_reference(site):
    page = (site / "pages" / "bibliography.html").read_text()
    bib = (ROOT / "references.bib").read_text()
    first_authors = re.findall(r"^\s*author\s*=\s*\{\{?([^,}]+)", bib, flags=re.M)
    assert len(first_authors) == len(re.findall(r"^@\w+\{", bib, flags=re.M)) >= 9
    # One list item per entry (_ext/accessible_citations.py writes them as role="listitem").
    assert len(re.findall(r'class="citation" id="[^"]*" role="listitem"', page)) == len(first_authors)
    for surname in first_authors:
        assert surname in page, surname


def test_solutions_are_folded_in_dropdowns(site):
    page = (site / "chapters" / "01_softmax.html").read_text()
    exercises = re.findall(r'class="[^"]*\bexercise\b', page)
    solutions = re.findall(r'class="solution dropdown\b', page)
    assert len(exercises) >= 3
    assert len(solutions) == len(exercises)


def test_each_chapter_starts_with_a_colab_cell_that_installs_from_the_configured_repository():
    repository = CONFIG["repository"]
    expected = f"git+{repository['url']}@{repository['branch']}"
    assert colab_cells.stale_chapters(CONFIG, CHAPTER_NOTEBOOKS) == [], "run tools/colab_cells.py"
    for path in CHAPTER_NOTEBOOKS:
        first = json.loads(path.read_text())["cells"][0]
        source = "".join(first["source"])
        assert "remove-cell" in first["metadata"].get("tags", []), f"{path.name}: hide the Colab cell on the website"
        assert 'if "google.colab" in sys.modules:' in source, f"{path.name}: the Colab cell must do nothing elsewhere"
        assert expected in source, f"{path.name}: the Colab cell must install from {expected} (see _config.yml)"


def test_a_fork_changes_the_repository_once_and_every_colab_cell_follows(tmp_path):
    fork = {**CONFIG, "repository": {**CONFIG["repository"], "url": "https://github.com/someone/fork", "branch": "v2"}}
    copies = []
    for path in CHAPTER_NOTEBOOKS:
        copies.append(tmp_path / path.name)
        copies[-1].write_text(path.read_text())
    assert colab_cells.stale_chapters(fork, copies) == copies
    colab_cells.write(fork, copies)
    assert colab_cells.stale_chapters(fork, copies) == []
    for copy in copies:
        notebook = json.loads(copy.read_text())
        assert "git+https://github.com/someone/fork@v2" in "".join(notebook["cells"][0]["source"])
        assert "remove-cell" in notebook["cells"][0]["metadata"]["tags"]  # only the source changes


def test_binder_pins_a_python_version_that_the_package_supports():
    version = (ROOT / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", version)
    minimum = re.search(r'requires-python = ">=3\.(\d+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert int(version.split(".")[1]) >= int(minimum)


def test_instructors_guide_gives_a_time_for_every_chapter():
    guide = (ROOT / "pages" / "instructors.md").read_text()
    for path in CHAPTER_NOTEBOOKS:
        title = next(
            line[2:].strip()
            for cell in json.loads(path.read_text())["cells"]
            if cell["cell_type"] == "markdown"
            for line in "".join(cell["source"]).splitlines()
            if line.startswith("# ")
        )
        assert title in guide, f"pages/instructors.md has no time estimate for '{title}'"


def test_chapters_are_saved_clean_run_in_order_with_no_errors_warnings_or_widget_state():
    for path in CHAPTER_NOTEBOOKS:
        notebook = json.loads(path.read_text())
        # Widget state is not compared by nbval, so it could go stale: notebooks must not carry it.
        assert "widgets" not in notebook["metadata"], f"{path.name}: strip the saved widget state"
        code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code" and "".join(cell["source"]).strip()]
        counts = [cell["execution_count"] for cell in code]
        assert counts == list(range(1, len(code) + 1)), f"{path.name}: restart the kernel, run all, save"
        for cell in code:
            for output in cell["outputs"]:
                assert output["output_type"] != "error", f"{path.name}: a cell stores an error"
                assert output.get("name") != "stderr", f"{path.name}: a cell shows stderr to the reader"
