"""Band charts and their alt texts for the access analysis, and the style the maps share.

Figures are built on :class:`matplotlib.figure.Figure` with an explicit Agg
canvas, never through pyplot, so no global figure state is created and
nothing is shown. The caller saves them (e.g. as SVG). Every chart has a
matching ``alt_text_*`` function that describes it in Swedish with its key
figures, for screen readers and for the report text.

Distances are straight lines ("fågelvägen") in SWEREF 99 TM, a lower bound of
the distance by road, unless a map is given road distances (``road_km``); the
road network itself can be drawn on every map (see :mod:`.access_maps`).
Titles and legends say which.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import text as fmt
from ..analysis.access import COUNTY_LABEL
from ..errors import AccessError
from ..inputs.service_points import SERVICE_TYPES
from ..inputs.service_points import check_type as _check_type
from .report_base import phrase

__all__ = ["CM", "NOUNS", "STYLE", "band_chart", "alt_text_band_chart", "band_colors", "band_phrase", "share_text"]

CM = 1 / 2.54
NBSP = "\u00a0"

# (singular after "närmaste", plural) for each type, used in titles and texts.
NOUNS: dict[str, tuple[str, str]] = {
    "dagligvaror": ("dagligvarubutik", "dagligvarubutiker"),
    "fullsortiment": ("dagligvarubutik med fullsortiment", "dagligvarubutiker med fullsortiment"),
    "drivmedel": ("drivmedelsstation", "drivmedelsstationer"),
    "paketombud": ("paketombud", "paketombud"),
    "apoteksombud": ("apoteksombud", "apoteksombud"),
    "kontantuttag": ("plats för kontantuttag", "platser för kontantuttag"),
}

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "legend.fontsize": 7.5,
    "svg.hashsalt": "serviceprogram-access",
}



def band_colors(n: int) -> list[tuple[float, float, float, float]]:
    """Colour-blind-safe sequential colours for n distance bands.

    Sampled from viridis: light yellow-green for the nearest band, dark
    purple for the farthest.

    Parameters
    ----------
    n : int
        Number of bands.

    Returns
    -------
    list of RGBA tuples
        One colour per band, nearest first.
    """
    cmap = matplotlib.colormaps["viridis"]
    return [tuple(float(c) for c in cmap(v)) for v in np.linspace(0.85, 0.05, n)]


def _text_color(rgba: tuple[float, ...]) -> str:
    """Black or white, whichever reads better on a fill colour.

    Parameters
    ----------
    rgba : tuple of float
        Fill colour.

    Returns
    -------
    str
        "black" or "white".
    """
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def share_text(share: float) -> str:
    """Format a share 0..1 as a Swedish percentage.

    Whole percent from 1 % up, one decimal below 1 % ("0,3 %"), and
    "under 0,1 %" for tiny non-zero shares.

    Parameters
    ----------
    share : float
        Share 0..1 (NaN gives "–").

    Returns
    -------
    str
        E.g. "94 %", with a no-break space before the sign.
    """
    if share is None or not np.isfinite(share):
        return "–"
    value = share * 100
    if value == 0:
        return f"0{NBSP}%"
    if value < 0.05:
        return f"under 0,1{NBSP}%"
    return fmt.pct(share, 1 if value < 1 else 0)



def _type_rows(table: pd.DataFrame, typ: str) -> pd.DataFrame:
    """Rows of a band table for one type.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~serviceprogram.analysis.access.band_table`.
    typ : str
        Type key.

    Returns
    -------
    pandas.DataFrame
        The type's rows.

    Raises
    ------
    AccessError
        If the type is unknown or not in the table.
    """
    _check_type(typ)
    rows = table[table["typ"] == typ]
    if rows.empty:
        raise AccessError(f"Tabellen saknar uppgifter för {SERVICE_TYPES[typ]}.")
    return rows


def band_phrase(label: str, index: int, n: int, share: float) -> str:
    """One band's share as a Swedish phrase.

    Parameters
    ----------
    label : str
        Band label, e.g. "5–10 km".
    index : int
        Band position.
    n : int
        Number of bands.
    share : float
        Share 0..1.

    Returns
    -------
    str
        E.g. "94 % inom 5 km", "4 % på 5–10 km", "0,3 % över 20 km".
    """
    return phrase("figures", "band_phrase", share=share_text(share), label=label, upper=label.split("–", 1)[-1],
                  index=index, n=n)


# ---------------------------------------------------------------------------
# Band chart
# ---------------------------------------------------------------------------


def band_chart(table: pd.DataFrame, typ: str, title: str | None = None) -> Figure:
    """Horizontal stacked bars: share of the population per distance band.

    One bar per municipality and one for the whole county (last, set apart).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~serviceprogram.analysis.access.band_table`.
    typ : str
        Type key, e.g. "dagligvaror".
    title : str, optional
        Chart title; default names the service and says "fågelvägen".

    Returns
    -------
    matplotlib.figure.Figure
        The chart, 16 cm wide, with an Agg canvas attached.

    Raises
    ------
    AccessError
        If the type is unknown or missing from the table.
    """
    municipalities, labels, shares = _band_shares(_type_rows(table, typ))
    colors = band_colors(len(labels))
    singular = NOUNS[typ][0]

    with matplotlib.rc_context(STYLE):
        height_cm = 3.2 + 0.75 * len(municipalities)
        fig = Figure(figsize=(16 * CM, height_cm * CM), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        y = np.arange(len(municipalities), dtype=float)
        y[-1] += 0.4 if municipalities and municipalities[-1] == COUNTY_LABEL else 0.0
        _stacked_bars(ax, y, shares, labels, colors)
        ax.set_yticks(y, municipalities)
        for tick in ax.get_yticklabels():
            if tick.get_text() == COUNTY_LABEL:
                tick.set_fontweight("bold")
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("Andel av befolkningen (%), avstånd fågelvägen")
        ax.set_title(title or f"Avstånd fågelvägen till närmaste {singular}", loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(
            title="Avstånd fågelvägen",
            loc="upper center",
            bbox_to_anchor=(0.5, -0.22 if len(municipalities) > 4 else -0.35),
            ncol=len(labels),
            frameon=False,
        )
    return fig


def _band_shares(rows: pd.DataFrame) -> tuple[list[str], list[str], pd.DataFrame]:
    """The municipalities (the county last), the band labels and the shares in % (municipality x band)."""
    municipalities = list(dict.fromkeys(rows["kommun"]))
    if COUNTY_LABEL in municipalities:
        municipalities.remove(COUNTY_LABEL)
        municipalities.append(COUNTY_LABEL)
    labels = list(dict.fromkeys(rows["band"]))
    shares = (
        rows.pivot_table(index="kommun", columns="band", values="andel", aggfunc="sum", sort=False)
        .reindex(index=municipalities, columns=labels)
        .fillna(0.0)
        * 100
    )
    return municipalities, labels, shares


def _stacked_bars(ax, y: np.ndarray, shares: pd.DataFrame, labels: list[str], colors) -> None:
    """One stacked horizontal bar per row of ``shares``, a band per colour; shares of 6 % or more are written."""
    left = np.zeros(len(y))
    for label, color in zip(labels, colors):
        widths = shares[label].to_numpy()
        ax.barh(y, widths, left=left, color=color, height=0.72, label=label, edgecolor="white", linewidth=0.5)
        for yi, x0, w in zip(y, left, widths):
            if w >= 6:
                ax.text(x0 + w / 2, yi, f"{w:.0f}{NBSP}%", ha="center", va="center",
                        color=_text_color(color), fontsize=7)
        left += widths


def alt_text_band_chart(table: pd.DataFrame, typ: str) -> str:
    """Swedish description of :func:`band_chart` with its key figures.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~serviceprogram.analysis.access.band_table`.
    typ : str
        Type key.

    Returns
    -------
    str
        E.g. "Stapeldiagram över avståndet fågelvägen till närmaste
        dagligvarubutik per kommun. I hela länet bor 94 % inom 5 km, ...
        Störst andel inom 5 km har Östersund (99 %), minst Berg (62 %)."

    Raises
    ------
    AccessError
        If the type is unknown or missing from the table.
    """
    rows = _type_rows(table, typ)
    labels = list(dict.fromkeys(rows["band"]))
    singular = NOUNS[typ][0]
    county = rows[rows["kommun"] == COUNTY_LABEL].set_index("band")["andel"].reindex(labels)
    phrases = [band_phrase(lab, i, len(labels), county[lab]) for i, lab in enumerate(labels)]
    first = rows[(rows["band"] == labels[0]) & (rows["kommun"] != COUNTY_LABEL)].dropna(subset=["andel"])
    best = worst = None
    if len(first) >= 2:
        best, worst = (first.loc[first["andel"].idxmax()], first.loc[first["andel"].idxmin()])
        best, worst = ((r["kommun"], share_text(r["andel"])) for r in (best, worst))
    return phrase("figures", "band_chart_alt", singular=singular, phrases=phrases, best=best, worst=worst,
                  upper=labels[0].split("–", 1)[-1])
