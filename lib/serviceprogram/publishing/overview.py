"""The programme at a glance: every follow-up year side by side and the targets.

Used by ``notebooks/programoversikt.ipynb``. Each valid year is loaded with
:class:`~serviceprogram.publishing.report.Report`, so every figure is the same as in
that year's report and indicator file.

Target status rule (written in the report too): a target is *reached* when
the latest value meets it (at least the value, or at most for
``riktning = "högst"``). Otherwise a straight line is fitted through the
yearly values (least squares) and read at the target year: *on track* when
that projection meets the target, *at risk* when not. With one year only the
status is *too early*; after the target year, *not reached*.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .. import ids
from .. import text as fmt
from ..errors import WARNING, DataError, Problem, ServiceprogramError
from ..ids import COUNTY, TOTAL
from ..inputs import service_points
from ..inputs.program import Target, load_program
from ..inputs.schemas import INSATS_STATUS, STODFORMER
from ..paths import find_years, resolve_data_dir
from . import charts
from .report import LIMIT_KM, Document, Fragment, Report, Table

__all__ = ["SECTIONS", "Assessment", "bounds", "assess", "Overview", "PEOPLE_OVER_LIMIT"]

#: The indicator of people over the programme's distance limit (its id is made by ids.over_limit_id).
PEOPLE_OVER_LIMIT = ids.over_limit_id(ids.PEOPLE, LIMIT_KM)

SECTIONS = (
    ("mal", "Programmets mål"),
    ("stod-over-tid", "Stöd till kommersiell service"),
    ("verksamhet-over-tid", "Företagsbesök, insatser och serviceplaner"),
    ("tillganglighet-over-tid", "Tillgång till service (fågelvägen)"),
)
REACHED, ON_TRACK, AT_RISK, TOO_EARLY, MISSED = (
    "Uppnått", "I fas", "Risk att målet inte nås", "För tidigt att bedöma", "Inte uppnått")


@dataclass(frozen=True)
class Assessment:
    """A target's status, with the projected value at the target year (if computed)."""

    status: str
    projected: float | None = None
    year: int | None = None  # the year of the latest value

    @property
    def label(self) -> str:
        """The status as shown: ``Uppnått 2025`` when reached before the target year."""
        return f"{REACHED} {self.year}" if self.status == REACHED and self.year is not None else self.status


def bounds(indicator: str, n_municipalities: int | None = None) -> tuple[float, float]:
    """What an indicator can possibly be: counts are never negative, municipalities at most all of them."""
    if indicator.startswith("kommuner_") and n_municipalities:
        return 0.0, float(n_municipalities)
    if "andel" in indicator:
        return 0.0, 1.0
    return 0.0, float("inf")


def assess(target: Target, values: dict[int, float], n_municipalities: int | None = None) -> Assessment:
    """Status of a target from its yearly values (see the module's rule).

    Parameters
    ----------
    target : Target
    values : dict of year to value
        Years without a value are left out.

    n_municipalities : int, optional
        The number of municipalities, the ceiling of ``kommuner_*`` forecasts.

    Returns
    -------
    Assessment
        The projection is clipped to what is possible (no negative counts, no
        more municipalities than there are) and compared with the target as
        shown, rounded to whole units (a forecast shown as 14 meets ≥ 14).
    """
    if not math.isfinite(target.varde):
        return Assessment(TOO_EARLY)

    def met(value: float) -> bool:
        return value <= target.varde if target.riktning == "högst" else value >= target.varde

    if not values:
        return Assessment(TOO_EARLY)
    years = sorted(values)
    latest = values[years[-1]]
    if met(latest):
        return Assessment(REACHED, None, years[-1] if years[-1] < target.ar else None)
    if years[-1] >= target.ar:
        return Assessment(MISSED)
    if len(years) < 2:
        return Assessment(TOO_EARLY)
    slope, intercept = np.polyfit(years, [values[y] for y in years], 1)
    low, high = bounds(target.indikator, n_municipalities)
    projected = min(max(float(slope * target.ar + intercept), low), high)
    shown = projected if "andel" in target.indikator else round(projected)
    return Assessment(ON_TRACK if met(shown) else AT_RISK, projected)


class Overview(Document):
    """Every valid year of a data folder, for the programme overview. Use :meth:`load`."""

    def __init__(self, data_dir, program, reports: dict[int, Report], skipped: list[int], problems=()):
        super().__init__()
        self.data_dir = data_dir
        self.program = program
        self.reports = reports
        self.skipped = skipped
        self.problems = list(problems)

    @classmethod
    def load(cls, data_dir=None, resultat_dir=None) -> Overview:
        """Load every year folder; years with errors are listed, not included.

        ``resultat_dir``: a folder with each year's saved results in a subfolder
        named by the year (:mod:`serviceprogram.results`, gathered by the
        build); a year's figures are read from there when they were computed
        from the data as it is now, else computed here.

        Returns
        -------
        Overview
            With ``problems`` (shown instead of the overview) when the folder or
            ``program.toml`` cannot be read.
        """
        try:
            folder = resolve_data_dir(data_dir)
            program = load_program(folder)
        except DataError as exc:
            return cls(data_dir, None, {}, [], exc.problems)
        except ServiceprogramError as exc:
            return cls(data_dir, None, {}, [], [Problem(str(data_dir or "data"), None, None, None, str(exc))])
        from .. import results

        reports, skipped = {}, []
        for year in find_years(folder):
            report = Report.load(year, folder)
            saved = Path(resultat_dir) / str(year) if resultat_dir is not None else None
            if report.valid and saved is not None and (saved / results.MANIFEST).is_file():
                try:
                    results.attach(report, results.load(saved, year=year, data_dir=folder))
                except results.ResultsError:
                    pass  # saved from other data or by another version: computed here instead
            (reports.__setitem__(year, report) if report.valid else skipped.append(year))
        return cls(folder, program, reports, skipped)

    @property
    def years(self) -> list[int]:
        """The years included, in order."""
        return sorted(self.reports)

    @cached_property
    def long(self) -> pd.DataFrame:
        """All years' indicator tables in one: ``ar, indikator, dimension, varde``."""
        frames = [r.long.assign(ar=y) for y, r in sorted(self.reports.items())]
        if not frames:
            return pd.DataFrame(columns=["ar", "indikator", "dimension", "varde"])
        return pd.concat(frames, ignore_index=True)[["ar", "indikator", "dimension", "varde"]]

    def value(self, indicator: str, dimension: str, year: int) -> float | None:
        """One indicator value of one year, or None."""
        table = self.long
        hit = table[(table["ar"] == year) & (table["indikator"] == indicator) & (table["dimension"] == dimension)]
        return float(hit["varde"].iloc[0]) if len(hit) else None

    def _by_year(self, rows, caption, numeric_from=1, formatter=fmt.num, total_last=False):
        """A table with one column per year; ``rows`` is a list of (label, indicator, dimension)."""
        body = [[label, *[formatter(self.value(i, d, y)) for y in self.years]] for label, i, d in rows]
        return self._table(caption, ["", *map(str, self.years)], body,
                           numeric=range(numeric_from, len(self.years) + 1), total_last=total_last)

    def key_figures(self) -> Fragment:
        """The targets and the yearly support that CI compares (nbval), as HTML tables for Jupyter.

        The text form keeps the indicator ids; the HTML names each target as the overview does.
        The notebook cell is tagged ``no-report``: the built overview does not show it.
        """
        lines, target_rows = [], []
        for target in self.program.mal if self.program else ():
            values = {y: self.value(target.indikator, target.dimension, y) for y in self.years}
            known = {y: v for y, v in values.items() if v is not None}
            label = assess(target, known, len(self.program.kommuner)).label
            lines.append(f"{target.indikator} [{target.dimension}] {target.riktning} {fmt.num(target.varde)} "
                         f"({target.ar}): " + ", ".join(f"{y} {fmt.num(v)}" for y, v in known.items())
                         + f" -> {label}")
            sign = "≤" if target.riktning == "högst" else "≥"
            target_rows.append([target.beskrivning or target.indikator, *[fmt.num(values[y]) for y in self.years],
                                f"{sign} {fmt.num(target.varde)} ({target.ar})", label])
        support_rows = []
        for y in self.years:
            amount, count = self.value(ids.SUPPORT_KR, TOTAL, y), self.value(ids.SUPPORT_COUNT, TOTAL, y)
            lines.append(f"{y}: stöd {fmt.kr(amount)}, {fmt.num(count)} beslut")
            support_rows.append([str(y), fmt.kr(amount), fmt.num(count)])
        years = [str(y) for y in self.years]
        targets = Table(self._text("overview", "key_targets_caption"), ["Mål", *years, "Målvärde", "Bedömning"],
                        target_rows, set(range(1, len(years) + 1))) if target_rows else None
        support = Table(self._text("overview", "key_support_caption"), ["År", "Belopp", "Antal beslut"], support_rows,
                        {1, 2})
        html = self._render("key_figures", targets=targets, support=support)
        return Fragment(html, "\n".join(lines).replace("\u00a0", " "))

    def show(self) -> Fragment:
        """The whole overview: title page, targets, and every section over the years."""
        if not self.reports:
            problems = self.problems or [Problem("data", None, None, None, "Inget år i datamappen kan läsas utan fel")]
            return Fragment(self._render("invalid", list=problems, data_dir=self.data_dir),
                            "\n".join(p.as_text() for p in problems))
        years = self.years
        targets_table, targets_lead, target_problems = self._targets(years)
        # The tables and figures are numbered in the order they are made: targets, support, activity, access.
        sections = {**self._support(years), **self._activity(), **self._access(years)}
        html = self._render("overview", years=years, skipped=self.skipped, sections=SECTIONS,
                            targets_lead=targets_lead, targets_table=targets_table, limit=LIMIT_KM,
                            rule=self._text("overview", "rule"),
                            target_problems=target_problems, **sections,
                            population_per_year=self.program.has_population_per_year(),
                            population_years=[y for y in years if any(
                                y in dict(k.folkmangd_per_ar) for k in self.program.kommuner)])
        return self._fragment(html, *(t for t in (targets_table, sections["support_amount"]) if t))

    def _targets(self, years: list[int]) -> tuple:
        """The targets' table (None without a target to show), its lead sentence and the targets' problems."""
        rows, problems = [], []
        for target in self.program.mal:
            values = {y: v for y in years if (v := self.value(target.indikator, target.dimension, y)) is not None}
            if not math.isfinite(target.varde):  # validation rejects these; never show "≥ ∞"
                problems.append(Problem("program.toml", None, "mal", f"{target.indikator} / {target.dimension}",
                                        "Målvärdet måste vara ett ändligt tal", WARNING))
                continue
            if not values:
                problems.append(Problem("program.toml", None, "mal", f"{target.indikator} / {target.dimension}",
                                        "Indikatorn eller dimensionen finns inte i indikatorfilen "
                                        "(se docs/indikatorer.md)", WARNING))
                continue
            result = assess(target, values, len(self.program.kommuner))
            sign = "≤" if target.riktning == "högst" else "≥"
            rows.append([target.beskrivning or target.indikator,
                         *[fmt.num(values.get(y)) for y in years],
                         f"{sign} {fmt.num(target.varde)} ({target.ar})",
                         fmt.num(result.projected) if result.projected is not None else "–", result.label])
        table = None
        if rows:
            table = self._table(self._text("overview", "targets_caption"),
                                ["Mål", *map(str, years), "Målvärde (år)", "Prognos vid målåret", "Bedömning"],
                                rows, numeric=range(1, len(years) + 3))
        return table, self._targets_lead(rows, len(self.program.mal)), problems

    def _targets_lead(self, rows: list[list[str]], n_targets: int) -> str:
        """The sentence before the targets' table: how many targets, and how many of them in each status."""
        statuses = [REACHED if r[-1].startswith(REACHED) else r[-1] for r in rows]
        counts = [(key, statuses.count(status)) for key, status in (("reached", REACHED), ("on_track", ON_TRACK),
                  ("at_risk", AT_RISK), ("too_early", TOO_EARLY), ("missed", MISSED)) if statuses.count(status)]
        return self._text("overview", "targets_lead", n_targets=n_targets, counts=counts)

    def _support(self, years: list[int]) -> dict:
        """The support section: decisions and amounts per form and year, and their chart."""
        forms = [(f, ids.SUPPORT_COUNT, f) for f in STODFORMER] + [(TOTAL, ids.SUPPORT_COUNT, TOTAL)]
        support_count = self._by_year(forms, self._text("overview", "support_count_caption"), total_last=True)
        amounts = [(f, ids.SUPPORT_KR, f) for f in STODFORMER] + [(TOTAL, ids.SUPPORT_KR, TOTAL),
                                                                     ("Kronor per invånare i länet*",
                                                                      ids.SUPPORT_KR_PER_INHABITANT, COUNTY)]
        support_amount = self._by_year(amounts, self._text("overview", "support_amount_caption"), formatter=fmt.kr)
        fig = charts.stacked_barh([str(y) for y in years],
                                  {f: [self.value(ids.SUPPORT_KR, f, y) or 0 for y in years] for f in STODFORMER},
                                  xlabel="Kronor")
        charts.money_axis(fig.axes[0])
        alt = self._text("overview", "support_alt", totals=[(y, self.value(ids.SUPPORT_KR, TOTAL, y)) for y in years])
        support_chart = self._figure(fig, alt, self._text("overview", "support_chart_caption"))
        return {"support_count": support_count, "support_amount": support_amount, "support_chart": support_chart}

    def _activity(self) -> dict:
        """Company visits, the action plan's activities, service plans and SOT points, and funding (when any)."""
        visits = self._by_year([(f, ids.VISITS, f) for f in ("Fysiskt", "Digitalt", TOTAL)],
                               self._text("overview", "visits_caption"), total_last=True)
        activities = self._by_year([(s, ids.ACTIVITIES, s) for s in (*INSATS_STATUS, TOTAL)],
                                   self._text("overview", "activities_caption"), total_last=True)
        plans = self._by_year([("Kommuner med antagen serviceplan", ids.SERVICE_PLANS_ADOPTED, TOTAL),
                               ("Kommuner med antagen handlingsplan", ids.ACTION_PLANS_ADOPTED, TOTAL),
                               ("SOT-punkter i drift vid årets slut", ids.SOT_TOTAL, TOTAL),
                               ("SOT-punkter invigda under året", ids.SOT_INAUGURATED, TOTAL)],
                              self._text("overview", "plans_caption"))
        funding = None
        if any(len(r.indicators.finansiering) for r in self.reports.values()):
            funding = self._by_year([("Budget", ids.FUNDING_BUDGET_KR, TOTAL),
                                     ("Beslutat", ids.FUNDING_DECIDED_KR, TOTAL),
                                     ("Utbetalt", ids.FUNDING_PAID_KR, TOTAL)],
                                    self._text("overview", "funding_caption"), formatter=fmt.kr)
        return {"visits": visits, "activities": activities, "plans": plans, "funding": funding}

    def _access(self, years: list[int]) -> dict:
        """People far from service per type and year, and their chart (None without access figures)."""
        access_table = access_chart = None
        if any(r.access is not None for r in self.reports.values()):
            access_table = self._by_year([(label, PEOPLE_OVER_LIMIT, key)
                                          for key, label in service_points.SERVICE_TYPES.items()],
                                         self._text("overview", "access_caption", limit=LIMIT_KM))
            fig = charts.grouped_barh([str(y) for y in years],
                                      [self.value(PEOPLE_OVER_LIMIT, "fullsortiment", y) or 0
                                       for y in years], None, years[-1])
            alt = self._text("overview", "access_alt", limit=LIMIT_KM,
                             people=[(y, self.value(PEOPLE_OVER_LIMIT, "fullsortiment", y)) for y in years])
            access_chart = self._figure(fig, alt, self._text("overview", "access_chart_caption", limit=LIMIT_KM))
        return {"access": access_table, "access_chart": access_chart}

