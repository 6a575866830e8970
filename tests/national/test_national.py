"""`cchc national` on a real local Dask cluster of two worker processes, over four provinces.

Three sample provinces (tra-vinh, ben-tre, vinh-long: `cchc sample` province-years of 2020
with different seeds) and a small one (an-giang: a few cases from January to 15 June 2020),
with a crosswalk folding tra-vinh and ben-tre into vinh-long from 1 July 2020 — inside the
sample's year, so that the year's quarters fall on both sides of the merger — and rows it
must reject. Night 1 publishes every province. Night 2 breaks ben-tre's units registry (its
build fails an error audit), replaces vinh-long's published warehouse with garbage and adds
ca-mau, whose only export is damaged. The national flow runs once per night, for the whole
module; every test reads what it left.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from flows.national.flow import run_province
from flows.national.report import NationalReport, run_log
from flows.national.warehouse import (
    RUN_FAILED,
    RUN_PUBLISHED,
    ProvinceState,
    build_national,
    national_warehouse,
)
from flows.ops.prefect_env import PREFECT_DEFAULTS
from flows.ops.task_runners import (
    ENV_DASK_ADDRESS,
    ENV_TASK_RUNNER,
    local_cluster,
    local_cluster_kwargs,
)
from flows.paths import DataPaths
from flows.warehouse.runner import AuditError
from tests.support.national import (
    PROVINCE_COLUMNS,
    add_sums,
    break_successor_chain,
    corrupt,
    province_rows,
    province_sums,
    write_crosswalk,
    write_sample_province,
    write_small_province,
)

CASES = 1500
SAMPLES = {"tra-vinh": 61, "ben-tre": 62, "vinh-long": 63}
MERGED = ("tra-vinh", "ben-tre", "vinh-long")  # into vinh-long, from MERGER
MERGER = date(2020, 7, 1)
SMALL = "an-giang"
SMALL_AS_OF = date(2020, 6, 15)
WORKERS = 2

CROSSWALK = [
    ["tra-vinh", "Trà Vinh", "vinh-long", "Vĩnh Long", "01/07/2020", "sáp nhập (ngày thử)"],
    # A key in another case than its folder, and the date as a date cell.
    ["Ben-Tre", "Bến Tre", "vinh-long", None, datetime(2020, 7, 1), None],
    ["vinh-long", "Vĩnh Long", None, None, None, None],
    ["an-giang", "An Giang", None, None, None, None],
]
# A second file sorting after provinces.xlsx: its an-giang row wins over the first file's.
BAD_ROWS = [
    ["soc-trang", "Sóc Trăng", "can-tho", "Cần Thơ", "31/02/2025", "ngày không có"],
    [None, "Không có mã", "can-tho", None, "01/07/2025", None],
    ["hau-giang", "Hậu Giang", None, None, "01/07/2025", None],
    ["bac-lieu", "Bạc Liêu", "bac-lieu", None, "01/07/2025", None],
    ["x-tinh", "Tỉnh X", "y-tinh", None, "01/07/2025", None],
    ["y-tinh", "Tỉnh Y", "x-tinh", None, "01/07/2025", None],
    ["an-giang", "An Giang", None, None, None, None],
]
TABLES = tuple(PROVINCE_COLUMNS)


def _national(root: Path, address: str) -> tuple[int, str]:
    out = io.StringIO()
    args = ["national", "--root", str(root), "--task-runner", "dask", "--dask-address", address]
    with contextlib.redirect_stdout(out):
        code = main(args)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def nights(tmp_path_factory, prefect_server):
    """Both nights of `cchc national` on one local cluster; what each printed and left."""
    from distributed import Client, get_task_stream
    from distributed.utils import key_split

    base = tmp_path_factory.mktemp("national")
    root = (base / "provinces").resolve()
    for province, seed in SAMPLES.items():
        write_sample_province(root, province, CASES, seed)
    write_small_province(root, SMALL, date(2020, 1, 6), SMALL_AS_OF)
    write_crosswalk(root, CROSSWALK)
    write_crosswalk(root, BAD_ROWS, "tinh_loi.csv")

    kwargs = {**local_cluster_kwargs(), "n_workers": WORKERS}
    kwargs["local_directory"] = str(base / "dask-scratch")
    result: dict[str, object] = {"root": root}
    with pytest.MonkeyPatch.context() as env:
        for name, value in PREFECT_DEFAULTS.items():
            env.setenv(name, os.environ.get(name, value))
        env.delenv(ENV_TASK_RUNNER, raising=False)
        env.delenv(ENV_DASK_ADDRESS, raising=False)
        with local_cluster(**kwargs) as cluster, Client(cluster, set_as_default=False) as client:
            result["worker_pids"] = client.run(os.getpid)
            with get_task_stream(client=client) as stream:
                result["night1"] = _national(root, cluster.scheduler_address)
            result["night1_report"] = NationalReport.load(run_log(root))
            result["night1_warehouse"] = national_warehouse(root).read_bytes()

            break_successor_chain(root / "ben-tre")
            corrupt(DataPaths(root / "vinh-long").warehouse)
            corrupt(root / "ca-mau" / "raw" / "igate" / "hong.xlsx")
            result["night2"] = _national(root, cluster.scheduler_address)
            result["night2_report"] = NationalReport.load(run_log(root))
    # Prefect submits a task to Dask under its function's name.
    name = run_province.fn.__name__
    result["executed"] = [t for t in stream.data if key_split(t["key"]) == name]
    return result


def _con(root: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(national_warehouse(root)), read_only=True)


def _ranking(root: Path, table: str) -> dict[tuple[str, str, str], dict]:
    with _con(root) as con:
        cur = con.execute(f"FROM {table}")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return {(r["period_type"], r["period"], r["province"]): r for r in rows}


# --- night 1: every province publishes --------------------------------------------------------


def test_night_one_publishes_every_province_and_the_national_warehouse(nights):
    code, printed = nights["night1"]
    assert code == 0, printed
    report = nights["night1_report"]
    assert [p.province for p in report.provinces] == [
        "an-giang",
        "ben-tre",
        "tra-vinh",
        "vinh-long",
    ]
    assert {p.run_status for p in report.provinces} == {RUN_PUBLISHED}
    assert all(p.included and not p.stale for p in report.provinces)
    assert report.published and report.rollup_seconds is not None
    assert "National warehouse published" in printed


def test_each_province_ran_as_one_task_on_the_dask_worker_processes(nights):
    pids = nights["worker_pids"]
    assert len(pids) == WORKERS and os.getpid() not in pids.values()
    executed = nights["executed"]
    assert len(executed) == 4  # night 1: one task per province, none in this process
    assert {t["status"] for t in executed} == {"OK"}
    assert {t["worker"] for t in executed} <= set(pids)


# --- night 2: a failing province is reported, the others publish -------------------------------


def test_a_failing_province_is_reported_and_the_others_publish(nights):
    code, printed = nights["night2"]
    assert code == 3, printed
    report = nights["night2_report"]
    by_name = {p.province: p for p in report.provinces}
    assert set(by_name) == {"an-giang", "ben-tre", "ca-mau", "tra-vinh", "vinh-long"}

    ben_tre = by_name["ben-tre"]
    assert ben_tre.run_status == RUN_FAILED and ben_tre.exit_code == 4
    assert "units_successor_chain" in (ben_tre.reason or "")
    assert ben_tre.included and ben_tre.stale  # yesterday's exports, flagged
    assert "ben-tre: FAILED: " in printed and "units_successor_chain" in printed

    ca_mau = by_name["ca-mau"]
    assert ca_mau.run_status == RUN_FAILED and not ca_mau.included
    assert "none of the 1 export(s) could be read" in (ca_mau.reason or "")
    assert ca_mau.exports_status == "missing" and "ca-mau: FAILED: " in printed

    # A garbage published warehouse is rebuilt from the landing: vinh-long publishes.
    vinh_long = by_name["vinh-long"]
    assert vinh_long.run_status == RUN_PUBLISHED and vinh_long.included and not vinh_long.stale
    with duckdb.connect(str(DataPaths(nights["root"] / "vinh-long").warehouse), True) as con:
        assert con.execute("SELECT count(*) FROM fct_filings").fetchone()[0] > 0
    assert by_name["tra-vinh"].clean and by_name["an-giang"].clean

    assert report.published
    assert national_warehouse(nights["root"]).read_bytes() != nights["night1_warehouse"]


def test_the_national_dq_tables_say_which_province_is_stale_or_left_out(nights):
    with _con(nights["root"]) as con:
        rows = con.execute(
            "SELECT province, run_status, included, stale, exports_status FROM dq_provinces"
        ).fetchall()
        stale_as_of = con.execute("SELECT province FROM dim_as_of WHERE stale").fetchall()
        stale_groups = con.execute(
            "SELECT DISTINCT province FROM ind_provinces_current WHERE stale"
        ).fetchall()
    assert sorted(rows) == [
        ("an-giang", "published", True, False, "read"),
        ("ben-tre", "failed", True, True, "read"),
        ("ca-mau", "failed", False, False, "missing"),
        ("tra-vinh", "published", True, False, "read"),
        ("vinh-long", "published", True, False, "read"),
    ]
    assert stale_as_of == [("ben-tre",)]
    assert stale_groups == [("vinh-long",)]  # ben-tre is folded into it


# --- the national tables against the provinces' own ----------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_each_national_table_holds_exactly_each_provinces_own_rows(nights, table):
    root = nights["root"]
    with _con(root) as con:
        provinces = [p for (p,) in con.execute("SELECT province FROM dim_as_of").fetchall()]
        assert provinces == ["an-giang", "ben-tre", "tra-vinh", "vinh-long"]
        for province in provinces:
            national = con.execute(
                f"SELECT {PROVINCE_COLUMNS[table]} FROM {table} WHERE province = ? ORDER BY ALL",
                [province],
            ).fetchall()
            # ben-tre's own warehouse is yesterday's, as its exports: the national rows too.
            assert national == province_rows(root / province, table), (table, province)


def _then(province: str, start: date) -> str:
    return "vinh-long" if province in MERGED and start >= MERGER else province


def test_the_ranking_sums_the_provinces_counts_as_they_were(nights):
    root = nights["root"]
    ranking = _ranking(root, "ind_provinces")
    starts = {(k[0], k[1]): r["period_start"] for k, r in ranking.items()}
    expected: dict[tuple[str, str, str], list[dict[str, int]]] = {}
    for province in (*MERGED, SMALL):
        for period, counts in province_sums(root / province).items():
            key = (*period, _then(province, starts[period]))
            expected.setdefault(key, []).append(counts)
    assert set(ranking) == set(expected)
    for key, parts in expected.items():
        total = add_sums(parts)
        row = ranking[key]
        assert {name: row[name] for name in total} == total, key
        # Rates from the summed counts, never an average of the provinces' rates.
        late = total["resolved_late"] / total["resolved_total"] if total["resolved_total"] else None
        assert row["late_rate"] == pytest.approx(late), key
        online = (
            total["received_online"] / total["received_total"] if total["received_total"] else None
        )
        assert row["online_rate"] == pytest.approx(online), key
    # The quarters on both sides of the merger, and the year that straddles it.
    assert {k[2] for k in ranking if k[1] == "2020-Q2"} == {*MERGED, SMALL}
    assert {k[2] for k in ranking if k[1] == "2020-Q3"} == {"vinh-long"}
    assert ranking[("quarter", "2020-Q3", "vinh-long")]["data_roots"] == (
        "ben-tre, tra-vinh, vinh-long"
    )
    assert {k[2] for k in ranking if k[1] == "2020"} == {*MERGED, SMALL}


def test_the_merged_province_rolls_up_to_the_sum_of_its_parts(nights):
    root = nights["root"]
    current = _ranking(root, "ind_provinces_current")
    parts = {p: province_sums(root / p) for p in MERGED}
    periods = set().union(*(set(p) for p in parts.values()))
    assert {k[2] for k in current} == {"vinh-long", SMALL}
    for period in periods:
        total = add_sums(parts[p][period] for p in MERGED if period in parts[p])
        row = current[(*period, "vinh-long")]
        assert {name: row[name] for name in total} == total, period
        assert row["late_rate"] == pytest.approx(total["resolved_late"] / total["resolved_total"])
        assert row["data_roots"] == "ben-tre, tra-vinh, vinh-long"
    with _con(root) as con:
        assert con.execute(
            "SELECT DISTINCT province_current FROM rpt_bieu06 WHERE province IN ?", [list(MERGED)]
        ).fetchall() == [("vinh-long",)]


def test_a_period_is_compared_only_where_every_province_covers_it(nights):
    ranking = _ranking(nights["root"], "ind_provinces")
    compared = {k[1] for k, r in ranking.items() if r["compared"]}
    # an-giang's data end on 15 June: its June, second quarter and year are cut short.
    assert compared == {"2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-Q1"}
    for row in ranking.values():
        ranks = (row["late_rate_rank"], row["online_rate_rank"])
        if not row["compared"]:
            assert ranks == (None, None)
    q1 = sorted(
        (r["late_rate_rank"], r["late_rate"]) for k, r in ranking.items() if k[1] == "2020-Q1"
    )
    assert [rank for rank, _ in q1] == [1, 2, 3, 4]
    assert [rate for _, rate in q1] == sorted(rate for _, rate in q1)
    assert ranking[("year", "2020", SMALL)]["as_of"] == SMALL_AS_OF
    assert ranking[("year", "2020", "tra-vinh")]["as_of"] == date(2020, 11, 20)


def test_bad_crosswalk_rows_are_rejected_with_a_reason(nights):
    with _con(nights["root"]) as con:
        rejected = con.execute(
            "SELECT file, row_number, province_key, reason FROM dq_provinces_crosswalk"
        ).fetchall()
        names = dict(con.execute("SELECT province, province_name FROM dim_provinces").fetchall())
    reasons = {(f.rsplit("/", 1)[-1], n, k): r for f, n, k, r in rejected}
    assert reasons == {
        ("provinces.xlsx", 5, "an-giang"): "listed again: row 8 of reference/tinh_loi.csv is used",
        ("tinh_loi.csv", 2, "soc-trang"): (
            "'Từ ngày' '31/02/2025' is not a date: day is out of range for month"
        ),
        ("tinh_loi.csv", 3, None): "no province key (Mã tỉnh)",
        ("tinh_loi.csv", 4, "hau-giang"): "a date (Từ ngày) without a successor (Tỉnh kế thừa)",
        ("tinh_loi.csv", 5, "bac-lieu"): "the province is its own successor",
        ("tinh_loi.csv", 6, "x-tinh"): "successors loop: x-tinh → y-tinh → x-tinh",
        ("tinh_loi.csv", 7, "y-tinh"): "successors loop: y-tinh → x-tinh → y-tinh",
    }
    assert names["ben-tre"] == "Bến Tre" and names["vinh-long"] == "Vĩnh Long"


# --- the national warehouse is published whole or not at all -----------------------------------


def test_a_failed_national_audit_keeps_yesterdays_national_warehouse(nights, tmp_path):
    # A copy of the provinces' published exports, one of them changed after it was published.
    root = tmp_path / "provinces"
    for province in ("tra-vinh", "an-giang"):
        source = DataPaths(nights["root"] / province).exports
        shutil.copytree(source, DataPaths(root / province).exports)
    states = [ProvinceState(p, root / p, RUN_PUBLISHED) for p in ("an-giang", "tra-vinh")]
    build_national(root, states)
    before = national_warehouse(root).read_bytes()

    exported = DataPaths(root / "tra-vinh").exports / "rpt_bieu06.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * REPLACE (received_total + (row_number() OVER () = 1)::int "
            f"AS received_total) FROM '{exported}') TO '{exported}.new' (FORMAT parquet)"
        )
    os.replace(f"{exported}.new", exported)
    with pytest.raises(AuditError, match="rpt_bieu06_identity"):
        build_national(root, states)
    assert national_warehouse(root).read_bytes() == before
    assert not list(root.glob("national.duckdb.*"))


def test_cchc_national_without_a_province_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "reference").mkdir()
    assert main(["national", "--root", str(tmp_path)]) == 2
    assert "no province under" in capsys.readouterr().err
    assert not (tmp_path / "national.duckdb").exists()


# --- the national report ---------------------------------------------------------------------


def test_the_national_report_sets_the_provinces_side_by_side_in_vietnamese(nights):
    from python_calamine import CalamineWorkbook

    from flows.report.national import write_national_report

    root = nights["root"]
    result = write_national_report(root)
    # No year every province covers (an-giang's ends in June): the latest year, not ranked.
    assert result.period == "2020" and result.period_label == "Năm 2020"
    assert not result.compared
    assert any("không được so sánh" in note for note in result.notes)
    assert any(note.startswith("Bến Tre: ") and "số liệu đã công bố lần trước" in note
               for note in result.notes)  # fmt: skip
    charts = {p.name for p in result.charts}
    for rate in ("late_rate", "online_share", "igate_uptake"):
        # Today's provinces differ from the year's: both are drawn.
        assert {f"{rate}_then.png", f"{rate}_current.png", f"{rate}_then.svg"} <= charts
    assert all(p.stat().st_size > 0 for p in result.files)

    book = CalamineWorkbook.from_path(str(result.workbook))
    assert book.sheet_names == [
        "So sánh các tỉnh",
        "Tỉnh hiện nay",
        "Biểu 06 theo tỉnh",
        "Chất lượng số liệu",
    ]
    sheet = book.get_sheet_by_name("So sánh các tỉnh").to_python()
    header = sheet[4]
    assert header[:2] == ["Tên tỉnh", "Số liệu gộp từ"] and "Tỷ lệ giải quyết quá hạn" in header
    body = {row[0]: dict(zip(header, row, strict=True)) for row in sheet[5:] if row[0]}
    ranking = _ranking(root, "ind_provinces")
    expected = {r["province_name"]: r for k, r in ranking.items() if k[1] == "2020"}
    assert set(body) == {*expected, "Tổng các tỉnh"}
    for name, row in expected.items():
        assert body[name]["Tiếp nhận trong kỳ"] == row["received_total"]
        assert body[name]["Tỷ lệ giải quyết quá hạn"] == pytest.approx(row["late_rate"])
        assert body[name]["Số liệu cũ"] == ("Có" if row["stale"] else "Không")
    total = body["Tổng các tỉnh"]
    late = sum(r["resolved_late"] for r in expected.values())
    resolved = sum(r["resolved_total"] for r in expected.values())
    assert total["Tỷ lệ giải quyết quá hạn"] == pytest.approx(late / resolved)
    quality = book.get_sheet_by_name("Chất lượng số liệu").to_python()
    statuses = {row[0]: row[1] for row in quality if row and row[0] in ("Bến Tre", "ca-mau")}
    assert statuses == {"Bến Tre": "Không công bố được", "ca-mau": "Không công bố được"}


def test_cchc_report_national_for_a_period_every_province_covers(nights, capsys):
    assert main(["report", "--national", "--root", str(nights["root"]), "--period", "2020-Q1"]) == 0
    printed = capsys.readouterr().out
    assert "national report for Quý I năm 2020 written to" in printed
    assert "so_sanh_cac_tinh_2020-Q1.xlsx" in printed
    with pytest.raises(SystemExit) as usage:
        main(["report", "--national"])
    assert usage.value.code == 2
