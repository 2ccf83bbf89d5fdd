"""``serviceprogram`` as ``python -m serviceprogram.cli`` runs it, with the PDF step left out.

For tests that build through the real command but never look at a PDF (the
PDF takes about a quarter of a year's build): WeasyPrint is replaced by a
stand-in that writes a tiny placeholder file, so every other step (papermill,
the kernels, HTML, exports, publishing, the cache) runs as for the user. The
replacement is made in this process before the command starts; the build's
workers inherit it under ``fork`` (Linux) and run the real WeasyPrint under
``spawn``, which is slower but gives the same test result. The PDFs
themselves are tested on builds that make them (``built_2024`` in
conftest, test_xss).

Usage: ``python tests/cli_without_pdf.py report --data-dir ... --out ...``
"""
from __future__ import annotations

import sys
from pathlib import Path

STAND_IN = b"%PDF-1.7\n% stand-in written by tests/cli_without_pdf.py instead of the report\n%%EOF\n"


def html_to_pdf(html: str, target) -> None:
    Path(target).write_bytes(STAND_IN)


if __name__ == "__main__":
    from serviceprogram import cli
    from serviceprogram.publishing import render

    render.html_to_pdf = html_to_pdf
    sys.exit(cli.main())
