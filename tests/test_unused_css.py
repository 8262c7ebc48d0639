"""The site stylesheet without the rules no page can match (_ext/unused_css.py): each case is a stylesheet written by
hand, with the rules a browser would apply to the pages named beside it. The browser check of the built site, the
computed style of every element with and without the pruning, is tests/test_browser.py's."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import unused_css  # noqa: E402

PAGE = '<div class="card shown" id="intro"><p class="lead">Softmax <span class="fa-solid fa-sun"></span></p></div>'
SCRIPT = 'el.classList.add("scrolled"); tip.classList.add(`bs-${this.constructor.NAME}-auto`); x = "icon-" + name;'


def pruned(css, pages=(PAGE,), scripts=(SCRIPT,)):
    return unused_css.without_unused_rules(css, unused_css.Vocabulary(pages, scripts))


@pytest.mark.parametrize(
    "rule",
    [
        ".card { color: red; }",  # a class of the page
        "#intro { margin: 0; }",  # an id of the page
        "div.card > p.lead:first-child::before { content: 'x'; }",  # pseudo-classes and elements are not names
        ".scrolled .card { top: 0; }",  # a class a script adds
        ".bs-tooltip-auto .lead { left: 0; }",  # completed at run time: `bs-${name}-auto`
        ".icon-moon { mask: none; }",  # completed at run time: "icon-" + name
        ".card:not(.missing) { color: red; }",  # :not() of a class nowhere: still matches .card
        ".missing, .card { color: red; }",  # one selector of the list can match
        ":is(.missing, .other) p { color: red; }",  # alternatives are kept whole, conservatively
        '[class*="col-"] { float: left; }',  # attribute selectors are not names
        "p { line-height: 1.5; }",
        ".sm\\:hidden { display: none; }",  # an escaped name is never judged
        ".fa-sun::before { content: '\\f185'; }",
    ],
)
def test_a_rule_that_can_match_is_kept(rule):
    """Kept with its selector as written (tinycss2 may write a string's quotes or escapes differently: the same
    value, as the browser test checks)."""
    selector = rule.split(" {")[0]
    assert f"\n{selector} {{" in pruned(f"/* x.css */\n{rule}\n")


@pytest.mark.parametrize(
    "rule",
    [
        ".carousel-item { display: none; }",  # a class of no page and no script
        ".card .carousel-caption { color: red; }",  # one name of the selector is enough to rule it out
        "#missing { margin: 0; }",
        ".fa-bicycle::before { content: '\\f206'; }",  # an icon no page shows
        ".missing, .nowhere:hover { color: red; }",  # no selector of the list can match
        "p.lead .tooltip-inner { color: red; }",  # "tooltip" appears, "tooltip-inner" does not
    ],
)
def test_a_rule_that_cannot_match_is_dropped(rule):
    css = pruned(f".card {{ color: blue; }}\n{rule}\n")
    assert rule not in css
    assert ".card { color: blue; }" in css


def test_media_blocks_are_pruned_inside_and_dropped_when_empty():
    css = pruned(
        "@media (min-width: 960px) { .card { width: 50%; } .carousel { width: 0; } }\n"
        "@media print { .carousel { display: none; } }\n"
        "@supports (display: grid) { .modal { display: grid; } }\n"
    )
    assert "@media (min-width: 960px)" in css and ".card { width: 50%; }" in css
    assert "carousel" not in css and "@media print" not in css
    assert "@supports" not in css


def test_other_at_rules_and_comments_are_kept_in_their_order():
    source = (
        "/* theme.css */\n@font-face { font-family: X; src: url(x.woff); }\n"
        "@keyframes spin { from { transform: none; } }\n.card { animation: spin 1s; }\n"
        "/* folds.css */\n.lead { a: b; }\n"
    )
    css = pruned(source)
    assert css.split() == source.split()


def test_a_class_in_prose_is_a_word_of_the_page_and_kept():
    """Conservative: a class name that appears in any text of the site is kept, even if no element has it."""
    assert ".carousel { x: y; }" in pruned(".carousel { x: y; }", pages=["<p>A carousel of pictures.</p>"])


def test_required_names_ignore_what_a_selector_does_not_require():
    assert unused_css.required_names("ul.nav > li:not(.active) a[href^='#top'].link::after") == [
        (".", "nav"),
        (".", "link"),
    ]
    assert unused_css.required_names("#main :where(.a, .b) .c") == [("#", "main"), (".", "c")]
