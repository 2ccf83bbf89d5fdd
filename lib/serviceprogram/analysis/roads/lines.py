"""The road network as lines to draw on the maps: main roads, local roads and ferries.

The search graph (:mod:`.graph`) keeps no road class, so the maps read the network
file once more, here, and keep only what a county map needs:

- ``.osm.pbf``: ``highway`` motorway, trunk, primary and secondary (and their links)
  are main roads; tertiary, unclassified, road and residential are local roads;
  ``route=ferry`` ways are ferries. Service roads, living streets, tracks and paths
  are not drawn (at county scale they only darken the towns).
- GeoPackage (e.g. NVDB): the class is read from a column named as in
  :data:`CLASS_COLUMNS` (an OSM ``highway`` value, or Trafikverket's functional road
  class 0–9, where 0–3 are main roads); without one, roads with a speed of at least
  :data:`MAIN_SPEED_KMH` km/h count as main roads. Ferries from the ferry column.

Lines are simplified to :data:`SIMPLIFY_M` metres (invisible at county scale) and kept
in SWEREF 99 TM. The result is cached per file content.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

__all__ = ["MAIN_CLASSES", "LOCAL_CLASSES", "CLASS_COLUMNS", "MAIN_FUNCTIONAL_CLASS", "MAIN_SPEED_KMH",
           "SIMPLIFY_M", "RoadLines", "kind_of_highway", "road_lines"]

MAIN_CLASSES = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
                "secondary", "secondary_link"}
LOCAL_CLASSES = {"tertiary", "tertiary_link", "unclassified", "road", "residential"}
CLASS_COLUMNS = ("highway", "vagklass", "funktionell_vagklass", "funkvagklass", "klass")
MAIN_FUNCTIONAL_CLASS = 3
MAIN_SPEED_KMH = 80.0
SIMPLIFY_M = 50.0

_CACHE: dict = {}


@dataclass
class RoadLines:
    """Polylines (arrays of SWEREF 99 TM coordinates, shape (k, 2)) by kind."""

    main: list = field(default_factory=list)
    local: list = field(default_factory=list)
    ferry: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.main) + len(self.local) + len(self.ferry)


def kind_of_highway(value) -> str | None:
    """"main", "local" or None (not drawn) for an OSM ``highway`` value."""
    if value in MAIN_CLASSES:
        return "main"
    if value in LOCAL_CLASSES:
        return "local"
    return None


def _simplified_lines(coords: np.ndarray, line_of: np.ndarray) -> list[np.ndarray]:
    """Split coordinates into lines (``line_of``: sorted line number per vertex) and simplify them all at once."""
    import shapely

    if not len(coords):
        return []
    geoms = shapely.simplify(shapely.linestrings(coords, indices=line_of), SIMPLIFY_M)
    flat, index = shapely.get_coordinates(geoms, return_index=True)
    cuts = np.flatnonzero(np.diff(index)) + 1
    return np.split(flat, cuts)


def _read_osm(path) -> RoadLines:
    import osmium

    from ...inputs.geo.projection import to_sweref

    kinds: list[str] = []
    lat: list[np.ndarray] = []
    lon: list[np.ndarray] = []
    processor = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
                 .with_locations()
                 .with_filter(osmium.filter.KeyFilter("highway", "route")))
    for way in processor:
        if not way.is_way():
            continue
        kind = "ferry" if way.tags.get("route") == "ferry" else kind_of_highway(way.tags.get("highway"))
        if kind is None:
            continue
        coords = np.array([(n.lat, n.lon) for n in way.nodes if n.location.valid()], dtype=float)
        if len(coords) < 2:
            continue
        kinds.append(kind)
        lat.append(coords[:, 0])
        lon.append(coords[:, 1])
    lines = RoadLines()
    if not kinds:
        return lines
    x, y = to_sweref(np.concatenate(lat), np.concatenate(lon))
    line_of = np.repeat(np.arange(len(kinds)), [len(a) for a in lat])
    for kind, xy in zip(kinds, _simplified_lines(np.column_stack([x, y]), line_of)):
        getattr(lines, kind).append(xy)
    return lines


def _fold(name) -> str:
    return str(name).translate(str.maketrans("åäöÅÄÖ", "aaoAAO")).casefold().strip().replace(" ", "_")


def _gpkg_kinds(frame, speed_column: str | None, default_speed_kmh: float) -> np.ndarray:
    import pandas as pd

    from .gpkg import FERRY_COLUMNS, SPEED_COLUMNS, truthy_column

    names = {_fold(c): c for c in frame.columns}
    kinds = np.full(len(frame), "local", dtype=object)
    column = next((names[c] for c in CLASS_COLUMNS if c in names), None)
    if column is not None:
        values = frame[column]
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().any():
            kinds[(numeric <= MAIN_FUNCTIONAL_CLASS).to_numpy()] = "main"
        else:
            kinds = np.array([kind_of_highway(str(v)) or "local" for v in values], dtype=object)
    else:
        speed_col = names.get(_fold(speed_column)) if speed_column else next(
            (names[c] for c in SPEED_COLUMNS if c in names), None)
        if speed_col is not None:
            speed = pd.to_numeric(frame[speed_col], errors="coerce").fillna(default_speed_kmh)
            kinds[(speed >= MAIN_SPEED_KMH).to_numpy()] = "main"
    ferry_col = next((names[c] for c in FERRY_COLUMNS if c in names), None)
    if ferry_col is not None:
        kinds[truthy_column(frame[ferry_col])] = "ferry"
    return kinds


def _read_gpkg(path, speed_column: str | None, default_speed_kmh: float) -> RoadLines:
    import geopandas as gpd
    import shapely

    frame = gpd.read_file(path, engine="pyogrio")
    if frame.crs is None:
        frame = frame.set_crs("EPSG:3006")
    frame = frame.to_crs("EPSG:3006")
    frame = frame[frame.geometry.notna() & frame.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    frame = frame.explode(index_parts=False, ignore_index=True)
    lines = RoadLines()
    if frame.empty:
        return lines
    kinds = _gpkg_kinds(frame, speed_column, default_speed_kmh)
    for kind, geom in zip(kinds, shapely.simplify(frame.geometry.to_numpy(), SIMPLIFY_M)):
        xy = shapely.get_coordinates(geom)
        if len(xy) >= 2:
            getattr(lines, kind).append(xy)
    return lines


def road_lines(settings) -> RoadLines:
    """The network of :class:`~.settings.RoadSettings` as lines to draw (cached per file content)."""
    key = (hashlib.sha256(settings.path.read_bytes()).hexdigest(), settings.is_gpkg, settings.speed_column,
           settings.default_speed_kmh)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = (_read_gpkg(settings.path, settings.speed_column, settings.default_speed_kmh)
                       if settings.is_gpkg else _read_osm(settings.path))
    return _CACHE[key]
