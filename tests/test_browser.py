"""The built website, as a reader's browser sees it: offline, free of errors, with typeset math, working sliders,
launch buttons that open the configured repository, and chapter pages light enough to load on a weak connection.

The site is served from 127.0.0.1 (the `site_url`, `open_page` and `loaded_page` fixtures of conftest.py: a test that
only reads what a load recorded shares one load of its page, a test that interacts opens its own) and opened through
Playwright in the Chromium that tools/ensure_browser.py found or installed. Full-page screenshots land in
_build/screenshots/ for a human to look at.
"""

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from book_layout import CONFIG, SCREENSHOTS, toc_pages
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

RAW_TEX = ["$$", "\\frac", "\\sum", "\\(", "\\begin", "\\texttt", "\\ell", "\\textsubscript"]
PAGE_WEIGHT_LIMIT = 2_000_000


PAGES = toc_pages()
CHAPTER_PAGES = [page for page in PAGES if page.startswith("chapters/")]


def _screenshot_path(name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name.replace('/', '_')}.png"


def _math_count(site, name):
    """How many formulas the page's HTML holds (Sphinx marks each with class "math")."""
    html = (site / f"{name}.html").read_text()
    return len(re.findall(r'<(?:span|div)\s+class="math\b', html))


# ---------------------------------------------------------------------------------------------------------------
# Every page


@pytest.mark.parametrize("name", PAGES)
def test_page_makes_no_request_off_this_machine(loaded_page, name):
    loaded = loaded_page(name)
    assert loaded.outside_requests == [], "requests to other hosts:\n" + "\n".join(loaded.outside_requests)


@pytest.mark.parametrize("name", PAGES)
def test_page_logs_no_console_error_and_throws_no_javascript_error(loaded_page, name):
    loaded = loaded_page(name)
    errors = [f"console: {text}" for text in loaded.console_errors]
    errors += [f"uncaught: {text}" for text in loaded.page_errors]
    assert errors == [], "errors while loading:\n" + "\n".join(errors)


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_every_formula_and_shows_no_raw_tex(loaded_page, site, name):
    loaded = loaded_page(name)
    page = loaded.page
    formulas = _math_count(site, name)
    # Saved before asserting, so a failure leaves a picture of what the reader would see.
    page.screenshot(path=_screenshot_path(name), full_page=True)

    # The build typesets every formula (_ext/static_math.py): the page runs no MathJax, it shows MathJax's output.
    assert page.evaluate("() => typeof window.MathJax") == "undefined", "the page still runs MathJax"
    unrendered = page.eval_on_selector_all(
        "article .math", "nodes => nodes.filter(n => !n.querySelector('mjx-container')).map(n => n.textContent)"
    )
    assert unrendered == [], f"{len(unrendered)} of {formulas} formulas not typeset by the build: {unrendered[:5]}"
    assert page.locator("article mjx-container").count() >= formulas
    tex_errors = page.locator("article mjx-merror").all_inner_texts()
    assert tex_errors == [], f"MathJax could not parse: {tex_errors}"

    text = page.locator("article.bd-article").inner_text()
    raw = {token: text[max(0, i - 60): i + 60] for token in RAW_TEX if (i := text.find(token)) >= 0}
    assert raw == {}, f"raw TeX in the visible text (token: context): {raw}"


@pytest.mark.parametrize("name", PAGES)
def test_screen_readers_get_every_formula_as_mathml(loaded_page, name):
    """Each shown formula's MathML (MathJax's assistive MathML, clipped out of sight) is in Chromium's accessibility
    tree as a math node with its identifiers, numbers and operators: what a screen reader reads. Hiding it from
    layout the wrong way (display: none, content-visibility) would take it out."""
    page = loaded_page(name).page
    # Formulas that the reader cannot see either (a folded solution, a slider's other states) are rightly not read.
    in_page = page.evaluate(
        """() => {
          const shown = [...document.querySelectorAll("mjx-container")].filter(
            (c) => c.checkVisibility({ visibilityProperty: true }));
          return [shown.map((c) => c.querySelectorAll("mjx-assistive-mml > math").length).reduce((a, b) => a + b, 0),
                  shown.map((c) => c.querySelectorAll("mjx-assistive-mml :is(mi, mn, mo)").length)
                    .reduce((a, b) => a + b, 0)];
        }"""
    )
    session = page.context.new_cdp_session(page)
    try:
        root = session.send("DOM.getDocument", {"depth": 0})["root"]["backendNodeId"]

        def in_tree_as(role):  # the nodes of that role in the whole page's accessibility tree (not the full tree)
            nodes = session.send("Accessibility.queryAXTree", {"backendNodeId": root, "role": role})["nodes"]
            return sum(not node.get("ignored") for node in nodes)

        in_tree = [
            in_tree_as("MathMLMath"),
            sum(map(in_tree_as, ["MathMLIdentifier", "MathMLNumber", "MathMLOperator"])),
        ]
    finally:
        session.detach()
    assert in_tree == in_page, f"(formulas, tokens) in the accessibility tree {in_tree}, in the page {in_page}"


# ---------------------------------------------------------------------------------------------------------------
# Chapter pages


def test_the_chapters_hold_at_least_one_slider(site):
    sliders = sum((site / f"{name}.html").read_text().count('class="book-slider"') for name in CHAPTER_PAGES)
    assert sliders >= 1, "the book promises sliders, but no chapter page has a div.book-slider"


@dataclass
class SliderView:
    """What the reader sees of one slider: its position, its choice (0 without one), the label, the visible states."""

    value: int
    choice: int
    label: str
    visible_states: list
    content: str


def _look_at(slider):
    states = slider.locator(".book-slider-state")
    visible = [k for k in range(states.count()) if states.nth(k).is_visible()]
    radios = slider.locator('input[type="radio"]')
    checked = [k for k in range(radios.count()) if radios.nth(k).is_checked()] if radios.count() else [0]
    return SliderView(
        value=int(slider.locator('input[type="range"]').input_value()),
        choice=checked[0] if len(checked) == 1 else -1,
        label=slider.locator("output").inner_text(),
        visible_states=visible,
        content=states.nth(visible[0]).inner_html() if len(visible) == 1 else "",
    )


def _moves(value, lowest, highest):
    """Key presses that each change the slider: one step, then both ends (the nearer-changing end first)."""
    step = ("ArrowRight", value + 1) if value < highest else ("ArrowLeft", value - 1)
    ends = [("Home", lowest), ("End", highest)]
    if step[1] == lowest:
        ends.reverse()
    return [step, *ends]


@pytest.mark.parametrize("name", CHAPTER_PAGES)
def test_every_slider_shows_the_state_its_position_selects(open_page, name):
    page = open_page(name).page
    sliders = page.locator("div.book-slider")
    for n in range(sliders.count()):
        slider = sliders.nth(n)
        position = slider.locator('input[type="range"]')
        lowest, highest = int(position.get_attribute("min")), int(position.get_attribute("max"))
        # A slider with a choice (radio buttons) holds one state per (choice, position): choice-major order.
        radios = slider.locator('input[type="radio"]')
        per_choice = highest - lowest + 1
        before = _look_at(slider)
        assert before.choice >= 0, f"slider {n + 1}: not exactly one choice is checked"
        shown = before.choice * per_choice + before.value
        assert before.visible_states == [shown], f"slider {n + 1} before moving: {before.visible_states}"

        for key, expected in _moves(before.value, lowest, highest):
            position.focus()
            page.keyboard.press(key)
            after = _look_at(slider)
            where = f"slider {n + 1} after {key} (from {before.value})"
            assert after.value == expected, where
            shown = after.choice * per_choice + expected
            assert after.visible_states == [shown], f"{where}: visible states {after.visible_states}"
            assert after.content != before.content, f"{where}: the visible state did not change"
            assert after.label != before.label, f"{where}: the label stayed {before.label!r}"
            before = after
        for choice in [c for c in range(radios.count()) if c != before.choice]:
            radios.nth(choice).check()
            after = _look_at(slider)
            where = f"slider {n + 1} after choosing option {choice + 1} (from {before.choice + 1})"
            assert (after.choice, after.value) == (choice, before.value), where
            shown = choice * per_choice + after.value
            assert after.visible_states == [shown], f"{where}: visible states {after.visible_states}"
            assert after.content != before.content, f"{where}: the visible state did not change"
            before = after
        slider.screenshot(path=_screenshot_path(f"{name}_slider{n + 1}_moved"))


def _slider_frames_fetched(loaded):
    return [r.url for r in loaded.responses if "/_images/slider/" in r.url]


@pytest.mark.parametrize("name", CHAPTER_PAGES)
def test_slider_frames_are_fetched_only_when_shown(open_page, name):
    """The page loads no hidden slider frame; moving a slider fetches the frame it shows, and the frame is drawn."""
    loaded = open_page(name)
    page = loaded.page
    sliders = page.locator("div.book-slider")
    if sliders.count() == 0:
        pytest.skip(f"{name} has no slider")
    assert _slider_frames_fetched(loaded) == [], "hidden slider frames were fetched with the page"
    slider = sliders.first
    position = slider.locator('input[type="range"]')
    position.focus()
    at_lowest = int(position.input_value()) == int(position.get_attribute("min"))
    page.keyboard.press("ArrowRight" if at_lowest else "ArrowLeft")
    shown = slider.locator(".book-slider-state:not([hidden]) img")
    if shown.count() == 0:
        pytest.skip(f"the first slider of {name} shows text, not a figure")
    shown.first.scroll_into_view_if_needed()
    try:
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=shown.first.element_handle())
    except PlaywrightTimeoutError:
        pytest.fail(f"the slider frame {shown.first.get_attribute('src')} was never drawn")
    assert len(_slider_frames_fetched(loaded)) >= 1, "moving the slider fetched no frame"


def _repository():
    """(owner, name, branch) of the repository in _config.yml."""
    repository = CONFIG["repository"]
    owner, name = urlsplit(repository["url"]).path.strip("/").removesuffix(".git").split("/")[:2]
    return owner, name, repository["branch"]


def _notebook_path(name):
    """The chapter's notebook, relative to the repository root (the book may live in a subfolder)."""
    book_folder = (CONFIG["repository"].get("path_to_book") or "").strip("/")
    return f"{book_folder}/{name}.ipynb".lstrip("/")


def _link_to(page, prefix):
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    matching = [href for href in hrefs if href.startswith(prefix)]
    assert len(matching) == 1, f"expected one link starting with {prefix}, found {matching}"
    return matching[0]


@pytest.mark.parametrize("name", CHAPTER_PAGES)
def test_launch_buttons_open_the_chapter_from_the_configured_repository(loaded_page, name):
    page = loaded_page(name).page
    owner, repo, branch = _repository()
    binderhub_url = CONFIG["launch_buttons"]["binderhub_url"].rstrip("/")
    colab_url = CONFIG["launch_buttons"]["colab_url"].rstrip("/")
    notebook = _notebook_path(name)

    assert _link_to(page, binderhub_url) == f"{binderhub_url}/v2/gh/{owner}/{repo}/{branch}?urlpath=lab/tree/{notebook}"
    assert _link_to(page, colab_url) == f"{colab_url}/github/{owner}/{repo}/blob/{branch}/{notebook}"


@pytest.mark.parametrize("name", CHAPTER_PAGES)
def test_download_button_serves_the_chapter_notebook(loaded_page, site, site_url, name):
    page = loaded_page(name).page
    # a.href is the resolved, absolute URL.
    local = [
        href
        for href in page.eval_on_selector_all('a[href$=".ipynb"]', "links => links.map(a => a.href)")
        if href.startswith(site_url + "/")
    ]
    assert len(local) == 1, f"expected one download link to this chapter's .ipynb, found {local}"
    path = site / unquote(urlsplit(local[0]).path).lstrip("/")
    assert path.name == f"{Path(name).name}.ipynb"
    assert path.is_file(), f"{local[0]} points to {path}, which is not in the build"
    notebook = json.loads(path.read_text())
    assert isinstance(notebook.get("cells"), list) and notebook["cells"], f"{path} is not a notebook with cells"


@pytest.mark.parametrize("name", CHAPTER_PAGES)
def test_chapter_page_and_what_it_alone_loads_weigh_under_2_mb(open_page, name):
    """Shared theme assets under /_static/ are cached after the first page, so only the rest counts."""
    loaded = open_page(name)
    sizes = {
        response.url: len(response.body())
        for response in loaded.responses
        if not urlsplit(response.url).path.startswith("/_static/") and response.ok
    }
    total = sum(sizes.values())
    assert loaded.url in sizes, "the page's own HTML was not measured"
    assert total < PAGE_WEIGHT_LIMIT, f"{name} weighs {total:,} bytes (limit {PAGE_WEIGHT_LIMIT:,}): {sizes}"


# ---------------------------------------------------------------------------------------------------------------
# The site stylesheet without its unused rules (_ext/unused_css.py) styles the page as the full one does

# Every element's computed style, and its ::before and ::after when they draw, hashed per kind of element: elements
# with the same tag, classes and id, and a parent and grandparent of the same, are styled alike but by sibling
# selectors, so one of each (the first) stands for all of them (chapter 1: 5,500 elements, 960 kinds, read in about
# 4 s; every element would take 40 s).
STYLE_BY_KIND = """(detail) => {
  const hash = (text) => { let x = 2166136261; for (let i = 0; i < text.length; i++) { x ^= text.charCodeAt(i);
    x = Math.imul(x, 16777619); } return x >>> 0; };
  const kindOf = (el) => { const parts = []; for (let e = el, level = 0; e && level < 3; e = e.parentElement, level++) {
    parts.push(e.tagName + [...e.classList].sort().map((c) => "." + c).join("") + (e.id ? "#" + e.id : "")); }
    return parts.join("<"); };
  const styles = {};
  for (const el of document.querySelectorAll("body *")) {
    const kind = kindOf(el);
    if (kind in styles) continue;
    const parts = [];
    for (const pseudo of [null, "::before", "::after"]) {
      const style = getComputedStyle(el, pseudo);
      if (pseudo && (style.content === "none" || style.content === "normal")) {
        parts.push(pseudo + " none");
        continue;
      }
      for (let i = 0; i < style.length; i++) {
        parts.push(`${pseudo || ""}${style[i]}: ${style.getPropertyValue(style[i])}`);
      }
    }
    styles[kind] = kind === detail ? parts : hash(parts.join(";"));
  }
  return styles;
}"""


def _full_site_stylesheet(site, css):
    """The site stylesheet as _ext/light_pages.py wrote it before the unused rules were left out: the stylesheets its
    section comments name, in their order, each as light_pages made it (url()s relative to _static/, @imports
    inlined; theme.css's import of basic.css then appears twice in a row, which changes no rule's outcome)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
    import light_pages

    static = (site / "_static").resolve()
    files = re.findall(r"^/\* ([\w./-]+\.css) \*/$", css, re.M)
    assert "styles/pydata-sphinx-theme.css" in files, f"the site stylesheet names no theme stylesheet: {files}"
    return "\n".join(f"/* {file} */\n{light_pages._css_for_static(static / file, static)}" for file in files)


def test_the_site_stylesheet_styles_every_kind_of_element_as_the_full_one(open_page, site):
    """Chapter 1 (formulas, code, sliders, exercises, folded solutions, the header's menus) with the launch menu open:
    every kind of element has the same computed style, every property, with the site stylesheet as built and with
    the full one it was pruned from. Transitions are off (the reader's reduced-motion setting), so no colour is
    caught halfway. Dark mode's rules are pruned by the same test of their names; the note of issue 24 records the
    same comparison on every page in both modes."""
    name = "chapters/01_softmax"
    loaded = open_page(name)
    loaded.page.emulate_media(reduced_motion="reduce")
    href = loaded.page.evaluate("document.querySelector('link[href*=\"_static/site-\"]').getAttribute('href')")
    css_path = (site / Path(name).parent / href).resolve()
    full = _full_site_stylesheet(site, css_path.read_text())
    assert len(full) > 1.5 * len(css_path.read_text()), "nothing was pruned: is the build stale?"

    def styles(detail=None):
        loaded.page.reload(wait_until="load")
        loaded.page.locator(".dropdown-launch-buttons .dropdown-toggle").click()
        loaded.page.wait_for_selector(".dropdown-launch-buttons .dropdown-menu.show")
        return loaded.page.evaluate(STYLE_BY_KIND, detail)

    pruned = styles()
    loaded.page.route(f"**/{css_path.name}", lambda route: route.fulfill(content_type="text/css", body=full))
    unpruned = styles()
    assert len(pruned) > 500 and pruned.keys() == unpruned.keys()
    differ = [kind for kind in pruned if pruned[kind] != unpruned[kind]]
    if differ:
        with_full = dict(line.split(": ", 1) for line in styles(differ[0])[differ[0]] if ": " in line)
        loaded.page.unroute(f"**/{css_path.name}")
        with_site = dict(line.split(": ", 1) for line in styles(differ[0])[differ[0]] if ": " in line)
        changed = {
            p: (with_site.get(p), with_full.get(p))
            for p in with_full.keys() | with_site.keys()
            if with_site.get(p) != with_full.get(p)
        }
        pytest.fail(f"{len(differ)} kinds of element styled otherwise, e.g. {differ[0]}: (site, full) {changed}")
