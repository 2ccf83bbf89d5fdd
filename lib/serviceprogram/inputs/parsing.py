"""Parsing of the contract's cell formats: numbers, dates and booleans.

The ``is_*`` predicates are used by the validation schemas; the ``parse_*``
functions convert a value that passed validation.
"""
from __future__ import annotations

import datetime as dt
import re

__all__ = ["TRUE_WORDS", "FALSE_WORDS", "is_number", "parse_number", "is_whole_number", "is_date",
           "parse_date", "is_bool", "parse_bool"]

# Thousands separators seen in Swedish Excel exports: space, no-break space,
# narrow no-break space.
_NUMBER = re.compile(
    r"^(?P<sign>-)?(?P<int>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)"
    r"(?:[.,](?P<dec>\d+))?(?:\s?kr)?$",
    re.IGNORECASE,
)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")
TRUE_WORDS = frozenset({"ja", "x", "1", "true", "sant"})
FALSE_WORDS = frozenset({"nej", "0", "false", "falskt"})


def _clean(value) -> str:
    return str(value).strip()


def is_number(value) -> bool:
    """True if ``value`` is a number in one of the contract's formats."""
    return _NUMBER.match(_clean(value)) is not None


def parse_number(value) -> float:
    """Parse ``1 407 970``, ``1407970,00``, ``1407970.00`` or ``12 kr``.

    Raises
    ------
    ValueError
        If the text is not a number in a contract format.
    """
    match = _NUMBER.match(_clean(value))
    if match is None:
        raise ValueError(f"inte ett tal: {value!r}")
    digits = re.sub(r"\D", "", match["int"])
    text = digits + ("." + match["dec"] if match["dec"] else "")
    number = float(text)
    return -number if match["sign"] else number


def is_whole_number(value) -> bool:
    """True for a number without a fractional part (``100,00`` counts as whole)."""
    return is_number(value) and parse_number(value).is_integer()


def is_date(value) -> bool:
    """True for an ISO date ``YYYY-MM-DD`` that exists in the calendar."""
    try:
        parse_date(value)
    except ValueError:
        return False
    return True


def parse_date(value) -> dt.date:
    """Parse an ISO date; Excel's ``2024-03-15 00:00:00`` is accepted too.

    Raises
    ------
    ValueError
        If the text is not a valid ISO date.
    """
    match = _DATE.match(_clean(value))
    if match is None:
        raise ValueError(f"inte ett datum: {value!r}")
    return dt.date(int(match[1]), int(match[2]), int(match[3]))


def is_bool(value) -> bool:
    """True for ``ja``/``nej``, ``x``, ``1``/``0``, ``true``/``false`` in any case."""
    return _clean(value).lower() in TRUE_WORDS | FALSE_WORDS


def parse_bool(value) -> bool:
    """Parse a boolean cell; a missing value is False (``x``/empty convention).

    Raises
    ------
    ValueError
        If the text is not one of the accepted words.
    """
    if value is None:
        return False
    word = _clean(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS or word == "":
        return False
    raise ValueError(f"inte ja/nej: {value!r}")
