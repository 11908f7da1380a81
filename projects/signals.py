"""Public content changed: move the content version (freshness.py) forward.

Twice: at once, so the same transaction's next request already sees the change, and
again after commit, so that a page rendered by another request in between, from data
not yet committed, can never be served under the final version."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from . import freshness


def content_changed(**kwargs):
    freshness.bump()
    transaction.on_commit(freshness.bump)


def report_changed(sender, instance, **kwargs):
    # Drafts, submissions and returns change nothing the public sees.
    if instance.state == instance.State.APPROVED:
        content_changed()


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


def connect():
    from .models import (
        Answer,
        Department,
        Measure,
        Milestone,
        OnlineRating,
        Plan,
        PlannedValue,
        PlanRule,
        ProgressReport,
        Project,
        PublicInput,
        Site,
        SiteReport,
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
    ):
        post_save.connect(content_changed, sender=model, dispatch_uid=f"fresh-save-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"fresh-delete-{model}")
    m2m_changed.connect(
        content_changed,
        sender=Project.supporting_departments.through,
        dispatch_uid="fresh-supporting",
    )
    post_save.connect(report_changed, sender=ProgressReport, dispatch_uid="fresh-report")
    post_save.connect(public_input_changed, sender=PublicInput, dispatch_uid="fresh-voice")
    post_save.connect(answer_changed, sender=Answer, dispatch_uid="fresh-answer")
    post_save.connect(report_changed, sender=SiteReport, dispatch_uid="fresh-site-report")
    post_save.connect(rating_changed, sender=OnlineRating, dispatch_uid="fresh-rating")
    post_migrate.connect(content_changed, dispatch_uid="fresh-migrate")
