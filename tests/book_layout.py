"""Where things are in the repository, read from the book's own configuration (shared by the test modules)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
CHAPTER_NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
# Where the browser tests leave their screenshots for a person to look at.
SCREENSHOTS = ROOT / "_build" / "screenshots"


def toc_pages():
    """Every page of the book in reading order, as a path without suffix (e.g. "chapters/01_softmax")."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc["parts"]:
        pages += [chapter["file"] for chapter in part["chapters"]]
    return pages
