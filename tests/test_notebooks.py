"""Every notebook executes from a clean kernel without error."""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    nb = nbformat.read(path, as_version=4)
    saved = [_printed(c) for c in nb.cells]
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    # the outputs saved with the notebook, which a reader sees without running it, are what it
    # prints and returns now
    for k, (before, cell) in enumerate(zip(saved, nb.cells)):
        assert _printed(cell) == before, f"{path.name}, cell {k}: its saved output is out of date"


def _printed(cell):
    """What a code cell printed (its standard output; warnings on stderr name files of the
    machine that ran it) and the plain text of its results."""
    if cell.cell_type != "code":
        return None
    outputs = cell.get("outputs", [])
    streams = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stdout")
    results = [o.data.get("text/plain") for o in outputs if o.output_type == "execute_result"]
    return streams, results
