"""The stored form of the project's notebooks, whatever JupyterLab saved.

nbstripout removes the outputs, execution counts and volatile metadata; cells
tagged ``nbval-check-output`` keep their outputs, numbered by the cell's
position as ``scripts/store_notebook_outputs.py`` stores them (nbval compares
them). Used twice, so that autosave never dirties git:

- :func:`pre_save`, the Jupyter server's pre-save hook that ``make lab`` sets:
  the notebooks in ``notebooks/`` are written to disk in their stored form
  (the outputs stay on the screen until the notebook is closed);
- ``scripts/clean_notebook.py``, the git clean filter (``.gitattributes``) for
  a notebook saved without the hook.
"""
from __future__ import annotations

from ..jupyter_imports import without_iri_checker

without_iri_checker()  # before the first import of nbformat (see serviceprogram.jupyter_imports)
import nbformat  # noqa: E402
from nbstripout import strip_output  # noqa: E402

__all__ = ["CHECK_TAG", "EXTRA_KEYS", "clean", "pre_save"]

CHECK_TAG = "nbval-check-output"
EXTRA_KEYS = ["metadata.widgets", "cell.metadata.execution", "cell.metadata.papermill", "metadata.papermill",
              "cell.metadata.collapsed", "cell.metadata.scrolled", "cell.metadata.jupyter"]


def clean(nb):
    """The notebook as stored in git (modified in place and returned)."""
    kept = {}
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code" and CHECK_TAG in cell.metadata.get("tags", []):
            kept[number] = cell.get("outputs", [])
    strip_output(nb, keep_output=False, keep_count=False, keep_id=True, extra_keys=EXTRA_KEYS)
    for number, cell in enumerate(nb.cells, start=1):
        if number in kept:
            cell.outputs = kept[number]
            cell.execution_count = number
            for output in cell.outputs:
                if "execution_count" in output:
                    output["execution_count"] = number
    return nb


def pre_save(model, path, contents_manager=None, **kwargs):
    """Jupyter pre-save hook: a notebook directly in the server's root (``notebooks/``) is saved
    in its stored form. Notebooks in subfolders are saved as they are."""
    if model.get("type") != "notebook" or "/" in str(path).strip("/"):
        return
    model["content"] = clean(nbformat.from_dict(model["content"]))
