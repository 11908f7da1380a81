"""The API's records, declared once: every field required (present, if null), no other
field allowed; what /api/v1/openapi.json describes and the open data page lists. Each
record is also how its JSON is made (`Record.of`): a field is read from the object's
attribute of that name, or as its `READ` entry says, and nothing else is written; the
endpoints and the data package both make their rows this way."""

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar, Generic, Literal, TypeVar

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import ConfigDict, Field, WithJsonSchema

from projects.api.records import (
    absolute,
    chinese,
    decimal_text,
    moment,
    on_call_page,
    plan_list,
    rounded,
    status_label,
    survey_results,
    voice_photo,
)
from projects.models import (
    CLOSED_MEANING,
    COMPLETE_MEANING,
    Candidate,
    Contract,
    Evidence,
    Jurisdiction,
    Milestone,
    PublicInput,
    Rating,
    SiteStage,
    Source,
    Supervision,
    SurveyAnswer,
    Target,
)
from projects.rules import pace
from projects.rules.formatting import share
from projects.web.addresses import addressed_to, api_reverse

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
    # {field: read(obj, site)} for a field that is not the attribute of its name; `site`
    # is the address absolute URLs start from ("https://…/").
    READ: ClassVar[dict] = {}

    @classmethod
    def of(cls, obj, site):
        """The record of `obj` as a dict of exactly the declared fields."""
        read = cls.READ
        return {
            name: read[name](obj, site) if name in read else getattr(obj, name)
            for name in cls.model_fields
        }


def plan_year(obj, site):
    return obj.plan.year


def project_number(obj, site):
    return obj.project.number


def optional_project(obj, site):
    return obj.project.number if obj.project else None


def of_ballot(name):
    return lambda tally, site: getattr(tally.ballot, name)


def by_key(name):
    return lambda row, site: row[name]


def closed(supervision):
    """A 督办's response and review are public once it is closed."""
    return supervision.state == Supervision.State.CLOSED


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

    READ: ClassVar[dict] = {
        "url": lambda plan, site: absolute(site, plan.get_absolute_url()),
        "feed_url": lambda plan, site: absolute(
            site, reverse("projects:plan_feed", args=[plan.year])
        ),
        "projects_url": lambda plan, site: plan_list(site, "projects:api_projects", plan),
        "targets_url": lambda plan, site: plan_list(site, "projects:api_targets", plan),
        "reports_url": lambda plan, site: plan_list(site, "projects:api_reports", plan),
    }


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
    is_complete: bool = Field(description=COMPLETE_MEANING)
    is_closed: bool = Field(description=CLOSED_MEANING)
    last_reported_on: date | None = Field(description=_("最近一次经审核填报的截至日期，或 null"))
    targets: list[int] = Field(description=_("该实事各指标的 id"))
    url: Url = Field(description=_("本站的实事页面"))
    feed_url: Url = Field(description=_("该实事最新进展的 Atom 订阅"))

    READ: ClassVar[dict] = {
        "plan": plan_year,
        "lead_department": lambda p, site: p.lead_department.name if p.lead_department else None,
        "supporting_departments": lambda p, site: [d.name for d in p.supporting_departments.all()],
        "percent": lambda p, site: rounded(p.percent),
        "expected_percent": lambda p, site: rounded(p.expected_percent),
        "status_label": lambda p, site: status_label(p.status),
        "targets": lambda p, site: [target.pk for target in p.targets.all()],
        "url": lambda p, site: absolute(site, p.get_absolute_url()),
        "feed_url": lambda p, site: absolute(
            site, reverse("projects:project_feed", args=[p.plan.year, p.number])
        ),
    }


def at_its_address(read):
    """`read(level, site)` with `reverse()` naming the level's own addresses."""

    def reading(level, site):
        with addressed_to(level.plan.jurisdiction):
            return read(level, site)

    return reading


class LevelRecord(Record):
    """A level below the jurisdiction asked for, its plan of a year and its figures: a
    row of the city's page of its levels (/411700/plans/2021/levels/)."""

    jurisdiction: str = Field(description=_("行政区划代码"))
    name: str = Field(description=_("行政区划名称"))
    level: Literal[tuple(Jurisdiction.Level.values)] = Field(
        description=_("层级：county 县（区），township 乡镇（街道）")
    )
    parent: str = Field(description=_("上级行政区划代码"))
    plan: int = Field(description=_("年度"))
    title: str = Field(description=_("计划标题"))
    demo_data: bool = Field(description=_("为 true 时进度是演示数据，不是真实填报"))
    projects: int = Field(description=_("实事件数"))
    percent: Percent | None = Field(
        description=_("完成率：各项实事完成率的平均数（未填报按 0 计），均未填报时为 null")
    )
    expected_percent: Percent | None = Field(description=_("序时进度"))
    statuses: dict[StatusCode, int] = Field(description=_("各状态的实事件数（只列出有的状态）"))
    behind: list[int] = Field(description=_("滞后（推进缓慢、严重滞后、逾期未完成）的实事序号"))
    url: Url = Field(description=_("该级计划的页面"))
    projects_url: Url = Field(description=_("该级计划的实事（本接口）"))

    READ: ClassVar[dict] = {
        "jurisdiction": lambda level, site: level.plan.jurisdiction.code,
        "name": lambda level, site: level.plan.jurisdiction.name,
        "level": lambda level, site: level.plan.jurisdiction.level,
        "parent": lambda level, site: level.plan.jurisdiction.parent.code,
        "plan": lambda level, site: level.plan.year,
        "title": lambda level, site: level.plan.title,
        "demo_data": lambda level, site: level.plan.demo_data,
        "projects": lambda level, site: len(level.projects),
        "percent": lambda level, site: rounded(level.percent),
        "expected_percent": lambda level, site: rounded(level.expected_percent),
        "statuses": lambda level, site: {
            status: n for status in pace.SEVERITY if (n := level.count(status))
        },
        "behind": lambda level, site: [project.number for project in level.behind],
        "url": at_its_address(lambda level, site: absolute(site, level.plan.get_absolute_url())),
        "projects_url": lambda level, site: absolute(
            site,
            api_reverse(
                "projects:api_projects",
                plan=level.plan.year,
                jurisdiction=level.plan.jurisdiction.code,
            ),
        ),
    }


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

    READ: ClassVar[dict] = {
        "id": lambda t, site: t.pk,
        "plan": lambda t, site: t.project.plan.year,
        "project": project_number,
        "target_value": lambda t, site: decimal_text(t.target_value),
        "current_value": lambda t, site: decimal_text(t.current_value),
        "percent": lambda t, site: rounded(t.percent),
        "expected_percent": lambda t, site: rounded(t.expected_percent),
        "status_label": lambda t, site: status_label(t.status),
        "url": lambda t, site: absolute(site, t.get_absolute_url()),
        "reports_url": lambda t, site: absolute(
            site, api_reverse("projects:api_reports", target=t.pk)
        ),
    }


class EvidenceRecord(Record):
    url: Url = Field(description=_("文件地址"))
    kind: Literal[tuple(Evidence.Kind.values)] = Field(description=_("image 或 pdf"))
    caption: str = Field(description=_("说明"))

    READ: ClassVar[dict] = {
        "url": lambda evidence, site: absolute(site, evidence.get_absolute_url()),
    }


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

    READ: ClassVar[dict] = {
        "id": lambda r, site: r.pk,
        "plan": lambda r, site: r.target.project.plan.year,
        "project": lambda r, site: r.target.project.number,
        "target": lambda r, site: r.target_id,
        "target_name": lambda r, site: r.target.name,
        "unit": lambda r, site: r.target.unit,
        "value": lambda r, site: decimal_text(r.value),
        "percent": lambda r, site: rounded(r.percent),
        "approved_at": lambda r, site: moment(r.reviewed_at),
        "corrects": lambda r, site: r.corrects_id,
        "evidence": lambda r, site: [EvidenceRecord.of(e, site) for e in r.evidence.all()],
        "url": lambda r, site: absolute(site, r.target.get_absolute_url()),
    }


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

    READ: ClassVar[dict] = {
        "id": lambda item, site: item.pk,
        "plan": plan_year,
        "project": optional_project,
        "site": lambda item, site: item.site_id,
        "photo_url": lambda item, site: voice_photo(item, site),
        "merged_into": lambda item, site: item.merged_into_id,
        "answer": lambda item, site: answer.text if (answer := item.public_answer()) else None,
        "answer_department": lambda item, site: (
            answer.department.name if (answer := item.public_answer()) else None
        ),
        "answered_on": lambda item, site: (
            answer.approved_on if (answer := item.public_answer()) else None
        ),
        "working_days": lambda item, site: (
            answer.working_days if (answer := item.public_answer()) else None
        ),
        "url": lambda item, site: absolute(site, item.get_absolute_url()) if item.project else None,
    }


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

    READ: ClassVar[dict] = {
        "id": lambda item, site: item.pk,
        "plan": plan_year,
        "category": lambda item, site: item.category or None,
        "photo_url": lambda item, site: voice_photo(item, site),
        "merged_into": lambda item, site: item.merged_into_id,
        "outcome": lambda item, site: item.outcome or None,
        "candidate": lambda item, site: item.candidate.order if item.candidate else None,
        "url": lambda item, site: on_call_page(site, item, "p"),
    }


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

    READ: ClassVar[dict] = {
        "plan": plan_year,
        "lead_department": lambda c, site: c.lead_department.name,
        "supporting_departments": lambda c, site: [d.name for d in c.supporting_departments.all()],
        "investment": lambda c, site: decimal_text(c.investment),
        "project": optional_project,
        "proposals": lambda c, site: [
            p.pk for p in c.proposals.all() if p.state in PublicInput.PUBLIC_STATES
        ],
    }


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

    READ: ClassVar[dict] = {
        "ballot": lambda tally, site: tally.ballot.pk,
        "plan": lambda tally, site: tally.ballot.plan.year,
        **{
            name: of_ballot(name)
            for name in ("session", "held_on", "round", "deputies", "present", "seats")
        },
        "cancelled": lambda tally, site: tally.ballot.cancelled_at is not None,
        "cancel_reason": lambda tally, site: tally.ballot.cancel_reason,
        "candidate": lambda tally, site: tally.candidate.order,
        "candidate_title": lambda tally, site: tally.candidate.title,
    }


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

    READ: ClassVar[dict] = {
        "plan": lambda rating, site: rating.project.plan.year,
        "project": project_number,
        "verdict_label": lambda rating, site: str(rating.get_verdict_display()),
    }


class CommentRecord(Record):
    id: int = Field(description=_("意见编号，长期不变"))
    plan: int = Field(description=_("年度"))
    candidate: int = Field(description=_("针对的候选序号"))
    text: str = Field(description=_("意见内容（经审核公开；不含姓名和电话）"))
    place: str = Field(description=_("街道/社区（可能为空）"))
    received_on: date = Field(description=_("收到日期"))
    url: Url = Field(description=_("本站征集页面上的该意见"))

    READ: ClassVar[dict] = {
        "id": lambda item, site: item.pk,
        "plan": plan_year,
        "candidate": lambda item, site: item.about_candidate.order,
        "url": lambda item, site: on_call_page(site, item, "c"),
    }


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

    READ: ClassVar[dict] = {
        "id": lambda s, site: s.pk,
        "plan": lambda s, site: s.target.project.plan.year,
        "project": lambda s, site: s.target.project.number,
        "target": lambda s, site: s.target_id,
        "longitude": lambda s, site: float(s.longitude) if s.longitude is not None else None,
        "latitude": lambda s, site: float(s.latitude) if s.latitude is not None else None,
        "stage": lambda s, site: s.shown_stage.stage,
        "stage_label": lambda s, site: str(s.shown_stage.get_stage_display()),
        "stage_since": lambda s, site: s.shown_stage.as_of,
        "url": lambda s, site: absolute(site, s.get_absolute_url()),
    }


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

    READ: ClassVar[dict] = {
        "plan": lambda row, site: row["project__plan__year"],
        "project": lambda row, site: row["project__number"],
        **{
            name: by_key(name)
            for name in ("site", "month", "satisfied", "fair", "dissatisfied", "total")
        },
    }


# A margin of error: plus or minus this many percentage points.
Points = Annotated[float, Field(json_schema_extra={"x-unit": "百分点"})]


def of_verdict(verdict, value):
    """A reader of `value(row, results)` for the verdict's row (`Share`) of the results
    of a survey fetched by `public_surveys`."""

    def read(survey, site):
        results = survey_results(survey)
        return value(next(row for row in results.shares if row.verdict == verdict), results)

    return read


def answer_count(row, results):
    return row.count


def answer_share(row, results):
    """The share as a percent; None below the minimum (样本不足)."""
    return rounded(share(row.count, results.responses)) if results.enough else None


def answer_margin(row, results):
    """The 95 % margin of error in points, written as the results page writes it; None
    below the minimum."""
    if not results.enough or row.margin is None:
        return None
    return rounded(Decimal(str(row.margin)) * 100)


def count_field(label):
    return Field(
        description=format_lazy(_("答“{}”的答卷数（样本不足时也公布）"), label),
        json_schema_extra={"x-unit": "份"},
    )


def share_field(label):
    return Field(
        description=format_lazy(
            _("答“{}”的答卷占答卷数的百分比；答卷数不足 min_responses（样本不足）时为 null"), label
        )
    )


def margin_field(label):
    return Field(
        description=format_lazy(
            _(
                "“{}”占比的 95% 误差（正负百分点）= 1.96 × √(p(1−p)/n) × √((N−n)/(N−1))，"
                "p 为占比，n 为答卷数，N 为名单户数；样本不足时为 null"
            ),
            label,
        )
    )


SATISFIED, FAIR, DISSATISFIED = (verdict.label for verdict in SurveyAnswer.Verdict)


class SurveyRecord(Record):
    id: int = Field(description=_("调查编号，长期不变"))
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    project_title: str = Field(description=_("实事简称"))
    site: int | None = Field(
        description=_("只调查一个点位周边的住户时为该点位（sites 的 id）；调查整件实事时为 null")
    )
    site_name: str = Field(description=_("点位名称；调查整件实事时为空"))
    title: str = Field(description=_("调查名称"))
    population: int = Field(
        description=_("名单户数 N：导入的受影响住户数（名单只有门牌或编号，调查结束时删除）"),
        json_schema_extra={"x-unit": "户"},
    )
    list_sha256: str = Field(
        description=_("抽样前记录的名单 SHA-256：按导入顺序每户一行（UTF-8，每行以换行符结尾）")
    )
    seed: str = Field(description=_("抽样前记录的随机种子"))
    sample_size: int = Field(
        description=_(
            "抽样户数：按 SHA-256(“种子:行号:门牌”) 从小到大取前这么多户，每户一个一次性调查码"
        ),
        json_schema_extra={"x-unit": "户"},
    )
    drawn_at: Moment = Field(description=_("抽样时间（北京时间）"))
    closed_at: Moment = Field(description=_("调查结束时间（北京时间）"))
    responses: int = Field(description=_("答卷数 n"), json_schema_extra={"x-unit": "份"})
    response_rate: Percent = Field(description=_("回收率 = 答卷数 ÷ 抽样户数 × 100"))
    min_responses: int = Field(
        description=_("公布各项占比所需的最少答卷数（调查结束当日计划规则的数值）"),
        json_schema_extra={"x-unit": "份"},
    )
    enough: bool = Field(
        description=_("答卷数是否达到 min_responses；为 false 时样本不足，各项占比和误差为 null")
    )
    satisfied: int = count_field(SATISFIED)
    fair: int = count_field(FAIR)
    dissatisfied: int = count_field(DISSATISFIED)
    satisfied_share: Percent | None = share_field(SATISFIED)
    fair_share: Percent | None = share_field(FAIR)
    dissatisfied_share: Percent | None = share_field(DISSATISFIED)
    satisfied_margin: Points | None = margin_field(SATISFIED)
    fair_margin: Points | None = margin_field(FAIR)
    dissatisfied_margin: Points | None = margin_field(DISSATISFIED)
    url: Url = Field(description=_("本站的调查结果页面（含计算公式和重新抽样的方法）"))

    READ: ClassVar[dict] = {
        "plan": plan_year,
        "project": project_number,
        "project_title": lambda survey, site: survey.project.title,
        "site": lambda survey, site: survey.site_id,
        "site_name": lambda survey, site: survey.site.name if survey.site else "",
        "drawn_at": lambda survey, site: moment(survey.drawn_at),
        "closed_at": lambda survey, site: moment(survey.closed_at),
        "responses": lambda survey, site: survey_results(survey).responses,
        "response_rate": lambda survey, site: rounded(
            share(survey_results(survey).responses, survey.sample_size)
        ),
        "enough": lambda survey, site: survey_results(survey).enough,
        "url": lambda survey, site: absolute(
            site, reverse("projects:survey_results", args=[survey.plan.year, survey.pk])
        ),
        **{
            f"{verdict}{suffix}": of_verdict(verdict, value)
            for verdict in SurveyAnswer.Verdict.values
            for suffix, value in (
                ("", answer_count),
                ("_share", answer_share),
                ("_margin", answer_margin),
            )
        },
    }


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


class NoticeRecord(Record):
    id: int = Field(description=_("公示编号，长期不变"))
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    opens_on: date = Field(description=_("数字达到承诺的截至日期（公示从此计）"))
    published_on: date = Field(description=_("达到承诺的数字公开的日期"))
    closes_on: date = Field(description=_("公示截止日期（含）"))
    days: int = Field(description=_("公示期（天）"), json_schema_extra={"x-unit": "天"})
    upheld_on: date | None = Field(description=_("异议成立、实事转为整改中的日期，或 null"))

    READ: ClassVar[dict] = {
        "id": lambda notice, site: notice.pk,
        "plan": lambda notice, site: notice.project.plan.year,
        "project": project_number,
    }


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

    READ: ClassVar[dict] = {
        "id": lambda item, site: item.pk,
        "plan": plan_year,
        "project": optional_project,
        "department": lambda item, site: str(item.department),
        "response": lambda item, site: item.response if closed(item) else "",
        "review_note": lambda item, site: item.review_note if closed(item) else "",
        "url": lambda item, site: absolute(
            site, f"{reverse('projects:supervision', args=[item.plan.year])}#s{item.pk}"
        ),
    }


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

    READ: ClassVar[dict] = {
        "id": lambda m, site: m.pk,
        "plan": plan_year,
        "department": lambda m, site: m.department.name,
        "category_label": lambda m, site: m.get_category_display(),
        "photo_url": lambda m, site: (
            absolute(site, reverse("projects:matter_photo", args=[m.key])) if m.photo else None
        ),
        "url": lambda m, site: absolute(
            site, f"{reverse('projects:matters', args=[m.plan.year])}#m{m.pk}"
        ),
    }


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

    READ: ClassVar[dict] = {
        "id": lambda item, site: item.pk,
        "plan": plan_year,
        "project": project_number,
        "notice": lambda item, site: item.notice_id,
        "outcome": lambda item, site: item.outcome or None,
        "decided_on": lambda item, site: item.outcome_on,
        "url": lambda item, site: absolute(site, f"{item.project.get_absolute_url()}#q{item.pk}"),
    }


T = TypeVar("T")


class Page(Schema, Generic[T]):
    count: int = Field(description=_("总条数"))
    next: Url | None = Field(description=_("下一页的完整网址，没有时为 null"))
    previous: Url | None = Field(description=_("上一页的完整网址，没有时为 null"))
    results: list[T] = Field(description=_("本页的记录"))


# Money and the procedure steps (issue 35): approved entries of published plans only.
# Amounts are 万元 written exactly (to the 分 they were entered in), as figures are.
Amount = Annotated[
    str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", json_schema_extra={"x-unit": "万元"})
]


class MoneyDocumentRecord(Record):
    url: Url = Field(description=_("文件地址（只有经审核公开的脱敏件）"))
    kind: str = Field(description=_("image 或 pdf"))
    content_type: str = Field(description=_("文件类型，如 application/pdf"))
    caption: str = Field(description=_("说明（可能为空）"))
    size: int = Field(description=_("文件大小"), json_schema_extra={"x-unit": "字节"})
    sha256: str = Field(
        description=_("文件的 SHA-256 校验值（十六进制），可核对下载的文件未被改动")
    )

    READ: ClassVar[dict] = {
        "url": lambda document, site: absolute(site, document.get_absolute_url()),
    }


def documents_field():
    return Field(
        description=_(
            "经审核公开的材料（脱敏件），每项含 url、kind、content_type、caption、size、sha256；"
            "原件不公开"
        )
    )


def corrects_field():
    return Field(
        description=_(
            "本条更正的记录编号；不是更正时为 null。被更正的记录仍然列出："
            "没有被任何一条更正的才是现行的"
        )
    )


def approved_at_field():
    return Field(description=_("审核通过时间（北京时间），未记录时为 null"))


def amount_of(name):
    return lambda entry, site: decimal_text(getattr(entry, name))


def public_documents(entry, site):
    """The entry's public documents, prefetched as `public_documents` (records.py): an
    entry read without them fails rather than list a private original."""
    return [MoneyDocumentRecord.of(document, site) for document in entry.public_documents]


# How every money entry's shared fields are read.
MONEY_READ = {
    "id": lambda entry, site: entry.pk,
    "plan": lambda entry, site: entry.project.plan.year,
    "project": project_number,
    "approved_at": lambda entry, site: moment(entry.reviewed_at),
    "corrects": lambda entry, site: entry.corrects_id,
    "documents": public_documents,
}


class BudgetRecord(Record):
    id: int = Field(description=_("预算记录编号，长期不变"))
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    total: Amount = Field(description=_("计划总投资（万元）"))
    central: Amount | None = Field(description=_("中央资金（万元），未填报为 null"))
    provincial: Amount | None = Field(description=_("省级资金（万元），未填报为 null"))
    municipal: Amount | None = Field(description=_("市级资金（万元），未填报为 null"))
    district: Amount | None = Field(description=_("区级资金（万元），未填报为 null"))
    bonds: Amount | None = Field(description=_("专项债券（万元），未填报为 null"))
    social: Amount | None = Field(description=_("社会资金（万元），未填报为 null"))
    other: Amount | None = Field(description=_("其他资金（万元），未填报为 null"))
    as_of: date = Field(description=_("填报日期：该预算自此日起适用"))
    note: str = Field(description=_("说明（可能为空）"))
    approved_at: Moment | None = approved_at_field()
    corrects: int | None = corrects_field()
    documents: list[MoneyDocumentRecord] = documents_field()

    READ: ClassVar[dict] = {
        **MONEY_READ,
        **{name: amount_of(name) for name in ("total", *Source.values)},
    }


class FundingRecord(Record):
    id: int = Field(description=_("资金到位记录编号，长期不变"))
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    source: Literal[tuple(Source.values)] = Field(description=_("资金来源代码"))
    source_label: str = Field(description=_("资金来源的中文名称"))
    amount: Amount = Field(description=_("该来源截至 as_of 累计到位的资金（万元），不是本期新增"))
    as_of: date = Field(description=_("截至日期"))
    note: str = Field(description=_("说明（可能为空）"))
    approved_at: Moment | None = approved_at_field()
    corrects: int | None = corrects_field()
    documents: list[MoneyDocumentRecord] = documents_field()

    READ: ClassVar[dict] = {
        **MONEY_READ,
        "amount": amount_of("amount"),
        "source_label": lambda funding, site: chinese(funding.get_source_display),
    }


class ContractRecord(Record):
    id: int = Field(description=_("合同记录编号，长期不变"))
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    kind: Literal[tuple(Contract.Kind.values)] = Field(description=_("合同类别代码"))
    kind_label: str = Field(description=_("合同类别的中文名称，如“施工”"))
    method: Literal[tuple(Contract.Method.values)] = Field(description=_("采购方式代码"))
    method_label: str = Field(description=_("采购方式的中文名称，如“公开招标”"))
    contractor: str = Field(description=_("中标（承包）单位；承包方为个人时只写“自然人”"))
    title: str = Field(description=_("合同名称"))
    amount: Amount = Field(description=_("合同金额（万元）"))
    signed_on: date = Field(description=_("签订日期"))
    notice_url: Url | None = Field(description=_("中标公告的网址，没有时为 null"))
    note: str = Field(description=_("说明（可能为空）"))
    approved_at: Moment | None = approved_at_field()
    corrects: int | None = corrects_field()
    documents: list[MoneyDocumentRecord] = documents_field()

    READ: ClassVar[dict] = {
        **MONEY_READ,
        "amount": amount_of("amount"),
        "kind_label": lambda contract, site: chinese(contract.get_kind_display),
        "method_label": lambda contract, site: chinese(contract.get_method_display),
        # A person is never named: the rule is the model's (`public_contractor`).
        "contractor": lambda contract, site: chinese(lambda: contract.public_contractor),
        "notice_url": lambda contract, site: contract.notice_url or None,
    }


class PaymentRecord(Record):
    id: int = Field(description=_("拨付记录编号，长期不变"))
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    contract: int = Field(description=_("合同记录编号（contracts 的 id）"))
    node: str = Field(description=_("合同节点，如“预付款”“竣工验收”"))
    accepted_work: str = Field(description=_("验收的工程量（可能为空）"))
    accepted_on: date | None = Field(description=_("验收日期，或 null"))
    amount: Amount | None = Field(
        description=_("拨付金额（万元）；已验收尚未拨付时为 null，拨付后另有一条记录更正它")
    )
    paid_on: date | None = Field(description=_("拨付日期；尚未拨付时为 null"))
    note: str = Field(description=_("说明（可能为空）"))
    approved_at: Moment | None = approved_at_field()
    corrects: int | None = corrects_field()
    documents: list[MoneyDocumentRecord] = documents_field()

    READ: ClassVar[dict] = {
        **MONEY_READ,
        "amount": amount_of("amount"),
        "contract": lambda payment, site: payment.contract_id,
    }


class StepRecord(Record):
    id: int = Field(description=_("手续节点编号，长期不变"))
    plan: int = Field(description=_("年度"))
    project: int = Field(description=_("实事序号"))
    step: Literal[tuple(Milestone.Step.values)] = Field(description=_("手续步骤代码"))
    step_label: str = Field(description=_("手续步骤的中文名称，如“施工许可”"))
    title: str = Field(description=_("节点"))
    due_date: date = Field(description=_("计划完成日期"))
    done_on: date | None = Field(
        description=_("实际完成日期（经审核的节点填报写入）；尚未完成或未经审核时为 null")
    )
    documents: list[MoneyDocumentRecord] = Field(
        description=_("经审核的节点填报所附的公开材料（脱敏件），字段同预算等的 documents")
    )

    READ: ClassVar[dict] = {
        "id": lambda step, site: step.pk,
        "plan": lambda step, site: step.project.plan.year,
        "project": project_number,
        "step_label": lambda step, site: chinese(step.get_step_display),
        "documents": lambda step, site: [
            MoneyDocumentRecord.of(document, site)
            for report in step.public_reports
            for document in report.public_documents
        ],
    }
