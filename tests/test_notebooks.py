"""The notebooks run top to bottom in a real kernel, and are committed without outputs.

The kernel is this test run's own interpreter: a kernel spec written to a temporary
folder on ``JUPYTER_PATH``, so nothing is registered globally.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["dependency_report.ipynb", "explore.ipynb"]
KERNEL = "scgraph-test"


@pytest.fixture
def own_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "scgraph tests", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return KERNEL


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name: str, own_kernel: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(nb, kernel_name=own_kernel, timeout=300,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(c.execution_count for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    printed = "".join(o.get("text", "") for c in code for o in c.outputs
                      if o.output_type == "stream")
    for part, whole in re.findall(r"(\d+) of (\d+)", printed):
        assert int(part) <= int(whole), printed
    for share in re.findall(r"share[^:\n]*: ([\d.]+)", printed):
        assert 0 <= float(share) <= 1, printed
    if name == "dependency_report.ipynb":
        # counted by hand from data/mpsc's CSV files: effects naming a field that is not
        # among their initiative's action fields
        assert "does not work in: 26 of 48" in printed


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_has_no_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None
