"""Pace (序时进度) and status: the one place that decides whether a figure is on time.

The rules run in the database, as annotations on targets, so that lists can filter and
sort by status however many rows they hold. 序时进度 (the progress expected by a day) is
a straight line from the plan's start to the due date, unless officials entered a
planned schedule for the target, which then rules (`expected_percent`). Projects take
their status from their targets (`project_status`). The thresholds are rules of each
plan (`PlanRule`), taken as in force on the day judged, so a past day keeps the
judgement it was published with:

- pace_slow_points: 推进缓慢 when a figure is more than this many percentage points
  behind the progress expected by the date;
- pace_severe_points: 严重滞后 beyond this gap;
- notice_days: a project whose figures reach completion is 公示中 (published for
  objection) until this many days after the completing figure was made public, then
  已完成; an upheld objection makes it 整改中 until a new figure is approved, which
  opens a new notice (`notice_status`). The rule is in force only from the day it was
  set on a plan: a project finished before that is 已完成 at once, as it always was.
A new plan takes them from the settings PACE_SLOW_POINTS (default 10) and
PACE_SEVERE_POINTS (default 30), which follow the practice of local supervision
offices' monthly bulletins: 10 points behind 序时进度 is 滞后, 30 is 严重滞后.
"""

from django.apps import apps
from django.db import models
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    COMPLETE = "complete", _("已完成")
    NOTICE = "notice", _("公示中")
    RECTIFYING = "rectifying", _("整改中")
    ON_TRACK = "on_track", _("正常推进")
    SLOW = "slow", _("推进缓慢")
    SEVERE = "severe", _("严重滞后")
    OVERDUE = "overdue", _("逾期未完成")
    NOT_REPORTED = "not_reported", _("未填报")


# Most severe first: a project is as far behind as its furthest-behind target.
SEVERITY = [
    Status.OVERDUE,
    Status.SEVERE,
    Status.SLOW,
    Status.RECTIFYING,
    Status.NOT_REPORTED,
    Status.ON_TRACK,
    Status.NOTICE,
    Status.COMPLETE,
]
BEHIND = frozenset({Status.SLOW, Status.SEVERE, Status.OVERDUE})
# A project's only (`notice_status`); a target is never in either.
NOTICE_STATUSES = (Status.NOTICE, Status.RECTIFYING)


class DayNumber(Func):
    """A date as a count of days, so SQLite and PostgreSQL subtract dates alike."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        template = "CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "((%(expressions)s)::date - DATE '1970-01-01')"
        return self.as_sql(compiler, connection, template=template, **extra)


def day_value(day):
    """The day judged, in an expression: a date for every target, or F(name) for each
    target's own day, annotated under that name (an import judges each row on its
    date, all in one query)."""
    return day if isinstance(day, F) else Value(day)


def day_outer(day):
    """The day judged, inside a subquery on the target."""
    return OuterRef(day.name) if isinstance(day, F) else day


def expected_percent(day):
    """The share of a target expected by `day` (序时进度), 0–100.

    - A target with a planned schedule (PlannedValue): the planned value of the latest
      step on or before `day`, 0 before the first step.
    - Otherwise a quantity: linear from the plan's period start to the project's due date.
    - Otherwise a one-off milestone (a groundbreaking): nothing before the due date,
      all of it after.
    """
    schedule = apps.get_model("projects", "PlannedValue").objects.filter(target=OuterRef("pk"))
    planned = Subquery(
        schedule.filter(date__lte=day_outer(day)).order_by("-date").values("value")[:1]
    )
    start = DayNumber(F("project__plan__period_start"))
    due = DayNumber(F("project__due_date"))
    elapsed = DayNumber(day_value(day)) - start
    linear = Cast(elapsed, FloatField()) * Value(100.0) / Greatest(due - start, Value(1))
    return Case(
        When(
            Exists(schedule),
            then=Coalesce(
                Cast(planned, FloatField()) * Value(100.0) / Cast("target_value", FloatField()),
                Value(0.0),
            ),
        ),
        When(kind="milestone", project__due_date__lt=day, then=Value(100.0)),
        When(kind="milestone", then=Value(0.0)),
        default=Least(Greatest(linear, Value(0.0)), Value(100.0)),
        output_field=FloatField(),
    )


def percent_of(value, target_value):
    """value ÷ target × 100, uncapped (over-achievement shows as it is): the one formula
    of 完成率. A ratio for display and sorting; the figures themselves stay Decimal."""
    return Cast(value, FloatField()) * Value(100.0) / Cast(target_value, FloatField())


def rule_in_force(name, day):
    """The value of the plan's rule `name` in force on `day`, for each target's plan."""
    rules = apps.get_model("projects", "PlanRule").objects.filter(
        plan=OuterRef("project__plan"), name=name
    )
    return Cast(Subquery(rules.on(day_outer(day)).values("value")[:1]), FloatField())


def status_annotations(day):
    """Annotations for a queryset of targets that already carries `current_value`."""
    slow = rule_in_force("pace_slow_points", day)
    severe = rule_in_force("pace_severe_points", day)
    return {
        "percent": percent_of("current_value", "target_value"),
        "expected_percent": expected_percent(day),
        "status": Case(
            When(current_value__isnull=True, then=Value(Status.NOT_REPORTED)),
            When(current_value__gte=F("target_value"), then=Value(Status.COMPLETE)),
            When(project__due_date__lt=day, then=Value(Status.OVERDUE)),
            When(Q(expected_percent__gt=F("percent") + severe), then=Value(Status.SEVERE)),
            When(Q(expected_percent__gt=F("percent") + slow), then=Value(Status.SLOW)),
            default=Value(Status.ON_TRACK),
            output_field=models.CharField(choices=Status.choices),
        ),
    }


def status_rank():
    """An integer for ordering by status, most severe first (needs `status`)."""
    return Case(
        *[When(status=status, then=Value(rank)) for rank, status in enumerate(SEVERITY)],
        output_field=IntegerField(),
    )


def project_status(statuses):
    """A project's status from its targets' statuses: the most severe one, so one
    lagging target makes the project lagging; 已完成 only when every target is."""
    statuses = list(statuses)
    if not statuses:
        return Status.NOT_REPORTED
    return min(statuses, key=SEVERITY.index)


def notice_status(status, notices, day):
    """A project's status on `day` once 公示 is counted: `status` is what its figures
    say (`project_status`), `notices` its notices (models/notice.py), oldest first.

    Figures short of completion say what they say. Complete figures are 已完成 if no
    notice was ever opened for them (finished before the plan's notice rule), else by
    the latest notice opened by `day`: 整改中 from the day an objection to it was
    upheld; 公示中 until it closes, or while an objection filed in it waits for a
    decision; 已完成 after."""
    if status != Status.COMPLETE:
        return status
    opened = [notice for notice in notices if notice.opens_on <= day]
    if not opened:
        return Status.COMPLETE
    notice = opened[-1]
    if notice.upheld_on is not None and notice.upheld_on <= day:
        return Status.RECTIFYING
    if day <= notice.closes_on or notice.undecided_on(day):
        return Status.NOTICE
    return Status.COMPLETE
