"""Benchmark of the road-distance analysis (issue 15). Prints figures; asserts nothing.

1. A synthetic national-size road graph (about 2 million nodes, 5 million edges: a
   jittered grid with 250 m spacing plus random local links), 600 000 populated
   points and 6 000 service points with six random types: all road distances and
   travel times (12 multi-source Dijkstra searches, run in parallel threads, one per
   core) after the graph is built, snapping included. Target: at most 20 s.
2. networkx ``multi_source_dijkstra_path_length`` against the package's search at
   equal size on a graph networkx can handle: the same graph, the same start nodes,
   ONE search in ONE thread on each side (so no gain from threads), the answers
   compared node by node. Target: the package at least 20 times faster.
3. Graph building from a synthetic ``.osm.pbf`` written with osmium, per million ways.
4. Peak memory of the process.

Run: .venv/bin/python scripts/bench_roads.py [--small]
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from benchlib import peak_mb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

from serviceprogram.analysis.roads import build_graph, read_osm, road_distances  # noqa: E402
from serviceprogram.analysis.roads.search import cost_to_nearest  # noqa: E402

RNG = np.random.default_rng(15)


def synthetic_graph(side: int, extra_frac: float = 0.25):
    """A side x side grid (250 m) with jitter, plus random links to nearby nodes."""
    n = side * side
    ii, jj = np.divmod(np.arange(n), side)
    xy = np.column_stack([jj * 250.0, ii * 250.0]) + RNG.uniform(-60, 60, (n, 2)) + [300_000, 6_500_000]
    right = np.flatnonzero(jj < side - 1)
    down = np.flatnonzero(ii < side - 1)
    start = np.concatenate([right, down])
    end = np.concatenate([right + 1, down + side])
    k = int(extra_frac * len(start))
    a = RNG.integers(0, n - 2 * side - 2, k)
    b = a + side + 1  # diagonal link
    start, end = np.concatenate([start, a]), np.concatenate([end, b])
    length = np.hypot(*(xy[end] - xy[start]).T) * RNG.uniform(1.0, 1.3, len(start))
    speed = RNG.choice([30.0, 50.0, 70.0, 90.0], len(start))
    return xy, start, end, length, speed


def warm_up() -> None:
    """Compile the search (first run only; later runs load it from numba's disk cache)."""
    t = time.perf_counter()
    cost_to_nearest(build_graph(np.zeros((2, 2)), [0], [1], [1.0], [50.0]).length_rev, [0], [0.0])
    print(f"Sökningen kompilerad eller läst från cache: {time.perf_counter() - t:.1f} s (ingår inte nedan)")


def national(side: int, n_pop: int, n_points: int) -> None:
    t = time.perf_counter()
    xy, start, end, length, speed = synthetic_graph(side)
    graph = build_graph(xy, start, end, length, speed)
    build = time.perf_counter() - t
    print(f"Graf: {graph.n_nodes:,} noder, {len(start):,} vägsträckor ({graph.n_edges:,} riktade kanter), "
          f"byggd på {build:.1f} s")
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pop = RNG.uniform(lo, hi, (n_pop, 2))
    pts = RNG.uniform(lo, hi, (n_points, 2))
    masks = {f"typ{i}": RNG.random(n_points) < p for i, p in enumerate((0.6, 0.3, 0.3, 0.4, 0.2, 0.3))}
    t, cpu = time.perf_counter(), time.process_time()
    res = road_distances(graph, pop, pts, masks)
    took, cpu = time.perf_counter() - t, time.process_time() - cpu
    threads = min(2 * len(masks), os.cpu_count() or 1)
    print(f"Vägavstånd och restid för {n_pop:,} befolkningspunkter, {n_points:,} serviceplatser, "
          f"{len(masks)} typer (12 sökningar i {threads} trådar, anslutning ingår): {took:.1f} s (mål: högst 20 s); "
          f"processortid {cpu:.1f} s")
    print(f"  medelavstånd typ0: {np.nanmean(res.km['typ0']):.2f} km, medelrestid {np.nanmean(res.min['typ0']):.1f} min")


def versus_networkx(side: int) -> None:
    import networkx as nx

    xy, start, end, length, speed = synthetic_graph(side)
    graph = build_graph(xy, start, end, length, speed)
    sources = RNG.choice(graph.n_nodes, max(10, graph.n_nodes // 300), replace=False)
    cost_to_nearest(graph.length_rev, sources[:1], np.zeros(1))  # already compiled: no compile time below
    t, cpu = time.perf_counter(), time.process_time()
    for _ in range(3):
        ours = cost_to_nearest(graph.length_rev, sources, np.zeros(len(sources)))
    ours_s, ours_cpu = (time.perf_counter() - t) / 3, (time.process_time() - cpu) / 3
    coo = graph.length_rev.tocoo()
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))
    t, cpu = time.perf_counter(), time.process_time()
    theirs = nx.multi_source_dijkstra_path_length(g, set(sources.tolist()))
    nx_s, nx_cpu = time.perf_counter() - t, time.process_time() - cpu
    check = np.array([theirs[i] for i in range(graph.n_nodes)])
    assert np.allclose(check, ours)
    print(f"En sökning från {len(sources):,} startnoder, en tråd, samma graf med {graph.n_nodes:,} noder och "
          f"{graph.n_edges:,} kanter: networkx {nx_s:.2f} s, paketet {ours_s:.3f} s (medel av tre): "
          f"{nx_s / ours_s:.0f} gånger snabbare (mål: minst 20), samma svar i alla noder; "
          f"processortid {nx_cpu:.2f} s mot {ours_cpu:.3f} s, {nx_cpu / ours_cpu:.0f} gånger")


def osm_build(side: int) -> None:
    import osmium
    from osmium.osm.mutable import Node, Way
    from serviceprogram.inputs.geo.projection import from_sweref

    xy, start, end, _, _ = synthetic_graph(side, extra_frac=0.0)
    lat, lon = from_sweref(xy[:, 0], xy[:, 1])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "syntet.osm.pbf"
        writer = osmium.SimpleWriter(str(path))
        for i in range(len(xy)):
            writer.add_node(Node(id=i + 1, location=(float(lon[i]), float(lat[i]))))
        # one way per row and per column, cut into ways of 10 segments
        n_ways = 0
        for i in range(side):
            for nodes in (np.arange(side) + i * side, np.arange(side) * side + i):
                for k in range(0, side - 1, 10):
                    n_ways += 1
                    writer.add_way(Way(id=n_ways, nodes=(nodes[k:k + 11] + 1).tolist(),
                                       tags={"highway": "residential" if k % 20 else "secondary"}))
        writer.close()
        size = path.stat().st_size / 2**20
        t = time.perf_counter()
        graph = read_osm(path)
        took = time.perf_counter() - t
    print(f"Graf från .osm.pbf ({size:.1f} MB, {n_ways:,} vägar, {graph.n_nodes:,} noder): {took:.1f} s, "
          f"{took / n_ways * 1e6:.1f} s per miljon vägar")


def main() -> None:
    small = "--small" in sys.argv
    warm_up()
    national(300 if small else 1415, 20_000 if small else 600_000, 600 if small else 6_000)
    versus_networkx(120 if small else 450)
    osm_build(100 if small else 400)
    print(f"Högsta minnesanvändning: {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
