"""The analyst's own words: optional Markdown files per year in ``<year>/text/``.

Layout (documented in ``docs/datakontrakt.md``, section "Analytikerns text"):

- ``sammanfattning.md``: the opening of the summary, shown instead of the
  generated paragraph on the action plan;
- ``<område>.md``, one per priority area (the area's name in lower case,
  å/ä → a, ö → o, other characters → ``-``, e.g. ``offentliga-intressenter.md``):
  shown instead of the generated paragraph on the area;
- ``slutsatser.md``: the section "Slutsatser och fortsatt arbete" (left out
  when the file is missing).

Figures are written as ``{{ indikator }}`` or ``{{ indikator | dimension }}``
and filled in from the year's indicator table, so the text follows the data.
The Markdown is rendered with markdown-it-py with raw HTML disabled: a
``<script>`` in a file is shown as text, never as markup. The memo gets the
same text as paragraphs with bold and italic runs (:func:`to_blocks`).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .. import ids
from .. import text as fmt
from ..errors import ERROR, WARNING, Problem
from ..ids import TOTAL

__all__ = ["TEXT_FOLDER", "SUMMARY", "CONCLUSIONS", "MAX_BYTES", "TOTAL", "CONCLUSIONS_HEADING",
           "PLACEHOLDER", "area_file_stem", "file_names", "AnalystText", "Reference", "references",
           "read_texts", "syntax_problems", "check_references", "format_value", "fill", "to_html", "Block",
           "to_blocks", "Rendered", "rendered"]

TEXT_FOLDER = "text"
SUMMARY = "sammanfattning"
CONCLUSIONS = "slutsatser"
MAX_BYTES = 200_000
CONCLUSIONS_HEADING = "Slutsatser och fortsatt arbete"

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
_ID = re.compile(r"[a-z0-9_]+")
# The access indicators exist only with population points; their dimensions are checked when filled in.
_ACCESS_ID = re.compile("|".join([*map(re.escape, ids.ACCESS),
                                  *(ids.over_limit_pattern(measure) for measure in (ids.PEOPLE, ids.SHARE))]))


def area_file_stem(area: str) -> str:
    """``Offentliga intressenter`` → ``offentliga-intressenter`` (the file name without ``.md``)."""
    table = str.maketrans("åäöéüÅÄÖÉÜ", "aaoeuaaoeu")
    return re.sub(r"[^a-z0-9]+", "-", area.lower().translate(table)).strip("-")


def file_names(program) -> dict[str, str]:
    """Allowed file names (lower case) → the key of the text (``sammanfattning``, an area, ``slutsatser``)."""
    names = {f"{SUMMARY}.md": SUMMARY, f"{CONCLUSIONS}.md": CONCLUSIONS}
    for area in program.prioriterade_omraden:
        names[f"{area_file_stem(area)}.md"] = area
    return names


@dataclass(frozen=True)
class AnalystText:
    """One Markdown file as written: its key, label (``2024/text/slutsatser.md``) and text."""

    key: str
    label: str
    source: str


@dataclass(frozen=True)
class Reference:
    """One ``{{ … }}`` in a text: indicator, dimension and the line it stands on."""

    indicator: str
    dimension: str
    line: int
    raw: str


def references(text: AnalystText) -> tuple[list[Reference], list[Problem]]:
    """Every figure reference of a text, and problems for the ones that cannot be read."""
    found, problems = [], []
    for match in PLACEHOLDER.finditer(text.source):
        line = text.source.count("\n", 0, match.start()) + 1
        inner = " ".join(match.group(1).split())
        indicator, _, dimension = (part.strip() for part in inner.partition("|"))
        if not _ID.fullmatch(indicator):
            problems.append(Problem(text.label, line, None, match.group(0),
                                    "Hänvisningen till en siffra ska skrivas {{ indikator }} eller "
                                    "{{ indikator | dimension }}, t.ex. {{ stod_antal }} (se docs/indikatorer.md)"))
            continue
        found.append(Reference(indicator, dimension or TOTAL, line, match.group(0)))
    stray = re.sub(PLACEHOLDER, "", text.source)
    for token in ("{{", "}}"):
        if token in stray:
            before = stray[:stray.index(token)]
            problems.append(Problem(text.label, before.count("\n") + 1, None, token,
                                    "Klammerparenteserna är inte parvisa: en hänvisning skrivs {{ indikator }}"))
    return found, problems


def read_texts(data_dir: Path, year: int, program, problems: list, sources: list, source_type) -> dict:
    """Read ``<year>/text/*.md``; unknown files, bad encoding and links out of the folder are problems."""
    from ..paths import is_editor_file

    folder = Path(data_dir) / str(year) / TEXT_FOLDER
    if not folder.is_dir():
        return {}
    allowed = file_names(program)
    texts: dict[str, AnalystText] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or is_editor_file(path.name):
            continue
        label = f"{year}/{TEXT_FOLDER}/{path.name}"
        key = allowed.get(path.name.casefold())
        if not path.is_file() or key is None:
            listed = ", ".join(sorted(allowed))
            severity = ERROR if path.suffix.casefold() == ".md" else WARNING
            problems.append(Problem(label, None, None, None,
                                    f"Filen används inte: mappen {TEXT_FOLDER}/ får bara innehålla {listed} "
                                    "(ett prioriterat område skrivs med små bokstäver, a för å och ä, o för ö och "
                                    "bindestreck i stället för mellanslag)", severity))
            continue
        try:
            path.resolve().relative_to(Path(data_dir).resolve())
        except ValueError:
            problems.append(Problem(label, None, None, None, "Filen är en länk som pekar utanför datamappen och "
                                                             "läses inte: kopiera filen in i datamappen i stället"))
            continue
        raw = path.read_bytes()
        if len(raw) > MAX_BYTES:
            problems.append(Problem(label, None, None, None,
                                    f"Filen är för stor ({len(raw) // 1000} kB, högst {MAX_BYTES // 1000} kB)"))
            continue
        try:
            source = unicodedata.normalize("NFC", raw.decode("utf-8-sig")).replace("\r\n", "\n")
        except UnicodeDecodeError as exc:
            problems.append(Problem(label, raw[:exc.start].count(b"\n") + 1, None, None,
                                    "Filen är inte sparad som UTF-8: spara den som UTF-8 i textredigeraren"))
            continue
        from .reading import sha256_file

        sources.append(source_type(label, path, sha256_file(path)))
        texts[key] = AnalystText(key, label, source)
    return texts


def syntax_problems(texts: dict) -> list[Problem]:
    """Problems for ``{{ … }}`` that cannot be read (checked even when the tables have errors)."""
    return [p for text in texts.values() for p in references(text)[1]]


def check_references(texts: dict, known: set[tuple[str, str]], has_access: bool) -> list[Problem]:
    """Problems for references to indicators or dimensions that the year does not have."""
    problems = []
    ids = {i for i, _ in known}
    for text in texts.values():
        found, _ = references(text)
        for ref in found:
            if _ACCESS_ID.fullmatch(ref.indicator):
                if not has_access:
                    # a warning: the population file is optional, and the text still reads
                    problems.append(Problem(text.label, ref.line, None, ref.raw,
                                            f"Indikatorn {ref.indicator} finns bara när datamappen har en "
                                            "befolkningsfil (se docs/tillganglighet.md): texten visar "
                                            "[värde saknas] i stället för siffran", WARNING))
                continue
            if ref.indicator not in ids:
                problems.append(Problem(text.label, ref.line, None, ref.raw,
                                        f"Okänd indikator {ref.indicator}: se docs/indikatorer.md för de "
                                        "indikatorer som finns"))
            elif (ref.indicator, ref.dimension) not in known:
                dims = sorted(d for i, d in known if i == ref.indicator)
                shown = ", ".join(dims[:12]) + (" …" if len(dims) > 12 else "")
                problems.append(Problem(text.label, ref.line, None, ref.raw,
                                        f"Indikatorn {ref.indicator} har ingen dimension {ref.dimension}: "
                                        f"välj en av {shown}"))
    return problems


def format_value(indicator: str, value: float | None) -> str:
    """A figure for running text: counts up to twelve in words, kronor and shares with their unit."""
    if value is None:
        return f"[värde saknas: {indicator}]"
    if "andel" in indicator:
        return f"{fmt.num(value * 100, 1)}{fmt.NBSP}procent"
    if indicator.endswith("per_invanare"):
        return f"{fmt.num(value, 0)}{fmt.NBSP}kronor"
    if "_kr" in indicator:
        return f"{fmt.num(value)}{fmt.NBSP}kronor"
    return fmt.number_in_words(value)


def fill(text: AnalystText, values: dict[tuple[str, str], float]) -> str:
    """The Markdown with every ``{{ … }}`` replaced by the formatted figure."""
    def replace(match):
        inner = " ".join(match.group(1).split())
        indicator, _, dimension = (part.strip() for part in inner.partition("|"))
        return format_value(indicator, values.get((indicator, dimension or TOTAL)))

    return PLACEHOLDER.sub(replace, text.source)


def _parser():
    from markdown_it import MarkdownIt
    from markdown_it.common.utils import escapeHtml

    # commonmark without raw HTML: "<script>" becomes text. An image is shown as its text only:
    # the report never fetches a file or an address named in the analyst's text.
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.add_render_rule("image", lambda self, tokens, idx, options, env: escapeHtml(tokens[idx].content))
    return md


def to_html(markdown: str) -> str:
    """Sanitised HTML of the Markdown (raw HTML is escaped, unsafe links are not made)."""
    html = _parser().render(markdown)
    # headings inside a report section start one level below the section's h2
    return re.sub(r"<(/?)h([1-6])>", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 6)}>", html)


@dataclass
class Block:
    """A paragraph for the memo: kind (``p``, ``h``, ``li``), list depth and runs (text, bold, italic)."""

    kind: str
    runs: list[tuple[str, bool, bool]] = field(default_factory=list)
    ordered: bool = False

    @property
    def text(self) -> str:
        return "".join(r[0] for r in self.runs)


def to_blocks(markdown: str) -> list[Block]:
    """The Markdown as plain paragraphs with bold and italic runs (for Word and plain text)."""
    blocks: list[Block] = []
    current: Block | None = None
    ordered: list[bool] = []
    kind = "p"
    for token in _parser().parse(markdown):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            ordered.append(token.type == "ordered_list_open")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            ordered.pop()
        elif token.type == "heading_open":
            kind = "h"
        elif token.type == "heading_close":
            kind = "p"
        elif token.type in ("code_block", "fence"):
            blocks.append(Block("li" if ordered else "p", [(token.content.strip(), False, False)]))
        elif token.type == "inline":
            current = Block("li" if ordered and kind == "p" else kind, ordered=bool(ordered and ordered[-1]))
            bold = italic = False
            for child in token.children or []:
                if child.type == "strong_open":
                    bold = True
                elif child.type == "strong_close":
                    bold = False
                elif child.type == "em_open":
                    italic = True
                elif child.type == "em_close":
                    italic = False
                elif child.type in ("softbreak", "hardbreak"):
                    current.runs.append((" ", bold, italic))
                elif child.type in ("text", "code_inline", "html_inline", "image"):
                    current.runs.append((child.content, bold, italic))
            if current.text.strip():
                blocks.append(current)
    return blocks


@dataclass(frozen=True)
class Rendered:
    """An analyst text filled in and rendered: HTML for the report, blocks for the memo."""

    key: str
    label: str
    markdown: str

    @property
    def html(self) -> str:
        return to_html(self.markdown)

    @property
    def blocks(self) -> list[Block]:
        return to_blocks(self.markdown)

    @property
    def paragraphs(self) -> list[str]:
        """Plain text of every paragraph (no markup)."""
        return [b.text for b in self.blocks]


def rendered(report, key: str) -> Rendered | None:
    """The analyst's text ``key`` of the report's year, filled in, or None when there is none."""
    data = getattr(report, "data", None)
    text = (getattr(data, "texts", None) or {}).get(key) if data is not None else None
    if text is None:
        return None
    values = {(str(i), str(d)): float(v)
              for i, d, v in report.long[["indikator", "dimension", "varde"]].itertuples(index=False)}
    return Rendered(key, text.label, fill(text, values))
