"""Case metadata of the board memo: the optional ``[arende]`` table of ``program.toml``.

The memo to the board (tjänsteskrivelse) has a header block, a mandate
paragraph (the board's earlier decisions), a proposal, a signature block and a
list of recipients. None of this is in the data, so a region writes it once in
``program.toml``::

    [arende]
    namnd = "Regionala utvecklingsnämnden"
    forvaltning = "Regional utveckling"
    enhet = "Samhällsutveckling"
    handlaggare = "Förnamn Efternamn"
    epost = "fornamn.efternamn@region.se"
    diarienummer = "RUN/11/2025"
    datum = 2025-03-25
    forslag_rubrik = "Regiondirektörens förslag"
    forslag = "Uppföljningen av det regionala serviceprogrammet för {{ ar }} godkänns."
    samverkan = "länets kommuner och Länsstyrelsen Jämtlands län"
    riktlinjer = "riktlinjer från Tillväxtverket"
    mottagare = ["Tillväxtverket", "Länsstyrelsen Jämtlands län"]

    [[arende.beslut]]
    organ = "Regionala utvecklingsnämnden"
    datum = 2023-05-23
    paragraf = "89"
    diarienummer = "RUN/536/2021"
    innehall = "att fastställa regionalt serviceprogram för åren 2023–2030"

    [[arende.undertecknare]]
    namn = "Förnamn Efternamn"
    titel = "Regiondirektör"

Every key is optional; the memo shows what is given and leaves out the rest
(no placeholders). The table is validated with pydantic and every problem is
reported in Swedish, in the same form as the rest of ``program.toml``
(:func:`parse_case`). The documentation is in ``docs/datakontrakt.md``.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..errors import Problem
from ..paths import PROGRAM_FILE

__all__ = ["TABLE", "DEFAULT_PROPOSAL_HEADING", "DEFAULT_PROPOSAL", "DEFAULT_RECIPIENTS_HEADING", "MAX_TEXT",
           "Decision", "Signatory", "Document", "Case", "parse_case"]

TABLE = "arende"
DEFAULT_PROPOSAL_HEADING = "Regiondirektörens förslag"
DEFAULT_PROPOSAL = "Uppföljningen av det regionala serviceprogrammet för {{ ar }} godkänns."
DEFAULT_RECIPIENTS_HEADING = "Beslutet skickas till"
MAX_TEXT = 2000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_empty_text(cls, value):
        if isinstance(value, str) and not value.strip():
            raise ValueError("får inte vara tomt; ta bort nyckeln i stället")
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise ValueError(f"får vara högst {MAX_TEXT} tecken")
        return value


class Decision(_Model):
    """An earlier decision that gives the mandate (the programme, the follow-up plan)."""

    datum: dt.date
    innehall: str
    organ: str | None = None
    paragraf: str | None = None
    diarienummer: str | None = None

    @field_validator("paragraf", mode="before")
    @classmethod
    def _paragraph(cls, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return value.strip().removeprefix("§").strip()
        return value


class Signatory(_Model):
    """One person who signs the memo ("I tjänsten")."""

    namn: str
    titel: str | None = None


class Document(_Model):
    """One document of the decision basis (Beslutsunderlag)."""

    titel: str
    datum: dt.date | None = None
    diarienummer: str | None = None


class Case(_Model):
    """The ``[arende]`` table: who writes the memo, to whom, on what mandate."""

    namnd: str | None = None
    forvaltning: str | None = None
    enhet: str | None = None
    handlaggare: str | None = None
    epost: str | None = None
    diarienummer: str | None = None
    datum: dt.date | None = None
    rubrik: str | None = None
    forslag_rubrik: str = DEFAULT_PROPOSAL_HEADING
    forslag: str = DEFAULT_PROPOSAL
    samverkan: str | None = None
    riktlinjer: str | None = None
    beslut: tuple[Decision, ...] = ()
    beslutsunderlag: tuple[Document, ...] = ()
    undertecknare: tuple[Signatory, ...] = ()
    mottagare_rubrik: str = DEFAULT_RECIPIENTS_HEADING
    mottagare: tuple[str, ...] = ()

    @field_validator("epost")
    @classmethod
    def _email(cls, value):
        if value is not None and not _EMAIL.match(value):
            raise ValueError("måste vara en e-postadress, t.ex. namn@region.se")
        return value


# pydantic's error types in Swedish (the rest fall back to a general sentence).
_MESSAGES = {
    "string_type": "Måste vara en text inom citattecken",
    "date_type": "Måste vara ett datum, t.ex. 2025-03-25 (utan citattecken)",
    "date_parsing": "Måste vara ett datum, t.ex. 2025-03-25 (utan citattecken)",
    "date_from_datetime_parsing": "Måste vara ett datum, t.ex. 2025-03-25 (utan citattecken)",
    "date_from_datetime_inexact": "Måste vara ett datum utan klockslag, t.ex. 2025-03-25",
    "missing": "Nyckeln saknas men krävs i blocket",
    "tuple_type": "Måste vara en lista",
    "list_type": "Måste vara en lista",
    "model_type": "Måste vara ett block med nycklar",
    "model_attributes_type": "Måste vara ett block med nycklar",
    "dict_type": "Måste vara ett block med nycklar",
}


def _where(loc: tuple) -> str:
    """``("beslut", 0, "datum")`` -> ``arende.beslut nr 1, datum``."""
    text = TABLE
    for part in loc:
        if isinstance(part, int):
            text += f" nr {part + 1}"
        else:
            text += ("." if text == TABLE or not text.endswith(tuple("0123456789")) else ", ") + str(part)
    return text


def _message(error: dict) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        field = error["loc"][-1]
        model = Case
        for part in error["loc"][:-1]:
            if part in ("beslut",):
                model = Decision
            elif part == "undertecknare":
                model = Signatory
            elif part == "beslutsunderlag":
                model = Document
        allowed = ", ".join(model.model_fields)
        return f"Okänd nyckel {field!s}; tillåtna nycklar är {allowed}"
    if kind == "value_error":
        return "Värdet " + str(error.get("ctx", {}).get("error", error["msg"]))
    return _MESSAGES.get(kind, f"Ogiltigt värde ({error['msg']})")


def parse_case(raw: dict[str, Any]) -> tuple[Case | None, list[Problem]]:
    """The ``[arende]`` table of a parsed ``program.toml``, checked.

    Parameters
    ----------
    raw : dict
        The whole file as read by :mod:`tomllib`.

    Returns
    -------
    (Case or None, list of Problem)
        None and no problems when the table is absent; None and the problems
        (in Swedish: file, key, value and rule) when it breaks a rule.
    """
    if TABLE not in raw:
        return None, []
    table = raw[TABLE]
    if not isinstance(table, dict):
        return None, [Problem(PROGRAM_FILE, None, TABLE, str(table), "Måste vara ett [arende]-block")]
    try:
        return Case.model_validate(table), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            value = error.get("input")
            shown = None if isinstance(value, (dict, list)) or error["type"] == "missing" else str(value)
            problems.append(Problem(PROGRAM_FILE, None, _where(loc), shown, _message(error)))
        return None, problems
