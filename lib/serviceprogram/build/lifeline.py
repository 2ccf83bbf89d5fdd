"""Worker processes that end with the build that started them, whatever the platform.

A build's pool workers must not outlive the build: when the parent process
dies without cleaning up (``kill -9``, a crash, a closed terminal on Windows),
each worker notices within a second, kills the processes it started itself
(its Jupyter kernel) and exits. The check is a daemon thread polling the
parent with psutil, so it works the same under ``fork`` and ``spawn`` and on
Windows, macOS and Linux (no ``PR_SET_PDEATHSIG``, which exists only on Linux).

The kernels also watch their own parent (ipykernel's parent poller, from the
``JPY_PARENT_PID`` that jupyter_client sets), so a kernel whose worker dies
by ``kill -9`` ends as well.
"""
from __future__ import annotations

import os
import threading

__all__ = ["POLL_SECONDS", "kill_children", "watch_parent"]

POLL_SECONDS = 0.5


def kill_children() -> None:
    """Kill every process this process started (and theirs), and wait briefly for them."""
    import psutil

    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    for child in children:
        try:
            child.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(children, timeout=3)


def _parent_alive(parent) -> bool:
    import psutil

    try:
        # is_running() also compares the start time, so a reused pid is not taken for the parent.
        return parent.is_running() and parent.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _watch(parent, interval: float) -> None:
    import time

    while _parent_alive(parent):
        time.sleep(interval)
    try:
        kill_children()
    finally:
        os._exit(1)  # the parent is gone: nobody waits for this process's results


def watch_parent(pid: int, interval: float = POLL_SECONDS) -> threading.Thread | None:
    """Start a daemon thread that ends this process when process ``pid`` ends.

    Parameters
    ----------
    pid : int
        The parent to watch (passed explicitly: under ``spawn`` on Windows the
        worker's parent may be a launcher process).
    interval : float
        Seconds between two checks.

    Returns
    -------
    threading.Thread or None
        The watching thread; None when the parent is already gone (this
        process then exits at once).
    """
    import psutil

    try:
        parent = psutil.Process(pid)
    except psutil.Error:
        parent = None
    if parent is None or not _parent_alive(parent):
        kill_children()
        os._exit(1)
    thread = threading.Thread(target=_watch, args=(parent, interval), name="serviceprogram-parent-watch",
                              daemon=True)
    thread.start()
    return thread
