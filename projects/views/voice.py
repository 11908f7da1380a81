"""The public's forms, each on its own page, never cached (it carries a CSRF token and
perhaps a question), while the pages that show what was published stay cached: a post
changes nothing public until a moderator publishes it (signals.py)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from projects.models import (
    Ballot,
    Candidate,
    Plan,
    PlanRule,
    Project,
    PublicInput,
    Rating,
    of_year,
    served_code,
    working_code,
)
from projects.rules import clock
from projects.views.dashboard import photo_of, plan_context
from projects.views.voice_forms import (
    CommentForm,
    DeputyForm,
    ObjectionForm,
    ProposalForm,
    QuestionForm,
    photo_slot,
)
from projects.web import guard, handover
from projects.web.addresses import addressed_to, served
from projects.web.freshness import cached_public


def open_project(year, number):
    """A project of a published plan still taking questions, or 404."""
    return get_object_or_404(
        Project.objects.published().select_related("plan", "lead_department"),
        of_year(year, "plan"),
        number=number,
        plan__in=Plan.objects.taking_input(),
    )


def form_context(request, project, form):
    plan = project.plan
    return {
        **plan_context(request, plan),
        "project": project,
        "form": form,
        "retention_days": settings.CONTACT_RETENTION_DAYS,
        "answer_days": plan.rules_on(clock.today()).values[PlanRule.Name.ANSWER_WORKING_DAYS],
    }


def store_item(form, plan, project=None, **fields):
    """The default of `take`: the form's item, pending moderation; the item (its
    receipt's token with it)."""
    item = form.item(plan, project)
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    form.store_photo(item)
    item.save()
    form.record_print(item)
    return item


def handed_receipt(request):
    """The item whose receipt this confirmation page was handed (`web.handover`), with
    its `tracking_url`; or None."""
    token = handover.handed_over(request)
    item = PublicInput.objects.by_token(token).only("code").first() if token else None
    if item is not None:
        item.tracking_url = request.build_absolute_uri(reverse("projects:receipt", args=[token]))
    return item


def take(
    request,
    form_class,
    context,
    template,
    plan,
    project=None,
    store=store_item,
    sent=None,
    **fields,
):
    """One public form: shown with the question past the soft limit, checked, and
    stored (`store`: by default as a pending item); once stored, the redirect to `sent`
    (the confirmation page) handing it the item's receipt, or None without `sent` (the
    caller redirects). What `store` refuses (a ValidationError) is shown on the form, and
    nothing of it is kept but the photo, held for the form sent again (`keep_photo`)."""
    slot = photo_slot(request)
    if request.method != "POST":
        challenge = guard.new_challenge() if guard.asks_question(request) else None
        form = form_class(challenge=challenge, slot=slot)
        return render(request, template, {**context, "form": form})
    verdict = request.voice_verdict  # counted by guard.PublicFormLimitMiddleware
    # Past the soft limit a post must answer a question; each answer is spent once, so
    # a form shown again always carries a new one.
    asked = verdict.over_soft and not request.user.is_authenticated
    challenge = guard.new_challenge() if asked else None
    form = form_class(request.POST, request.FILES, challenge=challenge, slot=slot)
    if form.is_valid():
        try:
            with transaction.atomic():
                stored = store(form, plan, project, **fields)
            form.release_photo()
            if sent is None:
                return None
            token = getattr(stored, "tracking_token", None)
            return handover.hand_over(redirect(sent), token, sent)
        except ValidationError as error:
            form.add_error(None, error.messages)
    if form.is_robot:
        context = {**context, "form": form_class(), "refused": True}
        return render(request, template, context, status=400)
    form.keep_photo()
    if challenge is not None:
        form.data = form.data.copy()
        form.data["challenge_token"] = challenge.token
        form.data["challenge_answer"] = ""
    return render(request, template, {**context, "form": form}, status=400)


@never_cache
@ensure_csrf_cookie
def ask(request, year, number):
    project = open_project(year, number)
    context = form_context(request, project, None)
    sent = reverse("projects:asked", args=[year, number])
    return take(
        request, QuestionForm, context, "projects/ask.html", project.plan, project, sent=sent
    )


ask.public_form = True


@never_cache
@login_required
def deputy_opinion(request, year, number):
    """代表意见: only a deputy (the 人大代表 role), signed in, of this page's level (a
    county's deputies on the county's pledges); then the one path of public input
    (moderated, answered by the lead department within the limit)."""
    if not request.user.has_perm("projects.send_deputy_opinion"):
        raise PermissionDenied
    if working_code(request.user) != served_code():
        raise PermissionDenied("代表意见只能对本人所在行政区划的民生实事提出。")
    project = open_project(year, number)
    context = form_context(request, project, None)
    return take(
        request,
        DeputyForm,
        context,
        "projects/deputy.html",
        project.plan,
        project,
        sent=reverse("projects:asked", args=[year, number]),
        deputy=request.user,
    )


deputy_opinion.public_form = True
ask.accepts_public_photo = True


@never_cache
@ensure_csrf_cookie
def objection(request, year, number):
    """异议 to a project's 公示: only while it runs (a 404 page says so otherwise)."""
    project = get_object_or_404(
        Project.objects.published().with_progress(), of_year(year, "plan"), number=number
    )
    notice = project.open_notice
    context = {**form_context(request, project, None), "notice": notice}
    if notice is None or project.plan.archived_at:
        return render(request, "projects/objection_closed.html", context, status=404)
    return take(
        request,
        ObjectionForm,
        context,
        "projects/objection.html",
        project.plan,
        project,
        sent=reverse("projects:objected", args=[year, number]),
        notice=notice,
    )


objection.public_form = True
objection.accepts_public_photo = True


@never_cache
def objected(request, year, number):
    project = open_project(year, number)
    context = {**form_context(request, project, None), "receipt": handed_receipt(request)}
    return render(request, "projects/objected.html", context)


@never_cache
def asked(request, year, number):
    project = open_project(year, number)
    context = {**form_context(request, project, None), "receipt": handed_receipt(request)}
    return render(request, "projects/asked.html", context)


def photo(request, key):
    """A photo sent with an item: for anyone once the item is public, before that only
    for the officials who may see the item."""
    # Cached briefly: a moderator may still block a published item, and its photo with it.
    public = PublicInput.objects.public()
    return photo_of(request, key, public, PublicInput.objects.visible_to, "photo", max_age=600)


# The public call (群众推荐) of a plan's year.

PAGE_PROPOSALS = 50


def cycle_plan(year):
    """A published plan with a public call on record, or 404 (a plan entered directly
    has none: its stage strip says so)."""
    called = Plan.objects.published().filter(call_opens__isnull=False)
    return get_object_or_404(called.of_year(year))


@cached_public
def calls(request):
    """各级征集: every open call a resident here may send a proposal to, the levels above
    and below (`Plan.objects.calls_around`), each at its own address; with a word on
    which level a matter belongs to. A proposal sent to the wrong one is passed on by
    its moderator (admin/voice.py `pass_on`), its receipt unchanged."""
    found = []
    for plan in Plan.objects.calls_around(served(request)):
        with addressed_to(plan.jurisdiction):
            found.append((plan, reverse("projects:call", args=[plan.year])))
    return render(request, "projects/calls.html", {"calls": found})


@never_cache  # its counts include posts not yet moderated, which move no version
def call(request, year):
    plan = cycle_plan(year)
    proposals = plan.public_input.filter(kind=PublicInput.Kind.PROPOSAL)
    shown = list(
        proposals.public()
        .select_related("candidate", "merged_into")
        .order_by("-received_at", "-pk")[: PAGE_PROPOSALS + 1]
    )
    ballots = list(Ballot.objects.on_record(plan))
    # The rule as it stood on the day of the vote, not as it stands today.
    election_share = (
        plan.rules_on(ballots[0].held_on).values[PlanRule.Name.ELECTION_SHARE] if ballots else None
    )
    comments = PublicInput.objects.public().filter(kind=PublicInput.Kind.COMMENT)
    candidates = (
        Candidate.objects.public()
        .filter(plan=plan)
        .select_related("lead_department", "project")
        .prefetch_related(
            "supporting_departments",
            "targets",
            "proposals",
            Prefetch("comments", queryset=comments.order_by("received_at", "pk")),
        )
    )
    context = {
        **plan_context(request, plan),
        "counts": proposals.counts(),
        "proposals": shown[:PAGE_PROPOSALS],
        "more_proposals": len(shown) > PAGE_PROPOSALS,
        "candidates": candidates,
        "ballots": ballots,
        "ratings": Rating.objects.public()
        .filter(project__plan=plan)
        .select_related("project")
        .order_by("project__number"),
        "election_share": election_share,
        "call_open": plan.call_is_open(),
        "comments_open": plan.stage == Plan.Stage.SHORTLIST,
    }
    return render(request, "projects/call.html", context)


@never_cache
@ensure_csrf_cookie
def propose(request, year):
    plan = cycle_plan(year)
    context = {
        **plan_context(request, plan),
        "retention_days": settings.CONTACT_RETENTION_DAYS,
    }
    if not plan.call_is_open():
        return render(request, "projects/call_closed.html", context, status=404)
    sent = reverse("projects:proposed", args=[year])
    return take(request, ProposalForm, context, "projects/propose.html", plan, sent=sent)


propose.public_form = True
propose.accepts_public_photo = True


@never_cache
def proposed(request, year):
    plan = cycle_plan(year)
    context = {**plan_context(request, plan), "receipt": handed_receipt(request)}
    return render(request, "projects/proposed.html", context)


@never_cache
@ensure_csrf_cookie
def comment(request, year, order):
    """The public's opinion on a candidate, while the list is out for comment (遴选)."""
    plan = cycle_plan(year)
    candidate = get_object_or_404(Candidate.objects.public(), plan=plan, order=order)
    context = {
        **plan_context(request, plan),
        "candidate": candidate,
        "retention_days": settings.CONTACT_RETENTION_DAYS,
    }
    if plan.stage != Plan.Stage.SHORTLIST:
        return render(request, "projects/comments_closed.html", context, status=404)
    return take(
        request,
        CommentForm,
        context,
        "projects/comment.html",
        plan,
        sent=reverse("projects:commented", args=[year]),
        about_candidate=candidate,
    )


comment.public_form = True
comment.accepts_public_photo = True


@never_cache
def commented(request, year):
    plan = cycle_plan(year)
    context = {**plan_context(request, plan), "receipt": handed_receipt(request)}
    return render(request, "projects/commented.html", context)
