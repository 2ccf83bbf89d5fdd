"""Starting a new year from the previous one (``new_year``)."""
from __future__ import annotations

import pandas as pd
import pytest
from conftest import read_rows, set_cell, write_rows
from serviceprogram.errors import DataError, UsageError
from serviceprogram.inputs import schemas
from serviceprogram.inputs.loading import find_years, load_year
from serviceprogram.inputs.newyear import describe, new_year

NEW, OLD = 2026, 2025


def old_activities(data_dir):
    """The previous year's activities as written in the CSV file."""
    rows = read_rows(data_dir / f"{OLD}/insatser.csv")
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_new_year_carries_the_right_things(data_dir):
    set_cell(data_dir / f"{OLD}/insatser.csv", 5, "status", "Inställd")  # 2025-M4 was Pågår
    before = load_year(data_dir, OLD)
    result = new_year(data_dir, NEW)
    assert result.folder == data_dir / str(NEW)
    assert find_years(data_dir) == [2023, 2024, 2025, 2026]
    data = load_year(data_dir, NEW)  # loads without errors

    # Activities: only the unfinished ones, reset, with the old id in the comment.
    unfinished = [a for a in old_activities(data_dir) if a["status"] not in ("Genomförd", "Inställd")]
    assert unfinished  # the example data has some
    acts = data.tables["insatser"].reset_index(drop=True)
    assert len(acts) == len(unfinished) == result.n_activities
    assert [a.old_id for a in result.activities] == [a["id"] for a in unfinished]
    assert set(acts["status"]) == {"Ej påbörjad"}
    assert ("2025-M4", "Inställd") in result.activities_not_carried
    assert "2025-M4" not in {a.old_id for a in result.activities}
    assert acts["utfall"].isna().all()
    assert acts["id"].is_unique and all(i.startswith(f"{NEW}-") for i in acts["id"])
    assert not set(acts["id"]) & {a["id"] for a in unfinished}
    for old, new in zip(unfinished, acts.to_dict("records")):
        assert old["id"] in new["kommentar"] and old["status"] in new["kommentar"]
        for column in ("prioriterat_omrade", "insats", "mal", "ansvarig"):
            assert new[column] == old[column]
        assert (pd.isna(new["malvarde"]) and not old["malvarde"]) or new["malvarde"] == float(old["malvarde"])

    # Service points: all of them, unchanged; closed ones keep their closing date.
    old_points = before.tables["serviceplatser"].reset_index(drop=True)
    points = data.tables["serviceplatser"].reset_index(drop=True)
    assert len(points) == len(old_points) == result.n_points
    pd.testing.assert_frame_equal(points, old_points)
    closed = old_points.loc[old_points["stangd"].notna(), "id"].tolist()
    assert closed and result.points_closed == closed
    assert len(result.points_open) == len(old_points) - len(closed)

    # Plans: status and decision dates as they were.
    pd.testing.assert_frame_equal(data.tables["serviceplaner"].reset_index(drop=True),
                                  before.tables["serviceplaner"].reset_index(drop=True))
    assert result.n_plans == len(data.program.kommuner)

    # Support and visits: header only.
    for table in ("stod", "foretagsbesok"):
        assert len(data.tables[table]) == 0
        assert read_rows(data_dir / f"{NEW}/{table}.csv") == [[f.name for f in schemas.TABLES[table]]]

    # The files follow the contract's plain form.
    text = (data_dir / f"{NEW}/serviceplatser.csv").read_text(encoding="utf-8")
    assert text.startswith("id,namn,") and "\r" not in text and ",ja," in text and ",nej," in text
    assert "2025-10-31" in text  # a closing date, ISO
    assert ",3,," in (data_dir / f"{NEW}/insatser.csv").read_text(encoding="utf-8")  # malvarde 3, not 3.0


def test_describe_is_a_swedish_summary(data_dir):
    result = new_year(data_dir, NEW)
    text = describe(result)
    assert f"Året {NEW}" in text and str(OLD) in text
    for activity in result.activities:
        assert activity.old_id in text and activity.new_id in text
    assert f"{result.n_activities} av 11" in text
    assert f"{result.n_points} fördes över" in text and f"{len(result.points_closed)} stängda" in text
    assert f"{result.n_plans} kommuner" in text
    assert "stod.csv" in text and "foretagsbesok.csv" in text and "tomma" in text


def test_extra_columns_of_service_points_are_kept(data_dir):
    path = data_dir / f"{OLD}/serviceplatser.csv"
    rows = read_rows(path)
    rows[0].append("Kontaktperson")
    for number, row in enumerate(rows[1:], start=1):
        row.append(f"Person {number}" if number % 2 else "")
    write_rows(path, rows)
    new_year(data_dir, NEW)
    carried = read_rows(data_dir / f"{NEW}/serviceplatser.csv")
    assert carried[0][-1] == "kontaktperson"
    assert [r[-1] for r in carried[1:]] == [r[-1] for r in rows[1:]]
    assert "kontaktperson" in load_year(data_dir, NEW).tables["serviceplatser"].columns


def test_new_ids_are_unique(data_dir):
    # "M2" and "2025-M2" would both become "2026-M2".
    path = data_dir / f"{OLD}/insatser.csv"
    rows = read_rows(path)
    copy = list(rows[2])  # 2025-M2, Pågår
    assert copy[0] == "2025-M2" and copy[7] == "Pågår"
    copy[0] = "M2"
    rows.append(copy)
    write_rows(path, rows)
    result = new_year(data_dir, NEW)
    ids = [a.new_id for a in result.activities]
    assert len(ids) == len(set(ids)) and "2026-M2" in ids
    assert len(load_year(data_dir, NEW).tables["insatser"]) == len(ids)


def test_refuses_an_existing_year(data_dir):
    before = sorted(p.name for p in (data_dir / str(OLD)).iterdir())
    with pytest.raises(UsageError, match="finns redan"):
        new_year(data_dir, OLD)
    assert sorted(p.name for p in (data_dir / str(OLD)).iterdir()) == before
    (data_dir / str(NEW)).mkdir()  # even an empty folder
    with pytest.raises(UsageError, match="finns redan"):
        new_year(data_dir, NEW)
    assert list((data_dir / str(NEW)).iterdir()) == []


def test_refuses_when_the_previous_year_is_missing(data_dir):
    with pytest.raises(UsageError, match="2029"):
        new_year(data_dir, 2030)
    assert not (data_dir / "2030").exists()


def test_previous_year_with_errors_gives_its_data_error(data_dir):
    set_cell(data_dir / f"{OLD}/stod.csv", 3, "belopp_kr", "mycket")
    with pytest.raises(DataError) as info:
        new_year(data_dir, NEW)
    assert any(p.file == f"{OLD}/stod.csv" and p.row == 3 and p.column == "belopp_kr" for p in info.value.errors)
    assert not (data_dir / str(NEW)).exists()
    assert not [p for p in data_dir.iterdir() if p.name.startswith(".")]  # no staging folder left
