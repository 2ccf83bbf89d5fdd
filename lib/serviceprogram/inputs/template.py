"""The input template: ``<year>/uppfoljning.xlsx``, the workbook a region fills in.

One sheet per contract table with drop-down lists, number formats, cell
comments and a help sheet, so that a municipality can fill in a year without
reading the data contract (:func:`write_template`, :func:`build_template`).
"""
from __future__ import annotations

import datetime as dt
import numbers
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..errors import UsageError
from ..paths import check_year
from ..xlsx import (
    BOLD,
    FMT_COORD,
    FMT_DATE,
    FMT_INT,
    FMT_TEXT,
    HEADING,
    OPTIONAL_FILL,
    REQUIRED_FILL,
    REQUIRED_FONT,
    WRAP,
    is_blank,
    save_workbook,
    set_widths,
    write_value,
)
from . import schemas
from .program import Program, load_program
from .reading import WORKBOOK

__all__ = ["HELP_SHEET", "LISTS_SHEET", "MAX_ROW", "KIND_LABELS", "command_line", "build_template", "write_template"]

HELP_SHEET = "Hjälp"
LISTS_SHEET = "Listor"
# Rows 2..MAX_ROW of a template sheet get formats and validations.
MAX_ROW = 1000
# Excel's limit for a drop-down list written inline in the validation.
INLINE_LIST_LIMIT = 255
KIND_LABELS = {
    "text": "Text",
    "number": "Tal",
    "amount": "Belopp i hela kronor, större än 0",
    "count": "Heltal, 0 eller större",
    "date": "Datum (ÅÅÅÅ-MM-DD)",
    "bool": "ja/nej",
    "choice": "Ett värde ur listan",
    "area": "Ett prioriterat område ur listan",
    "kommun": "Kommunens namn ur listan (eller kommunkod)",
    "lat": "Latitud i decimalgrader (WGS 84)",
    "lon": "Longitud i decimalgrader (WGS 84)",
}
# Template column widths by kind, and wider text columns by name.
_KIND_WIDTHS = {"date": 13, "amount": 14, "count": 12, "number": 12, "bool": 13, "lat": 11, "lon": 11,
                "choice": 20, "area": 24, "kommun": 16}
_WIDE_TEXT = {"insats": 40, "mal": 50, "ansvarig": 40, "kommentar": 50, "mottagare": 30, "foretag": 30,
              "medverkande": 40, "namn": 30}

def _excel_serial(day: dt.date) -> int:
    """Excel's serial number of a date (1900 date system)."""
    return (day - dt.date(1899, 12, 30)).days


def _table_csvs(year_dir: Path) -> list[str]:
    """Names of contract CSV files already in a year folder (case-insensitive)."""
    if not year_dir.is_dir():
        return []
    wanted = {f"{table}.csv".casefold() for table in schemas.TABLES}
    return sorted(p.name for p in year_dir.iterdir() if p.is_file() and p.name.casefold() in wanted)


class _Lists:
    """Drop-down sources: inline when short, else a range on the hidden sheet."""

    def __init__(self, book: Workbook):
        self.book = book
        self.sheet = None
        self.columns: dict[tuple[str, ...], str] = {}

    def formula(self, name: str, items) -> str:
        items = tuple(items)
        joined = ",".join(items)
        if len(joined) <= INLINE_LIST_LIMIT and not any("," in i or '"' in i for i in items):
            return f'"{joined}"'
        if items not in self.columns:
            if self.sheet is None:
                self.sheet = self.book.create_sheet(LISTS_SHEET)
                self.sheet.sheet_state = "hidden"
            column = len(self.columns) + 1
            letter = get_column_letter(column)
            write_value(self.sheet.cell(1, column), name).font = BOLD
            for row, item in enumerate(items, start=2):
                write_value(self.sheet.cell(row, column), item)
            self.sheet.column_dimensions[letter].width = max(12, min(60, max(map(len, items)) + 2))
            self.columns[items] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(items) + 1}"
        return self.columns[items]


def _list_items(field: schemas.Field, program: Program) -> tuple[str, ...] | None:
    if field.kind == "choice":
        return field.choices
    if field.kind == "area":
        return program.prioriterade_omraden or None  # not filled in yet: no list
    if field.kind == "kommun":
        return tuple(program.kommun_names)
    if field.kind == "bool":
        return ("ja", "nej")
    return None


def _validation(field: schemas.Field, program: Program, year: int, lists: _Lists) -> DataValidation | None:
    """The data validation of one template column, or None."""
    dv = _validation_rule(field, program, year, lists)
    if dv is not None:
        dv.showErrorMessage = True  # else Excel accepts anything silently
    return dv


def _validation_rule(field: schemas.Field, program: Program, year: int, lists: _Lists) -> DataValidation | None:
    items = _list_items(field, program)
    if items is not None:
        # Municipality codes and x/1/0 are valid too: only warn for those columns.
        lenient = field.kind in ("kommun", "bool")
        dv = DataValidation(type="list", formula1=lists.formula(field.name, items), allow_blank=True,
                            errorStyle="warning" if lenient else "stop")
        dv.errorTitle = "Värdet finns inte i listan"
        dv.error = ("Välj ett värde i listan." if not lenient
                    else "Välj ett värde i listan. Vill du behålla värdet, klicka Ja.")
        return dv
    if field.kind == "amount":
        dv = DataValidation(type="whole", operator="greaterThan", formula1="0", allow_blank=True)
        dv.errorTitle = "Ogiltigt belopp"
        dv.error = "Ange beloppet i hela kronor, större än 0 (inga ören)."
        return dv
    if field.kind == "count":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.errorTitle = "Ogiltigt antal"
        dv.error = "Ange ett heltal, 0 eller större."
        return dv
    if field.kind in ("lat", "lon"):
        low, high = schemas.LAT_RANGE if field.kind == "lat" else schemas.LON_RANGE
        dv = DataValidation(type="decimal", operator="between", formula1=repr(low), formula2=repr(high),
                            allow_blank=True)
        dv.errorTitle = "Utanför Sverige"
        what = "Latituden" if field.kind == "lat" else "Longituden"
        dv.error = (f"{what} ska vara i decimalgrader (WGS 84) mellan "
                    f"{str(low).replace('.', ',')} och {str(high).replace('.', ',')}.")
        return dv
    if field.kind == "date":
        if field.in_year:
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            message = f"Ange ett datum inom {year} i formen ÅÅÅÅ-MM-DD."
        else:
            first, last = dt.date(1900, 3, 1), dt.date(2100, 12, 31)
            message = "Ange ett datum i formen ÅÅÅÅ-MM-DD."
        dv = DataValidation(type="date", operator="between", formula1=str(_excel_serial(first)),
                            formula2=str(_excel_serial(last)), allow_blank=True)
        dv.errorTitle = "Ogiltigt datum"
        dv.error = message
        return dv
    return None


def _column_format(field: schemas.Field) -> str:
    if field.kind == "date":
        return FMT_DATE
    if field.kind in ("amount", "count"):
        return FMT_INT
    if field.kind in ("lat", "lon"):
        return FMT_COORD
    if field.kind == "number":
        return "General"  # targets and outcomes may have decimals: show them
    return FMT_TEXT  # keeps Excel from turning codes and ids into numbers or dates


def _comment_text(field: schemas.Field) -> str:
    kind = KIND_LABELS.get(field.kind, field.kind)
    lines = [field.help or field.name, ("Obligatorisk. " if field.required else "Frivillig. ") + kind + "."]
    if field.unique:
        lines.append("Värdet ska vara unikt.")
    return "\n".join(lines)


def _allowed_text(field: schemas.Field, program: Program) -> str:
    items = _list_items(field, program)
    if field.kind == "bool":
        return "ja, nej (även x/tomt, 1/0, true/false)"
    if field.kind == "kommun":
        return ", ".join(items) + " (eller kommunkod)"
    if items:
        return ", ".join(items)
    if field.kind in ("lat", "lon"):
        low, high = schemas.LAT_RANGE if field.kind == "lat" else schemas.LON_RANGE
        return f"{str(low).replace('.', ',')}–{str(high).replace('.', ',')}"
    return ""


def command_line(*parts) -> str:
    """A command to show the analyst, with paths quoted when they hold spaces.

    Double quotes work in cmd.exe, PowerShell and POSIX shells alike.
    """
    out = []
    for part in map(str, parts):
        out.append(f'"{part}"' if (not part or any(c in part for c in " \t&()[]{};'!$`")) else part)
    return " ".join(out)


def _help_sheet(ws, program: Program, year: int, data_dir=None) -> None:
    write_value(ws.cell(1, 1), f"Mall för uppföljning {year}: {program.program}").font = HEADING
    write_value(ws.cell(2, 1), f"{program.region}, {program.lan}")
    instructions = [
        "Fyll i bladen insatser, stod, foretagsbesok, serviceplatser och serviceplaner med en rad per post. "
        "Rad 1 är rubrikraden: ändra inte rubrikerna och byt inte namn på bladen.",
        "Obligatoriska kolumner har mörkblå rubrik, frivilliga ljusblå. "
        "Håll muspekaren över en rubrik för att se vad kolumnen ska innehålla.",
        "Kolumner med fasta värden har en rullgardinslista. Kommun kan också anges med kommunkod, "
        "och ja/nej-kolumnerna godtar även x, 1/0 och tomt (tomt betyder nej).",
        f"Datum skrivs ÅÅÅÅ-MM-DD, till exempel {year}-03-15. Belopp anges i hela kronor utan ören.",
        "Tomma rader hoppas över. Egna kolumner till höger om de angivna följer med men kontrolleras inte.",
        "Bladet serviceplaner ska ha exakt en rad för varje kommun i programmet.",
        f"Filen ska ligga som {year}/{WORKBOOK} i datamappen. En tabell som finns som CSV-fil "
        f"i mappen {year}/ får inte också finnas som blad här.",
        "Kontrollera filen med kommandot: " + (
            command_line("serviceprogram", "validate", "--data-dir", Path(data_dir).resolve(), "--year", year)
            if data_dir is not None else f"serviceprogram validate --data-dir DATAMAPP --year {year}"),
    ]
    if not program.prioriterade_omraden:
        instructions.append(
            "De prioriterade områdena är inte ifyllda i program.toml ännu, så kolumnen prioriterat_omrade "
            "har ingen rullgardinslista. När de är ifyllda ger kommandot "
            + (command_line("serviceprogram", "template", "--data-dir", Path(data_dir).resolve(), "--year", year,
                            "--keep-data") if data_dir is not None else "serviceprogram template --keep-data")
            + " en ny arbetsbok med listan, och det som redan är ifyllt följer med.")
    row = 4
    for line in instructions:
        write_value(ws.cell(row, 1), line).alignment = WRAP
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
        ws.row_dimensions[row].height = 30
        row += 1
    row += 1
    header_row = row
    for column, title in enumerate(("Blad", "Kolumn", "Obligatorisk", "Typ", "Beskrivning", "Tillåtna värden"), 1):
        cell = write_value(ws.cell(row, column), title)
        cell.font = BOLD
        cell.fill = OPTIONAL_FILL
    for table, fields in schemas.TABLES.items():
        for field in fields:
            row += 1
            values = (table, field.name, "ja" if field.required else "nej", KIND_LABELS.get(field.kind, field.kind),
                      field.help, _allowed_text(field, program))
            for column, value in enumerate(values, 1):
                write_value(ws.cell(row, column), value).alignment = WRAP
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.auto_filter.ref = f"A{header_row}:F{row}"
    set_widths(ws, {1: 16, 2: 22, 3: 13, 4: 30, 5: 60, 6: 50})


def _table_sheet(ws, fields, program: Program, year: int, lists: _Lists) -> None:
    last = get_column_letter(len(fields))
    for column, field in enumerate(fields, start=1):
        letter = get_column_letter(column)
        cell = write_value(ws.cell(1, column), field.name)
        cell.font = REQUIRED_FONT if field.required else BOLD
        cell.fill = REQUIRED_FILL if field.required else OPTIONAL_FILL
        comment = Comment(_comment_text(field), "serviceprogram")
        comment.width, comment.height = 300, 110
        cell.comment = comment
        number_format = _column_format(field)
        for row in range(2, MAX_ROW + 1):
            ws.cell(row, column).number_format = number_format
        validation = _validation(field, program, year, lists)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{MAX_ROW}")
            ws.add_data_validation(validation)
        width = _WIDE_TEXT.get(field.name, _KIND_WIDTHS.get(field.kind, 18))
        ws.column_dimensions[letter].width = max(width, len(field.name) + 4)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{MAX_ROW}"


def _cell_value(value, field: schemas.Field | None):
    """A typed table value as it is written into the template."""
    if is_blank(value):
        return None
    if field is not None and field.kind == "bool":
        return "ja" if bool(value) else "nej"
    if field is not None and field.kind in ("amount", "count") and isinstance(value, numbers.Real):
        return int(value)
    return value


def _fill_sheet(ws, fields, frame: pd.DataFrame) -> None:
    """Write the rows of a typed table under the header; columns outside the contract go to the right."""
    by_name = {f.name: f for f in fields}
    extra = [c for c in frame.columns if c not in by_name]
    for number, name in enumerate(extra, start=len(fields) + 1):
        write_value(ws.cell(1, number), name).font = BOLD
    order = [f.name for f in fields] + extra
    for row, (_, record) in enumerate(frame.iterrows(), start=2):
        for column, name in enumerate(order, start=1):
            if name not in frame.columns:
                continue
            cell = ws.cell(row, column)
            field = by_name.get(name)
            write_value(cell, _cell_value(record[name], field),
                        FMT_DATE if field is not None and field.kind == "date" else cell.number_format)


def build_template(program: Program, year: int, data_dir=None,
                   tables: dict[str, pd.DataFrame] | None = None) -> Workbook:
    """The input template of a year as an (unsaved) workbook.

    Parameters
    ----------
    program : Program
        Supplies the municipalities and priority areas for the drop-down lists.
    year : int
        The follow-up year (dates that must fall in the year are checked).
    data_dir : str or Path, optional
        The data folder, written into the help sheet's commands
        (``--data-dir``); without it the commands say ``DATAMAPP``.
    tables : dict of str to DataFrame, optional
        Rows to write into the sheets: typed tables as
        :func:`serviceprogram.inputs.loading.load_year` gives them (or
        :func:`serviceprogram.inputs.newyear.new_year` carries them). Columns outside
        the contract are written to the right of the contract's columns.

    Returns
    -------
    openpyxl.Workbook
        Sheets: ``Hjälp``, one per table of :data:`schemas.TABLES` and, when a
        list is too long to write inline, the hidden sheet ``Listor``.
    """
    book = Workbook()
    book.properties.title = f"Uppföljning {year}: {program.program}"
    _help_sheet(book.active, program, year, data_dir)
    book.active.title = HELP_SHEET
    lists = _Lists(book)
    for table, fields in schemas.TABLES.items():
        ws = book.create_sheet(table)
        _table_sheet(ws, fields, program, year, lists)
        if tables is not None and table in tables:
            _fill_sheet(ws, fields, tables[table])
    if lists.sheet is not None:
        book.move_sheet(lists.sheet, offset=len(book.sheetnames))  # keep it last
    book.active = 0
    return book


def write_template(data_dir, year: int, force: bool = False, keep_data: bool = False, load=None) -> Path:
    """Write the Excel template ``<data_dir>/<year>/uppfoljning.xlsx``.

    The year folder is created when missing. A template saved after filling
    it in is read by :func:`serviceprogram.inputs.loading.load_year` as it is: empty
    formatted rows are ignored.

    Parameters
    ----------
    data_dir : str or Path or None
        The data folder (with ``program.toml``); None means the default data
        folder, as in :func:`serviceprogram.inputs.loading.resolve_data_dir`.
    year : int
        The follow-up year.
    force : bool, default False
        Overwrite an existing ``uppfoljning.xlsx`` (its data is lost).
    keep_data : bool, default False
        Turn the year's existing data (CSV files or an earlier workbook) into
        a new workbook with today's drop-down lists and help sheet; nothing is
        lost. The year must load without errors. The files it replaces are
        moved, unchanged, into the subfolder ``<year>/tidigare-<n>/``, which
        the reader ignores.
    load : callable, optional
        Loads the year for ``keep_data``; by default ``load_year`` (the command
        line passes :func:`serviceprogram.analysis.checks.load_checked_year`).

    Returns
    -------
    Path
        The written workbook.

    Raises
    ------
    UsageError
        If the data folder does not exist, the year is not a four-digit year,
        the workbook exists and neither ``force`` nor ``keep_data`` is given,
        or the year folder already holds contract tables as CSV files and
        ``keep_data`` is not given (a table may not be given both ways).
    DataError
        If ``program.toml`` is invalid, or ``keep_data`` is given and the
        year has errors.
    """
    from ..inputs.loading import resolve_data_dir

    year = check_year(year)
    data_dir = resolve_data_dir(data_dir)
    program = load_program(data_dir)
    if keep_data:
        return _rewrite_with_data(data_dir, program, year, load)
    path = _new_template_path(data_dir, year, force)
    return save_workbook(build_template(program, year, data_dir), path)


def _new_template_path(data_dir: Path, year: int, force: bool) -> Path:
    """Where a new empty template goes; UsageError when it would clash with the year's data."""
    path = data_dir / str(year) / WORKBOOK
    csvs = _table_csvs(path.parent)
    if csvs:
        raise UsageError(
            f"Mappen {year}/ i {data_dir} innehåller redan tabellerna som CSV-filer ({', '.join(csvs)}). "
            f"En tom mall {WORKBOOK} skulle krocka med dem: en tabell får inte finnas både som CSV-fil och "
            f"som blad. Gör om CSV-filerna till en arbetsbok utan att något går förlorat med: "
            + command_line("serviceprogram", "template", "--data-dir", data_dir, "--year", year, "--keep-data"))
    if path.exists() and not force:
        raise UsageError(f"Filen {year}/{WORKBOOK} finns redan i {data_dir}. "
                         "Ange --keep-data för en ny arbetsbok med samma uppgifter, eller --force för att "
                         "skriva över den (uppgifterna i den försvinner).")
    return path


def _rewrite_with_data(data_dir: Path, program: Program, year: int, load=None) -> Path:
    """The year's data as a new workbook; the replaced files move to ``<year>/tidigare-<n>/``."""
    from ..inputs.loading import load_year

    load = load or load_year
    year_dir = data_dir / str(year)
    if not year_dir.is_dir():
        raise UsageError(f"Året {year} finns inte i datamappen {data_dir} (ingen mapp {year}/), "
                         "så det finns inga uppgifter att behålla.")
    data = load(data_dir, year, program)  # DataError: fix the year first
    book = build_template(program, year, data_dir, data.tables)
    old = [year_dir / name for name in _table_csvs(year_dir)]
    if (year_dir / WORKBOOK).is_file():
        old.append(year_dir / WORKBOOK)
    number = 1
    while (year_dir / f"tidigare-{number}").exists():
        number += 1
    backup = year_dir / f"tidigare-{number}"
    moved = []
    try:
        if old:
            backup.mkdir()
            for file in old:
                file.rename(backup / file.name)
                moved.append(file)
        path = save_workbook(book, year_dir / WORKBOOK)
    except BaseException:
        for file in moved:  # put everything back as it was
            (backup / file.name).rename(file)
        if backup.is_dir() and not any(backup.iterdir()):
            backup.rmdir()
        raise
    return path

