"""Indicators: the seed's real 2024 figures, answer files and hand-made cases."""
from __future__ import annotations

import csv

import pandas as pd
import pytest
from conftest import ANSWERS, DATA
from serviceprogram import load_program, load_year
from serviceprogram.analysis import indicators as ind


@pytest.fixture(scope="module")
def year2024():
    return ind.compute(load_year(DATA, 2024))


def test_seed_figures_2024_to_the_krona(year2024):
    with open(ANSWERS / "seed_figures_2024.csv", encoding="utf-8") as handle:
        seed = list(csv.DictReader(handle))
    by_type = year2024.stod_per_form
    for row in seed:
        name = row["indikator"]
        if name in by_type.index:
            assert by_type.loc[name, "antal"] == int(row["antal"])
            assert by_type.loc[name, "belopp_kr"] == int(row["belopp_kr"])
    assert by_type.loc["Totalt", "antal"] == 49
    assert by_type.loc["Totalt", "belopp_kr"] == 13_585_672
    assert year2024.besok_per_form.loc["Fysiskt", "antal"] == 20
    sot = year2024.sot_invigda
    assert sorted(zip(sot["ort"], sot["kommun"])) == [("Hallen", "Åre"), ("Rötviken", "Krokom"), ("Valsjöbyn", "Krokom")]
    decided = set(zip(year2024.planer_beslutade["kommun"], year2024.planer_beslutade["plan"]))
    assert decided == {("Berg", "Serviceplan"), ("Krokom", "Handlingsplan")}


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_long_table_matches_answer_file(year):
    """The whole indicator file of each example year is checked against its answer file.

    After a deliberate change of the example data, regenerate the answer with
    ``serviceprogram report`` and review the diff of tests/answers/. The file
    holds the access indicators (``tillganglighet_*``) too.
    """
    from serviceprogram import Report

    expected = pd.read_csv(ANSWERS / f"indikatorer-{year}.csv", dtype={"dimension": str})
    actual = Report.load(year, DATA).long
    assert list(actual["indikator"]) == list(expected["indikator"])
    assert list(actual["dimension"]) == list(expected["dimension"])
    assert actual["varde"].astype(float).round(4).tolist() == pytest.approx(expected["varde"].tolist())


def test_required_ids_are_present(year2024):
    long = year2024.long()
    pairs = set(zip(long["indikator"], long["dimension"]))
    for form in ("Hemsändningsbidrag", "Servicebidrag", "Investeringsbidrag", "Särskilt driftstöd", "Totalt"):
        assert ("stod_antal", form) in pairs and ("stod_belopp_kr", form) in pairs
    for dim in ("Fysiskt", "Digitalt", "Totalt"):
        assert ("foretagsbesok_antal", dim) in pairs
    for dim in ("Genomförd", "Pågår", "Ej påbörjad", "Inställd", "Totalt"):
        assert ("insatser_antal", dim) in pairs
    assert ("sot_punkter_invigda", "Totalt") in pairs
    assert ("kommuner_med_antagen_serviceplan", "Totalt") in pairs


def _points(rows):
    base = {"id": None, "namn": "", "kommun": "A", "ort": "", "lat": 63.0, "lon": 14.0, "dagligvaror": "",
            "drivmedel": False, "paketombud": False, "apoteksombud": False, "kontantuttag": False,
            "sot_punkt": False, "sot_invigd": pd.NaT, "oppnad": pd.NaT, "stangd": pd.NaT}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    for c in ("sot_invigd", "oppnad", "stangd"):
        frame[c] = pd.to_datetime(frame[c])
    return frame


def test_open_at_year_end_and_events():
    points = _points([
        {"id": "a", "dagligvaror": "Fullsortiment"},
        {"id": "b", "dagligvaror": "Ej fullsortiment", "stangd": "2024-12-31"},
        {"id": "c", "drivmedel": True, "oppnad": "2025-01-01"},
        {"id": "d", "sot_punkt": True, "oppnad": "2024-05-01"},
        {"id": "e", "sot_punkt": True, "oppnad": "2010-01-01", "sot_invigd": "2024-06-01"},
    ])
    assert list(ind.open_at_year_end(points, 2024)) == [True, False, False, True, True]
    assert list(ind.sot_inaugurated(points, 2024)["id"]) == ["d", "e"]
    events = ind.points_opened_closed(points, 2024)
    assert list(zip(events["id"], events["handelse"])) == [("d", "Öppnad"), ("b", "Stängd")]


def test_support_per_inhabitant_by_hand():
    program = load_program(DATA)
    stod = pd.DataFrame({"stodform": ["Servicebidrag", "Investeringsbidrag", "Servicebidrag"],
                         "kommun": ["Ragunda", "Ragunda", "Berg"], "belopp_kr": [100_000, 54_380, 71_080]})
    table = ind.support_by_municipality(stod, program)
    assert table.loc["Ragunda", "antal"] == 2
    assert table.loc["Ragunda", "kr_per_invanare"] == pytest.approx(154_380 / 5146, abs=0.01)
    assert table.loc["Berg", "kr_per_invanare"] == pytest.approx(10.0)
    assert table.loc["Hela länet", "belopp_kr"] == 225_460
    assert table.loc["Bräcke", "antal"] == 0


def test_goal_attainment():
    activities = pd.DataFrame({"id": ["1", "2", "3"], "prioriterat_omrade": ["A"] * 3, "insats": ["x", "y", "z"],
                               "malvarde": [20.0, 4.0, float("nan")], "utfall": [20.0, 3.0, 5.0],
                               "status": ["Genomförd", "Pågår", "Pågår"]})
    table = ind.goal_attainment(activities)
    assert list(table["id"]) == ["1", "2"]
    assert list(table["uppnatt"]) == [True, False]
    assert table["maluppfyllelse"].tolist() == [1.0, 0.75]
