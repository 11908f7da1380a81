from datetime import date
from decimal import Decimal

import pytest

from projects.models import Project, Target
from projects.rules.formatting import figure, percent

from .factories import ProjectFactory, ReportFactory, TargetFactory


def target_with_progress(target, as_of=None):
    return Target.objects.with_progress(as_of).get(pk=target.pk)


def project_with_progress(project, as_of=None):
    return Project.objects.with_progress(as_of).get(pk=project.pk)


@pytest.mark.django_db
def test_target_without_report_is_not_reported_not_zero():
    target = target_with_progress(TargetFactory())
    assert target.current_value is None
    assert target.percent is None
    assert percent(target.percent) == "未填报"
    assert not target.is_reached


@pytest.mark.django_db
def test_current_value_is_the_latest_report_by_as_of_date():
    target = TargetFactory(target_value=200)
    ReportFactory(target=target, value=50, as_of=date(2021, 3, 1))
    ReportFactory(target=target, value=30, as_of=date(2021, 2, 1))  # entered later, dated earlier
    target = target_with_progress(target)
    assert target.current_value == Decimal("50")
    assert target.last_reported_on == date(2021, 3, 1)
    assert target.percent == pytest.approx(25.0)


@pytest.mark.django_db
def test_over_achievement_is_shown_as_it_is():
    target = TargetFactory(target_value=1700)
    ReportFactory(target=target, value=1802)
    target = target_with_progress(target)
    assert target.percent == pytest.approx(106.0)
    assert percent(target.percent) == "106%"
    assert target.is_reached


@pytest.mark.django_db
def test_a_lower_correction_becomes_the_current_value():
    target = TargetFactory(target_value=100)
    ReportFactory(target=target, value=60, as_of=date(2021, 5, 1))
    ReportFactory(target=target, value=55, as_of=date(2021, 6, 1), note="重复统计，更正")
    assert target_with_progress(target).current_value == Decimal("55")


@pytest.mark.django_db
def test_a_same_day_correction_wins_over_the_earlier_entry():
    target = TargetFactory(target_value=100)
    ReportFactory(target=target, value=60, as_of=date(2021, 5, 1))
    ReportFactory(target=target, value=58, as_of=date(2021, 5, 1), note="更正")
    assert target_with_progress(target).current_value == Decimal("58")


@pytest.mark.django_db
def test_milestone_reached_counts_as_complete():
    target = TargetFactory(kind=Target.Kind.MILESTONE, target_value=1, unit="项")
    ReportFactory(target=target, value=1)
    target = target_with_progress(target)
    assert target.percent == pytest.approx(100.0)
    assert target.is_reached


@pytest.mark.django_db
def test_fractional_kilometres_are_kept_exactly():
    target = TargetFactory(target_value=40, unit="公里")
    ReportFactory(target=target, value=Decimal("12.35"))
    target = target_with_progress(target)
    assert target.current_value == Decimal("12.35")
    assert figure(target.current_value) == "12.35"
    assert target.percent == pytest.approx(30.875)


@pytest.mark.django_db
def test_as_of_counts_only_reports_dated_up_to_that_day():
    target = TargetFactory(target_value=100)
    ReportFactory(target=target, value=20, as_of=date(2021, 3, 1))
    ReportFactory(target=target, value=70, as_of=date(2021, 9, 1))
    assert target_with_progress(target, as_of=date(2021, 6, 30)).current_value == Decimal("20")
    assert target_with_progress(target, as_of=date(2021, 2, 1)).current_value is None


@pytest.mark.django_db
def test_project_percent_caps_each_target_at_100_and_counts_unreported_as_zero():
    project = ProjectFactory()
    over = TargetFactory(project=project, target_value=100)
    half = TargetFactory(project=project, target_value=100)
    TargetFactory(project=project, target_value=100)  # not reported
    ReportFactory(target=over, value=150)
    ReportFactory(target=half, value=50)
    project = project_with_progress(project)
    assert project.percent == pytest.approx((100 + 50 + 0) / 3)
    assert not project.is_complete


@pytest.mark.django_db
def test_project_without_any_report_is_not_reported():
    project = project_with_progress(TargetFactory().project)
    assert project.percent is None
    assert project.last_reported_on is None


@pytest.mark.django_db
def test_project_is_complete_when_every_target_is_reached():
    project = ProjectFactory()
    for value in (9100, 1700):
        ReportFactory(target=TargetFactory(project=project, target_value=value), value=value)
    assert project_with_progress(project).is_complete


@pytest.mark.django_db
def test_plan_percent_is_the_mean_of_projects_and_counts_completed_ones(plan):
    done = ProjectFactory(plan=plan, number=1)
    ReportFactory(target=TargetFactory(project=done, target_value=10), value=12)
    half = ProjectFactory(plan=plan, number=2)
    ReportFactory(target=TargetFactory(project=half, target_value=10), value=5)
    TargetFactory(project=ProjectFactory(plan=plan, number=3))  # not reported
    progress = plan.progress()
    assert progress.percent == pytest.approx((100 + 50 + 0) / 3)
    assert progress.completed_count == 1
    assert progress.reported_count == 2


@pytest.mark.django_db
def test_plan_with_nothing_reported_has_no_percent(plan_2021):
    progress = plan_2021.progress()
    assert len(progress.projects) == 11
    assert progress.percent is None
    assert progress.completed_count == 0


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("9100.00"), "9100"), (Decimal("12.50"), "12.5"), (Decimal("0.00"), "0"), (None, "—")],
)
def test_figures_are_written_without_trailing_zeros(value, shown):
    assert figure(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (45.25, "45.3%"),
        (45.24, "45.2%"),
        (100.0, "100%"),
        (105.96, "106%"),
        (0.0, "0%"),
        (Decimal(100) * 1 / 16, "6.3%"),  # 6.25: a float round() would say 6.2
        (Decimal(100) * 17999 / 18000, "99.9%"),  # 99.994: a target not met is not 100%
        (99.95, "99.9%"),
    ],
)
def test_percents_are_rounded_half_up_to_one_decimal(value, shown):
    assert percent(value) == shown
