"""The access analysis as indicator rows, and the change against the previous year.

The ids (``tillganglighet_...``, named in :mod:`serviceprogram.ids`) are documented in
docs/indikatorer.md and docs/tillganglighet.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from ..errors import AccessError
from ..ids import (
    ACCESS_PEOPLE_BAND,
    ACCESS_POPULATION,
    ACCESS_SHARE_BAND,
    COUNTY,
    DEFAULT_LIMIT_KM,
    PEOPLE,
    SEP,
    SHARE,
    limit_token,
    over_limit_id,
)
from .access import band_table, over_limit
from .bands import DEFAULT_BANDS_KM

__all__ = ["indicator_rows", "compare", "change_against", "limit_token", "over_limit_id"]


# limit_token and over_limit_id (the one place the over-the-limit ids are made) come from
# serviceprogram.ids and stay importable from here.


def indicator_rows(
    population: pd.DataFrame,
    dist: pd.DataFrame,
    bands_km: Iterable[float] = DEFAULT_BANDS_KM,
    limit_km: float = DEFAULT_LIMIT_KM,
    kommuner: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Access figures as indicator rows (indikator, dimension, varde).

    Ids (all documented in docs/tillganglighet.md):

    - ``tillganglighet_befolkning``: population, dimension "<kommun>"
      (and "Hela länet").
    - ``tillganglighet_befolkning_band``: people in a band, dimension
      "<typ>|<kommun>|<band>".
    - ``tillganglighet_andel_band``: share 0..1, same dimension.
    - ``tillganglighet_befolkning_over_10km``: people over the limit;
      dimension "<typ>" for the whole county and "<typ>|<kommun>" per
      municipality. Dimension "fullsortiment" is the county total for
      full-range grocery shops.
    - ``tillganglighet_andel_over_10km``: share 0..1, same dimensions.

    With another ``limit_km`` the "10km" part of the ids follows it
    (e.g. "7_5km").

    Parameters
    ----------
    population : pandas.DataFrame
        Population points.
    dist : pandas.DataFrame
        Output of :func:`distances` for the same population.
    bands_km : iterable of float, default (5, 10, 20)
        Upper band edges in km.
    limit_km : float, default 10
        Limit for the "over" indicators.
    kommuner : sequence of str, optional
        Municipality order.

    Returns
    -------
    pandas.DataFrame
        Columns ``indikator`` (str), ``dimension`` (str), ``varde`` (float).

    Raises
    ------
    AccessError
        If the inputs do not match.
    """
    bands = band_table(population, dist, bands_km, kommuner=kommuner)
    over = over_limit(population, dist, limit_km, kommuner=kommuner)
    rows = _band_rows(bands) + _over_rows(over, limit_km)
    return pd.DataFrame(rows, columns=["indikator", "dimension", "varde"]).astype(
        {"indikator": str, "dimension": str, "varde": float}
    )


def _band_rows(bands: pd.DataFrame) -> list[tuple[str, str, float]]:
    """The population per municipality, then people and shares per type, municipality and band."""
    rows: list[tuple[str, str, float]] = []
    first_type = bands["typ"].iloc[0] if len(bands) else None
    if first_type is not None:
        per_muni = bands[bands["typ"] == first_type].groupby("kommun", sort=False)["befolkning"].sum()
        for kommun, value in per_muni.items():
            rows.append((ACCESS_POPULATION, str(kommun), float(value)))
    for rec in bands.itertuples(index=False):
        dim = f"{rec.typ}{SEP}{rec.kommun}{SEP}{rec.band}"
        rows.append((ACCESS_PEOPLE_BAND, dim, float(rec.befolkning)))
    for rec in bands.itertuples(index=False):
        dim = f"{rec.typ}{SEP}{rec.kommun}{SEP}{rec.band}"
        rows.append((ACCESS_SHARE_BAND, dim, float(rec.andel)))
    return rows


def _over_rows(over: pd.DataFrame, limit_km: float) -> list[tuple[str, str, float]]:
    """People and shares over the limit, per type (the county) and per type and municipality."""
    rows: list[tuple[str, str, float]] = []
    for measure in (PEOPLE, SHARE):
        ident = over_limit_id(measure, limit_km)
        for rec in over.itertuples(index=False):
            dim = rec.typ if rec.kommun == COUNTY else f"{rec.typ}{SEP}{rec.kommun}"
            rows.append((ident, dim, float(getattr(rec, measure))))
    return rows


def compare(
    base: pd.DataFrame,
    other: pd.DataFrame,
    base_suffix: str,
    other_suffix: str,
    order_by_other: bool,
) -> pd.DataFrame:
    """Put two tables of the same shape side by side with the difference.

    Parameters
    ----------
    base : pandas.DataFrame
        The reference table (difference = other - base).
    other : pandas.DataFrame
        The table compared with it.
    base_suffix, other_suffix : str
        Suffixes of the value columns from ``base`` and ``other``.
    order_by_other : bool
        Keep the row order of ``other`` (else of ``base``) first.

    Returns
    -------
    pandas.DataFrame
        Key columns, then for each value column: base, other and
        ``forandring_<column>``.

    Raises
    ------
    AccessError
        If the tables share no key or value column.
    """
    keys = [c for c in ("typ", "kommun", "band") if c in base.columns and c in other.columns]
    values = [c for c in ("befolkning", "andel") if c in base.columns and c in other.columns]
    if not keys or not values:
        raise AccessError("Tabellerna går inte att jämföra: kolumnerna typ/kommun/band och befolkning/andel behövs.")
    b = base[keys + values].rename(columns={v: v + base_suffix for v in values})
    o = other[keys + values].rename(columns={v: v + other_suffix for v in values})
    first, second = (o, b) if order_by_other else (b, o)
    matched = first.merge(second, on=keys, how="left", sort=False)
    only_second = second.merge(first[keys], on=keys, how="left", indicator=True, sort=False)
    only_second = only_second[only_second["_merge"] == "left_only"].drop(columns="_merge")
    merged = pd.concat([matched, only_second], ignore_index=True) if len(only_second) else matched
    columns = list(keys)
    for v in values:
        if v == "befolkning":
            for col in (v + base_suffix, v + other_suffix):
                merged[col] = pd.to_numeric(merged[col]).round().astype("Int64")
        else:
            for col in (v + base_suffix, v + other_suffix):
                merged[col] = pd.to_numeric(merged[col]).astype(float)
        merged[f"forandring_{v}"] = merged[v + other_suffix] - merged[v + base_suffix]
        if order_by_other:
            columns += [v + other_suffix, v + base_suffix, f"forandring_{v}"]
        else:
            columns += [v + base_suffix, v + other_suffix, f"forandring_{v}"]
    return merged[columns]


def change_against(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Compare this year's band table (or over-limit table) with last year's.

    Parameters
    ----------
    previous : pandas.DataFrame
        Last year's :func:`band_table` (or :func:`over_limit`) output.
    current : pandas.DataFrame
        This year's table of the same kind.

    Returns
    -------
    pandas.DataFrame
        The key columns (``typ``, ``kommun``, ``band`` where present), then
        ``befolkning``, ``befolkning_foregaende_ar``, ``forandring_befolkning``
        (nullable Int64), ``andel``, ``andel_foregaende_ar``,
        ``forandring_andel`` (share points, 0..1 scale). Rows follow
        ``current``; rows only in ``previous`` come last, with missing
        current figures.

    Raises
    ------
    AccessError
        If the tables cannot be compared.
    """
    return compare(previous, current, "_foregaende_ar", "", order_by_other=True)
