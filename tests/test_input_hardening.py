"""Issue 11, the input side: program.toml checked completely, bounded and honest reading.

Every test here failed on the code before the fix (noted per test).
"""
from __future__ import annotations

import os
import unicodedata
import zipfile
from pathlib import Path

import pytest
from conftest import DATA, read_rows, run_cli, write_rows

from serviceprogram.errors import DataError
from serviceprogram.program import SECTIONS, load_program, register_section

YEAR = 2024
EXAMPLE = (DATA / "program.toml").read_text(encoding="utf-8")


def program_problems(tmp_path: Path, text: str):
    (tmp_path / "program.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_program(tmp_path)
    problems = info.value.problems
    assert all(p.file == "program.toml" for p in problems)
    return problems


# -- 1. program.toml -------------------------------------------------------------------

@pytest.mark.parametrize("old, new, column", [
    # before: all three were accepted by validate and broke the report (exit 3 or "≥ ∞")
    ("avstandsband_km = [5, 10, 20]", "avstandsband_km = [5, 10, inf]", "avstandsband_km nr 3"),
    ("varde = 8\n", "varde = nan\n", "mal nr 1, varde"),
    ("varde = 6\n", "varde = -inf\n", "mal nr 2, varde"),
])
def test_program_numbers_must_be_finite(tmp_path, old, new, column):
    problems = program_problems(tmp_path, EXAMPLE.replace(old, new))
    assert [(p.column, p.rule) for p in problems] == [
        (column, "Måste vara ett ändligt tal: nan och inf godtas inte")]


@pytest.mark.parametrize("escape", ["\\u0000", "\\u001b", "\\u0007"])
def test_control_character_in_region_is_a_problem(tmp_path, escape):
    # before: accepted; python-docx then crashed the build (exit 3)
    text = EXAMPLE.replace('region = "Region Jämtland Härjedalen"', f'region = "Region{escape} X"')
    [problem] = program_problems(tmp_path, text)
    assert problem.column == "region" and "styrtecken" in problem.rule
    assert not any(ord(c) < 32 for c in problem.value)  # shown escaped, never the raw byte


def test_misspelt_key_gets_a_hint(tmp_path):
    # before: an unknown key was ignored, and the missing region was the only message
    problems = program_problems(tmp_path, EXAMPLE.replace("region =", "regoin ="))
    rules = {p.column: p.rule for p in problems}
    assert rules["regoin"].startswith("Okänd nyckel 'regoin' – menade du 'region'?")
    assert rules["region"].startswith("Nyckeln saknas")


def test_misspelt_key_in_a_block_gets_a_hint(tmp_path):
    problems = program_problems(tmp_path, EXAMPLE.replace("folkmangd = 5146", "folkmangs = 5146"))
    rules = {p.column: p.rule for p in problems}
    assert "menade du 'folkmangd'" in rules["kommuner nr 1, folkmangs"]
    assert "kommuner nr 1, folkmangd" in rules


@pytest.mark.parametrize("old, new, column", [
    ("forsta_ar = 2023", 'forsta_ar = "2023"', "forsta_ar"),
    ("exempeldata = true", 'exempeldata = "ja"', "exempeldata"),
    ('riktning = "högst"\nvarde', 'riktning = "max"\nvarde', "mal nr 5, riktning"),
    ("ar = 2030\nbeskrivning = \"Samtliga", "ar = 3030\nbeskrivning = \"Samtliga", "mal nr 1, ar"),
    ("avstandsband_km = [5, 10, 20]", "avstandsband_km = [5, 5000]", "avstandsband_km nr 2"),
    ('beskrivning = "Samtliga', "beskrivning = 5 #", "mal nr 1, beskrivning"),
])
def test_every_field_is_typed(tmp_path, old, new, column):
    # before: a wrong riktning, a year 3030 in a target, a 5000 km band and a number as
    # description were accepted or turned into text silently
    assert old in EXAMPLE
    problems = program_problems(tmp_path, EXAMPLE.replace(old, new, 1))
    assert [p.column for p in problems] == [column]
    assert not any(word in problems[0].rule for word in ("Input should", "validation error", "type="))


def test_problems_are_all_listed_at_once(tmp_path):
    text = (EXAMPLE.replace("region =", "regoin =").replace("varde = 8\n", "varde = nan\n")
            .replace('kod = "2303"', "kod = 2303"))
    columns = {p.column for p in program_problems(tmp_path, text)}
    assert {"regoin", "region", "mal nr 1, varde", "kommuner nr 1, kod"} <= columns


def test_toml_syntax_error_is_swedish_and_names_the_line(tmp_path):
    [problem] = program_problems(tmp_path, EXAMPLE.replace('lan = "Jämtlands län"', "lan = Jämtlands län"))
    assert problem.row == 11 and "rad 11" in problem.rule and "at line" not in problem.rule


def test_optional_tables_of_other_parts_are_accepted(tmp_path):
    assert {"arende", "finansiering", "tillganglighet", "befolkning", "vagnat"} <= set(SECTIONS)
    tables = "".join(f"\n[{name}]\nnagot = 1\n" for name in ("arende", "finansiering", "tillganglighet"))
    (tmp_path / "program.toml").write_text(EXAMPLE + tables, encoding="utf-8")
    program = load_program(tmp_path)
    assert program.section("arende") == {"nagot": 1} and program.section("vagnat") is None


def test_a_registered_table_is_checked_with_its_model(tmp_path, monkeypatch):
    from pydantic import BaseModel, ConfigDict, Field

    class Case(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid")
        diarienummer: str = Field(description="Måste vara en text")

    monkeypatch.setitem(SECTIONS, "provtabell", None)
    register_section("provtabell", Case)
    problems = program_problems(tmp_path, EXAMPLE + '\n[provtabell]\ndiarienumer = "RS 1"\n')
    assert {p.column for p in problems} == {"provtabell, diarienumer", "provtabell, diarienummer"}
    (tmp_path / "program.toml").write_text(EXAMPLE + '\n[provtabell]\ndiarienummer = "RS 1"\n', encoding="utf-8")
    assert load_program(tmp_path).section("provtabell").diarienummer == "RS 1"


def test_validate_lists_program_problems_with_exit_1(data_dir):
    path = data_dir / "program.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("varde = 8\n", "varde = inf\n"), encoding="utf-8")
    result = run_cli("validate", "--data-dir", data_dir, "--year", YEAR)
    assert result.returncode == 1
    shown = result.stdout + result.stderr
    assert "program.toml" in shown and "mal nr 1, varde" in shown and "Traceback" not in shown


def test_names_from_program_toml_are_normalised(tmp_path):
    # A municipality typed in NFD with a zero-width space matches the plain name.
    text = EXAMPLE.replace('namn = "Åre"', 'namn = "A\u030are\u200b"')
    (tmp_path / "program.toml").write_text(text, encoding="utf-8")
    program = load_program(tmp_path)
    assert "Åre" in program.kommun_names
    assert program.resolve_kommun(unicodedata.normalize("NFD", "Åre") + "\u200b") == "Åre"
