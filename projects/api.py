"""The open data API, version 1: read-only JSON of published plans and their approved
figures, for anyone's page or script (CORS is open for /api/, see settings).

Declared once, with django-ninja: the parameters, records, errors and limits below are
what the endpoints check and return, what /api/v1/openapi.json describes (with its
reference page at /api/v1/docs/), and what the open data page (/data/) documents
(`documentation`). A field exists in all three or in none.

- Every list starts from a public queryset: `Plan.objects.published()`,
  `Project.objects.published()`, `ProgressReport.objects.public()`; evidence is only
  that of those reports. Nothing unapproved is ever listed or counted.
- Each record is an explicit dict (`*_json`) checked against its declared schema, which
  forbids any other field: a new model field appears only when someone declares it.
- Figures are strings as `formatting.figure` writes them ("12.5", "9100"), so no
  reader turns 0.1 into 0.1000000001; percents are numbers rounded to one decimal as
  the pages show them; dates are ISO 8601.
- A parameter the API cannot use is a 400 with a message in Chinese and English,
  never a guess and never a 500; an empty parameter counts as absent. The document
  states what each parameter may be (a plan's year from 2000 to 2100, a day from
  2000-01-01), and every value it allows is answered: a filter that finds nothing (a
  year without a published plan) gives an empty page, and so does a page past the last
  (with the count); a day after today is today (`asof.read_as_of`).
- A request costs a fixed number of queries however many rows it returns.
- Limits: page sizes here, the request rate in `projects.throttle`.
"""

import functools
import re
from datetime import date
from typing import Annotated, Generic, Literal, TypeVar

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Query, Schema
from ninja.errors import ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema

from . import clock, pace
from .asof import read_as_of
from .formatting import figure, percent_value
from .freshness import cached_public
from .models import (
    EARLIEST_DAY,
    LAST_PLAN_YEAR,
    Ballot,
    Candidate,
    Evidence,
    Matter,
    Notice,
    OnlineRating,
    Plan,
    ProgressReport,
    Project,
    PublicInput,
    Rating,
    Site,
    SiteStage,
    Supervision,
    Tally,
    Target,
    sites_geojson,
)

PAGE_SIZE = 100
# Large enough to fetch a whole plan's targets in one request, small enough that one
# request cannot make the server build a response of millions of rows.
MAX_PAGE_SIZE = 500
# Longer numbers than this are no id, year or page of ours (and would overflow SQLite).
WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
LARGEST = 10**18 - 1


# Errors


def error_response(status, parameter, message, message_en):
    body = {"error": {"parameter": parameter, "message": message, "message_en": message_en}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


# What each parameter must be, said when it is not.
PARAMETER_ERRORS = {
    "plan": (
        f"参数 plan 须为 {EARLIEST_DAY.year} 至 {LAST_PLAN_YEAR} 之间的年份，如 2021。",
        f"plan must be a year from {EARLIEST_DAY.year} to {LAST_PLAN_YEAR}, such as 2021.",
    ),
    "as_of": (
        f"参数 as_of 须为不早于 {EARLIEST_DAY} 的日期，格式为 年-月-日，如 2021-06-30。",
        f"as_of must be a date from {EARLIEST_DAY} on, as YYYY-MM-DD, such as 2021-06-30.",
    ),
    "target": (
        "参数 target 须为指标编号（正整数），见 /api/v1/targets/ 的 id。",
        "target must be a target id (a positive whole number) from /api/v1/targets/.",
    ),
    "project": (
        "参数 project 须为实事序号（正整数），如 3。",
        "project must be a project number (a positive whole number), such as 3.",
    ),
    "page_size": (
        f"参数 page_size 须为 1 至 {MAX_PAGE_SIZE} 之间的整数。",
        f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}.",
    ),
    "page": ("参数 page 须为正整数。", "page must be a positive whole number."),
    "q": ("参数 q 最多 50 个字。", "q may have at most 50 characters."),
}


class ErrorDetail(Schema):
    parameter: str | None = Field(description=_("无法使用的参数，与参数无关时为 null"))
    message: str = Field(description=_("中文说明"))
    message_en: str = Field(description=_("英文说明"))


class Error(Schema):
    error: ErrorDetail


# Parameters. Each is declared with the type a client should send; the validators keep
# the checks as strict as they have always been ("+3", "3_0", "1.0" are no whole number).

EMPTY = {"type": "string", "maxLength": 0}  # "?plan=" counts as no plan given


def _whole_number(value):
    # Only an empty value counts as absent: " " is no number, as the document says.
    text = "" if value is None else str(value)
    if not text:
        return None
    if not WHOLE_NUMBER.fullmatch(text):
        raise ValueError("not a whole number")
    return int(text)


def _day(value):
    text = "" if value is None else str(value)
    if not text:  # as for numbers: only an empty value counts as absent
        return None
    return read_as_of(text)  # not stripped: " 2021-06-30" is no date, as the document says


def WholeNumber(maximum=LARGEST, minimum=1):  # a type, named like one
    return Annotated[
        Annotated[int, Field(ge=minimum, le=maximum)] | None,
        BeforeValidator(_whole_number),
        WithJsonSchema(
            {"anyOf": [{"type": "integer", "minimum": minimum, "maximum": maximum}, EMPTY]}
        ),
    ]


# A plan's year, as the model allows it. A year in these bounds without a published
# plan is a filter like any other: it finds nothing (`chosen_plans`).
Year = WholeNumber(LAST_PLAN_YEAR, minimum=EARLIEST_DAY.year)


# A date from EARLIEST_DAY (2000-01-01) on: a year of 2000 or later. The document cannot
# say "up to today", a bound that moves; a day after today is answered as today
# (`read_as_of`), and each as_of parameter says so (`as_of_field`).
DAY_PATTERN = r"^[2-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
Day = Annotated[
    date | None,
    BeforeValidator(_day),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date", "pattern": DAY_PATTERN}, EMPTY]}
    ),
]


def as_of_field(meaning):
    """An as_of parameter: what the day means to the list, and what a later day does."""
    return Field(None, description=format_lazy("{}{}", meaning, _("；晚于今天的日期按今天")))


def _page_size_description():
    return gettext("每页条数，默认 %(default)s，最多 %(max)s") % {
        "default": PAGE_SIZE,
        "max": MAX_PAGE_SIZE,
    }


class Paging(Schema):
    page: WholeNumber() = Field(None, description=_("页码，从 1 开始，默认 1"))
    page_size: WholeNumber(MAX_PAGE_SIZE) = Field(
        None, description=lazy(_page_size_description, str)()
    )


class PlanFilters(Paging):
    as_of: Day = as_of_field(_("历史日期（YYYY-MM-DD）；计划本身不随日期变化"))


class ProjectFilters(Paging):
    plan: Year = Field(None, description=_("年度，如 2021；不填则为全部公开的年度计划"))
    as_of: Day = as_of_field(_("历史日期（YYYY-MM-DD）：只计入该日及以前的填报，进度按当日判断"))


class TargetFilters(ProjectFilters):
    project: WholeNumber() = Field(None, description=_("实事序号，如 3"))


class ReportFilters(ProjectFilters):
    as_of: Day = as_of_field(_("历史日期（YYYY-MM-DD）：只列出截至日期在该日及以前的填报"))
    project: WholeNumber() = Field(None, description=_("实事序号，如 3"))
    target: WholeNumber() = Field(None, description=_("指标编号（targets 接口的 id）"))


# Records. Every field is required (present, if null), and no other field is allowed.

Url = Annotated[str, WithJsonSchema({"type": "string", "format": "uri"})]
# A figure's unit is the record's `unit` field; a percent's is "%".
Figure = Annotated[
    str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", json_schema_extra={"x-unit-field": "unit"})
]
Percent = Annotated[float, Field(json_schema_extra={"x-unit": "%"})]
Moment = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
StatusCode = Literal[tuple(pace.Status.values)]


class Record(Schema):
    model_config = ConfigDict(extra="forbid")


class PlanRecord(Record):
    year: int = Field(description=_("年度"))
    title: str = Field(description=_("计划标题"))
    title_en: str = Field(description=_("英文标题（可能为空）"))
    announced_on: date | None = Field(description=_("公布日期，原文未注明时为 null"))
    period_start: date = Field(description=_("承诺周期开始"))
    period_end: date = Field(description=_("承诺周期结束"))
    source_name: str = Field(description=_("来源"))
    source_url: str = Field(description=_("来源链接（可能为空）"))
    demo_data: bool = Field(description=_("为 true 时进度是演示数据，不是真实填报"))
    url: Url = Field(description=_("本站的计划页面"))
    feed_url: Url = Field(description=_("该计划最新进展的 Atom 订阅"))
    projects_url: Url = Field(description=_("该计划的实事（本接口）"))
    targets_url: Url = Field(description=_("该计划的指标（本接口）"))
    reports_url: Url = Field(description=_("该计划的填报（本接口）"))


class ProjectRecord(Record):
    plan: int = Field(description=_("年度"))
    number: int = Field(description=_("实事序号，在同一年度内唯一"))
    title: str = Field(description=_("简称"))
    title_en: str = Field(description=_("英文简称（可能为空）"))
    pledge_text: str = Field(description=_("承诺原文"))
    lead_department: str | None = Field(description=_("牵头单位，公告未列明时为 null"))
    supporting_departments: list[str] = Field(description=_("配合单位"))
    due_date: date | None = Field(description=_("完成时限"))
    percent: Percent | None = Field(
        description=_(
            "完成率：各指标完成率的平均数（单项最多按 100 计，未填报按 0 计），尚无填报时为 null"
        )
    )
    expected_percent: Percent | None = Field(description=_("序时进度"))
    status: StatusCode = Field(description=_("状态代码"))
    status_label: str = Field(description=_("状态的中文名称，如“正常推进”"))
    is_complete: bool = Field(description=_("所有指标都已达到目标值"))
    last_reported_on: date | None = Field(description=_("最近一次经审核填报的截至日期，或 null"))
    targets: list[int] = Field(description=_("该实事各指标的 id"))
    url: Url = Field(description=_("本站的实事页面"))
    feed_url: Url = Field(description=_("该实事最新进展的 Atom 订阅"))


class TargetRecord(Record):
    id: int = Field(description=_("指标编号，长期不变"))
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    name: str = Field(description=_("指标名称"))
    name_en: str = Field(description=_("英文名称（可能为空）"))
    unit: str = Field(description=_("单位"))
    kind: Literal[tuple(Target.Kind.values)] = Field(
        description=_("quantity（数量指标）或 milestone（节点指标，完成为 1）")
    )
    is_construction: bool = Field(description=_("是否为“开工”类指标"))
    target_value: Figure = Field(description=_("目标值"))
    current_value: Figure | None = Field(
        description=_("当前值：最近一次经审核的累计数；尚无填报时为 null")
    )
    last_reported_on: date | None = Field(description=_("当前值的截至日期，或 null"))
    percent: Percent | None = Field(description=_("完成率 = 当前值 ÷ 目标值 × 100，超额时大于 100"))
    expected_percent: Percent | None = Field(description=_("序时进度"))
    status: StatusCode = Field(description=_("状态代码"))
    status_label: str = Field(description=_("状态的中文名称，如“正常推进”"))
    url: Url = Field(description=_("本站页面上的该指标"))
    reports_url: Url = Field(description=_("该指标的填报（本接口）"))


class EvidenceRecord(Record):
    url: Url = Field(description=_("文件地址"))
    kind: Literal[tuple(Evidence.Kind.values)] = Field(description=_("image 或 pdf"))
    caption: str = Field(description=_("说明"))


class ReportRecord(Record):
    id: int = Field(description=_("填报编号，长期不变"))
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    target: int = Field(description=_("指标编号"))
    target_name: str = Field(description=_("指标名称"))
    unit: str = Field(description=_("单位"))
    value: Figure = Field(description=_("截至该日期的累计完成值"))
    as_of: date = Field(description=_("截至日期"))
    percent: Percent | None = Field(description=_("该数值占目标值的百分比"))
    note: str = Field(description=_("备注（可能为空）"))
    delay_reason: str = Field(description=_("滞后原因（可能为空）"))
    next_steps: str = Field(description=_("下一步措施（可能为空）"))
    approved_at: Moment | None = Field(description=_("审核通过时间（北京时间），未记录时为 null"))
    corrects: int | None = Field(description=_("本条更正的填报编号；不是更正时为 null"))
    evidence: list[EvidenceRecord] = Field(
        description=_("佐证材料，每项含 url、kind（image 或 pdf）、caption（说明）")
    )
    url: Url = Field(description=_("本站页面上的该指标"))


class QuestionFilters(Paging):
    plan: Year = Field(None, description=_("年度，如 2021；不填则为全部公开的年度计划"))
    project: WholeNumber() = Field(None, description=_("实事序号，如 3"))


class QuestionRecord(Record):
    id: int = Field(description=_("留言编号，长期不变"))
    plan: int = Field(description=_("年度"))
    project: int | None = Field(description=_("实事序号；不针对某件实事时为 null"))
    kind: Literal[tuple(PublicInput.ANSWERED_KINDS)] = Field(
        description=_("类型：question（群众留言）、deputy（人大代表意见）或 problem（码上提）")
    )
    site: int | None = Field(description=_("在哪个点位提出（sites 的 id），或 null"))
    text: str = Field(description=_("留言内容（经审核公开；不含留言人的姓名和电话）"))
    place: str = Field(description=_("街道/社区（可能为空）"))
    photo_url: Url | None = Field(description=_("所附照片的地址，没有时为 null"))
    received_on: date = Field(description=_("收到日期"))
    state: Literal[tuple(PublicInput.PUBLIC_STATES)] = Field(
        description=_("published（已公开）或 merged（已合并到另一条，见 merged_into）")
    )
    merged_into: int | None = Field(description=_("合并到的留言编号，或 null"))
    answer: str | None = Field(description=_("经审核公开的答复，尚未答复时为 null"))
    answer_department: str | None = Field(description=_("答复单位，或 null"))
    answered_on: date | None = Field(description=_("答复公开日期，或 null"))
    working_days: int | None = Field(
        description=_("从收到到答复公开用了几个工作日（法定节假日和调休按国务院安排），或 null")
    )
    url: Url | None = Field(description=_("本站页面上的该留言"))


class ProposalRecord(Record):
    id: int = Field(description=_("推荐编号，长期不变"))
    plan: int = Field(description=_("推荐给哪一年度的计划"))
    title: str = Field(description=_("推荐的项目"))
    category: Literal[tuple(PublicInput.Category.values)] | None = Field(
        description=_("类别代码，或 null")
    )
    text: str = Field(description=_("为什么要办（经审核公开；不含推荐人的姓名和电话）"))
    place: str = Field(description=_("街道/社区（可能为空）"))
    photo_url: Url | None = Field(description=_("所附照片的地址，没有时为 null"))
    received_on: date = Field(description=_("收到日期"))
    state: Literal[tuple(PublicInput.PUBLIC_STATES)] = Field(
        description=_("published（已公开）或 merged（已合并到另一条，见 merged_into）")
    )
    merged_into: int | None = Field(description=_("合并到的推荐编号，或 null"))
    outcome: Literal[tuple(PublicInput.Outcome.values)] | None = Field(
        description=_("adopted（列为候选）、not_adopted（不予采纳），遴选前为 null")
    )
    outcome_note: str = Field(description=_("遴选结果的说明或不予采纳的原因（可能为空）"))
    candidate: int | None = Field(description=_("列为的候选项目序号，或 null"))
    url: Url = Field(description=_("本站征集页面上的该推荐"))


class CycleFilters(Paging):
    plan: Year = Field(None, description=_("年度，如 2027；不填则为全部公开的年度计划"))


class CandidateRecord(Record):
    plan: int = Field(description=_("年度"))
    order: int = Field(description=_("候选序号，在同一年度内唯一"))
    title: str = Field(description=_("简称"))
    pledge_text: str = Field(description=_("项目内容"))
    lead_department: str = Field(description=_("牵头单位"))
    supporting_departments: list[str] = Field(description=_("配合单位"))
    investment: Figure = Field(
        description=_("估算投资（万元）"), json_schema_extra={"x-unit": "万元"}
    )
    state: Literal[tuple(Candidate.State.values)] = Field(
        description=_("candidate（候选）、elected（当选）或 not_elected（未当选）")
    )
    project: int | None = Field(description=_("当选后的实事序号，或 null"))
    proposals: list[int] = Field(description=_("来自哪些群众推荐（proposals 的 id）"))


class TallyRecord(Record):
    ballot: int = Field(description=_("票决记录编号"))
    plan: int = Field(description=_("年度"))
    session: str = Field(description=_("会议"))
    held_on: date = Field(description=_("表决日期"))
    round: int = Field(description=_("轮次：1 为首轮，2 起为同票项目的重新表决"))
    deputies: int = Field(description=_("在任代表人数"))
    present: int = Field(description=_("出席代表人数"))
    seats: int = Field(description=_("名额（件数）"))
    cancelled: bool = Field(description=_("为 true 时此记录已作废，不计入结果"))
    cancel_reason: str = Field(description=_("作废原因（可能为空）"))
    candidate: int = Field(description=_("候选序号"))
    candidate_title: str = Field(description=_("候选项目简称"))
    votes_for: int = Field(description=_("赞成票"))
    votes_against: int = Field(description=_("反对票"))
    abstentions: int = Field(description=_("弃权票"))


class RatingRecord(Record):
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    held_on: date = Field(description=_("测评日期"))
    satisfied: int = Field(description=_("满意票"))
    basic: int = Field(description=_("基本满意票"))
    unsatisfied: int = Field(description=_("不满意票"))
    verdict: Literal[tuple(Rating.Verdict.values)] = Field(
        description=_("按计划的测评规则得出的结果：satisfied、basic 或 unsatisfied")
    )
    verdict_label: str = Field(description=_("结果的中文名称"))


class CommentRecord(Record):
    id: int = Field(description=_("意见编号，长期不变"))
    plan: int = Field(description=_("年度"))
    candidate: int = Field(description=_("针对的候选序号"))
    text: str = Field(description=_("意见内容（经审核公开；不含姓名和电话）"))
    place: str = Field(description=_("街道/社区（可能为空）"))
    received_on: date = Field(description=_("收到日期"))
    url: Url = Field(description=_("本站征集页面上的该意见"))


class SiteFilters(ProjectFilters):
    as_of: Day = as_of_field(_("历史日期（YYYY-MM-DD）：点位的阶段按当日判断"))
    project: WholeNumber() = Field(None, description=_("实事序号，如 8"))


class SiteRecord(Record):
    id: int = Field(description=_("点位编号，长期不变（民生码的地址 /m/s 后面就是这个编号）"))
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    target: int = Field(description=_("指标编号（targets 的 id）"))
    name: str = Field(description=_("点位名称"))
    street: str = Field(description=_("街道（乡镇）"))
    community: str = Field(description=_("社区（村），可能为空"))
    address: str = Field(description=_("地址，可能为空"))
    longitude: float | None = Field(
        description=_("经度（WGS-84，六位小数），没有坐标时为 null"),
        json_schema_extra={"x-unit": "度"},
    )
    latitude: float | None = Field(
        description=_("纬度（WGS-84，六位小数），没有坐标时为 null"),
        json_schema_extra={"x-unit": "度"},
    )
    stage: Literal[tuple(SiteStage.values)] = Field(
        description=_("阶段：0 未开工、1 已开工、2 主体完工、3 已完工、4 已验收")
    )
    stage_label: str = Field(description=_("阶段的中文名称"))
    stage_since: date = Field(description=_("达到该阶段的日期"))
    url: Url = Field(description=_("点位的手机页面（民生码打开的地址）"))


class OnlineRatingRecord(Record):
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    site: int | None = Field(
        description=_("在哪个点位评价（sites 的 id）；在实事的民生码评价时为 null")
    )
    month: date = Field(description=_("月份（该月的第一天，北京时间）"))
    satisfied: int = Field(description=_("满意"))
    fair: int = Field(description=_("基本满意"))
    dissatisfied: int = Field(description=_("不满意"))
    total: int = Field(description=_("合计（未经核实的网上评价：每个浏览器每月一次）"))


class GeoPoint(Record):
    type: Literal["Point"]
    coordinates: list[float] = Field(
        min_length=2, max_length=2, description=_("[经度, 纬度]，WGS-84（RFC 7946）")
    )


class SiteProperties(Record):
    name: str
    street: str
    community: str
    address: str
    project: str
    target: str
    stage: int | None
    stage_label: str | None
    stage_since: date | None
    url: Url


class SiteFeature(Record):
    type: Literal["Feature"]
    id: int
    geometry: GeoPoint
    properties: SiteProperties


class SiteCollection(Record):
    type: Literal["FeatureCollection"]
    features: list[SiteFeature]


class GeoFilters(Schema):
    plan: Year = Field(None, description=_("年度，如 2021；不填则为全部公开的年度计划"))
    as_of: Day = as_of_field(_("历史日期（YYYY-MM-DD）：点位的阶段按当日判断"))


class NoticeRecord(Record):
    id: int = Field(description=_("公示编号，长期不变"))
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    opens_on: date = Field(description=_("数字达到承诺的截至日期（公示从此计）"))
    published_on: date = Field(description=_("达到承诺的数字公开的日期"))
    closes_on: date = Field(description=_("公示截止日期（含）"))
    days: int = Field(description=_("公示期（天）"), json_schema_extra={"x-unit": "天"})
    upheld_on: date | None = Field(description=_("异议成立、实事转为整改中的日期，或 null"))


class SupervisionRecord(Record):
    id: int = Field(description=_("督办编号，长期不变"))
    plan: int = Field(description=_("年度"))
    kind: Literal["lagging", "report", "question"] = Field(
        description=_(
            "事由：lagging（实事进度滞后）、report（逾期未报）、question（留言或代表意见超期未答复）"
        )
    )
    project: int | None = Field(description=_("实事序号，或 null"))
    department: str = Field(description=_("责任单位"))
    problem: str = Field(description=_("问题"))
    requirement: str = Field(description=_("整改要求"))
    opened_on: date = Field(description=_("挂牌日期"))
    deadline: date = Field(description=_("整改时限"))
    closed_on: date | None = Field(description=_("销号日期；未销号为 null"))
    response: str = Field(description=_("整改结果（销号后公开；未销号时为空）"))
    review_note: str = Field(description=_("督查部门的核查意见（销号后公开）"))
    url: Url = Field(description=_("本站挂牌督办页面上的该督办"))


class MatterFilters(Paging):
    plan: Year = Field(None, description=_("年度，如 2021；不填则为全部公开的年度计划"))
    q: str = Field(None, max_length=50, description=_("在事项、地点和说明中搜索的文字"))


class MatterRecord(Record):
    id: int = Field(description=_("事项编号，长期不变"))
    plan: int = Field(description=_("年度"))
    department: str = Field(description=_("责任单位"))
    done_on: date = Field(description=_("办结日期"))
    title: str = Field(description=_("事项"))
    category: str = Field(
        description=_(
            "类别代码：jobs、education、health、elderly、housing、transport、environment、services、other"
        )
    )
    category_label: str = Field(description=_("类别"))
    place: str = Field(description=_("街道/社区（可为空）"))
    beneficiaries: int | None = Field(
        description=_("受益人数；未填时为 null"), json_schema_extra={"x-unit": "人"}
    )
    description: str = Field(description=_("简要说明（可为空）"))
    photo_url: Url | None = Field(description=_("现场照片，或 null"))
    url: Url = Field(description=_("本站为群众办实事页面上的该事项"))


class ObjectionRecord(Record):
    id: int = Field(description=_("异议编号，长期不变"))
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    notice: int = Field(description=_("针对的公示（notices 的 id）"))
    text: str = Field(description=_("异议内容（经审核公开；不含姓名和电话）"))
    received_on: date = Field(description=_("收到日期"))
    outcome: Literal["upheld", "dismissed"] | None = Field(
        description=_("upheld（成立）、dismissed（不成立），尚未认定时为 null")
    )
    outcome_note: str = Field(description=_("认定的理由（尚未认定时为空）"))
    decided_on: date | None = Field(description=_("认定日期，或 null"))
    url: Url = Field(description=_("本站实事页面上的该异议"))


T = TypeVar("T")


class Page(Schema, Generic[T]):
    count: int = Field(description=_("总条数"))
    next: Url | None = Field(description=_("下一页的完整网址，没有时为 null"))
    previous: Url | None = Field(description=_("上一页的完整网址，没有时为 null"))
    results: list[T] = Field(description=_("本页的记录"))


# The API object: JSON as it has always been sent (UTF-8, not escaped; the media type
# without a charset parameter), the bilingual 400 for every unusable parameter.


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


class Api(NinjaAPI):
    def get_content_type(self):
        return "application/json"


api = Api(
    title="驿城区民生实事进度看板 开放数据接口",
    version="1",
    description=_(
        "只读，使用 GET 请求，无需登录或密钥，允许跨域读取。只含经审核公开的数据。"
        "字段说明另见 /data/。"
    ),
    urls_namespace="projects",
    openapi_url="/openapi.json",
    docs_url="/docs/",
    docs=Swagger(settings={"validatorUrl": None}),  # no call to swagger.io's validator
    renderer=Renderer(),
)


@api.exception_handler(ValidationError)
def unusable_parameter(request, exc):
    name = exc.errors[0]["loc"][-1]
    return error_response(400, name, *PARAMETER_ERRORS[name])


def read_only(view):
    """GET and HEAD only (HEAD answered as GET, the server drops the body); answers are
    cached and validated like the public pages (`freshness.cached_public`)."""

    @cached_public
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = error_response(
                405, None, "开放数据接口只读，只接受 GET 请求。", "The API is read-only: use GET."
            )
            response["Allow"] = "GET, HEAD"
            return response
        request.method = "GET"  # ninja dispatches HEAD nowhere
        with translation.override("zh-hans"):  # one document, whatever the cookie says
            return view(request, *args, **kwargs)

    return wrapped


def openapi_json(request):
    """The document, in UTF-8 like the rest of the API (ninja's own escapes it)."""
    document = api.get_openapi_schema(path_prefix=reverse("projects:api-root"))
    return JsonResponse(
        document, encoder=NinjaJSONEncoder, json_dumps_params={"ensure_ascii": False}
    )


def api_root(request):
    """/api/v1/ itself: a person who types it wants the reference page."""
    return redirect("projects:openapi-view")


def urlpatterns():
    """The API's URLs (operations, openapi.json, the reference page), each read-only."""
    patterns, _app, _namespace = api.urls
    own = {"openapi-json": openapi_json, "api-root": api_root}
    return [
        path(str(p.pattern), read_only(own.get(p.name, p.callback)), name=p.name) for p in patterns
    ]


# Paging and values


def paginated(request, filters, queryset, serialize):
    """{count, next, previous, results} for ?page= and ?page_size=. A page past the last
    has no results, as a filter that finds nothing, and the last page as its previous."""
    paginator = Paginator(queryset, filters.page_size or PAGE_SIZE)
    number = filters.page or 1
    if number > paginator.num_pages:
        return {
            "count": paginator.count,
            "next": None,
            "previous": page_url(request, paginator.num_pages),
            "results": [],
        }
    page = paginator.page(number)
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


def chosen_plans(year):
    """The published plans of `year` (?plan=) as a list: of one, or of none when that
    year has none, so that it filters as any parameter does; None for every published
    plan."""
    if year is None:
        return None
    return list(Plan.objects.published().filter(year=year))


def in_plans(found, year, field="plan"):
    """`found` within the published plan of `year` (?plan=): nothing when that year has
    none; every published plan's when none is given."""
    chosen = chosen_plans(year)
    return found if chosen is None else found.filter(**{f"{field}__in": chosen})


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


def plan_json(plan, request):
    api_query = f"?plan={plan.year}"
    return {
        "year": plan.year,
        "title": plan.title,
        "title_en": plan.title_en,
        "announced_on": plan.announced_on,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
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
        "due_date": project.due_date,
        "percent": rounded(project.percent),
        "expected_percent": rounded(project.expected_percent),
        "status": project.status,
        "status_label": status_label(project.status),
        "is_complete": project.is_complete,
        "last_reported_on": project.last_reported_on,
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
        "last_reported_on": target.last_reported_on,
        "percent": rounded(target.percent),
        "expected_percent": rounded(target.expected_percent),
        "status": target.status,
        "status_label": status_label(target.status),
        "url": absolute(request, target.get_absolute_url()),
        "reports_url": absolute(request, f"{reverse('projects:api_reports')}?target={target.pk}"),
    }


def evidence_json(evidence, request):
    return {
        "url": absolute(request, evidence.get_absolute_url()),
        "kind": evidence.kind,
        "caption": evidence.caption,
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
        "as_of": report.as_of,
        "percent": rounded(report.percent),
        "note": report.note,
        "delay_reason": report.delay_reason,
        "next_steps": report.next_steps,
        "approved_at": timezone.localtime(report.reviewed_at).isoformat()
        if report.reviewed_at
        else None,
        "corrects": report.corrects_id,
        "evidence": [evidence_json(evidence, request) for evidence in report.evidence.all()],
        "url": absolute(request, target.get_absolute_url()),
    }


def question_json(item, request):
    answer = item.public_answer()
    return {
        "id": item.pk,
        "plan": item.plan.year,
        "project": item.project.number if item.project else None,
        "kind": item.kind,
        "site": item.site_id,
        "text": item.text,
        "place": item.place,
        "photo_url": absolute(request, reverse("projects:voice_photo", args=[item.key]))
        if item.photo
        else None,
        "received_on": item.received_on,
        "state": item.state,
        "merged_into": item.merged_into_id,
        "answer": answer.text if answer else None,
        "answer_department": answer.department.name if answer else None,
        "answered_on": answer.approved_on if answer else None,
        "working_days": answer.working_days if answer else None,
        "url": absolute(request, item.get_absolute_url()) if item.project else None,
    }


def proposal_json(item, request):
    return {
        "id": item.pk,
        "plan": item.plan.year,
        "title": item.title,
        "category": item.category or None,
        "text": item.text,
        "place": item.place,
        "photo_url": absolute(request, reverse("projects:voice_photo", args=[item.key]))
        if item.photo
        else None,
        "received_on": item.received_on,
        "state": item.state,
        "merged_into": item.merged_into_id,
        "outcome": item.outcome or None,
        "outcome_note": item.outcome_note,
        "candidate": item.candidate.order if item.candidate else None,
        "url": absolute(request, f"{reverse('projects:call', args=[item.plan.year])}#p{item.pk}"),
    }


def candidate_json(candidate, request):
    return {
        "plan": candidate.plan.year,
        "order": candidate.order,
        "title": candidate.title,
        "pledge_text": candidate.pledge_text,
        "lead_department": candidate.lead_department.name,
        "supporting_departments": [d.name for d in candidate.supporting_departments.all()],
        "investment": decimal_text(candidate.investment),
        "state": candidate.state,
        "project": candidate.project.number if candidate.project else None,
        "proposals": [
            p.pk for p in candidate.proposals.all() if p.state in PublicInput.PUBLIC_STATES
        ],
    }


def comment_json(item, request):
    return {
        "id": item.pk,
        "plan": item.plan.year,
        "candidate": item.about_candidate.order,
        "text": item.text,
        "place": item.place,
        "received_on": item.received_on,
        "url": absolute(request, f"{reverse('projects:call', args=[item.plan.year])}#c{item.pk}"),
    }


def tally_json(tally, request):
    ballot = tally.ballot
    return {
        "ballot": ballot.pk,
        "plan": ballot.plan.year,
        "session": ballot.session,
        "held_on": ballot.held_on,
        "round": ballot.round,
        "deputies": ballot.deputies,
        "present": ballot.present,
        "seats": ballot.seats,
        "cancelled": ballot.cancelled_at is not None,
        "cancel_reason": ballot.cancel_reason,
        "candidate": tally.candidate.order,
        "candidate_title": tally.candidate.title,
        "votes_for": tally.votes_for,
        "votes_against": tally.votes_against,
        "abstentions": tally.abstentions,
    }


def rating_json(rating, request):
    return {
        "plan": rating.project.plan.year,
        "project": rating.project.number,
        "held_on": rating.held_on,
        "satisfied": rating.satisfied,
        "basic": rating.basic,
        "unsatisfied": rating.unsatisfied,
        "verdict": rating.verdict,
        "verdict_label": str(rating.get_verdict_display()),
    }


# Endpoints

ERRORS = {400: Error, 429: Error}
# The 429 comes from `projects.throttle`, before any view; declared here for clients.
RATE_LIMITED = {
    "responses": {
        429: {
            "description": "请求过于频繁 / Too many requests",
            "headers": {
                "Retry-After": {
                    "description": "再次请求前应等待的秒数 / seconds to wait",
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
        }
    }
}


def endpoint(name, record, summary):
    return api.get(
        f"/{name}/",
        response={200: Page[record], **ERRORS},
        url_name=f"api_{name}",
        operation_id=name,
        summary=summary,
        openapi_extra=RATE_LIMITED,
    )


@endpoint("plans", PlanRecord, _("公开的年度计划，最新年度在前。"))
def plans(request, filters: Query[PlanFilters]):
    return paginated(request, filters, Plan.objects.published().order_by("-year"), plan_json)


@endpoint("projects", ProjectRecord, _("民生实事及其完成率和状态。"))
def projects(request, filters: Query[ProjectFilters]):
    found = in_plans(Project.objects.published(), filters.plan)
    found = found.with_progress(filters.as_of).order_by("-plan__year", "number")
    return paginated(request, filters, found, project_json)


@endpoint("targets", TargetRecord, _("指标及其当前值、完成率和状态。"))
def targets(request, filters: Query[TargetFilters]):
    found = Target.objects.filter(project__in=Project.objects.published())
    found = in_plans(found, filters.plan, "project__plan")
    if filters.project is not None:
        found = found.filter(project__number=filters.project)
    found = (
        found.with_progress(filters.as_of)
        .select_related("project__plan")
        .order_by("-project__plan__year", "project__number", "order", "pk")
    )
    return paginated(request, filters, found, target_json)


@endpoint("reports", ReportRecord, _("经审核的填报，审核时间最新的在前。"))
def reports(request, filters: Query[ReportFilters]):
    found = ProgressReport.objects.newest_public(chosen_plans(filters.plan), filters.as_of)
    if filters.target is not None:
        found = found.filter(target_id=filters.target)
    if filters.project is not None:
        found = found.filter(target__project__number=filters.project)
    return paginated(request, filters, found, report_json)


@endpoint(
    "questions", QuestionRecord, _("经审核公开的群众留言、人大代表意见及答复，最新收到的在前。")
)
def questions(request, filters: Query[QuestionFilters]):
    found = (
        PublicInput.objects.public()
        .filter(kind__in=PublicInput.ANSWERED_KINDS)
        .select_related("plan", "project", "answer__department")
    )
    found = in_plans(found, filters.plan)
    if filters.project is not None:
        found = found.filter(project__number=filters.project)
    return paginated(request, filters, found.order_by("-received_at", "-pk"), question_json)


@endpoint("proposals", ProposalRecord, _("经审核公开的群众推荐及其遴选结果，最新收到的在前。"))
def proposals(request, filters: Query[CycleFilters]):
    found = (
        PublicInput.objects.public()
        .filter(kind=PublicInput.Kind.PROPOSAL)
        .select_related("plan", "candidate")
    )
    found = in_plans(found, filters.plan)
    return paginated(request, filters, found.order_by("-received_at", "-pk"), proposal_json)


@endpoint("candidates", CandidateRecord, _("候选项目（遴选阶段起公开）及其票决结果。"))
def candidates(request, filters: Query[CycleFilters]):
    found = Candidate.objects.public().select_related("plan", "lead_department", "project")
    found = found.prefetch_related("supporting_departments", "proposals")
    found = in_plans(found, filters.plan)
    return paginated(request, filters, found.order_by("-plan__year", "order"), candidate_json)


@endpoint("comments", CommentRecord, _("经审核公开的群众对候选项目的意见。"))
def comments(request, filters: Query[CycleFilters]):
    found = (
        PublicInput.objects.public()
        .filter(kind=PublicInput.Kind.COMMENT)
        .select_related("plan", "about_candidate")
    )
    found = in_plans(found, filters.plan)
    return paginated(request, filters, found.order_by("-received_at", "-pk"), comment_json)


@endpoint("tallies", TallyRecord, _("代表票决的每一轮、每个候选项目的票数（结果公布后公开）。"))
def tallies(request, filters: Query[CycleFilters]):
    published = Ballot.objects.public().values("plan")
    found = Tally.objects.filter(ballot__plan__in=published).select_related(
        "ballot__plan", "ballot__tied_from__tied_from", "candidate"
    )
    found = in_plans(found, filters.plan, "ballot__plan")
    found = found.order_by(
        "-ballot__plan__year", "ballot__recorded_at", "ballot_id", "candidate__order"
    )
    return paginated(request, filters, found, tally_json)


@endpoint("ratings", RatingRecord, _("人大代表年终满意度测评的票数和结果。"))
def ratings(request, filters: Query[CycleFilters]):
    found = Rating.objects.public().select_related("project__plan")
    found = in_plans(found, filters.plan, "project__plan")
    found = found.order_by("-project__plan__year", "project__number")
    return paginated(request, filters, found, rating_json)


def public_sites(year, as_of, project=None):
    """The public sites of the chosen plans with a stage on the day, in a stable order."""
    found = in_plans(Site.objects.public(), year, "target__project__plan")
    if project is not None:
        found = found.filter(target__project__number=project)
    found = found.order_by("-target__project__plan__year", "target__project__number", "pk")
    return found.shown_on(as_of or clock.today())


def site_json(site, request):
    stage = site.shown_stage
    return {
        "id": site.pk,
        "plan": site.target.project.plan.year,
        "project": site.target.project.number,
        "target": site.target_id,
        "name": site.name,
        "street": site.street,
        "community": site.community,
        "address": site.address,
        "longitude": float(site.longitude) if site.longitude is not None else None,
        "latitude": float(site.latitude) if site.latitude is not None else None,
        "stage": stage.stage,
        "stage_label": str(stage.get_stage_display()),
        "stage_since": stage.as_of,
        "url": absolute(request, site.get_absolute_url()),
    }


@endpoint("sites", SiteRecord, _("经审核公开的点位及其阶段和坐标（WGS-84）。"))
def sites(request, filters: Query[SiteFilters]):
    return paginated(
        request, filters, public_sites(filters.plan, filters.as_of, filters.project), site_json
    )


def online_rating_rows(found):
    """Tallies of online ratings by project, site and month, in a stable order."""
    return (
        found.order_by()
        .values("project__plan__year", "project__number", "site", "month")
        .tallies()
        .order_by("-project__plan__year", "project__number", "site", "-month")
    )


def online_rating_json(row, request):
    return {
        "plan": row["project__plan__year"],
        "project": row["project__number"],
        "site": row["site"],
        "month": row["month"],
        "satisfied": row["satisfied"],
        "fair": row["fair"],
        "dissatisfied": row["dissatisfied"],
        "total": row["total"],
    }


@endpoint(
    "online_ratings",
    OnlineRatingRecord,
    _("码上评：按实事、点位和月份统计的网上评价（未经核实，与人大代表测评不同）。"),
)
def online_ratings(request, filters: Query[CycleFilters]):
    found = in_plans(OnlineRating.objects.public(), filters.plan, "project__plan")
    return paginated(request, filters, online_rating_rows(found), online_rating_json)


@api.get(
    "/sites.geojson",
    response={200: SiteCollection, **ERRORS},
    url_name="api_sites_geojson",
    operation_id="sites_geojson",
    summary=_("点位的 GeoJSON（RFC 7946：WGS-84，经度在前），只含有坐标的点位。"),
    openapi_extra=RATE_LIMITED,
)
def sites_geojson_view(request, filters: Query[GeoFilters]):
    shown = public_sites(filters.plan, filters.as_of)
    return sites_geojson(shown, filters.as_of or clock.today(), absolute(request, "/")[:-1])


def notice_json(notice, request):
    return {
        "id": notice.pk,
        "plan": notice.project.plan.year,
        "project": notice.project.number,
        "opens_on": notice.opens_on,
        "published_on": notice.published_on,
        "closes_on": notice.closes_on,
        "days": notice.days,
        "upheld_on": notice.upheld_on,
    }


def objection_json(item, request):
    return {
        "id": item.pk,
        "plan": item.plan.year,
        "project": item.project.number,
        "notice": item.notice_id,
        "text": item.text,
        "received_on": item.received_on,
        "outcome": item.outcome or None,
        "outcome_note": item.outcome_note,
        "decided_on": item.outcome_on,
        "url": absolute(request, f"{item.project.get_absolute_url()}#q{item.pk}"),
    }


def supervision_json(item, request):
    closed = item.state == Supervision.State.CLOSED
    return {
        "id": item.pk,
        "plan": item.plan.year,
        "kind": item.kind,
        "project": item.project.number if item.project else None,
        "department": str(item.department),
        "problem": item.problem,
        "requirement": item.requirement,
        "opened_on": item.opened_on,
        "deadline": item.deadline,
        "closed_on": item.closed_on,
        "response": item.response if closed else "",
        "review_note": item.review_note if closed else "",
        "url": absolute(request, reverse("projects:supervision", args=[item.plan.year]))
        + f"#s{item.pk}",
    }


def matter_json(matter, request):
    return {
        "id": matter.pk,
        "plan": matter.plan.year,
        "department": matter.department.name,
        "done_on": matter.done_on,
        "title": matter.title,
        "category": matter.category,
        "category_label": matter.get_category_display(),
        "place": matter.place,
        "beneficiaries": matter.beneficiaries,
        "description": matter.description,
        "photo_url": absolute(request, reverse("projects:matter_photo", args=[matter.key]))
        if matter.photo
        else None,
        "url": absolute(request, reverse("projects:matters", args=[matter.plan.year]))
        + f"#m{matter.pk}",
    }


def public_objections():
    return (
        PublicInput.objects.public()
        .filter(kind=PublicInput.Kind.OBJECTION, state=PublicInput.State.PUBLISHED)
        .select_related("plan", "project__plan")
    )


@endpoint("notices", NoticeRecord, _("完成公示：数字达到承诺的实事，公示期和异议成立的日期。"))
def notices(request, filters: Query[CycleFilters]):
    found = in_plans(Notice.objects.public(), filters.plan, "project__plan")
    found = found.select_related("project__plan").order_by(
        "-project__plan__year", "project__number", "opens_on", "pk"
    )
    return paginated(request, filters, found, notice_json)


@endpoint("objections", ObjectionRecord, _("经审核公开的对完成公示的异议，及督查部门的认定。"))
def objections(request, filters: Query[CycleFilters]):
    found = in_plans(public_objections(), filters.plan)
    return paginated(request, filters, found.order_by("-received_at", "-pk"), objection_json)


@endpoint(
    "supervisions",
    SupervisionRecord,
    _("挂牌督办：问题、责任单位、整改要求和时限；销号后公开整改结果。"),
)
def supervisions(request, filters: Query[CycleFilters]):
    found = in_plans(Supervision.objects.public(), filters.plan)
    found = found.select_related("plan", "project", "department").order_by("-opened_at", "-pk")
    return paginated(request, filters, found, supervision_json)


@endpoint(
    "matters",
    MatterRecord,
    _("为群众办实事：各责任单位登记、经审核公开的事项。"),
)
def matters(request, filters: Query[MatterFilters]):
    found = in_plans(Matter.objects.public(), filters.plan).search(filters.q)
    found = found.select_related("plan", "department").order_by("-done_on", "-pk")
    return paginated(request, filters, found, matter_json)


# The open data page's documentation, read from the document above in the visitor's
# language.

KINDS = {
    "integer": _("整数"),
    "number": _("数字（一位小数）"),
    "boolean": _("布尔值"),
    "date": _("日期（YYYY-MM-DD）"),
    "date-time": _("时间（ISO 8601，北京时间）"),
    "uri": _("网址"),
    "figure": _("数字字符串，如 “12.5”"),
    "string": _("文本"),
    "object": _("对象"),
}


def kind(schema):
    """What a field holds, in words: "整数", "日期（YYYY-MM-DD）或 null", "整数列表" …"""
    options = schema.get("anyOf", [schema])
    main = next(option for option in options if option.get("type") != "null")
    if len(options) > 1:
        return _("%(kind)s或 null") % {"kind": kind(main)}
    if "enum" in main:
        return _("以下之一：%(values)s") % {
            "values": gettext("、").join(str(value) for value in main["enum"])
        }
    if main.get("type") == "array":
        return _("%(kind)s列表") % {"kind": kind(main["items"])}
    if "$ref" in main:
        return KINDS["object"]
    if "pattern" in main:
        return KINDS["figure"]
    return KINDS.get(main.get("format"), KINDS.get(main.get("type"), KINDS["string"]))


def documentation(example_year):
    """The endpoints for the open data page: name, path, an example URL, what it
    lists, its parameters and its record's fields (name, kind, meaning)."""
    document = api.get_openapi_schema(path_prefix=reverse("projects:api-root"))
    components = document["components"]["schemas"]
    endpoints = []
    for url, item in document["paths"].items():
        operation = item["get"]
        page = operation["responses"][200]["content"]["application/json"]["schema"]
        page = components[page["$ref"].rsplit("/", 1)[-1]]
        if "results" not in page["properties"]:  # the sites' GeoJSON: said on its own
            continue
        record = components[page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[-1]]
        parameters = sorted(operation["parameters"], key=lambda p: p["name"].startswith("page"))
        endpoints.append(
            {
                "name": operation["operationId"],
                "path": url,
                "example": url
                + (f"?plan={example_year}" if any(p["name"] == "plan" for p in parameters) else ""),
                "summary": operation["summary"],
                "parameters": [(p["name"], p["description"]) for p in parameters],
                "fields": [
                    (name, kind(field), field["description"])
                    for name, field in record["properties"].items()
                ],
            }
        )
    return endpoints
