"""Population per cell for the access analysis.

Reads, in this order of precedence, ``<year>/befolkning.gpkg``,
``<year>/befolkning.csv``, ``befolkning.gpkg``, ``befolkning.csv`` (or the file
named under ``[befolkning]`` in ``program.toml``):

- **SCB's population grid as downloaded** (GeoPackage, SWEREF 99 TM): the open
  1 km grid (layer ``befolkning_1km_<år>``) has the columns ``rutid_scb``
  (e.g. ``"3940006133000"``), ``rutid_inspire``
  (``"SE_CRS3006RES1000mN6133000E394000"``), ``rutstorl`` (cell size in m),
  ``beftotalt`` (population; SCB may adjust values under four), ``man``,
  ``kvinna`` and ``referenstid`` (``"20241231"``), with the cell polygon.
  What we rely on: ``rutid_scb`` is six digits of easting followed by seven
  digits of northing of the cell's south-west corner in SWEREF 99 TM (as in
  the INSPIRE id, whose ``N``/``E`` give the same corner). With polygons the
  cell centre is the polygon's centroid; without, corner + half the cell size.
- a CSV with the same columns (a cell id and a population column) or with
  ``x,y`` (SWEREF 99 TM) or ``lat,lon`` (WGS 84) cell centres, as before.

The population column is found by name (``beftotalt``, ``befolkning``, ``pop``,
``totalt``...) or named in ``program.toml``::

    [befolkning]
    fil = "befolkning.gpkg"   # in the data folder
    kolumn = "beftotalt"
    ar = 2024                 # the population's reference year
    rutstorlek_m = 1000

A file without ``kommun`` gets each cell's municipality from the municipal
borders (:mod:`.borders`). Cells outside the county are counted and reported
as a warning, and left out of the analysis.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import WARNING, Problem

__all__ = ["POPULATION_NAMES", "ID_NAMES", "INSPIRE_NAMES", "SIZE_NAMES", "POPULATION_TOLERANCE", "settings",
           "parse_cell_id", "find_file", "load_population", "source_text"]

POPULATION_NAMES = ("befolkning", "beftotalt", "bef_totalt", "pop", "population", "totalt", "antal")
ID_NAMES = ("rutid_scb", "rutid", "ruta", "rut_id", "id_ruta")
INSPIRE_NAMES = ("rutid_inspire",)
SIZE_NAMES = ("rutstorl", "rutstorlek")
POPULATION_TOLERANCE = 0.005
_INSPIRE = re.compile(r"RES(\d+)mN(\d+)E(\d+)", re.IGNORECASE)


def settings(data_dir) -> dict:
    """The optional ``[befolkning]`` table of ``program.toml`` (empty when absent or unreadable)."""
    path = Path(data_dir) / "program.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return {}
    table = raw.get("befolkning")
    return table if isinstance(table, dict) else {}


def parse_cell_id(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """South-west corners (x, y) of SCB cell ids, and the size when the id says it.

    Accepts ``rutid_scb`` (13 digits: easting 6, northing 7) and INSPIRE ids
    (``...RES1000mN6133000E394000``). Unreadable ids give NaN.
    """
    x, y, size = [], [], []
    for value in values:
        text = str(value).strip() if value is not None else ""
        if text.endswith(".0"):
            text = text[:-2]
        match = _INSPIRE.search(text)
        if match:
            size.append(float(match.group(1)))
            y.append(float(match.group(2)))
            x.append(float(match.group(3)))
        elif text.isdigit() and len(text) == 13:
            x.append(float(text[:6]))
            y.append(float(text[6:]))
            size.append(np.nan)
        else:
            x.append(np.nan)
            y.append(np.nan)
            size.append(np.nan)
    return np.array(x), np.array(y), np.array(size)


def find_file(data_dir: Path, year: int) -> tuple[Path | None, str | None]:
    """The population file and its label, or (None, None)."""
    named = settings(data_dir).get("fil")
    if isinstance(named, str) and named.strip():
        path = data_dir / named.strip()
        return (path, named.strip()) if path.is_file() else (path, named.strip())
    for folder, prefix in ((data_dir / str(year), f"{year}/"), (data_dir, "")):
        for name in ("befolkning.gpkg", "befolkning.csv"):
            path = folder / name
            if path.is_file():
                return path, prefix + name
    return None, None


def _column(columns, names, wanted=None):
    lower = {str(c).casefold(): c for c in columns}
    if wanted:
        return lower.get(str(wanted).casefold())
    for name in names:
        if name in lower:
            return lower[name]
    return None


def load_population(data_dir, year: int, program, problems: list, sources: list, source_cls, read_csv, sha256):
    """The population cells for ``year``, or None when none are given.

    Returns a frame with ``lat``, ``lon``, ``x``, ``y``, ``befolkning``,
    ``kommun``; ``frame.attrs["kalla"]`` describes the source (file, year, cell
    size, cells outside the county) for the report.
    """
    data_dir = Path(data_dir)
    path, label = find_file(data_dir, year)
    if path is None:
        return None
    if not path.is_file():
        problems.append(Problem("program.toml", None, "befolkning.fil", label,
                                "Befolkningsfilen som anges under [befolkning] finns inte i datamappen"))
        return None
    sources.append(source_cls(label, path, sha256(path)))
    conf = settings(data_dir)
    if path.suffix.lower() == ".gpkg":
        frame = _read_gpkg(path, label, conf, problems)
    else:
        frame = _read_csv(path, label, program, conf, problems, read_csv)
    if frame is None:
        return None
    return _finish(frame, label, data_dir, year, program, conf, problems)


def _read_gpkg(path, label, conf, problems):
    import pyogrio

    try:
        layers = [name for name, geom in pyogrio.list_layers(path)]
        layer = conf.get("lager") if conf.get("lager") in layers else (layers[0] if layers else None)
        frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many kinds; the analyst needs one message
        problems.append(Problem(label, None, None, None, f"Filen går inte att läsa som GeoPackage: {exc}"))
        return None
    if frame.crs is not None and frame.crs.to_epsg() not in (3006, None):
        frame = frame.to_crs("EPSG:3006")
    return _cells(pd.DataFrame(frame), label, conf, problems, geometry=frame.geometry)


def _read_csv(path, label, program, conf, problems, read_csv):
    from .. import schemas

    raw = read_csv(path, "befolkning", label, problems)
    if raw is None:  # not readable as a table at all; the reason is already in problems
        return None
    columns = set(raw.frame.columns)
    if _column(columns, ID_NAMES + INSPIRE_NAMES) is not None and not ({"x", "y"} <= columns or {"lat", "lon"} <= columns):
        return _cells(raw.frame.reset_index(), label, conf, problems, rows=raw.frame.index)
    sweref = {"x", "y"} <= columns and not {"lat", "lon"} & columns
    fields = schemas.BEFOLKNING_SWEREF if sweref else schemas.BEFOLKNING
    found = schemas.validate(raw, fields, program, None)
    problems += found
    if found:
        return None
    frame = schemas.convert(raw.frame, fields, program)
    from .projection import from_sweref, to_sweref

    if sweref:
        frame["lat"], frame["lon"] = from_sweref(frame["x"].to_numpy(), frame["y"].to_numpy())
    else:
        frame["x"], frame["y"] = to_sweref(frame["lat"].to_numpy(), frame["lon"].to_numpy())
    frame["befolkning"] = frame["befolkning"].astype("int64")
    frame.attrs["kalla"] = {"format": "punkter"}
    return frame


def _cells(frame, label, conf, problems, geometry=None, rows=None):
    """SCB cells (id or polygon) to centres with population."""
    pop_col = _column(frame.columns, POPULATION_NAMES, conf.get("kolumn"))
    if pop_col is None:
        wanted = conf.get("kolumn") or ", ".join(POPULATION_NAMES[:4])
        problems.append(Problem(label, None, None, None,
                                f"Hittar ingen kolumn med befolkning (sökte efter {wanted}); ange kolumnen som "
                                "kolumn under [befolkning] i program.toml"))
        return None
    people = pd.to_numeric(frame[pop_col].astype(str).str.replace(",", ".").str.strip(), errors="coerce")
    row_numbers = list(rows) if rows is not None else list(range(2, len(frame) + 2))
    bad = people.isna() | (people < 0) | (people.round() != people)
    for i in np.flatnonzero(bad.to_numpy())[:20]:
        problems.append(Problem(label, int(row_numbers[i]), str(pop_col), str(frame[pop_col].iloc[i]),
                                "Befolkningen måste vara ett heltal, noll eller större"))
    if bad.any():
        return None
    size_col = _column(frame.columns, SIZE_NAMES)
    id_col = _column(frame.columns, ID_NAMES)
    inspire_col = _column(frame.columns, INSPIRE_NAMES)
    size = pd.to_numeric(frame[size_col], errors="coerce").to_numpy(float) if size_col else np.full(len(frame), np.nan)
    if conf.get("rutstorlek_m"):
        size = np.where(np.isnan(size), float(conf["rutstorlek_m"]), size)
    if geometry is not None and not geometry.isna().all():
        centres = geometry.centroid
        x, y = centres.x.to_numpy(float), centres.y.to_numpy(float)
        if np.isnan(size).all():
            size = np.sqrt(geometry.area.to_numpy(float))
    else:
        col = id_col or inspire_col
        if col is None:
            problems.append(Problem(label, None, None, None,
                                    "Filen har varken rutid (rutid_scb), x/y, lat/lon eller rutornas polygoner"))
            return None
        cx, cy, id_size = parse_cell_id(frame[col])
        size = np.where(np.isnan(size), id_size, size)
        if np.isnan(size).any():
            # Without a size: 1 km if every corner is on the 1 km grid (SCB's open data), else 250 m.
            on_km = np.nan_to_num(cx % 1000) == 0
            on_km &= np.nan_to_num(cy % 1000) == 0
            size = np.where(np.isnan(size), 1000.0 if on_km.all() else 250.0, size)
        for i in np.flatnonzero(np.isnan(cx))[:20]:
            problems.append(Problem(label, int(row_numbers[i]), str(col), str(frame[col].iloc[i]),
                                    "Rutid kan inte tolkas: väntar 13 siffror (6 för öst, 7 för norr, SWEREF 99 TM)"))
        if np.isnan(cx).any():
            return None
        x, y = cx + size / 2, cy + size / 2
    from .projection import from_sweref

    out = pd.DataFrame({"x": x, "y": y, "befolkning": people.astype("int64").to_numpy()})
    out["lat"], out["lon"] = from_sweref(x, y)
    kommun_col = _column(frame.columns, ("kommun",))
    out["kommun"] = frame[kommun_col].to_numpy() if kommun_col else None
    year_col = _column(frame.columns, ("referenstid",))
    sizes = sorted({int(round(s)) for s in size if np.isfinite(s)})
    out.attrs["kalla"] = {"format": "rutor", "rutstorlek_m": sizes,
                          "referenstid": str(frame[year_col].iloc[0]) if year_col and len(frame) else None}
    return out[out["befolkning"] > 0].reset_index(drop=True).pipe(_keep_attrs, out.attrs)


def _keep_attrs(frame, attrs):
    frame.attrs.update(attrs)
    return frame


def _finish(frame, label, data_dir, year, program, conf, problems):
    kalla = dict(frame.attrs.get("kalla", {}))
    kalla.update(fil=label, ar=conf.get("ar") or (kalla.get("referenstid") or "")[:4] or None, rutor=len(frame))
    if frame["kommun"].isna().all():
        from .borders import assign, municipality_borders

        borders = municipality_borders(program, data_dir)
        names, nearest, outside = assign(frame["x"].to_numpy(), frame["y"].to_numpy(), borders)
        frame["kommun"] = names
        n_out, p_out = int(outside.sum()), int(frame.loc[outside, "befolkning"].sum())
        n_near, p_near = int(nearest.sum()), int(frame.loc[nearest, "befolkning"].sum())
        kalla.update(kommun_fran_granser=True, utanfor_rutor=n_out, utanfor_befolkning=p_out,
                     narmaste_rutor=n_near, narmaste_befolkning=p_near)
        if n_out:
            problems.append(Problem(label, None, "befolkning", str(p_out),
                                    f"{n_out} rutor med sammanlagt {p_out} invånare ligger utanför länets kommuner "
                                    "och räknas inte med i tillgänglighetsanalysen", WARNING))
        if n_near:
            problems.append(Problem(label, None, "kommun", str(p_near),
                                    f"{n_near} rutor med sammanlagt {p_near} invånare ligger strax utanför "
                                    "kommungränserna (som är förenklade) och har räknats till närmaste kommun",
                                    WARNING))
        frame = frame[~outside].reset_index(drop=True)
    else:
        resolved = frame["kommun"].map(lambda v: program.resolve_kommun(v) if v is not None else None)
        frame["kommun"] = resolved.where(resolved.notna(), frame["kommun"])
    if frame["kommun"].isna().all():
        total = int(frame["befolkning"].sum())
        if abs(total - program.folkmangd) > POPULATION_TOLERANCE * program.folkmangd:
            problems.append(Problem(label, None, "befolkning", str(total),
                                    f"Befolkningspunkterna summerar till {total}, men kommunernas folkmangd i "
                                    f"program.toml är sammanlagt {program.folkmangd}", WARNING))
    else:
        for k in program.kommuner:
            total = int(frame.loc[frame["kommun"] == k.namn, "befolkning"].sum())
            if abs(total - k.folkmangd) > POPULATION_TOLERANCE * k.folkmangd:
                problems.append(Problem(label, None, "befolkning", str(total),
                                        f"Befolkningspunkterna i {k.namn} summerar till {total}, men folkmangd i "
                                        f"program.toml är {k.folkmangd}", WARNING))
    frame.attrs["kalla"] = kalla
    return frame


def source_text(frame) -> str | None:
    """One Swedish sentence on the population's source for the report, or None."""
    kalla = (frame.attrs or {}).get("kalla") if frame is not None else None
    if not kalla:
        return None
    from ...text import decimal

    if kalla.get("format") == "rutor":
        sizes = kalla.get("rutstorlek_m") or []
        size = " och ".join(f"{decimal(s / 1000)} km" if s >= 1000 else f"{s} m" for s in sizes)
        text = f"Befolkningen kommer från rutstatistik ({kalla['fil']}, rutor om {size or 'okänd storlek'}"
    else:
        text = f"Befolkningen kommer från befolkningspunkter ({kalla['fil']}"
    text += f", år {kalla['ar']})" if kalla.get("ar") else ")"
    from ...text import count_text, num

    text += f", {num(kalla['rutor'])} rader."
    if kalla.get("kommun_fran_granser"):
        text += " Varje ruta har fått sin kommun efter kommungränserna."
        if kalla.get("utanfor_rutor"):
            text += (f" Utanför länets kommuner låg {count_text(kalla['utanfor_rutor'], 'ruta', 'rutor')} med "
                     f"{num(kalla['utanfor_befolkning'])} invånare; de är inte med.")
    return text
