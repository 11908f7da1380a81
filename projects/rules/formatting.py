"""How figures are written on every page, in the admin and in exports: one place.

The template filters of the same names (templatetags/progress.py) are these functions."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from projects.rules.numerals import chinese_numeral


def figure(value):
    """Decimal('9100.00') → '9100', Decimal('12.50') → '12.5'; None → '—'."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")


def percent_value(value):
    """A percent rounded as it is published: to one decimal, 四舍五入 (Decimal); a share
    short of the whole never rounds up to 100 (99.96 is 99.9: the target is not met)."""
    exact = Decimal(str(value))
    rounded = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Decimal("99.9") if rounded >= 100 > exact else rounded


def share(part, whole):
    """`part` of `whole` as a percent (Decimal, exact: round it only to show it), or
    None when there is no whole."""
    return Decimal(100) * part / whole if whole else None


def percent(value):
    """45.25 → '45.3%' (四舍五入, as statistics are published), 100.0 → '100%';
    None → 未填报 (never a misleading 0%)."""
    if value is None:
        return _("未填报")
    return f"{figure(percent_value(value))}%"


def points_apart(percent_, expected):
    """How many percentage points a figure is ahead of (+) or behind (−) its 序时进度,
    from the two figures as they are published, so the words agree with them; None
    before any figure."""
    if percent_ is None or expected is None:
        return None
    return percent_value(percent_) - percent_value(expected)


def bar_marker(expected):
    """Where on a bar of 100 its 序时进度 mark stands: the expected percent, kept on
    the bar."""
    if expected is None:
        return 0
    return round(max(0.0, min(100.0, float(expected))), 1)


def bar_width(value):
    """The width of a progress bar, 0–100, for a percent that may be None or above 100."""
    if value is None:
        return 0
    return max(0, min(100, round(float(value))))


def display_name(obj):
    """A plan, project, target or department as the current language names it: the
    English name where officials entered one, else the Chinese."""
    english = get_language() == "en"
    if hasattr(obj, "number"):  # a project: 十一、农村公路 / 11. Rural roads
        title = (english and obj.title_en) or obj.title
        return f"{obj.number}. {title}" if english else f"{chinese_numeral(obj.number)}、{title}"
    for field in ("title", "name"):
        if hasattr(obj, field):
            return (english and getattr(obj, f"{field}_en", "")) or getattr(obj, field)
    return str(obj)
