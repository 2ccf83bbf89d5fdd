"""Loading a year of a data folder: read, validate, convert, cross-check.

:func:`load_year` is the one entry point. It reports every problem of the
year at once as a :class:`~serviceprogram.errors.DataError`, or returns a
:class:`YearData` with typed tables and the warnings for the report.

The checks that need the year's indicators (the figure references of the
analyst's texts) are not made here but by
:func:`serviceprogram.analysis.checks.load_checked_year`, which every caller
that builds or validates a year uses.
"""
from __future__ import annotations

import copy
import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import WARNING, DataError, Problem, UsageError, sort_problems
from ..paths import PROGRAM_FILE, find_years, project_root, resolve_data_dir  # noqa: F401 (re-exported)
from . import schemas
from .analyst_text import TEXT_FOLDER, read_texts, syntax_problems
from .caps import cap_warnings
from .geo.completeness import completeness_warnings
from .program import Program, load_program
from .reading import WORKBOOK, RawTable, read_csv, read_workbook, sha256_file

__all__ = ["POPULATION_FILE", "POPULATION_TOLERANCE", "LOADED_KEPT", "Source", "YearData", "load_population",
           "load_year"]

POPULATION_FILE = "befolkning.csv"
# Population points may differ from the official population by rounding.
POPULATION_TOLERANCE = 0.005
# Years loaded by this process, by the content of the files they were read from:
# a build kernel runs several notebooks that read the same years. Callers get
# their own copy, so changing one cannot change what another sees.
_LOADED: OrderedDict = OrderedDict()
LOADED_KEPT = 16


@dataclass
class Source:
    """An input file with its checksum (for the provenance appendix)."""

    label: str
    path: Path
    sha256: str


@dataclass
class YearData:
    """One valid follow-up year.

    Attributes
    ----------
    program : Program
    year : int
    data_dir : Path
    tables : dict of str to pandas.DataFrame
        Typed tables by contract name; the index is the Excel row number.
    befolkning : pandas.DataFrame or None
        Population points (lat, lon, x, y, befolkning, kommun), if given.
    warnings : list of Problem
        Warnings to show in the report.
    sources : list of Source
        The files read.
    texts : dict of str to AnalystText
        The analyst's Markdown texts of ``<year>/text/`` by key (see :mod:`serviceprogram.inputs.analyst_text`).
    """

    program: Program
    year: int
    data_dir: Path
    tables: dict[str, pd.DataFrame]
    befolkning: pd.DataFrame | None = None
    warnings: list[Problem] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    texts: dict = field(default_factory=dict)

    def __getattr__(self, name):
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)


def _read_tables(year_dir: Path, year: int, problems: list, sources: list) -> dict[str, RawTable]:
    prefix = f"{year}/"
    workbook = _find_file(year_dir, WORKBOOK)
    sheets = {}
    if workbook is not None and _outside(workbook, year_dir.parent, prefix + workbook.name, problems):
        workbook = None
    if workbook is not None:
        sources.append(Source(prefix + workbook.name, workbook, sha256_file(workbook)))
        sheets = read_workbook(workbook, schemas.YEAR_TABLES, prefix, problems)
    raws = {}
    for table in schemas.YEAR_TABLES:
        csv_path = _find_file(year_dir, f"{table}.csv")
        if csv_path is not None and table in sheets:
            problems.append(Problem(prefix + csv_path.name, None, None, None,
                                    f"Tabellen {table} finns både som CSV-fil och som blad i {WORKBOOK}: "
                                    "ta bort den ena så att det är tydligt vilken som gäller"))
            continue
        if csv_path is not None:
            if _outside(csv_path, year_dir.parent, prefix + csv_path.name, problems):
                continue
            sources.append(Source(prefix + csv_path.name, csv_path, sha256_file(csv_path)))
            raw = read_csv(csv_path, table, prefix + csv_path.name, problems)
            if raw is not None:  # None: not readable as a table, the problem says why
                raws[table] = raw
        elif table in sheets:
            if sheets[table] is not None:
                raws[table] = sheets[table]
        else:
            problems.append(Problem(f"{prefix}{table}.csv", None, None, None,
                                    f"Tabellen {table} saknas: lägg filen {table}.csv i mappen {year}/ "
                                    f"eller ett blad {table} i {WORKBOOK}"))
    return raws


def _outside(path: Path, data_dir: Path, label: str, problems: list) -> bool:
    """True (and a problem) when ``path`` is a link that leads out of the data folder.

    A symbolic link (or a Windows junction on the way) to a file elsewhere is
    refused and never read: its content must not end up in messages or reports.
    """
    try:
        path.resolve().relative_to(Path(data_dir).resolve())
    except ValueError:
        problems.append(Problem(label, None, None, None,
                                "Filen är en länk som pekar utanför datamappen och läses inte: kopiera filen "
                                "in i datamappen i stället"))
        return True
    return False


def _find_file(folder: Path, name: str) -> Path | None:
    """A file in ``folder`` whose name matches ``name`` case-insensitively."""
    exact = folder / name
    if exact.is_file():
        return exact
    for candidate in folder.iterdir():
        if candidate.is_file() and candidate.name.casefold() == name.casefold():
            return candidate
    return None


def _cross_checks(tables: dict[str, pd.DataFrame], raws, program: Program, year: int) -> list[Problem]:
    """Rules that span rows or tables; returns errors and warnings."""
    points = tables.get("serviceplatser")
    problems = _point_references(tables, raws, points, year)
    if points is not None:
        problems += _point_dates(points, raws)
    plans = tables.get("serviceplaner")
    if plans is not None:
        problems += _plan_checks(plans, raws, program, year)
    stod = tables.get("stod")
    if stod is not None:
        problems += _stod_checks(stod, points, raws, year)
    return problems


def _point_references(tables: dict[str, pd.DataFrame], raws, points, year: int) -> list[Problem]:
    """``serviceplats_id`` of support decisions and company visits that is not a service point's id."""
    problems = []
    ids = set(points["id"]) if points is not None else None
    for table in ("stod", "foretagsbesok"):
        frame = tables.get(table)
        if frame is None or ids is None:
            continue
        label = raws[table].label
        for row, value in frame["serviceplats_id"].items():
            if value is not None and value not in ids:
                problems.append(Problem(label, int(row), "serviceplats_id", value,
                                        f"Finns inte som id i serviceplatser för {year}"))
    return problems


def _point_dates(points: pd.DataFrame, raws) -> list[Problem]:
    """A closing date before the opening date; an inauguration date of a point that is not a SOT point."""
    problems = []
    label = raws["serviceplatser"].label
    bad = points["stangd"].notna() & points["oppnad"].notna() & (points["stangd"] < points["oppnad"])
    for row in points.index[bad]:
        problems.append(Problem(label, int(row), "stangd", _raw(raws, "serviceplatser", row, "stangd"),
                                "Stängningsdatum före öppningsdatum"))
    orphan = points["sot_invigd"].notna() & ~points["sot_punkt"]
    for row in points.index[orphan]:
        problems.append(Problem(label, int(row), "sot_invigd", _raw(raws, "serviceplatser", row, "sot_invigd"),
                                "Invigningsdatum för SOT-punkt anges men sot_punkt är inte ja", WARNING))
    return problems


def _plan_checks(plans: pd.DataFrame, raws, program: Program, year: int) -> list[Problem]:
    """One row per municipality of the programme, and decision dates that fit the status and the year."""
    problems = []
    year_end = pd.Timestamp(dt.date(year, 12, 31))
    label = raws["serviceplaner"].label
    twice = plans["kommun"].duplicated(keep="first")
    for row in plans.index[twice]:
        problems.append(Problem(label, int(row), "kommun", _raw(raws, "serviceplaner", row, "kommun"),
                                f"Kommunen {plans.at[row, 'kommun']} står på mer än en rad"))
    for name in program.kommun_names:
        if name not in set(plans["kommun"]):
            problems.append(Problem(label, None, "kommun", name,
                                    "Kommunen saknas: varje kommun i program.toml ska stå på en rad"))
    for status, decided in (("serviceplan", "serviceplan_beslut"), ("handlingsplan", "handlingsplan_beslut")):
        missing = (plans[status] == "Antagen") & plans[decided].isna()
        for row in plans.index[missing]:
            problems.append(Problem(label, int(row), decided, None,
                                    f"Beslutsdatum krävs när {status} är Antagen"))
        late = plans[decided].notna() & (plans[decided] > year_end)
        for row in plans.index[late]:
            problems.append(Problem(label, int(row), decided, _raw(raws, "serviceplaner", row, decided),
                                    f"Beslutsdatum efter uppföljningsårets slut ({year}-12-31)"))
    return problems


def _stod_checks(stod: pd.DataFrame, points, raws, year: int) -> list[Problem]:
    """The support caps, and support decided on or after the day its service point closed."""
    label = raws["stod"].label
    problems = list(cap_warnings(stod, year, label))
    if points is not None and len(points) and len(stod):
        # vectorised: a row loop took seconds for 100 000 decisions
        closing = points.set_index("id")["stangd"]
        closed = pd.to_datetime(stod["serviceplats_id"].map(closing.astype(object)), errors="coerce")
        late = closed.notna() & (closed <= stod["beslutsdatum"])
        for row in stod.index[late]:
            place = stod.at[row, "serviceplats_id"]
            problems.append(Problem(label, int(row), "serviceplats_id", place,
                                    f"Stöd beslutat {stod.at[row, 'beslutsdatum'].date()} till en plats som "
                                    f"stängde {closed[row].date()}", WARNING))
    return problems


def _raw(raws, table, row, column):
    value = raws[table].frame.at[row, column]
    return None if value is None else str(value)


def load_population(data_dir, year: int, program: Program, problems: list, sources: list):
    """The population cells for ``year``, or None (see :mod:`serviceprogram.inputs.geo.population_grid`)."""
    from .geo.population_grid import load_population as load_cells

    return load_cells(data_dir, year, program, problems, sources, Source, read_csv, sha256_file)


def load_year(data_dir, year: int, program: Program | None = None, check=None) -> YearData:
    """Read, validate and convert one follow-up year.

    Parameters
    ----------
    data_dir : str or Path
        The data folder (holding ``program.toml`` and the year folders).
    year : int
        The follow-up year; its folder must exist.
    program : Program, optional
        An already loaded programme, to avoid reading it again.
    check : callable, optional
        ``check(data) -> list of Problem``: checks that need more than the
        input (the analysis side gives them, see
        :func:`serviceprogram.analysis.checks.load_checked_year`). Run on a
        year without errors; their errors raise, their warnings join the
        year's. Given here, not run by the caller, so that the checked year
        is kept (a build's notebooks load the same years) with its checks.

    Returns
    -------
    YearData

    Raises
    ------
    UsageError
        If the year folder does not exist.
    DataError
        If any rule of the data contract (or of ``check``) is broken; lists every problem.
    """
    data_dir = Path(data_dir)
    program = program or load_program(data_dir)
    year_dir = data_dir / str(year)
    if not year_dir.is_dir():
        raise UsageError(f"Året {year} finns inte i datamappen {data_dir} (ingen mapp {year}/).")
    key = (str(data_dir.resolve()), year, _content(data_dir, year_dir, year_dir / TEXT_FOLDER), check)
    if key in _LOADED and _LOADED[key].program == program:
        _LOADED.move_to_end(key)
        return copy.deepcopy(_LOADED[key])
    data = _load_year(data_dir, year, program)
    if check is not None:
        _apply(data, check(data))
    if _content(data_dir, year_dir, year_dir / TEXT_FOLDER) == key[2]:  # not saved while it was read
        _LOADED[key] = data
        while len(_LOADED) > LOADED_KEPT:
            _LOADED.popitem(last=False)
    return copy.deepcopy(data)


def _apply(data: YearData, found: list[Problem]) -> None:
    """Raise for the errors of a caller's checks, or add their warnings to the year's."""
    if any(p.is_error for p in found):
        raise DataError(data.warnings + found)
    if found:
        data.warnings = sort_problems(data.warnings + found)


def _content(*folders: Path) -> tuple:
    """Name and SHA-256 of every file directly in the folders (what a year is read from)."""
    data_dir = folders[0].resolve()
    return tuple((path.parent.name, path.name, sha256_file(path) if _within(path, data_dir) else "utanför")
                 for folder in folders if folder.is_dir() for path in sorted(folder.iterdir()) if path.is_file())


def _within(path: Path, data_dir: Path) -> bool:
    """True unless ``path`` is a link out of the data folder (never read, not even to hash it)."""
    try:
        path.resolve().relative_to(data_dir)
    except ValueError:
        return False
    return True


def _load_year(data_dir: Path, year: int, program: Program) -> YearData:
    year_dir = data_dir / str(year)
    problems: list[Problem] = []
    sources = [Source(PROGRAM_FILE, data_dir / PROGRAM_FILE, sha256_file(data_dir / PROGRAM_FILE))]
    raws = _read_tables(year_dir, year, problems, sources)
    tables = {}
    for name, raw in raws.items():
        found = schemas.validate(raw, schemas.TABLES[name], program, year)
        problems += found
        if not found and not raw.masked:  # masked cells were reported while reading
            tables[name] = schemas.convert(raw.frame, schemas.TABLES[name], program)
    problems += _cross_checks(tables, raws, program, year)
    population = load_population(data_dir, year, program, problems, sources)
    points_raw = raws.get("serviceplatser")
    problems += completeness_warnings(data_dir, year, program, tables, population,
                                      points_raw.label if points_raw is not None else None)
    texts = read_texts(data_dir, year, program, problems, sources, Source)
    problems += syntax_problems(texts)
    if any(p.is_error for p in problems):
        raise DataError(problems)
    return YearData(program, year, data_dir, tables, population,
                    [p for p in sort_problems(problems) if not p.is_error], sources, texts)
