"""serviceprogram.jupyter_imports: nbformat without jsonschema's slow IRI checker, and nothing else changed."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

_FRESH = """
import sys
import serviceprogram.build.kernel  # imports papermill, and with it nbformat and jsonschema
import jsonschema
import nbformat

assert sys.modules.get("rfc3987_syntax") is None, "the IRI checker was imported"
assert "iri" not in jsonschema.FormatChecker.checkers
assert "date-time" in jsonschema.FormatChecker.checkers  # the other checkers are there as before
for path in sys.argv[1:]:
    nbformat.validate(nbformat.read(path, as_version=4))
print("ok")
"""

_ALREADY = """
import sys
import jsonschema
from serviceprogram.jupyter_imports import without_iri_checker

before = dict(jsonschema.FormatChecker.checkers)
without_iri_checker()
assert sys.modules.get("rfc3987_syntax", "absent") is not None, "marked absent after jsonschema was imported"
assert jsonschema.FormatChecker.checkers == before
print("ok")
"""


def _run(code: str, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def test_a_build_process_skips_the_iri_checker_and_our_notebooks_still_validate():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(notebooks) >= 3
    result = _run(_FRESH, *notebooks)
    assert result.stdout.strip() == "ok", result.stderr


def test_a_process_that_already_has_jsonschema_keeps_its_checkers():
    result = _run(_ALREADY)
    assert result.stdout.strip() == "ok", result.stderr
