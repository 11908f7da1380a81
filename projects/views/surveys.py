"""满意度抽样调查 on the public's side (models/surveys.py): the page a slip's code opens,
once, and the results in the open once the office has closed the survey.

The answer page is a form: never cached, CSRF as every form, each post counted toward
a limit per address and per browser (`guard.count_code`), found or not. It shows the
survey of the code typed and nothing of any other; it never asks for a name or a phone.
A slip's QR code carries the code after "#", which no server sees: survey.js puts it in
the field (the page works without it: the code is typed).

The results pages start from `Survey.objects.public()` (closed surveys of published
plans) and show the figures and the draw's record, never the list or a code; apart
from 码上评 and the deputies' verdict."""

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from projects.models import Survey, of_year
from projects.rules import surveys as arithmetic
from projects.views.dashboard import plan_context, published_plan
from projects.views.survey_forms import AnswerForm, CodeForm
from projects.web import guard
from projects.web.freshness import cached_public

ANSWER_STEP = "answer"  # the hidden `step` of the second form


@never_cache
@ensure_csrf_cookie
def survey(request):
    """The code (step one), then 满意 / 基本满意 / 不满意 and a comment (step two), then
    the thanks. A refusal (an unknown, used or closed code; no answer chosen) changes
    nothing and says why in Chinese."""
    if request.method != "POST":
        return render(request, "projects/survey.html", {"form": CodeForm()})
    verdict = guard.count_code(request)
    if verdict.over_hard:
        return guard.too_many(request, verdict.retry_after, "projects/survey_limited.html")
    code_form = CodeForm(request.POST)
    if not code_form.is_valid():
        return refused(request, code_form)
    try:
        slip = Survey.open_code(code_form.cleaned_data["code"])
    except ValidationError as error:
        code_form.add_error("code", error)
        return refused(request, code_form)
    if request.POST.get("step") != ANSWER_STEP:
        shown = arithmetic.shown_code(arithmetic.normal_code(code_form.cleaned_data["code"]))
        return answer_page(request, slip, AnswerForm(initial={"code": shown}))
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return answer_page(request, slip, form, status=400)
    data = form.cleaned_data
    try:
        Survey.answer(data["code"], data["verdict"], data["comment"])
    except ValidationError as error:  # the same code answered a moment ago elsewhere
        code_form.add_error("code", error)
        return refused(request, code_form)
    return redirect("projects:survey_thanks")


def refused(request, form):
    return render(request, "projects/survey.html", {"form": form}, status=400)


def answer_page(request, slip, form, status=200):
    context = {"form": form, "survey": slip.survey, "step": ANSWER_STEP}
    return render(request, "projects/survey_answer.html", context, status=status)


@never_cache
def survey_thanks(request):
    return render(request, "projects/survey_thanks.html")


@cached_public
def plan_surveys(request, year):
    """A plan's closed surveys, by project, each with its count of answers."""
    plan = published_plan(year)
    surveys = (
        Survey.objects.public()
        .filter(plan=plan)
        .select_related("project", "site")
        .annotate(responses=Count("answers"))
        .order_by("project__number", "closed_at", "pk")
    )
    context = {**plan_context(request, plan), "surveys": surveys}
    return render(request, "projects/surveys.html", context)


@cached_public
def survey_results(request, year, pk):
    """One closed survey's results: each answer's share and its 95 % margin of error, or
    样本不足 below the minimum kept at the close; and the draw's record."""
    survey = get_object_or_404(
        Survey.objects.public().select_related("plan", "project", "site"),
        of_year(year, "plan"),
        pk=pk,
    )
    context = {
        **plan_context(request, survey.plan),
        "survey": survey,
        "results": survey.results(),
        "z": arithmetic.Z95,
    }
    return render(request, "projects/survey_results.html", context)
