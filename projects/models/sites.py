"""Sites (点位): the named places where a pledge is delivered, their stages, and the
online ratings (码上评) people give from a site's 民生码.

Where each rule lives:
- what the public may see: `Site.objects.public()` (a site with an approved stage),
  `SiteReport.objects.approved()`; `OnlineRating` tallies count at once (a number, no
  text); a rating's comment is a `PublicInput` and waits for a moderator;
- a stage change is entered, reviewed and approved like a figure (`SiteReport.approve`,
  `return_to_reporter`; nobody approves a change they entered or edited);
- a target that counts sites (`Target.counted_stage`) takes its figures from its
  sites only: each approved stage change writes the count as an approved report of the
  target (`SiteReport.write_figures`), so every page, `?as_of=`, feed and export keeps
  reading reports, and the number and the list cannot disagree;
- one rating per browser per project per month, and a cap per client address below
  the ledger's minimum, counted under a lock on the project (`OnlineRating.take`); the
  ledger lists a project only when its month's ratings come from enough networks
  (`dissatisfied_projects`), counted by the rating that first came from each
  (`OnlineRating.new_network`), which outlives the purged hashes.
"""

import uuid
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models.plan_rules import PlanRule
from projects.models.plans import in_published_plan
from projects.models.reports import IMAGE_EXTENSIONS, ProgressReport
from projects.models.review import ReviewedEntry, official_field
from projects.models.tracking import Project, SiteStage, Target
from projects.models.voice import PublicInput
from projects.rules import clock, geo
from projects.rules.days import end_of, month_end
from projects.rules.formatting import share


def month_of(day):
    return date(day.year, day.month, 1)


class SiteQuerySet(models.QuerySet):
    def public(self):
        """Sites of published projects with at least one approved stage: what anyone
        may see."""
        approved = SiteReport.objects.approved().filter(site=OuterRef("pk"))
        return self.filter(Exists(approved), in_published_plan("target__project__plan"))

    def visible_to(self, user):
        return self.filter(target__in=Target.objects.visible_to(user))

    def with_stages(self):
        """Each site with `approved_reports` (oldest first) for `stage_on(day)`."""
        return self.select_related("target__project__plan").prefetch_related(
            models.Prefetch(
                "reports",
                queryset=SiteReport.objects.approved().in_stage_order(),
                to_attr="approved_reports",
            )
        )

    def shown_on(self, day):
        """The sites with a stage on `day`, each with `shown_stage` (two queries)."""
        shown = []
        for site in self.with_stages():
            site.shown_stage = site.stage_on(day)
            if site.shown_stage is not None:
                shown.append(site)
        return shown


class Site(models.Model):
    """A place where a target is delivered: a pocket park, a clinic, a road section."""

    Stage = SiteStage

    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="sites", verbose_name="指标"
    )
    name = models.CharField("点位名称", max_length=100)
    street = models.CharField("街道（乡镇）", max_length=30)
    community = models.CharField("社区（村）", max_length=30, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    # WGS-84 degrees (天地图's CGCS2000 is the same at this precision); the admin form
    # converts GCJ-02 (高德、腾讯地图) on entry (projects/rules/geo.py).
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    created_by = official_field("录入人")
    created_at = models.DateTimeField("录入时间", default=clock.now, editable=False)

    objects = SiteQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["target", "street", "name", "pk"]
        verbose_name = "点位"
        verbose_name_plural = "点位"

    def __str__(self):
        return f"{self.name}（{self.street}）"

    def get_absolute_url(self):
        return reverse("projects:spot", args=["s", self.pk])

    @property
    def project(self):
        return self.target.project

    @property
    def has_point(self):
        return self.longitude is not None and self.latitude is not None

    def clean(self):
        if (self.longitude is None) != (self.latitude is None):
            raise ValidationError("经度和纬度须同时填写，或都不填。")
        message = geo.check(self.longitude, self.latitude)
        if message:
            raise ValidationError({"latitude": message})

    def stage_on(self, day=None):
        """The latest approved stage dated on or before `day` (needs `with_stages`), or
        None before the first."""
        reports = [r for r in self.approved_reports if day is None or r.as_of <= day]
        return reports[-1] if reports else None

    def phase_photos(self, day=None):
        """The latest approved photo marked 施工前, 施工中 (if any) and 完工后 up to
        `day`, in that order, for the public's before-and-after view; none unless there
        are both a 施工前 and a 完工后 photo (needs `with_stages`)."""
        latest = {
            r.phase: r
            for r in self.approved_reports
            if r.photo and r.phase and (day is None or r.as_of <= day)
        }
        phases = SiteReport.Phase
        if phases.BEFORE not in latest or phases.AFTER not in latest:
            return []
        return [latest[phase] for phase in phases if phase in latest]


def site_photo_path(report, filename):
    return f"sites/{report.key.hex}{report.photo_extension}"


# The order a site's stages hold in: by date, then by approval (of two for one day, the
# later approved holds), then by entry. `stage_on` reads the last of them up to a day.
STAGE_ORDER = ("as_of", "reviewed_at", "pk")


class SiteReportQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state=SiteReport.State.APPROVED)

    def in_stage_order(self):
        return self.order_by(*STAGE_ORDER)

    def current_first(self):
        return self.order_by(*(f"-{field}" for field in STAGE_ORDER))

    def visible_to(self, user):
        return self.filter(site__in=Site.objects.visible_to(user))


class SiteReport(ReviewedEntry):
    """A site's stage from a day on, with a photo: public once a reviewer approves it."""

    Stage = SiteStage
    WHAT = "点位阶段"

    class Phase(models.TextChoices):
        """What the photo shows of the works, for the public's before-and-after pair."""

        BEFORE = "before", _("施工前")
        DURING = "during", _("施工中")
        AFTER = "after", _("完工后")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="reports", verbose_name="点位"
    )
    stage = models.PositiveSmallIntegerField("阶段", choices=SiteStage)
    as_of = models.DateField("日期", help_text="达到该阶段的日期。")
    note = models.TextField("说明", blank=True, help_text="阶段倒退（更正）时必须说明原因。")
    photo = models.FileField("现场照片", upload_to=site_photo_path, max_length=200, blank=True)
    photo_type = models.CharField(max_length=20, blank=True, editable=False)
    photo_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    phase = models.CharField(
        "照片类别",
        max_length=10,
        choices=Phase,
        blank=True,
        db_default="",
        help_text="施工前、施工中或完工后：公开页面把同一点位的施工前与完工后照片并排展示。",
    )

    objects = SiteReportQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-as_of", "-pk"]
        verbose_name = "点位阶段填报"
        verbose_name_plural = "点位阶段填报"

    def __str__(self):
        return f"{self.site.name}：{self.get_stage_display()}（{self.as_of:%Y-%m-%d}）"

    @property
    def photo_extension(self):
        return IMAGE_EXTENSIONS.get(self.photo_type, "")

    def previous(self):
        """The site's approved stage dated on or before this one, other than itself."""
        earlier = self.site.reports.approved().filter(as_of__lte=self.as_of)
        if self.pk:
            earlier = earlier.exclude(pk=self.pk)
        return earlier.current_first().first()

    def clean(self):
        if not (self.site_id and self.as_of and self.stage is not None):
            return
        plan = self.site.target.project.plan
        plan.check_takes_input()
        today = clock.today()
        earliest = date(plan.period_start.year - 1, 1, 1)
        if self.as_of > today:
            raise ValidationError({"as_of": f"日期不能晚于今天（{today:%Y-%m-%d}）。"})
        if self.as_of < earliest:
            raise ValidationError(
                {"as_of": f"日期不能早于 {earliest:%Y-%m-%d}（计划开始的前一年）。"}
            )
        previous = self.previous()
        if previous is not None and self.stage < previous.stage and not self.note.strip():
            raise ValidationError(
                {
                    "note": f"该点位截至 {previous.as_of:%Y-%m-%d} 已是“"
                    f"{previous.get_stage_display()}”，阶段倒退属于更正，请说明原因。"
                }
            )

    ENTRY_FIELDS = ("site_id", "stage", "as_of", "note", "photo", "phase")

    def approve(self, user):
        self.check_reviewer(user)
        self.clean()
        with transaction.atomic():
            # Approvals of one target's sites wait for each other: each counts the others.
            target = Target.objects.select_for_update().get(pk=self.site.target_id)
            self.reviewed(user, self.State.APPROVED)
            self.write_figures(target, user)

    def write_figures(self, target, reviewer):
        """For a target that counts sites: the count on this change's day, and on each
        later day the target has a figure for, written as approved reports where it
        differs from the figure shown for that day (a later day's becomes a correction,
        with its reason). The count is of the target's sites at or past the target's
        `counted_stage` on that day."""
        if target.counted_stage is None:
            return
        days = [
            self.as_of,
            *target.reports.approved().filter(as_of__gt=self.as_of).dates("as_of", "day"),
        ]
        sites = list(Site.objects.public().filter(target=target).with_stages())
        for day in sorted(set(days)):
            count = sum(
                1
                for site in sites
                if (stage := site.stage_on(day)) is not None and stage.stage >= target.counted_stage
            )
            current = ProgressReport.objects.current_first(target, day).first()
            if current is not None and current.value == count:
                continue
            if day == self.as_of:
                note = f"点位“{self.site.name}”{self.as_of:%Y-%m-%d}{self.get_stage_display()}"
            else:
                note = f"补报点位“{self.site.name}”{self.as_of:%Y-%m-%d}的阶段后，按点位重新计数"
            report = ProgressReport(
                target=target,
                value=count,
                as_of=day,
                note=note + (f"：{self.note.strip()}" if self.note.strip() else "。"),
                state=ProgressReport.State.APPROVED,
                created_by_id=self.created_by_id,
                submitted_by_id=self.created_by_id,
                submitted_at=self.created_at,
                reviewed_by=reviewer,
                reviewed_at=clock.now(),
                from_sites=True,
            )
            report.corrects = current if report.is_correction_of(current) else None
            report._history_user = reviewer
            report.save()


class OnlineRatingQuerySet(models.QuerySet):
    def tallies(self):
        """Counts of each verdict and of the networks the ratings came from (`networks`;
        `unrecorded`: ratings given before networks were counted), grouped by whatever
        `values()` came before."""
        verdict = OnlineRating.Verdict
        return self.annotate(
            total=Count("pk"),
            satisfied=Count("pk", filter=Q(verdict=verdict.SATISFIED)),
            fair=Count("pk", filter=Q(verdict=verdict.FAIR)),
            dissatisfied=Count("pk", filter=Q(verdict=verdict.DISSATISFIED)),
            networks=Count("pk", filter=Q(new_network=True)),
            unrecorded=Count("pk", filter=Q(new_network__isnull=True)),
        )

    def public(self):
        return self.filter(in_published_plan("project__plan"))


class OnlineRating(models.Model):
    """码上评: one person's verdict on a project (and the site they stood at), counted at
    once. Unverified: one per browser per project per month, a cap per address and a
    count of the networks they came from is all that can be checked without accounts,
    and the pages say so."""

    class Verdict(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        FAIR = "fair", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="online_ratings", verbose_name="实事"
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="online_ratings",
        verbose_name="点位",
    )
    verdict = models.CharField("评价", max_length=20, choices=Verdict)
    month = models.DateField("月份", help_text="评价所在月份的第一天（北京时间）。")
    rated_at = models.DateTimeField("评价时间", default=clock.now)
    # Keyed hashes of the browser's cookie and the client address, only to count; emptied
    # by purge_contacts once the month is over (PIPL: kept no longer than needed).
    # NULL, not "": the one-a-month constraint then leaves emptied rows alone.
    browser = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    address = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    network = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # The first of its project-month from its network (IPv4 /24, IPv6 /48): the month's
    # networks are these ratings, so the count outlives the purged hashes and reads the
    # same for any day. NULL: given before networks were counted (未记录).
    new_network = models.BooleanField("该网络本月首条", null=True, editable=False)
    comment = models.OneToOneField(
        PublicInput,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rating",
        verbose_name="评价留言",
    )

    objects = OnlineRatingQuerySet.as_manager()

    class Meta:
        ordering = ["-rated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month", "browser"], name="one_online_rating_a_month"
            )
        ]
        indexes = [models.Index(fields=["project", "month"], name="online_rating_month_idx")]
        verbose_name = "码上评"
        verbose_name_plural = "码上评"

    def __str__(self):
        return f"{self.project}：{self.get_verdict_display()}（{self.month:%Y-%m}）"

    @staticmethod
    def check_open(project):
        plan = project.plan
        if plan.archived_at or plan.stage not in (plan.Stage.DELIVERY, plan.Stage.RATING):
            raise ValidationError(
                "该年度计划已结束（或尚未实施），不再接受码上评。可以在码上提中反映问题。"
            )

    def take(self):
        """Check the limits and fill in `new_network`, under a lock on the project, so
        that two ratings at once cannot both pass the cap or both count as a network's
        first (SQLite takes its write lock at the transaction's start). Call inside a
        transaction, then save."""
        list(Project.objects.select_for_update().filter(pk=self.project_id).values("pk"))
        self.check_limits(self.project, self.month, self.browser, self.address)
        rated = OnlineRating.objects.filter(project=self.project_id, month=self.month)
        self.new_network = bool(self.network) and not rated.filter(network=self.network).exists()

    @classmethod
    def rated_by(cls, project, month, browser):
        """Whether `browser` (its keyed hash) has rated `project` in `month`: one a month."""
        return (
            bool(browser)
            and cls.objects.filter(project=project, month=month, browser=browser).exists()
        )

    @classmethod
    def next_chance(cls, project, browser, today):
        """The day `browser` may rate `project` again (the first of next month), or None
        when it may rate it today; for the form to say before it is filled in."""
        month = month_of(today)
        return (
            month_end(month) + timedelta(days=1) if cls.rated_by(project, month, browser) else None
        )

    @classmethod
    def check_limits(cls, project, month, browser, address):
        rated = cls.objects.filter(project=project, month=month)
        if cls.rated_by(project, month, browser):
            raise ValidationError(
                f"本月（{month:%Y年%m月}）您已评价过这件实事，每月只能评价一次。"
                "下个月可以再评；有具体问题请用码上提反映。"
            )
        if address and rated.filter(address=address).count() >= cls.cap(project, month):
            raise ValidationError("本月从您所在网络提交的评价已达上限。如需反映问题，请用码上提。")

    @staticmethod
    def cap(project, month):
        """Ratings one address may give a project in a month (the plan's rule today)."""
        name = PlanRule.Name.ONLINE_RATINGS_PER_ADDRESS
        return project.plan.rules_on(clock.today()).values.get(name, PlanRule.default(name))

    @classmethod
    def purge_fingerprints(cls, today):
        """Empty the browser and address hashes of months already over."""
        return (
            cls.objects.filter(month__lt=month_of(today))
            .exclude(browser__isnull=True, address__isnull=True, network__isnull=True)
            .update(browser=None, address=None, network=None)
        )


def month_tallies(ratings):
    """[{month, total, satisfied, fair, dissatisfied, dissatisfied_percent, networks,
    unrecorded}], newest month first, for a queryset of ratings (one query); networks
    count for a whole project's ratings, not a site's."""
    rows = list(ratings.order_by().values("month").tallies().order_by("-month"))
    for row in rows:
        row["dissatisfied_percent"] = share(row["dissatisfied"], row["total"])
    return rows


def sites_geojson(sites, day, origin=""):
    """An RFC 7946 FeatureCollection of the sites with a point (needs `with_stages`):
    WGS-84, longitude first; each with its stage on `day` and the address of its page."""
    features = []
    for site in sites:
        if not site.has_point:
            continue
        stage = site.stage_on(day)
        features.append(
            {
                "type": "Feature",
                "id": site.pk,
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(site.longitude), float(site.latitude)],
                },
                "properties": {
                    "name": site.name,
                    "street": site.street,
                    "community": site.community,
                    "address": site.address,
                    "project": str(site.target.project),
                    "target": site.target.name,
                    "stage": stage.stage if stage else None,
                    "stage_label": str(SiteStage(stage.stage).label) if stage else None,
                    "stage_since": stage.as_of.isoformat() if stage else None,
                    "url": origin + site.get_absolute_url(),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def dissatisfied_projects(plan, day):
    """The plan's projects whose online ratings in `day`'s month, up to `day`, are more
    than the plan's `online_dissatisfied_share` percent 不满意, once there are at least
    `online_rating_minimum` of them from at least `online_rating_networks` networks
    (rules in force on `day`; before the networks rule, none is asked): the 督查台账's
    list. Each with `tally` (two queries)."""

    rules = plan.rules_on(day).values
    limit = rules[PlanRule.Name.ONLINE_DISSATISFIED_SHARE]
    minimum = rules[PlanRule.Name.ONLINE_RATING_MINIMUM]
    networks = rules.get(PlanRule.Name.ONLINE_RATING_NETWORKS, 0)
    rows = (
        OnlineRating.objects.filter(project__plan=plan, month=month_of(day))
        .filter(rated_at__lt=end_of(day))
        .order_by()
        .values("project")
        .tallies()
    )
    flagged = {
        row["project"]: row
        for row in rows
        if row["total"] >= minimum
        and row["networks"] >= networks
        and 100 * row["dissatisfied"] > limit * row["total"]
    }
    projects = Project.objects.filter(pk__in=flagged).select_related("lead_department")
    for project in projects:
        row = flagged[project.pk]
        row["dissatisfied_percent"] = share(row["dissatisfied"], row["total"])
        project.tally = row
    return sorted(projects, key=lambda p: p.number)
