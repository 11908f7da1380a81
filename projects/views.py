from django.shortcuts import get_object_or_404, render

from .models import Plan, Project


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
    return render(
        request, "projects/project_detail.html", {"project": project, "plan": project.plan}
    )
