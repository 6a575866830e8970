"""Vietnamese number and date formats for everything the analyst reads.

Thousands are grouped with `.`, decimals follow `,`, a percentage has no space before `%`
(`4.948`, `10,3%`), dates are `dd/mm/yyyy`. Excel cells stay numbers; their display is left to
the reader's locale.

Kept apart from flows.report (which re-exports them as flows.report.numbers) so that the
command-line messages (flows/i18n.py) format numbers without importing matplotlib.
"""

from __future__ import annotations

from datetime import date

DASH = "–"  # shown where a rate has no denominator


def fmt_int(value: float | int | None) -> str:
    """`4948` → `4.948`; None → `–`."""
    if value is None:
        return DASH
    return f"{round(value):,}".replace(",", ".")


def fmt_dec(value: float | None, digits: int = 1) -> str:
    """`1234.56` → `1.234,6` (with `digits` decimals)."""
    if value is None:
        return DASH
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_pct(rate: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: `0.032` → `3,2%`; None → `–`."""
    if rate is None:
        return DASH
    return fmt_dec(rate * 100, digits) + "%"


def fmt_date(day: date | None) -> str:
    """`2020-11-20` → `20/11/2020`."""
    return DASH if day is None else day.strftime("%d/%m/%Y")


def ratio(part: float | int | None, whole: float | int | None) -> float | None:
    """part / whole, None when whole is 0 or missing (as the contract's rates)."""
    if not whole or part is None:
        return None
    return part / whole
