"""Text hygiene for input values: Unicode normalisation and invisible characters.

Names typed on a Mac (decomposed ``A`` + ring), pasted from a web page (a
zero-width space) or from a right-to-left document (bidi marks) look the same
as the plain name but do not compare equal to it. Every text read from the
input is therefore normalised to NFC and stripped of the invisible format
characters below before it is matched; the readers warn when something was
removed, so that the analyst can clean the source.
"""
from __future__ import annotations

import re
import unicodedata

__all__ = ["INVISIBLE", "CONTROL", "char_name", "normalise", "quote"]

# Zero-width and bidi control characters, the word joiner family, the BOM and
# the soft hyphen. They have no visible form in Excel or in a report.
INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# C0 controls (except tab and line breaks) and DEL: NUL, ESC and friends.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Every control character, for quoting a value in a message.
_ALL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def char_name(char: str) -> str:
    """``U+200B (ZERO WIDTH SPACE)``: how a stripped character is named in a warning."""
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'okänt tecken')})"


def normalise(value: str) -> tuple[str, str]:
    """NFC text without invisible format characters.

    Returns
    -------
    tuple of (clean text, the characters that were removed, in order of first appearance)
    """
    if value.isascii():
        return value, ""
    text = unicodedata.normalize("NFC", value)
    removed = INVISIBLE.findall(text)
    if removed:
        text = INVISIBLE.sub("", text)
    return text, "".join(dict.fromkeys(removed))


def quote(value, limit: int = 200) -> str:
    """A value for a message: control characters escaped (``\\x00``), long text cut."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text)} tecken)"
    return _ALL_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
