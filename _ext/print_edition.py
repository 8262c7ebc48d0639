"""The printed book (`make pdf`, LaTeX builder): the website's HTML outputs become print; the site offers the PDF.

- Every figure of the website becomes a numbered figure: a precomputed slider (helpers.figures.slider) is printed
  at its first frame (the slider's image/png, else the frame its HTML shows first), captioned with what moving it
  shows (the alt text of its first and last values) and a link to the same section of the website, where it is
  interactive; a still figure (helpers.figures.show, show_varying) is captioned with its alt text.
- Solutions (sphinx-exercise) leave their exercise for a "Solutions" section at the end of their chapter.
- The website build copies the PDF that `make pdf` wrote (`print_edition_pdf`) to the site's root, where
  pages/intro.md links it.
- xelatex finds a bbm.sty: jupyterBook.cls loads it, and Debian ships it only in texlive-fonts-extra (1.4 GB);
  the book never uses \\mathbbm, so a two-line stand-in written beside the .tex does.

The website's address is `print_edition_url` if set, else the GitHub Pages form of `repository.url` in _config.yml
(https://github.com/OWNER/REPO -> https://OWNER.github.io/REPO/).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

ABOUT_TITLE = "About this book"
BBM_STANDIN = "\\ProvidesPackage{bbm}\n\\providecommand{\\mathbbm}[1]{\\mathbb{#1}}\n"


def website_url(config):
    """The website's root address, ending in a slash (empty if it cannot be told)."""
    if config.print_edition_url:
        return config.print_edition_url.rstrip("/") + "/"
    repository = (config.html_theme_options or {}).get("repository_url", "")
    found = re.match(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$", repository)
    return f"https://{found.group(1).lower()}.github.io/{found.group(2)}/" if found else ""


def _owners(document):
    """{node: the start_of_file (one inlined document) that holds it}, innermost first.

    The LaTeX builder inlines every document into one tree by handing each document's children to a start_of_file
    node without re-parenting them, so walking up `.parent` from a node never reaches its start_of_file.
    """
    owners = {}
    for sof in document.findall(addnodes.start_of_file):  # document order: an inner one overwrites its outer one
        for node in sof.findall(include_self=False):
            owners[node] = sof
    return owners


def _mime_children(bundle):
    return {child["mime_type"]: child for child in bundle.children}


def _html_of(child):
    return "".join(raw.astext() for raw in child.findall(nodes.raw))


def _states(page):
    """(hidden, alt, base64 png or None, text or None) of each state of a slider's HTML, in page order."""
    found = []
    for hidden, body in re.findall(r'<div class="book-slider-state"[^>]*?( hidden)?>(.*?)</div>', page, re.S):
        picture = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)"', body)
        text = re.search(r'<pre class="book-slider-text">(.*?)</pre>', body, re.S)
        found.append((
            bool(hidden), html.unescape(picture.group(2)) if picture else None, picture and picture.group(1),
            html.unescape(text.group(1)) if text else None,
        ))
    return found


class PrintOutputs(SphinxPostTransform):
    """Sliders and figures as numbered, captioned figures; runs before MyST-NB picks one output per bundle."""

    default_priority = 3  # MyST-NB's SelectMimeType is 4
    builders = ("latex",)

    def run(self, **kwargs):
        owners = {id(node): sof["docname"] for node, sof in _owners(self.document).items()}
        for bundle in list(self.document.findall(
                lambda n: isinstance(n, nodes.container) and n.get("nb_element") == "mime_bundle")):
            children = _mime_children(bundle)
            page = _html_of(children["text/html"]) if "text/html" in children else ""
            if 'class="book-slider' in page:
                figure = self._slider(bundle, children, page, owners.get(id(bundle), self.env.docname))
            elif '<figure class="book-figure">' in page:
                found = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)"', page)
                figure = self._figure(self._written(found.group(1)), html.unescape(found.group(2)))
            elif "image/png" in children and "text/plain" in children:
                plain = children["text/plain"].astext()
                if not plain.startswith("[figure] "):
                    continue
                figure = self._figure(children["image/png"].next_node(nodes.image).deepcopy(), plain[9:])
            else:
                continue
            bundle.replace_self(figure)

    def _written(self, png_base64):
        """An image node for a PNG written beside the .tex (named by its hash, so each is written once)."""
        data = base64.b64decode(png_base64)
        name = f"print-{hashlib.sha256(data).hexdigest()[:20]}.png"
        target = Path(self.app.builder.outdir) / name
        if not target.exists():
            target.write_bytes(data)
        return nodes.image(uri=name, candidates={"*": name})

    def _figure(self, image, caption, legend=()):
        image["width"] = "85%"
        caption_node = nodes.caption("", "")
        caption_node += nodes.Text(caption)
        figure = nodes.figure("", image, caption_node, classes=["book-print-figure"])
        if legend:
            figure += nodes.legend("", *legend)
        return figure

    def _slider(self, bundle, children, page, docname):
        states = _states(page)
        name = html.unescape(re.search(r'<label for="[^"]+"[^>]*>(.*?) = <output', page).group(1))
        labels = json.loads(re.search(r"<script>.*?\n  var root = document.getElementById\(\"[^\"]+\"\), labels = "
                                      r"(\[.*?\]), name", page, re.S).group(1))
        choices = [html.unescape(c) for c in re.findall(r'<input type="radio"[^>]*> (.*?)</label>', page)]
        shown = next(k for k, state in enumerate(states) if not state[0])
        value = labels[shown % len(labels)]
        _, alt, png, text = states[shown]
        if "image/png" in children:
            image = children["image/png"].next_node(nodes.image).deepcopy()
        else:
            image = self._written(png)
        if choices:
            row = states[shown - shown % len(labels):][: len(labels)]
        else:
            row = states
        ends = []
        for k in (0, len(row) - 1):
            described = row[k][1] or row[k][3]
            if described[:1].isupper() and described[1:2].islower():  # "For z = ..." inside a sentence: "for z = ..."
                described = described[0].lower() + described[1:]
            ends.append(f"at {name} = {labels[k]}, {described}")
        choice = f", with a choice of {', '.join(choices)}" if choices else ""
        caption = (f"{alt or text} (printed at {name} = {value}; on the website a slider moves {name} from "
                   f"{labels[0]} to {labels[-1]} in {len(labels)} steps{choice}).")
        url = self._page_url(bundle, docname)
        legend = nodes.paragraph("", "")
        legend += nodes.Text(f"Moving the slider redraws this figure: {ends[0]}; {ends[1]}. ")
        if url:
            legend += nodes.Text("Interactive on the website: ")
            legend += nodes.reference(url, url, refuri=url)
            legend += nodes.Text(".")
        figure = self._figure(image, caption, [legend])
        # The state's text (the numbers the website prints under the picture), as it is printed: lines kept.
        return [figure, nodes.literal_block(text, text)] if text and alt else figure

    def _page_url(self, node, docname):
        """The website address of the section that holds `node` (the page, then the section's anchor)."""
        root = website_url(self.config)
        if not root:
            return ""
        anchor = ""
        parent = node
        while parent is not None and not anchor:  # parents inside one document are right (see _owners)
            if isinstance(parent, nodes.section) and parent["ids"]:
                anchor = parent["ids"][0]
            parent = parent.parent
        page = f"{root}{docname}.html"
        return f"{page}#{anchor}" if anchor else page


class SolutionsAtChapterEnd(SphinxPostTransform):
    """Each chapter's solutions, in order, in a last section "Solutions", not under their exercises."""

    default_priority = 30  # after sphinx-exercise resolves titles and references (20-22)
    builders = ("latex",)

    def run(self, **kwargs):
        from sphinx_exercise.nodes import solution_node

        owners = _owners(self.document)
        chapters = {}
        for solution in list(self.document.findall(solution_node)):
            chapter = owners.get(solution)
            if chapter is not None:
                chapters.setdefault(id(chapter), (chapter, []))[1].append(solution)
        for chapter, solutions in chapters.values():
            top = chapter.next_node(nodes.section)
            if top is None:
                continue
            section = nodes.section(ids=[f"print-solutions-{chapter['docname'].replace('/', '-')}"])
            section += nodes.title("", "Solutions")
            for solution in solutions:
                solution.parent.remove(solution)
                section += solution
            top += section


class BookStructure(SphinxPostTransform):
    """Chapter numbers as on the website: the parts of _toc.yml before the first numbered part are unnumbered front
    matter, the numbered part's chapters are 1, 2, ..., and the unnumbered parts after it are appendices (A, B, ...).
    The root page, which LaTeX puts right after the table of contents, gets a heading of its own."""

    default_priority = 40
    builders = ("latex",)

    def run(self, **kwargs):
        site_map = getattr(self.env, "external_site_map", None)
        if site_map is None:
            return
        parts = site_map[site_map.root.docname].subtrees
        starts = {}  # docname -> raw LaTeX before its chapter heading
        seen_numbered = False
        for part in parts:
            first = str(part.items[0]) if part.items else None
            if first is None:
                continue
            if part.numbered and not seen_numbered:
                starts[first] = "\\setcounter{secnumdepth}{\\printSecnumdepth}"
                seen_numbered = True
            elif not part.numbered and not seen_numbered:
                starts.setdefault(first, "\\setcounter{secnumdepth}{-1}")
            elif not part.numbered and seen_numbered:
                # Appendices A, B, ...; their sections unnumbered, as on the website (some titles carry numbers).
                starts[first] = "\\appendix\\setcounter{secnumdepth}{0}"
        for sof in self.document.findall(addnodes.start_of_file):
            if sof.get("docname") in starts:
                sof.insert(0, nodes.raw("", starts[sof["docname"]] + "\n", format="latex"))
        root = self.document.next_node(nodes.section)
        if root is not None:
            title = ABOUT_TITLE
            root.insert(1, nodes.raw("", f"\\chapter*{{{title}}}\\addcontentsline{{toc}}{{chapter}}{{{title}}}"
                                         f"\\markboth{{{title}}}{{{title}}}\n", format="latex"))


def _write_standins(app):
    if app.builder.name == "latex":
        Path(app.builder.outdir).mkdir(parents=True, exist_ok=True)
        (Path(app.builder.outdir) / "bbm.sty").write_text(BBM_STANDIN)


def _copy_pdf_into_site(app, exception):
    """The website offers the PDF (pages/intro.md links it) when `make pdf` built one before the site."""
    if exception is not None or app.builder.format != "html":
        return
    built = Path(app.srcdir) / app.config.print_edition_pdf
    if built.is_file():
        shutil.copyfile(built, Path(app.builder.outdir) / built.name)
    else:
        logger.info(f"print_edition: no {app.config.print_edition_pdf} (run `make pdf` first to offer it on the site)")


def setup(app):
    app.add_config_value("print_edition_url", "", "env")
    app.add_config_value("print_edition_pdf", "_build/pdf/book.pdf", "html")
    app.connect("build-finished", _copy_pdf_into_site)
    app.add_post_transform(PrintOutputs)
    app.add_post_transform(SolutionsAtChapterEnd)
    app.add_post_transform(BookStructure)
    app.connect("builder-inited", _write_standins)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
