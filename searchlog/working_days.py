"""Working days in England: weekends and bank holidays left out (review deadlines, reminders)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.utils import timezone


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The working day `count` working days after `start` (start itself not counted)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def deadline_after(moment: datetime, working_days: int) -> datetime:
    """The end (local midnight) of the working day `working_days` working days after `moment`."""
    local = timezone.localtime(moment)
    last_day = add_working_days(local.date(), working_days)
    return timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))
