"""The printed book, read as a reader would: the text, bookmarks, links and pictures of the PDF that `make pdf` built.

The references are the book's sources, not the code that made the PDF: the headings of chapters/*.ipynb and pages/*.md
(as _toc.yml lists them), and the figures the website shows (every `[figure]` and `[slider]` output the chapters
store). Poppler reads the PDF (pdftotext for the text, pdftohtml -xml for bookmarks and links, pdftoppm to render).

These tests need the PDF, which takes minutes to build: `make pdf` builds it and then runs this file, with BOOK_PDF
naming it; CI does both after `make test` (.ci/run). Without BOOK_PDF they are skipped.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PDF = os.environ.get("BOOK_PDF")
pytestmark = pytest.mark.skipif(not PDF, reason="needs the PDF: `make pdf` builds it and runs these tests")

# Bounds a reasonable printed edition of this book stays within (about 200 pages, 1.5 MB in December 2026).
PAGES = (120, 400)
MEGABYTES = (0.3, 30)


def _run(*command):
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def text():
    return _run("pdftotext", "-enc", "UTF-8", PDF, "-")


@pytest.fixture(scope="module")
def xml():
    return _run("pdftohtml", "-xml", "-i", "-q", "-stdout", PDF)


def _squeeze(words):
    """Letters and digits only, lower case: what survives line breaks, hyphenation and typography."""
    return re.sub(r"[^0-9a-z]", "", words.lower())


def _docs():
    """(docname, path) of every page of the book, in _toc.yml's order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names = [toc["root"]] + [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    return [(name, ROOT / (name + (".ipynb" if name.startswith("chapters/") else ".md"))) for name in names]


def _markdown(path):
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    return path.read_text()


def _headings(path):
    """The chapter and section titles (levels 1 and 2) of one source, as written, outside code and directives."""
    found, fence = [], None
    for line in _markdown(path).splitlines():
        opening = re.match(r"^(`{3,}|~{3,}|:{3,})", line)
        if opening and fence is None:
            fence = opening.group(1)
        elif fence is not None and line.startswith(fence) and not line[len(fence):].strip():
            fence = None
        elif fence is None and re.match(r"^#{1,2} ", line):
            found.append(line.lstrip("#").strip())
    return found


def _words(title):
    """The pieces of a title that pdftotext gives back as written: the text between its formulas ($...$), with
    MyST roles reduced to their text and code to its characters."""
    title = re.sub(r"\{[a-z:]+\}`([^`]*)`", r"\1", title).replace("`", "")
    return [piece for piece in re.split(r"\$[^$]*\$", title) if _squeeze(piece)]


def _figures(path):
    """What the website shows as a figure in a chapter: its [figure] and [slider] outputs, as their plain text."""
    found = []
    for cell in json.loads(path.read_text())["cells"]:
        for output in cell.get("outputs", []):
            plain = "".join(output.get("data", {}).get("text/plain", ""))
            if plain.startswith(("[figure] ", "[slider] ")):
                found.append(plain)
    return found


def _chapter(text, number):
    """The text of chapter `number`, from its heading to the next chapter's or appendix's."""
    starts = [m.start() for m in re.finditer(r"^\f*(?:CHAPTER|APPENDIX)$", text, flags=re.M)]
    assert len(starts) >= number + 1, "fewer chapters than expected"
    return text[starts[number - 1]:starts[number]]


def test_page_count_and_size_are_those_of_the_whole_book():
    pages = int(re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", PDF), flags=re.M).group(1))
    megabytes = Path(PDF).stat().st_size / 1e6
    assert PAGES[0] <= pages <= PAGES[1]
    assert MEGABYTES[0] <= megabytes <= MEGABYTES[1]


def test_every_chapter_and_section_title_is_printed_and_bookmarked(text, xml):
    printed = _squeeze(text)
    bookmarks = _squeeze(" ".join(re.findall(r"<item[^>]*>(.*?)</item>", xml)))
    missing, unmarked = [], []
    for docname, path in _docs():
        for title in _headings(path):
            pieces = [_squeeze(piece) for piece in _words(title)]
            if not all(piece in printed for piece in pieces):
                missing.append((docname, title))
            # The root page's headings are not sections (the title page and "About this book" stand for them).
            if docname != _docs()[0][0] and not all(piece in bookmarks for piece in pieces):
                unmarked.append((docname, title))
    assert not missing, f"titles not in the PDF: {missing}"
    assert not unmarked, f"titles without a PDF bookmark: {unmarked}"


def test_chapters_are_numbered_as_on_the_website(text):
    for number, (docname, path) in enumerate([doc for doc in _docs() if doc[0].startswith("chapters/")], start=1):
        title = _squeeze("".join(_words(_headings(path)[0])))
        assert title in _squeeze(_chapter(text, number)[:400]), f"chapter {number} is not {docname}"


def test_no_equation_shows_raw_tex_and_no_reference_is_unresolved(text):
    assert "??" not in text
    # Python strings in code and doctests may hold TeX (matplotlib labels such as 'input $z_j$'): not equations.
    prose = re.sub(r"'[^'\n]*'", "", text)
    raw = re.findall(r"\\(?:frac|sum|partial|mathrm|operatorname|begin|end|left|right|cdot|qquad|text)\b|"
                     r"\$[^$\n]{1,60}\$|\\\(|\\\[", prose)
    assert not raw, f"raw TeX in the PDF: {sorted(set(raw))[:10]}"


def test_every_figure_of_the_website_has_a_numbered_counterpart_in_its_chapter(text):
    chapters = [doc for doc in _docs() if doc[0].startswith("chapters/")]
    for number, (docname, path) in enumerate(chapters, start=1):
        shown = _figures(path)
        chapter = _chapter(text, number)
        captions = sorted(set(re.findall(rf"^\f*Fig\. {number}\.(\d+):", chapter, flags=re.M)), key=int)
        assert captions == [str(k) for k in range(1, len(shown) + 1)], f"{docname}: {len(shown)} figures online"
        printed = _squeeze(chapter)
        for plain in shown:
            # The caption starts with the figure's alt text (its first words; the numbers may be the fresh run's).
            opening = _squeeze(re.split(r"\d", plain.split("] ", 1)[1], maxsplit=1)[0])[:30]
            assert opening in printed, f"{docname}: no caption for {plain[:80]}"


def test_every_slider_says_what_moving_it_shows_and_links_the_website(text, xml):
    sliders = sum(plain.startswith("[slider]") for _, path in _docs() if path.suffix == ".ipynb"
                  for plain in _figures(path))
    assert _squeeze(text).count(_squeeze("Moving the slider redraws this figure")) == sliders
    site = re.escape(_config_site())
    links = re.findall(rf'<a href="({site}chapters/[0-9a-z_]+\.html#[a-z0-9-]+)"', xml)
    assert len(set(links)) >= 1 and len(links) >= sliders


def _config_site():
    """The website's address as the PDF prints it: print_edition_url, else repository.url's GitHub Pages form."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    explicit = config.get("sphinx", {}).get("config", {}).get("print_edition_url")
    if explicit:
        return explicit.rstrip("/") + "/"
    owner, repo = re.match(r"https://github\.com/([^/]+)/([^/]+)", config["repository"]["url"]).groups()
    return f"https://{owner.lower()}.github.io/{repo}/"


def test_solutions_come_after_the_exercises_at_the_end_of_their_chapter(text):
    chapters = [doc for doc in _docs() if doc[0].startswith("chapters/")]
    for number, (docname, _) in enumerate(chapters, start=1):
        chapter = _chapter(text, number)
        heading = re.search(rf"^\f*{number}\.\d+ Solutions$", chapter, flags=re.M)
        assert heading, f"{docname}: no Solutions section"
        exercises = [m.start() for m in re.finditer(rf"^\f*Exercise {number}\.[\d.]+ ", chapter, flags=re.M)]
        solutions = [m.start() for m in re.finditer(r"Solution to Exercise", chapter)]
        assert exercises and len(solutions) == len(exercises), docname
        assert max(exercises) < heading.start() < min(solutions), f"{docname}: a solution under its exercise"


def test_cross_references_and_citations_are_links(xml):
    internal = re.findall(r'<a href="[^"#]*#\d+"', xml)
    assert len(internal) >= 100  # the table of contents alone has more


def test_pages_render_with_ink(tmp_path):
    """The title page and a figure's page come out of a renderer as pictures, not blank pages."""
    import matplotlib.image

    figure_page = next(k for k, page in enumerate(_run("pdftotext", PDF, "-").split("\f"), start=1)
                       if re.search(r"^Fig\. 1\.1:", page, flags=re.M))
    for page in (1, figure_page):
        _run("pdftoppm", "-r", "30", "-png", "-f", str(page), "-l", str(page), "-singlefile", PDF,
             str(tmp_path / f"p{page}"))
        pixels = matplotlib.image.imread(tmp_path / f"p{page}.png")
        ink = (pixels[..., :3].mean(axis=2) < 0.5).mean()
        assert 0.002 < ink < 0.5, f"page {page}: {ink:.1%} ink"
