"""Which folders and files the tool may write: checked before any work starts.

The build replaces only folders it made itself. Every folder it publishes
(``OUT/<year>/``, ``OUT/program/``) holds a ``.manifest.json``; a folder
without one is the user's and is never touched. The outputs folder also
records the programme it belongs to (``OUT/.serviceprogram.json``: region,
programme and data folder), so that two programmes never mix in one folder.

Refused (exit 2, a Swedish message, nothing written):

- ``--out`` equal to the data folder, inside it (a year folder included) or
  containing it: the build would replace or hash the input files;
- ``--out`` at a system folder: a file-system root (``/``, ``C:\\``), the home
  folder, or an operating-system folder (``/etc``, ``/usr``, ``C:\\Windows`` ...);
- a target ``<year>/`` or ``program/`` that exists without a manifest;
- an outputs folder recorded for another programme (region or programme name);
- ``validate --xlsx`` at a path inside the data folder, or at an existing file
  that is not a problem workbook written by this tool.

Standard library only (a cached ``serviceprogram report`` must start fast);
openpyxl is imported only to look at an existing ``--xlsx`` file.
"""
from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

from ..errors import UsageError
from ..files import write_atomically

__all__ = ["MANIFEST", "IDENTITY_FILE", "IDENTITY_VERSION", "system_folders", "check_out_dir",
           "check_targets", "identity", "read_identity", "check_identity", "record_identity",
           "is_problems_workbook", "check_problems_workbook", "check_output_file", "LOG_FOLDER", "LOG_FILES",
           "LOCK_FILE", "clean_outputs"]

MANIFEST = ".manifest.json"
IDENTITY_FILE = ".serviceprogram.json"
IDENTITY_VERSION = 1

# Operating-system folders that are never an outputs folder (nor anything inside them).
_POSIX_SYSTEM = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/run",
                 "/sbin", "/sys", "/usr", "/var/lib", "/var/log")
_WINDOWS_SYSTEM_ENV = ("SystemRoot", "windir", "ProgramFiles", "ProgramFiles(x86)", "ProgramW6432",
                       "ProgramData")


def _inside(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies below it (both absolute and resolved)."""
    if os.name == "nt":  # Windows paths are case-insensitive
        path, folder = Path(str(path).casefold()), Path(str(folder).casefold())
    return path == folder or folder in path.parents


def system_folders() -> list[Path]:
    """Folders whose contents belong to the operating system (for :func:`check_out_dir`)."""
    if os.name == "nt":
        return [Path(os.environ[name]).resolve() for name in _WINDOWS_SYSTEM_ENV if os.environ.get(name)]
    return [Path(p) for p in _POSIX_SYSTEM]


def check_out_dir(out: Path, data_dir: Path) -> None:
    """Refuse an outputs folder that would put the data or the system at risk.

    Parameters
    ----------
    out : Path
        The outputs folder (made absolute here).
    data_dir : Path
        The data folder (absolute).

    Raises
    ------
    UsageError
        With the reason and the way out, in Swedish.
    """
    out = Path(out).expanduser().resolve()
    data = Path(data_dir).resolve()
    way_out = "Välj en annan utdatamapp med --out, utanför datamappen (t.ex. en mapp bredvid den)."
    if _inside(out, data):
        where = "är datamappen" if _inside(data, out) else "ligger inne i datamappen"
        raise UsageError(f"Utdatamappen {out} {where} {data}. Bygget skulle blanda rapporterna med "
                         f"underlaget och kunde skriva över det. {way_out}")
    if _inside(data, out):
        raise UsageError(f"Utdatamappen {out} innehåller datamappen {data}. Bygget skulle kunna "
                         f"skriva över underlaget. {way_out}")
    if out.parent == out or out == Path.home().resolve():
        kind = "hemmappen" if out.parent != out else "roten av en disk"
        raise UsageError(f"Utdatamappen {out} är {kind}. Ange en egen mapp för rapporterna med --out.")
    for folder in system_folders():
        if _inside(out, folder):
            raise UsageError(f"Utdatamappen {out} är en systemmapp ({folder}). "
                             "Ange en egen mapp för rapporterna med --out.")
    if out.exists() and not out.is_dir():
        raise UsageError(f"Utdatamappen är en fil, inte en mapp: {out}")


def check_targets(out: Path, names) -> None:
    """Refuse when a folder the build would replace was not made by the build.

    Parameters
    ----------
    out : Path
        The outputs folder.
    names : iterable of str
        The folders to be replaced, e.g. ``"2024"`` and ``"program"``.

    Raises
    ------
    UsageError
        Naming every such folder; its files are left as they are.
    """
    foreign = []
    for name in names:
        target = Path(out) / str(name)
        if target.exists() or target.is_symlink():
            if target.is_symlink() or not target.is_dir() or not (target / MANIFEST).is_file():
                foreign.append(target)
    if foreign:
        listed = ", ".join(str(p) for p in foreign)
        raise UsageError(
            f"Bygget ersätter bara mappar som det själv har gjort (de har filen {MANIFEST}). "
            f"{'Mappen' if len(foreign) == 1 else 'Mapparna'} {listed} har ingen sådan fil och "
            f"lämnas {'orörd' if len(foreign) == 1 else 'orörda'}. Flytta filerna därifrån eller välj en annan "
            "utdatamapp med --out.")


def identity(program, data_dir: Path) -> dict:
    """What an outputs folder records about the programme it belongs to."""
    return {"version": IDENTITY_VERSION, "region": program.region, "program": program.program,
            "data_dir": str(Path(data_dir).resolve())}


def read_identity(out: Path) -> dict | None:
    """The programme recorded in an outputs folder, or None (none recorded, or unreadable)."""
    path = Path(out) / IDENTITY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def check_identity(out: Path, program, data_dir: Path) -> None:
    """Refuse to build a programme into an outputs folder recorded for another one.

    The programme is known by its region and programme name in
    ``program.toml``; a copy of the same data folder elsewhere is the same
    programme. A folder with no record (new, or built by an older version)
    is accepted; :func:`record_identity` then writes the record.

    Raises
    ------
    UsageError
        Naming both programmes and the way out (``--out`` elsewhere).
    """
    stored = read_identity(out)
    if stored is None:
        return
    if (stored.get("region"), stored.get("program")) != (program.region, program.program):
        raise UsageError(
            f"Utdatamappen {Path(out).resolve()} hör till ett annat program: {stored.get('region')} "
            f"({stored.get('program')}, datamappen {stored.get('data_dir')}). Datamappen "
            f"{Path(data_dir).resolve()} gäller {program.region} ({program.program}). Program blandas "
            "aldrig i en utdatamapp: ange en egen utdatamapp för det här programmet med --out.")


def record_identity(out: Path, program, data_dir: Path) -> None:
    """Write ``OUT/.serviceprogram.json`` (atomically) when it is missing or outdated."""
    data = identity(program, data_dir)
    if read_identity(out) == data:
        return
    path = Path(out) / IDENTITY_FILE
    write_atomically(path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def is_problems_workbook(path: Path) -> bool:
    """True when ``path`` is a problem workbook written by ``serviceprogram validate --xlsx``.

    Recognised by its marks: the document property *creator* ``serviceprogram``
    and the sheet ``Fel och varningar`` (see
    :func:`serviceprogram.publishing.workbooks.write_problems_workbook`).
    """
    if not zipfile.is_zipfile(path):
        return False
    from openpyxl import load_workbook

    from ..publishing.workbooks import PROBLEMS_SHEET

    try:
        book = load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is simply not ours
        return False
    try:
        return book.properties.creator == "serviceprogram" and PROBLEMS_SHEET in book.sheetnames
    finally:
        book.close()


def check_problems_workbook(path: Path, data_dir: Path) -> Path:
    """Refuse a ``validate --xlsx`` path that would overwrite input or a file of the user's.

    Returns
    -------
    Path
        The absolute path to write.

    Raises
    ------
    UsageError
        If the path lies inside the data folder, is a folder, or is an existing
        file that is not a problem workbook of this tool.
    """
    return check_output_file(path, data_dir, "--xlsx", "fel.xlsx", is_problems_workbook,
                             "ingen fellista som verktyget har skrivit")


def check_output_file(path, data_dir, option: str, example: str, is_ours, what: str,
                      require_xlsx: bool = False) -> Path:
    """Refuse an output file inside the data folder, a folder, or an existing file that ``is_ours`` rejects.

    Shared by ``validate --xlsx`` and ``jamfor-osm --out``: a workbook the tool
    writes is never put over input or over a file of the user's.

    Parameters
    ----------
    path, data_dir : str or Path
    option : str
        The option as the user typed it (``--xlsx``), named in the messages.
    example : str
        A file name to suggest.
    is_ours : callable
        ``is_ours(path) -> bool``: True for a file this command wrote earlier.
    what : str
        What the file is not, for the message ("ingen fellista som verktyget har skrivit").
    require_xlsx : bool, default False
        Refuse a name that does not end in ``.xlsx``.

    Returns
    -------
    Path
        The absolute path to write.
    """
    target = Path(path).expanduser().resolve()
    data = Path(data_dir).resolve()
    if _inside(target, data):
        raise UsageError(f"Filen {target} ligger i datamappen {data}, och verktyget skriver aldrig i "
                         f"datamappen. Ange en fil utanför den med {option}, t.ex. {example} i en annan mapp.")
    if target.is_dir():
        raise UsageError(f"{option} {target} är en mapp. Ange ett filnamn, t.ex. {target / example}.")
    if require_xlsx and target.suffix.lower() != ".xlsx":
        raise UsageError(f"{option} {target}: ange en fil som slutar på .xlsx.")
    if target.exists() and not is_ours(target):
        raise UsageError(f"Filen {target} finns redan och är {what}. "
                         f"Den skrivs inte över: ange ett nytt filnamn med {option}.")
    return target


LOG_FOLDER = "logs"
LOG_FILES = ("serviceprogram.log",)
LOCK_FILE = ".serviceprogram.lock"
# Staging and replaced folders of the build (see serviceprogram.build.staging.STAGING_PATTERN).
_STAGING_NAME = re.compile(r"^\.(?:\d{4}|program)-(?:bygge-[0-9a-f]{16}|gammal-\d+-\d+)$")


def _made_by_build(entry: Path) -> bool:
    """A published report folder: a real folder holding the build's manifest."""
    return entry.is_dir() and not entry.is_symlink() and (entry / MANIFEST).is_file()


def clean_outputs(out: Path) -> tuple[list[Path], list[Path]]:
    """Remove what the build made in an outputs folder; return ``(removed, kept)`` (``make clean``).

    Removed: report folders holding the build's manifest (``2024/``,
    ``program/``), leftover staging folders no running build owns, the build
    log ``logs/serviceprogram.log`` (and ``logs/`` when it is then empty), and
    the programme record and lock file when nothing else is left. Anything
    else (a user's file, a folder without a manifest, a link) is kept and
    listed in ``kept``; ``.gitkeep`` is kept silently.
    """
    import shutil

    out = Path(out)
    removed: list[Path] = []
    kept: list[Path] = []
    if not out.is_dir() or out.is_symlink():
        return removed, kept
    try:
        from .staging import remove_stale_staging  # respects the owner lock of a running build
    except ImportError:  # no filelock (make clean before make setup): staging folders are left
        remove_stale_staging = None
    if remove_stale_staging is not None:
        removed += remove_stale_staging(out)
    for entry in sorted(out.iterdir()):
        if entry.name in (".gitkeep", IDENTITY_FILE, LOCK_FILE):
            continue
        if _made_by_build(entry) and not _STAGING_NAME.match(entry.name):
            shutil.rmtree(entry)
            removed.append(entry)
        elif entry.name == LOG_FOLDER and entry.is_dir() and not entry.is_symlink():
            for name in LOG_FILES:
                log = entry / name
                if log.is_file() and not log.is_symlink():
                    log.unlink()
                    removed.append(log)
            if any(entry.iterdir()):
                kept += sorted(entry.iterdir())
            else:
                entry.rmdir()
        else:
            kept.append(entry)
    if not kept and not any(_STAGING_NAME.match(entry.name) for entry in out.iterdir()):
        for name in (IDENTITY_FILE, LOCK_FILE):
            path = out / name
            if path.is_file() and not path.is_symlink():
                path.unlink()
                removed.append(path)
    return removed, kept
