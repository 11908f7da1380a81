"""Filters of the public lists. A value the form cannot read (a department that is not
a number, a status that does not exist) is reported on the form in Chinese and that one
filter is left out; the page never fails on it."""

import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from projects.models import Department, Plan, Project
from projects.rules import pace
from projects.rules.formatting import display_name


class DepartmentField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return display_name(obj)


class DepartmentFilter(django_filters.ModelChoiceFilter):
    field_class = DepartmentField


class TargetFilter(django_filters.FilterSet):
    """The targets of one plan, by department, status and words in their names.

    `plan` is the plan of the page; the form's plan select offers the other published
    plans, and `other_plan_year()` says which one the visitor picked."""

    plan = django_filters.ChoiceFilter(
        label=_("年度"),
        choices=(),  # the published plans, set in __init__
        field_name="project__plan__year",
        empty_label=None,
        error_messages={"invalid_choice": _("没有这个年度的计划，请从列表中选择。")},
    )
    department = DepartmentFilter(
        label=_("责任单位"),
        queryset=Department.objects.none(),  # the plan's departments, set in __init__
        method="filter_department",
        empty_label=_("全部单位"),
        error_messages={"invalid_choice": _("没有这个责任单位，请从列表中选择。")},
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=pace.Status.choices,
        method="filter_status",
        empty_label=_("全部状态"),
        error_messages={"invalid_choice": _("没有这个状态，请从列表中选择。")},
    )
    q = django_filters.CharFilter(
        label=_("关键词"),
        method="search",
        max_length=50,
        error_messages={"max_length": _("关键词最多 %(limit_value)d 个字。")},
    )

    def __init__(self, data=None, *args, plan, notice_statuses=None, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        data.setdefault("plan", str(plan.year))
        super().__init__(data, *args, **kwargs)
        self.plan = plan
        self.notice_statuses = notice_statuses or {}
        # A list, not a queryset: a select without an empty option would query its
        # queryset once more only to decide on its `required` attribute.
        self.filters["plan"].extra["choices"] = [
            (str(year), gettext("%(year)s年") % {"year": year})
            for year in Plan.objects.published().values_list("year", flat=True)
        ]
        self.filters["department"].queryset = Department.objects.of_plan(plan)

    def filter_status(self, queryset, name, status):
        """A target's status; a target that met its number in a project 公示中 or 整改中
        has its project's (`models.notice.notice_statuses`)."""
        noticed = self.notice_statuses
        if status in pace.NOTICE_STATUSES:
            projects = [pk for pk, found in noticed.items() if found == status]
            return queryset.filter(status=pace.Status.COMPLETE, project__in=projects)
        if status == pace.Status.COMPLETE:
            return queryset.filter(status=status).exclude(project__in=list(noticed))
        return queryset.filter(status=status)

    def filter_department(self, queryset, name, department):
        """Targets of projects the department leads or supports."""
        return queryset.filter(project__in=Project.objects.of_departments([department]))

    def search(self, queryset, name, words):
        words = words.strip()
        if not words:
            return queryset
        return queryset.filter(
            Q(name__icontains=words)
            | Q(name_en__icontains=words)
            | Q(project__title__icontains=words)
            | Q(project__title_en__icontains=words)
        )

    def other_plan_year(self):
        """The year of the published plan picked in the form if it is not the page's."""
        picked = self.form.cleaned_data.get("plan") if not self.errors.get("plan") else None
        return int(picked) if picked and int(picked) != self.plan.year else None
