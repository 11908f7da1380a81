"""The supervision ledger (督查台账), judged by the same rules as the public pages."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from projects.exchange.ledger import build_ledger
from projects.models import Milestone, Plan, PlanRule, ProgressReport
from projects.rules import clock, roles

from .conftest import make_official
from .factories import PlanFactory, ProjectFactory, ReportFactory, TargetFactory

pytestmark = pytest.mark.any_hour  # pages judged against today: every suspect hour

LEDGER = reverse("admin:projects_ledger")


@pytest.fixture
def running_plan(db):
    """A plan in its middle: a year that started 200 days ago, reporting by the 25th of
    each month since its start."""
    today = clock.today()
    start = today - timedelta(days=200)
    plan = Plan.objects.create(
        year=2030, title="进行中的计划", period_start=start, period_end=start + timedelta(days=364)
    )
    plan.rules.filter(name=PlanRule.Name.REPORTING_DAY).update(valid_from=start, value=25)
    return plan


def sent(target, value, days_ago, state=ProgressReport.State.APPROVED):
    """A report of `value` submitted `days_ago` days ago (as of that day)."""
    when = clock.now() - timedelta(days=days_ago)
    return ReportFactory(
        target=target,
        value=value,
        as_of=timezone.localdate(when),
        state=state,
        created_at=when,
        submitted_at=when,
    )


def test_ledger_lists_overdue_reports_lagging_projects_and_overdue_steps(running_plan):
    today = clock.today()
    # Today is 2026-11-25 or 26 (any hour): the last reporting day on or before it is
    # 2026-11-25, and a report was due after 2026-10-25.
    fresh = TargetFactory(project__plan=running_plan, project__number=1, name="近期已报")
    sent(fresh, 60, days_ago=20)
    stale = TargetFactory(project__plan=running_plan, project__number=2, name="久未填报")
    sent(stale, 60, days_ago=45)
    TargetFactory(project__plan=running_plan, project__number=3, name="从未填报")
    done = TargetFactory(project__plan=running_plan, project__number=4, name="早已完成")
    sent(done, 100, days_ago=90)
    lagging = TargetFactory(project__plan=running_plan, project__number=5, name="进度落后")
    sent(lagging, 20, days_ago=60)
    sent(lagging, 20, days_ago=1, state=ProgressReport.State.SUBMITTED)  # waiting: counts
    returned = TargetFactory(project__plan=running_plan, project__number=6, name="被退回")
    sent(returned, 70, days_ago=90)
    sent(returned, 75, days_ago=5, state=ProgressReport.State.RETURNED)  # does not count
    project = fresh.project
    Milestone.objects.create(project=project, title="施工许可", due_date=today - timedelta(days=1))
    Milestone.objects.create(
        project=project, title="已办结", due_date=today - timedelta(days=9), done_on=today
    )
    Milestone.objects.create(project=project, title="尚未到期", due_date=today + timedelta(days=9))

    ledger = build_ledger(running_plan, today)
    assert ledger.window.due == date(2026, 11, 25)
    assert ledger.window.opens == date(2026, 10, 25)
    assert [t.name for t in ledger.overdue_targets] == ["久未填报", "从未填报", "被退回"]
    assert {t.days_overdue for t in ledger.overdue_targets} == {(today - date(2026, 11, 25)).days}
    # 200 of 364 days is 55% expected: 20% is severely behind, 60% on pace.
    assert [(p.number, p.get_status_display()) for p in ledger.behind_projects] == [(5, "严重滞后")]
    assert [s.thing.title for s in ledger.late_steps] == ["施工许可"]


def test_a_project_past_its_due_date_is_overdue_in_the_ledger(plan):
    target = TargetFactory(project__plan=plan, target_value=10)
    ReportFactory(target=target, value=9, as_of=date(2021, 12, 31))
    ledger = build_ledger(plan, date(2022, 1, 5))
    assert [p.get_status_display() for p in ledger.behind_projects] == ["逾期未完成"]


def test_ledger_page_and_its_spreadsheet_show_the_same_rows(client, running_plan):
    ProjectFactory(plan=running_plan, number=1)
    TargetFactory(project__plan=running_plan, project__number=2, name="从未填报的指标")
    client.force_login(make_official("checker", roles.REVIEWER))
    page = client.get(LEDGER + "?plan=2030")
    html = page.content.decode()
    assert "从未填报的指标" in html and "从未填报</td>" in html

    response = client.get(LEDGER + "?plan=2030&format=xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "逾期未报指标",
        "进度滞后实事",
        "逾期手续节点",
        "工程款拖欠",
        "支出滞后",
        "开工资金不足",
        "超期未答复留言",
        "码上评不满意较多",
        "待认定的公示异议",
        "挂牌督办",
        "答复评价",
    ]
    rows = list(workbook["逾期未报指标"].iter_rows(values_only=True))
    assert rows[1][1] == "从未填报的指标"
    assert (rows[1][5], rows[1][8]) == (None, None)  # empty, not the text 未填报
    assert rows[1][9] == "未填报"  # the status column says why
    assert isinstance(rows[1][6], int | float)  # 目标值: a number that sums
    name = response["Content-Disposition"]
    assert 'filename="ledger-2030-' in name  # what the file is, for any browser


def test_ledger_rejects_a_malformed_plan_year(client, running_plan):
    client.force_login(make_official("checker", roles.REVIEWER))
    assert client.get(LEDGER + "?plan=abc").status_code == 404
    assert client.get(LEDGER + "?plan=1999").status_code == 404


def test_the_ledger_spreadsheet_keeps_figures_percents_and_dates_as_such(client, running_plan):
    from datetime import datetime

    stale = TargetFactory(project__plan=running_plan, project__number=2, target_value=1800)
    sent(stale, 900, days_ago=60)
    client.force_login(make_official("checker", roles.REVIEWER))
    response = client.get(LEDGER + "?plan=2030&format=xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["逾期未报指标"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == stale.name)
    assert (row[5].value, row[6].value) == (900, 1800)
    assert row[5].number_format == "#,##0"
    assert isinstance(row[3].value, datetime) and row[3].number_format == "yyyy-mm-dd"
    assert isinstance(row[8].value, datetime) and row[8].number_format == "yyyy-mm-dd"
    assert isinstance(row[4].value, int)  # days overdue
    behind = list(workbook["进度滞后实事"].iter_rows(min_row=1, values_only=True))
    assert behind[0][2] == "完成率（%）"
    assert all(isinstance(r[2], int | float) for r in behind[1:])


def test_without_a_year_named_the_ledger_opens_on_the_year_being_delivered(client, db):
    PlanFactory(year=2021, is_published=True, archived_at=datetime(2022, 3, 1, tzinfo=UTC))
    delivered = PlanFactory(year=2026, is_published=True)
    PlanFactory(year=2027, is_published=True, stage=Plan.Stage.CALL)  # newer, still calling
    PlanFactory(year=2028, is_published=False)  # newer, not yet public
    assert Plan.objects.opened_by_staff() == delivered
    client.force_login(make_official("checker", roles.REVIEWER))
    assert client.get(LEDGER).context["plan"] == delivered

    Plan.objects.filter(year=2026).update(stage=Plan.Stage.RATING)  # delivered, now judged
    assert Plan.objects.opened_by_staff().year == 2028  # the newest taking input
