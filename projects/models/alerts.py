"""Alerts to the people responsible, and the public's follows of a project.

Where each rule lives:
- where a department's alerts go: its `Channel`s (e-mail, 企业微信 or 钉钉 group robot),
  set by administrators; a channel with no department is the supervision office's;
  what a robot address may be: `Channel.clean` with `check_robot_url` below (https,
  a host on ALERT_ROBOT_HOSTS), checked again when sending;
- what is due and to whom: `projects/alerts/due.py` (each rule, its key, its period);
- once per thing and period: `Alert.key` is unique, so an alert is written once
  however often the rules run; each recipient is a `Delivery`, written with its alert
  in one transaction and marked sent right after it went out, so a crash loses none
  and resends at most the one in flight; a failure is retried with backoff
  (`Delivery.failed`, ALERT_RETRY_MINUTES) and shows in the admin;
- the public's follows: `Follow`, double opt-in (`confirm`), deleted on unsubscribe;
  the address is never shown anywhere but in the message sent to it.
"""

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models.jurisdictions import Jurisdiction
from projects.models.plans import Department, Plan
from projects.models.tracking import Project
from projects.rules import clock, receipts


class Channel(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")

    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="channels",
        verbose_name="责任单位",
        help_text="留空表示督查室（接收审核、异议和全区汇总的提醒）。",
    )
    # Whose: a department's channel is its department's jurisdiction's, an office's (no
    # department) that office's; set when saved in the admin (admin/alerts.py). One
    # without is the home jurisdiction's, as every channel was before there were several.
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="行政区划",
    )
    kind = models.CharField("方式", max_length=20, choices=Kind, default=Kind.EMAIL)
    address = models.CharField(
        "地址",
        max_length=500,
        help_text="电子邮件地址，或群机器人的 Webhook 地址（https://qyapi.weixin.qq.com/… "
        "或 https://oapi.dingtalk.com/robot/send?access_token=…）。",
    )
    secret = models.CharField(
        "加签密钥",
        max_length=200,
        blank=True,
        help_text="钉钉机器人安全设置选“加签”时填写（SEC 开头）。",
    )
    name = models.CharField("说明", max_length=100, blank=True, help_text="如“办公室 张科长”。")
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("添加时间", default=clock.now, editable=False)

    # Who changed a channel and when; never its address or secret (a robot's key).
    history = HistoricalRecords(excluded_fields=["address", "secret"])

    class Meta:
        ordering = ["department", "kind", "pk"]
        verbose_name = "提醒接收渠道"
        verbose_name_plural = "提醒接收渠道"

    def __str__(self):
        owner = self.department or "督查室"
        return f"{owner}：{self.get_kind_display()}{f'（{self.name}）' if self.name else ''}"

    @property
    def shown_address(self):
        """The address as the admin lists it: a robot's key never in full."""
        if self.kind == self.Kind.EMAIL:
            return self.address
        return self.address.split("?")[0] + "?…"

    def clean(self):
        self.address = self.address.strip()
        if self.kind == self.Kind.EMAIL:
            try:
                validate_email(self.address)
            except ValidationError:
                raise ValidationError({"address": "请填写有效的电子邮件地址。"}) from None
            if self.secret:
                raise ValidationError({"secret": "电子邮件不需要加签密钥。"})
            return
        message = check_robot_url(self.address, self.kind)
        if message:
            raise ValidationError({"address": message})
        if self.kind == self.Kind.WECOM and self.secret:
            raise ValidationError({"secret": "企业微信群机器人没有加签密钥，请留空。"})
        if self.secret and not self.secret.startswith("SEC"):
            raise ValidationError({"secret": "钉钉加签密钥以 SEC 开头，请从机器人安全设置中复制。"})


class FollowQuerySet(models.QuerySet):
    def news(self):
        """Confirmed follows of a project's news (not a writer's wait for an answer)."""
        return self.filter(item__isnull=True, confirmed_at__isnull=False)


class Follow(models.Model):
    """A member of the public following a project by e-mail: kept once confirmed (double
    opt-in), deleted on unsubscribe; an unconfirmed one is deleted after
    FOLLOW_CONFIRM_DAYS, and all of a plan's once it is archived (`purge_contacts`)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="follows", verbose_name="实事"
    )
    # A writer waiting for the answer to their item (asked on its tracking page), not
    # for the project's news; `sealed_link` is its tracking link for that one mail,
    # sealed (rules/receipts.py).
    item = models.ForeignKey(
        "PublicInput",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="follows",
        verbose_name="留言",
    )
    sealed_link = models.CharField(max_length=64, blank=True, editable=False)
    email = models.EmailField("电子邮件", max_length=254)
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("订阅时间", default=clock.now, editable=False)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True, editable=False)

    objects = FollowQuerySet.as_manager()

    class Meta:
        ordering = ["project", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "email"],
                condition=Q(item__isnull=True),
                name="one_follow_an_address",
            ),
            models.UniqueConstraint(
                fields=["item", "email"],
                condition=Q(item__isnull=False),
                name="one_answer_mail_an_address",
            ),
        ]
        verbose_name = "邮件关注"
        verbose_name_plural = "邮件关注"

    def __str__(self):
        return f"关注 #{self.pk}（{self.project}）"

    def save(self, *args, **kwargs):
        if not self.token:
            self.token = secrets.token_urlsafe(32)
        super().save(*args, **kwargs)

    def seal_link(self, tracking_token):
        """Keep the item's tracking link, sealed, for the mail that says it is answered."""
        if not self.token:
            self.token = secrets.token_urlsafe(32)
        self.sealed_link = receipts.seal(tracking_token, self.token)

    def tracking_token(self):
        """The item's tracking token, or None (no seal, or one made under another key)."""
        if not (self.item_id and self.sealed_link):
            return None
        return receipts.unseal(self.sealed_link, self.token, self.item.tracking_hash)

    @classmethod
    def purge(cls, now):
        """Delete what is no longer needed; how many were deleted."""
        stale = now - timedelta(days=settings.FOLLOW_CONFIRM_DAYS)
        expired = cls.objects.filter(
            confirmed_at__isnull=True, created_at__lt=stale
        ) | cls.objects.filter(project__plan__archived_at__isnull=False)
        return expired.delete()[1].get("projects.Follow", 0)

    def confirm(self):
        """Confirm once: a second confirmation changes nothing and says so."""
        claimed = Follow.objects.filter(pk=self.pk, confirmed_at__isnull=True).update(
            confirmed_at=clock.now()
        )
        if not claimed:
            raise ValidationError("该订阅已经确认过，无需再次确认。")
        self.refresh_from_db(fields=["confirmed_at"])


class Alert(models.Model):
    class Rule(models.TextChoices):
        REPORT_SOON = "report_soon", _("三天后截止填报")
        REPORT_TODAY = "report_today", _("今天截止填报")
        REPORT_MISSED = "report_missed", _("逾期未报")
        REVIEW_WAITING = "review_waiting", _("填报等待审核超过时限")
        SUPERVISION_SOON = "supervision_soon", _("督办三天后到期")
        SUPERVISION_TODAY = "supervision_today", _("督办今天到期")
        SUPERVISION_MISSED = "supervision_missed", _("督办逾期未反馈")
        STATUS_WORSE = "status_worse", _("指标转为推进缓慢或更差")
        QUESTION_OVERDUE = "question_overdue", _("留言超期未答复")
        OBJECTION_WAITING = "objection_waiting", _("公示异议待认定")
        STEP_LATE = "step_late", _("手续节点逾期")
        PAYMENT_LAGGING = "payment_lagging", _("验收后工程款拖欠")
        MONEY_LAGGING = "money_lagging", _("支出滞后或开工资金不足")
        DIGEST = "digest", _("每周汇总")
        RECEIVED = "received", _("收到群众留言，待审核")
        FOLLOW_CONFIRM = "follow_confirm", _("确认关注")
        FOLLOW_FIGURE = "follow_figure", _("关注的实事有新进度")
        FOLLOW_STATUS = "follow_status", _("关注的实事状态变化")
        FOLLOW_ANSWER = "follow_answer", _("留言已有公开答复")

    key = models.CharField("编号", max_length=200, unique=True, editable=False)
    rule = models.CharField("规则", max_length=30, choices=Rule, editable=False)
    plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="年度计划",
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name="责任单位",
    )
    day = models.DateField("所属日期")
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("生成时间", default=clock.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "提醒"
        verbose_name_plural = "提醒"

    def __str__(self):
        return self.subject

    @property
    def recipient(self):
        if self.rule.startswith("follow_"):
            return "关注的公众"
        return str(self.department or "督查室")


ROBOT_PATHS = {
    Channel.Kind.WECOM: ("/cgi-bin/webhook/send", "key"),
    Channel.Kind.DINGTALK: ("/robot/send", "access_token"),
}


def check_robot_url(url, kind):
    """A Chinese message saying what is wrong with a robot's address, or ''."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "群机器人地址必须以 https:// 开头。"
    host = (parts.hostname or "").lower()
    allowed = [h.lower() for h in settings.ALERT_ROBOT_HOSTS]
    if host not in allowed:
        return f"群机器人地址的主机 {host or '（空）'} 不在允许的范围内（{'、'.join(allowed)}）。"
    if parts.username or parts.password or parts.port not in (None, 443):
        return "群机器人地址不能带用户名、密码或其他端口。"
    path, key = ROBOT_PATHS[kind]
    # A 政务钉钉 host may use its own path; the public hosts have their documented one.
    if host in ("qyapi.weixin.qq.com", "oapi.dingtalk.com") and parts.path != path:
        return f"地址路径应为 {path}，请从群机器人设置中完整复制 Webhook 地址。"
    if f"{key}=" not in parts.query:
        return f"地址中缺少 {key}=…，请从群机器人设置中完整复制 Webhook 地址。"
    return ""


class DeliveryQuerySet(models.QuerySet):
    def due(self, now=None):
        """Pending deliveries whose time has come and that nobody is sending right now."""
        now = now or clock.now()
        return self.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now).filter(
            Q(leased_until__isnull=True) | Q(leased_until__lt=now)
        )


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败，已停止重试")

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="deliveries", verbose_name="提醒"
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name="渠道",
    )
    follow = models.ForeignKey(
        Follow,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name="关注",
    )
    state = models.CharField("状态", max_length=20, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", default=clock.now)
    # Taken by a sender while it sends: another sender leaves it alone until then.
    leased_until = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    last_error = models.TextField("最近一次错误", blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__isnull=False, follow__isnull=True)
                | Q(channel__isnull=True, follow__isnull=False),
                name="delivery_one_recipient",
            ),
            models.UniqueConstraint(fields=["alert", "channel"], name="one_delivery_a_channel"),
            models.UniqueConstraint(fields=["alert", "follow"], name="one_delivery_a_follow"),
        ]
        verbose_name = "提醒发送"
        verbose_name_plural = "提醒发送"

    def __str__(self):
        return f"{self.alert}（{self.channel or '关注的公众'}）"

    def failed(self, error, now=None):
        """Try again later, each time later (ALERT_RETRY_MINUTES), then stop."""
        now = now or clock.now()
        delays = settings.ALERT_RETRY_MINUTES
        attempts = self.attempts + 1
        changes = {"attempts": attempts, "last_error": str(error)[:2000], "leased_until": None}
        if attempts > len(delays):
            changes["state"] = self.State.FAILED
        else:
            changes["next_attempt_at"] = now + timedelta(minutes=delays[attempts - 1])
        self.record(changes)

    def sent(self, now=None):
        now = now or clock.now()
        changes = {
            "state": self.State.SENT,
            "sent_at": now,
            "attempts": self.attempts + 1,
            "leased_until": None,
        }
        self.record(changes)

    def record(self, changes):
        """Write `changes` to this row alone (not a save: a sender holds only its lease)."""
        Delivery.objects.filter(pk=self.pk).update(**changes)
        for name, value in changes.items():
            setattr(self, name, value)

    def retry(self):
        """An administrator's 重新发送 of a delivery that gave up."""
        if self.state != self.State.FAILED:
            raise ValidationError("只有发送失败的提醒可以重新发送。")
        Delivery.objects.filter(pk=self.pk).update(
            state=self.State.PENDING, next_attempt_at=clock.now(), attempts=0
        )
