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
from .paths import default_out_dir, find_years, notebooks_dir, resolve_data_dir
from .program import load_program

NOTEBOOK = "uppfoljning.ipynb"
WHATIF_NOTEBOOK = "tillganglighet.ipynb"
OVERVIEW_NOTEBOOK = "programoversikt.ipynb"
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


RESET_TAG = "serviceprogram-reset"
_KERNEL: dict = {}


def _kernel_manager_class():
    """A kernel manager that encrypts the local kernel connection when it can.

    ipykernel warns on every start when its ZMQ sockets run over plain TCP;
    ``transport_encryption = "auto"`` uses CurveZMQ keys when available.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class EncryptedKernelManager(AsyncKernelManager):
        @default("transport_encryption")
        def _default_transport_encryption(self):
            return "auto"

    return EncryptedKernelManager


def _kernel():
    """This process's kernel, started on first use and reused for every notebook.

    Starting a kernel and importing the package in it costs more than running
    a report notebook; each notebook starts with a namespace reset instead.
    """
    if _KERNEL.get("pid") != os.getpid():
        import atexit
        from multiprocessing import util

        _KERNEL.update(pid=os.getpid(), km=_kernel_manager_class()(kernel_name="python3"))
        util.Finalize(None, _shutdown_kernel, exitpriority=10)  # forked workers skip atexit
        atexit.register(_shutdown_kernel)
    return _KERNEL["km"]


def _shutdown_kernel() -> None:
    km = _KERNEL.pop("km", None)
    if km is not None and _KERNEL.pop("pid", None) == os.getpid() and km.has_kernel:
        from jupyter_core.utils import run_sync

        run_sync(km.shutdown_kernel)(now=True)


def _execute(notebook: Path, executed: Path, year: int | None, data_dir: Path):
    """Run a notebook with papermill in this process's kernel; return the executed notebook.

    A first cell (tagged ``serviceprogram-reset``, left out of the report)
    empties the kernel's namespace, so the notebook runs as from a fresh start
    with the package already imported. The parameters are an integer and a
    path string, which papermill writes with ``repr``: nothing a user passes
    can become code.
    """
    import nbformat
    import papermill

    nb = nbformat.read(notebook, as_version=4)
    reset = nbformat.v4.new_code_cell('get_ipython().run_line_magic("reset", "-f")  # bygget återanvänder kärnan',
                                      metadata={"tags": [RESET_TAG]})
    reset.id = RESET_TAG
    nb.cells.insert(0, reset)
    parameters = {"data_dir": str(data_dir)}
    if year is not None:
        parameters["year"] = int(year)
    papermill.execute_notebook(
        nb, str(executed), parameters=parameters, cwd=str(notebook.parent), kernel_name="python3",
        progress_bar=False, log_output=False, km=_kernel(),
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
    from .memo import write_memo
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
        write_memo(report, staging / f"tjansteskrivelse-{year}.docx")
        write_indicator_workbook(report.indicators, program, staging / f"uppfoljning-{year}.xlsx")
        cache.write_manifest(staging, data_dir, year)
        final = publish(staging, out_dir / str(year))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(year, final, sorted(final.iterdir()), time.perf_counter() - start,
                       len(report.data.warnings))


def build_overview(data_dir: Path, out_dir: Path, years: list[int]) -> BuildResult:
    """Build the programme overview into ``out_dir/program/``, atomically."""
    from .render import html_to_pdf, notebook_to_html

    start = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".program-bygge-", dir=out_dir))
    staging.chmod(0o755)
    try:
        program = load_program(data_dir)
        nb = _execute(notebook_path(OVERVIEW_NOTEBOOK), staging / "programoversikt.ipynb", None, data_dir)
        html = notebook_to_html(nb, f"{program.program}: programöversikt – {program.region}",
                                f"{program.program}: alla uppföljningsår och programmets mål", program.exempeldata)
        (staging / "programoversikt.html").write_text(html, encoding="utf-8")
        html_to_pdf(html, staging / "programoversikt.pdf")
        cache.write_manifest(staging, data_dir, cache.PROGRAM_FOLDER, years)
        final = publish(staging, out_dir / cache.PROGRAM_FOLDER)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(0, final, sorted(final.iterdir()), time.perf_counter() - start)


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
    import jupyter_client  # noqa: F401
    import nbconvert  # noqa: F401
    import nbformat  # noqa: F401
    import papermill  # noqa: F401
    import weasyprint  # noqa: F401

    from . import report  # noqa: F401


def stale_years(data_dir: Path, out_dir: Path, years, force: bool = False) -> list[int]:
    """The years whose outputs are missing or built from other inputs."""
    return [y for y in years if force or not cache.is_fresh(out_dir, data_dir, y)]


def build_years(data_dir=None, out_dir=None, years=None, progress=None, jobs: int | None = None,
                force: bool = False, overview: bool | None = None) -> list[BuildResult]:
    """Validate the years that need it, then build them (and the overview) in parallel.

    Parameters
    ----------
    data_dir : str, Path or None
        The data folder (None: the project's ``data/``).
    out_dir : str, Path or None
        The outputs folder (None: the project's ``outputs/``, never the working directory).
    years : list of int, optional
        Years to build; default every year folder.
    progress : callable, optional
        Called as ``progress("start", year, total=n)`` when a year is handed to
        a worker and ``progress("done", year, result)`` when it is finished;
        the overview reports as year 0.
    jobs : int, optional
        Worker processes; default the number of cores. 1 builds in this process.
    force : bool
        Rebuild even what is up to date.
    overview : bool, optional
        Build the programme overview ``OUT/program/``; default when no years are given.

    Returns
    -------
    list of BuildResult
        One per requested year, in year order (skipped years marked), then the
        overview's when it was built.

    Raises
    ------
    UsageError
        Bad folder or year.
    DataError
        If any year to build has errors; nothing is built then.
    """
    folder = resolve_data_dir(data_dir)
    overview = not years if overview is None else overview
    years = check_years(folder, years)
    out = Path(out_dir).resolve() if out_dir is not None else default_out_dir()
    todo = stale_years(folder, out, years, force)
    results = {y: BuildResult(y, out / str(y), skipped=True) for y in years if y not in todo}
    tasks = [(build_year, (folder, out, y), y) for y in todo]
    if todo:
        validate_all(folder, todo)
    all_years = find_years(folder)
    if overview and (force or not cache.is_fresh(out, folder, cache.PROGRAM_FOLDER, all_years)):
        tasks.append((build_overview, (folder, out, all_years), 0))
    for result in _run(tasks, jobs, progress):
        results[result.year] = result
    return [results[y] for y in years] + ([results[0]] if 0 in results else [])


def _run(tasks, jobs: int | None, progress):
    """Run build tasks ``(function, args, key)`` in this process or in a pool of forked workers."""
    if not tasks:
        return
    total = len(tasks)
    jobs = max(1, min(jobs or os.cpu_count() or 1, total))
    if jobs == 1:
        for function, args, key in tasks:
            if progress:
                progress("start", key, total=total)
            result = function(*args)
            if progress:
                progress("done", key, result)
            yield result
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    _warm_imports()  # paid once here; forked workers inherit the imported modules
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_warm_imports) as pool:
        pending = {}
        for function, args, key in tasks:
            pending[pool.submit(function, *args)] = key
            if progress:
                progress("start", key, total=total)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                key = pending.pop(future)
                result = future.result()
                if progress:
                    progress("done", key, result)
                yield result
