"""The data contract's tables as pandera schemas, and conversion to typed frames.

Each table is described once, in :data:`TABLES`, by its fields. From that
description :func:`build_schema` makes a pandera schema that checks the raw
text cells (so that every problem names the value as the analyst wrote it),
and :func:`convert` turns a valid frame into typed columns.

The closed sets of values (statuses, support types) are defined here and
nowhere else; the Excel template and the reports read them from here.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from ..errors import Problem
from . import parsing
from .program import Program

__all__ = ["INSATS_STATUS", "STODFORMER", "BESOKSFORMER", "DAGLIGVAROR", "PLAN_STATUS", "MAX_WHOLE",
           "LAT_RANGE", "LON_RANGE", "X_RANGE", "Y_RANGE", "COORDINATES", "Field", "TABLES", "BEFOLKNING",
           "BEFOLKNING_SWEREF", "YEAR_TABLES", "DATE_FORM_RULE", "DATE_MONTH_RULE", "DATE_DAY_RULE",
           "build_schema", "validate", "convert"]

INSATS_STATUS = ("Genomförd", "Pågår", "Ej påbörjad", "Inställd")
STODFORMER = ("Hemsändningsbidrag", "Servicebidrag", "Investeringsbidrag", "Särskilt driftstöd")
BESOKSFORMER = ("Fysiskt", "Digitalt")
DAGLIGVAROR = ("Fullsortiment", "Ej fullsortiment")
PLAN_STATUS = ("Antagen", "Under framtagande", "Saknas")

# Larger whole numbers are typing errors (and would not fit the integer columns).
MAX_WHOLE = 10**12
# Valid WGS 84 ranges for points in Sweden (data contract).
LAT_RANGE = (55.0, 69.1)
LON_RANGE = (10.9, 24.2)
# SWEREF 99 TM (EPSG:3006) metres around Sweden, generously.
X_RANGE = (100_000.0, 1_100_000.0)
Y_RANGE = (6_000_000.0, 7_800_000.0)
# Coordinate kinds: valid range, name, unit and the range as the analyst reads it.
COORDINATES = {
    "lat": (LAT_RANGE, "latitud", "i decimalgrader (WGS 84)", "55–69,1"),
    "lon": (LON_RANGE, "longitud", "i decimalgrader (WGS 84)", "10,9–24,2"),
    "x": (X_RANGE, "östlig koordinat (x)", "i meter (SWEREF 99 TM)", "mellan 100 000 och 1 100 000 m"),
    "y": (Y_RANGE, "nordlig koordinat (y)", "i meter (SWEREF 99 TM)", "mellan 6 000 000 och 7 800 000 m"),
}


@dataclass(frozen=True)
class Field:
    """One column of a contract table.

    ``kind`` is one of: text, number, amount (whole kronor > 0), count
    (whole number >= 0), date, bool, choice, area (a priority area of the
    programme), kommun, lat, lon, x, y (SWEREF 99 TM metres).
    """

    name: str
    kind: str = "text"
    required: bool = False
    unique: bool = False
    choices: tuple[str, ...] = ()
    in_year: bool = False
    help: str = ""


TABLES: dict[str, tuple[Field, ...]] = {
    "insatser": (
        Field("id", required=True, unique=True, help="Insatsens id, unikt inom året"),
        Field("prioriterat_omrade", "area", required=True, help="Ett av programmets prioriterade områden"),
        Field("insats", required=True, help="Kort rubrik för insatsen"),
        Field("mal", required=True, help="Det mätbara målet som det står i handlingsplanen"),
        Field("malvarde", "number", help="Målvärde i siffror, där målet har ett"),
        Field("utfall", "number", help="Utfall i siffror vid årets slut"),
        Field("ansvarig", required=True, help="Ansvariga aktörer, separerade med semikolon"),
        Field("status", "choice", required=True, choices=INSATS_STATUS, help="Insatsens status vid årets slut"),
        Field("kommentar", help="Fri text"),
    ),
    "stod": (
        Field("diarienummer", required=True, unique=True, help="Beslutets diarienummer, unikt inom året"),
        Field("stodform", "choice", required=True, choices=STODFORMER, help="Stödform enligt förordning (2000:284)"),
        Field("mottagare", required=True, help="Butik, företag eller kommun som fått stödet"),
        Field("kommun", "kommun", required=True, help="Kommunens namn eller kod"),
        Field("belopp_kr", "amount", required=True, help="Beviljat belopp i hela kronor"),
        Field("beslutsdatum", "date", required=True, in_year=True, help="Beslutsdatum (ÅÅÅÅ-MM-DD) inom året"),
        Field("serviceplats_id", help="Serviceplatsens id i serviceplatser, om stödet gäller en plats"),
    ),
    "foretagsbesok": (
        Field("datum", "date", required=True, in_year=True, help="Besöksdatum (ÅÅÅÅ-MM-DD) inom året"),
        Field("kommun", "kommun", required=True, help="Kommunens namn eller kod"),
        Field("foretag", required=True, help="Företaget som besöktes"),
        Field("form", "choice", required=True, choices=BESOKSFORMER, help="Fysiskt eller Digitalt"),
        Field("medverkande", help="Medverkande organisationer, separerade med semikolon"),
        Field("serviceplats_id", help="Serviceplatsens id, om företaget är en serviceplats"),
    ),
    "serviceplatser": (
        Field("id", required=True, unique=True, help="Platsens id; samma plats behåller sitt id år från år"),
        Field("namn", required=True, help="Platsens namn"),
        Field("kommun", "kommun", required=True, help="Kommunens namn eller kod"),
        Field("ort", required=True, help="Ort"),
        Field("lat", "lat", required=True, help="Latitud WGS 84 (55–69,1)"),
        Field("lon", "lon", required=True, help="Longitud WGS 84 (10,9–24,2)"),
        Field("dagligvaror", "choice", choices=DAGLIGVAROR, help="Fullsortiment, Ej fullsortiment eller tomt"),
        Field("drivmedel", "bool", help="ja/nej"),
        Field("paketombud", "bool", help="ja/nej"),
        Field("apoteksombud", "bool", help="ja/nej"),
        Field("kontantuttag", "bool", help="ja/nej"),
        Field("sot_punkt", "bool", help="ja/nej: service- och trygghetspunkt"),
        Field("sot_invigd", "date", help="Datum då SOT-punkten invigdes; tomt: oppnad gäller"),
        Field("oppnad", "date", help="Datum då platsen öppnade, om känt"),
        Field("stangd", "date", help="Datum då platsen stängde; en stängd plats står kvar i filen"),
    ),
    "serviceplaner": (
        Field("kommun", "kommun", required=True, unique=True, help="Varje kommun i programmet exakt en gång"),
        Field("serviceplan", "choice", required=True, choices=PLAN_STATUS, help="Serviceplanens status vid årets slut"),
        Field("serviceplan_beslut", "date", help="Beslutsdatum, krävs när serviceplanen är Antagen"),
        Field("handlingsplan", "choice", required=True, choices=PLAN_STATUS, help="Handlingsplanens status vid årets slut"),
        Field("handlingsplan_beslut", "date", help="Beslutsdatum, krävs när handlingsplanen är Antagen"),
    ),
}

# The optional population table; it may use SWEREF 99 TM x/y instead of lat/lon.
BEFOLKNING = (
    Field("lat", "lat", required=True),
    Field("lon", "lon", required=True),
    Field("befolkning", "count", required=True),
    Field("kommun", "kommun"),
)
BEFOLKNING_SWEREF = (
    Field("x", "x", required=True),
    Field("y", "y", required=True),
    Field("befolkning", "count", required=True),
    Field("kommun", "kommun"),
)

YEAR_TABLES = tuple(TABLES)


def _in_range(low, high):
    def check(value) -> bool:
        return not parsing.is_number(value) or low <= parsing.parse_number(value) <= high
    return check


def _one_of(choices):
    allowed = {c.casefold() for c in choices}
    return lambda value: str(value).strip().casefold() in allowed


def _in_year(year):
    def check(value) -> bool:
        return not parsing.is_date(value) or parsing.parse_date(value).year == year
    return check


DATE_FORM_RULE = "Måste vara ett datum i formen ÅÅÅÅ-MM-DD"
DATE_MONTH_RULE = "Månaden finns inte: en månad är 01–12"
DATE_DAY_RULE = "Dagen finns inte i den månaden"
_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
           "oktober", "november", "december")


def _date_form(value) -> bool:
    """True for text in the form ``YYYY-MM-DD`` (whether or not the date exists)."""
    return parsing._DATE.match(str(value).strip()) is not None


def _date_parts(value) -> tuple[int, int, int]:
    match = parsing._DATE.match(str(value).strip())
    return int(match[1]), int(match[2]), int(match[3])


def _explain_date(rule: str, value) -> str:
    """The date rules with the impossible part named: ``Månad 13 finns inte ...``."""
    if value is None or rule not in (DATE_MONTH_RULE, DATE_DAY_RULE) or not _date_form(value):
        return rule
    year, month, day = _date_parts(value)
    if rule == DATE_MONTH_RULE:
        return f"Månad {month} finns inte: en månad är 01–12 (datum skrivs ÅÅÅÅ-MM-DD)"
    return f"Dag {day} finns inte i {_MONTHS[month - 1]} {year}"


def _once_per_value(fn):
    """``fn`` computed once for each distinct cell value of a table (a pure function of the value).

    A population grid repeats the same municipality and the same small counts
    thousands of times. The key holds the value's type, so that ``1``,
    ``1.0`` and ``True`` (equal in Python) keep their own results.
    """
    cache = {}

    def call(value):
        try:
            key = (type(value), value)
            return cache[key]
        except KeyError:
            result = cache[key] = fn(value)
            return result
        except TypeError:  # an unhashable value: computed every time
            return fn(value)
    return call


def _checks(field: Field, program: Program, year: int | None) -> list[pa.Check]:
    def element(fn, error):
        return pa.Check(_once_per_value(fn), element_wise=True, error=error)

    kind = field.kind
    if kind == "number":
        return [element(parsing.is_number, "Måste vara ett tal, t.ex. 1 234 eller 12,5")]
    if kind == "amount":
        return [
            element(parsing.is_number, "Måste vara ett belopp i kronor, t.ex. 1 407 970 eller 1407970 kr"),
            element(lambda v: not parsing.is_number(v) or parsing.parse_number(v).is_integer(),
                    "Måste vara hela kronor (inga ören)"),
            element(lambda v: not parsing.is_number(v) or parsing.parse_number(v) > 0,
                    "Måste vara större än 0"),
            element(lambda v: not parsing.is_number(v) or parsing.parse_number(v) < MAX_WHOLE,
                    "Beloppet är orimligt stort (över 1 000 miljarder kronor): kontrollera värdet"),
        ]
    if kind == "count":
        return [
            element(parsing.is_whole_number, "Måste vara ett heltal"),
            element(lambda v: not parsing.is_number(v) or parsing.parse_number(v) >= 0,
                    "Får inte vara negativt"),
            element(lambda v: not parsing.is_number(v) or parsing.parse_number(v) < MAX_WHOLE,
                    "Talet är orimligt stort: kontrollera värdet"),
        ]
    if kind == "date":
        # Three checks, so that an impossible date in the right form says what is
        # impossible (month 13, 30 February) instead of repeating the form.
        checks = [
            element(_date_form, DATE_FORM_RULE),
            element(lambda v: not _date_form(v) or 1 <= _date_parts(v)[1] <= 12, DATE_MONTH_RULE),
            element(lambda v: not _date_form(v) or not 1 <= _date_parts(v)[1] <= 12 or parsing.is_date(v),
                    DATE_DAY_RULE),
        ]
        if field.in_year and year is not None:
            checks.append(element(_in_year(year), f"Datumet måste ligga inom uppföljningsåret {year}"))
        return checks
    if kind == "bool":
        return [element(parsing.is_bool, "Måste vara ja eller nej (även x/tomt, 1/0, true/false)")]
    if kind == "choice":
        return [element(_one_of(field.choices), "Måste vara ett av: " + ", ".join(field.choices))]
    if kind == "area":
        return [element(_one_of(program.prioriterade_omraden),
                        "Måste vara ett prioriterat område i program.toml: "
                        + ", ".join(program.prioriterade_omraden))]
    if kind == "kommun":
        return [element(lambda v: program.resolve_kommun(v) is not None,
                        "Måste vara en kommun (namn eller kod) i program.toml")]
    if kind in COORDINATES:
        (low, high), what, unit, span = COORDINATES[kind]
        return [
            element(parsing.is_number, f"Måste vara en {what} {unit}"),
            element(_in_range(low, high), f"Måste ligga inom Sverige: {what} {span}"),
        ]
    return []


def build_schema(fields, program: Program, year: int | None) -> pa.DataFrameSchema:
    """The pandera schema for a table's raw text cells.

    Parameters
    ----------
    fields : tuple of Field
        The table's fields (from :data:`TABLES`).
    program : Program
        Supplies priority areas and municipalities.
    year : int or None
        The follow-up year, for dates that must fall inside it.

    Returns
    -------
    pandera.DataFrameSchema
    """
    columns = {
        f.name: pa.Column(
            checks=_checks(f, program, year),
            nullable=not f.required,
            unique=f.unique,
            required=f.required,
        )
        for f in fields
    }
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


_BUILTIN_RULES = {
    "not_nullable": "Värde saknas: kolumnen är obligatorisk",
    "field_uniqueness": "Värdet måste vara unikt men förekommer på flera rader",
    "column_in_dataframe": "Obligatorisk kolumn saknas",
}


def validate(raw, fields, program: Program, year: int | None) -> list[Problem]:
    """Check a raw table against its schema.

    Parameters
    ----------
    raw : RawTable
        The table as read.
    fields, program, year
        As for :func:`build_schema`.

    Returns
    -------
    list of Problem
        Every broken rule (empty when the table is valid).
    """
    schema = build_schema(fields, program, year)
    try:
        schema.validate(raw.frame, lazy=True)
    except SchemaErrors as exc:
        problems = _failure_problems(exc.failure_cases, raw.label, raw.frame)
        masked = getattr(raw, "masked", None)
        # cells already reported while reading (a formula without a saved value)
        return [p for p in problems if (p.row, p.column) not in masked] if masked else problems
    return []


def _failure_problems(cases: pd.DataFrame, label: str, frame: pd.DataFrame) -> list[Problem]:
    problems = []
    for case in cases.itertuples(index=False):
        check = str(case.check)
        rule = _BUILTIN_RULES.get(check, check)
        if check == "column_in_dataframe":
            problems.append(Problem(label, 1, str(case.failure_case), None,
                                    f"{rule} (rubrikraden har: {', '.join(map(str, frame.columns)) or 'inga kolumner'})"))
            continue
        row = None if pd.isna(case.index) else int(case.index)
        value = None if row is None or case.column not in frame.columns else frame.at[row, case.column]
        problems.append(Problem(label, row, case.column, None if value is None else str(value),
                                _explain_date(rule, value)))
    return problems


def _text(value):
    """Stripped text, or None for a missing cell."""
    return None if value is None or (isinstance(value, float) and value != value) else str(value).strip()


def _number(value) -> float:
    return parsing.parse_number(value) if value is not None else float("nan")


def _whole(value):
    return int(parsing.parse_number(value)) if value is not None else pd.NA


def _date(value):
    return parsing.parse_date(value) if value is not None else None


def convert(frame: pd.DataFrame, fields, program: Program) -> pd.DataFrame:
    """Typed copy of a valid raw frame.

    Numbers become floats, amounts and counts integers, dates ``datetime64``,
    booleans ``bool``, choices their canonical spelling and municipalities
    their name. Missing optional contract columns are added empty; columns
    outside the contract are kept as text.

    Parameters
    ----------
    frame : pandas.DataFrame
        A raw frame that passed :func:`validate`.
    fields : tuple of Field
    program : Program

    Returns
    -------
    pandas.DataFrame
    """
    out = frame.copy()
    for f in fields:
        if f.name not in out.columns:
            out[f.name] = None
        column = out[f.name]
        if f.kind in ("number", "lat", "lon", "x", "y"):
            out[f.name] = column.map(_once_per_value(_number)).astype(float)
        elif f.kind in ("amount", "count"):
            out[f.name] = column.map(_once_per_value(_whole)).astype("Int64")
        elif f.kind == "date":
            out[f.name] = pd.to_datetime(column.map(_once_per_value(_date)))
        elif f.kind == "bool":
            out[f.name] = column.map(_once_per_value(parsing.parse_bool)).astype(bool)
        elif f.kind in ("choice", "area"):
            choices = f.choices if f.kind == "choice" else program.prioriterade_omraden
            canonical = {c.casefold(): c for c in choices}
            out[f.name] = column.map(lambda v: canonical[str(v).strip().casefold()] if v is not None else "")
        elif f.kind == "kommun":
            resolve = _once_per_value(program.resolve_kommun)
            out[f.name] = pd.Series([resolve(v) for v in column], index=out.index, dtype=object)
        else:
            out[f.name] = pd.Series([_text(v) for v in column], index=out.index, dtype=object)
    ordered = [f.name for f in fields] + [c for c in out.columns if c not in {f.name for f in fields}]
    return out[ordered]
