"""The project's own promises: thin notebooks, agreeing dependency lists, nbval bites."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib

import pytest
from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _names(requirements):
    return {re.split(r"[<>=!~ \[]", r.strip(), maxsplit=1)[0].lower() for r in requirements}


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = _names(project["dependencies"]) | _names(project["optional-dependencies"]["dev"])
    listed = set()
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    for line in text.split("dependencies:", 1)[1].splitlines():
        match = re.match(r"^\s+-\s+([A-Za-z0-9_.\-]+)", line)
        if match:
            listed.add(match[1].lower())
    assert wanted == listed - {"python", "pip"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    for cell in code:
        tree = ast.parse("".join(cell["source"]))
        assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda)) for n in ast.walk(tree))
        if "nbval-check-output" not in cell["metadata"].get("tags", []):
            assert cell["outputs"] == [], "only the outputs nbval checks are kept in git"


def test_make_help_lists_every_target():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", text, flags=re.M))
    documented = set(re.findall(r"^([a-z][a-z-]*):.*## ", text, flags=re.M))
    assert targets - {"help"} <= documented | {"help"}
    out = subprocess.run(["make", "-s", "-C", str(ROOT), "help"], capture_output=True, text=True).stdout
    for target in documented:
        assert f"make {target}" in out


def test_readme_names_existing_paths():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in re.findall(r"`((?:lib|notebooks|data|docs|scripts|tests)/[^`*<> ]+)`", readme):
        assert (ROOT / path).exists(), f"README names {path}, which does not exist"


def test_tampered_stored_figure_fails_nbval(tmp_path):
    """A changed key figure in the stored notebook output makes nbval fail."""
    source = ROOT / "notebooks" / "uppfoljning.ipynb"
    nb = json.loads(source.read_text(encoding="utf-8"))
    checked = [c for c in nb["cells"] if "nbval-check-output" in c["metadata"].get("tags", [])]
    assert checked, "no cell is checked by nbval"
    # Only the cells up to the first checked one run (nbval runs every cell; the later ones,
    # the access analysis among them, cost time and check nothing here).
    nb["cells"] = nb["cells"][:nb["cells"].index(checked[0]) + 1]
    text = json.dumps(nb, ensure_ascii=False)
    assert "13 585 672" in text.replace("\u00a0", " ")
    tampered = tmp_path / "uppfoljning.ipynb"
    tampered.write_text(text.replace("13\\u00a0585\\u00a0672", "13\\u00a0585\\u00a0673")
                        .replace("13\u00a0585\u00a0672", "13\u00a0585\u00a0673")
                        .replace("13 585 672", "13 585 673"), encoding="utf-8")
    assert "585\u00a0673" in tampered.read_text(encoding="utf-8") or "585 673" in tampered.read_text(encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                             "--nbval-current-env", "-c", os.devnull, str(tampered)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert result.returncode == 1, result.stdout
    assert "13 585 673" in result.stdout.replace("\u00a0", " ") or "mismatch" in result.stdout.lower()
