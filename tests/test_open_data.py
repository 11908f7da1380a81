"""开放数据: the page that documents the API and feeds, and the one CSV of every
approved figure of every published plan."""

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.api import datadoc
from projects.models import (
    Ballot,
    Candidate,
    Jurisdiction,
    Matter,
    Notice,
    OnlineRating,
    PublicInput,
    Rating,
    Site,
    SiteReport,
    Supervision,
    Survey,
    Tally,
)
from projects.rules import clock

from .conftest import build_plan
from .factories import (
    BudgetFactory,
    ContractFactory,
    DepartmentFactory,
    FundingFactory,
    MilestoneFactory,
    PaymentFactory,
    PlanFactory,
    ProjectFactory,
    ReportFactory,
    TargetFactory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNAPPROVED = ["draft", "submitted", "returned", "withdrawn"]
CSV_HEADERS = [
    "填报编号",
    "年度",
    "实事序号",
    "实事",
    "牵头单位",
    "指标编号",
    "指标",
    "单位",
    "目标值",
    "累计完成值",
    "截至日期",
    "备注",
    "滞后原因",
    "下一步措施",
    "审核通过时间（北京时间）",
    "更正的填报编号",
]


@pytest.fixture
def target(plan):
    return TargetFactory(
        project__plan=plan,
        project__number=8,
        project__title="小游园",
        project__lead_department__name="区城管局",
        name="新建小游园",
        unit="座",
        target_value=Decimal("16"),
    )


def download(client, url="/data/reports.csv"):
    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # a BOM, for Excel
    return response, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# The page


def test_the_data_page_documents_every_endpoint_and_field(client, plan):
    html = client.get("/data/").content.decode()
    for endpoint in datadoc.documentation(2021):
        assert f'id="api-{endpoint["name"]}"><code>{endpoint["path"]}</code>' in html
        for name, _kind, _meaning in endpoint["fields"]:
            assert f'<th scope="row"><code>{name}</code></th>' in html, name
        for name, _meaning in endpoint["parameters"]:
            assert f'<th scope="row"><code>{name}</code></th>' in html, name
    assert 'href="/api/v1/reports/?plan=2021"' in html
    assert "<code>count</code>" in html and "<code>next</code>" in html
    assert "as_of=YYYY-MM-DD" in html
    assert "<code>not_reported</code></th><td>未填报</td>" in html
    assert '<a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a>' in html
    assert '<a href="/api/v1/docs/">在线查看和试用</a>' in html
    assert "同一地址每 60 秒最多请求 300 次" in html


def test_the_documented_fields_are_exactly_those_the_api_returns(client, target):
    ReportFactory(target=target)
    PublicInput.objects.create(
        plan=target.project.plan, project=target.project, text="何时开放？", state="published"
    )
    PublicInput.objects.create(
        plan=target.project.plan,
        kind="proposal",
        title="加装电梯",
        text="六层无电梯",
        state="published",
    )
    # One of each record of the year's cycle (written directly: their rules have their
    # own tests in test_ballot.py).
    plan = target.project.plan
    candidate = Candidate.objects.create(
        plan=plan,
        order=1,
        title="小游园",
        pledge_text="建设小游园",
        lead_department=DepartmentFactory(),
        investment=100,
    )
    ballot = Ballot.objects.create(
        plan=plan,
        session="区人代会",
        held_on=date(2021, 1, 10),
        deputies=100,
        present=90,
        seats=1,
        published_at=clock.now(),
    )
    Tally.objects.create(
        ballot=ballot, candidate=candidate, votes_for=80, votes_against=5, abstentions=5
    )
    PublicInput.objects.create(
        plan=plan, kind="comment", about_candidate=candidate, text="赞成", state="published"
    )
    Rating.objects.create(
        project=target.project, held_on=date(2021, 12, 20), satisfied=60, basic=20, unsatisfied=5
    )
    # A site with an approved stage, and an online rating.
    site = Site.objects.create(target=target, name="西园小游园", street="西园街道")
    SiteReport.objects.create(
        site=site, stage=1, as_of=date(2021, 4, 1), state="approved", reviewed_at=clock.now()
    )
    OnlineRating.objects.create(project=target.project, verdict="fair", month=date(2026, 11, 1))
    # A completion notice with an objection to it.
    notice = Notice.objects.create(
        project=target.project,
        report=target.reports.get(),
        opens_on=date(2021, 6, 30),
        published_on=date(2021, 7, 2),
        closes_on=date(2021, 7, 9),
        days=7,
    )
    PublicInput.objects.create(
        plan=plan,
        project=target.project,
        kind="objection",
        notice=notice,
        text="与实际不符",
        state="published",
    )
    # A 挂牌督办, closed.
    Supervision.objects.create(
        plan=plan, kind="lagging", project=target.project,
        department=target.project.lead_department, problem="滞后", requirement="追赶",
        deadline=date(2021, 8, 1), response="已追上", state="closed", closed_at=clock.now(),
    )  # fmt: skip
    # A practical matter, approved.
    Matter.objects.create(
        plan=plan, department=target.project.lead_department, done_on=date(2021, 5, 1),
        title="修路", category="transport", state="approved",
    )  # fmt: skip
    # Money and a procedure step (issue 35), approved.
    BudgetFactory(project=target.project)
    FundingFactory(project=target.project)
    PaymentFactory(contract=ContractFactory(project=target.project))
    MilestoneFactory(project=target.project)
    # A residents' survey, closed (issue 37; its life is tested in test_survey_rules.py).
    Survey.objects.create(
        plan=plan, project=target.project, title="满意度调查", state="closed",
        population=100, list_sha256="0" * 64, seed="1" * 64, sample_size=50,
        drawn_at=clock.now(), closed_at=clock.now(), min_responses=30,
    )  # fmt: skip
    # A 街道 below the district with its plan (issue 38).
    town = Jurisdiction.objects.create(
        code="411702001", name="西园街道", slug="xiyuan", level="township",
        parent=Jurisdiction.objects.home(),
    )  # fmt: skip
    PlanFactory(year=2021, jurisdiction=town)
    for endpoint in datadoc.documentation(2021):
        (record,) = client.get(endpoint["path"]).json()["results"]
        documented = [name for name, _kind, _meaning in endpoint["fields"]]
        assert documented == list(record), endpoint["path"]


def test_the_data_page_says_which_completion_field_means_what(client, plan):
    """is_complete reads the figures, is_closed says 已完成: told beside the status codes
    and in the projects' fields, each with 公示中 and 整改中."""
    html = client.get("/data/").content.decode()
    assert "加入 is_closed 之前归档的数据包保持原样，没有这个字段" in html
    for shown in (
        r"<dt><code>{}</code></dt><dd>([^<]+)</dd>",
        r"<code>{}</code></th><td>布尔值</td><td>([^<]+)</td>",
    ):
        complete, closed = (
            re.search(shown.format(name), html)[1] for name in ("is_complete", "is_closed")
        )
        assert "公示中、整改中的实事也为 true" in complete
        assert closed.startswith("已完成（status 为 complete）：所有指标都已达到目标值，且")
        assert (
            "公示中（完成公示期内，或有异议待认定）和整改中（异议成立，待新的数字）的实事为 false"
            in closed
        )


def test_the_data_page_offers_the_download_feeds_and_says_whose_data_it_is(client, plan):
    html = client.get("/data/").content.decode()
    assert '<a class="download" href="/data/reports.csv" download>' in html
    assert 'href="/plans/2021/feed/" type="application/atom+xml"' in html
    assert "/plans/2021/projects/1/feed/" in html
    assert "由驿城区公开发布" in html
    assert "使用时请注明来源" in html
    for header in CSV_HEADERS:
        assert f'<th scope="row">{header}</th>' in html


def test_the_data_page_has_the_plan_navigation(client, plan):
    html = client.get("/data/").content.decode()
    assert 'href="/plans/2021/updates/">最新进展</a>' in html
    assert "<title>开放数据与接口 · 驿城区民生实事进度看板</title>" in html
    assert '<meta property="og:title" content="开放数据与接口">' in html


def test_the_data_page_works_before_any_plan_is_published(client, db):
    response = client.get("/data/")
    assert response.status_code == 200
    assert 'href="/data/reports.csv"' in response.content.decode()


def test_the_data_page_costs_a_few_queries(client, plan, django_assert_num_queries):
    # 1 the current plan, 2 whether any plan carries demo data, 3 the published plans
    # for the navigation, 4 their data packages (projects/api/archive.py › listing)
    with django_assert_num_queries(4):
        client.get("/data/")


# The CSV


def test_the_csv_holds_every_approved_figure_with_its_context(client, target):
    old = ReportFactory(
        target=target,
        value=Decimal("6.00"),
        as_of=date(2021, 6, 30),
        note="首次填报",
        reviewed_at=datetime(2021, 7, 2, 9, 30, tzinfo=SHANGHAI),
    )
    new = ReportFactory(
        target=target,
        value=Decimal("5.50"),
        as_of=date(2021, 6, 30),
        note="一座重复统计",
        delay_reason="征地未完成",
        next_steps="十月进场",
        corrects=old,
        reviewed_at=datetime(2021, 7, 9, 16, 0, tzinfo=SHANGHAI),
    )
    response, rows = download(client)
    assert "attachment;" in response["Content-Disposition"]
    assert rows[0] == CSV_HEADERS
    context = ["2021", "8", "小游园", "区城管局", str(target.pk), "新建小游园", "座", "16"]
    assert rows[1:] == [
        [str(old.pk), *context, "6", "2021-06-30", "首次填报", "", "", "2021-07-02 09:30:00", ""],
        [
            str(new.pk),
            *context,
            "5.5",
            "2021-06-30",
            "一座重复统计",
            "征地未完成",
            "十月进场",
            "2021-07-09 16:00:00",
            str(old.pk),
        ],
    ]


def test_the_csv_neutralises_formulas(client, target):
    ReportFactory(target=target, note="=1+1", delay_reason="+86 138", next_steps="@SUM(A1)")
    _response, rows = download(client)
    note, delay_reason, next_steps = rows[1][11:14]
    assert note == "'=1+1"
    assert delay_reason == "'+86 138"
    assert next_steps == "'@SUM(A1)"


@pytest.mark.parametrize("state", UNAPPROVED)
def test_an_unapproved_report_is_not_in_the_csv(client, target, state):
    ReportFactory(target=target, value=4)
    ReportFactory(target=target, value=Decimal("777.77"), state=state, note="未审核XYZ")
    _response, rows = download(client)
    text = repr(rows)
    assert "777.77" not in text and "XYZ" not in text
    assert len(rows) == 2


def test_an_unpublished_plan_is_not_in_the_csv(client, target):
    hidden = PlanFactory(year=2022, is_published=False)
    ReportFactory(target__project=ProjectFactory(plan=hidden), note="未公开XYZ")
    ReportFactory(target=target)
    _response, rows = download(client)
    assert "XYZ" not in repr(rows) and len(rows) == 2


def test_the_csv_lists_plans_projects_and_dates_in_order(client, plan):
    build_plan(plan, projects=2, targets_per_project=2, reports_per_target=3)
    earlier = PlanFactory(year=2020)
    build_plan(earlier, projects=1, targets_per_project=1, reports_per_target=2)
    _response, rows = download(client)
    keys = [(int(r[1]), int(r[2]), int(r[5]), r[10]) for r in rows[1:]]
    assert len(keys) == 12 + 2
    assert keys[0][0] == 2020
    assert keys == sorted(keys)


def test_the_csv_streams_in_two_queries_however_many_rows(client, plan):
    build_plan(plan, projects=1, targets_per_project=1, reports_per_target=1)
    small = csv_queries(client)
    build_plan(PlanFactory(year=2020), projects=3, targets_per_project=3, reports_per_target=5)
    # the jurisdiction (its name names the file), the reports with plan, project, target
    assert csv_queries(client) == small == 2


def csv_queries(client):
    with CaptureQueriesContext(connection) as context:
        b"".join(client.get("/data/reports.csv").streaming_content)
    return len(context.captured_queries)


def test_any_site_may_download_the_csv(client, plan):
    response = client.get("/data/reports.csv", headers={"origin": "https://example.org"})
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_csv_is_read_only(client, plan):
    assert client.post("/data/reports.csv").status_code == 405


def test_the_csv_of_one_target_holds_its_whole_history(client, target):
    other = TargetFactory(project=target.project)
    ReportFactory(target=other, value=1)
    for month in range(1, 13):
        ReportFactory(target=target, value=month, as_of=date(2021, month, 28))
    _response, rows = download(client, f"/data/reports.csv?target={target.pk}")
    assert [row[10] for row in rows[1:]] == [f"2021-{m:02d}-28" for m in range(1, 13)]
    assert {row[5] for row in rows[1:]} == {str(target.pk)}


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "9" * 30])
def test_a_csv_target_that_is_no_id_gets_a_clear_400(client, target, bad):
    response = client.get(f"/data/reports.csv?target={bad}")
    assert response.status_code == 400
    assert response.content.decode() == "参数 target 须为指标编号（正整数），见页面上的链接。"
