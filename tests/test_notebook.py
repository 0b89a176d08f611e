"""The example notebook runs from top to bottom and is stored without outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("pandas")  # the notebook sweeps scenarios
pytest.importorskip("matplotlib")  # and plots a decision map

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "org_scenarios.ipynb"


def test_the_notebook_is_stored_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


@pytest.mark.slow  # starts a Jupyter kernel: CI (.ci/run) or -m slow
def test_the_notebook_runs_and_explains_one_scenario() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # "python3" is the kernel ipykernel provides for the running interpreter (the dev extra).
    client = nbclient.NotebookClient(
        notebook, kernel_name="python3", timeout=180, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()  # raises CellExecutionError if any cell fails
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2  # both plots were drawn
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Verdict:" in printed
