"""The report's part on required plans and reports (docs/spec.md §9), read the way a person does.

The data root of tests/warehouse/test_required_documents.py (its registry, lists and registers,
every fulfilment named there) plus two iGate cases, built by the pipeline's own steps; the
report of 2020 is written and read back: the Word draft with python-docx, the HTML page as
text, the workbook with python-calamine.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from docx import Document as open_docx
from python_calamine import CalamineWorkbook

from flows.paths import DataPaths
from flows.pipeline import build_warehouse, land
from flows.report import ReportResult, write_report
from flows.report.bieu06 import REQUIRED_SHEET
from flows.report.content import build_document
from flows.report.data import load_report_data
from flows.report.numbers import fmt_pct
from tests.support import IGATE_HEADER, write_xlsx
from tests.warehouse.test_required_documents import (
    A,
    B,
    C,
    write_lists,
    write_registers,
    write_registry,
)

HEADING = "6. Ban hành kế hoạch, báo cáo theo yêu cầu"
TEXT_A = (
    f"{A} (hạn ban hành 31/01/2020): 4/6 đơn vị đã ban hành ({fmt_pct(4 / 6)}), trong đó 1 "
    "đơn vị ban hành sau hạn: UBND huyện Càng Long (số 12/KH-UBND ngày 10/02/2020). 2 đơn vị "
    "chưa ban hành: Sở Tư pháp và Phòng Tư pháp huyện Càng Long."
)
TEXT_B = (
    f"{B} (hạn ban hành 31/03/2020): 2/4 đơn vị đã ban hành ({fmt_pct(0.5)}), trong đó 1 đơn "
    "vị ban hành sau hạn: UBND huyện Càng Long (số 20/KH-UBND ngày 15/04/2020). 2 đơn vị chưa "
    "ban hành: Sở Nội vụ và Phòng Tư pháp huyện Càng Long."
)
TEXT_C = (
    f"{C} (hạn ban hành 10/10/2020): 2/2 đơn vị đã ban hành ({fmt_pct(1.0)}), trong đó 1 đơn vị "
    "ban hành sau hạn: UBND xã Bình Phú (số 41/UBND ngày 15/10/2020). Không có đơn vị nào chưa "
    "ban hành."
)


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> DataPaths:
    paths = DataPaths(tmp_path_factory.mktemp("report_required") / "data")
    write_registry(paths)
    write_lists(paths)
    write_registers(paths)
    cases = [
        [1, "H01-0001", "1.001", "Cấp đổi giấy chứng nhận", "Đất đai", "UBND huyện Càng Long",
         "Trực tiếp", datetime(2020, 10, 5, 8), datetime(2020, 10, 15, 17),
         datetime(2020, 10, 12, 10), None, "9", "Nguyễn Văn An", "0905111222"],
        [2, "T01-0001", "1.002", "Thi tuyển công chức", "Công chức", "Sở Nội vụ", "Trực tuyến",
         datetime(2020, 10, 6, 9), datetime(2020, 10, 9, 17), datetime(2020, 10, 14, 10), None,
         "9", "Trần Thị Bình", "0905333444"],
    ]  # fmt: skip
    write_xlsx(paths.raw / "igate" / "2020" / "thang_10.xlsx", {"Sổ": [IGATE_HEADER, *cases]})
    build_warehouse(paths, land(paths))
    return paths


@pytest.fixture(scope="module")
def report(paths: DataPaths) -> ReportResult:
    return write_report(paths, "2020")


def _paragraphs(result: ReportResult) -> list[str]:
    return [p.text for p in open_docx(str(result.docx)).paragraphs]


def _tables(result: ReportResult) -> dict[str, list[list[str]]]:
    """Each table of the Word draft under its caption."""
    doc = open_docx(str(result.docx))
    captions = [p.text for p in doc.paragraphs if p.text.startswith("Bảng ")]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return {caption.split(". ", 1)[1]: rows for caption, rows in zip(captions, tables, strict=True)}


def test_word_draft_names_the_units_per_item(report) -> None:
    paragraphs = _paragraphs(report)
    assert HEADING in paragraphs
    section = paragraphs[paragraphs.index(HEADING) :]
    assert TEXT_A in section and TEXT_B in section and TEXT_C in section
    assert not [p for p in section if "2021" in p]  # the 2021 item is not this year's
    assert report.omitted == []


def test_word_draft_tables_per_item_and_level(report) -> None:
    tables = _tables(report)
    assert tables["Số đơn vị đã ban hành kế hoạch, báo cáo theo yêu cầu"] == [
        ["Văn bản", "Cấp", "Phải ban hành", "Đã ban hành", "Sau hạn", "Chưa ban hành",
         "Tỷ lệ đã ban hành"],
        [A, "Cấp tỉnh", "2", "1", "0", "1", fmt_pct(0.5)],
        ["", "Cấp huyện", "2", "1", "1", "1", fmt_pct(0.5)],
        ["", "Cấp xã", "2", "2", "0", "0", fmt_pct(1.0)],
        ["", "Cộng", "6", "4", "1", "2", fmt_pct(4 / 6)],
        [B, "Cấp tỉnh", "2", "1", "0", "1", fmt_pct(0.5)],
        ["", "Cấp huyện", "2", "1", "1", "1", fmt_pct(0.5)],
        ["", "Cộng", "4", "2", "1", "2", fmt_pct(0.5)],
        [C, "Cấp xã", "2", "2", "1", "0", fmt_pct(1.0)],
    ]  # fmt: skip
    assert tables[f"Các đơn vị chưa ban hành {A}"] == [
        ["STT", "Đơn vị", "Mã đơn vị", "Cấp"],
        ["1", "Sở Tư pháp", "T02", "Cấp tỉnh"],
        ["2", "Phòng Tư pháp huyện Càng Long", "H02", "Cấp huyện"],
    ]
    assert tables[f"Các đơn vị chưa ban hành {B}"] == [
        ["STT", "Đơn vị", "Mã đơn vị", "Cấp"],
        ["1", "Sở Nội vụ", "T01", "Cấp tỉnh"],
        ["2", "Phòng Tư pháp huyện Càng Long", "H02", "Cấp huyện"],
    ]
    assert f"Các đơn vị chưa ban hành {C}" not in tables  # every unit issued it


def test_html_page_has_the_same_part(report) -> None:
    page = report.html.read_text(encoding="utf-8")
    assert f"<h2>{HEADING}</h2>" in page
    for text in (TEXT_A, TEXT_B, TEXT_C):
        assert text in page
    assert f"Các đơn vị chưa ban hành {A}" in page
    assert "<td>Phòng Tư pháp huyện Càng Long</td>" in page


def test_workbook_lists_every_required_unit(report) -> None:
    book = CalamineWorkbook.from_path(str(report.workbook))
    assert book.sheet_names[-1] == REQUIRED_SHEET
    rows = book.get_sheet_by_name(REQUIRED_SHEET).to_python()
    header = rows[3]
    assert header == ["STT", "Văn bản phải ban hành", "Hạn ban hành", "Mã đơn vị", "Đơn vị",
                      "Cấp", "Tình trạng", "Số, ký hiệu", "Ngày ban hành",
                      "Số văn bản khớp"]  # fmt: skip
    data = [dict(zip(header, r, strict=True)) for r in rows[4:]]
    assert [(r["Văn bản phải ban hành"], r["Mã đơn vị"], r["Tình trạng"]) for r in data] == [
        (A, "T01", "Đã ban hành"),
        (A, "T02", "Chưa ban hành"),
        (A, "H01", "Ban hành sau hạn"),
        (A, "H02", "Chưa ban hành"),
        (A, "X01", "Đã ban hành"),
        (A, "X02", "Đã ban hành"),
        (B, "T01", "Chưa ban hành"),
        (B, "T02", "Đã ban hành"),
        (B, "H01", "Ban hành sau hạn"),
        (B, "H02", "Chưa ban hành"),
        (C, "X01", "Đã ban hành"),
        (C, "X02", "Ban hành sau hạn"),
    ]
    x01 = data[4]
    assert x01["Số, ký hiệu"] == "3/KH-UBND"
    assert x01["Ngày ban hành"] == date(2019, 12, 20)  # a real date cell
    assert x01["Hạn ban hành"] == date(2020, 1, 31)
    assert x01["Số văn bản khớp"] == 2
    assert data[1]["Số, ký hiệu"] == "" and data[1]["Ngày ban hành"] == ""


def test_a_chosen_unit_sees_its_own_rows(paths: DataPaths) -> None:
    document = build_document(load_report_data(paths, "2020", ["H01"]), {}, {})
    paragraphs = [p for section in document.sections for p in section.paragraphs]
    assert (
        f"{A} (hạn ban hành 31/01/2020): 1/1 đơn vị đã ban hành ({fmt_pct(1.0)}), trong đó 1 "
        "đơn vị ban hành sau hạn: UBND huyện Càng Long (số 12/KH-UBND ngày 10/02/2020). Không "
        "có đơn vị nào chưa ban hành."
    ) in paragraphs
    assert not [p for p in paragraphs if p.startswith(C)]  # a xã item: not required of H01


def test_a_year_without_required_documents_leaves_the_part_out(paths: DataPaths) -> None:
    data = load_report_data(paths, "2019")
    assert data.required is None
    assert [r for r in data.omitted if "không có văn bản nào của năm 2019" in r]
