"""Reading the raw tables of a year folder (CSV files or one workbook).

A raw table is a DataFrame of text cells (None for empty cells) whose index is
the row number the analyst sees in Excel (header = row 1). Header names are
normalised (surrounding spaces removed, lower case); columns outside the
contract are kept. Typing and rule checks happen in :mod:`serviceprogram.inputs.schemas`.

Reading is bounded, whatever the file holds (data contract, section 2):
at most :data:`MAX_FILE_BYTES` per file, :data:`MAX_ROWS` data rows and
:data:`MAX_COLUMNS` columns per table. A workbook is streamed (openpyxl
read-only) and never padded to the sheet's stated size: only cells that hold
something are looked at, and a stray cell far outside the table is one
problem naming the cell. Binary files, mixed encodings, invisible characters
and formulas without a saved value are named, never read silently.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import WARNING, Problem
from ..text import num
from .hygiene import CONTROL, char_name, normalise

__all__ = ["WORKBOOK", "ENCODINGS", "MAX_FILE_BYTES", "MAX_ROWS", "MAX_COLUMNS", "RawTable", "sha256_file",
           "clean_text", "decode", "decode_lines", "detect_delimiter", "read_csv", "NO_SAVED_VALUE",
           "read_workbook"]

WORKBOOK = "uppfoljning.xlsx"
ENCODINGS = ("utf-8-sig", "cp1252")

# Limits per input file and table (docs/datakontrakt.md, section 2). A region's
# largest table has a few thousand rows; the limits leave room for a hundred
# times that and still keep a build within the memory of an ordinary laptop.
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_ROWS = 500_000
MAX_COLUMNS = 200
# Share of control characters above which a file is not text (binary data).
_BINARY_SHARE = 0.01
_SNIFF_BYTES = 1 << 16


@dataclass
class RawTable:
    """A table as read from its file, before validation.

    Attributes
    ----------
    name : str
        The table's contract name, e.g. ``stod``.
    label : str
        Where it came from, as shown to the analyst (``2024/stod.csv``).
    frame : pandas.DataFrame
        Text cells, index = Excel row number.
    masked : set of (row, column)
        Cells already reported while reading (a formula without a saved
        value, an Excel error value); validation does not report them again
        (as "Värde saknas", which would mislead).
    """

    name: str
    label: str
    frame: pd.DataFrame
    masked: set = field(default_factory=set)


def sha256_file(path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


# Control characters other than tab and line breaks (Word's manual line break
# \x0b arrives this way when text is pasted into Excel) cannot be written to
# the report, the workbooks or the memo: they become spaces.
_CONTROL = CONTROL


def clean_text(value: str) -> str:
    """Text with control characters replaced by spaces and surrounding space removed."""
    return _CONTROL.sub(" ", value).strip()


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-16 (with BOM), UTF-8 (with or without BOM), else Windows-1252.

    Returns
    -------
    tuple of (text, encoding name)
    """
    text, encoding, _ = decode_lines(data)
    return text, encoding


def decode_lines(data: bytes) -> tuple[str, str, list[int]]:
    """Decode like :func:`decode`, line by line when the file mixes encodings.

    A file that is UTF-8 except for some lines (one line pasted from a
    Windows-1252 file) is decoded as UTF-8 with those lines as Windows-1252,
    instead of the whole file as Windows-1252 (which would garble every å, ä
    and ö of the UTF-8 lines).

    Returns
    -------
    tuple of (text, encoding name, numbers of the lines decoded as Windows-1252
    in a file that is otherwise UTF-8)
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8-sig", []
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    if lines and lines[0].startswith(b"\xef\xbb\xbf"):
        lines[0] = lines[0][3:]
    decoded, legacy, evidence = [], [], False
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8")
            evidence = evidence or not line.isascii()
        except UnicodeDecodeError:
            text = _legacy(line)
            legacy.append(number)
        decoded.append(text)
    if evidence:  # a UTF-8 file with some foreign lines
        return "\n".join(decoded), "utf-8", legacy
    text = _legacy(data)
    return text, ("cp1252" if _is_cp1252(data) else "latin-1"), []


def _is_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _legacy(data: bytes) -> str:
    # cp1252 leaves five bytes undefined; latin-1 maps every byte.
    return data.decode("cp1252") if _is_cp1252(data) else data.decode("latin-1")


def detect_delimiter(text: str) -> str:
    """``;``, tab or ``,``: whichever the header line uses most (``,`` on a tie)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {",": header.count(","), ";": header.count(";"), "\t": header.count("\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _normalise_header(name) -> str:
    return "" if name is None else normalise(str(name))[0].strip().lower()


class _Invisible:
    """Where invisible characters were removed, per column, for one warning each."""

    def __init__(self):
        self.columns: dict[int, list] = {}

    def note(self, position: int, row: int, removed: str) -> None:
        entry = self.columns.setdefault(position, [row, 0, ""])
        entry[1] += 1
        entry[2] = "".join(dict.fromkeys(entry[2] + removed))

    def problems(self, label: str, columns: list[str]) -> list[Problem]:
        found = []
        for position, (row, count, chars) in sorted(self.columns.items()):
            if position >= len(columns):
                continue
            what = ", ".join(char_name(c) for c in chars)
            cells = "en cell" if count == 1 else f"{count} celler"
            found.append(Problem(label, row, columns[position], None,
                                 f"Osynliga tecken har tagits bort ur {cells} i kolumnen ({what}), "
                                 "så att namnen kan jämföras: rensa gärna källan", WARNING))
        return found


def _frame(header, rows, label, table, problems) -> pd.DataFrame:
    """Build the text frame from a header and ``(row_number, cells)`` pairs."""
    names = [_normalise_header(h) for h in header]
    columns: list[str] = []
    for position, name in enumerate(names, start=1):
        if not name:
            name = f"kolumn_{position}"
        if name in columns:
            problems.append(Problem(label, 1, name, name, "Kolumnnamnet förekommer två gånger"))
            name = f"{name}_{position}"
        columns.append(name)
    invisible = _Invisible()
    records, index = [], []
    width = len(columns)
    for number, cells in rows:
        clean = []
        for position, c in enumerate(cells):
            if c is None:
                clean.append(None)
                continue
            text = str(c)
            if not text.isascii():
                text, removed = normalise(text)
                if removed:
                    invisible.note(position, number, removed)
            text = _CONTROL.sub(" ", text).strip() if not text.isprintable() else text.strip()
            clean.append(text or None)
        cells = clean
        if all(c is None for c in cells):
            continue  # empty rows are ignored by contract
        if len(cells) > width:
            extra = [c for c in cells[width:] if c is not None]
            if extra:
                problems.append(Problem(label, number, None, str(extra[0]),
                                        "Raden har fler värden än rubrikraden har kolumner "
                                        "(kontrollera avgränsare och citattecken)"))
            cells = cells[:width]
        if len(cells) < width:
            cells = cells + [None] * (width - len(cells))
        records.append(cells)
        index.append(number)
    problems += invisible.problems(label, columns)
    return pd.DataFrame(records, columns=columns, index=pd.Index(index, name="rad"), dtype=object)


def _mb(size: int) -> str:
    return f"{num(size / (1024 * 1024))} MB"


def _too_large(path: Path, label: str, problems: list) -> bool:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.append(Problem(label, None, None, None,
                                f"Filen är för stor ({_mb(size)}): högst {_mb(MAX_FILE_BYTES)} per fil läses. "
                                "Kontrollera att det är rätt fil"))
        return True
    return False


def _not_text(data: bytes) -> str | None:
    """Why the bytes are not a CSV text file, or None when they look like text."""
    if data.startswith(b"PK\x03\x04"):
        return ("Filen är inte en CSV-fil utan en arbetsbok eller zip-fil som har fått namnet .csv: spara den "
                f"som CSV i Excel, eller lägg bladen i {WORKBOOK}")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "Filen är inte en CSV-fil utan en äldre Excel-fil (xls): spara den som CSV i Excel"
    if data.startswith(b"%PDF"):
        return "Filen är inte en CSV-fil utan en PDF: spara tabellen som CSV"
    sample = data[:_SNIFF_BYTES]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        sample = sample[2:].decode("utf-16", errors="replace").encode("utf-8")
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13)) + sample.count(b"\x7f")
    if b"\x00" in sample or controls > _BINARY_SHARE * max(len(sample), 1):
        return ("Filen är inte en textfil: den innehåller binära data eller styrtecken. Kontrollera att det är "
                "rätt fil och spara tabellen som CSV")
    return None


_CSV_ERRORS = (
    ("field larger than field limit", "en cell är längre än 131 072 tecken"),
    ("new-line character seen in unquoted field", "en radbrytning står mitt i en cell utan citattecken"),
    ("line contains NUL", "filen innehåller NUL-tecken (binära data)"),
)


def _csv_error(exc: csv.Error) -> str:
    text = str(exc)
    for english, swedish in _CSV_ERRORS:
        if english in text:
            return f"Filen går inte att läsa som CSV: {swedish}"
    return "Filen går inte att läsa som CSV (kontrollera citattecknen)"


def read_csv(path: Path, table: str, label: str, problems: list) -> RawTable | None:
    """Read one contract CSV file into a :class:`RawTable`.

    Parameters
    ----------
    path : Path
        The file.
    table : str
        The contract table name.
    label : str
        The name shown to the analyst in problems.
    problems : list
        Problems found while reading are appended here.

    Returns
    -------
    RawTable, or None when the file cannot be read as a table at all (too
    large, binary, over the row or column limit); the reason is in ``problems``.
    """
    if _too_large(path, label, problems):
        return None
    with open(path, "rb") as handle:  # look at the start before reading a large file whole
        reason = _not_text(handle.read(_SNIFF_BYTES))
    if reason:
        problems.append(Problem(label, None, None, None, reason))
        return None
    data = path.read_bytes()
    text, encoding, legacy = decode_lines(data)
    del data
    if legacy:
        problems.append(_legacy_warning(label, legacy))
    read = _csv_records(text, label, problems)
    if read is None:
        return None
    header, rows = read
    if header is None:
        problems.append(Problem(label, None, None, None, "Filen är tom: rubrikraden saknas"))
        header = []
    return RawTable(table, label, _frame(header, rows, label, table, problems))


def _legacy_warning(label: str, legacy: list[int]) -> Problem:
    """The warning for rows of a UTF-8 file that were read as Windows-1252."""
    shown = ", ".join(map(str, legacy[:10])) + (f" och {len(legacy) - 10} till" if len(legacy) > 10 else "")
    return Problem(label, legacy[0], None, None,
                   f"Filen är sparad som UTF-8 men rad {shown} har en annan teckenkodning "
                   "(troligen Windows-1252) och har lästs så: kontrollera å, ä och ö på "
                   "raden och spara hela filen som UTF-8", WARNING)


def _csv_records(text: str, label: str, problems: list):
    """``(header or None, [(row number, cells)])`` of a CSV text, or None over the column or row limit."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    header = None
    rows = []
    number = 0  # the record's row number as Excel shows it (one record = one row)
    try:
        for number, cells in enumerate(reader, start=1):
            if header is None:
                if any(c.strip() for c in cells):
                    header = cells
                    if len(header) > MAX_COLUMNS:
                        problems.append(Problem(label, number, None, None,
                                                f"Rubrikraden har {len(header)} kolumner: högst {MAX_COLUMNS} "
                                                "kolumner per tabell läses. Kontrollera avgränsaren"))
                        return None
                continue
            if len(rows) >= MAX_ROWS:
                problems.append(Problem(label, number, None, None,
                                        f"Tabellen har fler än {num(MAX_ROWS)} datarader, som är gränsen per "
                                        "tabell: dela upp underlaget eller kontrollera filen"))
                return None
            rows.append((number, cells[:MAX_COLUMNS + 1]))
    except csv.Error as exc:
        problems.append(Problem(label, number + 1, None, None, _csv_error(exc)))
    return header, rows


def _cell_text(value):
    """Excel cell value to text as the analyst would have typed it."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


NO_SAVED_VALUE = "Formel utan sparat värde: öppna filen i Excel och spara den"


def _sheet_rows(workbook, sheet):
    """Yield ``(row number, [cell dicts])`` for the rows a sheet's XML holds, sparsely.

    openpyxl's read-only worksheet pads every row to the sheet's stated width
    and yields every missing row up to its stated height (a stray cell at
    XFD1048576 makes that 17 billion cells). Its own XML parser, used here,
    yields only the cells that are written in the file. The parser is asked
    for cached values (``data_only``); a formula cell without a cached value
    is marked so that it is reported, not read as empty.

    This uses openpyxl's worksheet parser (``openpyxl.worksheet._reader``),
    pinned in requirements.lock; tests/test_input_hardening.py covers it.
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class CachedValueParser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None:
                formula, saved = element.find(FORMULA_TAG), element.find(VALUE_TAG)
                # No <v>, or an empty one outside a text result (openpyxl and other
                # scripts write <v></v>; Excel writes the value, "" only as t="str").
                if formula is not None and (saved is None or (not saved.text and element.get("t") != "str")):
                    cell["data_type"] = "formula"
                    cell["value"] = "=" + (formula.text or "")
            return cell

    with sheet._get_source() as source:
        parser = CachedValueParser(source, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
                                   date_formats=workbook._date_formats,
                                   timedelta_formats=workbook._timedelta_formats)
        yield from parser.parse()


def _read_sheet(workbook, sheet, sheet_label: str, table: str, problems: list) -> RawTable | None:
    """One sheet as a raw table, reading only the cells that hold something."""
    from openpyxl.utils import get_column_letter

    header = None
    header_row = 0
    body = []
    outside: list[str] = []
    pending: list[tuple] = []  # (row, column position, rule, value) found before the header was known
    for number, cells in _sheet_rows(workbook, sheet):
        values = _row_values(number, cells, outside, pending)
        if not values:
            continue
        if header is None:
            header_row = number
            header = [None] * max(values)
            for column, value in values.items():
                header[column - 1] = value
            continue
        if len(body) >= MAX_ROWS:
            first = min(values)
            problems.append(Problem(sheet_label, number, None, None,
                                    f"Bladet har fler än {num(MAX_ROWS)} datarader, som är gränsen per tabell "
                                    f"(cell {get_column_letter(first)}{number} är ifylld): dela upp underlaget "
                                    "eller ta bort det som står där"))
            return None
        row = [None] * max(values)
        for column, value in values.items():
            row[column - 1] = _cell_text(value)
        body.append((number, row))
    if outside:
        more = f" och {len(outside) - 1} celler till" if len(outside) > 1 else ""
        problems.append(Problem(sheet_label, None, None, outside[0],
                                f"Cellen {outside[0]}{more} ligger utanför de {MAX_COLUMNS} kolumner som läses: "
                                "ta bort innehållet (markera kolumnerna och välj Ta bort) eller flytta det till "
                                "ett annat blad"))
    if header is None:
        problems.append(Problem(sheet_label, None, None, None, "Bladet är tomt: rubrikraden saknas"))
        return RawTable(table, sheet_label, _frame([], [], sheet_label, table, problems))
    frame = _frame(header, body, sheet_label, table, problems)
    return RawTable(table, sheet_label, frame, _pending_problems(frame, pending, header_row, sheet_label, problems))


def _row_values(number: int, cells, outside: list[str], pending: list[tuple]) -> dict[int, object]:
    """The filled cells of one sheet row by column; cells beyond the limit, formulas without a saved value
    and Excel errors are noted in ``outside`` and ``pending``."""
    from openpyxl.utils import get_column_letter

    values: dict[int, object] = {}
    for cell in cells:
        value, column = cell["value"], cell["column"]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if column > MAX_COLUMNS:
            outside.append(f"{get_column_letter(column)}{number}")
            continue
        if cell["data_type"] == "formula":
            pending.append((number, column, NO_SAVED_VALUE, value))
        elif cell["data_type"] == "e":
            pending.append((number, column, f"Cellen innehåller ett fel från Excel ({value}): rätta formeln",
                            value))
        values[column] = value
    return values


def _pending_problems(frame: pd.DataFrame, pending: list[tuple], header_row: int, sheet_label: str,
                      problems: list) -> set:
    """Report the cells noted while reading, now that the column names are known; returns the masked cells."""
    from openpyxl.utils import get_column_letter

    masked = set()
    for number, column, rule, value in pending:
        name = frame.columns[column - 1] if column <= len(frame.columns) else get_column_letter(column)
        if number == header_row:
            name = None
        problems.append(Problem(sheet_label, number, name, str(value), rule))
        masked.add((number, name))
    return masked


def _sheet_key(name: str) -> str:
    return normalise(name)[0].strip().casefold()


def read_workbook(path: Path, tables, label_prefix: str, problems: list) -> dict[str, RawTable]:
    """Read the sheets named after contract tables from one workbook.

    Parameters
    ----------
    path : Path
        The ``uppfoljning.xlsx`` file.
    tables : iterable of str
        Table names to look for (sheet names are matched case-insensitively,
        without surrounding spaces).
    label_prefix : str
        Folder part of the label, e.g. ``2024/``.
    problems : list
        Problems found while reading are appended here.

    Returns
    -------
    dict of table name to RawTable, for the sheets present; None for a sheet
    present but not read (the reason is in ``problems``).
    A hidden sheet, two sheets for one table (``stod`` and `` Stod``) and a
    sheet over the limits are problems, and the table is left out.
    """
    from openpyxl import load_workbook  # slow import, only when a workbook is used

    label = f"{label_prefix}{path.name}"
    if _too_large(path, label, problems):
        return {}
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a broken file
        problems.append(Problem(label, None, None, None,
                                "Arbetsboken går inte att öppna: filen är skadad eller inte en Excel-arbetsbok "
                                "(xlsx). Öppna den i Excel och spara den som Excel-arbetsbok"))
        return {}
    found = {}
    try:
        sheets: dict[str, list[str]] = {}
        for name in workbook.sheetnames:
            sheets.setdefault(_sheet_key(name), []).append(name)
        for table in tables:
            names = sheets.get(table.casefold(), [])
            if names:
                found[table] = _table_sheet(workbook, names, table, label, problems)
    finally:
        workbook.close()
    return found


def _table_sheet(workbook, names: list[str], table: str, label: str, problems: list) -> RawTable | None:
    """The one sheet (of ``names``) of a table, or None when it is not read (the problem says why)."""
    if len(names) > 1:
        listed = ", ".join(repr(n) for n in names)
        problems.append(Problem(label, None, None, None,
                                f"Flera blad motsvarar tabellen {table} ({listed}): behåll ett av dem och "
                                "byt namn på eller ta bort de andra"))
        return None
    sheet_name = names[0]
    sheet_label = f"{label}, blad {sheet_name}"
    sheet = workbook[sheet_name]
    if sheet.sheet_state != "visible":
        problems.append(Problem(sheet_label, None, None, None,
                                f"Bladet {sheet_name} är dolt: visa det (högerklicka på en bladflik och välj "
                                "Ta fram) och kontrollera innehållet, eller ta bort bladet"))
        return None
    return _read_sheet(workbook, sheet, sheet_label, table, problems)
