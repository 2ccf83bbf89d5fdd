"""Charts for the report: one style, a colour-blind-safe palette, SVG output.

Figures are made with :class:`matplotlib.figure.Figure` (no pyplot state) and
embedded as SVG data URIs with alt text, so the HTML stays self-contained and
the bytes are reproducible (fixed ``svg.hashsalt``, no date metadata).
"""
from __future__ import annotations

import base64
import io

import matplotlib
from markupsafe import Markup, escape
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .. import text as fmt

__all__ = ["PALETTE", "PREVIOUS", "STYLE", "new_figure", "styled", "to_svg", "to_png", "embed", "money_axis",
           "grouped_barh", "stacked_barh"]

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
PREVIOUS = "#9BB7D4"

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "svg.hashsalt": "serviceprogram",
    "svg.fonttype": "path",
}


def new_figure(width_cm: float = 16, height_cm: float = 8) -> Figure:
    """An empty figure in the report's size units (centimetres)."""
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(width_cm / 2.54, height_cm / 2.54), layout="constrained")


def styled(fn):
    """Run a chart function inside the report style."""
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def to_svg(fig: Figure) -> bytes:
    """The figure as reproducible SVG bytes."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def to_png(fig: Figure, dpi: int = 160) -> bytes:
    """The figure as PNG bytes without metadata that could change between builds."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def embed(fig: Figure, alt: str, caption: str, number: int | None = None, raster: bool = False) -> Markup:
    """A ``<figure>`` with the chart as an SVG (or PNG) data URI, alt text and caption.

    Parameters
    ----------
    fig : Figure
    alt : str
        What the chart shows, in words (read by screen readers).
    caption : str
        The visible caption.
    number : int, optional
        Figure number for the caption ("Figur 3.").
    raster : bool
        Embed as PNG: for maps with thousands of points, which are slow as SVG.
    """
    mime = "image/png" if raster else "image/svg+xml"
    data = base64.b64encode(to_png(fig) if raster else to_svg(fig)).decode("ascii")
    label = f"Figur {number}. " if number else ""
    return Markup(
        f'<figure class="chart"><img src="data:{mime};base64,{data}" alt="{escape(alt)}"/>'
        f"<figcaption>{escape(label)}{escape(caption)}</figcaption></figure>"
    )


def money_axis(ax, axis="x"):
    """Label a value axis in millions of kronor ("2,0 mnkr")."""
    formatter = FuncFormatter(lambda v, _: fmt.num(v / 1e6, 1) + " mnkr" if v else "0")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(formatter)


@styled
def grouped_barh(labels, current, previous, year: int, money: bool = False, title: str = "") -> Figure:
    """Horizontal bars per label for the year, with the previous year beside it.

    Parameters
    ----------
    labels : list of str
    current : list of float
    previous : list of float or None
        None when there is no previous year.
    year : int
    money : bool
        Format the value axis in millions of kronor.
    title : str
    """
    fig = new_figure(16, 1.6 + 0.75 * len(labels))
    ax = fig.add_subplot()
    positions = range(len(labels))
    height = 0.38 if previous is not None else 0.6
    if previous is not None:
        ax.barh([p + height / 2 for p in positions], previous, height=height, color=PREVIOUS, label=str(year - 1))
    bars = ax.barh([p - (height / 2 if previous is not None else 0) for p in positions], current,
                   height=height, color=PALETTE[0], label=str(year))
    for bar, value in zip(bars, current):
        ax.annotate(fmt.kr(value) if money else fmt.num(value), (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    if money:
        money_axis(ax)
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.num(v)))
    ax.margins(x=0.18)
    if title:
        ax.set_title(title, loc="left")
    if previous is not None:
        fig.legend(loc="outside lower center", frameon=False, ncols=2)
    return fig


@styled
def stacked_barh(labels, series: dict, title: str = "", xlabel: str = "") -> Figure:
    """Horizontal stacked bars: one bar per label, one segment per series."""
    fig = new_figure(16, 1.8 + 0.7 * len(labels))
    ax = fig.add_subplot()
    left = [0.0] * len(labels)
    for colour, (name, values) in zip(PALETTE, series.items()):
        ax.barh(labels, values, left=left, color=colour, label=name, height=0.6)
        left = [a + b for a, b in zip(left, values)]
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, loc="left")
    longest = max((len(name) for name in series), default=0)
    fig.legend(loc="outside lower center", frameon=False, ncols=min(4 if longest < 14 else 2, len(series)))
    return fig
