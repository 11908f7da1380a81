"""The year before the pledges (人大代表票决制): the candidates that come out of the
public call and go to the deputies' vote.

A candidate (`Candidate`) is drawn up by administrators while its plan is in 遴选, with
its targets in the shape a pledge's targets have (`CandidateTarget`), its departments,
an estimated investment and the proposals it came from (`PublicInput.candidate`). The
list is public from 遴选 on, for comment before the vote. Until the vote elects some of
them, a candidate is no pledge: the plan's pages, the API and every figure count only
`Project` rows, which the election makes.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models.fields import value_field
from projects.models.money import ESTIMATE_NOTE, Budget
from projects.models.plan_rules import PlanRule
from projects.models.plans import Department, Plan, in_published_plan
from projects.models.review import official_field
from projects.models.tracking import Project, Target
from projects.rules import clock


class CandidateQuerySet(models.QuerySet):
    def public(self):
        """Candidates of published plans from 遴选 on: the list put out for comment."""
        return self.filter(in_published_plan("plan")).exclude(plan__stage=Plan.Stage.CALL)


class Candidate(models.Model):
    class State(models.TextChoices):
        CANDIDATE = "candidate", _("候选")
        ELECTED = "elected", _("当选")
        NOT_ELECTED = "not_elected", _("未当选")

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="candidates", verbose_name="年度计划"
    )
    order = models.PositiveSmallIntegerField("候选序号", validators=[MinValueValidator(1)])
    title = models.CharField("简称", max_length=100)
    pledge_text = models.TextField("项目内容")
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="led_candidates",
        verbose_name="牵头单位",
    )
    supporting_departments = models.ManyToManyField(
        Department, blank=True, related_name="supported_candidates", verbose_name="配合单位"
    )
    investment = models.DecimalField(
        "估算投资（万元）",
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"), message="投资不能为负数。")],
    )
    state = models.CharField(
        "结果", max_length=20, choices=State, default=State.CANDIDATE, editable=False
    )
    project = models.OneToOneField(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="candidate",
        verbose_name="当选后的实事",
    )
    created_by = official_field("录入人", blank=False)

    objects = CandidateQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[supporting_departments])

    class Meta:
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="one_candidate_per_number")
        ]
        verbose_name = "候选项目"
        verbose_name_plural = "候选项目"

    def __str__(self):
        return f"{self.plan.year}年候选{self.order}：{self.title}"

    def clean(self):
        if self.plan_id and self.plan.stage != Plan.Stage.SHORTLIST:
            raise ValidationError(
                f"候选项目只能在“遴选”阶段录入或修改；该计划现在是“{self.plan.get_stage_display()}”阶段。"
            )


class CandidateTarget(models.Model):
    """A candidate's target, in the shape of a pledge's (`Target`): the election copies it."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="targets", verbose_name="候选项目"
    )
    order = models.PositiveSmallIntegerField("顺序", default=1)
    name = models.CharField("指标名称", max_length=200)
    unit = models.CharField("单位", max_length=20)
    target_value = value_field(
        "目标值", validators=[MinValueValidator(Decimal("0.01"), message="目标值须大于 0。")]
    )
    kind = models.CharField(
        "类型", max_length=20, choices=Target.Kind, default=Target.Kind.QUANTITY
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["candidate", "order", "pk"]
        verbose_name = "候选项目指标"
        verbose_name_plural = "候选项目指标"

    def __str__(self):
        return self.name


class BallotQuerySet(models.QuerySet):
    def standing(self):
        """Ballots not cancelled."""
        return self.filter(cancelled_at__isnull=True)

    def public(self):
        """Published results of published plans: every tally is public with them."""
        return self.standing().filter(in_published_plan("plan"), published_at__isnull=False)

    def on_record(self, plan):
        """Once the plan's result is published: its rounds, and the entries cancelled
        before it with their reasons (a correction is public, never silent). Before
        that, nothing (staff may still be entering it)."""
        if not self.public().filter(plan=plan).exists():
            return self.none()
        return self.filter(plan=plan).prefetch_related("tallies__candidate")


class Ballot(models.Model):
    """One round of the deputies' secret ballot on a plan's candidates (无记名投票差额
    表决), as congress staff record it: the session, who could vote, the seats and each
    candidate's tally (`Tally`). A tie at the last seat leads to a new round among the
    tied candidates only (`tied_from`); a mistaken entry is cancelled with a reason,
    never overwritten. `publish` makes the elected candidates the plan's pledges."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="ballots", verbose_name="年度计划"
    )
    session = models.CharField("会议", max_length=200)
    held_on = models.DateField("表决日期")
    deputies = models.PositiveIntegerField("在任代表人数", validators=[MinValueValidator(1)])
    present = models.PositiveIntegerField("出席代表人数", validators=[MinValueValidator(1)])
    seats = models.PositiveSmallIntegerField("名额（件数）", validators=[MinValueValidator(1)])
    tied_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_rounds",
        verbose_name="同票后重新表决的上一轮",
        help_text="只在上一轮最后名额同票时填写：本轮只就同票的候选项目表决。",
    )
    recorded_by = official_field("录入人", blank=False)
    recorded_at = models.DateTimeField("录入时间", default=clock.now, editable=False)
    published_at = models.DateTimeField("结果公布时间", null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField("作废时间", null=True, blank=True, editable=False)
    cancel_reason = models.TextField("作废原因", blank=True, editable=False)

    objects = BallotQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "recorded_at", "pk"]
        permissions = [("publish_ballot", "可以公布或作废票决结果")]
        verbose_name = "代表票决"
        verbose_name_plural = "代表票决"

    def __str__(self):
        round_ = f"（第{self.round}轮）" if self.tied_from_id else ""
        return f"{self.plan.year}年民生实事票决{round_}：{self.session}"

    @property
    def round(self):
        count, ballot = 1, self
        while ballot.tied_from_id:
            count += 1
            ballot = ballot.tied_from
        return count

    def clean(self):
        errors = {}
        if self.plan_id and self.plan.stage != Plan.Stage.VOTE:
            raise ValidationError(
                f"只能在“票决”阶段录入票决结果；该计划现在是“{self.plan.get_stage_display()}”阶段。"
            )
        if self.held_on and self.held_on > clock.today():
            errors["held_on"] = f"表决日期不能晚于今天（{clock.today():%Y-%m-%d}）。"
        if self.present and self.deputies and self.present > self.deputies:
            errors["present"] = (
                f"出席代表人数（{self.present}）不能多于在任代表人数（{self.deputies}）。"
            )
        if errors:
            raise ValidationError(errors)
        if self._state.adding and self.plan_id:
            self.check_may_follow()

    def check_may_follow(self):
        """A plan has one standing ballot, and further rounds only among tied candidates
        of the standing one; anything else needs the earlier ballot cancelled first."""
        standing = self.plan.ballots.standing()
        if self.tied_from_id is None:
            if standing.exists():
                raise ValidationError(
                    "该计划已有票决记录：同票须选择“同票后重新表决的上一轮”；"
                    "录入有误须先作废原记录并说明原因。"
                )
            return
        previous = self.tied_from
        if previous.plan_id != self.plan_id or previous.cancelled_at:
            raise ValidationError({"tied_from": "上一轮须是本计划未作废的票决。"})
        if previous.next_rounds.standing().exists():
            raise ValidationError({"tied_from": "上一轮已有重新表决的记录。"})
        outcome = previous.outcome()
        if not outcome.tied:
            raise ValidationError({"tied_from": "上一轮最后名额没有同票，不能重新表决。"})
        if self.seats != outcome.open_seats:
            raise ValidationError(
                {"seats": f"重新表决的名额应为上一轮空出的 {outcome.open_seats} 个。"}
            )

    def candidates(self):
        """The candidates on this round's ballot paper: all of the plan's, or in a new
        round the tied ones only."""
        if self.tied_from_id:
            return list(self.tied_from.outcome().tied)
        return list(self.plan.candidates.order_by("order"))

    def check_tallies(self, tallies):
        """`tallies` {candidate: (for, against, abstain)}: every candidate on the paper
        has one, none is negative, none adds up to more than were present, and there
        are more candidates than seats (差额)."""
        paper = self.candidates()
        if len(paper) <= self.seats:
            raise ValidationError(
                f"差额表决：候选项目（{len(paper)} 个）须多于名额（{self.seats} 个）。"
            )
        missing = [c for c in paper if c not in tallies]
        if missing:
            raise ValidationError("以下候选项目没有票数：" + "、".join(c.title for c in missing))
        extra = [c for c in tallies if c not in paper]
        if extra:
            raise ValidationError("以下项目不在本轮表决之列：" + "、".join(c.title for c in extra))
        for candidate, votes in tallies.items():
            if any(v is None or v < 0 for v in votes):
                raise ValidationError(f"{candidate.title}：票数须为不小于 0 的整数。")
            if sum(votes) > self.present:
                raise ValidationError(
                    f"{candidate.title}：赞成、反对、弃权合计 {sum(votes)} 票，"
                    f"多于出席代表 {self.present} 人。"
                )

    def outcome(self):
        """This round's result by the plan's election rule in force on its day."""
        share = self.plan.rules_on(self.held_on).values[PlanRule.Name.ELECTION_SHARE]
        return elect(
            list(self.tallies.select_related("candidate")), self.seats, self.deputies, share
        )

    # The chain of rounds, its publication and its cancellation.

    def chain(self):
        """This round and the rounds before it, first round first."""
        rounds, ballot = [], self
        while ballot is not None:
            rounds.append(ballot)
            ballot = ballot.tied_from
        return rounds[::-1]

    def publish(self, user):
        """Publish the result: in one transaction the elected candidates of every round
        become the plan's numbered pledges (their targets copied), the others 未当选,
        and the plan enters 实施."""
        with transaction.atomic():
            plan = Plan.objects.select_for_update().get(pk=self.plan_id)
            if plan.stage != Plan.Stage.VOTE or self.cancelled_at or self.published_at:
                raise ValidationError("只有“票决”阶段未公布、未作废的票决结果可以公布。")
            elected = []
            for ballot in self.chain():
                outcome = ballot.outcome()
                elected += outcome.elected
            if self.outcome().tied:
                raise ValidationError("最后名额同票：请先录入同票候选项目的重新表决。")
            now = clock.now()
            for number, candidate in enumerate(elected, start=1):
                project = Project.objects.create(
                    plan=plan,
                    number=number,
                    title=candidate.title,
                    pledge_text=candidate.pledge_text,
                    lead_department=candidate.lead_department,
                )
                project.supporting_departments.set(candidate.supporting_departments.all())
                Target.objects.bulk_create(
                    Target(
                        project=project,
                        order=t.order,
                        name=t.name,
                        unit=t.unit,
                        target_value=t.target_value,
                        kind=t.kind,
                    )
                    for t in candidate.targets.all()
                )
                if candidate.investment is not None:
                    # A draft, not the budget: the department confirms or corrects it.
                    Budget.objects.create(
                        project=project,
                        total=candidate.investment,
                        as_of=clock.today(),
                        estimate=True,
                        state=Budget.State.RETURNED,
                        review_note=ESTIMATE_NOTE,
                        note=f"由候选项目“{candidate.title}”的估算投资带入。",
                    )
                candidate.state, candidate.project = Candidate.State.ELECTED, project
                candidate._history_user = user
                candidate.save()
            for candidate in plan.candidates.filter(state=Candidate.State.CANDIDATE):
                candidate.state = Candidate.State.NOT_ELECTED
                candidate._history_user = user
                candidate.save()
            for ballot in self.chain():
                ballot.published_at = now
                ballot._history_user = user
                ballot.save()
            plan.stage = Plan.Stage.DELIVERY
            plan._history_user = user
            plan.save()

    def cancel(self, user, reason):
        """A mistaken entry: cancelled with its reason, kept on record; the plan may then
        take a new ballot. Never after the result is published."""
        if not reason.strip():
            raise ValidationError("作废票决记录时必须说明原因。")
        if self.published_at:
            raise ValidationError("票决结果已公布，不能作废。")
        if self.next_rounds.standing().exists():
            raise ValidationError("请先作废此后重新表决的那一轮。")
        claimed = Ballot.objects.filter(pk=self.pk, cancelled_at__isnull=True).update(
            cancelled_at=clock.now(), cancel_reason=reason.strip()
        )
        if not claimed:
            raise ValidationError("该票决记录已作废。")
        self.refresh_from_db()
        self._history_user = user
        self.save()


@dataclass
class Outcome:
    elected: list  # candidates elected, by votes for
    tied: list  # candidates tied for the last seats: a new round among them
    open_seats: int  # seats the new round fills
    short: int  # seats no candidate filled with the required majority (they stay empty)


def elect(tallies, seats, deputies, share):
    """The election rule: a candidate needs votes for from more than `share` percent of
    the deputies in office; the qualified are ranked by votes for and take the seats.
    Candidates tied across the last seat go to a new round (`Outcome.tied`); seats with
    no qualified candidate stay empty."""
    needed = Decimal(deputies) * share / 100
    qualified = sorted((t for t in tallies if t.votes_for > needed), key=lambda t: -t.votes_for)
    if len(qualified) <= seats:
        return Outcome([t.candidate for t in qualified], [], 0, seats - len(qualified))
    last = qualified[seats - 1].votes_for
    above = [t.candidate for t in qualified if t.votes_for > last]
    at_last = [t.candidate for t in qualified if t.votes_for == last]
    if len(above) + len(at_last) == seats:
        return Outcome(above + at_last, [], 0, 0)
    return Outcome(above, at_last, seats - len(above), 0)


class Tally(models.Model):
    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, related_name="tallies", verbose_name="票决"
    )
    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="tallies", verbose_name="候选项目"
    )
    votes_for = models.PositiveIntegerField("赞成")
    votes_against = models.PositiveIntegerField("反对")
    abstentions = models.PositiveIntegerField("弃权")

    history = HistoricalRecords()

    class Meta:
        ordering = ["ballot", "-votes_for", "candidate__order"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "candidate"], name="one_tally_per_candidate")
        ]
        verbose_name = "票数"
        verbose_name_plural = "票数"

    def __str__(self):
        return f"{self.candidate.title}：赞成 {self.votes_for}"


class RatingQuerySet(models.QuerySet):
    def public(self):
        """Ratings of published plans, each with the plan's rule in force on its day."""
        rule = (
            PlanRule.objects.filter(
                plan=OuterRef("project__plan"),
                name=PlanRule.Name.RATING_SHARE,
                valid_from__lte=OuterRef("held_on"),
            )
            .order_by("-valid_from", "-pk")
            .values("value")[:1]
        )
        return self.filter(in_published_plan("project__plan")).annotate(
            share_in_force=Subquery(rule)
        )


class Rating(models.Model):
    """The deputies' year-end rating of a pledge (满意度测评), as congress staff record
    its tally; the verdict follows the plan's rule in force on the day (`verdict`)."""

    class Verdict(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    project = models.OneToOneField(
        Project, on_delete=models.PROTECT, related_name="rating", verbose_name="实事"
    )
    held_on = models.DateField("测评日期")
    satisfied = models.PositiveIntegerField("满意")
    basic = models.PositiveIntegerField("基本满意")
    unsatisfied = models.PositiveIntegerField("不满意")
    recorded_by = official_field("录入人", blank=False)
    recorded_at = models.DateTimeField("录入时间", default=clock.now, editable=False)

    objects = RatingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "满意度测评"
        verbose_name_plural = "满意度测评"

    def __str__(self):
        return f"{self.project}：{self.get_verdict_display()}"

    @property
    def valid_votes(self):
        return self.satisfied + self.basic + self.unsatisfied

    def clean(self):
        if self.project_id and self.project.plan.stage != Plan.Stage.RATING:
            raise ValidationError(
                f"只能在“测评”阶段录入满意度测评；该实事所属计划现在是"
                f"“{self.project.plan.get_stage_display()}”阶段。"
            )
        if None not in (self.satisfied, self.basic, self.unsatisfied) and not self.valid_votes:
            raise ValidationError("有效票为 0：请填写各项票数。")

    @property
    def verdict(self):
        """满意 when 满意 exceeds the plan's share of the valid votes; 基本满意 when 满意
        and 基本满意 together do; otherwise 不满意 (as Zhenhai publishes it)."""
        share = getattr(self, "share_in_force", None)
        if share is None:  # not fetched with `public()`: read the rule itself
            share = self.project.plan.rules_on(self.held_on).values[PlanRule.Name.RATING_SHARE]
        needed = Decimal(self.valid_votes) * share / 100
        if self.satisfied > needed:
            return self.Verdict.SATISFIED
        if self.satisfied + self.basic > needed:
            return self.Verdict.BASIC
        return self.Verdict.UNSATISFIED

    def get_verdict_display(self):
        return self.Verdict(self.verdict).label


@dataclass
class Story:
    """Where a pledge came from: the proposals, the candidate, its tallies."""

    candidate: object
    proposals: list
    tallies: list


def project_story(project):
    """The path of a project elected from the public call (None for one entered
    directly): its public proposals and its tally in each standing, published round
    (two queries; none for a project without a candidate)."""
    try:
        candidate = project.candidate
    except models.ObjectDoesNotExist:
        return None
    from projects.models.voice import PublicInput  # the public's voice sits on a higher floor

    proposals = list(
        PublicInput.objects.public().filter(candidate=candidate).order_by("received_at", "pk")
    )
    tallies = list(
        Tally.objects.filter(candidate=candidate, ballot__in=Ballot.objects.public())
        .select_related("ballot")
        .order_by("ballot__held_on", "ballot__pk")
    )
    return Story(candidate, proposals, tallies)
