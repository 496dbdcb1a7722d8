"""Support-hours arithmetic for SLA targets. Pure: the caller passes the time in.

Open time is the local wall-clock window ``start``-``end`` in the tenant's time zone on
open days: a weekday in ``weekdays`` that is neither a public holiday of
``holiday_country`` (nor, with ``closed_on_eves``, a de facto closed eve) nor one of
``closed_days``. A date in ``open_days`` is open whatever the calendar says.

Eves: for Sweden the ``holidays`` package lists Midsummer, Christmas and New Year's Eve
in its ``de_facto`` category; for Finland Midsummer and Christmas Eve are public
holidays already (so always closed) and there is no ``de_facto`` category.

Every instant is computed by converting local wall times to UTC with ``zoneinfo``, so a
window keeps its real length on the days the clocks change (which happens at night).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from chalicelib.domain.directory import SupportHours

# Give up after this many consecutive days without any open time.
MAX_CLOSED_DAYS = 3 * 366


@dataclass(frozen=True)
class SupportCalendar:
    zone: ZoneInfo
    weekdays: frozenset[int]  # ISO: 1 = Monday ... 7 = Sunday
    start: time
    end: time
    holiday_country: str | None
    closed_on_eves: bool
    closed_days: frozenset[date]
    open_days: frozenset[date]


def calendar_for(hours: SupportHours) -> SupportCalendar:
    return SupportCalendar(
        zone=ZoneInfo(hours.timezone),
        weekdays=frozenset(hours.weekdays),
        start=time.fromisoformat(hours.start),
        end=time.fromisoformat(hours.end),
        holiday_country=hours.holiday_country,
        closed_on_eves=hours.closed_on_eves,
        closed_days=frozenset(hours.closed_days),
        open_days=frozenset(hours.open_days),
    )


@lru_cache(maxsize=256)
def _closed_dates(country: str, year: int, closed_on_eves: bool) -> frozenset[date]:
    import holidays  # imported on first use: it is large, and cold starts matter

    public = holidays.country_holidays(country, years=year)
    if closed_on_eves and "de_facto" in public.supported_categories:
        eves = holidays.country_holidays(country, years=year, categories=("de_facto",))
        return frozenset(public) | frozenset(eves)
    return frozenset(public)


def is_open_day(cal: SupportCalendar, day: date) -> bool:
    if day in cal.open_days:
        return True
    if day.isoweekday() not in cal.weekdays or day in cal.closed_days:
        return False
    if cal.holiday_country is None:
        return True
    return day not in _closed_dates(cal.holiday_country, day.year, cal.closed_on_eves)


def _window(cal: SupportCalendar, day: date) -> tuple[datetime, datetime] | None:
    """The open interval of ``day`` as UTC instants, or None when the day is closed."""
    if not is_open_day(cal, day):
        return None
    opens = datetime.combine(day, cal.start, tzinfo=cal.zone).astimezone(UTC)
    closes = datetime.combine(day, cal.end, tzinfo=cal.zone).astimezone(UTC)
    return (opens, closes) if opens < closes else None


def is_open_now(cal: SupportCalendar, moment: datetime) -> bool:
    """Whether support is open at ``moment`` (the chat's availability, issue 18)."""
    at = _utc(moment, "moment")
    window = _window(cal, at.astimezone(cal.zone).date())
    return window is not None and window[0] <= at < window[1]


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC)


def _whole_seconds(moment: datetime) -> datetime:
    carry = timedelta(seconds=1) if moment.microsecond >= 500_000 else timedelta()
    return moment.replace(microsecond=0) + carry


def add_support_hours(cal: SupportCalendar, start: datetime, hours: float) -> datetime:
    """The UTC instant at which ``hours`` of open time have passed since ``start``.

    Counting begins at the next opening when ``start`` is outside open time; a target
    used up exactly at closing time ends at that closing. ``hours == 0`` gives ``start``
    (in UTC). The result is rounded to whole seconds.
    """
    if not math.isfinite(hours) or hours < 0:
        raise ValueError("hours must be a finite number >= 0")
    moment = _utc(start, "start")
    if hours == 0:
        return moment
    remaining = timedelta(hours=hours)
    day = moment.astimezone(cal.zone).date()
    closed_in_a_row = 0
    while closed_in_a_row <= MAX_CLOSED_DAYS:
        window = _window(cal, day)
        if window is None or window[1] <= moment:
            closed_in_a_row += 1
        else:
            begin, closes = max(window[0], moment), window[1]
            if begin + remaining <= closes:
                return _whole_seconds(begin + remaining)
            remaining -= closes - begin
            closed_in_a_row = 0
        day += timedelta(days=1)
    raise ValueError(f"no open support hours in {MAX_CLOSED_DAYS} days in a row (by {day})")


def support_hours_between(cal: SupportCalendar, a: datetime, b: datetime) -> float:
    """Open hours between the instants ``a`` and ``b`` (0 when ``b <= a``)."""
    a, b = _utc(a, "a"), _utc(b, "b")
    if b <= a:
        return 0.0
    total = timedelta()
    day, last = a.astimezone(cal.zone).date(), b.astimezone(cal.zone).date()
    while day <= last:
        window = _window(cal, day)
        if window:
            overlap = min(window[1], b) - max(window[0], a)
            total += max(overlap, timedelta())
        day += timedelta(days=1)
    return total.total_seconds() / 3600
