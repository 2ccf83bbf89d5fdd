"""Exceptions and the problem record shared by the whole package.

Every error the package raises on purpose derives from :class:`ServiceprogramError`,
so callers (the command line, the notebook) can catch one base class.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ERROR", "WARNING", "Problem", "sort_problems", "ServiceprogramError", "UsageError", "WordingError",
           "DataError", "Terminated", "AccessError"]

ERROR = "fel"
WARNING = "varning"


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in the input data, in Swedish for the analyst.

    Parameters
    ----------
    file : str
        The file (and sheet) as the analyst knows it, e.g. ``2024/stod.csv``.
    row : int or None
        Row number as shown in Excel (header = row 1); None for file-level problems.
    column : str or None
        The column concerned, or None.
    value : str or None
        The offending value as written in the file.
    rule : str
        The rule that is broken, in Swedish.
    severity : str
        ``"fel"`` (stops the build) or ``"varning"`` (shown in the report).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        """True when the problem stops the build."""
        return self.severity == ERROR

    def sort_key(self) -> tuple:
        """Errors first, then per file, row and column."""
        return (
            0 if self.is_error else 1,
            self.file,
            self.row if self.row is not None else 0,
            self.column or "",
            self.rule,
            self.value or "",
            self.severity,
        )

    def as_text(self) -> str:
        """One readable Swedish line."""
        where = self.file
        if self.row is not None:
            where += f", rad {self.row}"
        if self.column:
            where += f", kolumn {self.column}"
        value = "" if self.value is None else f" (värde: {self.value!r})"
        label = "Fel" if self.is_error else "Varning"
        return f"{label}: {where}{value}: {self.rule}"


def sort_problems(problems) -> list[Problem]:
    """Return the problems sorted errors first, then by file, row and column."""
    return sorted(dict.fromkeys(problems), key=Problem.sort_key)


class ServiceprogramError(Exception):
    """Base class of every error raised by the package."""


class UsageError(ServiceprogramError):
    """Wrong use of a command or function (unknown year, bad parameter)."""


class WordingError(ServiceprogramError):
    """A text template (``templates/sections/``, ``templates/memo/``) that cannot be read or filled in:
    the message names the file, the line and what is wrong (see :mod:`serviceprogram.publishing.wording`)."""


class DataError(ServiceprogramError):
    """The input data breaks the data contract.

    Parameters
    ----------
    problems : list of Problem
        Every problem found (errors and any warnings found on the way).
    """

    def __init__(self, problems):
        self.problems = sort_problems(problems)
        errors = [p for p in self.problems if p.is_error]
        super().__init__(
            f"Underlaget har {len(errors)} fel:\n" + "\n".join(p.as_text() for p in errors)
        )

    @property
    def errors(self) -> list[Problem]:
        """Only the problems that stop the build."""
        return [p for p in self.problems if p.is_error]


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM): handled as Ctrl-C, with its own exit status."""


class AccessError(ServiceprogramError, ValueError):
    """Invalid input to the access analysis; the message is in Swedish.

    A ``ValueError`` (for callers that expect one) and a
    :class:`ServiceprogramError` (so the command line
    reports it like the package's other errors).
    """
