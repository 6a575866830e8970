"""The inspection report, checked the way a person reads it.

One small sample warehouse is built per module (without Prefect). The workbook is read back
with python-calamine, the Word file with python-docx and — when LibreOffice and pdftotext are
installed — as the PDF a person would print; the HTML page is rendered by headless Chromium when
it is installed; the charts are checked through matplotlib's own objects. Tests that need an
outside program are skipped, with the reason, when it is missing.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import duckdb
import matplotlib.colors as mcolors
import pytest
from docx import Document as open_docx
from docx.shared import Cm
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image
from python_calamine import CalamineSheet, CalamineWorkbook

from flows.paths import DataPaths
from flows.pipeline import build_warehouse, land
from flows.report import ReportResult, write_report
from flows.report import charts as ch
from flows.report.bieu06 import CASES_SHEET, SHEET
from flows.report.content import build_document
from flows.report.data import ReportData, Unit, load_report_data
from flows.report.numbers import fmt_dec, fmt_int, fmt_pct
from flows.sample import write_sample

PERIOD = "2020"
BIEU06 = [
    "received_all",
    "received_online",
    "received_direct_postal",
    "carried_over",
    "resolved_total",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "pending_total",
    "pending_not_due",
    "pending_overdue",
]
BIEU06_SQL = ", ".join(
    "sum(received_total + carried_over)" if c == "received_all" else f"sum({c})" for c in BIEU06
)
CANG_LONG = Unit("000.00.52.H48", "UBND huyện Càng Long")


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------


def _build(root: Path) -> DataPaths:
    paths = DataPaths(root)
    build_warehouse(paths, land(paths))
    return paths


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> DataPaths:
    root = tmp_path_factory.mktemp("report")
    write_sample(root, cases=800, seed=5)
    return _build(root)


def _write(
    paths: DataPaths, period: str, units: list[str] | None = None
) -> tuple[ReportResult, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = write_report(paths, period, units)
    return result, [str(w.message) for w in caught]


@pytest.fixture(scope="module")
def report(paths: DataPaths) -> tuple[ReportResult, list[str]]:
    return _write(paths, PERIOD)


@pytest.fixture(scope="module")
def data(paths: DataPaths) -> ReportData:
    return load_report_data(paths, PERIOD)


def q(paths: DataPaths, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _totals(paths: DataPaths, period: str, where: str = "true") -> list[int]:
    row = q(paths, f"SELECT {BIEU06_SQL} FROM rpt_bieu06 WHERE period = ? AND {where}", [period])
    return [int(v or 0) for v in row[0]]


def _late_headline(paths: DataPaths, period: str) -> tuple[int, int, str, int]:
    late, resolved = q(
        paths,
        "SELECT sum(resolved_late), sum(resolved_total) FROM rpt_bieu06 WHERE period = ?",
        [period],
    )[0]
    sector, sector_late = q(
        paths,
        "SELECT sector, sum(resolved_late) AS n FROM rpt_bieu06 WHERE period = ? "
        "GROUP BY sector ORDER BY n DESC LIMIT 1",
        [period],
    )[0]
    return int(late), int(resolved), sector, int(sector_late)


def _has_table(paths: DataPaths, table: str) -> bool:
    found = q(paths, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table])
    return found[0][0] > 0


def _unsigned_units(paths: DataPaths, period: str, codes: list[str] | None = None) -> int:
    where = f"unit_code IN ({', '.join(repr(c) for c in codes)})" if codes else "true"
    return q(
        paths,
        "SELECT count(*) FROM (SELECT unit_name, sum(docs_total - docs_secret) AS ordinary, "
        "sum(docs_e_signed) AS signed FROM ind_documents WHERE period = ? AND "
        f"{where} GROUP BY unit_name) WHERE ordinary > 0 AND signed = 0",
        [period],
    )[0][0]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _tool(package: str, *names: str) -> str:
    """The path of the first of `names` found, else skip naming the Debian package to install."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"{' / '.join(names)} not installed (Debian package: {package})")


# ---------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------


def test_report_writes_every_file_under_processed_report(report, paths: DataPaths) -> None:
    result, _ = report
    folder = paths.processed / "report" / PERIOD
    assert result.directory == folder
    assert result.workbook == folder / "bieu06_2020.xlsx"
    assert result.docx == folder / "bao_cao_2020.docx"
    assert result.html == folder / "bao_cao_2020.html"
    assert result.period_label == "Năm 2020"
    for path in result.files:
        assert path.is_file() and path.stat().st_size > 0, path
    stems = {p.stem for p in result.charts}
    for stem in ("bieu06_totals", "late_by_sector", "monthly_trend", "channels_by_unit"):
        assert stem in stems
    assert any(s.startswith("igate_heatmap") for s in stems)
    documents = _has_table(paths, "ind_documents")
    assert any(s.startswith("documents_by_unit") for s in stems) == documents
    for stem in stems:
        assert (folder / "charts" / f"{stem}.png").is_file()
        assert (folder / "charts" / f"{stem}.svg").read_text().lstrip().startswith("<?xml")
    assert any("ind_documents" in reason for reason in result.omitted) == (not documents)
    assert not list(folder.parent.glob(".*"))  # no staging folder left behind


def test_chart_pngs_are_300_dpi_and_16_cm_wide(report) -> None:
    result, _ = report
    for png in [p for p in result.charts if p.suffix == ".png"]:
        with Image.open(png) as image:
            dpi = image.info["dpi"]
            assert round(dpi[0]) == 300, png
            assert abs(image.width / dpi[0] * 2.54 - 16.0) < 0.05, png


def test_no_missing_glyph_warning_while_writing(report) -> None:
    _, messages = report
    assert not [m for m in messages if "missing from" in m or "Glyph" in m]
    # the capture would see one: a glyph DejaVu Sans lacks is reported while drawing
    probe = ch.Chart("probe", "", ch._figure(5, "Thử 漢", ""))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        probe.figure.savefig(io.BytesIO(), format="png", dpi=20)
    assert any("missing from font" in str(w.message) for w in caught)


def test_unknown_period_lists_the_available_ones(paths: DataPaths) -> None:
    with pytest.raises(ValueError) as error:
        write_report(paths, "2019-Q4")
    message = str(error.value)
    assert "2019-Q4" in message
    for period in ("2020", "2020-Q4", "2020-10"):
        assert period in message


def test_unknown_unit_lists_the_available_ones(paths: DataPaths) -> None:
    with pytest.raises(ValueError) as error:
        write_report(paths, PERIOD, ["Sở Không Có"])
    message = str(error.value)
    assert "Sở Không Có" in message
    assert "UBND huyện Càng Long" in message and "000.00.52.H48" in message
    assert not (paths.processed / "report" / "2020-Q1").exists()


@pytest.mark.parametrize(
    "wanted", ["UBND huyện Càng Long", "ubnd huyen cang long", "Ủy ban nhân dân  huyện Càng Long",
               "000.00.52.h48"],
)  # fmt: skip
def test_unit_is_matched_by_code_or_by_name_ignoring_case_and_accents(
    paths: DataPaths, wanted: str
) -> None:
    chosen = load_report_data(paths, "2020-Q4", [wanted])
    assert chosen.units == [CANG_LONG]
    assert set(chosen.bieu06["unit_name"]) == {CANG_LONG.name}


# ---------------------------------------------------------------------------------------------
# The Biểu 06 workbook
# ---------------------------------------------------------------------------------------------


def _sheet(result: ReportResult, name: str) -> CalamineSheet:
    return CalamineWorkbook.from_path(str(result.workbook)).get_sheet_by_name(name)


def test_workbook_has_the_official_title_block_and_header(report) -> None:
    result, _ = report
    rows = _sheet(result, SHEET).to_python()
    assert rows[0][0] == "Biểu số 06/VPCP/KSTT"
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in rows[0][3]
    assert rows[1][3] == "Kỳ báo cáo: Năm 2020"
    assert rows[2][3] == "(Từ ngày 01/01/2020 đến ngày 20/11/2020)"
    assert rows[4][:3] == [
        "STT",
        "Lĩnh vực, công việc giải quyết theo cấp",
        "Số hồ sơ nhận giải quyết",
    ]
    assert rows[4][6] == "Số hồ sơ đã giải quyết"
    assert rows[4][10] == "Số hồ sơ đang giải quyết"
    assert rows[5][2:6] == ["Tổng số", "Trong kỳ", "", "Từ kỳ trước"]
    assert rows[6][3:5] == ["Trực tuyến", "Trực tiếp và dịch vụ bưu chính"]
    assert rows[5][6:10] == ["Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn"]
    assert rows[5][10:13] == ["Tổng số", "Chưa đến hạn", "Quá hạn"]
    assert rows[7] == [f"({i})" for i in range(1, 14)]


def test_workbook_header_cells_are_merged_as_in_the_form(report) -> None:
    result, _ = report
    merged = set(_sheet(result, SHEET).merged_cell_ranges or [])
    expected = {
        ((4, 0), (6, 0)),  # STT over three rows
        ((4, 1), (6, 1)),  # Lĩnh vực
        ((4, 2), (4, 5)),  # Số hồ sơ nhận giải quyết
        ((5, 2), (6, 2)),  # its Tổng số
        ((5, 3), (5, 4)),  # Trong kỳ over Trực tuyến | Trực tiếp…
        ((5, 5), (6, 5)),  # Từ kỳ trước
        ((4, 6), (4, 9)),  # Số hồ sơ đã giải quyết
        ((4, 10), (4, 12)),  # Số hồ sơ đang giải quyết
    }
    assert expected <= merged


def test_workbook_totals_match_rpt_bieu06(report, paths: DataPaths) -> None:
    result, _ = report
    rows = _sheet(result, SHEET).to_python()
    province = rows[8]
    assert province[1] == "TỔNG CỘNG TOÀN TỈNH"
    assert [int(v) for v in province[2:13]] == _totals(paths, PERIOD)

    expected = {
        (unit, sector or "(Chưa rõ lĩnh vực)"): [int(v) for v in values]
        for unit, sector, *values in q(
            paths,
            f"SELECT unit_name, sector, {BIEU06_SQL} FROM rpt_bieu06 WHERE period = ? GROUP BY ALL",
            [PERIOD],
        )
    }
    seen: dict[tuple[str, str], list[int]] = {}
    unit_totals: dict[str, list[int]] = {}
    unit = None
    for row in rows[9:]:
        if isinstance(row[0], str) and re.fullmatch(r"[IVXLCDM]+", row[0]):
            unit = row[1]
            unit_totals[unit] = [int(v) for v in row[2:13]]
        elif isinstance(row[0], float) and row[1]:
            seen[(unit, row[1])] = [int(v) for v in row[2:13]]
    assert seen == expected
    for name, values in unit_totals.items():
        assert values == _totals(paths, PERIOD, f"unit_name = '{name}'"), name
    units = q(paths, "SELECT count(DISTINCT unit_name) FROM rpt_bieu06 WHERE period = ?", [PERIOD])
    assert len(unit_totals) == units[0][0]


def test_workbook_lists_every_late_and_overdue_case(report, paths: DataPaths) -> None:
    result, _ = report
    rows = _sheet(result, CASES_SHEET).to_python()
    header = rows[3]
    assert header[:3] == ["STT", "Mã hồ sơ", "Thủ tục hành chính"]
    status = header.index("Tình trạng tại cuối kỳ")
    cases = [r for r in rows[4:] if isinstance(r[0], float)]
    late = {r[1] for r in cases if r[status] == "Đã giải quyết, quá hạn"}
    overdue = [r for r in cases if r[status] == "Đang giải quyết, quá hạn"]
    expected_late = {
        code
        for (code,) in q(
            paths,
            "SELECT case_code FROM fct_filings WHERE outcome = 'late' "
            "AND cast(ended_at AS date) BETWEEN '2020-01-01' AND '2020-11-20'",
        )
    }
    assert late == expected_late
    total_late, _, _, _ = _late_headline(paths, PERIOD)
    assert len(late) == total_late
    pending_overdue = _totals(paths, PERIOD)[BIEU06.index("pending_overdue")]
    footer = " ".join(str(r[0]) for r in rows if isinstance(r[0], str))
    without_due = re.search(r"tính thêm (\d+) hồ sơ", footer)
    assert len(overdue) + (int(without_due.group(1)) if without_due else 0) == pending_overdue
    received = header.index("Ngày tiếp nhận")
    assert all(hasattr(r[received], "year") for r in cases)  # real date cells, not text


def test_workbook_for_one_unit_has_its_block_only(paths: DataPaths) -> None:
    result, _ = _write(paths, "2020-Q4", ["ubnd huyen cang long"])
    rows = _sheet(result, SHEET).to_python()
    assert rows[8][1] == "TỔNG CỘNG CÁC ĐƠN VỊ"
    blocks = [r[1] for r in rows[9:] if isinstance(r[0], str) and re.fullmatch(r"[IVX]+", r[0])]
    assert blocks == [CANG_LONG.name]
    assert [int(v) for v in rows[8][2:13]] == _totals(
        paths, "2020-Q4", f"unit_code = '{CANG_LONG.code}'"
    )
    text = "\n".join(p.text for p in open_docx(str(result.docx)).paragraphs)
    assert f"Phạm vi: {CANG_LONG.name} (1 đơn vị có hồ sơ trên iGate" in text
    assert result.units == [CANG_LONG.name]


# ---------------------------------------------------------------------------------------------
# The Word draft
# ---------------------------------------------------------------------------------------------


def _docx_text(result: ReportResult) -> str:
    return "\n".join(p.text for p in open_docx(str(result.docx)).paragraphs)


def test_word_draft_states_the_findings_with_vietnamese_numbers(report, paths: DataPaths) -> None:
    result, _ = report
    text = _docx_text(result)
    late, resolved, sector, sector_late = _late_headline(paths, PERIOD)
    totals = _totals(paths, PERIOD)
    assert "BÁO CÁO KẾT QUẢ KIỂM TRA CÔNG TÁC CẢI CÁCH HÀNH CHÍNH" in text
    assert "Kỳ báo cáo: Năm 2020 (từ ngày 01/01/2020 đến ngày 20/11/2020)" in text
    assert f"đã tiếp nhận {fmt_int(totals[BIEU06.index('received_all')])} hồ sơ" in text
    assert (
        f"Tỷ lệ hồ sơ giải quyết quá hạn là {fmt_pct(late / resolved)} "
        f"({fmt_int(late)}/{fmt_int(resolved)} hồ sơ đã giải quyết)"
    ) in text
    assert f"Lĩnh vực có nhiều hồ sơ quá hạn nhất là {sector}: {fmt_int(sector_late)} hồ sơ" in text
    assert "," in fmt_pct(late / resolved)  # a decimal comma, e.g. 10,3%
    if _has_table(paths, "ind_documents"):
        assert "5. Ký số và phát hành văn bản điện tử" in text
        unsigned = _unsigned_units(paths, PERIOD)
        if unsigned:
            assert f"{fmt_int(unsigned)} đơn vị chưa ký số văn bản đi nào" in text
    else:
        assert "Ký số" not in text
    if not _has_table(paths, "ind_igate_uptake"):
        assert "chưa tiếp nhận hồ sơ nào trên iGate trong kỳ" not in text


def test_word_draft_numbers_its_figures_and_tables(report) -> None:
    result, _ = report
    doc = open_docx(str(result.docx))
    paragraphs = [p.text for p in doc.paragraphs]
    figures = [t for t in paragraphs if re.match(r"Hình \d+\. ", t)]
    tables = [t for t in paragraphs if re.match(r"Bảng \d+\. ", t)]
    assert [int(t.split()[1].rstrip(".")) for t in figures] == list(range(1, len(figures) + 1))
    assert [int(t.split()[1].rstrip(".")) for t in tables] == list(range(1, len(tables) + 1))
    assert (
        len(figures)
        == len(doc.inline_shapes)
        == len([p for p in result.charts if p.suffix == ".png"])
    )
    assert len(tables) == len(doc.tables)
    section = doc.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    assert abs(text_width - Cm(16)) < Cm(0.01)  # page sizes are stored in twips
    assert all(abs(shape.width - Cm(16)) < Cm(0.01) for shape in doc.inline_shapes)
    # a figure's caption follows it, a table's caption precedes it
    body = doc.element.body
    first_table = body.find(".//{*}tbl")
    previous = first_table.getprevious()
    assert "".join(previous.itertext()).startswith("Bảng 1.")
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert header[:3] == ["Đơn vị", "Tổng số nhận", "Trực tuyến"]
    assert doc.tables[0].rows[-1].cells[0].text == "Tổng cộng"


def test_word_draft_as_pdf_shows_the_text_and_numbers(
    report, paths: DataPaths, tmp_path: Path
) -> None:
    soffice = _tool("libreoffice-writer-nogui", "soffice", "libreoffice")
    pdftotext = _tool("poppler-utils", "pdftotext")
    result, _ = report
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(result.docx)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "bao_cao_2020.pdf"
    text = _squash(
        subprocess.run(
            [pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
    )
    late, resolved, sector, _ = _late_headline(paths, PERIOD)
    assert "Tình hình tiếp nhận và giải quyết hồ sơ" in text
    assert f"Tỷ lệ hồ sơ giải quyết quá hạn là {fmt_pct(late / resolved)}" in text
    assert fmt_int(_totals(paths, PERIOD)[BIEU06.index("received_all")]) in text
    assert "Hình 1." in text and "Bảng 1." in text
    assert sector in text
    if shutil.which("pdftoppm"):  # the first page as an image a person would see
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
            check=True, timeout=60,
        )  # fmt: skip
        page = next(tmp_path.glob("p*.png"))
        with Image.open(page) as image:
            assert image.width < image.height  # A4 portrait
            dark = sum(1 for v in image.convert("L").tobytes() if v < 128)
            assert dark > 500  # text is there


# ---------------------------------------------------------------------------------------------
# The HTML page
# ---------------------------------------------------------------------------------------------


def test_html_page_is_self_contained_with_the_same_content(report) -> None:
    result, _ = report
    page = result.html.read_text(encoding="utf-8")
    assert '<html lang="vi">' in page and '<meta charset="utf-8">' in page
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", page)
    assert "<link" not in page and "<script" not in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == len([p for p in result.charts if p.suffix == ".png"])
    for data in images:
        assert base64.b64decode(data).startswith(b"\x89PNG")
    docx_text = _docx_text(result)
    finding = re.search(r"Tỷ lệ hồ sơ giải quyết quá hạn là [^.]+\.", docx_text).group(0)
    assert finding in page
    assert "Hình 1." in page and "Bảng 1." in page


def test_html_page_renders_in_headless_chromium(report, tmp_path: Path) -> None:
    chromium = _tool("chromium", "chromium", "chromium-browser", "google-chrome")
    result, _ = report
    shot = tmp_path / "page.png"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=900,1600",
         "--hide-scrollbars", f"--screenshot={shot}", result.html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    with Image.open(shot) as image:
        assert image.size == (900, 1600)
        raw = image.convert("RGB").tobytes()
    pixels = list(zip(raw[0::3], raw[1::3], raw[2::3], strict=True))
    coloured = sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60)
    dark = sum(1 for r, g, b in pixels if r + g + b < 200)
    assert dark > 2000  # the heading and the first paragraph
    assert coloured > 5000  # the first chart is drawn


# ---------------------------------------------------------------------------------------------
# The charts, through matplotlib's objects
# ---------------------------------------------------------------------------------------------


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_late_by_sector_bars_are_the_rates_sorted_with_counts(data: ReportData, paths) -> None:
    [chart] = ch.late_by_sector(data)
    ax = chart.figure.axes[0]
    expected = q(
        paths,
        "SELECT coalesce(sector, '(Chưa rõ lĩnh vực)'), sum(resolved_late), sum(resolved_total) "
        "FROM rpt_bieu06 WHERE period = ? GROUP BY ALL HAVING sum(resolved_total) > 0",
        [PERIOD],
    )
    expected.sort(key=lambda r: (-r[1] / r[2], -r[1], r[0]))
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert labels == [r[0] for r in expected]
    widths = [p.get_width() for p in ax.patches if isinstance(p, Rectangle)]
    assert widths == pytest.approx([late / total for _, late, total in expected])
    texts = _texts(chart.figure)
    for _, late, total in expected:
        assert f"{fmt_pct(late / total)} ({fmt_int(late)}/{fmt_int(total)})" in texts
    assert chart.figure.get_suptitle() == "Tỷ lệ hồ sơ giải quyết quá hạn theo lĩnh vực"
    assert any("Kỳ báo cáo: Năm 2020" in t and "20/11/2020" in t for t in texts)
    assert [t.get_text() for t in ax.get_xticklabels()][:3] == ["0%", "5%", "10%"] or all(
        t.get_text().endswith("%") for t in ax.get_xticklabels()
    )


def test_bieu06_chart_stacks_resolved_and_pending_per_unit(data: ReportData, paths) -> None:
    [chart] = ch.bieu06_totals(data)
    ax = chart.figure.axes[0]
    expected = dict(
        q(
            paths,
            "SELECT unit_name, sum(resolved_total + pending_total) FROM rpt_bieu06 "
            "WHERE period = ? GROUP BY ALL HAVING sum(resolved_total + pending_total) > 0",
            [PERIOD],
        )
    )
    rows: dict[float, float] = {}
    for bar in ax.patches:
        rows[round(bar.get_y(), 3)] = rows.get(round(bar.get_y(), 3), 0) + bar.get_width()
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert sorted(rows.values(), reverse=True) == pytest.approx([expected[n] for n in labels])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        label for _, label, _ in ch.BIEU06_PARTS
    ]


def test_channel_chart_shares_add_up_to_one_per_unit(data: ReportData) -> None:
    [chart] = ch.channels_by_unit(data)
    ax = chart.figure.axes[0]
    rows: dict[float, float] = {}
    for bar in ax.patches:
        rows[round(bar.get_y(), 3)] = rows.get(round(bar.get_y(), 3), 0) + bar.get_width()
    assert list(rows.values()) == pytest.approx([1.0] * len(rows))
    assert ax.get_yticklabels()[0].get_text() == "Toàn tỉnh"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Trực tuyến", "Dịch vụ bưu chính công ích", "Trực tiếp"]


def test_monthly_trend_counts_each_month(data: ReportData, paths) -> None:
    [chart] = ch.monthly_trend(data)
    ax = chart.figure.axes[0]
    months = q(
        paths,
        "SELECT period, sum(received_total), sum(resolved_late) FROM rpt_bieu06 "
        "WHERE period_type = 'month' GROUP BY ALL ORDER BY period",
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"T{i}" for i in range(1, 12)]
    received, late = ax.containers[0], ax.containers[1]
    assert [b.get_height() for b in received] == [r[1] for r in months]
    assert [b.get_height() for b in late] == [r[2] for r in months]


def test_heat_map_shows_zero_in_its_own_colour(data: ReportData, paths) -> None:
    charts = ch.igate_heatmap(data)
    cells = 0
    zeros = 0
    for chart in charts:
        [image] = [a for a in chart.figure.axes[0].get_children() if isinstance(a, AxesImage)]
        values = image.get_array()
        cells += values.size
        zeros += int((values == 0).sum())
        zero_colour = image.to_rgba(0.0)
        assert mcolors.to_hex(zero_colour) == ch.COLORS["zero"]
        assert mcolors.to_hex(image.to_rgba(1.0)) != ch.COLORS["zero"]
    if _has_table(paths, "ind_igate_uptake"):
        # every registry unit, those without a file included (valid all year in the sample)
        expected, without_files = q(
            paths,
            "SELECT count(DISTINCT unit_code), count(*) FILTER (WHERE files_received = 0) "
            "FROM ind_igate_uptake WHERE period_type = 'month'",
        )[0]
        assert cells == expected * 11
        assert zeros == without_files
        return
    expected = q(
        paths,
        "SELECT count(DISTINCT unit_name) FROM rpt_bieu06 WHERE period_type = 'month' "
        "AND received_total > 0",
    )[0][0]
    assert cells == expected * 11
    with_files = q(
        paths,
        "SELECT count(*) FROM (SELECT DISTINCT unit_name, period FROM rpt_bieu06 "
        "WHERE period_type = 'month' AND received_total > 0)",
    )[0][0]
    assert zeros == cells - with_files


def test_charts_have_every_vietnamese_glyph(data: ReportData) -> None:
    font = get_font(findfont(FontProperties(family=ch.FONT)))
    charmap = font.get_charmap()
    vietnamese = 0
    for builder in ch.BUILDERS.values():
        for chart in builder(data):  # drawn (and warnings caught) by the report fixture
            for text in _texts(chart.figure):
                missing = {c for c in text if not c.isspace() and ord(c) not in charmap}
                assert not missing, (chart.key, text, missing)
                vietnamese += any(c in text for c in "ảạấầẩậắằẳặẻẹếềểệỉịỏọốồổộớờởợủụứừửựỳỷỹỵđ")
    assert vietnamese > 20


def test_number_formats_are_vietnamese() -> None:
    assert fmt_int(4948) == "4.948"
    assert fmt_int(1234567) == "1.234.567"
    assert fmt_dec(1234.56, 2) == "1.234,56"
    assert fmt_pct(0.032) == "3,2%"
    assert fmt_pct(1.0) == "100,0%"
    assert fmt_pct(None) == "–"


# ---------------------------------------------------------------------------------------------
# Optional tables: ind_documents and ind_igate_uptake, when they exist
# ---------------------------------------------------------------------------------------------

_OPTIONAL_SQL = {
    # every registry unit in every period; its files from rpt_bieu06 (zero when none)
    "ind_igate_uptake": """
    CREATE TABLE ind_igate_uptake AS
    WITH periods AS (SELECT DISTINCT period_type, period, period_start, period_end FROM rpt_bieu06),
    files AS (SELECT period, unit_code, sum(received_total) AS n FROM rpt_bieu06 GROUP BY ALL)
    SELECT p.*, u.unit_code, u.unit_name, u.unit_level, u.unit_kind,
           coalesce(f.n, 0)::BIGINT AS files_received, 4::BIGINT AS procedures_assigned,
           least(coalesce(f.n, 0), 2)::BIGINT AS procedures_with_files,
           coalesce(f.n, 0) > 0 AS has_activity
    FROM periods p CROSS JOIN stg_reference__units u
    LEFT JOIN files f ON f.period = p.period AND f.unit_code = u.unit_code
    """,
    # 20 documents per unit with files, 2 of them secret; every third unit signs none
    "ind_documents": """
    CREATE TABLE ind_documents AS
    WITH units AS (
        SELECT *, dense_rank() OVER (ORDER BY unit_code) AS r
        FROM (SELECT DISTINCT period_type, period, period_start, period_end, unit_code, unit_name
              FROM rpt_bieu06 WHERE unit_code IS NOT NULL)
    )
    SELECT period_type, period, period_start, period_end, unit_code, unit_name,
           20::BIGINT AS docs_total, 2::BIGINT AS docs_secret,
           CASE WHEN r % 3 = 0 THEN 0 ELSE 9 END::BIGINT AS docs_e_signed,
           CASE WHEN r % 4 = 0 THEN 0 ELSE 6 END::BIGINT AS docs_e_issued,
           docs_e_signed / 18 AS e_signed_rate, docs_e_issued / 18 AS e_issued_rate
    FROM units
    """,
}


@pytest.fixture(scope="module")
def optional(
    paths: DataPaths, tmp_path_factory: pytest.TempPathFactory
) -> tuple[DataPaths, list[str], ReportResult, list[str]]:
    other = DataPaths(tmp_path_factory.mktemp("optional"))
    other.processed.mkdir(parents=True)
    shutil.copy(paths.warehouse, other.warehouse)
    with duckdb.connect(str(other.warehouse)) as con:
        for table, sql in _OPTIONAL_SQL.items():
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
            ).fetchone()[0]
            if not exists:  # made up here, for this test only, from the sample's numbers
                con.execute(sql)
        # a few units keep the report small: idle ones, ones without and with signed documents
        codes = [
            code
            for (code,) in con.execute(
                """
                (SELECT unit_code FROM ind_igate_uptake
                 WHERE period = '2020-10' AND NOT has_activity ORDER BY unit_code LIMIT 3)
                UNION
                (SELECT unit_code FROM ind_documents WHERE period = '2020-10'
                 AND unit_code IS NOT NULL ORDER BY docs_e_signed > 0, unit_code LIMIT 2)
                UNION
                (SELECT unit_code FROM ind_documents WHERE period = '2020-10'
                 AND unit_code IS NOT NULL ORDER BY docs_e_signed = 0, unit_code LIMIT 2)
                """
            ).fetchall()
        ]
    return other, sorted(codes), *_write(other, "2020-10", sorted(codes))


def test_documents_section_appears_when_ind_documents_exists(optional) -> None:
    other, codes, result, messages = optional
    assert not [m for m in messages if "missing from" in m]
    stems = {p.stem for p in result.charts}
    assert any(s.startswith("documents_by_unit") for s in stems)
    text = _docx_text(result)
    assert "5. Ký số và phát hành văn bản điện tử" in text
    unsigned = _unsigned_units(other, "2020-10", codes)
    if unsigned:
        assert f"{fmt_int(unsigned)} đơn vị chưa ký số văn bản đi nào" in text
    else:
        assert "Đơn vị nào cũng có văn bản đi được ký số." in text
    assert not [r for r in result.omitted if "ind_documents" in r]


def test_igate_section_names_units_without_files_when_uptake_exists(optional) -> None:
    other, codes, result, _ = optional
    idle, units = q(
        other,
        "SELECT count(*) FILTER (WHERE NOT has_activity), count(*) FROM ind_igate_uptake "
        f"WHERE period = '2020-10' AND unit_code IN ({', '.join(repr(c) for c in codes)})",
    )[0]
    assert idle >= 1
    text = _docx_text(result)
    assert f"Trong {fmt_int(units)} đơn vị có trong danh mục, {fmt_int(idle)} đơn vị" in text
    assert "Các đơn vị chưa tiếp nhận hồ sơ nào trên iGate trong kỳ" in text
    data = load_report_data(other, "2020-10", codes)
    rows = sum(len(c.figure.axes[0].get_yticklabels()) for c in ch.igate_heatmap(data))
    assert rows == units  # every registry unit, the idle ones included


def test_sections_are_left_out_when_their_tables_do_not_exist(
    paths: DataPaths, tmp_path: Path
) -> None:
    bare = DataPaths(tmp_path / "bare")
    bare.processed.mkdir(parents=True)
    shutil.copy(paths.warehouse, bare.warehouse)
    with duckdb.connect(str(bare.warehouse)) as con:
        for table in ("ind_documents", "ind_igate_uptake", "ind_required_documents"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    data = load_report_data(bare, "2020-Q3")
    assert data.documents is None and data.uptake is None and data.required is None
    assert any("ind_documents" in r for r in data.omitted)
    assert any("ind_igate_uptake" in r for r in data.omitted)
    assert any("ind_required_documents" in r for r in data.omitted)
    assert ch.documents_by_unit(data) == []
    document = build_document(data, {}, {})
    headings = [s.heading for s in document.sections]
    assert headings[-1] == "4. Tiếp nhận hồ sơ trên hệ thống một cửa điện tử (iGate)"
    assert not any("Ký số" in h for h in headings)
    igate = " ".join(document.sections[-1].paragraphs)
    assert "chưa tiếp nhận hồ sơ nào trên iGate trong kỳ" not in igate
