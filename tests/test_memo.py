"""The board memo draft (tjänsteskrivelse): figures agree with the checked answer files.

The memo is written to a temporary folder and read back with python-docx.
Its figures are compared with ``tests/answers/indikatorer-<year>.csv``, the
checked-in answer files (not a CSV written from the same report object), and
the 2024 support figures with the seed memo's figures, each figure beside its
label, so that one wrong figure fails a test. Numbers up to twelve are
written in words in running text.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
import zipfile
from pathlib import Path

import docx
import pandas as pd
import pytest
from conftest import ANSWERS, DATA
from serviceprogram.errors import UsageError
from serviceprogram.publishing import memo
from serviceprogram.publishing.memo import words
from serviceprogram.publishing.report import Report

YEARS = (2023, 2024, 2025)
MONTHS = ("januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december")
SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
NUMBER = re.compile(r"(?<![\w,])(\d{1,3}(?: \d{3})+|\d+)(?:,(\d+))?(?![\w])(\s*(?:%|procent\b|km\b))?")
DATE = re.compile(rf"\b\d{{1,2}} (?:{MONTHS})(?: \d{{4}})?\b")
LABEL = re.compile(r"\bTabell \d+\b")
OVER_ID = re.compile(r"tillganglighet_befolkning_over_(\d+(?:_\d+)?)km")


# --- helpers --------------------------------------------------------------------------------


def read_csv(path: Path) -> dict[tuple[str, str], float]:
    """The indicator CSV as {(indikator, dimension): value}, parsed here on purpose."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == ["indikator", "dimension", "varde"]
    return {(r["indikator"], r["dimension"]): float(r["varde"]) for r in rows}


def docx_texts(path: Path) -> list[str]:
    """All body paragraphs and table cell paragraphs, in document order."""
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                texts += [p.text for p in cell.paragraphs]
    return [t for t in texts if t.strip()]


def header_texts(path: Path) -> list[str]:
    document = docx.Document(str(path))
    return [p.text for s in document.sections for p in s.header.paragraphs]


def _matches(value: float, shown: float, decimals: int) -> bool:
    return round(value, decimals) == shown


def stray_numbers(text: str, values: dict[tuple[str, str], float]) -> list[str]:
    """Numbers in ``text`` that are not a year, a date, a label or a CSV value.

    Shares (``8,6 procent``, ``8,6 %``) are compared with the CSV's shares
    times 100, distances (``10 km``) with the limit in the indicator ids.
    """
    text = LABEL.sub(" ", DATE.sub(" ", text.translate(SPACES)))
    plain = set(values.values())
    shares = [v * 100 for (i, _), v in values.items() if "andel" in i]
    limits = {float(m.group(1).replace("_", ".")) for i, _ in values if (m := OVER_ID.fullmatch(i))}
    stray = []
    for match in NUMBER.finditer(text):
        whole, decimals, unit = match.group(1), match.group(2), (match.group(3) or "").strip()
        number = float(whole.replace(" ", "") + ("." + decimals if decimals else ""))
        digits = len(decimals) if decimals else 0
        if unit in ("%", "procent"):
            ok = any(_matches(v, number, digits) for v in shares)
        elif unit == "km":
            ok = number in limits
        elif " " not in whole and not decimals and len(whole) == 4 and 1990 <= number <= 2100:
            ok = True  # a year (years are written without a thousands separator)
        else:
            ok = any(_matches(v, number, digits) for v in plain)
        if not ok:
            stray.append(match.group(0).strip())
    return stray


WORDS = {w: i for i, w in enumerate(("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio",
                                       "tio", "elva", "tolv"))}
WORDS["ett"] = 1


def parse_figure(text: str) -> tuple[float, int, bool]:
    """``"1 407 970 kronor"`` -> (1407970.0, 0, False); ``"8,6 procent"`` -> (8.6, 1, True); ``"tre"`` -> 3."""
    text = text.translate(SPACES)
    if text in WORDS:
        return float(WORDS[text]), 0, False
    match = re.fullmatch(r"(\d{1,3}(?: \d{3})*|\d+)(?:,(\d+))?(?: (kronor|procent))?", text)
    assert match, f"not a formatted figure: {text!r}"
    number = float(match.group(1).replace(" ", "") + ("." + match.group(2) if match.group(2) else ""))
    return number, len(match.group(2) or ""), match.group(3) == "procent"


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Memo and indicator CSV of every example year, written once."""
    out = {}
    for year in YEARS:
        folder = tmp_path_factory.mktemp(f"memo-{year}")
        report = Report.load(year, DATA)
        assert report.valid
        path = memo.write_memo(report, folder)
        out[year] = (report, path, read_csv(ANSWERS / f"indikatorer-{year}.csv"))
    return out


def summary_texts(path: Path, year: int) -> list[str]:
    """The memo's follow-up part (from "Uppföljningen av <year>" to "Beslutsunderlag") and its tables.

    The header, mandate and signature hold dates, paragraphs and case numbers
    from ``[arende]``; they are checked separately.
    """
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    part = texts[texts.index(f"Uppföljningen av {year}") + 1:texts.index("Beslutsunderlag")]
    for table in document.tables[1:]:
        for row in table.rows:
            part += [c.text for c in row.cells]
    return [t for t in part if t.strip()]


def variant(edit) -> Report:
    """The 2024 report with its tables edited before any indicator is computed."""
    report = Report.load(2024, DATA)
    edit(report.data.tables)
    report.data.texts.clear()  # the generated text; the analyst's own words: tests/test_analyst_text.py
    return report


# --- consistency with the indicator CSV -----------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_every_number_in_the_memo_is_in_the_indicator_csv(built, year):
    report, path, values = built[year]
    texts = summary_texts(path, year)
    assert len(texts) > 20
    stray = {t: s for t in texts if (s := stray_numbers(t, values))}
    assert not stray, f"numbers not found in indikatorer-{year}.csv: {stray}"


@pytest.mark.parametrize("year", YEARS)
def test_memo_figures_match_the_csv_and_appear_in_the_memo(built, year):
    report, path, values = built[year]
    figures = memo.memo_figures(report)
    assert len(figures) >= 20
    text = "\n".join(docx_texts(path)).translate(SPACES)
    for indicator, dimension, shown in figures:
        assert (indicator, dimension) in values, (indicator, dimension)
        number, decimals, share = parse_figure(shown)
        value = values[(indicator, dimension)] * (100 if share else 1)
        assert round(value, decimals) == number, (indicator, dimension, shown, value)
        assert shown.translate(SPACES) in text, shown


def test_summary_paragraphs_are_the_memo_summary(built):
    report, path, _ = built[2024]
    paragraphs = memo.summary_paragraphs(report)
    texts = docx_texts(path)
    for paragraph in paragraphs:
        assert paragraph in texts
    assert all("<" not in p and ">" not in p and "&" not in p for p in paragraphs)


def test_checker_flags_figures_that_are_not_in_the_csv():
    values = {("stod_belopp_kr", "Totalt"): 13585672.0, ("tillganglighet_andel_over_10km", "fullsortiment"): 0.08566,
              ("tillganglighet_befolkning_over_10km", "fullsortiment"): 11379.0}
    ok = "Under 2024 fattades beslut om stöd på 13\u00a0585\u00a0672 kronor; 11\u00a0379 personer, 8,6 procent, mer än 10 km."
    assert stray_numbers(ok, values) == []
    assert stray_numbers("Sammanlagt 13 585 673 kronor.", values) == ["13 585 673"]
    assert stray_numbers("Det är 8,7 procent.", values) == ["8,7 procent"]
    assert stray_numbers("Mer än 12 km.", values) == ["12 km"]
    assert stray_numbers("Invigd den 13 juni 2024, se tabell.", values) == []


# --- the 2024 facts of the seed memo --------------------------------------------------------


def test_seed_figures_of_2024_are_in_the_memo(built):
    _, path, _ = built[2024]
    text = "\n".join(docx_texts(path)).translate(SPACES)
    for amount in ("1 407 970", "275 000", "8 196 150", "3 706 552", "13 585 672"):
        assert f"{amount} kronor" in text, amount
        assert amount in [t.translate(SPACES) for t in docx_texts(path)], f"{amount} not in the table"
    assert "20 fysiska företagsbesök" in text and "digitala" not in text
    for place in ("Valsjöbyn", "Rötviken", "Hallen"):
        assert place in text
    assert "Valsjöbyn och Rötviken i Krokoms kommun samt Hallen i Åre kommun" in text
    assert "Bergs kommun en serviceplan" in text and "Krokoms kommun en handlingsplan" in text
    assert "fågelvägen" in text


def test_support_table_rows(built):
    report, path, _ = built[2024]
    table = docx.Document(str(path)).tables[1]
    rows = [[c.text.translate(SPACES) for c in r.cells] for r in table.rows]
    assert rows[0] == ["Stödform", "Antal beslut", "Belopp, kronor"]
    expected = report.indicators.stod_per_form
    assert [r[0] for r in rows[1:]] == list(expected.index)
    for row in rows[1:]:
        assert int(row[1]) == expected.loc[row[0], "antal"]
        assert int(row[2].replace(" ", "")) == expected.loc[row[0], "belopp_kr"]


# --- wording ----------------------------------------------------------------------------------


def test_phrase_helpers_singular_and_plural():
    assert memo.count_phrase(1, "SOT-punkt", "SOT-punkter") == "1\u00a0SOT-punkt"
    assert memo.count_phrase(2, "SOT-punkt", "SOT-punkter") == "2\u00a0SOT-punkter"
    assert memo.count_phrase(1407, "kommun", "kommuner") == "1\u00a0407\u00a0kommuner"
    assert memo.count_phrase(0, "insats", "insatser") == "0\u00a0insatser"
    assert memo.join_sv(["a"]) == "a"
    assert memo.join_sv(["a", "b"]) == "a och b"
    assert memo.join_sv(["a", "b", "c"], "samt") == "a, b samt c"
    assert memo.kommun_name("Krokom") == "Krokoms kommun"
    assert memo.kommun_name("Åre") == "Åre kommun"
    assert memo.kommun_name("Bollnäs") == "Bollnäs kommun"
    assert memo.starts_with_digit("Bra. 3 saker.") and not memo.starts_with_digit("Under 2024 hände 3 saker.")


def _one_of_each(tables):
    points = tables["serviceplatser"]
    sot = points["sot_punkt"] & (points["sot_invigd"].dt.year == 2024)
    keep = points.index[sot][0]
    points.loc[sot & (points.index != keep), "sot_invigd"] = pd.Timestamp("2023-05-01")
    visits = tables["foretagsbesok"]
    visits = visits.iloc[:2].copy()  # 2024 has physical visits only: make the second one digital
    visits.iloc[1, visits.columns.get_loc("form")] = "Digitalt"
    tables["foretagsbesok"] = visits
    stod = tables["stod"]
    tables["stod"] = stod.loc[[stod.index[stod["stodform"] == "Servicebidrag"][0]]]
    plans = tables["serviceplaner"]
    antagen = plans.index[plans["serviceplan"] == "Antagen"]
    plans.loc[antagen[1:], "serviceplan"] = "Under framtagande"


def test_singular_forms_in_a_year_with_one_of_each():
    report = variant(_one_of_each)
    text = " ".join(memo.summary_paragraphs(report)).translate(SPACES)
    assert "invigdes en SOT-punkt (service- och trygghetspunkt):" in text
    assert "en SOT-punkter" not in text
    assert "gjordes två företagsbesök, varav ett fysiskt och ett digitalt." in text
    assert "ett fysiska" not in text and "ett digitala" not in text
    assert "fattades ett beslut om stöd" in text and "Samtliga beslut gällde servicebidrag." in text
    assert "beslutades" not in text
    assert "Inga beslut fattades om hemsändningsbidrag, investeringsbidrag eller särskilt driftstöd." in text
    assert "hade en kommun en antagen serviceplan" in text
    values = {(i, d): float(v) for i, d, v in report.long.itertuples(index=False)}
    for paragraph in memo.summary_paragraphs(report):
        assert stray_numbers(paragraph, values) == [], paragraph


def test_plural_forms_in_2024(built):
    report, _, _ = built[2024]
    text = " ".join(memo.summary_paragraphs(report)).translate(SPACES)
    assert "invigdes tre SOT-punkter (service- och trygghetspunkter):" in text
    assert "gjordes 20 fysiska företagsbesök." in text
    assert "hade fem kommuner en antagen serviceplan" in text
    assert "fattades 49 beslut om stöd till kommersiell service på sammanlagt 13 585 672 kronor" in text


def test_a_year_with_nothing_reads_as_words():
    def empty(tables):
        for name in ("stod", "foretagsbesok", "insatser"):
            tables[name] = tables[name].iloc[0:0]
        tables["serviceplatser"]["sot_punkt"] = False

    text = " ".join(memo.summary_paragraphs(variant(empty)))
    assert "inga beslut om stöd" in text
    assert "Inga företagsbesök" in text
    assert "Inga nya SOT-punkter" in text
    assert "innehöll inga insatser" in text


@pytest.mark.parametrize("year", YEARS)
def test_no_sentence_starts_with_a_digit(built, year):
    _, path, _ = built[year]
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]
    for text in paragraphs:  # body text; table cells are figures, not sentences
        for sentence in sentences(text):
            assert not sentence[0].isdigit(), sentence


# --- the document -------------------------------------------------------------------------


def test_headings_follow_the_regions_memo(built):
    report, path, _ = built[2024]
    document = docx.Document(str(path))
    by_style = {}
    for p in document.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["Heading 1"] == ["Uppföljning av regionalt serviceprogram 2023–2030 – år 2024"]
    assert document.styles["Heading 1"].style_id == "Heading1"
    order = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert order == ["Uppföljning av regionalt serviceprogram 2023–2030 – år 2024", "Regiondirektörens förslag",
                     "Ärendebeskrivning", "Bakgrund", "Uppföljningen av 2024", "Slutsatser och fortsatt arbete",
                     "Beslutsunderlag", "I tjänsten"]
    texts = [p.text for p in document.paragraphs]
    assert texts[texts.index("Regiondirektörens förslag") + 1] == (
        "Uppföljningen av det regionala serviceprogrammet för 2024 godkänns.")


def test_header_mandate_and_signatures_from_the_case_table(built):
    report, path, _ = built[2024]
    texts = docx_texts(path)
    for expected in ("Regionala utvecklingsnämnden", "Diarienummer: RUN/11/2025", "Datum: 2025-03-25",
                     "Samhällsutveckling", "malin.nyqvistljungberg@regionjh.se"):
        assert expected in texts, expected
    joined = "\n".join(texts)
    assert "[" not in joined and "]" not in joined, "a placeholder is left although [arende] is given"
    assert ("Regionala utvecklingsnämnden beslutade den 23 maj 2023, § 89, att fastställa regionalt "
            "serviceprogram för åren 2023–2030") in joined
    assert "beslutade den 15 oktober 2024, § 123," in joined
    assert "Tjänsteskrivelse, 2025-03-25" in texts
    assert "Sara Lewerentz\nRegiondirektör" in texts and "Elin Nirjens\nTf. områdeschef Hållbar tillväxt" in texts
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    background = " ".join(paragraphs[paragraphs.index("Bakgrund") + 1:paragraphs.index("Uppföljningen av 2024")])
    assert "Programmet gäller åren" not in background  # the name already holds 2023–2030
    assert "Länsstyrelsen Jämtlands län i nätverket Service Z" in background
    assert "riktlinjer från Tillväxtverket" in background
    for area in report.program.prioriterade_omraden:
        assert area in background


def test_without_case_table_placeholders_and_no_fixed_claims(tmp_path):
    report = Report.load(2024, DATA)
    report.program = dataclasses.replace(report.program, arende=None, program="Serviceprogrammet")
    texts = docx_texts(memo.write_memo(report, tmp_path))
    joined = "\n".join(texts)
    assert "Diarienummer: [Diarienummer]" in texts and "[Namn och titel på den som undertecknar]" in texts
    assert "Programmet gäller åren 2023–2030." in joined  # the name does not hold the years
    assert "Tillväxtverket" not in joined and "länsstyrelsen" not in joined.lower().replace(
        "länsstyrelsen jämtlands län", "")
    assert "Uppföljningen av det regionala serviceprogrammet för 2024 godkänns." in texts


def test_one_wrong_figure_is_caught(built, monkeypatch):
    """Mutation check of the figure test: one amount off by one krona must fail it."""
    report, _, values = built[2024]
    original = words._Figures.value

    def wrong(self, indicator, dimension=memo.TOTAL):
        value = original(self, indicator, dimension)
        return value + 1 if (indicator, dimension) == ("stod_belopp_kr", "Servicebidrag") else value

    monkeypatch.setattr(words._Figures, "value", wrong)
    mismatched = []
    for indicator, dimension, shown in memo.memo_figures(Report.load(2024, DATA)):
        number, decimals, share = parse_figure(shown)
        if round(values[(indicator, dimension)] * (100 if share else 1), decimals) != number:
            mismatched.append((indicator, dimension))
    assert ("stod_belopp_kr", "Servicebidrag") in mismatched


def test_support_figures_stand_beside_their_labels(built):
    """Each support type of the seed with its own count and amount, in the text and the table."""
    _, path, _ = built[2024]
    text = " ".join(summary_texts(path, 2024)).translate(SPACES)
    with open(ANSWERS / "seed_figures_2024.csv", encoding="utf-8") as handle:
        seed = {r["indikator"]: r for r in csv.DictReader(handle)}
    for form in ("Hemsändningsbidrag", "Servicebidrag", "Investeringsbidrag", "Särskilt driftstöd"):
        count = int(seed[form]["antal"])
        words = {v: k for k, v in WORDS.items() if k != "en"}.get(count, str(count))
        amount = f"{int(seed[form]['belopp_kr']):,}".replace(",", " ")
        assert f"{form.lower()}, med {words} beslut och {amount} kronor" in text or \
            f"{form.lower()} med {words} beslut och {amount} kronor" in text, form


def test_number_in_words():
    from serviceprogram.text import count_text, number_in_words

    assert [number_in_words(i) for i in (0, 1, 2, 7, 10, 11, 12)] == [
        "noll", "en", "två", "sju", "tio", "elva", "tolv"]
    assert number_in_words(1, neuter=True) == "ett"
    assert number_in_words(13) == "13" and number_in_words(1407) == "1\u00a0407"
    assert number_in_words(2.5) == "2,5"
    assert count_text(1, "beslut", "beslut", neuter=True) == "ett beslut"
    assert count_text(3, "SOT-punkt", "SOT-punkter") == "tre SOT-punkter"


def test_example_data_note_at_the_top_and_in_the_page_header(built):
    _, path, _ = built[2024]
    document = docx.Document(str(path))
    assert document.paragraphs[0].text == memo.EXAMPLE_NOTE
    assert memo.EXAMPLE_NOTE == "Exempeldata – utkastet bygger på delvis påhittade uppgifter"
    assert memo.EXAMPLE_NOTE in header_texts(path)


def test_no_example_data_note_for_real_data(tmp_path):
    report = Report.load(2024, DATA)
    report.program = dataclasses.replace(report.program, exempeldata=False)
    path = memo.write_memo(report, tmp_path)
    assert memo.EXAMPLE_NOTE not in "\n".join(docx_texts(path) + header_texts(path))
    assert docx.Document(str(path)).paragraphs[0].text != memo.EXAMPLE_NOTE


def test_language_properties_and_fixed_dates(built):
    _, path, _ = built[2024]
    document = docx.Document(str(path))
    core = document.core_properties
    assert core.language == "sv-SE"
    assert core.title.startswith("Uppföljning av ")
    with zipfile.ZipFile(path) as package:
        styles = package.read("word/styles.xml").decode("utf-8")
        settings = package.read("word/settings.xml").decode("utf-8")
    defaults = re.search(r"<w:docDefaults>.*?</w:docDefaults>", styles, re.S).group(0)
    assert 'w:lang w:val="sv-SE"' in defaults
    assert "en-US" not in defaults
    assert '<w:themeFontLang w:val="sv-SE"' in settings


def test_dates_come_from_source_date_epoch(tmp_path, monkeypatch):
    report = Report.load(2024, DATA)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    default = docx.Document(str(memo.write_memo(report, tmp_path / "a"))).core_properties
    assert default.created.replace(tzinfo=None) == dt.datetime(2000, 1, 1)
    assert default.modified.replace(tzinfo=None) == dt.datetime(2000, 1, 1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1742860800")  # 2025-03-25
    epoch = docx.Document(str(memo.write_memo(report, tmp_path / "b"))).core_properties
    assert epoch.created.replace(tzinfo=None) == dt.datetime(2025, 3, 25)


def test_two_writes_give_identical_bytes(tmp_path):
    report = Report.load(2024, DATA)
    first = memo.write_memo(report, tmp_path / "a")
    second = memo.write_memo(Report.load(2024, DATA), tmp_path / "b" / "memo.docx")
    assert first.name == "tjansteskrivelse-2024.docx" and second.name == "memo.docx"
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(second) as b:
        assert a.read("word/document.xml") == b.read("word/document.xml")
        assert a.namelist() == b.namelist()
    assert first.read_bytes() == second.read_bytes()
    assert not list(tmp_path.rglob(".*.tmp"))


def test_invalid_report_is_refused(tmp_path):
    report = Report.load(2024, tmp_path / "finns-inte")
    assert not report.valid
    with pytest.raises(UsageError):
        memo.write_memo(report, tmp_path)


# --- the wording lives in templates ------------------------------------------------------------

SENTENCE_TEMPLATES = {  # template -> one of its phrases
    "oversikt.txt.j2": "som hade ett mätbart målvärde och ett redovisat utfall",
    "omrade.txt.j2": "fanns inga insatser i årets handlingsplan",
    "stod.txt.j2": "fattades inga beslut om stöd till kommersiell service",
    "platser.txt.j2": "i drift i länet vid årets utgång",
    "tillganglighet.txt.j2": "Eftersom avståndet mäts fågelvägen är vägen minst lika lång",
    "vagnat.txt.j2": "Räknat längs vägnätet bodde",
}


def test_the_summary_wording_lives_in_templates():
    """A writer changes the summary's sentences in templates/memo/, never in Python."""
    lib = Path(words.__file__).resolve().parents[2]
    python = "\n".join(p.read_text(encoding="utf-8") for p in lib.rglob("*.py"))
    for name, phrase in SENTENCE_TEMPLATES.items():
        template = (lib / "templates" / "memo" / name).read_text(encoding="utf-8")
        assert phrase in " ".join(template.split()), name
        assert phrase not in python, f"{phrase!r} is written in Python"


def test_a_changed_template_changes_the_summary(monkeypatch):
    """The paragraphs come from the templates: a new wording there is what the memo says."""
    from jinja2 import DictLoader, PackageLoader
    from jinja2.loaders import ChoiceLoader

    report = Report.load(2024, DATA)
    env = words.sentence_environment()
    monkeypatch.setattr(env, "loader", ChoiceLoader([
        DictLoader({"platser.txt.j2": "Ny   formulering\n om {{ year }}."}), PackageLoader("serviceprogram", "templates/memo")]))
    env.cache.clear()
    try:
        assert "Ny formulering om 2024." in memo.summary_paragraphs(report)
    finally:
        env.cache.clear()


def test_inserted_values_keep_their_white_space():
    """Only the template's own line breaks and spaces are collapsed, never those of a title."""
    title = "Två  mellanslag\toch tabb"
    long = pd.DataFrame({"indikator": ["insatser_antal_per_omrade"] * 2,
                         "dimension": ["Medborgare|Totalt", "Medborgare|Genomförd"], "varde": [1.0, 1.0]})
    activities = pd.DataFrame({"prioriterat_omrade": ["Medborgare"], "status": ["Genomförd"], "insats": [title]})
    goals = pd.DataFrame({"prioriterat_omrade": ["Medborgare"], "uppnatt": [True], "insats": [title]})
    text = words._area_paragraph(0, "Medborgare", activities, goals, words._Figures(long))
    assert text == (f"Inom det prioriterade området Medborgare fanns en insats. Den gällde ”{title}” och "
                    f"genomfördes under året. Målet för ”{title}” var mätbart och nåddes.")
