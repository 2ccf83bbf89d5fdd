"""The memo's words: the year summarised in Swedish from the indicators.

Every figure is looked up in the year's long indicator table (``report.long``,
the rows of ``indikatorer-<year>.csv``) through one helper that records what
it formats (:class:`_Figures`): :func:`memo_figures` returns those records, so
a test can compare each stated figure with the CSV, and the text cannot state
a figure that is not an indicator. The sentences themselves are templates in
``templates/memo/`` (one per paragraph); this module decides what they receive.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ... import ids
from ... import text as fmt
from ...analysis.bands import fmt_km
from ...errors import UsageError, WordingError
from ...ids import DEFAULT_LIMIT_KM, SEP, TOTAL
from ...inputs.schemas import INSATS_STATUS, STODFORMER

__all__ = ["TOTAL", "NBSP", "FILE_PATTERN", "BOARD", "EXAMPLE_NOTE", "LANGUAGE", "KOMMUN_OVERRIDES", "QUOTE",
           "join_sv", "count_phrase", "kommun_name", "quoted", "starts_with_digit", "Draft", "compose",
           "summary_paragraphs", "summary_items", "memo_figures", "memo_env", "sentence_environment"]

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
# The sentences are templates in templates/memo/ (oversikt, omrade, stod, platser, tillganglighet,
# vagnat): a writer changes the wording there. This module chooses what the templates receive.

# ASCII white space inside inserted values is kept as it is: it travels through the collapsing of the
# template's own line breaks as lone surrogates, which text decoded from UTF-8 or read from XML
# never holds.
_PROTECT = {ord(c): 0xDC00 + ord(c) for c in " \t\r\n"}
_RESTORE = {code: char for char, code in _PROTECT.items()}
_TEMPLATE_SPACE = re.compile(r"[ \t\r\n]+")


def _sentences(template: str, **context) -> str:
    """One paragraph from ``templates/memo/<template>``: runs of the template's spaces and line
    breaks become one space (the no-break spaces of the figures stay)."""
    text = sentence_environment().get_template(template).render(**context)
    paragraph = _TEMPLATE_SPACE.sub(" ", text).strip().translate(_RESTORE)
    if not paragraph:  # a writer emptied the template, or every branch of it
        raise WordingError(f"Textmallen templates/memo/{template} gav ingen text: den ska ge minst en mening. "
                           "Hämta den levererade versionen från git om du är osäker.")
    return paragraph


def _overview(year: int, areas, f: _Figures) -> str:
    return _sentences("oversikt.txt.j2", year=year, areas=list(areas), f=f)


def _area_paragraph(index: int, area: str, activities, goals, f: _Figures) -> str:
    mine = activities[activities["prioriterat_omrade"] == area]
    titles = {s: [quoted(t) for t in mine.loc[mine["status"] == s, "insats"]] for s in INSATS_STATUS}
    mine_goals = goals[goals["prioriterat_omrade"] == area]
    met = [quoted(t) for t in mine_goals.loc[mine_goals["uppnatt"], "insats"]]
    missed = [quoted(t) for t in mine_goals.loc[~mine_goals["uppnatt"].astype(bool), "insats"]]
    return _sentences("omrade.txt.j2", index=index, area=area, dim=f"{area}{SEP}{TOTAL}",
                      dim_done=f"{area}{SEP}Genomförd", titles=titles, met=met, missed=missed, f=f)


def _support_paragraph(year: int, f: _Figures) -> str:
    given = [s for s in STODFORMER if f.value(ids.SUPPORT_COUNT, s) > 0]
    missing = [s for s in STODFORMER if f.value(ids.SUPPORT_COUNT, s) == 0]
    largest = max(given, key=lambda s: (f.value(ids.SUPPORT_KR, s), -STODFORMER.index(s))) if given else None
    return _sentences("stod.txt.j2", year=year, given=given, missing=missing, largest=largest, f=f)


def _places(sot) -> list[tuple[str, list[str]]]:
    """The new SOT-punkter by municipality, in order: ``[("Krokom", ["Valsjöbyn", "Rötviken"]), ...]``."""
    groups: dict[str, list[str]] = {}
    for place in sot.itertuples():
        name = str(place.ort or place.namn)
        names = groups.setdefault(str(place.kommun), [])
        if name not in names:
            names.append(name)
    return list(groups.items())


def _places_and_plans_paragraph(year: int, sot, decided, f: _Figures) -> str:
    plans: dict[str, list[str]] = {}
    for row in decided.itertuples():
        plans.setdefault(str(row.kommun), []).append(str(row.plan).lower())
    return _sentences("platser.txt.j2", year=year, places=_places(sot), plans=list(plans.items()), f=f)


def _access_paragraph(lan: str, kommuner, f: _Figures, limit_km: float = DEFAULT_LIMIT_KM) -> str | None:
    people_id, share_id = ids.over_limit_id(ids.PEOPLE, limit_km), ids.over_limit_id(ids.SHARE, limit_km)
    if not f.has(people_id, "fullsortiment"):
        return None
    shares = [(f.value(share_id, f"fullsortiment{SEP}{k}"), -i, k) for i, k in enumerate(kommuner)
              if f.has(share_id, f"fullsortiment{SEP}{k}")]
    top = max(shares)[2] if len(shares) > 1 and max(shares)[0] > 0 else None
    return _sentences("tillganglighet.txt.j2", lan=lan, km=fmt_km(limit_km), people_id=people_id,
                      share_id=share_id, top=top, road=lambda: _road_sentences(limit_km, f) or "", f=f)


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
    return _sentences(
        "vagnat.txt.j2", km=fmt_km(limit_km), over_road=people(road_id, full), over_straight=people(straight_id, full),
        minutes=f.decimal(ids.ROAD_MEAN_MINUTES, full),
        over_road_daily=people(road_id, daily) if f.has(road_id, daily) and f.value(road_id, daily) > 0 else None,
        unreachable=f.noun(ids.ROAD_UNREACHABLE, full, "person", "personer") if unreachable else None)


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

@functools.cache
def sentence_environment():
    """The environment of the summary's sentence templates (see :func:`_sentences`)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("serviceprogram", "templates/memo"), autoescape=False,
                      undefined=StrictUndefined, keep_trailing_newline=False, lstrip_blocks=True,
                      extensions=["jinja2.ext.do"], finalize=lambda value: str(value).translate(_PROTECT))
    env.globals.update(join=join_sv, kommun_name=kommun_name, ids=ids, TOTAL=TOTAL, SEP=SEP, nbsp=NBSP,
                       statuses=INSATS_STATUS, status_words=fmt.STATUS_WORDS)
    return env


def memo_env():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("serviceprogram", "templates/memo"), autoescape=False,
                       undefined=StrictUndefined, keep_trailing_newline=False, trim_blocks=True,
                       lstrip_blocks=True)
