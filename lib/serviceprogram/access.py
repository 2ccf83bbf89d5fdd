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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import ServiceprogramError
from .parsing import TRUE_WORDS
from .program import DEFAULT_BANDS_KM as _PROGRAM_BANDS_KM

__all__ = [
    "SERVICE_TYPES",
    "COUNTY_LABEL",
    "UNKNOWN_MUNICIPALITY",
    "DEFAULT_BANDS_KM",
    "DEFAULT_LIMIT_KM",
    "DRIFTSTOD",
    "AccessError",
    "ScenarioResult",
    "to_sweref",
    "from_sweref",
    "offers",
    "open_at_year_end",
    "closed_by_year_end",
    "nearest",
    "distances",
    "band_labels",
    "band_table",
    "over_limit",
    "indicator_rows",
    "change_against",
    "supported_point_ids",
    "shop_importance",
    "driftstod_check",
    "scenario",
]

#: Service types in report order: type key -> Swedish label.
SERVICE_TYPES: dict[str, str] = {
    "dagligvaror": "Dagligvaror",
    "fullsortiment": "Dagligvaror, fullsortiment",
    "drivmedel": "Drivmedel",
    "paketombud": "Paketombud",
    "apoteksombud": "Apoteksombud",
    "kontantuttag": "Kontantuttag",
}

#: Label of the whole county in the ``kommun`` column of the tables.
COUNTY_LABEL = "Hela länet"
#: Label for population points without a municipality.
UNKNOWN_MUNICIPALITY = "Okänd kommun"
#: Default band edges in km (program.toml may give others).
DEFAULT_BANDS_KM: tuple[float, ...] = _PROGRAM_BANDS_KM
#: Default limit in km for "people far from service" and särskilt driftstöd.
DEFAULT_LIMIT_KM: float = 10
#: The support type whose distance condition :func:`driftstod_check` tests.
DRIFTSTOD = "Särskilt driftstöd"

_FULL_RANGE = "Fullsortiment"
_BOOL_TYPES = ("drivmedel", "paketombud", "apoteksombud", "kontantuttag")
_NEAREST_ID_COLUMN = "fullsortiment_id"
_INDICATOR_PREFIX = "tillganglighet_"

# Lazily created pyproj transformers, keyed by direction. Filled on first use,
# never at import.
_TRANSFORMERS: dict[str, Any] = {}


class AccessError(ServiceprogramError, ValueError):
    """Invalid input to the access analysis; the message is in Swedish.

    A ``ValueError`` (for callers that expect one) and a
    :class:`~serviceprogram.errors.ServiceprogramError` (so the command line
    reports it like the package's other errors).
    """


# ---------------------------------------------------------------------------
# Coordinates
# ---------------------------------------------------------------------------


def _transformer(direction: str) -> Any:
    """Return the cached pyproj transformer for ``direction``.

    Parameters
    ----------
    direction : {"to_sweref", "from_sweref"}
        WGS 84 -> SWEREF 99 TM or the inverse.

    Returns
    -------
    pyproj.Transformer
        Transformer with ``always_xy=True`` (lon/lat and x/y order).
    """
    transformer = _TRANSFORMERS.get(direction)
    if transformer is None:
        from pyproj import Transformer

        if direction == "to_sweref":
            transformer = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
        else:
            transformer = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
        _TRANSFORMERS[direction] = transformer
    return transformer


def to_sweref(lat: Any, lon: Any) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS 84 latitude/longitude to SWEREF 99 TM metres.

    Parameters
    ----------
    lat, lon : float or array-like
        WGS 84 latitude and longitude in degrees, same shape.

    Returns
    -------
    x, y : numpy.ndarray
        Easting and northing in metres (EPSG:3006), float arrays of the
        input's shape.

    Raises
    ------
    AccessError
        If a coordinate is missing or cannot be projected.
    """
    return _project("to_sweref", lon, lat, "Latitud och longitud har olika antal värden.", "till SWEREF 99 TM")


def from_sweref(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Convert SWEREF 99 TM metres to WGS 84 latitude/longitude.

    Parameters
    ----------
    x, y : float or array-like
        Easting and northing in metres (EPSG:3006), same shape.

    Returns
    -------
    lat, lon : numpy.ndarray
        WGS 84 latitude and longitude in degrees.

    Raises
    ------
    AccessError
        If a coordinate is missing or cannot be converted.
    """
    lon, lat = _project("from_sweref", x, y, "x och y har olika antal värden.", "från SWEREF 99 TM")
    return lat, lon


def _project(direction: str, first: Any, second: Any, mismatch: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate pairs in pyproj's axis order; Swedish AccessError for bad input."""
    first_a = np.asarray(first, dtype=float)
    second_a = np.asarray(second, dtype=float)
    if first_a.shape != second_a.shape:
        raise AccessError(mismatch)
    a, b = (np.asarray(v, dtype=float) for v in _transformer(direction).transform(first_a, second_a))
    bad = ~(np.isfinite(a) & np.isfinite(b))
    if bad.any():
        raise AccessError(f"{int(bad.sum())} koordinat(er) saknas eller kan inte räknas om {target}.")
    return a, b


def _xy_of(table: pd.DataFrame, what: str) -> np.ndarray:
    """Return an (n, 2) SWEREF 99 TM array for a table with lat/lon or x/y.

    Parameters
    ----------
    table : pandas.DataFrame
        Table with ``lat`` and ``lon`` (WGS 84) or ``x`` and ``y`` (EPSG:3006).
    what : str
        Swedish name of the table, for error messages.

    Returns
    -------
    numpy.ndarray
        Float array of shape (n, 2).

    Raises
    ------
    AccessError
        If neither pair of coordinate columns is present.
    """
    if len(table) == 0:
        return np.empty((0, 2), dtype=float)
    if "lat" in table.columns and "lon" in table.columns:
        x, y = to_sweref(table["lat"].to_numpy(dtype=float), table["lon"].to_numpy(dtype=float))
    elif "x" in table.columns and "y" in table.columns:
        x = table["x"].to_numpy(dtype=float)
        y = table["y"].to_numpy(dtype=float)
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise AccessError(f"{what}: x eller y saknas på någon rad.")
    else:
        raise AccessError(f"{what} saknar koordinater: kolumnerna lat och lon (eller x och y) behövs.")
    return np.column_stack([x, y])


# ---------------------------------------------------------------------------
# Service points
# ---------------------------------------------------------------------------


def _check_type(typ: str) -> None:
    """Raise AccessError unless ``typ`` is a key of SERVICE_TYPES.

    Parameters
    ----------
    typ : str
        Service type key.

    Raises
    ------
    AccessError
        If the key is unknown.
    """
    if typ not in SERVICE_TYPES:
        known = ", ".join(SERVICE_TYPES)
        raise AccessError(f"Okänd servicetyp: {typ!r}. Kända typer: {known}.")


def offers(points: pd.DataFrame, typ: str) -> pd.Series:
    """Tell which service points offer a service type.

    A point offers ``dagligvaror`` if its ``dagligvaror`` value is non-empty,
    ``fullsortiment`` if it is "Fullsortiment" (case-insensitive), and the
    other types if their boolean column is true. A missing column means
    "not offered".

    Parameters
    ----------
    points : pandas.DataFrame
        Service points (serviceplatser).
    typ : str
        A key of :data:`SERVICE_TYPES`.

    Returns
    -------
    pandas.Series
        Boolean Series aligned with ``points``.

    Raises
    ------
    AccessError
        If ``typ`` is unknown.
    """
    _check_type(typ)
    if typ in ("dagligvaror", "fullsortiment"):
        if "dagligvaror" not in points.columns:
            return pd.Series(False, index=points.index, dtype=bool)
        text = points["dagligvaror"].astype(object).where(points["dagligvaror"].notna(), "")
        text = text.map(lambda v: str(v).strip())
        if typ == "dagligvaror":
            return (text != "").astype(bool)
        return (text.str.casefold() == _FULL_RANGE.casefold()).astype(bool)
    if typ not in points.columns:
        return pd.Series(False, index=points.index, dtype=bool)
    column = points[typ]
    if pd.api.types.is_bool_dtype(column) and not column.hasnans:
        return column.astype(bool)
    return column.astype(object).map(_truthy).astype(bool)




def _truthy(value: Any) -> bool:
    """Interpret a boolean cell; text such as "ja" or "x" counts as true.

    Parameters
    ----------
    value : object
        A cell value (bool, number, text or missing).

    Returns
    -------
    bool
        True for true values, False for false or missing ones.
    """
    if _is_missing(value):
        return False
    if isinstance(value, str):
        return value.strip().casefold() in TRUE_WORDS
    return bool(value)


def _is_missing(value: Any) -> bool:
    """Return True for None, NaN, NaT and pandas.NA.

    Parameters
    ----------
    value : object
        Any scalar.

    Returns
    -------
    bool
        Whether the value is missing.
    """
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _year_end(year: int) -> pd.Timestamp:
    """Return 31 December of ``year`` as a Timestamp.

    Parameters
    ----------
    year : int
        Calendar year.

    Returns
    -------
    pandas.Timestamp
        Midnight at the start of 31 December.
    """
    return pd.Timestamp(year=int(year), month=12, day=31)


def _date_column(points: pd.DataFrame, name: str) -> pd.Series:
    """Return a datetime64 Series for a date column (all NaT when missing).

    Parameters
    ----------
    points : pandas.DataFrame
        Service points.
    name : str
        Column name, e.g. ``oppnad``.

    Returns
    -------
    pandas.Series
        Datetime Series aligned with ``points``.
    """
    if name not in points.columns:
        return pd.Series(pd.NaT, index=points.index, dtype="datetime64[ns]")
    return pd.to_datetime(points[name])


def closed_by_year_end(points: pd.DataFrame, year: int) -> pd.Series:
    """Tell which service points had closed on or before 31 December of ``year``.

    Parameters
    ----------
    points : pandas.DataFrame
        Service points with an optional ``stangd`` date column.
    year : int
        Follow-up year.

    Returns
    -------
    pandas.Series
        Boolean Series aligned with ``points``.
    """
    closed = _date_column(points, "stangd")
    return (closed.notna() & (closed <= _year_end(year))).astype(bool)


def open_at_year_end(points: pd.DataFrame, year: int) -> pd.Series:
    """Tell which service points are open at the end of a year.

    A point is open on 31 December of ``year`` if it had opened by then
    (``oppnad`` empty or on/before 31 December) and had not closed
    (``stangd`` empty or after 31 December). A point closing on
    31 December itself counts as closed.

    Parameters
    ----------
    points : pandas.DataFrame
        Service points with optional ``oppnad`` and ``stangd`` date columns.
    year : int
        Follow-up year.

    Returns
    -------
    pandas.Series
        Boolean Series aligned with ``points``.
    """
    opened = _date_column(points, "oppnad")
    is_open = (opened.isna() | (opened <= _year_end(year))) & ~closed_by_year_end(points, year)
    return is_open.astype(bool)


def _point_ids(points: pd.DataFrame) -> np.ndarray:
    """Return the service point ids as an object array of str.

    Parameters
    ----------
    points : pandas.DataFrame
        Service points with an ``id`` column.

    Returns
    -------
    numpy.ndarray
        Ids as strings (stripped).

    Raises
    ------
    AccessError
        If the ``id`` column is missing.
    """
    if "id" not in points.columns:
        raise AccessError("Serviceplatserna saknar kolumnen id.")
    return np.array([str(v).strip() for v in points["id"]], dtype=object)


# ---------------------------------------------------------------------------
# Nearest neighbours and distances
# ---------------------------------------------------------------------------


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
        _check_type(typ)
    pop_xy = _xy_of(population, "Befolkningspunkterna")
    pts_xy = _xy_of(points, "Serviceplatserna")
    is_open = open_at_year_end(points, year).to_numpy()
    ids = _point_ids(points) if len(points) else np.empty(0, dtype=object)

    # Querying in spatial order keeps the tree walk cache-friendly (about a
    # third faster for large unsorted inputs); results are put back in the
    # population's order.
    order = _spatial_order(pop_xy)
    pop_sorted = pop_xy[order]
    out = pd.DataFrame(index=population.index)
    nearest_ids = np.full(len(pop_xy), None, dtype=object)
    for typ in type_keys:
        mask = is_open & offers(points, typ).to_numpy()
        dist_sorted, idx_sorted = nearest(pop_sorted, pts_xy[mask])
        dist = np.empty_like(dist_sorted)
        dist[order] = dist_sorted
        out[typ] = dist
        if typ == "fullsortiment":
            idx = np.empty_like(idx_sorted)
            idx[order] = idx_sorted
            found = idx >= 0
            nearest_ids[found] = ids[mask][idx[found]]
    out[_NEAREST_ID_COLUMN] = pd.array(nearest_ids, dtype="string")
    out.attrs["ar"] = int(year)
    return out


# ---------------------------------------------------------------------------
# Bands and tables
# ---------------------------------------------------------------------------


def _fmt_km(value: float) -> str:
    """Format a km value the Swedish way: 5 -> "5", 2.5 -> "2,5".

    Parameters
    ----------
    value : float
        Kilometres.

    Returns
    -------
    str
        Number without trailing zeros, decimal comma.
    """
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}".replace(".", ",")


def _check_bands(bands_km: Iterable[float]) -> tuple[float, ...]:
    """Validate band edges.

    Parameters
    ----------
    bands_km : iterable of float
        Upper edges of the bands in km.

    Returns
    -------
    tuple of float
        The edges.

    Raises
    ------
    AccessError
        If empty, not positive or not strictly increasing.
    """
    try:
        edges = tuple(float(b) for b in bands_km)
    except (TypeError, ValueError) as exc:
        raise AccessError("Avståndsbanden måste vara tal (km).") from exc
    if not edges:
        raise AccessError("Minst en gräns för avståndsband behövs.")
    if any(not math.isfinite(b) or b <= 0 for b in edges):
        raise AccessError("Gränserna för avståndsband måste vara positiva tal (km).")
    if any(b2 <= b1 for b1, b2 in zip(edges, edges[1:])):
        raise AccessError("Gränserna för avståndsband måste vara strikt stigande.")
    return edges


def band_labels(bands_km: Iterable[float] = DEFAULT_BANDS_KM) -> list[str]:
    """Swedish labels of the distance bands.

    Parameters
    ----------
    bands_km : iterable of float, default (5, 10, 20)
        Upper edges in km.

    Returns
    -------
    list of str
        E.g. ``["0–5 km", "5–10 km", "10–20 km", "över 20 km"]``.

    Raises
    ------
    AccessError
        If the edges are invalid.
    """
    edges = _check_bands(bands_km)
    labels = []
    lower = 0.0
    for edge in edges:
        labels.append(f"{_fmt_km(lower)}–{_fmt_km(edge)} km")
        lower = edge
    labels.append(f"över {_fmt_km(edges[-1])} km")
    return labels


def _band_codes(dist_m: np.ndarray, edges_km: tuple[float, ...]) -> np.ndarray:
    """Band index of each distance; lower bound inclusive.

    Parameters
    ----------
    dist_m : numpy.ndarray
        Distances in metres (``inf`` allowed).
    edges_km : tuple of float
        Validated upper edges in km.

    Returns
    -------
    numpy.ndarray
        Integer codes 0..len(edges_km).
    """
    edges_m = np.asarray(edges_km, dtype=float) * 1000.0
    return np.searchsorted(edges_m, np.asarray(dist_m, dtype=float), side="right")


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
        text = "" if _is_missing(value) else str(value).strip()
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


def _weights(population: pd.DataFrame) -> np.ndarray:
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
        _check_type(typ)
        if typ not in dist.columns:
            raise AccessError(f"Avstånd för {SERVICE_TYPES[typ]} saknas i avståndstabellen.")
        result.append(typ)
    return result


def _group_sum(codes: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
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
    edges = _check_bands(bands_km)
    labels = band_labels(edges)
    _check_aligned(population, dist)
    weights = _weights(population)
    muni = _municipality_labels(population)
    order = _municipality_order(muni, kommuner)
    muni_code = pd.Categorical(muni, categories=order).codes.astype(np.int64)
    n_muni, n_band = len(order), len(labels)

    frames = []
    for typ in _types_in(dist, types):
        band = _band_codes(dist[typ].to_numpy(dtype=float), edges)
        sums = _group_sum(muni_code * n_band + band, weights, n_muni * n_band).reshape(n_muni, n_band)
        sums = np.vstack([sums, sums.sum(axis=0, keepdims=True)])
        counts = np.rint(sums).astype(np.int64)
        totals = counts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(totals > 0, counts / np.where(totals > 0, totals, 1), np.nan)
        names = order + [COUNTY_LABEL]
        frames.append(
            pd.DataFrame(
                {
                    "typ": typ,
                    "kommun": np.repeat(names, n_band),
                    "band": labels * len(names),
                    "befolkning": counts.ravel(),
                    "andel": shares.ravel(),
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {"typ": pd.Series(dtype=str), "kommun": pd.Series(dtype=str), "band": pd.Series(dtype=str),
             "befolkning": pd.Series(dtype=np.int64), "andel": pd.Series(dtype=float)}
        )
    result = pd.concat(frames, ignore_index=True)
    result.attrs["band_km"] = edges
    return result


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
    limit = _check_limit(limit_km)
    _check_aligned(population, dist)
    weights = _weights(population)
    muni = _municipality_labels(population)
    order = _municipality_order(muni, kommuner)
    muni_code = pd.Categorical(muni, categories=order).codes.astype(np.int64)
    total = _group_sum(muni_code, weights, len(order))
    total = np.append(total, total.sum())
    names = order + [COUNTY_LABEL]
    frames = []
    for typ in _types_in(dist, types):
        far = dist[typ].to_numpy(dtype=float) > limit * 1000.0
        over = _group_sum(muni_code[far], weights[far], len(order))
        over = np.append(over, over.sum())
        counts = np.rint(over).astype(np.int64)
        tot = np.rint(total).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(tot > 0, counts / np.where(tot > 0, tot, 1), np.nan)
        frames.append(pd.DataFrame({"typ": typ, "kommun": names, "befolkning": counts, "andel": share}))
    if not frames:
        return pd.DataFrame(
            {"typ": pd.Series(dtype=str), "kommun": pd.Series(dtype=str),
             "befolkning": pd.Series(dtype=np.int64), "andel": pd.Series(dtype=float)}
        )
    result = pd.concat(frames, ignore_index=True)
    result.attrs["grans_km"] = limit
    return result


def _check_limit(limit_km: float) -> float:
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


def _limit_token(limit_km: float) -> str:
    """Indicator id fragment for a limit: 10 -> "10km", 7.5 -> "7_5km".

    Parameters
    ----------
    limit_km : float
        Limit in km.

    Returns
    -------
    str
        Id-safe token.
    """
    return _fmt_km(limit_km).replace(",", "_") + "km"


def over_limit_id(measure: str, limit_km: float) -> str:
    """The indicator id of the people (``measure="befolkning"``) or the share (``"andel"``)
    over ``limit_km``: ``tillganglighet_befolkning_over_10km``, ``tillganglighet_andel_over_7_5km``."""
    return f"{_INDICATOR_PREFIX}{measure}_over_{_limit_token(limit_km)}"


def limit_text(limit_km: float) -> str:
    """A limit as the text shows it: ``10``, ``7,5``."""
    return _fmt_km(limit_km)


def indicator_rows(
    population: pd.DataFrame,
    dist: pd.DataFrame,
    bands_km: Iterable[float] = DEFAULT_BANDS_KM,
    limit_km: float = DEFAULT_LIMIT_KM,
    kommuner: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Access figures as indicator rows (indikator, dimension, varde).

    Ids (all documented in docs/tillganglighet.md):

    - ``tillganglighet_befolkning``: population, dimension "<kommun>"
      (and "Hela länet").
    - ``tillganglighet_befolkning_band``: people in a band, dimension
      "<typ>|<kommun>|<band>".
    - ``tillganglighet_andel_band``: share 0..1, same dimension.
    - ``tillganglighet_befolkning_over_10km``: people over the limit;
      dimension "<typ>" for the whole county and "<typ>|<kommun>" per
      municipality. Dimension "fullsortiment" is the county total for
      full-range grocery shops.
    - ``tillganglighet_andel_over_10km``: share 0..1, same dimensions.

    With another ``limit_km`` the "10km" part of the ids follows it
    (e.g. "7_5km").

    Parameters
    ----------
    population : pandas.DataFrame
        Population points.
    dist : pandas.DataFrame
        Output of :func:`distances` for the same population.
    bands_km : iterable of float, default (5, 10, 20)
        Upper band edges in km.
    limit_km : float, default 10
        Limit for the "over" indicators.
    kommuner : sequence of str, optional
        Municipality order.

    Returns
    -------
    pandas.DataFrame
        Columns ``indikator`` (str), ``dimension`` (str), ``varde`` (float).

    Raises
    ------
    AccessError
        If the inputs do not match.
    """
    bands = band_table(population, dist, bands_km, kommuner=kommuner)
    over = over_limit(population, dist, limit_km, kommuner=kommuner)
    rows: list[tuple[str, str, float]] = []

    first_type = bands["typ"].iloc[0] if len(bands) else None
    if first_type is not None:
        per_muni = bands[bands["typ"] == first_type].groupby("kommun", sort=False)["befolkning"].sum()
        for kommun, value in per_muni.items():
            rows.append((f"{_INDICATOR_PREFIX}befolkning", str(kommun), float(value)))
    for rec in bands.itertuples(index=False):
        dim = f"{rec.typ}|{rec.kommun}|{rec.band}"
        rows.append((f"{_INDICATOR_PREFIX}befolkning_band", dim, float(rec.befolkning)))
    for rec in bands.itertuples(index=False):
        dim = f"{rec.typ}|{rec.kommun}|{rec.band}"
        rows.append((f"{_INDICATOR_PREFIX}andel_band", dim, float(rec.andel)))
    for measure in ("befolkning", "andel"):
        ident = over_limit_id(measure, limit_km)
        for rec in over.itertuples(index=False):
            dim = rec.typ if rec.kommun == COUNTY_LABEL else f"{rec.typ}|{rec.kommun}"
            rows.append((ident, dim, float(getattr(rec, measure))))
    return pd.DataFrame(rows, columns=["indikator", "dimension", "varde"]).astype(
        {"indikator": str, "dimension": str, "varde": float}
    )


def _compare(
    base: pd.DataFrame,
    other: pd.DataFrame,
    base_suffix: str,
    other_suffix: str,
    order_by_other: bool,
) -> pd.DataFrame:
    """Put two tables of the same shape side by side with the difference.

    Parameters
    ----------
    base : pandas.DataFrame
        The reference table (difference = other - base).
    other : pandas.DataFrame
        The table compared with it.
    base_suffix, other_suffix : str
        Suffixes of the value columns from ``base`` and ``other``.
    order_by_other : bool
        Keep the row order of ``other`` (else of ``base``) first.

    Returns
    -------
    pandas.DataFrame
        Key columns, then for each value column: base, other and
        ``forandring_<column>``.

    Raises
    ------
    AccessError
        If the tables share no key or value column.
    """
    keys = [c for c in ("typ", "kommun", "band") if c in base.columns and c in other.columns]
    values = [c for c in ("befolkning", "andel") if c in base.columns and c in other.columns]
    if not keys or not values:
        raise AccessError("Tabellerna går inte att jämföra: kolumnerna typ/kommun/band och befolkning/andel behövs.")
    b = base[keys + values].rename(columns={v: v + base_suffix for v in values})
    o = other[keys + values].rename(columns={v: v + other_suffix for v in values})
    first, second = (o, b) if order_by_other else (b, o)
    matched = first.merge(second, on=keys, how="left", sort=False)
    only_second = second.merge(first[keys], on=keys, how="left", indicator=True, sort=False)
    only_second = only_second[only_second["_merge"] == "left_only"].drop(columns="_merge")
    merged = pd.concat([matched, only_second], ignore_index=True) if len(only_second) else matched
    columns = list(keys)
    for v in values:
        if v == "befolkning":
            for col in (v + base_suffix, v + other_suffix):
                merged[col] = pd.to_numeric(merged[col]).round().astype("Int64")
        else:
            for col in (v + base_suffix, v + other_suffix):
                merged[col] = pd.to_numeric(merged[col]).astype(float)
        merged[f"forandring_{v}"] = merged[v + other_suffix] - merged[v + base_suffix]
        if order_by_other:
            columns += [v + other_suffix, v + base_suffix, f"forandring_{v}"]
        else:
            columns += [v + base_suffix, v + other_suffix, f"forandring_{v}"]
    return merged[columns]


def change_against(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Compare this year's band table (or over-limit table) with last year's.

    Parameters
    ----------
    previous : pandas.DataFrame
        Last year's :func:`band_table` (or :func:`over_limit`) output.
    current : pandas.DataFrame
        This year's table of the same kind.

    Returns
    -------
    pandas.DataFrame
        The key columns (``typ``, ``kommun``, ``band`` where present), then
        ``befolkning``, ``befolkning_foregaende_ar``, ``forandring_befolkning``
        (nullable Int64), ``andel``, ``andel_foregaende_ar``,
        ``forandring_andel`` (share points, 0..1 scale). Rows follow
        ``current``; rows only in ``previous`` come last, with missing
        current figures.

    Raises
    ------
    AccessError
        If the tables cannot be compared.
    """
    return _compare(previous, current, "_foregaende_ar", "", order_by_other=True)


# ---------------------------------------------------------------------------
# Shops: importance and the driftstöd condition
# ---------------------------------------------------------------------------


def supported_point_ids(stod: pd.DataFrame, year: int | None = None, stodform: str | None = None) -> set[str]:
    """Ids of service points with a support decision (in a year).

    Parameters
    ----------
    stod : pandas.DataFrame
        Support decisions with ``serviceplats_id`` and ``beslutsdatum``.
    year : int, optional
        Keep decisions taken in this year only.
    stodform : str, optional
        Keep this support type only (e.g. "Särskilt driftstöd").

    Returns
    -------
    set of str
        Service point ids (decisions without one are skipped).
    """
    if "serviceplats_id" not in stod.columns or len(stod) == 0:
        return set()
    keep = pd.Series(True, index=stod.index)
    if year is not None and "beslutsdatum" in stod.columns:
        keep &= pd.to_datetime(stod["beslutsdatum"]).dt.year == int(year)
    if stodform is not None and "stodform" in stod.columns:
        keep &= stod["stodform"].astype(str).str.strip().str.casefold() == stodform.casefold()
    ids = set()
    for value in stod.loc[keep, "serviceplats_id"]:
        if not _is_missing(value) and str(value).strip():
            ids.add(str(value).strip())
    return ids


_IMPORTANCE_COLUMNS = [
    "id", "namn", "kommun", "ort", "befolkning", "flyttas_over_grans", "tillkommande_personkm", "stod",
]


def _text_column(table: pd.DataFrame, name: str) -> list[str]:
    """Column as a list of str ('' for missing or absent).

    Parameters
    ----------
    table : pandas.DataFrame
        Any table.
    name : str
        Column name.

    Returns
    -------
    list of str
        Values as text.
    """
    if name not in table.columns:
        return [""] * len(table)
    return ["" if _is_missing(v) else str(v) for v in table[name]]


def shop_importance(
    population: pd.DataFrame,
    points: pd.DataFrame,
    year: int,
    supported_ids: Iterable[str] = (),
    limit_km: float = DEFAULT_LIMIT_KM,
) -> pd.DataFrame:
    """How much each open full-range shop matters for access.

    For each shop, the people for whom it is the nearest full-range shop and
    what would happen if that shop alone closed: those people would go to
    their second-nearest shop instead. One k-d tree query with k = 2 gives
    both, so no shop needs a recomputation. Where two shops are equally near,
    the tree assigns the people to one of them and closing it has no effect
    (the other is just as near).

    Parameters
    ----------
    population : pandas.DataFrame
        Population points.
    points : pandas.DataFrame
        Service points.
    year : int
        Follow-up year (shops open on 31 December count).
    supported_ids : iterable of str, default ()
        Ids of service points with a support decision in the year, e.g.
        from :func:`supported_point_ids`.
    limit_km : float, default 10
        The limit for "moved over the limit".

    Returns
    -------
    pandas.DataFrame
        One row per open full-range shop: ``id``, ``namn``, ``kommun``,
        ``ort``, ``befolkning`` (people for whom it is the nearest
        full-range shop), ``flyttas_over_grans`` (people who would go from
        at most ``limit_km`` to more than ``limit_km``), ``tillkommande_personkm``
        (sum of new minus old distance over those people, km; ``inf`` if it
        is the only shop), ``stod`` (bool). Sorted by ``flyttas_over_grans``
        then ``tillkommande_personkm``, both descending. ``attrs["grans_km"]``
        holds the limit.

    Raises
    ------
    AccessError
        If coordinates are missing or the limit is invalid.
    """
    limit = _check_limit(limit_km)
    weights = _weights(population)
    mask = (open_at_year_end(points, year) & offers(points, "fullsortiment")).to_numpy()
    shops = points.loc[mask]
    supported = {str(s).strip() for s in supported_ids}
    if len(shops) == 0:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in _IMPORTANCE_COLUMNS})
        empty.attrs["grans_km"] = limit
        return empty
    pop_xy = _xy_of(population, "Befolkningspunkterna")
    shop_xy = _xy_of(shops, "Serviceplatserna")
    dist, idx = nearest(pop_xy, shop_xy, k=2)
    d1, d2, i1 = dist[:, 0], dist[:, 1], idx[:, 0]
    n_shops = len(shops)
    served = _group_sum(i1, weights, n_shops) if len(i1) else np.zeros(n_shops)

    limit_m = limit * 1000.0
    moves = (d1 <= limit_m) & (d2 > limit_m)
    moved = _group_sum(i1[moves], weights[moves], n_shops) if moves.any() else np.zeros(n_shops)
    with np.errstate(invalid="ignore"):
        extra = np.where(weights > 0, (d2 - d1) / 1000.0 * weights, 0.0)
    person_km = _group_sum(i1, extra, n_shops) if len(i1) else np.zeros(n_shops)

    ids = _point_ids(shops)
    result = pd.DataFrame(
        {
            "id": ids.astype(str),
            "namn": _text_column(shops, "namn"),
            "kommun": _text_column(shops, "kommun"),
            "ort": _text_column(shops, "ort"),
            "befolkning": np.rint(served).astype(np.int64),
            "flyttas_over_grans": np.rint(moved).astype(np.int64),
            "tillkommande_personkm": person_km,
            "stod": np.array([i in supported for i in ids], dtype=bool),
        }
    )
    result = result.sort_values(
        ["flyttas_over_grans", "tillkommande_personkm", "id"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)
    result.attrs["grans_km"] = limit
    return result


_DRIFTSTOD_COLUMNS = [
    "diarienummer", "mottagare", "kommun", "belopp_kr", "serviceplats_id", "namn",
    "avstand_km", "bedomning", "anmarkning", "vag_km", "matt",
]
_VERDICT_CHECK_ROAD = "Kontrollera vägavstånd"
_VERDICT_ROAD_NOT_MET = "Villkoret inte uppfyllt (högst {limit} km på väg)"
_VERDICT_ROAD_MET = "Villkoret uppfyllt (över {limit} km på väg)"
MEASURE_ROAD = "väg"
MEASURE_STRAIGHT = "fågelvägen"
_VERDICT_NO_POINT = "Saknar serviceplats – kan inte kontrolleras"
_VERDICT_UNKNOWN_POINT = "Okänd serviceplats – kan inte kontrolleras"


def _verdict_ok(limit_km: float) -> str:
    """Verdict text for a shop beyond the limit.

    Parameters
    ----------
    limit_km : float
        The limit in km.

    Returns
    -------
    str
        E.g. "Villkoret uppfyllt (över 10 km fågelvägen)".
    """
    return f"Villkoret uppfyllt (över {_fmt_km(limit_km)} km fågelvägen)"


def driftstod_check(
    points: pd.DataFrame,
    stod: pd.DataFrame,
    year: int,
    limit_km: float = DEFAULT_LIMIT_KM,
    road_km: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Check the distance condition of särskilt driftstöd.

    With ``road_km`` (a road network is given) the verdict uses the road
    distance, as the region's rule ("kortast farbara bilväg") says; a shop
    without a road within the snap distance falls back to the straight line,
    with a note.

    The shop must lie more than 10 km from the next shop with a varied range
    of daily goods. This check uses the straight-line distance to the
    nearest OTHER full-range shop open on 31 December of ``year``. Since a
    straight line is a lower bound of the road distance, "over 10 km" proves
    the condition, while 10 km or less only means the road distance must be
    checked.

    Parameters
    ----------
    points : pandas.DataFrame
        Service points.
    stod : pandas.DataFrame
        Support decisions of the year (``diarienummer``, ``stodform``,
        ``mottagare``, ``kommun``, ``belopp_kr``, ``serviceplats_id``).
        Only rows with stodform "Särskilt driftstöd" are checked.
    year : int
        Follow-up year.
    limit_km : float, default 10
        The distance condition in km.

    Returns
    -------
    pandas.DataFrame
        One row per särskilt driftstöd decision, in input order:
        ``diarienummer``, ``mottagare``, ``kommun``, ``belopp_kr``,
        ``serviceplats_id``, ``namn``, ``avstand_km`` (NaN when it cannot be
        computed, inf when there is no other open full-range shop),
        ``bedomning`` (Swedish verdict), ``anmarkning`` (Swedish notes or ""),
        ``vag_km`` (road km, NaN without a network) and ``matt`` ("väg" or
        "fågelvägen": the measure the verdict used).

    Raises
    ------
    AccessError
        If ``stod`` lacks ``stodform`` or the limit is invalid.
    """
    limit = _check_limit(limit_km)
    if "stodform" not in stod.columns:
        raise AccessError("Stödtabellen saknar kolumnen stodform.")
    form = stod["stodform"].map(lambda v: "" if _is_missing(v) else str(v).strip().casefold())
    decisions = stod.loc[form == DRIFTSTOD.casefold()]
    if len(decisions) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _DRIFTSTOD_COLUMNS})

    ids = _point_ids(points) if len(points) else np.empty(0, dtype=object)
    position = {pid: pos for pos, pid in enumerate(ids)}
    names = _text_column(points, "namn")
    is_open = open_at_year_end(points, year).to_numpy()
    full = offers(points, "fullsortiment").to_numpy()
    shop_mask = is_open & full
    shop_ids = ids[shop_mask]
    all_xy = _xy_of(points, "Serviceplatserna")
    shop_xy = all_xy[shop_mask]

    rows = []
    distance_km: dict[str, float] = {}
    for rec in decisions.to_dict("records"):
        raw_id = rec.get("serviceplats_id")
        pid = "" if _is_missing(raw_id) else str(raw_id).strip()
        row = {
            "diarienummer": rec.get("diarienummer"),
            "mottagare": rec.get("mottagare"),
            "kommun": rec.get("kommun"),
            "belopp_kr": rec.get("belopp_kr"),
            "serviceplats_id": pid or None,
            "namn": "",
            "avstand_km": np.nan,
            "bedomning": "",
            "anmarkning": "",
            "vag_km": np.nan,
            "matt": MEASURE_STRAIGHT,
        }
        if not pid:
            row["bedomning"] = _VERDICT_NO_POINT
            row["anmarkning"] = "Beslutet saknar serviceplats_id."
            rows.append(row)
            continue
        if pid not in position:
            row["bedomning"] = _VERDICT_UNKNOWN_POINT
            row["anmarkning"] = f"Id {pid} finns inte bland serviceplatserna."
            rows.append(row)
            continue
        pos = position[pid]
        row["namn"] = names[pos]
        notes = []
        if not is_open[pos]:
            notes.append(f"Serviceplatsen var inte öppen den 31 december {int(year)}.")
        if not full[pos]:
            notes.append("Serviceplatsen är inte registrerad som dagligvarubutik med fullsortiment.")
        if pid not in distance_km:  # the same for every decision of one point
            dist, _ = nearest(all_xy[pos : pos + 1], shop_xy[shop_ids != pid])
            distance_km[pid] = float(dist[0]) / 1000.0
        d_km = distance_km[pid]
        row["avstand_km"] = d_km
        if not np.isfinite(d_km):
            notes.append("Det finns ingen annan öppen butik med fullsortiment.")
        row["bedomning"] = _verdict_ok(limit) if d_km > limit else _VERDICT_CHECK_ROAD
        if road_km is not None:
            r_km = float(road_km.get(pid, np.nan))
            row["vag_km"] = r_km
            if np.isnan(r_km):
                notes.append("Butiken ligger för långt från vägnätet; bedömningen gäller avståndet fågelvägen.")
            else:
                row["matt"] = MEASURE_ROAD
                if np.isinf(r_km) and np.isfinite(d_km):
                    notes.append("Ingen annan butik med fullsortiment kan nås via vägnätet.")
                row["bedomning"] = (_VERDICT_ROAD_MET if r_km > limit else _VERDICT_ROAD_NOT_MET).format(
                    limit=_fmt_km(limit))
        row["anmarkning"] = " ".join(notes)
        rows.append(row)
    return pd.DataFrame(rows, columns=_DRIFTSTOD_COLUMNS)


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------


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
    rows = []
    for number, spec in enumerate(new_points, start=1):
        if not isinstance(spec, Mapping):
            raise AccessError(f"Ny serviceplats nr {number} måste anges som en tabell med namn, lat, lon och typer.")
        missing = [f for f in ("namn", "lat", "lon", "typer") if f not in spec]
        if missing:
            raise AccessError(f"Ny serviceplats nr {number} saknar {', '.join(missing)}.")
        try:
            lat, lon = float(spec["lat"]), float(spec["lon"])
        except (TypeError, ValueError) as exc:
            raise AccessError(f"Ny serviceplats nr {number} ({spec['namn']}): lat och lon måste vara tal.") from exc
        if not (55.0 <= lat <= 69.1 and 10.9 <= lon <= 24.2):
            raise AccessError(
                f"Ny serviceplats nr {number} ({spec['namn']}): koordinaten ligger utanför Sverige "
                "(lat 55–69,1, lon 10,9–24,2)."
            )
        types = spec["typer"]
        if isinstance(types, str):
            types = [types]
        types = [str(t).strip() for t in types]
        unknown = [t for t in types if t not in SERVICE_TYPES]
        if unknown:
            raise AccessError(
                f"Ny serviceplats nr {number} ({spec['namn']}): okänd typ {', '.join(unknown)}. "
                f"Kända typer: {', '.join(SERVICE_TYPES)}."
            )
        if not types:
            raise AccessError(f"Ny serviceplats nr {number} ({spec['namn']}) har inga typer.")
        if "fullsortiment" in types:
            grocery = _FULL_RANGE
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
        for typ in _BOOL_TYPES:
            row[typ] = typ in types
        row["oppnad"] = pd.NaT
        row["stangd"] = pd.NaT
        rows.append(row)
    table = pd.DataFrame(rows)
    for col in columns:
        if col not in table.columns:
            table[col] = pd.NA
    return table


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
        :func:`distances` of ``population`` to ``points`` for ``year``, when
        already computed (the year's saved results); computed here if not given.

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
    ids = _point_ids(points) if len(points) else np.empty(0, dtype=object)
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
    stangd = _date_column(changed, "stangd")
    if close:
        end = _year_end(year)
        hit = np.isin(ids, close)
        already = stangd.notna() & (stangd <= end)
        stangd = stangd.mask(pd.Series(hit, index=changed.index) & ~already, end)
    changed["stangd"] = stangd
    if len(new_points):
        added = _new_points_table(new_points, list(changed.columns))
        clash = set(added["id"]) & set(ids.tolist())
        if clash:
            raise AccessError(f"Nya serviceplatser har id som redan finns: {', '.join(sorted(clash))}.")
        changed = pd.concat([changed, added], ignore_index=True)
        for col in ("oppnad", "stangd"):
            changed[col] = pd.to_datetime(changed[col])

    base_dist = distances(population, points, year) if baseline is None else baseline
    scen_dist = distances(population, changed, year)
    base_band = band_table(population, base_dist, bands_km, kommuner=kommuner)
    scen_band = band_table(population, scen_dist, bands_km, kommuner=kommuner)
    base_over = over_limit(population, base_dist, limit_km, kommuner=kommuner)
    scen_over = over_limit(population, scen_dist, limit_km, kommuner=kommuner)
    return ScenarioResult(
        band=_compare(base_band, scen_band, "_utgangslage", "_scenario", order_by_other=False),
        over_limit=_compare(base_over, scen_over, "_utgangslage", "_scenario", order_by_other=False),
        points=changed,
        dist_baseline=base_dist,
        dist_scenario=scen_dist,
    )
