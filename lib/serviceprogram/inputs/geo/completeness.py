"""Is the list of service points complete? Warnings that do not need OpenStreetMap.

- a municipality with inhabitants but no open grocery shop (``dagligvaror``) in
  ``serviceplatser``;
- a locality of more than 1 000 inhabitants (from ``orter.csv`` in the data
  folder: ``namn``, ``lat``, ``lon``, ``befolkning``) with no open grocery shop
  within 2 km in a straight line.

Both are hints that the shop list may lack shops, not errors: the analyst checks
the list.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import WARNING, Problem

__all__ = ["LOCALITY_FILE", "LOCALITY_MIN", "LOCALITY_RADIUS_M", "read_localities", "completeness_warnings"]

LOCALITY_FILE = "orter.csv"
LOCALITY_MIN = 1000
LOCALITY_RADIUS_M = 2000.0


def read_localities(data_dir) -> pd.DataFrame | None:
    """The region's localities (``orter.csv``), or None when the file is missing or unreadable."""
    path = Path(data_dir) / LOCALITY_FILE
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig")
    except (OSError, ValueError):
        return None
    if not {"namn", "lat", "lon", "befolkning"} <= set(frame.columns):
        return None
    for col in ("lat", "lon", "befolkning"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame.dropna(subset=["lat", "lon", "befolkning"])


def completeness_warnings(data_dir, year: int, program, tables: dict, population,
                          label: str | None = None) -> list[Problem]:
    """Warnings that the shop list may be incomplete (see the module docstring).

    ``label`` names the service points as the analyst has them (``2025/uppfoljning.xlsx, blad
    serviceplatser`` for a workbook year); by default ``<year>/serviceplatser.csv``.
    """
    from ..service_points import offers, open_at_year_end
    from .projection import to_sweref

    points = tables.get("serviceplatser")
    if points is None:
        return []
    label = label or f"{year}/serviceplatser.csv"
    shops = points[offers(points, "dagligvaror") & open_at_year_end(points, year)]
    found = []
    people = {k.namn: k.folkmangd for k in program.kommuner}
    if population is not None and population["kommun"].notna().any():
        people = population.groupby("kommun")["befolkning"].sum().to_dict()
    have = set(shops["kommun"]) if "kommun" in shops.columns else set()
    for k in program.kommuner:
        if people.get(k.namn, 0) > 0 and k.namn not in have:
            found.append(Problem(label, None, "kommun", k.namn,
                                 f"{k.namn} har invånare men ingen öppen dagligvarubutik i serviceplatser den "
                                 f"31 december {year}: kontrollera att listan är komplett", WARNING))
    places = read_localities(data_dir)
    if places is not None and len(places):
        big = places[places["befolkning"] > LOCALITY_MIN]
        if len(big):
            bx, by = to_sweref(big["lat"].to_numpy(float), big["lon"].to_numpy(float))
            if len(shops):
                sx, sy = to_sweref(shops["lat"].to_numpy(float), shops["lon"].to_numpy(float))
                nearest = np.hypot(bx[:, None] - sx[None, :], by[:, None] - sy[None, :]).min(axis=1)
            else:
                nearest = np.full(len(big), np.inf)
            for name, size, dist in zip(big["namn"], big["befolkning"], nearest):
                if dist > LOCALITY_RADIUS_M:
                    found.append(Problem(label, None, "dagligvaror", str(name),
                                         f"Orten {name} har omkring {int(size)} invånare men ingen öppen "
                                         f"dagligvarubutik inom 2 km fågelvägen i serviceplatser: kontrollera att "
                                         "listan är komplett", WARNING))
    return found
