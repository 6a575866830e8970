"""The national report: the provinces side by side, as charts and a workbook, in Vietnamese.

`write_national_report(root, period)` reads `<root>/national.duckdb` (read-only; built by
`cchc national`, flows/national/) and writes under `<root>/processed/report/<period>/`:

- `charts/<name>.png` (300 dpi) and `.svg`: the late rate, the online share and the iGate
  uptake by province as it was in the period, and by today's province when the crosswalk
  folds provinces together in that period;
- `so_sanh_cac_tinh_<period>.xlsx`: the ranking by province as it was and by today's
  province (a total row whose rates come from the summed counts), Biểu 06 per province, and
  the data-quality sheet (each province's run, stale data, rejected crosswalk rows).

Charts reuse the province report's look (flows/report/charts.py) and number formats; column
titles are the labels of flows/national/sql/marts/schema.toml. A period that not every
province covers is drawn and tabled all the same, said so, and never ranked.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import matplotlib
import pandas as pd
import xlsxwriter

from flows.national.warehouse import NATIONAL_SQL_DIR, national_warehouse
from flows.paths import DataPaths
from flows.report.charts import _RC, COLORS, Chart, _axes, _figure, _height, _rows, save
from flows.report.data import Period
from flows.report.numbers import fmt_date, fmt_int, fmt_pct, percent_axis, ratio
from flows.warehouse.schema import load_schema

__all__ = ["NationalReportResult", "national_report_dir", "write_national_report"]

SOURCE = "số liệu đã công bố của các tỉnh (bảng tổng hợp toàn quốc)"
STALE_MARK = " (số liệu cũ)"
TOTAL_LABEL = "Tổng các tỉnh"
FONT = "Times New Roman"
# (rate, its numerator, its denominator, chart key, caption, axis label)
RATES = (
    (
        "late_rate",
        "resolved_late",
        "resolved_total",
        "late_rate",
        "Tỷ lệ hồ sơ giải quyết quá hạn theo tỉnh",
        "Hồ sơ giải quyết quá hạn / hồ sơ đã giải quyết (số quá hạn/số đã giải quyết)",
    ),
    (
        "online_rate",
        "received_online",
        "received_total",
        "online_share",
        "Tỷ lệ hồ sơ tiếp nhận trực tuyến theo tỉnh",
        "Hồ sơ tiếp nhận trực tuyến / hồ sơ tiếp nhận (số trực tuyến/số tiếp nhận)",
    ),
    (
        "uptake_rate",
        "units_with_files",
        "units_valid",
        "igate_uptake",
        "Tỷ lệ đơn vị có hồ sơ trên iGate theo tỉnh",
        "Đơn vị có hồ sơ / đơn vị trong danh mục (số có hồ sơ/số đơn vị)",
    ),
)
RANKING_COLUMNS = (
    "province_name",
    "data_roots",
    "as_of",
    "stale",
    "received_total",
    "received_online",
    "online_rate",
    "resolved_total",
    "resolved_late",
    "late_rate",
    "pending_total",
    "pending_overdue",
    "overdue_or_late_rate",
    "units_valid",
    "units_with_files",
    "uptake_rate",
    "late_rate_rank",
    "online_rate_rank",
    "uptake_rate_rank",
)
SUMMED = (
    "received_total",
    "received_online",
    "resolved_total",
    "resolved_late",
    "pending_total",
    "pending_overdue",
    "units_valid",
    "units_with_files",
)
# rate -> (numerator, denominator); the total row's rates come from its summed counts
TOTAL_RATES = {
    "online_rate": (("received_online",), ("received_total",)),
    "late_rate": (("resolved_late",), ("resolved_total",)),
    "overdue_or_late_rate": (
        ("resolved_late", "pending_overdue"),
        ("resolved_total", "pending_total"),
    ),
    "uptake_rate": (("units_with_files",), ("units_valid",)),
}
BIEU06_COLUMNS = (
    "received_total",
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
    "other_ended",
)


# The national tables store codes and reasons in English, as the province warehouse does; the
# workbook says them in Vietnamese.
RUN_STATUS_VI = {
    "published": "Đã công bố",
    "exports_stale": "Đã công bố, nhưng chưa cập nhật được số liệu xuất",
    "failed": "Không công bố được",
}
EXPORTS_STATUS_VI = {
    "read": "Đã đọc",
    "missing": "Chưa có số liệu đã công bố",
    "unreadable": "Không đọc được",
    "busy": "Tỉnh đang chạy, chờ quá thời hạn",
}
CROSSWALK_REASONS_VI = (
    (re.compile(r"^no province key \(Mã tỉnh\)$"), "thiếu mã tỉnh (cột Mã tỉnh)"),
    (
        re.compile(r"^a date \(Từ ngày\) without a successor \(Tỉnh kế thừa\)$"),
        "có Từ ngày nhưng không có Tỉnh kế thừa",
    ),
    (
        re.compile(r"^a successor \(Tỉnh kế thừa\) without a date \(Từ ngày\)$"),
        "có Tỉnh kế thừa nhưng không có Từ ngày",
    ),
    (re.compile(r"^the province is its own successor$"), "tỉnh kế thừa chính nó"),
    (
        re.compile(r"^listed again: row (?P<row>\d+) of (?P<file>.+) is used$"),
        "mã tỉnh ghi lại lần nữa: dùng dòng {row} của {file}",
    ),
    (re.compile(r"^successors loop: (?P<chain>.+)$"), "kế thừa vòng quanh: {chain}"),
    (
        re.compile(r"^'Từ ngày' (?P<value>.+) is not a date: (?P<why>.+)$"),
        "Từ ngày {value} không phải là ngày ({why})",
    ),
)


def crosswalk_reason_vi(reason: str) -> str:
    """A dq_provinces_crosswalk reason in Vietnamese; one not foreseen stays as it is."""
    for pattern, text in CROSSWALK_REASONS_VI:
        match = pattern.match(reason)
        if match:
            return text.format(**match.groupdict())
    return reason


@dataclass
class NationalReportResult:
    period: str
    period_label: str  # `Năm 2020`
    directory: Path
    workbook: Path
    charts: list[Path] = field(default_factory=list)
    compared: bool = True  # every province covers the period
    notes: list[str] = field(default_factory=list)  # what the report says about its data

    @property
    def files(self) -> list[Path]:
        return [self.workbook, *self.charts]


@dataclass
class NationalData:
    period: Period
    compared: bool
    then: pd.DataFrame  # ind_provinces rows of the period
    current: pd.DataFrame  # ind_provinces_current rows of the period
    bieu06: pd.DataFrame  # rpt_bieu06 summed per province as it was
    provinces: pd.DataFrame  # dq_provinces
    crosswalk: pd.DataFrame  # dq_provinces_crosswalk
    notes: list[str]


def national_report_dir(root: Path, period: str) -> Path:
    return DataPaths(Path(root)).processed / "report" / period


def _periods(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT period_type, period, min(period_start) AS period_start, "
        "max(period_end) AS period_end, bool_and(compared) AS compared "
        "FROM ind_provinces GROUP BY ALL ORDER BY period_start, period_type"
    ).df()


def choose_period(periods: pd.DataFrame, wanted: str | None) -> pd.Series:
    """The period asked for, else the latest year every province covers, else the latest year."""
    if wanted is not None:
        found = periods[periods["period"] == wanted]
        if found.empty:
            listed = ", ".join(periods["period"])
            raise ValueError(
                f"không có kỳ {wanted} trong số liệu toàn quốc; các kỳ có: {listed or '(không có)'}"
            )
        return found.iloc[0]
    years = periods[periods["period_type"] == "year"]
    if years.empty:
        years = periods
    if years.empty:
        raise ValueError("số liệu toàn quốc chưa có kỳ báo cáo nào")
    compared = years[years["compared"]]
    return (compared if not compared.empty else years).iloc[-1]


def _day(value: Any) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def load_national_data(root: Path, period: str | None = None) -> NationalData:
    """The numbers of the report; raises FileNotFoundError without a national warehouse and
    ValueError for a period it does not have."""
    path = national_warehouse(root)
    if not path.is_file():
        raise FileNotFoundError(
            f"chưa có kho số liệu toàn quốc {path}: hãy chạy `cchc national --root {root}` trước"
        )
    with duckdb.connect(str(path), read_only=True) as con:
        chosen = choose_period(_periods(con), period)
        key = [chosen["period_type"], chosen["period"]]
        where = "WHERE period_type = ? AND period = ?"

        def ranking(table: str) -> pd.DataFrame:
            frame = con.execute(f"FROM {table} {where} ORDER BY province", key).df()
            return frame.sort_values(
                ["late_rate", "province_name"], na_position="last"
            ).reset_index(drop=True)

        then = ranking("ind_provinces")
        current = ranking("ind_provinces_current")
        columns = ", ".join(f"sum({c}) AS {c}" for c in BIEU06_COLUMNS)
        bieu06 = con.execute(
            f"SELECT r.province_then AS province, n.province_name, {columns} "
            f"FROM rpt_bieu06 AS r LEFT JOIN dim_provinces AS n ON n.province = r.province_then "
            f"{where.replace('period', 'r.period')} GROUP BY ALL ORDER BY n.province_name",
            key,
        ).df()
        provinces = con.execute("FROM dq_provinces ORDER BY province").df()
        crosswalk = con.execute("FROM dq_provinces_crosswalk").df()
    provinces["run_status"] = provinces["run_status"].map(lambda s: RUN_STATUS_VI.get(s, s))
    provinces["exports_status"] = provinces["exports_status"].map(
        lambda s: EXPORTS_STATUS_VI.get(s, s)
    )
    crosswalk["reason"] = crosswalk["reason"].map(crosswalk_reason_vi)
    label = Period(
        chosen["period_type"],
        chosen["period"],
        _day(chosen["period_start"]),
        _day(chosen["period_end"]),
    )
    compared = bool(chosen["compared"])
    notes = _notes(label, compared, then, provinces, crosswalk)
    return NationalData(label, compared, then, current, bieu06, provinces, crosswalk, notes)


def _notes(
    period: Period,
    compared: bool,
    then: pd.DataFrame,
    provinces: pd.DataFrame,
    crosswalk: pd.DataFrame,
) -> list[str]:
    notes = []
    if not compared:
        ends = ", ".join(
            f"{row.province_name}: {fmt_date(_day(row.as_of))}" for row in then.itertuples()
        )
        notes.append(
            f"{period.label} không được so sánh và xếp hạng giữa các tỉnh: không phải tỉnh nào "
            f"cũng có số liệu trọn kỳ, hoặc số liệu của các tỉnh đến những ngày khác nhau "
            f"(số liệu đến ngày: {ends})."
        )
    for row in provinces.itertuples():
        if row.stale:
            notes.append(
                f"{row.province_name}: lần chạy hôm nay không công bố được số liệu "
                f"({row.run_reason}); dùng số liệu đã công bố lần trước, xuất lúc "
                f"{pd.Timestamp(row.exports_written_at):%d/%m/%Y %H:%M}."
            )
        elif not row.included:
            notes.append(
                f"{row.province_name}: không có trong số liệu tổng hợp ({row.exports_reason})."
            )
    if len(crosswalk):
        notes.append(
            f"{len(crosswalk)} dòng của danh mục sáp nhập tỉnh không được dùng "
            "(xem trang Chất lượng số liệu)."
        )
    return notes


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def _footnote(data: NationalData, extra: str = "") -> str:
    as_of = ", ".join(
        sorted({fmt_date(_day(v)) for v in data.then["as_of"] if _day(v) is not None})
    )
    lines = [f"Kỳ báo cáo: {data.period.label} ({data.period.span}).{extra}"]
    lines.append(f"Nguồn: {SOURCE}; số liệu đến ngày {as_of or '–'}.")
    return "\n".join(lines)


def _label(row: Any) -> str:
    return str(row.province_name) + (STALE_MARK if row.stale else "")


def rate_chart(
    frame: pd.DataFrame, data: NationalData, rate: tuple[str, ...], key: str, scope: str
) -> Chart | None:
    """One rate by province, the worst on top: the highest late rate, the lowest share."""
    column, part, whole, _stem, caption, xlabel = rate
    rows = frame[frame[whole] > 0]
    if rows.empty:
        return None
    ascending = column != "late_rate"
    rows = rows.sort_values([column, "province_name"], ascending=[ascending, True])
    overall = ratio(int(rows[part].sum()), int(rows[whole].sum()))
    title = f"{caption} ({scope})"
    extra = "" if data.compared else " Kỳ này không so sánh được giữa các tỉnh."
    with matplotlib.rc_context(_RC):
        fig = _figure(_height(len(rows)), title, _footnote(data, extra))
        ax = _axes(fig)
        y = _rows(ax, [_label(r) for r in rows.itertuples()])
        values = [v if v is not None and not pd.isna(v) else 0.0 for v in rows[column]]
        colors = [COLORS["missing"] if r.stale else COLORS["bar"] for r in rows.itertuples()]
        bars = ax.barh(y, values, color=colors, edgecolor="#999999", linewidth=0.3)
        texts = [
            f"{fmt_pct(v)} ({fmt_int(p)}/{fmt_int(w)})"
            for v, p, w in zip(rows[column], rows[part], rows[whole], strict=True)
        ]
        ax.bar_label(bars, labels=texts, padding=3, fontsize=7)
        if overall is not None:
            ax.axvline(overall, color="#333333", linestyle="--", linewidth=0.8)
            ax.text(
                overall,
                1.0,
                f" chung các tỉnh: {fmt_pct(overall)}",
                transform=ax.get_xaxis_transform(),
                fontsize=7,
                va="bottom",
            )
        ax.set_xlim(0, min(1.0, max(max(values), overall or 0) * 1.45) or 1)
        ax.xaxis.set_major_formatter(percent_axis())
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Tỉnh")
    return Chart(key, title, fig)


def build_charts(data: NationalData) -> list[Chart]:
    scopes = [("then", data.then, "theo địa giới của kỳ báo cáo")]
    # Today's provinces only when the crosswalk folds provinces together in this period.
    if len(data.current) != len(data.then):
        scopes.append(("current", data.current, "theo địa giới hiện nay"))
    charts = []
    for suffix, frame, scope in scopes:
        for rate in RATES:
            chart = rate_chart(frame, data, rate, f"{rate[3]}_{suffix}", scope)
            if chart is not None:
                charts.append(chart)
    return charts


# --------------------------------------------------------------------------------------------
# Workbook
# --------------------------------------------------------------------------------------------


def _labels() -> dict[str, dict[str, str]]:
    schema = load_schema(NATIONAL_SQL_DIR)
    if schema is None:
        return {}
    return {t.name: {c.name: c.label for c in t.columns.values()} for t in schema.tables.values()}


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        base = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}

        def fmt(**kw: Any) -> Any:
            return book.add_format({**base, **kw})

        self.title = fmt(bold=True, font_size=13)
        self.note = fmt(italic=True, font_size=10)
        self.header = fmt(bold=True, align="center", text_wrap=True, border=1, bg_color="#F2F2F2")
        self.text = fmt(border=1, text_wrap=True)
        self.int = fmt(border=1, num_format="#,##0")
        self.pct = fmt(border=1, num_format="0.0%")
        self.date = fmt(border=1, num_format="dd/mm/yyyy", align="center")
        self.stamp = fmt(border=1, num_format="dd/mm/yyyy hh:mm", align="center")
        self.total_text = fmt(border=1, bold=True, bg_color="#F7F7F7")
        self.total_int = fmt(border=1, bold=True, num_format="#,##0", bg_color="#F7F7F7")
        self.total_pct = fmt(border=1, bold=True, num_format="0.0%", bg_color="#F7F7F7")


def _cell(ws: Any, row: int, col: int, value: Any, column: str, f: _Formats) -> None:
    if value is None or (not isinstance(value, str | bool) and pd.isna(value)):
        ws.write_blank(row, col, None, f.text)
    elif isinstance(value, bool):
        ws.write_string(row, col, "Có" if value else "Không", f.text)
    elif column.endswith("_rate"):
        ws.write_number(row, col, float(value), f.pct)
    elif isinstance(value, pd.Timestamp | date):
        fmt = f.stamp if column.endswith("_at") else f.date
        ws.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), fmt)
    elif isinstance(value, int | float) or hasattr(value, "dtype"):
        ws.write_number(row, col, float(value), f.int)
    else:
        ws.write_string(row, col, str(value), f.text)


def _table(
    ws: Any,
    top: int,
    frame: pd.DataFrame,
    columns: tuple[str, ...] | list[str],
    labels: dict[str, str],
    f: _Formats,
) -> int:
    """The frame's columns under a header of their Vietnamese labels; returns the next row."""
    for c, column in enumerate(columns):
        ws.write_string(top, c, labels.get(column, column), f.header)
    for r, record in enumerate(frame[list(columns)].itertuples(index=False), start=top + 1):
        for c, column in enumerate(columns):
            value = record[c]
            _cell(ws, r, c, value.item() if hasattr(value, "item") else value, column, f)
    return top + 1 + len(frame)


def _total_row(
    ws: Any, row: int, frame: pd.DataFrame, columns: tuple[str, ...], f: _Formats
) -> None:
    sums = {c: int(frame[c].sum()) for c in SUMMED}
    for c, column in enumerate(columns):
        if c == 0:
            ws.write_string(row, c, TOTAL_LABEL, f.total_text)
        elif column in sums:
            ws.write_number(row, c, sums[column], f.total_int)
        elif column in TOTAL_RATES:
            part, whole = TOTAL_RATES[column]
            value = ratio(sum(sums[p] for p in part), sum(sums[w] for w in whole))
            if value is None:
                ws.write_blank(row, c, None, f.total_text)
            else:
                ws.write_number(row, c, value, f.total_pct)
        else:
            ws.write_blank(row, c, None, f.total_text)


def _ranking_sheet(
    book: xlsxwriter.Workbook,
    f: _Formats,
    name: str,
    title: str,
    frame: pd.DataFrame,
    data: NationalData,
    labels: dict[str, str],
) -> None:
    ws = book.add_worksheet(name)
    ws.write_string(0, 0, title, f.title)
    ws.write_string(1, 0, f"Kỳ báo cáo: {data.period.label} ({data.period.span})", f.note)
    ranked = (
        "Xếp hạng: 1 là tốt nhất (tỷ lệ quá hạn thấp nhất; tỷ lệ trực tuyến, tỷ lệ đơn vị có "
        "hồ sơ cao nhất); tỷ lệ tính từ tổng số hồ sơ, không lấy trung bình tỷ lệ các tỉnh."
    )
    ws.write_string(2, 0, ranked if data.compared else data.notes[0], f.note)
    end = _table(ws, 4, frame, RANKING_COLUMNS, labels, f)
    _total_row(ws, end, frame, RANKING_COLUMNS, f)
    ws.set_row(4, 48)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 26)
    ws.set_column(2, len(RANKING_COLUMNS) - 1, 13)
    ws.freeze_panes(5, 1)


def write_workbook(data: NationalData, target: Path) -> Path:
    labels = _labels()
    book = xlsxwriter.Workbook(str(target))
    created = pd.Timestamp(data.period.end).to_pydatetime()
    book.set_properties({"title": f"So sánh các tỉnh — {data.period.label}", "created": created})
    f = _Formats(book)
    _ranking_sheet(
        book,
        f,
        "So sánh các tỉnh",
        "So sánh các tỉnh theo địa giới của kỳ báo cáo",
        data.then,
        data,
        labels.get("ind_provinces", {}),
    )
    _ranking_sheet(
        book,
        f,
        "Tỉnh hiện nay",
        "So sánh các tỉnh theo địa giới hiện nay (đã gộp các tỉnh sáp nhập)",
        data.current,
        data,
        labels.get("ind_provinces_current", {}),
    )
    ws = book.add_worksheet("Biểu 06 theo tỉnh")
    ws.write_string(0, 0, "Biểu số 06/VPCP/KSTT, cộng theo tỉnh (địa giới của kỳ)", f.title)
    ws.write_string(1, 0, f"Kỳ báo cáo: {data.period.label} ({data.period.span})", f.note)
    bieu06_labels = {"province_name": "Tên tỉnh", **labels.get("rpt_bieu06", {})}
    _table(ws, 3, data.bieu06, ["province_name", *BIEU06_COLUMNS], bieu06_labels, f)
    ws.set_row(3, 48)
    ws.set_column(0, 0, 22)
    ws.set_column(1, len(BIEU06_COLUMNS), 13)
    ws = book.add_worksheet("Chất lượng số liệu")
    ws.write_string(0, 0, "Kết quả chạy của từng tỉnh", f.title)
    for i, note in enumerate(data.notes, start=1):
        ws.write_string(i, 0, note, f.note)
    top = len(data.notes) + 2
    dq_columns = [c for c in data.provinces.columns if c != "province"]
    end = _table(ws, top, data.provinces, dq_columns, labels.get("dq_provinces", {}), f)
    if len(data.crosswalk):
        ws.write_string(end + 1, 0, "Các dòng của danh mục sáp nhập tỉnh không được dùng", f.title)
        columns = list(data.crosswalk.columns)
        _table(ws, end + 2, data.crosswalk, columns, labels.get("dq_provinces_crosswalk", {}), f)
    ws.set_column(0, len(dq_columns), 18)
    book.close()
    return target


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def write_national_report(root: Path, period: str | None = None) -> NationalReportResult:
    """Write the national report of `period` (default: the latest year every province covers,
    else the latest year); the folder is written aside and swapped in whole."""
    root = Path(root)
    data = load_national_data(root, period)
    key = data.period.period
    target = national_report_dir(root, key)
    staging = target.with_name(f".{key}.{os.getpid()}.tmp")
    if staging.exists():
        shutil.rmtree(staging)
    (staging / "charts").mkdir(parents=True)
    try:
        charts: list[Path] = []
        for chart in build_charts(data):
            charts += save(chart, staging / "charts")
        workbook = write_workbook(data, staging / f"so_sanh_cac_tinh_{key}.xlsx")
        old = target.with_name(f".{target.name}.{os.getpid()}.old")
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return NationalReportResult(
        period=key,
        period_label=data.period.label,
        directory=target,
        workbook=target / workbook.name,
        charts=[target / "charts" / p.name for p in charts],
        compared=data.compared,
        notes=data.notes,
    )
