"""serviceprogram: the yearly follow-up of a regional service programme.

Public surface (importing the package has no side effects):

- :func:`load_program`, :func:`load_year`: read and validate a data folder;
- :class:`Report`: the report's sections, used by the notebook;
- :func:`build_years`: build HTML, PDF and indicator files (used by the CLI);
- :class:`ServiceprogramError` and its subclasses :class:`DataError` and
  :class:`UsageError`.
"""
from .errors import DataError, Problem, ServiceprogramError, UsageError
from .loading import YearData, find_years, load_year, resolve_data_dir
from .program import Program, load_program

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "Problem",
    "Program",
    "Report",
    "ServiceprogramError",
    "UsageError",
    "YearData",
    "build_years",
    "find_years",
    "load_program",
    "load_year",
    "resolve_data_dir",
    "__version__",
]


def __getattr__(name):
    # Report and build pull in jinja2, matplotlib and nbconvert: load them on first use.
    if name == "Report":
        from .report import Report
        return Report
    if name == "build_years":
        from .build import build_years
        return build_years
    raise AttributeError(name)
