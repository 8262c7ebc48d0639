"""Sphinx extension: write each script tag only once per page.

Sphinx 7 (which Jupyter Book 1 requires) adds the inline scripts of extensions such as sphinx-thebe to every
page twice; the second copy re-declares a `const` and the browser reports a SyntaxError. Sphinx 8.2 fixed this
upstream (sphinx-doc/sphinx#13402); until Jupyter Book moves on, we drop the duplicates here.
"""


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
