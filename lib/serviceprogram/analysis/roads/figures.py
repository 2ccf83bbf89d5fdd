"""Road figures of a year beside the straight-line ones (for the report, what-if page, indicators).

:func:`for_year` is called by :class:`serviceprogram.publishing.report.AccessFigures`; the road
search of a year is computed once and cached (:func:`cached_result`): in memory, and
on disk in the user's cache folder keyed by the SHA-256 of everything it depends on
(the network file, its settings, the year, the population and the open service
points), so the report, the what-if page and the indicator export of a build, which
run in different processes, search the network only once per year.
"""
from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ... import ids
from ...files import replacing
from ...inputs import service_points
from ...inputs.geo import projection
from .. import access
from .distances import RoadResult, road_distances
from .osm import read_osm
from .settings import RoadSettings, load_settings

__all__ = ["network_graph", "CACHE_VERSION", "CACHE_ENV", "cache_dir", "RoadFigures", "compare_table", "indicator_rows",
           "type_masks", "CACHE_KEEP", "cached_result", "for_year", "network_facts", "driftstod_road_km"]

_GRAPHS: dict = {}  # built graphs by (file SHA-256, settings): a build kernel runs several notebooks
_RESULTS: dict = {}  # road results by cache key (see cached_result)
CACHE_VERSION = 1
CACHE_ENV = "SERVICEPROGRAM_CACHE"


def _graph_key(settings: RoadSettings) -> tuple:
    digest = hashlib.sha256(settings.path.read_bytes()).hexdigest()
    return (digest, settings.ferry_speed_kmh, settings.ferry_wait_min, tuple(sorted(settings.speeds.items())),
            settings.speed_column, settings.default_speed_kmh)


def cache_dir() -> Path:
    """The folder of cached road results: ``$SERVICEPROGRAM_CACHE``, else the user's cache folder
    (``%LOCALAPPDATA%\\serviceprogram`` on Windows, ``$XDG_CACHE_HOME`` or ``~/.cache`` elsewhere)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]) / "vagnat"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "serviceprogram" / "vagnat"


def network_graph(settings: RoadSettings):
    key = _graph_key(settings)
    if key not in _GRAPHS:
        _GRAPHS.clear()
        if settings.is_gpkg:
            from .gpkg import read_gpkg

            _GRAPHS[key] = read_gpkg(settings.path, settings.speed_column, settings.default_speed_kmh,
                                     settings.ferry_speed_kmh, settings.ferry_wait_min)
        else:
            _GRAPHS[key] = read_osm(settings.path, settings.speeds, settings.ferry_speed_kmh, settings.ferry_wait_min)
    return _GRAPHS[key]


@dataclass
class RoadFigures:
    result: RoadResult
    table: pd.DataFrame   # per type and municipality, road and straight-line side by side
    settings: RoadSettings


def compare_table(population: pd.DataFrame, straight_m: pd.DataFrame, result: RoadResult,
                  limit_km: float = ids.DEFAULT_LIMIT_KM, kommuner=None) -> pd.DataFrame:
    """Per type and municipality (then "Hela länet"): population-weighted means of road km,
    travel minutes and straight km over the people reachable by road, people over the limit by
    road and fågelvägen, people unreachable and people without a road within the snap distance."""
    weights = pd.to_numeric(population["befolkning"], errors="coerce").fillna(0).to_numpy(float)
    muni = (population["kommun"].fillna(access.UNKNOWN_MUNICIPALITY).astype(str).to_numpy()
            if "kommun" in population.columns else np.full(len(population), access.UNKNOWN_MUNICIPALITY))
    names = list(kommuner or []) + sorted(set(muni) - set(kommuner or []))
    rows = []
    unconnected = result.unconnected.to_numpy()
    for typ in result.km.columns:
        km, mins = result.km[typ].to_numpy(), result.min[typ].to_numpy()
        straight = straight_m[typ].to_numpy() / 1000.0
        for name in [*names, access.COUNTY_LABEL]:
            sel = np.ones(len(muni), bool) if name == access.COUNTY_LABEL else muni == name
            ok = sel & np.isfinite(km)
            w = weights[ok]
            mean = (lambda v: float(np.average(v[ok], weights=w)) if w.sum() > 0 else np.nan)
            rows.append({
                "typ": typ, "kommun": name, "befolkning": float(weights[sel].sum()),
                "vag_km": mean(km), "restid_min": mean(mins), "fagelvag_km": mean(straight),
                "over_grans_vag": float(weights[ok & (km > limit_km)].sum()),
                "over_grans_fagelvag": float(weights[sel & (straight > limit_km)].sum()),
                "ej_nabar": float(weights[sel & np.isinf(km)].sum()),
                "utan_vag": float(weights[sel & unconnected].sum()),
            })
    return pd.DataFrame(rows)


def indicator_rows(table: pd.DataFrame, limit_km: float = ids.DEFAULT_LIMIT_KM) -> pd.DataFrame:
    """Indicator rows (docs/indikatorer.md): dimension "<typ>" for the county, "<typ>|<kommun>" else."""
    measures = {ids.ROAD_MEAN_KM: "vag_km", ids.ROAD_MEAN_MINUTES: "restid_min",
                ids.over_limit_id(ids.PEOPLE, limit_km, prefix=ids.ROAD_PREFIX): "over_grans_vag",
                ids.ROAD_UNREACHABLE: "ej_nabar", ids.ROAD_UNCONNECTED: "utan_vag"}
    rows = []
    for ident, column in measures.items():
        for rec in table.itertuples(index=False):
            dim = rec.typ if rec.kommun == ids.COUNTY else f"{rec.typ}{ids.SEP}{rec.kommun}"
            rows.append((ident, dim, float(getattr(rec, column))))
    return pd.DataFrame(rows, columns=["indikator", "dimension", "varde"])


def type_masks(points: pd.DataFrame, year: int) -> dict[str, np.ndarray]:
    """Open points per service type on 31 December of ``year``."""
    is_open = service_points.open_at_year_end(points, year).to_numpy()
    return {t: is_open & service_points.offers(points, t).to_numpy() for t in service_points.SERVICE_TYPES}


def _key(settings: RoadSettings, year, pop_xy, point_xy, masks) -> str:
    h = hashlib.sha256(repr((CACHE_VERSION, _graph_key(settings), settings.max_snap_m, year)).encode())
    for array in (pop_xy, point_xy, *[masks[t] for t in sorted(masks)]):
        h.update(np.ascontiguousarray(array).tobytes())
    h.update(repr(sorted(masks)).encode())
    return h.hexdigest()


def _load_cached(path: Path, index) -> RoadResult | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            types = [str(t) for t in z["types"]]
            km, mins, snap_m, max_snap = z["km"], z["min"], z["snap_m"], float(z["max_snap_m"])
    except (OSError, ValueError, KeyError):
        return None  # a damaged or foreign file: computed again
    if km.shape != (len(index), len(types)):
        return None
    return RoadResult(pd.DataFrame(km, index=index, columns=types), pd.DataFrame(mins, index=index, columns=types),
                      pd.Series(snap_m, index=index), max_snap)


def _store(path: Path, result: RoadResult) -> None:
    """Write atomically (a temporary file in the same folder, then one rename); a failure is harmless."""
    try:
        with replacing(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, types=np.array(list(result.km.columns)), km=result.km.to_numpy(float),
                     min=result.min.to_numpy(float), snap_m=result.snap_m.to_numpy(float),
                     max_snap_m=np.array(result.max_snap_m))
        _prune(path.parent)
    except OSError:
        pass


#: Cached searches kept; older ones are removed (only this folder's own 64-hex ``.npz`` files).
CACHE_KEEP = 48


def _prune(folder: Path) -> None:
    own = [p for p in folder.glob("*.npz") if len(p.stem) == 64 and all(c in "0123456789abcdef" for c in p.stem)]
    if len(own) > CACHE_KEEP:
        for old in sorted(own, key=lambda p: p.stat().st_mtime)[:-CACHE_KEEP]:
            old.unlink(missing_ok=True)


def cached_result(settings: RoadSettings, year: int, population: pd.DataFrame, points: pd.DataFrame) -> RoadResult:
    """The road search of a year, from the cache when the same inputs were searched before."""
    pop_xy = projection.xy_of(population, "Befolkningspunkterna")
    point_xy = projection.xy_of(points, "Serviceplatserna")
    masks = type_masks(points, year)
    key = _key(settings, year, pop_xy, point_xy, masks)
    if key in _RESULTS:
        return _RESULTS[key]
    path = cache_dir() / f"{key}.npz"
    result = _load_cached(path, population.index) if path.is_file() else None
    if result is None:
        result = road_distances(network_graph(settings), pop_xy, point_xy, masks, index=population.index,
                                max_snap_m=settings.max_snap_m)
        _store(path, result)
    _RESULTS.clear()
    _RESULTS[key] = result
    return result


def for_year(data, straight_m: pd.DataFrame | None = None) -> RoadFigures | None:
    """Road figures of a loaded year (YearData), or None without a network in ``<data>/vagnat/``."""
    settings = load_settings(data.data_dir)
    if settings is None or data.befolkning is None:
        return None
    points, year = data.tables["serviceplatser"], data.year
    if straight_m is None:
        straight_m = access.distances(data.befolkning, points, year)
    result = cached_result(settings, year, data.befolkning, points)
    table = compare_table(data.befolkning, straight_m, result, kommuner=data.program.kommun_names)
    return RoadFigures(result, table, settings)


def network_facts(settings: RoadSettings) -> dict:
    """What the report says about the network: file, nodes, ferry edges, parts without a link."""
    graph = network_graph(settings)
    labels = graph.components()
    sizes = np.bincount(labels) if len(labels) else np.array([0])
    return {"fil": settings.path.name, "noder": graph.n_nodes, "vagar": graph.n_ways,
            "farjestrackor": graph.n_ferry_edges, "delar": int(len(sizes)),
            "noder_utanfor_storsta": int(sizes.sum() - sizes.max()), "max_anslutning_m": settings.max_snap_m}


def driftstod_road_km(settings: RoadSettings, points: pd.DataFrame, year: int, ids) -> dict[str, float]:
    """Road km from each shop ``ids`` to the nearest OTHER open full-range shop.

    NaN when the shop has no road within the snap distance, inf when no other
    shop can be reached. One search per shop (a handful of decisions a year).
    """
    graph = network_graph(settings)
    all_ids = service_points.point_ids(points) if len(points) else np.empty(0, dtype=object)
    xy = projection.xy_of(points, "Serviceplatserna")
    full = type_masks(points, year)["fullsortiment"]
    out = {}
    for pid in dict.fromkeys(ids):
        where = np.flatnonzero(all_ids == pid)
        if not len(where):
            continue
        mask = full & (all_ids != pid)
        res = road_distances(graph, xy[where[:1]], xy, {"t": mask}, max_snap_m=settings.max_snap_m)
        out[pid] = float(res.km["t"].iloc[0])
    return out
