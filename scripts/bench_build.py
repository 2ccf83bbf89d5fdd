"""Benchmark of the batch build (prints figures; it is not a test).

Usage: .venv/bin/python scripts/bench_build.py [--scale 2,4,8] [--regions 2] [--skip-naive]

1. Cold build of every example year with ``serviceprogram report --force``
   (parallel workers, one import of papermill/nbconvert/WeasyPrint per worker).
2. The naive chain, measured in the same run: the ``papermill`` CLI, then the
   ``jupyter nbconvert`` CLI, then the ``weasyprint`` CLI, one after the other,
   for every report the build makes (per year the follow-up report as HTML and
   PDF and the what-if page as HTML; the programme overview as HTML and PDF).
   It still makes less than the build (no CSV, XLSX or DOCX, no PDF/UA
   tagging), so that ratio is conservative.
   The cold target is judged on this comparison: the same reports made both ways.
   Then the build narrowed to the follow-up report and its PDF
   (``build_years(parts=...)``, no overview) against the naive chain of the
   follow-up report alone. That ratio is lower: the narrowed build has fewer
   parts to fill both cores with, and the naive chain of one report has less
   start-up to save.
3. A no-op rebuild (nothing changed: every year is cached), the slowest of three.
4. Peak memory of the cold build, polled with psutil: the largest sum over the
   whole process tree (the CLI, its workers and their kernels) and the
   largest single process.
5. Scale: generated data folders with more years (copies of the example years
   shifted in time), showing the time per report as the count grows; then
   several such regions of eight years built one after the other, as a
   national body would loop over the regions.

Targets on 2 cores (issue «One computation per year …»): cold ratio >= 5,
narrowed ratio >= 3, no-op < 1 s.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import run_measured

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATA = ROOT / "data"
NOTEBOOKS = ROOT / "notebooks"


def timed(cmd, **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def report(data: Path, out: Path, *extra) -> float:
    return timed([str(BIN / "serviceprogram"), "report", "--data-dir", str(data), "--out", str(out), *extra])


def naive_report(notebook: Path, data: Path, out: Path, year: int | None, pdf: bool) -> None:
    """One report the naive way: papermill CLI, nbconvert CLI, then (optionally) weasyprint CLI."""
    quiet = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    executed = out / (f"{notebook.stem}-{year}.ipynb" if year else notebook.name)
    parameters = ["-p", "data_dir", str(data)] + (["-p", "year", str(year)] if year else [])
    subprocess.run([str(BIN / "papermill"), str(notebook), str(executed), *parameters,
                    "--cwd", str(notebook.parent), "--no-progress-bar"], **quiet)
    subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)], **quiet)
    if pdf:
        subprocess.run([str(BIN / "weasyprint"), str(executed.with_suffix(".html")),
                        str(executed.with_suffix(".pdf"))], **quiet)


def naive(data: Path, out: Path, years, same_reports: bool) -> float:
    """Seconds for the naive chain; ``same_reports``: every report the build makes."""
    start = time.perf_counter()
    for year in years:
        naive_report(NOTEBOOKS / "uppfoljning.ipynb", data, out, year, pdf=True)
        if same_reports:
            naive_report(NOTEBOOKS / "tillganglighet.ipynb", data, out, year, pdf=False)
    if same_reports:
        naive_report(NOTEBOOKS / "programoversikt.ipynb", data, out, None, pdf=True)
    return time.perf_counter() - start


NARROWED = """
import sys
from serviceprogram.build.engine import build_years
build_years(sys.argv[1], sys.argv[2], [int(y) for y in sys.argv[3:]], force=True, parts=("report_part", "pdf_part"))
"""


def report_only(data: Path, out: Path, years) -> float:
    """Seconds for the build narrowed to the follow-up report (HTML and PDF) of each year."""
    return timed([sys.executable, "-c", NARROWED, str(data), str(out), *map(str, years)])


def shifted_copy(source: Path, target: Path, years: int) -> None:
    """A data folder with ``years`` year folders made from the example years."""
    shutil.copy(source / "program.toml", target / "program.toml")
    shutil.copy(source / "befolkning.csv", target / "befolkning.csv")
    examples = sorted(int(p.name) for p in source.iterdir() if p.is_dir() and p.name.isdigit())
    for n in range(years):
        year = examples[0] + n
        model = examples[min(n, len(examples) - 1)]
        (target / str(year)).mkdir()
        for path in (source / str(model)).iterdir():
            text = path.read_text(encoding="utf-8")
            text = re.sub(rf"\b{model}-(\d\d)-(\d\d)\b", rf"{year}-\1-\2", text)
            text = text.replace(f"/{model}", f"/{year}").replace(f"{model}-", f"{year}-")
            (target / str(year) / path.name).write_text(text, encoding="utf-8")


def verdict(met: bool) -> str:
    return "uppnått" if met else "EJ uppnått"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="2,4,8", help="number of years in the scale runs (comma-separated)")
    parser.add_argument("--regions", type=int, default=2, help="regions of eight years in the last scale run")
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive chain")
    args = parser.parse_args()
    years = sorted(int(p.name) for p in DATA.iterdir() if p.is_dir() and p.name.isdigit())
    cores = os.cpu_count()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    print(f"Maskin: {cores} kärnor (målen gäller 2 kärnor). Exempeldata: {len(years)} år ({years[0]}–{years[-1]}).")
    try:
        out = work / "out"
        cold, tree_mb, one_mb, code = run_measured(
            [str(BIN / "serviceprogram"), "report", "--data-dir", str(DATA), "--out", str(out), "--force"])
        if code:
            raise SystemExit(f"Det kalla bygget misslyckades (slutkod {code}).")
        print(f"Kallt bygge, alla år:           {cold:6.1f} s ({cold / len(years):.1f} s per år)")
        noop = max(report(DATA, out) for _ in range(3))  # the slowest of three
        print(f"Inget ändrat (no-op):           {noop:6.2f} s   mål < 1 s: {verdict(noop < 1)}")
        print(f"Högsta minne, kallt bygge:      {tree_mb:6.0f} MB hela processträdet, {one_mb:.0f} MB största process")
        if not args.skip_naive:
            chain = naive(DATA, Path(tempfile.mkdtemp(dir=work)), years, same_reports=True)
            print(f"Naiv kedja, samma rapporter:    {chain:6.1f} s   kvot {chain / cold:4.2f}, "
                  f"mål >= 5: {verdict(chain / cold >= 5)}")
            narrowed = report_only(DATA, Path(tempfile.mkdtemp(dir=work)), years)
            chain = naive(DATA, Path(tempfile.mkdtemp(dir=work)), years, same_reports=False)
            print(f"Bara uppföljningsrapporten:     bygget {narrowed:4.1f} s, naiv kedja {chain:4.1f} s, "
                  f"kvot {chain / narrowed:4.2f}, mål >= 3: {verdict(chain / narrowed >= 3)}")
        for count in [int(c) for c in args.scale.split(",") if c]:
            data = work / f"skala-{count}"
            data.mkdir()
            shifted_copy(DATA, data, count)
            seconds = report(data, work / f"ut-{count}", "--force")
            print(f"Skala {count:3d} år:                 {seconds:6.1f} s, {seconds / count:5.1f} s per år")
        if args.regions:
            seconds = 0.0
            for region in range(args.regions):
                data = work / f"region-{region}"
                data.mkdir()
                shifted_copy(DATA, data, 8)
                seconds += report(data, work / f"ut-region-{region}", "--force")
            count = 8 * args.regions
            print(f"Skala {args.regions} regioner × 8 år:      {seconds:6.1f} s, {seconds / count:5.1f} s per år")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
