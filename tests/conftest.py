"""Shared fixtures: copies of the example data folder that tests may break."""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
ANSWERS = Path(__file__).resolve().parent / "answers"


# The files that take longest, longest first (CPU seconds per file, own and child processes): under
# `-n 2 --dist loadfile --no-loadscope-reorder` (see pyproject.toml) xdist hands out whole files in
# collection order, so the long ones start first and the many short files fill the end, and both
# workers finish at about the same time. Only the order changes: every test runs the same.
SLOW_FILES_FIRST = ("test_robustness.py", "test_atomic.py", "test_build_engine.py", "test_xss.py",
                    "test_end_to_end.py", "test_newregion.py", "test_parent_death.py", "uppfoljning.ipynb",
                    "test_project.py", "tillganglighet.ipynb", "programoversikt.ipynb")


def pytest_collection_modifyitems(config, items):
    rank = {name: number for number, name in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a file's own order is kept


@pytest.fixture(scope="session", autouse=True)
def _road_cache(tmp_path_factory):
    """Road results are cached in a folder of the session, never in the user's cache folder
    (the variable reaches the command-line subprocesses too)."""
    import os

    old = os.environ.get("SERVICEPROGRAM_CACHE")
    os.environ["SERVICEPROGRAM_CACHE"] = str(tmp_path_factory.mktemp("road-cache"))
    yield
    if old is None:
        os.environ.pop("SERVICEPROGRAM_CACHE", None)
    else:
        os.environ["SERVICEPROGRAM_CACHE"] = old


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A private copy of the example data folder."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def read_rows(path: Path) -> list[list[str]]:
    """All records of a contract CSV (UTF-8)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows, delimiter=",", encoding="utf-8") -> None:
    """Write records as CSV."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set the cell at Excel row ``row`` (header = 1) and ``column`` of a CSV."""
    rows = read_rows(path)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def run_cli(*args, **kwargs) -> subprocess.CompletedProcess:
    """Run ``serviceprogram`` in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "serviceprogram.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=600, **kwargs)


def run_shared(tmp_path_factory, name: str, make) -> Path:
    """A folder ``name`` made once per test run by ``make(folder)``, shared by the xdist workers.

    Under pytest-xdist every worker is its own session; a session fixture
    alone would build the same thing once per worker. The folder lives in the
    run's base temporary folder (the parent of each worker's), which pytest
    empties at the start of every run; a file lock makes the first worker that
    needs it build it while the others wait, then read the same files. What
    ``make`` raised is recorded, so the others fail with the same message
    instead of building again. Tests must treat the folder as read-only.
    """
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "delat"
    root.mkdir(exist_ok=True)
    folder, failed, done = root / name, root / f"{name}.fel.txt", root / f"{name}.klar"
    with FileLock(str(root / f"{name}.lock")):
        if not done.exists() and not failed.exists():
            try:
                make(folder)
            except BaseException as exc:
                failed.write_text(f"{type(exc).__name__}: {exc}", encoding="utf-8")
                raise
            done.touch()
    if failed.exists():
        pytest.fail(f"the shared fixture {name} failed in another worker: "
                    f"{failed.read_text(encoding='utf-8')}")
    return folder


# The file where the build of ``built_2024`` counts its access analyses (tests/count_hook).
ACCESS_COUNT = "access-analyser.txt"


def _build_example_2024(out: Path) -> None:
    """Every process of the build counts its access analyses into ``<out>/../access-analyser.txt``."""
    hook = Path(__file__).resolve().parent / "count_hook"
    env = {**os.environ, "SERVICEPROGRAM_COUNT_ACCESS": str(out.parent / ACCESS_COUNT),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))}
    result = run_cli("report", "--data-dir", DATA, "--out", out, "--year", 2024, "--jobs", 2, env=env)
    assert result.returncode == 0, result.stderr


def cli_in_process(*args) -> subprocess.CompletedProcess:
    """Run the command line's ``main`` in this process, for the commands that build nothing
    (``validate``, ``template``, ``new-year``, ``init``): the same parser, messages and exit status
    as :func:`run_cli`, without an interpreter start-up and the imports of pandas and pandera
    (about 4 s of CPU each). Tests of the process itself (signals, ``report``, the entry point) use
    :func:`run_cli`.
    """
    import contextlib

    from serviceprogram import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse: --help or a usage error
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return subprocess.CompletedProcess(["serviceprogram", *map(str, args)], code, out.getvalue(), err.getvalue())


def run_cli_without_pdf(*args, **kwargs) -> subprocess.CompletedProcess:
    """:func:`run_cli` with a placeholder for each PDF (see tests/cli_without_pdf.py), for tests
    that never read one."""
    return subprocess.run([sys.executable, str(Path(__file__).with_name("cli_without_pdf.py")), *map(str, args)],
                          capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="session")
def built_2024(tmp_path_factory) -> Path:
    """The 2024 example report built once per test run through the real command (read-only)."""
    return run_shared(tmp_path_factory, "outputs-2024", _build_example_2024) / "2024"


def _two_simultaneous_builds(base: Path) -> None:
    """Two ``report`` commands for 2024 (without PDFs) started at once into one outputs folder ``base/out``.

    Their exit codes and error output are kept in ``base/resultat.json`` for the test to judge.
    """
    import json

    base.mkdir()
    # One worker each (--jobs 1): the race is in publishing, and built_2024 covers the pool;
    # test_reproducible then also compares a one-worker build with a two-worker one. Without
    # PDFs (tests/cli_without_pdf.py): a placeholder is written and published in their place,
    # and test_reproducible renders built_2024's HTML again to compare the PDF.
    command = [sys.executable, str(Path(__file__).with_name("cli_without_pdf.py")), "report", "--data-dir",
               str(DATA), "--out", str(base / "out"), "--year", "2024", "--jobs", "1"]
    processes = [subprocess.Popen(command, cwd=base, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in processes]
    (base / "resultat.json").write_text(json.dumps(
        [{"returncode": p.returncode, "stderr": stderr} for p, (_, stderr) in zip(processes, outputs)]),
        encoding="utf-8")


@pytest.fixture(scope="session")
def simultaneous_2024(tmp_path_factory) -> Path:
    """Two simultaneous builds of the 2024 example into one folder, made once per test run (read-only).

    test_robustness judges the race; test_reproducible compares what was
    published with :func:`built_2024`, a separate build of the same inputs.
    """
    return run_shared(tmp_path_factory, "samtidiga-2024", _two_simultaneous_builds)


def snapshot(folder: Path) -> dict:
    """Every file under ``folder`` with its bytes."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def previous_good(built_2024, tmp_path) -> Path:
    """An outputs folder holding a good 2024 report, for builds that must not damage it."""
    out = tmp_path / "out"
    shutil.copytree(built_2024, out / "2024")
    return out


# Every process this test session starts inherits this variable (kernels and
# pool workers included, even after their parent died), so "our" processes can
# be told from a JupyterLab or another test run elsewhere on the machine.
SESSION_VARIABLE = "SERVICEPROGRAM_TEST_SESSION"
os.environ.setdefault(SESSION_VARIABLE, uuid.uuid4().hex)
# Under pytest-xdist every worker is its own session: the workers inherit the
# controller's marker, so each one takes a marker of its own (once).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER and not os.environ[SESSION_VARIABLE].endswith(f"-{_WORKER}"):
    os.environ[SESSION_VARIABLE] = f"{uuid.uuid4().hex}-{_WORKER}"


def own_processes() -> list:
    """This test session's processes: descendants of this one, and orphans that inherited the marker.

    Nothing else on the machine is looked at beyond reading the marker.
    """
    import psutil

    me = psutil.Process()
    found = {p.pid: p for p in me.children(recursive=True)}
    token = os.environ[SESSION_VARIABLE]
    for process in psutil.process_iter():
        if process.pid in found or process.pid == me.pid:
            continue
        try:
            if process.environ().get(SESSION_VARIABLE) == token:
                found[process.pid] = process
        except psutil.Error:  # another user's process, or gone meanwhile: not ours
            continue
    return [p for p in found.values() if _alive(p)]


def _alive(process) -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def is_kernel(process) -> bool:
    """True for a Jupyter kernel process."""
    import psutil

    try:
        return any("ipykernel" in part for part in process.cmdline())
    except psutil.Error:
        return False


def kernels() -> set[int]:
    """Process ids of the running Jupyter kernels this test session started (see :func:`own_processes`)."""
    return {p.pid for p in own_processes() if is_kernel(p)}
