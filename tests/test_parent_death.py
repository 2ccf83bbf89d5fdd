"""A build killed outright (``kill -9``) leaves no worker or kernel running (issue 11, item 6).

The processes are found in the killed build's own process tree, read with
psutil before the kill; nothing else on the machine is looked at.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from conftest import is_kernel
from serviceprogram.build import engine as build

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="kill -9 is POSIX")


def _wait_for(condition, seconds: float, step: float = 0.1):
    """Poll ``condition`` until it returns something true or ``seconds`` pass; return its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@pytest.mark.parametrize("jobs, method", [("1", None), ("2", "fork"), ("2", "spawn")])
def test_kill_9_of_the_build_ends_its_workers_and_kernels(data_dir, tmp_path, jobs, method):
    environment = dict(os.environ)
    if method:
        environment[build.START_METHOD_ENV] = method
    process = subprocess.Popen(
        [sys.executable, "-m", "serviceprogram.cli", "report", "--data-dir", str(data_dir), "--out",
         str(tmp_path / "out"), "--year", "2024", "--force", "--jobs", jobs],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=environment)
    build_process = psutil.Process(process.pid)
    wanted = int(jobs)  # one kernel per worker (or in the build itself with one job)

    def tree():
        descendants = [p for p in build_process.children(recursive=True) if _alive(p)]
        return descendants if sum(map(is_kernel, descendants)) >= wanted else None

    try:
        descendants = _wait_for(tree, 600)  # kernels boot slowly on a loaded machine
        assert descendants, "the build never started its kernels"
        if jobs == "2":
            assert len([p for p in descendants if not is_kernel(p)]) >= 2, "no pool workers"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    # "Within seconds" (issue 11); the bound is generous for a loaded machine: without the
    # lifeline the workers and kernels would never end.
    gone = _wait_for(lambda: not [p for p in descendants if _alive(p)], 60)
    survivors = [p.pid for p in descendants if _alive(p)]
    for survivor in descendants:  # never leave them to the rest of the suite
        if _alive(survivor):
            survivor.kill()
    assert gone, f"still running 60 s after kill -9: {survivors}"
