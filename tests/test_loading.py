"""Reading and validation: every rule of the data contract has a failing case."""
from __future__ import annotations

import pytest
from conftest import read_rows, set_cell, write_rows
from serviceprogram import DataError, UsageError, load_program, load_year
from serviceprogram.analysis.checks import validate_years

YEAR = 2024


def problems_for(data_dir, year=YEAR):
    with pytest.raises(DataError) as info:
        load_year(data_dir, year)
    return info.value.errors


def only(problems, **where):
    """The problems matching every given attribute."""
    return [p for p in problems if all(getattr(p, k) == v for k, v in where.items())]


def test_example_years_are_valid():
    from conftest import DATA

    for year in (2023, 2024, 2025):
        data = load_year(DATA, year)
        assert set(data.tables) == {"insatser", "stod", "foretagsbesok", "serviceplatser", "serviceplaner"}
        assert all(not w.is_error for w in data.warnings)


# -- single-cell rules: (file, excel row, column, bad value, words of the rule) ---------------
CELL_RULES = [
    ("stod.csv", 2, "belopp_kr", "mycket", "belopp i kronor"),
    ("stod.csv", 2, "belopp_kr", "1000,50", "hela kronor"),
    ("stod.csv", 2, "belopp_kr", "0", "större än 0"),
    ("stod.csv", 2, "belopp_kr", "", "obligatorisk"),
    ("stod.csv", 2, "beslutsdatum", "12/3/2024", "ÅÅÅÅ-MM-DD"),
    ("stod.csv", 2, "beslutsdatum", "2023-12-31", "inom uppföljningsåret 2024"),
    ("stod.csv", 2, "stodform", "Driftbidrag", "Hemsändningsbidrag"),
    ("stod.csv", 2, "kommun", "Sundsvall", "kommun"),
    ("stod.csv", 3, "diarienummer", "RUN/107/2024", "unikt"),
    ("stod.csv", 2, "serviceplats_id", "SP-FINNS-INTE", "serviceplatser"),
    ("insatser.csv", 2, "prioriterat_omrade", "Turism", "prioriterat område"),
    ("insatser.csv", 2, "status", "Klar", "Genomförd"),
    ("insatser.csv", 2, "malvarde", "tre", "tal"),
    ("foretagsbesok.csv", 2, "form", "Telefon", "Fysiskt"),
    ("foretagsbesok.csv", 2, "datum", "2025-01-02", "inom uppföljningsåret"),
    ("serviceplatser.csv", 2, "lat", "70,5", "inom Sverige"),
    ("serviceplatser.csv", 2, "lon", "öst", "longitud"),
    ("serviceplatser.csv", 2, "drivmedel", "kanske", "ja eller nej"),
    ("serviceplatser.csv", 2, "dagligvaror", "Lite", "Fullsortiment"),
    ("serviceplatser.csv", 2, "oppnad", "2024-13-01", "ÅÅÅÅ-MM-DD"),
    ("serviceplaner.csv", 2, "serviceplan", "Klar", "Antagen"),
]


@pytest.mark.parametrize("file, row, column, value, words", CELL_RULES)
def test_each_cell_rule_names_file_row_column_value_and_rule(data_dir, file, row, column, value, words):
    set_cell(data_dir / str(YEAR) / file, row, column, value)
    found = only(problems_for(data_dir), file=f"{YEAR}/{file}", column=column)
    assert found, f"no problem reported for {file} {column}={value!r}"
    problem = found[0]
    assert problem.row == row or (words == "unikt" and problem.row in (2, 3))
    assert words.lower() in problem.rule.lower()
    if value:
        assert problem.value == value or words == "unikt"


def test_every_problem_is_reported_at_once(data_dir):
    set_cell(data_dir / "2024/stod.csv", 2, "belopp_kr", "x")
    set_cell(data_dir / "2024/stod.csv", 5, "kommun", "Oslo")
    set_cell(data_dir / "2024/insatser.csv", 3, "status", "Kanske")
    set_cell(data_dir / "2024/serviceplatser.csv", 4, "lat", "12")
    problems = problems_for(data_dir)
    assert {(p.file, p.row, p.column) for p in problems} >= {
        ("2024/stod.csv", 2, "belopp_kr"), ("2024/stod.csv", 5, "kommun"),
        ("2024/insatser.csv", 3, "status"), ("2024/serviceplatser.csv", 4, "lat"),
    }


def test_missing_required_column(data_dir):
    path = data_dir / "2024/stod.csv"
    rows = [r[:4] + r[5:] for r in read_rows(path)]  # drop belopp_kr
    write_rows(path, rows)
    found = only(problems_for(data_dir), column="belopp_kr")
    assert found and "kolumn saknas" in found[0].rule.lower()


def test_missing_table(data_dir):
    (data_dir / "2024/foretagsbesok.csv").unlink()
    found = problems_for(data_dir)
    assert any("foretagsbesok" in p.rule and "saknas" in p.rule for p in found)


def test_table_both_as_csv_and_sheet_is_an_error(data_dir):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "stod"
    book.active.append(read_rows(data_dir / "2024/stod.csv")[0])
    book.save(data_dir / "2024/uppfoljning.xlsx")
    assert any("både" in p.rule for p in problems_for(data_dir))


def test_service_plan_rules(data_dir):
    path = data_dir / "2024/serviceplaner.csv"
    rows = read_rows(path)
    header = rows[0]
    adopted = next(i for i, r in enumerate(rows) if i and r[header.index("serviceplan")] == "Antagen")
    rows[adopted][header.index("serviceplan_beslut")] = ""
    del rows[1]  # one municipality missing
    write_rows(path, rows)
    problems = problems_for(data_dir)
    assert any("Beslutsdatum krävs" in p.rule and p.column == "serviceplan_beslut" for p in problems)
    assert any("Kommunen saknas" in p.rule for p in problems)


def test_municipality_twice_in_service_plans_by_name_and_code(data_dir):
    path = data_dir / "2024/serviceplaner.csv"
    rows = read_rows(path)
    berg = next(r for r in rows if r[0] == "Berg")
    rows.append(["2326", *berg[1:]])
    write_rows(path, rows)
    assert any("mer än en rad" in p.rule and p.value == "2326" for p in problems_for(data_dir))


def test_closed_before_opened(data_dir):
    set_cell(data_dir / "2024/serviceplatser.csv", 2, "oppnad", "2020-01-01")
    set_cell(data_dir / "2024/serviceplatser.csv", 2, "stangd", "2019-01-01")
    assert any("före öppningsdatum" in p.rule for p in problems_for(data_dir))


def test_windows_1252_semicolons_swedish_numbers_and_headers(data_dir):
    path = data_dir / "2024/stod.csv"
    rows = read_rows(path)
    rows[0] = [f"  {h.upper()} " for h in rows[0]] + ["Handläggare"]
    amounts = rows[0].index("  BELOPP_KR ")
    for r in rows[1:]:
        r[amounts] = f"{int(r[amounts]):,} kr".replace(",", " ")
        r.append("Åsa Öberg")
    rows.insert(3, [""] * len(rows[0]))  # Excel row 4 left empty: ignored
    write_rows(path, rows, delimiter=";", encoding="cp1252")
    data = load_year(data_dir, YEAR)
    stod = data.tables["stod"]
    assert int(stod["belopp_kr"].sum()) == 13_585_672
    assert len(stod) == 49
    assert list(stod["handläggare"].unique()) == ["Åsa Öberg"]  # extra column kept
    assert 4 not in stod.index and {3, 5} <= set(stod.index)  # Excel row numbers survive the empty row


def test_utf8_bom_is_read(data_dir):
    path = data_dir / "2024/insatser.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(load_year(data_dir, YEAR).tables["insatser"]) == len(read_rows(path)) - 1


def test_workbook_form(data_dir):
    import datetime as dt

    from openpyxl import Workbook

    year_dir = data_dir / "2024"
    book = Workbook()
    book.remove(book.active)
    for table in ("insatser", "stod", "foretagsbesok", "serviceplatser", "serviceplaner"):
        rows = read_rows(year_dir / f"{table}.csv")
        sheet = book.create_sheet(table)
        for row in rows:
            cells = []
            for head, value in zip(rows[0], row):
                if row is not rows[0] and value and (head.endswith("datum") or head in ("datum", "oppnad", "stangd")):
                    value = dt.datetime.fromisoformat(value)  # a real Excel date cell
                elif row is not rows[0] and head == "belopp_kr":
                    value = int(value)
                cells.append(value)
            sheet.append(cells)
        (year_dir / f"{table}.csv").unlink()
    book.save(year_dir / "uppfoljning.xlsx")
    data = load_year(data_dir, YEAR)
    assert int(data.tables["stod"]["belopp_kr"].sum()) == 13_585_672
    assert data.sources[1].label == "2024/uppfoljning.xlsx"


def test_cap_is_a_warning_not_an_error(data_dir):
    from conftest import DATA

    data = load_year(DATA, 2025)
    caps = [w for w in data.warnings if w.column == "belopp_kr"]
    assert len(caps) == 1 and "280\u00a0000\u00a0kr" in caps[0].rule and caps[0].severity == "varning"


def test_support_to_closed_place_is_a_warning(data_dir):
    stod = read_rows(data_dir / "2024/stod.csv")
    header = stod[0]
    row = next(i for i, r in enumerate(stod) if i and r[header.index("serviceplats_id")])
    place = stod[row][header.index("serviceplats_id")]
    points = read_rows(data_dir / "2024/serviceplatser.csv")
    prow = next(i for i, r in enumerate(points) if r[0] == place)
    set_cell(data_dir / "2024/serviceplatser.csv", prow + 1, "stangd", "2024-01-01")
    data = load_year(data_dir, YEAR)
    assert any("stängde" in w.rule for w in data.warnings)


def test_unknown_year_is_a_usage_error(data_dir):
    with pytest.raises(UsageError):
        load_year(data_dir, 2019)


@pytest.mark.parametrize("text, key", [
    ('region = "R"\n', "lan"),
    ('region = "R"\nlan = "L"\nprogram = "P"\nforsta_ar = 2030\nsista_ar = 2023\n', "sista_ar"),
    ('region = "R"\nlan = "L"\nprogram = "P"\nforsta_ar = 2023\nsista_ar = 2030\n'
     'prioriterade_omraden = ["A"]\n[[kommuner]]\nkod = 2303\nnamn = "X"\nfolkmangd = 5\n', "kommuner nr 1"),
    ("region = ", None),
])
def test_program_toml_rules(tmp_path, text, key):
    (tmp_path / "program.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_program(tmp_path)
    assert all(p.file == "program.toml" for p in info.value.problems)
    if key:
        assert any(p.column.split(",")[0] == key for p in info.value.problems if p.column)


def test_validate_years_collects_every_year(data_dir):
    set_cell(data_dir / "2023/stod.csv", 2, "belopp_kr", "-5")
    set_cell(data_dir / "2025/stod.csv", 2, "belopp_kr", "-5")
    found = validate_years(data_dir)
    assert any(p.is_error for p in found[2023]) and any(p.is_error for p in found[2025])
    assert not any(p.is_error for p in found[2024])


def test_problem_order_does_not_depend_on_hashing(data_dir):
    """The same broken data lists its problems in the same order in every run."""
    import os
    import subprocess
    import sys

    (data_dir / "2024/serviceplaner.csv").write_text(
        "kommun,serviceplan,serviceplan_beslut,handlingsplan,handlingsplan_beslut\n", encoding="utf-8")
    outputs = set()
    for seed in ("1", "2", "3"):
        result = subprocess.run([sys.executable, "-m", "serviceprogram.cli", "validate", "--data-dir", str(data_dir),
                                 "--year", "2024"], capture_output=True, text=True,
                                env={**os.environ, "PYTHONHASHSEED": seed})
        assert result.returncode == 1
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_population_in_sweref_coordinates(data_dir):
    from serviceprogram.inputs.geo.projection import to_sweref

    rows = read_rows(data_dir / "befolkning.csv")
    header = rows[0]
    lat, lon = header.index("lat"), header.index("lon")
    x, y = to_sweref([float(r[lat]) for r in rows[1:]], [float(r[lon]) for r in rows[1:]])
    out = [["x", "y", *[h for h in header if h not in ("lat", "lon")]]]
    for row, xs, ys in zip(rows[1:], x, y):
        out.append([f"{xs:.1f}", f"{ys:.1f}", *[v for h, v in zip(header, row) if h not in ("lat", "lon")]])
    write_rows(data_dir / "befolkning.csv", out)
    population = load_year(data_dir, YEAR).befolkning
    assert population["lat"].iloc[0] == pytest.approx(float(rows[1][lat]), abs=1e-5)
    assert population["lon"].iloc[0] == pytest.approx(float(rows[1][lon]), abs=1e-5)
    assert int(population["befolkning"].sum()) == load_program(data_dir).folkmangd


def test_sweref_coordinates_outside_sweden(data_dir):
    write_rows(data_dir / "befolkning.csv", [["x", "y", "befolkning", "kommun"], ["12", "6900000", "5", "Berg"]])
    found = problems_for(data_dir)
    assert any(p.file == "befolkning.csv" and p.row == 2 and p.column == "x" and "Sverige" in p.rule for p in found)
