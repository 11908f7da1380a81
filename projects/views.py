from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from .models import Evidence, Plan, Project


def dashboard(request):
    plan = Plan.objects.current()
    if plan is None:
        return render(request, "projects/no_plan.html", status=404)
    return render_dashboard(request, plan)


def plan_dashboard(request, year):
    plan = get_object_or_404(Plan.objects.published(), year=year)
    return render_dashboard(request, plan)


def render_dashboard(request, plan):
    progress = plan.progress()
    chart = [{"label": str(project), "percent": project.percent} for project in progress.projects]
    context = {"plan": plan, "progress": progress, "chart": chart}
    return render(request, "projects/dashboard.html", context)


def project_detail(request, year, number):
    project = get_object_or_404(
        Project.objects.published().with_history(), plan__year=year, number=number
    )
    context = {"project": project, "plan": project.plan}
    return render(request, "projects/project_detail.html", context)


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
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=evidence.kind == Evidence.Kind.PDF,
        filename=f"evidence-{evidence.key.hex[:12]}{evidence.extension}",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=86400" if public else "private, no-store"
    return response
