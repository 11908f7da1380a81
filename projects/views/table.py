"""指标总表: every target of a plan in one table, sortable, filterable and exportable.

The rows come from `Target.objects.with_progress()` (approved reports only), filtered by
`filters.TargetFilter` and shown by `tables.TargetTable`; the exports are the same rows,
all pages, in the same order."""

from django.db.models import Max
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from projects import models
from projects.exchange.spreadsheets import csv_response, xlsx_response
from projects.models import Target
from projects.views.dashboard import plan_context, published_plan
from projects.views.filters import TargetFilter
from projects.views.tables import LenientPaginator, TargetTable
from projects.web.asof import public_page


@public_page
def target_table(request, year):
    plan = published_plan(year)
    targets = (
        Target.objects.filter(project__plan=plan)
        .with_progress(request.as_of)
        .select_related("project__plan", "project__lead_department")
    )
    notice_statuses = models.notice_statuses(plan, request.as_of)
    filterset = TargetFilter(
        request.GET, queryset=targets, plan=plan, notice_statuses=notice_statuses
    )
    if other := filterset.other_plan_year():
        return redirect(same_query_for_plan(request, other))
    export = request.GET.get("export")
    rows = filterset.qs
    if export in ("csv", "xlsx"):
        rows = rows.with_project_complete(request.as_of)  # the exports' 实事已完成
    table = TargetTable(
        rows,
        plan=plan,
        order_by=request.GET.get("sort"),
        notice_statuses=notice_statuses,
    )
    if export in ("csv", "xlsx"):
        return export_response(request, plan, table, export)
    table.paginate(LenientPaginator, page=request.GET.get("page", 1))
    context = {
        **plan_context(request, plan),
        "filterset": filterset,
        "table": table,
        "data_date": filterset.qs.aggregate(latest=Max("last_reported_on"))["latest"],
    }
    return render(request, "projects/targets.html", context)


def same_query_for_plan(request, year):
    """The other plan's table with the same filters and sort, from its first page."""
    query = request.GET.copy()
    query.pop("plan", None)
    query.pop("page", None)
    url = reverse("projects:targets", args=[year])
    return f"{url}?{query.urlencode()}" if query else url


def export_response(request, plan, table, kind):
    headers, rows = table.export_sheet()
    name = _("%(place)s%(year)s年民生实事指标") % {
        "place": plan.jurisdiction.shown_name,
        "year": plan.year,
    }
    # For browsers that cannot take the Chinese: of the plan's jurisdiction.
    fallback = f"{plan.jurisdiction.slug}-{plan.year}-targets"
    return sheet_response(request, kind, (name, fallback), (_("指标"), headers, rows))


def sheet_response(request, kind, names, sheet):
    """A page's table as a CSV or Excel download: `names` (the Chinese file name, and an
    ASCII one for browsers that cannot take it) say the day shown, if not today."""
    name, fallback = names
    if request.as_of:
        name += _("（截至%(day)s）") % {"day": request.as_of.isoformat()}
        fallback += f"-{request.as_of:%Y%m%d}"
    if kind == "csv":
        _title, headers, rows = sheet
        return csv_response(f"{name}.csv", headers, rows, f"{fallback}.csv")
    return xlsx_response(f"{name}.xlsx", [sheet], f"{fallback}.xlsx")
