"""The officials' side of the public's voice.

- 留言审核员 (moderator): the queue of what the public sent, oldest first; decides in
  bulk from the list (publish, merge into an item, decline with a reason, block), and
  approves or returns the departments' answers. Sees names and phone numbers.
- 填报员 of the lead department: the published questions about its projects, with the
  writer's contact details, and drafts the answers (each goes to the moderator).
- Nobody else opens either list. Nothing here deletes an item or rewrites its text.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe

from projects.admin import pages
from projects.admin.base import (
    HistoryAdmin,
    OpensOnPlan,
    ReadOnly,
    act_on_each,
    plan_filter,
)
from projects.exchange.forms import as_id
from projects.models import (
    CODE_PATTERN,
    Answer,
    Ballot,
    Candidate,
    CandidateTarget,
    Jurisdiction,
    Notice,
    PhotoPrint,
    Plan,
    Project,
    PublicInput,
    Rating,
    Tally,
    with_answer_dues,
)
from projects.rules import clock


def can_moderate(request):
    return request.user.has_perm("projects.moderate_publicinput")


class DecisionForm(ActionForm):
    """What a decision in bulk needs besides the items: a note, for a merge the item
    they join, and for a proposal passed on the level it goes to."""

    into = forms.IntegerField(
        label="合并到/候选序号",
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"size": 6}),
    )
    to = forms.RegexField(
        label="转交到",
        regex=CODE_PATTERN,
        required=False,
        max_length=9,
        widget=forms.TextInput(attrs={"size": 9}),
        help_text="推荐项目转交另一级时，填写该级的行政区划代码（如 411781）。",
    )
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=500,
        help_text="不予公开、不予采纳和认定异议的说明，写信人在自己的查询页上看得到（不公开）；屏蔽的说明只有工作人员看得到。",
    )


class StateFilter(admin.SimpleListFilter):
    """The queue first: a moderator opens the list on what waits for a decision (a
    department, which sees published items only, on all of them)."""

    title = "状态"
    parameter_name = "state"
    EVERY = "all"

    def __init__(self, request, params, model, model_admin):
        self.default = PublicInput.State.PENDING if can_moderate(request) else self.EVERY
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [(self.EVERY, "全部"), *PublicInput.State.choices]

    def value(self):
        return super().value() or self.default

    def queryset(self, request, queryset):
        if self.value() == self.EVERY:
            return queryset
        return queryset.filter(state=self.value())

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ObjectionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("uphold", "成立"), ("dismiss", "不成立")],
        error_messages={"required": "请选择认定异议成立或不成立。"},
    )
    note = forms.CharField(
        label="理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="将与认定结果一起公开。成立：实事转为整改中，新的完成数审核通过后重新公示。",
        error_messages={"required": "认定异议成立或不成立，都必须写明理由。"},
    )


# The writer's, shown only to whom PublicInput.shows_contact_to allows.
CONTACT_FIELDS = ("name", "phone", "answer_mail", "contact_purged_at")


@admin.register(PublicInput)
class PublicInputAdmin(HistoryAdmin):
    list_display = [
        "__str__",
        "plan",
        "project",
        "excerpt",
        "received_at",
        "state",
        "outcome",
        "answer_state",
    ]
    list_filter = [StateFilter, "kind", "plan"]
    list_select_related = ["plan", "project", "answer"]
    ordering = ["received_at", "pk"]  # the queue: oldest first
    search_fields = ["text", "=code"]  # a 受理编号 read out on the phone finds its item
    action_form = DecisionForm
    actions = [
        "publish_selected",
        "merge_selected",
        *(f"decline_{reason}" for reason in PublicInput.Reason.values),
        "block_selected",
        "adopt_selected",
        "reject_selected",
        "pass_on_selected",
        "uphold_selected",
        "dismiss_selected",
    ]
    fields = [
        "code",
        "kind",
        "plan",
        "project",
        "title",
        "category",
        "text",
        "place",
        "photo_link",
        "name",
        "phone",
        "answer_mail",
        "contact_purged_at",
        "state",
        "merged_into",
        "decline_reason",
        "decision_note",
        "outcome",
        "outcome_note",
        "outcome_at",
        "outcome_by",
        "notice",
        "candidate",
        "received_at",
        "decided_at",
        "decided_by",
        "answer_link",
    ]
    readonly_fields = [*fields, "same_photo"]  # shown only when there is one (get_fields)

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_fields(self, request, obj=None):
        fields = self.fields
        if obj is not None and can_moderate(request) and self.same_photos(obj):
            at = fields.index("photo_link") + 1
            fields = [*fields[:at], "same_photo", *fields[at:]]
        if obj is not None and obj.shows_contact_to(request.user):
            return fields
        return [field for field in fields if field not in CONTACT_FIELDS]

    def get_object(self, request, object_id, from_field=None):
        item = super().get_object(request, object_id, from_field)
        if item is not None and item.photo:  # its checks, read once for the page
            prints = PhotoPrint.objects.with_matches()
            prefetch_related_objects([item], Prefetch("print", queryset=prints))
        return item

    @staticmethod
    def same_photos(item):
        """The other items the public sent with the same picture (of a resident's photo
        only the fingerprint is kept: models/photos.py); needs `get_object`'s prefetch."""
        print_ = getattr(item, "print", None) if item.photo else None
        if print_ is None:
            return []
        return [other.public_input for _, other in print_.matched() if other.public_input_id]

    @admin.display(description="重复照片")
    def same_photo(self, item):
        return format_html_join(
            mark_safe("<br>"),
            '⚠ 这张照片与已收到的群众来信 <a href="{}">{}</a> 相同',
            (
                (reverse("admin:projects_publicinput_change", args=[other.pk]), other)
                for other in self.same_photos(item)
            ),
        )

    @admin.display(description="答复通知邮箱")
    def answer_mail(self, obj):
        """The addresses the writer left on the tracking page (contact data)."""
        addresses = [
            f.email if f.confirmed_at else f"{f.email}（未确认）" for f in obj.follows.all()
        ]
        return "、".join(addresses) or "—"

    def has_add_permission(self, request):
        return False  # the public writes, on the site

    def has_change_permission(self, request, obj=None):
        return False  # decisions are the list's actions; the text is never rewritten

    def has_delete_permission(self, request, obj=None):
        return False

    def has_moderate_permission(self, request):
        return can_moderate(request)

    def has_decide_permission(self, request):
        return request.user.has_perm("projects.decide_objection")

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self.has_decide_permission(request)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self.has_decide_permission(request)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", view(self.decide_view), name="projects_objection_decide"),
            path("mine/", view(pages.my_opinions), name="projects_my_opinions"),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk):
        """An objection decided on its own page: what it says, about which 公示, and
        成立 / 不成立 with the reason, in one form."""
        if not self.has_decide_permission(request):
            raise PermissionDenied
        item = get_object_or_404(
            self.get_queryset(request).select_related("project__plan", "notice__report"),
            pk=pk,
            kind=PublicInput.Kind.OBJECTION,
        )
        back = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("admin:projects_ledger")
        form = ObjectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            decide = item.uphold if form.cleaned_data["outcome"] == "uphold" else item.dismiss
            try:
                decide(request.user, form.cleaned_data["note"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, f"{item}：已认定，{item.get_outcome_display()}。")
                return redirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": f"认定公示异议 · {item.project}",
            "opts": self.opts,
            "item": item,
            "form": form,
            "decided": item.outcome != "",
            "next": back,
        }
        return TemplateResponse(request, "admin/projects/objection.html", context)

    @admin.display(description="认定")
    def decide_link(self, item):
        if item.kind != PublicInput.Kind.OBJECTION or item.outcome:
            return ""
        url = reverse("admin:projects_objection_decide", args=[item.pk])
        return format_html('<a href="{}">认定成立 / 不成立</a>', url)

    def get_list_display(self, request):
        if self.has_decide_permission(request):
            return [*self.list_display, "decide_link"]
        return self.list_display

    @admin.display(description="内容")
    def excerpt(self, item):
        return item.text if len(item.text) <= 40 else f"{item.text[:40]}…"

    @admin.display(description="答复")
    def answer_state(self, item):
        answer = getattr(item, "answer", None)
        return answer.get_state_display() if answer else "—"

    @admin.display(description="照片")
    def photo_link(self, item):
        if not item.photo:
            return "无"
        url = reverse("projects:voice_photo", args=[item.key])
        return format_html('<a href="{}">查看照片</a>', url)

    @admin.display(description="答复")
    def answer_link(self, item):
        answer = getattr(item, "answer", None)
        if answer is not None:
            url = reverse("admin:projects_answer_change", args=[answer.pk])
            return format_html('<a href="{}">{}</a>', url, answer.get_state_display())
        if item.state == PublicInput.State.PUBLISHED:  # the answer form checks who may
            url = reverse("admin:projects_answer_add") + f"?question={item.pk}"
            return format_html('<a href="{}">起草答复</a>', url)
        return "尚未答复"

    def decide(self, request, queryset, verb, decision):
        act_on_each(self, request, queryset, decision, done=f"已{verb} {{n}} 条。")

    def note(self, request):
        return request.POST.get("note", "").strip()

    @admin.action(description="公开所选留言", permissions=["moderate"])
    def publish_selected(self, request, queryset):
        self.decide(request, queryset, "公开", lambda item: item.publish(request.user))

    @admin.action(description="合并所选留言到下面填写的编号", permissions=["moderate"])
    def merge_selected(self, request, queryset):
        into = PublicInput.objects.filter(pk=request.POST.get("into") or None).first()
        if into is None:
            message = "请在“合并到”一栏填写一条已公开留言的编号。"
            self.message_user(request, message, messages.ERROR)
            return
        note = self.note(request)
        self.decide(request, queryset, "合并", lambda item: item.merge(request.user, into, note))

    @admin.action(description="推荐项目：列为下面填写序号的候选项目", permissions=["moderate"])
    def adopt_selected(self, request, queryset):
        note = self.note(request)

        def adopt(item):
            candidate = Candidate.objects.filter(
                plan=item.plan_id, order=request.POST.get("into") or None
            ).first()
            item.adopt(request.user, candidate, note)

        self.decide(request, queryset, "列为候选", adopt)

    @admin.action(
        description="推荐项目：转交另一级（在“转交到”填写其行政区划代码）", permissions=["moderate"]
    )
    def pass_on_selected(self, request, queryset):
        # the open calls of the levels above and below this one (`calls_around`)
        calls = Plan.objects.calls_around(Jurisdiction.objects.served())
        plan = calls.filter(jurisdiction__code=request.POST.get("to", "").strip()).first()
        self.decide(request, queryset, "转交", lambda item: item.pass_on(request.user, plan))

    @admin.action(description="推荐项目：不予采纳（在“说明”中写明原因）", permissions=["moderate"])
    def reject_selected(self, request, queryset):
        note = self.note(request)
        self.decide(request, queryset, "不予采纳", lambda item: item.reject(request.user, note))

    @admin.action(
        description="异议：认定成立，实事转为整改中（在“说明”中写明理由）", permissions=["decide"]
    )
    def uphold_selected(self, request, queryset):
        note = self.note(request)
        self.decide(request, queryset, "认定异议成立", lambda item: item.uphold(request.user, note))

    @admin.action(description="异议：认定不成立（在“说明”中写明理由）", permissions=["decide"])
    def dismiss_selected(self, request, queryset):
        note = self.note(request)
        self.decide(
            request, queryset, "认定异议不成立", lambda item: item.dismiss(request.user, note)
        )

    @admin.action(description="屏蔽所选留言（辱骂、广告等滥用）", permissions=["moderate"])
    def block_selected(self, request, queryset):
        note = self.note(request)
        self.decide(request, queryset, "屏蔽", lambda item: item.block(request.user, note))


def decline_action(reason):
    def decline(self, request, queryset):
        note = self.note(request)
        self.decide(
            request, queryset, "不予公开", lambda item: item.decline(request.user, reason, note)
        )

    decline.__name__ = f"decline_{reason.value}"
    return admin.action(description=f"不予公开：{reason.label}", permissions=["moderate"])(decline)


for _reason in PublicInput.Reason:
    setattr(PublicInputAdmin, f"decline_{_reason.value}", decline_action(_reason))


class AnswerForm(forms.ModelForm):
    class Meta:
        model = Answer
        fields = ["question", "text"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "question" in self.fields:
            # What the writer's departments lead: a moderator who also reports is not
            # offered every department's questions.
            self.fields["question"].queryset = PublicInput.objects.visible_to(user).filter(
                state=PublicInput.State.PUBLISHED,
                kind__in=PublicInput.ANSWERED_KINDS,  # an objection is decided, not answered
                answer__isnull=True,
                project__lead_department__members=user,
            )
            self.fields["question"].error_messages["invalid_choice"] = (
                "只能答复本单位牵头的实事下已公开、尚未答复的留言。"
            )

    def clean(self):
        data = super().clean()
        question = data.get("question") or getattr(self.instance, "question", None)
        if question is not None:
            self.instance.question = question
            try:
                self.instance.check_writer(self.user)
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        if self.instance.pk and self.instance.state not in Answer.EDITABLE_STATES:
            raise ValidationError("答复已公开，不能再修改。")
        return data


class ReturnForm(ActionForm):
    note = forms.CharField(label="退回意见", required=False, max_length=500)


@admin.register(Answer)
class AnswerAdmin(HistoryAdmin):
    form = AnswerForm
    list_display = ["__str__", "department", "state", "written_at", "approved_at"]
    list_filter = ["state", "department"]
    list_select_related = ["department"]
    ordering = ["written_at", "pk"]  # oldest waiting first
    action_form = ReturnForm
    actions = ["approve_selected", "return_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class WithUser(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return WithUser

    def get_readonly_fields(self, request, obj=None):
        fixed = ["state", "department", "written_by", "written_at", "approved_at", "return_note"]
        if obj is not None:
            fixed = ["question_link", "question_text", *fixed]
            if not self.has_change_permission(request, obj):
                fixed.append("text")
        return fixed

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["question", "text"]
        return [
            "question_link",
            "question_text",
            "text",
            "state",
            "department",
            "written_by",
            "written_at",
            "approved_at",
            "return_note",
        ]

    def get_changeform_initial_data(self, request):
        return {"question": request.GET.get("question")}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The question answered, shown whole above the form: its text, place, photo,
        the day it came and the answer's deadline; on a new answer with none chosen,
        the questions waiting, each a link to answer it."""
        waiting = AnswerForm(user=request.user).fields["question"].queryset
        waiting = waiting.select_related("plan", "project", "site").order_by("received_at")
        if object_id is not None:
            answer = self.get_queryset(request).filter(pk=as_id(object_id)).first()
            shown = [answer.question] if answer else []
        elif as_id(request.GET.get("question")):
            shown = list(waiting.filter(pk=as_id(request.GET["question"])))
        else:
            shown = list(waiting)
        with_answer_dues(shown, clock.today())
        extra = {"questions": shown, "choosing": object_id is None and len(shown) != 1}
        return super().changeform_view(
            request, object_id, form_url, {**(extra_context or {}), **extra}
        )

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or obj.state in Answer.EDITABLE_STATES

    def has_delete_permission(self, request, obj=None):
        return False

    def has_moderate_permission(self, request):
        return can_moderate(request)

    def save_model(self, request, obj, form, change):
        if not request.user.has_perm("projects.add_answer"):
            raise PermissionDenied
        obj.department = obj.question.project.lead_department
        obj.written_by = request.user
        obj.written_at = clock.now()
        obj.state = Answer.State.SUBMITTED  # every edit goes back to the moderator
        super().save_model(request, obj, form, change)

    @admin.display(description="留言")
    def question_link(self, answer):
        url = reverse("admin:projects_publicinput_change", args=[answer.question_id])
        return format_html('<a href="{}">{}</a>', url, answer.question)

    @admin.display(description="留言内容")
    def question_text(self, answer):
        return answer.question.text

    @admin.action(description="批准公开所选答复", permissions=["moderate"])
    def approve_selected(self, request, queryset):
        act_on_each(
            self,
            request,
            queryset.select_related("question"),
            lambda answer: answer.approve(request.user),
            done="已公开 {n} 条答复。",
        )

    @admin.action(description="退回所选答复（填写退回意见）", permissions=["moderate"])
    def return_selected(self, request, queryset):
        note = request.POST.get("note", "")
        act_on_each(
            self,
            request,
            queryset,
            lambda answer: answer.return_to_writer(request.user, note),
            done="已退回 {n} 条答复。",
        )


class CandidateTargetInline(admin.TabularInline):
    model = CandidateTarget
    extra = 1
    fields = ["order", "name", "unit", "target_value", "kind"]


@admin.register(Candidate)
class CandidateAdmin(OpensOnPlan, HistoryAdmin):
    """Administrators draw up the candidates of a plan in 遴选 (Candidate.clean refuses
    any other stage); the election, not this page, makes them pledges."""

    plan_stage = Plan.Stage.SHORTLIST
    list_display = ["__str__", "lead_department", "investment", "state"]
    list_filter = [plan_filter("plan", Plan.Stage.SHORTLIST), "state"]
    list_select_related = ["plan", "lead_department"]
    inlines = [CandidateTargetInline]
    filter_horizontal = ["supporting_departments"]
    fields = [
        "plan",
        "order",
        "title",
        "pledge_text",
        "lead_department",
        "supporting_departments",
        "investment",
        "state",
        "project",
    ]
    readonly_fields = ["state", "project"]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.plan.stage == obj.plan.Stage.SHORTLIST)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class TallyFormSet(forms.BaseInlineFormSet):
    """The ballot paper checked whole before anything is stored (Ballot.check_tallies)."""

    def clean(self):
        super().clean()
        if any(self.errors) or not self.instance.plan_id:
            return
        tallies = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("candidate"):
                continue
            if data["candidate"] in tallies:
                raise ValidationError(f"{data['candidate'].title}：同一候选项目只能填一行票数。")
            tallies[data["candidate"]] = (
                data.get("votes_for"),
                data.get("votes_against"),
                data.get("abstentions"),
            )
        self.instance.check_tallies(tallies)


class TallyInline(admin.TabularInline):
    model = Tally
    formset = TallyFormSet
    extra = 0
    fields = ["candidate", "votes_for", "votes_against", "abstentions"]

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else 8

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "candidate":
            kwargs["queryset"] = Candidate.objects.filter(
                plan__stage=Plan.Stage.VOTE, state=Candidate.State.CANDIDATE
            ).select_related("plan")

        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BallotNoteForm(ActionForm):
    note = forms.CharField(label="作废原因", required=False, max_length=500)


@admin.register(Ballot)
class BallotAdmin(OpensOnPlan, HistoryAdmin):
    """Congress staff record a round of the vote with every candidate's tally; a record
    is never edited: a mistaken one is cancelled with its reason and entered again."""

    plan_stage = Plan.Stage.VOTE
    list_display = ["__str__", "held_on", "deputies", "present", "seats", "status"]
    list_filter = [plan_filter("plan", Plan.Stage.VOTE)]
    inlines = [TallyInline]
    action_form = BallotNoteForm
    actions = ["publish_selected", "cancel_selected"]
    fields = ["plan", "session", "held_on", "deputies", "present", "seats", "tied_from"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_publish_permission(self, request):
        return request.user.has_perm("projects.publish_ballot")

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="状态")
    def status(self, ballot):
        if ballot.cancelled_at:
            return f"已作废：{ballot.cancel_reason}"
        return "已公布" if ballot.published_at else "未公布"

    @admin.action(
        description="公布所选票决的结果（当选项目成为年度民生实事）", permissions=["publish"]
    )
    def publish_selected(self, request, queryset):
        act_on_each(
            self,
            request,
            queryset,
            lambda ballot: ballot.publish(request.user),
            each="已公布：{obj}。当选项目已成为年度民生实事。",
        )

    @admin.action(description="作废所选票决记录（填写作废原因）", permissions=["publish"])
    def cancel_selected(self, request, queryset):
        note = request.POST.get("note", "")
        act_on_each(
            self,
            request,
            queryset,
            lambda ballot: ballot.cancel(request.user, note),
            each="已作废：{obj}。",
        )


@admin.register(Rating)
class RatingAdmin(OpensOnPlan, HistoryAdmin):
    plan_stage = Plan.Stage.RATING
    list_display = ["project", "held_on", "satisfied", "basic", "unsatisfied", "verdict_label"]
    list_filter = [plan_filter("project__plan", Plan.Stage.RATING)]
    list_select_related = ["project__plan"]
    fields = ["project", "held_on", "satisfied", "basic", "unsatisfied"]

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = Project.objects.filter(plan__stage=Plan.Stage.RATING)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="结果")
    def verdict_label(self, rating):
        return rating.get_verdict_display()


@admin.register(Notice)
class NoticeAdmin(ReadOnly, HistoryAdmin):
    """完成公示: opened by an approved figure, closed by the calendar or an upheld
    objection; nothing here is typed, so everything is read-only (with its history)."""

    list_display = ["project", "opens_on", "published_on", "closes_on", "days", "upheld_on"]
    list_filter = [plan_filter("project__plan")]
    list_select_related = ["project"]
    fields = [
        "project",
        "report",
        "opens_on",
        "published_on",
        "closes_on",
        "days",
        "upheld_on",
        "upheld_by",
    ]
    readonly_fields = fields
