"""Sphinx extension: every formula rendered once, at build time, so a page ships finished math and no math JavaScript.

Sphinx's MathJax support writes each formula as TeX (``<span class="math">\\(...\\)</span>``, ``<div class="math">``,
and notebook outputs of type text/latex) and lets 1.2 MB of MathJax typeset it in the reader's browser, on every
page load: on a phone most of the time to the page's largest paint went there. Here, when the build has finished,
MathJax itself (the npm package mathjax-full, run by Node from tools/site; `make book` installs it from its lock
file) renders every formula of the site to CommonHTML in one document: the same fonts and layout as before, the
MathML kept for screen readers (assistive MathML, as MathJax in the browser adds it), and one stylesheet,
_static/math/chtml.css, that holds exactly the glyphs the book uses (its fonts in _static/math/woff-v2/, loaded
only by the pages that need them). The wrapper keeps its class "math", so a test can still count formulas. A TeX
error fails the build, naming the formula and the page.

Why MathJax and not KaTeX: the book's formulas, SymPy's LaTeX output among them, were written for MathJax and
rendered by it so far; running the same MathJax (3.2.2, the version the offline build served) at build time keeps
every macro and environment working and the pages looking as before, where KaTeX, which implements a subset of TeX
of its own, would have to be checked formula by formula and changes the look of every one.

The TeX of every page is kept in the doctree folder (math-formulas.json), so an incremental build, which rewrites only
some pages, still writes a stylesheet that covers every page.
"""

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

TOOLS = Path(__file__).resolve().parent.parent / "tools" / "site"
MATHJAX = TOOLS / "node_modules" / "mathjax-full"
FONTS = MATHJAX / "es5" / "output" / "chtml" / "fonts" / "woff-v2"
STATIC = "_static/math"
FORMULA = re.compile(r'<(span|div) class="((?:[\w-]+ )*math(?: [\w-]+)*)">(.*?)</\1>', re.S)
# What sphinx.ext.mathjax adds to a page with formulas: MathJax's configuration and MathJax itself.
MATHJAX_SCRIPTS = re.compile(
    r'\s*<script>window\.MathJax = .*?</script>|\s*<script [^>]*src="[^"]*mathjax[^"]*"></script>'
)


# MathJax in the browser scales each formula so that its x-height matches the surrounding text's (matchFontHeight):
# 1ex of the text over the 0.442em x-height of MathJax's TeX fonts. Node cannot measure the reader's font, but CSS can:
# `ex` in font-size is the parent's x-height, so the formulas keep the size MathJax gave them (127% in DejaVu Sans).
MATCH_FONT_HEIGHT = """
mjx-container[jax="CHTML"] {
  font-size: calc(1ex / 0.442);
}
"""

# The MathML that MathJax keeps beside each formula for screen readers (mjx-assistive-mml) is clipped to nothing, yet
# Chromium lays it out as MathML: on chapter 3 its 4,300 elements cost a phone as much layout as the visible text.
# Screen readers read it from the accessibility tree, which browsers build from the MathML elements themselves, not
# from their layout; as plain inline boxes it keeps every role and name (tests/test_browser.py reads the tree).
ASSISTIVE_MATHML = """
mjx-assistive-mml math,
mjx-assistive-mml math * {
  display: inline !important;
}
"""

FONT_FACE = re.compile(r'@font-face[^{]*\{\s*font-family: ([\w-]+);\s*src: url\("([^"]+)"\)')
FONT_CLASS = re.compile(r"\.(TEX-\w+) \{\s*font-family: ([\w-]+, )*([\w-]+);")
# Every formula uses these two: MathJax's zero-width font and its main roman font (class MJX-TEX).
BASE_FONTS = ("MJXZERO", "MJXTEX")


def _font_preloads(css, prefix):
    """A function from a page's HTML to the <link rel="preload"> tags of the math fonts the page uses.

    Preloaded, the fonts arrive with the stylesheets, before the first layout, instead of one by one after it, each
    arrival laying out every formula of the page again (seconds of a phone's main thread on a chapter).
    """
    urls = dict(FONT_FACE.findall(css))
    families = {match.group(1): match.group(3) for match in FONT_CLASS.finditer(css)}

    def links(page_html, depth):
        used = set(BASE_FONTS) | {families[c] for c in set(re.findall(r"\b(TEX-\w+)\b", page_html)) if c in families}
        return "".join(
            f'  <link rel="preload" href="{"../" * depth}{prefix}/{urls[family]}" as="font" type="font/woff" '
            "crossorigin />\n"
            for family in sorted(used)
            if family in urls
        )

    return links


def _tex(escaped, element):
    """(TeX, display) of a formula as Sphinx wrote it: \\(...\\) inline, \\[...\\] or a bare environment displayed."""
    tex = html.unescape(escaped).strip()
    if tex.startswith("\\(") and tex.endswith("\\)"):
        return tex[2:-2], False
    if tex.startswith("\\[") and tex.endswith("\\]"):
        return tex[2:-2], True
    return tex, element == "div"


def _render(formulas):
    node = shutil.which("node")
    if node is None or not MATHJAX.is_dir():
        raise ExtensionError(
            "static_math needs Node.js and mathjax-full: run `npm ci --omit=dev --prefix tools/site` (make book does)"
        )
    request = {"formulas": [{"tex": tex, "display": display} for tex, display in formulas], "fontURL": "woff-v2"}
    done = subprocess.run(
        [node, str(TOOLS / "render_math.cjs")], input=json.dumps(request), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise ExtensionError(f"MathJax (tools/site/render_math.cjs) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def _pages(outdir):
    return sorted(
        path for path in Path(outdir).rglob("*.html") if not path.relative_to(outdir).parts[0].startswith("_")
    )


def render_math(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    store = Path(app.doctreedir) / "math-formulas.json"
    known = json.loads(store.read_text()) if store.is_file() else {}
    written = {}
    for path in _pages(outdir):
        text = path.read_text(encoding="utf-8")
        found = [
            (m, _tex(m.group(3), m.group(1))) for m in FORMULA.finditer(text) if "<mjx-container" not in m.group(3)
        ]
        name = path.relative_to(outdir).as_posix()
        if found or name not in known:
            known[name] = [list(formula) for _, formula in found]
        if found or MATHJAX_SCRIPTS.search(text):
            written[path] = (text, found)
    everything = sorted({(tex, display) for formulas in known.values() for tex, display in formulas})
    store.write_text(json.dumps(known))
    rendered = _render(everything) if everything else {"errors": [], "html": [], "css": ""}
    if rendered["errors"]:
        where = {tuple(f): name for name, formulas in known.items() for f in formulas}
        problems = [
            f"{where[everything[e['index']]]}: {e['message']} in {everything[e['index']][0]!r}"
            for e in rendered["errors"]
        ]
        raise ExtensionError("TeX that MathJax cannot render:\n" + "\n".join(problems))
    output = dict(zip(everything, rendered["html"]))
    # A displayed formula wider than a phone's column scrolls sideways: a tab stop lets a keyboard reach and scroll
    # it (MathJax in the browser gave every formula one, for its menu).
    for formula in everything:
        if formula[1]:
            output[formula] = output[formula].replace(
                '<mjx-container class="MathJax"', '<mjx-container tabindex="0" class="MathJax"', 1
            )

    static = outdir / STATIC
    static.mkdir(parents=True, exist_ok=True)
    (static / "chtml.css").write_text(rendered["css"] + MATCH_FONT_HEIGHT + ASSISTIVE_MATHML, encoding="utf-8")
    shutil.copytree(FONTS, static / "woff-v2", dirs_exist_ok=True)

    preloads = _font_preloads(rendered["css"], STATIC)
    for path, (text, found) in written.items():
        pieces, end = [], 0
        for match, formula in found:
            element, classes = match.group(1), match.group(2)
            pieces += [text[end : match.start()], f'<{element} class="{classes}">{output[formula]}</{element}>']
            end = match.end()
        text = "".join([*pieces, text[end:]])
        # Sphinx adds MathJax to some pages without formulas too (the intro): no page loads it.
        text = MATHJAX_SCRIPTS.sub("", text)
        if found:
            depth = len(path.relative_to(outdir).parts) - 1
            link = f'<link rel="stylesheet" href="{"../" * depth}{STATIC}/chtml.css" />'
            text = text.replace("</head>", f"  {link}\n{preloads(text, depth)}  </head>", 1)
        path.write_text(text, encoding="utf-8")
    logger.info(f"static_math: {len(everything)} formulas rendered by MathJax at build time")


def setup(app):
    app.connect("build-finished", render_math)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
