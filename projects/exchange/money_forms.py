"""The admin's forms for money and procedure steps (budgets, funds in place, contracts,
payments, step reports) and for the documents behind them.

The model says what is wrong (`clean`: errors, nothing saved) and what is odd
(`warnings`: a 万元/元 slip, more contracted than budgeted, more paid than
contracted). An odd entry is shown back with its warnings and saved only once the
person ticks “我已核对”. Documents are checked by their content like evidence and
stored through the storage API under money/ (`money_document_path`).
"""

import hashlib

from django import forms
from django.core.files import File

from projects.exchange.uploads import check_upload
from projects.models import (
    Budget,
    Contract,
    Funding,
    Milestone,
    MoneyDocument,
    Payment,
    PhotoPrint,
    Project,
    StepReport,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOTE = forms.Textarea(attrs={"rows": 2})


class MoneyEntryForm(forms.ModelForm):
    """What every money form shares: choices narrowed to the user's departments, and
    the confirmation of the model's warnings."""

    confirmed = forms.BooleanField(
        label="我已核对",
        required=False,
        help_text="出现核对提示（金额单位、超预算、超合同金额等）时，核对无误后勾选再保存。",
    )

    # model field → (the model its choices come from, what each choice reads, the
    # refusal of one outside the user's departments)
    narrowed = {"project": (Project, (), "只能选择本单位的实事。")}
    corrects_related = ["project"]  # what an entry's name reads (its __str__)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None:
            return
        for name, (model, related, refusal) in self.narrowed.items():
            if name in self.fields:
                choices = model.objects.visible_to(user)
                # select_related() without names would follow every foreign key
                self.fields[name].queryset = (
                    choices.select_related(*related) if related else choices
                )
                self.fields[name].error_messages["invalid_choice"] = refusal
        if "corrects" in self.fields:
            self.fields["corrects"].queryset = (
                self._meta.model.objects.visible_to(user)
                .approved()
                .select_related(*self.corrects_related)
                .exclude(pk=self.instance.pk)
            )

    def _post_clean(self):
        # The instance holds the typed values only after the model's own validation,
        # which runs here: the warnings are asked of it then, and only of a valid one.
        super()._post_clean()
        if self.errors or self.cleaned_data.get("confirmed"):
            return
        said = self.instance.warnings()
        if said:
            for sentence in said:
                self.add_error(None, sentence)
            self.add_error("confirmed", "请核对上面的提示；确认无误后勾选“我已核对”再保存。")


class BudgetForm(MoneyEntryForm):
    class Meta:
        model = Budget
        fields = [
            "project",
            "total",
            "central",
            "provincial",
            "municipal",
            "district",
            "bonds",
            "social",
            "other",
            "as_of",
            "estimate",
            "note",
            "corrects",
        ]
        widgets = {"as_of": DATE, "note": NOTE}


class FundingForm(MoneyEntryForm):
    class Meta:
        model = Funding
        fields = ["project", "source", "amount", "as_of", "note", "corrects"]
        widgets = {"as_of": DATE, "note": NOTE}


class ContractForm(MoneyEntryForm):
    notice_url = forms.URLField(
        label="中标公告链接",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": "链接须以 http:// 或 https:// 开头。"},
        help_text="公共资源交易中心等网站上的中标公告地址（选填）。",
    )

    class Meta:
        model = Contract
        fields = [
            "project",
            "kind",
            "method",
            "contractor",
            "contractor_is_person",
            "title",
            "amount",
            "signed_on",
            "notice_url",
            "note",
            "corrects",
        ]
        widgets = {"signed_on": DATE, "note": NOTE}


class PaymentForm(MoneyEntryForm):
    """A contract node; its project is its contract's (the model's `clean`)."""

    narrowed = {"contract": (Contract, ("project",), "只能选择本单位实事的合同。")}
    corrects_related = ["contract"]

    class Meta:
        model = Payment
        fields = ["contract", "node", "accepted_work", "accepted_on", "amount", "paid_on"]
        fields += ["note", "corrects"]
        widgets = {"accepted_on": DATE, "paid_on": DATE, "note": NOTE}


class StepReportForm(MoneyEntryForm):
    """A procedure step done; its project is its step's (the model's `clean`)."""

    narrowed = {"milestone": (Milestone, (), "只能选择本单位实事的手续节点。")}
    corrects_related = ["milestone"]

    class Meta:
        model = StepReport
        fields = ["milestone", "done_on", "note", "corrects"]
        widgets = {"done_on": DATE, "note": NOTE}


class MoneyDocumentForm(forms.ModelForm):
    """A document checked by its content (exchange/uploads.py); nothing is written until
    the entry and every document with it are valid (`store_file`). An image's checks
    (models/photos.py) are kept once it is stored (`record_print`)."""

    checked = None  # the CheckedFile of a new upload

    class Meta:
        model = MoneyDocument
        fields = ["file", "caption", "redacted"]
        help_texts = {
            "file": "JPEG、PNG、WebP 图片或 PDF，单个不超过 10 MB。未勾选“脱敏件”的只供内部查看。"
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and not getattr(upload, "_committed", False):
            checked = self.checked = check_upload(upload)
            document = self.instance
            document.kind = checked.kind
            document.content_type = checked.content_type
            document.size = checked.size
            document.sha256 = hashlib.sha256(checked.content.read()).hexdigest()
            checked.content.seek(0)
            document.original_name = upload.name[-255:]
            return File(checked.content, name=upload.name)
        return upload

    def record_print(self):
        """After the document is stored: an image's checks, as for a figure's evidence
        (a PDF has no fingerprint)."""
        if self.checked is not None and self.checked.prints is not None and self.instance.pk:
            PhotoPrint.record(self.instance, self.checked.prints, self.checked.capture)
