"""Maps of access to service: population points by distance band, service points, borders, roads.

A map covers the county (its outline and municipal borders when given), draws
the road network when one is given, colours each population point by its
distance band (fågelvägen, or along the roads with ``road_km``) and names the
largest localities where their names do not overlap. Every map has an
``alt_text_*`` function that describes it in Swedish. Built on
:class:`matplotlib.figure.Figure` with an Agg canvas, never pyplot.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .. import text as fmt
from ..analysis.access import COUNTY_LABEL, band_table
from ..analysis.bands import DEFAULT_BANDS_KM, band_labels
from ..analysis.bands import band_codes as _band_codes
from ..analysis.bands import check_bands as _check_bands
from ..errors import AccessError
from ..inputs.geo.projection import xy_of as _xy_of
from ..inputs.service_points import SERVICE_TYPES, closed_by_year_end, offers, open_at_year_end
from ..inputs.service_points import check_type as _check_type
from .access_charts import CM, NOUNS, STYLE, band_colors, band_phrase, share_text

__all__ = ["NO_ROAD_LABEL", "access_map", "alt_text_map", "alt_text_road_map"]

_OPEN_COLOR = "#000000"
_AREA_STEP = 3.0  # population markers are drawn in steps of this many pt²
_CLOSED_COLOR = "#D55E00"  # Okabe-Ito vermilion


def _marker_area(population: np.ndarray, reference: float) -> np.ndarray:
    """Marker area (pt²) for population points; grows with sqrt(population).

    Parameters
    ----------
    population : numpy.ndarray
        People per point.
    reference : float
        The largest population on the map.

    Returns
    -------
    numpy.ndarray
        Areas in points squared.
    """
    ref = max(float(reference), 1.0)
    return 1.5 + 22.0 * np.sqrt(np.clip(population, 0, None) / ref)


def _size_examples(reference: float) -> list[int]:
    """Round population values to show in the size legend.

    Parameters
    ----------
    reference : float
        The largest population on the map.

    Returns
    -------
    list of int
        Up to three increasing values not above ``reference``.
    """
    nice = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
    below = [v for v in nice if v <= max(reference, 1)]
    if len(below) <= 3:
        return below
    top = below[-1]
    middle = min(below, key=lambda v: abs(v - top / 5))
    return sorted({1 if top >= 10 else below[0], middle, top})


def _scale_bar(ax, xlim, ylim, length_km: float) -> None:
    """Draw a black-and-white scale bar in the lower left corner.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Map axes in metres.
    xlim, ylim : tuple of float
        Axis limits.
    length_km : float
        Bar length in km.
    """
    width = xlim[1] - xlim[0]
    height = ylim[1] - ylim[0]
    x0 = xlim[0] + 0.05 * width
    y0 = ylim[0] + 0.04 * height
    bar_h = 0.012 * height
    half = length_km * 1000 / 2
    ax.add_patch(Rectangle((x0, y0), half, bar_h, facecolor="black", edgecolor="black", linewidth=0.6, zorder=6))
    ax.add_patch(Rectangle((x0 + half, y0), half, bar_h, facecolor="white", edgecolor="black", linewidth=0.6,
                           zorder=6))
    for pos, text in ((0, "0"), (half, fmt.decimal(length_km / 2)), (2 * half, f"{length_km:g} km")):
        ax.text(x0 + pos, y0 + bar_h * 1.6, text, ha="center", va="bottom", fontsize=7, zorder=6)


def _north_arrow(ax) -> None:
    """Draw a north arrow (grid north of SWEREF 99 TM) in the upper right corner.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Map axes.
    """
    ax.annotate(
        "N",
        xy=(0.94, 0.97),
        xytext=(0.94, 0.86),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="top",
        fontsize=10,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2, "mutation_scale": 12},
        zorder=7,
    )


def _draw_borders(ax, borders) -> None:
    """County outline, municipal borders and municipality names (SWEREF 99 TM)."""
    import matplotlib.patheffects as pe
    import shapely

    def rings(geom):
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon":
                continue
            yield np.asarray(poly.exterior.coords)
            for hole in poly.interiors:
                yield np.asarray(hole.coords)

    for geom in borders.geometry:
        for ring in rings(geom):
            ax.plot(ring[:, 0], ring[:, 1], color="#8c8c8c", linewidth=0.6, zorder=1.5)
    county = shapely.union_all(list(borders.geometry))
    for ring in rings(county):
        ax.plot(ring[:, 0], ring[:, 1], color="#333333", linewidth=1.1, zorder=1.6)
    halo = [pe.withStroke(linewidth=2.2, foreground="white")]
    for name, geom in zip(borders["namn"], borders.geometry):
        point = geom.representative_point() if geom.area < 4e9 else shapely.centroid(geom)
        if not geom.contains(point):
            point = geom.representative_point()
        ax.text(point.x, point.y, name.upper(), fontsize=6.5, color="#333333", ha="center", va="center",
                fontweight="bold", zorder=8, path_effects=halo, gid="kommunnamn")


def _draw_localities(ax, localities: pd.DataFrame, minimum: int = 1000, most: int = 12,
                     obstacles: list | None = None) -> list:
    """Names of the largest localities beside a small ring, without overlapping labels.

    Localities are placed by population, largest first. Each name is tried right,
    left, above and below its place; a position is taken only when the label's box
    overlaps no label placed before it, no ring and no box in ``obstacles`` and lies
    inside the map (the municipality names are moved off the localities afterwards,
    see :func:`_nudge_names`). A locality whose name fits nowhere
    is left out (ring and name), so a crowded area shows its largest places legibly.
    Call after the map's limits and aspect are set.

    Returns
    -------
    list of matplotlib.transforms.Bbox
        Window boxes of the names and rings drawn, in the order placed.
    """
    import matplotlib.patheffects as pe
    from matplotlib.transforms import Bbox

    from ..inputs.geo.projection import to_sweref

    big = localities[pd.to_numeric(localities["befolkning"], errors="coerce") >= minimum]
    big = big.sort_values("befolkning", ascending=False, kind="stable").head(most)
    if big.empty:
        return []
    x, y = to_sweref(big["lat"].to_numpy(float), big["lon"].to_numpy(float))
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()
    frame = ax.get_window_extent(renderer)
    halo = [pe.withStroke(linewidth=2.0, foreground="white")]
    points_px = fig.dpi / 72.0
    ring = 3.0 * points_px  # half the ring's box, in pixels
    rings = [Bbox.from_extents(px - ring, py - ring, px + ring, py + ring)
             for px, py in ax.transData.transform(np.column_stack([x, y]))]
    taken = list(obstacles or [])
    labels: list = []  # the locality labels placed
    placed_rings: list = []
    offsets = (((4.5, 0), "left", "center"), ((-4.5, 0), "right", "center"),
               ((0, 4), "center", "bottom"), ((0, -4), "center", "top"))
    for i, (name, xi, yi) in enumerate(zip(big["namn"], x, y)):
        if any(rings[i].overlaps(b) for b in [*placed_rings, *labels]):
            continue  # the ring would sit on a placed ring or name (places very close together)
        for (dx, dy), ha, va in offsets:
            text = ax.annotate(str(name), xy=(xi, yi), xytext=(dx, dy), textcoords="offset points", fontsize=7,
                               ha=ha, va=va, zorder=9, path_effects=halo, annotation_clip=False)
            box = text.get_window_extent(renderer).padded(1.0 * points_px)
            inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1)
            if inside and not any(box.overlaps(b) for b in [*taken, *placed_rings]):
                taken.append(box)
                labels.append(box)
                placed_rings.append(rings[i])
                ax.scatter([xi], [yi], s=14, facecolors="white", edgecolors="black", linewidths=0.8, zorder=8)
                break
            text.remove()
    return [*labels, *placed_rings]


def _nudge_names(ax, texts, boxes) -> None:
    """Move municipality names off the locality names and rings (``boxes``), up or down a line at a time.

    A name that cannot be moved free within two lines stays where it was.
    """
    renderer = ax.figure.canvas.get_renderer()
    for text in texts:
        box = text.get_window_extent(renderer)
        if not any(box.overlaps(b) for b in boxes):
            continue
        x0, y0 = ax.transData.transform(text.get_position())
        step = box.height * 1.1
        for shift in (-step, step, -2 * step, 2 * step):
            moved = box.translated(0, shift)
            if not any(moved.overlaps(b) for b in boxes):
                text.set_position(ax.transData.inverted().transform((x0, y0 + shift)))
                break


# kind: (colour, line width in pt, dashes or None, zorder); under the points, above the borders. Brown,
# not grey, so that roads are not taken for the (grey) municipal borders; dark and thick for larger roads.
_ROAD_STYLE = {
    "local": ("#c9a27c", 0.4, None, 1.7),
    "main": ("#8c2d04", 1.0, None, 1.8),
    "ferry": ("#1f5fa8", 0.9, (0, (3.0, 2.0)), 1.85),
}
_ROAD_LABELS = {"main": "Större väg", "local": "Mindre väg", "ferry": "Bilfärja"}


def _draw_roads(ax, roads) -> list:
    """The road network under the population points; returns legend handles for the kinds drawn."""
    from matplotlib.collections import LineCollection

    handles = []
    for kind in ("local", "main", "ferry"):
        lines = getattr(roads, kind, None) or []
        if not lines:
            continue
        color, width, dashes, zorder = _ROAD_STYLE[kind]
        ax.add_collection(LineCollection(lines, colors=color, linewidths=width, linestyles=dashes or "solid",
                                         capstyle="round", joinstyle="round", zorder=zorder))
        handles.append(Line2D([], [], color=color, linewidth=max(width, 0.6) * 1.4, linestyle=dashes or "-",
                              label=_ROAD_LABELS[kind]))
    order = {"main": 0, "local": 1, "ferry": 2}
    return sorted(handles, key=lambda h: order[next(k for k, v in _ROAD_LABELS.items() if v == h.get_label())])


NO_ROAD_LABEL = "Nås inte via vägnätet"
_NO_ROAD_COLOR = (0.62, 0.62, 0.62, 1.0)


def access_map(
    population: pd.DataFrame,
    dist: pd.DataFrame,
    points: pd.DataFrame,
    year: int,
    typ: str,
    bands_km: Iterable[float] = DEFAULT_BANDS_KM,
    lan: str | None = None,
    title: str | None = None,
    scale_km: float = 50,
    rasterize_population: bool = False,
    borders=None,
    localities: pd.DataFrame | None = None,
    roads=None,
    road_km: pd.DataFrame | None = None,
) -> Figure:
    """Point map of access to one service type, in SWEREF 99 TM.

    Population points are coloured by distance band (straight line) and
    sized by population (marker area grows with the square root of the
    population, so small rural points stay visible). Open service points of
    the type are black triangles; points of the type that had closed by
    31 December are vermilion crosses. No basemap is fetched: the map has a
    scale bar, a north arrow (grid north) and a Swedish legend.

    Parameters
    ----------
    population : pandas.DataFrame
        Population points (``lat``/``lon`` or ``x``/``y``, ``befolkning``).
    dist : pandas.DataFrame
        Output of :func:`~serviceprogram.analysis.access.distances` for them.
    points : pandas.DataFrame
        Service points.
    year : int
        Follow-up year.
    typ : str
        Type key.
    bands_km : iterable of float, default (5, 10, 20)
        Upper band edges in km.
    lan : str, optional
        County name for the title, e.g. "Jämtlands län".
    title : str, optional
        Overrides the default title.
    scale_km : float, default 50
        Length of the scale bar in km.
    rasterize_population : bool, default False
        Draw the population points as an embedded image in vector output
        (smaller SVG for very many points; the rest stays vector).
    borders : geopandas.GeoDataFrame, optional
        The county's municipalities in SWEREF 99 TM (``namn``, ``geometry``),
        from :func:`serviceprogram.inputs.geo.borders.municipality_borders`: the map
        then shows the county outline, the municipal borders and their names,
        and covers the whole county.
    localities : pandas.DataFrame, optional
        Localities (``namn``, ``lat``, ``lon``, ``befolkning``): the largest
        (at least 1 000 inhabitants, at most twelve, largest first) are named on
        the map where their names do not overlap another label.
    roads : serviceprogram.roads.lines.RoadLines, optional
        The road network, drawn under the population points and above the
        borders: larger roads dark and thick, smaller roads light and thin,
        car ferries dashed.
    road_km : pandas.DataFrame, optional
        Road distances in km per population point (one column per type,
        :attr:`serviceprogram.roads.RoadResult.km`): the points are then
        coloured by distance along the road network instead of fågelvägen,
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
    _check_type(typ)
    if typ not in dist.columns:
        raise AccessError(f"Avstånd för {SERVICE_TYPES[typ]} saknas i avståndstabellen.")
    if len(dist) != len(population):
        raise AccessError("Avståndstabellen och befolkningspunkterna har olika antal rader.")
    by_road = road_km is not None
    codes, labels, colors = _band_colouring(population, dist, road_km, typ, bands_km)
    pop_xy = _xy_of(population, "Befolkningspunkterna")
    people = pd.to_numeric(population["befolkning"], errors="coerce").fillna(0).to_numpy(dtype=float)
    open_xy, closed_xy = _service_xy(points, year, typ)
    singular = NOUNS[typ][0]

    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(16 * CM, 18 * CM))
        FigureCanvasAgg(fig)
        bottom = 0.175 if len(labels) <= 4 else 0.2  # room for a longer distance legend
        ax = fig.add_axes((0.02, bottom, 0.96, 0.915 - bottom))
        reference = people.max() if len(people) else 1.0
        _draw_population(ax, pop_xy, people, codes, colors, reference, rasterize_population)
        _draw_service_points(ax, open_xy, closed_xy)
        road_handles = _draw_frame(ax, borders, roads, (pop_xy, open_xy, closed_xy), scale_km)
        if localities is not None and len(localities):
            names = [t for t in ax.texts if t.get_gid() == "kommunnamn"]
            _nudge_names(ax, names, _draw_localities(ax, localities))
        measure = "längs vägnätet" if by_road else "fågelvägen"
        _titles(fig, title, lan, f"Avstånd {measure} till närmaste {singular}, 31 december {int(year)}")
        _legends(fig, labels, colors, reference, singular, road_handles, by_road, bottom)
        fig.text(
            0.02, 0.005,
            ("Kortaste bilväg längs vägnätet i underlaget. Pilen visar kartnorr." if by_road else
             "Fågelvägen i SWEREF 99 TM – en undre gräns för vägavståndet. Pilen visar kartnorr."),
            fontsize=6.5, color="#444444", ha="left", va="bottom",
        )
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
    area = _marker_area(people, reference)
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
        ax.scatter(closed_xy[:, 0], closed_xy[:, 1], marker="x", s=28, c=_CLOSED_COLOR, linewidths=1.3,
                   zorder=4)
    if len(open_xy):
        ax.scatter(open_xy[:, 0], open_xy[:, 1], marker="^", s=26, c=_OPEN_COLOR, edgecolors="white",
                   linewidths=0.4, zorder=5)


def _draw_frame(ax, borders, roads, xy_sets, scale_km: float) -> list:
    """Borders, roads, the extent (the county, else the points), scale bar and north arrow.

    Returns the legend handles of the roads (empty without a network).
    """
    has_borders = borders is not None and len(borders) > 0
    if has_borders:
        _draw_borders(ax, borders)
    road_handles = _draw_roads(ax, roads) if roads is not None and len(roads) else []
    filled = [xy for xy in xy_sets if len(xy)]
    if filled or has_borders:
        if has_borders:
            bx0, by0, bx1, by1 = borders.total_bounds
            lo, hi = np.array([bx0, by0]), np.array([bx1, by1])
        else:
            all_xy = np.vstack(filled)
            lo, hi = all_xy.min(axis=0), all_xy.max(axis=0)
        # Room for the scale bar even on a small map, plus a margin.
        extent = np.maximum(hi - lo, 1.3 * scale_km * 1000)
        pad = 0.05 * extent.max()
        centre = (lo + hi) / 2
        half_w, half_h = extent / 2 + pad
        xlim = (centre[0] - half_w, centre[0] + half_w)
        ylim = (centre[1] - half_h, centre[1] + half_h)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        _scale_bar(ax, xlim, ylim, scale_km)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#999999")
        spine.set_linewidth(0.6)
    _north_arrow(ax)
    return road_handles


def _titles(fig, title: str | None, lan: str | None, subtitle: str) -> None:
    subtitle = textwrap.fill(subtitle, width=95)
    if title:
        fig.text(0.02, 0.975, textwrap.fill(title, 72), fontsize=10, fontweight="bold", ha="left", va="top")
    elif lan:
        fig.text(0.02, 0.975, lan, fontsize=10, fontweight="bold", ha="left", va="top")
        fig.text(0.02, 0.948, subtitle, fontsize=8.5, ha="left", va="top")
    else:
        fig.text(0.02, 0.975, subtitle, fontsize=10, fontweight="bold", ha="left", va="top")


def _legends(fig, labels, colors, reference: float, singular: str, road_handles: list, by_road: bool,
             bottom: float) -> None:
    """Legends under the map: distance bands, point sizes, service points and (with a network) roads."""
    band_handles = [
        Line2D([], [], marker="o", linestyle="", markersize=6, color=colors[i], label=lab)
        for i, lab in enumerate(labels)
    ]
    size_handles = [
        Line2D([], [], marker="o", linestyle="", color="#9a9a9a",
               markersize=float(np.sqrt(_marker_area(np.array([example]), reference)[0])),
               label=f"{fmt.num(example)} invånare")
        for example in _size_examples(reference)
    ]
    point_handles = [
        Line2D([], [], marker="^", linestyle="", markersize=6, color=_OPEN_COLOR, label="Öppen"),
        Line2D([], [], marker="x", linestyle="", markersize=6, color=_CLOSED_COLOR, markeredgewidth=1.3,
               label="Stängd"),
    ]
    columns = [
        (band_handles, "Avstånd längs vägen" if by_road else "Avstånd fågelvägen"),
        (size_handles, "Befolkningspunkt"),
        (point_handles, textwrap.fill(singular.capitalize(), 22 if road_handles else 28)),
    ]
    if road_handles:
        columns.append((road_handles, "Vägnät"))
    starts = (0.02, 0.28, 0.52, 0.77) if road_handles else (0.04, 0.36, 0.64)
    for (handles, heading), x in zip(columns, starts):
        legend = fig.legend(handles=handles, title=heading, loc="upper left", bbox_to_anchor=(x, bottom - 0.01),
                            frameon=False, alignment="left")
        legend.get_title().set_fontweight("bold")


def alt_text_map(
    population: pd.DataFrame,
    dist: pd.DataFrame,
    points: pd.DataFrame,
    year: int,
    typ: str,
    bands_km: Iterable[float] = DEFAULT_BANDS_KM,
    lan: str | None = None,
    roads: bool = False,
) -> str:
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
    has_type = offers(points, typ).to_numpy() if len(points) else np.zeros(0, dtype=bool)
    n_open = int((has_type & open_at_year_end(points, year).to_numpy()).sum()) if len(points) else 0
    n_closed = int((has_type & closed_by_year_end(points, year).to_numpy()).sum()) if len(points) else 0

    upper = labels[0].split("–", 1)[1]
    first = f"{share_text(shares[0])} av befolkningen bor inom {upper} fågelvägen från närmaste {singular}"
    rest = [band_phrase(lab, i, len(labels), s) for i, (lab, s) in enumerate(zip(labels, shares)) if i > 0]
    text = f"Karta över {lan or 'länet'}: {first}"
    text += (", " + fmt.join(rest) if rest else "") + "."
    text += (
        f" Kartan visar {fmt.num(len(population))} befolkningspunkter färgade efter avstånd och "
        f"{fmt.num(n_open)} {'öppna ' + plural if n_open != 1 else 'öppen ' + singular} "
        f"den 31 december {int(year)} som svarta trianglar"
    )
    if n_closed:
        text += f"; {fmt.num(n_closed)} {'stängda är markerade' if n_closed != 1 else 'stängd är markerad'} med kryss"
    text += ". Avstånden är räknade fågelvägen och är en undre gräns för vägavståndet."
    if roads:
        text += " Kartan visar också vägnätet: större vägar mörka och tjocka, mindre vägar ljusa och tunna."
    return text


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
    upper = labels[0].split("–", 1)[1]
    text = (f"Karta över {lan or 'länet'} med vägnätet: {share_text(shares[0])} av befolkningen bor inom {upper} "
            f"längs vägnätet från närmaste {singular}")
    rest = [band_phrase(lab, i, len(labels), sh) for i, (lab, sh) in enumerate(zip(labels, shares)) if i > 0]
    text += (", " + fmt.join(rest) if rest else "") + "."
    missing = people[no_road].sum()
    if missing:
        text += (f" Grå på kartan är {fmt.count_text(int(missing), 'person', 'personer')} som inte når någon "
                 "sådan plats via vägnätet.")
    has_type = offers(points, typ).to_numpy() if len(points) else np.zeros(0, dtype=bool)
    n_open = int((has_type & open_at_year_end(points, year).to_numpy()).sum()) if len(points) else 0
    text += (f" Större vägar är mörka och tjocka, mindre vägar ljusa och tunna och bilfärjor streckade. "
             f"Svarta trianglar är {fmt.num(n_open)} {'öppna ' + plural if n_open != 1 else 'öppen ' + singular} "
             f"den 31 december {int(year)}.")
    return text
