"""Vietnamese number and date formats of the report (flows/numbers.py), and chart axes.

Thousands are grouped with `.`, decimals follow `,`, a percentage has no space before `%`
(`4.948`, `10,3%`), dates are `dd/mm/yyyy`.
"""

from __future__ import annotations

from matplotlib.ticker import FuncFormatter

from flows.numbers import DASH, fmt_date, fmt_dec, fmt_int, fmt_pct, ratio

__all__ = [
    "DASH",
    "count_axis",
    "fmt_date",
    "fmt_dec",
    "fmt_int",
    "fmt_pct",
    "percent_axis",
    "ratio",
]


def count_axis() -> FuncFormatter:
    """Matplotlib tick labels for counts (`1.000`)."""
    return FuncFormatter(lambda value, _pos: fmt_int(value))


def percent_axis(digits: int = 0) -> FuncFormatter:
    """Matplotlib tick labels for fractions shown as percentages (`20%`)."""
    return FuncFormatter(lambda value, _pos: fmt_pct(value, digits))
