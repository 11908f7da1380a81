from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import json_script
from django.utils.translation import get_language

from projects.rules import formatting

register = template.Library()

for name in ("figure", "percent", "bar_width", "display_name"):
    register.filter(name, getattr(formatting, name))


@register.filter
def display_number(project):
    """A project's number as the current language writes it: 十一 / 11, as in `display_name`."""
    return str(project.number) if get_language() == "en" else project.number_cn


class PlainJSONEncoder(DjangoJSONEncoder):
    """Chinese as UTF-8, not \\uXXXX escapes: half the bytes (json_script still escapes
    < > & so the data cannot close its script element)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "ensure_ascii": False})


@register.filter
def json_data(value, element_id):
    """`json_script` with Chinese written as itself."""
    return json_script(value, element_id, encoder=PlainJSONEncoder)


@register.filter
def undecided(notice, day):
    """Whether an objection to `notice` was public and undecided on `day`."""
    return notice.undecided_on(day)


@register.filter
def shown_status(table, record):
    """A target's status as its table shows it (`TargetTable.shown_status`)."""
    return table.shown_status(record)


@register.filter
def status_label(status):
    from projects.rules.pace import Status

    return Status(status).label
