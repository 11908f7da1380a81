"""Dotted paths stored outside the code: settings name functions and classes of ours,
the task queue's rows name their task. When the code moves, each must still resolve.
(The paths migrations name, the roles' sync and the upload paths, are imported when
tests/test_migrations.py runs every migration.)"""

import importlib

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from projects.alerts import tasks

task_paths = importlib.import_module("projects.migrations.0023_task_paths")


def our_settings_paths():
    names = [
        *settings.AUTHENTICATION_BACKENDS,
        *settings.MIDDLEWARE,
        *(p for t in settings.TEMPLATES for p in t["OPTIONS"].get("context_processors", [])),
        settings.AXES_LOCKOUT_CALLABLE,
        settings.AXES_USERNAME_CALLABLE,
    ]
    return [name for name in names if name.startswith("projects.")]


def test_every_path_of_ours_the_settings_name_imports():
    paths = our_settings_paths()
    assert len(paths) >= 6  # backends, middleware, the context processor, axes' two
    for path in paths:
        assert callable(import_string(path)), path
    for module in settings.SERIALIZATION_MODULES.values():
        importlib.import_module(module)


def test_a_task_queued_under_its_old_path_is_pointed_at_the_new_one(db):
    queued = tasks.retry_alert.enqueue(0)
    other = tasks.announce_figure.enqueue(0)
    row = DBTaskResult.objects.get(pk=queued.id)
    row.task_path = "projects.tasks.retry_alert"  # as a worker of the old code queued it
    row.save(update_fields=["task_path"])

    task_paths.forwards(apps, None)
    row.refresh_from_db()
    assert row.task_path == "projects.alerts.tasks.retry_alert"
    assert row.task.func is tasks.retry_alert.func  # the worker can import and run it
    assert DBTaskResult.objects.get(pk=other.id).task_path == (
        "projects.alerts.tasks.announce_figure"
    )

    task_paths.backwards(apps, None)
    row.refresh_from_db()
    assert row.task_path == "projects.tasks.retry_alert"
