"""Tables of the public pages (django-tables2): what each column shows, how it sorts,
and what it exports. Every sort runs in the database, on the figures annotated by
`TargetQuerySet.with_progress`, so a sorted page still costs a fixed number of queries."""

import django_tables2 as tables
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from projects.exchange.spreadsheets import plain_number, rounded_percent
from projects.models import CLOSED_HEADER
from projects.rules import pace
from projects.rules.formatting import display_name, figure, percent

# Rows with equal values keep the plan's order (project, then target), so that
# pages of a sorted table neither repeat nor skip a row.
PLAN_ORDER = ("project__number", "order", "pk")


class SortedInDatabase:
    """A column sorted in the database by `sort_key` (a field, an annotation or an
    expression). Empty values (未填报) come last in both directions, as in a
    spreadsheet; ties keep the plan's order."""

    def __init__(self, *args, sort_key, **kwargs):
        super().__init__(*args, **kwargs)
        self.sort_key = sort_key

    def order(self, queryset, is_descending):
        key = F(self.sort_key) if isinstance(self.sort_key, str) else self.sort_key
        key = key.desc(nulls_last=True) if is_descending else key.asc(nulls_last=True)
        return queryset.order_by(key, *PLAN_ORDER), True


class Column(SortedInDatabase, tables.Column):
    pass


class TemplateColumn(SortedInDatabase, tables.TemplateColumn):
    pass


class LenientPaginator(Paginator):
    """Any `page` parameter gives a page: not a number or below 1, the first; beyond
    the end, the last (as Django's `Paginator.get_page`)."""

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except PageNotAnInteger:
            return 1
        except EmptyPage:
            return 1 if int(number) < 1 else self.num_pages


FIGURE = {"th": {"class": "figure"}, "td": {"class": "figure"}}


class TargetTable(tables.Table):
    """Every target of a plan with its approved figures (from `with_progress`).

    The page shows formatted cells; the exports (`as_values`) the plain values: numbers
    as numbers, dates as dates, 未填报 as an empty cell."""

    project = TemplateColumn(
        verbose_name=_("实事"),
        template_name="django_tables2/target_table_project.html",
        sort_key="project__number",
    )
    department = Column(
        verbose_name=_("牵头单位"),
        accessor="project__lead_department",
        default=_("公告未列明"),
        sort_key="project__lead_department__name",
    )
    name = Column(verbose_name=_("指标"), sort_key="name")
    unit = Column(verbose_name=_("单位"), sort_key="unit")
    target_value = Column(verbose_name=_("目标值"), attrs=FIGURE, sort_key="target_value")
    current_value = Column(
        verbose_name=_("当前值"), attrs=FIGURE, default=_("未填报"), sort_key="current_value"
    )
    percent = Column(
        verbose_name=_("完成率"),
        attrs=FIGURE,
        default=_("未填报"),
        exclude_from_export=True,
        sort_key="percent",
    )
    # The exports give the percent as a number; its header says the unit.
    percent_figure = tables.Column(
        verbose_name=_("完成率（%）"), accessor="percent", visible=False, orderable=False
    )
    status = TemplateColumn(
        verbose_name=_("状态"),
        template_name="django_tables2/target_table_status.html",
        sort_key=pace.status_rank(),  # by severity, most severe first
    )
    last_reported_on = Column(
        verbose_name=_("最近填报"),
        attrs={"td": {"class": "date"}},
        default=_("暂无"),
        sort_key="last_reported_on",
    )
    # The exports only: the row's project 已完成 (`Project.is_closed`), from the
    # annotation `TargetQuerySet.with_project_complete` and the table's notice statuses.
    project_closed = tables.Column(
        verbose_name=CLOSED_HEADER, accessor="project_complete", visible=False, orderable=False
    )

    class Meta:
        template_name = "django_tables2/target_table.html"
        attrs = {"class": "data target-table"}
        per_page = 25
        empty_text = _("没有符合条件的指标。")

    def __init__(self, data, *, plan, order_by=None, notice_statuses=None, **kwargs):
        # One column at a time (`?sort=a,b` sorts by a): each column's `order` sorts the
        # whole queryset, so a second one would silently replace the first.
        first = order_by.split(",")[0] if isinstance(order_by, str) else order_by
        super().__init__(data, order_by=first, **kwargs)
        self.plan = plan
        self.notice_statuses = notice_statuses or {}

    def shown_status(self, record):
        """The target's status; for a target that met its number in a project 公示中 or
        整改中, its project's."""
        if record.status == pace.Status.COMPLETE:
            return self.notice_statuses.get(record.project_id, record.status)
        return record.status

    def render_department(self, value):
        return display_name(value)

    def render_name(self, record):
        return display_name(record)

    def render_target_value(self, value):
        return figure(value)

    def render_current_value(self, value):
        return figure(value)

    def render_percent(self, value):
        return percent(value)

    def render_last_reported_on(self, value):
        return value.isoformat()

    def value_project(self, record):
        return display_name(record.project)

    # Without a value_ method the exports would take the formatted render_ text.

    def value_target_value(self, value):
        return plain_number(value)

    def value_current_value(self, value):
        return plain_number(value)

    def value_percent_figure(self, value):
        return rounded_percent(value)

    def value_status(self, record):
        return pace.Status(self.shown_status(record)).label

    def value_last_reported_on(self, value):
        return value

    def value_project_closed(self, record):
        # 已完成: every target of the project met, and the project neither 公示中 nor
        # 整改中 (`notice_statuses` holds exactly those): `Project.is_closed`.
        closed = record.project_complete and record.project_id not in self.notice_statuses
        return _("是") if closed else _("否")

    def export_sheet(self):
        """(headers, rows) of every row, in the table's order: for `spreadsheets`."""
        values = self.as_values()
        return next(values), list(values)
