"""Working days (工作日) as China's State Council sets them each year: weekends off,
public holidays off, and the weekend days worked in exchange (调休) on.

The calendar is the `chinesecalendar` package, which carries each year's official
arrangement (国务院办公厅 notice) and raises for a year it does not know yet. For such
a year, which is a future one until the package is updated, Monday to Friday count
and `known()` says so, so a page can tell its reader the count is provisional.
"""

from datetime import timedelta

import chinese_calendar


def is_workday(day):
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not cover yet
        return day.weekday() < 5


def known(day):
    """Whether `day`'s year has its official arrangement in the calendar."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def between(start, end):
    """Working days after `start` up to and including `end` (0 on the same day)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_workday(day)
    return count


def add(start, days):
    """The `days`-th working day after `start`."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        days -= is_workday(day)
    return day
