"""The output-files module (atomic writes, reproducible packages, build date) and text helpers."""
from __future__ import annotations

import io
import zipfile

import pytest
from serviceprogram import files, text


def test_write_atomically_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    files.write_atomically(target, "första")
    files.write_atomically(target, "andra\n")
    assert target.read_text(encoding="utf-8") == "andra\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.txt"]


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"gammal")
    with pytest.raises(RuntimeError), files.replacing(target) as temporary:
        temporary.write_bytes(b"halv")
        raise RuntimeError("avbruten")
    assert target.read_bytes() == b"gammal"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_reproducible_zip_and_build_date_follow_source_date_epoch(monkeypatch):
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as z:
        z.writestr("x.xml", "<x/>")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert files.build_date() is None
    assert files.fixed_timestamp() == files.DEFAULT_TIMESTAMP
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    assert files.build_date() == "2025-01-01"
    one = files.reproducible_zip(raw.getvalue(), files.fixed_timestamp())
    assert one == files.reproducible_zip(raw.getvalue(), files.fixed_timestamp())
    with zipfile.ZipFile(io.BytesIO(one)) as z:
        assert z.infolist()[0].date_time == (2025, 1, 1, 0, 0, 0)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert files.fixed_timestamp().year == 1980  # the ZIP format's first year


def test_swedish_lists_and_decimals():
    assert text.join([]) == ""
    assert text.join(["Åre"]) == "Åre"
    assert text.join(["a", "b"]) == "a och b"
    assert text.join(["a", "b", "c"], "eller") == "a, b eller c"
    assert text.decimal(0.25) == "0,25"
    assert text.decimal(12.0) == "12"
    assert text.decimal(2500.5) == "2\u00a0500,5"
