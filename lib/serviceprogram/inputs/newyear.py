"""Starting a new follow-up year from the previous one.

:func:`new_year` creates ``<data_dir>/<year>/`` with the five contract tables,
carried over from ``<year - 1>/`` in the same form as that year: a workbook
``uppfoljning.xlsx`` (with drop-down lists and help sheet, see
:func:`serviceprogram.inputs.template.build_template`) when the previous year was one,
else CSV files:

- insatser: the activities that were neither ``Genomförd`` nor ``Inställd``,
  with status ``Ej påbörjad``, a new id, no outcome and a comment naming the
  old id;
- serviceplatser: every row unchanged (closed places stay, with their date);
- serviceplaner: every row with its status and decision dates;
- stod and foretagsbesok: the header row only.

:func:`describe` summarises the result in Swedish for the command line.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import DataError, UsageError
from ..paths import check_year
from . import schemas
from .loading import load_year, resolve_data_dir
from .reading import WORKBOOK

# Activities with these statuses are finished and stay in their year.
FINISHED = ("Genomförd", "Inställd")
CARRIED_STATUS = "Ej påbörjad"
EMPTIED = ("utfall",)
_YEAR_PREFIX = re.compile(r"^\d{4}[-_/ .](?=\S)|^\d{4}(?=[^\W\d_])")


@dataclass
class CarriedActivity:
    """One activity carried into the new year."""

    old_id: str
    new_id: str
    old_status: str
    insats: str


@dataclass
class NewYearResult:
    """What :func:`new_year` wrote.

    Attributes
    ----------
    year : int
        The new year.
    previous_year : int
        The year it was started from.
    folder : Path
        The new year folder.
    activities : list of CarriedActivity
        Activities carried over, in the previous year's order.
    activities_not_carried : list of tuple of (str, str)
        ``(id, status)`` of the finished or cancelled activities left behind.
    points_open : list of str
        Ids of carried service points without a closing date.
    points_closed : list of str
        Ids of carried service points with a closing date (``stangd``).
    plans : list of str
        Municipalities whose service plan rows were carried.
    files : list of Path
        The files written: the five CSV files, or the workbook.
    workbook : bool
        True when the new year is a workbook (``uppfoljning.xlsx``), because
        the previous year was one; else CSV files, as the previous year.
    """

    year: int
    previous_year: int
    folder: Path
    activities: list[CarriedActivity] = field(default_factory=list)
    activities_not_carried: list[tuple[str, str]] = field(default_factory=list)
    points_open: list[str] = field(default_factory=list)
    points_closed: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    workbook: bool = False

    @property
    def n_activities(self) -> int:
        """Number of activities carried over."""
        return len(self.activities)

    @property
    def n_points(self) -> int:
        """Number of service points carried over (open and closed)."""
        return len(self.points_open) + len(self.points_closed)

    @property
    def n_plans(self) -> int:
        """Number of service plan rows carried over."""
        return len(self.plans)


def _missing(value) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _number_text(value) -> str:
    number = float(value)
    if number.is_integer():
        return str(int(number))
    text = repr(number)
    if "e" in text or "E" in text:
        text = f"{number:.15f}".rstrip("0").rstrip(".")
    return text


def csv_value(value, kind: str | None) -> str:
    """One typed value as the contract's CSV text.

    Parameters
    ----------
    value : object
        A value of a typed table (see :func:`serviceprogram.inputs.schemas.convert`).
    kind : str or None
        The contract field kind, or None for a column outside the contract.

    Returns
    -------
    str
        ISO dates, ``ja``/``nej``, whole numbers without decimals, ``.`` as
        decimal point; an empty string for a missing value.
    """
    if kind == "bool":
        return "ja" if (not _missing(value) and bool(value)) else "nej"
    if _missing(value):
        return ""
    if kind == "date":
        return pd.Timestamp(value).date().isoformat()
    if kind in ("number", "amount", "count", "lat", "lon"):
        return _number_text(value)
    if hasattr(value, "isoformat") and kind is None:
        return value.isoformat()
    return str(value)


def _write_csv(path: Path, frame: pd.DataFrame, fields) -> None:
    kinds = {f.name: f.kind for f in fields}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(frame.columns))
    for record in frame.itertuples(index=False):
        writer.writerow([csv_value(v, kinds.get(c)) for c, v in zip(frame.columns, record)])
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def _new_id(old_id: str, year: int, taken: set[str]) -> str:
    """``<year>-<old id without its year prefix>``, made unique."""
    rest = _YEAR_PREFIX.sub("", old_id) or old_id
    base = f"{year}-{rest}"
    candidate, number = base, 2
    while candidate.casefold() in taken:
        candidate = f"{base}-{number}"
        number += 1
    taken.add(candidate.casefold())
    return candidate


def _carry_activities(frame: pd.DataFrame, year: int):
    keep = ~frame["status"].isin(FINISHED)
    left = [(str(i), str(s)) for i, s in zip(frame.loc[~keep, "id"], frame.loc[~keep, "status"])]
    carried = frame.loc[keep].copy()
    taken: set[str] = set()
    records = []
    new_ids, comments = [], []
    for old_id, status, title in zip(carried["id"], carried["status"], carried["insats"]):
        new_id = _new_id(str(old_id), year, taken)
        new_ids.append(new_id)
        comments.append(f"Överförd från {old_id} ({status})")
        records.append(CarriedActivity(str(old_id), new_id, str(status), str(title)))
    carried["id"] = new_ids
    carried["status"] = CARRIED_STATUS
    carried["kommentar"] = comments
    for column in EMPTIED:
        carried[column] = float("nan")
    return carried, records, left


def _check_folders(data_dir: Path, year: int) -> None:
    target = data_dir / str(year)
    if target.exists():
        raise UsageError(f"Året {year} finns redan i datamappen {data_dir} (mappen {year}/). "
                         "new-year skapar bara en ny, tom årsmapp och skriver aldrig över något.")
    if not (data_dir / str(year - 1)).is_dir():
        raise UsageError(f"Föregående år {year - 1} finns inte i datamappen {data_dir} (ingen mapp "
                         f"{year - 1}/). Ett nytt år startas från föregående års filer.")


def _uses_workbook(year_dir: Path) -> bool:
    """True when a year keeps its tables in ``uppfoljning.xlsx`` rather than CSV files."""
    names = {p.name.casefold() for p in year_dir.iterdir() if p.is_file()}
    csvs = {f"{t}.csv" for t in schemas.TABLES} & names
    return WORKBOOK.casefold() in names and len(csvs) < len(schemas.TABLES)


def new_year(data_dir, year: int, load=load_year) -> NewYearResult:
    """Start follow-up year ``year`` from year ``year - 1``.

    The previous year must load without errors. The new folder is written
    under a temporary name and renamed into place when complete, then
    loaded once more as a check.

    Parameters
    ----------
    data_dir : str or Path or None
        The data folder (with ``program.toml``); None means the default, as in
        :func:`serviceprogram.inputs.loading.resolve_data_dir`.
    year : int
        The new year; ``<data_dir>/<year>/`` must not exist and
        ``<data_dir>/<year - 1>/`` must.
    load : callable, default :func:`~serviceprogram.inputs.loading.load_year`
        Loads a year (``load(data_dir, year, program=None)``); the command line
        passes :func:`serviceprogram.analysis.checks.load_checked_year`, so that
        the previous year's texts are checked too.

    Returns
    -------
    NewYearResult

    Raises
    ------
    UsageError
        If the year is not a four-digit year, the new year folder exists
        (with or without content) or the previous year folder does not.
    DataError
        If the previous year has errors (every problem is listed), or if the
        new folder unexpectedly fails validation (it is then removed again).
    """
    check_year(year, first=1001)  # the previous year has four digits too
    data_dir = resolve_data_dir(data_dir)
    _check_folders(data_dir, year)
    previous = year - 1
    source = load(data_dir, previous)  # DataError if the previous year is invalid
    target = data_dir / str(year)
    result = NewYearResult(year, previous, target)
    frames = _new_tables(source.tables, year, result)
    result.workbook = _uses_workbook(data_dir / str(previous))
    _write_year(data_dir, year, source.program, frames, result.workbook)
    result.files = ([target / WORKBOOK] if result.workbook
                    else [target / f"{name}.csv" for name in schemas.TABLES])

    try:
        load(data_dir, year, source.program)
    except DataError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return result


def _new_tables(tables: dict, year: int, result: NewYearResult) -> dict:
    """The new year's tables from the previous year's; what was carried goes into ``result``."""
    activities, result.activities, result.activities_not_carried = _carry_activities(
        tables["insatser"], year)
    points = tables["serviceplatser"]
    closed = points["stangd"].notna()
    result.points_open = [str(i) for i in points.loc[~closed, "id"]]
    result.points_closed = [str(i) for i in points.loc[closed, "id"]]
    plans = tables["serviceplaner"]
    result.plans = [str(k) for k in plans["kommun"]]
    return {
        "insatser": activities,
        "stod": tables["stod"].iloc[0:0],
        "foretagsbesok": tables["foretagsbesok"].iloc[0:0],
        "serviceplatser": points,
        "serviceplaner": plans,
    }


def _write_year(data_dir: Path, year: int, program, frames: dict, workbook: bool) -> None:
    """Write the new year folder under a temporary name and rename it into place when complete."""
    target = data_dir / str(year)
    staging = data_dir / f".{year}-ny-{secrets.token_hex(4)}"
    staging.mkdir()  # not tempfile.mkdtemp: that folder would be private (0700)
    try:
        if workbook:
            from ..xlsx import save_workbook
            from .template import build_template

            save_workbook(build_template(program, year, data_dir, frames), staging / WORKBOOK)
        else:
            for name, fields in schemas.TABLES.items():
                _write_csv(staging / f"{name}.csv", frames[name], fields)
        _check_folders(data_dir, year)  # nobody created it meanwhile
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _id_list(ids, limit: int = 20) -> str:
    ids = list(ids)
    text = ", ".join(ids[:limit])
    if len(ids) > limit:
        text += f" med flera ({len(ids) - limit} till)"
    return text


def describe(result: NewYearResult) -> str:
    """A Swedish summary of a new year, for the command line.

    Parameters
    ----------
    result : NewYearResult

    Returns
    -------
    str
        Several lines of text.
    """
    y, p = result.year, result.previous_year
    lines = [f"Året {y} har skapats i {result.folder} utifrån {p}."]
    total = result.n_activities + len(result.activities_not_carried)
    if result.activities:
        pairs = [f"{a.old_id} → {a.new_id}" for a in result.activities]
        lines.append(f"Insatser: {result.n_activities} av {total} fördes över med status {CARRIED_STATUS} "
                     f"och tomt utfall: {_id_list(pairs)}.")
    else:
        lines.append(f"Insatser: ingen av {total} fördes över (alla var genomförda eller inställda).")
    if result.activities_not_carried:
        lines.append(f"  {len(result.activities_not_carried)} genomförda eller inställda insatser "
                     f"stannar i {p}.")
    lines.append(f"Serviceplatser: {result.n_points} fördes över oförändrade "
                 f"({len(result.points_open)} {'öppen' if len(result.points_open) == 1 else 'öppna'}, "
                 f"{len(result.points_closed)} {'stängd' if len(result.points_closed) == 1 else 'stängda'} "
                 "med stängningsdatum).")
    lines.append(f"Serviceplaner: {result.n_plans} {'kommun' if result.n_plans == 1 else 'kommuner'} "
                 f"fördes över med status och beslutsdatum från {p}.")
    if result.workbook:
        lines.append(f"Året är en arbetsbok som {p}: {y}/{WORKBOOK}, med rullistor och hjälpblad. "
                     "Bladen stod och foretagsbesok börjar tomma, med bara rubrikraden.")
        lines.append("Nästa steg: lägg in årets nya insatser på bladet insatser och uppdatera serviceplatser "
                     "och serviceplaner när något ändras under året.")
    else:
        lines.append("Stöd (stod.csv) och företagsbesök (foretagsbesok.csv) börjar tomma, med bara rubrikraden.")
        lines.append(f"Nästa steg: lägg in årets nya insatser i {y}/insatser.csv och uppdatera serviceplatser "
                     "och serviceplaner när något ändras under året.")
    return "\n".join(lines)


__all__ = ["CarriedActivity", "NewYearResult", "csv_value", "describe", "new_year"]
