"""Building the yearly reports: validate, execute the notebooks, render, publish.

- Years whose inputs are unchanged are skipped (:mod:`serviceprogram.cache`).
- The worker processes are forked first and launch their Jupyter kernels,
  which boot while the parent validates every year to build: one invalid
  year stops the whole batch before anything is written, with every problem
  listed, and the workers stop at once.
- A year is built as three parts (follow-up report, what-if page, exported
  files), handed out to the free workers a few years at a time, longest
  parts first. A worker imports
  papermill, nbconvert and WeasyPrint on its first part and reuses them and
  its kernel for the next ones.
- Each year is built in a temporary folder beside its output folder and
  swapped in under a lock only when all its parts are done, so a failed,
  interrupted or concurrent build never leaves partial files or damages a
  good report. The manifest is hashed before the build starts: a data file
  saved during the build leaves the year stale, to be built again.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cache, folders
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
# Imported by each build kernel while it starts (pandera, pyproj and scipy are
# imported lazily by the package), so the first notebook does not pay for them.
KERNEL_PRELOAD = ("serviceprogram.report", "serviceprogram.whatif", "serviceprogram.overview",
                  "serviceprogram.schemas", "pyproj", "scipy.spatial")
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
    """This process's kernel manager, made on first use and reused for every notebook.

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


def start_kernel() -> None:
    """Launch this process's kernel now, without waiting for it to be ready.

    The kernel boots and imports :data:`KERNEL_PRELOAD` in its own process
    while the caller goes on (the build validates the data meanwhile);
    papermill then finds it running and reuses it.
    """
    from jupyter_core.utils import run_sync

    km = _kernel()
    if not km.has_kernel:
        run_sync(km.start_kernel)(cwd=str(notebooks_dir()),
                                  extra_arguments=[f"--IPKernelApp.exec_lines=import {', '.join(KERNEL_PRELOAD)}"])


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
    for cell in nb.cells:  # the outputs stored for nbval belong to the example, not to this build
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    parameters = {"data_dir": str(data_dir)}
    if year is not None:
        parameters["year"] = int(year)
    papermill.execute_notebook(
        nb, str(executed), parameters=parameters, cwd=str(notebook.parent), kernel_name="python3",
        progress_bar=False, log_output=False, km=_kernel(),
    )
    return nbformat.read(executed, as_version=4)


# The parts of a build. Each runs in a worker (or in this process), writes its
# files into the staging folder and returns its number of data warnings. A
# year has three independent parts, so that two workers can share a year.

def _report(data_dir: Path, year: int, data, previous):
    """The year's Report from the data the build validated (loaded again when not given)."""
    from .report import Report

    if data is None or (previous is None and (data_dir / str(year - 1)).is_dir()):
        report = Report.load(year, data_dir)
    else:
        report = Report(year, data_dir, data, previous, program=data.program)
    if not report.valid:
        raise DataError(report.problems)
    return report


def report_part(staging: Path, data_dir: Path, year: int, data=None, previous=None) -> int:
    """The follow-up report: the executed notebook, its HTML and its PDF.

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
    from .render import html_to_pdf, notebook_to_html

    report = _report(data_dir, year, data, previous)
    program = report.program
    nb = _execute(notebook_path(), staging / f"uppfoljning-{year}.ipynb", year, data_dir)
    title = f"Uppföljning av regionalt serviceprogram {year} – {program.region}"
    html = notebook_to_html(nb, title, f"{program.program}: uppföljning av år {year}", program.exempeldata)
    (staging / f"uppfoljning-{year}.html").write_text(html, encoding="utf-8")
    html_to_pdf(html, staging / f"uppfoljning-{year}.pdf")
    return len(report.data.warnings)


def exports_part(staging: Path, data_dir: Path, year: int, data=None, previous=None) -> int:
    """The indicator CSV, the indicator workbook and the board memo; returns 0 (see :func:`report_part`)."""
    from . import indicators as ind
    from .excel import write_indicator_workbook
    from .memo import write_memo
    from .report import export_name

    report = _report(data_dir, year, data, previous)
    ind.write_csv(report.long, staging / f"indikatorer-{year}.csv")
    write_memo(report, staging / f"tjansteskrivelse-{year}.docx")
    write_indicator_workbook(report.indicators, report.program, staging / export_name(year),
                             warnings=report.data.warnings, driftstod=report.driftstod)
    return 0


def whatif_part(staging: Path, data_dir: Path, year: int) -> int:
    """The what-if page of the year's access to service (notebook and HTML); returns 0."""
    from .render import notebook_to_html

    program = load_program(data_dir)
    whatif = _execute(notebook_path(WHATIF_NOTEBOOK), staging / f"tillganglighet-{year}.ipynb", year, data_dir)
    html = notebook_to_html(whatif, f"Scenario: tillgång till service {year} – {program.region}",
                            "Scenario för tillgången till service", program.exempeldata)
    (staging / f"tillganglighet-{year}.html").write_text(html, encoding="utf-8")
    return 0


def overview_part(staging: Path, data_dir: Path) -> int:
    """The programme overview (notebook, HTML, PDF); returns 0."""
    from .render import html_to_pdf, notebook_to_html

    program = load_program(data_dir)
    nb = _execute(notebook_path(OVERVIEW_NOTEBOOK), staging / "programoversikt.ipynb", None, data_dir)
    html = notebook_to_html(nb, f"{program.program}: programöversikt – {program.region}",
                            f"{program.program}: alla uppföljningsår och programmets mål", program.exempeldata)
    (staging / "programoversikt.html").write_text(html, encoding="utf-8")
    html_to_pdf(html, staging / "programoversikt.pdf")
    return 0


# What a year's build makes. (scripts/bench_build.py narrows it to the follow-up
# report, to compare with a naive chain that makes only that.)
YEAR_PARTS = ("report_part", "whatif_part", "exports_part")
# Longest parts first (a follow-up report takes about five times a what-if
# page), so that the short ones fill the gaps at the end.
PART_ORDER = ("report_part", "overview_part", "whatif_part", "exports_part")


def _order(function) -> int:
    name = getattr(function, "__name__", "")
    return PART_ORDER.index(name) if name in PART_ORDER else len(PART_ORDER)


@dataclass
class _Job:
    """One output folder being built: its staging folder and the parts still running."""

    key: int  # the year, 0 for the programme overview
    final: Path
    manifest: dict
    parts: list = field(default_factory=list)
    staging: Path | None = None
    pending: int = 0
    warnings: int = 0
    start: float = field(default_factory=time.perf_counter)

    def finish(self) -> BuildResult:
        """Write the manifest and publish the staging folder."""
        cache.write_manifest(self.staging, self.manifest)
        final = publish(self.staging, self.final)
        return BuildResult(self.key, final, sorted(final.iterdir()), time.perf_counter() - self.start,
                           self.warnings)


def _staging(out_dir: Path, name: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f".{name}-bygge-", dir=out_dir))
    folder.chmod(0o755)  # mkdtemp makes it private; the published folder is for everyone
    return folder


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


def _launch_kernel_early() -> None:
    """Launch this process's kernel, to boot while the parent validates (a worker's first step).

    Nothing heavy is imported here, so a batch whose data is invalid stops at
    once; papermill, nbconvert and WeasyPrint are imported by the first part
    and then reused for every later one. Should the launch fail, the first
    notebook starts the kernel again and reports the real error (in a pool
    initializer an error would only break the pool).
    """
    try:
        start_kernel()
    except Exception:  # noqa: BLE001 - raised again, with its cause, by the first notebook
        _shutdown_kernel()


def _start_worker() -> None:
    """A worker's first step: leave Ctrl-C to the parent, then :func:`_launch_kernel_early`.

    On Ctrl-C the parent stops handing out parts, waits for the running ones
    and removes every unpublished staging folder; workers interrupted in the
    middle of a call would only print tracebacks.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _launch_kernel_early()


def stale_years(data_dir: Path, out_dir: Path, years, force: bool = False) -> list[int]:
    """The years whose outputs are missing or built from other inputs."""
    return [y for y in years if force or not cache.is_fresh(out_dir, data_dir, y)]


def build_years(data_dir=None, out_dir=None, years=None, progress=None, jobs: int | None = None,
                force: bool = False, overview: bool | None = None) -> list[BuildResult]:
    """Validate the years that need it, then build them (and the overview) in parallel.

    The workers start (and start their kernels) while the data is validated;
    a year's three parts may be built by different workers and are published
    together.

    Parameters
    ----------
    data_dir : str, Path or None
        The data folder (None: the project's ``data/``).
    out_dir : str, Path or None
        The outputs folder (None: the project's ``outputs/``, never the working directory).
    years : list of int, optional
        Years to build; default every year folder.
    progress : callable, optional
        Called as ``progress("start", year, total=n)`` when a year's build
        begins and ``progress("done", year, result)`` when it is published;
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
    out = Path(out_dir).resolve() if out_dir is not None else default_out_dir(folder)
    folders.check_out_dir(out, folder)  # before any work: see serviceprogram.folders
    folders.check_targets(out, [str(y) for y in years] + ([cache.PROGRAM_FOLDER] if overview else []))
    todo = stale_years(folder, out, years, force)
    results = {y: BuildResult(y, out / str(y), skipped=True) for y in years if y not in todo}
    all_years = find_years(folder)
    with_overview = overview and (force or not cache.is_fresh(out, folder, cache.PROGRAM_FOLDER, all_years))
    # Hashed before anything is read: a file saved from now on leaves the year stale, to be built again.
    manifests = {y: cache.manifest_for(folder, y) for y in todo}
    if with_overview:
        manifests[0] = cache.manifest_for(folder, cache.PROGRAM_FOLDER, all_years)
    if manifests:
        with _workers(jobs, len(YEAR_PARTS) * len(todo) + with_overview) as pool:
            loaded = validate_all(folder, todo) if todo else {}
            _add_previous_years(folder, todo, loaded)
            _search_roads(loaded)
            out.mkdir(parents=True, exist_ok=True)
            work = [_year_job(folder, out, y, loaded, manifests[y]) for y in todo]
            if with_overview:
                work.append(_Job(0, out / cache.PROGRAM_FOLDER, manifests[0], [(overview_part, (folder,))]))
            for result in _run(pool, work, progress):
                results[result.year] = result
    return [results[y] for y in years] + ([results[0]] if 0 in results else [])


def _search_roads(loaded: dict) -> None:
    """Search the road network once per loaded year, before the parts start.

    The report, the what-if page and the exports run in other processes; they
    find the result in the road cache (:func:`serviceprogram.roads.figures.cached_result`)
    instead of each searching the network again. Without a network this does nothing.
    """
    from .roads.figures import cached_result
    from .roads.settings import load_settings

    for data in loaded.values():
        if data is None or data.befolkning is None:
            continue
        settings = load_settings(data.data_dir)
        if settings is None:
            return
        cached_result(settings, data.year, data.befolkning, data.tables["serviceplatser"])


def _add_previous_years(folder: Path, years, loaded: dict) -> None:
    """Load the previous year of each year (for its comparisons) when valid, so workers need not."""
    from .loading import load_year
    from .errors import ServiceprogramError

    for year in years:
        if year - 1 not in loaded and (folder / str(year - 1)).is_dir():
            try:
                loaded[year - 1] = load_year(folder, year - 1)
            except ServiceprogramError:
                pass  # an invalid previous year: the report then has no comparison (see Report.load)


def _year_job(folder: Path, out: Path, year: int, loaded: dict, manifest: dict) -> _Job:
    data = (folder, year, loaded.get(year), loaded.get(year - 1))
    arguments = {"report_part": data, "whatif_part": (folder, year), "exports_part": data}
    return _Job(year, out / str(year), manifest, [(globals()[name], arguments[name]) for name in YEAR_PARTS])


@contextlib.contextmanager
def _workers(jobs: int | None, parts: int):
    """``(pool, workers)``: forked workers that start their kernels at once (None: build in this process)."""
    workers = max(1, min(jobs or os.cpu_count() or 1, parts))
    if workers == 1:
        _launch_kernel_early()
        try:
            yield None
        except BaseException:
            _shutdown_kernel()  # kept for the next build of this process only when this one succeeded
            raise
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker)
    pool.submit(int)  # forks every worker now, so that their kernels boot during the validation
    try:
        yield pool, workers
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run(pool, jobs: list[_Job], progress):
    """Run the jobs' parts in the pool (or in this process); yield each job's result when published.

    Parts are handed out one per free worker: the jobs in windows of twice
    as many jobs as workers, and within a window the longest parts first
    (:data:`PART_ORDER`), so that short parts fill the gaps at the end while
    years are still published as the batch goes.

    Whatever happens, no staging folder is left behind: on an error or an
    interrupt the running parts are waited for, then every unpublished
    staging folder is removed.
    """
    total = len(jobs)
    pending: dict = {}
    try:
        for job in jobs:
            job.staging = _staging(job.final.parent, job.final.name)
            job.pending = len(job.parts)
        if pool is None:
            for job in jobs:
                if progress:
                    progress("start", job.key, total=total)
                for function, args in job.parts:
                    job.warnings += function(job.staging, *args)
                result = job.finish()
                if progress:
                    progress("done", job.key, result)
                yield result
            return
        from concurrent.futures import FIRST_COMPLETED, wait

        pool, workers = pool
        window = 2 * workers
        queue = [(index // window, _order(function), function, args, job)
                 for index, job in enumerate(jobs) for function, args in job.parts]
        queue.sort(key=lambda part: part[:2])  # stable: years stay in order within a rank
        started = set()
        try:
            while queue or pending:
                while queue and len(pending) < workers:
                    _, _, function, args, job = queue.pop(0)
                    if job.key not in started:
                        started.add(job.key)
                        if progress:
                            progress("start", job.key, total=total)
                    pending[pool.submit(function, job.staging, *args)] = job
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    job = pending.pop(future)
                    job.warnings += future.result()
                    job.pending -= 1
                    if not job.pending:
                        result = job.finish()
                        if progress:
                            progress("done", job.key, result)
                        yield result
        except BaseException:
            for future in pending:
                future.cancel()
            wait(pending)  # let running parts end before their folders are removed
            raise
    finally:
        for job in jobs:
            if job.staging is not None:
                shutil.rmtree(job.staging, ignore_errors=True)  # gone already when published
