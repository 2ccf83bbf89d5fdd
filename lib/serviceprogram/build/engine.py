"""Building the yearly reports: validate, execute the notebooks, render, publish.

- Years whose inputs are unchanged are skipped (:mod:`serviceprogram.build.cache`).
- The worker processes start first (``fork`` on Linux, ``spawn`` on Windows
  and macOS, see :func:`.workers.start_method`) and launch their Jupyter kernels,
  which boot while the parent checks the text templates
  (:func:`serviceprogram.publishing.wording.check_wording`) and validates every
  year to build: a broken template or one invalid year stops the whole batch
  before anything is written, with every problem listed, and the workers stop
  at once (:mod:`.workers`).
- A year is built as four parts (follow-up report, its PDF, what-if page,
  exported files), handed out to the free workers a few years at a time,
  longest parts first. The report's notebook computes the year's results once and
  saves them in the staging folder (:mod:`serviceprogram.results`); the
  PDF, the what-if page and the exports of that year start after it and
  read what it wrote,
  and the overview starts after every year's report and reads a copy of
  them all (:attr:`.parts.Part.after`). A worker imports
  papermill, nbconvert and WeasyPrint on its first part and reuses them and
  its kernel for the next ones.
- Each year is built in a temporary folder beside its output folder and
  swapped in under a lock only when all its parts are done (:mod:`.staging`),
  so a failed, interrupted or concurrent build never leaves partial files or
  damages a good report. The manifest is hashed before the build starts: a
  data file saved during the build leaves the year stale, to be built again.
- Parts are :class:`.parts.Part` records looked up by name in :data:`.parts.PARTS`;
  what goes to a worker is picklable (a module-level function and its
  arguments), so nothing depends on state that only a forked process sees.
- A staging folder belongs to the build that holds its owner lock; a build
  killed outright leaves it behind, and the next build into the same folder
  removes it (:func:`.staging.remove_stale_staging`). Workers end when the
  parent dies (:mod:`serviceprogram.build.lifeline`).

This module keeps the orchestration (:func:`build_years`) and names the
public parts of :mod:`.parts`, :mod:`.staging` and :mod:`.workers` too.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, UsageError
from ..inputs.program import load_program
from ..paths import check_year, default_out_dir, find_years, resolve_data_dir
from ..publishing.wording import check_wording
from . import cache, folders
from .parts import (
    NOTEBOOK,
    OVERVIEW_NOTEBOOK,
    OVERVIEW_RESULTS,
    PARTS,
    WHATIF_NOTEBOOK,
    YEAR_PARTS,
    Part,
    execute_notebook,
    exports_part,
    notebook_path,
    overview_part,
    pdf_part,
    report_part,
    resolve_parts,
    results_dir,
    run_part,
    whatif_part,
)
from .staging import LOCK_FILE, STAGING_MARKER, STAGING_PATTERN, BuildResult, Job, publish, remove_stale_staging
from .workers import (
    START_METHOD_ENV,
    START_METHODS,
    shutdown_kernel,
    start_kernel,
    start_method,
    stop_workers,
    worker_pool,
)

__all__ = ["check_years", "validate_all", "stale_years", "build_years",
           # named here for the callers of the engine (defined in .parts, .staging and .workers)
           "NOTEBOOK", "WHATIF_NOTEBOOK", "OVERVIEW_NOTEBOOK", "OVERVIEW_RESULTS", "notebook_path",
           "execute_notebook", "results_dir", "report_part", "pdf_part", "exports_part", "whatif_part",
           "overview_part",
           "Part", "PARTS", "YEAR_PARTS", "resolve_parts", "LOCK_FILE", "STAGING_MARKER", "STAGING_PATTERN",
           "BuildResult", "Job", "publish", "remove_stale_staging", "START_METHOD_ENV", "START_METHODS",
           "start_method", "start_kernel", "shutdown_kernel"]


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
        check_year(year)
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


def stale_years(data_dir: Path, out_dir: Path, years, force: bool = False) -> list[int]:
    """The years whose outputs are missing or built from other inputs."""
    return [y for y in years if force or not cache.is_fresh(out_dir, data_dir, y)]


def build_years(data_dir=None, out_dir=None, years=None, progress=None, jobs: int | None = None,
                force: bool = False, overview: bool | None = None, parts=None,
                method: str | None = None) -> list[BuildResult]:
    """Validate the years that need it, then build them (and the overview) in parallel.

    The workers start (and start their kernels) while the data is validated;
    a year's parts may be built by different workers and are published
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
    method = start_method(method) if (jobs or 2) > 1 else None
    years = check_years(folder, years)
    out = _checked_out_dir(folder, out_dir, years, overview)
    todo = stale_years(folder, out, years, force)
    results = {y: BuildResult(y, out / str(y), skipped=True) for y in years if y not in todo}
    batch = _Batch(folder, out, find_years(folder), chosen)
    with_overview = overview and (force or not cache.is_fresh(out, folder, cache.PROGRAM_FOLDER, batch.all_years))
    manifests = _manifests(batch, todo, with_overview)
    if manifests:
        results.update((result.year, result) for result in _build(batch, manifests, jobs, method, progress))
    return [results[y] for y in years] + ([results[0]] if 0 in results else [])


@dataclass(frozen=True)
class _Batch:
    """What every step of a build needs: its folders and its parts."""

    folder: Path  # the data folder
    out: Path  # the outputs folder
    all_years: list[int]  # every year folder of the data (the overview reads them all)
    chosen: list[Part]  # the parts asked for (see build_years' ``parts``)

    @property
    def year_parts(self) -> list[Part]:
        return [p for p in self.chosen if p.name != "overview_part"]

    @property
    def overview_part(self) -> Part:
        return ([p for p in self.chosen if p.name == "overview_part"] or [PARTS["overview_part"]])[0]


def _checked_out_dir(folder: Path, out_dir, years: list[int], overview: bool) -> Path:
    """The outputs folder, checked before any work (:mod:`.folders`), without what a killed build left."""
    out = Path(out_dir).resolve() if out_dir is not None else default_out_dir(folder)
    folders.check_out_dir(out, folder)  # before any work: see serviceprogram.build.folders
    folders.check_targets(out, [str(y) for y in years] + ([cache.PROGRAM_FOLDER] if overview else []))
    remove_stale_staging(out)  # left by a build killed outright
    return out


def _manifests(batch: _Batch, todo: list[int], with_overview: bool) -> dict:
    """The manifest of each year to build, and of the overview (key 0) when it is built."""
    # Hashed before anything is read: a file saved from now on leaves the year stale, to be built again.
    manifests = {y: cache.manifest_for(batch.folder, y) for y in todo}
    if with_overview:
        manifests[0] = cache.manifest_for(batch.folder, cache.PROGRAM_FOLDER, batch.all_years)
    return manifests


def _build(batch: _Batch, manifests: dict, jobs: int | None, method: str | None, progress) -> list[BuildResult]:
    """Start the workers, validate the years of ``manifests`` meanwhile, then build them (and the overview, key 0)."""
    todo = [key for key in manifests if key != 0]
    with_overview = 0 in manifests
    year_parts, overview = batch.year_parts, batch.overview_part
    kernel = any(p.kernel for p in year_parts) or (with_overview and overview.kernel)
    built = []
    with worker_pool(jobs, len(year_parts) * len(todo) + with_overview, method, kernel) as pool:
        check_wording()  # an edited text template that cannot be read stops the batch here, named
        loaded = validate_all(batch.folder, todo) if todo else {}
        _add_previous_years(batch.folder, todo, loaded)
        _search_roads(loaded)
        batch.out.mkdir(parents=True, exist_ok=True)
        work = [_year_job(batch.folder, batch.out, y, loaded, manifests[y], year_parts) for y in todo]
        if with_overview:
            work.append(_overview_job(batch, manifests[0], overview, work))
        for result in _run(pool, work, progress):
            built.append(result)
    return built


def _overview_job(batch: _Batch, manifest: dict, part: Part, work: list[Job]) -> Job:
    """The overview's job: before its part starts, it gathers the results of every year (this build's first)."""
    job = Job(0, batch.out / cache.PROGRAM_FOLDER, manifest, [(part, (batch.folder,))])
    sources = {y: batch.out / str(y) for y in batch.all_years}
    sources.update({year_job.key: year_job for year_job in work})
    job.prepare = lambda: _gather_results(job, sources)
    return job


def _gather_results(job: Job, sources: dict) -> None:
    """Copy every year's saved results into the overview's staging folder, for its notebook to read.

    ``sources``: year -> the year's :class:`Job` in this build (its staging
    folder, or its published one once done) or its published folder from an
    earlier build. A copy, made in this process, which alone publishes: a
    year published while the overview runs cannot move the files it reads.
    Years without complete results are left out (the overview computes them).
    """
    from ..results import FOLDER, MANIFEST

    target = job.staging / OVERVIEW_RESULTS
    for year, source in sorted(sources.items()):
        if isinstance(source, Job):
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


def _year_job(folder: Path, out: Path, year: int, loaded: dict, manifest: dict, parts) -> Job:
    data = (folder, year, loaded.get(year), loaded.get(year - 1))
    return Job(year, out / str(year), manifest,
                [(part, data if part.loaded else (folder, year, None, None)) for part in parts])

def _needs(part: Part, job: Job, jobs: list[Job]) -> set:
    """The (job key, part name) pairs that must be done before ``part`` of ``job`` starts.

    :attr:`Part.after` names parts of the same year; for the overview (key 0),
    of every year in the build. A part the build does not make is not waited for.
    """
    sources = [j for j in jobs if j.key != 0] if job.key == 0 else [job]
    return {(j.key, p.name) for j in sources for p, _ in j.parts if p.name in part.after}


def _run(pool, jobs: list[Job], progress):
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
    try:
        for job in jobs:
            job.open()
            job.pending = len(job.parts)
        if pool is None:
            yield from _run_here(jobs, progress)
        else:
            yield from _run_in_pool(*pool, jobs, progress)
    finally:
        for job in jobs:
            job.close()  # the staging folder is gone already when published


def _begin(job: Job, total: int, progress) -> None:
    """A job's first part is about to start: tell ``progress``, let the job prepare."""
    if progress:
        progress("start", job.key, total=total)
    if job.prepare is not None:
        job.prepare()


def _end(job: Job, progress) -> BuildResult:
    """A job's last part is done: publish it and tell ``progress``."""
    result = job.finish()
    if progress:
        progress("done", job.key, result)
    return result


def _run_here(jobs: list[Job], progress):
    """Run the jobs' parts one after the other in this process (see :func:`_run`)."""
    for job in jobs:
        _begin(job, len(jobs), progress)
        for part, args in sorted(job.parts, key=lambda item: bool(item[0].after)):
            job.warnings += run_part(part, job.staging, *args)
        yield _end(job, progress)


def _run_in_pool(pool, workers: int, jobs: list[Job], progress):
    """Hand the jobs' parts out to the pool's free workers (see :func:`_run`); yield each published result."""
    from concurrent.futures import FIRST_COMPLETED, wait

    window = 2 * workers
    queue = [(index // window, part.rank, part, args, job)
             for index, job in enumerate(jobs) for part, args in job.parts]
    queue.sort(key=lambda part: part[:2])  # stable: years stay in order within a rank
    started, finished, pending = set(), set(), {}
    try:
        while queue or pending:
            while len(pending) < workers:
                ready = next((i for i, item in enumerate(queue) if _needs(item[2], item[4], jobs) <= finished), None)
                if ready is None:
                    break
                _, _, part, args, job = queue.pop(ready)
                if job.key not in started:
                    started.add(job.key)
                    _begin(job, len(jobs), progress)
                pending[pool.submit(run_part, part, job.staging, *args)] = (job, part)
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job, part = pending.pop(future)
                finished.add((job.key, part.name))
                job.warnings += future.result()
                job.pending -= 1
                if not job.pending:
                    yield _end(job, progress)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):  # Ctrl-C or SIGTERM: what runs would not be published
            stop_workers(pool)
        for future in pending:
            future.cancel()
        wait(pending)  # let running parts end before their folders are removed
        raise
