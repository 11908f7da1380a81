"""Checks on a photo, made on upload before its metadata is dropped (照片核查).

Where each rule lives:
- what is read from a file and how fingerprints compare: `projects/rules/photos.py`;
- officials' photos (a figure's evidence, a site stage's photo, a practical matter's
  photo, a money document that is an image): `PhotoPrint.record` keeps the capture
  time, the distance to the nearest site of what the photo stands behind as a band
  (never the position), the fingerprint, and the earlier photos it matches
  (`PhotoMatch`); `findings()` says what the reviewer sees beside the photo, judged by
  the plan's rules in force on the day of the check (`PlanRule` PHOTO_*);
- residents' photos (a question, problem, objection or proposal): `record_public`
  keeps the fingerprint only, matched against residents' photos only, to warn the
  moderator of a picture already sent. Their time and place are whereabouts (PIPL):
  never kept;
- the checks inform; nothing here approves, returns or hides anything, and no page,
  API or package of the public reads this module.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from projects.models.matters import Matter
from projects.models.money import MoneyDocument
from projects.models.plan_rules import PlanRule
from projects.models.reports import Evidence, ProgressReport
from projects.models.sites import SiteReport
from projects.models.voice import PublicInput
from projects.rules import clock
from projects.rules import photos as prints_of
from projects.rules.photos import PrintIndex, Prints, metres_between

__all__ = ["PhotoMatch", "PhotoPrint"]

# What a photo stands behind, by the field that names it.
OWNERS = ("evidence", "site_report", "matter", "money_document", "public_input")
# Rows of the last RECENT are read again on each search: a row committed after a later
# id was read (two uploads at once) is not missed.
RECENT = timedelta(minutes=10)


class Band(models.TextChoices):
    NEAR = "near", "近"
    WITHIN_KM = "within", "中"
    FAR = "far", "远"
    NO_SITE = "no_site", "无可比点位"


class Pool(models.TextChoices):
    OFFICIAL = "official", "单位材料"
    PUBLIC = "public", "群众来信"


@dataclass
class Finding:
    """One line beside a photo: `level` is ok, note or flag (for its colour)."""

    level: str
    text: str
    url: str = ""
    link_text: str = ""


class PhotoPrintQuerySet(models.QuerySet):
    def with_matches(self):
        """Each print with `matched` (its matches either way round, with the other
        print's owner), for `findings()`: two queries for any number of prints."""
        return self.prefetch_related(
            models.Prefetch(
                "matches", queryset=PhotoMatch.objects.select_related(*_owner_paths("other"))
            ),
            models.Prefetch(
                "matched_by",
                queryset=PhotoMatch.objects.select_related(*_owner_paths("print")),
            ),
        )


def _owner_paths(prefix):
    return [f"{prefix}__{owner}" for owner in OWNERS] + [
        f"{prefix}__evidence__report__target",
        f"{prefix}__site_report__site",
    ]


def _exactly_one_owner():
    condition = Q()
    for name in OWNERS:
        only = Q(**{f"{name}__isnull": False})
        for other in OWNERS:
            if other != name:
                only &= Q(**{f"{other}__isnull": True})
        condition |= only
    return condition


class PhotoPrint(models.Model):
    """One photo's checks. No coordinate of the photo is stored, only the band."""

    Band = Band
    Pool = Pool

    evidence = models.OneToOneField(
        Evidence, on_delete=models.CASCADE, null=True, blank=True, related_name="print"
    )
    site_report = models.OneToOneField(
        SiteReport, on_delete=models.CASCADE, null=True, blank=True, related_name="print"
    )
    matter = models.OneToOneField(
        Matter, on_delete=models.CASCADE, null=True, blank=True, related_name="print"
    )
    money_document = models.OneToOneField(
        MoneyDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="print"
    )
    public_input = models.OneToOneField(
        PublicInput, on_delete=models.CASCADE, null=True, blank=True, related_name="print"
    )
    pool = models.CharField("来源", max_length=10, choices=Pool)
    fingerprint = models.BigIntegerField("指纹")
    variants = models.BinaryField("裁切指纹")
    # Officials' photos only: residents' capture time is never kept.
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True)
    had_position = models.BooleanField("带有拍摄位置", default=False)
    band = models.CharField("距点位", max_length=10, choices=Band, blank=True)
    # The photo's period, as the checks read it on upload (report date edits re-check).
    period_from = models.DateField("本期起", null=True, blank=True)
    period_to = models.DateField("本期止", null=True, blank=True)
    checked_at = models.DateTimeField("核查时间", default=clock.now, db_index=True)

    objects = PhotoPrintQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_exactly_one_owner(), name="photo_print_one_owner")
        ]
        indexes = [models.Index(fields=["pool", "id"], name="photo_print_pool_idx")]
        verbose_name = "照片核查"
        verbose_name_plural = "照片核查"

    def __str__(self):
        return f"照片核查 {self.pk}"

    @property
    def prints(self):
        return Prints(self.fingerprint, bytes(self.variants))

    # What the photo stands behind -------------------------------------------------

    @property
    def owner(self):
        for name in OWNERS:
            if getattr(self, f"{name}_id"):
                return getattr(self, name)
        return None

    def owner_label(self):
        """What the photo stands behind, in a few words, for the reviewer's link."""
        if self.evidence_id:
            report = self.evidence.report
            return f"填报“{report.target.name}”{report.as_of:%Y-%m-%d}"
        if self.site_report_id:
            stage = self.site_report
            return f"点位“{stage.site.name}”{stage.get_stage_display()}（{stage.as_of:%Y-%m-%d}）"
        if self.matter_id:
            return f"办实事“{self.matter.title}”"
        if self.money_document_id:
            return f"资金与手续材料“{self.money_document}”"
        if self.public_input_id:
            return f"群众来信 {self.public_input.pk}"
        return "已删除的材料"

    def owner_url(self):
        """The admin page of what the photo stands behind (it checks who may see it)."""
        if self.evidence_id:
            return reverse("admin:projects_progressreport_change", args=[self.evidence.report_id])
        if self.site_report_id:
            return reverse("admin:projects_sitereport_change", args=[self.site_report_id])
        if self.matter_id:
            return reverse("admin:projects_matter_change", args=[self.matter_id])
        if self.money_document_id:
            return self.money_document.get_absolute_url()
        if self.public_input_id:
            return reverse("admin:projects_publicinput_change", args=[self.public_input_id])
        return ""

    # Recording ---------------------------------------------------------------------

    @classmethod
    def record(cls, owner, prints, capture):
        """Check an official's photo for `owner` (Evidence, SiteReport, Matter or
        MoneyDocument, saved) and keep the result in place of any earlier one. The
        position in `capture` goes into a band and is then dropped."""
        places = photo_places(owner)
        rules = rules_for(photo_plan(owner), clock.today())
        print_ = cls(pool=Pool.OFFICIAL, fingerprint=prints.fingerprint, variants=prints.variants)
        setattr(print_, owner_field(owner), owner)
        print_.taken_at = capture.taken_at
        print_.had_position = capture.has_position
        if capture.has_position:
            if places:
                nearest = min(
                    metres_between(capture.latitude, capture.longitude, lat, lon)
                    for lat, lon in places
                )
                near = rules[PlanRule.Name.PHOTO_NEAR_METRES]
                far = rules[PlanRule.Name.PHOTO_FAR_METRES]
                print_.band = (
                    Band.NEAR if nearest <= near else Band.WITHIN_KM if nearest <= far else Band.FAR
                )
            else:
                print_.band = Band.NO_SITE
        print_.period_from, print_.period_to = photo_period(owner)
        return cls._keep(print_, rules[PlanRule.Name.PHOTO_MATCH_BITS])

    @classmethod
    def record_public(cls, item, prints):
        """A resident's photo: its fingerprint only, matched among residents' photos."""
        print_ = cls(
            pool=Pool.PUBLIC,
            public_input=item,
            fingerprint=prints.fingerprint,
            variants=prints.variants,
        )
        return cls._keep(print_, PlanRule.default(PlanRule.Name.PHOTO_MATCH_BITS))

    @classmethod
    def _keep(cls, print_, bits):
        field = next(name for name in OWNERS if getattr(print_, f"{name}_id"))
        earlier = cls.objects.filter(**{field: getattr(print_, f"{field}_id")})
        matches = search(print_.pool, print_.prints, bits)
        with transaction.atomic():
            for replaced in earlier.values_list("pk", flat=True):  # the same photo, sent again
                matches.pop(replaced, None)
            earlier.delete()
            print_.save()
            PhotoMatch.objects.bulk_create(
                PhotoMatch(print=print_, other_id=other, bits=apart)
                for other, apart in matches.items()
            )
        return print_

    def recheck_period(self):
        """The period again, after the date of what it stands behind changed."""
        period = photo_period(self.owner)
        if period != (self.period_from, self.period_to):
            self.period_from, self.period_to = period
            self.save(update_fields=["period_from", "period_to"])

    # What the reviewer sees --------------------------------------------------------

    def findings(self, rules=None):
        """[Finding], what the checks found, for the review page (needs
        `with_matches`; `rules` of the check's day, else read here)."""
        lines = []
        if self.pool == Pool.OFFICIAL:
            if rules is None:
                rules = rules_for(photo_plan(self.owner), timezone.localdate(self.checked_at))
            lines += self._capture_findings(rules)
        for match, other in self.matched():
            lines.append(
                Finding(
                    "flag",
                    f"同一张照片（相差 {match.bits} 位）已用于",
                    other.owner_url(),
                    other.owner_label(),
                )
            )
        if not lines:
            lines.append(Finding("ok", "未发现重复使用"))
        return lines

    def matched(self):
        """(match, the other print) either way round, the earlier first."""
        pairs = [(m, m.other) for m in self.matches.all()]
        pairs += [(m, m.print) for m in self.matched_by.all()]
        return sorted(pairs, key=lambda pair: pair[1].checked_at)

    def _capture_findings(self, rules):
        lines = []
        if self.taken_at is None and not self.had_position:
            return [
                Finding(
                    "flag",
                    "没有拍摄信息（无拍摄时间、无位置）：可能是截图、转发或处理过的图片，请核实",
                )
            ]
        lines.append(self._time_finding(rules))
        lines.append(self._place_finding(rules))
        return lines

    def _time_finding(self, rules):
        if self.taken_at is None:
            return Finding("flag", "没有拍摄时间")
        taken = timezone.localtime(self.taken_at)
        said = f"拍摄于 {taken:%Y-%m-%d %H:%M}"
        grace = timedelta(days=int(rules[PlanRule.Name.PHOTO_TIME_GRACE_DAYS]))
        day = taken.date()
        if self.taken_at > self.checked_at + timedelta(hours=1):
            return Finding("flag", f"{said}，晚于上传时间：相机时间不可信")
        if self.period_from and day < self.period_from - grace:
            return Finding("flag", f"{said}，早于本期（{self.period_from:%Y-%m-%d} 之后）")
        if self.period_to and day > self.period_to + grace:
            return Finding("flag", f"{said}，晚于所报日期（{self.period_to:%Y-%m-%d}）")
        return Finding("ok", f"{said}，在本期内")

    def _place_finding(self, rules):
        near = int(rules[PlanRule.Name.PHOTO_NEAR_METRES])
        far = int(rules[PlanRule.Name.PHOTO_FAR_METRES])
        if not self.had_position:
            return Finding("note", "没有拍摄位置")
        if self.band == Band.NEAR:
            return Finding("ok", f"拍摄位置距最近点位 {near} 米以内")
        if self.band == Band.WITHIN_KM:
            return Finding("note", f"拍摄位置距最近点位 {near} 米至 {metres(far)}")
        if self.band == Band.FAR:
            return Finding("flag", f"拍摄位置距最近点位超过 {metres(far)}")
        return Finding("note", "带有拍摄位置，但没有带坐标的点位可比")

    @property
    def flagged(self):
        return any(line.level == "flag" for line in self.findings())


def metres(value):
    return f"{value / 1000:g} 公里" if value >= 1000 and value % 100 == 0 else f"{value} 米"


class PhotoMatch(models.Model):
    """A photo found to be the same picture as an earlier one."""

    print = models.ForeignKey(PhotoPrint, on_delete=models.CASCADE, related_name="matches")
    other = models.ForeignKey(PhotoPrint, on_delete=models.CASCADE, related_name="matched_by")
    bits = models.PositiveSmallIntegerField("相差位数")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["print", "other"], name="one_photo_match_a_pair")
        ]
        verbose_name = "重复照片"
        verbose_name_plural = "重复照片"

    def __str__(self):
        return f"{self.print_id} ≈ {self.other_id}（{self.bits} 位）"


# Checking ----------------------------------------------------------------------------


def owner_field(owner):
    return {
        Evidence: "evidence",
        SiteReport: "site_report",
        Matter: "matter",
        MoneyDocument: "money_document",
        PublicInput: "public_input",
    }[type(owner)]


def photo_plan(owner):
    """The plan whose rules judge a photo behind `owner`."""
    if isinstance(owner, Evidence):
        return owner.report.target.project.plan
    if isinstance(owner, SiteReport):
        return owner.site.target.project.plan
    if isinstance(owner, Matter):
        return owner.plan
    if isinstance(owner, MoneyDocument):
        return money_entry(owner).project.plan
    raise TypeError(owner)


def photo_places(owner):
    """[(latitude, longitude)] of the places a photo behind `owner` should be taken at:
    a figure's, its target's sites; a site stage's, that site; else none."""
    if isinstance(owner, Evidence):
        points = owner.report.target.sites.exclude(latitude=None).exclude(longitude=None)
        return [(float(s.latitude), float(s.longitude)) for s in points]
    if isinstance(owner, SiteReport) and owner.site.has_point:
        return [(float(owner.site.latitude), float(owner.site.longitude))]
    return []


def money_entry(document):
    for name in ("budget", "funding", "contract", "payment", "step_report"):
        if getattr(document, f"{name}_id"):
            return getattr(document, name)
    raise ValueError("a money document without its entry")


def photo_period(owner):
    """(from, to): the days a photo behind `owner` should be taken in; None where open.
    A figure's: after the target's previous approved figure (or the plan's start), up
    to its date. A site stage's: after the site's previous approved stage, up to its
    date (a 施工前 photo has no start). A matter's: the plan's period up to its date.
    A money document's: from the year before the plan up to its entry's date."""
    if isinstance(owner, Evidence):
        report = owner.report
        previous = last_day(ProgressReport.objects.filter(target=report.target_id), report.as_of)
        return previous or report.target.project.plan.period_start, report.as_of
    if isinstance(owner, SiteReport):
        if owner.phase == SiteReport.Phase.BEFORE:
            return None, owner.as_of
        return last_day(SiteReport.objects.filter(site=owner.site_id), owner.as_of), owner.as_of
    if isinstance(owner, Matter):
        return owner.plan.period_start, owner.done_on
    if isinstance(owner, MoneyDocument):
        entry = money_entry(owner)
        plan = entry.project.plan
        day = next(
            (
                getattr(entry, field)
                for field in ("paid_on", "accepted_on", "done_on", "signed_on", "as_of")
                if getattr(entry, field, None)
            ),
            None,
        )
        return date(plan.period_start.year - 1, 1, 1), day
    raise TypeError(owner)


def last_day(entries, before):
    """The latest date of the approved `entries` before `before`, or None."""
    earlier = entries.approved().filter(as_of__lt=before).order_by("-as_of")
    return earlier.values_list("as_of", flat=True).first()


def rules_for(plan, day):
    values = plan.rules_on(day).values
    return {name: values.get(name, PlanRule.default(name)) for name in PHOTO_RULES}


PHOTO_RULES = (
    PlanRule.Name.PHOTO_NEAR_METRES,
    PlanRule.Name.PHOTO_FAR_METRES,
    PlanRule.Name.PHOTO_TIME_GRACE_DAYS,
    PlanRule.Name.PHOTO_MATCH_BITS,
)


# The search ----------------------------------------------------------------------------

# One index per pool in each process, brought up to date from the database on every
# search (new rows, and the last RECENT's again), so a photo uploaded on any worker or
# machine is found by the next upload anywhere. Matches are read back from the database,
# so a deleted or rolled-back row is never reported.
_indexes = {}


def search(pool, prints, bits):
    """{print id: bits apart} of the stored photos of `pool` within `bits` of `prints`."""
    index = _indexes.setdefault(pool, PrintIndex())
    rows = PhotoPrint.objects.filter(pool=pool)
    newest = rows.aggregate(newest=models.Max("id"))["newest"] or 0
    if newest < index.max_id:  # rows were removed (a restore, a rolled-back test)
        index = _indexes[pool] = PrintIndex()
    # Two questions, each on its own index (one with OR would read the whole pool).
    fields = ("id", "fingerprint", "variants")
    index.add(rows.filter(id__gt=index.max_id).values_list(*fields))
    recent = PhotoPrint.objects.filter(checked_at__gte=clock.now() - RECENT)
    index.add(row[1:] for row in recent.values_list("pool", *fields) if row[0] == pool)
    near = index.near(prints, bits)
    if not near:
        return {}
    found = {}
    for pk, fingerprint, variants in rows.filter(id__in=near).values_list(
        "id", "fingerprint", "variants"
    ):
        apart = prints_of.distance(prints, Prints(fingerprint, bytes(variants)))
        if apart <= bits:
            found[pk] = apart
    return found
