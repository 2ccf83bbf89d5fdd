"""serviceprogram: the yearly follow-up of a regional service programme.

Public surface (importing the package has no side effects and is cheap; the
heavier modules load on first use):

- :func:`load_program`, :func:`load_year`: read and validate a data folder;
  :func:`load_checked_year` also checks the analyst's texts against the year's indicators;
- :class:`Report`: the report's sections, used by the notebook;
- :func:`build_years`: build HTML, PDF and indicator files (used by the CLI);
- :class:`ServiceprogramError` and its subclasses :class:`DataError` and
  :class:`UsageError`.
"""
from importlib import import_module

from .errors import DataError, Problem, ServiceprogramError, UsageError

__version__ = "0.1.0"

_LAZY = {
    "Program": "inputs.program",
    "load_program": "inputs.program",
    "YearData": "inputs.loading",
    "load_year": "inputs.loading",
    "load_checked_year": "analysis.checks",
    "find_years": "paths",
    "resolve_data_dir": "paths",
    "Report": "publishing.report",
    "build_years": "build.engine",
}

__all__ = ["DataError", "Problem", "ServiceprogramError", "UsageError", "__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
