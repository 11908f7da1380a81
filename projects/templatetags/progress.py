from django import template

from projects import formatting

register = template.Library()

for name in ("figure", "percent", "bar_width", "cn_numeral"):
    register.filter(name, getattr(formatting, name))
