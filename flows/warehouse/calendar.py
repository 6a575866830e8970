"""Vietnam's public holidays, the base of the working-day calendar (docs/spec.md §4).

Compensatory days off and swapped working Saturdays change every year by decision; they come
from `reference/holidays*` and are applied on top of these in `sql/intermediate/int_calendar`.
"""

from __future__ import annotations

from datetime import date

import holidays
import pyarrow as pa

CALENDAR_FIRST_YEAR = 2000
CALENDAR_LAST_YEAR = 2040


def public_holidays(
    first_year: int = CALENDAR_FIRST_YEAR, last_year: int = CALENDAR_LAST_YEAR
) -> pa.Table:
    """Days and names of Vietnam's public holidays, as the table `ref_public_holidays`."""
    calendar = holidays.country_holidays(
        "VN", years=range(first_year, last_year + 1), language="vi"
    )
    days: list[date] = sorted(calendar)
    return pa.table(
        {
            "day": pa.array(days, pa.date32()),
            "name": pa.array([calendar[d] for d in days], pa.string()),
        }
    )
