"""The layers of the access maps: borders, roads, locality names, scale bar, north arrow, legends.

Drawn on a :class:`matplotlib.axes.Axes` in SWEREF 99 TM metres by
:func:`serviceprogram.publishing.access_maps.access_map`, in the order it
calls them (the order of the artists is the order of the SVG).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .. import text as fmt

__all__ = ["OPEN_COLOR", "CLOSED_COLOR", "marker_area", "size_examples", "scale_bar", "north_arrow", "draw_borders",
           "draw_localities", "nudge_names", "draw_roads", "draw_frame", "legends"]

OPEN_COLOR = "#000000"
CLOSED_COLOR = "#D55E00"  # Okabe-Ito vermilion


def marker_area(population: np.ndarray, reference: float) -> np.ndarray:
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


def size_examples(reference: float) -> list[int]:
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


def scale_bar(ax, xlim, ylim, length_km: float) -> None:
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


def north_arrow(ax) -> None:
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


def draw_borders(ax, borders) -> None:
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


def draw_localities(ax, localities: pd.DataFrame, minimum: int = 1000, most: int = 12,
                     obstacles: list | None = None) -> list:
    """Names of the largest localities beside a small ring, without overlapping labels.

    Localities are placed by population, largest first. Each name is tried right,
    left, above and below its place; a position is taken only when the label's box
    overlaps no label placed before it, no ring and no box in ``obstacles`` and lies
    inside the map (the municipality names are moved off the localities afterwards,
    see :func:`nudge_names`). A locality whose name fits nowhere
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


def nudge_names(ax, texts, boxes) -> None:
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


def draw_roads(ax, roads) -> list:
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


def draw_frame(ax, borders, roads, xy_sets, scale_km: float) -> list:
    """Borders, roads, the extent (the county, else the points), scale bar and north arrow.

    Returns the legend handles of the roads (empty without a network).
    """
    has_borders = borders is not None and len(borders) > 0
    if has_borders:
        draw_borders(ax, borders)
    road_handles = draw_roads(ax, roads) if roads is not None and len(roads) else []
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
        scale_bar(ax, xlim, ylim, scale_km)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#999999")
        spine.set_linewidth(0.6)
    north_arrow(ax)
    return road_handles


def legends(fig, labels, colors, reference: float, singular: str, road_handles: list, by_road: bool,
             bottom: float) -> None:
    """Legends under the map: distance bands, point sizes, service points and (with a network) roads."""
    band_handles = [
        Line2D([], [], marker="o", linestyle="", markersize=6, color=colors[i], label=lab)
        for i, lab in enumerate(labels)
    ]
    size_handles = [
        Line2D([], [], marker="o", linestyle="", color="#9a9a9a",
               markersize=float(np.sqrt(marker_area(np.array([example]), reference)[0])),
               label=f"{fmt.num(example)} invånare")
        for example in size_examples(reference)
    ]
    point_handles = [
        Line2D([], [], marker="^", linestyle="", markersize=6, color=OPEN_COLOR, label="Öppen"),
        Line2D([], [], marker="x", linestyle="", markersize=6, color=CLOSED_COLOR, markeredgewidth=1.3,
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
