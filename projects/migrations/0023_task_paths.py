"""The task functions moved from projects/tasks.py to projects/alerts/tasks.py. A row of
the task queue names its task by dotted path and is run by importing it, so every row
is pointed at the new path (and back, if this is reversed): those waiting still run,
those done still name their task."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Substr

OLD, NEW = "projects.tasks.", "projects.alerts.tasks."


def renamed(apps, old, new):
    Result = apps.get_model("django_tasks_database", "DBTaskResult")
    rest = Substr("task_path", len(old) + 1)
    Result.objects.filter(task_path__startswith=old).update(task_path=Concat(Value(new), rest))


def forwards(apps, schema_editor):
    renamed(apps, OLD, NEW)


def backwards(apps, schema_editor):
    renamed(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0022_rating_networks"),
        ("django_tasks_database", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
