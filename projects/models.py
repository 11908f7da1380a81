"""Plans, projects, targets and progress reports, with every derived figure.

Where each rule lives:
- what the public may see: `ProgressReport.objects.approved()` and `Plan.objects.published()`;
- a target's current value and percent: `TargetQuerySet.with_progress()` (in the database);
- a project's and a plan's percent and completion: `Project.percent`, `PlanProgress`,
  computed from those annotated targets, never from a query per row;
- what a report may say: `ProgressReport.clean()`.
"""

from dataclasses import dataclass
from decimal import Decimal
from statistics import fmean

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, FloatField, OuterRef, Prefetch, Subquery, Value, When
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from .numerals import chinese_numeral

# A figure can be at most this large: 999,999,999,999.99 (counts, households, kilometres).
VALUE_MAX_DIGITS = 14
VALUE_DECIMAL_PLACES = 2


VALUE_ERRORS = {
    "invalid": "请填写数字，例如 1200 或 12.5。",
    "max_digits": "数值过大：整数部分最多 12 位。",
    "max_whole_digits": "数值过大：整数部分最多 12 位。",
    "max_decimal_places": "最多填写 2 位小数。",
}


def value_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name,
        max_digits=VALUE_MAX_DIGITS,
        decimal_places=VALUE_DECIMAL_PLACES,
        error_messages=VALUE_ERRORS,
        **kwargs,
    )


class PlanQuerySet(models.QuerySet):
    def published(self):
        """Plans the public may see."""
        return self.filter(is_published=True)

    def current(self):
        """The newest published plan, or None."""
        return self.published().order_by("-year").first()


class Plan(models.Model):
    year = models.PositiveSmallIntegerField(
        "年度",
        unique=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    title = models.CharField("标题", max_length=200)
    announced_on = models.DateField(
        "公布日期", null=True, blank=True, help_text="原文未注明具体日期时留空，在来源说明中写明。"
    )
    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    source_name = models.CharField("来源", max_length=300, blank=True)
    source_url = models.URLField("来源链接", blank=True)
    source_text = models.TextField("来源原文", blank=True)
    is_published = models.BooleanField("公开", default=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = "年度计划"
        verbose_name_plural = "年度计划"

    def __str__(self):
        return f"{self.year}年 {self.title}"

    def get_absolute_url(self):
        return reverse("projects:plan", args=[self.year])

    def clean(self):
        if self.period_start and self.period_end and self.period_start >= self.period_end:
            raise ValidationError({"period_end": "周期结束日期必须晚于开始日期。"})

    def progress(self, as_of=None):
        """The plan's projects with their figures, and the plan's totals (a few queries)."""
        projects = list(self.projects.with_progress(as_of))
        return PlanProgress(projects)


class Department(models.Model):
    name = models.CharField("名称", max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"

    def __str__(self):
        return self.name


class ProjectQuerySet(models.QuerySet):
    def published(self):
        """Projects of plans the public may see."""
        return self.filter(plan__is_published=True)

    def with_progress(self, as_of=None, targets=None):
        """Projects with their departments and their targets annotated by `with_progress`."""
        if targets is None:
            targets = Target.objects.with_progress(as_of)
        return self.select_related("plan", "lead_department").prefetch_related(
            "supporting_departments", Prefetch("targets", queryset=targets)
        )

    def with_history(self, as_of=None):
        """`with_progress`, plus measures, milestones and, on each target, its approved
        reports newest first as `public_reports`."""
        reports = ProgressReport.objects.approved().order_by("-as_of", "-id")
        if as_of is not None:
            reports = reports.filter(as_of__lte=as_of)
        targets = Target.objects.with_progress(as_of).prefetch_related(
            Prefetch("reports", queryset=reports, to_attr="public_reports")
        )
        return self.with_progress(as_of, targets).prefetch_related("measures", "milestones")


class Project(models.Model):
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="projects", verbose_name="年度计划"
    )
    number = models.PositiveSmallIntegerField(
        "序号", validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    title = models.CharField("简称", max_length=100)
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
        targets = self.targets.all()
        return bool(targets) and all(t.is_reached for t in targets)

    @property
    def last_reported_on(self):
        return max(
            (t.last_reported_on for t in self.targets.all() if t.last_reported_on), default=None
        )


@dataclass
class PlanProgress:
    """A plan's totals, from projects fetched by `ProjectQuerySet.with_progress()`."""

    projects: list

    @property
    def percent(self):
        """Mean of the projects' percents; a project not reported counts 0. None if none is."""
        if all(p.percent is None for p in self.projects):
            return None
        return fmean(p.percent or 0.0 for p in self.projects)

    @property
    def completed_count(self):
        return sum(p.is_complete for p in self.projects)

    @property
    def reported_count(self):
        return sum(p.percent is not None for p in self.projects)

    @property
    def last_reported_on(self):
        return max((p.last_reported_on for p in self.projects if p.last_reported_on), default=None)


class Measure(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="measures", verbose_name="民生实事"
    )
    order = models.PositiveSmallIntegerField("顺序", default=1)
    text = models.TextField("举措")

    class Meta:
        ordering = ["project", "order", "id"]
        verbose_name = "举措"
        verbose_name_plural = "举措"

    def __str__(self):
        return self.text[:40]


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name="民生实事"
    )
    title = models.CharField("节点", max_length=200)
    due_date = models.DateField("时限")
    done_on = models.DateField("完成日期", null=True, blank=True)

    class Meta:
        ordering = ["project", "due_date", "id"]
        verbose_name = "时间节点"
        verbose_name_plural = "时间节点"

    def __str__(self):
        return f"{self.title}（{self.due_date:%Y-%m-%d}前）"


class TargetQuerySet(models.QuerySet):
    def with_progress(self, as_of=None):
        """Targets annotated with their current figures, from approved reports only.

        - `current_value`: the value of the latest approved report (by as-of date, then
          by entry order, so a same-day correction wins), or None if there is none;
        - `last_reported_on`: that report's as-of date;
        - `percent`: current / target × 100, uncapped (over-achievement is shown as it is).

        With `as_of`, only reports dated up to that day count.
        """
        latest = ProgressReport.objects.approved().filter(target=OuterRef("pk"))
        if as_of is not None:
            latest = latest.filter(as_of__lte=as_of)
        latest = latest.order_by("-as_of", "-pk")
        return self.annotate(
            current_value=Subquery(
                latest.values("value")[:1],
                output_field=value_field("当前值"),
            ),
            last_reported_on=Subquery(latest.values("as_of")[:1]),
        ).annotate(
            # A ratio for display and sorting; the figures themselves stay Decimal.
            percent=Case(
                When(current_value__isnull=True, then=Value(None)),
                default=Cast("current_value", FloatField())
                * Value(100.0)
                / Cast("target_value", FloatField()),
                output_field=FloatField(),
            )
        )


class Target(models.Model):
    class Kind(models.TextChoices):
        QUANTITY = "quantity", "数量指标"
        MILESTONE = "milestone", "节点指标（如开工，完成为1）"

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="targets", verbose_name="民生实事"
    )
    order = models.PositiveSmallIntegerField("顺序", default=1)
    name = models.CharField("指标", max_length=200)
    unit = models.CharField("单位", max_length=10)
    target_value = value_field("目标值", validators=[MinValueValidator(Decimal("0.01"))])
    kind = models.CharField("类型", max_length=20, choices=Kind, default=Kind.QUANTITY)

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["project", "order", "id"]
        verbose_name = "指标"
        verbose_name_plural = "指标"

    def __str__(self):
        return f"{self.project.number_cn}、{self.name}"

    def get_absolute_url(self):
        return self.project.get_absolute_url() + f"#target-{self.pk}"

    def clean(self):
        if self.kind == self.Kind.MILESTONE and self.target_value != 1:
            raise ValidationError({"target_value": "节点指标的目标值为 1（完成即为 1）。"})

    @property
    def is_reached(self):
        """Whether the annotated current value meets the target (needs `with_progress`)."""
        return self.current_value is not None and self.current_value >= self.target_value


class ProgressReportQuerySet(models.QuerySet):
    def approved(self):
        """Reports the public may see. Every public page, export and feed starts here."""
        return self.filter(status=ProgressReport.Status.APPROVED)


class ProgressReport(models.Model):
    class Status(models.TextChoices):
        APPROVED = "approved", "已审核"

    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="reports", verbose_name="指标"
    )
    value = value_field(
        "累计完成值",
        validators=[MinValueValidator(0, message="完成值不能为负数。")],
        help_text="截至该日期的累计数，不是本期新增数。",
    )
    as_of = models.DateField("截至日期")
    note = models.TextField("备注", blank=True, help_text="数值低于上次填报时必须说明原因。")
    status = models.CharField(
        "状态", max_length=20, choices=Status, default=Status.APPROVED, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="填报人",
    )
    created_at = models.DateTimeField("填报时间", default=timezone.now, editable=False)

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "-id"]
        indexes = [
            # The latest approved report of a target (TargetQuerySet.with_progress), read
            # for every target on every public page: one index seek per target.
            models.Index(fields=["target", "status", "-as_of", "-id"], name="report_latest_idx")
        ]
        verbose_name = "进度填报"
        verbose_name_plural = "进度填报"

    def __str__(self):
        return f"{self.target}：{self.value} {self.target.unit}（截至{self.as_of:%Y-%m-%d}）"

    def previous_report(self):
        """The latest approved report of the same target dated on or before this one."""
        earlier = ProgressReport.objects.approved().filter(
            target_id=self.target_id, as_of__lte=self.as_of
        )
        if self.pk:
            earlier = earlier.exclude(pk=self.pk)
        return earlier.order_by("-as_of", "-pk").first()

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.as_of and self.as_of > today:
            errors["as_of"] = f"截至日期不能晚于今天（{today:%Y-%m-%d}）。"
        if self.target_id and self.as_of:
            plan = self.target.project.plan
            if self.as_of < plan.period_start:
                errors["as_of"] = f"截至日期不能早于计划开始日期（{plan.period_start:%Y-%m-%d}）。"
        if self.target_id and self.value is not None:
            if self.target.kind == Target.Kind.MILESTONE and self.value not in (0, 1):
                errors["value"] = "节点指标只能填 1（已完成）或 0（未完成）。"
        if self.target_id and self.value is not None and self.as_of and "as_of" not in errors:
            previous = self.previous_report()
            if previous and self.value < previous.value and not self.note.strip():
                errors["note"] = (
                    f"该数值低于上次填报的 {previous.value.normalize():f}"
                    f"（截至{previous.as_of:%Y-%m-%d}），属于更正，请在备注中说明原因。"
                )
        if errors:
            raise ValidationError(errors)
