"""The report's charts (matplotlib, Agg): Vietnamese labels and number format, 16 cm wide.

Each builder returns `Chart`s (a file stem, a caption and a `matplotlib.figure.Figure` on an Agg
canvas), or none when there is nothing to draw. Figures are made without pyplot and styled
inside `rc_context`, so no global matplotlib state is touched.
A chart with more rows than fit a page is split into parts (`…_1`, `…_2`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from flows.report.data import Period, ReportData
from flows.report.numbers import (
    count_axis,
    fmt_date,
    fmt_int,
    fmt_pct,
    percent_axis,
    ratio,
)

WIDTH_CM = 16.0
CM = 1 / 2.54
DPI = 300
MAX_ROWS = 40  # rows (units, sectors) per chart before it is split into parts
FONT = "DejaVu Sans"  # ships with matplotlib and covers Vietnamese

SOURCE_CASES = "dữ liệu hồ sơ xuất từ hệ thống một cửa điện tử (iGate)"
SOURCE_DOCUMENTS = "sổ văn bản đi xuất từ hệ thống quản lý văn bản và điều hành"
NO_SECTOR = "(Chưa rõ lĩnh vực)"

COLORS = {
    "early": "#2e8b57",
    "on_time": "#9fd39b",
    "late": "#d62728",
    "pending_not_due": "#9ecae1",
    "pending_overdue": "#ff9f1c",
    "online": "#1f77b4",
    "postal": "#ff9f1c",
    "direct": "#c9c9c9",
    "received": "#6baed6",
    "bar": "#4a7bb7",
    "zero": "#e6550d",
    "missing": "#eeeeee",
}

_RC = {
    "font.family": FONT,
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "figure.titlesize": 10,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "cchc",
}


@dataclass
class Chart:
    key: str  # file stem under charts/
    caption: str  # what the figure shows, without "Hình n."
    figure: Figure


def wrap(text: str, width: int = 34) -> str:
    return textwrap.fill(str(text), width)


def footnote(period: Period, as_of: date | None, source: str = SOURCE_CASES) -> str:
    lines = [f"Kỳ báo cáo: {period.label} ({period.span})."]
    tail = f"; số liệu đến ngày {fmt_date(as_of)}." if as_of else "."
    lines.append(f"Nguồn: {source}{tail}")
    return "\n".join(lines)


def _figure(height_cm: float, title: str, note: str) -> Figure:
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(WIDTH_CM * CM, height_cm * CM), dpi=100)
        FigureCanvasAgg(fig)  # the Agg backend, for this figure only: no global state
        foot = 0.95 * CM / (height_cm * CM)  # two lines of 6.5 pt text
        fig.set_layout_engine("constrained", rect=(0, foot, 1, 1 - foot), h_pad=0.04)
        fig.suptitle(title)
        fig.text(0.01, 0.012, note, fontsize=6.5, color="#555555", va="bottom", ha="left")
    return fig


def _axes(fig: Figure) -> Axes:
    with matplotlib.rc_context(_RC):
        return fig.add_subplot()


def _parts(
    frame: pd.DataFrame, key: str, caption: str, limit: int = MAX_ROWS
) -> list[tuple[pd.DataFrame, str, str]]:
    """Split rows into charts of at most `limit` rows (stems `key_1`, … when split)."""
    if len(frame) <= limit:
        return [(frame, key, caption)]
    count = -(-len(frame) // limit)
    size = -(-len(frame) // count)
    return [
        (
            frame.iloc[i * size : (i + 1) * size],
            f"{key}_{i + 1}",
            f"{caption} (phần {i + 1}/{count})",
        )
        for i in range(count)
    ]


def _height(rows: int) -> float:
    return max(7.0, 4.2 + 0.45 * rows)


def _rows(ax: Axes, labels: list[str], width: int = 34) -> np.ndarray:
    """Row positions, top to bottom, with their (wrapped, tightly spaced) labels."""
    y = np.arange(len(labels))
    ax.set_yticks(y, [wrap(label, width) for label in labels])
    for text in ax.get_yticklabels():
        text.set_linespacing(0.9)
    ax.set_ylim(len(labels) - 0.5, -0.5)  # first row on top
    return y


def _legend(ax: Axes, ncol: int, **kw: Any) -> None:
    """A legend above the plot, centred on the page width (not on the axes)."""
    across = blended_transform_factory(ax.figure.transFigure, ax.transAxes)
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 1.01),
        bbox_transform=across,
        ncol=ncol,
        frameon=False,
        **kw,
    )


def _group_column(data: ReportData) -> tuple[str, str]:
    """Rows of the per-unit charts: units, or sectors when the report is about one unit."""
    if data.chosen and len(data.units) == 1:
        return "sector", "lĩnh vực"
    return "unit_name", "đơn vị"


def _sector_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["sector"] = frame["sector"].fillna(NO_SECTOR)
    return frame


def _with_rc(build: Callable[..., list[Chart]]) -> Callable[..., list[Chart]]:
    def run(*args: object) -> list[Chart]:
        with matplotlib.rc_context(_RC):
            return build(*args)

    run.__name__ = build.__name__
    run.__doc__ = build.__doc__
    return run


# ---------------------------------------------------------------------------------------------
# Late rate by sector
# ---------------------------------------------------------------------------------------------


def sector_late(data: ReportData) -> pd.DataFrame:
    """Per sector: resolved, resolved late, late rate, pending overdue; by rate, then count."""
    frame = _sector_frame(data.bieu06)
    grouped = (
        frame.groupby("sector", as_index=False)[
            ["resolved_total", "resolved_late", "pending_total", "pending_overdue"]
        ]
        .sum()
        .astype({c: "int64" for c in ("resolved_total", "resolved_late")})
    )
    grouped["late_rate"] = [
        ratio(late, total)
        for late, total in zip(grouped["resolved_late"], grouped["resolved_total"], strict=True)
    ]
    return grouped.sort_values(
        ["late_rate", "resolved_late", "sector"], ascending=[False, False, True], na_position="last"
    ).reset_index(drop=True)


@_with_rc
def late_by_sector(data: ReportData) -> list[Chart]:
    table = sector_late(data)
    table = table[table["resolved_total"] > 0]
    if table.empty:
        return []
    overall = ratio(int(table["resolved_late"].sum()), int(table["resolved_total"].sum()))
    charts = []
    caption = "Tỷ lệ hồ sơ giải quyết quá hạn theo lĩnh vực"
    for part, key, cap in _parts(table, "late_by_sector", caption):
        fig = _figure(_height(len(part)), cap, footnote(data.period, data.as_of))
        ax = _axes(fig)
        y = _rows(ax, list(part["sector"]))
        rates = [r or 0.0 for r in part["late_rate"]]
        worst = table["resolved_late"].max()
        colors = [
            COLORS["late"] if late == worst and late > 0 else COLORS["bar"]
            for late in part["resolved_late"]
        ]
        bars = ax.barh(y, rates, color=colors)
        texts = [
            f"{fmt_pct(r)} ({fmt_int(late)}/{fmt_int(total)})"
            for r, late, total in zip(
                part["late_rate"], part["resolved_late"], part["resolved_total"], strict=True
            )
        ]
        ax.bar_label(bars, labels=texts, padding=3, fontsize=7)
        if overall is not None:
            ax.axvline(overall, color="#333333", linestyle="--", linewidth=0.8)
            ax.text(
                overall,
                1.0,
                f" tỷ lệ chung: {fmt_pct(overall)}",
                transform=ax.get_xaxis_transform(),
                fontsize=7,
                va="bottom",
            )
        ax.set_xlim(0, max(max(rates), overall or 0) * 1.35 or 1)
        ax.xaxis.set_major_formatter(percent_axis())
        ax.set_xlabel("Tỷ lệ hồ sơ quá hạn / hồ sơ đã giải quyết (số quá hạn/số đã giải quyết)")
        ax.set_ylabel("Lĩnh vực")
        charts.append(Chart(key, cap, fig))
    return charts


# ---------------------------------------------------------------------------------------------
# Biểu 06 totals by unit
# ---------------------------------------------------------------------------------------------

BIEU06_PARTS = (
    ("resolved_early", "Đã giải quyết trước hạn", "early"),
    ("resolved_on_time", "Đã giải quyết đúng hạn", "on_time"),
    ("resolved_late", "Đã giải quyết quá hạn", "late"),
    ("pending_not_due", "Đang giải quyết, chưa đến hạn", "pending_not_due"),
    ("pending_overdue", "Đang giải quyết, quá hạn", "pending_overdue"),
)


def bieu06_by_group(data: ReportData, column: str) -> pd.DataFrame:
    frame = _sector_frame(data.bieu06)
    numbers = [c for c, _, _ in BIEU06_PARTS] + [
        "received_total",
        "carried_over",
        "received_online",
        "received_direct_postal",
        "resolved_total",
        "pending_total",
        "other_ended",
    ]
    grouped = frame.groupby(column, as_index=False, sort=False)[numbers].sum()
    grouped["handled"] = grouped["resolved_total"] + grouped["pending_total"]
    return grouped.sort_values(["handled", column], ascending=[False, True]).reset_index(drop=True)


@_with_rc
def bieu06_totals(data: ReportData) -> list[Chart]:
    column, noun = _group_column(data)
    table = bieu06_by_group(data, column)
    table = table[table["handled"] > 0]
    if table.empty:
        return []
    caption = f"Kết quả giải quyết hồ sơ theo {noun} (Biểu số 06/VPCP/KSTT)"
    charts = []
    for part, key, cap in _parts(table, "bieu06_totals", caption):
        fig = _figure(_height(len(part)) + 0.8, cap, footnote(data.period, data.as_of))
        ax = _axes(fig)
        y = _rows(ax, list(part[column]))
        left = np.zeros(len(part))
        for col, label, color in BIEU06_PARTS:
            values = part[col].to_numpy().astype(float)
            ax.barh(y, values, left=left, color=COLORS[color], label=label)
            left += values
        ax.bar_label(
            ax.containers[-1],
            labels=[fmt_int(v) for v in left],
            padding=3,
            fontsize=7,
        )
        ax.set_xlim(0, left.max() * 1.12)
        ax.xaxis.set_major_formatter(count_axis())
        ax.set_xlabel("Số hồ sơ (đã giải quyết trong kỳ và đang giải quyết cuối kỳ)")
        _legend(ax, 3, fontsize=7)
        charts.append(Chart(key, cap, fig))
    return charts


# ---------------------------------------------------------------------------------------------
# Channels by unit
# ---------------------------------------------------------------------------------------------

CHANNEL_PARTS = (
    ("received_online", "Trực tuyến", "online"),
    ("received_postal", "Dịch vụ bưu chính công ích", "postal"),
    ("received_direct", "Trực tiếp", "direct"),
)


def channel_shares(data: ReportData) -> pd.DataFrame:
    """Per unit: counts by channel and the shares, by online share; the total row first."""
    numbers = ["received_total"] + [c for c, _, _ in CHANNEL_PARTS]
    grouped = data.channels.groupby("unit_name", as_index=False, sort=False)[numbers].sum()
    grouped = grouped[grouped["received_total"] > 0]
    for col, _, name in CHANNEL_PARTS:
        grouped[f"{name}_rate"] = grouped[col] / grouped["received_total"]
    return grouped.sort_values(
        ["online_rate", "received_total", "unit_name"], ascending=[False, False, True]
    ).reset_index(drop=True)


@_with_rc
def channels_by_unit(data: ReportData) -> list[Chart]:
    table = channel_shares(data)
    if table.empty:
        return []
    total = table[["received_total"] + [c for c, _, _ in CHANNEL_PARTS]].sum()
    label_all = "Toàn tỉnh" if not data.chosen else "Chung các đơn vị"
    overall = pd.DataFrame([{"unit_name": label_all, **total.to_dict()}])
    for col, _, name in CHANNEL_PARTS:
        overall[f"{name}_rate"] = overall[col] / overall["received_total"]
    caption = "Tỷ lệ hồ sơ tiếp nhận theo kênh nộp, theo đơn vị"
    charts = []
    for part, key, cap in _parts(table, "channels_by_unit", caption):
        rows = pd.concat([overall, part], ignore_index=True) if len(table) > 1 else part
        fig = _figure(_height(len(rows)) + 0.8, cap, footnote(data.period, data.as_of))
        ax = _axes(fig)
        y = _rows(ax, list(rows["unit_name"]))
        left = np.zeros(len(rows))
        for _col, label, name in CHANNEL_PARTS:
            values = rows[f"{name}_rate"].to_numpy().astype(float)
            ax.barh(y, values, left=left, color=COLORS[name], label=label)
            left += values
        for row, (rate, online, total) in enumerate(
            zip(rows["online_rate"], rows["received_online"], rows["received_total"], strict=True)
        ):
            ax.text(
                1.01, row, f"{fmt_pct(rate)} ({fmt_int(online)}/{fmt_int(total)})",
                transform=ax.get_yaxis_transform(), va="center", fontsize=6.5, color="#0b3d6b",
            )  # fmt: skip
        ax.text(
            1.01, -0.7, "Trực tuyến", transform=ax.get_yaxis_transform(), fontsize=6.5,
            fontweight="bold", color="#0b3d6b", va="bottom",
        )  # fmt: skip
        if len(table) > 1:
            ax.get_yticklabels()[0].set_fontweight("bold")
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(percent_axis())
        ax.set_xlabel("Tỷ lệ trên tổng số hồ sơ tiếp nhận trong kỳ")
        _legend(ax, 3)
        charts.append(Chart(key, cap, fig))
    return charts


# ---------------------------------------------------------------------------------------------
# Monthly trend
# ---------------------------------------------------------------------------------------------


def monthly_totals(data: ReportData) -> pd.DataFrame:
    """Per month from January of the period's year to its end: received, late, overdue."""
    columns = ["received_total", "resolved_late", "pending_overdue"]
    sums = data.monthly.groupby("period")[columns].sum() if len(data.monthly) else None
    rows = []
    for month in data.months:
        values = sums.loc[month.period] if sums is not None and month.period in sums.index else None
        rows.append(
            {
                "period": month.period,
                "month": month.start.month,
                "in_period": month.start >= data.period.start,
                **{c: int(values[c]) if values is not None else 0 for c in columns},
            }
        )
    return pd.DataFrame(rows, columns=["period", "month", "in_period", *columns])


@_with_rc
def monthly_trend(data: ReportData) -> list[Chart]:
    table = monthly_totals(data)
    if table.empty or not table[["received_total", "resolved_late"]].to_numpy().any():
        return []
    year = data.period.start.year
    caption = "Số hồ sơ tiếp nhận và hồ sơ quá hạn theo tháng"
    fig = _figure(8.5, caption, footnote(data.period, data.as_of))
    ax = _axes(fig)
    x = np.arange(len(table))
    width = 0.4
    received = ax.bar(
        x - width / 2, table["received_total"], width, color=COLORS["received"],
        label="Tiếp nhận trong tháng",
    )  # fmt: skip
    late = ax.bar(
        x + width / 2, table["resolved_late"], width, color=COLORS["late"],
        label="Giải quyết quá hạn trong tháng",
    )  # fmt: skip
    ax.plot(
        x, table["pending_overdue"], color=COLORS["pending_overdue"], marker="o", markersize=3,
        linewidth=1.2, label="Đang giải quyết quá hạn (cuối tháng)",
    )  # fmt: skip
    ax.bar_label(received, labels=[fmt_int(v) for v in table["received_total"]], fontsize=6)
    ax.bar_label(late, labels=[fmt_int(v) for v in table["resolved_late"]], fontsize=6)
    if not table["in_period"].all():
        first = int(np.argmax(table["in_period"].to_numpy()))
        ax.axvspan(first - 0.5, len(table) - 0.5, color="#fff3bf", zorder=0, label="Kỳ báo cáo")
    ax.set_xticks(x, [f"T{m}" for m in table["month"]])
    ax.set_xlabel(f"Tháng (năm {year})")
    ax.set_ylabel("Số hồ sơ")
    ax.yaxis.set_major_formatter(count_axis())
    ax.set_ylim(0, max(table["received_total"].max(), 1) * 1.15)
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: _TREND_ORDER.index(labels[i]))
    _legend(ax, 2, handles=[handles[i] for i in order], labels=[labels[i] for i in order])
    return [Chart("monthly_trend", caption, fig)]


_TREND_ORDER = [
    "Tiếp nhận trong tháng",
    "Giải quyết quá hạn trong tháng",
    "Đang giải quyết quá hạn (cuối tháng)",
    "Kỳ báo cáo",
]


# ---------------------------------------------------------------------------------------------
# iGate activity: unit × month heat map
# ---------------------------------------------------------------------------------------------


def igate_matrix(data: ReportData) -> pd.DataFrame:
    """Files received per unit (rows) and month (columns); 0 = no file, NaN = no such unit.

    From ind_igate_uptake when it exists (every registry unit, zero rows included), else from
    rpt_bieu06 (the units with at least one case in the months shown).
    """
    periods = [m.period for m in data.months]
    if data.uptake_monthly is not None:
        frame = data.uptake_monthly.rename(columns={"files_received": "files"})
    else:
        frame = data.monthly.rename(columns={"received_total": "files"})
    if frame.empty:
        return pd.DataFrame(columns=periods)
    frame = frame.copy()
    frame["code_sort"] = frame["unit_code"].fillna("~")
    matrix = frame.pivot_table(
        index=["code_sort", "unit_name"], columns="period", values="files", aggfunc="sum"
    )
    matrix = matrix.reindex(columns=periods)
    if data.uptake_monthly is None:
        matrix = matrix.fillna(0)  # a month without a row in rpt_bieu06 had no case
        matrix = matrix[matrix.sum(axis=1) > 0]
    matrix.index = matrix.index.get_level_values("unit_name")
    return matrix


@_with_rc
def igate_heatmap(data: ReportData) -> list[Chart]:
    matrix = igate_matrix(data)
    if matrix.empty or not len(matrix.columns):
        return []
    cmap = ListedColormap(matplotlib.colormaps["Blues"](np.linspace(0.15, 0.95, 256)))
    cmap = cmap.with_extremes(under=COLORS["zero"], bad=COLORS["missing"])
    top = float(np.nanmax(matrix.to_numpy())) if np.nanmax(matrix.to_numpy()) > 0 else 1.0
    norm = Normalize(vmin=0.5, vmax=max(top, 1.0))
    caption = "Số hồ sơ tiếp nhận trên iGate theo đơn vị và tháng"
    months = [int(p.split("-")[1]) for p in matrix.columns]
    in_period = [m.start >= data.period.start for m in data.months]
    charts = []
    for part, key, cap in _parts(matrix, "igate_heatmap", caption):
        fig = _figure(_height(len(part)) + 1.0, cap, footnote(data.period, data.as_of))
        ax = _axes(fig)
        values = part.to_numpy(dtype=float)
        image = ax.imshow(
            np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto",
            interpolation="nearest",
        )  # fmt: skip
        if values.shape[1] <= 14:
            for (r, c), v in np.ndenumerate(values):
                if np.isnan(v):
                    continue
                dark = v > 0 and norm(v) > 0.55
                ax.text(
                    c, r, fmt_int(v), ha="center", va="center", fontsize=6,
                    color="white" if dark or v == 0 else "#1b1b1b",
                    fontweight="bold" if v == 0 else "normal",
                )  # fmt: skip
        ax.set_xticks(range(len(months)), [f"T{m}" for m in months])
        for tick, inside in zip(ax.get_xticklabels(), in_period, strict=True):
            if not inside:
                tick.set_color("#888888")
        ax.set_yticks(range(len(part)), [wrap(n, 50) for n in part.index], fontsize=6.5)
        for text in ax.get_yticklabels():
            text.set_linespacing(0.9)
        ax.tick_params(axis="both", length=0)
        ax.set_xlabel(f"Tháng (năm {data.period.start.year})")
        for spine in ax.spines.values():
            spine.set_visible(False)
        bar = fig.colorbar(image, ax=ax, extend="min", shrink=0.6, aspect=30, pad=0.02)
        bar.ax.yaxis.set_major_formatter(count_axis())
        bar.set_label("Số hồ sơ tiếp nhận trong tháng")
        handles = [Patch(color=COLORS["zero"], label="Không có hồ sơ nào (0)")]
        if data.uptake_monthly is not None:
            handles.append(Patch(color=COLORS["missing"], label="Đơn vị chưa/không còn hiệu lực"))
        _legend(ax, 2, handles=handles)
        charts.append(Chart(key, cap, fig))
    return charts


# ---------------------------------------------------------------------------------------------
# Documents: e-signed and e-issued rates by unit
# ---------------------------------------------------------------------------------------------


def document_rates(data: ReportData) -> pd.DataFrame:
    if data.documents is None:
        return pd.DataFrame()
    numbers = ["docs_total", "docs_secret", "docs_e_signed", "docs_e_issued"]
    grouped = data.documents.groupby("unit_name", as_index=False, sort=False)[numbers].sum()
    grouped["docs_ordinary"] = grouped["docs_total"] - grouped["docs_secret"]
    grouped["e_signed_rate"] = [
        ratio(s, n) for s, n in zip(grouped["docs_e_signed"], grouped["docs_ordinary"], strict=True)
    ]
    grouped["e_issued_rate"] = [
        ratio(s, n) for s, n in zip(grouped["docs_e_issued"], grouped["docs_ordinary"], strict=True)
    ]
    return grouped.sort_values(
        ["e_signed_rate", "e_issued_rate", "unit_name"],
        ascending=[False, False, True],
        na_position="last",
    ).reset_index(drop=True)


@_with_rc
def documents_by_unit(data: ReportData) -> list[Chart]:
    table = document_rates(data)
    if table.empty:
        return []
    table = table[table["docs_ordinary"] > 0]
    if table.empty:
        return []
    caption = "Tỷ lệ văn bản đi được ký số và phát hành điện tử, theo đơn vị"
    note = footnote(data.period, data.documents_as_of, SOURCE_DOCUMENTS)
    charts = []
    # two bars a row: fewer rows a page
    for part, key, cap in _parts(table, "documents_by_unit", caption, MAX_ROWS * 3 // 4):
        fig = _figure(_height(len(part)) * 1.25 + 0.8, cap, note)
        ax = _axes(fig)
        y = _rows(ax, list(part["unit_name"]))
        height = 0.38
        for offset, col, label, color in (
            (-height / 2, "e_signed_rate", "Ký số", "#1f77b4"),
            (height / 2, "e_issued_rate", "Phát hành điện tử", "#2ca02c"),
        ):
            rates = [r or 0.0 for r in part[col]]
            bars = ax.barh(y + offset, rates, height, color=color, label=label)
            texts = ax.bar_label(
                bars, labels=[fmt_pct(r) for r in part[col]], padding=2, fontsize=6
            )
            for text, rate in zip(texts, rates, strict=True):
                if rate == 0:
                    text.set_color(COLORS["zero"])
                    text.set_fontweight("bold")
        ax.set_xlim(0, 1.12)
        ax.xaxis.set_major_formatter(percent_axis())
        ax.set_xlabel("Tỷ lệ trên số văn bản đi không mật")
        _legend(ax, 2)
        charts.append(Chart(key, cap, fig))
    return charts


# name → builder; the name is the stem of its files (with `_1`, `_2`, … when split)
BUILDERS: dict[str, Callable[[ReportData], list[Chart]]] = {
    "bieu06_totals": bieu06_totals,
    "late_by_sector": late_by_sector,
    "monthly_trend": monthly_trend,
    "channels_by_unit": channels_by_unit,
    "igate_heatmap": igate_heatmap,
    "documents_by_unit": documents_by_unit,
}


def save(chart: Chart, directory: Path) -> list[Path]:
    """The chart as PNG (300 dpi) and SVG; returns both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    png = directory / f"{chart.key}.png"
    svg = directory / f"{chart.key}.svg"
    with matplotlib.rc_context(_RC):
        chart.figure.savefig(png, dpi=DPI, metadata={"Software": None})
        # The layout is done: keep it for the SVG rather than solving it again.
        engine = chart.figure.get_layout_engine()
        chart.figure.set_layout_engine("none")
        chart.figure.savefig(svg, metadata={"Date": None, "Creator": None})
        chart.figure.set_layout_engine(engine)
    return [png, svg]
