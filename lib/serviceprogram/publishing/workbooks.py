"""The workbooks the build publishes: the problem list and the indicator export.

- :func:`write_problems_workbook`: the validation result, to send back to
  whoever supplied the data;
- :func:`write_indicator_workbook`: the annual export of the indicator tables
  (with the year's warnings and the särskilt driftstöd check).

Cells and saving: :mod:`serviceprogram.xlsx`.
"""
from __future__ import annotations

import datetime as dt
import numbers
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..errors import sort_problems
from ..ids import COUNTY, TOTAL
from ..inputs import schemas
from ..inputs.program import Program
from ..xlsx import (
    BOLD,
    ERROR_FILL,
    FMT_DATE,
    FMT_DEC,
    FMT_INT,
    FMT_PCT,
    HEADING,
    OPTIONAL_FILL,
    TOP,
    WARNING_FILL,
    WRAP,
    display_length,
    is_blank,
    landscape,
    save_workbook,
    set_widths,
    write_value,
)
from .report_base import phrase

__all__ = ["PROBLEMS_SHEET", "PROBLEM_COLUMNS", "INDICATOR_SHEETS", "LIST_SHEETS", "write_problems_workbook",
           "build_indicator_workbook", "write_indicator_workbook"]

PROBLEMS_SHEET = "Fel och varningar"

# --- The problem list ----------------------------------------------------------------------------

PROBLEM_COLUMNS = ("Typ", "Fil", "Rad", "Kolumn", "Värde", "Regel")


def write_problems_workbook(problems, path) -> Path:
    """Write validation problems as a workbook to send back to the data supplier.

    One sheet, ``Fel och varningar``, with the columns Typ (Fel/Varning),
    Fil, Rad, Kolumn, Värde and Regel; errors first, then by file, row and
    column (as :func:`serviceprogram.errors.sort_problems`). Duplicates are
    dropped. An empty list gives the header row only.

    Parameters
    ----------
    problems : iterable of Problem
    path : str or Path
        The workbook to write (overwritten if it exists).

    Returns
    -------
    Path
        The written workbook.

    Raises
    ------
    UsageError
        If the file cannot be written.
    """
    problems = list(problems)
    book = Workbook()
    ws = book.active
    ws.title = PROBLEMS_SHEET
    for column, title in enumerate(PROBLEM_COLUMNS, start=1):
        cell = write_value(ws.cell(1, column), title)
        cell.font = BOLD
        cell.fill = OPTIONAL_FILL
    row = 1
    for problem in sort_problems(problems):
        row += 1
        kind = "Fel" if problem.is_error else "Varning"
        values = (kind, problem.file, problem.row, problem.column, problem.value, problem.rule)
        for column, value in enumerate(values, start=1):
            cell = write_value(ws.cell(row, column), value)
            cell.alignment = WRAP if column in (5, 6) else TOP
        ws.cell(row, 1).fill = ERROR_FILL if problem.is_error else WARNING_FILL
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:F{max(row, 1)}"
    file_width = max([len(p.file) for p in problems] + [10]) + 2
    set_widths(ws, {1: 10, 2: min(file_width, 50), 3: 7, 4: 22, 5: 30, 6: 80})
    landscape(ws)
    return save_workbook(book, path)


# --- The indicator export ------------------------------------------------------------------------


class _SheetWriter:
    """Writes titled tables one below the other and sizes the columns."""

    def __init__(self, ws):
        self.ws = ws
        self.row = 1
        self.widths: dict[int, int] = {}

    def heading(self, text: str) -> None:
        write_value(self.ws.cell(self.row, 1), text).font = HEADING
        self.row += 2

    def table(self, title: str, frame: pd.DataFrame, headers: dict, formats: dict | None = None,
              bold_first: tuple[str, ...] = (), empty: str | None = None) -> int:
        """Write ``title``, a header row and the rows of ``frame`` (or ``empty``); return the header row."""
        formats = formats or {}
        empty = phrase("workbook", "no_rows") if empty is None else empty
        write_value(self.ws.cell(self.row, 1), title).font = BOLD
        self.row += 1
        header_row = self.row
        columns = list(frame.columns)
        for number, column in enumerate(columns, start=1):
            cell = write_value(self.ws.cell(self.row, number), headers.get(column, str(column)))
            cell.font = BOLD
            cell.fill = OPTIONAL_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
            self._track(number, cell.value, None, header=True)
        self.row += 1
        if frame.empty:
            write_value(self.ws.cell(self.row, 1), empty).font = Font(italic=True)
            self.row += 1
        for record in frame.itertuples(index=False):
            total = str(record[0]) in bold_first
            for number, (column, value) in enumerate(zip(columns, record), start=1):
                fmt = _resolve_format(formats.get(column, "auto"), value)
                cell = write_value(self.ws.cell(self.row, number), value, fmt)
                if total:
                    cell.font = BOLD
                self._track(number, cell.value, cell.number_format)
            self.row += 1
        self.row += 1
        return header_row

    def _track(self, column: int, value, number_format, header: bool = False) -> None:
        length = display_length(value, number_format)
        if header:
            length = min(length, 24)  # long headers wrap instead
        self.widths[column] = max(self.widths.get(column, 8), length + 2)

    def finish(self, freeze: str = "A2") -> None:
        set_widths(self.ws, {c: min(w, 60) for c, w in self.widths.items()})
        self.ws.freeze_panes = freeze
        landscape(self.ws)


def _resolve_format(kind: str, value) -> str | None:
    if kind == "text":
        return None
    if kind == "int":
        return FMT_INT
    if kind == "dec":
        return FMT_DEC
    if kind == "pct":
        return FMT_PCT
    if kind == "date":
        return FMT_DATE
    # auto: by value
    if isinstance(value, (dt.date, dt.datetime)):
        return FMT_DATE
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and not is_blank(value):
        return FMT_INT if float(value).is_integer() else FMT_DEC
    return None


def _yes_no(series: pd.Series) -> list[str]:
    return ["Ja" if bool(v) else "Nej" for v in series]


def _with_index(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its index as the first column (pandas 3 safe)."""
    out = frame.reset_index()
    out.columns = [str(c) for c in out.columns]
    return out


INDICATOR_SHEETS = ("Stöd", "Företagsbesök", "Insatser", "Serviceplatser", "Serviceplaner", "Indikatorer")
# Sheets with every row of the report's lists, which the HTML and PDF cut after
# serviceprogram.publishing.report.MAX_TABLE_ROWS rows (same names as report.WARNINGS_SHEET, DRIFTSTOD_SHEET).
LIST_SHEETS = ("Varningar", "Särskilt driftstöd")


def _problem_sheet(ws, problems) -> None:
    """Every problem as a row (columns :data:`PROBLEM_COLUMNS`), header on row 1."""
    for column, title in enumerate(PROBLEM_COLUMNS, start=1):
        cell = write_value(ws.cell(1, column), title)
        cell.font = BOLD
        cell.fill = OPTIONAL_FILL
    row = 1
    for problem in problems:
        row += 1
        kind = "Fel" if problem.is_error else "Varning"
        values = (kind, problem.file, problem.row, problem.column, problem.value, problem.rule)
        for column, value in enumerate(values, start=1):
            write_value(ws.cell(row, column), value)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:F{max(row, 1)}"
    set_widths(ws, {1: 10, 2: 30, 3: 9, 4: 22, 5: 30, 6: 80})
    landscape(ws)


def build_indicator_workbook(indicators, program: Program, warnings=None, driftstod=None) -> Workbook:
    """The annual indicator export as an (unsaved) workbook.

    Parameters
    ----------
    indicators : YearIndicators
        From :func:`serviceprogram.analysis.indicators.compute`.
    program : Program

    warnings : list of Problem, optional
        The data warnings of the year: sheet ``Varningar``, every one.
    driftstod : pandas.DataFrame, optional
        :func:`serviceprogram.analysis.shops.driftstod_check` of the year: sheet
        ``Särskilt driftstöd``, every decision.

    Returns
    -------
    openpyxl.Workbook
        The sheets of :data:`INDICATOR_SHEETS`, then those of :data:`LIST_SHEETS` that were given.
    """
    from ..analysis import indicators as module

    service_types = getattr(module, "SERVICE_TYPES", {})  # column -> Swedish label
    year = indicators.year
    totals = (TOTAL, COUNTY)  # rows written in bold
    heading = f"{program.region}: {program.program}, uppföljning {year}"
    if program.exempeldata:
        heading += " (EXEMPELDATA, inte verkliga uppgifter)"
    book = Workbook()
    book.remove(book.active)
    book.properties.title = f"Indikatorer {year}: {program.program}"

    _support_sheet(book, heading, indicators, totals)
    _visit_sheet(book, heading, indicators, totals)
    _activity_sheet(book, heading, indicators, totals)
    _point_sheet(book, heading, indicators, totals, service_types)
    _plan_sheet(book, heading, indicators)
    _indicator_sheet(book, heading, indicators)
    # The report's long lists, every row
    if warnings is not None:
        _problem_sheet(book.create_sheet(LIST_SHEETS[0]), warnings)
    if driftstod is not None:
        _driftstod_sheet(book, heading, year, driftstod)
    return book


def _support_sheet(book: Workbook, heading: str, indicators, totals: tuple) -> None:
    """Sheet ``Stöd``: support per type, per municipality, and both."""
    year = indicators.year
    w = _SheetWriter(book.create_sheet("Stöd"))
    w.heading(heading)
    w.table(phrase("workbook", "support_by_form", year=year), _with_index(indicators.stod_per_form),
            {"stodform": "Stödform", "antal": "Antal beslut", "belopp_kr": "Belopp (kr)"},
            {"antal": "int", "belopp_kr": "int"}, totals)
    w.table(phrase("workbook", "support_by_kommun", year=year), _with_index(indicators.stod_per_kommun),
            {"kommun": "Kommun", "antal": "Antal beslut", "belopp_kr": "Belopp (kr)", "folkmangd": "Folkmängd",
             "kr_per_invanare": "Kronor per invånare"},
            {"antal": "int", "belopp_kr": "int", "folkmangd": "int", "kr_per_invanare": "dec"}, totals)
    w.table(phrase("workbook", "support_matrix", year=year), _with_index(indicators.stod_matris),
            {"kommun": "Kommun"}, {c: "int" for c in schemas.STODFORMER}, totals)
    w.finish()


def _visit_sheet(book: Workbook, heading: str, indicators, totals: tuple) -> None:
    """Sheet ``Företagsbesök``: company visits per form and per municipality."""
    year = indicators.year
    w = _SheetWriter(book.create_sheet("Företagsbesök"))
    w.heading(heading)
    w.table(phrase("workbook", "visits_by_form", year=year), _with_index(indicators.besok_per_form),
            {"form": "Besöksform", "antal": "Antal besök"}, {"antal": "int"}, totals)
    w.table(phrase("workbook", "visits_by_kommun", year=year), _with_index(indicators.besok_per_kommun),
            {"kommun": "Kommun"}, {c: "int" for c in indicators.besok_per_kommun.columns}, totals)
    w.finish()


def _activity_sheet(book: Workbook, heading: str, indicators, totals: tuple) -> None:
    """Sheet ``Insatser``: activities per status and area, and the targets met."""
    year = indicators.year
    w = _SheetWriter(book.create_sheet("Insatser"))
    w.heading(heading)
    w.table(phrase("workbook", "activities_by_status", year=year), _with_index(indicators.insatser_per_status),
            {"status": "Status", "antal": "Antal insatser"}, {"antal": "int"}, totals)
    w.table(phrase("workbook", "activities_by_area", year=year), _with_index(indicators.insatser_per_omrade),
            {"prioriterat_omrade": "Prioriterat område"},
            {c: "int" for c in indicators.insatser_per_omrade.columns}, totals)
    goals = indicators.maluppfyllelse.copy()
    goals["uppnatt"] = _yes_no(goals["uppnatt"])
    w.table(phrase("workbook", "goals", year=year), goals,
            {"id": "Id", "prioriterat_omrade": "Prioriterat område", "insats": "Insats", "malvarde": "Målvärde",
             "utfall": "Utfall", "status": "Status", "maluppfyllelse": "Måluppfyllelse", "uppnatt": "Uppnått"},
            {"id": "text", "prioriterat_omrade": "text", "insats": "text", "status": "text",
             "maluppfyllelse": "pct", "uppnatt": "text"},
            empty=phrase("workbook", "no_goals"))
    w.finish()


def _point_sheet(book: Workbook, heading: str, indicators, totals: tuple, service_types: dict) -> None:
    """Sheet ``Serviceplatser``: open points per municipality and type, SOT points, points opened or closed."""
    year = indicators.year
    w = _SheetWriter(book.create_sheet("Serviceplatser"))
    w.heading(heading)
    types = dict(service_types, sot_punkter="SOT-punkter", alla="Alla serviceplatser", kommun="Kommun")
    w.table(phrase("workbook", "open_points", year=year), _with_index(indicators.serviceplatser),
            types, {c: "int" for c in indicators.serviceplatser.columns}, totals)
    places = {"id": "Id", "namn": "Namn", "ort": "Ort", "kommun": "Kommun"}
    w.table(phrase("workbook", "sot_inaugurated", year=year), indicators.sot_invigda, dict(places, invigd="Invigd"),
            {"invigd": "date", "id": "text"})
    w.table(phrase("workbook", "opened_closed", year=year), indicators.oppnade_stangda,
            dict(places, handelse="Händelse", datum="Datum"), {"datum": "date", "id": "text"})
    w.finish()


def _plan_sheet(book: Workbook, heading: str, indicators) -> None:
    """Sheet ``Serviceplaner``: municipalities per plan status, plans adopted in the year."""
    year = indicators.year
    w = _SheetWriter(book.create_sheet("Serviceplaner"))
    w.heading(heading)
    w.table(phrase("workbook", "plans_by_status", year=year), _with_index(indicators.planer_per_status),
            {"status": "Status", "serviceplan": "Serviceplan", "handlingsplan": "Handlingsplan"},
            {"serviceplan": "int", "handlingsplan": "int"})
    w.table(phrase("workbook", "plans_adopted", year=year), indicators.planer_beslutade,
            {"kommun": "Kommun", "plan": "Plan", "beslut": "Beslutsdatum"}, {"beslut": "date"})
    w.finish()


def _indicator_sheet(book: Workbook, heading: str, indicators) -> None:
    """Sheet ``Indikatorer``: the long table, as it is (other modules may add rows)."""
    year = indicators.year
    w = _SheetWriter(book.create_sheet("Indikatorer"))
    w.heading(heading)
    long = indicators.long()
    header_row = w.table(phrase("workbook", "indicators", year=year), long,
                         {"indikator": "Indikator", "dimension": "Dimension", "varde": "Värde"},
                         {"indikator": "text", "dimension": "text"})
    last_row = header_row + max(len(long), 1)
    w.ws.auto_filter.ref = f"A{header_row}:{get_column_letter(max(len(long.columns), 1))}{last_row}"
    w.finish(freeze=f"A{header_row + 1}")


def _driftstod_sheet(book: Workbook, heading: str, year: int, driftstod: pd.DataFrame) -> None:
    """Sheet ``Särskilt driftstöd``: every decision with its straight-line distance and verdict."""
    w = _SheetWriter(book.create_sheet(LIST_SHEETS[1]))
    w.heading(heading)
    columns = ["diarienummer", "mottagare", "kommun", "belopp_kr", "serviceplats_id", "namn", "avstand_km",
               "bedomning", "anmarkning"]
    frame = driftstod.reindex(columns=columns).copy()
    frame["avstand_km"] = [None if pd.isna(v) or v == float("inf") else float(v) for v in frame["avstand_km"]]
    w.table(phrase("workbook", "driftstod", year=year),
            frame, {"diarienummer": "Diarienummer", "mottagare": "Mottagare", "kommun": "Kommun",
                    "belopp_kr": "Belopp (kr)", "serviceplats_id": "Serviceplats", "namn": "Butik",
                    "avstand_km": "Avstånd fågelvägen (km)", "bedomning": "Bedömning",
                    "anmarkning": "Anmärkning"},
            {"diarienummer": "text", "belopp_kr": "int", "serviceplats_id": "text", "avstand_km": "dec"},
            empty=phrase("workbook", "no_driftstod"))
    w.finish()


def write_indicator_workbook(indicators, program: Program, path, warnings=None, driftstod=None) -> Path:
    """Write the annual indicator export (for Tillväxtverket) as a workbook.

    Sheets ``Stöd``, ``Företagsbesök``, ``Insatser``, ``Serviceplatser``,
    ``Serviceplaner`` and ``Indikatorer`` (the long table of
    :meth:`~serviceprogram.analysis.indicators.YearIndicators.long`, every row). Each
    table has a bold title row; numbers and dates are real numbers and dates.

    Parameters
    ----------
    indicators : YearIndicators
        From :func:`serviceprogram.analysis.indicators.compute`.
    program : Program
        For the heading (region, programme, example-data notice).
    path : str or Path
        The workbook to write, e.g. ``OUT/2024/uppfoljning-2024.xlsx``
        (overwritten if it exists; missing folders are created).
    warnings, driftstod : optional
        Every row of the report's long lists (see :func:`build_indicator_workbook`):
        the HTML and PDF show only the first rows and point here.

    Returns
    -------
    Path
        The written workbook.

    Raises
    ------
    UsageError
        If the file cannot be written.
    """
    return save_workbook(build_indicator_workbook(indicators, program, warnings, driftstod), path)
