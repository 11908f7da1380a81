"""Work a request sets off, run by the task worker (`manage.py db_worker`, started by
make run and make serve), never in the request: Django 6's Tasks framework through the
django-tasks backport and its database backend (django-tasks-db), so a task is a row
written in the same transaction as the change that set it off: committed with it, or
not at all. Each writes its alert once (by key) and sends it; what fails is retried
with backoff by a later task and by `send_alerts`."""

from datetime import timedelta

from django_tasks import task

from projects.alerts import due as alerting
from projects.alerts import sending
from projects.models import Answer, Delivery, Follow, ProgressReport, PublicInput
from projects.rules import clock


def send_now(due, day=None):
    alert = alerting.record(due, day or clock.today())
    if alert is not None:
        deliver_alert(alert.pk)


def deliver_alert(alert_pk):
    sending.deliver(Delivery.objects.filter(alert_id=alert_pk))
    retry_later(alert_pk)


def retry_later(alert_pk):
    """A failed delivery of this alert comes back to the queue when its retry is due."""
    waiting = Delivery.objects.filter(alert_id=alert_pk, state=Delivery.State.PENDING)
    first = waiting.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    if first is not None:
        retry_alert.using(run_after=max(first, clock.now() + timedelta(seconds=1))).enqueue(
            alert_pk
        )


@task()
def retry_alert(alert_pk):
    deliver_alert(alert_pk)


@task()
def announce_received(item_pk):
    item = PublicInput.objects.select_related("plan", "project").filter(pk=item_pk).first()
    if item is not None and item.state == PublicInput.State.PENDING:
        send_now(alerting.received_due(item))


@task()
def announce_figure(report_pk):
    report = ProgressReport.objects.select_related("target__project__plan").get(pk=report_pk)
    if report.state == ProgressReport.State.APPROVED:
        due = alerting.follow_figure_due(report)
        if due is not None:
            send_now(due)


@task()
def send_follow_confirmation(follow_pk):
    follow = Follow.objects.select_related("project__plan").filter(pk=follow_pk).first()
    if follow is not None and follow.confirmed_at is None:
        send_now(alerting.follow_confirm_due(follow, clock.now()))


@task()
def announce_answer(answer_pk):
    answer = Answer.objects.select_related("question__plan", "department").get(pk=answer_pk)
    if answer.state == Answer.State.APPROVED:
        due = alerting.follow_answer_due(answer)
        if due is not None:
            send_now(due)
