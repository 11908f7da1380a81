from django import template

from projects import formatting

register = template.Library()

for name in ("figure", "percent", "bar_width", "cn_numeral", "display_name"):
    register.filter(name, getattr(formatting, name))
