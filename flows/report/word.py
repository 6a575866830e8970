"""`bao_cao_<P>.docx`: the Word draft (python-docx), A4 with the margins of Decree 30/2020.

Text area 16 cm wide (left 3 cm, right 2 cm), so the 16 cm charts go in at their own size.
Figure captions go below the figure, table captions above the table.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell, _Row

from flows.report.content import RIGHT, Document, FigureBlock, TableBlock

FONT = "Times New Roman"
BLACK = RGBColor(0, 0, 0)
_ALIGN = {RIGHT: WD_ALIGN_PARAGRAPH.RIGHT}


def _font(style_or_run: Any, size: float | None = None, bold: bool | None = None) -> None:
    font = style_or_run.font
    font.name = FONT
    font.color.rgb = BLACK
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)  # a theme font would win over FONT
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "vi-VN")


def _setup(doc: DocxDocument, created: datetime) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    normal = doc.styles["Normal"]
    _font(normal, 13)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name, size in (("Heading 1", 14), ("Heading 2", 13), ("Caption", 12)):
        style = doc.styles[name]
        _font(style, size, bold=True)
        style.font.italic = False
        style.paragraph_format.space_before = Pt(12 if name.startswith("Heading") else 6)
        style.paragraph_format.space_after = Pt(6)
    props = doc.core_properties
    props.author = "cchc"
    props.language = "vi-VN"
    props.created = props.modified = created
    props.last_modified_by = "cchc"
    props.revision = 1


def _repeat_header(row: _Row) -> None:
    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    trpr.append(flag)


def _shade(cell: _Cell, color: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shade = OxmlElement("w:shd")
    shade.set(qn("w:val"), "clear")
    shade.set(qn("w:color"), "auto")
    shade.set(qn("w:fill"), color)
    tcpr.append(shade)


def _fixed_layout(table: Table) -> None:
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)


def _cell(cell: _Cell, text: str, align: str, bold: bool, size: float = 9.5) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    if align in _ALIGN:
        paragraph.alignment = _ALIGN[align]
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold


def _table(doc: DocxDocument, block: TableBlock) -> None:
    caption = doc.add_paragraph(block.title, style="Caption")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _repeat_header(table.rows[0])
    for col, text in enumerate(block.header):
        cell = table.rows[0].cells[col]
        _cell(cell, text, "center", bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _shade(cell, "F2F2F2")
    for r, values in enumerate(block.rows):
        cells = table.rows[r + 1].cells
        for col, text in enumerate(values):
            _cell(cells[col], text, block.align[col], bold=r in block.bold_rows)
    _fixed_layout(table)
    for col, width in enumerate(block.widths_cm):
        table.columns[col].width = Cm(width)  # the grid, which LibreOffice follows
        for row in table.rows:
            row.cells[col].width = Cm(width)  # the cells, which Word follows
    doc.add_paragraph()


def _figure(doc: DocxDocument, block: FigureBlock) -> None:
    picture = doc.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    picture.add_run().add_picture(str(block.png), width=Cm(16))
    caption = doc.add_paragraph(block.title, style="Caption")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER


def write_docx(content: Document, target: Path, created: datetime) -> Path:
    doc = new_document()
    _setup(doc, created)
    doc.core_properties.title = content.title
    draft = doc.add_paragraph("DỰ THẢO")
    draft.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    draft.runs[0].font.bold = True
    draft.runs[0].font.size = Pt(11)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(6)
    run = title.add_run(content.title)
    run.font.bold = True
    run.font.size = Pt(15)
    subtitle = doc.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = subtitle.add_run(content.subtitle)
    run.font.italic = True
    for line in content.lines:
        paragraph = doc.add_paragraph(line)
        paragraph.paragraph_format.space_after = Pt(2)
    for section in content.sections:
        doc.add_heading(section.heading, level=1)
        for item in section.items:
            if isinstance(item, FigureBlock):
                _figure(doc, item)
            elif isinstance(item, TableBlock):
                _table(doc, item)
            else:
                paragraph = doc.add_paragraph(item)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
                paragraph.paragraph_format.first_line_indent = Cm(1)
    doc.add_heading("Ghi chú về số liệu", level=1)
    for note in content.notes:
        paragraph = doc.add_paragraph(note)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        for run in paragraph.runs:
            run.font.size = Pt(11)
            run.font.italic = True
    doc.save(str(target))
    return target
