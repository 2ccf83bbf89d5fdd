"""Tests of the access analysis (serviceprogram.analysis.access and access_charts).

Toy cases are built on a known SWEREF 99 TM grid: coordinates are chosen in
metres and converted to WGS 84 with from_sweref, so that the expected
straight-line distances are exact (3 000, 4 000, 5 000 m, ...).
"""

from __future__ import annotations

import importlib.util
import io
import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "lib") not in sys.path:
    sys.path.insert(0, str(ROOT / "lib"))

from serviceprogram.analysis.access import COUNTY_LABEL, band_table, distances, nearest, over_limit
from serviceprogram.analysis.access_indicators import change_against, indicator_rows
from serviceprogram.analysis.bands import band_labels
from serviceprogram.analysis.scenario import scenario
from serviceprogram.analysis.shops import driftstod_check, shop_importance, supported_point_ids
from serviceprogram.errors import AccessError
from serviceprogram.inputs.geo.projection import from_sweref, to_sweref
from serviceprogram.inputs.service_points import SERVICE_TYPES, offers, open_at_year_end

X0, Y0 = 500_000.0, 7_000_000.0  # on the central meridian of SWEREF 99 TM, about 63.1° N
YEAR = 2024


def make_points(rows: list[dict]) -> pd.DataFrame:
    """Service points from rows with x/y offsets (metres from X0, Y0)."""
    filled = []
    for row in rows:
        lat, lon = from_sweref(X0 + row["dx"], Y0 + row["dy"])
        filled.append(
            {
                "id": row["id"],
                "namn": row.get("namn", f"Butik {row['id']}"),
                "kommun": row.get("kommun", "Ragunda"),
                "ort": row.get("ort", "Orten"),
                "lat": float(lat),
                "lon": float(lon),
                "dagligvaror": row.get("dagligvaror", "Fullsortiment"),
                "drivmedel": row.get("drivmedel", False),
                "paketombud": row.get("paketombud", False),
                "apoteksombud": row.get("apoteksombud", False),
                "kontantuttag": row.get("kontantuttag", False),
                "sot_punkt": False,
                "sot_invigd": pd.NaT,
                "oppnad": pd.Timestamp(row["oppnad"]) if row.get("oppnad") else pd.NaT,
                "stangd": pd.Timestamp(row["stangd"]) if row.get("stangd") else pd.NaT,
            }
        )
    table = pd.DataFrame(filled)
    for col in ("sot_invigd", "oppnad", "stangd"):
        table[col] = pd.to_datetime(table[col])
    return table


def make_population(rows: list[tuple[float, float, int, str | None]]) -> pd.DataFrame:
    """Population points from (dx, dy, befolkning, kommun) rows."""
    dx = np.array([r[0] for r in rows], dtype=float)
    dy = np.array([r[1] for r in rows], dtype=float)
    lat, lon = from_sweref(X0 + dx, Y0 + dy)
    return pd.DataFrame(
        {"lat": lat, "lon": lon, "befolkning": [r[2] for r in rows], "kommun": [r[3] for r in rows]}
    )


# ---------------------------------------------------------------------------
# Coordinates and nearest neighbours
# ---------------------------------------------------------------------------


def test_projection_known_point_and_round_trip():
    # Östersund: about 481 660 E, 7 005 607 N in SWEREF 99 TM.
    x, y = to_sweref(63.1792, 14.6357)
    assert abs(float(x) - 481_660.6) < 1.0
    assert abs(float(y) - 7_005_607.4) < 1.0
    lat, lon = from_sweref(x, y)
    assert abs(float(lat) - 63.1792) < 1e-8
    assert abs(float(lon) - 14.6357) < 1e-8


def test_projection_rejects_missing_coordinates():
    with pytest.raises(AccessError):
        to_sweref([63.0, np.nan], [14.0, 15.0])


def test_import_has_no_side_effects():
    code = (
        "import sys; sys.path.insert(0, 'lib');"
        "import serviceprogram.analysis.access, serviceprogram.publishing.access_charts;"
        "import serviceprogram.inputs.geo.projection as p;"
        "assert p._TRANSFORMERS == {}, p._TRANSFORMERS;"
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_nearest_exact_distances_and_empty_set():
    pop = np.array([[X0 + 3000, Y0], [X0, Y0 + 4000], [X0 + 3000, Y0 + 4000]])
    dist, idx = nearest(pop, np.array([[X0, Y0]]))
    np.testing.assert_allclose(dist, [3000, 4000, 5000])
    assert idx.tolist() == [0, 0, 0]
    dist, idx = nearest(pop, np.empty((0, 2)))
    assert np.isinf(dist).all() and (idx == -1).all()
    dist, idx = nearest(pop, np.array([[X0, Y0]]), k=2)
    assert dist.shape == (3, 2) and np.isinf(dist[:, 1]).all() and (idx[:, 1] == -1).all()


def test_distances_hand_computed():
    points = make_points(
        [
            {"id": "A", "dx": 0, "dy": 0, "drivmedel": True},
            {"id": "B", "dx": 20_000, "dy": 0, "dagligvaror": "Ej fullsortiment", "paketombud": True},
        ]
    )
    pop = make_population([(3000, 0, 10, "Ragunda"), (0, 4000, 20, "Ragunda"), (3000, 4000, 30, "Ragunda"),
                           (17_000, 4000, 5, "Ragunda")])
    dist = distances(pop, points, YEAR)
    assert list(dist.columns) == list(SERVICE_TYPES) + ["fullsortiment_id"]
    np.testing.assert_allclose(dist["fullsortiment"], [3000, 4000, 5000, math.hypot(17_000, 4000)], atol=1.0)
    np.testing.assert_allclose(dist["dagligvaror"], [3000, 4000, 5000, 5000], atol=1.0)
    np.testing.assert_allclose(dist["drivmedel"], [3000, 4000, 5000, math.hypot(17_000, 4000)], atol=1.0)
    np.testing.assert_allclose(dist["paketombud"], [17_000, math.hypot(20_000, 4000), math.hypot(17_000, 4000),
                                                    5000], atol=1.0)
    assert np.isinf(dist["apoteksombud"]).all() and np.isinf(dist["kontantuttag"]).all()
    assert dist["fullsortiment_id"].tolist() == ["A", "A", "A", "A"]


def test_nearest_shop_across_municipality_border():
    # The person lives in Ragunda, 2 km from a shop in Bräcke and 9 km from
    # the nearest shop in Ragunda: the Bräcke shop counts.
    points = make_points(
        [
            {"id": "RAG", "dx": 0, "dy": 0, "kommun": "Ragunda"},
            {"id": "BRA", "dx": 11_000, "dy": 0, "kommun": "Bräcke"},
        ]
    )
    pop = make_population([(9000, 0, 40, "Ragunda"), (12_000, 0, 60, "Bräcke")])
    dist = distances(pop, points, YEAR)
    assert dist["fullsortiment_id"].tolist() == ["BRA", "BRA"]
    assert abs(dist["fullsortiment"].iloc[0] - 2000) < 1
    table = band_table(pop, dist, types=["fullsortiment"])
    ragunda = table[(table["kommun"] == "Ragunda") & (table["band"] == "0–5 km")]
    assert ragunda["befolkning"].item() == 40


# ---------------------------------------------------------------------------
# Open at year end
# ---------------------------------------------------------------------------


def test_closed_and_not_yet_opened_shops():
    points = make_points(
        [
            {"id": "closed_2024", "dx": 0, "dy": 0, "stangd": "2024-06-30"},
            {"id": "closes_2025", "dx": 6000, "dy": 0, "stangd": "2025-03-01"},
            {"id": "opens_2025", "dx": 1000, "dy": 0, "oppnad": "2025-02-01"},
            {"id": "closes_dec31", "dx": 500, "dy": 0, "stangd": "2024-12-31"},
            {"id": "opened_dec31", "dx": 9000, "dy": 0, "oppnad": "2024-12-31"},
        ]
    )
    assert open_at_year_end(points, 2024).tolist() == [False, True, False, False, True]
    assert open_at_year_end(points, 2025).tolist() == [False, False, True, False, True]
    pop = make_population([(0, 0, 1, "Ragunda")])
    d2024 = distances(pop, points, 2024)
    assert d2024["fullsortiment_id"].item() == "closes_2025"
    assert abs(d2024["fullsortiment"].item() - 6000) < 1
    d2025 = distances(pop, points, 2025)
    assert d2025["fullsortiment_id"].item() == "opens_2025"
    d2023 = distances(pop, points, 2023)
    assert d2023["fullsortiment_id"].item() == "closed_2024"


def test_offers_reads_types():
    points = make_points(
        [
            {"id": "F", "dx": 0, "dy": 0, "dagligvaror": "Fullsortiment"},
            {"id": "E", "dx": 0, "dy": 0, "dagligvaror": "Ej fullsortiment", "kontantuttag": True},
            {"id": "N", "dx": 0, "dy": 0, "dagligvaror": ""},
        ]
    )
    assert offers(points, "dagligvaror").tolist() == [True, True, False]
    assert offers(points, "fullsortiment").tolist() == [True, False, False]
    assert offers(points, "kontantuttag").tolist() == [False, True, False]
    with pytest.raises(AccessError):
        offers(points, "bank")


# ---------------------------------------------------------------------------
# Bands, limits, indicators
# ---------------------------------------------------------------------------


def _dist_frame(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({typ: np.array(values, dtype=float) for typ in SERVICE_TYPES})


def test_band_boundaries_lower_bound_inclusive():
    values = [0.0, 4999.0, 5000.0, 9999.0, 10_000.0, 19_999.0, 20_000.0, np.inf]
    pop = pd.DataFrame({"befolkning": [1] * len(values), "kommun": ["Berg"] * len(values)})
    table = band_table(pop, _dist_frame(values), bands_km=(5, 10, 20), types=["dagligvaror"])
    berg = table[table["kommun"] == "Berg"].set_index("band")["befolkning"]
    assert berg.to_dict() == {"0–5 km": 2, "5–10 km": 2, "10–20 km": 2, "över 20 km": 2}
    assert band_labels((2.5, 7)) == ["0–2,5 km", "2,5–7 km", "över 7 km"]
    for bad in ((), (10, 5), (0, 5), (5, 5)):
        with pytest.raises(AccessError):
            band_labels(bad)


def test_over_limit_is_strict():
    values = [9_999.0, 10_000.0, 10_000.5, np.inf]
    pop = pd.DataFrame({"befolkning": [1, 2, 4, 8], "kommun": ["Åre", "Åre", "Berg", None]})
    table = over_limit(pop, _dist_frame(values), limit_km=10, types=["fullsortiment"])
    got = table.set_index("kommun")["befolkning"].to_dict()
    assert got == {"Berg": 4, "Åre": 0, "Okänd kommun": 8, COUNTY_LABEL: 12}
    assert table.set_index("kommun").loc[COUNTY_LABEL, "andel"] == pytest.approx(12 / 15)


def test_shares_sum_to_one_and_county_is_total():
    rng = np.random.default_rng(7)
    n = 500
    pop = pd.DataFrame(
        {
            "befolkning": rng.integers(0, 50, n),
            "kommun": rng.choice(["Berg", "Bräcke", "Åre", "Östersund"], n),
        }
    )
    dist = _dist_frame(list(rng.exponential(8000, n)))
    table = band_table(pop, dist, kommuner=["Östersund", "Berg"])
    sums = table.groupby(["typ", "kommun"])["andel"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)
    # Given order first, the rest in Swedish alphabetical order, county last.
    order = list(dict.fromkeys(table["kommun"]))
    assert order == ["Östersund", "Berg", "Bräcke", "Åre", COUNTY_LABEL]
    for typ in SERVICE_TYPES:
        part = table[table["typ"] == typ]
        county = part[part["kommun"] == COUNTY_LABEL]["befolkning"].sum()
        assert county == pop["befolkning"].sum()
        assert part[part["kommun"] != COUNTY_LABEL]["befolkning"].sum() == county


def test_indicator_rows():
    values = [1000.0, 7000.0, 12_000.0, 30_000.0]
    pop = pd.DataFrame({"befolkning": [10, 20, 30, 40], "kommun": ["Berg", "Berg", "Åre", "Åre"]})
    rows = indicator_rows(pop, _dist_frame(values))
    assert list(rows.columns) == ["indikator", "dimension", "varde"]
    assert rows["indikator"].str.startswith("tillganglighet_").all()
    lookup = rows.set_index(["indikator", "dimension"])["varde"]
    assert lookup[("tillganglighet_befolkning_over_10km", "fullsortiment")] == 70
    assert lookup[("tillganglighet_befolkning_over_10km", "fullsortiment|Berg")] == 0
    assert lookup[("tillganglighet_befolkning_over_10km", "drivmedel|Åre")] == 70
    assert lookup[("tillganglighet_andel_over_10km", "fullsortiment")] == pytest.approx(0.7)
    assert lookup[("tillganglighet_befolkning_band", "dagligvaror|Berg|5–10 km")] == 20
    assert lookup[("tillganglighet_andel_band", "dagligvaror|Hela länet|över 20 km")] == pytest.approx(0.4)
    assert lookup[("tillganglighet_befolkning", COUNTY_LABEL)] == 100
    assert not rows.duplicated(["indikator", "dimension"]).any()


def test_change_against_previous_year():
    pop = pd.DataFrame({"befolkning": [10, 20], "kommun": ["Berg", "Berg"]})
    previous = band_table(pop, _dist_frame([1000.0, 12_000.0]), types=["dagligvaror"])
    current = band_table(pop, _dist_frame([1000.0, 3000.0]), types=["dagligvaror"])
    change = change_against(previous, current)
    row = change[(change["kommun"] == "Berg") & (change["band"] == "0–5 km")].iloc[0]
    assert row["befolkning"] == 30 and row["befolkning_foregaende_ar"] == 10
    assert row["forandring_befolkning"] == 20
    assert row["forandring_andel"] == pytest.approx(2 / 3)
    row = change[(change["kommun"] == "Berg") & (change["band"] == "10–20 km")].iloc[0]
    assert row["forandring_befolkning"] == -20
    assert len(change) == len(current)


# ---------------------------------------------------------------------------
# Shop importance
# ---------------------------------------------------------------------------


def _three_shops() -> tuple[pd.DataFrame, pd.DataFrame]:
    points = make_points(
        [
            {"id": "S1", "dx": 0, "dy": 0},
            {"id": "S2", "dx": 8000, "dy": 0},
            {"id": "S3", "dx": 30_000, "dy": 0},
            {"id": "closed", "dx": 27_000, "dy": 0, "stangd": "2023-05-01"},
            {"id": "small", "dx": -5000, "dy": 0, "dagligvaror": "Ej fullsortiment"},
        ]
    )
    pop = make_population(
        [
            (1000, 0, 100, "Berg"),   # S1 at 1 km, then S2 at 7 km: stays within 10 km
            (-5500, 0, 50, "Berg"),   # S1 at 5.5 km, then S2 at 13.5 km: moved over 10 km
            (12_000, 0, 20, "Berg"),  # S2 at 4 km, then S1 at 12 km: moved
            (26_000, 0, 30, "Åre"),   # S3 at 4 km (the closed shop at 1 km is ignored), then S2 at 18 km: moved
            (8000, 4500, 10, "Åre"),  # S2 at 4.5 km, then S1 at sqrt(84.25) km: stays
        ]
    )
    return points, pop


def test_shop_importance_hand_computed():
    points, pop = _three_shops()
    result = shop_importance(pop, points, YEAR, supported_ids={"S2"})
    assert result["id"].tolist() == ["S1", "S3", "S2"]
    by_id = result.set_index("id")
    assert by_id["befolkning"].to_dict() == {"S1": 150, "S3": 30, "S2": 30}
    assert by_id["flyttas_over_grans"].to_dict() == {"S1": 50, "S3": 30, "S2": 20}
    assert by_id.loc["S1", "tillkommande_personkm"] == pytest.approx(100 * 6 + 50 * 8, abs=0.01)
    assert by_id.loc["S3", "tillkommande_personkm"] == pytest.approx(30 * 14, abs=0.01)
    assert by_id.loc["S2", "tillkommande_personkm"] == pytest.approx(20 * 8 + 10 * (math.sqrt(84.25) - 4.5),
                                                                     abs=0.01)
    assert by_id["stod"].to_dict() == {"S1": False, "S3": False, "S2": True}
    assert set(result.columns) >= {"namn", "kommun", "ort"}


def test_shop_importance_matches_closing_each_shop():
    points, pop = _three_shops()
    result = shop_importance(pop, points, YEAR).set_index("id")
    base = distances(pop, points, YEAR)["fullsortiment"].to_numpy()
    people = pop["befolkning"].to_numpy()
    for shop in result.index:
        closed = scenario(pop, points, YEAR, close_ids=[shop]).dist_scenario["fullsortiment"].to_numpy()
        moved = people[(base <= 10_000) & (closed > 10_000)].sum()
        person_km = (people * (closed - base) / 1000).sum()
        assert result.loc[shop, "flyttas_over_grans"] == moved
        assert result.loc[shop, "tillkommande_personkm"] == pytest.approx(person_km, abs=0.01)


def test_supported_point_ids():
    stod = pd.DataFrame(
        {
            "stodform": ["Särskilt driftstöd", "Investeringsbidrag", "Servicebidrag", "Särskilt driftstöd"],
            "beslutsdatum": pd.to_datetime(["2024-02-01", "2024-05-01", "2023-06-01", "2024-03-01"]),
            "serviceplats_id": ["S1", "S2", "S3", None],
        }
    )
    assert supported_point_ids(stod, 2024) == {"S1", "S2"}
    assert supported_point_ids(stod, 2024, stodform="Särskilt driftstöd") == {"S1"}
    assert supported_point_ids(stod) == {"S1", "S2", "S3"}


# ---------------------------------------------------------------------------
# Särskilt driftstöd
# ---------------------------------------------------------------------------


def test_driftstod_check_verdicts():
    points = make_points(
        [
            {"id": "FAR", "dx": 0, "dy": 0},
            {"id": "NEAR", "dx": 12_000, "dy": 0},
            {"id": "OTHER", "dx": 20_000, "dy": 0},
            {"id": "CLOSED", "dx": 1000, "dy": 0, "stangd": "2024-04-30"},
            {"id": "SMALL", "dx": 2000, "dy": 0, "dagligvaror": "Ej fullsortiment"},
        ]
    )
    stod = pd.DataFrame(
        {
            "diarienummer": ["D1", "D2", "D3", "D4", "D5"],
            "stodform": ["Särskilt driftstöd", "Särskilt driftstöd", "Särskilt driftstöd", "Servicebidrag",
                         "Särskilt driftstöd"],
            "mottagare": ["Far", "Near", "Nobody", "Far", "Ghost"],
            "kommun": ["Berg"] * 5,
            "belopp_kr": [200_000, 150_000, 100_000, 50_000, 90_000],
            "beslutsdatum": pd.to_datetime(["2024-03-01"] * 5),
            "serviceplats_id": ["FAR", "NEAR", None, "FAR", "NOPE"],
        }
    )
    result = driftstod_check(points, stod, YEAR)
    assert result["diarienummer"].tolist() == ["D1", "D2", "D3", "D5"]
    by_id = result.set_index("diarienummer")
    # FAR: the closed shop at 1 km and the small shop at 2 km do not count; NEAR is 12 km away.
    assert by_id.loc["D1", "avstand_km"] == pytest.approx(12.0, abs=0.001)
    assert by_id.loc["D1", "bedomning"] == "Villkoret uppfyllt (över 10 km fågelvägen)"
    # NEAR: OTHER is 8 km away.
    assert by_id.loc["D2", "avstand_km"] == pytest.approx(8.0, abs=0.001)
    assert by_id.loc["D2", "bedomning"] == "Kontrollera vägavstånd"
    assert by_id.loc["D3", "bedomning"] == "Saknar serviceplats – kan inte kontrolleras"
    assert "kan inte kontrolleras" in by_id.loc["D5", "bedomning"]
    assert math.isnan(by_id.loc["D3", "avstand_km"])


def test_driftstod_exactly_ten_km_needs_road_check():
    points = make_points([{"id": "A", "dx": 0, "dy": 0}, {"id": "B", "dx": 6000, "dy": 8000}])
    stod = pd.DataFrame({"diarienummer": ["D"], "stodform": ["Särskilt driftstöd"], "mottagare": ["A"],
                         "kommun": ["Berg"], "belopp_kr": [1], "serviceplats_id": ["A"]})
    result = driftstod_check(points, stod, YEAR)
    assert result["avstand_km"].item() == pytest.approx(10.0, abs=1e-3)
    # Just over and just under 10 km.
    far = make_points([{"id": "A", "dx": 0, "dy": 0}, {"id": "B", "dx": 6000, "dy": 8010}])
    assert driftstod_check(far, stod, YEAR)["bedomning"].item().startswith("Villkoret uppfyllt")
    near = make_points([{"id": "A", "dx": 0, "dy": 0}, {"id": "B", "dx": 6000, "dy": 7990}])
    assert driftstod_check(near, stod, YEAR)["bedomning"].item() == "Kontrollera vägavstånd"


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------


def test_scenario_close_a_shop():
    points, pop = _three_shops()
    result = scenario(pop, points, YEAR, close_ids=["S1"])
    over = result.over_limit
    row = over[(over["typ"] == "fullsortiment") & (over["kommun"] == COUNTY_LABEL)].iloc[0]
    assert row["befolkning_utgangslage"] == 0
    assert row["befolkning_scenario"] == 50
    assert row["forandring_befolkning"] == 50
    band = result.band
    berg = band[(band["typ"] == "fullsortiment") & (band["kommun"] == "Berg")].set_index("band")
    # Baseline: 100 at 1 km and 20 at 4 km are within 5 km, 50 at 5.5 km.
    assert berg.loc["0–5 km", "befolkning_utgangslage"] == 120
    assert berg.loc["5–10 km", "befolkning_utgangslage"] == 50
    # Without S1: 100 go to S2 at 7 km, 50 to S2 at 13.5 km, 20 keep S2 at 4 km.
    assert berg.loc["0–5 km", "befolkning_scenario"] == 20
    assert berg.loc["5–10 km", "befolkning_scenario"] == 100
    assert berg.loc["10–20 km", "befolkning_scenario"] == 50
    assert berg.loc["10–20 km", "forandring_befolkning"] == 50
    assert berg.loc["0–5 km", "forandring_andel"] == pytest.approx(-100 / 170)
    # The closed shop stays in the scenario's points, closed on 31 December.
    closed = result.points.set_index("id").loc["S1", "stangd"]
    assert closed == pd.Timestamp("2024-12-31")


def test_scenario_new_point():
    points, pop = _three_shops()
    new = [{"namn": "Ny butik", "lat": float(pop["lat"].iloc[1]), "lon": float(pop["lon"].iloc[1]),
            "typer": ["fullsortiment", "apoteksombud"]}]
    result = scenario(pop, points, YEAR, new_points=new)
    assert result.dist_scenario["fullsortiment"].iloc[1] == pytest.approx(0.0, abs=0.01)
    assert result.dist_scenario["dagligvaror"].iloc[1] == pytest.approx(0.0, abs=0.01)
    assert result.dist_scenario["apoteksombud"].iloc[1] == pytest.approx(0.0, abs=0.01)
    assert np.isinf(result.dist_baseline["apoteksombud"]).all()
    over = result.over_limit.set_index(["typ", "kommun"])
    assert over.loc[("apoteksombud", COUNTY_LABEL), "befolkning_utgangslage"] == 210
    assert over.loc[("apoteksombud", COUNTY_LABEL), "befolkning_scenario"] == 210 - 50 - 100
    assert "scenario_1" in set(result.points["id"])


def test_scenario_errors():
    points, pop = _three_shops()
    with pytest.raises(AccessError) as info:
        scenario(pop, points, YEAR, close_ids=["S1", "X9"])
    assert isinstance(info.value, ValueError)
    assert "X9" in str(info.value) and "Okänd serviceplats" in str(info.value)
    with pytest.raises(AccessError):
        scenario(pop, points, YEAR, new_points=[{"namn": "N", "lat": 63.0, "lon": 15.0, "typer": ["bank"]}])
    with pytest.raises(AccessError):
        scenario(pop, points, YEAR, new_points=[{"namn": "N", "lat": 63.0, "typer": ["drivmedel"]}])


# ---------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------


def test_charts_and_alt_texts():
    from matplotlib import _pylab_helpers
    from matplotlib.figure import Figure
    from serviceprogram.publishing import access_charts, access_maps

    points, pop = _three_shops()
    dist = distances(pop, points, YEAR)
    table = band_table(pop, dist)
    fig = access_charts.band_chart(table, "fullsortiment")
    assert isinstance(fig, Figure)
    assert "fågelvägen" in fig.axes[0].get_title(loc="left")
    svg = io.BytesIO()
    fig.savefig(svg, format="svg")
    assert svg.getvalue().startswith(b"<?xml")

    fig = access_maps.access_map(pop, dist, points, YEAR, "fullsortiment", lan="Testlän")
    width, height = fig.get_size_inches() * 2.54
    assert width == pytest.approx(16) and height == pytest.approx(18)
    fig.savefig(io.BytesIO(), format="svg")
    assert _pylab_helpers.Gcf.get_num_fig_managers() == 0

    text = access_maps.alt_text_map(pop, dist, points, YEAR, "fullsortiment", lan="Testlän")
    # Within 5 km: 100 + 20 + 30 + 10 = 160 of 210 (76 %); 50 on 5–10 km (24 %).
    assert text.startswith("Karta över Testlän: 76\u00a0% av befolkningen bor inom 5 km fågelvägen")
    assert "24\u00a0% på 5–10 km" in text and "0\u00a0% över 20 km" in text
    assert "3 öppna dagligvarubutiker med fullsortiment" in text
    # The shop that closed in 2023 is marked on the map and counted in the text.
    assert "1 stängd är markerad med kryss" in text
    chart_text = access_charts.alt_text_band_chart(table, "fullsortiment")
    assert chart_text.startswith("Stapeldiagram") and "%" in chart_text
    with pytest.raises(AccessError):
        access_charts.band_chart(table, "bank")


# ---------------------------------------------------------------------------
# The example population
# ---------------------------------------------------------------------------


def _load_script():
    spec = importlib.util.spec_from_file_location("make_example_population", ROOT / "scripts" /
                                                  "make_example_population.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_population_matches_program():
    script = _load_script()
    path = ROOT / "data" / "befolkning.csv"
    table = pd.read_csv(path)
    assert list(table.columns) == ["lat", "lon", "befolkning", "kommun"]
    assert path.stat().st_size < 1_000_000
    assert 3000 <= len(table) <= 8000
    program = ROOT / "data" / "program.toml"
    if program.exists():
        with program.open("rb") as handle:
            expected = {k["namn"]: k["folkmangd"] for k in tomllib.load(handle)["kommuner"]}
    else:
        expected = dict(script.DEFAULT_FOLKMANGD)
    sums = table.groupby("kommun")["befolkning"].sum().to_dict()
    assert sums == expected
    assert (table["befolkning"] > 0).all()
    assert not table.duplicated(["lat", "lon"]).any()
    x, y = to_sweref(table["lat"].to_numpy(), table["lon"].to_numpy())
    # Cell centres of the 250 m grid (6 decimals in WGS 84 are about 0.1 m).
    assert np.abs((x - 125) / 250 - np.round((x - 125) / 250)).max() * 250 < 0.5
    assert np.abs((y - 125) / 250 - np.round((y - 125) / 250)).max() * 250 < 0.5
    assert table["lat"].between(61.5, 65.2).all() and table["lon"].between(12.0, 17.1).all()


def test_example_population_is_reproducible():
    script = _load_script()
    program = ROOT / "data" / "program.toml"
    rebuilt = script.build(script.read_municipalities(program))
    stored = pd.read_csv(ROOT / "data" / "befolkning.csv")
    pd.testing.assert_frame_equal(
        rebuilt.reset_index(drop=True), stored, check_dtype=False, check_exact=False, atol=1e-6
    )
