"""Draft of the board memo (tjänsteskrivelse) on one follow-up year.

The memo is written for the regional development board. It has a header
block with placeholders, a case description, the year summarised in words,
a table of the support decided and a placeholder for the proposed decision.

Every figure in the memo is looked up in the year's long indicator table
(``report.long``, the rows of ``indikatorer-<year>.csv``) through one helper
that records what it formats. :func:`memo_figures` returns those records, so
a test can compare each stated figure with the CSV, and the text cannot
state a figure that is not an indicator. Names (activities, places,
municipalities) come from the year's tables and indicator tables.

Public functions:

- :func:`summary_paragraphs`: the year in plain Swedish paragraphs (no HTML),
  also meant for the opening of the HTML/PDF report;
- :func:`memo_figures`: every figure the memo states, as
  ``(indikator, dimension, text)``;
- :func:`write_memo`: the Word document ``tjansteskrivelse-<year>.docx``.
"""
from .document import name_has_years, proposal_text, write_memo
from .words import (
    BOARD,
    EXAMPLE_NOTE,
    FILE_PATTERN,
    TOTAL,
    count_phrase,
    join_sv,
    kommun_name,
    memo_figures,
    quoted,
    starts_with_digit,
    summary_items,
    summary_paragraphs,
)

__all__ = ["BOARD", "EXAMPLE_NOTE", "FILE_PATTERN", "TOTAL", "count_phrase", "join_sv", "kommun_name", "memo_figures",
           "name_has_years", "proposal_text", "quoted", "starts_with_digit", "summary_items", "summary_paragraphs",
           "write_memo"]
