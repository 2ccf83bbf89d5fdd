"""Building the yearly reports: validate, execute the notebooks, render, publish.

- Years whose inputs are unchanged are skipped (:mod:`serviceprogram.cache`).
- The others are validated together first: one invalid year stops the whole
  batch before anything is written, with every problem listed.
- Years are built in parallel worker processes that import papermill,
  nbconvert and WeasyPrint once (forked from a parent that imported them).
- Each year is built in a temporary folder beside its output folder and
  swapped in under a lock only when complete, so a failed, interrupted or
  concurrent build never leaves partial files or damages a good report.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cache
from .errors import DataError, UsageError
from .paths import find_years, notebooks_dir, resolve_data_dir
from .program import load_program

NOTEBOOK = "uppfoljning.ipynb"
WHATIF_NOTEBOOK = "tillganglighet.ipynb"
LOCK_FILE = ".serviceprogram.lock"


@dataclass
class BuildResult:
    """What one year's build produced (``skipped``: its outputs were up to date)."""

    year: int
    folder: Path
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    warnings: int = 0
    skipped: bool = False


def notebook_path(name: str = NOTEBOOK) -> Path:
    """A notebook of the project (see :func:`serviceprogram.paths.notebooks_dir`)."""
    return notebooks_dir() / name


def check_years(data_dir: Path, years) -> list[int]:
    """The years to build: the given ones or every year folder.

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
    from .loading import load_year

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


def _execute(notebook: Path, executed: Path, year: int, data_dir: Path):
    """Run a notebook with papermill and return the executed notebook.

    The parameters are an integer and a path string; papermill writes them
    with ``repr``, so nothing a user passes can become code.
    """
    import nbformat
    import papermill

    papermill.execute_notebook(
        str(notebook), str(executed), parameters={"year": int(year), "data_dir": str(data_dir)},
        cwd=str(notebook.parent), kernel_name="python3", progress_bar=False, log_output=False,
    )
    return nbformat.read(executed, as_version=4)


def build_year(data_dir: Path, out_dir: Path, year: int) -> BuildResult:
    """Build one (already validated) year's outputs into ``out_dir/<year>/``, atomically.

    Parameters
    ----------
    data_dir : Path
        The data folder.
    out_dir : Path
        The outputs folder.
    year : int

    Returns
    -------
    BuildResult

    Raises
    ------
    DataError
        If the year's data is invalid (nothing is written).
    """
    from . import indicators as ind
    from .excel import write_indicator_workbook
    from .render import html_to_pdf, notebook_to_html
    from .report import Report

    start = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{year}-bygge-", dir=out_dir))
    staging.chmod(0o755)  # mkdtemp makes it private; the published folder is for everyone
    try:
        report = Report.load(year, data_dir)
        if not report.valid:
            raise DataError(report.problems)
        program = report.program
        nb = _execute(notebook_path(), staging / f"uppfoljning-{year}.ipynb", year, data_dir)
        title = f"Uppföljning av regionalt serviceprogram {year} – {program.region}"
        html = notebook_to_html(nb, title, f"{program.program}: uppföljning av år {year}", program.exempeldata)
        (staging / f"uppfoljning-{year}.html").write_text(html, encoding="utf-8")
        html_to_pdf(html, staging / f"uppfoljning-{year}.pdf")
        whatif = _execute(notebook_path(WHATIF_NOTEBOOK), staging / f"tillganglighet-{year}.ipynb", year, data_dir)
        html = notebook_to_html(whatif, f"Tänk om: tillgång till service {year} – {program.region}",
                                "Scenario för tillgången till service", program.exempeldata)
        (staging / f"tillganglighet-{year}.html").write_text(html, encoding="utf-8")
        ind.write_csv(report.long, staging / f"indikatorer-{year}.csv")
        write_indicator_workbook(report.indicators, program, staging / f"uppfoljning-{year}.xlsx")
        cache.write_manifest(staging, data_dir, year)
        final = publish(staging, out_dir / str(year))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(year, final, sorted(final.iterdir()), time.perf_counter() - start,
                       len(report.data.warnings))


@contextlib.contextmanager
def _locked(out_dir: Path):
    """An exclusive lock on the outputs folder (one publisher at a time)."""
    import fcntl

    with open(out_dir / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(staging: Path, final: Path) -> Path:
    """Replace ``final`` by ``staging`` under the folder's lock; returns ``final``.

    The old folder is renamed away first and removed only after the new one is
    in place, so readers see either the old or the new complete report.
    """
    with _locked(final.parent):
        old = None
        if final.exists():
            old = final.with_name(f".{final.name}-gammal-{os.getpid()}-{time.monotonic_ns()}")
            os.replace(final, old)
        os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return final


def _warm_imports() -> None:
    """Import the heavy libraries once per process (nbformat's schema parsers included)."""
    import nbconvert  # noqa: F401
    import nbformat  # noqa: F401
    import papermill  # noqa: F401
    import weasyprint  # noqa: F401

    from . import report  # noqa: F401


def stale_years(data_dir: Path, out_dir: Path, years, force: bool = False) -> list[int]:
    """The years whose outputs are missing or built from other inputs."""
    return [y for y in years if force or not cache.is_fresh(out_dir, data_dir, y)]


def build_years(data_dir=None, out_dir="outputs", years=None, progress=None, jobs: int | None = None,
                force: bool = False) -> list[BuildResult]:
    """Validate the years that need it, then build them in parallel.

    Parameters
    ----------
    data_dir : str, Path or None
        The data folder (None: the project's ``data/``).
    out_dir : str or Path
        The outputs folder.
    years : list of int, optional
        Years to build; default every year folder.
    progress : callable, optional
        Called as ``progress("start", year, total=n)`` when a year is handed to
        a worker and ``progress("done", year, result)`` when it is finished.
    jobs : int, optional
        Worker processes; default the number of cores. 1 builds in this process.
    force : bool
        Rebuild even the years whose inputs are unchanged.

    Returns
    -------
    list of BuildResult
        One per requested year, in year order (skipped years marked).

    Raises
    ------
    UsageError
        Bad folder or year.
    DataError
        If any year to build has errors; nothing is built then.
    """
    folder = resolve_data_dir(data_dir)
    years = check_years(folder, years)
    out = Path(out_dir).resolve()
    todo = stale_years(folder, out, years, force)
    results = {y: BuildResult(y, out / str(y), skipped=True) for y in years if y not in todo}
    if todo:
        validate_all(folder, todo)
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        for result in _run(folder, out, todo, jobs, progress):
            results[result.year] = result
    return [results[y] for y in years]


def _run(folder: Path, out: Path, todo: list[int], jobs: int, progress):
    """Build the years, in this process (jobs == 1) or in a pool of forked workers."""
    total = len(todo)
    if jobs == 1:
        for year in todo:
            if progress:
                progress("start", year, total=total)
            result = build_year(folder, out, year)
            if progress:
                progress("done", year, result)
            yield result
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    _warm_imports()  # paid once here; forked workers inherit the imported modules
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_warm_imports) as pool:
        pending = {}
        for year in todo:
            pending[pool.submit(build_year, folder, out, year)] = year
            if progress:
                progress("start", year, total=total)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                year = pending.pop(future)
                result = future.result()
                if progress:
                    progress("done", year, result)
                yield result
