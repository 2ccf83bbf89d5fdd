"""The checks of a year that need its indicators, made after it is loaded.

:func:`serviceprogram.inputs.loading.load_year` checks everything that the
input alone can tell. The figure references of the analyst's texts
(``{{ indikator | dimension }}``) can only be checked against the indicators
computed for the year: :func:`check_year` does that, and
:func:`load_checked_year` is ``load_year`` with it (``load_year`` keeps the
checked year, so the indicators are not computed again for each notebook of a
build), with the same problems (and order) a year has always been reported
with. Every caller that builds, validates or starts from a year uses
:func:`load_checked_year` (or :func:`validate_years`).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from ..errors import DataError, Problem
from ..inputs.analyst_text import check_references
from ..inputs.loading import YearData, load_year
from ..inputs.program import Program, load_program
from ..paths import find_years

__all__ = ["check_year", "load_checked_year", "validate_years"]


def check_year(data: YearData) -> list[Problem]:
    """Problems for figure references in the analyst's texts that the year's indicators do not have.

    Parameters
    ----------
    data : YearData
        A year as :func:`~serviceprogram.inputs.loading.load_year` returns it.

    Returns
    -------
    list of Problem
        Errors (an unknown indicator or dimension) and warnings (an access
        figure without a population file); empty when the year has no texts.
    """
    if not data.texts:
        return []
    from .indicators import compute

    # the indicators of the tables alone, as when the texts were checked while loading
    long = compute(dataclasses.replace(data, warnings=[], texts={})).long()
    known = {(str(i), str(d)) for i, d in long[["indikator", "dimension"]].itertuples(index=False)}
    return check_references(data.texts, known, data.befolkning is not None)


def load_checked_year(data_dir, year: int, program: Program | None = None) -> YearData:
    """:func:`~serviceprogram.inputs.loading.load_year`, then :func:`check_year`.

    Raises
    ------
    UsageError
        If the year folder does not exist.
    DataError
        If the year breaks the data contract or a text refers to a figure the
        year does not have; lists every problem (with the year's warnings).
    """
    return load_year(data_dir, year, program, check=check_year)


def validate_years(data_dir, years=None) -> dict[int, list[Problem]]:
    """Validate several years; never raises for data problems.

    Parameters
    ----------
    data_dir : str or Path
    years : iterable of int, optional
        Defaults to every year folder.

    Returns
    -------
    dict of year to its problems (errors and warnings); ``program.toml``
    problems are reported under every year.
    """
    data_dir = Path(data_dir)
    try:
        program = load_program(data_dir)
    except DataError as exc:
        return {y: exc.problems for y in (years or find_years(data_dir) or [0])}
    result = {}
    for year in years or find_years(data_dir):
        try:
            result[year] = load_checked_year(data_dir, year, program).warnings
        except DataError as exc:
            result[year] = exc.problems
    return result
