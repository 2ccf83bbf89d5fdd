"""Build a :class:`~.graph.RoadGraph` from an OpenStreetMap extract (``.osm.pbf``) with pyosmium.

Drivable ways: ``highway`` in :data:`~.graph.DEFAULT_SPEEDS_KMH` (tracks, paths and
cycleways are not), without ``access``/``motor_vehicle``/``motorcar`` = no/private.
Car ferries: ``route=ferry`` ways, at :data:`~.graph.FERRY_SPEED_KMH` plus
:data:`~.graph.FERRY_WAIT_MIN` per crossing. Speed: ``maxspeed`` in km/h (also
"SE:urban" 50, "SE:rural" 70, "SE:motorway" 110, "mph"), else the class default.
One-way: ``oneway`` yes/1/true/-1, motorways and roundabouts.
"""
from __future__ import annotations

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


def read_osm(path, speeds: dict[str, float] | None = None, ferry_speed_kmh: float = FERRY_SPEED_KMH,
             ferry_wait_min: float = FERRY_WAIT_MIN) -> RoadGraph:
    """Read the drivable roads and ferries of an ``.osm.pbf`` file into a road graph."""
    import osmium

    from ..geo.projection import to_sweref

    speeds = {**DEFAULT_SPEEDS_KMH, **(speeds or {})}
    refs: list[np.ndarray] = []
    lon: list[np.ndarray] = []
    lat: list[np.ndarray] = []
    way_speed, way_oneway, way_ferry = [], [], []
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
        nodes = [(n.ref, n.lon, n.lat) for n in way.nodes if n.location.valid()]
        if len(nodes) < 2:
            continue
        arr = np.array(nodes, dtype=float)
        oneway_tag = (tags.get("oneway") or "").lower()
        if oneway_tag == "-1":
            arr = arr[::-1]
        refs.append(arr[:, 0].astype(np.int64))
        lon.append(arr[:, 1])
        lat.append(arr[:, 2])
        if ferry:
            way_speed.append(ferry_speed_kmh)
        else:
            way_speed.append(parse_maxspeed(tags.get("maxspeed")) or speeds[highway])
        way_oneway.append(not ferry and (oneway_tag in {"yes", "1", "true", "-1"} or highway == "motorway"
                                         or tags.get("junction") == "roundabout"))
        way_ferry.append(ferry)
    if not refs:
        return build_graph(np.empty((0, 2)), [], [], [], [])
    sizes = np.array([len(r) for r in refs])
    all_refs = np.concatenate(refs)
    ids, first, inverse = np.unique(all_refs, return_index=True, return_inverse=True)
    x, y = to_sweref(np.concatenate(lat)[first], np.concatenate(lon)[first])
    xy = np.column_stack([x, y])
    way_of = np.repeat(np.arange(len(refs)), sizes)
    # consecutive nodes of the same way
    same = way_of[1:] == way_of[:-1]
    start, end = inverse[:-1][same], inverse[1:][same]
    edge_way = way_of[:-1][same]
    length = np.hypot(*(xy[end] - xy[start]).T)
    ferry = np.array(way_ferry)[edge_way]
    # the wait is counted once per crossing: on the first edge of a ferry way
    first_edge = np.r_[True, edge_way[1:] != edge_way[:-1]]
    extra = np.where(ferry & first_edge, ferry_wait_min, 0.0)
    graph = build_graph(xy, start, end, length, np.array(way_speed)[edge_way],
                        oneway=np.array(way_oneway)[edge_way], extra_min=extra)
    graph.n_ways = len(refs)
    graph.n_ferry_edges = int(ferry.sum())
    return graph
