"""The report's wording comes from the section templates, not from Python (issue 12).

Leads, figure captions, alt texts, table captions and worded cells are blocks of
``templates/sections/<name>.txt.j2``: plain text that the HTML escapes once. A
writer who changes a block changes the report; text from the data stays text.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from conftest import DATA
from jinja2 import ChoiceLoader, DictLoader, PackageLoader
from markupsafe import Markup
from serviceprogram.publishing.report import Report
from serviceprogram.publishing.report_base import environment

SECTIONS = Path(__file__).resolve().parents[1] / "lib" / "serviceprogram" / "templates" / "sections"
BLOCK = re.compile(r"{% block (\w+) %}.*?{% endblock %}", re.S)

#: Section method -> its text template, and the blocks that the 2024 example data may not show.
#: (The access section itself needs the maps and is left to the byte-identical builds.)
SECTION_TEXTS = {
    "key_figures": ("summary", set()),
    "activities": ("areas", set()),
    "support": ("support", set()),
    "visits": ("visits", set()),
    "service_points": ("points", {"events_caption"}),  # no service point opened or closed in 2024
    "service_plans": ("plans", set()),
    "no_population_section": ("driftstod", {"no_shop", "no_road"}),  # cells for shops far from others or roads
    "method": ("method", {"no_git"}),  # shown only when the data folder is not in git
}


@pytest.fixture(scope="module")
def report():
    report = Report.load(2024, DATA)
    assert report.valid
    report.__dict__["access"] = None  # these sections need no access analysis: skip it
    return report


def _with_templates(report, monkeypatch, **sources):
    """Let the report read ``sections/<name>.txt.j2`` from ``sources`` (name -> template text)."""
    loader = ChoiceLoader([DictLoader({f"sections/{name}.txt.j2": text for name, text in sources.items()}),
                           PackageLoader("serviceprogram", "templates")])
    monkeypatch.setattr(report, "_env", environment(loader))


def _source(name: str) -> str:
    return (SECTIONS / f"{name}.txt.j2").read_text(encoding="utf-8")


def test_every_text_template_parses_and_names_its_blocks():
    env = environment()
    for path in sorted(SECTIONS.glob("*.txt.j2")):
        template = env.get_template(f"sections/{path.name}")
        assert set(template.blocks) == set(BLOCK.findall(path.read_text(encoding="utf-8"))), path.name
        assert template.blocks, path.name


def test_a_changed_sentence_changes_the_section(report, monkeypatch):
    before = report.visits().html
    assert "registrerades" in before and "noterades" not in before
    _with_templates(report, monkeypatch, visits=_source("visits").replace("registrerades", "noterades"))
    after = report.visits().html
    assert "noterades" in after and "registrerades" not in after


@pytest.mark.parametrize("method", sorted(SECTION_TEXTS))
def test_every_block_of_a_section_reaches_its_html(report, monkeypatch, method):
    # Each block replaced by a marker: every marker shows up in the section (lead, caption, alt text or cell).
    name, unused = SECTION_TEXTS[method]
    source = _source(name)
    marked = BLOCK.sub(lambda m: "{% block " + m.group(1) + " %}[[" + name + "." + m.group(1) + "]]{% endblock %}",
                       source)
    _with_templates(report, monkeypatch, **{name: marked})
    html = getattr(report, method)().html
    shown = set(re.findall(r"\[\[" + name + r"\.(\w+)\]\]", html))
    blocks = set(BLOCK.findall(source))
    assert blocks - unused <= shown <= blocks


def test_the_same_text_without_change_is_the_shipped_one(report, monkeypatch):
    # The loader swap itself changes nothing: the shipped templates give the same HTML.
    before = report.support().html
    _with_templates(report, monkeypatch, support=_source("support"))
    assert _numbers_off(report.support().html) == _numbers_off(before)


def _numbers_off(html: str) -> str:
    return re.sub(r"(Tabell|Figur) \d+", r"\1 N", html)


def test_text_blocks_are_plain_and_the_html_escapes_them_once(report, monkeypatch):
    hostile = "<script>alert('x')</script> & co"
    _with_templates(report, monkeypatch, plans="{% block lead %}{{ name }}{% endblock %}")
    assert report._text("plans", "lead", name=hostile) == hostile  # not escaped in the text ...
    html = report._render("conclusions", heading=report._text("plans", "lead", name=hostile), body=Markup(""))
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in html  # ... once here


def test_a_data_value_in_an_alt_text_and_a_cell_is_escaped(report, monkeypatch):
    indicators = report.indicators
    by_area = indicators.insatser_per_omrade
    hostile = "<script>alert(1)</script>"
    changed = dataclasses.replace(indicators, insatser_per_omrade=by_area.rename(index={by_area.index[0]: hostile}))
    monkeypatch.setitem(report.__dict__, "indicators", changed)
    html = report.activities().html
    assert "<script>" not in html
    assert 'alt="Liggande staplar med antal insatser per prioriterat område, uppdelat på status: ' \
           "&lt;script&gt;alert(1)&lt;/script&gt;: " in html
    assert "<th scope=\"row\">&lt;script&gt;alert(1)&lt;/script&gt;</th>" in html
    assert "&amp;lt;" not in html  # escaped once, not twice
