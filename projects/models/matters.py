"""The register of practical matters (我为群众办实事): what each department did for the
people beside the pledges, behind a public claim of a number ("1000余项").

Where each rule lives:
- what the public may see: `Matter.objects.public()` (approved, of a published plan);
- who enters and reviews: a department's reporters enter their department's matters
  (`MatterQuerySet.visible_to`), every save goes (back) to review, an approved one's
  correction too (`Matter.EDITABLE_STATES`), and a reviewer approves or returns it,
  never one they entered or changed (`Matter.hands`);
- what a matter may say: `Matter.clean` (the date within the plan's year and not after
  today, a sane number of people);
- the totals the public page shows: `matter_totals` (by department, category, month).
"""

import uuid
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from simple_history.models import HistoricalRecords

from projects.models.plans import (
    Department,
    Plan,
    in_published_plan,
    in_served_jurisdiction,
    sees_all_departments,
)
from projects.models.reports import IMAGE_EXTENSIONS
from projects.models.review import ReviewedEntry
from projects.models.voice import PublicInput
from projects.rules import clock

# More people than live in the district (about 900,000) is a typing error.
BENEFICIARIES_MAX = 1_000_000
Category = PublicInput.Category


def matter_photo_path(matter, filename):
    return f"matters/{matter.key.hex}{matter.photo_extension}"


class MatterQuerySet(models.QuerySet):
    def public(self):
        return self.filter(in_published_plan("plan"), state=Matter.State.APPROVED)

    def visible_to(self, user):
        """Reviewers and administrators see every department's of their jurisdiction;
        reporters their own departments'."""
        if sees_all_departments(user):
            return self.filter(in_served_jurisdiction("plan"))
        return self.filter(department__in=user.departments.all())

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(title__icontains=text) | Q(place__icontains=text) | Q(description__icontains=text)
        )


class Matter(ReviewedEntry):
    WHAT = "事项"
    # Unlike a figure, which a later report corrects, a matter has nothing after it: an
    # approved one is corrected in place, goes back to review (and off the public list)
    # until approved again, and its history keeps what it said before.
    EDITABLE_STATES = (*ReviewedEntry.EDITABLE_STATES, ReviewedEntry.State.APPROVED)

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="matters", verbose_name="年度计划"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="matters", verbose_name="责任单位"
    )
    done_on = models.DateField("办结日期")
    title = models.CharField("事项", max_length=100)
    category = models.CharField("类别", max_length=20, choices=Category)
    place = models.CharField("街道/社区", max_length=60, blank=True)
    beneficiaries = models.PositiveIntegerField(
        "受益人数",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(0, message="受益人数不能为负数。"),
            MaxValueValidator(BENEFICIARIES_MAX, message="受益人数不能超过 100 万（全区人口）。"),
        ],
        error_messages={"invalid": "受益人数请填写整数。"},
        help_text="选填；不清楚时留空，不要估一个数。",
    )
    description = models.TextField("简要说明", max_length=500, blank=True)
    photo = models.FileField("照片", upload_to=matter_photo_path, max_length=200, blank=True)
    photo_type = models.CharField(max_length=20, blank=True, editable=False)
    photo_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    objects = MatterQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-done_on", "-pk"]
        indexes = [
            models.Index(fields=["plan", "state", "-done_on"], name="matter_public_idx"),
            # the admin's list of every plan's matters, newest first
            models.Index(fields=["-done_on", "-id"], name="matter_newest_idx"),
        ]
        verbose_name = "为群众办实事"
        verbose_name_plural = "为群众办实事"

    def __str__(self):
        return f"{self.department}：{self.title}（{self.done_on:%Y-%m-%d}）"

    @property
    def photo_extension(self):
        return IMAGE_EXTENSIONS.get(self.photo_type, "")

    def clean(self):
        if self.plan_id:
            self.plan.check_takes_input("事项登记或审核")
        errors = {}
        if self.plan_id and self.done_on:
            start, end = self.plan.period_start, self.plan.period_end
            if not start <= self.done_on <= end:
                errors["done_on"] = (
                    f"办结日期须在本年度计划的周期内（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）。"
                )
            elif self.done_on > clock.today():
                errors["done_on"] = "办结日期不能晚于今天。"
        if errors:
            raise ValidationError(errors)

    ENTRY_FIELDS = (
        "plan_id",
        "department_id",
        "done_on",
        "title",
        "category",
        "place",
        "beneficiaries",
        "description",
        "photo",
    )

    def approve(self, user):
        self.check_reviewer(user)
        self.reviewed(user, self.State.APPROVED)


def matter_totals(matters):
    """The totals of `matters` (public ones, filtered as the page is): overall, and by
    department, category and month, each [(label, count, people)] (four queries)."""

    def rows(field, **annotations):
        grouped = matters.order_by().annotate(**annotations).values(field)
        grouped = grouped.annotate(n=Count("pk"), people=Sum("beneficiaries"))
        return list(grouped.order_by(field))

    overall = matters.aggregate(n=Count("pk"), people=Sum("beneficiaries"))
    departments = rows("department__name")
    categories = {row["category"]: row for row in rows("category")}
    months = rows("month", month=TruncMonth("done_on"))
    return {
        "count": overall["n"],
        "people": overall["people"],
        "departments": [(r["department__name"], r["n"], r["people"]) for r in departments],
        "categories": [
            (label, categories[value]["n"], categories[value]["people"])
            for value, label in Category.choices
            if value in categories
        ],
        "months": [
            (
                r["month"].date() if hasattr(r["month"], "date") else r["month"],
                r["n"],
                r["people"],
            )
            for r in months
        ],
    }


def month_label(day: date):
    return f"{day:%Y-%m}"
