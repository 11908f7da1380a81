"""The open data API, version 1: read-only JSON of published plans and their approved
figures, for anyone's page or script (CORS is open for /api/, see settings).

- Every list starts from a public queryset: `Plan.objects.published()`,
  `Project.objects.published()`, `ProgressReport.objects.public()`; evidence is only
  that of those reports. Nothing unapproved is ever listed or counted.
- Each record is an explicit dict with stable field names (`*_json` below); a new
  model field appears in the API only when someone adds it here, and to `FIELDS`,
  which the open data page (/data/) shows as the documentation.
- Figures are strings as `formatting.figure` writes them ("12.5", "9100"), so no
  reader turns 0.1 into 0.1000000001; percents are numbers rounded to one decimal as
  the pages show them; dates are ISO 8601.
- A parameter the API cannot use is a 400 with a message in Chinese and English,
  never a guess and never a 500.
- A request costs a fixed number of queries however many rows it returns.
"""

import functools
import re

from django.core.paginator import EmptyPage, Paginator
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from . import pace
from .asof import parse_as_of
from .formatting import figure, percent_value
from .freshness import cached_public
from .models import Plan, ProgressReport, Project, Target

PAGE_SIZE = 100
# Large enough to fetch a whole plan's targets in one request, small enough that one
# request cannot make the server build a response of millions of rows.
MAX_PAGE_SIZE = 500
# Longer numbers than this are no id, year or page of ours (and would overflow SQLite).
WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


# Responses and parameters


class BadParameter(Exception):
    def __init__(self, parameter, message, message_en):
        super().__init__(message_en)
        self.parameter, self.message, self.message_en = parameter, message, message_en


def error_response(status, parameter, message, message_en):
    body = {"error": {"parameter": parameter, "message": message, "message_en": message_en}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def api_view(view):
    """GET and HEAD only; a BadParameter becomes a 400 that says what to change. Answers
    are cached and validated like the public pages (`freshness.cached_public`)."""

    @cached_public
    @functools.wraps(view)
    def wrapped(request):
        if request.method not in ("GET", "HEAD"):
            response = error_response(
                405, None, "开放数据接口只读，只接受 GET 请求。", "The API is read-only: use GET."
            )
            response["Allow"] = "GET, HEAD"
            return response
        try:
            data = view(request)
        except BadParameter as bad:
            return error_response(400, bad.parameter, bad.message, bad.message_en)
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})

    return wrapped


def whole_number(request, name, message, message_en):
    """The parameter as a positive whole number, None if absent or empty."""
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if not WHOLE_NUMBER.fullmatch(value) or int(value) < 1:
        raise BadParameter(name, message, message_en)
    return int(value)


def plans_param(request):
    """[the plan of ?plan=<year>], or None for every published plan."""
    year = whole_number(
        request, "plan", "参数 plan 须为年份，如 2021。", "plan must be a year, such as 2021."
    )
    if year is None:
        return None
    plan = Plan.objects.published().filter(year=year).first()
    if plan is None:
        raise BadParameter(
            "plan",
            f"参数 plan：没有 {year} 年度的公开计划。",
            f"plan: there is no published plan for {year}.",
        )
    return [plan]


def as_of_param(request):
    day, error = parse_as_of(request.GET.get("as_of", ""))
    if error:
        raise BadParameter(
            "as_of",
            "参数 as_of 须为不早于 2000-01-01、不晚于今天的日期，格式为 年-月-日，如 2021-06-30。",
            "as_of must be a date from 2000-01-01 to today, as YYYY-MM-DD, such as 2021-06-30.",
        )
    return day


def paginated(request, queryset, serialize):
    """{count, next, previous, results} for ?page= and ?page_size=."""
    size_message = (
        f"参数 page_size 须为 1 至 {MAX_PAGE_SIZE} 之间的整数。",
        f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}.",
    )
    size = whole_number(request, "page_size", *size_message)
    if size is not None and size > MAX_PAGE_SIZE:
        raise BadParameter("page_size", *size_message)
    number = whole_number(
        request, "page", "参数 page 须为正整数。", "page must be a positive whole number."
    )
    paginator = Paginator(queryset, size or PAGE_SIZE)
    try:
        page = paginator.page(number or 1)
    except EmptyPage:
        raise BadParameter(
            "page",
            f"参数 page 超出范围：共 {paginator.num_pages} 页。",
            f"page is out of range: there are {paginator.num_pages} pages.",
        ) from None
    return {
        "count": paginator.count,
        "next": page_url(request, page.next_page_number()) if page.has_next() else None,
        "previous": page_url(request, page.previous_page_number()) if page.has_previous() else None,
        "results": [serialize(item, request) for item in page.object_list],
    }


def page_url(request, number):
    query = request.GET.copy()
    query["page"] = number
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


# Values


def iso(day):
    return day.isoformat() if day is not None else None


def decimal_text(value):
    """Decimal('9100.00') → "9100", Decimal('12.50') → "12.5"; None → None."""
    return figure(value) if value is not None else None


def rounded(value):
    """A percent rounded to one decimal as the pages show it (四舍五入), or None."""
    return float(percent_value(value)) if value is not None else None


def status_label(status):
    """The status's Chinese name, whatever language the visitor chose for the pages."""
    with translation.override("zh-hans"):
        return str(pace.Status(status).label)


def absolute(request, path):
    return request.build_absolute_uri(path)


# Records


def plan_json(plan, request):
    api_query = f"?plan={plan.year}"
    return {
        "year": plan.year,
        "title": plan.title,
        "title_en": plan.title_en,
        "announced_on": iso(plan.announced_on),
        "period_start": iso(plan.period_start),
        "period_end": iso(plan.period_end),
        "source_name": plan.source_name,
        "source_url": plan.source_url,
        "demo_data": plan.demo_data,
        "url": absolute(request, plan.get_absolute_url()),
        "feed_url": absolute(request, reverse("projects:plan_feed", args=[plan.year])),
        "projects_url": absolute(request, reverse("projects:api_projects") + api_query),
        "targets_url": absolute(request, reverse("projects:api_targets") + api_query),
        "reports_url": absolute(request, reverse("projects:api_reports") + api_query),
    }


def project_json(project, request):
    return {
        "plan": project.plan.year,
        "number": project.number,
        "title": project.title,
        "title_en": project.title_en,
        "pledge_text": project.pledge_text,
        "lead_department": project.lead_department.name if project.lead_department else None,
        "supporting_departments": [d.name for d in project.supporting_departments.all()],
        "due_date": iso(project.due_date),
        "percent": rounded(project.percent),
        "expected_percent": rounded(project.expected_percent),
        "status": project.status,
        "status_label": status_label(project.status),
        "is_complete": project.is_complete,
        "last_reported_on": iso(project.last_reported_on),
        "targets": [target.pk for target in project.targets.all()],
        "url": absolute(request, project.get_absolute_url()),
        "feed_url": absolute(
            request, reverse("projects:project_feed", args=[project.plan.year, project.number])
        ),
    }


def target_json(target, request):
    return {
        "id": target.pk,
        "plan": target.project.plan.year,
        "project": target.project.number,
        "name": target.name,
        "name_en": target.name_en,
        "unit": target.unit,
        "kind": target.kind,
        "is_construction": target.is_construction,
        "target_value": decimal_text(target.target_value),
        "current_value": decimal_text(target.current_value),
        "last_reported_on": iso(target.last_reported_on),
        "percent": rounded(target.percent),
        "expected_percent": rounded(target.expected_percent),
        "status": target.status,
        "status_label": status_label(target.status),
        "url": absolute(request, target.get_absolute_url()),
        "reports_url": absolute(request, f"{reverse('projects:api_reports')}?target={target.pk}"),
    }


def report_json(report, request):
    target = report.target
    return {
        "id": report.pk,
        "plan": target.project.plan.year,
        "project": target.project.number,
        "target": target.pk,
        "target_name": target.name,
        "unit": target.unit,
        "value": decimal_text(report.value),
        "as_of": iso(report.as_of),
        "percent": rounded(report.percent),
        "note": report.note,
        "delay_reason": report.delay_reason,
        "next_steps": report.next_steps,
        "approved_at": timezone.localtime(report.reviewed_at).isoformat()
        if report.reviewed_at
        else None,
        "corrects": report.corrects_id,
        "evidence": [
            {
                "url": absolute(request, evidence.get_absolute_url()),
                "kind": evidence.kind,
                "caption": evidence.caption,
            }
            for evidence in report.evidence.all()
        ],
        "url": absolute(request, target.get_absolute_url()),
    }


# Endpoints


@api_view
def plans(request):
    as_of_param(request)  # checked as everywhere, though a plan's fields do not change with it
    return paginated(request, Plan.objects.published().order_by("-year"), plan_json)


@api_view
def projects(request):
    chosen, as_of = plans_param(request), as_of_param(request)
    found = Project.objects.published()
    if chosen is not None:
        found = found.filter(plan__in=chosen)
    found = found.with_progress(as_of).order_by("-plan__year", "number")
    return paginated(request, found, project_json)


@api_view
def targets(request):
    chosen, as_of = plans_param(request), as_of_param(request)
    project = whole_number(
        request,
        "project",
        "参数 project 须为实事序号（正整数），如 3。",
        "project must be a project number (a positive whole number), such as 3.",
    )
    found = Target.objects.filter(project__in=Project.objects.published())
    if chosen is not None:
        found = found.filter(project__plan__in=chosen)
    if project is not None:
        found = found.filter(project__number=project)
    found = (
        found.with_progress(as_of)
        .select_related("project__plan")
        .order_by("-project__plan__year", "project__number", "order", "pk")
    )
    return paginated(request, found, target_json)


@api_view
def reports(request):
    chosen, as_of = plans_param(request), as_of_param(request)
    target = whole_number(
        request,
        "target",
        "参数 target 须为指标编号（正整数），见 /api/v1/targets/ 的 id。",
        "target must be a target id (a positive whole number) from /api/v1/targets/.",
    )
    project = whole_number(
        request,
        "project",
        "参数 project 须为实事序号（正整数），如 3。",
        "project must be a project number (a positive whole number), such as 3.",
    )
    found = ProgressReport.objects.newest_public(chosen, as_of)
    if target is not None:
        found = found.filter(target_id=target)
    if project is not None:
        found = found.filter(target__project__number=project)
    return paginated(request, found, report_json)


# Documentation, shown on /data/. Field names must match the `*_json` functions above
# (tests/test_open_data.py checks that they do).

TEXT, NUMBER, DATE = _("文本"), _("整数"), _("日期（YYYY-MM-DD）")
FIGURE = _("数字字符串，如 “12.5”")
PERCENT = _("数字（一位小数）或 null")
URL = _("网址")

PLAN_PARAMETER = ("plan", _("年度，如 2021；不填则为全部公开的年度计划"))
AS_OF_PARAMETER = (
    "as_of",
    _("历史日期（YYYY-MM-DD）：只计入该日及以前的填报，进度按当日判断"),
)
STATUS = (
    "status",
    _("状态代码"),
    _("complete、on_track、slow、severe、overdue、not_reported 之一"),
)
STATUS_LABEL = ("status_label", TEXT, _("状态的中文名称，如“正常推进”"))

FIELDS = {
    "plans": [
        ("year", NUMBER, _("年度")),
        ("title", TEXT, _("计划标题")),
        ("title_en", TEXT, _("英文标题（可能为空）")),
        ("announced_on", DATE, _("公布日期，原文未注明时为 null")),
        ("period_start", DATE, _("承诺周期开始")),
        ("period_end", DATE, _("承诺周期结束")),
        ("source_name", TEXT, _("来源")),
        ("source_url", URL, _("来源链接（可能为空）")),
        ("demo_data", _("布尔值"), _("为 true 时进度是演示数据，不是真实填报")),
        ("url", URL, _("本站的计划页面")),
        ("feed_url", URL, _("该计划最新进展的 Atom 订阅")),
        ("projects_url", URL, _("该计划的实事（本接口）")),
        ("targets_url", URL, _("该计划的指标（本接口）")),
        ("reports_url", URL, _("该计划的填报（本接口）")),
    ],
    "projects": [
        ("plan", NUMBER, _("年度")),
        ("number", NUMBER, _("实事序号，在同一年度内唯一")),
        ("title", TEXT, _("简称")),
        ("title_en", TEXT, _("英文简称（可能为空）")),
        ("pledge_text", TEXT, _("承诺原文")),
        ("lead_department", TEXT, _("牵头单位，公告未列明时为 null")),
        ("supporting_departments", _("文本列表"), _("配合单位")),
        ("due_date", DATE, _("完成时限")),
        (
            "percent",
            PERCENT,
            _(
                "完成率：各指标完成率的平均数（单项最多按 100 计，未填报按 0 计），"
                "尚无填报时为 null"
            ),
        ),
        ("expected_percent", PERCENT, _("序时进度")),
        STATUS,
        STATUS_LABEL,
        ("is_complete", _("布尔值"), _("所有指标都已达到目标值")),
        ("last_reported_on", DATE, _("最近一次经审核填报的截至日期，或 null")),
        ("targets", _("整数列表"), _("该实事各指标的 id")),
        ("url", URL, _("本站的实事页面")),
        ("feed_url", URL, _("该实事最新进展的 Atom 订阅")),
    ],
    "targets": [
        ("id", NUMBER, _("指标编号，长期不变")),
        ("plan", NUMBER, _("年度")),
        ("project", NUMBER, _("实事序号")),
        ("name", TEXT, _("指标名称")),
        ("name_en", TEXT, _("英文名称（可能为空）")),
        ("unit", TEXT, _("单位")),
        ("kind", TEXT, _("quantity（数量指标）或 milestone（节点指标，完成为 1）")),
        ("is_construction", _("布尔值"), _("是否为“开工”类指标")),
        ("target_value", FIGURE, _("目标值")),
        ("current_value", FIGURE, _("当前值：最近一次经审核的累计数；尚无填报时为 null")),
        ("last_reported_on", DATE, _("当前值的截至日期，或 null")),
        ("percent", PERCENT, _("完成率 = 当前值 ÷ 目标值 × 100，超额时大于 100")),
        ("expected_percent", PERCENT, _("序时进度")),
        STATUS,
        STATUS_LABEL,
        ("url", URL, _("本站页面上的该指标")),
        ("reports_url", URL, _("该指标的填报（本接口）")),
    ],
    "reports": [
        ("id", NUMBER, _("填报编号，长期不变")),
        ("plan", NUMBER, _("年度")),
        ("project", NUMBER, _("实事序号")),
        ("target", NUMBER, _("指标编号")),
        ("target_name", TEXT, _("指标名称")),
        ("unit", TEXT, _("单位")),
        ("value", FIGURE, _("截至该日期的累计完成值")),
        ("as_of", DATE, _("截至日期")),
        ("percent", PERCENT, _("该数值占目标值的百分比")),
        ("note", TEXT, _("备注（可能为空）")),
        ("delay_reason", TEXT, _("滞后原因（可能为空）")),
        ("next_steps", TEXT, _("下一步措施（可能为空）")),
        ("approved_at", _("时间（ISO 8601，北京时间）"), _("审核通过时间，未记录时为 null")),
        ("corrects", NUMBER, _("本条更正的填报编号；不是更正时为 null")),
        ("evidence", _("列表"), _("佐证材料，每项含 url、kind（image 或 pdf）、caption（说明）")),
        ("url", URL, _("本站页面上的该指标")),
    ],
}

ENDPOINTS = [
    ("plans", "projects:api_plans", _("公开的年度计划，最新年度在前。"), []),
    (
        "projects",
        "projects:api_projects",
        _("民生实事及其完成率和状态。"),
        [PLAN_PARAMETER, AS_OF_PARAMETER],
    ),
    (
        "targets",
        "projects:api_targets",
        _("指标及其当前值、完成率和状态。"),
        [PLAN_PARAMETER, ("project", _("实事序号，如 3")), AS_OF_PARAMETER],
    ),
    (
        "reports",
        "projects:api_reports",
        _("经审核的填报，审核时间最新的在前。"),
        [
            PLAN_PARAMETER,
            ("project", _("实事序号，如 3")),
            ("target", _("指标编号（targets 接口的 id）")),
            ("as_of", _("历史日期（YYYY-MM-DD）：只列出截至日期在该日及以前的填报")),
        ],
    ),
]


def documentation(example_year):
    """The endpoints for the open data page: name, path, an example URL, what it
    lists, its parameters and its fields."""
    paging = [
        ("page", _("页码，从 1 开始，默认 1")),
        (
            "page_size",
            _("每页条数，默认 %(default)s，最多 %(max)s")
            % {"default": PAGE_SIZE, "max": MAX_PAGE_SIZE},
        ),
    ]
    return [
        {
            "name": name,
            "path": reverse(url_name),
            "example": reverse(url_name) + (f"?plan={example_year}" if parameters else ""),
            "summary": summary,
            "parameters": [*parameters, *paging],
            "fields": FIELDS[name],
        }
        for name, url_name, summary, parameters in ENDPOINTS
    ]
