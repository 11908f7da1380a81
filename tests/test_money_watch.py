"""The rules that watch the money and the steps (`models.money.money_watch`) reach the
督查台账, the workbench, the alerts and the public status box on the day the plan's
dated rule says, not the day before, at both ends of the Shanghai day; a past year's
pages (2021) read as before."""

import io
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from projects.admin.workbench import workbench
from projects.exchange.ledger import build_ledger
from projects.models import Alert, Payment, PlanRule, late_steps, money_watch, watch
from projects.rules import roles

from .conftest import make_official
from .factories import (
    BudgetFactory,
    ContractFactory,
    DepartmentFactory,
    FundingFactory,
    MilestoneFactory,
    PaymentFactory,
    PlanFactory,
    ProjectFactory,
)


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def world(db):
    """2026 in 实施, its step grace 0 and payment days 30 in force since January: 区住建局's
    lifts with 施工许可 planned 2026-11-20, and work accepted 2026-10-01 and unpaid (a
    draft of another node, also unpaid, is nobody's business yet)."""
    plan = PlanFactory(year=2026, is_published=True)
    rules = PlanRule.objects.filter(plan=plan)
    rules.filter(name=PlanRule.Name.STEP_GRACE_DAYS).update(valid_from=date(2026, 1, 1), value=0)
    rules.filter(name=PlanRule.Name.PAYMENT_DAYS).update(valid_from=date(2026, 1, 1), value=30)
    housing = DepartmentFactory(name="区住建局")
    lifts = ProjectFactory(plan=plan, number=2, title="老旧小区加装电梯", lead_department=housing)
    step = MilestoneFactory(project=lifts, title="施工许可", due_date=date(2026, 11, 20))
    contract = ContractFactory(project=lifts, title="电梯加装施工合同", signed_on=date(2026, 6, 1))
    node = PaymentFactory(
        contract=contract, node="主体完工", accepted_on=date(2026, 10, 1), amount=None, paid_on=None
    )
    PaymentFactory(
        contract=contract, node="竣工验收", accepted_on=date(2026, 9, 1), amount=None,
        paid_on=None, state="submitted",
    )  # fmt: skip
    clerk = make_official("clerk", roles.REPORTER, housing)
    return SimpleNamespace(plan=plan, lifts=lifts, step=step, node=node, clerk=clerk)


def seen_everywhere(world, rule, thing):
    """Whether today's ledger, the reporter's workbench and one run of the alerts
    (`send_alerts` for today) each find `thing` lapsed under `rule`."""
    ledger = build_ledger(world.plan)
    listed = {
        PlanRule.Name.STEP_GRACE_DAYS: ledger.late_steps,
        PlanRule.Name.PAYMENT_DAYS: ledger.lagging_payments,
    }[rule]
    label = {
        PlanRule.Name.STEP_GRACE_DAYS: "逾期的手续节点",
        PlanRule.Name.PAYMENT_DAYS: "验收后拖欠的工程款",
    }[rule]
    _plans, sections = workbench(world.clerk)
    (item,) = [i for s in sections for i in s.items if i.label == label]
    call_command("send_alerts")
    alerts = Alert.objects.filter(key__contains=f":{type(thing).__name__.lower()}:{thing.pk}:")
    return (
        [lapse.thing for lapse in listed] == [thing],
        item.count == 1,
        alerts.count() == 1,
    )


# 00:00 and 23:59 in Shanghai are 16:00 and 15:59 UTC: a day read in UTC fails one end.
@pytest.mark.parametrize(
    ("instant", "late"),
    [
        (utc(2026, 11, 19, 16, 0), False),  # 2026-11-20 00:00 in Shanghai: its planned day
        (utc(2026, 11, 20, 15, 59), False),  # 2026-11-20 23:59
        (utc(2026, 11, 20, 16, 0), True),  # 2026-11-21 00:00: grace 0 is over
        (utc(2026, 11, 21, 15, 59), True),  # 2026-11-21 23:59
    ],
)
def test_a_late_step_is_in_the_ledger_the_workbench_and_an_alert_from_the_day_after_its_date(
    world, clock, instant, late
):
    clock.move_to(instant)
    assert seen_everywhere(world, PlanRule.Name.STEP_GRACE_DAYS, world.step) == (late,) * 3
    if late:
        alert = Alert.objects.get(rule=Alert.Rule.STEP_LATE)
        assert (alert.department, alert.day) == (world.lifts.lead_department, date(2026, 11, 21))
        assert "施工许可" in alert.subject + alert.body and "自 2026-11-21 起" in alert.body
        call_command("send_alerts")  # once per step and lapse-start day
        assert Alert.objects.filter(rule=Alert.Rule.STEP_LATE).count() == 1


@pytest.mark.parametrize(
    ("instant", "late"),
    [
        (utc(2026, 10, 30, 16, 0), False),  # 2026-10-31 00:00 in Shanghai: day 30
        (utc(2026, 10, 31, 15, 59), False),  # 2026-10-31 23:59
        (utc(2026, 10, 31, 16, 0), True),  # 2026-11-01 00:00: 拖欠
        (utc(2026, 11, 1, 15, 59), True),  # 2026-11-01 23:59
    ],
)
def test_work_accepted_and_unpaid_past_the_payment_days_is_lagging_from_that_day(
    world, clock, instant, late
):
    clock.move_to(instant)
    assert seen_everywhere(world, PlanRule.Name.PAYMENT_DAYS, world.node) == (late,) * 3
    if late:
        alert = Alert.objects.get(rule=Alert.Rule.PAYMENT_LAGGING)
        assert alert.link == reverse("admin:projects_payment_change", args=[world.node.pk])
        assert "超过 30 天未拨付" in alert.body


def test_the_workbench_brings_a_reporter_their_drafts_and_a_reviewer_the_money_waiting(world):
    draft = BudgetFactory(project=world.lifts, estimate=True, state="returned")
    found = {i.label: i for s in workbench(world.clerk)[1] for i in s.items}
    item = found["待核实的候选估算（预算草稿）"]
    assert (item.count, item.url) == (1, reverse("admin:projects_budget_change", args=[draft.pk]))
    assert found["被退回的资金与手续填报"].count == 0
    found = {
        i.label: i for s in workbench(make_official("checker", roles.REVIEWER))[1] for i in s.items
    }
    waiting = Payment.objects.get(state="submitted")
    item = found["待审核的资金填报"]
    assert (item.count, item.url) == (
        1,
        reverse("admin:projects_payment_change", args=[waiting.pk]),
    )
    assert found["待审核的手续节点填报"].count == 0


def test_the_ledger_page_and_the_public_status_box_name_the_late_step_and_the_unpaid_node(
    client, world, clock
):
    clock.move_to(utc(2026, 11, 21, 4, 0))
    # Half the budget in place at 开工 and nothing paid with the year nearly gone, under
    # rules in force since January.
    PlanRule.objects.filter(
        plan=world.plan,
        name__in=[PlanRule.Name.SPENDING_LAG_POINTS, PlanRule.Name.FUNDS_AT_START_PERCENT],
    ).update(valid_from=date(2026, 1, 1))
    BudgetFactory(project=world.lifts, as_of=date(2026, 1, 10))
    FundingFactory(project=world.lifts, as_of=date(2026, 1, 10))
    MilestoneFactory(project=world.lifts, step="start", due_date=date(2026, 3, 1),
                     done_on=date(2026, 3, 1))  # fmt: skip
    client.force_login(make_official("checker", roles.REVIEWER))
    ledger = client.get(reverse("admin:projects_ledger") + "?plan=2026").content.decode()
    assert "逾期的手续节点（1）" in ledger and "验收后拖欠的工程款（1）" in ledger
    assert "电梯加装施工合同 · 主体完工</a></td><td>2026-10-01</td><td>30 天</td>" in ledger
    assert "支出进度滞后的实事（1）" in ledger and "开工时资金到位不足的实事（1）" in ledger
    assert "<td>2026-03-01</td><td>500.00 万元</td><td>1000.00 万元</td>" in ledger
    book = client.get(reverse("admin:projects_ledger") + "?plan=2026&format=xlsx").content
    rows = list(load_workbook(io.BytesIO(book))["工程款拖欠"].iter_rows(values_only=True))
    assert rows[1][1:7] == ("电梯加装施工合同", "主体完工", datetime(2026, 10, 1), 30,
                            datetime(2026, 11, 1), 51)  # fmt: skip
    client.logout()
    html = client.get(world.lifts.get_absolute_url()).content.decode()
    assert "手续节点逾期" in html
    assert "施工许可（计划 2026-11-20），自" in html and "2026-11-21</time> 起逾期" in html
    assert "“电梯加装施工合同”主体完工：2026-10-01 验收后超过 30 天未拨付" in html
    assert "竣工验收" not in html  # a node nobody approved is not public


def test_a_past_year_read_under_rules_set_since_shows_no_lapse(db, clock):
    # As the upgrade left 2021: the rules in force from the day they came (today).
    plan = PlanFactory(year=2021, is_published=True)
    assert plan.rules.get(name=PlanRule.Name.STEP_GRACE_DAYS).valid_from == clock.today()
    project = ProjectFactory(plan=plan)
    MilestoneFactory(project=project, due_date=date(2021, 6, 30))  # never reported done
    PaymentFactory(contract__project=project, accepted_on=date(2021, 5, 1), amount=None,
                   paid_on=None)  # fmt: skip
    for day in (date(2021, 12, 31), clock.today()):
        assert money_watch(plan, day) == []
        ledger = build_ledger(plan, day)
        assert (ledger.late_steps, ledger.lagging_payments) == ([], [])
    assert not watch(project, clock.today())


def test_a_rule_set_later_judges_only_the_lapses_that_began_under_it(world):
    # Grace 0 in force from 2026-11-21 only: a step planned on the 20th is late from the
    # 21st; one planned on the 19th would have been late from the 20th, before the rule.
    grace = PlanRule.objects.filter(plan=world.plan, name=PlanRule.Name.STEP_GRACE_DAYS)
    grace.update(valid_from=date(2026, 11, 21))
    earlier = MilestoneFactory(project=world.lifts, title="开工", due_date=date(2026, 11, 19))
    assert late_steps(world.plan, date(2026, 11, 20)) == []
    found = late_steps(world.plan, date(2026, 11, 25))
    assert [(lapse.thing, lapse.since) for lapse in found] == [(world.step, date(2026, 11, 21))]
    assert earlier not in [lapse.thing for lapse in late_steps(world.plan, date(2026, 12, 31))]
    # A value changed later neither ends a lapse begun before it (10 days from the
    # 24th) nor dates one before the day it became late (0 from the 24th, 10 before).
    PlanRule.objects.create(
        plan=world.plan, name=PlanRule.Name.STEP_GRACE_DAYS, value=10, valid_from=date(2026, 11, 24)
    )
    found = late_steps(world.plan, date(2026, 11, 25))
    assert [(lapse.thing, lapse.since, lapse.limit) for lapse in found] == [
        (world.step, date(2026, 11, 21), 0)
    ]
    grace.filter(valid_from=date(2026, 11, 21)).update(value=10)
    grace.filter(valid_from=date(2026, 11, 24)).update(value=0)
    found = late_steps(world.plan, date(2026, 11, 25))
    assert [(lapse.thing, lapse.since) for lapse in found] == [(world.step, date(2026, 11, 24))]
