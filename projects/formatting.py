"""How figures are written on every page, in the admin and in exports: one place.

The template filters of the same names (templatetags/progress.py) are these functions."""

from decimal import ROUND_HALF_UP, Decimal

from .numerals import chinese_numeral

NOT_REPORTED = "未填报"


def figure(value):
    """Decimal('9100.00') → '9100', Decimal('12.50') → '12.5'; None → '—'."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")


def percent(value):
    """45.25 → '45.3%' (四舍五入, as statistics are published), 100.0 → '100%';
    None → 未填报 (never a misleading 0%)."""
    if value is None:
        return NOT_REPORTED
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{figure(rounded)}%"


def bar_width(value):
    """The width of a progress bar, 0–100, for a percent that may be None or above 100."""
    if value is None:
        return 0
    return max(0, min(100, round(float(value))))


def cn_numeral(value):
    return chinese_numeral(int(value))
