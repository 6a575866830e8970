"""The dashboard's «Văn bản bắt buộc» tab against ind_required_documents (docs/spec.md §9).

On the session's sample warehouse (tests/dashboard/conftest.py), without a browser: the tab and
its downloads are on the page, the share per document and level is the mart's for every unit,
the units chosen narrow both tables, and a quarter shows its year's documents.
"""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from flows.dashboard import queries as q
from flows.dashboard.app import create_app
from flows.dashboard.callbacks import View, build_table
from flows.dashboard.export import to_csv, to_xlsx
from flows.paths import DataPaths


@pytest.fixture(scope="module")
def warehouse(sample_paths: DataPaths) -> q.Warehouse:
    return q.Warehouse(sample_paths.warehouse)


def _year(cur) -> q.Period:
    return [p for p in q.periods(cur) if p.period_type == "year"][-1]


def test_the_tab_and_its_downloads_are_on_the_page(sample_paths: DataPaths) -> None:
    layout = create_app(sample_paths).server.test_client().get("/_dash-layout")
    text = layout.get_data(as_text=True)
    assert '"id":"tab-required"' in text and "Văn bản bắt buộc" in text
    for element in ("required-share-table", "required-missing-table"):
        assert f'"id":"{element}"' in text
    for name in ("required-share", "required-missing"):
        for fmt in ("xlsx", "csv"):
            assert f'"id":"download-{name}-{fmt}"' in text


def test_share_is_the_marts_for_every_unit(warehouse: q.Warehouse) -> None:
    with warehouse.cursor() as cur:
        year = _year(cur)
        table = q.required_share(cur, q.Selection(year))
        mart = cur.execute(
            "SELECT label, deadline, unit_level, units_required, units_issued, "
            "units_issued_late, units_not_issued, issued_rate FROM ind_required_documents_share "
            "WHERE year = ?",
            [year.start.year],
        ).fetchall()
    assert mart  # the sample has its required documents
    assert [tuple(r.values()) for r in table.rows] == mart
    labels = [c.label for c in table.columns]
    assert labels[:3] == ["Văn bản yêu cầu", "Hạn ban hành", "Cấp đơn vị"]
    assert "Tỷ lệ đơn vị đã ban hành" in labels


def test_missing_lists_the_units_not_issued_or_late(warehouse: q.Warehouse) -> None:
    with warehouse.cursor() as cur:
        year = _year(cur)
        table = q.required_missing(cur, q.Selection(year))
        expected = cur.execute(
            "SELECT count(*) FILTER (WHERE NOT is_issued), count(*) FILTER (WHERE is_late) "
            "FROM ind_required_documents WHERE year = ?",
            [year.start.year],
        ).fetchone()
    statuses = [r["required_status"] for r in table.rows]
    assert (statuses.count("Chưa ban hành"), statuses.count("Ban hành sau hạn")) == expected
    assert all(
        r["doc_number"] is None for r in table.rows if r["required_status"] == "Chưa ban hành"
    )
    assert all(r["doc_number"] for r in table.rows if r["required_status"] == "Ban hành sau hạn")


def test_chosen_units_and_a_quarter(warehouse: q.Warehouse) -> None:
    with warehouse.cursor() as cur:
        year = _year(cur)
        quarter = [p for p in q.periods(cur) if p.period_type == "quarter"][-1]
        units = q.units(cur)
        communes = q.select_units(units, ["xã"], None)
        required = cur.execute(
            "SELECT count(*) FROM ind_required_documents WHERE year = ? AND unit_level = 'xã'",
            [year.start.year],
        ).fetchone()[0]
        table = q.required_share(cur, q.Selection(quarter, communes))
        missing = q.required_missing(cur, q.Selection(quarter, communes))
    assert {r["unit_level"] for r in table.rows} == {"xã"}
    assert sum(r["units_required"] for r in table.rows) == required
    assert missing.rows and {r["unit_level"] for r in missing.rows} == {"xã"}


def test_downloads_carry_vietnamese_headers(warehouse: q.Warehouse) -> None:
    with warehouse.cursor() as cur:
        view = View(q.Selection(_year(cur)), q.units(cur), q.as_of(cur))
        share = build_table(cur, "required-share", view, "unit", None, None)
        missing = build_table(cur, "required-missing", view, "unit", None, None)
    book = CalamineWorkbook.from_filelike(io.BytesIO(to_xlsx(share, ["Kỳ báo cáo: thử"])))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["Văn bản yêu cầu", "Hạn ban hành", "Cấp đơn vị"]
    assert rows[1][3] == share.rows[0]["units_required"]  # a number, not text
    text = to_csv(missing).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Văn bản yêu cầu,Hạn ban hành,Mã đơn vị,Tên đơn vị")
    assert "Chưa ban hành" in text
