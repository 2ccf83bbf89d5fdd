"""Access to commercial service: straight-line distance from population to service points.

The national tool (Tillväxtverket's Pipos Serviceanalys) measures the road
distance from each populated 250 m grid cell to the nearest service point of
each type. Without a road network this module measures the straight-line
distance ("fågelvägen") in SWEREF 99 TM (EPSG:3006) metres instead. A straight
line is never longer than the road, so every figure here is a lower bound of
the road distance and the share of people far from service is, if anything,
underestimated.

All functions take the tables the package's loader produces (pandas
DataFrames with the columns of the data contract) and return new DataFrames;
nothing is read or written here and importing the module has no side effects.

Conventions
-----------
- A service point counts for a year if it is open at the end of that year
  (31 December): see :func:`open_at_year_end`.
- Distance bands are closed at the lower bound and open at the upper bound:
  with the edges 5, 10 and 20 km a distance of exactly 5 000 m belongs to
  "5–10 km" and exactly 20 000 m to "över 20 km".
- "Over the limit" (default 10 km) is strict: more than 10 000 m. This follows
  the rule for särskilt driftstöd ("more than 10 km to the next shop").
- Distances to a type with no open point at all are ``inf``; such people are
  in the highest band and over every limit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AccessError
from ..ids import COUNTY, DEFAULT_LIMIT_KM
from ..inputs.geo.projection import xy_of
from ..inputs.service_points import SERVICE_TYPES, check_type, is_missing, offers, open_at_year_end, point_ids
from .bands import DEFAULT_BANDS_KM, band_codes, band_labels, check_bands

__all__ = ["COUNTY_LABEL", "UNKNOWN_MUNICIPALITY", "DEFAULT_LIMIT_KM", "nearest", "distances", "population_weights", "group_sum", "band_table", "over_limit", "check_limit"]


#: Label of the whole county in the ``kommun`` column of the tables (:data:`serviceprogram.ids.COUNTY`).
COUNTY_LABEL = COUNTY


#: Label for population points without a municipality.
UNKNOWN_MUNICIPALITY = "Okänd kommun"


# DEFAULT_LIMIT_KM (the default limit in km for "people far from service" and särskilt driftstöd)
# comes from serviceprogram.ids and stays importable from here.

_NEAREST_ID_COLUMN = "fullsortiment_id"


def _as_xy(xy: Any) -> np.ndarray:
    """Normalise coordinates to a float array of shape (n, 2).

    Parameters
    ----------
    xy : array-like or tuple
        An (n, 2) array-like, or a pair ``(x, y)`` of 1-D arrays as returned
        by :func:`to_sweref`.

    Returns
    -------
    numpy.ndarray
        Float array of shape (n, 2).

    Raises
    ------
    AccessError
        If the shape is not understood.
    """
    if isinstance(xy, tuple) and len(xy) == 2 and np.ndim(xy[0]) == 1 and np.ndim(xy[1]) == 1:
        arr = np.column_stack([np.asarray(xy[0], float), np.asarray(xy[1], float)])
    else:
        arr = np.asarray(xy, dtype=float)
        if arr.size == 0:
            return np.empty((0, 2), dtype=float)
        if arr.ndim == 1 and arr.shape[0] == 2:
            arr = arr.reshape(1, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise AccessError("Koordinaterna måste ha formen (n, 2).")
    return arr


def nearest(pop_xy: Any, point_xy: Any, k: int = 1, workers: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Find the k nearest service points of each population point.

    Uses a k-d tree (:class:`scipy.spatial.cKDTree`), so the cost grows as
    n log m instead of n x m.

    Parameters
    ----------
    pop_xy : array-like
        Population coordinates in SWEREF 99 TM metres: an (n, 2) array or a
        pair ``(x, y)`` of 1-D arrays.
    point_xy : array-like
        Service point coordinates, same forms, m points (may be empty).
    k : int, default 1
        Number of neighbours.
    workers : int, default -1
        Threads for the tree query (-1: all cores).

    Returns
    -------
    dist : numpy.ndarray
        Euclidean distances in metres; shape (n,) when ``k == 1``, else
        (n, k). ``inf`` where fewer than k points exist.
    idx : numpy.ndarray
        Row positions in ``point_xy`` (same shape); -1 where ``dist`` is inf.

    Raises
    ------
    AccessError
        If ``k`` is less than 1 or coordinates have the wrong shape.
    """
    if int(k) < 1:
        raise AccessError("k måste vara minst 1.")
    k = int(k)
    pop = _as_xy(pop_xy)
    pts = _as_xy(point_xy)
    n = pop.shape[0]
    shape = (n,) if k == 1 else (n, k)
    if n == 0 or pts.shape[0] == 0:
        return np.full(shape, np.inf), np.full(shape, -1, dtype=np.intp)
    from scipy.spatial import cKDTree

    tree = cKDTree(pts)
    dist, idx = tree.query(pop, k=k, workers=workers)
    dist = np.asarray(dist, dtype=float).reshape(shape)
    idx = np.asarray(idx, dtype=np.intp).reshape(shape)
    idx[~np.isfinite(dist)] = -1
    return dist, idx


def _spatial_order(xy: np.ndarray, block_m: float = 20_000.0) -> np.ndarray:
    """Permutation that groups points by 20 km block (column, then row).

    Parameters
    ----------
    xy : numpy.ndarray
        (n, 2) coordinates in metres.
    block_m : float, default 20000
        Block size in metres.

    Returns
    -------
    numpy.ndarray
        Indices that put nearby points next to each other.
    """
    if len(xy) == 0:
        return np.empty(0, dtype=np.intp)
    col = np.floor((xy[:, 0] - xy[:, 0].min()) / block_m).astype(np.int64)
    row = np.floor((xy[:, 1] - xy[:, 1].min()) / block_m).astype(np.int64)
    return np.argsort(col * (int(row.max()) + 1) + row, kind="stable")


def distances(
    population: pd.DataFrame,
    points: pd.DataFrame,
    year: int,
    types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Straight-line distance from each population point to the nearest open service.

    Parameters
    ----------
    population : pandas.DataFrame
        Population points with ``lat``/``lon`` (or ``x``/``y`` in SWEREF 99 TM).
    points : pandas.DataFrame
        Service points (serviceplatser).
    year : int
        Follow-up year; points open on 31 December count.
    types : sequence of str, optional
        Type keys to compute; default all of :data:`SERVICE_TYPES`.

    Returns
    -------
    pandas.DataFrame
        Same index as ``population``; one float column per type key with
        the distance in metres (``inf`` when no point of that type is open),
        and ``fullsortiment_id`` with the id of the nearest open full-range
        shop (missing when there is none). ``attrs["ar"]`` holds the year.

    Raises
    ------
    AccessError
        If coordinates are missing or a type key is unknown.
    """
    type_keys = list(SERVICE_TYPES) if types is None else list(types)
    for typ in type_keys:
        check_type(typ)
    pop_xy = xy_of(population, "Befolkningspunkterna")
    pts_xy = xy_of(points, "Serviceplatserna")
    dists, nearest_ids = _nearest_open(pop_xy, pts_xy, points, year, type_keys)
    out = pd.DataFrame(index=population.index)
    for typ, dist in dists.items():
        out[typ] = dist
    out[_NEAREST_ID_COLUMN] = pd.array(nearest_ids, dtype="string")
    out.attrs["ar"] = int(year)
    return out


def _nearest_open(pop_xy: np.ndarray, pts_xy: np.ndarray, points: pd.DataFrame, year: int,
                  type_keys: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The distance (m) to the nearest open point of each type, and the id of the nearest full-range shop.

    Both in the population's order; an id is None where no full-range shop is open.
    """
    is_open = open_at_year_end(points, year).to_numpy()
    ids = point_ids(points) if len(points) else np.empty(0, dtype=object)

    # Querying in spatial order keeps the tree walk cache-friendly (about a
    # third faster for large unsorted inputs); results are put back in the
    # population's order.
    order = _spatial_order(pop_xy)
    pop_sorted = pop_xy[order]
    dists = {}
    nearest_ids = np.full(len(pop_xy), None, dtype=object)
    for typ in type_keys:
        mask = is_open & offers(points, typ).to_numpy()
        dist_sorted, idx_sorted = nearest(pop_sorted, pts_xy[mask])
        dists[typ] = np.empty_like(dist_sorted)
        dists[typ][order] = dist_sorted
        if typ == "fullsortiment":
            idx = np.empty_like(idx_sorted)
            idx[order] = idx_sorted
            found = idx >= 0
            nearest_ids[found] = ids[mask][idx[found]]
    return dists, nearest_ids


_SV_ORDER = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "é": "e", "ü": "y"})


def _sv_key(name: str) -> str:
    """Sort key giving Swedish alphabetical order (å, ä, ö after z).

    Parameters
    ----------
    name : str
        Text to sort.

    Returns
    -------
    str
        Key for :func:`sorted`.
    """
    return name.casefold().translate(_SV_ORDER)


def _municipality_labels(population: pd.DataFrame) -> np.ndarray:
    """Municipality of each population point; missing -> "Okänd kommun".

    Parameters
    ----------
    population : pandas.DataFrame
        Population points, optionally with ``kommun``.

    Returns
    -------
    numpy.ndarray
        Object array of str.
    """
    if "kommun" not in population.columns:
        return np.full(len(population), UNKNOWN_MUNICIPALITY, dtype=object)
    labels = []
    for value in population["kommun"]:
        text = "" if is_missing(value) else str(value).strip()
        labels.append(text or UNKNOWN_MUNICIPALITY)
    return np.array(labels, dtype=object)


def _municipality_order(labels: np.ndarray, kommuner: Sequence[str] | None) -> list[str]:
    """Order municipalities: given order (or Swedish alphabetical), unknown last.

    Parameters
    ----------
    labels : numpy.ndarray
        Municipality of each population point.
    kommuner : sequence of str, optional
        Preferred order, e.g. from program.toml; municipalities listed here
        appear even without population points.

    Returns
    -------
    list of str
        Municipality names without the county label.
    """
    present = set(labels.tolist())
    order = [str(k) for k in kommuner] if kommuner is not None else []
    extra = sorted((p for p in present if p not in order and p != UNKNOWN_MUNICIPALITY), key=_sv_key)
    order = order + extra
    if UNKNOWN_MUNICIPALITY in present and UNKNOWN_MUNICIPALITY not in order:
        order.append(UNKNOWN_MUNICIPALITY)
    return order


def population_weights(population: pd.DataFrame) -> np.ndarray:
    """Population counts as a float array.

    Parameters
    ----------
    population : pandas.DataFrame
        Population points with ``befolkning``.

    Returns
    -------
    numpy.ndarray
        Float array (missing counts as 0).

    Raises
    ------
    AccessError
        If the column is missing or a value is negative.
    """
    if "befolkning" not in population.columns:
        raise AccessError("Befolkningspunkterna saknar kolumnen befolkning.")
    w = pd.to_numeric(population["befolkning"], errors="coerce").fillna(0).to_numpy(dtype=float)
    if (w < 0).any():
        raise AccessError("Befolkningen kan inte vara negativ.")
    return w


def _check_aligned(population: pd.DataFrame, dist: pd.DataFrame) -> None:
    """Raise unless ``dist`` has one row per population point.

    Parameters
    ----------
    population : pandas.DataFrame
        Population points.
    dist : pandas.DataFrame
        Output of :func:`distances` for the same population.

    Raises
    ------
    AccessError
        If the lengths differ.
    """
    if len(population) != len(dist):
        raise AccessError(
            "Avståndstabellen och befolkningspunkterna har olika antal rader "
            f"({len(dist)} och {len(population)})."
        )


def _types_in(dist: pd.DataFrame, types: Sequence[str] | None) -> list[str]:
    """Type keys to tabulate: given ones or those present in ``dist``.

    Parameters
    ----------
    dist : pandas.DataFrame
        Distances.
    types : sequence of str, optional
        Requested type keys.

    Returns
    -------
    list of str
        Type keys in :data:`SERVICE_TYPES` order (or the given order).

    Raises
    ------
    AccessError
        If a requested type is unknown or not in ``dist``.
    """
    if types is None:
        return [t for t in SERVICE_TYPES if t in dist.columns]
    result = []
    for typ in types:
        check_type(typ)
        if typ not in dist.columns:
            raise AccessError(f"Avstånd för {SERVICE_TYPES[typ]} saknas i avståndstabellen.")
        result.append(typ)
    return result


def _municipality_codes(population: pd.DataFrame, kommuner: Sequence[str] | None) -> tuple[list[str], np.ndarray]:
    """The municipalities in report order, and each population point's index in that order."""
    muni = _municipality_labels(population)
    order = _municipality_order(muni, kommuner)
    return order, pd.Categorical(muni, categories=order).codes.astype(np.int64)


def _shares(counts: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """``counts / totals`` (broadcast), NaN where the total is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, counts / np.where(totals > 0, totals, 1), np.nan)


def _empty_table(text_columns: list[str]) -> pd.DataFrame:
    """An empty result with the text columns, ``befolkning`` (int) and ``andel`` (float)."""
    return pd.DataFrame({**{name: pd.Series(dtype=str) for name in text_columns},
                         "befolkning": pd.Series(dtype=np.int64), "andel": pd.Series(dtype=float)})


def group_sum(codes: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """Sum weights per integer code.

    Parameters
    ----------
    codes : numpy.ndarray
        Non-negative integer codes.
    weights : numpy.ndarray
        Weights, same length.
    size : int
        Number of codes.

    Returns
    -------
    numpy.ndarray
        Sums (float) of length ``size``.
    """
    return np.bincount(codes, weights=weights, minlength=size)[:size]


def band_table(
    population: pd.DataFrame,
    dist: pd.DataFrame,
    bands_km: Iterable[float] = DEFAULT_BANDS_KM,
    types: Sequence[str] | None = None,
    kommuner: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Population per distance band, type and municipality.

    Bands are closed below and open above: a distance ``d`` is in the band
    ``[lower, upper)``; exactly 5 000 m is in "5–10 km". People with no open
    point of a type at all are in the top band.

    Parameters
    ----------
    population : pandas.DataFrame
        Population points (``befolkning``, optional ``kommun``).
    dist : pandas.DataFrame
        Output of :func:`distances` for the same population.
    bands_km : iterable of float, default (5, 10, 20)
        Upper band edges in km (program.toml may give them).
    types : sequence of str, optional
        Type keys; default every type present in ``dist``.
    kommuner : sequence of str, optional
        Municipality order (e.g. from program.toml); listed municipalities
        appear even without population points.

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``typ``, ``kommun`` (each municipality,
        then "Hela länet"), ``band``, ``befolkning`` (int) and ``andel``
        (0..1 of the municipality's population; NaN for a municipality
        with no population). Every band appears for every municipality.

    Raises
    ------
    AccessError
        If the inputs do not match or the band edges are invalid.
    """
    edges = check_bands(bands_km)
    labels = band_labels(edges)
    _check_aligned(population, dist)
    weights = population_weights(population)
    order, muni_code = _municipality_codes(population, kommuner)
    frames = [_band_frame(typ, band_codes(dist[typ].to_numpy(dtype=float), edges), muni_code, weights, order, labels)
              for typ in _types_in(dist, types)]
    if not frames:
        return _empty_table(["typ", "kommun", "band"])
    result = pd.concat(frames, ignore_index=True)
    result.attrs["band_km"] = edges
    return result


def _band_frame(typ: str, band: np.ndarray, muni_code: np.ndarray, weights: np.ndarray, order: list[str],
                labels: list[str]) -> pd.DataFrame:
    """The rows of :func:`band_table` for one type, from each point's band and municipality code."""
    n_muni, n_band = len(order), len(labels)
    names = order + [COUNTY_LABEL]
    sums = group_sum(muni_code * n_band + band, weights, n_muni * n_band).reshape(n_muni, n_band)
    sums = np.vstack([sums, sums.sum(axis=0, keepdims=True)])
    counts = np.rint(sums).astype(np.int64)
    shares = _shares(counts, counts.sum(axis=1, keepdims=True))
    return pd.DataFrame({"typ": typ, "kommun": np.repeat(names, n_band), "band": labels * len(names),
                         "befolkning": counts.ravel(), "andel": shares.ravel()})


def over_limit(
    population: pd.DataFrame,
    dist: pd.DataFrame,
    limit_km: float = DEFAULT_LIMIT_KM,
    types: Sequence[str] | None = None,
    kommuner: Sequence[str] | None = None,
) -> pd.DataFrame:
    """People farther than a limit (default 10 km) from the nearest service.

    "Farther than" is strict: more than ``limit_km * 1000`` metres.

    Parameters
    ----------
    population : pandas.DataFrame
        Population points (``befolkning``, optional ``kommun``).
    dist : pandas.DataFrame
        Output of :func:`distances` for the same population.
    limit_km : float, default 10
        The limit in km.
    types : sequence of str, optional
        Type keys; default every type present in ``dist``.
    kommuner : sequence of str, optional
        Municipality order, as in :func:`band_table`.

    Returns
    -------
    pandas.DataFrame
        Columns ``typ``, ``kommun`` (each municipality, then "Hela länet"),
        ``befolkning`` (int, people over the limit), ``andel`` (0..1 of the
        municipality's population).

    Raises
    ------
    AccessError
        If the inputs do not match or the limit is not positive.
    """
    limit = check_limit(limit_km)
    _check_aligned(population, dist)
    weights = population_weights(population)
    order, muni_code = _municipality_codes(population, kommuner)
    total = group_sum(muni_code, weights, len(order))
    total = np.append(total, total.sum())
    names = order + [COUNTY_LABEL]
    frames = []
    for typ in _types_in(dist, types):
        far = dist[typ].to_numpy(dtype=float) > limit * 1000.0
        over = group_sum(muni_code[far], weights[far], len(order))
        over = np.append(over, over.sum())
        counts = np.rint(over).astype(np.int64)
        share = _shares(counts, np.rint(total).astype(np.int64))
        frames.append(pd.DataFrame({"typ": typ, "kommun": names, "befolkning": counts, "andel": share}))
    if not frames:
        return _empty_table(["typ", "kommun"])
    result = pd.concat(frames, ignore_index=True)
    result.attrs["grans_km"] = limit
    return result


def check_limit(limit_km: float) -> float:
    """Validate a distance limit.

    Parameters
    ----------
    limit_km : float
        Limit in km.

    Returns
    -------
    float
        The limit.

    Raises
    ------
    AccessError
        If it is not a positive finite number.
    """
    try:
        limit = float(limit_km)
    except (TypeError, ValueError) as exc:
        raise AccessError("Avståndsgränsen måste vara ett tal (km).") from exc
    if not math.isfinite(limit) or limit <= 0:
        raise AccessError("Avståndsgränsen måste vara ett positivt tal (km).")
    return limit
