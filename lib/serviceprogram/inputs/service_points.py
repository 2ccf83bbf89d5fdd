"""Which service points count: the type a point offers and whether it is open.

A point counts for a year when it is open on 31 December of that year
(:func:`open_at_year_end`). The service types and their Swedish labels are
:data:`SERVICE_TYPES`, in report order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import AccessError
from .parsing import TRUE_WORDS

__all__ = ["SERVICE_TYPES", "FULL_RANGE", "BOOL_TYPES", "check_type", "offers", "is_missing", "year_end", "date_column", "closed_by_year_end", "open_at_year_end", "point_ids"]


#: Service types in report order: type key -> Swedish label.
SERVICE_TYPES: dict[str, str] = {
    "dagligvaror": "Dagligvaror",
    "fullsortiment": "Dagligvaror, fullsortiment",
    "drivmedel": "Drivmedel",
    "paketombud": "Paketombud",
    "apoteksombud": "Apoteksombud",
    "kontantuttag": "Kontantuttag",
}


FULL_RANGE = "Fullsortiment"


BOOL_TYPES = ("drivmedel", "paketombud", "apoteksombud", "kontantuttag")


def check_type(typ: str) -> None:
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
    check_type(typ)
    if typ in ("dagligvaror", "fullsortiment"):
        if "dagligvaror" not in points.columns:
            return pd.Series(False, index=points.index, dtype=bool)
        text = points["dagligvaror"].astype(object).where(points["dagligvaror"].notna(), "")
        text = text.map(lambda v: str(v).strip())
        if typ == "dagligvaror":
            return (text != "").astype(bool)
        return (text.str.casefold() == FULL_RANGE.casefold()).astype(bool)
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
    if is_missing(value):
        return False
    if isinstance(value, str):
        return value.strip().casefold() in TRUE_WORDS
    return bool(value)


def is_missing(value: Any) -> bool:
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


def year_end(year: int) -> pd.Timestamp:
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


def date_column(points: pd.DataFrame, name: str) -> pd.Series:
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
    closed = date_column(points, "stangd")
    return (closed.notna() & (closed <= year_end(year))).astype(bool)


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
    opened = date_column(points, "oppnad")
    is_open = (opened.isna() | (opened <= year_end(year))) & ~closed_by_year_end(points, year)
    return is_open.astype(bool)


def point_ids(points: pd.DataFrame) -> np.ndarray:
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
