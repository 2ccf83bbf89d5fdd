import datetime as dt

import pytest
from serviceprogram.inputs import parsing


@pytest.mark.parametrize("text, value", [
    ("1407970", 1407970), ("1 407 970", 1407970), ("1\u00a0407\u00a0970", 1407970),
    ("1407970,00", 1407970), ("1407970.00", 1407970), ("1 234 567 kr", 1234567),
    ("12,5", 12.5), ("-3", -3), ("250000kr", 250000),
])
def test_numbers_in_every_contract_format(text, value):
    assert parsing.is_number(text)
    assert parsing.parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1,407,970", "12 34", "1.2.3", "kr", "1 2345"])
def test_not_numbers(text):
    assert not parsing.is_number(text)
    with pytest.raises(ValueError):
        parsing.parse_number(text)


def test_dates():
    assert parsing.parse_date("2024-03-15") == dt.date(2024, 3, 15)
    assert parsing.parse_date("2024-03-15 00:00:00") == dt.date(2024, 3, 15)
    for bad in ("15/3/2024", "2024-02-30", "2024-3-5", "igår"):
        assert not parsing.is_date(bad)


@pytest.mark.parametrize("text, value", [
    ("ja", True), ("JA", True), ("x", True), ("1", True), ("true", True), ("True", True),
    ("nej", False), ("0", False), ("false", False), ("", False), (None, False),
])
def test_booleans(text, value):
    assert parsing.parse_bool(text) is value


def test_bad_boolean():
    assert not parsing.is_bool("kanske")
    with pytest.raises(ValueError):
        parsing.parse_bool("kanske")
