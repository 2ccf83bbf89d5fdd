"""A year's computed results, saved once by the report notebook and read by everything after it.

The follow-up notebook (``notebooks/uppfoljning.ipynb``) computes the year's
indicators, access analysis (distances, bands, people over the limit, shop
importance, road figures), the särskilt driftstöd check and the data warnings,
and :func:`save` writes them into ``<year folder>/resultat/``. The indicator
file, the workbook, the memo (:func:`serviceprogram.build.engine.exports_part`), the
what-if page and the programme overview :func:`load` them instead of computing
them again. Layout (documented for the analyst in ``docs/resultat.md``):

- ``manifest.json``: the schema version, the year, the distance limit, the
  SHA-256 of the year's inputs and, per table, its file, number of rows and
  the type of every column and index level (validated with pydantic on load);
- one JSON file per table: ``{"falt": [names], "rader": [[values], ...]}``
  with the index levels first. Numbers are written exactly (shortest
  round-trip form), missing values as ``null``, infinite distances as
  ``"Infinity"``, dates as ISO 8601 text.
- both described as JSON Schema (draft 2020-12) in ``resources/resultat/``
  (:func:`json_schemas`; written by ``scripts/write_result_schemas.py``).

A table read back has the same values, types, index and column order as the
one saved (``tests/test_results.py``), so what is made from it is the same.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import Problem, ServiceprogramError
from .files import write_atomically

__all__ = ["FOLDER", "MANIFEST", "SCHEMA_VERSION", "SCHEMA_FILES", "ResultsError", "YearResults", "from_report",
           "load", "save", "attach", "find", "inputs_digest", "json_schemas", "shipped_schema"]

FOLDER = "resultat"
MANIFEST = "manifest.json"
SCHEMA_VERSION = 1

# The indicator tables of serviceprogram.analysis.indicators.YearIndicators, saved under their own names.
INDICATOR_TABLES = ("stod_per_form", "stod_per_kommun", "stod_matris", "besok_per_form", "besok_per_kommun",
                    "insatser_per_status", "insatser_per_omrade", "maluppfyllelse", "sot_invigda",
                    "serviceplatser", "oppnade_stangda", "planer_per_status", "planer_beslutade", "finansiering")
# The access analysis (serviceprogram.publishing.report.AccessFigures): attribute -> table name.
ACCESS_TABLES = {"dist": "avstand", "bands": "avstandsband", "over": "over_grans",
                 "indicators": "indikatorer_tillganglighet", "importance": "butikers_betydelse"}
# The road figures (serviceprogram.analysis.roads.figures.RoadFigures), when the data folder has a network.
ROAD_TABLES = ("vag_jamforelse", "vag_km", "vag_restid_min", "vag_anslutning_m")
WARNING_COLUMNS = ("fil", "rad", "kolumn", "varde", "regel", "allvarlighet")


# The JSON Schemas (draft 2020-12) of the files, shipped in resources/resultat/ for other programs
# (docs/resultat.md); tests/test_results.py checks that they match json_schemas() and the saved files.
SCHEMA_FILES = {"manifest": "manifest.schema.json", "tabell": "tabell.schema.json"}
_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_VALUE = {"type": ["number", "string", "boolean", "null"]}
_TABLE_SCHEMA = {
    "title": "En tabell i resultatmappen",
    "description": "Kolumnernas namn i ordning (indexnivåerna först) och en lista med värden per rad. "
                   "Saknade värden är null, oändliga avstånd texten \"Infinity\", datum ISO 8601-text; "
                   "typerna står i manifest.json.",
    "type": "object",
    "properties": {"falt": {"type": "array", "items": {"type": ["string", "null"]}},
                   "rader": {"type": "array", "items": {"type": "array", "items": _VALUE}}},
    "required": ["falt", "rader"],
    "additionalProperties": False,
}


class ResultsError(ServiceprogramError):
    """Saved results that cannot be read (missing, damaged, another schema version)."""


# The descriptions are in Swedish: they are what json_schemas() shows other programs' users.
_CONFIG = ConfigDict(extra="forbid", field_title_generator=lambda name, _: name)


class _Column(BaseModel):
    model_config = _CONFIG
    name: str | None = Field(description="Kolumnens eller indexnivåns namn (null: utan namn)")
    dtype: str = Field(description="Typen i pandas, t.ex. int64, float64, str, bool eller datetime64[us]")


class _Table(BaseModel):
    model_config = _CONFIG
    file: str = Field(description="Filen med tabellens rader, i samma mapp")
    rows: int = Field(ge=0, description="Antal rader")
    index: list[_Column] = Field(description="Indexnivåerna, som står först i filens fält (tom: löpnummer)")
    columns: list[_Column] = Field(description="Kolumnerna i ordning, efter indexnivåerna")
    columns_name: str | None = Field(None, description="Namnet på kolumnrubrikernas nivå, om den har ett")
    columns_dtype: str = Field("object", description="Typen i pandas för kolumnrubrikerna")


class _Manifest(BaseModel):
    model_config = _CONFIG
    schema_version: int = Field(description="Formatets version", json_schema_extra={"const": SCHEMA_VERSION})
    year: int = Field(description="Uppföljningsåret")
    limit_km: float = Field(description="Avståndsgränsen i km som analysen använder")
    indata_sha256: str = Field(description="Kontrollsumma över alla indatafiler som bygget läste")
    stod_varningar: int = Field(ge=0, description="Antal varningar i årets stödbeslut")
    has_access: bool = Field(description="Om tillgänglighetsanalysen finns (kräver befolkningspunkter)")
    has_roads: bool = Field(description="Om vägavstånden finns (kräver ett vägnät i vagnat/)")
    max_anslutning_m: float | None = Field(None, description="Största avståndet i meter till vägnätet som räknas")
    tables: dict[str, _Table] = Field(description="Tabellerna, efter namn")


@dataclass
class YearResults:
    """Everything the report notebook computed for one year (see the module)."""

    year: int
    limit_km: float
    inputs_sha256: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    stod_varningar: int = 0
    has_access: bool = False
    has_roads: bool = False
    max_snap_m: float | None = None

    def indicators(self):
        """The :class:`serviceprogram.analysis.indicators.YearIndicators` of the year, access rows included."""
        from .analysis.indicators import YearIndicators

        extra = [self.tables["indikatorer_tillganglighet"]] if self.has_access else []
        return YearIndicators(year=self.year, **{name: self.tables[name] for name in INDICATOR_TABLES},
                              varningar=self.stod_varningar, extra=extra)

    def access(self, data_dir):
        """The :class:`serviceprogram.publishing.report.AccessFigures` of the year, or None without population.

        ``data_dir``: the data folder, for the road network's settings (not searched again).
        """
        if not self.has_access:
            return None
        from .publishing.report import AccessFigures

        roads = None
        if self.has_roads:
            from .analysis.roads.distances import RoadResult
            from .analysis.roads.figures import RoadFigures
            from .analysis.roads.settings import load_settings

            result = RoadResult(self.tables["vag_km"], self.tables["vag_restid_min"],
                                self.tables["vag_anslutning_m"]["anslutning_m"], self.max_snap_m)
            roads = RoadFigures(result, self.tables["vag_jamforelse"], load_settings(Path(data_dir)))
        return AccessFigures(**{attr: self.tables[name] for attr, name in ACCESS_TABLES.items()},
                             driftstod=self.tables["driftstod"], roads=roads)

    @property
    def driftstod(self) -> pd.DataFrame:
        """The särskilt driftstöd check (computed with or without population)."""
        return self.tables["driftstod"]

    @property
    def warnings(self) -> list[Problem]:
        """The data warnings of the year, as the loader found them."""
        table = self.tables["varningar"]
        return [Problem(r.fil, None if pd.isna(r.rad) else int(r.rad), r.kolumn, r.varde, r.regel, r.allvarlighet)
                for r in table.itertuples()]

    def long(self) -> pd.DataFrame:
        """The long indicator table (the rows of ``indikatorer-<year>.csv``)."""
        return self.tables["indikatorer"]


# -- building the results from a computed report ------------------------------------------------
def _warnings_table(warnings) -> pd.DataFrame:
    rows = [(w.file, w.row, w.column, w.value, w.rule, w.severity) for w in warnings]
    table = pd.DataFrame(rows, columns=list(WARNING_COLUMNS))
    table["rad"] = table["rad"].astype("Int64")
    for column in ("fil", "kolumn", "varde", "regel", "allvarlighet"):
        table[column] = table[column].astype(object).where(table[column].notna(), None)
        table[column] = [None if v is None else str(v) for v in table[column]]
        table[column] = table[column].astype(object)
    return table


def inputs_digest(data_dir, year: int) -> str:
    """SHA-256 over the SHA-256 of every input file of the year (see :func:`serviceprogram.build.cache.inputs`)."""
    from .build.cache import manifest

    listing = manifest(Path(data_dir), year)["inputs"]
    return hashlib.sha256(json.dumps(listing, sort_keys=True).encode("utf-8")).hexdigest()


def from_report(report) -> YearResults:
    """The results of a valid :class:`serviceprogram.publishing.report.Report` (computed now if not yet)."""
    from .publishing.report import LIMIT_KM

    indicators = report.indicators
    tables = {name: getattr(indicators, name) for name in INDICATOR_TABLES}
    figures = report.access
    roads = figures.roads if figures is not None else None
    if figures is not None:
        tables.update({name: getattr(figures, attr) for attr, name in ACCESS_TABLES.items()})
    if roads is not None:
        tables.update({"vag_jamforelse": roads.table, "vag_km": roads.result.km, "vag_restid_min": roads.result.min,
                       "vag_anslutning_m": roads.result.snap_m.to_frame("anslutning_m")})
    tables["driftstod"] = report.driftstod
    tables["varningar"] = _warnings_table(report.data.warnings)
    tables["indikatorer"] = report.long
    return YearResults(report.year, float(LIMIT_KM), inputs_digest(report.data_dir, report.year), tables,
                       stod_varningar=indicators.varningar, has_access=figures is not None,
                       has_roads=roads is not None, max_snap_m=roads.result.max_snap_m if roads is not None else None)


def attach(report, results: YearResults) -> None:
    """Let ``report`` show saved results instead of computing them (its indicators, access, driftstöd).

    Raises
    ------
    ResultsError
        If the results are of another year.
    """
    if results.year != report.year:
        raise ResultsError(f"Resultaten gäller {results.year}, inte {report.year}.")
    report.use_results(indicators=results.indicators(), access=results.access(report.data_dir),
                       driftstod=results.driftstod, long=results.long())


# -- writing and reading -------------------------------------------------------------------------
def _encode(value, kind: str):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind == "f":
        value = float(value)
        return value if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    if kind in "iu":
        return int(value)
    if kind == "b":
        return bool(value)
    if kind == "M":
        return pd.Timestamp(value).isoformat()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _encode(value, "f")
    if isinstance(value, pd.Timestamp):
        raise ResultsError("a date in a text column cannot be saved with its type")
    return str(value)


def _decode(values: list, dtype: str) -> pd.Series:
    kind = pd.api.types.pandas_dtype(dtype).kind
    if kind == "f":
        values = [math.nan if v is None else float(v) for v in values]
    elif kind == "M":
        return pd.Series(pd.to_datetime(values), dtype=dtype)
    return pd.Series(values, dtype=dtype)


def _default_index(index: pd.Index) -> bool:
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and index.name is None


def _write_table(folder: Path, name: str, frame: pd.DataFrame) -> _Table:
    if any(not isinstance(c, str) for c in frame.columns) or frame.columns.duplicated().any():
        raise ResultsError(f"table {name}: column names must be unique text")
    flat = frame if _default_index(frame.index) else frame.reset_index()
    index_levels = [] if _default_index(frame.index) else list(frame.index.names)
    index_columns = [_Column(name=n, dtype=str(frame.index.get_level_values(i).dtype))
                     for i, n in enumerate(index_levels)]
    columns = [_Column(name=c, dtype=str(frame[c].dtype)) for c in frame.columns]
    kinds = [t.dtype for t in index_columns + columns]
    kinds = [pd.api.types.pandas_dtype(d).kind for d in kinds]
    rows = [[_encode(v, k) for v, k in zip(row, kinds)] for row in flat.itertuples(index=False, name=None)]
    names = [*(n for n in index_levels), *frame.columns]
    text = json.dumps({"falt": names, "rader": rows}, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    write_atomically(folder / f"{name}.json", text + "\n")
    return _Table(file=f"{name}.json", rows=len(frame), index=index_columns, columns=columns,
                  columns_name=frame.columns.name, columns_dtype=str(frame.columns.dtype))


def _read_table(folder: Path, entry: _Table) -> pd.DataFrame:
    raw = json.loads((folder / entry.file).read_text(encoding="utf-8"))
    fields = entry.index + entry.columns
    if len(raw.get("falt", [])) != len(fields) or len(raw.get("rader", [])) != entry.rows:
        raise ResultsError(f"{entry.file} stämmer inte med {MANIFEST}")
    by_column = list(zip(*raw["rader"])) if raw["rader"] else [() for _ in fields]
    series = [_decode(list(values), f.dtype) for values, f in zip(by_column, fields)]
    frame = pd.DataFrame({i: s for i, s in enumerate(series[len(entry.index):])})
    frame.columns = pd.Index([c.name for c in entry.columns], dtype=entry.columns_dtype, name=entry.columns_name)
    if entry.index:
        arrays = [pd.Index(s, name=f.name, dtype=f.dtype) for s, f in zip(series, entry.index)]
        frame.index = arrays[0] if len(arrays) == 1 else pd.MultiIndex.from_arrays(arrays)
    return frame


def save(results_or_report, folder) -> Path:
    """Write a year's results into ``folder`` (made if missing); returns the folder.

    ``results_or_report``: a :class:`YearResults` or a valid Report (see :func:`from_report`).
    Each file is written beside its final name and renamed into place; the
    manifest comes last, so a folder with a manifest is complete.
    """
    results = results_or_report if isinstance(results_or_report, YearResults) else from_report(results_or_report)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)
    tables = {name: _write_table(folder, name, frame) for name, frame in results.tables.items()}
    manifest = _Manifest(schema_version=SCHEMA_VERSION, year=results.year, limit_km=results.limit_km,
                         indata_sha256=results.inputs_sha256, stod_varningar=results.stod_varningar,
                         has_access=results.has_access, has_roads=results.has_roads,
                         max_anslutning_m=results.max_snap_m, tables=tables)
    write_atomically(folder / MANIFEST, manifest.model_dump_json(indent=1) + "\n")
    return folder


def load(folder, year: int | None = None, data_dir=None) -> YearResults:
    """Read the results saved by :func:`save`.

    Parameters
    ----------
    folder : str or Path
        The ``resultat`` folder.
    year : int, optional
        The year expected.
    data_dir : str or Path, optional
        When given, the results must have been computed from the data as it is now.

    Raises
    ------
    ResultsError
        If the folder has no complete results, of this schema version, year and data.
    """
    folder = Path(folder)
    try:
        manifest = _Manifest.model_validate_json((folder / MANIFEST).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResultsError(f"Resultatmappen {folder} saknar {MANIFEST}") from exc
    except ValidationError as exc:
        raise ResultsError(f"{folder / MANIFEST} kan inte läsas: {exc.errors()[0]['msg']}") from exc
    if manifest.schema_version != SCHEMA_VERSION:
        raise ResultsError(f"{folder / MANIFEST} har schemaversion {manifest.schema_version}, "
                           f"verktyget läser version {SCHEMA_VERSION}")
    if year is not None and manifest.year != int(year):
        raise ResultsError(f"{folder} har resultaten för {manifest.year}, inte för {year}")
    if data_dir is not None and manifest.indata_sha256 != inputs_digest(data_dir, manifest.year):
        raise ResultsError(f"{folder} beräknades från andra indata än de som finns nu")
    try:
        tables = {name: _read_table(folder, entry) for name, entry in manifest.tables.items()}
    except (OSError, ValueError, TypeError) as exc:
        raise ResultsError(f"{folder} kan inte läsas: {exc}") from exc
    return YearResults(manifest.year, manifest.limit_km, manifest.indata_sha256, tables,
                       stod_varningar=manifest.stod_varningar, has_access=manifest.has_access,
                       has_roads=manifest.has_roads, max_snap_m=manifest.max_anslutning_m)


def json_schemas() -> dict[str, dict]:
    """The JSON Schemas of ``manifest.json`` (from the pydantic model that reads it) and of a table file."""
    manifest = {**_Manifest.model_json_schema(), "title": "Resultatmappens manifest.json",
                "description": "Förteckning över årets tabeller med antal rader och varje kolumns typ."}
    return {"manifest": {"$schema": _DIALECT, **manifest}, "tabell": {"$schema": _DIALECT, **_TABLE_SCHEMA}}


def shipped_schema(name: str) -> dict:
    """A schema as shipped in ``resources/resultat/`` (``name``: a key of :data:`SCHEMA_FILES`)."""
    from importlib import resources

    text = resources.files("serviceprogram").joinpath("resources", FOLDER, SCHEMA_FILES[name]).read_text("utf-8")
    return json.loads(text)


def find(folder) -> YearResults | None:
    """The results in ``folder`` when it has complete ones, else None (the caller computes them)."""
    if folder is None or not (Path(folder) / MANIFEST).is_file():
        return None
    return load(folder)

