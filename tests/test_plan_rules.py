"""A plan's rules (the pace thresholds so far) are stored with the plan and dated:
every day is judged by the value in force on it, so a page of a past day keeps saying
what it said when it was published, whatever the settings or a later change say."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects.models import PlanRule, Target
from projects.rules import roles

from .conftest import SHANGHAI, make_official
from .factories import PlanFactory, ReportFactory, TargetFactory

SLOW, SEVERE = PlanRule.Name.PACE_SLOW_POINTS, PlanRule.Name.PACE_SEVERE_POINTS
HALF_WAY = date(2021, 7, 2)  # 50% expected


@pytest.fixture
def target(plan):
    return TargetFactory(project__plan=plan, project__number=1, target_value=Decimal("100"))


def status_on(target, day):
    return Target.objects.with_progress(day).get(pk=target.pk).status


def change(plan, name, value, valid_from, reason="督查局通知调整"):
    rule = PlanRule(plan=plan, name=name, value=value, valid_from=valid_from, reason=reason)
    rule.full_clean()
    rule.save()
    return rule


def on_the_day_before(clock, day):
    """Today is the day before `day`, so a change may take effect from `day`."""
    clock.move_to(datetime.combine(day - timedelta(days=1), time(12), tzinfo=SHANGHAI))


def test_a_new_plan_takes_its_thresholds_from_the_settings(db, settings):
    settings.PACE_SLOW_POINTS = 5
    plan = PlanFactory(year=2021)
    assert plan.rules_on(HALF_WAY).values == {
        SLOW: Decimal(5),
        SEVERE: Decimal(30),
        PlanRule.Name.ANSWER_WORKING_DAYS: Decimal(15),
        PlanRule.Name.ELECTION_SHARE: Decimal(50),
        PlanRule.Name.RATING_SHARE: Decimal(50),
        PlanRule.Name.ONLINE_DISSATISFIED_SHARE: Decimal(30),
        PlanRule.Name.ONLINE_RATING_MINIMUM: Decimal(10),
        PlanRule.Name.REVIEW_DAYS: Decimal(5),
    }  # 公示 and the reporting day only from the day the plan is made
    target = TargetFactory(project__plan=plan, target_value=100)
    ReportFactory(target=target, value=44, as_of=HALF_WAY)  # 6 points behind
    assert status_on(target, HALF_WAY) == "slow"


def test_changing_the_settings_changes_no_existing_plan(target, settings):
    ReportFactory(target=target, value=44, as_of=HALF_WAY)
    settings.PACE_SLOW_POINTS = 5
    settings.PACE_SEVERE_POINTS = 6
    assert status_on(target, HALF_WAY) == "on_track"  # judged by the plan's own 10


def test_a_change_judges_from_its_day_and_leaves_earlier_days_as_they_were(
    client, plan, target, clock
):
    ReportFactory(target=target, value=44, as_of=date(2021, 6, 30))
    before = client.get("/plans/2021/?as_of=2021-07-01").content
    assert status_on(target, date(2021, 7, 1)) == "on_track"

    on_the_day_before(clock, HALF_WAY)
    change(plan, SLOW, 5, HALF_WAY)
    clock.move_to(datetime(2021, 7, 15, 12, tzinfo=SHANGHAI))

    assert status_on(target, date(2021, 7, 1)) == "on_track"  # the old 10 points
    assert status_on(target, HALF_WAY) == "slow"  # 6 points behind, more than 5
    assert client.get("/plans/2021/?as_of=2021-07-01").content == before  # byte for byte
    assert (
        "判断标准自 2021-07-02 起有调整"
        in client.get("/plans/2021/?as_of=2021-07-02").content.decode()
    )
    html = client.get("/plans/2021/method/?as_of=2021-07-02").content.decode()
    assert "完成率低于序时进度超过 5 个百分点为“推进缓慢”" in html
    assert (
        "自 2021-07-02 起，推进缓慢的界限（落后序时进度的百分点）为 5。原因：督查局通知调整" in html
    )


def test_the_bulletin_of_a_month_before_a_change_keeps_its_judgement(client, plan, target, clock):
    ReportFactory(target=target, value=30, as_of=date(2021, 6, 30))  # 19.6 behind on 06-30
    on_the_day_before(clock, HALF_WAY)
    before = client.get("/plans/2021/bulletins/2021-06/").content.decode()
    assert "推进缓慢" in before

    change(plan, SLOW, 25, HALF_WAY)
    clock.move_to(datetime(2021, 7, 15, 12, tzinfo=SHANGHAI))
    assert client.get("/plans/2021/bulletins/2021-06/").content.decode() == before
    assert status_on(target, HALF_WAY) == "on_track"  # 20.4 behind, not over 25


def test_a_public_plans_rule_changes_only_from_tomorrow_and_with_a_reason(plan, clock):
    clock.move_to(datetime(2021, 7, 1, 23, 59, 59, tzinfo=SHANGHAI))  # tomorrow is 07-02
    with pytest.raises(ValidationError) as today:
        change(plan, SLOW, 5, date(2021, 7, 1))
    assert today.value.message_dict["valid_from"] == [
        "计划已公开，已经公布的日子不能改变判断标准：起用日期最早为明天（2021-07-02）。"
    ]
    with pytest.raises(ValidationError) as unexplained:
        change(plan, SLOW, 5, date(2021, 7, 2), reason=" ")
    assert unexplained.value.message_dict["reason"] == ["计划已公开，调整规则须说明原因。"]
    change(plan, SLOW, 5, date(2021, 7, 2))
    assert plan.rules.filter(name=SLOW).count() == 2


def test_a_stored_rule_of_a_public_plan_is_never_rewritten(plan):
    rule = plan.rules.get(name=SLOW)
    rule.value = 5
    with pytest.raises(ValidationError, match="已记录的规则不能修改"):
        rule.full_clean()
    with pytest.raises(ValidationError, match="已记录的规则不能修改"):
        rule.save()
    assert plan.rules.get(name=SLOW).value == 10


def test_an_unpublished_plans_rules_may_still_be_set(db):
    plan = PlanFactory(year=2022, is_published=False)
    rule = plan.rules.get(name=SLOW)
    rule.value = 15
    rule.full_clean()
    rule.save()
    assert plan.rules_on(date(2022, 3, 1)).values[SLOW] == 15
    assert plan.published_at is None and not plan.rules_fixed


def test_slow_must_stay_below_severe_on_every_day(plan, clock):
    on_the_day_before(clock, date(2021, 7, 1))
    with pytest.raises(ValidationError, match=r"推进缓慢的界限（30）须小于严重滞后的界限（30）"):
        change(plan, SLOW, 30, date(2021, 7, 1))
    change(plan, SEVERE, 20, date(2021, 8, 1))
    with pytest.raises(ValidationError, match="2021-08-01起不满足"):
        change(plan, SLOW, 25, date(2021, 7, 1))  # fine in July, not once severe is 20
    with pytest.raises(ValidationError, match=r"数值须在 0\.1 至 100 之间"):
        change(plan, SEVERE, 101, date(2021, 9, 1))


def plan_form(response):
    """The POST of an admin change page as its forms stand, inlines included."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += formset.forms
        management = formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is not None and not (isinstance(value, bool) and not value):
                data[form.add_prefix(name)] = value
    return data


def test_an_administrator_records_a_change_in_the_plans_admin(client, plan, clock):
    on_the_day_before(clock, HALF_WAY)
    manager = make_official("manager", roles.ADMINISTRATOR)
    client.force_login(manager)
    url = reverse("admin:projects_plan_change", args=[plan.pk])
    data = plan_form(client.get(url))
    prefix = next(k for k in data if k.endswith("-TOTAL_FORMS") and data[k] == 0)[:-12]
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": 1,
            f"{prefix}-0-name": SLOW,
            f"{prefix}-0-value": "15",
            f"{prefix}-0-valid_from": "2021-07-02",
            f"{prefix}-0-reason": "区政府常务会议决定",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][1].formset.errors
    rule = plan.rules.get(name=SLOW, valid_from=HALF_WAY)
    assert (rule.value, rule.recorded_by, rule.reason) == (15, manager, "区政府常务会议决定")

    data[f"{prefix}-0-valid_from"] = "2021-07-01"  # today: refused, nothing saved
    response = client.post(url, data)
    assert response.status_code == 200
    assert "起用日期最早为明天（2021-07-02）" in response.content.decode()
    assert plan.rules.count() == len(PlanRule.Name) + 1  # those a plan starts with, and this


@pytest.mark.parametrize("role", [roles.REPORTER, roles.REVIEWER])
def test_reporters_and_reviewers_cannot_change_a_rule(client, plan, role, clock):
    on_the_day_before(clock, HALF_WAY)
    client.force_login(make_official("someone", role))
    url = reverse("admin:projects_plan_change", args=[plan.pk])
    page = client.get(url)
    assert page.status_code == 200  # they may read the rules
    assert "推进缓慢的界限" in page.content.decode()
    data = plan_form(page)
    data.update({"rules-2-TOTAL_FORMS": 1, "rules-2-0-name": SLOW, "rules-2-0-value": "15"})
    data.update({"rules-2-0-valid_from": "2021-07-02", "rules-2-0-reason": "试图修改"})
    assert client.post(url, data).status_code == 403
    assert plan.rules.count() == len(PlanRule.Name)  # those a plan starts with
