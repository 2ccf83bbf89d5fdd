"""Excel workbooks: the input template, the problem list and the indicator export.

Three workbooks are written here, all with Swedish sheet names and headers:

- :func:`write_template`: ``<year>/uppfoljning.xlsx``, one sheet per contract
  table with drop-down lists, formats, cell comments and a help sheet, so that
  a municipality can fill in a year without reading the data contract;
- :func:`write_problems_workbook`: the validation result, to send back to
  whoever supplied the data;
- :func:`write_indicator_workbook`: the annual export of the indicator tables.

Every cell goes through :func:`write_value`, which writes text that looks like
a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) as a quoted
string, never as a formula. Workbooks are saved with fixed timestamps
(``SOURCE_DATE_EPOCH`` or 2000-01-01), so the same input gives the same bytes.

Number formats are stored in Excel's locale-independent notation: ``#,##0``
is displayed as ``1 234 567`` and ``0.0%`` as ``12,5 %`` by a Swedish Excel.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import numbers
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from ..errors import UsageError, sort_problems
from ..files import fixed_timestamp, reproducible_zip, write_atomically
from ..inputs import schemas
from ..inputs.program import Program, load_program
from ..inputs.reading import WORKBOOK

HELP_SHEET = "Hjälp"
LISTS_SHEET = "Listor"
PROBLEMS_SHEET = "Fel och varningar"
# Rows 2..MAX_ROW of a template sheet get formats and validations.
MAX_ROW = 1000
# Excel's limit for a drop-down list written inline in the validation.
INLINE_LIST_LIMIT = 255
# Text starting with one of these may be taken for a formula by a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters that XML 1.0 (and so openpyxl) cannot store.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

FMT_DATE = "yyyy-mm-dd"
FMT_INT = "#,##0"          # Swedish Excel shows 1 234 567
FMT_DEC = "#,##0.00"
FMT_PCT = "0.0%"           # Swedish Excel shows 12,5 %
FMT_TEXT = "@"
FMT_COORD = "0.0000##"


BOLD = Font(bold=True)
HEADING = Font(bold=True, size=14)
REQUIRED_FONT = Font(bold=True, color="FFFFFF")
REQUIRED_FILL = PatternFill("solid", fgColor="1F4E79")
OPTIONAL_FILL = PatternFill("solid", fgColor="D9E1F2")
ERROR_FILL = PatternFill("solid", fgColor="F8CBAD")
WARNING_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")

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


# --- Cells ---------------------------------------------------------------------------------------

# The most characters Excel accepts in a cell; longer text is cut with "…".
MAX_CELL_TEXT = 32_767


def safe_text(value) -> str | None:
    """Text that can be stored in a workbook cell.

    Characters that XML cannot hold (control characters other than tab,
    line feed and carriage return) are removed; nothing else changes. To
    keep text that starts like a formula from being evaluated, write it with
    :func:`write_value`, which also marks the cell as quoted text.

    Parameters
    ----------
    value : object
        Any value; it is converted with ``str``.

    Returns
    -------
    str or None
        The text, or None when ``value`` is None.
    """
    if value is None:
        return None
    return _ILLEGAL.sub("", str(value))


def looks_like_formula(text) -> bool:
    """True if a spreadsheet could take ``text`` for a formula.

    Parameters
    ----------
    text : str

    Returns
    -------
    bool
    """
    return isinstance(text, str) and text.startswith(FORMULA_START)


def _missing(value) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            return math.isnan(value) or math.isinf(value)
        except (TypeError, ValueError):
            return False
    return False


def write_value(cell, value, number_format: str | None = None):
    """Write one value to a cell: numbers and dates as such, everything else as text.

    Text is never written as a formula: a text starting with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return is stored as a string cell with the
    quote prefix set (what typing an apostrophe first does in Excel).

    Parameters
    ----------
    cell : openpyxl.cell.Cell
        The cell to write.
    value : object
        None, NaN, NaT and ``pd.NA`` leave the cell empty. Booleans, integers
        and floats (numpy ones too) become numbers (whole floats as integers),
        dates and timestamps become dates, anything else text (cut with "…"
        after :data:`MAX_CELL_TEXT` characters, the most Excel accepts).
    number_format : str, optional
        Excel number format; dates get ``yyyy-mm-dd`` unless another is given.

    Returns
    -------
    openpyxl.cell.Cell
        The cell.
    """
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.generic):
        value = value.item()  # numpy scalar to Python
    if _missing(value):
        cell.value = None
        return cell
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, numbers.Integral):
        cell.value = int(value)
    elif isinstance(value, numbers.Real):
        value = float(value)
        cell.value = int(value) if value.is_integer() and abs(value) < 2 ** 53 else value
    elif isinstance(value, dt.datetime):
        cell.value = value.date() if value.time() == dt.time(0) else value
        number_format = number_format or FMT_DATE
    elif isinstance(value, dt.date):
        cell.value = value
        number_format = number_format or FMT_DATE
    else:
        text = safe_text(value)
        if len(text) > MAX_CELL_TEXT:  # Excel refuses to open a file with a longer cell
            text = text[:MAX_CELL_TEXT - 1] + "\u2026"
        cell.value = text
        cell.data_type = "s"  # openpyxl takes a leading "=" for a formula
        if looks_like_formula(text):
            cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    return cell


# --- Saving --------------------------------------------------------------------------------------


def save_workbook(book: Workbook, path) -> Path:
    """Save a workbook reproducibly and atomically.

    The document properties and every ZIP entry get :func:`fixed_timestamp`,
    so the same workbook gives the same bytes. The file is written beside the
    target and then renamed over it.

    Parameters
    ----------
    book : openpyxl.Workbook
    path : str or Path
        The target; missing parent folders are created.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    UsageError
        If the file cannot be written (for instance because it is open in Excel).
    """
    path = Path(path)
    stamp = fixed_timestamp()
    book.properties.created = stamp
    book.properties.modified = stamp
    book.properties.creator = "serviceprogram"
    book.properties.lastModifiedBy = "serviceprogram"
    raw = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook stamps the current time.
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    try:
        write_atomically(path, reproducible_zip(raw.getvalue(), stamp))
    except OSError as exc:
        raise UsageError(f"Kan inte skriva {path}: {exc.strerror or exc}. "
                         "Är filen öppen i Excel eller ett annat program?") from None
    return path


def _set_widths(ws, widths: dict[int, float]) -> None:
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width


def _display_length(value, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    if isinstance(value, bool):
        return 5
    if isinstance(value, numbers.Real):
        text = f"{value:,.2f}" if number_format in (FMT_DEC,) else f"{value:,.0f}"
        if number_format == FMT_PCT:
            text = f"{value * 100:.1f} %"
        return len(text)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _landscape(ws) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


# --- The template --------------------------------------------------------------------------------


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
    _set_widths(ws, {1: 16, 2: 22, 3: 13, 4: 30, 5: 60, 6: 50})


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
    if _missing(value):
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


def write_template(data_dir, year: int, force: bool = False, keep_data: bool = False) -> Path:
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

    year = _check_year(year)
    data_dir = resolve_data_dir(data_dir)
    program = load_program(data_dir)
    year_dir = data_dir / str(year)
    path = year_dir / WORKBOOK
    if keep_data:
        return _rewrite_with_data(data_dir, program, year)
    csvs = _table_csvs(year_dir)
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
    return save_workbook(build_template(program, year, data_dir), path)


def _rewrite_with_data(data_dir: Path, program: Program, year: int) -> Path:
    """The year's data as a new workbook; the replaced files move to ``<year>/tidigare-<n>/``."""
    from ..inputs.loading import load_year

    year_dir = data_dir / str(year)
    if not year_dir.is_dir():
        raise UsageError(f"Året {year} finns inte i datamappen {data_dir} (ingen mapp {year}/), "
                         "så det finns inga uppgifter att behålla.")
    data = load_year(data_dir, year, program)  # DataError: fix the year first
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


def _check_year(year) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise UsageError(f"Ogiltigt år: {year!r} (ange fyra siffror, t.ex. 2026).")
    return year


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
    _set_widths(ws, {1: 10, 2: min(file_width, 50), 3: 7, 4: 22, 5: 30, 6: 80})
    _landscape(ws)
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
              bold_first: tuple[str, ...] = (), empty: str = "Inga under året.") -> int:
        """Write ``title``, a header row and the rows of ``frame``; return the header row."""
        formats = formats or {}
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
        length = _display_length(value, number_format)
        if header:
            length = min(length, 24)  # long headers wrap instead
        self.widths[column] = max(self.widths.get(column, 8), length + 2)

    def finish(self, freeze: str = "A2") -> None:
        _set_widths(self.ws, {c: min(w, 60) for c, w in self.widths.items()})
        self.ws.freeze_panes = freeze
        _landscape(self.ws)


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
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and not _missing(value):
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
    _set_widths(ws, {1: 10, 2: 30, 3: 9, 4: 22, 5: 30, 6: 80})
    _landscape(ws)


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
    totals = (module.TOTAL, module.COUNTY)  # rows written in bold
    heading = f"{program.region}: {program.program}, uppföljning {year}"
    if program.exempeldata:
        heading += " (EXEMPELDATA, inte verkliga uppgifter)"
    book = Workbook()
    book.remove(book.active)
    book.properties.title = f"Indikatorer {year}: {program.program}"

    # Stöd
    w = _SheetWriter(book.create_sheet("Stöd"))
    w.heading(heading)
    w.table(f"Stöd per stödform {year}", _with_index(indicators.stod_per_form),
            {"stodform": "Stödform", "antal": "Antal beslut", "belopp_kr": "Belopp (kr)"},
            {"antal": "int", "belopp_kr": "int"}, totals)
    w.table(f"Stöd per kommun {year}", _with_index(indicators.stod_per_kommun),
            {"kommun": "Kommun", "antal": "Antal beslut", "belopp_kr": "Belopp (kr)", "folkmangd": "Folkmängd",
             "kr_per_invanare": "Kronor per invånare"},
            {"antal": "int", "belopp_kr": "int", "folkmangd": "int", "kr_per_invanare": "dec"}, totals)
    w.table(f"Stöd per kommun och stödform {year} (kr)", _with_index(indicators.stod_matris),
            {"kommun": "Kommun"}, {c: "int" for c in schemas.STODFORMER}, totals)
    w.finish()

    # Företagsbesök
    w = _SheetWriter(book.create_sheet("Företagsbesök"))
    w.heading(heading)
    w.table(f"Företagsbesök per besöksform {year}", _with_index(indicators.besok_per_form),
            {"form": "Besöksform", "antal": "Antal besök"}, {"antal": "int"}, totals)
    w.table(f"Företagsbesök per kommun {year}", _with_index(indicators.besok_per_kommun),
            {"kommun": "Kommun"}, {c: "int" for c in indicators.besok_per_kommun.columns}, totals)
    w.finish()

    # Insatser
    w = _SheetWriter(book.create_sheet("Insatser"))
    w.heading(heading)
    w.table(f"Insatser per status {year}", _with_index(indicators.insatser_per_status),
            {"status": "Status", "antal": "Antal insatser"}, {"antal": "int"}, totals)
    w.table(f"Insatser per prioriterat område och status {year}", _with_index(indicators.insatser_per_omrade),
            {"prioriterat_omrade": "Prioriterat område"},
            {c: "int" for c in indicators.insatser_per_omrade.columns}, totals)
    goals = indicators.maluppfyllelse.copy()
    goals["uppnatt"] = _yes_no(goals["uppnatt"])
    w.table(f"Måluppfyllelse för insatser med målvärde {year}", goals,
            {"id": "Id", "prioriterat_omrade": "Prioriterat område", "insats": "Insats", "malvarde": "Målvärde",
             "utfall": "Utfall", "status": "Status", "maluppfyllelse": "Måluppfyllelse", "uppnatt": "Uppnått"},
            {"id": "text", "prioriterat_omrade": "text", "insats": "text", "status": "text",
             "maluppfyllelse": "pct", "uppnatt": "text"},
            empty="Inga insatser med både målvärde och utfall.")
    w.finish()

    # Serviceplatser
    w = _SheetWriter(book.create_sheet("Serviceplatser"))
    w.heading(heading)
    types = dict(service_types, sot_punkter="SOT-punkter", alla="Alla serviceplatser", kommun="Kommun")
    w.table(f"Öppna serviceplatser per kommun och typ den 31 december {year}", _with_index(indicators.serviceplatser),
            types, {c: "int" for c in indicators.serviceplatser.columns}, totals)
    places = {"id": "Id", "namn": "Namn", "ort": "Ort", "kommun": "Kommun"}
    w.table(f"SOT-punkter invigda {year}", indicators.sot_invigda, dict(places, invigd="Invigd"),
            {"invigd": "date", "id": "text"})
    w.table(f"Serviceplatser som öppnat eller stängt {year}", indicators.oppnade_stangda,
            dict(places, handelse="Händelse", datum="Datum"), {"datum": "date", "id": "text"})
    w.finish()

    # Serviceplaner
    w = _SheetWriter(book.create_sheet("Serviceplaner"))
    w.heading(heading)
    w.table(f"Antal kommuner per status vid utgången av {year}", _with_index(indicators.planer_per_status),
            {"status": "Status", "serviceplan": "Serviceplan", "handlingsplan": "Handlingsplan"},
            {"serviceplan": "int", "handlingsplan": "int"})
    w.table(f"Planer antagna {year}", indicators.planer_beslutade,
            {"kommun": "Kommun", "plan": "Plan", "beslut": "Beslutsdatum"}, {"beslut": "date"})
    w.finish()

    # Indikatorer: the long table, as it is (other modules may add rows)
    w = _SheetWriter(book.create_sheet("Indikatorer"))
    w.heading(heading)
    long = indicators.long()
    header_row = w.table(f"Indikatorer {year} (indikator-id enligt docs/indikatorer.md)", long,
                         {"indikator": "Indikator", "dimension": "Dimension", "varde": "Värde"},
                         {"indikator": "text", "dimension": "text"})
    last_row = header_row + max(len(long), 1)
    w.ws.auto_filter.ref = f"A{header_row}:{get_column_letter(max(len(long.columns), 1))}{last_row}"
    w.finish(freeze=f"A{header_row + 1}")

    # The report's long lists, every row
    if warnings is not None:
        _problem_sheet(book.create_sheet(LIST_SHEETS[0]), warnings)
    if driftstod is not None:
        w = _SheetWriter(book.create_sheet(LIST_SHEETS[1]))
        w.heading(heading)
        columns = ["diarienummer", "mottagare", "kommun", "belopp_kr", "serviceplats_id", "namn", "avstand_km",
                   "bedomning", "anmarkning"]
        frame = driftstod.reindex(columns=columns).copy()
        frame["avstand_km"] = [None if pd.isna(v) or v == float("inf") else float(v) for v in frame["avstand_km"]]
        w.table(f"Särskilt driftstöd {year}: avstånd fågelvägen till närmaste andra butik med fullsortiment",
                frame, {"diarienummer": "Diarienummer", "mottagare": "Mottagare", "kommun": "Kommun",
                        "belopp_kr": "Belopp (kr)", "serviceplats_id": "Serviceplats", "namn": "Butik",
                        "avstand_km": "Avstånd fågelvägen (km)", "bedomning": "Bedömning",
                        "anmarkning": "Anmärkning"},
                {"diarienummer": "text", "belopp_kr": "int", "serviceplats_id": "text", "avstand_km": "dec"},
                empty="Inga beslut om särskilt driftstöd under året.")
        w.finish()
    return book


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


__all__ = [
    "build_indicator_workbook",
    "build_template",
    "looks_like_formula",
    "safe_text",
    "save_workbook",
    "write_indicator_workbook",
    "write_problems_workbook",
    "write_template",
    "write_value",
]
