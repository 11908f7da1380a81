"""The officials' side of money and procedure steps (issue 35).

- 填报员: their departments' budgets, funds in place, contracts, payments by contract
  node and step reports, each with its documents; every save goes (back) to review.
  An odd entry (a 万元/元 slip, more contracted than budgeted …) is saved only once
  they tick “我已核对” (exchange/money_forms.py).
- 审核员: approves or returns them, as figures (`review_progressreport`), never their
  own; approving publishes the documents uploaded as redacted copies, and a step
  report's approval writes the step's actual date (and its target's figure).
- Documents are private by default and linked only through our view
  (`projects:money_document`), which checks who may open each; never the storage URL.
"""

from django.contrib import admin
from django.utils.functional import cached_property

from projects.admin.base import FilesInline, NewFilesInline, WritesFilesLast, plan_filter
from projects.admin.sites import ReviewedEntryAdmin
from projects.exchange.forms import EvidenceFormSet, store_file
from projects.exchange.money_forms import (
    BudgetForm,
    ContractForm,
    FundingForm,
    MoneyDocumentForm,
    PaymentForm,
    StepReportForm,
)
from projects.models import (
    ESTIMATE_NOTE,
    Budget,
    Contract,
    Funding,
    MoneyDocument,
    Payment,
    StepReport,
    wan,
)
from projects.models.money import MoneyDocumentQuerySet


class DocumentInline(FilesInline):
    """Documents already attached (a wrong one is corrected by a new entry), an image's
    checks beside it."""

    model = MoneyDocument
    fields = [
        "link",
        "photo_checks",
        "redacted",
        "published",
        "kind",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = fields
    verbose_name_plural = "已上传的材料"

    @cached_property
    def entry_link(self):
        """The document's field naming its entry (budget … step_report)."""
        return next(
            name
            for name in MoneyDocumentQuerySet.LINKS
            if MoneyDocument._meta.get_field(name).related_model is self.parent_model
        )

    def get_queryset(self, request):
        # The plan whose rules judge the photos comes with each row.
        related = ["uploaded_by", f"{self.entry_link}__project__plan"]
        return super().get_queryset(request).select_related(*related)

    def photo_plan(self, document):
        return getattr(document, self.entry_link).project.plan


class NewDocumentInline(NewFilesInline):
    model = MoneyDocument
    form = MoneyDocumentForm
    formset = EvidenceFormSet
    fields = ["file", "caption", "redacted"]
    verbose_name = verbose_name_plural = "上传材料（默认不公开；脱敏件审核通过后公开）"


class MoneyEntryAdmin(WritesFilesLast, ReviewedEntryAdmin):
    """A money entry: reviewed like a figure (`ReviewedEntryAdmin`), with its documents.
    Files are written only once the entry and every document are valid, inside the
    admin's transaction; if anything then fails, the files written go too."""

    inlines = [DocumentInline, NewDocumentInline]
    readonly_fields = [
        "state",
        "created_by",
        "created_at",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    ]
    list_filter = ["state", plan_filter("project__plan")]
    search_fields = ["project__title", "note"]
    approve_related = ["project__plan"]
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            fields = [field for field in fields if field != "confirmed"]
        return fields

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is None:
            return [i for i in inlines if isinstance(i, NewDocumentInline)]
        if not self.has_change_permission(request, obj):
            return [i for i in inlines if not isinstance(i, NewDocumentInline)]
        return inlines

    def save_formset(self, request, form, formset, change):
        if formset.model is not MoneyDocument:
            return super().save_formset(request, form, formset, change)
        for document in formset.save(commit=False):
            document.uploaded_by = request.user
            store_file(document, request.files_written)
        for document_form in formset.forms:
            document_form.record_print()


@admin.register(Budget)
class BudgetAdmin(MoneyEntryAdmin):
    form = BudgetForm
    list_display = [
        "project",
        "total_display",
        "estimate_label",
        "as_of",
        "state",
        "created_by",
        "reviewed_by",
    ]
    list_filter = ["state", "estimate", plan_filter("project__plan")]
    list_select_related = ["project", "created_by", "reviewed_by"]
    add_permission = "projects.add_budget"
    done_approving = "已审核通过 {n} 条预算，已在公开页面显示。"
    done_returning = "已退回 {n} 条预算。"

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.estimate:
            # A candidate's estimate is no budget: say so above everything else.
            note = ("候选估算（草稿，不能审核通过）", {"fields": [], "description": ESTIMATE_NOTE})
            return [note, *fieldsets]
        return fieldsets

    @admin.display(description="计划总投资（万元）", ordering="total")
    def total_display(self, budget):
        return wan(budget.total)

    @admin.display(description="候选估算", ordering="estimate")
    def estimate_label(self, budget):
        return "候选估算（草稿）" if budget.estimate else "—"


@admin.register(Funding)
class FundingAdmin(MoneyEntryAdmin):
    form = FundingForm
    list_display = ["project", "source", "amount_display", "as_of", "state", "created_by"]
    list_filter = ["state", "source", plan_filter("project__plan")]
    list_select_related = ["project", "created_by"]
    add_permission = "projects.add_funding"
    done_approving = "已审核通过 {n} 条资金到位，已在公开页面显示。"
    done_returning = "已退回 {n} 条资金到位。"

    @admin.display(description="累计到位（万元）", ordering="amount")
    def amount_display(self, funding):
        return wan(funding.amount)


@admin.register(Contract)
class ContractAdmin(MoneyEntryAdmin):
    form = ContractForm
    list_display = [
        "title",
        "project",
        "kind",
        "contractor",
        "amount_display",
        "signed_on",
        "state",
        "created_by",
    ]
    list_filter = ["state", "kind", "method", plan_filter("project__plan")]
    list_select_related = ["project", "created_by"]
    search_fields = ["title", "contractor", "project__title"]
    add_permission = "projects.add_contract"
    done_approving = "已审核通过 {n} 份合同，已在公开页面显示。"
    done_returning = "已退回 {n} 份合同。"

    @admin.display(description="合同金额（万元）", ordering="amount")
    def amount_display(self, contract):
        return wan(contract.amount)


@admin.register(Payment)
class PaymentAdmin(MoneyEntryAdmin):
    form = PaymentForm
    list_display = [
        "contract",
        "node",
        "accepted_on",
        "amount_display",
        "paid_on",
        "state",
        "created_by",
    ]
    list_select_related = ["contract__project", "created_by"]
    search_fields = ["contract__title", "node", "project__title"]
    add_permission = "projects.add_payment"
    approve_related = ["project__plan", "contract"]
    done_approving = "已审核通过 {n} 条拨付，已在公开页面显示。"
    done_returning = "已退回 {n} 条拨付。"

    @admin.display(description="拨付金额（万元）", ordering="amount")
    def amount_display(self, payment):
        return wan(payment.amount) if payment.amount is not None else "未拨付"


@admin.register(StepReport)
class StepReportAdmin(MoneyEntryAdmin):
    form = StepReportForm
    list_display = ["milestone", "project", "done_on", "state", "created_by", "reviewed_by"]
    list_select_related = ["milestone", "project", "created_by", "reviewed_by"]
    search_fields = ["milestone__title", "project__title"]
    add_permission = "projects.add_stepreport"
    approve_related = ["project__plan", "milestone"]
    done_approving = "已审核通过 {n} 条手续节点，实际完成日期已写入。"
    done_returning = "已退回 {n} 条手续节点。"
