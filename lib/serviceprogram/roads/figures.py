"""Road figures of a year beside the straight-line ones (for the report, what-if page, indicators).

Not yet wired into report.py: :func:`for_year` gives what the report's road table needs.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import access
from .distances import RoadResult, road_distances
from .osm import read_osm
from .settings import RoadSettings, load_settings

_GRAPHS: dict = {}  # built graphs by (file SHA-256, settings): a build kernel runs several notebooks


def _graph(settings: RoadSettings):
    digest = hashlib.sha256(settings.path.read_bytes()).hexdigest()
    key = (digest, settings.ferry_speed_kmh, settings.ferry_wait_min, tuple(sorted(settings.speeds.items())))
    if key not in _GRAPHS:
        _GRAPHS.clear()
        _GRAPHS[key] = read_osm(settings.path, settings.speeds, settings.ferry_speed_kmh, settings.ferry_wait_min)
    return _GRAPHS[key]


@dataclass
class RoadFigures:
    result: RoadResult
    table: pd.DataFrame   # per type and municipality, road and straight-line side by side
    settings: RoadSettings


def compare_table(population: pd.DataFrame, straight_m: pd.DataFrame, result: RoadResult,
                  limit_km: float = access.DEFAULT_LIMIT_KM, kommuner=None) -> pd.DataFrame:
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


def indicator_rows(table: pd.DataFrame, limit_km: float = access.DEFAULT_LIMIT_KM) -> pd.DataFrame:
    """Indicator rows (docs/indikatorer.md): dimension "<typ>" for the county, "<typ>|<kommun>" else."""
    token = f"{access._fmt_km(limit_km).replace(',', '_')}km"
    measures = {"vag_avstand_medel_km": "vag_km", "vag_restid_medel_min": "restid_min",
                f"vag_befolkning_over_{token}": "over_grans_vag", "vag_befolkning_ej_nabar": "ej_nabar",
                "vag_befolkning_utan_anslutning": "utan_vag"}
    rows = []
    for ident, column in measures.items():
        for rec in table.itertuples(index=False):
            dim = rec.typ if rec.kommun == access.COUNTY_LABEL else f"{rec.typ}|{rec.kommun}"
            rows.append((ident, dim, float(getattr(rec, column))))
    return pd.DataFrame(rows, columns=["indikator", "dimension", "varde"])


def for_year(data, straight_m: pd.DataFrame | None = None) -> RoadFigures | None:
    """Road figures of a loaded year (YearData), or None without a network in ``<data>/vagnat/``."""
    settings = load_settings(data.data_dir)
    if settings is None or data.befolkning is None:
        return None
    points, year = data.tables["serviceplatser"], data.year
    if straight_m is None:
        straight_m = access.distances(data.befolkning, points, year)
    is_open = access.open_at_year_end(points, year).to_numpy()
    masks = {t: is_open & access.offers(points, t).to_numpy() for t in access.SERVICE_TYPES}
    result = road_distances(_graph(settings), access._xy_of(data.befolkning, "Befolkningspunkterna"),
                            access._xy_of(points, "Serviceplatserna"), masks, index=data.befolkning.index,
                            max_snap_m=settings.max_snap_m)
    table = compare_table(data.befolkning, straight_m, result, kommuner=data.program.kommun_names)
    return RoadFigures(result, table, settings)
