"""Sphinx extension: code blocks without the token wrappers that draw nothing.

Pygments wraps every token of a code block in a <span> named after its kind: `n` a name, `p` punctuation, `w`
whitespace, `nn` a module name... The theme's code colours (_static/pygments.css, one set for light mode and one for
dark) give some kinds exactly the colour of the code block itself and nothing else, so their spans change no pixel:
`figures.show(` is five spans where one would look the same. A chapter page carries some 5,000 token spans among its
19,000 elements, and more than half of them are such plain ones; a phone styles and lays out each, and the
accessibility audit checks the contrast of each text element one by one.

At the end of the build, once the theme has written its final pygments.css (build-finished, before light_pages
combines the stylesheets), the spans of plain kinds are replaced by their text, inside code blocks only. A kind is
plain when, in every scope of the stylesheet that sets the code block's colour (html[data-theme="light"], ...="dark"),
its rules hold one declaration, that same colour, or it has no rule there at all. Only name, punctuation and
whitespace kinds are considered, never one that other CSS or JavaScript may select (the prompt `gp`, which the copy
button skips, for example). The text, its colours and what a reader copies stay exactly as they were.
"""

import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

# Pygments' short names for names, punctuation and whitespace: the only kinds that may be unwrapped.
CANDIDATES = {"n", "nn", "nx", "p", "w"}
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
HIGHLIGHT = re.compile(r"^(.*?)\.highlight(?:\s+\.([\w-]+))?\s*$")
CODE_BLOCK = re.compile(r'(<div class="highlight"><pre>)(.*?)(</pre>)', re.S)


def _declarations(body):
    """{property: value} of a rule's body, values lower-cased without spaces (colours compare as written)."""
    pairs = (part.split(":", 1) for part in body.split(";") if ":" in part)
    return {name.strip().lower(): re.sub(r"\s+", "", value).lower() for name, value in pairs}


def plain_kinds(css, candidates=CANDIDATES):
    """The token kinds of `candidates` whose spans look exactly like the code block around them under `css`."""
    blocks, kinds = {}, {}
    for selectors, body in RULE.findall(re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        for selector in selectors.split(","):
            match = HIGHLIGHT.match(selector.strip())
            if match is None:
                continue
            scope, kind = match.group(1).strip(), match.group(2)
            if kind is None:
                blocks.setdefault(scope, {}).update(_declarations(body))
            else:
                kinds.setdefault(kind, {}).setdefault(scope, {}).update(_declarations(body))
    if not blocks:
        return set()
    return {
        kind
        for kind in candidates
        if all(
            kinds.get(kind, {}).get(scope, {"color": block.get("color")}) == {"color": block.get("color")}
            for scope, block in blocks.items()
        )
        and set(kinds.get(kind, {})) <= set(blocks)
    }


def unwrap(page_html, kinds):
    """`page_html` with the spans of `kinds` replaced by their text inside code blocks; everything else as it was."""
    if not kinds:
        return page_html
    span = re.compile(r'<span class="(?:%s)">([^<]*)</span>' % "|".join(sorted(map(re.escape, kinds))))
    return CODE_BLOCK.sub(lambda m: m.group(1) + span.sub(r"\1", m.group(2)) + m.group(3), page_html)


def unwrap_plain_tokens(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    stylesheet = outdir / "_static" / "pygments.css"
    if not stylesheet.is_file():
        return
    kinds = plain_kinds(stylesheet.read_text(encoding="utf-8"))
    removed = 0
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).parts[0].startswith("_"):
            continue
        text = page.read_text(encoding="utf-8")
        lighter = unwrap(text, kinds)
        if lighter != text:
            removed += text.count("<span") - lighter.count("<span")
            page.write_text(lighter, encoding="utf-8")
    logger.info(f"plain_code: {removed} token spans that draw nothing unwrapped ({', '.join(sorted(kinds))})")


def setup(app):
    # After pydata-sphinx-theme writes pygments.css (priority 500), before light_pages bundles it (900).
    app.connect("build-finished", unwrap_plain_tokens, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
