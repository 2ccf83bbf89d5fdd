"""Git clean filter for the notebooks: the stored form, whatever JupyterLab saved.

Reads a notebook on standard input (or the files named on the command line,
rewritten in place) and writes the form kept in git
(:func:`serviceprogram.build.notebook_store.clean`: outputs only in the cells tagged
``nbval-check-output``). `make lab` also saves the notebooks in this form
(the same function as the Jupyter server's pre-save hook).
Configured by ``make`` (``scripts/git-notebook-filter.sh``), named in
``.gitattributes``.
"""
from __future__ import annotations

import io
import sys

from serviceprogram.jupyter_imports import without_iri_checker

without_iri_checker()  # a git filter runs on every `git add`: 2 s less each time (serviceprogram.jupyter_imports)
import nbformat  # noqa: E402
from serviceprogram.build.notebook_store import clean  # noqa: E402


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
