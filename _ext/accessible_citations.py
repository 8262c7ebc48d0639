"""Sphinx extension: the bibliography as a list that assistive technology can read.

Docutils 0.21 writes each entry as <div role="doc-biblioentry"> inside <div role="list">. DPUB-ARIA 1.1 deprecated
doc-biblioentry, so screen readers and axe-core no longer count those entries as items of the list, which then looks
as if it held only loose links (axe-core: aria-required-children, impact critical). The entries are written with
role="listitem" instead, as DPUB-ARIA 1.1 recommends; everything else is docutils' own output.
"""

from docutils import nodes
from sphinx.writers.html5 import HTML5Translator


def visit_citation(self, node):
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def setup(app):
    app.add_node(nodes.citation, override=True, html=(visit_citation, HTML5Translator.depart_citation))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
