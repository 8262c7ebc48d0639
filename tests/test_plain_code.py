"""Code blocks without the token spans that draw nothing (_ext/plain_code.py): same text, same colours, fewer
elements.

The kinds are checked against hand-written stylesheets (a kind with its own colour, an extra declaration, a colour in
one mode only); the built chapters against their notebooks: every code cell's source is the text of a code block of
its page, no unwrapped kind is left, and what the final pygments.css says about each unwrapped kind is read here
rule by rule.
"""

import html
import json
import re
import sys

import pytest
from book_layout import CHAPTER_NOTEBOOKS, ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import plain_code  # noqa: E402

TWO_MODES = """
html[data-theme="light"] .highlight { background: #fefefe; color: #080808 }
html[data-theme="dark"] .highlight { background: #2b2b2b; color: #F8F8F2 }
html[data-theme="light"] .highlight .n { color: #080808 }
html[data-theme="dark"] .highlight .n { color: #f8f8f2 }
html[data-theme="light"] .highlight .p { color: #080808 }
html[data-theme="dark"] .highlight .p { color: #F8F8F2; font-weight: bold }
html[data-theme="light"] .highlight .w { color: #BBBBBB }
html[data-theme="dark"] .highlight .w { color: #F8F8F2 }
html[data-theme="light"] .highlight .nn { color: #080808 }
html[data-theme="light"] .highlight .o, html[data-theme="dark"] .highlight .o { color: #00622F }
html[data-theme="light"] .highlight .gp { color: #080808 }
"""


def test_a_kind_is_plain_only_if_it_looks_like_the_block_in_every_mode():
    # n: the block's colour in both modes (case aside); nn: light only, inherits the block's colour in dark;
    # p: bold in dark; w: grey in light; o: its own colour; gp: never a candidate (the copy button skips prompts).
    assert plain_code.plain_kinds(TWO_MODES) == {"n", "nn", "nx"}
    assert plain_code.plain_kinds(TWO_MODES, candidates={"n", "gp"}) == {"n", "gp"}
    assert plain_code.plain_kinds("pre { color: red }") == set()


def test_a_kind_styled_in_a_scope_without_a_block_colour_is_not_plain():
    css = TWO_MODES + 'html[data-theme="sepia"] .highlight .n { color: #704214 }'
    assert "n" not in plain_code.plain_kinds(css)


def test_only_code_blocks_are_unwrapped_and_their_text_is_kept():
    page = (
        '<p><span class="n">prose</span></p><div class="highlight"><pre><span></span><span class="n">np</span>'
        '<span class="o">.</span><span class="n">exp</span><span class="p">(</span><span class="mi">1</span>'
        '<span class="p">)</span><span class="w"> </span><span class="c1"># e &lt; 3</span>\n</pre></div>'
    )
    lighter = plain_code.unwrap(page, {"n", "p", "w"})
    assert lighter == (
        '<p><span class="n">prose</span></p><div class="highlight"><pre><span></span>np<span class="o">.</span>'
        'exp(<span class="mi">1</span>) <span class="c1"># e &lt; 3</span>\n</pre></div>'
    )
    assert plain_code.unwrap(lighter, {"n", "p", "w"}) == lighter
    assert plain_code.unwrap(page, set()) == page


def _code_text(block):
    return html.unescape(re.sub(r"<[^>]+>", "", block))


@pytest.mark.parametrize("chapter", CHAPTER_NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_cell_is_on_its_page_with_its_text_and_no_plain_span(site, chapter):
    page = (site / "chapters" / f"{chapter.stem}.html").read_text(encoding="utf-8")
    kinds = plain_code.plain_kinds((site / "_static" / "pygments.css").read_text(encoding="utf-8"))
    assert {"n", "p"} <= kinds, "the theme's code colours changed: check which kinds are plain"
    blocks = [m.group(2) for m in plain_code.CODE_BLOCK.finditer(page)]
    texts = {_code_text(block).strip() for block in blocks}
    cells = json.loads(chapter.read_text())["cells"]
    for cell in cells:
        if cell["cell_type"] == "code" and "remove-cell" not in cell["metadata"].get("tags", []):
            assert "".join(cell["source"]).strip() in texts, "".join(cell["source"])[:200]
    left = [kind for kind in kinds for block in blocks if f'<span class="{kind}">' in block]
    assert left == [], f"plain token spans left on the page: {sorted(set(left))}"


def test_what_the_final_stylesheet_says_about_each_unwrapped_kind(site):
    """Read rule by rule: in light and in dark, the kind's colour is the code block's and it has nothing else."""
    css = (site / "_static" / "pygments.css").read_text(encoding="utf-8")
    for mode in ("light", "dark"):
        scope = re.escape(f'html[data-theme="{mode}"] .highlight')
        block = re.search(scope + r"\s*\{[^}]*?color:\s*([^;}\s]+)", css).group(1).lower()
        for kind in plain_code.plain_kinds(css):
            rules = re.findall(scope + r"\s+\." + kind + r"\s*\{([^}]*)\}", css)
            for rule in rules:
                assert rule.strip().rstrip(";").replace(" ", "").lower() == f"color:{block}", (mode, kind, rule)
