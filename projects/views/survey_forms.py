"""The survey's two steps (views/surveys.py): the code from the slip, then the answer.
Neither asks for a name or a phone: the code is all a household needs."""

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.models import TEXT_MAX, SurveyAnswer
from projects.views.voice_forms import shown_text

# Room for a code typed with spaces or dashes between every character.
CODE_INPUT_MAX = 40


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("调查码"),
        max_length=CODE_INPUT_MAX,
        help_text=_("调查单上的 12 位字母和数字，如 ABCD-EFGH-JKMN；不分大小写。"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "inputmode": "text",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX-XXXX",
            }
        ),
        error_messages={
            "required": _("请填写调查单上的调查码。"),
            "max_length": _("调查码应为 12 位字母和数字（如 ABCD-EFGH-JKMN），请核对调查单。"),
        },
    )


class AnswerForm(CodeForm):
    """The answer, with the code carried over from the first step."""

    verdict = forms.ChoiceField(
        label=_("您对这件实事满意吗？"),
        choices=SurveyAnswer.Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择满意、基本满意或不满意。"),
            "invalid_choice": _("请从满意、基本满意、不满意中选择一项。"),
        },
    )
    comment = forms.CharField(
        label=_("想说的话（选填）"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("审核后公开，不显示调查码，也看不出是哪一户写的。请不要写姓名、电话、门牌号。"),
        error_messages={
            "max_length": _("内容过长：最多 %(limit_value)d 个字（现有 %(show_value)d 个）。"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget = forms.HiddenInput()

    def clean_comment(self):
        text = self.cleaned_data["comment"]
        return shown_text(text) if text.strip() else ""
