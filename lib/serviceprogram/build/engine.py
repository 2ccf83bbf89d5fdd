"""Building the yearly reports: validate, execute the notebooks, render, publish.

- Years whose inputs are unchanged are skipped (:mod:`serviceprogram.build.cache`).
- The worker processes start first (``fork`` on Linux, ``spawn`` on Windows
  and macOS, see :func:`start_method`) and launch their Jupyter kernels,
  which boot while the parent validates every year to build: one invalid
  year stops the whole batch before anything is written, with every problem
  listed, and the workers stop at once.
- A year is built as three parts (follow-up report, what-if page, exported
  files), handed out to the free workers a few years at a time, longest
  parts first. The report's notebook computes the year's results once and
  saves them in the staging folder (:mod:`serviceprogram.results`); the
  what-if page and the exports of that year start after it and read them,
  and the overview starts after every year's report and reads a copy of
  them all (:attr:`Part.after`). A worker imports
  papermill, nbconvert and WeasyPrint on its first part and reuses them and
  its kernel for the next ones.
- Each year is built in a temporary folder beside its output folder and
  swapped in under a lock only when all its parts are done, so a failed,
  interrupted or concurrent build never leaves partial files or damages a
  good report. The manifest is hashed before the build starts: a data file
  saved during the build leaves the year stale, to be built again.
- Parts are :class:`Part` records looked up by name in :data:`PARTS`; what
  goes to a worker is picklable (a module-level function and its
  arguments), so nothing depends on state that only a forked process sees.
- A staging folder belongs to the build that holds its owner lock; a build
  killed outright leaves it behind, and the next build into the same folder
  removes it (:func:`remove_stale_staging`). Workers end when the parent dies
  (:mod:`serviceprogram.build.lifeline`).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, UsageError
from ..inputs.program import load_program
from ..paths import default_out_dir, find_years, notebooks_dir, resolve_data_dir
from . import cache, folders

__all__ = ["NOTEBOOK", "WHATIF_NOTEBOOK", "OVERVIEW_NOTEBOOK", "LOCK_FILE", "STAGING_MARKER",
           "STAGING_PATTERN", "START_METHOD_ENV", "START_METHODS", "BuildResult", "notebook_path",
           "check_years", "validate_all", "start_kernel", "shutdown_kernel", "report_part",
           "exports_part", "whatif_part", "overview_part", "Part", "PARTS", "YEAR_PARTS", "resolve_parts",
           "start_method", "publish", "remove_stale_staging", "stale_years", "build_years"]

NOTEBOOK = "uppfoljning.ipynb"
WHATIF_NOTEBOOK = "tillganglighet.ipynb"
OVERVIEW_NOTEBOOK = "programoversikt.ipynb"
LOCK_FILE = ".serviceprogram.lock"
# Inside every staging folder while it is built: who made it (removed when published).
STAGING_MARKER = ".serviceprogram-bygge.json"
# Staging folders (``.2024-bygge-<token>``) and replaced folders (``.2024-gammal-<pid>-<ns>``).
STAGING_PATTERN = re.compile(r"^\.(?:\d{4}|program)-(?:bygge-[0-9a-f]{16}|gammal-\d+-\d+)$")
START_METHOD_ENV = "SERVICEPROGRAM_START_METHOD"
START_METHODS = ("fork", "spawn", "forkserver")


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
    from ..analysis.checks import load_checked_year

    program = load_program(data_dir)
    loaded, problems = {}, []
    for year in years:
        try:
            loaded[year] = load_checked_year(data_dir, year, program)
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(problems)
    return loaded


def _execute(notebook: Path, executed: Path, year: int | None, data_dir: Path, **extra: str):
    """Run a notebook in this process's kernel (:mod:`.kernel`); ``extra``: more path strings
    (``resultat_dir``, see :mod:`serviceprogram.results`)."""
    parameters = {"data_dir": str(data_dir)}
    if year is not None:
        parameters["year"] = int(year)
    parameters.update({name: str(value) for name, value in extra.items()})
    from . import kernel  # papermill is imported only when a notebook runs

    return kernel.execute(notebook, executed, parameters)


def start_kernel() -> None:
    """Launch this process's build kernel now (see :meth:`.kernel.ReusedKernelEngine.start`)."""
    from .kernel import ReusedKernelEngine

    ReusedKernelEngine.start()


def shutdown_kernel() -> None:
    """Stop this process's build kernel, if any (the next notebook starts a new one)."""
    from .kernel import ReusedKernelEngine

    ReusedKernelEngine.shutdown()


# The parts of a build. Each runs in a worker (or in this process), writes its
# files into the staging folder and returns its number of data warnings. The
# report computes the year's results once and saves them in the staging folder
# (serviceprogram.results); the what-if page and the exports of the year, and
# the overview of all years, start after it and read them.

def results_dir(staging: Path) -> Path:
    """Where a year's report saves its results in the staging folder (and the published one)."""
    from ..results import FOLDER

    return Path(staging) / FOLDER


# The overview's copy of every year's results while it is built (removed before publishing).
OVERVIEW_RESULTS = ".resultat-ar"

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
    from ..publishing.render import html_to_pdf, notebook_to_html

    report = _report(data_dir, year, data, previous)
    program = report.program
    nb = _execute(notebook_path(), staging / f"uppfoljning-{year}.ipynb", year, data_dir,
                  resultat_dir=results_dir(staging))
    title = f"Uppföljning av regionalt serviceprogram {year} – {program.region}"
    html = notebook_to_html(nb, title, f"{program.program}: uppföljning av år {year}", program.exempeldata)
    (staging / f"uppfoljning-{year}.html").write_text(html, encoding="utf-8")
    html_to_pdf(html, staging / f"uppfoljning-{year}.pdf")
    return len(report.data.warnings)


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
    whatif = _execute(notebook_path(WHATIF_NOTEBOOK), staging / f"tillganglighet-{year}.ipynb", year, data_dir,
                      **extra)
    html = notebook_to_html(whatif, f"Scenario: tillgång till service {year} – {program.region}",
                            "Scenario för tillgången till service", program.exempeldata)
    (staging / f"tillganglighet-{year}.html").write_text(html, encoding="utf-8")
    return 0


def overview_part(staging: Path, data_dir: Path) -> int:
    """The programme overview (notebook, HTML, PDF); returns 0."""
    from ..publishing.render import html_to_pdf, notebook_to_html

    program = load_program(data_dir)
    saved = Path(staging) / OVERVIEW_RESULTS  # every year's results, copied by the build (_gather_results)
    extra = {"resultat_dir": saved} if saved.is_dir() else {}
    nb = _execute(notebook_path(OVERVIEW_NOTEBOOK), staging / "programoversikt.ipynb", None, data_dir, **extra)
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
    Part("overview_part", overview_part, 1, after=("report_part",)),
    Part("whatif_part", _whatif_year, 2, loaded=False, after=("report_part",)),
    Part("exports_part", exports_part, 3, kernel=False, after=("report_part",)),
)}
# What a year's build makes (scripts/bench_build.py narrows it with ``parts=``).
YEAR_PARTS = ("report_part", "whatif_part", "exports_part")


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


def _run_part(part: Part, staging: Path, *args) -> int:
    """What a worker runs: one part (picklable under every start method)."""
    return part.function(staging, *args)


def start_method(method: str | None = None) -> str:
    """The process start method of the build's pool.

    ``method`` if given, else the environment variable
    ``SERVICEPROGRAM_START_METHOD``, else ``fork`` on Linux and ``spawn``
    elsewhere (Windows has no ``fork``; macOS's system libraries are not
    safe after it).

    Raises
    ------
    UsageError
        If the method is unknown or not available on this platform.
    """
    import multiprocessing

    chosen = method or os.environ.get(START_METHOD_ENV) or ("fork" if sys.platform.startswith("linux") else "spawn")
    available = multiprocessing.get_all_start_methods()
    if chosen not in START_METHODS or chosen not in available:
        raise UsageError(f"Startmetoden {chosen!r} (variabeln {START_METHOD_ENV}) finns inte här. "
                         f"Välj en av: {', '.join(m for m in START_METHODS if m in available)}.")
    return chosen


@dataclass
class _Job:
    """One output folder being built: its staging folder and the parts still running."""

    key: int  # the year, 0 for the programme overview
    final: Path
    manifest: dict
    parts: list = field(default_factory=list)  # (Part, arguments after the staging folder)
    staging: Path | None = None
    owner: object = None  # the staging folder's owner lock (a filelock.FileLock), held while it is built
    pending: int = 0
    warnings: int = 0
    start: float = field(default_factory=time.perf_counter)
    published: bool = False
    # Called in the parent just before the job's first part starts (the overview gathers the years' results).
    prepare: Callable[[], None] | None = None

    def finish(self) -> BuildResult:
        """Write the manifest and publish the staging folder."""
        cache.write_manifest(self.staging, self.manifest)
        shutil.rmtree(self.staging / OVERVIEW_RESULTS, ignore_errors=True)
        final = publish(self.staging, self.final)
        self.published = True
        return BuildResult(self.key, final, sorted(final.iterdir()), time.perf_counter() - self.start,
                           self.warnings)

    def open(self) -> None:
        """Take the owner lock, then make the staging folder and its marker (in that order).

        A build that finds the folder with its owner lock free knows that the
        build which made it is gone (:func:`remove_stale_staging`).
        """
        from filelock import FileLock

        out, name = self.final.parent, f".{self.final.name}-bygge-{secrets.token_hex(8)}"
        self.owner = FileLock(out / f"{name}.lock")
        self.owner.acquire()
        self.staging = out / name
        self.staging.mkdir()
        marker = {"pid": os.getpid(), "folder": self.final.name}
        (self.staging / STAGING_MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")

    def close(self) -> None:
        """Remove the staging folder (gone already when published) and release the owner lock."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
        if self.owner is not None:
            _release_owner(self.owner)
            self.owner = None


def _release_owner(lock) -> None:
    lock.release()
    with contextlib.suppress(OSError):  # the lock file of a finished build is no longer needed
        Path(lock.lock_file).unlink()


@contextlib.contextmanager
def _locked(out_dir: Path):
    """An exclusive lock on the outputs folder (one publisher at a time), on every platform."""
    from filelock import FileLock

    with FileLock(Path(out_dir) / LOCK_FILE):
        yield


def publish(staging: Path, final: Path) -> Path:
    """Replace ``final`` by ``staging`` under the folder's lock; returns ``final``.

    The old folder is renamed away first and removed only after the new one is
    in place, so readers see either the old or the new complete report; should
    the new one fail to move in, the old one is put back.
    """
    with _locked(final.parent):
        (staging / STAGING_MARKER).unlink(missing_ok=True)
        old = None
        if final.exists():
            old = final.with_name(f".{final.name}-gammal-{os.getpid()}-{time.monotonic_ns()}")
            os.replace(final, old)
        try:
            os.replace(staging, final)
        except BaseException:
            if old is not None:  # e.g. a file of the new folder held open on Windows: the old report goes back
                os.replace(old, final)
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return final


def _owner_alive(folder: Path) -> bool:
    """True when the build that made the staging folder ``folder`` still holds its owner lock."""
    from filelock import FileLock, Timeout

    if "-bygge-" not in folder.name:
        return False  # a replaced folder: its build removes it right after publishing
    lock = FileLock(folder.with_name(f"{folder.name}.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return True
    _release_owner(lock)
    return False


def remove_stale_staging(out_dir: Path) -> list[Path]:
    """Remove the staging folders that builds killed outright left in ``out_dir``; return them.

    Only folders the build makes are considered: a name such as
    ``.2024-bygge-<16 hex>`` or ``.2024-gammal-<pid>-<ns>``, a real folder
    (not a link), holding the build's marker or manifest, whose owner lock no
    running build holds. Anything else, the user's files included, stays.
    """
    out = Path(out_dir)

    def candidates():
        if not out.is_dir():
            return []
        return [entry for entry in sorted(out.iterdir())
                if STAGING_PATTERN.match(entry.name) and not entry.is_symlink() and entry.is_dir()
                and ((entry / STAGING_MARKER).is_file() or (entry / cache.MANIFEST).is_file())]

    if not candidates():  # the usual case: nothing to lock, nothing written
        return []
    removed = []
    with _locked(out):  # no build publishes meanwhile (a published folder loses its marker under this lock)
        for entry in candidates():
            if not _owner_alive(entry):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


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
        shutdown_kernel()


def _start_worker(parent: int, kernel: bool = True) -> None:
    """A worker's first step: watch the parent, leave signals to it, then :func:`_launch_kernel_early`.

    On Ctrl-C or SIGTERM the parent stops handing out parts, stops the
    workers and removes every unpublished staging folder; workers
    interrupted in the middle of a call would only print tracebacks. Should
    the parent die without that (``kill -9``), the worker kills its kernel
    and exits (:func:`serviceprogram.build.lifeline.watch_parent`).
    """
    import signal

    from .lifeline import watch_parent

    watch_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):  # POSIX; on Windows the parent's console events stop the build
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if kernel:
        _launch_kernel_early()


def stale_years(data_dir: Path, out_dir: Path, years, force: bool = False) -> list[int]:
    """The years whose outputs are missing or built from other inputs."""
    return [y for y in years if force or not cache.is_fresh(out_dir, data_dir, y)]


def build_years(data_dir=None, out_dir=None, years=None, progress=None, jobs: int | None = None,
                force: bool = False, overview: bool | None = None, parts=None,
                method: str | None = None) -> list[BuildResult]:
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
    parts : sequence of str or Part, optional
        What a year's build makes (default :data:`YEAR_PARTS`); a ``Part``
        named ``overview_part`` replaces the overview's.
    method : str, optional
        The pool's start method (see :func:`start_method`).

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
    chosen = resolve_parts(YEAR_PARTS if parts is None else parts)
    year_parts = [p for p in chosen if p.name != "overview_part"]
    overview_parts = [p for p in chosen if p.name == "overview_part"] or [PARTS["overview_part"]]
    method = start_method(method) if (jobs or 2) > 1 else None
    years = check_years(folder, years)
    out = Path(out_dir).resolve() if out_dir is not None else default_out_dir(folder)
    folders.check_out_dir(out, folder)  # before any work: see serviceprogram.build.folders
    folders.check_targets(out, [str(y) for y in years] + ([cache.PROGRAM_FOLDER] if overview else []))
    remove_stale_staging(out)  # left by a build killed outright
    todo = stale_years(folder, out, years, force)
    results = {y: BuildResult(y, out / str(y), skipped=True) for y in years if y not in todo}
    all_years = find_years(folder)
    with_overview = overview and (force or not cache.is_fresh(out, folder, cache.PROGRAM_FOLDER, all_years))
    # Hashed before anything is read: a file saved from now on leaves the year stale, to be built again.
    manifests = {y: cache.manifest_for(folder, y) for y in todo}
    if with_overview:
        manifests[0] = cache.manifest_for(folder, cache.PROGRAM_FOLDER, all_years)
    if manifests:
        kernel = any(p.kernel for p in year_parts) or (with_overview and overview_parts[0].kernel)
        with _workers(jobs, len(year_parts) * len(todo) + with_overview, method, kernel) as pool:
            loaded = validate_all(folder, todo) if todo else {}
            _add_previous_years(folder, todo, loaded)
            _search_roads(loaded)
            out.mkdir(parents=True, exist_ok=True)
            work = [_year_job(folder, out, y, loaded, manifests[y], year_parts) for y in todo]
            if with_overview:
                overview_job = _Job(0, out / cache.PROGRAM_FOLDER, manifests[0], [(overview_parts[0], (folder,))])
                sources = {y: out / str(y) for y in all_years}
                sources.update({job.key: job for job in work})
                overview_job.prepare = lambda: _gather_results(overview_job, sources)
                work.append(overview_job)
            for result in _run(pool, work, progress):
                results[result.year] = result
    return [results[y] for y in years] + ([results[0]] if 0 in results else [])


def _gather_results(job: _Job, sources: dict) -> None:
    """Copy every year's saved results into the overview's staging folder, for its notebook to read.

    ``sources``: year -> the year's :class:`_Job` in this build (its staging
    folder, or its published one once done) or its published folder from an
    earlier build. A copy, made in this process, which alone publishes: a
    year published while the overview runs cannot move the files it reads.
    Years without complete results are left out (the overview computes them).
    """
    from ..results import FOLDER, MANIFEST

    target = job.staging / OVERVIEW_RESULTS
    for year, source in sorted(sources.items()):
        if isinstance(source, _Job):
            source = source.final if source.published else source.staging
        folder = Path(source) / FOLDER
        if (folder / MANIFEST).is_file():
            shutil.copytree(folder, target / str(year))


def _search_roads(loaded: dict) -> None:
    """Search the road network once per loaded year, before the parts start.

    The report, the what-if page and the exports run in other processes; they
    find the result in the road cache (:func:`serviceprogram.analysis.roads.figures.cached_result`)
    instead of each searching the network again. Without a network this does nothing.
    """
    from ..analysis.roads.figures import cached_result
    from ..analysis.roads.settings import load_settings

    for data in loaded.values():
        if data is None or data.befolkning is None:
            continue
        settings = load_settings(data.data_dir)
        if settings is None:
            return
        cached_result(settings, data.year, data.befolkning, data.tables["serviceplatser"])


def _add_previous_years(folder: Path, years, loaded: dict) -> None:
    """Load the previous year of each year (for its comparisons) when valid, so workers need not."""
    from ..analysis.checks import load_checked_year
    from ..errors import ServiceprogramError

    for year in years:
        if year - 1 not in loaded and (folder / str(year - 1)).is_dir():
            try:
                loaded[year - 1] = load_checked_year(folder, year - 1)
            except ServiceprogramError:
                pass  # an invalid previous year: the report then has no comparison (see Report.load)


def _year_job(folder: Path, out: Path, year: int, loaded: dict, manifest: dict, parts) -> _Job:
    data = (folder, year, loaded.get(year), loaded.get(year - 1))
    return _Job(year, out / str(year), manifest,
                [(part, data if part.loaded else (folder, year, None, None)) for part in parts])


@contextlib.contextmanager
def _workers(jobs: int | None, parts: int, method: str | None = None, kernel: bool = True):
    """``(pool, workers)``: workers that start their kernels at once (None: build in this process).

    ``method``: the start method (:func:`start_method`); ``kernel``: launch
    the kernels early (some part runs a notebook). Each worker watches this
    process and ends, with its kernel, should this process die.
    """
    workers = max(1, min(jobs or os.cpu_count() or 1, parts))
    if workers == 1:
        if kernel:
            _launch_kernel_early()
        try:
            yield None
        except BaseException:
            shutdown_kernel()  # kept for the next build of this process only when this one succeeded
            raise
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(start_method(method))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                               initargs=(os.getpid(), kernel))
    pool.submit(int)  # starts every worker now, so that their kernels boot during the validation
    try:
        yield pool, workers
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stop_workers(pool) -> None:
    """Kill the pool's workers and their kernels now (an interrupt: nothing of theirs will be published).

    Waiting for them could take minutes (a PDF under load), longer than a
    service manager waits after SIGTERM. Publishing happens in this process
    only, so a killed worker can leave at most an unpublished staging folder,
    which the caller removes.
    """
    import psutil

    workers = list((getattr(pool, "_processes", None) or {}).values())  # the executor's workers
    descendants, own = [], []
    for process in workers:
        try:
            worker = psutil.Process(process.pid)
            descendants += worker.children(recursive=True)
            own.append(worker)
        except psutil.Error:
            continue
    for victim in descendants + own:
        with contextlib.suppress(psutil.Error):
            victim.kill()
    psutil.wait_procs(descendants, timeout=10)
    # The workers are this process's children: multiprocessing must reap them itself. Were psutil
    # to reap them, multiprocessing would take them for alive for ever and the executor's
    # shutdown would wait for ever (CPython's Popen.poll reads "already reaped" as "running").
    for process in workers:
        process.join(10)


def _needs(part: Part, job: _Job, jobs: list[_Job]) -> set:
    """The (job key, part name) pairs that must be done before ``part`` of ``job`` starts.

    :attr:`Part.after` names parts of the same year; for the overview (key 0),
    of every year in the build. A part the build does not make is not waited for.
    """
    sources = [j for j in jobs if j.key != 0] if job.key == 0 else [job]
    return {(j.key, p.name) for j in sources for p, _ in j.parts if p.name in part.after}


def _run(pool, jobs: list[_Job], progress):
    """Run the jobs' parts in the pool (or in this process); yield each job's result when published.

    Parts are handed out one per free worker: the jobs in windows of twice
    as many jobs as workers, and within a window the longest parts first
    (:attr:`Part.rank`), so that short parts fill the gaps at the end while
    years are still published as the batch goes. A part waits for the parts
    it reads (:func:`_needs`); the next one that may start goes first.

    Whatever happens, no staging folder is left behind: on an error the
    running parts are waited for, on an interrupt (Ctrl-C, SIGTERM) the
    workers and their kernels are stopped at once, then every unpublished
    staging folder is removed.
    """
    total = len(jobs)
    pending: dict = {}
    try:
        for job in jobs:
            job.open()
            job.pending = len(job.parts)
        if pool is None:
            for job in jobs:
                if progress:
                    progress("start", job.key, total=total)
                if job.prepare is not None:
                    job.prepare()
                for part, args in sorted(job.parts, key=lambda item: bool(item[0].after)):
                    job.warnings += _run_part(part, job.staging, *args)
                result = job.finish()
                if progress:
                    progress("done", job.key, result)
                yield result
            return
        from concurrent.futures import FIRST_COMPLETED, wait

        pool, workers = pool
        window = 2 * workers
        queue = [(index // window, part.rank, part, args, job)
                 for index, job in enumerate(jobs) for part, args in job.parts]
        queue.sort(key=lambda part: part[:2])  # stable: years stay in order within a rank
        started, finished = set(), set()
        try:
            while queue or pending:
                while len(pending) < workers:
                    ready = next((i for i, item in enumerate(queue)
                                  if _needs(item[2], item[4], jobs) <= finished), None)
                    if ready is None:
                        break
                    _, _, part, args, job = queue.pop(ready)
                    if job.key not in started:
                        started.add(job.key)
                        if progress:
                            progress("start", job.key, total=total)
                        if job.prepare is not None:
                            job.prepare()
                    pending[pool.submit(_run_part, part, job.staging, *args)] = (job, part)
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    job, part = pending.pop(future)
                    finished.add((job.key, part.name))
                    job.warnings += future.result()
                    job.pending -= 1
                    if not job.pending:
                        result = job.finish()
                        if progress:
                            progress("done", job.key, result)
                        yield result
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):  # Ctrl-C or SIGTERM: what runs would not be published
                _stop_workers(pool)
            for future in pending:
                future.cancel()
            wait(pending)  # let running parts end before their folders are removed
            raise
    finally:
        for job in jobs:
            job.close()  # the staging folder is gone already when published
