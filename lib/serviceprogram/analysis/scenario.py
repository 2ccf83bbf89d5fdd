"""What-if scenarios: close service points or add new ones and compare with the year.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import text as fmt
from ..errors import AccessError
from ..inputs.service_points import BOOL_TYPES, FULL_RANGE, SERVICE_TYPES, date_column, point_ids, year_end
from .access import DEFAULT_LIMIT_KM, band_table, distances, over_limit
from .access_indicators import compare
from .bands import DEFAULT_BANDS_KM

__all__ = ["ScenarioResult", "scenario", "new_point_types"]


@dataclass(frozen=True)
class ScenarioResult:
    """Baseline and scenario side by side.

    Attributes
    ----------
    band : pandas.DataFrame
        Keys ``typ``, ``kommun``, ``band``; then ``befolkning_utgangslage``,
        ``befolkning_scenario``, ``forandring_befolkning``,
        ``andel_utgangslage``, ``andel_scenario``, ``forandring_andel``.
    over_limit : pandas.DataFrame
        Keys ``typ``, ``kommun``; the same value columns for people over
        the limit.
    points : pandas.DataFrame
        The scenario's service points (closed ones with ``stangd`` set to
        31 December, new ones appended with ids "scenario_1", ...).
    dist_baseline : pandas.DataFrame
        :func:`distances` without changes.
    dist_scenario : pandas.DataFrame
        :func:`distances` with the changes.
    """

    band: pd.DataFrame
    over_limit: pd.DataFrame
    points: pd.DataFrame
    dist_baseline: pd.DataFrame
    dist_scenario: pd.DataFrame


def _new_points_table(new_points: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """Build service point rows for a scenario's new points.

    Parameters
    ----------
    new_points : sequence of mapping
        Dicts with ``namn``, ``lat``, ``lon``, ``typer`` (type keys) and
        optionally ``kommun``, ``ort``, ``id``.
    columns : sequence of str
        Columns of the existing points table.

    Returns
    -------
    pandas.DataFrame
        New rows in the points layout.

    Raises
    ------
    AccessError
        If a point lacks a field, has bad coordinates or an unknown type.
    """
    rows = [_new_point_row(number, spec) for number, spec in enumerate(new_points, start=1)]
    table = pd.DataFrame(rows)
    for col in columns:
        if col not in table.columns:
            table[col] = pd.NA
    return table


def _new_point_row(number: int, spec: Mapping[str, Any]) -> dict[str, Any]:
    """The service point row of new point ``number`` (from 1); AccessError when it is invalid."""
    if not isinstance(spec, Mapping):
        raise AccessError(f"Ny serviceplats nr {number} måste anges som en tabell med namn, lat, lon och typer.")
    missing = [f for f in ("namn", "lat", "lon", "typer") if f not in spec]
    if missing:
        raise AccessError(f"Ny serviceplats nr {number} saknar {fmt.join(missing)}.")
    name = spec["namn"]
    if not isinstance(name, str) or not name.strip():
        raise AccessError(f"Ny serviceplats nr {number} saknar namn: ange det som text, t.ex. \"Ny butik\".")
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise AccessError(f"Ny serviceplats nr {number}: namnet innehåller ett styrtecken (t.ex. radbrytning "
                          "eller tabb); skriv det på en rad.")
    try:
        lat, lon = float(spec["lat"]), float(spec["lon"])
    except (TypeError, ValueError) as exc:
        raise AccessError(f"Ny serviceplats nr {number} ({name}): lat och lon måste vara tal.") from exc
    if isinstance(spec["lat"], bool) or isinstance(spec["lon"], bool) or not (math.isfinite(lat)
                                                                          and math.isfinite(lon)):
        raise AccessError(f"Ny serviceplats nr {number} ({name}): lat och lon måste vara tal.")
    if not (55.0 <= lat <= 69.1 and 10.9 <= lon <= 24.2):
        raise AccessError(
            f"Ny serviceplats nr {number} ({spec['namn']}): koordinaten ligger utanför Sverige "
            "(lat 55–69,1, lon 10,9–24,2)."
        )
    types = new_point_types(number, spec)
    if "fullsortiment" in types:
        grocery = FULL_RANGE
    elif "dagligvaror" in types:
        grocery = "Ej fullsortiment"
    else:
        grocery = ""
    row: dict[str, Any] = {
        "id": str(spec.get("id") or f"scenario_{number}"),
        "namn": str(spec["namn"]),
        "kommun": str(spec.get("kommun", "")),
        "ort": str(spec.get("ort", "")),
        "lat": lat,
        "lon": lon,
        "dagligvaror": grocery,
    }
    for typ in BOOL_TYPES:
        row[typ] = typ in types
    row["oppnad"] = pd.NaT
    row["stangd"] = pd.NaT
    return row


def new_point_types(number: int, spec: Mapping[str, Any]) -> list[str]:
    """The type keys of a new point (a string is one type); AccessError for none or an unknown one."""
    types = spec["typer"]
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, (list, tuple)):
        raise AccessError(f"Ny serviceplats nr {number} ({spec['namn']}): typer ska vara en lista, "
                          "t.ex. [\"dagligvaror\", \"paketombud\"].")
    types = list(dict.fromkeys(str(t).strip() for t in types))  # each type once
    unknown = [t for t in types if t not in SERVICE_TYPES]
    if unknown:
        raise AccessError(
            f"Ny serviceplats nr {number} ({spec['namn']}): okänd typ {', '.join(unknown)}. "
            f"Kända typer: {', '.join(SERVICE_TYPES)}."
        )
    if not types:
        raise AccessError(f"Ny serviceplats nr {number} ({spec['namn']}) har inga typer.")
    return types


def scenario(
    population: pd.DataFrame,
    points: pd.DataFrame,
    year: int,
    close_ids: Iterable[str] = (),
    new_points: Sequence[Mapping[str, Any]] = (),
    bands_km: Iterable[float] = DEFAULT_BANDS_KM,
    limit_km: float = DEFAULT_LIMIT_KM,
    kommuner: Sequence[str] | None = None,
    baseline: pd.DataFrame | None = None,
) -> ScenarioResult:
    """What if some service points close and new ones open?

    Parameters
    ----------
    population : pandas.DataFrame
        Population points.
    points : pandas.DataFrame
        Service points.
    year : int
        Follow-up year; the scenario is the situation on 31 December.
    close_ids : iterable of str, default ()
        Ids of service points to close (already closed ones have no effect).
    new_points : sequence of dict, default ()
        New points: ``{"namn", "lat", "lon", "typer": [type keys]}``,
        optionally ``kommun`` and ``ort``. "fullsortiment" implies
        "dagligvaror".
    bands_km : iterable of float, default (5, 10, 20)
        Upper band edges in km.
    limit_km : float, default 10
        Limit for the over-limit table.
    kommuner : sequence of str, optional
        Municipality order.
    baseline : pandas.DataFrame, optional
        :func:`~serviceprogram.analysis.access.distances` of ``population`` to
        ``points`` for ``year``, when already computed (the year's saved
        results); computed here if not given.

    Returns
    -------
    ScenarioResult
        Band and over-limit tables for baseline and scenario side by side,
        the scenario's points and both distance tables.

    Raises
    ------
    AccessError
        If an id in ``close_ids`` is unknown or a new point is invalid.
    """
    ids = point_ids(points) if len(points) else np.empty(0, dtype=object)
    changed = _add_points(_close_points(points, ids, close_ids, year), ids, new_points)
    base_dist = distances(population, points, year) if baseline is None else baseline
    scen_dist = distances(population, changed, year)
    dists = (population, base_dist, scen_dist)
    return ScenarioResult(band=_side_by_side(band_table, *dists, bands_km, kommuner),
                          over_limit=_side_by_side(over_limit, *dists, limit_km, kommuner),
                          points=changed, dist_baseline=base_dist, dist_scenario=scen_dist)


def _side_by_side(table, population: pd.DataFrame, base_dist: pd.DataFrame, scen_dist: pd.DataFrame, edges,
                  kommuner) -> pd.DataFrame:
    """``table`` (:func:`band_table` or :func:`over_limit`) of the baseline and the scenario, compared."""
    base = table(population, base_dist, edges, kommuner=kommuner)
    scen = table(population, scen_dist, edges, kommuner=kommuner)
    return compare(base, scen, "_utgangslage", "_scenario", order_by_other=False)


def _add_points(changed: pd.DataFrame, ids: np.ndarray, new_points: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The points with the scenario's new points appended (AccessError for an id that exists)."""
    if not len(new_points):
        return changed
    added = _new_points_table(new_points, list(changed.columns))
    clash = set(added["id"]) & set(ids.tolist())
    if clash:
        raise AccessError(f"Nya serviceplatser har id som redan finns: {', '.join(sorted(clash))}.")
    changed = pd.concat([changed, added], ignore_index=True)
    for col in ("oppnad", "stangd"):
        changed[col] = pd.to_datetime(changed[col])
    return changed


def _close_points(points: pd.DataFrame, ids: np.ndarray, close_ids: Iterable[str], year: int) -> pd.DataFrame:
    """A copy of the points with those of ``close_ids`` closed on 31 December (unless closed already)."""
    if isinstance(close_ids, str):
        close_ids = [close_ids]
    close = [str(c).strip() for c in close_ids]
    unknown = sorted(set(close) - set(ids.tolist()))
    if unknown:
        raise AccessError(
            f"Okänd serviceplats i scenariot: {', '.join(unknown)}. "
            "Id måste finnas bland årets serviceplatser."
        )
    changed = points.copy()
    stangd = date_column(changed, "stangd")
    if close:
        end = year_end(year)
        hit = np.isin(ids, close)
        already = stangd.notna() & (stangd <= end)
        stangd = stangd.mask(pd.Series(hit, index=changed.index) & ~already, end)
    changed["stangd"] = stangd
    return changed
