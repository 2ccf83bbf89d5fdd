"""Roads on the access maps, the road-distance map, locality labels, the memo's road
figures and OSM multipolygons in ``jamfor-osm`` (issue 15). Small inputs, no build."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from serviceprogram import errors
from serviceprogram.analysis import access
from serviceprogram.analysis.roads.lines import RoadLines, road_lines
from serviceprogram.inputs import service_points
from serviceprogram.inputs.geo import projection
from serviceprogram.inputs.geo.projection import from_sweref
from serviceprogram.publishing import access_charts, access_maps

YEAR = 2024
X0, Y0 = 500_000.0, 7_000_000.0


def _points(rows):
    out = []
    for pid, dx, dy in rows:
        lat, lon = from_sweref(X0 + dx, Y0 + dy)
        out.append({"id": pid, "namn": f"Butik {pid}", "kommun": "Berg", "ort": "Orten", "lat": float(lat),
                    "lon": float(lon), "dagligvaror": "Fullsortiment", "drivmedel": False, "paketombud": False,
                    "apoteksombud": False, "kontantuttag": False, "oppnad": pd.NaT, "stangd": pd.NaT})
    return pd.DataFrame(out)


def _population(rows):
    dx = np.array([r[0] for r in rows], float)
    dy = np.array([r[1] for r in rows], float)
    lat, lon = from_sweref(X0 + dx, Y0 + dy)
    return pd.DataFrame({"lat": lat, "lon": lon, "befolkning": [r[2] for r in rows], "kommun": "Berg"})


def _case():
    points = _points([("S1", 0, 0)])
    # 3 km fågelvägen each; by road 2, 15 km and no road at all
    pop = _population([(3000, 0, 100), (0, 3000, 50), (-3000, 0, 20)])
    dist = access.distances(pop, points, YEAR)
    road_km = pd.DataFrame({t: [2.0, 15.0, np.inf] for t in service_points.SERVICE_TYPES}, index=pop.index)
    lines = RoadLines(main=[np.array([[X0, Y0], [X0 + 3000, Y0]])],
                      local=[np.array([[X0, Y0], [X0, Y0 + 3000]]), np.array([[X0, Y0], [X0 - 500, Y0 - 800]])],
                      ferry=[np.array([[X0 - 3000, Y0], [X0 - 1000, Y0]])])
    return points, pop, dist, road_km, lines


def _legend_titles(fig):
    return [lg.get_title().get_text() for lg in fig.legends]


def test_map_draws_roads_between_borders_and_points():
    points, pop, dist, _, lines = _case()
    fig = access_maps.access_map(pop, dist, points, YEAR, "fullsortiment", lan="Testlän", roads=lines)
    ax = fig.axes[0]
    roads = {i: c for i, c in enumerate(ax.collections) if isinstance(c, LineCollection)}
    assert len(roads) == 3
    local = min(roads.values(), key=lambda c: c.get_linewidth()[0])
    main = max(roads.values(), key=lambda c: c.get_linewidth()[0])
    assert main.get_linewidth()[0] > 2 * local.get_linewidth()[0]
    # the main road is darker than the local road
    assert sum(main.get_color()[0][:3]) < sum(local.get_color()[0][:3])
    # the ferry is the only dashed one
    dashed = [c for c in roads.values() if c.get_linestyle()[0][1] is not None]
    assert len(dashed) == 1 and len(dashed[0].get_segments()) == 1
    # under every population point, above the (gray) municipal lines at zorder 1.5–1.6
    scatters = [c for c in ax.collections if not isinstance(c, LineCollection)]
    assert max(c.get_zorder() for c in roads.values()) < min(c.get_zorder() for c in scatters)
    assert min(c.get_zorder() for c in roads.values()) > 1.6
    assert "Vägnät" in _legend_titles(fig)
    texts = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert {"Större väg", "Mindre väg", "Bilfärja"} <= set(texts)
    fig.savefig(io.BytesIO(), format="svg")


def test_map_without_network_has_no_roads():
    points, pop, dist, _, _ = _case()
    fig = access_maps.access_map(pop, dist, points, YEAR, "fullsortiment", lan="Testlän")
    assert not [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    assert "Vägnät" not in _legend_titles(fig)
    assert "Avstånd fågelvägen" in _legend_titles(fig)
    assert any("fågelvägen till närmaste" in t.get_text() for t in fig.texts)


def _colour_of_point(fig, xy):
    """Face colour of the population marker drawn at SWEREF ``xy``."""
    for c in fig.axes[0].collections:
        if isinstance(c, LineCollection) or c.get_offsets().shape[0] == 0:
            continue
        offsets = np.asarray(c.get_offsets())
        if np.any(np.all(np.isclose(offsets, xy), axis=1)):
            return tuple(np.round(c.get_facecolor()[0], 3))
    raise AssertionError(f"no marker at {xy}")


def test_road_map_colours_points_by_road_distance():
    points, pop, dist, road_km, lines = _case()
    straight = access_maps.access_map(pop, dist, points, YEAR, "fullsortiment", lan="Testlän")
    road = access_maps.access_map(pop, dist, points, YEAR, "fullsortiment", lan="Testlän", roads=lines,
                                    road_km=road_km)
    colors = [tuple(np.round(c, 3)) for c in access_charts.band_colors(4)]
    # fågelvägen: all three within 5 km
    assert {_colour_of_point(straight, (X0 + dx, Y0 + dy)) for dx, dy in ((3000, 0), (0, 3000), (-3000, 0))} \
        == {colors[0]}
    # by road: 2 km (nearest band), 15 km (10–20 km) and no road (grey, its own legend entry)
    assert _colour_of_point(road, (X0 + 3000, Y0)) == colors[0]
    assert _colour_of_point(road, (X0, Y0 + 3000)) == colors[2]
    grey = _colour_of_point(road, (X0 - 3000, Y0))
    assert grey not in colors and grey[0] == grey[1] == grey[2]
    assert "Avstånd längs vägen" in _legend_titles(road)
    labels = [t.get_text() for lg in road.legends for t in lg.get_texts()]
    assert access_maps.NO_ROAD_LABEL in labels
    assert any("längs vägnätet till närmaste" in t.get_text() for t in road.texts)
    with pytest.raises(errors.AccessError):
        access_maps.access_map(pop, dist, points, YEAR, "fullsortiment", road_km=road_km.iloc[:2])


def test_alt_text_of_a_fagelvagen_map_names_the_roads_drawn():
    points, pop, dist, _, _ = _case()
    plain = access_maps.alt_text_map(pop, dist, points, YEAR, "fullsortiment", lan="Testlän")
    with_roads = access_maps.alt_text_map(pop, dist, points, YEAR, "fullsortiment", lan="Testlän", roads=True)
    assert "vägnätet" not in plain
    assert with_roads.startswith(plain) and with_roads.endswith("Kartan visar också vägnätet: större vägar mörka "
                                                                 "och tjocka, mindre vägar ljusa och tunna.")


def test_alt_text_of_the_road_map():
    points, pop, _, road_km, _ = _case()
    text = access_maps.alt_text_road_map(pop, road_km, points, YEAR, "fullsortiment", lan="Testlän")
    # 100 of 170 within 5 km (59 %), 50 on 10–20 km (29 %), 20 without a road
    assert text.startswith("Karta över Testlän med vägnätet: 59\u00a0% av befolkningen bor inom 5 km längs vägnätet")
    assert "29\u00a0% på 10–20 km" in text
    assert "Grå på kartan är 20 personer" in text
    assert "1 öppen dagligvarubutik med fullsortiment" in text


def test_locality_labels_do_not_overlap():
    """Many places around one town: labels never overlap, the largest is named first, the rest skipped."""
    points, pop, dist, _, _ = _case()
    names = [f"Ort nummer {i}" for i in range(12)]
    rng = np.random.default_rng(3)
    dx, dy = rng.uniform(-4000, 4000, 12), rng.uniform(-4000, 4000, 12)
    lat, lon = from_sweref(X0 + dx, Y0 + dy)
    localities = pd.DataFrame({"namn": names, "lat": lat, "lon": lon, "befolkning": np.arange(12, 0, -1) * 1000})
    fig = access_maps.access_map(pop, dist, points, YEAR, "fullsortiment", lan="Testlän",
                                   localities=localities, scale_km=20)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    drawn = [t for t in ax.texts if t.get_text() in names]
    assert drawn and drawn[0].get_text() == "Ort nummer 0"  # the largest place is always named
    assert len(drawn) < len(names)  # a crowded area: some names are left out
    boxes = [t.get_window_extent(renderer) for t in drawn]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (drawn[i].get_text(), drawn[j].get_text())
    # one ring per named place, none for a place left out
    rings = [c for c in ax.collections if c.get_zorder() == 8]
    assert len(rings) == len(drawn)


def _write_roads_pbf(path):
    import osmium
    from osmium.osm.mutable import Node, Way

    writer = osmium.SimpleWriter(str(path))
    for nid, loc in {1: (14.00, 63.0), 2: (14.02, 63.0), 3: (14.04, 63.0), 4: (14.06, 63.0),
                     5: (14.02, 63.01), 6: (14.03, 63.02)}.items():
        writer.add_node(Node(id=nid, location=loc))
    writer.add_way(Way(id=10, nodes=[1, 2], tags={"highway": "primary"}))
    writer.add_way(Way(id=11, nodes=[2, 3], tags={"route": "ferry"}))
    writer.add_way(Way(id=12, nodes=[3, 4], tags={"highway": "residential"}))
    writer.add_way(Way(id=13, nodes=[2, 5], tags={"highway": "service"}))
    writer.add_way(Way(id=14, nodes=[5, 6], tags={"highway": "footway"}))
    writer.add_way(Way(id=15, nodes=[4, 6], tags={"highway": "trunk_link"}))
    writer.close()


def test_road_lines_from_osm_by_class(tmp_path):
    from serviceprogram.analysis.roads.settings import RoadSettings

    path = tmp_path / "vagar.osm.pbf"
    _write_roads_pbf(path)
    lines = road_lines(RoadSettings(path))
    assert (len(lines.main), len(lines.local), len(lines.ferry)) == (2, 1, 1)  # service and footway not drawn
    x, _ = projection.to_sweref(np.array([63.0]), np.array([14.0]))
    assert lines.main[0][0, 0] == pytest.approx(x[0])  # SWEREF 99 TM metres


def test_road_lines_from_geopackage_by_functional_class(tmp_path):
    import geopandas as gpd
    import shapely
    from serviceprogram.analysis.roads.settings import RoadSettings

    frame = gpd.GeoDataFrame(
        {"Funktionell vägklass": [1, 5, 7], "Färja": ["nej", "nej", "ja"]},
        geometry=[shapely.LineString([(X0, Y0), (X0 + 5000, Y0)]),
                  shapely.LineString([(X0, Y0), (X0, Y0 + 5000)]),
                  shapely.LineString([(X0, Y0), (X0 - 5000, Y0)])], crs="EPSG:3006")
    path = tmp_path / "nvdb.gpkg"
    frame.to_file(path, engine="pyogrio")
    lines = road_lines(RoadSettings(path))
    assert (len(lines.main), len(lines.local), len(lines.ferry)) == (1, 1, 1)
    assert lines.main[0][-1, 0] == pytest.approx(X0 + 5000)


# --- the memo -------------------------------------------------------------------------------


def _long(rows):
    return pd.DataFrame(rows, columns=["indikator", "dimension", "varde"])


BASE = [("tillganglighet_befolkning_over_10km", "fullsortiment", 11379.0),
        ("tillganglighet_andel_over_10km", "fullsortiment", 0.0857)]
ROAD = [("vag_befolkning_over_10km", "fullsortiment", 17160.0), ("vag_befolkning_over_10km", "dagligvaror", 11997.0),
        ("vag_restid_medel_min", "fullsortiment", 5.251), ("vag_befolkning_ej_nabar", "fullsortiment", 3.0)]


def test_memo_states_road_figures_beside_fagelvagen():
    from serviceprogram.publishing.memo import words

    f = words._Figures(_long(BASE + ROAD))
    text = words._access_paragraph("Testlän", [], f).replace("\u00a0", " ")
    assert "Räknat längs vägnätet bodde 17 160 personer mer än 10 km från närmaste dagligvarubutik med " \
           "fullsortiment, mot 11 379 personer räknat fågelvägen." in text
    assert "i genomsnitt 5,3 minuter" in text
    assert "Till närmaste dagligvarubutik av något slag hade 11 997 personer mer än 10 km längs vägen." in text
    assert "Dessutom nådde tre personer ingen butik med fullsortiment via vägnätet" in text  # up to twelve in words
    assert "Eftersom avståndet mäts fågelvägen" not in text
    stated = {(i, d) for i, d, _ in f.used}
    assert {("vag_befolkning_over_10km", "fullsortiment"), ("vag_restid_medel_min", "fullsortiment"),
            ("vag_befolkning_ej_nabar", "fullsortiment")} <= stated
    assert ("5,3" in [s for _, _, s in f.used])


def test_memo_without_network_keeps_the_fagelvagen_caveat():
    from serviceprogram.publishing.memo import words

    text = words._access_paragraph("Testlän", [], words._Figures(_long(BASE)))
    assert "Eftersom avståndet mäts fågelvägen är vägen minst lika lång." in text
    assert "vägnätet" not in text


# --- jamfor-osm: shops mapped as multipolygon relations ---------------------------------------

OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" lat="63.0000" lon="14.0000" version="1"/>
  <node id="2" lat="63.0000" lon="14.0020" version="1"/>
  <node id="3" lat="63.0010" lon="14.0020" version="1"/>
  <node id="4" lat="63.0010" lon="14.0000" version="1"/>
  <node id="5" lat="63.1000" lon="14.1000" version="1">
    <tag k="shop" v="convenience"/><tag k="name" v="Nodbutiken"/>
  </node>
  <node id="11" lat="63.2000" lon="14.2000" version="1"/>
  <node id="12" lat="63.2000" lon="14.2010" version="1"/>
  <node id="13" lat="63.2005" lon="14.2010" version="1"/>
  <node id="14" lat="63.2005" lon="14.2000" version="1"/>
  <node id="21" lat="63.3000" lon="14.3000" version="1"/>
  <node id="22" lat="63.3000" lon="14.3010" version="1"/>
  <node id="23" lat="63.3005" lon="14.3010" version="1"/>
  <node id="24" lat="63.3005" lon="14.3000" version="1"/>
  <way id="100" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/></way>
  <way id="101" version="1"><nd ref="3"/><nd ref="4"/><nd ref="1"/></way>
  <way id="200" version="1">
    <nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/><nd ref="11"/>
    <tag k="amenity" v="fuel"/><tag k="name" v="Vägmacken"/>
  </way>
  <way id="300" version="1">
    <nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="24"/><nd ref="21"/>
    <tag k="building" v="yes"/>
  </way>
  <relation id="1000" version="1">
    <member type="way" ref="100" role="outer"/><member type="way" ref="101" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="building" v="retail"/>
    <tag k="shop" v="supermarket"/><tag k="name" v="Relationsköp"/>
  </relation>
  <relation id="2000" version="1">
    <member type="way" ref="300" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="amenity" v="pharmacy"/><tag k="name" v="Apoteket Gården"/>
  </relation>
</osm>
"""


def _expect_places(frame):
    by_id = frame.set_index("osm_id")
    assert set(by_id.index) == {"node/5", "way/200", "relation/1000", "relation/2000"}
    shop = by_id.loc["relation/1000"]
    assert (shop["typ"], shop["namn"]) == ("dagligvaror", "Relationsköp")
    assert shop["lat"] == pytest.approx(63.0005, abs=1e-6) and shop["lon"] == pytest.approx(14.001, abs=1e-6)
    assert by_id.loc["relation/2000", "typ"] == "apotek"
    assert by_id.loc["way/200", "typ"] == "drivmedel"


def test_jamfor_osm_reads_multipolygon_relations(tmp_path):
    import osmium
    from serviceprogram.analysis.roads.compare_osm import read_places

    xml = tmp_path / "utdrag.osm"
    xml.write_text(OSM_XML, encoding="utf-8")
    _expect_places(read_places(xml))
    # the same data as .osm.pbf, the format of the downloaded extracts
    pbf = tmp_path / "utdrag.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    _expect_places(read_places(pbf))


def test_a_long_map_title_is_wrapped_inside_the_figure():
    points, pop, dist, _, _ = _case()
    title = "Scenario: avstånd fågelvägen till närmaste dagligvarubutik med fullsortiment"
    fig = access_maps.access_map(pop, dist, points, YEAR, "fullsortiment", title=title)
    text = next(t for t in fig.texts if t.get_text().replace("\n", " ") == title)
    fig.canvas.draw()
    assert text.get_window_extent().x1 <= fig.bbox.x1
