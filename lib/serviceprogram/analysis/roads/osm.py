"""Build a :class:`~.graph.RoadGraph` from an OpenStreetMap extract (``.osm.pbf``) with pyosmium.

Drivable ways: ``highway`` in :data:`~.graph.DEFAULT_SPEEDS_KMH` (tracks, paths and
cycleways are not), without ``access``/``motor_vehicle``/``motorcar`` = no/private.
Car ferries: ``route=ferry`` ways, at :data:`~.graph.FERRY_SPEED_KMH` plus
:data:`~.graph.FERRY_WAIT_MIN` per crossing. Speed: ``maxspeed`` in km/h (also
"SE:urban" 50, "SE:rural" 70, "SE:motorway" 110, "mph"), else the class default.
One-way: ``oneway`` yes/1/true/-1, motorways and roundabouts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .graph import DEFAULT_SPEEDS_KMH, FERRY_SPEED_KMH, FERRY_WAIT_MIN, RoadGraph, build_graph

__all__ = ["parse_maxspeed", "read_osm"]

_NO = {"no", "private"}
_ZONES = {"se:urban": 50.0, "se:rural": 70.0, "se:motorway": 110.0, "se:living_street": 10.0}


def parse_maxspeed(value: str | None) -> float | None:
    """km/h from an OSM maxspeed value, or None when it cannot be read."""
    if not value:
        return None
    text = value.strip().lower()
    if text in _ZONES:
        return _ZONES[text]
    factor = 1.609344 if text.endswith("mph") else 1.0
    try:
        speed = float(text.replace("mph", "").replace("km/h", "").strip()) * factor
    except ValueError:
        return None
    return speed if 0 < speed < 200 else None


@dataclass
class _Ways:
    """The drivable ways read, node by node (``refs``, WKB ``lines``) and way by way."""

    refs: list[int] = field(default_factory=list)
    lines: list = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    reverse: list[bool] = field(default_factory=list)
    speed: list[float] = field(default_factory=list)
    oneway: list[bool] = field(default_factory=list)
    ferry: list[bool] = field(default_factory=list)


def read_osm(path, speeds: dict[str, float] | None = None, ferry_speed_kmh: float = FERRY_SPEED_KMH,
             ferry_wait_min: float = FERRY_WAIT_MIN) -> RoadGraph:
    """Read the drivable roads and ferries of an ``.osm.pbf`` file into a road graph."""
    ways = _read_ways(path, {**DEFAULT_SPEEDS_KMH, **(speeds or {})}, ferry_speed_kmh)
    if not ways.refs:
        return build_graph(np.empty((0, 2)), [], [], [], [])
    return _graph_of(ways, ferry_wait_min)


def _read_ways(path, speeds: dict[str, float], ferry_speed_kmh: float) -> _Ways:
    import osmium
    import osmium.geom

    # Per way only the node ids are read in Python; the coordinates come from pyosmium's
    # WKB factory (one call per way, in C++) and are decoded in one go with shapely.
    wkb = osmium.geom.WKBFactory()
    ways = _Ways()
    processor = (osmium.FileProcessor(str(Path(path)), osmium.osm.NODE | osmium.osm.WAY)
                 .with_locations()
                 .with_filter(osmium.filter.KeyFilter("highway", "route")))
    for way in processor:
        if not way.is_way():
            continue
        tags = way.tags
        ferry = tags.get("route") == "ferry"
        highway = tags.get("highway")
        if not ferry and (highway not in speeds or any(tags.get(k) in _NO for k in
                                                     ("access", "motor_vehicle", "motorcar"))):
            continue
        nodes = _way_nodes(way, wkb)
        if nodes is None:
            continue
        ids, line = nodes
        ways.refs.extend(ids)
        ways.lines.append(line)
        ways.sizes.append(len(ids))
        oneway_tag = (tags.get("oneway") or "").lower()
        ways.reverse.append(oneway_tag == "-1")
        if ferry:
            ways.speed.append(ferry_speed_kmh)
        else:
            ways.speed.append(parse_maxspeed(tags.get("maxspeed")) or speeds[highway])
        ways.oneway.append(not ferry and (oneway_tag in {"yes", "1", "true", "-1"} or highway == "motorway"
                                          or tags.get("junction") == "roundabout"))
        ways.ferry.append(ferry)
    return ways


def _way_nodes(way, wkb):
    """(node ids, WKB line) of a way, or None when fewer than two of its nodes have a location."""
    import osmium
    import osmium.geom
    import shapely

    try:
        line = wkb.create_linestring(way, use_nodes=osmium.geom.use_nodes.ALL)
        ids = [n.ref for n in way.nodes]
    except (osmium.InvalidLocationError, RuntimeError):  # a node without a location (cut off by the extract): skip that node
        valid = [(n.ref, n.lon, n.lat) for n in way.nodes if n.location.valid()]
        if len(valid) < 2:
            return None
        ids = [v[0] for v in valid]
        line = shapely.to_wkb(shapely.LineString([v[1:] for v in valid]), hex=True)
    return ids, line


def _graph_of(ways: _Ways, ferry_wait_min: float) -> RoadGraph:
    """The road graph of the ways: their nodes in SWEREF 99 TM, an edge per pair of consecutive nodes."""
    import shapely

    from ...inputs.geo.projection import to_sweref

    sizes = np.array(ways.sizes)
    lonlat = shapely.get_coordinates(shapely.from_wkb(ways.lines))
    all_refs = np.array(ways.refs, dtype=np.int64)
    # oneway=-1: the way is driven against its node order
    ends = np.cumsum(sizes)
    for w in np.flatnonzero(ways.reverse):
        lo, hi = ends[w] - sizes[w], ends[w]
        all_refs[lo:hi] = all_refs[lo:hi][::-1]
        lonlat[lo:hi] = lonlat[lo:hi][::-1]
    ids, first, inverse = np.unique(all_refs, return_index=True, return_inverse=True)
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    x, y = to_sweref(lat[first], lon[first])
    xy = np.column_stack([x, y])
    way_of = np.repeat(np.arange(len(sizes)), sizes)
    # consecutive nodes of the same way
    same = way_of[1:] == way_of[:-1]
    start, end = inverse[:-1][same], inverse[1:][same]
    edge_way = way_of[:-1][same]
    length = np.hypot(*(xy[end] - xy[start]).T)
    ferry = np.array(ways.ferry)[edge_way]
    # the wait is counted once per crossing: on the first edge of a ferry way
    first_edge = np.r_[True, edge_way[1:] != edge_way[:-1]]
    extra = np.where(ferry & first_edge, ferry_wait_min, 0.0)
    graph = build_graph(xy, start, end, length, np.array(ways.speed)[edge_way],
                        oneway=np.array(ways.oneway)[edge_way], extra_min=extra)
    graph.n_ways = len(sizes)
    graph.n_ferry_edges = int(ferry.sum())
    return graph
