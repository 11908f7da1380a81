"""The task worker's work, done in the test's own process: what `manage.py db_worker`
would run, in the order it was queued (test_alerts.py runs the real worker process
where the process itself is under test)."""

from django_tasks_db.models import DBTaskResult


def run_queue():
    """Run each task whose time has come, once, in order, and take it off the queue (a
    retry queued for later stays); how many ran."""
    ran = 0
    for row in DBTaskResult.objects.ready().order_by("enqueued_at"):
        row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        row.delete()
        ran += 1
    return ran
