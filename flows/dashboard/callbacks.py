"""What happens when the analyst changes a filter, clicks a count or asks for a file.

Every callback takes a fresh cursor on the published warehouse (queries.Warehouse), so a page
opened before a nightly build shows the new build at its next change. Each section of the page
has its own callback: they run side by side and a table the warehouse lacks empties only its
own section, with the reason in Vietnamese.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import duckdb
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from flows.dashboard import layout as ui
from flows.dashboard import queries as q
from flows.dashboard.export import file_stem, to_csv, to_xlsx
from flows.report.data import Period
from flows.report.numbers import fmt_date, fmt_int

EMPTY_FIGURE: dict[str, Any] = {"data": [], "layout": {"height": 40}}
FILTERS = (
    Input("period", "value"),
    Input("level", "value"),
    Input("units", "value"),
    Input("sectors", "value"),
)

# The counts of each table that open their cases.
LATE_DRILL = q.LATE_COUNTS


def _problem(exc: Exception) -> html.Div:
    if isinstance(exc, q.NoWarehouse):
        return ui.message(
            "Chưa có kho dữ liệu: hãy chạy `cchc run` rồi tải lại trang.", "no-warehouse"
        )
    if isinstance(exc, q.MissingTable):
        return ui.message(str(exc))
    return ui.message(f"Không đọc được dữ liệu từ kho: {exc}")


def _safe(*empty: Any) -> Callable:
    """On a failure, the first output says why and the others (`empty`) are cleared."""

    def wrap(render: Callable) -> Callable:
        @functools.wraps(render)
        def run(*args: Any) -> Any:
            try:
                return render(*args)
            except (q.NoWarehouse, q.MissingTable, duckdb.Error, ValueError) as exc:
                return (_problem(exc), *empty) if empty else _problem(exc)

        return run

    return wrap


@dataclass(frozen=True)
class View:
    """The selection resolved against the warehouse, and what the page needs to name it."""

    sel: q.Selection
    units: list[q.UnitOption]
    as_of: Any

    def unit_name(self, key: str | None) -> str | None:
        if key is None:
            return None
        for unit in self.units:
            if unit.key == key:
                return unit.name
        return key.split(":", 1)[-1]


def resolve(
    cur: duckdb.DuckDBPyConnection,
    period: str | None,
    levels: list[str] | None,
    units: list[str] | None,
    sectors: list[str] | None,
) -> View:
    periods = q.periods(cur)
    if not periods:
        raise q.MissingTable("Kho dữ liệu chưa có hồ sơ nào: hãy kiểm tra thư mục raw/igate.")
    chosen: Period = next((p for p in periods if p.period == period), periods[-1])
    options = q.units(cur)
    keys = q.select_units(options, levels, units)
    sel = q.Selection(chosen, keys, tuple(sectors) if sectors else None)
    return View(sel, options, q.as_of(cur))


def parse_drill(search: str | None) -> q.Drill | None:
    query = parse_qs((search or "").lstrip("?"), keep_blank_values=True)
    column = (query.get(ui.Q_COLUMN) or [None])[0]
    if column not in q.DRILL_RULES:
        return None
    unit = (query.get(ui.Q_UNIT) or [None])[0]
    sector = (query.get(ui.Q_SECTOR) or [None])[0]
    return q.Drill(column, unit or None, sector)


def parse_trend(search: str | None) -> str | None:
    query = parse_qs((search or "").lstrip("?"))
    return (query.get(ui.Q_TREND) or [None])[0]


def drill_title(view: View, drill: q.Drill) -> str:
    parts = [q.label("rpt_bieu06", drill.column), view.sel.period.label]
    chosen = view.sel.unit_keys
    if drill.unit is not None:
        parts.append(view.unit_name(drill.unit) or "")
    elif chosen is not None and len(chosen) <= 3:
        parts += [view.unit_name(k) or k for k in chosen]
    elif chosen is not None:
        parts.append(f"{len(chosen)} đơn vị đã chọn")
    if drill.sector is not None:
        parts.append(f"lĩnh vực {drill.sector}")
    return " — ".join(parts)


def context_lines(view: View, extra: list[str] | None = None) -> list[str]:
    """What a downloaded file comes from, for its «Thông tin» sheet."""
    sel = view.sel
    lines = [f"Kỳ báo cáo: {sel.period.label} ({sel.period.span})"]
    if view.as_of:
        lines.append(f"Số liệu đến ngày {fmt_date(view.as_of)}")
    if sel.unit_keys is None:
        lines.append("Đơn vị: tất cả")
    else:
        names = [view.unit_name(k) or k for k in sel.unit_keys]
        lines.append(f"Đơn vị ({len(names)}): " + "; ".join(names))
    if sel.sectors is None:
        lines.append("Lĩnh vực: tất cả")
    else:
        lines.append("Lĩnh vực: " + "; ".join(sel.sectors))
    lines += extra or []
    lines.append(f"Tạo lúc {datetime.now():%d/%m/%Y %H:%M}")
    return lines


def late_chart(table: q.Table) -> dict[str, Any]:
    rows = [r for r in table.rows if r["resolved_total"] or r["pending_total"]]
    rows.sort(key=lambda r: r["overdue_or_late_rate"] or 0)
    names = [r["sector"] or q.NO_SECTOR for r in rows]
    layout = ui.figure_layout("Tỷ lệ trễ hạn theo lĩnh vực")
    layout.update(
        {
            "xaxis": {"tickformat": ".0%", "gridcolor": "#e5e7eb"},
            "yaxis": {"automargin": True},
            "barmode": "group",
            "height": max(300, 60 + 36 * len(rows)),
        }
    )
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "Tỷ lệ trễ hạn",
                "y": names,
                "x": [r["late_rate"] for r in rows],
                "hovertemplate": "%{y}: %{x:.1%}<extra>Tỷ lệ trễ hạn</extra>",
                "marker": {"color": "#c0504d"},
            },
            {
                "type": "bar",
                "orientation": "h",
                "name": "Tỷ lệ trễ hạn và quá hạn",
                "y": names,
                "x": [r["overdue_or_late_rate"] for r in rows],
                "hovertemplate": "%{y}: %{x:.1%}<extra>Trễ hạn và quá hạn</extra>",
                "marker": {"color": "#f0a35e"},
            },
        ],
        "layout": layout,
    }


def trend_chart(table: q.Table, title: str) -> dict[str, Any]:
    months = [f"{r['period_start']:%m/%Y}" for r in table.rows]
    layout = ui.figure_layout(title)
    layout.update(
        {
            "yaxis": {"title": {"text": "Số hồ sơ"}, "tickformat": ",d", "gridcolor": "#e5e7eb"},
            "yaxis2": {
                "title": {"text": "Tỷ lệ"},
                "tickformat": ".0%",
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
            },
            "xaxis": {"type": "category"},
            # room for the rate axis on the right
            "margin": {"l": 60, "r": 80, "t": 50, "b": 40},
        }
    )
    return {
        "data": [
            {
                "type": "bar",
                "name": "Tiếp nhận",
                "x": months,
                "y": [r["received_total"] for r in table.rows],
                "marker": {"color": "#4f81bd"},
                "hovertemplate": "%{x}: %{y:,d}<extra>Tiếp nhận</extra>",
            },
            {
                "type": "bar",
                "name": "Đã giải quyết",
                "x": months,
                "y": [r["resolved_total"] for r in table.rows],
                "marker": {"color": "#9bbb59"},
                "hovertemplate": "%{x}: %{y:,d}<extra>Đã giải quyết</extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Tỷ lệ trễ hạn và quá hạn",
                "x": months,
                "y": [r["overdue_or_late_rate"] for r in table.rows],
                "yaxis": "y2",
                "line": {"color": "#c0504d"},
                "hovertemplate": "%{x}: %{y:.1%}<extra>Trễ hạn và quá hạn</extra>",
            },
        ],
        "layout": layout,
    }


def build_table(
    cur: duckdb.DuckDBPyConnection,
    name: str,
    view: View,
    grouping: str,
    drill: q.Drill | None,
    trend_unit: str | None,
) -> q.Table:
    """The whole table behind a download button (every row, not only those shown)."""
    sel = view.sel
    if name == "bieu06":
        return q.bieu06(cur, sel, grouping)
    if name == "late-sector":
        return q.late(cur, sel, "sector")
    if name == "late-unit":
        return q.late(cur, sel, "unit")
    if name == "uptake-missing":
        return q.uptake(cur, sel, idle_only=True)
    if name == "uptake":
        return q.uptake(cur, sel)
    if name == "channels":
        return q.channels(cur, sel)
    if name == "documents":
        return q.documents(cur, sel)
    if name == "required-share":
        return q.required_share(cur, sel)
    if name == "required-missing":
        return q.required_missing(cur, sel)
    if name == "cases":
        if drill is None:
            raise ValueError("chưa chọn số liệu để xem hồ sơ")
        return q.cases(cur, sel, drill)
    if name == "trend":
        return _trend(cur, view, trend_unit)
    if name == "dq-files":
        return q.dq_files(cur)
    if name == "dq-rejects":
        return q.dq_rejects(cur)
    if name == "dq-unmatched":
        return q.dq_unmatched(cur)
    raise ValueError(f"không có bảng {name}")


def _trend(cur: duckdb.DuckDBPyConnection, view: View, unit: str | None) -> q.Table:
    # A unit opened from a table is shown whatever the unit filter says.
    sel = view.sel if unit is None else q.Selection(view.sel.period, None, view.sel.sectors)
    table = q.trend(cur, sel, unit)
    table.title = "Diễn biến theo tháng — " + (
        (view.unit_name(unit) or "") if unit else "toàn bộ đơn vị đang chọn"
    )
    return table


def register(app: Dash, warehouse: q.Warehouse) -> None:
    """Attach every callback of the page to `app`."""

    @app.callback(
        Output("period", "options"),
        Output("period", "value"),
        Input("period-type", "value"),
        State("period", "value"),
        prevent_initial_call=True,
    )
    def choose_period_type(period_type: str, current: str | None) -> tuple[Any, Any]:
        try:
            with warehouse.cursor() as cur:
                periods = q.periods(cur)
        except (q.NoWarehouse, q.MissingTable, duckdb.Error):
            return no_update, no_update
        options = ui.period_options(periods, period_type)
        chosen = [p for p in periods if p.period_type == period_type]
        if not chosen:
            return options, None
        old = next((p for p in periods if p.period == current), None)
        # The period of the new type holding the end of the old one, else the latest.
        same = [p for p in chosen if old is not None and p.start <= old.end <= p.end]
        return options, (same or chosen)[-1].period

    @app.callback(
        Output("units", "options"),
        Output("units", "value"),
        Input("level", "value"),
        State("units", "value"),
        prevent_initial_call=True,
    )
    def choose_levels(levels: list[str] | None, chosen: list[str] | None) -> tuple[Any, Any]:
        try:
            with warehouse.cursor() as cur:
                options = ui.unit_options(q.units(cur), levels)
        except (q.NoWarehouse, q.MissingTable, duckdb.Error):
            return no_update, no_update
        allowed = {o["value"] for o in options}
        return options, [u for u in chosen or [] if u in allowed]

    @app.callback(Output("period-label", "children"), Output("headline", "children"), *FILTERS)
    @_safe(None)
    def show_headline(*filters: Any) -> tuple[Any, Any]:
        with warehouse.cursor() as cur:
            view = resolve(cur, *filters)
            figures = q.headline(cur, view.sel)
        return ui.period_text(view.sel.period, view.as_of), ui.cards(figures)

    @app.callback(Output("bieu06-table", "children"), *FILTERS, Input("bieu06-group", "value"))
    @_safe()
    def show_bieu06(period: str, levels: Any, units: Any, sectors: Any, grouping: str) -> Any:
        with warehouse.cursor() as cur:
            view = resolve(cur, period, levels, units, sectors)
            table = q.bieu06(cur, view.sel, grouping)
        return ui.data_table(table, "b06", drill=q.BIEU06_COLUMNS, unit_links=grouping != "sector")

    @app.callback(
        Output("late-sector-table", "children"),
        Output("late-unit-table", "children"),
        Output("late-chart", "figure"),
        *FILTERS,
    )
    @_safe(None, EMPTY_FIGURE)
    def show_late(*filters: Any) -> tuple[Any, Any, Any]:
        with warehouse.cursor() as cur:
            view = resolve(cur, *filters)
            by_sector = q.late(cur, view.sel, "sector")
            by_unit = q.late(cur, view.sel, "unit")
        return (
            ui.data_table(by_sector, "late-sector", drill=LATE_DRILL),
            ui.data_table(by_unit, "late-unit", drill=LATE_DRILL, unit_links=True),
            late_chart(by_sector),
        )

    @app.callback(
        Output("uptake-missing-table", "children"),
        Output("uptake-table", "children"),
        *FILTERS,
    )
    @_safe(None)
    def show_uptake(*filters: Any) -> tuple[Any, Any]:
        with warehouse.cursor() as cur:
            view = resolve(cur, *filters)
            idle = q.uptake(cur, view.sel, idle_only=True)
            every = q.uptake(cur, view.sel)
        return (
            ui.data_table(idle, "uptake-missing", unit_links=True),
            ui.data_table(every, "uptake", unit_links=True),
        )

    @app.callback(Output("channels-table", "children"), *FILTERS)
    @_safe()
    def show_channels(*filters: Any) -> Any:
        with warehouse.cursor() as cur:
            view = resolve(cur, *filters)
            return ui.data_table(q.channels(cur, view.sel), "channels", unit_links=True)

    @app.callback(Output("documents-table", "children"), *FILTERS)
    @_safe()
    def show_documents(*filters: Any) -> Any:
        with warehouse.cursor() as cur:
            view = resolve(cur, *filters)
            return ui.data_table(q.documents(cur, view.sel), "documents")

    @app.callback(
        Output("required-share-table", "children"),
        Output("required-missing-table", "children"),
        *FILTERS,
    )
    @_safe(None)
    def show_required(*filters: Any) -> tuple[Any, Any]:
        with warehouse.cursor() as cur:
            view = resolve(cur, *filters)
            share = q.required_share(cur, view.sel)
            missing = q.required_missing(cur, view.sel)
        return (
            ui.data_table(share, "required-share"),
            ui.data_table(missing, "required-missing", unit_links=True),
        )

    @app.callback(
        Output("tabs", "value"),
        Output("trend-unit", "value"),
        Input("url", "search"),
        prevent_initial_call=True,
    )
    def follow_link(search: str | None) -> tuple[Any, Any]:
        if parse_drill(search) is not None:
            return "cases", no_update
        unit = parse_trend(search)
        if unit is not None:
            return "trend", unit
        return no_update, no_update

    @app.callback(
        Output("drill-table", "children"),
        Output("drill-title", "children"),
        Output("drill-count", "children"),
        Input("url", "search"),
        *FILTERS,
    )
    @_safe("Hồ sơ chi tiết", None)
    def show_cases(search: str | None, *filters: Any) -> tuple[Any, Any, Any]:
        drill = parse_drill(search)
        if drill is None:
            return (
                html.P(
                    "Bấm vào một số liệu của Biểu 06 hoặc của bảng trễ hạn để xem các hồ sơ "
                    "tạo nên số liệu đó.",
                    className="hint",
                ),
                "Hồ sơ chi tiết",
                None,
            )
        with warehouse.cursor() as cur:
            view = resolve(cur, *filters)
            table = q.cases(cur, view.sel, drill, limit=q.MAX_ROWS_SHOWN)
        count = html.Span([html.Span(fmt_int(table.row_count), id="drill-count-value"), " hồ sơ"])
        return ui.data_table(table, "cases"), drill_title(view, drill), count

    @app.callback(
        Output("trend-table", "children"),
        Output("trend-chart", "figure"),
        Input("trend-unit", "value"),
        *FILTERS,
    )
    @_safe(EMPTY_FIGURE)
    def show_trend(unit: str | None, *filters: Any) -> tuple[Any, Any]:
        with warehouse.cursor() as cur:
            view = resolve(cur, *filters)
            table = _trend(cur, view, unit)
        return ui.data_table(table, "trend"), trend_chart(table, table.title)

    @app.callback(
        Output("dq-summary", "children"),
        Output("dq-files-table", "children"),
        Output("dq-rejects-table", "children"),
        Output("dq-unmatched-table", "children"),
        Input("url", "pathname"),
    )
    @_safe(None, None, None)
    def show_quality(_path: str | None) -> tuple[Any, Any, Any, Any]:
        with warehouse.cursor() as cur:
            s = q.dq_summary(cur)
            files, rejects, unmatched = q.dq_files(cur), q.dq_rejects(cur), q.dq_unmatched(cur)
        summary = html.P(
            f"Tệp: {fmt_int(s['loaded'])} đã nạp, {fmt_int(s['skipped'])} bỏ qua, "
            f"{fmt_int(s['failed'])} lỗi. Dòng: {fmt_int(s['rows_read'])} đã đọc = "
            f"{fmt_int(s['rows_loaded'])} đã nạp + {fmt_int(s['rows_rejected'])} bị loại + "
            f"{fmt_int(s['rows_skipped'])} bỏ qua (dòng tiêu đề, dòng trống, dòng cộng).",
            id="dq-summary-text",
        )
        return (
            summary,
            ui.data_table(files, "dq-files"),
            ui.data_table(rejects, "dq-rejects"),
            ui.data_table(unmatched, "dq-unmatched"),
        )

    buttons = [
        Input(f"download-{name}-{fmt}", "n_clicks") for name in ui.DOWNLOADS for fmt in ui.FORMATS
    ]

    @app.callback(
        Output("download", "data"),
        *buttons,
        State("period", "value"),
        State("level", "value"),
        State("units", "value"),
        State("sectors", "value"),
        State("bieu06-group", "value"),
        State("url", "search"),
        State("trend-unit", "value"),
        prevent_initial_call=True,
    )
    def download(*args: Any) -> Any:
        clicked = ctx.triggered_id
        if not isinstance(clicked, str) or not ctx.triggered[0].get("value"):
            return no_update
        period, levels, units, sectors, grouping, search, trend_unit = args[len(buttons) :]
        name, fmt = clicked.removeprefix("download-").rsplit("-", 1)
        drill = parse_drill(search)
        try:
            with warehouse.cursor() as cur:
                view = resolve(cur, period, levels, units, sectors)
                table = build_table(cur, name, view, grouping, drill, trend_unit)
        except (q.NoWarehouse, q.MissingTable, duckdb.Error, ValueError):
            return no_update
        is_dq = name.startswith("dq-")
        stem = file_stem(table, None if is_dq else view.sel.period.period)
        if fmt == "csv":
            return dcc.send_bytes(to_csv(table), f"{stem}.csv")
        extra = [f"Số liệu: {drill_title(view, drill)}"] if name == "cases" and drill else []
        return dcc.send_bytes(to_xlsx(table, context_lines(view, extra)), f"{stem}.xlsx")
