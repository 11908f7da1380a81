"""The register at any size (issue 39): its totals kept by department, category and
month (`MatterCount`, counted here for the matters there are), its list read off an
index in its order, and its text searchable through an index (`index_text`)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def count_matters(apps, schema_editor):
    from django.db.models import Count, Sum
    from django.db.models.functions import TruncMonth

    Matter = apps.get_model("projects", "Matter")
    MatterCount = apps.get_model("projects", "MatterCount")
    approved = Matter.objects.filter(state="approved").order_by()
    cells = approved.annotate(in_month=TruncMonth("done_on")).values(
        "plan_id", "department_id", "category", "in_month"
    )
    MatterCount.objects.bulk_create(
        MatterCount(
            plan_id=row["plan_id"],
            department_id=row["department_id"],
            category=row["category"],
            month=as_date(row["in_month"]),
            count=row["count"],
            people=row["people"],
        )
        for row in cells.annotate(count=Count("pk"), people=Sum("beneficiaries"))
    )


def as_date(month):
    return month.date() if hasattr(month, "date") else month  # a datetime on PostgreSQL


def index_text(apps, schema_editor):
    # The statements live with the model (models/matters.py), which makes the index
    # again after every migrate: the one place they are written.
    from projects.models.matters import index_text

    index_text(schema_editor.connection)


def drop_text_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER projects_matter_text_{name}")
        schema_editor.execute("DROP TABLE projects_matter_text")
    elif vendor == "postgresql":
        for column in ("title", "place", "description"):
            schema_editor.execute(f"DROP INDEX matter_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0032_office_channels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MatterCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("jobs", "就业"),
                            ("education", "教育"),
                            ("health", "医疗"),
                            ("elderly", "养老"),
                            ("housing", "住房"),
                            ("transport", "交通"),
                            ("environment", "环境"),
                            ("services", "政务服务"),
                            ("other", "其他"),
                        ],
                        max_length=20,
                    ),
                ),
                ("month", models.DateField()),
                ("count", models.PositiveIntegerField(default=0)),
                ("people", models.PositiveBigIntegerField(null=True)),
            ],
            options={
                "verbose_name": "为群众办实事计数",
                "verbose_name_plural": "为群众办实事计数",
            },
        ),
        migrations.RemoveIndex(
            model_name="matter",
            name="matter_public_idx",
        ),
        migrations.AddIndex(
            model_name="matter",
            index=models.Index(
                fields=["plan", "state", "-done_on", "-id"], name="matter_listed_idx"
            ),
        ),
        migrations.AddField(
            model_name="mattercount",
            name="department",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="matter_counts",
                to="projects.department",
            ),
        ),
        migrations.AddField(
            model_name="mattercount",
            name="plan",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="matter_counts",
                to="projects.plan",
            ),
        ),
        migrations.AddConstraint(
            model_name="mattercount",
            constraint=models.UniqueConstraint(
                fields=("plan", "department", "category", "month"), name="one_count_per_cell"
            ),
        ),
        migrations.RunPython(count_matters, migrations.RunPython.noop),
        migrations.RunPython(index_text, drop_text_index),
    ]
