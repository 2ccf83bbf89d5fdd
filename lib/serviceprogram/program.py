"""The programme description, ``program.toml``."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .case import Case, parse_case
from .errors import DataError, Problem
from .paths import PROGRAM_FILE
DEFAULT_BANDS_KM = (5, 10, 20)
MAX_POPULATION = 20_000_000  # more than Sweden: a typing error


@dataclass(frozen=True)
class Municipality:
    """One municipality of the programme."""

    kod: str
    namn: str
    folkmangd: int


@dataclass(frozen=True)
class Target:
    """A programme target: an indicator id, the value to reach and the year."""

    indikator: str
    varde: float
    ar: int
    dimension: str = "Totalt"
    beskrivning: str = ""
    riktning: str = "minst"  # "minst": reach at least the value; "högst": stay at or below it


@dataclass(frozen=True)
class Program:
    """A regional service programme as described by ``program.toml``.

    Attributes mirror the file's keys; ``kommuner`` keeps the file's order.
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
    arende: "Case | None" = None  # the memo's case metadata, [arende] (see serviceprogram.case)

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
        lookup = {}
        for k in self.kommuner:
            lookup[k.namn.casefold()] = k.namn
            lookup[k.kod.casefold()] = k.namn
        return lookup

    def resolve_kommun(self, value) -> str | None:
        """The municipality's name for a name or code, or None if unknown."""
        if value is None:
            return None
        return self.kommun_lookup().get(str(value).strip().casefold())


def _problem(rule: str, key: str | None = None, value=None) -> Problem:
    return Problem(PROGRAM_FILE, None, key, None if value is None else str(value), rule)


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
        If the file is missing, is not valid TOML or breaks a rule; every
        problem is listed.
    """
    path = Path(data_dir) / PROGRAM_FILE
    if not path.is_file():
        raise DataError([_problem(f"Filen saknas i datamappen {Path(data_dir)}")])
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError([_problem(f"Filen går inte att läsa som TOML (UTF-8): {exc}")]) from None
    except RecursionError:
        raise DataError([_problem("Filen går inte att läsa som TOML: för djupt nästlade listor")]) from None

    problems: list[Problem] = []

    def text(key: str) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(_problem("Måste finnas och vara en text", key, value))
            return ""
        return value.strip()

    def year(key: str) -> int:
        value = raw.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 2000 <= value <= 2100:
            problems.append(_problem("Måste vara ett årtal mellan 2000 och 2100", key, value))
            return 0
        return value

    region, lan, name = text("region"), text("lan"), text("program")
    first, last = year("forsta_ar"), year("sista_ar")
    if first and last and first > last:
        problems.append(_problem("forsta_ar får inte vara senare än sista_ar", "sista_ar", last))
    example = raw.get("exempeldata", False)
    if not isinstance(example, bool):
        problems.append(_problem("Måste vara true eller false", "exempeldata", example))
        example = True

    areas = raw.get("prioriterade_omraden")
    if not isinstance(areas, list) or not areas or not all(isinstance(a, str) and a.strip() for a in areas):
        problems.append(_problem("Måste vara en lista med minst ett namn", "prioriterade_omraden", areas))
        areas = []
    elif len({a.strip().casefold() for a in areas}) != len(areas):
        problems.append(_problem("Namnen måste vara unika", "prioriterade_omraden", areas))

    municipalities = []
    entries = raw.get("kommuner")
    if not isinstance(entries, list) or not entries:
        problems.append(_problem("Minst ett [[kommuner]]-block krävs", "kommuner"))
        entries = []
    for number, entry in enumerate(entries, start=1):
        where = f"kommuner nr {number}"
        if not isinstance(entry, dict):
            problems.append(_problem("Måste vara ett [[kommuner]]-block", where))
            continue
        kod, namn, folk = entry.get("kod"), entry.get("namn"), entry.get("folkmangd")
        ok = True
        if not (isinstance(kod, str) and len(kod) == 4 and kod.isdigit()):
            problems.append(_problem("kod måste vara en text med fyra siffror, t.ex. \"2303\"", where, kod))
            ok = False
        if not (isinstance(namn, str) and namn.strip()):
            problems.append(_problem("namn måste finnas", where, namn))
            ok = False
        if not (isinstance(folk, int) and not isinstance(folk, bool) and 0 < folk <= MAX_POPULATION):
            problems.append(_problem("folkmangd måste vara ett heltal mellan 1 och 20 000 000", where, folk))
            ok = False
        if ok:
            municipalities.append(Municipality(kod, namn.strip(), folk))
    seen: set[str] = set()
    for m in municipalities:
        for key in (m.kod, m.namn.casefold()):
            if key in seen:
                problems.append(_problem("Kommunen förekommer mer än en gång", "kommuner", m.namn))
            seen.add(key)

    targets = []
    entries = raw.get("mal", [])
    if not isinstance(entries, list):
        problems.append(_problem("Målen ska skrivas som [[mal]]-block", "mal", entries))
        entries = []
    for number, entry in enumerate(entries, start=1):
        where = f"mal nr {number}"
        if not isinstance(entry, dict):
            problems.append(_problem("Måste vara ett [[mal]]-block", where))
            continue
        ind, value, target_year = entry.get("indikator"), entry.get("varde"), entry.get("ar")
        if not (isinstance(ind, str) and ind.strip()):
            problems.append(_problem("indikator måste vara ett indikator-id", where, ind))
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(_problem("varde måste vara ett tal", where, value))
            continue
        if not isinstance(target_year, int) or isinstance(target_year, bool) or not 2000 <= target_year <= 2100:
            problems.append(_problem("ar måste vara ett årtal", where, target_year))
            continue
        direction = entry.get("riktning", "minst")
        if direction not in ("minst", "högst"):
            problems.append(_problem('riktning måste vara "minst" eller "högst"', where, direction))
            continue
        targets.append(
            Target(ind.strip(), float(value), target_year,
                   str(entry.get("dimension", "Totalt")), str(entry.get("beskrivning", "")), direction)
        )

    bands = raw.get("avstandsband_km", list(DEFAULT_BANDS_KM))
    if (
        not isinstance(bands, list)
        or not bands
        or not all(isinstance(b, (int, float)) and not isinstance(b, bool) and b > 0 for b in bands)
        or sorted(bands) != bands
        or len(set(bands)) != len(bands)
    ):
        problems.append(_problem("Måste vara en stigande lista med positiva tal (km)", "avstandsband_km", bands))
        bands = list(DEFAULT_BANDS_KM)

    case, case_problems = parse_case(raw)
    problems += case_problems
    if problems:
        raise DataError(problems)
    return Program(
        region=region,
        lan=lan,
        program=name,
        forsta_ar=first,
        sista_ar=last,
        exempeldata=example,
        prioriterade_omraden=tuple(a.strip() for a in areas),
        kommuner=tuple(municipalities),
        mal=tuple(targets),
        avstandsband_km=tuple(bands),
        path=path,
        arende=case,
    )
