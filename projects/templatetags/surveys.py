"""How a survey's figures are written (templates/projects/survey_results.html): shares
and margins of error as percents with one decimal, 四舍五入, as statistics are
published; the same digits in every row, so a column reads evenly."""

from decimal import Decimal

from django import template

from projects.rules.formatting import percent_value

register = template.Library()


def points(value):
    """A share 0–1 in percent, one decimal (Decimal): 0.4525 → 45.3, 1 → 100.0."""
    return percent_value(Decimal(str(value)) * 100)


@register.filter
def share_percent(value):
    """0.4525 → '45.3%'; None → '—'."""
    return "—" if value is None else f"{points(value)}%"


@register.filter
def margin_points(value):
    """A 95 % margin of error 0–1 in percentage points: 0.0214 → '±2.1'; None → '—'."""
    return "—" if value is None else f"±{points(value)}"
