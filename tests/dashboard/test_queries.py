"""The dashboard's queries against the marts they come from, without a browser.

The drill-down must list exactly the cases a Biểu 06 figure counts: every column is checked for
every period and every unit × sector row of rpt_bieu06 (one grouped query per column), and the
dashboard's own functions for a few periods and selections. The files and the warehouse swap are
checked here too.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from flows.cli import build_parser
from flows.dashboard import queries as q
from flows.dashboard.app import create_app
from flows.dashboard.export import to_csv, to_xlsx
from flows.paths import DataPaths
from flows.report.data import BIEU06_COLUMNS


@pytest.fixture(scope="module")
def warehouse(sample_paths: DataPaths) -> q.Warehouse:
    return q.Warehouse(sample_paths.warehouse)


def bieu06_sum(
    cur: duckdb.DuckDBPyConnection, period: str, column: str, where: str = "", params=()
):
    return cur.execute(
        f"SELECT coalesce(sum({column}), 0) FROM rpt_bieu06 WHERE period = ? {where}",
        [period, *params],
    ).fetchone()[0]


@pytest.mark.parametrize("column", BIEU06_COLUMNS)
def test_drill_rules_match_every_row_of_bieu06(warehouse: q.Warehouse, column: str) -> None:
    """The rule of each column, applied to every period at once, gives rpt_bieu06 row by row."""
    rule = q.DRILL_RULES[column].replace("$start", "p.period_start").replace("$end", "p.period_end")
    source = q.case_source(full=True)
    with warehouse.cursor() as cur:
        mismatches = cur.execute(
            f"""
            WITH cases AS ({source}),
            p AS (SELECT DISTINCT period_type, period, period_start, period_end FROM rpt_bieu06),
            listed AS (
                SELECT p.period, unit_code, unit_name, sector, count(*) AS n
                FROM cases JOIN p ON {rule}
                GROUP BY ALL
            ),
            expected AS (
                SELECT period, unit_code, unit_name, sector, {column} AS n
                FROM rpt_bieu06 WHERE {column} > 0
            )
            SELECT * FROM listed FULL JOIN expected
                ON listed.period = expected.period
                AND listed.unit_code IS NOT DISTINCT FROM expected.unit_code
                AND listed.unit_name = expected.unit_name
                AND listed.sector IS NOT DISTINCT FROM expected.sector
            WHERE listed.n IS DISTINCT FROM expected.n
            """
        ).fetchall()
        assert mismatches == []


def _periods(cur: duckdb.DuckDBPyConnection) -> list:
    """A month, a quarter, the year, and the last month (which ends at the as-of date)."""
    periods = q.periods(cur)
    months = [p for p in periods if p.period_type == "month"]
    quarters = [p for p in periods if p.period_type == "quarter"]
    years = [p for p in periods if p.period_type == "year"]
    return [months[3], quarters[2], years[-1], months[-1]]


def test_drill_counts_equal_the_figures(warehouse: q.Warehouse) -> None:
    with warehouse.cursor() as cur:
        units = q.units(cur)
        unmatched = next(u for u in units if u.code is None)
        busiest = cur.execute(
            "SELECT unit_code, sector FROM rpt_bieu06 WHERE period_type = 'year' "
            "AND unit_code IS NOT NULL ORDER BY received_total DESC LIMIT 1"
        ).fetchone()
        unit_key = f"code:{busiest[0]}"
        checked = 0
        for period in _periods(cur):
            whole = q.Selection(period)
            one_unit = q.Selection(period, (unit_key,))
            for column in BIEU06_COLUMNS:
                cases = [
                    (whole, q.Drill(column), "", ()),
                    (one_unit, q.Drill(column), "AND unit_code = ?", (busiest[0],)),
                    (
                        whole,
                        q.Drill(column, unit_key, busiest[1]),
                        "AND unit_code = ? AND sector = ?",
                        busiest,
                    ),
                    (
                        q.Selection(period, None, (busiest[1],)),
                        q.Drill(column),
                        "AND sector = ?",
                        (busiest[1],),
                    ),
                    (
                        whole,
                        q.Drill(column, unmatched.key),
                        "AND unit_code IS NULL AND unit_name = ?",
                        (unmatched.name,),
                    ),
                ]
                for sel, drill, where, params in cases:
                    expected = bieu06_sum(cur, period.period, column, where, params)
                    assert q.drill_count(cur, sel, drill) == expected, (period, drill)
                    checked += expected
        assert checked > 0


def test_case_list_is_the_count(warehouse: q.Warehouse) -> None:
    with warehouse.cursor() as cur:
        year = [p for p in q.periods(cur) if p.period_type == "year"][-1]
        sel = q.Selection(year)
        for column in ("resolved_late", "pending_overdue", "received_online"):
            table = q.cases(cur, sel, q.Drill(column))
            assert len(table.rows) == table.row_count == bieu06_sum(cur, year.period, column)
            assert len({r["case_code"] for r in table.rows}) == len(table.rows)
            labels = [c.label for c in table.columns]
            assert labels[:3] == ["Mã hồ sơ", "Mã đơn vị", "Tên đơn vị"]
            assert "Số ngày làm việc trễ hạn" in labels
        late = q.cases(cur, sel, q.Drill("resolved_late")).rows
        assert late and all(r["outcome"] == "Quá hạn" for r in late)
        for row in late:
            assert row["days_late"] >= 1
            assert 0 <= row["working_days_late"] <= row["days_late"]
        overdue = q.cases(cur, sel, q.Drill("pending_overdue")).rows
        assert all(r["state_at_end"] == "Đang giải quyết, quá hạn" for r in overdue)
        shown = q.cases(cur, sel, q.Drill("received_total"), limit=10)
        assert len(shown.rows) == 10
        assert shown.row_count == bieu06_sum(cur, year.period, "received_total")


def test_headline_rates_come_from_summed_counts(warehouse: q.Warehouse) -> None:
    with warehouse.cursor() as cur:
        year = [p for p in q.periods(cur) if p.period_type == "year"][-1]
        figures = {f.id: f for f in q.headline(cur, q.Selection(year))}
        late, resolved = cur.execute(
            "SELECT sum(resolved_late), sum(resolved_total) FROM ind_late WHERE period = ?",
            [year.period],
        ).fetchone()
        assert figures["late_rate"].value == pytest.approx(late / resolved)
        assert figures["received_total"].value == bieu06_sum(cur, year.period, "received_total")
        by_sector = q.late(cur, q.Selection(year), "sector")
        assert by_sector.total["resolved_late"] == late
        for row in by_sector.rows:
            if row["resolved_total"]:
                assert row["late_rate"] == pytest.approx(
                    row["resolved_late"] / row["resolved_total"]
                )


def test_levels_choose_their_units(warehouse: q.Warehouse) -> None:
    with warehouse.cursor() as cur:
        units = q.units(cur)
        levels = {u.level for u in units}
        assert {"tỉnh", "huyện", "xã"} <= levels
        keys = q.select_units(units, ["xã"], None)
        assert keys and all(u.level == "xã" for u in units if u.key in keys)
        year = [p for p in q.periods(cur) if p.period_type == "year"][-1]
        table = q.uptake(cur, q.Selection(year, keys))
        assert table.rows and {r["unit_level"] for r in table.rows} == {"xã"}
        assert q.select_units(units, None, None) is None


def test_user_text_is_only_a_parameter(warehouse: q.Warehouse) -> None:
    with warehouse.cursor() as cur:
        year = [p for p in q.periods(cur) if p.period_type == "year"][-1]
        evil = "name:x' OR 1=1; DROP TABLE rpt_bieu06; --"
        sel = q.Selection(year, (evil,), ("'); DROP TABLE fct_filings; --",))
        assert q.bieu06(cur, sel).rows == []
        assert q.drill_count(cur, q.Selection(year), q.Drill("received_total", evil)) == 0
        assert q.has_table(cur, "rpt_bieu06")


def test_xlsx_and_csv_carry_numbers_and_vietnamese_headers(warehouse: q.Warehouse) -> None:
    with warehouse.cursor() as cur:
        year = [p for p in q.periods(cur) if p.period_type == "year"][-1]
        table = q.bieu06(cur, q.Selection(year))
    book = CalamineWorkbook.from_filelike(io.BytesIO(to_xlsx(table, ["Kỳ báo cáo: thử"])))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["Mã đơn vị", "Tên đơn vị", "Tiếp nhận trực tuyến"]
    assert rows[1][0] == "Tổng cộng"
    assert rows[1][4] == table.total["received_total"]
    assert all(isinstance(v, float) for v in rows[2][2:])
    assert len(rows) == len(table.rows) + 2
    assert book.sheet_names[1] == "Thông tin"
    data = to_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Mã đơn vị,Tên đơn vị,Tiếp nhận trực tuyến")
    assert re.search(rf"^Tổng cộng,,\d+,\d+,{table.total['received_total']},", text, re.M)


def test_a_swapped_warehouse_is_read_at_the_next_request(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"

    def build(target: Path, day: str) -> None:
        with duckdb.connect(str(target)) as con:
            con.execute(f"CREATE TABLE dim_as_of AS SELECT DATE '{day}' AS as_of")

    build(path, "2020-11-20")
    warehouse = q.Warehouse(path)
    with warehouse.cursor() as old:
        assert str(q.as_of(old)) == "2020-11-20"
        # The nightly build: a new file beside, swapped in while a request is still reading.
        building = tmp_path / "warehouse.duckdb.building"
        build(building, "2020-12-31")
        os.replace(building, path)
        with warehouse.cursor() as new:
            assert str(q.as_of(new)) == "2020-12-31"
        assert str(q.as_of(old)) == "2020-11-20"
    path.unlink()
    with pytest.raises(q.NoWarehouse):
        warehouse.cursor().__enter__()


def test_without_a_warehouse_the_page_says_to_run(tmp_path: Path) -> None:
    app = create_app(DataPaths(tmp_path / "data"))
    layout = app.server.test_client().get("/_dash-layout")
    assert layout.status_code == 200
    text = layout.get_data(as_text=True)
    assert "no-warehouse" in text and "cchc run" in text and "Chưa có kho dữ liệu" in text


def test_the_page_is_served(sample_paths: DataPaths) -> None:
    client = create_app(sample_paths).server.test_client()
    index = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in index and "Chỉ số cải cách hành chính" in index
    layout = client.get("/_dash-layout").get_data(as_text=True)
    for element in ("period-type", "period", "level", "units", "sectors", "tabs"):
        assert f'"id":"{element}"' in layout


def test_cli_has_the_dashboard() -> None:
    args = build_parser().parse_args(["dashboard", "--port", "8123"])
    assert (args.port, args.host) == (8123, "127.0.0.1")
