from django import template
from django.utils.translation import gettext as _

from projects.models import wan as wan_text

register = template.Library()


@register.filter
def wan(amount):
    """An amount in 万元 as shown (two places at most); 未填报 where nobody reported
    one, never a misleading 0."""
    return _("未填报") if amount is None else wan_text(amount)
