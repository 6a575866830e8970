"""parse_datetime: every date form of docs/spec.md §2, day first, nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.ingest.dates import EXCEL_EPOCH, parse_datetime

OCT_5_0830 = datetime(2020, 10, 5, 8, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/10/2020", datetime(2020, 10, 5)),
        ("5/1/2020", datetime(2020, 1, 5)),
        ("05/10/2020 08:30", OCT_5_0830),
        ("5/10/2020 8:30", OCT_5_0830),
        ("05/10/2020 08:30:15", datetime(2020, 10, 5, 8, 30, 15)),
        ("08:30 05/10/2020", OCT_5_0830),
        ("08:30:15 05/10/2020", datetime(2020, 10, 5, 8, 30, 15)),
        ("08:30, 05/10/2020", OCT_5_0830),
        ("05-10-2020", datetime(2020, 10, 5)),
        ("05-10-2020 08:30", OCT_5_0830),
        ("05.10.2020", datetime(2020, 10, 5)),
        ("05.10.2020 08:30:00", OCT_5_0830),
        ("2020-10-05", datetime(2020, 10, 5)),
        ("2020-10-05 08:30", OCT_5_0830),
        ("2020-10-05 08:30:00", OCT_5_0830),
        ("2020-10-05 08:30:00.250000", datetime(2020, 10, 5, 8, 30, 0, 250000)),
        ("2020-10-05 08:30:00.5", datetime(2020, 10, 5, 8, 30, 0, 500000)),
        ("2020-10-05T08:30:00", OCT_5_0830),
        ("2020/10/05", datetime(2020, 10, 5)),
        ("2020-10-05T01:30:00Z", OCT_5_0830),  # UTC → local (UTC+7)
        ("2020-10-05T08:30:00+07:00", OCT_5_0830),
        ("05/10/2020 08:30 SA", OCT_5_0830),  # sáng: Vietnamese Windows' AM
        ("05/10/2020 8:30:00 CH", datetime(2020, 10, 5, 20, 30)),  # chiều: PM
        ("05/10/2020 12:15 AM", datetime(2020, 10, 5, 0, 15)),
        ("05/10/2020 12:15 PM", datetime(2020, 10, 5, 12, 15)),
        ("  05/10/2020\u00a008:30 \n", OCT_5_0830),  # stray and non-breaking spaces
        ("29/02/2020", datetime(2020, 2, 29)),
    ],
)
def test_text_forms(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


def test_day_is_always_first() -> None:
    assert parse_datetime("01/02/2020") == datetime(2020, 2, 1)
    assert parse_datetime("13/01/2020") == datetime(2020, 1, 13)
    with pytest.raises(ValueError, match="01/13/2020"):
        parse_datetime("01/13/2020")  # month first is not accepted, even when unambiguous


def test_two_digit_years_pivot_five_years_ahead() -> None:
    this_year = date.today().year % 100
    ahead = (this_year + 5) % 100
    beyond = (this_year + 6) % 100
    assert parse_datetime("05/10/20") == datetime(2020, 10, 5)
    assert parse_datetime(f"05/10/{ahead:02d}").year == 2000 + ahead
    assert parse_datetime(f"05/10/{beyond:02d}").year == 1900 + beyond
    assert parse_datetime("05/10/99 08:30") == datetime(1999, 10, 5, 8, 30)


@pytest.mark.parametrize("value", [None, "", "   ", "\t\n"])
def test_empty_is_none(value: object) -> None:
    assert parse_datetime(value) is None


def test_date_and_datetime_objects() -> None:
    assert parse_datetime(date(2020, 10, 5)) == datetime(2020, 10, 5)
    assert parse_datetime(OCT_5_0830) is OCT_5_0830
    aware = datetime(2020, 10, 5, 1, 30, tzinfo=UTC)
    assert parse_datetime(aware) == OCT_5_0830  # kept naive, in local time


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (44105, datetime(2020, 10, 1)),
        (44105.0, datetime(2020, 10, 1)),
        (44105.5, datetime(2020, 10, 1, 12)),
        (44109.354166666664, OCT_5_0830),  # binary noise rounds to the second
        ("44105", datetime(2020, 10, 1)),
        ("44105.5", datetime(2020, 10, 1, 12)),
        (61, datetime(1900, 3, 1)),
        (73415, datetime(2100, 12, 31)),
    ],
)
def test_excel_serial_numbers(value: object, expected: datetime) -> None:
    assert parse_datetime(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("31/02/2020", "day is out of range"),
        ("29/02/2021", "day is out of range"),
        ("05/13/2020", "month must be in"),
        ("05/10/2020 25:00", "hour must be in"),
        ("05/10/2020 08:60", "minute must be in"),
        ("05/10/2020 13:00 CH", "hour 13 with CH"),
        ("05/10/0202", "outside 1900-2100"),
        ("05/10/2202", "outside 1900-2100"),
        ("Ngày 05 tháng 10", "not a recognised date form"),
        ("08:30", "not a recognised date form"),
        ("05/10", "not a recognised date form"),
        ("05/10-2020", "not a recognised date form"),
        ("2020", "a year, not a date"),
        (2020, "a year, not a date"),
        ("0", "serial number outside"),
        (10_000_000, "serial number outside"),
        (-1.5, "serial number outside"),
        (float("nan"), "not a finite number"),
        (True, "a boolean"),
        (date(1899, 12, 31), "outside 1900-2100"),
    ],
)
def test_not_a_date_raises_naming_the_value(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        parse_datetime(value)
    assert repr(value) in str(caught.value)


def test_bad_text_raises_every_time_even_when_cached() -> None:
    for _ in range(3):
        with pytest.raises(ValueError, match="31/02/2020"):
            parse_datetime("31/02/2020")


def test_unsupported_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="list"):
        parse_datetime([2020, 10, 5])


def test_reader_output_parses_back() -> None:
    # flows.ingest.readers writes date cells as ISO text: the two modules must agree.
    assert parse_datetime("2020-10-05 08:30:00") == OCT_5_0830
    assert parse_datetime("2020-10-05") == datetime(2020, 10, 5)


_DATETIMES = st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 12, 31)).map(
    lambda value: value.replace(microsecond=0)
)
_DAY_FIRST_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d-%m-%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%H:%M:%S %d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
]


@given(value=_DATETIMES, form=st.sampled_from(_DAY_FIRST_FORMATS))
def test_property_formatted_text_parses_back(value: datetime, form: str) -> None:
    assert parse_datetime(value.strftime(form)) == value


# From 1906: the serials of 1905-03-14…1905-09-30 are 1900…2100, refused as bare years.
@given(value=_DATETIMES.filter(lambda value: value.year >= 1906))
def test_property_serial_number_parses_back(value: datetime) -> None:
    serial = (value - EXCEL_EPOCH) / timedelta(days=1)
    assert parse_datetime(serial) == value
    assert parse_datetime(repr(serial)) == value
