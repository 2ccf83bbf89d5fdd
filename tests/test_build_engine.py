"""The batch engine: parts of a year, early workers, the loaded-year memo, the manifest."""
from __future__ import annotations

import multiprocessing
import os
import time

import psutil
import pytest
from conftest import read_rows, set_cell, snapshot

from serviceprogram import build, cache
from serviceprogram.errors import DataError
from serviceprogram.loading import load_year


def kernels() -> set[int]:
    """Process ids of running Jupyter kernels."""
    found = set()
    for process in psutil.process_iter(["cmdline"]):
        if any("ipykernel" in part for part in process.info["cmdline"] or []):
            found.add(process.pid)
    return found


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


def test_an_invalid_batch_stops_its_workers_and_kernels_at_once(data_dir, tmp_path):
    set_cell(data_dir / "2024/stod.csv", 3, "beslutsdatum", "2024-02-31")
    before = kernels()
    out = tmp_path / "out"
    start = time.perf_counter()
    with pytest.raises(DataError) as caught:
        build.build_years(data_dir, out, None, jobs=2, force=True)
    seconds = time.perf_counter() - start
    assert any(p.value == "2024-02-31" for p in caught.value.problems)
    assert not multiprocessing.active_children(), "workers left running"
    deadline = time.monotonic() + 10
    while kernels() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not kernels() - before, "kernels left running"
    assert not out.exists() or not any(out.iterdir()), "something was written"
    assert seconds < 60  # generous; `make bench` has the figures


def test_the_manifest_holds_the_inputs_the_build_started_from(data_dir, tmp_path, monkeypatch):
    """A data file saved while a year is being built makes that year stale, not fresh."""
    real = build.exports_part

    def exports_while_the_analyst_saves(staging, folder, year, *args):
        set_cell(data_dir / "2024/stod.csv", 2, "mottagare", "Sparad under bygget")
        return real(staging, folder, year, *args)

    monkeypatch.setattr(build, "exports_part", exports_while_the_analyst_saves)
    out = tmp_path / "out"
    build.build_years(data_dir, out, [2024], jobs=1, force=True)
    assert (out / "2024" / cache.MANIFEST).is_file()
    assert build.stale_years(data_dir, out, [2024]) == [2024]


def _crash(*args, **kwargs):
    raise RuntimeError("kraschade")


# What breaks each part (patched here, inherited by the forked workers). A
# failing report part: tests/test_atomic.py::test_failing_worker_leaves_previous_outputs.
BREAKS = {
    "whatif_part": ("serviceprogram.build.WHATIF_NOTEBOOK", "finns-inte.ipynb"),
    "exports_part": ("serviceprogram.memo.write_memo", _crash),
}


@pytest.mark.parametrize("failing", sorted(BREAKS))
def test_a_failing_part_publishes_nothing_of_its_year(previous_good, data_dir, monkeypatch, failing):
    target, value = BREAKS[failing]
    monkeypatch.setattr(target, value)
    before = snapshot(previous_good / "2024")
    with pytest.raises((RuntimeError, FileNotFoundError)):
        build.build_years(data_dir, previous_good, [2024], jobs=2, force=True)
    assert snapshot(previous_good / "2024") == before
    assert not [p.name for p in previous_good.iterdir() if p.name.startswith(".2024")], "staging folder left"
    assert not multiprocessing.active_children()


def test_parts_are_handed_out_longest_first():
    def part(name):
        def function():
            return 0
        function.__name__ = name
        return function

    names = ["exports_part", "whatif_part", "overview_part", "report_part", "something_else"]
    ordered = sorted(names, key=lambda name: build._order(part(name)))
    assert ordered == ["report_part", "overview_part", "whatif_part", "exports_part", "something_else"]


def test_each_worker_imports_once_and_reuses_one_kernel(tmp_path, monkeypatch):
    """Five notebooks on two workers: two kernels, and the heavy imports paid once per worker."""
    import json
    import sys

    log = tmp_path / "executions.jsonl"
    real = build._execute

    def logged(notebook, *args):
        imported = "papermill" in sys.modules and "nbformat" in sys.modules
        result = real(notebook, *args)
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"pid": os.getpid(), "kernel": build._kernel().kernel_id,
                                     "imported_before": imported, "notebook": notebook.name}) + "\n")
        return result

    monkeypatch.setattr(build, "_execute", logged)  # inherited by the forked workers
    build.build_years(None, tmp_path / "out", None, jobs=2, force=True)
    runs = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(runs) == 2 * 3 + 1  # two notebooks per year, one overview
    workers = {run["pid"] for run in runs}
    assert len(workers) == 2 and os.getpid() not in workers
    assert len({run["kernel"] for run in runs}) == 2, "one kernel per worker, reused"
    for pid in workers:
        mine = [run for run in runs if run["pid"] == pid]
        assert len({run["kernel"] for run in mine}) == 1
        assert all(run["imported_before"] for run in mine[1:]), "imports paid again in a worker"
