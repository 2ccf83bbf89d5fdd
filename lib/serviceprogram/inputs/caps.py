"""Legal caps of the support types, read from ``resources/stodtak.toml``.

The caps only give warnings: an amount above a cap is shown in the report for
the analyst to check, never rejected (see ``resources/stodtak.toml``).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

from ..errors import WARNING, Problem
from ..text import count_text, kr

__all__ = ["CAP_COLUMN", "is_cap_warning", "CAPS_RESOURCE", "Cap", "SupportType", "CapRules", "caps_text", "load_caps",
           "MAX_LISTED_DECISIONS", "cap_warnings"]

CAPS_RESOURCE = "stodtak.toml"


@dataclass(frozen=True)
class Cap:
    """One cap row: a support type, the years it applies and the amount."""

    stodform: str
    fran_ar: int
    till_ar: int
    tak_kr: int
    raknar_in: tuple[str, ...] = ()
    kommentar: str = ""


@dataclass(frozen=True)
class SupportType:
    """A support type as the report describes it: who decides and the share of the cost it may cover."""

    namn: str
    beslutar: str
    andel: str


@dataclass(frozen=True)
class CapRules:
    """All caps with the version of the rules file."""

    version: str
    kalla: str
    caps: tuple[Cap, ...]
    stodformer: tuple[SupportType, ...] = ()

    def for_year(self, year: int) -> list[Cap]:
        """The caps that apply in ``year``."""
        return [c for c in self.caps if c.fran_ar <= year <= c.till_ar]


def caps_text() -> str:
    """The raw text of the caps file (for provenance hashes)."""
    return resources.files("serviceprogram").joinpath("resources", CAPS_RESOURCE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def load_caps() -> CapRules:
    """Read the package's caps file.

    Returns
    -------
    CapRules
    """
    raw = tomllib.loads(caps_text())
    caps = tuple(
        Cap(t["stodform"], int(t["fran_ar"]), int(t["till_ar"]), int(t["tak_kr"]),
            tuple(t.get("raknar_in", ())), t.get("kommentar", ""))
        for t in raw.get("tak", [])
    )
    types = tuple(SupportType(t["namn"], t.get("beslutar", ""), t.get("andel", "")) for t in raw.get("stodform", []))
    return CapRules(str(raw.get("version", "")), str(raw.get("kalla", "")), caps, types)


# A warning names at most this many of a recipient's decisions, then how many more there are.
MAX_LISTED_DECISIONS = 10


def _decision_list(rows: pd.DataFrame) -> str:
    """``dnr 2025-12 på 200 000 kr (rad 4), dnr 2025-15 på 100 000 kr (rad 7)``; after
    :data:`MAX_LISTED_DECISIONS` decisions ``och 1 990 beslut till``."""
    parts = []
    for row, record in rows.head(MAX_LISTED_DECISIONS).iterrows():
        number = record.get("diarienummer")
        name = f"dnr {number}" if isinstance(number, str) and number.strip() else "beslut utan diarienummer"
        parts.append(f"{name} på {kr(int(record['belopp_kr']))} (rad {row})")
    more = len(rows) - MAX_LISTED_DECISIONS
    return ", ".join(parts) + (f" och {count_text(more, 'beslut', 'beslut', neuter=True)} till" if more > 0 else "")


#: The column a cap warning points at: the amount of the recipient's first capped decision.
CAP_COLUMN = "belopp_kr"


def is_cap_warning(problem: Problem) -> bool:
    """True for a warning made by :func:`cap_warnings` (the report counts and lists them)."""
    return problem.severity == WARNING and problem.column == CAP_COLUMN


def cap_warnings(stod: pd.DataFrame, year: int, label: str, rules: CapRules | None = None) -> list[Problem]:
    """Warnings for recipients whose support in ``year`` exceeds a cap.

    Amounts are summed per recipient (``mottagare``, case-insensitive) and
    support type; support types listed in ``raknar_in`` count against the cap too,
    for recipients that have the capped type that year.

    Parameters
    ----------
    stod : pandas.DataFrame
        Typed support decisions of the year.
    year : int
    label : str
        The file label for the warnings.
    rules : CapRules, optional
        Defaults to the package's caps file.

    Returns
    -------
    list of Problem
        Warnings (severity ``varning``), one per recipient and cap.
    """
    rules = rules or load_caps()
    warnings = []
    if stod.empty:
        return warnings
    key = stod["mottagare"].str.casefold().str.strip()
    for cap in rules.for_year(year):
        capped = stod["stodform"] == cap.stodform
        for recipient in sorted(set(key[capped])):
            mine = (key == recipient) & stod["stodform"].isin((cap.stodform, *cap.raknar_in))
            total = int(stod.loc[mine, "belopp_kr"].sum())
            if total > cap.tak_kr:
                rows = stod.index[mine & capped]
                name = stod.loc[rows[0], "mottagare"]
                counted = " (inklusive " + ", ".join(cap.raknar_in) + ")" if cap.raknar_in and (mine & ~capped).any() else ""
                decisions = _decision_list(stod.loc[mine])
                amount = stod.loc[rows[0], "belopp_kr"]
                warnings.append(Problem(
                    label, int(rows[0]), CAP_COLUMN, None if pd.isna(amount) else str(int(amount)),
                    f"{name} har fått sammanlagt {kr(total)} i {cap.stodform}{counted} under {year}, "
                    f"över taket {kr(cap.tak_kr)}. Besluten: {decisions}. {cap.kommentar} "
                    "Kontrollera besluten.".replace("  ", " "),
                    WARNING,
                ))
    return warnings
