"""Importing nbformat (through papermill and nbconvert) without jsonschema's IRI format checker.

jsonschema imports, when it is first imported, every optional format checker
that is installed. The one for the ``iri`` and ``iri-reference`` formats,
rfc3987-syntax (installed with ``jsonschema[format-nongpl]``, which
jupyter-events requires), builds some thirty Lark grammars while it is
imported: about 2 s of processor time on this project's 2-core reference
machine, in every process that reads a notebook (each build worker, a build
with one process, the git filter for notebooks). nbformat's notebook schema
uses neither format, so nothing the build does needs the checker.
jsonschema's issue 1428 asks for a lazy import; until it comes, this module
stands in.

Assumptions, checked by tests/test_jupyter_imports.py:

- the module is marked as absent only while jsonschema has not been imported
  yet, so a process that already has jsonschema (a JupyterLab server, pytest
  with nbval) keeps every checker it loaded;
- our notebooks validate with nbformat as before.
"""
from __future__ import annotations

import sys

__all__ = ["SKIPPED", "without_iri_checker"]

SKIPPED = "rfc3987_syntax"


def without_iri_checker() -> None:
    """Call before the first import of nbformat, papermill or nbconvert in a process."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault(SKIPPED, None)  # ``import`` of a None entry raises ImportError at once
