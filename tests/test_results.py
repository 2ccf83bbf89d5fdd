"""A year's results are computed once, saved with their types, and read by the exports, the what-if
page and the overview (serviceprogram.results, docs/resultat.md)."""
from __future__ import annotations

import json
import multiprocessing
import re
import shutil
from collections import Counter
from pathlib import Path

import engine_stubs as stubs
import numpy as np
import pandas as pd
import pytest
from conftest import ACCESS_COUNT, DATA, ROOT
from serviceprogram import results
from serviceprogram.build import engine as build
from serviceprogram.errors import Problem

YEAR = 2024


@pytest.fixture(scope="module")
def one_year(tmp_path_factory) -> Path:
    """The example data folder with 2024 only (so that the overview needs only its results)."""
    target = tmp_path_factory.mktemp("ett-ar") / "data"
    shutil.copytree(DATA, target, ignore=lambda folder, names: [n for n in names if re.fullmatch(r"\d{4}", n)
                                                                and n != str(YEAR)])
    return target


@pytest.fixture(scope="module")
def computed(one_year, tmp_path_factory):
    """The 2024 report, its results computed once, and the folder they were saved in."""
    from serviceprogram import Report

    report = Report.load(YEAR, one_year)
    saved = results.from_report(report)
    folder = results.save(saved, tmp_path_factory.mktemp("staging") / results.FOLDER)
    return report, saved, folder


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_index_type=True, check_column_type=True)
    assert list(a.dtypes.astype(str)) == list(b.dtypes.astype(str))


# -- the saved files ----------------------------------------------------------------------------

def test_every_table_reads_back_with_its_values_and_types(computed):
    _, saved, folder = computed
    back = results.load(folder, year=YEAR)
    assert set(back.tables) == set(saved.tables)
    for name, table in saved.tables.items():
        _same(table, back.tables[name])
    assert saved.has_access and saved.has_roads and back.max_snap_m == saved.max_snap_m
    assert back.stod_varningar == saved.stod_varningar


def test_missing_infinite_dates_text_and_warnings_survive(tmp_path):
    warnings = [Problem("2024/stod.csv", 7, "belopp_kr", "1 200 000", "Över taket"),
                Problem("program.toml", None, None, None, "Filnivå", "varning")]
    table = pd.DataFrame({"km": [1.5, np.nan, np.inf, 0.1 + 0.2], "n": [1, 2, 3, 2**53 + 1],
                          "namn": pd.Series(["Å", None, "", "=1+1"], dtype=object),
                          "dag": pd.to_datetime(["2024-01-02", None, "2024-12-31", "2024-02-29"]).astype("datetime64[s]"),
                          "ja": [True, False, True, False]},
                         index=pd.Index(["a", "b", "c", "d"], name="kommun"))
    table.columns.name = "mått"
    saved = results.YearResults(YEAR, 10.0, "0" * 64, {"t": table, "varningar": results._warnings_table(warnings)})
    back = results.load(results.save(saved, tmp_path / "r"))
    _same(table, back.tables["t"])
    assert back.warnings == warnings
    text = (tmp_path / "r" / "t.json").read_text(encoding="utf-8")
    json.loads(text)  # plain JSON: no NaN or Infinity literals
    assert "NaN" not in text and '"Infinity"' in text and "0.30000000000000004" in text


def test_the_manifest_lists_every_file_and_the_doc_every_table(computed):
    _, saved, folder = computed
    manifest = json.loads((folder / results.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["schema_version"] == results.SCHEMA_VERSION and manifest["year"] == YEAR
    assert manifest["limit_km"] == 10.0 and re.fullmatch(r"[0-9a-f]{64}", manifest["indata_sha256"])
    assert sorted(p.name for p in folder.iterdir()) == sorted([results.MANIFEST, *(f"{n}.json" for n in saved.tables)])
    assert manifest["tables"]["stod_per_form"]["columns"] == [{"name": "antal", "dtype": "int64"},
                                                              {"name": "belopp_kr", "dtype": "int64"}]
    doc = (ROOT / "docs/resultat.md").read_text(encoding="utf-8")
    assert [n for n in saved.tables if f"`{n}.json`" not in doc] == []


def test_results_of_other_data_or_another_version_are_refused(computed, one_year, tmp_path):
    _, _, folder = computed
    assert results.load(folder, year=YEAR, data_dir=one_year).year == YEAR
    copy = tmp_path / "data"
    shutil.copytree(one_year, copy)
    (copy / str(YEAR) / "stod.csv").write_bytes((copy / str(YEAR) / "stod.csv").read_bytes() + b"\n")
    with pytest.raises(results.ResultsError, match="andra indata"):
        results.load(folder, data_dir=copy)
    with pytest.raises(results.ResultsError, match="inte för 2023"):
        results.load(folder, year=2023)
    other = tmp_path / "annan"
    shutil.copytree(folder, other)
    manifest = json.loads((other / results.MANIFEST).read_text(encoding="utf-8"))
    (other / results.MANIFEST).write_text(json.dumps({**manifest, "schema_version": 99}), encoding="utf-8")
    with pytest.raises(results.ResultsError, match="schemaversion 99"):
        results.load(other)
    (other / results.MANIFEST).unlink()
    assert results.find(other) is None  # unfinished: the caller computes


# -- the readers never compute -----------------------------------------------------------------

@pytest.fixture
def no_analysis(monkeypatch):
    """Any indicator or access computation fails the test."""
    from serviceprogram.analysis import indicators as ind
    from serviceprogram.analysis import shops
    from serviceprogram.publishing.report import AccessFigures

    def refuse(*args, **kwargs):
        raise AssertionError("analysen räknades om")

    monkeypatch.setattr(AccessFigures, "compute", classmethod(refuse))
    monkeypatch.setattr(ind, "compute", refuse)
    monkeypatch.setattr(shops, "shop_importance", refuse)
    monkeypatch.setattr(shops, "driftstod_check", refuse)


def test_the_exports_are_made_from_the_saved_results_alone(computed, one_year, tmp_path, monkeypatch, no_analysis):
    from serviceprogram.analysis import indicators as ind
    from serviceprogram.publishing.workbooks import write_indicator_workbook

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    report, _, folder = computed
    staging = tmp_path / "staging"
    shutil.copytree(folder, build.results_dir(staging))
    build.exports_part(staging, one_year, YEAR)
    expected = tmp_path / "expected"
    expected.mkdir()
    ind.write_csv(report.long, expected / "indikatorer.csv")  # the report's own, computed in the fixture
    write_indicator_workbook(report.indicators, report.program, expected / "bok.xlsx",
                             warnings=report.data.warnings, driftstod=report.driftstod)
    assert (staging / f"indikatorer-{YEAR}.csv").read_bytes() == (expected / "indikatorer.csv").read_bytes()
    assert (staging / f"uppfoljning-{YEAR}.xlsx").read_bytes() == (expected / "bok.xlsx").read_bytes()
    assert (staging / f"tjansteskrivelse-{YEAR}.docx").stat().st_size > 10_000


def test_the_what_if_baseline_is_read_not_computed(computed, one_year, monkeypatch, no_analysis):
    from serviceprogram.publishing.whatif import WhatIf

    _, saved, folder = computed
    from serviceprogram.analysis import scenario as scenario_module

    calls = []
    real = scenario_module.distances
    monkeypatch.setattr(scenario_module, "distances", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    scenario = WhatIf.load(YEAR, one_year, resultat_dir=folder)
    assert not scenario.problems
    assert scenario.stang == [saved.tables["butikers_betydelse"].iloc[0]["id"]]  # the saved ranking
    assert "Utgångsläge" in scenario.show().html
    assert calls == [YEAR]  # the scenario's distances only; the baseline's are the saved ones
    _same(scenario.result.dist_baseline, saved.tables["avstand"])


def test_the_overview_reads_every_years_results(computed, one_year, tmp_path, no_analysis):
    from serviceprogram.publishing.overview import Overview

    _, saved, folder = computed
    gathered = tmp_path / "alla"
    shutil.copytree(folder, gathered / str(YEAR))
    overview = Overview.load(one_year, gathered)
    assert overview.years == [YEAR]
    _same(overview.long.drop(columns="ar"), saved.tables["indikatorer"])
    assert "Programmets mål" in overview.show().html


# -- the build: the report first, then its readers; one analysis per year ---------------------

def test_the_readers_wait_for_the_report_of_their_year_and_the_overview_for_all():
    def job(key, names):
        return build.Job(key, Path(str(key)), {}, [(build.PARTS[n], ()) for n in names])

    years = [job(y, build.YEAR_PARTS) for y in (2023, 2024)]
    overview = job(0, ["overview_part"])
    jobs = [*years, overview]
    assert build._needs(build.PARTS["report_part"], years[1], jobs) == set()
    assert build._needs(build.PARTS["exports_part"], years[1], jobs) == {(2024, "report_part")}
    assert build._needs(build.PARTS["overview_part"], overview, jobs) == {(2023, "report_part"),
                                                                            (2024, "report_part")}
    alone = job(2024, ["exports_part"])  # a build without the report: the part computes for itself
    assert build._needs(build.PARTS["exports_part"], alone, [alone]) == set()


@pytest.mark.parametrize("method", [m for m in ("fork", "spawn") if m in multiprocessing.get_all_start_methods()])
def test_parts_start_only_when_the_results_they_read_are_saved(one_year, tmp_path, method):
    """Three workers for one year: without the order the two readers would start beside the report."""
    out = tmp_path / "out"
    parts = stubs.ordered_parts()
    built = build.build_years(one_year, out, None, jobs=3, force=True, parts=parts, overview=True, method=method)
    years = [r.year for r in built if r.year]
    for year in years:
        assert sorted(r["year"] for r in stubs.records(out / str(year)) if "year" in r) == [year, year]
        assert (out / str(year) / results.FOLDER / "manifest.json").is_file()
    assert [r["years"] for r in stubs.records(out / "program")] == [years]
    assert not (out / "program" / build.OVERVIEW_RESULTS).exists()  # the copies are not published


def test_a_build_runs_the_access_analysis_once_per_year(built_2024):
    """The 2024 build (report, what-if page, exports in two workers): one access analysis in all."""
    counted = (built_2024.parent.parent / ACCESS_COUNT).read_text(encoding="utf-8").split("\n")
    years = Counter(int(line.split()[0]) for line in counted if line)
    assert years == {YEAR: 1}
    assert results.load(built_2024 / results.FOLDER, year=YEAR, data_dir=DATA).has_access


def test_the_overview_gets_a_copy_of_each_years_results_wherever_they_are(tmp_path):
    def saved(folder: Path, year: int) -> Path:
        (folder / results.FOLDER).mkdir(parents=True)
        (folder / results.FOLDER / results.MANIFEST).write_text(str(year), encoding="utf-8")
        return folder

    running = build.Job(2023, tmp_path / "2023", {}, staging=saved(tmp_path / ".2023-bygge", 2023))
    published = build.Job(2024, saved(tmp_path / "2024", 2024), {}, staging=tmp_path / ".2024-bygge",
                           published=True)
    earlier = saved(tmp_path / "2025", 2025)  # fresh: published by an earlier build
    unfinished = tmp_path / "2026"
    (unfinished / results.FOLDER).mkdir(parents=True)  # no manifest: the overview computes the year
    overview = build.Job(0, tmp_path / "program", {}, staging=tmp_path / ".program-bygge")
    build._gather_results(overview, {2023: running, 2024: published, 2025: earlier, 2026: unfinished})
    copies = overview.staging / build.OVERVIEW_RESULTS
    assert sorted(p.name for p in copies.iterdir()) == ["2023", "2024", "2025"]
    assert [(copies / str(y) / results.MANIFEST).read_text(encoding="utf-8") for y in (2023, 2024, 2025)] == \
        ["2023", "2024", "2025"]


# -- the JSON Schemas -----------------------------------------------------------------------------

def test_the_shipped_schemas_are_the_ones_the_code_reads_with():
    for name in results.SCHEMA_FILES:
        assert results.shipped_schema(name) == results.json_schemas()[name], \
            f"run scripts/write_result_schemas.py ({name})"


def test_every_saved_file_follows_its_schema(computed):
    from jsonschema import Draft202012Validator

    _, _, folder = computed
    manifest = Draft202012Validator(results.shipped_schema("manifest"))
    table = Draft202012Validator(results.shipped_schema("tabell"))
    manifest.validate(json.loads((folder / results.MANIFEST).read_text(encoding="utf-8")))
    files = sorted(p for p in folder.glob("*.json") if p.name != results.MANIFEST)
    assert len(files) > 20
    for path in files:
        table.validate(json.loads(path.read_text(encoding="utf-8")))


def test_the_schemas_reject_what_load_would_refuse(computed):
    from jsonschema import Draft202012Validator

    _, _, folder = computed
    saved = json.loads((folder / results.MANIFEST).read_text(encoding="utf-8"))
    manifest = Draft202012Validator(results.shipped_schema("manifest"))
    for broken in ({k: v for k, v in saved.items() if k != "year"}, {**saved, "year": "tjugo"},
                   {**saved, "okand": 1}, {**saved, "schema_version": 99}):
        assert list(manifest.iter_errors(broken))
    table = Draft202012Validator(results.shipped_schema("tabell"))
    for broken in ({"falt": ["a"]}, {"falt": ["a"], "rader": [{"a": 1}]}, {"falt": ["a"], "rader": [[[1]]]}):
        assert list(table.iter_errors(broken))
