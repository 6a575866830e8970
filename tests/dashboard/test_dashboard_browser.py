"""The dashboard as an analyst uses it, in a real browser (Debian's headless Chromium).

The real `cchc dashboard` serves the session's sample warehouse; the test picks a quarter and a
unit, checks Biểu 06 figures against rpt_bieu06 queried directly, opens the cases behind one and
counts them, follows a unit to its months, and downloads the tables (.xlsx read back with
python-calamine, .csv checked for its byte-order mark). Two screenshots are saved and their
paths printed. Skipped, with the reason, where Chromium or Playwright is missing.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from flows.paths import DataPaths
from flows.report.numbers import fmt_int
from tests.dashboard.browser import browser, choose, dashboard, wait_idle, why_no_browser

pytestmark = pytest.mark.skipif(why_no_browser() is not None, reason=why_no_browser() or "")

PERIOD = "2020-Q3"


def _pick_unit(warehouse: Path) -> tuple[str, str, dict[str, int]]:
    """The matched unit with the most cases resolved late in PERIOD, and its Biểu 06 sums."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        code, name = con.execute(
            "SELECT unit_code, unit_name FROM rpt_bieu06 WHERE period = ? AND unit_code "
            "IS NOT NULL GROUP BY ALL ORDER BY sum(resolved_late) DESC, unit_code LIMIT 1",
            [PERIOD],
        ).fetchone()
        columns = ("received_total", "resolved_late", "pending_overdue", "resolved_total")
        sums = con.execute(
            f"SELECT {', '.join(f'sum({c})' for c in columns)} FROM rpt_bieu06 "
            "WHERE period = ? AND unit_code = ?",
            [PERIOD, code],
        ).fetchone()
        months = con.execute(
            "SELECT count(DISTINCT period) FROM rpt_bieu06 WHERE period_type = 'month' "
            "AND unit_code = ?",
            [code],
        ).fetchone()[0]
    figures = dict(zip(columns, (int(v) for v in sums), strict=True))
    figures["months"] = int(months)
    return code, name, figures


def _sheet(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_dashboard_in_chromium(
    sample_paths: DataPaths, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from playwright.sync_api import expect

    out = tmp_path_factory.mktemp("dashboard_browser")
    code, name, figures = _pick_unit(sample_paths.warehouse)
    assert figures["resolved_late"] > 0
    unit_key = f"code:{code}"

    with dashboard(sample_paths.root, out / "server.log") as (url, _), browser() as context:
        page = context.new_page()
        page.goto(url)
        expect(page.locator("#b06-total-received_total")).to_be_visible(timeout=60_000)
        wait_idle(page)

        # A quarter and a unit.
        page.click("#period-type label:has-text('Quý')")
        expect(page.locator("#period-label")).to_contain_text("Quý IV năm 2020")
        choose(page, "period", PERIOD)
        expect(page.locator("#period-label")).to_contain_text("Quý III năm 2020")
        choose(page, "units", unit_key, search=name)
        expect(page.locator("#b06-total-received_total")).to_have_text(
            fmt_int(figures["received_total"]), timeout=30_000
        )
        wait_idle(page)

        # The figures on the page are rpt_bieu06's.
        expect(page.locator("#b06-total-resolved_late")).to_have_text(
            fmt_int(figures["resolved_late"])
        )
        expect(page.locator("#b06-total-pending_overdue")).to_have_text(
            fmt_int(figures["pending_overdue"])
        )
        expect(page.locator("#kpi-received_total")).to_have_text(fmt_int(figures["received_total"]))
        rows = page.locator("#bieu06-table tbody tr")
        expect(rows).to_have_count(2)  # the total and the unit
        overview = out / "dashboard_overview.png"
        page.screenshot(path=str(overview), full_page=True)

        # Biểu 06 as a workbook: Vietnamese headers, the figures as numbers.
        with page.expect_download() as info:
            page.click("#download-bieu06-xlsx")
        workbook = out / info.value.suggested_filename
        info.value.save_as(workbook)
        assert workbook.name == f"bieu06_{PERIOD}.xlsx"
        sheet = _sheet(workbook)
        header = sheet[0]
        assert header[:2] == ["Mã đơn vị", "Tên đơn vị"]
        total = dict(zip(header, sheet[1], strict=True))
        assert total["Mã đơn vị"] == "Tổng cộng"
        assert total["Tiếp nhận trong kỳ"] == figures["received_total"]
        assert isinstance(total["Giải quyết quá hạn"], float)
        assert total["Giải quyết quá hạn"] == figures["resolved_late"]
        assert total["Đang giải quyết quá hạn"] == figures["pending_overdue"]

        with page.expect_download() as info:
            page.click("#download-bieu06-csv")
        csv_file = out / info.value.suggested_filename
        info.value.save_as(csv_file)
        assert csv_file.read_bytes().startswith(
            b"\xef\xbb\xbfM\xc3\xa3 \xc4\x91\xc6\xa1n v\xe1\xbb\x8b"
        )

        # Drill down: the cases resolved late are as many as the figure.
        page.click("#b06-total-resolved_late")
        expect(page.locator("#drill-count-value")).to_have_text(
            fmt_int(figures["resolved_late"]), timeout=30_000
        )
        expect(page.locator("#drill-title")).to_contain_text("Giải quyết quá hạn")
        expect(page.locator("#cases tbody tr")).to_have_count(figures["resolved_late"])
        cells = page.locator("#cases tbody tr").first.locator("td")
        assert cells.nth(2).inner_text() == name
        wait_idle(page)
        drill = out / "dashboard_drilldown.png"
        page.screenshot(path=str(drill), full_page=True)

        with page.expect_download() as info:
            page.click("#download-cases-xlsx")
        cases_book = out / info.value.suggested_filename
        info.value.save_as(cases_book)
        listed = _sheet(cases_book)
        assert listed[0][0] == "Mã hồ sơ" and "Số ngày làm việc trễ hạn" in listed[0]
        assert len(listed) - 1 == figures["resolved_late"]
        late_days = listed[0].index("Số ngày trễ hạn (theo lịch)")
        assert all(isinstance(r[late_days], float) and r[late_days] >= 1 for r in listed[1:])

        # The pending overdue cases, from the same total row.
        page.click("#tab-bieu06")
        page.click("#b06-total-pending_overdue")
        expect(page.locator("#drill-count-value")).to_have_text(
            fmt_int(figures["pending_overdue"]), timeout=30_000
        )

        # From the unit to its months.
        page.click("#tab-bieu06")
        page.click(f"#bieu06-table a[title]:has-text('{name}')")
        expect(page.locator("#trend-table tbody tr")).to_have_count(figures["months"])
        wait_idle(page)

    print(f"\nscreenshots: {overview}\n             {drill}")
    assert overview.stat().st_size > 10_000 and drill.stat().st_size > 10_000
