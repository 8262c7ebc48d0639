"""Write the first cell of every chapter, the one that installs `helpers` on Colab, from `_config.yml`.

Colab fetches a single notebook, so that cell has to name the repository and branch it installs `helpers` from; the
launch buttons of the website read the same two values (`repository.url` and `repository.branch`). A fork, or a
release built from a tag, changes them in `_config.yml` only and runs this script (`make notebooks` runs it first),
and every chapter's Colab installs the `helpers` of the same version as the notebook it opened.
tests/test_book.py fails if a chapter's cell is not the one this script writes.

Usage: python tools/colab_cells.py [--check]
"""

import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]


def colab_cell_source(config):
    """The source of the Colab cell for the repository and branch in `config` (the parsed `_config.yml`)."""
    repository = config["repository"]
    return (
        "# Colab fetches only this notebook, so install the book's helpers there.\n"
        "# Elsewhere (a clone, Binder, the website build) this does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "softmax-book-helpers @ git+{repository["url"]}@{repository["branch"]}"'
    )


def stale_chapters(config, notebooks):
    """The notebooks whose first cell is not the Colab cell for `config`."""
    wanted = colab_cell_source(config)
    return [path for path in notebooks if nbformat.read(path, as_version=4).cells[0].source != wanted]


def write(config, notebooks):
    wanted = colab_cell_source(config)
    for path in stale_chapters(config, notebooks):
        notebook = nbformat.read(path, as_version=4)
        notebook.cells[0].source = wanted
        nbformat.write(notebook, path)
        print(f"updated the Colab cell of {path.name}")


if __name__ == "__main__":
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    notebooks = sorted((ROOT / "chapters").glob("*.ipynb"))
    if "--check" in sys.argv[1:]:
        stale = stale_chapters(config, notebooks)
        for path in stale:
            print(f"{path.relative_to(ROOT)}: its Colab cell does not match _config.yml (run tools/colab_cells.py)")
        sys.exit(1 if stale else 0)
    write(config, notebooks)
