"""Days and months as people here count them: in Asia/Shanghai (TIME_ZONE), a day
ending at midnight there, a month from its first day to its last."""

import calendar
import re
from datetime import date, datetime, time, timedelta

from django.utils import timezone

MONTH_PATTERN = re.compile(r"([0-9]{4})-([0-9]{2})")


def end_of(day):
    """The first instant after `day`, in Asia/Shanghai."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def month_day(year, month, day):
    """`day` of the month, or the month's last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def month_end(month):
    """The last day of the month `month` (any day of it) is in."""
    return month_day(month.year, month.month, 31)


def first_of_month(day):
    return day.replace(day=1)


def previous_month(month):
    return date(month.year - 1, 12, 1) if month.month == 1 else month.replace(month=month.month - 1)


def months(start, end, day):
    """(first day, last day) of each month from `start`'s to `end`'s, up to `day`."""
    end = min(end, day)
    first = start.replace(day=1)
    while first <= end:
        following = month_end(first) + timedelta(days=1)
        yield first, min(following - timedelta(days=1), day)
        first = following


def parse_month(value):
    """'2021-06' → date(2021, 6, 1); None for anything else ('2021-13', '2021-6', 'abc')."""
    match = MONTH_PATTERN.fullmatch(value)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None
