"""The rules of the site's stylesheet that no page can ever match, left out (used by _ext/light_pages.py).

The theme's stylesheet carries all of Bootstrap 5 and the class of every Font Awesome icon, sphinx-design its grid
and every button colour: 580 kB (96 kB gzipped) that a phone downloads before its first paint and matches against
every element of the page, of which the book uses about two fifths.

A rule is left out when every selector in its list names a class or an id that appears nowhere the site could
produce it: not as a word in any page, nor in any script the site ships (a class that a script adds, such as
Bootstrap's "show" or the theme's "scrolled", is a word of that script), nor after a prefix that a script completes
at run time (Bootstrap's `bs-${name}-auto`, a string ending in "-" joined with +). Everything else is kept,
conservatively: type and attribute selectors, pseudo-classes, the alternatives inside :is(), :where(), :not(),
:has(), a name with an escape, and every at-rule but the @media and @supports blocks, which are pruned inside and
dropped when empty. The rules kept are written in their order and with their own text, so the cascade is unchanged.
"""

import re

import tinycss2

WORD = re.compile(r"[A-Za-z_][\w-]*")
# Class-name prefixes that a script completes at run time: `bs-${name}-auto`, "fa-" + name.
TEMPLATE_PREFIX = re.compile(r"([A-Za-z][\w-]*-)\$\{")
JOINED_PREFIX = re.compile(r"[\"']([A-Za-z][\w-]*-)[\"']\s*\+")
# A functional pseudo-class, e.g. :not(.a, .b) or :nth-child(2n of .x), whose argument is not required to match.
FUNCTIONAL_PSEUDO = re.compile(r"::?[\w-]+\((?:[^()]|\([^()]*\))*\)")
ATTRIBUTE = re.compile(r"\[[^\]]*\]")
PSEUDO = re.compile(r"::?[\w-]+")
NAME = re.compile(r"([.#])((?:\\.|[\w-])+)")
PRUNED_AT_RULES = {"media", "supports"}


class Vocabulary:
    """The class and id names the site can produce: the words of its pages and scripts, and the prefixes its
    scripts complete at run time."""

    def __init__(self, pages, scripts):
        self.words = set()
        prefixes = set()
        for text in [*pages, *scripts]:
            self.words.update(WORD.findall(text))
            prefixes.update(TEMPLATE_PREFIX.findall(text))
            prefixes.update(JOINED_PREFIX.findall(text))
        self.prefixes = tuple(sorted(prefixes))

    def has(self, name):
        return "\\" in name or name in self.words or name.startswith(self.prefixes)


def _selectors(prelude):
    """A selector list split at its top-level commas."""
    selectors, depth, current = [], 0, []
    for char in prelude:
        depth += char in "([" and 1 or char in ")]" and -1 or 0
        if char == "," and depth == 0:
            selectors.append("".join(current))
            current = []
        else:
            current.append(char)
    return [*selectors, "".join(current)]


def required_names(selector):
    """The class and id names an element (or its ancestors, siblings) must have for `selector` to match it."""
    previous = None
    while previous != selector:
        previous, selector = selector, FUNCTIONAL_PSEUDO.sub(" ", selector)
    selector = PSEUDO.sub(" ", ATTRIBUTE.sub(" ", selector))
    return NAME.findall(selector)


def can_match(selector, vocabulary):
    return all(vocabulary.has(name) for _, name in required_names(selector))


def _pruned(rules, vocabulary):
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            if not any(can_match(s, vocabulary) for s in _selectors(tinycss2.serialize(rule.prelude))):
                continue
        elif rule.type == "at-rule" and rule.lower_at_keyword in PRUNED_AT_RULES and rule.content is not None:
            inner = _pruned(tinycss2.parse_rule_list(rule.content), vocabulary)
            if not any(r.type in ("qualified-rule", "at-rule") for r in inner):
                continue
            rule.content = inner
        kept.append(rule)
    return kept


def without_unused_rules(css, vocabulary):
    """`css` without the rules that can match no element the site produces (`vocabulary`)."""
    return tinycss2.serialize(_pruned(tinycss2.parse_stylesheet(css), vocabulary))
