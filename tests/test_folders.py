"""The tool never writes where it did not make things (issue 11 item 1, issue 13 programme identity)."""
from __future__ import annotations

import json
import shutil

import pytest
from conftest import cli_in_process, run_cli, set_cell
from serviceprogram.build import cache, folders
from serviceprogram.errors import UsageError
from serviceprogram.inputs.program import load_program
from serviceprogram.paths import default_out_dir


@pytest.mark.parametrize("where", ["data", "year", "parent"])
def test_report_refuses_out_at_inside_or_around_the_data_folder(data_dir, where):
    out = {"data": data_dir, "year": data_dir / "2024" / "ut", "parent": data_dir.parent}[where]
    before = sorted(p.name for p in (data_dir / "2024").iterdir())
    result = run_cli("report", "--data-dir", data_dir, "--out", out, "--year", 2024)
    assert result.returncode == 2, result.stderr
    assert "datamappen" in result.stderr and "--out" in result.stderr
    assert sorted(p.name for p in (data_dir / "2024").iterdir()) == before  # every input file still there
    assert not (data_dir / "logs").exists() and not (data_dir / "2024" / "ut").exists()


def test_report_refuses_a_year_folder_it_did_not_make(data_dir, tmp_path):
    out = tmp_path / "ut"
    (out / "2024").mkdir(parents=True)
    note = out / "2024" / "anteckningar.txt"
    note.write_text("mina anteckningar", encoding="utf-8")
    result = run_cli("report", "--data-dir", data_dir, "--out", out, "--year", 2024)
    assert result.returncode == 2, result.stderr
    assert "anteckningar" not in result.stderr and str(out / "2024") in result.stderr
    assert note.read_text(encoding="utf-8") == "mina anteckningar"
    assert sorted(p.name for p in (out / "2024").iterdir()) == ["anteckningar.txt"]


@pytest.mark.parametrize("out", ["/", "/etc/serviceprogram", "~"])
def test_system_folders_are_refused(data_dir, out):
    from pathlib import Path

    with pytest.raises(UsageError, match="--out"):
        folders.check_out_dir(Path(out).expanduser(), data_dir)


def test_validate_xlsx_never_overwrites_input_or_a_users_file(data_dir, tmp_path):
    stod = data_dir / "2024" / "stod.csv"
    before = stod.read_bytes()
    result = cli_in_process("validate", "--data-dir", data_dir, "--year", 2024, "--xlsx", stod)
    assert result.returncode == 2, result.stdout + result.stderr
    assert stod.read_bytes() == before
    mine = tmp_path / "budget.xlsx"
    mine.write_bytes(b"PK not ours")
    result = cli_in_process("validate", "--data-dir", data_dir, "--year", 2024, "--xlsx", mine)
    assert result.returncode == 2 and mine.read_bytes() == b"PK not ours"
    # A problem workbook of ours may be written again.
    ours = tmp_path / "fel.xlsx"
    set_cell(data_dir / "2024/stod.csv", 3, "beslutsdatum", "2024-02-31")
    assert cli_in_process("validate", "--data-dir", data_dir, "--year", 2024, "--xlsx", ours).returncode == 1
    assert folders.is_problems_workbook(ours)
    assert cli_in_process("validate", "--data-dir", data_dir, "--year", 2024, "--xlsx", ours).returncode == 1


def test_another_programme_is_refused_in_an_outputs_folder(data_dir, tmp_path):
    out = tmp_path / "ut"
    out.mkdir()
    folders.record_identity(out, load_program(data_dir), data_dir)
    assert json.loads((out / folders.IDENTITY_FILE).read_text(encoding="utf-8"))["data_dir"] == str(data_dir)
    other = tmp_path / "norrbotten"
    shutil.copytree(data_dir, other)
    toml = other / "program.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("Region Jämtland Härjedalen", "Region Norrbotten"),
                    encoding="utf-8")
    result = run_cli("report", "--data-dir", other, "--out", out, "--year", 2024)
    assert result.returncode == 2, result.stderr
    assert "Region Norrbotten" in result.stderr and "--out" in result.stderr
    assert str(other) in result.stdout  # every command names the folder it read
    assert not (out / "2024").exists()


def test_default_outputs_of_another_data_folder_are_beside_it(data_dir):
    assert default_out_dir(data_dir) == data_dir.with_name("data-rapporter")
    assert default_out_dir(None).name == "outputs"


def test_cache_reads_the_population_file_in_any_case_and_ignores_editor_files(data_dir):
    (data_dir / "befolkning.csv").rename(data_dir / "Befolkning.csv")
    before = cache.manifest(data_dir, 2024)["inputs"]
    assert "data/befolkning.csv" in before
    set_cell(data_dir / "Befolkning.csv", 2, "befolkning", "1")
    assert cache.manifest(data_dir, 2024)["inputs"] != before
    changed = cache.manifest(data_dir, 2024)["inputs"]
    for name in ("~$uppfoljning.xlsx", ".~lock.uppfoljning.xlsx#", "spara.tmp"):
        (data_dir / "2024" / name).write_bytes(b"lock")
    assert cache.manifest(data_dir, 2024)["inputs"] == changed


def test_an_unexpected_error_is_one_line_on_screen_and_a_traceback_in_the_log(data_dir, tmp_path, monkeypatch,
                                                                             capsys):
    from serviceprogram import cli

    def broken(*args, **kwargs):
        raise RuntimeError("en bugg")

    log = tmp_path / "logg" / "serviceprogram.log"
    monkeypatch.setattr("serviceprogram.analysis.checks.validate_years", broken)
    monkeypatch.setattr(cli, "user_log_file", lambda: log)
    assert cli.main(["validate", "--data-dir", str(data_dir), "--year", "2024"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and str(log) in err
    assert "Traceback" in log.read_text(encoding="utf-8") and "en bugg" in log.read_text(encoding="utf-8")
    assert not any(p.name == "logs" for p in data_dir.iterdir())
