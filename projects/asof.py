"""`?as_of=YYYY-MM-DD`: every public page can show the state on a past day.

`public_page` reads the parameter once per request into `request.as_of` (a date, or
None for today) and `request.as_of_error` (a message in the visitor's language). A
malformed or impossible date never becomes an error page: the page shows today's data
with the message, and the context processor puts both in every template.
"""

import functools
from datetime import date

from django.utils.translation import gettext as _

from . import clock
from .models import EARLIEST_DAY


def parse_as_of(value):
    """(date or None, error message or None) for the raw parameter."""
    if not value:
        return None, None
    try:
        day = date.fromisoformat(value.strip())
        if len(value.strip()) != 10:
            raise ValueError
    except ValueError:
        return None, _(
            "日期“%(value)s”无法识别，请使用 年-月-日 格式，如 2021-06-30。以下为最新数据。"
        ) % {"value": value[:40]}
    today = clock.today()
    if day > today:
        return None, _("不能查看未来的日期，以下为最新数据。")
    if day < EARLIEST_DAY:
        return None, _("日期过早，以下为最新数据。")
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
