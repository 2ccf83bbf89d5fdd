"""The report's sections, as HTML fragments for the notebook to display.

The notebook ``notebooks/uppfoljning.ipynb`` calls :meth:`Report.load` and then
one method per section. Every method returns a :class:`Fragment`, which
Jupyter shows as HTML; all text from the data is escaped by jinja2.
When the data is invalid, :meth:`Report.load` still returns a report whose
first section lists the problems in Swedish and whose other sections are empty.

The report is a view over the computed results: :class:`Report` loads the year and
holds its indicators and access figures; the sections are in
:mod:`.report_sections` and :mod:`.report_access`, the shared tables and templates
in :mod:`.report_base`. The wording lives in ``templates/sections/`` (``*.html.j2``
for the layout, ``*.txt.j2`` for sentences, captions and alt texts), so a writer can
change it without touching Python.
"""
from __future__ import annotations

from functools import cached_property

import pandas as pd

from .. import text as fmt
from ..analysis import access
from ..analysis import indicators as ind
from ..analysis.checks import load_checked_year
from ..errors import DataError, Problem, ServiceprogramError
from ..inputs.loading import YearData, resolve_data_dir
from ..inputs.program import load_program
from .report_access import LIMIT_KM, AccessFigures, AccessSections, driftstod_check
from .report_base import (
    DRIFTSTOD_SHEET,
    LONG_TOKEN_CHARS,
    MAX_CELL_CHARS,
    MAX_TABLE_ROWS,
    MAX_TOKEN_CHARS,
    WARNINGS_SHEET,
    Document,
    Fragment,
    Table,
    cell_text,
    export_name,
)
from .report_sections import ReportSections

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


class Report(AccessSections, ReportSections, Document):
    """One year's report: data, indicators and the HTML of every section.

    Use :meth:`load`; the constructor is internal. The section methods
    (:meth:`key_figures`, :meth:`activities`, :meth:`support`, :meth:`visits`,
    :meth:`service_points`, :meth:`service_plans`, :meth:`access_section`,
    :meth:`conclusions`, :meth:`method`) come from :class:`.report_sections.ReportSections`
    and :class:`.report_access.AccessSections`.
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

    def known_access(self) -> AccessFigures | None:
        """The access figures when they are at hand (saved results attached, or computed already),
        else None: for a caller that needs only a part of them and can compute that part itself."""
        return self.__dict__.get("access")

    def use_results(self, *, indicators, access, driftstod, long) -> None:
        """Show these results instead of computing them (see :func:`serviceprogram.results.attach`):
        the year's indicators, access figures (or None), driftstöd check and long indicator table."""
        # The cached properties below are set once here; every section and export reads them.
        self.__dict__.update(indicators=indicators, access=access, driftstod=driftstod, long=long)

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
                        self._text("title", "text"))

    def data_date(self) -> str:
        """The latest date found in the year's data, in Swedish."""
        t = self.data.tables
        dates = [t["stod"]["beslutsdatum"].max(), t["foretagsbesok"]["datum"].max(),
                 t["serviceplaner"]["serviceplan_beslut"].max(), t["serviceplaner"]["handlingsplan_beslut"].max()]
        for column in ("sot_invigd", "oppnad", "stangd"):
            col = t["serviceplatser"][column]
            dates.append(col[col.dt.year == self.year].max())
        dates = [d for d in dates if pd.notna(d)]
        return fmt.date(max(dates)) if dates else self._text("title", "no_date")

    def table_file(self, table: str) -> str:
        """Where a table came from, as the analyst has it: ``serviceplatser.csv`` or
        ``uppfoljning.xlsx, blad serviceplatser``."""
        from ..inputs.reading import WORKBOOK

        names = {s.label.rsplit("/", 1)[-1].casefold() for s in (self.data.sources if self.data else [])}
        if f"{table}.csv" not in names and WORKBOOK.casefold() in names:
            return f"{WORKBOOK}, blad {table}"
        return f"{table}.csv"
