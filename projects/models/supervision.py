"""Supervision: the reporting calendar and 挂牌督办.

Where each rule lives:
- when a report is due: `reporting_days` (the plan's dated rule `reporting_day`: that
  day of each month, the month's last day when the month is shorter), in force only
  from the day the rule was set on the plan; `ReportingWindow.of` is the period a day
  falls in: from the previous reporting day (exclusive) to the last one;
- what is 逾期未报 on a day: `overdue_targets`: an unfinished target of a plan in 实施
  with no report submitted since the reporting day before the last one (a returned,
  withdrawn or draft report does not count; a stage change of one of its sites does);
- 挂牌督办: `Supervision`, opened by the supervision office (审核员) on a lagging
  project, an overdue report or an unanswered question, answered by the responsible
  department (`respond`), closed (销号) or sent back by the office; public from the day
  it is opened (`/plans/<year>/supervision/`), the department's response once closed;
- a target's status at each `send_alerts` run: `StatusMark` (what "turned 推进缓慢
  since the last run" compares with).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models.money import lagging_payments, late_steps
from projects.models.plan_rules import PlanRule
from projects.models.plans import (
    Department,
    Plan,
    in_published_plan,
    in_served_jurisdiction,
    sees_all_departments,
)
from projects.models.reports import ProgressReport
from projects.models.review import Reviewed, official_field
from projects.models.sites import SiteReport
from projects.models.tracking import Project, Target
from projects.models.voice import PublicInput
from projects.rules import clock, pace
from projects.rules.days import end_of, month_day


def reporting_days(plan, upto):
    """The plan's reporting days after its start, up to `upto` and its end, oldest first
    (one query). A month's day is the rule's value in force at the month's end; a day
    before the rule was first set on the plan is no reporting day."""
    rows = list(
        plan.rules.filter(name=PlanRule.Name.REPORTING_DAY)
        .order_by("valid_from", "pk")
        .values_list("valid_from", "value")
    )
    if not rows:
        return []
    first_set = rows[0][0]

    def value(day):
        found = [value for valid_from, value in rows if valid_from <= day]
        return found[-1] if found else None

    last = min(upto, plan.period_end)
    days, month = [], plan.period_start.replace(day=1)
    while month <= last:
        month_end = month_day(month.year, month.month, 31)
        in_force = value(month_end)
        if in_force is not None:
            day = month_day(month.year, month.month, int(in_force))
            if plan.period_start < day <= last and day >= first_set:
                days.append(day)
        month = month_end + timedelta(days=1)
    return days


@dataclass
class ReportingWindow:
    """The reporting period a day falls in: reports submitted after `opens` (the
    reporting day before, or the plan's start) count for the deadline `due`; `next` is
    the reporting day after it (None past the plan's last)."""

    opens: date
    due: date
    next: date | None

    @classmethod
    def of(cls, plan, day):
        """The window of the last reporting day on or before `day`, None before the first."""
        days = reporting_days(plan, plan.period_end)
        passed = [d for d in days if d <= day]
        if not passed:
            return None
        later = [d for d in days if d > day]
        opens = passed[-2] if len(passed) > 1 else plan.period_start - timedelta(days=1)
        return cls(opens=opens, due=passed[-1], next=later[0] if later else None)

    @classmethod
    def upcoming(cls, plan, day):
        """The next reporting day on or after `day`, and the window it closes."""
        days = reporting_days(plan, plan.period_end)
        later = [d for d in days if d >= day]
        if not later:
            return None
        earlier = [d for d in days if d < later[0]]
        opens = earlier[-1] if earlier else plan.period_start - timedelta(days=1)
        following = [d for d in days if d > later[0]]
        return cls(opens=opens, due=later[0], next=following[0] if following else None)


COUNTED_STATES = (ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED)


def unreported_targets(plan, opens, day):
    """The plan's unfinished targets (on `day`) with no report submitted after `opens`
    up to `day`: no submitted or approved figure, nor any stage change of one of their
    sites that was not returned. Lead department selected; one query."""
    since, until = end_of(opens), end_of(day)
    reports = ProgressReport.objects.filter(target=OuterRef("pk"), state__in=COUNTED_STATES)
    reports = reports.annotate(sent=Coalesce("submitted_at", "created_at"))
    stages = SiteReport.objects.filter(site__target=OuterRef("pk")).exclude(
        state=SiteReport.State.RETURNED
    )
    as_of = None if day == clock.today() else day
    return (
        Target.objects.filter(project__plan=plan)
        .with_progress(as_of)
        .exclude(status=pace.Status.COMPLETE)
        .exclude(Exists(reports.filter(sent__gte=since, sent__lt=until)))
        .exclude(Exists(stages.filter(created_at__gte=since, created_at__lt=until)))
        .select_related("project__lead_department")
        .order_by("project__number", "order")
    )


def overdue_targets(plan, day, project=None):
    """逾期未报 on `day`: for a plan in 实施, the targets `unreported_targets` in the window
    of the last reporting day (of `project` only, if given), each with `due` (that day)
    and `days_overdue`."""
    if plan.stage != Plan.Stage.DELIVERY:
        return []
    window = ReportingWindow.of(plan, day)
    if window is None:
        return []
    found = unreported_targets(plan, window.opens, day)
    if project is not None:
        found = found.filter(project=project)
    found = list(found)
    for target in found:
        target.due = window.due
        target.days_overdue = (day - window.due).days
    return found


def overdue_by_department(plan, day):
    """{department id: [targets 逾期未报]} by each target's lead department."""
    found = {}
    for target in overdue_targets(plan, day):
        found.setdefault(target.project.lead_department_id, []).append(target)
    return found


class SupervisionQuerySet(models.QuerySet):
    def public(self):
        return self.filter(in_published_plan("plan"))

    def visible_to(self, user):
        """The office and administrators see every 督办; a department's reporters theirs."""
        if sees_all_departments(user):
            return self.filter(in_served_jurisdiction("plan"))
        return self.filter(department__in=user.departments.all())

    def open(self):
        return self.exclude(state=Supervision.State.CLOSED)

    def on(self, day):
        """督办 opened by the end of `day`."""
        return self.filter(opened_at__lt=end_of(day))

    def open_on(self, day):
        """督办 opened by the end of `day` and not closed by then."""
        return self.on(day).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end_of(day)))

    def counts(self, day):
        """{department id: (opened by `day`, of them closed by `day`)} (one query)."""
        rows = (
            self.on(day)
            .values("department")
            .annotate(total=Count("pk"), closed=Count("pk", filter=Q(closed_at__lt=end_of(day))))
        )
        return {row["department"]: (row["total"], row["closed"]) for row in rows}


class Supervision(Reviewed, models.Model):
    """挂牌督办: a problem, the department responsible, the 整改 required, a deadline."""

    WHAT = "督办"

    class Kind(models.TextChoices):
        LAGGING = "lagging", _("实事进度滞后")
        REPORT = "report", _("逾期未报")
        QUESTION = "question", _("群众或代表意见超期未答复")

    class State(models.TextChoices):
        OPEN = "open", _("督办中")
        RESPONDED = "responded", _("已反馈，待核查")
        CLOSED = "closed", _("已销号")

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="supervisions", verbose_name="年度计划"
    )
    kind = models.CharField("督办事由", max_length=20, choices=Kind)
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervisions",
        verbose_name="实事",
    )
    target = models.ForeignKey(
        Target,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervisions",
        verbose_name="逾期未报的指标",
    )
    question = models.ForeignKey(
        PublicInput,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervisions",
        verbose_name="超期未答复的留言或代表意见",
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="supervisions",
        verbose_name="责任单位",
    )
    problem = models.TextField("问题", max_length=1000)
    requirement = models.TextField("整改要求", max_length=1000)
    deadline = models.DateField("整改时限")
    opened_at = models.DateTimeField("挂牌时间", default=clock.now, editable=False)
    opened_by = official_field("挂牌人")
    response = models.TextField(
        "整改情况",
        max_length=2000,
        blank=True,
        help_text="责任单位填写整改措施和结果；督查室核查后销号，销号后公开。",
    )
    responded_at = models.DateTimeField("反馈时间", null=True, blank=True, editable=False)
    responded_by = official_field("反馈人")
    state = models.CharField(
        "状态", max_length=20, choices=State, default=State.OPEN, editable=False
    )
    review_note = models.TextField("核查意见", blank=True, editable=False)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True, editable=False)
    closed_by = official_field("销号人")

    objects = SupervisionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        permissions = [("close_supervision", "可以对挂牌督办销号或退回")]
        verbose_name = "挂牌督办"
        verbose_name_plural = "挂牌督办"

    def __str__(self):
        return f"督办 #{self.pk}：{self.department}（{self.get_kind_display()}）"

    @property
    def opened_on(self):
        return timezone.localdate(self.opened_at)

    @property
    def closed_on(self):
        return timezone.localdate(self.closed_at) if self.closed_at else None

    @property
    def responded_on(self):
        return timezone.localdate(self.responded_at) if self.responded_at else None

    def is_late(self, day):
        return self.state != self.State.CLOSED and self.deadline < day

    def clean(self):
        errors = {}
        if self._state.adding and self.deadline and self.deadline < clock.today():
            errors["deadline"] = f"整改时限不能早于今天（{clock.today():%Y-%m-%d}）。"
        if (
            self.plan_id
            and self.deadline
            and self.deadline > self.plan.period_end + timedelta(days=366)
        ):
            errors["deadline"] = "整改时限不能晚于计划结束后一年。"
        what = {
            self.Kind.LAGGING: ("project", "请选择进度滞后的实事。"),
            self.Kind.REPORT: ("target", "请选择逾期未报的指标。"),
            self.Kind.QUESTION: ("question", "请选择超期未答复的留言或代表意见。"),
        }.get(self.kind)
        if what and getattr(self, f"{what[0]}_id") is None:
            errors[what[0]] = what[1]
        if self.target_id and self.project_id and self.target.project_id != self.project_id:
            errors["target"] = "指标不属于所选实事。"
        if self.question_id and self.question.kind not in PublicInput.ANSWERED_KINDS:
            errors["question"] = "只能督办需要答复的留言、代表意见或码上提。"
        if errors:
            raise ValidationError(errors)
        if self.target_id:
            self.project = self.target.project
        if self.question_id and self.question.project_id:
            self.project = self.question.project
        if self.project_id and self.plan_id and self.project.plan_id != self.plan_id:
            raise ValidationError({"project": "实事不属于所选年度计划。"})

    def respond(self, user, text):
        """The department's response: it goes to the office to check."""
        if not text.strip():
            raise ValidationError("请填写整改情况。")
        self.transition(
            user,
            [self.State.OPEN],
            self.State.RESPONDED,
            response=text.strip(),
            responded_at=clock.now(),
            responded_by=user,
        )

    def close(self, user, note=""):
        """销号: the office found the 整改 done."""
        self.transition(
            user,
            [self.State.RESPONDED],
            self.State.CLOSED,
            closed_at=clock.now(),
            closed_by=user,
            review_note=note.strip(),
        )

    def send_back(self, user, note):
        """The response is not enough: open again, with the reason."""
        if not note.strip():
            raise ValidationError("退回时必须说明原因。")
        self.transition(user, [self.State.RESPONDED], self.State.OPEN, review_note=note.strip())


class StatusMark(models.Model):
    """A target's or (target empty) a project's status as `send_alerts` judged it on a
    day: a status is compared with the last mark to tell that it changed."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name="实事"
    )
    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField("日期")
    status = models.CharField("状态", max_length=20, choices=pace.Status)

    class Meta:
        ordering = ["project", "target", "-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "day"],
                condition=Q(target__isnull=False),
                name="one_target_mark_a_day",
            ),
            models.UniqueConstraint(
                fields=["project", "day"],
                condition=Q(target__isnull=True),
                name="one_project_mark_a_day",
            ),
        ]
        verbose_name = "状态记录"
        verbose_name_plural = "状态记录"

    def __str__(self):
        return f"{self.target or self.project}：{self.day:%Y-%m-%d} {self.get_status_display()}"


@dataclass
class Watch:
    """What the public is told on a project's pages of how it is being watched on a
    day (`watch`): its 挂牌督办 open then, each with `late` (past its 整改时限); its
    targets 逾期未报 then (`overdue_targets`); the current approved figures of its
    unfinished targets that give a 滞后原因 or a 下一步措施, newest first; and its
    procedure steps late and its accepted work unpaid (拖欠) then, by the plan's dated
    rules (`late_steps`, `lagging_payments`: approved entries only)."""

    supervisions: list
    overdue: list
    reasons: list
    late_steps: list = field(default_factory=list)
    lagging_payments: list = field(default_factory=list)

    def __bool__(self):
        return bool(
            self.supervisions
            or self.overdue
            or self.reasons
            or self.late_steps
            or self.lagging_payments
        )


def watch(project, day):
    """The `Watch` of `project` (fetched `with_progress` on `day`) on `day`: from the
    public 督办, the reporting calendar and approved figures only (one query, two more
    for a plan in 实施 with a reporting calendar, and one unless `load_history` gave
    the current figures; and four for the late steps and payments)."""
    supervisions = list(
        Supervision.objects.public()
        .filter(project=project)
        .open_on(day)
        .select_related("department")
        .order_by("deadline", "pk")
    )
    for item in supervisions:
        item.late = item.deadline < day  # open on `day`, whatever became of it since
    reasons = [r for r in current_reports(project, day) if r.delay_reason or r.next_steps]
    return Watch(
        supervisions=supervisions,
        overdue=overdue_targets(project.plan, day, project=project),
        reasons=sorted(reasons, key=lambda r: (r.as_of, r.pk), reverse=True),
        late_steps=late_steps(project.plan, day, project),
        lagging_payments=lagging_payments(project.plan, day, project),
    )


def current_reports(project, day):
    """The current approved report (on `day`) of each of the project's unfinished
    targets, each with its target: read from `recent_reports` where `load_history`
    gave them, else in one query."""
    targets = [t for t in project.targets.all() if not t.is_reached]
    if all(hasattr(t, "recent_reports") for t in targets):
        found = [(t, t.recent_reports[0]) for t in targets if t.recent_reports]
    else:
        by_pk = {t.pk: t for t in targets}
        picked = ProgressReport.objects.picked((t.pk, None, day, 1) for t in targets)
        found = [(by_pk[r.target_id], r) for r in picked]
    for target, report in found:
        report.target = target
    return [report for _, report in found]


def open_supervisions(plan, day):
    """The plan's 督办 opened by `day` and not closed by then, oldest deadline first."""
    return list(
        Supervision.objects.filter(plan=plan)
        .open_on(day)
        .select_related("department", "project")
        .order_by("deadline", "pk")
    )
