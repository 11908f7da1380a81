"""Public content changed: move the content version (web/freshness.py) forward.

Twice: at once, so the same transaction's next request already sees the change, and
again after commit, so that a page rendered by another request in between, from data
not yet committed, can never be served under the final version."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from projects.web import freshness


def content_changed(**kwargs):
    freshness.bump()
    transaction.on_commit(freshness.bump)


def report_changed(sender, instance, **kwargs):
    # Drafts change nothing the public sees; a submission or a return does (逾期未报 on
    # the departments page counts submitted reports), an approval the figures.
    if instance.state != instance.State.DRAFT:
        content_changed()


def stage_changed(sender, instance, **kwargs):
    # Every save of a stage change submits or reviews it: 逾期未报 counts submissions.
    content_changed()


def figure_approved(sender, instance, **kwargs):
    """Followers of the project hear of a new approved figure, from the task worker."""
    from projects.alerts.tasks import announce_figure
    from projects.models import Follow

    if kwargs.get("raw") or instance.state != instance.State.APPROVED:
        return  # (raw: loaded from a backup, long announced)
    if Follow.objects.news().filter(project__targets=instance.target_id).exists():
        announce_figure.enqueue(instance.pk)


def answer_approved(sender, instance, raw=False, **kwargs):
    """The writer who asked for a mail on the tracking page hears the answer is out,
    from the task worker."""
    from projects.alerts.tasks import announce_answer
    from projects.models import Follow

    if raw or instance.state != instance.State.APPROVED:
        return
    if Follow.objects.filter(item=instance.question_id, confirmed_at__isnull=False).exists():
        announce_answer.enqueue(instance.pk)


def input_received(sender, instance, created, raw=False, **kwargs):
    """The supervision office hears of a new item to moderate, from the task worker."""
    from projects.alerts.tasks import announce_received
    from projects.models import Channel

    if created and not raw:
        if Channel.objects.filter(department__isnull=True, active=True).exists():
            announce_received.enqueue(instance.pk)


def public_input_changed(sender, instance, **kwargs):
    # A post waiting for moderation changes nothing public; a decision may.
    if instance.state != instance.State.PENDING:
        content_changed()


def answer_changed(sender, instance, **kwargs):
    if instance.state == instance.State.APPROVED:
        content_changed()


def rating_changed(sender, instance, **kwargs):
    # An online rating counts at once: its tallies are public.
    content_changed()


def text_index_kept(sender, using, **kwargs):
    """The matters' text index, made where a migrate left it missing (models/matters.py)."""
    from django.db import connections

    from projects.models import index_text

    if sender.label == "projects":
        index_text(connections[using])


def connect():
    from projects.models import (
        Answer,
        Department,
        Matter,
        Measure,
        Milestone,
        MoneyTotal,
        OnlineRating,
        Plan,
        PlannedValue,
        PlanRule,
        ProgressReport,
        Project,
        PublicInput,
        Site,
        SiteReport,
        Supervision,
        Survey,
        Target,
    )

    for model in (
        Plan,
        PlanRule,
        Department,
        Project,
        Measure,
        Milestone,
        Target,
        PlannedValue,
        Site,
        Supervision,
        Matter,  # a submission changes nothing public: bumping on it costs one render
        MoneyTotal,  # refreshed by every approval of a money entry
        Survey,  # closed: its results are public
    ):
        post_save.connect(content_changed, sender=model, dispatch_uid=f"fresh-save-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"fresh-delete-{model}")
    m2m_changed.connect(
        content_changed,
        sender=Project.supporting_departments.through,
        dispatch_uid="fresh-supporting",
    )
    post_save.connect(report_changed, sender=ProgressReport, dispatch_uid="fresh-report")
    post_save.connect(figure_approved, sender=ProgressReport, dispatch_uid="alert-figure")
    post_save.connect(input_received, sender=PublicInput, dispatch_uid="alert-received")
    post_save.connect(public_input_changed, sender=PublicInput, dispatch_uid="fresh-voice")
    post_save.connect(answer_changed, sender=Answer, dispatch_uid="fresh-answer")
    post_save.connect(answer_approved, sender=Answer, dispatch_uid="alert-answer")
    post_save.connect(stage_changed, sender=SiteReport, dispatch_uid="fresh-site-report")
    post_save.connect(rating_changed, sender=OnlineRating, dispatch_uid="fresh-rating")
    post_migrate.connect(content_changed, dispatch_uid="fresh-migrate")
    post_migrate.connect(text_index_kept, dispatch_uid="matter-text-index")
