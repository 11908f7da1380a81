import re
from datetime import date

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage

from projects.exchange import uploads
from projects.exchange.uploads import check_upload
from projects.models import (
    VALUE_ERRORS,
    Department,
    Evidence,
    Matter,
    Plan,
    ProgressReport,
)
from projects.rules.formatting import figure

# A figure this many times its target is almost always a typo (an extra zero, a figure
# in the wrong unit); it is accepted only once the reporter confirms it.
SUSPICIOUS_MULTIPLE = 10

REPORT_ERRORS = {
    "value": {**VALUE_ERRORS, "required": "请填写累计完成值。"},
    "as_of": {"invalid": "请填写有效的日期，格式如 2021-06-30。", "required": "请填写截至日期。"},
    "target": {"invalid_choice": "请选择您有权填报的指标。", "required": "请选择指标。"},
}


def as_id(value):
    """An id as an int, or None for anything no id column can hold: not a whole number
    ("¹" is a digit to Python but not a number), negative, or past 2**63 − 1 (SQLite
    raises OverflowError there, which Django does not catch)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if 0 <= number < 2**63 else None


class IdChoiceField(forms.ModelChoiceField):
    """A choice by id where something that cannot be an id is simply not a choice.
    With `known` ({id: object}, read already for many forms at once), it is looked up
    there instead of the queryset."""

    known = None

    def to_python(self, value):
        if value not in self.empty_values and as_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        if self.known is not None and value not in self.empty_values:
            if as_id(value) not in self.known:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            return self.known[as_id(value)]
        return super().to_python(value)


class DayField(forms.DateField):
    """A date field that reads YYYY-MM-DD without strptime, which asks the locale on
    every call: a fifth of an import's dry run, whose dates are all written so
    (importing.read_date). Any other writing is read as Django reads it."""

    def strptime(self, value, format):
        if format == "%Y-%m-%d" and ISO_DAY.fullmatch(value):
            return date.fromisoformat(value)
        return super().strptime(value, format)


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def needs_confirmation(target, value):
    return value is not None and value > target.target_value * SUSPICIOUS_MULTIPLE


class ProgressReportForm(forms.ModelForm):
    """The one form a report is entered through in the admin."""

    confirm_large = forms.BooleanField(
        label="确认数值无误",
        required=False,
        help_text=f"数值超过目标值的 {SUSPICIOUS_MULTIPLE} 倍时，须核对后勾选。",
    )

    class Meta:
        model = ProgressReport
        fields = ["target", "value", "as_of", "note", "delay_reason", "next_steps"]
        error_messages = REPORT_ERRORS
        field_classes = {"target": IdChoiceField, "as_of": DayField}
        widgets = {
            "note": forms.Textarea(attrs={"rows": 2}),
            "delay_reason": forms.Textarea(attrs={"rows": 2}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
            "as_of": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        if self.fields["target"].known is not None:
            exclude.add("target")  # read with the file's targets: it exists, no query needed
        return exclude

    def clean(self):
        cleaned = super().clean()
        target = cleaned.get("target")
        value = cleaned.get("value")
        if target and needs_confirmation(target, value) and not cleaned.get("confirm_large"):
            self.add_error(
                "confirm_large",
                f"该数值超过目标值（{figure(target.target_value)} {target.unit}）的 "
                f"{SUSPICIOUS_MULTIPLE} 倍，请核对；确认无误请勾选“确认数值无误”"
                "（Excel 导入时在“确认超十倍”列填“是”）。",
            )
        return cleaned


class EvidenceForm(forms.ModelForm):
    """An evidence file, checked by its content (see exchange/uploads.py).

    Validation only reads and checks the file; nothing is written until the report and
    every file with it are valid and the admin saves them (`store_file`). The check's
    result stays on the form (`checked`) for the photo's checks once the row is saved."""

    checked = None

    class Meta:
        model = Evidence
        fields = ["file", "caption"]
        help_texts = {"file": "JPEG、PNG、WebP 图片或 PDF，单个不超过 10 MB；图片会缩小后保存。"}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and not getattr(upload, "_committed", False):
            checked = self.checked = check_upload(upload)
            evidence = self.instance
            evidence.kind = checked.kind
            evidence.content_type = checked.content_type
            evidence.size = checked.size
            evidence.original_name = upload.name[-255:]
            # What is stored is what check_upload wrote, under evidence_path's name.
            return File(checked.content, name=upload.name)
        return upload


NOT_STORED = (
    "服务器暂时无法保存文件（存储空间不足或目录不可写），本次填报未保存。请稍后重试，或联系管理员。"
)


class EvidenceNotStored(Exception):
    """The disk refused an evidence file: the whole save is undone (see admin)."""


class EvidenceFormSet(forms.BaseInlineFormSet):
    """New evidence files; `storage_failed` when the last try could not write them, so
    the form comes back with the reporter's input and the reason."""

    storage_failed = False

    def clean(self):
        super().clean()
        if self.storage_failed:
            raise ValidationError(NOT_STORED)


def store_file(row, written):
    """Save `row` (evidence, a money document), writing its file; the name written
    goes on `written` so that a rollback can remove it. A refused write leaves no
    partial file."""
    name = row.file.field.generate_filename(row, row.file.name)
    try:
        row.save()
    except OSError:
        default_storage.delete(name)
        raise EvidenceNotStored from None
    written.append(row.file.name)


class CheckedPhoto:
    """A model form's optional photo, checked and re-encoded like evidence; the form
    keeps the result in `checked_photo` for the admin to store."""

    def accept_photos(self, help_text):
        if "photo" in self.fields:
            self.fields["photo"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"
            self.fields["photo"].help_text = help_text

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload or not hasattr(upload, "content_type"):  # unchanged or cleared
            return upload
        self.checked_photo = uploads.check_photo(upload, settings.EVIDENCE_MAX_BYTES, official=True)
        return upload


class MatterForm(CheckedPhoto, forms.ModelForm):
    class Meta:
        model = Matter
        fields = [
            "plan",
            "department",
            "done_on",
            "title",
            "category",
            "place",
            "beneficiaries",
            "description",
            "photo",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and "department" in self.fields:
            departments = Department.objects.all()
            if not user.has_perm("projects.view_all_departments"):
                departments = user.departments.all()
            self.fields["department"].queryset = departments
            self.fields["department"].error_messages["invalid_choice"] = "只能登记本单位的事项。"
        if "plan" in self.fields:
            self.fields["plan"].queryset = Plan.objects.taking_input()
        if "beneficiaries" in self.fields:
            self.fields["beneficiaries"].error_messages.update(
                invalid="受益人数请填写整数。",
                min_value="受益人数不能为负数。",
                max_value="受益人数不能超过 100 万（全区人口）。",
            )
        self.accept_photos("选填；JPEG、PNG 或 WebP，位置等拍摄信息会被删除。")


class MatterRowForm(MatterForm):
    """A row of the import: its plan and department were checked once for the whole
    file (`matters_import.check_file`), so a row costs no query of its own."""

    class Meta(MatterForm.Meta):
        fields = [f for f in MatterForm.Meta.fields if f not in ("plan", "department")]
