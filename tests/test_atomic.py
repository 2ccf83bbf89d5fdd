"""A failed or interrupted build never damages the previous good report."""
from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time

import engine_stubs as stubs
import pytest
from conftest import kernels, run_cli, set_cell, snapshot
from serviceprogram.build import engine as build

METHODS = [m for m in ("fork", "spawn") if m in multiprocessing.get_all_start_methods()]


def test_broken_data_leaves_previous_outputs_byte_identical(previous_good, data_dir):
    before = snapshot(previous_good / "2024")
    set_cell(data_dir / "2024/stod.csv", 4, "beslutsdatum", "2024-02-31")
    set_cell(data_dir / "2024/foretagsbesok.csv", 3, "form", "Telefon")
    result = run_cli("report", "--data-dir", data_dir, "--out", previous_good, "--year", 2024, "--jobs", 1)
    assert result.returncode == 1
    assert "2024-02-31" in result.stderr and "Telefon" in result.stderr
    assert snapshot(previous_good / "2024") == before
    assert sorted(p.name for p in previous_good.iterdir()) == [".serviceprogram.json", "2024", "logs"]


def test_interrupted_build_leaves_no_partial_files(previous_good, data_dir):
    """Ctrl-C in the last part of a year, when the first two have written their files."""
    before = snapshot(previous_good / "2024")
    with pytest.raises(KeyboardInterrupt):
        build.build_years(data_dir, previous_good, [2024], jobs=1, force=True,
                          parts=stubs.parts(exports=stubs.interrupted))
    assert snapshot(previous_good / "2024") == before
    assert not [p.name for p in previous_good.iterdir() if p.name.startswith(".2024")], "staging folder left"


@pytest.mark.parametrize("method", METHODS)
def test_failing_worker_leaves_previous_outputs(previous_good, data_dir, method):
    """The worker with the report fails while the other one builds the what-if page and the exports.

    Stand-in parts (tests/engine_stubs.py): what is tested is the engine's handling of a
    failing worker, the same for every part; the interrupts of a real build are tested below.
    """
    before = snapshot(previous_good / "2024")
    with pytest.raises(RuntimeError, match="kraschade"):  # the part's own error, not a broken pool
        build.build_years(data_dir, previous_good, [2024], jobs=2, force=True, method=method,
                          parts=stubs.parts(report=stubs.failing))
    assert snapshot(previous_good / "2024") == before
    assert not [p.name for p in previous_good.iterdir() if p.name.startswith(".20")], "staging folder left"


@pytest.mark.parametrize("jobs, how", [("1", "Ctrl-C"), ("2", "Ctrl-C"), ("1", "SIGTERM"), ("2", "SIGTERM")])
def test_ctrl_c_and_sigterm_stop_cleanly_in_swedish(previous_good, data_dir, jobs, how):
    """Ctrl-C (to the whole group, as a terminal does) or SIGTERM (to the build, as ``kill`` does)
    in the middle of a build: one Swedish line, exit 130 or 143, the old report intact."""
    before, running = snapshot(previous_good / "2024"), kernels()
    process = subprocess.Popen(
        [sys.executable, "-m", "serviceprogram.cli", "report", "--data-dir", str(data_dir), "--out",
         str(previous_good), "--year", "2024", "--force", "--jobs", jobs],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    # Wait for the build proper (its staging folder), however long a loaded machine takes to get there.
    deadline = time.monotonic() + 600
    while not list(previous_good.glob(".2024-bygge-*")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the build ended before it could be interrupted"
    assert list(previous_good.glob(".2024-bygge-*")), "no staging folder after ten minutes"
    time.sleep(1.5)  # most likely inside a notebook or the PDF; any moment of the build must do
    if how == "Ctrl-C":
        os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    else:
        os.kill(process.pid, signal.SIGTERM)  # what kill, a service manager or a scheduler does
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == (130 if how == "Ctrl-C" else 143), stderr
    assert "Traceback" not in stderr, stderr
    assert ("avbrutet" if how == "Ctrl-C" else "avslutat på begäran") in stderr
    assert "tidigare rapporter är orörda" in stderr
    assert snapshot(previous_good / "2024") == before
    assert not [p.name for p in previous_good.iterdir() if "-bygge-" in p.name], "staging folder or lock left"
    assert not _wait_for(lambda: kernels() - running, 30), "kernels left running"


def _wait_for(condition, seconds: float):
    """Poll ``condition`` until it returns something false or ``seconds`` pass; return its last value.

    A killed kernel may need a moment to be reaped on a loaded machine; one that was left running stays.
    """
    deadline = time.monotonic() + seconds
    while (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


def test_an_interrupt_that_python_wraps_is_still_an_interrupt(monkeypatch):
    """Ctrl-C landing while a class is created (e.g. during an import) arrives as a RuntimeError."""
    from serviceprogram import cli

    monkeypatch.setattr(cli, "_received", [signal.SIGINT])
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as inner:
            raise RuntimeError("Error calling __set_name__ on '_axis_method_wrapper'") from inner
    except RuntimeError as exc:
        wrapped = exc
    assert cli._caused_by_interrupt(wrapped)
    assert not cli._caused_by_interrupt(RuntimeError("ett riktigt fel"))
    monkeypatch.setattr(cli, "_received", [])
    assert not cli._caused_by_interrupt(wrapped)  # no signal was handled: a real error


_INTERRUPTED_IN_EXEC = '''
import os, signal, sys, threading
from serviceprogram import cli

def command(args):
    with cli._announce_interrupt():
        threading.Timer(0.2, os.kill, (os.getpid(), signal.{how})).start()
        exec("while True: pass")  # code run from a string, as dataclasses does during an import

cli.COMMANDS["validate"] = command
sys.exit(cli.main(["validate"]))
'''


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("how, status", [("SIGINT", 130), ("SIGTERM", 143)])
def test_an_interrupt_inside_code_run_from_a_string_keeps_its_exit_status(tmp_path, how, status):
    """Run as ``python -m``, CPython ended such a process by SIGINT (-2) after main had returned 130."""
    (tmp_path / "interrupted_in_exec.py").write_text(_INTERRUPTED_IN_EXEC.replace("{how}", how))
    result = subprocess.run([sys.executable, "-m", "interrupted_in_exec"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    assert ("avslutat på begäran" if how == "SIGTERM" else "avbrutet") in result.stderr
