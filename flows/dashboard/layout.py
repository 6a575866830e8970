"""What the page is made of: the filters, the headline cards, the tabs, and tables drawn as HTML.

Everything the analyst reads is Vietnamese, numbers in the Vietnamese formats of
flows/report/numbers.py (`4.948`, `10,3%`, `20/11/2020`). Every component a callback or a test
reaches has an explicit id. Tables are plain HTML: a count that can be opened is a link whose
query string names the column and the row (`?cot=resolved_late&dv=code:…&lv=Đất đai`), so the
drill-down needs one callback on the URL, and the browser's back button goes back to the
previous list.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from dash import dcc, html

from flows.dashboard.queries import (
    MAX_ROWS_SHOWN,
    NO_LEVEL,
    NO_SECTOR,
    PERIOD_TYPES,
    Figure,
    Table,
    UnitOption,
)
from flows.report.data import Period
from flows.report.numbers import fmt_date, fmt_dec, fmt_int, fmt_pct

TITLE = "Chỉ số cải cách hành chính"
UPDATING = "Đang cập nhật… — " + TITLE

# The downloadable tables; their buttons are `download-<name>-xlsx` and `download-<name>-csv`.
DOWNLOADS = (
    "bieu06",
    "late-sector",
    "late-unit",
    "uptake-missing",
    "uptake",
    "channels",
    "documents",
    "required-share",
    "required-missing",
    "cases",
    "trend",
    "dq-files",
    "dq-rejects",
    "dq-unmatched",
)
FORMATS = ("xlsx", "csv")

# The query-string keys of the links: the Biểu 06 column, the unit key, the sector, and the
# unit whose months to show.
Q_COLUMN, Q_UNIT, Q_SECTOR, Q_TREND = "cot", "dv", "lv", "xu_huong"

DROPDOWN_LABELS = {
    "select_all": "Chọn tất cả",
    "deselect_all": "Bỏ chọn tất cả",
    "selected_count": "Đã chọn {num_selected}",
    "search": "Tìm",
    "clear_search": "Xóa nội dung tìm",
    "clear_selection": "Bỏ chọn",
    "no_options_found": "Không tìm thấy",
}
GROUPING_OPTIONS = [
    {"label": "Theo đơn vị", "value": "unit"},
    {"label": "Theo lĩnh vực", "value": "sector"},
    {"label": "Theo đơn vị và lĩnh vực", "value": "unit_sector"},
]
# Text columns given room on the page, so that long names wrap less.
WIDE_COLUMNS = {
    "unit_name", "procedure_name", "reason", "message", "name", "file", "sector", "label",
}  # fmt: skip
LEVEL_LABELS = {"tỉnh": "Cấp tỉnh", "huyện": "Cấp huyện", "xã": "Cấp xã"}

CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; margin: 0; color: #1f2937;
       background: #f5f6f8; font-size: 14px; }
#page { max-width: 1400px; margin: 0 auto; padding: 12px 20px 40px; }
h1 { font-size: 22px; margin: 8px 0 2px; color: #12355b; }
h2 { font-size: 17px; margin: 18px 0 6px; color: #12355b; }
.subtitle { color: #4b5563; margin-bottom: 10px; }
.filters { display: grid; grid-template-columns: 170px 220px 200px 1fr 1fr; gap: 10px;
           background: #fff; padding: 10px; border: 1px solid #dde1e7; border-radius: 6px; }
.filters label.title { display: block; font-weight: bold; margin-bottom: 4px; }
.filters .radio label { margin-right: 10px; }
#period-label { font-size: 16px; font-weight: bold; margin: 12px 0 6px; }
#headline { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 12px; }
.card { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 8px 12px;
        min-width: 150px; }
.card .value { font-size: 22px; font-weight: bold; color: #12355b; }
.card .label { color: #4b5563; }
.card .detail { color: #6b7280; font-size: 12px; }
.section { background: #fff; border: 1px solid #dde1e7; border-top: none; padding: 8px 14px 16px; }
.hint, .note { color: #6b7280; margin: 4px 0; }
.message { background: #fff7e6; border: 1px solid #f0c36d; padding: 10px 14px; border-radius: 6px; }
.downloads { margin: 6px 0; }
.downloads button { margin-right: 6px; padding: 4px 10px; cursor: pointer; background: #eef2f7;
                    border: 1px solid #b8c4d6; border-radius: 4px; }
.table-wrap { overflow-x: auto; max-height: 640px; overflow-y: auto; }
table.data { border-collapse: collapse; font-size: 13px; }
table.data th { background: #e8edf4; position: sticky; top: 0; padding: 5px 6px;
                border: 1px solid #cfd6e0; vertical-align: bottom; min-width: 60px; }
table.data td { padding: 3px 6px; border: 1px solid #e1e5eb; }
table.data td.num { text-align: right; white-space: nowrap; }
table.data td.wide, table.data th.wide { min-width: 180px; max-width: 420px; }
table.data tr.total td { font-weight: bold; background: #f3f6fa; }
table.data a { color: #0b57d0; text-decoration: none; }
table.data a:hover { text-decoration: underline; }
#drill-count { font-size: 18px; font-weight: bold; }
"""

INDEX_STRING = (
    """<!DOCTYPE html>
<html lang="vi">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
        <style>"""
    + CSS
    + """</style>
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""
)


# --------------------------------------------------------------------------------------------
# Values and tables
# --------------------------------------------------------------------------------------------


def format_value(value: Any, kind: str) -> str:
    """A cell as the page shows it, in the Vietnamese formats."""
    if kind == "int":
        return fmt_int(value)
    if kind == "rate":
        return fmt_pct(value)
    if kind == "dec":
        return fmt_dec(value)
    if value is None:
        return ""
    if kind == "datetime" and isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if kind in ("date", "datetime") and isinstance(value, date):
        return fmt_date(value)
    return str(value)


def drill_href(column: str, unit: str | None = None, sector: str | None = None) -> str:
    query = {Q_COLUMN: column}
    if unit is not None:
        query[Q_UNIT] = unit
    if sector is not None:
        query[Q_SECTOR] = sector
    return "?" + urlencode(query)


def trend_href(unit: str) -> str:
    return "?" + urlencode({Q_TREND: unit})


def _row_unit(row: dict[str, Any]) -> str | None:
    if "unit_name" not in row:
        return None
    code = row.get("unit_code")
    return f"code:{code}" if code else f"name:{row['unit_name']}"


def _row_sector(row: dict[str, Any]) -> str | None:
    if "sector" not in row:
        return None
    return row["sector"] or NO_SECTOR


def _text(value: str) -> str:
    """Text from the data, escaped for HTML; a line break stays one (a blank line would end
    the Markdown component's HTML block)."""
    return escape(value).replace("\r", "").replace("\n", "<br>")


def _link(text: str, href: str, element_id: str | None = None, title: str | None = None) -> str:
    # <dccLink> is dcc.Markdown's in-page link: it changes the URL without reloading the page.
    attributes = f'href="{escape(href)}"'
    if element_id:
        attributes += f' id="{escape(element_id)}"'
    if title:
        attributes += f' title="{escape(title)}"'
    return f"<dccLink {attributes}>{_text(text)}</dccLink>"


def data_table(
    table: Table,
    table_id: str,
    drill: tuple[str, ...] = (),
    unit_links: bool = False,
) -> html.Div:
    """`table` as HTML: the total row first, then at most MAX_ROWS_SHOWN rows.

    The counts of the `drill` columns link to their cases (the total's to the whole
    selection, with the id `<table_id>-total-<column>`); with `unit_links` a unit's name
    links to its months. The table is one dcc.Markdown component holding HTML rather than a
    component per cell: Dash's renderer walks every component of every update, and a few
    thousand cells made a page take seconds to draw.
    """
    if not table.rows:
        return html.Div(
            [html.P("Không có dữ liệu cho lựa chọn này.", className="note")], id=table_id
        )
    numeric = [c.kind in ("int", "rate", "dec") for c in table.columns]
    wide = [c.id in WIDE_COLUMNS for c in table.columns]
    head = "".join(
        f'<th class="wide">{_text(c.label)}</th>' if w else f"<th>{_text(c.label)}</th>"
        for c, w in zip(table.columns, wide, strict=True)
    )
    lines = [f'<table class="data"><thead><tr>{head}</tr></thead><tbody>']
    if table.total is not None:
        cells = []
        for i, column in enumerate(table.columns):
            if column.id in table.total:
                text = format_value(table.total[column.id], column.kind)
                if column.id in drill:
                    text_html = _link(text, drill_href(column.id), f"{table_id}-total-{column.id}")
                else:
                    text_html = _text(text)
                cells.append(f'<td class="num">{text_html}</td>')
            else:
                cells.append(f"<td>{'Tổng cộng' if i == 0 else ''}</td>")
        lines.append(f'<tr class="total">{"".join(cells)}</tr>')
    shown = table.rows[:MAX_ROWS_SHOWN]
    for row in shown:
        unit, sector = _row_unit(row), _row_sector(row)
        cells = []
        for column, is_number, is_wide in zip(table.columns, numeric, wide, strict=True):
            value = row[column.id]
            if column.id == "sector" and value is None:
                text = NO_SECTOR
            else:
                text = format_value(value, column.kind)
            if column.id in drill and value:
                text_html = _link(text, drill_href(column.id, unit, sector))
            elif unit_links and column.id == "unit_name" and unit is not None:
                text_html = _link(text, trend_href(unit), title="Xem diễn biến theo tháng")
            else:
                text_html = _text(text)
            kind = "num" if is_number else "wide" if is_wide else ""
            cells.append(
                f'<td class="{kind}">{text_html}</td>' if kind else f"<td>{text_html}</td>"
            )
        lines.append(f"<tr>{''.join(cells)}</tr>")
    lines.append("</tbody></table>")
    parts: list[Any] = [
        dcc.Markdown(
            "".join(lines), dangerously_allow_html=True, className="table-wrap", dedent=False
        )
    ]
    if table.row_count > len(shown):
        parts.append(
            html.P(
                f"Hiển thị {fmt_int(len(shown))} trên {fmt_int(table.row_count)} dòng; "
                "tải tệp Excel hoặc CSV để có đầy đủ.",
                className="note",
            )
        )
    parts += [html.P(note, className="note") for note in table.notes]
    return html.Div(parts, id=table_id)


def message(text: str, element_id: str | None = None) -> html.Div:
    if element_id:
        return html.Div(text, className="message", id=element_id)
    return html.Div(text, className="message")


def cards(figures: list[Figure]) -> list[html.Div]:
    out = []
    for figure in figures:
        value = fmt_pct(figure.value) if figure.kind == "rate" else fmt_int(figure.value)
        parts = [
            html.Div(value, className="value", id=f"kpi-{figure.id}"),
            html.Div(figure.label, className="label"),
        ]
        if figure.part is not None and figure.whole is not None:
            detail = f"{fmt_int(figure.part)} / {fmt_int(figure.whole)}"
            parts.append(html.Div(detail, className="detail"))
        elif figure.whole is not None:
            parts.append(html.Div(f"trên {fmt_int(figure.whole)} đơn vị", className="detail"))
        out.append(html.Div(parts, className="card"))
    return out


def period_text(period: Period, as_of: date | None) -> str:
    text = f"{period.label} ({period.span})"
    return text + (f" — số liệu đến ngày {fmt_date(as_of)}" if as_of else "")


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------


def period_options(periods: list[Period], period_type: str) -> list[dict[str, str]]:
    chosen = [p for p in periods if p.period_type == period_type]
    return [{"label": p.label, "value": p.period} for p in reversed(chosen)]


def level_options(units: list[UnitOption]) -> list[dict[str, str]]:
    levels = []
    for unit in units:
        if unit.level not in levels:
            levels.append(unit.level)
    return [
        {
            "label": LEVEL_LABELS.get(level.lower(), f"Cấp {level}")
            if level != NO_LEVEL
            else "Chưa khớp danh mục đơn vị",
            "value": level,
        }
        for level in levels
    ]


def unit_options(units: list[UnitOption], levels: list[str] | None = None) -> list[dict]:
    wanted = set(levels or ())
    return [
        {"label": f"{u.name} ({u.code})" if u.code else u.name, "value": u.key}
        for u in units
        if not wanted or u.level in wanted
    ]


def sector_options(sectors: list[str]) -> list[dict[str, str]]:
    return [{"label": s, "value": s} for s in sectors]


def downloads(name: str) -> html.Div:
    return html.Div(
        [
            html.Button("Tải Excel (.xlsx)", id=f"download-{name}-xlsx", n_clicks=0),
            html.Button("Tải CSV", id=f"download-{name}-csv", n_clicks=0),
        ],
        className="downloads",
    )


def _block(title: str, name: str, body_id: str, hint: str | None = None) -> list[Any]:
    parts: list[Any] = [html.H2(title), downloads(name)]
    if hint:
        parts.append(html.P(hint, className="hint"))
    parts.append(html.Div(id=body_id))
    return parts


def _tab(label: str, value: str, children: list[Any]) -> dcc.Tab:
    return dcc.Tab(
        label=label,
        value=value,
        id=f"tab-{value}",
        children=html.Div(children, className="section"),
    )


def no_warehouse(path: str) -> html.Div:
    return html.Div(
        [
            html.H1(TITLE),
            html.Div(
                [
                    html.P(f"Chưa có kho dữ liệu tại {path}."),
                    html.P(
                        [
                            "Hãy chạy ",
                            html.Code("cchc run"),
                            " (hoặc ",
                            html.Code("make run"),
                            ") để nạp dữ liệu và xây dựng kho, rồi tải lại trang này.",
                        ]
                    ),
                ],
                className="message",
                id="no-warehouse",
            ),
        ],
        id="page",
    )


def page(
    periods: list[Period],
    units: list[UnitOption],
    sectors: list[str],
    as_of: date | None,
    data_root: str,
) -> html.Div:
    """The whole page, its filters set to the latest year."""
    years = [p for p in periods if p.period_type == "year"]
    default = (years or periods)[-1]
    filters = html.Div(
        [
            html.Div(
                [
                    html.Label("Loại kỳ", className="title"),
                    dcc.RadioItems(
                        id="period-type",
                        options=[{"label": v, "value": k} for k, v in PERIOD_TYPES.items()],
                        value=default.period_type,
                        inline=True,
                        className="radio",
                    ),
                ]
            ),
            html.Div(
                [
                    html.Label("Kỳ báo cáo", className="title"),
                    dcc.Dropdown(
                        id="period",
                        options=period_options(periods, default.period_type),
                        value=default.period,
                        clearable=False,
                        labels=DROPDOWN_LABELS,
                    ),
                ]
            ),
            html.Div(
                [
                    html.Label("Cấp đơn vị", className="title"),
                    dcc.Dropdown(
                        id="level",
                        options=level_options(units),
                        multi=True,
                        placeholder="Tất cả các cấp",
                        labels=DROPDOWN_LABELS,
                    ),
                ]
            ),
            html.Div(
                [
                    html.Label("Đơn vị", className="title"),
                    dcc.Dropdown(
                        id="units",
                        options=unit_options(units),
                        multi=True,
                        placeholder="Tất cả đơn vị",
                        labels=DROPDOWN_LABELS,
                    ),
                ]
            ),
            html.Div(
                [
                    html.Label("Lĩnh vực", className="title"),
                    dcc.Dropdown(
                        id="sectors",
                        options=sector_options(sectors),
                        multi=True,
                        placeholder="Tất cả lĩnh vực",
                        labels=DROPDOWN_LABELS,
                    ),
                ]
            ),
        ],
        className="filters",
    )
    drill_hint = (
        "Bấm vào một số liệu để xem danh sách hồ sơ (tab «Hồ sơ chi tiết»); "
        "bấm tên đơn vị để xem diễn biến theo tháng."
    )
    tabs = dcc.Tabs(
        id="tabs",
        value="bieu06",
        children=[
            _tab(
                "Biểu 06",
                "bieu06",
                [
                    html.H2("Biểu số 06/VPCP/KSTT: tình hình, kết quả giải quyết TTHC"),
                    dcc.RadioItems(
                        id="bieu06-group",
                        options=GROUPING_OPTIONS,
                        value="unit",
                        inline=True,
                        className="radio",
                    ),
                    downloads("bieu06"),
                    html.P(drill_hint, className="hint"),
                    html.Div(id="bieu06-table"),
                ],
            ),
            _tab(
                "Trễ hạn, quá hạn",
                "late",
                [
                    html.P(
                        "Tỷ lệ trễ hạn = số hồ sơ giải quyết quá hạn / số hồ sơ đã giải quyết. "
                        "Tỷ lệ trễ hạn và quá hạn (Quyết định 766) tính thêm hồ sơ đang giải "
                        "quyết đã quá hạn. Tỷ lệ của nhóm tính từ tổng số hồ sơ, không lấy "
                        "trung bình các tỷ lệ.",
                        className="hint",
                    ),
                    dcc.Graph(id="late-chart", config={"displayModeBar": False}),
                    *_block("Theo lĩnh vực", "late-sector", "late-sector-table", drill_hint),
                    *_block("Theo đơn vị", "late-unit", "late-unit-table"),
                ],
            ),
            _tab(
                "Sử dụng iGate",
                "igate",
                [
                    *_block(
                        "Đơn vị chưa có hồ sơ trên iGate trong kỳ",
                        "uptake-missing",
                        "uptake-missing-table",
                    ),
                    *_block(
                        "Hồ sơ và thủ tục theo đơn vị (mọi đơn vị trong danh mục)",
                        "uptake",
                        "uptake-table",
                    ),
                ],
            ),
            _tab(
                "Kênh nộp hồ sơ",
                "channels",
                _block("Hồ sơ tiếp nhận theo hình thức nộp", "channels", "channels-table"),
            ),
            _tab(
                "Văn bản ký số",
                "documents",
                _block(
                    "Văn bản đi: ký số và phát hành điện tử (tính trên văn bản không mật)",
                    "documents",
                    "documents-table",
                ),
            ),
            _tab(
                "Văn bản bắt buộc",
                "required",
                [
                    *_block(
                        "Đơn vị đã ban hành kế hoạch, báo cáo theo yêu cầu, theo cấp",
                        "required-share",
                        "required-share-table",
                        "Theo danh mục văn bản phải ban hành của năm đang chọn (tệp "
                        "reference/van_ban_bat_buoc… trong thư mục dữ liệu): một văn bản được "
                        "tính là đã ban hành khi sổ văn bản đi của đơn vị có văn bản đúng loại, "
                        "ban hành trong thời gian quy định và có trích yếu chứa đủ các cụm từ "
                        "khóa.",
                    ),
                    *_block(
                        "Đơn vị chưa ban hành hoặc ban hành sau hạn",
                        "required-missing",
                        "required-missing-table",
                    ),
                ],
            ),
            _tab(
                "Hồ sơ chi tiết",
                "cases",
                [
                    html.H2("Hồ sơ chi tiết", id="drill-title"),
                    html.Div(id="drill-count"),
                    downloads("cases"),
                    html.Div(id="drill-table"),
                ],
            ),
            _tab(
                "Diễn biến theo tháng",
                "trend",
                [
                    html.H2("Diễn biến theo tháng"),
                    html.Label("Đơn vị", className="title"),
                    dcc.Dropdown(
                        id="trend-unit",
                        options=unit_options(units),
                        placeholder="Toàn bộ đơn vị đang chọn",
                        labels=DROPDOWN_LABELS,
                    ),
                    dcc.Graph(id="trend-chart", config={"displayModeBar": False}),
                    downloads("trend"),
                    html.Div(id="trend-table"),
                ],
            ),
            _tab(
                "Chất lượng dữ liệu",
                "quality",
                [
                    html.H2("Chất lượng dữ liệu của lần nạp gần nhất"),
                    html.Div(id="dq-summary"),
                    *_block("Tệp lỗi hoặc bị bỏ qua", "dq-files", "dq-files-table"),
                    *_block(
                        "Dòng bị loại và cảnh báo, theo lý do",
                        "dq-rejects",
                        "dq-rejects-table",
                        "Chi tiết từng dòng (tệp, trang tính, số dòng) nằm trong bảng "
                        "dq_rejects của kho dữ liệu và các tệp "
                        "processed/exports/dq_rejects.source=<nguồn>.csv.",
                    ),
                    *_block(
                        "Tên chưa khớp danh mục",
                        "dq-unmatched",
                        "dq-unmatched-table",
                        "Thêm tên vào cột «Tên khác» của đơn vị trong danh mục đơn vị; lệnh "
                        "`cchc unmatched` gợi ý tên gần nhất.",
                    ),
                ],
            ),
        ],
    )
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            dcc.Download(id="download"),
            html.H1(TITLE),
            html.Div(
                [
                    "Kho dữ liệu: ",
                    html.Code(data_root),
                    f" — số liệu đến ngày {fmt_date(as_of)}" if as_of else "",
                ],
                className="subtitle",
                id="as-of",
            ),
            filters,
            html.Div(id="period-label"),
            html.Div(id="headline"),
            tabs,
        ],
        id="page",
    )


def figure_layout(title: str) -> dict[str, Any]:
    """Plotly layout: Vietnamese separators (`1.234,5`), no chart chrome."""
    return {
        "title": {"text": title, "font": {"size": 15}},
        "separators": ",.",
        "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
        "font": {"family": "DejaVu Sans, Arial, sans-serif", "size": 12},
        "plot_bgcolor": "#fff",
        "legend": {"orientation": "h", "y": -0.15},
        "height": 380,
    }
