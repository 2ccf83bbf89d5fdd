"""Reading the raw tables of a year folder (CSV files or one workbook).

A raw table is a DataFrame of text cells (None for empty cells) whose index is
the row number the analyst sees in Excel (header = row 1). Header names are
normalised (surrounding spaces removed, lower case); columns outside the
contract are kept. Typing and rule checks happen in :mod:`serviceprogram.schemas`.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import Problem

WORKBOOK = "uppfoljning.xlsx"
ENCODINGS = ("utf-8-sig", "cp1252")


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
    """

    name: str
    label: str
    frame: pd.DataFrame


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
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Text with control characters replaced by spaces and surrounding space removed."""
    return _CONTROL.sub(" ", value).strip()


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-16 (with BOM), UTF-8 (with or without BOM), else Windows-1252.

    Returns
    -------
    tuple of (text, encoding name)
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    # cp1252 leaves five bytes undefined; latin-1 maps every byte.
    return data.decode("latin-1"), "latin-1"


def detect_delimiter(text: str) -> str:
    """``;``, tab or ``,``: whichever the header line uses most (``,`` on a tie)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {",": header.count(","), ";": header.count(";"), "\t": header.count("\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _normalise_header(name) -> str:
    return "" if name is None else str(name).strip().lower()


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
    records, index = [], []
    for number, cells in rows:
        cells = [None if c is None or clean_text(str(c)) == "" else clean_text(str(c)) for c in cells]
        if all(c is None for c in cells):
            continue  # empty rows are ignored by contract
        if len(cells) > len(columns):
            extra = [c for c in cells[len(columns):] if c is not None]
            if extra:
                problems.append(Problem(label, number, None, str(extra[0]),
                                        "Raden har fler värden än rubrikraden har kolumner "
                                        "(kontrollera avgränsare och citattecken)"))
            cells = cells[: len(columns)]
        cells = cells + [None] * (len(columns) - len(cells))
        records.append(cells)
        index.append(number)
    frame = pd.DataFrame(records, columns=columns, index=pd.Index(index, name="rad"), dtype=object)
    return frame


def read_csv(path: Path, table: str, label: str, problems: list) -> RawTable:
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
    RawTable
    """
    text, _ = decode(path.read_bytes())
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = None
    rows = []
    number = 0  # the record's row number as Excel shows it (one record = one row)
    try:
        for number, cells in enumerate(reader, start=1):
            if header is None:
                if any(c.strip() for c in cells):
                    header = cells
                continue
            rows.append((number, [c.strip() for c in cells]))
    except csv.Error as exc:
        problems.append(Problem(label, number + 1, None, None, f"Filen går inte att läsa som CSV: {exc}"))
    if header is None:
        problems.append(Problem(label, None, None, None, "Filen är tom: rubrikraden saknas"))
        header = []
    return RawTable(table, label, _frame(header, rows, label, table, problems))


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


def read_workbook(path: Path, tables, label_prefix: str, problems: list) -> dict[str, RawTable]:
    """Read the sheets named after contract tables from one workbook.

    Parameters
    ----------
    path : Path
        The ``uppfoljning.xlsx`` file.
    tables : iterable of str
        Table names to look for (sheet names are matched case-insensitively).
    label_prefix : str
        Folder part of the label, e.g. ``2024/``.
    problems : list
        Problems found while reading are appended here.

    Returns
    -------
    dict of table name to RawTable, for the sheets present.
    """
    from openpyxl import load_workbook  # slow import, only when a workbook is used

    label = f"{label_prefix}{path.name}"
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        problems.append(Problem(label, None, None, None, f"Arbetsboken går inte att öppna: {exc}"))
        return {}
    found = {}
    try:
        sheets = {name.strip().casefold(): name for name in workbook.sheetnames}
        for table in tables:
            sheet_name = sheets.get(table.casefold())
            if sheet_name is None:
                continue
            sheet_label = f"{label}, blad {sheet_name}"
            rows = list(workbook[sheet_name].iter_rows(values_only=True))
            header_index = next((i for i, r in enumerate(rows) if any(c is not None and str(c).strip() for c in r)), None)
            if header_index is None:
                problems.append(Problem(sheet_label, None, None, None, "Bladet är tomt: rubrikraden saknas"))
                found[table] = RawTable(table, sheet_label, _frame([], [], sheet_label, table, problems))
                continue
            header = list(rows[header_index])
            while header and (header[-1] is None or str(header[-1]).strip() == ""):
                header.pop()
            body = [
                (number + 1, [_cell_text(c) for c in cells])
                for number, cells in enumerate(rows)
                if number > header_index
            ]
            found[table] = RawTable(table, sheet_label, _frame(header, body, sheet_label, table, problems))
    finally:
        workbook.close()
    return found
