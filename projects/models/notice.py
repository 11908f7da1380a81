"""公示: a project whose figures reach completion is published for objection before it
is 已完成 (Bazhong's 7-day window, the 竣工验收公示 of acceptance notices).

Where each rule lives:
- when a notice opens: `open_notice`, called for every approved figure
  (`ProgressReport.save`): the figure completes a project that was not complete the day
  before, or follows an upheld objection, and the plan's rule `notice_days` is in force
  on the figure's date (a project finished before the rule existed is never put
  through 公示 after the fact);
- what a notice makes a project's status on a day: `pace.notice_status`;
- who may object and when: `Notice.is_open` (while it runs and nothing was upheld);
  the objection is a `PublicInput` of kind `objection`, moderated like any other;
- who decides an objection: the supervision office (`decide_objection`), by
  `PublicInput.uphold` (the project becomes 整改中 until a new figure is approved,
  which opens a new notice) or `PublicInput.dismiss`, each with its reason.
"""

from datetime import timedelta

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from projects.models.plan_rules import PlanRule
from projects.models.plans import in_published_plan
from projects.models.reports import ProgressReport
from projects.models.review import official_field
from projects.models.tracking import Project
from projects.rules import clock, pace


class NoticeQuerySet(models.QuerySet):
    def public(self):
        return self.filter(in_published_plan("project__plan"))


class Notice(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="notices", verbose_name="实事"
    )
    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="达到完成的填报",
    )
    opens_on = models.DateField("公示起（完成数值的截至日期）")
    published_on = models.DateField("完成数值公开日期")
    closes_on = models.DateField("公示截止日期")
    days = models.PositiveSmallIntegerField("公示期（天）")
    upheld_on = models.DateField("异议成立日期", null=True, blank=True)
    upheld_by = official_field("认定异议成立的人")
    created_at = models.DateTimeField("记录时间", default=clock.now, editable=False)

    objects = NoticeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "opens_on", "pk"]
        verbose_name = "完成公示"
        verbose_name_plural = "完成公示"

    def __str__(self):
        return f"{self.project}：公示 {self.published_on:%Y-%m-%d} 至 {self.closes_on:%Y-%m-%d}"

    def is_open(self, day=None):
        """Whether the public may object on `day` (today): published, not closed, and
        no objection upheld yet."""
        day = day or clock.today()
        return self.upheld_on is None and self.published_on <= day <= self.closes_on

    def undecided_on(self, day):
        """Whether an objection filed in this notice was public and undecided on `day`
        (needs `shown_objections`, from `with_objections`)."""
        return any(
            item.received_on <= day
            and (item.outcome_at is None or timezone.localdate(item.outcome_at) > day)
            for item in self.shown_objections
        )


def with_objections(notices):
    """Notices with `shown_objections`: their public objections, oldest first."""
    from projects.models.voice import PublicInput

    objections = (
        PublicInput.objects.public()
        .filter(kind=PublicInput.Kind.OBJECTION)
        .order_by("received_at", "pk")
    )
    return notices.prefetch_related(
        models.Prefetch("objections", queryset=objections, to_attr="shown_objections")
    )


def open_notice(report):
    """Open a notice for an approved figure that completes its project (see above)."""
    project = Project.objects.select_related("plan").get(pk=report.target.project_id)
    days = project.plan.rules_on(report.as_of).values.get(PlanRule.Name.NOTICE_DAYS)
    if days is None or not is_complete(project, report.as_of):
        return None
    latest = project.notices.order_by("-opens_on", "-pk").first()
    after_upheld = latest is not None and latest.upheld_on is not None
    if not after_upheld and is_complete(project, report.as_of - timedelta(days=1)):
        return None  # complete already: this figure only adds to it
    published_on = timezone.localdate(report.reviewed_at or clock.now())
    return Notice.objects.create(
        project=project,
        report=report,
        opens_on=report.as_of,
        published_on=published_on,
        closes_on=published_on + timedelta(days=int(days)),
        days=int(days),
    )


def is_complete(project, day):
    return Project.objects.with_progress(day).get(pk=project.pk).is_complete


def notice_statuses(plan, as_of=None):
    """{project id: 公示中 or 整改中} of the plan's projects in either on the day: what a
    table of targets shows for those projects' targets that met their numbers. One query
    while no project of the plan has a notice; a few more, for those projects only, once
    some have."""
    day = as_of or clock.today()
    noticed = Project.objects.filter(plan=plan, notices__opens_on__lte=day).distinct()
    if not noticed.exists():
        return {}
    return {
        p.pk: p.status for p in noticed.with_progress(as_of) if p.status in pace.NOTICE_STATUSES
    }
