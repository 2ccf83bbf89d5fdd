"""Indicator ids and dimension labels: the one place they are spelled (issue 12).

Every id of ``indikatorer-<year>.csv`` is a name here, so that the code that
makes a row (``analysis/indicators.py``, ``analysis/access_indicators.py``,
``analysis/roads/figures.py``) and the code that reads it back (the memo, the
report, the programme overview, the analyst's texts) cannot drift apart. The
ids are documented in ``docs/indikatorer.md`` (a test checks that every id of
:data:`ALL` is there). The ids over a distance limit depend on the limit
(``tillganglighet_befolkning_over_10km``) and are made by :func:`over_limit_id`.
"""
from __future__ import annotations

from .text import decimal

__all__ = ["TOTAL", "COUNTY", "SEP", "DEFAULT_LIMIT_KM",
           "SUPPORT_COUNT", "SUPPORT_KR", "SUPPORT_COUNT_BY_MUNICIPALITY", "SUPPORT_KR_BY_MUNICIPALITY",
           "SUPPORT_KR_PER_INHABITANT", "SUPPORT_KR_BY_TYPE_AND_MUNICIPALITY", "VISITS", "VISITS_BY_MUNICIPALITY",
           "ACTIVITIES", "ACTIVITIES_BY_AREA", "ACTIVITIES_WITH_TARGET", "ACTIVITIES_TARGET_MET",
           "SOT_INAUGURATED", "SOT_TOTAL", "POINTS", "POINTS_BY_MUNICIPALITY", "POINTS_OPENED", "POINTS_CLOSED",
           "SERVICE_PLANS", "ACTION_PLANS", "SERVICE_PLANS_ADOPTED", "ACTION_PLANS_ADOPTED", "SUPPORT_WARNINGS",
           "FUNDING_BUDGET_KR", "FUNDING_DECIDED_KR", "FUNDING_PAID_KR", "FUNDING",
           "ACCESS_PREFIX", "ROAD_PREFIX", "PEOPLE", "SHARE", "ACCESS_POPULATION", "ACCESS_PEOPLE_BAND",
           "ACCESS_SHARE_BAND", "ROAD_MEAN_KM", "ROAD_MEAN_MINUTES", "ROAD_UNREACHABLE", "ROAD_UNCONNECTED",
           "YEAR", "ACCESS", "ROAD", "ALL", "limit_token", "over_limit_id", "over_limit_pattern"]

# --- Dimension labels ----------------------------------------------------------------------------

#: The total over a dimension (all support types, all statuses ...), or the one row of a single figure.
TOTAL = "Totalt"
#: The whole county: the sum over the programme's municipalities.
COUNTY = "Hela länet"
#: Separates the parts of a compound dimension: ``Medborgare|Genomförd``.
SEP = "|"

#: Default limit in km for "people far from service" and särskilt driftstöd.
DEFAULT_LIMIT_KM: float = 10

# --- The year's indicators (analysis/indicators.py) ----------------------------------------------

SUPPORT_COUNT = "stod_antal"
SUPPORT_KR = "stod_belopp_kr"
SUPPORT_COUNT_BY_MUNICIPALITY = "stod_antal_per_kommun"
SUPPORT_KR_BY_MUNICIPALITY = "stod_belopp_kr_per_kommun"
SUPPORT_KR_PER_INHABITANT = "stod_kr_per_invanare"
SUPPORT_KR_BY_TYPE_AND_MUNICIPALITY = "stod_belopp_kr_per_kommun_och_form"
VISITS = "foretagsbesok_antal"
VISITS_BY_MUNICIPALITY = "foretagsbesok_antal_per_kommun"
ACTIVITIES = "insatser_antal"
ACTIVITIES_BY_AREA = "insatser_antal_per_omrade"
ACTIVITIES_WITH_TARGET = "insatser_med_malvarde"
ACTIVITIES_TARGET_MET = "insatser_malvarde_uppnatt"
SOT_INAUGURATED = "sot_punkter_invigda"
SOT_TOTAL = "sot_punkter_totalt"
POINTS = "serviceplatser_antal"
POINTS_BY_MUNICIPALITY = "serviceplatser_antal_per_kommun"
POINTS_OPENED = "serviceplatser_oppnade"
POINTS_CLOSED = "serviceplatser_stangda"
SERVICE_PLANS = "serviceplaner_antal"
ACTION_PLANS = "handlingsplaner_antal"
SERVICE_PLANS_ADOPTED = "kommuner_med_antagen_serviceplan"
ACTION_PLANS_ADOPTED = "kommuner_med_antagen_handlingsplan"
SUPPORT_WARNINGS = "stod_varningar_antal"
FUNDING_BUDGET_KR = "finansiering_budget_kr"
FUNDING_DECIDED_KR = "finansiering_beslutat_kr"
FUNDING_PAID_KR = "finansiering_utbetalt_kr"
#: The funding ids by the column of the funding table they come from.
FUNDING = {"budget_kr": FUNDING_BUDGET_KR, "beslutat_kr": FUNDING_DECIDED_KR, "utbetalt_kr": FUNDING_PAID_KR}

# --- Access (analysis/access_indicators.py) and roads (analysis/roads/figures.py) -----------------

#: First part of the straight-line access ids (``tillganglighet_...``) and of the road ids (``vag_...``).
ACCESS_PREFIX = "tillganglighet"
ROAD_PREFIX = "vag"
#: The measures of the ids over a limit: people and share (0..1).
PEOPLE = "befolkning"
SHARE = "andel"
ACCESS_POPULATION = f"{ACCESS_PREFIX}_{PEOPLE}"
ACCESS_PEOPLE_BAND = f"{ACCESS_PREFIX}_{PEOPLE}_band"
ACCESS_SHARE_BAND = f"{ACCESS_PREFIX}_{SHARE}_band"
ROAD_MEAN_KM = f"{ROAD_PREFIX}_avstand_medel_km"
ROAD_MEAN_MINUTES = f"{ROAD_PREFIX}_restid_medel_min"
ROAD_UNREACHABLE = f"{ROAD_PREFIX}_{PEOPLE}_ej_nabar"
ROAD_UNCONNECTED = f"{ROAD_PREFIX}_{PEOPLE}_utan_anslutning"

#: The fixed ids, in the order of the indicator file (the ids over a limit are made by over_limit_id).
YEAR = (SUPPORT_COUNT, SUPPORT_KR, SUPPORT_COUNT_BY_MUNICIPALITY, SUPPORT_KR_BY_MUNICIPALITY,
        SUPPORT_KR_PER_INHABITANT, SUPPORT_KR_BY_TYPE_AND_MUNICIPALITY, VISITS, VISITS_BY_MUNICIPALITY,
        ACTIVITIES, ACTIVITIES_BY_AREA, ACTIVITIES_WITH_TARGET, ACTIVITIES_TARGET_MET, SOT_INAUGURATED, SOT_TOTAL,
        POINTS, POINTS_BY_MUNICIPALITY, POINTS_OPENED, POINTS_CLOSED, SERVICE_PLANS, ACTION_PLANS,
        SERVICE_PLANS_ADOPTED, ACTION_PLANS_ADOPTED, SUPPORT_WARNINGS, *FUNDING.values())
ACCESS = (ACCESS_POPULATION, ACCESS_PEOPLE_BAND, ACCESS_SHARE_BAND)
ROAD = (ROAD_MEAN_KM, ROAD_MEAN_MINUTES, ROAD_UNREACHABLE, ROAD_UNCONNECTED)
ALL = YEAR + ACCESS + ROAD


def limit_token(limit_km: float) -> str:
    """Indicator id fragment for a limit: 10 -> "10km", 7.5 -> "7_5km".

    The km value as :func:`serviceprogram.analysis.bands.fmt_km` writes it
    (:func:`serviceprogram.text.decimal`), with ``_`` for the decimal comma.

    Parameters
    ----------
    limit_km : float
        Limit in km.

    Returns
    -------
    str
        Id-safe token.
    """
    return decimal(limit_km, 6, grouping=False).replace(",", "_") + "km"


def over_limit_id(measure: str, limit_km: float, prefix: str = ACCESS_PREFIX) -> str:
    """The one place the over-the-limit ids are made (docs/indikatorer.md).

    ``measure`` is :data:`PEOPLE` or :data:`SHARE`; ``prefix`` :data:`ACCESS_PREFIX`
    (fågelvägen) or :data:`ROAD_PREFIX` (road): 10 km gives
    ``tillganglighet_befolkning_over_10km``.
    """
    return f"{prefix}_{measure}_over_{limit_token(limit_km)}"


def over_limit_pattern(measure: str, prefix: str = ACCESS_PREFIX) -> str:
    """A regular expression matching :func:`over_limit_id` of ``measure`` for any limit."""
    return f"{prefix}_{measure}_over_" + r"\d+(?:_\d+)?km"
