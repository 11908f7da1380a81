"""Public pages. Each fetches from a public queryset (approved reports of published
plans only), honours ?as_of= (see web/asof.py) and renders; no rule lives here."""

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from projects.models import (
    Evidence,
    Matter,
    MatterCount,
    Plan,
    Project,
    Site,
    Supervision,
    Survey,
    answer_stats,
    end_of,
    helpfulness,
    of_year,
    overdue_by_department,
    project_questions,
    project_story,
    watch,
)
from projects.rules import clock, pace
from projects.rules.formatting import display_name, percent
from projects.web.addresses import served
from projects.web.asof import public_page
from projects.web.context_processors import CARE_COOKIE
from projects.web.freshness import cached_public
from projects.web.money import plan_totals, procedure_steps, project_money
from projects.web.satisfaction import index_of

ONE_YEAR = 365 * 24 * 3600


def published_plan(year):
    """The home jurisdiction's published plan of `year` (with its jurisdiction), or 404."""
    return get_object_or_404(Plan.objects.published().select_related("jurisdiction").of_year(year))


def plan_context(request, plan, day=None):
    """What every page of a plan shows around its content: the plan, the other plans,
    and the plan's rules as they stood on the day shown (read only if the page shows
    them, as the 计算方法 does)."""
    day = day or getattr(request, "as_of", None) or clock.today()
    return {
        "plan": plan,
        "plans": Plan.objects.published().only("year", "title", "title_en"),
        "rules": SimpleLazyObject(lambda: plan.rules_on(day)) if plan else None,
    }


@cached_public
@public_page
def dashboard(request):
    plan = Plan.objects.current()
    open_calls = Plan.objects.calling().order_by("year")
    if plan is None:
        # a city that keeps no plan of its own opens on its levels' newest year
        below = Plan.objects.below(served(request)).filter(stage__in=Plan.PLEDGED_STAGES)
        if year := below.order_by("-year").values_list("year", flat=True).first():
            return HttpResponseRedirect(reverse("projects:levels", args=[year]))
        context = {"open_calls": open_calls}
        return render(request, "projects/no_plan.html", context, status=404)
    return render_dashboard(request, plan, open_calls)


@cached_public
@public_page
def plan_dashboard(request, year):
    plan = published_plan(year)
    if not plan.is_pledged:  # before the vote its page is the call and the candidates
        return HttpResponseRedirect(reverse("projects:call", args=[year]))
    return render_dashboard(request, plan)


def hundredths(value):
    return None if value is None else round(value, 2)


def render_dashboard(request, plan, open_calls=()):
    progress = plan.progress(request.as_of)
    chart = {
        "projects": [
            {
                "label": display_name(project),
                # to draw with: a hundredth of a point is finer than any screen shows
                "percent": hundredths(project.percent),
                "expected": hundredths(project.expected_percent),
                # as the page writes them: the script shows these, never rounds itself
                "percent_text": percent(project.percent),
                "expected_text": percent(project.expected_percent),
                "status": project.status,
            }
            for project in progress.projects
        ],
        "statuses": [
            {"status": status, "label": str(pace.Status(status).label), "count": len(projects)}
            for status, projects in progress.by_status
        ],
        "text": {
            "percent": _("完成率"),
            "expected": _("序时进度"),
            "projects": _("实事件数"),
        },
    }
    if request.as_of:
        matters = Matter.objects.public().filter(plan=plan)
        matters_count = matters.filter(reviewed_at__lt=end_of(request.as_of)).count()
    else:
        matters_count = MatterCount.total(plan)
    context = {
        **plan_context(request, plan),
        "progress": progress,
        "chart": chart,
        "open_calls": open_calls,
        "matters_count": matters_count,
        "money_totals": plan_totals(plan, request.as_of),
    }
    return render(request, "projects/dashboard.html", context)


@cached_public
@public_page
def project_detail(request, year, number):
    project = get_object_or_404(
        Project.objects.published()
        .with_history(request.as_of)
        .select_related("candidate", "money_total")
        # a link to 满意度抽样调查结果 once one is public (closed by the day shown)
        .annotate(
            has_public_survey=Exists(
                Survey.objects.public().filter(
                    project=OuterRef("pk"),
                    closed_at__lt=end_of(request.as_of or clock.today()),
                )
            )
        ),
        of_year(year, "plan"),
        number=number,
    )
    project.load_history(request.as_of)
    charts = []
    for target in project.targets.all():
        rows = target.chart_rows
        charts.append(
            {
                "id": target.pk,
                "label": display_name(target),
                "unit": target.unit,
                "actual": [
                    {"date": row["date"].isoformat(), "value": float(row["actual"])}
                    for row in rows
                    if row["actual"] is not None
                ],
                "plan": [
                    {"date": d.isoformat(), "value": float(v)} for d, v in target.plan_points()
                ],
                "stepped": target.has_schedule,
                # the time axis spans the plan, and any figure reported after its end
                "start": rows[0]["date"].isoformat(),
                "end": rows[-1]["date"].isoformat(),
            }
        )
    day = request.as_of or clock.today()
    questions, more_questions = project_questions(project, day)
    money = project_money(project, request.as_of)
    watching = watch(project, day)
    context = {
        **plan_context(request, project.plan),
        "project": project,
        "watch": watching,
        "forecast": project.forecast_date(day),
        "site_list": Site.objects.public().filter(target__project=project).shown_on(day),
        "questions": questions,
        "story": project_story(project),
        # beside the deputies' verdict, where the plan's rules weigh one (issue 37)
        "satisfaction_index": index_of(project),
        "more_questions": more_questions,
        "money": money,
        "money_chart": money.chart(project.percent),
        "steps": procedure_steps(project, day, money.step_documents, watching.late_steps),
        "charts": {
            "targets": charts,
            "text": {"actual": _("累计完成值"), "plan": _("计划进度")},
        },
    }
    return render(request, "projects/project_detail.html", context)


@cached_public
@public_page
def method(request, year):
    """计算方法 on a page of its own (the other pages link to it): the rules by which
    the day shown was judged, and when they changed."""
    plan = published_plan(year)
    day = request.as_of or clock.today()
    return render(request, "projects/method.html", {**plan_context(request, plan), "day": day})


@cached_public
@public_page
def departments(request, year):
    plan = published_plan(year)
    progress = plan.progress(request.as_of)
    groups, unassigned = progress.by_department
    day = request.as_of or clock.today()
    answers = answer_stats(plan, day)
    overdue = overdue_by_department(plan, day)
    supervised = Supervision.objects.public().filter(plan=plan).counts(day)
    verdicts = helpfulness(plan, day)
    for department, _rows in groups:
        department.answer_stats = answers.get(department.pk)
        department.helpfulness = verdicts.get(department.pk)
        department.overdue_targets = overdue.get(department.pk, [])
        department.supervision_counts = supervised.get(department.pk)
    context = {
        **plan_context(request, plan),
        "progress": progress,
        "groups": groups,
        "unassigned": unassigned,
    }
    return render(request, "projects/departments.html", context)


def safe_next(request):
    target = request.GET.get("next", "/")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def switch_language(request, code):
    """Chinese or English, remembered in a cookie; back to the same page. A GET, so
    pages need no form and stay cacheable; the worst a forged link does is switch it."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    response = HttpResponseRedirect(safe_next(request))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=ONE_YEAR, samesite="Lax", httponly=True
    )
    return response


def switch_care(request, state):
    """关怀版 on or off: larger type and higher contrast, remembered in a cookie."""
    if state not in ("on", "off"):
        raise Http404
    response = HttpResponseRedirect(safe_next(request))
    if state == "on":
        response.set_cookie(CARE_COOKIE, "1", max_age=ONE_YEAR, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(CARE_COOKIE, samesite="Lax")
    return response


def uploaded_file(file, content_type, filename, public, as_attachment=False, max_age=86400):
    """An uploaded file (evidence, a photo), never rendered as a page of ours: under a
    sandboxing Content-Security-Policy, its type not sniffed; cached by anyone only
    when public. Read through the field's storage (a folder, an object store), never a
    path."""
    response = FileResponse(
        file.storage.open(file.name, "rb"),
        content_type=content_type,
        as_attachment=as_attachment,
        filename=filename,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"public, max-age={max_age}" if public else "private, no-store"
    return response


def photo_of(request, key, public, visible, prefix, max_age=86400):
    """The photo of the row `key` names: for anyone if it is in `public`, else only for
    the officials `visible(user)` shows it to. Served like evidence: never as a page."""
    found = public.filter(key=key).exclude(photo="").first()
    is_public = found is not None
    if found is None and request.user.is_authenticated and request.user.is_staff:
        found = visible(request.user).filter(key=key).exclude(photo="").first()
    if found is None:
        raise Http404("没有这张照片。")
    return uploaded_file(
        found.photo,
        found.photo_type,
        f"{prefix}-{found.key.hex[:12]}{found.photo_extension}",
        is_public,
        max_age=max_age,
    )


def evidence_file(request, key):
    """An evidence file: for anyone once its report is approved, before that only for
    the officials who may see the report. Never rendered as a page of ours: images are
    shown, PDFs downloaded, both under a sandboxing Content-Security-Policy."""
    public = Evidence.objects.public().filter(key=key).first()
    evidence = public
    if evidence is None and request.user.is_authenticated and request.user.is_staff:
        evidence = Evidence.objects.visible_to(request.user).filter(key=key).first()
    if evidence is None:
        raise Http404("没有这个文件。")
    return uploaded_file(
        evidence.file,
        evidence.content_type,
        f"evidence-{evidence.key.hex[:12]}{evidence.extension}",
        public is not None,
        as_attachment=evidence.kind == Evidence.Kind.PDF,
    )
