"""Work a request sets off, run by the task worker (`manage.py db_worker`, started by
make run and make serve), never in the request: Django 6's Tasks framework through the
django-tasks backport and its database backend (django-tasks-db), so a task is a row
written in the same transaction as the change that set it off: committed with it, or
not at all. Each writes its alert once (by key) and sends it; what fails is retried
with backoff by a later task and by `send_alerts`."""

from datetime import timedelta

from django.conf import settings
from django_tasks import task

from projects.alerts import due as alerting
from projects.alerts import sending
from projects.models import Answer, Delivery, Follow, ProgressReport, PublicInput
from projects.rules import clock
from projects.web.addresses import answering_for


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


def of_its_jurisdiction(plan):
    """What a task writes about a plan names its jurisdiction's addresses, as a request
    to them would (/411781/plans/2021/projects/1/)."""
    return answering_for(
        plan.jurisdiction.code if plan.jurisdiction else settings.HOME_JURISDICTION
    )


@task()
def announce_figure(report_pk):
    report = ProgressReport.objects.select_related("target__project__plan__jurisdiction")
    report = report.get(pk=report_pk)
    if report.state == ProgressReport.State.APPROVED:
        with of_its_jurisdiction(report.target.project.plan):
            due = alerting.follow_figure_due(report)
            if due is not None:
                send_now(due)


@task()
def send_follow_confirmation(follow_pk):
    follow = Follow.objects.select_related("project__plan__jurisdiction").filter(pk=follow_pk)
    follow = follow.first()
    if follow is not None and follow.confirmed_at is None:
        with of_its_jurisdiction(follow.project.plan):
            send_now(alerting.follow_confirm_due(follow, clock.now()))


@task()
def announce_answer(answer_pk):
    answer = Answer.objects.select_related("question__plan__jurisdiction", "department")
    answer = answer.get(pk=answer_pk)
    if answer.state == Answer.State.APPROVED:
        with of_its_jurisdiction(answer.question.plan):
            due = alerting.follow_answer_due(answer)
            if due is not None:
                send_now(due)
