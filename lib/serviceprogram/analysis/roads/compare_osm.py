"""Is the list of service points complete? Compare ``serviceplatser`` with an OSM extract.

``serviceprogram jamfor-osm`` reads grocery shops, fuel stations, pharmacies and
parcel points from the road network's ``.osm.pbf`` (nodes, ways by the mean of
their nodes, and multipolygon relations by the centre of their area), keeps those inside the county's municipalities, and matches them
with the year's open service points of the same kind: a pair matches when it is
within :data:`NEAR_M`, or within :data:`MAX_M` with names at least
:data:`MIN_SIMILARITY` alike (difflib ratio on case-folded names). The result is a
workbook for the analyst: OSM places missing from the list, and listed places OSM
does not know. It never writes into the data folder.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ...files import replacing
from ...inputs import service_points
from ...inputs.geo import projection

__all__ = ["NEAR_M", "MAX_M", "MIN_SIMILARITY", "CREATOR", "MARK_SHEET", "KINDS", "kind_of", "read_places",
           "similarity", "Comparison", "compare", "about_rows", "is_own_workbook",
           "write_workbook"]

NEAR_M = 250.0
MAX_M = 1500.0
MIN_SIMILARITY = 0.5
CREATOR = "serviceprogram"
MARK_SHEET = "Om jämförelsen"

#: OSM tags -> our kind, and the kinds' labels and matching service point columns.
KINDS = {
    "dagligvaror": ("Dagligvarubutik", "dagligvaror"),
    "drivmedel": ("Drivmedel", "drivmedel"),
    "apotek": ("Apotek eller apoteksombud", "apoteksombud"),
    "paketombud": ("Paketombud eller paketskåp", "paketombud"),
}
_SHOPS = {"supermarket", "convenience", "grocery", "general"}


def kind_of(tags) -> str | None:
    """Our kind of an OSM object from its tags, or None."""
    shop, amenity = tags.get("shop"), tags.get("amenity")
    if shop in _SHOPS:
        return "dagligvaror"
    if amenity == "fuel":
        return "drivmedel"
    if amenity == "pharmacy" or tags.get("healthcare") == "pharmacy":
        return "apotek"
    if amenity in {"parcel_locker", "post_office"} or tags.get("post_partner") == "yes":
        return "paketombud"
    return None


def _area_centre(area) -> tuple[float, float] | None:
    """(lat, lon) of the centre of an assembled OSM area (all its outer rings), or None."""
    import shapely

    rings = [[(n.lon, n.lat) for n in ring if n.location.valid()] for ring in area.outer_rings()]
    polygons = [shapely.Polygon(r) for r in rings if len(r) >= 4]
    if not polygons:
        return None
    centre = shapely.MultiPolygon(polygons).centroid
    return (float(centre.y), float(centre.x)) if not centre.is_empty else None


def read_places(path) -> pd.DataFrame:
    """Service places of an OSM file (``.osm.pbf``; pyosmium also reads ``.osm`` XML): columns osm_id, typ, namn, lat, lon.

    Nodes give their position; ways (a shop drawn as a building outline) the mean of their
    nodes; multipolygon relations (a shop mapped as a building with a courtyard, or as
    several buildings) the centre of their assembled area. A relation whose member ways
    are missing from the extract cannot be assembled and is left out.
    """
    import osmium

    rows = []
    processor = (osmium.FileProcessor(str(Path(path)), osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION)
                 .with_locations()
                 .with_areas()
                 .with_filter(osmium.filter.KeyFilter("shop", "amenity", "healthcare", "post_partner")))
    for obj in processor:
        kind = kind_of(obj.tags)
        if kind is None:
            continue
        if obj.is_area():
            if obj.from_way():
                continue  # a closed way: already read as a way
            centre = _area_centre(obj)
            if centre is None:
                continue
            (lat, lon), ident = centre, f"relation/{obj.orig_id()}"
        elif obj.is_node():
            if not obj.location.valid():
                continue
            lat, lon, ident = obj.location.lat, obj.location.lon, f"node/{obj.id}"
        elif obj.is_way():
            locs = [(n.lat, n.lon) for n in obj.nodes if n.location.valid()]
            if not locs:
                continue
            lat, lon = np.mean(locs, axis=0)
            ident = f"way/{obj.id}"
        else:
            continue  # a relation itself: its area (above) has the position
        rows.append({"osm_id": ident, "typ": kind, "namn": obj.tags.get("name", ""),
                     "lat": float(lat), "lon": float(lon)})
    return pd.DataFrame(rows, columns=["osm_id", "typ", "namn", "lat", "lon"])


def similarity(a: str, b: str) -> float:
    a, b = (a or "").casefold().strip(), (b or "").casefold().strip()
    return difflib.SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def _listed(points: pd.DataFrame, year: int, kind: str) -> np.ndarray:
    column = KINDS[kind][1]
    is_open = service_points.open_at_year_end(points, year).to_numpy()
    if column == "dagligvaror":
        return is_open & service_points.offers(points, "dagligvaror").to_numpy()
    return is_open & service_points.offers(points, column).to_numpy()


@dataclass
class Comparison:
    missing: pd.DataFrame   # OSM places not in the list
    unknown: pd.DataFrame   # listed places OSM does not know
    matched: pd.DataFrame   # pairs
    outside: int            # OSM places outside the county (left out)
    source: str


def compare(osm: pd.DataFrame, points: pd.DataFrame, year: int, borders=None) -> Comparison:
    """Match OSM places with the year's open service points kind by kind (greedy, nearest first)."""
    osm = osm.reset_index(drop=True).copy()
    outside = 0
    ox, oy = projection.to_sweref(osm["lat"].to_numpy(float), osm["lon"].to_numpy(float)) if len(osm) else ([], [])
    osm["x"], osm["y"] = ox, oy
    osm["kommun"] = ""
    if borders is not None and len(osm):
        from ...inputs.geo.borders import assign

        names, _, out = assign(osm["x"].to_numpy(), osm["y"].to_numpy(), borders)
        osm["kommun"] = [n or "" for n in names]
        outside = int(out.sum())
        osm = osm[~out].reset_index(drop=True)
    pxy = projection.xy_of(points, "Serviceplatserna") if len(points) else np.empty((0, 2))
    ids = service_points.point_ids(points) if len(points) else np.empty(0, dtype=object)
    names = points["namn"].fillna("").astype(str).to_numpy() if "namn" in points.columns else np.full(len(points), "")
    matched, missing, unknown = [], [], []
    for kind, (label, _) in KINDS.items():
        o = osm[osm["typ"] == kind]
        mask = _listed(points, year, kind)
        cand = np.flatnonzero(mask)
        pairs = []
        for oi, rec in zip(o.index, o.itertuples()):
            if not len(cand):
                break
            d = np.hypot(pxy[cand, 0] - rec.x, pxy[cand, 1] - rec.y)
            for j in np.flatnonzero(d <= MAX_M):
                sim = similarity(rec.namn, names[cand[j]])
                if d[j] <= NEAR_M or sim >= MIN_SIMILARITY:
                    pairs.append((d[j] * (1.5 - sim), oi, cand[j], d[j], sim))
        used_o, used_p = set(), set()
        for _, oi, pi, d, sim in sorted(pairs, key=lambda p: p[0]):
            if oi in used_o or pi in used_p:
                continue
            used_o.add(oi)
            used_p.add(pi)
            matched.append({"Typ": label, "OSM-id": osm.at[oi, "osm_id"], "Namn i OSM": osm.at[oi, "namn"],
                            "Serviceplats": ids[pi], "Namn i serviceplatser": names[pi],
                            "Avstånd, m": round(float(d)), "Namnlikhet": round(float(sim), 2)})
        for oi in o.index:
            if oi in used_o:
                continue
            near = ""
            if len(cand):
                d = np.hypot(pxy[cand, 0] - osm.at[oi, "x"], pxy[cand, 1] - osm.at[oi, "y"])
                near = f"{ids[cand[d.argmin()]]} ({round(float(d.min()))} m)"
            missing.append({"Typ": label, "Namn i OSM": osm.at[oi, "namn"] or "(utan namn)",
                            "Kommun": osm.at[oi, "kommun"], "Lat": round(osm.at[oi, "lat"], 5),
                            "Lon": round(osm.at[oi, "lon"], 5), "OSM-id": osm.at[oi, "osm_id"],
                            "Närmaste serviceplats av typen": near})
        for pi in cand:
            if pi not in used_p:
                unknown.append({"Typ": label, "Serviceplats": ids[pi], "Namn": names[pi],
                                "Kommun": points["kommun"].iloc[pi] if "kommun" in points.columns else "",
                                "Ort": points["ort"].iloc[pi] if "ort" in points.columns else ""})
    return Comparison(pd.DataFrame(missing), pd.DataFrame(unknown), pd.DataFrame(matched), outside, "")


def about_rows(result: Comparison, source: str, year: int, data_dir) -> list[tuple[str, str]]:
    """The explanation sheet: what was compared and how (prose in templates/osm/om_jamforelsen.txt.j2)."""
    from jinja2 import Environment, PackageLoader

    env = Environment(loader=PackageLoader("serviceprogram", "templates"), autoescape=False, keep_trailing_newline=False)
    text = env.get_template("osm/om_jamforelsen.txt.j2").render(
        year=year, data_dir=Path(data_dir).name, source=source, outside=result.outside,
        missing=len(result.missing), unknown=len(result.unknown), matched=len(result.matched),
        near=int(NEAR_M), far=f"{int(MAX_M):,}".replace(",", "\u00a0"))
    return [tuple(line.split("|", 1)) for line in text.splitlines() if "|" in line]


def is_own_workbook(path: Path) -> bool:
    """True when ``path`` is a workbook this command wrote (creator and the sheet "Om jämförelsen")."""
    import zipfile

    if not zipfile.is_zipfile(path):
        return False
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - an unreadable workbook is not ours
        return False
    try:
        return book.properties.creator == CREATOR and MARK_SHEET in book.sheetnames
    finally:
        book.close()


def write_workbook(result: Comparison, path: Path, about: list[tuple[str, str]]) -> Path:
    """Write the three lists and an explanation sheet; atomically (temporary file, then rename)."""

    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.properties.creator = CREATOR
    sheet = book.active
    sheet.title = MARK_SHEET
    for row in about:
        sheet.append(list(row))
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 100
    for title, frame in (("Saknas i serviceplatser", result.missing), ("Okända i OSM", result.unknown),
                         ("Matchade", result.matched)):
        ws = book.create_sheet(title)
        if frame.empty:
            ws.append(["Inga rader."])
            continue
        ws.append(list(frame.columns))
        for rec in frame.itertuples(index=False):
            ws.append(list(rec))
        ws.freeze_panes = "A2"
        for i, col in enumerate(frame.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)])
            ws.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
    with replacing(path) as tmp:
        book.save(tmp)
    return path
