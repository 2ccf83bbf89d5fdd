"""The optional [arende] table of program.toml: validated with Swedish messages."""
from __future__ import annotations

import datetime as dt

import pytest
from serviceprogram.errors import DataError
from serviceprogram.inputs.case import parse_case
from serviceprogram.inputs.program import load_program


def test_absent_table_gives_nothing():
    assert parse_case({}) == (None, [])


def test_valid_table():
    case, problems = parse_case({"arende": {
        "diarienummer": "RUN/11/2025", "datum": dt.date(2025, 3, 25), "epost": "a.b@region.se",
        "beslut": [{"datum": dt.date(2023, 5, 23), "paragraf": 89, "innehall": "att fastställa programmet"}],
        "undertecknare": [{"namn": "A B", "titel": "Regiondirektör"}], "mottagare": ["Tillväxtverket"]}})
    assert problems == []
    assert case.beslut[0].paragraf == "89" and case.forslag_rubrik == "Regiondirektörens förslag"


def test_every_problem_in_swedish_at_once():
    case, problems = parse_case({"arende": {
        "datum": "2025-03-25x", "epost": "inte-en-adress", "handlaggare": " ", "okand": 1,
        "beslut": [{"paragraf": 89}]}})
    assert case is None
    by_key = {p.column: p.rule for p in problems}
    assert "datum" in by_key["arende.datum"]
    assert "e-postadress" in by_key["arende.epost"]
    assert "tomt" in by_key["arende.handlaggare"]
    assert by_key["arende.okand"].startswith("Okänd nyckel")
    assert "saknas" in by_key["arende.beslut nr 1, datum"] and "arende.beslut nr 1, innehall" in by_key


def test_load_program_reports_case_problems(data_dir):
    with open(data_dir / "program.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[[arende.undertecknare]]\ntitel = "Regiondirektör"\n')
    with pytest.raises(DataError) as info:
        load_program(data_dir)
    assert any(p.column == "arende.undertecknare nr 3, namn" for p in info.value.problems)


def test_example_has_the_case_table():
    from conftest import DATA

    program = load_program(DATA)
    assert program.arende.diarienummer == "RUN/11/2025" and len(program.arende.beslut) == 2
