from django import template
from django.utils.translation import get_language

from projects import formatting

register = template.Library()

for name in ("figure", "percent", "bar_width", "display_name"):
    register.filter(name, getattr(formatting, name))


@register.filter
def display_number(project):
    """A project's number as the current language writes it: 十一 / 11, as in `display_name`."""
    return str(project.number) if get_language() == "en" else project.number_cn
