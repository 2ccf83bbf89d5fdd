"""Large data stays usable (issue 11): long lists are cut in the HTML/PDF with a caption
line saying where the whole list is, very long cell text is cut and may wrap, and the
year's workbook keeps every row. Unit level: no full build (the 100 000-decision build
is measured by scripts/bench_large.py, not timed here)."""
from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from serviceprogram.errors import Problem
from serviceprogram.publishing import report as rep
from serviceprogram.publishing.report import (
    MAX_CELL_CHARS,
    MAX_TABLE_ROWS,
    MAX_TOKEN_CHARS,
    Document,
    Report,
    cell_text,
)
from serviceprogram.publishing.workbooks import LIST_SHEETS, build_indicator_workbook
from serviceprogram.xlsx import save_workbook, write_value

DATA = Path(__file__).resolve().parents[1] / "data"
TOKEN = "Ö" + "x" * 99_999  # one unbroken 100 000-character token


def plain(html: str) -> str:
    """Text of an HTML fragment with tags removed and no-break spaces as spaces."""
    return unescape(re.sub(r"<[^>]+>", "", html)).replace("\u00a0", " ")


def render_table(table) -> str:
    document = Document()
    return document._env.from_string(
        "{% from 'sections/macros.html.j2' import table %}{{ table(t) }}").render(t=table)


def body_rows(html: str) -> int:
    return html.split("<tbody>", 1)[1].count("<tr")


def warning(i: int, value: str = "900000") -> Problem:
    return Problem("2024/stod.csv", i + 2, "belopp_kr", value, f"Beloppet överstiger taket (rad {i})", "varning")


@pytest.fixture(scope="module")
def report_2024():
    report = Report.load(2024, DATA)
    assert report.valid
    return report


@pytest.mark.parametrize("count", [MAX_TABLE_ROWS + 1, 100_000])
def test_long_table_shows_first_rows_and_says_where_the_rest_is(count):
    document = Document()
    document.year = 2024
    rows = ([str(i), f"Butik {i}"] for i in range(count))
    table = document._table("Lista", ["Nr", "Butik"], rows, full_list=("uppfoljning-2024.xlsx", "Varningar"),
                            total=count)
    html = render_table(table)
    shown = f"{count:,}".replace(",", " ")
    assert f"Visar {MAX_TABLE_ROWS} av {shown} rader; hela listan finns i uppfoljning-2024.xlsx, bladet Varningar." \
        in plain(html)
    assert body_rows(html) == MAX_TABLE_ROWS
    assert f"Butik {MAX_TABLE_ROWS - 1}<" in html and f"Butik {MAX_TABLE_ROWS}<" not in html


def test_short_table_and_summary_tables_are_not_cut():
    document = Document()
    listed = document._table("Lista", ["Nr"], [[str(i)] for i in range(MAX_TABLE_ROWS)],
                             full_list="uppfoljning-2024.xlsx")
    summary = document._table("Per kommun", ["Kommun"], [[str(i)] for i in range(MAX_TABLE_ROWS + 10)])
    for table, rows in ((listed, MAX_TABLE_ROWS), (summary, MAX_TABLE_ROWS + 10)):
        html = render_table(table)
        assert "Visar" not in html
        assert body_rows(html) == rows


def test_long_token_is_cut_and_may_wrap_in_a_cell():
    html = str(cell_text("<b>" + TOKEN))
    text = plain(html)
    assert len(text) == MAX_TOKEN_CHARS and text.endswith("\u2026")
    assert text.startswith("<b>Öxxx")  # escaped, never markup
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert re.search(r'<span class="long">[^<]*\u2026</span>', html)
    # ordinary text is left as it is, a long rule in words too; absurdly long text is cut
    assert str(cell_text("Hammarstrands Drivmedel")) == "Hammarstrands Drivmedel"
    sentence = "Beslutet om stöd överstiger taket i förordningen. " * 12
    assert str(cell_text(sentence)) == sentence
    long_text = plain(str(cell_text(sentence * 10)))
    assert len(long_text) <= MAX_CELL_CHARS and long_text.endswith("\u2026")
    # a long token in the report's table, the neighbouring cells untouched
    document = Document()
    html = render_table(document._table("T", ["Ort", "Värde", "Regel"], [["Sveg", TOKEN, "Kort regel"]]))
    assert len(html) < 2_000
    assert '<td><span class="long">' in html and "<td>Kort regel</td>" in html


def test_report_css_lets_only_marked_tokens_break_anywhere():
    from serviceprogram.publishing.render import template_dir

    css = (template_dir() / "rapport" / "rapport.css").read_text(encoding="utf-8")
    assert re.search(r"^\.long \{[^}]*overflow-wrap: anywhere", css, re.M)
    assert not re.search(r"^(td|th, td|table td)[^{]*\{[^}]*anywhere", css, re.M)


def test_report_lists_of_warnings_are_cut(report_2024, monkeypatch):
    many = [warning(i) for i in range(MAX_TABLE_ROWS * 3)]
    monkeypatch.setattr(report_2024.data, "warnings", many)
    line = f"Visar {MAX_TABLE_ROWS} av {len(many)} rader; hela listan finns i uppfoljning-2024.xlsx, bladet Varningar."
    for html in (report_2024.support().html, report_2024.method().html):
        assert line in plain(html)
        problems = html.split('<table class="problems">', 1)[1]
        assert body_rows(problems.split("</table>", 1)[0]) == MAX_TABLE_ROWS


def test_invalid_page_cuts_the_problem_list():
    problems = [Problem("2024/stod.csv", i + 2, "belopp_kr", "x", "Värdet är inte ett tal") for i in range(120)]
    html = Report(2024, DATA, None, None, problems).title_page().html
    assert (f"Visar {MAX_TABLE_ROWS} av 120 rader; hela listan finns i den Excel-fil som serviceprogram "
            "validate --year 2024 --xlsx FIL skriver.") in plain(html)
    assert body_rows(html) == MAX_TABLE_ROWS


def test_workbook_keeps_every_row_of_the_lists(report_2024, tmp_path):
    count = MAX_TABLE_ROWS * 3
    warnings = [warning(i, TOKEN if i == 0 else "900000") for i in range(count)]
    driftstod = pd.DataFrame({
        "diarienummer": [f"RUN/{i}/2024" for i in range(count)], "mottagare": "Butik AB", "kommun": "Berg",
        "belopp_kr": 100_000, "serviceplats_id": "SP-BRG-001", "namn": [f"Butik {i}" for i in range(count)],
        "avstand_km": [12.5] * (count - 1) + [float("inf")], "bedomning": "Över 10 km", "anmarkning": ""})
    book = build_indicator_workbook(report_2024.indicators, report_2024.program, warnings, driftstod)
    path = save_workbook(book, tmp_path / rep.export_name(2024))
    book = load_workbook(path, read_only=True)
    assert list(LIST_SHEETS) == [rep.WARNINGS_SHEET, rep.DRIFTSTOD_SHEET]
    assert set(LIST_SHEETS) <= set(book.sheetnames)
    rows = list(book[rep.WARNINGS_SHEET].iter_rows(values_only=True))
    assert rows[0] == ("Typ", "Fil", "Rad", "Kolumn", "Värde", "Regel")
    assert len(rows) == count + 1
    assert rows[-1][2] == count + 1 and rows[-1][5] == f"Beloppet överstiger taket (rad {count - 1})"
    assert rows[1][4].startswith("Öxxx") and len(rows[1][4]) == 32_767  # Excel's limit for a cell
    names = [r[5] for r in book[rep.DRIFTSTOD_SHEET].iter_rows(values_only=True)]
    assert [n for n in names if n and n.startswith("Butik ")] == [f"Butik {i}" for i in range(count)]


def test_cell_text_fits_excel_limit(tmp_path):
    from openpyxl import Workbook

    ws = Workbook().active
    assert write_value(ws.cell(1, 1), "kort").value == "kort"
    value = write_value(ws.cell(1, 2), TOKEN).value
    assert len(value) == 32_767 and value.endswith("\u2026")


def test_build_writes_the_lists_into_the_year_workbook(report_2024, tmp_path):
    from serviceprogram.build.engine import exports_part

    exports_part(tmp_path, DATA, 2024, data=report_2024.data, previous=report_2024.previous)
    book = load_workbook(tmp_path / rep.export_name(2024), read_only=True)
    warnings = list(book[rep.WARNINGS_SHEET].iter_rows(values_only=True))
    assert len(warnings) == len(report_2024.data.warnings) + 1
    drift = [r for r in book[rep.DRIFTSTOD_SHEET].iter_rows(values_only=True) if r[0] and r[0].startswith("RUN/")]
    assert len(drift) == len(report_2024.driftstod) > 0


def test_cap_warning_names_the_first_decisions_and_counts_the_rest():
    from serviceprogram.inputs.caps import MAX_LISTED_DECISIONS, cap_warnings

    count = 2_000
    stod = pd.DataFrame({"diarienummer": [f"RUN/{i}/2024" for i in range(count)], "stodform": "Särskilt driftstöd",
                         "mottagare": "Lanthandeln Valsjöbyn", "kommun": "Krokom", "belopp_kr": 1_000,
                         "beslutsdatum": pd.Timestamp("2024-03-01"), "serviceplats_id": None},
                        index=range(2, count + 2))
    warnings = [w for w in cap_warnings(stod, 2024, "2024/stod.csv") if "Särskilt driftstöd" in w.rule]
    assert warnings
    rule = warnings[0].rule
    assert f"dnr RUN/{MAX_LISTED_DECISIONS - 1}/2024" in rule and f"dnr RUN/{MAX_LISTED_DECISIONS}/2024" not in rule
    more = f"{count - MAX_LISTED_DECISIONS:,}".replace(",", "\u00a0")
    assert f"och {more} beslut till." in rule
    assert len(rule) < 1_500


def test_page_without_population_shows_the_driftstod_table(report_2024):
    # It printed the Table object's repr before; now the same table as in the report, cut like it.
    html = report_2024.no_population_section().html
    assert "Table(" not in html
    assert "<table" in html and "Särskilt driftstöd 2024" in html and "<td>Krokom</td>" in html
