"""Swedish text of numbers, amounts, percentages, dates, lists and plurals (via babel).

The one place for how the package writes figures in Swedish: thousands with a
no-break space, a decimal comma, "a, b och c", and numbers up to twelve in
words in running text (Myndigheternas skrivregler). The command line keeps its
own tiny plural helper (``serviceprogram.cli.plural``) so that it starts
without importing babel.
"""
from __future__ import annotations

import datetime as dt
import math

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

__all__ = ["LOCALE", "NBSP", "num", "decimal", "join", "kr", "pct", "signed", "date", "plural",
           "STATUS_WORDS", "status_count", "program_text", "WORD_LIMIT", "number_in_words", "count_text",
           "capitalize_first"]

LOCALE = "sv_SE"
NBSP = "\u00a0"


def _missing(value) -> bool:
    try:
        return value is None or (isinstance(value, float) and math.isnan(value)) or value != value
    except (TypeError, ValueError):
        return False


def num(value, decimals: int = 0, missing: str = "–") -> str:
    """``1407970`` -> ``1 407 970`` (no-break space), ``12.5`` -> ``12,5``."""
    if _missing(value):
        return missing
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(round(float(value), decimals), format=pattern, locale=LOCALE)


def decimal(value, max_decimals: int = 2, grouping: bool = True) -> str:
    """As many decimals as needed, at most ``max_decimals``: ``2.5`` -> ``2,5``, ``10.0`` -> ``10``;
    ``grouping=False`` leaves out the thousands separator (for labels and ids)."""
    pattern = ("#,##0" if grouping else "0") + ("." + "#" * max_decimals if max_decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def join(items, conjunction: str = "och") -> str:
    """``a``, ``a och b``, ``a, b och c``; ``conjunction`` "eller" or "samt" for the last item."""
    items = [str(item) for item in items]
    if not items:
        return ""
    if conjunction in ("och", "eller"):  # babel's CLDR patterns for Swedish
        return format_list(items, style="or" if conjunction == "eller" else "standard", locale=LOCALE)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def kr(value, missing: str = "–") -> str:
    """``1407970`` -> ``1 407 970 kr``."""
    if _missing(value):
        return missing
    return f"{num(value)}{NBSP}kr"


def pct(share, decimals: int = 0, missing: str = "–") -> str:
    """``0.253`` -> ``25 %``."""
    if _missing(share):
        return missing
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "\u00a0%"
    return format_percent(share, format=pattern, locale=LOCALE)


def signed(value, decimals: int = 0, missing: str = "–") -> str:
    """A change with its sign: ``+3``, ``−1 200`` (true minus sign), ``±0``."""
    if _missing(value):
        return missing
    if round(float(value), decimals) == 0:
        return "±0"
    text = num(abs(value), decimals)
    return ("+" if value > 0 else "\u2212") + text


def date(value, missing: str = "–") -> str:
    """A date as ``15 mars 2024``."""
    if _missing(value):
        return missing
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    if not isinstance(value, dt.date):
        return str(value)
    return format_date(value, format="d MMMM y", locale=LOCALE)


def plural(count: int, singular: str, plural_form: str) -> str:
    """``1 beslut``/``3 beslut``, ``1 kommun``/``2 kommuner`` with the number formatted."""
    return f"{num(count)} {singular if count == 1 else plural_form}"


# Activity statuses after a count: singular and plural ("1 genomförd", "3 genomförda").
STATUS_WORDS = {
    "Genomförd": ("genomförd", "genomförda"),
    "Pågår": ("pågående", "pågående"),
    "Ej påbörjad": ("ej påbörjad", "ej påbörjade"),
    "Inställd": ("inställd", "inställda"),
}


def status_count(count: int, status: str) -> str:
    """``1 genomförd``, ``3 genomförda``, ``2 pågående``."""
    singular, plural_form = STATUS_WORDS[status]
    return f"{num(count)} {singular if count == 1 else plural_form}"


def program_text(name: str) -> str:
    """The programme's name for running text (``Regionalt …`` -> ``regionalt …``).

    Only a leading "Regionalt"/"Regionala" is lower-cased; other names, which
    may start with a proper noun, are kept as written.
    """
    first = name.split(" ", 1)[0]
    if first in ("Regionalt", "Regionala"):
        return name[0].lower() + name[1:]
    return name


# Numbers up to twelve are written in words in running text (Myndigheternas skrivregler).
_WORDS = ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv")
WORD_LIMIT = 12


def number_in_words(value, neuter: bool = False) -> str:
    """A count for running text: ``0``–``12`` in words, larger numbers in digits.

    babel has no spell-out for Swedish, hence this small table.

    Parameters
    ----------
    value : int or float
        A whole number (a float with a fraction is written in digits).
    neuter : bool, default False
        ``1`` as ``ett`` (ett beslut, ett stöd) instead of ``en`` (en insats).

    Returns
    -------
    str
        ``"tre"``, ``"ett"``, ``"13"``, ``"1 407"`` (no-break space).
    """
    if _missing(value):
        return "–"
    number = float(value)
    if number.is_integer() and 0 <= number <= WORD_LIMIT:
        word = _WORDS[int(number)]
        return "ett" if neuter and word == "en" else word
    return num(value, 0 if number.is_integer() else 1)


def count_text(count, singular: str, plural_form: str, neuter: bool = False) -> str:
    """``tre SOT-punkter``, ``ett beslut``, ``49 beslut``: a count and its noun for running text."""
    count = int(count)
    return f"{number_in_words(count, neuter)} {singular if count == 1 else plural_form}"


def capitalize_first(text: str) -> str:
    """``tre insatser`` -> ``Tre insatser`` (for a sentence that starts with a count)."""
    return text[:1].upper() + text[1:]
