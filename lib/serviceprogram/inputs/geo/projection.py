"""Coordinates: WGS 84 latitude/longitude to SWEREF 99 TM (EPSG:3006) metres and back.

The transformers (pyproj) are made on first use and kept; importing the module
has no side effects. :func:`xy_of` takes the coordinates of a contract table,
whichever pair of columns it has.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...errors import AccessError

__all__ = ["to_sweref", "from_sweref", "xy_of"]


# Lazily created pyproj transformers, keyed by direction. Filled on first use,
# never at import.
_TRANSFORMERS: dict[str, Any] = {}


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


def xy_of(table: pd.DataFrame, what: str) -> np.ndarray:
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
