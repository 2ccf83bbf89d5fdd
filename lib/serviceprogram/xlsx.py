"""Writing Excel cells and workbooks safely and reproducibly: one place for every workbook.

Every cell goes through :func:`write_value`, which writes text that looks like
a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) as a quoted
string, never as a formula, and drops characters Excel cannot store.
:func:`save_workbook` saves with fixed timestamps (``SOURCE_DATE_EPOCH`` or
2000-01-01), so the same input gives the same bytes, and atomically.

Number formats are stored in Excel's locale-independent notation: ``#,##0``
is displayed as ``1 234 567`` and ``0.0%`` as ``12,5 %`` by a Swedish Excel.
The workbooks themselves: the input template (:mod:`.inputs.template`), the
problem list and the indicator export (:mod:`.publishing.workbooks`).
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
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from .errors import UsageError
from .files import fixed_timestamp, reproducible_zip, write_atomically

__all__ = ["FORMULA_START", "FMT_DATE", "FMT_INT", "FMT_DEC", "FMT_PCT", "FMT_TEXT", "FMT_COORD", "BOLD", "HEADING", "REQUIRED_FONT", "REQUIRED_FILL", "OPTIONAL_FILL", "ERROR_FILL", "WARNING_FILL", "WRAP", "TOP", "MAX_CELL_TEXT", "safe_text", "looks_like_formula", "is_blank", "write_value", "save_workbook", "set_widths", "display_length", "landscape"]

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


def is_blank(value) -> bool:
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
    if is_blank(value):
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


def set_widths(ws, widths: dict[int, float]) -> None:
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width


def display_length(value, number_format: str | None) -> int:
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


def landscape(ws) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
