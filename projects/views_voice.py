"""The public's forms, each on its own page, never cached (it carries a CSRF token and
perhaps a question), while the pages that show what was published stay cached: a post
changes nothing public until a moderator publishes it (signals.py)."""

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from . import guard
from .forms_voice import QuestionForm
from .models import PlanRule, Project, PublicInput
from .views import plan_context


def open_project(year, number):
    """A project of a published plan still taking questions, or 404."""
    return get_object_or_404(
        Project.objects.published().select_related("plan", "lead_department"),
        plan__year=year,
        number=number,
        plan__archived_at__isnull=True,
    )


def form_context(request, project, form):
    plan = project.plan
    return {
        **plan_context(request, plan),
        "project": project,
        "form": form,
        "retention_days": settings.CONTACT_RETENTION_DAYS,
        "answer_days": plan.rules_on(timezone.localdate()).values[
            PlanRule.Name.ANSWER_WORKING_DAYS
        ],
    }


@never_cache
@ensure_csrf_cookie
def ask(request, year, number):
    project = open_project(year, number)
    if request.method != "POST":
        challenge = guard.new_challenge() if guard.past_soft_limit(request) else None
        form = QuestionForm(challenge=challenge)
        return render(request, "projects/ask.html", form_context(request, project, form))
    verdict = request.voice_verdict  # counted by guard.PublicFormLimitMiddleware
    # Past the soft limit a post must answer a question; each answer is spent once, so
    # a form shown again always carries a new one.
    challenge = guard.new_challenge() if verdict.over_soft else None
    form = QuestionForm(request.POST, request.FILES, challenge=challenge)
    if not form.is_valid():
        if form.is_robot:
            context = {**form_context(request, project, QuestionForm()), "refused": True}
            return render(request, "projects/ask.html", context, status=400)
        if challenge is not None:
            form.data = form.data.copy()
            form.data["challenge_token"] = challenge.token
            form.data["challenge_answer"] = ""
        context = form_context(request, project, form)
        return render(request, "projects/ask.html", context, status=400)
    item = form.item(project.plan, project)
    item.full_clean()
    form.store_photo(item)
    item.save()
    return redirect("projects:asked", year=year, number=number)


ask.public_form = True
ask.accepts_public_photo = True


@never_cache
def asked(request, year, number):
    project = open_project(year, number)
    context = form_context(request, project, None)
    return render(request, "projects/asked.html", context)


def photo(request, key):
    """A photo sent with an item: for anyone once the item is public, before that only
    for the officials who may see the item. Served like evidence: never as a page."""
    public = PublicInput.objects.public().filter(key=key).exclude(photo="").first()
    item = public
    if item is None and request.user.is_authenticated and request.user.is_staff:
        item = PublicInput.objects.visible_to(request.user).filter(key=key).exclude(photo="")
        item = item.first()
    if item is None:
        raise Http404("没有这张照片。")
    response = FileResponse(
        item.photo.open("rb"),
        content_type=item.photo_type,
        filename=f"photo-{item.key.hex[:12]}{item.photo_extension}",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    # Short: a moderator may still block a published item, and its photo with it.
    response["Cache-Control"] = "public, max-age=600" if public else "private, no-store"
    return response
