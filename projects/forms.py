from django import forms

from .models import VALUE_ERRORS, ProgressReport


class ProgressReportForm(forms.ModelForm):
    """The one form a report is entered through, in the admin and its inlines."""

    class Meta:
        model = ProgressReport
        fields = ["target", "value", "as_of", "note"]
        error_messages = {
            "value": {**VALUE_ERRORS, "required": "请填写累计完成值。"},
            "as_of": {
                "invalid": "请填写有效的日期，格式如 2021-06-30。",
                "required": "请填写截至日期。",
            },
        }
