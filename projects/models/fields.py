"""What every model of the tracker shares: the bounds of a figure and of a day, the
value field, and the limits that decide how much is judged or shown at once."""

from datetime import date

from django.db import models

# Targets judged in one query (TargetQuerySet.judge): their figures go in one JSON
# parameter, their ids in one each (SQLite's default limit is 32,766).
JUDGED_TARGETS = 5000

# The order that makes a target's current approved report the first: the latest as-of
# date and, of one date, the latest entry (ProgressReportQuerySet.current_first).
CURRENT_FIRST = ("-as_of", "-pk")

# Public pages list this many of a target's latest approved reports; the whole history
# is in the CSV and the API.
RECENT_REPORTS = 10

# No plan, figure or rule of this tracker is older; `?as_of=` goes back no further.
EARLIEST_DAY = date(2000, 1, 1)
# A plan's year is from EARLIEST_DAY's to this; the API's document states both bounds
# for `?plan=`.
LAST_PLAN_YEAR = 2100

# A forecast further out than this says only "not at this pace"; none is shown.
FORECAST_HORIZON_DAYS = 3650

# A figure can be at most this large: 999,999,999,999.99 (counts, households, kilometres).
VALUE_MAX_DIGITS = 14
VALUE_DECIMAL_PLACES = 2


VALUE_ERRORS = {
    "invalid": "请填写数字，例如 1200 或 12.5。",
    "max_digits": "数值过大：整数部分最多 12 位。",
    "max_whole_digits": "数值过大：整数部分最多 12 位。",
    "max_decimal_places": "最多填写 2 位小数。",
}


def value_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name,
        max_digits=VALUE_MAX_DIGITS,
        decimal_places=VALUE_DECIMAL_PLACES,
        error_messages=VALUE_ERRORS,
        **kwargs,
    )


# A public call for candidate projects runs at least a month (Henan's 人大代表票决制
# guidance: 公开征集 不少于一个月).
CALL_MIN_DAYS = 30

CALL_RULES = (
    "推荐的项目应当普惠于群众、当年能够完成，不受理只涉及个别住户的诉求；"
    "投诉、信访和诉讼事项请通过相应渠道反映。"
)
