"""The admin home's workbench (`projects.admin.workbench`), drawn for the signed-in
official by `{% workbench %}` in templates/admin/index.html."""

from django import template

from projects.admin.workbench import workbench as sections_for

register = template.Library()


@register.inclusion_tag("admin/workbench.html", takes_context=True)
def workbench(context):
    plans, sections = sections_for(context["request"].user)
    return {"plans": plans, "sections": sections}
