"""The what-if page (publishing.whatif.WhatIf): a document of its own, its wording in a template."""
from __future__ import annotations

import pytest
from conftest import DATA
from serviceprogram.analysis import scenario
from serviceprogram.publishing.whatif import WhatIf


def test_a_bug_in_the_scenario_is_not_turned_into_a_message(monkeypatch):
    """Only the scenario's own checks become problems for the analyst; a bug stays a bug (exit 3)."""
    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(scenario, "scenario", broken)
    with pytest.raises(KeyError):
        WhatIf.load(2024, DATA, stang=[])


def test_a_bad_new_point_is_a_problem_naming_it():
    what_if = WhatIf.load(2024, DATA, stang=[], nya=[{"namn": "Ny butik", "lat": "norr", "lon": 14.5,
                                                       "typer": ["fullsortiment"]}])
    [problem] = what_if.problems
    assert problem.rule == "Ny serviceplats nr 1 (Ny butik): lat och lon måste vara tal."
    html = what_if.show().html  # the parameters are wrong, not the data folder
    assert "Scenariot för 2024 kan inte beräknas" in html and "första cellen i notebooken" in html
    assert "Underlaget" not in html


def test_invalid_data_is_named_as_in_the_report(data_dir):
    from conftest import set_cell

    set_cell(data_dir / "2024/stod.csv", 2, "belopp_kr", "mycket")
    html = WhatIf.load(2024, data_dir, stang=[]).show().html
    assert "Underlaget för 2024 har fel" in html and "mycket" in html


def test_the_page_numbers_its_own_tables_and_says_what_changes():
    what_if = WhatIf.load(2024, DATA, stang=[], nya=[{"namn": "Ny butik", "lat": 63.2, "lon": 14.5,
                                                       "typer": ["fullsortiment", "paketombud"]}])
    html = what_if.show().html
    assert "<li>En ny plats, Ny butik, öppnar på 63,2000 N, 14,5000 O som dagligvarubutik med fullsortiment " \
           "och paketombud.</li>" in html
    assert "Tabell 1." in html and "Tabell 2." in html
    assert "Figur 1." in what_if.map().html


@pytest.mark.parametrize("nya, rule", [
    ([{"namn": "X", "lat": 63.2, "lon": 14.5, "typer": None}], "typer ska vara en lista"),
    ([{"namn": "X", "lat": 63.2, "lon": 14.5, "typer": 3}], "typer ska vara en lista"),
    ([{"namn": "", "lat": 63.2, "lon": 14.5, "typer": ["dagligvaror"]}], "saknar namn"),
    ([{"namn": None, "lat": 63.2, "lon": 14.5, "typer": ["dagligvaror"]}], "saknar namn"),
    ([{"namn": "Ny\x1bbutik", "lat": 63.2, "lon": 14.5, "typer": ["dagligvaror"]}], "styrtecken"),
    ([{"namn": "X", "lat": float("nan"), "lon": 14.5, "typer": ["dagligvaror"]}], "lat och lon måste vara tal"),
    ([{"namn": "X", "lon": 14.5}], "saknar lat och typer"),
], ids=["typer-None", "typer-3", "namn-tom", "namn-None", "namn-ESC", "lat-NaN", "saknar-tva"])
def test_odd_new_points_are_problems_never_a_crash(nya, rule):
    what_if = WhatIf.load(2024, DATA, stang=[], nya=nya)
    [problem] = what_if.problems
    assert rule in problem.rule and (problem.file, problem.column) == ("tillganglighet.ipynb", "nya")
    assert "kan inte beräknas" in what_if.show().html


@pytest.mark.parametrize("stang", [" SP-KRO-007 ", ["SP-KRO-007", "SP-KRO-007 "]])
def test_a_closed_id_is_read_as_the_analyst_means_it(stang):
    html = WhatIf.load(2024, DATA, stang=stang).show().html
    assert html.count("stänger.</li>") == 1


@pytest.mark.parametrize("stang, rule", [(5, "inte finns"), (["SP-BRA-007"], "inte var öppen den 31 december 2024")])
def test_an_id_that_cannot_close_is_a_problem(stang, rule):
    [problem] = WhatIf.load(2024, DATA, stang=stang).problems
    assert rule in problem.rule and problem.column == "id"


def test_a_new_point_s_types_are_named_once():
    what_if = WhatIf.load(2024, DATA, stang=[], nya=[{"namn": "Ny butik", "lat": 63.2, "lon": 14.5,
                                                       "typer": ["paketombud", "paketombud "]}])
    assert "O som paketombud.</li>" in what_if.show().html
