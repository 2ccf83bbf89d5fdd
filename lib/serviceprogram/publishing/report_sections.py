"""The report's sections on the year's work: key figures, action plan, support, visits,
service points, service plans, conclusions and the method appendix.

:class:`ReportSections` holds the :class:`~serviceprogram.publishing.report.Report`
methods that show them. Their layout is in ``templates/sections/<name>.html.j2`` and
their wording (leads, captions, alt texts, worded cells) in ``<name>.txt.j2``.
"""
from __future__ import annotations

import pandas as pd

from .. import text as fmt
from ..files import build_date
from ..ids import COUNTY, TOTAL
from ..inputs.caps import is_cap_warning, load_caps
from ..inputs.schemas import INSATS_STATUS, STODFORMER
from ..paths import git_commit
from . import charts
from .report_base import WARNINGS_SHEET, Fragment, Table, anchor

__all__ = ["ReportSections"]


class ReportSections:
    """Sections of :class:`~serviceprogram.publishing.report.Report` (a mixin: it uses the report's
    data and indicators and the :class:`~.report_base.Document` helpers)."""

    def key_figures_table(self) -> Table:
        """The key figures of the year, with the previous year when present."""
        cur = self.indicators
        prev = self.previous_indicators
        items = [
            ("Stödbeslut, antal", cur.stod_per_form.loc[TOTAL, "antal"],
             prev.stod_per_form.loc[TOTAL, "antal"] if prev else None, fmt.num),
            ("Beslutat stöd, kronor", cur.stod_per_form.loc[TOTAL, "belopp_kr"],
             prev.stod_per_form.loc[TOTAL, "belopp_kr"] if prev else None, fmt.kr),
        ]
        for form in STODFORMER:
            items.append((f"– {form}", cur.stod_per_form.loc[form, "belopp_kr"],
                          prev.stod_per_form.loc[form, "belopp_kr"] if prev else None, fmt.kr))
        items += [
            ("Fysiska företagsbesök", cur.besok_per_form.loc["Fysiskt", "antal"],
             prev.besok_per_form.loc["Fysiskt", "antal"] if prev else None, fmt.num),
            ("Digitala företagsbesök", cur.besok_per_form.loc["Digitalt", "antal"],
             prev.besok_per_form.loc["Digitalt", "antal"] if prev else None, fmt.num),
            ("Insatser i handlingsplanen", cur.insatser_per_status.loc[TOTAL, "antal"],
             prev.insatser_per_status.loc[TOTAL, "antal"] if prev else None, fmt.num),
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
        return self._table(self._text("summary", "key_caption"), columns, rows, numeric=range(1, len(columns)),
                           css="keep")

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
            mine = [c.tak_kr for c in caps.for_year(self.year) if c.stodform == form]
            kind = described.get(form)
            rows.append([form, kind.beslutar if kind else "–", self._text("support", "cap", caps=mine),
                         kind.andel if kind else "–"])
        return self._table(self._text("support", "types_caption"),
                           ["Stödform", "Beslutar", "Tak i verktygets regeltabell", "Andel av kostnaden"], rows)

    def funding_table(self) -> Table | None:
        """Budget, decided and paid out per source of funding, or None without ``[[finansiering]]``."""
        table = self.indicators.finansiering
        if not len(table):
            return None
        rows = [[source, fmt.kr(r["budget_kr"]), fmt.kr(r["beslutat_kr"]), fmt.kr(r["utbetalt_kr"])]
                for source, r in table.iterrows()]
        return self._table(self._text("support", "funding_caption"), ["Källa", "Budget", "Beslutat", "Utbetalt"],
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
        rows.append([TOTAL, *[fmt.num(v) for v in totals]])
        status_table = self._table(self._text("areas", "status_caption"),
                                   ["Prioriterat område", *INSATS_STATUS, TOTAL], rows,
                                   numeric=range(1, len(INSATS_STATUS) + 2), total_last=True)
        fig = charts.stacked_barh(list(by_area.index), {s: list(by_area[s]) for s in INSATS_STATUS},
                                  xlabel="Antal insatser")
        alt = self._text("areas", "chart_alt", by_area=[
            (area, [(int(c[s]), s) for s in INSATS_STATUS if c[s]]) for area, c in by_area.iterrows()])
        chart = self._figure(fig, alt, self._text("areas", "chart_caption"))
        activities = self.data.tables["insatser"]
        areas = [self._area(area, activities[activities["prioriterat_omrade"] == area])
                 for area in self.program.prioriterade_omraden]
        html = self._render("areas", areas=areas, n_activities=len(activities), status_table=status_table, chart=chart)
        return self._fragment(html, status_table)

    def _area(self, area: str, mine: pd.DataFrame) -> dict:
        """One priority area of the action plan, with its lead and activities, for the template."""
        counts = mine["status"].value_counts()
        lead = self._text("areas", "area_lead", n=len(mine),
                          counts=[(int(counts[s]), s) for s in INSATS_STATUS if counts.get(s, 0)])
        items = []
        for a in mine.itertuples():
            goal = ""
            if pd.notna(a.malvarde):
                done = a.utfall if pd.notna(a.utfall) else None
                share = a.utfall / a.malvarde if a.malvarde else float("nan")
                goal = self._text("areas", "goal", target=a.malvarde, outcome=done, share=share)
            items.append({"insats": a.insats, "status": a.status, "status_css": anchor(a.status),
                          "mal": a.mal, "goal": goal, "ansvarig": ", ".join(x.strip() for x in a.ansvarig.split(";")),
                          "kommentar": a.kommentar})
        return {"name": area, "anchor": "omrade-" + anchor(area), "lead": lead, "activities": items}

    def support(self) -> Fragment:
        """Support decided in the year, by type and municipality, with cap warnings."""
        if not self.valid:
            return self._empty()
        cur = self.indicators
        by_type, by_k, forms = cur.stod_per_form, cur.stod_per_kommun, list(STODFORMER)
        type_table, type_chart = self._support_by_type()
        kommun_table, kommun_chart = self._support_by_kommun()
        rows = [[k, *[fmt.kr(v) if v else "–" for v in r]] for k, r in cur.stod_matris.iterrows()]
        matrix_table = self._table(self._text("support", "matrix_caption"), ["Kommun", *forms], rows,
                                   numeric=range(1, len(forms) + 1), css="wide")
        lead = self._text("support", "lead", count=int(by_type.loc[TOTAL, "antal"]),
                          amount=by_type.loc[TOTAL, "belopp_kr"], per_capita=by_k.loc[COUNTY, "kr_per_invanare"])
        warnings = [w for w in self.data.warnings if is_cap_warning(w)]
        types_table = self.support_types_table()
        funding_table = self.funding_table()
        funding = self.indicators.finansiering
        html = self._render("support", lead=lead, type_table=type_table, type_chart=type_chart,
                            types_table=types_table, funding_table=funding_table,
                            funding_total=funding.loc[TOTAL] if funding_table is not None else None,
                            funding_notes=[f for f in self.program.funding(self.year) if f.kommentar],
                            kommun_table=kommun_table, kommun_chart=kommun_chart, matrix_table=matrix_table,
                            cap_warnings=warnings, caps_version=load_caps().version,
                            warnings_list=self.full_list(WARNINGS_SHEET),
                            checked_forms=fmt.join(sorted({c.stodform.lower() for c in load_caps().caps}), "eller"))
        return self._fragment(html, type_table, kommun_table)

    def _beside_previous(self, label: str, current: pd.DataFrame, previous: pd.DataFrame | None, fields):
        """Columns and rows of a table by category: the year's figures, then the year before's (when given).

        ``fields``: ``(heading, column, format)`` for each figure, in order.
        """
        columns = [label] + [heading for heading, _, _ in fields]
        if previous is not None:
            columns += [f"{heading} {self.year - 1}" for heading, _, _ in fields]
        rows = []
        for key, row in current.iterrows():
            cells = [key] + [show(row[column]) for _, column, show in fields]
            if previous is not None:
                cells += [show(previous.loc[key, column]) for _, column, show in fields]
            rows.append(cells)
        return columns, rows

    def _support_by_type(self):
        """Support per type of the year (and the year before): table and chart."""
        cur, prev = self.indicators, self.previous_indicators
        by_type = cur.stod_per_form
        columns, rows = self._beside_previous("Stödform", by_type, prev.stod_per_form if prev else None,
                                              [("Antal", "antal", fmt.num), ("Belopp", "belopp_kr", fmt.kr)])
        table = self._table(self._text("support", "type_caption"), columns, rows,
                            numeric=range(1, len(columns)), total_last=True)
        forms = list(STODFORMER)
        amounts = [by_type.loc[f, "belopp_kr"] for f in forms]
        before = [prev.stod_per_form.loc[f, "belopp_kr"] for f in forms] if prev else None
        fig = charts.grouped_barh(forms, amounts, before, self.year, money=True)
        alt = self._text("support", "type_alt", forms=list(zip(forms, amounts, before or [None] * len(forms))),
                         prev=bool(prev))
        return table, self._figure(fig, alt, self._text("support", "type_chart_caption", prev=bool(prev)))

    def _support_by_kommun(self):
        """Support per municipality: table and chart of kronor per inhabitant."""
        cur, prev = self.indicators, self.previous_indicators
        by_k = cur.stod_per_kommun
        rows = [[k, fmt.num(r["antal"]), fmt.kr(r["belopp_kr"]), fmt.num(r["folkmangd"]),
                 fmt.num(r["kr_per_invanare"], 0) + "\u00a0kr"] for k, r in by_k.iterrows()]
        table = self._table(self._text("support", "kommun_caption"),
                            ["Kommun", "Antal", "Belopp", "Folkmängd", "Kronor per invånare"], rows,
                            numeric=range(1, 5), total_last=True)
        names = self.program.kommun_names
        per_capita = by_k.loc[names, "kr_per_invanare"]
        fig = charts.grouped_barh(names, list(per_capita),
                                  list(prev.stod_per_kommun.loc[names, "kr_per_invanare"]) if prev else None,
                                  self.year)
        top = per_capita.idxmax()
        alt = self._text("support", "kommun_alt", top=top, top_value=per_capita[top],
                         county=by_k.loc[COUNTY, "kr_per_invanare"])
        return table, self._figure(fig, alt, self._text("support", "kommun_chart_caption"))

    def visits(self) -> Fragment:
        """Company visits by form and municipality."""
        if not self.valid:
            return self._empty()
        cur, prev = self.indicators, self.previous_indicators
        columns = ["Form", str(self.year)] + ([str(self.year - 1)] if prev else [])
        rows = [[form, fmt.num(n)] + ([fmt.num(prev.besok_per_form.loc[form, "antal"])] if prev else [])
                for form, n in cur.besok_per_form["antal"].items()]
        form_table = self._table(self._text("visits", "form_caption"), columns, rows,
                                 numeric=range(1, len(columns)), total_last=True)
        by_k = cur.besok_per_kommun
        rows = [[k, *[fmt.num(v) for v in r]] for k, r in by_k.iterrows()]
        kommun_table = self._table(self._text("visits", "kommun_caption"), ["Kommun", *by_k.columns], rows,
                                   numeric=range(1, len(by_k.columns) + 1), total_last=True)
        names = self.program.kommun_names
        fig = charts.stacked_barh(names, {f: list(by_k.loc[names, f]) for f in ("Fysiskt", "Digitalt")},
                                  xlabel="Antal besök")
        alt = self._text("visits", "chart_alt", kommuner=[(k, by_k.loc[k, "Fysiskt"], by_k.loc[k, "Digitalt"])
                                                          for k in names])
        chart = self._figure(fig, alt, self._text("visits", "chart_caption"))
        n = cur.besok_per_form["antal"]
        lead = self._text("visits", "lead", total=int(n[TOTAL]), physical=int(n["Fysiskt"]),
                          digital=int(n["Digitalt"]))
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
            sot_table = self._table(self._text("points", "sot_caption"), ["Plats", "Ort", "Kommun", "Invigd"],
                                    [[r.namn, r.ort, r.kommun, fmt.date(r.invigd)] for r in sot.itertuples()],
                                    full_list=self.full_list("Serviceplatser"))
        points = cur.serviceplatser
        labels = ["Daglig\u00advaror", "varav full\u00adsortiment", "Driv\u00admedel", "Paket\u00adombud",
                  "Apoteks\u00adombud", "Kontant\u00aduttag", "SOT-punkter", "Alla platser"]
        rows = [[k, *[fmt.num(v) for v in r]] for k, r in points.iterrows()]
        type_table = self._table(self._text("points", "type_caption"),
                                 ["Kommun", *labels], rows, numeric=range(1, len(labels) + 1),
                                 total_last=True, css="wide")
        events = cur.oppnade_stangda
        events_table = None
        if len(events):
            events_table = self._table(self._text("points", "events_caption"),
                                       ["Plats", "Ort", "Kommun", "Händelse", "Datum"],
                                       [[r.namn, r.ort, r.kommun, r.handelse, fmt.date(r.datum)]
                                        for r in events.itertuples()], full_list=self.full_list("Serviceplatser"))
        county = points.loc[COUNTY]
        lead = self._text("points", "lead", all=county["alla"], full=county["fullsortiment"],
                          sot=int(county["sot_punkter"]))
        html = self._render("points", lead=lead, sot_table=sot_table, type_table=type_table, events_table=events_table)
        return self._fragment(html, *(t for t in (sot_table, type_table) if t))

    def service_plans(self) -> Fragment:
        """Municipal service plans and action plans per status."""
        if not self.valid:
            return self._empty()
        cur, prev = self.indicators, self.previous_indicators
        status = cur.planer_per_status
        columns, rows = self._beside_previous(
            "Status", status, prev.planer_per_status if prev else None,
            [("Serviceplan", "serviceplan", fmt.num), ("Handlingsplan", "handlingsplan", fmt.num)])
        status_table = self._table(self._text("plans", "status_caption"), columns, rows,
                                   numeric=range(1, len(columns)))
        plans = self.data.tables["serviceplaner"].set_index("kommun").reindex(self.program.kommun_names)
        rows = [[k, r.serviceplan, fmt.date(r.serviceplan_beslut) if pd.notna(r.serviceplan_beslut) else "",
                 r.handlingsplan, fmt.date(r.handlingsplan_beslut) if pd.notna(r.handlingsplan_beslut) else ""]
                for k, r in plans.iterrows()]
        kommun_table = self._table(self._text("plans", "kommun_caption"),
                                   ["Kommun", "Serviceplan", "Beslutad", "Handlingsplan", "Beslutad"], rows)
        decided = cur.planer_beslutade
        decided_table = None
        if len(decided):
            decided_table = self._table(self._text("plans", "decided_caption"), ["Kommun", "Plan", "Beslut"],
                                        [[r.kommun, r.plan, fmt.date(r.beslut)] for r in decided.itertuples()],
                                        full_list=self.full_list("Serviceplaner"))
        lead = self._text("plans", "lead", service_plans=status.loc["Antagen", "serviceplan"],
                          action_plans=status.loc["Antagen", "handlingsplan"], kommuner=len(self.program.kommuner))
        html = self._render("plans", lead=lead, status_table=status_table, kommun_table=kommun_table,
                            decided_table=decided_table)
        return self._fragment(html, status_table)

    def method(self, package_version: str | None = None) -> Fragment:
        """Data sources, method, warnings and the provenance appendix."""
        if not self.valid:
            return self._empty()
        from .. import __version__

        sources_table = self._table(self._text("method", "sources_caption"), ["Fil", "SHA-256"],
                                    [[s.label, s.sha256] for s in self.data.sources], css="hashes")
        caps = load_caps()
        commit = git_commit(self.data_dir)
        build_rows = [
            ["Verktyg", f"serviceprogram {package_version or __version__}"],
            ["Version av datamappen (git)", commit or self._text("method", "no_git")],
            ["Parametrar", f"year = {self.year}, data_dir = {self.data_dir.name}/"],
            ["Regeltabell för stödtak", self._text("method", "caps_version", caps=caps)],
        ]
        if build_date():
            build_rows.append(["Byggdatum (SOURCE_DATE_EPOCH)", build_date()])
        build_table = self._table(self._text("method", "build_caption"), ["Uppgift", "Värde"], build_rows, css="keep")
        html = self._render("method", warnings=self.data.warnings, caps_version=caps.version,
                            warnings_list=self.full_list(WARNINGS_SHEET),
                            previous_year=self.year - 1 if self.previous else None,
                            previous_errors=self.previous_errors,
                            sources_table=sources_table, build_table=build_table)
        return Fragment(html, "Data och metod")
