"""The open data API, version 1: read-only JSON of published plans and their approved
figures, for anyone's page or script (CORS is open for /api/, see settings).

Declared once, with django-ninja: the parameters, errors and limits
(`projects.api.parameters`) and the records (`projects.api.schemas`) are what the
endpoints here check and return, what /api/v1/openapi.json describes (with its
reference page at /api/v1/docs/), and what the open data page (/data/) documents
(`datadoc.documentation`). A field exists in all three or in none.

- A request is of one jurisdiction, ?jurisdiction= (by default the home one,
  settings.HOME_JURISDICTION): every list is its data, every link its pages'
  (`web.addresses.answering_for`), as the pages at its address (/411781/…) show.
- Every list starts from a public queryset: `Plan.objects.published()`,
  `Project.objects.published()`, `ProgressReport.objects.public()`; evidence is only
  that of those reports. Nothing unapproved is ever listed or counted. A survey is
  listed once closed (`Survey.objects.public()`), by its record and counts only.
- Each record is made by its declared schema (`schemas.Record.of`), field by field, and
  checked against it: a new model field appears only when someone declares it.
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
- Limits: page sizes in `projects.api.parameters`, the request rate in
  `projects.api.throttle`.
"""

import functools
import re

from django.conf import settings
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Query
from ninja.errors import ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from projects.api.parameters import (
    PAGE_SIZE,
    PARAMETER_ERRORS,
    CycleFilters,
    Error,
    GeoFilters,
    LevelFilters,
    MatterFilters,
    PlanFilters,
    ProjectFilters,
    QuestionFilters,
    ReportFilters,
    SiteFilters,
    TargetFilters,
    error_response,
)
from projects.api.records import (
    chosen_plans,
    in_plans,
    online_rating_rows,
    public_money,
    public_objections,
    public_sites,
    public_steps,
    public_surveys,
)
from projects.api.schemas import (
    BudgetRecord,
    CandidateRecord,
    CommentRecord,
    ContractRecord,
    FundingRecord,
    LevelRecord,
    MatterRecord,
    NoticeRecord,
    ObjectionRecord,
    OnlineRatingRecord,
    Page,
    PaymentRecord,
    PlanRecord,
    ProjectRecord,
    ProposalRecord,
    QuestionRecord,
    RatingRecord,
    ReportRecord,
    SiteCollection,
    SiteRecord,
    StepRecord,
    SupervisionRecord,
    SurveyRecord,
    TallyRecord,
    TargetRecord,
)
from projects.models import (
    CODE_PATTERN,
    Ballot,
    Budget,
    Candidate,
    Contract,
    Funding,
    Jurisdiction,
    Matter,
    Notice,
    OnlineRating,
    Payment,
    Plan,
    ProgressReport,
    Project,
    PublicInput,
    Rating,
    Supervision,
    Tally,
    Target,
    rollup,
    served_code,
    sites_geojson,
)
from projects.rules import clock
from projects.web.addresses import answering_for, api_path
from projects.web.freshness import cached_public


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
        code = request.GET.get("jurisdiction") or settings.HOME_JURISDICTION
        if not re.fullmatch(CODE_PATTERN, code):
            return error_response(400, "jurisdiction", *PARAMETER_ERRORS["jurisdiction"])
        # one jurisdiction's data, its rows' links at its addresses (web/addresses.py)
        with translation.override("zh-hans"), answering_for(code):
            return view(request, *args, **kwargs)

    return wrapped


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


def paginated(request, filters, queryset, record):
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
    page, site = paginator.page(number), request.build_absolute_uri("/")
    return {
        "count": paginator.count,
        "next": page_url(request, page.next_page_number()) if page.has_next() else None,
        "previous": page_url(request, page.previous_page_number()) if page.has_previous() else None,
        "results": [record.of(item, site) for item in page.object_list],
    }


def page_url(request, number):
    query = request.GET.copy()
    query["page"] = number
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


ERRORS = {400: Error, 429: Error}


# The 429 comes from `projects.api.throttle`, before any view; declared here for clients.
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
    return paginated(request, filters, Plan.objects.published().order_by("-year"), PlanRecord)


@endpoint("projects", ProjectRecord, _("民生实事及其完成率和状态。"))
def projects(request, filters: Query[ProjectFilters]):
    found = in_plans(Project.objects.published(), filters.plan)
    found = found.with_progress(filters.as_of).order_by("-plan__year", "number")
    return paginated(request, filters, found, ProjectRecord)


@endpoint("targets", TargetRecord, _("指标及其当前值、完成率和状态。"))
def targets(request, filters: Query[TargetFilters]):
    found = Target.objects.published()
    found = in_plans(found, filters.plan, "project__plan")
    if filters.project is not None:
        found = found.filter(project__number=filters.project)
    found = (
        found.with_progress(filters.as_of)
        .select_related("project__plan")
        .order_by("-project__plan__year", "project__number", "order", "pk")
    )
    return paginated(request, filters, found, TargetRecord)


@endpoint("reports", ReportRecord, _("经审核的填报，审核时间最新的在前。"))
def reports(request, filters: Query[ReportFilters]):
    found = ProgressReport.objects.newest_public(chosen_plans(filters.plan), filters.as_of)
    if filters.target is not None:
        found = found.filter(target_id=filters.target)
    if filters.project is not None:
        found = found.filter(target__project__number=filters.project)
    return paginated(request, filters, found, ReportRecord)


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
    return paginated(request, filters, found.order_by("-received_at", "-pk"), QuestionRecord)


@endpoint("proposals", ProposalRecord, _("经审核公开的群众推荐及其遴选结果，最新收到的在前。"))
def proposals(request, filters: Query[CycleFilters]):
    found = (
        PublicInput.objects.public()
        .filter(kind=PublicInput.Kind.PROPOSAL)
        .select_related("plan", "candidate")
    )
    found = in_plans(found, filters.plan)
    return paginated(request, filters, found.order_by("-received_at", "-pk"), ProposalRecord)


@endpoint("candidates", CandidateRecord, _("候选项目（遴选阶段起公开）及其票决结果。"))
def candidates(request, filters: Query[CycleFilters]):
    found = Candidate.objects.public().select_related("plan", "lead_department", "project")
    found = found.prefetch_related("supporting_departments", "proposals")
    found = in_plans(found, filters.plan)
    return paginated(request, filters, found.order_by("-plan__year", "order"), CandidateRecord)


@endpoint("comments", CommentRecord, _("经审核公开的群众对候选项目的意见。"))
def comments(request, filters: Query[CycleFilters]):
    found = (
        PublicInput.objects.public()
        .filter(kind=PublicInput.Kind.COMMENT)
        .select_related("plan", "about_candidate")
    )
    found = in_plans(found, filters.plan)
    return paginated(request, filters, found.order_by("-received_at", "-pk"), CommentRecord)


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
    return paginated(request, filters, found, TallyRecord)


@endpoint("ratings", RatingRecord, _("人大代表年终满意度测评的票数和结果。"))
def ratings(request, filters: Query[CycleFilters]):
    found = Rating.objects.public().select_related("project__plan")
    found = in_plans(found, filters.plan, "project__plan")
    found = found.order_by("-project__plan__year", "project__number")
    return paginated(request, filters, found, RatingRecord)


@endpoint("sites", SiteRecord, _("经审核公开的点位及其阶段和坐标（WGS-84）。"))
def sites(request, filters: Query[SiteFilters]):
    return paginated(
        request, filters, public_sites(filters.plan, filters.as_of, filters.project), SiteRecord
    )


@endpoint(
    "online_ratings",
    OnlineRatingRecord,
    _("码上评：按实事、点位和月份统计的网上评价（未经核实，与人大代表测评不同）。"),
)
def online_ratings(request, filters: Query[CycleFilters]):
    found = in_plans(OnlineRating.objects.public(), filters.plan, "project__plan")
    return paginated(request, filters, online_rating_rows(found), OnlineRatingRecord)


@endpoint(
    "surveys",
    SurveyRecord,
    _(
        "满意度抽样调查：调查结束后公开的答卷数、各项占比及其 95% 误差和抽样记录"
        "（不含住户名单、调查码和意见原文；与码上评和人大代表测评分开）。"
    ),
)
def surveys(request, filters: Query[QuestionFilters]):
    found = public_surveys(filters.plan, filters.project)
    return paginated(request, filters, found, SurveyRecord)


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
    return sites_geojson(
        shown, filters.as_of or clock.today(), request.build_absolute_uri("/")[:-1]
    )


@endpoint("notices", NoticeRecord, _("完成公示：数字达到承诺的实事，公示期和异议成立的日期。"))
def notices(request, filters: Query[CycleFilters]):
    found = in_plans(Notice.objects.public(), filters.plan, "project__plan")
    found = found.select_related("project__plan").order_by(
        "-project__plan__year", "project__number", "opens_on", "pk"
    )
    return paginated(request, filters, found, NoticeRecord)


@endpoint("objections", ObjectionRecord, _("经审核公开的对完成公示的异议，及督查部门的认定。"))
def objections(request, filters: Query[CycleFilters]):
    found = in_plans(public_objections(), filters.plan)
    return paginated(request, filters, found.order_by("-received_at", "-pk"), ObjectionRecord)


@endpoint(
    "supervisions",
    SupervisionRecord,
    _("挂牌督办：问题、责任单位、整改要求和时限；销号后公开整改结果。"),
)
def supervisions(request, filters: Query[CycleFilters]):
    found = in_plans(Supervision.objects.public(), filters.plan)
    found = found.select_related("plan", "project", "department").order_by("-opened_at", "-pk")
    return paginated(request, filters, found, SupervisionRecord)


@endpoint(
    "matters",
    MatterRecord,
    _("为群众办实事：各责任单位登记、经审核公开的事项。"),
)
def matters(request, filters: Query[MatterFilters]):
    found = in_plans(Matter.objects.public(), filters.plan).search(filters.q)
    found = found.select_related("plan", "department").order_by("-done_on", "-pk")
    return paginated(request, filters, found, MatterRecord)


@endpoint(
    "budgets",
    BudgetRecord,
    _("经审核的项目预算：计划总投资及各资金来源（万元）；候选项目的估算投资不在其中。"),
)
def budgets(request, filters: Query[QuestionFilters]):
    found = public_money(Budget, filters.plan, filters.project)
    return paginated(request, filters, found, BudgetRecord)


@endpoint("funds", FundingRecord, _("经审核的资金到位：各来源截至某日累计到位的资金（万元）。"))
def funds(request, filters: Query[QuestionFilters]):
    found = public_money(Funding, filters.plan, filters.project)
    return paginated(request, filters, found, FundingRecord)


@endpoint(
    "contracts",
    ContractRecord,
    _("经审核的合同：类别、采购方式、中标单位（个人只写“自然人”）、金额和签订日期。"),
)
def contracts(request, filters: Query[QuestionFilters]):
    found = public_money(Contract, filters.plan, filters.project)
    return paginated(request, filters, found, ContractRecord)


@endpoint("payments", PaymentRecord, _("经审核的合同节点：验收的工程量和日期，拨付的金额和日期。"))
def payments(request, filters: Query[QuestionFilters]):
    found = public_money(Payment, filters.plan, filters.project)
    return paginated(request, filters, found, PaymentRecord)


@endpoint(
    "steps",
    StepRecord,
    _("手续节点（立项、招投标、施工许可、开工……）的计划日期和经审核的实际完成日期。"),
)
def steps(request, filters: Query[QuestionFilters]):
    return paginated(request, filters, public_steps(filters.plan, filters.project), StepRecord)


@endpoint("levels", LevelRecord, _("下辖各级的计划及其完成率、各状态件数和滞后的实事。"))
def levels(request, filters: Query[LevelFilters]):
    jurisdiction = Jurisdiction.objects.filter(code=served_code()).first()
    found = rollup(jurisdiction, filters.plan, filters.as_of) if jurisdiction else []
    return paginated(request, filters, found, LevelRecord)


def openapi_json(request):
    """The document, in UTF-8 like the rest of the API (ninja's own escapes it)."""
    document = api.get_openapi_schema(path_prefix=api_path("projects:api-root"))
    return JsonResponse(
        document, encoder=NinjaJSONEncoder, json_dumps_params={"ensure_ascii": False}
    )
