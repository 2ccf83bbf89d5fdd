"""The report's generated text follows Myndigheternas skrivregler and states only what it can."""
from __future__ import annotations

import re

import pytest
from conftest import DATA
from serviceprogram.publishing.report import Report

SECTIONS = ("title_page", "key_figures", "activities", "support", "visits", "service_points", "service_plans",
            "access_section", "conclusions", "method")


def _text(html: str) -> str:
    html = re.sub(r"<table.*?</table>|<figure.*?</figure>|<caption.*?</caption>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&lt;", "<").replace("&gt;", ">").split())


@pytest.fixture(scope="module")
def texts():
    report = Report.load(2024, DATA)
    return {name: _text(getattr(report, name)().html) for name in SECTIONS}


def test_no_sentence_starts_with_a_digit(texts):
    for name, text in texts.items():
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            assert not sentence[:1].isdigit(), (name, sentence)


def test_small_counts_in_words(texts):
    assert "invigdes" not in texts["service_points"] or "tre" in texts["service_points"]
    assert "hade fem av åtta kommuner en antagen serviceplan" in texts["service_plans"]
    assert "fattades 49 beslut om stöd" in texts["support"]
    assert "beslutades" not in texts["support"]


def test_one_term_and_no_technical_words_before_the_appendix(texts):
    body = " ".join(texts.values())
    assert "Beviljat" not in body and "beviljat" not in body
    before = body[:body.index("Teknisk bilaga: spårbarhet")]
    for word in ("exempeldata = true", "data_dir", "year =", "Git-version", "Proveniens", "Bygget",
                 "sot_invigd", "serviceplatser.csv", "Tänk om"):
        assert word not in before, word


def test_claims_and_caveats(texts):
    support, access = texts["support"], texts["access_section"]
    assert "Inget stödbeslut överstiger" not in support
    assert "servicebidrag eller särskilt driftstöd" in support and "övriga stödformer kontrolleras inte" in support
    assert "säkert uppfyllt" not in access and "uppfyllt i förhållande till butikerna i underlaget" in access
    assert "avstånden är längre" not in access and "minst lika långa" in access
    assert "grannlänen och i Norge" in access and "överskattade" in access
    assert "Samma befolkningsfil används för alla år" in access
    assert "apoteksombud och kontantuttag" in access
    assert "varierat utbud av dagligvaror" in access and "särskilda skäl" in access
