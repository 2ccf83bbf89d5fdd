"""Distance bands: edges in km, their Swedish labels and the band of each distance.

Bands are closed below and open above: with the edges 5, 10 and 20 km a distance
of exactly 5 km is in "5–10 km" and exactly 20 km in "över 20 km".
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .. import text as fmt
from ..errors import AccessError
from ..inputs.program import DEFAULT_BANDS_KM as _PROGRAM_BANDS_KM

__all__ = ["fmt_km", "check_bands", "band_labels", "band_codes", "DEFAULT_BANDS_KM"]


#: Default band edges in km (program.toml may give others).
DEFAULT_BANDS_KM: tuple[float, ...] = _PROGRAM_BANDS_KM


def fmt_km(value: float) -> str:
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
    return fmt.decimal(value, 6, grouping=False)


def check_bands(bands_km: Iterable[float]) -> tuple[float, ...]:
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
    edges = check_bands(bands_km)
    labels = []
    lower = 0.0
    for edge in edges:
        labels.append(f"{fmt_km(lower)}–{fmt_km(edge)} km")
        lower = edge
    labels.append(f"över {fmt_km(edges[-1])} km")
    return labels


def band_codes(dist_m: np.ndarray, edges_km: tuple[float, ...]) -> np.ndarray:
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
