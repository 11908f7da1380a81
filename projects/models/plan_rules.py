"""A plan's dated rules: what decides a page (thresholds, the rating and election
rules) is stored with the plan, in force from a day, never read from today's settings."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models.fields import EARLIEST_DAY, VALUE_ERRORS
from projects.rules import clock
from projects.rules.formatting import figure


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
        STEP_GRACE_DAYS = "step_grace_days", _("手续节点逾期的宽限（计划日期后的天数）")
        PAYMENT_DAYS = "payment_days", _("验收后拨付工程款的时限（天）")
        SPENDING_LAG_POINTS = (
            "spending_lag_points",
            _("支出进度落后时间进度的督查界限（百分点）"),
        )
        FUNDS_AT_START_PERCENT = (
            "funds_at_start_percent",
            _("开工时资金到位的下限（占预算的百分比）"),
        )
        PHOTO_NEAR_METRES = "photo_near_metres", _("照片拍摄位置“在点位附近”的距离（米）")
        PHOTO_FAR_METRES = "photo_far_metres", _("照片拍摄位置“远离点位”的距离（米）")
        PHOTO_TIME_GRACE_DAYS = (
            "photo_time_grace_days",
            _("照片拍摄时间早于本期或晚于所报日期的宽限（天）"),
        )
        PHOTO_MATCH_BITS = (
            "photo_match_bits",
            _("判为同一张照片的指纹差异上限（位，共 64 位）"),
        )
        SURVEY_SAMPLE_SIZE = "survey_sample_size", _("满意度抽样调查每项抽取的户数")
        SURVEY_MIN_RESPONSES = (
            "survey_min_responses",
            _("满意度抽样调查公布各项比例所需的最少答卷数"),
        )
        INDEX_DEPUTIES_WEIGHT = "index_deputies_weight", _("综合满意度指数中代表测评的权重")
        INDEX_SURVEY_WEIGHT = "index_survey_weight", _("综合满意度指数中抽样调查的权重")
        INDEX_ONLINE_WEIGHT = "index_online_weight", _("综合满意度指数中码上评的权重")
        INDEX_SCORE_SATISFIED = "index_score_satisfied", _("综合满意度指数中“满意”的分值")
        INDEX_SCORE_FAIR = "index_score_fair", _("综合满意度指数中“基本满意”的分值")
        INDEX_SCORE_DISSATISFIED = (
            "index_score_dissatisfied",
            _("综合满意度指数中“不满意”的分值"),
        )

    # The setting that gives each rule's value for a new plan (of the rule's own name but
    # for three), and the values it may take.
    SETTINGS = {
        **{name: name.name for name in Name},
        Name.ELECTION_SHARE: "ELECTION_SHARE_PERCENT",
        Name.RATING_SHARE: "RATING_SHARE_PERCENT",
        Name.ONLINE_DISSATISFIED_SHARE: "ONLINE_DISSATISFIED_PERCENT",
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
        Name.STEP_GRACE_DAYS: (Decimal("0"), Decimal("365")),
        Name.PAYMENT_DAYS: (Decimal("1"), Decimal("365")),
        Name.SPENDING_LAG_POINTS: (Decimal("0.1"), Decimal("100")),
        Name.FUNDS_AT_START_PERCENT: (Decimal("1"), Decimal("100")),
        Name.PHOTO_NEAR_METRES: (Decimal("10"), Decimal("10000")),
        Name.PHOTO_FAR_METRES: (Decimal("10"), Decimal("100000")),
        Name.PHOTO_TIME_GRACE_DAYS: (Decimal("0"), Decimal("365")),
        Name.PHOTO_MATCH_BITS: (Decimal("0"), Decimal("20")),
        Name.SURVEY_SAMPLE_SIZE: (Decimal("10"), Decimal("10000")),
        Name.SURVEY_MIN_RESPONSES: (Decimal("1"), Decimal("10000")),
        Name.INDEX_DEPUTIES_WEIGHT: (Decimal("0"), Decimal("100")),
        Name.INDEX_SURVEY_WEIGHT: (Decimal("0"), Decimal("100")),
        Name.INDEX_ONLINE_WEIGHT: (Decimal("0"), Decimal("100")),
        Name.INDEX_SCORE_SATISFIED: (Decimal("0"), Decimal("100")),
        Name.INDEX_SCORE_FAIR: (Decimal("0"), Decimal("100")),
        Name.INDEX_SCORE_DISSATISFIED: (Decimal("0"), Decimal("100")),
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
        Name.STEP_GRACE_DAYS,
        Name.PAYMENT_DAYS,
        Name.PHOTO_NEAR_METRES,
        Name.PHOTO_FAR_METRES,
        Name.PHOTO_TIME_GRACE_DAYS,
        Name.PHOTO_MATCH_BITS,
        Name.SURVEY_SAMPLE_SIZE,
        Name.SURVEY_MIN_RESPONSES,
        Name.INDEX_DEPUTIES_WEIGHT,
        Name.INDEX_SURVEY_WEIGHT,
        Name.INDEX_ONLINE_WEIGHT,
        Name.INDEX_SCORE_SATISFIED,
        Name.INDEX_SCORE_FAIR,
        Name.INDEX_SCORE_DISSATISFIED,
    }
    # Rules in force only from the day they are set on a plan, never from its start: what
    # a project went through before (公示) is not redone after the fact, and no report
    # was due before there was a reporting day to meet; no month of 码上评 is judged
    # by networks nobody counted then.
    # The rules that watch the money and the steps (models/money.py) judge each lapse by
    # the rule in force on the day it began: none before the day they were set, so a
    # past year (2021) reads as it did.
    # The photo checks (models/photos.py) are judged by the rules in force on the day of
    # the upload: none was checked before the day they were set.
    # The survey's rules and the combined index's (models/surveys.py): no plan surveyed
    # or had an index before them, so a past year reads as it did.
    FROM_THE_DAY_SET = {
        Name.SURVEY_SAMPLE_SIZE,
        Name.SURVEY_MIN_RESPONSES,
        Name.INDEX_DEPUTIES_WEIGHT,
        Name.INDEX_SURVEY_WEIGHT,
        Name.INDEX_ONLINE_WEIGHT,
        Name.INDEX_SCORE_SATISFIED,
        Name.INDEX_SCORE_FAIR,
        Name.INDEX_SCORE_DISSATISFIED,
        Name.PHOTO_NEAR_METRES,
        Name.PHOTO_FAR_METRES,
        Name.PHOTO_TIME_GRACE_DAYS,
        Name.PHOTO_MATCH_BITS,
        Name.STEP_GRACE_DAYS,
        Name.PAYMENT_DAYS,
        Name.SPENDING_LAG_POINTS,
        Name.FUNDS_AT_START_PERCENT,
        Name.NOTICE_DAYS,
        Name.REPORTING_DAY,
        Name.ONLINE_RATING_NETWORKS,
        Name.ONLINE_RATINGS_PER_ADDRESS,
    }
    # Rules the plan's pages of figures never judge by, so never among the standards
    # they say changed: the photo checks' (they inform a reviewer, no public page), and
    # the survey's and the combined index's, which their own page states beside the
    # results (a plan without a survey or an index reads as before them).
    STATED_APART = {
        Name.PHOTO_NEAR_METRES,
        Name.PHOTO_FAR_METRES,
        Name.PHOTO_TIME_GRACE_DAYS,
        Name.PHOTO_MATCH_BITS,
        Name.SURVEY_SAMPLE_SIZE,
        Name.SURVEY_MIN_RESPONSES,
        Name.INDEX_DEPUTIES_WEIGHT,
        Name.INDEX_SURVEY_WEIGHT,
        Name.INDEX_ONLINE_WEIGHT,
        Name.INDEX_SCORE_SATISFIED,
        Name.INDEX_SCORE_FAIR,
        Name.INDEX_SCORE_DISSATISFIED,
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
        (
            Name.PHOTO_NEAR_METRES,
            Name.PHOTO_FAR_METRES,
            "照片“在点位附近”的距离（{low}）须小于“远离点位”的距离（{high}）",
        ),
    ]

    plan = models.ForeignKey(
        "projects.Plan", on_delete=models.PROTECT, related_name="rules", verbose_name="年度计划"
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
