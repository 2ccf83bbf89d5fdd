"""Municipal borders of the programme's county, in SWEREF 99 TM.

The package ships coarse borders of all 290 municipalities
(:func:`serviceprogram.inputs.reference.municipality_geojson_path`, source in
``resources/referens/KALLA.md``). A region may give a detailed file instead:
``kommungranser.gpkg`` or ``kommungranser.geojson`` in the data folder, with a
column ``kod`` (four-digit municipality code) or ``namn``.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["BORDER_FILES", "SWEREF", "border_file", "municipality_borders", "assign"]

BORDER_FILES = ("kommungranser.gpkg", "kommungranser.geojson")
SWEREF = "EPSG:3006"


def border_file(data_dir) -> Path | None:
    """The region's own border file in the data folder, if any."""
    if data_dir is None:
        return None
    for name in BORDER_FILES:
        path = Path(data_dir) / name
        if path.is_file():
            return path
    return None


def municipality_borders(program, data_dir=None):
    """The programme's municipalities as a GeoDataFrame in SWEREF 99 TM.

    Columns ``kod``, ``namn`` (the programme's spelling) and ``geometry``, in the
    order of ``program.toml``. Municipalities the border file lacks are left out.
    """
    import geopandas as gpd

    from ..reference import municipality_geojson_path

    path = border_file(data_dir) or municipality_geojson_path()
    frame = gpd.read_file(path)
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    frame = frame.to_crs(SWEREF)
    columns = {c.lower(): c for c in frame.columns}
    codes = frame[columns["kod"]].astype(str).str.zfill(4) if "kod" in columns else None
    names = frame[columns["namn"]].astype(str).str.strip().str.casefold() if "namn" in columns else None
    rows = []
    for k in program.kommuner:
        hit = None
        if codes is not None:
            hit = frame[codes == k.kod]
        if (hit is None or hit.empty) and names is not None:
            hit = frame[names == k.namn.casefold()]
        if hit is not None and not hit.empty:
            rows.append({"kod": k.kod, "namn": k.namn, "geometry": hit.geometry.union_all()})
    return gpd.GeoDataFrame(rows, columns=["kod", "namn", "geometry"], geometry="geometry", crs=SWEREF)


def assign(x, y, borders, tolerance_m: float = 2000.0):
    """The municipality of each point, by point-in-polygon.

    A point on the border between two municipalities goes to the first one in
    the programme's order (each point is counted once). A point in no
    municipality but within ``tolerance_m`` of one (the shipped borders are
    coarse) goes to the nearest. Returns ``(names, nearest, outside)``: the
    names (None outside), and boolean arrays of points placed by the tolerance
    rule and of points outside the county.
    """
    import numpy as np
    import shapely

    points = shapely.points(np.asarray(x, float), np.asarray(y, float))
    names = np.full(len(points), None, dtype=object)
    geoms = list(borders.geometry)
    labels = list(borders["namn"])
    for geom, name in zip(geoms[::-1], labels[::-1]):  # first in order wins on a shared border
        names[shapely.intersects(geom, points)] = name
    nearest = np.zeros(len(points), dtype=bool)
    missing = np.flatnonzero(names == None)  # noqa: E711
    if len(missing) and geoms:
        dist = np.column_stack([shapely.distance(g, points[missing]) for g in geoms])
        best = dist.argmin(axis=1)
        close = dist[np.arange(len(missing)), best] <= tolerance_m
        names[missing[close]] = [labels[i] for i in best[close]]
        nearest[missing[close]] = True
    outside = names == None  # noqa: E711
    return names, nearest, np.asarray(outside, dtype=bool)
