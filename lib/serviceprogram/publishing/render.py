"""From an executed notebook to the report's HTML and PDF.

The HTML uses the package's own nbconvert template ``templates/rapport``:
only the cells' HTML outputs, the report CSS inline, ``lang="sv"``, no
scripts and no external URLs. The template is rendered with autoescape on
(nbconvert's own environment has it off): the title, description and running
header come from ``program.toml`` and are text, never markup. Only the cells'
``text/html`` outputs are inserted as they are (``| safe``): the package's
section templates made them, with autoescape on. The PDF is made from that HTML by WeasyPrint
as a tagged PDF/UA-1 document (title and language set, fonts embedded).
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["TEMPLATE_NAME", "REMOVED_TAGS", "template_dir", "notebook_to_html", "html_to_pdf"]

TEMPLATE_NAME = "rapport"
# papermill's injected cell has a random id; the parameters cell holds only defaults;
# the build's namespace reset is not part of the report; cells tagged no-report show
# something for Jupyter only (the overview's key figures that CI compares).
REMOVED_TAGS = ("injected-parameters", "parameters", "serviceprogram-reset", "no-report")


def template_dir() -> Path:
    """The folder holding the package's nbconvert templates."""
    return Path(str(resources.files("serviceprogram").joinpath("templates")))


def _exporter_class():
    """nbconvert's HTMLExporter with an autoescaping jinja2 environment."""
    from ..jupyter_imports import without_iri_checker

    without_iri_checker()  # before nbconvert imports nbformat
    from nbconvert import HTMLExporter

    class ReportExporter(HTMLExporter):
        def _create_environment(self):
            environment = super()._create_environment()
            # Set before any template is compiled: every {{ }} of the report template
            # (and of nbconvert's base templates it extends) is escaped.
            environment.autoescape = True
            return environment

    return ReportExporter


def notebook_to_html(notebook, title: str, description: str = "", example: bool = False) -> str:
    """Render an executed notebook as the report's HTML page.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The executed notebook.
    title : str
        The document title (``<title>`` and the PDF's running header).
    description : str
        The page description.
    example : bool
        Mark every page as "Exempeldata".

    Returns
    -------
    str
        The complete HTML document.
    """
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = _exporter_class()(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(template_dir())])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=set(REMOVED_TAGS), enabled=True),
                                   enabled=True)
    html, _ = exporter.from_notebook_node(
        notebook, resources={"rapport": {"title": title, "description": description, "example": example}})
    return html


def html_to_pdf(html: str, target) -> None:
    """Write the HTML page as a tagged A4 PDF (PDF/UA-1) with WeasyPrint.

    Parameters
    ----------
    html : str
        The report page from :func:`notebook_to_html`.
    target : str or Path
        The PDF file to write.
    """
    from weasyprint import HTML

    HTML(string=html, base_url=None, media_type="print").write_pdf(
        target, pdf_variant="pdf/ua-1", pdf_tags=True, custom_metadata=True, uncompressed_pdf=False)
