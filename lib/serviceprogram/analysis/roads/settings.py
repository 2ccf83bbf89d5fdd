"""Where the road network lives and its settings: ``<data>/vagnat/`` and ``[vagnat]`` in program.toml.

The table is read here from the raw TOML (program.py does not know it)::

    [vagnat]
    fil = "jamtland-latest.osm.pbf"   # file in <data>/vagnat/; needed only when there are several
    max_anslutning_m = 1000           # largest distance from a point to the network
    farja_hastighet_kmh = 15
    farja_vantetid_min = 10
    hastigheter = { residential = 30 } # km/h per OSM highway class, over the defaults
    hastighet_kolumn = "HTHAST"       # GeoPackage (NVDB) only: the speed column
    standardhastighet_kmh = 70        # GeoPackage only: speed where the column is empty
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import ServiceprogramError
from .graph import FERRY_SPEED_KMH, FERRY_WAIT_MIN, MAX_SNAP_M

__all__ = ["FOLDER", "SUFFIXES", "RoadSettingsError", "RoadSettings", "load_settings"]

FOLDER = "vagnat"
SUFFIXES = (".osm.pbf", ".gpkg")


class RoadSettingsError(ServiceprogramError, ValueError):
    """Invalid road network settings; the message is in Swedish."""


@dataclass
class RoadSettings:
    path: Path
    max_snap_m: float = MAX_SNAP_M
    ferry_speed_kmh: float = FERRY_SPEED_KMH
    ferry_wait_min: float = FERRY_WAIT_MIN
    speeds: dict[str, float] = field(default_factory=dict)
    speed_column: str | None = None
    default_speed_kmh: float = 70.0

    @property
    def is_gpkg(self) -> bool:
        return self.path.name.lower().endswith(".gpkg")


def _positive(table: dict, key: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise RoadSettingsError(f"program.toml, [vagnat], {key}: värdet {value!r} måste vara ett positivt tal.")
    return float(value)


def load_settings(data_dir) -> RoadSettings | None:
    """The road network of a data folder, or None when ``<data>/vagnat/`` has no network file."""
    data_dir = Path(data_dir)
    raw = {}
    toml = data_dir / "program.toml"
    if toml.is_file():
        raw = tomllib.loads(toml.read_text(encoding="utf-8-sig")).get("vagnat", {}) or {}
    if not isinstance(raw, dict):
        raise RoadSettingsError("program.toml: [vagnat] måste vara en tabell.")
    folder = data_dir / FOLDER
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(SUFFIXES)) \
        if folder.is_dir() else []
    if "fil" in raw:
        path = folder / str(raw["fil"])
        if not path.is_file():
            raise RoadSettingsError(f"program.toml, [vagnat], fil: filen {FOLDER}/{raw['fil']} finns inte.")
    elif not files:
        return None
    elif len(files) > 1:
        names = ", ".join(p.name for p in files)
        raise RoadSettingsError(f"Mappen {FOLDER}/ har flera vägnät ({names}): ange vilket i program.toml "
                                "under [vagnat] med fil = \"...\".")
    else:
        path = files[0]
    speeds = raw.get("hastigheter", {})
    if not isinstance(speeds, dict):
        raise RoadSettingsError("program.toml, [vagnat], hastigheter: ange en tabell vägklass = km/h.")
    return RoadSettings(path, _positive(raw, "max_anslutning_m", MAX_SNAP_M),
                        _positive(raw, "farja_hastighet_kmh", FERRY_SPEED_KMH),
                        _positive(raw, "farja_vantetid_min", FERRY_WAIT_MIN) if raw.get("farja_vantetid_min") != 0
                        else 0.0,
                        {str(k): _positive(speeds, k, 1) for k in speeds},
                        str(raw["hastighet_kolumn"]) if raw.get("hastighet_kolumn") else None,
                        _positive(raw, "standardhastighet_kmh", 70.0))
