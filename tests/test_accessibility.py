"""Accessibility of every page of the built site, audited in the browser by axe-core (the engine behind Lighthouse's
accessibility score), which the pinned axe-playwright-python wheel ships: nothing is downloaded at run time.

Every page of _toc.yml is opened as in the browser tests, in light mode (every rule) and in dark mode (the rules about
colour; the theme follows the reader's system), with every folded solution opened and every slider state shown, so
what the reader reaches later is audited too. No violation of impact "serious" or "critical" is allowed (missing alt
text, a slider without an accessible name, text whose colour contrast is too low, ...); a "moderate" or "minor" one
only if it comes from the theme and is listed below with the reason.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from book_layout import toc_pages
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

PAGES = toc_pages()
SCHEMES = ["light", "dark"]
NEVER_ALLOWED = {"serious", "critical"}
# Dark mode changes only colours (the theme swaps its CSS variables), so there only the rules about colour run.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

# (axe rule, a piece of the offending element's HTML) -> why it stays. Only moderate or minor ones may be listed.
THEME_ALLOWED = {
    ("region", 'class="navbar-brand logo"'): (
        "pydata-sphinx-theme (under sphinx-book-theme) puts the book's title link at the top of the left sidebar, "
        "outside the <nav> landmark that holds the table of contents; the same page is reachable from that <nav>, "
        "so a screen-reader user loses nothing, and moving it means overriding the theme's templates"
    ),
}

AXE = Axe()
EVERY_SCROLLABLE_BOX_FOCUSABLE = """() => [...document.querySelectorAll('pre, .cell_output > .output')]
    .every(box => box.tabIndex === 0 || (box.scrollWidth <= box.clientWidth && box.scrollHeight <= box.clientHeight))"""


def _reveal_folded_content(page):
    """Open every folded solution (as a reader's click does) and show every slider state; return how many of each."""
    return page.evaluate(
        """() => {
            const toggles = [...document.querySelectorAll('button.toggle-button[aria-expanded="false"]')];
            toggles.forEach(button => button.click());
            const states = [...document.querySelectorAll('.book-slider-state[hidden]')];
            states.forEach(state => { state.hidden = false; });
            document.querySelectorAll('details').forEach(details => { details.open = true; });
            return [toggles.length, states.length];
        }"""
    )


def _problems(violations):
    """One line per offending element that is not allowed."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            allowed = violation["impact"] not in NEVER_ALLOWED and any(
                rule == violation["id"] and piece in node["html"] for rule, piece in THEME_ALLOWED
            )
            if not allowed:
                summary = node.get("failureSummary", "").replace("\n", " ")
                lines.append(
                    f"{violation['id']} ({violation['impact']}): {violation['help']} at {', '.join(node['target'])}: "
                    f"{node['html'][:160]} -- {summary[:240]}"
                )
    return lines


ANIMATIONS_FINISHED = """() => document.getAnimations().every(
    a => a.playState !== "running" || a.effect.getComputedTiming().iterations === Infinity)"""


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_accessibility_violation(open_page, name, scheme):
    page = open_page(name, color_scheme=scheme).page
    assert page.evaluate("() => document.documentElement.dataset.theme") == scheme, "the theme ignored the mode"
    toggles, _ = _reveal_folded_content(page)
    if toggles:
        page.wait_for_function("() => !document.querySelector('.toggle-hidden')", timeout=10_000)
        try:  # _static/keyboard-scroll.js makes revealed code that overflows keyboard-scrollable on the next frame
            page.wait_for_function(EVERY_SCROLLABLE_BOX_FOCUSABLE, timeout=5_000)
        except PlaywrightTimeoutError:
            pass  # axe names the boxes (scrollable-region-focusable)

    # Opened folds fade in and the theme animates colours: axe run mid-transition measures half-transparent text
    # (a link at 4.2:1 that is 4.8:1 once shown), so wait until every finite animation has finished.
    page.wait_for_function(ANIMATIONS_FINISHED, timeout=10_000)

    options = {"resultTypes": ["violations"]}
    if scheme != "light":
        options["runOnly"] = {"type": "rule", "values": COLOUR_RULES}
    results = AXE.run(page, options=options)

    problems = _problems(results.response["violations"])
    assert problems == [], f"{len(problems)} violations on {name} ({scheme} mode):\n" + "\n".join(problems)


def test_the_audit_finds_what_it_is_there_to_find(browser):
    """A page with an unlabelled slider, a picture without alt text and pale text: axe must name all three."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.set_content(
            '<html lang="en"><head><title>t</title></head><body><main><h1>Broken</h1>'
            '<input type="range" min="0" max="10">'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
            '<p style="color:#bbbbbb;background:#ffffff">pale text</p></main></body></html>'
        )
        found = {violation["id"]: violation["impact"] for violation in AXE.run(page).response["violations"]}
    finally:
        context.close()
    assert found.get("label") in NEVER_ALLOWED, found
    assert found.get("image-alt") in NEVER_ALLOWED, found
    assert found.get("color-contrast") in NEVER_ALLOWED, found


def _violation(rule, impact, html):
    return {"id": rule, "impact": impact, "help": "h", "nodes": [{"html": html, "target": ["x"]}]}


def test_only_listed_moderate_theme_violations_are_let_through():
    theme = '<div class="sidebar-primary-item"><a class="navbar-brand logo" href="#">'
    assert _problems([_violation("region", "moderate", theme)]) == []
    assert len(_problems([_violation("region", "moderate", '<p class="ours">text</p>')])) == 1
    assert len(_problems([_violation("region", "serious", theme)])) == 1
    assert len(_problems([_violation("landmark-unique", "moderate", theme)])) == 1
