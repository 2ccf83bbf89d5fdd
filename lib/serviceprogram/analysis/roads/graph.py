"""A road network as two sparse matrices: length in metres and travel time in minutes.

Edges are directed (one-way streets); a two-way road gives two edges. The matrices
are stored REVERSED (row = edge end, column = edge start) so that a Dijkstra search
started at the service points gives, for every node, the cost of driving FROM that
node TO the nearest service point.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

__all__ = ["DEFAULT_SPEEDS_KMH", "FERRY_SPEED_KMH", "FERRY_WAIT_MIN", "MAX_SNAP_M", "RoadGraph",
           "build_graph"]

#: Default car speeds per OSM highway class (km/h) when a way has no usable maxspeed.
#: Swedish general limits: 50 in built-up areas, 70 elsewhere, 110 on motorways.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 110, "motorway_link": 70, "trunk": 90, "trunk_link": 60,
    "primary": 80, "primary_link": 60, "secondary": 70, "secondary_link": 50,
    "tertiary": 60, "tertiary_link": 50, "unclassified": 50, "road": 40,
    "residential": 40, "living_street": 10, "service": 20,
}
#: Speed of a car ferry (km/h, about 8 knots) and the wait counted once per ferry crossing.
FERRY_SPEED_KMH = 15.0
FERRY_WAIT_MIN = 10.0
#: Largest distance (m) from a population point or service point to its nearest network node.
MAX_SNAP_M = 1000.0


@dataclass
class RoadGraph:
    """Nodes (SWEREF 99 TM metres) and reversed sparse cost matrices."""

    xy: np.ndarray                 # (n, 2) node coordinates
    length_rev: sparse.csr_matrix  # metres, reversed direction
    time_rev: sparse.csr_matrix    # minutes, reversed direction
    n_ways: int = 0
    n_ferry_edges: int = 0

    @property
    def n_nodes(self) -> int:
        return len(self.xy)

    @property
    def n_edges(self) -> int:
        return int(self.length_rev.nnz)

    def components(self) -> np.ndarray:
        """Weakly connected component label per node (islands without a road link)."""
        from scipy.sparse.csgraph import connected_components

        return connected_components(self.length_rev, directed=True, connection="weak")[1]


def build_graph(xy, start, end, length_m, speed_kmh, oneway=None, extra_min=None) -> RoadGraph:
    """Build a :class:`RoadGraph` from edge arrays.

    Parameters
    ----------
    xy : array (n, 2)
        Node coordinates in SWEREF 99 TM metres.
    start, end : int arrays (m,)
        Edge end nodes.
    length_m, speed_kmh : float arrays (m,)
        Edge length and car speed.
    oneway : bool array (m,), optional
        True when the edge may only be driven from ``start`` to ``end``.
    extra_min : float array (m,), optional
        Extra minutes on the edge (the ferry wait).
    """
    xy = np.asarray(xy, dtype=float)
    start = np.asarray(start, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    length = np.asarray(length_m, dtype=float)
    minutes = length / 1000.0 / np.asarray(speed_kmh, dtype=float) * 60.0
    if extra_min is not None:
        minutes = minutes + np.asarray(extra_min, dtype=float)
    two_way = np.ones(len(start), dtype=bool) if oneway is None else ~np.asarray(oneway, dtype=bool)
    # Zero-length edges would vanish in a sparse matrix; give them a millimetre.
    length = np.maximum(length, 1e-3)
    minutes = np.maximum(minutes, 1e-6)
    src = np.concatenate([start, end[two_way]])
    dst = np.concatenate([end, start[two_way]])
    n = len(xy)
    # reversed: row = destination. Sort the edges once by (row, column); duplicates
    # (parallel roads) keep the cheapest value of each metric.
    key = dst * n + src
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    key = key[first]
    small = max(n, len(key)) < 2**31 - 1
    index_dtype = np.int32 if small else np.int64
    indices = (key % n if n else key).astype(index_dtype)
    indptr = np.zeros(n + 1, dtype=index_dtype)
    if n:
        np.cumsum(np.bincount(key // n, minlength=n), out=indptr[1:])

    def matrix(values):
        vals = np.concatenate([values, values[two_way]])[order]
        if len(starts) < len(vals):
            vals = np.minimum.reduceat(vals, starts)
        return sparse.csr_matrix((vals, indices, indptr), shape=(n, n))

    return RoadGraph(xy, matrix(length), matrix(minutes))
