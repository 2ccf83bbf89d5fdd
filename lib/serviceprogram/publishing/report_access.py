"""The report's access section: distances fågelvägen, road figures, maps and the driftstöd check.

:class:`AccessFigures` is the access analysis of one year; :class:`AccessSections`
holds the :class:`~serviceprogram.publishing.report.Report` methods that show it.
Their wording is in ``templates/sections/access.txt.j2`` and ``driftstod.txt.j2``.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import text as fmt
from ..analysis import access, access_indicators, shops
from ..ids import DEFAULT_LIMIT_KM
from ..inputs import service_points
from ..inputs.loading import YearData
from .report_base import DRIFTSTOD_SHEET, Fragment

__all__ = ["LIMIT_KM", "AccessFigures", "driftstod_check", "by_road", "AccessSections"]

LIMIT_KM = int(DEFAULT_LIMIT_KM)  # the distance the programme and särskilt driftstöd use


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


def by_road(driftstod: pd.DataFrame) -> bool:
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


class AccessSections:
    """The access section of :class:`~serviceprogram.publishing.report.Report` (a mixin: it uses the
    report's data, access figures, maps' layers and :class:`~.report_base.Document` helpers)."""

    def _driftstod_table(self, driftstod: pd.DataFrame):
        if not len(driftstod):
            return None
        road = "matt" in driftstod.columns and (driftstod["matt"] == shops.MEASURE_ROAD).any()

        def km(value):
            if pd.isna(value):
                return "–"
            return self._text("driftstod", "no_shop") if value == float("inf") else fmt.num(value, 1) + "\u00a0km"

        def road_km(r):
            return self._text("driftstod", "no_road") if r.matt != shops.MEASURE_ROAD and r.serviceplats_id \
                and r.namn else km(r.vag_km)

        rows = ([r.namn or r.mottagare, r.kommun, fmt.kr(r.belopp_kr), km(r.avstand_km),
                 *([road_km(r)] if road else []), r.bedomning] for r in driftstod.itertuples())
        caption = self._text("driftstod", "caption", by_road=road)
        if road:
            return self._table(caption, ["Butik", "Kommun", "Belopp", "Fågelvägen", "Väg", "Bedömning"], rows,
                               numeric=(2, 3, 4), full_list=self.full_list(DRIFTSTOD_SHEET), total=len(driftstod))
        return self._table(caption, ["Butik", "Kommun", "Belopp", "Avstånd", "Bedömning"], rows, numeric=(2, 3),
                           full_list=self.full_list(DRIFTSTOD_SHEET), total=len(driftstod))

    def no_population_section(self, heading: str = "Tillgång till service (fågelvägen)",
                              anchor: str = "tillganglighet") -> Fragment:
        """Without population points: what the access analysis needs and where to get it.

        The driftstöd distance check needs only the service points and is still shown.
        """
        driftstod = self.driftstod
        table = self._driftstod_table(driftstod)
        html = self._render("no_population", heading=heading, anchor=anchor,
                            driftstod_table=table, by_road=by_road(driftstod))
        return self._fragment(html, *([table] if table is not None else []))

    def access_section(self) -> Fragment:
        """Access to service: bands, people over 10 km, maps, shop importance, driftstöd check."""
        from ..inputs.geo.population_grid import source_text as population_source
        from . import access_charts

        if not self.valid:
            return self._empty()
        figures = self.access
        if figures is None:
            return self.no_population_section()
        previous_over = self.previous_over
        road = self.road_tables(figures) if figures.roads is not None else {}  # first: tables numbered in order
        over = figures.over.set_index(["typ", "kommun"])
        before = previous_over.set_index(["typ", "kommun"]) if previous_over is not None else None
        county_table, kommun_table = self._band_tables(figures.bands, over, before)
        band_chart = self._figure(access_charts.band_chart(figures.bands, "fullsortiment"),
                                  access_charts.alt_text_band_chart(figures.bands, "fullsortiment"),
                                  self._text("access", "band_chart_caption"))
        maps = self._access_maps(figures)
        importance_table = self._importance_table(figures.importance.head(15))
        html = self._render("access", lead=self._access_lead(over, before), county_table=county_table,
                            kommun_table=kommun_table, band_chart=band_chart, maps=maps,
                            importance_lead=self._text("access", "importance_lead", limit=LIMIT_KM),
                            importance_table=importance_table,
                            driftstod_table=self._driftstod_table(figures.driftstod),
                            by_road=by_road(figures.driftstod),
                            population_source=population_source(self.data.befolkning), road=road)
        return self._fragment(html, county_table, *road.get("tables", []), kommun_table)

    def _band_tables(self, bands: pd.DataFrame, over: pd.DataFrame, before: pd.DataFrame | None):
        """The county's share per distance band for every service type, and full-range shops per municipality."""
        county = access.COUNTY_LABEL
        labels = list(dict.fromkeys(bands["band"]))
        columns = ["Servicetyp", *labels, f"Över {LIMIT_KM} km, personer"]
        if before is not None:
            columns.append(f"Förändring mot {self.year - 1}")

        def row(label, typ, kommun, mine):
            cells = [label, *[fmt.pct(mine.loc[b, "andel"]) for b in labels], fmt.num(over.loc[(typ, kommun), "befolkning"])]
            if before is not None:
                cells.append(fmt.signed(over.loc[(typ, kommun), "befolkning"] - before.loc[(typ, kommun), "befolkning"]))
            return cells

        rows = [row(label, key, county, bands[(bands["typ"] == key) & (bands["kommun"] == county)].set_index("band"))
                for key, label in service_points.SERVICE_TYPES.items()]
        county_table = self._table(self._text("access", "county_caption"), columns, rows,
                                   numeric=range(1, len(columns)))
        full = bands[bands["typ"] == "fullsortiment"]
        rows = []
        for kommun in [*self.program.kommun_names, county]:
            mine = full[full["kommun"] == kommun].set_index("band")
            if not mine.empty:
                rows.append(row(kommun, "fullsortiment", kommun, mine))
        kommun_table = self._table(self._text("access", "kommun_caption"), ["Kommun", *columns[1:]], rows,
                                   numeric=range(1, len(columns)), total_last=True)
        return county_table, kommun_table

    def _access_maps(self, figures: AccessFigures) -> list:
        """A map per service type of the distances fågelvägen, with its alt text and caption."""
        from . import access_maps

        population, points = self.data.befolkning, self.data.tables["serviceplatser"]
        maps = []
        for key, label in service_points.SERVICE_TYPES.items():
            fig = access_maps.access_map(population, figures.dist, points, self.year, key,
                                         self.program.avstandsband_km, lan=self.program.lan,
                                         borders=self.borders, localities=self.localities,
                                         roads=self.road_lines)
            alt = access_maps.alt_text_map(population, figures.dist, points, self.year, key,
                                           self.program.avstandsband_km, lan=self.program.lan,
                                           roads=self.road_lines is not None)
            maps.append(self._figure(fig, alt, self._text("access", "map_caption", label=label), raster=True))
        return maps

    def _importance_table(self, top: pd.DataFrame):
        """The full-range shops whose closing would matter most."""
        rows = [[r.namn, r.ort, r.kommun, fmt.num(r.befolkning), fmt.num(r.flyttas_over_grans),
                 fmt.num(r.tillkommande_personkm), "Ja" if r.stod else ""] for r in top.itertuples()]
        return self._table(
            self._text("access", "importance_caption", n=len(top)),
            ["Butik", "Ort", "Kommun", "Närmaste butik för, personer", f"Skulle få över {LIMIT_KM} km, personer",
             "Tillkommande personkilometer", f"Stöd {self.year}"], rows, numeric=range(3, 6))

    def _access_lead(self, over: pd.DataFrame, before: pd.DataFrame | None) -> str:
        """How many live over the limit from a full-range shop, and the change from the year before."""
        county_over = over.loc[("fullsortiment", access.COUNTY_LABEL)]
        change = None
        if before is not None:
            change = county_over["befolkning"] - before.loc[("fullsortiment", access.COUNTY_LABEL), "befolkning"]
        return self._text("access", "lead", people=int(county_over["befolkning"]), share=county_over["andel"],
                          limit=LIMIT_KM, change=change)

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
        types_table = self._table(self._text("access", "road_types_caption"), ["Servicetyp", *columns[1:]], rows,
                                  numeric=range(1, len(columns)))
        full = table[table["typ"] == "fullsortiment"]
        rows = [row(r.kommun, r) for r in full.itertuples() if r.befolkning > 0 or r.kommun == county]
        kommun_table = self._table(self._text("access", "road_kommun_caption"), ["Kommun", *columns[1:]], rows,
                                   numeric=range(1, len(columns)), total_last=True)
        facts = network_facts(roads.settings)
        county_row = full[full["kommun"] == county].iloc[0]
        road_map = self.road_map(figures)
        return {"tables": [types_table, kommun_table], "types_table": types_table, "kommun_table": kommun_table,
                "map": road_map,
                "facts": facts, "snap": fmt.num(facts["max_anslutning_m"]) + "\u00a0m",
                "unconnected_n": int(county_row.utan_vag),
                "unreachable_n": int(county_row.ej_nabar),
                "ferries": facts["farjestrackor"] > 0,
                "limit": LIMIT_KM,
                "over_road": int(county_row.over_grans_vag),
                "over_straight": int(county_row.over_grans_fagelvag)}

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
        return self._figure(fig, alt, self._text("access", "road_map_caption", label=label), raster=True)
