"""The API's records, declared once: every field required (present, if null), no other
field allowed; what /api/v1/openapi.json describes and the open data page lists."""

from datetime import date
from typing import Annotated, Generic, Literal, TypeVar

from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import ConfigDict, Field, WithJsonSchema

from projects.models import (
    Candidate,
    Evidence,
    PublicInput,
    Rating,
    SiteStage,
    Target,
)
from projects.rules import pace

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
