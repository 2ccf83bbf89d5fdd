"""The report's sections, as HTML fragments for the notebook to display.

The notebook ``notebooks/uppfoljning.ipynb`` calls :meth:`Report.load` and then
one method per section. Every method returns a :class:`Fragment`, which
Jupyter shows as HTML; all text from the data is escaped by jinja2.
When the data is invalid, :meth:`Report.load` still returns a report whose
first section lists the problems in Swedish and whose other sections are empty.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from .. import text as fmt
from ..analysis import access, access_indicators, shops
from ..analysis import indicators as ind
from ..analysis.checks import load_checked_year
from ..errors import DataError, Problem, ServiceprogramError
from ..files import build_date
from ..inputs import service_points
from ..inputs.caps import load_caps
from ..inputs.loading import YearData, resolve_data_dir
from ..inputs.program import load_program
from ..inputs.schemas import INSATS_STATUS, STODFORMER
from ..paths import git_commit
from . import charts

__all__ = ["SECTIONS", "MAX_TABLE_ROWS", "MAX_CELL_CHARS", "MAX_TOKEN_CHARS", "LONG_TOKEN_CHARS",
           "export_name", "cell_text", "Table", "Fragment", "WARNINGS_SHEET", "DRIFTSTOD_SHEET", "LIMIT_KM",
           "AccessFigures", "driftstod_check", "Document", "Report"]

SECTIONS = (
    ("sammanfattning", "Sammanfattning"),
    ("handlingsplan", "Handlingsplanens insatser"),
    ("stod", "Stöd till kommersiell service"),
    ("foretagsbesok", "Företagsbesök"),
    ("serviceplatser", "Serviceplatser och SOT-punkter"),
    ("serviceplaner", "Kommunala serviceplaner"),
    ("tillganglighet", "Tillgång till service (fågelvägen)"),
    ("slutsatser", "Slutsatser och fortsatt arbete"),
    ("data-och-metod", "Data och metod"),
)


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


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("serviceprogram", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    env.filters["count_text"] = fmt.count_text
    env.filters["cell"] = cell_text
    env.filters["num"] = fmt.num
    env.filters["kr"] = fmt.kr
    env.globals["max_rows"] = MAX_TABLE_ROWS
    return env


def _anchor(text: str) -> str:
    table = str.maketrans("åäöéÅÄÖÉ", "aaoeaaoe")
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(table)).strip("-")


# Sheets of the year's workbook (see :func:`serviceprogram.publishing.workbooks.build_indicator_workbook`).
WARNINGS_SHEET = "Varningar"
DRIFTSTOD_SHEET = "Särskilt driftstöd"

LIMIT_KM = int(access.DEFAULT_LIMIT_KM)  # the distance the programme and särskilt driftstöd use


@dataclass
class AccessFigures:
    """The access analysis of one year (see :mod:`serviceprogram.analysis.access`)."""

    dist: pd.DataFrame
    bands: pd.DataFrame
    over: pd.DataFrame
    indicators: pd.DataFrame
    importance: pd.DataFrame
    driftstod: pd.DataFrame
    roads: object = None  # roads.figures.RoadFigures when the data folder has a road network

    @classmethod
    def compute(cls, data: YearData) -> AccessFigures:
        """Distances, bands, people over 10 km, shop importance and the driftstöd check.

        With a road network in ``<data>/vagnat/`` also the road figures (searched once per
        year and cached, see :mod:`serviceprogram.analysis.roads.figures`), their indicator rows, and
        the driftstöd check by road.
        """
        from ..analysis.roads import figures as road_figures

        program, year = data.program, data.year
        population, points, stod = data.befolkning, data.tables["serviceplatser"], data.tables["stod"]
        names = program.kommun_names
        dist = access.distances(population, points, year)
        roads = road_figures.for_year(data, straight_m=dist)
        indicators = access_indicators.indicator_rows(population, dist, program.avstandsband_km, LIMIT_KM, kommuner=names)
        if roads is not None:
            indicators = pd.concat([indicators, road_figures.indicator_rows(roads.table, LIMIT_KM)],
                                   ignore_index=True)
        return cls(
            dist=dist,
            bands=access.band_table(population, dist, program.avstandsband_km, kommuner=names),
            over=access.over_limit(population, dist, LIMIT_KM, kommuner=names),
            indicators=indicators,
            importance=shops.shop_importance(population, points, year, shops.supported_point_ids(stod, year),
                                              limit_km=LIMIT_KM),
            driftstod=driftstod_check(data),
            roads=roads,
        )


def _by_road(driftstod: pd.DataFrame) -> bool:
    """True when the driftstöd check used road distances for at least one shop."""
    return bool(len(driftstod)) and "matt" in driftstod.columns and bool((driftstod["matt"] == shops.MEASURE_ROAD).any())


def driftstod_check(data: YearData) -> pd.DataFrame:
    """The särskilt driftstöd check of a year: by road with a network, else fågelvägen."""
    from ..analysis.roads import figures as road_figures
    from ..analysis.roads.settings import load_settings

    points, stod, year = data.tables["serviceplatser"], data.tables["stod"], data.year
    settings = load_settings(data.data_dir)
    road_km = None
    if settings is not None and {"serviceplats_id", "stodform"} <= set(stod.columns):
        form = stod["stodform"].map(lambda v: "" if service_points.is_missing(v) else str(v).strip().casefold())
        ids = [str(v).strip() for v in stod.loc[form == shops.DRIFTSTOD.casefold(), "serviceplats_id"]
               if not service_points.is_missing(v)]
        road_km = road_figures.driftstod_road_km(settings, points, year, ids)
    return shops.driftstod_check(points, stod, year, limit_km=LIMIT_KM, road_km=road_km)


class Document:
    """What every generated document shares: section templates, numbered tables and figures."""

    year: int | None = None
    program = None

    def __init__(self):
        self._env = _environment()
        self._tables = 0
        self._figures = 0

    def _render(self, template: str, **context) -> str:
        return self._env.get_template(f"sections/{template}.html.j2").render(
            year=self.year, program=self.program, **context)

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
        self._figures += 1
        return charts.embed(fig, alt, caption, self._figures, raster=raster)

    def _fragment(self, html: str, *tables: Table) -> Fragment:
        return Fragment(html, "\n\n".join(t.as_text() for t in tables if t))

    def _empty(self) -> Fragment:
        return Fragment("", "")


class Report(Document):
    """One year's report: data, indicators and the HTML of every section.

    Use :meth:`load`; the constructor is internal.
    """

    def __init__(self, year: int, data_dir, data: YearData | None, previous: YearData | None,
                 problems: list[Problem] | None = None, program=None):
        self.year = year
        self.data_dir = data_dir
        self.data = data
        self.previous = previous
        self.previous_errors: int | None = None  # errors in the previous year's data, when it has any
        self.problems = problems or []
        self.program = program if program is not None else (data.program if data else None)
        super().__init__()

    @classmethod
    def load(cls, year, data_dir=None) -> Report:
        """Load a year (and the previous year, when valid) for the report.

        Parameters
        ----------
        year : int
        data_dir : str, Path or None
            See :func:`serviceprogram.inputs.loading.resolve_data_dir`.

        Returns
        -------
        Report
            ``report.valid`` is False when the data has errors; the report then
            shows the problems instead of the sections.
        """
        year = int(year)
        try:
            folder = resolve_data_dir(data_dir)
            program = load_program(folder)
            data = load_checked_year(folder, year, program)
        except DataError as exc:
            return cls(year, data_dir, None, None, exc.problems)
        except ServiceprogramError as exc:
            return cls(year, data_dir, None, None, [Problem(str(data_dir or "data"), None, None, None, str(exc))])
        previous, previous_errors = None, None
        if (folder / str(year - 1)).is_dir():
            try:
                previous = load_checked_year(folder, year - 1, program)
            except DataError as exc:  # the report goes on without comparisons and says why
                previous_errors = sum(p.is_error for p in exc.problems) or len(exc.problems)
            except ServiceprogramError:
                previous_errors = 1
        report = cls(year, folder, data, previous, program=program)
        report.previous_errors = previous_errors
        return report

    def full_list(self, sheet: str) -> tuple[str, str]:
        """Where a list of the report is complete: the year's workbook and one of its sheets."""
        return export_name(self.year), sheet

    @property
    def valid(self) -> bool:
        """True when the data could be loaded without errors."""
        return self.data is not None

    @cached_property
    def indicators(self) -> ind.YearIndicators:
        """Indicator tables of the year, with the access indicators as extra rows."""
        result = ind.compute(self.data)
        if self.access is not None:
            result.extra.append(self.access.indicators)
        return result

    @cached_property
    def previous_indicators(self) -> ind.YearIndicators | None:
        """Indicator tables of the previous year, or None."""
        return ind.compute(self.previous) if self.previous else None

    @cached_property
    def access(self) -> AccessFigures | None:
        """Access analysis of the year, or None without population points."""
        return AccessFigures.compute(self.data) if self.data.befolkning is not None else None

    @cached_property
    def driftstod(self) -> pd.DataFrame:
        """The distance check of every särskilt driftstöd decision of the year (needs no population)."""
        if self.access is not None:
            return self.access.driftstod
        return driftstod_check(self.data)

    @cached_property
    def previous_over(self) -> pd.DataFrame | None:
        """People over the limit in the previous year (the access section's comparison), when it has
        population points. Only what the comparison needs: the previous year's analysis is its own
        report's (saved in its results, see :mod:`serviceprogram.results`)."""
        if self.previous is None or self.previous.befolkning is None:
            return None
        data = self.previous
        dist = access.distances(data.befolkning, data.tables["serviceplatser"], data.year)
        return access.over_limit(data.befolkning, dist, LIMIT_KM, kommuner=data.program.kommun_names)

    @cached_property
    def borders(self):
        """The county's municipal borders for the maps (see :mod:`serviceprogram.inputs.geo.borders`)."""
        from ..inputs.geo.borders import municipality_borders

        return municipality_borders(self.program, self.data_dir)

    @cached_property
    def road_lines(self):
        """The road network as lines for the maps (:mod:`serviceprogram.roads.lines`), or None."""
        if self.access is None or self.access.roads is None:
            return None
        from ..analysis.roads.lines import road_lines

        return road_lines(self.access.roads.settings)

    @cached_property
    def localities(self):
        """The region's localities (``orter.csv``) for the maps, or None."""
        from ..inputs.geo.completeness import read_localities

        return read_localities(self.data_dir)

    @cached_property
    def long(self) -> pd.DataFrame:
        """The long indicator table of the year, with the access indicators."""
        return self.indicators.long()

    # -- sections ------------------------------------------------------------------------
    def title_page(self) -> Fragment:
        """Title page with the table of contents, or the list of problems."""
        if not self.valid:
            return Fragment(self._render("invalid", list=self.problems, data_dir=self.data_dir),
                            "\n".join(p.as_text() for p in self.problems))
        sections = [s for s in SECTIONS if s[0] != "slutsatser" or "slutsatser" in self.data.texts]
        return Fragment(self._render("title", sections=sections, data_date=self.data_date(),
                                     program_text=fmt.program_text(self.program.program)),
                        f"{self.program.region}: uppföljning {self.year}")

    def data_date(self) -> str:
        """The latest date found in the year's data, in Swedish."""
        t = self.data.tables
        dates = [t["stod"]["beslutsdatum"].max(), t["foretagsbesok"]["datum"].max(),
                 t["serviceplaner"]["serviceplan_beslut"].max(), t["serviceplaner"]["handlingsplan_beslut"].max()]
        for column in ("sot_invigd", "oppnad", "stangd"):
            col = t["serviceplatser"][column]
            dates.append(col[col.dt.year == self.year].max())
        dates = [d for d in dates if pd.notna(d)]
        return fmt.date(max(dates)) if dates else f"år {self.year}"

    def key_figures_table(self) -> Table:
        """The key figures of the year, with the previous year when present."""
        cur = self.indicators
        prev = self.previous_indicators
        items = [
            ("Stödbeslut, antal", cur.stod_per_form.loc[ind.TOTAL, "antal"],
             prev.stod_per_form.loc[ind.TOTAL, "antal"] if prev else None, fmt.num),
            ("Beslutat stöd, kronor", cur.stod_per_form.loc[ind.TOTAL, "belopp_kr"],
             prev.stod_per_form.loc[ind.TOTAL, "belopp_kr"] if prev else None, fmt.kr),
        ]
        for form in STODFORMER:
            items.append((f"– {form}", cur.stod_per_form.loc[form, "belopp_kr"],
                          prev.stod_per_form.loc[form, "belopp_kr"] if prev else None, fmt.kr))
        items += [
            ("Fysiska företagsbesök", cur.besok_per_form.loc["Fysiskt", "antal"],
             prev.besok_per_form.loc["Fysiskt", "antal"] if prev else None, fmt.num),
            ("Digitala företagsbesök", cur.besok_per_form.loc["Digitalt", "antal"],
             prev.besok_per_form.loc["Digitalt", "antal"] if prev else None, fmt.num),
            ("Insatser i handlingsplanen", cur.insatser_per_status.loc[ind.TOTAL, "antal"],
             prev.insatser_per_status.loc[ind.TOTAL, "antal"] if prev else None, fmt.num),
            ("– varav genomförda", cur.insatser_per_status.loc["Genomförd", "antal"],
             prev.insatser_per_status.loc["Genomförd", "antal"] if prev else None, fmt.num),
            ("SOT-punkter invigda under året", len(cur.sot_invigda),
             len(prev.sot_invigda) if prev else None, fmt.num),
            ("Kommuner med antagen serviceplan", cur.planer_per_status.loc["Antagen", "serviceplan"],
             prev.planer_per_status.loc["Antagen", "serviceplan"] if prev else None, fmt.num),
            ("Kommuner med antagen handlingsplan", cur.planer_per_status.loc["Antagen", "handlingsplan"],
             prev.planer_per_status.loc["Antagen", "handlingsplan"] if prev else None, fmt.num),
        ]
        columns = ["Nyckeltal", str(self.year)]
        if prev:
            columns += [str(self.year - 1), "Förändring"]
        rows = []
        for label, value, before, formatter in items:
            row = [label, formatter(value)]
            if prev:
                row += [formatter(before), fmt.signed(value - before)]
            rows.append(row)
        return self._table(f"Nyckeltal {self.year}", columns, rows, numeric=range(1, len(columns)), css="keep")

    def summary_paragraphs(self) -> list[str]:
        """The year in words, the same text as in the board memo (see :mod:`serviceprogram.publishing.memo`)."""
        from . import memo

        return memo.summary_paragraphs(self)

    def summary_html(self) -> list:
        """The summary as HTML paragraphs: generated text escaped, the analyst's Markdown rendered and sanitised."""
        from markupsafe import Markup, escape

        from . import memo

        return [Markup(item.html) if hasattr(item, "html") else Markup(f"<p>{escape(item)}</p>")
                for item in memo.summary_items(self)]

    def conclusions(self) -> Fragment:
        """"Slutsatser och fortsatt arbete": the analyst's ``slutsatser.md``; nothing without it."""
        from markupsafe import Markup

        from ..inputs import analyst_text as texts

        if not self.valid:
            return self._empty()
        text = texts.rendered(self, texts.CONCLUSIONS)
        if text is None:
            return self._empty()
        html = self._render("conclusions", heading=texts.CONCLUSIONS_HEADING, body=Markup(text.html))
        return Fragment(html, texts.CONCLUSIONS_HEADING)

    def support_types_table(self) -> Table:
        """The four support types: who decides, the caps of the year and the share of the cost."""
        caps = load_caps()
        described = {t.namn: t for t in caps.stodformer}
        rows = []
        for form in STODFORMER:
            mine = [c for c in caps.for_year(self.year) if c.stodform == form]
            cap_text = "; ".join(f"{fmt.kr(c.tak_kr)} per mottagare och år" for c in mine) or "Inget tak i kronor"
            kind = described.get(form)
            rows.append([form, kind.beslutar if kind else "–", cap_text, kind.andel if kind else "–"])
        return self._table(f"Stödformerna {self.year}: vem som beslutar, tak och andel av kostnaden",
                           ["Stödform", "Beslutar", "Tak i verktygets regeltabell", "Andel av kostnaden"], rows)

    def funding_table(self) -> Table | None:
        """Budget, decided and paid out per source of funding, or None without ``[[finansiering]]``."""
        table = self.indicators.finansiering
        if not len(table):
            return None
        rows = [[source, fmt.kr(r["budget_kr"]), fmt.kr(r["beslutat_kr"]), fmt.kr(r["utbetalt_kr"])]
                for source, r in table.iterrows()]
        return self._table(f"Finansiering {self.year} per källa", ["Källa", "Budget", "Beslutat", "Utbetalt"],
                           rows, numeric=(1, 2, 3), total_last=True)

    def key_figures(self) -> Fragment:
        """Summary section: the year in words and the key figures table."""
        if not self.valid:
            return self._empty()
        table = self.key_figures_table()
        html = self._render("summary", summary=self.summary_html(), key_table=table,
                            warnings=self.data.warnings)
        return self._fragment(html, table)

    def activities(self) -> Fragment:
        """The action plan: status per priority area and each activity."""
        if not self.valid:
            return self._empty()
        by_area = self.indicators.insatser_per_omrade
        rows = [[area, *[fmt.num(v) for v in counts]] for area, counts in by_area.iterrows()]
        totals = by_area.sum()
        rows.append(["Totalt", *[fmt.num(v) for v in totals]])
        status_table = self._table(f"Insatser per prioriterat område och status {self.year}",
                                   ["Prioriterat område", *INSATS_STATUS, "Totalt"], rows,
                                   numeric=range(1, len(INSATS_STATUS) + 2), total_last=True)
        fig = charts.stacked_barh(list(by_area.index), {s: list(by_area[s]) for s in INSATS_STATUS},
                                  xlabel="Antal insatser")
        alt = "Liggande staplar med antal insatser per prioriterat område, uppdelat på status: " + "; ".join(
            f"{area}: " + ", ".join(fmt.status_count(int(c[s]), s) for s in INSATS_STATUS if c[s])
            for area, c in by_area.iterrows()) + "."
        chart = self._figure(fig, alt, f"Insatser per prioriterat område och status vid slutet av {self.year}.")
        activities = self.data.tables["insatser"]
        areas = []
        for area in self.program.prioriterade_omraden:
            mine = activities[activities["prioriterat_omrade"] == area]
            counts = mine["status"].value_counts()
            lead = (f"Området hade {fmt.count_text(len(mine), 'insats', 'insatser')}: "
                    + ", ".join(f"{fmt.number_in_words(int(counts[s]))} {fmt.STATUS_WORDS[s][int(counts[s]) != 1]}"
                                for s in INSATS_STATUS if counts.get(s, 0)) + "."
                    if len(mine) else "Inga insatser i årets handlingsplan.")
            items = []
            for a in mine.itertuples():
                goal = ""
                if pd.notna(a.malvarde) and pd.notna(a.utfall):
                    share = a.utfall / a.malvarde if a.malvarde else float("nan")
                    goal = f"mål {fmt.num(a.malvarde, 1 if a.malvarde % 1 else 0)}, utfall " \
                           f"{fmt.num(a.utfall, 1 if a.utfall % 1 else 0)} ({fmt.pct(share)} av målet)"
                elif pd.notna(a.malvarde):
                    goal = f"mål {fmt.num(a.malvarde, 1 if a.malvarde % 1 else 0)}, utfall ej redovisat"
                items.append({"insats": a.insats, "status": a.status, "status_css": _anchor(a.status),
                              "mal": a.mal, "goal": goal, "ansvarig": ", ".join(x.strip() for x in a.ansvarig.split(";")),
                              "kommentar": a.kommentar})
            areas.append({"name": area, "anchor": "omrade-" + _anchor(area), "lead": lead, "activities": items})
        html = self._render("areas", areas=areas, n_activities=len(activities), status_table=status_table, chart=chart)
        return self._fragment(html, status_table)

    def support(self) -> Fragment:
        """Support decided in the year, by type and municipality, with cap warnings."""
        if not self.valid:
            return self._empty()
        cur, prev = self.indicators, self.previous_indicators
        by_type = cur.stod_per_form
        columns = ["Stödform", "Antal", "Belopp"]
        if prev:
            columns += [f"Antal {self.year - 1}", f"Belopp {self.year - 1}"]
        rows = []
        for form, r in by_type.iterrows():
            row = [form, fmt.num(r["antal"]), fmt.kr(r["belopp_kr"])]
            if prev:
                p = prev.stod_per_form.loc[form]
                row += [fmt.num(p["antal"]), fmt.kr(p["belopp_kr"])]
            rows.append(row)
        type_table = self._table(f"Beslutat stöd per stödform {self.year}", columns, rows,
                                 numeric=range(1, len(columns)), total_last=True)
        forms = list(STODFORMER)
        fig = charts.grouped_barh(forms, [by_type.loc[f, "belopp_kr"] for f in forms],
                                  [prev.stod_per_form.loc[f, "belopp_kr"] for f in forms] if prev else None,
                                  self.year, money=True)
        alt = (f"Liggande staplar med beslutat belopp per stödform {self.year}"
               + (f" jämfört med {self.year - 1}" if prev else "") + ": "
               + "; ".join(f"{f} {fmt.kr(by_type.loc[f, 'belopp_kr'])}"
                           + (f" ({fmt.kr(prev.stod_per_form.loc[f, 'belopp_kr'])} året innan)" if prev else "")
                           for f in forms) + ".")
        type_chart = self._figure(fig, alt, f"Beslutat stöd per stödform {self.year}"
                                  + (f" och {self.year - 1}." if prev else "."))
        by_k = cur.stod_per_kommun
        rows = [[k, fmt.num(r["antal"]), fmt.kr(r["belopp_kr"]), fmt.num(r["folkmangd"]),
                 fmt.num(r["kr_per_invanare"], 0) + "\u00a0kr"] for k, r in by_k.iterrows()]
        kommun_table = self._table(f"Beslutat stöd per kommun {self.year}",
                                   ["Kommun", "Antal", "Belopp", "Folkmängd", "Kronor per invånare"], rows,
                                   numeric=range(1, 5), total_last=True)
        names = self.program.kommun_names
        per_capita = by_k.loc[names, "kr_per_invanare"]
        fig = charts.grouped_barh(names, list(per_capita),
                                  list(prev.stod_per_kommun.loc[names, "kr_per_invanare"]) if prev else None,
                                  self.year)
        top = per_capita.idxmax()
        alt = (f"Liggande staplar med stöd i kronor per invånare per kommun {self.year}. Högst i {top} med "
               f"{fmt.num(per_capita[top])} kronor per invånare; länet som helhet "
               f"{fmt.num(by_k.loc[ind.COUNTY, 'kr_per_invanare'])} kronor per invånare.")
        kommun_chart = self._figure(fig, alt, f"Stöd i kronor per invånare och kommun {self.year}.")
        matrix = cur.stod_matris
        rows = [[k, *[fmt.kr(v) if v else "–" for v in r]] for k, r in matrix.iterrows()]
        matrix_table = self._table(f"Belopp per kommun och stödform {self.year}", ["Kommun", *forms], rows,
                                   numeric=range(1, len(forms) + 1), css="wide")
        count = int(by_type.loc[ind.TOTAL, "antal"])
        lead = (f"Under {self.year} fattades {fmt.count_text(count, 'beslut', 'beslut', neuter=True)} om stöd "
                f"på sammanlagt {fmt.kr(by_type.loc[ind.TOTAL, 'belopp_kr'])}, i genomsnitt "
                f"{fmt.num(by_k.loc[ind.COUNTY, 'kr_per_invanare'])} kronor per invånare i länet."
                if count else f"Inga beslut om stöd till kommersiell service fattades under {self.year}.")
        warnings = [w for w in self.data.warnings if w.column == "belopp_kr"]
        types_table = self.support_types_table()
        funding_table = self.funding_table()
        funding = self.indicators.finansiering
        html = self._render("support", lead=lead, type_table=type_table, type_chart=type_chart,
                            types_table=types_table, funding_table=funding_table,
                            funding_total=funding.loc["Totalt"] if funding_table is not None else None,
                            funding_notes=[f for f in self.program.funding(self.year) if f.kommentar],
                            kommun_table=kommun_table, kommun_chart=kommun_chart, matrix_table=matrix_table,
                            cap_warnings=warnings, caps_version=load_caps().version,
                            warnings_list=self.full_list(WARNINGS_SHEET),
                            checked_forms=fmt.join(sorted({c.stodform.lower() for c in load_caps().caps}), "eller"))
        return self._fragment(html, type_table, kommun_table)

    def visits(self) -> Fragment:
        """Company visits by form and municipality."""
        if not self.valid:
            return self._empty()
        cur, prev = self.indicators, self.previous_indicators
        columns = ["Form", str(self.year)] + ([str(self.year - 1)] if prev else [])
        rows = [[form, fmt.num(n)] + ([fmt.num(prev.besok_per_form.loc[form, "antal"])] if prev else [])
                for form, n in cur.besok_per_form["antal"].items()]
        form_table = self._table(f"Företagsbesök per form {self.year}", columns, rows,
                                 numeric=range(1, len(columns)), total_last=True)
        by_k = cur.besok_per_kommun
        rows = [[k, *[fmt.num(v) for v in r]] for k, r in by_k.iterrows()]
        kommun_table = self._table(f"Företagsbesök per kommun {self.year}", ["Kommun", *by_k.columns], rows,
                                   numeric=range(1, len(by_k.columns) + 1), total_last=True)
        names = self.program.kommun_names
        fig = charts.stacked_barh(names, {f: list(by_k.loc[names, f]) for f in ("Fysiskt", "Digitalt")},
                                  xlabel="Antal besök")
        alt = "Liggande staplar med företagsbesök per kommun, fysiska och digitala: " + "; ".join(
            f"{k} {fmt.num(by_k.loc[k, 'Fysiskt'])} fysiska och {fmt.num(by_k.loc[k, 'Digitalt'])} digitala"
            for k in names) + "."
        chart = self._figure(fig, alt, f"Företagsbesök per kommun och form {self.year}.")
        n = cur.besok_per_form["antal"]
        lead = (f"Under {self.year} registrerades "
                f"{fmt.count_text(int(n[ind.TOTAL]), 'företagsbesök', 'företagsbesök', neuter=True)}: "
                f"{fmt.count_text(int(n['Fysiskt']), 'fysiskt', 'fysiska', neuter=True)} och "
                f"{fmt.count_text(int(n['Digitalt']), 'digitalt', 'digitala', neuter=True)}."
                if n[ind.TOTAL] else f"Inga företagsbesök finns registrerade för {self.year}.")
        if n[ind.TOTAL] and not n["Digitalt"]:  # digital meetings may happen without being registered
            lead = (f"Under {self.year} registrerades "
                    f"{fmt.count_text(int(n['Fysiskt']), 'fysiskt företagsbesök', 'fysiska företagsbesök', True)}.")
        html = self._render("visits", lead=lead, form_table=form_table, kommun_table=kommun_table, chart=chart)
        return self._fragment(html, form_table)

    def service_points(self) -> Fragment:
        """Service points by type and municipality, SOT-punkter, openings and closures."""
        if not self.valid:
            return self._empty()
        cur = self.indicators
        sot = cur.sot_invigda
        sot_table = None
        if len(sot):
            sot_table = self._table(f"SOT-punkter invigda {self.year}", ["Plats", "Ort", "Kommun", "Invigd"],
                                    [[r.namn, r.ort, r.kommun, fmt.date(r.invigd)] for r in sot.itertuples()],
                                    full_list=self.full_list("Serviceplatser"))
        points = cur.serviceplatser
        labels = ["Daglig\u00advaror", "varav full\u00adsortiment", "Driv\u00admedel", "Paket\u00adombud",
                  "Apoteks\u00adombud", "Kontant\u00aduttag", "SOT-punkter", "Alla platser"]
        rows = [[k, *[fmt.num(v) for v in r]] for k, r in points.iterrows()]
        type_table = self._table(f"Öppna serviceplatser per kommun och typ den 31 december {self.year}",
                                 ["Kommun", *labels], rows, numeric=range(1, len(labels) + 1),
                                 total_last=True, css="wide")
        events = cur.oppnade_stangda
        events_table = None
        if len(events):
            events_table = self._table(f"Serviceplatser som öppnade eller stängde {self.year}",
                                       ["Plats", "Ort", "Kommun", "Händelse", "Datum"],
                                       [[r.namn, r.ort, r.kommun, r.handelse, fmt.date(r.datum)]
                                        for r in events.itertuples()], full_list=self.full_list("Serviceplatser"))
        county = points.loc[ind.COUNTY]
        lead = (f"Vid årets slut fanns {fmt.num(county['alla'])} öppna serviceplatser i underlaget, varav "
                f"{fmt.number_in_words(county['fullsortiment'])} dagligvarubutiker med fullsortiment och "
                f"{fmt.count_text(int(county['sot_punkter']), 'SOT-punkt', 'SOT-punkter')} (service- och trygghetspunkter).")
        html = self._render("points", lead=lead, sot_table=sot_table, type_table=type_table, events_table=events_table)
        return self._fragment(html, *(t for t in (sot_table, type_table) if t))

    def service_plans(self) -> Fragment:
        """Municipal service plans and action plans per status."""
        if not self.valid:
            return self._empty()
        cur, prev = self.indicators, self.previous_indicators
        status = cur.planer_per_status
        columns = ["Status", "Serviceplan", "Handlingsplan"]
        if prev:
            columns += [f"Serviceplan {self.year - 1}", f"Handlingsplan {self.year - 1}"]
        rows = []
        for s, r in status.iterrows():
            row = [s, fmt.num(r["serviceplan"]), fmt.num(r["handlingsplan"])]
            if prev:
                row += [fmt.num(prev.planer_per_status.loc[s, "serviceplan"]),
                        fmt.num(prev.planer_per_status.loc[s, "handlingsplan"])]
            rows.append(row)
        status_table = self._table(f"Kommuner per status för serviceplan och handlingsplan, slutet av {self.year}",
                                   columns, rows, numeric=range(1, len(columns)))
        plans = self.data.tables["serviceplaner"].set_index("kommun").reindex(self.program.kommun_names)
        rows = [[k, r.serviceplan, fmt.date(r.serviceplan_beslut) if pd.notna(r.serviceplan_beslut) else "",
                 r.handlingsplan, fmt.date(r.handlingsplan_beslut) if pd.notna(r.handlingsplan_beslut) else ""]
                for k, r in plans.iterrows()]
        kommun_table = self._table(f"Serviceplan och handlingsplan per kommun {self.year}",
                                   ["Kommun", "Serviceplan", "Beslutad", "Handlingsplan", "Beslutad"], rows)
        decided = cur.planer_beslutade
        decided_table = None
        if len(decided):
            decided_table = self._table(f"Planer antagna under {self.year}", ["Kommun", "Plan", "Beslut"],
                                        [[r.kommun, r.plan, fmt.date(r.beslut)] for r in decided.itertuples()],
                                        full_list=self.full_list("Serviceplaner"))
        n = status.loc["Antagen", "serviceplan"]
        lead = (f"Vid slutet av {self.year} hade {fmt.number_in_words(n)} av "
                f"{fmt.number_in_words(len(self.program.kommuner))} kommuner en antagen serviceplan och "
                f"{fmt.number_in_words(status.loc['Antagen', 'handlingsplan'])} hade en antagen "
                "handlingsplan.")
        html = self._render("plans", lead=lead, status_table=status_table, kommun_table=kommun_table,
                            decided_table=decided_table)
        return self._fragment(html, status_table)

    def table_file(self, table: str) -> str:
        """Where a table came from, as the analyst has it: ``serviceplatser.csv`` or
        ``uppfoljning.xlsx, blad serviceplatser``."""
        from ..inputs.reading import WORKBOOK

        names = {s.label.rsplit("/", 1)[-1].casefold() for s in (self.data.sources if self.data else [])}
        if f"{table}.csv" not in names and WORKBOOK.casefold() in names:
            return f"{WORKBOOK}, blad {table}"
        return f"{table}.csv"

    def _driftstod_table(self, driftstod: pd.DataFrame):
        if not len(driftstod):
            return None
        by_road = "matt" in driftstod.columns and (driftstod["matt"] == shops.MEASURE_ROAD).any()

        def km(value):
            if pd.isna(value):
                return "–"
            return "ingen" if value == float("inf") else fmt.num(value, 1) + "\u00a0km"

        def road(r):
            return "ingen väg nära, bedömt fågelvägen" if r.matt != shops.MEASURE_ROAD and r.serviceplats_id \
                and r.namn else km(r.vag_km)

        rows = ([r.namn or r.mottagare, r.kommun, fmt.kr(r.belopp_kr), km(r.avstand_km),
                 *([road(r)] if by_road else []), r.bedomning] for r in driftstod.itertuples())
        if by_road:
            return self._table(f"Särskilt driftstöd {self.year}: avstånd längs vägnätet och fågelvägen till "
                               "närmaste andra butik med fullsortiment",
                               ["Butik", "Kommun", "Belopp", "Fågelvägen", "Väg", "Bedömning"], rows,
                               numeric=(2, 3, 4), full_list=self.full_list(DRIFTSTOD_SHEET), total=len(driftstod))
        return self._table(f"Särskilt driftstöd {self.year}: avstånd fågelvägen till närmaste andra "
                           "butik med fullsortiment",
                           ["Butik", "Kommun", "Belopp", "Avstånd", "Bedömning"], rows, numeric=(2, 3),
                           full_list=self.full_list(DRIFTSTOD_SHEET), total=len(driftstod))

    def no_population_section(self, heading: str = "Tillgång till service (fågelvägen)",
                              anchor: str = "tillganglighet") -> Fragment:
        """Without population points: what the access analysis needs and where to get it.

        The driftstöd distance check needs only the service points and is still shown.
        """
        driftstod = self.driftstod
        table = self._driftstod_table(driftstod)
        html = self._render("no_population", heading=heading, anchor=anchor,
                            driftstod_table=table, by_road=_by_road(driftstod))
        return self._fragment(html, *([table] if table is not None else []))

    def access_section(self) -> Fragment:
        """Access to service: bands, people over 10 km, maps, shop importance, driftstöd check."""
        from . import access_charts, access_maps

        if not self.valid:
            return self._empty()
        figures = self.access
        if figures is None:
            return self.no_population_section()
        previous_over = self.previous_over
        road = self.road_tables(figures) if figures.roads is not None else {}  # first: tables numbered in order
        county = access.COUNTY_LABEL
        bands = figures.bands
        labels = list(dict.fromkeys(bands["band"]))
        over = figures.over.set_index(["typ", "kommun"])
        before = previous_over.set_index(["typ", "kommun"]) if previous_over is not None else None
        columns = ["Servicetyp", *labels, f"Över {LIMIT_KM} km, personer"]
        if before is not None:
            columns.append(f"Förändring mot {self.year - 1}")
        rows = []
        for key, label in service_points.SERVICE_TYPES.items():
            mine = bands[(bands["typ"] == key) & (bands["kommun"] == county)].set_index("band")
            row = [label, *[fmt.pct(mine.loc[b, "andel"]) for b in labels], fmt.num(over.loc[(key, county), "befolkning"])]
            if before is not None:
                row.append(fmt.signed(over.loc[(key, county), "befolkning"] - before.loc[(key, county), "befolkning"]))
            rows.append(row)
        county_table = self._table(f"Andel av befolkningen per avstånd fågelvägen till närmaste serviceplats, "
                                   f"hela länet {self.year}", columns, rows, numeric=range(1, len(columns)))
        full = bands[bands["typ"] == "fullsortiment"]
        rows = []
        for kommun in [*self.program.kommun_names, county]:
            mine = full[full["kommun"] == kommun].set_index("band")
            if mine.empty:
                continue
            row = [kommun, *[fmt.pct(mine.loc[b, "andel"]) for b in labels],
                   fmt.num(over.loc[("fullsortiment", kommun), "befolkning"])]
            if before is not None:
                row.append(fmt.signed(over.loc[("fullsortiment", kommun), "befolkning"]
                                      - before.loc[("fullsortiment", kommun), "befolkning"]))
            rows.append(row)
        kommun_table = self._table(f"Avstånd fågelvägen till närmaste dagligvarubutik med fullsortiment per kommun "
                                   f"{self.year}", ["Kommun", *columns[1:]], rows, numeric=range(1, len(columns)),
                                   total_last=True)
        band_chart = self._figure(access_charts.band_chart(bands, "fullsortiment"),
                                  access_charts.alt_text_band_chart(bands, "fullsortiment"),
                                  f"Andel av befolkningen per avståndsband fågelvägen till närmaste dagligvarubutik "
                                  f"med fullsortiment, per kommun {self.year}.")
        population, points = self.data.befolkning, self.data.tables["serviceplatser"]
        from ..inputs.geo.population_grid import source_text as population_source
        maps = []
        for key, label in service_points.SERVICE_TYPES.items():
            fig = access_maps.access_map(population, figures.dist, points, self.year, key,
                                           self.program.avstandsband_km, lan=self.program.lan,
                                           borders=self.borders, localities=self.localities,
                                           roads=self.road_lines)
            alt = access_maps.alt_text_map(population, figures.dist, points, self.year, key,
                                             self.program.avstandsband_km, lan=self.program.lan,
                                             roads=self.road_lines is not None)
            maps.append(self._figure(fig, alt, f"{label}: befolkningen efter avstånd fågelvägen till närmaste "
                                               f"öppna plats den 31 december {self.year}.", raster=True))
        top = figures.importance.head(15)
        rows = [[r.namn, r.ort, r.kommun, fmt.num(r.befolkning), fmt.num(r.flyttas_over_grans),
                 fmt.num(r.tillkommande_personkm), "Ja" if r.stod else ""] for r in top.itertuples()]
        importance_table = self._table(
            (f"De {len(top)} butiker med fullsortiment vars stängning skulle påverka flest, {self.year}"
             if len(top) != 1 else f"Butiken med fullsortiment och vad dess stängning skulle innebära, {self.year}"),
            ["Butik", "Ort", "Kommun", "Närmaste butik för, personer", f"Skulle få över {LIMIT_KM} km, personer",
             "Tillkommande personkilometer", f"Stöd {self.year}"], rows, numeric=range(3, 6))
        county_over = over.loc[("fullsortiment", county)]
        lead = (f"I {self.program.lan} bor {fmt.count_text(int(county_over['befolkning']), 'person', 'personer')}, "
                f"{fmt.pct(county_over['andel'], 1)} av befolkningen, mer än {LIMIT_KM} km fågelvägen från närmaste dagligvarubutik med "
                f"fullsortiment den 31 december {self.year}.")
        if before is not None:
            change = county_over["befolkning"] - before.loc[("fullsortiment", county), "befolkning"]
            lead += (f" Det är {fmt.number_in_words(abs(change))} {'fler' if change > 0 else 'färre'} än {self.year - 1}."
                     if change else f" Det är lika många som {self.year - 1}.")
        importance_lead = ("Tabellen visar för varje butik med fullsortiment hur många som har den som närmaste butik, "
                           f"och vad som skulle hända om just den butiken stängde: hur många som då skulle få mer än "
                           f"{LIMIT_KM} km fågelvägen till en butik och hur många personkilometer som skulle tillkomma "
                           "för en resa var till närmaste butik. Butiker med stödbeslut under året är markerade.")
        driftstod_table = self._driftstod_table(figures.driftstod)
        html = self._render("access", lead=lead, county_table=county_table,
                            kommun_table=kommun_table, band_chart=band_chart, maps=maps,
                            importance_lead=importance_lead, importance_table=importance_table,
                            driftstod_table=driftstod_table, by_road=_by_road(figures.driftstod),
                            population_source=population_source(population), road=road)
        return self._fragment(html, county_table, *road.get("tables", []), kommun_table)

    def road_tables(self, figures: AccessFigures) -> dict:
        """The road figures beside fågelvägen: a table per service type for the county, one per
        municipality for full-range shops, and what the network could not reach (for the template)."""
        from ..analysis.roads.figures import network_facts

        roads, county = figures.roads, access.COUNTY_LABEL
        table = roads.table
        limit = f"Över {LIMIT_KM} km"

        def km(v):
            return fmt.num(v, 1) if pd.notna(v) else "–"

        columns = ["", "Väg, km (medel)", "Restid, min (medel)", "Fågelvägen, km (medel)",
                   f"{limit} på väg, personer", f"{limit} fågelvägen, personer"]

        def row(label, r):
            return [label, km(r.vag_km), km(r.restid_min), km(r.fagelvag_km), fmt.num(r.over_grans_vag),
                    fmt.num(r.over_grans_fagelvag)]

        rows = [row(label, table[(table["typ"] == key) & (table["kommun"] == county)].iloc[0])
                for key, label in service_points.SERVICE_TYPES.items()]
        types_table = self._table(f"Vägavstånd, restid med bil och avstånd fågelvägen till närmaste öppna "
                                  f"serviceplats, hela länet {self.year}", ["Servicetyp", *columns[1:]], rows,
                                  numeric=range(1, len(columns)))
        full = table[table["typ"] == "fullsortiment"]
        rows = [row(r.kommun, r) for r in full.itertuples() if r.befolkning > 0 or r.kommun == county]
        kommun_table = self._table(f"Vägavstånd, restid och fågelvägen till närmaste dagligvarubutik med "
                                   f"fullsortiment per kommun {self.year}", ["Kommun", *columns[1:]], rows,
                                   numeric=range(1, len(columns)), total_last=True)
        facts = network_facts(roads.settings)
        county_row = full[full["kommun"] == county].iloc[0]
        road_map = self.road_map(figures)
        return {"tables": [types_table, kommun_table], "types_table": types_table, "kommun_table": kommun_table,
                "map": road_map,
                "facts": facts, "snap": fmt.num(facts["max_anslutning_m"]) + "\u00a0m",
                "unconnected": fmt.count_text(int(county_row.utan_vag), "person", "personer"),
                "unconnected_n": int(county_row.utan_vag),
                "unreachable": fmt.count_text(int(county_row.ej_nabar), "person", "personer"),
                "unreachable_n": int(county_row.ej_nabar),
                "ferries": facts["farjestrackor"] > 0,
                "parts": fmt.number_in_words(facts["delar"]),
                "limit": LIMIT_KM,
                "over_road": fmt.count_text(int(county_row.over_grans_vag), "person", "personer"),
                "over_straight": fmt.count_text(int(county_row.over_grans_fagelvag), "person", "personer")}

    def road_map(self, figures: AccessFigures, typ: str = "fullsortiment"):
        """The map of road distances to the nearest open place of ``typ``, with the road network."""
        from . import access_maps

        population, points = self.data.befolkning, self.data.tables["serviceplatser"]
        road_km = figures.roads.result.km
        fig = access_maps.access_map(population, figures.dist, points, self.year, typ,
                                       self.program.avstandsband_km, lan=self.program.lan, borders=self.borders,
                                       localities=self.localities, roads=self.road_lines, road_km=road_km)
        alt = access_maps.alt_text_road_map(population, road_km, points, self.year, typ,
                                              self.program.avstandsband_km, lan=self.program.lan)
        label = service_points.SERVICE_TYPES[typ]
        return self._figure(fig, alt, f"{label}: befolkningen efter avstånd längs vägnätet till närmaste öppna "
                                      f"plats den 31 december {self.year}.", raster=True)

    def method(self, package_version: str | None = None) -> Fragment:
        """Data sources, method, warnings and the provenance appendix."""
        if not self.valid:
            return self._empty()
        from .. import __version__

        sources_table = self._table("Indatafiler och kontrollsummor (SHA-256)", ["Fil", "SHA-256"],
                                    [[s.label, s.sha256] for s in self.data.sources], css="hashes")
        caps = load_caps()
        commit = git_commit(self.data_dir)
        build_rows = [
            ["Verktyg", f"serviceprogram {package_version or __version__}"],
            ["Version av datamappen (git)", commit or "ingen (inte en git-katalog)"],
            ["Parametrar", f"year = {self.year}, data_dir = {self.data_dir.name}/"],
            ["Regeltabell för stödtak", f"version {caps.version} ({caps.kalla})"],
        ]
        if build_date():
            build_rows.append(["Byggdatum (SOURCE_DATE_EPOCH)", build_date()])
        build_table = self._table("Verktyg och parametrar", ["Uppgift", "Värde"], build_rows, css="keep")
        html = self._render("method", warnings=self.data.warnings, caps_version=caps.version,
                            warnings_list=self.full_list(WARNINGS_SHEET),
                            previous_year=self.year - 1 if self.previous else None,
                            previous_errors=self.previous_errors,
                            sources_table=sources_table, build_table=build_table)
        return Fragment(html, "Data och metod")
