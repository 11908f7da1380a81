"""The officials' side of 挂牌督办 and of the alerts.

- 审核员 (the supervision office): opens a 督办 (from the 督查台账's links or by hand),
  closes it (销号) or sends it back with a reason; reads every alert and its deliveries;
- 填报员: sees their departments' 督办 and records the response (整改情况), once
  per opening: it goes to the office;
- 管理员: keeps each department's channels (e-mail, 企业微信 or 钉钉 robot; never
  deleted, switched off instead), reads the alerts and sends a given-up delivery again.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.html import format_html

from projects.admin.base import (
    HistoryAdmin,
    OfTheJurisdictionWorkedIn,
    OpensOnPlan,
    ReadOnly,
    act_on_each,
    plan_filter,
)
from projects.models import Alert, Channel, Delivery, Jurisdiction, Plan, Supervision
from projects.rules import clock


class NoteForm(ActionForm):
    note = forms.CharField(label="核查意见（退回时必填）", required=False, max_length=1000)


@admin.register(Supervision)
class SupervisionAdmin(OpensOnPlan, HistoryAdmin):
    list_display = [
        "__str__",
        "project",
        "department",
        "opened_on_display",
        "deadline",
        "state",
        "late",
    ]
    list_filter = ["state", "kind", plan_filter("plan"), "department"]
    list_select_related = ["department", "project__plan"]
    action_form = NoteForm
    actions = ["close_selected", "send_back_selected"]
    autocomplete_fields = ["project", "target"]
    raw_id_fields = ["question"]
    OPENING = ["plan", "kind", "project", "target", "question", "department"]
    TEXTS = ["problem", "requirement", "deadline"]
    RECORD = [
        "state",
        "opened_at",
        "opened_by",
        "responded_at",
        "responded_by",
        "review_note",
        "closed_at",
        "closed_by",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*self.OPENING, *self.TEXTS]
        return [*self.OPENING, *self.TEXTS, "response", *self.RECORD]

    def may_respond(self, request, obj):
        return (
            obj is not None
            and obj.state == Supervision.State.OPEN
            and request.user.departments.filter(pk=obj.department_id).exists()
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fields = [*self.OPENING, *self.TEXTS, "response", *self.RECORD]
        if self.may_respond(request, obj):
            fields.remove("response")
        return fields

    def has_add_permission(self, request):
        return request.user.has_perm("projects.add_supervision")

    def has_change_permission(self, request, obj=None):
        # A 督办 once opened is a record; only its department's response is typed.
        if obj is None:
            return super().has_change_permission(request)
        return super().has_change_permission(request, obj) and self.may_respond(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_close_permission(self, request):
        return request.user.has_perm("projects.close_supervision")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "plan":
            kwargs["queryset"] = Plan.objects.being_delivered()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            if not self.has_add_permission(request):
                raise PermissionDenied
            obj.opened_by = request.user
            obj.opened_at = clock.now()
            super().save_model(request, obj, form, change)
            return
        if not self.may_respond(request, obj):
            raise PermissionDenied
        try:
            obj.respond(request.user, form.cleaned_data.get("response") or "")
        except ValidationError as error:
            raise PermissionDenied(error.messages[0]) from None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "response" in form.base_fields:
            form.base_fields["response"].required = True
            form.base_fields["response"].error_messages["required"] = "请填写整改情况。"
        return form

    @admin.display(description="挂牌日期", ordering="opened_at")
    def opened_on_display(self, item):
        return item.opened_on

    @admin.display(description="逾期", boolean=True)
    def late(self, item):
        return item.is_late(clock.today())

    @admin.action(description="销号所选督办（整改已落实）", permissions=["close"])
    def close_selected(self, request, queryset):
        note = request.POST.get("note", "")
        act_on_each(
            self,
            request,
            queryset,
            lambda item: item.close(request.user, note),
            done="已销号 {n} 件督办，整改结果已公开。",
        )

    @admin.action(description="退回所选督办的反馈（须写核查意见）", permissions=["close"])
    def send_back_selected(self, request, queryset):
        note = request.POST.get("note", "")
        act_on_each(
            self,
            request,
            queryset,
            lambda item: item.send_back(request.user, note),
            done="已退回 {n} 件督办，责任单位须重新反馈。",
        )


@admin.register(Channel)
class ChannelAdmin(HistoryAdmin):
    plan_path = ""  # a channel is its jurisdiction's: its department's, or its office's

    list_display = ["__str__", "kind", "address_display", "active"]
    list_filter = ["kind", "active", "department"]
    fields = ["department", "kind", "address", "secret", "name", "active"]

    def has_delete_permission(self, request, obj=None):
        return False  # its deliveries stay on record: switch it off instead

    @admin.display(description="地址")
    def address_display(self, channel):
        return channel.shown_address

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "secret" in form.base_fields:
            # a secret is typed, never shown back
            form.base_fields["secret"].widget = forms.PasswordInput(render_value=False)
        return form

    def save_model(self, request, obj, form, change):
        if change and not form.cleaned_data.get("secret"):
            obj.secret = Channel.objects.get(pk=obj.pk).secret  # left empty: kept
        # the department's jurisdiction, or the office of the one worked in
        obj.jurisdiction = obj.department.jurisdiction if obj.department else None
        obj.jurisdiction = obj.jurisdiction or Jurisdiction.objects.served()
        super().save_model(request, obj, form, change)


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ["recipient", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="接收方")
    def recipient(self, delivery):
        return str(delivery.channel) if delivery.channel_id else "关注的公众（地址不显示）"


@admin.register(Alert)
class AlertAdmin(ReadOnly, OfTheJurisdictionWorkedIn, admin.ModelAdmin):
    plan_path = "plan"

    list_display = ["subject", "rule", "recipient_display", "day", "created_at", "delivery_summary"]
    list_filter = ["rule", "plan", "department"]
    search_fields = ["subject"]
    fields = ["rule", "key", "plan", "department", "day", "subject", "body", "link", "created_at"]
    readonly_fields = fields
    inlines = [DeliveryInline]
    list_select_related = ["department"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deliveries")

    @admin.display(description="接收方")
    def recipient_display(self, alert):
        return alert.recipient

    @admin.display(description="发送")
    def delivery_summary(self, alert):
        states = [d.state for d in alert.deliveries.all()]
        if not states:
            return "未配置接收渠道"
        sent = states.count(Delivery.State.SENT)
        failed = states.count(Delivery.State.FAILED)
        waiting = len(states) - sent - failed
        return f"已发 {sent} / 待发 {waiting} / 失败 {failed}"


@admin.register(Delivery)
class DeliveryAdmin(OfTheJurisdictionWorkedIn, admin.ModelAdmin):
    plan_path = "alert__plan"

    list_display = [
        "alert",
        "recipient",
        "state",
        "attempts",
        "error_display",
        "next_attempt_display",
        "sent_at",
    ]
    list_filter = ["state", "alert__rule"]
    list_select_related = ["alert", "channel__department"]
    actions = ["retry_selected"]
    fields = ["alert", "channel", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Only the 重新发送 action changes a delivery; its page is read-only.
        return obj is None and request.user.has_perm("projects.change_delivery")

    def has_retry_permission(self, request):
        return request.user.has_perm("projects.change_delivery")

    @admin.display(description="接收方")
    def recipient(self, delivery):
        return str(delivery.channel) if delivery.channel_id else "关注的公众（地址不显示）"

    @admin.display(description="下次尝试时间", ordering="next_attempt_at")
    def next_attempt_display(self, delivery):
        if delivery.state != Delivery.State.PENDING:
            return "—"
        return timezone.localtime(delivery.next_attempt_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description="最近一次错误")
    def error_display(self, delivery):
        if not delivery.last_error:
            return "—"
        return format_html(
            '<span title="{}">{}</span>', delivery.last_error, delivery.last_error[:60]
        )

    @admin.action(description="重新发送所选的失败提醒", permissions=["retry"])
    def retry_selected(self, request, queryset):
        act_on_each(
            self,
            request,
            queryset,
            lambda delivery: delivery.retry(),
            done="已把 {n} 条提醒放回发送队列，下次发送时发出。",
        )
