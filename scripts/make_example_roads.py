"""Write an illustrative road network for Jämtlands län to data/vagnat/exempel-vagnat.osm.pbf.

The network is EXAMPLE DATA (exempeldata). It is not OpenStreetMap's or
Trafikverket's road network: it only joins the example's real localities
(``data/orter.csv``) along plausible lines, so that the road-distance analysis
(``serviceprogram.analysis.roads``) has something realistic to work on and the tests
stay fast. A region uses a real extract instead (docs/vagnat.md).

How the network is made
-----------------------
1. Main roads follow the real national routes between the localities on
   them, as chains of locality names (:data:`MAIN_ROADS`): E14, E45, road 84
   and a few county roads, tagged ``highway=trunk``/``primary``/``secondary``
   with the speed limits of those road types.
2. Every other locality gets a local road (``highway=tertiary``, 70 km/h) to the
   nearest locality already on the network (Prim's algorithm over the
   localities, in SWEREF 99 TM), so that every locality is reachable.
3. Inside each locality of more than 1 000 inhabitants a small grid of
   streets (``highway=residential``, 50 km/h) is laid out.
4. Countryside: population points of ``data/befolkning.csv`` (when present)
   farther than 900 m from the network are joined, largest first, by a
   ``highway=unclassified`` road (no maxspeed: the class default is used) to
   the nearest network node, until no point is farther than 900 m or
   :data:`MAX_SPURS` roads are laid. The few points left stay "utan väg".
5. One car ferry (``route=ferry``) across Storsjön to an island modelled on
   Norderön, and one island without any link (no bridge, no ferry), so that
   the report shows both cases.
6. Service places as OSM nodes, for ``serviceprogram jamfor-osm``: for most open
   points of ``2024/serviceplatser.csv`` a node 30–200 m away per kind offered
   (``shop=supermarket``/``convenience``, ``amenity=fuel``, ``amenity=pharmacy``,
   ``post_partner=yes``), some with a slightly different name; about one point
   in eight is left out ("OSM does not know it"), and a few shops and fuel stations
   that the list lacks are added.
7. Roads are drawn as polylines with a node about every kilometre and a
   smooth, seeded sideways bend, so that the road is longer than the
   straight line, as real roads are.

The random generator is seeded: the output is the same on every run
(pyosmium writes no timestamps here).

Usage
-----
    .venv/bin/python scripts/make_example_roads.py [--data DIR] [--out PATH]
"""
from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from serviceprogram.inputs.geo.projection import from_sweref, to_sweref  # noqa: E402

SEED = 15
STEP_M = 1000.0          # one node about every kilometre
SPUR_LIMIT_M = 900.0    # countryside points farther than this get a road
MAX_SPURS = 1500

# Real national and county routes as chains of localities (illustrative lines).
MAIN_ROADS = [
    ("E14", "trunk", 90, ["Storlien", "Ånn", "Duved", "Åre", "Undersåker", "Järpen", "Mörsil", "Mattmar",
                          "Trångsviken", "Nälden", "Dvärsätt", "Krokom", "Ås", "Östersund", "Brunflo",
                          "Pilgrimstad", "Gällö", "Bräcke"]),
    ("E45", "trunk", 90, ["Hoting", "Strömsund", "Hammerdal", "Häggenås", "Lit", "Östersund", "Tandsbyn",
                          "Hackås", "Svenstavik", "Åsarna", "Rätan", "Sveg", "Lillhärdal"]),
    ("84", "primary", 80, ["Sveg", "Linsell", "Hede", "Vemdalen", "Funäsdalen", "Ljusnedal", "Bruksvallarna",
                           "Tänndalen"]),
    ("87", "primary", 80, ["Östersund", "Stugun", "Krångede", "Hammarstrand", "Bispgården"]),
    ("83", "primary", 80, ["Bräcke", "Kälarne"]),
    ("342", "secondary", 70, ["Strömsund", "Backe", "Rossön"]),
    ("340", "secondary", 70, ["Krokom", "Föllinge", "Laxsjö"]),
    ("321", "secondary", 70, ["Mörsil", "Hallen", "Oviken", "Myrviken", "Hackås"]),
    ("316", "secondary", 70, ["Sveg", "Älvros", "Ytterhogdal"]),
]
BRIDGES = [("Östersund", "Frösön"), ("Frösön", "Marieby"), ("Marieby", "Orrviken")]
# The ferry: a harbour on the mainland and an island with a few houses (modelled on Norderön).
FERRY = {"from": (63.2520, 14.4700), "island": [(63.2410, 14.4350), (63.2320, 14.4050), (63.2250, 14.4300)]}
# An island without bridge or ferry: a short road loop (modelled on an island in Storsjön).
ISLAND = [(63.0850, 14.6150), (63.0800, 14.6350), (63.0740, 14.6200), (63.0850, 14.6150)]


def read_localities(path: Path) -> dict[str, tuple[float, float, int]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {r["namn"]: (float(r["lat"]), float(r["lon"]), int(float(r["befolkning"] or 0)))
                for r in csv.DictReader(f)}


class Network:
    """Nodes (SWEREF 99 TM) and ways, written as OSM at the end."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.xy: list[tuple[float, float]] = []
        self.ways: list[tuple[list[int], dict]] = []
        self._at: dict[tuple[int, int], int] = {}
        self.places: list[tuple[float, float, dict]] = []

    def node(self, x: float, y: float) -> int:
        key = (round(x), round(y))
        if key not in self._at:
            self._at[key] = len(self.xy)
            self.xy.append((float(key[0]), float(key[1])))
        return self._at[key]

    def line(self, a, b, tags: dict, bend: float = 0.04) -> None:
        """A polyline from a to b (SWEREF) with a node about every STEP_M and a smooth bend."""
        a, b = np.asarray(a, float), np.asarray(b, float)
        length = float(np.hypot(*(b - a)))
        n = max(1, int(np.ceil(length / STEP_M)))
        t = np.linspace(0.0, 1.0, n + 1)
        normal = np.array([-(b - a)[1], (b - a)[0]]) / max(length, 1.0)
        amp = self.rng.normal(0.0, bend) * length
        wiggle = np.sin(np.pi * t) * amp + np.sin(2 * np.pi * t) * self.rng.normal(0, bend / 2) * length
        pts = a + np.outer(t, b - a) + np.outer(wiggle, normal)
        ids = [self.node(*p) for p in pts]
        ids = [i for k, i in enumerate(ids) if k == 0 or i != ids[k - 1]]
        if len(ids) >= 2:
            self.ways.append((ids, tags))

    def write(self, path: Path) -> None:
        import osmium
        from osmium.osm.mutable import Node, Way

        xy = np.array(self.xy)
        lat, lon = from_sweref(xy[:, 0], xy[:, 1])
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent) as folder:
            tmp = Path(folder) / path.name  # written beside the target, then moved in one step
            writer = osmium.SimpleWriter(str(tmp))
            try:
                for i in range(len(xy)):
                    writer.add_node(Node(id=i + 1, location=(round(float(lon[i]), 6), round(float(lat[i]), 6))))
                if self.places:
                    pxy = np.array([(p[0], p[1]) for p in self.places])
                    plat, plon = from_sweref(pxy[:, 0], pxy[:, 1])
                    for k, (_, _, tags) in enumerate(self.places):
                        writer.add_node(Node(id=len(xy) + k + 1, tags=tags,
                                             location=(round(float(plon[k]), 6), round(float(plat[k]), 6))))
                for k, (ids, tags) in enumerate(self.ways):
                    writer.add_way(Way(id=k + 1, nodes=[i + 1 for i in ids], tags=tags))
            finally:
                writer.close()
            tmp.replace(path)


def sweref(lat: float, lon: float) -> tuple[float, float]:
    x, y = to_sweref(np.array([lat]), np.array([lon]))
    return float(x[0]), float(y[0])


def build(data_dir: Path) -> Network:
    rng = np.random.default_rng(SEED)
    net = Network(rng)
    places = read_localities(data_dir / "orter.csv")
    at = {name: sweref(lat, lon) for name, (lat, lon, _) in places.items()}
    on_network: set[str] = set()
    for ref, highway, speed, chain in MAIN_ROADS:
        chain = [c for c in chain if c in at]
        for a, b in zip(chain, chain[1:]):
            net.line(at[a], at[b], {"highway": highway, "ref": ref, "maxspeed": str(speed)})
        on_network.update(chain)
    for a, b in BRIDGES:
        if a in at and b in at:
            net.line(at[a], at[b], {"highway": "secondary", "maxspeed": "60"}, bend=0.02)
            on_network.update((a, b))
    # local roads: Prim's algorithm from the network to every other locality
    rest = [n for n in at if n not in on_network]
    while rest:
        best = None
        for name in rest:
            for other in on_network:
                d = np.hypot(at[name][0] - at[other][0], at[name][1] - at[other][1])
                if best is None or d < best[0]:
                    best = (d, name, other)
        _, name, other = best
        net.line(at[other], at[name], {"highway": "tertiary", "maxspeed": "70"})
        on_network.add(name)
        rest.remove(name)
    # streets in the larger localities
    for name, (lat, lon, people) in places.items():
        if people <= 1000:
            continue
        half = 500.0 * (people / 1000.0) ** 0.25
        cx, cy = at[name]
        offs = np.linspace(-half, half, 5)  # odd: the middle street passes the centre
        tags = {"highway": "residential", "maxspeed": "50"}
        for o in offs:
            net.ways.append(([net.node(cx + u, cy + o) for u in offs], dict(tags)))
            net.ways.append(([net.node(cx + o, cy + u) for u in offs], dict(tags)))
    # the ferry and the island without a link
    harbour, island = sweref(*FERRY["from"]), [sweref(*p) for p in FERRY["island"]]
    net.line(harbour, island[0], {"route": "ferry", "motor_vehicle": "yes", "name": "Exempelleden"}, 0.01)
    for a, b in zip(island, island[1:]):
        net.line(a, b, {"highway": "unclassified"}, 0.02)
    loop = [sweref(*p) for p in ISLAND]
    for a, b in zip(loop, loop[1:]):
        net.line(a, b, {"highway": "unclassified"}, 0.02)
    # the harbour is joined to the nearest locality by a local road
    near = min(at, key=lambda n: np.hypot(at[n][0] - harbour[0], at[n][1] - harbour[1]))
    net.line(at[near], harbour, {"highway": "tertiary", "maxspeed": "70"})
    _countryside(net, data_dir)
    _places(net, data_dir, rng)
    return net


EXTRA_PLACES = [  # in OSM but not in the example's list of service points (invented names)
    ("Östersund", 600, -300, {"shop": "supermarket", "name": "Exempelköp Odenskog"}),
    ("Brunflo", -400, 250, {"amenity": "fuel", "name": "Exempelmacken Brunflo"}),
    ("Järpen", 300, 200, {"shop": "convenience", "name": "Järpens Kvartersbutik"}),
    ("Sveg", -250, -350, {"amenity": "parcel_locker", "name": "Paketskåp Sveg"}),
]


def _places(net: Network, data_dir: Path, rng: np.random.Generator) -> None:
    """Service places as tagged nodes (stored beside the roads; the road reader ignores them)."""
    path = data_dir / "2024" / "serviceplatser.csv"
    net.places = []
    if path.is_file():
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = [r for r in csv.DictReader(f) if not (r.get("stangd") or "").strip()]
        for r in rows:
            if rng.random() < 0.125:
                continue  # OSM does not know this one
            x, y = sweref(float(r["lat"]), float(r["lon"]))
            name = r["namn"]
            if rng.random() < 0.25:
                name = name.split()[0]  # a shorter name, as OSM often has
            kinds = []
            if (r.get("dagligvaror") or "").strip():
                kinds.append({"shop": "supermarket" if r["dagligvaror"].strip() == "Fullsortiment" else "convenience"})
            if (r.get("drivmedel") or "").strip().lower() == "ja":
                kinds.append({"amenity": "fuel"})
            if (r.get("apoteksombud") or "").strip().lower() == "ja":
                kinds.append({"amenity": "pharmacy"})
            if (r.get("paketombud") or "").strip().lower() == "ja":
                kinds.append({"amenity": "parcel_locker"} if "skåp" in name.lower()
                             else {"post_partner": "yes"} if not kinds else {"amenity": "post_office"})
            for tags in kinds:
                angle, dist = rng.uniform(0, 2 * np.pi), rng.uniform(30, 200)
                net.places.append((x + dist * np.cos(angle), y + dist * np.sin(angle), {**tags, "name": name}))
    at = {n: sweref(lat, lon) for n, (lat, lon, _) in read_localities(data_dir / "orter.csv").items()}
    for town, dx, dy, tags in EXTRA_PLACES:
        if town in at:
            net.places.append((at[town][0] + dx, at[town][1] + dy, tags))


def _countryside(net: Network, data_dir: Path) -> None:
    """Spur roads to the countryside points farther than SPUR_LIMIT_M (largest first)."""
    from scipy.spatial import cKDTree

    path = data_dir / "befolkning.csv"
    if not path.is_file():
        return
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("lat") and r.get("lon")]
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    people = np.array([float(r["befolkning"] or 0) for r in rows])
    x, y = to_sweref(lat, lon)
    pts = np.column_stack([x, y])
    order = np.argsort(-people, kind="stable")
    spurs = 0
    tree, base = cKDTree(np.array(net.xy)), len(net.xy)  # rebuilt now and then; newer nodes searched directly
    for i in order:
        if spurs >= MAX_SPURS:
            break
        dist, node = tree.query(pts[i])
        if len(net.xy) > base:
            fresh = np.array(net.xy[base:])
            d = np.hypot(*(fresh - pts[i]).T)
            if d.min() < dist:
                dist, node = float(d.min()), base + int(d.argmin())
        if dist <= SPUR_LIMIT_M:
            continue
        net.line(net.xy[node], pts[i], {"highway": "unclassified"}, 0.05)
        spurs += 1
        if len(net.xy) - base > 2000:
            tree, base = cKDTree(np.array(net.xy)), len(net.xy)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or args.data / "vagnat" / "exempel-vagnat.osm.pbf"
    net = build(args.data)
    net.write(out)
    print(f"{out}: {len(net.xy)} noder, {len(net.ways)} vägar, {len(net.places)} serviceplatser, "
          f"{out.stat().st_size / 1024:.0f} kB")


if __name__ == "__main__":
    main()
