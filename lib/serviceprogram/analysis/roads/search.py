"""Multi-source Dijkstra on a CSR matrix, compiled with numba so that it runs without the GIL.

scipy's ``csgraph.dijkstra`` holds the GIL for the whole search, so the twelve searches
of a road analysis (six types x two metrics) could only run one at a time. This kernel
is a plain Dijkstra with an indexed binary heap (decrease-key); it releases the GIL, so
:func:`costs_to_nearest` runs the searches in parallel threads (one per core), sharing
the graph arrays without copying them (no processes: works the same on Windows).

The result is the same, bit for bit, as scipy's dijkstra from a virtual source joined
to the start nodes: every node's cost is the minimum over its in-neighbours ``u`` of
``cost[u] + weight``, which with non-negative weights does not depend on the order in
which nodes are settled (tests/test_roads.py compares the two on random graphs).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np

__all__ = ["cost_to_nearest", "costs_to_nearest"]


@cache
def _kernel():
    """The compiled search; numba is imported on first use only (it takes a second)."""
    from numba import njit

    return njit(nogil=True, cache=True)(_dijkstra)


def _dijkstra(indptr, indices, data, nodes, cost):  # pragma: no cover - compiled by _kernel
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    # pos[v]: -1 never reached, -2 settled, else v's place in the heap
    pos = np.full(n, -1, dtype=np.int32)
    hkey = np.empty(n, dtype=np.float64)
    hnode = np.empty(n, dtype=np.int32)
    size = 0
    for k in range(len(nodes)):
        v = nodes[k]
        c = cost[k]
        if not c < dist[v]:
            continue
        dist[v] = c
        i = size if pos[v] == -1 else pos[v]
        if pos[v] == -1:
            size += 1
        while i > 0:
            p = (i - 1) >> 1
            if hkey[p] <= c:
                break
            hkey[i] = hkey[p]
            hnode[i] = hnode[p]
            pos[hnode[i]] = i
            i = p
        hkey[i] = c
        hnode[i] = v
        pos[v] = i
    while size > 0:
        u = hnode[0]
        du = hkey[0]
        pos[u] = -2
        size -= 1
        if size > 0:
            lk = hkey[size]
            ln = hnode[size]
            i = 0
            while True:
                c = 2 * i + 1
                if c >= size:
                    break
                if c + 1 < size and hkey[c + 1] < hkey[c]:
                    c += 1
                if hkey[c] >= lk:
                    break
                hkey[i] = hkey[c]
                hnode[i] = hnode[c]
                pos[hnode[i]] = i
                i = c
            hkey[i] = lk
            hnode[i] = ln
            pos[ln] = i
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = du + data[e]
            # a settled node has dist <= du <= nd, so this also skips settled nodes
            if nd < dist[v]:
                dist[v] = nd
                pv = pos[v]
                if pv == -1:
                    i = size
                    size += 1
                else:
                    i = pv
                while i > 0:
                    p = (i - 1) >> 1
                    if hkey[p] <= nd:
                        break
                    hkey[i] = hkey[p]
                    hnode[i] = hnode[p]
                    pos[hnode[i]] = i
                    i = p
                hkey[i] = nd
                hnode[i] = v
                pos[v] = i
    return dist


def _arrays(matrix):
    """CSR arrays in the dtypes the kernel is compiled for (no copy when already so)."""
    return (np.asarray(matrix.indptr, dtype=np.int64), np.asarray(matrix.indices, dtype=np.int32),
            np.asarray(matrix.data, dtype=np.float64))


def cost_to_nearest(matrix, nodes, cost) -> np.ndarray:
    """Cost from every node to the cheapest of ``nodes`` plus its start ``cost``; inf if none.

    ``matrix`` is a CSR matrix whose row ``u`` holds the edges followed from ``u``
    (a reversed road graph gives the cost of driving TO the nodes). Costs must be >= 0.
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    cost = np.asarray(cost, dtype=np.float64)
    if len(nodes) == 0:
        return np.full(matrix.shape[0], np.inf)
    return _kernel()(*_arrays(matrix), nodes, cost)


def costs_to_nearest(jobs, workers: int | None = None) -> list:
    """Run several :func:`cost_to_nearest` searches in parallel threads.

    ``jobs`` is a list of ``(matrix, nodes, cost, finish)``; the result of each search is
    passed to ``finish`` (in the worker thread, so that only what it returns is kept in
    memory) and the list of what ``finish`` returned is returned in job order.
    """
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    kernel = _kernel()
    arrays = {}
    for matrix, *_ in jobs:  # convert each matrix once, not once per search
        arrays.setdefault(id(matrix), _arrays(matrix))

    def run(job):
        matrix, nodes, cost, finish = job
        nodes = np.asarray(nodes, dtype=np.int64)
        cost = np.asarray(cost, dtype=np.float64)
        if len(nodes) == 0:
            return finish(np.full(matrix.shape[0], np.inf))
        return finish(kernel(*arrays[id(matrix)], nodes, cost))

    if workers <= 1 or len(jobs) <= 1:
        return [run(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, jobs))
