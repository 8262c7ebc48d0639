"""Sphinx extension: pages that load fast on a phone (Lighthouse's mobile profile), with nothing the reader sees lost.

What the theme and the notebooks' outputs put on every page, and what is done about it here:

- A meta description per page (search engines show it): the page's front-matter ``html_meta: description`` if it has
  one, else its first paragraph of prose, cut at a word to at most 160 characters.
- The theme's fontawesome.js (1.5 MB of JavaScript that swaps a dozen <i class="fa-..."> for SVG) is not loaded; the
  icons the theme shows are drawn by _static/icons.css (the same Font Awesome 6 Free shapes as CSS masks), and so are
  the glyphs the theme's stylesheets put in ::before and ::after (admonition titles...): no page fetches an icon font.
- The theme's first inline script sets data-theme to "light" or "dark" as pydata-sphinx-theme.js's setTheme() later
  will (the stored mode, else the reader's prefers-color-scheme), not to "auto", which no stylesheet matches: setTheme()
  then sets the values already there and restyles nothing (it restyled every element of the page, 20,000 on a
  chapter, after the first layout), and a dark-mode reader no longer sees the page in light colours first.
- Folded solutions are folded from the first paint, by _static/folds.css while scripting is on (sphinx-togglebutton
  folded them only once its script ran, each fading out in a 0.3 s transition that restyled its formulas at every
  frame, and a phone showed every solution until then); without scripting they stay open, as before.
- One stylesheet: the page's stylesheets of _static/ (the theme's, the extensions', ours; 13 links, and theme.css
  @imports basic.css) are concatenated in their order into _static/site-<hash>.css, their url()s made relative to
  _static/, so the first paint waits for one request, not 14 of which two in a row. MathJax's stays apart.
  Its rules that no page can match (all of Bootstrap, every Font Awesome icon's class...) are then left out
  (_ext/unused_css.py): 580 kB, 96 kB gzipped, become about 200 kB, 39 kB gzipped; the file is named after what it
  holds.
- No script blocks the first paint: every <script src> in <head> gets `defer` (deferred scripts still run in
  order, before DOMContentLoaded, after the inline ones that set their options). Sphinx's search scripts
  (searchtools.js, language_data.js and the 100 kB searchindex.js) are loaded only by search.html: the theme loads
  them everywhere for a search-as-you-type mode that this book does not turn on (the search box sends the reader to
  search.html).
- No widget state: a chapter executed by `make book` (MyST-NB's cache) stores its ipywidgets' state in the notebook,
  and MyST-NB embeds it in the page (120 kB on chapter 3: every live slider's current frame as a PNG in JSON) for a
  widget manager that this book never loads (nb_ipywidgets_js is empty: the website shows the static sliders). With
  no widget manager on the page, the state is dropped.
- The search button's accessible name is its visible label ("Search Ctrl+K"), not a different aria-label.
- Slider frames cost only when used: a slider's hidden states (every position but the one shown) carry their PNG
  as a data: URI in the notebook's output; here each is moved to a file in _images/ and loaded lazily, so the page
  holds only the frame shown and the browser fetches another when the reader moves the slider. The notebook, and
  its live-kernel slider, are unchanged. Every PNG figure gets its width and height, so its box is reserved before
  the picture arrives (no layout shift).
"""

import base64
import hashlib
import html
import os
import re
from pathlib import Path

import unused_css
from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

DESCRIPTION_LENGTH = 160
FONTAWESOME = re.compile(r'\s*<script [^>]*src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')
SEARCH_SCRIPTS = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"></script>'
)
HEAD_SCRIPT = re.compile(r"<script (?![^>]*\b(?:defer|async)\b)([^>]*\bsrc=)")
SEARCH_LABEL = re.compile(r'(<button class="btn search-button-field [^"]*" title="Search") aria-label="Search"')
HIDDEN_STATE = re.compile(r'<div class="book-slider-state"[^>]*\shidden>.*?</div>', re.S)
INLINE_PNG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
STYLESHEET_LINK = re.compile(r'[ \t]*<link\b(?=[^>]*\brel="stylesheet")[^>]*\bhref="([^"]*_static/[^"]+)"[^>]*>\n?')
# MathJax's stylesheet (_ext/static_math.py) stays a file of its own: only pages with formulas load it.
SEPARATE_STYLESHEETS = ("_static/math/",)
CSS_IMPORT = re.compile(r'@import\s+(?:url\(\s*)?["\']([^"\']+)["\']\s*\)?[^;]*;')
CSS_URL = re.compile(r'url\(\s*(["\']?)([^"\')]+)\1\s*\)')
CSS_MAP_COMMENT = re.compile(r"/\*# sourceMappingURL=[^*]*\*/")
WIDGET_STATE = re.compile(r'\s*<script type="application/vnd\.jupyter\.widget-state\+json">.*?</script>', re.S)
# The theme's first inline script: it sets data-theme to the stored theme, or "auto" (which no stylesheet matches).
THEME_SCRIPT = re.compile(
    r'(<script data-cfasync="false">)'
    r'\s*document\.documentElement\.dataset\.mode = localStorage\.getItem\("mode"\) \|\| "auto";'
    r'\s*document\.documentElement\.dataset\.theme = localStorage\.getItem\("theme"\) \|\| "auto";\s*(</script>)'
)
# The same mode, and the theme pydata-sphinx-theme.js's setTheme() derives from it when it runs (after the page is
# parsed and styled): the same values, so its setting them changes nothing and restyles nothing.
RESOLVED_THEME = """
    (() => {
      const root = document.documentElement;
      const mode = localStorage.getItem("mode") || "auto";
      const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
      root.dataset.mode = mode;
      root.dataset.theme = mode === "light" || mode === "dark" ? mode : dark ? "dark" : "light";
    })();
  """


def _first_paragraph(doctree):
    """The first paragraph of prose (at least 40 characters) with no formula in it (TeX reads badly in a search
    result), else the first paragraph of prose."""
    prose = [
        paragraph
        for paragraph in doctree.findall(nodes.paragraph)
        if not paragraph.next_node(nodes.literal_block)
        and not any(
            isinstance(parent, (nodes.admonition, nodes.container, nodes.citation, nodes.footnote, nodes.table))
            for parent in _ancestors(paragraph)
        )
        and len(paragraph.astext()) >= 40
    ]
    without_math = [paragraph for paragraph in prose if not paragraph.next_node(nodes.math)]
    chosen = (without_math or prose)[:1]
    return " ".join(chosen[0].astext().split()) if chosen else ""


def _ancestors(node):
    while node.parent is not None:
        node = node.parent
        yield node


def _shorten(text, limit=DESCRIPTION_LENGTH):
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def add_description(app, pagename, templatename, context, doctree):
    if 'name="description"' in context.get("metatags", ""):
        return
    text = _first_paragraph(doctree) if doctree is not None else ""
    if not text:
        title = html.unescape(re.sub(r"<[^>]+>", "", context.get("title") or "")) or pagename.replace("gen", "")
        text = f"{title.capitalize()} of {app.config.html_title or app.config.project}: every page of the book."
    meta = f'<meta name="description" content="{html.escape(_shorten(text))}" />\n'
    context["metatags"] = context.get("metatags", "") + meta


def _lazy_frames(text, page, outdir, images):
    """Move every hidden slider state's inline PNG to _images/slider/ and load it lazily."""
    prefix = "../" * (len(page.relative_to(outdir).parts) - 1)

    def frame(match):
        data = base64.b64decode(match.group(1))
        name = f"{hashlib.sha256(data).hexdigest()[:20]}.png"
        target = images / name
        if not target.is_file():
            target.write_bytes(data)
        # The PNG's own size, so the browser reserves the frame's box before the file arrives: nothing moves.
        width, height = _png_size(data)
        return (
            f'<img loading="lazy" decoding="async" width="{width}" height="{height}" '
            f'src="{prefix}_images/slider/{name}"'
        )

    return HIDDEN_STATE.sub(lambda state: INLINE_PNG.sub(frame, state.group(0)), text)


def _png_size(data):
    """(width, height) from a PNG's IHDR chunk."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _sized_inline_pngs(text):
    """Give every inline PNG figure its width and height, so its box is reserved before it is decoded."""

    def sized(match):
        width, height = _png_size(base64.b64decode(match.group(1)[:44]))
        return f'<img width="{width}" height="{height}" src="data:image/png;base64,{match.group(1)}"'

    return INLINE_PNG.sub(sized, text)


def _css_for_static(path, static):
    """A stylesheet's text with its relative url()s made relative to _static/ and its @imports inlined (an @import
    is valid only at the top of a stylesheet, and it is one more request after the first)."""
    text = CSS_MAP_COMMENT.sub("", path.read_text(encoding="utf-8"))
    imports = []

    def imported(match):
        file = (path.parent / match.group(1)).resolve()
        imports.append(f"/* {file.relative_to(static).as_posix()} */\n{_css_for_static(file, static)}")
        return f"/*book-import-{len(imports) - 1}*/"

    def relocated(match):
        target = match.group(2)
        if re.match(r"[a-zA-Z][\w+.-]*:|/|#", target):  # data:, http:, absolute, fragment
            return match.group(0)
        file, suffix = re.match(r"([^?#]*)(.*)", target).groups()
        return f'url("{os.path.relpath((path.parent / file).resolve(), static).replace(os.sep, "/")}{suffix}")'

    text = CSS_URL.sub(relocated, CSS_IMPORT.sub(imported, text))
    return re.sub(r"/\*book-import-(\d+)\*/", lambda match: imports[int(match.group(1))], text)


def _one_stylesheet(head, page, static, combined):
    """The page's stylesheets of _static/ as one file, _static/site-<hash>.css, linked where the first was: one
    request instead of 14 before the first paint (and none for basic.css after theme.css, which @imports it). The
    rules are the same and in the same order, so the cascade is unchanged. Pages with the same stylesheets share it."""
    links = [
        match
        for match in STYLESHEET_LINK.finditer(head)
        if not any(part in match.group(1) for part in SEPARATE_STYLESHEETS)
    ]
    if len(links) < 2:
        return head
    files = tuple((page.parent / re.sub(r"[?#].*", "", match.group(1))).resolve() for match in links)
    if files not in combined:
        text = "\n".join(
            f"/* {file.relative_to(static).as_posix()} */\n{_css_for_static(file, static)}" for file in files
        )
        name = f"site-{hashlib.sha256(text.encode()).hexdigest()[:16]}.css"
        (static / name).write_text(text, encoding="utf-8")
        combined[files] = name
    prefix = links[0].group(1).split("_static/")[0]
    link = f'    <link rel="stylesheet" type="text/css" href="{prefix}_static/{combined[files]}" />\n'
    for match in reversed(links[1:]):
        head = head[: match.start()] + head[match.end() :]
    return head[: links[0].start()] + link + head[links[0].end() :]


def without_widget_state(head, widget_scripts):
    """`head` without the embedded ipywidgets state when the page loads no widget manager (`widget_scripts`, MyST-NB's
    nb_ipywidgets_js, is empty): nothing would ever read it."""
    return head if widget_scripts else WIDGET_STATE.sub("", head)


def lighten_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    images = outdir / "_images" / "slider"
    images.mkdir(parents=True, exist_ok=True)
    # The theme's options as its templates saw them (an incremental build with nothing to write has no globalcontext).
    options = app.builder.theme.get_options(app.builder.theme_options)
    search_everywhere = str(options.get("search_as_you_type")).lower() == "true"
    static, combined, changed = outdir / "_static", {}, {}
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).parts[0].startswith("_"):
            continue
        text = original = page.read_text(encoding="utf-8")
        if "</head>" not in text:  # the redirecting index.html Jupyter Book writes
            continue
        head, body = text.split("</head>", 1)
        head = FONTAWESOME.sub("", head)
        head = without_widget_state(head, app.config.nb_ipywidgets_js)
        head = THEME_SCRIPT.sub(lambda match: match.group(1) + RESOLVED_THEME + match.group(2), head)
        if not search_everywhere and page.name != "search.html":
            head = SEARCH_SCRIPTS.sub("", head)
        head = HEAD_SCRIPT.sub(r"<script defer \1", head)
        head = _one_stylesheet(head, page, static, combined)
        body = SEARCH_LABEL.sub(r"\1", body)
        if "book-slider-state" in body:
            body = _lazy_frames(body, page, outdir, images)
        body = _sized_inline_pngs(body)
        text = f"{head}</head>{body}"
        if text != original:
            changed[page] = text
    renamed = _prune_stylesheets(outdir, static, combined.values(), changed)
    for page, text in changed.items():
        for old, new in renamed.items():
            text = text.replace(f"_static/{old}", f"_static/{new}")
        page.write_text(text, encoding="utf-8")


def _prune_stylesheets(outdir, static, names, changed):
    """Each new site stylesheet without the rules that no page can match (_ext/unused_css.py), renamed after what
    it now holds; {old name: new name}."""
    if not names:
        return {}
    pages = [
        changed.get(page) or page.read_text(encoding="utf-8")
        for page in outdir.rglob("*.html")
        if not page.relative_to(outdir).parts[0].startswith("_")
    ]
    scripts = [path.read_text(encoding="utf-8", errors="replace") for path in outdir.rglob("*.js")]
    vocabulary = unused_css.Vocabulary(pages, scripts)
    renamed = {}
    for name in set(names):
        text = unused_css.without_unused_rules((static / name).read_text(encoding="utf-8"), vocabulary)
        renamed[name] = f"site-{hashlib.sha256(text.encode()).hexdigest()[:16]}.css"
        (static / name).unlink()
        (static / renamed[name]).write_text(text, encoding="utf-8")
    return renamed


def setup(app):
    app.connect("html-page-context", add_description)
    # Last of the build-finished handlers: after static_math has typeset the pages and pydata-sphinx-theme has written
    # its pygments.css (light and dark colours) over Sphinx's, so the one stylesheet holds the files the pages link.
    app.connect("build-finished", lighten_pages, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
