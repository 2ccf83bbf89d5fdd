"""The parts of a build: what a worker runs, looked up by name in :data:`PARTS`.

Each part runs in a worker (or in the building process), writes its files
into the staging folder and returns its number of data warnings. The report
computes the year's results once and saves them in the staging folder
(:mod:`serviceprogram.results`); the what-if page and the exports of the
year, and the overview of all years, start after it and read them
(:attr:`Part.after`). What goes to a worker is picklable (a module-level
function and its arguments), so nothing depends on state that only a forked
process sees.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from ..inputs.program import load_program
from ..paths import notebooks_dir

__all__ = ["NOTEBOOK", "WHATIF_NOTEBOOK", "OVERVIEW_NOTEBOOK", "OVERVIEW_RESULTS", "notebook_path",
           "execute_notebook", "results_dir", "report_part", "pdf_part", "exports_part", "whatif_part",
           "overview_part", "Part", "PARTS", "YEAR_PARTS", "resolve_parts", "run_part"]

NOTEBOOK = "uppfoljning.ipynb"
WHATIF_NOTEBOOK = "tillganglighet.ipynb"
OVERVIEW_NOTEBOOK = "programoversikt.ipynb"


# The overview's copy of every year's results while it is built (removed before publishing).
OVERVIEW_RESULTS = ".resultat-ar"


def notebook_path(name: str = NOTEBOOK) -> Path:
    """A notebook of the project (see :func:`serviceprogram.paths.notebooks_dir`)."""
    return notebooks_dir() / name


def execute_notebook(notebook: Path, executed: Path, year: int | None, data_dir: Path, **extra: str):
    """Run a notebook in this process's kernel (:mod:`.kernel`); ``extra``: more path strings
    (``resultat_dir``, see :mod:`serviceprogram.results`)."""
    parameters = {"data_dir": str(data_dir)}
    if year is not None:
        parameters["year"] = int(year)
    parameters.update({name: str(value) for name, value in extra.items()})
    from . import kernel  # papermill is imported only when a notebook runs

    return kernel.execute(notebook, executed, parameters)


def results_dir(staging: Path) -> Path:
    """Where a year's report saves its results in the staging folder (and the published one)."""
    from ..results import FOLDER

    return Path(staging) / FOLDER


def _report(data_dir: Path, year: int, data, previous):
    """The year's Report from the data the build validated (loaded again when not given)."""
    from ..publishing.report import Report

    if data is None or (previous is None and (data_dir / str(year - 1)).is_dir()):
        report = Report.load(year, data_dir)
    else:
        report = Report(year, data_dir, data, previous, program=data.program)
    if not report.valid:
        raise DataError(report.problems)
    return report


def report_part(staging: Path, data_dir: Path, year: int, data=None, previous=None) -> int:
    """The follow-up report: the executed notebook and its HTML (the PDF is :func:`pdf_part`).

    Parameters
    ----------
    staging : Path
        The folder to write into.
    data_dir : Path
        The data folder.
    year : int
    data, previous : YearData, optional
        The year and the previous year as the build validated them; loaded
        again when not given.

    Returns
    -------
    int
        The number of data warnings of the year.

    Raises
    ------
    DataError
        If the year's data is invalid.
    """
    from ..publishing.render import notebook_to_html

    report = _report(data_dir, year, data, previous)
    program = report.program
    nb = execute_notebook(notebook_path(), staging / f"uppfoljning-{year}.ipynb", year, data_dir,
                          resultat_dir=results_dir(staging))
    title = f"Uppföljning av regionalt serviceprogram {year} – {program.region}"
    html = notebook_to_html(nb, title, f"{program.program}: uppföljning av år {year}", program.exempeldata)
    (staging / f"uppfoljning-{year}.html").write_text(html, encoding="utf-8")
    return len(report.data.warnings)


def pdf_part(staging: Path, data_dir: Path, year: int, data=None, previous=None) -> int:
    """The follow-up report's PDF, from the HTML that :func:`report_part` wrote; returns 0.

    A part of its own: WeasyPrint takes about a third of a report's time, and
    as a separate part it runs beside the next year's notebook on the other
    worker instead of after it on the same one.
    """
    from ..publishing.render import html_to_pdf

    html = (Path(staging) / f"uppfoljning-{year}.html").read_text(encoding="utf-8")
    html_to_pdf(html, Path(staging) / f"uppfoljning-{year}.pdf")
    return 0


def exports_part(staging: Path, data_dir: Path, year: int, data=None, previous=None) -> int:
    """The indicator CSV, the indicator workbook and the board memo; returns 0 (see :func:`report_part`).

    They are made from the results the year's report saved in ``staging``
    (:mod:`serviceprogram.results`); only when the build has no report part
    (``parts=``) are they computed here.
    """
    from .. import results
    from ..analysis import indicators as ind
    from ..publishing.memo import write_memo
    from ..publishing.report import export_name
    from ..publishing.workbooks import write_indicator_workbook

    report = _report(data_dir, year, data, previous)
    saved = results.find(results_dir(staging))
    if saved is not None:
        results.attach(report, saved)
    ind.write_csv(report.long, staging / f"indikatorer-{year}.csv")
    write_memo(report, staging / f"tjansteskrivelse-{year}.docx")
    write_indicator_workbook(report.indicators, report.program, staging / export_name(year),
                             warnings=report.data.warnings, driftstod=report.driftstod)
    return 0


def whatif_part(staging: Path, data_dir: Path, year: int) -> int:
    """The what-if page of the year's access to service (notebook and HTML); returns 0."""
    from ..publishing.render import notebook_to_html

    program = load_program(data_dir)
    saved = results_dir(staging)
    extra = {"resultat_dir": saved} if saved.is_dir() else {}
    whatif = execute_notebook(notebook_path(WHATIF_NOTEBOOK), staging / f"tillganglighet-{year}.ipynb", year,
                              data_dir, **extra)
    html = notebook_to_html(whatif, f"Scenario: tillgång till service {year} – {program.region}",
                            "Scenario för tillgången till service", program.exempeldata)
    (staging / f"tillganglighet-{year}.html").write_text(html, encoding="utf-8")
    return 0


def overview_part(staging: Path, data_dir: Path) -> int:
    """The programme overview (notebook, HTML, PDF); returns 0."""
    from ..publishing.render import html_to_pdf, notebook_to_html

    program = load_program(data_dir)
    saved = Path(staging) / OVERVIEW_RESULTS  # every year's results, copied by the build (see engine.py)
    extra = {"resultat_dir": saved} if saved.is_dir() else {}
    nb = execute_notebook(notebook_path(OVERVIEW_NOTEBOOK), staging / "programoversikt.ipynb", None, data_dir,
                          **extra)
    html = notebook_to_html(nb, f"{program.program}: programöversikt – {program.region}",
                            f"{program.program}: alla uppföljningsår och programmets mål", program.exempeldata)
    (staging / "programoversikt.html").write_text(html, encoding="utf-8")
    html_to_pdf(html, staging / "programoversikt.pdf")
    return 0


@dataclass(frozen=True)
class Part:
    """One part of a build: a module-level function and its place in the order.

    ``function(staging, data_dir, year, data, previous)`` for a year's part,
    ``function(staging, data_dir)`` for the overview; it writes its files into
    ``staging`` and returns the number of data warnings. It must be defined
    at module level: a worker started with ``spawn`` receives it by name.
    """

    name: str
    function: Callable[..., int]
    rank: int  # longest parts first: a follow-up report takes about five times a what-if page
    kernel: bool = True  # runs a notebook: the workers launch their kernels before it comes
    loaded: bool = True  # receives the years the build validated (else None: it reads what it needs)
    # Starts when these parts are done: of its own year, or of every year for the overview (their results).
    after: tuple[str, ...] = ()


def _whatif_year(staging: Path, data_dir: Path, year: int, data=None, previous=None) -> int:
    return whatif_part(staging, data_dir, year)


# Every part the build knows, by name. Longest parts first (rank), so that the
# short ones fill the gaps at the end.
PARTS: dict[str, Part] = {part.name: part for part in (
    Part("report_part", report_part, 0),
    Part("pdf_part", pdf_part, 1, kernel=False, loaded=False, after=("report_part",)),
    Part("overview_part", overview_part, 2, after=("report_part",)),
    Part("whatif_part", _whatif_year, 3, loaded=False, after=("report_part",)),
    Part("exports_part", exports_part, 4, kernel=False, after=("report_part",)),
)}
# What a year's build makes (scripts/bench_build.py narrows it with ``parts=``).
YEAR_PARTS = ("report_part", "pdf_part", "whatif_part", "exports_part")


def resolve_parts(parts) -> list[Part]:
    """The :class:`Part` records of ``parts`` (names in :data:`PARTS`, or Part records)."""
    resolved = []
    for part in parts:
        if isinstance(part, Part):
            resolved.append(part)
        elif part in PARTS:
            resolved.append(PARTS[part])
        else:
            raise ValueError(f"unknown build part {part!r}; known: {', '.join(PARTS)}")
    return resolved


def run_part(part: Part, staging: Path, *args) -> int:
    """What a worker runs: one part (picklable under every start method).

    A text template that fails here (the memo's, the workbook's) is raised as a
    :class:`~serviceprogram.errors.WordingError` naming it, as in a notebook (:mod:`.kernel`).
    """
    from jinja2 import TemplateError

    try:
        return part.function(staging, *args)
    except TemplateError as exc:
        import traceback

        from ..publishing.wording import wording_error

        error = wording_error("".join(traceback.format_exception(exc)))
        if error is None:
            raise
        raise error from None

