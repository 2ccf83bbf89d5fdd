"""Benchmark: nearest-service distances for a Sweden-sized problem.

Generates a synthetic problem of about the size of Sweden (about 600 000
populated 250 m cells and 6 000 service points with random type flags, all
six types) with a fixed seed, then times

1. the package's distance computation, :func:`serviceprogram.analysis.access.distances`,
   for all six types (k-d tree; the time includes projecting the
   coordinates from WGS 84 to SWEREF 99 TM), and
2. a brute-force nearest search with chunked numpy (every cell against every
   point of the type). To keep it from taking minutes the brute force runs on
   a random subsample of the cells and its time is scaled linearly to all
   cells (its cost is proportional to the number of cells). The output says
   so. The brute force's answers on the subsample are checked against the
   tree's.

It prints figures and whether the targets are met (tree at most 3 s, at
least 50 times faster than brute force). It is not a test: it exits 0 either
way.

Usage
-----
    .venv/bin/python scripts/bench_access.py [--cells N] [--points M] [--sample S]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))

from serviceprogram.analysis.access import distances
from serviceprogram.inputs.geo.projection import from_sweref, to_sweref  # noqa: E402
from serviceprogram.inputs.service_points import SERVICE_TYPES, offers

SEED = 2024
CELL_M = 250.0
YEAR = 2024
TARGET_SECONDS = 3.0
TARGET_RATIO = 50.0

# Rough SWEREF 99 TM extent of Sweden's populated area (metres).
X_RANGE = (280_000.0, 900_000.0)
Y_RANGE = (6_140_000.0, 7_600_000.0)

# Share of points offering each type (full range is a subset of groceries).
TYPE_SHARES = {"dagligvaror": 0.45, "drivmedel": 0.30, "paketombud": 0.45, "apoteksombud": 0.25, "kontantuttag": 0.20}
FULL_RANGE_SHARE = 0.6


def synthetic_cells(n_cells: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Unique populated 250 m cell centres, clustered like settlements.

    Parameters
    ----------
    n_cells : int
        Number of cells wanted.
    rng : numpy.random.Generator
        Seeded generator.

    Returns
    -------
    x, y : numpy.ndarray
        Cell centres in SWEREF 99 TM metres (exactly ``n_cells``, unique).
    """
    n_centres = 2_000
    cx = rng.uniform(*X_RANGE, n_centres)
    cy = rng.uniform(*Y_RANGE, n_centres)
    weight = rng.pareto(1.2, n_centres) + 1.0
    weight /= weight.sum()
    codes = np.empty(0, dtype=np.int64)
    while codes.size < n_cells:
        m = int((n_cells - codes.size) * 1.6) + 1_000
        c = rng.choice(n_centres, size=m, p=weight)
        spread = rng.exponential(6_000.0, m) + 300.0
        x = cx[c] + rng.normal(0.0, 1.0, m) * spread
        y = cy[c] + rng.normal(0.0, 1.0, m) * spread
        col = np.floor(x / CELL_M).astype(np.int64)
        row = np.floor(y / CELL_M).astype(np.int64)
        codes = np.unique(np.concatenate([codes, col * 10_000_000 + row]))
    codes = rng.permutation(codes)[:n_cells]
    col, row = np.divmod(codes, 10_000_000)
    return (col + 0.5) * CELL_M, (row + 0.5) * CELL_M


def synthetic_points(n_points: int, cell_x: np.ndarray, cell_y: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Service points near populated cells, with random type flags.

    Parameters
    ----------
    n_points : int
        Number of points.
    cell_x, cell_y : numpy.ndarray
        Populated cell centres (points are placed near random cells).
    rng : numpy.random.Generator
        Seeded generator.

    Returns
    -------
    pandas.DataFrame
        Columns as in serviceplatser.csv (all open).
    """
    pick = rng.choice(cell_x.size, size=n_points, replace=False)
    x = cell_x[pick] + rng.uniform(-CELL_M / 2, CELL_M / 2, n_points)
    y = cell_y[pick] + rng.uniform(-CELL_M / 2, CELL_M / 2, n_points)
    lat, lon = from_sweref(x, y)
    grocery = rng.random(n_points) < TYPE_SHARES["dagligvaror"]
    full = grocery & (rng.random(n_points) < FULL_RANGE_SHARE)
    table = pd.DataFrame(
        {
            "id": [f"P{i:05d}" for i in range(n_points)],
            "lat": lat,
            "lon": lon,
            "dagligvaror": np.where(full, "Fullsortiment", np.where(grocery, "Ej fullsortiment", "")),
        }
    )
    for typ in ("drivmedel", "paketombud", "apoteksombud", "kontantuttag"):
        table[typ] = rng.random(n_points) < TYPE_SHARES[typ]
    table["oppnad"] = pd.NaT
    table["stangd"] = pd.NaT
    return table


def brute_force_nearest(pop_xy: np.ndarray, point_xy: np.ndarray, chunk: int = 1_000) -> np.ndarray:
    """Nearest distance by checking every point, in chunks of population rows.

    Parameters
    ----------
    pop_xy : numpy.ndarray
        (n, 2) population coordinates in metres.
    point_xy : numpy.ndarray
        (m, 2) service point coordinates in metres.
    chunk : int, default 1000
        Population rows per chunk (bounds memory to chunk x m floats).

    Returns
    -------
    numpy.ndarray
        Distance in metres to the nearest point (inf if there is none).
    """
    out = np.full(len(pop_xy), np.inf)
    if len(point_xy) == 0:
        return out
    px, py = point_xy[:, 0], point_xy[:, 1]
    for start in range(0, len(pop_xy), chunk):
        block = pop_xy[start : start + chunk]
        dx = block[:, 0:1] - px
        dy = block[:, 1:2] - py
        out[start : start + chunk] = np.sqrt((dx * dx + dy * dy).min(axis=1))
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: sys.argv[1:]).

    Returns
    -------
    int
        Exit status 0 (the benchmark reports, it does not fail).
    """
    parser = argparse.ArgumentParser(description="Tidsmätning av avståndsberäkningen (k-d-träd mot rå kraft).")
    parser.add_argument("--cells", type=int, default=600_000, help="antal befolkade rutor")
    parser.add_argument("--points", type=int, default=6_000, help="antal serviceplatser")
    parser.add_argument("--sample", type=int, default=20_000, help="rutor i stickprovet för rå kraft")
    parser.add_argument("--repeat", type=int, default=5, help="antal körningar av trädmetoden (bästa tid visas)")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(SEED)
    print("Skapar syntetiskt problem (fast frö) ...", flush=True)
    cx, cy = synthetic_cells(args.cells, rng)
    lat, lon = from_sweref(cx, cy)
    population = pd.DataFrame({"lat": lat, "lon": lon, "befolkning": rng.integers(1, 60, cx.size)})
    points = synthetic_points(args.points, cx, cy, rng)
    per_type = {typ: int(offers(points, typ).sum()) for typ in SERVICE_TYPES}

    # 1. The package's method (k-d tree), best of a few runs.
    tree_times = []
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        dist = distances(population, points, YEAR)
        tree_times.append(time.perf_counter() - start)
    tree_s = min(tree_times)

    # 2. Brute force on a subsample, scaled to all cells.
    sample = rng.choice(cx.size, size=min(args.sample, cx.size), replace=False)
    sx, sy = to_sweref(population["lat"].to_numpy()[sample], population["lon"].to_numpy()[sample])
    sample_xy = np.column_stack([sx, sy])
    pts_x, pts_y = to_sweref(points["lat"].to_numpy(), points["lon"].to_numpy())
    pts_xy = np.column_stack([pts_x, pts_y])
    worst = 0.0
    start = time.perf_counter()
    for typ in SERVICE_TYPES:
        mask = offers(points, typ).to_numpy()
        brute = brute_force_nearest(sample_xy, pts_xy[mask])
        worst = max(worst, float(np.max(np.abs(brute - dist[typ].to_numpy()[sample]))))
    brute_sample_s = time.perf_counter() - start
    brute_s = brute_sample_s * cx.size / sample.size
    ratio = brute_s / tree_s

    print()
    print(f"Befolkade rutor (250 m):          {cx.size:>10,}".replace(",", " "))
    print(f"Serviceplatser:                   {len(points):>10,}".replace(",", " "))
    print("  per typ: " + ", ".join(f"{SERVICE_TYPES[t]} {n}" for t, n in per_type.items()))
    print(f"Processorkärnor:                  {os.cpu_count():>10}")
    print("k-d-träd (paketets distances), alla sex typer, inkl. omräkning till SWEREF 99 TM:")
    print(f"  bästa av {len(tree_times)} körningar:             {tree_s:>10.2f} s"
          f"   (alla: {', '.join(f'{t:.2f}' for t in tree_times)} s)")
    print("Rå kraft (numpy, i block), alla sex typer:")
    print(f"  uppmätt på stickprov om {sample.size:,} rutor: {brute_sample_s:>8.2f} s".replace(",", " "))
    print(f"  uppskalat linjärt till alla rutor: {brute_s:>8.1f} s   (uppskattning, inte uppmätt)")
    print(f"Kvot rå kraft / k-d-träd:         {ratio:>10.0f} ×")
    print(f"Största skillnad mellan metoderna på stickprovet: {worst:.3g} m")
    print()
    time_ok = tree_s <= TARGET_SECONDS
    ratio_ok = ratio >= TARGET_RATIO
    verdict = {True: "uppfyllt", False: "EJ uppfyllt"}
    print(f"Mål: högst {TARGET_SECONDS:g} s för k-d-trädet: {verdict[time_ok]} ({tree_s:.2f} s)")
    print(f"Mål: minst {TARGET_RATIO:g} × snabbare än rå kraft: {verdict[ratio_ok]} ({ratio:.0f} ×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
