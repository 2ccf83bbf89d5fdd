"""The Excel workbooks: input template, problem list, indicator export, formula safety."""
from __future__ import annotations

import datetime as dt
import re
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from serviceprogram import xlsx
from serviceprogram.analysis.indicators import compute
from serviceprogram.errors import WARNING, DataError, Problem, UsageError
from serviceprogram.inputs import schemas, template
from serviceprogram.inputs.loading import load_year
from serviceprogram.inputs.program import load_program
from serviceprogram.publishing import workbooks as excel

YEAR = 2026
# A leading carriage return is a formula trigger too, but XML readers without lxml turn it into
# "\n" on reading back, so the round-trip check uses tab and the four classic characters.
DANGEROUS = ["=1+1", '=HYPERLINK("http://x")', "+46 70", "-5 kr", "@SUM(A1)", "\t=2+2"]


def column_of(ws, name: str) -> str:
    """The column letter of a header on row 1."""
    for cell in ws[1]:
        if cell.value == name:
            return cell.column_letter
    raise AssertionError(f"no column {name!r} on sheet {ws.title}")


def validation_for(ws, name: str):
    """The data validation covering rows 2..1000 of a column, or None."""
    letter = column_of(ws, name)
    for dv in ws.data_validations.dataValidation:
        if f"{letter}2:{letter}{template.MAX_ROW}" in str(dv.sqref):
            return dv
    return None


def list_items(book, dv) -> list[str]:
    """The items of a list validation, inline or on the hidden sheet."""
    assert dv.type == "list"
    formula = dv.formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, cells = formula.split("!")
    first, last = cells.replace("$", "").split(":")
    return [c.value for row in book[sheet][f"{first}:{last}"] for c in row]


def sheet_xml(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()
                if re.match(r"xl/worksheets/sheet\d+\.xml$", name)}


# --- Template ------------------------------------------------------------------------------------


def test_template_sheets_headers_comments_and_help(data_dir):
    path = template.write_template(data_dir, YEAR)
    assert path == data_dir / str(YEAR) / "uppfoljning.xlsx"
    book = load_workbook(path)
    assert book.sheetnames == ["Hjälp", *schemas.TABLES]  # no long list: no Listor sheet
    for table, fields in schemas.TABLES.items():
        ws = book[table]
        assert [c.value for c in ws[1]] == [f.name for f in fields]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref.startswith("A1:")
        for cell, f in zip(ws[1], fields):
            assert cell.comment is not None and f.help in cell.comment.text
            assert ws.column_dimensions[cell.column_letter].width >= len(f.name)
            fmt = ws.cell(2, cell.column).number_format
            assert ws.cell(template.MAX_ROW, cell.column).number_format == fmt
            if f.kind == "date":
                assert fmt == "yyyy-mm-dd"
            if f.kind == "amount":
                assert fmt == "#,##0"
    helptext = [[c.value for c in row] for row in book["Hjälp"].iter_rows()]
    rows = {(r[0], r[1]): r for r in helptext if r[0] in schemas.TABLES}
    for table, fields in schemas.TABLES.items():
        for f in fields:
            row = rows[(table, f.name)]
            assert row[2] == ("ja" if f.required else "nej")
            assert row[4] == f.help
            assert row[3]  # the type, in Swedish
    assert rows[("stod", "belopp_kr")][3].startswith("Belopp")


def test_template_drop_down_lists_and_validations(data_dir):
    path = template.write_template(data_dir, YEAR)
    book = load_workbook(path)
    program = load_program(data_dir)
    expected = {
        ("stod", "stodform"): list(schemas.STODFORMER),
        ("stod", "kommun"): program.kommun_names,
        ("foretagsbesok", "form"): list(schemas.BESOKSFORMER),
        ("foretagsbesok", "kommun"): program.kommun_names,
        ("insatser", "status"): list(schemas.INSATS_STATUS),
        ("insatser", "prioriterat_omrade"): list(program.prioriterade_omraden),
        ("serviceplatser", "dagligvaror"): list(schemas.DAGLIGVAROR),
        ("serviceplaner", "serviceplan"): list(schemas.PLAN_STATUS),
        ("serviceplaner", "handlingsplan"): list(schemas.PLAN_STATUS),
    }
    for name in ("drivmedel", "paketombud", "apoteksombud", "kontantuttag", "sot_punkt"):
        expected[("serviceplatser", name)] = ["ja", "nej"]
    for (table, column), items in expected.items():
        dv = validation_for(book[table], column)
        assert dv is not None, (table, column)
        assert list_items(book, dv) == items, (table, column)
        assert dv.showErrorMessage
    amount = validation_for(book["stod"], "belopp_kr")
    assert (amount.type, amount.operator, amount.formula1) == ("whole", "greaterThan", "0")
    date = validation_for(book["stod"], "beslutsdatum")
    serial = lambda d: (d - dt.date(1899, 12, 30)).days  # noqa: E731
    assert date.type == "date"
    assert (int(date.formula1), int(date.formula2)) == (serial(dt.date(YEAR, 1, 1)), serial(dt.date(YEAR, 12, 31)))
    assert validation_for(book["insatser"], "id") is None  # free text


def test_long_list_goes_to_a_hidden_sheet(data_dir):
    toml = data_dir / "program.toml"
    extra = "".join(f'\n[[kommuner]]\nkod = "{9000 + i}"\nnamn = "Kommunen med ett mycket långt namn nummer {i}"\n'
                    f"folkmangd = 1000\n" for i in range(12))
    toml.write_text(toml.read_text(encoding="utf-8") + extra, encoding="utf-8")
    program = load_program(data_dir)
    assert len(",".join(program.kommun_names)) > 255
    book = load_workbook(template.write_template(data_dir, YEAR))
    assert book.sheetnames[-1] == "Listor" and book["Listor"].sheet_state == "hidden"
    for table in ("stod", "foretagsbesok", "serviceplatser", "serviceplaner"):
        dv = validation_for(book[table], "kommun")
        assert dv.formula1.startswith("Listor!")
        assert list_items(book, dv) == program.kommun_names
    assert validation_for(book["stod"], "stodform").formula1.startswith('"')  # short lists stay inline


def test_template_refuses_overwrite_without_force(data_dir):
    path = template.write_template(data_dir, YEAR)
    book = load_workbook(path)
    book["stod"]["A2"] = "RUN/1/2026"
    book.save(path)
    with pytest.raises(UsageError, match="--force"):
        template.write_template(data_dir, YEAR)
    assert load_workbook(path)["stod"]["A2"].value == "RUN/1/2026"  # untouched
    template.write_template(data_dir, YEAR, force=True)
    assert load_workbook(path)["stod"]["A2"].value is None


def test_template_refuses_a_year_with_csv_tables(data_dir):
    with pytest.raises(UsageError, match="CSV") as info:
        template.write_template(data_dir, 2024, force=True)
    assert "stod.csv" in str(info.value)
    assert not (data_dir / "2024/uppfoljning.xlsx").exists()


def fill_template(data_dir, wrong_stodform: str | None = None):
    """Fill the template as an analyst in Excel would: real dates, numbers, list values."""
    path = template.write_template(data_dir, YEAR)
    program = load_program(data_dir)
    names = program.kommun_names
    book = load_workbook(path)

    def put(table, rows):
        ws = book[table]
        header = [c.value for c in ws[1]]
        for r, values in enumerate(rows, start=2):
            for name, value in values.items():
                ws.cell(r, header.index(name) + 1).value = value

    put("insatser", [
        dict(id="2026-M1", prioriterat_omrade=program.prioriterade_omraden[0], insats="Invigning",
             mal="Inviga två SOT-punkter", malvarde=2, utfall=1, ansvarig="Region;Kommun", status="Pågår"),
        dict(id="2026-S1", prioriterat_omrade=program.prioriterade_omraden[1], insats="Besök",
             mal="Tio besök", malvarde=10, ansvarig="Region", status="Ej påbörjad", kommentar="Startar i höst"),
    ])
    put("stod", [
        dict(diarienummer="RUN/1/2026", stodform="Hemsändningsbidrag", mottagare="Bergs kommun", kommun=names[5],
             belopp_kr=120000, beslutsdatum=dt.datetime(YEAR, 3, 15)),
        dict(diarienummer="RUN/2/2026", stodform=wrong_stodform or "Investeringsbidrag", mottagare="Byboden",
             kommun=names[0], belopp_kr=250500, beslutsdatum=dt.datetime(YEAR, 5, 2), serviceplats_id="SP-1"),
        dict(diarienummer="RUN/3/2026", stodform="Särskilt driftstöd", mottagare="Fjällhandeln", kommun=names[-1],
             belopp_kr=99000, beslutsdatum=dt.datetime(YEAR, 11, 30), serviceplats_id="SP-2"),
    ])
    put("foretagsbesok", [
        dict(datum=dt.datetime(YEAR, 2, 1), kommun=names[0], foretag="Byboden", form="Fysiskt",
             serviceplats_id="SP-1"),
        dict(datum=dt.datetime(YEAR, 9, 9), kommun=names[-1], foretag="Fjällhandeln", form="Digitalt"),
    ])
    put("serviceplatser", [
        dict(id="SP-1", namn="Byboden", kommun=names[0], ort="By", lat=63.11, lon=16.35,
             dagligvaror="Fullsortiment", drivmedel="ja", paketombud="nej", sot_punkt="ja",
             sot_invigd=dt.datetime(YEAR, 6, 1)),
        dict(id="SP-2", namn="Fjällhandeln", kommun=names[-1], ort="Fjäll", lat=62.5, lon=12.55,
             drivmedel="nej", oppnad=dt.datetime(2010, 1, 1)),
    ])
    put("serviceplaner", [
        dict(kommun=name, serviceplan="Antagen" if i == 0 else "Saknas",
             serviceplan_beslut=dt.datetime(YEAR, 4, 1) if i == 0 else None, handlingsplan="Saknas")
        for i, name in enumerate(names)
    ])
    book.save(path)
    return path


def test_filled_template_loads_with_load_year(data_dir):
    fill_template(data_dir)
    data = load_year(data_dir, YEAR)
    stod = data.tables["stod"]
    assert list(stod.index) == [2, 3, 4]  # Excel row numbers; the formatted empty rows are ignored
    assert int(stod["belopp_kr"].sum()) == 120000 + 250500 + 99000
    assert stod["beslutsdatum"].iloc[0] == pd.Timestamp(YEAR, 3, 15)
    assert len(data.tables["insatser"]) == 2 and len(data.tables["foretagsbesok"]) == 2
    points = data.tables["serviceplatser"].set_index("id")
    assert points.loc["SP-1", "drivmedel"] and not points.loc["SP-2", "drivmedel"]
    assert points.loc["SP-1", "lat"] == pytest.approx(63.11)
    assert len(data.tables["serviceplaner"]) == len(data.program.kommuner)
    assert data.sources[1].label == f"{YEAR}/uppfoljning.xlsx"
    assert int(compute(data).stod_per_form.loc["Totalt", "belopp_kr"]) == 469500


def test_wrong_value_in_filled_template_names_sheet_row_and_column(data_dir):
    fill_template(data_dir, wrong_stodform="Bidrag till butik")
    with pytest.raises(DataError) as info:
        load_year(data_dir, YEAR)
    errors = info.value.errors
    assert len(errors) == 1
    problem = errors[0]
    assert (problem.file, problem.row, problem.column, problem.value) == (
        f"{YEAR}/uppfoljning.xlsx, blad stod", 3, "stodform", "Bidrag till butik")
    assert f"{YEAR}/uppfoljning.xlsx, blad stod, rad 3, kolumn stodform" in str(info.value)


# --- Problem list --------------------------------------------------------------------------------


def test_problems_workbook_content_and_order(tmp_path):
    problems = [
        Problem("2024/stod.csv", 9, "belopp_kr", "280000", "Över taket", WARNING),
        Problem("2024/stod.csv", 7, "kommun", "Sthlm", "Måste vara en kommun"),
        Problem("2024/insatser.csv", 3, "status", "Klar", "Måste vara ett av: Genomförd, Pågår"),
        Problem("2024/stod.csv", 2, "kommun", "X", "Måste vara en kommun"),
        Problem("2024/serviceplaner.csv", None, "kommun", "Berg", "Kommunen saknas " + "lång text " * 20),
        Problem("2024/stod.csv", 7, "kommun", "Sthlm", "Måste vara en kommun"),  # duplicate
    ]
    path = excel.write_problems_workbook(problems, tmp_path / "ut" / "fel.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Fel och varningar"]
    ws = book["Fel och varningar"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == ["Typ", "Fil", "Rad", "Kolumn", "Värde", "Regel"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("Fel", "2024/insatser.csv", 3),
        ("Fel", "2024/serviceplaner.csv", None),
        ("Fel", "2024/stod.csv", 2),
        ("Fel", "2024/stod.csv", 7),
        ("Varning", "2024/stod.csv", 9),
    ]
    assert rows[1][3:] == ["status", "Klar", "Måste vara ett av: Genomförd, Pågår"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F6"
    assert ws["F3"].alignment.wrap_text
    assert ws.column_dimensions["F"].width >= 60
    assert isinstance(ws["C2"].value, int)


# --- Indicator export ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def indicators_2024():
    from conftest import DATA

    data = load_year(DATA, 2024)
    return compute(data), data.program


def test_indicator_workbook(indicators_2024, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    indicators, program = indicators_2024
    path = excel.write_indicator_workbook(indicators, program, tmp_path / "2024" / "uppfoljning-2024.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Stöd", "Företagsbesök", "Insatser", "Serviceplatser", "Serviceplaner", "Indikatorer"]
    stod = book["Stöd"]
    totals = [c for row in stod.iter_rows() for c in row if c.value == 13585672]
    assert totals and all(c.data_type == "n" and isinstance(c.value, int) for c in totals)
    assert all(c.number_format == "#,##0" for c in totals)
    titles = [c for c in stod["A"] if isinstance(c.value, str) and c.value.startswith("Stöd per")]
    assert len(titles) == 3 and all(c.font.bold for c in titles)
    assert stod.freeze_panes is not None
    # Dates are dates, shares are percentages.
    plans = book["Serviceplaner"]
    dates = [c for row in plans.iter_rows() for c in row if isinstance(c.value, dt.datetime)]
    assert dates and all(c.number_format == "yyyy-mm-dd" for c in dates)
    shares = [c for row in book["Insatser"].iter_rows() for c in row if c.number_format == "0.0%"]
    assert len(shares) == len(indicators.maluppfyllelse)
    # The long table: every row of .long(), nothing else.
    long = indicators.long()
    ws = book["Indikatorer"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Indikator")
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=header[0].row + 1) if row[0].value is not None]
    assert len(body) == len(long)
    assert body[0] == [long.iloc[0]["indikator"], long.iloc[0]["dimension"], long.iloc[0]["varde"]]
    assert book.properties.created == dt.datetime(2000, 1, 1)


def test_indicator_workbook_is_reproducible_and_takes_extra_rows(indicators_2024, tmp_path):
    indicators, program = indicators_2024
    extra = pd.DataFrame({"indikator": ["tillganglighet_befolkning_over_10km"], "dimension": ["Totalt"],
                          "varde": [12700.0]})
    indicators.extra.append(extra)
    try:
        first = excel.write_indicator_workbook(indicators, program, tmp_path / "a.xlsx").read_bytes()
        second = excel.write_indicator_workbook(indicators, program, tmp_path / "b.xlsx").read_bytes()
    finally:
        indicators.extra.remove(extra)
    assert first == second
    ws = load_workbook(tmp_path / "a.xlsx")["Indikatorer"]
    found = [r for r in ws.iter_rows(values_only=True) if r[0] == "tillganglighet_befolkning_over_10km"]
    assert found == [("tillganglighet_befolkning_over_10km", "Totalt", 12700)]


def test_source_date_epoch_sets_the_workbook_dates(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01 UTC
    path = excel.write_problems_workbook([], tmp_path / "fel.xlsx")
    assert load_workbook(path).properties.modified == dt.datetime(2025, 1, 1)
    with zipfile.ZipFile(path) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2025, 1, 1, 0, 0, 0)}


# --- Formula injection ---------------------------------------------------------------------------


def test_formula_like_text_is_never_a_formula(indicators_2024, tmp_path):
    problems = [Problem(f"2024/{v}.csv", i + 2, v, v, v) for i, v in enumerate(DANGEROUS)]
    problems_path = excel.write_problems_workbook(problems, tmp_path / "fel.xlsx")

    indicators, program = indicators_2024
    extra = pd.DataFrame({"indikator": DANGEROUS, "dimension": DANGEROUS, "varde": range(len(DANGEROUS))})
    indicators.extra.append(extra)
    try:
        export_path = excel.write_indicator_workbook(indicators, program, tmp_path / "ind.xlsx")
    finally:
        indicators.extra.remove(extra)

    book = Workbook()
    for i, value in enumerate(DANGEROUS, start=1):
        xlsx.write_value(book.active.cell(i, 1), value)
    direct_path = xlsx.save_workbook(book, tmp_path / "direct.xlsx")

    for path in (problems_path, export_path, direct_path):
        for name, xml in sheet_xml(path).items():
            assert not re.search(r"<f[\s>/]", xml), f"{path.name}: {name} has a formula"
        cells = [c for ws in load_workbook(path) for row in ws.iter_rows() for c in row if c.value in DANGEROUS]
        assert {c.value for c in cells} == set(DANGEROUS), path.name
        assert all(c.data_type == "s" and c.quotePrefix for c in cells), path.name

    ws = load_workbook(problems_path).active
    assert [r[4] for r in ws.iter_rows(min_row=2, values_only=True)] == sorted(DANGEROUS, key=lambda v: f"2024/{v}.csv")


def test_write_value_types_and_control_characters(tmp_path):
    book = Workbook()
    ws = book.active
    values = ["a\x00b\x1fc", 12.0, 12.5, pd.Timestamp(2024, 3, 15), float("nan"), pd.NA, pd.NaT, None, "#N/A"]
    for i, value in enumerate(values, start=1):
        xlsx.write_value(ws.cell(i, 1), value)
    path = xlsx.save_workbook(book, tmp_path / "v.xlsx")
    saved = load_workbook(path).active
    back = [saved.cell(i, 1).value for i in range(1, len(values) + 1)]
    assert back[:4] == ["abc", 12, 12.5, dt.datetime(2024, 3, 15)]
    assert saved["A4"].number_format == "yyyy-mm-dd"
    assert back[4:8] == [None] * 4
    assert back[8] == "#N/A" and saved["A9"].data_type == "s"  # text, not an error value
