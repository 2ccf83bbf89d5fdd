"""Which years need a rebuild: a manifest of input hashes beside the outputs.

A year's outputs depend on its data files, the previous year's (for the
comparisons), ``program.toml``, the population file, the notebooks, the
package's code, templates and caps table, and the pinned dependencies. Their
SHA-256 hashes are written to ``OUT/<year>/.manifest.json`` by the build; a
year whose inputs hash the same and whose outputs are all there is fresh.

Standard library only: a build with nothing to do must start fast.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..paths import PROGRAM_FILE, git_commit, is_editor_file, notebooks_dir, project_root

__all__ = ["MANIFEST", "MANIFEST_VERSION", "PACKAGE_DIR", "POPULATION_FILE", "expected_outputs",
           "inputs", "manifest", "PROGRAM_FOLDER", "PROGRAM_OUTPUTS", "program_manifest",
           "manifest_for", "write_manifest", "is_fresh"]

MANIFEST = ".manifest.json"
MANIFEST_VERSION = 1
PACKAGE_DIR = Path(__file__).resolve().parents[1]
POPULATION_FILE = "befolkning.csv"


def expected_outputs(year: int) -> list[str]:
    """File names a complete build of ``year`` holds."""
    return [
        f"uppfoljning-{year}.ipynb", f"uppfoljning-{year}.html", f"uppfoljning-{year}.pdf",
        f"indikatorer-{year}.csv", f"uppfoljning-{year}.xlsx",
        f"tillganglighet-{year}.ipynb", f"tillganglighet-{year}.html",
        f"tjansteskrivelse-{year}.docx",
        "resultat/manifest.json",  # the year's saved results (serviceprogram.results), read by the overview
    ]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder: Path, patterns=("*",)) -> list[Path]:
    if not folder.is_dir():
        return []
    found = {p for pattern in patterns for p in folder.rglob(pattern) if p.is_file()}
    return sorted(p for p in found if "__pycache__" not in p.parts and not p.name.startswith(".")
                  and not is_editor_file(p.name))


def _find(folder: Path, name: str) -> Path | None:
    """A file of ``folder`` named ``name`` in any case, as the loader finds it."""
    exact = folder / name
    if exact.is_file():
        return exact
    if folder.is_dir():
        for candidate in sorted(folder.iterdir()):
            if candidate.is_file() and candidate.name.casefold() == name.casefold():
                return candidate
    return None


def inputs(data_dir: Path, year: int) -> dict[str, Path]:
    """Every file the build of ``year`` reads, by a stable label."""
    data_dir = Path(data_dir)
    found: dict[str, Path] = {}
    if (data_dir / PROGRAM_FILE).is_file():
        found[f"data/{PROGRAM_FILE}"] = data_dir / PROGRAM_FILE
    population = _find(data_dir, POPULATION_FILE)  # found in any case, as the loader does
    if population is not None:
        found[f"data/{POPULATION_FILE}"] = population
    for name in ("befolkning.gpkg", "orter.csv", "kommungranser.gpkg", "kommungranser.geojson"):
        path = _find(data_dir, name)  # SCB's grid and a region's own borders (serviceprogram.inputs.geo)
        if path is not None:
            found[f"data/{name}"] = path
    for path in _files(data_dir / "vagnat"):  # the road network (serviceprogram.analysis.roads)
        found[f"data/{path.relative_to(data_dir).as_posix()}"] = path
    for y in (year - 1, year):
        for path in _files(data_dir / str(y)):
            found[f"data/{path.relative_to(data_dir).as_posix()}"] = path
    for path in _files(notebooks_dir(), ("*.ipynb",)):
        found[f"notebooks/{path.name}"] = path
    for path in _files(PACKAGE_DIR):
        found[f"serviceprogram/{path.relative_to(PACKAGE_DIR).as_posix()}"] = path
    root = project_root()
    if root is not None and (root / "requirements.lock").is_file():
        found["requirements.lock"] = root / "requirements.lock"
    return found


def _context(data_dir: Path) -> dict:
    """What the report shows besides the files: the data folder's git commit and build date."""
    return {"git": git_commit(data_dir), "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH")}


def manifest(data_dir: Path, year: int) -> dict:
    """The manifest of a year's inputs: label -> SHA-256, plus the git commit and build date."""
    return {
        "version": MANIFEST_VERSION,
        "year": year,
        "inputs": {label: _digest(path) for label, path in sorted(inputs(data_dir, year).items())},
        **_context(data_dir),
    }


PROGRAM_FOLDER = "program"
PROGRAM_OUTPUTS = ["programoversikt.ipynb", "programoversikt.html", "programoversikt.pdf"]


def program_manifest(data_dir: Path, years) -> dict:
    """The manifest of the programme overview: the inputs of every year."""
    found = {}
    for year in years:
        found.update(inputs(data_dir, year))
    return {"version": MANIFEST_VERSION, "year": PROGRAM_FOLDER,
            "inputs": {label: _digest(path) for label, path in sorted(found.items())}, **_context(data_dir)}


def manifest_for(data_dir: Path, key, years=None) -> dict:
    """The manifest of a year, or of the overview of ``years`` (``key="program"``)."""
    return program_manifest(data_dir, years) if key == PROGRAM_FOLDER else manifest(data_dir, key)


def write_manifest(folder: Path, data: dict) -> None:
    """Write a manifest (from :func:`manifest_for`) into a staging folder."""
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")


def is_fresh(out_dir: Path, data_dir: Path, key, years=None) -> bool:
    """True when ``OUT/<key>`` is complete and was built from the same inputs.

    ``key`` is a year, or ``"program"`` for the overview of ``years``.
    """
    folder = Path(out_dir) / str(key)
    path = folder / MANIFEST
    names = PROGRAM_OUTPUTS if key == PROGRAM_FOLDER else expected_outputs(key)
    if not path.is_file() or not all((folder / name).is_file() for name in names):
        return False
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stored == manifest_for(data_dir, key, years)
