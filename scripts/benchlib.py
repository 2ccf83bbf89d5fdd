"""What the benchmark scripts share: peak memory of this process and of a command's process tree.

Both work on Linux, macOS and Windows (``resource`` exists only on the first
two; Windows reports its peak working set through psutil).
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time

import psutil

__all__ = ["peak_mb", "run_measured"]


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    try:
        import resource
    except ImportError:  # Windows
        return psutil.Process().memory_info().peak_wset / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def run_measured(cmd: list[str], interval: float = 0.2) -> tuple[float, float, float, int]:
    """Run ``cmd``; returns seconds, peak MB of the process tree, peak MB of one process, exit code.

    The tree (the command, its workers and their Jupyter kernels) is polled
    every ``interval`` seconds with psutil: a peak shorter than that can be missed.
    """
    start = time.perf_counter()
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a full pipe would stop the command
        process = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors)
        peak_tree = peak_one = 0
        while process.poll() is None:
            total = 0
            for member in [process, *_children(process)]:
                try:
                    rss = member.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                total += rss
                peak_one = max(peak_one, rss)
            peak_tree = max(peak_tree, total)
            time.sleep(interval)
        seconds = time.perf_counter() - start
        if process.returncode:
            errors.seek(0)
            sys.stderr.write(errors.read().decode("utf-8", "replace")[-3000:])
    return seconds, peak_tree / 2**20, peak_one / 2**20, process.returncode


def _children(process):
    try:
        return process.children(recursive=True)
    except psutil.NoSuchProcess:
        return []
