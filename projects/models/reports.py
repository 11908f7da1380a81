"""Progress reports and their evidence: what a report may say (`ProgressReport.clean`),
how it moves through review, and the files behind each figure."""

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from simple_history.models import HistoricalRecords

from projects.models.fields import CURRENT_FIRST, value_field
from projects.models.review import Reviewed, hands_in_history
from projects.models.tracking import Target
from projects.rules import clock, pace
from projects.rules.formatting import figure


class ProgressReportQuerySet(models.QuerySet):
    def waiting(self):
        """Reports before the reviewer (the review queue): submitted, where an imported
        figure joins them. A draft or a returned report is its reporter's, not waiting."""
        return self.filter(state=ProgressReport.State.SUBMITTED)

    def approved(self):
        """Reports the public may see. Every public page, export and feed starts here."""
        return self.filter(state=ProgressReport.State.APPROVED)

    def public(self, plans=None):
        """Approved reports of published plans (of `plans` among them, if given): what
        open data and feeds list. Filtered through one subquery of the targets, so that
        an index on the reports' target serves it at a million reports."""
        targets = Target.objects.published()
        if plans is not None:
            targets = targets.filter(project__plan__in=plans)
        return self.approved().filter(target__in=targets)

    def newest_public(self, plans=None, as_of=None):
        """`public(plans)`, newest approval first, then newest entry; each with its
        target, project, plan, the report it corrects, its evidence (all public, as its
        report is), and `percent` (`with_percent`). With `as_of`, only reports dated up
        to that day. The updates page, the feeds and /api/v1/reports/ list these."""
        reports = self.public(plans)
        if as_of is not None:
            reports = reports.filter(as_of__lte=as_of)
        return (
            reports.select_related("target__project__plan", "corrects")
            .prefetch_related("evidence")
            .with_percent()
            .order_by("-reviewed_at", "-id")
        )

    def current_first(self, target, on=None):
        """Approved reports of `target` (a target, its id, or an OuterRef) dated on or
        before `on`, the current one first: the latest as-of date and, of one date, the
        latest entry, so a same-day correction wins. Its first is the target's current
        approved report; every figure shown, stored or compared is taken this way."""
        reports = self.approved().filter(target=target)
        if on is not None:
            reports = reports.filter(as_of__lte=on)
        return reports.order_by(*CURRENT_FIRST)

    def picked(self, picks):
        """The reports that `picks` choose, in one query: each pick (target id, first
        day or None, last day, n) takes the first n of `current_first(target, last
        day)` dated on or after the first day. Each pick is an index seek, so the
        query costs the same however many reports the targets have."""
        chosen = Q()
        for target, first, last, n in picks:
            reports = self.current_first(target, last)  # this queryset's filters apply here
            if first is not None:
                reports = reports.filter(as_of__gte=first)
            chosen |= Q(pk__in=reports.values("pk")[:n])
        if not chosen:
            return self.none()
        # Nothing but the picks outside them: given another condition to use an index
        # for (the state), SQLite reads every report instead of seeking each pick.
        return self.model.objects.filter(chosen)

    def visible_to(self, user):
        """Reports an official may see: all of their jurisdiction's for reviewers, their
        departments' for reporters."""
        return self.filter(target__in=Target.objects.visible_to(user))

    def with_percent(self):
        """Annotate `percent`: each report's value against its target × 100, uncapped."""
        return self.annotate(percent=pace.percent_of("value", "target__target_value"))

    def with_evidence_count(self):
        """Annotate `evidence_count`, counted per listed report rather than by grouping
        the whole list (the review queue)."""
        counted = (
            Evidence.objects.filter(report=OuterRef("pk"))
            .order_by()
            .values("report")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(evidence_count=Coalesce(Subquery(counted), 0))

    def with_previous_value(self):
        """Annotate `previous_value`: the latest approved figure of the same target dated on
        or before each report (what a reviewer compares a submitted figure with)."""
        earlier = ProgressReport.objects.current_first(
            OuterRef("target"), OuterRef("as_of")
        ).exclude(pk=OuterRef("pk"))
        return self.annotate(
            previous_value=Subquery(
                earlier.values("value")[:1], output_field=value_field("上次审核值")
            )
        )


@dataclass
class Step:
    previous: "ProgressReport"
    change: object  # Decimal
    days: int


class ProgressReport(Reviewed, models.Model):
    WHAT = "填报"

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        APPROVED = "approved", "已审核"
        RETURNED = "returned", "已退回"
        WITHDRAWN = "withdrawn", "已撤回"

    # Only these may still be edited or withdrawn by the reporter: nothing public changes.
    EDITABLE_STATES = (State.DRAFT, State.RETURNED)

    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="reports", verbose_name="指标"
    )
    value = value_field(
        "累计完成值",
        validators=[MinValueValidator(0, message="完成值不能为负数。")],
        help_text="截至该日期的累计数，不是本期新增数。节点指标完成填 1，未完成填 0。",
    )
    as_of = models.DateField("截至日期")
    note = models.TextField(
        "备注",
        blank=True,
        help_text="数值低于上次审核的数值，或更正同一日期的数值时，必须说明原因。",
    )
    delay_reason = models.TextField(
        "滞后原因", blank=True, help_text="进度落后于序时进度时必填，如资金未到位、征地未完成。"
    )
    next_steps = models.TextField("下一步措施", blank=True, help_text="进度落后于序时进度时必填。")
    state = models.CharField(
        "状态", max_length=20, choices=State, default=State.DRAFT, editable=False
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
    created_at = models.DateTimeField("填报时间", default=clock.now, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="提交人",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="审核人",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True, editable=False)
    review_note = models.TextField("审核意见（退回原因）", blank=True, editable=False)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="corrections",
        verbose_name="更正的填报",
        help_text="审核通过时，若本填报更正了此前公开的数值，记下被更正的那一条。",
    )
    # Written by an approved stage change of a site (SiteReport.approve), never typed.
    from_sites = models.BooleanField("由点位阶段计数", default=False, editable=False)
    from_step = models.BooleanField(
        "由手续节点写入", default=False, db_default=False, editable=False
    )

    objects = ProgressReportQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-as_of", "-id"]
        indexes = [
            # The latest approved report of a target (TargetQuerySet.with_progress), read
            # for every target on every public page: one index seek per target.
            models.Index(fields=["target", "state", "-as_of", "-id"], name="report_latest_idx"),
            # The review queue: submitted reports, oldest first.
            models.Index(fields=["state", "submitted_at"], name="report_queue_idx"),
            # Newest approvals first: the updates page, the feeds, /api/v1/reports/.
            models.Index(fields=["state", "-reviewed_at", "-id"], name="report_newest_idx"),
            # The admin's report list, newest figures first.
            models.Index(fields=["-as_of", "-id"], name="report_recent_idx"),
        ]
        constraints = [
            # So that "newest approval first" is an order an index can serve.
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(reviewed_at__isnull=False),
                name="approved_report_has_review_time",
            )
        ]
        permissions = [
            ("review_progressreport", "可以审核填报（通过或退回）"),
            ("view_all_departments", "可以查看全部单位的数据"),
            ("view_ledger", "可以查看督查台账"),
        ]
        verbose_name = "进度填报"
        verbose_name_plural = "进度填报"

    def __str__(self):
        return (
            f"{self.target}：{figure(self.value)} {self.target.unit}（截至{self.as_of:%Y-%m-%d}）"
        )

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.state == self.State.APPROVED:
            Target.objects.filter(pk=self.target_id).refresh_latest()
            from projects.models.notice import open_notice  # a higher floor: 公示 follows figures

            open_notice(self)

    @property
    def is_editable(self):
        return self.state in self.EDITABLE_STATES

    # What clean() would read from the database, read already for many reports at once
    # (importing.Batch): an object with previous(report) and pace_status(report).
    known = None

    def previous_report(self):
        """The latest approved report of the same target dated on or before this one."""
        if self.known is not None:
            return self.known.previous(self)
        earlier = ProgressReport.objects.current_first(self.target_id, self.as_of)
        if self.pk:
            earlier = earlier.exclude(pk=self.pk)
        return earlier.first()

    def step(self):
        """What a reviewer weighs: the previous approved report, the change from it and
        the days between; None when nothing was approved before."""
        previous = self.previous_report()
        if previous is None:
            return None
        return Step(previous, self.value - previous.value, (self.as_of - previous.as_of).days)

    def is_correction_of(self, previous):
        """A figure corrects the public one if it revises the same date or goes below it
        (a cumulative count cannot fall)."""
        return previous is not None and (
            previous.as_of == self.as_of or self.value < previous.value
        )

    # pace_status's last answer and what it was for: a report is judged at entry, at
    # submission and again at approval, and the answer depends only on its own figure
    # and date (not on other reports), so the same figure is judged once.
    _judged = None

    def pace_status(self):
        """The status this figure would give its target on its as-of date."""
        if self.known is not None:
            return self.known.pace_status(self)
        figure = (self.target_id, self.value, self.as_of)
        if self._judged is None or self._judged[0] != figure:
            status = (
                Target.objects.filter(pk=self.target_id)
                .with_candidate(self.value, self.as_of)
                .values_list("status", flat=True)
                .get()
            )
            self._judged = (figure, status)
        return self._judged[1]

    def validate_constraints(self, exclude=None):
        # The one constraint speaks of approved reports. Of any other it holds, and
        # Django builds a query to say so: half a millisecond for each row of an import.
        if self.state == self.State.APPROVED:
            super().validate_constraints(exclude)

    def clean(self):
        if self.target_id:
            self.target.project.plan.check_takes_input()
        errors = {}
        today = clock.today()
        if self.as_of and self.as_of > today:
            errors["as_of"] = f"截至日期不能晚于今天（{today:%Y-%m-%d}）。"
        if self.target_id and self.as_of:
            plan = self.target.project.plan
            if self.as_of < plan.period_start:
                errors["as_of"] = f"截至日期不能早于计划开始日期（{plan.period_start:%Y-%m-%d}）。"
        if self.target_id and self.target.counted_stage is not None and not self.from_sites:
            raise ValidationError(
                f"“{self.target.name}”按点位计数：数值由审核通过的点位阶段变化自动生成，"
                "请在“点位”中填报各点位的阶段，不能直接填报数值。"
            )
        # Only a milestone target can be fed by a step: others pay no query to ask.
        fed = self.target_id and self.target.kind == Target.Kind.MILESTONE
        if fed and not self.from_step and hasattr(self.target, "step"):
            raise ValidationError(
                f"“{self.target.name}”由手续节点“{self.target.step.title}”计入：请填报该节点的"
                "实际完成日期和证明材料，审核通过后自动记为完成，不能直接填报数值。"
            )
        if self.target_id and self.value is not None:
            if self.target.kind == Target.Kind.MILESTONE and self.value not in (0, 1):
                errors["value"] = "节点指标只能填 1（已完成）或 0（未完成）。"
        if errors:
            raise ValidationError(errors)
        if not (self.target_id and self.value is not None and self.as_of) or self.value < 0:
            return  # the field's own validation reports what is missing or negative
        previous = self.previous_report()
        if self.is_correction_of(previous) and not self.note.strip():
            if previous.as_of == self.as_of:
                errors["note"] = (
                    f"截至{previous.as_of:%Y-%m-%d}已有审核通过的数值 "
                    f"{figure(previous.value)}，本次填报属于更正，请在备注中说明原因。"
                )
            else:
                errors["note"] = (
                    f"该数值低于上次审核通过的 {figure(previous.value)}"
                    f"（截至{previous.as_of:%Y-%m-%d}），属于更正，请在备注中说明原因。"
                )
        if self.pace_status() in pace.BEHIND:
            message = "该数值落后于序时进度，请填写{}。"
            if not self.delay_reason.strip():
                errors["delay_reason"] = message.format("滞后原因")
            if not self.next_steps.strip():
                errors["next_steps"] = message.format("下一步措施")
        if errors:
            raise ValidationError(errors)

    # Review: each step checks the report's state at the moment of the change, so two
    # reviewers acting at once cannot both act on one report.

    def transition(self, user, from_states, to_state, **changes):
        with transaction.atomic():
            if to_state == self.State.APPROVED:
                # Approvals of one target wait for each other, so each sees the
                # others' reports when it refreshes the target's latest figure.
                list(Target.objects.select_for_update().filter(pk=self.target_id).values("pk"))
            # The claim writes the changes too: an approved row always has its review time.
            super().transition(user, from_states, to_state, **changes)

    def submit(self, user):
        self.full_clean()
        self.transition(
            user,
            self.EDITABLE_STATES,
            self.State.SUBMITTED,
            submitted_by=user,
            submitted_at=clock.now(),
        )

    # What a report says: whoever set any of these had a hand in its figure.
    ENTRY_FIELDS = ("target_id", "value", "as_of", "note", "delay_reason", "next_steps")

    def hands(self):
        """Everyone who entered or changed what this report says at any point (its
        history), submitted it, or attached its evidence: none of them may review it,
        whatever roles they hold now or are given later."""
        hands = {self.created_by_id, self.submitted_by_id}
        hands |= hands_in_history(self, self.ENTRY_FIELDS)
        hands.update(self.evidence.values_list("uploaded_by_id", flat=True))
        return hands - {None}

    def approve(self, user):
        self.check_reviewer(user)
        self.clean()  # figures approved meanwhile may have changed what this one means
        previous = self.previous_report()
        self.transition(
            user,
            [self.State.SUBMITTED],
            self.State.APPROVED,
            reviewed_by=user,
            reviewed_at=clock.now(),
            corrects=previous if self.is_correction_of(previous) else None,
        )

    def return_to_reporter(self, user, reason):
        if not reason.strip():
            raise ValidationError("退回时必须说明原因。")
        self.check_reviewer(user)
        self.transition(
            user,
            [self.State.SUBMITTED],
            self.State.RETURNED,
            reviewed_by=user,
            reviewed_at=clock.now(),
            review_note=reason.strip(),
        )

    def withdraw(self, user):
        self.transition(user, self.EDITABLE_STATES, self.State.WITHDRAWN)


class SubmittedReport(ProgressReport):
    """The review queue: a view of submitted reports with its own admin page."""

    class Meta:
        proxy = True
        verbose_name = "待审核填报"
        verbose_name_plural = "待审核填报"


# A stored image's file name extension, by the type its content was checked to be.
IMAGE_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def evidence_path(evidence, filename):
    """evidence/<random>.<ext>: a name nobody can guess, the extension from the content."""
    return f"evidence/{evidence.key.hex}{evidence.extension}"


def file_sha256(file):
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    return digest.hexdigest()


class EvidenceQuerySet(models.QuerySet):
    def public(self):
        """Evidence of approved reports of published plans: what anyone may open."""
        return self.filter(report__in=ProgressReport.objects.public())

    def visible_to(self, user):
        """Evidence an official may open, whatever the state of its report."""
        return self.filter(report__target__in=Target.objects.visible_to(user))


class Evidence(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", "图片"
        PDF = "pdf", "PDF 文件"

    report = models.ForeignKey(
        ProgressReport, on_delete=models.PROTECT, related_name="evidence", verbose_name="填报"
    )
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)
    kind = models.CharField("类型", max_length=10, choices=Kind, editable=False)
    content_type = models.CharField(max_length=50, editable=False)
    original_name = models.CharField("原文件名", max_length=255, editable=False)
    size = models.PositiveIntegerField("大小（字节）", editable=False)
    # Of the stored file: the data packages list it, so anyone can tell the file they
    # hold is the one that was published.
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, editable=False)
    caption = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name="上传人",
    )
    uploaded_at = models.DateTimeField("上传时间", default=clock.now, editable=False)

    objects = EvidenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "uploaded_at", "id"]
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"

    def __str__(self):
        return self.caption or self.original_name

    def save(self, *args, **kwargs):
        if not self.sha256 and self.file:
            try:
                self.sha256 = file_sha256(self.file)
            except FileNotFoundError:  # named, not stored (a restore in progress)
                pass
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:evidence", args=[self.key])

    @property
    def extension(self):
        return IMAGE_EXTENSIONS.get(self.content_type, ".pdf")
