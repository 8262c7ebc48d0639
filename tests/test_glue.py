"""helpers.glue writes what MyST-NB's own glue writes (the reference: the book build reads that format)."""

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from myst_nb import glue as myst_glue

from helpers.glue import glue


@pytest.fixture
def shell():
    return InteractiveShell.instance()


def _outputs(shell, function, *args):
    with capture_output() as captured:
        function(*args)
    return [(output.data, output.metadata) for output in captured.outputs]


@pytest.mark.parametrize("value", ["212", 0.8671, 3, "[0, 0, 0]"])
def test_same_output_as_myst_nb(shell, value):
    ours = _outputs(shell, glue, "key", value)
    theirs = _outputs(shell, lambda name, v: myst_glue(name, v, display=False), "key", value)
    assert ours == theirs
    (data, metadata), = ours
    assert metadata["scrapbook"] == {"name": "key", "mime_prefix": "application/papermill.record/"}
    assert "text/plain" not in data  # nothing is shown in the cell itself


def test_nothing_happens_outside_ipython(monkeypatch, capsys):
    monkeypatch.setattr(InteractiveShell, "initialized", classmethod(lambda cls: False))
    glue("key", "1")
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("name", ["", None, 3])
def test_name_must_be_a_string(name):
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        glue(name, "1")
