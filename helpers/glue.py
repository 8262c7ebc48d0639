"""Numbers in the prose that come from cells: MyST-NB's ``glue``, without needing MyST-NB to run a chapter.

A chapter computes a number in a code cell and glues it under a name; its prose then shows the stored value with
the role ``{glue:text}`name```, so a sentence can never disagree with the cell that computed it, and strict nbval
(which compares every stored output, glued ones included) fails if a re-run would print something else.

MyST-NB's own ``myst_nb.glue`` needs the ``myst_nb`` package, which Colab does not have; this writes the very same
output (a display with the ``application/papermill.record/`` prefix and a ``scrapbook`` entry in its metadata), so
the notebook runs anywhere and the book build reads it exactly as it reads MyST-NB's.

Glue **text** that is already rounded the way the sentence needs it (``f"{err:.0f}"``): the stored text is what the
reader sees, and it must be the same on every processor (choose the rounding from the error measured on
perturbed runs; see ``tests/test_cpu_independence.py``).
"""

from IPython.core.formatters import format_display_data
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import display

__all__ = ["glue"]

GLUE_PREFIX = "application/papermill.record/"


def glue(name, value):
    """Store ``value`` under ``name`` for the prose to paste with ``{glue:text}`name```; show nothing in the cell.

    Outside IPython (a plain script, a doctest) there is no notebook to store it in, and nothing happens.

    Parameters
    ----------
    name : str
        The key the prose refers to; unique within the chapter.
    value : str or float
        What the sentence shows. A string is pasted as it is (without its quotes).

    Examples
    --------
    >>> glue("largest_error_ulp", f"{1.4:.0f}")   # in a chapter: the prose says {glue:text}`largest_error_ulp`
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    if not InteractiveShell.initialized():
        return
    bundle, metadata = format_display_data(value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + mime: data for mime, data in bundle.items()}, raw=True, metadata=metadata)
