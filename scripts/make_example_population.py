"""Write illustrative population points for Jämtlands län to data/befolkning.csv.

The points are EXAMPLE DATA (exempeldata). They are not Statistics Sweden's
grid statistics: they only place each municipality's real population total
in a plausible pattern, so that the access analysis has something realistic
to work on.

How the points are made
-----------------------
1. Municipality names and population totals come from ``data/program.toml``
   (``[[kommuner]]`` blocks with ``namn`` and ``folkmangd``) when that file
   exists, else from the 2024 figures below.
2. Most people live in real localities (tätorter and småorter) at their
   approximate real coordinates. Each locality's people are spread over
   250 m cells around its centre with a normal distribution whose width
   grows with the square root of its size.
3. The rest live in the countryside: along the links of a minimum spanning
   tree between the municipality's localities (a stand-in for the roads and
   valleys that join them), in a halo around the localities and, a few, at
   random within a rough outline of the municipality. Rural points outside
   that outline are redrawn.
4. All points are snapped to the centres of 250 m cells in SWEREF 99 TM
   (EPSG:3006). A cell belongs to one municipality only (the first one to
   claim it). Each municipality's total is then split over its cells with
   the largest-remainder method, so the sum per municipality equals the
   population total exactly.
5. Cell centres are converted to WGS 84 (6 decimals) and written with the
   columns lat, lon, befolkning, kommun.

The random generator is seeded, so the output is the same on every run.

Usage
-----
    .venv/bin/python scripts/make_example_population.py [--out PATH] [--program PATH]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))

from serviceprogram.inputs.geo.projection import from_sweref, to_sweref  # noqa: E402

SEED = 20241231
CELL_M = 250.0

#: Population on 31 December 2024 (Statistics Sweden), used without program.toml.
DEFAULT_FOLKMANGD: dict[str, int] = {
    "Ragunda": 5146,
    "Bräcke": 6035,
    "Krokom": 15680,
    "Strömsund": 11023,
    "Åre": 12693,
    "Berg": 7108,
    "Härjedalen": 10175,
    "Östersund": 64979,
}

#: Localities: (name, lat, lon, approximate population). Coordinates are the
#: real approximate centres; the populations are rough and only set shares.
LOCALITIES: dict[str, list[tuple[str, float, float, int]]] = {
    "Östersund": [
        ("Östersund", 63.1792, 14.6357, 44500),
        ("Frösön", 63.1850, 14.5400, 6500),
        ("Brunflo", 63.0767, 14.8233, 4400),
        ("Lit", 63.3167, 14.8500, 1000),
        ("Tandsbyn", 63.0028, 14.7333, 700),
        ("Marieby", 63.0870, 14.5300, 650),
        ("Orrviken", 63.0969, 14.4464, 450),
        ("Häggenås", 63.3970, 14.9180, 300),
    ],
    "Krokom": [
        ("Krokom", 63.3269, 14.4558, 2700),
        ("Ås", 63.2469, 14.5589, 1600),
        ("Nälden", 63.3417, 14.2667, 950),
        ("Dvärsätt", 63.3000, 14.4000, 450),
        ("Trångsviken", 63.3370, 14.0170, 400),
        ("Föllinge", 63.6660, 14.6170, 480),
        ("Änge", 63.4800, 14.0700, 300),
        ("Valsjöbyn", 64.0700, 14.1300, 100),
        ("Rötviken", 63.9740, 14.1640, 70),
        ("Kaxås", 63.4930, 13.8800, 150),
        ("Laxsjö", 63.7390, 14.3720, 100),
    ],
    "Åre": [
        ("Järpen", 63.3472, 13.4833, 1500),
        ("Åre", 63.3986, 13.0819, 1600),
        ("Duved", 63.3910, 12.9280, 700),
        ("Undersåker", 63.3417, 13.3667, 550),
        ("Mörsil", 63.3133, 13.6547, 750),
        ("Mattmar", 63.3170, 13.8000, 300),
        ("Hallen", 63.1833, 14.0833, 250),
        ("Kall", 63.4667, 13.2333, 150),
        ("Storlien", 63.3167, 12.1050, 150),
        ("Ånn", 63.3210, 12.5450, 80),
        ("Vålådalen", 63.1480, 13.0190, 60),
    ],
    "Strömsund": [
        ("Strömsund", 63.8525, 15.5557, 3600),
        ("Hammerdal", 63.5917, 15.3500, 1000),
        ("Hoting", 64.1167, 16.2000, 700),
        ("Backe", 63.8125, 16.4039, 550),
        ("Gäddede", 64.5031, 14.1500, 420),
        ("Rossön", 63.9200, 16.3300, 350),
        ("Stora Blåsjön", 64.8340, 14.0850, 80),
        ("Jormvattnet", 64.7160, 13.9430, 60),
        ("Alanäs", 64.1480, 15.6650, 80),
        ("Hillsand", 64.1100, 15.3170, 80),
        ("Kyrktåsjö", 64.2480, 15.8480, 60),
    ],
    "Berg": [
        ("Svenstavik", 62.7667, 14.4333, 1000),
        ("Myrviken", 63.0000, 14.3500, 600),
        ("Hackås", 62.9233, 14.5167, 600),
        ("Åsarna", 62.6500, 14.3500, 300),
        ("Oviken", 63.0200, 14.3700, 200),
        ("Klövsjö", 62.5300, 14.1800, 200),
        ("Rätan", 62.4700, 14.5500, 150),
        ("Ljungdalen", 62.8560, 12.7900, 100),
        ("Storsjö", 62.8110, 13.0600, 80),
    ],
    "Härjedalen": [
        ("Sveg", 62.0342, 14.3575, 2500),
        ("Funäsdalen", 62.5333, 12.5500, 1000),
        ("Hede", 62.4167, 13.5000, 700),
        ("Ytterhogdal", 62.1700, 14.9450, 550),
        ("Vemdalen", 62.4467, 13.8650, 400),
        ("Lillhärdal", 61.8500, 14.0700, 350),
        ("Tännäs", 62.4500, 12.6700, 200),
        ("Linsell", 62.1500, 13.8800, 150),
        ("Lofsdalen", 62.1200, 13.2800, 150),
        ("Bruksvallarna", 62.6300, 12.4500, 80),
        ("Ljusnedal", 62.5490, 12.6040, 100),
        ("Tänndalen", 62.5500, 12.3150, 80),
        ("Älvros", 62.0460, 14.6530, 100),
    ],
    "Ragunda": [
        ("Hammarstrand", 63.1000, 16.3500, 900),
        ("Bispgården", 63.0333, 16.6667, 700),
        ("Stugun", 63.1667, 15.6000, 500),
        ("Krångede", 63.1500, 16.1700, 150),
        ("Borgvattnet", 63.4250, 15.8250, 80),
    ],
    "Bräcke": [
        ("Bräcke", 62.7500, 15.4167, 1500),
        ("Kälarne", 62.9833, 16.0833, 600),
        ("Gällö", 62.9167, 15.2333, 600),
        ("Pilgrimstad", 62.9500, 15.0333, 400),
        ("Hunge", 62.7520, 15.0860, 100),
    ],
}

#: Rough outlines of the municipalities as (lon, lat) vertices. They only keep
#: rural points in the right part of the county; they are not borders.
OUTLINES: dict[str, list[tuple[float, float]]] = {
    "Härjedalen": [
        (12.15, 62.30), (12.25, 62.75), (12.90, 62.83), (13.50, 62.62), (14.10, 62.50),
        (14.70, 62.42), (15.30, 62.35), (15.35, 62.00), (14.85, 61.75), (14.35, 61.57),
        (13.60, 61.75), (12.90, 61.75), (12.55, 61.95),
    ],
    "Berg": [
        (12.70, 62.85), (12.95, 63.02), (13.60, 63.00), (14.05, 63.12), (14.45, 63.05),
        (14.75, 62.95), (14.95, 62.70), (14.90, 62.45), (14.70, 62.42), (14.10, 62.50),
        (13.50, 62.62), (12.90, 62.83),
    ],
    "Åre": [
        (12.05, 63.20), (12.05, 63.60), (12.60, 63.85), (13.30, 63.80), (13.65, 63.55),
        (13.90, 63.45), (13.95, 63.30), (14.25, 63.25), (14.20, 63.10), (14.05, 63.12),
        (13.60, 63.00), (12.95, 63.02), (12.70, 62.90),
    ],
    "Krokom": [
        (13.95, 63.30), (13.90, 63.45), (13.65, 63.55), (13.30, 63.80), (13.60, 64.10),
        (13.90, 64.25), (14.35, 64.15), (14.85, 64.05), (15.05, 63.75), (14.90, 63.45),
        (14.75, 63.33), (14.55, 63.22), (14.25, 63.25),
    ],
    "Strömsund": [
        (13.90, 64.25), (13.75, 64.55), (13.85, 64.80), (14.20, 65.05), (14.60, 65.12), (15.20, 65.00),
        (15.70, 64.60), (16.30, 64.35), (16.80, 64.05), (16.75, 63.75), (16.30, 63.55),
        (15.80, 63.50), (15.30, 63.45), (15.05, 63.75), (14.85, 64.05), (14.35, 64.15),
    ],
    "Östersund": [
        (14.25, 63.25), (14.55, 63.22), (14.75, 63.33), (14.90, 63.45), (15.05, 63.60),
        (15.30, 63.45), (15.50, 63.35), (15.35, 63.05), (15.10, 63.05), (14.85, 62.95),
        (14.75, 62.95), (14.45, 63.05), (14.20, 63.10),
    ],
    "Ragunda": [
        (15.35, 63.05), (15.50, 63.35), (15.80, 63.50), (16.30, 63.55), (16.75, 63.30),
        (16.95, 63.05), (16.75, 62.85), (16.45, 62.90), (16.20, 63.05), (15.80, 63.02),
    ],
    "Bräcke": [
        (14.90, 62.45), (14.95, 62.70), (14.85, 62.95), (15.10, 63.05), (15.35, 63.05),
        (15.80, 63.02), (16.20, 63.05), (16.45, 62.90), (16.35, 62.55), (15.80, 62.45),
        (15.30, 62.35),
    ],
}

#: At most this share of a municipality lives in the listed localities.
MAX_LOCALITY_SHARE = 0.85
#: Mean number of people per populated rural cell (sets the number of cells).
RURAL_PEOPLE_PER_CELL = 14.0


def read_municipalities(program: Path) -> list[tuple[str, int]]:
    """Municipality names and population totals.

    Parameters
    ----------
    program : pathlib.Path
        Path of program.toml; if it does not exist the 2024 defaults are used.

    Returns
    -------
    list of (str, int)
        (namn, folkmangd) in the order of the file (or of the defaults).

    Raises
    ------
    SystemExit
        If program.toml names a municipality this script has no localities
        for, or lacks folkmangd.
    """
    if not program.exists():
        return list(DEFAULT_FOLKMANGD.items())
    with program.open("rb") as handle:
        config = tomllib.load(handle)
    result = []
    for block in config.get("kommuner", []):
        name = str(block.get("namn", "")).strip()
        if name not in LOCALITIES:
            raise SystemExit(
                f"{program}: kommunen {name!r} finns inte i skriptets lista över orter "
                "(skriptet gör exempeldata för Jämtlands län)."
            )
        if "folkmangd" not in block:
            raise SystemExit(f"{program}: kommunen {name} saknar folkmangd.")
        result.append((name, int(block["folkmangd"])))
    if not result:
        raise SystemExit(f"{program}: inga [[kommuner]] hittades.")
    return result


def inside(polygon: list[tuple[float, float]], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Point-in-polygon test by ray casting (even-odd rule).

    Parameters
    ----------
    polygon : list of (float, float)
        Vertices as (lon, lat); the ring is closed implicitly.
    lon, lat : numpy.ndarray
        Points to test.

    Returns
    -------
    numpy.ndarray
        Boolean array, True inside.
    """
    result = np.zeros(lon.shape, dtype=bool)
    vertices = polygon + [polygon[0]]
    for (x1, y1), (x2, y2) in zip(vertices, vertices[1:]):
        crosses = (y1 > lat) != (y2 > lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
        result ^= crosses & (lon < x_at)
    return result


def spanning_tree(xy: np.ndarray) -> list[tuple[int, int]]:
    """Edges of a minimum spanning tree (Prim) between points.

    Parameters
    ----------
    xy : numpy.ndarray
        (n, 2) coordinates in metres.

    Returns
    -------
    list of (int, int)
        n - 1 edges as index pairs.
    """
    n = len(xy)
    if n < 2:
        return []
    in_tree = np.zeros(n, dtype=bool)
    in_tree[0] = True
    best = np.hypot(*(xy - xy[0]).T)
    parent = np.zeros(n, dtype=int)
    edges = []
    for _ in range(n - 1):
        candidates = np.where(in_tree, np.inf, best)
        j = int(np.argmin(candidates))
        edges.append((int(parent[j]), j))
        in_tree[j] = True
        d = np.hypot(*(xy - xy[j]).T)
        closer = d < best
        best = np.where(closer, d, best)
        parent = np.where(closer, j, parent)
    return edges


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Split an integer total in proportion to weights, summing exactly.

    Parameters
    ----------
    weights : numpy.ndarray
        Non-negative weights, not all zero.
    total : int
        Integer to split.

    Returns
    -------
    numpy.ndarray
        Integers with ``sum == total``.
    """
    quota = weights / weights.sum() * total
    base = np.floor(quota).astype(np.int64)
    remaining = int(total - base.sum())
    if remaining:
        order = np.argsort(-(quota - base), kind="stable")
        base[order[:remaining]] += 1
    return base


def cell_code(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Integer code of the 250 m cell containing each point.

    Parameters
    ----------
    x, y : numpy.ndarray
        SWEREF 99 TM metres.

    Returns
    -------
    numpy.ndarray
        int64 codes (column * 10**6 + row).
    """
    col = np.floor(x / CELL_M).astype(np.int64)
    row = np.floor(y / CELL_M).astype(np.int64)
    return col * 1_000_000 + row


def code_centre(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre (x, y) of cells given by :func:`cell_code`.

    Parameters
    ----------
    code : numpy.ndarray
        Cell codes.

    Returns
    -------
    x, y : numpy.ndarray
        Cell centres in SWEREF 99 TM metres.
    """
    col, row = np.divmod(code, 1_000_000)
    return (col + 0.5) * CELL_M, (row + 0.5) * CELL_M


def municipality_samples(
    name: str, folkmangd: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sample points for one municipality.

    Parameters
    ----------
    name : str
        Municipality name (a key of LOCALITIES and OUTLINES).
    folkmangd : int
        Population total.
    rng : numpy.random.Generator
        Seeded generator.

    Returns
    -------
    codes : numpy.ndarray
        Cell code of each sample.
    weights : numpy.ndarray
        Expected people per sample (sums to ``folkmangd``).

    Raises
    ------
    SystemExit
        If a locality lies outside its municipality's outline.
    """
    places = LOCALITIES[name]
    outline = OUTLINES[name]
    lat = np.array([p[1] for p in places])
    lon = np.array([p[2] for p in places])
    outside = ~inside(outline, lon, lat)
    if outside.any():
        bad = ", ".join(p[0] for p, o in zip(places, outside) if o)
        raise SystemExit(f"{name}: orten/orterna {bad} ligger utanför kommunens kontur.")
    cx, cy = to_sweref(lat, lon)
    sizes = np.array([p[3] for p in places], dtype=float)
    scale = min(1.0, MAX_LOCALITY_SHARE * folkmangd / sizes.sum())
    sizes *= scale
    rural_total = folkmangd - sizes.sum()

    codes, weights = [], []
    for x0, y0, size in zip(cx, cy, sizes):
        sigma = 200.0 + 250.0 * np.sqrt(size / 1000.0)
        n = int(max(20, size // 6))
        x = rng.normal(x0, sigma, n)
        y = rng.normal(y0, sigma, n)
        codes.append(cell_code(x, y))
        weights.append(np.full(n, size / n))

    n_rural = int(max(1, round(rural_total / RURAL_PEOPLE_PER_CELL)))
    rx, ry = rural_points(name, cx, cy, sizes, n_rural, rng)
    rural_w = rng.lognormal(0.0, 0.8, len(rx))
    codes.append(cell_code(rx, ry))
    weights.append(rural_w / rural_w.sum() * rural_total)
    return np.concatenate(codes), np.concatenate(weights)


def rural_points(
    name: str,
    cx: np.ndarray,
    cy: np.ndarray,
    sizes: np.ndarray,
    n: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw rural points inside a municipality's outline.

    60 % lie along the spanning-tree links between localities (within about
    2 km, denser near either end), 30 % in a halo around the localities (mean distance 6 km) and
    10 % anywhere in the outline.

    Parameters
    ----------
    name : str
        Municipality name.
    cx, cy : numpy.ndarray
        Locality centres in SWEREF 99 TM metres.
    sizes : numpy.ndarray
        Locality populations (for choosing halo centres).
    n : int
        Number of points wanted.
    rng : numpy.random.Generator
        Seeded generator.

    Returns
    -------
    x, y : numpy.ndarray
        ``n`` points in SWEREF 99 TM metres.
    """
    outline = OUTLINES[name]
    olon = np.array([v[0] for v in outline])
    olat = np.array([v[1] for v in outline])
    edges = spanning_tree(np.column_stack([cx, cy]))
    lengths = np.array([np.hypot(cx[a] - cx[b], cy[a] - cy[b]) for a, b in edges])
    halo_p = np.sqrt(sizes) / np.sqrt(sizes).sum()

    xs, ys = [], []
    kept = 0
    while kept < n:
        m = max(2 * (n - kept), 50)
        kind = rng.choice(3, size=m, p=[0.6, 0.3, 0.1] if edges else [0.0, 0.8, 0.2])
        x = np.empty(m)
        y = np.empty(m)
        if edges:
            along = kind == 0
            k = int(along.sum())
            e = rng.choice(len(edges), size=k, p=lengths / lengths.sum())
            a = np.array([edges[i][0] for i in e], dtype=int)
            b = np.array([edges[i][1] for i in e], dtype=int)
            t = rng.beta(0.6, 0.6, k)  # denser near the localities at either end
            x[along] = cx[a] + t * (cx[b] - cx[a]) + rng.normal(0, 2000, k)
            y[along] = cy[a] + t * (cy[b] - cy[a]) + rng.normal(0, 2000, k)
        halo = kind == 1
        k = int(halo.sum())
        c = rng.choice(len(cx), size=k, p=halo_p)
        r = rng.exponential(6000.0, k) + 500.0
        phi = rng.uniform(0, 2 * np.pi, k)
        x[halo] = cx[c] + r * np.cos(phi)
        y[halo] = cy[c] + r * np.sin(phi)
        spread = kind == 2
        k = int(spread.sum())
        ulat = rng.uniform(olat.min(), olat.max(), k)
        ulon = rng.uniform(olon.min(), olon.max(), k)
        x[spread], y[spread] = to_sweref(ulat, ulon)
        lat, lon = from_sweref(x, y)
        ok = inside(outline, lon, lat)
        xs.append(x[ok])
        ys.append(y[ok])
        kept += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def build(municipalities: list[tuple[str, int]], seed: int = SEED) -> pd.DataFrame:
    """Build the population table.

    Parameters
    ----------
    municipalities : list of (str, int)
        (namn, folkmangd) pairs.
    seed : int, default SEED
        Seed of numpy's default_rng.

    Returns
    -------
    pandas.DataFrame
        Columns lat, lon (6 decimals), befolkning (int), kommun; one row
        per populated 250 m cell.
    """
    rng = np.random.default_rng(seed)
    claimed: dict[int, str] = {}
    frames = []
    for name, folkmangd in municipalities:
        codes, weights = municipality_samples(name, folkmangd, rng)
        unique, inverse = np.unique(codes, return_inverse=True)
        per_cell = np.bincount(inverse, weights=weights)
        own = np.array([claimed.setdefault(int(c), name) == name for c in unique])
        unique, per_cell = unique[own], per_cell[own]
        people = largest_remainder(per_cell, folkmangd)
        keep = people > 0
        x, y = code_centre(unique[keep])
        lat, lon = from_sweref(x, y)
        frames.append(
            pd.DataFrame(
                {
                    "lat": np.round(lat, 6),
                    "lon": np.round(lon, 6),
                    "befolkning": people[keep],
                    "kommun": name,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: sys.argv[1:]).

    Returns
    -------
    int
        Exit status 0.

    Raises
    ------
    SystemExit
        If program.toml cannot be used or a sum does not match.
    """
    parser = argparse.ArgumentParser(description="Skriver exempeldata: befolkningspunkter för Jämtlands län.")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "befolkning.csv", help="utfil")
    parser.add_argument("--program", type=Path, default=ROOT / "data" / "program.toml", help="program.toml")
    args = parser.parse_args(argv)

    municipalities = read_municipalities(args.program)
    source = args.program if args.program.exists() else "inbyggda siffror för 2024 (program.toml saknas)"
    table = build(municipalities)

    sums = table.groupby("kommun")["befolkning"].sum()
    for name, folkmangd in municipalities:
        if int(sums.get(name, 0)) != folkmangd:
            raise SystemExit(f"{name}: summan {int(sums.get(name, 0))} skiljer sig från folkmängden {folkmangd}.")
    if table.duplicated(["lat", "lon"]).any():
        raise SystemExit("Samma ruta förekommer mer än en gång.")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, encoding="utf-8", lineterminator="\n")

    print(f"Exempeldata skriven till {args.out} (folkmängd från {source}).")
    print(f"{'Kommun':<12} {'Rutor':>6} {'Befolkning':>11} {'Störst ruta':>12}")
    for name, folkmangd in municipalities:
        part = table[table["kommun"] == name]
        print(f"{name:<12} {len(part):>6} {int(part['befolkning'].sum()):>11} {int(part['befolkning'].max()):>12}")
    print(f"{'Totalt':<12} {len(table):>6} {int(table['befolkning'].sum()):>11}")
    print(f"Filstorlek: {args.out.stat().st_size / 1024:.0f} kB. Summorna stämmer med folkmängden per kommun.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
