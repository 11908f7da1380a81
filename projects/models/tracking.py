"""Projects, their measures, milestones and targets, with every figure derived from
the approved reports (`TargetQuerySet.with_progress`, `Project.percent`, `PlanProgress`)."""

import json
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from statistics import fmean

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models.fields import (
    CURRENT_FIRST,
    FORECAST_HORIZON_DAYS,
    JUDGED_TARGETS,
    RECENT_REPORTS,
    value_field,
)
from projects.models.plans import (
    Department,
    Plan,
    PlanProgress,
    in_published_plan,
    in_served_jurisdiction,
    sees_all_departments,
)
from projects.rules import clock, pace
from projects.rules.days import months
from projects.rules.formatting import figure
from projects.rules.numerals import chinese_numeral


def progress_reports():
    """The reports' manager, looked up by name: reports stand on targets (their foreign
    key), so this floor does not import theirs."""
    return apps.get_model("projects", "ProgressReport").objects


class ProjectQuerySet(models.QuerySet):
    def published(self):
        """Projects of plans the public may see."""
        return self.filter(in_published_plan("plan"))

    def of_departments(self, departments):
        """Projects that any of `departments` leads or supports."""
        return self.filter(
            Q(lead_department__in=departments) | Q(supporting_departments__in=departments)
        ).distinct()

    def visible_to(self, user):
        """Projects an official may see: all of their jurisdiction's for reviewers, their
        departments' for reporters."""
        if sees_all_departments(user):
            return self.filter(in_served_jurisdiction("plan"))
        return self.filter(
            pk__in=Project.objects.of_departments(user.departments.all()).values("pk")
        )

    def with_progress(self, as_of=None, targets=None):
        """Projects with their departments and their targets annotated by `with_progress`."""
        if targets is None:
            targets = Target.objects.with_progress(as_of)
        from projects.models.notice import (  # a higher floor: 公示 follows figures
            Notice,
            with_objections,
        )

        # The year-end rating (models/cycle.py) comes in the same query; the day judged
        # goes with each project, for its 公示 (`Project.status`).
        notices = with_objections(Notice.objects.order_by("opens_on", "pk"))
        return (
            self.select_related("plan", "lead_department", "rating")
            .annotate(judged_on=Value(as_of or clock.today(), output_field=models.DateField()))
            .prefetch_related(
                "supporting_departments",
                Prefetch("targets", queryset=targets),
                Prefetch("notices", queryset=notices, to_attr="shown_notices"),
            )
        )

    def with_history(self, as_of=None):
        """`with_progress`, plus measures, milestones, planned schedules and, on each
        target (approved reports dated up to `as_of` only), `report_count` and
        `corrections`: every report that corrected an earlier one (修订记录). The
        latest reports and the month-ends come from `Project.load_history`."""
        approved = progress_reports().approved()
        if as_of is not None:
            approved = approved.filter(as_of__lte=as_of)
        corrections = approved.filter(corrects__isnull=False).select_related("corrects")
        counted = (
            approved.filter(target=OuterRef("pk"))
            .order_by()
            .values("target")
            .annotate(n=Count("pk"))
            .values("n")
        )
        targets = (
            Target.objects.with_progress(as_of)
            .annotate(report_count=Coalesce(Subquery(counted), 0))
            .prefetch_related(
                Prefetch("reports", queryset=corrections, to_attr="corrections"),
                "planned_values",
            )
        )
        return self.with_progress(as_of, targets).prefetch_related("measures", "milestones")


# A project's two completion fields, said once for the API, the data package and the
# exports: `Project.is_complete` reads the figures only; `Project.is_closed` is 已完成,
# what the dashboard and the bulletin count.
COMPLETE_MEANING = _(
    "所有指标都已达到目标值（只看数字：公示中、整改中的实事也为 true；是否已完成见 is_closed）"
)
CLOSED_HEADER = _("实事已完成")
CLOSED_MEANING = _(
    "已完成（status 为 complete）：所有指标都已达到目标值，且既不在公示中，也不在整改中。"
    "公示中（完成公示期内，或有异议待认定）和整改中（异议成立，待新的数字）的实事为 false，"
    "而它们的 is_complete 为 true"
)


class Project(models.Model):
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="projects", verbose_name="年度计划"
    )
    number = models.PositiveSmallIntegerField(
        "序号", validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    title = models.CharField("简称", max_length=100)
    title_en = models.CharField("英文简称", max_length=200, blank=True)
    pledge_text = models.TextField("承诺原文")
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_projects",
        verbose_name="牵头单位",
        help_text="公告未列明时留空。",
    )
    supporting_departments = models.ManyToManyField(
        Department, blank=True, related_name="supported_projects", verbose_name="配合单位"
    )
    due_date = models.DateField("完成时限", blank=True, help_text="留空则为计划周期结束日。")

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[supporting_departments])

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_project_number")
        ]
        verbose_name = "民生实事"
        verbose_name_plural = "民生实事"

    def __str__(self):
        return f"{self.number_cn}、{self.title}"

    def save(self, *args, **kwargs):
        if self.due_date is None:
            self.due_date = self.plan.period_end
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:project", args=[self.plan.year, self.number])

    @property
    def number_cn(self):
        return chinese_numeral(self.number)

    # The figures below read targets prefetched by `ProjectQuerySet.with_progress()`.

    @property
    def percent(self):
        """Mean of the targets' percents, each capped at 100; a target not reported counts 0.

        None while no target of the project has any report: 未填报, not 0%.
        """
        targets = self.targets.all()
        if not any(t.current_value is not None for t in targets):
            return None
        return fmean(min(t.percent or 0.0, 100.0) for t in targets)

    @property
    def is_complete(self):
        """Every target met its number: figures only, so true 公示中 and 整改中 too
        (COMPLETE_MEANING)."""
        targets = self.targets.all()
        return bool(targets) and all(t.is_reached for t in targets)

    @property
    def is_closed(self):
        """已完成: every target met, and neither 公示中 nor 整改中 on the day judged, i.e.
        the status `complete` (`pace.notice_status`; CLOSED_MEANING)."""
        return self.status == pace.Status.COMPLETE

    @property
    def expected_percent(self):
        """The mean of its targets' expected percents (序时进度)."""
        targets = self.targets.all()
        return fmean(t.expected_percent for t in targets) if targets else None

    @property
    def figures_status(self):
        """The most severe status of its targets (rules in `pace.project_status`)."""
        return pace.project_status(t.status for t in self.targets.all())

    @property
    def status(self):
        """Its figures' status with 公示 counted (`pace.notice_status`), on the day its
        targets were judged (needs `with_progress`)."""
        return pace.notice_status(self.figures_status, self.shown_notices, self.judged_on)

    @property
    def open_notice(self):
        """The notice the public may object to today, if any (needs `with_progress`)."""
        notices = [n for n in self.shown_notices if n.is_open(self.judged_on)]
        return notices[-1] if notices else None

    def get_status_display(self):
        return pace.Status(self.status).label

    @property
    def last_reported_on(self):
        return max(
            (t.last_reported_on for t in self.targets.all() if t.last_reported_on), default=None
        )

    @property
    def shown_rating(self):
        """The deputies' year-end rating, if recorded (fetched by `with_progress`)."""
        try:
            return self.rating
        except models.ObjectDoesNotExist:
            return None

    def load_history(self, as_of=None):
        """Give each target (fetched by `ProjectQuerySet.with_history`):
        - `recent_reports`: its latest RECENT_REPORTS approved reports, current first,
          with their evidence (the page's list; the whole history is a link away), a
          reason repeated from one to the next said once (`group_reasons`);
        - `month_ends`: the report current at the end of each month that has one,
          oldest first (the chart).
        Approved reports dated up to `as_of` only. Three queries of index seeks, a few
        per target and month, so a target's page costs the same however long its
        history grows."""
        day = as_of or clock.today()
        targets = self.targets.all()
        reports = progress_reports()  # picks take approved reports (current_first)
        recent = reports.picked((t.pk, None, day, RECENT_REPORTS) for t in targets)
        recent = recent.prefetch_related("evidence").order_by("target", *CURRENT_FIRST)
        plan = self.plan
        month_ends = reports.picked(
            (t.pk, first, last, 1)
            for t in targets
            # the plan's months, and those of figures reported after it
            for first, last in months(
                plan.period_start, max(plan.period_end, t.last_reported_on or day), day
            )
        )
        by_target = {t.pk: t for t in targets}
        for target in targets:
            target.recent_reports, target.month_ends = [], []
        for report in recent:
            by_target[report.target_id].recent_reports.append(report)
        for report in month_ends.order_by("target", "as_of"):
            by_target[report.target_id].month_ends.append(report)
        for target in targets:
            group_reasons(target.recent_reports)

    def forecast_date(self, day):
        """When its last target will be reached at the pace of its recent figures
        (`Target.forecast_date`), or None when any unfinished target has no such pace,
        there is none, or that day is already before `day` (the figures stalled since;
        needs `load_history`)."""
        days = [t.forecast_date() for t in self.targets.all() if not t.is_reached]
        if not days or None in days or max(days) < day:
            return None
        return max(days)

    @property
    def corrections(self):
        """Approved reports that corrected a public figure, newest first (needs
        `with_history`): the project's change log, 修订记录."""
        found = [r for t in self.targets.all() for r in t.corrections]
        return sorted(found, key=lambda r: r.reviewed_at or r.created_at, reverse=True)


def group_reasons(reports):
    """A list of one target's reports, newest first, where a 滞后原因 and 下一步措施
    repeated in consecutive reports are said once: the newest report of each such run
    gets `reason_from` (the as-of day of the run's oldest report) and `reason_count`
    when the run has more than one, and the others `reason_repeated`. Returns the list."""
    run = []
    for report in [*reports, None]:
        said = report is not None and (report.delay_reason, report.next_steps)
        if run and said != (run[0].delay_reason, run[0].next_steps):
            if len(run) > 1:
                run[0].reason_from, run[0].reason_count = run[-1].as_of, len(run)
            for repeated in run[1:]:
                repeated.reason_repeated = True
            run = []
        if report is not None and any(said):
            run.append(report)
    return reports


def rollup(jurisdiction, year=None, as_of=None):
    """The plans of `year` (of every year, newest first, if None) of every level below
    `jurisdiction` that pledged theirs (in 实施 or later), in the tree's order, as the
    `PlanProgress` of each: figures from approved reports only, in the same few
    queries however many levels there are."""
    plans = Plan.objects.below(jurisdiction).filter(stage__in=Plan.PLEDGED_STAGES)
    if year is not None:
        plans = plans.filter(year=year)
    plans = list(
        plans.select_related("jurisdiction__parent").order_by("-year", "jurisdiction__path")
    )
    projects = defaultdict(list)
    for project in Project.objects.filter(plan__in=plans).with_progress(as_of).order_by("number"):
        projects[project.plan_id].append(project)
    return [PlanProgress(projects[plan.pk], plan) for plan in plans]


class Measure(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="measures", verbose_name="民生实事"
    )
    order = models.PositiveSmallIntegerField("顺序", default=1)
    text = models.TextField("举措")

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "order", "id"]
        verbose_name = "举措"
        verbose_name_plural = "举措"

    def __str__(self):
        return self.text[:40]


class MilestoneQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_all_departments(user):
            return self.filter(in_served_jurisdiction("project__plan"))
        return self.filter(project__in=Project.objects.visible_to(user))

    def overdue(self, day):
        """Dated steps whose date has passed on `day` and that nobody marked done."""
        return self.filter(due_date__lt=day, done_on__isnull=True)


class Milestone(models.Model):
    """A procedure step of a pledge (立项 → … → 验收), with its planned date and, once a
    reviewer approves a `StepReport` with its document, its actual date (`done_on`,
    written by that approval only; steps marked before it came keep theirs). A step may
    feed a milestone target (`target`): its approval writes the target's figure, and no
    one reports that target by hand, so the two never disagree."""

    class Step(models.TextChoices):
        APPROVAL = "approval", _("立项")
        SITE = "site", _("规划选址 / 用地")
        TENDER = "tender", _("招投标")
        PERMIT = "permit", _("施工许可")
        START = "start", _("开工")
        FINISH = "finish", _("竣工")
        ACCEPTANCE = "acceptance", _("验收")
        ACCOUNTS = "accounts", _("决算")
        OTHER = "other", _("其他节点")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name="民生实事"
    )
    step = models.CharField(
        "手续步骤", max_length=20, choices=Step, default=Step.OTHER, db_default=Step.OTHER
    )
    title = models.CharField("节点", max_length=200)
    due_date = models.DateField("计划日期")
    done_on = models.DateField(
        "实际完成日期",
        null=True,
        blank=True,
        editable=False,
        help_text="由审核通过的节点填报写入。",
    )
    target = models.OneToOneField(
        "Target",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="step",
        verbose_name="计入指标",
        help_text="该节点完成即为此节点指标完成（如“开工”）；该指标不再手工填报。",
    )

    objects = MilestoneQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "due_date", "id"]
        verbose_name = "时间节点"
        verbose_name_plural = "时间节点"

    def __str__(self):
        return f"{self.title}（{self.due_date:%Y-%m-%d}前）"

    def clean(self):
        if self.target_id is None or self.project_id is None:
            return
        target = self.target
        if target.project_id != self.project_id:
            raise ValidationError({"target": "只能计入本实事的指标。"})
        if target.kind != Target.Kind.MILESTONE or target.counted_stage is not None:
            raise ValidationError({"target": "只能计入节点指标（且不按点位计数的）。"})
        hand = progress_reports().filter(target=target, from_step=False)
        if hand.exclude(state="withdrawn").exists():
            raise ValidationError(
                {"target": "该指标已有手工填报，不能改由节点计入：两者会不一致。"}
            )


class TargetQuerySet(models.QuerySet):
    def published(self):
        """Targets of plans the public may see."""
        return self.filter(in_published_plan("project__plan"))

    def visible_to(self, user):
        """Targets an official may see and, as a reporter, report on."""
        if sees_all_departments(user):
            return self.filter(in_served_jurisdiction("project__plan"))
        return self.filter(project__in=Project.objects.visible_to(user))

    def reported_by_hand(self):
        """Targets whose figures a person enters: of plans not archived, neither counted
        from their sites nor fed by a procedure step (ProgressReport.clean refuses the
        rest, with the reason)."""
        return self.filter(
            project__plan__archived_at__isnull=True, counted_stage__isnull=True, step__isnull=True
        )

    def with_progress(self, as_of=None):
        """Targets annotated with their figures, from approved reports only.

        - `current_value`: the value of the latest approved report (by as-of date, then
          by entry order, so a same-day correction wins), or None if there is none;
        - `last_reported_on`: that report's as-of date;
        - `percent`: current / target × 100, uncapped (over-achievement is shown as it is);
        - `expected_percent` and `status`: pace against the plan (rules in `pace.py`).

        With `as_of`, only reports dated up to that day count, and pace is judged on
        that day; without, on today.
        """
        figures = current_figures(as_of)
        return self.annotate(**figures).annotate(**pace.status_annotations(as_of or clock.today()))

    def with_project_complete(self, as_of=None):
        """Targets annotated with `project_complete`: whether every target of their
        project met its number (`Project.is_complete`), in the same query."""
        short = (
            Target.objects.filter(project=OuterRef("project"))
            .annotate(**current_figures(as_of))
            .filter(Q(current_value__isnull=True) | Q(current_value__lt=F("target_value")))
        )
        return self.annotate(project_complete=~Exists(short))

    def refresh_latest(self):
        """Store on each target its latest approved figure (by as-of date, then entry
        order, so a same-day correction wins). Run on every approval; after bulk writes."""
        latest = progress_reports().current_first(OuterRef("pk"))
        return self.update(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_as_of=Subquery(latest.values("as_of")[:1]),
        )

    def with_candidate(self, value, day):
        """Targets annotated as if `value` were their figure on `day` (to judge a new report)."""
        return self.annotate(
            current_value=Value(value, output_field=value_field("当前值"))
        ).annotate(**pace.status_annotations(day))

    def with_candidates(self, figures):
        """Targets annotated as if `figures` {target id: (value, day)} were their figures,
        each judged on its own day, with the approved report that figure would follow
        (`previous_id`, `previous_as_of`, `previous_value`, as `previous_report` finds
        it): the new reports of a whole import in one query. The figures go in as one
        JSON parameter, so the SQL stays short however many there are: a CASE of a
        branch per target took 0.3 s to compile for 150 targets, each time."""
        given = json.dumps({str(pk): [str(v), d.isoformat()] for pk, (v, d) in figures.items()})
        judged = self.annotate(
            current_value=Cast(Given(given, 0), value_field("当前值")),
            judged_on=Cast(Given(given, 1), models.DateField()),
        ).annotate(**pace.status_annotations(F("judged_on")))
        previous = progress_reports().current_first(OuterRef("pk"), OuterRef("judged_on"))
        return judged.annotate(
            previous_id=Subquery(previous.values("pk")[:1]),
            previous_as_of=Subquery(previous.values("as_of")[:1]),
            previous_value=Subquery(previous.values("value")[:1]),
        )

    def judge(self, figures):
        """{(target id, day, value): (status, previous report or None)} for `figures`
        [(target id, day, value)], several per target if need be (a sheet kept through
        the year), each judged on its own day and following the approved report before
        it. A target's k-th figure goes in round k, one `with_candidates` query each
        (JUDGED_TARGETS targets at most). Rounds are not put together in one UNION:
        SQLite and PostgreSQL both ran that ten times slower."""
        rounds, seen = [], defaultdict(int)
        for pk, day, value in figures:
            if seen[pk] == len(rounds):
                rounds.append({})
            rounds[seen[pk]][pk] = (value, day)
            seen[pk] += 1
        judged = {}
        fields = ("pk", "status", "previous_id", "previous_as_of", "previous_value")
        for figures_of_round in rounds:
            pks = list(figures_of_round)
            for first in range(0, len(pks), JUDGED_TARGETS):
                part = {pk: figures_of_round[pk] for pk in pks[first : first + JUDGED_TARGETS]}
                found = self.filter(pk__in=part).with_candidates(part).order_by()
                for pk, status, *before in found.values_list(*fields):
                    value, day = part[pk]
                    judged[(pk, day, value)] = (status, reported(pk, *before))
        return judged


def reported(target_id, pk, as_of, value):
    """An approved report as `with_candidates` read it: enough to compare a figure with
    (`ProgressReport.is_correction_of`) and to point at (`corrects`)."""
    if pk is None:
        return None
    model = progress_reports().model
    return model(pk=pk, target_id=target_id, as_of=as_of, value=value, state="approved")


class Given(Func):
    """The entry at `position` of the row's own item in a JSON object {id: [...]}
    passed as one parameter: per-row values without a branch per row in the SQL."""

    def __init__(self, given, position, **extra):
        super().__init__(F("pk"), **extra)
        self.given, self.position = given, int(position)

    def as_sql(self, compiler, connection, **extra):  # SQLite's JSON1, built in
        pk, params = compiler.compile(self.source_expressions[0])
        path = f"'$.\"' || {pk} || '\"[{self.position}]'"
        return f"json_extract(%s, {path})", [self.given, *params]

    def as_postgresql(self, compiler, connection, **extra):
        pk, params = compiler.compile(self.source_expressions[0])
        return f"((%s::jsonb -> ({pk})::text) ->> {self.position})", [self.given, *params]


def current_figures(as_of):
    """A target's `current_value` and `last_reported_on` on `as_of` (today when None),
    as annotations: its latest approved report dated up to that day."""
    if as_of is None:
        # Each target keeps its latest approved figure (`refresh_latest`), so today's
        # figures cost no look into the history, however long it grows.
        return {"current_value": F("latest_value"), "last_reported_on": F("latest_as_of")}
    latest = progress_reports().current_first(OuterRef("pk"), as_of)
    return {
        "current_value": Subquery(latest.values("value")[:1], output_field=value_field("当前值")),
        "last_reported_on": Subquery(latest.values("as_of")[:1]),
    }


class SiteStage(models.IntegerChoices):
    """Where the work at a site (点位) stands, in order: a target that counts sites
    counts those at or past its `counted_stage` (models/sites.py)."""

    NOT_STARTED = 0, _("未开工")
    STARTED = 1, _("已开工")
    STRUCTURE_DONE = 2, _("主体完工")
    COMPLETED = 3, _("已完工")
    ACCEPTED = 4, _("已验收")


class Target(models.Model):
    class Kind(models.TextChoices):
        QUANTITY = "quantity", "数量指标"
        MILESTONE = "milestone", "节点指标（如开工，完成为1）"

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="targets", verbose_name="民生实事"
    )
    order = models.PositiveSmallIntegerField("顺序", default=1)
    name = models.CharField("指标", max_length=200)
    name_en = models.CharField("英文名称", max_length=200, blank=True)
    unit = models.CharField("单位", max_length=10)
    target_value = value_field("目标值", validators=[MinValueValidator(Decimal("0.01"))])
    kind = models.CharField("类型", max_length=20, choices=Kind, default=Kind.QUANTITY)
    # The latest approved figure, kept by TargetQuerySet.refresh_latest (never entered).
    latest_value = value_field("最新审核值", null=True, blank=True, editable=False)
    latest_as_of = models.DateField("最新审核值截至", null=True, blank=True, editable=False)
    is_construction = models.BooleanField(
        "开工类指标",
        default=False,
        help_text="承诺“开工建设”的指标，计入月度通报的开工率；"
        "有审核通过的进度（大于 0）即视为已开工。",
    )
    counted_stage = models.PositiveSmallIntegerField(
        "按点位计数",
        choices=SiteStage,
        null=True,
        blank=True,
        help_text="指标数值为达到该阶段的点位个数时选择：数值由审核通过的点位阶段变化自动"
        "写成填报，不再直接填报。留空则照常填报数值。",
    )

    objects = TargetQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["latest_value", "latest_as_of"])

    class Meta:
        ordering = ["project", "order", "id"]
        verbose_name = "指标"
        verbose_name_plural = "指标"

    def __str__(self):
        return f"{self.project.number_cn}、{self.name}"

    def save(self, *args, **kwargs):
        # The latest figure is written only by refresh_latest: an edit of the target,
        # made from a copy loaded before an approval, must not overwrite it.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in ("latest_value", "latest_as_of")
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.project.get_absolute_url() + f"#target-{self.pk}"

    def clean(self):
        if self.kind == self.Kind.MILESTONE and self.target_value != 1:
            raise ValidationError({"target_value": "节点指标的目标值为 1（完成即为 1）。"})
        if self.counted_stage is not None and self.kind == self.Kind.MILESTONE:
            raise ValidationError({"counted_stage": "节点指标不按点位计数。"})

    @property
    def is_reached(self):
        """Whether the annotated current value meets the target (needs `with_progress`)."""
        return self.current_value is not None and self.current_value >= self.target_value

    def get_status_display(self):
        return pace.Status(self.status).label

    @property
    def has_schedule(self):
        return bool(self.planned_values.all())

    def plan_points(self):
        """The 序时进度 line as (date, value) points, for charts and their tables: the
        planned schedule where there is one (a step at each date), else a straight line
        from the period start to the due date (a single step at the due date for a
        milestone). The same rule as `pace.expected_percent`."""
        start = self.project.plan.period_start
        steps = [(p.date, p.value) for p in self.planned_values.all()]
        if steps:
            return [(start, Decimal(0)), *steps]
        return [(start, Decimal(0)), (self.project.due_date, self.target_value)]

    @cached_property
    def chart_rows(self):
        """Actual and planned cumulative values by date, for a target's chart and the
        table beside it: the actual figure at each month's end (its last approved
        report, so a correction counts) and each point of the plan line (needs
        `with_history`)."""
        rows = {}
        for report in self.month_ends:
            rows.setdefault(report.as_of, {})["actual"] = report.value
        for day, value in self.plan_points():
            rows.setdefault(day, {})["planned"] = value
        return [
            {"date": day, "actual": row.get("actual"), "planned": row.get("planned")}
            for day, row in sorted(rows.items())
        ]

    @property
    def is_started(self):
        """For a 开工 target: construction has begun (needs `with_progress`)."""
        return self.current_value is not None and self.current_value > 0

    def forecast_date(self):
        """When the target will be reached at the pace of its last two approved figures
        on different days, or None (reached, no pace yet, or not moving forward).

        Needs `recent_reports` (from `ProjectQuerySet.with_history`)."""
        reports = self.recent_reports
        if not reports or self.is_reached:
            return None
        latest = reports[0]
        earlier = next((r for r in reports if r.as_of < latest.as_of), None)
        if earlier is None or latest.value <= earlier.value:
            return None
        per_day = (latest.value - earlier.value) / (latest.as_of - earlier.as_of).days
        days_left = ((self.target_value - latest.value) / per_day).to_integral_value(ROUND_CEILING)
        if days_left > FORECAST_HORIZON_DAYS:
            return None
        return latest.as_of + timedelta(days=int(days_left))


class PlannedValue(models.Model):
    """A step of a planned schedule (计划进度): the cumulative value a target should have
    reached by a date. Where a target has any, they replace the straight line from the
    period start to the due date as its 序时进度."""

    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="planned_values", verbose_name="指标"
    )
    date = models.DateField("日期")
    value = value_field(
        "计划累计值", validators=[MinValueValidator(0, message="计划值不能为负数。")]
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["target", "date"]
        constraints = [
            models.UniqueConstraint(fields=["target", "date"], name="unique_planned_value_date")
        ]
        verbose_name = "计划进度"
        verbose_name_plural = "计划进度"

    def __str__(self):
        return f"{self.target}：{self.date:%Y-%m-%d} 计划达到 {figure(self.value)}"
