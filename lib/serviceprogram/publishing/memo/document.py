"""The memo as a Word document (python-docx): page, header block, sections, tables, properties.

The words come from :mod:`.words`; this module lays them out. The document
properties and the ZIP entries carry a fixed time (``SOURCE_DATE_EPOCH``, else
2000-01-01), so the same input gives the same bytes.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

from ... import text as fmt
from ...errors import UsageError
from ...files import fixed_timestamp, reproducible_zip, write_atomically
from ...inputs.case import DEFAULT_PROPOSAL_HEADING, DEFAULT_RECIPIENTS_HEADING
from .words import BOARD, EXAMPLE_NOTE, FILE_PATTERN, LANGUAGE, TOTAL, Draft, compose, join_sv, memo_env

__all__ = ["name_has_years", "proposal_text", "write_memo"]


def _blocks(text: str) -> list[str]:
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


def name_has_years(program) -> bool:
    """True when the programme's name already holds its years (``… 2023–2030``)."""
    pattern = rf"{program.forsta_ar}\s*[–-]\s*{program.sista_ar}"
    return re.search(pattern, program.program) is not None


def _case_description(program, year: int) -> list[str]:
    """The mandate paragraphs (Ärendebeskrivning) from ``templates/memo/arendebeskrivning.txt.j2``."""
    case = program.arende
    board = (case.namnd if case and case.namnd else BOARD)
    decisions = [{"organ": d.organ or board, "date": fmt.date(d.datum), "paragraf": d.paragraf,
                  "innehall": d.innehall, "diarienummer": d.diarienummer} for d in (case.beslut if case else ())]
    text = memo_env().get_template("arendebeskrivning.txt.j2").render(
        decisions=decisions, program_text=fmt.program_text(program.program), year=year)
    return _blocks(text)


def _background(program, year: int) -> list[str]:
    """The background paragraphs (Bakgrund) from ``templates/memo/bakgrund.txt.j2``."""
    case = program.arende
    text = memo_env().get_template("bakgrund.txt.j2").render(
        program=program, program_text=fmt.program_text(program.program), name_has_years=name_has_years(program),
        areas=join_sv(program.prioriterade_omraden), year=year,
        samverkan=case.samverkan if case else None, riktlinjer=case.riktlinjer if case else None)
    return _blocks(text)


def proposal_text(program, year: int) -> str:
    """The proposed decision: ``[arende] forslag`` or the standard wording, ``{{ ar }}`` filled in."""
    from ...inputs.case import DEFAULT_PROPOSAL

    wording = program.arende.forslag if program.arende else DEFAULT_PROPOSAL
    return re.sub(r"\{\{\s*ar\s*\}\}", str(year), wording)


def _set_language(document) -> None:
    """Swedish for spell checking: default run properties and theme font language."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)
    settings = document.settings.element
    theme = settings.find(qn("w:themeFontLang"))
    if theme is not None:
        theme.set(qn("w:val"), LANGUAGE)
    for tag, value in (("w:decimalSymbol", ","), ("w:listSeparator", ";")):
        element = settings.find(qn(tag))
        if element is not None:
            element.set(qn("w:val"), value)


def _plain_font(style, name: str) -> None:
    """Set a style's font and drop theme fonts, which Word would prefer over it."""
    from docx.oxml.ns import qn

    style.font.name = name
    fonts = style.element.get_or_add_rPr().find(qn("w:rFonts"))
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)


def _set_styles(document) -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt, RGBColor

    normal = document.styles["Normal"]
    _plain_font(normal, "Arial")
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(8)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
    normal.paragraph_format.line_spacing = 1.15
    for name, size, before in (("Heading 1", 15, 12), ("Heading 2", 12, 14)):
        style = document.styles[name]
        _plain_font(style, "Arial")
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
    caption = document.styles["Caption"]
    _plain_font(caption, "Arial")
    caption.font.size = Pt(10)
    caption.font.color.rgb = RGBColor(0, 0, 0)
    caption.paragraph_format.keep_with_next = True
    for name in ("Header", "Footer"):
        _plain_font(document.styles[name], "Arial")
        document.styles[name].font.size = Pt(9)


def _placeholder(paragraph, text: str, bold: bool = False):
    """A run marked as a placeholder: yellow highlight."""
    from docx.enum.text import WD_COLOR_INDEX

    run = paragraph.add_run(text)
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    run.bold = bold
    return run


def _add_text(paragraph, text: str, bold: bool = False) -> None:
    """Add text; parts in [square brackets] become highlighted placeholders."""
    for part in re.split(r"(\[[^\]]*\])", text):
        if not part:
            continue
        if part.startswith("[") and part.endswith("]"):
            _placeholder(paragraph, part, bold)
        else:
            paragraph.add_run(part).bold = bold


def _example_note(paragraph) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    run = paragraph.add_run(EXAMPLE_NOTE)
    run.bold = True
    run.font.color.rgb = RGBColor(0x9C, 0x00, 0x06)
    ppr = paragraph._p.get_or_add_pPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), "FFE7E7")
    ppr.insert_element_before(shading, "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                              "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
                              "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                              "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                              "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                              "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _no_borders(table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tblpr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                                "w:tblCaption", "w:tblDescription")


def _table_caption(table, text: str) -> None:
    """Alternative text of a table (read by screen readers)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    caption = OxmlElement("w:tblCaption")
    caption.set(qn("w:val"), text)
    table._tbl.tblPr.append(caption)


def _cell_text(cell, lines, bold_first: bool = False, align=None) -> None:
    for i, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.paragraph_format.space_after = 0
        if align is not None:
            paragraph.alignment = align
        _add_text(paragraph, line, bold=bold_first and i == 0)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _page_field(paragraph, instruction: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    char("separate")
    paragraph.add_run("1")
    char("end")


def _add_blocks(document, blocks) -> None:
    """The analyst's Markdown as Word paragraphs: text runs only, never markup."""
    for block in blocks:
        if block.kind == "h":
            paragraph = document.add_paragraph()
            for text, _, italic in block.runs:
                run = paragraph.add_run(text)
                run.bold, run.italic = True, italic
            paragraph.paragraph_format.keep_with_next = True
            continue
        style = ("List Number" if block.ordered else "List Bullet") if block.kind == "li" else None
        paragraph = document.add_paragraph(style=style)
        for text, bold, italic in block.runs:
            run = paragraph.add_run(text)
            run.bold, run.italic = bold or None, italic or None


def _numbered_table(document, number: int, caption: str, headers, rows):
    """``Tabell N. caption`` and a grid table: the header row repeats on every page, the first
    column is left-aligned and the figures right-aligned, the total row in bold."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document.add_paragraph(f"Tabell {number}. {caption}", style="Caption")
    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    _table_caption(table, caption)
    for i, (cell, text) in enumerate(zip(table.rows[0].cells, headers)):
        _cell_text(cell, [text], bold_first=True, align=None if i == 0 else WD_ALIGN_PARAGRAPH.RIGHT)
    _repeat_header(table.rows[0])
    for row in rows:
        bold = row[0] == TOTAL
        for i, (cell, text) in enumerate(zip(table.add_row().cells, row)):
            _cell_text(cell, [text], bold_first=bold, align=None if i == 0 else WD_ALIGN_PARAGRAPH.RIGHT)
    return table


def _funding_table(document, year: int, rows) -> None:
    """Budget, decided and paid out per source (``[[finansiering]]``), after the support table."""
    from docx.shared import Mm

    table = _numbered_table(document, 2, f"Finansiering {year} per källa",
                            ("Källa", "Budget, kronor", "Beslutat, kronor", "Utbetalt, kronor"), rows)
    table.autofit = False
    for column, width in zip(table.columns, (Mm(64), Mm(32), Mm(32), Mm(32))):
        column.width = width  # the grid, which LibreOffice follows
        for cell in column.cells:
            cell.width = width  # the cells, which Word follows
    document.add_paragraph()


def _build_document(report, draft: Draft):
    import docx

    program, year = report.program, report.year
    title = f"Uppföljning av {fmt.program_text(program.program)} – år {year}"
    document = docx.Document()
    _set_language(document)
    _set_styles(document)
    _page(document, program)
    _case_block(document, program)
    document.add_heading(title, level=1)
    _case_sections(document, program, year)
    _year_section(document, year, draft)
    _closing_sections(document, program, year)
    _properties(document, program, title)
    return document


def _page(document, program) -> None:
    """A4 with margins, the running header (region, example note) and "Sida N av M" in the footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(25), Mm(20)
    section.header_distance = section.footer_distance = Mm(10)
    header = section.header.paragraphs[0]
    header.text = f"{program.region} · Tjänsteskrivelse"
    if program.exempeldata:
        _example_note(section.header.add_paragraph())
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run("Sida ")
    _page_field(footer, "PAGE")
    footer.add_run(" av ")
    _page_field(footer, "NUMPAGES")


def _case_block(document, program) -> None:
    """The header block: region and officer on the left, memo, case number, date and board on the right."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    body = document.paragraphs[0] if document.paragraphs else document.add_paragraph()
    if program.exempeldata:
        _example_note(body)
        body = None
    block = document.add_table(rows=1, cols=2)
    block.alignment = WD_TABLE_ALIGNMENT.LEFT
    _no_borders(block)
    case = program.arende
    if case is None:  # no [arende] in program.toml: highlighted placeholders for the case officer
        left = [program.region, "[Förvaltning och enhet]", "[Handläggare, e-post]"]
        right = ["Tjänsteskrivelse", "Diarienummer: [Diarienummer]", "Datum: [Datum]", BOARD]
    else:
        unit = ", ".join(x for x in (case.forvaltning, case.enhet) if x)
        left = [x for x in (program.region, unit, case.handlaggare, case.epost) if x]
        right = ["Tjänsteskrivelse", case.namnd or BOARD]
        if case.diarienummer:
            right.append(f"Diarienummer: {case.diarienummer}")
        if case.datum:
            right.append(f"Datum: {case.datum.isoformat()}")
    _cell_text(block.cell(0, 0), left, bold_first=True)
    _cell_text(block.cell(0, 1), right, bold_first=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    if body is not None:  # the template's empty first paragraph, when no note uses it
        body._p.getparent().remove(body._p)


def _case_sections(document, program, year: int) -> None:
    """Proposed decision, case description and background."""
    case = program.arende
    document.add_heading(case.forslag_rubrik if case else DEFAULT_PROPOSAL_HEADING, level=2)
    document.add_paragraph(proposal_text(program, year))
    document.add_heading("Ärendebeskrivning", level=2)
    for text in _case_description(program, year):
        _add_text(document.add_paragraph(), text)
    document.add_heading("Bakgrund", level=2)
    for text in _background(program, year):
        document.add_paragraph(text)


def _year_section(document, year: int, draft: Draft) -> None:
    """The year in words, the support table after the support paragraph, the analyst's conclusions."""
    from docx.shared import Mm

    document.add_heading(f"Uppföljningen av {year}", level=2)
    for i, text in enumerate(draft.paragraphs):
        if hasattr(text, "blocks"):  # the analyst's own words
            _add_blocks(document, text.blocks)
        else:
            document.add_paragraph(text)
        if i == draft.support_index:
            table = _numbered_table(document, 1, f"Beslutat stöd per stödform {year}",
                                    ("Stödform", "Antal beslut", "Belopp, kronor"), draft.table)
            for row in table.rows:
                for cell, width in zip(row.cells, (Mm(70), Mm(35), Mm(45))):
                    cell.width = width
            document.add_paragraph()
            if draft.funding:
                _funding_table(document, year, draft.funding)
    if draft.conclusions is not None:
        from ...inputs.analyst_text import CONCLUSIONS_HEADING

        document.add_heading(CONCLUSIONS_HEADING, level=2)
        _add_blocks(document, draft.conclusions.blocks)


def _closing_sections(document, program, year: int) -> None:
    """Decision documents, the signature and the recipients (placeholders without ``[arende]``)."""
    case = program.arende
    document.add_heading("Beslutsunderlag", level=2)
    memo_line = "Tjänsteskrivelse" + (f", {case.datum.isoformat()}" if case and case.datum else "")
    document.add_paragraph(memo_line, style="List Bullet")
    if case and case.beslutsunderlag:
        for item in case.beslutsunderlag:
            extra = ", ".join(x for x in (item.datum.isoformat() if item.datum else None, item.diarienummer) if x)
            document.add_paragraph(item.titel + (f", {extra}" if extra else ""), style="List Bullet")
    else:
        document.add_paragraph(f"Rapporten Uppföljning av {fmt.program_text(program.program)} – år {year}",
                               style="List Bullet")
    if case is None:
        document.add_heading("I tjänsten", level=2)
        _add_text(document.add_paragraph(), "[Namn och titel på den som undertecknar]")
    elif case.undertecknare:
        document.add_heading("I tjänsten", level=2)
        for person in case.undertecknare:
            paragraph = document.add_paragraph()
            paragraph.add_run(person.namn).bold = True
            if person.titel:
                paragraph.add_run().add_break()
                paragraph.add_run(person.titel)
    if case is None:
        document.add_heading(DEFAULT_RECIPIENTS_HEADING, level=2)
        _add_text(document.add_paragraph(), "[Mottagare av beslutet]")
    elif case.mottagare:
        document.add_heading(case.mottagare_rubrik, level=2)
        for recipient in case.mottagare:
            document.add_paragraph(recipient, style="List Bullet")


def _properties(document, program, title: str) -> None:
    """Document properties with the fixed time; the template's thumbnail left out of the package."""
    rels = document.part.package.rels
    for rid in [k for k, rel in rels.items() if rel.reltype.endswith("/metadata/thumbnail")]:
        del rels[rid]
    stamp = fixed_timestamp()
    core = document.core_properties
    core.title = title
    core.subject = program.program
    core.language = LANGUAGE
    core.author = program.region
    core.last_modified_by = program.region
    core.keywords = "tjänsteskrivelse; uppföljning; regionalt serviceprogram"
    core.comments = EXAMPLE_NOTE if program.exempeldata else ""
    core.category = "Tjänsteskrivelse"
    core.revision = 1
    core.created = stamp
    core.modified = stamp
    core.last_printed = stamp


def write_memo(report, path) -> Path:
    """Write the draft board memo of the report's year as a Word document.

    The document has a header block with placeholders for case number and
    date, the heading "Uppföljning av <program> – år <year>", a case
    description, the year's summary (:func:`summary_paragraphs`) with a table
    of the support per type, and a placeholder for the proposed decision.
    With ``exempeldata = true`` a note says so at the top and in the page
    header. Headings use Word's Heading 1/2 styles and the language is
    Swedish. The document properties and the ZIP entries carry a fixed time
    (``SOURCE_DATE_EPOCH``, else 2000-01-01), so the same input gives the same
    bytes. The file is written beside the target and then renamed over it.

    Parameters
    ----------
    report : serviceprogram.publishing.report.Report
        A valid report.
    path : str or Path
        The year's output folder (e.g. ``outputs/2024``): the file is then
        ``<path>/tjansteskrivelse-<year>.docx``. A path ending in ``.docx`` is
        used as the file name itself. Missing folders are created.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    UsageError
        If the report's data is invalid or the file cannot be written.
    """
    draft = compose(report)
    path = Path(path)
    target = path if path.suffix.lower() == ".docx" else path / FILE_PATTERN.format(year=report.year)
    document = _build_document(report, draft)
    raw = io.BytesIO()
    document.save(raw)
    try:
        write_atomically(target, reproducible_zip(raw.getvalue(), fixed_timestamp()))
    except OSError as exc:
        raise UsageError(f"Kan inte skriva {target}: {exc.strerror or exc}. "
                         "Är filen öppen i Word eller ett annat program?") from None
    return target
