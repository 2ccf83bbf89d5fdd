"""The build's worker processes: their start method, their early kernels, starting and stopping them.

The workers start first (``fork`` on Linux, ``spawn`` on Windows and macOS,
see :func:`start_method`) and launch their Jupyter kernels, which boot while
the parent validates every year to build. A worker imports papermill,
nbconvert and WeasyPrint on its first part and reuses them and its kernel
for the next ones. Workers end when the parent dies
(:mod:`serviceprogram.build.lifeline`).
"""
from __future__ import annotations

import contextlib
import os
import sys

from ..errors import UsageError

__all__ = ["START_METHOD_ENV", "START_METHODS", "start_method", "start_kernel", "shutdown_kernel",
           "worker_pool", "stop_workers"]

START_METHOD_ENV = "SERVICEPROGRAM_START_METHOD"
START_METHODS = ("fork", "spawn", "forkserver")


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


def start_kernel() -> None:
    """Launch this process's build kernel now (see :meth:`.kernel.ReusedKernelEngine.start`)."""
    from .kernel import ReusedKernelEngine

    ReusedKernelEngine.start()


def shutdown_kernel() -> None:
    """Stop this process's build kernel, if any (the next notebook starts a new one)."""
    from .kernel import ReusedKernelEngine

    ReusedKernelEngine.shutdown()


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


@contextlib.contextmanager
def worker_pool(jobs: int | None, parts: int, method: str | None = None, kernel: bool = True):
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


def stop_workers(pool) -> None:
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
