"""The batch engine: parts of a year, early workers, the loaded-year memo, the manifest."""
from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import Future

import pytest
from conftest import DATA, kernels, read_rows, set_cell, snapshot

from serviceprogram import build, cache
from serviceprogram.errors import DataError
from serviceprogram.loading import load_year
from serviceprogram.paths import find_years


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

@pytest.mark.parametrize("jobs", [1, 2])
def test_an_invalid_batch_leaves_no_worker_or_kernel_running(data_dir, tmp_path, jobs):
    set_cell(data_dir / "2024/stod.csv", 3, "beslutsdatum", "2024-02-31")
    out = tmp_path / "out"
    before = kernels()
    with pytest.raises(DataError) as caught:
        build.build_years(data_dir, out, None, jobs=jobs, force=True)
    assert any(p.value == "2024-02-31" for p in caught.value.problems)
    assert not multiprocessing.active_children(), "workers left running"
    assert not kernels() - before, "kernels left running"  # at once: not left to ipykernel's parent poller
    assert not out.exists() or not any(out.iterdir()), "something was written"


def test_each_worker_reuses_one_kernel(tmp_path, monkeypatch):
    """Every notebook of a batch runs in one of two worker processes, each with one kernel."""
    log = tmp_path / "executions.jsonl"
    real = build._execute

    def logged(notebook, *args):
        result = real(notebook, *args)
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"pid": os.getpid(), "kernel": build._kernel().kernel_id}) + "\n")
        return result

    monkeypatch.setattr(build, "_execute", logged)  # inherited by the forked workers
    build.build_years(DATA, tmp_path / "out", None, jobs=2, force=True)
    runs = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(runs) == 2 * len(find_years(DATA)) + 1  # two notebooks per year, one overview
    workers = {run["pid"] for run in runs}
    assert len(workers) == 2 and os.getpid() not in workers  # imports are paid per worker, not per year
    for pid in workers:
        assert len({run["kernel"] for run in runs if run["pid"] == pid}) == 1, "a worker started a second kernel"


# -- parts, order and publishing --------------------------------------------------------

class RecordingPool:
    """Stands in for the process pool: records what is submitted and finishes it at once."""

    def __init__(self):
        self.submitted = []

    def submit(self, function, staging, *args):
        self.submitted.append((function.__name__, args[1] if len(args) > 1 else 0))
        future = Future()
        future.set_result(0)
        return future


def test_parts_are_handed_out_by_windows_of_years_longest_first(tmp_path):
    def part(name):
        def function(*args):
            return 0
        function.__name__ = name
        return function

    jobs = [build._Job(year, tmp_path / str(year), {}, [(part(name), (DATA, year)) for name in build.YEAR_PARTS])
            for year in range(2023, 2029)]
    jobs.append(build._Job(0, tmp_path / "program", {}, [(part("overview_part"), (DATA,))]))
    pool = RecordingPool()
    results = list(build._run((pool, 2), jobs, None))
    assert sorted(r.year for r in results) == [0, 2023, 2024, 2025, 2026, 2027, 2028]
    first_window = [(name, 2023 + i) for name in ("report_part", "whatif_part", "exports_part") for i in range(4)]
    assert pool.submitted[:12] == first_window  # four years (twice the workers), longest parts first
    assert pool.submitted[12:] == [("report_part", 2027), ("report_part", 2028), ("overview_part", 0),
                                   ("whatif_part", 2027), ("whatif_part", 2028),
                                   ("exports_part", 2027), ("exports_part", 2028)]
    published = sorted(p.name for p in tmp_path.iterdir() if p.name != build.LOCK_FILE)
    assert published == ["2023", "2024", "2025", "2026", "2027", "2028", "program"]  # no staging left


def _crash(*args, **kwargs):
    raise RuntimeError("kraschade")


# What breaks each part (patched here, inherited by the forked workers). A
# failing report part: tests/test_atomic.py::test_failing_worker_leaves_previous_outputs.
BREAKS = {
    "whatif_part": ("serviceprogram.build.WHATIF_NOTEBOOK", "finns-inte.ipynb", FileNotFoundError, "finns-inte"),
    "exports_part": ("serviceprogram.memo.write_memo", _crash, RuntimeError, "kraschade"),
}


@pytest.mark.parametrize("failing", sorted(BREAKS))
def test_a_failing_part_publishes_nothing_of_its_year(previous_good, data_dir, monkeypatch, failing):
    target, value, error, message = BREAKS[failing]
    monkeypatch.setattr(target, value)
    before = snapshot(previous_good / "2024")
    with pytest.raises(error, match=message):
        build.build_years(data_dir, previous_good, [2024], jobs=2, force=True)
    assert snapshot(previous_good / "2024") == before
    assert not [p.name for p in previous_good.iterdir() if p.name.startswith(".2024")], "staging folder left"
    assert not multiprocessing.active_children()


# -- the manifest -----------------------------------------------------------------------

@pytest.mark.parametrize("moment", ["after validation", "during a part"])
def test_a_file_saved_during_the_build_leaves_the_year_stale(data_dir, tmp_path, monkeypatch, moment):
    def save():
        set_cell(data_dir / "2024/stod.csv", 2, "mottagare", "Sparad under bygget")

    if moment == "after validation":
        real_validate = build.validate_all

        def validate_then_save(*args):
            result = real_validate(*args)
            save()
            return result

        monkeypatch.setattr(build, "validate_all", validate_then_save)
    else:
        real_exports = build.exports_part

        def exports_while_saving(*args):
            save()
            return real_exports(*args)

        monkeypatch.setattr(build, "exports_part", exports_while_saving)
    out = tmp_path / "out"
    build.build_years(data_dir, out, [2023, 2024], jobs=1, force=True)
    assert (out / "2024" / cache.MANIFEST).is_file()
    assert build.stale_years(data_dir, out, [2023, 2024]) == [2024]


def test_a_kernel_that_fails_to_launch_early_is_started_by_the_first_notebook(tmp_path, monkeypatch):
    def refuse():
        raise RuntimeError("ingen kärna just nu")

    monkeypatch.setattr(build, "start_kernel", refuse)  # inherited by the forked workers
    results = build.build_years(DATA, tmp_path / "out", [2024], jobs=2, force=True)
    assert [r.year for r in results] == [2024]
    assert (tmp_path / "out" / "2024" / "uppfoljning-2024.pdf").is_file()
