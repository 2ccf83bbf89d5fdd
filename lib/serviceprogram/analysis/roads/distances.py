"""Road distance and travel time from every population point to the nearest open service.

Method (documented in docs/vagnat.md):

1. Population points and service points are snapped to the nearest network node
   (``scipy.spatial.cKDTree`` on the node coordinates). A point farther than
   ``max_snap_m`` from every node is NOT connected: its road figures are NaN and it
   is counted as "utan väg". The straight snap leg is added to the distance and
   driven at ``SNAP_SPEED_KMH``.
2. For every service type and metric (metres, minutes) ONE Dijkstra search runs on
   the reversed graph, started at once from the snapped nodes of every open point of
   the type (start cost = that point's snap leg): this gives the cost from every
   node to its nearest point. Each population point then looks up its node.
   6 types x 2 metrics = 12 searches, run in parallel threads (see :mod:`.search`).
3. Distance and time are minimised SEPARATELY: the road distance is the shortest
   drivable distance to any open point, the travel time the fastest trip to any
   open point (possibly another point, along another route). This is what a
   resident can achieve for each measure and what Pipos-like tools report; the
   distance along the fastest route is not computed.
4. A connected point whose network component has no open point of a type (an
   island without a ferry) gets ``inf``: unreachable, never 0 and never dropped.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .graph import MAX_SNAP_M, RoadGraph
from .search import cost_to_nearest, costs_to_nearest

__all__ = ["RoadResult", "SNAP_SPEED_KMH", "cost_to_nearest", "road_distances", "snap"]

__all__ = ["SNAP_SPEED_KMH", "snap", "cost_to_nearest", "RoadResult", "road_distances"]

#: Speed (km/h) on the straight leg between a point and its network node.
SNAP_SPEED_KMH = 30.0


def snap(graph: RoadGraph, xy, max_snap_m: float = MAX_SNAP_M) -> tuple[np.ndarray, np.ndarray]:
    """Nearest node and its distance (m) per point; node -1 beyond ``max_snap_m``."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if len(xy) == 0 or graph.n_nodes == 0:
        return np.full(len(xy), -1, dtype=np.int64), np.full(len(xy), np.inf)
    dist, node = cKDTree(graph.xy).query(xy, workers=-1)
    node = node.astype(np.int64)
    node[dist > max_snap_m] = -1
    return node, dist


@dataclass
class RoadResult:
    """Road figures per population point (same index as the population).

    ``km`` and ``min``: one column per type; NaN for a point without a road
    within the snap distance, inf when no open point can be reached.
    ``snap_m``: distance from each point to its node.
    """

    km: pd.DataFrame
    min: pd.DataFrame
    snap_m: pd.Series
    max_snap_m: float

    @property
    def unconnected(self) -> pd.Series:
        return self.snap_m > self.max_snap_m


def road_distances(graph: RoadGraph, pop_xy, point_xy, masks: dict[str, np.ndarray],
                   index=None, max_snap_m: float = MAX_SNAP_M) -> RoadResult:
    """Road distance (km) and travel time (min) to the nearest point per type.

    Parameters
    ----------
    graph : RoadGraph
    pop_xy, point_xy : arrays (n, 2), (p, 2)
        SWEREF 99 TM coordinates.
    masks : dict of type key -> bool array (p,)
        Which points count for the type (e.g. ``service_points.offers(...) & service_points.open_at_year_end(...)``).
    index : optional
        Index of the output frames (the population's).
    """
    pop_xy = np.asarray(pop_xy, dtype=float).reshape(-1, 2)
    # one k-d tree and one query for population and service points together
    node, dist = snap(graph, np.concatenate([pop_xy, np.asarray(point_xy, dtype=float).reshape(-1, 2)]),
                      max_snap_m)
    pop_node, pop_snap = node[:len(pop_xy)], dist[:len(pop_xy)]
    pt_node, pt_snap = node[len(pop_xy):], dist[len(pop_xy):]
    connected = pop_node >= 0
    node_of_pop = pop_node[connected]
    snap_m_pop = pop_snap[connected]
    snap_min_pop = snap_m_pop / 1000.0 / SNAP_SPEED_KMH * 60.0

    def finish(leg):
        def take(per_node):  # keep only the population points' values, not the whole graph's
            value = np.full(len(pop_node), np.nan)
            value[connected] = per_node[node_of_pop] + leg
            return value
        return take

    jobs, keys = [], []
    for typ, mask in masks.items():
        use = np.asarray(mask, dtype=bool) & (pt_node >= 0)
        jobs.append((graph.length_rev, pt_node[use], pt_snap[use], finish(snap_m_pop)))
        jobs.append((graph.time_rev, pt_node[use], pt_snap[use] / 1000.0 / SNAP_SPEED_KMH * 60.0,
                     finish(snap_min_pop)))
        keys.append(typ)
    values = costs_to_nearest(jobs)
    km = {typ: values[2 * i] / 1000.0 for i, typ in enumerate(keys)}
    minutes = {typ: values[2 * i + 1] for i, typ in enumerate(keys)}
    idx = index if index is not None else pd.RangeIndex(len(pop_node))
    return RoadResult(pd.DataFrame(km, index=idx), pd.DataFrame(minutes, index=idx),
                      pd.Series(pop_snap, index=idx), float(max_snap_m))
