"""Building the yearly reports: validate, execute the notebook, render, publish.

A year is built in a temporary folder beside its output folder and moved in
place only when everything succeeded, so a failed build never leaves partial
files and never damages the previous good report.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import indicators as ind
from .errors import DataError, UsageError
from .loading import find_years, load_year, resolve_data_dir
from .program import load_program

NOTEBOOK = "uppfoljning.ipynb"
WHATIF_NOTEBOOK = "tillganglighet.ipynb"
log = logging.getLogger(__name__)


@dataclass
class BuildResult:
    """What one year's build produced."""

    year: int
    folder: Path
    files: list[Path]
    seconds: float
    warnings: int


def notebook_path(name: str = NOTEBOOK) -> Path:
    """A notebook in ``SERVICEPROGRAM_NOTEBOOKS`` (a folder) or the project's ``notebooks/``."""
    override = os.environ.get("SERVICEPROGRAM_NOTEBOOKS")
    if override:
        return Path(override).resolve() / name
    from .loading import project_root

    root = project_root()
    if root is None:
        raise UsageError("Hittar inte notebookmappen: ange miljövariabeln SERVICEPROGRAM_NOTEBOOKS.")
    return root / "notebooks" / name


def check_years(data_dir: Path, years) -> list[int]:
    """The years to build: the given ones (each must have a folder) or all.

    Raises
    ------
    UsageError
        If a year is not an integer inside the programme period, or has no folder.
    """
    available = find_years(data_dir)
    if not years:
        if not available:
            raise UsageError(f"Datamappen {data_dir} har inga årsmappar (t.ex. 2024/).")
        return available
    program = load_program(data_dir)
    checked = []
    for year in years:
        if not isinstance(year, int) or isinstance(year, bool):
            raise UsageError(f"Året måste vara ett heltal: {year!r}")
        if not program.forsta_ar - 1 <= year <= program.sista_ar:
            raise UsageError(f"Året {year} ligger utanför programperioden {program.forsta_ar}–{program.sista_ar}.")
        if year not in available:
            raise UsageError(f"Året {year} finns inte i datamappen {data_dir} (ingen mapp {year}/).")
        checked.append(year)
    return sorted(set(checked))


def validate_all(data_dir: Path, years) -> dict:
    """Load every year; raise one DataError listing the problems of all of them."""
    program = load_program(data_dir)
    loaded, problems = {}, []
    for year in years:
        try:
            loaded[year] = load_year(data_dir, year, program)
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(problems)
    return loaded


def build_year(data_dir: Path, out_dir: Path, year: int, data=None) -> BuildResult:
    """Build one year's outputs into ``out_dir/<year>/``, atomically.

    Parameters
    ----------
    data_dir : Path
        The data folder.
    out_dir : Path
        The outputs folder.
    year : int
    data : YearData, optional
        The already validated year.

    Returns
    -------
    BuildResult

    Raises
    ------
    DataError
        If the year's data is invalid (nothing is written).
    """
    from .render import html_to_pdf, notebook_to_html

    start = time.perf_counter()
    data = data or load_year(data_dir, year)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / str(year)
    staging = Path(tempfile.mkdtemp(prefix=f".{year}-bygge-", dir=out_dir))
    staging.chmod(0o755)  # mkdtemp makes it private; the published folder is for everyone
    try:
        program = data.program
        nb = _execute(notebook_path(), staging / f"uppfoljning-{year}.ipynb", year, data_dir)
        title = f"Uppföljning av regionalt serviceprogram {year} – {program.region}"
        html = notebook_to_html(nb, title, f"{program.program}: uppföljning av år {year}", program.exempeldata)
        (staging / f"uppfoljning-{year}.html").write_text(html, encoding="utf-8")
        html_to_pdf(html, staging / f"uppfoljning-{year}.pdf")
        whatif = _execute(notebook_path(WHATIF_NOTEBOOK), staging / f"tillganglighet-{year}.ipynb", year, data_dir)
        html = notebook_to_html(whatif, f"Tänk om: tillgång till service {year} – {program.region}",
                                "Scenario för tillgången till service", program.exempeldata)
        (staging / f"tillganglighet-{year}.html").write_text(html, encoding="utf-8")
        from .excel import write_indicator_workbook
        from .report import Report

        report = Report.load(year, data_dir)
        ind.write_csv(report.long, staging / f"indikatorer-{year}.csv")
        write_indicator_workbook(report.indicators, program, staging / f"uppfoljning-{year}.xlsx")
        _publish(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = sorted(final.iterdir())
    return BuildResult(year, final, files, time.perf_counter() - start, len(data.warnings))


def _execute(notebook: Path, executed: Path, year: int, data_dir: Path):
    """Run a notebook with papermill and return the executed notebook."""
    import nbformat
    import papermill

    papermill.execute_notebook(
        str(notebook), str(executed), parameters={"year": year, "data_dir": str(data_dir)},
        cwd=str(notebook.parent), kernel_name="python3", progress_bar=False, log_output=False,
    )
    return nbformat.read(executed, as_version=4)


def _publish(staging: Path, final: Path) -> None:
    """Replace ``final`` by ``staging``; the old folder survives until the swap."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}-gammal-{os.getpid()}")
        os.replace(final, old)
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_years(data_dir=None, out_dir="outputs", years=None, progress=None) -> list[BuildResult]:
    """Validate every requested year, then build each.

    Parameters
    ----------
    data_dir : str, Path or None
        The data folder (None: the project's ``data/``).
    out_dir : str or Path
        The outputs folder.
    years : list of int, optional
        Years to build; default every year folder.
    progress : callable, optional
        Called as ``progress("start", year, total=n)`` before a year and
        ``progress("done", year, result)`` with its :class:`BuildResult` after.

    Returns
    -------
    list of BuildResult

    Raises
    ------
    UsageError
        Bad folder or year.
    DataError
        If any requested year has errors; nothing is built then.
    """
    folder = resolve_data_dir(data_dir)
    years = check_years(folder, years)
    loaded = validate_all(folder, years)
    out = Path(out_dir).resolve()
    results = []
    for year in years:
        if progress:
            progress("start", year, total=len(years))
        result = build_year(folder, out, year, loaded[year])
        results.append(result)
        if progress:
            progress("done", year, result)
    return results
