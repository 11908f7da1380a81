"""The year before the pledges (人大代表票决制): the candidates that come out of the
public call and go to the deputies' vote.

A candidate (`Candidate`) is drawn up by administrators while its plan is in 遴选, with
its targets in the shape a pledge's targets have (`CandidateTarget`), its departments,
an estimated investment and the proposals it came from (`PublicInput.candidate`). The
list is public from 遴选 on, for comment before the vote. Until the vote elects some of
them, a candidate is no pledge: the plan's pages, the API and every figure count only
`Project` rows, which the election makes.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .plans import Department, Plan, Project, Target, value_field


class CandidateQuerySet(models.QuerySet):
    def public(self):
        """Candidates of published plans from 遴选 on: the list put out for comment."""
        return self.filter(plan__is_published=True).exclude(plan__stage=Plan.Stage.CALL)


class Candidate(models.Model):
    class State(models.TextChoices):
        CANDIDATE = "candidate", _("候选")
        ELECTED = "elected", _("当选")
        NOT_ELECTED = "not_elected", _("未当选")

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="candidates", verbose_name="年度计划"
    )
    order = models.PositiveSmallIntegerField("候选序号", validators=[MinValueValidator(1)])
    title = models.CharField("简称", max_length=100)
    pledge_text = models.TextField("项目内容")
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="led_candidates",
        verbose_name="牵头单位",
    )
    supporting_departments = models.ManyToManyField(
        Department, blank=True, related_name="supported_candidates", verbose_name="配合单位"
    )
    investment = models.DecimalField(
        "估算投资（万元）",
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"), message="投资不能为负数。")],
    )
    state = models.CharField(
        "结果", max_length=20, choices=State, default=State.CANDIDATE, editable=False
    )
    project = models.OneToOneField(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="candidate",
        verbose_name="当选后的实事",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name="录入人",
    )

    objects = CandidateQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[supporting_departments])

    class Meta:
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="one_candidate_per_number")
        ]
        verbose_name = "候选项目"
        verbose_name_plural = "候选项目"

    def __str__(self):
        return f"{self.plan.year}年候选{self.order}：{self.title}"

    def clean(self):
        if self.plan_id and self.plan.stage != Plan.Stage.SHORTLIST:
            raise ValidationError(
                f"候选项目只能在“遴选”阶段录入或修改；该计划现在是“{self.plan.get_stage_display()}”阶段。"
            )


class CandidateTarget(models.Model):
    """A candidate's target, in the shape of a pledge's (`Target`): the election copies it."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="targets", verbose_name="候选项目"
    )
    order = models.PositiveSmallIntegerField("顺序", default=1)
    name = models.CharField("指标名称", max_length=200)
    unit = models.CharField("单位", max_length=20)
    target_value = value_field(
        "目标值", validators=[MinValueValidator(Decimal("0.01"), message="目标值须大于 0。")]
    )
    kind = models.CharField(
        "类型", max_length=20, choices=Target.Kind, default=Target.Kind.QUANTITY
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["candidate", "order", "pk"]
        verbose_name = "候选项目指标"
        verbose_name_plural = "候选项目指标"

    def __str__(self):
        return self.name
