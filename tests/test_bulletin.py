"""月度进展通报 and its archive: a month's figures as of its last day (or today), from
approved reports only, written out with the lagging projects' units and reasons.

The plan runs 2021-01-01 → 2021-12-31 (364 days); on 2021-06-30 (day 180) a linear
target is expected at 180/364 = 49.45%, a milestone due at year end at 0%.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from projects.exchange.bulletin import build_bulletin, bulletin_months
from projects.models import Plan
from projects.rules import clock
from projects.rules.days import parse_month

from .conftest import build_plan
from .factories import (
    DepartmentFactory,
    PlanFactory,
    ProjectFactory,
    ReportFactory,
    TargetFactory,
)

pytestmark = pytest.mark.any_hour  # pages judged against today: every suspect hour

JUNE = "/plans/2021/bulletins/2021-06/"
UNAPPROVED = ["draft", "submitted", "returned", "withdrawn"]


def text(response):
    """The page's text, a space between cells and blocks, to assert sentences."""
    html = response.content.decode()
    html = re.sub(r"</?(p|li|dt|dd|tr|th|td|h\d|caption|div|section)\b[^>]*>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def june(plan):
    """Six projects of every kind, with approved reports up to 2021-06-30."""
    housing_office = DepartmentFactory(name="区住建局")
    jobs = TargetFactory(project__plan=plan, project__number=1, project__title="就业")
    ReportFactory(target=jobs, value=100, as_of=date(2021, 6, 10))
    flats = TargetFactory(
        project__plan=plan,
        project__number=2,
        project__title="人才公寓",
        project__lead_department=housing_office,
        name="新开工建设人才公寓",
        unit="套",
        target_value=300,
        is_construction=True,
    )
    ReportFactory(
        target=flats,
        value=30,
        as_of=date(2021, 6, 20),
        delay_reason="土地报批手续未办结",
        next_steps="七月底前完成土地报批",
    )
    roads = TargetFactory(
        project__plan=plan,
        project__number=3,
        project__title="农村公路",
        project__lead_department=None,
        name="新建农村公路",
        unit="公里",
        target_value=40,
    )
    ReportFactory(target=roads, value=14, as_of=date(2021, 6, 30), delay_reason="雨季停工")
    school = TargetFactory(
        project__plan=plan,
        project__number=4,
        project__title="学校",
        name="教学楼开工建设",
        unit="栋",
        target_value=1,
        kind="milestone",
        is_construction=True,
    )
    ReportFactory(target=school, value=0, as_of=date(2021, 6, 1))
    TargetFactory(project__plan=plan, project__number=5, project__title="发热门诊")
    parks = TargetFactory(project__plan=plan, project__number=6, project__title="小游园")
    ReportFactory(target=parks, value=50, as_of=date(2021, 6, 30))
    return plan


def test_a_months_bulletin_gives_the_totals_as_of_its_last_day(client, june):
    response = client.get(JUNE)
    page = text(response)
    assert response.status_code == 200
    assert '<h1 id="bulletin-title">2021年民生实事 2021年6月进展通报</h1>' in (
        response.content.decode()
    )
    assert "数据截至 2021-06-30" in page
    # Percents 100, 10, 35, 0, not reported (0) and 50: 195 / 6 = 32.5; expected five
    # times 49.45 and once 0 (the milestone): 41.2.
    assert (
        "截至 2021-06-30，2021年民生实事（共 6 件）中，已完成 1 件，占 16.7%；"
        "总体完成率 32.5%，序时进度 41.2%，落后序时进度 8.7 个百分点。"
    ) in page
    assert "开工类指标共 2 项，已开工 1 项，开工率 50%。尚未开工的：教学楼开工建设。" in page
    assert "开工率 50%（1 / 2 项已开工）" in page


def test_a_bulletin_lists_every_status_with_its_projects(client, june):
    page = text(client.get(JUNE))
    assert (
        "从推进情况看：逾期未完成 0 件，严重滞后 1 件，推进缓慢 1 件，未填报 1 件，"
        "正常推进 2 件，已完成 1 件。6 件实事中，1 件尚无任何经审核的填报。"
    ) in page
    assert "严重滞后 1 件 二、人才公寓" in page
    assert "正常推进 2 件 四、学校；六、小游园" in page
    assert "逾期未完成 0 件 无" in page


def test_lagging_projects_come_with_their_unit_gap_and_reasons(client, june):
    bulletin = build_bulletin(june, date(2021, 6, 1), bulletin_months(june))
    assert [(row.project.number, row.points_behind) for row in bulletin.lagging] == [
        (2, Decimal("39.5")),  # 严重滞后 first: 10% against 49.5%
        (3, Decimal("14.5")),  # 推进缓慢: 35% against 49.5%
    ]
    flats = bulletin.lagging[0].targets[0]
    assert (flats.latest_delay_reason, flats.latest_next_steps) == (
        "土地报批手续未办结",
        "七月底前完成土地报批",
    )

    page = text(client.get(JUNE))
    assert (
        "牵头单位：区住建局。严重滞后：完成率 10%，序时进度 49.5%，落后 39.5 个百分点。"
    ) in page
    assert "新开工建设人才公寓：完成 30 / 300 套（10%），序时进度 49.5%，严重滞后。" in page
    assert "滞后原因 土地报批手续未办结 下一步措施 七月底前完成土地报批" in page
    assert (
        "牵头单位：公告未列明。推进缓慢：完成率 35%，序时进度 49.5%，落后 14.5 个百分点。" in page
    )
    assert "滞后原因 雨季停工 下一步措施 未报送" in page
    assert page.index("二、人才公寓 区住建局 严重滞后 10% 49.5% 39.5") < page.index(
        "三、农村公路 公告未列明 推进缓慢 35% 49.5% 14.5"
    )


@pytest.mark.parametrize("state", UNAPPROVED)
def test_unapproved_reports_never_appear_in_a_bulletin(client, june, state):
    roads = june.projects.get(number=3).targets.get()
    ReportFactory(
        target=roads,
        value="37.77",
        as_of=date(2021, 6, 30),
        state=state,
        delay_reason="未审核的原因XYZ",
        next_steps="未审核的措施XYZ",
    )
    for url in (JUNE, "/plans/2021/bulletins/"):
        html = client.get(url).content.decode()
        assert "XYZ" not in html and "37.77" not in html, url
        assert "94.4%" not in html, url  # 37.77 of 40
    page = text(client.get(JUNE))
    assert "完成 14 / 40 公里（35%）" in page and "滞后原因 雨季停工" in page
    months = text(client.get("/plans/2021/bulletins/"))
    assert "2021年6月进展通报 数据截至 2021-06-30 · 本月审核通过的填报 5 条" in months


def test_a_report_dated_after_the_months_end_is_not_counted(client, june):
    roads = june.projects.get(number=3).targets.get()
    ReportFactory(target=roads, value=39, as_of=date(2021, 7, 1), delay_reason="七月的原因")
    june_page = text(client.get(JUNE))
    assert "完成 14 / 40 公里（35%）" in june_page
    assert "七月的原因" not in june_page and "39 / 40" not in june_page
    july_page = text(client.get("/plans/2021/bulletins/2021-07/"))
    assert "数据截至 2021-07-31" in july_page
    assert "三、农村公路 公告未列明 97.5%" in july_page  # 39 of 40, on pace in July


def test_a_month_not_yet_over_is_judged_on_today(client, db):
    today = clock.today()
    plan = PlanFactory(
        year=2030, period_start=today - timedelta(days=200), period_end=today + timedelta(days=164)
    )
    target = TargetFactory(project__plan=plan, project__number=1, target_value=100)
    ReportFactory(target=target, value=12, as_of=today, delay_reason="今天报送的原因")
    page = text(client.get(f"/plans/2030/bulletins/{today:%Y-%m}/"))
    assert f"数据截至 {today:%Y-%m-%d}" in page
    assert "本月尚未结束" in page
    assert "今天报送的原因" in page  # 12% against about 55% expected today

    archive = text(client.get("/plans/2030/bulletins/"))
    current = f"{today.year}年{today.month}月进展通报 数据截至 {today:%Y-%m-%d}（本月尚未结束）"
    assert current in archive


def test_a_bulletin_is_built_on_the_day_given_as_today(june):
    """Mid-month, the figures are the day's: a report dated later does not count yet."""
    roads = june.projects.get(number=3).targets.get()
    ReportFactory(target=roads, value=20, as_of=date(2021, 6, 14))
    months = bulletin_months(june, today=date(2021, 6, 15))
    assert [m.month for m in months][:2] == [date(2021, 6, 1), date(2021, 5, 1)]
    bulletin = build_bulletin(june, date(2021, 6, 1), months)
    assert bulletin.day == date(2021, 6, 15) and bulletin.is_running
    roads = next(p for p in bulletin.projects if p.number == 3).targets.all()[0]
    assert roads.current_value == 20  # the report of 06-30 is not yet in
    assert bulletin.next is None
    on_its_last_day = bulletin_months(june, today=date(2021, 6, 30))
    assert [m.is_running for m in on_its_last_day[:2]] == [True, False]


@pytest.mark.parametrize(
    "month",
    ["2021-13", "2021-00", "abc", "2021-6", "2021-06-01", "0000-01", "２０２１-０６", "-2021-06"],
)
def test_a_malformed_month_is_not_found(client, plan, month):
    assert client.get(f"/plans/2021/bulletins/{month}/").status_code == 404


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2020-12", "本计划自 2021-01-01 开始，2020-12 没有通报。"),
        ("2022-03", "本计划周期至 2021-12-31 结束，此后没有新的审核通过的填报，2022-03 没有通报。"),
        ("2999-01", "2999-01 还没有到来，没有这个月的通报。"),
    ],
)
def test_a_month_outside_the_plan_says_why_it_has_no_bulletin(client, plan, month, message):
    response = client.get(f"/plans/2021/bulletins/{month}/")
    assert response.status_code == 404
    assert message in text(response)
    assert 'href="/plans/2021/bulletins/"' in response.content.decode()


def test_an_unpublished_plans_bulletins_are_not_found(client, plan):
    Plan.objects.filter(pk=plan.pk).update(is_published=False)
    assert client.get(JUNE).status_code == 404
    assert client.get("/plans/2021/bulletins/").status_code == 404


def test_parse_month_accepts_only_a_real_month():
    assert parse_month("2021-06") == date(2021, 6, 1)
    assert parse_month("2021-12") == date(2021, 12, 1)
    assert parse_month("2021-13") is None
    assert parse_month("2021-6") is None


def test_archive_lists_every_month_newest_first_with_links(client, plan):
    target = TargetFactory(project__plan=plan, project__number=1, target_value=100)
    ReportFactory(target=target, value=10, as_of=date(2021, 3, 15))
    ReportFactory(target=target, value=20, as_of=date(2021, 3, 31))
    ReportFactory(target=target, value=60, as_of=date(2021, 6, 30), state="submitted")
    # A figure approved after the period's end extends the archive to its month.
    ReportFactory(target=target, value=95, as_of=date(2022, 2, 10))
    response = client.get("/plans/2021/bulletins/")
    html = response.content.decode()
    links = re.findall(r'href="/plans/2021/bulletins/(\d{4}-\d{2})/"', html)
    assert links[0] == "2022-02" and links[-1] == "2021-01"
    assert len(links) == 14
    assert links == sorted(links, reverse=True)
    page = text(response)
    march = (
        "2021年3月进展通报 数据截至 2021-03-31 · 本月审核通过的填报 2 条，最近一条截至 2021-03-31"
    )
    assert march in page
    assert "2021年6月进展通报 数据截至 2021-06-30 · 本月没有新的审核通过的填报" in page
    assert client.get("/plans/2021/bulletins/2022-02/").status_code == 200
    assert client.get("/plans/2021/bulletins/2022-03/").status_code == 404


def test_archive_stops_at_the_current_month(client, db):
    today = clock.today()
    PlanFactory(
        year=2030, period_start=today - timedelta(days=40), period_end=today + timedelta(300)
    )
    links = re.findall(
        r'href="/plans/2030/bulletins/(\d{4}-\d{2})/"',
        client.get("/plans/2030/bulletins/").content.decode(),
    )
    assert links[0] == f"{today:%Y-%m}"
    assert len(links) in (2, 3)  # 40 days back reach into one or two earlier months


def test_archive_of_a_plan_not_yet_started_says_so(client, db):
    start = clock.today() + timedelta(days=60)
    PlanFactory(year=2030, period_start=start, period_end=start + timedelta(days=364))
    page = text(client.get("/plans/2030/bulletins/"))
    assert f"本计划自 {start:%Y-%m-%d} 开始，尚无月度通报。" in page


def test_bulletin_links_to_the_months_before_and_after(client, june):
    html = client.get(JUNE).content.decode()
    assert '<a href="/plans/2021/bulletins/2021-05/" rel="prev">上一期：2021年5月</a>' in html
    assert '<a href="/plans/2021/bulletins/2021-07/" rel="next">下一期：2021年7月</a>' in html
    first = client.get("/plans/2021/bulletins/2021-01/").content.decode()
    assert 'rel="prev"' not in first


def test_bulletin_is_printable_with_no_script(client, june):
    html = client.get(JUNE).content.decode()
    assert "打印：请使用浏览器的“打印”功能" in html
    assert "<script" not in html and " style=" not in html and "onclick" not in html
    assert re.search(
        r'<link rel="stylesheet" href="/static/css/print\.[^"]*css" media="print">', html
    )
    assert html.count('<div class="table-scroll">') == 4


def test_bulletin_fills_the_sharing_metadata(client, june):
    html = client.get(JUNE).content.decode()
    assert "<title>2021年民生实事 2021年6月进展通报</title>" in html
    assert '<meta property="og:title" content="2021年民生实事 2021年6月进展通报">' in html
    description = (
        "截至 2021-06-30：6 件民生实事已完成 1 件，"
        "总体完成率 32.5%，序时进度 41.2%，进度滞后 2 件。"
    )
    assert f'<meta name="description" content="{description}">' in html
    assert f'<meta property="og:description" content="{description}">' in html


def test_as_of_does_not_change_a_bulletin(client, june):
    page = text(client.get(JUNE + "?as_of=2021-03-01"))
    assert "正在查看截至" not in page
    assert "总体完成率 32.5%" in page


def test_bulletin_renders_in_english(client, june):
    client.get("/language/en/")
    assert client.get(JUNE).status_code == 200
    assert client.get("/plans/2021/bulletins/").status_code == 200


def test_bulletin_pages_cost_a_fixed_number_of_queries(db, queries_of, django_assert_num_queries):
    small = build_plan(PlanFactory(year=2021), projects=2, reports_per_target=1)
    small_bulletin = queries_of(JUNE)
    small_archive = queries_of("/plans/2021/bulletins/")
    build_plan(PlanFactory(year=2022), projects=15, targets_per_project=3, reports_per_target=6)
    for number in range(3, 15):
        project = ProjectFactory(plan=small, number=number)
        for month in range(1, 7):
            target = TargetFactory(project=project, is_construction=month % 2 == 0)
            ReportFactory(
                target=target, value=month, as_of=date(2021, month, 28), next_steps="措施"
            )
    assert len(queries_of(JUNE)) == len(small_bulletin)
    assert len(queries_of("/plans/2021/bulletins/")) == len(small_archive)
    # 1 the plan, 2 its targets' latest report date (the last month with a bulletin),
    # 3 its projects with lead departments, 4 supporting departments, 5 targets with
    # figures, status and the latest reasons as of the month's end (subqueries), 6 the
    # completion notices (公示), 7 whether any plan carries demo data, 8 the plan's rules
    # that month, 9 the published plans for the navigation.
    with django_assert_num_queries(9):
        queries_of(JUNE)
    # 1 the plan, 2 the months with their approved reports counted (one GROUP BY),
    # 3 whether any plan carries demo data, 4 the published plans for the navigation.
    with django_assert_num_queries(4):
        queries_of("/plans/2021/bulletins/")
