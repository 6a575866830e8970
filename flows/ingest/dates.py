"""Parsing the date forms of docs/spec.md §2 into naive local datetimes.

Dates are always day first. Called once per date cell, i.e. millions of times per run, so text
goes through a few precompiled regexes behind an LRU cache (export timestamps repeat a lot).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

__all__ = ["parse_datetime", "EXCEL_EPOCH", "MIN_DATETIME", "MAX_DATETIME"]

# Excel's 1900 date system counts from 1899-12-30, which absorbs its fake 1900-02-29.
EXCEL_EPOCH = datetime(1899, 12, 30)

# A date outside this window is a typo (`05/10/0202`), not data: accepting it would stretch the
# period tables over centuries.
MIN_DATETIME = datetime(1900, 1, 1)
MAX_DATETIME = datetime(2100, 12, 31, 23, 59, 59, 999999)

# Vietnam has had no daylight saving since 1975, so a fixed offset is exact.
_LOCAL_TZ = timezone(timedelta(hours=7))

# Two-digit years: 20yy up to five years ahead of today, else 19yy.
_TWO_DIGIT_PIVOT = date.today().year % 100 + 5

_TIME = (
    r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,6}))?)?"
    # AM/PM, and SA/CH (sáng/chiều) that Vietnamese Windows locales write.
    r"(?:\s*(?P<P>[AaPp][Mm]|[Ss][Aa]|[Cc][Hh]))?"
)
_DMY = r"(?P<d>\d{1,2})(?P<sep>[/.\-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
_YMD = r"(?P<y>\d{4})(?P<sep>[/.\-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
_TZ = r"(?P<Z>[Zz]|[+\-]\d{2}:?\d{2})?"

# dd/mm/yyyy [HH:MM[:SS]] (also `-` and `.` separators, and a `T` or `,` before the time)
_DMY_RE = re.compile(_DMY + r"(?:(?:\s*[T,]\s*|\s+)" + _TIME + r")?")
# HH:MM[:SS] dd/mm/yyyy (also `08:30, 05/10/2020` and `08:30 - 05/10/2020`)
_TIME_DMY_RE = re.compile(_TIME + r"(?:\s*[,\-]\s*|\s+)" + _DMY)
# yyyy-mm-dd[(T| )HH:MM[:SS[.ffffff]]][Z|±HH:MM]
_YMD_RE = re.compile(_YMD + r"(?:(?:\s*[Tt]\s*|\s+)" + _TIME + _TZ + r")?")
# Excel serial number written as text: 44105 or 44105.5
_SERIAL_RE = re.compile(r"[+-]?\d+(?:\.\d*)?")


def parse_datetime(value: object) -> datetime | None:
    """Parse one date value of an export into a naive local datetime.

    None and empty/blank text give None. A ``date`` gives midnight. Numbers and numeric text are
    Excel serial numbers. Text must be one of the day-first or ISO forms of docs/spec.md §2.
    Raises ``ValueError`` (naming the value) for anything that is not a possible date between
    1900-01-01 and 2100-12-31, ``TypeError`` for a value of an unsupported type.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        result = _parse_text(text)
        if isinstance(result, str):
            raise ValueError(f"{value!r} is not a date: {result}")
        return result
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_LOCAL_TZ).replace(tzinfo=None)
        return _checked(value, value)
    if isinstance(value, date):
        return _checked(datetime(value.year, value.month, value.day), value)
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a date: a boolean")
    if isinstance(value, (int, float)):
        result = _from_serial(value)
        if isinstance(result, str):
            raise ValueError(f"{value!r} is not a date: {result}")
        return result
    raise TypeError(f"{value!r} is not a date: unsupported type {type(value).__name__}")


def _checked(result: datetime, value: object) -> datetime:
    if not MIN_DATETIME <= result <= MAX_DATETIME:
        raise ValueError(f"{value!r} is not a date: outside 1900-2100")
    return result


# The cached parsers return the error reason as text instead of raising, so that bad values,
# which also repeat, are cached too.


@lru_cache(maxsize=1 << 17)
def _parse_text(text: str) -> datetime | str:
    match = _DMY_RE.fullmatch(text)
    if match is not None:
        return _build(match)
    match = _YMD_RE.fullmatch(text)
    if match is not None:
        return _build(match)
    match = _TIME_DMY_RE.fullmatch(text)
    if match is not None:
        return _build(match)
    if _SERIAL_RE.fullmatch(text):
        return _from_serial(float(text) if "." in text else int(text))
    return "not a recognised date form"


def _build(match: re.Match[str]) -> datetime | str:
    year_text = match["y"]
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if year <= _TWO_DIGIT_PIVOT else 1900
    hour = minute = second = micro = 0
    if match["H"] is not None:
        hour, minute = int(match["H"]), int(match["M"])
        if match["S"] is not None:
            second = int(match["S"])
        if match["F"] is not None:
            micro = int(match["F"].ljust(6, "0"))
        period = match["P"]
        if period is not None:
            if not 1 <= hour <= 12:
                return f"hour {hour} with {period}"
            afternoon = period.lower() in ("pm", "ch")
            hour = hour % 12 + (12 if afternoon else 0)
    try:
        result = datetime(year, int(match["m"]), int(match["d"]), hour, minute, second, micro)
    except ValueError as error:
        return str(error)
    zone = match.groupdict().get("Z")
    if zone:
        result = _to_local(result, zone)
    if not MIN_DATETIME <= result <= MAX_DATETIME:
        return "outside 1900-2100"
    return result


def _to_local(result: datetime, zone: str) -> datetime:
    if zone in ("Z", "z"):
        offset = timedelta(0)
    else:
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if zone[0] == "-":
            offset = -offset
    aware = result.replace(tzinfo=timezone(offset))
    return aware.astimezone(_LOCAL_TZ).replace(tzinfo=None)


# Serial range of MIN_DATETIME..MAX_DATETIME.
_MIN_SERIAL = (MIN_DATETIME - EXCEL_EPOCH).days
_MAX_SERIAL = (MAX_DATETIME - EXCEL_EPOCH).days + 1


def _from_serial(serial: int | float) -> datetime | str:
    if isinstance(serial, float) and not math.isfinite(serial):
        return "not a finite number"
    if not _MIN_SERIAL <= serial < _MAX_SERIAL:
        return "serial number outside 1900-2100"
    # A bare year typed into a date column would otherwise become a day of 1905.
    if 1900 <= serial <= 2100 and serial == int(serial):
        return "a year, not a date"
    # Serials are binary fractions of a day: round to the second Excel would display.
    seconds = round(serial * 86400)
    return EXCEL_EPOCH + timedelta(seconds=seconds)
