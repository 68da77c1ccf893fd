"""The analyst tour notebook runs headless from top to bottom."""

import os
import pathlib
import shutil
import tempfile

import nbformat
from nbclient import NotebookClient

NOTEBOOK = pathlib.Path(__file__).resolve().parents[2] / "examples" / "analyst_tour.ipynb"


def test_the_analyst_tour_runs_without_errors(monkeypatch):
    tmp = tempfile.mkdtemp()
    monkeypatch.setenv("TMPDIR", tmp)
    try:
        nb = nbformat.read(NOTEBOOK, as_version=4)
        client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp}})
        client.execute()  # raises CellExecutionError on any cell error
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
        assert "引进工业项目11个" in text
        assert any("text/html" in o.get("data", {}) for o in outputs), "rich previews were rendered"
        assert any("image/png" in o.get("data", {}) for o in outputs), "the charts were drawn"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
