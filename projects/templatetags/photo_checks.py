"""照片核查 beside a photo (templates/admin/projects/includes/photo_checks.html)."""

from django import template

register = template.Library()


@register.filter
def photo_findings(print_):
    """The photo's findings: those a page worked out beforehand with its rules
    (`print_.checked`, so a list of photos reads the rules once), else read now."""
    checked = getattr(print_, "checked", None)
    return checked if checked is not None else print_.findings()
