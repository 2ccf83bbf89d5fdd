"""Maps of access to service: population points by distance band, service points, borders, roads.

A map covers the county (its outline and municipal borders when given), draws
the road network when one is given, colours each population point by its
distance band (fågelvägen, or along the roads with ``road_km``) and names the
largest localities where their names do not overlap. Every map has an
``alt_text_*`` function that describes it in Swedish. Built on
:class:`matplotlib.figure.Figure` with an Agg canvas, never pyplot; the
layers (borders, roads, locality names, scale bar, legends) are drawn by
:mod:`.map_layers`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..analysis.access import COUNTY_LABEL, band_table
from ..analysis.bands import DEFAULT_BANDS_KM, band_labels
from ..analysis.bands import band_codes as _band_codes
from ..analysis.bands import check_bands as _check_bands
from ..errors import AccessError
from ..inputs.geo.projection import xy_of as _xy_of
from ..inputs.service_points import SERVICE_TYPES, closed_by_year_end, offers, open_at_year_end
from ..inputs.service_points import check_type as _check_type
from .access_charts import CM, NOUNS, STYLE, band_colors, band_phrase, share_text
from .map_layers import CLOSED_COLOR, OPEN_COLOR, draw_frame, draw_localities, legends, marker_area, nudge_names
from .report_base import phrase

__all__ = ["NO_ROAD_LABEL", "access_map", "alt_text_map", "alt_text_road_map"]

_AREA_STEP = 3.0  # population markers are drawn in steps of this many pt²


NO_ROAD_LABEL = "Nås inte via vägnätet"
_NO_ROAD_COLOR = (0.62, 0.62, 0.62, 1.0)


def access_map(population: pd.DataFrame, dist: pd.DataFrame, points: pd.DataFrame, year: int, typ: str,
               bands_km: Iterable[float] = DEFAULT_BANDS_KM, lan: str | None = None, title: str | None = None,
               scale_km: float = 50, rasterize_population: bool = False, borders=None,
               localities: pd.DataFrame | None = None, roads=None, road_km: pd.DataFrame | None = None) -> Figure:
    """Point map of access to one service type, in SWEREF 99 TM.

    Population points are coloured by distance band (straight line) and
    sized by population (marker area grows with the square root of the
    population, so small rural points stay visible). Open service points of
    the type are black triangles; points of the type that had closed by
    31 December are vermilion crosses. No basemap is fetched: the map has a
    scale bar, a north arrow (grid north) and a Swedish legend.

    Parameters
    ----------
    population, dist, points : pandas.DataFrame
        Population points (``lat``/``lon`` or ``x``/``y``, ``befolkning``), their distances
        (:func:`~serviceprogram.analysis.access.distances`) and the service points.
    year, typ : int, str
        Follow-up year and type key.
    bands_km : iterable of float, default (5, 10, 20)
        Upper band edges in km.
    lan, title : str, optional
        County name for the title, e.g. "Jämtlands län"; a title overriding the default one.
    scale_km : float, default 50
        Length of the scale bar in km.
    rasterize_population : bool, default False
        Draw the population points as an embedded image in vector output
        (smaller SVG for very many points; the rest stays vector).
    borders : geopandas.GeoDataFrame, optional
        The county's municipalities in SWEREF 99 TM (``namn``, ``geometry``), from
        :func:`serviceprogram.inputs.geo.borders.municipality_borders`: the map then shows the
        county outline, the municipal borders and their names, and covers the whole county.
    localities : pandas.DataFrame, optional
        Localities (``namn``, ``lat``, ``lon``, ``befolkning``): the largest (at least 1 000 inhabitants,
        at most twelve, largest first) are named where their names do not overlap another label.
    roads : serviceprogram.roads.lines.RoadLines, optional
        The road network, under the population points and above the borders: larger roads
        dark and thick, smaller roads light and thin, car ferries dashed.
    road_km : pandas.DataFrame, optional
        Road km per population point (one column per type, :attr:`serviceprogram.roads.RoadResult.km`):
        the points are then coloured by distance along the road network instead of fågelvägen,
        and points without a road or without a reachable open point are grey.

    Returns
    -------
    matplotlib.figure.Figure
        A 16 x 18 cm figure (fits an A4 page) with an Agg canvas attached.

    Raises
    ------
    AccessError
        If the type is unknown, ``dist`` lacks it or the tables do not match.
    """
    shown = _map_data(population, dist, points, year, typ, bands_km, road_km)
    return _draw_map(shown, year, lan, title, scale_km, rasterize_population, borders, localities, roads)


@dataclass(frozen=True)
class _MapData:
    """What an access map shows, checked and projected (see :func:`access_map`)."""

    codes: np.ndarray  # distance band per population point
    labels: list[str]  # of the bands, in the legend
    colors: np.ndarray  # of the bands
    pop_xy: np.ndarray
    people: np.ndarray
    open_xy: np.ndarray  # the type's points open on 31 December
    closed_xy: np.ndarray  # and those closed by then
    singular: str  # the type's noun
    by_road: bool  # distances along the road network (else fågelvägen)


def _map_data(population, dist, points, year: int, typ: str, bands_km, road_km) -> _MapData:
    """The checked points, bands and colours of :func:`access_map` (raises its AccessError)."""
    _check_type(typ)
    if typ not in dist.columns:
        raise AccessError(f"Avstånd för {SERVICE_TYPES[typ]} saknas i avståndstabellen.")
    if len(dist) != len(population):
        raise AccessError("Avståndstabellen och befolkningspunkterna har olika antal rader.")
    codes, labels, colors = _band_colouring(population, dist, road_km, typ, bands_km)
    pop_xy = _xy_of(population, "Befolkningspunkterna")
    people = pd.to_numeric(population["befolkning"], errors="coerce").fillna(0).to_numpy(dtype=float)
    open_xy, closed_xy = _service_xy(points, year, typ)
    return _MapData(codes, labels, colors, pop_xy, people, open_xy, closed_xy, NOUNS[typ][0], road_km is not None)


def _draw_map(shown: _MapData, year: int, lan, title, scale_km: float, rasterize_population: bool, borders,
              localities, roads) -> Figure:
    """The figure of :func:`access_map`: points, frame and layers, titles, legends and the footnote."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(16 * CM, 18 * CM))
        FigureCanvasAgg(fig)
        bottom = 0.175 if len(shown.labels) <= 4 else 0.2  # room for a longer distance legend
        ax = fig.add_axes((0.02, bottom, 0.96, 0.915 - bottom))
        reference = shown.people.max() if len(shown.people) else 1.0
        _draw_population(ax, shown.pop_xy, shown.people, shown.codes, shown.colors, reference, rasterize_population)
        _draw_service_points(ax, shown.open_xy, shown.closed_xy)
        road_handles = draw_frame(ax, borders, roads, (shown.pop_xy, shown.open_xy, shown.closed_xy), scale_km)
        if localities is not None and len(localities):
            names = [t for t in ax.texts if t.get_gid() == "kommunnamn"]
            nudge_names(ax, names, draw_localities(ax, localities))
        _titles(fig, title, lan, phrase("figures", "map_title", by_road=shown.by_road, singular=shown.singular,
                                        year=int(year)))
        legends(fig, shown.labels, shown.colors, reference, shown.singular, road_handles, shown.by_road, bottom)
        fig.text(0.02, 0.005, phrase("figures", "map_footnote", by_road=shown.by_road),
                 fontsize=6.5, color="#444444", ha="left", va="bottom")
    return fig


def _band_colouring(population, dist, road_km, typ: str, bands_km) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Band code per population point, the legend labels and their colours (grey: no road)."""
    edges = _check_bands(bands_km)
    labels = band_labels(edges)
    colors = band_colors(len(labels))
    if road_km is None:
        return _band_codes(dist[typ].to_numpy(dtype=float), edges), labels, np.array(colors)
    if typ not in road_km.columns or len(road_km) != len(population):
        raise AccessError(f"Vägavstånd för {SERVICE_TYPES[typ]} saknas eller har fel antal rader.")
    km = road_km[typ].to_numpy(dtype=float)
    no_road = ~np.isfinite(km)
    codes = _band_codes(np.where(no_road, 0.0, km * 1000.0), edges)
    codes[no_road] = len(labels)
    if no_road.any():
        labels = [*labels, NO_ROAD_LABEL]
        colors = [*colors, _NO_ROAD_COLOR]
    return codes, labels, np.array(colors)


def _service_xy(points: pd.DataFrame, year: int, typ: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of the type's points open on 31 December, and of those closed by then."""
    pts_xy = _xy_of(points, "Serviceplatserna")
    if not len(points):
        return pts_xy[:0], pts_xy[:0]
    has_type = offers(points, typ).to_numpy()
    is_open = open_at_year_end(points, year).to_numpy()
    closed = closed_by_year_end(points, year).to_numpy()
    return pts_xy[has_type & is_open], pts_xy[has_type & closed]


def _draw_population(ax, pop_xy, people, codes, colors, reference: float, rasterized: bool) -> None:
    """Population points by band and size.

    One scatter per band and size level keeps the SVG small (a marker definition
    is shared within a call). Far bands are drawn last so that the few far-away
    people stay visible.
    """
    area = marker_area(people, reference)
    level_of = np.round(area / _AREA_STEP) * _AREA_STEP
    levels = np.unique(level_of)
    for band in range(len(colors)):
        in_band = codes == band
        for level in levels[::-1]:
            sel = in_band & (level_of == level)
            if sel.any():
                ax.scatter(pop_xy[sel, 0], pop_xy[sel, 1], s=float(level), color=colors[band],
                           linewidths=0, zorder=2 + band * 0.01, rasterized=rasterized)


def _draw_service_points(ax, open_xy, closed_xy) -> None:
    if len(closed_xy):
        ax.scatter(closed_xy[:, 0], closed_xy[:, 1], marker="x", s=28, c=CLOSED_COLOR, linewidths=1.3,
                   zorder=4)
    if len(open_xy):
        ax.scatter(open_xy[:, 0], open_xy[:, 1], marker="^", s=26, c=OPEN_COLOR, edgecolors="white",
                   linewidths=0.4, zorder=5)


def _titles(fig, title: str | None, lan: str | None, subtitle: str) -> None:
    subtitle = textwrap.fill(subtitle, width=95)
    if title:
        fig.text(0.02, 0.975, textwrap.fill(title, 72), fontsize=10, fontweight="bold", ha="left", va="top")
    elif lan:
        fig.text(0.02, 0.975, lan, fontsize=10, fontweight="bold", ha="left", va="top")
        fig.text(0.02, 0.948, subtitle, fontsize=8.5, ha="left", va="top")
    else:
        fig.text(0.02, 0.975, subtitle, fontsize=10, fontweight="bold", ha="left", va="top")


def alt_text_map(population: pd.DataFrame, dist: pd.DataFrame, points: pd.DataFrame, year: int, typ: str,
                 bands_km: Iterable[float] = DEFAULT_BANDS_KM, lan: str | None = None, roads: bool = False) -> str:
    """Swedish description of :func:`access_map` with its key figures.

    Parameters
    ----------
    population : pandas.DataFrame
        Population points.
    dist : pandas.DataFrame
        Output of :func:`~serviceprogram.analysis.access.distances`.
    points : pandas.DataFrame
        Service points.
    year : int
        Follow-up year.
    typ : str
        Type key.
    bands_km : iterable of float, default (5, 10, 20)
        Upper band edges in km.
    lan : str, optional
        County name, e.g. "Jämtlands län"; default "länet".
    roads : bool, default False
        The map also draws the road network (one more sentence says so).

    Returns
    -------
    str
        E.g. "Karta över Jämtlands län: 94 % av befolkningen bor inom 5 km
        fågelvägen från närmaste dagligvarubutik, ..."

    Raises
    ------
    AccessError
        If the type is unknown or the tables do not match.
    """
    _check_type(typ)
    table = band_table(population, dist, bands_km, types=[typ])
    county = table[table["kommun"] == COUNTY_LABEL]
    labels = list(county["band"])
    shares = list(county["andel"])
    singular, plural = NOUNS[typ]
    n_open, n_closed = _counts(points, year, typ)

    rest = [band_phrase(lab, i, len(labels), s) for i, (lab, s) in enumerate(zip(labels, shares)) if i > 0]
    return phrase("figures", "map_alt", lan=lan, first=share_text(shares[0]), upper=labels[0].split("–", 1)[-1],
                  singular=singular, plural=plural, rest=rest, n_points=len(population), n_open=n_open,
                  n_closed=n_closed, year=int(year), roads=bool(roads))


def _counts(points: pd.DataFrame, year: int, typ: str) -> tuple[int, int]:
    """How many of the type's points are open on 31 December, and how many had closed by then."""
    if not len(points):
        return 0, 0
    has_type = offers(points, typ).to_numpy()
    return (int((has_type & open_at_year_end(points, year).to_numpy()).sum()),
            int((has_type & closed_by_year_end(points, year).to_numpy()).sum()))


def alt_text_road_map(
    population: pd.DataFrame,
    road_km: pd.DataFrame,
    points: pd.DataFrame,
    year: int,
    typ: str,
    bands_km: Iterable[float] = DEFAULT_BANDS_KM,
    lan: str | None = None,
) -> str:
    """Swedish description of :func:`access_map` drawn with road distances.

    Parameters
    ----------
    population : pandas.DataFrame
        Population points (``befolkning``).
    road_km : pandas.DataFrame
        Road km per population point and type (inf or NaN: no road).
    points : pandas.DataFrame
        Service points.
    year : int
        Follow-up year.
    typ : str
        Type key.
    bands_km : iterable of float, default (5, 10, 20)
        Upper band edges in km.
    lan : str, optional
        County name; default "länet".

    Returns
    -------
    str
        E.g. "Karta över Jämtlands län med vägnätet: 85 % av befolkningen bor inom
        5 km längs vägnätet från närmaste dagligvarubutik, ..."
    """
    _check_type(typ)
    edges = _check_bands(bands_km)
    labels = band_labels(edges)
    people = pd.to_numeric(population["befolkning"], errors="coerce").fillna(0).to_numpy(dtype=float)
    km = road_km[typ].to_numpy(dtype=float)
    no_road = ~np.isfinite(km)
    codes = _band_codes(np.where(no_road, 0.0, km * 1000.0), edges)
    total = people.sum()
    shares = [people[(codes == i) & ~no_road].sum() / total if total else np.nan for i in range(len(labels))]
    singular, plural = NOUNS[typ]
    rest = [band_phrase(lab, i, len(labels), sh) for i, (lab, sh) in enumerate(zip(labels, shares)) if i > 0]
    n_open, _ = _counts(points, year, typ)
    return phrase("figures", "road_map_alt", lan=lan, first=share_text(shares[0]), upper=labels[0].split("–", 1)[-1],
                  singular=singular, plural=plural, rest=rest, missing=people[no_road].sum(), n_open=n_open,
                  year=int(year))
