"""Money and the works of a pledge: its budget and sources, funds in place, contracts,
payments by contract node, and the documents behind them (`MoneyDocument`); the
procedure steps are `Milestone` with their reviewed `StepReport`.

Each is entered by the responsible department and approved before it is public, like
a figure (`ReviewedEntry`); a correction is a new entry (`corrects`), never a rewrite.
Amounts are in 万元 to six places (one 分). What the rules that watch the money say
on a day (`late_steps`, `lagging_payments`, `money_watch`) is judged by the plan's
dated rules in force on the day each lapse began: a rule set today never makes a past
year's pages say something new.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models.plan_rules import PlanRule
from projects.models.plans import in_published_plan, in_served_jurisdiction, sees_all_departments
from projects.models.reports import IMAGE_EXTENSIONS, ProgressReport
from projects.models.review import ReviewedEntry
from projects.models.tracking import Milestone, Project
from projects.rules import clock
from projects.rules.formatting import figure

# 万元 to six places: one 分; up to 9,999,999,999 万元.
AMOUNT_ERRORS = {
    "invalid": "请填写金额数字（万元），例如 1200 或 35.5。",
    "max_digits": "金额过大：整数部分最多 10 位（万元）。",
    "max_whole_digits": "金额过大：整数部分最多 10 位（万元）。",
    "max_decimal_places": "金额最多 6 位小数（万元，即精确到分）。",
}
# An amount this many times the budget, or this small a part of it, is asked about:
# most likely 元 typed where 万元 is asked for, or the other way round.
UNIT_SLIP = Decimal(1000)


def amount_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name, max_digits=16, decimal_places=6, error_messages=AMOUNT_ERRORS, **kwargs
    )


def wan(amount):
    """An amount in 万元 as shown: 四舍五入 to two places (a hundred 元)."""
    return None if amount is None else figure(amount.quantize(Decimal("0.01")))


class Source(models.TextChoices):
    """Where money comes from, as departments state it."""

    CENTRAL = "central", _("中央资金")
    PROVINCIAL = "provincial", _("省级资金")
    MUNICIPAL = "municipal", _("市级资金")
    DISTRICT = "district", _("区级资金")
    BONDS = "bonds", _("专项债券")
    SOCIAL = "social", _("社会资金")
    OTHER = "other", _("其他资金")


class MoneyQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state=ReviewedEntry.State.APPROVED)

    def public(self):
        """Approved entries of published plans: what anyone may see."""
        return self.approved().filter(in_published_plan("project__plan"))

    def current(self):
        """Approved entries no approved entry corrects: what stands now."""
        # Asked per row (the index on `corrects`), not as a list of every correction in
        # the table: a project page at 100 k payments reads the same as at 100.
        corrected = self.model.objects.approved().filter(corrects=OuterRef("pk"))
        return self.approved().filter(~Exists(corrected))

    def visible_to(self, user):
        if sees_all_departments(user):
            return self.filter(in_served_jurisdiction("project__plan"))
        return self.filter(project__in=Project.objects.visible_to(user))


class MoneyEntry(ReviewedEntry):
    """What every money entry shares: its project, a note, the entry it corrects, and
    the checks that stop a slip (`clean`, errors) or ask about one (`warnings`)."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name="民生实事"
    )
    note = models.TextField("说明", blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="更正的填报",
        help_text="更正已公开的一条时选择它；原记录保留在修订记录中。",
    )

    objects = MoneyQuerySet.as_manager()

    class Meta:
        abstract = True

    ENTRY_FIELDS = ("project_id", "note", "corrects_id")
    AMOUNT_FIELDS = ()
    DAY_FIELDS = ()

    def clean(self):
        errors = {}
        for name in self.AMOUNT_FIELDS:
            value = getattr(self, name)
            if value is not None and value < 0:
                errors[name] = "金额不能为负数。"
        if self.project_id:
            plan = self.project.plan
            plan.check_takes_input()
            today = clock.today()
            earliest = date(plan.period_start.year - 3, 1, 1)
            for name in self.DAY_FIELDS:
                day = getattr(self, name)
                if day is None:
                    continue
                if day > today:
                    errors[name] = f"日期不能晚于今天（{today:%Y-%m-%d}）。"
                elif day < earliest:
                    errors[name] = f"日期不能早于 {earliest:%Y-%m-%d}（计划开始的前三年）。"
        if self.corrects_id:
            if self.corrects.project_id != self.project_id:
                errors["corrects"] = "只能更正同一件实事的记录。"
            elif self.corrects_id == self.pk:
                errors["corrects"] = "不能更正自身。"
        if errors:
            raise ValidationError(errors)

    def hands(self):
        """Whoever entered or changed it, or attached a document to it: none of them
        may review it (as evidence counts for a figure)."""
        uploaders = MoneyDocument.objects.filter(**{self.document_link: self})
        return super().hands() | set(uploaders.values_list("uploaded_by_id", flat=True)) - {None}

    def warnings(self):
        """What a person should confirm before this is saved (a unit slip, more paid
        than contracted …): a list of sentences, empty when nothing is odd."""
        budget = Budget.current_for(self.project) if self.project_id else None
        said = []
        if budget is None or not budget.total:
            return said
        for name in self.AMOUNT_FIELDS:
            value = getattr(self, name)
            if not value or self is budget:
                continue
            label = self._meta.get_field(name).verbose_name
            if value >= budget.total * UNIT_SLIP or value * UNIT_SLIP <= budget.total:
                said.append(
                    f"{label} {wan(value)} 万元与预算 {wan(budget.total)} 万元相差千倍以上："
                    "是否把“元”填成了“万元”（或相反）？"
                )
        return said

    def approve(self, user):
        self.check_reviewer(user)
        self.clean()
        with transaction.atomic():
            self.reviewed(user, self.State.APPROVED)
            MoneyDocument.objects.filter(**{self.document_link: self}, redacted=True).update(
                published=True
            )
            MoneyTotal.refresh(self.project)

    @property
    def document_link(self):
        return type(self).__name__.lower()


ESTIMATE_NOTE = (
    "候选估算（由候选项目带入，不是预算）：请核实计划总投资和各资金来源，"
    "取消勾选“候选估算”后提交审核。"
)


class Budget(MoneyEntry):
    """The budget of a pledge: its planned investment and sources as the department
    states them. A candidate's estimate comes over as a 候选估算 draft (`estimate`),
    never approved as it is: the department confirms or corrects it first."""

    WHAT = "预算"

    total = amount_field("计划总投资（万元）")
    central = amount_field("中央资金（万元）", null=True, blank=True)
    provincial = amount_field("省级资金（万元）", null=True, blank=True)
    municipal = amount_field("市级资金（万元）", null=True, blank=True)
    district = amount_field("区级资金（万元）", null=True, blank=True)
    bonds = amount_field("专项债券（万元）", null=True, blank=True)
    social = amount_field("社会资金（万元）", null=True, blank=True)
    other = amount_field("其他资金（万元）", null=True, blank=True)
    as_of = models.DateField("填报日期", default=clock.today)
    estimate = models.BooleanField(
        "候选估算",
        default=False,
        help_text="由候选项目的估算投资带入，只是草稿：核实总投资和资金来源后取消勾选再提交。",
    )

    history = HistoricalRecords()

    ENTRY_FIELDS = (
        *MoneyEntry.ENTRY_FIELDS,
        "total",
        *Source.values,
        "as_of",
        "estimate",
    )
    AMOUNT_FIELDS = ("total", *Source.values)
    DAY_FIELDS = ("as_of",)

    class Meta:
        ordering = ["project", "-as_of", "-pk"]
        verbose_name = "项目预算"
        verbose_name_plural = "项目预算"

    def __str__(self):
        label = "（候选估算）" if self.estimate else ""
        return f"{self.project.title}：预算 {wan(self.total)} 万元{label}"

    @property
    def sources(self):
        """[(Source, amount)] of the sources stated, in the order of `Source`."""
        return [(s, getattr(self, s.value)) for s in Source if getattr(self, s.value) is not None]

    def clean(self):
        super().clean()
        if self.total is None:
            return
        stated = [amount for _source, amount in self.sources]
        if stated and sum(stated) != self.total:
            raise ValidationError(
                {
                    "total": f"各资金来源合计 {wan(sum(stated))} 万元，与计划总投资 "
                    f"{wan(self.total)} 万元不一致。"
                }
            )

    def approve(self, user):
        if self.estimate:
            raise ValidationError(
                "这是候选项目的估算投资（草稿），不能作为预算审核通过：请牵头单位核实后提交。"
            )
        super().approve(user)

    @classmethod
    def current_for(cls, project, day=None):
        """The project's approved budget dated up to `day`: the latest."""
        budgets = cls.objects.approved().filter(project=project)
        if day is not None:
            budgets = budgets.filter(as_of__lte=day)
        return budgets.order_by("-as_of", "-pk").first()


class Funding(MoneyEntry):
    """Funds in place (资金到位) from one source, cumulative to a day like a figure."""

    WHAT = "资金到位"

    source = models.CharField("资金来源", max_length=20, choices=Source)
    amount = amount_field("累计到位（万元）")
    as_of = models.DateField("截至日期")

    history = HistoricalRecords()

    ENTRY_FIELDS = (*MoneyEntry.ENTRY_FIELDS, "source", "amount", "as_of")
    AMOUNT_FIELDS = ("amount",)
    DAY_FIELDS = ("as_of",)

    class Meta:
        ordering = ["project", "source", "-as_of", "-pk"]
        verbose_name = "资金到位"
        verbose_name_plural = "资金到位"

    def __str__(self):
        return (
            f"{self.project.title}：{self.get_source_display()}截至 {self.as_of:%Y-%m-%d} "
            f"累计到位 {wan(self.amount)} 万元"
        )

    def previous(self):
        """The approved funds of the same source dated on or before this one."""
        earlier = Funding.objects.approved().filter(
            project_id=self.project_id, source=self.source, as_of__lte=self.as_of
        )
        if self.pk:
            earlier = earlier.exclude(pk=self.pk)
        return earlier.order_by("-as_of", "-pk").first()

    def clean(self):
        super().clean()
        if not (self.project_id and self.source and self.as_of and self.amount is not None):
            return
        previous = self.previous()
        if previous is not None and self.amount < previous.amount and not self.note.strip():
            raise ValidationError(
                {
                    "note": f"{self.get_source_display()}截至 {previous.as_of:%Y-%m-%d} 已累计到位 "
                    f"{wan(previous.amount)} 万元；到位资金减少属于更正，请在说明中写明原因。"
                }
            )


class Contract(MoneyEntry):
    """A contract let for the works: what, how, to whom, for how much, when."""

    WHAT = "合同"

    class Kind(models.TextChoices):
        CONSTRUCTION = "construction", _("施工")
        SUPERVISION = "supervision", _("监理")
        DESIGN = "design", _("设计")
        SURVEY = "survey", _("勘察")
        PURCHASE = "purchase", _("采购")
        OTHER = "other", _("其他")

    class Method(models.TextChoices):
        OPEN_TENDER = "open_tender", _("公开招标")
        INVITED_TENDER = "invited_tender", _("邀请招标")
        NEGOTIATION = "negotiation", _("竞争性谈判")
        CONSULTATION = "consultation", _("竞争性磋商")
        SINGLE_SOURCE = "single_source", _("单一来源采购")
        INQUIRY = "inquiry", _("询价")
        DIRECT = "direct", _("直接委托")
        OTHER = "other", _("其他")

    kind = models.CharField("合同类别", max_length=20, choices=Kind)
    method = models.CharField("采购方式", max_length=20, choices=Method)
    contractor = models.CharField("中标（承包）单位", max_length=200)
    contractor_is_person = models.BooleanField(
        "承包方为自然人", default=False, help_text="自然人的姓名不公开，公开页只写“自然人”。"
    )
    title = models.CharField("合同名称", max_length=200)
    amount = amount_field("合同金额（万元）")
    signed_on = models.DateField("签订日期")
    # A CharField: a URLField would add its own validator, which takes ftp:// too.
    notice_url = models.CharField(
        "中标公告链接",
        max_length=500,
        blank=True,
        validators=[
            URLValidator(schemes=["http", "https"], message="链接须以 http:// 或 https:// 开头。")
        ],
    )

    history = HistoricalRecords()

    ENTRY_FIELDS = (
        *MoneyEntry.ENTRY_FIELDS,
        "kind",
        "method",
        "contractor",
        "contractor_is_person",
        "title",
        "amount",
        "signed_on",
        "notice_url",
    )
    AMOUNT_FIELDS = ("amount",)
    DAY_FIELDS = ("signed_on",)

    class Meta:
        ordering = ["project", "signed_on", "pk"]
        verbose_name = "合同"
        verbose_name_plural = "合同"

    def __str__(self):
        return f"{self.project.title}：{self.title}（{self.get_kind_display()}）"

    @property
    def public_contractor(self):
        """The contractor as the public sees it: a person is never named."""
        return str(_("自然人")) if self.contractor_is_person else self.contractor

    def warnings(self):
        said = super().warnings()
        budget = Budget.current_for(self.project) if self.project_id else None
        if budget is None or self.amount is None:
            return said
        others = Contract.objects.current().filter(project=self.project)
        if self.pk:
            others = others.exclude(pk=self.pk)
        if self.corrects_id:
            others = others.exclude(pk=self.corrects_id)
        contracted = (others.aggregate(s=Sum("amount"))["s"] or 0) + self.amount
        if contracted > budget.total:
            said.append(f"合同金额合计 {wan(contracted)} 万元，超过预算 {wan(budget.total)} 万元。")
        return said


class Payment(MoneyEntry):
    """A contract node: the work accepted at it, and what was paid for it, when. Work
    accepted and not yet paid is an entry without `paid_on`; the payment is its
    correction."""

    WHAT = "拨付"

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="payments", verbose_name="合同"
    )
    node = models.CharField(
        "合同节点", max_length=100, help_text="如：预付款、主体完工、竣工验收。"
    )
    accepted_work = models.CharField("验收的工程量", max_length=200, blank=True)
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    amount = amount_field("拨付金额（万元）", null=True, blank=True)
    paid_on = models.DateField("拨付日期", null=True, blank=True)

    history = HistoricalRecords()

    ENTRY_FIELDS = (
        *MoneyEntry.ENTRY_FIELDS,
        "contract_id",
        "node",
        "accepted_work",
        "accepted_on",
        "amount",
        "paid_on",
    )
    AMOUNT_FIELDS = ("amount",)
    DAY_FIELDS = ("accepted_on", "paid_on")

    class Meta:
        ordering = ["project", "contract", "pk"]
        verbose_name = "合同节点拨付"
        verbose_name_plural = "合同节点拨付"
        indexes = [models.Index(fields=["project", "state"], name="payment_project_state")]

    def __str__(self):
        return f"{self.contract.title}：{self.node}"

    def clean(self):
        if self.contract_id:
            self.project_id = self.contract.project_id
        super().clean()
        errors = {}
        if (self.amount is None) != (self.paid_on is None):
            errors["paid_on"] = "拨付金额和拨付日期须同时填写（尚未拨付则都留空）。"
        if self.accepted_on is None and self.paid_on is None:
            errors["accepted_on"] = "请填写验收日期或拨付日期。"
        if self.contract_id and self.paid_on and self.paid_on < self.contract.signed_on:
            errors["paid_on"] = (
                f"拨付日期不能早于合同签订日期（{self.contract.signed_on:%Y-%m-%d}）。"
            )
        if errors:
            raise ValidationError(errors)

    def warnings(self):
        said = super().warnings()
        if not (self.contract_id and self.amount):
            return said
        others = Payment.objects.current().filter(contract=self.contract)
        if self.pk:
            others = others.exclude(pk=self.pk)
        if self.corrects_id:
            others = others.exclude(pk=self.corrects_id)
        paid = (others.aggregate(s=Sum("amount"))["s"] or 0) + self.amount
        if paid > self.contract.amount:
            said.append(
                f"该合同累计拨付 {wan(paid)} 万元，超过合同金额 {wan(self.contract.amount)} 万元。"
            )
        return said


class StepReport(MoneyEntry):
    """A procedure step done (立项 … 验收): its actual date with a document. Approved,
    it is the step's `done_on`; a step that feeds a target (`Milestone.target`) writes
    that target's figure too, so the two never disagree."""

    WHAT = "手续节点"

    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, related_name="step_reports", verbose_name="节点"
    )
    done_on = models.DateField("实际完成日期")

    history = HistoricalRecords()

    ENTRY_FIELDS = (*MoneyEntry.ENTRY_FIELDS, "milestone_id", "done_on")
    DAY_FIELDS = ("done_on",)

    class Meta:
        ordering = ["project", "milestone", "pk"]
        verbose_name = "手续节点填报"
        verbose_name_plural = "手续节点填报"

    def __str__(self):
        return f"{self.milestone.title}：{self.done_on:%Y-%m-%d}"

    def clean(self):
        if self.milestone_id:
            self.project_id = self.milestone.project_id
        super().clean()

    def warnings(self):
        return []

    def approve(self, user):
        self.check_reviewer(user)
        self.clean()
        with transaction.atomic():
            self.reviewed(user, self.State.APPROVED)
            MoneyDocument.objects.filter(step_report=self, redacted=True).update(published=True)
            step = Milestone.objects.select_for_update().get(pk=self.milestone_id)
            step.done_on = self.done_on
            step._history_user = user
            step.save()
            if step.target_id:
                self.write_figure(step.target, user)

    def write_figure(self, target, reviewer):
        """The step's target reads 1 from the day done (a correction if it read else)."""
        current = ProgressReport.objects.current_first(target, self.done_on).first()
        if current is not None and current.value == 1 and current.as_of == self.done_on:
            return
        report = ProgressReport(
            target=target,
            value=1,
            as_of=self.done_on,
            note=f"手续节点“{self.milestone.title}”{self.done_on:%Y-%m-%d}完成（已审核）。",
            state=ProgressReport.State.APPROVED,
            created_by_id=self.created_by_id,
            submitted_by_id=self.created_by_id,
            submitted_at=self.created_at,
            reviewed_by=reviewer,
            reviewed_at=clock.now(),
            from_step=True,
        )
        report.corrects = current if report.is_correction_of(current) else None
        report._history_user = reviewer
        report.save()

    @property
    def document_link(self):
        return "step_report"


def money_document_path(document, filename):
    return f"money/{document.key.hex}{document.extension}"


class MoneyDocumentQuerySet(models.QuerySet):
    LINKS = ("budget", "funding", "contract", "payment", "step_report")

    def public(self):
        """Redacted copies approved as such, of approved entries of published plans:
        the only money documents anyone outside may open."""
        of_public = Q()
        for link in self.LINKS:
            of_public |= Q(**{f"{link}__state": ReviewedEntry.State.APPROVED}) & in_published_plan(
                f"{link}__project__plan"
            )
        return self.filter(of_public, redacted=True, published=True)

    def visible_to(self, user):
        projects = Project.objects.visible_to(user)
        seen = Q()
        for link in self.LINKS:
            seen |= Q(**{f"{link}__project__in": projects})
        return self.filter(seen)


class MoneyDocument(models.Model):
    """A document behind a money entry or a step (拨付凭证, 中标通知书, 施工许可证 …).
    Private by default: such papers carry bank accounts, ID numbers and signatures.
    One is public only when uploaded as a redacted copy (`redacted`) and its entry is
    approved with it (`published`, set by the approval)."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    budget = models.ForeignKey(
        Budget, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    funding = models.ForeignKey(
        Funding, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    step_report = models.ForeignKey(
        StepReport, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    file = models.FileField("文件", upload_to=money_document_path, max_length=200)
    kind = models.CharField("类型", max_length=10, editable=False)
    content_type = models.CharField(max_length=50, editable=False)
    original_name = models.CharField("原文件名", max_length=255, editable=False)
    size = models.PositiveIntegerField("大小（字节）", editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    caption = models.CharField("说明", max_length=200, blank=True)
    redacted = models.BooleanField(
        "脱敏件（可公开）",
        default=False,
        help_text="已遮盖银行账号、身份证号、签名和个人姓名的副本；审核通过后公开。未勾选的只供内部查看。",
    )
    published = models.BooleanField("已公开", default=False, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name="上传人",
    )
    uploaded_at = models.DateTimeField("上传时间", default=clock.now, editable=False)

    objects = MoneyDocumentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = "资金与手续材料"
        verbose_name_plural = "资金与手续材料"

    def __str__(self):
        return self.caption or self.original_name

    def get_absolute_url(self):
        return reverse("projects:money_document", args=[self.key])

    @property
    def extension(self):
        return IMAGE_EXTENSIONS.get(self.content_type, ".pdf")

    @property
    def entry(self):
        for link in MoneyDocumentQuerySet.LINKS:
            if getattr(self, f"{link}_id"):
                return getattr(self, link)
        return None


class MoneyTotal(models.Model):
    """A project's money as it stands today, written on every approval (`refresh`), so
    that a page reads one row however many payments there are. A past day's figures
    are computed from the entries by the same function (`money_figures`)."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="money_total"
    )
    budget = amount_field("计划总投资", null=True)
    in_place = amount_field("资金到位", null=True)
    contracted = amount_field("合同金额", null=True)
    paid = amount_field("已拨付", null=True)

    class Meta:
        verbose_name = verbose_name_plural = "资金合计"

    def __str__(self):
        return f"{self.project}：资金合计"

    @classmethod
    def refresh(cls, project):
        figures = money_figures([project.pk])[project.pk]
        cls.objects.update_or_create(
            project=project,
            defaults={
                "budget": figures.budget,
                "in_place": figures.in_place,
                "contracted": figures.contracted,
                "paid": figures.paid,
            },
        )


@dataclass
class MoneyFigures:
    """A project's money on a day, from approved entries only; None is 未填报."""

    budget: Decimal | None = None
    sources: list = field(default_factory=list)
    in_place: Decimal | None = None
    in_place_by_source: dict = field(default_factory=dict)
    contracted: Decimal | None = None
    paid: Decimal | None = None

    def share(self, part):
        """`part` of the budget, in percent; None when either is unknown."""
        if part is None or not self.budget:
            return None
        return float(part / self.budget * 100)

    @property
    def in_place_share(self):
        return self.share(self.in_place)

    @property
    def paid_share(self):
        return self.share(self.paid)

    @property
    def contracted_share(self):
        return self.share(self.contracted)


def money_figures(project_ids, day=None, days=None):
    """{project id: MoneyFigures} from approved entries dated up to `day` (all, if
    None), or each project's own day in `days` ({project id: day}, as on its 开工):
    the latest budget; per source the latest cumulative funds; the contracts and
    payments that stand (not corrected). Four queries, whatever the count."""
    days = days or {}
    figures = {pk: MoneyFigures() for pk in project_ids}
    budgets = Budget.objects.approved().filter(project_id__in=project_ids)
    funds = Funding.objects.approved().filter(project_id__in=project_ids)
    contracts = Contract.objects.current().filter(project_id__in=project_ids)
    payments = Payment.objects.current().filter(project_id__in=project_ids, paid_on__isnull=False)
    latest = max(days.values(), default=day) if days else day
    if latest is not None:
        budgets = budgets.filter(as_of__lte=latest)
        funds = funds.filter(as_of__lte=latest)
        contracts = contracts.filter(signed_on__lte=latest)
        payments = payments.filter(paid_on__lte=latest)

    def counts(pk, on):
        until = days.get(pk, day)
        return until is None or on <= until

    for budget in budgets.order_by("project", "as_of", "pk"):
        if counts(budget.project_id, budget.as_of):
            figures[budget.project_id].budget = budget.total
            figures[budget.project_id].sources = budget.sources
    for pk, source, on, amount in funds.order_by("project", "source", "as_of", "pk").values_list(
        "project", "source", "as_of", "amount"
    ):
        if counts(pk, on):
            figures[pk].in_place_by_source[source] = amount
    for money in figures.values():
        if money.in_place_by_source:
            money.in_place = sum(money.in_place_by_source.values())
    for name, rows, dated in (
        ("contracted", contracts, "signed_on"),
        ("paid", payments, "paid_on"),
    ):
        for pk, on, amount in rows.order_by().values_list("project", dated, "amount"):
            if counts(pk, on):
                setattr(figures[pk], name, (getattr(figures[pk], name) or 0) + amount)
    return figures


# The rules that watch the money and the steps. Each lapse is judged by the rule in
# force on the day it began: none before the rule was first set on the plan.


@dataclass
class Lapse:
    """One thing the rules found late: what, whose project, since when, how much."""

    rule: str  # a PlanRule.Name
    project: object
    thing: object  # a Milestone, a Payment, or the project itself
    since: date
    said: str
    limit: Decimal | None = None  # the rule's value that judged it
    figures: dict = field(default_factory=dict)  # the numbers behind `said`


def rule_periods(plan, name):
    """[(valid_from, value)] of rule `name` of `plan`, oldest first, the last recorded
    of a day: the rows `Plan.dated_rule` reads, for the rules below that need to know
    when each value began."""
    rows = plan.rules.filter(name=name).order_by("valid_from", "pk")
    return sorted(dict(rows.values_list("valid_from", "value")).items())


def in_force(periods, day):
    found = [value for valid_from, value in periods if valid_from <= day]
    return found[-1] if found else None


def lapse_began(periods, start, day):
    """(the day, the rule's days) a lapse counted from `start` (a planned date, the
    day work was accepted) began, or None if not by `day`: the first day on which more
    than the days then in force had passed since `start`, provided a value was in
    force on the day that count first ran out. So a rule set later never reaches back
    to what fell due before it (2021), and a value changed later neither ends a lapse
    that had begun nor dates one before the day it became late."""
    for i, (valid_from, days) in enumerate(periods):
        until = periods[i + 1][0] if i + 1 < len(periods) else None
        ran_out = start + timedelta(int(days) + 1)
        began = max(valid_from, ran_out)
        if began > day or (until is not None and began >= until):
            continue
        if in_force(periods, ran_out) is not None:
            return began, days
    return None


def late_steps(plan, day, project=None):
    """Procedure steps of `plan` past their planned date by more than the plan's grace
    days (as in force when each became late, `lapse_began`) on `day`, without an
    approved actual date by then."""
    periods = rule_periods(plan, PlanRule.Name.STEP_GRACE_DAYS)
    if in_force(periods, day) is None:
        return []
    steps = Milestone.objects.filter(project__plan=plan, due_date__lt=day)
    steps = steps.filter(Q(done_on__isnull=True) | Q(done_on__gt=day))
    if project is not None:
        steps = steps.filter(project=project)
    lapses = []
    for step in steps.select_related("project__lead_department"):
        began = lapse_began(periods, step.due_date, day)
        if began is None:
            continue
        since, grace = began
        lapses.append(
            Lapse(
                PlanRule.Name.STEP_GRACE_DAYS,
                step.project,
                step,
                since,
                f"“{step.title}”计划 {step.due_date:%Y-%m-%d} 完成，至今未报实际完成日期",
                limit=grace,
            )
        )
    return lapses


def lagging_payments(plan, day, project=None):
    """Contract nodes of `plan` whose work was accepted more than the plan's payment
    days (as in force when each became late, `lapse_began`) before `day` and that
    stood unpaid on `day` (拖欠)."""
    periods = rule_periods(plan, PlanRule.Name.PAYMENT_DAYS)
    if in_force(periods, day) is None:
        return []
    nodes = (
        Payment.objects.current()
        .filter(project__plan=plan, accepted_on__lt=day)
        .filter(Q(paid_on__isnull=True) | Q(paid_on__gt=day))
        .select_related("contract", "project__lead_department")
    )
    if project is not None:
        nodes = nodes.filter(project=project)
    lapses = []
    for node in nodes:
        began = lapse_began(periods, node.accepted_on, day)
        if began is None:
            continue
        since, limit = began
        lapses.append(
            Lapse(
                PlanRule.Name.PAYMENT_DAYS,
                node.project,
                node,
                since,
                f"“{node.contract.title}”{node.node}于 {node.accepted_on:%Y-%m-%d} 验收，"
                f"超过 {int(limit)} 天未拨付",
                limit=limit,
            )
        )
    return lapses


def time_share(project, day):
    """The share of the project's time gone on `day`, in percent (0–100)."""
    start, end = project.plan.period_start, project.due_date
    if day <= start:
        return 0.0
    if day >= end:
        return 100.0
    return (day - start).days / (end - start).days * 100


def money_lapses(plan, day, project=None):
    """Projects whose spending lags time (the share paid of the budget behind the share
    of the period gone by more than the plan's points) and projects whose funds in
    place were short of the budget on the day of 开工."""
    spending = plan.dated_rule(PlanRule.Name.SPENDING_LAG_POINTS)
    at_start = plan.dated_rule(PlanRule.Name.FUNDS_AT_START_PERCENT)
    projects = plan.projects.select_related("lead_department", "plan")
    if project is not None:
        projects = projects.filter(pk=project.pk)
    projects = list(projects)
    if not projects:
        return []
    figures = money_figures([p.pk for p in projects], day)
    starts = dict(
        Milestone.objects.filter(
            project__in=projects, step=Milestone.Step.START, done_on__lte=day
        ).values_list("project", "done_on")
    )
    at_starts = money_figures(list(starts), days=starts)
    lapses = []
    for p in projects:
        money = figures[p.pk]
        points = spending(day)
        if points is not None and money.budget:
            gone, paid = time_share(p, day), money.paid_share or 0.0
            if gone - paid > float(points):
                lapses.append(
                    Lapse(
                        PlanRule.Name.SPENDING_LAG_POINTS,
                        p,
                        p,
                        day,
                        f"已拨付 {paid:.1f}% ，时间已过 {gone:.1f}%，支出进度落后 "
                        f"{gone - paid:.1f} 个百分点",
                        limit=points,
                        figures={"paid_share": paid, "time_share": gone},
                    )
                )
        started = starts.get(p.pk)
        if started is None:
            continue
        percent = at_start(started)
        if percent is None:
            continue
        then = at_starts[p.pk]
        if then.budget and (then.in_place or 0) < then.budget * percent / 100:
            lapses.append(
                Lapse(
                    PlanRule.Name.FUNDS_AT_START_PERCENT,
                    p,
                    p,
                    started,
                    f"{started:%Y-%m-%d} 开工时资金到位 {wan(then.in_place or Decimal(0))} 万元，"
                    f"不足预算 {wan(then.budget)} 万元的 {figure(percent)}%",
                    limit=percent,
                    figures={"in_place": then.in_place, "budget": then.budget},
                )
            )
    return lapses


def money_watch(plan, day, project=None):
    """Every lapse of the money and the steps on `day`, oldest first."""
    lapses = [
        *late_steps(plan, day, project),
        *lagging_payments(plan, day, project),
        *money_lapses(plan, day, project),
    ]
    return sorted(lapses, key=lambda lapse: (lapse.since, lapse.project.number))
