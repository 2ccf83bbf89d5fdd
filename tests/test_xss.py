"""Text from the data is text: HTML in cells and in ``program.toml`` is escaped in
the HTML, inert in a browser and printed literally in the PDF.

One build (module fixture) from a copy of the example data that holds only the
year 2024, so that the command builds the yearly report, the what-if page and
the programme overview in one go. Hostile values sit in an activity title, a
comment, a shop name and a support recipient, and in EVERY text field of
``program.toml`` (region, lan, program, the priority areas, the municipality
names, a target's description and dimension); every test below reads that build.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import DATA, read_rows, run_cli, write_rows
from markupsafe import escape

YEAR = 2024
CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run"]
REQUIRED = os.environ.get("CI", "").lower() == "true"  # in CI a missing browser is a failure

SCRIPT = "<script>window.__xss=1;alert(1)</script>"
IMG = '<img src=x onerror="window.__xss=2">'
SVG = '"><svg onload=alert(1)>'
TITLE = f"Bevakning av styrmedel {SCRIPT}"
COMMENT = f"Synpunkter lämnade {IMG}"
SHOP = f"Lanthandeln Valsjöbyn {SVG}"  # SP-KRO-007: SOT-punkt invigd 2024, särskilt driftstöd
RECIPIENT = f"Borgvattnets Handel {SVG}"  # raised above the Servicebidrag cap: named in a warning
PAYLOADS = {"insats": TITLE, "kommentar": COMMENT, "serviceplats": SHOP, "mottagare": RECIPIENT}


def _set(path: Path, match_column: str, match_value: str, changes: dict) -> None:
    rows = read_rows(path)
    header = rows[0]
    hits = [r for r in rows[1:] if r[header.index(match_column)] == match_value]
    assert len(hits) == 1, (path.name, match_value)
    for column, value in changes.items():
        hits[0][header.index(column)] = value
    write_rows(path, rows)


# Appended to every text field of program.toml: closes <title> and <style>,
# breaks out of an attribute, and runs a script if anything is not escaped.
TOML_PAYLOAD = '</title><script>alert(1)</script>"><img src=x onerror=alert(1)></style>'


def _toml_value(value) -> str:
    """A TOML value for strings, numbers, booleans and lists of them (JSON is valid TOML there)."""
    return json.dumps(value, ensure_ascii=True)


def _write_toml(path: Path, program: dict) -> None:
    lines = [f"{key} = {_toml_value(value)}" for key, value in program.items()
             if not (isinstance(value, list) and value and isinstance(value[0], dict))]
    for key, value in program.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for table in value:
                lines += ["", f"[[{key}]]", *[f"{k} = {_toml_value(v)}" for k, v in table.items()]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _hostile_program(data: Path) -> dict:
    """Append the payload to every text field of program.toml and rename in the CSV files to match.

    Returns the parsed hostile programme (what the pages must show literally).
    """
    text = (data / "program.toml").read_text(encoding="utf-8")
    program = tomllib.loads(text)
    # [arende] (nested tables, dates) only reaches the DOCX memo: kept as written
    case = text[text.index("\n[arende]"):] if "\n[arende]" in text else ""
    program.pop("arende", None)
    renamed = {}
    for key in ("region", "lan", "program"):
        program[key] = f"{program[key]} {TOML_PAYLOAD}"
    areas = []
    for area in program["prioriterade_omraden"]:
        renamed[area] = f"{area} {TOML_PAYLOAD}"
        areas.append(renamed[area])
    program["prioriterade_omraden"] = areas
    for kommun in program["kommuner"]:
        renamed[kommun["namn"]] = kommun["namn"] = f"{kommun['namn']} {TOML_PAYLOAD}"
    for target in program["mal"]:
        target["beskrivning"] = f"{target.get('beskrivning', target['indikator'])} {TOML_PAYLOAD}"
    # a target whose dimension is not in the indicator file: listed with its dimension
    program["mal"].append({"indikator": "sot_punkter_totalt", "dimension": f"Totalt {TOML_PAYLOAD}",
                           "varde": 12, "ar": 2030, "beskrivning": f"Extra mål {TOML_PAYLOAD}"})
    _write_toml(data / "program.toml", program)
    with open(data / "program.toml", "a", encoding="utf-8") as handle:
        handle.write(case)
    for path in data.rglob("*.csv"):  # the names in the tables follow program.toml
        rows = read_rows(path)
        write_rows(path, [rows[0], *[[renamed.get(cell, cell) for cell in row] for row in rows[1:]]])
    return program


# The data folder's own name is hostile too: valid Python after a closing quote, with a
# newline, both quote kinds and shell syntax. None of it may ever run (papermill writes the
# path into the notebooks' parameter cell; nbconvert and the shell never see it as code).
HOSTILE_NAME = "data \"q\" 'q'\n__import__('os').system('touch PWNED')#$(touch PWNED)`touch PWNED`"


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> tuple[Path, dict]:
    """OUT built through the command line (2024 and the overview) from data holding the payloads,
    in a folder with a hostile name (plain ``data`` where the filesystem refuses such a name)."""
    base = tmp_path_factory.mktemp("xss")
    data = base / HOSTILE_NAME
    try:
        shutil.copytree(DATA, data)
    except OSError:  # e.g. Windows: quotes and newlines are not allowed in names
        shutil.rmtree(data, ignore_errors=True)
        data = base / "data"
        shutil.copytree(DATA, data)
    for other in data.iterdir():  # one year only: the build then makes the overview too, quickly
        if other.is_dir() and other.name != str(YEAR):
            shutil.rmtree(other)
    program = _hostile_program(data)
    year = data / str(YEAR)
    _set(year / "insatser.csv", "id", "2024-M1", {"insats": TITLE, "kommentar": COMMENT})
    _set(year / "serviceplatser.csv", "id", "SP-KRO-007", {"namn": SHOP})
    _set(year / "stod.csv", "diarienummer", "RUN/163/2024", {"mottagare": RECIPIENT, "belopp_kr": "260000"})
    # One worker (--jobs 1): its one kernel runs the three notebooks; a second kernel would only cost start-up.
    (base / "cwd").mkdir()
    result = run_cli("report", "--data-dir", data, "--out", base / "out", "--jobs", 1, cwd=base / "cwd")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return base / "out", program


@pytest.fixture(scope="module")
def hostile_report(hostile_build) -> Path:
    """OUT/2024 of the hostile build."""
    return hostile_build[0] / str(YEAR)


class _Tags(HTMLParser):
    """Collects every start tag with its attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(markup: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser.tags


def _escaped(text: str) -> set[str]:
    """The spellings an escaper may use for ``text`` (jinja2/markupsafe, html.escape)."""
    return {str(escape(text)), html.escape(text), html.escape(text, quote=False)}


def _pages(folder: Path) -> dict[str, str]:
    """Every HTML page of a build: the years' pages and the programme overview."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*/*.html"))}


def test_html_holds_escaped_text_and_no_active_markup(hostile_build):
    pages = _pages(hostile_build[0])
    assert {f"uppfoljning-{YEAR}.html", f"tillganglighet-{YEAR}.html", "programoversikt.html"} <= set(pages)
    report = pages[f"uppfoljning-{YEAR}.html"]
    for name, payload in PAYLOADS.items():
        assert any(s in report for s in _escaped(payload)), f"{name} not shown escaped"
    for name, page in pages.items():
        for raw in (SCRIPT, IMG, TOML_PAYLOAD, "<svg onload", "<img src=x", "<script", "</title><", "</style><"):
            assert raw not in page, f"{name} holds raw {raw!r}"
        tags = _tags(page)
        assert not [t for t, _ in tags if t in ("script", "svg", "iframe", "object", "embed")], name
        assert [t for t, _ in tags].count("title") == 1 and [t for t, _ in tags].count("style") == 1, name
        handlers = [(t, a) for t, attrs in tags for a in attrs if a.lower().startswith("on")]
        assert handlers == [], f"{name}: event handler attributes {handlers}"
        urls = [v for _, attrs in tags for k, v in attrs.items()
                if k in ("src", "href") and v and re.match(r"\s*javascript:", v, re.I)]
        assert urls == [], name


def test_executed_notebooks_hold_escaped_html(hostile_report):
    """The .ipynb files are published too; Jupyter renders their HTML outputs."""
    for path in sorted(hostile_report.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            for output in cell.get("outputs", []):
                markup = "".join(output.get("data", {}).get("text/html", ""))
                assert not [t for t, _ in _tags(markup) if t in ("script", "svg")], path.name
                assert not [a for _, attrs in _tags(markup) for a in attrs if a.lower().startswith("on")], path.name


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        if REQUIRED:
            pytest.fail(f"CI has no {CHROMIUM}: `make setup` should install it")
        pytest.skip(f"{CHROMIUM} is missing (installed by `make setup` as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        if REQUIRED:
            pytest.fail(f"CI has no playwright: {exc}")
        pytest.skip(f"playwright is missing: {exc}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        yield browser
        browser.close()


def test_payloads_are_inert_text_in_chromium(browser, hostile_report):
    for name in (f"uppfoljning-{YEAR}.html", f"tillganglighet-{YEAR}.html"):
        page = browser.new_page()
        seen = {"dialogs": [], "errors": []}

        def on_dialog(dialog, seen=seen):
            seen["dialogs"].append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda m, seen=seen: m.type == "error" and seen["errors"].append(m.text))
        page.on("pageerror", lambda e, seen=seen: seen["errors"].append(str(e)))
        page.goto((hostile_report / name).as_uri(), wait_until="load")
        page.wait_for_timeout(200)  # let an onload/onerror handler fire, if any were live
        assert seen["dialogs"] == [], f"{name}: alert() ran"
        assert page.evaluate("typeof window.__xss") == "undefined", name
        assert page.evaluate("document.querySelectorAll('script, svg, [onerror], [onload]').length") == 0, name
        assert seen["errors"] == [], seen["errors"]
        if name.startswith("uppfoljning"):
            text = page.evaluate("document.body.innerText")
            for key, payload in PAYLOADS.items():
                assert payload in text, f"{key} not in the page text"
                assert page.get_by_text(payload).first.is_visible(), f"{key} not visible"
        page.close()


def test_pdf_prints_payloads_literally(hostile_report):
    from pypdf import PdfReader

    reader = PdfReader(hostile_report / f"uppfoljning-{YEAR}.pdf")
    text = "".join(page.extract_text() or "" for page in reader.pages)

    def squeeze(s: str) -> str:  # line breaks and hyphenation differ from the HTML
        return re.sub(r"[\s\u00ad\u200b]+", "", s)

    flat = squeeze(text)
    for key, payload in PAYLOADS.items():
        assert squeeze(payload) in flat, f"{key} not printed literally"


def _open(browser, path: Path):
    """A Chromium tab on ``path`` and what it saw: dialogs (alert) and script errors."""
    page = browser.new_page()
    seen = {"dialogs": [], "errors": []}

    def on_dialog(dialog):
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(200)  # let an onerror handler fire, if one were live
    return page, seen


def test_program_toml_text_is_inert_and_literal_in_chromium(browser, hostile_build):
    """program.toml text in the <title>, running header, description and body of all three pages."""
    out, program = hostile_build
    areas = program["prioriterade_omraden"]
    kommuner = [k["namn"] for k in program["kommuner"]]
    extra = program["mal"][-1]
    shown = {  # the fields each page must show literally in its body
        out / str(YEAR) / f"uppfoljning-{YEAR}.html": [program["region"], program["lan"], *areas, *kommuner],
        out / str(YEAR) / f"tillganglighet-{YEAR}.html": [program["region"]],
        out / "program" / "programoversikt.html": [program["region"], *[m["beskrivning"] for m in program["mal"]
                                                                         if m is not extra], extra["dimension"]],
    }
    for path, fields in shown.items():
        page, seen = _open(browser, path)
        name = path.name
        assert seen["dialogs"] == [], f"{name}: alert() ran"
        assert seen["errors"] == [], f"{name}: {seen['errors']}"
        injected = page.evaluate("""() => ({
            scripts: document.querySelectorAll('script').length,
            handlers: document.querySelectorAll('[onerror], [onload]').length,
            foreign: [...document.images].filter(i => !i.src.startsWith('data:')).length,
            titles: document.querySelectorAll('title').length,
            styles: document.querySelectorAll('style').length,
            inHead: document.head.querySelectorAll('img').length,
        })""")
        assert injected == {"scripts": 0, "handlers": 0, "foreign": 0, "titles": 1, "styles": 1, "inHead": 0}, \
            f"{name}: {injected}"
        title = page.title()
        assert program["region"] in title, f"{name}: <title> {title!r}"
        header = page.evaluate("document.querySelector('.running-title').textContent")
        assert header == title, f"{name}: running header {header!r}"
        description = page.evaluate("document.querySelector('meta[name=description]').content")
        if "programoversikt" in name or "uppfoljning" in name:
            assert program["program"] in description, f"{name}: description {description!r}"
        # the report's CSS is intact (a stray </style> would end it early): headings keep its colour
        colour = page.evaluate("getComputedStyle(document.querySelector('h2')).color")
        assert colour == "rgb(11, 79, 138)", f"{name}: CSS broken ({colour})"
        text = page.evaluate("document.querySelector('main').textContent")  # before CSS text-transform
        for field in fields:
            assert field in text, f"{name}: {field!r} not shown literally"
        page.close()


def test_hostile_data_dir_name_is_plain_text(hostile_build):
    """The folder name reaches the notebooks as one string constant and nothing of it ran."""
    import ast
    import tempfile

    from conftest import ROOT

    out = hostile_build[0]
    base = out.parent
    folder = next(p for p in base.iterdir() if p.is_dir() and p.name not in ("out", "cwd"))
    if folder.name != HOSTILE_NAME:
        pytest.skip("the filesystem refuses the hostile folder name")
    places = [base / "cwd", base, folder, out, ROOT, ROOT / "notebooks", Path.home(), Path(tempfile.gettempdir())]
    assert not [p for p in places if (p / "PWNED").exists()], "code in the folder name was executed"
    assert not list(base.rglob("PWNED"))
    for name in (f"uppfoljning-{YEAR}.ipynb", f"tillganglighet-{YEAR}.ipynb"):
        notebook = json.loads((out / str(YEAR) / name).read_text(encoding="utf-8"))
        cells = [c for c in notebook["cells"] if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(cells) == 1, name
        values = {}
        for node in ast.parse("".join(cells[0]["source"])).body:  # only `name = constant` statements
            assert isinstance(node, ast.Assign), ast.dump(node)
            assert len(node.targets) == 1 and isinstance(node.targets[0], ast.Name), ast.dump(node)
            assert isinstance(node.value, ast.Constant), ast.dump(node)
            values[node.targets[0].id] = node.value.value
        saved_in = values.pop("resultat_dir", None)  # the build's own staging folder (docs/resultat.md)
        assert saved_in is None or (isinstance(saved_in, str) and saved_in.endswith("resultat")), saved_in
        assert values == {"year": YEAR, "data_dir": str(folder.resolve())}
    html_text = (out / str(YEAR) / f"uppfoljning-{YEAR}.html").read_text(encoding="utf-8")
    assert f"Underlaget för {YEAR} har fel" not in html_text  # the data was found through the path
