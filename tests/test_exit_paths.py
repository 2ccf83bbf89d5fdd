"""The edges of issue 11 that the other files leave to unit level: what the command line
prints and writes when ``report`` meets a bug, a ``program/`` folder it did not make, a
system folder as ``--out``, more problems than the screen shows, an oversized
``program.toml``, and a very long token on a PDF page. None of them builds a report."""
from __future__ import annotations

import re

import pytest
from conftest import cli_in_process, read_rows, run_cli, write_rows
from openpyxl import load_workbook


def _never_build(*args, **kwargs):
    raise AssertionError("the build must not start")


def test_a_bug_in_report_is_one_line_on_screen_and_a_traceback_in_the_out_log(data_dir, tmp_path, monkeypatch,
                                                                              capsys):
    from serviceprogram import cli

    def broken(*args, **kwargs):
        raise RuntimeError("en bugg i bygget")

    monkeypatch.setattr("serviceprogram.build.engine.build_years", broken)
    out = tmp_path / "ut"
    assert cli.main(["report", "--data-dir", str(data_dir), "--out", str(out), "--year", "2024"]) == 3
    err = capsys.readouterr().err
    log = out / "logs" / "serviceprogram.log"
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "oväntat fel (RuntimeError)" in err and str(log) in err
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "en bugg i bygget" in text
    assert not (out / "2024").exists()


@pytest.mark.parametrize("command", ["template", "new-year"])
def test_a_bug_in_template_or_new_year_goes_to_the_user_log(data_dir, tmp_path, monkeypatch, capsys, command):
    from serviceprogram import cli

    def broken(*args, **kwargs):
        raise ValueError("en bugg")

    target = {"template": "serviceprogram.inputs.template.write_template",
              "new-year": "serviceprogram.inputs.newyear.new_year"}[command]
    monkeypatch.setattr(target, broken)
    log = tmp_path / "logg" / "serviceprogram.log"
    monkeypatch.setattr(cli, "user_log_file", lambda: log)
    year = ["--year", "2026"] if command == "template" else ["2026"]
    assert cli.main([command, "--data-dir", str(data_dir), *year]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(log) in err and len(err.strip().splitlines()) == 1, err
    assert "en bugg" in log.read_text(encoding="utf-8")
    assert not (data_dir / "2026").exists() and not (data_dir / "logs").exists()


def test_report_refuses_a_program_folder_it_did_not_make(data_dir, tmp_path):
    out = tmp_path / "ut"
    (out / "program").mkdir(parents=True)
    mine = out / "program" / "utkast.docx"
    mine.write_bytes(b"mitt utkast")
    result = run_cli("report", "--data-dir", data_dir, "--out", out)  # every year and the overview
    assert result.returncode == 2, result.stderr
    assert str(out / "program") in result.stderr and ".manifest.json" in result.stderr
    assert mine.read_bytes() == b"mitt utkast"
    assert sorted(p.name for p in out.iterdir()) == ["program"]  # nothing built, not even a log


@pytest.mark.parametrize("out", ["/", "/etc/serviceprogram", "/usr"])
def test_report_with_a_system_folder_as_out_is_exit_2(data_dir, monkeypatch, out):
    monkeypatch.setattr("serviceprogram.build.engine.build_years", _never_build)
    result = cli_in_process("report", "--data-dir", data_dir, "--out", out, "--year", 2024)
    assert result.returncode == 2, result.stderr
    assert "--out" in result.stderr and "Traceback" not in result.stderr


def test_validate_shows_200_problems_and_the_workbook_holds_all(data_dir, tmp_path):
    path = data_dir / "2024" / "stod.csv"
    rows = read_rows(path)
    amount = rows[0].index("belopp_kr")
    for number in range(300):
        row = list(rows[1])
        row[0] = f"RUN/{9000 + number}/2024"
        row[amount] = "inget tal"
        rows.append(row)
    write_rows(path, rows)
    workbook = tmp_path / "fel.xlsx"
    result = cli_in_process("validate", "--data-dir", data_dir, "--year", 2024, "--xlsx", workbook)
    assert result.returncode == 1
    shown = [line for line in result.stdout.splitlines() if "belopp_kr" in line]
    assert len(shown) <= 200
    match = re.search(r"och (\d+) till som inte visas här \((\d+) sammanlagt\)", result.stdout)
    assert match and int(match.group(2)) >= 300, result.stdout[-500:]
    sheet = load_workbook(workbook, read_only=True).worksheets[0]
    listed = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[3] == "belopp_kr"]
    assert len(listed) == 300


def test_an_oversized_program_toml_names_the_limit(data_dir):
    path = data_dir / "program.toml"
    path.write_text(path.read_text(encoding="utf-8") + "# " + "x" * 1_000_000 + "\n", encoding="utf-8")
    result = cli_in_process("validate", "--data-dir", data_dir, "--year", 2024)
    assert result.returncode == 1, result.stdout + result.stderr
    text = result.stdout + result.stderr
    assert "program.toml" in text and "1 000 kB" in text and "Traceback" not in text


def test_a_very_long_token_wraps_on_the_pdf_page_and_spares_its_neighbours():
    """A 100 000-character token in a table cell of the printed report stays inside the page."""
    from pypdf import PdfReader
    from serviceprogram.publishing.render import template_dir
    from serviceprogram.publishing.report import Document
    from weasyprint import HTML

    document = Document()
    table = document._table("Tabell", ["Ort", "Värde", "Regel"], [["Sveg", "Ö" + "x" * 99_999, "Kort regel"]])
    body = document._env.from_string("{% from 'sections/macros.html.j2' import table %}{{ table(t) }}").render(t=table)
    css = (template_dir() / "rapport" / "rapport.css").read_text(encoding="utf-8")
    pdf = HTML(string=f"<html lang='sv'><head><style>{css}</style></head><body><main>{body}</main></body></html>"
               ).write_pdf()
    import io

    reader = PdfReader(io.BytesIO(pdf))
    placed = []
    for page in reader.pages:
        width = float(page.mediabox.width)

        def visit(text, cm, tm, font, size, width=width):
            if text.strip():
                placed.append((text, tm[4] * cm[0] + cm[4], width))

        page.extract_text(visitor_text=visit)
    text = "".join(t for t, _, _ in placed)
    assert "Sveg" in text and re.search(r"Kort\s+regel", text), text[-200:]
    assert text.count("x") >= 150  # the shown part of the token is printed, not clipped away
    assert all(0 <= x < width for _, x, width in placed), [(t[:20], x) for t, x, _ in placed if x >= width]
