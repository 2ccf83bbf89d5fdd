"""Indicators of one follow-up year, as tables and as the long indicator file.

Every figure of the report and of ``indikatorer-<year>.csv`` comes from here.
The indicator ids are named in :mod:`serviceprogram.ids` and documented in
``docs/indikatorer.md``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .. import ids
from ..ids import COUNTY, SEP, TOTAL
from ..inputs.caps import is_cap_warning
from ..inputs.loading import YearData
from ..inputs.schemas import BESOKSFORMER, INSATS_STATUS, PLAN_STATUS, STODFORMER
from ..inputs.service_points import SERVICE_TYPES, offers, open_at_year_end

__all__ = ["TOTAL", "COUNTY", "SEP", "support_by_type", "support_by_municipality", "FUNDING_COLUMNS",
           "funding_table", "support_matrix", "visits_by_form", "visits_by_municipality",
           "activities_by_status", "activities_by_area", "goal_attainment", "sot_inaugurated",
           "service_points_by_type", "points_opened_closed", "plans_by_status", "plans_decided",
           "YearIndicators", "compute", "FORMULA_START", "csv_safe_text", "write_csv"]

# TOTAL, COUNTY and SEP (the dimension labels) come from serviceprogram.ids and stay importable from here.


def support_by_type(stod: pd.DataFrame) -> pd.DataFrame:
    """Count and kronor per support type, with a total row."""
    grouped = stod.groupby("stodform")["belopp_kr"].agg(["count", "sum"])
    table = pd.DataFrame(
        {
            "antal": [int(grouped["count"].get(s, 0)) for s in STODFORMER],
            "belopp_kr": [int(grouped["sum"].get(s, 0)) for s in STODFORMER],
        },
        index=pd.Index(STODFORMER, name="stodform"),
    )
    table.loc[TOTAL] = table.sum()
    return table.astype("int64")


def support_by_municipality(stod: pd.DataFrame, program, year: int | None = None) -> pd.DataFrame:
    """Count, kronor and kronor per inhabitant per municipality and the county.

    The population is the year's (``folkmangd_per_ar`` in ``program.toml``) where given, else ``folkmangd``.
    """
    names = program.kommun_names
    count = stod.groupby("kommun")["belopp_kr"].count().reindex(names, fill_value=0)
    amount = stod.groupby("kommun")["belopp_kr"].sum().reindex(names, fill_value=0)
    population = pd.Series({k.namn: k.population(year) for k in program.kommuner})
    table = pd.DataFrame({"antal": count.astype("int64"), "belopp_kr": amount.astype("int64"),
                          "folkmangd": population.astype("int64")})
    table.loc[COUNTY] = table.sum()
    table["kr_per_invanare"] = (table["belopp_kr"] / table["folkmangd"]).round(2)
    table.index.name = "kommun"
    return table


FUNDING_COLUMNS = ("budget_kr", "beslutat_kr", "utbetalt_kr")


def funding_table(program, year: int) -> pd.DataFrame:
    """The year's ``[[finansiering]]`` rows: budget, decided and paid out per source, with a total row.

    Empty (no rows, not even the total) when the programme gives no funding for the year.
    """
    rows = program.funding(year)
    table = pd.DataFrame([[f.budget_kr, f.beslutat_kr, f.utbetalt_kr] for f in rows],
                         index=pd.Index([f.kalla for f in rows], name="kalla"), columns=list(FUNDING_COLUMNS),
                         dtype="int64")
    if len(table):
        table.loc[TOTAL] = table.sum()
    return table.astype("int64")


def support_matrix(stod: pd.DataFrame, program) -> pd.DataFrame:
    """Kronor per municipality (rows) and support type (columns)."""
    table = stod.pivot_table(index="kommun", columns="stodform", values="belopp_kr", aggfunc="sum", fill_value=0)
    table = table.reindex(index=program.kommun_names, columns=list(STODFORMER), fill_value=0).astype("int64")
    table.index.name = "kommun"
    return table


def visits_by_form(visits: pd.DataFrame) -> pd.DataFrame:
    """Company visits per form (Fysiskt, Digitalt) and in total."""
    counts = visits["form"].value_counts()
    table = pd.DataFrame({"antal": [int(counts.get(f, 0)) for f in BESOKSFORMER]},
                         index=pd.Index(BESOKSFORMER, name="form"))
    table.loc[TOTAL] = table["antal"].sum()
    return table.astype("int64")


def visits_by_municipality(visits: pd.DataFrame, program) -> pd.DataFrame:
    """Company visits per municipality and form."""
    table = pd.crosstab(visits["kommun"], visits["form"]).reindex(
        index=program.kommun_names, columns=list(BESOKSFORMER), fill_value=0)
    table[TOTAL] = table.sum(axis=1)
    table.loc[COUNTY] = table.sum()
    table.index.name = "kommun"
    table.columns.name = None
    return table.astype("int64")


def activities_by_status(activities: pd.DataFrame) -> pd.DataFrame:
    """Activities per status, with a total row."""
    counts = activities["status"].value_counts()
    table = pd.DataFrame({"antal": [int(counts.get(s, 0)) for s in INSATS_STATUS]},
                         index=pd.Index(INSATS_STATUS, name="status"))
    table.loc[TOTAL] = table["antal"].sum()
    return table.astype("int64")


def activities_by_area(activities: pd.DataFrame, program) -> pd.DataFrame:
    """Activities per priority area (rows) and status (columns)."""
    table = pd.crosstab(activities["prioriterat_omrade"], activities["status"]).reindex(
        index=list(program.prioriterade_omraden), columns=list(INSATS_STATUS), fill_value=0)
    table[TOTAL] = table.sum(axis=1)
    table.index.name = "prioriterat_omrade"
    table.columns.name = None
    return table.astype("int64")


def goal_attainment(activities: pd.DataFrame) -> pd.DataFrame:
    """Activities with a numeric goal: target, outcome, share and whether it is met."""
    has = activities["malvarde"].notna() & activities["utfall"].notna()
    table = activities.loc[has, ["id", "prioriterat_omrade", "insats", "malvarde", "utfall", "status"]].copy()
    table["maluppfyllelse"] = [
        (u / m) if m else float("nan") for m, u in zip(table["malvarde"], table["utfall"])
    ]
    table["uppnatt"] = table["utfall"] >= table["malvarde"]
    return table.reset_index(drop=True)


def sot_inaugurated(points: pd.DataFrame, year: int) -> pd.DataFrame:
    """SOT-punkter inaugurated during ``year`` (``sot_invigd``, else ``oppnad``)."""
    when = points["sot_invigd"].fillna(points["oppnad"])
    mask = points["sot_punkt"] & when.notna() & (when.dt.year == year)
    table = points.loc[mask, ["id", "namn", "ort", "kommun"]].copy()
    table["invigd"] = when[mask]
    return table.sort_values(["invigd", "namn"]).reset_index(drop=True)


def service_points_by_type(points: pd.DataFrame, program, year: int) -> pd.DataFrame:
    """Open points at year end per municipality (rows) and service type (columns)."""
    open_points = points[open_at_year_end(points, year)]
    table = pd.DataFrame(
        {key: open_points[offers(open_points, key)].groupby("kommun").size()
         for key in SERVICE_TYPES},
    ).reindex(index=program.kommun_names).fillna(0).astype("int64")
    table["sot_punkter"] = open_points[open_points["sot_punkt"]].groupby("kommun").size().reindex(
        program.kommun_names, fill_value=0).astype("int64")
    table["alla"] = open_points.groupby("kommun").size().reindex(program.kommun_names, fill_value=0).astype("int64")
    table.loc[COUNTY] = table.sum()
    table.index.name = "kommun"
    return table


def points_opened_closed(points: pd.DataFrame, year: int) -> pd.DataFrame:
    """Points that opened or closed during ``year``, one row per event."""
    rows = []
    for column, event in (("oppnad", "Öppnad"), ("stangd", "Stängd")):
        hit = points[column].notna() & (points[column].dt.year == year)
        for _, p in points[hit].iterrows():
            rows.append({"id": p["id"], "namn": p["namn"], "ort": p["ort"], "kommun": p["kommun"],
                         "handelse": event, "datum": p[column]})
    table = pd.DataFrame(rows, columns=["id", "namn", "ort", "kommun", "handelse", "datum"])
    return table.sort_values(["datum", "namn"]).reset_index(drop=True)


def plans_by_status(plans: pd.DataFrame) -> pd.DataFrame:
    """Number of municipalities per status of service plan and action plan."""
    table = pd.DataFrame(
        {col: [int((plans[col] == s).sum()) for s in PLAN_STATUS] for col in ("serviceplan", "handlingsplan")},
        index=pd.Index(PLAN_STATUS, name="status"),
    )
    return table.astype("int64")


def plans_decided(plans: pd.DataFrame, year: int) -> pd.DataFrame:
    """Plans adopted during ``year``: municipality, which plan, decision date."""
    rows = []
    for status, decided, label in (("serviceplan", "serviceplan_beslut", "Serviceplan"),
                                   ("handlingsplan", "handlingsplan_beslut", "Handlingsplan")):
        hit = (plans[status] == "Antagen") & plans[decided].notna() & (plans[decided].dt.year == year)
        for _, p in plans[hit].iterrows():
            rows.append({"kommun": p["kommun"], "plan": label, "beslut": p[decided]})
    return pd.DataFrame(rows, columns=["kommun", "plan", "beslut"]).sort_values(["beslut", "kommun"]).reset_index(drop=True)


@dataclass
class YearIndicators:
    """All indicator tables of one year (see the module functions)."""

    year: int
    stod_per_form: pd.DataFrame
    stod_per_kommun: pd.DataFrame
    stod_matris: pd.DataFrame
    besok_per_form: pd.DataFrame
    besok_per_kommun: pd.DataFrame
    insatser_per_status: pd.DataFrame
    insatser_per_omrade: pd.DataFrame
    maluppfyllelse: pd.DataFrame
    sot_invigda: pd.DataFrame
    serviceplatser: pd.DataFrame
    oppnade_stangda: pd.DataFrame
    planer_per_status: pd.DataFrame
    planer_beslutade: pd.DataFrame
    finansiering: pd.DataFrame = field(default_factory=pd.DataFrame)
    varningar: int = 0
    extra: list[pd.DataFrame] = field(default_factory=list)

    def long(self) -> pd.DataFrame:
        """The machine-readable indicator table: ``indikator, dimension, varde``."""
        rows: list[tuple[str, str, float]] = []

        def add(indicator, series):
            for dimension, value in series.items():
                rows.append((indicator, str(dimension), value))

        add(ids.SUPPORT_COUNT, self.stod_per_form["antal"])
        add(ids.SUPPORT_KR, self.stod_per_form["belopp_kr"])
        add(ids.SUPPORT_COUNT_BY_MUNICIPALITY, self.stod_per_kommun["antal"])
        add(ids.SUPPORT_KR_BY_MUNICIPALITY, self.stod_per_kommun["belopp_kr"])
        add(ids.SUPPORT_KR_PER_INHABITANT, self.stod_per_kommun["kr_per_invanare"])
        for form in STODFORMER:
            add(ids.SUPPORT_KR_BY_TYPE_AND_MUNICIPALITY,
                self.stod_matris[form].rename(lambda k, f=form: f"{f}{SEP}{k}"))
        add(ids.VISITS, self.besok_per_form["antal"])
        add(ids.VISITS_BY_MUNICIPALITY, self.besok_per_kommun[TOTAL])
        add(ids.ACTIVITIES, self.insatser_per_status["antal"])
        for area, counts in self.insatser_per_omrade.iterrows():
            add(ids.ACTIVITIES_BY_AREA, counts.rename(lambda s, a=area: f"{a}{SEP}{s}"))
        add(ids.ACTIVITIES_WITH_TARGET, pd.Series({TOTAL: len(self.maluppfyllelse)}))
        add(ids.ACTIVITIES_TARGET_MET, pd.Series({TOTAL: int(self.maluppfyllelse["uppnatt"].sum())}))
        add(ids.SOT_INAUGURATED, pd.Series({TOTAL: len(self.sot_invigda)}))
        add(ids.SOT_TOTAL, pd.Series({TOTAL: int(self.serviceplatser.loc[COUNTY, "sot_punkter"])}))
        add(ids.POINTS, self.serviceplatser.loc[COUNTY])
        for key in self.serviceplatser.columns:
            add(ids.POINTS_BY_MUNICIPALITY,
                self.serviceplatser[key].drop(COUNTY).rename(lambda k, t=key: f"{t}{SEP}{k}"))
        events = self.oppnade_stangda["handelse"]
        add(ids.POINTS_OPENED, pd.Series({TOTAL: int((events == "Öppnad").sum())}))
        add(ids.POINTS_CLOSED, pd.Series({TOTAL: int((events == "Stängd").sum())}))
        add(ids.SERVICE_PLANS, self.planer_per_status["serviceplan"])
        add(ids.ACTION_PLANS, self.planer_per_status["handlingsplan"])
        add(ids.SERVICE_PLANS_ADOPTED, pd.Series({TOTAL: int(self.planer_per_status.loc["Antagen", "serviceplan"])}))
        add(ids.ACTION_PLANS_ADOPTED, pd.Series({TOTAL: int(self.planer_per_status.loc["Antagen", "handlingsplan"])}))
        add(ids.SUPPORT_WARNINGS, pd.Series({TOTAL: self.varningar}))
        for column in FUNDING_COLUMNS if len(self.finansiering) else ():
            add(ids.FUNDING[column], self.finansiering[column])
        table = pd.DataFrame(rows, columns=["indikator", "dimension", "varde"])
        for extra in self.extra:
            table = pd.concat([table, extra[["indikator", "dimension", "varde"]]], ignore_index=True)
        return table


def compute(data: YearData) -> YearIndicators:
    """Compute every indicator table of a loaded year.

    Parameters
    ----------
    data : YearData

    Returns
    -------
    YearIndicators
    """
    program, year, t = data.program, data.year, data.tables
    return YearIndicators(
        year=year,
        stod_per_form=support_by_type(t["stod"]),
        stod_per_kommun=support_by_municipality(t["stod"], program, year),
        stod_matris=support_matrix(t["stod"], program),
        besok_per_form=visits_by_form(t["foretagsbesok"]),
        besok_per_kommun=visits_by_municipality(t["foretagsbesok"], program),
        insatser_per_status=activities_by_status(t["insatser"]),
        insatser_per_omrade=activities_by_area(t["insatser"], program),
        maluppfyllelse=goal_attainment(t["insatser"]),
        sot_invigda=sot_inaugurated(t["serviceplatser"], year),
        serviceplatser=service_points_by_type(t["serviceplatser"], program, year),
        oppnade_stangda=points_opened_closed(t["serviceplatser"], year),
        planer_per_status=plans_by_status(t["serviceplaner"]),
        planer_beslutade=plans_decided(t["serviceplaner"], year),
        finansiering=funding_table(program, year),
        varningar=sum(1 for w in data.warnings if is_cap_warning(w)),
    )


# A text cell starting with one of these is read as a formula by Excel and
# LibreOffice when the CSV is opened ("CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_text(value) -> str:
    """Text for a CSV cell that a spreadsheet will not evaluate.

    Text starting like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage
    return) gets a leading apostrophe, as OWASP recommends; the XLSX export
    marks such cells as quoted text instead (:func:`serviceprogram.xlsx.write_value`).
    Other text is unchanged.
    """
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(long: pd.DataFrame, path) -> None:
    """Write the long indicator table as UTF-8 CSV (``.`` decimals, no index).

    The text columns (indicator id, dimension: names from ``program.toml`` and
    the data) go through :func:`csv_safe_text`; the values are plain numbers.
    """
    out = long.copy()
    out["varde"] = [_plain(v) for v in out["varde"]]
    for column in out.columns.drop("varde"):
        out[column] = [csv_safe_text(v) for v in out[column]]
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _plain(value) -> str:
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")
