"""Build a :class:`~.graph.RoadGraph` from road lines in a GeoPackage (e.g. Trafikverket's NVDB).

Each line (LineString or MultiLineString, any CRS; reprojected to SWEREF 99 TM) is a
chain of edges between its vertices. Lines join where they share a vertex (coordinates
rounded to :data:`JOIN_M`), as in NVDB's topology. Columns are found by name (case and
Swedish letters ignored), or named in ``[vagnat]``:

- speed (km/h): ``hastighet_kolumn`` or one of :data:`SPEED_COLUMNS`; missing or
  unreadable values get ``standardhastighet_kmh`` (70, the Swedish general limit
  outside built-up areas);
- one-way: one of :data:`ONEWAY_COLUMNS` (true/ja/1: driven in the line's direction);
- ferry: one of :data:`FERRY_COLUMNS` (true/ja/1), driven at the ferry speed plus the wait.
"""
from __future__ import annotations

import numpy as np

from .graph import FERRY_SPEED_KMH, FERRY_WAIT_MIN, RoadGraph, build_graph

__all__ = ["JOIN_M", "DEFAULT_SPEED_KMH", "SPEED_COLUMNS", "ONEWAY_COLUMNS", "FERRY_COLUMNS",
           "truthy_column", "read_gpkg"]

JOIN_M = 0.5
DEFAULT_SPEED_KMH = 70.0
SPEED_COLUMNS = ("hastighet", "hastighet_kmh", "hogsta_tillatna_hastighet", "hastighetsgrans", "htahast",
                 "maxspeed", "speed")
ONEWAY_COLUMNS = ("enkelriktad", "oneway")
FERRY_COLUMNS = ("farja", "farjeled", "ferry")
_TRUE = {"1", "true", "ja", "yes", "j", "y"}
_FOLD = str.maketrans("åäöÅÄÖ", "aaoAAO")


def _column(frame, wanted, candidates):
    names = {str(c).translate(_FOLD).casefold(): c for c in frame.columns}
    if wanted:
        key = str(wanted).translate(_FOLD).casefold()
        if key not in names:
            from .settings import RoadSettingsError

            raise RoadSettingsError(f"program.toml, [vagnat], hastighet_kolumn: kolumnen {wanted!r} finns inte i "
                                    f"vägnätets fil (kolumner: {', '.join(map(str, frame.columns))}).")
        return names[key]
    return next((names[c] for c in candidates if c in names), None)


def truthy_column(series) -> np.ndarray:
    return series.map(lambda v: str(v).strip().casefold() in _TRUE).to_numpy(bool)


def read_gpkg(path, speed_column: str | None = None, default_speed_kmh: float = DEFAULT_SPEED_KMH,
              ferry_speed_kmh: float = FERRY_SPEED_KMH, ferry_wait_min: float = FERRY_WAIT_MIN) -> RoadGraph:
    """Read road lines from a GeoPackage (first layer) into a road graph."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    frame = gpd.read_file(path, engine="pyogrio")
    if frame.crs is None:
        frame = frame.set_crs("EPSG:3006")
    frame = frame.to_crs("EPSG:3006")
    frame = frame[frame.geometry.notna() & frame.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    frame = frame.explode(index_parts=False, ignore_index=True)
    if frame.empty:
        return build_graph(np.empty((0, 2)), [], [], [], [])
    speed_col = _column(frame, speed_column, SPEED_COLUMNS)
    speed = (pd.to_numeric(frame[speed_col], errors="coerce") if speed_col is not None
             else pd.Series(np.nan, index=frame.index))
    speed = speed.where((speed > 0) & (speed < 200), default_speed_kmh).to_numpy(float)
    one_col, ferry_col = _column(frame, None, ONEWAY_COLUMNS), _column(frame, None, FERRY_COLUMNS)
    oneway = truthy_column(frame[one_col]) if one_col is not None else np.zeros(len(frame), bool)
    ferry = truthy_column(frame[ferry_col]) if ferry_col is not None else np.zeros(len(frame), bool)
    coords, line_of = shapely.get_coordinates(frame.geometry.to_numpy(), return_index=True)
    keys = np.round(coords / JOIN_M).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    xy = coords[first]
    same = line_of[1:] == line_of[:-1]
    start, end, edge_line = inverse[:-1][same], inverse[1:][same], line_of[:-1][same]
    keep = start != end
    start, end, edge_line = start[keep], end[keep], edge_line[keep]
    length = np.hypot(*(xy[end] - xy[start]).T)
    is_ferry = ferry[edge_line]
    first_edge = np.r_[True, edge_line[1:] != edge_line[:-1]]
    graph = build_graph(xy, start, end, length, np.where(is_ferry, ferry_speed_kmh, speed[edge_line]),
                        oneway=oneway[edge_line] & ~is_ferry,
                        extra_min=np.where(is_ferry & first_edge, ferry_wait_min, 0.0))
    graph.n_ways = len(frame)
    graph.n_ferry_edges = int(is_ferry.sum())
    return graph
