"""The programme description, ``program.toml``.

The file is checked completely with pydantic models (:class:`ProgramFile`,
:class:`KommunEntry`, :class:`MalEntry`): every key's type, finite numbers,
ranges, text without control characters, and no unknown keys (with a hint
for a misspelt one). pydantic's errors are translated into the same Swedish
:class:`~serviceprogram.errors.Problem` records as the tables' problems (file
``program.toml``, the key path as column), so ``validate`` lists them all at
once and exits with 1. The public result is the frozen :class:`Program`
dataclass the rest of the package reads.

Optional top-level tables belong to other parts of the package (the memo's
``[arende]``, the access analysis's settings). They are
known to :data:`SECTIONS`: a table registered with a pydantic model is
checked here, one registered with ``None`` is accepted as a table and checked
by its owner. Register a new one with :func:`register_section`.
"""
from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic import Field as PField

from ..errors import DataError, Problem
from ..ids import SOT_TOTAL, TOTAL
from ..paths import PROGRAM_FILE
from .case import Case, parse_case
from .hygiene import CONTROL, normalise, quote

__all__ = ["DEFAULT_BANDS_KM", "MAX_POPULATION", "YEAR_RANGE", "MAX_TARGET_VALUE", "MAX_BAND_KM", "MAX_NAME",
           "MAX_TEXT", "MAX_PROGRAM_BYTES", "Municipality", "Funding", "Target", "Program", "Name",
           "Description", "Year", "YEAR_RULE", "Band", "KommunEntry", "Amount", "AMOUNT_RULE",
           "FinansieringEntry", "MalEntry", "ProgramFile", "SECTIONS", "register_section", "load_program"]

DEFAULT_BANDS_KM = (5, 10, 20)
MAX_POPULATION = 20_000_000  # more than Sweden: a typing error
YEAR_RANGE = (2000, 2100)
MAX_TARGET_VALUE = 1e12  # larger targets are typing errors
MAX_BAND_KM = 1000.0  # Sweden is about 1 600 km long; a band of more than 1 000 km is a typing error
MAX_NAME = 300  # characters in a name or title
MAX_TEXT = 2000  # characters in a description
MAX_PROGRAM_BYTES = 1_000_000  # program.toml is a few kilobytes; a larger file is not one


# -- the public result ------------------------------------------------------------------

@dataclass(frozen=True)
class Municipality:
    """One municipality of the programme."""

    kod: str
    namn: str
    folkmangd: int
    folkmangd_per_ar: tuple[tuple[int, int], ...] = ()  # (year, population) pairs given in program.toml

    def population(self, year: int | None = None) -> int:
        """The population of ``year`` when the programme gives it, else ``folkmangd``."""
        return dict(self.folkmangd_per_ar).get(year, self.folkmangd) if year is not None else self.folkmangd


@dataclass(frozen=True)
class Funding:
    """One ``[[finansiering]]`` row: a source of one year with budget, decided and paid out, in kronor."""

    ar: int
    kalla: str
    budget_kr: int
    beslutat_kr: int
    utbetalt_kr: int
    kommentar: str = ""


@dataclass(frozen=True)
class Target:
    """A programme target: an indicator id, the value to reach and the year."""

    indikator: str
    varde: float
    ar: int
    dimension: str = TOTAL
    beskrivning: str = ""
    riktning: str = "minst"  # "minst": reach at least the value; "högst": stay at or below it


@dataclass(frozen=True)
class Program:
    """A regional service programme as described by ``program.toml``.

    Attributes mirror the file's keys; ``kommuner`` keeps the file's order.
    ``sections`` holds the optional tables of :data:`SECTIONS` that the file
    has (a pydantic model when one is registered, else the raw dict); read
    them with :meth:`section`.
    """

    region: str
    lan: str
    program: str
    forsta_ar: int
    sista_ar: int
    exempeldata: bool
    prioriterade_omraden: tuple[str, ...]
    kommuner: tuple[Municipality, ...]
    mal: tuple[Target, ...] = ()
    avstandsband_km: tuple[float, ...] = DEFAULT_BANDS_KM
    path: Path | None = field(default=None, compare=False)
    sections: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    arende: Case | None = None  # the memo's case metadata, [arende] (see serviceprogram.inputs.case)
    finansiering: tuple[Funding, ...] = ()

    def population(self, year: int | None = None) -> int:
        """Population of all municipalities in ``year`` (``folkmangd_per_ar`` where given)."""
        return sum(k.population(year) for k in self.kommuner)

    def has_population_per_year(self) -> bool:
        """True when any municipality gives its population per year."""
        return any(k.folkmangd_per_ar for k in self.kommuner)

    def funding(self, year: int) -> list[Funding]:
        """The funding rows of ``year`` in file order."""
        return [f for f in self.finansiering if f.ar == year]

    @property
    def kommun_names(self) -> list[str]:
        """Municipality names in file order."""
        return [k.namn for k in self.kommuner]

    @property
    def folkmangd(self) -> int:
        """Population of all municipalities together."""
        return sum(k.folkmangd for k in self.kommuner)

    def kommun_lookup(self) -> dict[str, str]:
        """Map lower-cased name or code to the municipality's name."""
        return dict(self._kommun_lookup)

    @cached_property
    def _kommun_lookup(self) -> dict[str, str]:
        # Made once per programme: resolve_kommun runs for every cell of a population grid.
        lookup = {}
        for k in self.kommuner:
            lookup[k.namn.casefold()] = k.namn
            lookup[k.kod.casefold()] = k.namn
        return lookup

    def resolve_kommun(self, value) -> str | None:
        """The municipality's name for a name or code, or None if unknown.

        The value is compared after NFC normalisation and without invisible
        characters (a zero-width space), as names in the tables are.
        """
        if value is None:
            return None
        text, _ = normalise(str(value))
        return self._kommun_lookup.get(text.strip().casefold())

    def section(self, name: str):
        """An optional top-level table (see :data:`SECTIONS`), or None when the file has none."""
        return self.sections.get(name)


# -- the pydantic models of the file ---------------------------------------------------

def _clean(value: str) -> str:
    text, _ = normalise(value)
    if CONTROL.search(text):
        raise ValueError("Texten innehåller ett styrtecken (t.ex. NUL eller ESC) som inte kan skrivas "
                         "i rapporterna: ta bort det")
    return text.strip()


def _one_line(value: str) -> str:
    if re.search(r"[\r\n\t]", value):
        raise ValueError("Texten får inte innehålla radbrytningar eller tabbar")
    if len(value) > MAX_NAME:
        raise ValueError(f"Texten är för lång: högst {MAX_NAME} tecken")
    return value


def _not_empty(value: str) -> str:
    if not value:
        raise ValueError("Får inte vara tom")
    return value


def _long(value: str) -> str:
    if len(value) > MAX_TEXT:
        raise ValueError(f"Texten är för lång: högst {MAX_TEXT} tecken")
    return value


def _nfc(value):
    return normalise(value)[0].strip() if isinstance(value, str) else value


Name = Annotated[StrictStr, AfterValidator(_clean), AfterValidator(_one_line), AfterValidator(_not_empty)]
Description = Annotated[StrictStr, AfterValidator(_clean), AfterValidator(_long)]
Year = Annotated[StrictInt, PField(ge=YEAR_RANGE[0], le=YEAR_RANGE[1])]
YEAR_RULE = f"Måste vara ett årtal mellan {YEAR_RANGE[0]} och {YEAR_RANGE[1]}, utan citattecken"
Band = Annotated[float, PField(gt=0, le=MAX_BAND_KM, allow_inf_nan=False)]


class _Model(BaseModel):
    # strict: no silent conversion ("2023" is not a year, 1 is not true);
    # forbid: an unknown (misspelt) key is a problem, not ignored.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class KommunEntry(_Model):
    """One ``[[kommuner]]`` block."""

    kod: Annotated[StrictStr, PField(pattern=r"^[0-9]{4}$")] = PField(
        description='Måste vara en text med fyra siffror inom citattecken, t.ex. "2303"')
    namn: Name = PField(description="Måste finnas och vara kommunens namn som text")
    folkmangd: Annotated[StrictInt, PField(ge=1, le=MAX_POPULATION)] = PField(
        description="Måste vara ett heltal mellan 1 och 20 000 000")
    folkmangd_per_ar: dict[str, Annotated[StrictInt, PField(ge=1, le=MAX_POPULATION)]] = PField(
        {}, description="Måste vara en tabell med år och folkmängd, t.ex. { 2023 = 5110, 2025 = 5160 }, "
                        "med heltal mellan 1 och 20 000 000")

    @field_validator("folkmangd_per_ar")
    @classmethod
    def _years(cls, value: dict[str, int]) -> dict[str, int]:
        for key in value:
            if not re.fullmatch(r"[0-9]{4}", key) or not YEAR_RANGE[0] <= int(key) <= YEAR_RANGE[1]:
                raise ValueError(f"Nyckeln {quote(key)} är inte ett årtal: skriv t.ex. {{ 2023 = 5110 }}")
        return value


Amount = Annotated[StrictInt, PField(ge=0, le=10**12)]
AMOUNT_RULE = "Måste vara ett heltal i kronor, 0 eller mer, utan mellanslag och citattecken"


class FinansieringEntry(_Model):
    """One ``[[finansiering]]`` block: one source of funding in one year."""

    ar: Year = PField(description=YEAR_RULE)
    kalla: Name = PField(description='Måste vara källans namn som text, t.ex. "Anslag 1:1 Regionala tillväxtåtgärder"')
    budget_kr: Amount = PField(description=AMOUNT_RULE)
    beslutat_kr: Amount = PField(description=AMOUNT_RULE)
    utbetalt_kr: Amount = PField(description=AMOUNT_RULE)
    kommentar: Description = PField("", description=f"Måste vara en text (högst {MAX_TEXT} tecken)")


class MalEntry(_Model):
    """One ``[[mal]]`` block."""

    indikator: Name = PField(description=f"Måste vara ett indikator-id som text, t.ex. \"{SOT_TOTAL}\"")
    varde: Annotated[float, PField(ge=-MAX_TARGET_VALUE, le=MAX_TARGET_VALUE, allow_inf_nan=False)] = PField(
        description="Måste vara ett ändligt tal (inte nan eller inf), högst 1 000 miljarder")
    ar: Year = PField(description=YEAR_RULE)
    dimension: Name = PField(TOTAL, description=f"Måste vara en text, t.ex. \"{TOTAL}\"")
    riktning: Annotated[Literal["minst", "högst"], BeforeValidator(_nfc)] = PField(
        "minst", description='Måste vara "minst" eller "högst"')
    beskrivning: Description = PField("", description=f"Måste vara en text (högst {MAX_TEXT} tecken)")


class ProgramFile(_Model):
    """The keys of ``program.toml`` outside the optional tables."""

    region: Name = PField(description="Måste finnas och vara en text")
    lan: Name = PField(description="Måste finnas och vara en text")
    program: Name = PField(description="Måste finnas och vara en text")
    forsta_ar: Year = PField(description=YEAR_RULE)
    sista_ar: Year = PField(description=YEAR_RULE)
    exempeldata: StrictBool = PField(False, description="Måste vara true eller false (utan citattecken)")
    prioriterade_omraden: Annotated[list[Name], PField(min_length=1, max_length=100)] = PField(
        description='Måste vara en lista med minst ett namn, t.ex. ["Medborgare", "Servicegivare"]')
    avstandsband_km: Annotated[list[Band], PField(min_length=1, max_length=20)] = PField(
        list(DEFAULT_BANDS_KM),
        description=f"Måste vara en stigande lista med ändliga tal större än 0 och högst {MAX_BAND_KM:.0f} (km), "
                    "t.ex. [5, 10, 20]")
    kommuner: Annotated[list[KommunEntry], PField(min_length=1, max_length=400)] = PField(
        description="Minst ett [[kommuner]]-block krävs, ett per kommun")
    mal: Annotated[list[MalEntry], PField(max_length=1000)] = PField(
        [], description="Målen ska skrivas som [[mal]]-block")
    finansiering: Annotated[list[FinansieringEntry], PField(max_length=1000)] = PField(
        [], description="Finansieringen ska skrivas som [[finansiering]]-block")

    @field_validator("sista_ar")
    @classmethod
    def _not_before_first(cls, value: int, info: ValidationInfo) -> int:
        first = info.data.get("forsta_ar")
        if first is not None and first > value:
            raise ValueError("forsta_ar får inte vara senare än sista_ar")
        return value

    @field_validator("prioriterade_omraden")
    @classmethod
    def _unique_areas(cls, value: list[str]) -> list[str]:
        if len({a.casefold() for a in value}) != len(value):
            raise ValueError("Namnen måste vara unika (stora och små bokstäver räknas inte som skillnad)")
        return value

    @field_validator("avstandsband_km")
    @classmethod
    def _ascending(cls, value: list[float]) -> list[float]:
        if any(b <= a for a, b in zip(value, value[1:])):
            raise ValueError("Måste vara en stigande lista utan dubbletter, t.ex. [5, 10, 20]")
        return value

    @field_validator("kommuner")
    @classmethod
    def _unique_municipalities(cls, value: list[KommunEntry]) -> list[KommunEntry]:
        seen: set[str] = set()
        for entry in value:
            for key in (entry.kod, entry.namn.casefold()):
                if key in seen:
                    raise ValueError(f"Kommunen {entry.namn} ({entry.kod}) förekommer mer än en gång")
                seen.add(key)
        return value

    @field_validator("finansiering")
    @classmethod
    def _funding(cls, value: list[FinansieringEntry], info: ValidationInfo) -> list[FinansieringEntry]:
        first, last = info.data.get("forsta_ar"), info.data.get("sista_ar")
        seen: set[tuple[int, str]] = set()
        for number, entry in enumerate(value, start=1):
            if first is not None and last is not None and not first <= entry.ar <= last:
                raise ValueError(f"Block nr {number} ({entry.kalla}): året {entry.ar} ligger utanför "
                                 f"programperioden {first}–{last}")
            key = (entry.ar, entry.kalla.casefold())
            if key in seen:
                raise ValueError(f"Block nr {number}: källan {entry.kalla} står mer än en gång för {entry.ar}")
            seen.add(key)
        return value


# -- optional tables owned by other parts of the package -------------------------------

SECTIONS: dict[str, type[BaseModel] | None] = {
    "arende": None,  # the memo's case metadata
    "tillganglighet": None,  # access analysis settings
    "befolkning": None,  # population file settings
    "vagnat": None,  # road network settings
}
# The block lists whose entries have their own model (for unknown-key hints and rules).
_LIST_MODELS: dict[str, type[BaseModel]] = {"kommuner": KommunEntry, "mal": MalEntry,
                                            "finansiering": FinansieringEntry}


def register_section(name: str, model: type[BaseModel] | None = None) -> None:
    """Make an optional top-level table ``[name]`` known to ``program.toml``.

    Parameters
    ----------
    name : str
        The table's name.
    model : pydantic model class, optional
        Checked here with the same Swedish problem list; the validated
        instance is then ``Program.section(name)``. None: the table is
        accepted (it must be a table) and checked by its owner.
    """
    SECTIONS[name] = model


# -- from pydantic's errors to Swedish problems ----------------------------------------

def _problem(rule: str, key: str | None = None, value=None, row: int | None = None) -> Problem:
    return Problem(PROGRAM_FILE, row, key, None if value is None else quote(_shown(value)), rule)


def _shown(value) -> str:
    """A TOML value as the analyst wrote it (``true``, ``"text"`` inside lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) > 10**30:
        return f"{str(value)[:12]}… ({len(str(value))} siffror)"
    if isinstance(value, (list, dict)):
        return repr(value)
    return str(value)


def _key_path(loc) -> str:
    """``('kommuner', 0, 'kod')`` → ``kommuner nr 1, kod``."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int) and parts:
            parts[-1] += f" nr {item + 1}"
        else:
            parts.append(str(item))
    return ", ".join(parts)


def _model_at(root: type[BaseModel], keys: list[str]) -> type[BaseModel] | None:
    """The model that holds the last key of a path (keys without list positions)."""
    model = root
    for key in keys[:-1]:
        if model is ProgramFile and key in _LIST_MODELS:
            model = _LIST_MODELS[key]
        else:
            return None
    return model


def _known_keys(model: type[BaseModel]) -> list[str]:
    keys = list(model.model_fields)
    return keys + list(SECTIONS) if model is ProgramFile else keys


def _unknown_key(key: str, known) -> str:
    match = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if match:
        return f"Okänd nyckel '{quote(key)}' – menade du '{match[0]}'? Nyckeln finns inte i datakontraktet"
    return f"Okänd nyckel '{quote(key)}': nyckeln finns inte i datakontraktet (se docs/datakontrakt.md, avsnitt 3)"


# Rules for pydantic error types that say the same whatever the key.
_TYPE_RULES = {
    "finite_number": "Måste vara ett ändligt tal: nan och inf godtas inte",
    "model_type": "Måste vara ett block med nycklar",
    "dict_type": "Måste vara en tabell med nycklar",
    "list_type": "Måste vara en lista",
}


def _error_problems(error: ValidationError, root: type[BaseModel], prefix: tuple = ()) -> list[Problem]:
    """Swedish problems for every error pydantic found (never pydantic's English text)."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        keys = [k for k in loc if isinstance(k, str)]
        kind = item["type"]
        column = _key_path(prefix + loc)
        model = _model_at(root, keys) if keys else None
        field_info = model.model_fields.get(keys[-1]) if model is not None and keys else None
        described = field_info.description if field_info is not None and field_info.description else None
        if kind == "extra_forbidden":
            known = _known_keys(model) if model is not None else []
            problems.append(_problem(_unknown_key(keys[-1], known), column))
            continue
        if kind == "missing":
            rule = "Nyckeln saknas" + (f": {described[0].lower()}{described[1:]}" if described else "")
            problems.append(_problem(rule, column))
            continue
        if kind == "value_error":
            rule = str(item["ctx"]["error"])
        elif kind == "finite_number":
            rule = _TYPE_RULES[kind]
        elif kind == "model_type" and model is not None and keys and keys[-1] in _LIST_MODELS:
            rule = f"Måste vara ett [[{keys[-1]}]]-block"
        else:
            rule = described or _TYPE_RULES.get(kind, "Värdet följer inte datakontraktet (se docs/datakontrakt.md)")
        value = item.get("input")
        if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value)):
            value = None  # a whole block: the key path says where it is
        problems.append(_problem(rule, column, value))
    return problems


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _toml_problem(exc: tomllib.TOMLDecodeError) -> Problem:
    """tomllib's English message as a Swedish problem naming the line."""
    match = _TOML_POSITION.search(str(exc))
    if match:
        return _problem(f"Filen går inte att läsa som TOML: fel på rad {match[1]}, tecken {match[2]} "
                        "(kontrollera citattecken, hakparenteser, likhetstecken och att ingen nyckel står två "
                        "gånger)", row=int(match[1]))
    return _problem("Filen går inte att läsa som TOML (kontrollera citattecken, hakparenteser och likhetstecken)")


def _read(data_dir: Path) -> dict:
    path = data_dir / PROGRAM_FILE
    if not path.is_file():
        raise DataError([_problem(f"Filen saknas i datamappen {data_dir}")])
    try:
        path.resolve().relative_to(data_dir.resolve())
    except ValueError:
        raise DataError([_problem("Filen är en länk som pekar utanför datamappen och läses inte: "
                                  "kopiera filen in i datamappen")]) from None
    size = path.stat().st_size
    if size > MAX_PROGRAM_BYTES:
        raise DataError([_problem(f"Filen är för stor ({size // 1000} kB, högst 1 000 kB): program.toml är en "
                                  "kort textfil")])
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise DataError([_problem("Filen är inte sparad som UTF-8: spara den som UTF-8 i textredigeraren",
                                  row=line)]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError([_toml_problem(exc)]) from None
    except RecursionError:
        raise DataError([_problem("Filen går inte att läsa som TOML: för djupt nästlade listor")]) from None


def load_program(data_dir) -> Program:
    """Read and check ``program.toml`` in a data folder.

    Parameters
    ----------
    data_dir : str or Path
        The data folder.

    Returns
    -------
    Program

    Raises
    ------
    DataError
        If the file is missing, is not valid TOML (UTF-8) or breaks a rule;
        every problem is listed, in Swedish.
    """
    data_dir = Path(data_dir)
    path = data_dir / PROGRAM_FILE
    raw = _read(data_dir)
    problems: list[Problem] = []
    sections = _sections(raw, problems)
    try:
        checked = ProgramFile.model_validate(raw)
    except ValidationError as exc:
        problems += _error_problems(exc, ProgramFile)
        checked = None
    case, case_problems = parse_case({"arende": sections["arende"]} if "arende" in sections else {})
    problems += case_problems
    if problems:
        raise DataError(problems)
    return _program_of(checked, raw, path, sections, case)


def _sections(raw: dict, problems: list[Problem]) -> dict:
    """The registered sections of ``raw`` (taken out of it), each checked by its model if it has one."""
    sections = {}
    for name in [k for k in raw if k in SECTIONS]:
        value = raw.pop(name)
        if not isinstance(value, dict):
            problems.append(_problem(f"Måste vara en tabell: skriv [{name}] på en egen rad och nycklarna under",
                                     name, value))
            continue
        model = SECTIONS[name]
        if model is None:
            sections[name] = value
            continue
        try:
            sections[name] = model.model_validate(value)
        except ValidationError as exc:
            problems += _error_problems(exc, model, (name,))
    return sections


def _program_of(checked: ProgramFile, raw: dict, path: Path, sections: dict, case) -> Program:
    """The :class:`Program` of a checked ``program.toml``."""
    return Program(
        region=checked.region,
        lan=checked.lan,
        program=checked.program,
        forsta_ar=checked.forsta_ar,
        sista_ar=checked.sista_ar,
        exempeldata=checked.exempeldata,
        prioriterade_omraden=tuple(checked.prioriterade_omraden),
        kommuner=tuple(Municipality(k.kod, k.namn, k.folkmangd,
                                    tuple(sorted((int(y), n) for y, n in k.folkmangd_per_ar.items())))
                       for k in checked.kommuner),
        mal=tuple(Target(m.indikator, float(m.varde), m.ar, m.dimension, m.beskrivning, m.riktning)
                  for m in checked.mal),
        # the values as written (5, not 5.0): band labels show them
        avstandsband_km=tuple(raw.get("avstandsband_km", DEFAULT_BANDS_KM)),
        path=path,
        sections=sections,
        arende=case,
        finansiering=tuple(Funding(f.ar, f.kalla, f.budget_kr, f.beslutat_kr, f.utbetalt_kr, f.kommentar)
                           for f in checked.finansiering),
    )
