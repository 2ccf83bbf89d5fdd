"""Output files: atomic writes, reproducible ZIP packages and the build date.

Every file the package writes goes through :func:`write_atomically` or
:func:`replacing`: the content is written to a temporary file in the target's
folder and renamed over the target in one step (``os.replace``, atomic on
Windows and POSIX alike), so a reader never sees half a file and a failed write
leaves the previous file as it was.

Reproducibility: XLSX and DOCX are ZIP packages that record a time per entry.
:func:`reproducible_zip` stamps every entry with :func:`fixed_timestamp`
(``SOURCE_DATE_EPOCH`` when set, else 2000-01-01), so the same input gives the
same bytes. :func:`build_date` is the date shown in the report's technical
annex: ``SOURCE_DATE_EPOCH`` or nothing, never the clock.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["DEFAULT_TIMESTAMP", "build_date", "fixed_timestamp", "replacing", "reproducible_zip",
           "source_date_epoch", "write_atomically"]

#: The time stamp of packages when ``SOURCE_DATE_EPOCH`` is not set.
DEFAULT_TIMESTAMP = dt.datetime(2000, 1, 1)
#: The ZIP format cannot record times before 1980.
_ZIP_EPOCH = dt.datetime(1980, 1, 1)


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` as seconds, or None when unset or not a whole number."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else None


def fixed_timestamp() -> dt.datetime:
    """The time written into packages: ``SOURCE_DATE_EPOCH`` (naive UTC, at least 1980) or 2000-01-01."""
    epoch = source_date_epoch()
    if epoch is None:
        return DEFAULT_TIMESTAMP
    return max(dt.datetime.fromtimestamp(epoch, tz=dt.UTC).replace(tzinfo=None), _ZIP_EPOCH)


def build_date() -> str | None:
    """The build date (ISO) from ``SOURCE_DATE_EPOCH``, or None: never the clock."""
    epoch = source_date_epoch()
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, tz=dt.UTC).date().isoformat()


def reproducible_zip(raw: bytes, stamp: dt.datetime) -> bytes:
    """Rewrite a ZIP package (XLSX, DOCX) with one fixed time stamp and mode on every entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def _temporary(path: Path) -> Path:
    # unique per writer: two processes writing the same target never share a temporary file
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


@contextlib.contextmanager
def replacing(path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    Missing parent folders are created. On any error the temporary file is
    removed and the error raised; ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary(path)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def write_atomically(path, data: bytes | str, encoding: str = "utf-8") -> Path:
    """Write ``data`` (bytes, or text in ``encoding``) to ``path`` atomically; return the path."""
    path = Path(path)
    with replacing(path) as temporary:
        if isinstance(data, str):
            temporary.write_text(data, encoding=encoding, newline="")
        else:
            temporary.write_bytes(data)
    return path
