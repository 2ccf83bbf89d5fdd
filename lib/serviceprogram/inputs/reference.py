"""Reference tables shipped with the package: Sweden's counties and municipalities.

The files live in ``resources/referens/`` (sources in ``KALLA.md`` there):

- ``lan_sverige.csv``: the 21 counties (code, county name, the region's own name);
- ``kommuner_sverige.geojson``: the 290 municipalities with code, name, county
  code and a simplified boundary in WGS 84.

Standard library only; geometry users read the GeoJSON through
:func:`municipality_geojson_path` with the library of their choice.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["County", "MunicipalityRef", "counties", "county", "municipalities", "municipality_geojson_path"]

_FOLDER = "resources/referens"


@dataclass(frozen=True)
class County:
    """A county (län) and the region that serves it."""

    kod: str
    lan: str
    region: str


@dataclass(frozen=True)
class MunicipalityRef:
    """A municipality as the reference table knows it."""

    kod: str
    namn: str
    lanskod: str


def _resource(name: str) -> Path:
    return Path(str(resources.files("serviceprogram").joinpath(f"{_FOLDER}/{name}")))


def municipality_geojson_path() -> Path:
    """The shipped GeoJSON of all municipalities (WGS 84)."""
    return _resource("kommuner_sverige.geojson")


@lru_cache(maxsize=1)
def counties() -> tuple[County, ...]:
    """The 21 counties in code order."""
    with open(_resource("lan_sverige.csv"), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(County(r["lanskod"].zfill(2), r["lan"], r["region"]) for r in rows)


def county(key: str) -> County | None:
    """A county by its code (``"23"``, ``"2"``), county name or region name, case-insensitive."""
    text = str(key).strip().casefold()
    for c in counties():
        if text in (c.kod, c.kod.lstrip("0"), c.lan.casefold(), c.region.casefold()):
            return c
    return None


@lru_cache(maxsize=1)
def _all_municipalities() -> tuple[MunicipalityRef, ...]:
    data = json.loads(municipality_geojson_path().read_text(encoding="utf-8"))
    found = [MunicipalityRef(str(f["properties"]["kod"]).zfill(4), f["properties"]["namn"],
                             str(f["properties"]["lanskod"]).zfill(2)) for f in data["features"]]
    return tuple(sorted(found, key=lambda m: m.kod))


def municipalities(lanskod: str | None = None) -> tuple[MunicipalityRef, ...]:
    """The municipalities of a county (all 290 without ``lanskod``), in code order."""
    if lanskod is None:
        return _all_municipalities()
    code = str(lanskod).zfill(2)
    return tuple(m for m in _all_municipalities() if m.lanskod == code)
