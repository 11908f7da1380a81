"""Plans and their year, departments, and the plan's totals.

Where each rule lives:
- what the public may see: `in_published_plan` (every `public()` and `published()`
  queryset starts from it) and `Plan.objects.published()`;
- the year being delivered and the plan a staff page opens on:
  `PlanQuerySet.being_delivered` and `opened_by_staff`;
- a plan's stage, its public call and whether it still takes input: `Plan.clean`,
  `Plan.check_takes_input`, `PlanQuerySet.taking_input`;
- what an official may see: `sees_all_departments` (and the `visible_to(user)`
  queryset methods of each model);
- a plan's percent and counts: `PlanProgress`, from projects annotated by
  `ProjectQuerySet.with_progress` (models/tracking.py), never a query per row.
"""

import collections
from dataclasses import dataclass
from statistics import fmean

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models.fields import CALL_MIN_DAYS, CALL_RULES, EARLIEST_DAY, LAST_PLAN_YEAR
from projects.models.jurisdictions import Jurisdiction, home_jurisdiction, served_code
from projects.models.plan_rules import PlanRule, RulesInForce
from projects.rules import clock, pace


def in_published_plan(path=None):
    """The one definition of published: a filter for plans the public may see, or (with
    `path`, the way from a row to its plan: "plan", "project__plan") for the rows that
    belong to one. Every `public()` queryset starts from it.

    Only the served jurisdiction's plans are public on a page (`served_code`: the one
    its address names, /411721/plans/2021/, else the home one): every address names
    a year, and a year means one plan within a jurisdiction, so no page of one level
    can show another's figures or input (issue 38). A subquery of one code, no join."""
    prefix = f"{path}__" if path else ""
    return Q(**{f"{prefix}is_published": True}) & in_served_jurisdiction(path)


def in_served_jurisdiction(path=None):
    """The filter for the served jurisdiction's plans (`served_code`), by a subquery of
    its code, or (with `path`) for their rows. A plan the previous release made while
    the upgrade ran has none: it is the home one's."""
    prefix = f"{path}__" if path else ""
    code = served_code()
    served = Q(**{f"{prefix}jurisdiction__in": Jurisdiction.objects.filter(code=code).values("pk")})
    if code != settings.HOME_JURISDICTION:
        return served
    return served | Q(**{f"{prefix}jurisdiction__isnull": True})


def of_year(year, path=None, jurisdiction=None):
    """The filter for the plan of `year` within `jurisdiction`, by default the served
    one (`served_code`: the address's, else settings.HOME_JURISDICTION), or (with
    `path`, as in `in_published_plan`) for the rows that belong to it: one year means
    one plan, whatever other levels the database holds."""
    prefix = f"{path}__" if path else ""
    where = (
        in_served_jurisdiction(path)
        if jurisdiction is None
        else Q(**{f"{prefix}jurisdiction": jurisdiction})
    )
    return Q(**{f"{prefix}year": year}) & where


class PlanQuerySet(models.QuerySet):
    def published(self):
        """Plans the public may see."""
        return self.filter(in_published_plan())

    def of_year(self, year, jurisdiction=None):
        """The plan of `year` within `jurisdiction` (at most one), by default the served
        jurisdiction's: what /plans/<year>/ and the API's `plan=<year>` mean."""
        return self.filter(of_year(year, jurisdiction=jurisdiction))

    def below(self, jurisdiction):
        """Published plans of the levels below `jurisdiction` (a city's counties and
        townships: its roll-up), whichever jurisdiction the address serves."""
        return self.filter(
            is_published=True, jurisdiction__path__startswith=jurisdiction.path
        ).exclude(jurisdiction=jurisdiction)

    def real(self):
        """Plans officials entered, not made or filled by make demo (`demo_data`): the
        demo writes nothing beside their reports, nor opens its accounts beside them."""
        return self.filter(demo_data=False)

    def delivering(self):
        """Published plans whose pledges are decided: in 实施 or later."""
        return self.published().filter(stage__in=Plan.PLEDGED_STAGES)

    def current(self):
        """The newest plan in 实施 or later, or None."""
        return self.delivering().order_by("-year").first()

    def being_delivered(self):
        """The years being delivered: published plans in 实施 that take input. Figures
        are due and alerts go out for these; a staff page opens on the newest of them
        (`opened_by_staff`)."""
        return self.published().taking_input().filter(stage=Plan.Stage.DELIVERY)

    def opened_by_staff(self):
        """The plan a staff page shows when none is named: the newest year being
        delivered, else the newest taking input (a district still calling for its
        first), else the newest."""
        for plans in (self.being_delivered(), self.taking_input(), self.served()):
            if plan := plans.order_by("-year").first():
                return plan
        return None

    def open_to(self, stage):
        """The plans a staff tool of `stage` serves (its picker): not archived, in that
        stage; for the work of 实施 (figures, reviews, 督办, the ledger) also those in
        测评, whose late figures are still entered and reviewed (so in January two
        plans may take figures)."""
        stages = Plan.PLEDGED_STAGES if stage == Plan.Stage.DELIVERY else [stage]
        return self.taking_input().filter(stage__in=stages)

    def opened_for(self, stage):
        """The plan a staff tool of `stage` opens on: for 实施's work the plan
        `opened_by_staff`, else the newest in that stage (None when there is none)."""
        if stage == Plan.Stage.DELIVERY:
            return self.opened_by_staff()
        return self.open_to(stage).order_by("-year").first()

    def taking_input(self):
        """The served jurisdiction's plans not archived: the only ones that take figures,
        matters, reviews and the public's input (`Plan.check_takes_input`), there."""
        return self.served().filter(archived_at__isnull=True)

    def served(self):
        """The served jurisdiction's plans (`in_served_jurisdiction`): on a public page
        its address's, in the admin the official's."""
        return self.filter(in_served_jurisdiction())

    def calls_around(self, jurisdiction, day=None):
        """The calls open on `day` (today) of `jurisdiction`, the levels above it and the
        levels below it: every call a resident there may send a proposal to, in the
        tree's order (the calls of every level together, issue 38)."""
        day = day or clock.today()
        above = jurisdiction.path.strip("/").split("/")
        return (
            self.filter(
                Q(jurisdiction__code__in=above)
                | Q(jurisdiction__path__startswith=jurisdiction.path),
                is_published=True,
                stage=Plan.Stage.CALL,
                call_opens__lte=day,
                call_closes__gte=day,
            )
            .select_related("jurisdiction")
            .order_by("jurisdiction__path", "year")
        )

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

    # Nullable in the database for one release: the previous one, still serving during
    # the upgrade, inserts plans without it (`in_served_jurisdiction` counts them as home's).
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        default=home_jurisdiction,
        related_name="plans",
        verbose_name="行政区划",
        help_text="这份计划是哪一级政府的；同一行政区划每年一份计划。",
    )
    year = models.PositiveSmallIntegerField(
        "年度",
        validators=[MinValueValidator(EARLIEST_DAY.year), MaxValueValidator(LAST_PLAN_YEAR)],
    )
    title = models.CharField("标题", max_length=200)
    title_en = models.CharField("英文标题", max_length=200, blank=True)
    announced_on = models.DateField(
        "公布日期", null=True, blank=True, help_text="原文未注明具体日期时留空，在来源说明中写明。"
    )
    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    supervision_phone = models.CharField(
        "监督电话",
        max_length=40,
        blank=True,
        db_default="",
        help_text="印在项目公示牌上的监督举报电话（如区政府督查室的电话）；留空则公示牌写“未填报”。",
    )
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
    # Set with the plan's PlanArchive (projects/api/archive.py), on the plan itself so that a
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
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year"],
                name="one_plan_a_year_per_jurisdiction",
                violation_error_message="本行政区划这一年度已有计划。",
            )
        ]

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
            (
                r
                for r in rows
                if r.valid_from > EARLIEST_DAY and r.name not in PlanRule.STATED_APART
            ),
            key=lambda r: r.valid_from,
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


@dataclass
class PlanProgress:
    """A plan's totals, from projects fetched by `ProjectQuerySet.with_progress()`; each
    figured once (the projects do not change under it)."""

    projects: list
    plan: "Plan" = None  # a level's, in its city's roll-up (`tracking.rollup`)

    @cached_property
    def percent(self):
        """Mean of the projects' percents; a project not reported counts 0. None if none is."""
        if all(p.percent is None for p in self.projects):
            return None
        return fmean(p.percent or 0.0 for p in self.projects)

    def count(self, status):
        """How many of the projects are in `status`."""
        return self.status_counts[status]

    @cached_property
    def status_counts(self):
        # each project's status judged once: a city's page asks for each of its levels
        return collections.Counter(p.status for p in self.projects)

    @cached_property
    def completed_count(self):
        """Projects 已完成: their figures complete, neither 公示中 nor 整改中 (`is_closed`)."""
        return sum(p.is_closed for p in self.projects)

    @property
    def notice_count(self):
        return sum(p.status == pace.Status.NOTICE for p in self.projects)

    @cached_property
    def behind(self):
        """Projects whose status is 推进缓慢, 严重滞后 or 逾期未完成."""
        return [p for p in self.projects if p.status in pace.BEHIND]

    @property
    def by_status(self):
        """[(status, its projects)] for every status, most severe first; 公示中 and
        整改中 only where a project has them (a plan before 公示 reads as it did)."""
        groups = [(s, [p for p in self.projects if p.status == s]) for s in pace.SEVERITY]
        return [(s, found) for s, found in groups if found or s not in pace.NOTICE_STATUSES]

    @cached_property
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


def sees_all_departments(user):
    """Reviewers and administrators see every department's data of the jurisdiction
    they work in (each `visible_to` keeps its rows: `in_served_jurisdiction`);
    reporters their own departments'."""
    return user.is_active and user.has_perm("projects.view_all_departments")


class DepartmentQuerySet(models.QuerySet):
    def of_plan(self, plan):
        """Departments that lead or support a project of `plan`."""
        return self.filter(Q(led_projects__plan=plan) | Q(supported_projects__plan=plan)).distinct()


class Department(models.Model):
    jurisdiction = models.ForeignKey(  # nullable for one release, as a plan's
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        default=home_jurisdiction,
        related_name="departments",
        verbose_name="行政区划",
    )
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


class Counter(models.Model):
    """A count within a fixed window, shared by every process (projects/web/counters.py):
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
    as built, with its checksum (projects/api/archive.py). The CSVs and datapackage.json
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
