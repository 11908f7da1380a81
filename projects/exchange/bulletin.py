"""The monthly bulletin (月度进展通报): a plan's figures at the end of a month, written
the way a district publishes them, and the list of months that have one.

A month's figures are those of its last day, or of today while the month runs:
approved reports dated up to that day, pace judged on that day, by the same rules as
every other page (`Plan.progress`, `pace.py`). A month has a bulletin from the plan's
first month to the month of its last approved report or of its period end, whichever
is later, and never past the current month.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import TruncMonth

from projects.models import PlanProgress, ProgressReport, Target
from projects.rules import clock, pace
from projects.rules.days import first_of_month, month_end, previous_month
from projects.rules.formatting import percent_value


def with_latest_reasons(targets, day):
    """`targets` annotated with `latest_delay_reason` and `latest_next_steps`: what the
    latest approved report dated up to `day` gives as 滞后原因 and 下一步措施 (the same
    report `with_progress(day)` takes the figure from), '' when it gives none, None
    when there is no such report."""
    latest = ProgressReport.objects.current_first(OuterRef("pk"), day)
    return targets.annotate(
        latest_delay_reason=Subquery(latest.values("delay_reason")[:1]),
        latest_next_steps=Subquery(latest.values("next_steps")[:1]),
    )


def points_behind(percent, expected):
    """How many percentage points a figure is behind 序时进度, from the figures as
    published (each rounded to one decimal), so the three numbers on the page agree.
    Negative when ahead; None when either is unknown."""
    if expected is None:
        return None
    return percent_value(expected) - percent_value(percent or 0)


@dataclass
class Month:
    """A month that has a bulletin, with the approved reports dated in it."""

    month: date
    day: date
    is_running: bool  # not over yet (its last day included): the figures are today's
    report_count: int
    last_reported_on: date | None

    @property
    def slug(self):
        return f"{self.month:%Y-%m}"


def bulletin_months(plan, today=None, counts=True):
    """The months of `plan` that have a bulletin, newest first (one query). With
    `counts`, each with the number of reports dated in it, for the archive: that groups
    every report of the plan, so a single bulletin asks only for its last month, which
    the targets' latest figures tell without reading the reports."""
    today = today or clock.today()
    if counts:
        counts = {
            row["month"]: row
            for row in ProgressReport.objects.approved()
            .filter(target__project__plan=plan)
            .annotate(month=TruncMonth("as_of"))
            .order_by()
            .values("month")
            .annotate(n=Count("pk"), last=Max("as_of"))
        }
    else:
        latest = Target.objects.filter(project__plan=plan).aggregate(day=Max("latest_as_of"))
        counts = {first_of_month(latest["day"]): {}} if latest["day"] else {}
    first = first_of_month(plan.period_start)
    last = min(
        max([first_of_month(plan.period_end), *counts]),
        first_of_month(today),
    )
    months = []
    month = last
    while month >= first:
        row = counts.get(month, {})
        months.append(
            Month(
                month=month,
                day=min(month_end(month), today),
                is_running=month_end(month) >= today,
                report_count=row.get("n", 0),
                last_reported_on=row.get("last"),
            )
        )
        month = previous_month(month)
    return months


def unavailable(plan, month, months, today=None):
    """Why `month` has no bulletin: 'future', 'before' (the plan's start) or 'after'
    (its end, with no report since); None if it has one."""
    today = today or clock.today()
    if any(m.month == month for m in months):
        return None
    if month > first_of_month(today):
        return "future"
    if month < first_of_month(plan.period_start):
        return "before"
    return "after"


@dataclass
class LaggingProject:
    """A project behind pace, with those of its targets that are, each carrying the
    reasons of its latest approved report."""

    project: object
    targets: list

    @property
    def points_behind(self):
        return points_behind(self.project.percent, self.project.expected_percent)


@dataclass
class Bulletin:
    plan: object
    month: date
    day: date
    is_running: bool
    progress: PlanProgress
    previous: Month | None
    next: Month | None

    @property
    def projects(self):
        return self.progress.projects

    @property
    def completed_percent(self):
        """The share of the projects that are complete (已完成 N 件，占 x%)."""
        n = len(self.projects)
        return 100 * self.progress.completed_count / n if n else None

    @property
    def points_behind(self):
        """The plan's overall completion against its 序时进度, in points."""
        if self.progress.percent is None:
            return None
        return points_behind(self.progress.percent, self.progress.expected_percent)

    @property
    def points_ahead(self):
        gap = self.points_behind
        return -gap if gap is not None and gap < 0 else None

    @property
    def not_started(self):
        """开工类指标 on which construction has not begun."""
        return [t for t in self.progress.construction_targets if not t.is_started]

    @property
    def unreported_count(self):
        """Projects with no approved figure at all (未填报 also covers a project with
        one target still unreported)."""
        return len(self.projects) - self.progress.reported_count

    @property
    def lagging(self):
        """Projects behind pace, the most severe first, then by number."""
        behind = sorted(
            self.progress.behind, key=lambda p: (pace.SEVERITY.index(p.status), p.number)
        )
        return [
            LaggingProject(p, [t for t in p.targets.all() if t.status in pace.BEHIND])
            for p in behind
        ]


def build_bulletin(plan, month, months):
    """The bulletin of `month` (its first day), one of `months` from `bulletin_months`.

    Three queries, as `Plan.progress`: the targets' query also carries the reasons.
    """
    index = next(i for i, m in enumerate(months) if m.month == month)
    day, is_running = months[index].day, months[index].is_running
    targets = with_latest_reasons(Target.objects.with_progress(day), day)
    projects = list(plan.projects.with_progress(day, targets))
    return Bulletin(
        plan=plan,
        month=month,
        day=day,
        is_running=is_running,
        progress=PlanProgress(projects),
        previous=months[index + 1] if index + 1 < len(months) else None,
        next=months[index - 1] if index > 0 else None,
    )
