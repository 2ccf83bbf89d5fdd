"""Benchmark: building a year with 100 000 support decisions (issue 11): time and peak memory.

Copies the example data folder, replaces ``2024/stod.csv`` by a synthetic
year of ``--rows`` decisions (rows of the example year drawn at random with a
fixed seed, each with its own diarienummer, date and a varied amount, so that
some exceed the caps of the regulation as in real data), builds it with
``serviceprogram report --year 2024`` and prints the wall time and the peak
memory: the largest sum of the resident sets of the whole process tree (the
CLI, its workers and their Jupyter kernels), polled with psutil, and the
largest single process. Not a test: the figures depend on the machine.

    .venv/bin/python scripts/bench_large.py [--rows 100000] [--seed 11] [--keep DIR]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import shutil
import sys
import tempfile
from pathlib import Path

from benchlib import run_measured

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
YEAR = 2024


def synthetic_stod(folder: Path, rows: int, seed: int) -> float:
    """Replace ``YEAR/stod.csv`` by ``rows`` decisions drawn from the example; returns its size in MB."""
    path = folder / str(YEAR) / "stod.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header, examples = reader.fieldnames, list(reader)
    rng = random.Random(seed)
    first = dt.date(YEAR, 1, 1)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        for i in range(rows):
            row = dict(rng.choice(examples))
            row["diarienummer"] = f"RUN/{i + 1}/{YEAR}"
            row["beslutsdatum"] = (first + dt.timedelta(days=rng.randrange(365))).isoformat()
            row["belopp_kr"] = str(round(int(row["belopp_kr"]) * rng.uniform(0.5, 1.5) / 10) * 10)
            writer.writerow(row)
    return path.stat().st_size / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", type=Path, help="build into this folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(ROOT / "data", folder)
        size = synthetic_stod(folder, args.rows, args.seed)
        out = args.keep or Path(tmp) / "rapporter"
        seconds, tree, one, code = run_measured(
            [str(BIN / "serviceprogram"), "report", "--year", str(YEAR), "--force",
             "--data-dir", str(folder), "--out", str(out)])
        rows = f"{args.rows:,}".replace(",", " ")
        print(f"Bygge av {YEAR} med {rows} stödbeslut (stod.csv {size:.1f} MB): {seconds:.0f} s, "
              f"högsta minne för hela processträdet {tree:.0f} MB, största enskilda process {one:.0f} MB, "
              f"slutkod {code}")
        if code == 0:
            for name in (f"uppfoljning-{YEAR}.pdf", f"uppfoljning-{YEAR}.html", f"uppfoljning-{YEAR}.xlsx"):
                file = out / str(YEAR) / name
                if file.exists():
                    print(f"  {name}: {file.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
