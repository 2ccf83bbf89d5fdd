"""Road distances on small hand-built networks where the answer is known (issue 15)."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from serviceprogram.analysis import access, shops
from serviceprogram.analysis.roads import build_graph, read_osm, road_distances
from serviceprogram.analysis.roads.distances import SNAP_SPEED_KMH
from serviceprogram.inputs.geo import projection

ROOT = Path(__file__).resolve().parents[1]


def _line_graph(points, speed=60.0, oneway=None):
    """A graph from a list of (x, y) and edges between consecutive indices."""
    xy = np.array(points, dtype=float)
    start = np.arange(len(xy) - 1)
    end = start + 1
    length = np.hypot(*(xy[end] - xy[start]).T)
    return build_graph(xy, start, end, length, np.full(len(start), speed), oneway=oneway)


def test_river_with_one_bridge_counts_the_detour():
    # Home at (0, 0), shop at (2000, 0) across a river; the only bridge is 6.5 km upstream:
    # the road goes up 6.5 km, across 2 km and down 6.5 km = 15 km.
    g = _line_graph([(0, 0), (0, 6500), (2000, 6500), (2000, 0)], speed=60)
    res = road_distances(g, [(0, 0)], [(2000, 0)], {"dagligvaror": np.array([True])})
    assert res.km["dagligvaror"].iloc[0] == pytest.approx(15.0)
    assert res.min["dagligvaror"].iloc[0] == pytest.approx(15.0)  # 15 km at 60 km/h
    straight = access.nearest(np.array([[0.0, 0.0]]), np.array([[2000.0, 0.0]]))[0][0]
    assert straight == pytest.approx(2000.0)


def test_closed_shop_is_not_counted():
    g = _line_graph([(0, 0), (3000, 0), (8000, 0)])
    shops = [(3000, 0), (8000, 0)]
    both = road_distances(g, [(0, 0)], shops, {"t": np.array([True, True])})
    closed = road_distances(g, [(0, 0)], shops, {"t": np.array([False, True])})
    assert both.km["t"].iloc[0] == pytest.approx(3.0)
    assert closed.km["t"].iloc[0] == pytest.approx(8.0)


def test_island_without_link_is_unreachable_not_zero():
    xy = [(0, 0), (1000, 0), (50_000, 0), (51_000, 0)]
    g = build_graph(np.array(xy, float), [0, 2], [1, 3], [1000, 1000], [50, 50])
    res = road_distances(g, [(0, 0), (50_000, 0)], [(1000, 0)], {"t": np.array([True])})
    assert res.km["t"].iloc[0] == pytest.approx(1.0)
    assert np.isinf(res.km["t"].iloc[1]) and np.isinf(res.min["t"].iloc[1])
    assert len(np.unique(g.components())) == 2


def test_point_beyond_snap_distance_is_reported():
    g = _line_graph([(0, 0), (1000, 0)])
    res = road_distances(g, [(0, 300), (0, 5000)], [(1000, 0)], {"t": np.array([True])}, max_snap_m=1000)
    assert res.km["t"].iloc[0] == pytest.approx(1.3)  # 300 m snap leg + 1 km road
    assert res.min["t"].iloc[0] == pytest.approx(1.0 + 0.3 / SNAP_SPEED_KMH * 60)
    assert np.isnan(res.km["t"].iloc[1])
    assert list(res.unconnected) == [False, True]


def test_one_way_road_is_driven_one_way_only():
    g = _line_graph([(0, 0), (1000, 0)], oneway=[True])
    res = road_distances(g, [(0, 0), (1000, 0)], [(1000, 0)], {"t": np.array([True])})
    assert res.km["t"].iloc[0] == pytest.approx(1.0)
    res = road_distances(g, [(1000, 0)], [(0, 0)], {"t": np.array([True])})
    assert np.isinf(res.km["t"].iloc[0])


def test_distance_and_time_are_minimised_separately():
    # Shop A 5 km away on a 30 km/h road (10 min), shop B 8 km on a 96 km/h road (5 min).
    xy = np.array([(0, 0), (0, 5000), (8000, 0)], float)
    g = build_graph(xy, [0, 0], [1, 2], [5000, 8000], [30, 96])
    res = road_distances(g, [(0, 0)], [(0, 5000), (8000, 0)], {"t": np.array([True, True])})
    assert res.km["t"].iloc[0] == pytest.approx(5.0)
    assert res.min["t"].iloc[0] == pytest.approx(5.0)


def _write_pbf(path):
    import osmium
    from osmium.osm.mutable import Node, Way

    writer = osmium.SimpleWriter(str(path))
    coords = {1: (14.00, 63.0), 2: (14.02, 63.0), 3: (14.04, 63.0), 4: (14.06, 63.0), 5: (14.02, 63.01)}
    for nid, loc in coords.items():
        writer.add_node(Node(id=nid, location=loc))
    writer.add_way(Way(id=10, nodes=[1, 2], tags={"highway": "primary", "maxspeed": "60"}))
    writer.add_way(Way(id=11, nodes=[2, 3], tags={"route": "ferry"}))
    writer.add_way(Way(id=12, nodes=[3, 4], tags={"highway": "residential"}))
    writer.add_way(Way(id=13, nodes=[2, 5], tags={"highway": "footway"}))
    writer.close()
    return coords


def test_tiny_pbf_with_a_ferry(tmp_path):
    path = tmp_path / "vagar.osm.pbf"
    coords = _write_pbf(path)
    g = read_osm(path)
    assert g.n_nodes == 4 and g.n_ways == 3  # the footway is not drivable
    assert g.n_ferry_edges == 1
    x, y = projection.to_sweref(np.array([c[1] for c in coords.values()]), np.array([c[0] for c in coords.values()]))
    xy = np.column_stack([x, y])
    res = road_distances(g, xy[[0]], xy[[3]], {"t": np.array([True])})
    seg = [np.hypot(*(xy[i + 1] - xy[i])) / 1000 for i in range(3)]
    assert res.km["t"].iloc[0] == pytest.approx(sum(seg), rel=1e-6)
    expected_min = seg[0] / 60 * 60 + seg[1] / 15 * 60 + 10 + seg[2] / 40 * 60
    assert res.min["t"].iloc[0] == pytest.approx(expected_min, rel=1e-6)


def test_pbf_oneway_against_node_order_and_nodes_missing_from_the_extract(tmp_path):
    import osmium
    from osmium.osm.mutable import Node, Way

    path = tmp_path / "vagar.osm.pbf"
    coords = {1: (14.00, 63.0), 2: (14.02, 63.0), 3: (14.04, 63.0), 4: (14.06, 63.0)}
    writer = osmium.SimpleWriter(str(path))
    for nid, loc in coords.items():
        writer.add_node(Node(id=nid, location=loc))
    # driven 3 -> 2 -> 1 only
    writer.add_way(Way(id=10, nodes=[1, 2, 3], tags={"highway": "primary", "oneway": "-1"}))
    # node 99 is not in the extract: the way joins 3 and 4 directly
    writer.add_way(Way(id=11, nodes=[3, 99, 4], tags={"highway": "primary"}))
    # only one node in the extract: no road
    writer.add_way(Way(id=12, nodes=[4, 98], tags={"highway": "primary"}))
    writer.close()
    g = read_osm(path)
    assert g.n_nodes == 4 and g.n_ways == 2 and g.n_edges == 4
    x, y = projection.to_sweref(np.array([c[1] for c in coords.values()]), np.array([c[0] for c in coords.values()]))
    xy = np.column_stack([x, y])
    to_1 = road_distances(g, xy[[3, 0]], xy[[0]], {"t": np.array([True])})
    to_4 = road_distances(g, xy[[0]], xy[[3]], {"t": np.array([True])})
    legs = [np.hypot(*(xy[i + 1] - xy[i])) / 1000 for i in range(3)]
    assert to_1.km["t"].iloc[0] == pytest.approx(sum(legs), rel=1e-9)
    assert to_1.km["t"].iloc[1] == 0
    assert np.isinf(to_4.km["t"].iloc[0])  # 1 -> 2 is against the one-way direction


def test_maxspeed_values():
    from serviceprogram.analysis.roads.osm import parse_maxspeed

    assert parse_maxspeed("70") == 70
    assert parse_maxspeed("SE:urban") == 50
    assert parse_maxspeed("30 mph") == pytest.approx(48.28, abs=0.01)
    assert parse_maxspeed("signals") is None


def test_output_keeps_population_index():
    g = _line_graph([(0, 0), (1000, 0)])
    res = road_distances(g, [(0, 0)], [(1000, 0)], {"t": np.array([True])}, index=pd.Index([42]))
    assert list(res.km.index) == [42]


def test_settings_and_year_figures(tmp_path):
    import shutil

    from serviceprogram.analysis.roads.figures import for_year, indicator_rows
    from serviceprogram.analysis.roads.settings import RoadSettingsError, load_settings
    from serviceprogram.inputs.loading import load_year

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("vagnat"))
    assert load_settings(data) is None
    (data / "vagnat").mkdir()
    # a road through Östersund (about 63.18 N, 14.64 E) with the service points snapped to it
    import osmium
    from osmium.osm.mutable import Node, Way

    writer = osmium.SimpleWriter(str(data / "vagnat" / "vagar.osm.pbf"))
    for i in range(40):
        writer.add_node(Node(id=i + 1, location=(14.55 + i * 0.005, 63.18)))
    writer.add_way(Way(id=1, nodes=list(range(1, 41)), tags={"highway": "secondary"}))
    writer.close()
    settings = load_settings(data)
    assert settings.path.name == "vagar.osm.pbf" and settings.max_snap_m == 1000
    year = load_year(data, 2024)
    figures = for_year(year)
    table = figures.table
    county = table[(table["typ"] == "dagligvaror") & (table["kommun"] == "Hela länet")].iloc[0]
    assert county["befolkning"] == year.befolkning["befolkning"].sum()  # nobody dropped
    assert 0 < county["utan_vag"] < county["befolkning"]
    rows = indicator_rows(table)
    assert {"vag_avstand_medel_km", "vag_befolkning_over_10km", "vag_befolkning_ej_nabar",
            "vag_befolkning_utan_anslutning"} <= set(rows["indikator"])
    (data / "vagnat" / "annat.osm.pbf").write_bytes(b"")
    with pytest.raises(RoadSettingsError, match="flera vägnät"):
        load_settings(data)
    text = (data / "program.toml").read_text(encoding="utf-8")
    (data / "program.toml").write_text(text.replace("# --- Kommunerna", "[vagnat]\nfil = \"vagar.osm.pbf\"\n"
                                                    "max_anslutning_m = -5\n\n# --- Kommunerna"), encoding="utf-8")
    with pytest.raises(RoadSettingsError, match="max_anslutning_m"):
        load_settings(data)


def test_driftstod_by_road_with_fallback():
    """A shop 8 km away in a straight line but 15 km by road meets the condition by road; a shop
    without a road within the snap distance is judged fågelvägen, and says so."""
    from serviceprogram.inputs.geo.projection import from_sweref

    x0, y0 = 500_000.0, 7_000_000.0
    lat, lon = from_sweref(np.array([x0, x0 + 8000, x0 + 30_000]), np.array([y0, y0, y0]))
    points = pd.DataFrame({"id": ["A", "B", "C"], "namn": ["A", "B", "C"], "kommun": "Berg", "ort": "",
                           "lat": lat, "lon": lon, "dagligvaror": "Fullsortiment", "oppnad": pd.NaT,
                           "stangd": pd.NaT})
    stod = pd.DataFrame({"diarienummer": ["D1", "D2"], "stodform": ["Särskilt driftstöd"] * 2,
                         "mottagare": ["A", "C"], "kommun": ["Berg"] * 2, "belopp_kr": [1, 1],
                         "serviceplats_id": ["A", "C"]})
    straight = shops.driftstod_check(points, stod, 2024)
    assert straight["bedomning"].iloc[0] == "Kontrollera vägavstånd" and straight["matt"].iloc[0] == "fågelvägen"
    result = shops.driftstod_check(points, stod, 2024, road_km={"A": 15.0, "C": float("nan")})
    a, c = result.iloc[0], result.iloc[1]
    assert a["vag_km"] == 15.0 and a["matt"] == "väg"
    assert a["bedomning"] == "Villkoret uppfyllt (över 10 km på väg)"
    assert c["matt"] == "fågelvägen" and c["bedomning"].startswith("Villkoret uppfyllt (över 10 km fågelvägen")
    assert "fågelvägen" in c["anmarkning"]
    near = shops.driftstod_check(points, stod, 2024, road_km={"A": 9.0, "C": 40.0})
    assert near["bedomning"].iloc[0] == "Villkoret inte uppfyllt (högst 10 km på väg)"


def test_driftstod_road_km_on_a_network(tmp_path):
    """The road km from a supported shop to the nearest OTHER shop, along a river with one bridge."""
    from serviceprogram.analysis.roads import figures
    from serviceprogram.analysis.roads.settings import RoadSettings
    from serviceprogram.inputs.geo.projection import from_sweref

    x0, y0 = 500_000.0, 7_000_000.0
    corners = np.array([(x0, y0), (x0, y0 + 6500), (x0 + 2000, y0 + 6500), (x0 + 2000, y0)])
    lat, lon = from_sweref(corners[:, 0], corners[:, 1])
    import osmium
    from osmium.osm.mutable import Node, Way

    path = tmp_path / "vagar.osm.pbf"
    writer = osmium.SimpleWriter(str(path))
    for i in range(4):
        writer.add_node(Node(id=i + 1, location=(float(lon[i]), float(lat[i]))))
    writer.add_way(Way(id=1, nodes=[1, 2, 3, 4], tags={"highway": "secondary"}))
    writer.close()
    points = pd.DataFrame({"id": ["A", "B"], "namn": ["A", "B"], "lat": lat[[0, 3]], "lon": lon[[0, 3]],
                           "dagligvaror": "Fullsortiment", "oppnad": pd.NaT, "stangd": pd.NaT})
    km = figures.driftstod_road_km(RoadSettings(path), points, 2024, ["A"])
    assert km["A"] == pytest.approx(15.0, rel=1e-3)  # 2 km straight, 15 km by road


def test_road_search_is_cached_on_disk(tmp_path, monkeypatch):
    """A second process (simulated: the memory cache emptied) reads the search from the disk cache."""
    from serviceprogram.analysis.roads import figures
    from serviceprogram.analysis.roads.settings import RoadSettings

    monkeypatch.setenv("SERVICEPROGRAM_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "vagar.osm.pbf"
    _write_pbf(path)
    population = pd.DataFrame({"lat": [63.0, 63.0], "lon": [14.0, 14.06], "befolkning": [5, 7]})
    points = pd.DataFrame({"id": ["P"], "namn": ["P"], "lat": [63.0], "lon": [14.04], "dagligvaror": "Fullsortiment",
                           "drivmedel": True, "oppnad": pd.NaT, "stangd": pd.NaT})
    settings = RoadSettings(path)
    first = figures.cached_result(settings, 2024, population, points)
    assert len(list((tmp_path / "cache" / "vagnat").glob("*.npz"))) == 1
    figures._RESULTS.clear()

    def fail(*args, **kwargs):
        raise AssertionError("searched again")

    monkeypatch.setattr(figures, "road_distances", fail)
    again = figures.cached_result(settings, 2024, population, points)
    pd.testing.assert_frame_equal(first.km, again.km)
    # another year with other open points is a new search
    closed = points.assign(stangd=pd.to_datetime(["2024-06-30"]))
    with pytest.raises(AssertionError, match="searched again"):
        figures.cached_result(settings, 2024, population, closed)


def test_example_network_is_made_by_its_script(tmp_path):
    """The committed example network is what the seeded script writes, and it has a ferry and
    an island without a link."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_example_roads", ROOT / "scripts" / "make_example_roads.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "vagnat.osm.pbf"
    module.main(["--out", str(out)])
    committed = ROOT / "data" / "vagnat" / "exempel-vagnat.osm.pbf"
    assert out.read_bytes() == committed.read_bytes()
    graph = read_osm(committed)
    assert graph.n_ferry_edges > 0
    assert len(np.unique(graph.components())) == 2


def _points_frame(rows):
    base = {"namn": "", "kommun": "Berg", "ort": "", "dagligvaror": "", "drivmedel": False, "paketombud": False,
            "apoteksombud": False, "kontantuttag": False, "oppnad": pd.NaT, "stangd": pd.NaT}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_compare_with_osm_by_distance_and_name():
    from serviceprogram.analysis.roads.compare_osm import compare

    points = _points_frame([
        {"id": "S1", "namn": "Hackås Lanthandel", "lat": 62.9233, "lon": 14.5167, "dagligvaror": "Fullsortiment"},
        {"id": "S2", "namn": "Myrvikens Livs", "lat": 63.0, "lon": 14.35, "dagligvaror": "Fullsortiment"},
        {"id": "S3", "namn": "Okänd Butik", "lat": 62.5, "lon": 14.0, "dagligvaror": "Fullsortiment"},
        {"id": "S4", "namn": "Stängd", "lat": 62.6, "lon": 14.0, "dagligvaror": "Fullsortiment",
         "stangd": pd.Timestamp("2024-03-01")},
    ])
    osm = pd.DataFrame([
        {"osm_id": "node/1", "typ": "dagligvaror", "namn": "Hackås lanthandel", "lat": 62.9300, "lon": 14.5167},  # 750 m, same name
        {"osm_id": "node/2", "typ": "dagligvaror", "namn": "ICA Nära", "lat": 63.0010, "lon": 14.35},  # 110 m
        {"osm_id": "node/3", "typ": "dagligvaror", "namn": "Ny butik", "lat": 62.7, "lon": 14.2},  # nothing near
        {"osm_id": "node/4", "typ": "drivmedel", "namn": "Macken", "lat": 62.9233, "lon": 14.5167},  # S1 sells no fuel
        {"osm_id": "node/5", "typ": "dagligvaror", "namn": "Stängd", "lat": 62.6, "lon": 14.0},  # closed in the list
    ])
    result = compare(osm, points, 2024)
    assert sorted(result.matched["Serviceplats"]) == ["S1", "S2"]
    assert sorted(result.missing["OSM-id"]) == ["node/3", "node/4", "node/5"]
    assert list(result.unknown["Serviceplats"]) == ["S3"]
    # a similar name does not reach farther than 1 500 m
    far = osm.assign(lat=osm["lat"].where(osm["osm_id"] != "node/1", 62.96))
    assert "node/1" in set(compare(far, points, 2024).missing["OSM-id"])


def test_jamfor_osm_command_never_overwrites(tmp_path):
    from serviceprogram.cli import main

    out = tmp_path / "jamfor.xlsx"
    assert main(["jamfor-osm", "--data-dir", str(ROOT / "data"), "--year", "2024", "--out", str(out)]) == 0
    import openpyxl

    book = openpyxl.load_workbook(out)
    assert {"Om jämförelsen", "Saknas i serviceplatser", "Okända i OSM", "Matchade"} <= set(book.sheetnames)
    names = [r[1].value for r in book["Saknas i serviceplatser"].iter_rows(min_row=2)]
    assert "Exempelköp Odenskog" in names  # a shop the example's list lacks
    assert main(["jamfor-osm", "--data-dir", str(ROOT / "data"), "--year", "2024", "--out", str(out)]) == 0  # its own
    foreign = tmp_path / "mitt.xlsx"
    foreign.write_bytes(b"not a workbook")
    assert main(["jamfor-osm", "--data-dir", str(ROOT / "data"), "--year", "2024", "--out", str(foreign)]) == 2
    assert foreign.read_bytes() == b"not a workbook"
    inside = ROOT / "data" / "jamfor.xlsx"
    assert main(["jamfor-osm", "--data-dir", str(ROOT / "data"), "--year", "2024", "--out", str(inside)]) == 2
    assert not inside.exists()


def test_geopackage_road_lines_as_network(tmp_path):
    """NVDB-like road lines in a GeoPackage: lines join at shared vertices, the speed column is
    read, an empty speed gets the default, a ferry line gets the ferry speed and wait."""
    import geopandas as gpd
    from serviceprogram.analysis.roads.gpkg import read_gpkg
    from shapely.geometry import LineString

    lines = gpd.GeoDataFrame(
        {"Hastighet": [60, None, 0], "Farja": ["nej", "nej", "ja"]},
        geometry=[LineString([(0, 0), (3000, 0)]), LineString([(3000, 0), (3000, 4000)]),
                  LineString([(3000, 4000), (3000, 7000)])], crs="EPSG:3006")
    path = tmp_path / "nvdb.gpkg"
    lines.to_file(path, driver="GPKG", engine="pyogrio")
    graph = read_gpkg(path)
    assert graph.n_nodes == 4 and graph.n_ferry_edges == 1
    res = road_distances(graph, [(0, 0)], [(3000, 7000)], {"t": np.array([True])})
    assert res.km["t"].iloc[0] == pytest.approx(10.0)
    assert res.min["t"].iloc[0] == pytest.approx(3 + 4 / 70 * 60 + 3 / 15 * 60 + 10)
    with pytest.raises(Exception, match="hastighet_kolumn"):
        read_gpkg(path, speed_column="finns_inte")


def test_build_cache_hashes_the_road_network(tmp_path):
    """A changed network file makes the year stale: the manifest hashes every file in vagnat/."""
    import shutil

    from serviceprogram.build import cache

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    before = cache.manifest(data, 2024)["inputs"]
    assert "data/vagnat/exempel-vagnat.osm.pbf" in before
    network = data / "vagnat" / "exempel-vagnat.osm.pbf"
    network.write_bytes(network.read_bytes() + b"\0")
    after = cache.manifest(data, 2024)["inputs"]
    assert after["data/vagnat/exempel-vagnat.osm.pbf"] != before["data/vagnat/exempel-vagnat.osm.pbf"]


def test_search_gives_the_same_costs_as_scipy_dijkstra_on_a_random_graph():
    # The compiled multi-source search must give, bit for bit, what scipy's Dijkstra gives
    # from a virtual source joined to the start nodes (with one-way edges, parallel edges,
    # unreachable parts and start nodes given twice with different costs).
    from scipy import sparse
    from scipy.sparse.csgraph import dijkstra
    from serviceprogram.analysis.roads.search import cost_to_nearest, costs_to_nearest

    rng = np.random.default_rng(7)
    n, m = 3000, 9000
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = a != b
    matrix = sparse.csr_matrix((rng.uniform(1, 500, keep.sum()), (a[keep], b[keep])), shape=(n, n))
    nodes = np.r_[rng.integers(0, n, 40), 5, 5]
    cost = np.r_[rng.uniform(0.5, 300, 40), 250.0, 2.0]
    order = np.lexsort((cost, nodes))
    first = np.r_[True, np.diff(nodes[order]) != 0]
    src, src_cost = nodes[order][first], cost[order][first]
    extended = sparse.csr_matrix(
        (np.r_[matrix.data, src_cost], np.r_[matrix.indices, src],
         np.r_[matrix.indptr, matrix.indptr[-1] + len(src)]), shape=(n + 1, n + 1))
    expected = dijkstra(extended, directed=True, indices=n)[:n]
    ours = cost_to_nearest(matrix, nodes, cost)
    assert np.isinf(expected).any() and np.isfinite(expected).sum() > n / 2
    np.testing.assert_array_equal(ours, expected)
    assert ours[5] == 2.0
    # the same searches in parallel threads, each kept through its finish function
    jobs = [(matrix, nodes[:k], cost[:k], lambda d: d[:100].copy()) for k in (42, 10, 0)]
    par = costs_to_nearest(jobs, workers=2)
    np.testing.assert_array_equal(par[0], expected[:100])
    np.testing.assert_array_equal(par[1], cost_to_nearest(matrix, nodes[:10], cost[:10])[:100])
    assert np.isinf(par[2]).all()
