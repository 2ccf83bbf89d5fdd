"""Output hygiene: formula-like text in the indicator CSV is inert."""
from __future__ import annotations

import csv

import pandas as pd
import pytest
from serviceprogram.analysis import indicators as ind


@pytest.mark.parametrize("text", ["=1+2", "+46 70", "-5", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"])
def test_csv_neutralises_formula_like_text(tmp_path, text):
    long = pd.DataFrame({"indikator": ["stod_antal", text], "dimension": [text, "Totalt"], "varde": [1.0, -2.5]})
    path = tmp_path / "indikatorer.csv"
    ind.write_csv(long, path)
    assert ("'" + text).replace("\"", "\"\"") in path.read_bytes().decode("utf-8")
    if text.startswith("\r"):
        return  # a bare CR in a cell is a record break to csv readers; the apostrophe is what counts
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["indikator", "dimension", "varde"]
    assert rows[1] == ["stod_antal", "'" + text, "1"]
    assert rows[2] == ["'" + text, "Totalt", "-2.5"]  # numbers stay numbers, negative ones too


def test_csv_keeps_ordinary_text(tmp_path):
    long = pd.DataFrame({"indikator": ["x"], "dimension": ["fullsortiment|Åre|0–5 km"], "varde": [3]})
    ind.write_csv(long, tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == "indikator,dimension,varde\nx,fullsortiment|Åre|0–5 km,3\n"
