"""Run a notebook with its defaults and keep only the outputs nbval checks.

Usage: .venv/bin/python scripts/store_notebook_outputs.py notebooks/uppfoljning.ipynb

Cells tagged ``nbval-check-output`` keep their outputs (the key figure tables
that CI compares); every other cell is stored without outputs, so the
notebook's diffs stay small and readable. Run it after a deliberate change of
the example data or the key figure tables, and review the diff.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CHECK_TAG = "nbval-check-output"


def main(paths) -> None:
    for path in map(Path, paths):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
        for number, cell in enumerate(nb.cells, start=1):
            if cell.cell_type != "code":
                continue
            cell.metadata.pop("execution", None)
            if CHECK_TAG not in cell.metadata.get("tags", []):
                cell.outputs = []
                cell.execution_count = None
                continue
            # nbval ignores stored outputs of cells without an execution count;
            # the cell's position keeps the number stable between runs.
            cell.execution_count = number
            for output in cell.outputs:
                if "execution_count" in output:
                    output["execution_count"] = number
        nbformat.write(nb, path)
        print(f"{path}: utdata sparade för cellerna märkta {CHECK_TAG}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["notebooks/uppfoljning.ipynb"])
