"""Status against 序时进度, tested at its boundaries.

The plan runs 2021-01-01 → 2021-12-31 (364 days), so on 2021-07-02 (day 182) exactly
50% is expected. Thresholds (the plan's rules, from the default settings): more than 10
points behind is 推进缓慢, more than 30 严重滞后; test_plan_rules.py tests their changes.
"""

from datetime import date
from decimal import Decimal

import pytest

from projects.models import PlannedValue, Project, Target

from .factories import ProjectFactory, ReportFactory, TargetFactory

pytestmark = pytest.mark.any_hour  # pages judged against today: every suspect hour

HALF_WAY = date(2021, 7, 2)


@pytest.fixture
def target(plan):
    return TargetFactory(project__plan=plan, target_value=Decimal("100"))


def judged(target, day):
    return Target.objects.with_progress(day).get(pk=target.pk)


def status_with(target, value, day=HALF_WAY):
    ReportFactory(target=target, value=value, as_of=min(day, date(2021, 12, 31)))
    return judged(target, day).status


def test_half_way_through_the_year_half_is_expected(target):
    assert judged(target, HALF_WAY).expected_percent == pytest.approx(50.0)
    assert judged(target, date(2020, 12, 1)).expected_percent == 0
    assert judged(target, date(2022, 3, 1)).expected_percent == 100


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("100", "complete"),
        ("130", "complete"),
        ("50", "on_track"),
        ("40", "on_track"),  # exactly 10 points behind is still on pace
        ("39.99", "slow"),
        ("20", "slow"),  # exactly 30 points behind is slow, not severe
        ("19.99", "severe"),
        ("0", "severe"),
    ],
)
def test_status_by_gap_to_the_expected_progress(target, value, status):
    assert status_with(target, value) == status


def test_nothing_reported_is_not_reported_not_behind(target):
    assert judged(target, HALF_WAY).status == "not_reported"


def test_past_the_due_date_an_unfinished_target_is_overdue(target):
    assert status_with(target, "99", date(2022, 1, 1)) == "overdue"


def test_on_the_due_date_itself_it_is_not_yet_overdue(target):
    ReportFactory(target=target, value=95, as_of=date(2021, 12, 31))
    assert judged(target, date(2021, 12, 31)).status == "on_track"


def test_a_milestone_is_not_behind_before_its_date_and_overdue_after(plan):
    milestone = TargetFactory(project__plan=plan, kind="milestone", target_value=1)
    ReportFactory(target=milestone, value=0, as_of=date(2021, 6, 30))
    assert judged(milestone, HALF_WAY).status == "on_track"
    assert judged(milestone, date(2022, 1, 5)).status == "overdue"


def test_a_planned_schedule_replaces_the_straight_line(target):
    PlannedValue.objects.create(target=target, date=date(2021, 3, 31), value=50)
    PlannedValue.objects.create(target=target, date=date(2021, 6, 30), value=100)
    assert judged(target, date(2021, 3, 1)).expected_percent == 0  # before the first step
    assert judged(target, date(2021, 4, 15)).expected_percent == pytest.approx(50.0)
    ReportFactory(target=target, value=60, as_of=date(2021, 7, 1))
    # On the straight line 60% would be ahead on 2021-07-01; the schedule wanted 100%.
    assert judged(target, date(2021, 7, 1)).status == "severe"


def test_a_project_takes_the_status_of_its_furthest_behind_target(plan):
    project = ProjectFactory(plan=plan)
    ReportFactory(target=TargetFactory(project=project), value=100, as_of=HALF_WAY)
    ReportFactory(target=TargetFactory(project=project), value=25, as_of=HALF_WAY)
    project = Project.objects.with_progress(HALF_WAY).get(pk=project.pk)
    assert [t.status for t in project.targets.all()] == ["complete", "slow"]
    assert project.status == "slow"
    assert project.expected_percent == pytest.approx(50.0)


def test_a_project_with_a_target_nobody_reported_says_so(plan):
    project = ProjectFactory(plan=plan)
    ReportFactory(target=TargetFactory(project=project), value=100, as_of=HALF_WAY)
    TargetFactory(project=project)
    assert Project.objects.with_progress(HALF_WAY).get(pk=project.pk).status == "not_reported"


def test_forecast_follows_the_pace_of_the_last_two_figures(target):
    ReportFactory(target=target, value=20, as_of=date(2021, 3, 1))
    ReportFactory(target=target, value=40, as_of=date(2021, 4, 1))
    project = Project.objects.with_history().get(pk=target.project.pk)
    project.load_history()
    # 20 in 31 days; 60 to go → 93 days after 2021-04-01.
    assert project.targets.all()[0].forecast_date() == date(2021, 7, 3)


def test_no_forecast_without_forward_pace(target):
    ReportFactory(target=target, value=40, as_of=date(2021, 3, 1))
    ReportFactory(target=target, value=40, as_of=date(2021, 4, 1))
    project = Project.objects.with_history().get(pk=target.project.pk)
    project.load_history()
    assert project.targets.all()[0].forecast_date() is None
