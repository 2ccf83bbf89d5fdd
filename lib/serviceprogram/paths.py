"""Where things are: the data folder, its years, the project and its notebooks.

Standard library only, so that commands which find nothing to do (a cached
``serviceprogram report``) start fast.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from .errors import UsageError

__all__ = ["check_year", "is_editor_file", "PROGRAM_FILE", "DATA_DIR_ENV", "NOTEBOOKS_ENV", "YEAR_DIR", "project_root", "resolve_data_dir",
           "find_years", "notebooks_dir", "OUT_SUFFIX", "default_out_dir", "git_commit"]

PROGRAM_FILE = "program.toml"
DATA_DIR_ENV = "SERVICEPROGRAM_DATA_DIR"
NOTEBOOKS_ENV = "SERVICEPROGRAM_NOTEBOOKS"
YEAR_DIR = re.compile(r"^\d{4}$")


def project_root() -> Path | None:
    """The project folder when the package runs from its source tree, else None."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "lib" / "serviceprogram").is_dir():
            return parent
    return None


def resolve_data_dir(data_dir=None) -> Path:
    """The data folder to use.

    Parameters
    ----------
    data_dir : str, Path or None
        An explicit folder. None (the notebooks' default) means the
        environment variable ``SERVICEPROGRAM_DATA_DIR`` or, failing that, the
        project's own ``data/`` folder: never the current working directory.

    Returns
    -------
    Path
        An absolute path.

    Raises
    ------
    UsageError
        If the folder does not exist or has no ``program.toml``.
    """
    if data_dir in (None, ""):
        data_dir = os.environ.get(DATA_DIR_ENV)
    if data_dir in (None, ""):
        root = project_root()
        if root is None:
            raise UsageError(f"Ange datamappen (data_dir) eller miljövariabeln {DATA_DIR_ENV}.")
        data_dir = root / "data"
    path = Path(data_dir).expanduser().resolve()
    if not path.is_dir():
        raise UsageError(f"Datamappen finns inte: {path}")
    if not (path / PROGRAM_FILE).is_file():
        raise UsageError(f"Datamappen {path} saknar {PROGRAM_FILE}.")
    return path


def check_year(year, first: int = 1000, last: int = 9999) -> int:
    """``year`` if it is a whole number (not a bool) from ``first`` to ``last``; else a UsageError.

    The one check of a year given to the tool (the command line parses the text first).
    """
    if isinstance(year, bool) or not isinstance(year, int) or not first <= year <= last:
        raise UsageError(f"Ogiltigt år: {year!r} (ange fyra siffror, t.ex. 2026).")
    return year


def find_years(data_dir) -> list[int]:
    """The follow-up years of a data folder: its sub-folders named by a year."""
    path = Path(data_dir)
    return sorted(int(p.name) for p in path.iterdir() if p.is_dir() and YEAR_DIR.match(p.name))


def notebooks_dir() -> Path:
    """The notebooks: ``SERVICEPROGRAM_NOTEBOOKS`` or the project's ``notebooks/``.

    Raises
    ------
    UsageError
        If neither is available.
    """
    override = os.environ.get(NOTEBOOKS_ENV)
    if override:
        return Path(override).resolve()
    root = project_root()
    if root is None:
        raise UsageError(f"Hittar inte notebookmappen: ange miljövariabeln {NOTEBOOKS_ENV}.")
    return root / "notebooks"


OUT_SUFFIX = "-rapporter"


def default_out_dir(data_dir=None) -> Path:
    """The outputs folder used when none is given.

    The project's example data (``data/``, or no data folder given) builds
    into the project's ``outputs/``; any other data folder ``.../NAME`` into
    ``.../NAME-rapporter`` beside it: never inside the data folder, never over
    the example's ``outputs/``. Outside the source tree: ``./outputs``.
    """
    root = project_root()
    if data_dir is not None:
        data = Path(data_dir).expanduser().resolve()
        if root is None or data != (root / "data").resolve():
            return data.with_name(f"{data.name}{OUT_SUFFIX}")
    return (root / "outputs") if root else Path("outputs").resolve()


def git_commit(path) -> str | None:
    """The git commit of the checkout holding ``path``, or None outside git."""
    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def is_editor_file(name: str) -> bool:
    """Lock and temporary files of editors (Excel ``~$x.xlsx``, LibreOffice ``.~lock.x#``, ``*.tmp``).

    They appear while a file is open and are never read by the build, so they
    must not make a year stale.
    """
    return name.startswith(("~$", ".~lock.")) or name.lower().endswith(".tmp")
