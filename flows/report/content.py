"""The report's content, once, for the Word draft and the HTML page.

A `Document` is a list of sections; each holds, in reading order, paragraphs written from the
numbers, each followed by its figure and table. Figure and table numbers ("Hình 1.", "Bảng 1.")
are given here so that both renderings agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from flows.report import charts as ch
from flows.report.data import BIEU06_COLUMNS, ReportData
from flows.report.numbers import fmt_date, fmt_int, fmt_pct, ratio

LEFT, RIGHT = "left", "right"


@dataclass
class FigureBlock:
    number: int
    caption: str
    png: Path
    svg: Path

    @property
    def title(self) -> str:
        return f"Hình {self.number}. {self.caption}"


@dataclass
class TableBlock:
    number: int
    caption: str
    header: list[str]
    rows: list[list[str]]
    align: list[str]  # LEFT or RIGHT per column
    widths_cm: list[float]
    bold_rows: set[int] = field(default_factory=set)  # indexes into rows

    @property
    def title(self) -> str:
        return f"Bảng {self.number}. {self.caption}"


@dataclass
class Section:
    """A heading, then paragraphs, figures and tables in reading order: each finding is followed
    by its chart and its table."""

    heading: str
    items: list[str | FigureBlock | TableBlock] = field(default_factory=list)

    @property
    def paragraphs(self) -> list[str]:
        return [item for item in self.items if isinstance(item, str)]


@dataclass
class Document:
    title: str
    subtitle: str
    lines: list[str]  # period, scope, as-of
    sections: list[Section]
    notes: list[str]


class _Numbering:
    def __init__(self, saved: dict[str, list[Path]]) -> None:
        self.saved = saved
        self.figures = 0
        self.tables = 0

    def figures_of(self, charts: list[ch.Chart]) -> list[FigureBlock]:
        blocks = []
        for chart in charts:
            self.figures += 1
            png, svg = self.saved[chart.key]
            blocks.append(FigureBlock(self.figures, chart.caption, png, svg))
        return blocks

    def table(
        self, caption: str, header: list[str], rows: list[list[str]], **kw: Any
    ) -> TableBlock:
        self.tables += 1
        return TableBlock(self.tables, caption, header, rows, **kw)


def _names(items: list[str], limit: int = 12) -> str:
    """`A; B và C`; past `limit` names: `A; B; … và N đơn vị khác`.

    Semicolons, because a unit's name may hold a comma (`UBND phường 1, thị xã Duyên Hải`).
    """
    if len(items) <= limit:
        return items[0] if len(items) == 1 else "; ".join(items[:-1]) + " và " + items[-1]
    return "; ".join(items[:limit]) + f" và {fmt_int(len(items) - limit)} đơn vị khác"


def scope_text(data: ReportData) -> str:
    """Who the report is about: the whole province, or the chosen units by name."""
    if not data.chosen:
        return "các cơ quan, đơn vị trên địa bàn tỉnh"
    return _names([u.name for u in data.units])


def _scope_counts(data: ReportData) -> str:
    """How many units each source has in the period: `38 đơn vị có hồ sơ trên iGate; …`."""
    parts = [f"{fmt_int(data.bieu06['unit_key'].nunique())} đơn vị có hồ sơ trên iGate"]
    if data.documents is not None:
        parts.append(f"{fmt_int(data.documents['unit_key'].nunique())} đơn vị có văn bản đi")
    if data.uptake is not None:
        parts.append(f"{fmt_int(data.uptake['unit_key'].nunique())} đơn vị trong danh mục")
    return "; ".join(parts)


def build_document(
    data: ReportData, charts: dict[str, list[ch.Chart]], saved: dict[str, list[Path]]
) -> Document:
    """Sections in the order of the inspection report's findings."""
    numbering = _Numbering(saved)
    period = data.period
    lines = [
        f"Kỳ báo cáo: {period.label} ({period.span})",
        f"Phạm vi: {scope_text(data)} ({_scope_counts(data)})",
    ]
    if data.as_of:
        lines.append(f"Số liệu đến ngày: {fmt_date(data.as_of)}")
    sections = [
        _section_results(data, charts, numbering),
        _section_late(data, charts, numbering),
        _section_channels(data, charts, numbering),
        _section_igate(data, charts, numbering),
    ]
    if data.documents is not None:
        sections.append(_section_documents(data, charts, numbering))
    if data.required is not None:
        sections.append(_section_required(data, numbering))
    for number, section in enumerate(sections, start=1):
        section.heading = f"{number}. {section.heading}"
    return Document(
        title="BÁO CÁO KẾT QUẢ KIỂM TRA CÔNG TÁC CẢI CÁCH HÀNH CHÍNH",
        subtitle=(
            "Tình hình giải quyết thủ tục hành chính và ứng dụng công nghệ thông tin (dự thảo)"
        ),
        lines=lines,
        sections=sections,
        notes=_notes(data),
    )


# ---------------------------------------------------------------------------------------------
# 1. Biểu 06
# ---------------------------------------------------------------------------------------------


def _section_results(
    data: ReportData, charts: dict[str, list[ch.Chart]], numbering: _Numbering
) -> Section:
    section = Section("Tình hình tiếp nhận và giải quyết hồ sơ")
    if data.bieu06.empty:
        section.items.append("Trong kỳ báo cáo không có hồ sơ nào được tiếp nhận hoặc giải quyết.")
        return section
    t = data.bieu06[list(BIEU06_COLUMNS)].sum()
    who = scope_text(data)
    if not data.chosen:
        who = f"{fmt_int(data.bieu06['unit_key'].nunique())} cơ quan, đơn vị"
    text = (
        f"Trong kỳ báo cáo, {who} đã tiếp nhận {fmt_int(t.received_total)} hồ sơ "
        f"({fmt_int(t.received_online)} hồ sơ trực tuyến; {fmt_int(t.received_direct_postal)} "
        f"hồ sơ trực tiếp và qua dịch vụ bưu chính công ích); từ kỳ trước chuyển sang "
        f"{fmt_int(t.carried_over)} hồ sơ. Đã giải quyết {fmt_int(t.resolved_total)} hồ sơ, "
        f"trong đó trước hạn {fmt_int(t.resolved_early)}, đúng hạn {fmt_int(t.resolved_on_time)}, "
        f"quá hạn {fmt_int(t.resolved_late)} "
        f"({fmt_pct(ratio(t.resolved_late, t.resolved_total))}). Đến ngày "
        f"{fmt_date(data.period.end)}, còn {fmt_int(t.pending_total)} hồ sơ đang giải quyết, "
        f"trong đó {fmt_int(t.pending_overdue)} hồ sơ đã quá hạn."
    )
    if t.other_ended:
        text += (
            f" Ngoài ra, {fmt_int(t.other_ended)} hồ sơ được công dân rút hoặc dừng xử lý trong kỳ."
        )
    section.items.append(text)
    section.items += numbering.figures_of(charts.get("bieu06_totals", []))
    column, noun = ch._group_column(data)
    table = ch.bieu06_by_group(data, column)
    rows = [
        [
            str(name),
            fmt_int(r.received_total + r.carried_over),
            fmt_int(r.received_online),
            fmt_int(r.received_direct_postal),
            fmt_int(r.carried_over),
            fmt_int(r.resolved_total),
            fmt_int(r.resolved_late),
            fmt_int(r.pending_total),
            fmt_int(r.pending_overdue),
        ]
        for name, r in zip(table[column], table.itertuples(index=False), strict=True)
    ]
    rows.append(
        [
            "Tổng cộng",
            fmt_int(t.received_total + t.carried_over),
            fmt_int(t.received_online),
            fmt_int(t.received_direct_postal),
            fmt_int(t.carried_over),
            fmt_int(t.resolved_total),
            fmt_int(t.resolved_late),
            fmt_int(t.pending_total),
            fmt_int(t.pending_overdue),
        ]
    )
    header = [
        noun.capitalize(),
        "Tổng số nhận",
        "Trực tuyến",
        "Trực tiếp, bưu chính",
        "Từ kỳ trước",
        "Đã giải quyết",
        "Đã giải quyết quá hạn",
        "Đang giải quyết",
        "Đang giải quyết quá hạn",
    ]
    section.items.append(
        numbering.table(
            f"Kết quả tiếp nhận, giải quyết hồ sơ theo {noun} (số hồ sơ)",
            header,
            rows,
            align=[LEFT] + [RIGHT] * 8,
            widths_cm=[4.0] + [1.5] * 8,
            bold_rows={len(rows) - 1},
        )
    )
    return section


# ---------------------------------------------------------------------------------------------
# 2. Late files
# ---------------------------------------------------------------------------------------------


def _section_late(
    data: ReportData, charts: dict[str, list[ch.Chart]], numbering: _Numbering
) -> Section:
    section = Section("Hồ sơ giải quyết quá hạn")
    sectors = ch.sector_late(data)
    resolved = int(sectors["resolved_total"].sum())
    late = int(sectors["resolved_late"].sum())
    overdue = int(sectors["pending_overdue"].sum())
    if resolved == 0:
        section.items.append("Trong kỳ báo cáo không có hồ sơ nào được giải quyết.")
    else:
        text = (
            f"Tỷ lệ hồ sơ giải quyết quá hạn là {fmt_pct(ratio(late, resolved))} "
            f"({fmt_int(late)}/{fmt_int(resolved)} hồ sơ đã giải quyết)."
        )
        if late:
            most = sectors.sort_values(["resolved_late", "late_rate"], ascending=False).iloc[0]
            text += (
                f" Lĩnh vực có nhiều hồ sơ quá hạn nhất là {most.sector}: "
                f"{fmt_int(most.resolved_late)} hồ sơ, chiếm "
                f"{fmt_pct(ratio(most.resolved_late, late))} tổng số hồ sơ quá hạn; "
                f"tỷ lệ quá hạn của lĩnh vực là {fmt_pct(most.late_rate)} "
                f"({fmt_int(most.resolved_late)}/{fmt_int(most.resolved_total)})."
            )
            top_rate = sectors.iloc[0]
            if top_rate.sector != most.sector and top_rate.late_rate:
                text += (
                    f" Lĩnh vực có tỷ lệ quá hạn cao nhất là {top_rate.sector} "
                    f"({fmt_pct(top_rate.late_rate)}, {fmt_int(top_rate.resolved_late)}/"
                    f"{fmt_int(top_rate.resolved_total)} hồ sơ)."
                )
        else:
            text += " Không có hồ sơ nào giải quyết quá hạn."
        section.items.append(text)
    units = ch.bieu06_by_group(data, "unit_name")
    units = units[units["resolved_late"] > 0].sort_values(
        ["resolved_late", "unit_name"], ascending=[False, True]
    )
    if len(units) > 1 or (len(units) == 1 and not data.chosen):
        top = [f"{r.unit_name} ({fmt_int(r.resolved_late)})" for r in units.head(5).itertuples()]
        section.items.append(
            f"Có {fmt_int(len(units))} đơn vị có hồ sơ giải quyết quá hạn; nhiều nhất là "
            f"{_names(top)}."
        )
    if overdue:
        section.items.append(
            f"Đến ngày {fmt_date(data.period.end)} còn {fmt_int(overdue)} hồ sơ đang giải quyết "
            "đã quá hạn. Danh sách từng hồ sơ quá hạn (mã hồ sơ, thủ tục, đơn vị, các ngày) ở "
            f"trang «Hồ sơ quá hạn» của tệp bieu06_{data.period.period}.xlsx."
        )
    section.items += numbering.figures_of(charts.get("late_by_sector", []))
    if resolved:
        rows = [
            [
                r.sector,
                fmt_int(r.resolved_total),
                fmt_int(r.resolved_late),
                fmt_pct(r.late_rate),
                fmt_int(r.pending_overdue),
            ]
            for r in sectors[sectors["resolved_total"] + sectors["pending_total"] > 0].itertuples()
        ]
        rows.append(
            ["Tổng cộng", fmt_int(resolved), fmt_int(late), fmt_pct(ratio(late, resolved)),
             fmt_int(overdue)]
        )  # fmt: skip
        section.items.append(
            numbering.table(
                "Hồ sơ giải quyết quá hạn theo lĩnh vực",
                [
                    "Lĩnh vực",
                    "Đã giải quyết",
                    "Quá hạn",
                    "Tỷ lệ quá hạn",
                    "Đang giải quyết quá hạn",
                ],
                rows,
                align=[LEFT, RIGHT, RIGHT, RIGHT, RIGHT],
                widths_cm=[6.0, 2.5, 2.5, 2.5, 2.5],
                bold_rows={len(rows) - 1},
            )
        )
    trend = ch.monthly_totals(data)
    if charts.get("monthly_trend") and len(trend) > 1:
        busiest = trend.sort_values(["received_total", "month"], ascending=[False, True]).iloc[0]
        text = (
            f"Theo tháng, số hồ sơ tiếp nhận cao nhất vào tháng {busiest.month} "
            f"({fmt_int(busiest.received_total)} hồ sơ)"
        )
        if trend["resolved_late"].max() > 0:
            worst = trend.sort_values(["resolved_late", "month"], ascending=[False, True]).iloc[0]
            text += (
                f"; số hồ sơ giải quyết quá hạn nhiều nhất vào tháng {worst.month} "
                f"({fmt_int(worst.resolved_late)} hồ sơ)"
            )
        section.items.append(text + ".")
    section.items += numbering.figures_of(charts.get("monthly_trend", []))
    return section


# ---------------------------------------------------------------------------------------------
# 3. Channels
# ---------------------------------------------------------------------------------------------


def _section_channels(
    data: ReportData, charts: dict[str, list[ch.Chart]], numbering: _Numbering
) -> Section:
    section = Section("Kênh tiếp nhận hồ sơ: trực tuyến, bưu chính công ích, trực tiếp")
    table = ch.channel_shares(data)
    total = int(table["received_total"].sum()) if len(table) else 0
    if not total:
        section.items.append("Trong kỳ báo cáo không có hồ sơ nào được tiếp nhận.")
        return section
    online = int(table["received_online"].sum())
    postal = int(table["received_postal"].sum())
    direct = int(table["received_direct"].sum())
    text = (
        f"Trong {fmt_int(total)} hồ sơ tiếp nhận trong kỳ, {fmt_int(online)} hồ sơ nộp trực "
        f"tuyến ({fmt_pct(ratio(online, total))}), {fmt_int(postal)} hồ sơ qua dịch vụ bưu chính "
        f"công ích ({fmt_pct(ratio(postal, total))}) và {fmt_int(direct)} hồ sơ nộp trực tiếp "
        f"({fmt_pct(ratio(direct, total))})."
    )
    if len(table) > 1:
        no_online = table[table["received_online"] == 0]["unit_name"].tolist()
        no_postal = table[table["received_postal"] == 0]["unit_name"].tolist()
        if no_online:
            text += (
                f" {fmt_int(len(no_online))}/{fmt_int(len(table))} đơn vị không có hồ sơ trực "
                f"tuyến nào: {_names(sorted(no_online))}."
            )
        if no_postal:
            text += (
                f" {fmt_int(len(no_postal))}/{fmt_int(len(table))} đơn vị không có hồ sơ nào "
                "qua dịch vụ bưu chính công ích."
            )
    section.items.append(text)
    section.items += numbering.figures_of(charts.get("channels_by_unit", []))
    rows = [
        [
            r.unit_name,
            fmt_int(r.received_total),
            fmt_int(r.received_online),
            fmt_pct(r.online_rate),
            fmt_int(r.received_postal),
            fmt_pct(r.postal_rate),
            fmt_int(r.received_direct),
        ]
        for r in table.itertuples()
    ]
    rows.append(
        [
            "Tổng cộng",
            fmt_int(total),
            fmt_int(online),
            fmt_pct(ratio(online, total)),
            fmt_int(postal),
            fmt_pct(ratio(postal, total)),
            fmt_int(direct),
        ]
    )
    section.items.append(
        numbering.table(
            "Hồ sơ tiếp nhận theo kênh nộp, theo đơn vị",
            ["Đơn vị", "Tổng số", "Trực tuyến", "Tỷ lệ", "Bưu chính", "Tỷ lệ", "Trực tiếp"],
            rows,
            align=[LEFT] + [RIGHT] * 6,
            widths_cm=[5.5, 1.75, 1.75, 1.75, 1.75, 1.75, 1.75],
            bold_rows={len(rows) - 1},
        )
    )
    return section


# ---------------------------------------------------------------------------------------------
# 4. iGate uptake
# ---------------------------------------------------------------------------------------------

_LEVELS = {"tỉnh": "cấp tỉnh", "huyện": "cấp huyện", "xã": "cấp xã"}
_KINDS = {"sở": "sở, ban, ngành", "phòng": "phòng, ban", "trung tâm": "trung tâm", "khác": "khác"}


def kind_label(level: object, kind: object) -> str:
    """`UBND cấp xã`, `phòng, ban cấp huyện`, … for a registry unit's level and kind."""
    level_text = _LEVELS.get(str(level), "") if isinstance(level, str) else ""
    if kind == "ubnd":
        return f"UBND {level_text}".strip()
    name = _KINDS.get(str(kind), str(kind)) if isinstance(kind, str) else "đơn vị khác"
    return f"{name} {level_text}".strip() if kind != "sở" else name


def _section_igate(
    data: ReportData, charts: dict[str, list[ch.Chart]], numbering: _Numbering
) -> Section:
    section = Section("Tiếp nhận hồ sơ trên hệ thống một cửa điện tử (iGate)")
    matrix = ch.igate_matrix(data)
    if data.uptake is not None and len(data.uptake):
        uptake = data.uptake
        idle = uptake[~uptake["has_activity"].astype(bool)].sort_values(
            ["unit_level", "unit_kind", "unit_name"]
        )
        text = (
            f"Trong {fmt_int(len(uptake))} đơn vị có trong danh mục, {fmt_int(len(idle))} đơn vị "
            f"({fmt_pct(ratio(len(idle), len(uptake)))}) chưa tiếp nhận hồ sơ nào trên iGate "
            "trong kỳ"
        )
        if len(idle):
            kinds = [
                kind_label(level, kind)
                for level, kind in zip(idle["unit_level"], idle["unit_kind"], strict=True)
            ]
            by_kind = pd.Series(kinds).value_counts(sort=False)
            by_kind = by_kind.sort_values(ascending=False, kind="stable")
            text += ": " + "; ".join(f"{fmt_int(n)} {kind}" for kind, n in by_kind.items())
        text += "."
        assigned = int(uptake["procedures_assigned"].fillna(0).sum())
        with_files = int(uptake["procedures_with_files"].fillna(0).sum())
        if assigned:
            text += (
                f" Tính theo thủ tục được giao, mới có {fmt_int(with_files)}/{fmt_int(assigned)} "
                f"lượt thủ tục ({fmt_pct(ratio(with_files, assigned))}) có hồ sơ tiếp nhận trên "
                "iGate."
            )
        section.items.append(text)
        section.items += numbering.figures_of(charts.get("igate_heatmap", []))
        if len(idle):
            rows = [
                [
                    str(i),
                    r.unit_name,
                    _LEVELS.get(str(r.unit_level), str(r.unit_level or "")),
                    kind_label(r.unit_level, r.unit_kind),
                    fmt_int(r.procedures_assigned) if pd.notna(r.procedures_assigned) else "",
                ]
                for i, r in enumerate(idle.itertuples(), start=1)
            ]
            section.items.append(
                numbering.table(
                    "Các đơn vị chưa tiếp nhận hồ sơ nào trên iGate trong kỳ",
                    ["STT", "Đơn vị", "Cấp", "Loại", "Số TTHC được giao"],
                    rows,
                    align=[RIGHT, LEFT, LEFT, LEFT, RIGHT],
                    widths_cm=[1.2, 6.8, 2.2, 3.4, 2.4],
                )
            )
        return section
    if matrix.empty:
        section.items.append("Trong kỳ báo cáo không có hồ sơ nào trên iGate.")
        return section
    zero_months = (matrix == 0).sum(axis=1)
    gaps = zero_months[zero_months > 0].sort_values(ascending=False)
    months = len(matrix.columns)
    text = (
        f"Hình {numbering.figures + 1} thể hiện số hồ sơ tiếp nhận trên iGate theo tháng của "
        f"{fmt_int(len(matrix))} đơn vị có hồ sơ; ô màu đỏ là tháng đơn vị không tiếp nhận hồ sơ "
        "nào."
    )
    if len(gaps):
        named = [f"{name} ({fmt_int(n)}/{fmt_int(months)} tháng)" for name, n in gaps.items()]
        text += (
            f" Có {fmt_int(len(gaps))} đơn vị có tháng không tiếp nhận hồ sơ nào trên iGate: "
            f"{_names(named, limit=8)}."
        )
    else:
        text += " Tháng nào các đơn vị này cũng có hồ sơ."
    section.items.append(text)
    section.items += numbering.figures_of(charts.get("igate_heatmap", []))
    return section


# ---------------------------------------------------------------------------------------------
# 5. Documents
# ---------------------------------------------------------------------------------------------


def _section_documents(
    data: ReportData, charts: dict[str, list[ch.Chart]], numbering: _Numbering
) -> Section:
    section = Section("Ký số và phát hành văn bản điện tử")
    table = ch.document_rates(data)
    total = int(table["docs_total"].sum()) if len(table) else 0
    if not total:
        section.items.append("Trong kỳ báo cáo không có văn bản đi nào trong dữ liệu.")
        return section
    secret = int(table["docs_secret"].sum())
    ordinary = total - secret
    signed = int(table["docs_e_signed"].sum())
    issued = int(table["docs_e_issued"].sum())
    text = (
        f"Trong kỳ, {fmt_int(len(table))} đơn vị ban hành {fmt_int(total)} văn bản đi, trong đó "
        f"{fmt_int(secret)} văn bản mật (không tính vào tỷ lệ). Trong {fmt_int(ordinary)} văn bản "
        f"không mật, {fmt_int(signed)} văn bản được ký số ({fmt_pct(ratio(signed, ordinary))}) và "
        f"{fmt_int(issued)} văn bản được phát hành điện tử ({fmt_pct(ratio(issued, ordinary))})."
    )
    with_docs = table[table["docs_ordinary"] > 0]
    unsigned = sorted(with_docs[with_docs["docs_e_signed"] == 0]["unit_name"])
    paper = sorted(with_docs[with_docs["docs_e_issued"] == 0]["unit_name"])
    if unsigned:
        text += f" {fmt_int(len(unsigned))} đơn vị chưa ký số văn bản đi nào: {_names(unsigned)}."
    else:
        text += " Đơn vị nào cũng có văn bản đi được ký số."
    if paper:
        text += (
            f" {fmt_int(len(paper))} đơn vị chưa phát hành văn bản điện tử nào: {_names(paper)}."
        )
    section.items.append(text)
    section.items += numbering.figures_of(charts.get("documents_by_unit", []))
    rows = [
        [
            r.unit_name,
            fmt_int(r.docs_total),
            fmt_int(r.docs_secret),
            fmt_int(r.docs_e_signed),
            fmt_pct(r.e_signed_rate),
            fmt_int(r.docs_e_issued),
            fmt_pct(r.e_issued_rate),
        ]
        for r in table.itertuples()
    ]
    rows.append(
        [
            "Tổng cộng",
            fmt_int(total),
            fmt_int(secret),
            fmt_int(signed),
            fmt_pct(ratio(signed, ordinary)),
            fmt_int(issued),
            fmt_pct(ratio(issued, ordinary)),
        ]
    )
    section.items.append(
        numbering.table(
            "Văn bản đi được ký số và phát hành điện tử, theo đơn vị",
            ["Đơn vị", "Văn bản đi", "Mật", "Ký số", "Tỷ lệ", "Phát hành điện tử", "Tỷ lệ"],
            rows,
            align=[LEFT] + [RIGHT] * 6,
            widths_cm=[5.5, 1.75, 1.5, 1.75, 1.75, 2.0, 1.75],
            bold_rows={len(rows) - 1},
        )
    )
    return section


# ---------------------------------------------------------------------------------------------
# 6. Required plans and reports
# ---------------------------------------------------------------------------------------------


def required_items(frame: pd.DataFrame) -> list[tuple[str, object, pd.DataFrame]]:
    """(label, deadline or None, the item's rows) in the order of ind_required_documents."""
    items = []
    for label in dict.fromkeys(frame["label"]):
        rows = frame[frame["label"] == label].reset_index(drop=True)
        items.append((label, rows["deadline"].iloc[0], rows))
    return items


def level_name(level: object) -> str:
    """`Cấp tỉnh`, `Cấp huyện`, `Cấp xã`; the registry's own word otherwise."""
    if isinstance(level, str) and level in _LEVELS:
        return _LEVELS[level].capitalize()
    return level if isinstance(level, str) and level else "Chưa rõ cấp"


def _required_counts(rows: pd.DataFrame) -> list[str]:
    required = len(rows)
    issued = int(rows["is_issued"].sum())
    return [
        fmt_int(required),
        fmt_int(issued),
        fmt_int(int(rows["is_late"].sum())),
        fmt_int(required - issued),
        fmt_pct(ratio(issued, required)),
    ]


def _section_required(data: ReportData, numbering: _Numbering) -> Section:
    section = Section("Ban hành kế hoạch, báo cáo theo yêu cầu")
    assert data.required is not None
    items = required_items(data.required)
    year = data.period.start.year
    section.items.append(
        f"Theo danh mục văn bản phải ban hành năm {year} ({fmt_int(len(items))} văn bản), một "
        "văn bản được tính là đã ban hành khi sổ văn bản đi của đơn vị có văn bản đúng loại, "
        "ban hành trong thời gian quy định và có trích yếu chứa đủ các cụm từ khóa của danh "
        f"mục. Bảng {numbering.tables + 1} tổng hợp số đơn vị đã ban hành theo từng văn bản và "
        "theo cấp."
    )
    rows: list[list[str]] = []
    bold: set[int] = set()
    for label, _, item_rows in items:
        levels = list(dict.fromkeys(item_rows["unit_level"]))
        for i, level in enumerate(levels):
            at_level = item_rows[item_rows["unit_level"] == level]
            rows.append([label if i == 0 else "", level_name(level), *_required_counts(at_level)])
        if len(levels) > 1:
            bold.add(len(rows))
            rows.append(["", "Cộng", *_required_counts(item_rows)])
    section.items.append(
        numbering.table(
            "Số đơn vị đã ban hành kế hoạch, báo cáo theo yêu cầu",
            ["Văn bản", "Cấp", "Phải ban hành", "Đã ban hành", "Sau hạn", "Chưa ban hành",
             "Tỷ lệ đã ban hành"],
            rows,
            align=[LEFT, LEFT] + [RIGHT] * 5,
            widths_cm=[5.5, 1.8, 1.7, 1.7, 1.5, 1.8, 2.0],
            bold_rows=bold,
        )
    )  # fmt: skip
    for label, deadline, item_rows in items:
        section.items.append(_required_text(label, deadline, item_rows))
        missing = item_rows[~item_rows["is_issued"].astype(bool)]
        if missing.empty:
            continue
        section.items.append(
            numbering.table(
                f"Các đơn vị chưa ban hành {label}",
                ["STT", "Đơn vị", "Mã đơn vị", "Cấp"],
                [
                    [str(i), r.unit_name, r.unit_code, level_name(r.unit_level)]
                    for i, r in enumerate(missing.itertuples(), start=1)
                ],
                align=[RIGHT, LEFT, LEFT, LEFT],
                widths_cm=[1.2, 8.8, 3.5, 2.5],
            )
        )
    return section


def _required_text(label: str, deadline: object, rows: pd.DataFrame) -> str:
    """`<label> (hạn …): 57/100 đơn vị đã ban hành (57,0%), trong đó … sau hạn: …; …`."""
    issued = rows[rows["is_issued"].astype(bool)]
    late = rows[rows["is_late"].astype(bool)]
    missing = rows[~rows["is_issued"].astype(bool)]
    text = label + (f" (hạn ban hành {fmt_date(deadline)})" if deadline is not None else "")
    text += (
        f": {fmt_int(len(issued))}/{fmt_int(len(rows))} đơn vị đã ban hành "
        f"({fmt_pct(ratio(len(issued), len(rows)))})"
    )
    if deadline is not None and len(late):
        named = [
            f"{r.unit_name} (số {r.doc_number} ngày {fmt_date(r.issued_on)})"
            for r in late.itertuples()
        ]
        text += f", trong đó {fmt_int(len(late))} đơn vị ban hành sau hạn: {_names(named)}"
    elif deadline is not None and len(issued):
        text += ", đều đúng hạn"
    text += "."
    if len(missing):
        names = _names(list(missing["unit_name"]))
        text += f" {fmt_int(len(missing))} đơn vị chưa ban hành: {names}."
    else:
        text += " Không có đơn vị nào chưa ban hành."
    return text


def _notes(data: ReportData) -> list[str]:
    notes = [
        "Số liệu được tính tự động từ dữ liệu xuất từ hệ thống một cửa điện tử (iGate) theo "
        "Biểu số 06/VPCP/KSTT (Thông tư số 01/2020/TT-VPCP): hồ sơ quá hạn là hồ sơ có ngày "
        "có kết quả sau ngày hẹn trả; hồ sơ đang giải quyết quá hạn là hồ sơ chưa có kết quả "
        "đến cuối kỳ và đã qua ngày hẹn trả.",
    ]
    if data.as_of:
        notes.append(
            f"Kỳ báo cáo cuối cùng kết thúc ở ngày có số liệu mới nhất ({fmt_date(data.as_of)}), "
            "nên không hồ sơ nào bị tính quá hạn khi chưa đến hạn lúc xuất dữ liệu."
        )
    if data.required is not None:
        notes.append(
            "Văn bản phải ban hành được đối chiếu với sổ văn bản đi theo tên đơn vị ban hành, "
            "loại văn bản, ngày ban hành và các cụm từ khóa trong trích yếu (không phân biệt "
            "hoa thường, dấu); văn bản của đơn vị có tên chưa khớp danh mục đơn vị không được "
            "tính. Danh sách từng đơn vị, số và ngày văn bản ở trang «Văn bản bắt buộc» của tệp "
            f"bieu06_{data.period.period}.xlsx."
        )
    if data.rows_rejected or data.unmatched_units:
        parts = []
        if data.rows_rejected:
            parts.append(f"{fmt_int(data.rows_rejected)} dòng dữ liệu lỗi không được tính")
        if data.unmatched_units:
            parts.append(
                f"{fmt_int(data.unmatched_units)} tên đơn vị chưa khớp danh mục (giữ nguyên tên "
                "như trong tệp xuất)"
            )
        notes.append(
            "Chất lượng dữ liệu: "
            + "; ".join(parts)
            + " — chi tiết trong các bảng dq_ của kho dữ liệu."
        )
    return notes
