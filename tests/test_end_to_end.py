"""The real command, end to end: data folder -> HTML, PDF and indicator CSV."""
from __future__ import annotations

import csv
import re
import shutil

import pytest
from conftest import DATA, cli_in_process, run_cli, set_cell

SEED_TEXTS = ["1 407 970 kr", "275 000 kr", "8 196 150 kr", "3 706 552 kr", "13 585 672 kr"]


run = run_cli


@pytest.fixture(scope="module")
def built(built_2024):
    return built_2024


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_outputs_are_written(built):
    names = sorted(p.name for p in built.iterdir())
    assert names == [".manifest.json", "indikatorer-2024.csv", "resultat", "tillganglighet-2024.html",
                     "tillganglighet-2024.ipynb", "tjansteskrivelse-2024.docx", "uppfoljning-2024.html",
                     "uppfoljning-2024.ipynb", "uppfoljning-2024.pdf", "uppfoljning-2024.xlsx"]


def test_html_shows_seed_figures_and_is_self_contained(built):
    html = (built / "uppfoljning-2024.html").read_text(encoding="utf-8")
    text = plain(html)
    for figure in SEED_TEXTS:
        assert figure in text
    assert '<html lang="sv">' in html
    assert "Exempeldata" in html
    assert "<script" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), "external reference found"
    assert "@import" not in html and "url(http" not in html
    images = re.findall(r"<img\b[^>]*>", html)
    assert images and all(re.search(r'alt="[^"]{20,}"', img) for img in images)
    assert "class=\"input" not in html and "In&nbsp;[" not in html  # no code cells
    assert "Valsjöbyn" in html and "Rötviken" in html and "Hallen" in html


def test_pdf_text_has_seed_figures(built):
    from pypdf import PdfReader

    reader = PdfReader(built / "uppfoljning-2024.pdf")
    pages = [page.extract_text() for page in reader.pages]  # once: pypdf takes about 3 s for the report
    text = plain("\n".join(pages))
    for figure in SEED_TEXTS:
        assert figure in text
    assert "Fysiska företagsbesök" in text and "Härjedalen" in text  # å ä ö survive
    assert len(reader.pages) > 5
    assert all("Exempeldata" in page for page in pages)
    assert re.search(r"Sida 1 av \d+", text)
    info = reader.metadata
    assert info.title.startswith("Uppföljning av regionalt serviceprogram 2024")
    assert "/Lang" in reader.trailer["/Root"]
    assert A4 == tuple(round(float(x)) for x in reader.pages[0].mediabox[2:])


A4 = (595, 842)


def test_indicator_csv(built):
    with open(built / "indikatorer-2024.csv", encoding="utf-8") as handle:
        rows = {(r["indikator"], r["dimension"]): r["varde"] for r in csv.DictReader(handle)}
    assert rows[("stod_belopp_kr", "Totalt")] == "13585672"
    assert rows[("stod_belopp_kr", "Hemsändningsbidrag")] == "1407970"
    assert rows[("stod_antal", "Investeringsbidrag")] == "20"
    assert rows[("foretagsbesok_antal", "Fysiskt")] == "20"
    assert rows[("sot_punkter_invigda", "Totalt")] == "3"


def test_broken_data_exit_1_lists_problems_and_writes_nothing(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    set_cell(data / "2024/stod.csv", 2, "belopp_kr", "mycket")
    set_cell(data / "2024/insatser.csv", 3, "status", "Klar")
    out = tmp_path / "out"
    result = run("report", "--data-dir", data, "--out", out, "--year", 2024, "--jobs", 1)  # one kernel to stop
    assert result.returncode == 1
    assert "2024/stod.csv" in result.stderr and "rad 2" in result.stderr and "belopp_kr" in result.stderr
    assert "2024/insatser.csv" in result.stderr and "'Klar'" in result.stderr
    assert "Traceback" not in result.stderr
    # Only the build log (OUT/logs/) records the failed attempt; no report file is written.
    # The folder's programme record (.serviceprogram.json) marks it as the tool's own, for later builds.
    assert not out.exists() or sorted(p.name for p in out.iterdir()) in (
        [], ["logs"], [".serviceprogram.json", "logs"])
    assert "avbröts" in (out / "logs" / "serviceprogram.log").read_text(encoding="utf-8")
    check = cli_in_process("validate", "--data-dir", data)
    assert check.returncode == 1 and "Fel (2)" in check.stdout


@pytest.mark.parametrize("args", [
    ["report", "--year", "../x"], ["report", "--year", "1999"], ["report", "--data-dir", "/finns/inte"],
    ["validate", "--year", "20244"], ["okänt-kommando"],
])
def test_wrong_usage_exit_2(args, tmp_path):
    result = run(*args, "--out", tmp_path) if args[0] == "report" else run(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr


def test_validate_ok():
    result = cli_in_process("validate", "--data-dir", DATA)
    assert result.returncode == 0
    assert "följer datakontraktet" in result.stdout


def test_template_new_year_and_problem_workbook_commands(data_dir, tmp_path):
    """The commands that write into the data folder (in this process: see conftest.cli_in_process)."""
    from openpyxl import load_workbook

    made = cli_in_process("new-year", 2026, "--data-dir", data_dir)
    assert made.returncode == 0, made.stderr
    assert "2025-M2 → 2026-M2" in made.stdout
    assert cli_in_process("new-year", 2026, "--data-dir", data_dir).returncode == 2  # never overwrites
    assert cli_in_process("validate", "--data-dir", data_dir, "--year", 2026).returncode == 0
    assert cli_in_process("template", "--year", 2027, "--data-dir", data_dir).returncode == 0
    assert cli_in_process("template", "--year", 2027, "--data-dir", data_dir).returncode == 2
    assert cli_in_process("template", "--year", 2027, "--data-dir", data_dir, "--force").returncode == 0
    set_cell(data_dir / "2024/stod.csv", 2, "belopp_kr", "=1+1")
    sheet = tmp_path / "fel.xlsx"
    check = cli_in_process("validate", "--data-dir", data_dir, "--year", 2024, "--xlsx", sheet)
    assert check.returncode == 1
    rows = list(load_workbook(sheet).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:6] == ("Typ", "Fil", "Rad", "Kolumn", "Värde", "Regel")
    assert ("Fel", "2024/stod.csv", 2, "belopp_kr", "=1+1") == rows[1][:5]


def test_exported_workbook_has_no_live_formulas(built):
    import zipfile

    with zipfile.ZipFile(built / "uppfoljning-2024.xlsx") as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and all("<f>" not in book.read(n).decode("utf-8") for n in sheets)


def test_new_user_reads_a_filled_template_and_a_windows_csv(data_dir):
    """The analyst's path: Excel template filled in for 2026, and 2024's support as Swedish Excel CSV.

    Read the way the build reads them (``Report.load``, what the report notebook calls); a build
    from a workbook year through the command is in test_newregion's new analyst (its second year).
    """
    from conftest import read_rows, write_rows
    from serviceprogram import Report
    from test_excel import fill_template

    fill_template(data_dir)  # 2026/uppfoljning.xlsx filled as Excel would
    path = data_dir / "2024/stod.csv"
    rows = read_rows(path)
    amount = rows[0].index("belopp_kr")
    for row in rows[1:]:
        row[amount] = f"{int(row[amount]):,} kr".replace(",", " ")  # "1 234 567 kr"
    write_rows(path, rows, delimiter=";", encoding="cp1252")
    check = cli_in_process("validate", "--data-dir", data_dir, "--year", 2024, "--year", 2026)
    assert check.returncode == 0, check.stdout + check.stderr
    workbook_year = Report.load(2026, data_dir)
    assert workbook_year.valid, workbook_year.problems
    assert "469 500 kr" in plain(workbook_year.support().html)
    csv_year = Report.load(2024, data_dir)
    assert csv_year.valid, csv_year.problems
    assert "13 585 672 kr" in plain(csv_year.support().html)


def test_an_empty_year_reads_as_sentences_not_zeros(data_dir):
    """A year without support, visits or activities in an area gets words, not "0 stöd" or ": ."."""
    from conftest import read_rows, write_rows
    from serviceprogram import Report

    for table in ("stod", "foretagsbesok"):
        write_rows(data_dir / f"2024/{table}.csv", read_rows(data_dir / f"2024/{table}.csv")[:1])
    rows = read_rows(data_dir / "2024/insatser.csv")
    area = rows[0].index("prioriterat_omrade")
    write_rows(data_dir / "2024/insatser.csv", [rows[0], *[r for r in rows[1:] if r[area] != "Medborgare"]])
    report = Report.load(2024, data_dir)
    assert report.valid, report.problems
    html = plain(report.support().html + report.visits().html + report.activities().html)
    assert "Inga beslut om stöd till kommersiell service fattades under 2024." in html
    assert "Inga företagsbesök finns registrerade för 2024." in html
    assert "Inga insatser i årets handlingsplan." in html
    assert "0 stöd" not in html and ": ." not in html
