"""Support-hours arithmetic. Expected UTC instants are worked out by hand in the comments
(Stockholm: CET = UTC+1, CEST = UTC+2 from 2026-03-29 to 2026-10-25; Helsinki one hour
more)."""

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.directory import SupportHours
from chalicelib.domain.support_hours import (
    SupportCalendar,
    _closed_dates,
    add_support_hours,
    calendar_for,
    is_open_day,
    support_hours_between,
)

STO = ZoneInfo("Europe/Stockholm")
HEL = ZoneInfo("Europe/Helsinki")


def cal(**settings: Any) -> SupportCalendar:
    return calendar_for(SupportHours(**settings))


def sto(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=STO)


def hel(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=HEL)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


SE = cal()  # the seed: Mon-Fri 08-16 Stockholm, Swedish holidays and eves closed
SE_NO_EVES = cal(closed_on_eves=False)
FI = cal(timezone="Europe/Helsinki", holiday_country="FI")
FI_NO_EVES = cal(timezone="Europe/Helsinki", holiday_country="FI", closed_on_eves=False)


@pytest.mark.parametrize(
    ("calendar", "start", "hours", "expected"),
    [
        # within a day: Mon 09:00 CET + 3.5 h = 12:30 CET
        (SE, sto(2026, 3, 2, 9), 3.5, utc(2026, 3, 2, 11, 30)),
        # across the evening: Mon 15:00 + 1 h, Tue 08:00 + 2 h = 10:00 CET
        (SE, sto(2026, 3, 2, 15), 3, utc(2026, 3, 3, 9)),
        # Friday afternoon into Monday: Fri 14:00 + 2 h, Mon 08:00 + 2 h
        (SE, sto(2026, 3, 6, 14), 4, utc(2026, 3, 9, 9)),
        # a start on Saturday counts from Monday's opening
        (SE, sto(2026, 3, 7, 10), 1, utc(2026, 3, 9, 8)),
        # before opening, and exactly at closing
        (SE, sto(2026, 3, 2, 6), 1, utc(2026, 3, 2, 8)),
        (SE, sto(2026, 3, 2, 16), 1, utc(2026, 3, 3, 8)),
        # a target used up exactly at closing ends at the closing, not next morning
        (SE, sto(2026, 3, 2, 8), 8, utc(2026, 3, 2, 15)),
        # a quarter of an hour split over the night: 10 min Mon, 5 min Tue
        (SE, sto(2026, 3, 2, 15, 50), 0.25, utc(2026, 3, 3, 7, 5)),
        # a start given in another zone: 08:00 UTC is 09:00 CET
        (SE, utc(2026, 3, 2, 8), 1, utc(2026, 3, 2, 9)),
        # Christmas Eve (de facto), Christmas Day; Boxing Day is a Saturday anyway
        (SE, sto(2026, 12, 23, 15), 2, utc(2026, 12, 28, 8)),
        (SE_NO_EVES, sto(2026, 12, 23, 15), 2, utc(2026, 12, 24, 8)),
        # Midsummer Eve Fri 2026-06-19 (CEST)
        (SE, sto(2026, 6, 18, 15), 2, utc(2026, 6, 22, 7)),
        (SE_NO_EVES, sto(2026, 6, 18, 15), 2, utc(2026, 6, 19, 7)),
        # Good Friday 04-03 and Easter Monday 04-06
        (SE, sto(2026, 4, 2, 15), 2, utc(2026, 4, 7, 7)),
        # New Year's Eve Thu (de facto), New Year's Day Fri: on to Mon 2027-01-04
        (SE, sto(2026, 12, 30, 15), 2, utc(2027, 1, 4, 8)),
        # Swedish National Day Fri 2025-06-06, not a Finnish holiday
        (SE, sto(2025, 6, 5, 15), 2, utc(2025, 6, 9, 7)),
        (FI, hel(2025, 6, 5, 15), 2, utc(2025, 6, 6, 6)),
        # Finnish Christmas Eve is a public holiday, closed even without closed_on_eves
        (FI_NO_EVES, hel(2026, 12, 23, 15), 2, utc(2026, 12, 28, 7)),
        # Finnish New Year's Eve is an ordinary day
        (FI, hel(2026, 12, 30, 15), 2, utc(2026, 12, 31, 7)),
        # Finnish Independence Day Mon 2027-12-06; an ordinary Monday in Sweden
        (FI, hel(2027, 12, 3, 15), 2, utc(2027, 12, 7, 7)),
        (SE, sto(2027, 12, 3, 15), 2, utc(2027, 12, 6, 8)),
        # DST spring-forward Sun 2026-03-29: Fri 15:00 CET + 1 h, Mon 08:00 CEST + 1 h
        (SE, sto(2026, 3, 27, 15), 2, utc(2026, 3, 30, 7)),
        # 40 h from Fri 2026-03-27 15:00 CET: Fri 1, Mon-Thu 30 Mar-2 Apr 32 (33),
        # Good Friday and Easter Monday closed, Tue 7 Apr 08:00 CEST + 7 h = 15:00 CEST
        (SE, sto(2026, 3, 27, 15), 40, utc(2026, 4, 7, 13)),
        # DST fall-back Sun 2026-10-25: Fri 15:00 CEST + 1 h, Mon 08:00 CET + 1 h
        (SE, sto(2026, 10, 23, 15), 2, utc(2026, 10, 26, 8)),
        # 80 h = ten full days: Mon 2026-11-02 08:00 to Fri 11-13 16:00 CET
        (SE, sto(2026, 11, 2, 8), 80, utc(2026, 11, 13, 15)),
        # ... and over Christmas: 14-18, 21-23 Dec, then 28 and 29 Dec (24-27 closed)
        (SE, sto(2026, 12, 14, 8), 80, utc(2026, 12, 29, 15)),
    ],
)
def test_add_support_hours(
    calendar: SupportCalendar, start: datetime, hours: float, expected: datetime
) -> None:
    result = add_support_hours(calendar, start, hours)
    assert result == expected
    assert result.tzinfo is UTC


def test_helsinki_with_saturdays_open() -> None:
    calendar = cal(
        timezone="Europe/Helsinki",
        holiday_country="FI",
        weekdays=[1, 2, 3, 4, 5, 6],
        start="09:00",
        end="17:00",
    )
    # Fri 16:00 EET + 1 h, Sat 09:00 + 2 h = 11:00 EET
    assert add_support_hours(calendar, hel(2026, 3, 6, 16), 3) == utc(2026, 3, 7, 9)
    # Sat 16:00 + 1 h, Sunday closed, Mon 09:00 + 1 h = 10:00 EET
    assert add_support_hours(calendar, hel(2026, 3, 7, 16), 2) == utc(2026, 3, 9, 8)


def test_closed_days_and_open_days() -> None:
    closed = cal(closed_days=[date(2026, 3, 3)])
    # Mon 15:00 + 1 h, Tue closed, Wed 08:00 + 2 h = 10:00 CET
    assert add_support_hours(closed, sto(2026, 3, 2, 15), 3) == utc(2026, 3, 4, 9)

    christmas_open = cal(open_days=[date(2026, 12, 24)])
    assert add_support_hours(christmas_open, sto(2026, 12, 23, 15), 2) == utc(2026, 12, 24, 8)

    saturday_open = cal(open_days=[date(2026, 3, 7)])
    assert add_support_hours(saturday_open, sto(2026, 3, 6, 14), 4) == utc(2026, 3, 7, 9)

    both = cal(closed_days=[date(2026, 3, 3)], open_days=[date(2026, 3, 3)])
    assert is_open_day(both, date(2026, 3, 3))


@pytest.mark.parametrize(
    ("calendar", "day", "is_open"),
    [
        (SE, date(2026, 3, 2), True),
        (SE, date(2026, 3, 7), False),  # Saturday
        (SE, date(2026, 3, 8), False),  # Sunday
        (SE, date(2026, 1, 6), False),  # Epiphany, in both countries
        (FI, date(2026, 1, 6), False),
        (SE, date(2026, 4, 3), False),  # Good Friday
        (SE, date(2026, 4, 6), False),  # Easter Monday
        (SE, date(2026, 6, 19), False),  # Midsummer Eve
        (SE_NO_EVES, date(2026, 6, 19), True),
        (SE, date(2026, 12, 24), False),  # Christmas Eve
        (SE_NO_EVES, date(2026, 12, 24), True),
        (SE, date(2026, 12, 25), False),
        (SE, date(2026, 12, 31), False),  # New Year's Eve
        (SE_NO_EVES, date(2026, 12, 31), True),
        (SE, date(2025, 6, 6), False),  # Swedish National Day
        (FI, date(2025, 6, 6), True),
        (FI_NO_EVES, date(2026, 6, 19), False),  # a public holiday in Finland
        (FI_NO_EVES, date(2026, 12, 24), False),
        (FI, date(2026, 12, 31), True),
        (FI, date(2027, 12, 6), False),  # Independence Day
        (SE, date(2035, 12, 25), False),  # any year
        (cal(holiday_country=None), date(2026, 12, 25), True),
    ],
)
def test_is_open_day(calendar: SupportCalendar, day: date, is_open: bool) -> None:
    assert is_open_day(calendar, day) is is_open


def test_holidays_are_computed_once_per_country_and_year() -> None:
    is_open_day(SE, date(2031, 5, 5))
    before = _closed_dates.cache_info().hits
    is_open_day(SE, date(2031, 5, 6))
    assert _closed_dates.cache_info().hits == before + 1


@pytest.mark.parametrize(
    ("calendar", "a", "b", "expected"),
    [
        (SE, sto(2026, 3, 2, 12), sto(2026, 3, 2, 10), 0.0),
        (SE, sto(2026, 3, 2, 10), sto(2026, 3, 2, 10), 0.0),
        (SE, sto(2026, 3, 2, 10), sto(2026, 3, 2, 12, 30), 2.5),
        (SE, sto(2026, 3, 2), sto(2026, 3, 9), 40.0),  # a whole week
        (SE, sto(2026, 3, 7), sto(2026, 3, 9), 0.0),  # a weekend
        (SE, sto(2026, 12, 21), sto(2026, 12, 28), 24.0),  # Christmas week: Mon-Wed
        (SE, sto(2026, 3, 27, 15), utc(2026, 4, 7, 13), 40.0),  # across DST and Easter
        (SE, utc(2026, 3, 2, 8), utc(2026, 3, 2, 9), 1.0),
    ],
)
def test_support_hours_between(
    calendar: SupportCalendar, a: datetime, b: datetime, expected: float
) -> None:
    assert support_hours_between(calendar, a, b) == pytest.approx(expected)


def test_a_window_spanning_a_dst_change_counts_real_hours() -> None:
    every_day = cal(
        holiday_country=None, weekdays=[1, 2, 3, 4, 5, 6, 7], start="00:00", end="23:59"
    )
    # 00:00-23:59 local is 22 h 59 min on spring-forward day and 24 h 59 min on fall-back
    spring = support_hours_between(every_day, sto(2026, 3, 29), sto(2026, 3, 30))
    autumn = support_hours_between(every_day, sto(2026, 10, 25), sto(2026, 10, 26))
    assert spring == pytest.approx(22 + 59 / 60)
    assert autumn == pytest.approx(24 + 59 / 60)
    # 23:00 UTC on Saturday is 00:00 CET on Sunday; 21:59 UTC is 23:59 CEST
    assert add_support_hours(every_day, sto(2026, 3, 29), spring) == utc(2026, 3, 29, 21, 59)


@pytest.mark.parametrize("hours", [0.5, 1, 7.75, 8, 13, 40, 80, 200, 1000])
@pytest.mark.parametrize(
    "start",
    [
        sto(2026, 3, 2, 9, 17),
        sto(2026, 3, 6, 19),  # Friday evening
        sto(2026, 3, 7, 10),  # Saturday
        sto(2026, 3, 27, 15),  # before spring-forward
        sto(2026, 10, 23, 15, 30),  # before fall-back
        sto(2026, 12, 23, 12),  # before Christmas
    ],
)
def test_between_undoes_add(start: datetime, hours: float) -> None:
    for calendar in (SE, FI):
        end = add_support_hours(calendar, start, hours)
        assert support_hours_between(calendar, start, end) == pytest.approx(hours, abs=1e-6)


def test_results_are_rounded_to_whole_seconds() -> None:
    assert add_support_hours(SE, sto(2026, 3, 2, 9), 0.5 / 3600) == utc(2026, 3, 2, 8, 0, 1)
    assert add_support_hours(SE, sto(2026, 3, 2, 9), 0.4 / 3600) == utc(2026, 3, 2, 8, 0, 0)


def test_zero_hours_return_the_start_unchanged() -> None:
    saturday = sto(2026, 3, 7, 10)
    result = add_support_hours(SE, saturday, 0)
    assert result == saturday and result.tzinfo is UTC


@pytest.mark.parametrize("hours", [-1, -0.001, float("nan"), float("inf")])
def test_bad_hours_raise(hours: float) -> None:
    with pytest.raises(ValueError):
        add_support_hours(SE, sto(2026, 3, 2, 9), hours)


def test_naive_datetimes_raise() -> None:
    with pytest.raises(ValueError):
        add_support_hours(SE, datetime(2026, 3, 2, 9), 1)
    with pytest.raises(ValueError):
        support_hours_between(SE, datetime(2026, 3, 2, 9), sto(2026, 3, 3, 9))


def test_a_calendar_without_open_days_does_not_loop_forever() -> None:
    never_open = replace(SE, weekdays=frozenset())
    with pytest.raises(ValueError):
        add_support_hours(never_open, sto(2026, 3, 2, 9), 1)
    assert support_hours_between(never_open, sto(2026, 3, 2), sto(2026, 4, 2)) == 0.0


def test_large_targets_are_not_cut_off_by_the_guard() -> None:
    # 10 000 h (the largest SLA target) is about five years of 8-hour days
    start = sto(2026, 3, 2, 8)
    end = add_support_hours(SE, start, 10_000)
    assert end.year == 2031
    assert support_hours_between(SE, start, end) == pytest.approx(10_000)
