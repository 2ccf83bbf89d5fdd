"""Stand-in build parts for the engine tests: the engine's behaviour without rendering PDFs.

They live at module level in an importable module (not in a test function or
through monkeypatching), so that a worker started with ``spawn`` receives them
by name exactly as a forked one does.
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import nbformat
from serviceprogram.build import engine as build

RECORD = "del-{name}.json"


def _record(staging: Path, name: str, **extra) -> None:
    (Path(staging) / RECORD.format(name=name)).write_text(
        json.dumps({"pid": os.getpid(), **extra}), encoding="utf-8")


def quick(staging, data_dir, year=None, data=None, previous=None) -> int:
    """Writes one small file; no kernel, no notebook."""
    _record(staging, f"snabb-{uuid.uuid4().hex[:8]}")
    return 0


def failing(staging, data_dir, year=None, data=None, previous=None) -> int:
    raise RuntimeError("kraschade")


def interrupted(staging, data_dir, year=None, data=None, previous=None) -> int:
    """Writes a file, then the analyst presses Ctrl-C."""
    quick(staging, data_dir, year)
    raise KeyboardInterrupt


def saving(staging, data_dir, year=None, data=None, previous=None) -> int:
    """A part during which the analyst saves a data file (see test_build_engine)."""
    from conftest import set_cell

    set_cell(Path(data_dir) / "2024/stod.csv", 2, "mottagare", "Sparad under bygget")
    return quick(staging, data_dir, year)


def notebook(staging, data_dir, year=None, data=None, previous=None) -> int:
    """Runs a one-cell notebook in the worker's reused kernel; records the worker's and the kernel's pid."""
    name = uuid.uuid4().hex[:8]
    source = Path(staging) / f"liten-{name}.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os\nos.getpid()")], metadata={
        "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
        "language_info": {"name": "python"}})
    nbformat.write(nb, source)
    executed = build.execute_notebook(source, Path(staging) / f"liten-{name}-körd.ipynb", year, Path(data_dir))
    kernel_pid = int(executed.cells[-1].outputs[0]["data"]["text/plain"])
    _record(staging, f"notebook-{name}", kernel=kernel_pid)
    return 0


def parts(report=quick, whatif=quick, exports=quick, kernel=False) -> tuple:
    """A year's three parts with the given stand-ins (names and order as the real ones)."""
    # loaded=False: the stand-ins need no data, so a spawned worker does not import pandas to unpickle it
    # (test_the_real_parts_reach_a_spawned_worker sends the real data).
    return (build.Part("report_part", report, build.PARTS["report_part"].rank, kernel, loaded=False),
            build.Part("whatif_part", whatif, build.PARTS["whatif_part"].rank, kernel, loaded=False),
            build.Part("exports_part", exports, build.PARTS["exports_part"].rank, False, loaded=False))


def overview(function=quick, kernel=False) -> build.Part:
    return build.Part("overview_part", function, build.PARTS["overview_part"].rank, kernel, loaded=False)


def records(folder: Path) -> list[dict]:
    """What the stand-ins recorded in a published folder."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(folder).glob("del-*.json"))]


def saving_results(staging, data_dir, year=None, data=None, previous=None) -> int:
    """A report stand-in that saves a year's results the way the notebook does, a moment after it starts."""
    import time

    time.sleep(0.5)  # parts started in parallel with it would look before the results are there
    folder = build.results_dir(staging)
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"year": year, "pid": os.getpid()}), encoding="utf-8")
    return quick(staging, data_dir, year)


def reading_results(staging, data_dir, year=None, data=None, previous=None) -> int:
    """A what-if or exports stand-in that needs the year's results, as the real ones do."""
    saved = build.results_dir(staging) / "manifest.json"
    if not saved.is_file():
        raise RuntimeError(f"inga resultat för {year} när delen började")
    _record(staging, f"läste-{uuid.uuid4().hex[:8]}", year=json.loads(saved.read_text(encoding="utf-8"))["year"])
    return 0


def reading_all_results(staging, data_dir) -> int:
    """An overview stand-in: records the years whose results the build gathered for it."""
    gathered = Path(staging) / build.OVERVIEW_RESULTS
    years = sorted(int(p.name) for p in gathered.iterdir()) if gathered.is_dir() else []
    _record(staging, "oversikt", years=years)
    return 0


def ordered_parts() -> tuple:
    """A year's three parts in the real order: the report saves results, the two others read them."""
    return (build.Part("report_part", saving_results, build.PARTS["report_part"].rank, False, loaded=False),
            build.Part("whatif_part", reading_results, build.PARTS["whatif_part"].rank, False, loaded=False,
                       after=("report_part",)),
            build.Part("exports_part", reading_results, build.PARTS["exports_part"].rank, False, loaded=False,
                       after=("report_part",)),
            build.Part("overview_part", reading_all_results, build.PARTS["overview_part"].rank, False,
                       loaded=False, after=("report_part",)))
