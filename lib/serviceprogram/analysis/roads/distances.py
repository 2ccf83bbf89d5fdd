"""Road distance and travel time from every population point to the nearest open service.

Method (documented in docs/vagnat.md):

1. Population points and service points are snapped to the nearest network node
   (``scipy.spatial.cKDTree`` on the node coordinates). A point farther than
   ``max_snap_m`` from every node is NOT connected: its road figures are NaN and it
   is counted as "utan väg". The straight snap leg is added to the distance and
   driven at ``SNAP_SPEED_KMH``.
2. For every service type and metric (metres, minutes) ONE Dijkstra search runs on
   the reversed graph from a virtual source joined to the snapped nodes of every
   open point of the type (edge cost = that point's snap leg), with
   ``min_only=True``: this gives the cost from every node to its nearest point.
   Each population point then looks up its node. 6 types x 2 metrics = 12 searches.
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
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from .graph import MAX_SNAP_M, RoadGraph

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


def _with_source(matrix: sparse.csr_matrix, nodes: np.ndarray, cost: np.ndarray) -> sparse.csr_matrix:
    """The matrix plus one virtual node (the last) with edges to ``nodes`` costing ``cost``."""
    n = matrix.shape[0]
    order = np.lexsort((cost, nodes))
    nodes, cost = nodes[order], cost[order]
    keep = np.ones(len(nodes), dtype=bool)
    keep[1:] = nodes[1:] != nodes[:-1]
    nodes, cost = nodes[keep], np.maximum(cost[keep], 1e-9)
    indptr = np.append(matrix.indptr, matrix.indptr[-1] + len(nodes))
    indices = np.concatenate([matrix.indices, nodes.astype(matrix.indices.dtype)])
    data = np.concatenate([matrix.data, cost])
    return sparse.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))


def cost_to_nearest(matrix: sparse.csr_matrix, nodes: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Cost from every node to the cheapest of ``nodes`` (plus its start cost); inf if none."""
    n = matrix.shape[0]
    if len(nodes) == 0:
        return np.full(n, np.inf)
    graph = _with_source(matrix, np.asarray(nodes, dtype=np.int64), np.asarray(cost, dtype=float))
    dist = dijkstra(graph, directed=True, indices=[n], min_only=True)
    return dist[:n]


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
    pop_node, pop_snap = snap(graph, pop_xy, max_snap_m)
    pt_node, pt_snap = snap(graph, point_xy, max_snap_m)
    connected = pop_node >= 0
    snap_min_pop = pop_snap / 1000.0 / SNAP_SPEED_KMH * 60.0
    km, minutes = {}, {}
    for typ, mask in masks.items():
        use = np.asarray(mask, dtype=bool) & (pt_node >= 0)
        for metric, matrix, out in (("m", graph.length_rev, km), ("min", graph.time_rev, minutes)):
            start = pt_snap[use] if metric == "m" else pt_snap[use] / 1000.0 / SNAP_SPEED_KMH * 60.0
            per_node = cost_to_nearest(matrix, pt_node[use], start)
            value = np.full(len(pop_node), np.nan)
            value[connected] = per_node[pop_node[connected]] + (
                pop_snap[connected] if metric == "m" else snap_min_pop[connected])
            out[typ] = value / 1000.0 if metric == "m" else value
    idx = index if index is not None else pd.RangeIndex(len(pop_node))
    return RoadResult(pd.DataFrame(km, index=idx), pd.DataFrame(minutes, index=idx),
                      pd.Series(pop_snap, index=idx), float(max_snap_m))
