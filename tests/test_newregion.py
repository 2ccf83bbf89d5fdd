"""A new region from nothing: init, placeholders, Excel year after year, messages that help."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from conftest import DATA, cli_in_process, run_cli, run_cli_without_pdf
from openpyxl import load_workbook
from serviceprogram.errors import DataError, UsageError
from serviceprogram.inputs.newregion import init_region, placeholder_problems
from serviceprogram.inputs.program import load_program

ROOT = Path(__file__).resolve().parents[1]
# Names that belong to the example region: none may appear in another region's output.
EXAMPLE_NAMES = ("Jämtland", "Härjedalen", "Ragunda", "Östersund", "Krokom", "Strömsund", "Bräcke",
                 "Hogdal", "Pilgrimstad")


def fill_program(folder: Path, population: bool = True) -> None:
    """Fill the placeholders of an initialised program.toml, as the analyst does."""
    path = folder / "program.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('program = ""', 'program = "Serviceprogram 2025–2028"')
    text = text.replace("forsta_ar = 0", "forsta_ar = 2025").replace("sista_ar = 0", "sista_ar = 2028")
    text = text.replace("prioriterade_omraden = []", 'prioriterade_omraden = ["Dagligvaror", "Samverkan"]')
    if population:
        text = re.sub(r"folkmangd = 0\b", "folkmangd = 10000", text)
    path.write_text(text, encoding="utf-8")


def test_init_every_county_gives_valid_toml_with_its_municipalities(tmp_path):
    from serviceprogram.inputs import reference
    from serviceprogram.inputs.newregion import _render_program
    from serviceprogram.inputs.program import Municipality

    total = 0
    for county in reference.counties():  # program.toml of every county (the workbook is the same for all)
        refs = [Municipality(m.kod, m.namn, 0) for m in reference.municipalities(county.kod)]
        raw = tomllib.loads(_render_program(county, refs, tmp_path, None))
        assert raw["region"] == county.region and raw["lan"] == county.lan
        assert [k["kod"] for k in raw["kommuner"]] == [m.kod for m in reference.municipalities(county.kod)]
        total += len(raw["kommuner"])
    assert total == 290
    folder = tmp_path / "dalarna"  # and one folder made the whole way, as the command makes it
    result = init_region(folder, "20", 2025)
    raw = tomllib.loads((folder / "program.toml").read_text(encoding="utf-8"))
    assert raw["lan"] == "Dalarnas län" and result.municipalities == len(raw["kommuner"]) == 15
    assert (folder / "2025" / "uppfoljning.xlsx").is_file()


def test_placeholders_block_the_build_and_validate_explains_them(tmp_path):
    folder = tmp_path / "norrbotten"
    made = cli_in_process("init", folder, "--lan", "Region Norrbotten", "--year", 2025)
    assert made.returncode == 0, made.stderr
    assert str(folder.resolve()) in made.stdout
    with pytest.raises(DataError):
        load_program(folder)
    rules = {p.column: p.rule for p in placeholder_problems(folder)}
    assert set(rules) == {"program", "forsta_ar", "sista_ar", "prioriterade_omraden", "kommuner"}
    assert "Statistikdatabasen" in rules["kommuner"] and "Kiruna" in rules["kommuner"]
    check = cli_in_process("validate", "--data-dir", folder)
    assert check.returncode == 1
    assert "Programperiodens första år är inte ifyllt" in check.stdout
    assert "Måste vara ett årtal" not in check.stdout  # the general rule is replaced, not repeated
    assert check.stdout.count("Folkmängden är inte ifylld") == 1
    assert "folkmangd: värde '0'" not in check.stdout  # one explanation, not one general rule per municipality
    fill_program(folder)
    assert placeholder_problems(folder) == []
    assert load_program(folder).region == "Region Norrbotten"


def test_init_refuses_a_non_empty_folder_and_touches_nothing(tmp_path):
    (tmp_path / "mine.txt").write_text("min fil", encoding="utf-8")
    result = cli_in_process("init", tmp_path, "--lan", "25")
    assert result.returncode == 2 and "inte tom" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]
    assert cli_in_process("init", tmp_path / "x", "--lan", "99").returncode == 2


def test_init_reads_an_scb_population_file(tmp_path):
    scb = tmp_path / "folkmangd.csv"
    scb.write_text("kommunkod;folkmängd\n2584;22 000\n2580;80 000\n", encoding="utf-8")
    init_region(tmp_path / "d", "25", 2025, scb)
    raw = tomllib.loads((tmp_path / "d/program.toml").read_text(encoding="utf-8"))
    population = {k["namn"]: k["folkmangd"] for k in raw["kommuner"]}
    assert population["Kiruna"] == 22000 and population["Luleå"] == 80000 and population["Boden"] == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("kommun,invanare\nKiruna,1\n", encoding="utf-8")
    with pytest.raises(UsageError, match="kommunkod och folkmangd"):
        init_region(tmp_path / "e", "25", 2025, bad)
    assert not (tmp_path / "e").exists()


def test_help_sheet_and_messages_carry_the_real_data_dir(tmp_path):
    folder = tmp_path / "min region"
    init_region(folder, "25", 2025)
    help_text = " ".join(str(c) for row in load_workbook(folder / "2025/uppfoljning.xlsx")["Hjälp"]
                         .iter_rows(values_only=True) for c in row if c)
    assert f'serviceprogram validate --data-dir "{folder.resolve()}" --year 2025' in help_text
    plans = [r[0] for r in load_workbook(folder / "2025/uppfoljning.xlsx")["serviceplaner"]
             .iter_rows(min_row=2, values_only=True) if r[0]]
    assert "Kiruna" in plans and len(plans) == 14
    # Writing commands never fall back to the example's data/ silently.
    for args in (["new-year", 2026], ["template", "--year", 2030]):
        result = run_cli(*args, env={k: v for k, v in __import__("os").environ.items()
                                     if k != "SERVICEPROGRAM_DATA_DIR"})
        assert result.returncode == 2 and "--data-dir" in result.stderr
    assert not (DATA / "2026").exists() and not (DATA / "2030").exists()


def test_every_subcommand_help_says_anvandning_once():
    for command in ("init", "report", "validate", "template", "new-year"):
        result = run_cli(command, "--help")
        assert result.stdout.count("användning:") == 1, result.stdout


def test_impossible_dates_say_what_is_impossible():
    from serviceprogram.inputs.schemas import DATE_DAY_RULE, DATE_MONTH_RULE, _explain_date

    assert _explain_date(DATE_MONTH_RULE, "2025-13-01").startswith("Månad 13 finns inte")
    assert _explain_date(DATE_DAY_RULE, "2025-02-30") == "Dag 30 finns inte i februari 2025"


def test_impossible_month_in_a_year_folder(data_dir):
    from conftest import set_cell
    from serviceprogram.analysis.checks import validate_years

    set_cell(data_dir / "2025/serviceplatser.csv", 2, "oppnad", "2025-13-01")
    rules = [p.rule for p in validate_years(data_dir, [2025])[2025] if p.column == "oppnad"]
    assert rules == ["Månad 13 finns inte: en månad är 01–12 (datum skrivs ÅÅÅÅ-MM-DD)"]


def test_cap_warning_names_each_decision_and_the_sum():
    import pandas as pd
    from serviceprogram.inputs.caps import cap_warnings

    stod = pd.DataFrame({"diarienummer": ["D-1", "D-2"], "stodform": ["Servicebidrag"] * 2,
                         "mottagare": ["Byns Handel"] * 2, "belopp_kr": [200000, 100000]}, index=[2, 3])
    [warning] = cap_warnings(stod, 2025, "2025/stod.csv")
    assert warning.value == "200000" and warning.row == 2  # the cell's own value
    assert "sammanlagt 300\u00a0000\u00a0kr" in warning.rule
    assert "dnr D-1 på 200\u00a0000\u00a0kr (rad 2)" in warning.rule and "dnr D-2" in warning.rule


def test_new_year_keeps_the_workbook_and_keep_data_turns_csv_into_a_workbook(data_dir):
    from serviceprogram.inputs.loading import load_year
    from serviceprogram.inputs.newyear import describe, new_year

    before = load_year(data_dir, 2025)
    made = cli_in_process("template", "--data-dir", data_dir, "--year", 2025, "--keep-data")
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in (data_dir / "2025").iterdir() if p.is_file()) == ["uppfoljning.xlsx"]
    assert len(list((data_dir / "2025/tidigare-1").glob("*.csv"))) == 5  # moved, not deleted
    after = load_year(data_dir, 2025)
    for name, frame in before.tables.items():
        assert len(after.tables[name]) == len(frame), name
        assert after.tables[name].astype(str).values.tolist() == frame.astype(str).values.tolist(), name
    from serviceprogram import Report

    assert Report.load(2025, data_dir).table_file("serviceplatser") == "uppfoljning.xlsx, blad serviceplatser"
    assert Report.load(2024, data_dir).table_file("serviceplatser") == "serviceplatser.csv"
    result = new_year(data_dir, 2026)
    assert result.workbook and [p.name for p in (data_dir / "2026").iterdir()] == ["uppfoljning.xlsx"]
    book = load_workbook(data_dir / "2026/uppfoljning.xlsx")
    assert "Hjälp" in book.sheetnames and book["insatser"].data_validations.dataValidation
    assert len(load_year(data_dir, 2026).tables["serviceplatser"]) == len(before.tables["serviceplatser"])
    text = describe(result)
    assert "2026/uppfoljning.xlsx" in text and "1 stängda" not in text


def test_git_filter_stores_only_the_nbval_outputs(tmp_path):
    """What JupyterLab autosaves after Run All is stored exactly as the committed notebook."""
    for name in ("uppfoljning.ipynb", "programoversikt.ipynb"):
        stored = (ROOT / "notebooks" / name).read_text(encoding="utf-8")
        nb = nbformat.reads(stored, as_version=4)
        for number, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                cell.execution_count = number + 40
                cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
                if "nbval-check-output" not in cell.metadata.get("tags", []):
                    cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": "<p>Region X</p>"})]
        dirty = nbformat.writes(nb)
        assert dirty != stored
        cleaned = subprocess.run([sys.executable, str(ROOT / "scripts/clean_notebook.py")], input=dirty.encode(),
                                 capture_output=True, check=True).stdout.decode()
        assert cleaned == stored
        # make lab's pre-save hook writes the same bytes, so git status stays clean after autosave
        from serviceprogram.build.notebook_store import pre_save

        model = {"type": "notebook", "content": json.loads(dirty)}
        pre_save(model=model, path=name)
        assert nbformat.writes(model["content"]) + "\n" == stored
        kept = {"type": "notebook", "content": json.loads(dirty)}
        pre_save(model=kept, path=f"egna/{name}")  # the analyst's own notebooks keep their outputs
        assert nbformat.writes(nbformat.from_dict(kept["content"])) == dirty
    assert "notebooks/*.ipynb filter=notebook-outputs" in (ROOT / ".gitattributes").read_text()


def test_notebook_sections_have_markdown():
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for before, cell in zip(nb.cells, nb.cells[1:]):
            if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
                assert before.cell_type == "markdown", (path.name, cell.source)


def _fill_workbook(path: Path) -> None:
    """The analyst's first year, typed into the workbook that init wrote."""
    book = load_workbook(path)
    rows = {
        "insatser": [["2025-1", "Dagligvaror", "Stöd till byabutiker", "Minst fem besök", 5, 6, "Regionen",
                      "Genomförd", None],
                     ["2025-2", "Samverkan", "Serviceplaner i kommunerna", "Två nya planer", 2, 1, "Regionen",
                      "Pågår", None]],
        "stod": [["N-2025-1", "Servicebidrag", "Jokkmokks Lanthandel", "Jokkmokk", 120000, "2025-05-12", "P1"],
                 ["N-2025-2", "Särskilt driftstöd", "Pajala Bybutik", "Pajala", 200000, "2025-09-01", "P2"]],
        "foretagsbesok": [["2025-04-02", "Kiruna", "Vittangi Handel", "Fysiskt", "Kiruna kommun", None]],
        "serviceplatser": [["P1", "Jokkmokks Lanthandel", "Jokkmokk", "Jokkmokk", 66.6066, 19.8228,
                            "Fullsortiment", "ja", "ja", "nej", "ja", "nej", None, None, None],
                           ["P2", "Pajala Bybutik", "Pajala", "Pajala", 67.2130, 23.3640, "Fullsortiment",
                            "nej", "ja", "ja", "nej", "ja", "2025-06-01", None, None]],
    }
    for sheet, records in rows.items():
        for r, record in enumerate(records, start=2):
            for c, value in enumerate(record, start=1):
                book[sheet].cell(r, c).value = value
    plans = book["serviceplaner"]
    for r in range(2, 16):
        plans.cell(r, 2).value = "Antagen" if r == 2 else "Saknas"
        plans.cell(r, 3).value = "2025-03-01" if r == 2 else None
        plans.cell(r, 4).value = "Under framtagande"
    book.save(path)


def _no_example_names(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".csv", ".json", ".log", ".txt", ".md"):
            text = path.read_text(encoding="utf-8", errors="replace")
            found = [n for n in EXAMPLE_NAMES if n in text]
            assert not found, f"{path.name} nämner exemplets {found}"


def test_new_analyst_from_init_to_the_second_year(tmp_path):
    """Issue 13's new analyst: init, workbook, validate, report, new-year (workbook), report.

    The reports are built without their PDFs (tests/cli_without_pdf.py): nothing here reads one.
    """
    example_outputs = {p: p.stat().st_mtime_ns for p in (ROOT / "outputs").rglob("*")}
    folder, out = tmp_path / "norrbotten", tmp_path / "ut"
    assert cli_in_process("init", folder, "--lan", "25", "--year", 2025).returncode == 0
    fill_program(folder)
    _fill_workbook(folder / "2025/uppfoljning.xlsx")
    check = cli_in_process("validate", "--data-dir", folder)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("befolkning.csv") == 1  # missing population: one note, not an error
    built = run_cli_without_pdf("report", "--data-dir", folder, "--out", out, "--year", 2025, "--jobs", 1)
    assert built.returncode == 0, built.stderr
    made = cli_in_process("new-year", 2026, "--data-dir", folder)
    assert made.returncode == 0, made.stderr
    assert [p.name for p in (folder / "2026").iterdir()] == ["uppfoljning.xlsx"]
    built = run_cli_without_pdf("report", "--data-dir", folder, "--out", out, "--year", 2026, "--jobs", 1)
    assert built.returncode == 0, built.stderr
    figures = {}
    for year in (2025, 2026):
        assert (out / str(year) / f"uppfoljning-{year}.html").is_file()
        nb = json.loads((out / str(year) / f"uppfoljning-{year}.ipynb").read_text(encoding="utf-8"))
        assert "Region Norrbotten" in json.dumps(nb, ensure_ascii=False)
        figures[year] = (out / str(year) / f"indikatorer-{year}.csv").read_text(encoding="utf-8")
    for page in ("uppfoljning-2025.html", "tillganglighet-2025.html"):
        html = (out / "2025" / page).read_text(encoding="utf-8")
        assert "behöver befolkningsdata" in html and "befolkningsrutnät" in html, page
        assert "Pajala Bybutik" in html, page  # the driftstöd check needs no population
        assert "har fel" not in html, page
        assert html.count("Kontroll av 10-kilometersvillkoret") == 1 and "Table(" not in html, page
        assert "serviceplatser.csv" not in html, page  # the data came from the workbook
    _no_example_names(out)
    assert {p: p.stat().st_mtime_ns for p in (ROOT / "outputs").rglob("*")} == example_outputs
    print(figures[2025], figures[2026], sep="\n")


DRIFTSTOD_HEADING = "Kontroll av 10-kilometersvillkoret för särskilt driftstöd"


def test_driftstod_check_is_one_table_with_or_without_population(data_dir, built_2024):
    """The driftstöd block appears once, as a table, whether or not population data is there."""
    from serviceprogram import Report
    from serviceprogram.publishing.whatif import WhatIf

    shown = (built_2024 / "uppfoljning-2024.html").read_text(encoding="utf-8")
    (data_dir / "befolkning.csv").unlink()
    missing = Report.load(2024, data_dir).access_section().html
    whatif = WhatIf.load(2024, data_dir).show().html
    for html in (shown, missing, whatif):
        assert html.count(DRIFTSTOD_HEADING) == 1
        assert re.search(r"<caption>Tabell \d+\. Särskilt driftstöd 2024: avstånd", html)
        assert "Table(" not in html and "&#39;" not in html  # never a Python repr
    assert "behöver befolkningsdata" in missing and "behöver befolkningsdata" not in shown


def test_whatif_names_the_service_points_file_as_the_user_has_it(data_dir):
    from serviceprogram.publishing.whatif import WhatIf

    problems = WhatIf.load(2024, data_dir, ["X-1"]).problems
    assert [(p.file, p.column, p.value) for p in problems] == [("2024/serviceplatser.csv", "id", "X-1")]
    made = cli_in_process("template", "--data-dir", data_dir, "--year", 2024, "--keep-data")
    assert made.returncode == 0, made.stderr
    [problem] = WhatIf.load(2024, data_dir, "X-1").problems
    assert problem.file == "2024/uppfoljning.xlsx, blad serviceplatser"
    assert "uppfoljning.xlsx, blad serviceplatser" in problem.rule and "serviceplatser.csv" not in problem.rule


def test_every_stored_output_renders_as_html_and_no_report_cells_stay_out_of_the_report():
    """JupyterLab shows HTML, never raw text; the overview's CI cell is not in the built page."""
    from serviceprogram.publishing.render import notebook_to_html

    for path in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                assert "text/html" in output.get("data", {}), (path.name, cell.source)
    nb = nbformat.read(ROOT / "notebooks/programoversikt.ipynb", as_version=4)
    [check] = [c for c in nb.cells if "no-report" in c.metadata.get("tags", [])]
    assert "Nyckeltal som jämförs" in check.outputs[0]["data"]["text/html"]
    assert "Nyckeltal som jämförs" not in notebook_to_html(nb, "Programöversikt")
