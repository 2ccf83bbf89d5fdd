"""The build cache: unchanged inputs are not rebuilt, any change is."""
from __future__ import annotations

import json

from conftest import DATA, run_cli, set_cell
from serviceprogram.build import cache


def test_built_year_is_fresh_and_a_noop_run_builds_nothing(built_2024):
    out = built_2024.parent
    assert cache.is_fresh(out, DATA, 2024)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and "logs" not in p.parts}
    result = run_cli("report", "--data-dir", DATA, "--out", out, "--year", 2024)
    assert result.returncode == 0
    assert "inget att bygga för 2024" in result.stdout
    # nothing rebuilt: every report file is the same file (the time it takes is in `make bench`)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and "logs" not in p.parts} == before


def test_any_input_change_makes_the_year_stale(built_2024, data_dir):
    out = built_2024.parent
    before = cache.manifest(data_dir, 2024)
    assert before["inputs"] == cache.manifest(DATA, 2024)["inputs"]  # a copy of the same files is the same input
    assert before["git"] is None  # the copy is outside git: the report shows that, so the manifest holds it
    assert not cache.is_fresh(out, data_dir, 2024)  # built from the git checkout, so not fresh for the copy
    set_cell(data_dir / "2023/stod.csv", 2, "mottagare", "Ny mottagare")  # the previous year counts too
    assert cache.manifest(data_dir, 2024)["inputs"] != before["inputs"]


def test_manifest_lists_data_notebooks_code_and_caps(built_2024):
    stored = json.loads((built_2024 / cache.MANIFEST).read_text(encoding="utf-8"))["inputs"]
    for label in ("data/program.toml", "data/2024/stod.csv", "data/2023/stod.csv", "data/befolkning.csv",
                  "notebooks/uppfoljning.ipynb", "serviceprogram/publishing/report.py",
                  "serviceprogram/resources/stodtak.toml", "serviceprogram/templates/rapport/rapport.css"):
        assert label in stored, label


def test_missing_output_file_makes_the_year_stale(built_2024, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(built_2024, out / "2024")
    assert cache.is_fresh(out, DATA, 2024)
    (out / "2024" / "uppfoljning-2024.pdf").unlink()
    assert not cache.is_fresh(out, DATA, 2024)
