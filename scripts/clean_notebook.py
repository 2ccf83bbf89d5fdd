"""Git clean filter for the notebooks: the stored form, whatever JupyterLab saved.

Reads a notebook on standard input (or the files named on the command line,
rewritten in place) and writes the form kept in git: nbstripout removes the
outputs, execution counts and volatile metadata; cells tagged
``nbval-check-output`` keep their outputs, numbered by the cell's position as
``scripts/store_notebook_outputs.py`` stores them (nbval compares them).
Configured by ``make`` (``scripts/git-notebook-filter.sh``), named in
``.gitattributes``.
"""
from __future__ import annotations

import io
import sys

import nbformat
from nbstripout import strip_output

CHECK_TAG = "nbval-check-output"


def clean(nb):
    """The notebook as stored in git (modified in place and returned)."""
    kept = {}
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code" and CHECK_TAG in cell.metadata.get("tags", []):
            kept[number] = cell.get("outputs", [])
    strip_output(nb, keep_output=False, keep_count=False, keep_id=True,
                 extra_keys=["metadata.widgets", "cell.metadata.execution", "cell.metadata.papermill",
                             "metadata.papermill", "cell.metadata.collapsed", "cell.metadata.scrolled",
                             "cell.metadata.jupyter"])
    for number, cell in enumerate(nb.cells, start=1):
        if number in kept:
            cell.outputs = kept[number]
            cell.execution_count = number
            for output in cell.outputs:
                if "execution_count" in output:
                    output["execution_count"] = number
    return nb


def main(paths) -> None:
    if not paths:
        nb = nbformat.read(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8"), as_version=4)
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
        nbformat.write(clean(nb), out)
        out.flush()
        return
    for path in paths:
        nbformat.write(clean(nbformat.read(path, as_version=4)), path)


if __name__ == "__main__":
    main(sys.argv[1:])
