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
- the totals the public page shows: `matter_totals` (by department, category, month),
  read from `MatterCount`, the approved matters counted by department, category and
  month as each is saved, so the page costs the same at a thousand matters and at a
  hundred thousand; a search's, from the matters it finds;
- the search: `MatterQuerySet.search`, through an index of the text (migration 0033:
  FTS5's trigram tokenizer on SQLite, pg_trgm on PostgreSQL) for three characters or
  more.
"""

import uuid
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.expressions import RawSQL
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

# The index of the matters' text, made by `index_text`: a search needs this many
# characters to use it.
MATCHING = "SELECT rowid FROM projects_matter_text WHERE projects_matter_text MATCH %s"
TRIGRAM = 3

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
        """Matters whose title, place or description holds `text`, any case. From three
        characters on, the text's index finds them (PostgreSQL's trigram index serves
        the same LIKE); a shorter text has no trigram to look up and reads every row."""
        text = (text or "").strip()
        if not text:
            return self
        found = self.filter(
            Q(title__icontains=text) | Q(place__icontains=text) | Q(description__icontains=text)
        )
        if connection.vendor == "sqlite" and len(text) >= TRIGRAM:
            phrase = '"' + text.replace('"', '""') + '"'
            # The index's candidates, each checked by the LIKE above.
            found = found.filter(pk__in=RawSQL(MATCHING, [phrase]))  # noqa: S611 - a parameter
        return found


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
            # the public list, newest first: its first page read off the index
            models.Index(fields=["plan", "state", "-done_on", "-id"], name="matter_listed_idx"),
            # the admin's list of a plan's matters (it opens on one), newest first
            models.Index(fields=["plan", "-done_on", "-id"], name="matter_plan_newest_idx"),
            # the admin's list of every plan's matters, newest first
            models.Index(fields=["-done_on", "-id"], name="matter_newest_idx"),
        ]
        verbose_name = "为群众办实事"
        verbose_name_plural = "为群众办实事"

    def __str__(self):
        return f"{self.department}：{self.title}（{self.done_on:%Y-%m-%d}）"

    @classmethod
    def from_db(cls, db, field_names, values):
        matter = super().from_db(db, field_names, values)
        matter.counted_in = matter.cell  # the count it may leave when saved
        return matter

    counted_in = None

    @property
    def cell(self):
        """The `MatterCount` it is counted in once approved."""
        if None in (self.plan_id, self.department_id, self.done_on):
            return None
        return (self.plan_id, self.department_id, self.category, self.done_on.replace(day=1))

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            MatterCount.recount({self.counted_in, self.cell})
        self.counted_in = self.cell

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)
            MatterCount.recount({self.counted_in, self.cell})
        return deleted

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


class MatterCount(models.Model):
    """The approved matters of a plan by department, category and month, with the sum
    of their beneficiaries: counted again from the matters each time one of the cell
    is saved or deleted (`Matter.save`), so the register's totals read a few hundred
    rows however many matters there are. After writes that skip `save` (bulk loads),
    `rebuild(plan)`."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="matter_counts")
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="matter_counts"
    )
    category = models.CharField(max_length=20, choices=Category)
    month = models.DateField()  # its first day
    count = models.PositiveIntegerField(default=0)
    people = models.PositiveBigIntegerField(null=True)  # None: no matter says how many

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "department", "category", "month"], name="one_count_per_cell"
            )
        ]
        verbose_name = verbose_name_plural = "为群众办实事计数"

    def __str__(self):
        return f"{self.department} {self.month:%Y-%m} {self.category}：{self.count}"

    @classmethod
    def total(cls, plan):
        """How many approved matters `plan` has (one query)."""
        return cls.objects.filter(plan=plan).aggregate(n=Sum("count"))["n"] or 0

    @classmethod
    def recount(cls, cells):
        """Count each cell (plan id, department id, category, month) again from its
        approved matters. Its row is locked first, so that of two approvals at once the
        second counts after the first has committed."""
        for cell in sorted(c for c in cells if c is not None):
            plan, department, category, month = cell
            where = {"plan_id": plan, "department_id": department, "category": category}
            cls.objects.get_or_create(**where, month=month)
            row = cls.objects.select_for_update().get(**where, month=month)
            figures = Matter.objects.filter(
                **where,
                state=Matter.State.APPROVED,
                done_on__gte=month,
                done_on__lt=(month + timedelta(days=32)).replace(day=1),
            ).aggregate(count=Count("pk"), people=Sum("beneficiaries"))
            row.count, row.people = figures["count"], figures["people"]
            row.save(update_fields=["count", "people"])

    @classmethod
    @transaction.atomic
    def rebuild(cls, plan):
        """Count every cell of `plan` again from its matters."""
        cls.objects.filter(plan=plan).delete()
        approved = Matter.objects.filter(plan=plan, state=Matter.State.APPROVED).order_by()
        cells = approved.annotate(month=TruncMonth("done_on")).values(
            "department_id", "category", "month"
        )
        cls.objects.bulk_create(
            cls(
                plan=plan,
                department_id=row["department_id"],
                category=row["category"],
                month=as_date(row["month"]),
                count=row["count"],
                people=row["people"],
            )
            for row in cells.annotate(count=Count("pk"), people=Sum("beneficiaries"))
        )


# SQLite: an FTS5 table with the trigram tokenizer, its content the matters' own
# columns, kept by triggers. A table Django rebuilds (SQLite's way to alter a column)
# loses its triggers: `index_text` then makes them again, at the next migrate.
TEXT_COLUMNS = ("title", "place", "description")
WRITES = ("insert", "delete", "update")  # a trigger each
NEW = "new.id, new.title, new.place, new.description"
OLD = "'delete', old.id, old.title, old.place, old.description"
INTO = "INSERT INTO projects_matter_text(rowid, title, place, description)"
OUT = "INSERT INTO projects_matter_text(projects_matter_text, rowid, title, place, description)"
SQLITE_TEXT_INDEX = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS projects_matter_text USING fts5(title, place,"
    " description, content='projects_matter', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS projects_matter_text_insert AFTER INSERT ON projects_matter"  # noqa: S608
    f" BEGIN {INTO} VALUES ({NEW}); END",
    "CREATE TRIGGER IF NOT EXISTS projects_matter_text_delete AFTER DELETE ON projects_matter"
    f" BEGIN {OUT} VALUES ({OLD}); END",
    "CREATE TRIGGER IF NOT EXISTS projects_matter_text_update AFTER UPDATE ON projects_matter"
    f" BEGIN {OUT} VALUES ({OLD}); {INTO} VALUES ({NEW}); END",
    "INSERT INTO projects_matter_text(projects_matter_text) VALUES ('rebuild')",
]
# PostgreSQL: pg_trgm's GIN index of each column as `icontains` compares it, so the
# LIKE it writes is served by the index. pg_trgm is trusted: a database owner may add it.
POSTGRESQL_TEXT_INDEX = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        f"CREATE INDEX IF NOT EXISTS matter_{column}_trgm ON projects_matter"
        f" USING gin (UPPER({column}::text) gin_trgm_ops)"
        for column in TEXT_COLUMNS
    ),
]


def index_text(connection):
    """Make the index of the matters' text where it is missing (migration 0033, and
    after every migrate: a test database is built from the models, not migrated). On
    SQLite, filled from the matters when made or when a trigger was missing, and the
    matters' statistics taken again."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in POSTGRESQL_TEXT_INDEX:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            names = ["projects_matter_text", *(f"projects_matter_text_{w}" for w in WRITES)]
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN (%s, %s, %s, %s)", names
            )
            if cursor.fetchone()[0] < len(names):  # the table and its three triggers
                for statement in SQLITE_TEXT_INDEX:
                    cursor.execute(statement)
            # Without statistics SQLite takes any two-column index for a narrow one and
            # reads a plan's every matter in date order, testing each against the text
            # index, rather than the few the text index finds. A sampled ANALYZE (about
            # a thousand rows an index) costs milliseconds however big the table is.
            cursor.execute("PRAGMA analysis_limit = 1000")
            cursor.execute("ANALYZE projects_matter")


def as_date(month):
    return month.date() if hasattr(month, "date") else month


def matter_totals(plan, q="", department=None, category=None):
    """The totals of the plan's public matters (filtered as the page is): overall, and
    by department, category and month, each [(label, count, people)] (four queries).
    Read from `MatterCount`; a search's from the matters it finds."""
    if q:
        rows = Matter.objects.public().filter(plan=plan).search(q)
        count, people, month = Count("pk"), Sum("beneficiaries"), TruncMonth("done_on")
    else:
        rows = MatterCount.objects.filter(plan=plan, count__gt=0)
        count, people, month = Sum("count"), Sum("people"), F("month")
    if department:
        rows = rows.filter(department_id=department)
    if category:
        rows = rows.filter(category=category)

    def grouped(field, **annotations):
        found = rows.order_by().annotate(**annotations).values(field)
        return list(found.annotate(n=count, people=people).order_by(field))

    overall = rows.aggregate(n=count, people=people)
    departments = grouped("department__name")
    categories = {row["category"]: row for row in grouped("category")}
    months = grouped("in_month", in_month=month)
    return {
        "count": overall["n"] or 0,
        "people": overall["people"],
        "departments": [(r["department__name"], r["n"], r["people"]) for r in departments],
        "categories": [
            (label, categories[value]["n"], categories[value]["people"])
            for value, label in Category.choices
            if value in categories
        ],
        "months": [(as_date(r["in_month"]), r["n"], r["people"]) for r in months],
    }


def month_label(day: date):
    return f"{day:%Y-%m}"
