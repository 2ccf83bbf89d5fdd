"""The indicator ids (serviceprogram.ids): named once, documented, and the ones the indicators make."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import ANSWERS, DATA, ROOT
from serviceprogram import ids, load_year
from serviceprogram.analysis import access, access_indicators
from serviceprogram.analysis import indicators as ind
from serviceprogram.analysis.bands import fmt_km

DOC = ROOT / "docs" / "indikatorer.md"
#: The ids over the default limit: people and share fågelvägen, people by road.
OVER_LIMIT = {ids.over_limit_id(ids.PEOPLE, ids.DEFAULT_LIMIT_KM), ids.over_limit_id(ids.SHARE, ids.DEFAULT_LIMIT_KM),
              ids.over_limit_id(ids.PEOPLE, ids.DEFAULT_LIMIT_KM, ids.ROAD_PREFIX)}


def _doc_table_ids() -> list[str]:
    """The ids in the first column of the document's indicator tables (header ``Id`` or ``indikator``)."""
    found, in_ids_table, previous = [], False, ""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and not previous.startswith("|"):  # a table's header
            in_ids_table = line.split("|")[1].strip() in ("Id", "indikator")
        elif line.startswith("|") and in_ids_table:
            found += [t for t in re.findall(r"`([^`]+)`", line.split("|")[1]) if re.fullmatch(r"[a-z0-9_]+", t)]
        previous = line
    return found


@pytest.fixture(scope="module")
def long2024() -> pd.DataFrame:
    return ind.compute(load_year(DATA, 2024)).long()


def test_every_id_is_named_once():
    assert len(set(ids.ALL)) == len(ids.ALL)
    assert all(re.fullmatch(r"[a-z0-9_]+", i) for i in ids.ALL)
    assert all(i.startswith(ids.ACCESS_PREFIX + "_") for i in ids.ACCESS)
    assert all(i.startswith(ids.ROAD_PREFIX + "_") for i in ids.ROAD)


def test_every_id_is_documented():
    text = DOC.read_text(encoding="utf-8")
    missing = [i for i in ids.ALL if f"`{i}`" not in text]
    assert not missing, f"not in docs/indikatorer.md: {missing}"


def test_every_documented_id_is_named():
    documented = _doc_table_ids()
    assert len(documented) > 25  # the tables were found
    unknown = [i for i in documented if i not in ids.ALL and i not in OVER_LIMIT]
    assert not unknown, f"in docs/indikatorer.md but not in serviceprogram.ids: {unknown}"


def test_the_year_makes_exactly_the_named_ids_in_order(long2024):
    made = list(dict.fromkeys(long2024["indikator"]))
    assert made == list(ids.YEAR)


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_the_indicator_files_hold_only_named_ids(year):
    """The answer files are the whole indicator files (access and road rows too, see test_indicators.py)."""
    made = set(pd.read_csv(ANSWERS / f"indikatorer-{year}.csv", dtype=str)["indikator"])
    assert made - set(ids.ALL) - OVER_LIMIT == set()
    assert set(ids.ALL) | OVER_LIMIT == made  # the example data have population points and a road network


def test_funding_ids_follow_the_funding_columns():
    assert tuple(ids.FUNDING) == ind.FUNDING_COLUMNS


@pytest.mark.parametrize("limit", [10, 10.0, 7.5, 2.25, 1, 100, 0.5])
def test_limit_token_and_over_limit_pattern(limit):
    assert ids.limit_token(limit) == fmt_km(limit).replace(",", "_") + "km"
    for measure in (ids.PEOPLE, ids.SHARE):
        for prefix in (ids.ACCESS_PREFIX, ids.ROAD_PREFIX):
            assert re.fullmatch(ids.over_limit_pattern(measure, prefix), ids.over_limit_id(measure, limit, prefix))
    assert ids.over_limit_id(ids.PEOPLE, 10) == "tillganglighet_befolkning_over_10km"
    assert not re.fullmatch(ids.over_limit_pattern(ids.SHARE), "tillganglighet_befolkning_over_10km")


def test_the_old_names_still_import():
    assert (ind.TOTAL, ind.COUNTY, ind.SEP) == (ids.TOTAL, ids.COUNTY, ids.SEP)
    assert access.COUNTY_LABEL == ids.COUNTY and access.DEFAULT_LIMIT_KM == ids.DEFAULT_LIMIT_KM
    assert access_indicators.over_limit_id is ids.over_limit_id
    assert access_indicators.limit_token is ids.limit_token
