"""`?as_of=YYYY-MM-DD`: every public page can show the state on a past day.

`public_page` reads the parameter once per request into `request.as_of` (a date, or
None for today) and `request.as_of_error` (a message in the visitor's language). A
malformed or impossible date never becomes an error page: the page shows today's data
with the message, and the context processor puts both in every template.

`read_as_of` is the one reading of the day, for the pages and the API (which refuses
what it cannot read with a 400 instead): a day after today is today.
"""

import functools
import re
from datetime import date

from django.utils.translation import gettext as _

from projects.models import EARLIEST_DAY
from projects.rules import clock

# A date as YYYY-MM-DD and nothing else (date.fromisoformat also reads "20210630" and
# the week date "2021-W26-3").
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def read_as_of(text):
    """The day `text` asks for: a date as YYYY-MM-DD from EARLIEST_DAY on, or None for
    today. A day after today is today: nothing is known of it yet, and a status or a
    公示 judged on it would say what has not happened. ValueError, with the visitor's
    message, for anything else."""
    try:
        day = date.fromisoformat(text) if ISO_DAY.fullmatch(text) else None
    except ValueError:  # no such day: 2021-02-30
        day = None
    if day is None:
        raise ValueError(
            _("日期“%(value)s”无法识别，请使用 年-月-日 格式，如 2021-06-30。以下为最新数据。")
            % {"value": text[:40]}
        )
    if day < EARLIEST_DAY:
        raise ValueError(_("日期过早，以下为最新数据。"))
    return day if day <= clock.today() else None


def parse_as_of(value):
    """(date or None for today, message or None) for the raw parameter."""
    if not value:
        return None, None
    try:
        day = read_as_of(value.strip())
    except ValueError as error:
        return None, str(error)
    if day is None:  # a day after today
        return None, _("不能查看未来的日期，以下为最新数据。")
    return day, None


def public_page(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        request.as_of, request.as_of_error = parse_as_of(request.GET.get("as_of", ""))
        return view(request, *args, **kwargs)

    return wrapped


def as_of_context(request):
    """Template context: the day being shown, and any message about the parameter."""
    return {
        "as_of": getattr(request, "as_of", None),
        "as_of_error": getattr(request, "as_of_error", None),
    }
