"""Residents' satisfaction surveyed by random sample (满意度抽样调查), apart from 码上评
and beside, never instead of, the deputies' verdict.

Where each rule lives:
- the arithmetic anyone can re-check (the list's digest, the draw, the codes, the
  margin of error): `projects/rules/surveys.py`;
- the list of affected households is the supervision office's alone: identifiers or
  addresses, no names; no history, never in an export, the API or a package, and
  deleted when the survey closes (`Survey.close`); the draw's record (the list's
  SHA-256, its size, the seed, the sample size) stays and is published;
- each sampled household gets a one-time code on a slip; the code opens the survey once
  (`Survey.answer`); an answer keeps its verdict and day only, never its code, so no
  answer leads back to a household; a comment is public text, moderated like all;
- the sample size and the minimum of responses for shares are the plan's dated rules
  (SURVEY_SAMPLE_SIZE on the day of the draw, SURVEY_MIN_RESPONSES on the day of the
  close), so a published result reads as it did.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from projects.models.plan_rules import PlanRule
from projects.models.plans import Plan, in_published_plan
from projects.models.review import official_field
from projects.models.sites import OnlineRating, Site
from projects.models.tracking import Project
from projects.models.voice import PublicInput
from projects.rules import clock
from projects.rules import surveys as arithmetic

__all__ = ["Household", "Survey", "SurveyAnswer", "SurveyCode"]

# The most households one list may hold: a district's largest project reaches fewer.
MAX_HOUSEHOLDS = 200_000
IDENTIFIER_MAX = 200


class SurveyQuerySet(models.QuerySet):
    def public(self):
        """Closed surveys of published plans: what anyone may read (results only)."""
        return self.filter(in_published_plan("plan"), state=Survey.State.CLOSED)


class Survey(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("导入名单")
        OPEN = "open", _("调查中")
        CLOSED = "closed", _("已结束")

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="surveys", verbose_name="年度计划"
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="surveys", verbose_name="实事"
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="surveys",
        verbose_name="点位",
        help_text="只调查一个点位周边的住户时选择；不选则为整件实事。",
    )
    title = models.CharField("调查名称", max_length=100)
    state = models.CharField(
        "状态", max_length=10, choices=State, default=State.DRAFT, editable=False
    )
    # The draw's record: kept after the list is purged, and published with the results.
    population = models.PositiveIntegerField("名单户数", null=True, editable=False)
    list_sha256 = models.CharField("名单 SHA-256", max_length=64, blank=True, editable=False)
    seed = models.CharField("随机种子", max_length=64, blank=True, editable=False)
    sample_size = models.PositiveIntegerField("抽样户数", null=True, editable=False)
    drawn_at = models.DateTimeField("抽样时间", null=True, editable=False)
    drawn_by = official_field("抽样人")
    closed_at = models.DateTimeField("结束时间", null=True, editable=False)
    closed_by = official_field("结束人")
    # The minimum in force on the day of the close, kept with the results.
    min_responses = models.PositiveIntegerField("公布比例所需答卷数", null=True, editable=False)
    created_by = official_field("创建人")
    created_at = models.DateTimeField("创建时间", default=clock.now, editable=False)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "满意度抽样调查"
        verbose_name_plural = "满意度抽样调查"

    def __str__(self):
        return self.title

    def clean(self):
        if self.project_id and self.plan_id and self.project.plan_id != self.plan_id:
            raise ValidationError({"project": "所选实事不属于该年度计划。"})
        if self.site_id and self.project_id and self.site.target.project_id != self.project_id:
            raise ValidationError({"site": "所选点位不属于该实事。"})

    # The list ------------------------------------------------------------------------

    def import_households(self, identifiers):
        """Replace the list with `identifiers` (in their order), before the draw.
        Raises ValidationError in Chinese for an empty, oversized or repeating list."""
        if self.state != self.State.DRAFT:
            raise ValidationError("已经抽样，名单不能再改。")
        cleaned = [" ".join(str(text).split()) for text in identifiers]
        cleaned = [text for text in cleaned if text]
        if not cleaned:
            raise ValidationError("名单是空的：每行一户，填门牌号、地址或编号。")
        if len(cleaned) > MAX_HOUSEHOLDS:
            raise ValidationError(f"名单超过 {MAX_HOUSEHOLDS:,} 户，请按点位分开调查。")
        long = next((n for n, text in enumerate(cleaned, 1) if len(text) > IDENTIFIER_MAX), None)
        if long:
            raise ValidationError(f"第 {long} 户的标识超过 {IDENTIFIER_MAX} 个字。")
        seen = {}
        for number, text in enumerate(cleaned, 1):
            if text in seen:
                raise ValidationError(
                    f"第 {number} 户与第 {seen[text]} 户相同（{text}）：每户只能出现一次。"
                )
            seen[text] = number
        with transaction.atomic():
            self.households.all().delete()
            Household.objects.bulk_create(
                (Household(survey=self, number=n, identifier=text) for text, n in seen.items()),
                batch_size=5000,
            )
        return len(cleaned)

    def identifiers(self):
        return list(self.households.order_by("number").values_list("identifier", flat=True))

    # The draw ------------------------------------------------------------------------

    def planned_size(self, day):
        name = PlanRule.Name.SURVEY_SAMPLE_SIZE
        return int(self.plan.rules_on(day).values.get(name, PlanRule.default(name)))

    def draw(self, user):
        """Record the list's digest and a new seed, draw the sample and give each
        sampled household a one-time code. Returns the codes, in the sample's order."""
        identifiers = self.identifiers()
        if not identifiers:
            raise ValidationError("请先导入住户名单。")
        size = min(self.planned_size(clock.today()), len(identifiers))
        seed = arithmetic.new_seed()
        digest = arithmetic.list_digest(identifiers)
        sampled = arithmetic.draw(identifiers, seed, size)
        codes = unique_codes(size)
        with transaction.atomic():
            claimed = Survey.objects.filter(pk=self.pk, state=self.State.DRAFT).update(
                state=self.State.OPEN,
                population=len(identifiers),
                list_sha256=digest,
                seed=seed,
                sample_size=size,
                drawn_at=clock.now(),
                drawn_by=user,
            )
            if not claimed:
                raise ValidationError("该调查已经抽过样。")
            self.households.filter(number__in=sampled).update(sampled=True)
            SurveyCode.objects.bulk_create(
                SurveyCode(survey=self, slip=slip, code=code, code_hash=arithmetic.code_hash(code))
                for slip, code in enumerate(codes, 1)
            )
        self.refresh_from_db()
        return codes

    def slips(self):
        """[(household identifier, shown code)] for printing: the n-th sampled
        household (by line number) with the n-th code. Only while the survey is open."""
        if self.state != self.State.OPEN:
            return []
        households = self.households.filter(sampled=True).order_by("number")
        codes = self.codes.order_by("slip").values_list("code", flat=True)
        return [
            (household.identifier, arithmetic.shown_code(code))
            for household, code in zip(households, codes, strict=True)
        ]

    def redraw_check(self):
        """Whether the draw, run again on the stored list with the recorded seed, gives
        the same digest and the same sample (while the list exists)."""
        identifiers = self.identifiers()
        if not identifiers:
            return None
        sampled = arithmetic.draw(identifiers, self.seed, self.sample_size)
        kept = list(
            self.households.filter(sampled=True).order_by("number").values_list("number", flat=True)
        )
        return arithmetic.list_digest(identifiers) == self.list_sha256 and sampled == kept

    # Answers -------------------------------------------------------------------------

    @staticmethod
    def open_code(text):
        """The SurveyCode an unused code opens, or raise ValidationError in Chinese."""
        code = arithmetic.normal_code(text)
        if not code:
            raise ValidationError("调查码应为 12 位字母和数字（如 ABCD-EFGH-JKMN），请核对调查单。")
        found = (
            SurveyCode.objects.select_related("survey__project", "survey__site")
            .filter(code_hash=arithmetic.code_hash(code))
            .first()
        )
        if found is None:
            raise ValidationError("没有这个调查码，请核对调查单上的字母和数字。")
        if found.survey.state != Survey.State.OPEN:
            raise ValidationError("这项调查已经结束，谢谢您的关注。")
        if found.used:
            raise ValidationError("这个调查码已经用过了，每个调查码只能作答一次。")
        return found

    @classmethod
    def answer(cls, text, verdict, comment=""):
        """Take one answer for a code, once: the code is marked used and the answer
        keeps no trace of it. A comment becomes a PublicInput awaiting moderation."""
        if verdict not in SurveyAnswer.Verdict.values:
            raise ValidationError("请选择满意、基本满意或不满意。")
        code = cls.open_code(text)
        with transaction.atomic():
            if not SurveyCode.objects.filter(pk=code.pk, used=False).update(used=True):
                raise ValidationError("这个调查码已经用过了，每个调查码只能作答一次。")
            survey = code.survey
            note = None
            if comment.strip():
                note = PublicInput.objects.create(
                    plan_id=survey.plan_id,
                    project_id=survey.project_id,
                    site_id=survey.site_id,
                    kind=PublicInput.Kind.SURVEY,
                    text=comment.strip(),
                )
            return SurveyAnswer.objects.create(
                survey=survey, verdict=verdict, day=clock.today(), comment=note
            )

    # The close -----------------------------------------------------------------------

    def close(self, user):
        """End the survey: no code opens it again, the minimum in force today is kept
        with the results, and the list and the codes are deleted (their digest stays)."""
        name = PlanRule.Name.SURVEY_MIN_RESPONSES
        minimum = int(self.plan.rules_on(clock.today()).values.get(name, PlanRule.default(name)))
        with transaction.atomic():
            claimed = Survey.objects.filter(pk=self.pk, state=self.State.OPEN).update(
                state=self.State.CLOSED, closed_at=clock.now(), closed_by=user,
                min_responses=minimum,
            )  # fmt: skip
            if not claimed:
                raise ValidationError("只有调查中的调查可以结束。")
            self.households.all().delete()
            self.codes.update(code="")
            self.refresh_from_db()
            self.save()  # its results are public now: the pages' version moves (signals.py)

    # Results -------------------------------------------------------------------------

    def results(self):
        """The published figures (`SurveyResults`), or None before the close."""
        if self.state != self.State.CLOSED:
            return None
        counts = dict(self.answers.order_by().values_list("verdict").annotate(n=models.Count("pk")))
        return SurveyResults.of(self, counts)


@dataclass
class Share:
    verdict: str
    label: str
    count: int
    share: float  # 0–1
    margin: float | None  # 0–1, 95 %


@dataclass
class SurveyResults:
    population: int
    sample: int
    responses: int
    enough: bool
    shares: list

    @property
    def rate(self):
        return self.responses / self.sample if self.sample else 0

    @classmethod
    def of(cls, survey, counts):
        responses = sum(counts.values())
        shares = [
            Share(
                verdict,
                label,
                counts.get(verdict, 0),
                counts.get(verdict, 0) / responses if responses else 0,
                arithmetic.margin(
                    counts.get(verdict, 0) / responses if responses else 0,
                    responses,
                    survey.population,
                ),
            )
            for verdict, label in SurveyAnswer.Verdict.choices
        ]
        return cls(
            survey.population,
            survey.sample_size,
            responses,
            responses >= (survey.min_responses or 0),
            shares,
        )


def unique_codes(count):
    """`count` new codes, none already in use anywhere (a clash of 60 bits is rare, but
    a code must open one survey only)."""
    codes = set()
    while len(codes) < count:
        fresh = {arithmetic.new_code() for _ in range(count - len(codes))}
        taken = set(
            SurveyCode.objects.filter(
                code_hash__in=[arithmetic.code_hash(c) for c in fresh]
            ).values_list("code_hash", flat=True)
        )
        codes |= {c for c in fresh if arithmetic.code_hash(c) not in taken}
    return sorted(codes)


class Household(models.Model):
    """One line of the office's list: an identifier or address, no name. Deleted when
    the survey closes; no history, never exported."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="households")
    number = models.PositiveIntegerField("序号")
    identifier = models.CharField("门牌或编号", max_length=IDENTIFIER_MAX)
    sampled = models.BooleanField("抽中", default=False)

    class Meta:
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="one_household_a_line")
        ]
        verbose_name = "调查住户"
        verbose_name_plural = "调查住户"

    def __str__(self):
        return f"{self.number}. {self.identifier}"


class SurveyCode(models.Model):
    """A one-time code for one slip. The code itself is kept only while the survey is
    open (to print the slips); its hash finds it; no answer refers to it."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="codes")
    slip = models.PositiveIntegerField("调查单序号")
    code = models.CharField("调查码", max_length=arithmetic.CODE_LENGTH, blank=True)
    code_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField("已作答", default=False)

    class Meta:
        ordering = ["survey", "slip"]
        verbose_name = "调查码"
        verbose_name_plural = "调查码"

    def __str__(self):
        return f"{self.survey}：第 {self.slip} 张"


class SurveyAnswer(models.Model):
    """One answer: a verdict and its day, nothing that leads to the household."""

    Verdict = OnlineRating.Verdict

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="answers")
    verdict = models.CharField("评价", max_length=20, choices=Verdict)
    day = models.DateField("作答日期")
    comment = models.OneToOneField(
        PublicInput,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_answer",
        verbose_name="意见",
    )

    class Meta:
        ordering = ["survey", "pk"]
        verbose_name = "调查答卷"
        verbose_name_plural = "调查答卷"

    def __str__(self):
        return f"{self.survey}：{self.get_verdict_display()}"
