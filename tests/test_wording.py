"""A writer's slip in a text template is named (file, line, what), never an "unexpected error".

See serviceprogram.publishing.wording: the templates are compiled before ``report`` starts, and a
template that fails while a notebook or a worker fills it in is named from its traceback.
"""
from __future__ import annotations

import nbformat
import pytest
from conftest import cli_in_process
from jinja2 import ChoiceLoader, DictLoader, Environment, PackageLoader, StrictUndefined
from serviceprogram.build import kernel, parts
from serviceprogram.errors import WordingError
from serviceprogram.publishing import report_base, wording


def _with_broken_section(monkeypatch, source: str) -> None:
    shipped = report_base.environment

    def environment(loader=None):
        return shipped(loader or ChoiceLoader([DictLoader({"sections/support.txt.j2": source}),
                                               PackageLoader("serviceprogram", "templates")]))

    monkeypatch.setattr(report_base, "environment", environment)


def test_the_shipped_templates_parse():
    wording.check_wording()


def test_a_broken_tag_is_named_with_file_and_line(monkeypatch):
    _with_broken_section(monkeypatch, "{% block lead %}Under {{ year }}\n{% if count %}fattades{% endblock %}")
    with pytest.raises(WordingError) as caught:
        wording.check_wording()
    message = str(caught.value)
    assert "templates/sections/support.txt.j2, rad 2:" in message.replace("\\", "/")
    assert "Rätta mallen" in message


def test_report_stops_before_any_year_on_a_broken_template(monkeypatch, data_dir, tmp_path):
    _with_broken_section(monkeypatch, "{% block lead %}{{ year }{% endblock %}")
    out = tmp_path / "ut"
    result = cli_in_process("report", "--data-dir", data_dir, "--out", out, "--year", 2024, "--jobs", 1)
    assert result.returncode == 1, result.stderr
    assert "En textmall kan inte läsas" in result.stderr and "support.txt.j2, rad 1" in result.stderr
    assert "Traceback" not in result.stderr and "oväntat fel" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [".serviceprogram.json", "logs"]  # no year, no staging
    assert "En textmall kan inte läsas" in (out / "logs" / "serviceprogram.log").read_text(encoding="utf-8")


# What IPython prints on stderr when it cannot format a traceback through jinja2's frames (the
# notebook then has no error output, only this text; see kernel._error_report).
IPYTHON_FALLBACK = (
    "Traceback (most recent call last):\n"
    '  File "/home/a/serviceprogram/lib/serviceprogram/publishing/memo/words.py", line 202, in _sentences\n'
    '  File "/home/a/serviceprogram/lib/serviceprogram/templates/memo/stod.txt.j2", line 11, in top-level template code\n'
    "    Under {{ yaer }} fattades\n"
    "jinja2.exceptions.UndefinedError: 'yaer' is undefined\n")


def test_a_notebook_s_template_error_is_named(tmp_path):
    executed = tmp_path / "uppfoljning.ipynb"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("rapport.key_figures()", metadata={"papermill": {"exception": True}})
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Unexpected exception formatting exception."),
                    nbformat.v4.new_output("stream", name="stderr", text=IPYTHON_FALLBACK)]
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), cell]
    nbformat.write(nb, executed)

    class Failed:  # papermill's PapermillExecutionError as our kernel sees it: no error output
        ename, evalue, traceback = "CellExecutionError", "", []

    error = kernel._wording_error(Failed(), executed)
    assert str(error).startswith("En textmall kan inte fyllas i: ")
    assert "templates/memo/stod.txt.j2, rad 11: UndefinedError: 'yaer' is undefined" in str(error).replace("\\", "/")


def test_other_notebook_errors_stay_as_they_are():
    assert wording.wording_error("Traceback ...\nZeroDivisionError: division by zero\n") is None


def _fill_in(staging, *args):
    env = Environment(loader=PackageLoader("serviceprogram", "templates"), undefined=StrictUndefined)
    return len(env.from_string("{{ regoin }}").render())


def test_a_template_error_in_a_worker_part_is_a_wording_error(tmp_path):
    with pytest.raises(WordingError, match="UndefinedError: 'regoin' is undefined"):
        parts.run_part(parts.Part("exports_part", _fill_in, 4, False), tmp_path)


def test_a_template_saved_in_another_encoding_is_named(monkeypatch):
    _with_broken_section(monkeypatch, "{% block lead %}Stöd{% endblock %}")
    original = DictLoader.get_source

    def get_source(self, environment, template):
        if template == "sections/support.txt.j2":
            "Stöd".encode("cp1252").decode("utf-8")  # what the loader meets in a file saved as ANSI
        return original(self, environment, template)

    monkeypatch.setattr(DictLoader, "get_source", get_source)
    with pytest.raises(WordingError, match="support.txt.j2: filen är inte sparad som UTF-8"):
        wording.check_wording()


def test_a_removed_block_is_named(monkeypatch):
    from conftest import DATA
    from serviceprogram.publishing.report import Report

    _with_broken_section(monkeypatch, "{% block type_caption %}Stöd{% endblock %}")
    report = Report.load(2024, DATA)
    with pytest.raises(WordingError, match=r"Textmallen sections/support.txt.j2 saknar blocket '\w+': lägg tillbaka"):
        report.support()


def test_a_misspelt_filter_is_found_before_any_year(monkeypatch):
    _with_broken_section(monkeypatch, "{% block lead %}{{ year | nmu }}{% endblock %}")
    with pytest.raises(WordingError, match=r"support.txt.j2, rad 1: No filter named 'nmu'"):
        wording.check_wording()


def test_a_block_missing_in_a_notebook_keeps_its_message(tmp_path):
    class Failed:  # a WordingError raised in the notebook (a removed block), as papermill reports it
        ename, evalue, traceback = "WordingError", "Textmallen x saknar blocket 'map_title'", []

    error = kernel._wording_error(Failed(), tmp_path / "saknas.ipynb")
    assert isinstance(error, WordingError) and str(error) == "Textmallen x saknar blocket 'map_title'"


IPYTHON_FRAME = ("File /a/lib/serviceprogram/templates/sections/overview.txt.j2:46, in block 'support_alt'\n"
                 "UndefinedError: 'amuont' is undefined")


def test_ipython_s_frames_are_read_too():
    message = str(wording.wording_error(IPYTHON_FRAME)).replace("\\", "/")
    assert "templates/sections/overview.txt.j2, rad 46: UndefinedError: 'amuont' is undefined" in message


def test_an_emptied_memo_template_is_named(monkeypatch):
    from jinja2 import DictLoader as Dict
    from serviceprogram.publishing.memo import words

    env = words.sentence_environment()
    monkeypatch.setattr(env, "loader", ChoiceLoader([Dict({"stod.txt.j2": "{# tomt #}"}),
                                                     PackageLoader("serviceprogram", "templates/memo")]))
    env.cache.clear()
    try:
        from conftest import DATA
        from serviceprogram.publishing.report import Report

        with pytest.raises(WordingError, match="templates/memo/stod.txt.j2 gav ingen text"):
            words.summary_paragraphs(Report.load(2024, DATA))
    finally:
        env.cache.clear()
