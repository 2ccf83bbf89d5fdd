"""SCB's population grid and the municipal borders (serviceprogram.inputs.geo), on small hand-made inputs."""
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from serviceprogram.inputs.geo.borders import assign, municipality_borders
from serviceprogram.inputs.geo.population_grid import parse_cell_id, source_text
from serviceprogram.inputs.geo.projection import to_sweref
from serviceprogram.inputs.loading import load_population
from serviceprogram.inputs.program import load_program

DATA = Path(__file__).resolve().parent.parent / "data"


def test_scb_cell_ids():
    x, y, size = parse_cell_id(["3940006133000", "SE_CRS3006RES250mN6133250E394500", 3940006133000.0, "abc"])
    assert x[:3].tolist() == [394000, 394500, 394000]
    assert y[:3].tolist() == [6133000, 6133250, 6133000]
    assert size[1] == 250 and np.isnan(size[0])
    assert np.isnan(x[3])


@pytest.fixture
def folder(tmp_path):
    shutil.copy(DATA / "program.toml", tmp_path / "program.toml")
    (tmp_path / "2024").mkdir()
    return tmp_path


def _cell(lat, lon, size=1000):
    x, y = to_sweref(np.array([lat]), np.array([lon]))
    x0, y0 = float(np.floor(x[0] / size) * size), float(np.floor(y[0] / size) * size)
    return x0, y0, shapely.box(x0, y0, x0 + size, y0 + size)


def test_geopackage_with_three_cells(folder):
    cells = [_cell(63.1792, 14.6357), _cell(63.3472, 13.4833), _cell(59.3293, 18.0686)]  # Östersund, Järpen, Stockholm
    frame = gpd.GeoDataFrame({
        "rutid_scb": [f"{int(x):06d}{int(y):07d}" for x, y, _ in cells],
        "rutstorl": [1000, 1000, 1000],
        "beftotalt": [120, 7, 3000],
        "referenstid": ["20241231"] * 3,
    }, geometry=[g for _, _, g in cells], crs="EPSG:3006")
    frame.to_file(folder / "2024" / "befolkning.gpkg", layer="befolkning_1km_2024", driver="GPKG")
    problems, sources = [], []
    population = load_population(folder, 2024, load_program(folder), problems, sources)
    assert population["kommun"].tolist() == ["Östersund", "Åre"]
    assert population["befolkning"].tolist() == [120, 7]
    # Cell centres: the south-west corner plus half a cell.
    assert population["x"].tolist() == [cells[0][0] + 500, cells[1][0] + 500]
    outside = [p for p in problems if "utanför länets kommuner" in p.rule]
    assert len(outside) == 1 and "3000" in outside[0].rule and not outside[0].is_error
    text = source_text(population)
    assert "1 km" in text and "2024" in text and "en ruta med 3\u00a0000 invånare" in text


def test_csv_with_cell_ids(folder):
    x, y, _ = _cell(63.1792, 14.6357, 250)
    (folder / "befolkning.csv").write_text(f"Rutid,Beftotalt\n{int(x):06d}{int(y):07d},40\n", encoding="utf-8")
    problems = []
    population = load_population(folder, 2024, load_program(folder), problems, [])
    assert population["kommun"].tolist() == ["Östersund"]
    assert population["x"].iloc[0] == x + 125  # a corner off the 1 km grid: 250 m cells


def test_cell_on_a_border_is_counted_once():
    program = load_program(DATA)
    borders = municipality_borders(program)
    krokom = borders.set_index("namn").geometry["Krokom"]
    ostersund = borders.set_index("namn").geometry["Östersund"]
    shared = shapely.intersection(krokom.boundary, ostersund.boundary)
    point = shapely.line_interpolate_point(shapely.line_merge(shared), 0.5, normalized=True) \
        if shared.geom_type != "Point" else shared
    names, nearest, outside = assign([point.x], [point.y], borders)
    assert names.tolist() == ["Krokom"]  # the first of the two in program.toml
    assert not nearest.any() and not outside.any()


def test_cell_just_outside_a_coarse_border_goes_to_the_nearest():
    borders = municipality_borders(load_program(DATA))
    ragunda = borders.set_index("namn").geometry["Ragunda"]
    coords = shapely.get_coordinates(ragunda)
    east = coords[coords[:, 0].argmax()]  # the easternmost vertex: nothing of the county east of it
    names, nearest, outside = assign([east[0] + 500, east[0] + 50_000], [east[1]] * 2, borders)
    assert nearest.tolist() == [True, False] and outside.tolist() == [False, True]


def test_completeness_warnings(tmp_path):
    from serviceprogram.inputs.geo.completeness import completeness_warnings
    from serviceprogram.inputs.loading import load_year

    data = load_year(DATA, 2024)
    points = data.tables["serviceplatser"]
    tables = {"serviceplatser": points[points["kommun"] != "Ragunda"]}
    assert completeness_warnings(DATA, 2024, data.program, {"serviceplatser": points}, data.befolkning) == []
    (tmp_path / "orter.csv").write_text("namn,lat,lon,befolkning\nStorort,64.9,13.2,1500\nLitenby,64.9,13.3,900\n",
                                        encoding="utf-8")
    found = completeness_warnings(tmp_path, 2024, data.program, tables, data.befolkning)
    rules = [p.rule for p in found]
    assert len(found) == 2 and all(not p.is_error for p in found)
    assert rules[0].startswith("Ragunda har invånare men ingen öppen dagligvarubutik")
    assert "Orten Storort" in rules[1] and "Litenby" not in " ".join(rules)
