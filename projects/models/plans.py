"""Plans, projects, targets and progress reports, with every derived figure.

Where each rule lives:
- what the public may see: `ProgressReport.objects.approved()` and `Plan.objects.published()`;
- what an official may see: the `visible_to(user)` queryset methods and `sees_all_departments`;
- a target's current value, percent and status: `TargetQuerySet.with_progress()` (in the
  database; the status rules themselves are in `pace.py`);
- a project's and a plan's percent, status and completion: `Project.percent`,
  `Project.status`, `PlanProgress`, from those annotated targets, never a query per row;
- what a report may say: `ProgressReport.clean()`; how it moves through review: its
  `submit`, `approve`, `return_to_reporter` and `withdraw` methods.
"""

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from statistics import fmean

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Case, Count, F, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import clock, pace
from ..formatting import figure
from ..numerals import chinese_numeral

# Targets judged in one query (TargetQuerySet.judge): each brings some 27 parameters,
# and SQLite's default limit is 32,766.
JUDGED_TARGETS = 500

# The order that makes a target's current approved report the first: the latest as-of
# date and, of one date, the latest entry (ProgressReportQuerySet.current_first).
CURRENT_FIRST = ("-as_of", "-pk")

# Public pages list this many of a target's latest approved reports; the whole history
# is in the CSV and the API.
RECENT_REPORTS = 10

# No plan, figure or rule of this tracker is older; `?as_of=` goes back no further.
EARLIEST_DAY = date(2000, 1, 1)
# A plan's year is from EARLIEST_DAY's to this; the API's document states both bounds
# for `?plan=`.
LAST_PLAN_YEAR = 2100

# A forecast further out than this says only "not at this pace"; none is shown.
FORECAST_HORIZON_DAYS = 3650

# A figure can be at most this large: 999,999,999,999.99 (counts, households, kilometres).
VALUE_MAX_DIGITS = 14
VALUE_DECIMAL_PLACES = 2


VALUE_ERRORS = {
    "invalid": "请填写数字，例如 1200 或 12.5。",
    "max_digits": "数值过大：整数部分最多 12 位。",
    "max_whole_digits": "数值过大：整数部分最多 12 位。",
    "max_decimal_places": "最多填写 2 位小数。",
}


def value_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name,
        max_digits=VALUE_MAX_DIGITS,
        decimal_places=VALUE_DECIMAL_PLACES,
        error_messages=VALUE_ERRORS,
        **kwargs,
    )


# A public call for candidate projects runs at least a month (Henan's 人大代表票决制
# guidance: 公开征集 不少于一个月).
CALL_MIN_DAYS = 30

CALL_RULES = (
    "推荐的项目应当普惠于群众、当年能够完成，不受理只涉及个别住户的诉求；"
    "投诉、信访和诉讼事项请通过相应渠道反映。"
)


def hands_in_history(obj, fields):
    """Whoever, in `obj`'s history, saved a change to any of `fields` (what it says):
    none of them may approve it."""
    hands, previous = set(), None
    records = obj.history.order_by("history_date", "history_id")
    for record in records.values("history_user_id", *fields):
        entry = tuple(record[name] for name in fields)
        if entry != previous:
            hands.add(record["history_user_id"])
        previous = entry
    return hands - {None}


def official_field(verbose_name, blank=True):
    """Who among the officials did something to a row: kept with it, never edited."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=blank,
        editable=False,
        related_name="+",
        verbose_name=verbose_name,
    )


class ReviewedEntry(models.Model):
    """An entry officials type and a reviewer approves, as a figure (a site's stage
    change, a practical matter): its state, who entered and who reviewed it, when. Each
    review step claims the row in the state it was read in (two reviewers cannot both
    act), and nobody reviews what their own hand entered or changed (`ENTRY_FIELDS` in
    its history). `WHAT` names it in messages."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已审核")
        RETURNED = "returned", _("已退回")

    EDITABLE_STATES = (State.SUBMITTED, State.RETURNED)
    ENTRY_FIELDS = ()
    WHAT = "填报"

    state = models.CharField(
        "状态", max_length=20, choices=State, default=State.SUBMITTED, editable=False
    )
    created_by = official_field("填报人")
    created_at = models.DateTimeField("填报时间", default=clock.now, editable=False)
    reviewed_by = official_field("审核人")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True, editable=False)
    review_note = models.TextField("退回原因", blank=True, editable=False)

    class Meta:
        abstract = True

    def hands(self):
        """Whoever entered or changed what the entry says (its history)."""
        return ({self.created_by_id} | hands_in_history(self, self.ENTRY_FIELDS)) - {None}

    def check_reviewer(self, user):
        # Who may review at all is the admin's action permission (review_progressreport),
        # as for figures; here, that nobody reviews their own hand.
        if user.pk in self.hands():
            raise ValidationError(f"不能审核自己填报或修改过的{self.WHAT}。")

    def _move(self, user, to_state, **changes):
        claimed = (
            type(self)
            .objects.filter(pk=self.pk, state=self.State.SUBMITTED)
            .update(state=to_state, reviewed_by=user, reviewed_at=clock.now(), **changes)
        )
        if not claimed:
            self.refresh_from_db(fields=["state"])
            raise ValidationError(
                f"该{self.WHAT}当前为“{self.get_state_display()}”，不能进行此操作。"
            )
        self.refresh_from_db()
        self._history_user = user
        self.save()

    def return_to_reporter(self, user, reason):
        if not reason.strip():
            raise ValidationError("退回时必须说明原因。")
        self.check_reviewer(user)
        with transaction.atomic():
            self._move(user, self.State.RETURNED, review_note=reason.strip())


def in_published_plan(path=None):
    """The one definition of published: a filter for plans the public may see, or (with
    `path`, the way from a row to its plan: "plan", "project__plan") for the rows that
    belong to one. Every `public()` queryset starts from it."""
    return Q(**{f"{path}__is_published" if path else "is_published": True})


class PlanQuerySet(models.QuerySet):
    def published(self):
        """Plans the public may see."""
        return self.filter(in_published_plan())

    def delivering(self):
        """Published plans whose pledges are decided: in 实施 or later."""
        return self.published().filter(stage__in=Plan.PLEDGED_STAGES)

    def current(self):
        """The newest plan in 实施 or later, or None."""
        return self.delivering().order_by("-year").first()

    def taking_input(self):
        """Plans not archived: the only ones that take figures, matters, reviews and
        the public's input (`Plan.check_takes_input`)."""
        return self.filter(archived_at__isnull=True)

    def calling(self, day=None):
        """Published plans whose public call is open on `day` (today)."""
        day = day or clock.today()
        return self.published().filter(
            stage=Plan.Stage.CALL, call_opens__lte=day, call_closes__gte=day
        )


class Plan(models.Model):
    class Stage(models.TextChoices):
        """The year of a plan under 人大代表票决制, in order."""

        CALL = "call", _("征集")
        SHORTLIST = "shortlist", _("遴选")
        VOTE = "vote", _("票决")
        DELIVERY = "delivery", _("实施")
        RATING = "rating", _("测评")
        ARCHIVED = "archived", _("归档")

    # From 实施 on, the plan's projects are its pledges.
    PLEDGED_STAGES = (Stage.DELIVERY, Stage.RATING, Stage.ARCHIVED)

    year = models.PositiveSmallIntegerField(
        "年度",
        unique=True,
        validators=[MinValueValidator(EARLIEST_DAY.year), MaxValueValidator(LAST_PLAN_YEAR)],
    )
    title = models.CharField("标题", max_length=200)
    title_en = models.CharField("英文标题", max_length=200, blank=True)
    announced_on = models.DateField(
        "公布日期", null=True, blank=True, help_text="原文未注明具体日期时留空，在来源说明中写明。"
    )
    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    source_name = models.CharField("来源", max_length=300, blank=True)
    source_url = models.URLField("来源链接", blank=True)
    source_text = models.TextField("来源原文", blank=True)
    is_published = models.BooleanField(
        "公开",
        default=True,
        help_text="公开后，本计划的规则（如滞后的判断界限）不能再改，只能记录自以后某日起的调整；"
        "需要不同于默认值的规则时，先不勾选公开，改好规则后再公开。",
    )
    published_at = models.DateTimeField(
        "首次公开时间",
        null=True,
        blank=True,
        editable=False,
        help_text="首次公开后，本计划的规则（如滞后的判断界限）只能另行记录自某日起的调整。",
    )
    demo_data = models.BooleanField(
        "演示数据",
        default=False,
        editable=False,
        help_text="由 make demo 生成的演示进度；每个页面都会标明。",
    )
    # Set with the plan's PlanArchive (projects/archive.py), on the plan itself so that a
    # report's checks read it with the plan they already load.
    archived_at = models.DateTimeField(
        "归档时间",
        null=True,
        blank=True,
        editable=False,
        help_text="归档后数据定稿：不再接受填报和审核，数据包不再改变。",
    )

    stage = models.CharField(
        "阶段",
        max_length=20,
        choices=Stage,
        default=Stage.DELIVERY,
        help_text="征集 → 遴选 → 票决 → 实施 → 测评 → 归档，只能向后推进。"
        "按公告直接录入的计划（如 2021 年）从实施开始。",
    )
    call_opens = models.DateField("征集开始", null=True, blank=True)
    call_closes = models.DateField(
        "征集截止", null=True, blank=True, help_text=f"征集期不少于 {CALL_MIN_DAYS} 天。"
    )
    call_rules = models.TextField("征集要求", blank=True, default=CALL_RULES)
    matters_claim = models.CharField(
        "公告所称为群众办实事",
        max_length=200,
        blank=True,
        help_text="公告原话，如“截至目前，全区各级各部门为群众办实事1000余项”；"
        "公开页面把已登记、经审核的事项数与它并列。",
    )

    objects = PlanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = "年度计划"
        verbose_name_plural = "年度计划"

    def __str__(self):
        return f"{self.year}年 {self.title}"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        if self.is_published and self.published_at is None:
            self.published_at = clock.now()
        super().save(*args, **kwargs)
        if adding:
            today = clock.today()
            PlanRule.objects.bulk_create(
                PlanRule(
                    plan=self,
                    name=name,
                    value=PlanRule.default(name),
                    valid_from=today if name in PlanRule.FROM_THE_DAY_SET else EARLIEST_DAY,
                )
                for name in PlanRule.Name
            )

    def get_absolute_url(self):
        return reverse("projects:plan", args=[self.year])

    def check_takes_input(self, what="填报或审核"):
        """An archived plan's data is final: nothing more is entered, reviewed or sent
        for it, whichever way it comes (a form, the admin, an import, the API or a
        command all reach this through a model's clean). `what`: what is refused."""
        if self.archived_at:
            raise ValidationError(f"{self.year}年度计划已归档，数据已定稿，不再接受{what}。")

    def clean(self):
        if self.period_start and self.period_end and self.period_start >= self.period_end:
            raise ValidationError({"period_end": "周期结束日期必须晚于开始日期。"})
        self.check_call()
        self.check_stage_order()

    def check_call(self):
        opens, closes = self.call_opens, self.call_closes
        if (opens is None) != (closes is None):
            raise ValidationError({"call_closes": "征集开始和截止日期须同时填写。"})
        if opens and (closes - opens).days + 1 < CALL_MIN_DAYS:
            raise ValidationError(
                {
                    "call_closes": f"征集期不少于 {CALL_MIN_DAYS} 天"
                    f"（现为 {(closes - opens).days + 1} 天）。"
                }
            )
        if self.stage == self.Stage.CALL and opens is None:
            raise ValidationError({"call_opens": "进入征集阶段前，请填写征集开始和截止日期。"})

    def check_stage_order(self):
        """A plan's year goes one way: no stage is entered twice."""
        if self._state.adding or not self.pk:
            return
        stored = Plan.objects.filter(pk=self.pk).values_list("stage", flat=True).first()
        order = list(self.Stage.values)
        if stored and order.index(self.stage) < order.index(stored):
            was = self.Stage(stored).label
            raise ValidationError({"stage": f"阶段只能向后推进：本计划已在“{was}”阶段。"})

    @property
    def stages(self):
        """[(label, "done" | "current" | "next")] for the stage strip on every page."""
        order = list(self.Stage)
        now = order.index(self.Stage(self.stage))
        return [
            (stage.label, "done" if i < now else "current" if i == now else "next")
            for i, stage in enumerate(order)
        ]

    @property
    def is_pledged(self):
        """Whether the plan's projects are its pledges (实施 or later)."""
        return self.stage in self.PLEDGED_STAGES

    @property
    def has_cycle_record(self):
        """Whether the plan has a public call on record (else it was entered directly)."""
        return self.call_opens is not None

    def call_is_open(self, day=None):
        day = day or clock.today()
        return (
            self.stage == self.Stage.CALL
            and self.call_opens is not None
            and self.call_opens <= day <= self.call_closes
        )

    @property
    def rules_fixed(self):
        """Once public (or being made public), a rule is never rewritten: it changes by
        a new value from a later day."""
        return self.is_published or self.published_at is not None

    def rules_on(self, day):
        """The plan's rules as they stood on `day` (one query)."""
        rows = list(self.rules.on(day))
        values = {}
        for rule in rows:
            values.setdefault(rule.name, rule.value)
        changes = sorted(
            (r for r in rows if r.valid_from > EARLIEST_DAY), key=lambda r: r.valid_from
        )
        return RulesInForce(day, values, changes)

    def dated_rule(self, name):
        """day → the value of rule `name` in force that day, None before it was first
        set: one query, for as many days as need it."""
        rows = list(
            self.rules.filter(name=name)
            .order_by("valid_from", "pk")
            .values_list("valid_from", "value")
        )

        def value(day):
            found = [value for valid_from, value in rows if valid_from <= day]
            return found[-1] if found else None

        return value

    def progress(self, as_of=None):
        """The plan's projects with their figures, and the plan's totals (a few queries)."""
        projects = list(self.projects.with_progress(as_of))
        return PlanProgress(projects)


def months(start, end, day):
    """(first day, last day) of each month from `start`'s to `end`'s, up to `day`."""
    end = min(end, day)
    first = start.replace(day=1)
    while first <= end:
        following = (first + timedelta(days=32)).replace(day=1)
        yield first, min(following - timedelta(days=1), day)
        first = following


@dataclass
class RulesInForce:
    """A plan's rules on a day: `values` {name: value in force}, and `changes`, the
    values that took effect after the plan's start up to that day, oldest first (every
    page that judges by a rule says when it changed)."""

    day: date
    values: dict
    changes: list


class PlanRuleQuerySet(models.QuerySet):
    def on(self, day):
        """The values dated on or before `day`, latest first: the first of each rule is
        the one in force that day. Every page, list and check takes rules this way."""
        return self.filter(valid_from__lte=day).order_by("-valid_from", "-pk")


class PlanRule(models.Model):
    """A rule stored with its plan, because it decides what the plan's pages say: a
    page of a past day must say what it said then, whatever the settings say today.

    A new plan takes each rule's default from the settings. Until the plan is first
    published the value may be edited; after that a rule changes only by a new value
    in force from a later day, recorded with who and why, and each day is judged by
    the value in force on it (`PlanRuleQuerySet.on`).
    """

    class Name(models.TextChoices):
        PACE_SLOW_POINTS = "pace_slow_points", _("推进缓慢的界限（落后序时进度的百分点）")
        PACE_SEVERE_POINTS = "pace_severe_points", _("严重滞后的界限（落后序时进度的百分点）")
        ANSWER_WORKING_DAYS = "answer_working_days", _("留言答复时限（工作日）")
        ONLINE_DISSATISFIED_SHARE = (
            "online_dissatisfied_share",
            _("码上评“不满意”占比的督查界限（百分比）"),
        )
        ONLINE_RATING_MINIMUM = "online_rating_minimum", _("码上评计入督查所需的当月评价数")
        ONLINE_RATING_NETWORKS = (
            "online_rating_networks",
            _("码上评计入督查所需的当月来源网络数（IPv4 按 /24，IPv6 按 /48）"),
        )
        ONLINE_RATINGS_PER_ADDRESS = (
            "online_ratings_per_address",
            _("码上评每个网络地址每月对一件实事的评价上限"),
        )
        NOTICE_DAYS = "notice_days", _("完成公示期（天）")
        REPORTING_DAY = "reporting_day", _("每月填报截止日（日，超过当月天数按月末）")
        REVIEW_DAYS = "review_days", _("填报等待审核的提醒界限（天）")
        ELECTION_SHARE = "election_share", _("当选所需赞成票（超过在任代表的百分比）")
        RATING_SHARE = "rating_share", _("满意度测评的界限（超过有效票的百分比）")

    # The setting that gives each rule's value for a new plan, and the values it may take.
    SETTINGS = {
        Name.PACE_SLOW_POINTS: "PACE_SLOW_POINTS",
        Name.PACE_SEVERE_POINTS: "PACE_SEVERE_POINTS",
        Name.ANSWER_WORKING_DAYS: "ANSWER_WORKING_DAYS",
        Name.ELECTION_SHARE: "ELECTION_SHARE_PERCENT",
        Name.RATING_SHARE: "RATING_SHARE_PERCENT",
        Name.ONLINE_DISSATISFIED_SHARE: "ONLINE_DISSATISFIED_PERCENT",
        Name.ONLINE_RATING_MINIMUM: "ONLINE_RATING_MINIMUM",
        Name.ONLINE_RATING_NETWORKS: "ONLINE_RATING_NETWORKS",
        Name.ONLINE_RATINGS_PER_ADDRESS: "ONLINE_RATINGS_PER_ADDRESS",
        Name.NOTICE_DAYS: "NOTICE_DAYS",
        Name.REPORTING_DAY: "REPORTING_DAY",
        Name.REVIEW_DAYS: "REVIEW_DAYS",
    }
    BOUNDS = {
        Name.PACE_SLOW_POINTS: (Decimal("0.1"), Decimal("100")),
        Name.PACE_SEVERE_POINTS: (Decimal("0.1"), Decimal("100")),
        Name.ANSWER_WORKING_DAYS: (Decimal("1"), Decimal("60")),
        Name.ELECTION_SHARE: (Decimal("1"), Decimal("99")),
        Name.RATING_SHARE: (Decimal("1"), Decimal("99")),
        Name.ONLINE_DISSATISFIED_SHARE: (Decimal("1"), Decimal("99")),
        Name.ONLINE_RATING_MINIMUM: (Decimal("1"), Decimal("10000")),
        Name.ONLINE_RATING_NETWORKS: (Decimal("1"), Decimal("10000")),
        Name.ONLINE_RATINGS_PER_ADDRESS: (Decimal("1"), Decimal("10000")),
        Name.NOTICE_DAYS: (Decimal("1"), Decimal("60")),
        Name.REPORTING_DAY: (Decimal("1"), Decimal("31")),
        Name.REVIEW_DAYS: (Decimal("1"), Decimal("30")),
    }
    # Rules counted in whole units.
    WHOLE = {
        Name.ANSWER_WORKING_DAYS,
        Name.ONLINE_RATING_MINIMUM,
        Name.ONLINE_RATING_NETWORKS,
        Name.ONLINE_RATINGS_PER_ADDRESS,
        Name.NOTICE_DAYS,
        Name.REPORTING_DAY,
        Name.REVIEW_DAYS,
    }
    # Rules in force only from the day they are set on a plan, never from its start: what
    # a project went through before (公示) is not redone after the fact, and no report
    # was due before there was a reporting day to meet; no month of 码上评 is judged
    # by networks nobody counted then.
    FROM_THE_DAY_SET = {
        Name.NOTICE_DAYS,
        Name.REPORTING_DAY,
        Name.ONLINE_RATING_NETWORKS,
        Name.ONLINE_RATINGS_PER_ADDRESS,
    }
    # Pairs (lower, higher, what is wrong) the lower must stay below on every day: 推进缓慢
    # before 严重滞后, and one address never able to fill the ledger's minimum alone.
    ORDERED = [
        (
            Name.PACE_SLOW_POINTS,
            Name.PACE_SEVERE_POINTS,
            "推进缓慢的界限（{low}）须小于严重滞后的界限（{high}）",
        ),
        (
            Name.ONLINE_RATINGS_PER_ADDRESS,
            Name.ONLINE_RATING_MINIMUM,
            "码上评每个网络地址的上限（{low}）须小于计入督查所需的评价数（{high}）",
        ),
    ]

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="rules", verbose_name="年度计划"
    )
    name = models.CharField("规则", max_length=40, choices=Name)
    value = models.DecimalField("数值", max_digits=8, decimal_places=2, error_messages=VALUE_ERRORS)
    valid_from = models.DateField(
        "起用日期", help_text="自该日起按此数值判断；计划公开后只能从明天或以后起用。"
    )
    reason = models.TextField("调整原因", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="记录人",
    )
    recorded_at = models.DateTimeField("记录时间", default=clock.now, editable=False)

    objects = PlanRuleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "name", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "name", "valid_from"], name="one_rule_value_a_day"
            )
        ]
        verbose_name = "计划规则"
        verbose_name_plural = "计划规则"

    def __str__(self):
        return f"{self.get_name_display()}：{figure(self.value)}（{self.valid_from_display}起）"

    def save(self, *args, **kwargs):
        if self.rewrites_a_fixed_value():
            raise ValidationError(
                "计划已公开，已记录的规则不能修改，只能另行记录自以后某日起的调整。"
            )
        super().save(*args, **kwargs)

    def rewrites_a_fixed_value(self):
        """Whether saving would change a stored value of a plan already public."""
        if self._state.adding or not self.plan.rules_fixed:
            return False
        stored = PlanRule.objects.filter(pk=self.pk).values_list(
            "plan", "name", "value", "valid_from", "reason"
        )
        return stored.get() != (self.plan_id, self.name, self.value, self.valid_from, self.reason)

    @property
    def valid_from_display(self):
        return "自始" if self.valid_from == EARLIEST_DAY else f"{self.valid_from:%Y-%m-%d}"

    @classmethod
    def default(cls, name):
        return Decimal(getattr(settings, cls.SETTINGS[name]))

    def clean(self):
        errors = {}
        if self.value is not None and self.name in self.BOUNDS:
            low, high = self.BOUNDS[self.name]
            if not low <= self.value <= high:
                errors["value"] = f"数值须在 {figure(low)} 至 {figure(high)} 之间。"
            elif self.name in self.WHOLE and self.value != int(self.value):
                errors["value"] = "请填写整数。"
        if self.rewrites_a_fixed_value():
            raise ValidationError(
                "计划已公开，已记录的规则不能修改，只能另行记录自以后某日起的调整。"
            )
        if self.plan_id and self.plan.rules_fixed and self.valid_from:
            tomorrow = clock.today() + timedelta(days=1)
            if self._state.adding and self.valid_from < tomorrow:
                errors["valid_from"] = (
                    f"计划已公开，已经公布的日子不能改变判断标准：起用日期最早为明天"
                    f"（{tomorrow:%Y-%m-%d}）。"
                )
            if self._state.adding and not self.reason.strip():
                errors["reason"] = "计划已公开，调整规则须说明原因。"
        if errors:
            raise ValidationError(errors)
        if self.plan_id and self.valid_from and self.value is not None:
            self.check_order()

    def check_order(self):
        """The lower of an ORDERED pair stays below the higher, on the first day of this
        value and on every later day on which the other changes."""
        for low, high, message in self.ORDERED:
            if self.name in (low, high):
                self.check_pair(low, high, message)

    def check_pair(self, low, high, message):
        pair = {low, high}
        (other,) = pair - {self.name}
        rows = self.plan.rules.filter(name__in=pair).exclude(pk=self.pk)
        days = [
            self.valid_from,
            *rows.filter(name=other, valid_from__gt=self.valid_from).values_list(
                "valid_from", flat=True
            ),
        ]
        for day in days:
            values = {self.name: self.value}
            for rule in rows.on(day):
                values.setdefault(rule.name, rule.value)
            lower, higher = values.get(low), values.get(high)
            if lower is not None and higher is not None and lower >= higher:
                said = message.format(low=figure(lower), high=figure(higher))
                raise ValidationError({"value": f"{said}，{day:%Y-%m-%d}起不满足。"})


def sees_all_departments(user):
    """Reviewers and administrators see every department's data; reporters their own."""
    return user.is_active and user.has_perm("projects.view_all_departments")


class DepartmentQuerySet(models.QuerySet):
    def of_plan(self, plan):
        """Departments that lead or support a project of `plan`."""
        return self.filter(Q(led_projects__plan=plan) | Q(supported_projects__plan=plan)).distinct()


class Department(models.Model):
    name = models.CharField("名称", max_length=100, unique=True)
    name_en = models.CharField("英文名称", max_length=200, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="departments",
        verbose_name="工作人员",
        help_text="填报员只能查看和填报本单位牵头或配合的实事。",
    )

    objects = DepartmentQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["name"]
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"

    def __str__(self):
        return self.name


class ProjectQuerySet(models.QuerySet):
    def published(self):
        """Projects of plans the public may see."""
        return self.filter(in_published_plan("plan"))

    def of_departments(self, departments):
        """Projects that any of `departments` leads or supports."""
        return self.filter(
            Q(lead_department__in=departments) | Q(supporting_departments__in=departments)
        ).distinct()

    def visible_to(self, user):
        """Projects an official may see: all for reviewers, their departments' for reporters."""
        if sees_all_departments(user):
            return self
        return self.filter(
            pk__in=Project.objects.of_departments(user.departments.all()).values("pk")
        )

    def with_progress(self, as_of=None, targets=None):
        """Projects with their departments and their targets annotated by `with_progress`."""
        if targets is None:
            targets = Target.objects.with_progress(as_of)
        from .notice import Notice, with_objections  # a higher floor: 公示 follows figures

        # The year-end rating (models/cycle.py) comes in the same query; the day judged
        # goes with each project, for its 公示 (`Project.status`).
        notices = with_objections(Notice.objects.order_by("opens_on", "pk"))
        return (
            self.select_related("plan", "lead_department", "rating")
            .annotate(judged_on=Value(as_of or clock.today(), output_field=models.DateField()))
            .prefetch_related(
                "supporting_departments",
                Prefetch("targets", queryset=targets),
                Prefetch("notices", queryset=notices, to_attr="shown_notices"),
            )
        )

    def with_history(self, as_of=None):
        """`with_progress`, plus measures, milestones, planned schedules and, on each
        target (approved reports dated up to `as_of` only), `report_count` and
        `corrections`: every report that corrected an earlier one (修订记录). The
        latest reports and the month-ends come from `Project.load_history`."""
        approved = ProgressReport.objects.approved()
        if as_of is not None:
            approved = approved.filter(as_of__lte=as_of)
        corrections = approved.filter(corrects__isnull=False).select_related("corrects")
        counted = (
            approved.filter(target=OuterRef("pk"))
            .order_by()
            .values("target")
            .annotate(n=Count("pk"))
            .values("n")
        )
        targets = (
            Target.objects.with_progress(as_of)
            .annotate(report_count=Coalesce(Subquery(counted), 0))
            .prefetch_related(
                Prefetch("reports", queryset=corrections, to_attr="corrections"),
                "planned_values",
            )
        )
        return self.with_progress(as_of, targets).prefetch_related("measures", "milestones")


class Project(models.Model):
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="projects", verbose_name="年度计划"
    )
    number = models.PositiveSmallIntegerField(
        "序号", validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    title = models.CharField("简称", max_length=100)
    title_en = models.CharField("英文简称", max_length=200, blank=True)
    pledge_text = models.TextField("承诺原文")
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_projects",
        verbose_name="牵头单位",
        help_text="公告未列明时留空。",
    )
    supporting_departments = models.ManyToManyField(
        Department, blank=True, related_name="supported_projects", verbose_name="配合单位"
    )
    due_date = models.DateField("完成时限", blank=True, help_text="留空则为计划周期结束日。")

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[supporting_departments])

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_project_number")
        ]
        verbose_name = "民生实事"
        verbose_name_plural = "民生实事"

    def __str__(self):
        return f"{self.number_cn}、{self.title}"

    def save(self, *args, **kwargs):
        if self.due_date is None:
            self.due_date = self.plan.period_end
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:project", args=[self.plan.year, self.number])

    @property
    def number_cn(self):
        return chinese_numeral(self.number)

    # The figures below read targets prefetched by `ProjectQuerySet.with_progress()`.

    @property
    def percent(self):
        """Mean of the targets' percents, each capped at 100; a target not reported counts 0.

        None while no target of the project has any report: 未填报, not 0%.
        """
        targets = self.targets.all()
        if not any(t.current_value is not None for t in targets):
            return None
        return fmean(min(t.percent or 0.0, 100.0) for t in targets)

    @property
    def is_complete(self):
        targets = self.targets.all()
        return bool(targets) and all(t.is_reached for t in targets)

    @property
    def expected_percent(self):
        """The mean of its targets' expected percents (序时进度)."""
        targets = self.targets.all()
        return fmean(t.expected_percent for t in targets) if targets else None

    @property
    def figures_status(self):
        """The most severe status of its targets (rules in `pace.project_status`)."""
        return pace.project_status(t.status for t in self.targets.all())

    @property
    def status(self):
        """Its figures' status with 公示 counted (`pace.notice_status`), on the day its
        targets were judged (needs `with_progress`)."""
        return pace.notice_status(self.figures_status, self.shown_notices, self.judged_on)

    @property
    def open_notice(self):
        """The notice the public may object to today, if any (needs `with_progress`)."""
        notices = [n for n in self.shown_notices if n.is_open(self.judged_on)]
        return notices[-1] if notices else None

    def get_status_display(self):
        return pace.Status(self.status).label

    @property
    def last_reported_on(self):
        return max(
            (t.last_reported_on for t in self.targets.all() if t.last_reported_on), default=None
        )

    @property
    def shown_rating(self):
        """The deputies' year-end rating, if recorded (fetched by `with_progress`)."""
        try:
            return self.rating
        except models.ObjectDoesNotExist:
            return None

    def load_history(self, as_of=None):
        """Give each target (fetched by `ProjectQuerySet.with_history`):
        - `recent_reports`: its latest RECENT_REPORTS approved reports, current first,
          with their evidence (the page's list; the whole history is a link away);
        - `month_ends`: the report current at the end of each month that has one,
          oldest first (the chart).
        Approved reports dated up to `as_of` only. Three queries of index seeks, a few
        per target and month, so a target's page costs the same however long its
        history grows."""
        day = as_of or clock.today()
        targets = self.targets.all()
        reports = ProgressReport.objects  # picks take approved reports (current_first)
        recent = reports.picked((t.pk, None, day, RECENT_REPORTS) for t in targets)
        recent = recent.prefetch_related("evidence").order_by("target", *CURRENT_FIRST)
        plan = self.plan
        month_ends = reports.picked(
            (t.pk, first, last, 1)
            for t in targets
            # the plan's months, and those of figures reported after it
            for first, last in months(
                plan.period_start, max(plan.period_end, t.last_reported_on or day), day
            )
        )
        by_target = {t.pk: t for t in targets}
        for target in targets:
            target.recent_reports, target.month_ends = [], []
        for report in recent:
            by_target[report.target_id].recent_reports.append(report)
        for report in month_ends.order_by("target", "as_of"):
            by_target[report.target_id].month_ends.append(report)

    @property
    def corrections(self):
        """Approved reports that corrected a public figure, newest first (needs
        `with_history`): the project's change log, 修订记录."""
        found = [r for t in self.targets.all() for r in t.corrections]
        return sorted(found, key=lambda r: r.reviewed_at or r.created_at, reverse=True)


@dataclass
class PlanProgress:
    """A plan's totals, from projects fetched by `ProjectQuerySet.with_progress()`."""

    projects: list

    @property
    def percent(self):
        """Mean of the projects' percents; a project not reported counts 0. None if none is."""
        if all(p.percent is None for p in self.projects):
            return None
        return fmean(p.percent or 0.0 for p in self.projects)

    @property
    def completed_count(self):
        """Projects 已完成: their figures complete and any notice period over."""
        return sum(p.status == pace.Status.COMPLETE for p in self.projects)

    @property
    def notice_count(self):
        return sum(p.status == pace.Status.NOTICE for p in self.projects)

    @property
    def behind(self):
        """Projects whose status is 推进缓慢, 严重滞后 or 逾期未完成."""
        return [p for p in self.projects if p.status in pace.BEHIND]

    @property
    def by_status(self):
        """[(status, its projects)] for every status, most severe first; 公示中 and
        整改中 only where a project has them (a plan before 公示 reads as it did)."""
        groups = [(s, [p for p in self.projects if p.status == s]) for s in pace.SEVERITY]
        return [(s, found) for s, found in groups if found or s not in pace.NOTICE_STATUSES]

    @property
    def expected_percent(self):
        """The mean of the projects' expected percents (序时进度)."""
        values = [p.expected_percent for p in self.projects if p.expected_percent is not None]
        return fmean(values) if values else None

    @property
    def by_department(self):
        """[(department, [(project, is_lead)])] by department name, and the projects for
        which the plan names no department at all."""
        groups = {}
        for project in self.projects:
            if project.lead_department:
                groups.setdefault(project.lead_department, []).append((project, True))
            for department in project.supporting_departments.all():
                groups.setdefault(department, []).append((project, False))
        unassigned = [
            p for p in self.projects if not p.lead_department and not p.supporting_departments.all()
        ]
        return sorted(groups.items(), key=lambda item: item[0].name), unassigned

    @property
    def construction_targets(self):
        return [t for p in self.projects for t in p.targets.all() if t.is_construction]

    @property
    def started_count(self):
        return sum(t.is_started for t in self.construction_targets)

    @property
    def started_percent(self):
        """开工率: the share of 开工 targets on which construction has begun."""
        targets = self.construction_targets
        return 100 * self.started_count / len(targets) if targets else None

    @property
    def reported_count(self):
        return sum(p.percent is not None for p in self.projects)

    @property
    def last_reported_on(self):
        return max((p.last_reported_on for p in self.projects if p.last_reported_on), default=None)


class Measure(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="measures", verbose_name="民生实事"
    )
    order = models.PositiveSmallIntegerField("顺序", default=1)
    text = models.TextField("举措")

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "order", "id"]
        verbose_name = "举措"
        verbose_name_plural = "举措"

    def __str__(self):
        return self.text[:40]


class MilestoneQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_all_departments(user):
            return self
        return self.filter(project__in=Project.objects.visible_to(user))

    def overdue(self, day):
        """Dated steps whose date has passed on `day` and that nobody marked done."""
        return self.filter(due_date__lt=day, done_on__isnull=True)


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name="民生实事"
    )
    title = models.CharField("节点", max_length=200)
    due_date = models.DateField("时限")
    done_on = models.DateField("完成日期", null=True, blank=True)

    objects = MilestoneQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "due_date", "id"]
        verbose_name = "时间节点"
        verbose_name_plural = "时间节点"

    def __str__(self):
        return f"{self.title}（{self.due_date:%Y-%m-%d}前）"


class TargetQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Targets an official may see and, as a reporter, report on."""
        if sees_all_departments(user):
            return self  # no filter at all: a subquery of everything costs a scan
        return self.filter(project__in=Project.objects.visible_to(user))

    def with_progress(self, as_of=None):
        """Targets annotated with their figures, from approved reports only.

        - `current_value`: the value of the latest approved report (by as-of date, then
          by entry order, so a same-day correction wins), or None if there is none;
        - `last_reported_on`: that report's as-of date;
        - `percent`: current / target × 100, uncapped (over-achievement is shown as it is);
        - `expected_percent` and `status`: pace against the plan (rules in `pace.py`).

        With `as_of`, only reports dated up to that day count, and pace is judged on
        that day; without, on today.
        """
        if as_of is None:
            # Each target keeps its latest approved figure (`refresh_latest`), so today's
            # figures cost no look into the history, however long it grows.
            figures = {"current_value": F("latest_value"), "last_reported_on": F("latest_as_of")}
        else:
            latest = ProgressReport.objects.current_first(OuterRef("pk"), as_of)
            figures = {
                "current_value": Subquery(
                    latest.values("value")[:1], output_field=value_field("当前值")
                ),
                "last_reported_on": Subquery(latest.values("as_of")[:1]),
            }
        return self.annotate(**figures).annotate(**pace.status_annotations(as_of or clock.today()))

    def refresh_latest(self):
        """Store on each target its latest approved figure (by as-of date, then entry
        order, so a same-day correction wins). Run on every approval; after bulk writes."""
        latest = ProgressReport.objects.current_first(OuterRef("pk"))
        return self.update(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_as_of=Subquery(latest.values("as_of")[:1]),
        )

    def with_candidate(self, value, day):
        """Targets annotated as if `value` were their figure on `day` (to judge a new report)."""
        return self.annotate(
            current_value=Value(value, output_field=value_field("当前值"))
        ).annotate(**pace.status_annotations(day))

    def with_candidates(self, figures):
        """Targets annotated as if `figures` {target id: (value, day)} were their figures,
        each judged on its own day: the new reports of a whole import in one query."""
        value = value_field("当前值")
        day = models.DateField()
        return self.annotate(
            current_value=Case(
                *[When(pk=pk, then=Value(v, output_field=value)) for pk, (v, _) in figures.items()],
                output_field=value,
            ),
            judged_on=Case(
                *[When(pk=pk, then=Value(d, output_field=day)) for pk, (_, d) in figures.items()],
                output_field=day,
            ),
        ).annotate(**pace.status_annotations(F("judged_on")))

    def judge(self, figures):
        """{(target id, day, value): status} for `figures` [(target id, day, value)],
        several per target if need be (a sheet kept through the year), each judged on
        its own day. A target's k-th figure goes in round k, one `with_candidates` query
        each (JUDGED_TARGETS targets at most). Rounds are not put together in one
        UNION: SQLite and PostgreSQL both ran that ten times slower."""
        rounds, seen = [], defaultdict(int)
        for pk, day, value in figures:
            if seen[pk] == len(rounds):
                rounds.append({})
            rounds[seen[pk]][pk] = (value, day)
            seen[pk] += 1
        statuses = {}
        for figures_of_round in rounds:
            pks = list(figures_of_round)
            for first in range(0, len(pks), JUDGED_TARGETS):
                part = {pk: figures_of_round[pk] for pk in pks[first : first + JUDGED_TARGETS]}
                judged = self.filter(pk__in=part).with_candidates(part).order_by()
                for pk, status in judged.values_list("pk", "status"):
                    value, day = part[pk]
                    statuses[(pk, day, value)] = status
        return statuses


class SiteStage(models.IntegerChoices):
    """Where the work at a site (点位) stands, in order: a target that counts sites
    counts those at or past its `counted_stage` (models/sites.py)."""

    NOT_STARTED = 0, _("未开工")
    STARTED = 1, _("已开工")
    STRUCTURE_DONE = 2, _("主体完工")
    COMPLETED = 3, _("已完工")
    ACCEPTED = 4, _("已验收")


class Target(models.Model):
    class Kind(models.TextChoices):
        QUANTITY = "quantity", "数量指标"
        MILESTONE = "milestone", "节点指标（如开工，完成为1）"

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="targets", verbose_name="民生实事"
    )
    order = models.PositiveSmallIntegerField("顺序", default=1)
    name = models.CharField("指标", max_length=200)
    name_en = models.CharField("英文名称", max_length=200, blank=True)
    unit = models.CharField("单位", max_length=10)
    target_value = value_field("目标值", validators=[MinValueValidator(Decimal("0.01"))])
    kind = models.CharField("类型", max_length=20, choices=Kind, default=Kind.QUANTITY)
    # The latest approved figure, kept by TargetQuerySet.refresh_latest (never entered).
    latest_value = value_field("最新审核值", null=True, blank=True, editable=False)
    latest_as_of = models.DateField("最新审核值截至", null=True, blank=True, editable=False)
    is_construction = models.BooleanField(
        "开工类指标",
        default=False,
        help_text="承诺“开工建设”的指标，计入月度通报的开工率；"
        "有审核通过的进度（大于 0）即视为已开工。",
    )
    counted_stage = models.PositiveSmallIntegerField(
        "按点位计数",
        choices=SiteStage,
        null=True,
        blank=True,
        help_text="指标数值为达到该阶段的点位个数时选择：数值由审核通过的点位阶段变化自动"
        "写成填报，不再直接填报。留空则照常填报数值。",
    )

    objects = TargetQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["latest_value", "latest_as_of"])

    class Meta:
        ordering = ["project", "order", "id"]
        verbose_name = "指标"
        verbose_name_plural = "指标"

    def __str__(self):
        return f"{self.project.number_cn}、{self.name}"

    def save(self, *args, **kwargs):
        # The latest figure is written only by refresh_latest: an edit of the target,
        # made from a copy loaded before an approval, must not overwrite it.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in ("latest_value", "latest_as_of")
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.project.get_absolute_url() + f"#target-{self.pk}"

    def clean(self):
        if self.kind == self.Kind.MILESTONE and self.target_value != 1:
            raise ValidationError({"target_value": "节点指标的目标值为 1（完成即为 1）。"})
        if self.counted_stage is not None and self.kind == self.Kind.MILESTONE:
            raise ValidationError({"counted_stage": "节点指标不按点位计数。"})

    @property
    def is_reached(self):
        """Whether the annotated current value meets the target (needs `with_progress`)."""
        return self.current_value is not None and self.current_value >= self.target_value

    def get_status_display(self):
        return pace.Status(self.status).label

    @property
    def has_schedule(self):
        return bool(self.planned_values.all())

    def plan_points(self):
        """The 序时进度 line as (date, value) points, for charts and their tables: the
        planned schedule where there is one (a step at each date), else a straight line
        from the period start to the due date (a single step at the due date for a
        milestone). The same rule as `pace.expected_percent`."""
        start = self.project.plan.period_start
        steps = [(p.date, p.value) for p in self.planned_values.all()]
        if steps:
            return [(start, Decimal(0)), *steps]
        return [(start, Decimal(0)), (self.project.due_date, self.target_value)]

    @cached_property
    def chart_rows(self):
        """Actual and planned cumulative values by date, for a target's chart and the
        table beside it: the actual figure at each month's end (its last approved
        report, so a correction counts) and each point of the plan line (needs
        `with_history`)."""
        rows = {}
        for report in self.month_ends:
            rows.setdefault(report.as_of, {})["actual"] = report.value
        for day, value in self.plan_points():
            rows.setdefault(day, {})["planned"] = value
        return [
            {"date": day, "actual": row.get("actual"), "planned": row.get("planned")}
            for day, row in sorted(rows.items())
        ]

    @property
    def is_started(self):
        """For a 开工 target: construction has begun (needs `with_progress`)."""
        return self.current_value is not None and self.current_value > 0

    def forecast_date(self):
        """When the target will be reached at the pace of its last two approved figures
        on different days, or None (reached, no pace yet, or not moving forward).

        Needs `recent_reports` (from `ProjectQuerySet.with_history`)."""
        reports = self.recent_reports
        if not reports or self.is_reached:
            return None
        latest = reports[0]
        earlier = next((r for r in reports if r.as_of < latest.as_of), None)
        if earlier is None or latest.value <= earlier.value:
            return None
        per_day = (latest.value - earlier.value) / (latest.as_of - earlier.as_of).days
        days_left = ((self.target_value - latest.value) / per_day).to_integral_value(ROUND_CEILING)
        if days_left > FORECAST_HORIZON_DAYS:
            return None
        return latest.as_of + timedelta(days=int(days_left))


class PlannedValue(models.Model):
    """A step of a planned schedule (计划进度): the cumulative value a target should have
    reached by a date. Where a target has any, they replace the straight line from the
    period start to the due date as its 序时进度."""

    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="planned_values", verbose_name="指标"
    )
    date = models.DateField("日期")
    value = value_field(
        "计划累计值", validators=[MinValueValidator(0, message="计划值不能为负数。")]
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["target", "date"]
        constraints = [
            models.UniqueConstraint(fields=["target", "date"], name="unique_planned_value_date")
        ]
        verbose_name = "计划进度"
        verbose_name_plural = "计划进度"

    def __str__(self):
        return f"{self.target}：{self.date:%Y-%m-%d} 计划达到 {figure(self.value)}"


class ProgressReportQuerySet(models.QuerySet):
    def approved(self):
        """Reports the public may see. Every public page, export and feed starts here."""
        return self.filter(state=ProgressReport.State.APPROVED)

    def public(self, plans=None):
        """Approved reports of published plans (of `plans` among them, if given): what
        open data and feeds list. Filtered through one subquery of the targets, so that
        an index on the reports' target serves it at a million reports."""
        targets = Target.objects.filter(in_published_plan("project__plan"))
        if plans is not None:
            targets = targets.filter(project__plan__in=plans)
        return self.approved().filter(target__in=targets)

    def newest_public(self, plans=None, as_of=None):
        """`public(plans)`, newest approval first, then newest entry; each with its
        target, project, plan, the report it corrects, its evidence (all public, as its
        report is), and `percent` (`with_percent`). With `as_of`, only reports dated up
        to that day. The updates page, the feeds and /api/v1/reports/ list these."""
        reports = self.public(plans)
        if as_of is not None:
            reports = reports.filter(as_of__lte=as_of)
        return (
            reports.select_related("target__project__plan", "corrects")
            .prefetch_related("evidence")
            .with_percent()
            .order_by("-reviewed_at", "-id")
        )

    def current_first(self, target, on=None):
        """Approved reports of `target` (a target, its id, or an OuterRef) dated on or
        before `on`, the current one first: the latest as-of date and, of one date, the
        latest entry, so a same-day correction wins. Its first is the target's current
        approved report; every figure shown, stored or compared is taken this way."""
        reports = self.approved().filter(target=target)
        if on is not None:
            reports = reports.filter(as_of__lte=on)
        return reports.order_by(*CURRENT_FIRST)

    def picked(self, picks):
        """The reports that `picks` choose, in one query: each pick (target id, first
        day or None, last day, n) takes the first n of `current_first(target, last
        day)` dated on or after the first day. Each pick is an index seek, so the
        query costs the same however many reports the targets have."""
        chosen = Q()
        for target, first, last, n in picks:
            reports = self.current_first(target, last)  # this queryset's filters apply here
            if first is not None:
                reports = reports.filter(as_of__gte=first)
            chosen |= Q(pk__in=reports.values("pk")[:n])
        if not chosen:
            return self.none()
        # Nothing but the picks outside them: given another condition to use an index
        # for (the state), SQLite reads every report instead of seeking each pick.
        return self.model.objects.filter(chosen)

    def visible_to(self, user):
        """Reports an official may see: all for reviewers, their departments' for reporters."""
        if sees_all_departments(user):
            return self
        return self.filter(target__in=Target.objects.visible_to(user))

    def with_percent(self):
        """Annotate `percent`: each report's value against its target × 100, uncapped."""
        return self.annotate(percent=pace.percent_of("value", "target__target_value"))

    def with_evidence_count(self):
        """Annotate `evidence_count`, counted per listed report rather than by grouping
        the whole list (the review queue)."""
        counted = (
            Evidence.objects.filter(report=OuterRef("pk"))
            .order_by()
            .values("report")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(evidence_count=Coalesce(Subquery(counted), 0))

    def with_previous_value(self):
        """Annotate `previous_value`: the latest approved figure of the same target dated on
        or before each report (what a reviewer compares a submitted figure with)."""
        earlier = ProgressReport.objects.current_first(
            OuterRef("target"), OuterRef("as_of")
        ).exclude(pk=OuterRef("pk"))
        return self.annotate(
            previous_value=Subquery(
                earlier.values("value")[:1], output_field=value_field("上次审核值")
            )
        )


class ProgressReport(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        APPROVED = "approved", "已审核"
        RETURNED = "returned", "已退回"
        WITHDRAWN = "withdrawn", "已撤回"

    # Only these may still be edited or withdrawn by the reporter: nothing public changes.
    EDITABLE_STATES = (State.DRAFT, State.RETURNED)

    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="reports", verbose_name="指标"
    )
    value = value_field(
        "累计完成值",
        validators=[MinValueValidator(0, message="完成值不能为负数。")],
        help_text="截至该日期的累计数，不是本期新增数。节点指标完成填 1，未完成填 0。",
    )
    as_of = models.DateField("截至日期")
    note = models.TextField(
        "备注",
        blank=True,
        help_text="数值低于上次审核的数值，或更正同一日期的数值时，必须说明原因。",
    )
    delay_reason = models.TextField(
        "滞后原因", blank=True, help_text="进度落后于序时进度时必填，如资金未到位、征地未完成。"
    )
    next_steps = models.TextField("下一步措施", blank=True, help_text="进度落后于序时进度时必填。")
    state = models.CharField(
        "状态", max_length=20, choices=State, default=State.DRAFT, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="填报人",
    )
    created_at = models.DateTimeField("填报时间", default=clock.now, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="提交人",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="审核人",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True, editable=False)
    review_note = models.TextField("审核意见（退回原因）", blank=True, editable=False)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="corrections",
        verbose_name="更正的填报",
        help_text="审核通过时，若本填报更正了此前公开的数值，记下被更正的那一条。",
    )
    # Written by an approved stage change of a site (SiteReport.approve), never typed.
    from_sites = models.BooleanField("由点位阶段计数", default=False, editable=False)

    objects = ProgressReportQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-as_of", "-id"]
        indexes = [
            # The latest approved report of a target (TargetQuerySet.with_progress), read
            # for every target on every public page: one index seek per target.
            models.Index(fields=["target", "state", "-as_of", "-id"], name="report_latest_idx"),
            # The review queue: submitted reports, oldest first.
            models.Index(fields=["state", "submitted_at"], name="report_queue_idx"),
            # Newest approvals first: the updates page, the feeds, /api/v1/reports/.
            models.Index(fields=["state", "-reviewed_at", "-id"], name="report_newest_idx"),
            # The admin's report list, newest figures first.
            models.Index(fields=["-as_of", "-id"], name="report_recent_idx"),
        ]
        constraints = [
            # So that "newest approval first" is an order an index can serve.
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(reviewed_at__isnull=False),
                name="approved_report_has_review_time",
            )
        ]
        permissions = [
            ("review_progressreport", "可以审核填报（通过或退回）"),
            ("view_all_departments", "可以查看全部单位的数据"),
            ("view_ledger", "可以查看督查台账"),
        ]
        verbose_name = "进度填报"
        verbose_name_plural = "进度填报"

    def __str__(self):
        return (
            f"{self.target}：{figure(self.value)} {self.target.unit}（截至{self.as_of:%Y-%m-%d}）"
        )

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.state == self.State.APPROVED:
            Target.objects.filter(pk=self.target_id).refresh_latest()
            from .notice import open_notice  # a higher floor: 公示 follows figures

            open_notice(self)

    @property
    def is_editable(self):
        return self.state in self.EDITABLE_STATES

    # What clean() would read from the database, read already for many reports at once
    # (importing.Batch): an object with previous(report) and pace_status(report).
    known = None

    def previous_report(self):
        """The latest approved report of the same target dated on or before this one."""
        if self.known is not None:
            return self.known.previous(self)
        earlier = ProgressReport.objects.current_first(self.target_id, self.as_of)
        if self.pk:
            earlier = earlier.exclude(pk=self.pk)
        return earlier.first()

    def is_correction_of(self, previous):
        """A figure corrects the public one if it revises the same date or goes below it
        (a cumulative count cannot fall)."""
        return previous is not None and (
            previous.as_of == self.as_of or self.value < previous.value
        )

    # pace_status's last answer and what it was for: a report is judged at entry, at
    # submission and again at approval, and the answer depends only on its own figure
    # and date (not on other reports), so the same figure is judged once.
    _judged = None

    def pace_status(self):
        """The status this figure would give its target on its as-of date."""
        if self.known is not None:
            return self.known.pace_status(self)
        figure = (self.target_id, self.value, self.as_of)
        if self._judged is None or self._judged[0] != figure:
            status = (
                Target.objects.filter(pk=self.target_id)
                .with_candidate(self.value, self.as_of)
                .values_list("status", flat=True)
                .get()
            )
            self._judged = (figure, status)
        return self._judged[1]

    def clean(self):
        if self.target_id:
            self.target.project.plan.check_takes_input()
        errors = {}
        today = clock.today()
        if self.as_of and self.as_of > today:
            errors["as_of"] = f"截至日期不能晚于今天（{today:%Y-%m-%d}）。"
        if self.target_id and self.as_of:
            plan = self.target.project.plan
            if self.as_of < plan.period_start:
                errors["as_of"] = f"截至日期不能早于计划开始日期（{plan.period_start:%Y-%m-%d}）。"
        if self.target_id and self.target.counted_stage is not None and not self.from_sites:
            raise ValidationError(
                f"“{self.target.name}”按点位计数：数值由审核通过的点位阶段变化自动生成，"
                "请在“点位”中填报各点位的阶段，不能直接填报数值。"
            )
        if self.target_id and self.value is not None:
            if self.target.kind == Target.Kind.MILESTONE and self.value not in (0, 1):
                errors["value"] = "节点指标只能填 1（已完成）或 0（未完成）。"
        if errors:
            raise ValidationError(errors)
        if not (self.target_id and self.value is not None and self.as_of) or self.value < 0:
            return  # the field's own validation reports what is missing or negative
        previous = self.previous_report()
        if self.is_correction_of(previous) and not self.note.strip():
            if previous.as_of == self.as_of:
                errors["note"] = (
                    f"截至{previous.as_of:%Y-%m-%d}已有审核通过的数值 "
                    f"{figure(previous.value)}，本次填报属于更正，请在备注中说明原因。"
                )
            else:
                errors["note"] = (
                    f"该数值低于上次审核通过的 {figure(previous.value)}"
                    f"（截至{previous.as_of:%Y-%m-%d}），属于更正，请在备注中说明原因。"
                )
        if self.pace_status() in pace.BEHIND:
            message = "该数值落后于序时进度，请填写{}。"
            if not self.delay_reason.strip():
                errors["delay_reason"] = message.format("滞后原因")
            if not self.next_steps.strip():
                errors["next_steps"] = message.format("下一步措施")
        if errors:
            raise ValidationError(errors)

    # Review: each step checks the report's state at the moment of the change, so two
    # reviewers acting at once cannot both act on one report.

    def _move(self, user, from_states, to_state, **changes):
        with transaction.atomic():
            if to_state == self.State.APPROVED:
                # Approvals of one target wait for each other, so each sees the
                # others' reports when it refreshes the target's latest figure.
                list(Target.objects.select_for_update().filter(pk=self.target_id).values("pk"))
            # The claim writes the changes too: an approved row always has its review time.
            claimed = ProgressReport.objects.filter(pk=self.pk, state__in=from_states).update(
                state=to_state, **changes
            )
            if not claimed:
                self.refresh_from_db(fields=["state"])
                raise ValidationError(f"该填报当前为“{self.get_state_display()}”，不能进行此操作。")
            self.state = to_state
            for name, value in changes.items():
                setattr(self, name, value)
            self._history_user = user  # who, even when no request is at hand (commands)
            self.save()

    def submit(self, user):
        self.full_clean()
        self._move(
            user,
            self.EDITABLE_STATES,
            self.State.SUBMITTED,
            submitted_by=user,
            submitted_at=clock.now(),
        )

    # What a report says: whoever set any of these had a hand in its figure.
    ENTRY_FIELDS = ("target_id", "value", "as_of", "note", "delay_reason", "next_steps")

    def hands(self):
        """Everyone who entered or changed what this report says at any point (its
        history), submitted it, or attached its evidence: none of them may review it,
        whatever roles they hold now or are given later."""
        hands = {self.created_by_id, self.submitted_by_id}
        hands |= hands_in_history(self, self.ENTRY_FIELDS)
        hands.update(self.evidence.values_list("uploaded_by_id", flat=True))
        return hands - {None}

    def check_reviewer(self, user):
        if user.pk in self.hands():
            raise ValidationError("不能审核自己填报、修改或提交过的数据。")

    def approve(self, user):
        self.check_reviewer(user)
        self.clean()  # figures approved meanwhile may have changed what this one means
        previous = self.previous_report()
        self._move(
            user,
            [self.State.SUBMITTED],
            self.State.APPROVED,
            reviewed_by=user,
            reviewed_at=clock.now(),
            corrects=previous if self.is_correction_of(previous) else None,
        )

    def return_to_reporter(self, user, reason):
        if not reason.strip():
            raise ValidationError("退回时必须说明原因。")
        self.check_reviewer(user)
        self._move(
            user,
            [self.State.SUBMITTED],
            self.State.RETURNED,
            reviewed_by=user,
            reviewed_at=clock.now(),
            review_note=reason.strip(),
        )

    def withdraw(self, user):
        self._move(user, self.EDITABLE_STATES, self.State.WITHDRAWN)


class SubmittedReport(ProgressReport):
    """The review queue: a view of submitted reports with its own admin page."""

    class Meta:
        proxy = True
        verbose_name = "待审核填报"
        verbose_name_plural = "待审核填报"


# A stored image's file name extension, by the type its content was checked to be.
IMAGE_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def evidence_path(evidence, filename):
    """evidence/<random>.<ext>: a name nobody can guess, the extension from the content."""
    return f"evidence/{evidence.key.hex}{evidence.extension}"


def file_sha256(file):
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    return digest.hexdigest()


class EvidenceQuerySet(models.QuerySet):
    def public(self):
        """Evidence of approved reports of published plans: what anyone may open."""
        return self.filter(report__in=ProgressReport.objects.public())

    def visible_to(self, user):
        """Evidence an official may open, whatever the state of its report."""
        if sees_all_departments(user):
            return self
        return self.filter(report__in=ProgressReport.objects.visible_to(user))


class Evidence(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", "图片"
        PDF = "pdf", "PDF 文件"

    report = models.ForeignKey(
        ProgressReport, on_delete=models.PROTECT, related_name="evidence", verbose_name="填报"
    )
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)
    kind = models.CharField("类型", max_length=10, choices=Kind, editable=False)
    content_type = models.CharField(max_length=50, editable=False)
    original_name = models.CharField("原文件名", max_length=255, editable=False)
    size = models.PositiveIntegerField("大小（字节）", editable=False)
    # Of the stored file: the data packages list it, so anyone can tell the file they
    # hold is the one that was published.
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, editable=False)
    caption = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name="上传人",
    )
    uploaded_at = models.DateTimeField("上传时间", default=clock.now, editable=False)

    objects = EvidenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "uploaded_at", "id"]
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"

    def __str__(self):
        return self.caption or self.original_name

    def save(self, *args, **kwargs):
        if not self.sha256 and self.file:
            try:
                self.sha256 = file_sha256(self.file)
            except FileNotFoundError:  # named, not stored (a restore in progress)
                pass
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:evidence", args=[self.key])

    @property
    def extension(self):
        return IMAGE_EXTENSIONS.get(self.content_type, ".pdf")


class Counter(models.Model):
    """A count within a fixed window, shared by every process (projects/counters.py):
    where counters live when the cache is not Redis."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_ends = models.DateTimeField(db_index=True)
    last_at = models.DateTimeField()

    class Meta:
        verbose_name = "计数器"
        verbose_name_plural = "计数器"
        default_permissions = ()  # nobody keeps them by hand

    def __str__(self):
        return self.key


class PlanArchive(models.Model):
    """实事档案馆: a plan's data package, built once when the plan was archived and kept
    as built, with its checksum (projects/archive.py). The CSVs and datapackage.json
    served under /data/<year>/ are read from this zip, so they never change either."""

    plan = models.OneToOneField(
        Plan, on_delete=models.PROTECT, related_name="archive", verbose_name="年度计划"
    )
    archived_at = models.DateTimeField("归档时间", editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name="归档人",
    )
    package = models.BinaryField("数据包（zip）", editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)

    class Meta:
        verbose_name = "归档数据包"
        verbose_name_plural = "归档数据包"
        default_permissions = ("view",)  # made by the archive_plan command, never edited

    def __str__(self):
        return f"{self.plan.year} 年度数据包"
