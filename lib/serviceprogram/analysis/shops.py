"""Shops that matter: how many people each shop serves and the särskilt driftstöd condition.

The region's rule for särskilt driftstöd asks for more than the limit (10 km)
to the next shop; :func:`driftstod_check` tests it by road when a network is
given and by straight line otherwise, and says which measure it used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import AccessError
from ..inputs.geo.projection import xy_of
from ..inputs.service_points import is_missing, offers, open_at_year_end, point_ids
from .access import DEFAULT_LIMIT_KM, check_limit, group_sum, nearest, population_weights
from .bands import fmt_km

__all__ = ["DRIFTSTOD", "supported_point_ids", "shop_importance", "MEASURE_ROAD", "MEASURE_STRAIGHT", "driftstod_check"]


#: The support type whose distance condition :func:`driftstod_check` tests.
DRIFTSTOD = "Särskilt driftstöd"


def supported_point_ids(stod: pd.DataFrame, year: int | None = None, stodform: str | None = None) -> set[str]:
    """Ids of service points with a support decision (in a year).

    Parameters
    ----------
    stod : pandas.DataFrame
        Support decisions with ``serviceplats_id`` and ``beslutsdatum``.
    year : int, optional
        Keep decisions taken in this year only.
    stodform : str, optional
        Keep this support type only (e.g. "Särskilt driftstöd").

    Returns
    -------
    set of str
        Service point ids (decisions without one are skipped).
    """
    if "serviceplats_id" not in stod.columns or len(stod) == 0:
        return set()
    keep = pd.Series(True, index=stod.index)
    if year is not None and "beslutsdatum" in stod.columns:
        keep &= pd.to_datetime(stod["beslutsdatum"]).dt.year == int(year)
    if stodform is not None and "stodform" in stod.columns:
        keep &= stod["stodform"].astype(str).str.strip().str.casefold() == stodform.casefold()
    ids = set()
    for value in stod.loc[keep, "serviceplats_id"]:
        if not is_missing(value) and str(value).strip():
            ids.add(str(value).strip())
    return ids


_IMPORTANCE_COLUMNS = [
    "id", "namn", "kommun", "ort", "befolkning", "flyttas_over_grans", "tillkommande_personkm", "stod",
]


def _text_column(table: pd.DataFrame, name: str) -> list[str]:
    """Column as a list of str ('' for missing or absent).

    Parameters
    ----------
    table : pandas.DataFrame
        Any table.
    name : str
        Column name.

    Returns
    -------
    list of str
        Values as text.
    """
    if name not in table.columns:
        return [""] * len(table)
    return ["" if is_missing(v) else str(v) for v in table[name]]


def shop_importance(
    population: pd.DataFrame,
    points: pd.DataFrame,
    year: int,
    supported_ids: Iterable[str] = (),
    limit_km: float = DEFAULT_LIMIT_KM,
) -> pd.DataFrame:
    """How much each open full-range shop matters for access.

    For each shop, the people for whom it is the nearest full-range shop and
    what would happen if that shop alone closed: those people would go to
    their second-nearest shop instead. One k-d tree query with k = 2 gives
    both, so no shop needs a recomputation. Where two shops are equally near,
    the tree assigns the people to one of them and closing it has no effect
    (the other is just as near).

    Parameters
    ----------
    population : pandas.DataFrame
        Population points.
    points : pandas.DataFrame
        Service points.
    year : int
        Follow-up year (shops open on 31 December count).
    supported_ids : iterable of str, default ()
        Ids of service points with a support decision in the year, e.g.
        from :func:`supported_point_ids`.
    limit_km : float, default 10
        The limit for "moved over the limit".

    Returns
    -------
    pandas.DataFrame
        One row per open full-range shop: ``id``, ``namn``, ``kommun``,
        ``ort``, ``befolkning`` (people for whom it is the nearest
        full-range shop), ``flyttas_over_grans`` (people who would go from
        at most ``limit_km`` to more than ``limit_km``), ``tillkommande_personkm``
        (sum of new minus old distance over those people, km; ``inf`` if it
        is the only shop), ``stod`` (bool). Sorted by ``flyttas_over_grans``
        then ``tillkommande_personkm``, both descending. ``attrs["grans_km"]``
        holds the limit.

    Raises
    ------
    AccessError
        If coordinates are missing or the limit is invalid.
    """
    limit = check_limit(limit_km)
    weights = population_weights(population)
    shops = points.loc[(open_at_year_end(points, year) & offers(points, "fullsortiment")).to_numpy()]
    supported = {str(s).strip() for s in supported_ids}
    result = (_importance_table(shops, _importance_sums(population, weights, shops, limit), supported)
              if len(shops) else pd.DataFrame({c: pd.Series(dtype=object) for c in _IMPORTANCE_COLUMNS}))
    result.attrs["grans_km"] = limit
    return result


def _importance_table(shops: pd.DataFrame, sums: tuple, supported: set[str]) -> pd.DataFrame:
    """The rows of :func:`shop_importance`, sorted, from :func:`_importance_sums`."""
    served, moved, person_km = sums
    ids = point_ids(shops)
    result = pd.DataFrame(
        {
            "id": ids.astype(str),
            "namn": _text_column(shops, "namn"),
            "kommun": _text_column(shops, "kommun"),
            "ort": _text_column(shops, "ort"),
            "befolkning": np.rint(served).astype(np.int64),
            "flyttas_over_grans": np.rint(moved).astype(np.int64),
            "tillkommande_personkm": person_km,
            "stod": np.array([i in supported for i in ids], dtype=bool),
        }
    )
    return result.sort_values(
        ["flyttas_over_grans", "tillkommande_personkm", "id"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)


def _importance_sums(population: pd.DataFrame, weights: np.ndarray, shops: pd.DataFrame,
                     limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per shop: the people it serves, those it would move over the limit, and their extra person-km."""
    pop_xy = xy_of(population, "Befolkningspunkterna")
    shop_xy = xy_of(shops, "Serviceplatserna")
    dist, idx = nearest(pop_xy, shop_xy, k=2)
    d1, d2, i1 = dist[:, 0], dist[:, 1], idx[:, 0]
    n_shops = len(shops)
    served = group_sum(i1, weights, n_shops) if len(i1) else np.zeros(n_shops)

    limit_m = limit * 1000.0
    moves = (d1 <= limit_m) & (d2 > limit_m)
    moved = group_sum(i1[moves], weights[moves], n_shops) if moves.any() else np.zeros(n_shops)
    with np.errstate(invalid="ignore"):
        extra = np.where(weights > 0, (d2 - d1) / 1000.0 * weights, 0.0)
    person_km = group_sum(i1, extra, n_shops) if len(i1) else np.zeros(n_shops)
    return served, moved, person_km


_DRIFTSTOD_COLUMNS = [
    "diarienummer", "mottagare", "kommun", "belopp_kr", "serviceplats_id", "namn",
    "avstand_km", "bedomning", "anmarkning", "vag_km", "matt",
]


_VERDICT_CHECK_ROAD = "Kontrollera vägavstånd"


_VERDICT_ROAD_NOT_MET = "Villkoret inte uppfyllt (högst {limit} km på väg)"


_VERDICT_ROAD_MET = "Villkoret uppfyllt (över {limit} km på väg)"


MEASURE_ROAD = "väg"


MEASURE_STRAIGHT = "fågelvägen"


_VERDICT_NO_POINT = "Saknar serviceplats – kan inte kontrolleras"


_VERDICT_UNKNOWN_POINT = "Okänd serviceplats – kan inte kontrolleras"


def _verdict_ok(limit_km: float) -> str:
    """Verdict text for a shop beyond the limit.

    Parameters
    ----------
    limit_km : float
        The limit in km.

    Returns
    -------
    str
        E.g. "Villkoret uppfyllt (över 10 km fågelvägen)".
    """
    return f"Villkoret uppfyllt (över {fmt_km(limit_km)} km fågelvägen)"


def driftstod_check(
    points: pd.DataFrame,
    stod: pd.DataFrame,
    year: int,
    limit_km: float = DEFAULT_LIMIT_KM,
    road_km: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Check the distance condition of särskilt driftstöd.

    With ``road_km`` (a road network is given) the verdict uses the road
    distance, as the region's rule ("kortast farbara bilväg") says; a shop
    without a road within the snap distance falls back to the straight line,
    with a note.

    The shop must lie more than 10 km from the next shop with a varied range
    of daily goods. This check uses the straight-line distance to the
    nearest OTHER full-range shop open on 31 December of ``year``. Since a
    straight line is a lower bound of the road distance, "over 10 km" proves
    the condition, while 10 km or less only means the road distance must be
    checked.

    Parameters
    ----------
    points : pandas.DataFrame
        Service points.
    stod : pandas.DataFrame
        Support decisions of the year (``diarienummer``, ``stodform``,
        ``mottagare``, ``kommun``, ``belopp_kr``, ``serviceplats_id``).
        Only rows with stodform "Särskilt driftstöd" are checked.
    year : int
        Follow-up year.
    limit_km : float, default 10
        The distance condition in km.

    Returns
    -------
    pandas.DataFrame
        One row per särskilt driftstöd decision, in input order:
        ``diarienummer``, ``mottagare``, ``kommun``, ``belopp_kr``,
        ``serviceplats_id``, ``namn``, ``avstand_km`` (NaN when it cannot be
        computed, inf when there is no other open full-range shop),
        ``bedomning`` (Swedish verdict), ``anmarkning`` (Swedish notes or ""),
        ``vag_km`` (road km, NaN without a network) and ``matt`` ("väg" or
        "fågelvägen": the measure the verdict used).

    Raises
    ------
    AccessError
        If ``stod`` lacks ``stodform`` or the limit is invalid.
    """
    limit = check_limit(limit_km)
    decisions = _driftstod_decisions(stod)
    if len(decisions) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _DRIFTSTOD_COLUMNS})

    shops = _PointLookup.of(points, year)
    rows = [_driftstod_row(rec, shops, year, limit, road_km) for rec in decisions.to_dict("records")]
    return pd.DataFrame(rows, columns=_DRIFTSTOD_COLUMNS)


def _driftstod_decisions(stod: pd.DataFrame) -> pd.DataFrame:
    """The decisions of type särskilt driftstöd (AccessError without a ``stodform`` column)."""
    if "stodform" not in stod.columns:
        raise AccessError("Stödtabellen saknar kolumnen stodform.")
    form = stod["stodform"].map(lambda v: "" if is_missing(v) else str(v).strip().casefold())
    return stod.loc[form == DRIFTSTOD.casefold()]


@dataclass
class _PointLookup:
    """The service points as the driftstöd check looks them up, with the distances found so far."""

    position: dict
    names: list[str]
    is_open: np.ndarray
    full: np.ndarray
    all_xy: np.ndarray
    shop_ids: np.ndarray
    shop_xy: np.ndarray
    distance_km: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, points: pd.DataFrame, year: int) -> _PointLookup:
        ids = point_ids(points) if len(points) else np.empty(0, dtype=object)
        position = {pid: pos for pos, pid in enumerate(ids)}
        names = _text_column(points, "namn")
        is_open = open_at_year_end(points, year).to_numpy()
        full = offers(points, "fullsortiment").to_numpy()
        shop_mask = is_open & full
        all_xy = xy_of(points, "Serviceplatserna")
        return cls(position, names, is_open, full, all_xy, ids[shop_mask], all_xy[shop_mask])

    def km_to_other_shop(self, pid: str) -> float:
        """Straight-line km from point ``pid`` to the nearest OTHER open full-range shop (inf: none)."""
        if pid not in self.distance_km:  # the same for every decision of one point
            pos = self.position[pid]
            dist, _ = nearest(self.all_xy[pos : pos + 1], self.shop_xy[self.shop_ids != pid])
            self.distance_km[pid] = float(dist[0]) / 1000.0
        return self.distance_km[pid]


def _driftstod_row(rec: dict, shops: _PointLookup, year: int, limit: float,
                   road_km: Mapping[str, float] | None) -> dict:
    """The check of one särskilt driftstöd decision (a row of :func:`driftstod_check`)."""
    raw_id = rec.get("serviceplats_id")
    pid = "" if is_missing(raw_id) else str(raw_id).strip()
    row = {
        "diarienummer": rec.get("diarienummer"),
        "mottagare": rec.get("mottagare"),
        "kommun": rec.get("kommun"),
        "belopp_kr": rec.get("belopp_kr"),
        "serviceplats_id": pid or None,
        "namn": "",
        "avstand_km": np.nan,
        "bedomning": "",
        "anmarkning": "",
        "vag_km": np.nan,
        "matt": MEASURE_STRAIGHT,
    }
    if not pid:
        row["bedomning"] = _VERDICT_NO_POINT
        row["anmarkning"] = "Beslutet saknar serviceplats_id."
        return row
    if pid not in shops.position:
        row["bedomning"] = _VERDICT_UNKNOWN_POINT
        row["anmarkning"] = f"Id {pid} finns inte bland serviceplatserna."
        return row
    pos = shops.position[pid]
    row["namn"] = shops.names[pos]
    notes = []
    if not shops.is_open[pos]:
        notes.append(f"Serviceplatsen var inte öppen den 31 december {int(year)}.")
    if not shops.full[pos]:
        notes.append("Serviceplatsen är inte registrerad som dagligvarubutik med fullsortiment.")
    d_km = shops.km_to_other_shop(pid)
    row["avstand_km"] = d_km
    if not np.isfinite(d_km):
        notes.append("Det finns ingen annan öppen butik med fullsortiment.")
    row["bedomning"] = _verdict_ok(limit) if d_km > limit else _VERDICT_CHECK_ROAD
    if road_km is not None:
        _road_verdict(row, notes, float(road_km.get(pid, np.nan)), d_km, limit)
    row["anmarkning"] = " ".join(notes)
    return row


def _road_verdict(row: dict, notes: list[str], r_km: float, d_km: float, limit: float) -> None:
    """Set the verdict by the road distance ``r_km`` (NaN: off the network, the straight line stands)."""
    row["vag_km"] = r_km
    if np.isnan(r_km):
        notes.append("Butiken ligger för långt från vägnätet; bedömningen gäller avståndet fågelvägen.")
        return
    row["matt"] = MEASURE_ROAD
    if np.isinf(r_km) and np.isfinite(d_km):
        notes.append("Ingen annan butik med fullsortiment kan nås via vägnätet.")
    row["bedomning"] = (_VERDICT_ROAD_MET if r_km > limit else _VERDICT_ROAD_NOT_MET).format(limit=fmt_km(limit))
