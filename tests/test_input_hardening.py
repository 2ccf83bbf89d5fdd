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
from serviceprogram.inputs.program import SECTIONS, load_program, register_section

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
    assert {"arende", "tillganglighet", "befolkning", "vagnat"} <= set(SECTIONS)
    assert "finansiering" not in SECTIONS  # [[finansiering]] blocks are checked with the programme's own model
    tables = "".join(f"\n[{name}]\nnagot = 1\n" for name in ("befolkning", "tillganglighet"))
    (tmp_path / "program.toml").write_text(EXAMPLE + tables, encoding="utf-8")
    program = load_program(tmp_path)
    assert program.section("befolkning") == {"nagot": 1} and program.section("vagnat") is None


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


# -- 2-4. reading the tables -----------------------------------------------------------

def stod_workbook(data_dir: Path, edit=None, sheet_name="stod", extra_sheets=()) -> Path:
    """Move 2024's stod.csv into a sheet of uppfoljning.xlsx; ``edit(sheet)`` changes it."""
    from openpyxl import Workbook

    year_dir = data_dir / str(YEAR)
    rows = read_rows(year_dir / "stod.csv")
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name
    for row in rows:
        sheet.append([int(v) if v.isdigit() and len(v) > 4 else v for v in row])
    if edit:
        edit(sheet)
    for name in extra_sheets:
        book.create_sheet(name).append(rows[0])
    (year_dir / "stod.csv").unlink()
    path = year_dir / "uppfoljning.xlsx"
    book.save(path)
    return path


def year_problems(data_dir: Path):
    from serviceprogram.inputs.loading import load_year

    with pytest.raises(DataError) as info:
        load_year(data_dir, YEAR)
    return info.value.problems


def test_stray_far_cell_is_one_problem_naming_the_cell(data_dir):
    # before: every row was padded to 16 384 columns and the sheet to 1 048 576 rows (7.8 GB)
    def stray(sheet):
        sheet["XFD1048576"] = "x"

    stod_workbook(data_dir, stray)
    problems = year_problems(data_dir)
    assert len(problems) == 1 and "XFD1048576" in problems[0].rule and problems[0].is_error


def test_cell_beyond_the_column_limit_is_named(data_dir):
    # before: "Raden har fler värden än rubrikraden har kolumner", not naming the cell
    def stray(sheet):
        sheet["ZZ3"] = "x"
        sheet["ZZ4"] = "y"

    stod_workbook(data_dir, stray)
    [problem] = year_problems(data_dir)
    assert problem.rule.startswith("Cellen ZZ3 och 1 celler till ligger utanför de 200 kolumner")


def test_formula_without_saved_value_is_named(data_dir):
    # before: read as empty; "Värde saknas: kolumnen är obligatorisk" for belopp_kr
    def formula(sheet):
        header = [c.value for c in sheet[1]]
        sheet.cell(row=3, column=header.index("belopp_kr") + 1, value="=100000+20000")

    stod_workbook(data_dir, formula)
    [problem] = year_problems(data_dir)
    assert (problem.row, problem.column) == (3, "belopp_kr")
    assert problem.rule == "Formel utan sparat värde: öppna filen i Excel och spara den"


def test_formula_with_saved_value_uses_the_value(data_dir):
    from serviceprogram.inputs.loading import load_year

    def formula(sheet):
        header = [c.value for c in sheet[1]]
        sheet.cell(row=3, column=header.index("belopp_kr") + 1, value="=100000+20000")

    path = stod_workbook(data_dir, formula)
    # What Excel writes when it saves: the formula and its value.
    with zipfile.ZipFile(path) as book:
        members = {name: book.read(name) for name in book.namelist()}
    sheet_xml = members["xl/worksheets/sheet1.xml"].decode()
    assert "<f>100000+20000</f><v></v>" in sheet_xml
    members["xl/worksheets/sheet1.xml"] = sheet_xml.replace("<f>100000+20000</f><v></v>",
                                                            "<f>100000+20000</f><v>120000</v>").encode()
    with zipfile.ZipFile(path, "w") as book:
        for name, data in members.items():
            book.writestr(name, data)
    data = load_year(data_dir, YEAR)
    assert data.tables["stod"].loc[3, "belopp_kr"] == 120_000


def test_hidden_sheet_is_a_problem(data_dir):
    # before: read silently
    def hide(sheet):
        sheet.sheet_state = "hidden"

    stod_workbook(data_dir, hide, extra_sheets=["annat"])
    assert any("dolt" in p.rule and "blad stod" in p.file for p in year_problems(data_dir))


@pytest.mark.parametrize("second", [" stod", "Stod "])
def test_near_duplicate_sheet_names_are_a_problem(data_dir, second):
    # before: one of them was read silently
    stod_workbook(data_dir, extra_sheets=[second])
    problems = year_problems(data_dir)
    assert any("Flera blad motsvarar tabellen stod" in p.rule and repr(second) in p.rule for p in problems)


def test_xlsx_renamed_to_csv_is_named_without_control_bytes(data_dir, tmp_path):
    # before: read as text, NUL and ESC bytes copied into the messages
    book = stod_workbook(data_dir)
    (data_dir / str(YEAR) / "stod.csv").write_bytes(book.read_bytes())
    book.unlink()
    problems = year_problems(data_dir)
    assert [p.rule.split(":")[0] for p in problems] == [
        "Filen är inte en CSV-fil utan en arbetsbok eller zip-fil som har fått namnet .csv"]


def test_random_bytes_are_one_problem(data_dir):
    # before: a problem for every "row" of the noise (535 088 for 200 MB)
    (data_dir / str(YEAR) / "stod.csv").write_bytes(os.urandom(2_000_000))
    [problem] = year_problems(data_dir)
    assert problem.rule.startswith("Filen är inte en textfil")


def test_file_size_limit(data_dir, monkeypatch):
    from serviceprogram.inputs import reading

    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 1000)
    [problem] = [p for p in year_problems(data_dir) if p.file == "2024/stod.csv"]
    assert "högst 0 MB per fil" in problem.rule or "per fil läses" in problem.rule


def test_row_limit_fails_fast_with_the_limit_named(data_dir, monkeypatch):
    from serviceprogram.inputs import reading

    monkeypatch.setattr(reading, "MAX_ROWS", 5)
    problems = [p for p in year_problems(data_dir) if p.file == "2024/stod.csv"]
    assert len(problems) == 1 and "fler än 5 datarader, som är gränsen" in problems[0].rule


def test_column_limit(data_dir):
    path = data_dir / str(YEAR) / "stod.csv"
    rows = read_rows(path)
    write_rows(path, [rows[0] + [f"extra{i}" for i in range(300)], *rows[1:]])
    [problem] = year_problems(data_dir)
    assert "högst 200 kolumner" in problem.rule


def test_one_cp1252_line_in_a_utf8_file_is_named(data_dir):
    # before: the whole file was decoded as cp1252 without a word (every UTF-8 å garbled)
    from serviceprogram.inputs.loading import load_year

    path = data_dir / str(YEAR) / "stod.csv"
    lines = path.read_bytes().split(b"\n")
    assert any(not line.isascii() for line in lines), "the example must have UTF-8 text"
    lines[3] = lines[3].decode("utf-8").encode("cp1252")
    path.write_bytes(b"\n".join(lines))
    data = load_year(data_dir, YEAR)
    [warning] = [w for w in data.warnings if w.file == "2024/stod.csv" and "teckenkodning" in w.rule]
    assert warning.row == 4 and "rad 4" in warning.rule
    assert not data.tables["stod"]["mottagare"].str.contains("Ã").any()


def test_invisible_characters_are_stripped_with_a_warning(data_dir):
    # before: "Måste vara en kommun (namn eller kod) i program.toml" for a name that looks right
    from serviceprogram.inputs.loading import load_year

    path = data_dir / str(YEAR) / "stod.csv"
    rows = read_rows(path)
    column = rows[0].index("kommun")
    rows[2][column] = unicodedata.normalize("NFD", "Åre")
    rows[3][column] = "Åre\u200b"
    write_rows(path, rows)
    data = load_year(data_dir, YEAR)
    assert list(data.tables["stod"].loc[[3, 4], "kommun"]) == ["Åre", "Åre"]
    [warning] = [w for w in data.warnings if "Osynliga" in w.rule]
    assert warning.row == 4 and warning.column == "kommun" and "U+200B" in warning.rule


@pytest.mark.skipif(os.name == "nt", reason="symbolic links need extra rights on Windows")
def test_symlink_out_of_the_data_folder_is_not_read(data_dir, tmp_path):
    # before: followed; its lines were copied into the messages
    secret = tmp_path / "hemligt.csv"
    secret.write_text("hemlig,rad\nlösenord,abc123\n", encoding="utf-8")
    path = data_dir / str(YEAR) / "stod.csv"
    path.unlink()
    path.symlink_to(secret)
    problems = year_problems(data_dir)
    assert any(p.file == "2024/stod.csv" and "utanför datamappen" in p.rule for p in problems)
    assert not any("abc123" in str(p) or "lösenord" in str(p) or "hemlig" in str(p) for p in problems)


def test_problem_listing_is_bounded_on_screen():
    from serviceprogram.cli import MAX_SHOWN, format_problems
    from serviceprogram.errors import Problem

    problems = [Problem("2024/stod.csv", row, "kommun", "x", "Måste vara en kommun") for row in range(2, 1002)]
    text = format_problems(problems)
    assert text.count("Måste vara en kommun") == MAX_SHOWN
    assert "och 800 till som inte visas här (1000 sammanlagt)" in text
    assert format_problems(problems, limit=None).count("Måste vara en kommun") == 1000
