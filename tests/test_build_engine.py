"""The batch engine: parts of a year, early workers, the loaded-year memo, the manifest.

The tests of workers and publishing run under both process start methods
(``fork``, Linux's default, and ``spawn``, Windows' and macOS'), with the
stand-in parts of ``engine_stubs`` where they check the engine rather than
the reports.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from concurrent.futures import Future

import engine_stubs as stubs
import pytest
from conftest import DATA, kernels, read_rows, set_cell, snapshot
from serviceprogram.build import cache
from serviceprogram.build import engine as build
from serviceprogram.errors import DataError, UsageError
from serviceprogram.inputs.loading import load_year
from serviceprogram.paths import find_years

METHODS = [m for m in ("fork", "spawn") if m in multiprocessing.get_all_start_methods()]


@pytest.fixture(params=METHODS)
def method(request, monkeypatch):
    """The pool's start method, chosen as a user would (the environment variable)."""
    monkeypatch.setenv(build.START_METHOD_ENV, request.param)
    return request.param


def _leftovers(out) -> list[str]:
    """Staging folders and owner locks left in an outputs folder."""
    return sorted(p.name for p in out.iterdir() if "-bygge-" in p.name or "-gammal-" in p.name) if out.is_dir() else []


# -- the loaded-year memo ---------------------------------------------------------------

def test_loaded_year_is_a_private_copy(data_dir):
    first = load_year(data_dir, 2024)
    first.tables["stod"].loc[:, "belopp_kr"] = 0
    first.warnings.clear()
    second = load_year(data_dir, 2024)
    assert second is not first
    assert second.tables["stod"]["belopp_kr"].sum() == 13_585_672
    assert second.warnings == load_year(data_dir, 2024).warnings


def test_a_changed_file_is_read_again_even_with_the_same_size_and_time(data_dir):
    path = data_dir / "2024/stod.csv"
    old = read_rows(path)[1][read_rows(path)[0].index("mottagare")]
    load_year(data_dir, 2024)
    stat = path.stat()
    new = "X" * len(old.encode("utf-8"))
    path.write_bytes(path.read_bytes().replace(old.encode("utf-8"), new.encode("utf-8"), 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same time: only the content tells
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert new in set(load_year(data_dir, 2024).tables["stod"]["mottagare"])


# -- workers and kernels ----------------------------------------------------------------

@pytest.mark.parametrize("jobs, chosen", [(1, None)] + [(2, m) for m in METHODS])
def test_an_invalid_batch_leaves_no_worker_or_kernel_running(data_dir, tmp_path, monkeypatch, jobs, chosen):
    if chosen:
        monkeypatch.setenv(build.START_METHOD_ENV, chosen)
    set_cell(data_dir / "2024/stod.csv", 3, "beslutsdatum", "2024-02-31")
    out = tmp_path / "out"
    before = kernels()
    with pytest.raises(DataError) as caught:
        build.build_years(data_dir, out, None, jobs=jobs, force=True)
    assert any(p.value == "2024-02-31" for p in caught.value.problems)
    assert not multiprocessing.active_children(), "workers left running"
    assert not kernels() - before, "kernels left running"  # at once: not left to ipykernel's parent poller
    assert not out.exists() or not any(out.iterdir()), "something was written"


def test_each_worker_reuses_one_kernel(tmp_path, method):
    """Every notebook of a batch runs in one of the two worker processes, each with one kernel."""
    out = tmp_path / "out"
    parts = stubs.parts(report=stubs.notebook, whatif=stubs.notebook, kernel=True)
    build.build_years(DATA, out, None, jobs=2, force=True, parts=(*parts, stubs.overview(stubs.notebook, True)))
    runs = [r for folder in out.iterdir() if folder.is_dir() for r in stubs.records(folder) if "kernel" in r]
    assert len(runs) == 2 * len(find_years(DATA)) + 1  # two notebooks per year, one overview
    workers = {run["pid"] for run in runs}
    assert 1 <= len(workers) <= 2 and os.getpid() not in workers  # imports are paid per worker, not per year
    for pid in workers:
        assert len({run["kernel"] for run in runs if run["pid"] == pid}) == 1, "a worker started a second kernel"
    assert not multiprocessing.active_children() and not kernels(), "workers or kernels left running"


def test_the_start_method_is_chosen_by_option_or_environment(monkeypatch):
    monkeypatch.delenv(build.START_METHOD_ENV, raising=False)
    assert build.start_method() == ("fork" if sys.platform.startswith("linux") else "spawn")
    monkeypatch.setenv(build.START_METHOD_ENV, "spawn")
    assert build.start_method() == "spawn"
    assert build.start_method("fork") == "fork" or "fork" not in METHODS
    monkeypatch.setenv(build.START_METHOD_ENV, "gaffel")
    with pytest.raises(UsageError, match="SERVICEPROGRAM_START_METHOD"):
        build.start_method()


def test_parts_are_found_in_the_registry_by_name():
    assert [p.name for p in build.resolve_parts(build.YEAR_PARTS)] == list(build.YEAR_PARTS)
    assert build.resolve_parts(["report_part"])[0].function is build.report_part
    with pytest.raises(ValueError, match="finns_inte"):
        build.resolve_parts(["finns_inte"])


# -- parts, order and publishing --------------------------------------------------------

class RecordingPool:
    """Stands in for the process pool: records what is submitted and finishes it at once."""

    def __init__(self):
        self.submitted = []

    def submit(self, function, part, staging, *args):
        self.submitted.append((part.name, args[1] if len(args) > 1 else 0))
        future = Future()
        future.set_result(0)
        return future


def test_parts_are_handed_out_by_windows_of_years_longest_first(tmp_path):
    def part(name):
        return build.Part(name, stubs.quick, build.PARTS[name].rank)

    jobs = [build.Job(year, tmp_path / str(year), {}, [(part(name), (DATA, year)) for name in build.YEAR_PARTS])
            for year in range(2023, 2029)]
    jobs.append(build.Job(0, tmp_path / "program", {}, [(part("overview_part"), (DATA,))]))
    pool = RecordingPool()
    results = list(build._run((pool, 2), jobs, None))
    assert sorted(r.year for r in results) == [0, 2023, 2024, 2025, 2026, 2027, 2028]
    first_window = [(name, 2023 + i) for name in ("report_part", "pdf_part", "whatif_part", "exports_part")
                    for i in range(4)]
    assert pool.submitted[:16] == first_window  # four years (twice the workers), longest parts first
    assert pool.submitted[16:] == [("report_part", 2027), ("report_part", 2028), ("pdf_part", 2027),
                                   ("pdf_part", 2028), ("overview_part", 0), ("whatif_part", 2027),
                                   ("whatif_part", 2028), ("exports_part", 2027), ("exports_part", 2028)]
    published = sorted(p.name for p in tmp_path.iterdir() if p.name != build.LOCK_FILE)
    assert published == ["2023", "2024", "2025", "2026", "2027", "2028", "program"]  # no staging, no owner lock left
    assert not any((tmp_path / name / build.STAGING_MARKER).exists() for name in published)


@pytest.mark.parametrize("failing", ["whatif", "exports"])
def test_a_failing_part_publishes_nothing_of_its_year(data_dir, tmp_path, method, failing):
    out = tmp_path / "out"
    build.build_years(data_dir, out, [2024], jobs=1, force=True, parts=stubs.parts())  # the previous good year
    before = snapshot(out / "2024")
    with pytest.raises(RuntimeError, match="kraschade"):  # the part's own error, not a broken pool
        build.build_years(data_dir, out, [2024], jobs=2, force=True, parts=stubs.parts(**{failing: stubs.failing}))
    assert snapshot(out / "2024") == before
    assert not _leftovers(out), "staging folder or owner lock left"
    assert not multiprocessing.active_children()


def test_a_folder_that_cannot_be_moved_in_puts_the_old_report_back(data_dir, tmp_path, monkeypatch):
    """As when Windows refuses to move a folder a virus scanner holds open."""
    out = tmp_path / "out"
    build.build_years(data_dir, out, [2024], jobs=1, force=True, parts=stubs.parts())
    before = snapshot(out / "2024")
    real_replace = os.replace

    def refuse_staging(source, target):
        if "-bygge-" in str(source):
            raise PermissionError(13, "Åtkomst nekad", str(source))
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", refuse_staging)
    with pytest.raises(PermissionError):
        build.build_years(data_dir, out, [2024], jobs=1, force=True, parts=stubs.parts())
    assert snapshot(out / "2024") == before
    assert not _leftovers(out)


def test_the_real_parts_reach_a_spawned_worker(data_dir, tmp_path):
    """The registry's functions and the validated data survive pickling for ``spawn`` (exports: no kernel)."""
    out = tmp_path / "out"
    exports = build.PARTS["exports_part"]
    build.build_years(data_dir, out, [2024], jobs=2, force=True, method="spawn",
                      parts=(exports, build.Part("whatif_part", stubs.quick, 2, kernel=False)))
    names = {p.name for p in (out / "2024").iterdir()}
    assert {"indikatorer-2024.csv", "uppfoljning-2024.xlsx", "tjansteskrivelse-2024.docx"} <= names


# -- stale staging folders --------------------------------------------------------------

def _stale(out, name="2024", token="0123456789abcdef", marker=True):
    folder = out / f".{name}-bygge-{token}"
    folder.mkdir(parents=True)
    (folder / "uppfoljning-2024.html").write_text("halvfärdig", encoding="utf-8")
    if marker:
        (folder / build.STAGING_MARKER).write_text("{}", encoding="utf-8")
    return folder


HOLD_LOCK = """
import sys
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("låst", flush=True)
sys.stdin.read()
"""


def test_the_next_build_removes_stale_staging_but_nothing_else(data_dir, tmp_path):
    out = tmp_path / "out"
    stale = _stale(out)
    old = out / ".2023-gammal-123-456"  # a replaced folder whose removal was cut short
    old.mkdir()
    (old / cache.MANIFEST).write_text("{}", encoding="utf-8")
    running = _stale(out, "2025", "fedcba9876543210")  # a build that is still running holds its lock
    unmarked = _stale(out, "2025", "00000000000000aa", marker=False)  # right name, but not ours
    mine = out / ".2024-bygge-mitt"
    mine.mkdir()
    (mine / build.STAGING_MARKER).write_text("{}", encoding="utf-8")  # our marker, but not our name
    link_target = tmp_path / "elsewhere"
    link_target.mkdir()
    (link_target / build.STAGING_MARKER).write_text("{}", encoding="utf-8")
    (out / ".2026-bygge-1111111111111111").symlink_to(link_target, target_is_directory=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out / f"{running.name}.lock")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "låst"
        build.build_years(data_dir, out, [2024], jobs=1, force=True, parts=stubs.parts())
        assert not stale.exists() and not old.exists()
        assert running.is_dir() and unmarked.is_dir() and mine.is_dir()
        assert (out / ".2026-bygge-1111111111111111").is_symlink() and (link_target / build.STAGING_MARKER).is_file()
        assert (out / "2024" / cache.MANIFEST).is_file()
    finally:
        holder.communicate("", timeout=30)
    assert build.remove_stale_staging(out) == [running]  # its build has ended now


# -- the manifest -----------------------------------------------------------------------

@pytest.mark.parametrize("moment", ["after validation", "during a part"])
def test_a_file_saved_during_the_build_leaves_the_year_stale(data_dir, tmp_path, monkeypatch, moment):
    parts = stubs.parts()
    if moment == "after validation":
        real_validate = build.validate_all

        def validate_then_save(*args):
            result = real_validate(*args)
            set_cell(data_dir / "2024/stod.csv", 2, "mottagare", "Sparad under bygget")
            return result

        monkeypatch.setattr(build, "validate_all", validate_then_save)  # in this process (jobs=1)
    else:
        parts = stubs.parts(exports=stubs.saving)
    out = tmp_path / "out"
    build.build_years(data_dir, out, [2023, 2024], jobs=1, force=True, parts=parts)
    stored = {y: json.loads((out / str(y) / cache.MANIFEST).read_text(encoding="utf-8")) for y in (2023, 2024)}
    assert stored[2023] == cache.manifest_for(data_dir, 2023)  # not affected by the 2024 file
    assert stored[2024] != cache.manifest_for(data_dir, 2024)  # hashed before the save: stale, built again


def test_a_kernel_that_fails_to_launch_early_is_started_by_the_first_notebook(tmp_path, monkeypatch):
    def refuse():
        raise RuntimeError("ingen kärna just nu")

    # Patched here and inherited by the workers: possible with fork only (the behaviour is the same under spawn).
    monkeypatch.setattr("serviceprogram.build.workers.start_kernel", refuse)  # where the workers call it
    out = tmp_path / "out"
    parts = stubs.parts(report=stubs.notebook, whatif=stubs.notebook, kernel=True)
    results = build.build_years(DATA, out, [2024], jobs=2, force=True, method="fork", parts=parts)
    assert [r.year for r in results] == [2024]
    assert len([r for r in stubs.records(out / "2024") if "kernel" in r]) == 2
