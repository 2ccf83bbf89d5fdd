"""Issue 14: the analyst's own words, funding, the support types and the population per year.

Unit tests on small copies of the example data; the one memo written here is
read back with python-docx.
"""
from __future__ import annotations

import re
import zipfile

import docx
import pytest
from conftest import DATA
from serviceprogram.analysis.checks import load_checked_year
from serviceprogram.build.cache import inputs
from serviceprogram.errors import DataError
from serviceprogram.inputs import analyst_text as texts
from serviceprogram.inputs.program import load_program
from serviceprogram.publishing import memo
from serviceprogram.publishing.overview import Overview
from serviceprogram.publishing.report import Report

SCRIPT = '<script>alert("x")</script>'
SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&lt;", "<").replace("&gt;", ">").split())


def _write(data_dir, year, name, text):
    folder = data_dir / str(year) / "text"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def _problems(data_dir, year=2024):
    with pytest.raises(DataError) as caught:
        load_checked_year(data_dir, year)
    return [p for p in caught.value.problems if p.is_error]


# --- the analyst's text ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def example():
    return Report.load(2024, DATA)


def test_example_text_is_used_and_its_figures_come_from_the_indicators(example):
    items = memo.summary_items(example)
    assert isinstance(items[0], texts.Rendered) and items[0].label == "2024/text/sammanfattning.md"
    summary = " ".join(items[0].paragraphs).translate(SPACES)
    assert "Av årets tio insatser var åtta genomförda" in summary
    assert "8 196 150 kronor" in summary and "{{" not in summary
    assert all(isinstance(i, str) for i in items[1:])  # no area files: the generated paragraphs stand
    conclusions = _text(example.conclusions().html)
    assert conclusions.startswith("Slutsatser och fortsatt arbete")
    assert "hade fem av åtta kommuner en antagen serviceplan men bara två" in conclusions
    assert "8,6 procent av befolkningen" in conclusions.translate(SPACES)


def test_example_text_follows_the_language_rules(example):
    analyst = [i.html for i in memo.summary_items(example) if isinstance(i, texts.Rendered)]
    text = " ".join(_text(h) for h in [*analyst, example.conclusions().html])
    assert len(text) > 500
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        assert not sentence[:1].isdigit(), sentence
        assert not sentence[:1].islower(), sentence  # a reference in words must not open a sentence
    for number in re.findall(r"(?<![\d\u00a0 ,])(\d+)(?![\d\u00a0,])", text.replace("2024", "")):
        assert int(number) > 12 or number in {"2023", "2025"}, number
    assert "Beviljat" not in text and "data_dir" not in text and "{{" not in text


def test_without_text_the_generated_summary_stands(data_dir):
    import shutil

    shutil.rmtree(data_dir / "2024" / "text")
    report = Report.load(2024, data_dir)
    assert all(isinstance(i, str) for i in memo.summary_items(report))
    assert memo.summary_paragraphs(report)[0].startswith("Handlingsplanen för 2024 omfattade tio insatser")
    assert report.conclusions().html == ""
    assert "Slutsatser och fortsatt arbete" not in report.title_page().html


def test_an_area_text_replaces_the_area_paragraph(data_dir):
    _write(data_dir, 2024, "offentliga-intressenter.md", "Området hade {{ insatser_antal_per_omrade | "
                                                         "Offentliga intressenter|Totalt }} insatser.")
    paragraphs = memo.summary_paragraphs(Report.load(2024, data_dir))
    assert "Området hade tre insatser." in paragraphs
    assert not any(p.startswith("I området Offentliga intressenter") for p in paragraphs)


def test_script_in_markdown_never_becomes_markup(data_dir, tmp_path):
    _write(data_dir, 2024, "slutsatser.md",
           f"Första stycket {SCRIPT} och <b>fet</b>.\n\n<script>alert(1)</script>\n\n"
           "[länk](javascript:alert(1)) och ![bild](x.png)\n")
    report = Report.load(2024, data_dir)
    html = report.conclusions().html
    assert "<script" not in html and "<b>" not in html and 'href="javascript' not in html
    assert "<img" not in html and "x.png" not in html and "och bild" in html  # an image is its text only
    assert "&lt;script&gt;" in html
    path = memo.write_memo(report, tmp_path)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert "<script" not in xml and "&lt;script&gt;" in xml
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
    assert f"Första stycket {SCRIPT} och <b>fet</b>." in paragraphs


def test_markdown_to_word_blocks():
    blocks = texts.to_blocks("# Rubrik\n\nEtt **fett** och *kursivt* ord.\n\n- a\n- b\n\n1. ett\n")
    assert [(b.kind, b.text) for b in blocks] == [("h", "Rubrik"), ("p", "Ett fett och kursivt ord."),
                                                  ("li", "a"), ("li", "b"), ("li", "ett")]
    assert ("fett", True, False) in blocks[1].runs and ("kursivt", False, True) in blocks[1].runs
    assert blocks[-1].ordered and not blocks[2].ordered
    assert "<h3>Rubrik</h3>" in texts.to_html("# Rubrik")  # below the section's h2


def test_unknown_indicator_is_a_problem_naming_file_and_line(data_dir):
    _write(data_dir, 2024, "slutsatser.md", "Första raden.\n\nHär står {{ stod_antall }} beslut.\n"
                                            "Och {{ stod_antal | Bidrag }}.\n")
    problems = _problems(data_dir)
    by_value = {p.value: p for p in problems}
    unknown = by_value["{{ stod_antall }}"]
    assert unknown.file == "2024/text/slutsatser.md" and unknown.row == 3
    assert "Okänd indikator stod_antall" in unknown.rule
    dimension = by_value["{{ stod_antal | Bidrag }}"]
    assert dimension.row == 4 and "ingen dimension Bidrag" in dimension.rule and "Servicebidrag" in dimension.rule


def test_broken_reference_and_unknown_file_are_problems(data_dir):
    _write(data_dir, 2024, "slutsatser.md", "Ett {{ stod antal }} och {{ stod_antal.\n")
    _write(data_dir, 2024, "medborgar.md", "Text.")
    problems = _problems(data_dir)
    rules = {(p.file, p.row): p.rule for p in problems}
    assert "{{ indikator }}" in rules[("2024/text/slutsatser.md", 1)]
    assert "medborgare.md" in rules[("2024/text/medborgar.md", None)]


def test_access_reference_without_population_is_a_warning(data_dir):
    (data_dir / "befolkning.csv").unlink()
    _write(data_dir, 2024, "slutsatser.md", "Det är {{ tillganglighet_befolkning_over_10km | fullsortiment }}.")
    report = Report.load(2024, data_dir)  # the population file is optional: the year still loads
    [problem] = [p for p in report.data.warnings if p.file.endswith("slutsatser.md")]
    assert problem.row == 1 and "befolkningsfil" in problem.rule
    assert "[värde saknas: tillganglighet_befolkning_over_10km]" in report.conclusions().html


def test_text_files_are_inputs_of_the_build(data_dir):
    labels = inputs(data_dir, 2024)
    assert "data/2024/text/sammanfattning.md" in labels and "data/2024/text/slutsatser.md" in labels


def test_changed_text_is_read_again(data_dir):
    _write(data_dir, 2024, "slutsatser.md", "Första versionen.")
    assert "Första versionen." in Report.load(2024, data_dir).conclusions().html
    _write(data_dir, 2024, "slutsatser.md", "Andra versionen.")
    assert "Andra versionen." in Report.load(2024, data_dir).conclusions().html


# --- funding ---------------------------------------------------------------------------------


def test_funding_table_sums_and_appears_in_report_memo_and_overview(example, tmp_path):
    table = example.indicators.finansiering
    assert list(table.index) == ["Anslag 1:1 Regionala tillväxtåtgärder", "Regionala medel",
                                 "Kommunal medfinansiering", "Totalt"]
    for column in ("budget_kr", "beslutat_kr", "utbetalt_kr"):
        assert table.loc["Totalt", column] == table[column].drop("Totalt").sum()
    assert table.loc["Totalt"].tolist() == [14_000_000, 13_585_672, 11_797_970]
    long = example.long
    row = long[(long["indikator"] == "finansiering_utbetalt_kr") & (long["dimension"] == "Totalt")]
    assert row["varde"].tolist() == [11_797_970]
    support = _text(example.support().html).translate(SPACES)
    assert "Finansiering 2024 per källa" in support and "Totalt 14 000 000 kr 13 585 672 kr 11 797 970 kr" in support
    path = memo.write_memo(example, tmp_path)
    document = docx.Document(str(path))
    funding = [t for t in document.tables if t.rows[0].cells[0].text == "Källa"]
    assert funding and [c.text for c in funding[0].rows[-1].cells] == [
        "Totalt", "14\u00a0000\u00a0000", "13\u00a0585\u00a0672", "11\u00a0797\u00a0970"]
    overview = _text(Overview.load(DATA).show().html).translate(SPACES)
    assert "Finansiering per år, alla källor, kronor" in overview and "Utbetalt 9 365 000 kr 11 797 970 kr" in overview


def test_year_without_funding_has_no_section(data_dir):
    text = (data_dir / "program.toml").read_text(encoding="utf-8")
    text = re.sub(r"\[\[finansiering\]\]\nar = 2024\n(?:[a-z_]+ = .*\n)+", "", text)
    (data_dir / "program.toml").write_text(text, encoding="utf-8")
    report = Report.load(2024, data_dir)
    assert report.funding_table() is None and "Finansiering" not in report.support().html
    assert not report.long["indikator"].str.startswith("finansiering").any()


@pytest.mark.parametrize("block, column, rule", [
    ('ar = 2031\nkalla = "X"\nbudget_kr = 1\nbeslutat_kr = 1\nutbetalt_kr = 1', "finansiering",
     "utanför programperioden"),
    ('ar = 2024\nkalla = "Regionala medel"\nbudget_kr = 1\nbeslutat_kr = 1\nutbetalt_kr = 1', "finansiering",
     "mer än en gång"),
    ('ar = 2024\nkalla = "X"\nbudget_kr = -5\nbeslutat_kr = 1\nutbetalt_kr = 1', "finansiering nr 10, budget_kr",
     "heltal i kronor"),
    ('ar = 2024\nkalla = "X"\nbudget_kr = "1 000"\nbeslutat_kr = 1\nutbetalt_kr = 1',
     "finansiering nr 10, budget_kr", "heltal i kronor"),
    ('ar = 2024\nkalla = "X"\nbudget_kr = 1\nbeslutat_kr = 1', "finansiering nr 10, utbetalt_kr", "Nyckeln saknas"),
])
def test_funding_is_validated(data_dir, block, column, rule):
    text = (data_dir / "program.toml").read_text(encoding="utf-8")
    marker = "# --- Ärendet"
    text = text.replace(marker, f"[[finansiering]]\n{block}\n\n{marker}")
    (data_dir / "program.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_program(data_dir)
    assert any(p.column == column and rule in p.rule for p in caught.value.problems), caught.value.problems


# --- support types and population per year --------------------------------------------------


def test_support_types_table(example):
    table = example.support_types_table()
    assert [r[0] for r in table.rows] == ["Hemsändningsbidrag", "Servicebidrag", "Investeringsbidrag",
                                          "Särskilt driftstöd"]
    rows = {r[0]: r for r in table.rows}
    assert rows["Servicebidrag"][2].translate(SPACES) == "250 000 kr per mottagare och år"
    assert rows["Särskilt driftstöd"][2].translate(SPACES) == "300 000 kr per mottagare och år"  # the 2024 cap
    assert rows["Investeringsbidrag"][2] == "Inget tak i kronor" and "50 procent" in rows["Investeringsbidrag"][3]
    assert rows["Hemsändningsbidrag"][1].startswith("Kommunen")
    assert "Stödformerna 2024" in example.support().html


def test_population_per_year_is_used_and_stated(data_dir):
    text = (data_dir / "program.toml").read_text(encoding="utf-8")
    text = text.replace("folkmangd = 64979\n", "folkmangd = 64979\nfolkmangd_per_ar = { 2023 = 60000 }\n")
    (data_dir / "program.toml").write_text(text, encoding="utf-8")
    program = load_program(data_dir)
    assert program.population(2023) == program.population(2024) - 4979
    per_capita = {y: Report.load(y, data_dir).indicators.stod_per_kommun.loc["Hela länet"] for y in (2023, 2024)}
    assert per_capita[2023]["folkmangd"] == program.population(2023)
    assert per_capita[2024]["folkmangd"] == program.folkmangd
    html = Overview.load(data_dir).show().html
    assert "med årets folkmängd där programbeskrivningen anger den (2023)" in html
    assert "samma folkmängd" not in html


def test_same_population_is_stated():
    assert "räknas för alla år med samma folkmängd" in Overview.load(DATA).show().html


def test_population_per_year_is_validated(data_dir):
    text = (data_dir / "program.toml").read_text(encoding="utf-8")
    text = text.replace("folkmangd = 64979\n", 'folkmangd = 64979\nfolkmangd_per_ar = { tjugo = 5, 2024 = 0 }\n')
    (data_dir / "program.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_program(data_dir)
    columns = {p.column for p in caught.value.problems}
    assert any(c.startswith("kommuner nr 8, folkmangd_per_ar") for c in columns), columns
