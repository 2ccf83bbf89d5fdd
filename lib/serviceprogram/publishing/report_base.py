"""What every generated document shares: tables, fragments and the section templates.

The wording of the report lives in ``templates/sections/``: ``<name>.html.j2``
lays a section out (autoescaped), ``<name>.txt.j2`` holds its sentences,
captions and alt texts as named blocks, rendered as plain text by
:meth:`Document._text` and escaped where the HTML shows them. Numbers are
formatted by :mod:`serviceprogram.text` through the environment's filters.
"""
from __future__ import annotations

import functools
import itertools
import os
import re
from dataclasses import dataclass, field

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from .. import text as fmt
from ..errors import WordingError

__all__ = ["block_text", "phrase", "MAX_TABLE_ROWS", "MAX_CELL_CHARS", "MAX_TOKEN_CHARS", "LONG_TOKEN_CHARS", "WARNINGS_SHEET",
           "DRIFTSTOD_SHEET", "export_name", "cell_text", "Table", "Fragment", "environment", "anchor",
           "Document"]

# The longest list the HTML and PDF show (support decisions over a cap, warnings,
# särskilt driftstöd, ...): the first rows, a caption line "Visar 50 av 100 000
# rader" and the whole list in the year's workbook (see :func:`export_name`).
MAX_TABLE_ROWS = 50
# Longer text in a table cell is cut with an ellipsis (the full text is in the
# workbook); so is a longer unbroken token (a word, number or address without
# spaces): WeasyPrint needs minutes to lay out a very long unbroken token.
MAX_CELL_CHARS = 1000
MAX_TOKEN_CHARS = 200
# An unbroken run of more characters than this may break anywhere (CSS class "long").
LONG_TOKEN_CHARS = 30
_LONG_TOKEN = re.compile(rf"\S{{{LONG_TOKEN_CHARS + 1},}}")

# Sheets of the year's workbook (see :func:`serviceprogram.publishing.workbooks.build_indicator_workbook`).
WARNINGS_SHEET = "Varningar"
DRIFTSTOD_SHEET = "Särskilt driftstöd"


def export_name(year) -> str:
    """The year's workbook that holds every row of the report's lists: ``uppfoljning-2024.xlsx``."""
    return f"uppfoljning-{year}.xlsx"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def cell_text(value) -> Markup:
    """A table cell's text as escaped HTML: cut after :data:`MAX_CELL_CHARS` characters,
    an unbroken token cut after :data:`MAX_TOKEN_CHARS` (both with "…"), and a long
    unbroken token marked so that it may wrap anywhere."""
    text = _cut("" if value is None else str(value), MAX_CELL_CHARS)
    parts, start = [], 0
    for match in _LONG_TOKEN.finditer(text):
        parts.append(escape(text[start:match.start()]))
        parts.append(Markup('<span class="long">%s</span>') % _cut(match.group(), MAX_TOKEN_CHARS))
        start = match.end()
    parts.append(escape(text[start:]))
    return Markup("").join(parts)


@dataclass
class Table:
    """A report table: caption, header, formatted rows and numeric columns.

    ``total`` is the number of rows before the table was cut to
    :data:`MAX_TABLE_ROWS`; ``full_list`` names the file that has them all,
    or the file and its sheet as a pair.
    """

    caption: str
    columns: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)
    total_last: bool = False
    row_headers: bool = True
    number: int | None = None
    css: str = ""
    total: int | None = None
    full_list: str | tuple[str, str] | None = None

    @property
    def cut(self) -> bool:
        """True when the table shows only the first of its rows."""
        return self.total is not None and self.total > len(self.rows)

    def as_text(self) -> str:
        """Plain-text rendering (stable, used by nbval as the cell's text output)."""
        widths = [max(len(str(x)) for x in [c, *[r[i] for r in self.rows]]) for i, c in enumerate(self.columns)]
        lines = [self.caption, *([f"Visar {len(self.rows)} av {self.total} rader"] if self.cut else []), "  ".join(str(c).ljust(w) for c, w in zip(self.columns, widths))]
        for row in self.rows:
            lines.append("  ".join(
                str(x).rjust(w) if i in self.numeric else str(x).ljust(w)
                for i, (x, w) in enumerate(zip(row, widths))
            ).rstrip())
        return "\n".join(lines).replace("\u00a0", " ")


class Fragment:
    """An HTML fragment that Jupyter displays; its text form lists the tables."""

    def __init__(self, html: str, text: str = ""):
        self.html = html
        self.text = text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text or "<avsnitt i rapporten>"


def environment(loader=None) -> Environment:
    """The jinja2 environment of the section templates (``templates/sections/``).

    Every template is autoescaped except the plain-text ``*.txt.j2`` ones, whose
    text the HTML templates escape when they show it. ``loader`` replaces the
    package's templates (tests).
    """
    # StrictUndefined: a variable a writer misspells stops the build with the template named
    # (publishing.wording), instead of leaving a gap in a sentence.
    env = Environment(loader=loader or PackageLoader("serviceprogram", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(disabled_extensions=("txt.j2",), default=True,
                                                   default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                      extensions=["jinja2.ext.do"])
    env.filters["count_text"] = fmt.count_text
    env.filters["cell"] = cell_text
    env.filters["num"] = fmt.num
    env.filters["kr"] = fmt.kr
    env.filters["pct"] = fmt.pct
    env.filters["date"] = fmt.date
    env.filters["in_words"] = fmt.number_in_words
    env.filters["status_count"] = fmt.status_count
    env.filters["join_words"] = fmt.join
    env.globals["max_rows"] = MAX_TABLE_ROWS
    env.globals["status_words"] = fmt.STATUS_WORDS
    return env


def block_text(env: Environment, template: str, block: str, context: dict) -> str:
    """The plain text of one block of ``sections/<template>.txt.j2`` (not escaped: the HTML
    templates, :class:`Table` captions and :func:`charts.embed` escape it)."""
    tpl = env.get_template(f"sections/{template}.txt.j2")
    if block not in tpl.blocks:  # a writer removed or renamed it
        where = tpl.filename if tpl.filename and os.path.isfile(tpl.filename) else tpl.name
        raise WordingError(f"Textmallen {where} saknar blocket {block!r}: lägg tillbaka "
                           f"{{% block {block} %}}…{{% endblock %}} (hämta den levererade versionen från git).")
    return "".join(tpl.blocks[block](tpl.new_context(context)))


@functools.cache
def _shared_environment() -> Environment:
    return environment()


def phrase(template: str, block: str, **context) -> str:
    """:func:`block_text` for the figure functions that belong to no document (access charts and
    maps): their titles, footnotes and alt texts are in ``sections/figures.txt.j2``."""
    return block_text(_shared_environment(), template, block, context)


def anchor(text: str) -> str:
    """An HTML id from Swedish text: ``Ej påbörjad`` -> ``ej-paborjad``."""
    table = str.maketrans("åäöéÅÄÖÉ", "aaoeaaoe")
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(table)).strip("-")


class Document:
    """What every generated document shares: section templates, numbered tables and figures."""

    year: int | None = None
    program = None

    def __init__(self):
        self._env = environment()
        self._tables = 0
        self._figures = 0

    def _render(self, template: str, **context) -> str:
        return self._env.get_template(f"sections/{template}.html.j2").render(
            year=self.year, program=self.program, **context)

    def _text(self, template: str, block: str, **context) -> str:
        """The plain text of one block of ``sections/<template>.txt.j2`` (not escaped: the
        HTML templates, :class:`Table` captions and :func:`charts.embed` escape it)."""
        return block_text(self._env, template, block, {"year": self.year, "program": self.program, **context})

    def _table(self, caption, columns, rows, numeric=(), total_last=False, css="", full_list=None,
               total=None) -> Table:
        """A numbered table. A list with ``full_list`` (the file that holds every row)
        shows only its first :data:`MAX_TABLE_ROWS` rows; ``rows`` may then be an
        iterator, with the number of rows given as ``total``."""
        self._tables += 1
        if full_list is not None:
            if total is None:
                rows = list(rows)
                total = len(rows)
            rows = list(itertools.islice(rows, MAX_TABLE_ROWS))
        return Table(caption, columns, rows, set(numeric), total_last, True, self._tables, css, total, full_list)

    def _figure(self, fig, alt, caption, raster=False):
        # Imported here: the workbooks and the problem list read their wording from this module
        # without importing matplotlib.
        from . import charts

        self._figures += 1
        return charts.embed(fig, alt, caption, self._figures, raster=raster)

    def _fragment(self, html: str, *tables: Table) -> Fragment:
        return Fragment(html, "\n\n".join(t.as_text() for t in tables if t))

    def _empty(self) -> Fragment:
        return Fragment("", "")
