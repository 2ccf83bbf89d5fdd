"""A new region's data folder: ``serviceprogram init DIR --lan NN``.

:func:`init_region` creates a data folder for any of Sweden's 21 counties:

- ``program.toml``, commented, with the region and county names and every
  municipality's code and name from the package's reference tables
  (:mod:`serviceprogram.inputs.reference`). What only the region knows is left as a
  placeholder that :func:`serviceprogram.inputs.program.load_program` rejects, so
  nothing is built before it is filled in: the programme's name and period
  (``program = ""``, ``forsta_ar = 0``, ``sista_ar = 0``), the priority areas
  (``prioriterade_omraden = []``) and, unless a population file is given,
  each municipality's population (``folkmangd = 0``);
- ``<year>/uppfoljning.xlsx``, the first year's workbook (the Excel template of
  :mod:`serviceprogram.publishing.workbooks`), with one ``serviceplaner`` row per municipality.

:func:`placeholder_problems` explains the placeholders that are still empty in
plain Swedish; ``serviceprogram validate`` shows them instead of the general
rule that the empty value breaks (:func:`explain_program_problems`).

Population (``--folkmangd FIL``): a CSV file with one row per municipality
and the columns ``kommunkod`` (or ``kod``) and ``folkmangd`` (or
``folkmängd``), comma or semicolon separated, as saved from SCB's
Statistikdatabasen table "Folkmängd per kommun 31 december". Municipalities
missing from the file keep the placeholder.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, UsageError
from ..paths import PROGRAM_FILE, check_year

__all__ = ["InitResult", "describe", "explain_program_problems", "init_region", "placeholder_problems",
           "read_population_file"]

SCB_HINT = ("SCB:s siffra finns i Statistikdatabasen (statistikdatabasen.scb.se), tabellen "
            "\"Folkmängd per kommun 31 december\"")

# Key -> (the empty value init writes, what to fill in)
_PLACEHOLDERS = {
    "program": ("", "Programmets namn är inte ifyllt. Skriv det som det står i programmet, "
                    "t.ex. \"Regionalt serviceprogram 2026–2029\""),
    "forsta_ar": (0, "Programperiodens första år är inte ifyllt (forsta_ar = 0). Skriv året, t.ex. 2026"),
    "sista_ar": (0, "Programperiodens sista år är inte ifyllt (sista_ar = 0). Skriv året, t.ex. 2029"),
    "prioriterade_omraden": ([], "De prioriterade områdena är inte ifyllda. Skriv programmets områden, "
                                 "t.ex. [\"Dagligvaror\", \"Drivmedel\", \"Samverkan\"]"),
}


@dataclass
class InitResult:
    """What :func:`init_region` wrote.

    Attributes
    ----------
    folder : Path
        The new data folder (absolute).
    region, lan, lanskod : str
        The county as the reference table names it.
    year : int
        The first follow-up year (its workbook was written).
    municipalities : int
        Number of municipalities in ``program.toml``.
    population_missing : list of str
        Names of the municipalities whose population is still a placeholder.
    files : list of Path
        The files written.
    """

    folder: Path
    region: str
    lan: str
    lanskod: str
    year: int
    municipalities: int
    population_missing: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def _toml_string(value) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(str(value), ensure_ascii=False)


def _digits(text) -> str:
    return "".join(ch for ch in str(text) if ch.isdigit())


def read_population_file(path) -> dict[str, int]:
    """Population per municipality code from a CSV file (SCB's table saved as CSV).

    Parameters
    ----------
    path : str or Path
        Columns ``kommunkod`` or ``kod`` (SCB's ``region`` column, e.g.
        ``2505 Arvidsjaur``, works too: the first four digits count) and
        ``folkmangd`` or ``folkmängd``; comma, semicolon or tab separated;
        UTF-8 or Windows-1252; spaces in numbers are allowed.

    Returns
    -------
    dict of str to int
        Four-digit code to population.

    Raises
    ------
    UsageError
        If the file cannot be read or lacks the columns; every bad row is named.
    """
    from .reading import decode, detect_delimiter

    path = Path(path)
    try:
        text, _ = decode(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"Befolkningsfilen går inte att läsa: {path} ({exc.strerror or exc}).") from None
    rows = list(csv.reader(io.StringIO(text), delimiter=detect_delimiter(text)))
    if not rows:
        raise UsageError(f"Befolkningsfilen är tom: {path}.")
    header = [h.strip().casefold() for h in rows[0]]
    code_col = next((header.index(n) for n in ("kommunkod", "kod", "region") if n in header), None)
    pop_col = next((header.index(n) for n in ("folkmangd", "folkmängd") if n in header), None)
    if code_col is None or pop_col is None:
        raise UsageError(f"Befolkningsfilen {path} ska ha kolumnerna kommunkod och folkmangd "
                         f"(rubrikraden har: {', '.join(rows[0])}).")
    found, bad = {}, []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        code = _digits(row[code_col] if code_col < len(row) else "")[:4]
        value = _digits(row[pop_col] if pop_col < len(row) else "")
        if len(code) != 4 or not value or int(value) <= 0:
            bad.append(f"rad {number}")
            continue
        found[code] = int(value)
    if bad:
        raise UsageError(f"Befolkningsfilen {path}: kommunkod (fyra siffror) eller folkmängd (ett heltal "
                         f"större än 0) saknas eller är fel på {', '.join(bad)}.")
    return found


def _render_program(county, municipalities, data_dir: Path, population_source: str | None) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    from .template import command_line

    env = Environment(loader=PackageLoader("serviceprogram", "templates"), autoescape=False,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["toml"] = _toml_string  # every string value goes through TOML quoting
    text = env.get_template("init/program.toml.j2").render(
        region=county.region, lan=county.lan, lanskod=county.kod, kommuner=municipalities,
        data_dir_arg=command_line(data_dir), population_source=population_source)
    tomllib.loads(text)  # the template must always give valid TOML
    return text


def init_region(folder, lan: str, year: int | None = None, population_file=None) -> InitResult:
    """Create a new region's data folder.

    Parameters
    ----------
    folder : str or Path
        The folder to create. It must not exist, or be empty: files the tool
        did not make are never touched.
    lan : str
        The county: its code (``"25"``, ``"2"``), the county's name
        (``"Norrbottens län"``) or the region's name (``"Region Norrbotten"``).
    year : int, optional
        The first follow-up year, whose workbook is written; default the
        current year.
    population_file : str or Path, optional
        Population per municipality (see :func:`read_population_file`).

    Returns
    -------
    InitResult

    Raises
    ------
    UsageError
        Unknown county, a non-empty folder, a bad year or population file, or
        a folder that cannot be written.
    """
    from . import reference
    from .program import Municipality

    county, year, folder = _init_arguments(lan, year, folder)
    population = read_population_file(population_file) if population_file is not None else {}
    refs = reference.municipalities(county.kod)
    municipalities = [Municipality(m.kod, m.namn, population.get(m.kod, 0)) for m in refs]
    source = f"filen {Path(population_file).name}" if population_file is not None else None
    written = _write_region(folder, county, municipalities, year, source)
    return InitResult(folder, county.region, county.lan, county.kod, year, len(municipalities),
                      [m.namn for m in municipalities if not m.folkmangd], written)


def _init_arguments(lan: str, year: int | None, folder):
    """The county, the year and the folder of ``init``; UsageError when one is not usable."""
    from . import reference

    county = reference.county(lan)
    if county is None:
        names = ", ".join(f"{c.kod} {c.lan}" for c in reference.counties())
        raise UsageError(f"Okänt län: {lan!r}. Ange länskod, länets namn eller regionens namn: {names}.")
    year = dt.date.today().year if year is None else year
    check_year(year, first=2000, last=2100)
    folder = Path(folder).expanduser().resolve()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"Mappen {folder} finns redan och är inte tom. init skapar bara en ny datamapp och "
                         "rör aldrig befintliga filer: ange en ny eller tom mapp.")
    return county, year, folder


def _write_region(folder: Path, county, municipalities: list, year: int, source: str | None) -> list[Path]:
    """Write ``program.toml`` and the first year's workbook; on any failure remove what was written."""
    from ..xlsx import save_workbook
    from .program import Program
    from .template import build_template

    created = not folder.exists()
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        text = _render_program(county, municipalities, folder, source)
        program_path = folder / PROGRAM_FILE
        with open(program_path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written.append(program_path)
        # The template needs a Program; the placeholders stand in until filled.
        draft = Program(region=county.region, lan=county.lan, program=f"{county.region}: regionalt serviceprogram",
                        forsta_ar=year, sista_ar=year, exempeldata=False, prioriterade_omraden=(),
                        kommuner=tuple(municipalities))
        import pandas as pd

        plans = pd.DataFrame({"kommun": [m.namn for m in municipalities]})
        book = build_template(draft, year, folder, {"serviceplaner": plans})
        written.append(save_workbook(book, folder / str(year) / "uppfoljning.xlsx"))
    except BaseException:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        year_dir = folder / str(year)
        if year_dir.is_dir() and not any(year_dir.iterdir()):
            year_dir.rmdir()
        if created and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise
    return written


def describe(result: InitResult) -> str:
    """A Swedish summary of :func:`init_region` for the command line."""
    from .template import command_line

    lines = [
        f"Datamappen för {result.region} ({result.lan}) är skapad: {result.folder}",
        f"  {PROGRAM_FILE}: regionen, länet och länets {result.municipalities} kommuner med kod och namn.",
        f"  {result.year}/uppfoljning.xlsx: arbetsboken för {result.year}, med rullistor och ett hjälpblad.",
        "",
        f"Fyll i det som är markerat med FYLL I i {PROGRAM_FILE}: programmets namn och period och de "
        "prioriterade områdena.",
    ]
    if result.population_missing:
        lines.append(f"Fyll också i folkmängden för {len(result.population_missing)} kommuner. {SCB_HINT}.")
    lines += [
        "",
        "Kontrollera sedan med:",
        "  " + command_line("serviceprogram", "validate", "--data-dir", result.folder),
        "och bygg rapporterna med:",
        "  " + command_line("serviceprogram", "report", "--data-dir", result.folder),
    ]
    return "\n".join(lines)


def _raw(data_dir) -> dict | None:
    try:
        return tomllib.loads((Path(data_dir) / PROGRAM_FILE).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None  # load_program reports it


def _empty_population(raw: dict | None) -> list[tuple[int, str]]:
    """``(block number, name)`` of the municipalities whose ``folkmangd`` is the placeholder 0."""
    entries = (raw or {}).get("kommuner")
    return [(number, str(entry.get("namn") or entry.get("kod") or f"nr {number}"))
            for number, entry in enumerate(entries if isinstance(entries, list) else [], start=1)
            if isinstance(entry, dict) and entry.get("folkmangd") == 0 and type(entry.get("folkmangd")) is int]


def placeholder_problems(data_dir) -> list[Problem]:
    """The placeholders of ``init`` that are still empty in ``program.toml``.

    Parameters
    ----------
    data_dir : str or Path

    Returns
    -------
    list of Problem
        One error per empty key (``program``, ``forsta_ar``, ``sista_ar``,
        ``prioriterade_omraden``) and one per municipality whose
        ``folkmangd`` is 0, each saying what to fill in and where to find it.
        Empty when the file cannot be read (``load_program`` says why).
    """
    raw = _raw(data_dir)
    if raw is None:
        return []
    problems = []
    for key, (empty, rule) in _PLACEHOLDERS.items():
        if key in raw and raw[key] == empty and type(raw[key]) is type(empty):
            problems.append(Problem(PROGRAM_FILE, None, key, None, rule))
    empty = _empty_population(raw)
    if empty:
        names = ", ".join(str(name) for _, name in empty)
        count = "en kommun" if len(empty) == 1 else f"{len(empty)} kommuner"
        problems.append(Problem(PROGRAM_FILE, None, "kommuner", None,
                                f"Folkmängden är inte ifylld (folkmangd = 0) för {count}: {names}. "
                                f"{SCB_HINT}; ange siffran för den 31 december året före uppföljningsåret"))
    return problems


def explain_program_problems(data_dir, problems) -> list[Problem]:
    """``problems`` with the placeholder explanations in place of the general rules they break.

    ``load_program`` rejects an empty placeholder with its general rule (for
    ``forsta_ar = 0``: "Måste vara ett årtal mellan 2000 och 2100"); this keeps
    every other problem and shows :func:`placeholder_problems` for those keys.
    """
    explained = placeholder_problems(data_dir)
    if not explained:
        return list(problems)
    keys = {p.column for p in explained}
    blocks = {f"kommuner nr {number}" for number, _ in _empty_population(_raw(data_dir))}

    def covered(p: Problem) -> bool:
        if p.file != PROGRAM_FILE:
            return False
        block, _, field = (p.column or "").partition(",")
        if block in blocks:  # a municipality's block ("kommuner nr 3, folkmangd"): only its population
            return field.strip() == "folkmangd" or "folkmangd" in p.rule
        return p.column in keys and p.column != "kommuner"

    kept = [p for p in problems if not covered(p)]
    return explained + kept
