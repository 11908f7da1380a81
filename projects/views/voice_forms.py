"""The public's forms: what a post may say before anything of it is stored."""

import re
import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from projects.exchange import held_photos, uploads
from projects.models import TEXT_MAX, TEXT_MIN, OnlineRating, PhotoPrint, PublicInput
from projects.web import guard

# Mainland mobile numbers, and landlines with their area code (0396 is Zhumadian's).
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
# What must not be in a text that will be public: a phone number or an ID card number
# (the writer's own, or a neighbour's).
PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
ID_IN_TEXT = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def plain(text):
    """Full-width digits and letters as ASCII, spaces at the ends gone."""
    return unicodedata.normalize("NFKC", text or "").strip()


def shown_text(text):
    """Text that will be public, refused if it carries a phone or ID card number."""
    spaced = plain(text)
    if PHONE_IN_TEXT.search(spaced.replace(" ", "")) or ID_IN_TEXT.search(spaced):
        raise ValidationError(
            _(
                "内容中似乎有电话号码或身份证号。留言会公开，请删去；"
                "需要回复时，请把电话填在下面不公开的“联系电话”一栏。"
            )
        )
    return text.strip()


def photo_slot(request):
    """Where this browser's photo for the form at this address is held, or None without
    the browser's cookie (the one every post carries, web/guard.py)."""
    browser = guard.browser_key(request)
    return held_photos.Slot(browser, request.path) if browser else None


class GuardedForm(forms.Form):
    """What every public form carries against robots (web/guard.py): the honeypot, and the
    question past the soft limit; and, for a form with a photo, the photo held while a
    refusal is put right (`slot`, exchange/held_photos.py)."""

    # A field no person sees (web/guard.py): a robot fills it.
    website = forms.CharField(required=False, label=_("请勿填写此项"))
    challenge_token = forms.CharField(required=False, widget=forms.HiddenInput)
    challenge_answer = forms.CharField(
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 4}),
    )

    def __init__(self, *args, challenge=None, slot=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.challenge = challenge
        self.slot = slot  # where this browser's photo for this form is held
        if challenge is not None:
            self.fields["challenge_token"].initial = challenge.token
            self.fields["challenge_answer"].label = challenge.question
            self.fields["challenge_answer"].required = True
            self.fields["challenge_answer"].error_messages["required"] = _(
                "请回答这道题，用数字或汉字都可以。"
            )
            self.initial["challenge_token"] = challenge.token

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(
                _("提交未被接受：表单中有一项不应填写的内容。请刷新页面后重新填写。"),
                code="honeypot",
            )
        if self.challenge is not None and "challenge_answer" in data:
            if not guard.passes(data.get("challenge_token"), data.get("challenge_answer")):
                self.add_error(
                    "challenge_answer", _("答案不对，或这道题已过期。请回答下面的新题。")
                )
        return data

    @property
    def is_robot(self):
        return any(error.code == "honeypot" for error in self.non_field_errors().as_data())

    # A photo held across a refusal (exchange/held_photos.py), for a form that has one.

    photo_lost = False  # set by keep_photo
    held_minutes = held_photos.HELD_SECONDS // 60  # for the privacy notice

    @cached_property
    def held_photo(self):
        """The photo this browser sent with this form before it was refused (HeldPhoto),
        or None."""
        return self.slot.held() if self.slot is not None and "photo" in self.fields else None

    def keep_photo(self):
        """After a refusal: hold the photo that passed its checks in place of any held
        before, or let the held one go when the writer chose 不用这张照片.
        `photo_lost`: a photo came and is not held, so it must be attached again."""
        upload = self.files.get("photo")
        kept = False
        if self.slot is not None and "photo" in self.fields:
            checked = self.cleaned_data.get("photo") if upload else None
            if checked is not None:
                kept = self.slot.hold(checked, upload.name, settings.VOICE_PHOTO_MAX_BYTES)
            elif self.cleaned_data.get("drop_photo"):
                self.slot.release()
            self.__dict__.pop("held_photo", None)
        self.photo_lost = bool(upload) and not kept

    def release_photo(self):
        """Once the item is stored: the held photo is no longer needed."""
        if self.slot is not None and "photo" in self.fields:
            self.slot.release()


class PublicForm(GuardedForm):
    """What every kind of public input asks (web/guard.py's honeypot and question included);
    each kind's form adds its own fields and says which kind it makes."""

    kind = None
    text = forms.CharField(
        label=_("您的问题或建议"),
        min_length=TEXT_MIN,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("将在审核后公开。请不要写姓名、电话、身份证号等个人信息。"),
        error_messages={
            "required": _("请填写问题或建议。"),
            "min_length": _("内容太短：请至少写 %(limit_value)d 个字。"),
            "max_length": _("内容过长：最多 %(limit_value)d 个字（现有 %(show_value)d 个）。"),
        },
    )
    place = forms.CharField(
        label=_("所在街道/社区（选填）"),
        required=False,
        max_length=60,
        error_messages={"max_length": _("街道/社区最多 %(limit_value)d 个字。")},
    )
    photo = forms.FileField(
        label=_("照片（选填）"),
        required=False,
        help_text=_("JPEG、PNG 或 WebP，不超过 8 MB；位置等拍摄信息会被删除。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    drop_photo = forms.BooleanField(label=_("不用这张照片"), required=False)
    # Sent by a form that showed a held photo: if it is gone by then, say so.
    kept_photo = forms.BooleanField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("姓名（选填，不公开）"),
        required=False,
        max_length=30,
        error_messages={"max_length": _("姓名最多 %(limit_value)d 个字。")},
    )
    phone = forms.CharField(
        label=_("联系电话（选填，不公开）"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"max_length": _("电话号码最多 %(limit_value)d 位。")},
    )
    consent = forms.BooleanField(
        label=_("我已阅读上面的个人信息说明，同意为答复本留言使用我填写的姓名和电话。"),
        required=False,
    )

    def clean_text(self):
        return shown_text(self.cleaned_data["text"])

    def clean_phone(self):
        phone = plain(self.cleaned_data["phone"]).replace(" ", "")
        if phone and not (MOBILE.match(phone) or LANDLINE.match(phone)):
            raise ValidationError(_("请填写 11 位手机号，或带区号的固定电话，如 0396-2345678。"))
        return phone

    def clean_name(self):
        return plain(self.cleaned_data["name"])

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        return uploads.check_photo(upload, settings.VOICE_PHOTO_MAX_BYTES)

    def clean(self):
        data = super().clean()
        if (
            "photo" in self.fields
            and data.get("photo") is None
            and not self.has_error("photo")
            and not data.get("drop_photo")
        ):
            # Sent again: the photo held for it, unless its half hour is over.
            data["photo"] = self.slot.checked() if self.slot is not None else None
            if data["photo"] is None and data.get("kept_photo"):
                self.add_error(
                    "photo",
                    _("保留的照片已过期删除。请重新选择照片；不需要照片时，直接再次提交即可。"),
                )
        name, phone, text = data.get("name"), data.get("phone"), data.get("text") or ""
        if (name or phone) and not data.get("consent"):
            self.add_error("consent", _("留下姓名或电话时，请勾选同意，否则请把这两栏留空。"))
        if name and len(name) >= 2 and name in text:
            self.add_error("text", _("内容中出现了您填写的姓名。留言会公开，请从内容中删去。"))
        return data

    def item(self, plan, project=None):
        """The unsaved item this valid form describes; its photo, if any, waits in
        `store_photo` until the item is known to be valid."""
        data = self.cleaned_data
        return PublicInput(
            kind=self.kind,
            plan=plan,
            project=project,
            title=data.get("title", ""),
            category=data.get("category", ""),
            text=data["text"],
            place=data.get("place", "").strip(),
            name=data.get("name", ""),
            phone=data.get("phone", ""),
        )

    def store_photo(self, item):
        """Write the checked photo (sweep_files removes it if the item never commits)."""
        photo = self.cleaned_data.get("photo")
        if photo is not None:
            item.photo_type = photo.content_type
            item.photo_sha256 = photo.sha256
            item.photo.save(f"photo{item.photo_extension}", photo.content, save=False)

    def record_print(self, item):
        """Once the item is saved: its photo's fingerprint, so that the moderator hears
        of a picture already sent. Never its time or place (check_photo reads neither
        of a resident's photo)."""
        photo = self.cleaned_data.get("photo")
        if photo is not None:
            PhotoPrint.record_public(item, photo.prints)


class QuestionForm(PublicForm):
    """留言: a question or suggestion about a project."""

    kind = PublicInput.Kind.QUESTION


class ProposalForm(PublicForm):
    """群众推荐: a project proposed for next year's plan during its public call."""

    kind = PublicInput.Kind.PROPOSAL
    title = forms.CharField(
        label=_("推荐什么项目"),
        max_length=60,
        help_text=_("一句话说明要办的事，如“某小区加装电梯”。"),
        error_messages={
            "required": _("请填写推荐的项目。"),
            "max_length": _("项目名称最多 %(limit_value)d 个字。"),
        },
    )
    category = forms.ChoiceField(
        label=_("类别"),
        choices=[("", _("请选择")), *PublicInput.Category.choices],
        error_messages={
            "required": _("请选择类别。"),
            "invalid_choice": _("请从列表中选择类别。"),
        },
    )
    field_order = ["title", "category", "text", "place", "photo", "name", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("为什么要办、能惠及哪些群众")

    def clean_title(self):
        return shown_text(self.cleaned_data["title"])


class DeputyForm(PublicForm):
    """代表意见: a deputy's opinion on a project, sent signed in. The deputy's account
    says who sent it; the form asks for no name or phone."""

    kind = PublicInput.Kind.DEPUTY

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "phone", "consent"):
            del self.fields[name]
        self.fields["text"].label = _("代表意见")
        self.fields["text"].help_text = _(
            "经审核后公开，只署“人大代表”，由牵头单位在时限内公开答复。"
        )


class CommentForm(PublicForm):
    """An opinion on a candidate while the list is out for comment (遴选)."""

    kind = PublicInput.Kind.COMMENT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("您对这个候选项目的意见")


class ProblemForm(PublicForm):
    """码上提: a problem seen at a site or with a project, answered by the lead
    department within the plan's limit."""

    kind = PublicInput.Kind.PROBLEM

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("您发现的问题")
        self.fields["text"].help_text = _(
            "如施工扰民、设施损坏、进度与公示不符。审核后公开，由牵头单位在时限内公开答复。"
        )


class RatingForm(PublicForm):
    """码上评: 满意 / 基本满意 / 不满意, counted at once; a comment, if any, is public
    input and waits for a moderator."""

    kind = PublicInput.Kind.RATING
    verdict = forms.ChoiceField(
        label=_("您对这件实事的评价"),
        choices=OnlineRating.Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择满意、基本满意或不满意。"),
            "invalid_choice": _("请从满意、基本满意、不满意中选择一项。"),
        },
    )
    field_order = ["verdict", "text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("place", "photo", "drop_photo", "kept_photo", "name", "phone", "consent"):
            del self.fields[name]
        text = self.fields["text"]
        text.required = False
        text.label = _("想说的话（选填）")
        text.help_text = _("评价立即计入；这段话审核后公开。请不要写个人信息。")

    def clean_text(self):
        text = self.cleaned_data["text"]
        return shown_text(text) if text else ""


class ObjectionForm(PublicForm):
    """异议: an objection to a project's 公示, decided by the supervision office."""

    kind = PublicInput.Kind.OBJECTION

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("您的异议")
        self.fields["text"].help_text = _(
            "请写明哪里与公示不符，例如“某小区的电梯尚未安装”。审核后公开，由督查部门认定成立或不成立。"
        )


class FollowForm(GuardedForm):
    """关注: an e-mail address to send a project's news to, once confirmed."""

    email = forms.EmailField(
        label=_("电子邮件地址"),
        max_length=254,
        help_text=_("只用于发送本实事的进度通知，不公开；可随时一键退订。"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("请填写电子邮件地址。"),
            "invalid": _("请填写有效的电子邮件地址，如 name@example.com。"),
            "max_length": _("电子邮件地址最多 %(limit_value)d 个字符。"),
        },
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class AnswerMailForm(FollowForm):
    """An address to hear when the answer to one's own item is made public (a receipt's
    follow), once confirmed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _("只用于告诉您答复已经公开，不公开；可随时一键退订。")
