"""The what-if analysis behind ``notebooks/tillganglighet.ipynb``.

Close service points (``stang``: ids) and add new ones (``nya``: dicts with
``namn``, ``lat``, ``lon``, ``typer``) and compare access per municipality
with the situation on 31 December of the year. Without ``stang`` the shop
whose closure would move most people over 10 km is closed, so the notebook
shows something useful when run with its defaults.
"""
from __future__ import annotations

from functools import cached_property

from .. import text as fmt
from ..analysis import access, scenario
from ..errors import Problem, ServiceprogramError
from ..inputs import service_points
from ..inputs.geo import projection
from .report import LIMIT_KM, AccessFigures, Fragment, Report
from .report_base import Document

#: The what-if notebook, named in the problems of its parameters.
NOTEBOOK = "tillganglighet.ipynb"


class WhatIf(Document):
    """A scenario against the baseline of one year. Use :meth:`load`.

    A document of its own (the what-if page): its tables and figures are numbered on the page and its
    wording is in ``templates/sections/whatif.txt.j2``; the year's :class:`Report` gives the data.
    """

    def __init__(self, report: Report, stang, nya, problems=None):
        super().__init__()
        self.report = report
        self.year, self.program = report.year, report.program
        # Ids as text without surrounding spaces, each once; one id may be given alone ("SP-KRO-007").
        listed = stang if isinstance(stang, (list, tuple, set)) else [] if stang is None else [stang]
        self.stang = list(dict.fromkeys(str(i).strip() for i in listed))
        self.nya = list(nya or [])
        self.problems = problems or []

    @classmethod
    def load(cls, year, data_dir=None, stang=None, nya=None, resultat_dir=None) -> WhatIf:
        """Load the year and check the scenario.

        Parameters
        ----------
        year : int
        data_dir : str, Path or None
        stang : list of str or None
            Ids of service points to close; None: the most important shop.
        nya : list of dict or None
            New points: ``{"namn", "lat", "lon", "typer": [...]}``.
        resultat_dir : str, Path or None
            The year's saved results (:mod:`serviceprogram.results`): the baseline
            is read from them instead of computed. None: computed here.

        Returns
        -------
        WhatIf
            Its first fragment lists any problem in Swedish instead of failing.
        """
        report = Report.load(year, data_dir)
        if not report.valid:
            return cls(report, stang, nya, report.problems)
        if resultat_dir is not None:
            from .. import results

            results.attach(report, results.load(resultat_dir, year=report.year))
        if report.data.befolkning is None:
            return cls(report, stang, nya)  # show() says what is needed (no_population)
        if stang is None:
            top = report.access.importance
            stang = [top.iloc[0]["id"]] if len(top) else []
        scenario = cls(report, stang, nya)
        scenario.problems = scenario._closing_problems()
        if scenario.problems:
            return scenario
        try:
            scenario.result  # noqa: B018 - validates the new points
        except ServiceprogramError as exc:  # the scenario's own checks (analysis.scenario); a bug is not a message
            scenario.problems = [Problem(NOTEBOOK, None, "nya", None, str(exc))]
        return scenario

    def _closing_problems(self) -> list[Problem]:
        """The ids of ``stang`` that name no point of the year, or one that was not open on 31 December."""
        year, points = self.year, self.report.data.tables["serviceplatser"]
        points_file = f"{year}/{self.report.table_file('serviceplatser')}"
        ids = service_points.point_ids(points)
        open_ids = set(ids[service_points.open_at_year_end(points, year).to_numpy()])
        ids = set(ids)
        return [Problem(points_file, None, "id", i, f"Parametern stang nämner en serviceplats som inte finns i "
                        f"{points_file} för {year}" if i not in ids else "Parametern stang nämner en serviceplats "
                        f"som inte var öppen den 31 december {year}")
                for i in self.stang if i not in open_ids]

    @cached_property
    def result(self) -> scenario.ScenarioResult:
        """Baseline and scenario tables (see :func:`serviceprogram.analysis.scenario.scenario`)."""
        data = self.report.data
        known = self.report.known_access()  # the saved results' in a build; else only the distances are computed
        baseline = known.dist if known is not None else None
        return scenario.scenario(data.befolkning, data.tables["serviceplatser"], data.year, self.stang, self.nya,
                               bands_km=data.program.avstandsband_km, limit_km=LIMIT_KM,
                               kommuner=data.program.kommun_names, baseline=baseline)

    @cached_property
    def road(self):
        """Road km per population point to the nearest full-range shop, baseline and scenario
        (DataFrames with one column), or None without a road network. The baseline comes from
        the year's cached road search; only the scenario is searched here."""
        figures = self.report.access
        if figures is None or figures.roads is None:
            return None
        import numpy as np

        from ..analysis.roads.distances import road_distances
        from ..analysis.roads.figures import network_graph, type_masks

        data, settings = self.report.data, figures.roads.settings
        points = self.result.points
        masks = {"fullsortiment": type_masks(points, data.year)["fullsortiment"]}
        scen = road_distances(network_graph(settings), projection.xy_of(data.befolkning, "Befolkningspunkterna"),
                              projection.xy_of(points, "Serviceplatserna"), masks, index=data.befolkning.index,
                              max_snap_m=settings.max_snap_m)
        weights = data.befolkning["befolkning"].fillna(0).to_numpy(float)
        muni = data.befolkning["kommun"].fillna(access.UNKNOWN_MUNICIPALITY).astype(str).to_numpy()
        base_km = figures.roads.result.km["fullsortiment"].to_numpy()
        scen_km = scen.km["fullsortiment"].to_numpy()
        rows = []
        for kommun in [*self.report.program.kommun_names, access.COUNTY_LABEL]:
            sel = np.ones(len(muni), bool) if kommun == access.COUNTY_LABEL else muni == kommun
            # as in the report: unreachable people (inf) are counted apart, not as "over the limit"
            before = float(weights[sel & np.isfinite(base_km) & (base_km > LIMIT_KM)].sum())
            after = float(weights[sel & np.isfinite(scen_km) & (scen_km > LIMIT_KM)].sum())
            rows.append((kommun, before, after, after - before))
        return rows

    def _changes(self) -> list[str]:
        table = self.report.data.tables["serviceplatser"]
        points = table.set_index(service_points.point_ids(table))
        changes = [self._text("whatif", "closes", namn=points.at[i, "namn"], ort=points.at[i, "ort"],
                              kommun=points.at[i, "kommun"]) for i in self.stang]
        from .access_charts import NOUNS  # "dagligvarubutik med fullsortiment": the type as a noun

        for number, new in enumerate(self.nya, start=1):
            types = scenario.new_point_types(number, new)  # as the scenario read them (checked by then)
            changes.append(self._text("whatif", "opens", namn=new["namn"], lat=new["lat"], lon=new["lon"],
                                      types=[NOUNS[t][0] for t in types]))
        return changes

    def show(self) -> Fragment:
        """The scenario's changes and the tables per municipality and per service type."""
        report = self.report
        if self.problems:  # the year's data (as in the report), or else the scenario's parameters
            template = "invalid" if not report.valid else "whatif_invalid"
            return Fragment(self._render(template, list=self.problems, data_dir=report.data_dir),
                            "\n".join(p.as_text() for p in self.problems))
        if report.data.befolkning is None:
            return report.no_population_section(self._text("whatif", "no_population_heading"), "scenario")
        over = self.result.over_limit
        county = access.COUNTY_LABEL
        rows = []
        for kommun in [*report.program.kommun_names, county]:
            r = over[(over["typ"] == "fullsortiment") & (over["kommun"] == kommun)]
            if r.empty:
                continue
            r = r.iloc[0]
            rows.append([kommun, fmt.num(r["befolkning_utgangslage"]), fmt.num(r["befolkning_scenario"]),
                         fmt.signed(r["forandring_befolkning"])])
        over_table = self._table(self._text("whatif", "over_caption", limit=LIMIT_KM),
                                 ["Kommun", "Utgångsläge", "Scenario", "Förändring"], rows,
                                 numeric=(1, 2, 3), total_last=True)
        rows = []
        for key, label in service_points.SERVICE_TYPES.items():
            r = over[(over["typ"] == key) & (over["kommun"] == county)].iloc[0]
            rows.append([label, fmt.num(r["befolkning_utgangslage"]), fmt.num(r["befolkning_scenario"]),
                         fmt.signed(r["forandring_befolkning"])])
        types_table = self._table(self._text("whatif", "types_caption", limit=LIMIT_KM),
                                  ["Servicetyp", "Utgångsläge", "Scenario", "Förändring"], rows, numeric=(1, 2, 3))
        total = over[(over["typ"] == "fullsortiment") & (over["kommun"] == county)].iloc[0]
        change = int(total["forandring_befolkning"])
        lead = self._text("whatif", "lead", limit=LIMIT_KM, scenario=total["befolkning_scenario"],
                          baseline=total["befolkning_utgangslage"], change=change)
        road_table = None
        if self.road is not None:
            road_table = self._table(self._text("whatif", "road_caption", limit=LIMIT_KM),
                                     ["Kommun", "Utgångsläge", "Scenario", "Förändring"],
                                     [[k, fmt.num(a), fmt.num(b), fmt.signed(c)] for k, a, b, c in self.road],
                                     numeric=(1, 2, 3), total_last=True)
        html = self._render("whatif", changes=self._changes(), lead=lead, over_table=over_table,
                            types_table=types_table, road_table=road_table)
        tables = (over_table, types_table, *([road_table] if road_table is not None else []))
        return Fragment(html, "\n\n".join(t.as_text() for t in tables))

    def map(self) -> Fragment:
        """Map of the scenario: population by distance band to the nearest full-range shop."""
        if self.problems or self.report.data.befolkning is None:
            return Fragment("", "")
        from . import access_maps

        report, data = self.report, self.report.data
        fig = access_maps.access_map(data.befolkning, self.result.dist_scenario, self.result.points, data.year,
                                       "fullsortiment", data.program.avstandsband_km, lan=data.program.lan,
                                       title=self._text("whatif", "map_title"), borders=report.borders,
                                       localities=report.localities, roads=report.road_lines)
        alt = access_maps.alt_text_map(data.befolkning, self.result.dist_scenario, self.result.points, data.year,
                                         "fullsortiment", data.program.avstandsband_km, lan=data.program.lan,
                                         roads=report.road_lines is not None)
        return Fragment(str(self._figure(fig, self._text("whatif", "map_alt", alt=alt),
                                         self._text("whatif", "map_caption"), raster=True)), "Karta")


__all__ = ["NOTEBOOK", "WhatIf", "AccessFigures"]
