"""The memo's words: the year summarised in Swedish from the indicators.

Every figure is looked up in the year's long indicator table (``report.long``,
the rows of ``indikatorer-<year>.csv``) through one helper that records what
it formats (:class:`_Figures`): :func:`memo_figures` returns those records, so
a test can compare each stated figure with the CSV, and the text cannot state
a figure that is not an indicator. Longer passages are templates in
``templates/memo/``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ... import ids
from ... import text as fmt
from ...analysis.bands import fmt_km
from ...errors import UsageError
from ...ids import DEFAULT_LIMIT_KM, SEP, TOTAL
from ...inputs.schemas import INSATS_STATUS, STODFORMER

__all__ = ["TOTAL", "NBSP", "FILE_PATTERN", "BOARD", "EXAMPLE_NOTE", "LANGUAGE", "KOMMUN_OVERRIDES", "QUOTE",
           "join_sv", "count_phrase", "kommun_name", "quoted", "starts_with_digit", "Draft", "compose",
           "summary_paragraphs", "summary_items", "memo_figures", "memo_env"]

NBSP = fmt.NBSP
FILE_PATTERN = "tjansteskrivelse-{year}.docx"
BOARD = "Regionala utvecklingsnämnden"
EXAMPLE_NOTE = "Exempeldata – utkastet bygger på delvis påhittade uppgifter"
LANGUAGE = "sv-SE"

# Municipalities whose "X kommun" form is not the regular genitive.
KOMMUN_OVERRIDES = {"Falun": "Falu kommun", "Gotland": "Region Gotland"}

# Swedish typographic quotation marks (the same mark opens and closes).
QUOTE = "\u201d"

_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)(\d)")


# --- Small phrase helpers ---------------------------------------------------------------------


def join_sv(items, last: str = "och") -> str:
    """Join items as Swedish prose: ``a``, ``a och b``, ``a, b och c``.

    Parameters
    ----------
    items : iterable of str
    last : str, default "och"
        The word before the last item (``"och"``, ``"samt"``, ``"eller"``).

    Returns
    -------
    str
    """
    return fmt.join(items, last)


def count_phrase(count: int, singular: str, plural: str) -> str:
    """A formatted count with the right noun form: ``1 SOT-punkt``, ``3 SOT-punkter``.

    Parameters
    ----------
    count : int
    singular, plural : str
        The forms used after 1 and after any other count.

    Returns
    -------
    str
        The count formatted with :func:`serviceprogram.text.num` (no-break
        space as thousands separator), a no-break space and the noun.
    """
    count = int(count)
    return f"{fmt.num(count)}{NBSP}{singular if count == 1 else plural}"


def kommun_name(namn: str) -> str:
    """The municipality as an organisation: ``Krokom`` -> ``Krokoms kommun``.

    Names ending in a vowel, s, x or z take no genitive s (``Åre kommun``,
    ``Bollnäs kommun``); a few irregular names are in :data:`KOMMUN_OVERRIDES`.

    Parameters
    ----------
    namn : str
        The municipality's name as in ``program.toml``.

    Returns
    -------
    str
    """
    if namn in KOMMUN_OVERRIDES:
        return KOMMUN_OVERRIDES[namn]
    if namn[-1:].lower() in "aeiouyåäösxz":
        return f"{namn} kommun"
    return f"{namn}s kommun"


def quoted(title: str) -> str:
    """An activity title in Swedish quotation marks: ``”Titel”``."""
    return f"{QUOTE}{str(title).strip()}{QUOTE}"


def starts_with_digit(text: str) -> bool:
    """True when a sentence of ``text`` starts with a digit (to be rephrased)."""
    return bool(_SENTENCE_START.search(text))


# --- Figures --------------------------------------------------------------------------------


class _Figures:
    """Look-ups in the long indicator table that remember every figure stated."""

    def __init__(self, long):
        self._values = {(str(i), str(d)): float(v)
                        for i, d, v in long[["indikator", "dimension", "varde"]].itertuples(index=False)}
        self.used: list[tuple[str, str, str]] = []

    def ids(self) -> list[str]:
        return list(dict.fromkeys(i for i, _ in self._values))

    def has(self, indicator: str, dimension: str = TOTAL) -> bool:
        return (indicator, dimension) in self._values

    def value(self, indicator: str, dimension: str = TOTAL) -> float:
        """The raw value, for choosing words; not recorded as stated."""
        try:
            return self._values[(indicator, dimension)]
        except KeyError:
            raise UsageError(f"Indikatorn {indicator} ({dimension}) saknas i årets indikatortabell.") from None

    def _record(self, indicator: str, dimension: str, text: str) -> str:
        item = (indicator, dimension, text)
        if item not in self.used:
            self.used.append(item)
        return text

    def count(self, indicator: str, dimension: str = TOTAL, neuter: bool = False) -> str:
        """``tre``, ``ett``, ``20``: a count for running text (up to twelve in words)."""
        return self._record(indicator, dimension,
                            fmt.number_in_words(int(round(self.value(indicator, dimension))), neuter))

    def digits(self, indicator: str, dimension: str = TOTAL) -> str:
        """``7``: a count in digits, for a table cell."""
        return self._record(indicator, dimension, fmt.num(int(round(self.value(indicator, dimension)))))

    def noun(self, indicator: str, dimension: str, singular: str, plural: str, neuter: bool = False) -> str:
        """``en SOT-punkt`` / ``tre SOT-punkter`` / ``49 beslut``; the number is recorded."""
        n = int(round(self.value(indicator, dimension)))
        self.count(indicator, dimension, neuter)
        return fmt.count_text(n, singular, plural, neuter)

    def kronor(self, indicator: str, dimension: str = TOTAL) -> str:
        """``1 407 970 kronor`` (no-break spaces)."""
        return self._record(indicator, dimension, f"{fmt.num(self.value(indicator, dimension))}{NBSP}kronor")

    def amount(self, indicator: str, dimension: str = TOTAL) -> str:
        """``1 407 970``; an amount without unit, for a column headed "kronor"."""
        return self._record(indicator, dimension, fmt.num(self.value(indicator, dimension)))

    def decimal(self, indicator: str, dimension: str = TOTAL, decimals: int = 1) -> str:
        """``5,3``: a measured value with decimals, e.g. a mean travel time in minutes."""
        return self._record(indicator, dimension, fmt.num(self.value(indicator, dimension), decimals))

    def percent(self, indicator: str, dimension: str = TOTAL) -> str:
        """A share 0..1 as ``8,6 procent``."""
        share = self.value(indicator, dimension)
        return self._record(indicator, dimension, f"{fmt.num(share * 100, 1)}{NBSP}procent")


@dataclass
class Draft:
    """The composed text of the memo and the figures it states."""

    paragraphs: list[str]
    support_index: int
    table: list[tuple[str, str, str]]
    figures: list[tuple[str, str, str]] = field(default_factory=list)
    funding: list[tuple[str, str, str, str]] = field(default_factory=list)
    conclusions: object = None  # texts.Rendered of slutsatser.md, or None


# --- The year in words ----------------------------------------------------------------------

_STATUS_ADJ = fmt.STATUS_WORDS


def _overview(year: int, areas, f: _Figures) -> str:
    total = int(f.value(ids.ACTIVITIES))
    if total == 0:
        return f"Handlingsplanen för {year} innehöll inga insatser."
    parts = [f"Handlingsplanen för {year} omfattade "
             f"{f.noun(ids.ACTIVITIES, TOTAL, 'insats', 'insatser')} inom de prioriterade områdena "
             f"{join_sv(areas)}."]
    done = int(f.value(ids.ACTIVITIES, "Genomförd"))
    if done == total:
        parts.append("Den var genomförd vid årets slut." if total == 1
                     else "Samtliga var genomförda vid årets slut.")
    else:
        states = []
        for status in INSATS_STATUS:
            n = int(f.value(ids.ACTIVITIES, status))
            if n:
                f.count(ids.ACTIVITIES, status)
                states.append(f"{fmt.number_in_words(n)} {_STATUS_ADJ[status][0 if n == 1 else 1]}")
        parts.append(f"Av insatserna var {join_sv(states)} vid årets slut.")
    with_goal = int(f.value(ids.ACTIVITIES_WITH_TARGET))
    met = int(f.value(ids.ACTIVITIES_TARGET_MET))
    if with_goal == 0:
        parts.append("Ingen insats hade både ett mätbart målvärde och ett redovisat utfall.")
    elif with_goal == 1:
        parts.append("Den enda insats som hade ett mätbart målvärde och ett redovisat utfall "
                     + ("nådde sitt mål." if met else "nådde inte sitt mål."))
    else:
        n_goal = f.count(ids.ACTIVITIES_WITH_TARGET)
        which = f"av de {n_goal} insatser som hade ett mätbart målvärde och ett redovisat utfall"
        if met == with_goal:
            parts.append(f"Samtliga {n_goal} insatser som hade ett mätbart målvärde och ett redovisat utfall "
                         "nådde målet.")
        elif met == 0:
            parts.append(f"Ingen {which} nådde målet.")
        else:
            parts.append(f"Målet nåddes i {f.count(ids.ACTIVITIES_TARGET_MET)} {which}.")
    return " ".join(parts)


def _area_paragraph(index: int, area: str, activities, goals, f: _Figures) -> str:
    dim = f"{area}{SEP}{TOTAL}"
    total = int(f.value(ids.ACTIVITIES_BY_AREA, dim))
    if total == 0:
        return f"Inom det prioriterade området {area} fanns inga insatser i årets handlingsplan."
    n_text = f.noun(ids.ACTIVITIES_BY_AREA, dim, "insats", "insatser")
    opening = (
        f"Inom det prioriterade området {area} fanns {n_text}.",
        f"För området {area} innehöll handlingsplanen {n_text}.",
        f"I området {area} ingick {n_text}.",
    )[index % 3]
    parts = [opening]
    mine = activities[activities["prioriterat_omrade"] == area]
    titles = {s: [quoted(t) for t in mine.loc[mine["status"] == s, "insats"]] for s in INSATS_STATUS}
    if total == 1:
        status = next(s for s in INSATS_STATUS if titles[s])
        verb = {"Genomförd": "genomfördes under året", "Pågår": "pågick fortfarande vid årets slut",
                "Ej påbörjad": "hade inte påbörjats vid årets slut", "Inställd": "ställdes in"}[status]
        parts.append(f"Den gällde {titles[status][0]} och {verb}.")
    else:
        done = titles["Genomförd"]
        n_done = int(f.value(ids.ACTIVITIES_BY_AREA, f"{area}{SEP}Genomförd"))
        if n_done == total:
            lead = "Båda" if total == 2 else "Samtliga"
            parts.append(f"{lead} genomfördes under året: {join_sv(done)}.")
        elif n_done:
            parts.append(f"Av dessa genomfördes {f.count(ids.ACTIVITIES_BY_AREA, f'{area}{SEP}Genomförd')} "
                         f"under året: {join_sv(done)}.")
        else:
            parts.append("Ingen av dem hade slutförts vid årets slut.")
        if titles["Pågår"]:
            parts.append(f"Arbetet med {join_sv(titles['Pågår'])} pågick fortfarande vid årets slut.")
        for status, verb in (("Ej påbörjad", "hade ännu inte påbörjats"), ("Inställd", "ställdes in")):
            if titles[status]:
                noun = "Insatsen" if len(titles[status]) == 1 else "Insatserna"
                parts.append(f"{noun} {join_sv(titles[status])} {verb}.")
    mine_goals = goals[goals["prioriterat_omrade"] == area]
    met = [quoted(t) for t in mine_goals.loc[mine_goals["uppnatt"], "insats"]]
    missed = [quoted(t) for t in mine_goals.loc[~mine_goals["uppnatt"].astype(bool), "insats"]]
    if met:
        met_text = (f"Målet för {met[0]} var mätbart och nåddes" if len(met) == 1
                    else f"Målen för {join_sv(met)} var mätbara och nåddes")
        if missed:
            target = "målvärdet" if len(missed) == 1 else "målvärdena"
            parts.append(f"{met_text}, medan {target} för {join_sv(missed)} inte nåddes.")
        else:
            parts.append(f"{met_text}.")
    elif missed:
        target = "Målvärdet" if len(missed) == 1 else "Målvärdena"
        parts.append(f"{target} för {join_sv(missed)} nåddes inte under året.")
    return " ".join(parts)


def _support_paragraph(year: int, f: _Figures) -> str:
    total = int(f.value(ids.SUPPORT_COUNT))
    if total == 0:
        parts = [f"Under {year} fattades inga beslut om stöd till kommersiell service."]
    else:
        parts = [f"Under {year} fattades {f.noun(ids.SUPPORT_COUNT, TOTAL, 'beslut', 'beslut', neuter=True)} om stöd "
                 f"till kommersiell service på sammanlagt {f.kronor(ids.SUPPORT_KR)}."]
        given = [s for s in STODFORMER if f.value(ids.SUPPORT_COUNT, s) > 0]
        missing = [s for s in STODFORMER if f.value(ids.SUPPORT_COUNT, s) == 0]
        largest = max(given, key=lambda s: (f.value(ids.SUPPORT_KR, s), -STODFORMER.index(s)))

        def decisions(form: str) -> str:
            return (f"{f.noun(ids.SUPPORT_COUNT, form, 'beslut', 'beslut', neuter=True)} och "
                    f"{f.kronor(ids.SUPPORT_KR, form)}")

        if len(given) == 1:
            parts.append(f"Samtliga beslut gällde {largest.lower()}.")
        else:
            parts.append(f"Störst belopp avsåg {largest.lower()}, med {decisions(largest)}.")
            rest = [f"{s.lower()} med {decisions(s)}" for s in given if s != largest]
            parts.append(f"Övriga beslut fördelade sig på {join_sv(rest, 'samt')}.")
        if missing:
            parts.append(f"Inga beslut fattades om {join_sv([s.lower() for s in missing], 'eller')}.")
    visits = int(f.value(ids.VISITS))
    physical = int(f.value(ids.VISITS, "Fysiskt"))
    digital = int(f.value(ids.VISITS, "Digitalt"))
    if visits == 0:
        parts.append("Inga företagsbesök hos servicegivare gjordes under året.")
    elif physical and digital:
        parts.append("I arbetet med servicegivarna gjordes "
                     f"{f.noun(ids.VISITS, TOTAL, 'företagsbesök', 'företagsbesök', True)}, varav "
                     f"{f.noun(ids.VISITS, 'Fysiskt', 'fysiskt', 'fysiska', True)} och "
                     f"{f.noun(ids.VISITS, 'Digitalt', 'digitalt', 'digitala', True)}.")
    elif physical:
        # Digital meetings may happen without being registered as visits: say nothing about them.
        parts.append("I arbetet med servicegivarna gjordes "
                     f"{f.noun(ids.VISITS, 'Fysiskt', 'fysiskt företagsbesök', 'fysiska företagsbesök', True)}.")
    else:
        parts.append("I arbetet med servicegivarna gjordes "
                     f"{f.noun(ids.VISITS, 'Digitalt', 'digitalt företagsbesök', 'digitala företagsbesök', True)}"
                     " men inga fysiska.")
    return " ".join(parts)


def _places_text(sot) -> str:
    """``Valsjöbyn och Rötviken i Krokoms kommun samt Hallen i Åre kommun``."""
    groups: dict[str, list[str]] = {}
    for place in sot.itertuples():
        name = str(place.ort or place.namn)
        names = groups.setdefault(str(place.kommun), [])
        if name not in names:
            names.append(name)
    pieces = [f"{join_sv(names)} i {kommun_name(kommun)}" for kommun, names in groups.items()]
    inner_and = any(len(names) > 1 for names in groups.values())
    return join_sv(pieces, "samt" if inner_and else "och")


def _places_and_plans_paragraph(year: int, sot, decided, f: _Figures) -> str:
    parts = []
    invigda = int(f.value(ids.SOT_INAUGURATED))
    if invigda == 0:
        parts.append("Inga nya SOT-punkter (service- och trygghetspunkter) invigdes under året.")
    else:
        what = f.noun(ids.SOT_INAUGURATED, TOTAL, "SOT-punkt (service- och trygghetspunkt)",
                      "SOT-punkter (service- och trygghetspunkter)")
        parts.append(f"Under {year} invigdes {what}: {_places_text(sot)}.")
    total = int(f.value(ids.SOT_TOTAL))
    if total:
        parts.append(f"Totalt var {f.noun(ids.SOT_TOTAL, TOTAL, 'SOT-punkt', 'SOT-punkter')} i drift i "
                     "länet vid årets utgång.")
    if len(decided):
        by_kommun: dict[str, list[str]] = {}
        for row in decided.itertuples():
            by_kommun.setdefault(str(row.kommun), []).append(f"en {str(row.plan).lower()}")
        items = [f"{kommun_name(k)} {join_sv(plans)}" for k, plans in by_kommun.items()]
        # Gapping: "antog Bergs kommun en serviceplan och Krokoms kommun en handlingsplan".
        parts.append(f"När det gäller de kommunala planerna antog {join_sv(items)} under året.")
    else:
        parts.append("Inga kommunala serviceplaner eller handlingsplaner antogs under året.")
    service = int(f.value(ids.SERVICE_PLANS_ADOPTED))
    action = int(f.value(ids.ACTION_PLANS_ADOPTED))
    if service and action:
        parts.append(f"Vid årets slut hade {f.noun(ids.SERVICE_PLANS_ADOPTED, TOTAL, 'kommun', 'kommuner')}"
                     f" en antagen serviceplan och {f.count(ids.ACTION_PLANS_ADOPTED)} hade en antagen "
                     "handlingsplan.")
    elif service:
        parts.append(f"Vid årets slut hade {f.noun(ids.SERVICE_PLANS_ADOPTED, TOTAL, 'kommun', 'kommuner')}"
                     " en antagen serviceplan, men ingen kommun hade en antagen handlingsplan.")
    elif action:
        parts.append("Ingen kommun hade en antagen serviceplan vid årets slut, men "
                     f"{f.noun(ids.ACTION_PLANS_ADOPTED, TOTAL, 'kommun', 'kommuner')} hade en antagen "
                     "handlingsplan.")
    else:
        parts.append("Ingen kommun hade en antagen serviceplan eller handlingsplan vid årets slut.")
    return " ".join(parts)


def _access_paragraph(lan: str, kommuner, f: _Figures, limit_km: float = DEFAULT_LIMIT_KM) -> str | None:
    people_id, share_id = ids.over_limit_id(ids.PEOPLE, limit_km), ids.over_limit_id(ids.SHARE, limit_km)
    if not f.has(people_id, "fullsortiment"):
        return None
    km = fmt_km(limit_km)
    people = int(f.value(people_id, "fullsortiment"))
    distance = f"mer än {km}{NBSP}km fågelvägen från närmaste dagligvarubutik med fullsortiment"
    if people == 0:
        parts = [f"Enligt tillgänglighetsanalysen bodde ingen i {lan} {distance} vid årets slut."]
    else:
        parts = [f"Enligt tillgänglighetsanalysen bodde "
                 f"{f.noun(people_id, 'fullsortiment', 'person', 'personer')}, "
                 f"{f.percent(share_id, 'fullsortiment')} av befolkningen i {lan}, {distance} vid årets slut."]
        shares = [(f.value(share_id, f"fullsortiment{SEP}{k}"), -i, k) for i, k in enumerate(kommuner)
                  if f.has(share_id, f"fullsortiment{SEP}{k}")]
        if len(shares) > 1 and max(shares)[0] > 0:
            _, _, top = max(shares)
            dim = f"fullsortiment{SEP}{top}"
            parts.append(f"Andelen var högst i {kommun_name(top)}, där {f.percent(share_id, dim)} av invånarna "
                         f"({f.noun(people_id, dim, 'person', 'personer')}) hade så långt till en sådan butik.")
    road = _road_sentences(limit_km, f)
    if road:
        parts.append(road)
    else:
        parts.append("Eftersom avståndet mäts fågelvägen är vägen minst lika lång. Butiker i grannlänen och i "
                     "Norge finns inte i underlaget, så nära länsgränsen kan avstånden vara överskattade.")
    return " ".join(parts)


def _road_sentences(limit_km: float, f: _Figures) -> str | None:
    """The road figures beside fågelvägen (``templates/memo/vagnat.txt.j2``), or None without a network."""
    road_id = ids.over_limit_id(ids.PEOPLE, limit_km, prefix=ids.ROAD_PREFIX)
    straight_id = ids.over_limit_id(ids.PEOPLE, limit_km)
    full = "fullsortiment"
    if not (f.has(road_id, full) and f.has(ids.ROAD_MEAN_MINUTES, full)):
        return None

    def people(indicator, dim):
        if int(round(f.value(indicator, dim))) == 0:
            f.count(indicator, dim)
            return "ingen"
        return f.noun(indicator, dim, "person", "personer")

    daily = "dagligvaror"
    unreachable = int(round(f.value(ids.ROAD_UNREACHABLE, full))) if f.has(ids.ROAD_UNREACHABLE, full) \
        else 0
    text = memo_env().get_template("vagnat.txt.j2").render(
        km=fmt_km(limit_km), over_road=people(road_id, full), over_straight=people(straight_id, full),
        minutes=f.decimal(ids.ROAD_MEAN_MINUTES, full),
        over_road_daily=people(road_id, daily) if f.has(road_id, daily) and f.value(road_id, daily) > 0 else None,
        unreachable=f.noun(ids.ROAD_UNREACHABLE, full, "person", "personer") if unreachable else None)
    return re.sub(r"[ \t\r\n]+", " ", text).strip()  # keeps the no-break spaces


def compose(report) -> Draft:
    """Compose the summary and the support table from the report's indicators."""
    if report is None or not getattr(report, "valid", False):
        year = getattr(report, "year", "")
        raise UsageError(f"Underlaget för {year} har fel, så tjänsteskrivelsen kan inte skrivas.")
    program, year = report.program, report.year
    f = _Figures(report.long)
    activities = report.data.tables["insatser"]
    goals = report.indicators.maluppfyllelse
    from ...inputs import analyst_text as texts

    # The analyst's own words (<year>/text/*.md) stand instead of the generated paragraphs they cover.
    paragraphs: list = [texts.rendered(report, texts.SUMMARY) or _overview(year, program.prioriterade_omraden, f)]
    if f.value(ids.ACTIVITIES) > 0:  # with no activities at all the overview says so once
        for i, area in enumerate(program.prioriterade_omraden):
            paragraphs.append(texts.rendered(report, area) or _area_paragraph(i, area, activities, goals, f))
    elif any(texts.rendered(report, area) for area in program.prioriterade_omraden):
        paragraphs += [t for area in program.prioriterade_omraden if (t := texts.rendered(report, area))]
    paragraphs.append(_support_paragraph(year, f))
    support_index = len(paragraphs) - 1
    paragraphs.append(_places_and_plans_paragraph(year, report.indicators.sot_invigda,
                                                  report.indicators.planer_beslutade, f))
    if report.access is not None:
        from ..report import LIMIT_KM

        access = _access_paragraph(program.lan, program.kommun_names, f, LIMIT_KM)
        if access:
            paragraphs.append(access)
    table = []
    for form in report.indicators.stod_per_form.index:
        dim = str(form)
        table.append((dim, f.digits(ids.SUPPORT_COUNT, dim), f.amount(ids.SUPPORT_KR, dim)))
    funding = [(str(source), *(f.amount(ident, str(source)) for ident in ids.FUNDING.values()))
               for source in report.indicators.finansiering.index]
    return Draft(paragraphs, support_index, table, list(f.used), funding,
                  texts.rendered(report, texts.CONCLUSIONS))


def summary_paragraphs(report) -> list[str]:
    """The follow-up year summarised in plain Swedish, one paragraph per topic.

    The paragraphs are: an overview of the action plan; one paragraph per
    priority area (activities by status, goals met where a target and an
    outcome exist); support decided and company visits; SOT-punkter and
    municipal plans; and, when the report has an access analysis, the people
    living more than 10 km (straight line) from a full-range grocery shop.

    Parameters
    ----------
    report : serviceprogram.publishing.report.Report
        A valid report (``report.valid``).

    Returns
    -------
    list of str
        Plain text without HTML; numbers use no-break spaces as thousands
        separators and before units.

    Raises
    ------
    UsageError
        If the report's data is invalid.
    """
    return [p for item in compose(report).paragraphs
            for p in (item.paragraphs if hasattr(item, "paragraphs") else [item])]


def summary_items(report) -> list:
    """The summary as the report and memo show it: generated paragraphs (str) and the analyst's
    texts (:class:`serviceprogram.inputs.analyst_text.Rendered`) where ``<year>/text/`` has them."""
    return list(compose(report).paragraphs)


def memo_figures(report) -> list[tuple[str, str, str]]:
    """Every figure the memo states, in the order it first appears.

    Parameters
    ----------
    report : serviceprogram.publishing.report.Report
        A valid report.

    Returns
    -------
    list of tuple of str
        ``(indikator, dimension, text)``: the indicator row of
        ``indikatorer-<year>.csv`` and the figure as written in the memo, e.g.
        ``("stod_belopp_kr", "Hemsändningsbidrag", "1 407 970 kronor")``.
        Shares are written as ``"8,6 procent"`` (value × 100), amounts in the
        support table without the unit, which is in the column header.

    Raises
    ------
    UsageError
        If the report's data is invalid.
    """
    return compose(report).figures

def memo_env():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("serviceprogram", "templates/memo"), autoescape=False,
                       undefined=StrictUndefined, keep_trailing_newline=False, trim_blocks=True,
                       lstrip_blocks=True)
