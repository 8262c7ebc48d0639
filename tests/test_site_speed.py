"""What makes the built pages fast on a phone (issue 24), read from the built HTML: no timing, nothing flaky.

Lighthouse itself is a measurement (`make lighthouse`, benchmarks/lighthouse.py), not a test; these tests hold the
structure its scores come from: a bounded page weight, no script that blocks the first paint, no math library run
in the browser (every formula already typeset by the build: _ext/static_math.py), no 1.5 MB icon script, slider
frames that are fetched only when shown, a favicon and a meta description on every page (_ext/light_pages.py).
"""

import gzip
import importlib.util
import re
import sys
from pathlib import Path

import pytest
import tinycss2
from book_layout import toc_pages

PAGES = toc_pages()
ROOT = Path(__file__).resolve().parents[1]
# tools/site/icons.py (a script, not a package: "site" is also the standard library's module) reads stylesheets the
# way these tests need: its rule parser and its patterns of an icon-font glyph.
_spec = importlib.util.spec_from_file_location("book_icons", ROOT / "tools" / "site" / "icons.py")
icons = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(icons)
STYLESHEET = re.compile(r'<link\b(?=[^>]*\brel="stylesheet")[^>]*\bhref="([^"?]+)')
PRIVATE_USE_GLYPH = re.compile(r'content:\s*"(?:\\f[0-9a-fA-F]{3}|[\ue000-\uf8ff])"')
# Every page's HTML as a static host sends it (gzip, level 6): the heaviest chapters are under 190 kB (chapter 3's 200
# typeset formulas and SymPy matrices; chapter 2's shown slider frames, PNGs that gzip cannot shrink); the bound
# leaves room for a chapter to grow, not for a slider's every frame inline (chapter 2 was 1.6 MB that way).
GZIPPED_PAGE_LIMIT = 250_000
RUNTIME_MATH = re.compile(r"<script[^>]*(?:mathjax|katex)|window\.MathJax", re.I)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>")
FORMULA = re.compile(r'<(span|div) class="(?:[\w-]+ )*math(?: [\w-]+)*">(.*?)</\1>', re.S)
SLIDER_STATE = re.compile(r'<div class="book-slider-state"([^>]*)>(.*?)</div>', re.S)
IMG = re.compile(r"<img\b[^>]*>")


def _html(site, name):
    return (site / f"{name}.html").read_text(encoding="utf-8")


def _head(html):
    return html.split("</head>", 1)[0]


@pytest.mark.parametrize("name", PAGES)
def test_page_html_is_light_once_gzipped(site, name):
    size = len(gzip.compress((site / f"{name}.html").read_bytes(), compresslevel=6))
    assert size < GZIPPED_PAGE_LIMIT, f"{name}.html is {size:,} bytes gzipped (limit {GZIPPED_PAGE_LIMIT:,})"


@pytest.mark.parametrize("name", PAGES)
def test_no_script_in_head_blocks_rendering(site, name):
    blocking = [
        tag
        for tag in SCRIPT_TAG.findall(_head(_html(site, name)))
        if " src=" in tag and not re.search(r"\b(?:defer|async)\b", tag)
    ]
    assert blocking == [], f"render-blocking scripts in the <head> of {name}: {blocking}"


@pytest.mark.parametrize("name", PAGES)
def test_no_math_library_and_no_icon_script_is_loaded(site, name):
    html = _html(site, name)
    assert not RUNTIME_MATH.search(html), f"{name} still loads a math library: {RUNTIME_MATH.search(html).group(0)}"
    assert "fontawesome.js" not in html, f"{name} loads the theme's 1.5 MB fontawesome.js"


@pytest.mark.parametrize("name", PAGES)
def test_every_formula_is_typeset_at_build_time(site, name):
    """Each formula Sphinx marked (class "math") holds MathJax's output and its MathML: no TeX left, no error."""
    html = _html(site, name)
    formulas = FORMULA.findall(html)
    raw = [body.strip()[:80] for _, body in formulas if "<mjx-container" not in body]
    assert raw == [], f"{len(raw)} of {len(formulas)} formulas of {name} left as TeX: {raw[:5]}"
    assert "<mjx-merror" not in html and "data-mjx-error" not in html, f"MathJax reported a TeX error on {name}"
    no_mathml = [body[:80] for _, body in formulas if "<mjx-assistive-mml" not in body]
    assert no_mathml == [], f"formulas of {name} without MathML for screen readers: {no_mathml[:3]}"
    if formulas:
        link = re.search(r'<link rel="stylesheet" href="([^"]*_static/math/chtml\.css)"', _head(html))
        assert link, f"{name} has formulas but no link to their stylesheet"
        assert (site / Path(name).parent / link.group(1)).resolve().is_file()


def test_math_stylesheet_has_its_fonts(site):
    css = (site / "_static" / "math" / "chtml.css").read_text()
    fonts = set(re.findall(r'url\("?([^")]+\.woff)"?\)', css))
    assert fonts, "the math stylesheet names no font"
    missing = [font for font in fonts if not (site / "_static" / "math" / font).is_file()]
    assert missing == [], f"fonts the math stylesheet needs but the site lacks: {missing}"


@pytest.mark.parametrize("name", PAGES)
def test_page_has_a_favicon_and_a_meta_description(site, name):
    head = _head(_html(site, name))
    icon = re.search(r'<link rel="icon" href="([^"]+)"', head)
    assert icon, f"{name} has no favicon link (the browser then asks for /favicon.ico and logs a 404)"
    assert (site / Path(name).parent / icon.group(1)).resolve().is_file()
    description = re.search(r'<meta name="description" content="([^"]*)"', head)
    assert description, f"{name} has no meta description"
    assert 40 <= len(description.group(1)) <= 170, f"{name}: description {description.group(1)!r}"


def test_meta_descriptions_differ_from_page_to_page(site):
    descriptions = {
        name: re.search(r'<meta name="description" content="([^"]*)"', _html(site, name)).group(1) for name in PAGES
    }
    assert len(set(descriptions.values())) == len(PAGES), f"repeated descriptions: {descriptions}"


@pytest.mark.parametrize("name", PAGES)
def test_every_icon_the_page_shows_is_drawn_by_the_icon_stylesheet(site, name):
    css = (site / "_static" / "icons.css").read_text()
    icons = set(re.findall(r'class="[^"]*\bfa-(?!solid\b|brands\b|regular\b|lg\b)([\w-]+)', _html(site, name)))
    missing = sorted(icon for icon in icons if f".fa-{icon} {{" not in css)
    assert missing == [], f"icons on {name} without a rule in _static/icons.css (run tools/site/icons.py): {missing}"


@pytest.mark.parametrize("name", PAGES)
def test_search_index_is_loaded_by_the_search_page_only(site, name):
    assert "searchindex.js" not in _html(site, name)
    assert "searchindex.js" in (site / "search.html").read_text()


@pytest.mark.parametrize("name", [page for page in PAGES if page.startswith("chapters/")])
def test_only_the_shown_slider_frame_is_inline(site, name):
    """A slider's hidden states load their frame from a file, lazily; only the shown state's PNG is in the page."""
    html = _html(site, name)
    for attributes, state in SLIDER_STATE.findall(html):
        for img in IMG.findall(state):
            if " hidden" in attributes:
                src = re.search(r'src="([^"]+)"', img).group(1)
                assert not src.startswith("data:"), f"{name}: a hidden slider frame is inline"
                assert 'loading="lazy"' in img, f"{name}: a hidden slider frame is not loaded lazily: {img[:120]}"
                assert (site / Path(name).parent / src).resolve().is_file(), f"{name}: {src} is not in the build"
            else:
                assert 'src="data:image/png;base64,' in img, f"{name}: the shown slider frame is not inline"


@pytest.mark.parametrize("name", [page for page in PAGES if page.startswith("chapters/")])
def test_every_figure_reserves_its_box(site, name):
    """Width and height on every figure and slider frame: the page does not move when a picture arrives (CLS)."""
    images = IMG.findall(_html(site, name))
    figures = [img for img in images if 'src="data:image/png' in img or "_images/slider/" in img]
    assert figures, f"{name} shows no figure"
    unsized = [img[:100] for img in figures if not re.search(r'\bwidth="\d+" height="\d+"', img)]
    assert unsized == [], f"{name}: pictures without width and height: {unsized[:3]}"


@pytest.mark.parametrize("name", PAGES)
def test_the_theme_is_resolved_before_the_page_is_styled(site, name):
    """The first inline script sets data-theme to "light" or "dark" as the theme's setTheme() later will (the stored
    mode, else the reader's prefers-color-scheme), not to "auto": setTheme() then changes nothing, instead of
    restyling all 20,000 elements of a chapter once it has been laid out (0.5 s on this machine, 2 s on Lighthouse's
    phone), and a dark-mode reader never sees the page in light colours first."""
    first_script = re.search(r"<script\b[^>]*>(.*?)</script>", _head(_html(site, name)), re.S).group(1)
    assert "dataset.theme" in first_script, f"{name}: the theme is not set by the first script of the page"
    assert '|| "auto"' not in first_script.split("dataset.theme", 1)[1], f"{name}: data-theme starts as auto"
    assert "prefers-color-scheme: dark" in first_script, f"{name}: the first script ignores the reader's colour scheme"


def _css_rules(path):
    return icons._rules(re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S))


@pytest.mark.parametrize("name", PAGES)
def test_no_page_downloads_an_icon_font(site, name):
    """Every ::before/::after that a stylesheet of the page draws as a Font Awesome glyph (the admonition titles'
    icons, the GitHub links of the bibliography...) is redrawn by _static/icons.css as a mask, with the text's own font
    and no glyph; every Font Awesome class gets the text's font too (an empty <i class="fa-brands"> alone made the
    browser fetch its font). So no page fetches fa-solid-900.woff2 (156 kB) or the brands font (tools/site/icons.py)."""
    page = site / f"{name}.html"
    icon_rules = _css_rules(site / "_static" / "icons.css")
    redrawn = {(outer, selector) for outer, selector, body in icon_rules if 'content: ""' in body}
    glyphs = []
    for href in STYLESHEET.findall(_head(page.read_text(encoding="utf-8"))):
        for outer, selector, body in _css_rules((page.parent / href).resolve()):
            pseudo = re.search(r":(?:before|after)\b", selector) and ".fa" not in selector
            if pseudo and (icons.ICON_FONT.search(body) or PRIVATE_USE_GLYPH.search(body)):
                glyphs.append((outer, selector))
    missing = [f"{outer} {selector}".strip() for outer, selector in glyphs if (outer, selector) not in redrawn]
    assert missing == [], f"{name}: pseudo-elements drawn with the icon font (run tools/site/icons.py): {missing[:5]}"
    classes = [body for _, selector, body in icon_rules if selector == icons.FONT_CLASSES]
    assert classes and "font-family: inherit" in classes[0], "Font Awesome's classes keep their icon font"


@pytest.mark.parametrize("name", [page for page in PAGES if page.startswith("chapters/")])
def test_folded_solutions_are_folded_from_the_first_paint(site, name):
    """With scripting on, a solution that sphinx-togglebutton will fold is folded by a stylesheet from the first paint
    (_static/folds.css): folded only by the script, after the page was painted, each faded out in a 0.3 s transition
    that restyled its formulas at every frame, and a phone showed every solution until the scripts ran."""
    html = _html(site, name)
    assert 'class="solution dropdown admonition"' in html, f"{name} has no folded solution"
    folds = [
        body
        for href in STYLESHEET.findall(_head(html))
        for outer, selector, body in _css_rules((site / Path(name).parent / href).resolve())
        if outer == "@media (scripting: enabled)"
        and selector.endswith(".admonition.dropdown:not(.toggle):not(.toggle-shown) .admonition-title ~ *")
    ]
    assert folds and re.search(r"opacity:\s*0;", folds[0]) and "visibility: hidden" in folds[0], f"{name}: not folded"


@pytest.mark.parametrize("name", PAGES)
def test_the_page_has_one_site_stylesheet(site, name):
    """The theme's and the extensions' 14 stylesheets (13 links and the basic.css that theme.css @imports) are one
    file, in their order (_ext/light_pages.py): one request before the first paint instead of 14, two of them in a
    row; MathJax's stylesheet stays apart (only pages with formulas load it)."""
    links = STYLESHEET.findall(_head(_html(site, name)))
    site_css = [href for href in links if "_static/math/" not in href]
    assert len(site_css) == 1 and re.search(r"_static/site-\w+\.css$", site_css[0]), f"{name} links {site_css}"
    css = (site / Path(name).parent / site_css[0]).resolve().read_text()
    assert "@import" not in css, f"{name}: the site stylesheet still imports another"
    for part in ("basic.css", "styles/pydata-sphinx-theme.css", "icons.css", "contrast.css", "folds.css"):
        assert f"/* {part} */" in css, f"{name}: the site stylesheet lacks {part}"
    assert (
        css.index("/* basic.css */") < css.index("/* styles/pydata-sphinx-theme.css */") < css.index("/* icons.css */")
    )
    # The files as the pages would have loaded them: pygments.css as the theme rewrites it at the end of the build
    # (its light and dark colours), not Sphinx's. Rules no page can match are left out (_ext/unused_css.py), so the
    # section holds some of the file's rules, each as the file has it.
    for part in ("pygments.css", "contrast.css"):
        section = _rules(re.split(r"\n/\* [\w./-]+\.css \*/\n", css.split(f"/* {part} */", 1)[1])[0])
        whole = _rules((site / "_static" / part).read_text())
        stale = sorted(section - whole)[:3]
        assert section and not stale, f"{name}: the site stylesheet's {part} is stale: {stale}"
    fonts = re.findall(r'url\("([^"]+\.woff2)"\)', css)
    assert fonts and all((site / "_static" / font).is_file() for font in fonts), (
        "a font the stylesheet names is missing"
    )


def _rules(css):
    """The style rules of a stylesheet, each written as tinycss2 writes it (the same text for the same rule)."""
    return {
        tinycss2.serialize([rule]).strip()
        for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        if rule.type == "qualified-rule"
    }


def test_the_site_stylesheet_leaves_out_rules_no_page_can_match(site):
    """Bootstrap, every Font Awesome icon's class, sphinx-design's grid: about three fifths of the theme's and the
    extensions' rules match nothing the book shows (_ext/unused_css.py). Left out, the stylesheet a phone needs
    before its first paint is 39 kB gzipped instead of 96 kB. That the pages are styled as before is
    tests/test_browser.py's test of computed styles."""
    (href,) = [link for link in STYLESHEET.findall(_head(_html(site, "chapters/01_softmax"))) if "/site-" in link]
    text = (site / "chapters" / href).resolve().read_text()
    for unused in (".fa-bicycle", ".form-floating", ".sd-btn-danger", ".placeholder-glow"):
        assert unused not in text, f"{unused} is still in the stylesheet, though no page nor script uses it"
    assert ".fa-sun" in text and ".dropdown-menu.show" in text, "rules the pages use were left out"
    size = len(gzip.compress(text.encode(), compresslevel=6))
    assert size < 50_000, f"the site stylesheet is {size:,} bytes gzipped"


def test_no_page_carries_widget_state_for_a_widget_manager_it_does_not_load():
    """`make book` executes the chapters (MyST-NB's cache), which stores the live sliders' state (120 kB on chapter 3,
    every frame a PNG in JSON); the site loads no widget manager, so _ext/light_pages.py drops it. The tests' own
    build uses the stored outputs, which hold no state, so the function is checked here on a page that does."""
    sys.path.insert(0, str(ROOT / "_ext"))  # light_pages imports unused_css, as Sphinx's local_extensions allows
    spec = importlib.util.spec_from_file_location("light_pages", ROOT / "_ext" / "light_pages.py")
    light_pages = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(light_pages)
    from book_layout import CONFIG

    assert CONFIG["sphinx"]["config"]["nb_ipywidgets_js"] == {}, "the site loads a widget manager: keep the state"
    state = '<script type="application/vnd.jupyter.widget-state+json">{"state": {"a": {"model_name": "HTMLModel"}}}'
    head = f'<head>\n    <script async src="x.js"></script>\n    {state}</script>\n    <link rel="icon" href="f.svg">'
    kept = '<head>\n    <script async src="x.js"></script>\n    <link rel="icon" href="f.svg">'
    assert light_pages.without_widget_state(head, {}) == kept
    assert light_pages.without_widget_state(head, {"https://x/embed.js": {}}) == head
