"""What a resident reads first about a project, on its page and on its 民生码 page: where
it stands against where it should be, the 挂牌督办 and 逾期未报 watching it, why it is
late and what comes next, each office term explained by a tap; all from approved
figures, the public 督办 and the reporting calendar only."""

from datetime import UTC, date, datetime

import pytest

from projects.models import PlanRule, SiteStage, Supervision
from projects.rules import roles

from .conftest import make_official
from .factories import DepartmentFactory, PlanFactory, ProjectFactory, ReportFactory, TargetFactory

PAGE = "/plans/2026/projects/1/"


@pytest.fixture
def plan(db):
    plan = PlanFactory(year=2026)
    plan.rules.filter(name=PlanRule.Name.REPORTING_DAY).update(
        valid_from=plan.period_start, value=25
    )
    return plan


@pytest.fixture
def lift(plan):
    """加装电梯, 100 lifts by the year's end: on 11-26 it should be at 90.4 %."""
    project = ProjectFactory(
        plan=plan,
        number=1,
        title="加装电梯",
        pledge_text="为老旧小区加装电梯100部。",
        lead_department=DepartmentFactory(name="区住建局"),
    )
    return TargetFactory(project=project, name="加装电梯", unit="部", target_value=100)


@pytest.fixture
def office(db):
    return make_official("office", roles.REVIEWER)


def supervise(target, office, deadline, opened=datetime(2026, 11, 10, 2, tzinfo=UTC), **fields):
    project = target.project
    return Supervision.objects.create(
        plan=project.plan,
        kind="lagging",
        project=project,
        department=project.lead_department,
        problem="进度严重滞后。",
        requirement="报送追赶计划。",
        deadline=deadline,
        opened_at=opened,
        opened_by=office,
        **fields,
    )


def noon(month, day):
    return datetime(2026, month, day, 4, tzinfo=UTC)  # 12:00 in Shanghai


def summary(html):
    return html.split('<section class="summary"')[1].split("</section>")[0]


def watch_on_spot(html):
    return html.split('<dl class="summary-list watch">')[1].split("</dl>")[0]


def test_the_summary_says_where_it_stands_against_where_it_should_be(client, lift):
    ReportFactory(target=lift, value=60, as_of=date(2026, 11, 25))
    top = summary(client.get(PAGE).content.decode())
    assert '<dt>承诺</dt><dd class="pledge">为老旧小区加装电梯100部。</dd>' in top
    assert "按时间现在应完成 90.4%，实际完成 60%，<strong>落后 30.4 个百分点</strong>。" in top
    # the bar's mark stands at 90.4
    assert '<rect class="done" y="3" width="60" height="10"/>' in top
    assert '<line class="should" x1="90.4" x2="90.4" y1="0" y2="16"/>' in top
    assert "牵头单位：区住建局；配合单位：公告未列明。" in top


def test_a_project_ahead_or_not_yet_reported_is_said_so(client, lift):
    assert "还没有审核通过的填报。" in summary(client.get(PAGE).content.decode())
    ReportFactory(target=lift, value=95, as_of=date(2026, 11, 25))
    top = summary(client.get(PAGE).content.decode())
    assert "按时间现在应完成 90.4%，实际完成 95%，领先 4.6 个百分点。" in top


def test_an_open_supervision_shows_with_its_deadline_and_whether_it_is_overdue(
    client, lift, office
):
    late = supervise(lift, office, deadline=date(2026, 11, 20))
    soon = supervise(lift, office, deadline=date(2026, 12, 10))
    supervise(
        lift,
        office,
        deadline=date(2026, 11, 15),
        state=Supervision.State.CLOSED,
        closed_at=datetime(2026, 11, 14, 2, tzinfo=UTC),
    )
    for html in (
        summary(client.get(PAGE).content.decode()),
        watch_on_spot(client.get(f"/m/p{lift.project.pk}").content.decode()),
    ):
        assert html.count("督办中：实事进度滞后，责任单位区住建局。") == 2  # not the closed one
        overdue = '整改时限 <time datetime="2026-11-20">2026-11-20</time> <strong'
        assert overdue in html and "已逾期</strong>" in html
        assert '整改时限 <time datetime="2026-12-10">2026-12-10</time>。' in html
        assert f'href="/plans/2026/supervision/#s{late.pk}"' in html
        assert f'href="/plans/2026/supervision/#s{soon.pk}"' in html
    # on a day before any was opened, there was nothing to say
    before = client.get(PAGE + "?as_of=2026-11-09").content.decode()
    assert "督办中" not in before


def test_a_target_past_its_reporting_day_is_overdue_until_a_report_is_sent(client, lift):
    # sent on 10-24, in the window that closed on 10-25: none since
    ReportFactory(target=lift, value=60, as_of=date(2026, 10, 24), submitted_at=noon(10, 24))
    line = "“加装电梯”应在 2026-11-25 前报送进度，已过 1 天仍未报送。"
    assert line in summary(client.get(PAGE).content.decode())
    assert line in watch_on_spot(client.get(f"/m/p{lift.project.pk}").content.decode())
    ReportFactory(
        target=lift,
        value=61,
        as_of=date(2026, 11, 26),
        state="submitted",
        submitted_at=noon(11, 26),
    )
    assert "逾期未报" not in summary(client.get(PAGE).content.decode())


def test_the_code_page_gives_the_latest_approved_reason_and_next_step(client, lift):
    ReportFactory(
        target=lift, value=50, as_of=date(2026, 10, 31), delay_reason="旧原因", next_steps="旧措施"
    )
    ReportFactory(
        target=lift,
        value=60,
        as_of=date(2026, 11, 25),
        delay_reason="部分住户意见不统一",
        next_steps="社区逐户上门协商",
    )
    ReportFactory(
        target=lift,
        value=70,
        as_of=date(2026, 11, 26),
        state="submitted",
        delay_reason="未审核的原因",
        next_steps="未审核的措施",
    )
    html = watch_on_spot(client.get(f"/m/p{lift.project.pk}").content.decode())
    assert "滞后原因：部分住户意见不统一 下一步措施：社区逐户上门协商" in html
    assert "（截至 2026-11-25 的填报）" in html
    assert "旧原因" not in html and "未审核" not in html


def test_a_reached_target_gives_no_reason(client, lift):
    ReportFactory(target=lift, value=100, as_of=date(2026, 11, 25), next_steps="验收")
    assert "原因与下一步" not in client.get(f"/m/p{lift.project.pk}").content.decode()


def test_a_reason_repeated_in_consecutive_reports_is_said_once_with_its_dates(client, lift):
    for day, value in [(date(2026, 8, 31), 40), (date(2026, 9, 30), 45), (date(2026, 10, 31), 50)]:
        ReportFactory(
            target=lift, value=value, as_of=day, delay_reason="征地未完成", next_steps="加快征地"
        )
    ReportFactory(target=lift, value=60, as_of=date(2026, 11, 25), delay_reason="雨季停工")
    listed = client.get(PAGE).content.decode().split('<ol class="reports">')[1].split("</ol>")[0]
    assert listed.count("征地未完成") == 1
    assert listed.count("雨季停工") == 1
    assert "2026-08-31 至 2026-10-31 的 3 次填报写的都是这一原因和措施，只列一次。" in listed
    assert listed.index("雨季停工") < listed.index("征地未完成")


def test_office_terms_open_by_a_tap_and_the_status_uses_the_plans_thresholds(client, lift):
    plan = lift.project.plan
    plan.rules.filter(name=PlanRule.Name.PACE_SLOW_POINTS).update(value=8)
    html = client.get(PAGE).content.decode()
    assert '<details class="term"><summary>什么是序时进度</summary>' in html
    assert '<details class="term"><summary>什么是节点</summary>' in html
    assert "完成率比序时进度低 8 个百分点以上为“推进缓慢”，低 30 个百分点以上" in html
    terms = client.get("/plans/2026/supervision/").content.decode()
    assert '<details class="term"><summary>什么是销号</summary>' in terms


def test_the_method_is_a_link_away_and_the_story_is_reachable_from_the_top(client, lift):
    html = client.get(PAGE).content.decode()
    assert '<a href="/plans/2026/method/">计算方法：' in html
    assert "完成率 = 当前值 ÷ 目标值 × 100%" not in html
    jump = summary(html).split('<nav class="jump"')[1]
    assert 'href="#targets-heading"' in jump and 'href="#questions"' in jump


def test_a_forecast_after_the_deadline_says_so(client, lift):
    ReportFactory(target=lift, value=10, as_of=date(2026, 10, 25))
    ReportFactory(target=lift, value=20, as_of=date(2026, 11, 25))  # 10 in 31 days: 248 more days
    top = summary(client.get(PAGE).content.decode())
    assert "按最近两次填报的速度，预计 2027-07-31 才能完成，<strong>晚于时限</strong>。" in top
    # a day the pace of the last two figures would have seen it done, and it is not:
    # no forecast of a day gone by
    ReportFactory(target=lift, value=90, as_of=date(2026, 10, 25))
    ReportFactory(target=lift, value=95, as_of=date(2026, 10, 26))
    html = client.get(PAGE + "?as_of=2026-11-20").content.decode()
    assert "预计" not in summary(html)


def test_a_finished_site_of_a_lagging_project_says_which_is_which(client, plan, lift):
    from .test_sites import new_site, stage

    reporter = make_official("reporter", roles.REPORTER, lift.project.lead_department)
    reviewer = make_official("reviewer", roles.REVIEWER)
    ReportFactory(target=lift, value=10, as_of=date(2026, 11, 25))
    site = new_site(lift)
    stage(site, SiteStage.COMPLETED, date(2026, 11, 1), reporter, reviewer)
    html = client.get(f"/m/s{site.pk}").content.decode()
    assert '<p class="stage-now">本点位 <span class="tag stage-3">已完工</span>' in html
    whole = html.split('<p class="stage-whole">')[1].split("</p>")[0]
    assert '整件实事 <span class="status status-severe">严重滞后</span>' in whole
    assert "（按全部点位和指标合计，不只是本点位）" in whole
    assert '<h2 id="figures-heading">整件实事的进度</h2>' in html
