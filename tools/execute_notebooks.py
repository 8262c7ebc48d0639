"""Re-execute chapter notebooks top to bottom in a fresh kernel and save their outputs in place.

Run it after editing a chapter (`make notebooks`), so the stored outputs that nbval compares are the ones a reader
gets. Widget state is not saved: nbval does not compare it, so it could only go stale.

Usage: python tools/execute_notebooks.py [NOTEBOOK ...]   (default: every notebook in chapters/)
"""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute_in_place(path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)


if __name__ == "__main__":
    paths = [Path(arg) for arg in sys.argv[1:]] or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        print(f"executing {path}")
        execute_in_place(path)
