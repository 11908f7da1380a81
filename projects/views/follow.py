"""Following a project by e-mail, and the public 挂牌督办 list.

A follow is double opt-in: the form only sends a confirmation (by the task worker);
nothing is sent before the link in it is opened and its button pressed (a mail
scanner that opens links presses nothing). Every message carries a one-click
unsubscribe (RFC 8058: `List-Unsubscribe` and `List-Unsubscribe-Post`), a POST with no
CSRF token that deletes the follow. The page never tells whether an address already
follows a project."""

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie

from projects.alerts.tasks import announce_answer, send_follow_confirmation
from projects.models import Follow, Supervision
from projects.rules import clock
from projects.rules.days import end_of
from projects.views.dashboard import plan_context, published_plan
from projects.views.voice import form_context, open_project, take
from projects.views.voice_forms import FollowForm
from projects.web.asof import public_page
from projects.web.freshness import cached_public


def store_follow(form, plan, project):
    # the project's news, never an address left for one item's answer (Follow.item)
    follow, _ = Follow.objects.get_or_create(
        project=project, item__isnull=True, email=form.cleaned_data["email"]
    )
    if follow.confirmed_at is None:  # confirmed: nothing to send, and nothing said
        send_follow_confirmation.enqueue(follow.pk)


@never_cache
@ensure_csrf_cookie
def follow(request, year, number):
    project = open_project(year, number)
    context = {
        **form_context(request, project, None),
        "confirm_days": settings.FOLLOW_CONFIRM_DAYS,
    }
    response = take(
        request,
        FollowForm,
        context,
        "projects/follow.html",
        project.plan,
        project,
        store=store_follow,
    )
    if response is not None:
        return response
    return redirect("projects:followed", year=year, number=number)


follow.public_form = True


@never_cache
def followed(request, year, number):
    project = open_project(year, number)
    return render(request, "projects/followed.html", form_context(request, project, None))


def follow_of(token):
    found = Follow.objects.select_related("project__plan", "item").filter(token=token).first()
    if found is None:
        raise Http404("链接无效，或已经退订。")
    return found


@never_cache
def confirm_follow(request, token):
    """GET shows a button; its POST confirms. Confirming twice changes nothing."""
    item = follow_of(token)
    context = {**plan_context(request, item.project.plan), "follow": item, "project": item.project}
    if request.method == "POST":
        if item.confirmed_at is not None:
            return render(request, "projects/follow_confirm.html", {**context, "again": True})
        item.confirm()
        answer = item.item.public_answer() if item.item_id else None
        if answer is not None:  # answered while the mail waited for this confirmation
            announce_answer.enqueue(answer.pk)
        return render(request, "projects/follow_confirm.html", {**context, "done": True})
    return render(request, "projects/follow_confirm.html", context)


@never_cache
@csrf_exempt  # RFC 8058: the mail program's one POST, with no page and no token
def unfollow(request, token):
    item = follow_of(token)
    context = {**plan_context(request, item.project.plan), "project": item.project}
    if request.method == "POST":
        with transaction.atomic():
            Follow.objects.filter(pk=item.pk).delete()
        return render(request, "projects/unfollowed.html", context)
    return render(request, "projects/unfollow.html", {**context, "follow": item})


@cached_public
@public_page
def supervision(request, year):
    """The 挂牌督办 of a plan as they stood on the day shown: each problem, the department
    responsible, the 整改 required, its deadline, and once closed, the response."""
    plan = published_plan(year)
    day = request.as_of or clock.today()
    items = list(
        Supervision.objects.public()
        .filter(plan=plan)
        .on(day)
        .select_related("department", "project__plan")
        .order_by("deadline", "pk")
    )
    for item in items:
        item.closed_then = item.closed_at is not None and item.closed_at < end_of(day)
        item.late_then = not item.closed_then and item.deadline < day
    context = {
        **plan_context(request, plan),
        "day": day,
        "open_items": [i for i in items if not i.closed_then],
        "closed_items": sorted(
            (i for i in items if i.closed_then), key=lambda i: i.closed_at, reverse=True
        ),
    }
    return render(request, "projects/supervision.html", context)
