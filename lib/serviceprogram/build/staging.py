"""One output folder being built: its staging folder, its owner lock, its publication.

Each year (and the programme overview) is built in a temporary folder beside
its output folder and swapped in under a lock only when all its parts are
done (:func:`publish`), so a failed, interrupted or concurrent build never
leaves partial files or damages a good report. A staging folder belongs to
the build that holds its owner lock; a build killed outright leaves it
behind, and the next build into the same folder removes it
(:func:`remove_stale_staging`).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import cache
from .parts import OVERVIEW_RESULTS

__all__ = ["LOCK_FILE", "STAGING_MARKER", "STAGING_PATTERN", "BuildResult", "Job", "publish",
           "remove_stale_staging"]

LOCK_FILE = ".serviceprogram.lock"
# Inside every staging folder while it is built: who made it (removed when published).
STAGING_MARKER = ".serviceprogram-bygge.json"
# Staging folders (``.2024-bygge-<token>``) and replaced folders (``.2024-gammal-<pid>-<ns>``).
STAGING_PATTERN = re.compile(r"^\.(?:\d{4}|program)-(?:bygge-[0-9a-f]{16}|gammal-\d+-\d+)$")


@dataclass
class BuildResult:
    """What one year's build produced (``skipped``: its outputs were up to date)."""

    year: int
    folder: Path
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    warnings: int = 0
    skipped: bool = False


@dataclass
class Job:
    """One output folder being built: its staging folder and the parts still running."""

    key: int  # the year, 0 for the programme overview
    final: Path
    manifest: dict
    parts: list = field(default_factory=list)  # (Part, arguments after the staging folder)
    staging: Path | None = None
    owner: object = None  # the staging folder's owner lock (a filelock.FileLock), held while it is built
    pending: int = 0
    warnings: int = 0
    start: float = field(default_factory=time.perf_counter)
    published: bool = False
    # Called in the parent just before the job's first part starts (the overview gathers the years' results).
    prepare: Callable[[], None] | None = None

    def finish(self) -> BuildResult:
        """Write the manifest and publish the staging folder."""
        cache.write_manifest(self.staging, self.manifest)
        shutil.rmtree(self.staging / OVERVIEW_RESULTS, ignore_errors=True)
        final = publish(self.staging, self.final)
        self.published = True
        return BuildResult(self.key, final, sorted(final.iterdir()), time.perf_counter() - self.start,
                           self.warnings)

    def open(self) -> None:
        """Take the owner lock, then make the staging folder and its marker (in that order).

        A build that finds the folder with its owner lock free knows that the
        build which made it is gone (:func:`remove_stale_staging`).
        """
        from filelock import FileLock

        out, name = self.final.parent, f".{self.final.name}-bygge-{secrets.token_hex(8)}"
        self.owner = FileLock(out / f"{name}.lock")
        self.owner.acquire()
        self.staging = out / name
        self.staging.mkdir()
        marker = {"pid": os.getpid(), "folder": self.final.name}
        (self.staging / STAGING_MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")

    def close(self) -> None:
        """Remove the staging folder (gone already when published) and release the owner lock."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
        if self.owner is not None:
            _release_owner(self.owner)
            self.owner = None


def _release_owner(lock) -> None:
    lock.release()
    with contextlib.suppress(OSError):  # the lock file of a finished build is no longer needed
        Path(lock.lock_file).unlink()


@contextlib.contextmanager
def _locked(out_dir: Path):
    """An exclusive lock on the outputs folder (one publisher at a time), on every platform."""
    from filelock import FileLock

    with FileLock(Path(out_dir) / LOCK_FILE):
        yield


def publish(staging: Path, final: Path) -> Path:
    """Replace ``final`` by ``staging`` under the folder's lock; returns ``final``.

    The old folder is renamed away first and removed only after the new one is
    in place, so readers see either the old or the new complete report; should
    the new one fail to move in, the old one is put back.
    """
    with _locked(final.parent):
        (staging / STAGING_MARKER).unlink(missing_ok=True)
        old = None
        if final.exists():
            old = final.with_name(f".{final.name}-gammal-{os.getpid()}-{time.monotonic_ns()}")
            os.replace(final, old)
        try:
            os.replace(staging, final)
        except BaseException:
            if old is not None:  # e.g. a file of the new folder held open on Windows: the old report goes back
                os.replace(old, final)
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return final


def _owner_alive(folder: Path) -> bool:
    """True when the build that made the staging folder ``folder`` still holds its owner lock."""
    from filelock import FileLock, Timeout

    if "-bygge-" not in folder.name:
        return False  # a replaced folder: its build removes it right after publishing
    lock = FileLock(folder.with_name(f"{folder.name}.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return True
    _release_owner(lock)
    return False


def remove_stale_staging(out_dir: Path) -> list[Path]:
    """Remove the staging folders that builds killed outright left in ``out_dir``; return them.

    Only folders the build makes are considered: a name such as
    ``.2024-bygge-<16 hex>`` or ``.2024-gammal-<pid>-<ns>``, a real folder
    (not a link), holding the build's marker or manifest, whose owner lock no
    running build holds. Anything else, the user's files included, stays.
    """
    out = Path(out_dir)

    def candidates():
        if not out.is_dir():
            return []
        return [entry for entry in sorted(out.iterdir())
                if STAGING_PATTERN.match(entry.name) and not entry.is_symlink() and entry.is_dir()
                and ((entry / STAGING_MARKER).is_file() or (entry / cache.MANIFEST).is_file())]

    if not candidates():  # the usual case: nothing to lock, nothing written
        return []
    removed = []
    with _locked(out):  # no build publishes meanwhile (a published folder loses its marker under this lock)
        for entry in candidates():
            if not _owner_alive(entry):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed
