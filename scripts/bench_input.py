"""Benchmark: validating a large year (issue 11): time and peak memory.

Builds a copy of the example data folder whose ``2024/stod.csv`` has
100 000 rows (and one with more rows than the limit), validates it as
``serviceprogram validate`` does and prints the figures. Not a test: the
figures depend on the machine.

    .venv/bin/python scripts/bench_input.py [--rows 100000]
"""
from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchlib import peak_mb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from serviceprogram.analysis.checks import load_checked_year  # noqa: E402
from serviceprogram.errors import DataError  # noqa: E402
from serviceprogram.inputs.reading import MAX_ROWS  # noqa: E402

YEAR = 2024


def big_stod(folder: Path, rows: int) -> float:
    """Replace 2024/stod.csv by ``rows`` valid decisions; returns the file size in MB."""
    path = folder / str(YEAR) / "stod.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header, *examples = list(csv.reader(handle))
    number = header.index("diarienummer")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for i in range(rows):
        row = list(examples[i % len(examples)])
        row[number] = f"RS {YEAR}-{i:07d}"
        writer.writerow(row)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path.stat().st_size / 1e6


def measure(folder: Path) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        data = load_checked_year(folder, YEAR)
        outcome = f"giltigt, {len(data.tables['stod'])} rader"
    except DataError as exc:
        outcome = f"{len(exc.errors)} fel: {exc.errors[0].rule[:70]}"
    return time.perf_counter() - start, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(ROOT / "data", folder)
        for rows in (args.rows, MAX_ROWS + 1):
            size = big_stod(folder, rows)
            seconds, outcome = measure(folder)
            rows_text = f"{rows:>9,}".replace(",", " ")
            print(f"stod.csv med {rows_text} rader ({size:5.1f} MB): {seconds:6.1f} s, "
                  f"högsta minne hittills {peak_mb():6.0f} MB: {outcome}")


if __name__ == "__main__":
    main()
