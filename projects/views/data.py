"""最新进展 and 开放数据: the plan's newest approved figures as a page, the open data
page that documents the API and feeds, and the one CSV of every approved figure.

Every list here starts from `ProgressReport.objects.public()` (approved reports of
published plans); the updates page through `newest_public()`, as the feeds do."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from projects.api import archive, datadoc, parameters, records
from projects.api.parameters import WHOLE_NUMBER
from projects.exchange.spreadsheets import attachment, csv_lines
from projects.models import CLOSED_MEANING, COMPLETE_MEANING, Plan, ProgressReport
from projects.rules import pace
from projects.rules.formatting import figure
from projects.views.dashboard import plan_context, published_plan
from projects.web.addresses import served
from projects.web.asof import public_page
from projects.web.freshness import cached_public

UPDATES_PER_PAGE = 20  # a phone screen's worth a few times over; older ones a page away

# Rows fetched from the database at a time while the CSV streams: memory stays flat
# however many reports there are.
CSV_CHUNK_ROWS = 2000


@cached_public
@public_page
def updates(request, year):
    plan = published_plan(year)
    reports = ProgressReport.objects.newest_public([plan], request.as_of)
    page = Paginator(reports, UPDATES_PER_PAGE).get_page(request.GET.get("page"))
    context = {**plan_context(request, plan), "page": page}
    return render(request, "projects/updates.html", context)


@cached_public
def open_data(request):
    plan = Plan.objects.current()
    jurisdiction = served(request)
    context = {
        **plan_context(request, plan),
        "example_year": plan.year if plan else 2021,
        "endpoints": datadoc.documentation(plan.year if plan else 2021),
        "statuses": [(status.value, records.status_label(status)) for status in pace.Status],
        "completion_fields": [("is_complete", COMPLETE_MEANING), ("is_closed", CLOSED_MEANING)],
        "csv_columns": [(header, meaning) for _field, header, meaning in CSV_COLUMNS],
        "page_size": parameters.PAGE_SIZE,
        "max_page_size": parameters.MAX_PAGE_SIZE,
        "packages": archive.listing(jurisdiction, jurisdiction.has_levels),
        "rate_limit": settings.API_RATE_LIMIT,
        "rate_window": settings.API_RATE_WINDOW,
    }
    return render(request, "projects/data.html", context)


# The CSV's columns: (field of the report, header, what it holds). Headers follow the
# visitor's language, like the pages; the open data page lists them with their meaning.
CSV_COLUMNS = [
    ("id", gettext_lazy("填报编号"), gettext_lazy("长期不变，与接口 reports 的 id 相同")),
    ("target__project__plan__year", gettext_lazy("年度"), gettext_lazy("年度计划")),
    ("target__project__number", gettext_lazy("实事序号"), gettext_lazy("在同一年度内唯一")),
    ("target__project__title", gettext_lazy("实事"), gettext_lazy("实事简称")),
    (
        "target__project__lead_department__name",
        gettext_lazy("牵头单位"),
        gettext_lazy("公告未列明时为空"),
    ),
    ("target_id", gettext_lazy("指标编号"), gettext_lazy("与接口 targets 的 id 相同")),
    ("target__name", gettext_lazy("指标"), gettext_lazy("指标名称")),
    ("target__unit", gettext_lazy("单位"), gettext_lazy("目标值和完成值的单位")),
    ("target__target_value", gettext_lazy("目标值"), gettext_lazy("承诺的目标值")),
    ("value", gettext_lazy("累计完成值"), gettext_lazy("截至该日期的累计数，不是本期新增数")),
    ("as_of", gettext_lazy("截至日期"), gettext_lazy("YYYY-MM-DD")),
    ("note", gettext_lazy("备注"), gettext_lazy("可能为空")),
    ("delay_reason", gettext_lazy("滞后原因"), gettext_lazy("进度落后于序时进度时填写")),
    ("next_steps", gettext_lazy("下一步措施"), gettext_lazy("进度落后于序时进度时填写")),
    ("reviewed_at", gettext_lazy("审核通过时间（北京时间）"), gettext_lazy("YYYY-MM-DD HH:MM:SS")),
    (
        "corrects_id",
        gettext_lazy("更正的填报编号"),
        gettext_lazy("本条更正了哪一条此前公开的填报；不是更正时为空"),
    ),
]
CSV_FIELDS = [field for field, _header, _meaning in CSV_COLUMNS]
CSV_TEXTS = {  # what people typed: made safe for spreadsheets (spreadsheets.csv_lines)
    CSV_FIELDS.index(field)
    for field in [
        "target__project__title",
        "target__project__lead_department__name",
        "target__name",
        "target__unit",
        "note",
        "delay_reason",
        "next_steps",
    ]
}


def csv_row(row):
    cells = dict(zip(CSV_FIELDS, row, strict=True))
    cells["target__target_value"] = figure(cells["target__target_value"])
    cells["value"] = figure(cells["value"])
    cells["as_of"] = cells["as_of"].isoformat()
    if cells["reviewed_at"] is not None:
        cells["reviewed_at"] = timezone.localtime(cells["reviewed_at"]).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
    return list(cells.values())


@require_safe
def reports_csv(request):
    """Every approved figure of every published plan, streamed: one row per report,
    oldest plan, project and target first, each target's reports in date order.
    `?target=<id>`: one target's (the full history its page links to)."""
    rows = ProgressReport.objects.public()
    target = request.GET.get("target", "")
    if target:
        if not WHOLE_NUMBER.fullmatch(target):
            message = _("参数 target 须为指标编号（正整数），见页面上的链接。")
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        rows = rows.filter(target_id=int(target))
    rows = rows.order_by(
        "target__project__plan__year",
        "target__project__number",
        "target__order",
        "target_id",
        "as_of",
        "id",
    ).values_list(*CSV_FIELDS)
    headers = [str(header) for _field, header, _meaning in CSV_COLUMNS]
    lines = csv_lines(
        headers, (csv_row(row) for row in rows.iterator(chunk_size=CSV_CHUNK_ROWS)), CSV_TEXTS
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    jurisdiction = served(request)
    name = _("%(place)s民生实事填报数据.csv") % {"place": jurisdiction.shown_name}
    response["Content-Disposition"] = attachment(name, f"{jurisdiction.slug}-reports.csv")
    return response


@cached_public
def package_file(request, year, name):
    """A file of the plan's data package (projects/api/archive.py): datapackage.json, a
    CSV beside it, or the zip of them all; of a year the jurisdiction keeps no plan of,
    its levels' package."""
    plan = Plan.objects.published().select_related("jurisdiction").of_year(year).first()
    if plan is not None:
        files = archive.files_of(plan, request)
    else:  # a city keeping no plan of its own: its levels' package
        files = archive.levels_files_of(served(request), year, request) or {}
    if name not in files:
        raise Http404(name)
    content_type = PACKAGE_TYPES[name.rsplit(".", 1)[-1]]
    response = HttpResponse(files[name], content_type=content_type)
    if name.endswith(".zip"):
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


PACKAGE_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}
